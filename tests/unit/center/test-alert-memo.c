/* SPDX-License-Identifier: Apache-2.0
 * Tests of ingest's open-alert memo: the hash table itself (alert-memo.h:
 * keys, growth, the bound, devices at the size limit), and a differential
 * test of the whole store: two databases get the same random history
 * (batches of alert events over few keys and times with late, repeated and
 * replayed events, long multi-byte device names, batches that fail and are
 * rolled back, status changes and closes through the store, closes and
 * changes by a plain SQLite connection as another program would make them,
 * and a second store on the same file as a second centre process would be),
 * one with the memo and one without it; after every step both hold exactly
 * the same alerts and event links, every alert's seen_hour is its
 * last_seen's hour, and the alert lists (read page by page through the
 * hour-ordered indexes of migration 010) come in exactly (last_seen, id)
 * order. Last, the memo runs out of memory while it grows (calloc fails,
 * through the linker's --wrap): the batch still goes in, exactly as
 * without the memo. And what the alert flush writes: rows within their hour
 * move no index entry (the pages written to the WAL, mapped through
 * dbstat), rows that change hour do, and seen_hour stays last_seen's hour
 * even when another program moved a waiting row's hour. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/alert-memo.h"
#include "center/alerts.h"
#include "center/store-sqlite.h"
#include "center/store.h"
#include "center/tenant.h"
#include "core/buf.h"
#include "core/error.h"
#include "../test-rand.h"
#include "../test-tmpdir.h"
#include "test-alert-listed.h"

/* ---- the table ---- */

static struct mm_alert_memo_key key_of(int64_t tenant, int64_t sig, const char *dev)
{
    return (struct mm_alert_memo_key){tenant, sig, dev, strlen(dev)};
}

static void test_memo_table(void **state)
{
    (void)state;
    struct mm_alert_memo *m = NULL;
    assert_int_equal(mm_alert_memo_new(0, &m), MM_EINVAL);
    assert_int_equal(mm_alert_memo_new(5000, &m), 0);
    struct mm_alert_memo_key a = key_of(1, 7, "aa:bb"), b = key_of(2, 7, "aa:bb");
    struct mm_alert_memo_key c = key_of(1, 8, "aa:bb"), d = key_of(1, 7, "aa:bc");
    struct mm_alert_memo_val v = {.id = 3, .first = 10, .last = 20, .last_event = 9, .severity = 2};
    assert_null(mm_alert_memo_get(m, &a));
    assert_int_equal(mm_alert_memo_put(m, &a, &v), 0);
    const struct mm_alert_memo_val *got = mm_alert_memo_get(m, &a);
    assert_non_null(got);
    assert_memory_equal(got, &v, sizeof v);
    /* Every part of the key counts. */
    assert_null(mm_alert_memo_get(m, &b));
    assert_null(mm_alert_memo_get(m, &c));
    assert_null(mm_alert_memo_get(m, &d));
    struct mm_alert_memo_val none = {0};
    assert_int_equal(mm_alert_memo_put(m, &b, &none), 0);
    assert_int_equal(mm_alert_memo_get(m, &b)->id, 0);
    v.last = 30;
    assert_int_equal(mm_alert_memo_put(m, &a, &v), 0);
    assert_int_equal(mm_alert_memo_get(m, &a)->last, 30);
    assert_int_equal(mm_alert_memo_count(m), 2);
    /* Growth keeps every key. */
    char dev[32];
    for (int i = 0; i < 4000; i++) {
        snprintf(dev, sizeof dev, "dev-%d", i);
        struct mm_alert_memo_key k = key_of(5, i % 3, dev);
        struct mm_alert_memo_val w = {.id = i + 1};
        assert_int_equal(mm_alert_memo_put(m, &k, &w), 0);
    }
    assert_int_equal(mm_alert_memo_count(m), 4002);
    for (int i = 0; i < 4000; i++) {
        snprintf(dev, sizeof dev, "dev-%d", i);
        struct mm_alert_memo_key k = key_of(5, i % 3, dev);
        assert_non_null(mm_alert_memo_get(m, &k));
        assert_int_equal(mm_alert_memo_get(m, &k)->id, i + 1);
    }
    assert_int_equal(mm_alert_memo_get(m, &a)->last, 30);
    mm_alert_memo_clear(m);
    assert_int_equal(mm_alert_memo_count(m), 0);
    assert_null(mm_alert_memo_get(m, &a));
    mm_alert_memo_free(m);
    mm_alert_memo_free(NULL);
}

static void test_memo_bound_and_device_size(void **state)
{
    (void)state;
    struct mm_alert_memo *m = NULL;
    assert_int_equal(mm_alert_memo_new(100, &m), 0);
    char dev[80];
    struct mm_alert_memo_val v = {.id = 1};
    for (int i = 0; i < 250; i++) {
        snprintf(dev, sizeof dev, "d%d", i);
        struct mm_alert_memo_key k = key_of(1, 1, dev);
        assert_int_equal(mm_alert_memo_put(m, &k, &v), 0);
        assert_true(mm_alert_memo_count(m) <= 100);
        assert_non_null(mm_alert_memo_get(m, &k)); /* the newest key is always held */
    }
    /* A full memo starts again: the keys of 200..249 are there, older ones not. */
    assert_int_equal(mm_alert_memo_count(m), 50);
    memset(dev, 'x', sizeof dev);
    struct mm_alert_memo_key k = {1, 1, dev, MM_ALERT_MEMO_DEVICE_MAX};
    assert_int_equal(mm_alert_memo_put(m, &k, &v), 0);
    assert_non_null(mm_alert_memo_get(m, &k));
    k.device_len--;
    assert_null(mm_alert_memo_get(m, &k));
    k.device_len = MM_ALERT_MEMO_DEVICE_MAX + 1;
    assert_int_equal(mm_alert_memo_put(m, &k, &v), MM_EINVAL);
    assert_null(mm_alert_memo_get(m, &k));
    mm_alert_memo_free(m);
}

/* ---- the store, with and without the memo ---- */

static const struct mm_actor actor = {.name = "test", .tenant_id = 0, .address = ""};

struct world {
    char dir[TEST_TMPDIR_MAX];
    struct mm_store *st[2]; /* two stores on one file: two centre processes */
    sqlite3 *raw;           /* another program's connection */
    struct mm_sensor sensors[3];
};

static uint64_t rng = 88172645463325252ULL;

static uint64_t next(void)
{
    return test_xorshift(&rng);
}

static int pick(int n)
{
    return (int)(next() % (uint64_t)n);
}

/* memo: the open-alert memo, and with it alert rows written only when
 * mm__sqlite_alerts_flush (or a read through the store) asks, never by the
 * interval (a day, with batch times below that). */
static struct mm_store *open_store(const char *dir, bool memo)
{
    struct mm_store_config cfg = {
        .dir = dir, .connections = 2, .sync_full = false, .alert_flush_usec = 86400 * 1000000LL};
    struct mm_store *st = NULL;
    char err[256];
    assert_int_equal(mm_store_open_sqlite(&cfg, &st, err, sizeof err), 0);
    if (!memo) {
        mm__sqlite_ingest_memo_off(st);
        mm__sqlite_ingest_flush_every(st, 0);
    }
    return st;
}

/* What another program reads: every alert row written. */
static void flush_world(struct world *w)
{
    assert_int_equal(mm__sqlite_alerts_flush(w->st[0], -1), 0);
    assert_int_equal(mm__sqlite_alerts_flush(w->st[1], -1), 0);
}

static struct mm_sensor enrol(struct mm_store *st, int64_t tenant, int n)
{
    uint8_t ch[MM_HASH_BYTES] = {(uint8_t)n, 1}, kh[MM_HASH_BYTES] = {(uint8_t)n, 2};
    struct mm_sensor s;
    assert_int_equal(st->ops->enrol_code_add(st, &actor, tenant, ch, 1, 1000), 0);
    assert_int_equal(st->ops->enrol_redeem(st, "", ch, "s", kh, 2, &s), 0);
    return s;
}

static void world_open(struct world *w, bool memo)
{
    memset(w, 0, sizeof *w);
    assert_int_equal(test_tmpdir_make(w->dir, sizeof w->dir, "alert-memo"), 0);
    w->st[0] = open_store(w->dir, memo);
    w->st[1] = open_store(w->dir, memo);
    int64_t t[2];
    for (int i = 0; i < 2; i++) {
        struct mm_tenant tn = {.lang = "ja", .mail_severity = 1, .created_at = 1};
        snprintf(tn.name, sizeof tn.name, "t%d", i);
        assert_int_equal(w->st[0]->ops->tenant_add(w->st[0], &actor, &tn, &t[i]), 0);
    }
    for (int i = 0; i < 3; i++)
        w->sensors[i] = enrol(w->st[0], t[i / 2], i + 1);
    char path[TEST_TMPDIR_MAX + 16];
    snprintf(path, sizeof path, "%s/center.db", w->dir);
    assert_int_equal(sqlite3_open(path, &w->raw), SQLITE_OK);
    sqlite3_busy_timeout(w->raw, 10000);
}

static void world_close(struct world *w)
{
    sqlite3_close(w->raw);
    mm_store_close(w->st[0]);
    mm_store_close(w->st[1]);
    assert_int_equal(test_tmpdir_remove(w->dir), 0);
}

/* Every alert column and every event's links, as text. */
static void dump(sqlite3 *db, struct mm_buf *out)
{
    static const char *const sql[] = {
        "SELECT id, tenant_id, sensor_id, signature_id, device, severity, count, first_seen, "
        "last_seen, status, coalesce(last_event_id, 0), src_ip, created_at, updated_at, "
        "seen_hour, seen_hour = last_seen / 3600000000 FROM alerts ORDER BY id",
        "SELECT id, sensor_id, seq, ts, coalesce(alert_id, 0), coalesce(alert_prev, 0), "
        "alert_severity, alert_updated FROM "
        "events ORDER BY id",
        "SELECT alert_id, severity, from_severity FROM mail_rises ORDER BY id",
    };
    mm_buf_reset(out);
    for (size_t q = 0; q < sizeof sql / sizeof *sql; q++) {
        sqlite3_stmt *stmt = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql[q], -1, &stmt, NULL), SQLITE_OK);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(stmt); i++) {
                const unsigned char *t = sqlite3_column_text(stmt, i);
                mm_buf_printf(out, "%s|", t ? (const char *)t : "NULL");
            }
            mm_buf_putc(out, '\n');
        }
        sqlite3_finalize(stmt);
    }
}

/* Device names: short ones, and ones past the stored 63 bytes whose cut
 * falls inside a multi-byte character (the memo keys the cut name). */
static const char *device_name(int i)
{
    static const char *const names[] = {
        "aa:bb:cc:00:00:01",
        "aa:bb:cc:00:00:02",
        "10.0.0.9",
        "機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器-a",
        "機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器機器-b",
    };
    return names[i % 5];
}

struct step {
    int kind, store, sensor, n, status;
    int64_t now;
    int64_t alert;
    struct mm_ingest_event evs[24];
};

static int64_t seqs[3];

#define SEC 1000000LL /* times in microseconds, so that alerts change hours */

static void random_batch(struct step *s)
{
    static int64_t clock_ts = 100000 * SEC;
    s->n = 1 + pick(24);
    clock_ts += pick(400) * SEC;
    for (int i = 0; i < s->n; i++) {
        struct mm_ingest_event *e = &s->evs[i];
        memset(e, 0, sizeof *e);
        /* mostly new seqs, some replays of old ones */
        e->seq =
            pick(10) == 0 && seqs[s->sensor] > 5 ? pick((int)seqs[s->sensor]) : ++seqs[s->sensor];
        /* mostly near the clock, some late events far back */
        e->ts = pick(8) == 0 ? clock_ts - pick(3000) * SEC : clock_ts + pick(200) * SEC;
        e->event_type = pick(5) == 0 ? "dns" : "alert";
        e->is_alert = e->event_type[0] == 'a';
        e->body = "{}";
        e->body_len = 2;
        e->stats_backlog = e->stats_drops = -1;
        e->alert.signature_id = 100 + pick(3);
        e->alert.severity = 1 + pick(4);
        e->alert.signature = "sig";
        e->alert.device = device_name(pick(5));
        e->alert.src_ip = pick(2) ? "10.0.0.1" : "10.0.0.2";
    }
}

static void random_step(struct step *s, int64_t nalerts)
{
    s->kind = pick(10);
    s->store = pick(2);
    s->sensor = pick(3);
    /* the centre's clock: it never goes back (updated_at keeps the latest) */
    static int64_t clock_now = 1000;
    clock_now += pick(1000);
    s->now = clock_now;
    s->alert = nalerts ? 1 + pick((int)nalerts) : 1;
    s->status = pick(4);
    if (s->kind < 7)
        random_batch(s);
    if (s->kind == 6) {
        /* A batch that fails at its last key (severity outside the
         * schema's CHECK) and is rolled back, after its other keys were
         * folded. */
        struct mm_ingest_event *e = &s->evs[s->n - 1];
        e->event_type = "alert";
        e->is_alert = true;
        e->seq = ++seqs[s->sensor];
        e->alert.signature_id = 999;
        e->alert.severity = 0;
    }
}

static void apply(struct world *w, const struct step *s)
{
    struct mm_store *st = w->st[s->store];
    struct mm_scope all = mm_scope_for(MM_ROLE_ADMIN, 0);
    const int64_t window = 500 * SEC;
    if (s->kind < 7) {
        struct mm_ingest_opts o = {
            .now = s->now, .alert_window = window, .header_backlog = -1, .header_drops = -1};
        struct mm_ingest_result res;
        int r = st->ops->events_ingest(st, &w->sensors[s->sensor], s->evs, (size_t)s->n, &o, &res);
        assert_int_equal(r, s->kind == 6 ? MM_EDB : 0);
    } else if (s->kind < 9) {
        struct mm_alert a;
        /* Allowed or refused alike in both worlds. */
        int r = st->ops->alert_set_status(st, &all, &actor, s->alert,
                                          (enum mm_alert_status)s->status, "t", 0, s->now, &a);
        assert_true(r == 0 || r == MM_ESTATE || r == MM_ENOENT);
    } else {
        /* Another program: closes an alert, or moves one's times. */
        char sql[200];
        if (s->status < 2)
            snprintf(sql, sizeof sql, "UPDATE alerts SET status = 'closed' WHERE id = %lld",
                     (long long)s->alert);
        else
            snprintf(sql, sizeof sql,
                     "UPDATE alerts SET last_seen = last_seen + 1000000000, seen_hour = "
                     "(last_seen + 1000000000) / 3600000000 WHERE id = %lld",
                     (long long)s->alert);
        assert_int_equal(sqlite3_exec(w->raw, sql, NULL, NULL, NULL), SQLITE_OK);
    }
}

static int64_t count_where(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
}

static int64_t count_alerts(sqlite3 *db)
{
    return count_where(db, "SELECT count(*) FROM alerts");
}

/* ---- alert lists in (last_seen, id) order (migration 010) ---- */

/* The store's list of status (-1: all), tenant scope and since, read in
 * pages of 7 through the cursor, against one ORDER BY last_seen query. */
static void check_list(struct world *w, int status, int64_t tenant, int64_t since)
{
    struct mm_scope scope =
        tenant ? mm_scope_for(MM_ROLE_OWNER, tenant) : mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_alert_filter f = {
        .status = status, .tenant_id = -1, .signature_id = -1, .since = since};
    struct mm_buf got = MM_BUF_INIT, want = MM_BUF_INIT;
    struct mm_page page = {.limit = 7};
    for (;;) {
        struct listed l = {.out = &got};
        assert_int_equal(w->st[0]->ops->alert_list(w->st[0], &scope, &f, &page, list_one, &l), 0);
        if (l.n < page.limit)
            break;
        page.has_cursor = true;
        page.cursor_a = l.last_seen;
        page.cursor_b = l.id;
    }
    char sql[300];
    snprintf(sql, sizeof sql,
             "SELECT id FROM alerts WHERE (%d < 0 OR status = '%s') AND (%lld = 0 OR tenant_id "
             "= %lld) AND (%lld = 0 OR last_seen >= %lld) ORDER BY last_seen DESC, id DESC",
             status, mm_alert_status_name((enum mm_alert_status)(status < 0 ? 0 : status)),
             (long long)tenant, (long long)tenant, (long long)since, (long long)since);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(w->raw, sql, -1, &stmt, NULL), SQLITE_OK);
    while (sqlite3_step(stmt) == SQLITE_ROW)
        mm_buf_printf(&want, "%lld,", (long long)sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
    assert_string_equal(mm_buf_str(&got), mm_buf_str(&want));
    mm_buf_free(&got);
    mm_buf_free(&want);
}

static int64_t count_where(sqlite3 *db, const char *sql);

/* The first row of sql (?1 tenant, ?2 signature, ?3 device, ?4 ts, ?5
 * window), 0 for none. */
static int64_t first_id(sqlite3 *db, const char *sql, int64_t tenant, int64_t sig, const char *dev,
                        int64_t ts, int64_t window)
{
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    sqlite3_bind_int64(stmt, 1, tenant);
    sqlite3_bind_int64(stmt, 2, sig);
    sqlite3_bind_text(stmt, 3, dev, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, ts);
    sqlite3_bind_int64(stmt, 5, window);
    int64_t id = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    sqlite3_finalize(stmt);
    return id;
}

/* The aggregation look-ups of store-sqlite-ingest.c (find_alert and the
 * memo's top query, which read alerts_agg hour by hour) give the row that
 * the plain (last_seen, id) order gives, for every key and assorted times. */
static void check_lookups(struct world *w)
{
    static const char *const find_sql =
        "SELECT id FROM alerts WHERE tenant_id = ?1 AND signature_id = ?2 AND device = ?3 AND "
        "seen_hour >= (?4 - ?5) / 3600000000 AND last_seen >= ?4 - ?5 AND first_seen <= ?4 + ?5 "
        "AND status != 'closed' ORDER BY seen_hour DESC, last_seen DESC, id DESC LIMIT 1";
    static const char *const find_plain =
        "SELECT id FROM alerts WHERE tenant_id = ?1 AND signature_id = ?2 AND device = ?3 AND "
        "last_seen >= ?4 - ?5 AND first_seen <= ?4 + ?5 AND status != 'closed' ORDER BY "
        "last_seen DESC, id DESC LIMIT 1";
    static const char *const top_sql =
        "SELECT id FROM alerts WHERE tenant_id = ?1 AND signature_id = ?2 AND device = ?3 AND "
        "status != 'closed' AND ?4 + ?5 IS NOT NULL ORDER BY seen_hour DESC, last_seen DESC, id "
        "DESC LIMIT 1";
    static const char *const top_plain =
        "SELECT id FROM alerts WHERE tenant_id = ?1 AND signature_id = ?2 AND device = ?3 AND "
        "status != 'closed' AND ?4 + ?5 IS NOT NULL ORDER BY last_seen DESC, id DESC LIMIT 1";
    int64_t hi = count_where(w->raw, "SELECT coalesce(max(last_seen), 0) FROM alerts");
    for (int t = 0; t < 3; t += 2)
        for (int sig = 100; sig < 103; sig++)
            for (int d = 0; d < 5; d++) {
                int64_t tenant = w->sensors[t].tenant_id;
                const char *dev = device_name(d);
                for (int k = 0; k < 6; k++) {
                    int64_t ts = hi - (int64_t)(next() % 6000) * 1000000;
                    int64_t win = (1 + pick(1000)) * 1000000LL;
                    assert_int_equal(first_id(w->raw, find_sql, tenant, sig, dev, ts, win),
                                     first_id(w->raw, find_plain, tenant, sig, dev, ts, win));
                }
                assert_int_equal(first_id(w->raw, top_sql, tenant, sig, dev, 0, 0),
                                 first_id(w->raw, top_plain, tenant, sig, dev, 0, 0));
            }
}

static void check_lists(struct world *w)
{
    int64_t since =
        count_where(w->raw, "SELECT coalesce(max(last_seen), 0) - 3000000000 FROM alerts");
    for (int status = -1; status <= MM_ALERT_CLOSED; status++) {
        check_list(w, status, 0, 0);
        check_list(w, status, w->sensors[0].tenant_id, 0);
        check_list(w, status, 0, since);
    }
}

/* Alert rows written per interval: between flushes the rows of the memo's
 * alerts lag behind (several batches pending), and batches of the other
 * store (another centre process, which counts the chain first), failed
 * batches (the chain counted again), status changes through either store
 * and closes by another program come in between. After each flush the
 * rows are those of a store that writes them at every batch. */
static void test_rows_written_per_interval(void **state)
{
    (void)state;
    struct world with, without;
    struct mm_buf a = MM_BUF_INIT, b = MM_BUF_INIT;
    world_open(&with, true);
    world_open(&without, false);
    mm__sqlite_ingest_flush_every(with.st[0], 5000); /* ~ every tenth batch */
    int64_t lagged = 0;
    for (int i = 0; i < 400; i++) {
        struct step s;
        random_step(&s, count_alerts(with.raw));
        if (s.kind < 7)
            s.store = pick(6) == 0; /* mostly the first store */
        if (s.kind == 9)
            s.status = 0; /* another program closes (it never moves last_seen) */
        apply(&with, &s);
        apply(&without, &s);
        dump(with.raw, &a);
        dump(without.raw, &b);
        if (strcmp(mm_buf_str(&a), mm_buf_str(&b)) != 0)
            lagged++;
        if (i % 6 != 5)
            continue;
        flush_world(&with);
        dump(with.raw, &a);
        if (strcmp(mm_buf_str(&a), mm_buf_str(&b)) != 0) {
            fprintf(stderr, "per interval:\n%s\nat every batch:\n%s", mm_buf_str(&a),
                    mm_buf_str(&b));
            fail_msg("step %d (kind %d) differs after the flush", i, s.kind);
        }
    }
    assert_true(lagged > 50); /* rows did wait */
    mm_buf_free(&a);
    mm_buf_free(&b);
    world_close(&with);
    world_close(&without);
}

static void test_store_with_and_without_memo(void **state)
{
    (void)state;
    struct world with, without;
    struct mm_buf a = MM_BUF_INIT, b = MM_BUF_INIT;
    world_open(&with, true);
    world_open(&without, false);
    size_t memo_keys = 0;
    for (int i = 0; i < 400; i++) {
        struct step s;
        random_step(&s, count_alerts(with.raw));
        apply(&with, &s);
        apply(&without, &s);
        flush_world(&with);
        dump(with.raw, &a);
        dump(without.raw, &b);
        /* the list indexes' hour (migration 010) follows last_seen */
        assert_int_equal(count_where(with.raw, "SELECT count(*) FROM alerts WHERE seen_hour != "
                                               "last_seen / 3600000000"),
                         0);
        if (i % 25 == 24) {
            check_lists(&with);
            check_lookups(&with);
        }
        if (strcmp(mm_buf_str(&a), mm_buf_str(&b)) != 0)
            fail_msg("step %d (kind %d) differs:\nwith memo:\n%s\nwithout:\n%s", i, s.kind,
                     mm_buf_str(&a), mm_buf_str(&b));
        struct mm__sqlite_ingest *in;
        assert_int_equal(mm__sqlite_ingest_acquire(with.st[0], &in), 0);
        if (in->memo && mm_alert_memo_count(in->memo) > memo_keys)
            memo_keys = mm_alert_memo_count(in->memo);
        mm__sqlite_ingest_release(with.st[0]);
        assert_int_equal(mm__sqlite_ingest_acquire(without.st[0], &in), 0);
        assert_null(in->memo);
        mm__sqlite_ingest_release(without.st[0]);
    }
    assert_true(memo_keys > 0); /* the memo was used */
    assert_true(count_alerts(with.raw) > 20);
    assert_true(count_where(with.raw, "SELECT count(DISTINCT seen_hour) FROM alerts") > 5);
    mm_buf_free(&a);
    mm_buf_free(&b);
    world_close(&with);
    world_close(&without);
}

/* ---- out of memory while the memo grows ---- */

/* calloc, wrapped by the linker (-Wl,--wrap=calloc, see CMakeLists.txt):
 * while calloc_fails is set, tables of at least 512 members fail. That is
 * the memo's grown table (256 slots at first); the ingest's own callocs
 * have a member per event of the batch, fewer here. */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
static bool calloc_fails;

void *__wrap_calloc(size_t n, size_t size)
{
    if (calloc_fails && n >= 512)
        return NULL;
    return __real_calloc(n, size);
}

#define OOM_KEYS 300

/* One batch of OOM_KEYS alerts, each of its own device (its own key). */
static void ingest_many_keys(struct world *w, int64_t ts, int64_t seq0)
{
    static char names[OOM_KEYS][16];
    struct mm_ingest_event evs[OOM_KEYS];
    for (int i = 0; i < OOM_KEYS; i++) {
        struct mm_ingest_event *e = &evs[i];
        memset(e, 0, sizeof *e);
        snprintf(names[i], sizeof names[i], "dev-%03d", i);
        e->seq = seq0 + i;
        e->ts = ts + i * SEC;
        e->event_type = "alert";
        e->is_alert = true;
        e->body = "{}";
        e->body_len = 2;
        e->stats_backlog = e->stats_drops = -1;
        e->alert.signature_id = 100;
        e->alert.severity = 2;
        e->alert.signature = "sig";
        e->alert.device = names[i];
        e->alert.src_ip = "10.0.0.1";
    }
    struct mm_ingest_opts o = {
        .now = ts / SEC, .alert_window = 3600 * SEC, .header_backlog = -1, .header_drops = -1};
    struct mm_ingest_result res;
    assert_int_equal(
        w->st[0]->ops->events_ingest(w->st[0], &w->sensors[0], evs, OOM_KEYS, &o, &res), 0);
}

static size_t memo_count(struct world *w)
{
    struct mm__sqlite_ingest *in;
    assert_int_equal(mm__sqlite_ingest_acquire(w->st[0], &in), 0);
    size_t n = mm_alert_memo_count(in->memo);
    mm__sqlite_ingest_release(w->st[0]);
    return n;
}

static void test_memo_out_of_memory(void **state)
{
    (void)state;
    struct world with, without;
    struct mm_buf a = MM_BUF_INIT, b = MM_BUF_INIT;
    world_open(&with, true);
    world_open(&without, false);
    const int64_t t0 = 200000 * SEC;
    for (int round = 0; round < 2; round++) {
        /* round 0: the memo cannot grow; round 1: it can */
        calloc_fails = round == 0;
        ingest_many_keys(&with, t0 + round * 600 * SEC, 1 + round * OOM_KEYS);
        calloc_fails = false;
        ingest_many_keys(&without, t0 + round * 600 * SEC, 1 + round * OOM_KEYS);
        flush_world(&with);
        dump(with.raw, &a);
        dump(without.raw, &b);
        assert_string_equal(mm_buf_str(&a), mm_buf_str(&b));
        if (round == 1)
            assert_true(memo_count(&with) >= OOM_KEYS); /* it grew */
        else
            assert_true(memo_count(&with) < OOM_KEYS); /* it emptied itself */
    }
    assert_int_equal(count_alerts(with.raw), OOM_KEYS);
    mm_buf_free(&a);
    mm_buf_free(&b);
    world_close(&with);
    world_close(&without);
}

/* ---- what the alert flush writes ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Empties the WAL, writes the rows waiting in the first store, and counts
 * the pages of the alert indexes (alerts_agg, alerts_status, ...: every
 * b-tree named alerts_*) and of the alerts table that the write put in the
 * WAL (its frames, mapped to b-trees through the dbstat table). */
static void flush_and_count(struct world *w, int *index_pages, int *table_pages)
{
    static unsigned char written[1 << 16];
    int log = -1, done = -1;
    count_alerts(w->raw); /* the connection has read the file: it knows its WAL */
    assert_int_equal(
        sqlite3_wal_checkpoint_v2(w->raw, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done),
        SQLITE_OK);
    assert_int_equal(log, 0);
    assert_int_equal(mm__sqlite_alerts_flush(w->st[0], -1), 0);
    char path[TEST_TMPDIR_MAX + 32];
    snprintf(path, sizeof path, "%s/center.db-wal", w->dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    unsigned char head[32], frame[24];
    assert_int_equal(fread(head, 1, sizeof head, f), sizeof head);
    memset(written, 0, sizeof written);
    while (fread(frame, 1, sizeof frame, f) == sizeof frame &&
           memcmp(frame + 8, head + 16, 8) == 0) { /* a frame of this WAL (its salt) */
        assert_true(be32(frame) < sizeof written);
        written[be32(frame)] = 1;
        assert_int_equal(fseek(f, (long)be32(head + 8), SEEK_CUR), 0);
    }
    fclose(f);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(w->raw, "SELECT pageno, name FROM dbstat", -1, &q, NULL),
                     SQLITE_OK);
    *index_pages = *table_pages = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t page = sqlite3_column_int64(q, 0);
        const char *name = (const char *)sqlite3_column_text(q, 1);
        if (page <= 0 || page >= (int64_t)sizeof written || !written[page])
            continue;
        *index_pages += strncmp(name, "alerts_", 7) == 0;
        *table_pages += strcmp(name, "alerts") == 0;
    }
    sqlite3_finalize(q);
}

static void check_rows(struct world *w, int64_t events)
{
    assert_int_equal(count_alerts(w->raw), OOM_KEYS);
    assert_int_equal(count_where(w->raw, "SELECT sum(count) FROM alerts"), events);
    assert_int_equal(
        count_where(w->raw,
                    "SELECT count(*) FROM alerts WHERE seen_hour != last_seen / 3600000000"),
        0);
    check_lists(w);
}

/* The alert flush writes seen_hour and severity only when they change, so
 * rows written within their hour move no index entry (every row written
 * moved its entries in the five alert indexes before); a row whose hour
 * changed moves them; a row another program changed meanwhile (its hour
 * moved back) is still written right (seen_hour stays last_seen's hour). */
static void test_flush_moves_no_index_entry(void **state)
{
    (void)state;
    struct world w;
    world_open(&w, true);
    int index_pages, table_pages;
    const int64_t t0 = 500000LL * 3600 * SEC + 60 * SEC;
    ingest_many_keys(&w, t0, 1); /* new alerts: inserted with the batch */
    flush_world(&w);
    ingest_many_keys(&w, t0 + 600 * SEC, 1 + OOM_KEYS); /* the same hour: the rows wait */
    flush_and_count(&w, &index_pages, &table_pages);
    assert_true(table_pages > 0);
    assert_int_equal(index_pages, 0);
    check_rows(&w, 2 * OOM_KEYS);
    ingest_many_keys(&w, t0 + 3600 * SEC, 1 + 2 * OOM_KEYS); /* the next hour */
    flush_and_count(&w, &index_pages, &table_pages);
    assert_true(index_pages > 0 && table_pages > 0);
    check_rows(&w, 3 * OOM_KEYS);
    ingest_many_keys(&w, t0 + 4500 * SEC, 1 + 3 * OOM_KEYS); /* that hour again: rows wait */
    assert_int_equal(sqlite3_exec(w.raw,
                                  "UPDATE alerts SET last_seen = last_seen - 3600000000, "
                                  "seen_hour = (last_seen - 3600000000) / 3600000000 WHERE id IN "
                                  "(SELECT id FROM alerts ORDER BY id LIMIT 10)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    flush_world(&w);
    check_rows(&w, 4 * OOM_KEYS);
    assert_int_equal(count_where(w.raw, "SELECT count(*) FROM alerts WHERE last_seen / 3600000000 "
                                        "!= 500001"),
                     0);
    world_close(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo_table),
        cmocka_unit_test(test_memo_bound_and_device_size),
        cmocka_unit_test(test_store_with_and_without_memo),
        cmocka_unit_test(test_rows_written_per_interval),
        cmocka_unit_test(test_memo_out_of_memory),
        cmocka_unit_test(test_flush_moves_no_index_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
