/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the emergency-mail slots of the storage interface (store.h
 * group "emergency mail", SQLite: store-sqlite-{contacts,mail}.c) on a real
 * database file: contacts and the outbox are tenant-scoped like every other
 * slot (a tenant outside the scope does not exist), the on-duty flag is for
 * vendor users only, and the mail thread's steps (scan, claim, transfer,
 * recover, resend) run through the interface: the queued message lists
 * nobody in its headers while the row keeps every recipient, and a contact
 * containing the duty address does not hide it. Severity rises through
 * aggregation: one 'rise' row per alert and level at or above the tenant's
 * mail severity, none for an alert the scan has not passed yet; with alert
 * rows written per interval, a rise that commits after the scan's
 * write-before-read and before its transaction is still mailed, and the
 * scan waits for the rows past the readers' bound (another process's write
 * lock): its mail counts every event. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/auth.h"
#include "center/mail.h"
#include "center/store-sqlite.h"
#include "center/store.h"
#include "core/buf.h"
#include "core/error.h"
#include "../test-tmpdir.h"

#define S 1000000LL

static char dir[256];
static const struct mm_actor actor = {.name = "test", .tenant_id = 0, .address = ""};

static int setup(void **state)
{
    (void)state;
    return test_tmpdir_make(dir, sizeof dir, "mail-store");
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

static struct mm_store *open_store(void)
{
    struct mm_store_config cfg = {.dir = dir, .connections = 2, .sync_full = false};
    struct mm_store *st = NULL;
    char err[256];
    assert_int_equal(mm_store_open_sqlite(&cfg, &st, err, sizeof err), 0);
    return st;
}

static int64_t add_tenant(struct mm_store *st, const char *name)
{
    struct mm_tenant t = {.lang = "en", .mail_severity = 2, .created_at = 1};
    snprintf(t.name, sizeof t.name, "%s", name);
    int64_t id = 0;
    assert_int_equal(st->ops->tenant_add(st, &actor, &t, &id), 0);
    return id;
}

static int64_t add_user(struct mm_store *st, int64_t tenant, const char *email, enum mm_role role)
{
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_user u = {.tenant_id = tenant, .role = role, .lang = "en", .created_at = 1};
    snprintf(u.email, sizeof u.email, "%s", email);
    int64_t id = 0;
    assert_int_equal(st->ops->user_add(st, &vendor, &actor, &u, &id), 0);
    return id;
}

/* A freshly enrolled sensor of tenant. */
static struct mm_sensor enrol(struct mm_store *st, int64_t tenant, int64_t seq)
{
    char code[MM_ENROL_CODE_MAX], key[32];
    uint8_t ch[MM_HASH_BYTES], kh[MM_HASH_BYTES];
    struct mm_sensor s;
    assert_int_equal(mm_enrol_code_new(code), 0);
    assert_int_equal(mm_enrol_code_hash(code, ch), 0);
    assert_int_equal(st->ops->enrol_code_add(st, &actor, tenant, ch, 100, 200), 0);
    snprintf(key, sizeof key, "mms_%lld_%lld", (long long)tenant, (long long)seq);
    mm_secret_hash(key, kh);
    assert_int_equal(st->ops->enrol_redeem(st, "", ch, "s", kh, 150, &s), 0);
    return s;
}

/* One alert event of this severity through sensor s. */
static void ingest_alert(struct mm_store *st, const struct mm_sensor *sp, int64_t seq, int severity)
{
    struct mm_sensor s = *sp;
    struct mm_ingest_event e = {.seq = seq, .ts = 10 * S, .event_type = "alert", .is_alert = true};
    e.body = "{}";
    e.body_len = 2;
    e.alert.signature_id = 9100100;
    e.alert.severity = severity;
    e.alert.signature = "sig";
    e.alert.device = "aa:bb";
    e.stats_backlog = e.stats_drops = -1;
    struct mm_ingest_opts o = {
        .now = 1000, .alert_window = 3600 * S, .header_backlog = -1, .header_drops = -1};
    struct mm_ingest_result res;
    assert_int_equal(st->ops->events_ingest(st, &s, &e, 1, &o, &res), 0);
}

/* One alert event of this severity for tenant through a freshly enrolled
 * sensor; events of one tenant fold into one alert (same key and window). */
static void add_alert_at(struct mm_store *st, int64_t tenant, int64_t seq, int severity)
{
    struct mm_sensor s = enrol(st, tenant, seq);
    ingest_alert(st, &s, seq, severity);
}

static void add_alert(struct mm_store *st, int64_t tenant, int64_t seq)
{
    add_alert_at(st, tenant, seq, 1);
}

static int count_contact(const struct mm_contact *c, void *arg)
{
    (void)c;
    (*(int *)arg)++;
    return 0;
}

static void test_contacts_scoped(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t a = add_tenant(st, "A"), b = add_tenant(st, "B");
    struct mm_scope sa = mm_scope_tenant(a), vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_contact items[2] = {{.name = "Owner", .email = "owner@a.example"},
                                  {.name = "", .email = "it@a.example"}};
    int n = 0;
    assert_int_equal(st->ops->contact_replace(st, &sa, &actor, a, items, 2, 5), 0);
    assert_int_equal(st->ops->contact_list(st, &sa, a, count_contact, &n), 0);
    assert_int_equal(n, 2);
    /* another tenant's list does not exist for A, neither to read nor to write */
    assert_int_equal(st->ops->contact_list(st, &sa, b, count_contact, &n), MM_ENOENT);
    assert_int_equal(st->ops->contact_replace(st, &sa, &actor, b, items, 1, 5), MM_ENOENT);
    n = 0;
    assert_int_equal(st->ops->contact_list(st, &vendor, b, count_contact, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(st->ops->contact_list(st, &vendor, 999, count_contact, &n), MM_ENOENT);
    assert_int_equal(
        st->ops->contact_replace(st, &vendor, &actor, a, items, MM_CONTACTS_MAX + 1, 5), MM_ELIMIT);
    /* the duty flag: vendor users only, vendor scope only */
    int64_t analyst = add_user(st, 0, "analyst@vendor.example", MM_ROLE_ANALYST);
    int64_t owner = add_user(st, a, "boss@a.example", MM_ROLE_OWNER);
    assert_int_equal(st->ops->user_set_duty(st, &sa, &actor, analyst, true, 6), MM_ENOENT);
    assert_int_equal(st->ops->user_set_duty(st, &vendor, &actor, owner, true, 6), MM_ENOENT);
    assert_int_equal(st->ops->user_set_duty(st, &vendor, &actor, analyst, true, 6), 0);
    mm_store_close(st);
}

struct entries {
    int n;
    int64_t tenant[8];
};

static int collect_entry(const struct mm_mail_entry *e, void *arg)
{
    struct entries *l = arg;
    if (l->n < 8)
        l->tenant[l->n] = e->tenant_id;
    l->n++;
    return 0;
}

static void test_outbox_through_the_interface(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t a = add_tenant(st, "A2"), b = add_tenant(st, "B2");
    struct mm_scope sa = mm_scope_tenant(a), sb = mm_scope_tenant(b);
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_contact ca[1] = {{.email = "isoc@vendor.jp"}}, cb[1] = {{.email = "owner@b.jp"}};
    assert_int_equal(st->ops->contact_replace(st, &vendor, &actor, a, ca, 1, 5), 0);
    assert_int_equal(st->ops->contact_replace(st, &vendor, &actor, b, cb, 1, 5), 0);
    /* an analyst on duty who has left (disabled) gets no mail */
    int64_t gone = add_user(st, 0, "gone@vendor.example", MM_ROLE_ANALYST);
    assert_int_equal(st->ops->user_set_duty(st, &vendor, &actor, gone, true, 6), 0);
    assert_int_equal(st->ops->user_set_disabled(st, &vendor, &actor, gone, true, 7), 0);
    add_alert(st, a, 1);
    add_alert(st, b, 1);
    struct mm_mail_config cfg;
    char err[256];
    assert_int_equal(mm_mail_config_load(NULL, &cfg, err, sizeof err), 0);
    cfg.from = "mamori <alerts@vendor.jp>";
    cfg.duty = "soc@vendor.jp";
    int queued = 0;
    assert_int_equal(st->ops->mail_scan(st, &cfg, 10 * S, &queued), 0);
    assert_int_equal(queued, 2);
    /* the first row: A's alert, to the analyst on duty (set in the test
     * above), the contact and the duty address (exact matches: isoc@ does
     * not hide soc@), nobody named in the headers */
    struct mm_mail_row row;
    assert_int_equal(st->ops->mail_claim(st, 10 * S, &row), 0);
    assert_string_equal(row.recipients, "analyst@vendor.example,isoc@vendor.jp,soc@vendor.jp");
    assert_non_null(strstr(row.message, "\r\nTo: undisclosed-recipients:;\r\n"));
    assert_null(strstr(row.message, "soc@vendor.jp"));
    assert_null(strstr(row.message, "analyst@"));
    assert_int_equal(st->ops->mail_mark_transfer(st, row.id), 0);
    int64_t id_a = row.id;
    mm__mail_row_free(&row);
    /* a crash while transferring: uncertain, never resent by itself */
    int requeued = 0, uncertain = 0;
    assert_int_equal(st->ops->mail_recover(st, 11 * S, &requeued, &uncertain), 0);
    assert_int_equal(uncertain, 1);
    /* the list is scoped: A sees its row only, B its own, the vendor both */
    struct mm_page pg = {.limit = 10};
    struct entries l = {0};
    assert_int_equal(st->ops->mail_list(st, &sa, NULL, -1, &pg, collect_entry, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(l.tenant[0], a);
    memset(&l, 0, sizeof l);
    assert_int_equal(st->ops->mail_list(st, &sb, NULL, a, &pg, collect_entry, &l), 0);
    assert_int_equal(l.n, 0);
    memset(&l, 0, sizeof l);
    assert_int_equal(st->ops->mail_list(st, &vendor, NULL, -1, &pg, collect_entry, &l), 0);
    assert_int_equal(l.n, 2);
    memset(&l, 0, sizeof l);
    assert_int_equal(st->ops->mail_list(st, &vendor, "uncertain", -1, &pg, collect_entry, &l), 0);
    assert_int_equal(l.n, 1);
    assert_int_equal(st->ops->mail_list(st, &vendor, "bogus", -1, &pg, collect_entry, &l),
                     MM_EINVAL);
    /* resend: outside the scope the row does not exist; a pending row is not resent */
    assert_int_equal(st->ops->mail_resend(st, &sb, &actor, id_a, 12 * S), MM_ENOENT);
    assert_int_equal(st->ops->mail_resend(st, &vendor, &actor, id_a + 1, 12 * S), MM_ESTATE);
    assert_int_equal(st->ops->mail_resend(st, &vendor, &actor, id_a, 12 * S), 0);
    assert_int_equal(st->ops->mail_claim(st, 12 * S, &row), 0);
    assert_int_equal(row.id, id_a);
    assert_int_equal(st->ops->mail_finish(st, &cfg, row.id, row.attempts, true, NULL, 13 * S), 0);
    mm__mail_row_free(&row);
    mm_store_close(st);
}

static int collect_kind(const struct mm_mail_entry *e, void *arg)
{
    struct mm_buf *b = arg;
    return mm_buf_printf(b, "%s%s", b->len ? "," : "", e->kind);
}

/* The kinds of tenant's outbox rows, newest first ("rise,alert"). */
static void expect_kinds(struct mm_store *st, int64_t tenant, const char *want)
{
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_page pg = {.limit = 10};
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(st->ops->mail_list(st, &vendor, NULL, tenant, &pg, collect_kind, &b), 0);
    assert_string_equal(mm_buf_str(&b), want);
    mm_buf_free(&b);
}

static int scan(struct mm_store *st, const struct mm_mail_config *cfg)
{
    int queued = -1;
    assert_int_equal(st->ops->mail_scan(st, cfg, 20 * S, &queued), 0);
    return queued;
}

static void test_severity_rises(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_contact c[1] = {{.email = "owner@rise.jp"}};
    struct mm_mail_config cfg;
    char err[256];
    assert_int_equal(mm_mail_config_load(NULL, &cfg, err, sizeof err), 0);
    cfg.immediate_max = 100;
    int64_t a = add_tenant(st, "Rise A"), b = add_tenant(st, "Rise B"); /* mail_severity 2 */
    assert_int_equal(st->ops->contact_replace(st, &vendor, &actor, a, c, 1, 5), 0);
    assert_int_equal(st->ops->contact_replace(st, &vendor, &actor, b, c, 1, 5), 0);
    scan(st, &cfg); /* rows of the tests before */
    /* 4 -> 3 stays below the threshold; 3 -> 2 reaches it; 2 again is no
     * rise; 2 -> 1 is one more; each level once. */
    add_alert_at(st, a, 1, 4);
    assert_int_equal(scan(st, &cfg), 0);
    add_alert_at(st, a, 2, 3);
    assert_int_equal(scan(st, &cfg), 0);
    add_alert_at(st, a, 3, 2);
    assert_int_equal(scan(st, &cfg), 1);
    assert_int_equal(scan(st, &cfg), 0);
    add_alert_at(st, a, 4, 2);
    assert_int_equal(scan(st, &cfg), 0);
    add_alert_at(st, a, 5, 1);
    add_alert_at(st, a, 6, 1);
    assert_int_equal(scan(st, &cfg), 1);
    expect_kinds(st, a, "rise,rise");
    /* Not scanned yet when it rises: one alert mail at the risen level. */
    add_alert_at(st, b, 1, 3);
    add_alert_at(st, b, 2, 1);
    assert_int_equal(scan(st, &cfg), 1);
    assert_int_equal(scan(st, &cfg), 0);
    expect_kinds(st, b, "alert");
    mm_store_close(st);
}

struct scan_arg {
    struct mm_store *st;
    const struct mm_mail_config *cfg;
    int queued;
};

static void *scan_thread(void *p)
{
    struct scan_arg *a = p;
    a->queued = -1;
    if (a->st->ops->mail_scan(a->st, a->cfg, 20 * S, &a->queued) != 0)
        a->queued = -2;
    return NULL;
}

/* Alert rows written per interval (the server's setting): the scan writes
 * the waiting rows before it reads (mm__sqlite_acquire), then waits for a
 * pool connection (here: the only one, held by this thread) and its
 * transaction. A batch that raises a not yet scanned alert's severity and
 * commits in between must still be mailed at the risen level: its row holds
 * the risen severity when the scan reads it, or the rise is noted. */
static void test_rise_between_flush_and_scan(void **state)
{
    (void)state;
    struct mm_store_config sc = {
        .dir = dir, .connections = 1, .sync_full = false, .alert_flush_usec = 3600 * S};
    struct mm_store *st = NULL;
    char err[256];
    assert_int_equal(mm_store_open_sqlite(&sc, &st, err, sizeof err), 0);
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_contact c[1] = {{.email = "owner@race.jp"}};
    struct mm_mail_config cfg;
    assert_int_equal(mm_mail_config_load(NULL, &cfg, err, sizeof err), 0);
    cfg.immediate_max = 100;
    int64_t t = add_tenant(st, "Race"); /* mail_severity 2 */
    assert_int_equal(st->ops->contact_replace(st, &vendor, &actor, t, c, 1, 5), 0);
    struct mm_sensor s1 = enrol(st, t, 1), s2 = enrol(st, t, 2);
    scan(st, &cfg);                       /* rows of the tests before */
    ingest_alert(st, &s1, 1, 3);          /* below the threshold: no mail yet */
    sqlite3 *db = mm__sqlite_acquire(st); /* the pool's only connection */
    struct scan_arg a = {.st = st, .cfg = &cfg};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, scan_thread, &a), 0);
    usleep(300 * 1000);          /* the scan has written the rows and waits for db */
    ingest_alert(st, &s2, 2, 1); /* 3 -> 1: at the threshold */
    mm__sqlite_release(st, db);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_true(a.queued >= 0);
    scan(st, &cfg);
    expect_kinds(st, t, "alert");
    mm_store_close(st);
}

struct lock_arg {
    sqlite3 *db;
    int hold_ms;
};

static void *lock_thread(void *p)
{
    struct lock_arg *a = p;
    usleep((useconds_t)a->hold_ms * 1000);
    assert_int_equal(sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    return NULL;
}

/* The newest outbox message of tenant (its text), from the file. */
static char *newest_message(int64_t tenant)
{
    char path[512];
    sqlite3 *db;
    sqlite3_stmt *q;
    snprintf(path, sizeof path, "%s/center.db", dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT message FROM mail_outbox WHERE tenant_id = ?1 "
                                        "ORDER BY id DESC LIMIT 1",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(q, 1, tenant);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    char *m = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return m;
}

/* Alert rows written per interval and another process holding the write
 * lock past the readers' 300 ms: the scan (no request) waits for it and
 * writes the rows first, so the rise mail counts every event acknowledged
 * (before, it gave up after 300 ms and mailed the row as last written:
 * "detected 2 times" for 3). */
static void test_scan_waits_for_rows(void **state)
{
    (void)state;
    struct mm_store_config sc = {
        .dir = dir, .connections = 2, .sync_full = false, .alert_flush_usec = 3600 * S};
    struct mm_store *st = NULL;
    char err[256];
    assert_int_equal(mm_store_open_sqlite(&sc, &st, err, sizeof err), 0);
    struct mm_scope vendor = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_contact c[1] = {{.email = "owner@wait.jp"}};
    struct mm_mail_config cfg;
    assert_int_equal(mm_mail_config_load(NULL, &cfg, err, sizeof err), 0);
    cfg.immediate_max = 100;
    int64_t t = add_tenant(st, "Wait"); /* mail_severity 2 */
    assert_int_equal(st->ops->contact_replace(st, &vendor, &actor, t, c, 1, 5), 0);
    struct mm_sensor s = enrol(st, t, 1);
    scan(st, &cfg);             /* rows of the tests before */
    ingest_alert(st, &s, 1, 3); /* a new row, below the threshold */
    assert_int_equal(scan(st, &cfg), 0);
    ingest_alert(st, &s, 2, 2); /* a rise: its row written (count 2), noted */
    ingest_alert(st, &s, 3, 2); /* count 3 waits in the memo */
    char path[512];
    snprintf(path, sizeof path, "%s/center.db", dir);
    struct lock_arg a = {.hold_ms = 900};
    assert_int_equal(sqlite3_open(path, &a.db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(a.db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, lock_thread, &a), 0);
    assert_int_equal(scan(st, &cfg), 1);
    assert_int_equal(pthread_join(th, NULL), 0);
    sqlite3_close(a.db);
    expect_kinds(st, t, "rise");
    char *m = newest_message(t);
    /* Its text part (base64, the first part) decoded. */
    char *b = strstr(m, "base64\r\n\r\n");
    assert_non_null(b);
    b += 10;
    char *end = strstr(b, "\r\n--");
    assert_non_null(end);
    char text[8192];
    size_t n = 0;
    assert_int_equal(sodium_base642bin((unsigned char *)text, sizeof text - 1, b, (size_t)(end - b),
                                       "\r\n", &n, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    text[n] = '\0';
    if (!strstr(text, "detected 3 times"))
        fail_msg("the rise mail: %s", text);
    free(m);
    mm_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contacts_scoped),
        cmocka_unit_test(test_outbox_through_the_interface),
        cmocka_unit_test(test_severity_rises),
        cmocka_unit_test(test_rise_between_flush_and_scan),
        cmocka_unit_test(test_scan_waits_for_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
