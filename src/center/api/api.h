/* SPDX-License-Identifier: Apache-2.0
 * The API handlers, declared from routes.def, and small helpers they share
 * (JSON bodies with strict fields, pagination, object encoders). */
#ifndef MM_CENTER_API_H
#define MM_CENTER_API_H

#include <jansson.h>

#include "center/http.h"
#include "center/router.h"
#include "center/store.h"

#define MM_ROUTE(method, path, fn, allow, body) int fn(struct mm_request *req);
#include "center/routes.def"
#undef MM_ROUTE

/* One expected field of a JSON request body. */
struct mm_field {
    const char *name;
    json_type type; /* JSON_STRING, JSON_INTEGER, JSON_ARRAY, JSON_OBJECT, JSON_TRUE (bool) */
    bool required;
    size_t max_len; /* strings: max bytes; arrays: max items; 0 = default (1024 / 1000) */
};
#define MM_FIELDS_END                                                                              \
    {                                                                                              \
        NULL, JSON_NULL, false, 0                                                                  \
    }

/* Parses the request body as a JSON object holding only the listed fields,
 * with the listed types. On failure replies 400 (bad_utf8, bad_json,
 * unknown_field, bad_field, missing_field) and returns MM_EPARSE; an empty
 * body counts as {}. *out is a new reference on success. */
int mm_api_body(struct mm_request *req, const struct mm_field *fields, json_t **out);

/* A string field or NULL. */
const char *mm_api_str(const json_t *obj, const char *key);

/* Reads ?limit= and ?cursor= into page (limit 1-200, default 50; fetches one
 * more row to know whether a next page exists). Replies 400 and returns
 * MM_EPARSE when malformed. */
int mm_api_page(struct mm_request *req, struct mm_page *page);
/* Reads an optional integer query argument; *out = def when absent. */
int mm_api_query_int(struct mm_request *req, const char *name, int64_t min, int64_t max,
                     int64_t def, int64_t *out);
/* Reads an optional time query argument (RFC 3339 / EVE timestamp / date,
 * which is the first instant of that day in the report zone). */
int mm_api_query_time(struct mm_request *req, const char *name, int64_t *out);

/* A list being built: items, the page, and the cursor of the last item kept. */
struct mm_list {
    json_t *items;
    int limit, count;
    int64_t cursor_a, cursor_b;
    bool more;
};
void mm_list_init(struct mm_list *l, const struct mm_page *page);
/* Adds item (stolen) unless the page is full; records (a, b) as the cursor.
 * Returns 0; sets more when an extra row showed there is a next page. */
int mm_list_add(struct mm_list *l, json_t *item, int64_t a, int64_t b);
/* Replies {"items": [...], "next": cursor|null} and frees the list. */
int mm_list_reply(struct mm_request *req, struct mm_list *l);
/* Ends a list handler after its store call returned r: replies as
 * mm_list_reply when r == 0, else frees the list and returns r (the router
 * turns it into the error reply). */
int mm_list_finish(struct mm_request *req, struct mm_list *l, int r);

/* RFC 3339 UTC text of a microsecond time, or JSON null for 0. */
json_t *mm_json_time(int64_t usec);

json_t *mm_json_tenant(const struct mm_tenant *t);
json_t *mm_json_user(const struct mm_user *u);
json_t *mm_json_sensor(const struct mm_sensor *s, int64_t now, int64_t silent_after_usec);
json_t *mm_json_alert(const struct mm_alert *a);

/* {"user","tenant","csrf_token"} of the caller (GET /api/v1/me). */
json_t *mm_api_me_object(struct mm_request *req);

/* A new session of u (api/session.c), stored only while u's password hash
 * is still verified (else MM_EAUTH, nothing written): its token in token
 * (the cookie's value, MM_SECRET_MAX bytes) and the row in *s. Nothing is
 * sent yet: mm_api_session_use gives it to the browser. */
int mm_api_session_new(struct mm_request *req, const struct mm_user *u, const char *verified,
                       char *token, struct mm_session *s);
/* Makes the session of token the reply's (its cookie) and the request's
 * (the me object then carries its CSRF token). */
void mm_api_session_use(struct mm_request *req, const struct mm_user *u, const char *token,
                        const struct mm_session *s);

/* Lower-cases an e-mail address into out; MM_EINVAL when it is not one. */
int mm_api_email_normalise(const char *in, char *out, size_t outlen);

/* Seconds a client is asked to wait (Retry-After) when every password
 * check was busy for [auth] password_wait. */
#define MM_PASSWORD_BUSY_RETRY_AFTER "5"

/* After a password check or hashing that ended with r: when no check came
 * free in time (MM_EAGAIN, auth.h), replies 503 unavailable with
 * Retry-After and the text reply.password_busy. Returns r. */
int mm_api_password_busy(struct mm_request *req, int r);

/* The actor of a change, for the audit log. */
struct mm_actor mm_api_actor(const struct mm_request *req);

/* Sets the password of user_id to password (hashed at cost here) as a
 * reset by who: every session of the person ends, every API token of theirs
 * is revoked, and "user.password_reset" goes to the audit log; with
 * must_change the person must choose their own at the next sign-in. The one
 * path of POST /api/v1/users/{user}/password and `admin user password`. */
int mm_api_password_reset(struct mm_store *st, const struct mm_scope *scope,
                          const struct mm_actor *who, int64_t user_id, const char *password,
                          enum mm_pwcost cost, bool must_change, int64_t now,
                          struct mm_password_outcome *out);

#endif
