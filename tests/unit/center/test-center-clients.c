/* SPDX-License-Identifier: Apache-2.0
 * Tests of the per-client table (clients.c) behind the centre's limits per
 * client: which addresses are one client (an IPv4 address, also written
 * IPv4-mapped; an IPv6 /64, so a host cannot pass the limit by taking
 * another address of its /64, as loopback tests cannot show), the
 * connection count per client, and the buffered bytes per client. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "center/clients.h"

static struct mm_client_key key(const char *text)
{
    struct sockaddr_storage ss;
    struct mm_client_key k;
    memset(&ss, 0, sizeof ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, text, &a4->sin_addr) == 1)
        a4->sin_family = AF_INET;
    else if (inet_pton(AF_INET6, text, &a6->sin6_addr) == 1)
        a6->sin6_family = AF_INET6;
    else
        fail_msg("not an address: %s", text);
    assert_true(mm_client_key_of((struct sockaddr *)&ss, &k));
    return k;
}

static bool same(const char *a, const char *b)
{
    struct mm_client_key ka = key(a), kb = key(b);
    return memcmp(&ka, &kb, sizeof ka) == 0;
}

static void test_keys(void **state)
{
    (void)state;
    assert_true(same("2001:db8:1:2::1", "2001:db8:1:2:ffff:1:2:3"));
    assert_false(same("2001:db8:1:2::1", "2001:db8:1:3::1"));
    assert_true(same("192.0.2.7", "::ffff:192.0.2.7"));
    assert_false(same("192.0.2.7", "192.0.2.8"));
    assert_false(same("127.0.0.1", "::1"));
    /* an IPv4-mapped address is not grouped by its /64 */
    assert_false(same("::ffff:192.0.2.7", "::ffff:192.0.2.8"));
    struct mm_client_key k;
    struct sockaddr other = {.sa_family = AF_UNIX};
    assert_false(mm_client_key_of(&other, &k));
    assert_false(mm_client_key_of(NULL, &k));
}

static void test_connections(void **state)
{
    (void)state;
    struct mm_clients *t = mm_clients_new(4);
    struct mm_client_key a = key("2001:db8::1"), a2 = key("2001:db8::2"), b = key("192.0.2.1");
    assert_non_null(t);
    size_t s1 = mm_clients_open(t, &a);
    assert_true(mm_clients_may_open(t, &a2, 2));
    size_t s2 = mm_clients_open(t, &a2);
    assert_int_equal(s1, s2);
    assert_false(mm_clients_may_open(t, &a, 2)); /* the /64 holds two */
    assert_true(mm_clients_may_open(t, &b, 2));
    size_t s3 = mm_clients_open(t, &b);
    assert_int_not_equal(s3, s1);
    mm_clients_close(t, s2);
    assert_true(mm_clients_may_open(t, &a, 2));
    mm_clients_close(t, s1);
    mm_clients_close(t, s3);
    /* all slots free again: four other clients fit, a fifth does not */
    const char *four[] = {"192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.13"};
    for (int i = 0; i < 4; i++) {
        struct mm_client_key k = key(four[i]);
        assert_int_not_equal(mm_clients_open(t, &k), 0);
    }
    struct mm_client_key fifth = key("192.0.2.14");
    assert_false(mm_clients_may_open(t, &fifth, 10));
    assert_int_equal(mm_clients_open(t, &fifth), 0);
    mm_clients_free(t);
}

static void test_bytes(void **state)
{
    (void)state;
    struct mm_clients *t = mm_clients_new(2);
    struct mm_client_key a = key("192.0.2.1"), b = key("192.0.2.2");
    size_t sa = mm_clients_open(t, &a), sb = mm_clients_open(t, &b);
    assert_true(mm_clients_take(t, sa, 600, 1000));
    assert_false(mm_clients_take(t, sa, 401, 1000));
    assert_int_equal(mm_clients_held(t, sa), 600);
    assert_true(mm_clients_take(t, sb, 1000, 1000)); /* another client's share */
    mm_clients_give(t, sa, 600);
    assert_true(mm_clients_take(t, sa, 1000, 1000));
    assert_true(mm_clients_take(t, 0, 1 << 30, 1000)); /* not counted: always */
    mm_clients_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_connections),
        cmocka_unit_test(test_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
