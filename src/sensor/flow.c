/* SPDX-License-Identifier: Apache-2.0
 * The flow table: a chained hash table keyed by the unordered 5-tuple (both
 * directions hash alike) whose bucket array grows with the number of flows
 * (a small array stays in the CPU cache; a table usually holds a few
 * thousand flows, far below max_flows), chains linked both ways (a flow
 * leaves its chain without walking it), flows laid out by cache line
 * (flow.h), carved from 2 MB chunks the kernel may back with huge pages
 * (flow_chunk_new) and reused from a stack of freed ones (the most recently
 * freed, still cached, first), one LRU list per timeout class (so the oldest idle
 * flow of a class is always its list head), the flow clock, idle and active
 * timeouts, eviction of the least recently active flow when max_flows is
 * reached, the initiator of a flow first seen at its responder's packet
 * (first_packet_from_responder), per-direction counters, TCP flags and a
 * small TCP state machine.
 * Flows leave through the table's end callback (the pipeline writes the EVE
 * flow record there). Rules for the clock are in flowtable.h. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/error.h"
#include "core/eve.h"
#include "core/hash.h"
#include "core/timefmt.h"
#include "sensor/flow-int.h"

#define USEC 1000000LL
#define LINE 64 /* flows are allocated on cache-line boundaries */
/* A flow's bytes in its chunk: whole cache lines */
#define FLOW_BYTES ((sizeof(struct mm_flow) + LINE - 1) / LINE * LINE)
/* Flows are carved from chunks of one huge page (flow_chunk_new) */
#define HUGE_PAGE   ((size_t)2 << 20)
#define BUCKETS_MIN 1024u
#define TCP_FIN     0x01
#define TCP_SYN     0x02
#define TCP_RST     0x04
#define TCP_ACK     0x10

/* flow.h's cache-line grouping */
static_assert(offsetof(struct mm_flow, clock_start) == LINE, "key and chain in line 0");
static_assert(offsetof(struct mm_flow, dir) == 2 * LINE, "per-packet fields in line 1");
static_assert(sizeof(struct mm_flow_dir) == LINE, "one line per direction");
static_assert(offsetof(struct mm_flow, community_id) == 4 * LINE &&
                  offsetof(struct mm_flow, cid_code) < 5 * LINE,
              "the flow record's other fields in line 4");

void mm_flow_config_defaults(struct mm_flow_config *c)
{
    memset(c, 0, sizeof(*c));
    c->timeout[MM_FLOW_TCP] = 600;
    c->timeout[MM_FLOW_TCP_CLOSED] = 30;
    c->timeout[MM_FLOW_UDP] = 120;
    c->timeout[MM_FLOW_ICMP] = 60;
    c->timeout[MM_FLOW_OTHER] = 120;
    c->active_timeout = 3600;
    c->max_flows = 65536;
    c->stream_depth = 256 * 1024;
    c->stream_ooo = 64 * 1024;
    c->stream_memcap = 64u * 1024 * 1024;
}

struct mm_flow_text mm__flow_proto_text(uint8_t proto)
{
    switch (proto) {
    case 6:
        return MM_FLOW_TEXT("TCP");
    case 17:
        return MM_FLOW_TEXT("UDP");
    case 1:
        return MM_FLOW_TEXT("ICMP");
    case 58:
        return MM_FLOW_TEXT("IPv6-ICMP");
    case 132:
        return MM_FLOW_TEXT("SCTP");
    case 47:
        return MM_FLOW_TEXT("GRE");
    case 50:
        return MM_FLOW_TEXT("ESP");
    default:
        return MM_FLOW_TEXT("IP");
    }
}

const char *mm_flow_proto_name(uint8_t proto)
{
    return mm__flow_proto_text(proto).s;
}

static bool proto_has_ports(uint8_t proto)
{
    return proto == 6 || proto == 17 || proto == 132;
}

static int proto_class(uint8_t proto)
{
    switch (proto) {
    case 6:
        return MM_FLOW_TCP;
    case 17:
        return MM_FLOW_UDP;
    case 1:
    case 58:
        return MM_FLOW_ICMP;
    default:
        return MM_FLOW_OTHER;
    }
}

/* ---- hashing ------------------------------------------------------------- */

static uint64_t mix64(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

static uint64_t rot32(uint64_t x)
{
    return x >> 32 | x << 32;
}

/* One side's part of the key hash: the address's two words and the port,
 * each combined with the key and multiplied on its own (three products the
 * CPU forms side by side); only the sum of both sides is mixed in full
 * (tuple_hash). Before, each side was mixed in full as well, a chain of
 * three dependent multiplications per side; and the low address word and
 * the port were XORed together unkeyed, so IPv6 endpoints whose low word
 * differed by the same bits as their ports hashed alike whatever the key. */
static uint64_t endpoint_hash(uint64_t key, const struct mm_addr *a, uint16_t port)
{
    uint64_t w[2];
    memcpy(w, a->bytes, sizeof(w));
    uint64_t x = (w[0] ^ key) * 0x9e3779b97f4a7c15ULL;
    uint64_t y = (w[1] ^ rot32(key)) * 0xc2b2ae3d27d4eb4fULL;
    uint64_t z = ((uint64_t)port + key) * 0x165667b19e3779f9ULL;
    return x ^ rot32(y) ^ z;
}

/* Symmetric: both directions of a flow give the same value. Keyed with a
 * random per-table value so bucket chains cannot be aimed at. */
static uint32_t tuple_hash(uint64_t key, const struct mm_addr *s, uint16_t sp,
                           const struct mm_addr *d, uint16_t dp, uint8_t proto, uint64_t link)
{
    return (uint32_t)mix64(endpoint_hash(key, s, sp) + endpoint_hash(key, d, dp) + proto + key +
                           link * 0xc2b2ae3d27d4eb4fULL);
}

/* The packet's link-layer key as one number (0 without VLAN tags or
 * PPPoE): its VLAN ids, so the same addresses on two VLANs are two flows,
 * as in Suricata, and, for a packet inside a PPPoE session, that session's
 * id (plus one, so session 0 differs from no PPPoE): two sessions are two
 * point-to-point links and may carry the same addresses (two access lines
 * or providers handing out the same private or shared range), so they are
 * kept apart the same way. Both directions of a session carry its id. */
static uint64_t link_key(const struct mm_packet *p)
{
    uint64_t k = p->vlan_count;
    for (unsigned i = 0; i < p->vlan_count && i < 2; i++)
        k = k << 16 | p->vlan[i];
    if (p->pppoe)
        k |= ((uint64_t)p->pppoe_session + 1) << 40;
    return k;
}

/* Whether f's VLAN ids are p's, as link_key would tell (the same count,
 * the same ids up to it; a flow keeps at most two and a packet has at
 * most two, decode-vlan.c), without forming both keys per candidate; the
 * PPPoE flag is compared here too (the session id, in a later line of the
 * flow, only once the rest of the key matched: same_session). */
static bool same_vlans(const struct mm_flow *f, const struct mm_packet *p)
{
    uint8_t n = p->vlan_count;
    return f->vlan_count == n && f->pppoe == p->pppoe && (n < 1 || f->vlan[0] == p->vlan[0]) &&
           (n < 2 || f->vlan[1] == p->vlan[1]);
}

/* The rest of link_key for a candidate same_vlans accepted: a PPPoE flow's
 * session id. */
static bool same_session(const struct mm_flow *f, const struct mm_packet *p)
{
    return !f->pppoe || f->pppoe_session == p->pppoe_session;
}

static bool addr_eq(const struct mm_addr *a, const struct mm_addr *b)
{
    return memcmp(a, b, sizeof(*a)) == 0;
}

/* ---- Community ID ---------------------------------------------------------- */

static bool is_icmp(uint8_t proto)
{
    return proto == 1 || proto == 58;
}

/* Keeps what the Community ID needs besides the flow key: the seed, and an
 * ICMP flow's first type and code (bytes, decode-icmp.c). Its SHA-1 waits
 * for the first ask (mm_flow_community_id): on a scan most flows are one
 * SYN whose only ask is its record, written when expiry ends flows in runs,
 * where the hash overlaps with loading the next flow to end instead of
 * holding up the packet path. */
static void community_id_inputs(const struct mm_flow_table *t, struct mm_flow *f,
                                const struct mm_packet *p)
{
    f->cid_seed = t->cfg.community_id_seed;
    if (is_icmp(p->ip_proto)) {
        f->cid_type = (uint8_t)p->sport;
        f->cid_code = (uint8_t)p->dport;
    }
    f->cid_pending = true;
}

/* The ID's inputs as the first packet gave them: the flow holds its
 * (source, destination, ports) as initiator and responder, which differ
 * from the packet's order only for a flow first seen at its responder's
 * packet (first_packet_from_responder: a TCP SYN-ACK, a UDP server's
 * answer), and the ID orders a TCP or UDP flow's endpoints itself (only
 * ICMP's one-way messages keep the order, and ICMP flows are never
 * reversed). Ports are
 * the key's (0 for protocols without them, whose ID leaves ports out), an
 * ICMP flow's type and code kept at creation. */
static struct mm_community_id_flow community_id_of(const struct mm_flow *f)
{
    bool icmp = is_icmp(f->proto);
    return (struct mm_community_id_flow){.seed = f->cid_seed,
                                         .src = &f->src,
                                         .dst = &f->dst,
                                         .proto = f->proto,
                                         .sport = icmp ? f->cid_type : f->sport,
                                         .dport = icmp ? f->cid_code : f->dport};
}

/* The text is formed into the flow on first use (and in community_ids_two). */
const char *mm_flow_community_id(struct mm_flow *f)
{
    if (f->cid_pending) {
        struct mm_community_id_flow in = community_id_of(f);
        mm_community_id(in.seed, in.src, in.dst, in.proto, in.sport, in.dport, f->community_id,
                        sizeof f->community_id);
        f->cid_pending = false;
    }
    return f->community_id;
}

/* Forms the IDs of a and b (both waiting for theirs) together: their two
 * SHA-1 blocks run side by side in about the time of one. */
static void community_ids_two(struct mm_flow *a, struct mm_flow *b)
{
    if (!a->cid_pending || !b->cid_pending)
        return;
    const struct mm_community_id_flow in[2] = {community_id_of(a), community_id_of(b)};
    char *const out[2] = {a->community_id, b->community_id};
    mm_community_id_two(in, out);
    a->cid_pending = b->cid_pending = false;
}

/* ---- LRU lists ----------------------------------------------------------- */

static void lru_unlink(struct mm_flow_table *t, struct mm_flow *f)
{
    struct mm_flow_lru *l = &t->lru[f->tclass];
    if (f->lru_prev)
        f->lru_prev->lru_next = f->lru_next;
    else
        l->head = f->lru_next;
    if (f->lru_next)
        f->lru_next->lru_prev = f->lru_prev;
    else
        l->tail = f->lru_prev;
    f->lru_prev = f->lru_next = NULL;
}

static void lru_append(struct mm_flow_table *t, struct mm_flow *f)
{
    struct mm_flow_lru *l = &t->lru[f->tclass];
    f->lru_prev = l->tail;
    f->lru_next = NULL;
    if (l->tail)
        l->tail->lru_next = f;
    else
        l->head = f;
    l->tail = f;
}

/* ---- table --------------------------------------------------------------- */

int mm_flow_table_new(const struct mm_flow_config *c, mm_flow_end_fn on_end, void *arg,
                      struct mm_flow_table **out)
{
    *out = NULL;
    if (c->max_flows == 0 || c->max_flows > (1u << 26))
        return MM_EINVAL;
    struct mm_flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return MM_ENOMEM;
    t->cfg = *c;
    size_t n = BUCKETS_MIN;
    while (n < c->max_flows)
        n <<= 1;
    t->buckets_max = n;
    n = BUCKETS_MIN;
    t->buckets = calloc(n, sizeof(*t->buckets));
    if (!t->buckets) {
        free(t);
        return MM_ENOMEM;
    }
    t->mask = (uint32_t)(n - 1);
    t->hash_key = mm_hash_random_key();
    t->id_base = c->random_ids ? mm_hash_random_key() : 0;
    t->on_end = on_end;
    t->arg = arg;
    *out = t;
    return 0;
}

/* ---- flow memory ----------------------------------------------------------- */

/* A chunk: this header line, then the flows. */
struct mm_flow_chunk {
    struct mm_flow_chunk *next;
    size_t flows; /* how many it holds */
};
static_assert(sizeof(struct mm_flow_chunk) <= LINE, "a chunk's header in its first line");

/* Flows a chunk holds: one huge page's worth (5 k flows), fewer for a table
 * allowed fewer flows in all. */
static size_t chunk_flows(const struct mm_flow_table *t)
{
    size_t most = (HUGE_PAGE - LINE) / FLOW_BYTES;
    return t->cfg.max_flows < most ? t->cfg.max_flows : most;
}

/* A new chunk, first in t->chunks; false without memory. A whole chunk is
 * one 2 MB page aligned on 2 MB, which the kernel gives as a huge page
 * where transparent huge pages are on request: flows ending after minutes
 * idle (and the look-up's chain) lie anywhere in tens of MB, and with 4 KB
 * pages each was a TLB miss besides a cache miss (as detect-beacon.c
 * found for its tables). */
static bool flow_chunk_new(struct mm_flow_table *t)
{
    size_t n = chunk_flows(t), bytes = LINE + n * FLOW_BYTES;
    bool huge = n == (HUGE_PAGE - LINE) / FLOW_BYTES;
    void *p = NULL;
    if (posix_memalign(&p, huge ? HUGE_PAGE : LINE, huge ? HUGE_PAGE : bytes) != 0)
        return false;
#if defined(MADV_HUGEPAGE)
    if (huge)
        (void)madvise(p, HUGE_PAGE, MADV_HUGEPAGE);
#endif
    struct mm_flow_chunk *c = p;
    c->next = t->chunks;
    c->flows = n;
    t->chunks = c;
    t->chunk_used = 0;
    return true;
}

static void flow_chunks_free(struct mm_flow_table *t)
{
    while (t->chunks) {
        struct mm_flow_chunk *c = t->chunks;
        t->chunks = c->next;
        free(c);
    }
}

/* Keeps an ended flow for reuse: on the pool's stack, else the spare list. */
static void flow_release(struct mm_flow_table *t, struct mm_flow *f)
{
    if (t->pool_count < MM_FLOW_POOL_MAX) {
        t->pool[t->pool_count++] = f;
        return;
    }
    f->hnext = t->spare;
    t->spare = f;
}

/* A flow's memory (not cleared): the most recently freed, else a spare,
 * else carved from the newest chunk (a new one when it is full); NULL
 * without memory. */
static struct mm_flow *flow_memory(struct mm_flow_table *t)
{
    if (t->pool_count)
        return t->pool[--t->pool_count];
    if (t->spare) {
        struct mm_flow *f = t->spare;
        t->spare = f->hnext;
        return f;
    }
    if ((!t->chunks || t->chunk_used == t->chunks->flows) && !flow_chunk_new(t))
        return NULL;
    return (struct mm_flow *)(void *)((char *)t->chunks + LINE + t->chunk_used++ * FLOW_BYTES);
}

/* ---- hash chains ------------------------------------------------------- */

static void chain_insert(struct mm_flow **slot, struct mm_flow *f)
{
    f->hnext = *slot;
    f->hpprev = slot;
    if (*slot)
        (*slot)->hpprev = &f->hnext;
    *slot = f;
}

/* O(1): touches only f and its successor, not the bucket or the chain. */
static void chain_unlink(struct mm_flow *f)
{
    *f->hpprev = f->hnext;
    if (f->hnext)
        f->hnext->hpprev = f->hpprev;
    f->hnext = NULL;
    f->hpprev = NULL;
}

/* Doubles the bucket array (up to buckets_max) once there are more flows
 * than buckets. Without memory the table keeps its size: longer chains,
 * same flows. */
static void buckets_grow(struct mm_flow_table *t)
{
    size_t n = (size_t)t->mask + 1;
    if (t->count <= n || n >= t->buckets_max)
        return;
    struct mm_flow **nb = calloc(2 * n, sizeof(*nb));
    if (!nb)
        return;
    uint32_t mask = (uint32_t)(2 * n - 1);
    for (size_t i = 0; i < n; i++)
        while (t->buckets[i]) {
            struct mm_flow *f = t->buckets[i];
            chain_unlink(f);
            chain_insert(&nb[f->hash & mask], f);
        }
    free(t->buckets);
    t->buckets = nb;
    t->mask = mask;
}

/* Starts loading every line of f while the caller works on something else:
 * a flow about to end has usually been idle for minutes and is no longer
 * in the CPU cache. */
static void prefetch_flow(const struct mm_flow *f)
{
    if (!f)
        return;
    for (size_t off = 0; off < sizeof(*f); off += LINE)
        __builtin_prefetch((const char *)f + off, 1);
}

/* Removes f from the table, tells the owner, frees its buffers. */
/* Frees both directions' reassembly buffers; most flows never buffered a
 * byte, and the test saves two calls per flow. */
static void release_streams(struct mm_flow_table *t, struct mm_flow *f)
{
    for (int d = 0; d < 2; d++)
        if (f->dir[d].buf || f->dir[d].ooo)
            mm_stream_release(t, f, d);
}

static void flow_end(struct mm_flow_table *t, struct mm_flow *f, const char *reason)
{
    chain_unlink(f);
    lru_unlink(t, f);
    t->count--;
    t->st.ended++;
    if (t->on_end)
        t->on_end(t->arg, f, reason);
    release_streams(t, f);
    flow_release(t, f);
}

/* Whether f has been idle longer than limit (usec) at the table's clock */
static bool idle_over(const struct mm_flow_table *t, const struct mm_flow *f, int64_t limit)
{
    return t->clock - f->clock_last > limit;
}

/* Ends the least recently active flow of class c (expiry and the end of
 * all flows end them in runs): the lines of the flow two places on start
 * loading while this one's record is written, and when the next one ends
 * in this run too (idle over limit), both Community IDs are hashed
 * together, so a run hashes pairs. The next flow's lines were asked for
 * one step before, as this flow's were two steps before. Without flow
 * records (cfg.no_records) nothing asks for most ending flows' IDs, so
 * none is hashed ahead (4 % of such a run's CPU on the bench capture). */
static void end_oldest(struct mm_flow_table *t, int c, const char *reason, int64_t limit)
{
    struct mm_flow *f = t->lru[c].head;
    struct mm_flow *next = f->lru_next;
    if (next) {
        prefetch_flow(next->lru_next);
        if (!t->cfg.no_records && idle_over(t, next, limit))
            community_ids_two(f, next);
    }
    flow_end(t, f, reason);
}

void mm_flow_end_all(struct mm_flow_table *t, const char *reason)
{
    for (int c = 0; c < MM_FLOW_CLASSES; c++)
        while (t->lru[c].head)
            end_oldest(t, c, reason, INT64_MIN);
}

void mm_flow_table_free(struct mm_flow_table *t)
{
    if (!t)
        return;
    mm_flow_end_all(t, "shutdown");
    flow_chunks_free(t);
    free(t->buckets);
    free(t);
}

int64_t mm_flow_clock_update(struct mm_flow_table *t, const struct timeval *ts)
{
    int64_t now = mm_time_to_usec(ts);
    if (!t->clock_set || now > t->clock) {
        t->clock = now;
        t->clock_set = true;
    }
    return t->clock;
}

int64_t mm_flow_clock(const struct mm_flow_table *t)
{
    return t->clock;
}

void mm_flow_expire(struct mm_flow_table *t)
{
    for (int c = 0; c < MM_FLOW_CLASSES; c++) {
        int64_t limit = (int64_t)t->cfg.timeout[c] * USEC;
        while (t->lru[c].head && idle_over(t, t->lru[c].head, limit)) {
            t->st.timeout++;
            end_oldest(t, c, "timeout", limit);
        }
    }
}

void mm_flow_clear_detector_flags(struct mm_flow_table *t, uint32_t bits)
{
    for (int c = 0; c < MM_FLOW_CLASSES; c++)
        for (struct mm_flow *f = t->lru[c].head; f; f = f->lru_next)
            f->detector_flags &= ~bits;
}

/* Ends the least recently active flow over all classes. */
static void evict_one(struct mm_flow_table *t)
{
    struct mm_flow *victim = NULL;
    for (int c = 0; c < MM_FLOW_CLASSES; c++) {
        struct mm_flow *h = t->lru[c].head;
        if (h && (!victim || h->clock_last < victim->clock_last))
            victim = h;
    }
    if (victim) {
        t->st.evicted++;
        flow_end(t, victim, "forced");
    }
}

static uint64_t flow_id_of(uint64_t n)
{
    /* A stable, well-spread id below 2^51 (JSON consumers keep it exact). */
    return (mix64(n + 0x9e3779b97f4a7c15ULL) & ((1ULL << 51) - 1)) | 1;
}

/* The flow flow_memory will give next, if it has one at hand */
static struct mm_flow *flow_memory_next(const struct mm_flow_table *t)
{
    if (t->pool_count)
        return t->pool[t->pool_count - 1];
    if (t->spare)
        return t->spare;
    if (t->chunks && t->chunk_used < t->chunks->flows)
        return (struct mm_flow *)(void *)((char *)t->chunks + LINE + t->chunk_used * FLOW_BYTES);
    return NULL;
}

/* A cleared flow on a cache-line boundary. The lines of the flow to be
 * given next start loading now, for writing: clearing a flow that is not in
 * the CPU cache (a fresh one, or one freed long ago) filled the CPU's store
 * queue, and the packet's work after it waited (perf put the wait on the
 * Community ID's SHA-1 call that follows). */
typedef uint64_t zero16 __attribute__((vector_size(16), may_alias, aligned(16)));

/* Clears f's whole slot (FLOW_BYTES: every flow comes from a chunk, on a
 * cache line) in 16-byte stores: GCC made memset(f, 0, sizeof *f) a `rep
 * stos`, whose start-up cost of tens of cycles perf put at ~6 % of
 * mm_flow_packet's own samples (as pipeline.c's packet_clear found for
 * the packet). */
static void flow_clear(struct mm_flow *f)
{
    static_assert(FLOW_BYTES % 16 == 0, "a slot clears in whole 16-byte stores");
    char *b = (char *)f;
#pragma GCC unroll 32
    for (size_t off = 0; off < FLOW_BYTES; off += 16)
        *(zero16 *)(void *)(b + off) = (zero16){0, 0};
}

static struct mm_flow *flow_alloc(struct mm_flow_table *t)
{
    struct mm_flow *f = flow_memory(t);
    if (f)
        flow_clear(f);
    struct mm_flow *next = flow_memory_next(t);
    if (next)
        for (size_t off = 0; off < FLOW_BYTES; off += LINE)
            __builtin_prefetch((const char *)next + off, 1);
    return f;
}

/* Whether port is a UDP service's (the server's side, whose answers go
 * to the asker's ephemeral port): DNS 53, DHCP 67/68, Kerberos 88, NTP
 * 123, NetBIOS 137/138, SNMP 161/162, CLDAP 389, QUIC 443, IKE 500,
 * DNS over QUIC 853, SSDP 1900, STUN 3478, IPsec NAT traversal 4500, mDNS
 * 5353, LLMNR 5355. A list, not every port below 1024: a datagram sent
 * from any low port (Windows Messenger spam from port 666 to port 1026)
 * is no answer. */
static bool udp_service_port(uint16_t port)
{
    switch (port) {
    case 53:
    case 67:
    case 68:
    case 88:
    case 123:
    case 137:
    case 138:
    case 161:
    case 162:
    case 389:
    case 443:
    case 500:
    case 853:
    case 1900:
    case 3478:
    case 4500:
    case 5353:
    case 5355:
        return true;
    default:
        return false;
    }
}

/* Whether a flow's first packet comes from the responder, whose peer is
 * then the initiator: a TCP SYN-ACK; a UDP datagram from a service port to
 * a port that is not one (a DNS or NTP server's answer seen before its
 * question: the capture or the sensor started mid-conversation),
 * as Zeek flips a connection from a likely server port. Both ends on
 * service ports (NTP 123 to 123, DHCP 67 to 68, mDNS 5353 to 5353) or
 * neither keep the packet's order. */
static bool first_packet_from_responder(const struct mm_packet *p, uint16_t sp, uint16_t dp)
{
    if (p->ip_proto == 6)
        return (p->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
    return p->ip_proto == 17 && udp_service_port(sp) && !udp_service_port(dp);
}

static struct mm_flow *flow_create(struct mm_flow_table *t, const struct mm_packet *p, uint16_t sp,
                                   uint16_t dp, uint32_t hash)
{
    while (t->count >= t->cfg.max_flows)
        evict_one(t);
    struct mm_flow *f = flow_alloc(t);
    if (!f)
        return NULL;
    bool reverse = first_packet_from_responder(p, sp, dp);
    f->src = reverse ? p->dst : p->src;
    f->dst = reverse ? p->src : p->dst;
    f->sport = reverse ? dp : sp;
    f->dport = reverse ? sp : dp;
    f->proto = p->ip_proto;
    f->vlan_count = p->vlan_count < 2 ? p->vlan_count : 2;
    memcpy(f->vlan, p->vlan, sizeof f->vlan);
    if (p->pppoe) {
        f->pppoe = true;
        f->pppoe_session = p->pppoe_session;
    }
    f->id = flow_id_of(t->id_base + ++t->seq);
    f->start = f->last = p->ts;
    f->clock_start = f->clock_last = t->clock;
    f->hash = hash;
    f->tclass = (uint8_t)proto_class(p->ip_proto);
    community_id_inputs(t, f, p);
    chain_insert(&t->buckets[hash & t->mask], f);
    lru_append(t, f);
    t->count++;
    buckets_grow(t);
    t->st.created++;
    switch (f->tclass) {
    case MM_FLOW_TCP:
        t->st.tcp++;
        break;
    case MM_FLOW_UDP:
        t->st.udp++;
        break;
    case MM_FLOW_ICMP:
        t->st.icmp++;
        break;
    default:
        t->st.other++;
    }
    return f;
}

static void tcp_track(struct mm_flow *f, const struct mm_packet *p)
{
    uint8_t fl = p->tcp_flags;
    if (fl & TCP_RST) {
        f->tcp_state = MM_TCP_CLOSED;
        return;
    }
    if ((f->dir[0].tcp_flags & TCP_FIN) && (f->dir[1].tcp_flags & TCP_FIN)) {
        f->tcp_state = MM_TCP_CLOSED;
        return;
    }
    if (fl & TCP_FIN) {
        f->tcp_state = MM_TCP_CLOSING;
        return;
    }
    if (f->tcp_state == MM_TCP_NONE && (fl & TCP_SYN))
        f->tcp_state = MM_TCP_SYN;
    if (f->tcp_state < MM_TCP_ESTABLISHED && f->dir[0].pkts && f->dir[1].pkts && (fl & TCP_ACK))
        f->tcp_state = MM_TCP_ESTABLISHED;
}

static void flow_update(struct mm_flow_table *t, struct mm_flow *f, const struct mm_packet *p)
{
    struct mm_flow_dir *d = &f->dir[p->dir];
    d->pkts++;
    d->bytes += p->len;
    if (timercmp(&p->ts, &f->last, >))
        f->last = p->ts;
    f->clock_last = t->clock;
    int cls = f->tclass;
    if (f->proto == 6) {
        d->tcp_flags |= p->tcp_flags;
        tcp_track(f, p);
        if (f->tcp_state == MM_TCP_CLOSED)
            cls = MM_FLOW_TCP_CLOSED;
    }
    if (cls == f->tclass && t->lru[cls].tail == f)
        return; /* already the most recent of its class */
    lru_unlink(t, f);
    f->tclass = (uint8_t)cls;
    lru_append(t, f);
}

/* Whether mm_flow_packet looks p up (it is IP and not a later fragment). */
static bool has_flow(const struct mm_packet *p)
{
    return p->ip_version && (!p->fragment || p->first_fragment);
}

/* p's ports as the flow key takes them (0 for protocols without ports). */
static void key_ports(const struct mm_packet *p, uint16_t *sp, uint16_t *dp)
{
    bool ports = proto_has_ports(p->ip_proto);
    *sp = ports ? p->sport : 0;
    *dp = ports ? p->dport : 0;
}

static uint32_t packet_hash(const struct mm_flow_table *t, const struct mm_packet *p)
{
    uint16_t sp, dp;
    key_ports(p, &sp, &dp);
    return tuple_hash(t->hash_key, &p->src, sp, &p->dst, dp, p->ip_proto, link_key(p));
}

void mm_flow_prefetch(const struct mm_flow_table *t, struct mm_packet *p)
{
    if (!has_flow(p))
        return;
    p->flow_hash = packet_hash(t, p);
    p->flow_hashed = true;
    __builtin_prefetch(&t->buckets[p->flow_hash & t->mask]);
}

struct mm_flow *mm_flow_packet(struct mm_flow_table *t, struct mm_packet *p)
{
    if (!has_flow(p))
        return NULL;
    uint16_t sp, dp;
    key_ports(p, &sp, &dp);
    /* mm_flow_prefetch's hash is taken once: a packet changed and looked
     * up again is hashed anew */
    uint32_t h = p->flow_hashed ? p->flow_hash : packet_hash(t, p);
    p->flow_hashed = false;
    struct mm_flow *f = t->buckets[h & t->mask];
    int dir = 0;
    for (; f; f = f->hnext) {
        if (f->hash != h || f->proto != p->ip_proto || !same_vlans(f, p))
            continue;
        if (f->sport == sp && f->dport == dp && addr_eq(&f->src, &p->src) &&
            addr_eq(&f->dst, &p->dst) && same_session(f, p)) {
            dir = 0;
            break;
        }
        if (f->sport == dp && f->dport == sp && addr_eq(&f->src, &p->dst) &&
            addr_eq(&f->dst, &p->src) && same_session(f, p)) {
            dir = 1;
            break;
        }
    }
    if (f && t->cfg.active_timeout &&
        t->clock - f->clock_start > (int64_t)t->cfg.active_timeout * USEC) {
        t->st.active_timeout++;
        flow_end(t, f, "timeout");
        f = NULL;
    }
    if (!f) {
        f = flow_create(t, p, sp, dp, h);
        if (!f)
            return NULL;
        dir = addr_eq(&f->src, &p->src) && f->sport == sp ? 0 : 1;
    }
    p->flow = f;
    p->dir = dir;
    flow_update(t, f, p);
    return f;
}

size_t mm_flow_count(const struct mm_flow_table *t)
{
    return t->count;
}

const struct mm_flow_stats *mm_flow_stats(const struct mm_flow_table *t)
{
    return &t->st;
}

const struct mm_flow_config *mm_flow_table_config(const struct mm_flow_table *t)
{
    return &t->cfg;
}

struct mm_flow_text mm__flow_state_text(const struct mm_flow *f)
{
    if (f->proto == 6 && f->tcp_state == MM_TCP_CLOSED)
        return MM_FLOW_TEXT("closed");
    if (f->dir[0].pkts && f->dir[1].pkts)
        return MM_FLOW_TEXT("established");
    return MM_FLOW_TEXT("new");
}

const char *mm_flow_state_name(const struct mm_flow *f)
{
    return mm__flow_state_text(f).s;
}
