/* SPDX-License-Identifier: Apache-2.0
 * The HTTP layer over libmicrohttpd: the request object handlers receive
 * (method, path parameters, bounded body, caller, arena), the reply helpers,
 * and the server's start and graceful stop. Handlers never touch MHD. */
#ifndef MM_CENTER_HTTP_H
#define MM_CENTER_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "center/arena.h"
#include "center/center.h"
#include "core/i18n.h"
#include "core/net.h"

/* HEAD is routed as GET (router.c) and answered like it without the body
 * (libmicrohttpd drops it, keeping its Content-Length). */
enum mm_method { MM_GET = 0, MM_POST, MM_PUT, MM_PATCH, MM_DELETE, MM_HEAD, MM_METHOD_OTHER };

/* How the caller was authenticated. */
enum mm_auth_kind { MM_AUTH_NONE = 0, MM_AUTH_SESSION, MM_AUTH_TOKEN, MM_AUTH_SENSOR };

struct mm_principal {
    enum mm_auth_kind kind;
    struct mm_user user;       /* SESSION, TOKEN */
    struct mm_session session; /* SESSION */
    struct mm_sensor sensor;   /* SENSOR */
    struct mm_scope scope;     /* what this caller may see */
    char actor[48];            /* audit name: "user:3", "token:7", "sensor:2" */
};

#define MM_PATH_PARAMS_MAX   4
#define MM_REPLY_HEADERS_MAX 8

struct mm_route;
struct mm_http_server;

struct mm_request {
    struct mm_center *center;
    void *conn;                    /* struct MHD_Connection *, for http.c only */
    struct mm_http_server *server; /* for http.c only */
    size_t client;                 /* the client's slot (clients.h), for http.c only */
    size_t held;                   /* a forwarded client's slot held (clients.h), http.c only */
    size_t charged;                /* bytes taken from the body budget by mm_req_charge */
    enum mm_method method;
    const char *path;
    const struct mm_route *route;
    /* {name} segments of the route, parsed as positive integers */
    const char *param_names[MM_PATH_PARAMS_MAX];
    int64_t params[MM_PATH_PARAMS_MAX];
    int nparams;
    /* body, NUL-terminated; bounded by the route's limit */
    char *body;
    size_t body_len, body_cap, body_limit;
    size_t received;             /* upload bytes seen, kept or not */
    unsigned long long declared; /* Content-Length, 0 when absent */
    bool too_large;
    bool over_budget; /* the server-wide body budget was spent: 503 */
    bool admitted;    /* authenticated and authorised from the headers already */
    bool answered;    /* reply decided from the headers; sent at the second call */
    /* the client's address: the TCP peer's, or, when the peer is a trusted
     * proxy ([server] trusted_proxies), the one its X-Forwarded-For names */
    char address[MM_ADDR_STRLEN];
    /* the client reached the centre over HTTPS: the centre's own TLS, or a
     * trusted proxy's X-Forwarded-Proto: https (mm_session_cookie, HSTS) */
    bool https;
    struct mm_principal who;
    enum mm_lang lang;
    struct mm_arena arena;
    /* reply (set once) */
    int status;
    char *reply;
    size_t reply_len;
    const char *content_type;
    char *set_cookie;                                    /* arena */
    const char *extra_headers[2 * MM_REPLY_HEADERS_MAX]; /* name, value (arena) */
    int nextra;
    bool unsized;     /* a HEAD reply whose body was never made (mm_reply_head) */
    const char *rest; /* the part of the path matched by a trailing "*" (routes.def) */
    int64_t now;      /* request time, microseconds */
};

/* The value of path parameter name, or 0 if the route has none. */
int64_t mm_req_param(const struct mm_request *req, const char *name);
/* Request header / cookie / query argument, or NULL. */
const char *mm_req_header(const struct mm_request *req, const char *name);
const char *mm_req_cookie(const struct mm_request *req, const char *name);
const char *mm_req_query(const struct mm_request *req, const char *name);

/* Sets the reply to a JSON value (stolen, even on failure); status 204 sends no body. */
int mm_reply_json(struct mm_request *req, int status, json_t *body);
/* Charges n bytes more that the handler holds for this request (a body it
 * inflates) to the server-wide body budget ([server] body_budget_mb) and to
 * the client's share of it (per_ip_body_mb), like the body itself; given
 * back when the request ends, or by mm_req_uncharge. False (nothing
 * charged) when either would be overspent: reply with mm_reply_busy. */
bool mm_req_charge(struct mm_request *req, size_t n);
/* Gives back n bytes (at most those charged) before the request ends. */
void mm_req_uncharge(struct mm_request *req, size_t n);
/* Seconds a client is told to wait (Retry-After) when the body budget was
 * spent: other uploads are being received, most end within seconds. */
#define MM_BODY_BUSY_RETRY_AFTER "10"
/* Replies 503 `unavailable` with Retry-After: the centre is receiving too
 * many bodies at once (from everyone, or from this client) to take this
 * one; nothing of the request was kept. */
int mm_reply_busy(struct mm_request *req, const char *detail);
/* Sets an error reply {"error": code, "message": text in req->lang [+ ": " detail]};
 * the text is center.json's "error.<code>". */
int mm_reply_error(struct mm_request *req, int status, const char *code, const char *detail);
/* The same with the text of center.json's key `text_key`: one code with two causes
 * that a reader tells apart (415 unsupported_media: "reply.unsupported_encoding"). */
int mm_reply_error_text(struct mm_request *req, int status, const char *code, const char *text_key,
                        const char *detail);
/* Maps an MM_E* code to an HTTP status and error code and replies with it
 * (MM_EDBBUSY: 503 `unavailable` with Retry-After; storage failures 500). */
int mm_reply_code(struct mm_request *req, int rc, const char *detail);

/* Sets a reply of raw bytes (copied) with the given Content-Type, e.g. a
 * static file, HTML or a CSV report. */
int mm_reply_bytes(struct mm_request *req, int status, const char *content_type, const void *data,
                   size_t len);
/* For a HEAD request whose GET body is costly to make (a PDF): sets the
 * status and Content-Type the GET would send, and no body. The reply has no
 * Content-Length (RFC 9110 9.3.2: a HEAD reply may leave out the header
 * fields known only once the body is made) and the connection is closed
 * after it (libmicrohttpd 0.9.75 writes the end of a chunked body after a
 * HEAD reply of unknown length on a keep-alive connection). */
int mm_reply_head(struct mm_request *req, int status, const char *content_type);
/* Adds a response header (copied into the arena; at most MM_REPLY_HEADERS_MAX),
 * e.g. Content-Disposition, Location, Content-Security-Policy. */
int mm_reply_header(struct mm_request *req, const char *name, const char *value);

/* Adds a Set-Cookie header to the reply (value already formatted). */
void mm_reply_cookie(struct mm_request *req, const char *cookie);

struct mm_http_server;

/* True when listen is an address mm_http_start takes ("a.b.c.d:port" or
 * "[v6]:port", port 0-65535): checked with the configuration. */
bool mm_http_listen_valid(const char *listen);
/* The TLS certificate and private key as mm_http_settings_check read them
 * (PEM texts, NUL-terminated; key_len bytes of key, cleared when freed),
 * handed to mm_http_start: the files are read once, so what was checked is
 * what the server uses. Both NULL without TLS. */
struct mm_http_tls {
    char *cert, *key;
    size_t key_len;
};
/* Frees what tls holds (the key's bytes cleared first) and empties it.
 * Accepts NULL and an empty one. */
void mm_http_tls_clear(struct mm_http_tls *tls);

/* The settings mm_http_start takes, checked before anything starts: listen
 * (mm_http_listen_valid), a TLS certificate given with its key, and with
 * tls not NULL (the server; not the admin command, which serves no TLS)
 * both files read into *tls (emptied on entry, set on success), each
 * readable and PEM (a certificate; a private key without a passphrase),
 * decoded by GnuTLS, and the key the certificate's (the file's first).
 * 0, or an error code with the message in err, naming the option or the
 * settings file's key the value came from (cfg's *_src). */
int mm_http_settings_check(const struct mm_center_config *cfg, struct mm_http_tls *tls, char *err,
                           size_t errlen);
/* Starts the server on cfg->listen, one thread per open connection (at most
 * cfg->max_connections); HTTPS with tls's certificate and key (from
 * mm_http_settings_check) when the configuration names them. Takes tls's
 * texts, on failure too (tls is left empty). */
int mm_http_start(struct mm_center *c, struct mm_http_tls *tls, struct mm_http_server **out,
                  char *err, size_t errlen);
/* Stops accepting, lets in-flight requests finish (up to grace seconds) and
 * stops the server. Accepts NULL. */
void mm_http_stop(struct mm_http_server *srv, int grace);
/* The port actually bound (useful with port 0). */
int mm_http_port(const struct mm_http_server *srv);

#endif
