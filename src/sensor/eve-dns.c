/* SPDX-License-Identifier: Apache-2.0
 * DNS events without a jansson object (eve-dns.h). On the bench slice the
 * DNS decoder spent about 69 M instructions building, serialising and
 * freeing the "dns" object of events whose readers (the intel and
 * suspicious-DNS detectors) read only the decoder's facts. Here the
 * message is parsed into a typed event, in the order and under the limits
 * of decode-dns.c's parse_message (the same name decoder, the same text
 * forms, the same sections cut short at the same place), the facts are
 * taken from it, and the line is written member by member through the EVE
 * writer's own string and integer writers, "grouped" made from the
 * answers when written. tests/unit/sensor/test-eve-dns.c holds the lines
 * and facts to the JSON path's. An mDNS message (decode-mdns.c) is the
 * same event with its additionals; its line leaves out "version" and
 * "grouped" and ends in "hostnames" (test-eve-mdns.c). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/net.h"
#include "core/str.h"
#include "sensor/decode/app-util.h"
#include "sensor/eve-app.h"
#include "sensor/eve-dns.h"

#define DNS_HDR_LEN 12
#define TXT_ROOM    (MM_DNS_NAME_TEXT_MAX * 4) /* decode-dns.c's TXT buffer */

/* ---- the arena: the event's texts, one after the other ------------------------------ */

static _Thread_local struct {
    char *p;
    size_t len, cap;
} arena;

static _Thread_local struct mm__dns_event event;

struct mm__dns_event *mm__dns_event_get(void)
{
    return &event;
}

void mm__dns_event_release(void)
{
    free(arena.p);
    arena.p = NULL;
    arena.len = arena.cap = 0;
}

/* Room for n more bytes at the arena's end; NULL on ENOMEM. */
static char *room(size_t n)
{
    if (arena.cap - arena.len < n) {
        size_t cap = arena.cap ? arena.cap : 16384;
        while (cap - arena.len < n)
            cap *= 2;
        char *p = realloc(arena.p, cap);
        if (!p)
            return NULL;
        arena.p = p;
        arena.cap = cap;
    }
    return arena.p + arena.len;
}

/* Keeps the n bytes just written at the end as a text, NUL-terminated
 * (the facts' texts are C strings; every writer here reserved room for
 * the NUL). */
static struct mm__dns_text keep(size_t n)
{
    struct mm__dns_text t = {(uint32_t)arena.len, (uint32_t)n};
    arena.p[arena.len + n] = '\0';
    arena.len += n + 1;
    return t;
}

/* The name at msg[off] (bounded by len) as decode-dns.c's mm__dns_name_text
 * gives it, written at the arena's end, not yet kept (*n bytes). */
static int name_at(const uint8_t *msg, size_t len, size_t off, size_t *next, size_t *n)
{
    char *out = room(MM_DNS_NAME_TEXT_MAX);
    if (!out)
        return MM_ENOMEM;
    return mm__dns_name_text(msg, len, off, out, MM_DNS_NAME_TEXT_MAX, next, n);
}

/* ---- the parse ------------------------------------------------------------------------------ */

/* A question's or record's owner name and the offset of its fixed fields
 * (fixed bytes of them must follow), as decode-dns.c's entry_head. */
static int entry_head(const uint8_t *msg, size_t len, size_t off, size_t fixed, size_t *namelen,
                      size_t *fields)
{
    int r = name_at(msg, len, off, fields, namelen);
    if (r != 0)
        return r;
    return *fields + fixed > len ? MM_ETRUNC : 0;
}

static int parse_queries(struct mm__dns_event *e, const uint8_t *msg, size_t len, size_t *off,
                         unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        size_t next, namelen;
        int r = entry_head(msg, len, *off, 4, &namelen, &next);
        if (r != 0)
            return r;
        *off = next + 4;
        if (i >= MM_DNS_MAX_QUERIES)
            continue;
        struct mm__dns_query *q = &e->q[e->nq++];
        q->name = keep(namelen);
        q->type = mm__rd16(msg + next);
    }
    return 0;
}

/* A name in the rdata msg[at..end) as the record's text; false when it
 * does not decode (no rdata). */
static int rdata_name(struct mm__dns_rr *rr, const uint8_t *msg, size_t at, size_t end, bool *ok)
{
    size_t next, n;
    int r = name_at(msg, end, at, &next, &n);
    *ok = r == 0;
    if (r == MM_ENOMEM)
        return r;
    if (r == 0)
        rr->rdata = keep(n);
    return 0;
}

static int rdata_address(struct mm__dns_rr *rr, const uint8_t *d, size_t n)
{
    char *out = room(MM_ADDR_STRLEN);
    if (!out)
        return MM_ENOMEM;
    rr->rdata = keep(n == 4 ? mm_ipv4_text(d, out) : mm_ipv6_text(d, out));
    memcpy(rr->addr, d, n);
    rr->form = MM__DNS_RDATA_TEXT;
    return 0;
}

/* TXT: the character strings' texts one after the other, as decode-dns.c
 * writes them into its TXT_ROOM buffer. */
static int rdata_txt(struct mm__dns_rr *rr, const uint8_t *d, size_t rdlen)
{
    char *txt = room(TXT_ROOM);
    size_t o = 0, i = 0;
    if (!txt)
        return MM_ENOMEM;
    txt[0] = '\0';
    while (i < rdlen) {
        size_t n = d[i];
        if (i + 1 + n > rdlen)
            break;
        o += mm__app_text(d + i + 1, n, txt + o, TXT_ROOM - o);
        i += 1 + n;
    }
    rr->rdata = keep(o);
    rr->form = MM__DNS_RDATA_TEXT;
    return 0;
}

static int rdata_srv(struct mm__dns_rr *rr, const uint8_t *msg, size_t rd, size_t rdlen)
{
    bool ok;
    if (rdlen <= 6)
        return 0;
    int r = rdata_name(rr, msg, rd + 6, rd + rdlen, &ok);
    if (r == 0 && ok) {
        rr->form = MM__DNS_RDATA_SRV;
        for (int i = 0; i < 3; i++)
            rr->num[i] = mm__rd16(msg + rd + 2 * i);
    }
    return r;
}

static int rdata_soa(struct mm__dns_rr *rr, const uint8_t *msg, size_t rd, size_t rdlen)
{
    size_t next, n2, mlen, rlen, start = arena.len, end = rd + rdlen;
    int r = name_at(msg, end, rd, &next, &mlen);
    if (r != 0)
        return r == MM_ENOMEM ? r : 0;
    rr->rdata = keep(mlen);
    r = name_at(msg, end, next, &n2, &rlen);
    if (r != 0 || n2 + 20 > end) {
        arena.len = start;
        return r == MM_ENOMEM ? r : 0;
    }
    rr->rname = keep(rlen);
    for (int i = 0; i < 5; i++)
        rr->num[i] = mm__rd32(msg + n2 + 4 * i);
    rr->form = MM__DNS_RDATA_SOA;
    return 0;
}

/* The rdata of one record, as decode-dns.c's add_rdata forms it. */
static int parse_rdata(struct mm__dns_rr *rr, const uint8_t *msg, size_t rd, size_t rdlen)
{
    bool ok;
    int r = 0;
    rr->form = MM__DNS_RDATA_NONE;
    switch (rr->type) {
    case 1:
    case 28:
        if ((rr->type == 1 && rdlen == 4) || (rr->type == 28 && rdlen == 16))
            r = rdata_address(rr, msg + rd, rdlen);
        break;
    case 2:
    case 5:
    case 12:
    case 39:
        r = rdata_name(rr, msg, rd, rd + rdlen, &ok);
        rr->form = r == 0 && ok ? MM__DNS_RDATA_TEXT : MM__DNS_RDATA_NONE;
        break;
    case 15:
        if (rdlen > 2) {
            r = rdata_name(rr, msg, rd + 2, rd + rdlen, &ok);
            rr->form = r == 0 && ok ? MM__DNS_RDATA_TEXT : MM__DNS_RDATA_NONE;
        }
        break;
    case 16:
        r = rdata_txt(rr, msg + rd, rdlen);
        break;
    case 33:
        r = rdata_srv(rr, msg, rd, rdlen);
        break;
    case 6:
        r = rdata_soa(rr, msg, rd, rdlen);
        break;
    default:
        break;
    }
    return r;
}

/* The records of one section into rr[] (*n of them), as decode-dns.c's
 * parse_records: at most MM_DNS_MAX_RECORDS, OPT left out. */
static int parse_records(struct mm__dns_rr *rrs, unsigned *nrr, const uint8_t *msg, size_t len,
                         size_t *off, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        size_t next, namelen;
        int r = entry_head(msg, len, *off, 10, &namelen, &next);
        if (r != 0)
            return r;
        uint16_t type = mm__rd16(msg + next), rdlen = mm__rd16(msg + next + 8);
        size_t rd = next + 10;
        if (rd + rdlen > len)
            return MM_ETRUNC;
        *off = rd + rdlen;
        if (i >= MM_DNS_MAX_RECORDS || type == 41)
            continue;
        struct mm__dns_rr *rr = &rrs[*nrr];
        rr->name = keep(namelen);
        rr->rdata = rr->rname = (struct mm__dns_text){0, 0};
        rr->type = type;
        rr->ttl = mm__rd32(msg + next + 4);
        if ((r = parse_rdata(rr, msg, rd, rdlen)) != 0)
            return r;
        (*nrr)++;
    }
    return 0;
}

static int parse_message(struct mm__dns_event *e, const uint8_t *msg, size_t len, bool additionals)
{
    size_t off = DNS_HDR_LEN;
    unsigned qd = mm__rd16(msg + 4), an = mm__rd16(msg + 6), ns = mm__rd16(msg + 8);
    int r;
    e->id = mm__rd16(msg);
    e->flags = mm__rd16(msg + 2);
    if ((r = parse_queries(e, msg, len, &off, qd)) != 0)
        return r;
    if (!(e->flags & 0x8000) && an == 0 && ns == 0)
        return 0; /* a plain query: additionals hold only EDNS */
    if ((r = parse_records(e->an, &e->nan, msg, len, &off, an)) != 0)
        return r;
    if ((r = parse_records(e->ns, &e->nns, msg, len, &off, ns)) != 0 || !additionals)
        return r;
    return parse_records(e->ar, &e->nar, msg, len, &off, mm__rd16(msg + 10));
}

/* A message of event type into e (with its additionals for mDNS). */
static int event_fill(struct mm__dns_event *e, const struct mm_app_ctx *ctx, const char *type,
                      const uint8_t *msg, size_t len, bool additionals)
{
    arena.len = 0;
    e->nq = e->nan = e->nns = e->nar = 0;
    if (len < DNS_HDR_LEN)
        return MM_ETRUNC;
    mm_app_header(ctx, type, &e->h);
    return parse_message(e, msg, len, additionals);
}

int mm__dns_event_fill(struct mm__dns_event *e, const struct mm_app_ctx *ctx, const uint8_t *msg,
                       size_t len)
{
    return event_fill(e, ctx, "dns", msg, len, false);
}

int mm__mdns_event_fill(struct mm__dns_event *e, const struct mm_app_ctx *ctx, const uint8_t *msg,
                        size_t len)
{
    return event_fill(e, ctx, "mdns", msg, len, true);
}

void mm__dns_event_facts(const struct mm__dns_event *e, struct mm__dns_facts *f)
{
    f->response = e->flags & 0x8000;
    f->rcode = (uint8_t)(e->flags & 0xF);
    f->nqueries = e->nq;
    for (unsigned i = 0; i < e->nq; i++) {
        f->qname[i] = arena.p + e->q[i].name.at;
        f->qlen[i] = e->q[i].name.n;
    }
    f->naddrs = 0;
    for (unsigned i = 0; i < e->nan; i++) {
        const struct mm__dns_rr *rr = &e->an[i];
        if ((rr->type != 1 && rr->type != 28) || rr->form != MM__DNS_RDATA_TEXT)
            continue;
        struct mm__dns_answer *a = &f->addrs[f->naddrs++];
        if (rr->type == 1)
            mm_addr_from_v4(rr->addr, &a->addr);
        else
            mm_addr_from_v6(rr->addr, &a->addr);
        a->rrname = arena.p + rr->name.at;
    }
}

/* The A/AAAA records with rdata of rrs[0..n) into the mDNS facts. */
static void note_addresses(struct mm__mdns_facts *f, const struct mm__dns_rr *rrs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const struct mm__dns_rr *rr = &rrs[i];
        if ((rr->type != 1 && rr->type != 28) || rr->form != MM__DNS_RDATA_TEXT)
            continue;
        struct mm__dns_answer *a = &f->addrs[f->naddrs++];
        if (rr->type == 1)
            mm_addr_from_v4(rr->addr, &a->addr);
        else
            mm_addr_from_v6(rr->addr, &a->addr);
        a->rrname = arena.p + rr->name.at;
    }
}

void mm__mdns_event_facts(const struct mm__dns_event *e, struct mm__mdns_facts *f)
{
    f->naddrs = 0;
    note_addresses(f, e->an, e->nan);
    note_addresses(f, e->ns, e->nns);
    note_addresses(f, e->ar, e->nar);
}

/* ---- the line ------------------------------------------------------------------------------ */

#define LIT(o, s) mm_eve_out_raw(o, s, sizeof(s) - 1)

static void put_text(struct mm_eve_out *o, char sep, const char *key, size_t key_len,
                     struct mm__dns_text t)
{
    mm_eve_out_member(o, sep, key, key_len, arena.p + t.at, t.n);
}

static void put_int(struct mm_eve_out *o, const char *key, size_t key_len, json_int_t v)
{
    mm_eve_out_member_key(o, key, key_len);
    mm_eve_out_integer(o, v);
}

static void put_rrtype(struct mm_eve_out *o, uint16_t type)
{
    char buf[8];
    const char *name = mm__dns_rrtype_name(type, buf, sizeof buf);
    mm_eve_out_member(o, ',', "rrtype", 6, name, strlen(name));
}

/* "%x" of the flags, as decode-dns.c's hex_text. */
static void put_flags(struct mm_eve_out *o, uint16_t flags)
{
    static const char digits[] = "0123456789abcdef";
    char hex[4];
    size_t n = 0;
    for (int shift = 12; shift >= 0; shift -= 4)
        if (n || (flags >> shift) & 0xF || shift == 0)
            hex[n++] = digits[(flags >> shift) & 0xF];
    mm_eve_out_member(o, ',', "flags", 5, hex, n);
}

/* The flag bits a DNS header's member lists, in add_header's order, as
 * the member text each adds (both line writers below). */
static const struct {
    uint16_t bit;
    const char *member;
    size_t n;
} flag_bits[] = {{0x8000, ",\"qr\":true", 10}, {0x0400, ",\"aa\":true", 10},
                 {0x0200, ",\"tc\":true", 10}, {0x0100, ",\"rd\":true", 10},
                 {0x0080, ",\"ra\":true", 10}, {0x0040, ",\"z\":true", 9},
                 {0x0020, ",\"ad\":true", 10}, {0x0010, ",\"cd\":true", 10}};

/* version (not for mDNS), type, id, flags, the set flag bits, opcode,
 * rcode: add_header's order. */
static void put_header(struct mm_eve_out *o, uint16_t id, uint16_t flags, bool version)
{
    bool response = flags & 0x8000;
    if (version)
        LIT(o, "{\"version\":3,");
    else
        LIT(o, "{");
    if (response)
        LIT(o, "\"type\":\"response\"");
    else
        LIT(o, "\"type\":\"request\"");
    put_int(o, "id", 2, id);
    put_flags(o, flags);
    for (size_t i = 0; i < sizeof flag_bits / sizeof flag_bits[0]; i++)
        if (flags & flag_bits[i].bit)
            mm_eve_out_raw(o, flag_bits[i].member, flag_bits[i].n);
    put_int(o, "opcode", 6, (flags >> 11) & 0xF);
    if (response) {
        const char *rcode = mm__dns_rcode_name(flags & 0xF);
        mm_eve_out_member(o, ',', "rcode", 5, rcode, strlen(rcode));
    }
}

static void put_queries(struct mm_eve_out *o, const struct mm__dns_event *e)
{
    LIT(o, ",\"queries\":[");
    for (unsigned i = 0; i < e->nq; i++) {
        if (i)
            LIT(o, ",");
        put_text(o, '{', "rrname", 6, e->q[i].name);
        put_rrtype(o, e->q[i].type);
        LIT(o, "}");
    }
    LIT(o, "]");
}

/* The "soa" or "srv" object of a record. */
static void put_numbers(struct mm_eve_out *o, const struct mm__dns_rr *rr)
{
    static const char *const soa_keys[] = {"serial", "refresh", "retry", "expire", "minimum"};
    static const char *const srv_keys[] = {"priority", "weight", "port"};
    if (rr->form == MM__DNS_RDATA_SOA) {
        LIT(o, ",\"soa\":");
        put_text(o, '{', "mname", 5, rr->rdata);
        put_text(o, ',', "rname", 5, rr->rname);
        for (int i = 0; i < 5; i++)
            put_int(o, soa_keys[i], strlen(soa_keys[i]), (json_int_t)rr->num[i]);
    } else {
        LIT(o, ",\"srv\":");
        for (int i = 0; i < 3; i++) {
            mm_eve_out_raw(o, i ? "," : "{", 1);
            mm_eve_out_string(o, srv_keys[i], strlen(srv_keys[i]));
            LIT(o, ":");
            mm_eve_out_integer(o, (json_int_t)rr->num[i]);
        }
        put_text(o, ',', "name", 4, rr->rdata);
    }
    LIT(o, "}");
}

static void put_records(struct mm_eve_out *o, const char *key, size_t key_len,
                        const struct mm__dns_rr *rrs, unsigned n)
{
    mm_eve_out_member_key(o, key, key_len);
    LIT(o, "[");
    for (unsigned i = 0; i < n; i++) {
        const struct mm__dns_rr *rr = &rrs[i];
        if (i)
            LIT(o, ",");
        put_text(o, '{', "rrname", 6, rr->name);
        put_rrtype(o, rr->type);
        put_int(o, "ttl", 3, (json_int_t)rr->ttl);
        if (rr->form == MM__DNS_RDATA_TEXT || rr->form == MM__DNS_RDATA_SRV)
            put_text(o, ',', "rdata", 5, rr->rdata);
        if (rr->form == MM__DNS_RDATA_SOA || rr->form == MM__DNS_RDATA_SRV)
            put_numbers(o, rr);
        LIT(o, "}");
    }
    LIT(o, "]");
}

static bool has_rdata(const struct mm__dns_rr *rr)
{
    return rr->form == MM__DNS_RDATA_TEXT || rr->form == MM__DNS_RDATA_SRV;
}

/* True when an answer before an[i] has rdata of an[i]'s type. */
static bool type_seen(const struct mm__dns_event *e, unsigned i)
{
    for (unsigned k = 0; k < i; k++)
        if (e->an[k].type == e->an[i].type && has_rdata(&e->an[k]))
            return true;
    return false;
}

/* "grouped": the answers' rdata by RR type, types in the order they first
 * appear (decode-dns.c's grouped object); nothing when no answer has rdata. */
static void put_grouped(struct mm_eve_out *o, const struct mm__dns_event *e)
{
    char sep = '{';
    for (unsigned i = 0; i < e->nan; i++) {
        const struct mm__dns_rr *rr = &e->an[i];
        if (!has_rdata(rr) || type_seen(e, i))
            continue;
        char buf[8];
        const char *name = mm__dns_rrtype_name(rr->type, buf, sizeof buf);
        if (sep == '{')
            LIT(o, ",\"grouped\":");
        mm_eve_out_raw(o, &sep, 1);
        mm_eve_out_string(o, name, strlen(name));
        LIT(o, ":[");
        for (unsigned k = i, first = 1; k < e->nan; k++) {
            if (e->an[k].type != rr->type || !has_rdata(&e->an[k]))
                continue;
            if (!first)
                LIT(o, ",");
            first = 0;
            mm_eve_out_string(o, arena.p + e->an[k].rdata.at, e->an[k].rdata.n);
        }
        LIT(o, "]");
        sep = ',';
    }
    if (sep == ',')
        LIT(o, "}");
}

/* The queries and the record sections a DNS (or, with additionals, an
 * mDNS) line lists, each only when it has entries. */
static void put_sections(struct mm_eve_out *o, const struct mm__dns_event *e, bool additionals)
{
    if (e->nq)
        put_queries(o, e);
    if (e->nan)
        put_records(o, "answers", 7, e->an, e->nan);
    if (e->nns)
        put_records(o, "authorities", 11, e->ns, e->nns);
    if (additionals && e->nar)
        put_records(o, "additionals", 11, e->ar, e->nar);
}

/* ---- the lines formed in place (eve-line.h) ---------------------------------------- */

/* The same bytes as the pieces above, each function as its piece twin. */

/* True while an mDNS line whose arena texts are valid UTF-8 with bytes
 * 0x80 and above (arena_utf8) is formed: its texts are let through with
 * those bytes, as the writer's pieces copy valid UTF-8 as it is. */
static _Thread_local bool line_utf8;

/* A text of the arena (or a part of one, cut before an ASCII byte). */
static void line_chars(struct mm__line *l, const char *s, size_t n)
{
    if (line_utf8)
        mm__line_utf8_text(l, s, n);
    else
        mm__line_text(l, s, n);
}

static void line_text(struct mm__line *l, struct mm__dns_text t)
{
    line_chars(l, arena.p + t.at, t.n);
}

/* ,"key":"text" */
#define LINE_MEMBER(l, key, t)                                                                     \
    do {                                                                                           \
        MM__LINE_LIT(l, key);                                                                      \
        line_text(l, t);                                                                           \
        *(l)->p++ = '"';                                                                           \
    } while (0)

/* The names of RR types below TYPE_NAMES with their lengths, as
 * mm__dns_rrtype_name gives them, noted at first use (per thread). */
#define TYPE_NAMES 256

static _Thread_local struct {
    const char *s; /* NULL: not noted yet */
    uint8_t n;
} type_names[TYPE_NAMES];

static void line_type_name(struct mm__line *l, uint16_t type)
{
    char buf[8];
    if (type < TYPE_NAMES && type_names[type].s) {
        mm__line_raw(l, type_names[type].s, type_names[type].n);
        return;
    }
    const char *name = mm__dns_rrtype_name(type, buf, sizeof buf);
    size_t n = strlen(name);
    if (type < TYPE_NAMES && name != buf) { /* a table's name: capitals and digits */
        type_names[type].s = name;
        type_names[type].n = (uint8_t)n;
    }
    mm__line_text(l, name, n);
}

static void line_header(struct mm__line *l, uint16_t id, uint16_t flags, bool version)
{
    static const char digits[] = "0123456789abcdef";
    bool response = flags & 0x8000;
    if (version)
        MM__LINE_LIT(l, "{\"version\":3,");
    else
        *l->p++ = '{';
    if (response)
        MM__LINE_LIT(l, "\"type\":\"response\",\"id\":");
    else
        MM__LINE_LIT(l, "\"type\":\"request\",\"id\":");
    mm__line_u64(l, id);
    MM__LINE_LIT(l, ",\"flags\":\"");
    for (int shift = 12, any = 0; shift >= 0; shift -= 4)
        if (any || (flags >> shift) & 0xF || shift == 0) {
            *l->p++ = digits[(flags >> shift) & 0xF];
            any = 1;
        }
    *l->p++ = '"';
    for (size_t i = 0; i < sizeof flag_bits / sizeof flag_bits[0]; i++)
        if (flags & flag_bits[i].bit)
            mm__line_raw(l, flag_bits[i].member, flag_bits[i].n);
    MM__LINE_LIT(l, ",\"opcode\":");
    mm__line_u64(l, (flags >> 11) & 0xF);
    if (response) {
        const char *rcode = mm__dns_rcode_name(flags & 0xF);
        MM__LINE_LIT(l, ",\"rcode\":\"");
        mm__line_text(l, rcode, strlen(rcode));
        *l->p++ = '"';
    }
}

static void line_queries(struct mm__line *l, const struct mm__dns_event *e)
{
    MM__LINE_LIT(l, ",\"queries\":[");
    for (unsigned i = 0; i < e->nq; i++) {
        if (i)
            *l->p++ = ',';
        MM__LINE_LIT(l, "{\"rrname\":\"");
        line_text(l, e->q[i].name);
        MM__LINE_LIT(l, "\",\"rrtype\":\"");
        line_type_name(l, e->q[i].type);
        MM__LINE_LIT(l, "\"}");
    }
    *l->p++ = ']';
}

static void line_numbers(struct mm__line *l, const struct mm__dns_rr *rr)
{
    static const char *const soa_keys[] = {
        ",\"serial\":", ",\"refresh\":", ",\"retry\":", ",\"expire\":", ",\"minimum\":"};
    static const char *const srv_keys[] = {"{\"priority\":", ",\"weight\":", ",\"port\":"};
    if (rr->form == MM__DNS_RDATA_SOA) {
        MM__LINE_LIT(l, ",\"soa\":{\"mname\":\"");
        line_text(l, rr->rdata);
        LINE_MEMBER(l, "\",\"rname\":\"", rr->rname);
        for (int i = 0; i < 5; i++) {
            mm__line_raw(l, soa_keys[i], strlen(soa_keys[i]));
            mm__line_u64(l, rr->num[i]);
        }
    } else {
        MM__LINE_LIT(l, ",\"srv\":");
        for (int i = 0; i < 3; i++) {
            mm__line_raw(l, srv_keys[i], strlen(srv_keys[i]));
            mm__line_u64(l, rr->num[i]);
        }
        LINE_MEMBER(l, ",\"name\":\"", rr->rdata);
    }
    *l->p++ = '}';
}

/* ,"key":[records] with key (a literal) as ,"key":[ */
static void line_records(struct mm__line *l, const char *open, size_t open_len,
                         const struct mm__dns_rr *rrs, unsigned n)
{
    mm__line_raw(l, open, open_len);
    for (unsigned i = 0; i < n; i++) {
        const struct mm__dns_rr *rr = &rrs[i];
        if (i)
            *l->p++ = ',';
        MM__LINE_LIT(l, "{\"rrname\":\"");
        line_text(l, rr->name);
        MM__LINE_LIT(l, "\",\"rrtype\":\"");
        line_type_name(l, rr->type);
        MM__LINE_LIT(l, "\",\"ttl\":");
        mm__line_u64(l, rr->ttl);
        if (has_rdata(rr))
            LINE_MEMBER(l, ",\"rdata\":\"", rr->rdata);
        if (rr->form == MM__DNS_RDATA_SOA || rr->form == MM__DNS_RDATA_SRV)
            line_numbers(l, rr);
        *l->p++ = '}';
    }
    *l->p++ = ']';
}

#define LINE_RECORDS(l, open, rrs, n) line_records(l, open, sizeof(open) - 1, rrs, n)

static void line_grouped(struct mm__line *l, const struct mm__dns_event *e)
{
    char sep = '{';
    for (unsigned i = 0; i < e->nan; i++) {
        const struct mm__dns_rr *rr = &e->an[i];
        if (!has_rdata(rr) || type_seen(e, i))
            continue;
        if (sep == '{')
            MM__LINE_LIT(l, ",\"grouped\":");
        *l->p++ = sep;
        *l->p++ = '"';
        line_type_name(l, rr->type);
        MM__LINE_LIT(l, "\":[");
        for (unsigned k = i, first = 1; k < e->nan; k++) {
            if (e->an[k].type != rr->type || !has_rdata(&e->an[k]))
                continue;
            if (!first)
                *l->p++ = ',';
            first = 0;
            *l->p++ = '"';
            line_text(l, e->an[k].rdata);
            *l->p++ = '"';
        }
        *l->p++ = ']';
        sep = ',';
    }
    if (sep == ',')
        *l->p++ = '}';
}

static void line_sections(struct mm__line *l, const struct mm__dns_event *e, bool additionals)
{
    if (e->nq)
        line_queries(l, e);
    if (e->nan)
        LINE_RECORDS(l, ",\"answers\":[", e->an, e->nan);
    if (e->nns)
        LINE_RECORDS(l, ",\"authorities\":[", e->ns, e->nns);
    if (additionals && e->nar)
        LINE_RECORDS(l, ",\"additionals\":[", e->ar, e->nar);
}

static void line_hostnames(struct mm__line *l, const struct mm__dns_event *e);

/* Room a line formed in place may use: the header; each text as often as
 * it can appear (a record's name also among "hostnames", its rdata also
 * in "grouped" and "hostnames"), and the fixed parts of each entry (an
 * SOA record's keys and numbers are the most, about 220 bytes). */
static size_t rr_room(const struct mm__dns_rr *rrs, unsigned n)
{
    size_t room = 0;
    for (unsigned i = 0; i < n; i++)
        room += 384 + 2 * (size_t)rrs[i].name.n + 3 * (size_t)rrs[i].rdata.n + rrs[i].rname.n;
    return room;
}

static size_t line_room(const struct mm__dns_event *e)
{
    size_t room = MM__APP_HEADER_ROOM + 1024;
    for (unsigned i = 0; i < e->nq; i++)
        room += 64 + (size_t)e->q[i].name.n;
    return room + rr_room(e->an, e->nan) + rr_room(e->ns, e->nns) + rr_room(e->ar, e->nar);
}

/* True when the arena's texts hold bytes 0x80 and above, each run of them
 * valid UTF-8, as mm__app_text makes of names such as "Luca<U+2019>s iMac"
 * (common in mDNS). A run of such bytes between ASCII bytes holds whole
 * sequences exactly when the text is valid there; the writer's pieces
 * check the same runs. False when all is ASCII or a run is not valid. */
static bool arena_utf8(void)
{
    const char *p = arena.p;
    size_t n = arena.len, i = 0;
    bool any = false;
    while (i < n) {
        uint64_t w;
        if (i + 8 <= n && (memcpy(&w, p + i, 8), (w & 0x8080808080808080ULL) == 0)) {
            i += 8;
            continue;
        }
        if ((unsigned char)p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = i + 1;
        while (k < n && (unsigned char)p[k] >= 0x80)
            k++;
        if (!mm_utf8_valid(p + i, k - i, NULL))
            return false;
        any = true;
        i = k;
    }
    return any;
}

/* The DNS (mdns false) or mDNS line formed in place in the writer's batch;
 * false (nothing added) when a text is not plain, there is no room or the
 * line is tapped for the spool: the pieces write it. */
static bool line_in_place(struct mm_eve_out *o, const struct mm__dns_event *e, bool mdns,
                          int *result)
{
    struct mm__line l;
    char *start = mm__line_reserve(o, line_room(e), &l);
    if (!start)
        return false;
    mm__app_header_text(&l, &e->h, -1);
    if (mdns) {
        line_utf8 = arena_utf8();
        MM__LINE_LIT(&l, ",\"mdns\":");
        line_header(&l, e->id, e->flags, false);
        line_sections(&l, e, true);
        line_hostnames(&l, e);
        line_utf8 = false;
    } else {
        MM__LINE_LIT(&l, ",\"dns\":");
        line_header(&l, e->id, e->flags, true);
        line_sections(&l, e, false);
        line_grouped(&l, e);
    }
    MM__LINE_LIT(&l, "}}\n");
    return mm__line_commit(o, &l, start, result);
}

int mm__dns_line_write(struct mm_eve_out *o, const struct mm__dns_event *e)
{
    int r;
    if (line_in_place(o, e, false, &r))
        return r;
    mm_eve_out_line_begin(o);
    mm__app_line_header(o, &e->h, -1);
    LIT(o, ",\"dns\":");
    put_header(o, e->id, e->flags, true);
    put_sections(o, e, false);
    put_grouped(o, e);
    LIT(o, "}}");
    return mm_eve_out_line_end(o);
}

/* ---- the mDNS line ---------------------------------------------------------------------- */

/* decode-mdns.c's "hostnames": the hosts the records announce, each once,
 * at most MDNS_HOSTS_MAX. */
#define MDNS_HOSTS_MAX 16

struct hosts {
    const char *s[MDNS_HOSTS_MAX];
    size_t n[MDNS_HOSTS_MAX];
    unsigned count;
};

static void add_host(struct hosts *h, const char *name)
{
    size_t n;
    if (!mm__mdns_host(name, &n))
        return;
    for (unsigned i = 0; i < h->count; i++)
        if (h->n[i] == n && memcmp(h->s[i], name, n) == 0)
            return;
    if (h->count < MDNS_HOSTS_MAX) {
        h->s[h->count] = name;
        h->n[h->count++] = n;
    }
}

/* The names of rrs[0..n) as decode-mdns.c's collect takes them. */
static void collect(struct hosts *h, const struct mm__dns_rr *rrs, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        const struct mm__dns_rr *rr = &rrs[i];
        const char *name = arena.p + rr->name.at;
        if (rr->type == 1 || rr->type == 28 || rr->type == 13)
            add_host(h, name);
        else if (has_rdata(rr) && ((rr->type == 12 && mm__mdns_reverse(name)) || rr->type == 33))
            add_host(h, arena.p + rr->rdata.at);
    }
}

/* The host names of every answer, authority and additional record; false
 * when there are none. */
static bool collect_all(struct hosts *h, const struct mm__dns_event *e)
{
    h->count = 0;
    collect(h, e->an, e->nan);
    collect(h, e->ns, e->nns);
    collect(h, e->ar, e->nar);
    return h->count > 0;
}

static void put_hostnames(struct mm_eve_out *o, const struct mm__dns_event *e)
{
    struct hosts h;
    if (!collect_all(&h, e))
        return;
    LIT(o, ",\"hostnames\":[");
    for (unsigned i = 0; i < h.count; i++) {
        if (i)
            LIT(o, ",");
        mm_eve_out_string(o, h.s[i], h.n[i]);
    }
    LIT(o, "]");
}

static void line_hostnames(struct mm__line *l, const struct mm__dns_event *e)
{
    struct hosts h;
    if (!collect_all(&h, e))
        return;
    MM__LINE_LIT(l, ",\"hostnames\":[");
    for (unsigned i = 0; i < h.count; i++) {
        if (i)
            *l->p++ = ',';
        *l->p++ = '"';
        line_chars(l, h.s[i], h.n[i]); /* a name cut before ".local" */
        *l->p++ = '"';
    }
    *l->p++ = ']';
}

int mm__mdns_line_write(struct mm_eve_out *o, const struct mm__dns_event *e)
{
    int r;
    if (line_in_place(o, e, true, &r))
        return r;
    mm_eve_out_line_begin(o);
    mm__app_line_header(o, &e->h, -1);
    LIT(o, ",\"mdns\":");
    put_header(o, e->id, e->flags, false);
    put_sections(o, e, true);
    put_hostnames(o, e);
    LIT(o, "}}");
    return mm_eve_out_line_end(o);
}
