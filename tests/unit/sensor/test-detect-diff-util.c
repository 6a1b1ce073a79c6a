/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the shared detector helpers (detect-util.c):
 * mm__detect_format, which fills the {placeholders} of every alert's
 * signature and messages, against the code it replaced (kept below as
 * old_detect_format: a byte at a time, snprintf for "name@lang"), on random
 * templates — long Japanese text, placeholders of every length around the
 * 32-byte limit, unclosed and nested braces, values that are strings,
 * integers, objects or missing, "@ja" twins, any output size down to 0,
 * objects small enough to be read as a list and large ones asked by name;
 * the device values as a list (mm__device_var_list) against the object
 * made of them (device_vars, below); signature ids from the texts read once against
 * detectors.json; mm__hash_fast, which must give equal keys equal hashes; and the
 * keyed hashes of suppression keys (mm__keyed_*), which are SipHash under
 * the process key and follow that key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/data.h"
#include "core/hash.h"
#include "sensor/detect/detect-util.h"

/* ---- the code before (commit 314d62a) ---------------------------------------------- */

static void old_detect_format(const char *tmpl, const json_t *vars, const char *lang, char *out,
                              size_t outlen)
{
    size_t o = 0;
    if (outlen == 0)
        return;
    for (const char *p = tmpl; *p && o + 1 < outlen;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        if (close && close - p < 32) {
            char name[32];
            memcpy(name, p + 1, (size_t)(close - p - 1));
            name[close - p - 1] = '\0';
            char langed[48];
            const json_t *v = NULL;
            if (lang) {
                snprintf(langed, sizeof langed, "%s@%s", name, lang);
                v = json_object_get(vars, langed);
            }
            if (!v)
                v = json_object_get(vars, name);
            char num[32];
            const char *s = json_string_value(v);
            if (json_is_integer(v)) {
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
                s = num;
            }
            if (s) {
                size_t n = strlen(s);
                if (n > outlen - o - 1)
                    n = outlen - o - 1;
                memcpy(out + o, s, n);
                o += n;
                p = close + 1;
                continue;
            }
        }
        out[o++] = *p++;
    }
    out[o] = '\0';
}

/* ---- random templates ------------------------------------------------------------- */

static uint32_t rnd_state = 99;

static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static const char *const names[] = {"src",
                                    "dst",
                                    "value",
                                    "count",
                                    "host",
                                    "os",
                                    "name",
                                    "ip",
                                    "mac",
                                    "",
                                    "a}b",
                                    "x{y",
                                    "family",
                                    "long_placeholder_name_of_thirty1",
                                    "abcdefghijklmnopqrstuvwxyz0123", /* 30 bytes: the longest */
                                    "abcdefghijklmnopqrstuvwxyz01234"};

/* Values for every name, its "@ja" twin and a long-tagged twin, each
 * absent with probability absent / (absent + 4): 1 gives objects of more
 * than 32 members mostly (asked by name), 12 small ones (read as a list). */
static json_t *random_vars_sparse(uint32_t absent)
{
    json_t *vars = json_object();
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char key[64];
        for (int twin = 0; twin < 3; twin++) {
            snprintf(key, sizeof key, "%s%s", names[i],
                     twin == 0   ? ""
                     : twin == 1 ? "@ja"
                                 : "@a-very-long-language-tag-indeed");
            uint32_t pick = rnd(absent + 4);
            switch (pick < absent ? 0 : pick - absent + 1) {
            case 0:
                break; /* absent */
            case 1:
                json_object_set_new(vars, key, json_integer((json_int_t)rnd(100000) - 500));
                break;
            case 2:
                json_object_set_new(vars, key, json_object());
                break;
            default:
                json_object_set_new(vars, key,
                                    json_string(rnd(2) ? "192.168.1.5" : "名前不明の機器 {src}"));
            }
        }
    }
    return vars;
}

static json_t *random_vars(void)
{
    return random_vars_sparse(1);
}

static void random_template(char *out, size_t max)
{
    static const char *const pieces[] = {"{",  "}",  "{{", "社内の機器が", " contacted ", ".",
                                         "{}", "{ ", "\n", "%s",           "{src",        "x"};
    size_t o = 0;
    out[0] = '\0';
    for (unsigned i = 0, n = rnd(30); i < n; i++) {
        char piece[80];
        if (rnd(2))
            snprintf(piece, sizeof piece, "{%s}", names[rnd(sizeof names / sizeof names[0])]);
        else
            snprintf(piece, sizeof piece, "%s", pieces[rnd(sizeof pieces / sizeof pieces[0])]);
        size_t k = strlen(piece);
        if (o + k + 1 > max)
            break;
        memcpy(out + o, piece, k + 1);
        o += k;
    }
}

static void test_format_equal_old(void **state)
{
    (void)state;
    static const char *const langs[] = {NULL, "ja", "en", "a-very-long-language-tag-indeed"};
    char tmpl[1024], a[600], b[600], full[8192];
    for (int i = 0; i < 20000; i++) {
        json_t *vars = rnd(20) == 0 ? NULL : random_vars();
        random_template(tmpl, sizeof tmpl);
        const char *lang = langs[rnd(4)];
        size_t outlen = rnd(3) == 0 ? rnd(40) : sizeof a;
        memset(a, 'A', sizeof a);
        memset(b, 'A', sizeof b);
        bool whole = mm__detect_format(tmpl, vars, lang, a, outlen);
        old_detect_format(tmpl, vars, lang, b, outlen);
        assert_memory_equal(a, b, sizeof a);
        /* "whole" says the text was not cut: it is the whole expansion */
        old_detect_format(tmpl, vars, lang, full, sizeof full);
        assert_int_equal(whole, outlen > 0 && strcmp(a, full) == 0);
        json_decref(vars);
    }
}

/* Small objects (at most 32 members: read as a list of texts) against the
 * code before, as test_format_equal_old does for large ones. */
static void test_format_small_equal_old(void **state)
{
    (void)state;
    static const char *const langs[] = {NULL, "ja", "en", "a-very-long-language-tag-indeed"};
    char tmpl[1024], a[600], b[600];
    for (int i = 0; i < 20000; i++) {
        json_t *vars = random_vars_sparse(12);
        random_template(tmpl, sizeof tmpl);
        const char *lang = langs[rnd(4)];
        size_t outlen = rnd(3) == 0 ? rnd(40) : sizeof a;
        memset(a, 'A', sizeof a);
        memset(b, 'A', sizeof b);
        mm__detect_format(tmpl, vars, lang, a, outlen);
        old_detect_format(tmpl, vars, lang, b, outlen);
        assert_memory_equal(a, b, sizeof a);
        json_decref(vars);
    }
}

/* A random device record: each member present or not, hostnames and ips
 * empty or not, vendor empty or not. */
static json_t *random_device(void)
{
    json_t *dev = json_object(), *os = json_object();
    if (rnd(2))
        json_object_set_new(dev, "mac", json_string("00:11:22:33:44:55"));
    if (rnd(2))
        json_object_set_new(dev, "ips", json_pack("[s]", "192.168.1.20"));
    else if (rnd(2))
        json_object_set_new(dev, "ips", json_array());
    if (rnd(2))
        json_object_set_new(dev, "hostnames", json_pack("[ss]", "office-pc {src}", "b"));
    if (rnd(3))
        json_object_set_new(dev, "vendor", json_string(rnd(2) ? "" : "Example Corp"));
    if (rnd(2))
        json_object_set_new(os, "name", json_string("Windows XP"));
    if (rnd(2))
        json_object_set_new(os, "name_ja", json_string("ウィンドウズ XP"));
    json_object_set_new(dev, "os", os);
    return dev;
}

/* The device's values as a JSON object (the form mm__detect_raise takes),
 * made from the list: the object the device detectors raised with before
 * they took the list (detect-util.c's mm__device_vars until session 25). */
static json_t *device_vars(const json_t *dev)
{
    struct mm__var list[MM__DEVICE_VARS];
    struct mm__device_texts texts;
    size_t n = mm__device_var_list(dev, &texts, list);
    json_t *vars = json_object();
    for (size_t i = 0; vars && i < n; i++)
        if (json_object_set_new_nocheck(vars, list[i].key, json_string_nocheck(list[i].text)) !=
            0) {
            json_decref(vars);
            vars = NULL;
        }
    return vars;
}

/* The device's values as a list (mm__device_var_list, what the device
 * detectors raise with) fill every detector's texts as the object
 * (device_vars) does. */
static void test_device_var_list(void **state)
{
    (void)state;
    static const char *const langs[] = {NULL, "ja", "en"};
    static const char *const fixed[] = {
        "{who} ({numbers}) {device} {os}",
        "{device@ja}{os@ja}{who@ja}{missing}{device",
    };
    char tmpl[1024], a[600], b[600];
    for (int i = 0; i < 5000; i++) {
        json_t *dev = random_device(), *vars = device_vars(dev);
        struct mm__var list[MM__DEVICE_VARS];
        struct mm__device_texts texts;
        size_t n = mm__device_var_list(dev, &texts, list);
        if (i < 2)
            snprintf(tmpl, sizeof tmpl, "%s", fixed[i]);
        else
            random_template(tmpl, sizeof tmpl);
        for (int l = 0; l < 3; l++) {
            size_t outlen = rnd(3) == 0 ? rnd(40) : sizeof a;
            memset(a, 'A', sizeof a);
            memset(b, 'A', sizeof b);
            bool wa = mm__detect_format(tmpl, vars, langs[l], a, outlen);
            bool wb = mm__detect_format_texts(tmpl, list, n, langs[l], b, outlen);
            assert_memory_equal(a, b, sizeof a);
            assert_int_equal(wa, wb);
        }
        json_decref(vars);
        json_decref(dev);
    }
}

/* Signature ids from the texts read once equal those of detectors.json
 * asked by name: every variant it has, none it lacks. */
static void test_sids(void **state)
{
    (void)state;
    json_t *texts = NULL;
    const char *name, *key;
    json_t *d, *v;
    assert_int_equal(mm_data_json("sensor/detectors.json", &texts), 0);
    size_t seen = 0;
    json_object_foreach(texts, name, d)
    {
        json_int_t number = json_integer_value(json_object_get(d, "number"));
        json_object_foreach(json_object_get(d, "variants"), key, v)
        {
            unsigned variant = (unsigned)strtoul(key, NULL, 10);
            assert_int_equal(mm__detect_sid(name, variant),
                             number ? MM_SID_BASE + 100u * (unsigned)number + variant : 0);
            seen++;
        }
        assert_int_equal(mm__detect_sid(name, 99), 0);
        assert_int_equal(mm__detect_sid(name, 0), 0);
    }
    assert_true(seen >= 11);
    assert_int_equal(mm__detect_sid("no-such-detector", 1), 0);
    assert_int_equal(mm__detect_sid("", 1), 0);
    json_decref(texts);
}

static void test_hash_fast(void **state)
{
    (void)state;
    char x[64] = {0}, y[64] = {0};
    for (size_t n = 0; n < sizeof x; n++) {
        for (size_t k = 0; k < n; k++)
            x[k] = y[k] = (char)('a' + rnd(26));
        assert_int_equal(mm__hash_fast(x, n, 7), mm__hash_fast(y, n, 7));
        if (n > 0) { /* one byte differs: almost surely another hash */
            y[rnd((uint32_t)n)] ^= 1;
            assert_int_not_equal(mm__hash_fast(x, n, 7), mm__hash_fast(y, n, 7));
        }
    }
}

/* mm__keyed64(p, n, chain) is SipHash-2-4 under the process key of the
 * chain's 8 bytes, then the n bytes; texts and addresses are its forms. */
static uint64_t keyed_reference(const void *p, size_t n, uint64_t chain)
{
    uint8_t buf[64];
    assert_true(n <= sizeof buf - 8);
    memcpy(buf, &chain, 8);
    memcpy(buf + 8, p, n);
    return mm_siphash(&mm_process_key, buf, n + 8);
}

/* Suppression keys: equal alerts give equal keys, the reference's values,
 * chained parts in either order differ, and another process key gives
 * other values (a sender who does not know the key cannot aim at one). */
static void test_keyed_hashes(void **state)
{
    (void)state;
    struct mm_addr a;
    assert_int_equal(mm_addr_parse("192.0.2.7", &a), 0);
    uint8_t ak[17] = {a.family};
    memcpy(ak + 1, a.bytes, 16);
    uint64_t host = mm__keyed_str("192.0.2.7", 1);
    assert_true(host == keyed_reference("192.0.2.7", 9, 1));
    assert_true(mm__keyed_str(NULL, 1) == keyed_reference("", 0, 1));
    assert_true(mm__keyed_addr(&a, 3) == keyed_reference(ak, 17, 3));
    uint64_t ab = mm__keyed_str("evil.example", host),
             ba = mm__keyed_str("192.0.2.7", mm__keyed_str("evil.example", 1));
    assert_true(ab == mm__keyed_str("evil.example", mm__keyed_str("192.0.2.7", 1)));
    assert_true(ab != ba);
    uint64_t addr = mm__keyed_addr(&a, 3);
    struct mm_sipkey saved = mm_process_key;
    mm_process_key.k1 ^= 1;
    assert_true(mm__keyed_str("evil.example", mm__keyed_str("192.0.2.7", 1)) != ab);
    assert_true(mm__keyed_addr(&a, 3) != addr);
    mm_process_key = saved;
    assert_true(mm__keyed_addr(&a, 3) == addr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_equal_old), cmocka_unit_test(test_format_small_equal_old),
        cmocka_unit_test(test_device_var_list),  cmocka_unit_test(test_sids),
        cmocka_unit_test(test_hash_fast),        cmocka_unit_test(test_keyed_hashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
