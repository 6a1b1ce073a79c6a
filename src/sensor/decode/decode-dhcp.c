/* SPDX-License-Identifier: Apache-2.0
 * DHCP (BOOTP on UDP ports 67/68 with the DHCP magic cookie): one "dhcp"
 * event per message with Suricata's extended field set (type, id,
 * client_mac, assigned_ip, client_ip, relay_ip, next_server_ip, dhcp_type,
 * hostname, requested_ip, params, routers, dns_servers, subnet_mask,
 * lease/renewal/rebinding times, client_id, vendor_class_identifier) plus
 * mamori's "params_raw" (option 55 as the ordered list of numbers, the DHCP
 * fingerprint) and "fqdn" (option 81). Options are read up to the End
 * option or the end of the datagram; at most 255 options are looked at.
 * The message is read first into the typed event (dhcp-event.h), which the
 * sensor's direct path takes as it is; the JSON object is made from it
 * only when the direct path declines. */
#include <netinet/in.h>
#include <string.h>

#include "core/error.h"
#include "core/net.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/dhcp-event.h"
#include "sensor/decode/dns-parse.h"

#define BOOTP_LEN   MM__DHCP_BOOTP_LEN
#define MAX_OPTIONS 255

/* ---- the texts (dhcp-event.h) ----------------------------------------------------- */

size_t mm__dhcp_hex(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            out[k++] = ':';
        out[k++] = digits[p[i] >> 4];
        out[k++] = digits[p[i] & 15];
    }
    out[k] = '\0';
    return k;
}

const char *mm__dhcp_param_name(uint8_t code)
{
    switch (code) {
    case 1:
        return "subnet_mask";
    case 3:
        return "router";
    case 6:
        return "dns_server";
    case 15:
        return "domain";
    case 35:
        return "arp_timeout";
    case 42:
        return "ntp_server";
    case 66:
        return "tftp_server_name";
    case 150:
        return "tftp_server_ip";
    default:
        return NULL;
    }
}

const char *mm__dhcp_type_name(uint8_t type)
{
    static const char *const names[] = {"unknown", "discover", "offer",   "request", "decline",
                                        "ack",     "nak",      "release", "inform"};
    return type < sizeof names / sizeof names[0] ? names[type] : "unknown";
}

size_t mm__dhcp_text_len(const uint8_t *p, size_t n)
{
    while (n && p[n - 1] == '\0')
        n--;
    return n;
}

bool mm__dhcp_logged(uint8_t code)
{
    switch (code) {
    case 1:
    case 3:
    case 6:
    case 12:
    case 50:
    case 51:
    case 53:
    case 55:
    case 58:
    case 59:
    case 60:
    case 61:
    case 81:
        return true;
    default:
        return false;
    }
}

/* ---- the JSON object ---------------------------------------------------------------- */

static void set_ip(json_t *o, const char *key, const uint8_t *p)
{
    char buf[MM_ADDR_STRLEN];
    json_object_set_new(o, key, json_stringn_nocheck(buf, mm_ipv4_text(p, buf)));
}

static void set_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
    char buf[256 * 3 + 1];
    json_object_set_new(o, key, json_stringn_nocheck(buf, mm__dhcp_hex(p, n, buf)));
}

static void set_ip_list(json_t *o, const char *key, const uint8_t *p, size_t n)
{
    char buf[MM_ADDR_STRLEN];
    json_t *a = json_array();
    if (!a)
        return;
    for (size_t i = 0; i + 4 <= n; i += 4)
        json_array_append_new(a, json_stringn_nocheck(buf, mm_ipv4_text(p + i, buf)));
    json_object_set_new(o, key, a);
}

static void set_params(json_t *o, const uint8_t *p, size_t n)
{
    json_t *named = json_array(), *raw = json_array();
    for (size_t i = 0; named && raw && i < n; i++) {
        const char *name = mm__dhcp_param_name(p[i]);
        if (name)
            json_array_append_new(named, mm__app_json_str(name));
        json_array_append_new(raw, json_integer(p[i]));
    }
    if (named)
        json_object_set_new(o, "params", named);
    if (raw)
        json_object_set_new(o, "params_raw", raw);
}

static void set_fqdn(json_t *o, const uint8_t *p, size_t n)
{
    if (n < 3)
        return;
    if (p[0] & 0x04) { /* E: canonical wire encoding */
        char name[MM_DNS_NAME_TEXT_MAX];
        size_t next;
        if (mm__dns_name(p + 3, n - 3, 0, name, sizeof name, &next) == 0)
            json_object_set_new(o, "fqdn", mm__app_json_str(name));
    } else {
        mm__app_set_text(o, "fqdn", p + 3, mm__dhcp_text_len(p + 3, n - 3));
    }
}

static void on_option(json_t *o, uint8_t code, const uint8_t *p, size_t n)
{
    switch (code) {
    case 1:
        if (n == 4)
            set_ip(o, "subnet_mask", p);
        break;
    case 3:
        set_ip_list(o, "routers", p, n);
        break;
    case 6:
        set_ip_list(o, "dns_servers", p, n);
        break;
    case 12:
        if (mm__dhcp_text_len(p, n))
            mm__app_set_text(o, "hostname", p, mm__dhcp_text_len(p, n));
        break;
    case 50:
        if (n == 4)
            set_ip(o, "requested_ip", p);
        break;
    case 51:
    case 58:
    case 59:
        if (n == 4)
            json_object_set_new(o,
                                code == 51   ? "lease_time"
                                : code == 58 ? "renewal_time"
                                             : "rebinding_time",
                                json_integer(mm__rd32(p)));
        break;
    case 53:
        if (n >= 1)
            json_object_set_new(o, "dhcp_type", mm__app_json_str(mm__dhcp_type_name(p[0])));
        break;
    case 55:
        set_params(o, p, n);
        break;
    case 60:
        mm__app_set_text(o, "vendor_class_identifier", p, mm__dhcp_text_len(p, n));
        break;
    case 61:
        if (n >= 2)
            set_hex(o, "client_id", p + 1, n - 1);
        break;
    case 81:
        set_fqdn(o, p, n);
        break;
    default:
        break;
    }
}

/* ---- the message ------------------------------------------------------------------- */

int mm__dhcp_read(struct mm__dhcp_message *m, const uint8_t *d, size_t len)
{
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    if (len < BOOTP_LEN + 4)
        return MM_ETRUNC;
    if (memcmp(d + BOOTP_LEN, cookie, 4) != 0 || (d[0] != 1 && d[0] != 2))
        return MM_EPARSE;
    m->msg = d;
    m->len = len;
    m->nopts = 0;
    size_t off = BOOTP_LEN + 4;
    bool seen[256] = {false};
    for (int count = 0; off < len && count < MAX_OPTIONS; count++) {
        uint8_t code = d[off];
        if (code == 255)
            break;
        if (code == 0) {
            off++;
            continue;
        }
        if (off + 2 > len || off + 2 + d[off + 1] > len)
            return MM_ETRUNC;
        if (!seen[code] && mm__dhcp_logged(code) && m->nopts < MM__DHCP_OPTIONS_MAX)
            m->opts[m->nopts++] = (struct mm__dhcp_option){code, d[off + 1], (uint32_t)(off + 2)};
        seen[code] = true;
        off += 2 + d[off + 1];
    }
    return 0;
}

json_t *mm__dhcp_object(const struct mm__dhcp_message *m)
{
    const uint8_t *d = m->msg;
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "type", mm__app_json_str(d[0] == 1 ? "request" : "reply"));
    json_object_set_new(o, "id", json_integer(mm__rd32(d + 4)));
    set_hex(o, "client_mac", d + 28, mm__dhcp_hlen(m));
    set_ip(o, "assigned_ip", d + 16);
    set_ip(o, "client_ip", d + 12);
    if (d[0] == 2) {
        set_ip(o, "relay_ip", d + 24);
        set_ip(o, "next_server_ip", d + 20);
    }
    for (unsigned i = 0; i < m->nopts; i++)
        on_option(o, m->opts[i].code, d + m->opts[i].at, m->opts[i].len);
    return o;
}

bool (*mm__dhcp_direct)(struct mm_app_ctx *ctx, const struct mm__dhcp_message *m);

static bool dhcp_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    return (mm__app_port(p, 67) || mm__app_port(p, 68)) && len >= BOOTP_LEN + 4 &&
           memcmp(data + BOOTP_LEN, cookie, 4) == 0;
}

/* One message's event: the sensor's direct path first, else the JSON event
 * (a message too short or not DHCP has none). */
static long dhcp_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    struct mm__dhcp_message m;
    int r = mm__dhcp_read(&m, data, len);
    if (r != 0 && (len < BOOTP_LEN + 4 || r == MM_EPARSE))
        return r;
    if (ctx->sensor && mm__dhcp_direct && mm__dhcp_direct(ctx, &m))
        return r;
    json_t *o = mm__dhcp_object(&m);
    if (!o)
        return MM_ENOMEM;
    mm__app_emit(ctx, "dhcp", o);
    return r;
}

const struct mm_app_decoder mm_app_dhcp = {
    .name = "dhcp",
    .transport = IPPROTO_UDP,
    .probe = dhcp_probe,
    .parse = dhcp_parse,
    .state_free = NULL,
};
