/* SPDX-License-Identifier: Apache-2.0
 * The one TLS ClientHello parser, shared by TLS over TCP (decode-tls.c,
 * which owns it) and QUIC (decode-quic.c, whose CRYPTO frames carry the
 * same handshake message). It turns the message body into the client
 * fields both events log: sni, client_alpns, ja3 {hash, string} and ja4. */
#ifndef MM_SENSOR_DECODE_TLS_HELLO_H
#define MM_SENSOR_DECODE_TLS_HELLO_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Parses the ClientHello body p[0..n) (after the 4-byte handshake header)
 * and sets *out to a new object {"sni", "ja3", "ja4", "client_alpns"} (sni
 * and client_alpns only when present). ja4_transport is JA4's first
 * character: 't' for TCP, 'q' for QUIC. Returns 0, MM_EPARSE on a malformed
 * hello (*out stays NULL) or MM_ENOMEM. The caller owns *out. */
int mm__tls_client_hello_json(const uint8_t *p, size_t n, char ja4_transport, json_t **out);

#endif
