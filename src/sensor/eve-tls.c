/* SPDX-License-Identifier: Apache-2.0
 * Writes a TLS event's line from its typed record (eve-tls.h): the header,
 * then the "tls" member with the members decode-tls.c's part_json would
 * set, in its order and with its texts (client part: sni, ja3, ja4,
 * client_alpns; server part: version, ja3s, server_alpns and the
 * certificate's non-empty texts and subjectAltNames), through the writer's
 * piece calls. */
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

int mm__tls_line_write(struct mm_eve_out *o, const struct mm_eve_header *h,
                       const struct mm__tls_part *p)
{
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
