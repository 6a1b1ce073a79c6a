/* SPDX-License-Identifier: Apache-2.0
 * Differential test of core/community-id.c: the endpoint ordering without
 * memcmp and the fixed-size address copies (round eight) must give the
 * Community ID of the code before them, kept here as the reference (its
 * memcmp ordering and message layout), on random endpoints: IPv4 and IPv6,
 * equal addresses (the ports decide), addresses that differ only in their
 * last byte or only in the second half of an IPv6 address, junk after an
 * IPv4 address, every ICMP type, other protocols; and outputs of every
 * size up to the text's; mm_community_id_two (two blocks hashed side by
 * side) on each case and the one before it. test-hash.c holds the spec's
 * published vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/eve.h"
#include "core/hash.h"
#include "../test-rand.h"

/* ---- the reference: the ordering and message of the code before --------- */

static int ref_icmp_counterpart(uint8_t proto, uint16_t type)
{
    static const uint8_t v4[][2] = {{8, 0},   {0, 8},  {13, 14}, {14, 13}, {15, 16},
                                    {16, 15}, {10, 9}, {9, 10},  {17, 18}, {18, 17}};
    static const uint8_t v6[][2] = {{128, 129}, {129, 128}, {133, 134}, {134, 133}, {135, 136},
                                    {136, 135}, {130, 131}, {131, 130}, {144, 145}, {145, 144}};
    const uint8_t(*map)[2] = proto == 1 ? v4 : v6;
    size_t n = proto == 1 ? sizeof(v4) / sizeof(v4[0]) : sizeof(v6) / sizeof(v6[0]);
    for (size_t i = 0; i < n; i++)
        if (map[i][0] == type)
            return map[i][1];
    return -1;
}

static size_t ref_len(const struct mm_addr *a)
{
    return a->family == 6 ? 16 : 4;
}

static void ref_community_id(uint16_t seed, const struct mm_addr *src, const struct mm_addr *dst,
                             uint8_t proto, uint16_t sport, uint16_t dport, char out[64])
{
    bool has_ports = proto == 6 || proto == 17 || proto == 132 || proto == 1 || proto == 58;
    bool one_way = false;
    if (proto == 1 || proto == 58) {
        int peer = ref_icmp_counterpart(proto, sport);
        if (peer >= 0)
            dport = (uint16_t)peer;
        else
            one_way = true;
    }
    int c = memcmp(src->bytes, dst->bytes, ref_len(src));
    if (!one_way && !(c < 0 || (c == 0 && sport <= dport))) {
        const struct mm_addr *ta = src;
        src = dst;
        dst = ta;
        uint16_t tp = sport;
        sport = dport;
        dport = tp;
    }
    uint8_t buf[40];
    size_t n = 0;
    buf[n++] = (uint8_t)(seed >> 8);
    buf[n++] = (uint8_t)seed;
    memcpy(buf + n, src->bytes, ref_len(src));
    n += ref_len(src);
    memcpy(buf + n, dst->bytes, ref_len(dst));
    n += ref_len(dst);
    buf[n++] = proto;
    buf[n++] = 0;
    if (has_ports) {
        buf[n++] = (uint8_t)(sport >> 8);
        buf[n++] = (uint8_t)sport;
        buf[n++] = (uint8_t)(dport >> 8);
        buf[n++] = (uint8_t)dport;
    }
    uint8_t digest[MM_SHA1_LEN];
    mm_sha1(buf, n, digest);
    out[0] = '1';
    out[1] = ':';
    mm_base64(digest, sizeof digest, out + 2, 62);
}

/* ---- random endpoints ---------------------------------------------------- */

/* An address of family fam from a small space, so equal addresses and
 * addresses sharing a prefix come often; IPv4 sometimes with junk after
 * its 4 bytes (the ordering must look at 4 bytes only). */
static void random_addr(uint64_t *rs, uint8_t fam, struct mm_addr *a)
{
    memset(a, 0, sizeof *a);
    a->family = fam;
    size_t len = fam == 6 ? 16 : 4;
    uint64_t r = test_xorshift(rs);
    for (size_t i = 0; i < len; i++)
        a->bytes[i] = (uint8_t)(r >> (i % 8 * 8)) & 3; /* few values per byte */
    if (r % 5 == 0) /* differ only late: the last byte, or IPv6's second half */
        a->bytes[len - 1 - (r >> 40) % (len / 2)] ^= 0x80;
    if (fam == 4 && r % 7 == 0)
        a->bytes[4 + (r >> 20) % 12] = (uint8_t)(r >> 32);
}

static void test_random_endpoints(void **state)
{
    (void)state;
    static const uint8_t protos[] = {6, 17, 132, 1, 58, 47, 50, 0};
    uint64_t rs = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = test_xorshift(&rs);
        uint8_t fam = r & 1 ? 6 : 4, proto = protos[(r >> 1) % sizeof protos];
        struct mm_addr a, b;
        random_addr(&rs, fam, &a);
        random_addr(&rs, fam, &b);
        if (r % 11 == 0)
            b = a;
        uint16_t sp = (uint16_t)(r >> 16), dp = (uint16_t)(r >> 32);
        if (proto == 1 || proto == 58) /* a type of the map, or any */
            sp = r % 3 ? (uint16_t)((r >> 8) % 20 + (proto == 58 ? 128 : 0)) : (uint8_t)sp;
        else if (r % 4 == 0)
            dp = sp;
        uint16_t seed = r % 3 ? 0 : (uint16_t)(r >> 48);
        char want[64], got[64];
        ref_community_id(seed, &a, &b, proto, sp, dp, want);
        mm_community_id(seed, &a, &b, proto, sp, dp, got, sizeof got);
        if (strcmp(want, got) != 0) {
            fprintf(stderr, "case %d: proto %u ports %u %u: %s != %s\n", i, proto, sp, dp, got,
                    want);
            fail();
        }
        /* two at once: this case with the one before */
        static struct mm_addr prev_a, prev_b;
        static struct mm_community_id_flow prev;
        static char prev_want[64];
        if (i > 0) {
            const struct mm_community_id_flow in[2] = {prev, {seed, &a, &b, proto, sp, dp}};
            char got0[32], got1[32];
            char *const out[2] = {got0, got1};
            mm_community_id_two(in, out);
            assert_string_equal(got0, prev_want);
            assert_string_equal(got1, want);
        }
        prev_a = a;
        prev_b = b;
        prev = (struct mm_community_id_flow){seed, &prev_a, &prev_b, proto, sp, dp};
        memcpy(prev_want, want, sizeof prev_want);
    }
}

/* An output too small for the whole text gets the empty text (the hash is
 * written straight into the text, not cut); one of 31 bytes or more the
 * whole text; none of 0 bytes is touched. */
static void test_small_outputs(void **state)
{
    (void)state;
    struct mm_addr a = {.family = 4, .bytes = {10, 0, 0, 1}};
    struct mm_addr b = {.family = 4, .bytes = {10, 0, 0, 2}};
    char want[64];
    ref_community_id(0, &a, &b, 6, 40000, 80, want);
    assert_int_equal(strlen(want), 30);
    for (size_t cap = 0; cap <= 40; cap++) {
        char got[64];
        memset(got, 'x', sizeof got);
        mm_community_id(0, &a, &b, 6, 40000, 80, got, cap);
        if (cap == 0)
            assert_int_equal(got[0], 'x');
        else if (cap < 31)
            assert_int_equal(got[0], '\0');
        else
            assert_string_equal(got, want);
        assert_int_equal(got[cap < 31 ? 31 : cap], 'x'); /* nothing past the output */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_endpoints),
        cmocka_unit_test(test_small_outputs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
