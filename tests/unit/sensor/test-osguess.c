/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the OS guess table (data/sensor/os-fingerprints.json): DHCP
 * fingerprints of Windows XP, Windows 7, iOS, macOS, Linux and Android, user
 * agents, SMB native OS strings, TCP SYN traits and MAC vendors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sensor/oui.h"
#include "sensor/osguess.h"

static struct mm_osguess *t;

static int setup(void **state)
{
    (void)state;
    return mm_osguess_new(&t);
}

static int teardown(void **state)
{
    (void)state;
    mm_osguess_free(t);
    return 0;
}

static const char *dhcp(const char *params, const char *vendor)
{
    struct mm_os_guess g;
    return mm_osguess_dhcp(t, params, vendor, &g) ? g.id : "none";
}

static void test_dhcp(void **state)
{
    (void)state;
    struct mm_os_guess g;
    assert_true(mm_osguess_dhcp(t, "1,15,3,6,44,46,47,31,33,43", "MSFT 5.0", &g));
    assert_string_equal(g.id, "windows-xp");
    assert_true(g.legacy);
    assert_false(g.mobile);
    assert_string_equal(g.name_en, "Windows XP / Server 2003 era");
    assert_non_null(g.name_ja);
    assert_true(g.score >= 80);
    assert_string_equal(dhcp("1,15,3,6,44,46,47,31,33,121,249,43,252", "MSFT 5.0"), "windows-7");
    assert_string_equal(dhcp("1,15,3,6,44,46,47,31,33,121,249,43", "MSFT 5.0"), "windows-7");
    assert_true(mm_osguess_dhcp(t, "1,121,3,6,15,119,252", NULL, &g));
    assert_string_equal(g.id, "ios");
    assert_true(g.mobile);
    assert_string_equal(dhcp("1,121,3,6,15,119,252,95,44,46", NULL), "macos");
    assert_string_equal(dhcp("1,28,2,3,15,6,119,12,44,47,26,121,42", NULL), "linux");
    assert_string_equal(dhcp("1,3,6,15,26,28,51,58,59", "android-dhcp-13"), "android");
    assert_string_equal(dhcp("9,9,9", "android-dhcp-13"), "android");
    assert_string_equal(dhcp("1,3,6,15,31,33,43,44,46,47,119,121,249,252", "MSFT 5.0"),
                        "windows-10");
    assert_string_equal(dhcp("9,9,9", "MSFT 5.0"), "windows");
    assert_string_equal(dhcp("9,9,9", NULL), "none");
    assert_string_equal(dhcp(NULL, NULL), "none");
}

static void test_other_sources(void **state)
{
    (void)state;
    struct mm_os_guess g;
    assert_true(mm_osguess_user_agent(t, "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", &g));
    assert_string_equal(g.id, "windows-xp");
    assert_true(mm_osguess_user_agent(
        t, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15", &g));
    assert_string_equal(g.id, "ios");
    assert_true(mm_osguess_user_agent(
        t, "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120", &g));
    assert_string_equal(g.id, "android");
    assert_true(
        mm_osguess_user_agent(t, "Mozilla/5.0 (X11; Ubuntu; Linux x86_64) Firefox/120", &g));
    assert_string_equal(g.id, "linux");
    assert_true(mm_osguess_user_agent(t, "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", &g));
    assert_string_equal(g.id, "windows-10");
    assert_false(mm_osguess_user_agent(t, "curl/8.5.0", &g));
    /* the Android emulator runs on a PC: its user agents guess nothing
     * (ndpi_1kxun: a laptop with a Killer network card sending
     * "AndroidSDK_30_generic_x86_arm_11" was reported as a phone) */
    assert_false(mm_osguess_user_agent(t, "AndroidSDK_30_generic_x86_arm_11", &g));
    assert_false(mm_osguess_user_agent(
        t, "Dalvik/2.1.0 (Linux; U; Android 13; sdk_gphone64_x86_64 Build/TE1A.220922.012)", &g));
    assert_false(mm_osguess_user_agent(
        t, "Dalvik/2.1.0 (Linux; U; Android 9; Android SDK built for x86 Build/PSR1.180720.075)",
        &g));

    assert_true(mm_osguess_smb(t, "Windows 5.1", &g));
    assert_string_equal(g.id, "windows-xp");
    assert_true(mm_osguess_smb(t, "Windows 2000 2195", &g));
    assert_string_equal(g.id, "windows-old");
    assert_true(g.legacy);
    assert_true(mm_osguess_smb(t, "Windows 7 Ultimate 7601 Service Pack 1", &g));
    assert_string_equal(g.id, "windows-7");
    assert_true(mm_osguess_smb(t, "Mac OS X 10.10", &g));
    assert_string_equal(g.id, "macos");

    assert_true(mm_osguess_tcp(t, 127, "M,N,N,S", &g));
    assert_string_equal(g.id, "windows-xp");
    assert_true(g.score < 50); /* weaker than DHCP or SMB */
    assert_true(mm_osguess_tcp(t, 60, "M,S,T,N,W", &g));
    assert_string_equal(g.id, "linux");
    assert_true(mm_osguess_tcp(t, 120, "M,N,W,N,N,S", &g));
    assert_string_equal(g.id, "windows");

    assert_true(mm_osguess_vendor(t, "Brother Industries, LTD.", &g));
    assert_string_equal(g.id, "printer");
    assert_true(mm_osguess_by_id(t, "android", &g));
    assert_true(g.mobile);
    assert_false(mm_osguess_by_id(t, "plan9", &g));
}

/* Answers are remembered: asking again (in another order, with texts of
 * every source interleaved, a text too long to keep, NULL options, TTLs
 * that round to the same initial TTL) gives the first answers. */
static void test_answers_repeat(void **state)
{
    (void)state;
    char longua[600];
    memset(longua, 'x', sizeof longua - 1);
    memcpy(longua + 400, "iPhone", 6);
    longua[sizeof longua - 1] = '\0';
    const char *uas[] = {"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", "curl/8.5.0", longua,
                         "Mozilla/5.0 (Linux; Android 14; Pixel 8)"};
    const char *ua_ids[] = {"windows-xp", NULL, "ios", "android"};
    struct mm_os_guess bare;
    bool bare_found = mm_osguess_tcp(t, 60, NULL, &bare); /* a TTL-only rule, if any */
    char longparams[400];
    for (size_t i = 0; i + 2 < sizeof longparams; i += 2)
        memcpy(longparams + i, "1,", 2);
    memcpy(longparams + sizeof longparams - 2, "3", 2);
    /* DHCP pairs whose memo keys must differ: NULL and "" texts, the split
     * between params and vendor */
    const char *dhcp_pairs[][2] = {{"1,15,3,6,44,46,47,31,33,43", "MSFT 5.0"},
                                   {"1,15,3,6,44,46,47,31,33,43", NULL},
                                   {NULL, "MSFT 5.0"},
                                   {"", "MSFT 5.0"},
                                   {NULL, NULL},
                                   {"1,15,3,6,44,46,47,31,33,43V", "MSFT 5.0"},
                                   {"1,15,3,6,44,46,47,31,33,43", "VMSFT 5.0"},
                                   {longparams, "android-dhcp-14"}};
    enum { NPAIRS = sizeof dhcp_pairs / sizeof dhcp_pairs[0] };
    bool dhcp_found[NPAIRS];
    const char *dhcp_id[NPAIRS];
    for (size_t i = 0; i < NPAIRS; i++) { /* each asked first of a table of its own */
        struct mm_os_guess g;
        struct mm_osguess *fresh;
        assert_int_equal(mm_osguess_new(&fresh), 0);
        dhcp_found[i] = mm_osguess_dhcp(fresh, dhcp_pairs[i][0], dhcp_pairs[i][1], &g);
        dhcp_id[i] = dhcp_found[i] ? (mm_osguess_by_id(t, g.id, &g) ? g.id : "?") : NULL;
        mm_osguess_free(fresh);
    }
    assert_true(dhcp_found[0]);
    assert_string_equal(dhcp_id[0], "windows-xp");
    assert_false(dhcp_found[4]);
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < NPAIRS; i++) {
            size_t j = round == 1 ? NPAIRS - 1 - i : i;
            struct mm_os_guess g;
            assert_int_equal(mm_osguess_dhcp(t, dhcp_pairs[j][0], dhcp_pairs[j][1], &g),
                             dhcp_found[j]);
            if (dhcp_found[j])
                assert_string_equal(g.id, dhcp_id[j]);
        }
        for (size_t k = 0; k < 4; k++) {
            size_t i = round == 1 ? 3 - k : k;
            struct mm_os_guess g;
            bool found = mm_osguess_user_agent(t, uas[i], &g);
            assert_int_equal(found, ua_ids[i] != NULL);
            if (found)
                assert_string_equal(g.id, ua_ids[i]);
            assert_true(mm_osguess_smb(t, "Windows 5.1", &g)); /* same text, other source */
            assert_string_equal(g.id, "windows-xp");
            assert_false(mm_osguess_vendor(t, "Windows 5.1", &g));
            assert_true(mm_osguess_tcp(t, (uint8_t)(100 + round * 9), "M,N,W,N,N,S", &g));
            assert_string_equal(g.id, "windows");
            assert_int_equal(mm_osguess_tcp(t, 60, NULL, &g), bare_found);
            if (bare_found)
                assert_string_equal(g.id, bare.id);
        }
    }
}

static void test_oui(void **state)
{
    (void)state;
    const uint8_t apple[6] = {0xc4, 0x61, 0x8b, 0x35, 0x82, 0xa9};
    const uint8_t local[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    const uint8_t unassigned[6] = {0xfc, 0xff, 0xff, 0, 0, 0};
    if (mm_oui_count() == 0)
        skip(); /* built without ieee-data */
    assert_non_null(mm_oui_vendor(apple));
    assert_string_equal(mm_oui_vendor(apple), "Apple, Inc.");
    assert_null(mm_oui_vendor(local));
    assert_true(mm_mac_is_local(local));
    assert_null(mm_oui_vendor(unassigned));
}

/* The registry in the order oui.cmake wrote it, to check the lookup against. */
static const struct {
    uint32_t prefix;
    const char *vendor;
} registry[] = {
#include "sensor/oui-table.inc"
    {0xffffffffu, NULL}};

struct sorted_entry {
    uint32_t prefix;
    size_t pos; /* in the registry: equal prefixes keep the registry's order */
    const char *vendor;
};

static int cmp_stable(const void *a, const void *b)
{
    const struct sorted_entry *x = a, *y = b;
    if (x->prefix != y->prefix)
        return x->prefix < y->prefix ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* What a stable sort and a binary search answer for key (the answer oui.c
 * gave before its radix sort, also for the prefixes the registry lists
 * twice). */
static const char *expected_vendor(const struct sorted_entry *sorted, size_t n, uint32_t key)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid].prefix == key)
            return sorted[mid].vendor;
        if (sorted[mid].prefix < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void test_oui_every_prefix(void **state)
{
    (void)state;
    size_t n = sizeof registry / sizeof registry[0] - 1;
    assert_int_equal(mm_oui_count(), n);
    struct sorted_entry *sorted = malloc((n + 1) * sizeof *sorted);
    assert_non_null(sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = (struct sorted_entry){registry[i].prefix, i, registry[i].vendor};
    qsort(sorted, n, sizeof *sorted, cmp_stable);
    for (size_t i = 0; i < n; i++) {
        uint32_t p = registry[i].prefix;
        const uint8_t mac[6] = {(uint8_t)(p >> 16), (uint8_t)(p >> 8), (uint8_t)p, 1, 2, 3};
        const char *want = (mac[0] & 0x03) ? NULL : expected_vendor(sorted, n, p);
        const char *got = mm_oui_vendor(mac);
        if (want)
            assert_string_equal(got, want);
        else
            assert_null(got);
    }
    free(sorted);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dhcp),
        cmocka_unit_test(test_other_sources),
        cmocka_unit_test(test_answers_repeat),
        cmocka_unit_test(test_oui),
        cmocka_unit_test(test_oui_every_prefix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
