/* SPDX-License-Identifier: Apache-2.0
 * Multicast DNS (UDP port 5353): each message becomes an "mdns" event with
 * the DNS fields of decode-dns.c (queries, answers, authorities,
 * additionals) plus "hostnames": the device names the message announces,
 * taken from the owner names of A/AAAA records ending in ".local" (the
 * suffix removed) and the targets of reverse-lookup PTR records and SRV
 * records. The device inventory reads the A/AAAA records. The sensor's
 * direct path (mm__mdns_direct, eve-dns.c) is asked first: it writes the
 * event from a typed DNS event when nothing needs the JSON. */
#include <netinet/in.h>
#include <string.h>

#include "core/error.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/dns-parse.h"

#define MDNS_MAX_HOSTNAMES 16

bool mm__mdns_host(const char *name, size_t *len)
{
    size_t n = strlen(name);
    if (n > 0 && name[n - 1] == '.')
        n--;
    if (n <= 6 || strncasecmp(name + n - 6, ".local", 6) != 0)
        return false;
    n -= 6;
    if (memchr(name, '.', n))
        return false; /* a service instance or sub-domain, not a host */
    *len = n;
    return true;
}

/* Adds name (without ".local" and a trailing dot) when it ends in .local. */
static void add_host(json_t *hosts, const char *name)
{
    size_t n;
    if (!mm__mdns_host(name, &n))
        return;
    json_t *s = json_stringn(name, n);
    if (!s)
        return;
    size_t i;
    json_t *v;
    json_array_foreach(hosts, i, v)
    {
        if (json_equal(v, s)) {
            json_decref(s);
            return;
        }
    }
    if (json_array_size(hosts) < MDNS_MAX_HOSTNAMES)
        json_array_append_new(hosts, s);
    else
        json_decref(s);
}

bool mm__mdns_reverse(const char *name)
{
    size_t n = strlen(name);
    return (n > 13 && strcasecmp(name + n - 13, ".in-addr.arpa") == 0) ||
           (n > 9 && strcasecmp(name + n - 9, ".ip6.arpa") == 0);
}

static void collect(json_t *hosts, const json_t *records)
{
    size_t i;
    json_t *rr;
    json_array_foreach(records, i, rr)
    {
        const char *type = json_string_value(json_object_get(rr, "rrtype"));
        const char *name = json_string_value(json_object_get(rr, "rrname"));
        const char *rdata = json_string_value(json_object_get(rr, "rdata"));
        if (!type || !name)
            continue;
        if (strcmp(type, "A") == 0 || strcmp(type, "AAAA") == 0 || strcmp(type, "HINFO") == 0)
            add_host(hosts, name);
        else if (rdata &&
                 ((strcmp(type, "PTR") == 0 && mm__mdns_reverse(name)) || strcmp(type, "SRV") == 0))
            add_host(hosts, rdata);
    }
}

bool (*mm__mdns_direct)(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result);

static long mdns_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    json_t *o = NULL;
    int direct_result;
    if (ctx->sensor && mm__mdns_direct && mm__mdns_direct(ctx, data, len, &direct_result))
        return direct_result;
    int r = mm__dns_parse_message(data, len, true, &o);
    if (!o)
        return r;
    json_t *hosts = json_array();
    if (hosts) {
        static const char *const sections[] = {"answers", "authorities", "additionals"};
        for (size_t i = 0; i < 3; i++)
            collect(hosts, json_object_get(o, sections[i]));
        if (json_array_size(hosts))
            json_object_set_new(o, "hostnames", hosts);
        else
            json_decref(hosts);
    }
    json_object_del(o, "version");
    json_object_del(o, "grouped");
    mm__app_emit(ctx, "mdns", o);
    return r;
}

static bool mdns_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    (void)data;
    return len >= 12 && mm__app_port(p, 5353);
}

const struct mm_app_decoder mm_app_mdns = {
    .name = "mdns",
    .transport = IPPROTO_UDP,
    .probe = mdns_probe,
    .parse = mdns_parse,
    .state_free = NULL,
};
