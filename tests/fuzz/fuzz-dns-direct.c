/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the typed DNS event (src/sensor/eve-dns.c): the
 * input goes through mm_app_dns_udp as one datagram and through
 * mm_app_dns_tcp with a length prefix, with the sensor's direct hook set
 * to one that fills the typed event, takes its facts and writes its line,
 * then declines, so the decoder also builds and emits the JSON event. The
 * two lines (each EVE writer on its own memory file) and the facts must
 * be equal, else the harness aborts. Seeds: tests/fuzz/corpus/dns-direct/
 * (the dns seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/decode.h"
#include "sensor/eve-dns.h"

#include "fuzz-direct.h"

extern const struct mm_app_decoder mm_app_dns_udp, mm_app_dns_tcp;

static struct {
    struct fuzz_outs outs;
    struct mm__dns_facts facts;
    bool facts_set;
} run;

static bool direct_hook(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result)
{
    struct mm__dns_event *e = mm__dns_event_get();
    (void)result;
    if (len < 12)
        return false;
    if (mm__dns_event_fill(e, ctx, msg, len) == MM_ENOMEM)
        abort();
    memset(&run.facts, 0, sizeof run.facts);
    mm__dns_event_facts(e, &run.facts);
    run.facts_set = true;
    mm__dns_line_write(run.outs.out[0], e);
    return false;
}

static void same_facts(const struct mm__dns_facts *d, const struct mm__dns_facts *j)
{
    if (!j || d->response != j->response || d->rcode != j->rcode || d->nqueries != j->nqueries ||
        d->naddrs != j->naddrs)
        abort();
    for (unsigned i = 0; i < d->nqueries; i++)
        if (d->qlen[i] != j->qlen[i] || strcmp(d->qname[i], j->qname[i]) != 0)
            abort();
    for (unsigned i = 0; i < d->naddrs; i++)
        if (memcmp(&d->addrs[i].addr, &j->addrs[i].addr, sizeof d->addrs[i].addr) != 0 ||
            strcmp(d->addrs[i].rrname, j->addrs[i].rrname) != 0)
            abort();
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    if (!run.facts_set)
        abort();
    same_facts(&run.facts, mm__dns_facts_of(json_object_get(ev, "dns")));
    run.facts_set = false;
    mm_eve_out_write(run.outs.out[1], ev);
    json_decref(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mm_packet p;
    void *state = NULL;
    fuzz_outs_open(&run.outs);
    memset(&p, 0, sizeof p);
    p.ip_version = 6;
    p.src.family = p.dst.family = 6;
    p.src.bytes[0] = 0x20;
    p.dst.bytes[15] = 1;
    p.sport = 50000;
    p.dport = 53;
    p.num = 7;
    struct mm_app_ctx ctx = {
        .sensor = (struct mm_sensor *)&run, .pkt = &p, .state = &state, .emit = on_json};
    mm__dns_direct = direct_hook;
    uint8_t *copy = malloc(size + 2);
    if (!copy)
        return 0;
    p.ip_proto = 17;
    memcpy(copy, data, size);
    mm_app_dns_udp.parse(&ctx, copy, size);
    if (size <= 0xFFFF) {
        p.ip_proto = 6;
        copy[0] = (uint8_t)(size >> 8);
        copy[1] = (uint8_t)size;
        memcpy(copy + 2, data, size);
        mm_app_dns_tcp.parse(&ctx, copy, size + 2);
    }
    free(copy);
    if (run.facts_set)
        abort();
    fuzz_outs_same(&run.outs);
    return 0;
}
