/* SPDX-License-Identifier: Apache-2.0
 * Fuzz harness for the packet path: link, network and transport decoders,
 * the flow table and TCP reassembly, and the application decoders the
 * pipeline would pick (probe, then parse of datagrams or reassembled
 * streams). Input: byte 0 picks the link type; the rest is a sequence of
 * packets, each a 2-byte big-endian length then the bytes, run through one
 * small flow table (so segments of one input can reassemble). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "fuzz-packets.h"
#include "sensor/decode/decode.h"
#include "sensor/flowtable.h"

#define PACKETS_MAX 64

static const int linktypes[] = {1, 113, 276, 12, 14, 101, 228, 229, 0, 108};

static void emit_drop(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    json_decref(ev);
}

static void on_end(void *arg, struct mm_flow *f, const char *reason)
{
    (void)arg;
    (void)reason;
    if (f->app && f->app->state_free && f->app_state)
        f->app->state_free(f->app_state);
    f->app_state = NULL;
}

static void app_step(struct mm_flow_table *t, struct mm_packet *p, struct mm_flow *f)
{
    if (p->ip_proto != 6 && p->ip_proto != 17)
        return;
    if (!f->app_probed && p->payload_len > 0) {
        f->app_probed = true;
        for (size_t i = 0; i < mm_app_decoder_count; i++) {
            const struct mm_app_decoder *d = mm_app_decoders[i];
            if (d->transport == p->ip_proto && d->probe(p, p->payload, p->payload_len)) {
                f->app = d;
                break;
            }
        }
    }
    bool active = f->app && !f->app_failed;
    struct mm_app_ctx ctx = {
        .pkt = p, .flow = f, .state = &f->app_state, .dir = p->dir, .emit = emit_drop};
    if (p->ip_proto == 17) {
        if (active && p->payload_len && f->app->parse(&ctx, p->payload, p->payload_len) < 0)
            f->app_failed = true;
        return;
    }
    mm_stream_packet(t, f, p, active);
    struct mm_flow_dir *d = &f->dir[p->dir];
    for (int round = 0; active && round < 64 && d->buf_len > 0 && !d->gap; round++) {
        long r = f->app->parse(&ctx, d->buf, d->buf_len);
        if (r < 0) {
            f->app_failed = true;
            break;
        }
        if (r == 0)
            break;
        mm_stream_consume(t, f, p->dir, (uint32_t)(r > d->buf_len ? d->buf_len : r));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct mm_flow_config cfg;
    mm_flow_config_defaults(&cfg);
    cfg.max_flows = 8;
    cfg.stream_depth = 16384;
    cfg.stream_ooo = 4096;
    cfg.stream_memcap = 65536;
    struct mm_flow_table *t = NULL;
    if (mm_flow_table_new(&cfg, on_end, NULL, &t) != 0)
        return 0;
    int linktype = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
    size_t off = 1;
    size_t len;
    uint8_t *pkt;
    for (int n = 0; n < PACKETS_MAX && (pkt = fuzz_next_packet(data, size, &off, &len)); n++) {
        struct mm_packet p;
        memset(&p, 0, sizeof(p));
        p.data = pkt;
        p.caplen = p.len = (uint32_t)len;
        p.ts.tv_sec = 1775001600 + n;
        p.linktype = linktype;
        p.num = (uint64_t)n + 1;
        mm_flow_clock_update(t, &p.ts);
        if (mm_decode_packet(&p) == 0) {
            struct mm_flow *f = mm_flow_packet(t, &p);
            if (f)
                app_step(t, &p, f);
        }
        free(pkt);
        mm_flow_expire(t);
    }
    mm_flow_table_free(t);
    return 0;
}
