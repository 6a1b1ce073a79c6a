/* SPDX-License-Identifier: Apache-2.0
 * Test support for the application decoder unit tests; see app-test.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app-test.h"
#include "core/eve.h"

json_t *mm_app_event(struct mm_app_ctx *ctx, const char *event_type)
{
    const struct mm_packet *p = ctx->pkt;
    struct mm_eve_header h = {.event_type = event_type};
    if (p) {
        h.ts = p->ts;
        h.pcap_cnt = p->num;
        h.src = &p->src;
        h.dst = &p->dst;
        h.src_port = p->sport;
        h.dest_port = p->dport;
        h.proto = p->ip_proto == IPPROTO_TCP ? "TCP" : "UDP";
    }
    return mm_eve_new(&h);
}

static void collect(struct mm_app_ctx *ctx, json_t *ev)
{
    struct app_run *r = ctx->emit_arg;
    assert_non_null(ev);
    json_array_append_new(r->events, ev);
}

void app_run_init(struct app_run *r, const struct mm_app_decoder *d, uint16_t sport, uint16_t dport)
{
    memset(r, 0, sizeof *r);
    r->dec = d;
    r->events = json_array();
    r->pkt.ts.tv_sec = 1775001600;
    r->pkt.num = 1;
    r->pkt.ip_version = 4;
    mm_addr_parse("192.0.2.1", &r->pkt.src);
    mm_addr_parse("198.51.100.2", &r->pkt.dst);
    r->pkt.ip_proto = d->transport;
    r->pkt.sport = sport;
    r->pkt.dport = dport;
    r->ctx.pkt = &r->pkt;
    r->ctx.state = &r->state;
    r->ctx.emit = collect;
    r->ctx.emit_arg = r;
}

void app_run_free(struct app_run *r)
{
    if (r->dec->state_free && r->state)
        r->dec->state_free(r->state);
    r->state = NULL;
    json_decref(r->events);
    free(r->buf[0]);
    free(r->buf[1]);
    memset(r->buf, 0, sizeof r->buf);
}

long app_run_udp(struct app_run *r, const uint8_t *data, size_t len)
{
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, data, len);
    r->ctx.dir = 0;
    long rc = r->dec->parse(&r->ctx, copy, len);
    free(copy);
    return rc;
}

long app_run_stream(struct app_run *r, int dir, const uint8_t *data, size_t len)
{
    /* The pending bytes live in an exact-size buffer, as after a realloc. */
    uint8_t *nb = malloc(r->len[dir] + len + 1);
    assert_non_null(nb);
    if (r->len[dir])
        memcpy(nb, r->buf[dir], r->len[dir]);
    if (len)
        memcpy(nb + r->len[dir], data, len);
    free(r->buf[dir]);
    r->buf[dir] = nb;
    r->len[dir] += len;
    r->ctx.dir = dir;
    for (int round = 0; round < 10000 && r->len[dir] > 0; round++) {
        uint8_t *exact = malloc(r->len[dir]);
        assert_non_null(exact);
        memcpy(exact, r->buf[dir], r->len[dir]);
        long rc = r->dec->parse(&r->ctx, exact, r->len[dir]);
        free(exact);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        assert_true((size_t)rc <= r->len[dir]);
        memmove(r->buf[dir], r->buf[dir] + rc, r->len[dir] - (size_t)rc);
        r->len[dir] -= (size_t)rc;
    }
    return 0;
}

size_t app_count(const struct app_run *r)
{
    return json_array_size(r->events);
}

json_t *app_get(const struct app_run *r, size_t i, const char *path)
{
    json_t *v = json_array_get(r->events, i);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *save = NULL, *tok = strtok_r(buf, ".", &save); v && tok;
         tok = strtok_r(NULL, ".", &save)) {
        if (json_is_array(v))
            v = json_array_get(v, strtoul(tok, NULL, 10));
        else
            v = json_object_get(v, tok);
    }
    return v;
}

const char *app_str(const struct app_run *r, size_t i, const char *path)
{
    json_t *v = app_get(r, i, path);
    if (!json_is_string(v))
        fail_msg("event %zu has no string at %s", i, path);
    return json_string_value(v);
}

json_int_t app_int(const struct app_run *r, size_t i, const char *path)
{
    json_t *v = app_get(r, i, path);
    if (!json_is_integer(v))
        fail_msg("event %zu has no integer at %s", i, path);
    return json_integer_value(v);
}

uint8_t *app_seed(const char *target, const char *name, size_t *len)
{
    const char *root = getenv("MAMORI_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/%s/%s", root ? root : ".", target, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("seed %s missing (run tests/sensor/gen/appgen.py)", path);
    uint8_t *b = malloc(65536);
    assert_non_null(b);
    *len = fread(b, 1, 65536, f);
    fclose(f);
    return b;
}

void app_sweep_truncations(const struct mm_app_decoder *d, const uint8_t *data, size_t len,
                           uint16_t sport, uint16_t dport, int dir)
{
    for (size_t cut = 0; cut <= len; cut++) {
        struct app_run r;
        app_run_init(&r, d, sport, dport);
        if (d->transport == IPPROTO_UDP)
            app_run_udp(&r, data, cut);
        else
            app_run_stream(&r, dir, data, cut);
        app_run_free(&r);
    }
}

static json_t *events_without_header(const struct app_run *r)
{
    json_t *copy = json_deep_copy(r->events);
    size_t i;
    json_t *ev;
    json_array_foreach(copy, i, ev)
    {
        json_object_del(ev, "src_port");
        json_object_del(ev, "dest_port");
    }
    return copy;
}

void app_check_splits(const struct mm_app_decoder *d, const uint8_t *data, size_t len,
                      uint16_t sport, uint16_t dport, int dir)
{
    struct app_run whole;
    app_run_init(&whole, d, sport, dport);
    assert_int_equal(app_run_stream(&whole, dir, data, len), 0);
    json_t *want = events_without_header(&whole);
    assert_true(json_array_size(want) > 0);
    for (size_t cut = 0; cut <= len; cut++) {
        struct app_run r;
        app_run_init(&r, d, sport, dport);
        assert_int_equal(app_run_stream(&r, dir, data, cut), 0);
        assert_int_equal(app_run_stream(&r, dir, data + cut, len - cut), 0);
        json_t *got = events_without_header(&r);
        if (!json_equal(want, got))
            fail_msg("split at %zu gives different events", cut);
        json_decref(got);
        app_run_free(&r);
    }
    struct app_run r;
    app_run_init(&r, d, sport, dport);
    for (size_t i = 0; i < len; i++)
        assert_int_equal(app_run_stream(&r, dir, data + i, 1), 0);
    json_t *got = events_without_header(&r);
    assert_true(json_equal(want, got));
    json_decref(got);
    app_run_free(&r);
    json_decref(want);
    app_run_free(&whole);
}
