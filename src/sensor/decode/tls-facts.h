/* SPDX-License-Identifier: Apache-2.0
 * What the TLS decoder knew about the handshake whose "tls" event the
 * sensor is handling, for the readers of TLS events (the intel detector):
 * the client part's server name (with its length), JA3 hash and JA4, and
 * the server part's certificate fingerprint, each the event's own string.
 * With these a reader need not look each member up in the event's JSON by
 * name.
 *
 * The facts are valid only while the decoder hands that one event to the
 * sensor (mm__app_emit: the detectors run inside it), and only for the
 * event whose "tls" member is the object they describe: for any other
 * event (a test's, one queued behind another, a copy, a QUIC ClientHello)
 * mm__tls_facts_of returns NULL and the reader reads the JSON as before.
 * The decoder holds the object while the facts are published, so its
 * address cannot be reused by another object meanwhile. One set per thread
 * (as dns-facts.h and http-facts.h). */
#ifndef MM_SENSOR_DECODE_TLS_FACTS_H
#define MM_SENSOR_DECODE_TLS_FACTS_H

#include <jansson.h>
#include <stddef.h>

struct mm__tls_facts {
    const json_t *tls; /* the event's "tls" object these facts describe */
    /* json_string_value of each member; NULL: the event has none */
    const char *sni;         /* tls.sni (client part) */
    size_t sni_len;          /* strlen(sni) */
    const char *ja3_hash;    /* tls.ja3.hash (client part) */
    const char *ja4;         /* tls.ja4 (client part) */
    const char *fingerprint; /* tls.fingerprint (server part with a certificate) */
};

/* The facts of the handshake whose "tls" object is tls, or NULL. */
const struct mm__tls_facts *mm__tls_facts_of(const json_t *tls);

/* For decode-tls.c: the thread's facts to fill (cleared, not yet
 * published), then published for tls until mm__tls_facts_end. */
struct mm__tls_facts *mm__tls_facts_begin(void);
void mm__tls_facts_publish(const json_t *tls);
void mm__tls_facts_end(void);

#endif
