/* SPDX-License-Identifier: Apache-2.0
 * The query plans (EXPLAIN QUERY PLAN) of the audit, user, sensor, ticket
 * and incident lists on a real SQLite file: for a caller limited to one
 * tenant (an SME owner, with or without its own or another tenant's filter,
 * and a vendor user with a tenant filter) each list searches its tenant
 * index, never scans its table nor sorts; "(?1 OR tenant_id = ?2)" made
 * SQLite scan the whole table for an SME (a security review: 0.21 s for an
 * owner's audit list of a million rows). The audit rows an SME and the
 * vendor get back are checked against a plain query too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "center/store-sqlite.h"
#include "center/store.h"
#include "center/tenant.h"
#include "core/buf.h"
#include "../test-tmpdir.h"

static char dir[TEST_TMPDIR_MAX];
static struct mm_store *st;
static sqlite3 *raw;
static int64_t tenants[2];

static const struct mm_actor actor = {.name = "test", .tenant_id = 0, .address = ""};

static int setup(void **state)
{
    (void)state;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "list-plan"), 0);
    struct mm_store_config cfg = {.dir = dir, .connections = 2};
    char err[256];
    assert_int_equal(mm_store_open_sqlite(&cfg, &st, err, sizeof err), 0);
    for (int i = 0; i < 2; i++) {
        struct mm_tenant t = {.lang = "ja", .mail_severity = 2, .created_at = 1};
        snprintf(t.name, sizeof t.name, "SME %d", i);
        assert_int_equal(st->ops->tenant_add(st, &actor, &t, &tenants[i]), 0);
    }
    for (int i = 0; i < 60; i++) { /* audit rows of the vendor and both SMEs */
        struct mm_actor a = {
            .name = "test", .tenant_id = i % 3 ? tenants[i % 3 - 1] : 0, .address = ""};
        assert_int_equal(st->ops->audit_add(st, &a, "test.row", "x", NULL), 0);
    }
    char path[TEST_TMPDIR_MAX + 16];
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, "center.db"), 0);
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(raw);
    mm_store_close(st);
    assert_int_equal(test_tmpdir_remove(dir), 0);
    return 0;
}

/* The plan of sql as one line per step. */
static void plan_of(const char *sql, struct mm_buf *out)
{
    struct mm_buf q = MM_BUF_INIT;
    mm_buf_printf(&q, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(raw, mm_buf_str(&q), -1, &s, NULL);
    if (rc != SQLITE_OK)
        print_error("%s: %s\n", sqlite3_errmsg(raw), sql);
    assert_int_equal(rc, SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW)
        mm_buf_printf(out, "%s\n", (const char *)sqlite3_column_text(s, 3));
    sqlite3_finalize(s);
    mm_buf_free(&q);
}

typedef int (*list_sql_fn)(struct mm_buf *, const struct mm_scope *, int64_t);

struct list {
    const char *name;
    list_sql_fn sql;
    const char *search; /* what the plan must say */
    const char *scan;   /* what it must not */
};

static const struct list lists[] = {
    {"audit", mm__sqlite_audit_list_sql, "SEARCH audit USING INDEX audit_tenant (tenant_id=?",
     "SCAN audit"},
    {"users", mm__sqlite_user_list_sql, "SEARCH users USING INDEX users_tenant (tenant_id=?",
     "SCAN users"},
    {"sensors", mm__sqlite_sensor_list_sql,
     "SEARCH sensors USING INDEX sensors_tenant (tenant_id=?", "SCAN sensors"},
    {"tickets", mm__sqlite_ticket_list_sql, "SEARCH t USING INDEX tickets_tenant (tenant_id=?",
     "SCAN t"},
    {"incidents", mm__sqlite_incident_list_sql,
     "SEARCH incidents USING INDEX incidents_tenant (tenant_id=?", "SCAN incidents"},
};

static void check_plan(const struct list *l, const struct mm_scope *scope, int64_t filter)
{
    struct mm_buf sql = MM_BUF_INIT, plan = MM_BUF_INIT;
    assert_int_equal(l->sql(&sql, scope, filter), 0);
    plan_of(mm_buf_str(&sql), &plan);
    const char *p = mm_buf_str(&plan);
    if (!strstr(p, l->search) || strstr(p, l->scan) || strstr(p, "TEMP B-TREE"))
        fprintf(stderr, "%s (scope %lld/%d, filter %lld): want %s, got:\n%s(%s)\n", l->name,
                (long long)scope->tenant_id, scope->all_tenants, (long long)filter, l->search, p,
                mm_buf_str(&sql));
    assert_non_null(strstr(p, l->search));
    assert_null(strstr(p, l->scan));
    assert_null(strstr(p, "TEMP B-TREE"));
    mm_buf_free(&sql);
    mm_buf_free(&plan);
}

/* Every list limited to one tenant searches that tenant's index. */
static void test_one_tenant_lists_use_the_tenant_index(void **state)
{
    (void)state;
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ANALYST, 0);
    struct mm_scope owner = mm_scope_for(MM_ROLE_OWNER, tenants[0]);
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        check_plan(&lists[i], &owner, -1);
        check_plan(&lists[i], &owner, tenants[0]);
        check_plan(&lists[i], &owner, tenants[1]);
        check_plan(&lists[i], &vendor, tenants[1]);
    }
}

struct ids {
    struct mm_buf text;
};

static int collect(const struct mm_audit_entry *a, void *arg)
{
    struct ids *ids = arg;
    return mm_buf_printf(&ids->text, "%lld ", (long long)a->id);
}

/* The ids a plain query gives for the same scope and filter, newest first. */
static void plain_audit(const struct mm_scope *scope, int64_t filter, struct mm_buf *out)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(raw,
                                        "SELECT id FROM audit WHERE (?1 OR tenant_id = ?2) AND "
                                        "(?3 < 0 OR tenant_id = ?3) ORDER BY id DESC",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_int(q, 1, scope->all_tenants);
    sqlite3_bind_int64(q, 2, scope->tenant_id);
    sqlite3_bind_int64(q, 3, filter);
    while (sqlite3_step(q) == SQLITE_ROW)
        mm_buf_printf(out, "%lld ", (long long)sqlite3_column_int64(q, 0));
    sqlite3_finalize(q);
}

/* The audit list gives the rows of the scope and filter it gave before. */
static void test_audit_rows_by_scope(void **state)
{
    (void)state;
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_scope owner = mm_scope_for(MM_ROLE_OWNER, tenants[0]);
    const struct mm_scope *scopes[] = {&vendor, &vendor, &owner, &owner, &owner};
    const int64_t filters[] = {-1, tenants[1], -1, tenants[0], tenants[1]};
    for (int i = 0; i < 5; i++) {
        struct ids got = {MM_BUF_INIT};
        struct mm_buf want = MM_BUF_INIT;
        struct mm_page page = {.limit = 1000};
        assert_int_equal(st->ops->audit_list(st, scopes[i], filters[i], &page, collect, &got), 0);
        plain_audit(scopes[i], filters[i], &want);
        assert_string_equal(mm_buf_str(&got.text), mm_buf_str(&want));
        if (i == 4)
            assert_string_equal(mm_buf_str(&want), ""); /* another tenant's: nothing */
        else
            assert_true(strlen(mm_buf_str(&want)) > 0);
        mm_buf_free(&got.text);
        mm_buf_free(&want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_tenant_lists_use_the_tenant_index),
        cmocka_unit_test(test_audit_rows_by_scope),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
