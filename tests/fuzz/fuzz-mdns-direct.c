/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the typed mDNS event (src/sensor/eve-dns.c): the
 * input goes through mm_app_mdns as one datagram, with the sensor's direct
 * hook set to one that fills the typed event, takes its facts and writes
 * its line, then declines, so the decoder also builds and emits the JSON
 * event. The two lines (each EVE writer on its own memory file) must be
 * equal and the facts must list the JSON object's A/AAAA records as the
 * inventory reads them, else the harness aborts. Seeds:
 * tests/fuzz/corpus/mdns-direct/ (the mdns seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/decode/decode.h"
#include "sensor/eve-dns.h"

#include "fuzz-direct.h"

extern const struct mm_app_decoder mm_app_mdns;

static struct {
    struct fuzz_outs outs;
    struct mm__mdns_facts facts;
    bool facts_set;
} run;

static bool direct_hook(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result)
{
    struct mm__dns_event *e = mm__dns_event_get();
    (void)result;
    if (len < 12)
        return false;
    if (mm__mdns_event_fill(e, ctx, msg, len) == MM_ENOMEM)
        abort();
    mm__mdns_event_facts(e, &run.facts);
    run.facts_set = true;
    mm__mdns_line_write(run.outs.out[0], e);
    return false;
}

/* The facts: the A/AAAA records with rdata of the three sections, in order. */
static void same_facts(const json_t *mdns)
{
    static const char *const sections[] = {"answers", "authorities", "additionals"};
    unsigned k = 0;
    for (size_t s = 0; s < 3; s++) {
        size_t i;
        json_t *rr;
        json_array_foreach(json_object_get(mdns, sections[s]), i, rr)
        {
            const char *type = json_string_value(json_object_get(rr, "rrtype"));
            const char *rdata = json_string_value(json_object_get(rr, "rdata"));
            const char *name = json_string_value(json_object_get(rr, "rrname"));
            struct mm_addr a;
            if (!type || !rdata || (strcmp(type, "A") != 0 && strcmp(type, "AAAA") != 0) ||
                mm_addr_parse(rdata, &a) != 0)
                continue;
            if (k >= run.facts.naddrs || memcmp(&run.facts.addrs[k].addr, &a, sizeof a) != 0 ||
                !name || strcmp(run.facts.addrs[k].rrname, name) != 0)
                abort();
            k++;
        }
    }
    if (k != run.facts.naddrs)
        abort();
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    if (!run.facts_set)
        abort();
    same_facts(json_object_get(ev, "mdns"));
    run.facts_set = false;
    mm_eve_out_write(run.outs.out[1], ev);
    json_decref(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mm_packet p;
    fuzz_outs_open(&run.outs);
    memset(&p, 0, sizeof p);
    p.ip_version = 6;
    p.ip_proto = 17;
    p.src.family = p.dst.family = 6;
    p.src.bytes[0] = 0xfe;
    p.dst.bytes[0] = 0xff;
    p.sport = p.dport = 5353;
    p.num = 7;
    struct mm_app_ctx ctx = {.sensor = (struct mm_sensor *)&run, .pkt = &p, .emit = on_json};
    mm__mdns_direct = direct_hook;
    uint8_t *copy = malloc(size ? size : 1); /* exact end: ASan sees over-reads */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    long r = mm_app_mdns.parse(&ctx, copy, size);
    (void)r;
    free(copy);
    if (run.facts_set)
        abort();
    fuzz_outs_same(&run.outs);
    return 0;
}
