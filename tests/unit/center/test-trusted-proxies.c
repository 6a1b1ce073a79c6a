/* SPDX-License-Identifier: Apache-2.0
 * Tests of the trusted proxies (proxy.c): the list setting, the client an
 * X-Forwarded-For header names (right-most address that is not a trusted
 * proxy, over several header lines, with ports and brackets), what counts
 * as malformed, X-Forwarded-Proto, and the per-client key of a forwarded
 * address and of the same socket address (clients.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "center/clients.h"
#include "center/proxy.h"
#include "core/error.h"

static struct mm_proxies proxies(const char *text)
{
    struct mm_proxies p;
    assert_int_equal(mm_proxies_parse(text, &p), 0);
    return p;
}

/* The client lines name, as text, or the error code's name. */
static const char *client(const struct mm_proxies *p, const char *const *lines, size_t n)
{
    static char out[MM_ADDR_STRLEN];
    struct mm_addr a;
    int r = mm_proxies_client(p, lines, n, &a);
    if (r == MM_ENOENT)
        return "none";
    if (r == MM_EPARSE)
        return "malformed";
    assert_int_equal(r, 0);
    mm_addr_format(&a, out, sizeof out);
    return out;
}

static const char *one(const struct mm_proxies *p, const char *line)
{
    return client(p, &line, 1);
}

static void test_list(void **state)
{
    (void)state;
    struct mm_proxies p;
    assert_int_equal(mm_proxies_parse(NULL, &p), 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(mm_proxies_parse("", &p), 0);
    assert_int_equal(p.n, 0);
    mm_proxies_clear(&p);
    assert_int_equal(mm_proxies_parse("127.0.0.1, ::1,10.0.0.0/8", &p), 0);
    assert_int_equal(p.n, 3);
    struct mm_addr a;
    mm_addr_parse("10.1.2.3", &a);
    assert_true(mm_proxies_trust(&p, &a));
    mm_addr_parse("11.1.2.3", &a);
    assert_false(mm_proxies_trust(&p, &a));
    mm_proxies_clear(&p);
    mm_proxies_clear(NULL);
    assert_int_equal(mm_proxies_parse("127.0.0.1, proxy.example", &p), MM_EPARSE);
    assert_int_equal(mm_proxies_parse("10.0.0.0/33", &p), MM_EPARSE);
}

static void test_right_most(void **state)
{
    (void)state;
    struct mm_proxies p = proxies("127.0.0.2, 10.0.0.0/8");
    assert_string_equal(one(&p, "198.51.100.7"), "198.51.100.7");
    assert_string_equal(one(&p, " 203.0.113.9 ,198.51.100.7 "), "198.51.100.7");
    assert_string_equal(one(&p, "198.51.100.7, 10.1.1.1, 127.0.0.2"), "198.51.100.7");
    /* only trusted proxies: the left-most */
    assert_string_equal(one(&p, "10.0.0.5, 127.0.0.2"), "10.0.0.5");
    /* what the client wrote left of its address is never read */
    assert_string_equal(one(&p, "unknown, 198.51.100.7"), "198.51.100.7");
    assert_string_equal(one(&p, "[2001:db8::1]:4711"), "2001:db8::1");
    assert_string_equal(one(&p, "[2001:db8::1]"), "2001:db8::1");
    assert_string_equal(one(&p, "2001:db8::1"), "2001:db8::1");
    assert_string_equal(one(&p, "198.51.100.7:5000"), "198.51.100.7");
    assert_string_equal(one(&p, "::ffff:198.51.100.7"), "198.51.100.7");
    /* several lines are one list */
    const char *lines[] = {"203.0.113.9", "198.51.100.7", "10.0.0.1"};
    assert_string_equal(client(&p, lines, 3), "198.51.100.7");
    const char *trusted[] = {"203.0.113.9", "127.0.0.2"};
    assert_string_equal(client(&p, trusted, 2), "203.0.113.9");
    assert_string_equal(client(&p, NULL, 0), "none");
    mm_proxies_clear(&p);
}

static void test_malformed(void **state)
{
    (void)state;
    struct mm_proxies p = proxies("127.0.0.2");
    const char *bad[] = {"",
                         "unknown",
                         "198.51.100.7, unknown",
                         "198.51.100.7,",
                         "1.2.3.4:x",
                         "1.2.3.4:123456",
                         "[2001:db8::1",
                         "[2001:db8::1]x",
                         "[1.2.3.4]:",
                         "1.2.3.4/8",
                         "198.51.100.7, 127.0.0.2, _",
                         "2001:db8::1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17:18:19:20"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        print_message("%s\n", bad[i]);
        assert_string_equal(one(&p, bad[i]), "malformed");
    }
    mm_proxies_clear(&p);
}

static void test_proto(void **state)
{
    (void)state;
    assert_true(mm_proxies_proto_https("https"));
    assert_true(mm_proxies_proto_https(" HTTPS "));
    assert_false(mm_proxies_proto_https("http"));
    assert_false(mm_proxies_proto_https("https, http"));
    assert_false(mm_proxies_proto_https("httpsx"));
    assert_false(mm_proxies_proto_https(NULL));
}

static void test_keys(void **state)
{
    (void)state;
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    struct mm_addr a, b;
    struct mm_client_key ka, kb;
    inet_pton(AF_INET6, "::ffff:127.0.0.2", &sa.sin6_addr);
    assert_true(mm_proxies_addr_of((struct sockaddr *)&sa, &a));
    assert_int_equal(a.family, 4);
    mm_client_key_of((struct sockaddr *)&sa, &ka);
    mm_client_key_of_addr(&a, &kb);
    assert_memory_equal(&ka, &kb, sizeof ka);
    /* one IPv6 /64 is one client */
    mm_addr_parse("2001:db8:1:2::1", &a);
    mm_addr_parse("2001:db8:1:2:ffff::9", &b);
    mm_client_key_of_addr(&a, &ka);
    mm_client_key_of_addr(&b, &kb);
    assert_memory_equal(&ka, &kb, sizeof ka);
    mm_addr_parse("2001:db8:1:3::1", &b);
    mm_client_key_of_addr(&b, &kb);
    assert_memory_not_equal(&ka, &kb, sizeof ka);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),      cmocka_unit_test(test_right_most),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_proto),
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
