/* SPDX-License-Identifier: Apache-2.0
 * DHCP (BOOTP on UDP ports 67/68 with the DHCP magic cookie): one "dhcp"
 * event per message with Suricata's extended field set (type, id,
 * client_mac, assigned_ip, client_ip, relay_ip, next_server_ip, dhcp_type,
 * hostname, requested_ip, params, routers, dns_servers, subnet_mask,
 * lease/renewal/rebinding times, client_id, vendor_class_identifier) plus
 * mamori's "params_raw" (option 55 as the ordered list of numbers, the DHCP
 * fingerprint) and "fqdn" (option 81). Options are read up to the End
 * option or the end of the datagram; at most 255 options are looked at. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/dns-parse.h"

#define BOOTP_LEN   236
#define MAX_OPTIONS 255

static void set_ip(json_t *o, const char *key, const uint8_t *p)
{
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, p, buf, sizeof buf);
    json_object_set_new(o, key, mm__app_json_str(buf));
}

static void set_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
    char buf[256 * 3 + 1];
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && k + 4 < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, i ? ":%02x" : "%02x", p[i]);
    json_object_set_new(o, key, mm__app_json_str(buf));
}

static void set_ip_list(json_t *o, const char *key, const uint8_t *p, size_t n)
{
    char buf[INET_ADDRSTRLEN];
    json_t *a = json_array();
    if (!a)
        return;
    for (size_t i = 0; i + 4 <= n; i += 4) {
        inet_ntop(AF_INET, p + i, buf, sizeof buf);
        json_array_append_new(a, mm__app_json_str(buf));
    }
    json_object_set_new(o, key, a);
}

static const char *param_name(uint8_t code)
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

static void set_params(json_t *o, const uint8_t *p, size_t n)
{
    json_t *named = json_array(), *raw = json_array();
    for (size_t i = 0; named && raw && i < n; i++) {
        const char *name = param_name(p[i]);
        if (name)
            json_array_append_new(named, mm__app_json_str(name));
        json_array_append_new(raw, json_integer(p[i]));
    }
    if (named)
        json_object_set_new(o, "params", named);
    if (raw)
        json_object_set_new(o, "params_raw", raw);
}

static const char *const dhcp_types[] = {"unknown", "discover", "offer",   "request", "decline",
                                         "ack",     "nak",      "release", "inform"};

/* Strips trailing NULs some clients put after text options. */
static size_t text_len(const uint8_t *p, size_t n)
{
    while (n && p[n - 1] == '\0')
        n--;
    return n;
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
        mm__app_set_text(o, "fqdn", p + 3, text_len(p + 3, n - 3));
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
        if (text_len(p, n))
            mm__app_set_text(o, "hostname", p, text_len(p, n));
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
            json_object_set_new(o, "dhcp_type",
                                mm__app_json_str(p[0] < sizeof dhcp_types / sizeof dhcp_types[0]
                                                     ? dhcp_types[p[0]]
                                                     : "unknown"));
        break;
    case 55:
        set_params(o, p, n);
        break;
    case 60:
        mm__app_set_text(o, "vendor_class_identifier", p, text_len(p, n));
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

/* Parses one DHCP message into a new "dhcp" object. */
static int dhcp_parse_message(const uint8_t *d, size_t len, json_t **out)
{
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    *out = NULL;
    if (len < BOOTP_LEN + 4)
        return MM_ETRUNC;
    if (memcmp(d + BOOTP_LEN, cookie, 4) != 0 || (d[0] != 1 && d[0] != 2))
        return MM_EPARSE;
    json_t *o = json_object();
    if (!o)
        return MM_ENOMEM;
    uint8_t hlen = d[2] <= 16 ? d[2] : 16;
    json_object_set_new(o, "type", mm__app_json_str(d[0] == 1 ? "request" : "reply"));
    json_object_set_new(o, "id", json_integer(mm__rd32(d + 4)));
    set_hex(o, "client_mac", d + 28, hlen);
    set_ip(o, "assigned_ip", d + 16);
    set_ip(o, "client_ip", d + 12);
    if (d[0] == 2) {
        set_ip(o, "relay_ip", d + 24);
        set_ip(o, "next_server_ip", d + 20);
    }
    size_t off = BOOTP_LEN + 4;
    int r = 0;
    bool seen[256] = {false};
    for (int count = 0; off < len && count < MAX_OPTIONS; count++) {
        uint8_t code = d[off];
        if (code == 255)
            break;
        if (code == 0) {
            off++;
            continue;
        }
        if (off + 2 > len || off + 2 + d[off + 1] > len) {
            r = MM_ETRUNC;
            break;
        }
        size_t n = d[off + 1];
        if (!seen[code])
            on_option(o, code, d + off + 2, n);
        seen[code] = true;
        off += 2 + n;
    }
    *out = o;
    return r;
}

static bool dhcp_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    static const uint8_t cookie[4] = {99, 130, 83, 99};
    return (mm__app_port(p, 67) || mm__app_port(p, 68)) && len >= BOOTP_LEN + 4 &&
           memcmp(data + BOOTP_LEN, cookie, 4) == 0;
}

static long dhcp_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    json_t *o = NULL;
    int r = dhcp_parse_message(data, len, &o);
    if (o)
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
