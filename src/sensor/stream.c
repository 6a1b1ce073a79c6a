/* SPDX-License-Identifier: Apache-2.0
 * TCP stream reassembly, per flow direction, in arrival order: enough to
 * hand an application decoder a TLS ClientHello or an HTTP request split
 * over several segments. Policy (docs/design/sensor.md):
 *  - the first copy of a byte wins; retransmitted and overlapping bytes are
 *    dropped;
 *  - segments ahead of the expected sequence are held, sorted, up to
 *    stream_ooo bytes and MM_STREAM_OOO_SEGS_MAX segments per direction (so
 *    1-byte segments cannot make insertion cost quadratic), and spliced in
 *    when the hole fills; a tail pointer makes in-order arrivals O(1);
 *  - unconsumed in-order bytes are capped at stream_depth per direction, and
 *    all buffers together at stream_memcap; reaching a cap (or an
 *    unfillable hole) marks a gap: buffers are freed and the decoder of that
 *    direction stops;
 *  - mm_stream_packet_view does not copy an in-order segment when nothing
 *    is waiting and the direction has no buffer yet: dir->buf points into
 *    the packet (buf_cap 0 marks such a borrowed view) until the decoder has
 *    consumed it, and mm_stream_keep copies what it left before the packet
 *    goes away. Most decoders take a whole message per segment, so most
 *    flows never allocate a buffer. */
#include <stdlib.h>
#include <string.h>

#include "sensor/flow-int.h"

#define TCP_SYN    0x02
#define OOO_WINDOW (1u << 20) /* a segment further ahead than this is a gap */

/* Held segments per direction; one more marks a gap. */
#define MM_STREAM_OOO_SEGS_MAX 256

static void free_ooo(struct mm_flow_table *t, struct mm_flow_dir *d)
{
    while (d->ooo) {
        struct mm_stream_seg *s = d->ooo;
        d->ooo = s->next;
        t->stream_mem -= sizeof(*s) + s->len;
        free(s);
    }
    d->ooo_tail = NULL;
    d->ooo_bytes = 0;
    d->ooo_count = 0;
}

void mm_stream_release(struct mm_flow_table *t, struct mm_flow *f, int dir)
{
    struct mm_flow_dir *d = &f->dir[dir];
    free_ooo(t, d);
    t->stream_mem -= d->buf_cap;
    if (d->buf_cap) /* else NULL or a view into a packet */
        free(d->buf);
    d->buf = NULL;
    d->buf_len = d->buf_cap = 0;
}

size_t mm_stream_memuse(const struct mm_flow_table *t)
{
    return t->stream_mem;
}

static void mark_gap(struct mm_flow_table *t, struct mm_flow *f, int dir)
{
    f->dir[dir].gap = true;
    t->st.stream_gaps++;
    mm_stream_release(t, f, dir);
}

/* The buffer size for need bytes (need <= stream_depth): doubling from
 * 2048, at most stream_depth; 0 when the memory cap forbids growing to it. */
static uint32_t grown_cap(struct mm_flow_table *t, const struct mm_flow_dir *d, uint32_t need)
{
    uint32_t cap = d->buf_cap ? d->buf_cap : 2048;
    while (cap < need)
        cap *= 2;
    if (cap > t->cfg.stream_depth)
        cap = t->cfg.stream_depth;
    if (t->stream_mem + (cap - d->buf_cap) > t->cfg.stream_memcap) {
        t->st.stream_memcap_hits++;
        return 0;
    }
    return cap;
}

/* Appends bytes to the in-order buffer; false when a cap is reached. */
static bool buf_append(struct mm_flow_table *t, struct mm_flow_dir *d, const uint8_t *data,
                       uint32_t len)
{
    if ((uint64_t)d->buf_len + len > t->cfg.stream_depth)
        return false;
    uint32_t need = d->buf_len + len;
    if (need > d->buf_cap) {
        uint32_t cap = grown_cap(t, d, need);
        if (!cap)
            return false;
        uint8_t *nb = realloc(d->buf, cap);
        if (!nb)
            return false;
        t->stream_mem += cap - d->buf_cap;
        d->buf = nb;
        d->buf_cap = cap;
    }
    memcpy(d->buf + d->buf_len, data, len);
    d->buf_len += len;
    return true;
}

/* Where a segment starting at seq goes in the sorted held list: after the
 * tail when it is the furthest ahead (the usual case), else found by a walk
 * bounded by MM_STREAM_OOO_SEGS_MAX. */
static struct mm_stream_seg **insert_point(struct mm_flow_dir *d, uint32_t seq)
{
    if (d->ooo_tail && (int32_t)(d->ooo_tail->seq - seq) < 0)
        return &d->ooo_tail->next;
    struct mm_stream_seg **pp = &d->ooo;
    while (*pp && (int32_t)((*pp)->seq - seq) < 0)
        pp = &(*pp)->next;
    return pp;
}

/* Keeps a segment that arrived ahead of the hole; false when over a cap. */
static bool hold_segment(struct mm_flow_table *t, struct mm_flow_dir *d, uint32_t seq,
                         const uint8_t *data, uint32_t len)
{
    if (d->ooo_bytes + len > t->cfg.stream_ooo || d->ooo_count >= MM_STREAM_OOO_SEGS_MAX ||
        t->stream_mem + sizeof(struct mm_stream_seg) + len > t->cfg.stream_memcap)
        return false;
    struct mm_stream_seg **pp = insert_point(d, seq);
    if (*pp && (*pp)->seq == seq && (*pp)->len >= len)
        return true; /* duplicate of a held segment */
    struct mm_stream_seg *s = malloc(sizeof(*s) + len);
    if (!s)
        return false;
    s->seq = seq;
    s->len = len;
    memcpy(s->data, data, len);
    s->next = *pp;
    *pp = s;
    if (!s->next)
        d->ooo_tail = s;
    d->ooo_bytes += len;
    d->ooo_count++;
    t->stream_mem += sizeof(*s) + len;
    t->st.stream_ooo_segments++;
    return true;
}

/* Appends the in-order part of [seq, seq+len) at next_seq; false on a cap. */
static bool take_in_order(struct mm_flow_table *t, struct mm_flow_dir *d, uint32_t seq,
                          const uint8_t *data, uint32_t len)
{
    uint32_t skip = d->next_seq - seq; /* caller ensures seq <= next_seq */
    if (skip >= len)
        return true;
    if (!buf_append(t, d, data + skip, len - skip))
        return false;
    d->next_seq += len - skip;
    return true;
}

/* Splices held segments that the new data has reached. */
static bool drain_ooo(struct mm_flow_table *t, struct mm_flow_dir *d)
{
    while (d->ooo && (int32_t)(d->ooo->seq - d->next_seq) <= 0) {
        struct mm_stream_seg *s = d->ooo;
        d->ooo = s->next;
        if (!d->ooo)
            d->ooo_tail = NULL;
        d->ooo_bytes -= s->len;
        d->ooo_count--;
        t->stream_mem -= sizeof(*s) + s->len;
        bool ok = take_in_order(t, d, s->seq, s->data, s->len);
        free(s);
        if (!ok)
            return false;
    }
    return true;
}

/* A view of len in-order bytes at data instead of a copy, when nothing is
 * waiting or held and the direction has no buffer; the caps are checked as
 * for the copy. Returns 1 when viewed, 0 when a cap is reached, -1 (the
 * direction untouched) when the bytes must be copied. */
static int view_in_order(struct mm_flow_table *t, struct mm_flow_dir *d, const uint8_t *data,
                         uint32_t len)
{
    if (d->buf_cap || d->buf_len || d->ooo)
        return -1;
    if (len > t->cfg.stream_depth || !grown_cap(t, d, len))
        return 0;
    d->buf = (uint8_t *)data; /* read only: consume moves the start, keep copies */
    d->buf_len = len;
    d->next_seq += len;
    return 1;
}

static void stream_packet(struct mm_flow_table *t, struct mm_flow *f, const struct mm_packet *p,
                          bool buffer, bool view)
{
    int dir = p->dir;
    struct mm_flow_dir *d = &f->dir[dir];
    if (p->tcp_flags & TCP_SYN) {
        d->next_seq = p->tcp_seq + 1;
        d->seq_known = true;
        return;
    }
    uint32_t len = p->payload_len, seq = p->tcp_seq;
    if (len == 0)
        return;
    if (!d->seq_known) {
        d->next_seq = seq;
        d->seq_known = true;
    }
    int32_t rel = (int32_t)(seq - d->next_seq);
    uint32_t behind = d->next_seq - seq; /* bytes already seen, when rel < 0 */
    if (!buffer || d->gap) {
        if (rel > 0 || behind < len)
            d->next_seq = seq + len;
        return;
    }
    if (rel < 0 && behind >= len) {
        t->st.stream_retransmits++;
        return;
    }
    if (rel > 0) {
        if ((uint32_t)rel > OOO_WINDOW || !hold_segment(t, d, seq, p->payload, len))
            mark_gap(t, f, dir);
        return;
    }
    if (view) {
        int r = view_in_order(t, d, p->payload + behind, len - behind); /* rel <= 0 here */
        if (r == 0)
            mark_gap(t, f, dir);
        if (r >= 0)
            return;
    }
    if (!take_in_order(t, d, seq, p->payload, len) || !drain_ooo(t, d))
        mark_gap(t, f, dir);
}

void mm_stream_packet(struct mm_flow_table *t, struct mm_flow *f, const struct mm_packet *p,
                      bool buffer)
{
    stream_packet(t, f, p, buffer, false);
}

void mm_stream_packet_view(struct mm_flow_table *t, struct mm_flow *f, const struct mm_packet *p,
                           bool buffer)
{
    stream_packet(t, f, p, buffer, true);
}

void mm_stream_keep(struct mm_flow_table *t, struct mm_flow *f, int dir)
{
    struct mm_flow_dir *d = &f->dir[dir];
    if (d->buf_cap || !d->buf)
        return; /* an own buffer, or nothing */
    const uint8_t *left = d->buf;
    uint32_t n = d->buf_len;
    d->buf = NULL;
    d->buf_len = 0;
    if (n && !buf_append(t, d, left, n))
        mark_gap(t, f, dir);
}

void mm_stream_consume(struct mm_flow_table *t, struct mm_flow *f, int dir, uint32_t n)
{
    (void)t;
    struct mm_flow_dir *d = &f->dir[dir];
    if (n >= d->buf_len) {
        d->buf_len = 0;
        if (!d->buf_cap)
            d->buf = NULL; /* a view ends here */
        return;
    }
    if (!d->buf_cap) { /* a view: its start moves */
        d->buf += n;
        d->buf_len -= n;
        return;
    }
    memmove(d->buf, d->buf + n, d->buf_len - n);
    d->buf_len -= n;
}
