/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the typed DHCP event (src/sensor/eve-dhcp.c): the
 * input goes through mm_app_dhcp as one datagram, with the sensor's direct
 * hook set to one that fills the typed event, takes its facts and writes
 * its line, then declines, so the decoder also builds and emits the JSON
 * event. The two lines (each EVE writer on its own memory file) must be
 * equal and the facts must hold the JSON object's members, else the
 * harness aborts. Seeds: tests/fuzz/corpus/dhcp-direct/ (the dhcp seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/decode/decode.h"
#include "sensor/eve-dhcp.h"

#include "fuzz-direct.h"

extern const struct mm_app_decoder mm_app_dhcp;

static struct {
    struct fuzz_outs outs;
    const char *texts[7]; /* the direct path's facts (valid until the next fill) */
    bool reply, facts_set;
    const uint8_t *params;
    size_t nparams;
} run;

static const char *const keys[7] = {"client_mac",
                                    "assigned_ip",
                                    "client_ip",
                                    "requested_ip",
                                    "hostname",
                                    "fqdn",
                                    "vendor_class_identifier"};

static bool direct_hook(struct mm_app_ctx *ctx, const struct mm__dhcp_message *m)
{
    static struct mm__dhcp_event e;
    struct mm__dhcp_facts f;
    memset(&f, 0, sizeof f);
    mm__dhcp_event_fill(&e, ctx, m);
    mm__dhcp_event_facts(&e, &f);
    const char *texts[7] = {f.client_mac,
                            f.assigned_ip,
                            f.client_ip,
                            f.requested_ip,
                            f.hostname,
                            f.fqdn,
                            f.vendor_class_identifier};
    memcpy(run.texts, texts, sizeof texts);
    run.reply = f.reply;
    run.params = f.params;
    run.nparams = f.nparams;
    run.facts_set = true;
    mm__dhcp_line_write(run.outs.out[0], &e);
    return false;
}

static void same_facts(const json_t *dhcp)
{
    for (int i = 0; i < 7; i++) {
        const char *v = json_string_value(json_object_get(dhcp, keys[i]));
        if ((v == NULL) != (run.texts[i] == NULL) || (v && strcmp(v, run.texts[i]) != 0))
            abort();
    }
    const char *type = json_string_value(json_object_get(dhcp, "type"));
    if (!type || run.reply != (strcmp(type, "reply") == 0))
        abort();
    const json_t *raw = json_object_get(dhcp, "params_raw");
    if (json_array_size(raw) != run.nparams)
        abort();
    for (size_t i = 0; i < run.nparams; i++)
        if (json_integer_value(json_array_get(raw, i)) != run.params[i])
            abort();
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    if (!run.facts_set)
        abort();
    same_facts(json_object_get(ev, "dhcp"));
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
    p.sport = 68;
    p.dport = 67;
    p.num = 7;
    struct mm_app_ctx ctx = {.sensor = (struct mm_sensor *)&run, .pkt = &p, .emit = on_json};
    mm__dhcp_direct = direct_hook;
    uint8_t *copy = malloc(size ? size : 1); /* exact end: ASan sees over-reads */
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    mm_app_dhcp.parse(&ctx, copy, size);
    free(copy);
    if (run.facts_set)
        abort();
    fuzz_outs_same(&run.outs);
    return 0;
}
