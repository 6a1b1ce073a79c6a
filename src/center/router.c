/* SPDX-License-Identifier: Apache-2.0
 * Owns the route table built from routes.def, path matching with {id}
 * parameters, request authentication (sensor key, API token, session cookie
 * with its CSRF token), role checks and the call into the handler. */
#include "center/router.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "center/api/api.h"
#include "center/auth.h"
#include "center/static.h"
#include "core/error.h"

#define MM_ROUTE(m, path, fn, allow, body)                                                         \
    {MM_##m, path, fn, #fn, MM_ALLOW_##allow, MM_BODY_##body},
static const struct mm_route routes[] = {
#include "center/routes.def"
};
#undef MM_ROUTE

#define NROUTES (sizeof routes / sizeof routes[0])

static const char *const method_names[] = {"GET",    "POST", "PUT",  "PATCH",
                                           "DELETE", "HEAD", "OTHER"};
static const char *const allow_names[] = {"public", "sensor",  "user",   "vendor",
                                          "admin",  "manager", "triage", "self"};

const char *mm_method_name(enum mm_method m)
{
    return method_names[m <= MM_METHOD_OTHER ? m : MM_METHOD_OTHER];
}

enum mm_method mm_method_parse(const char *s)
{
    for (int i = 0; i < MM_METHOD_OTHER; i++)
        if (strcmp(s, method_names[i]) == 0)
            return (enum mm_method)i;
    return MM_METHOD_OTHER;
}

size_t mm_route_body_limit(const struct mm_route *route)
{
    switch (route->body) {
    case MM_BODY_EVENTS:
        return MM_EVENTS_BODY_MAX;
    case MM_BODY_JSON:
        return MM_JSON_BODY_MAX;
    case MM_BODY_SMALL:
        return MM_SMALL_BODY_MAX;
    default:
        return 4096;
    }
}

/* Parses a positive decimal id of at most 18 digits from [s, end). */
static bool parse_id(const char *s, const char *end, int64_t *out)
{
    int64_t v = 0;
    if (end == s || end - s > 18 || *s == '0')
        return false;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return true;
}

/* Matches path against pattern segment by segment, collecting {name} ids
 * into req when req is not NULL. */
static bool match_pattern(const char *pattern, const char *path, struct mm_request *req)
{
    const char *p = pattern, *s = path;
    int n = 0;
    for (;;) {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
        if (p[0] == '*' && p[1] == '\0') {
            /* A trailing "*" takes the rest of the path, which must be a
             * non-empty path without ".." segments (static files). */
            if (*s == '\0' || strstr(s, "..") || strstr(s, "//"))
                return false;
            if (req)
                req->rest = mm_arena_strdup(&req->arena, s);
            return true;
        }
        if (*p == '{') {
            int64_t id;
            if (n >= MM_PATH_PARAMS_MAX || !parse_id(s, s + sl, &id))
                return false;
            if (req)
                req->params[n] = id;
            n++;
        } else if (pl != sl || strncmp(p, s, pl) != 0) {
            return false;
        }
        p += pl;
        s += sl;
        if (*p == '\0' || *s == '\0')
            return *p == '\0' && *s == '\0';
    }
}

/* Fills req->param_names from the {name} segments of the matched pattern. */
static void name_params(struct mm_request *req, const char *pattern)
{
    int n = 0;
    for (const char *p = strchr(pattern, '{'); p && n < MM_PATH_PARAMS_MAX;
         p = strchr(p + 1, '{')) {
        const char *e = strchr(p, '}');
        req->param_names[n++] = mm_arena_strndup(&req->arena, p + 1, (size_t)(e - p - 1));
    }
    req->nparams = n;
}

const struct mm_route *mm_route_match(struct mm_request *req, enum mm_method method,
                                      const char *path, bool *path_known)
{
    *path_known = false;
    if (method == MM_HEAD) /* a GET without the body (http.h) */
        method = MM_GET;
    for (size_t i = 0; i < NROUTES; i++) {
        if (!match_pattern(routes[i].pattern, path, NULL))
            continue;
        if (routes[i].method != method) {
            *path_known = true;
            continue;
        }
        match_pattern(routes[i].pattern, path, req);
        name_params(req, routes[i].pattern);
        return &routes[i];
    }
    return NULL;
}

/* Sets the Allow header of a 405: the methods of the routes of path, HEAD
 * wherever GET is ("GET, HEAD, PATCH"). */
static void reply_allow(struct mm_request *req, const char *path)
{
    static const enum mm_method order[] = {MM_GET, MM_HEAD, MM_POST, MM_PUT, MM_PATCH, MM_DELETE};
    bool has[MM_METHOD_OTHER] = {false};
    for (size_t i = 0; i < NROUTES; i++)
        if (match_pattern(routes[i].pattern, path, NULL))
            has[routes[i].method] = true;
    has[MM_HEAD] = has[MM_GET];
    char allow[64] = "";
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (has[order[i]])
            snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s",
                     *allow ? ", " : "", method_names[order[i]]);
    mm_reply_header(req, "Allow", allow);
}

/* ---- authentication ---- */

static const char *bearer_token(const struct mm_request *req)
{
    const char *h = mm_req_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    return *h && strlen(h) < MM_SECRET_MAX ? h : NULL;
}

static int auth_bearer(struct mm_request *req, const char *token)
{
    struct mm_store *st = req->center->store;
    struct mm_principal *who = &req->who;
    uint8_t hash[MM_HASH_BYTES];
    int64_t token_id = 0;
    mm_secret_hash(token, hash);
    int r;
    if (strncmp(token, "mms_", 4) == 0) {
        r = st->ops->sensor_find_key(st, hash, &who->sensor);
        if (r != 0)
            return r;
        who->kind = MM_AUTH_SENSOR;
        who->scope = mm_scope_tenant(who->sensor.tenant_id);
        snprintf(who->actor, sizeof who->actor, "sensor:%lld", (long long)who->sensor.id);
        return 0;
    }
    if (strncmp(token, "mmt_", 4) != 0)
        return MM_ENOENT;
    r = st->ops->token_find(st, hash, &who->user, &token_id);
    if (r != 0)
        return r;
    who->kind = MM_AUTH_TOKEN;
    who->scope = mm_scope_for(who->user.role, who->user.tenant_id);
    snprintf(who->actor, sizeof who->actor, "token:%lld", (long long)token_id);
    return 0;
}

static int auth_session(struct mm_request *req, const char *cookie)
{
    struct mm_store *st = req->center->store;
    struct mm_principal *who = &req->who;
    uint8_t hash[MM_HASH_BYTES];
    if (strlen(cookie) >= MM_SECRET_MAX)
        return MM_ENOENT;
    mm_secret_hash(cookie, hash);
    int r = st->ops->session_find(st, hash, req->now, &who->session);
    if (r != 0)
        return r;
    struct mm_scope own = mm_scope_tenant(who->session.tenant_id);
    r = st->ops->user_get(st, &own, who->session.user_id, &who->user);
    if (r != 0)
        return r;
    if (who->user.disabled_at != 0) /* its sessions went with it; never one left over */
        return MM_ENOENT;
    who->kind = MM_AUTH_SESSION;
    who->scope = mm_scope_for(who->user.role, who->user.tenant_id);
    snprintf(who->actor, sizeof who->actor, "user:%lld", (long long)who->user.id);
    return 0;
}

/* Identifies the caller; a failed credential leaves the caller anonymous
 * (public routes still work, the others answer 401). Storage failures are
 * returned. */
static int authenticate(struct mm_request *req)
{
    const char *token = bearer_token(req);
    const char *cookie = mm_req_cookie(req, mm_session_cookie(req->https));
    int r = MM_ENOENT;
    if (token)
        r = auth_bearer(req, token);
    else if (cookie && *cookie)
        r = auth_session(req, cookie);
    if (r == MM_ENOENT) {
        memset(&req->who, 0, sizeof req->who);
        return 0;
    }
    if (r == 0 && req->who.kind != MM_AUTH_SENSOR)
        mm_lang_parse(req->who.user.lang, &req->lang);
    return r;
}

static bool role_allows(enum mm_allow allow, enum mm_role role)
{
    switch (allow) {
    case MM_ALLOW_USER:
    case MM_ALLOW_SELF:
        return role != MM_ROLE_NONE;
    case MM_ALLOW_VENDOR:
        return mm_role_is_vendor(role);
    case MM_ALLOW_ADMIN:
        return role == MM_ROLE_ADMIN;
    case MM_ALLOW_MANAGER:
        return role == MM_ROLE_ADMIN || role == MM_ROLE_OWNER;
    case MM_ALLOW_TRIAGE:
        return role == MM_ROLE_ADMIN || role == MM_ROLE_ANALYST || role == MM_ROLE_OWNER;
    default:
        return false;
    }
}

/* State-changing requests made with a session cookie must echo the
 * session's CSRF token; API tokens and sensor keys are exempt. */
static bool csrf_ok(struct mm_request *req)
{
    if (req->who.kind != MM_AUTH_SESSION || req->method == MM_GET || req->method == MM_HEAD)
        return true;
    /* Only the header: a query parameter would leak the token into logs,
     * history and Referer headers, and the web UI never needs it. */
    const char *sent = mm_req_header(req, "X-CSRF-Token");
    const char *want = req->who.session.csrf;
    return sent && strlen(sent) == strlen(want) && *want &&
           sodium_memcmp(sent, want, strlen(want)) == 0;
}

/* A JSON body must be declared as such: "application/json", optionally with
 * parameters (charset). Browsers send text/plain and form types across
 * sites without a preflight, so this also closes login CSRF. */
static bool json_content_type_ok(const struct mm_request *req)
{
    const char *ct = mm_req_header(req, "Content-Type");
    static const char want[] = "application/json";
    if (!ct)
        return false;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    if (strncasecmp(ct, want, sizeof want - 1) != 0)
        return false;
    ct += sizeof want - 1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    return *ct == '\0' || *ct == ';';
}

/* Checks the Content-Type of a JSON route that carries (or announces) a
 * body; replies 415 and returns false when it is not JSON. */
static bool media_ok(struct mm_request *req)
{
    bool json = req->route->body == MM_BODY_JSON || req->route->body == MM_BODY_SMALL;
    if (!json || (req->body_len == 0 && req->declared == 0))
        return true;
    if (json_content_type_ok(req))
        return true;
    mm_reply_error(req, 415, "unsupported_media", NULL); /* the text says what it takes */
    return false;
}

/* Returns true when the caller may go on to the handler; else a reply is set. */
static bool authorise(struct mm_request *req)
{
    enum mm_allow allow = req->route->allow;
    if (allow == MM_ALLOW_PUBLIC)
        return true;
    if (allow == MM_ALLOW_SENSOR) {
        if (req->who.kind == MM_AUTH_SENSOR)
            return true;
        mm_reply_error(req, 401, "unauthenticated", NULL);
        return false;
    }
    if (req->who.kind != MM_AUTH_SESSION && req->who.kind != MM_AUTH_TOKEN) {
        mm_reply_error(req, 401, "unauthenticated", NULL);
        return false;
    }
    if (!csrf_ok(req)) {
        mm_reply_error(req, 403, "csrf", NULL);
        return false;
    }
    /* A session signed in with a password somebody else chose may only read
     * /me, sign out and change the password (API tokens were not made with
     * a password and are not held back). */
    if (req->who.kind == MM_AUTH_SESSION && req->who.user.must_change && allow != MM_ALLOW_SELF) {
        mm_reply_error(req, 403, "password_change_required", NULL);
        return false;
    }
    if (!role_allows(allow, req->who.user.role)) {
        mm_reply_error(req, 403, "forbidden", NULL);
        return false;
    }
    return true;
}

bool mm_route_admit(struct mm_request *req)
{
    if (!req->path || !req->route || req->route->allow == MM_ALLOW_PUBLIC)
        return true;
    int rc = authenticate(req);
    if (rc != 0) {
        mm_reply_code(req, rc, NULL);
        return false;
    }
    if (!authorise(req) || !media_ok(req))
        return false;
    req->admitted = true;
    return true;
}

void mm_route_dispatch(struct mm_request *req)
{
    if (!req->path) {
        mm_reply_error(req, 500, "internal", NULL); /* out of memory on arrival */
        return;
    }
    if (!req->route) {
        bool known = false;
        const struct mm_route *r = mm_route_match(req, req->method, req->path, &known);
        if (!r) {
            if (!known && mm_static_serve(req)) /* web UI files (static.c), or their 405 */
                return;
            mm_reply_error(req, known ? 405 : 404, known ? "method_not_allowed" : "not_found",
                           NULL);
            if (known)
                reply_allow(req, req->path);
            return;
        }
        req->route = r;
    }
    int rc = 0;
    if (!req->admitted) {
        rc = authenticate(req);
        if (rc != 0) {
            mm_reply_code(req, rc, NULL);
            return;
        }
        if (!authorise(req))
            return;
    }
    if (!media_ok(req))
        return;
    rc = req->route->handler(req);
    if (req->status == 0)
        mm_reply_code(req, rc != 0 ? rc : MM_EIO, NULL);
}

void mm_route_print_json(FILE *out)
{
    fputs("[\n", out);
    for (size_t i = 0; i < NROUTES; i++) {
        const struct mm_route *r = &routes[i];
        fprintf(out,
                "  {\"method\": \"%s\", \"path\": \"%s\", \"handler\": \"%s\", "
                "\"allow\": \"%s\"}%s\n",
                mm_method_name(r->method), r->pattern, r->handler_name, allow_names[r->allow],
                i + 1 < NROUTES ? "," : "");
    }
    fputs("]\n", out);
}
