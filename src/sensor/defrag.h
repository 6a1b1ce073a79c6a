/* SPDX-License-Identifier: Apache-2.0
 * IP fragment reassembly (defrag.c): IPv4 and IPv6 fragments are held per
 * datagram until the datagram is complete, then rebuilt as one IP packet
 * that the pipeline decodes like any other. Bounded in every direction: a
 * memory cap over all held fragments, a number of pending datagrams (the
 * oldest is evicted), 64 fragments per datagram, 65535 bytes per datagram,
 * and a timeout on the flow clock. Overlapping fragments with different
 * bytes (a classic IDS evasion) drop the datagram, as Linux and RFC 5722
 * do, and are reported. See docs/design/sensor.md "Fragments". */
#ifndef MM_SENSOR_DEFRAG_H
#define MM_SENSOR_DEFRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/packet.h"

#define MM_DEFRAG_MAX_FRAGS 64 /* fragments held per datagram */

struct mm_defrag_config {
    bool enabled;
    size_t memcap;          /* bytes over all pending datagrams */
    uint32_t timeout;       /* seconds of flow clock after the first fragment */
    uint32_t max_datagrams; /* pending datagrams; the oldest is evicted */
};

struct mm_defrag_stats {
    uint64_t reassembled;  /* datagrams completed and handed on */
    uint64_t timeouts;     /* incomplete datagrams dropped at the timeout */
    uint64_t overlaps;     /* fragments overlapping earlier ones with different bytes */
    uint64_t too_large;    /* datagrams dropped: offset + length past 65535 */
    uint64_t max_frags;    /* datagrams dropped: more than MM_DEFRAG_MAX_FRAGS fragments */
    uint64_t evicted;      /* oldest datagrams dropped for max_datagrams */
    uint64_t memcap_drops; /* datagrams dropped to stay under the memory cap */
};

struct mm_defrag;

/* Defaults: enabled, 16 MiB, 60 s, 4096 datagrams. */
void mm_defrag_config_defaults(struct mm_defrag_config *c);

/* Creates a table (*out owned by the caller, free with mm_defrag_free). */
int mm_defrag_new(const struct mm_defrag_config *c, struct mm_defrag **out);
void mm_defrag_free(struct mm_defrag *d);

/* What one fragment did. anomaly: a static Suricata-style event name
 * ("ipv4.frag_overlap", "ipv4.frag_too_large", "ipv6...") or NULL; at most
 * two per fragment. */
struct mm_defrag_result {
    const char *anomaly[2];
    size_t nanomaly;
};

/* Takes one decoded fragment (p->fragment && p->defrag: the decoder stopped
 * at the IP layer and filled the frag_* fields) at flow clock `clock`
 * (microseconds). Returns 0 when the fragment is held (or dropped), 1 when
 * it completed its datagram: *out / *out_len are then the whole IP packet,
 * in a buffer owned by the table and valid until the next call. Fragment
 * bytes are copied; p may go away after the call. Negative MM_E* only for
 * invalid arguments. */
int mm_defrag_packet(struct mm_defrag *d, const struct mm_packet *p, int64_t clock,
                     struct mm_defrag_result *res, const uint8_t **out, uint32_t *out_len);

/* Decodes a reassembled IP packet (from mm_defrag_packet) into *out: the
 * link-layer fields, time stamp and packet number come from the fragment
 * that completed it, the rest from decoding buf as IPv4/IPv6. Returns what
 * the decoders return (0, MM_ETRUNC/MM_EPARSE with out->anomaly set). */
int mm_defrag_decode(const struct mm_packet *frag, const uint8_t *buf, uint32_t len,
                     struct mm_packet *out);

/* Drops datagrams older than the timeout at flow clock `clock`. */
void mm_defrag_expire(struct mm_defrag *d, int64_t clock);

const struct mm_defrag_stats *mm_defrag_stats(const struct mm_defrag *d);
size_t mm_defrag_memuse(const struct mm_defrag *d);
size_t mm_defrag_pending(const struct mm_defrag *d);

#endif
