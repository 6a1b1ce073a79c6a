/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the DNS message parser (decode-dns.c, dns-name.c)
 * against the code it replaced (commit 9c6c1dc: json_pack, snprintf,
 * inet_ntop, every name label through mm__app_text, a fresh "grouped"
 * object per message), kept below as old_*. The EVE text of both must be
 * equal byte for byte, and so must their return codes, on the corpus
 * messages (whole, cut at every offset, and with random bytes changed)
 * and on thousands of random messages: every header flag, compressed and
 * escaped names, each RR type the parser formats (A, AAAA, NS, CNAME, SOA,
 * PTR, MX, TXT, SRV, DNAME, OPT) plus unknown types, right and wrong
 * rdata lengths, with and without additionals (mDNS); every label length
 * with each kind of byte at each position. Also the direct IPv6
 * formatter against inet_ntop: every pattern of zero words, mapped and
 * compatible IPv4 forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "core/error.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/dns-parse.h"
#define TEST_DNS_GEN_CAP 4096 /* the random messages' buffer (bytes) */
#include "test-dns-gen.h"

/* ---- the parser before round 7 (commit 9c6c1dc) ------------------------------ */

#define DNS_HDR_LEN 12

/* Appends one label as text (escaped) plus the dot before it if needed. */
static int old_append_label(const uint8_t *lab, size_t n, char *out, size_t outlen, size_t *o)
{
    char tmp[64 * 4 + 1];
    size_t t = mm__app_text(lab, n, tmp, sizeof tmp);
    size_t need = t + (*o ? 1 : 0);
    if (*o + need >= outlen)
        return MM_EPARSE;
    if (*o)
        out[(*o)++] = '.';
    memcpy(out + *o, tmp, t);
    *o += t;
    out[*o] = '\0';
    return 0;
}

static int old_dns_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen,
                        size_t *next)
{
    size_t pos = off, o = 0, wire = 0, end = 0;
    size_t lowest = off; /* a pointer must go below every position read so far */
    int jumps = 0;
    int r;
    if (outlen == 0)
        return MM_EINVAL;
    out[0] = '\0';
    for (;;) {
        if (pos >= len)
            return MM_ETRUNC;
        uint8_t c = msg[pos];
        if ((c & 0xC0) == 0xC0) {
            if (pos + 1 >= len)
                return MM_ETRUNC;
            size_t target = (size_t)(c & 0x3F) << 8 | msg[pos + 1];
            if (!end)
                end = pos + 2;
            if (target >= lowest || ++jumps > MM_DNS_MAX_JUMPS)
                return MM_EPARSE;
            pos = lowest = target;
            continue;
        }
        if (c & 0xC0)
            return MM_EPARSE; /* 0x40 extended and 0x80 reserved label types */
        if (c == 0) {
            if (!end)
                end = pos + 1;
            break;
        }
        wire += (size_t)c + 1;
        if (wire + 1 > MM_DNS_NAME_WIRE_MAX)
            return MM_EPARSE;
        if (pos + 1 + c > len)
            return MM_ETRUNC;
        if ((r = old_append_label(msg + pos + 1, c, out, outlen, &o)) != 0)
            return r;
        pos += 1 + (size_t)c;
    }
    *next = end;
    return 0;
}

static const struct {
    uint16_t type;
    const char *name;
} old_rrtypes[] = {
    {1, "A"},      {2, "NS"},      {5, "CNAME"},  {6, "SOA"},         {10, "NULL"},  {11, "WKS"},
    {12, "PTR"},   {13, "HINFO"},  {15, "MX"},    {16, "TXT"},        {17, "RP"},    {18, "AFSDB"},
    {24, "SIG"},   {25, "KEY"},    {28, "AAAA"},  {29, "LOC"},        {33, "SRV"},   {35, "NAPTR"},
    {37, "CERT"},  {39, "DNAME"},  {41, "OPT"},   {43, "DS"},         {44, "SSHFP"}, {46, "RRSIG"},
    {47, "NSEC"},  {48, "DNSKEY"}, {50, "NSEC3"}, {51, "NSEC3PARAM"}, {52, "TLSA"},  {64, "SVCB"},
    {65, "HTTPS"}, {99, "SPF"},    {249, "TKEY"}, {250, "TSIG"},      {251, "IXFR"}, {252, "AXFR"},
    {255, "ANY"},  {257, "CAA"},
};

static const char *const old_rcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                         "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                         "NXRRSET", "NOTAUTH", "NOTZONE"};

static const char *old_rrtype_name(uint16_t type, char *buf, size_t buflen)
{
    for (size_t i = 0; i < sizeof old_rrtypes / sizeof old_rrtypes[0]; i++)
        if (old_rrtypes[i].type == type)
            return old_rrtypes[i].name;
    snprintf(buf, buflen, "%u", (unsigned)type);
    return buf;
}

/* Text this decoder made itself: names from old_dns_name and TXT strings
 * (both through mm__app_text), type names and numbers, addresses, all
 * valid UTF-8 by construction, so jansson need not check them again. */
static json_t *old_own_text(const char *s)
{
    return json_string_nocheck(s);
}

static json_t *old_rcode_json(unsigned rcode)
{
    char buf[12];
    if (rcode < sizeof old_rcodes / sizeof old_rcodes[0])
        return old_own_text(old_rcodes[rcode]);
    snprintf(buf, sizeof buf, "%u", rcode);
    return old_own_text(buf);
}

/* Adds the header fields (flags as hex text, the set flag bits as booleans). */
static void old_add_header(json_t *o, uint16_t id, uint16_t flags)
{
    char hex[8];
    bool response = flags & 0x8000;
    json_object_set_new(o, "version", json_integer(3));
    json_object_set_new(o, "type", old_own_text(response ? "response" : "request"));
    json_object_set_new(o, "id", json_integer(id));
    snprintf(hex, sizeof hex, "%x", (unsigned)flags);
    json_object_set_new(o, "flags", old_own_text(hex));
    static const struct {
        uint16_t bit;
        const char *name;
    } bits[] = {{0x8000, "qr"}, {0x0400, "aa"}, {0x0200, "tc"}, {0x0100, "rd"},
                {0x0080, "ra"}, {0x0040, "z"},  {0x0020, "ad"}, {0x0010, "cd"}};
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++)
        if (flags & bits[i].bit)
            json_object_set_new(o, bits[i].name, json_true());
    json_object_set_new(o, "opcode", json_integer((flags >> 11) & 0xF));
    if (response)
        json_object_set_new(o, "rcode", old_rcode_json(flags & 0xF));
}

/* The start of a question (fixed = 4: type, class) or a resource record
 * (fixed = 10: type, class, ttl, rdlength) at *off: its owner name into
 * name, and the offset of its fixed fields into *fields. */
static int old_entry_head(const uint8_t *msg, size_t len, size_t off, size_t fixed, char *name,
                          size_t namelen, size_t *fields)
{
    int r = old_dns_name(msg, len, off, name, namelen, fields);
    if (r != 0)
        return r;
    return *fields + fixed > len ? MM_ETRUNC : 0;
}

/* Sets key to arr when it has entries, else drops arr. */
static void old_set_nonempty(json_t *o, const char *key, json_t *arr)
{
    if (json_array_size(arr))
        json_object_set_new(o, key, arr);
    else
        json_decref(arr);
}

/* {"rrname": name, "rrtype": type}, as json_pack("{s:s,s:s}") makes it,
 * without parsing a format for each of the many records of a busy
 * network. */
static json_t *old_name_type_object(const char *name, const char *type)
{
    json_t *o = json_object();
    if (o && (json_object_set_new_nocheck(o, "rrname", old_own_text(name)) != 0 ||
              json_object_set_new_nocheck(o, "rrtype", old_own_text(type)) != 0)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static int old_parse_queries(const uint8_t *msg, size_t len, size_t *off, unsigned count, json_t *o)
{
    char name[MM_DNS_NAME_TEXT_MAX], tb[8];
    json_t *arr = json_array();
    int r = 0;
    if (!arr)
        return MM_ENOMEM;
    for (unsigned i = 0; i < count; i++) {
        size_t next;
        if ((r = old_entry_head(msg, len, *off, 4, name, sizeof name, &next)) != 0)
            break;
        uint16_t type = mm__rd16(msg + next);
        *off = next + 4;
        if (i < MM_DNS_MAX_QUERIES)
            json_array_append_new(arr,
                                  old_name_type_object(name, old_rrtype_name(type, tb, sizeof tb)));
    }
    old_set_nonempty(o, "queries", arr);
    return r;
}

/* Formats the data of one record into rr (rdata and, for SOA/SRV, the
 * structured forms Suricata writes). A malformed rdata leaves rdata out. */
static void old_add_rdata(json_t *rr, uint16_t type, const uint8_t *msg, size_t rd, size_t rdlen)
{
    char name[MM_DNS_NAME_TEXT_MAX], addr[INET6_ADDRSTRLEN];
    size_t next;
    const uint8_t *d = msg + rd;
    switch (type) {
    case 1:
    case 28:
        if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)) {
            inet_ntop(type == 1 ? AF_INET : AF_INET6, d, addr, sizeof addr);
            json_object_set_new(rr, "rdata", old_own_text(addr));
        }
        break;
    case 2:
    case 5:
    case 12:
    case 39:
        if (old_dns_name(msg, rd + rdlen, rd, name, sizeof name, &next) == 0)
            json_object_set_new(rr, "rdata", old_own_text(name));
        break;
    case 15:
        if (rdlen > 2 && old_dns_name(msg, rd + rdlen, rd + 2, name, sizeof name, &next) == 0)
            json_object_set_new(rr, "rdata", old_own_text(name));
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
        json_object_set_new(rr, "rdata", old_own_text(txt));
        break;
    }
    case 33:
        if (rdlen > 6 && old_dns_name(msg, rd + rdlen, rd + 6, name, sizeof name, &next) == 0) {
            json_object_set_new(rr, "rdata", old_own_text(name));
            json_object_set_new(rr, "srv",
                                json_pack("{s:i,s:i,s:i,s:s}", "priority", mm__rd16(d), "weight",
                                          mm__rd16(d + 2), "port", mm__rd16(d + 4), "name", name));
        }
        break;
    case 6: {
        char rname[MM_DNS_NAME_TEXT_MAX];
        size_t n2;
        if (old_dns_name(msg, rd + rdlen, rd, name, sizeof name, &next) == 0 &&
            old_dns_name(msg, rd + rdlen, next, rname, sizeof rname, &n2) == 0 &&
            n2 + 20 <= rd + rdlen) {
            const uint8_t *n = msg + n2;
            json_object_set_new(
                rr, "soa",
                json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I}", "mname", name, "rname", rname, "serial",
                          (json_int_t)mm__rd32(n), "refresh", (json_int_t)mm__rd32(n + 4), "retry",
                          (json_int_t)mm__rd32(n + 8), "expire", (json_int_t)mm__rd32(n + 12),
                          "minimum", (json_int_t)mm__rd32(n + 16)));
        }
        break;
    }
    default:
        break;
    }
}

/* Adds rdata to grouped[rrtype] (answers only). */
static void old_add_grouped(json_t *grouped, const char *tname, json_t *rr)
{
    json_t *rdata = json_object_get(rr, "rdata");
    if (!rdata)
        return;
    json_t *arr = json_object_get(grouped, tname);
    if (!arr) {
        arr = json_array();
        if (!arr || json_object_set_new(grouped, tname, arr) != 0)
            return;
    }
    json_array_append(arr, rdata);
}

static int old_parse_records(const uint8_t *msg, size_t len, size_t *off, unsigned count, json_t *o,
                             const char *key, json_t *grouped)
{
    char name[MM_DNS_NAME_TEXT_MAX], tb[8];
    json_t *arr = json_array();
    int r = 0;
    if (!arr)
        return MM_ENOMEM;
    for (unsigned i = 0; i < count; i++) {
        size_t next;
        if ((r = old_entry_head(msg, len, *off, 10, name, sizeof name, &next)) != 0)
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
        const char *tname = old_rrtype_name(type, tb, sizeof tb);
        json_t *rr = old_name_type_object(name, tname);
        if (rr && json_object_set_new_nocheck(rr, "ttl", json_integer((json_int_t)ttl)) != 0) {
            json_decref(rr);
            rr = NULL;
        }
        if (!rr)
            continue;
        old_add_rdata(rr, type, msg, rd, rdlen);
        if (grouped)
            old_add_grouped(grouped, tname, rr);
        json_array_append_new(arr, rr);
    }
    old_set_nonempty(o, key, arr);
    return r;
}

static int old_parse_message(const uint8_t *msg, size_t len, bool with_additionals, json_t **out)
{
    int r = 0;
    json_t *o = NULL, *grouped = NULL;
    *out = NULL;
    if (len < DNS_HDR_LEN)
        return MM_ETRUNC;
    uint16_t id = mm__rd16(msg), flags = mm__rd16(msg + 2);
    unsigned qd = mm__rd16(msg + 4), an = mm__rd16(msg + 6), ns = mm__rd16(msg + 8),
             ar = mm__rd16(msg + 10);
    size_t off = DNS_HDR_LEN;
    if (!(o = json_object()) || !(grouped = json_object())) {
        r = MM_ENOMEM;
        goto out;
    }
    old_add_header(o, id, flags);
    if ((r = old_parse_queries(msg, len, &off, qd, o)) != 0)
        goto out;
    if (!(flags & 0x8000) && an == 0 && ns == 0)
        goto out; /* a plain query: additionals hold only EDNS */
    if ((r = old_parse_records(msg, len, &off, an, o, "answers", grouped)) != 0)
        goto out;
    if ((r = old_parse_records(msg, len, &off, ns, o, "authorities", NULL)) != 0)
        goto out;
    if (with_additionals)
        r = old_parse_records(msg, len, &off, ar, o, "additionals", NULL);
out:
    if (grouped && json_object_size(grouped) && o)
        json_object_set(o, "grouped", grouped);
    json_decref(grouped);
    if (r == MM_ENOMEM) {
        json_decref(o);
        return r;
    }
    *out = o;
    return r;
}

/* ---- comparing ---------------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static char *dump(const json_t *o)
{
    return o ? json_dumps(o, JSON_COMPACT) : NULL;
}

/* Parses msg with both parsers (with and without additionals): the same
 * return code and the same EVE text. */
static void expect_same(const uint8_t *msg, size_t len, const char *what)
{
    uint8_t *exact = malloc(len ? len : 1); /* exact size: ASan sees over-reads */
    assert_non_null(exact);
    memcpy(exact, msg, len);
    for (int add = 0; add < 2; add++) {
        json_t *a = NULL, *b = NULL;
        int ra = old_parse_message(exact, len, add, &a);
        int rb = mm__dns_parse_message(exact, len, add, &b);
        char *ta = dump(a), *tb = dump(b);
        if (ra != rb || (ta == NULL) != (tb == NULL) || (ta && strcmp(ta, tb) != 0))
            fail_msg("%s (len %zu, additionals %d): old %d %s, new %d %s", what, len, add, ra,
                     ta ? ta : "(null)", rb, tb ? tb : "(null)");
        free(ta);
        free(tb);
        json_decref(a);
        json_decref(b);
    }
    free(exact);
}

static const char *const seeds[][2] = {{"dns", "query-a"},   {"dns", "response-full"},
                                       {"dns", "nxdomain"},  {"dns", "loop"},
                                       {"mdns", "announce"}, {"mdns", "query"}};

/* Every corpus message whole, cut at every offset, and 300 times with 1-4
 * random bytes changed (label lengths, pointers, counts, text bytes). */
static void test_corpus_mutations(void **state)
{
    (void)state;
    rng_state = 7;
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        size_t len;
        uint8_t *m = app_seed(seeds[s][0], seeds[s][1], &len);
        for (size_t cut = 0; cut <= len; cut++)
            expect_same(m, cut, seeds[s][1]);
        uint8_t *mut = malloc(len);
        assert_non_null(mut);
        for (int i = 0; i < 300; i++) {
            memcpy(mut, m, len);
            for (int k = 0, n = 1 + (int)(rnd() % 4); k < n && len > 12; k++) {
                size_t at = 12 + rnd() % (len - 12);
                mut[at] = (uint8_t)(rnd() % 3 == 0 ? rnd() : mut[at] ^ (1u << (rnd() % 8)));
            }
            expect_same(mut, len, seeds[s][1]);
        }
        free(mut);
        free(m);
    }
}

/* ---- random messages ------------------------------------------------------------ */

/* A label byte: mostly host-name letters, sometimes upper case, dots,
 * spaces, control bytes, UTF-8 sequences (right and broken) or any byte. */
static void label_byte(struct gen *g, unsigned len_left)
{
    static const char plain[] = "abcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned k = rnd() % 40;
    if (k < 30)
        put8(g, (uint8_t)plain[rnd() % (sizeof plain - 1)]);
    else if (k < 32)
        put8(g, 'A' + rnd() % 26);
    else if (k < 33)
        put8(g, ".  \\\""[rnd() % 5]);
    else if (k < 35 && len_left >= 2) {
        put8(g, 0xC3); /* é */
        put8(g, 0xA9);
    } else if (k < 36)
        put8(g, rnd() % 0x20);
    else
        put8(g, rnd() & 0xFF);
}

/* A name: 0-5 labels, then the root or a pointer to an earlier name. */
static void gen_name(struct gen *g)
{
    size_t start = g->n;
    unsigned labels = rnd() % 6;
    for (unsigned i = 0; i < labels; i++) {
        unsigned len = rnd() % 8 == 0 ? 1 + rnd() % 63 : 1 + rnd() % 12;
        put8(g, len);
        for (unsigned j = 0; j < len; j++)
            label_byte(g, len - j);
    }
    if (g->nnames && rnd() % 2) {
        size_t to = g->names[rnd() % g->nnames];
        put16(g, 0xC000 | (unsigned)(rnd() % 20 == 0 ? rnd() % 0x4000 : to));
    } else {
        put8(g, 0);
    }
    if (g->nnames < 32)
        g->names[g->nnames++] = start;
}

static const uint16_t types[] = {1,  28, 2,  5,  6,   12, 15,  16,   33,
                                 39, 41, 13, 99, 257, 65, 300, 65535};

/* The rdata of type (mostly well formed, sometimes of a random length). */
static void gen_rdata(struct gen *g, uint16_t type)
{
    size_t len_at = g->n;
    put16(g, 0);
    size_t start = g->n;
    bool random = rnd() % 10 == 0;
    if (random) {
        for (unsigned i = 0, n = rnd() % 24; i < n; i++)
            put8(g, rnd());
    } else if (type == 1 || type == 28) {
        unsigned n = type == 1 ? 4 : 16;
        for (unsigned i = 0; i < n; i++) /* zero words are common in IPv6 */
            put8(g, rnd() % 3 == 0 ? 0 : rnd());
    } else if (type == 15 || type == 33) {
        for (unsigned i = 0, n = type == 15 ? 2 : 6; i < n; i++)
            put8(g, rnd());
        gen_name(g);
    } else if (type == 6) {
        gen_name(g);
        gen_name(g);
        for (int i = 0; i < 5; i++)
            put32(g, rnd() * 3u);
    } else if (type == 16) {
        for (unsigned s = 0, n = rnd() % 4; s < n; s++) {
            unsigned l = rnd() % 20;
            put8(g, l);
            for (unsigned i = 0; i < l; i++)
                label_byte(g, l - i);
        }
    } else if (type == 2 || type == 5 || type == 12 || type == 39) {
        gen_name(g);
    } else {
        for (unsigned i = 0, n = rnd() % 8; i < n; i++)
            put8(g, rnd());
    }
    size_t len = g->n - start;
    if (rnd() % 25 == 0)
        len += rnd() % 5; /* a length past the data */
    if (len_at + 1 < sizeof g->b) {
        g->b[len_at] = (uint8_t)(len >> 8);
        g->b[len_at + 1] = (uint8_t)len;
    }
}

static void gen_message(struct gen *g)
{
    unsigned counts[4] = {rnd() % 3, rnd() % 6, rnd() % 3, rnd() % 3};
    memset(g, 0, sizeof *g);
    put16(g, rnd());
    put16(g, rnd() % 2 ? rnd() : (rnd() & 0x8F0F)); /* every flag, or the usual ones */
    for (int i = 0; i < 4; i++)
        put16(g, rnd() % 30 == 0 ? rnd() % 200 : counts[i]);
    for (unsigned i = 0; i < counts[0]; i++) {
        gen_name(g);
        put16(g, types[rnd() % (sizeof types / sizeof types[0])]);
        put16(g, 1);
    }
    for (unsigned s = 1; s < 4; s++)
        for (unsigned i = 0; i < counts[s]; i++) {
            uint16_t type = types[rnd() % (sizeof types / sizeof types[0])];
            gen_name(g);
            put16(g, type);
            put16(g, 1);
            put32(g, rnd());
            gen_rdata(g, type);
        }
}

static void test_random_messages(void **state)
{
    (void)state;
    rng_state = 11;
    struct gen *g = malloc(sizeof *g);
    assert_non_null(g);
    for (int i = 0; i < 6000; i++) {
        char what[32];
        gen_message(g);
        snprintf(what, sizeof what, "random message %d", i);
        expect_same(g->b, g->n, what);
        if (i % 50 == 0) /* and some of them cut short */
            expect_same(g->b, rnd() % (g->n + 1), what);
    }
    free(g);
}

/* Well-formed rdata of type (only the types the parser formats). */
static void simple_rdata(struct gen *g, uint16_t type)
{
    static const uint8_t names[][6] = {{1, 'x', 0}, {2, 'm', 'x', 0}, {3, 's', 'r', 'v', 0}};
    size_t len_at = g->n, n = type == 1 ? 4 : type == 28 ? 16 : 0;
    put16(g, 0);
    if (type == 15 || type == 33)
        for (int i = 0; i < (type == 15 ? 2 : 6); i++)
            put8(g, rnd());
    for (size_t i = 0; i < n; i++)
        put8(g, rnd() % 2 ? 0 : rnd());
    if (type == 16) {
        put8(g, 3);
        for (int i = 0; i < 3; i++)
            put8(g, 'a' + rnd() % 26);
    } else if (!n) {
        const uint8_t *nm = names[rnd() % 3];
        for (size_t i = 0; i == 0 || nm[i - 1] != 0; i++)
            put8(g, nm[i]);
    }
    size_t len = g->n - len_at - 2;
    g->b[len_at] = (uint8_t)(len >> 8);
    g->b[len_at + 1] = (uint8_t)len;
}

/* An answer section with more distinct types than the grouped table
 * holds (9 types with rdata, each coming back later, in runs and mixed). */
static void test_grouped_types(void **state)
{
    (void)state;
    static const uint16_t order[] = {1, 28, 2, 5, 12, 15, 16, 33, 39, 39, 1, 39, 16, 5, 5, 28, 33};
    struct gen *g = calloc(1, sizeof *g);
    assert_non_null(g);
    rng_state = 13;
    for (int round = 0; round < 50; round++) {
        size_t n = sizeof order / sizeof order[0];
        g->n = 0;
        g->nnames = 0;
        put16(g, 0x4242);
        put16(g, 0x8180);
        put16(g, 0);
        put16(g, (unsigned)n);
        put16(g, 0);
        put16(g, 0);
        for (size_t i = 0; i < n; i++) {
            uint16_t type = round % 2 ? order[rnd() % n] : order[i];
            put8(g, 1);
            put8(g, 'a' + (unsigned)i % 26);
            put8(g, 0);
            put16(g, type);
            put16(g, 1);
            put32(g, 60);
            simple_rdata(g, type);
        }
        expect_same(g->b, g->n, "grouped types");
    }
    free(g);
}

/* Every label length with one byte of each kind (control, space, letter,
 * '~', DEL, a lone continuation byte, a UTF-8 lead, 0xff) at every
 * position: the plain copy (words of 8, overlapping words of 4, bytes)
 * must keep exactly the labels mm__app_text keeps as they are. */
static void test_label_bytes(void **state)
{
    (void)state;
    static const uint8_t kinds[] = {0x00, 0x1f, 0x20, 0x41, 0x7e, 0x7f, 0x80, 0xc3, 0xff};
    uint8_t m[128];
    for (size_t n = 1; n <= 63; n++)
        for (size_t at = 0; at < n; at++)
            for (size_t k = 0; k < sizeof kinds; k++) {
                static const uint8_t head[] = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
                size_t len = sizeof head;
                memcpy(m, head, len);
                m[len++] = (uint8_t)n;
                for (size_t i = 0; i < n; i++)
                    m[len++] = i == at ? kinds[k] : (uint8_t)('a' + i % 26);
                memcpy(m + len, "\3com\0\0\1\0\1", 9); /* com, root, A, IN */
                len += 9;
                /* an answer pointing at the name, so it is read twice */
                static const uint8_t answer[] = {0xc0, 12, 0, 1, 0, 1, 0, 0,
                                                 0,    60, 0, 4, 1, 2, 3, 4};
                memcpy(m + len, answer, sizeof answer);
                len += sizeof answer;
                expect_same(m, len, "label byte");
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_mutations),
        cmocka_unit_test(test_random_messages),
        cmocka_unit_test(test_label_bytes),
        cmocka_unit_test(test_grouped_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
