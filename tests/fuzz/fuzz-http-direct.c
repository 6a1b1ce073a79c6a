/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the typed HTTP event (src/sensor/eve-http.c, the
 * in-place line of eve-line.h and the writer's pieces it falls back to):
 * the input goes through mm_app_http as a request (direction 0) and as a
 * response (direction 1, after a request so that it has one to answer),
 * with the sensor's direct hook set to one that fills the typed event,
 * takes its facts and writes its line, then declines, so the decoder also
 * builds and emits the JSON event. The two lines (each EVE writer on its
 * own memory file) and the facts must be equal, else the harness aborts.
 * Seeds: tests/fuzz/corpus/http-direct/ (the http seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/decode/decode.h"
#include "sensor/decode/http-event.h"
#include "sensor/decode/http-facts.h"
#include "sensor/eve-http.h"

#include "fuzz-direct.h"

extern const struct mm_app_decoder mm_app_http;

static struct {
    struct fuzz_outs outs;
    struct mm__http_facts facts;
    bool facts_set;
} run;

static bool direct_hook(struct mm_app_ctx *ctx, const struct mm__http_message *m)
{
    struct mm__http_event e;
    mm__http_event_fill(&e, ctx, m);
    memset(&run.facts, 0, sizeof run.facts);
    mm__http_event_facts(&e, &run.facts);
    run.facts_set = true;
    mm__http_line_write(run.outs.out[0], &e);
    return false;
}

static bool same_text(const char *a, const char *b)
{
    return (a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0);
}

static void same_facts(const struct mm__http_facts *d, const struct mm__http_facts *j)
{
    if (!j || d->response != j->response || !same_text(d->url, j->url) ||
        !same_text(d->hostname, j->hostname) || !same_text(d->method, j->method) ||
        !same_text(d->user_agent, j->user_agent) || d->has_src != j->has_src ||
        memcmp(&d->src, &j->src, sizeof d->src) != 0)
        abort();
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    if (!run.facts_set)
        abort();
    same_facts(&run.facts, mm__http_facts_of(json_object_get(ev, "http")));
    run.facts_set = false;
    mm_eve_out_write(run.outs.out[1], ev);
    json_decref(ev);
}

/* One direction's bytes through the decoder, from an exact-size copy. */
static void parse_copy(struct mm_app_ctx *ctx, const uint8_t *data, size_t size)
{
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return;
    memcpy(copy, data, size);
    mm_app_http.parse(ctx, copy, size);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char request[] = "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n";
    struct mm_packet p;
    void *state = NULL;
    fuzz_outs_open(&run.outs);
    memset(&p, 0, sizeof p);
    p.ip_version = 6;
    p.src.family = p.dst.family = 6;
    p.src.bytes[0] = 0x20;
    p.dst.bytes[15] = 1;
    p.ip_proto = 6;
    p.sport = 50000;
    p.dport = 80;
    p.num = 9;
    struct mm_app_ctx ctx = {
        .sensor = (struct mm_sensor *)&run, .pkt = &p, .state = &state, .emit = on_json};
    mm__http_direct = direct_hook;
    parse_copy(&ctx, data, size); /* the input as a request */
    mm_app_http.state_free(state);
    state = NULL;
    ctx.dir = 0;
    parse_copy(&ctx, (const uint8_t *)request, sizeof request - 1);
    ctx.dir = 1;
    parse_copy(&ctx, data, size); /* the input as the answer */
    mm_app_http.state_free(state);
    mm__http_direct = NULL;
    if (run.facts_set)
        abort();
    fuzz_outs_same(&run.outs);
    return 0;
}
