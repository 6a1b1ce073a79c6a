/* SPDX-License-Identifier: Apache-2.0
 * Static file serving for the web UI. The files live in data/web/ and are
 * compiled into the binary (tools/embed.c), so the centre never reads the
 * file system to answer these requests and a path can only ever name an
 * embedded file: the request path is checked (bounded length, a safe
 * character set, no "..", no hidden segments), mapped to "web/<path>", and
 * looked up in the embedded table. The reply's content type comes from the
 * extension, plus a Content-Security-Policy header (mm_csp); http.c adds
 * the other security headers (nosniff, no framing, Cross-Origin-Opener-Policy
 * same-origin, Cache-Control no-store,
 * which also keeps a browser from mixing modules of two centre versions
 * after an upgrade). Wired in by one line in router.c's dispatch: a request
 * whose path matches no route comes here before the 404. GET and HEAD are
 * answered (HEAD without the body, http.h); another method on an embedded
 * file gets 405 with "Allow: GET, HEAD". */
#include "center/static.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/data.h"
#include "core/html.h"
#include "core/str.h"

/* ---- Content-Security-Policy ---------------------------------------------- */

#define CSP_BEFORE_STYLE "default-src 'self'; script-src 'self'; style-src 'self'"
/* require-trusted-types-for 'script': the browser refuses a plain string
 * in innerHTML and the other DOM sinks that run or parse markup, so a
 * script bug cannot turn text into markup (the web UI builds every element
 * with createElement and textContent, data/web/js/dom.js). */
#define CSP_AFTER_STYLE                                                                            \
    "; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "             \
    "form-action 'self'; frame-ancestors 'none'; require-trusted-types-for 'script'"

static char csp_text[512] = CSP_BEFORE_STYLE CSP_AFTER_STYLE; /* without the hash: the fallback */
static pthread_once_t csp_once = PTHREAD_ONCE_INIT;

/* Adds 'sha256-BASE64' of the report pages' inline style to style-src, so
 * browsers apply it instead of reporting a refused inline style (the page
 * links the same CSS too: without the hash, nothing looks different). */
static void csp_build(void)
{
    struct mm_buf style;
    mm_buf_init(&style);
    unsigned char digest[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    if (mm_html_style_text(&style, NULL) == 0 &&
        crypto_hash_sha256(digest, (const unsigned char *)style.data, style.len) == 0) {
        sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
        snprintf(csp_text, sizeof csp_text, "%s 'sha256-%s'%s", CSP_BEFORE_STYLE, b64,
                 CSP_AFTER_STYLE);
    }
    mm_buf_free(&style);
}

const char *mm_csp(void)
{
    (void)pthread_once(&csp_once, csp_build);
    return csp_text;
}

#define STATIC_PATH_MAX 200

struct mime {
    const char *ext;
    const char *type;
};

static const struct mime mimes[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/vnd.microsoft.icon"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *mime_for(const char *path)
{
    for (size_t i = 0; i < sizeof mimes / sizeof mimes[0]; i++) {
        if (mm_str_suffix(path, mimes[i].ext))
            return mimes[i].type;
    }
    return NULL;
}

/* A web path is "/" followed by segments of [A-Za-z0-9._-], none starting
 * with a dot (so no "..", no ".hidden"), and no empty segments. */
static bool safe_path(const char *p)
{
    size_t n = strlen(p);
    if (n < 2 || n > STATIC_PATH_MAX || p[0] != '/')
        return false;
    bool segment_start = true;
    for (size_t i = 1; i < n; i++) {
        char c = p[i];
        if (c == '/') {
            if (segment_start)
                return false;
            segment_start = true;
            continue;
        }
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok || (segment_start && c == '.'))
            return false;
        segment_start = false;
    }
    return !segment_start;
}

bool mm_static_serve(struct mm_request *req)
{
    const char *path = req->path;
    if (!path || strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0)
        return false;
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0)
        path = "/index.html";
    else if (!safe_path(path))
        return false;
    const char *type = mime_for(path);
    if (!type)
        return false;
    char name[STATIC_PATH_MAX + 8];
    snprintf(name, sizeof name, "web%s", path);
    const unsigned char *bytes;
    size_t len;
    if (mm_data_find(name, &bytes, &len) != 0)
        return false;
    if (req->method != MM_GET && req->method != MM_HEAD) {
        mm_reply_error(req, 405, "method_not_allowed", NULL);
        mm_reply_header(req, "Allow", "GET, HEAD");
        return true;
    }
    if (mm_reply_bytes(req, 200, type, bytes, len) != 0)
        return false;
    /* The page shell carries the policy; every asset gets it too (cheap,
     * and a JSON or SVG file opened directly stays locked down). */
    mm_reply_header(req, "Content-Security-Policy", mm_csp());
    return true;
}
