/* SPDX-License-Identifier: Apache-2.0
 * The flow table's interface for the pipeline and the tests (flow.h holds
 * the flow record itself): configuration, lookup-or-create by packet, the
 * flow clock and expiry, and TCP stream reassembly (stream.c).
 *
 * The flow clock: capture time stamps are not always monotonic (merged
 * captures jump backwards by years). The table keeps its own clock, the
 * largest packet time seen so far; a packet older than the clock is handled
 * as if it arrived at the clock (it never expires anything and never moves
 * the clock back). Idle and active timeouts compare the clock with the
 * clock values stored on the flow, so a backwards jump cannot mass-expire
 * flows; a forward jump expires the flows that really were idle that long. */
#ifndef MM_SENSOR_FLOWTABLE_H
#define MM_SENSOR_FLOWTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/flow.h"
#include "sensor/packet.h"

/* Timeout classes: each has its own idle timeout and LRU list. */
enum mm_flow_class {
    MM_FLOW_TCP = 0,    /* TCP, not closed */
    MM_FLOW_TCP_CLOSED, /* TCP after FIN both ways or RST */
    MM_FLOW_UDP,
    MM_FLOW_ICMP,
    MM_FLOW_OTHER,
    MM_FLOW_CLASSES
};

enum { MM_TCP_NONE = 0, MM_TCP_SYN, MM_TCP_ESTABLISHED, MM_TCP_CLOSING, MM_TCP_CLOSED };

struct mm_flow_config {
    uint32_t timeout[MM_FLOW_CLASSES]; /* idle timeouts, seconds */
    uint32_t active_timeout;           /* seconds; 0 = none */
    size_t max_flows;
    uint16_t community_id_seed;
    uint32_t stream_depth; /* per direction: max unconsumed in-order bytes */
    uint32_t stream_ooo;   /* per direction: max out-of-order bytes held */
    size_t stream_memcap;  /* all reassembly buffers together */
    bool random_ids;       /* flow ids start at a random point (live capture: a restarted sensor
                              does not repeat the ids it gave before); else at 0 (reading files:
                              the same ids every run) */
    bool no_records;       /* no flow record is written: expiry does not form the ending flows'
                              Community IDs ahead for their records (one is still formed when
                              asked, mm_flow_community_id) */
};

void mm_flow_config_defaults(struct mm_flow_config *c);

struct mm_flow_stats {
    uint64_t created, ended, timeout, evicted, active_timeout;
    uint64_t tcp, udp, icmp, other;
    uint64_t stream_gaps, stream_memcap_hits, stream_ooo_segments, stream_retransmits;
};

struct mm_flow_table;

/* Called for each flow leaving the table (reason: "timeout", "forced",
 * "shutdown"), before it is freed. */
typedef void (*mm_flow_end_fn)(void *arg, struct mm_flow *f, const char *reason);

int mm_flow_table_new(const struct mm_flow_config *c, mm_flow_end_fn on_end, void *arg,
                      struct mm_flow_table **out);
/* Ends every flow (reason "shutdown") and frees the table. Accepts NULL. */
void mm_flow_table_free(struct mm_flow_table *t);

/* Advances the flow clock to ts (never backwards); returns the clock. */
int64_t mm_flow_clock_update(struct mm_flow_table *t, const struct timeval *ts);
int64_t mm_flow_clock(const struct mm_flow_table *t);

/* Hashes p's flow key (kept in p for mm_flow_packet) and starts loading its
 * bucket, so the look-up's first cache miss overlaps with the work before
 * it; a no-op for a packet that belongs to no flow. */
void mm_flow_prefetch(const struct mm_flow_table *t, struct mm_packet *p);

/* Finds or creates the flow of IP packet p (sets p->flow and p->dir) and
 * updates its counters, flags and TCP state. Returns NULL for packets that
 * belong to no flow (not IP, later fragments) or on ENOMEM. */
struct mm_flow *mm_flow_packet(struct mm_flow_table *t, struct mm_packet *p);

/* Ends flows idle longer than their class timeout at the current clock. */
void mm_flow_expire(struct mm_flow_table *t);

/* Clears these detector_flags bits on every flow (after an intel reload, so
 * each live flow is checked against the new set at its next packet). */
void mm_flow_clear_detector_flags(struct mm_flow_table *t, uint32_t bits);
/* Ends all flows with the given reason. */
void mm_flow_end_all(struct mm_flow_table *t, const char *reason);

size_t mm_flow_count(const struct mm_flow_table *t);
const struct mm_flow_stats *mm_flow_stats(const struct mm_flow_table *t);
const struct mm_flow_config *mm_flow_table_config(const struct mm_flow_table *t);

/* The flow's age in whole seconds as flow records give it: last minus
 * start, 0 when last is not later, and at most INT64_MAX (JSON integers
 * are signed). Computed unsigned, so stamps far apart (a crafted pcapng's
 * interface offsets) cannot overflow. */
static inline uint64_t mm_flow_age_seconds(const struct mm_flow *f)
{
    if (f->last.tv_sec <= f->start.tv_sec)
        return 0;
    return ((uint64_t)f->last.tv_sec - (uint64_t)f->start.tv_sec) & INT64_MAX;
}

/* "new", "established" or "closed" for the EVE flow record. */
const char *mm_flow_state_name(const struct mm_flow *f);

/* A fixed name with its length, for the flow record writer (eve-flow.c),
 * which copies names without measuring them. */
struct mm_flow_text {
    const char *s;
    size_t n;
};
#define MM_FLOW_TEXT(lit) ((struct mm_flow_text){lit, sizeof(lit) - 1})
/* mm_flow_proto_name and mm_flow_state_name with their lengths */
struct mm_flow_text mm__flow_proto_text(uint8_t proto);
struct mm_flow_text mm__flow_state_text(const struct mm_flow *f);

/* ---- TCP stream reassembly (stream.c) ----------------------------------- */

/* Adds the payload of TCP packet p to direction p->dir of its flow. When
 * buffer is true, in-order bytes are appended to dir->buf (up to the depth)
 * for the application decoder; otherwise only the sequence is tracked.
 * Retransmitted bytes are dropped (first copy wins); segments ahead of the
 * expected sequence are held (bounded) until the hole fills, else a gap is
 * marked and buffering stops for that direction. */
void mm_stream_packet(struct mm_flow_table *t, struct mm_flow *f, const struct mm_packet *p,
                      bool buffer);
/* As mm_stream_packet, but an in-order segment that finds nothing waiting
 * (no unconsumed bytes, nothing held, no buffer yet) is not copied:
 * dir->buf then points into p's payload (dir->buf_cap is 0). The caller
 * must call mm_stream_keep(t, f, p->dir) after the decoder has read it and
 * before p's bytes go away; the caps apply as for a copy. */
void mm_stream_packet_view(struct mm_flow_table *t, struct mm_flow *f, const struct mm_packet *p,
                           bool buffer);
/* Copies what the decoder left of a view into the direction's buffer (a
 * no-op for a buffer of its own). */
void mm_stream_keep(struct mm_flow_table *t, struct mm_flow *f, int dir);
/* Drops n consumed bytes from the front of dir->buf. */
void mm_stream_consume(struct mm_flow_table *t, struct mm_flow *f, int dir, uint32_t n);
/* Frees a direction's buffers (decoder done or flow end). */
void mm_stream_release(struct mm_flow_table *t, struct mm_flow *f, int dir);
size_t mm_stream_memuse(const struct mm_flow_table *t);

#endif
