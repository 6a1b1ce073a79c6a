/* SPDX-License-Identifier: Apache-2.0
 * mm-bench-center: the centre's benchmark client (make bench; not a test).
 *   http URL KEYS BATCHES [CONNS]
 *                            POSTs BATCHES batches of 1,000 EVE lines to
 *                            URL/api/v1/events over CONNS (default 1)
 *                            keep-alive libcurl connections; prints events/s.
 *                            KEYS is one sensor key, or one per connection
 *                            separated by commas (connection i sends as
 *                            sensor i)
 *   raw DIR BATCHES [walbuf] the limit: the same rows inserted straight into
 *                            a store created by mm_store_open_sqlite (same
 *                            schema, pragmas), one transaction per batch;
 *                            walbuf: through the centre's WAL-gathering VFS
 *                            (center/sqlite-walbuf.h) instead of SQLite's
 *                            default one, for comparison
 *   store DIR BATCHES THREADS
 *                            the centre's store alone: THREADS sensors (one
 *                            per tenant) write parsed batches through
 *                            events_ingest at once; CPU inside it only
 *   fill DIR TENANTS ALERTS EVENTS
 *                            writes EVENTS events aggregated into ALERTS
 *                            alerts over TENANTS tenants directly with SQL
 *   query URL TOKEN N PATH   N GETs of PATH (following "next" cursors for up
 *                            to 5 pages, then from the start); p50/p95/p99
 * Rows look like the sensor's: half alerts (20 signatures x 50 devices),
 * half device events, ~700 bytes each. Output: one "key value" per line. */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center/alerts.h"
#include "center/arena.h"
#include "center/sqlite-walbuf.h"
#include "center/store.h"
#include "core/buf.h"

#define BATCH 1000

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One EVE line of the benchmark stream (no newline). */
static void event_line(long seq, struct mm_buf *b)
{
    int sig = (int)(seq % 20), dev = (int)((seq / 20) % 50);
    long sec = 1775001600 + seq / 10;
    char ts[64];
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    if (seq % 2 == 0)
        mm_buf_printf(b,
                      "{\"timestamp\":\"%s.%06ld+0000\",\"flow_id\":%ld,\"event_type\":\"alert\","
                      "\"src_ip\":\"192.168.1.%d\",\"src_port\":%ld,\"dest_ip\":\"203.0.113.%d\","
                      "\"dest_port\":443,\"proto\":\"TCP\",\"ether\":{\"src_mac\":"
                      "\"02:00:00:00:00:%02x\"},\"alert\":{\"action\":\"allowed\",\"gid\":1,"
                      "\"signature_id\":%d,\"rev\":1,\"signature\":\"MAMORI bench signature %d\","
                      "\"category\":\"A Network Trojan was detected\",\"severity\":%d},"
                      "\"mamori\":{\"detector\":\"intel\",\"message\":{\"ja\":\"社内の機器が危険な"
                      "相手と通信しました。ウイルス対策ソフトでスキャンしてください。\",\"en\":"
                      "\"An office device talked to a dangerous host. Scan it.\"}},\"seq\":%ld}",
                      ts, seq % 1000000, seq * 7919, 10 + dev, 40000 + seq % 20000, 1 + sig, dev,
                      9100100 + sig, sig, 1 + sig % 3, seq);
    else
        mm_buf_printf(
            b,
            "{\"timestamp\":\"%s.%06ld+0000\",\"event_type\":\"device\",\"src_ip\":"
            "\"192.168.1.%d\",\"device\":{\"mac\":\"02:00:00:00:00:%02x\",\"ip\":"
            "\"192.168.1.%d\",\"vendor\":\"Example Corp\",\"os\":\"Windows\",\"hostname\":"
            "\"pc-%d\",\"first_seen\":\"%s\",\"last_seen\":\"%s\",\"new\":false},\"seq\":%ld}",
            ts, seq % 1000000, 10 + dev, dev, 10 + dev, dev, ts, ts, seq);
}

static size_t sink(char *d, size_t s, size_t n, void *arg)
{
    (void)d;
    (void)arg;
    return s * n;
}

struct sender {
    const char *url;
    char key[256];
    long first_batch, batches, failures;
    pthread_t thread;
};

/* Sends batches first_batch .. first_batch + batches - 1 over one
 * keep-alive connection (seqs never overlap between senders). */
static void *send_batches(void *arg)
{
    struct sender *s = arg;
    char target[512], auth[320];
    struct mm_buf body = MM_BUF_INIT;
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    snprintf(target, sizeof target, "%s/api/v1/events", s->url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->key);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/x-ndjson");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, target);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long seq = 1 + s->first_batch * BATCH;
    for (long b = 0; b < s->batches; b++) {
        mm_buf_reset(&body);
        for (int i = 0; i < BATCH; i++, seq++) {
            event_line(seq, &body);
            mm_buf_putc(&body, '\n');
        }
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK)
            s->failures++;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        if (status != 200)
            s->failures++;
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    mm_buf_free(&body);
    return NULL;
}

/* BATCHES batches split over CONNS parallel connections (sensors sending at
 * the same time); the rate counts the wall time of the whole run, including
 * building the bodies. */
/* The key of connection i: the i-th of the comma-separated keys, or the
 * last one when there are fewer. */
static void key_of(const char *keys, long i, char *out, size_t n)
{
    const char *p = keys;
    for (long k = 0; k < i && strchr(p, ','); k++)
        p = strchr(p, ',') + 1;
    size_t len = strcspn(p, ",");
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), p);
}

static int bench_http(const char *url, const char *keys, long batches, long conns)
{
    struct sender s[16];
    long failures = 0, given = 0;
    if (conns < 1 || conns > 16)
        return 2;
    double t0 = now_s();
    for (long i = 0; i < conns; i++) {
        long n = batches / conns + (i < batches % conns);
        s[i] = (struct sender){.url = url, .first_batch = given, .batches = n};
        key_of(keys, i, s[i].key, sizeof s[i].key);
        given += n;
        pthread_create(&s[i].thread, NULL, send_batches, &s[i]);
    }
    for (long i = 0; i < conns; i++) {
        pthread_join(s[i].thread, NULL);
        failures += s[i].failures;
    }
    double total = now_s() - t0;
    printf("http_connections %ld\nhttp_events %ld\nhttp_seconds %.3f\nhttp_events_per_s %.0f\n"
           "http_failures %ld\n",
           conns, batches * BATCH, total, (double)(batches * BATCH) / total, failures);
    return failures ? 1 : 0;
}

static sqlite3 *open_db(const char *dir, bool full, const char *vfs)
{
    char path[1024], sql[200];
    sqlite3 *db = NULL;
    snprintf(path, sizeof path, "%s/center.db", dir);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs) != SQLITE_OK)
        return NULL;
    snprintf(sql, sizeof sql,
             "PRAGMA journal_mode = WAL; PRAGMA synchronous = %s; PRAGMA foreign_keys = ON; "
             "PRAGMA temp_store = MEMORY",
             full ? "FULL" : "OFF");
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    return db;
}

/* Creates the schema with the centre's own migrations. */
static int create_store(const char *dir)
{
    struct mm_store_config sc = {.dir = dir, .connections = 1, .sync_full = true};
    struct mm_store *st = NULL;
    char err[256];
    if (mm_store_open_sqlite(&sc, &st, err, sizeof err) != 0) {
        fprintf(stderr, "mm-bench-center: %s\n", err);
        return 1;
    }
    mm_store_close(st);
    return 0;
}

static int bench_raw(const char *dir, long batches, const char *vfs)
{
    if (create_store(dir) != 0)
        return 1;
    sqlite3 *db = open_db(dir, true, vfs);
    sqlite3_stmt *ins = NULL;
    struct mm_buf *lines = calloc(BATCH, sizeof *lines);
    if (!lines)
        return 1;
    sqlite3_exec(db, "INSERT INTO tenants (id, name, created_at) VALUES (1, 'bench', 0)", NULL,
                 NULL, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO events (tenant_id, sensor_id, seq, ts, event_type, body) "
                       "VALUES (1, 1, ?, ?, ?, ?) ON CONFLICT (sensor_id, seq) DO NOTHING",
                       -1, &ins, NULL);
    double total = 0, cpu = 0;
    long seq = 1;
    for (long b = 0; b < batches; b++) {
        /* The lines are made before the clocks start: the centre's CPU time
         * does not include making them either (the client makes them). */
        for (int i = 0; i < BATCH; i++) {
            mm_buf_reset(&lines[i]);
            event_line(seq + i, &lines[i]);
        }
        double t0 = now_s(), c0 = cpu_s();
        sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        for (int i = 0; i < BATCH; i++, seq++) {
            sqlite3_bind_int64(ins, 1, seq);
            sqlite3_bind_int64(ins, 2, (1775001600 + seq / 10) * 1000000LL);
            sqlite3_bind_text(ins, 3, seq % 2 ? "device" : "alert", -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, lines[i].data, (int)lines[i].len, SQLITE_STATIC);
            sqlite3_step(ins);
            sqlite3_reset(ins);
        }
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        total += now_s() - t0;
        cpu += cpu_s() - c0;
    }
    printf("raw_events %ld\nraw_seconds %.3f\nraw_events_per_s %.0f\nraw_cpu_seconds %.3f\n"
           "raw_events_per_cpu_s %.0f\n",
           batches * BATCH, total, (double)(batches * BATCH) / total, cpu,
           (double)(batches * BATCH) / cpu);
    sqlite3_finalize(ins);
    sqlite3_close(db);
    for (int i = 0; i < BATCH; i++)
        mm_buf_free(&lines[i]);
    free(lines);
    return 0;
}

/* ---- store: the centre's store alone, several writers ---- */

struct writer {
    struct mm_store *st;
    struct mm_sensor sensor;
    long first_batch, batches, failures;
    double cpu; /* this thread's CPU time inside events_ingest */
    pthread_t thread;
};

static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes batches as the centre's POST handler would after parsing them:
 * lines scanned by mm_ingest_event_scan, then events_ingest; only the
 * latter is timed. */
static void *write_batches(void *arg)
{
    struct writer *w = arg;
    struct mm_buf body = MM_BUF_INIT;
    struct mm_ingest_event *evs = calloc(BATCH, sizeof *evs);
    size_t *off = calloc(BATCH + 1, sizeof *off);
    long seq = 1 + w->first_batch * BATCH;
    for (long b = 0; evs && off && b < w->batches; b++) {
        struct mm_arena arena = {0};
        struct mm_ingest_result res;
        size_t n = 0;
        mm_buf_reset(&body);
        for (int i = 0; i < BATCH; i++, seq++) {
            off[i] = body.len;
            event_line(seq, &body);
        }
        off[BATCH] = body.len;
        for (int i = 0; i < BATCH; i++)
            if (mm_ingest_event_scan(body.data + off[i], off[i + 1] - off[i], &arena, &evs[n]) == 0)
                n++;
        struct mm_ingest_opts o = {.now = (1775001600 + seq / 10) * 1000000LL,
                                   .alert_window = 3600LL * 1000000,
                                   .header_backlog = -1,
                                   .header_drops = -1};
        double c0 = thread_cpu_s();
        if (n != BATCH || w->st->ops->events_ingest(w->st, &w->sensor, evs, n, &o, &res) != 0 ||
            res.accepted != BATCH)
            w->failures++;
        w->cpu += thread_cpu_s() - c0;
        mm_arena_free(&arena);
    }
    free(evs);
    free(off);
    mm_buf_free(&body);
    return NULL;
}

/* BATCHES batches written by THREADS threads, each a sensor of its own
 * tenant, straight into a store opened by mm_store_open_sqlite (sync =
 * full): the centre's ingest without HTTP and parsing, with truly
 * concurrent writers (the HTTP server may serve several connections on one
 * thread). */
static int bench_store(const char *dir, long batches, long threads)
{
    struct writer w[16];
    char path[1024], err[256];
    sqlite3 *db = NULL;
    struct mm_store *st = NULL;
    long failures = 0, given = 0;
    double cpu = 0;
    if (threads < 1 || threads > 16 || create_store(dir) != 0)
        return 2;
    snprintf(path, sizeof path, "%s/center.db", dir);
    if (sqlite3_open(path, &db) != SQLITE_OK)
        return 1;
    for (long i = 1; i <= threads; i++) {
        char sql[300];
        snprintf(sql, sizeof sql,
                 "INSERT INTO tenants (id, name, created_at) VALUES (%ld, 'bench %ld', 0); "
                 "INSERT INTO sensors (id, tenant_id, name, key_hash, enrolled_at) VALUES "
                 "(%ld, %ld, 'bench', randomblob(32), 0)",
                 i, i, i, i);
        sqlite3_exec(db, sql, NULL, NULL, NULL);
    }
    sqlite3_close(db);
    struct mm_store_config sc = {.dir = dir, .connections = (int)threads, .sync_full = true};
    if (mm_store_open_sqlite(&sc, &st, err, sizeof err) != 0) {
        fprintf(stderr, "mm-bench-center: %s\n", err);
        return 1;
    }
    double t0 = now_s();
    for (long i = 0; i < threads; i++) {
        long n = batches / threads + (i < batches % threads);
        w[i] = (struct writer){.st = st, .first_batch = given, .batches = n};
        w[i].sensor.id = w[i].sensor.tenant_id = i + 1;
        given += n;
        pthread_create(&w[i].thread, NULL, write_batches, &w[i]);
    }
    for (long i = 0; i < threads; i++) {
        pthread_join(w[i].thread, NULL);
        failures += w[i].failures;
        cpu += w[i].cpu;
    }
    double total = now_s() - t0;
    mm_store_close(st);
    printf("store_threads %ld\nstore_events %ld\nstore_seconds %.3f\nstore_cpu_seconds %.3f\n"
           "store_events_per_cpu_s %.0f\nstore_failures %ld\n",
           threads, batches * BATCH, total, cpu, (double)(batches * BATCH) / cpu, failures);
    return failures ? 1 : 0;
}

/* Direct SQL fill: tenants 1..T (sensor i = tenant i), alerts spread over
 * tenants and time, events linked to their alerts. */
static int bench_fill(const char *dir, long tenants, long alerts, long events)
{
    if (create_store(dir) != 0)
        return 1;
    sqlite3 *db = open_db(dir, false, NULL);
    sqlite3_stmt *t = NULL, *a = NULL, *e = NULL;
    struct mm_buf line = MM_BUF_INIT;
    double t0 = now_s();
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    sqlite3_prepare_v2(db,
                       "INSERT INTO tenants (id, name, lang, created_at) VALUES (?, ?, 'ja', 0)",
                       -1, &t, NULL);
    for (long i = 1; i <= tenants; i++) {
        char name[64];
        snprintf(name, sizeof name, "SME %ld", i);
        sqlite3_bind_int64(t, 1, i);
        sqlite3_bind_text(t, 2, name, -1, SQLITE_TRANSIENT);
        sqlite3_step(t);
        sqlite3_reset(t);
    }
    sqlite3_prepare_v2(db,
                       "INSERT INTO alerts (id, tenant_id, sensor_id, signature_id, signature, "
                       "detector, category, severity, device, src_ip, dest_ip, count, first_seen, "
                       "last_seen, status, message_ja, message_en, created_at, updated_at) VALUES "
                       "(?1, ?2, ?2, ?3, 'MAMORI bench signature', 'intel', 'Threat intel', ?4, "
                       "?5, ?6, '203.0.113.9', ?7, ?8, ?9, ?10, '社内の機器が危険な相手と通信しま"
                       "した。', 'An office device talked to a dangerous host.', ?8, ?9)",
                       -1, &a, NULL);
    static const char *const status[] = {"new", "new", "acknowledged", "closed"};
    for (long i = 1; i <= alerts; i++) {
        char dev[32], ip[32];
        long ten = 1 + i % tenants;
        int64_t first = (1775001600LL + i * 30) * 1000000;
        snprintf(dev, sizeof dev, "02:00:00:%02lx:%02lx:%02lx", (i >> 16) & 255, (i >> 8) & 255,
                 i & 255);
        snprintf(ip, sizeof ip, "10.%ld.%ld.%ld", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        sqlite3_bind_int64(a, 1, i);
        sqlite3_bind_int64(a, 2, ten);
        sqlite3_bind_int64(a, 3, 9100100 + i % 20);
        /* i / tenants: every tenant gets every severity and status */
        sqlite3_bind_int(a, 4, 1 + (int)((i / tenants) % 4));
        sqlite3_bind_text(a, 5, dev, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(a, 6, ip, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(a, 7, events / alerts);
        sqlite3_bind_int64(a, 8, first);
        sqlite3_bind_int64(a, 9, first + 600000000LL);
        sqlite3_bind_text(a, 10, status[(i / tenants) % 4], -1, SQLITE_STATIC);
        sqlite3_step(a);
        sqlite3_reset(a);
    }
    sqlite3_prepare_v2(db,
                       "INSERT INTO events (tenant_id, sensor_id, seq, ts, event_type, alert_id, "
                       "body) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6)",
                       -1, &e, NULL);
    for (long i = 1; i <= events; i++) {
        long alert = 1 + i % alerts, ten = 1 + alert % tenants;
        mm_buf_reset(&line);
        event_line(i, &line);
        sqlite3_bind_int64(e, 1, ten);
        sqlite3_bind_int64(e, 2, i);
        sqlite3_bind_int64(e, 3, (1775001600LL + i) * 1000000);
        sqlite3_bind_text(e, 4, i % 2 ? "device" : "alert", -1, SQLITE_STATIC);
        if (i % 2)
            sqlite3_bind_null(e, 5);
        else
            sqlite3_bind_int64(e, 5, alert);
        sqlite3_bind_text(e, 6, line.data, (int)line.len, SQLITE_STATIC);
        sqlite3_step(e);
        sqlite3_reset(e);
    }
    /* The rows written here count their events: the centre's watermark of
     * alert rows written (migration 011) goes past them, or its first read
     * would count the events into their alerts once more. */
    sqlite3_exec(db, "UPDATE alert_flush SET event_id = (SELECT max(id) FROM events)", NULL, NULL,
                 NULL);
    int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    printf("fill_tenants %ld\nfill_alerts %ld\nfill_events %ld\nfill_seconds %.1f\n", tenants,
           alerts, events, now_s() - t0);
    sqlite3_finalize(t);
    sqlite3_finalize(a);
    sqlite3_finalize(e);
    sqlite3_close(db);
    mm_buf_free(&line);
    return rc == SQLITE_OK ? 0 : 1;
}

static size_t collect(char *d, size_t s, size_t n, void *arg)
{
    return mm_buf_append(arg, d, s * n) == 0 ? s * n : 0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static int bench_query(const char *url, const char *token, long n, const char *path)
{
    char auth[256], target[2048], next[512] = "";
    struct mm_buf reply = MM_BUF_INIT;
    double *lat = calloc((size_t)n, sizeof *lat);
    CURL *c = curl_easy_init();
    struct curl_slist *h = NULL;
    long failures = 0, pages = 0;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    h = curl_slist_append(h, auth);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    for (long i = 0; i < n; i++) {
        const char *sep = strchr(path, '?') ? "&" : "?";
        if (next[0] && pages < 5)
            snprintf(target, sizeof target, "%s%s%scursor=%s", url, path, sep, next);
        else {
            snprintf(target, sizeof target, "%s%s", url, path);
            pages = 0;
        }
        mm_buf_reset(&reply);
        curl_easy_setopt(c, CURLOPT_URL, target);
        double t0 = now_s();
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK)
            failures++;
        lat[i] = (now_s() - t0) * 1000.0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        json_t *j = json_loadb(reply.data ? reply.data : "", reply.len, 0, NULL);
        const char *nx = json_string_value(json_object_get(j, "next"));
        if (status != 200 || json_array_size(json_object_get(j, "items")) == 0) {
            if (failures++ == 0)
                fprintf(stderr, "first failure: HTTP %ld %.300s\n", status, mm_buf_str(&reply));
        }
        char *esc = nx ? curl_easy_escape(c, nx, 0) : NULL;
        snprintf(next, sizeof next, "%s", esc ? esc : "");
        curl_free(esc);
        json_decref(j);
        pages++;
    }
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    printf("query %s\nquery_requests %ld\nquery_p50_ms %.2f\nquery_p95_ms %.2f\n"
           "query_p99_ms %.2f\nquery_max_ms %.2f\nquery_failures %ld\n",
           path, n, lat[n / 2], lat[n * 95 / 100], lat[n * 99 / 100], lat[n - 1], failures);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    mm_buf_free(&reply);
    free(lat);
    return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = 2;
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "http") == 0)
        rc = bench_http(argv[2], argv[3], atol(argv[4]), argc == 6 ? atol(argv[5]) : 1);
    else if ((argc == 4 || argc == 5) && strcmp(argv[1], "raw") == 0)
        rc = bench_raw(argv[2], atol(argv[3]),
                       argc == 5 && strcmp(argv[4], "walbuf") == 0 ? mm__sqlite_walbuf_name()
                                                                   : NULL);
    else if (argc == 5 && strcmp(argv[1], "store") == 0)
        rc = bench_store(argv[2], atol(argv[3]), atol(argv[4]));
    else if (argc == 6 && strcmp(argv[1], "fill") == 0)
        rc = bench_fill(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
    else if (argc == 6 && strcmp(argv[1], "query") == 0 && atol(argv[4]) > 0)
        rc = bench_query(argv[2], argv[3], atol(argv[4]), argv[5]);
    else
        fprintf(stderr, "usage: mm-bench-center http URL KEYS BATCHES [CONNS] | raw DIR BATCHES "
                        "[walbuf] | store DIR BATCHES THREADS | "
                        "fill DIR TENANTS ALERTS EVENTS | query URL TOKEN N PATH\n");
    curl_global_cleanup();
    return rc;
}
