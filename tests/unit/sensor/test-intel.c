/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the threat-intel set: every feed format from small inline
 * samples (documentation addresses and example domains only), malformed
 * lines reported by line number, longest prefix, ip:port, parent domains and
 * the public-suffix guard, URL normalisation, fingerprints, allowlists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "sensor/intel/intel-int.h"
#include "sensor/intel/intel.h"
#include "../test-tmpdir.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return test_tmpdir_make(tmpdir, sizeof tmpdir, "intel");
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(tmpdir);
}

/* Writes name under tmpdir and loads it into a fresh sealed set. */
static struct mm_intel *load_text(const char *name, const char *text,
                                  struct mm_intel_file_report *rep)
{
    char path[512];
    struct mm_intel *in = NULL;
    struct mm_intel_file_report *reps = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    assert_int_equal(mm_file_write_atomic(path, text, strlen(text)), 0);
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, path, &reps, &n), 0);
    assert_int_equal(n, 1);
    if (rep)
        *rep = reps[0];
    free(reps);
    assert_int_equal(mm_intel_seal(in), 0);
    return in;
}

static bool ip_hit(const struct mm_intel *in, const char *ip, uint16_t port,
                   struct mm_intel_hit *hit)
{
    struct mm_addr a;
    assert_int_equal(mm_addr_parse(ip, &a), 0);
    return mm_intel_match_ip(in, &a, port, hit);
}

static void test_plain_list(void **state)
{
    (void)state;
    struct mm_intel_file_report rep;
    struct mm_intel_hit hit;
    struct mm_intel *in = load_text("plain.txt",
                                    "# a plain list\n"
                                    "192.0.2.1\n"
                                    "198.51.100.0/24\n"
                                    "198.51.100.128/25\n"
                                    "203.0.113.7:8443\n"
                                    "[2001:db8::7]:443\n"
                                    "2001:db8:1::/48\n"
                                    "bad.example\n"
                                    "not an indicator\n"
                                    "http://dl.example.net/a/b.exe\n"
                                    "999.1.1.1/8\n",
                                    &rep);
    assert_string_equal(rep.format, "list");
    assert_int_equal(rep.loaded, 8);
    assert_int_equal(rep.malformed, 2);
    assert_int_equal(rep.first_bad_line, 9);
    assert_int_equal(mm_intel_count(in), 8);

    assert_true(ip_hit(in, "192.0.2.1", 0, &hit));
    assert_string_equal(hit.type, "ip");
    assert_string_equal(hit.indicator, "192.0.2.1");
    assert_false(ip_hit(in, "192.0.2.2", 0, NULL));
    /* longest prefix wins */
    assert_true(ip_hit(in, "198.51.100.200", 0, &hit));
    assert_string_equal(hit.indicator, "198.51.100.128/25");
    assert_true(ip_hit(in, "198.51.100.5", 0, &hit));
    assert_string_equal(hit.indicator, "198.51.100.0/24");
    /* ip:port matches that port only */
    assert_true(ip_hit(in, "203.0.113.7", 8443, &hit));
    assert_string_equal(hit.indicator, "203.0.113.7:8443");
    assert_false(ip_hit(in, "203.0.113.7", 443, NULL));
    assert_false(ip_hit(in, "203.0.113.7", 0, NULL));
    assert_true(ip_hit(in, "2001:db8::7", 443, &hit));
    assert_string_equal(hit.indicator, "[2001:db8::7]:443");
    assert_true(ip_hit(in, "2001:db8:1:ffff::1", 0, &hit));
    assert_string_equal(hit.indicator, "2001:db8:1::/48");
    assert_true(mm_intel_match_domain(in, "BAD.example.", &hit));
    assert_true(mm_intel_match_url(in, "dl.example.net", "/a/b.exe", &hit));
    assert_string_equal(hit.indicator, "dl.example.net/a/b.exe");
    assert_string_equal(hit.family, "");
    mm_intel_free(in);
}

/* Repeated lookups give the first answer again (the set remembers recent
 * IP answers): alternating ports of an ip:port indicator, and more
 * addresses than the memo has slots, asked twice over in another order. */
static void test_ip_answers_repeat(void **state)
{
    (void)state;
    struct mm_intel_hit hit;
    struct mm_intel *in = load_text("memo.txt",
                                    "203.0.113.7:8443\n"
                                    "198.51.100.0/24\n"
                                    "198.51.100.77\n",
                                    NULL);
    for (int round = 0; round < 3; round++) {
        assert_true(ip_hit(in, "203.0.113.7", 8443, &hit));
        assert_string_equal(hit.indicator, "203.0.113.7:8443");
        assert_false(ip_hit(in, "203.0.113.7", 443, NULL));
        assert_false(ip_hit(in, "203.0.113.7", 0, NULL));
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int k = 0; k < 20000; k++) {
            int i = pass ? 19999 - k : k;
            char ip[32];
            snprintf(ip, sizeof ip, "198.51.%d.%d", 96 + i / 256 % 8, i % 256);
            bool listed = 96 + i / 256 % 8 == 100;
            assert_int_equal(ip_hit(in, ip, 80, &hit), listed);
            if (listed)
                assert_string_equal(hit.indicator,
                                    i % 256 == 77 ? "198.51.100.77" : "198.51.100.0/24");
        }
    }
    mm_intel_free(in);
}

/* The loader's shortcuts (IPv4 forms read without copies and stored as
 * written when that is already their listed text; bare list lines; names
 * kept out of the IP parsers) give what the general paths give. */
static void test_fast_paths(void **state)
{
    (void)state;
    static const struct {
        const char *value, *probe;
        uint16_t port;
        const char *listed; /* NULL: malformed */
    } cases[] = {
        {"192.0.2.1", "192.0.2.1", 0, "192.0.2.1"},
        {"198.51.100.77/24", "198.51.100.3", 0, "198.51.100.0/24"}, /* host bits */
        {"203.0.113.0/024", "203.0.113.5", 0, "203.0.113.0/24"},
        {"203.0.113.9/32", "203.0.113.9", 0, "203.0.113.9"},
        {"192.0.2.200:0080", "192.0.2.200", 80, "192.0.2.200:80"},
        {"192.0.2.201:8080", "192.0.2.201", 8080, "192.0.2.201:8080"},
        /* a prefix length is digits only (mm_cidr_parse: strtoul took a sign, a space) */
        {"192.0.2.202/+31", NULL, 0, NULL},
        {"192.0.2.202/ 31", NULL, 0, NULL},
        {"2001:db8::/+32", NULL, 0, NULL},
        {"0.0.0.0/0", "198.18.0.1", 0, "0.0.0.0/0"},
        {"192.0.2.1/33", NULL, 0, NULL},
        {"01.2.3.4", NULL, 0, NULL},
        {"192.0.2.1:0", NULL, 0, NULL},
        {"192.0.2.1:65536", NULL, 0, NULL},
        {"192.0.2.256", NULL, 0, NULL},
        {"255.255.255.255", "255.255.255.255", 0, "255.255.255.255"},
        {"0.0.0.0", "0.0.0.0", 0, "0.0.0.0"},
        {"10.200.30.9/8", "10.1.2.3", 0, "10.0.0.0/8"},
        {"192.0.2.04", NULL, 0, NULL},
        {"256.0.2.1", NULL, 0, NULL},
        {"192.0.2.1000", NULL, 0, NULL},
        {"192.0.2.1.5", NULL, 0, NULL},
        {"192.0.2", NULL, 0, NULL},
        {"192..0.2", NULL, 0, NULL},
    };
    struct mm__intel_ctx ctx = {.family = "f", .reference = "", .source = "t"};
    struct mm_intel_hit hit;
    const char *why;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mm_intel *in = NULL;
        assert_int_equal(mm_intel_new(&in), 0);
        int r = mm__intel_add(in, MM__IK_NONE, cases[i].value, &ctx, &why);
        assert_int_equal(mm_intel_seal(in), 0);
        if (!cases[i].listed) {
            assert_int_equal(r, MM_EPARSE);
            assert_string_equal(why, "not an IP address, CIDR or ip:port");
        } else {
            assert_int_equal(r, 0);
            assert_true(ip_hit(in, cases[i].probe, cases[i].port, &hit));
            assert_string_equal(hit.indicator, cases[i].listed);
        }
        mm_intel_free(in);
    }
    /* hex-letter and capitalised names are names; bare, CRLF and commented lines */
    struct mm_intel_file_report rep;
    struct mm_intel *in = load_text("fast.txt",
                                    "Deadbeef.Cafe\n"
                                    "MiXeD.Example\r\n"
                                    "192.0.2.9 # note\n"
                                    "  192.0.2.10\n"
                                    "a.example b.example\n",
                                    &rep);
    assert_int_equal(rep.loaded, 4);
    assert_int_equal(rep.malformed, 1);
    assert_int_equal(rep.first_bad_line, 5);
    assert_true(mm_intel_match_domain(in, "deadbeef.cafe", &hit));
    assert_string_equal(hit.indicator, "deadbeef.cafe");
    assert_true(mm_intel_match_domain(in, "www.mixed.example", &hit));
    assert_string_equal(hit.indicator, "mixed.example");
    assert_true(ip_hit(in, "192.0.2.9", 0, NULL));
    assert_true(ip_hit(in, "192.0.2.10", 0, NULL));
    mm_intel_free(in);
}

/* Random dotted quads of three to five parts of 0 to 4 digits (leading
 * zeros, values above 255, missing or extra parts, empty parts): an IP
 * exactly when mm_addr_parse reads an IPv4 address from it, and then found
 * at that address listed as written. */
static void test_quads(void **state)
{
    (void)state;
    struct mm__intel_ctx ctx = {.family = "f", .reference = "", .source = "t"};
    struct mm_intel *in = NULL;
    struct mm_intel_hit hit;
    const char *why;
    enum { N = 20000, LEN = 32 };
    static char values[N][LEN];
    static bool ok[N];
    uint64_t rng = 3;
    assert_int_equal(mm_intel_new(&in), 0);
    for (unsigned t = 0; t < N; t++) {
        char *v = values[t];
        size_t o = 0;
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned parts = (unsigned)(rng >> 61) % 8 == 0 ? 3 + (unsigned)(rng >> 58) % 2 * 2 : 4;
        bool small = (rng >> 57) & 1; /* digits 0-2 only: more leading zeros */
        for (unsigned p = 0; p < parts; p++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned digits = 1 + (unsigned)(rng >> 33) % 3;
            if ((rng >> 40) % 16 == 0)
                digits = (rng >> 44) % 2 ? 0 : 4;
            for (unsigned d = 0; d < digits; d++)
                v[o++] = (char)('0' + (unsigned)(rng >> (20 + 5 * d)) % (small ? 3 : 10));
            if (p + 1 < parts)
                v[o++] = '.';
        }
        v[o] = '\0';
        struct mm_addr a;
        ok[t] = mm_addr_parse(v, &a) == 0 && a.family == 4;
        int r = mm__intel_add(in, MM__IK_IP, v, &ctx, &why);
        if ((r == 0) != ok[t])
            fail_msg("%s: add %d, mm_addr_parse %s", v, r, ok[t] ? "reads it" : "refuses");
    }
    assert_int_equal(mm_intel_seal(in), 0);
    for (unsigned t = 0; t < N; t++) {
        struct mm_addr a;
        if (!ok[t])
            continue;
        assert_int_equal(mm_addr_parse(values[t], &a), 0);
        assert_true(mm_intel_match_ip(in, &a, 0, &hit));
        assert_string_equal(hit.indicator, values[t]);
    }
    mm_intel_free(in);
}

/* Whether byte i of b is what it must be: the pattern below kept, zero
 * from old_cap on (what lies between was in the block before: anything). */
static bool block_byte_ok(const struct mm__intel_block *b, size_t i, size_t kept, size_t old_cap)
{
    unsigned char c = ((const unsigned char *)b->p)[i];
    return i < kept ? c == (unsigned char)(i * 7 + 1) : i < old_cap || c == 0;
}

static void check_block(const struct mm__intel_block *b, size_t kept, size_t old_cap, size_t want)
{
    assert_non_null(b->p);
    assert_true(b->cap >= want);
    for (size_t i = 0; i < want; i += 997)
        if (!block_byte_ok(b, i, kept, old_cap))
            fail_msg("byte %zu of %zu (kept %zu, was %zu)", i, want, kept, old_cap);
    assert_true(block_byte_ok(b, want - 1, kept, old_cap));
}

static void fill_block(struct mm__intel_block *b, size_t n)
{
    unsigned char *p = b->p;
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7 + 1);
}

/* The big blocks keep their bytes and come zeroed beyond what they held, growing
 * (in place or moved, small and past a huge page, onto a boundary) and
 * shrinking: what the pool, the arrays, the tables and the feed text rely
 * on. */
static void test_blocks(void **state)
{
    (void)state;
    static const size_t sizes[] = {
        100,       4096,           70000, 3u << 20,          (9u << 20) + 5,
        100 << 10, (5u << 20) + 3, 1,     (17u << 20) + 4095};
    struct mm__intel_block b = {0};
    size_t filled = 0;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t want = sizes[k], kept = filled < want ? filled : want, old_cap = b.cap;
        assert_int_equal(mm__intel_block_resize(&b, want), 0);
        check_block(&b, kept, old_cap, want);
        fill_block(&b, want);
        filled = want;
    }
    assert_int_equal(mm__intel_block_resize(&b, 0), 0);
    assert_null(b.p);
    mm__intel_block_free(&b);
}

/* Making a block's pages resident ahead (the pool and the arrays as they
 * fill, a table's new slots, a feed's text) changes none of its bytes,
 * never reaches past its end, and what it counts as ready follows the
 * block when it shrinks, grows or is freed. */
static void test_block_ahead(void **state)
{
    (void)state;
    struct mm__intel_block b = {0};
    assert_int_equal(mm__intel_block_resize(&b, (3u << 20) + 5), 0);
    fill_block(&b, 1000);
    mm__intel_block_ahead(&b, 1000);
    assert_true(b.ready >= 1000 && b.ready <= b.cap);
    check_block(&b, 1000, 0, b.cap);
    mm__intel_block_ahead(&b, b.cap); /* up to the end, not past it */
    assert_int_equal(b.ready, b.cap);
    mm__intel_block_populate(&b, 4095, b.cap + 12345);
    check_block(&b, 1000, 0, b.cap);
    assert_int_equal(mm__intel_block_resize(&b, 5000), 0);
    assert_true(b.ready <= b.cap);
    check_block(&b, 1000, 0, 5000);
    size_t old_cap = b.cap;
    assert_int_equal(mm__intel_block_resize(&b, 9u << 20), 0);
    mm__intel_block_ahead(&b, 7u << 20);
    assert_true(b.ready >= 7u << 20 && b.ready <= b.cap);
    check_block(&b, 1000, old_cap, 9u << 20);
    mm__intel_block_free(&b);
    assert_int_equal(b.ready, 0);
    mm__intel_block_ahead(&b, 0); /* an empty block: nothing to do */
    assert_null(b.p);
}

/* Every indicator stays findable while the tables double in place many
 * times over (1024 slots to 32K), and names not listed are not found. */
static void test_many_indicators(void **state)
{
    (void)state;
    struct mm__intel_ctx ctx = {.family = "f", .reference = "r", .source = "t"};
    struct mm_intel *in = NULL;
    struct mm_intel_hit hit;
    const char *why;
    char v[64];
    enum { N = 20000 };
    assert_int_equal(mm_intel_new(&in), 0);
    for (int i = 0; i < N; i++) {
        snprintf(v, sizeof v, "10.%d.%d.%d", i / 65536, i / 256 % 256, i % 256);
        assert_int_equal(mm__intel_add(in, MM__IK_NONE, v, &ctx, &why), 0);
        snprintf(v, sizeof v, "h%d.many.example", i);
        assert_int_equal(mm__intel_add(in, MM__IK_NONE, v, &ctx, &why), 0);
    }
    assert_int_equal(mm_intel_seal(in), 0);
    assert_int_equal(mm_intel_count(in), 2 * N);
    for (int i = 0; i < N + 100; i++) {
        char ip[32];
        snprintf(ip, sizeof ip, "10.%d.%d.%d", i / 65536, i / 256 % 256, i % 256);
        assert_int_equal(ip_hit(in, ip, 0, &hit), i < N);
        if (i < N)
            assert_string_equal(hit.indicator, ip);
        snprintf(v, sizeof v, "www.h%d.many.example", i);
        assert_int_equal(mm_intel_match_domain(in, v, &hit), i < N);
        if (i < N)
            assert_string_equal(hit.indicator, v + 4);
    }
    mm_intel_free(in);
}

/* An IP hit's text is formatted at the entry's first hit and kept: a later
 * hit on the same entry gives the same string at the same place, and the
 * strings of earlier hits stay as they were while hundreds more are made
 * (IPv4, IPv6, prefixes and ports; through the memo and without it). */
static void test_ip_hit_texts(void **state)
{
    (void)state;
    struct mm__intel_ctx ctx = {.family = "f", .reference = "r", .source = "t"};
    struct mm_intel *in = NULL;
    struct mm_intel_hit hit;
    const char *why;
    enum { N = 600 };
    static const char *kept[N];
    static char listed[N][64], probe[N][64];
    static uint16_t port[N];
    assert_int_equal(mm_intel_new(&in), 0);
    for (int i = 0; i < N; i++) {
        switch (i % 4) {
        case 0:
            snprintf(listed[i], 64, "192.0.%d.%d", i / 256, i % 256);
            snprintf(probe[i], 64, "%s", listed[i]);
            break;
        case 1:
            snprintf(listed[i], 64, "10.%d.%d.0/24", i / 256, i % 256);
            snprintf(probe[i], 64, "10.%d.%d.77", i / 256, i % 256);
            break;
        case 2:
            snprintf(listed[i], 64, "[2001:db8::%x]:%d", i, 1000 + i);
            snprintf(probe[i], 64, "2001:db8::%x", i);
            port[i] = (uint16_t)(1000 + i);
            break;
        default:
            snprintf(listed[i], 64, "2001:db8:%x::/48", i);
            snprintf(probe[i], 64, "2001:db8:%x::5", i);
            break;
        }
        assert_int_equal(mm__intel_add(in, MM__IK_NONE, listed[i], &ctx, &why), 0);
    }
    assert_int_equal(mm_intel_seal(in), 0);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < N; i++) {
            struct mm_addr a;
            assert_int_equal(mm_addr_parse(probe[i], &a), 0);
            bool found = round ? mm__intel_match_ip_direct(in, &a, port[i], &hit)
                               : mm_intel_match_ip(in, &a, port[i], &hit);
            assert_true(found);
            assert_string_equal(hit.indicator, listed[i]);
            if (round)
                assert_ptr_equal(hit.indicator, kept[i]);
            kept[i] = hit.indicator;
        }
    for (int i = 0; i < N; i++)
        assert_string_equal(kept[i], listed[i]);
    mm_intel_free(in);
}

/* Appends printf-style text to b (set-up: it must not fail). */
__attribute__((format(printf, 2, 3))) static void append(struct mm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = mm_buf_vprintf(b, fmt, ap);
    va_end(ap);
    assert_int_equal(r, 0);
}

/* Feeds large enough for the tables to be sized ahead from the unread text:
 * a long comment header (few lines per byte: the guess is low), IPs then
 * names in one file, names that are all duplicates, and a hosts file with
 * more names than lines (more adds than the guess). Every indicator is
 * found once, with its line's context. */
static void test_large_feeds(void **state)
{
    (void)state;
    enum { N = 6000 };
    struct mm_buf text = MM_BUF_INIT;
    char v[64];
    struct mm_intel_file_report rep;
    struct mm_intel_hit hit;
    for (int i = 0; i < 40; i++)
        append(&text, "# %0100d\n", i);
    append(&text, "# Reference: https://example.org/ips\n");
    for (int i = 0; i < N; i++)
        append(&text, "10.9.%d.%d\n", i / 256, i % 256);
    append(&text, "# Reference: https://example.org/names\n");
    for (int i = 0; i < N; i++)
        append(&text, "n%d.large.example\n", i);
    for (int i = 0; i < N; i++)
        append(&text, "n%d.large.example\n", i % 7);
    struct mm_intel *in = load_text("mixed.txt", mm_buf_str(&text), &rep);
    assert_int_equal(rep.loaded, 3 * N);
    assert_int_equal(mm_intel_count(in), 2 * N);
    for (int i = 0; i < N; i++) {
        snprintf(v, sizeof v, "10.9.%d.%d", i / 256, i % 256);
        assert_true(ip_hit(in, v, 0, &hit));
        assert_string_equal(hit.indicator, v);
        assert_string_equal(hit.reference, "https://example.org/ips");
        snprintf(v, sizeof v, "www.n%d.large.example", i);
        assert_true(mm_intel_match_domain(in, v, &hit));
        assert_string_equal(hit.indicator, v + 4);
        assert_string_equal(hit.reference, "https://example.org/names");
    }
    assert_false(mm_intel_match_domain(in, "n6000.large.example", NULL));
    mm_intel_free(in);
    mm_buf_reset(&text);
    for (int i = 0; i < N; i += 4)
        append(&text,
               "0.0.0.0 h%d.hosts.example h%d.hosts.example h%d.hosts.example "
               "h%d.hosts.example\n",
               i, i + 1, i + 2, i + 3);
    in = load_text("empty.txt", "", &rep); /* a regular file of no bytes */
    assert_string_equal(rep.format, "list");
    assert_int_equal(rep.loaded + rep.malformed, 0);
    assert_int_equal(mm_intel_count(in), 0);
    mm_intel_free(in);
    in = load_text("hosts.txt", mm_buf_str(&text), &rep);
    assert_string_equal(rep.format, "hosts");
    assert_int_equal(rep.loaded, N);
    assert_int_equal(mm_intel_count(in), N);
    for (int i = 0; i <= N; i++) {
        snprintf(v, sizeof v, "h%d.hosts.example", i);
        assert_int_equal(mm_intel_match_domain(in, v, NULL), i < N);
    }
    mm_intel_free(in);
    mm_buf_free(&text);
}

/* Inserts wait a few adds (for their table slot's memory), in order: the
 * first listing of a key keeps its context whether the repeat comes at once,
 * after a long key (inserted without waiting) or after many others, and an
 * IP written two ways is one entry listed as first written. */
static void test_first_listing_wins(void **state)
{
    (void)state;
    struct mm_intel_hit hit;
    struct mm_intel_file_report rep;
    struct mm_buf text = MM_BUF_INIT;
    const char *long_url = "dl.example.net/a-path-long-enough-to-exceed-the-waiting-room/"
                           "payload.bin";
    append(&text, "# Reference: one\n");
    append(&text, "first.example\nfirst.example\n%s\n", long_url);
    append(&text, "192.0.2.0/24\n198.51.100.9\n");
    append(&text, "# Reference: two\n");
    append(&text, "first.example\n%s\n192.0.2.99/24\n", long_url);
    for (int i = 0; i < 20; i++)
        append(&text, "f%d.example\n", i);
    append(&text, "198.51.100.9\nfirst.example\n%s\n", long_url);
    struct mm_intel *in = load_text("order.txt", mm_buf_str(&text), &rep);
    assert_int_equal(rep.loaded, 31);
    assert_int_equal(mm_intel_count(in), 4 + 20);
    assert_true(mm_intel_match_domain(in, "first.example", &hit));
    assert_string_equal(hit.reference, "one");
    assert_true(mm_intel_match_url(
        in, "dl.example.net", "/a-path-long-enough-to-exceed-the-waiting-room/payload.bin", &hit));
    assert_string_equal(hit.reference, "one");
    assert_true(ip_hit(in, "192.0.2.1", 0, &hit));
    assert_string_equal(hit.indicator, "192.0.2.0/24");
    assert_string_equal(hit.reference, "one");
    assert_true(ip_hit(in, "198.51.100.9", 0, &hit));
    assert_string_equal(hit.reference, "one");
    assert_true(mm_intel_match_domain(in, "f19.example", &hit));
    assert_string_equal(hit.reference, "two");
    mm_intel_free(in);
    mm_buf_free(&text);
}

/* A scanner list's entry (family "mass_scanner...", "mass scanner...")
 * names the source of internet-wide probes only, so a key it lists that
 * another feed lists too keeps the other feed's context, whichever came
 * first (before, the first listing's: a C2 prefix a scanner list named
 * first lost its malware family); between two scanner lists, or when the
 * scanner list comes second, the first listing's stays. */
static void test_scanner_listing_yields(void **state)
{
    (void)state;
    struct mm_intel_hit hit;
    struct mm_intel *in = load_text("scanners.tsv",
                                    "type\tvalue\tfamily\treference\n"
                                    "cidr\t198.51.100.0/24\tmass_scanner\t\n"
                                    "cidr\t198.51.100.0/24\tsomebot\thttps://example.org/somebot\n"
                                    "ip\t192.0.2.7\tMass Scanner\t\n"
                                    "ip\t192.0.2.7\tsomebot\t\n"
                                    "ip\t203.0.113.5\tsomebot\t\n"
                                    "ip\t203.0.113.5\tmass_scanner_cidr\t\n"
                                    "ip\t203.0.113.6\tmass_scanner\t\n"
                                    "ip\t203.0.113.6\tmass_scanner_cidr\t\n"
                                    "domain\tscan.example\tmass_scanner\t\n"
                                    "domain\tscan.example\tsomebot\t\n",
                                    NULL);
    assert_int_equal(mm_intel_count(in), 5);
    assert_true(ip_hit(in, "198.51.100.9", 0, &hit));
    assert_string_equal(hit.indicator, "198.51.100.0/24");
    assert_string_equal(hit.family, "somebot");
    assert_string_equal(hit.reference, "https://example.org/somebot");
    assert_true(ip_hit(in, "192.0.2.7", 0, &hit));
    assert_string_equal(hit.family, "somebot");
    assert_true(ip_hit(in, "203.0.113.5", 0, &hit));
    assert_string_equal(hit.family, "somebot");
    assert_true(ip_hit(in, "203.0.113.6", 0, &hit));
    assert_string_equal(hit.family, "mass_scanner");
    assert_true(mm_intel_match_domain(in, "scan.example", &hit));
    assert_string_equal(hit.family, "somebot");
    mm_intel_free(in);
}

/* A "# Reference:" note longer than its 511 bytes is cut between
 * characters (Japanese cut at 511 ended inside one). */
static void test_reference_cut_between_characters(void **state)
{
    (void)state;
    struct mm_intel_hit hit;
    struct mm_buf text = MM_BUF_INIT;
    append(&text, "# Reference: xy");
    for (int i = 0; i < 200; i++) /* 2 + 600 bytes: 511 falls inside a character */
        append(&text, "参考");
    append(&text, "\nnote.example\n");
    struct mm_intel *in = load_text("notes.txt", mm_buf_str(&text), NULL);
    assert_true(mm_intel_match_domain(in, "note.example", &hit));
    assert_int_equal(strlen(hit.reference), 2 + 169 * 3);
    assert_memory_equal(hit.reference, mm_buf_str(&text) + 13, strlen(hit.reference));
    mm_intel_free(in);
    mm_buf_free(&text);
}

static void test_domains_and_psl(void **state)
{
    (void)state;
    struct mm_intel_hit hit;
    struct mm_intel *in = load_text("domains.txt",
                                    "evil.example\n"
                                    "co.jp\n"
                                    "com\n"
                                    "deep.sub.other.example\n"
                                    "*.wild.example\n",
                                    NULL);
    assert_true(mm_intel_match_domain(in, "evil.example", &hit));
    assert_string_equal(hit.indicator, "evil.example");
    assert_true(mm_intel_match_domain(in, "a.b.evil.example", &hit));
    assert_string_equal(hit.indicator, "evil.example");
    assert_string_equal(hit.type, "domain");
    assert_false(mm_intel_match_domain(in, "notevil.example", NULL));
    assert_false(mm_intel_match_domain(in, "evil.example.org", NULL));
    /* a listed public suffix never matches names below it */
    assert_false(mm_intel_match_domain(in, "shop.co.jp", NULL));
    assert_false(mm_intel_match_domain(in, "www.shop.co.jp", NULL));
    assert_false(mm_intel_match_domain(in, "example.com", NULL));
    assert_true(mm_intel_match_domain(in, "co.jp", NULL)); /* only exactly */
    /* a parent is not matched by a more specific listing */
    assert_false(mm_intel_match_domain(in, "sub.other.example", NULL));
    assert_true(mm_intel_match_domain(in, "x.deep.sub.other.example", NULL));
    assert_true(mm_intel_match_domain(in, "a.wild.example", NULL));
    assert_false(mm_intel_match_domain(in, "bad..example", NULL));
    assert_false(mm_intel_match_domain(in, "", NULL));
    mm_intel_free(in);
}

/* Host names normalised by the word-at-a-time path (8 to 63 bytes) and the
 * byte loop agree on every edge: lengths around 8 and 63, capitals, '_',
 * empty labels anywhere, a dropped leading "*." or "." and trailing dot,
 * bytes that are not label bytes (also in the last, overlapping word). */
static void test_domain_norm(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out; /* out NULL: refused */
    } cases[] = {
        {"a.example", "a.example"},
        {"ab.exam", "ab.exam"},
        {"abc.exam", "abc.exam"},
        {"Mixed-Case_Name.EXAMPLE", "mixed-case_name.example"},
        {"ZZ.AA.example", "zz.aa.example"},
        {"*.wild.example", "wild.example"},
        {".lead.example", "lead.example"},
        {"trail.example.", "trail.example"},
        {"trail.example..", NULL},
        {"..lead.example", NULL},
        {"two..dots.example", NULL},
        {"dots.at.the.end..x", NULL},
        {"1234567.", "1234567"},
        {"12345678..", NULL},
        {"under_score.example", "under_score.example"},
        {"bad/slash.example", NULL},
        {"bad.example/", NULL},
        {"space .example", NULL},
        {"caf\xc3\xa9.example", NULL},
        {"ends.with.non.ascii\xff", NULL},
        {"-.example", "-.example"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b",
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b"},
        {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.b", NULL},
        {"a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
         "a.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"a.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL},
        {"", NULL},
        {".", NULL},
        {"*.", NULL},
    };
    char out[MM__INTEL_NAME_MAX + 2];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = mm__intel_norm_domain(cases[i].in, out, sizeof out);
        if (!cases[i].out) {
            if (ok)
                fail_msg("%s: accepted as %s", cases[i].in, out);
            continue;
        }
        if (!ok)
            fail_msg("%s: refused", cases[i].in);
        assert_string_equal(out, cases[i].out);
    }
}

/* mm__intel_norm_domain byte by byte, as documented: a leading "*." or
 * "." and a trailing dot dropped, letters lower-cased, labels of 1-63
 * letters, digits, '-' and '_', at most 253 bytes. The reference for
 * test_domain_norm_fast. */
static bool ref_norm_domain(const char *in, char *out, size_t outlen)
{
    size_t n = strlen(in), label = 0;
    if (n >= 2 && in[0] == '*' && in[1] == '.')
        in += 2, n -= 2;
    else if (n >= 1 && in[0] == '.')
        in++, n--;
    if (n > 0 && in[n - 1] == '.')
        n--;
    if (n == 0 || n > 253 || n + 1 > outlen)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '.') {
            if (i == label || i - label > 63)
                return false;
            label = i + 1;
        } else if (c >= 'A' && c <= 'Z') {
            c = (unsigned char)(c + ('a' - 'A'));
        } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
        out[i] = (char)c;
    }
    if (n == label || n - label > 63)
        return false;
    out[n] = '\0';
    return true;
}

/* Random names of 1 to 90 bytes, mostly label bytes and dots, sometimes
 * a byte next to a class edge ('/', '@', '[', '`', '{', 0x7f, 0x80, 0xff,
 * ' ', ',') or a dot pair, anywhere (the word path takes 8 bytes at a time,
 * the vector path 16, both with an overlapping last block): the same
 * answer and text as the byte by byte reference. */
static void test_domain_norm_fast(void **state)
{
    (void)state;
    static const char common[] = "abcxyzABCXYZ0189-_.";
    static const char edges[] = "/@[`{\x7f\x80\xff ,.:";
    uint64_t rng = 7;
    char name[100], out[MM__INTEL_NAME_MAX + 2], ref[MM__INTEL_NAME_MAX + 2];
    for (unsigned t = 0; t < 200000; t++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = 1 + (size_t)(rng >> 33) % 90;
        unsigned mode = (unsigned)(rng >> 20) % 4; /* 0: valid bytes only; 2: long labels */
        for (size_t i = 0; i < len; i++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned r = (unsigned)(rng >> 33);
            if (mode != 0 && r % 97 == 0)
                name[i] = edges[r / 97 % (sizeof edges - 1)];
            else if (r % (mode == 2 ? 50 : 7) == 0 && i > 0 && name[i - 1] != '.')
                name[i] = '.';
            else
                name[i] = common[r / 7 % (sizeof common - 2)]; /* no '.' */
        }
        name[len] = '\0';
        bool a = mm__intel_norm_domain(name, out, sizeof out);
        bool b = ref_norm_domain(name, ref, sizeof ref);
        if (a != b)
            fail_msg("%s: %s, reference %s", name, a ? "accepted" : "refused",
                     b ? "accepts" : "refuses");
        if (a)
            assert_string_equal(out, ref);
    }
}

/* The list reader's line iterator as it was before it looked at sixteen
 * bytes at a time: memchr for the newline, then strcspn for a stop byte;
 * the reference for test_list_lines. */
static char *ref_list_line(struct mm__intel_lines *it, bool *plain)
{
    if (it->p >= it->end)
        return NULL;
    char *line = it->p, *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
    size_t n = nl ? (size_t)(nl - line) : (size_t)(it->end - line);
    if (nl) {
        *nl = '\0';
        it->p = nl + 1;
    } else {
        it->p = it->end;
    }
    if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
    it->len = n;
    it->lineno++;
    *plain = n > 0 && strcspn(line, " \t\v\f\r#[]()*+\\|^$") == n;
    return line;
}

/* Random texts of lines of 0 to 70 bytes, mostly indicator bytes, now and
 * then a stop byte (white space, '#', a pattern character), a byte next to
 * one ('\b', '\x0e', '!', '%', '\'', ',', 'Z', '_', '{', '}'), a byte
 * above 0x7f or a "\r" before the newline, with or without a last newline:
 * the lines, their lengths, the bytes written and the plain answers are the
 * reference's. */
static void test_list_lines(void **state)
{
    (void)state;
    static const char common[] = "ab.19:/-_";
    static const char edges[] = " \t\v\f\r#[]()*+\\|^$\b\x0e!%',Z_{}\x80\xff\n";
    uint64_t rng = 5;
    char text[1200], copy[1200];
    for (unsigned t = 0; t < 20000; t++) {
        size_t len = 0;
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned lines = (unsigned)(rng >> 33) % 16;
        for (unsigned l = 0; l < lines; l++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t n = (size_t)(rng >> 33) % 71;
            unsigned odd = (unsigned)(rng >> 20) % 3; /* 0: no edge bytes */
            for (size_t i = 0; i < n; i++) {
                rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
                unsigned r = (unsigned)(rng >> 33);
                text[len++] = odd && r % 29 == 0 ? edges[r / 29 % (sizeof edges - 1)]
                                                 : common[r % (sizeof common - 1)];
            }
            if ((rng >> 40) % 5 == 0)
                text[len++] = '\r';
            if (l + 1 < lines || (rng >> 45) % 2)
                text[len++] = '\n';
        }
        text[len] = '\0';
        memcpy(copy, text, len + 1);
        struct mm__intel_lines a = {.start = text, .p = text, .end = text + len};
        struct mm__intel_lines b = {.start = copy, .p = copy, .end = copy + len};
        for (;;) {
            bool pa = false, pb = false;
            char *la = mm__intel_next_list_line(&a, &pa), *lb = ref_list_line(&b, &pb);
            assert_int_equal(la == NULL, lb == NULL);
            if (!la)
                break;
            assert_int_equal(la - text, lb - copy);
            assert_int_equal(a.p - text, b.p - copy);
            assert_int_equal(a.len, b.len);
            assert_int_equal(a.lineno, b.lineno);
            if (pa != pb)
                fail_msg("line %d \"%s\": plain %d, reference %d", a.lineno, la, pa, pb);
        }
        assert_memory_equal(text, copy, len + 1);
    }
}

/* mm__intel_norm_url as it was before it copied a path's bytes 8 at a
 * time (the byte loop), the reference for test_url_norm_words. */
static char ref_lower(unsigned char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

static bool ref_norm_url(const char *in, char *out, size_t outlen)
{
    const char *p = strstr(in, "://"), *host, *host_end, *at;
    size_t o = 0, hn;
    if (p && p - in <= 16)
        in = p + 3;
    if (outlen < 2)
        return false;
    if (in[0] == '/') { /* a path without host */
        host = host_end = in;
    } else {
        host = in;
        host_end = host + strcspn(host, "/?#");
        at = memchr(host, '@', (size_t)(host_end - host));
        while (at) { /* user info: keep what follows the last '@' */
            host = at + 1;
            at = memchr(host, '@', (size_t)(host_end - host));
        }
    }
    hn = (size_t)(host_end - host);
    if (hn > 0 && host[hn - 1] == '.')
        hn--;
    /* default ports add nothing */
    if (hn > 3 && memcmp(host + hn - 3, ":80", 3) == 0)
        hn -= 3;
    else if (hn > 4 && memcmp(host + hn - 4, ":443", 4) == 0)
        hn -= 4;
    if (hn + 2 > outlen || hn > MM__INTEL_NAME_MAX + 8)
        return false;
    for (size_t i = 0; i < hn; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c <= ' ' || c == '\\' || c >= 0x7f)
            return false;
        out[o++] = ref_lower(c);
    }
    const char *path = host_end;
    if (*path != '/')
        out[o++] = '/';
    for (; *path && *path != '#'; path++) {
        if ((unsigned char)*path <= ' ' || o + 1 >= outlen)
            return false;
        out[o++] = *path;
    }
    out[o] = '\0';
    return true;
}

/* Random URLs whose paths hold the bytes the word copy must stop at (NUL
 * ends, ' ' and control bytes refuse, '#' ends) at every offset, bytes
 * above 0x7f, paths of up to 600 bytes and buffers too short for them:
 * the same answer and text as the byte loop. */
static void test_url_norm_words(void **state)
{
    (void)state;
    static const char bytes[] = "abcXYZ/?=&%.-_09#  \x01\x1f\x7f\x80\xff!~";
    uint64_t rng = 11;
    char url[700], out[700], ref[700];
    for (unsigned t = 0; t < 20000; t++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t n = 0, len = (size_t)(rng >> 33) % 600, outlen = 2 + (size_t)(rng >> 20) % 690;
        n += (size_t)snprintf(url, sizeof url, "%s", (rng >> 12) % 3 ? "h.example" : "http://a.b");
        for (size_t i = 0; i < len; i++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned r = (unsigned)(rng >> 33);
            url[n++] = r % 16 ? bytes[r / 16 % 6] : bytes[r / 16 % (sizeof bytes - 1)];
        }
        url[n] = '\0';
        bool a = mm__intel_norm_url(url, out, outlen), b = ref_norm_url(url, ref, outlen);
        assert_int_equal(a, b);
        if (a)
            assert_string_equal(out, ref);
    }
}

static void test_url_norm(void **state)
{
    (void)state;
    char out[256];
    assert_true(
        mm__intel_norm_url("HTTP://User:pw@Dl.Example.NET:80/A/b?x=1#frag", out, sizeof out));
    assert_string_equal(out, "dl.example.net/A/b?x=1");
    assert_true(mm__intel_norm_url("dl.example.net", out, sizeof out));
    assert_string_equal(out, "dl.example.net/");
    assert_true(mm__intel_norm_url("https://x.example:8443/p", out, sizeof out));
    assert_string_equal(out, "x.example:8443/p");
    assert_true(mm__intel_norm_url("/only/path", out, sizeof out));
    assert_string_equal(out, "/only/path");
    assert_false(mm__intel_norm_url("bad host/x", out, sizeof out));

    struct mm_intel_hit hit;
    struct mm_intel *in = load_text("urls.txt",
                                    "# Reference: https://example.org/report\n"
                                    "www.example.com/wp-content/x/\n"
                                    "files.example.org/get.php?id=7\n"
                                    "/malicious-login.php\n",
                                    NULL);
    /* directory listing matches files below it */
    assert_true(mm_intel_match_url(in, "WWW.example.com", "/wp-content/x/load.exe?a=1", &hit));
    assert_string_equal(hit.indicator, "www.example.com/wp-content/x/");
    assert_true(mm_intel_match_url(in, "www.example.com:80", "/wp-content/x/", NULL));
    assert_false(mm_intel_match_url(in, "www.example.com", "/wp-content/", NULL));
    assert_false(mm_intel_match_url(in, "www.example.com", "/", NULL));
    assert_true(mm_intel_match_url(in, "files.example.org", "/get.php?id=7", NULL));
    assert_false(mm_intel_match_url(in, "files.example.org", "/get.php?id=8", NULL));
    /* absolute-form request URI */
    assert_true(mm_intel_match_url(in, "ignored", "http://files.example.org/get.php?id=7", NULL));
    /* path-only entries match on any host */
    assert_true(mm_intel_match_url(in, "a.example", "/malicious-login.php?u=1", &hit));
    assert_string_equal(hit.indicator, "/malicious-login.php");
    mm_intel_free(in);
}

static void test_maltrail(void **state)
{
    (void)state;
    struct mm_intel_file_report rep;
    struct mm_intel_hit hit;
    struct mm_intel *in = load_text("somebot.txt",
                                    "# Copyright (c) Maltrail developers\n"
                                    "# Aliases: somebot\n\n"
                                    "# Reference: https://example.org/one\n\n"
                                    "192.0.2.50:443\n"
                                    "c2.example\n"
                                    "# Reference: https://example.org/two\n"
                                    "gate.example.net/panel/\n"
                                    "dga[0-9]+\\.example\n"
                                    "198.51.100.0/24 # scanners\n",
                                    &rep);
    assert_string_equal(rep.format, "maltrail");
    assert_int_equal(rep.loaded, 4);
    assert_int_equal(rep.malformed, 1);
    assert_int_equal(rep.first_bad_line, 10);
    assert_true(ip_hit(in, "192.0.2.50", 443, &hit));
    assert_string_equal(hit.family, "somebot");
    assert_string_equal(hit.reference, "https://example.org/one");
    assert_true(mm_intel_match_url(in, "gate.example.net", "/panel/login", &hit));
    assert_string_equal(hit.reference, "https://example.org/two");
    assert_non_null(strstr(hit.source, "somebot.txt"));
    assert_true(ip_hit(in, "198.51.100.9", 0, NULL));
    mm_intel_free(in);
}

static void test_maltrail_csv(void **state)
{
    (void)state;
    struct mm_intel_file_report rep;
    struct mm_intel_hit hit;
    struct mm_intel *in = load_text("trails.csv",
                                    "bad-test.example,malware (test),(static)\n"
                                    "192.0.2.66,botnet c2 (test),(static)\n"
                                    "[2001:db8::beef]:443,malware (test),(static)\n",
                                    &rep);
    assert_string_equal(rep.format, "maltrail-csv");
    assert_int_equal(rep.loaded, 3);
    assert_true(ip_hit(in, "192.0.2.66", 80, &hit));
    assert_string_equal(hit.family, "botnet c2 (test)");
    assert_true(mm_intel_match_domain(in, "www.bad-test.example", NULL));
    mm_intel_free(in);
}

static void test_abusech(void **state)
{
    (void)state;
    struct mm_intel_file_report rep;
    struct mm_intel_hit hit;
    struct mm_intel *in = load_text(
        "ipblocklist.csv",
        "################\n# C2 IP blocklist\n#\n"
        "\"first_seen_utc\",\"dst_ip\",\"dst_port\",\"c2_status\",\"last_online\",\"malware\"\n"
        "\"2026-01-02 03:04:05\",\"192.0.2.10\",\"8080\",\"online\",\"2026-01-03\",\"Somebot\"\n"
        "\"2026-01-02 03:04:05\",\"not-an-ip\",\"8080\",\"online\",\"2026-01-03\",\"Somebot\"\n"
        "# END 2 entries\n",
        &rep);
    assert_string_equal(rep.format, "feodo");
    assert_int_equal(rep.loaded, 1);
    assert_int_equal(rep.malformed, 1);
    assert_int_equal(rep.first_bad_line, 6);
    assert_true(ip_hit(in, "192.0.2.10", 8080, &hit));
    assert_string_equal(hit.family, "Somebot");
    assert_false(ip_hit(in, "192.0.2.10", 80, NULL));
    mm_intel_free(in);

    in = load_text("sslbl.csv",
                   "# SSL certificate blacklist\n"
                   "# Listingdate,SHA1,Listingreason\n"
                   "2026-01-01 00:00:00,0123456789abcdef0123456789ABCDEF01234567,Somerat C&C\n"
                   "2026-01-01 00:00:00,12345,Short\n",
                   &rep);
    assert_string_equal(rep.format, "sslbl-sha1");
    assert_int_equal(rep.loaded, 1);
    assert_int_equal(rep.first_bad_line, 4);
    assert_true(mm_intel_match_hash(
        in, "sha1", "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67", &hit));
    assert_string_equal(hit.family, "Somerat C&C");
    assert_string_equal(hit.type, "sha1");
    mm_intel_free(in);

    in = load_text("ja3.csv",
                   "# JA3 fingerprints\n"
                   "# ja3_md5,Firstseen,Lastseen,Listingreason\n"
                   "00112233445566778899aabbccddeeff,2026-01-01,2026-01-02,Somebot\n",
                   &rep);
    assert_string_equal(rep.format, "sslbl-ja3");
    assert_true(mm_intel_match_hash(in, "ja3", "00112233445566778899AABBCCDDEEFF", &hit));
    assert_string_equal(hit.type, "ja3");
    assert_false(mm_intel_match_hash(in, "ja4", "00112233445566778899aabbccddeeff", NULL));
    mm_intel_free(in);

    in = load_text("threatfox.csv",
                   "# ThreatFox IOCs\n"
                   "# \"first_seen_utc\",\"ioc_id\",\"ioc_value\",\"ioc_type\",\"threat_type\","
                   "\"fk_malware\",\"malware_alias\",\"malware_printable\",\"last_seen_utc\","
                   "\"confidence_level\",\"reference\",\"tags\"\n"
                   "\"2026-01-01\", \"1\", \"192.0.2.77:4444\", \"ip:port\", \"botnet_cc\", "
                   "\"win.somebot\", \"\", \"Somebot\", \"\", \"100\", \"https://example.org/r\", "
                   "\"\"\n"
                   "\"2026-01-01\", \"2\", \"cc.example\", \"domain\", \"botnet_cc\", "
                   "\"win.somebot\", \"\", \"Somebot\", \"\", \"100\", \"\", \"\"\n"
                   "\"2026-01-01\", \"3\", \"d41d8cd98f00b204e9800998ecf8427e\", \"md5_hash\", "
                   "\"payload\", \"win.somebot\", \"\", \"Somebot\", \"\", \"100\", \"\", \"\"\n",
                   &rep);
    assert_string_equal(rep.format, "threatfox-csv");
    assert_int_equal(rep.loaded, 2);
    assert_int_equal(rep.malformed, 0);
    assert_true(ip_hit(in, "192.0.2.77", 4444, &hit));
    assert_string_equal(hit.family, "Somebot");
    assert_string_equal(hit.reference, "https://example.org/r");
    assert_true(mm_intel_match_domain(in, "cc.example", NULL));
    mm_intel_free(in);

    in = load_text("urlhaus.csv",
                   "# URLhaus\n"
                   "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n"
                   "\"1\",\"2026-01-01\",\"http://192.0.2.99/bins/x.arm\",\"online\",\"\","
                   "\"malware_download\",\"elf,mozi\",\"https://example.org/url/1/\",\"me\"\n",
                   &rep);
    assert_string_equal(rep.format, "urlhaus-csv");
    assert_true(mm_intel_match_url(in, "192.0.2.99", "/bins/x.arm", &hit));
    assert_string_equal(hit.family, "elf");
    assert_string_equal(hit.reference, "https://example.org/url/1/");
    mm_intel_free(in);
}

static void test_ublock_and_hosts(void **state)
{
    (void)state;
    struct mm_intel_file_report rep;
    struct mm_intel_hit hit;
    struct mm_intel *in = load_text("filter.txt",
                                    "! Title: a filter\n"
                                    "! comment\n"
                                    "bad-host.example\n"
                                    "192.0.2.44\n"
                                    "||dl.example.org/payload.bin$all\n"
                                    "||cc.example.net^\n"
                                    "@@||good.example^\n"
                                    "example.com##.ad\n",
                                    &rep);
    assert_string_equal(rep.format, "ublock");
    assert_int_equal(rep.loaded, 4);
    assert_int_equal(rep.malformed, 1);
    assert_int_equal(rep.first_bad_line, 8);
    assert_true(mm_intel_match_domain(in, "bad-host.example", NULL));
    assert_true(mm_intel_match_domain(in, "x.cc.example.net", NULL));
    assert_true(ip_hit(in, "192.0.2.44", 0, NULL));
    assert_true(mm_intel_match_url(in, "dl.example.org", "/payload.bin", &hit));
    assert_false(mm_intel_match_domain(in, "good.example", NULL));
    mm_intel_free(in);

    in = load_text("hosts",
                   "# hosts\n"
                   "127.0.0.1 localhost\n"
                   "0.0.0.0 ads.example tracker.example # two names\n"
                   "garbage\n",
                   &rep);
    assert_string_equal(rep.format, "hosts");
    assert_int_equal(rep.loaded, 2);
    assert_int_equal(rep.first_bad_line, 4);
    assert_true(mm_intel_match_domain(in, "tracker.example", NULL));
    assert_false(mm_intel_match_domain(in, "localhost", NULL));
    mm_intel_free(in);
}

static void test_mamori_and_stix(void **state)
{
    (void)state;
    struct mm_intel_file_report rep;
    struct mm_intel_hit hit;
    struct mm_intel *in = load_text("local.tsv",
                                    "type\tvalue\tfamily\treference\n"
                                    "ip\t192.0.2.200\tsomebot\thttps://example.org/a\n"
                                    "domain\tphish.example\tphishing\t\n"
                                    "url\thttp://phish.example/login\tphishing\t\n"
                                    "ja4\tt13d1516h2_8daaf6152771_b0da82dd1658\tsomebot\t\n"
                                    "sha1\t00112233445566778899aabbccddeeff00112233\tsomebot\t\n"
                                    "color\tblue\t\t\n",
                                    &rep);
    assert_string_equal(rep.format, "mamori");
    assert_int_equal(rep.loaded, 5);
    assert_int_equal(rep.malformed, 1);
    assert_int_equal(rep.first_bad_line, 7);
    assert_true(ip_hit(in, "192.0.2.200", 25, &hit));
    assert_string_equal(hit.family, "somebot");
    assert_true(mm_intel_match_hash(in, "ja4", "T13D1516H2_8DAAF6152771_B0DA82DD1658", &hit));
    assert_string_equal(hit.type, "ja4");
    mm_intel_free(in);

    in = load_text("local.csv", "type,value,family,reference\nip,192.0.2.201,x,\n", &rep);
    assert_string_equal(rep.format, "mamori");
    assert_true(ip_hit(in, "192.0.2.201", 0, NULL));
    mm_intel_free(in);

    in = load_text(
        "bundle.json",
        "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": ["
        "{\"type\": \"indicator\", \"id\": \"indicator--1\", \"pattern_type\": \"stix\","
        " \"pattern\": \"[ipv4-addr:value = '198.51.100.3'] OR [domain-name:value = "
        "'c2.example.org']\"},"
        "{\"type\": \"indicator\", \"id\": \"indicator--2\", \"pattern\": "
        "\"[file:hashes.'SHA-256' = 'abcd']\"},"
        "{\"type\": \"malware\", \"id\": \"malware--1\", \"name\": \"Somebot\"},"
        "{\"type\": \"relationship\", \"id\": \"relationship--1\", \"relationship_type\": "
        "\"indicates\", \"source_ref\": \"indicator--1\", \"target_ref\": \"malware--1\"}]}",
        &rep);
    assert_string_equal(rep.format, "stix");
    assert_int_equal(rep.loaded, 2);
    assert_int_equal(rep.malformed, 1);
    assert_int_equal(rep.first_bad_line, 2);
    assert_true(mm_intel_match_domain(in, "c2.example.org", &hit));
    assert_string_equal(hit.family, "Somebot");
    assert_string_equal(hit.reference, "indicator--1");
    mm_intel_free(in);
}

static void write_file(const char *path, const char *text)
{
    assert_int_equal(mm_file_write_atomic(path, text, strlen(text)), 0);
}

static void test_allowlist_and_dir(void **state)
{
    (void)state;
    char dir[300], path[400];
    struct mm_intel *in = NULL;
    struct mm_intel_file_report *reps = NULL;
    size_t n = 0;
    snprintf(dir, sizeof dir, "%s/feeds", tmpdir);
    assert_int_equal(mm_mkdir_p(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/a-list.txt", dir);
    write_file(path, "cdn.example\nx.good.example\n192.0.2.0/24\n");
    snprintf(path, sizeof path, "%s/whitelist.txt", dir);
    write_file(path, "good.example\n192.0.2.5\n");
    snprintf(path, sizeof path, "%s/README.md", dir);
    write_file(path, "# notes\n");
    snprintf(path, sizeof path, "%s/capture.bin", dir);
    assert_int_equal(mm_file_write_atomic(path, "\xd4\xc3\xb2\xa1\0\0", 6), 0); /* NULs */
    snprintf(path, sizeof path, "%s/manifest.json", dir);
    write_file(path, "[{\"a\": 1}]");
    snprintf(path, sizeof path, "%s/bogon_ranges.txt", dir); /* Maltrail: not threats */
    write_file(path, "10.0.0.0/8\n");
    snprintf(path, sizeof path, "%s/ua.txt", dir); /* Maltrail: user-agent regexes */
    write_file(path, "# Suspicious user-agent regular expressions\n(?i)\\Asqlmap\n");
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, dir, &reps, &n), 0);
    assert_int_equal(mm_intel_seal(in), 0);
    assert_int_equal(n, 6); /* README.md skipped by name */
    assert_string_equal(reps[0].format, "list");
    assert_string_equal(reps[1].format, "skipped"); /* bogon ranges */
    assert_string_equal(reps[2].format, "skipped"); /* binary */
    assert_string_equal(reps[3].format, "skipped"); /* JSON, not STIX */
    assert_string_equal(reps[4].format, "skipped"); /* ua.txt */
    assert_int_equal(reps[4].malformed, 0);
    assert_string_equal(reps[5].format, "allow:list");
    free(reps);
    assert_true(mm_intel_match_domain(in, "cdn.example", NULL));
    /* the allowlist wins: exact, parent, and longest IP prefix */
    assert_false(mm_intel_match_domain(in, "good.example", NULL));
    assert_false(mm_intel_match_domain(in, "www.good.example", NULL));
    assert_true(mm_intel_match_domain(in, "a.x.good.example", NULL));
    assert_false(ip_hit(in, "192.0.2.5", 0, NULL));
    assert_true(ip_hit(in, "192.0.2.6", 0, NULL));
    assert_false(ip_hit(in, "10.1.2.3", 0, NULL));
    mm_intel_free(in);

    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, "/nonexistent/feed", NULL, NULL), MM_ENOENT);
    mm_intel_free(in);

    /* a UTF-8 byte order mark (Notepad, Excel "CSV UTF-8") before the first
     * line: before, that line was malformed and a CSV header after it was
     * not seen (0 loaded, the file read as a list) */
    snprintf(dir, sizeof dir, "%s/bom", tmpdir);
    assert_int_equal(mm_mkdir_p(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/a-list.txt", dir);
    write_file(path, "\xEF\xBB\xBF"
                     "bom-first.example\r\nbom-second.example\r\n");
    snprintf(path, sizeof path, "%s/b-table.csv", dir);
    write_file(path, "\xEF\xBB\xBF"
                     "indicator,type\n198.51.100.77,ip\n");
    reps = NULL;
    n = 0;
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, dir, &reps, &n), 0);
    assert_int_equal(mm_intel_seal(in), 0);
    assert_int_equal(n, 2);
    assert_int_equal(reps[0].loaded, 2);
    assert_int_equal(reps[0].malformed, 0);
    assert_string_not_equal(reps[1].format, "list");
    assert_int_equal(reps[1].loaded, 1);
    assert_int_equal(reps[1].malformed, 0);
    free(reps);
    assert_true(mm_intel_match_domain(in, "bom-first.example", NULL));
    assert_true(ip_hit(in, "198.51.100.77", 0, NULL));
    mm_intel_free(in);
    struct mm_intel_file_report rep;
    in = load_text("bom.txt",
                   "\xEF\xBB\xBF"
                   "# list\n192.0.2.77\n",
                   &rep);
    assert_int_equal(rep.loaded, 1);
    assert_int_equal(rep.malformed, 0);
    mm_intel_free(in);
}

/* As a destination (mm_intel_match_ip_dest), a scanner list's entries are
 * passed over: the next most specific entry answers, at the same prefix
 * on port 0 under a scanner's ip:port, at a wider prefix, or none; an
 * allowlist entry still decides. As the source (mm_intel_match_ip) the
 * most specific entry answers, a scanner's too. */
static void test_scanner_as_destination(void **state)
{
    (void)state;
    struct mm_intel_hit hit;
    struct mm_addr a;
    struct mm_intel *in = load_text("dest.tsv",
                                    "type\tvalue\tfamily\treference\n"
                                    "cidr\t198.51.100.0/24\temotet\t\n"
                                    "cidr\t198.51.100.128/25\tmass_scanner_cidr\t\n"
                                    "ip\t198.51.100.130\tmass_scanner\t\n"
                                    "ip\t198.51.100.140:443\tmass_scanner\t\n"
                                    "ip\t198.51.100.141\tsomebot\t\n"
                                    "ip\t198.51.100.141:443\tmass_scanner\t\n"
                                    "cidr\t192.0.2.0/24\tmass_scanner\t\n"
                                    "cidr\t203.0.113.0/24\tMass Scanner\t\n"
                                    "cidr\t2001:db8::/32\tsomebot\t\n"
                                    "cidr\t2001:db8:1::/48\tmass_scanner_cidr\t\n",
                                    NULL);
    struct mm_intel *allow = NULL;
    static const struct {
        const char *ip;
        uint16_t port;
        const char *source, *dest; /* the families answering; NULL: none */
    } cases[] = {
        {"198.51.100.5", 0, "emotet", "emotet"},
        {"198.51.100.200", 0, "mass_scanner_cidr", "emotet"},
        {"198.51.100.130", 80, "mass_scanner", "emotet"},
        {"198.51.100.140", 443, "mass_scanner", "emotet"},
        {"198.51.100.140", 80, "mass_scanner_cidr", "emotet"},
        {"198.51.100.141", 443, "mass_scanner", "somebot"},
        {"198.51.100.141", 80, "somebot", "somebot"},
        {"192.0.2.9", 0, "mass_scanner", NULL},
        {"203.0.113.9", 0, "Mass Scanner", NULL},
        {"2001:db8:1::9", 0, "mass_scanner_cidr", "somebot"},
        {"2001:db8:2::9", 0, "somebot", "somebot"},
        {"233.252.0.1", 0, NULL, NULL},
    };
    for (int round = 0; round < 2; round++) /* the second from the memos */
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            assert_int_equal(mm_addr_parse(cases[i].ip, &a), 0);
            bool src = mm_intel_match_ip(in, &a, cases[i].port, &hit);
            assert_int_equal(src, cases[i].source != NULL);
            if (src)
                assert_string_equal(hit.family, cases[i].source);
            bool dst = mm_intel_match_ip_dest(in, &a, cases[i].port, &hit);
            assert_int_equal(dst, cases[i].dest != NULL);
            if (dst)
                assert_string_equal(hit.family, cases[i].dest);
            if (dst && strcmp(cases[i].dest, "emotet") == 0)
                assert_string_equal(hit.indicator, "198.51.100.0/24");
        }
    mm_intel_free(in);

    /* an allowlisted host inside a scanner's range inside a listed range:
     * the allowlist decides for either use */
    char dir[300], path[400];
    snprintf(dir, sizeof dir, "%s/dest-allow", tmpdir);
    assert_int_equal(mm_mkdir_p(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/a.tsv", dir);
    write_file(path, "type\tvalue\tfamily\treference\n"
                     "cidr\t198.51.100.0/24\temotet\t\n"
                     "cidr\t198.51.100.0/25\tmass_scanner\t\n");
    snprintf(path, sizeof path, "%s/b-allowlist.txt", dir);
    write_file(path, "198.51.100.7\n");
    assert_int_equal(mm_intel_new(&allow), 0);
    assert_int_equal(mm_intel_load(allow, dir, NULL, NULL), 0);
    assert_int_equal(mm_intel_seal(allow), 0);
    assert_int_equal(mm_addr_parse("198.51.100.7", &a), 0);
    assert_false(mm_intel_match_ip(allow, &a, 0, NULL));
    assert_false(mm_intel_match_ip_dest(allow, &a, 0, NULL));
    assert_int_equal(mm_addr_parse("198.51.100.8", &a), 0);
    assert_true(mm_intel_match_ip_dest(allow, &a, 0, &hit));
    assert_string_equal(hit.family, "emotet");
    mm_intel_free(allow);
}

/* A named pipe given as a feed (as "mkfifo f; producer > f" does) is
 * opened once, by the read that takes its lines: a reader that opened and
 * closed it first would let a producer that had already written and gone
 * take its lines with it (the pipe is emptied when nobody has it open), and
 * the load would then wait forever for another producer. inotify counts
 * the reader's opens (closes without writing). */
static void test_fifo_feed(void **state)
{
    (void)state;
    static const char list[] = "fifo-feed.example\n198.51.100.7\n";
    char path[512];
    struct mm_intel *in = NULL;
    struct mm_intel_hit hit;
    int status = -1, reader_closes = 0;
    snprintf(path, sizeof path, "%s/feed.fifo", tmpdir);
    assert_int_equal(mkfifo(path, 0600), 0);
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC); /* -1 (no inotify): opens not counted */
    if (ino >= 0 && inotify_add_watch(ino, path, IN_CLOSE_NOWRITE) < 0) {
        close(ino);
        ino = -1;
    }
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) { /* the producer: writes the list and goes */
        signal(SIGPIPE, SIG_IGN);
        int fd = open(path, O_WRONLY);
        ssize_t n = fd >= 0 ? write(fd, list, sizeof list - 1) : -1;
        _exit(n == (ssize_t)(sizeof list - 1) && close(fd) == 0 ? 0 : 1);
    }
    alarm(60); /* a load waiting for a second producer fails the test instead of hanging it */
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, path, NULL, NULL), 0);
    alarm(0);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(mm_intel_seal(in), 0);
    assert_int_equal(mm_intel_count(in), 2);
    assert_true(mm_intel_match_domain(in, "fifo-feed.example", &hit));
    assert_true(ip_hit(in, "198.51.100.7", 0, &hit));
    mm_intel_free(in);
    if (ino < 0)
        return;
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n = read(ino, buf, sizeof buf);
    for (ssize_t o = 0; n > 0 && o < n;) {
        const struct inotify_event *ev = (const struct inotify_event *)(buf + o);
        reader_closes += (ev->mask & IN_CLOSE_NOWRITE) != 0;
        o += (ssize_t)(sizeof *ev + ev->len);
    }
    close(ino);
    assert_int_equal(reader_closes, 1);
}

/* A URL keeps its path's case, so URLs differing only in case are different
 * keys and must not share one hash (with every byte's 0x20 bit set they
 * did: a feed of the 4,096 spellings of a 12-letter path went into one run
 * of slots, each insert comparing against all before it). A domain name's
 * hash stays the same whatever its case (taken from the name as listed). */
static void test_key_hash_case(void **state)
{
    (void)state;
    static const char word[] = "abcdefghijkl";
    uint32_t *hashes = calloc(4096, sizeof *hashes);
    assert_non_null(hashes);
    for (unsigned v = 0; v < 4096; v++) {
        char url[64];
        size_t n = (size_t)snprintf(url, sizeof url, "dl.example.net/");
        for (unsigned k = 0; k < 12; k++)
            url[n++] = (char)((v >> k & 1) ? word[k] - 'a' + 'A' : word[k]);
        url[n] = '\0';
        hashes[v] = mm__intel_key_hash(MM__IK_URL, url, n);
    }
    unsigned same = 0;
    for (unsigned v = 1; v < 4096; v++)
        same += hashes[v] == hashes[0];
    assert_int_equal(same, 0);
    free(hashes);
    assert_int_equal(mm__intel_key_hash(MM__IK_DOMAIN, "Evil-Host.EXAMPLE", 17),
                     mm__intel_key_hash(MM__IK_DOMAIN, "evil-host.example", 17));
    /* and the set still tells the spellings apart, and a name by any case */
    struct mm_intel *in = NULL;
    struct mm__intel_ctx ctx = {.family = "f", .reference = "", .source = "t"};
    const char *why;
    struct mm_intel_hit hit;
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm__intel_add(in, MM__IK_URL, "http://dl.example.net/AbC.exe", &ctx, &why), 0);
    assert_int_equal(mm__intel_add(in, MM__IK_NONE, "Case-Name.Example.ORG", &ctx, &why), 0);
    assert_int_equal(mm_intel_seal(in), 0);
    assert_true(mm_intel_match_url(in, "dl.example.net", "/AbC.exe", &hit));
    assert_false(mm_intel_match_url(in, "dl.example.net", "/abc.exe", &hit));
    assert_true(mm_intel_match_domain(in, "case-name.example.org", &hit));
    assert_true(mm_intel_match_domain(in, "www.CASE-NAME.example.org", &hit));
    mm_intel_free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_list),
        cmocka_unit_test(test_ip_answers_repeat),
        cmocka_unit_test(test_domains_and_psl),
        cmocka_unit_test(test_url_norm),
        cmocka_unit_test(test_url_norm_words),
        cmocka_unit_test(test_maltrail),
        cmocka_unit_test(test_maltrail_csv),
        cmocka_unit_test(test_abusech),
        cmocka_unit_test(test_ublock_and_hosts),
        cmocka_unit_test(test_mamori_and_stix),
        cmocka_unit_test(test_allowlist_and_dir),
        cmocka_unit_test(test_fast_paths),
        cmocka_unit_test(test_many_indicators),
        cmocka_unit_test(test_ip_hit_texts),
        cmocka_unit_test(test_large_feeds),
        cmocka_unit_test(test_domain_norm),
        cmocka_unit_test(test_domain_norm_fast),
        cmocka_unit_test(test_first_listing_wins),
        cmocka_unit_test(test_scanner_listing_yields),
        cmocka_unit_test(test_scanner_as_destination),
        cmocka_unit_test(test_reference_cut_between_characters),
        cmocka_unit_test(test_list_lines),
        cmocka_unit_test(test_quads),
        cmocka_unit_test(test_blocks),
        cmocka_unit_test(test_block_ahead),
        cmocka_unit_test(test_fifo_feed),
        cmocka_unit_test(test_key_hash_case),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
