/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the intel set's memos of recent answers (intel.c):
 * mm_intel_match_domain and mm_intel_match_url, which remember the answers
 * for recent names and URLs, against mm__intel_match_domain_direct and
 * mm__intel_match_url_direct, which always look up afresh. Random questions
 * from a small pool (so most are repeats the memo answers) and from a large
 * one (so slots are taken over again and again): listed names and their
 * subdomains, allowlisted ones, a listed public suffix, mixed case,
 * trailing dots, invalid names, names and URLs around the longest question
 * the memo keeps, hosts NULL and empty, full URLs, queries and parent
 * paths; and mm_intel_match_hash against mm__intel_match_hash_direct on
 * JA3, JA4 and SHA-1 fingerprints in any case and spelling of the kind;
 * and mm_intel_match_ip, which asks the memo about an address on port 0
 * when no entry with a port covers it, against mm__intel_match_ip_direct,
 * on random addresses and ports near hosts, ip:port entries, prefixes and
 * allowlisted entries, with and without any port entry in the set; and
 * mm_intel_match_ip_dest against mm__intel_match_ip_dest_direct on the
 * same questions, mixed with them (the memo keeps the two uses' answers
 * apart), scanner lists' entries at, inside and around the others. Both
 * must give the same answer with the same hit every time, in any order,
 * and two sets must not share answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/net.h"
#include "sensor/intel/intel-int.h"
#include "sensor/intel/intel.h"
#include "../test-rand.h"

enum { NAMES = 40 };

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
    return (uint32_t)(test_xorshift(&rng) % n);
}

/* The i-th base name: some with a long first label (51-59 bytes), so
 * that their subdomains and URLs are longer questions. */
static void base_name(unsigned i, char *out, size_t n)
{
    static const char *const tails[] = {"example", "example.org", "co.jp", "test"};
    if (i % 7 == 3) {
        char label[60];
        memset(label, 'a' + (char)(i % 26), sizeof label - 1);
        label[sizeof label - 1 - i % 9] = '\0';
        snprintf(out, n, "%s.l%u.%s", label, i, tails[i % 4]);
    } else {
        snprintf(out, n, "n%u.%s", i, tails[i % 4]);
    }
}

static void add_as(struct mm_intel *in, const char *value, bool allow, const char *family)
{
    struct mm__intel_ctx ctx = {.family = allow ? "" : family,
                                .reference = "ref",
                                .source = allow ? "allowlist" : "feed",
                                .allow = allow};
    const char *why;
    assert_int_equal(mm__intel_add(in, MM__IK_NONE, value, &ctx, &why), 0);
}

static void add(struct mm_intel *in, const char *value, bool allow)
{
    add_as(in, value, allow, "fam");
}

/* An entry of a mass-scanner list (see mm_intel_match_ip_dest). */
static void add_scanner(struct mm_intel *in, const char *value)
{
    add_as(in, value, false, "mass_scanner");
}

/* A set listing every other base name (every fifth of those allowlisted in
 * a deeper name), a public suffix, URLs and path-only entries. */
static struct mm_intel *build_set(void)
{
    struct mm_intel *in = NULL;
    char name[200], v[300];
    assert_int_equal(mm_intel_new(&in), 0);
    for (unsigned i = 0; i < NAMES; i += 2) {
        base_name(i, name, sizeof name);
        add(in, name, false);
        if (i % 5 == 0) {
            snprintf(v, sizeof v, "ok.%s", name);
            add(in, v, true);
        }
        snprintf(v, sizeof v, "http://%s/dl/p%u.exe", name, i);
        add(in, v, false);
        snprintf(v, sizeof v, "%s/dir%u/", name, i);
        add(in, v, false);
    }
    add(in, "co.jp", false);
    add(in, "/evil-login.php", false);
    add(in, "198.51.100.0/24", false); /* an IP among the names: not a name answer */
    assert_int_equal(mm_intel_seal(in), 0);
    return in;
}

/* A random name question: a base name, maybe below it, maybe with upper
 * case, a trailing dot, or broken. */
static void random_name(unsigned pool, char *out, size_t n)
{
    static const char *const prefixes[] = {"", "", "www.", "ok.", "a.b.", "x.ok."};
    char name[200];
    base_name(rnd(pool), name, sizeof name);
    snprintf(out, n, "%s%s%s", prefixes[rnd(6)], name, rnd(5) == 0 ? "." : "");
    if (rnd(4) == 0)
        out[rnd((uint32_t)strlen(out))] ^= 0x20; /* a letter's case (or a broken byte) */
    if (rnd(30) == 0)
        snprintf(out, n, "%s", rnd(2) ? "" : "..");
}

/* A random URL question: host and path of a base name, listed or not. */
static void random_url(unsigned pool, char *host, size_t hn, char *uri, size_t un)
{
    static const char *const paths[] = {"/dl/p%u.exe", "/dir%u/x/y.html",
                                        "/dir%u/",     "/evil-login.php?u=%u",
                                        "/other/%u",   "/dl/p%u.exe?q=1"};
    char name[100], path[64];
    unsigned i = rnd(pool);
    base_name(i, name, sizeof name);
    snprintf(host, hn, "%s%s", rnd(3) == 0 ? "WWW." : "", name);
    snprintf(path, sizeof path, paths[rnd(6)], rnd(3) ? i : rnd(pool));
    if (rnd(8) == 0) /* a full URL as the request target */
        snprintf(uri, un, "http://%s%s", name, path);
    else
        snprintf(uri, un, "%s", path);
}

static void assert_same_hit(bool want, const struct mm_intel_hit *a, bool got,
                            const struct mm_intel_hit *b)
{
    assert_int_equal(got, want);
    if (!want)
        return;
    assert_ptr_equal(a->type, b->type);
    assert_ptr_equal(a->indicator, b->indicator);
    assert_ptr_equal(a->family, b->family);
    assert_ptr_equal(a->reference, b->reference);
    assert_ptr_equal(a->source, b->source);
}

static void ask_name(const struct mm_intel *in, const char *name, unsigned *hits)
{
    struct mm_intel_hit a, b;
    bool want = mm__intel_match_domain_direct(in, name, &a);
    assert_same_hit(want, &a, mm_intel_match_domain(in, name, &b), &b);
    assert_int_equal(mm_intel_match_domain(in, name, NULL), want);
    *hits += want;
}

static void ask_url(const struct mm_intel *in, const char *host, const char *uri, unsigned *hits)
{
    struct mm_intel_hit a, b;
    bool want = mm__intel_match_url_direct(in, host, uri, &a);
    assert_same_hit(want, &a, mm_intel_match_url(in, host, uri, &b), &b);
    *hits += want;
}

static void test_names_as_direct(void **state)
{
    (void)state;
    struct mm_intel *in = build_set();
    char name[300];
    unsigned hits = 0;
    for (int round = 0; round < 20000; round++) {
        random_name(round % 2 ? NAMES : 4000, name, sizeof name);
        ask_name(in, name, &hits);
    }
    assert_true(hits > 1000); /* the questions do find listed names */
    ask_name(in, "co.jp", &hits);
    ask_name(in, "x.co.jp", &hits);
    mm_intel_free(in);
}

static void test_urls_as_direct(void **state)
{
    (void)state;
    struct mm_intel *in = build_set();
    char host[200], uri[500];
    unsigned hits = 0;
    for (int round = 0; round < 20000; round++) {
        random_url(round % 2 ? NAMES : 4000, host, sizeof host, uri, sizeof uri);
        ask_url(in, rnd(20) == 0 ? NULL : host, uri, &hits);
        if (rnd(20) == 0)
            ask_url(in, "", uri, &hits);
    }
    assert_true(hits > 1000);
    mm_intel_free(in);
}

/* A valid name of exactly len bytes (len > 20): labels of at most 50 q's,
 * then ".example". */
static void name_of_length(size_t len, char *out)
{
    size_t body = len - 8, i = 0;
    while (i < body) {
        size_t label = body - i > 51 ? 50 : body - i;
        if (body - i - label == 1) /* no empty label at the end */
            label--;
        memset(out + i, 'q', label);
        i += label;
        if (i < body)
            out[i++] = '.';
    }
    memcpy(out + body, ".example", 9);
}

/* Questions around the longest the memo keeps (500 bytes): a host and URI
 * whose question (host, NUL, uri) is 490-510 bytes, and names up to the
 * longest valid one (253 bytes, always kept); the listed ones are found
 * either way, again and again. */
static void test_limit_lengths(void **state)
{
    (void)state;
    struct mm_intel *in = NULL;
    char name[300], host[32], uri[600], v[700];
    unsigned hits = 0;
    assert_int_equal(mm_intel_new(&in), 0);
    for (size_t len = 230; len <= 253; len++) {
        name_of_length(len, name);
        assert_int_equal(strlen(name), len);
        add(in, name, false);
    }
    snprintf(host, sizeof host, "h.example");
    for (size_t len = 482; len <= 498; len++) { /* questions of 492-508 bytes */
        uri[0] = '/';
        memset(uri + 1, 'p', len - 1);
        uri[len] = '\0';
        snprintf(v, sizeof v, "%s%s", host, uri);
        add(in, v, false);
    }
    assert_int_equal(mm_intel_seal(in), 0);
    for (int pass = 0; pass < 3; pass++) {
        for (size_t len = 228; len <= 255; len++) {
            name_of_length(len, name);
            ask_name(in, name, &hits);
        }
        for (size_t len = 480; len <= 500; len++) {
            uri[0] = '/';
            memset(uri + 1, 'p', len - 1);
            uri[len] = '\0';
            ask_url(in, host, uri, &hits);
        }
    }
    assert_int_equal(hits, 3 * (24 + 17));
    mm_intel_free(in);
}

/* A random fingerprint question: a listed or unlisted JA3, JA4 or SHA-1,
 * maybe in upper case, with colons, broken, or asked as the wrong kind. */
static void random_hash(unsigned pool, const char **kind, char *hex, size_t n)
{
    static const char *const kinds[] = {"ja3", "ja4", "sha1", "JA3", "ja3_md5", "x509-sha1", "md5"};
    unsigned i = rnd(pool), k = rnd(7);
    *kind = kinds[k];
    if (i % 3 == 0)
        snprintf(hex, n, "%032x", i * 2654435761u);
    else if (i % 3 == 1)
        snprintf(hex, n, "t13d%04u_abcdef012345_%012x", i, i);
    else
        snprintf(hex, n, "%08x%032x", i, i * 40503u);
    if (rnd(4) == 0)
        for (char *c = hex; *c; c++)
            *c = *c >= 'a' && *c <= 'f' ? (char)(*c - 32) : *c;
    if (rnd(8) == 0 && strlen(hex) > 6)
        hex[rnd(6)] = rnd(2) ? ':' : 'z';
}

static void test_hashes_as_direct(void **state)
{
    (void)state;
    struct mm_intel *in = NULL;
    struct mm_intel_hit a, b;
    char hex[128];
    unsigned hits = 0;
    assert_int_equal(mm_intel_new(&in), 0);
    struct mm__intel_ctx ctx = {.family = "f", .reference = "", .source = "t"};
    const char *why;
    for (unsigned i = 0; i < 60; i += 2) {
        const char *kind = i % 3 == 0 ? "ja3" : i % 3 == 1 ? "ja4" : "sha1";
        if (i % 3 == 0)
            snprintf(hex, sizeof hex, "%032x", i * 2654435761u);
        else if (i % 3 == 1)
            snprintf(hex, sizeof hex, "t13d%04u_abcdef012345_%012x", i, i);
        else
            snprintf(hex, sizeof hex, "%08x%032x", i, i * 40503u);
        ctx.allow = i % 10 == 4;
        assert_int_equal(mm__intel_add(in, mm__intel_kind_from_word(kind), hex, &ctx, &why), 0);
    }
    assert_int_equal(mm_intel_seal(in), 0);
    for (int round = 0; round < 20000; round++) {
        const char *kind;
        random_hash(round % 2 ? 60 : 5000, &kind, hex, sizeof hex);
        bool want = mm__intel_match_hash_direct(in, kind, hex, &a);
        assert_same_hit(want, &a, mm_intel_match_hash(in, kind, hex, &b), &b);
        hits += want;
    }
    assert_true(hits > 1000);
    assert_false(mm_intel_match_hash(in, NULL, "00", NULL));
    assert_false(mm_intel_match_hash(in, "ja3", NULL, NULL));
    mm_intel_free(in);
}

/* A set of IP indicators: hosts, some on one port only, prefixes of several
 * lengths (one /24 with a port), allowlisted hosts and ports inside listed
 * prefixes, and IPv6 ones; with_ports false leaves out every port. Scanner
 * lists' entries: hosts and /26s among them, a /22 and a /16 around
 * listed ones, an IPv6 /64 inside a listed /48, and a host on a port. */
static struct mm_intel *ip_set(bool with_ports)
{
    struct mm_intel *in = NULL;
    char v[80];
    assert_int_equal(mm_intel_new(&in), 0);
    for (unsigned i = 0; i < 64; i++) {
        unsigned port = with_ports && i % 4 == 1 ? 80 + i % 3 : 0;
        if (port)
            snprintf(v, sizeof v, "198.51.%u.%u:%u", i % 4, i, port);
        else
            snprintf(v, sizeof v, "198.51.%u.%u", i % 4, i);
        add(in, v, i % 16 == 7);
        if (i % 8 == 0) {
            snprintf(v, sizeof v, "203.0.%u.0/%u", i / 8, 20 + i / 8);
            add(in, v, false);
        }
        if (i % 4 == 3) {
            if (with_ports)
                snprintf(v, sizeof v, "[2001:db8::%x]:443", i);
            else
                snprintf(v, sizeof v, "2001:db8::%x", i);
            add(in, v, false);
        }
    }
    add(in, "192.0.2.0/24", false);
    if (with_ports)
        add(in, "192.0.2.0/24:8080", false); /* a prefix on one port (if the parser takes it) */
    add(in, "10.0.0.0/8", false);
    add(in, "2001:db8:1::/48", false);
    snprintf(v, sizeof v, "%s", with_ports ? "192.0.2.77:22" : "192.0.2.77");
    add(in, v, true); /* allowlisted inside a listed prefix */
    for (unsigned i = 0; i < 64; i += 5) {
        snprintf(v, sizeof v, "198.51.%u.%u", i % 4, i); /* some listed too: the listing stays */
        add_scanner(in, v);
    }
    add_scanner(in, "192.0.2.64/26");
    add_scanner(in, "203.0.4.0/22");
    add_scanner(in, "198.51.0.0/16");
    add_scanner(in, "2001:db8:1:0::/64");
    if (with_ports)
        add_scanner(in, "192.0.2.30:443");
    assert_int_equal(mm_intel_seal(in), 0);
    return in;
}

/* A random address near the listed ones. */
static void random_addr(struct mm_addr *a)
{
    char v[64];
    switch (rnd(6)) {
    case 0:
    case 1:
        snprintf(v, sizeof v, "198.51.%u.%u", rnd(5), rnd(70));
        break;
    case 2:
        snprintf(v, sizeof v, "203.0.%u.%u", rnd(10), rnd(256));
        break;
    case 3:
        snprintf(v, sizeof v, "192.0.%u.%u", 1 + rnd(3), rnd(100));
        break;
    case 4:
        snprintf(v, sizeof v, "2001:db8:%x::%x", rnd(2), rnd(70));
        break;
    default:
        snprintf(v, sizeof v, "10.%u.%u.%u", rnd(3), rnd(3), rnd(3));
    }
    assert_int_equal(mm_addr_parse(v, a), 0);
}

/* One range of each length, IPv4 /1-/32 and IPv6 /1-/128 (a set each),
 * asked about addresses that first differ from its base at each bit: a
 * match exactly when that bit is past the prefix, with the memo and
 * without (the host bits cleared with word masks at load and look-up). */
static void test_every_prefix(void **state)
{
    (void)state;
    static const char *const bases[] = {"203.0.113.77", "2001:db8:ab:cd:1234:5678:9abc:def1"};
    for (int f = 0; f < 2; f++) {
        struct mm_addr base;
        assert_int_equal(mm_addr_parse(bases[f], &base), 0);
        unsigned bits = f ? 128 : 32;
        for (unsigned p = 1; p <= bits; p++) {
            struct mm_intel *in = NULL;
            char v[80];
            assert_int_equal(mm_intel_new(&in), 0);
            snprintf(v, sizeof v, "%s/%u", bases[f], p);
            add(in, v, false);
            assert_int_equal(mm_intel_seal(in), 0);
            for (unsigned k = 0; k <= bits; k++) { /* k == bits: the base itself */
                struct mm_addr a = base;
                if (k < bits)
                    a.bytes[k / 8] ^= (uint8_t)(0x80 >> (k % 8));
                bool want = k >= p;
                if (mm_intel_match_ip(in, &a, 0, NULL) != want ||
                    mm__intel_match_ip_direct(in, &a, 0, NULL) != want)
                    fail_msg("%s: bit %u flipped: %s", v, k, want ? "missed" : "matched");
            }
            mm_intel_free(in);
        }
    }
}

static void test_ips_as_direct(void **state)
{
    (void)state;
    static const uint16_t ports[] = {0, 22, 80, 81, 82, 443, 8080, 53};
    for (int with_ports = 0; with_ports < 2; with_ports++) {
        struct mm_intel *in = ip_set(with_ports);
        struct mm_intel_hit a, b;
        unsigned hits = 0, passed = 0;
        for (int round = 0; round < 40000; round++) {
            struct mm_addr addr;
            random_addr(&addr);
            uint16_t port = ports[rnd(8)];
            bool want, dest = rnd(2);
            if (dest) {
                want = mm__intel_match_ip_dest_direct(in, &addr, port, &a);
                assert_same_hit(want, &a, mm_intel_match_ip_dest(in, &addr, port, &b), &b);
                passed += !want && mm__intel_match_ip_direct(in, &addr, port, NULL);
            } else {
                want = mm__intel_match_ip_direct(in, &addr, port, &a);
                assert_same_hit(want, &a, mm_intel_match_ip(in, &addr, port, &b), &b);
            }
            hits += want;
        }
        assert_true(hits > 5000);
        assert_true(passed > 1000); /* scanners' addresses, asked as destinations */
        mm_intel_free(in);
    }
}

/* Each set has its own memos: the same question gets each set's answer,
 * for names, URLs, fingerprints and addresses (also on ports no entry
 * names, which the IP memo keeps as port 0), and a hit's strings are the
 * asked set's own. */
static void test_sets_apart(void **state)
{
    (void)state;
    static const char ja3[] = "0123456789abcdef0123456789abcdef";
    struct mm_intel *a = NULL, *b = NULL;
    struct mm_intel_hit hit;
    struct mm_addr ip, other;
    assert_int_equal(mm_intel_new(&a), 0);
    assert_int_equal(mm_intel_new(&b), 0);
    add(a, "one.example", false);
    add(b, "two.example", false);
    add(a, "http://one.example/x.exe", false);
    add(b, "two.example/x.exe", false);
    add(a, "198.51.100.7", false);
    add(a, "198.51.100.8:443", false); /* a has a port entry: its port filter is built */
    add(b, "198.51.100.8", false);
    struct mm__intel_ctx ctx = {.family = "fp", .reference = "", .source = "b"};
    const char *why;
    assert_int_equal(mm__intel_add(b, MM__IK_JA3, ja3, &ctx, &why), 0);
    assert_int_equal(mm_intel_seal(a), 0);
    assert_int_equal(mm_intel_seal(b), 0);
    assert_int_equal(mm_addr_parse("198.51.100.7", &ip), 0);
    assert_int_equal(mm_addr_parse("198.51.100.8", &other), 0);
    for (int i = 0; i < 3; i++) {
        assert_true(mm_intel_match_domain(a, "www.one.example", &hit));
        assert_string_equal(hit.indicator, "one.example");
        assert_false(mm_intel_match_domain(b, "www.one.example", NULL));
        assert_false(mm_intel_match_domain(a, "www.two.example", NULL));
        assert_true(mm_intel_match_domain(b, "www.two.example", &hit));
        assert_string_equal(hit.indicator, "two.example");

        assert_true(mm_intel_match_url(a, "one.example", "/x.exe", &hit));
        assert_string_equal(hit.indicator, "one.example/x.exe");
        assert_false(mm_intel_match_url(b, "one.example", "/x.exe", NULL));
        assert_false(mm_intel_match_url(a, "two.example", "/x.exe", NULL));
        assert_true(mm_intel_match_url(b, "two.example", "/x.exe", &hit));
        assert_string_equal(hit.indicator, "two.example/x.exe");

        assert_false(mm_intel_match_hash(a, "ja3", ja3, NULL));
        assert_true(mm_intel_match_hash(b, "ja3", ja3, &hit));
        assert_string_equal(hit.family, "fp");

        assert_true(mm_intel_match_ip(a, &ip, 1234, &hit));
        assert_string_equal(hit.indicator, "198.51.100.7");
        assert_false(mm_intel_match_ip(b, &ip, 1234, NULL));
        assert_false(mm_intel_match_ip(a, &other, 80, NULL)); /* a lists it on 443 only */
        assert_true(mm_intel_match_ip(b, &other, 80, &hit));
        assert_string_equal(hit.indicator, "198.51.100.8");
        assert_true(mm_intel_match_ip(a, &other, 443, &hit));
        assert_string_equal(hit.indicator, "198.51.100.8:443");
        assert_true(mm_intel_match_ip(b, &other, 443, &hit));
        assert_string_equal(hit.indicator, "198.51.100.8");
    }
    mm_intel_free(a);
    mm_intel_free(b);
}

/* Two names the memo files under the same 32-bit hash (found by a
 * birthday search over "h<i>.example": about 80,000 names): one listed, one
 * not, asked in turn. The memo keeps the whole question and compares it,
 * so each gets its own answer; a memo that trusted the hash would give the
 * second the first one's answer. */
static void test_same_hash(void **state)
{
    (void)state;
    enum { LOG = 19, MAX = 400000 };
    uint32_t *hashes = calloc((size_t)1 << LOG, sizeof *hashes);
    uint32_t *index = calloc((size_t)1 << LOG, sizeof *index); /* i + 1; 0: empty */
    char name[32], other[32];
    unsigned first = 0, second = 0;
    assert_non_null(hashes);
    assert_non_null(index);
    for (unsigned i = 0; i < MAX && !second; i++) {
        int n = snprintf(name, sizeof name, "h%u.example", i);
        uint32_t h = mm__intel_memo_hash(MM__IK_DOMAIN, name, (size_t)n);
        size_t j = h & ((1u << LOG) - 1);
        while (index[j] && hashes[j] != h)
            j = (j + 1) & ((1u << LOG) - 1);
        if (index[j]) {
            first = index[j] - 1;
            second = i;
        } else {
            hashes[j] = h;
            index[j] = i + 1;
        }
    }
    free(hashes);
    free(index);
    assert_true(second > 0);
    snprintf(name, sizeof name, "h%u.example", first);
    snprintf(other, sizeof other, "h%u.example", second);
    assert_int_equal(mm__intel_memo_hash(MM__IK_DOMAIN, name, strlen(name)),
                     mm__intel_memo_hash(MM__IK_DOMAIN, other, strlen(other)));
    for (int listed = 0; listed < 2; listed++) {
        struct mm_intel *in = NULL;
        struct mm_intel_hit hit;
        const char *yes = listed ? other : name, *no = listed ? name : other;
        assert_int_equal(mm_intel_new(&in), 0);
        add(in, yes, false);
        assert_int_equal(mm_intel_seal(in), 0);
        for (int round = 0; round < 3; round++) {
            assert_true(mm_intel_match_domain(in, yes, &hit));
            assert_string_equal(hit.indicator, yes);
            assert_false(mm_intel_match_domain(in, no, NULL));
        }
        mm_intel_free(in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_as_direct), cmocka_unit_test(test_urls_as_direct),
        cmocka_unit_test(test_limit_lengths),   cmocka_unit_test(test_hashes_as_direct),
        cmocka_unit_test(test_ips_as_direct),   cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_sets_apart),      cmocka_unit_test(test_same_hash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
