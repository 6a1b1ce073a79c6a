/* SPDX-License-Identifier: Apache-2.0
 * NetBIOS name service (UDP port 137, RFC 1002): each message becomes a
 * "netbios" event with type (request/response), id, opcode (query,
 * registration, release, wack, refresh), the decoded NetBIOS name and its
 * suffix, the group flag and addresses where present, and "hostname" when
 * the sender announces its own computer name (a registration or refresh of
 * a unique name with suffix 0x00 workstation or 0x20 server). Names are
 * first-level encoded (32 letters A-P); DNS-style compression pointers are
 * followed with the limits of dns-name.c. The message is read first into
 * the typed event (nbns-event.h), which the sensor's direct path takes as
 * it is; the JSON object is made from it only when the path declines. */
#include <netinet/in.h>
#include <string.h>

#include "core/error.h"
#include "core/net.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/dns-parse.h"
#include "sensor/decode/nbns-event.h"

#define NBNS_HDR_LEN 12

const char *mm__nbns_opcode_name(unsigned op)
{
    switch (op) {
    case 0:
        return "query";
    case 5:
        return "registration";
    case 6:
        return "release";
    case 7:
        return "wack";
    case 8:
    case 9:
        return "refresh";
    case 15:
        return "multihomed_registration";
    default:
        return "unknown";
    }
}

/* Decodes the 32-letter first label into name (trailing spaces removed)
 * and suffix. Returns false when the label is not a NetBIOS name. */
static bool decode_nb_name(const char *label, char *name, size_t namelen, unsigned *suffix)
{
    uint8_t raw[16];
    for (int i = 0; i < 16; i++) {
        char hi = label[2 * i], lo = label[2 * i + 1];
        if (hi < 'A' || hi > 'P' || lo < 'A' || lo > 'P')
            return false;
        raw[i] = (uint8_t)((hi - 'A') << 4 | (lo - 'A'));
    }
    size_t n = 15;
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\0'))
        n--;
    mm__app_text(raw, n, name, namelen);
    *suffix = raw[15];
    return true;
}

/* Reads one message into m: 0, or MM_ETRUNC / MM_EPARSE / the name
 * decoder's error with no event. */
static int nbns_read(const uint8_t *d, size_t len, struct mm__nbns_message *m)
{
    char enc[MM_DNS_NAME_TEXT_MAX];
    size_t next;
    int r;
    if (len < NBNS_HDR_LEN)
        return MM_ETRUNC;
    uint16_t flags = mm__rd16(d + 2);
    unsigned qd = mm__rd16(d + 4), an = mm__rd16(d + 6), ar = mm__rd16(d + 10);
    memset(m, 0, sizeof *m);
    m->response = flags & 0x8000;
    m->opcode = (flags >> 11) & 0xF;
    m->rcode = flags & 0xF;
    m->id = mm__rd16(d);
    if (qd + an == 0)
        return MM_EPARSE;
    if ((r = mm__dns_name(d, len, NBNS_HDR_LEN, enc, sizeof enc, &next)) != 0)
        return r;
    if (strlen(enc) < 32 || (enc[32] != '\0' && enc[32] != '.') ||
        !decode_nb_name(enc, m->name, sizeof m->name, &m->suffix))
        return MM_EPARSE;
    if (next + 4 > len)
        return MM_ETRUNC;
    uint16_t qtype = mm__rd16(d + next);
    size_t off = next + 4;
    /* Responses carry the record right after the name; requests with an
     * additional record (registration, refresh, release) after the question. */
    bool record = m->response ? an > 0 : (qd > 0 && ar > 0);
    if (m->response)
        off = next; /* the answer's name was the one read */
    else if (record && mm__dns_name(d, len, off, enc, sizeof enc, &off) != 0)
        record = false;
    if (record && qtype == 0x20 && off + 10 <= len) {
        size_t rdlen = mm__rd16(d + off + 8), rd = off + 10;
        m->has_group = true;
        for (size_t i = 0; i + 6 <= rdlen && rd + i + 6 <= len && i < 6 * 16; i += 6) {
            if (i == 0)
                m->group = d[rd] & 0x80;
            memcpy(m->addrs[m->naddrs++], d + rd + i + 2, 4);
        }
    }
    unsigned op = m->opcode;
    bool announce = !m->response && (op == 5 || op == 8 || op == 9 || op == 15);
    m->hostname = announce && !m->group && (m->suffix == 0x00 || m->suffix == 0x20) && m->name[0];
    return 0;
}

json_t *mm__nbns_object(const struct mm__nbns_message *m)
{
    char ip[MM_ADDR_STRLEN];
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "type", mm__app_json_str(m->response ? "response" : "request"));
    json_object_set_new(o, "id", json_integer(m->id));
    json_object_set_new(o, "opcode", mm__app_json_str(mm__nbns_opcode_name(m->opcode)));
    json_object_set_new(o, "name", mm__app_json_str(m->name));
    json_object_set_new(o, "suffix", json_integer(m->suffix));
    if (m->response)
        json_object_set_new(o, "rcode", json_integer(m->rcode));
    if (m->has_group) {
        json_t *addrs = json_array();
        for (unsigned i = 0; addrs && i < m->naddrs; i++)
            json_array_append_new(addrs, json_stringn_nocheck(ip, mm_ipv4_text(m->addrs[i], ip)));
        if (addrs && json_array_size(addrs))
            json_object_set_new(o, "addresses", addrs);
        else
            json_decref(addrs);
        json_object_set_new(o, "group", json_boolean(m->group));
    }
    if (m->hostname)
        json_object_set_new(o, "hostname", mm__app_json_str(m->name));
    return o;
}

bool (*mm__nbns_direct)(struct mm_app_ctx *ctx, const struct mm__nbns_message *m);

/* One message's event: the sensor's direct path first, else the JSON event. */
static long nbns_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    struct mm__nbns_message m;
    int r = nbns_read(data, len, &m);
    if (r != 0)
        return r;
    if (ctx->sensor && mm__nbns_direct && mm__nbns_direct(ctx, &m))
        return 0;
    json_t *o = mm__nbns_object(&m);
    if (!o)
        return MM_ENOMEM;
    mm__app_emit(ctx, "netbios", o);
    return 0;
}

static bool nbns_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    (void)data;
    return len >= NBNS_HDR_LEN && mm__app_port(p, 137);
}

const struct mm_app_decoder mm_app_nbns = {
    .name = "netbios",
    .transport = IPPROTO_UDP,
    .probe = nbns_probe,
    .parse = nbns_parse,
    .state_free = NULL,
};
