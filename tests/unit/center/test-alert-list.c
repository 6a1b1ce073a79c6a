/* SPDX-License-Identifier: Apache-2.0
 * The alert list's query on a real SQLite file holding thousands of alerts,
 * most of them of statuses and severities a severity filter leaves out:
 * every combination of scope (vendor, vendor with a tenant filter, an SME
 * owner without a tenant filter, with its own tenant's and with another
 * tenant's: that list is empty), status, severity filter and signature
 * returns, page by page
 * through the cursor, the alerts of one plain ORDER BY last_seen DESC, id
 * DESC query; and the query plans (EXPLAIN QUERY PLAN) read a severity list
 * from the severity indexes of migration 014, one index range per (severity,
 * status) arm, and the other lists from the status indexes, never scanning
 * the table or sorting more than an hour's rows. */
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
#include "../test-rand.h"
#include "../test-tmpdir.h"
#include "test-alert-listed.h"

#define NALERTS 4000
#define HOUR    3600000000LL

static char dir[TEST_TMPDIR_MAX];
static struct mm_store *st;
static sqlite3 *raw;
static int64_t tenants[3];

static const struct mm_actor actor = {.name = "test", .tenant_id = 0, .address = ""};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    return test_xorshift(&rng);
}

/* Severity 1 is rare and never acknowledged or closed; most alerts are
 * closed or acknowledged at severities 2-4 (the shape that made a list of
 * the high alerts read every closed one). */
static void draw_alert(int *severity, const char **status)
{
    static const char *const open[] = {"new", "escalated"};
    static const char *const any[] = {"new",    "acknowledged", "escalated",    "closed",
                                      "closed", "closed",       "acknowledged", "closed"};
    if (next() % 30 == 0) {
        *severity = 1;
        *status = open[next() % 2];
        return;
    }
    *severity = 2 + (int)(next() % 3);
    *status = any[next() % 8];
}

/* Alerts inserted straight into the store's file (as the benchmark's fill
 * does): times over 40 hours with many equal last_seen values, so both the
 * hour-by-hour order and the id tie-break are exercised. */
static void fill(void)
{
    sqlite3_stmt *ins;
    assert_int_equal(sqlite3_exec(raw, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(raw,
                           "INSERT INTO alerts (tenant_id, sensor_id, signature_id, signature, "
                           "severity, device, first_seen, last_seen, status, created_at, "
                           "updated_at) VALUES (?1, 1, ?2, 'sig', ?3, 'dev', ?4, ?4, ?5, 1, 1)",
                           -1, &ins, NULL),
        SQLITE_OK);
    for (int i = 0; i < NALERTS; i++) {
        int severity;
        const char *status;
        draw_alert(&severity, &status);
        int64_t seen = 1000 * HOUR + (int64_t)(next() % 40) * HOUR + (int64_t)(next() % 6) * 1000;
        sqlite3_bind_int64(ins, 1, tenants[next() % 3]);
        sqlite3_bind_int64(ins, 2, 100 + (int64_t)(next() % 4));
        sqlite3_bind_int(ins, 3, severity);
        sqlite3_bind_int64(ins, 4, seen);
        sqlite3_bind_text(ins, 5, status, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    assert_int_equal(sqlite3_exec(raw, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "alert-list"), 0);
    struct mm_store_config cfg = {.dir = dir, .connections = 2};
    char err[256];
    assert_int_equal(mm_store_open_sqlite(&cfg, &st, err, sizeof err), 0);
    for (int i = 0; i < 3; i++) {
        struct mm_tenant t = {.lang = "ja", .mail_severity = 2, .created_at = 1};
        snprintf(t.name, sizeof t.name, "SME %d", i);
        assert_int_equal(st->ops->tenant_add(st, &actor, &t, &tenants[i]), 0);
    }
    char path[TEST_TMPDIR_MAX + 16];
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, "center.db"), 0);
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    fill();
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

/* ---- the rows and their order ---- */

/* The ids of a plain query over the whole table in the list's order. */
static void plain_ids(const struct mm_scope *scope, const struct mm_alert_filter *f,
                      struct mm_buf *out)
{
    sqlite3_stmt *q;
    assert_int_equal(
        sqlite3_prepare_v2(raw,
                           "SELECT id FROM alerts WHERE (?1 OR tenant_id = ?2) AND (?3 < 0 OR "
                           "tenant_id = ?3) AND (?4 < 0 OR status = ?5) AND (?6 = 0 OR severity "
                           "<= ?6) AND (?7 < 0 OR signature_id = ?7) ORDER BY last_seen DESC, id "
                           "DESC",
                           -1, &q, NULL),
        SQLITE_OK);
    sqlite3_bind_int(q, 1, scope->all_tenants);
    sqlite3_bind_int64(q, 2, scope->tenant_id);
    sqlite3_bind_int64(q, 3, f->tenant_id);
    sqlite3_bind_int(q, 4, f->status);
    sqlite3_bind_text(q, 5,
                      mm_alert_status_name((enum mm_alert_status)(f->status < 0 ? 0 : f->status)),
                      -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 6, f->max_severity);
    sqlite3_bind_int64(q, 7, f->signature_id);
    while (sqlite3_step(q) == SQLITE_ROW)
        mm_buf_printf(out, "%lld,", (long long)sqlite3_column_int64(q, 0));
    sqlite3_finalize(q);
}

/* The store's list read page by page through the cursor equals plain_ids;
 * returns how many alerts it listed. */
static int check_pages(const struct mm_scope *scope, const struct mm_alert_filter *f, int limit)
{
    struct mm_buf got = MM_BUF_INIT, want = MM_BUF_INIT;
    struct mm_page page = {.limit = limit};
    int total = 0;
    for (;;) {
        struct listed l = {.out = &got};
        assert_int_equal(st->ops->alert_list(st, scope, f, &page, list_one, &l), 0);
        assert_true(l.n <= limit);
        total += l.n;
        if (l.n < limit)
            break;
        page.has_cursor = true;
        page.cursor_a = l.last_seen;
        page.cursor_b = l.id;
    }
    plain_ids(scope, f, &want);
    if (strcmp(mm_buf_str(&got), mm_buf_str(&want)) != 0)
        print_error("tenant scope %lld, filter tenant %lld status %d severity %d signature %lld, "
                    "pages of %d: %zu bytes of ids, want %zu\n",
                    (long long)(scope->all_tenants ? -1 : scope->tenant_id),
                    (long long)f->tenant_id, f->status, f->max_severity, (long long)f->signature_id,
                    limit, got.len, want.len);
    assert_string_equal(mm_buf_str(&got), mm_buf_str(&want));
    mm_buf_free(&got);
    mm_buf_free(&want);
    return total;
}

static int64_t count_where(const char *sql)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static void test_pages_match_plain_order(void **state)
{
    (void)state;
    /* The shape this is about: the high alerts are few, the others many. */
    assert_int_equal(count_where("SELECT count(*) FROM alerts WHERE severity = 1 AND status IN "
                                 "('acknowledged', 'closed')"),
                     0);
    assert_true(count_where("SELECT count(*) FROM alerts WHERE severity = 1") > 60);
    assert_true(count_where("SELECT count(*) FROM alerts WHERE status = 'closed'") > NALERTS / 3);
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ANALYST, 0);
    struct mm_scope owner = mm_scope_for(MM_ROLE_OWNER, tenants[1]);
    const struct {
        const struct mm_scope *scope;
        int64_t tenant;
    } who[] = {{&vendor, -1},
               {&vendor, tenants[1]},
               {&owner, -1},
               {&owner, tenants[1]},
               {&owner, tenants[2]}};
    int high = 0, owner_all = 0, owner_own = 0, owner_foreign = 0;
    for (size_t w = 0; w < sizeof who / sizeof *who; w++)
        for (int status = -1; status <= MM_ALERT_CLOSED; status++)
            for (int sev = 0; sev <= 4; sev++)
                for (int64_t sig = -1; sig <= 101; sig += 102) {
                    struct mm_alert_filter f = {.status = status,
                                                .max_severity = sev,
                                                .tenant_id = who[w].tenant,
                                                .signature_id = sig};
                    int n = check_pages(who[w].scope, &f, 50);
                    if (sev == 1 && status < 0 && sig < 0 && w == 0)
                        high = n;
                    owner_all += w == 2 ? n : 0;
                    owner_own += w == 3 ? n : 0;
                    owner_foreign += w == 4 ? n : 0;
                }
    assert_true(high > 60);
    /* An SME's filter on its own tenant lists what it lists without one;
     * on another tenant's, nothing (it listed its own alerts before). */
    assert_true(owner_all > 0);
    assert_int_equal(owner_own, owner_all);
    assert_int_equal(owner_foreign, 0);
    /* Small pages: the cursor often falls inside a run of equal last_seen. */
    struct mm_alert_filter f = {
        .status = -1, .max_severity = 2, .tenant_id = -1, .signature_id = -1};
    check_pages(&vendor, &f, 7);
    f.max_severity = 1;
    check_pages(&owner, &f, 3);
}

/* ---- the query plans ---- */

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

static int occurrences(const char *text, const char *what)
{
    int n = 0;
    for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

/* Every arm of the list searches index (its equal columns first) and
 * nothing else reads the table or sorts the whole result. */
static void check_plan(const struct mm_scope *scope, const struct mm_alert_filter *f,
                       const struct mm_page *page, const char *index, int arms)
{
    struct mm_buf sql = MM_BUF_INIT, plan = MM_BUF_INIT;
    assert_int_equal(mm__sqlite_alert_list_sql(&sql, scope, f, page), 0);
    plan_of(mm_buf_str(&sql), &plan);
    const char *p = mm_buf_str(&plan);
    if (occurrences(p, index) != arms || occurrences(p, "SEARCH alerts") != arms ||
        strstr(p, "SCAN") || strstr(p, "TEMP B-TREE FOR ORDER BY"))
        fprintf(stderr, "want %d x %s, got:\n%s(%s)\n", arms, index, p, mm_buf_str(&sql));
    assert_int_equal(occurrences(p, index), arms);
    assert_int_equal(occurrences(p, "SEARCH alerts"), arms);
    assert_null(strstr(p, "SCAN"));
    assert_null(strstr(p, "TEMP B-TREE FOR ORDER BY"));
    mm_buf_free(&sql);
    mm_buf_free(&plan);
}

static void test_plans_use_the_indexes(void **state)
{
    (void)state;
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ANALYST, 0);
    struct mm_scope owner = mm_scope_for(MM_ROLE_OWNER, tenants[0]);
    /* vendor; vendor with a tenant filter; SME owner; SME owner with its
     * own tenant's filter and with another's */
    const int64_t filter[5] = {-1, tenants[1], -1, tenants[0], tenants[1]};
    for (int w = 0; w < 5; w++) {
        const struct mm_scope *scope = w >= 2 ? &owner : &vendor;
        bool one_tenant = w > 0;
        for (int status = -1; status <= MM_ALERT_CLOSED; status++)
            for (int sev = 0; sev <= 4; sev++)
                for (int extra = 0; extra < 16; extra++) {
                    struct mm_alert_filter f = {.status = status,
                                                .max_severity = sev,
                                                .tenant_id = filter[w],
                                                .signature_id = extra & 1 ? 101 : -1,
                                                .since = extra & 2 ? 1001 * HOUR : 0,
                                                .until = extra & 4 ? 1030 * HOUR : 0,
                                                .text = extra & 8 ? "dev" : NULL};
                    struct mm_page page = {.limit = 51};
                    int statuses = status < 0 ? 4 : 1;
                    bool split = sev >= 1 && sev <= 3;
                    const char *index =
                        split ? (one_tenant ? "USING INDEX alerts_tenant_severity (tenant_id=? "
                                              "AND severity=? AND status=?"
                                            : "USING INDEX alerts_severity (severity=? AND "
                                              "status=?")
                              : (one_tenant ? "USING INDEX alerts_tenant_status (tenant_id=? AND "
                                              "status=?"
                                            : "USING INDEX alerts_status (status=?");
                    int arms = statuses * (split ? sev : 1);
                    check_plan(scope, &f, &page, index, arms);
                    page.has_cursor = true;
                    page.cursor_a = 1020 * HOUR;
                    page.cursor_b = 77;
                    check_plan(scope, &f, &page, index, arms);
                }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pages_match_plain_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plans_use_the_indexes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
