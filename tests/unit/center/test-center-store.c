/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the SQLite store on real database files: migrations (fresh,
 * upgrade from an older version, refusal of a newer one), tenant scoping of
 * every read, idempotent ingest with aggregation, the alert state machine,
 * the alert search (messages in both languages, literal wildcards),
 * enrolment codes, the append-only audit log, the statements the store
 * keeps prepared per connection, an account's life cycle (a new password
 * ends the other sessions; the vendor's last active admin stays), and the
 * sign-in's session and re-hash stored only while the checked hash stands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/alerts.h"
#include "center/arena.h"
#include "center/auth.h"
#include "center/store-sqlite.h"
#include "center/store.h"
#include "core/data.h"
#include "core/error.h"
#include "core/eve.h"
#include "core/str.h"
#include "../test-tmpdir.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "store"), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(test_tmpdir_remove(dir), 0);
    return 0;
}

static struct mm_store *open_store(void)
{
    struct mm_store_config cfg = {.dir = dir, .connections = 2, .sync_full = false};
    struct mm_store *st = NULL;
    char err[256];
    int r = mm_store_open_sqlite(&cfg, &st, err, sizeof err);
    if (r != 0)
        print_error("open: %s\n", err);
    assert_int_equal(r, 0);
    return st;
}

static sqlite3 *raw_db(void)
{
    char path[300];
    sqlite3 *db;
    snprintf(path, sizeof path, "%s/center.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    return db;
}

static const struct mm_actor test_actor = {.name = "test", .tenant_id = 0, .address = ""};

static void test_fresh_schema(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int v = 0;
    assert_int_equal(st->ops->schema_version(st, &v), 0);
    assert_true(v >= 3);
    assert_int_equal(v, mm_store_schema_latest());
    mm_store_close(st);
    /* Opening again is a no-op. */
    st = open_store();
    mm_store_close(st);
}

static void test_upgrade_from_version_1(void **state)
{
    (void)state;
    const unsigned char *sql;
    size_t n;
    assert_int_equal(mm_data_find("center/migrations/001-base.sql", &sql, &n), 0);
    sqlite3 *db = raw_db();
    assert_int_equal(sqlite3_exec(db, (const char *)sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA user_version = 1; INSERT INTO tenants (name, "
                                  "created_at) VALUES ('old', 1)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    struct mm_store *st = open_store();
    int v = 0;
    assert_int_equal(st->ops->schema_version(st, &v), 0);
    assert_int_equal(v, mm_store_schema_latest());
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_tenant t;
    assert_int_equal(st->ops->tenant_get(st, &vendor, 1, &t), 0);
    assert_string_equal(t.name, "old");
    struct mm_sensor s;
    assert_int_equal(st->ops->sensor_get(st, &vendor, 1, 0, &s), MM_ENOENT); /* table exists */
    mm_store_close(st);
}

/* Applies the embedded migrations up to version to db: the schema of an
 * older centre, on a real file. */
struct old_schema {
    sqlite3 *db;
    int version;
};

static int apply_old_migration(const struct mm_data_entry *e, void *arg)
{
    struct old_schema *o = arg;
    if (atoi(e->path + strlen("center/migrations/")) > o->version)
        return 0;
    char *why = NULL;
    int rc = sqlite3_exec(o->db, (const char *)e->bytes, NULL, NULL, &why);
    if (rc != SQLITE_OK)
        print_error("%s: %s\n", e->path, why);
    sqlite3_free(why);
    assert_int_equal(rc, SQLITE_OK);
    return 0;
}

/* Migration 016 classifies the alerts a centre stored before it by their
 * texts (the generic "what" ingest wrote for a missing message, in English
 * the signature): each language's filler gets the generic next step
 * (mm_alert_now), a sensor's own message none. Until then the filler was
 * recognised by comparing with the catalogue at every read. */
static void test_upgrade_classifies_filled_messages(void **state)
{
    (void)state;
    sqlite3 *db = raw_db();
    struct old_schema o = {.db = db, .version = 15};
    assert_int_equal(mm_data_foreach("center/migrations/", apply_old_migration, &o), 0);
    /* The filler's texts as migration 016 holds them (the generic "what"
     * before that migration), not the catalogue's: a later rewording of the
     * catalogue changes neither the stored rows nor what this test checks. */
    static const char filler_ja[] =
        "監視センサーが、いつもと違う注意の必要な通信を見つけました。詳しい内容は下の「"
        "詳しい情報」と「証拠」に記録されています。";
    static const char filler_en[] =
        "The monitoring sensor saw unusual network traffic that needs attention. The details "
        "are recorded below under the facts and the evidence.";
    sqlite3_stmt *ins;
    assert_int_equal(
        sqlite3_exec(db,
                     "PRAGMA user_version = 15; INSERT INTO tenants (name, created_at) VALUES "
                     "('old', 1); INSERT INTO sensors (tenant_id, name, key_hash, enrolled_at) "
                     "VALUES (1, 's', x'00', 1)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO alerts (tenant_id, sensor_id, signature_id, "
                                        "signature, detector, severity, first_seen, last_seen, "
                                        "created_at, updated_at, message_ja, message_en) VALUES "
                                        "(1, 1, 9100102, ?1, 'intel', 2, 1, 1, 1, 1, ?2, ?3)",
                                        -1, &ins, NULL),
                     SQLITE_OK);
    static const char sig[] = "MAMORI intel: listed domain";
    const char *rows[][2] = {
        {"危険なドメインです。スキャンしてください。", "A dangerous domain. Scan it."}, /* own */
        {filler_ja, sig},                            /* no mamori.message: both filled */
        {filler_ja, "A dangerous domain. Scan it."}, /* an older sensor: English only */
        {"", filler_en},                             /* empty signature */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, i == 3 ? "" : sig, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, rows[i][0], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 3, rows[i][1], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
    }
    sqlite3_finalize(ins);
    sqlite3_close(db);
    struct mm_store *st = open_store();
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    const bool want[][2] = {{false, false}, {true, true}, {true, false}, {true, true}};
    for (int64_t id = 1; id <= 4; id++) {
        struct mm_alert a;
        assert_int_equal(st->ops->alert_get(st, &vendor, id, &a), 0);
        assert_int_equal(a.filled_ja, want[id - 1][0]);
        assert_int_equal(a.filled_en, want[id - 1][1]);
        assert_int_equal(mm_alert_now(&a, MM_LANG_JA) != NULL, want[id - 1][0]);
        assert_int_equal(mm_alert_now(&a, MM_LANG_EN) != NULL, want[id - 1][1]);
    }
    mm_store_close(st);
}

static void test_newer_schema_refused(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    mm_store_close(st);
    sqlite3 *db = raw_db();
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", mm_store_schema_latest() + 1);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    struct mm_store_config cfg = {.dir = dir, .connections = 1};
    char err[256];
    assert_int_equal(mm_store_open_sqlite(&cfg, &st, err, sizeof err), MM_EUNSUPPORTED);
    assert_null(st);
    assert_non_null(strstr(err, "upgrade mamori-center"));
}

static int64_t add_tenant(struct mm_store *st, const char *name)
{
    struct mm_tenant t = {.lang = "ja", .mail_severity = 2, .created_at = 1};
    snprintf(t.name, sizeof t.name, "%s", name);
    int64_t id = 0;
    assert_int_equal(st->ops->tenant_add(st, &test_actor, &t, &id), 0);
    return id;
}

static struct mm_sensor enrol(struct mm_store *st, int64_t tenant, const char *key)
{
    char code[MM_ENROL_CODE_MAX];
    uint8_t ch[MM_HASH_BYTES], kh[MM_HASH_BYTES];
    struct mm_sensor s;
    assert_int_equal(mm_enrol_code_new(code), 0);
    assert_int_equal(mm_enrol_code_hash(code, ch), 0);
    assert_int_equal(st->ops->enrol_code_add(st, &test_actor, tenant, ch, 100, 200), 0);
    mm_secret_hash(key, kh);
    assert_int_equal(st->ops->enrol_redeem(st, "", ch, "s", kh, 150, &s), 0);
    /* Once only, and never after expiry. */
    assert_int_equal(st->ops->enrol_redeem(st, "", ch, "s", kh, 160, &s), MM_ESTATE);
    /* A second code that expires before use. */
    uint8_t ch2[MM_HASH_BYTES], kh2[MM_HASH_BYTES];
    struct mm_sensor s2;
    assert_int_equal(mm_enrol_code_new(code), 0);
    assert_int_equal(mm_enrol_code_hash(code, ch2), 0);
    assert_int_equal(st->ops->enrol_code_add(st, &test_actor, tenant, ch2, 100, 200), 0);
    mm_secret_hash("mms_other", kh2);
    assert_int_equal(st->ops->enrol_redeem(st, "", ch2, "s", kh2, 200, &s2), MM_ESTATE);
    return s;
}

static struct mm_ingest_event alert_event(int64_t seq, int64_t ts, const char *device)
{
    struct mm_ingest_event e = {.seq = seq, .ts = ts, .event_type = "alert", .is_alert = true};
    e.body = "{}";
    e.body_len = 2;
    e.alert.signature_id = 42;
    e.alert.severity = 2;
    e.alert.signature = "test signature";
    e.alert.device = device;
    e.stats_backlog = e.stats_drops = -1;
    return e;
}

static int count_alert(const struct mm_alert *a, void *arg)
{
    (void)a;
    (*(int *)arg)++;
    return 0;
}

static void test_ingest_idempotent_and_aggregated(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t t1 = add_tenant(st, "one");
    struct mm_sensor s = enrol(st, t1, "mms_key1");
    const int64_t H = 3600LL * 1000000;
    struct mm_ingest_event evs[4] = {
        alert_event(1, 10 * H, "aa:bb"),
        alert_event(2, 10 * H + 5, "aa:bb"),  /* same device, same window */
        alert_event(3, 10 * H + 10, "cc:dd"), /* other device */
        alert_event(4, 12 * H, "aa:bb"),      /* outside the window */
    };
    struct mm_ingest_opts o = {
        .now = 1000, .alert_window = H, .header_backlog = 7, .header_drops = -1};
    struct mm_ingest_result res;
    assert_int_equal(st->ops->events_ingest(st, &s, evs, 4, &o, &res), 0);
    assert_int_equal(res.accepted, 4);
    assert_int_equal(res.duplicates, 0);
    assert_int_equal(st->ops->events_ingest(st, &s, evs, 4, &o, &res), 0);
    assert_int_equal(res.accepted, 0);
    assert_int_equal(res.duplicates, 4);
    struct mm_scope own = mm_scope_tenant(t1);
    struct mm_alert_filter f = {.status = -1, .tenant_id = -1, .signature_id = -1};
    struct mm_page page = {.limit = 100};
    int n = 0;
    assert_int_equal(st->ops->alert_list(st, &own, &f, &page, count_alert, &n), 0);
    assert_int_equal(n, 3);
    struct mm_alert a;
    assert_int_equal(st->ops->alert_get(st, &own, 1, &a), 0);
    assert_int_equal(a.count, 2);
    assert_string_equal(a.device, "aa:bb");
    n = 0;
    assert_int_equal(st->ops->alerts_after(st, 1, 100, count_alert, &n), 0);
    assert_int_equal(n, 2);
    /* One batch, out of order, with a repeated seq and a storm on one key:
     * folded into the open alert, the repeat counted as a duplicate. */
    struct mm_ingest_event storm[6] = {
        alert_event(20, 10 * H + 50, "aa:bb"), alert_event(21, 10 * H + 20, "aa:bb"),
        alert_event(20, 10 * H + 99, "aa:bb"), alert_event(22, 10 * H + 30, "aa:bb"),
        alert_event(23, 10 * H + 40, "aa:bb"), alert_event(24, 20 * H, "aa:bb"),
    };
    storm[3].alert.severity = 1;
    assert_int_equal(st->ops->events_ingest(st, &s, storm, 6, &o, &res), 0);
    assert_int_equal(res.accepted, 5);
    assert_int_equal(res.duplicates, 1);
    assert_int_equal(st->ops->alert_get(st, &own, 1, &a), 0);
    assert_int_equal(a.count, 2 + 4);
    assert_int_equal(a.severity, 1);
    assert_int_equal(a.last_seen, 10 * H + 50);
    n = 0;
    assert_int_equal(st->ops->alert_list(st, &own, &f, &page, count_alert, &n), 0);
    assert_int_equal(n, 4); /* 20 H is a new alert */
    struct mm_sensor got;
    assert_int_equal(st->ops->sensor_get(st, &own, s.id, 1000, &got), 0);
    assert_int_equal(got.events_total, 4 + 5);
    assert_int_equal(got.spool_backlog, 7);
    /* State machine. */
    assert_int_equal(
        st->ops->alert_set_status(st, &own, &test_actor, 1, MM_ALERT_ACKNOWLEDGED, NULL, 0, 5, &a),
        0);
    assert_int_equal(
        st->ops->alert_set_status(st, &own, &test_actor, 1, MM_ALERT_ACKNOWLEDGED, NULL, 0, 5, &a),
        MM_ESTATE);
    assert_int_equal(
        st->ops->alert_set_status(st, &own, &test_actor, 1, MM_ALERT_CLOSED, "fp", 0, 6, &a), 0);
    assert_string_equal(a.close_reason, "fp");
    assert_int_equal(
        st->ops->alert_set_status(st, &own, &test_actor, 1, MM_ALERT_ESCALATED, NULL, 0, 7, &a),
        MM_ESTATE);
    mm_store_close(st);
}

/* Ingest stores which message it filled in (mm_ingest_alert_default_message),
 * per language, through both readers of an EVE line (the scanner and the
 * JSON tree): an older sensor's alert with an English message only takes
 * the generic next step in Japanese alone, one without mamori.message in
 * both, a current sensor's in neither. */
static void test_ingest_stores_filled_messages(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t t1 = add_tenant(st, "one");
    struct mm_sensor s = enrol(st, t1, "mms_key1");
    static const char *const lines[] = {
        "{\"seq\":1,\"timestamp\":\"2026-04-01T00:00:00Z\",\"event_type\":\"alert\","
        "\"src_ip\":\"10.0.0.1\",\"alert\":{\"signature_id\":9100102,\"signature\":\"a\","
        "\"severity\":2},\"mamori\":{\"detector\":\"intel\",\"message\":{\"en\":\"Own. Scan "
        "it.\"}}}",
        "{\"seq\":2,\"timestamp\":\"2026-04-01T00:00:00Z\",\"event_type\":\"alert\","
        "\"src_ip\":\"10.0.0.2\",\"alert\":{\"signature_id\":9100102,\"signature\":\"b\","
        "\"severity\":2},\"mamori\":{\"detector\":\"intel\"}}",
        "{\"seq\":3,\"timestamp\":\"2026-04-01T00:00:00Z\",\"event_type\":\"alert\","
        "\"src_ip\":\"10.0.0.3\",\"alert\":{\"signature_id\":9100102,\"signature\":\"c\","
        "\"severity\":2},\"mamori\":{\"detector\":\"intel\",\"message\":{\"ja\":\"独自です。"
        "\",\"en\":\"Own.\"}}}",
    };
    const bool want[][2] = {{true, false}, {true, true}, {false, false}};
    for (int scanner = 0; scanner < 2; scanner++) {
        struct mm_ingest_event evs[3];
        json_t *trees[3] = {NULL};
        struct mm_arena arena = MM_ARENA_INIT;
        for (size_t i = 0; i < 3; i++) {
            char why[128];
            if (scanner) {
                assert_int_equal(mm_ingest_event_scan(lines[i], strlen(lines[i]), &arena, &evs[i]),
                                 0);
            } else {
                assert_int_equal(
                    mm_eve_parse_line(lines[i], strlen(lines[i]), &trees[i], why, sizeof why), 0);
                assert_int_equal(mm_ingest_event_from_json(trees[i], lines[i], strlen(lines[i]),
                                                           &evs[i], why, sizeof why),
                                 0);
            }
            evs[i].seq += 10 * scanner;
            evs[i].ts += 24 * 3600LL * 1000000 * scanner; /* new alerts, not folded */
        }
        struct mm_ingest_opts o = {.now = 1000, .alert_window = 60, .header_drops = -1};
        struct mm_ingest_result res;
        assert_int_equal(st->ops->events_ingest(st, &s, evs, 3, &o, &res), 0);
        assert_int_equal(res.accepted, 3);
        struct mm_scope own = mm_scope_tenant(t1);
        for (size_t i = 0; i < 3; i++) {
            struct mm_alert a;
            assert_int_equal(st->ops->alert_get(st, &own, (int64_t)(3 * scanner + i + 1), &a), 0);
            assert_int_equal(a.filled_ja, want[i][0]);
            assert_int_equal(a.filled_en, want[i][1]);
            assert_int_equal(mm_alert_now(&a, MM_LANG_JA) != NULL, want[i][0]);
            assert_int_equal(mm_alert_now(&a, MM_LANG_EN) != NULL, want[i][1]);
        }
        for (size_t i = 0; i < 3; i++)
            json_decref(trees[i]);
        mm_arena_free(&arena);
    }
    mm_store_close(st);
}

/* Statements kept per pool connection (mm__sqlite_cached): the same statement
 * comes back reset and unbound, a handle from outside the pool or an unknown
 * slot is refused, and closing the store finalizes them (ASan's leak checker
 * would see a connection that sqlite3_close left open). */
static void test_cached_statements(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    sqlite3 *db = mm__sqlite_acquire(st);
    sqlite3_stmt *a = NULL, *b = NULL;
    const char *sql = "SELECT ?1 + 1";
    assert_int_equal(mm__sqlite_cached(st, db, MM_SQL_EVENT_MAX_SEQ, sql, &a), 0);
    sqlite3_bind_int(a, 1, 41);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(a, 0), 42);
    /* Left mid-row on purpose: the next fetch resets it and clears ?1. */
    assert_int_equal(mm__sqlite_cached(st, db, MM_SQL_EVENT_MAX_SEQ, sql, &b), 0);
    assert_ptr_equal(a, b);
    assert_false(sqlite3_stmt_busy(b));
    assert_int_equal(sqlite3_step(b), SQLITE_ROW);
    assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
    mm__sqlite_cached_done(b);
    mm__sqlite_cached_done(NULL);
    assert_int_equal(mm__sqlite_cached(st, db, MM_SQL_SLOTS, sql, &b), MM_EINVAL);
    assert_null(b);
    sqlite3 *other = raw_db();
    assert_int_equal(mm__sqlite_cached(st, other, MM_SQL_EVENT_MAX_SEQ, sql, &b), MM_EINVAL);
    assert_null(b);
    sqlite3_close(other);
    mm__sqlite_release(st, db);
    mm_store_close(st);
}

static void test_tenant_scoping(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t t1 = add_tenant(st, "one"), t2 = add_tenant(st, "two");
    struct mm_sensor s2 = enrol(st, t2, "mms_key2");
    struct mm_ingest_event e = alert_event(1, 1000, "x");
    struct mm_ingest_opts o = {
        .now = 1, .alert_window = 1, .header_backlog = -1, .header_drops = -1};
    struct mm_ingest_result res;
    assert_int_equal(st->ops->events_ingest(st, &s2, &e, 1, &o, &res), 0);
    struct mm_user u = {.tenant_id = t2, .role = MM_ROLE_STAFF, .lang = "ja", .created_at = 1};
    snprintf(u.email, sizeof u.email, "b@two.example");
    struct mm_scope scope2 = mm_scope_tenant(t2), scope1 = mm_scope_for(MM_ROLE_OWNER, t1);
    assert_false(scope1.all_tenants);
    assert_int_equal(st->ops->user_add(st, &scope2, &test_actor, &u, &u.id), 0);
    /* Tenant one cannot add users to tenant two, nor see anything of it. */
    assert_int_equal(st->ops->user_add(st, &scope1, &test_actor, &u, NULL), MM_ENOENT);
    struct mm_user gu;
    struct mm_tenant gt;
    struct mm_sensor gs;
    struct mm_alert ga;
    assert_int_equal(st->ops->user_get(st, &scope1, u.id, &gu), MM_ENOENT);
    assert_int_equal(st->ops->tenant_get(st, &scope1, t2, &gt), MM_ENOENT);
    assert_int_equal(st->ops->sensor_get(st, &scope1, s2.id, 0, &gs), MM_ENOENT);
    assert_int_equal(st->ops->alert_get(st, &scope1, 1, &ga), MM_ENOENT);
    assert_int_equal(
        st->ops->alert_set_status(st, &scope1, &test_actor, 1, MM_ALERT_CLOSED, "x", 0, 1, NULL),
        MM_ENOENT);
    struct mm_alert_filter f = {.status = -1, .tenant_id = t2, .signature_id = -1};
    struct mm_page page = {.limit = 100};
    int n = 0;
    assert_int_equal(st->ops->alert_list(st, &scope1, &f, &page, count_alert, &n), 0);
    assert_int_equal(n, 0);
    /* The same reads work inside tenant two and for the vendor. */
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ANALYST, 0);
    assert_true(vendor.all_tenants);
    assert_int_equal(st->ops->alert_get(st, &scope2, 1, &ga), 0);
    assert_int_equal(st->ops->alert_get(st, &vendor, 1, &ga), 0);
    assert_int_equal(st->ops->alert_list(st, &vendor, &f, &page, count_alert, &n), 0);
    assert_int_equal(n, 1);
    /* An SME role in tenant 0 would still not get an all-tenant scope. */
    assert_false(mm_scope_for(MM_ROLE_OWNER, 0).all_tenants);
    mm_store_close(st);
}

/* Counts the alerts matching text for scope (and tenant filter, -1 any);
 * every match must belong to want_tenant when that is >= 0. */
struct search_count {
    int n;
    int64_t want_tenant;
};

static int count_search_hit(const struct mm_alert *a, void *arg)
{
    struct search_count *c = arg;
    if (c->want_tenant >= 0)
        assert_int_equal(a->tenant_id, c->want_tenant);
    c->n++;
    return 0;
}

static int search(struct mm_store *st, const struct mm_scope *scope, int64_t tenant,
                  const char *text, int64_t want_tenant)
{
    struct mm_alert_filter f = {.status = -1, .tenant_id = tenant, .signature_id = -1};
    struct mm_page page = {.limit = 100};
    struct search_count c = {.want_tenant = want_tenant};
    f.text = text;
    assert_int_equal(st->ops->alert_list(st, scope, &f, &page, count_search_hit, &c), 0);
    return c.n;
}

/* q matches the stored ja/en messages as well as the signature, device and
 * addresses; LIKE wildcards in the text are literal; another tenant's
 * alert with the same words never comes back. */
static void test_text_search_messages(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t t1 = add_tenant(st, "one"), t2 = add_tenant(st, "two");
    struct mm_sensor s1 = enrol(st, t1, "mms_key1"), s2 = enrol(st, t2, "mms_key2");
    struct mm_ingest_event e1 = alert_event(1, 1000, "aa:bb"), e2 = alert_event(1, 1000, "aa:bb");
    struct mm_ingest_event w = alert_event(2, 2000, "cc:dd");
    e1.alert.message_ja = e2.alert.message_ja = "社内の複合機が不審な相手と通信しました。";
    e1.alert.message_en = e2.alert.message_en = "The office printer talked to a suspicious server.";
    w.alert.signature_id = 43;
    w.alert.message_ja = "進捗 100%_完了\\です。";
    w.alert.message_en = "Backup 100%_done\\ now.";
    struct mm_ingest_opts o = {
        .now = 1, .alert_window = 1, .header_backlog = -1, .header_drops = -1};
    struct mm_ingest_result res;
    assert_int_equal(st->ops->events_ingest(st, &s1, &e1, 1, &o, &res), 0);
    assert_int_equal(st->ops->events_ingest(st, &s1, &w, 1, &o, &res), 0);
    assert_int_equal(st->ops->events_ingest(st, &s2, &e2, 1, &o, &res), 0);
    struct mm_scope own = mm_scope_tenant(t1), vendor = mm_scope_for(MM_ROLE_ANALYST, 0);
    /* a Japanese word of the ja message, an English one of the en message */
    assert_int_equal(search(st, &own, -1, "複合機", t1), 1);
    assert_int_equal(search(st, &own, -1, "suspicious", t1), 1);
    assert_int_equal(search(st, &own, -1, "SUSPICIOUS Server", t1), 1); /* ASCII case folded */
    assert_int_equal(search(st, &own, -1, "不審な相手は", t1), 0);
    /* tenant one never sees tenant two's alert, even when asking for it:
     * an SME scope's list filtered on another tenant is empty (it gave the
     * SME's own alert until session 20), on its own the same as without */
    assert_int_equal(search(st, &own, t2, "複合機", t1), 0);
    assert_int_equal(search(st, &own, t1, "複合機", t1), 1);
    assert_int_equal(search(st, &vendor, -1, "複合機", -1), 2);
    assert_int_equal(search(st, &vendor, t2, "suspicious", t2), 1);
    /* %, _ and \ are taken as written, not as wildcards */
    assert_int_equal(search(st, &own, -1, "%", t1), 1);
    assert_int_equal(search(st, &own, -1, "100%_完了\\", t1), 1);
    assert_int_equal(search(st, &own, -1, "100%_done\\", t1), 1);
    assert_int_equal(search(st, &own, -1, "_done", t1), 1);
    assert_int_equal(search(st, &own, -1, "100_", t1), 0); /* "_" is no wildcard */
    assert_int_equal(search(st, &own, -1, "\\ now", t1), 1);
    assert_int_equal(search(st, &own, -1, "p%r", t1), 0); /* "%" is no wildcard */
    /* the older fields still match */
    assert_int_equal(search(st, &own, -1, "cc:dd", t1), 1);
    assert_int_equal(search(st, &own, -1, "test signature", t1), 2);
    mm_store_close(st);
}

static void test_audit_append_only(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    add_tenant(st, "one");
    mm_store_close(st);
    sqlite3 *db = raw_db();
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'x'", NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM audit WHERE action = "
                                        "'tenant.add' AND actor = 'test'",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(stmt, 0), 1);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

static int64_t add_user_as(struct mm_store *st, int64_t tenant, enum mm_role role,
                           const char *email)
{
    struct mm_user u = {
        .tenant_id = tenant, .role = role, .lang = "ja", .created_at = 1, .password_hash = "h0"};
    struct mm_scope all = mm_scope_for(MM_ROLE_ADMIN, 0);
    snprintf(u.email, sizeof u.email, "%s", email);
    assert_int_equal(st->ops->user_add(st, &all, &test_actor, &u, &u.id), 0);
    return u.id;
}

/* Adds a sign-in's session for user, whose password hash verified was
 * checked; the store's answer. */
static int try_session(struct mm_store *st, int64_t tenant, int64_t user,
                       uint8_t hash[MM_HASH_BYTES], int seed, const char *verified)
{
    struct mm_session s = {
        .tenant_id = tenant, .user_id = user, .created_at = 1, .expires_at = INT64_MAX / 2};
    memset(hash, seed, MM_HASH_BYTES);
    memcpy(s.token_hash, hash, MM_HASH_BYTES);
    snprintf(s.csrf, sizeof s.csrf, "csrf%d", seed);
    return st->ops->session_add(st, &test_actor, &s, verified);
}

/* A session of a user still at add_user_as's password hash. */
static void add_session(struct mm_store *st, int64_t tenant, int64_t user,
                        uint8_t hash[MM_HASH_BYTES], int seed)
{
    assert_int_equal(try_session(st, tenant, user, hash, seed, "h0"), 0);
}

/* Audit rows with action and, unless detail is NULL, that detail. */
static int count_audit_detail(const char *action, const char *detail)
{
    sqlite3 *db = raw_db();
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM audit WHERE action = ?1 "
                                        "AND (?2 IS NULL OR detail = ?2)",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, action, -1, SQLITE_STATIC);
    if (detail)
        sqlite3_bind_text(stmt, 2, detail, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int n = sqlite3_column_int(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return n;
}

static int count_audit(const char *action)
{
    return count_audit_detail(action, NULL);
}

struct actor_tenants {
    char actor[8][32];
    int64_t tenant[8];
    int n;
};

static int note_actor_tenant(const struct mm_audit_entry *a, void *arg)
{
    struct actor_tenants *seen = arg;
    if (strcmp(a->action, "probe") != 0 || seen->n == 8)
        return 0;
    snprintf(seen->actor[seen->n], sizeof seen->actor[0], "%s", a->actor);
    seen->tenant[seen->n++] = a->actor_tenant;
    return 0;
}

/* audit_list gives each entry its actor's tenant (the same query as the
 * rows: the API masks the vendor's addresses from it without a look-up per
 * row): a user's tenant, -1 for a user that does not exist and for actors
 * that are not users. */
static void test_audit_actor_tenant(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t t1 = add_tenant(st, "one");
    int64_t staff = add_user_as(st, t1, MM_ROLE_STAFF, "s@one.example");
    int64_t admin = add_user_as(st, 0, MM_ROLE_ADMIN, "a@vendor.example");
    char names[6][32];
    snprintf(names[0], sizeof names[0], "user:%lld", (long long)staff);
    snprintf(names[1], sizeof names[1], "user:%lld", (long long)admin);
    snprintf(names[2], sizeof names[2], "user:%lld", (long long)(admin + 1000));
    snprintf(names[3], sizeof names[3], "token:%lld", (long long)staff);
    snprintf(names[4], sizeof names[4], "cli:root");
    snprintf(names[5], sizeof names[5], "sensor:%lld", (long long)staff);
    for (int i = 0; i < 6; i++) {
        struct mm_actor who = {.name = names[i], .tenant_id = t1, .address = "192.0.2.1"};
        assert_int_equal(st->ops->audit_add(st, &who, "probe", "", ""), 0);
    }
    struct mm_scope own = mm_scope_tenant(t1);
    struct mm_page page = {.limit = 100};
    struct actor_tenants seen = {.n = 0};
    assert_int_equal(st->ops->audit_list(st, &own, -1, &page, note_actor_tenant, &seen), 0);
    const int64_t want[6] = {t1, 0, -1, -1, -1, -1};
    assert_int_equal(seen.n, 6);
    for (int i = 0; i < 6; i++) { /* newest first */
        assert_string_equal(seen.actor[5 - i], names[i]);
        assert_int_equal(seen.tenant[5 - i], want[i]);
    }
    mm_store_close(st);
}

/* The two sign-in races, made deterministic by calling the store in the
 * order a slow argon2 check lets happen: a sign-in that verified the old
 * hash stores its session after the password changed (or the account was
 * disabled), and a sign-in's re-hash lands after a reset. */
static void test_signin_after_password_change(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t t1 = add_tenant(st, "one");
    int64_t staff = add_user_as(st, t1, MM_ROLE_STAFF, "s@one.example");
    struct mm_scope own = mm_scope_tenant(t1);
    uint8_t a[MM_HASH_BYTES], b[MM_HASH_BYTES];
    struct mm_session found;
    struct mm_user u;
    add_session(st, t1, staff, a, 1);
    assert_int_equal(count_audit("session.login"), 1);
    /* The password changes (the sessions end) while another sign-in that
     * checked the old hash is still hashing: its session is refused. */
    assert_int_equal(st->ops->user_password_change(st, &own, &test_actor, "user.password_reset",
                                                   staff, NULL, "h1", true, NULL, 5, NULL),
                     0);
    assert_int_equal(try_session(st, t1, staff, b, 2, "h0"), MM_EAUTH);
    assert_int_equal(st->ops->session_find(st, b, 3, &found), MM_ENOENT);
    assert_int_equal(st->ops->session_find(st, a, 3, &found), MM_ENOENT);
    assert_int_equal(count_audit("session.login"), 1);
    /* An unknown user, an empty hash: refused too. */
    assert_int_equal(try_session(st, t1, staff + 100, b, 2, "h1"), MM_EAUTH);
    assert_int_equal(try_session(st, t1, staff, b, 2, ""), MM_EAUTH);
    assert_int_equal(try_session(st, t1, staff, b, 2, "h1"), 0);
    assert_int_equal(st->ops->session_find(st, b, 3, &found), 0);
    /* The re-hash of a sign-in that checked h0 comes after the reset to h1:
     * h1 stands, and so does the must-change flag. */
    assert_int_equal(st->ops->user_rehash_password(st, staff, "h0", "h0-fresh"), MM_ESTATE);
    assert_int_equal(st->ops->user_get(st, &own, staff, &u), 0);
    assert_string_equal(u.password_hash, "h1");
    assert_true(u.must_change);
    assert_int_equal(st->ops->user_rehash_password(st, staff, "h1", "h1-fresh"), 0);
    assert_int_equal(st->ops->user_get(st, &own, staff, &u), 0);
    assert_string_equal(u.password_hash, "h1-fresh");
    assert_true(u.must_change);
    /* One's own change that checked h0 commits after the reset: refused, the
     * reset stands; checked against the stored hash it is written. */
    assert_int_equal(st->ops->user_password_change(st, &own, &test_actor, "user.password", staff,
                                                   "h0", "h2", false, NULL, 5, NULL),
                     MM_ESTATE);
    assert_int_equal(st->ops->user_get(st, &own, staff, &u), 0);
    assert_string_equal(u.password_hash, "h1-fresh");
    assert_true(u.must_change);
    assert_int_equal(st->ops->session_find(st, b, 3, &found), 0);
    struct mm_scope other = mm_scope_tenant(t1 + 1);
    assert_int_equal(st->ops->user_password_change(st, &other, &test_actor, "user.password", staff,
                                                   "h0", "h2", false, NULL, 5, NULL),
                     MM_ENOENT);
    /* Disabled between the check and the insert: refused as well. */
    assert_int_equal(st->ops->user_set_disabled(st, &own, &test_actor, staff, true, 6), 0);
    assert_int_equal(try_session(st, t1, staff, a, 1, "h1-fresh"), MM_EAUTH);
    assert_int_equal(st->ops->session_find(st, a, 3, &found), MM_ENOENT);
    assert_int_equal(st->ops->user_set_disabled(st, &own, &test_actor, staff, false, 7), 0);
    assert_int_equal(try_session(st, t1, staff, a, 1, "h1-fresh"), 0);
    assert_int_equal(count_audit("session.login"), 3);
    mm_store_close(st);
}

/* A new password ends the user's other sessions, in scope only, and a reset
 * also revokes the user's API tokens; disabling ends all sessions and never
 * takes the last active admin, whoever asks. */
static void test_account_life_cycle(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t t1 = add_tenant(st, "one"), t2 = add_tenant(st, "two");
    int64_t staff = add_user_as(st, t1, MM_ROLE_STAFF, "s@one.example");
    int64_t admin = add_user_as(st, 0, MM_ROLE_ADMIN, "a@vendor.example");
    uint8_t keep[MM_HASH_BYTES], gone[MM_HASH_BYTES];
    struct mm_session found;
    struct mm_user u;
    add_session(st, t1, staff, keep, 1);
    add_session(st, t1, staff, gone, 2);
    struct mm_scope own = mm_scope_tenant(t1), other = mm_scope_tenant(t2);
    struct mm_password_outcome done = {-1, -1};
    assert_int_equal(st->ops->user_password_change(st, &other, &test_actor, "user.password", staff,
                                                   "h0", "h", false, NULL, 5, &done),
                     MM_ENOENT);
    assert_int_equal(st->ops->session_find(st, gone, 3, &found), 0);
    /* API tokens: two of the user's (one already revoked), one of the admin. */
    uint8_t tok[4][MM_HASH_BYTES];
    int64_t tok_id[4];
    for (int i = 0; i < 4; i++) {
        memset(tok[i], 0x40 + i, MM_HASH_BYTES);
        assert_int_equal(
            st->ops->token_add(st, &test_actor, i < 3 ? staff : admin, tok[i], 1, &tok_id[i]), 0);
    }
    assert_int_equal(st->ops->token_revoke(st, &test_actor, tok_id[2], NULL, 2), 0);
    /* One's own change (checked against h0): other sessions end, tokens stay. */
    assert_int_equal(st->ops->user_password_change(st, &own, &test_actor, "user.password", staff,
                                                   "h0", "h", false, keep, 5, &done),
                     0);
    assert_int_equal(done.sessions_ended, 1);
    assert_int_equal(done.tokens_revoked, 0);
    assert_int_equal(st->ops->session_find(st, keep, 3, &found), 0);
    assert_int_equal(st->ops->session_find(st, gone, 3, &found), MM_ENOENT);
    assert_int_equal(st->ops->token_find(st, tok[0], &u, NULL), 0);
    assert_int_equal(st->ops->token_find(st, tok[1], &u, NULL), 0);
    /* A reset (no current hash): every session ends, the user's live tokens
     * are revoked; another user's token stays. */
    assert_int_equal(st->ops->user_password_change(st, &own, &test_actor, "user.password_reset",
                                                   staff, NULL, "h2", true, NULL, 6, &done),
                     0);
    assert_int_equal(done.sessions_ended, 1);
    assert_int_equal(done.tokens_revoked, 2);
    assert_int_equal(st->ops->token_find(st, tok[0], &u, NULL), MM_ENOENT);
    assert_int_equal(st->ops->token_find(st, tok[1], &u, NULL), MM_ENOENT);
    assert_int_equal(st->ops->token_find(st, tok[3], &u, NULL), 0);
    assert_int_equal(count_audit_detail("user.password", "sessions_ended=1"), 1);
    assert_int_equal(count_audit_detail("user.password_reset",
                                        "sessions_ended=1 tokens_revoked=2 must_change=1"),
                     1);
    /* Refused (out of scope): nothing revoked, nothing counted. */
    assert_int_equal(st->ops->user_password_change(st, &other, &test_actor, "user.password_reset",
                                                   staff, NULL, "h3", true, NULL, 7, &done),
                     MM_ENOENT);
    assert_int_equal(done.tokens_revoked, 0);
    assert_int_equal(st->ops->user_get(st, &own, staff, &u), 0);
    assert_true(u.must_change);
    assert_string_equal(u.password_hash, "h2");
    assert_int_equal(st->ops->user_set_disabled(st, &other, &test_actor, staff, true, 6),
                     MM_ENOENT);
    assert_int_equal(st->ops->user_set_disabled(st, &own, &test_actor, staff, true, 6), 0);
    assert_int_equal(st->ops->session_find(st, keep, 3, &found), MM_ENOENT);
    assert_int_equal(st->ops->user_get(st, &own, staff, &u), 0);
    assert_int_equal(u.disabled_at, 6);
    /* The only admin cannot go, even asked by the store's other callers. */
    struct mm_scope all = mm_scope_for(MM_ROLE_ADMIN, 0);
    assert_int_equal(st->ops->user_set_disabled(st, &all, &test_actor, admin, true, 7), MM_ESTATE);
    int64_t second = add_user_as(st, 0, MM_ROLE_ADMIN, "b@vendor.example");
    assert_int_equal(st->ops->user_set_disabled(st, &all, &test_actor, admin, true, 7), 0);
    assert_int_equal(st->ops->user_set_disabled(st, &all, &test_actor, second, true, 7), MM_ESTATE);
    assert_int_equal(st->ops->user_set_disabled(st, &all, &test_actor, admin, false, 8), 0);
    assert_int_equal(st->ops->user_set_disabled(st, &all, &test_actor, second, true, 9), 0);
    mm_store_close(st);
}

/* Text read back into a fixed buffer is cut at a character boundary, so a
 * Japanese name never ends in half a character (invalid UTF-8). */
static void test_copy_text_cuts_at_character(void **state)
{
    (void)state;
    sqlite3 *db;
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT '山田製作所', NULL", -1, &stmt, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    char out[8], whole[64];
    mm__sqlite_copy_text(out, sizeof out, stmt, 0); /* 7 bytes fit: two characters */
    assert_true(mm_utf8_valid(out, strlen(out), NULL));
    assert_string_equal(out, "山田");
    mm__sqlite_copy_text(whole, sizeof whole, stmt, 0);
    assert_string_equal(whole, "山田製作所");
    mm__sqlite_copy_text(whole, sizeof whole, stmt, 1);
    assert_string_equal(whole, "");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_text_cuts_at_character),
        cmocka_unit_test_setup_teardown(test_fresh_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_from_version_1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upgrade_classifies_filled_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_idempotent_and_aggregated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_stores_filled_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cached_statements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tenant_scoping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_search_messages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_append_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_actor_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_account_life_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signin_after_password_change, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
