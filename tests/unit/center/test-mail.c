/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of emergency mail rendering (mail-render.c): RFC 2047 subjects
 * (plain ASCII untouched, UTF-8 split only between characters, words within
 * 75 characters), ja/en templates filled and escaped in HTML, the digest
 * list and its overflow count, the MIME message structure and its header
 * injection guard, the [mail] configuration checks, and the recipient
 * lists (exact address matches, never substrings; no repeats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/alerts.h"
#include "center/mail.h"
#include "center/report.h"
#include "center/store.h"
#include "core/error.h"
#include "core/ini.h"

static void sample_alert(struct mm_alert *a)
{
    memset(a, 0, sizeof *a);
    a->id = 42;
    a->signature_id = 9100102;
    a->severity = 1;
    a->first_seen = 1775001600000000LL; /* 2026-04-01 00:00:00 UTC */
    snprintf(a->signature, sizeof a->signature, "MAMORI intel: <listed> domain");
    snprintf(a->detector, sizeof a->detector, "intel");
    snprintf(a->device, sizeof a->device, "02:00:00:00:00:01");
    snprintf(a->src_ip, sizeof a->src_ip, "192.168.1.10");
    snprintf(a->dest_ip, sizeof a->dest_ip, "192.168.1.1");
    snprintf(
        a->message_ja, sizeof a->message_ja,
        "社内の機器が危険なドメインを問い合わせました。ウイルス対策ソフトでスキャンしてください。");
    snprintf(a->message_en, sizeof a->message_en,
             "An office device looked up a dangerous domain. Scan it <now> & report.");
}

static void test_header_ascii(void **state)
{
    (void)state;
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_mail_header_encode(&b, "[mamori URGENT] Blue Bakery"), 0);
    assert_string_equal(mm_buf_str(&b), "[mamori URGENT] Blue Bakery");
    mm_buf_free(&b);
}

/* Decodes one base64 word (test helper, no padding tricks). */
static size_t unbase64(const char *in, size_t n, char *out)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n && in[i] != '='; i++) {
        v = (v << 6) | (unsigned)(strchr(al, in[i]) - al);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((v >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    return o;
}

static void test_header_japanese(void **state)
{
    (void)state;
    const char *subject = "【mamori 緊急】山田製作所: 社内の機器が危険なドメインを問い合わせました";
    struct mm_buf b = MM_BUF_INIT;
    char decoded[512] = "", word[128];
    assert_int_equal(mm_mail_header_encode(&b, subject), 0);
    const char *p = mm_buf_str(&b);
    int words = 0;
    while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
        const char *end = strstr(p + 10, "?=");
        assert_non_null(end);
        assert_true(end + 2 - p <= 75); /* RFC 2047: at most 75 characters */
        size_t n = unbase64(p + 10, (size_t)(end - p - 10), word);
        /* each word is whole UTF-8: it never starts with a continuation byte */
        assert_true(((unsigned char)word[0] & 0xC0) != 0x80);
        strncat(decoded, word, n);
        p = end + 2;
        words++;
    }
    assert_true(words >= 2);
    assert_string_equal(decoded, subject);
    assert_non_null(strstr(mm_buf_str(&b), "?=\r\n =?UTF-8?B?")); /* folded */
    mm_buf_free(&b);
}

static void test_render_alert_ja(void **state)
{
    (void)state;
    struct mm_alert a;
    struct mm_mail_text t;
    sample_alert(&a);
    assert_int_equal(mm_mail_render_alert(&a, "山田製作所", MM_LANG_JA, "https://c.example", &t),
                     0);
    assert_string_equal(t.subject,
                        "【mamori 緊急】山田製作所: 社内の機器が危険なドメインを問い合わせました");
    /* One next step: the sensor's message says it, and no second section
     * repeats another (its kind's explanation has none). */
    assert_non_null(strstr(t.text,
                           "■ 何が起きたか、何をすればよいか\n社内の機器が危険なドメインを"
                           "問い合わせました。ウイルス対策ソフトでスキャンしてください。\n\n"
                           "■ 考えられる脅威\n"));
    assert_null(strstr(t.text, "いますぐしていただきたいこと"));
    assert_null(strstr(t.html, "いますぐしていただきたいこと"));
    /* first seen 00:00 UTC: printed in the report zone, Japan by default */
    assert_non_null(strstr(t.text, "2026-04-01 09:00:00（日本時間）"));
    assert_non_null(strstr(t.html, "2026-04-01 09:00:00（日本時間）"));
    assert_non_null(strstr(t.text, "https://c.example/alerts/42"));
    assert_non_null(strstr(t.html, "<html lang=\"ja\">"));
    assert_non_null(strstr(t.html, "MAMORI intel: &lt;listed&gt; domain")); /* escaped */
    assert_null(strstr(t.html, "<listed>"));
    assert_null(strstr(t.text, "{{"));
    assert_null(strstr(t.html, "{{"));
    mm_mail_text_free(&t);
}

/* An alert without a step of its own (another tool's: its message is its
 * signature) gets the explanation's step in a section of its own. */
static void test_render_alert_step_section(void **state)
{
    (void)state;
    struct mm_alert a;
    struct mm_mail_text t;
    sample_alert(&a);
    a.signature_id = 2100498;
    snprintf(a.detector, sizeof a.detector, "%s", "");
    snprintf(a.message_en, sizeof a.message_en, "%s", a.signature);
    const char *now = json_string_value(
        json_object_get(json_object_get(mm_alert_explanation(2100498, ""), "now"), "en"));
    assert_non_null(now);
    assert_int_equal(mm_mail_render_alert(&a, "Blue Bakery", MM_LANG_EN, NULL, &t), 0);
    char want[1024];
    snprintf(want, sizeof want,
             "* What happened\n%s\n\n* What to do now\n%s\n\n* Possible threat\n", a.signature,
             now);
    assert_non_null(strstr(t.text, want));
    assert_non_null(strstr(t.html, "<h2>What to do now</h2>\n<p>"));
    mm_mail_text_free(&t);
}

/* A sensor detector's alert that came without the sensor's message (an
 * older sensor, a Suricata-style line): ingest fills its messages
 * (mm_ingest_alert_default_message), and the mail gives the generic step,
 * once, where it gave none. */
static void test_render_alert_no_sensor_message(void **state)
{
    (void)state;
    struct mm_alert a;
    struct mm_mail_text t;
    sample_alert(&a);
    struct mm_ingest_alert in = {.signature = a.signature};
    mm_ingest_alert_default_message(&in);
    snprintf(a.message_ja, sizeof a.message_ja, "%s", in.message_ja);
    snprintf(a.message_en, sizeof a.message_en, "%s", in.message_en);
    a.filled_ja = in.filled_ja;
    a.filled_en = in.filled_en;
    const json_t *generic = mm_alert_kind_explanation("generic");
    const char *now = json_string_value(json_object_get(json_object_get(generic, "now"), "ja"));
    assert_non_null(now);
    assert_int_equal(mm_mail_render_alert(&a, "山田製作所", MM_LANG_JA, NULL, &t), 0);
    char want[2048];
    snprintf(want, sizeof want, "\n■ いますぐしていただきたいこと\n%s\n", now);
    assert_non_null(strstr(t.text, want));
    assert_non_null(strstr(t.text, "■ 何が起きたか\n"));
    const char *first = strstr(t.html, "いますぐしていただきたいこと");
    assert_non_null(first);
    assert_null(strstr(first + 1, "いますぐしていただきたいこと"));
    mm_mail_text_free(&t);
    assert_int_equal(mm_mail_render_alert(&a, "Blue Bakery", MM_LANG_EN, NULL, &t), 0);
    assert_non_null(strstr(t.text, "* What to do now\n"));
    mm_mail_text_free(&t);
}

/* An older sensor's alert with an English message only: ingest fills the
 * Japanese one (filled_ja), so the Japanese mail gives the generic step and
 * the English mail none but its message's own, one step in each language
 * (the English mail used to give both). */
static void test_render_alert_english_only(void **state)
{
    (void)state;
    struct mm_alert a;
    struct mm_mail_text t;
    sample_alert(&a);
    struct mm_ingest_alert in = {.signature = a.signature, .message_en = a.message_en};
    mm_ingest_alert_default_message(&in);
    assert_true(in.filled_ja);
    assert_false(in.filled_en);
    snprintf(a.message_ja, sizeof a.message_ja, "%s", in.message_ja);
    a.filled_ja = in.filled_ja;
    a.filled_en = in.filled_en;
    assert_null(mm_alert_now(&a, MM_LANG_EN));
    assert_non_null(mm_alert_now(&a, MM_LANG_JA));
    assert_int_equal(mm_mail_render_alert(&a, "Blue Bakery", MM_LANG_EN, NULL, &t), 0);
    assert_null(strstr(t.text, "What to do now"));
    assert_null(strstr(t.html, "What to do now"));
    assert_non_null(strstr(t.text, "Scan it <now> & report."));
    mm_mail_text_free(&t);
    assert_int_equal(mm_mail_render_alert(&a, "山田製作所", MM_LANG_JA, NULL, &t), 0);
    assert_non_null(strstr(t.text, "■ いますぐしていただきたいこと\n"));
    mm_mail_text_free(&t);
    /* The other way round (Japanese only): the English mail, whose message
     * is the signature, takes the generic step, the Japanese one does not. */
    sample_alert(&a);
    a.message_en[0] = '\0';
    struct mm_ingest_alert ja = {.signature = a.signature, .message_ja = a.message_ja};
    mm_ingest_alert_default_message(&ja);
    snprintf(a.message_en, sizeof a.message_en, "%s", ja.message_en);
    a.filled_ja = ja.filled_ja;
    a.filled_en = ja.filled_en;
    assert_int_equal(mm_mail_render_alert(&a, "Blue Bakery", MM_LANG_EN, NULL, &t), 0);
    assert_non_null(strstr(t.text, "* What to do now\n"));
    mm_mail_text_free(&t);
    assert_int_equal(mm_mail_render_alert(&a, "山田製作所", MM_LANG_JA, NULL, &t), 0);
    assert_null(strstr(t.text, "いますぐしていただきたいこと"));
    mm_mail_text_free(&t);
}

/* A base_url written with a closing slash gives the same links. */
static void test_render_link_base_url_slash(void **state)
{
    (void)state;
    struct mm_alert a;
    struct mm_mail_text t;
    sample_alert(&a);
    assert_int_equal(mm_mail_render_alert(&a, "Blue Bakery", MM_LANG_EN, "https://c.example//", &t),
                     0);
    assert_non_null(strstr(t.text, "https://c.example/alerts/42\n"));
    assert_non_null(strstr(t.html, "href=\"https://c.example/alerts/42\""));
    assert_null(strstr(t.text, "example//"));
    mm_mail_text_free(&t);
    struct mm_alert items[1];
    sample_alert(&items[0]);
    assert_int_equal(mm_mail_render_digest(items, 1, 1, "Storm", MM_LANG_EN, 10,
                                           "http://10.0.0.1:8080/mamori/", &t),
                     0);
    assert_non_null(strstr(t.text, "http://10.0.0.1:8080/mamori/alerts\n"));
    assert_null(strstr(t.html, "mamori//"));
    mm_mail_text_free(&t);
}

static void test_render_alert_en_no_link(void **state)
{
    (void)state;
    struct mm_alert a;
    struct mm_mail_text t;
    sample_alert(&a);
    a.device[0] = '\0';
    assert_int_equal(mm_mail_render_alert(&a, "Blue Bakery", MM_LANG_EN, NULL, &t), 0);
    assert_string_equal(
        t.subject, "[mamori URGENT] Blue Bakery: An office device looked up a dangerous domain");
    assert_non_null(strstr(t.text, "- Device: (not recorded)"));
    assert_non_null(strstr(t.text, "First detected: 2026-04-01 09:00:00 (Japan time)"));
    assert_non_null(strstr(t.html, "Scan it &lt;now&gt; &amp; report."));
    assert_null(strstr(t.text, "web screen"));
    mm_mail_text_free(&t);
}

/* With [reports] timezone = UTC the mails print UTC times and say so. */
static void test_render_alert_other_zone(void **state)
{
    (void)state;
    struct mm_alert a;
    struct mm_mail_text t;
    struct mm_zone *utc = NULL;
    bool fallback;
    char err[128];
    sample_alert(&a);
    assert_int_equal(mm_zone_load("UTC", &utc, &fallback, err, sizeof err), 0);
    mm_report_use_zone(utc);
    assert_int_equal(mm_mail_render_alert(&a, "山田製作所", MM_LANG_JA, NULL, &t), 0);
    assert_non_null(strstr(t.text, "2026-04-01 00:00:00（UTC）"));
    mm_mail_text_free(&t);
    assert_int_equal(mm_mail_render_rise(&a, 3, "Blue Bakery", MM_LANG_EN, NULL, &t), 0);
    assert_non_null(strstr(t.text, "2026-04-01 00:00:00 (UTC)"));
    mm_mail_text_free(&t);
    mm_report_use_zone(NULL);
    mm_zone_free(utc);
}

static void test_render_digest(void **state)
{
    (void)state;
    struct mm_alert items[3];
    struct mm_mail_text t;
    for (int i = 0; i < 3; i++)
        sample_alert(&items[i]);
    assert_int_equal(mm_mail_render_digest(items, 3, 10, "Storm", MM_LANG_EN, 10, NULL, &t), 0);
    assert_string_equal(t.subject, "[mamori digest] Storm: 10 more alerts");
    assert_non_null(strstr(t.text, "3. 2026-04-01 09:00:00  02:00:00:00:00:01"));
    assert_non_null(strstr(t.text, "... (+7)"));
    assert_non_null(strstr(t.html, "<li>... (+7)</li>"));
    mm_mail_text_free(&t);
    assert_int_equal(mm_mail_render_digest(items, 3, 3, "ストーム", MM_LANG_JA, 10, NULL, &t), 0);
    assert_non_null(strstr(t.subject, "ほかに 3 件"));
    mm_mail_text_free(&t);
}

/* mm_mail_defang on one text. */
static void check_defang(const char *in, const char *want)
{
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_mail_defang(in, &b), 0);
    assert_string_equal(mm_buf_str(&b), want);
    mm_buf_free(&b);
}

/* Web addresses and domain names unclickable; addresses, times, versions,
 * sentences and Japanese text as they were. */
static void test_defang(void **state)
{
    (void)state;
    check_defang("Log in at https://login.evil.example/reset now.",
                 "Log in at hxxps://login[.]evil[.]example/reset now.");
    check_defang("HTTP://x.jp ftp://files.example.com",
                 "hxxp://x[.]jp fxp://files[.]example[.]com");
    check_defang("mail admin@evil.co.jp or see www.evil.com.", "mail admin@evil[.]co[.]jp or see "
                                                               "www[.]evil[.]com.");
    check_defang("確認はhttps://evil.example/からお願いします",
                 "確認はhxxps://evil[.]example/からお願いします");
    check_defang("接続先はevil.comです。", "接続先はevil[.]comです。");
    check_defang("http://10.0.0.1/login", "hxxp://10.0.0.1/login");
    check_defang("Device 192.168.1.10 scanned 20 ports at 10:00.",
                 "Device 192.168.1.10 scanned 20 ports at 10:00.");
    check_defang("SMBv1 on Windows 7 (v1.2, e.g. 3.5GHz).",
                 "SMBv1 on Windows 7 (v1.2, e.g. 3.5GHz).");
    check_defang("fe80::1 02:00:00:00:00:01", "fe80::1 02:00:00:00:00:01");
    check_defang("ウイルス対策ソフトでスキャンしてください。",
                 "ウイルス対策ソフトでスキャンしてください。");
    check_defang(NULL, "");
    check_defang("", "");
}

/* The dots that browsers' IDNA mapping reads as '.' (U+FF0E, U+3002,
 * U+FF61) and full-width schemes are defanged too; "。" ending a Japanese
 * sentence is not a dot of a name. */
static void test_defang_wide(void **state)
{
    (void)state;
    check_defang("evil．com", "evil[.]com");
    check_defang("ｈｔｔｐｓ：／／evil．com", "hxxps：／／evil[.]com");
    check_defang("ＨＴＴＰ://ｅｖｉｌ。ｃｏ"
                 "ｍ/",
                 "hxxp://ｅｖｉｌ[.]ｃｏｍ/");
    check_defang("see evil。co｡jp now", "see evil[.]co[.]jp now");
    check_defang("確認してください。Windows"
                 "を更新。",
                 "確認してください。Windows"
                 "を更新。");
    check_defang("接続先はevil．comです。", "接続先はevil[.]comです。");
}

/* A sensor's message, signature and device name reach the mail (subject,
 * text, HTML, digest line) defanged: a stolen sensor key cannot put a
 * working link into a mail from the vendor's address. The centre's own
 * link (base_url) is left alone. */
static void test_render_defangs_sensor_text(void **state)
{
    (void)state;
    struct mm_alert a;
    struct mm_mail_text t;
    sample_alert(&a);
    snprintf(a.message_en, sizeof a.message_en,
             "Reset your password at https://mamori-support.example.com/login. It expires.");
    snprintf(a.signature, sizeof a.signature, "see www.evil.example");
    snprintf(a.device, sizeof a.device, "pc.evil.example");
    assert_int_equal(
        mm_mail_render_alert(&a, "Blue Bakery", MM_LANG_EN, "https://centre.example", &t), 0);
    for (int part = 0; part < 3; part++) {
        const char *p = part == 0 ? t.subject : part == 1 ? t.text : t.html;
        assert_null(strstr(p, "https://mamori"));
        assert_null(strstr(p, "support.example.com"));
        assert_null(strstr(p, "www.evil"));
        assert_null(strstr(p, "pc.evil"));
    }
    assert_non_null(strstr(t.subject, "hxxps://mamori-support[.]example[.]com/login"));
    assert_non_null(strstr(t.text, "hxxps://mamori-support[.]example[.]com/login. It expires."));
    assert_non_null(strstr(t.text, "pc[.]evil[.]example"));
    assert_non_null(strstr(t.html, "hxxps://mamori-support[.]example[.]com/login"));
    assert_non_null(strstr(t.text, "https://centre.example/alerts/42"));
    assert_non_null(strstr(t.html, "href=\"https://centre.example/alerts/42\""));
    mm_mail_text_free(&t);
    assert_int_equal(mm_mail_render_rise(&a, 2, "Blue Bakery", MM_LANG_EN, NULL, &t), 0);
    assert_null(strstr(t.text, "support.example.com"));
    mm_mail_text_free(&t);
    assert_int_equal(mm_mail_render_digest(&a, 1, 1, "Blue Bakery", MM_LANG_EN, 10, NULL, &t), 0);
    assert_null(strstr(t.text, "support.example.com"));
    assert_null(strstr(t.html, "pc.evil"));
    assert_non_null(strstr(t.text, "pc[.]evil[.]example"));
    mm_mail_text_free(&t);
}

/* The tenant's name is chosen by an SME owner: it is defanged in the
 * subject and greeting of every mail, like the sensor's text. */
static void test_render_defangs_tenant_name(void **state)
{
    (void)state;
    static const char name[] = "Reset at https://mamori-login.evil.example/reset now";
    struct mm_alert a;
    struct mm_mail_text t;
    sample_alert(&a);
    for (int kind = 0; kind < 3; kind++) {
        for (int lang = 0; lang < 2; lang++) {
            enum mm_lang l = lang ? MM_LANG_EN : MM_LANG_JA;
            int r = kind == 0   ? mm_mail_render_alert(&a, name, l, NULL, &t)
                    : kind == 1 ? mm_mail_render_rise(&a, 2, name, l, NULL, &t)
                                : mm_mail_render_digest(&a, 1, 1, name, l, 10, NULL, &t);
            assert_int_equal(r, 0);
            for (int part = 0; part < 3; part++) {
                const char *p = part == 0 ? t.subject : part == 1 ? t.text : t.html;
                assert_null(strstr(p, "https://"));
                assert_null(strstr(p, "evil.example"));
                assert_non_null(strstr(p, "hxxps://mamori-login[.]evil[.]example/reset"));
            }
            mm_mail_text_free(&t);
        }
    }
    assert_int_equal(mm_mail_render_alert(&a, "株式会社ブルー", MM_LANG_JA, NULL, &t), 0);
    assert_non_null(strstr(t.subject, "株式会社ブルー: "));
    mm_mail_text_free(&t);
}

static void test_compose(void **state)
{
    (void)state;
    struct mm_mail_text t = {.subject = "件名", .text = "line 1\nline 2\n", .html = "<p>x</p>"};
    char *msg = NULL;
    assert_int_equal(mm_mail_compose("mamori <a@v.example>", "x@y.example, z@y.example", &t,
                                     "mamori.alert.1.2.ab@v.example", 1775001600000000LL, &msg),
                     0);
    assert_non_null(strstr(msg, "From: mamori <a@v.example>\r\n"));
    assert_non_null(strstr(msg, "To: x@y.example, z@y.example\r\n"));
    assert_non_null(strstr(msg, "Subject: =?UTF-8?B?5Lu25ZCN?=\r\n"));
    assert_non_null(strstr(msg, "Date: Wed, 01 Apr 2026 00:00:00 +0000\r\n"));
    assert_non_null(strstr(msg, "Message-ID: <mamori.alert.1.2.ab@v.example>\r\n"));
    assert_non_null(strstr(msg, "MIME-Version: 1.0\r\n"));
    assert_non_null(strstr(msg, "Content-Type: multipart/alternative; boundary="));
    assert_non_null(strstr(msg, "Content-Type: text/plain; charset=UTF-8\r\n"));
    assert_non_null(strstr(msg, "Content-Type: text/html; charset=UTF-8\r\n"));
    /* "line 1\r\nline 2\r\n" in base64: the text part is CRLF-canonical */
    assert_non_null(strstr(msg, "bGluZSAxDQpsaW5lIDINCg=="));
    char *end = strstr(msg, "--\r\n");
    assert_non_null(end);
    assert_string_equal(end, "--\r\n");
    free(msg);
    /* no header injection through the addresses or the Message-ID */
    assert_int_equal(mm_mail_compose("a@v.example\r\nBcc: evil@x", "x@y", &t, "m@v", 0, &msg),
                     MM_EINVAL);
    assert_null(msg);
    assert_int_equal(mm_mail_compose("a@v.example", "x@y", &t, "m>\r\nX: 1", 0, &msg), MM_EINVAL);
}

/* The duty address soc@vendor.jp must not be taken as already present
 * because the contact isoc@vendor.jp contains it (a substring test did). */
/* The one comma-list walk of [mail] duty's check and the recipient lists:
 * entries trimmed of spaces and tabs, empty ones skipped. */
static void test_list_next(void **state)
{
    (void)state;
    const char *p = " a@x ,,\tb@y\t, ,c@z,", *item;
    const char *const want[] = {"a@x", "b@y", "c@z"};
    size_t n, i = 0;
    while (mm_mail_list_next(&p, &item, &n)) {
        assert_true(i < 3);
        assert_int_equal(n, strlen(want[i]));
        assert_memory_equal(item, want[i], n);
        i++;
    }
    assert_int_equal(i, 3);
    p = NULL;
    assert_false(mm_mail_list_next(&p, &item, &n));
    p = " , ";
    assert_false(mm_mail_list_next(&p, &item, &n));
}

static void test_recipients_exact(void **state)
{
    (void)state;
    struct mm_buf l = MM_BUF_INIT;
    assert_int_equal(mm_mail_recipients_add(&l, "isoc@vendor.jp", 4096), 0);
    assert_int_equal(mm_mail_recipients_add(&l, "soc@vendor.jp", 4096), 0);
    assert_string_equal(mm_buf_str(&l), "isoc@vendor.jp,soc@vendor.jp");
    assert_true(mm_mail_recipients_have(mm_buf_str(&l), "soc@vendor.jp"));
    assert_true(mm_mail_recipients_have(mm_buf_str(&l), "soc@VENDOR.JP"));
    assert_false(mm_mail_recipients_have(mm_buf_str(&l), "oc@vendor.jp"));
    assert_false(mm_mail_recipients_have(mm_buf_str(&l), "SOC@vendor.jp"));
    assert_false(mm_mail_recipients_have(mm_buf_str(&l), "soc@vendor.jp.evil"));
    /* a comma list (the [mail] duty setting), repeats and case of the domain */
    assert_int_equal(mm_mail_recipients_add(&l, " a@x.example , soc@Vendor.JP,a@X.example,", 4096),
                     0);
    assert_string_equal(mm_buf_str(&l), "isoc@vendor.jp,soc@vendor.jp,a@x.example");
    /* the size cap drops what does not fit, nothing else */
    assert_int_equal(mm_mail_recipients_add(&l, "toolong@x.example", 50), 0);
    assert_string_equal(mm_buf_str(&l), "isoc@vendor.jp,soc@vendor.jp,a@x.example");
    assert_true(mm_mail_address_equal("a@B.example", "a@b.EXAMPLE"));
    assert_false(mm_mail_address_equal("a@b.example", "ba@b.example"));
    mm_buf_free(&l);
}

static void test_config(void **state)
{
    (void)state;
    struct mm_mail_config cfg;
    struct mm_ini *ini = NULL;
    char err[256];
    assert_int_equal(mm_mail_config_load(NULL, &cfg, err, sizeof err), 0);
    assert_false(cfg.enabled);
    assert_int_equal(cfg.port, 25);
    assert_int_equal(cfg.immediate_max, 5);
    assert_int_equal(mm_ini_load_string("[mail]\nhost = 127.0.0.1\nport = 2525\nstarttls = always\n"
                                        "from = m <m@v.example>\n",
                                        &ini, err, sizeof err),
                     0);
    assert_int_equal(mm_mail_config_load(ini, &cfg, err, sizeof err), 0);
    assert_true(cfg.enabled);
    assert_int_equal(cfg.port, 2525);
    assert_int_equal(cfg.tls, MM_STARTTLS_ALWAYS);
    mm_ini_free(ini);
    assert_int_equal(
        mm_ini_load_string("[mail]\nhost = h\nstarttls = maybe\n", &ini, err, sizeof err), 0);
    assert_int_equal(mm_mail_config_load(ini, &cfg, err, sizeof err), MM_EPARSE);
    mm_ini_free(ini);
    assert_int_equal(mm_ini_load_string("[mail]\nenabled = yes\n", &ini, err, sizeof err), 0);
    assert_int_equal(mm_mail_config_load(ini, &cfg, err, sizeof err), MM_EINVAL);
    mm_ini_free(ini);
    assert_int_equal(mm_ini_load_string("[mail]\nhost = h\nwindow = 0\n", &ini, err, sizeof err),
                     0);
    assert_int_equal(mm_mail_config_load(ini, &cfg, err, sizeof err), MM_EPARSE);
    mm_ini_free(ini);
}

/* Loads text as [mail] settings; returns mm_mail_config_load's code, then
 * mm_mail_config_check_files's (the server's check), the message in err. */
static int load_mail_err(const char *text, char *err, size_t errlen)
{
    struct mm_mail_config cfg;
    struct mm_ini *ini = NULL;
    assert_int_equal(mm_ini_load_string(text, &ini, err, errlen), 0);
    int r = mm_mail_config_load(ini, &cfg, err, errlen);
    if (r == 0)
        r = mm_mail_config_check_files(&cfg, err, errlen);
    /* read once, kept for libcurl: the text, or nothing when refused */
    if (r == 0 && cfg.enabled && cfg.ca_file)
        assert_true(cfg.ca_pem && cfg.ca_pem_len == strlen(cfg.ca_pem) && cfg.ca_pem_len > 0);
    else
        assert_null(cfg.ca_pem);
    mm_mail_config_release(&cfg);
    mm_mail_config_release(&cfg); /* twice is fine */
    mm_ini_free(ini);
    return r;
}

static int load_mail(const char *text)
{
    char err[256];
    return load_mail_err(text, err, sizeof err);
}

/* host, base_url, duty and (with mail on) ca_file are checked with the rest
 * of [mail], before anything starts: they were first used at a send. */
static void test_config_send_time_keys(void **state)
{
    (void)state;
    static const char *const good[] = {
        "[mail]\nhost = smtp.example.jp\nbase_url = https://centre.example.jp/\n",
        "[mail]\nhost = [::1]\n",
        "[mail]\nhost = [2001:db8::25]\nbase_url = http://10.0.0.1:8080/mamori\n",
        "[mail]\nhost = smtp_relay-1.local\n",
        "[mail]\nhost = メール.example.jp\n",
        "[mail]\nhost = h\nduty = a@v.example, b@v.example ,\n",
        "[mail]\nhost = h\nenabled = no\nca_file = /nonexistent/ca.pem\n",
        "[mail]\nhost = h\nbase_url = HTTPS://centre.example.jp/\n",
        "[mail]\nhost = h\nbase_url = Http://centre.example.jp\n",
        "[mail]\nhost = [fe80::1%25eth0]\n",
        "[mail]\nhost = [fe80::1%25en0.1]\n",
    };
    static const char *const bad[] = {
        "[mail]\nhost = ::1\n",
        "[mail]\nhost = [::1\n",
        "[mail]\nhost = [not-v6]\n",
        "[mail]\nhost = mail example\n",
        "[mail]\nhost = smtp.example/x\n",
        "[mail]\nhost = user@smtp.example\n",
        "[mail]\nhost = -h\n",
        "[mail]\nhost = h\nbase_url = centre.example.jp\n",
        "[mail]\nhost = h\nbase_url = https://centre example\n",
        "[mail]\nhost = h\nduty = a@v.example, on duty\n",
        "[mail]\nhost = h\nduty = a@v.example;b@v.example\n",
        "[mail]\nhost = h\nca_file = /nonexistent/ca.pem\n",
        "[mail]\nhost = h\nca_file = /\n",
        "[mail]\nhost = h\nca_file = /dev/null\n", /* readable, but no PEM certificate */
        "[mail]\nhost = h\nbase_url = https://\n",
        "[mail]\nhost = h\nbase_url = http:///path\n",
        "[mail]\nhost = h\nbase_url = https://:8080/\n",
        "[mail]\nhost = h\nbase_url = ftp://centre.example.jp\n",
        "[mail]\nhost = [fe80::1%25]\n",
        "[mail]\nhost = [%25eth0]\n",
        "[mail]\nhost = [fe80::1%25eth/0]\n",
        "[mail]\nhost = [not-v6%25eth0]\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (load_mail(good[i]) != 0)
            fail_msg("refused: %s", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (load_mail(bad[i]) == 0)
            fail_msg("taken: %s", bad[i]);
}

/* [mail] ca_file is read once, by mm_file_read_ca (the sensor's [uplink]
 * ca_file rule): a file of PEM certificates is kept for libcurl; a file
 * without one, a missing one, a folder are refused with a line naming
 * "[mail] ca_file" and the file (it used to be only read to see it could
 * be, up to 64 MiB; what was not PEM failed every STARTTLS). */
static void test_config_ca_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/mm-test-mail-ca-XXXXXX", path[64], text[160], err[256];
    assert_non_null(mkdtemp(dir));
    static const char pem[] = "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n";
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(pem, f);
    fclose(f);
    snprintf(text, sizeof text, "[mail]\nhost = h\nca_file = %s\n", path);
    assert_int_equal(load_mail_err(text, err, sizeof err), 0);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a certificate\n", f);
    fclose(f);
    char want[160];
    assert_int_equal(load_mail_err(text, err, sizeof err), MM_EPARSE);
    snprintf(want, sizeof want, "[mail] ca_file: %s holds no PEM certificate", path);
    assert_non_null(strstr(err, want));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(load_mail_err(text, err, sizeof err), MM_ENOENT);
    snprintf(want, sizeof want, "[mail] ca_file: cannot read %s (no such file", path);
    assert_non_null(strstr(err, want));
    snprintf(text, sizeof text, "[mail]\nhost = h\nca_file = %s\n", dir);
    assert_int_equal(load_mail_err(text, err, sizeof err), MM_EISDIR);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_ascii),
        cmocka_unit_test(test_header_japanese),
        cmocka_unit_test(test_defang),
        cmocka_unit_test(test_defang_wide),
        cmocka_unit_test(test_render_defangs_sensor_text),
        cmocka_unit_test(test_render_defangs_tenant_name),
        cmocka_unit_test(test_render_alert_ja),
        cmocka_unit_test(test_render_alert_step_section),
        cmocka_unit_test(test_render_alert_no_sensor_message),
        cmocka_unit_test(test_render_alert_english_only),
        cmocka_unit_test(test_render_alert_en_no_link),
        cmocka_unit_test(test_render_alert_other_zone),
        cmocka_unit_test(test_render_digest),
        cmocka_unit_test(test_render_link_base_url_slash),
        cmocka_unit_test(test_compose),
        cmocka_unit_test(test_config),
        cmocka_unit_test(test_config_send_time_keys),
        cmocka_unit_test(test_config_ca_file),
        cmocka_unit_test(test_list_next),
        cmocka_unit_test(test_recipients_exact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
