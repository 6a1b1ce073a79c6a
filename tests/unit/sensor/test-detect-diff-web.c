/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the web-attack detector's request checks: the
 * detector's source is compiled into this test so that what it reads from a
 * request (decoded URL forms, path, lower-case user agent, the patterns
 * found by the one-pass matcher, the variant and matched pattern of
 * classify, the redacted URL) can be compared with the code it replaced,
 * kept below as old_* (commit 314d62a: two full percent-decodings, a pair
 * filter per text and strstr per pattern, ends_with_any). Random requests
 * built from the pattern lists themselves, in mixed case and single,
 * double and %u encodings, with blanks, SQL comments, backslashes, NUL
 * escapes, absolute URLs with user info, secret parameters and lengths past
 * every limit, must give the same answers byte for byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test-detect-harness.h"

#include "../../../src/sensor/detect/detect-webattack.c"

/* ---- the code before the one-pass matcher (commit 314d62a) ------------------------ */

/* The request as the old code kept it. */
struct old_text {
    const char *s;
    uint64_t pairs[64];
};

struct old_request {
    const char *src, *dst, *host, *url, *method, *ua;
    bool src_home;
    char spaced[NORM_MAX];
    char compact[NORM_MAX];
    char ua_lower[TEXT_MAX];
    struct old_text spaced_t, compact_t, ua_t;
    char path[NORM_MAX];
};

static int old_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes in[] into out[] (at most outlen - 1 bytes, terminated);
 * '+' becomes a space, "%u00XX" (IIS style) one byte, bad escapes stay as
 * written, a decoded NUL becomes a space. Returns the length written. */
static size_t old_percent_decode(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < outlen; i++) {
        char c = in[i];
        int hi, lo;
        if (c == '%' && (hi = old_hex_value(in[i + 1])) >= 0 &&
            (lo = old_hex_value(in[i + 2])) >= 0) {
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '%' && (in[i + 1] == 'u' || in[i + 1] == 'U') && in[i + 2] == '0' &&
                   in[i + 3] == '0' && (hi = old_hex_value(in[i + 4])) >= 0 &&
                   (lo = old_hex_value(in[i + 5])) >= 0) {
            c = (char)(hi << 4 | lo);
            i += 5;
        } else if (c == '+') {
            c = ' ';
        }
        out[o++] = c ? c : ' ';
    }
    out[o] = '\0';
    return o;
}

static bool old_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Fills r->spaced and r->compact from url: decoded twice, lower case, SQL
 * comments written as blanks, blanks folded (spaced) or dropped (compact). */
static void old_normalise(const char *url, struct old_request *r)
{
    char once[NORM_MAX], twice[NORM_MAX];
    old_percent_decode(url, once, sizeof once);
    old_percent_decode(once, twice, sizeof twice);
    size_t a = 0, b = 0;
    bool blank = false;
    for (size_t i = 0; twice[i]; i++) {
        char c = (char)tolower((unsigned char)twice[i]);
        if (c == '/' && twice[i + 1] == '*' && twice[i + 2] == '*' && twice[i + 3] == '/') {
            i += 3; /* an SQL comment between two words */
            c = ' ';
        }
        if (old_is_blank(c)) {
            blank = true;
            continue;
        }
        if (blank && a > 0)
            r->spaced[a++] = ' ';
        blank = false;
        r->spaced[a++] = c;
        r->compact[b++] = c;
    }
    r->spaced[a] = '\0';
    r->compact[b] = '\0';
}

static unsigned old_pair_bit(char a, char b)
{
    return ((unsigned)(unsigned char)a << 4 ^ (unsigned char)b) & 4095u;
}

static void old_text_init(struct old_text *t, const char *s)
{
    t->s = s;
    memset(t->pairs, 0, sizeof t->pairs);
    for (size_t i = 0; s[i] && s[i + 1]; i++) {
        unsigned b = old_pair_bit(s[i], s[i + 1]);
        t->pairs[b / 64] |= 1ull << (b % 64);
    }
}

/* False when pat (a list entry, maybe ending in '|') cannot occur in t. */
static bool old_text_may_hold(const struct old_text *t, const char *pat)
{
    if (!pat[0] || !pat[1] || (pat[1] == '|' && !pat[2]))
        return true; /* one literal byte: no pair to look at */
    unsigned b = old_pair_bit(pat[0], pat[1]);
    return t->pairs[b / 64] >> (b % 64) & 1;
}

/* The first pattern of list (NULL-terminated) found in text, or NULL. A
 * pattern ending in '|' must end the text or be followed by a character
 * that is not a letter or digit ("|sh|" matches "|sh;" but not "|shop"). */
static const char *old_find_any(const struct old_text *t, const char *const *list)
{
    for (size_t i = 0; list[i]; i++) {
        if (!old_text_may_hold(t, list[i]))
            continue;
        size_t k = strlen(list[i]);
        bool word = k > 1 && list[i][k - 1] == '|';
        char pat[64];
        if (word)
            k--;
        if (k >= sizeof pat)
            continue;
        memcpy(pat, list[i], k);
        pat[k] = '\0';
        for (const char *p = strstr(t->s, pat); p; p = strstr(p + 1, pat))
            if (!word || !isalnum((unsigned char)p[k]))
                return list[i];
    }
    return NULL;
}

/* The path of a URL (absolute or not) up to '?' or '#', copied into out. */
static void old_url_path(const char *url, char *out, size_t outlen)
{
    const char *p = url;
    if (strncasecmp(p, "http://", 7) == 0 || strncasecmp(p, "https://", 8) == 0) {
        p = strstr(p, "://") + 3;
        p += strcspn(p, "/?#");
    }
    size_t n = strcspn(p, "?#");
    if (n >= outlen)
        n = outlen - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)p[i]);
    out[n] = '\0';
}

static bool old_ends_with_any(const char *s, const char *const *list)
{
    size_t n = strlen(s);
    for (size_t i = 0; list[i]; i++) {
        size_t k = strlen(list[i]);
        if (n >= k && memcmp(s + n - k, list[i], k) == 0)
            return true;
    }
    return false;
}

/* 5: a file in the root of a bare IP address with a botnet name, or a
 * downloader command naming a botnet file (IoT CPU suffix or family). */
static const char *old_iot_download(const struct old_request *r)
{
    const char *file = r->path[0] == '/' ? r->path + 1 : r->path;
    bool root = strchr(file, '/') == NULL && file[0];
    if (root && (!r->host || is_ip_literal(r->host))) {
        struct old_text file_t;
        old_text_init(&file_t, file);
        const char *m = old_find_any(&file_t, bot_suffixes);
        if (m)
            return m;
        if (!old_ends_with_any(file, page_suffixes) && !old_ends_with_any(file, static_suffixes) &&
            (m = old_find_any(&file_t, bot_names)) != NULL)
            return m;
        if (old_ends_with_any(file, (const char *const[]){".sh", NULL}))
            return ".sh";
    }
    if (old_find_any(&r->spaced_t, downloaders)) {
        const char *m = old_find_any(&r->compact_t, bot_suffixes);
        if (m || (m = old_find_any(&r->compact_t, bot_names)) != NULL)
            return m;
    }
    return NULL;
}

/* 6: the host named by an absolute target, when it is a probe. */
static const char *old_proxy_probe(const struct old_request *r, char *target, size_t targetlen)
{
    if (r->method && strcasecmp(r->method, "CONNECT") == 0) {
        snprintf(target, targetlen, "%s", r->url);
        return r->src_home ? NULL : "CONNECT";
    }
    const char *p = r->url;
    if (strncasecmp(p, "http://", 7) != 0 && strncasecmp(p, "https://", 8) != 0)
        return NULL;
    p = strstr(p, "://") + 3;
    const char *at = strchr(p, '@'), *end = p + strcspn(p, "/?#");
    if (at && at < end)
        p = at + 1; /* user info */
    size_t n = p[0] == '[' ? strcspn(p, "]/?#") + (strchr(p, ']') != NULL) : strcspn(p, ":/?#");
    if (n >= targetlen)
        n = targetlen - 1;
    for (size_t i = 0; i < n; i++)
        target[i] = (char)tolower((unsigned char)p[i]);
    target[n] = '\0';
    if (!r->src_home)
        return "absolute-uri";
    return r->host && strcmp(r->host, target) != 0 ? "absolute-uri" : NULL;
}

/* 7: an executable at the end of the path, fetched by an office client
 * from a host other than a vendor's update host. */
static const char *old_exe_download(const struct old_request *r)
{
    if (!r->src_home || (r->method && strcasecmp(r->method, "GET") != 0) || is_update_host(r->host))
        return NULL;
    for (size_t i = 0; exe_suffixes[i]; i++)
        if (old_ends_with_any(r->path, (const char *const[]){exe_suffixes[i], NULL}))
            return exe_suffixes[i];
    return NULL;
}

/* A traversal written with backslashes ("..\\..\\"): the compact form with
 * each backslash made a slash, searched for the traversal patterns. */
static const char *old_backslash_traversal(const struct old_request *r)
{
    char slashed[NORM_MAX];
    struct old_text slashed_t;
    size_t i = 0;
    if (!strchr(r->compact, '\\'))
        return NULL; /* the same text as compact, already searched */
    for (; r->compact[i]; i++)
        slashed[i] = r->compact[i] == '\\' ? '/' : r->compact[i];
    slashed[i] = '\0';
    old_text_init(&slashed_t, slashed);
    return old_find_any(&slashed_t, traversal);
}

/* The variant (1-8) of a request and the pattern that matched; 0: none. */
static unsigned old_classify(const struct old_request *r, const char **matched, char *target,
                             size_t targetlen)
{
    target[0] = '\0';
    if ((*matched = old_iot_download(r)) != NULL)
        return 5;
    if ((*matched = old_find_any(&r->compact_t, rce)) != NULL ||
        (*matched = old_find_any(&r->ua_t, ua_injection)) != NULL)
        return 3;
    if ((*matched = old_find_any(&r->spaced_t, sqli)) != NULL)
        return 1;
    if ((*matched = old_find_any(&r->compact_t, traversal)) != NULL ||
        (*matched = old_backslash_traversal(r)) != NULL)
        return 2;
    if ((*matched = old_find_any(&r->compact_t, xss)) != NULL)
        return 4;
    if ((*matched = old_find_any(&r->compact_t, downloader_urls)) != NULL)
        return 5;
    if ((*matched = old_proxy_probe(r, target, targetlen)) != NULL)
        return 6;
    if ((*matched = old_exe_download(r)) != NULL)
        return 7;
    if ((*matched = old_find_any(&r->ua_t, tools)) != NULL)
        return 8;
    return 0;
}

static bool old_secret_name(const char *name, size_t n)
{
    static const char *const words[] = {"pass",    "pwd",    "token",   "secret", "auth",
                                        "session", "apikey", "api_key", "key",    NULL};
    char low[32];
    if (n >= sizeof low)
        n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[n] = '\0';
    struct old_text low_t;
    old_text_init(&low_t, low);
    return old_find_any(&low_t, words) != NULL;
}

/* Copies url into out (cut to outlen - 1 bytes) with the user info of an
 * absolute URL and the values of secret-looking parameters as "***". */
static void old_redact_url(const char *url, char *out, size_t outlen)
{
    size_t o = 0;
    const char *p = url, *q = strchr(url, '?');
    const char *scheme = strstr(url, "://");
    if (scheme && scheme < url + 8) {
        const char *host = scheme + 3, *at = strchr(host, '@'), *end = host + strcspn(host, "/?#");
        if (at && at < end) {
            o = (size_t)snprintf(out, outlen, "%.*s***", (int)(host - url), url);
            p = at;
        }
    }
    while (*p && o + 1 < outlen) {
        out[o++] = *p;
        if (q && p >= q && (*p == '?' || *p == '&' || *p == ';')) {
            const char *name = p + 1, *eq = name + strcspn(name, "=&;#");
            if (*eq == '=' && old_secret_name(name, (size_t)(eq - name))) {
                size_t k = (size_t)(eq - name) + 1;
                int w = snprintf(out + o, outlen - o, "%.*s***", (int)k, name);
                o = w < 0 ? o : o + (size_t)w >= outlen ? outlen - 1 : o + (size_t)w;
                p = eq + 1 + strcspn(eq + 1, "&;#");
                continue;
            }
        }
        p++;
    }
    out[o < outlen ? o : outlen - 1] = '\0';
}

/* ---- random requests ---------------------------------------------------------------- */

static uint32_t rnd_state = 4242;

static uint32_t rnd(uint32_t n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 8) % n;
}

static const char *const *const all_lists[] = {
    sqli,         traversal,   rce,          xss,           downloaders,     downloader_urls,
    bot_suffixes, bot_names,   exe_suffixes, page_suffixes, static_suffixes, tools,
    ua_injection, secret_words};

/* A pattern of any list (without its word mark '|'), or a bit of noise. */
static void append_piece(char *out, size_t *o, size_t max)
{
    static const char *const noise[] = {"/",   "?",   "&",  "=",    "#",  ".",   "..", "\\",
                                        " ",   "\t",  "+",  "/**/", "%",  "%2",  "%u", "%u00",
                                        "-",   "_",   ":",  "@",    "[",  "]",   "|",  ";",
                                        "abc", "x86", "sh", "shop", "a1", "ING", "Ab", "\xc0\xaf"};
    char piece[96];
    if (rnd(3) == 0) {
        snprintf(piece, sizeof piece, "%s", noise[rnd(sizeof noise / sizeof noise[0])]);
    } else {
        const char *const *list = all_lists[rnd(sizeof all_lists / sizeof all_lists[0])];
        size_t n = 0;
        while (list[n])
            n++;
        snprintf(piece, sizeof piece, "%s", list[rnd((uint32_t)n)]);
        size_t k = strlen(piece);
        if (k > 1 && piece[k - 1] == '|')
            piece[k - 1] = '\0';
    }
    for (const char *p = piece; *p && *o + 1 < max; p++) {
        unsigned char c = (unsigned char)*p;
        char enc[16];
        switch (rnd(12)) {
        case 0: /* single encoding, either case of hex */
            snprintf(enc, sizeof enc, rnd(2) ? "%%%02X" : "%%%02x", c);
            break;
        case 1: /* double encoding */
            snprintf(enc, sizeof enc, "%%25%02X", c);
            break;
        case 2: /* IIS %u */
            snprintf(enc, sizeof enc, "%%u00%02x", c);
            break;
        case 3: /* upper case */
            snprintf(enc, sizeof enc, "%c", c >= 'a' && c <= 'z' ? c - 32 : c);
            break;
        case 4: /* blanks as '+' or escaped */
            snprintf(enc, sizeof enc, "%s",
                     c == ' ' ? (rnd(2) ? "+" : "%20") : (char[]){(char)c, 0});
            break;
        default:
            snprintf(enc, sizeof enc, "%c", c);
        }
        for (const char *e = enc; *e && *o + 1 < max; e++)
            out[(*o)++] = *e;
    }
    out[*o] = '\0';
}

static void random_url(char *out, size_t max)
{
    static const char *const starts[] = {"/",
                                         "/",
                                         "/",
                                         "http://",
                                         "HTTPS://",
                                         "http://user:pw@",
                                         "https://[2001:db8::1]:8443",
                                         "",
                                         "hTTp://x@",
                                         "%2f"};
    size_t o = 0;
    out[0] = '\0';
    const char *st = starts[rnd(sizeof starts / sizeof starts[0])];
    o = (size_t)snprintf(out, max, "%s", st);
    if (rnd(2))
        o +=
            (size_t)snprintf(out + o, max - o, "%s", rnd(2) ? "198.51.100.7/" : "host.example:80/");
    unsigned pieces = rnd(rnd(10) == 0 ? 400 : 12);
    for (unsigned i = 0; i < pieces && o + 1 < max; i++)
        append_piece(out, &o, max);
    if (rnd(4) == 0) { /* a query with secret-looking names */
        static const char *const names[] = {"pass",      "Token", "api_key", "q",
                                            "sessionid", "KEY",   "user",    "pwd"};
        for (unsigned i = 0, n = 1 + rnd(4); i < n && o + 40 < max; i++)
            o += (size_t)snprintf(out + o, max - o, "%c%s=%s",
                                  i == 0   ? '?'
                                  : rnd(2) ? '&'
                                           : ';',
                                  names[rnd(8)], rnd(2) ? "v%41l" : "");
    }
    if (rnd(6) == 0 && o + 10 < max) /* a file in the root */
        o += (size_t)snprintf(out + o, max - o, "%s",
                              (const char *[]){"/mirai.x86", "/Mirai.html", "/x.sh", "/a.exe",
                                               "/b.MSI", "/c.woff2", "/mozi.m"}[rnd(7)]);
    if (rnd(20) == 0) /* a decoded NUL */
        o += (size_t)snprintf(out + o, max - o, "%s", "%00");
}

static void random_ua(char *out, size_t max)
{
    size_t o = 0;
    out[0] = '\0';
    if (rnd(3) == 0)
        o = (size_t)snprintf(out, max, "Mozilla/5.0 (X11; Linux x86_64) ");
    unsigned pieces = rnd(rnd(8) == 0 ? 120 : 6);
    for (unsigned i = 0; i < pieces && o + 1 < max; i++)
        append_piece(out, &o, max);
}

/* ---- the comparisons ---------------------------------------------------------------- */

static void assert_same_entry(const char *a, const char *b)
{
    assert_int_equal(a == NULL, b == NULL);
    if (a)
        assert_string_equal(a, b);
}

static void check_request(struct web_state *st, const char *url, const char *ua, const char *host,
                          const char *method, bool src_home)
{
    static struct request r, texts;
    static struct old_request o;
    memset(&r, 0, sizeof r);
    memset(&o, 0, sizeof o);
    r.url = o.url = url;
    r.ua = o.ua = ua;
    r.host = o.host = host;
    r.method = o.method = method;
    r.src_home = o.src_home = src_home;
    r.src = o.src = "198.51.100.1";
    r.dst = o.dst = "192.168.1.2";
    prepare(st, &r); /* maybe from the memos */
    normalise(st, url, &texts);
    size_t i = 0;
    for (; o.ua && o.ua[i] && i + 1 < sizeof o.ua_lower; i++)
        o.ua_lower[i] = (char)tolower((unsigned char)o.ua[i]);
    o.ua_lower[i] = '\0';
    old_normalise(o.url, &o);
    old_url_path(o.url, o.path, sizeof o.path);
    old_text_init(&o.spaced_t, o.spaced);
    old_text_init(&o.compact_t, o.compact);
    old_text_init(&o.ua_t, o.ua_lower);
    assert_string_equal(texts.spaced, o.spaced);
    assert_string_equal(texts.compact, o.compact);
    assert_int_equal(texts.spaced_len, strlen(o.spaced));
    assert_int_equal(texts.compact_len, strlen(o.compact));
    assert_string_equal(r.path, o.path);
    /* every list, not only the first that decides */
    static const struct {
        unsigned list;
        const char *const *entries;
        bool spaced;
    } url_lists[] = {{L_DOWNLOADERS, downloaders, true},
                     {L_SQLI, sqli, true},
                     {L_BOT_SUFFIXES, bot_suffixes, false},
                     {L_BOT_NAMES, bot_names, false},
                     {L_RCE, rce, false},
                     {L_TRAVERSAL, traversal, false},
                     {L_XSS, xss, false},
                     {L_DOWNLOADER_URLS, downloader_urls, false}};
    for (size_t k = 0; k < sizeof url_lists / sizeof url_lists[0]; k++)
        assert_same_entry(
            first_of(&st->url_m, url_lists[k].spaced ? &r.in_spaced : &r.in_compact,
                     url_lists[k].list),
            old_find_any(url_lists[k].spaced ? &o.spaced_t : &o.compact_t, url_lists[k].entries));
    assert_same_entry(first_of(&st->ua_m, &r.in_ua, L_UA_INJECTION),
                      old_find_any(&o.ua_t, ua_injection));
    assert_same_entry(first_of(&st->ua_m, &r.in_ua, L_TOOLS), old_find_any(&o.ua_t, tools));
    const char *ma, *mb;
    char ta[TEXT_MAX], tb[TEXT_MAX];
    unsigned va = classify(st, &r, &ma, ta, sizeof ta), vb = old_classify(&o, &mb, tb, sizeof tb);
    assert_int_equal(va, vb);
    assert_same_entry(ma, mb);
    assert_string_equal(ta, tb);
    char ra[URL_MAX], rb[URL_MAX];
    redact_url(st, url, ra, sizeof ra);
    old_redact_url(url, rb, sizeof rb);
    if (strlen(rb) == sizeof rb - 1) /* a full copy is now cut between characters */
        mm_utf8_trim_tail(rb, sizeof rb - 1);
    assert_string_equal(ra, rb);
}

static void test_requests_equal_old(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, NULL, NULL, &mm_detector_web_attack);
    struct web_state *st = s->det_state;
    static char urls[64][6000], uas[16][700];
    static const char *const hosts[] = {NULL,           "198.51.100.7",  "[2001:db8::1]",
                                        "shop.example", "dl.google.com", "x.windowsupdate.com",
                                        "host.example"};
    static const char *const methods[] = {"GET", "get", "POST", "CONNECT", NULL, "HEAD"};
    unsigned variants[10] = {0};
    for (int i = 0; i < 40000; i++) {
        /* a third are URLs or user agents seen lately (the memos answer), with
         * other hosts, methods and sources */
        char *url = urls[rnd(64)], *ua = uas[rnd(16)];
        if (i < 64 || rnd(3) != 0)
            random_url(url, rnd(8) == 0 ? sizeof urls[0] : 300);
        if (i < 16 || rnd(3) != 0)
            random_ua(ua, rnd(8) == 0 ? sizeof uas[0] : 120);
        const char *h = hosts[rnd(sizeof hosts / sizeof hosts[0])];
        const char *m = methods[rnd(sizeof methods / sizeof methods[0])];
        bool home = rnd(2);
        check_request(st, url, rnd(10) == 0 ? NULL : ua, h, m, home);
        const char *matched;
        char target[TEXT_MAX];
        static struct request r;
        memset(&r, 0, sizeof r);
        r.url = url;
        r.ua = ua;
        r.host = h;
        r.method = m;
        r.src_home = home;
        prepare(st, &r);
        variants[classify(st, &r, &matched, target, sizeof target)]++;
    }
    /* the random requests reach every variant and the quiet case */
    for (unsigned v = 0; v <= 8; v++)
        assert_true(variants[v] > 20);
    th_free(s);
}

static void test_suffixes_equal_old(void **state)
{
    (void)state;
    static const char *const sh[] = {".sh", NULL};
    const char *const *const lists[] = {exe_suffixes, page_suffixes, static_suffixes, sh};
    char text[64];
    for (int i = 0; i < 50000; i++) {
        static const char alphabet[] = "ab.cdhjmprstwxefgilno2345sh/.EXE";
        size_t n = rnd(14);
        for (size_t k = 0; k < n; k++)
            text[k] = alphabet[rnd(sizeof alphabet - 1)];
        text[n] = '\0';
        if (rnd(2)) { /* end on a real suffix now and then */
            const char *const *l = lists[rnd(4)];
            size_t m = 0;
            while (l[m])
                m++;
            strcat(text, l[rnd((uint32_t)m)]);
        }
        for (size_t k = 0; k < 4; k++) {
            const char *a = suffix_in(text, lists[k]);
            assert_int_equal(a != NULL, old_ends_with_any(text, lists[k]));
            if (a && k == 0) { /* exe_download names the entry */
                size_t j = 0;
                while (!old_ends_with_any(text, (const char *const[]){exe_suffixes[j], NULL}))
                    j++;
                assert_ptr_equal(a, exe_suffixes[j]);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_equal_old),
        cmocka_unit_test(test_suffixes_equal_old),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
