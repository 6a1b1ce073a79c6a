/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the sensor's uplink (output/uplink.c) against a small fake
 * centre on 127.0.0.1 run in a thread: the event-type filter, the state file
 * (mode 0600) written by enrolment and read back, a refused code, and the
 * delivery rules — gzip body with the Bearer key and the health headers,
 * nothing acked while the centre answers 503, everything acked after 200,
 * skipped types acked without being sent, a 413 halving the batch, and
 * rejected lines acknowledged so they cannot block the queue; a 2xx reply
 * that is not the centre's ingest answer (an HTML portal page, a wrong
 * count) acks nothing; plain http:// to a non-loopback centre is refused
 * (the sensor key would travel in clear) unless allowed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/error.h"
#include "sensor/output/spool.h"
#include "sensor/output/uplink.h"
#include "../test-tmpdir.h"

#define REQ_MAX (1 << 20)

/* ---- the fake centre: one request per connection, scripted replies ---- */

struct fake {
    int fd, port;
    pthread_t thread;
    pthread_mutex_t lock;
    int status_script[16]; /* status for request i; 0 after the end: 200 */
    int requests;
    int lines_total; /* lines received in 2xx-answered requests */
    int max_lines;   /* most lines in one request */
    int reject_line; /* 1-based line reported as rejected, 0: none */
    int html_until;  /* requests below this index get 200 text/html (a captive portal) */
    int short_until; /* requests below this index get a JSON reply one line short */
    bool enrol_ok;   /* answer with a key (an enrolment reply) */
    char last_headers[4096];
    char last_body[REQ_MAX];
};

static struct fake F;
static char dir[256];

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static size_t gunzip(const unsigned char *in, size_t len, char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    inflateInit2(&zs, 15 + 16);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)(cap - 1);
    inflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    inflateEnd(&zs);
    out[n] = '\0';
    return n;
}

static void serve_one(int c)
{
    static unsigned char buf[REQ_MAX];
    size_t got = 0;
    char *end = NULL;
    while (!end && got < sizeof buf - 1) {
        ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
        if (n <= 0)
            return;
        got += (size_t)n;
        buf[got] = 0;
        end = strstr((char *)buf, "\r\n\r\n");
    }
    size_t hlen = (size_t)(end - (char *)buf) + 4;
    const char *cl = strcasestr((char *)buf, "Content-Length:");
    size_t blen = cl ? strtoul(cl + 15, NULL, 10) : 0;
    while (got < hlen + blen) {
        ssize_t n = read(c, buf + got, sizeof buf - got);
        if (n <= 0)
            return;
        got += (size_t)n;
    }
    pthread_mutex_lock(&F.lock);
    int i = F.requests++;
    int status = i < 16 && F.status_script[i] ? F.status_script[i] : 200;
    snprintf(F.last_headers, sizeof F.last_headers, "%.*s", (int)hlen, (char *)buf);
    gunzip(buf + hlen, blen, F.last_body, sizeof F.last_body);
    int lines = count_lines(F.last_body);
    if (status == 200) {
        F.lines_total += lines;
        if (lines > F.max_lines)
            F.max_lines = lines;
    }
    char body[256];
    const char *type = "application/json";
    if (i < F.html_until) {
        type = "text/html";
        snprintf(body, sizeof body, "<html><body>Please log in to the hotel Wi-Fi</body></html>");
    } else if (i < F.short_until)
        snprintf(body, sizeof body, "{\"accepted\":%d,\"duplicates\":0,\"rejected\":[]}",
                 lines - 1);
    else if (F.enrol_ok)
        snprintf(body, sizeof body, "{\"key\":\"mms_enrolled\",\"sensor_id\":5}");
    else if (status == 200 && F.reject_line && F.reject_line <= lines)
        snprintf(body, sizeof body,
                 "{\"accepted\":%d,\"duplicates\":0,\"rejected\":[{\"line\":%d,"
                 "\"reason\":\"bad_field\"}]}",
                 lines - 1, F.reject_line);
    else
        snprintf(body, sizeof body, "{\"accepted\":%d,\"duplicates\":0,\"rejected\":[]}", lines);
    pthread_mutex_unlock(&F.lock);
    char reply[512];
    int n = snprintf(reply, sizeof reply,
                     "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: "
                     "%zu\r\nConnection: close\r\n\r\n%s",
                     status, type, strlen(body), body);
    if (write(c, reply, (size_t)n) != n)
        return;
}

static void *fake_main(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(F.fd, NULL, NULL);
        if (c < 0)
            return NULL;
        serve_one(c);
        close(c);
    }
}

static void fake_start(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    memset(&F, 0, sizeof F);
    pthread_mutex_init(&F.lock, NULL);
    F.fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(F.fd >= 0);
    assert_int_equal(bind(F.fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(F.fd, 16), 0);
    getsockname(F.fd, (struct sockaddr *)&a, &len);
    F.port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&F.thread, NULL, fake_main, NULL), 0);
}

static void fake_stop(void)
{
    shutdown(F.fd, SHUT_RDWR);
    close(F.fd);
    pthread_join(F.thread, NULL);
    pthread_mutex_destroy(&F.lock);
}

static int setup(void **state)
{
    (void)state;
    if (test_tmpdir_make(dir, sizeof dir, "uplink") != 0)
        return -1;
    fake_start();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_stop();
    return test_tmpdir_remove(dir);
}

/* ---- tests ---- */

static void test_type_selected(void **state)
{
    (void)state;
    assert_true(mm_uplink_type_selected("alert,device", "alert"));
    assert_true(mm_uplink_type_selected(" alert , device ", "device"));
    assert_false(mm_uplink_type_selected("alert,device", "dns"));
    assert_false(mm_uplink_type_selected("alerts", "alert"));
    assert_false(mm_uplink_type_selected("", "alert"));
}

static void test_state_file(void **state)
{
    (void)state;
    struct mm_uplink_state st;
    char path[400];
    assert_int_equal(mm_uplink_state_load(dir, (uid_t)-1, &st), MM_ENOENT);
    snprintf(path, sizeof path, "%s/%s", dir, MM_UPLINK_STATE_FILE);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[uplink]\ncenter = http://127.0.0.1:9\nkey = mms_abc\nsensor_id = 7\n", f);
    fclose(f);
    assert_int_equal(mm_uplink_state_load(dir, (uid_t)-1, &st), 0);
    assert_string_equal(st.center, "http://127.0.0.1:9");
    assert_string_equal(st.key, "mms_abc");
    assert_int_equal(st.sensor_id, 7);
    unlink(path);
}

static void test_enrol(void **state)
{
    (void)state;
    char url[64], err[256], path[400];
    struct mm_uplink_state st;
    struct stat sb;
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", F.port);
    /* the fake answers 200 with no key: a malformed reply */
    assert_int_equal(mm_uplink_enrol(url, "CODE", "s1", dir, NULL, 0, false, &st, err, sizeof err),
                     MM_EPARSE);
    F.status_script[F.requests] = 410;
    assert_int_equal(mm_uplink_enrol(url, "CODE", "s1", dir, NULL, 0, false, &st, err, sizeof err),
                     MM_EAUTH);
    assert_non_null(strstr(err, "refused"));
    snprintf(path, sizeof path, "%s/%s", dir, MM_UPLINK_STATE_FILE);
    assert_int_equal(stat(path, &sb), -1); /* nothing written on failure */
    assert_int_equal(mm_uplink_enrol("http://127.0.0.1:1", "CODE", "s1", dir, NULL, 0, false, &st,
                                     err, sizeof err),
                     MM_ENET);
}

/* Appends and syncs: readers in the writer's process only see synced records. */
static void append_events(struct mm_spool *s, int n, const char *type)
{
    for (int i = 0; i < n; i++) {
        json_t *ev = json_pack("{s:s, s:i}", "event_type", type, "n", i);
        assert_int_equal(mm_spool_append(s, ev), 0);
        json_decref(ev);
    }
    assert_int_equal(mm_spool_sync(s), 0);
}

static void wait_acked(struct mm_uplink *u, uint64_t seq)
{
    struct mm_uplink_stats st;
    for (int i = 0; i < 3000; i++) {
        mm_uplink_stats(u, &st);
        if (st.acked_seq >= seq)
            return;
        usleep(10000);
    }
    fail_msg("uplink never acked %llu", (unsigned long long)seq);
}

static void test_delivery(void **state)
{
    (void)state;
    char spool[300], url[64];
    struct mm_spool *s = NULL;
    struct mm_spool_reader *r = NULL;
    struct mm_uplink *u = NULL;
    struct mm_uplink_stats st;
    snprintf(spool, sizeof spool, "%s/spool", dir);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", F.port);
    assert_int_equal(mm_spool_open(spool, &s), 0);
    append_events(s, 10, "alert");
    append_events(s, 5, "dns"); /* not selected: acked without being sent */
    append_events(s, 10, "device");
    int first = F.requests;
    F.status_script[first] = 503;
    F.status_script[first + 1] = 503;
    F.status_script[first + 2] = 413;
    F.reject_line = 3;
    struct mm_uplink_config cfg = {.center = url,
                                   .key = "mms_testkey",
                                   .spool_dir = spool,
                                   .event_types = "alert,device",
                                   .batch_max = 100,
                                   .retry_max_ms = 20,
                                   .quiet = true};
    assert_int_equal(mm_uplink_start(&cfg, &u), 0);
    mm_uplink_note(u, 25, 3);
    wait_acked(u, 25);
    mm_uplink_stats(u, &st);
    assert_int_equal(st.skipped, 5); /* counted once, not once per retry */
    assert_true(st.rejected >= 1);
    assert_true(st.failures >= 2);
    assert_true(mm_uplink_stop(u, 5000));
    /* 2 x 503 and a 413 first; then halves of the batch */
    assert_true(F.requests - first >= 4);
    assert_int_equal(F.lines_total, 20);
    assert_true(F.max_lines <= 50);
    assert_non_null(strcasestr(F.last_headers, "Authorization: Bearer mms_testkey"));
    assert_non_null(strcasestr(F.last_headers, "Content-Encoding: gzip"));
    assert_non_null(strcasestr(F.last_headers, "Mamori-Drops: 3"));
    /* the last batch leaves nothing waiting: the centre keeps this value */
    assert_non_null(strcasestr(F.last_headers, "Mamori-Spool-Backlog: 0\r\n"));
    assert_null(strstr(F.last_body, "\"dns\""));
    /* the acked position is durable */
    assert_int_equal(mm_spool_reader_open(spool, &r), 0);
    assert_int_equal(mm_spool_reader_acked(r), 25);
    mm_spool_reader_close(r);
    /* a new uplink with nothing to send stops at once, drained */
    assert_int_equal(mm_uplink_start(&cfg, &u), 0);
    mm_uplink_stats(u, &st);
    assert_int_equal(st.acked_seq, 25);
    assert_true(mm_uplink_stop(u, 5000));
    mm_spool_close(s);
}

/* A 2xx that is not the centre's ingest answer proves nothing was stored:
 * an HTML page (proxy, captive portal) and a JSON reply that accounts for
 * one line less than was sent are both retried, never acknowledged. */
static void test_foreign_2xx_not_acked(void **state)
{
    (void)state;
    char spool[300], url[64];
    struct mm_spool *s = NULL;
    struct mm_uplink *u = NULL;
    struct mm_uplink_stats st;
    snprintf(spool, sizeof spool, "%s/spool3", dir);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", F.port);
    assert_int_equal(mm_spool_open(spool, &s), 0);
    append_events(s, 4, "alert");
    pthread_mutex_lock(&F.lock);
    int first = F.requests;
    F.html_until = first + 3;
    F.short_until = first + 5;
    F.reject_line = 0;
    F.lines_total = 0;
    pthread_mutex_unlock(&F.lock);
    struct mm_uplink_config cfg = {.center = url,
                                   .key = "mms_k",
                                   .spool_dir = spool,
                                   .batch_max = 100,
                                   .retry_max_ms = 20,
                                   .quiet = true};
    assert_int_equal(mm_uplink_start(&cfg, &u), 0);
    wait_acked(u, 4);
    mm_uplink_stats(u, &st);
    /* acked only by the 6th request: 3 HTML pages and 2 short counts failed */
    assert_int_equal(F.requests - first, 6);
    assert_int_equal(st.failures, 5);
    assert_int_equal(st.sent_batches, 1);
    assert_int_equal(st.accepted, 4);
    assert_true(mm_uplink_stop(u, 5000));
    mm_spool_close(s);
}

static void test_url_check(void **state)
{
    (void)state;
    assert_int_equal(mm_uplink_url_check("https://center.example", false), 0);
    assert_int_equal(mm_uplink_url_check("HTTPS://center.example:8443/x", false), 0);
    assert_int_equal(mm_uplink_url_check("http://127.0.0.1:8080", false), 0);
    assert_int_equal(mm_uplink_url_check("http://127.10.0.3/", false), 0);
    assert_int_equal(mm_uplink_url_check("http://localhost:8080", false), 0);
    assert_int_equal(mm_uplink_url_check("http://[::1]:8080", false), 0);
    assert_int_equal(mm_uplink_url_check("http://192.0.2.10:8080", false), MM_EPERM);
    assert_int_equal(mm_uplink_url_check("http://center.example", false), MM_EPERM);
    assert_int_equal(mm_uplink_url_check("http://localhost.example", false), MM_EPERM);
    assert_int_equal(mm_uplink_url_check("http://127.0.0.1.example", false), MM_EPERM);
    assert_int_equal(mm_uplink_url_check("http://[::2]:8080", false), MM_EPERM);
    assert_int_equal(mm_uplink_url_check("http://127.0.0.1@center.example/", false), MM_EINVAL);
    assert_int_equal(mm_uplink_url_check("http://center.example", true), 0);
    assert_int_equal(mm_uplink_url_check("ftp://127.0.0.1", true), MM_EINVAL);
    assert_int_equal(mm_uplink_url_check("http://", true), MM_EINVAL);
    assert_int_equal(mm_uplink_url_check("https://", false), MM_EINVAL);
}

/* Plain http:// to another machine is refused before any connection (the
 * key or the code would travel in clear); nothing is written. */
static void test_insecure_center_refused(void **state)
{
    (void)state;
    char err[512], path[400];
    struct mm_uplink_state st;
    struct mm_uplink *u = NULL;
    struct stat sb;
    int before = F.requests;
    assert_int_equal(mm_uplink_enrol("http://192.0.2.10:8080", "CODE", "s1", dir, NULL, 0, false,
                                     &st, err, sizeof err),
                     MM_EPERM);
    assert_non_null(strstr(err, "allow_insecure"));
    snprintf(path, sizeof path, "%s/%s", dir, MM_UPLINK_STATE_FILE);
    assert_int_equal(stat(path, &sb), -1);
    struct mm_uplink_config cfg = {.center = "http://192.0.2.10:8080",
                                   .key = "mms_k",
                                   .spool_dir = dir,
                                   .batch_max = 10,
                                   .retry_max_ms = 50,
                                   .quiet = true};
    assert_int_equal(mm_uplink_start(&cfg, &u), MM_EPERM);
    assert_null(u);
    assert_int_equal(F.requests, before);
}

/* A successful enrolment writes the key file 0600 whatever the umask. */
static void test_enrol_key_file_mode(void **state)
{
    (void)state;
    char url[64], err[256], path[400];
    struct mm_uplink_state st, back;
    struct stat sb;
    snprintf(url, sizeof url, "http://localhost:%d", F.port);
    F.enrol_ok = true;
    mode_t old = umask(0);
    int r = mm_uplink_enrol(url, "CODE", "s1", dir, NULL, 0, false, &st, err, sizeof err);
    umask(old);
    F.enrol_ok = false;
    assert_int_equal(r, 0);
    assert_string_equal(st.key, "mms_enrolled");
    snprintf(path, sizeof path, "%s/%s", dir, MM_UPLINK_STATE_FILE);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(mm_uplink_state_load(dir, (uid_t)-1, &back), 0);
    assert_string_equal(back.key, "mms_enrolled");
    assert_int_equal(back.sensor_id, 5);
    unlink(path);
}

static void test_undeliverable_flush_is_bounded(void **state)
{
    (void)state;
    char spool[300];
    struct mm_spool *s = NULL;
    struct mm_uplink *u = NULL;
    snprintf(spool, sizeof spool, "%s/spool2", dir);
    assert_int_equal(mm_spool_open(spool, &s), 0);
    append_events(s, 3, "alert");
    struct mm_uplink_config cfg = {.center = "http://127.0.0.1:1",
                                   .key = "mms_k",
                                   .spool_dir = spool,
                                   .batch_max = 10,
                                   .retry_max_ms = 50,
                                   .quiet = true};
    assert_int_equal(mm_uplink_start(&cfg, &u), 0);
    assert_false(mm_uplink_stop(u, 300)); /* nothing delivered, but it returns */
    mm_spool_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_selected),
        cmocka_unit_test(test_state_file),
        cmocka_unit_test(test_enrol),
        cmocka_unit_test(test_delivery),
        cmocka_unit_test(test_undeliverable_flush_is_bounded),
        cmocka_unit_test(test_foreign_2xx_not_acked),
        cmocka_unit_test(test_url_check),
        cmocka_unit_test(test_insecure_center_refused),
        cmocka_unit_test(test_enrol_key_file_mode),
    };
    /* libcurl set up once for the process, as mamori-sensor's main does
     * (the library no longer does it at each uplink start) */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return failed;
}
