/* SPDX-License-Identifier: Apache-2.0
 * The flow table: bidirectional 5-tuple flows with idle and active timeouts,
 * per-direction counters and TCP flags, Community ID v1, bounded memory with
 * eviction of the oldest idle flows, a "flow" EVE record on expiry, and the
 * per-direction TCP reassembly buffers the application decoders read. */
#ifndef MM_SENSOR_FLOW_H
#define MM_SENSOR_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "core/net.h"
#include "sensor/packet.h"

struct mm_app_decoder;
struct mm_stream_seg;

/* Laid out in one 64-byte cache line: counters first (every packet), then
 * the reassembly state (TCP payload). */
struct mm_flow_dir {
    uint64_t pkts, bytes;
    uint32_t next_seq; /* reassembly: next expected sequence number */
    uint32_t buf_len, buf_cap;
    uint32_t ooo_bytes;
    uint8_t *buf;                   /* in-order bytes not yet consumed by the decoder */
    struct mm_stream_seg *ooo;      /* out-of-order segments, sorted by seq (stream.c) */
    struct mm_stream_seg *ooo_tail; /* last of ooo: appends in order are O(1) */
    uint16_t ooo_count;             /* at most MM_STREAM_OOO_SEGS_MAX */
    uint8_t tcp_flags;              /* OR of all flags seen in this direction */
    bool seq_known;
    bool gap; /* data lost (hole, cap reached): decoder stops */
};

/* Fields grouped by when they are read, each group in its own cache lines
 * (flow.c allocates flows 64-byte aligned): the look-up key and hash chain
 * (every packet's look-up walks only these), the per-packet bookkeeping,
 * the two directions, then what the decoders, detectors and the flow
 * record read. A new field goes at the end (line 4 is full);
 * static_asserts in flow.c check the grouping. */
struct mm_flow {
    /* bytes 0-63: hash chain and flow key (flow.c) */
    struct mm_flow *hnext;   /* next in the bucket's chain */
    struct mm_flow **hpprev; /* the pointer that points at this flow */
    uint32_t hash;
    uint16_t sport, dport;
    struct mm_addr src, dst; /* initiator and responder */
    uint8_t proto;           /* IPPROTO_* */
    uint8_t vlan_count : 2;  /* 0-2 */
    uint8_t pppoe : 1;       /* inside a PPPoE session: pppoe_session is part of the key */
    uint16_t vlan[2];        /* VLAN ids of the first packet (part of the flow key) */
    /* bytes 64-127: touched by every packet (flow.c, pipeline.c) */
    int64_t clock_start, clock_last; /* flow clock (usec) at creation / last packet */
    struct mm_flow *lru_prev, *lru_next;
    struct timeval last;
    uint8_t tcp_state; /* MM_TCP_* (flow.c) */
    uint8_t tclass;    /* timeout class (flow.c) */
    bool app_probed;
    bool app_failed;                  /* the app decoder returned an error: no more parsing */
    bool alerted;                     /* an alert was raised on this flow (EVE flow.alerted) */
    uint8_t app_anomalies;            /* malformed UDP datagrams reported (capped) */
    bool cid_pending;                 /* community_id not formed yet (mm_flow_community_id) */
    const struct mm_app_decoder *app; /* NULL until probed */
    /* bytes 128-255: one line per direction */
    struct mm_flow_dir dir[2]; /* 0: initiator->responder, 1: reverse */
    /* bytes 256-319: what the flow record reads besides the above */
    char community_id[32]; /* "1:" and 28 Base64 characters; read it through
                              mm_flow_community_id, which forms it on first use */
    uint64_t id;           /* EVE flow_id */
    struct timeval start;
    uint32_t detector_flags;    /* bits a detector may set (e.g. "already alerted") */
    uint16_t cid_seed;          /* the Community ID's inputs besides the key: the seed, */
    uint8_t cid_type, cid_code; /* and an ICMP flow's first type and code */
    /* from byte 320 */
    void *app_state;
    uint16_t pppoe_session; /* the PPPoE session id when pppoe (part of the key; read only
                               for PPPoE flows whose hash and 5-tuple matched) */
};

const char *mm_flow_proto_name(uint8_t proto); /* "TCP", "UDP", "ICMP", "IPv6-ICMP", ... */

/* The flow's Community ID text (flow.c). The flow table does not hash it
 * when the flow is created but on the first ask (an event of the flow, its
 * record), from the inputs kept in the flow, and keeps it in the flow
 * (hence f is not const): the same text the first packet gave. Empty for a
 * flow the table did not create. */
const char *mm_flow_community_id(struct mm_flow *f);

#endif
