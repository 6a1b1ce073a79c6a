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

struct mm_flow_dir {
    uint64_t pkts, bytes;
    uint8_t tcp_flags; /* OR of all flags seen in this direction */
    uint32_t next_seq; /* reassembly: next expected sequence number */
    bool seq_known;
    uint8_t *buf; /* in-order bytes not yet consumed by the decoder */
    uint32_t buf_len, buf_cap;
    bool gap;                       /* data lost (hole, cap reached): decoder stops */
    struct mm_stream_seg *ooo;      /* out-of-order segments, sorted by seq (stream.c) */
    struct mm_stream_seg *ooo_tail; /* last of ooo: appends in order are O(1) */
    uint32_t ooo_bytes;
    uint16_t ooo_count; /* at most MM_STREAM_OOO_SEGS_MAX */
};

struct mm_flow {
    uint64_t id;             /* EVE flow_id */
    struct mm_addr src, dst; /* initiator and responder */
    uint16_t sport, dport;
    uint8_t proto;      /* IPPROTO_* */
    uint16_t vlan[2];   /* VLAN ids of the first packet (part of the flow key) */
    uint8_t vlan_count; /* 0-2 */
    char community_id[64];
    struct timeval start, last;
    struct mm_flow_dir dir[2]; /* 0: initiator->responder, 1: reverse */
    uint8_t src_mac[6], dst_mac[6];
    bool has_mac;
    const struct mm_app_decoder *app; /* NULL until probed */
    bool app_probed;
    void *app_state;
    uint32_t detector_flags; /* bits a detector may set (e.g. "already alerted") */
    bool alerted;            /* an alert was raised on this flow (EVE flow.alerted) */
    bool app_failed;         /* the app decoder returned an error: no more parsing */
    uint8_t app_anomalies;   /* malformed UDP datagrams reported (capped) */
    uint8_t tcp_state;       /* MM_TCP_* (flow.c) */
    uint8_t tclass;          /* timeout class (flow.c) */
    /* table bookkeeping (flow.c) */
    int64_t clock_start, clock_last; /* flow clock (usec) at creation / last packet */
    struct mm_flow *hnext, *lru_prev, *lru_next;
    uint32_t hash;
};

const char *mm_flow_proto_name(uint8_t proto); /* "TCP", "UDP", "ICMP", "IPv6-ICMP", ... */

#endif
