/* SPDX-License-Identifier: Apache-2.0
 * The one TLS ClientHello parser, shared by TLS over TCP (decode-tls.c,
 * which owns it) and QUIC (decode-quic.c, whose CRYPTO frames carry the
 * same handshake message). It turns the message body into the client
 * fields both events log: sni, client_alpns, ja3 {hash, string} and ja4. */
#ifndef MM_SENSOR_DECODE_TLS_HELLO_H
#define MM_SENSOR_DECODE_TLS_HELLO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/x509.h"

/* Parses the ClientHello body p[0..n) (after the 4-byte handshake header)
 * and sets *out to a new object {"sni", "ja3", "ja4", "client_alpns"} (sni
 * and client_alpns only when present). ja4_transport is JA4's first
 * character: 't' for TCP, 'q' for QUIC. Returns 0, MM_EPARSE on a malformed
 * hello (*out stays NULL) or MM_ENOMEM. The caller owns *out. */
int mm__tls_client_hello_json(const uint8_t *p, size_t n, char ja4_transport, json_t **out);

/* One part of a TLS handshake as a typed record: what its "tls" object
 * holds, the same texts in the same order (decode-tls.c fills it; the
 * object is made from it, or the sensor writes its line from it without
 * one, eve-tls.h). Client part: sni (when sent), ja3, ja4, client_alpns
 * (when any); server part: version, ja3s, server_alpns (when any), then
 * from the certificate each non-empty text and the subjectAltNames. */
#define MM_TLS_ALPN_MAX     16                /* ALPN names logged */
#define MM_TLS_ALPN_TEXT    1024              /* a 255-byte name's text, NUL */
#define MM_TLS_JA3_TEXT_MAX (8 + 4 * 256 * 6) /* version and four lists */
#define MM_TLS_JA4_LEN      36                /* t13d1516h2_8daaf6152771_e5627efa2ab1 */
#define MM_TLS_SNI_TEXT     1100              /* mm__app_text of the name */
struct mm__tls_part {
    bool server;
    size_t sni_len; /* client: 0 when no name was sent */
    char sni[MM_TLS_SNI_TEXT];
    char ja3_hash[33]; /* ja3 (client) or ja3s (server): MD5 hex */
    size_t ja3_len;
    char ja3[MM_TLS_JA3_TEXT_MAX];
    char ja4[MM_TLS_JA4_LEN + 1]; /* client */
    const char *version;          /* server */
    bool has_cert;                /* server: a certificate was read into cert */
    struct mm__x509 cert;
    size_t nalpn;
    size_t alpn_len[MM_TLS_ALPN_MAX];
    /* Last: a server part waiting for its certificate is allocated only up
     * to alpn[nalpn] (MM_TLS_PART_SIZE), so readers go no further. */
    char alpn[MM_TLS_ALPN_MAX][MM_TLS_ALPN_TEXT];
};

/* The bytes of a part holding nalpn ALPN texts. */
#define MM_TLS_PART_SIZE(nalpn)                                                                    \
    (offsetof(struct mm__tls_part, alpn) + (nalpn) * sizeof(((struct mm__tls_part *)0)->alpn[0]))

/* The sensor's direct path for TLS events (NULL: none; set by sensor.c,
 * eve-tls.h): true when it handled the event of part p without a jansson
 * object; false to have the decoder build the "tls" object and emit it.
 * Asked only when ctx->sensor is set; QUIC never asks. */
struct mm_app_ctx;
struct mm__tls_facts;
extern bool (*mm__tls_direct)(struct mm_app_ctx *ctx, const struct mm__tls_part *p);

/* Bytes the TLS decoder holds between packets for all flows of this
 * thread (partial handshake messages, server parts waiting for their
 * certificate): never more than its cap (decode-tls.c). */
size_t mm__tls_held_bytes(void);

/* The cap per decoding thread, in bytes: 0 restores the default, 32 MiB
 * (the sensor sets it from [tls] memcap before decoding starts). */
#define MM_TLS_MEMCAP_DEFAULT (32u * 1024 * 1024)
void mm__tls_set_memcap(size_t bytes);

/* The facts (tls-facts.h) the JSON path notes for part p's event, the
 * texts pointing into p. */
void mm__tls_part_facts(const struct mm__tls_part *p, struct mm__tls_facts *f);

#endif
