/* SPDX-License-Identifier: Apache-2.0
 * DNS over UDP and TCP (port 53): each message becomes one EVE "dns" event
 * in Suricata 8's version 3 layout (type request/response, queries[],
 * answers[], authorities[], grouped, flags, rcode). TCP messages carry a
 * 2-byte length prefix and may be split across segments or packed several
 * to a chunk. Limits: MM_DNS_MAX_QUERIES questions and MM_DNS_MAX_RECORDS
 * records per section are logged; names are decompressed by dns-name.c.
 * The message parser is shared with decode-mdns.c (dns-parse.h).
 *
 * Speed: a busy network sends tens of thousands of messages a second, so
 * the object is built without format strings (no json_pack, snprintf or
 * inet_ntop: addresses and flags are written directly), and the values
 * that recur in every message (type and rcode names, RR type names, the
 * version and opcode numbers) are made once and shared by reference
 * (jansson counts references atomically and nothing changes a value once
 * it is in an event). While it builds a DNS event, the parser also notes
 * what the detectors ask of it (dns-facts.h). In the sensor most events
 * take the direct path instead (mm__dns_direct, eve-dns.c: a typed event
 * and its line, no object); this parser is the reference it is held to. */
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/net.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/dns-facts.h"
#include "sensor/decode/dns-parse.h"

#define DNS_HDR_LEN  12
#define RRTYPE_INDEX 260 /* RR types below this are looked up by index */

static const struct {
    uint16_t type;
    const char *name;
} rrtypes[] = {
    {1, "A"},      {2, "NS"},      {5, "CNAME"},  {6, "SOA"},         {10, "NULL"},  {11, "WKS"},
    {12, "PTR"},   {13, "HINFO"},  {15, "MX"},    {16, "TXT"},        {17, "RP"},    {18, "AFSDB"},
    {24, "SIG"},   {25, "KEY"},    {28, "AAAA"},  {29, "LOC"},        {33, "SRV"},   {35, "NAPTR"},
    {37, "CERT"},  {39, "DNAME"},  {41, "OPT"},   {43, "DS"},         {44, "SSHFP"}, {46, "RRSIG"},
    {47, "NSEC"},  {48, "DNSKEY"}, {50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"},  {64, "SVCB"},
    {65, "HTTPS"}, {99, "SPF"},    {249, "TKEY"}, {250, "TSIG"},      {251, "IXFR"}, {252, "AXFR"},
    {255, "ANY"},  {257, "CAA"},
};
#define NRRTYPES (sizeof rrtypes / sizeof rrtypes[0])

/* Every 4-bit rcode: the names of RFC 1035/2136, the rest as numbers. */
static const char *const rcodes[16] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
    "NXRRSET", "NOTAUTH", "NOTZONE",  "11",       "12",     "13",      "14",       "15"};

/* The values shared by every message (see the file comment); a NULL one
 * (no memory at start) is made afresh each time instead. */
static struct {
    uint8_t rrtype_at[RRTYPE_INDEX]; /* index + 1 into rrtypes[], 0: not named */
    json_t *rrtype[NRRTYPES];
    json_t *rcode[16];
    json_t *opcode[16];
    json_t *request, *response, *version;
} shared;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;

static void shared_init(void)
{
    for (size_t i = 0; i < NRRTYPES; i++) {
        if (rrtypes[i].type < RRTYPE_INDEX)
            shared.rrtype_at[rrtypes[i].type] = (uint8_t)(i + 1);
        shared.rrtype[i] = json_string_nocheck(rrtypes[i].name);
    }
    for (unsigned i = 0; i < 16; i++) {
        shared.rcode[i] = json_string_nocheck(rcodes[i]);
        shared.opcode[i] = json_integer(i);
    }
    shared.request = json_string_nocheck("request");
    shared.response = json_string_nocheck("response");
    shared.version = json_integer(3);
}

/* A new reference to the shared value v, or fresh when v is missing. */
static json_t *shared_text(json_t *v, const char *text)
{
    return v ? json_incref(v) : json_string_nocheck(text);
}

static json_t *shared_int(json_t *v, json_int_t i)
{
    return v ? json_incref(v) : json_integer(i);
}

/* The index of type in rrtypes[], or -1. */
static int rrtype_index(uint16_t type)
{
    if (type < RRTYPE_INDEX)
        return (int)shared.rrtype_at[type] - 1;
    for (size_t i = 0; i < NRRTYPES; i++)
        if (rrtypes[i].type == type)
            return (int)i;
    return -1;
}

const char *mm__dns_rrtype_name(uint16_t type, char *buf, size_t buflen)
{
    pthread_once(&shared_once, shared_init);
    int i = rrtype_index(type);
    if (i >= 0)
        return rrtypes[i].name;
    snprintf(buf, buflen, "%u", (unsigned)type);
    return buf;
}

const char *mm__dns_rcode_name(unsigned rcode)
{
    return rcodes[rcode & 0xF];
}

/* Text this decoder made itself: names from mm__dns_name and TXT strings
 * (both through mm__app_text), type names and numbers, addresses, all
 * valid UTF-8 by construction, so jansson need not check them again. */
static json_t *own_text(const char *s, size_t n)
{
    return json_stringn_nocheck(s, n);
}

/* Sets a member this file names (plain ASCII keys, never checked again;
 * the length of a literal key is known at compile time); v may be NULL
 * (then nothing is set). Returns 0 or -1. */
static inline int put(json_t *o, const char *key, json_t *v)
{
    return json_object_setn_new_nocheck(o, key, strlen(key), v);
}

/* The RR type's name as a JSON string: the shared one, or its number. */
static json_t *rrtype_json(uint16_t type)
{
    int i = rrtype_index(type);
    if (i >= 0)
        return shared_text(shared.rrtype[i], rrtypes[i].name);
    char buf[8];
    int n = snprintf(buf, sizeof buf, "%u", (unsigned)type);
    return own_text(buf, (size_t)n);
}

/* "%x" of v, without printf. Returns the length written (NUL added). */
static size_t hex_text(unsigned v, char *out)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[8];
    size_t n = 0;
    do {
        tmp[n++] = digits[v & 0xF];
        v >>= 4;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
    return n;
}

/* The flags text ("%x") of recent messages, shared like the constants
 * above: a network sends few distinct flag words ("100", "8180", ...).
 * Direct-mapped by the flags, per thread (each slot holds a reference). */
#define FLAG_TEXTS 8

static _Thread_local struct {
    uint16_t flags;
    json_t *text;
} flag_texts[FLAG_TEXTS];

static json_t *flags_json(uint16_t flags)
{
    unsigned i = ((unsigned)flags ^ flags >> 8 ^ flags >> 11) % FLAG_TEXTS;
    if (flag_texts[i].text && flag_texts[i].flags == flags)
        return json_incref(flag_texts[i].text);
    char hex[8];
    json_t *v = own_text(hex, hex_text(flags, hex));
    if (v) {
        json_decref(flag_texts[i].text);
        flag_texts[i].text = json_incref(v);
        flag_texts[i].flags = flags;
    }
    return v;
}

/* The rdata of an A (n = 4) or AAAA (n = 16) record as inet_ntop writes it. */
static json_t *address_json(const uint8_t *d, size_t n)
{
    char text[MM_ADDR_STRLEN];
    if (n == 4)
        return own_text(text, mm_ipv4_text(d, text));
    return own_text(text, mm_ipv6_text(d, text));
}

#define RECENT_NAMES 4

/* One message being built: the facts being noted for the detectors (f
 * NULL: none wanted, as for mDNS; spoiled: a value they name did not make
 * it into the event, for want of memory, so they are not published), and
 * the last few name strings made, each held by a reference, so a name that
 * comes again (an answer's owner is usually the question, a CNAME's
 * target the next record's owner) is shared instead of copied. */
struct build {
    struct mm__dns_facts *f;
    bool spoiled;
    unsigned next;
    json_t *recent[RECENT_NAMES];
};

static void spoil(struct build *b)
{
    b->spoiled = true;
}

/* A JSON string of the name text name[0..n): a recent one with the same
 * text, or a new one (then remembered). NULL on ENOMEM. */
static json_t *name_json(struct build *b, const char *name, size_t n)
{
    for (unsigned i = 0; i < RECENT_NAMES; i++) {
        json_t *v = b->recent[i];
        if (v && json_string_length(v) == n && memcmp(json_string_value(v), name, n) == 0)
            return json_incref(v);
    }
    json_t *v = own_text(name, n);
    if (v) {
        json_decref(b->recent[b->next]);
        b->recent[b->next] = json_incref(v);
        b->next = (b->next + 1) % RECENT_NAMES;
    }
    return v;
}

static void build_done(struct build *b)
{
    for (unsigned i = 0; i < RECENT_NAMES; i++)
        json_decref(b->recent[i]);
}

static void note_query(struct build *b, const char *text, size_t len)
{
    if (!b->f || b->f->nqueries >= MM_DNS_MAX_QUERIES)
        return;
    b->f->qname[b->f->nqueries] = text;
    b->f->qlen[b->f->nqueries++] = len;
}

/* An A (4 bytes) or AAAA (16) answer with its rdata in the event. */
static void note_address(struct build *b, const uint8_t *d, size_t n, const char *rrname)
{
    if (!b->f || b->f->naddrs >= MM_DNS_MAX_RECORDS)
        return;
    struct mm__dns_answer *a = &b->f->addrs[b->f->naddrs++];
    if (n == 4)
        mm_addr_from_v4(d, &a->addr);
    else
        mm_addr_from_v6(d, &a->addr);
    a->rrname = rrname;
}

/* Adds the header fields (flags as hex text, the set flag bits as booleans). */
static void add_header(json_t *o, uint16_t id, uint16_t flags, struct build *b)
{
    bool response = flags & 0x8000;
    put(o, "version", shared_int(shared.version, 3));
    if (put(o, "type",
            response ? shared_text(shared.response, "response")
                     : shared_text(shared.request, "request")) != 0)
        spoil(b);
    put(o, "id", json_integer(id));
    put(o, "flags", flags_json(flags));
    static const struct {
        uint16_t bit;
        const char *name;
    } bits[] = {{0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"},
                {0x0080, "ra"}, {0x0040, "z"},  {0x0020, "ad"}, {0x0010, "cd"}};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (flags & bits[i].bit)
            put(o, bits[i].name, json_true());
    unsigned opcode = (flags >> 11) & 0xF, rcode = flags & 0xF;
    put(o, "opcode", shared_int(shared.opcode[opcode], opcode));
    if (response && put(o, "rcode", shared_text(shared.rcode[rcode], rcodes[rcode])) != 0)
        spoil(b);
    if (b->f) {
        b->f->response = response;
        b->f->rcode = (uint8_t)rcode;
    }
}

/* The start of a question (fixed = 4: type, class) or a resource record
 * (fixed = 10: type, class, ttl, rdlength) at *off: its owner name into
 * name (*namelen bytes), and the offset of its fixed fields into *fields. */
static int entry_head(const uint8_t *msg, size_t len, size_t off, size_t fixed, char *name,
                      size_t namesize, size_t *namelen, size_t *fields)
{
    int r = mm__dns_name_text(msg, len, off, name, namesize, fields, namelen);
    if (r != 0)
        return r;
    return *fields + fixed > len ? MM_ETRUNC : 0;
}

/* Sets key to arr when it has entries, else drops arr. */
static void set_nonempty(json_t *o, const char *key, json_t *arr, struct build *b)
{
    if (!json_array_size(arr))
        json_decref(arr);
    else if (put(o, key, arr) != 0)
        spoil(b);
}

/* {"rrname": name, "rrtype": type}, as json_pack("{s:s,s:s}") makes it,
 * without parsing a format for each of the many records of a busy
 * network; *text gets the rrname string's own text. */
static json_t *name_type_object(struct build *b, const char *name, size_t namelen, uint16_t type,
                                const char **text)
{
    json_t *o = json_object(), *rrname = name_json(b, name, namelen);
    *text = json_string_value(rrname);
    if (!o) {
        json_decref(rrname);
        return NULL;
    }
    if (put(o, "rrname", rrname) != 0 || put(o, "rrtype", rrtype_json(type)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int parse_queries(const uint8_t *msg, size_t len, size_t *off, unsigned count, json_t *o,
                         struct build *b)
{
    char name[MM_DNS_NAME_TEXT_MAX];
    json_t *arr = json_array();
    int r = 0;
    if (!arr)
        return MM_ENOMEM;
    for (unsigned i = 0; i < count; i++) {
        size_t next, namelen;
        if ((r = entry_head(msg, len, *off, 4, name, sizeof name, &namelen, &next)) != 0)
            break;
        uint16_t type = mm__rd16(msg + next);
        *off = next + 4;
        if (i >= MM_DNS_MAX_QUERIES)
            continue;
        const char *text;
        if (json_array_append_new(arr, name_type_object(b, name, namelen, type, &text)) == 0)
            note_query(b, text, namelen);
        else
            spoil(b);
    }
    set_nonempty(o, "queries", arr, b);
    return r;
}

/* Sets rr's key to the object {keys[0]: v[0], ...} of integers and a
 * last member "name" (the SRV form); nothing on ENOMEM. */
static void put_numbers(json_t *rr, const char *key, const char *const *keys, const json_int_t *v,
                        size_t n, const char *name, size_t namelen)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        if (put(o, keys[i], json_integer(v[i])) != 0) {
            json_decref(o);
            o = NULL;
        }
    if (o && put(o, "name", own_text(name, namelen)) != 0) {
        json_decref(o);
        o = NULL;
    }
    put(rr, key, o);
}

/* SOA: {"mname", "rname", serial, refresh, retry, expire, minimum}. */
static void add_soa(json_t *rr, const uint8_t *msg, size_t rd, size_t rdlen)
{
    char mname[MM_DNS_NAME_TEXT_MAX], rname[MM_DNS_NAME_TEXT_MAX];
    size_t next, n2, mlen, rlen;
    if (mm__dns_name_text(msg, rd + rdlen, rd, mname, sizeof mname, &next, &mlen) != 0 ||
        mm__dns_name_text(msg, rd + rdlen, next, rname, sizeof rname, &n2, &rlen) != 0 ||
        n2 + 20 > rd + rdlen)
        return;
    static const char *const keys[] = {"serial", "refresh", "retry", "expire", "minimum"};
    const uint8_t *n = msg + n2;
    json_int_t v[5];
    for (size_t i = 0; i < 5; i++)
        v[i] = (json_int_t)mm__rd32(n + 4 * i);
    json_t *soa = json_object();
    if (!soa || put(soa, "mname", own_text(mname, mlen)) != 0 ||
        put(soa, "rname", own_text(rname, rlen)) != 0) {
        json_decref(soa);
        return;
    }
    for (size_t i = 0; i < 5; i++)
        if (put(soa, keys[i], json_integer(v[i])) != 0) {
            json_decref(soa);
            return;
        }
    put(rr, "soa", soa);
}

/* Formats the data of one record into rr (rdata and, for SOA/SRV, the
 * structured forms Suricata writes). A malformed rdata leaves rdata out.
 * Returns rr's rdata (borrowed) or NULL. */
static json_t *add_rdata(struct build *b, json_t *rr, uint16_t type, const uint8_t *msg, size_t rd,
                         size_t rdlen)
{
    char name[MM_DNS_NAME_TEXT_MAX];
    size_t next, namelen;
    const uint8_t *d = msg + rd;
    json_t *rdata = NULL;
    switch (type) {
    case 1:
    case 28:
        if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16))
            rdata = address_json(d, rdlen);
        break;
    case 2:
    case 5:
    case 12:
    case 39:
        if (mm__dns_name_text(msg, rd + rdlen, rd, name, sizeof name, &next, &namelen) == 0)
            rdata = name_json(b, name, namelen);
        break;
    case 15:
        if (rdlen > 2 &&
            mm__dns_name_text(msg, rd + rdlen, rd + 2, name, sizeof name, &next, &namelen) == 0)
            rdata = name_json(b, name, namelen);
        break;
    case 16: {
        char txt[MM_DNS_NAME_TEXT_MAX * 4];
        size_t o = 0, i = 0;
        txt[0] = '\0';
        while (i < rdlen) {
            size_t n = d[i];
            if (i + 1 + n > rdlen)
                break;
            o += mm__app_text(d + i + 1, n, txt + o, sizeof txt - o);
            i += 1 + n;
        }
        rdata = own_text(txt, o);
        break;
    }
    case 33:
        if (rdlen > 6 &&
            mm__dns_name_text(msg, rd + rdlen, rd + 6, name, sizeof name, &next, &namelen) == 0) {
            static const char *const keys[] = {"priority", "weight", "port"};
            const json_int_t v[] = {mm__rd16(d), mm__rd16(d + 2), mm__rd16(d + 4)};
            if ((rdata = name_json(b, name, namelen)) == NULL || put(rr, "rdata", rdata) != 0)
                return NULL;
            put_numbers(rr, "srv", keys, v, 3, name, namelen);
            return rdata; /* held by rr */
        }
        break;
    case 6:
        add_soa(rr, msg, rd, rdlen);
        break;
    default:
        break;
    }
    if (rdata && put(rr, "rdata", rdata) != 0)
        return NULL;
    return rdata;
}

/* The "grouped" object of the answers (rdata by RR type, types in the
 * order they first appear), made when the first answer with rdata comes;
 * the arrays of the first GROUPED_TYPES types are found by type, without
 * a look-up by name (a message with more types looks the rest up). */
#define GROUPED_TYPES 8

struct grouped {
    json_t *obj;
    unsigned n;
    uint16_t type[GROUPED_TYPES];
    json_t *arr[GROUPED_TYPES];
};

/* The array of type in g->obj, made if new; NULL on ENOMEM. */
static json_t *grouped_array(struct grouped *g, uint16_t type)
{
    for (unsigned i = 0; i < g->n; i++)
        if (g->type[i] == type)
            return g->arr[i];
    char buf[8];
    int t = rrtype_index(type);
    const char *key = buf;
    if (t >= 0)
        key = rrtypes[t].name;
    else
        snprintf(buf, sizeof buf, "%u", (unsigned)type);
    if (!g->obj && !(g->obj = json_object()))
        return NULL;
    json_t *arr = g->n == GROUPED_TYPES ? json_object_get(g->obj, key) : NULL;
    if (!arr && (!(arr = json_array()) || put(g->obj, key, arr) != 0))
        return NULL; /* put frees arr when it fails */
    if (g->n < GROUPED_TYPES) {
        g->type[g->n] = type;
        g->arr[g->n++] = arr;
    }
    return arr;
}

static void add_grouped(struct grouped *g, uint16_t type, json_t *rdata)
{
    json_t *arr = grouped_array(g, type);
    if (arr)
        json_array_append(arr, rdata);
}

/* The records of one section into o[key]; grouped (and the facts) only
 * for the answers. */
static int parse_records(const uint8_t *msg, size_t len, size_t *off, unsigned count, json_t *o,
                         const char *key, struct grouped *grouped, struct build *b)
{
    char name[MM_DNS_NAME_TEXT_MAX];
    json_t *arr = json_array();
    int r = 0;
    if (!arr)
        return MM_ENOMEM;
    for (unsigned i = 0; i < count; i++) {
        size_t next, namelen;
        if ((r = entry_head(msg, len, *off, 10, name, sizeof name, &namelen, &next)) != 0)
            break;
        uint16_t type = mm__rd16(msg + next);
        uint32_t ttl = mm__rd32(msg + next + 4);
        uint16_t rdlen = mm__rd16(msg + next + 8);
        size_t rd = next + 10;
        if (rd + rdlen > len) {
            r = MM_ETRUNC;
            break;
        }
        *off = rd + rdlen;
        if (i >= MM_DNS_MAX_RECORDS || type == 41) /* OPT is EDNS, not data */
            continue;
        const char *rrname;
        json_t *rr = name_type_object(b, name, namelen, type, &rrname);
        if (rr && put(rr, "ttl", json_integer((json_int_t)ttl)) != 0) {
            json_decref(rr);
            rr = NULL;
        }
        if (!rr) {
            spoil(b);
            continue;
        }
        json_t *rdata = add_rdata(b, rr, type, msg, rd, rdlen);
        if (grouped && rdata)
            add_grouped(grouped, type, rdata);
        if (json_array_append_new(arr, rr) != 0)
            spoil(b);
        else if (grouped && rdata && (type == 1 || type == 28)) /* rdata at 4 or 16 bytes */
            note_address(b, msg + rd, rdlen, rrname);
    }
    set_nonempty(o, key, arr, b);
    return r;
}

/* mm__dns_parse_message, with the message's build state b. */
static int parse_message(const uint8_t *msg, size_t len, bool with_additionals, json_t **out,
                         struct build *b)
{
    int r = 0;
    json_t *o = NULL;
    struct grouped grouped = {.obj = NULL, .n = 0};
    *out = NULL;
    if (len < DNS_HDR_LEN)
        return MM_ETRUNC;
    pthread_once(&shared_once, shared_init);
    uint16_t id = mm__rd16(msg), flags = mm__rd16(msg + 2);
    unsigned qd = mm__rd16(msg + 4), an = mm__rd16(msg + 6), ns = mm__rd16(msg + 8),
             ar = mm__rd16(msg + 10);
    size_t off = DNS_HDR_LEN;
    if (!(o = json_object()))
        return MM_ENOMEM;
    add_header(o, id, flags, b);
    if ((r = parse_queries(msg, len, &off, qd, o, b)) != 0)
        goto out;
    if (!(flags & 0x8000) && an == 0 && ns == 0)
        goto out; /* a plain query: additionals hold only EDNS */
    if ((r = parse_records(msg, len, &off, an, o, "answers", &grouped, b)) != 0)
        goto out;
    if ((r = parse_records(msg, len, &off, ns, o, "authorities", NULL, b)) != 0)
        goto out;
    if (with_additionals)
        r = parse_records(msg, len, &off, ar, o, "additionals", NULL, b);
out:
    if (grouped.obj && json_object_size(grouped.obj))
        json_object_set(o, "grouped", grouped.obj);
    json_decref(grouped.obj);
    if (r == MM_ENOMEM) {
        json_decref(o);
        return r;
    }
    *out = o;
    return r;
}

int mm__dns_parse_message(const uint8_t *msg, size_t len, bool with_additionals, json_t **out)
{
    struct build b = {.f = NULL};
    int r = parse_message(msg, len, with_additionals, out, &b);
    build_done(&b);
    return r;
}

bool (*mm__dns_direct)(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result);

/* Parses one message and emits its event, its facts published to the
 * detectors while the sensor handles it; returns the parse result. The
 * sensor's direct path (eve-dns.h) is asked first: it takes the event
 * without building the object when nothing needs it as JSON. */
static int dns_emit_message(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len)
{
    json_t *o = NULL;
    int direct_result;
    if (ctx->sensor && mm__dns_direct && mm__dns_direct(ctx, msg, len, &direct_result))
        return direct_result;
    struct build b = {.f = mm__dns_facts_begin()};
    int r = parse_message(msg, len, false, &o, &b);
    build_done(&b);
    if (o) {
        /* held while published: the object, and so its address, cannot be
         * freed and reused by another while the facts name it */
        json_t *held = b.spoiled ? NULL : json_incref(o);
        if (held)
            mm__dns_facts_publish(held);
        mm__app_emit(ctx, "dns", o);
        mm__dns_facts_end();
        json_decref(held);
    }
    return r;
}

static bool dns_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    (void)data;
    return len >= DNS_HDR_LEN && mm__app_port(p, 53);
}

static bool dns_tcp_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    return mm__app_port(p, 53);
}

static long dns_udp_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    return dns_emit_message(ctx, data, len);
}

/* TCP: a 2-byte length before each message; returns the bytes of the
 * complete messages consumed (0: need more). A message that fails to parse
 * is still consumed, so the stream continues with the next one. */
static long dns_tcp_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    size_t off = 0;
    int r = 0;
    while (len - off >= 2) {
        size_t mlen = mm__rd16(data + off);
        if (mlen < DNS_HDR_LEN)
            return MM_EPARSE;
        if (len - off - 2 < mlen)
            break;
        int e = dns_emit_message(ctx, data + off + 2, mlen);
        if (e != 0 && r == 0)
            r = e;
        off += 2 + mlen;
    }
    if (r != 0 && off == 0)
        return r;
    return (long)off;
}

const struct mm_app_decoder mm_app_dns_udp = {
    .name = "dns",
    .transport = IPPROTO_UDP,
    .probe = dns_probe,
    .parse = dns_udp_parse,
    .state_free = NULL,
};

const struct mm_app_decoder mm_app_dns_tcp = {
    .name = "dns",
    .transport = IPPROTO_TCP,
    .probe = dns_tcp_probe,
    .parse = dns_tcp_parse,
    .state_free = NULL,
};
