/* SPDX-License-Identifier: Apache-2.0
 * DNS over UDP and TCP (port 53): each message becomes one EVE "dns" event
 * in Suricata 8's version 3 layout (type request/response, queries[],
 * answers[], authorities[], grouped, flags, rcode). TCP messages carry a
 * 2-byte length prefix and may be split across segments or packed several
 * to a chunk. Limits: MM_DNS_MAX_QUERIES questions and MM_DNS_MAX_RECORDS
 * records per section are logged; names are decompressed by dns-name.c.
 * The message parser is shared with decode-mdns.c (dns-parse.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/dns-parse.h"

#define DNS_HDR_LEN 12

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

static const char *const rcodes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                     "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                     "NXRRSET", "NOTAUTH", "NOTZONE"};

const char *mm__dns_rrtype_name(uint16_t type, char *buf, size_t buflen)
{
    for (size_t i = 0; i < sizeof rrtypes / sizeof rrtypes[0]; i++)
        if (rrtypes[i].type == type)
            return rrtypes[i].name;
    snprintf(buf, buflen, "%u", (unsigned)type);
    return buf;
}

/* Text this decoder made itself: names from mm__dns_name and TXT strings
 * (both through mm__app_text), type names and numbers, addresses, all
 * valid UTF-8 by construction, so jansson need not check them again. */
static json_t *own_text(const char *s)
{
    return json_string_nocheck(s);
}

static json_t *rcode_json(unsigned rcode)
{
    char buf[12];
    if (rcode < sizeof rcodes / sizeof rcodes[0])
        return own_text(rcodes[rcode]);
    snprintf(buf, sizeof buf, "%u", rcode);
    return own_text(buf);
}

/* Adds the header fields (flags as hex text, the set flag bits as booleans). */
static void add_header(json_t *o, uint16_t id, uint16_t flags)
{
    char hex[8];
    bool response = flags & 0x8000;
    json_object_set_new(o, "version", json_integer(3));
    json_object_set_new(o, "type", own_text(response ? "response" : "request"));
    json_object_set_new(o, "id", json_integer(id));
    snprintf(hex, sizeof hex, "%x", (unsigned)flags);
    json_object_set_new(o, "flags", own_text(hex));
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
        json_object_set_new(o, "rcode", rcode_json(flags & 0xF));
}

/* The start of a question (fixed = 4: type, class) or a resource record
 * (fixed = 10: type, class, ttl, rdlength) at *off: its owner name into
 * name, and the offset of its fixed fields into *fields. */
static int entry_head(const uint8_t *msg, size_t len, size_t off, size_t fixed, char *name,
                      size_t namelen, size_t *fields)
{
    int r = mm__dns_name(msg, len, off, name, namelen, fields);
    if (r != 0)
        return r;
    return *fields + fixed > len ? MM_ETRUNC : 0;
}

/* Sets key to arr when it has entries, else drops arr. */
static void set_nonempty(json_t *o, const char *key, json_t *arr)
{
    if (json_array_size(arr))
        json_object_set_new(o, key, arr);
    else
        json_decref(arr);
}

/* {"rrname": name, "rrtype": type}, as json_pack("{s:s,s:s}") makes it,
 * without parsing a format for each of the many records of a busy
 * network. */
static json_t *name_type_object(const char *name, const char *type)
{
    json_t *o = json_object();
    if (o && (json_object_set_new_nocheck(o, "rrname", own_text(name)) != 0 ||
              json_object_set_new_nocheck(o, "rrtype", own_text(type)) != 0)) {
        json_decref(o);
        o = NULL;
    }
    return o;
}

static int parse_queries(const uint8_t *msg, size_t len, size_t *off, unsigned count, json_t *o)
{
    char name[MM_DNS_NAME_TEXT_MAX], tb[8];
    json_t *arr = json_array();
    int r = 0;
    if (!arr)
        return MM_ENOMEM;
    for (unsigned i = 0; i < count; i++) {
        size_t next;
        if ((r = entry_head(msg, len, *off, 4, name, sizeof name, &next)) != 0)
            break;
        uint16_t type = mm__rd16(msg + next);
        *off = next + 4;
        if (i < MM_DNS_MAX_QUERIES)
            json_array_append_new(arr,
                                  name_type_object(name, mm__dns_rrtype_name(type, tb, sizeof tb)));
    }
    set_nonempty(o, "queries", arr);
    return r;
}

/* Formats the data of one record into rr (rdata and, for SOA/SRV, the
 * structured forms Suricata writes). A malformed rdata leaves rdata out. */
static void add_rdata(json_t *rr, uint16_t type, const uint8_t *msg, size_t rd, size_t rdlen)
{
    char name[MM_DNS_NAME_TEXT_MAX], addr[INET6_ADDRSTRLEN];
    size_t next;
    const uint8_t *d = msg + rd;
    switch (type) {
    case 1:
    case 28:
        if ((type == 1 && rdlen == 4) || (type == 28 && rdlen == 16)) {
            inet_ntop(type == 1 ? AF_INET : AF_INET6, d, addr, sizeof addr);
            json_object_set_new(rr, "rdata", own_text(addr));
        }
        break;
    case 2:
    case 5:
    case 12:
    case 39:
        if (mm__dns_name(msg, rd + rdlen, rd, name, sizeof name, &next) == 0)
            json_object_set_new(rr, "rdata", own_text(name));
        break;
    case 15:
        if (rdlen > 2 && mm__dns_name(msg, rd + rdlen, rd + 2, name, sizeof name, &next) == 0)
            json_object_set_new(rr, "rdata", own_text(name));
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
        json_object_set_new(rr, "rdata", own_text(txt));
        break;
    }
    case 33:
        if (rdlen > 6 && mm__dns_name(msg, rd + rdlen, rd + 6, name, sizeof name, &next) == 0) {
            json_object_set_new(rr, "rdata", own_text(name));
            json_object_set_new(rr, "srv",
                                json_pack("{s:i,s:i,s:i,s:s}", "priority", mm__rd16(d), "weight",
                                          mm__rd16(d + 2), "port", mm__rd16(d + 4), "name", name));
        }
        break;
    case 6: {
        char rname[MM_DNS_NAME_TEXT_MAX];
        size_t n2;
        if (mm__dns_name(msg, rd + rdlen, rd, name, sizeof name, &next) == 0 &&
            mm__dns_name(msg, rd + rdlen, next, rname, sizeof rname, &n2) == 0 &&
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
static void add_grouped(json_t *grouped, const char *tname, json_t *rr)
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

static int parse_records(const uint8_t *msg, size_t len, size_t *off, unsigned count, json_t *o,
                         const char *key, json_t *grouped)
{
    char name[MM_DNS_NAME_TEXT_MAX], tb[8];
    json_t *arr = json_array();
    int r = 0;
    if (!arr)
        return MM_ENOMEM;
    for (unsigned i = 0; i < count; i++) {
        size_t next;
        if ((r = entry_head(msg, len, *off, 10, name, sizeof name, &next)) != 0)
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
        const char *tname = mm__dns_rrtype_name(type, tb, sizeof tb);
        json_t *rr = name_type_object(name, tname);
        if (rr && json_object_set_new_nocheck(rr, "ttl", json_integer((json_int_t)ttl)) != 0) {
            json_decref(rr);
            rr = NULL;
        }
        if (!rr)
            continue;
        add_rdata(rr, type, msg, rd, rdlen);
        if (grouped)
            add_grouped(grouped, tname, rr);
        json_array_append_new(arr, rr);
    }
    set_nonempty(o, key, arr);
    return r;
}

int mm__dns_parse_message(const uint8_t *msg, size_t len, bool with_additionals, json_t **out)
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
    add_header(o, id, flags);
    if ((r = parse_queries(msg, len, &off, qd, o)) != 0)
        goto out;
    if (!(flags & 0x8000) && an == 0 && ns == 0)
        goto out; /* a plain query: additionals hold only EDNS */
    if ((r = parse_records(msg, len, &off, an, o, "answers", grouped)) != 0)
        goto out;
    if ((r = parse_records(msg, len, &off, ns, o, "authorities", NULL)) != 0)
        goto out;
    if (with_additionals)
        r = parse_records(msg, len, &off, ar, o, "additionals", NULL);
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

/* Parses one message and emits its event; returns the parse result. */
static int dns_emit_message(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len)
{
    json_t *o = NULL;
    int r = mm__dns_parse_message(msg, len, false, &o);
    if (o)
        mm__app_emit(ctx, "dns", o);
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
