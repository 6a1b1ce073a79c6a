/* SPDX-License-Identifier: Apache-2.0
 * The flow table's private state, shared by flow.c and stream.c only. */
#ifndef MM_SENSOR_FLOW_INT_H
#define MM_SENSOR_FLOW_INT_H

#include "sensor/flowtable.h"

#define MM_FLOW_POOL_MAX 4096

struct mm_flow_lru {
    struct mm_flow *head, *tail; /* head: least recently active */
};

struct mm_flow_table {
    struct mm_flow_config cfg;
    struct mm_flow **buckets; /* grows from 1024 to buckets_max (flow.c) */
    uint32_t mask;
    size_t buckets_max; /* the power of two >= max_flows */
    uint64_t hash_key;  /* random per table: chains cannot be lengthened on purpose */
    struct mm_flow_lru lru[MM_FLOW_CLASSES];
    size_t count;
    uint64_t seq;     /* flows created, for ids */
    uint64_t id_base; /* ids continue from here: 0, or random (cfg.random_ids) */
    int64_t clock;    /* usec; the largest packet time seen */
    bool clock_set;
    mm_flow_end_fn on_end;
    void *arg;
    size_t pool_count;
    struct mm_flow *pool[MM_FLOW_POOL_MAX]; /* freed flows kept for reuse, a stack: the top
                                               one is the most recently freed (still cached) */
    struct mm_flow *spare;                  /* freed flows past the pool, linked through hnext */
    struct mm_flow_chunk *chunks;           /* where flows are carved from (flow.c), newest first */
    size_t chunk_used;                      /* flows carved from the newest chunk */
    size_t stream_mem;
    struct mm_flow_stats st;
};

struct mm_stream_seg {
    struct mm_stream_seg *next;
    uint32_t seq, len;
    uint8_t data[];
};

#endif
