/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the core's small pieces: buffers, errors, strings, language
 * selection, addresses, INI files, time stamps, file writes, the rate limit
 * of repeated log lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/wait.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <time.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/fs-read.h"
#include "core/i18n.h"
#include "core/ini.h"
#include "core/loglimit.h"
#include "core/net.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "../test-tmpdir.h"

static void test_buf(void **state)
{
    (void)state;
    struct mm_buf b = MM_BUF_INIT;
    assert_string_equal(mm_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(mm_buf_printf(&b, "%d,", i), 0);
    assert_true(b.len > 1000);
    mm_buf_reset(&b);
    assert_int_equal(mm_buf_html_escape(&b, "<a href=\"x\">&'"), 0);
    assert_string_equal(mm_buf_str(&b), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    char *s = mm_buf_take(&b);
    assert_non_null(s);
    free(s);
    s = mm_buf_take(&b);
    assert_string_equal(s, "");
    free(s);
    mm_buf_free(&b);
    mm_buf_free(NULL);
}

/* printf appends that fit, that grow the buffer, and the printf-free
 * number helpers give the same text as snprintf. */
static void test_buf_format(void **state)
{
    (void)state;
    struct mm_buf b = MM_BUF_INIT, want = MM_BUF_INIT;
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(mm_buf_printf(&b, "%s", "a"), 0);        /* first append: no buffer yet */
    assert_int_equal(mm_buf_printf(&b, "<%s>", big), 0);      /* grows */
    assert_int_equal(mm_buf_printf(&b, "%d|%s", -7, "z"), 0); /* fits */
    assert_int_equal(b.len, strlen(b.data));
    assert_int_equal(b.len, 1 + 301 + 4);
    assert_memory_equal(b.data + b.len - 4, "-7|z", 4);
    mm_buf_reset(&b);
    const unsigned long long nums[] = {0, 7, 10, 65535, 4294967295ULL, 18446744073709551615ULL};
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        assert_int_equal(mm_buf_put_uint(&b, nums[i]), 0);
        mm_buf_printf(&want, "%llu", nums[i]);
        assert_int_equal(mm_buf_put_hex4(&b, (unsigned)(nums[i] & 0xffff)), 0);
        mm_buf_printf(&want, "%04x", (unsigned)(nums[i] & 0xffff));
    }
    assert_string_equal(mm_buf_str(&b), mm_buf_str(&want));
    mm_buf_free(&b);
    mm_buf_free(&want);
}

/* mm_str_u64 writes what printf's %llu writes, with its length: every
 * power of ten and its neighbours, every power of two and its neighbours,
 * the extremes and random values. */
static void test_str_u64(void **state)
{
    (void)state;
    char got[MM_U64_STRLEN], want[32];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 20000; i++) {
        uint64_t v;
        if (i < 60) {
            uint64_t p = 1;
            for (int k = 0; k < i / 3; k++)
                p *= 10;
            v = p + (uint64_t)(i % 3) - 1; /* 10^k - 1, 10^k, 10^k + 1 */
        } else if (i < 62) {
            v = i == 60 ? 0 : UINT64_MAX;
        } else if (i < 62 + 3 * 64) {
            int k = (i - 62) / 3; /* 2^k - 1, 2^k, 2^k + 1: each bit length */
            v = (1ULL << k) + (uint64_t)((i - 62) % 3) - 1;
        } else {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v = x >> (x % 64);
        }
        size_t n = mm_str_u64(v, got);
        snprintf(want, sizeof want, "%llu", (unsigned long long)v);
        assert_string_equal(got, want);
        assert_int_equal(n, strlen(want));
    }
}

static void test_errors(void **state)
{
    (void)state;
    assert_string_equal(mm_strerror(MM_OK), "success");
    assert_string_equal(mm_strerror(MM_ENOMEM), "out of memory");
    assert_string_equal(mm_errname(MM_EPARSE), "EPARSE");
    assert_string_equal(mm_strerror(-999), "unknown error");
    /* the one errno mapping: each system reason its own code, the rest MM_EIO */
    static const struct {
        int e, want;
    } map[] = {
        {ENOENT, MM_ENOENT},
        {EACCES, MM_EPERM},
        {EPERM, MM_EPERM},
        {ENOMEM, MM_ENOMEM},
        {EEXIST, MM_EEXIST},
        {EISDIR, MM_EISDIR},
        {ENOTDIR, MM_ENOTDIR},
        {ENOSPC, MM_ENOSPC},
        {EDQUOT, MM_ENOSPC},
        {EROFS, MM_EROFS},
        {EIO, MM_EIO},
        {ELOOP, MM_ELOOP},
        {ENAMETOOLONG, MM_ENAMETOOLONG},
        {EFBIG, MM_EFBIG}, /* was MM_EIO, "input/output error" */
        {EBUSY, MM_EIO},
        {0, MM_EIO},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        assert_int_equal(mm_error_from_errno(map[i].e), map[i].want);
    assert_string_equal(mm_errname(MM_ENOSPC), "ENOSPC");
    assert_string_equal(mm_errname(MM_EROFS), "EROFS");
    assert_string_equal(mm_errname(MM_ENOTDIR), "ENOTDIR");
    assert_string_equal(mm_strerror(MM_EROFS), "read-only file system");
    assert_string_equal(mm_strerror(MM_ENOTDIR), "not a directory");
    assert_string_equal(mm_errname(MM_ENAMETOOLONG), "ENAMETOOLONG");
    assert_string_equal(mm_errname(MM_ELOOP), "ELOOP");
    assert_string_equal(mm_errname(MM_EFBIG), "EFBIG");
}

static void test_utf8(void **state)
{
    (void)state;
    size_t bad = 0;
    assert_true(mm_utf8_valid("守り mamori", strlen("守り mamori"), NULL));
    assert_false(mm_utf8_valid("ab\xff", 3, &bad));
    assert_int_equal(bad, 2);
    assert_false(mm_utf8_valid("\xc0\xaf", 2, NULL));     /* overlong */
    assert_false(mm_utf8_valid("\xed\xa0\x80", 3, NULL)); /* surrogate */
    assert_false(mm_utf8_valid("\xe5\xae", 2, NULL));     /* truncated */
    assert_int_equal(mm_utf8_len("守りx"), 3);
    /* what text output must not pass to a terminal */
    assert_int_equal(mm_text_control_len("\x1b[31m"), 1);
    assert_int_equal(mm_text_control_len("\x7f"), 1);
    assert_int_equal(mm_text_control_len("\xc2\x9b"), 2);     /* U+009B CSI */
    assert_int_equal(mm_text_control_len("\xc2\xa0"), 0);     /* U+00A0 */
    assert_int_equal(mm_text_control_len("\xe2\x80\xae"), 3); /* U+202E RLO */
    assert_int_equal(mm_text_control_len("\xe2\x80\xaa"), 3); /* U+202A LRE */
    assert_int_equal(mm_text_control_len("\xe2\x81\xa6"), 3); /* U+2066 LRI */
    assert_int_equal(mm_text_control_len("\xe2\x81\xa9"), 3); /* U+2069 PDI */
    assert_int_equal(mm_text_control_len("\xe2\x80\x8e"), 3); /* U+200E LRM */
    assert_int_equal(mm_text_control_len("\xe2\x80\x8f"), 3); /* U+200F RLM */
    assert_int_equal(mm_text_control_len("\xd8\x9c"), 2);     /* U+061C ALM */
    assert_int_equal(mm_text_control_len("\xe2\x80\x8d"), 0); /* U+200D ZWJ */
    assert_int_equal(mm_text_control_len("\xe2\x80\xa9"), 0); /* U+2029 */
    assert_int_equal(mm_text_control_len("\xe2\x81\xaa"), 0); /* U+206A */
    assert_int_equal(mm_text_control_len("\xe2\x80"), 0);     /* cut */
    assert_int_equal(mm_text_control_len("守"), 0);
    assert_int_equal(mm_text_control_len(""), 0);
    char t[] = "  hi \r\n";
    assert_string_equal(mm_str_trim(t), "hi");
    /* Full-width ASCII and the ideographic space fold; other text stays. */
    char w[] = "\xe3\x80\x80１２ Ｙｅｓ！～ｚ守り\xef\xbd\xa1";
    assert_string_equal(mm_str_fold_fullwidth(w), " 12 Yes!~z守り\xef\xbd\xa1");
    char cut[] = "\xef\xbc";
    assert_string_equal(mm_str_fold_fullwidth(cut), "\xef\xbc");
}

static void test_lang(void **state)
{
    (void)state;
    enum mm_lang l;
    assert_int_equal(mm_lang_select("ja", &l), 0);
    assert_int_equal(l, MM_LANG_JA);
    assert_int_equal(mm_lang_select("fr", &l), MM_EINVAL);
    setenv("LC_ALL", "", 1);
    setenv("LC_MESSAGES", "", 1);
    setenv("LANG", "ja_JP.UTF-8", 1);
    assert_int_equal(mm_lang_select(NULL, &l), 0);
    assert_int_equal(l, MM_LANG_JA);
    setenv("LC_ALL", "en_US.UTF-8", 1);
    assert_int_equal(mm_lang_select(NULL, &l), 0);
    assert_int_equal(l, MM_LANG_EN);
    unsetenv("LC_ALL");
    unsetenv("LANG");
    unsetenv("LC_MESSAGES");
    assert_int_equal(mm_lang_select(NULL, &l), 0);
    assert_int_equal(l, MM_LANG_EN);
    assert_string_equal(mm_tr("cli", "no.such.key", MM_LANG_JA), "no.such.key");
}

/* The IPv4 fast paths of mm_addr_parse/mm_addr_format agree with
 * inet_pton/inet_ntop: edge strings, and formatting of many addresses. */
static void test_addr_v4_like_libc(void **state)
{
    (void)state;
    const char *texts[] = {"1.2.3.4",   "0.0.0.0",   "255.255.255.255", "01.2.3.4",      "1.2.3.04",
                           "256.1.1.1", "1.2.3",     "1.2.3.4.5",       "1..2.3",        "",
                           " 1.2.3.4",  "1.2.3.4 ",  "1.2.3.4/8",       "1000.1.1.1",    "1.2.3.-4",
                           "10.0.0.0",  "1.2.3.255", "9.99.199.249",    "::ffff:1.2.3.4"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        struct mm_addr a;
        uint8_t want[16] = {0};
        int libc4 = inet_pton(AF_INET, texts[i], want);
        int r = mm_addr_parse(texts[i], &a);
        if (libc4 == 1) {
            assert_int_equal(r, 0);
            assert_int_equal(a.family, 4);
            assert_memory_equal(a.bytes, want, 4);
        } else {
            assert_true(r != 0 || a.family == 6);
        }
        if (r != 0) { /* a failed parse leaves the cleared address, as libc's did */
            struct mm_addr zero;
            memset(&zero, 0, sizeof zero);
            assert_memory_equal(&a, &zero, sizeof a);
        }
    }
    for (uint32_t x = 0, k = 0; k < 5000; k++, x = x * 2654435761u + 12345u) {
        struct mm_addr a = {.family = 4};
        char got[MM_ADDR_STRLEN], want[INET_ADDRSTRLEN];
        memcpy(a.bytes, &x, 4);
        if (k < 256)
            memset(a.bytes, (int)k, 4);
        mm_addr_format(&a, got, sizeof got);
        assert_non_null(inet_ntop(AF_INET, a.bytes, want, sizeof want));
        assert_string_equal(got, want);
    }
}

static void test_addr(void **state)
{
    (void)state;
    struct mm_cidr c;
    struct mm_addr a;
    char s[MM_ADDR_STRLEN];
    assert_int_equal(mm_cidr_parse("192.168.1.77/16", &c), 0);
    mm_addr_format(&c.addr, s, sizeof s);
    assert_string_equal(s, "192.168.0.0");
    assert_int_equal(mm_addr_parse("192.168.200.1", &a), 0);
    assert_true(mm_cidr_contains(&c, &a));
    assert_int_equal(mm_addr_parse("fe80::1", &a), 0);
    assert_false(mm_cidr_contains(&c, &a));
    assert_int_equal(mm_cidr_parse("10.0.0.0/33", &c), MM_EPARSE);
    assert_int_equal(mm_cidr_parse("nonsense", &c), MM_EPARSE);
    /* the prefix length in digits only (strtoul took these as 8, and "-0" as 0) */
    static const char *const loose[] = {"10.0.0.0/ 8", "10.0.0.0/+8", "10.0.0.0/-0",
                                        "10.0.0.0/8 ", "10.0.0.0/",   "10.0.0.0/0x8"};
    for (size_t i = 0; i < sizeof loose / sizeof loose[0]; i++)
        assert_int_equal(mm_cidr_parse(loose[i], &c), MM_EPARSE);
    assert_int_equal(mm_cidr_parse("10.0.0.0/08", &c), 0);
    assert_int_equal(c.prefix, 8);
    struct mm_cidr *list;
    size_t n;
    assert_int_equal(mm_cidr_list_parse(MM_DEFAULT_HOME_NET, &list, &n), 0);
    assert_int_equal(n, 6);
    free(list);
}

/* A line longer than inih's line buffer (MM_INI_LINE_MAX) is refused,
 * naming the file and the line: inih cut it and read its rest as a line of
 * its own, silently ("k = 1 ... x = evil" past the cut set x). A line that
 * fits, with or without its line end, reads as it is. */
static void ini_long_line(void)
{
    struct mm_ini *ini;
    char err[256], text[1024], path[] = "/tmp/mm-ini-long-XXXXXX";
    size_t fits = MM_INI_LINE_MAX - 1; /* "k = " and the value, without the line end */
    for (int end = 0; end < 2; end++) {
        snprintf(text, sizeof text, "[s]\nk = %0*d%s", (int)(fits - 4), 7, end ? "\n" : "");
        assert_int_equal(mm_ini_load_string(text, &ini, err, sizeof err), 0);
        assert_int_equal(strlen(mm_ini_get(ini, "s", "k")), fits - 4);
        mm_ini_free(ini);
    }
    snprintf(text, sizeof text, "[s]\nk = 1%*sx = evil\nafter = 1\n", (int)fits, "");
    assert_int_equal(mm_ini_load_string(text, &ini, err, sizeof err), MM_ETOOBIG);
    assert_null(ini);
    assert_non_null(strstr(err, "<string>:2:"));
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(mm_ini_load_file(path, &ini, err, sizeof err), MM_ETOOBIG);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, ":2:"));
    unlink(path);
}

/* A line of a file holding a NUL byte is refused with its line: inih cut
 * the line there ("name = ab\0cd" read as "ab"). Entries carry their
 * lines. */
static void ini_nul_and_lines(void)
{
    struct mm_ini *ini;
    char err[256], path[] = "/tmp/mm-ini-nul-XXXXXX";
    static const char text[] = "[s]\nk = 1\nname = ab\0cd\n";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t)(sizeof text - 1));
    close(fd);
    ini = (void *)1;
    assert_int_equal(mm_ini_load_file(path, &ini, err, sizeof err), MM_EPARSE);
    assert_null(ini);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, ":3:"));
    assert_non_null(strstr(err, "NUL"));
    unlink(path);
    assert_int_equal(mm_ini_load_string("[s]\n\na = 1\n; c\nb = 2\n", &ini, err, sizeof err), 0);
    const char *s, *k, *v;
    int line;
    mm_ini_entry(ini, 0, &s, &k, &v, &line);
    assert_int_equal(line, 3);
    mm_ini_entry(ini, 1, &s, &k, &v, &line);
    assert_int_equal(line, 5);
    mm_ini_free(ini);
}

static void test_ini(void **state)
{
    (void)state;
    struct mm_ini *ini;
    char err[256];
    assert_int_equal(mm_ini_load_string("top = 1\n[sensor]\nallow = a\nallow = b\n"
                                        "flag = yes\nnum = 12\nplus = +5\nneg = -3\n",
                                        &ini, err, sizeof err),
                     0);
    assert_string_equal(mm_ini_get(ini, "", "top"), "1");
    assert_string_equal(mm_ini_get(ini, "SENSOR", "allow"), "b");
    bool f;
    long n;
    assert_int_equal(mm_ini_get_bool(ini, "sensor", "flag", false, &f), 0);
    assert_true(f);
    assert_int_equal(mm_ini_get_int(ini, "sensor", "num", 0, 0, 100, &n), 0);
    assert_int_equal(n, 12);
    assert_int_equal(mm_ini_get_int(ini, "sensor", "num", 0, 0, 10, &n), MM_EPARSE);
    /* digits only (mm_str_int64): strtol took "+5"; a '-' only where the range has one */
    assert_int_equal(mm_ini_get_int(ini, "sensor", "plus", 0, 0, 10, &n), MM_EPARSE);
    assert_int_equal(mm_ini_get_int(ini, "sensor", "neg", 0, -5, 10, &n), 0);
    assert_int_equal(n, -3);
    assert_int_equal(mm_ini_get_int(ini, "sensor", "neg", 0, 0, 10, &n), MM_EPARSE);
    assert_int_equal(mm_ini_count(ini), 7);
    mm_ini_free(ini);
    assert_int_equal(mm_ini_load_string("[ok]\nthis line is wrong\n", &ini, err, sizeof err),
                     MM_EPARSE);
    assert_non_null(strstr(err, ":2:"));
    /* a folder given as the file: "is a directory" (it was read as an empty file) */
    assert_int_equal(mm_ini_load_file("/", &ini, err, sizeof err), MM_EISDIR);
    assert_null(ini);
    assert_int_equal(mm_ini_load_file("/nonexistent/x.ini", &ini, err, sizeof err), MM_ENOENT);
    ini_long_line();
    ini_nul_and_lines();
}

/* The entries no getter asked for in a section it asked about, and the
 * sections it never asked about (each once, however often the file opens
 * it): what a program warns about as misspelt. */
static void test_ini_unread(void **state)
{
    (void)state;
    struct mm_ini *ini;
    char err[256];
    const char *sec, *key, *val;
    size_t pos = 0;
    assert_int_equal(mm_ini_load_string("[a]\nx = 1\nx = 2\nflag = on\nnum = 3\ntypo = 1\n"
                                        "[list]\nallow = p\nother = 1\nALLOW = q\n"
                                        "[nobody]\nk = v\n[b]\nplain = 1\n[NoBody]\nk2 = w\n",
                                        &ini, err, sizeof err),
                     0);
    /* before any reading no section is asked about: each named once */
    const char *sections[] = {"a", "list", "nobody", "b"};
    for (size_t i = 0; i < 4; i++) {
        assert_true(mm_ini_unread(ini, &pos, &sec, &key));
        assert_string_equal(sec, sections[i]);
        assert_null(key);
    }
    assert_false(mm_ini_unread(ini, &pos, &sec, &key));
    /* every getter marks: both x entries, the typed ones, an absent key
     * (its section asked about), and the repeated key walked with next */
    bool f;
    long n;
    assert_string_equal(mm_ini_get(ini, "A", "X"), "2");
    assert_int_equal(mm_ini_get_bool(ini, "a", "flag", false, &f), 0);
    assert_int_equal(mm_ini_get_int(ini, "a", "num", 0, 0, 10, &n), 0);
    assert_null(mm_ini_get(ini, "b", "absent"));
    const char *seen[2];
    size_t k = 0;
    pos = 0;
    while (mm_ini_next(ini, &pos, "list", "allow", NULL, &val))
        if (k++ < 2)
            seen[k - 1] = val;
    assert_int_equal(k, 2);
    assert_string_equal(seen[0], "p");
    assert_string_equal(seen[1], "q");
    /* raw access marks nothing */
    mm_ini_entry(ini, 0, &sec, &key, &val, NULL);
    const char *want[][2] = {{"a", "typo"}, {"list", "other"}, {"nobody", "k"}, {"b", "plain"}};
    pos = 0;
    for (size_t i = 0; i < 4; i++) {
        assert_true(mm_ini_unread(ini, &pos, &sec, &key));
        assert_string_equal(sec, want[i][0]);
        if (strcmp(sec, "nobody") == 0) /* the section, once: not [NoBody] again */
            assert_null(key);
        else
            assert_string_equal(key, want[i][1]);
    }
    assert_false(mm_ini_unread(ini, &pos, &sec, &key));
    /* next with any key marks the whole section; a section with no entry
     * is simply not found */
    pos = 0;
    k = 0;
    while (mm_ini_next(ini, &pos, "nobody", NULL, &key, &val))
        k++;
    assert_int_equal(k, 2);
    assert_string_equal(key, "k2");
    pos = 0;
    assert_false(mm_ini_next(ini, &pos, "missing", NULL, NULL, &val));
    pos = 0;
    k = 0;
    while (mm_ini_unread(ini, &pos, &sec, &key))
        k++;
    assert_int_equal(k, 3);
    mm_ini_free(ini);
    pos = 0;
    assert_false(mm_ini_unread(NULL, &pos, &sec, &key));
}

static void test_time(void **state)
{
    (void)state;
    setenv("TZ", "Asia/Tokyo", 1);
    struct timeval tv = {.tv_sec = 1700000000, .tv_usec = 42};
    char s[MM_TIMESTAMP_MAX];
    mm_time_format(&tv, s, sizeof s);
    assert_string_equal(s, "2023-11-15T07:13:20.000042+0900");
    int64_t us;
    assert_int_equal(mm_time_parse(s, &us), 0);
    assert_int_equal(us, 1700000000000042LL);
    assert_int_equal(mm_time_parse("2023-11-14T22:13:20Z", &us), 0);
    assert_int_equal(us, 1700000000000000LL);
    assert_int_equal(mm_time_parse("2023-13-14T22:13:20Z", &us), MM_EPARSE);
    assert_int_equal(mm_time_parse("2023-11-14 22:13:20", &us), MM_EPARSE);
    /* dates and times that do not exist are refused, not rolled over */
    static const char *const impossible[] = {
        "2026-02-30T10:00:00Z",      "2026-02-29T10:00:00Z",      "1900-02-29T00:00:00Z",
        "2026-04-31T10:00:00+09:00", "2026-00-10T10:00:00Z",      "2026-01-00T10:00:00Z",
        "2026-01-32T10:00:00Z",      "2026-11-28T24:00:00Z",      "2026-11-28T10:60:00Z",
        "2026-11-28T10:00:61Z",      "2026-11-28T12:34:60Z",      "2016-12-31T23:58:60Z",
        "2016-12-30T23:59:60Z",      "2016-12-31T23:59:60+09:00", "2017-01-01T08:59:60Z",
    };
    for (size_t i = 0; i < sizeof impossible / sizeof *impossible; i++)
        if (mm_time_parse(impossible[i], &us) != MM_EPARSE)
            fail_msg("%s accepted", impossible[i]);
    assert_int_equal(mm_time_parse("2024-02-29T10:00:00Z", &us), 0);
    assert_int_equal(mm_time_parse("2000-02-29T00:00:00Z", &us), 0);
    assert_int_equal(mm_time_parse("2026-04-30T23:59:59.999999-1130", &us), 0);
    /* a leap second: 23:59:60 UTC on a month's last day, in any zone */
    assert_int_equal(mm_time_parse("2016-12-31T23:59:60Z", &us), 0);
    assert_int_equal(us, 1483228800000000LL);
    assert_int_equal(mm_time_parse("2017-01-01T08:59:60.5+0900", &us), 0);
    assert_int_equal(us, 1483228800500000LL);
    assert_int_equal(mm_time_parse("2015-06-30T19:29:60-04:30", &us), 0);
    assert_int_equal(mm_time_parse("1969-12-31T23:59:60Z", &us), 0);
    assert_int_equal(us, 0);
    assert_int_equal(mm_time_parse_date("2026-02-28", &us), 0);
    assert_int_equal(mm_time_parse_date("2024-02-29", &us), 0);
    assert_int_equal(us, 1709164800000000LL);
    static const char *const no_dates[] = {"2026-02-30", "2026-02-29", "2100-02-29", "2026-04-31",
                                           "2026-06-31", "2026-09-31", "2026-11-31", "2026-00-01",
                                           "2026-13-01", "2026-01-00", "2026-12-32"};
    for (size_t i = 0; i < sizeof no_dates / sizeof *no_dates; i++)
        if (mm_time_parse_date(no_dates[i], &us) != MM_EPARSE)
            fail_msg("%s accepted", no_dates[i]);
    setenv("TZ", "UTC", 1);
    setenv("MAMORI_DATE", "2026-04-01", 1);
    char d[11];
    mm_time_today(d);
    assert_string_equal(d, "2026-04-01");
    /* a pin that is no date pins nothing: today is the clock's */
    setenv("MAMORI_DATE", "2026-02-30", 1);
    mm_time_today(d);
    assert_string_not_equal(d, "2026-02-30");
    assert_int_equal(mm_time_parse_date(d, &us), 0);
    /* mm_time_pinned_date tells "nothing pinned" from "pinned to no date",
     * with the value, for the program to refuse the latter */
    const char *pin = "x";
    static const char *const no_pins[] = {"2026-02-30", "2026-13-01",  "yesterday",
                                          "2026/04/01", "2026-04-01 ", " 2026-04-01"};
    for (size_t i = 0; i < sizeof no_pins / sizeof *no_pins; i++) {
        setenv("MAMORI_DATE", no_pins[i], 1);
        if (mm_time_pinned_date(&pin, &us) != MM_EPARSE || !pin || strcmp(pin, no_pins[i]) != 0)
            fail_msg("MAMORI_DATE=%s taken as a date", no_pins[i]);
    }
    setenv("MAMORI_DATE", "", 1);
    assert_int_equal(mm_time_pinned_date(&pin, &us), 0);
    assert_null(pin);
    unsetenv("MAMORI_DATE");
    pin = "x";
    assert_int_equal(mm_time_pinned_date(&pin, NULL), 0);
    assert_null(pin);
    setenv("MAMORI_DATE", "2024-02-29", 1);
    assert_int_equal(mm_time_pinned_date(&pin, &us), 0);
    assert_string_equal(pin, "2024-02-29");
    assert_int_equal(us, 1709164800000000LL);
    setenv("MAMORI_DATE", "2026-04-01", 1);
    /* microseconds to timeval: tv_usec stays 0-999999 before 1970 too */
    struct timeval t = mm_time_from_usec(1700000000000042LL);
    assert_int_equal(t.tv_sec, 1700000000);
    assert_int_equal(t.tv_usec, 42);
    t = mm_time_from_usec(-5);
    assert_int_equal(t.tv_sec, -1);
    assert_int_equal(t.tv_usec, 999995);
    t = mm_time_from_usec(-2000000);
    assert_int_equal(t.tv_sec, -2);
    assert_int_equal(t.tv_usec, 0);
    /* and back: mm_time_to_usec is its inverse, a tv_usec outside 0-999999
     * counted as it is */
    const int64_t usecs[] = {0,        999999,   1700000000000042,   -1,
                             -1000000, -1000001, -62167219200000000, 253402300799999999};
    for (size_t i = 0; i < sizeof usecs / sizeof usecs[0]; i++) {
        t = mm_time_from_usec(usecs[i]);
        assert_int_equal(mm_time_to_usec(&t), usecs[i]);
    }
    t = (struct timeval){.tv_sec = 1, .tv_usec = 1500000};
    assert_int_equal(mm_time_to_usec(&t), 2500000);
    t = (struct timeval){.tv_sec = 0, .tv_usec = -5};
    assert_int_equal(mm_time_to_usec(&t), -5);
    /* monotonic deadlines: normalised, and at least ms past the clock */
    const int64_t waits[] = {0, 2, 999, 1000, 1999, 65000};
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        int64_t before = mm_time_mono_usec();
        struct timespec dl = mm_time_mono_deadline(waits[i]);
        int64_t dl_usec = (int64_t)dl.tv_sec * 1000000 + dl.tv_nsec / 1000;
        assert_true(dl.tv_nsec >= 0 && dl.tv_nsec < 1000000000);
        assert_true(dl_usec >= before + waits[i] * 1000);
        assert_true(dl_usec <= mm_time_mono_usec() + waits[i] * 1000);
    }
    /* a second past what struct tm holds (a crafted capture's time) prints
     * the epoch, not whatever the stack held */
    char text[MM_TIMESTAMP_MAX];
    const time_t huge[] = {(time_t)INT64_MAX, (time_t)INT64_MIN};
    for (size_t i = 0; i < 2; i++) {
        struct timeval tv = {.tv_sec = huge[i], .tv_usec = 7};
        mm_time_format(&tv, text, sizeof text);
        assert_string_equal(text, "1970-01-01T00:00:00.000007+0000");
    }
    /* microseconds outside 0-999999 (libpcap passes a capture file's field
     * on unchecked) are carried into the seconds: always six digits
     * (tzset: localtime_r reads TZ only once, and it was Asia/Tokyo) */
    tzset();
    const struct {
        time_t sec;
        long usec;
        const char *text;
    } carry[] = {
        {0, 1500000, "1970-01-01T00:00:01.500000+0000"},
        {10, -1, "1970-01-01T00:00:09.999999+0000"},
        {0, 4294967295L, "1970-01-01T01:11:34.967295+0000"},
        {(time_t)INT64_MAX, 2000001, "1970-01-01T00:00:00.000001+0000"},
        {(time_t)INT64_MIN, -1, "1970-01-01T00:00:00.999999+0000"},
        {0, LONG_MIN, "1970-01-01T00:00:00.224192+0000"}, /* -9223372036855 s: before year 0 */
    };
    for (size_t i = 0; i < sizeof carry / sizeof carry[0]; i++) {
        struct timeval tv = {.tv_sec = carry[i].sec, .tv_usec = (suseconds_t)carry[i].usec};
        mm_time_format(&tv, text, sizeof text);
        assert_string_equal(text, carry[i].text);
    }
}

/* mm_stat_same compares exactly the parts asked for: each part, changed
 * alone, is seen by the masks that name it and by no other. */
static void test_stat_same(void **state)
{
    (void)state;
    static const unsigned parts[] = {MM_STAT_FILE,  MM_STAT_FILE,  MM_STAT_SIZE, MM_STAT_MTIME,
                                     MM_STAT_MTIME, MM_STAT_CTIME, MM_STAT_CTIME};
    const unsigned all = MM_STAT_FILE | MM_STAT_SIZE | MM_STAT_MTIME | MM_STAT_CTIME;
    struct stat a;
    memset(&a, 0, sizeof a);
    a.st_dev = 8;
    a.st_ino = 1234;
    a.st_size = 4096;
    a.st_mtim = (struct timespec){.tv_sec = 1700000000, .tv_nsec = 5};
    a.st_ctim = (struct timespec){.tv_sec = 1700000001, .tv_nsec = 6};
    a.st_mode = 0100644;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        struct stat b = a;
        switch (i) {
        case 0:
            b.st_dev++;
            break;
        case 1:
            b.st_ino++;
            break;
        case 2:
            b.st_size++;
            break;
        case 3:
            b.st_mtim.tv_sec++;
            break;
        case 4:
            b.st_mtim.tv_nsec++;
            break;
        case 5:
            b.st_ctim.tv_sec++;
            break;
        default:
            b.st_ctim.tv_nsec++;
            break;
        }
        b.st_mode = 0100600; /* (never compared) */
        for (unsigned mask = 0; mask <= all; mask++)
            assert_int_equal(mm_stat_same(&a, &b, mask), (mask & parts[i]) == 0);
    }
    assert_true(mm_stat_same(&a, &a, all));
}

static void test_fs(void **state)
{
    (void)state;
    char dir[64];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "fs"), 0);
    char sub[256], path[300];
    snprintf(sub, sizeof sub, "%s/a/b/c", dir);
    assert_int_equal(mm_mkdir_p(sub, 0700), 0);
    assert_int_equal(mm_mkdir_p(sub, 0700), 0);
    snprintf(path, sizeof path, "%s/f.txt", sub);
    assert_int_equal(mm_file_write_atomic(path, "hello", 5), 0);
    char *data;
    size_t len;
    assert_int_equal(mm_file_read(path, 100, &data, &len), 0);
    assert_int_equal(len, 5);
    assert_string_equal(data, "hello");
    free(data);
    assert_int_equal(mm_file_read(path, 3, &data, &len), MM_ETOOBIG);
    assert_null(data);
    assert_int_equal(mm_file_read("/nonexistent/x", 3, &data, &len), MM_ENOENT);
    /* A folder has its own error ("is a directory"), not an I/O error. */
    assert_int_equal(mm_file_read("/", 3, &data, &len), MM_EISDIR);
    assert_string_equal(mm_errname(MM_EISDIR), "EISDIR");
    /* a file where a folder is wanted: "not a directory", reading and writing */
    char through[320];
    snprintf(through, sizeof through, "%s/x", path);
    assert_int_equal(mm_file_read(through, 3, &data, &len), MM_ENOTDIR);
    assert_null(data);
    assert_int_equal(mm_file_write_atomic(through, "x", 1), MM_ENOTDIR);
    assert_int_equal(mm_mkdir_p(through, 0700), MM_ENOTDIR);
    /* the file itself where the folder should be: not made (it was 0, the failure came later) */
    assert_int_equal(mm_mkdir_p(path, 0700), MM_ENOTDIR);
    assert_int_equal(mm_mkdir_p("", 0700), MM_ENOENT); /* it read past the end */
    /* a name longer than the file system takes, and a symbolic link to itself:
     * their own codes (they were "input/output error") */
    char longname[600];
    int at = snprintf(longname, sizeof longname, "%s/", dir);
    memset(longname + at, 'n', 300);
    longname[at + 300] = '\0';
    assert_int_equal(mm_file_read(longname, 3, &data, &len), MM_ENAMETOOLONG);
    assert_int_equal(mm_file_write_atomic(longname, "x", 1), MM_ENAMETOOLONG);
    char loop[300], below[320];
    snprintf(loop, sizeof loop, "%s/loop", dir);
    assert_int_equal(symlink("loop", loop), 0);
    assert_int_equal(mm_file_read(loop, 3, &data, &len), MM_ELOOP);
    snprintf(below, sizeof below, "%.290s/x", loop);
    assert_int_equal(mm_mkdir_p(below, 0700), MM_ELOOP);

    /* write_new never replaces; write_atomic_mode honours the mode. */
    assert_int_equal(mm_file_write_new(path, "other", 5, 0644), MM_EEXIST);
    assert_int_equal(mm_file_read(path, 100, &data, &len), 0);
    assert_string_equal(data, "hello");
    free(data);
    char secret[320];
    snprintf(secret, sizeof secret, "%s/key", sub);
    assert_int_equal(mm_file_write_atomic_mode(secret, "k", 1, 0600), 0);
    struct stat st;
    assert_int_equal(stat(secret, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* A symlink planted where the output goes is replaced, its target untouched. */
    char target[320], link_path[320];
    snprintf(target, sizeof target, "%s/target", sub);
    snprintf(link_path, sizeof link_path, "%s/out", sub);
    assert_int_equal(mm_file_write_atomic(target, "keep", 4), 0);
    assert_int_equal(symlink(target, link_path), 0);
    assert_int_equal(mm_file_write_atomic(link_path, "new", 3), 0);
    assert_int_equal(mm_file_read(target, 100, &data, &len), 0);
    assert_string_equal(data, "keep");
    free(data);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* Whether path holds exactly text (a regular file). */
static bool file_is(const char *path, const char *text)
{
    char *data = NULL;
    size_t len = 0;
    bool same = mm_file_read(path, 1 << 16, &data, &len) == 0 && len == strlen(text) &&
                memcmp(data, text, len) == 0;
    free(data);
    return same;
}

/* The child of test_fs_output's FIFO part: reads the FIFO whole, exit 0 when
 * it held text. */
static int fifo_reader(const char *fifo, const char *text)
{
    char got[64];
    size_t n = 0;
    int fd = open(fifo, O_RDONLY);
    if (fd < 0)
        return 2;
    ssize_t k;
    while (n < sizeof got && (k = read(fd, got + n, sizeof got - n)) > 0)
        n += (size_t)k;
    close(fd);
    return n == strlen(text) && memcmp(got, text, n) == 0 ? 0 : 1;
}

/* Whether link is still a symbolic link. */
static bool link_kept(const char *link)
{
    struct stat st;
    return lstat(link, &st) == 0 && S_ISLNK(st.st_mode);
}

/* test_fs_output's links: to a folder (MM_EISDIR), dangling or in a loop
 * (refused, never replaced by a file), and to a file this process has open
 * (/dev/stdout's way, /proc/self/fd/N): written at that file's offset, as
 * the shell's > and >> would, never replacing it. */
static void test_fs_output_links(const char *dir)
{
    char path[128], target[128];
    snprintf(path, sizeof path, "%s/to-dir", dir);
    assert_int_equal(symlink(".", path), 0);
    assert_int_equal(mm_file_write_output(path, "a", 1, 0600), MM_EISDIR);
    assert_true(link_kept(path));
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/dangling", dir);
    assert_int_equal(symlink("nowhere", path), 0);
    assert_int_equal(mm_file_write_output(path, "a", 1, 0600), MM_ESYMLINK);
    assert_true(link_kept(path));
    snprintf(target, sizeof target, "%s/nowhere", dir);
    assert_int_equal(access(target, F_OK), -1);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof path, "%s/loop", dir);
    assert_int_equal(symlink("loop", path), 0);
    assert_int_equal(mm_file_write_output(path, "a", 1, 0600), MM_ELOOP);
    assert_true(link_kept(path));
    assert_int_equal(unlink(path), 0);
    /* a log opened for appending (>>) and one written from its start (>) */
    snprintf(target, sizeof target, "%s/log.txt", dir);
    assert_int_equal(mm_file_write_atomic(target, "old\n", 4), 0);
    for (int append = 1; append >= 0; append--) {
        int fd = open(target, O_WRONLY | (append ? O_APPEND : O_TRUNC));
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "head\n", 5), 5);
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        assert_int_equal(mm_file_write_output(path, "report\n", 7, 0600), 0);
        assert_int_equal(write(fd, "foot\n", 5), 5);
        close(fd);
        assert_true(file_is(target, append ? "old\nhead\nreport\nfoot\n" : "head\nreport\nfoot\n"));
    }
    /* a file the program opened itself (close-on-exec) is not an output
     * the command was given: refused, left as it was */
    int own = open(target, O_WRONLY | O_APPEND | O_CLOEXEC);
    assert_true(own >= 0);
    snprintf(path, sizeof path, "/dev/fd/%d", own);
    assert_int_equal(mm_file_write_output(path, "report\n", 7, 0600), MM_EPERM);
    close(own);
    assert_true(file_is(target, "head\nreport\nfoot\n"));
}

/* mm_file_read_regular never opens what is not a regular file for reading
 * (a device's open may act): a FIFO's writer waiting in open stays waiting,
 * where an open for reading would have let it go on. */
static void test_fs_read_no_open(void **state)
{
    (void)state;
    char dir[64], path[128], *data = NULL;
    size_t len = 0;
    int status = 0;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "fsread"), 0);
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(open(path, O_WRONLY) >= 0 ? 7 : 8); /* waits for a reader */
    usleep(100000);
    assert_int_equal(mm_file_read_regular(path, 100, &data, &len), MM_ENOTREG);
    assert_int_equal(mm_file_read_regular_nofollow(path, 100, &data, &len), MM_ENOTREG);
    assert_null(data);
    usleep(100000);
    assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still waiting */
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    snprintf(path, sizeof path, "%s/link", dir);
    assert_int_equal(symlink("fifo", path), 0);
    assert_int_equal(mm_file_read_regular_nofollow(path, 100, &data, &len), MM_ESYMLINK);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* mm_file_write_output, for a path a person named: a device, a FIFO and a
 * link to an open pipe are written into, not replaced by a regular file; a
 * regular file behind a link is replaced where it is (the link stays) with
 * its mode and group; a new file gets the mode asked for. */
static void test_fs_output(void **state)
{
    (void)state;
    char dir[64], path[128], target[128];
    struct stat st;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "fsout"), 0);
    snprintf(path, sizeof path, "%s/null", dir);
    if (geteuid() == 0 && mknod(path, S_IFCHR | 0666, makedev(1, 3)) == 0) {
        assert_int_equal(mm_file_write_output(path, "report\n", 7, 0666), 0);
        assert_int_equal(lstat(path, &st), 0);
        assert_true(S_ISCHR(st.st_mode));
        assert_int_equal(unlink(path), 0);
    } else {
        print_message("SKIP part: not root (or no mknod), a device node not tested\n");
    }
    /* a FIFO: its reader gets the data, the FIFO stays */
    snprintf(path, sizeof path, "%s/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(fifo_reader(path, "through the fifo\n"));
    assert_int_equal(mm_file_write_output(path, "through the fifo\n", 17, 0666), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    /* a link to an open pipe (as /dev/stdout is to a pipe): written into, the link stays */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    snprintf(path, sizeof path, "%s/stdout", dir);
    snprintf(target, sizeof target, "/proc/self/fd/%d", fds[1]);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(mm_file_write_output(path, "piped", 5, 0666), 0);
    char got[8] = {0};
    assert_int_equal(read(fds[0], got, sizeof got), 5);
    assert_memory_equal(got, "piped", 5);
    close(fds[0]);
    close(fds[1]);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    /* a regular file kept at 0600 with another group, behind a link */
    snprintf(target, sizeof target, "%s/report.txt", dir);
    assert_int_equal(mm_file_write_output(target, "old", 3, 0666), 0);
    assert_int_equal(chmod(target, 0640), 0);
    gid_t group = geteuid() == 0 ? 1 : getegid();
    assert_int_equal(chown(target, (uid_t)-1, group), 0);
    snprintf(path, sizeof path, "%s/latest", dir);
    assert_int_equal(symlink("report.txt", path), 0);
    assert_int_equal(mm_file_write_output(path, "new", 3, 0666), 0);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_true(file_is(target, "new"));
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_gid, group);
    /* named itself, the same; a mode asked narrower (audit's 0600) narrows it */
    assert_int_equal(mm_file_write_output(target, "newer", 5, 0666), 0);
    assert_true(file_is(target, "newer"));
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
    assert_int_equal(st.st_gid, group);
    assert_int_equal(chmod(target, 0644), 0);
    assert_int_equal(mm_file_write_output(path, "audit", 5, 0600), 0);
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(chmod(target, 0644), 0);
    assert_int_equal(mm_file_write_output(target, "audit", 5, 0600), 0);
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    /* set-id bits are never taken over (a root-owned replacement) */
    assert_int_equal(chmod(target, 06755), 0);
    assert_int_equal(mm_file_write_output(target, "plain", 5, 0777), 0);
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    /* a new file: the mode asked for, less the umask */
    snprintf(path, sizeof path, "%s/audit.txt", dir);
    assert_int_equal(mm_file_write_output(path, "a", 1, 0600), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(mm_file_write_output(dir, "a", 1, 0600), MM_EISDIR);
    test_fs_output_links(dir);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* mm_file_write_output in a sticky folder everyone may write in (as /tmp):
 * a link, FIFO or file another account put there is not trusted (as the
 * kernel's fs.protected_* rules), so root's report is not written through
 * it nor given its mode. Root only: the things need another owner. */
static void test_fs_output_shared(void **state)
{
    (void)state;
    if (geteuid() != 0) {
        print_message("SKIP: not root, another account's link in a shared folder not tested\n");
        return;
    }
    char dir[64], shared[128], path[160], target[128];
    struct stat st;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "fsshared"), 0);
    snprintf(shared, sizeof shared, "%s/tmp", dir);
    assert_int_equal(mkdir(shared, 0700), 0);
    assert_int_equal(chmod(shared, 01777), 0);
    assert_int_equal(chown(shared, 1, 1), 0); /* the folder's owner: another account */
    snprintf(target, sizeof target, "%s/passwd", dir);
    assert_int_equal(mm_file_write_output(target, "keep", 4, 0644), 0);
    /* another's link to a file that must not change: refused, the file as it was */
    snprintf(path, sizeof path, "%s/report", shared);
    assert_int_equal(symlink(target, path), 0);
    assert_int_equal(lchown(path, 2, 2), 0);
    assert_int_equal(mm_file_write_output(path, "report", 6, 0600), MM_ESYMLINK);
    assert_true(file_is(target, "keep"));
    /* the caller's own link to it: refused all the same (the kernel does so only
     * with fs.protected_symlinks = 1) */
    char mine[160];
    snprintf(mine, sizeof mine, "%s/mine", dir);
    assert_int_equal(symlink("tmp/report", mine), 0);
    assert_int_equal(mm_file_write_output(mine, "report", 6, 0600), MM_ESYMLINK);
    assert_true(file_is(target, "keep"));
    /* the folder owner's link is followed, as the caller's own */
    assert_int_equal(lchown(path, 1, 1), 0);
    assert_int_equal(mm_file_write_output(path, "report", 6, 0600), 0);
    assert_true(file_is(target, "report"));
    assert_int_equal(unlink(path), 0);
    /* another's FIFO: not opened (it would wait, and hand it the report) */
    assert_int_equal(mkfifo(path, 0666), 0);
    assert_int_equal(chown(path, 2, 2), 0);
    assert_int_equal(mm_file_write_output(path, "report", 6, 0600), MM_EPERM);
    assert_int_equal(unlink(path), 0);
    /* another's dangling link: refused, its target not made */
    char made[160];
    snprintf(made, sizeof made, "%s/made", dir);
    assert_int_equal(symlink(made, path), 0);
    assert_int_equal(lchown(path, 2, 2), 0);
    assert_int_equal(mm_file_write_output(path, "report", 6, 0600), MM_ESYMLINK);
    assert_int_equal(access(made, F_OK), -1);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(unlink(path), 0);
    /* another's file, readable by all: replaced by a new one, the caller's, with the mode asked */
    assert_int_equal(mm_file_write_output(path, "theirs", 6, 0644), 0);
    assert_int_equal(chown(path, 2, 2), 0);
    assert_int_equal(mm_file_write_output(path, "report", 6, 0600), 0);
    assert_true(file_is(path, "report"));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_uid, 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* mm_file_write_new's ways without hard links (FAT, exFAT), called
 * directly: renameat2(RENAME_NOREPLACE) and O_CREAT|O_EXCL never replace a
 * file there; and a directory that has no fsync (procfs: EINVAL) is no
 * failure after a rename that was done. */
static void test_fs_new_fallbacks(void **state)
{
    (void)state;
    char dir[64], path[128], tmp[128];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "fsnew"), 0);
    snprintf(path, sizeof path, "%s/2026-04-01.json", dir);
    snprintf(tmp, sizeof tmp, "%s/tmp", dir);
    assert_int_equal(mm_file_write_atomic(tmp, "first", 5), 0);
    assert_int_equal(mm__file_claim_rename(tmp, path), 0);
    assert_true(file_is(path, "first"));
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(mm_file_write_atomic(tmp, "second", 6), 0);
    assert_int_equal(mm__file_claim_rename(tmp, path), MM_EEXIST);
    assert_true(file_is(path, "first"));
    assert_int_equal(unlink(tmp), 0);
    assert_int_equal(mm__file_create_excl(path, "second", 6, 0600), MM_EEXIST);
    assert_true(file_is(path, "first"));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mm__file_create_excl(path, "third", 5, 0600), 0);
    assert_true(file_is(path, "third"));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(unlink(path), 0);
    /* /proc/self has no fsync: EINVAL, which was "could not write" */
    assert_int_equal(mm_fsync_parent("/proc/self/status"), 0);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* mm_file_read_ca, the one rule of the centre's [mail] ca_file and the
 * sensor's [uplink] ca_file: readable, bounded, at least one PEM
 * certificate (also under the old X509 armour; another PEM block is not
 * one). */
static void test_fs_ca(void **state)
{
    (void)state;
    char dir[64], path[128];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "ca"), 0);
    static const struct {
        const char *text;
        int want;
    } files[] = {
        {"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n", 0},
        {"# bundle\n\n-----BEGIN X509 CERTIFICATE-----\nAA==\n-----END X509 CERTIFICATE-----\n", 0},
        {"", MM_EPARSE},
        {"not a certificate\n", MM_EPARSE},
        {"-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----\n", MM_EPARSE},
        {"-----BEGIN CERTIFICATE REQUEST-----\nAA==\n", MM_EPARSE},
        {"-----BEGIN CERT", MM_EPARSE},
    };
    snprintf(path, sizeof path, "%s/ca.pem", dir);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *text = (char *)1;
        size_t len = 99;
        assert_int_equal(mm_file_write_atomic(path, files[i].text, strlen(files[i].text)), 0);
        assert_int_equal(mm_file_read_ca(path, &text, &len), files[i].want);
        if (files[i].want == 0) {
            assert_int_equal(len, strlen(files[i].text));
            assert_string_equal(text, files[i].text);
        } else {
            assert_null(text);
            assert_int_equal(len, 0);
        }
        free(text);
    }
    /* a NUL before the armour does not hide it (the text is searched by length) */
    static const char nul[] = "x\0-----BEGIN CERTIFICATE-----\n";
    assert_true(mm_pem_has_certificate(nul, sizeof nul - 1));
    assert_false(mm_pem_has_certificate(nul, 1));
    char *text;
    size_t len;
    assert_int_equal(mm_file_read_ca("/nonexistent/ca.pem", &text, &len), MM_ENOENT);
    assert_int_equal(mm_file_read_ca(dir, &text, &len), MM_EISDIR);
    assert_null(text);
    /* bounded: one byte past MM_CA_FILE_MAX is refused before the armour is looked for */
    int fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)MM_CA_FILE_MAX + 1), 0);
    close(fd);
    assert_int_equal(mm_file_read_ca(path, &text, &len), MM_ETOOBIG);
    assert_null(text);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* The child of test_fs_full_ro: in a mount namespace of its own, a tmpfs of
 * 8 KiB, one with no free inode and a read-only one; exit 0 when every
 * write fails with its own code, 77 when the namespace cannot be had, else
 * the number of the check that failed. */
static int fs_full_ro_child(const char *dir)
{
    char full[300], noinode[300], ro[300], path[320];
    snprintf(full, sizeof full, "%s/full", dir);
    snprintf(noinode, sizeof noinode, "%s/noinode", dir);
    snprintf(ro, sizeof ro, "%s/ro", dir);
    if (mkdir(full, 0700) != 0 || mkdir(noinode, 0700) != 0 || mkdir(ro, 0700) != 0)
        return 77;
    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", full, "tmpfs", 0, "size=8k") != 0 ||
        mount("tmpfs", noinode, "tmpfs", 0, "nr_inodes=1") != 0 ||
        mount("tmpfs", ro, "tmpfs", MS_RDONLY, NULL) != 0)
        return 77;
    static char big[64 * 1024];
    memset(big, 'x', sizeof big);
    snprintf(path, sizeof path, "%s/f", full);
    if (mm_file_write_atomic(path, big, sizeof big) != MM_ENOSPC)
        return 1;
    if (access(path, F_OK) == 0) /* nothing left behind, not even the temporary file */
        return 2;
    snprintf(path, sizeof path, "%s/f", noinode);
    if (mm_file_write_new(path, "x", 1, 0600) != MM_ENOSPC)
        return 3;
    snprintf(path, sizeof path, "%s/f", ro);
    if (mm_file_write_atomic(path, "x", 1) != MM_EROFS)
        return 4;
    snprintf(path, sizeof path, "%s/sub/dir", ro);
    if (mm_mkdir_p(path, 0700) != MM_EROFS)
        return 5;
    return 0;
}

/* A full disk and a read-only file system are told as such, not as an I/O
 * error: real tmpfs mounts in a mount namespace, so as root where that
 * works; skipped with a message elsewhere. */
static void test_fs_full_ro(void **state)
{
    (void)state;
    char dir[64];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "fsfull"), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(fs_full_ro_child(dir));
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    if (WEXITSTATUS(st) == 77)
        printf("SKIP part: no mount namespace with tmpfs here (not root?): a full and a "
               "read-only file system not tested\n");
    else
        assert_int_equal(WEXITSTATUS(st), 0);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* A key's first occurrence passes, later ones within the interval are
 * counted, the first after it passes with that count; keys are apart; a
 * clock gone back passes; a full table gives the place of a key with
 * nothing unsaid, else of the one written longest ago. */
static void test_log_limit(void **state)
{
    (void)state;
    const int64_t min = 60 * 1000000LL;
    struct mm_log_limit *l = NULL;
    uint64_t unsaid = 99;
    assert_int_equal(mm_log_limit_new(0, 4, &l), MM_EINVAL);
    assert_int_equal(mm_log_limit_new(min, 0, &l), MM_EINVAL);
    assert_null(l);
    assert_true(mm_log_limit_pass(NULL, 1, 0, &unsaid)); /* no limit: all pass */
    assert_int_equal(unsaid, 0);
    assert_int_equal(mm_log_limit_new(10 * min, 2, &l), 0);
    assert_true(mm_log_limit_pass(l, 7, 1000 * min, &unsaid));
    assert_int_equal(unsaid, 0);
    for (int i = 0; i < 5; i++)
        assert_false(mm_log_limit_pass(l, 7, 1000 * min + i * min, &unsaid));
    assert_true(mm_log_limit_pass(l, 8, 1001 * min, &unsaid)); /* another key */
    assert_int_equal(unsaid, 0);
    assert_false(mm_log_limit_pass(l, 7, 1010 * min - 1, &unsaid));
    assert_true(mm_log_limit_pass(l, 7, 1010 * min, &unsaid));
    assert_int_equal(unsaid, 6);
    assert_false(mm_log_limit_pass(l, 7, 1011 * min, &unsaid));
    assert_true(mm_log_limit_pass(l, 7, 900 * min, &unsaid)); /* the clock went back */
    assert_int_equal(unsaid, 1);
    /* Full (7 and 8): 8's interval is over with nothing unsaid, so 9 takes
     * its place and 7 keeps counting. */
    assert_false(mm_log_limit_pass(l, 7, 901 * min, &unsaid));
    assert_true(mm_log_limit_pass(l, 9, 1020 * min, &unsaid));
    assert_false(mm_log_limit_pass(l, 9, 1021 * min, &unsaid));
    assert_true(mm_log_limit_pass(l, 7, 1025 * min, &unsaid));
    assert_int_equal(unsaid, 1);
    assert_false(mm_log_limit_pass(l, 7, 1026 * min, &unsaid));
    /* Both have something unsaid: 10 takes the place of the one written
     * longest ago, 9 (at 1020 min, 7 at 1025): 7's count is kept, 9's lost. */
    assert_true(mm_log_limit_pass(l, 10, 1027 * min, &unsaid));
    assert_true(mm_log_limit_pass(l, 7, 1035 * min, &unsaid));
    assert_int_equal(unsaid, 1);
    assert_true(mm_log_limit_pass(l, 9, 1036 * min, &unsaid));
    assert_int_equal(unsaid, 0);
    mm_log_limit_free(l);
    mm_log_limit_free(NULL);
}

/* mm_log_limit_msg: the plain message first, the "again" one after unsaid
 * occurrences, NULL for those not written. */
static void test_log_limit_msg(void **state)
{
    (void)state;
    struct mm_log_limit *l = NULL;
    uint64_t unsaid = 9;
    assert_int_equal(mm_log_limit_new(60, 1, &l), 0);
    assert_string_equal(mm_log_limit_msg(l, 0, 1000, "m", "m_again", &unsaid), "m");
    assert_int_equal(unsaid, 0);
    assert_null(mm_log_limit_msg(l, 0, 1010, "m", "m_again", &unsaid));
    assert_null(mm_log_limit_msg(l, 0, 1020, "m", "m_again", &unsaid));
    assert_string_equal(mm_log_limit_msg(l, 0, 1060, "m", "m_again", &unsaid), "m_again");
    assert_int_equal(unsaid, 2);
    assert_string_equal(mm_log_limit_msg(l, 0, 1120, "m", "m_again", &unsaid), "m");
    mm_log_limit_free(l);
}

/* The client an address stands for (mm_addr_client), and socket addresses
 * read with IPv4-mapped IPv6 as IPv4 (mm_addr_from_sockaddr). */
static void test_addr_client(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
        unsigned prefix;
    } cases[] = {{"192.0.2.7", "192.0.2.7", 32},
                 {"::ffff:192.0.2.7", "192.0.2.7", 32},
                 {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::", 64},
                 {"::1", "::", 64}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct mm_addr a;
        char s[MM_ADDR_STRLEN];
        assert_int_equal(mm_addr_parse(cases[i].in, &a), 0);
        assert_int_equal(mm_addr_client(&a), cases[i].prefix);
        mm_addr_format(&a, s, sizeof s);
        assert_string_equal(s, cases[i].want);
    }
    struct mm_addr unset = {0};
    assert_int_equal(mm_addr_client(&unset), 0);
    struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:10.1.2.3", &sa6.sin6_addr);
    struct mm_addr a, want;
    assert_true(mm_addr_from_sockaddr((const struct sockaddr *)&sa6, &a));
    assert_int_equal(mm_addr_parse("10.1.2.3", &want), 0);
    assert_true(mm_addr_equal(&a, &want));
    struct sockaddr_in sa4 = {.sin_family = AF_INET};
    inet_pton(AF_INET, "10.1.2.3", &sa4.sin_addr);
    assert_true(mm_addr_from_sockaddr((const struct sockaddr *)&sa4, &a));
    assert_true(mm_addr_equal(&a, &want));
    struct sockaddr un = {.sa_family = AF_UNIX};
    assert_false(mm_addr_from_sockaddr(&un, &a));
    assert_false(mm_addr_from_sockaddr(NULL, &a));
}

/* The first sentence of s as mm_first_sentence_len measures it. */
static void assert_first(const char *s, const char *want)
{
    size_t n = mm_first_sentence_len(s);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(s, want, n);
}

/* The cases of tests/data/sentences.json, which the web UI's test
 * (tests/e2e/sentence.test.mjs) reads too: a stop inside brackets or quotes
 * does not end the sentence; both programs keep one rule. */
static void test_first_sentence(void **state)
{
    (void)state;
    const char *src = getenv("MAMORI_SOURCE_DIR");
    assert_non_null(src);
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/sentences.json", src);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    assert_non_null(root);
    json_t *cases = json_object_get(root, "cases"), *c;
    size_t i;
    assert_true(json_array_size(cases) > 10);
    json_array_foreach(cases, i, c)
    {
        assert_first(json_string_value(json_array_get(c, 0)),
                     json_string_value(json_array_get(c, 1)));
    }
    json_decref(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_buf_format),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_str_u64),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_lang),
        cmocka_unit_test(test_addr),
        cmocka_unit_test(test_addr_v4_like_libc),
        cmocka_unit_test(test_ini),
        cmocka_unit_test(test_ini_unread),
        cmocka_unit_test(test_time),
        cmocka_unit_test(test_fs),
        cmocka_unit_test(test_fs_ca),
        cmocka_unit_test(test_fs_read_no_open),
        cmocka_unit_test(test_fs_output),
        cmocka_unit_test(test_fs_output_shared),
        cmocka_unit_test(test_fs_new_fallbacks),
        cmocka_unit_test(test_stat_same),
        cmocka_unit_test(test_fs_full_ro),
        cmocka_unit_test(test_log_limit),
        cmocka_unit_test(test_log_limit_msg),
        cmocka_unit_test(test_addr_client),
        cmocka_unit_test(test_first_sentence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
