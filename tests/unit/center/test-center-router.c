/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the route table and path matching ({id} parameters, wrong
 * methods, malformed ids) and of the request arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "center/arena.h"
#include "center/router.h"

static const struct mm_route *match(struct mm_request *req, enum mm_method m, const char *path,
                                    bool *known)
{
    memset(req, 0, sizeof *req);
    return mm_route_match(req, m, path, known);
}

static void test_match(void **state)
{
    (void)state;
    struct mm_request req;
    bool known;
    const struct mm_route *r = match(&req, MM_GET, "/api/v1/alerts/42", &known);
    assert_non_null(r);
    assert_string_equal(r->handler_name, "mm_api_alert_get");
    assert_int_equal(mm_req_param(&req, "alert"), 42);
    assert_int_equal(mm_req_param(&req, "tenant"), 0);
    mm_arena_free(&req.arena);
    r = match(&req, MM_POST, "/api/v1/tenants/7/enrol-codes", &known);
    assert_non_null(r);
    assert_int_equal(mm_req_param(&req, "tenant"), 7);
    assert_int_equal(mm_route_body_limit(r), 1024 * 1024);
    mm_arena_free(&req.arena);
    /* The literal "bulk" wins over {alert} because it comes first. */
    r = match(&req, MM_POST, "/api/v1/alerts/bulk", &known);
    assert_string_equal(r->handler_name, "mm_api_alert_bulk");
    mm_arena_free(&req.arena);
    r = match(&req, MM_POST, "/api/v1/events", &known);
    assert_int_equal(mm_route_body_limit(r), 16 * 1024 * 1024);
    mm_arena_free(&req.arena);
    static const char *const misses[] = {
        "/api/v1/alerts/0",
        "/api/v1/alerts/-1",
        "/api/v1/alerts/1x",
        "/api/v1/alerts/01",
        "/api/v1/alerts/",
        "/api/v1/alerts//1",
        "/api/v1/alertsx",
        "api/v1/alerts",
        "/api/v1/alerts/1/",
        "/api/v1/alerts/99999999999999999999",
        "",
    };
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        r = match(&req, MM_GET, misses[i], &known);
        if (r)
            print_error("%s matched %s\n", misses[i], r->pattern);
        assert_null(r);
        mm_arena_free(&req.arena);
    }
    r = match(&req, MM_DELETE, "/api/v1/alerts/3", &known);
    assert_null(r);
    assert_true(known);
    mm_arena_free(&req.arena);
    r = match(&req, MM_GET, "/nope", &known);
    assert_null(r);
    assert_false(known);
}

static void test_methods(void **state)
{
    (void)state;
    assert_int_equal(mm_method_parse("PATCH"), MM_PATCH);
    assert_int_equal(mm_method_parse("get"), MM_METHOD_OTHER);
    assert_string_equal(mm_method_name(MM_DELETE), "DELETE");
}

static void test_arena(void **state)
{
    (void)state;
    struct mm_arena a = MM_ARENA_INIT, b = MM_ARENA_INIT;
    char *s = mm_arena_strdup(&a, "守り");
    assert_string_equal(s, "守り");
    for (int i = 0; i < 1000; i++) {
        char *p = mm_arena_printf(&a, "%d-%s", i, "x");
        assert_non_null(p);
        assert_int_equal(((uintptr_t)p) % 16, 0);
    }
    char *big = mm_arena_alloc(&b, 100000);
    assert_non_null(big);
    memset(big, 1, 100000);
    mm_arena_adopt(&a, &b);
    assert_null(b.head);
    assert_string_equal(s, "守り");
    mm_arena_free(&a);
    mm_arena_free(&a);
    mm_arena_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_methods),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
