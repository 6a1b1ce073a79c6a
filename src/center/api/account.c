/* SPDX-License-Identifier: Apache-2.0
 * Owns an account's life cycle: POST /api/v1/me/password (one's own new
 * password, checked against the current one under the login rate limiter;
 * every session of the user ends, the caller's too, which gets a new one:
 * new cookie and CSRF token in the reply; API tokens stay), POST
 * /api/v1/users/{user}/password (a manager sets a temporary password the
 * user must change; all the user's sessions end and their API tokens are
 * revoked) and PATCH /api/v1/users/{user} (disable or re-enable). A user
 * outside the caller's scope answers 404 before the body is read, like a
 * missing id. Passwords never reach the audit log. */
#include "center/api/api.h"

#include <stdio.h>
#include <string.h>

#include "center/auth.h"
#include "core/error.h"

/* Checks the caller's current password under the login rate limiter (the
 * same account and address keys as POST /api/v1/login): 0 and the hash it
 * was checked against in verified, MM_ELIMIT, MM_EAUTH or MM_EAGAIN (no
 * password check came free). */
static int check_current(struct mm_request *req, const char *password, char verified[MM_PWHASH_MAX])
{
    struct mm_center *c = req->center;
    const struct mm_user *me = &req->who.user;
    struct mm_scope own = mm_scope_tenant(me->tenant_id);
    struct mm_user fresh; /* an API token's user carries no hash */
    if (mm_ratelimit_begin(c->ratelimit, me->email, req->address, req->now) != 0)
        return MM_ELIMIT;
    int r = c->store->ops->user_get(c->store, &own, me->id, &fresh);
    if (r == 0)
        r = mm_password_verify(fresh.password_hash, password);
    if (r == 0)
        snprintf(verified, MM_PWHASH_MAX, "%s", fresh.password_hash);
    mm_ratelimit_end_result(c->ratelimit, me->email, req->address, r, req->now);
    return r == 0 || MM_STORE_FAILED(r) || r == MM_EAGAIN ? r : MM_EAUTH;
}

/* 0 when password may become the new one; else replies 400. */
static int new_password_ok(struct mm_request *req, const char *password, const char *current)
{
    if (!mm_password_long_enough(password))
        return mm_reply_error(req, 400, "password_too_short", NULL), MM_EPARSE;
    if (current && strcmp(password, current) == 0)
        return mm_reply_error(req, 400, "password_unchanged", NULL), MM_EPARSE;
    return 0;
}

static int change_own(struct mm_request *req, const char *current, const char *fresh)
{
    struct mm_store *st = req->center->store;
    struct mm_user *me = &req->who.user;
    struct mm_scope own = mm_scope_tenant(me->tenant_id);
    char hash[MM_PWHASH_MAX], verified[MM_PWHASH_MAX];
    int r = new_password_ok(req, fresh, current);
    if (r == 0)
        r = check_current(req, current, verified);
    if (r == MM_EAUTH)
        return mm_reply_error(req, 403, "wrong_password", NULL), r;
    if (r == 0)
        r = mm_password_hash(fresh, req->center->cfg.pwcost, hash);
    if (r != 0)
        return mm_api_password_busy(req, r);
    struct mm_actor who = mm_api_actor(req);
    /* A session caller gets a new session (made while the password checked
     * is still stored), the one kept by the change: every other, the one of
     * this request too, ends with the old password. */
    bool session = req->who.kind == MM_AUTH_SESSION;
    char token[MM_SECRET_MAX];
    struct mm_session s;
    if (session && (r = mm_api_session_new(req, me, verified, token, &s)) != 0)
        return r == MM_EAUTH ? (mm_reply_error(req, 403, "wrong_password", NULL), r) : r;
    /* Written only while the hash checked is still stored: a reset made
     * meanwhile stands, and current is no longer the password. */
    r = st->ops->user_password_change(st, &own, &who, "user.password", me->id, verified, hash,
                                      false, session ? s.token_hash : NULL, req->now, NULL);
    if (r != 0 && session) /* the new session goes; the old one stays as it was */
        st->ops->session_delete(st, &who, s.token_hash);
    if (r == MM_ESTATE)
        return mm_reply_error(req, 403, "wrong_password", NULL), MM_EAUTH;
    if (r == 0)
        me->must_change = false;
    if (r == 0 && session)
        mm_api_session_use(req, me, token, &s);
    return r;
}

int mm_api_me_password(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"current_password", JSON_STRING, true, 1024},
        {"new_password", JSON_STRING, true, 1024},
        MM_FIELDS_END,
    };
    json_t *body;
    int r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    r = change_own(req, mm_api_str(body, "current_password"), mm_api_str(body, "new_password"));
    json_decref(body);
    if (r != 0)
        return r;
    return mm_reply_json(req, 200, mm_api_me_object(req));
}

/* The user of the path within the caller's scope, or MM_ENOENT (404) before
 * anything else is looked at. */
static int managed_user(struct mm_request *req, struct mm_user *u)
{
    struct mm_store *st = req->center->store;
    return st->ops->user_get(st, &req->who.scope, mm_req_param(req, "user"), u);
}

/* One's own account answers 409 own_account to a reset or a disable: one's
 * own password is changed with the current one, and a manager must not
 * lock themselves out. */
static int not_own(struct mm_request *req, const struct mm_user *u)
{
    if (u->id != req->who.user.id)
        return 0;
    return mm_reply_error(req, 409, "own_account", NULL), MM_ECONFLICT;
}

static int reply_user(struct mm_request *req, int64_t id)
{
    struct mm_store *st = req->center->store;
    struct mm_user u;
    int r = st->ops->user_get(st, &req->who.scope, id, &u);
    if (r != 0)
        return r;
    return mm_reply_json(req, 200, mm_json_user(&u));
}

int mm_api_password_reset(struct mm_store *st, const struct mm_scope *scope,
                          const struct mm_actor *who, int64_t user_id, const char *password,
                          enum mm_pwcost cost, bool must_change, int64_t now,
                          struct mm_password_outcome *out)
{
    char hash[MM_PWHASH_MAX];
    int r = mm_password_hash(password, cost, hash);
    if (r == 0)
        r = st->ops->user_password_change(st, scope, who, "user.password_reset", user_id, NULL,
                                          hash, must_change, NULL, now, out);
    return r;
}

static int reset_password(struct mm_request *req, const struct mm_user *u, const char *password,
                          struct mm_password_outcome *out)
{
    int r = new_password_ok(req, password, NULL);
    if (r != 0)
        return r;
    struct mm_actor who = mm_api_actor(req);
    return mm_api_password_reset(req->center->store, &req->who.scope, &who, u->id, password,
                                 req->center->cfg.pwcost, true, req->now, out);
}

int mm_api_user_password_reset(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"password", JSON_STRING, true, 1024},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_password_outcome done;
    struct mm_user u;
    json_t *body;
    int r = managed_user(req, &u);
    if (r == 0)
        r = not_own(req, &u);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    r = mm_api_password_busy(req, reset_password(req, &u, mm_api_str(body, "password"), &done));
    json_decref(body);
    if (r == 0)
        r = st->ops->user_get(st, &req->who.scope, u.id, &u);
    if (r != 0)
        return r;
    json_t *j = mm_json_user(&u);
    json_object_set_new(j, "sessions_ended", json_integer(done.sessions_ended));
    json_object_set_new(j, "tokens_revoked", json_integer(done.tokens_revoked));
    return mm_reply_json(req, 200, j);
}

int mm_api_user_update(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"disabled", JSON_TRUE, false, 0},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    struct mm_user u;
    json_t *body;
    int r = managed_user(req, &u);
    if (r == 0)
        r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    json_t *disabled = json_object_get(body, "disabled");
    if (json_is_true(disabled))
        r = not_own(req, &u);
    if (r == 0 && disabled) {
        struct mm_actor who = mm_api_actor(req);
        r = st->ops->user_set_disabled(st, &req->who.scope, &who, u.id, json_is_true(disabled),
                                       req->now);
    }
    json_decref(body);
    if (r == MM_ESTATE)
        return mm_reply_error(req, 409, "last_admin", NULL);
    if (r != 0)
        return r;
    return reply_user(req, u.id);
}
