/* SPDX-License-Identifier: Apache-2.0
 * IP fragment reassembly (defrag.c): IPv4 and IPv6 fragments are held per
 * datagram until the datagram is complete, then rebuilt as one IP packet
 * and decoded for the pipeline like any other. Bounded in every direction: a
 * memory cap over all held fragments, a number of pending datagrams (the
 * oldest is evicted), 64 fragments per datagram, 65535 bytes per datagram,
 * and a timeout on the flow clock. Overlapping fragments with different
 * bytes (a classic IDS evasion) drop the datagram, as Linux and RFC 5722
 * do, and are reported; so does a fragment header inside a rebuilt IPv6
 * datagram (nested fragmentation), as Linux does. Every datagram ends either
 * reassembled or given up; a given-up datagram's first fragment goes, once,
 * to a handler (the pipeline shows it to the detectors). See
 * docs/design/sensor.md "Fragments". */
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
    uint64_t invalid;      /* datagrams dropped as the hosts drop them: an IPv6 non-last
                              fragment not a multiple of 8 bytes, a rebuilt packet that
                              does not decode, a fragment header inside a rebuilt IPv6 one */
};

struct mm_defrag;

/* Defaults: enabled, 16 MiB, 60 s, 4096 datagrams. */
void mm_defrag_config_defaults(struct mm_defrag_config *c);

/* Creates a table (*out owned by the caller, free with mm_defrag_free). */
int mm_defrag_new(const struct mm_defrag_config *c, struct mm_defrag **out);
void mm_defrag_free(struct mm_defrag *d);

/* What one fragment did: up to two anomalies, each a static Suricata-style
 * event name ("ipv4.frag_overlap", "ipv6.frag_too_large", a decoder's
 * "tcp.hlen_too_small" for a rebuilt packet that does not decode, ...) and
 * the layer that raised it ("ipv4", "ipv6", "tcp", ...). */
struct mm_defrag_result {
    const char *anomaly[2];
    const char *layer[2];
    size_t nanomaly;
};

/* Called once for each datagram the table gives up (timeout, eviction,
 * memory cap, overlap, too large, too many fragments, invalid; and, with
 * mm_defrag_end, each one still pending) with its first fragment: the
 * offset-0 fragment when one was held, its transport header decoded as with
 * reassembly off (ports, TCP flags), else the first fragment that arrived
 * (addresses only). An offset-0 fragment whose transport header does not
 * decode is addresses only too, with first_fragment cleared (no transport
 * header). The packet is flowless, its pointers are NULL, its time
 * stamp and pcap_cnt are the fragment's own. The handler must not call into
 * the table. */
typedef void (*mm_defrag_give_up_fn)(void *arg, const struct mm_packet *first);
void mm_defrag_on_give_up(struct mm_defrag *d, mm_defrag_give_up_fn fn, void *arg);

/* Takes one decoded fragment (p->fragment && p->defrag: the decoder stopped
 * at the IP layer and filled the frag_* fields) at flow clock `clock`
 * (microseconds). Returns 1 when it completed its datagram: *out is then the
 * rebuilt IP packet, decoded, with the link-layer fields, time stamp and
 * packet number of p (its pointers point into a buffer owned by the table,
 * valid until the next call). Returns 0 when the fragment is held or its
 * datagram was dropped (*out is then undefined). Fragment bytes are copied;
 * p may go away after the call. Negative MM_E* only for invalid arguments. */
int mm_defrag_packet(struct mm_defrag *d, const struct mm_packet *p, int64_t clock,
                     struct mm_defrag_result *res, struct mm_packet *out);

/* Drops datagrams older than the timeout at flow clock `clock`. */
void mm_defrag_expire(struct mm_defrag *d, int64_t clock);

/* The end of the run: the first fragment of each datagram still pending
 * goes to the give-up handler (the datagrams stay pending, so the last
 * stats record shows them; none is shown twice). Meant as the last call
 * before mm_defrag_free: a fragment fed after it may still complete one of
 * these datagrams, and a rebuilt packet is handed on as usual (a datagram
 * given up is not shown again). d may be NULL. */
void mm_defrag_end(struct mm_defrag *d);

const struct mm_defrag_stats *mm_defrag_stats(const struct mm_defrag *d);
size_t mm_defrag_memuse(const struct mm_defrag *d);
size_t mm_defrag_pending(const struct mm_defrag *d);

#endif
