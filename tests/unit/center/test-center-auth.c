/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the centre's credentials: argon2id hashing, verification and
 * re-hash detection, random secrets and their hashes, enrolment codes, and
 * the login rate limiter under concurrent attempts, a full table and
 * account names aimed at a locked account's slots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "center/api/api.h"
#include "center/auth.h"
#include "center/tenant.h"
#include "core/error.h"

static void test_password(void **state)
{
    (void)state;
    char h[MM_PWHASH_MAX];
    assert_int_equal(mm_password_hash("correct horse battery", MM_PWCOST_MIN, h), 0);
    assert_true(strncmp(h, "$argon2id$", 10) == 0);
    assert_int_equal(mm_password_verify(h, "correct horse battery"), 0);
    assert_int_equal(mm_password_verify(h, "wrong horse battery"), MM_EAUTH);
    assert_int_equal(mm_password_verify("", "x"), MM_EAUTH);
    assert_int_equal(mm_password_verify("garbage", "x"), MM_EAUTH);
    /* Made with the minimum cost: the interactive setting asks for a re-hash. */
    assert_false(mm_password_needs_rehash(h, MM_PWCOST_MIN));
    assert_true(mm_password_needs_rehash(h, MM_PWCOST_INTERACTIVE));
    char h2[MM_PWHASH_MAX];
    assert_int_equal(mm_password_hash("correct horse battery", MM_PWCOST_INTERACTIVE, h2), 0);
    assert_false(mm_password_needs_rehash(h2, MM_PWCOST_INTERACTIVE));
    assert_int_equal(mm_password_verify(h2, "correct horse battery"), 0);
    assert_string_not_equal(h, h2);
}

static void test_secrets(void **state)
{
    (void)state;
    char a[MM_SECRET_MAX], b[MM_SECRET_MAX];
    uint8_t ha[MM_HASH_BYTES], hb[MM_HASH_BYTES], ha2[MM_HASH_BYTES];
    assert_int_equal(mm_secret_new("mmt_", a), 0);
    assert_int_equal(mm_secret_new("mmt_", b), 0);
    assert_true(strncmp(a, "mmt_", 4) == 0);
    assert_int_equal(strlen(a), 4 + 43);
    assert_string_not_equal(a, b);
    mm_secret_hash(a, ha);
    mm_secret_hash(b, hb);
    mm_secret_hash(a, ha2);
    assert_memory_equal(ha, ha2, MM_HASH_BYTES);
    assert_memory_not_equal(ha, hb, MM_HASH_BYTES);
}

static void test_enrol_codes(void **state)
{
    (void)state;
    char code[MM_ENROL_CODE_MAX], sloppy[MM_ENROL_CODE_MAX];
    uint8_t h1[MM_HASH_BYTES], h2[MM_HASH_BYTES];
    assert_int_equal(mm_enrol_code_new(code), 0);
    assert_int_equal(strlen(code), 19);
    assert_int_equal(code[4], '-');
    /* Lower case and without dashes hashes the same. */
    size_t n = 0;
    for (const char *p = code; *p; p++)
        if (*p != '-')
            sloppy[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
    sloppy[n] = '\0';
    assert_int_equal(mm_enrol_code_hash(code, h1), 0);
    assert_int_equal(mm_enrol_code_hash(sloppy, h2), 0);
    assert_memory_equal(h1, h2, MM_HASH_BYTES);
    assert_int_equal(mm_enrol_code_hash("short", h2), MM_EINVAL);
    assert_int_equal(mm_enrol_code_hash("ABCD-EFGH-JKLM-NP!Q", h2), MM_EINVAL);
}

struct race {
    struct mm_ratelimit *rl;
    atomic_int evaluated, refused;
};

static void *attempt(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 10; i++) {
        if (mm_ratelimit_begin(r->rl, "victim@example.jp", "192.0.2.1", 1000) != 0) {
            atomic_fetch_add(&r->refused, 1);
            continue;
        }
        atomic_fetch_add(&r->evaluated, 1);
        mm_ratelimit_end(r->rl, "victim@example.jp", "192.0.2.1", false, 1000);
    }
    return NULL;
}

static void test_ratelimit_concurrent(void **state)
{
    (void)state;
    struct race r = {0};
    pthread_t t[16];
    assert_int_equal(mm_ratelimit_new(5, 1000, 100, 1000000, &r.rl), 0);
    for (int i = 0; i < 16; i++)
        assert_int_equal(pthread_create(&t[i], NULL, attempt, &r), 0);
    for (int i = 0; i < 16; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(r.evaluated, 5);
    assert_int_equal(r.refused, 16 * 10 - 5);
    /* After the window the account may try again; another account is unaffected. */
    assert_int_equal(mm_ratelimit_begin(r.rl, "other@example.jp", "192.0.2.1", 1000), 0);
    mm_ratelimit_end(r.rl, "other@example.jp", "192.0.2.1", true, 1000);
    assert_int_equal(mm_ratelimit_begin(r.rl, "victim@example.jp", "192.0.2.1", 3000000), 0);
    mm_ratelimit_end(r.rl, "victim@example.jp", "192.0.2.1", true, 3000000);
    mm_ratelimit_free(r.rl);
}

/* A table full of fresh failures (far more keys than its 4,096 slots) must
 * still let a new account from a new address try: the oldest entry without
 * an attempt in flight makes room. */
static void test_ratelimit_saturated(void **state)
{
    (void)state;
    struct mm_ratelimit *rl;
    char account[64], address[64];
    assert_int_equal(mm_ratelimit_new(5, 100, 20, 900 * 1000000LL, &rl), 0);
    for (int i = 0; i < 20000; i++) {
        snprintf(account, sizeof account, "user%d@example.jp", i);
        snprintf(address, sizeof address, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        int64_t now = 1000000 + i;
        if (mm_ratelimit_begin(rl, account, address, now) == 0)
            mm_ratelimit_end(rl, account, address, false, now);
    }
    assert_int_equal(mm_ratelimit_begin(rl, "fresh@example.jp", "192.0.2.200", 2000000), 0);
    mm_ratelimit_end(rl, "fresh@example.jp", "192.0.2.200", true, 2000000);
    /* A recent lockout survives the churn as long as it is not the oldest. */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(mm_ratelimit_begin(rl, "victim@example.jp", "192.0.2.7", 3000000), 0);
        mm_ratelimit_end(rl, "victim@example.jp", "192.0.2.7", false, 3000000);
    }
    assert_int_equal(mm_ratelimit_begin(rl, "victim@example.jp", "192.0.2.7", 3000001), MM_ELIMIT);
    mm_ratelimit_free(rl);
}

/* The limiter's slot of a key before it was keyed: 64-bit FNV-1a from
 * 1469598103934665603, modulo its 4,096 slots. */
static unsigned old_slot(const char *key)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return (unsigned)(h % 4096);
}

/* An attacker who has locked an account out (from an address) makes 64
 * failed logins (from other addresses) with account names that, under the
 * old unkeyed hash, start at the locked key's slot: the run of 64 slots
 * fills with newer failures and the old code forgot the lockout as the
 * oldest entry. The slots are keyed now: the account stays locked there. */
static void test_ratelimit_aimed_names(void **state)
{
    (void)state;
    struct mm_ratelimit *rl;
    char account[64], address[64];
    const unsigned target = old_slot("p:victim@example.jp|192.0.2.7");
    assert_int_equal(mm_ratelimit_new(5, 100, 20, 900 * 1000000LL, &rl), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(mm_ratelimit_begin(rl, "victim@example.jp", "192.0.2.7", 1000000), 0);
        mm_ratelimit_end(rl, "victim@example.jp", "192.0.2.7", false, 1000000);
    }
    assert_int_equal(mm_ratelimit_begin(rl, "victim@example.jp", "192.0.2.7", 1000001), MM_ELIMIT);
    int aimed = 0;
    for (unsigned i = 0; aimed < 64 && i < 4000000; i++) {
        snprintf(account, sizeof account, "x%u@example.jp", i);
        char key[80];
        snprintf(key, sizeof key, "a:%s", account);
        if (old_slot(key) != target)
            continue;
        snprintf(address, sizeof address, "198.51.100.%d", aimed);
        int64_t now = 2000000 + aimed;
        assert_int_equal(mm_ratelimit_begin(rl, account, address, now), 0);
        mm_ratelimit_end(rl, account, address, false, now);
        aimed++;
    }
    assert_int_equal(aimed, 64);
    assert_int_equal(mm_ratelimit_begin(rl, "victim@example.jp", "192.0.2.7", 3000000), MM_ELIMIT);
    mm_ratelimit_free(rl);
}

/* IPv6 sources are counted by their /64: rotating the interface id does not
 * escape the per-address limit; another /64 is another key. */
static void test_ratelimit_ipv6_prefix(void **state)
{
    (void)state;
    struct mm_ratelimit *rl;
    char account[64], address[64];
    assert_int_equal(mm_ratelimit_new(100, 1000, 3, 900 * 1000000LL, &rl), 0);
    for (int i = 0; i < 3; i++) {
        snprintf(account, sizeof account, "a%d@example.jp", i);
        snprintf(address, sizeof address, "2001:db8:1:2::%x", i + 1);
        assert_int_equal(mm_ratelimit_begin(rl, account, address, 1000), 0);
        mm_ratelimit_end(rl, account, address, false, 1000);
    }
    assert_int_equal(mm_ratelimit_begin(rl, "z@example.jp", "2001:db8:1:2:ffff::9", 1000),
                     MM_ELIMIT);
    assert_int_equal(mm_ratelimit_begin(rl, "z@example.jp", "2001:db8:1:3::1", 1000), 0);
    mm_ratelimit_end(rl, "z@example.jp", "2001:db8:1:3::1", true, 1000);
    mm_ratelimit_free(rl);
}

/* Failures count per account and address: five from one address lock the
 * account out there only, and an IPv6 client counts by its /64. A success
 * clears only its own address's failures; the account's count from all
 * addresses (8 here) stays, and when it is reached the account is locked
 * everywhere, not other accounts. */
static void test_ratelimit_pair(void **state)
{
    (void)state;
    struct mm_ratelimit *rl;
    const char *v = "victim@example.jp";
    assert_int_equal(mm_ratelimit_new(5, 8, 100, 900 * 1000000LL, &rl), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(mm_ratelimit_begin(rl, v, "2001:db8:1:2::1", 1000), 0);
        mm_ratelimit_end(rl, v, "2001:db8:1:2::1", false, 1000);
    }
    assert_int_equal(mm_ratelimit_begin(rl, v, "2001:db8:1:2:ffff::9", 1000), MM_ELIMIT);
    assert_int_equal(mm_ratelimit_begin(rl, v, "192.0.2.1", 1000), 0);
    mm_ratelimit_end(rl, v, "192.0.2.1", true, 1000);
    assert_int_equal(mm_ratelimit_begin(rl, v, "2001:db8:1:2::1", 1000), MM_ELIMIT);
    /* two more from another address (7), and a failure while one is in flight */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mm_ratelimit_begin(rl, v, "192.0.2.2", 1000), 0);
        mm_ratelimit_end(rl, v, "192.0.2.2", false, 1000);
    }
    assert_int_equal(mm_ratelimit_begin(rl, v, "192.0.2.3", 1000), 0);
    assert_int_equal(mm_ratelimit_begin(rl, v, "192.0.2.4", 1000), MM_ELIMIT); /* 7 + 1 */
    mm_ratelimit_end(rl, v, "192.0.2.3", false, 1000);
    assert_int_equal(mm_ratelimit_begin(rl, v, "192.0.2.1", 1000), MM_ELIMIT);
    assert_int_equal(mm_ratelimit_begin(rl, "other@example.jp", "192.0.2.1", 1000), 0);
    mm_ratelimit_end(rl, "other@example.jp", "192.0.2.1", true, 1000);
    /* the window over, the account signs in anywhere again */
    assert_int_equal(mm_ratelimit_begin(rl, v, "2001:db8:1:2::1", 901 * 1000000LL + 1000), 0);
    mm_ratelimit_free(rl);
}

/* An attempt the database fails (busy, broken), or one that found no free
 * password check, ends neither as a failure nor as a success: the person is
 * not locked out by the store, and earlier failures are not cleared by it; a
 * wrong password still counts. */
static void test_ratelimit_store_failure(void **state)
{
    (void)state;
    struct mm_ratelimit *rl;
    assert_int_equal(mm_ratelimit_new(2, 1000, 100, 900 * 1000000LL, &rl), 0);
    for (int i = 0; i < 15; i++) {
        /* MM_EAGAIN: every password check was busy (nothing was checked) */
        int r = i % 3 == 0 ? MM_EAGAIN : i % 3 == 1 ? MM_EDB : MM_EDBBUSY;
        assert_int_equal(mm_ratelimit_begin(rl, "busy@example.jp", "192.0.2.3", 1000), 0);
        mm_ratelimit_end_result(rl, "busy@example.jp", "192.0.2.3", r, 1000);
    }
    assert_int_equal(mm_ratelimit_begin(rl, "busy@example.jp", "192.0.2.3", 1000), 0);
    mm_ratelimit_end_result(rl, "busy@example.jp", "192.0.2.3", MM_EAUTH, 1000);
    assert_int_equal(mm_ratelimit_begin(rl, "busy@example.jp", "192.0.2.3", 1000), 0);
    mm_ratelimit_end_result(rl, "busy@example.jp", "192.0.2.3", MM_EDBBUSY, 1000);
    assert_int_equal(mm_ratelimit_begin(rl, "busy@example.jp", "192.0.2.3", 1000), 0);
    mm_ratelimit_end_result(rl, "busy@example.jp", "192.0.2.3", MM_EAUTH, 1000);
    assert_int_equal(mm_ratelimit_begin(rl, "busy@example.jp", "192.0.2.3", 1000), MM_ELIMIT);
    mm_ratelimit_free(rl);
}

/* Addresses that could carry a second recipient or header are refused. */
static void test_email_normalise(void **state)
{
    (void)state;
    char out[255];
    static const char *const good[] = {"Owner@Example.JP", "a.b_c%d+e-f@mail.example.co.jp",
                                       "x@a-b.example"};
    static const char *const bad[] = {"a@b.example,evil@x.example",
                                      "a@b.example;evil@x.example",
                                      "a,b@x.example",
                                      "a@b@x.example",
                                      "a b@x.example",
                                      "<a@x.example>",
                                      "\"a\"@x.example",
                                      "a@localhost",
                                      "a@-x.example",
                                      "a@x-.example",
                                      "a@x..example",
                                      ".a@x.example",
                                      "a.@x.example",
                                      "a..b@x.example",
                                      "a@x.example.",
                                      "a@[192.0.2.1]",
                                      "a\r\nBcc: e@x.example@y.example",
                                      "@x.example",
                                      "a@"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(mm_api_email_normalise(good[i], out, sizeof out), 0);
    assert_string_equal((mm_api_email_normalise(good[0], out, sizeof out), out),
                        "owner@example.jp");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (mm_api_email_normalise(bad[i], out, sizeof out) != MM_EINVAL)
            fail_msg("accepted %s", bad[i]);
    }
}

static void test_roles(void **state)
{
    (void)state;
    enum mm_role role;
    assert_int_equal(mm_role_parse("analyst", &role), 0);
    assert_true(mm_role_is_vendor(role));
    assert_int_equal(mm_role_parse("root", &role), MM_EINVAL);
    assert_string_equal(mm_role_name(MM_ROLE_STAFF), "staff");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_secrets),
        cmocka_unit_test(test_enrol_codes),
        cmocka_unit_test(test_ratelimit_concurrent),
        cmocka_unit_test(test_ratelimit_saturated),
        cmocka_unit_test(test_ratelimit_aimed_names),
        cmocka_unit_test(test_ratelimit_ipv6_prefix),
        cmocka_unit_test(test_ratelimit_pair),
        cmocka_unit_test(test_ratelimit_store_failure),
        cmocka_unit_test(test_email_normalise),
        cmocka_unit_test(test_roles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
