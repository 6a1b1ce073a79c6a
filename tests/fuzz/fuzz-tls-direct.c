/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the typed TLS event (src/sensor/eve-tls.c): the
 * input goes through mm_app_tls as the client's bytes of one connection
 * and as the server's bytes of another (whole, then again in two runs cut
 * where its first byte says), with the sensor's direct hook set to one
 * that takes the record's facts and writes its line, then declines, so
 * the decoder also builds and emits the JSON event. The two lines (each
 * EVE writer on its own memory file) and the facts must be equal, else
 * the harness aborts. Seeds: tests/fuzz/corpus/tls-direct/ (the tls
 * seeds). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/decode/decode.h"
#include "sensor/decode/tls-facts.h"
#include "sensor/eve-tls.h"

#include "fuzz-direct.h"

extern const struct mm_app_decoder mm_app_tls;

static struct {
    struct fuzz_outs outs;
    char facts[4][1200]; /* sni, ja3 hash, ja4, fingerprint of the direct path */
    bool has[4];
    bool facts_set;
} run;

static void note(int i, const char *s)
{
    run.has[i] = s != NULL;
    snprintf(run.facts[i], sizeof run.facts[i], "%s", s ? s : "");
}

static bool direct_hook(struct mm_app_ctx *ctx, const struct mm__tls_part *p)
{
    struct mm__tls_facts f;
    struct mm_eve_header h;
    memset(&f, 0, sizeof f);
    mm__tls_part_facts(p, &f);
    note(0, f.sni);
    note(1, f.ja3_hash);
    note(2, f.ja4);
    note(3, f.fingerprint);
    run.facts_set = true;
    mm_app_header(ctx, "tls", &h);
    mm__tls_line_write(run.outs.out[0], &h, p);
    return false;
}

static void same(int i, const char *s)
{
    if (run.has[i] != (s != NULL) || (s && strcmp(run.facts[i], s) != 0))
        abort();
}

static void on_json(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    const struct mm__tls_facts *f = mm__tls_facts_of(json_object_get(ev, "tls"));
    if (!run.facts_set || !f)
        abort();
    same(0, f->sni);
    same(1, f->ja3_hash);
    same(2, f->ja4);
    same(3, f->fingerprint);
    run.facts_set = false;
    mm_eve_out_write(run.outs.out[1], ev);
    json_decref(ev);
}

/* data as direction dir's bytes of a new connection, fed in runs of cut
 * bytes (0: whole) the way the pipeline presents them. */
static void one_direction(struct mm_app_ctx *ctx, int dir, const uint8_t *data, size_t size,
                          size_t cut)
{
    void *state = NULL;
    uint8_t *buf = malloc(size + 1);
    size_t have = 0, fed = 0;
    if (!buf)
        return;
    ctx->state = &state;
    ctx->dir = dir;
    while (fed < size) {
        size_t n = cut && size - fed > cut ? cut : size - fed;
        memcpy(buf + have, data + fed, n);
        have += n;
        fed += n;
        long r = mm_app_tls.parse(ctx, buf, have);
        if (r < 0)
            break;
        memmove(buf, buf + r, have - (size_t)r);
        have -= (size_t)r;
    }
    free(buf);
    mm_app_tls.state_free(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mm_packet p;
    fuzz_outs_open(&run.outs);
    memset(&p, 0, sizeof p);
    p.ip_version = 4;
    p.ip_proto = 6;
    p.src.family = p.dst.family = 4;
    p.src.bytes[0] = 192;
    p.dst.bytes[3] = 1;
    p.sport = 50000;
    p.dport = 443;
    p.num = 7;
    struct mm_app_ctx ctx = {.sensor = (struct mm_sensor *)&run, .pkt = &p, .emit = on_json};
    mm__tls_direct = direct_hook;
    size_t cut = size ? 1 + data[0] % 97 : 0;
    for (int dir = 0; dir < 2; dir++) {
        one_direction(&ctx, dir, data, size, 0);
        one_direction(&ctx, dir, data, size, cut);
    }
    if (run.facts_set)
        abort();
    fuzz_outs_same(&run.outs);
    return 0;
}
