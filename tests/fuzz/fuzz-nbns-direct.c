/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the typed NetBIOS name service event
 * (src/sensor/eve-nbns.c): the input goes through mm_app_nbns as one
 * datagram, with the sensor's direct hook set to one that fills the typed
 * event, takes its facts and writes its line, then declines, so the decoder
 * also builds and emits the JSON event. The two lines (each EVE writer on
 * its own memory file) must be equal and the facts must hold the JSON
 * object's "hostname", else the harness aborts. Seeds:
 * tests/fuzz/corpus/nbns-direct/ (the nbns seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/decode/decode.h"
#include "sensor/eve-nbns.h"

#include "fuzz-direct.h"

extern const struct mm_app_decoder mm_app_nbns;

static struct {
    struct fuzz_outs outs;
    const char *hostname; /* the direct path's fact (the decoder's message, valid in parse) */
    bool facts_set;
} run;

static bool direct_hook(struct mm_app_ctx *ctx, const struct mm__nbns_message *m)
{
    struct mm__nbns_event e;
    struct mm__nbns_facts f = {0};
    mm__nbns_event_fill(&e, ctx, m);
    mm__nbns_event_facts(&e, &f);
    run.hostname = f.hostname;
    run.facts_set = true;
    mm__nbns_line_write(run.outs.out[0], &e);
    return false;
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    const char *host =
        json_string_value(json_object_get(json_object_get(ev, "netbios"), "hostname"));
    if (!run.facts_set || (host == NULL) != (run.hostname == NULL) ||
        (host && strcmp(host, run.hostname) != 0))
        abort();
    run.facts_set = false;
    mm_eve_out_write(run.outs.out[1], ev);
    json_decref(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mm_packet p;
    fuzz_outs_open(&run.outs);
    memset(&p, 0, sizeof p);
    p.ip_version = 4;
    p.ip_proto = 17;
    p.src.family = p.dst.family = 4;
    p.dst.bytes[0] = 255;
    p.sport = p.dport = 137;
    p.num = 7;
    struct mm_app_ctx ctx = {.sensor = (struct mm_sensor *)&run, .pkt = &p, .emit = on_json};
    mm__nbns_direct = direct_hook;
    uint8_t *copy = malloc(size ? size : 1); /* exact end: ASan sees over-reads */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    mm_app_nbns.parse(&ctx, copy, size);
    free(copy);
    if (run.facts_set)
        abort();
    fuzz_outs_same(&run.outs);
    return 0;
}
