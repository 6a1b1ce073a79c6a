/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the suspicious-dns detector's name checks: the
 * detector's source is compiled into this test so that its memoised
 * name_facts() can be compared with the code it replaced (a fresh split by
 * the public suffix list for every name, the label verdict, and the tunnel
 * verdict with the entropy summed over all 256 counters), kept below as
 * old_*. Thousands of random names — upper case, final dots, long encoded
 * labels, public suffixes with wildcards and exceptions, names that repeat
 * and names that evict each other from the memo — must give the same
 * split and verdicts; the entropies must be equal to the last bit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "test-detect-harness.h"

#include "../../../src/sensor/detect/detect-dga.c"

/* ---- the code before memoisation (commit 314d62a) ---------------------------- */

static bool old_split_name(const struct dga_state *st, const char *name, struct split *sp)
{
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof sp->lower)
        return false;
    for (size_t i = 0; i <= n; i++)
        sp->lower[i] = (char)tolower((unsigned char)name[i]);
    if (sp->lower[n - 1] == '.')
        sp->lower[--n] = '\0';
    const char *prev = NULL;
    for (const char *p = sp->lower; p;) {
        if (st->psl && psl_is_public_suffix2(st->psl, p, PSL_TYPE_ICANN)) {
            if (!prev || p - 1 <= prev)
                return false;
            sp->reg = (size_t)(prev - sp->lower);
            sp->label_len = (size_t)(p - 1 - prev);
            return true;
        }
        const char *dot = strchr(p, '.');
        prev = p;
        p = dot ? dot + 1 : NULL;
    }
    return false;
}

static double old_entropy_of(const char *p, size_t n)
{
    unsigned counts[256] = {0};
    size_t total = 0;
    double e = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] != '.') {
            counts[(unsigned char)p[i]]++;
            total++;
        }
    for (int c = 0; c < 256 && total; c++)
        if (counts[c]) {
            double q = (double)counts[c] / (double)total;
            e -= q * log2(q);
        }
    return e;
}

static bool old_looks_generated(const char *label, long min_length)
{
    size_t n = strlen(label), vowels = 0, digits = 0, letters = 0, run = 0, max_run = 0, mixes = 0;
    if ((long)n < min_length || strncmp(label, "xn--", 4) == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)label[i];
        if (isdigit(c)) {
            digits++;
            run = 0;
        } else if (isalpha(c)) {
            letters++;
            if (strchr("aeiouy", c) != NULL) {
                vowels++;
                run = 0;
            } else if (++run > max_run) {
                max_run = run;
            }
        } else {
            run = 0;
        }
        if (i > 0 && (isdigit(c) != 0) != (isdigit((unsigned char)label[i - 1]) != 0))
            mixes++;
    }
    if (old_entropy_of(label, n) < 3.0)
        return false;
    return (letters > 0 && (double)vowels / (double)letters < 0.2) || max_run >= 6 ||
           (digits >= 3 && letters >= 3 && mixes >= 4);
}

/* The verdicts as dga_event computed them before. */
static struct name_facts old_facts(const struct dga_state *st, const char *name, struct split *sp)
{
    struct name_facts f = {.ok = old_split_name(st, name, sp)};
    char label[64];
    if (!f.ok)
        return f;
    f.reg = (uint8_t)sp->reg;
    f.generated = sp->label_len > 0 && sp->label_len < sizeof label;
    if (f.generated) {
        memcpy(label, sp->lower + sp->reg, sp->label_len);
        label[sp->label_len] = '\0';
        f.generated = old_looks_generated(label, st->min_length);
    }
    size_t sub = sp->reg > 0 ? sp->reg - 1 : 0;
    f.encoded = !((long)sub < st->tunnel_length || old_entropy_of(sp->lower, sub) < 3.5);
    return f;
}

/* ---- random names ----------------------------------------------------------------- */

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static void random_label(char *out, size_t len)
{
    static const char *const alphabets[] = {"abcdefghijklmnopqrstuvwxyz", "aeiou",
                                            "bcdfghjklmnpqrstvwxz", "0123456789abcdef",
                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij0123456789-_"};
    const char *a = alphabets[rnd(5)];
    size_t k = strlen(a);
    for (size_t i = 0; i < len; i++)
        out[i] = a[rnd((uint32_t)k)];
    out[len] = '\0';
}

/* A name of 0-5 random labels (1-70 bytes each, some empty) on a suffix. */
static void random_name(char *out, size_t outlen)
{
    static const char *const suffixes[] = {
        "com",   "co.jp",      "jp",    "kawasaki.jp",    "city.kawasaki.jp",
        "ck",    "www.ck",     "uk",    "co.uk",          "github.io",
        "local", "xn--zckzah", "lg.jp", "shinjuku.lg.jp", "example",
        "",      "net",        "CO.JP", "com.",           "appspot.com",
        "bd",    "b.bd",       "org",   "xn--p1ai",       "COM"};
    size_t o = 0;
    unsigned labels = rnd(6);
    out[0] = '\0';
    for (unsigned i = 0; i < labels; i++) {
        char label[80];
        random_label(label, rnd(8) == 0 ? 0 : 1 + rnd(rnd(4) == 0 ? 70 : 16));
        o += (size_t)snprintf(out + o, outlen - o, "%s.", label);
        if (o >= outlen)
            return;
    }
    snprintf(out + o, outlen - o, "%s%s", suffixes[rnd(sizeof suffixes / sizeof suffixes[0])],
             rnd(10) == 0 ? "." : "");
}

static void check_name(struct dga_state *st, const char *name)
{
    struct split a, b;
    struct name_facts fa = name_facts(st, name, &a), fb = old_facts(st, name, &b);
    assert_int_equal(fa.ok, fb.ok);
    if (!fa.ok)
        return;
    assert_string_equal(a.lower, b.lower);
    assert_int_equal(a.reg, b.reg);
    assert_int_equal(fa.generated, fb.generated);
    assert_int_equal(fa.encoded, fb.encoded);
}

static void test_facts_equal_old(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_suspicious_dns);
    struct dga_state *st = s->det_state;
    static char pool[3000][300];
    size_t generated = 0, encoded = 0, split = 0;
    for (size_t i = 0; i < sizeof pool / sizeof pool[0]; i++)
        random_name(pool[i], sizeof pool[i]);
    /* fixed cases: a 255-byte name (too long), 254 bytes, ".", "" */
    memset(pool[0], 'a', 255);
    pool[0][255] = '\0';
    memset(pool[1], 'q', 250);
    memcpy(pool[1] + 250, ".com", 5);
    snprintf(pool[2], sizeof pool[2], ".");
    snprintf(pool[3], sizeof pool[3], "XKQWZLVBNMFGHJD.COM.");
    snprintf(pool[4], sizeof pool[4], "xkqwzlvbnmfghjd.com");
    /* in order, then drawn at random: repeats hit the memo, the pool
     * (larger than the memo) evicts */
    for (size_t i = 0; i < sizeof pool / sizeof pool[0]; i++)
        check_name(st, pool[i]);
    for (int i = 0; i < 30000; i++) {
        const char *name = pool[rnd(rnd(3) == 0 ? 40 : sizeof pool / sizeof pool[0])];
        struct split sp;
        struct name_facts f = old_facts(st, name, &sp);
        split += f.ok;
        generated += f.generated;
        encoded += f.encoded;
        check_name(st, name);
    }
    /* the random names reach every branch */
    assert_true(split > 10000);
    assert_true(generated > 100);
    assert_true(encoded > 100);
    th_free(s);
}

static void test_entropy_equal_old(void **state)
{
    (void)state;
    char text[300];
    for (int i = 0; i < 20000; i++) {
        size_t n = rnd(260);
        for (size_t k = 0; k < n; k++)
            text[k] = rnd(4) == 0 ? '.' : (char)(rnd(2) ? 'a' + rnd(26) : 1 + rnd(255));
        double a = entropy_of(text, n), b = old_entropy_of(text, n);
        assert_memory_equal(&a, &b, sizeof a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facts_equal_old),
        cmocka_unit_test(test_entropy_equal_old),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
