/* SPDX-License-Identifier: Apache-2.0
 * IP fragment reassembly: owns the table of pending datagrams (hash by
 * addresses, id, protocol and VLAN ids; an age list, oldest first, for the
 * timeout and for eviction), the copies of held fragments, the overlap
 * policy (the same bytes twice are fine; different ones drop the datagram
 * with an anomaly, as the hosts drop it), the rebuild of a complete
 * datagram as one IP packet in a scratch buffer and its decoding, and each
 * datagram's first fragment (its "witness"), handed to the give-up handler
 * when the datagram is dropped instead of reassembled. Every length comes
 * from the packet, so each is checked against 65535 before any copy. See
 * defrag.h and docs/design/sensor.md "Fragments". */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "sensor/decode/decode.h"
#include "sensor/defrag.h"

#define USEC        1000000LL
#define IP_MAX      65535u         /* IPv4 total length, IPv6 payload length */
#define SCRATCH_MAX (IP_MAX + 40u) /* the largest rebuilt packet (IPv6) */
#define UNFRAG_MAX  1024u          /* IPv6 header + extension headers before the fragment header */
#define ALLOC_COST  32u /* charged per held copy on top of its bytes: the allocator's own share */

struct key {
    struct mm_addr src, dst;
    uint32_t id;
    uint16_t vlan[2];
    uint16_t pppoe_session; /* with pppoe: the link layer as in the flow key (flow.c) */
    uint8_t version, proto, vlan_count;
    bool pppoe;
};

struct frag {
    uint32_t start, end; /* byte range in the fragmentable part */
    uint8_t *data;
};

struct dgram {
    struct dgram *hnext;       /* hash chain */
    struct dgram *prev, *next; /* age list, oldest first */
    struct key key;
    uint32_t bucket;
    int64_t created; /* flow clock of the first fragment */
    uint8_t *hdr;    /* unfragmentable part of the offset-0 fragment (NULL until seen) */
    uint32_t hdr_len, nh_pos;
    uint8_t next_proto; /* IPv6: the header after the fragment header */
    uint32_t total;     /* datagram data length, known once the last fragment is seen */
    bool have_last;
    bool shown; /* the witness went to the give-up handler (mm_defrag_end) */
    unsigned nfrags;
    size_t mem;
    struct mm_packet witness;               /* see witness_of() */
    struct frag frags[MM_DEFRAG_MAX_FRAGS]; /* in arrival order */
};

struct mm_defrag {
    struct mm_defrag_config cfg;
    struct dgram **buckets;
    uint32_t nbuckets; /* power of two */
    struct dgram *oldest, *newest;
    size_t count, memuse;
    struct mm_defrag_stats st;
    uint8_t *scratch; /* the rebuilt packet, SCRATCH_MAX bytes */
    mm_defrag_give_up_fn give_up;
    void *give_up_arg;
};

void mm_defrag_config_defaults(struct mm_defrag_config *c)
{
    c->enabled = true;
    c->memcap = 16u << 20;
    c->timeout = 60;
    c->max_datagrams = 4096;
}

/* ---- table --------------------------------------------------------------- */

int mm_defrag_new(const struct mm_defrag_config *c, struct mm_defrag **out)
{
    *out = NULL;
    if (!c || c->max_datagrams == 0 || c->memcap == 0)
        return MM_EINVAL;
    struct mm_defrag *d = calloc(1, sizeof(*d));
    int r = MM_ENOMEM;
    if (!d)
        goto out;
    d->cfg = *c;
    d->nbuckets = 16;
    while (d->nbuckets < c->max_datagrams && d->nbuckets < (1u << 24))
        d->nbuckets <<= 1;
    d->buckets = calloc(d->nbuckets, sizeof(*d->buckets));
    d->scratch = malloc(SCRATCH_MAX);
    if (!d->buckets || !d->scratch)
        goto out;
    *out = d;
    d = NULL;
    r = 0;
out:
    mm_defrag_free(d);
    return r;
}

/* The bucket of a datagram's key: SipHash under the process key, so a
 * sender cannot aim fragments at one chain (FNV from a random start, as
 * before, is no keyed hash). Buckets never decide output order. */
static uint32_t key_hash(const struct mm_defrag *d, const struct key *k)
{
    return (uint32_t)mm_siphash(&mm_process_key, k, sizeof(*k)) & (d->nbuckets - 1);
}

static void dgram_unlink(struct mm_defrag *d, struct dgram *g)
{
    struct dgram **pp = &d->buckets[g->bucket];
    while (*pp && *pp != g)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = g->hnext;
    if (g->prev)
        g->prev->next = g->next;
    else
        d->oldest = g->next;
    if (g->next)
        g->next->prev = g->prev;
    else
        d->newest = g->prev;
}

/* Removes g from the table and frees it with its fragments. */
static void dgram_drop(struct mm_defrag *d, struct dgram *g)
{
    dgram_unlink(d, g);
    for (unsigned i = 0; i < g->nfrags; i++)
        free(g->frags[i].data);
    free(g->hdr);
    d->memuse -= g->mem;
    d->count--;
    free(g);
}

void mm_defrag_on_give_up(struct mm_defrag *d, mm_defrag_give_up_fn fn, void *arg)
{
    d->give_up = fn;
    d->give_up_arg = arg;
}

/* The packet the give-up handler gets for a datagram of which p is the
 * first fragment (see defrag.h): p without its pointers (they die with the
 * capture buffer) and without a flow; an offset-0 fragment gets its
 * transport header decoded, as the decoder does with reassembly off. When
 * that header is too short or malformed (with reassembly off the fragment
 * would not decode at all), the witness is addresses only and, like a later
 * fragment, not a first_fragment ("transport header present", packet.h):
 * its zero flags and ports must not read as a NULL-scan probe of port 0. */
static void witness_of(const struct mm_packet *p, struct mm_packet *w)
{
    *w = *p;
    if (p->frag_offset == 0 && p->l3) {
        struct mm_packet t = *w;
        if (mm_decode_ip_proto(&t, p->ip_proto, p->l3 + p->frag_hlen, p->frag_len) == 0)
            *w = t;
        else
            w->first_fragment = false;
    }
    w->data = w->l3 = w->l4 = w->payload = NULL;
    w->l4_len = w->payload_len = 0;
    w->anomaly = MM_ANOM_NONE; /* a bad SYN option: the ports stand, the anomaly is not ours */
    w->anomaly_layer = w->anomaly_event = NULL;
    w->defrag = false;
    w->flow = NULL;
    w->home = NULL; /* the pipeline's home-net memo dies with its packet too */
    w->dir = 0;
}

static void show_witness(struct mm_defrag *d, const struct mm_packet *w)
{
    if (d->give_up)
        d->give_up(d->give_up_arg, w);
}

/* Drops g, which will never be reassembled: its witness goes to the
 * handler first (unless mm_defrag_end showed it already). */
static void dgram_give_up(struct mm_defrag *d, struct dgram *g)
{
    if (!g->shown)
        show_witness(d, &g->witness);
    dgram_drop(d, g);
}

void mm_defrag_free(struct mm_defrag *d)
{
    if (!d)
        return;
    while (d->oldest)
        dgram_drop(d, d->oldest);
    free(d->buckets);
    free(d->scratch);
    free(d);
}

void mm_defrag_expire(struct mm_defrag *d, int64_t clock)
{
    int64_t limit = (int64_t)d->cfg.timeout * USEC;
    while (d->oldest && clock - d->oldest->created >= limit) {
        d->st.timeouts++;
        dgram_give_up(d, d->oldest);
    }
}

void mm_defrag_end(struct mm_defrag *d)
{
    for (struct dgram *g = d ? d->oldest : NULL; g; g = g->next)
        if (!g->shown) {
            g->shown = true;
            show_witness(d, &g->witness);
        }
}

const struct mm_defrag_stats *mm_defrag_stats(const struct mm_defrag *d)
{
    return &d->st;
}

size_t mm_defrag_memuse(const struct mm_defrag *d)
{
    return d->memuse;
}

size_t mm_defrag_pending(const struct mm_defrag *d)
{
    return d->count;
}

static void key_of(const struct mm_packet *p, struct key *k)
{
    memset(k, 0, sizeof(*k)); /* padding too: keys are hashed and compared as bytes */
    k->src = p->src;
    k->dst = p->dst;
    k->id = p->frag_id;
    k->version = p->ip_version;
    k->proto = p->ip_version == 4 ? p->ip_proto : 0; /* IPv6: not part of the key */
    k->vlan_count = p->vlan_count > 2 ? 2 : p->vlan_count;
    for (unsigned i = 0; i < k->vlan_count; i++)
        k->vlan[i] = p->vlan[i];
    k->pppoe = p->pppoe;
    k->pppoe_session = p->pppoe ? p->pppoe_session : 0;
}

static struct dgram *dgram_find(struct mm_defrag *d, const struct key *k, uint32_t bucket)
{
    for (struct dgram *g = d->buckets[bucket]; g; g = g->hnext)
        if (memcmp(&g->key, k, sizeof(*k)) == 0)
            return g;
    return NULL;
}

/* Makes room for `need` more bytes by dropping the oldest datagrams other
 * than keep (may be NULL). False when even then the cap would be passed. */
static bool make_room(struct mm_defrag *d, const struct dgram *keep, size_t need)
{
    while (d->memuse + need > d->cfg.memcap) {
        struct dgram *victim = d->oldest;
        if (victim && victim == keep)
            victim = victim->next;
        if (!victim)
            return false;
        d->st.memcap_drops++;
        dgram_give_up(d, victim);
    }
    return true;
}

/* A new datagram, of which p is the first fragment, at the young end of
 * the age list; evicts the oldest when max_datagrams are pending. NULL when
 * out of memory. */
static struct dgram *dgram_new(struct mm_defrag *d, const struct key *k, uint32_t bucket,
                               const struct mm_packet *p, int64_t clock)
{
    while (d->count >= d->cfg.max_datagrams && d->oldest) {
        d->st.evicted++;
        dgram_give_up(d, d->oldest);
    }
    if (!make_room(d, NULL, sizeof(struct dgram)))
        return NULL;
    struct dgram *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->key = *k;
    g->bucket = bucket;
    g->created = clock;
    witness_of(p, &g->witness);
    g->mem = sizeof(*g);
    g->hnext = d->buckets[bucket];
    d->buckets[bucket] = g;
    g->prev = d->newest;
    if (d->newest)
        d->newest->next = g;
    else
        d->oldest = g;
    d->newest = g;
    d->count++;
    d->memuse += g->mem;
    return g;
}

/* ---- fragments ----------------------------------------------------------- */

/* The fragment indices of g sorted by start (insertion sort: at most 64). */
static void sorted_frags(const struct dgram *g, unsigned idx[MM_DEFRAG_MAX_FRAGS])
{
    for (unsigned i = 0; i < g->nfrags; i++) {
        unsigned j = i;
        while (j > 0 && g->frags[idx[j - 1]].start > g->frags[i].start) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
}

/* True when the held fragments cover every byte of [from, to). */
static bool covered(const struct dgram *g, uint32_t from, uint32_t to)
{
    unsigned idx[MM_DEFRAG_MAX_FRAGS];
    sorted_frags(g, idx);
    uint32_t reach = from;
    for (unsigned i = 0; i < g->nfrags && reach < to; i++) {
        const struct frag *f = &g->frags[idx[i]];
        if (f->end <= reach)
            continue;
        if (f->start > reach)
            break;
        reach = f->end;
    }
    return reach >= to;
}

/* True when some held fragment overlaps [start, end) with different bytes. */
static bool overlap_differs(const struct dgram *g, uint32_t start, uint32_t end,
                            const uint8_t *data)
{
    for (unsigned i = 0; i < g->nfrags; i++) {
        const struct frag *f = &g->frags[i];
        uint32_t lo = f->start > start ? f->start : start;
        uint32_t hi = f->end < end ? f->end : end;
        if (lo < hi && memcmp(f->data + (lo - f->start), data + (lo - start), hi - lo) != 0)
            return true;
    }
    return false;
}

static void add_named_anomaly(struct mm_defrag_result *res, const char *event, const char *layer)
{
    if (res->nanomaly < 2) {
        res->anomaly[res->nanomaly] = event;
        res->layer[res->nanomaly++] = layer;
    }
}

static void add_anomaly(struct mm_defrag_result *res, const struct mm_packet *p, const char *v4,
                        const char *v6)
{
    if (p->ip_version == 4)
        add_named_anomaly(res, v4, "ipv4");
    else
        add_named_anomaly(res, v6, "ipv6");
}

/* Keeps the unfragmentable part of the offset-0 fragment (first one wins). */
static int keep_header(struct mm_defrag *d, struct dgram *g, const struct mm_packet *p)
{
    uint32_t n = p->ip_version == 4 ? p->frag_hlen : p->frag_hlen - 8;
    if (g->hdr || p->frag_offset != 0)
        return 0;
    if (n > UNFRAG_MAX || (p->ip_version == 6 && (n < 40 || p->frag_nh_pos >= n)))
        return MM_ERANGE;
    if (!make_room(d, g, n + ALLOC_COST))
        return MM_ENOMEM;
    if (!(g->hdr = malloc(n)))
        return MM_ENOMEM;
    memcpy(g->hdr, p->l3, n);
    g->hdr_len = n;
    g->nh_pos = p->frag_nh_pos;
    g->next_proto = p->ip_proto;
    g->mem += n + ALLOC_COST;
    d->memuse += n + ALLOC_COST;
    return 0;
}

/* Stores a copy of the fragment's bytes [start, end). */
static int keep_data(struct mm_defrag *d, struct dgram *g, uint32_t start, uint32_t end,
                     const uint8_t *data)
{
    size_t n = end - start;
    if (g->nfrags >= MM_DEFRAG_MAX_FRAGS)
        return MM_ELIMIT;
    if (!make_room(d, g, n + ALLOC_COST))
        return MM_ENOMEM;
    uint8_t *copy = malloc(n);
    if (!copy)
        return MM_ENOMEM;
    memcpy(copy, data, n);
    g->frags[g->nfrags++] = (struct frag){.start = start, .end = end, .data = copy};
    g->mem += n + ALLOC_COST;
    d->memuse += n + ALLOC_COST;
    return 0;
}

/* The end the last fragment announced disagrees with what is held: a
 * second "last" fragment elsewhere, or data past the end. */
static bool end_conflicts(const struct dgram *g, const struct mm_packet *p, uint32_t end)
{
    if (g->have_last)
        return end > g->total || (!p->frag_more && end != g->total);
    if (p->frag_more)
        return false;
    for (unsigned i = 0; i < g->nfrags; i++)
        if (g->frags[i].end > end)
            return true;
    return false;
}

/* The IPv6 header of a packet rebuilt without its fragment header: payload
 * length, and the next-header byte that named the fragment header now names
 * what followed it. */
static void fix_ipv6_header(uint8_t *b, uint32_t len, uint32_t nh_pos, uint8_t next_proto)
{
    uint32_t plen = len - 40;
    b[4] = (uint8_t)(plen >> 8);
    b[5] = (uint8_t)plen;
    b[nh_pos] = next_proto;
}

/* Writes the whole datagram into the scratch buffer; the length, or 0 when
 * it would pass the IP limits. Overlaps left here hold the same bytes
 * (different ones dropped the datagram); later arrivals are written first. */
static uint32_t rebuild(struct mm_defrag *d, const struct dgram *g)
{
    uint32_t len = g->hdr_len + g->total;
    uint8_t *b = d->scratch;
    if (g->key.version == 4 ? len > IP_MAX : len - 40 > IP_MAX)
        return 0;
    memcpy(b, g->hdr, g->hdr_len);
    for (unsigned i = g->nfrags; i-- > 0;) {
        const struct frag *f = &g->frags[i];
        if (f->start < g->total) {
            uint32_t end = f->end < g->total ? f->end : g->total;
            memcpy(b + g->hdr_len + f->start, f->data, end - f->start);
        }
    }
    if (g->key.version == 4) {
        b[2] = (uint8_t)(len >> 8);
        b[3] = (uint8_t)len;
        b[6] &= 0x40; /* keep DF; MF and the offset are gone */
        b[7] = 0;
        b[10] = b[11] = 0; /* the checksum no longer holds; nothing reads it */
    } else {
        fix_ipv6_header(b, len, g->nh_pos, g->next_proto);
    }
    return len;
}

/* An IPv6 atomic fragment (offset 0, M clear) is a whole datagram: RFC 6946
 * has it processed at once, never mixed with pending fragments of the same
 * id (a decoy sent first must not change what is inspected). Rebuilt
 * without its fragment header; the length, or 0 for an impossible layout. */
static uint32_t atomic_fragment(struct mm_defrag *d, const struct mm_packet *p)
{
    uint32_t n = p->frag_hlen - 8, len = n + p->frag_len;
    if (p->frag_hlen < 48 || p->frag_nh_pos >= n || len - 40 > IP_MAX)
        return 0;
    memcpy(d->scratch, p->l3, n);
    memcpy(d->scratch + n, p->l3 + p->frag_hlen, p->frag_len);
    fix_ipv6_header(d->scratch, len, p->frag_nh_pos, p->ip_proto);
    return len;
}

/* The data length of a fragment as the host keeps it. A non-last fragment
 * must carry a multiple of 8 bytes: Linux trims an IPv4 one to the multiple
 * and drops the whole IPv6 datagram (RFC 8200), so the table does the same
 * and never inspects bytes the host threw away. MM_EPARSE for IPv6. */
static int kept_length(const struct mm_packet *p, uint32_t *len)
{
    *len = p->frag_len;
    if (!p->frag_more || p->frag_len % 8 == 0)
        return 0;
    if (p->ip_version == 6)
        return MM_EPARSE;
    *len = p->frag_len & ~7u;
    return 0;
}

/* ---- the entry points ---------------------------------------------------- */

/* Adds fragment p to g. Returns 1 when g is complete, 0 when held, or a
 * negative reason to drop g (MM_ERANGE: too large; MM_ELIMIT: too many
 * fragments; MM_ENOMEM: over the memory cap; MM_EPARSE: an IPv6 fragment
 * of a bad length; MM_EEXIST: bytes or the end given twice, differently). */
static int add_fragment(struct mm_defrag *d, struct dgram *g, const struct mm_packet *p,
                        struct mm_defrag_result *res)
{
    uint32_t flen;
    int r = kept_length(p, &flen);
    if (r != 0)
        return r;
    uint32_t start = p->frag_offset, end = start + flen; /* both <= 65535 + 65528 */
    const uint8_t *data = p->l3 + p->frag_hlen;
    if (end > IP_MAX || (p->ip_version == 4 && p->frag_hlen + end > IP_MAX))
        return MM_ERANGE;
    if (end_conflicts(g, p, end) || overlap_differs(g, start, end, data)) {
        /* Two versions of some bytes, or of the end: the hosts drop the
         * datagram (Linux since 4.19; RFC 5722 for IPv6), so neither version
         * is inspected as if it were what they received. */
        d->st.overlaps++;
        add_anomaly(res, p, "ipv4.frag_overlap", "ipv6.frag_overlap");
        return MM_EEXIST;
    }
    if ((r = keep_header(d, g, p)) != 0)
        return r;
    if (start < end && !covered(g, start, end) && (r = keep_data(d, g, start, end, data)) != 0)
        return r;
    if (!p->frag_more) {
        g->have_last = true;
        g->total = end;
    }
    return g->have_last && g->hdr && covered(g, 0, g->total) ? 1 : 0;
}

/* The decoded form of the rebuilt packet buf[0..len): link-layer fields,
 * time stamp and packet number from the fragment that completed it, the
 * rest from decoding buf as IPv4/IPv6 with reassembly on, so a fragment
 * header inside it stops decoding and marks it a fragment. */
static int decode_rebuilt(const struct mm_packet *frag, const uint8_t *buf, uint32_t len,
                          struct mm_packet *out)
{
    memset(out, 0, sizeof(*out));
    out->data = buf;
    out->caplen = out->len = len;
    out->ts = frag->ts;
    out->num = frag->num;
    out->linktype = frag->linktype;
    out->has_eth = frag->has_eth;
    memcpy(out->src_mac, frag->src_mac, sizeof(out->src_mac));
    memcpy(out->dst_mac, frag->dst_mac, sizeof(out->dst_mac));
    memcpy(out->vlan, frag->vlan, sizeof(out->vlan));
    out->vlan_count = frag->vlan_count;
    out->pppoe = frag->pppoe;
    out->pppoe_session = frag->pppoe_session;
    out->ppp_proto = frag->ppp_proto;
    out->defrag = true;
    int r = mm_decode_ethertype(out, frag->ip_version == 4 ? 0x0800 : 0x86dd, buf, len);
    out->defrag = false;
    return r;
}

/* Decodes the rebuilt packet in the scratch buffer into *out. 1: it is
 * handed on (reassembled); 0: the hosts would drop it, so it is dropped
 * here too (counted as invalid, with an anomaly): it does not decode, or it
 * holds another fragment header (nested IPv6 fragmentation: Linux refuses a
 * fragment header in a packet already reassembled, whatever its offset). */
static int hand_on(struct mm_defrag *d, const struct mm_packet *frag, uint32_t len,
                   struct mm_defrag_result *res, struct mm_packet *out)
{
    int r = decode_rebuilt(frag, d->scratch, len, out);
    if (r == 0 && !out->fragment) {
        d->st.reassembled++;
        return 1;
    }
    d->st.invalid++;
    if (r != 0)
        add_named_anomaly(res, out->anomaly_event ? out->anomaly_event : "invalid",
                          out->anomaly_layer ? out->anomaly_layer : "decoder");
    else
        add_named_anomaly(res, "ipv6.exthdr_dupl_fh", "ipv6");
    return 0;
}

/* p completed g: rebuilt, dropped from the table and decoded; see hand_on. */
static int complete(struct mm_defrag *d, struct dgram *g, const struct mm_packet *p,
                    struct mm_defrag_result *res, struct mm_packet *out)
{
    uint32_t len = rebuild(d, g);
    if (!len) {
        d->st.too_large++;
        add_anomaly(res, p, "ipv4.frag_too_large", "ipv6.frag_too_large");
        dgram_give_up(d, g);
        return 0;
    }
    struct mm_packet witness = g->witness;
    bool shown = g->shown;
    dgram_drop(d, g);
    int r = hand_on(d, p, len, res, out);
    if (r == 0 && !shown)
        show_witness(d, &witness);
    return r;
}

/* An IPv6 atomic fragment: rebuilt and decoded at once (see atomic_fragment). */
static int atomic(struct mm_defrag *d, const struct mm_packet *p, struct mm_defrag_result *res,
                  struct mm_packet *out)
{
    uint32_t len = atomic_fragment(d, p);
    int r = 0;
    if (len)
        r = hand_on(d, p, len, res, out);
    else
        d->st.invalid++;
    if (r == 0) {
        struct mm_packet witness;
        witness_of(p, &witness);
        show_witness(d, &witness);
    }
    return r;
}

/* Counts why g is dropped (r from add_fragment), with the anomaly. */
static void count_drop(struct mm_defrag *d, const struct mm_packet *p, int r,
                       struct mm_defrag_result *res)
{
    if (r == MM_ERANGE) {
        d->st.too_large++;
        add_anomaly(res, p, "ipv4.frag_too_large", "ipv6.frag_too_large");
    } else if (r == MM_ELIMIT) {
        d->st.max_frags++;
    } else if (r == MM_EPARSE) {
        d->st.invalid++;
        add_anomaly(res, p, "ipv4.frag_invalid_length", "ipv6.frag_invalid_length");
    } else if (r == MM_EEXIST) {
        /* an overlap: counted and reported in add_fragment */
    } else {
        d->st.memcap_drops++;
    }
}

int mm_defrag_packet(struct mm_defrag *d, const struct mm_packet *p, int64_t clock,
                     struct mm_defrag_result *res, struct mm_packet *out)
{
    memset(res, 0, sizeof(*res));
    if (!p->fragment || !p->l3 || (p->ip_version != 4 && p->ip_version != 6))
        return MM_EINVAL;
    if (p->ip_version == 6 && p->frag_offset == 0 && !p->frag_more)
        return atomic(d, p, res, out);
    struct key k;
    key_of(p, &k);
    uint32_t bucket = key_hash(d, &k);
    struct dgram *g = dgram_find(d, &k, bucket);
    if (!g && !(g = dgram_new(d, &k, bucket, p, clock))) {
        struct mm_packet witness; /* not even held: given up at once */
        d->st.memcap_drops++;
        witness_of(p, &witness);
        show_witness(d, &witness);
        return 0;
    }
    if (p->frag_offset == 0 && g->witness.frag_offset != 0)
        witness_of(p, &g->witness); /* the first fragment proper: with its ports */
    int r = add_fragment(d, g, p, res);
    if (r == 1)
        return complete(d, g, p, res, out);
    if (r < 0) {
        count_drop(d, p, r, res);
        dgram_give_up(d, g);
    }
    return 0;
}
