/* SPDX-License-Identifier: Apache-2.0
 * A minimal DER walk over an X.509 certificate for the TLS decoder: the
 * subject and issuer as "C=JP, O=..., CN=..." text, the serial number, the
 * validity dates, the SHA-1 fingerprint and the subjectAltName DNS names
 * and addresses. No signature checks, no other extensions; bounded by the
 * certificate's own length. */
#ifndef MM_SENSOR_DECODE_X509_H
#define MM_SENSOR_DECODE_X509_H

#include <stddef.h>
#include <stdint.h>

#define MM_X509_SAN_MAX 16

/* Every text is valid UTF-8 without NUL bytes (names through mm__app_text
 * or, for BMPStrings, mm__app_utf16le_text, cut at a character; the rest
 * ASCII), so it may go to jansson unchecked. */
struct mm__x509 {
    char subject[1024];
    char issuer[1024];
    char serial[200];   /* "0C:5F:..." upper-case, as Suricata */
    char notbefore[24]; /* "2026-04-01T00:00:00" (UTC, no offset, as Suricata) */
    char notafter[24];
    char fingerprint[60];           /* SHA-1 of the DER, "aa:bb:..." lower-case, as Suricata */
    char san[MM_X509_SAN_MAX][256]; /* subjectAltName dNSName and iPAddress entries */
    size_t nsan;
};

/* Parses der[0..len). Returns 0, or MM_EPARSE / MM_ETRUNC; out is cleared
 * first and holds whatever was read before an error. A validity time that
 * is not one (a date or time that does not exist, digits missing) leaves
 * only its own field empty: the rest is read, then MM_EPARSE. A certificate seen
 * recently on this thread gets the same answer from a memo (x509.c). */
int mm__x509_parse(const uint8_t *der, size_t len, struct mm__x509 *out);

/* How many whole certificates the memo compared on this thread (tests:
 * crafted hash collisions must not multiply the compares per parse). */
size_t mm__x509_memo_compares(void);

#endif
