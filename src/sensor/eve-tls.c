/* SPDX-License-Identifier: Apache-2.0
 * Writes a TLS event's line from its typed record (eve-tls.h): the header,
 * then the "tls" member with the members decode-tls.c's part_json would
 * set, in its order and with its texts (client part: sni, ja3, ja4,
 * client_alpns; server part: version, ja3s, server_alpns and the
 * certificate's non-empty texts and subjectAltNames). The line is formed
 * in place in the writer's batch (eve-line.h) when every text is plain;
 * else, and when the spool's tap waits for it, through the writer's piece
 * calls, which give the same bytes. */
#include "sensor/eve-tls.h"

#include <string.h>

#include "sensor/eve-app.h"

#define LIT(o, s) mm_eve_out_raw(o, s, sizeof(s) - 1)

/* "key":"text" after sep; sep becomes ','. */
static void member(struct mm_eve_out *o, char *sep, const char *key, const char *s, size_t n)
{
    mm_eve_out_member(o, *sep, key, strlen(key), s, n);
    *sep = ',';
}

static void put_ja3(struct mm_eve_out *o, char *sep, const char *key, const struct mm__tls_part *p)
{
    mm_eve_out_raw(o, sep, 1);
    mm_eve_out_string(o, key, strlen(key));
    LIT(o, ":{\"hash\":");
    mm_eve_out_string(o, p->ja3_hash, 32);
    LIT(o, ",\"string\":");
    mm_eve_out_string(o, p->ja3, p->ja3_len);
    LIT(o, "}");
    *sep = ',';
}

/* ,"key":[texts] */
static void put_list(struct mm_eve_out *o, const char *key, const char (*v)[MM_TLS_ALPN_TEXT],
                     const size_t *len, size_t n)
{
    LIT(o, ",");
    mm_eve_out_string(o, key, strlen(key));
    LIT(o, ":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            LIT(o, ",");
        mm_eve_out_string(o, v[i], len ? len[i] : strlen(v[i]));
    }
    LIT(o, "]");
}

static void put_client(struct mm_eve_out *o, const struct mm__tls_part *p)
{
    char sep = '{';
    if (p->sni_len)
        member(o, &sep, "sni", p->sni, p->sni_len);
    put_ja3(o, &sep, "ja3", p);
    member(o, &sep, "ja4", p->ja4, MM_TLS_JA4_LEN);
    if (p->nalpn)
        put_list(o, "client_alpns", p->alpn, p->alpn_len, p->nalpn);
}

static void cert_text(struct mm_eve_out *o, const char *key, const char *text)
{
    char sep = ',';
    if (text[0])
        member(o, &sep, key, text, strlen(text));
}

static void put_cert(struct mm_eve_out *o, const struct mm__x509 *x)
{
    cert_text(o, "subject", x->subject);
    cert_text(o, "issuerdn", x->issuer);
    cert_text(o, "serial", x->serial);
    cert_text(o, "fingerprint", x->fingerprint);
    cert_text(o, "notbefore", x->notbefore);
    cert_text(o, "notafter", x->notafter);
    if (x->nsan) {
        LIT(o, ",\"subjectaltname\":[");
        for (size_t i = 0; i < x->nsan; i++) {
            if (i)
                LIT(o, ",");
            mm_eve_out_string(o, x->san[i], strlen(x->san[i]));
        }
        LIT(o, "]");
    }
}

static void put_server(struct mm_eve_out *o, const struct mm__tls_part *p)
{
    char sep = '{';
    member(o, &sep, "version", p->version, strlen(p->version));
    put_ja3(o, &sep, "ja3s", p);
    if (p->nalpn)
        put_list(o, "server_alpns", p->alpn, p->alpn_len, p->nalpn);
    if (p->has_cert)
        put_cert(o, &p->cert);
}

/* ---- the line formed in place (eve-line.h) ------------------------------------------- */

/* The same bytes as the pieces above, each function as its piece twin. */

/* sep"key":"text" with key (a literal) as "key":" */
static void line_member(struct mm__line *l, char sep, const char *key, size_t key_len,
                        const char *s, size_t n)
{
    *l->p++ = sep;
    mm__line_raw(l, key, key_len);
    mm__line_text(l, s, n);
    *l->p++ = '"';
}

#define LINE_MEMBER(l, sep, key, s, n) line_member(l, sep, key, sizeof(key) - 1, s, n)

/* sep"key":{"hash":"...","string":"..."} with key as "key":{"hash":" */
static void line_ja3(struct mm__line *l, char sep, const char *key, size_t key_len,
                     const struct mm__tls_part *p)
{
    *l->p++ = sep;
    mm__line_raw(l, key, key_len);
    mm__line_text(l, p->ja3_hash, 32);
    MM__LINE_LIT(l, "\",\"string\":\"");
    mm__line_text(l, p->ja3, p->ja3_len);
    MM__LINE_LIT(l, "\"}");
}

#define LINE_JA3(l, sep, key, p) line_ja3(l, sep, key, sizeof(key) - 1, p)

/* ,"key":[texts] with key (a literal) as ,"key":[ */
static void line_list(struct mm__line *l, const char *key, size_t key_len,
                      const char (*v)[MM_TLS_ALPN_TEXT], const size_t *len, size_t n)
{
    mm__line_raw(l, key, key_len);
    for (size_t i = 0; i < n; i++) {
        if (i)
            *l->p++ = ',';
        *l->p++ = '"';
        mm__line_text(l, v[i], len[i]);
        *l->p++ = '"';
    }
    *l->p++ = ']';
}

#define LINE_LIST(l, key, v, len, n) line_list(l, key, sizeof(key) - 1, v, len, n)

static void line_client(struct mm__line *l, const struct mm__tls_part *p)
{
    char sep = '{';
    if (p->sni_len) {
        LINE_MEMBER(l, sep, "\"sni\":\"", p->sni, p->sni_len);
        sep = ',';
    }
    LINE_JA3(l, sep, "\"ja3\":{\"hash\":\"", p);
    LINE_MEMBER(l, ',', "\"ja4\":\"", p->ja4, MM_TLS_JA4_LEN);
    if (p->nalpn)
        LINE_LIST(l, ",\"client_alpns\":[", p->alpn, p->alpn_len, p->nalpn);
}

/* The certificate's texts in put_cert's order, with their lengths (one
 * strlen each, for the room and the copy). */
#define CERT_TEXTS 6

struct cert_texts {
    const char *s[CERT_TEXTS];
    size_t n[CERT_TEXTS];
    size_t san_n[MM_X509_SAN_MAX];
};

#define CERT_KEY(k)                                                                                \
    {                                                                                              \
        ",\"" k "\":\"", sizeof(",\"" k "\":\"") - 1                                               \
    }

static const struct {
    const char *s;
    size_t n;
} cert_keys[CERT_TEXTS] = {CERT_KEY("subject"),     CERT_KEY("issuerdn"),  CERT_KEY("serial"),
                           CERT_KEY("fingerprint"), CERT_KEY("notbefore"), CERT_KEY("notafter")};

/* Fills c from x; returns the bytes its texts take in the line at most. */
static size_t cert_measure(const struct mm__x509 *x, struct cert_texts *c)
{
    const char *s[CERT_TEXTS] = {x->subject,     x->issuer,    x->serial,
                                 x->fingerprint, x->notbefore, x->notafter};
    size_t room = 64;
    for (size_t i = 0; i < CERT_TEXTS; i++) {
        c->s[i] = s[i];
        c->n[i] = strlen(s[i]);
        room += 24 + c->n[i];
    }
    for (size_t i = 0; i < x->nsan && i < MM_X509_SAN_MAX; i++) {
        c->san_n[i] = strlen(x->san[i]);
        room += 4 + c->san_n[i];
    }
    return room;
}

static void line_cert(struct mm__line *l, const struct mm__x509 *x, const struct cert_texts *c)
{
    for (size_t i = 0; i < CERT_TEXTS; i++) {
        if (c->n[i]) {
            mm__line_raw(l, cert_keys[i].s, cert_keys[i].n);
            mm__line_text(l, c->s[i], c->n[i]);
            *l->p++ = '"';
        }
    }
    if (!x->nsan)
        return;
    MM__LINE_LIT(l, ",\"subjectaltname\":[");
    for (size_t i = 0; i < x->nsan; i++) {
        if (i)
            *l->p++ = ',';
        *l->p++ = '"';
        mm__line_text(l, x->san[i], c->san_n[i]);
        *l->p++ = '"';
    }
    *l->p++ = ']';
}

static void line_server(struct mm__line *l, const struct mm__tls_part *p,
                        const struct cert_texts *c)
{
    LINE_MEMBER(l, '{', "\"version\":\"", p->version, strlen(p->version));
    LINE_JA3(l, ',', "\"ja3s\":{\"hash\":\"", p);
    if (p->nalpn)
        LINE_LIST(l, ",\"server_alpns\":[", p->alpn, p->alpn_len, p->nalpn);
    if (p->has_cert)
        line_cert(l, &p->cert, c);
}

/* Room the line formed in place may use: the header, every text, and the
 * keys, quotes and separators around them. */
static size_t line_room(const struct mm__tls_part *p, struct cert_texts *c)
{
    size_t room = MM__APP_HEADER_ROOM + 256 + p->ja3_len;
    if (p->server) {
        room += strlen(p->version);
        if (p->has_cert)
            room += cert_measure(&p->cert, c);
    } else {
        room += p->sni_len + MM_TLS_JA4_LEN;
    }
    for (size_t i = 0; i < p->nalpn; i++)
        room += 4 + p->alpn_len[i];
    return room;
}

/* The line formed in place in the writer's batch; false (nothing added)
 * when a text is not plain, there is no room or the line is tapped for
 * the spool: the pieces write it. */
static bool line_in_place(struct mm_eve_out *o, const struct mm_eve_header *h,
                          const struct mm__tls_part *p, int *result)
{
    struct cert_texts c;
    struct mm__line l;
    char *start = mm__line_reserve(o, line_room(p, &c), &l);
    if (!start)
        return false;
    mm__app_header_text(&l, h, -1);
    MM__LINE_LIT(&l, ",\"tls\":");
    if (p->server)
        line_server(&l, p, &c);
    else
        line_client(&l, p);
    MM__LINE_LIT(&l, "}}\n");
    return mm__line_commit(o, &l, start, result);
}

int mm__tls_line_write(struct mm_eve_out *o, const struct mm_eve_header *h,
                       const struct mm__tls_part *p)
{
    int r;
    if (line_in_place(o, h, p, &r))
        return r;
    mm_eve_out_line_begin(o);
    mm__app_line_header(o, h, -1);
    LIT(o, ",\"tls\":");
    if (p->server)
        put_server(o, p);
    else
        put_client(o, p);
    LIT(o, "}}");
    return mm_eve_out_line_end(o);
}
