/* SPDX-License-Identifier: Apache-2.0
 * The flow record writer's length bound (eve-flow.c line_bound, a
 * hand-counted constant for its keys plus room per field) against the
 * longest records a flow can give: every field at its longest at once
 * (IPv6 addresses of 39 characters, or 255.255.255.255, two VLAN tags of
 * five digits, the largest flow id and counters, ports 65535, 31-character
 * time stamps in other seconds, a full Community ID, the longest
 * application name, the longest reason, the longest protocol and state
 * names, all eight TCP flags, "alerted":false), and each application,
 * reason, protocol and TCP state in turn. Each line must equal the generic
 * writer's (mm__flow_event through the EVE line writer), and for every
 * buffer size from 0 to well past the bound (the exact bound, and the
 * pipeline's 2048-byte reserve, among them) the writer must give the whole
 * line or nothing, writing nothing past the size it was given: each size
 * is tried in a heap block of exactly that size (ASan sees a byte past it)
 * and in one with guard bytes after it (checked in every build). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/eve.h"
#include "sensor/decode/decode.h"
#include "sensor/sensor-int.h"

#define GUARD_BYTES 64
#define GUARD_BYTE  0xa5
/* Sizes tried past the line's length: more than the bound can exceed it
 * (its fixed part, 640 bytes, plus the room of each field's longest text) */
#define SLACK 1536
/* A reason as long as the writer takes (NAME_MAX_LEN in eve-flow.c) */
#define LONG_REASON_LEN 1024

/* 9999-12-31T23:59:59 UTC, the last second with a four-digit year */
#define LAST_SECOND 253402300799LL

static const char *const reasons[] = {"timeout", "shutdown", "forced"};

/* The longest application name among the decoders. */
static const struct mm_app_decoder *longest_app(void)
{
    const struct mm_app_decoder *best = NULL;
    for (size_t i = 0; i < mm_app_decoder_count; i++)
        if (!best || strlen(mm_app_decoders[i]->name) > strlen(best->name))
            best = mm_app_decoders[i];
    return best;
}

/* A flow with every field at its longest: family 4 or 6, protocol proto. */
static void longest_flow(struct mm_flow *f, int family, uint8_t proto)
{
    memset(f, 0, sizeof *f);
    const char *src = family == 6 ? "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe" : "255.255.255.254";
    const char *dst = family == 6 ? "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" : "255.255.255.255";
    assert_int_equal(mm_addr_parse(src, &f->src), 0);
    assert_int_equal(mm_addr_parse(dst, &f->dst), 0);
    f->proto = proto;
    f->sport = f->dport = 65535;
    f->vlan[0] = f->vlan[1] = 65535;
    f->vlan_count = 2;
    f->id = UINT64_MAX;
    for (int d = 0; d < 2; d++) {
        f->dir[d].pkts = UINT64_MAX;
        f->dir[d].bytes = UINT64_MAX;
        f->dir[d].tcp_flags = 0xff;
    }
    f->tcp_state = MM_TCP_ESTABLISHED; /* "established", the longest state */
    memset(f->community_id, 'W', sizeof f->community_id - 1);
    f->community_id[sizeof f->community_id - 1] = '\0';
    f->app = longest_app();
    /* other seconds (start is not copied from end), the largest age */
    f->start.tv_sec = -62135596800LL + 1; /* 0001-01-01T00:00:01 */
    f->start.tv_usec = 999999;
    f->last.tv_sec = (time_t)LAST_SECOND;
    f->last.tv_usec = 999998;
    f->alerted = false;
}

/* The generic writer's line for f, in a string the caller frees. */
static char *generic_line(struct mm_flow *f, const char *reason)
{
    json_t *ev = mm__flow_event(f, reason);
    assert_non_null(ev);
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_eve_write_line(ev, &b), 0);
    json_decref(ev);
    char *s = strdup(mm_buf_str(&b));
    mm_buf_free(&b);
    assert_non_null(s);
    return s;
}

/* The line of f is the generic writer's; returns its length. */
static size_t expect_generic(struct mm_flow *f, const char *reason)
{
    static char line[8192];
    size_t n = mm__flow_line(f, reason, line, sizeof line);
    assert_true(n > 0 && n < sizeof line);
    line[n] = '\0';
    char *want = generic_line(f, reason);
    if (strcmp(line, want) != 0)
        fail_msg("direct and generic lines differ:\n direct:  %s generic: %s", line, want);
    free(want);
    return n;
}

/* One buffer size: the whole line (n bytes) or nothing, and no byte
 * written past cap. */
static void expect_within(struct mm_flow *f, const char *reason, const char *line, size_t n,
                          size_t cap)
{
    size_t want = cap > n ? n : 0;
    char *exact = malloc(cap ? cap : 1);
    assert_non_null(exact);
    size_t got = mm__flow_line(f, reason, exact, cap);
    if (got != want)
        fail_msg("buffer of %zu bytes: %zu, not %zu (line of %zu)", cap, got, want, n);
    if (got)
        assert_memory_equal(exact, line, n);
    free(exact);
    unsigned char *guarded = malloc(cap + GUARD_BYTES);
    assert_non_null(guarded);
    memset(guarded, GUARD_BYTE, cap + GUARD_BYTES);
    assert_int_equal(mm__flow_line(f, reason, (char *)guarded, cap), want);
    for (size_t i = cap; i < cap + GUARD_BYTES; i++)
        if (guarded[i] != GUARD_BYTE)
            fail_msg("buffer of %zu bytes (line of %zu): byte %zu past its end written", cap, n,
                     i - cap);
    free(guarded);
}

/* Every buffer size from 0 to the line's length plus SLACK. */
static void expect_every_size(struct mm_flow *f, const char *reason)
{
    size_t n = expect_generic(f, reason);
    char *line = malloc(n);
    assert_non_null(line);
    assert_int_equal(mm__flow_line(f, reason, line, n + 1), n);
    for (size_t cap = 0; cap <= n + SLACK; cap++)
        expect_within(f, reason, line, n, cap);
    free(line);
}

/* Every field at its longest, TCP (the "tcp" object) and the other
 * protocols with ports or the longest name, both families, each reason. */
static void test_longest_lines(void **state)
{
    (void)state;
    static const uint8_t protos[] = {6, 17, 132, 58};
    struct mm_flow f;
    for (int family = 4; family <= 6; family += 2)
        for (size_t p = 0; p < sizeof protos; p++)
            for (size_t r = 0; r < sizeof reasons / sizeof reasons[0]; r++) {
                longest_flow(&f, family, protos[p]);
                expect_every_size(&f, reasons[r]);
            }
}

/* A reason and an application name as long as the writer takes: the line
 * outgrows the pipeline's reserve and the scratch path forms it. */
static void test_longest_names(void **state)
{
    (void)state;
    static char reason[LONG_REASON_LEN + 1];
    memset(reason, 'r', LONG_REASON_LEN);
    static char name[LONG_REASON_LEN + 1];
    memset(name, 'a', LONG_REASON_LEN);
    struct mm_app_decoder app = *longest_app();
    app.name = name;
    struct mm_flow f;
    longest_flow(&f, 6, 6);
    f.app = &app;
    expect_every_size(&f, reason);
    /* one byte more: this path declines (the generic writer takes it) */
    char longer[LONG_REASON_LEN + 2];
    memset(longer, 'r', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    char out[8192];
    assert_int_equal(mm__flow_line(&f, longer, out, sizeof out), 0);
}

/* Each application, reason, TCP state, flow state and "alerted" value with
 * the other fields at their longest: the generic writer's line, and the
 * sizes around the line's length and the pipeline's reserve. */
static void test_each_name(void **state)
{
    (void)state;
    static const uint8_t protos[] = {6, 17, 1, 47, 50, 58, 132, 253};
    struct mm_flow f;
    for (size_t p = 0; p < sizeof protos; p++)
        for (size_t a = 0; a <= mm_app_decoder_count; a++)
            for (unsigned st = 0; st < 5; st++)
                for (size_t r = 0; r < sizeof reasons / sizeof reasons[0]; r++) {
                    longest_flow(&f, protos[p] == 58 ? 6 : 4, protos[p]);
                    f.app = a < mm_app_decoder_count ? mm_app_decoders[a] : NULL;
                    f.tcp_state = (uint8_t)st;
                    f.alerted = (st & 1) != 0;
                    if (st == 4)
                        f.dir[1].pkts = 0; /* flow state "new" */
                    size_t n = expect_generic(&f, reasons[r]);
                    char line[8192];
                    assert_int_equal(mm__flow_line(&f, reasons[r], line, sizeof line), n);
                    static const size_t reserve = 2048;
                    expect_within(&f, reasons[r], line, n, n);
                    expect_within(&f, reasons[r], line, n, n + 1);
                    expect_within(&f, reasons[r], line, n, reserve);
                }
}

/* Stamps 2^63 seconds or more apart (a crafted pcapng's interface offsets
 * can give them) and a start after the end: the age is computed without
 * signed overflow (UBSan would stop here) and both writers agree. */
static void test_age_far_apart(void **state)
{
    (void)state;
    struct mm_flow f;
    longest_flow(&f, 4, 6);
    f.start.tv_sec = INT64_MIN + 1;
    f.last.tv_sec = INT64_MAX - 1;
    assert_int_equal(mm_flow_age_seconds(&f), (UINT64_MAX - 2) & INT64_MAX);
    expect_generic(&f, reasons[0]);
    f.start.tv_sec = 10;
    f.last.tv_sec = 9;
    assert_int_equal(mm_flow_age_seconds(&f), 0);
    expect_generic(&f, reasons[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_longest_lines),
        cmocka_unit_test(test_longest_names),
        cmocka_unit_test(test_each_name),
        cmocka_unit_test(test_age_far_apart),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
