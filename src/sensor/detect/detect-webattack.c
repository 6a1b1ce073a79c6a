/* SPDX-License-Identifier: Apache-2.0
 * Detector "web-attack" (signature ids 9101101-9101109): attacks and probes
 * visible in plain HTTP requests (the decoder's "http" request events):
 *   1 SQL injection in the URL (union select, ' or '1'='1, sleep(, ...)
 *   2 directory traversal (../, ..\, /etc/passwd, win.ini, ...)
 *   3 command injection / remote code execution (;wget, |sh, $(, ${jndi:, ...;
 *     also ${jndi: and Shellshock's "() {" in the User-Agent header)
 *   4 cross-site scripting (<script, javascript:, onerror=, ...)
 *   5 IoT malware download (a botnet file such as mirai.x86 fetched from a
 *     bare IP address, or a downloader command naming one in the URL)
 *   6 proxy probe (an absolute http:// target naming another host than the
 *     Host header, or any absolute target or CONNECT from outside the office)
 *   7 executable download (.exe .scr .msi ...) over plain HTTP by an office PC
 *     (not from the update hosts of Windows Update and Chrome, which send
 *     signed executables over plain HTTP to every PC every day; the Host
 *     header is trusted for this, so a client lying in it is not caught)
 *   8 attack-tool user agent (sqlmap, nikto, masscan, ...; not curl or wget)
 *   9 web scan: one source requesting many distinct paths of one server
 * The URL is percent-decoded twice (double encoding), '+' read as a space,
 * lower-cased, and compared in two forms: with blanks folded to one space
 * (SQL keywords) and with blanks removed (shell and script fragments).
 * Each request raises at most one of 1-8, checked in the order 5, 3, 1, 2,
 * 4, 6, 7, 8 (the most specific and most harmful first); 9 is counted apart.
 *
 * Severities (1 high, 3 low), as an owner would weigh them: 5 is 1, a
 * botnet trying to take over a device or a device fetching botnet code; 1-4
 * are 2, attempts to break into a web application that succeed only if it
 * is vulnerable; 6, 7, 8 and 9 are 3, probes and risky habits worth a look
 * but usually harmless on their own.
 *
 * Evidence: the matched category and pattern, the method, the URL (at most
 * URL_MAX bytes, values of password/token-like parameters and URL user
 * info replaced by "***"), host and user agent; never a request body.
 * Settings in [detect.web-attack]: suppress_seconds (3600), window_seconds
 * (60) and paths (12) for the web scan, scan_sources = external|any
 * (external: only sources outside the home network count for 9). Web scans
 * keep, for at most PAIRS (source, server) pairs, the last RING distinct
 * path hashes (the least recently active pair is replaced); static files
 * (.css .js .png ...) do not count. Suppression: one alert per (source,
 * destination, variant) per suppress window. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/str.h"
#include "sensor/detect/detect-util.h"
#include "sensor/sensor.h"

#define NAME     "web-attack"
#define NORM_MAX 2048 /* decoded URL bytes examined */
#define URL_MAX  512  /* URL kept as evidence */
#define TEXT_MAX 256  /* host, user agent, pattern kept as evidence */
#define PAIRS    256
#define RING     64

static const struct mm__setting settings[] = {{"suppress_seconds", 0, 7 * 86400, NULL},
                                              {"window_seconds", 1, 3600, NULL},
                                              {"paths", 3, RING - 1, NULL},
                                              {"scan_sources", 0, 0, "external|any"},
                                              {NULL, 0, 0, NULL}};

/* A (source, server) pair's recent distinct paths, newest last. */
struct pair {
    uint64_t key;
    bool used;
    int64_t last;
    unsigned head, n;
    int64_t t[RING];
    uint64_t path[RING];
};

struct web_state {
    struct mm__suppress *sup;
    struct pair *pairs;
    int64_t suppress, window;
    long paths;
    bool scan_any;
};

/* A text to search, with the byte pairs that occur in it hashed to 4096
 * bits: a pattern whose first two bytes are not there cannot occur, so most
 * patterns are ruled out without a search (a request is checked against
 * about a hundred). The set is made once per text, not per pattern list. */
struct text {
    const char *s;
    uint64_t pairs[64];
};

/* The request's texts, decoded once. */
struct request {
    const char *src, *dst, *host, *url, *method, *ua;
    bool src_home;
    char spaced[NORM_MAX];                 /* decoded, lower case, blanks folded to one ' ' */
    char compact[NORM_MAX];                /* the same without blanks */
    char ua_lower[TEXT_MAX];               /* the user agent in lower case ("" when absent) */
    struct text spaced_t, compact_t, ua_t; /* the three above, ready to search */
    char path[NORM_MAX]; /* the URL's path in lower case, without query (url_path) */
};

static void web_free(void *state)
{
    struct web_state *st = state;
    if (!st)
        return;
    mm__suppress_free(st->sup);
    free(st->pairs);
    free(st);
}

static int web_init(struct mm_sensor *s, void **state)
{
    void *mem;
    struct mm__suppress *sup;
    int r = mm__detect_alloc(s, NAME, settings, sizeof(struct web_state), 4096, &mem, &sup);
    if (r != 0)
        return r;
    struct web_state *st = mem;
    st->sup = sup;
    st->pairs = calloc(PAIRS, sizeof *st->pairs);
    if (!st->pairs) {
        web_free(st);
        return MM_ENOMEM;
    }
    st->suppress = mm__detect_int(s, NAME, "suppress_seconds", 3600, 0, 7 * 86400) * 1000000LL;
    st->window = mm__detect_int(s, NAME, "window_seconds", 60, 1, 3600) * 1000000LL;
    st->paths = mm__detect_int(s, NAME, "paths", 12, 3, RING - 1);
    st->scan_any = mm__detect_word_is(s, NAME, "scan_sources", "any");
    *state = st;
    return 0;
}

/* ---- URL normalisation ------------------------------------------------------- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes in[] into out[] (at most outlen - 1 bytes, terminated);
 * '+' becomes a space, "%u00XX" (IIS style) one byte, bad escapes stay as
 * written, a decoded NUL becomes a space. Returns the length written. */
static size_t percent_decode(const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; in[i] && o + 1 < outlen; i++) {
        char c = in[i];
        int hi, lo;
        if (c == '%' && (hi = hex_value(in[i + 1])) >= 0 && (lo = hex_value(in[i + 2])) >= 0) {
            c = (char)(hi << 4 | lo);
            i += 2;
        } else if (c == '%' && (in[i + 1] == 'u' || in[i + 1] == 'U') && in[i + 2] == '0' &&
                   in[i + 3] == '0' && (hi = hex_value(in[i + 4])) >= 0 &&
                   (lo = hex_value(in[i + 5])) >= 0) {
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

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Fills r->spaced and r->compact from url: decoded twice, lower case, SQL
 * comments written as blanks, blanks folded (spaced) or dropped (compact). */
static void normalise(const char *url, struct request *r)
{
    char once[NORM_MAX], twice[NORM_MAX];
    percent_decode(url, once, sizeof once);
    percent_decode(once, twice, sizeof twice);
    size_t a = 0, b = 0;
    bool blank = false;
    for (size_t i = 0; twice[i]; i++) {
        char c = (char)tolower((unsigned char)twice[i]);
        if (c == '/' && twice[i + 1] == '*' && twice[i + 2] == '*' && twice[i + 3] == '/') {
            i += 3; /* an SQL comment between two words */
            c = ' ';
        }
        if (is_blank(c)) {
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

/* ---- the pattern lists -------------------------------------------------------- */

static unsigned pair_bit(char a, char b)
{
    return ((unsigned)(unsigned char)a << 4 ^ (unsigned char)b) & 4095u;
}

static void text_init(struct text *t, const char *s)
{
    t->s = s;
    memset(t->pairs, 0, sizeof t->pairs);
    for (size_t i = 0; s[i] && s[i + 1]; i++) {
        unsigned b = pair_bit(s[i], s[i + 1]);
        t->pairs[b / 64] |= 1ull << (b % 64);
    }
}

/* False when pat (a list entry, maybe ending in '|') cannot occur in t. */
static bool text_may_hold(const struct text *t, const char *pat)
{
    if (!pat[0] || !pat[1] || (pat[1] == '|' && !pat[2]))
        return true; /* one literal byte: no pair to look at */
    unsigned b = pair_bit(pat[0], pat[1]);
    return t->pairs[b / 64] >> (b % 64) & 1;
}

/* The first pattern of list (NULL-terminated) found in text, or NULL. A
 * pattern ending in '|' must end the text or be followed by a character
 * that is not a letter or digit ("|sh|" matches "|sh;" but not "|shop"). */
static const char *find_any(const struct text *t, const char *const *list)
{
    for (size_t i = 0; list[i]; i++) {
        if (!text_may_hold(t, list[i]))
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

/* Searched in the spaced form. */
static const char *const sqli[] = {"union select",
                                   "union all select",
                                   "union distinct select",
                                   "' or '1'='1",
                                   "' or 1=1",
                                   "\" or \"1\"=\"1",
                                   "\" or 1=1",
                                   " or 1=1--",
                                   "' or 'a'='a",
                                   "'or'1'='1",
                                   "') or ('1'='1",
                                   "' or ''='",
                                   "' and 1=1",
                                   "' and 1=2",
                                   "sleep(",
                                   "benchmark(",
                                   "pg_sleep(",
                                   "waitfor delay",
                                   "information_schema",
                                   "@@version",
                                   "load_file(",
                                   "into outfile",
                                   "xp_cmdshell",
                                   "extractvalue(",
                                   "updatexml(",
                                   "';--",
                                   "'--",
                                   "'; drop ",
                                   "; drop table",
                                   "'; select ",
                                   "'; exec ",
                                   "; shutdown",
                                   NULL};

/* Searched in the compact form ('\\' was read as '/'). */
static const char *const traversal[] = {
    "../",         "/..|",    "..\\",     "..\xc0\xaf",  "..\xc1\x9c",          "/etc/passwd",
    "/etc/shadow", "win.ini", "boot.ini", "/proc/self/", "system32/config/sam", NULL};

static const char *const rce[] = {
    ";wget",        ";curl",      "|wget",      "|curl",       "&&wget",   ";sh|",    "|sh|",
    "|bash|",       ";bash|",     "$(",         "`",           "cmd.exe",  "/bin/sh", "/bin/bash",
    "/bin/busybox", "powershell", "${jndi:",    "${${",        ";cat/",    "|cat/",   ";chmod",
    ";rm-",         "|id|",       ";uname",     "|uname",      "nc-e/bin", "system(", "passthru(",
    "shell_exec(",  "popen(",     "proc_open(", "php://input", "<?php",    NULL};

static const char *const xss[] = {"<script",
                                  "javascript:",
                                  "vbscript:",
                                  "onerror=",
                                  "onload=",
                                  "onmouseover=",
                                  "onfocus=",
                                  "alert(",
                                  "prompt(",
                                  "<svg",
                                  "<iframe",
                                  "<img",
                                  "document.cookie",
                                  "string.fromcharcode",
                                  NULL};

/* Downloader commands with a botnet file in one URL (checked before rce),
 * as words in the spaced form ("curling" is no downloader). */
static const char *const downloaders[] = {"wget|", "curl|", "tftp|", "ftpget|", NULL};
static const char *const downloader_urls[] = {"wgethttp", "wget-q", "curlhttp", "tftp-g",
                                              "tftp-r",   "ftpget", NULL};

/* Botnet file names: IoT CPU architectures, known family names. */
static const char *const bot_suffixes[] = {".x86|",  ".x86_64|", ".i686|", ".i586|", ".arm|",
                                           ".arm4|", ".arm5|",   ".arm6|", ".arm7|", ".mips|",
                                           ".mpsl|", ".mipsel|", ".m68k|", ".ppc|",  ".sh4|",
                                           ".spc|",  ".sparc|",  ".arc|",  NULL};
/* Family names; "sora", "hakai" and "tsunami" are left out: they are
 * ordinary (also Japanese) words in URLs. */
static const char *const bot_names[] = {"mirai",  "mozi.", "gafgyt", "bashlite",
                                        "hajime", "okiru", NULL};

static const char *const exe_suffixes[] = {".exe", ".scr", ".msi", ".dll", ".ps1", ".bat",
                                           ".vbs", ".jar", ".hta", ".cmd", ".pif", NULL};

/* Web pages and documents: a "mirai.html" on a bare IP host is a page. */
static const char *const page_suffixes[] = {".html", ".htm", ".php", ".asp", ".aspx",
                                            ".jsp",  ".txt", ".pdf", NULL};

static const char *const static_suffixes[] = {".css", ".js",  ".png",  ".jpg",  ".jpeg",  ".gif",
                                              ".ico", ".svg", ".webp", ".woff", ".woff2", ".ttf",
                                              ".map", ".mp4", ".webm", ".avif", NULL};

/* Searched in the lower-cased user agent. */
static const char *const tools[] = {
    "sqlmap",     "nikto",     "masscan",       "zgrab",       "nmap",   "wpscan",
    "gobuster",   "dirbuster", "dirb/",         "nuclei",      "hydra",  "acunetix",
    "netsparker", "w3af",      "havij",         "openvas",     "nessus", "zmeu",
    "fimap",      "wfuzz",     "ffuf",          "feroxbuster", "commix", "jaeles",
    "arachni",    "skipfish",  "whatweb",       "morfeus",     "paros",  "burpcollaborator",
    "qualys",     "l9explore", "censysinspect", NULL};

/* ---- the checks --------------------------------------------------------------- */

/* The path of a URL (absolute or not) up to '?' or '#', copied into out. */
static void url_path(const char *url, char *out, size_t outlen)
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

static bool ends_with_any(const char *s, const char *const *list)
{
    size_t n = strlen(s);
    for (size_t i = 0; list[i]; i++) {
        size_t k = strlen(list[i]);
        if (n >= k && memcmp(s + n - k, list[i], k) == 0)
            return true;
    }
    return false;
}

/* True for a bare IPv4 or IPv6 address ("[2001:db8::1]" as in a Host header). */
static bool is_ip_literal(const char *host)
{
    struct mm_addr a;
    char v6[64];
    size_t n = host ? strlen(host) : 0;
    if (n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof v6) {
        memcpy(v6, host + 1, n - 2);
        v6[n - 2] = '\0';
        host = v6;
    }
    return n && mm_addr_parse(host, &a) == 0;
}

/* 5: a file in the root of a bare IP address with a botnet name, or a
 * downloader command naming a botnet file (IoT CPU suffix or family). */
static const char *iot_download(const struct request *r)
{
    const char *file = r->path[0] == '/' ? r->path + 1 : r->path;
    bool root = strchr(file, '/') == NULL && file[0];
    if (root && (!r->host || is_ip_literal(r->host))) {
        struct text file_t;
        text_init(&file_t, file);
        const char *m = find_any(&file_t, bot_suffixes);
        if (m)
            return m;
        if (!ends_with_any(file, page_suffixes) && !ends_with_any(file, static_suffixes) &&
            (m = find_any(&file_t, bot_names)) != NULL)
            return m;
        if (ends_with_any(file, (const char *const[]){".sh", NULL}))
            return ".sh";
    }
    if (find_any(&r->spaced_t, downloaders)) {
        const char *m = find_any(&r->compact_t, bot_suffixes);
        if (m || (m = find_any(&r->compact_t, bot_names)) != NULL)
            return m;
    }
    return NULL;
}

/* 6: the host named by an absolute target, when it is a probe. */
static const char *proxy_probe(const struct request *r, char *target, size_t targetlen)
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

/* Vendors' update hosts that serve signed executables over plain HTTP as a
 * matter of course (Defender definitions through Windows Update, Chrome's
 * updater): every office PC fetches from them daily. The Host header (the
 * decoder's lower-cased hostname) must be one of them or end in "." + one. */
static const char *const update_hosts[] = {"windowsupdate.com",
                                           "windowsupdate.microsoft.com",
                                           "update.microsoft.com",
                                           "delivery.mp.microsoft.com",
                                           "dl.google.com",
                                           "gvt1.com",
                                           NULL};

static bool is_update_host(const char *host)
{
    size_t n = host ? strlen(host) : 0;
    for (size_t i = 0; n && update_hosts[i]; i++) {
        size_t k = strlen(update_hosts[i]);
        if (n >= k && strcmp(host + n - k, update_hosts[i]) == 0 &&
            (n == k || host[n - k - 1] == '.'))
            return true;
    }
    return false;
}

/* 7: an executable at the end of the path, fetched by an office client
 * from a host other than a vendor's update host. */
static const char *exe_download(const struct request *r)
{
    if (!r->src_home || (r->method && strcasecmp(r->method, "GET") != 0) || is_update_host(r->host))
        return NULL;
    for (size_t i = 0; exe_suffixes[i]; i++)
        if (ends_with_any(r->path, (const char *const[]){exe_suffixes[i], NULL}))
            return exe_suffixes[i];
    return NULL;
}

/* Code injected through the User-Agent header (Log4Shell, Shellshock). */
static const char *const ua_injection[] = {"${jndi:", "${${", "() {", NULL};

static const char *const categories[] = {"",
                                         "sql-injection",
                                         "directory-traversal",
                                         "command-injection",
                                         "cross-site-scripting",
                                         "iot-malware-download",
                                         "proxy-probe",
                                         "executable-download",
                                         "attack-tool",
                                         "web-scan"};

/* A traversal written with backslashes ("..\\..\\"): the compact form with
 * each backslash made a slash, searched for the traversal patterns. */
static const char *backslash_traversal(const struct request *r)
{
    char slashed[NORM_MAX];
    struct text slashed_t;
    size_t i = 0;
    if (!strchr(r->compact, '\\'))
        return NULL; /* the same text as compact, already searched */
    for (; r->compact[i]; i++)
        slashed[i] = r->compact[i] == '\\' ? '/' : r->compact[i];
    slashed[i] = '\0';
    text_init(&slashed_t, slashed);
    return find_any(&slashed_t, traversal);
}

/* The variant (1-8) of a request and the pattern that matched; 0: none. */
static unsigned classify(const struct request *r, const char **matched, char *target,
                         size_t targetlen)
{
    target[0] = '\0';
    if ((*matched = iot_download(r)) != NULL)
        return 5;
    if ((*matched = find_any(&r->compact_t, rce)) != NULL ||
        (*matched = find_any(&r->ua_t, ua_injection)) != NULL)
        return 3;
    if ((*matched = find_any(&r->spaced_t, sqli)) != NULL)
        return 1;
    if ((*matched = find_any(&r->compact_t, traversal)) != NULL ||
        (*matched = backslash_traversal(r)) != NULL)
        return 2;
    if ((*matched = find_any(&r->compact_t, xss)) != NULL)
        return 4;
    if ((*matched = find_any(&r->compact_t, downloader_urls)) != NULL)
        return 5;
    if ((*matched = proxy_probe(r, target, targetlen)) != NULL)
        return 6;
    if ((*matched = exe_download(r)) != NULL)
        return 7;
    if ((*matched = find_any(&r->ua_t, tools)) != NULL)
        return 8;
    return 0;
}

/* ---- evidence ----------------------------------------------------------------- */

static bool secret_name(const char *name, size_t n)
{
    static const char *const words[] = {"pass",    "pwd",    "token",   "secret", "auth",
                                        "session", "apikey", "api_key", "key",    NULL};
    char low[32];
    if (n >= sizeof low)
        n = sizeof low - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    low[n] = '\0';
    struct text low_t;
    text_init(&low_t, low);
    return find_any(&low_t, words) != NULL;
}

/* Copies url into out (cut to outlen - 1 bytes) with the user info of an
 * absolute URL and the values of secret-looking parameters as "***". */
static void redact_url(const char *url, char *out, size_t outlen)
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
            if (*eq == '=' && secret_name(name, (size_t)(eq - name))) {
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

/* A JSON string of at most max - 1 bytes of s ("" for NULL): control
 * characters, bytes that are not UTF-8 and a character cut at the end become
 * '?' (the decoder escapes most such bytes already; this keeps json_string
 * from ever refusing a text). NULL only on ENOMEM. */
static json_t *bounded(const char *s, size_t max)
{
    char buf[URL_MAX];
    size_t bad;
    if (max > sizeof buf)
        max = sizeof buf;
    mm_strlcpy(buf, s ? s : "", max);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    while (!mm_utf8_valid(buf, strlen(buf), &bad))
        buf[bad] = '?';
    return json_string(buf);
}

static void raise_web(struct web_state *st, struct mm_sensor *s, const json_t *ev,
                      const struct request *r, unsigned variant, const char *matched,
                      const char *target, long count)
{
    uint64_t key = mm__hash_str(r->dst, mm__hash_str(r->src, variant));
    if (!mm__suppress_allow(st->sup, key, mm__detect_now(s), st->suppress))
        return;
    char url[URL_MAX], pat[64];
    redact_url(r->url, url, sizeof url);
    snprintf(pat, sizeof pat, "%s", matched ? matched : "");
    size_t k = strlen(pat);
    if (k > 1 && pat[k - 1] == '|')
        pat[k - 1] = '\0';
    json_t *vars = json_pack("{s:s, s:s, s:o, s:I}", "src", r->src, "dst", r->dst, "host",
                             bounded(r->host && r->host[0] ? r->host : r->dst, 128), "count",
                             (json_int_t)count);
    json_t *evidence =
        json_pack("{s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "category", categories[variant],
                  "matched", bounded(pat, sizeof pat), "client", r->src, "server", r->dst, "url",
                  bounded(url, sizeof url), "http_method", bounded(r->method, 32), "hostname",
                  bounded(r->host, TEXT_MAX), "http_user_agent", bounded(r->ua, TEXT_MAX));
    if (evidence && target && target[0])
        json_object_set_new(evidence, "target", bounded(target, TEXT_MAX));
    if (evidence && variant == 9) {
        json_object_set_new(evidence, "paths", json_integer(count));
        json_object_set_new(evidence, "window_seconds", json_integer(st->window / 1000000));
    }
    const struct mm__alert_at at = {.ev = ev};
    mm__detect_raise(s, NAME, variant, &at, vars, evidence, NULL);
}

/* ---- web scan ----------------------------------------------------------------- */

static struct pair *pair_slot(struct web_state *st, uint64_t key)
{
    size_t start = key % PAIRS, oldest = start;
    for (size_t k = 0; k < 16; k++) {
        size_t j = (start + k) % PAIRS;
        struct pair *e = &st->pairs[j];
        if (e->used && e->key == key)
            return e;
        if (!e->used) {
            oldest = j;
            break;
        }
        if (e->last < st->pairs[oldest].last)
            oldest = j;
    }
    struct pair *e = &st->pairs[oldest];
    memset(e, 0, sizeof *e);
    e->used = true;
    e->key = key;
    return e;
}

/* Records the request's path for its (source, server) pair; returns the
 * number of distinct paths within the window (0 when the path repeats one
 * already counted, so a threshold is crossed once per new path). */
static long record_path(struct web_state *st, const struct request *r, int64_t now)
{
    if (!r->path[0] || ends_with_any(r->path, static_suffixes))
        return 0;
    uint64_t h = mm__hash_str(r->path, 9);
    struct pair *e = pair_slot(st, mm__hash_str(r->dst, mm__hash_str(r->src, 11)));
    e->last = now;
    long count = 1;
    for (unsigned i = 0; i < e->n; i++) {
        unsigned q = (e->head + RING - 1 - i) % RING;
        if (now - e->t[q] > st->window)
            continue;
        if (e->path[q] == h) {
            e->t[q] = now;
            return 0;
        }
        count += !(i == RING - 1 && e->n == RING);
    }
    e->t[e->head] = now;
    e->path[e->head] = h;
    e->head = (e->head + 1) % RING;
    if (e->n < RING)
        e->n++;
    return count;
}

/* ---- the event ---------------------------------------------------------------- */

static void web_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    struct web_state *st = state;
    const char *type = mm__jstr(ev, "event_type");
    const json_t *http = json_object_get(ev, "http");
    struct request r;
    struct mm_addr a;
    if (!type || strcmp(type, "http") != 0 || json_object_get(http, "status"))
        return; /* requests only */
    r.src = mm__jstr(ev, "src_ip");
    r.dst = mm__jstr(ev, "dest_ip");
    r.url = mm__jstr(http, "url");
    if (!r.src || !r.dst || !r.url)
        return;
    r.host = mm__jstr(http, "hostname");
    r.method = mm__jstr(http, "http_method");
    r.ua = mm__jstr(http, "http_user_agent");
    r.src_home = mm_addr_parse(r.src, &a) == 0 && mm_sensor_is_home(s, &a);
    size_t i = 0;
    for (; r.ua && r.ua[i] && i + 1 < sizeof r.ua_lower; i++)
        r.ua_lower[i] = (char)tolower((unsigned char)r.ua[i]);
    r.ua_lower[i] = '\0';
    normalise(r.url, &r);
    url_path(r.url, r.path, sizeof r.path);
    text_init(&r.spaced_t, r.spaced);
    text_init(&r.compact_t, r.compact);
    text_init(&r.ua_t, r.ua_lower);
    const char *matched;
    char target[TEXT_MAX];
    unsigned variant = classify(&r, &matched, target, sizeof target);
    if (variant)
        raise_web(st, s, ev, &r, variant, matched, target, 1);
    if (!st->scan_any && r.src_home)
        return;
    long count = record_path(st, &r, mm__detect_now(s));
    if (count >= st->paths)
        raise_web(st, s, ev, &r, 9, "distinct-paths", NULL, count);
}

const struct mm_detector mm_detector_web_attack = {
    .name = NAME,
    .init = web_init,
    .on_event = web_event,
    .events = "http",
    .free = web_free,
};
