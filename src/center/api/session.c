/* SPDX-License-Identifier: Apache-2.0
 * Owns POST /api/v1/login, POST /api/v1/logout, GET /api/v1/me and
 * PATCH /api/v1/me (the user's own language): password check under the rate
 * limiter (a disabled account fails like a wrong password), session creation
 * with its cookie (mm_session, __Host-mm_session under HTTPS) and CSRF token (stored only while the
 * user still has the hash that was checked; the session whose cookie came
 * with the sign-in ends), re-hashing (compare and swap). The user object in the
 * me object says "must_change_password" (api/account.c). */
#include "center/api/api.h"
#include "center/report.h"
#include "center/vendor.h"
#include "center/zone.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"

#define EMAIL_MAX 254

static bool local_char(unsigned char c)
{
    return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* The local part: 1-64 of [A-Za-z0-9._%+-], no leading, trailing or double dot. */
static bool local_part_ok(const char *s, size_t n)
{
    if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!local_char((unsigned char)s[i]) || (s[i] == '.' && s[i + 1] == '.'))
            return false;
    return true;
}

/* A host name with at least two labels of 1-63 letters, digits and inner hyphens. */
static bool domain_ok(const char *s, size_t n)
{
    size_t label = 0, labels = 1;
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-')
                return false;
            label = 0;
            labels++;
        } else if (isalnum(c) || (c == '-' && label > 0)) {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0 && s[n - 1] != '-' && labels >= 2;
}

int mm_api_email_normalise(const char *in, char *out, size_t outlen)
{
    size_t n = strlen(in);
    const char *at = strchr(in, '@');
    if (n < 3 || n > EMAIL_MAX || n >= outlen || !at || strchr(at + 1, '@'))
        return MM_EINVAL;
    /* A conservative addr-spec: no quoting, comments, spaces, ',' or ';',
     * so an address can never smuggle a second SMTP recipient. */
    if (!local_part_ok(in, (size_t)(at - in)) || !domain_ok(at + 1, n - (size_t)(at - in) - 1))
        return MM_EINVAL;
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)tolower((unsigned char)in[i]);
    return 0;
}

json_t *mm_api_me_object(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    const struct mm_user *u = &req->who.user;
    struct mm_tenant t;
    json_t *tenant;
    if (u->tenant_id == MM_VENDOR_TENANT) {
        tenant = json_pack("{s:i, s:s, s:s}", "id", 0, "name", "vendor", "lang", u->lang);
    } else {
        struct mm_scope own = mm_scope_tenant(u->tenant_id);
        tenant =
            st->ops->tenant_get(st, &own, u->tenant_id, &t) == 0 ? mm_json_tenant(&t) : json_null();
    }
    json_t *csrf =
        req->who.kind == MM_AUTH_SESSION ? json_string(req->who.session.csrf) : json_null();
    /* The zone the web UI shows times in, as the mails and reports do. */
    const char *zone = mm_zone_name(mm_report_zone());
    /* Whom an SME calls in an emergency ([vendor], vendor.h), or null. */
    return json_pack("{s:o, s:o, s:o, s:s, s:o}", "user", mm_json_user(u), "tenant", tenant,
                     "csrf_token", csrf, "timezone", zone, "vendor", mm_vendor_json());
}

/* Checks the password of email. 0 and *u on success; MM_EAUTH for a wrong
 * account or password; MM_EAGAIN when no password check came free. */
static int check_password(struct mm_request *req, const char *email, const char *password,
                          struct mm_user *u)
{
    struct mm_store *st = req->center->store;
    int r = st->ops->user_find_email(st, email, u);
    /* A missing account, a disabled one or one without a password costs one
     * argon2 verification and answers like a wrong password: no oracle of
     * which accounts exist. */
    if (r == 0 && u->password_hash[0] && u->disabled_at == 0)
        r = mm_password_verify(u->password_hash, password);
    else if (r == 0 || r == MM_ENOENT)
        r = mm_password_verify_dummy(password);
    return r == 0 || MM_STORE_FAILED(r) || r == MM_EAGAIN ? r : MM_EAUTH;
}

int mm_api_session_new(struct mm_request *req, const struct mm_user *u, const char *verified,
                       char *token, struct mm_session *s)
{
    struct mm_center *c = req->center;
    char csrf[MM_SECRET_MAX];
    *s = (struct mm_session){.tenant_id = u->tenant_id, .user_id = u->id};
    int r = mm_secret_new("", token);
    if (r == 0)
        r = mm_secret_new("", csrf);
    if (r != 0)
        return r;
    mm_secret_hash(token, s->token_hash);
    snprintf(s->csrf, sizeof s->csrf, "%s", csrf);
    s->created_at = req->now;
    s->expires_at = req->now + (int64_t)c->cfg.session_hours * 3600 * 1000000;
    char actor[48];
    snprintf(actor, sizeof actor, "user:%lld", (long long)u->id);
    struct mm_actor who = {.name = actor, .tenant_id = u->tenant_id, .address = req->address};
    return c->store->ops->session_add(c->store, &who, s, verified);
}

void mm_api_session_use(struct mm_request *req, const struct mm_user *u, const char *token,
                        const struct mm_session *s)
{
    struct mm_center *c = req->center;
    mm_reply_cookie(req,
                    mm_arena_printf(&req->arena,
                                    "%s=%s; HttpOnly; SameSite=Strict; Path=/; "
                                    "Max-Age=%d%s",
                                    mm_session_cookie(req->https), token,
                                    c->cfg.session_hours * 3600, req->https ? "; Secure" : ""));
    req->who.kind = MM_AUTH_SESSION;
    if (u != &req->who.user) /* a password change passes the request's own */
        req->who.user = *u;
    req->who.session = *s;
    snprintf(req->who.actor, sizeof req->who.actor, "user:%lld", (long long)u->id);
}

/* Adds the session of u, whose password hash verified was just checked: the
 * store refuses it (MM_EAUTH) when that hash changed or the user was
 * disabled meanwhile. The session whose cookie came with the sign-in (the
 * browser's earlier one, maybe another person's) ends: one browser, one
 * session. */
static int start_session(struct mm_request *req, const struct mm_user *u, const char *verified)
{
    char token[MM_SECRET_MAX];
    struct mm_session s;
    int r = mm_api_session_new(req, u, verified, token, &s);
    if (r != 0)
        return r;
    if (req->who.kind == MM_AUTH_SESSION) {
        struct mm_actor was = mm_api_actor(req);
        r = req->center->store->ops->session_delete(req->center->store, &was,
                                                    req->who.session.token_hash);
        if (r != 0) /* the new token was never sent: its row is of no use to anyone */
            return r;
    }
    mm_api_session_use(req, u, token, &s);
    return 0;
}

/* After a sign-in, a hash made with other cost parameters is replaced, only
 * while the stored hash is still the one verified (a password changed or
 * reset during the hashing stands). A failure costs nothing but the next
 * sign-in trying again. */
static void rehash(struct mm_request *req, const struct mm_user *u, const char *password)
{
    struct mm_center *c = req->center;
    char fresh[MM_PWHASH_MAX];
    if (mm_password_needs_rehash(u->password_hash, c->cfg.pwcost) &&
        mm_password_hash(password, c->cfg.pwcost, fresh) == 0)
        c->store->ops->user_rehash_password(c->store, u->id, u->password_hash, fresh);
}

int mm_api_login(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"email", JSON_STRING, true, 254},
        {"password", JSON_STRING, true, 1024},
        MM_FIELDS_END,
    };
    struct mm_center *c = req->center;
    json_t *body;
    char email[EMAIL_MAX + 1];
    struct mm_user u;
    int r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    if (mm_api_email_normalise(mm_api_str(body, "email"), email, sizeof email) != 0) {
        json_decref(body);
        return mm_reply_error(req, 401, "unauthenticated", NULL);
    }
    /* The attempt stays reserved until the session is stored: a sign-in the
     * store refuses (the password changed, or the account was disabled, while
     * it was checked) counts as a failure, like a wrong password; one the
     * database fails (busy: 503), or one that found every password check busy
     * (503), counts neither way. */
    if (mm_ratelimit_begin(c->ratelimit, email, req->address, req->now) != 0) {
        r = MM_ELIMIT;
    } else {
        const char *password = mm_api_str(body, "password");
        r = check_password(req, email, password, &u);
        if (r == 0)
            r = start_session(req, &u, u.password_hash);
        mm_ratelimit_end_result(c->ratelimit, email, req->address, r, req->now);
        if (r == 0)
            rehash(req, &u, password);
    }
    json_decref(body);
    if (r == MM_EAUTH)
        return mm_reply_error(req, 401, "unauthenticated", NULL);
    if (r == MM_EAGAIN)
        return mm_api_password_busy(req, r);
    if (r != 0)
        return mm_reply_code(req, r, NULL);
    mm_lang_parse(u.lang, &req->lang);
    return mm_reply_json(req, 200, mm_api_me_object(req));
}

int mm_api_logout(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    if (req->who.kind == MM_AUTH_SESSION) {
        struct mm_actor who = mm_api_actor(req);
        int r = st->ops->session_delete(st, &who, req->who.session.token_hash);
        if (r != 0)
            return r;
    }
    mm_reply_cookie(req,
                    mm_arena_printf(&req->arena,
                                    "%s=; HttpOnly; SameSite=Strict; Path=/; "
                                    "Max-Age=0%s",
                                    mm_session_cookie(req->https), req->https ? "; Secure" : ""));
    return mm_reply_json(req, 204, NULL);
}

int mm_api_me(struct mm_request *req)
{
    return mm_reply_json(req, 200, mm_api_me_object(req));
}

int mm_api_me_update(struct mm_request *req)
{
    static const struct mm_field fields[] = {
        {"lang", JSON_STRING, false, 2},
        MM_FIELDS_END,
    };
    struct mm_store *st = req->center->store;
    json_t *body;
    int r = mm_api_body(req, fields, &body);
    if (r != 0)
        return r;
    const char *lang = mm_api_str(body, "lang");
    if (lang && strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0) {
        mm_reply_error(req, 400, "bad_field", "lang");
        r = MM_EPARSE;
    }
    if (r == 0 && lang) {
        struct mm_actor who = mm_api_actor(req);
        r = st->ops->user_set_lang(st, &who, req->who.user.id, lang);
        if (r == 0) {
            snprintf(req->who.user.lang, sizeof req->who.user.lang, "%s", lang);
            mm_lang_parse(lang, &req->lang);
        }
    }
    json_decref(body);
    if (r != 0)
        return r;
    return mm_reply_json(req, 200, mm_api_me_object(req));
}
