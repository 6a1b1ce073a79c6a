/* SPDX-License-Identifier: Apache-2.0
 * Owns the libmicrohttpd server: listening (IPv4/IPv6, optional TLS), one
 * thread per open connection (bounded by the connection limits), per-request
 * state with its arena and bounded body, replies with security headers, the
 * limits per client (connections and buffered bytes per IPv4 address or IPv6
 * /64, counted in clients.c; the time a body may take to arrive), the client
 * behind a trusted reverse proxy (its X-Forwarded-For and -Proto, read in
 * proxy.c), and the
 * graceful stop (quiesce, wait for requests in flight, stop). Routing and
 * authentication are router.c's. */
#include "center/http.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "center/center.h"
#include "center/clients.h"
#include "center/proxy.h"
#include "center/router.h"
#include "center/static.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/loglimit.h"
#include "core/msg.h"
#include "core/str.h"
#include "core/timefmt.h"

#define TLS_FILE_MAX (256 * 1024)
#define DISCARD_MAX  ((size_t)64 * 1024 * 1024)
/* A body that did not arrive in time is logged at most once a minute. */
#define SLOW_BODY_LOG_USEC ((int64_t)60 * 1000000)
/* So is a trusted proxy's X-Forwarded-For that names no address. */
#define BAD_FORWARD_LOG_USEC ((int64_t)60 * 1000000)
/* The most of such a header's text the log shows. */
#define BAD_FORWARD_SHOWN 80
/* Numbers that are not integers go out with at most 15 significant digits
 * (DBL_DIG: every decimal of up to 15 digits reads back as the same double),
 * so a rate rounded to 0.15 is written 0.15; jansson's default, 17, writes
 * 0.14999999999999999. */
#define MM_JSON_REAL_DIGITS JSON_REAL_PRECISION(15)

struct mm_http_server {
    struct MHD_Daemon *daemon;
    struct mm_center *center;
    atomic_int inflight;
    atomic_size_t buffered; /* body bytes held by all requests (their buffers' sizes) */
    size_t budget;          /* the most buffered may reach; past it, 503 */
    size_t share;           /* the most one client may hold of it */
    struct mm_clients *clients;
    struct mm_log_limit *slow_log;        /* SLOW_BODY_LOG_USEC */
    struct mm_log_limit *bad_forward_log; /* BAD_FORWARD_LOG_USEC */
    struct mm_proxies proxies;            /* [server] trusted_proxies */
    int per_client;                       /* open connections per client */
    int64_t body_usec;                    /* the time a body may take to arrive */
    struct mm_http_tls tls;               /* the certificate and key MHD was given */
    int port;
};

/* ---- request accessors ---- */

int64_t mm_req_param(const struct mm_request *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0)
            return req->params[i];
    return 0;
}

const char *mm_req_header(const struct mm_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *mm_req_cookie(const struct mm_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *mm_req_query(const struct mm_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* ---- replies ---- */

int mm_reply_json(struct mm_request *req, int status, json_t *body)
{
    free(req->reply);
    req->reply = NULL;
    req->reply_len = 0;
    req->unsized = false;
    req->status = status;
    req->content_type = "application/json; charset=utf-8";
    if (body && status != 204) {
        req->reply = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER | MM_JSON_REAL_DIGITS);
        if (!req->reply) {
            json_decref(body);
            req->status = 500;
            return MM_ENOMEM;
        }
        req->reply_len = strlen(req->reply);
    }
    json_decref(body);
    return 0;
}

int mm_reply_error(struct mm_request *req, int status, const char *code, const char *detail)
{
    char key[64];
    snprintf(key, sizeof key, "error.%s", code);
    return mm_reply_error_text(req, status, code, key, detail);
}

/* The field a 400 about one field names: its detail when that is a bare
 * field name ("outcome"), or the name that starts it when " must " follows
 * ("dispatch.when must be an RFC 3339 time"), else NULL. Copied to the arena. */
static const char *error_field(struct mm_request *req, const char *code, const char *detail)
{
    if (!detail || (strcmp(code, "missing_field") != 0 && strcmp(code, "bad_field") != 0 &&
                    strcmp(code, "unknown_field") != 0))
        return NULL;
    size_t n = 0;
    while ((detail[n] >= 'a' && detail[n] <= 'z') || (detail[n] >= '0' && detail[n] <= '9') ||
           detail[n] == '_' || detail[n] == '.')
        n++;
    if (n == 0 || n > 64 || (detail[n] && strncmp(detail + n, " must ", 6) != 0))
        return NULL;
    return mm_arena_printf(&req->arena, "%.*s", (int)n, detail);
}

int mm_reply_error_text(struct mm_request *req, int status, const char *code, const char *text_key,
                        const char *detail)
{
    const char *text = mm_tr("center", text_key, req->lang);
    char *msg = detail && *detail ? mm_arena_printf(&req->arena, "%s: %s", text, detail) : NULL;
    json_t *j = json_pack("{s:s, s:s}", "error", code, "message", msg ? msg : text);
    if (!j || !json_is_string(json_object_get(j, "message"))) {
        /* A detail that is not valid UTF-8 cannot go into JSON: drop it. */
        json_decref(j);
        j = json_pack("{s:s, s:s}", "error", code, "message", text);
    }
    const char *field = error_field(req, code, detail);
    if (j && field)
        json_object_set_new(j, "field", json_string(field));
    return mm_reply_json(req, status, j);
}

/* Retry-After of a reply to a write the busy database refused: the busy
 * timeout ([server] busy_timeout_ms) in whole seconds, rounded up, at least
 * 1; a backup's lock is rarely shorter. */
static void reply_retry_after(struct mm_request *req)
{
    int ms = req->center ? atomic_load(&req->center->busy_timeout_ms) : 0;
    char secs[16];
    snprintf(secs, sizeof secs, "%d", ms > 0 ? (ms + 999) / 1000 : MM_STORE_BUSY_TIMEOUT_MS / 1000);
    mm_reply_header(req, "Retry-After", secs);
}

int mm_reply_code(struct mm_request *req, int rc, const char *detail)
{
    switch (rc) {
    case MM_ENOENT:
        return mm_reply_error(req, 404, "not_found", detail);
    case MM_EPARSE:
    case MM_EINVAL:
    case MM_ERANGE:
        return mm_reply_error(req, 400, "bad_request", detail);
    case MM_EEXIST:
    case MM_ECONFLICT:
        return mm_reply_error(req, 409, "conflict", detail);
    case MM_ESTATE:
        return mm_reply_error(req, 409, "invalid_transition", detail);
    case MM_EPERM:
        return mm_reply_error(req, 403, "forbidden", detail);
    case MM_EAUTH:
        return mm_reply_error(req, 401, "unauthenticated", detail);
    case MM_ETOOBIG:
        return mm_reply_error(req, 413, "too_large", detail);
    case MM_ELIMIT:
        return mm_reply_error(req, 429, "rate_limited", detail);
    case MM_EDBBUSY: /* another program holds the database: retry, do not give up */
        mm_log_tr(MM_LOG_WARN, "center-log", "http.request_failed", mm_method_name(req->method),
                  req->path, mm_msg_strerror(rc));
        reply_retry_after(req);
        return mm_reply_error_text(req, 503, "db_busy", "reply.db_busy", NULL);
    default:
        mm_log_tr(MM_LOG_ERROR, "center-log", "http.request_failed", mm_method_name(req->method),
                  req->path, mm_msg_strerror(rc));
        return mm_reply_error(req, 500, "internal", NULL);
    }
}

int mm_reply_bytes(struct mm_request *req, int status, const char *content_type, const void *data,
                   size_t len)
{
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return MM_ENOMEM;
    memcpy(copy, data, len);
    free(req->reply);
    req->reply = copy;
    req->reply_len = len;
    req->unsized = false;
    req->status = status;
    req->content_type = mm_arena_strdup(&req->arena, content_type);
    return 0;
}

int mm_reply_head(struct mm_request *req, int status, const char *content_type)
{
    int r = mm_reply_bytes(req, status, content_type, "", 0);
    if (r == 0)
        req->unsized = req->method == MM_HEAD;
    return r;
}

int mm_reply_header(struct mm_request *req, const char *name, const char *value)
{
    if (req->nextra >= MM_REPLY_HEADERS_MAX)
        return MM_ELIMIT;
    const char *n = mm_arena_strdup(&req->arena, name), *v = mm_arena_strdup(&req->arena, value);
    if (!n || !v)
        return MM_ENOMEM;
    req->extra_headers[2 * req->nextra] = n;
    req->extra_headers[2 * req->nextra + 1] = v;
    req->nextra++;
    return 0;
}

void mm_reply_cookie(struct mm_request *req, const char *cookie)
{
    req->set_cookie = mm_arena_strdup(&req->arena, cookie);
}

/* ---- request life cycle ---- */

static void client_address(struct MHD_Connection *conn, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, outlen);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, outlen);
}

/* The X-Forwarded-For lines of a request, the right-most ones kept. */
struct forwarded_lines {
    const char *v[MM_FORWARDED_LINES_MAX];
    size_t n;
};

static enum MHD_Result forwarded_line(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    struct forwarded_lines *f = cls;
    (void)kind;
    if (!key || strcasecmp(key, "X-Forwarded-For") != 0)
        return MHD_YES;
    if (f->n == MM_FORWARDED_LINES_MAX) {
        memmove(f->v, f->v + 1, (f->n - 1) * sizeof f->v[0]);
        f->n--;
    }
    f->v[f->n++] = value ? value : "";
    return MHD_YES;
}

/* Logs (at most once a minute) that the trusted proxy at req->address sent
 * an X-Forwarded-For naming no address: its text, cut short, with anything
 * but printable ASCII as '?'. */
static void forwarded_bad(struct mm_http_server *srv, const struct mm_request *req,
                          const char *value)
{
    uint64_t unsaid = 0;
    char shown[BAD_FORWARD_SHOWN + 1];
    size_t i = 0;
    const char *msg = mm_log_limit_msg(srv->bad_forward_log, 0, mm_time_now_usec(),
                                       "http.forwarded_bad", "http.forwarded_bad_again", &unsaid);
    if (!msg)
        return;
    for (; value[i] && i < BAD_FORWARD_SHOWN; i++)
        shown[i] = value[i] >= 0x20 && value[i] < 0x7f && value[i] != '"' ? value[i] : '?';
    shown[i] = '\0';
    mm_log_tr(MM_LOG_WARN, "center-log", msg, req->address, shown, (unsigned long long)unsaid);
}

/* The client of a request that came from a trusted proxy: the address its
 * X-Forwarded-For names becomes req->address, and the body bytes count in
 * that client's share (req->held); X-Forwarded-Proto: https makes it a
 * request over HTTPS. A peer that is not a trusted proxy is the client,
 * whatever it writes in these headers. */
static void forwarded_client(struct mm_http_server *srv, struct MHD_Connection *conn,
                             struct mm_request *req)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct mm_addr peer, client;
    if (srv->proxies.n == 0 || !ci || !mm_proxies_addr_of(ci->client_addr, &peer) ||
        !mm_proxies_trust(&srv->proxies, &peer))
        return;
    if (mm_proxies_proto_https(
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto")))
        req->https = true;
    struct forwarded_lines f = {.n = 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, forwarded_line, &f);
    int r = mm_proxies_client(&srv->proxies, f.v, f.n, &client);
    if (r == MM_EPARSE)
        forwarded_bad(srv, req, f.v[f.n - 1]);
    if (r != 0)
        return;
    mm_addr_format(&client, req->address, sizeof req->address);
    struct mm_client_key k;
    mm_client_key_of_addr(&client, &k);
    req->held = mm_clients_hold(srv->clients, &k);
    if (req->held)
        req->client = req->held;
}

/* The weight of an Accept-Language item of n bytes at p (its ";q=" parameter;
 * 1 without one). */
static double accept_q(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != ';')
            continue;
        size_t j = i + 1;
        while (j < n && (p[j] == ' ' || p[j] == '\t'))
            j++;
        if (j + 1 >= n || (p[j] != 'q' && p[j] != 'Q') || p[j + 1] != '=')
            continue;
        j += 2;
        if (j < n && p[j] == '1')
            return 1;
        double q = 0, scale = 0.1;
        if (j < n && p[j] == '0')
            j++;
        if (j < n && p[j] == '.')
            for (j++; j < n && p[j] >= '0' && p[j] <= '9'; j++, scale /= 10)
                q += (p[j] - '0') * scale;
        return q;
    }
    return 1;
}

static bool lang_tag(const char *p, size_t n, const char *code)
{
    return n >= 2 && strncasecmp(p, code, 2) == 0 && (n == 2 || p[2] == '-');
}

/* The language of a request's replies until its user is known: the ja or en
 * item of Accept-Language with the highest weight (the first of equal ones),
 * else Japanese, the product's first language (as for a new tenant, user or
 * report): a request without the header, or one naming neither language. */
static enum mm_lang accept_language(const char *al)
{
    enum mm_lang best = MM_LANG_JA;
    double best_q = 0;
    while (al && *al) {
        al += strspn(al, " \t,");
        size_t item = strcspn(al, ","), tag = strcspn(al, " \t;,");
        double q = accept_q(al, item);
        bool ja = lang_tag(al, tag, "ja"), en = lang_tag(al, tag, "en");
        if ((ja || en) && q > best_q) {
            best = ja ? MM_LANG_JA : MM_LANG_EN;
            best_q = q;
        }
        al += item;
    }
    return best;
}

/* The body size the request announces in Content-Length, 0 without one.
 * Digits only (mm_str_int64: strtoull took "+5" as 5): libmicrohttpd
 * answers 400 to another form itself, unless Transfer-Encoding comes with
 * it (then it reads the chunks and ignores the length); such a length, or
 * one past int64_t, counts as far too large: the connection is cut
 * (request_first_call), as RFC 9112 6.3 advises for a request with both. */
static uint64_t declared_length(struct MHD_Connection *conn)
{
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    int64_t n;
    if (!cl)
        return 0;
    return mm_str_int64(cl, 0, INT64_MAX, &n) == 0 ? (uint64_t)n : UINT64_MAX;
}

static struct mm_request *request_new(struct mm_http_server *srv, struct MHD_Connection *conn,
                                      const char *url, const char *method)
{
    struct mm_request *req = calloc(1, sizeof *req);
    if (!req)
        return NULL;
    req->center = srv->center;
    req->conn = conn;
    req->now = mm_time_now_usec();
    req->method = mm_method_parse(method);
    req->path = mm_arena_strdup(&req->arena, url);
    req->lang =
        accept_language(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Language"));
    client_address(conn, req->address, sizeof req->address);
    req->server = srv;
    const union MHD_ConnectionInfo *sc =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    req->client = sc ? (size_t)(uintptr_t)sc->socket_context : 0;
    req->https = srv->center->https;
    forwarded_client(srv, conn, req);
    bool known = false;
    req->route = req->path ? mm_route_match(req, req->method, req->path, &known) : NULL;
    req->body_limit = req->route ? mm_route_body_limit(req->route) : MM_JSON_BODY_MAX;
    req->declared = declared_length(conn);
    if (req->declared > req->body_limit)
        req->too_large = true;
    atomic_fetch_add(&srv->inflight, 1);
    return req;
}

static void request_free(struct mm_http_server *srv, struct mm_request *req)
{
    if (!req)
        return;
    atomic_fetch_sub(&srv->buffered, req->body_cap + req->charged);
    mm_clients_give(srv->clients, req->client, req->body_cap + req->charged);
    mm_clients_release(srv->clients, req->held);
    free(req->body);
    free(req->reply);
    mm_arena_free(&req->arena);
    free(req);
}

/* Takes grow more bytes from the server-wide body budget and from the
 * share of it the request's client may hold; false (and nothing taken)
 * when that would overspend either. */
static bool budget_take(struct mm_http_server *srv, const struct mm_request *req, size_t grow)
{
    size_t now = atomic_fetch_add(&srv->buffered, grow);
    if (now + grow <= srv->budget && mm_clients_take(srv->clients, req->client, grow, srv->share))
        return true;
    atomic_fetch_sub(&srv->buffered, grow);
    return false;
}

static void budget_give(struct mm_http_server *srv, const struct mm_request *req, size_t n)
{
    atomic_fetch_sub(&srv->buffered, n);
    mm_clients_give(srv->clients, req->client, n);
}

bool mm_req_charge(struct mm_request *req, size_t n)
{
    if (!budget_take(req->server, req, n))
        return false;
    req->charged += n;
    return true;
}

void mm_req_uncharge(struct mm_request *req, size_t n)
{
    n = n < req->charged ? n : req->charged;
    budget_give(req->server, req, n);
    req->charged -= n;
}

int mm_reply_busy(struct mm_request *req, const char *detail)
{
    mm_reply_header(req, "Retry-After", MM_BODY_BUSY_RETRY_AFTER);
    return mm_reply_error_text(req, 503, "unavailable", "reply.body_budget", detail);
}

/* Appends upload data up to the body limit; past it, remembers the overflow
 * and drops the data (the reply is 413 once the upload ends). A buffer that
 * cannot grow within the server's body budget drops the data too (503). */
static void request_append(struct mm_http_server *srv, struct mm_request *req, const char *data,
                           size_t n)
{
    if (req->too_large || req->over_budget)
        return;
    if (n > req->body_limit - req->body_len) {
        req->too_large = true;
        return;
    }
    if (req->body_len + n + 1 > req->body_cap) {
        size_t cap = req->body_cap ? req->body_cap : 4096;
        while (cap < req->body_len + n + 1)
            cap *= 2;
        if (cap > req->body_limit + 1)
            cap = req->body_limit + 1;
        if (!budget_take(srv, req, cap - req->body_cap)) {
            req->over_budget = true;
            return;
        }
        char *p = realloc(req->body, cap);
        if (!p) {
            budget_give(srv, req, cap - req->body_cap);
            req->too_large = true;
            return;
        }
        req->body = p;
        req->body_cap = cap;
    }
    memcpy(req->body + req->body_len, data, n);
    req->body_len += n;
    req->body[req->body_len] = '\0';
}

static bool has_extra_header(const struct mm_request *req, const char *name)
{
    for (int i = 0; i < req->nextra; i++)
        if (strcasecmp(req->extra_headers[2 * i], name) == 0)
            return true;
    return false;
}

/* The security headers every reply carries; a handler's own
 * Content-Security-Policy (mm_reply_header) replaces the default one, so
 * each reply has exactly one. */
static void add_security_headers(struct MHD_Response *resp, const struct mm_request *req)
{
    MHD_add_response_header(resp, "Content-Type",
                            req->content_type ? req->content_type : "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    if (!has_extra_header(req, "Content-Security-Policy"))
        MHD_add_response_header(resp, "Content-Security-Policy", mm_csp());
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    /* a page of another site that opened this one gets no handle on it */
    MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
    if (req->https) /* browsers go to HTTPS only for a year (HSTS) */
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    if (req->set_cookie)
        MHD_add_response_header(resp, "Set-Cookie", req->set_cookie);
    for (int i = 0; i < req->nextra; i++)
        MHD_add_response_header(resp, req->extra_headers[2 * i], req->extra_headers[2 * i + 1]);
}

/* The body of an unsized HEAD reply, which libmicrohttpd never reads. */
static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls, (void)pos, (void)buf, (void)max;
    return MHD_CONTENT_READER_END_OF_STREAM;
}

/* A reply of unknown length without chunked encoding: no Content-Length,
 * and the connection closes after it (mm_reply_head). */
static struct MHD_Response *unsized_response(void)
{
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64, no_body, NULL, NULL);
    if (resp &&
        MHD_set_response_options(resp, MHD_RF_HTTP_VERSION_1_0_ONLY, MHD_RO_END) != MHD_YES) {
        MHD_destroy_response(resp);
        resp = NULL;
    }
    return resp;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct mm_request *req)
{
    if (req->status == 0)
        mm_reply_error(req, 500, "internal", NULL);
    struct MHD_Response *resp =
        req->unsized ? unsized_response()
                     : MHD_create_response_from_buffer(
                           req->reply_len, req->reply ? req->reply : (void *)"",
                           req->reply ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    if (req->unsized)
        free(req->reply);
    req->reply = NULL; /* owned by the response now */
    add_security_headers(resp, req);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* True when the request announces no body (no Content-Length above 0, no
 * Transfer-Encoding). */
static bool without_body(struct MHD_Connection *conn, const struct mm_request *req)
{
    return req->declared == 0 &&
           !MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Transfer-Encoding");
}

/* Sends a reply decided from the headers: at once when a body may follow
 * (a reply queued before the upload is read makes MHD close the connection
 * after it instead of reading the body); at the second call, which comes
 * right away, when none can (the connection then stays open for the next
 * request: a browser fetching the web UI's files, a 401 on a keep-alive
 * connection). */
static enum MHD_Result answer_early(struct MHD_Connection *conn, struct mm_request *req)
{
    if (without_body(conn, req)) {
        req->answered = true;
        return MHD_YES;
    }
    return send_reply(conn, req);
}

/* The first call for a request has its headers but no body yet. A caller
 * that may not use the route is answered from the headers alone, so an
 * anonymous client can never make the centre buffer a body larger than a
 * public route's (16 KiB); so is a body announced larger than what the
 * server-wide budget, or the client's share of it, has left (503). */
static enum MHD_Result request_first_call(struct mm_http_server *srv, struct MHD_Connection *conn,
                                          struct mm_request *req)
{
    /* Far too large to read and drop: cut the connection at once. */
    if (req->declared > req->body_limit + DISCARD_MAX)
        return MHD_NO;
    /* No route (404, 405, a static file): nothing in a body could matter. */
    if (!req->route || !mm_route_admit(req)) {
        if (!req->route)
            mm_route_dispatch(req);
        return answer_early(conn, req);
    }
    if (!req->too_large && req->declared > 0 &&
        (atomic_load(&srv->buffered) + req->declared > srv->budget ||
         mm_clients_held(srv->clients, req->client) + req->declared > srv->share)) {
        mm_reply_busy(req, NULL);
        return send_reply(conn, req);
    }
    return MHD_YES;
}

/* Whether the request's body has taken longer than the server allows to
 * arrive (a client sending a byte now and then holds a connection and its
 * thread, and libmicrohttpd's timeout counts only idle time): then the
 * connection is cut, logged at most once a minute. */
static bool body_late(struct mm_http_server *srv, const struct mm_request *req)
{
    int64_t now = mm_time_now_usec();
    uint64_t unsaid = 0;
    if (now - req->now <= srv->body_usec)
        return false;
    const char *msg =
        mm_log_limit_msg(srv->slow_log, 0, now, "http.body_slow", "http.body_slow_again", &unsaid);
    if (msg)
        mm_log_tr(MM_LOG_WARN, "center-log", msg, req->address, mm_method_name(req->method),
                  req->path, (int)(srv->body_usec / 1000000), (unsigned long long)unsaid);
    return true;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct mm_http_server *srv = cls;
    struct mm_request *req = *con_cls;
    (void)version;
    if (!req) {
        req = request_new(srv, conn, url, method);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        return request_first_call(srv, conn, req);
    }
    if (*upload_data_size > 0) {
        if (body_late(srv, req))
            return MHD_NO;
        request_append(srv, req, upload_data, *upload_data_size);
        req->received += *upload_data_size;
        *upload_data_size = 0;
        /* An oversized body is read and dropped so the client gets its 413,
         * but only up to DISCARD_MAX more: then the connection is cut (a
         * response cannot be queued in the middle of an upload). */
        if ((req->too_large || req->over_budget) && req->received > req->body_limit + DISCARD_MAX)
            return MHD_NO;
        return MHD_YES;
    }
    if (req->answered) {
        /* decided from the headers (request_first_call) */
    } else if (req->too_large) {
        mm_reply_error(req, 413, "too_large", NULL);
    } else if (req->over_budget) {
        mm_reply_busy(req, NULL);
    } else {
        if (!req->body) {
            req->body = strdup("");
            if (!req->body)
                return MHD_NO;
        }
        mm_route_dispatch(req);
    }
    return send_reply(conn, req);
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct mm_http_server *srv = cls;
    (void)conn;
    (void)toe;
    if (*con_cls) {
        request_free(srv, *con_cls);
        *con_cls = NULL;
        atomic_fetch_sub(&srv->inflight, 1);
    }
}

/* Refuses a new connection from a client (an IPv4 address or an IPv6 /64:
 * libmicrohttpd's own per-address limit counts each IPv6 address apart)
 * that holds per_ip_connections already. A trusted proxy carries many
 * clients' connections: only max_connections bounds its. */
static enum MHD_Result accept_cb(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    struct mm_http_server *srv = cls;
    struct mm_client_key k;
    struct mm_addr a;
    (void)addrlen;
    if (srv->proxies.n && mm_proxies_addr_of(addr, &a) && mm_proxies_trust(&srv->proxies, &a))
        return MHD_YES;
    mm_client_key_of(addr, &k);
    return mm_clients_may_open(srv->clients, &k, srv->per_client) ? MHD_YES : MHD_NO;
}

/* Counts a connection in its client's slot (kept as the connection's
 * socket context) when it starts, and out when it closes. Connections are
 * accepted, and started, one at a time by the listening thread, so none
 * can pass accept_cb before the one before it is counted. */
static void connection_cb(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct mm_http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        mm_clients_close(srv->clients, (size_t)(uintptr_t)*socket_context);
        *socket_context = NULL;
        return;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct mm_client_key k;
    mm_client_key_of(ci ? ci->client_addr : NULL, &k);
    *socket_context = (void *)(uintptr_t)mm_clients_open(srv->clients, &k);
}

/* ---- start and stop ---- */

/* Parses "a.b.c.d:port" or "[v6]:port" into a socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *v6)
{
    char host[64];
    const char *colon;
    memset(ss, 0, sizeof *ss);
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof host)
            return MM_EINVAL;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        colon = end + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof host)
            return MM_EINVAL;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    int64_t port; /* digits only (strtol took "127.0.0.1: 80" and ":+80") */
    if (mm_str_int64(colon + 1, 0, 65535, &port) != 0)
        return MM_EINVAL;
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *v6 = false;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *v6 = true;
    } else {
        return MM_EINVAL;
    }
    return 0;
}

bool mm_http_listen_valid(const char *listen)
{
    struct sockaddr_storage ss;
    bool v6;
    return parse_listen(listen, &ss, &v6) == 0;
}

/* Whether text holds a PEM block of the kind: a certificate
 * (mm_pem_has_certificate: also the old "-----BEGIN X509 CERTIFICATE-----"
 * armour, which GnuTLS, under libmicrohttpd, takes), or a private key of
 * any kind ("-----BEGIN [RSA |EC |...]PRIVATE KEY-----"). Only the armour
 * line is looked at: the body is decoded afterwards (check_tls_pair). */
static bool pem_has(const char *text, bool key)
{
    if (!key)
        return mm_pem_has_certificate(text, strlen(text));
    for (const char *p = strstr(text, "-----BEGIN "); p; p = strstr(p + 1, "-----BEGIN ")) {
        const char *eol = p + strcspn(p, "\r\n");
        static const char tail[] = "PRIVATE KEY-----";
        if ((size_t)(eol - p) >= sizeof tail - 1 + 11 &&
            memcmp(eol - (sizeof tail - 1), tail, sizeof tail - 1) == 0)
            return true;
    }
    return false;
}

/* Whether a PEM private key is protected by a passphrase: PKCS#8
 * ("-----BEGIN ENCRYPTED PRIVATE KEY-----") or a traditional key with a
 * "Proc-Type: 4,ENCRYPTED" header. The server cannot ask for the
 * passphrase; the TLS library refused it only when the server started
 * listening (exit 1, after the database was made). */
static bool pem_key_encrypted(const char *text)
{
    return strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
           strstr(text, "Proc-Type: 4,ENCRYPTED") != NULL;
}

/* Clears and frees a private key of n bytes read (all of them: a file
 * refused for a NUL inside has more than strlen says). */
static void key_free(char *key, size_t n)
{
    if (key) {
        memset(key, 0, n);
        free(key);
    }
}

/* The name of the TLS certificate's (key false) or key's setting in a
 * message: the option, or the settings file's key it came from. */
static void tls_where(const struct mm_center_config *cfg, bool key, char *where, size_t size)
{
    const char *src = key ? cfg->tls_key_src : cfg->tls_cert_src;
    if (src)
        snprintf(where, size, "%s: [server] %s", src, key ? "tls_key" : "tls_cert");
    else
        snprintf(where, size, "%s", key ? "--tls-key" : "--tls-cert");
}

/* Reads the TLS certificate (key false) or private key into *out (*len
 * bytes), named in a message as the option or as the settings file's key it
 * came from. */
static int read_tls_file(const struct mm_center_config *cfg, bool key, char **out, size_t *len,
                         char *err, size_t errlen)
{
    char where[1100];
    const char *path = key ? cfg->tls_key : cfg->tls_cert;
    size_t n;
    tls_where(cfg, key, where, sizeof where);
    int r = mm_file_read(path, TLS_FILE_MAX, out, &n);
    if (r != 0) {
        mm_msg_format(err, errlen, "center-log", key ? "http.tls_key" : "http.tls_cert", where,
                      path, mm_msg_strerror(r));
        return r;
    }
    if (memchr(*out, '\0', n) || !pem_has(*out, key)) {
        mm_msg_format(err, errlen, "center-log", key ? "http.tls_key_pem" : "http.tls_cert_pem",
                      where, path);
        if (key)
            key_free(*out, n);
        else
            free(*out);
        *out = NULL;
        return MM_EPARSE;
    }
    if (key && pem_key_encrypted(*out)) {
        mm_msg_format(err, errlen, "center-log", "http.tls_key_encrypted", where, path);
        key_free(*out, n);
        *out = NULL;
        return MM_EUNSUPPORTED;
    }
    *len = n;
    return 0;
}

/* The certificate and key of t as libmicrohttpd's TLS library, GnuTLS,
 * reads them (the first certificate of the file: the server's own, a chain
 * may follow), and whether the key belongs to the certificate (the ids of
 * their public keys compared). A damaged PEM body or a key of another
 * certificate was found only when the server started listening
 * (http.cannot_listen_tls, exit 1, after the database was made). Two ids
 * GnuTLS cannot make (a key type it reads but cannot hash) are not
 * compared: libmicrohttpd then decides, as before. */
static int check_tls_pair(const struct mm_center_config *cfg, const struct mm_http_tls *t,
                          char *err, size_t errlen)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_x509_privkey_t key = NULL;
    unsigned char cert_id[64], key_id[64];
    size_t cert_id_len = sizeof cert_id, key_id_len = sizeof key_id;
    char cert_where[1100], key_where[1100];
    int r = MM_EPARSE, g;
    tls_where(cfg, false, cert_where, sizeof cert_where);
    tls_where(cfg, true, key_where, sizeof key_where);
    if (gnutls_x509_crt_init(&crt) < 0 || gnutls_x509_privkey_init(&key) < 0) {
        snprintf(err, errlen, "%s", mm_msg_strerror(MM_ENOMEM));
        r = MM_ENOMEM;
        goto out;
    }
    gnutls_datum_t d = {(unsigned char *)t->cert, (unsigned)strlen(t->cert)};
    if ((g = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM)) < 0) {
        mm_msg_format(err, errlen, "center-log", "http.tls_cert_bad", cert_where, cfg->tls_cert,
                      gnutls_strerror(g));
        goto out;
    }
    d = (gnutls_datum_t){(unsigned char *)t->key, (unsigned)t->key_len};
    if ((g = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0)) < 0) {
        mm_msg_format(err, errlen, "center-log", "http.tls_key_bad", key_where, cfg->tls_key,
                      gnutls_strerror(g));
        goto out;
    }
    r = 0;
    if (gnutls_x509_crt_get_key_id(crt, 0, cert_id, &cert_id_len) < 0 ||
        gnutls_x509_privkey_get_key_id(key, 0, key_id, &key_id_len) < 0)
        goto out;
    if (cert_id_len != key_id_len || memcmp(cert_id, key_id, cert_id_len) != 0) {
        mm_msg_format(err, errlen, "center-log", "http.tls_key_mismatch", key_where, cfg->tls_key,
                      cfg->tls_cert, cert_where);
        r = MM_EINVAL;
    }
out:
    gnutls_x509_privkey_deinit(key);
    gnutls_x509_crt_deinit(crt);
    return r;
}

/* The listen address into *ss, a TLS certificate given with its key, and
 * (tls not NULL) both files read (PEM) into *tls, decoded and checked to
 * belong together (check_tls_pair). */
static int check_settings(const struct mm_center_config *cfg, struct sockaddr_storage *ss, bool *v6,
                          struct mm_http_tls *tls, char *err, size_t errlen)
{
    if (parse_listen(cfg->listen, ss, v6) != 0) {
        if (cfg->listen_src)
            mm_msg_format(err, errlen, "center-log", "config.listen", cfg->listen_src, cfg->listen);
        else
            mm_msg_format(err, errlen, "center-log", "http.bad_listen", cfg->listen);
        return MM_EINVAL;
    }
    if ((cfg->tls_cert != NULL) != (cfg->tls_key != NULL)) {
        mm_msg_format(err, errlen, "center-log", "http.tls_pair");
        return MM_EINVAL;
    }
    if (!cfg->tls_cert || !tls)
        return 0;
    struct mm_http_tls t = {0};
    size_t cert_len;
    int r = read_tls_file(cfg, false, &t.cert, &cert_len, err, errlen);
    if (r == 0)
        r = read_tls_file(cfg, true, &t.key, &t.key_len, err, errlen);
    if (r == 0)
        r = check_tls_pair(cfg, &t, err, errlen);
    if (r != 0) {
        mm_http_tls_clear(&t);
        return r;
    }
    *tls = t;
    return 0;
}

void mm_http_tls_clear(struct mm_http_tls *tls)
{
    if (!tls)
        return;
    key_free(tls->key, tls->key_len);
    free(tls->cert);
    memset(tls, 0, sizeof *tls);
}

/* mb MiB in bytes (config.c allows up to 65536, 64 GiB): computed in 64
 * bits, at most SIZE_MAX where size_t is 32 bits. */
static size_t mib_bytes(int mb)
{
    uint64_t bytes = (uint64_t)(mb > 0 ? mb : 0) << 20;
#if SIZE_MAX < UINT64_MAX
    if (bytes > SIZE_MAX)
        return SIZE_MAX;
#endif
    return (size_t)bytes;
}

static void server_free(struct mm_http_server *srv)
{
    if (!srv)
        return;
    mm_http_tls_clear(&srv->tls);
    mm_clients_free(srv->clients);
    mm_log_limit_free(srv->slow_log);
    mm_log_limit_free(srv->bad_forward_log);
    mm_proxies_clear(&srv->proxies);
    free(srv);
}

int mm_http_settings_check(const struct mm_center_config *cfg, struct mm_http_tls *tls, char *err,
                           size_t errlen)
{
    struct sockaddr_storage ss;
    bool v6;
    if (tls)
        memset(tls, 0, sizeof *tls);
    return check_settings(cfg, &ss, &v6, tls, err, errlen);
}

int mm_http_start(struct mm_center *c, struct mm_http_tls *tls, struct mm_http_server **out,
                  char *err, size_t errlen)
{
    struct sockaddr_storage ss;
    bool v6 = false;
    const struct mm_center_config *cfg = &c->cfg;
    *out = NULL;
    struct mm_http_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        mm_http_tls_clear(tls);
        return MM_ENOMEM;
    }
    srv->tls = *tls; /* taken: the texts mm_http_settings_check read, not read again */
    memset(tls, 0, sizeof *tls);
    /* the listen address and the pair were checked before
     * (mm_http_settings_check); the files were read there */
    int r = check_settings(cfg, &ss, &v6, NULL, err, errlen);
    if (r == 0 && cfg->tls_cert && (!srv->tls.cert || !srv->tls.key))
        r = MM_ESTATE; /* a TLS configuration without the texts read for it */
    if (r != 0) {
        if (r == MM_ESTATE)
            mm_msg_format(err, errlen, "center-log", "http.cannot_listen_tls", cfg->listen);
        server_free(srv);
        return r;
    }
    srv->center = c;
    srv->budget = mib_bytes(cfg->body_budget_mb);
    srv->share = mib_bytes(cfg->per_ip_body_mb);
    srv->per_client = cfg->per_ip_connections;
    srv->body_usec = (int64_t)cfg->body_timeout * 1000000;
    /* twice: a forwarded request's client besides its proxy's (clients.h) */
    srv->clients = mm_clients_new(2 * (size_t)cfg->max_connections);
    if (!srv->clients || mm_log_limit_new(SLOW_BODY_LOG_USEC, 1, &srv->slow_log) != 0 ||
        mm_log_limit_new(BAD_FORWARD_LOG_USEC, 1, &srv->bad_forward_log) != 0 ||
        mm_proxies_parse(cfg->trusted_proxies, &srv->proxies) != 0) { /* checked by config.c */
        server_free(srv);
        return MM_ENOMEM;
    }
    /* One thread per connection, not a pool: a pool worker accepts up to
     * ten waiting connections in a row and serves them one after another,
     * so one slow request (a 5 ms ingest batch, an argon2id login, a PDF)
     * held up every other connection of its worker. Handlers block (SQLite,
     * password hashing); only a thread of their own keeps the other
     * connections moving. The connection limit bounds the threads, and
     * thread_stack_kb their stacks (glibc's default is 8 MiB each). */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (v6)
        flags |= MHD_USE_IPv6;
    if (cfg->tls_cert) {
        flags |= MHD_USE_TLS;
        c->https = true;
    }
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, srv},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)connection_cb, srv},
        {MHD_OPTION_CONNECTION_TIMEOUT, 30, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->max_connections, NULL},
        {MHD_OPTION_THREAD_STACK_SIZE, (intptr_t)cfg->thread_stack_kb * 1024, NULL},
        {MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls.cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls.key},
        {MHD_OPTION_END, 0, NULL},
    };
    if (!cfg->tls_cert)
        opts[7].option = MHD_OPTION_END;
    srv->daemon = MHD_start_daemon(flags, 0, accept_cb, srv, access_cb, srv, MHD_OPTION_ARRAY, opts,
                                   MHD_OPTION_END);
    if (!srv->daemon) {
        mm_msg_format(err, errlen, "center-log",
                      cfg->tls_cert ? "http.cannot_listen_tls" : "http.cannot_listen", cfg->listen);
        server_free(srv);
        return MM_ENET;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : 0;
    *out = srv;
    return 0;
}

int mm_http_port(const struct mm_http_server *srv)
{
    return srv->port;
}

void mm_http_stop(struct mm_http_server *srv, int grace)
{
    if (!srv)
        return;
    MHD_socket fd = MHD_quiesce_daemon(srv->daemon);
    struct timespec tick = {0, 20 * 1000 * 1000};
    for (int waited = 0; atomic_load(&srv->inflight) > 0 && waited < grace * 50; waited++)
        nanosleep(&tick, NULL);
    MHD_stop_daemon(srv->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    server_free(srv);
}
