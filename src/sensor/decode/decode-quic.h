/* SPDX-License-Identifier: Apache-2.0
 * QUIC Initial packet protection of decode-quic.c, exposed for its unit
 * tests and fuzz harness only: the client's Initial keys (RFC 9001 §5.2,
 * RFC 9369 §3.3) and the inverse of what the decoder does, sealing
 * plaintext frames into a client Initial packet, so tests can build
 * ClientHellos spread over several packets. Not a decoder interface. */
#ifndef MM_SENSOR_DECODE_QUIC_H
#define MM_SENSOR_DECODE_QUIC_H

#include <stddef.h>
#include <stdint.h>

#define MM_QUIC_V1 0x00000001u /* RFC 9000 */
#define MM_QUIC_V2 0x6b3343cfu /* RFC 9369 */

struct mm__quic_keys {
    uint8_t key[16]; /* AEAD_AES_128_GCM key */
    uint8_t iv[12];
    uint8_t hp[16]; /* header protection key (AES-128-ECB) */
};

/* Derives the client Initial keys of version (MM_QUIC_V1 or MM_QUIC_V2)
 * from the Destination Connection ID. Returns 0, MM_EUNSUPPORTED for other
 * versions, or MM_EINVAL when the crypto library fails. */
int mm__quic_client_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                         struct mm__quic_keys *out);

/* Writes a protected client Initial packet (empty source CID and token,
 * 4-byte packet number pn) carrying frames[0..n) to out[0..cap); *outlen
 * gets its size. Returns 0, MM_ETOOBIG when cap is too small or n too
 * large, or an error of mm__quic_client_keys(). For tests. */
int mm__quic_seal_initial(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint32_t pn,
                          const uint8_t *frames, size_t n, uint8_t *out, size_t cap,
                          size_t *outlen);

#endif
