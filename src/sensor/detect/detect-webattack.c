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
 * Each text is read once against all its pattern lists (struct matcher);
 * a list's match is its first entry, in list order, found in the text.
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
#include "sensor/decode/http-facts.h"
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

/* ---- the pattern matcher ---------------------------------------------------------
 * The pattern lists a text is searched for are filed once, at start, by
 * their first two bytes. A text is then read once: at each position only
 * the few patterns that start with the two bytes found there are compared
 * (before, every list was searched with strstr, about a hundred patterns
 * per request). The result is the set of patterns that occur; a list's
 * match is its first entry, in list order, in that set — the entry the
 * search list by list named. An entry ending in '|' is a word: it must end
 * the text or be followed by a byte that is not a letter or digit ("|sh|"
 * matches "|sh;" but not "|shop"). Entries are not empty. */
#define PATTERNS_MAX 192
#define LISTS_MAX    8
#define SLOTS_MAX    255

struct pattern {
    const char *entry; /* the list entry, maybe ending in '|' */
    uint8_t len;       /* bytes compared (the entry without its '|') */
    bool word;
};

/* The byte pairs that start a pattern of any matcher, numbered 1..n (0: no
 * pattern starts with it), indexed by the two bytes as load_pair reads them. */
struct pair_slots {
    uint8_t of[65536];
    unsigned n;
};

struct matcher {
    const struct pair_slots *slots;
    struct pattern pats[PATTERNS_MAX]; /* by id: the lists one after another, in order */
    uint8_t list_start[LISTS_MAX + 1]; /* list k: ids list_start[k] .. list_start[k + 1] - 1 */
    uint8_t bucket[SLOTS_MAX + 2];     /* slot s: ids by_slot[bucket[s] .. bucket[s + 1] - 1] */
    uint8_t by_slot[PATTERNS_MAX];     /* the patterns of two bytes or more, by slot */
    uint8_t singles[PATTERNS_MAX];     /* the one-byte patterns */
    unsigned nsingles;
};

/* The patterns of a matcher found in a text: bit id. */
struct found {
    uint64_t bits[PATTERNS_MAX / 64];
};

/* The lists of the URL matcher (in the order given to matcher_build): the
 * first two are for the spaced form, the others for the compact one. */
enum {
    L_DOWNLOADERS,
    L_SQLI,
    L_BOT_SUFFIXES,
    L_BOT_NAMES,
    L_RCE,
    L_TRAVERSAL,
    L_XSS,
    L_DOWNLOADER_URLS
};
enum { L_UA_INJECTION, L_TOOLS }; /* the user agent's matcher */

/* ---- memos --------------------------------------------------------------------------
 * What a URL or a user agent alone decides is remembered, placed by a hash
 * and checked against the whole text: the same URLs and the same user
 * agents come again and again (a device keeps its browser; pages share
 * their resources), and reading them again is most of a request's cost.
 * A URL may sit in either slot of its set of two (the one used less
 * recently is replaced): pages fetch their resources in the same order
 * again and again, so with one slot per hash, two of them that shared it
 * evicted each other on every load (on the bench's first 40 MB, 178
 * distinct URLs in 512 slots missed 650-800 times of 1992; two ways of
 * 512 sets miss about 310 times). */
#define URL_MEMO_MAX 2048 /* URLs of fewer bytes are remembered */
#define URL_MEMOS    1024 /* in sets of two */
#define UA_MEMOS     64

/* The patterns of a URL's two forms and its traversal written with
 * backslashes. The URL is kept in a buffer of its own (most are short). */
struct url_memo {
    bool used;
    bool recent; /* first slot of a set: which of the two was used last */
    uint16_t len, cap;
    char *url; /* len bytes, not terminated; cap bytes allocated */
    struct found in_spaced, in_compact;
    const char *slashed_traversal;
};

/* The patterns of a user agent (its first TEXT_MAX - 1 bytes: all it is read for). */
struct ua_memo {
    bool used;
    uint16_t len;
    struct found in_ua;
    char ua[TEXT_MAX - 1]; /* len bytes, not terminated */
};

struct web_state {
    struct mm__suppress *sup;
    struct pair *pairs;
    int64_t suppress, window;
    long paths;
    bool scan_any;
    struct pair_slots slots;
    struct matcher url_m, ua_m, secret_m;
    struct url_memo *url_memos; /* URL_MEMOS */
    struct ua_memo ua_memos[UA_MEMOS];
    /* The URL memo set and user agent memo slot web_event_prefetch
     * found for the texts at url and ua (NULL: none), taken by the next
     * read_url and read_ua of those texts instead of hashing them again.
     * Only where a text is remembered depends on them (a slot is compared
     * with the whole text), so an old pointer that names another text
     * later costs a memo miss, never a wrong answer. */
    const char *ahead_url, *ahead_ua;
    struct url_memo *ahead_set;
    struct ua_memo *ahead_slot;
    char lower_of[256]; /* ASCII lower case */
    char plain_of[256]; /* lower case, or 0 for what normalise must look at: blanks, '/', NUL */
};

/* The request's texts, decoded once, and what was found in them. */
struct request {
    const char *src, *dst, *host, *url, *method, *ua;
    bool src_home;
    size_t scheme; /* 7 or 8 for an absolute http:// or https:// URL, else 0 */
    /* The URL decoded, lower case, blanks folded to one ' ' (spaced: compact
     * itself when there were none, else spaced_buf) or dropped (compact). */
    const char *spaced;
    char compact[NORM_MAX];
    char spaced_buf[NORM_MAX];
    size_t spaced_len, compact_len;
    /* The patterns in the two forms and in the user agent (lower case). */
    struct found in_spaced, in_compact, in_ua;
    const char *slashed_traversal; /* backslash_traversal's answer */
    char path[NORM_MAX];           /* the URL's path in lower case, without query (url_path) */
};

static int build_matchers(struct web_state *st);

static void web_free(void *state)
{
    struct web_state *st = state;
    if (!st)
        return;
    mm__suppress_free(st->sup);
    free(st->pairs);
    for (size_t i = 0; st->url_memos && i < URL_MEMOS; i++)
        free(st->url_memos[i].url);
    free(st->url_memos);
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
    st->url_memos = calloc(URL_MEMOS, sizeof *st->url_memos);
    if (!st->pairs || !st->url_memos) {
        web_free(st);
        return MM_ENOMEM;
    }
    st->suppress = mm__detect_int(s, NAME, "suppress_seconds", 3600, 0, 7 * 86400) * 1000000LL;
    st->window = mm__detect_int(s, NAME, "window_seconds", 60, 1, 3600) * 1000000LL;
    st->paths = mm__detect_int(s, NAME, "paths", 12, 3, RING - 1);
    st->scan_any = mm__detect_word_is(s, NAME, "scan_sources", "any");
    if ((r = build_matchers(st)) != 0) {
        web_free(st);
        return r;
    }
    *state = st;
    return 0;
}

/* ---- URL normalisation ------------------------------------------------------- */

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = mm_ascii_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decodes in[] into out[] (at most outlen - 1 bytes, terminated);
 * '+' becomes a space, "%u00XX" (IIS style) one byte, bad escapes stay as
 * written, a decoded NUL becomes a space. Returns the length written;
 * *again tells whether out holds a '%' or '+' (else decoding it again
 * would change nothing). Runs without '%' and '+' are copied whole. */
static size_t percent_decode(const char *in, char *out, size_t outlen, bool *again)
{
    size_t o = 0;
    *again = false;
    for (size_t i = 0; in[i] && o + 1 < outlen; i++) {
        size_t run = strcspn(in + i, "%+");
        if (run > outlen - 1 - o)
            run = outlen - 1 - o;
        memcpy(out + o, in + i, run);
        o += run;
        i += run;
        if (!in[i] || o + 1 >= outlen)
            break;
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
        c = c ? c : ' ';
        *again |= c == '%' || c == '+';
        out[o++] = c;
    }
    out[o] = '\0';
    return o;
}

/* ' ', '\t', '\n', '\v', '\f' or '\r' (9 to 13). */
static bool is_blank(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Lower-cases text[0..n) into out when it holds no blank and no SQL
 * comment (then both forms are that text); false when it does. */
static bool fold_plain(const struct web_state *st, const char *text, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        char c = st->plain_of[(unsigned char)text[i]];
        if (!c) {
            if (text[i] != '/' ||
                (i + 3 < n && text[i + 1] == '*' && text[i + 2] == '*' && text[i + 3] == '/'))
                return false;
            c = '/';
        }
        out[i] = c;
    }
    out[n] = '\0';
    return true;
}

/* Fills r->spaced and r->compact from url: decoded twice, lower case, SQL
 * comments written as blanks, blanks folded (spaced) or dropped (compact).
 * A URL without '%' and '+' is its own decoding (cut to NORM_MAX - 1
 * bytes), and so is a first decoding without them. */
static void normalise(const struct web_state *st, const char *url, struct request *r)
{
    char once[NORM_MAX], twice[NORM_MAX];
    const char *text = url;
    size_t n = strcspn(url, "%+");
    bool again;
    if (url[n]) {
        n = percent_decode(url, once, sizeof once, &again);
        text = once;
        if (again) {
            n = percent_decode(once, twice, sizeof twice, &again);
            text = twice;
        }
    } else if (n > NORM_MAX - 1) {
        n = NORM_MAX - 1;
    }
    r->spaced = r->compact;
    r->spaced_len = r->compact_len = n;
    if (fold_plain(st, text, n, r->compact))
        return;
    char *spaced = r->spaced_buf;
    size_t a = 0, b = 0;
    bool blank = false;
    for (size_t i = 0; i < n; i++) {
        char c = mm_ascii_lower(text[i]);
        if (c == '/' && i + 3 < n && text[i + 1] == '*' && text[i + 2] == '*' &&
            text[i + 3] == '/') {
            i += 3; /* an SQL comment between two words */
            c = ' ';
        }
        if (is_blank(c)) {
            blank = true;
            continue;
        }
        if (blank && a > 0)
            spaced[a++] = ' ';
        blank = false;
        spaced[a++] = c;
        r->compact[b++] = c;
    }
    spaced[a] = '\0';
    r->compact[b] = '\0';
    r->spaced = a == b ? r->compact : spaced; /* no blank inside: the same text */
    r->spaced_len = a;
    r->compact_len = b;
}

/* ---- the pattern lists -------------------------------------------------------- */

/* The two bytes at p as one number (the same at build and scan). */
static inline unsigned load_pair(const char *p)
{
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}

/* Files the lists (each NULL-terminated) into m, numbering new pairs in
 * slots. MM_EINVAL when the lists exceed the matcher's limits. */
static int matcher_build(struct matcher *m, struct pair_slots *slots,
                         const char *const *const *lists, size_t nlists)
{
    unsigned n = 0, count[SLOTS_MAX + 1] = {0};
    memset(m, 0, sizeof *m);
    m->slots = slots;
    if (nlists > LISTS_MAX)
        return MM_EINVAL;
    for (size_t l = 0; l < nlists; l++) {
        m->list_start[l] = (uint8_t)n;
        for (size_t i = 0; lists[l][i]; i++, n++) {
            const char *e = lists[l][i];
            size_t k = strlen(e);
            bool word = k > 1 && e[k - 1] == '|';
            if (n >= PATTERNS_MAX || k == 0 || k > UINT8_MAX)
                return MM_EINVAL;
            m->pats[n] = (struct pattern){e, (uint8_t)(word ? k - 1 : k), word};
            if (m->pats[n].len == 1) {
                m->singles[m->nsingles++] = (uint8_t)n;
                continue;
            }
            uint8_t *slot = &slots->of[load_pair(e)];
            if (!*slot && slots->n >= SLOTS_MAX)
                return MM_EINVAL;
            if (!*slot)
                *slot = (uint8_t)++slots->n;
            count[*slot]++;
        }
    }
    m->list_start[nlists] = (uint8_t)n;
    for (unsigned k = 0; k <= SLOTS_MAX; k++)
        m->bucket[k + 1] = (uint8_t)(m->bucket[k] + count[k]);
    for (unsigned id = 0; id < n; id++)
        if (m->pats[id].len > 1) {
            unsigned k = slots->of[load_pair(m->pats[id].entry)];
            m->by_slot[m->bucket[k + 1] - count[k]--] = (uint8_t)id;
        }
    return 0;
}

static void found_add(struct found *f, unsigned id)
{
    f->bits[id / 64] |= 1ull << (id % 64);
}

/* True when pattern p, whose first skip bytes are known to be there,
 * occurs at t (t[0..left) are the text's bytes from there; t[left] is its
 * terminating NUL). */
static inline bool occurs_at(const struct pattern *p, size_t skip, const char *t, size_t left)
{
    size_t k = p->len;
    return k <= left && (k <= skip || t[skip] == p->entry[skip]) &&
           (k <= skip + 1 || memcmp(t + skip + 1, p->entry + skip + 1, k - skip - 1) == 0) &&
           (!p->word || !isalnum((unsigned char)t[k]));
}

/* Every pattern of m that occurs in s[0..n) (s[n] is NUL) into f. */
static void matcher_scan(const struct matcher *m, const char *s, size_t n, struct found *f)
{
    const uint8_t *slot_of = m->slots->of;
    memset(f, 0, sizeof *f);
    for (unsigned j = 0; j < m->nsingles; j++) {
        const struct pattern *p = &m->pats[m->singles[j]];
        for (const char *q = memchr(s, p->entry[0], n); q;
             q = memchr(q + 1, p->entry[0], (size_t)(s + n - q - 1)))
            if (occurs_at(p, 1, q, (size_t)(s + n - q))) {
                found_add(f, m->singles[j]);
                break;
            }
    }
    for (size_t i = 0; i + 1 < n; i++) {
        unsigned slot = slot_of[load_pair(s + i)];
        if (!slot)
            continue;
        for (unsigned k = m->bucket[slot]; k < m->bucket[slot + 1]; k++)
            if (occurs_at(&m->pats[m->by_slot[k]], 2, s + i, n - i))
                found_add(f, m->by_slot[k]);
    }
}

/* The first entry of list (in list order) that f holds, or NULL. */
static const char *first_of(const struct matcher *m, const struct found *f, unsigned list)
{
    unsigned hi = m->list_start[list + 1];
    for (unsigned id = m->list_start[list]; id < hi;) {
        uint64_t bits = f->bits[id / 64] >> (id % 64);
        if (bits) {
            id += (unsigned)__builtin_ctzll(bits);
            return id < hi ? m->pats[id].entry : NULL;
        }
        id = (id / 64 + 1) * 64;
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

/* Code injected through the User-Agent header (Log4Shell, Shellshock). */
static const char *const ua_injection[] = {"${jndi:", "${${", "() {", NULL};

static const char *const secret_words[] = {"pass",    "pwd",    "token",   "secret", "auth",
                                           "session", "apikey", "api_key", "key",    NULL};

/* The matchers (lists in the order of the L_ names) and the byte tables. */
static int build_matchers(struct web_state *st)
{
    const char *const *const url[] = {downloaders, sqli,      bot_suffixes, bot_names,
                                      rce,         traversal, xss,          downloader_urls};
    const char *const *const ua[] = {ua_injection, tools};
    const char *const *const secret[] = {secret_words};
    for (unsigned c = 0; c < 256; c++) {
        st->lower_of[c] = mm_ascii_lower((char)c);
        st->plain_of[c] = c == 0 || c == '/' || is_blank((char)c) ? 0 : mm_ascii_lower((char)c);
    }
    int r = matcher_build(&st->url_m, &st->slots, url, 8);
    if (r == 0)
        r = matcher_build(&st->ua_m, &st->slots, ua, 2);
    if (r == 0)
        r = matcher_build(&st->secret_m, &st->slots, secret, 1);
    return r;
}

/* ---- the checks --------------------------------------------------------------- */

/* 7 for "http://", 8 for "https://" (any case) at the start of url, else 0. */
static size_t scheme_len(const char *url)
{
    if (url[0] != 'h' && url[0] != 'H')
        return 0;
    return strncasecmp(url, "http://", 7) == 0 ? 7 : strncasecmp(url, "https://", 8) == 0 ? 8 : 0;
}

/* The path of r->url (absolute or not) up to '?' or '#', lower case, into out. */
static void url_path(const struct request *r, char *out, size_t outlen)
{
    const char *p = r->url + r->scheme;
    if (r->scheme)
        p += strcspn(p, "/?#");
    size_t n = strcspn(p, "?#");
    if (n >= outlen)
        n = outlen - 1;
    mm_ascii_lower_n(out, p, n);
    out[n] = '\0';
}

/* The entry of list (file suffixes such as ".exe") that s ends with, or
 * NULL. Every entry of these lists is one '.' followed by letters and
 * digits, so s ends with an entry exactly when its text from its last '.'
 * is that entry (and at most one entry can match). The byte after the
 * dot is compared before the whole text. */
static const char *suffix_in(const char *s, const char *const *list)
{
    const char *dot = strrchr(s, '.');
    for (size_t i = 0; dot && list[i]; i++)
        if (dot[1] == list[i][1] && strcmp(dot, list[i]) == 0)
            return list[i];
    return NULL;
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
static const char *iot_download(const struct web_state *st, const struct request *r)
{
    const struct matcher *cm = &st->url_m;
    const char *file = r->path[0] == '/' ? r->path + 1 : r->path;
    bool root = strchr(file, '/') == NULL && file[0];
    if (root && (!r->host || is_ip_literal(r->host))) {
        struct found in_file;
        matcher_scan(cm, file, strlen(file), &in_file);
        const char *m = first_of(cm, &in_file, L_BOT_SUFFIXES);
        if (m)
            return m;
        if (!suffix_in(file, page_suffixes) && !suffix_in(file, static_suffixes) &&
            (m = first_of(cm, &in_file, L_BOT_NAMES)) != NULL)
            return m;
        if (suffix_in(file, (const char *const[]){".sh", NULL}))
            return ".sh";
    }
    if (first_of(cm, &r->in_spaced, L_DOWNLOADERS)) {
        const char *m = first_of(cm, &r->in_compact, L_BOT_SUFFIXES);
        if (m || (m = first_of(cm, &r->in_compact, L_BOT_NAMES)) != NULL)
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
    if (!r->scheme)
        return NULL;
    const char *p = r->url + r->scheme;
    const char *at = strchr(p, '@'), *end = p + strcspn(p, "/?#");
    if (at && at < end)
        p = at + 1; /* user info */
    size_t n = p[0] == '[' ? strcspn(p, "]/?#") + (strchr(p, ']') != NULL) : strcspn(p, ":/?#");
    if (n >= targetlen)
        n = targetlen - 1;
    mm_ascii_lower_n(target, p, n);
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
    if (!r->src_home || (r->method && strcasecmp(r->method, "GET") != 0))
        return NULL;
    const char *suffix = suffix_in(r->path, exe_suffixes); /* rare: asked first */
    return suffix && !is_update_host(r->host) ? suffix : NULL;
}

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
static const char *backslash_traversal(const struct web_state *st, const struct request *r)
{
    char slashed[NORM_MAX];
    struct found in_slashed;
    if (!memchr(r->compact, '\\', r->compact_len))
        return NULL; /* the same text as compact, already searched */
    for (size_t i = 0; i <= r->compact_len; i++)
        slashed[i] = r->compact[i] == '\\' ? '/' : r->compact[i];
    matcher_scan(&st->url_m, slashed, r->compact_len, &in_slashed);
    return first_of(&st->url_m, &in_slashed, L_TRAVERSAL);
}

/* The variant (1-8) of a request and the pattern that matched; 0: none. */
static unsigned classify(const struct web_state *st, const struct request *r, const char **matched,
                         char *target, size_t targetlen)
{
    const struct matcher *cm = &st->url_m;
    target[0] = '\0';
    if ((*matched = iot_download(st, r)) != NULL)
        return 5;
    if ((*matched = first_of(cm, &r->in_compact, L_RCE)) != NULL ||
        (*matched = first_of(&st->ua_m, &r->in_ua, L_UA_INJECTION)) != NULL)
        return 3;
    if ((*matched = first_of(cm, &r->in_spaced, L_SQLI)) != NULL)
        return 1;
    if ((*matched = first_of(cm, &r->in_compact, L_TRAVERSAL)) != NULL ||
        (*matched = r->slashed_traversal) != NULL)
        return 2;
    if ((*matched = first_of(cm, &r->in_compact, L_XSS)) != NULL)
        return 4;
    if ((*matched = first_of(cm, &r->in_compact, L_DOWNLOADER_URLS)) != NULL)
        return 5;
    if ((*matched = proxy_probe(r, target, targetlen)) != NULL)
        return 6;
    if ((*matched = exe_download(r)) != NULL)
        return 7;
    if ((*matched = first_of(&st->ua_m, &r->in_ua, L_TOOLS)) != NULL)
        return 8;
    return 0;
}

/* ---- evidence ----------------------------------------------------------------- */

static bool secret_name(const struct web_state *st, const char *name, size_t n)
{
    char low[32];
    struct found in_low;
    if (n >= sizeof low)
        n = sizeof low - 1;
    mm_ascii_lower_n(low, name, n);
    low[n] = '\0';
    matcher_scan(&st->secret_m, low, strlen(low), &in_low);
    return first_of(&st->secret_m, &in_low, 0) != NULL;
}

/* Copies url into out (cut to outlen - 1 bytes, between characters) with
 * the user info of an absolute URL and the values of secret-looking
 * parameters as "***". */
static void redact_url(const struct web_state *st, const char *url, char *out, size_t outlen)
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
            if (*eq == '=' && secret_name(st, name, (size_t)(eq - name))) {
                size_t k = (size_t)(eq - name) + 1;
                int w = snprintf(out + o, outlen - o, "%.*s***", (int)k, name);
                o = w < 0 ? o : o + (size_t)w >= outlen ? outlen - 1 : o + (size_t)w;
                p = eq + 1 + strcspn(eq + 1, "&;#");
                continue;
            }
        }
        p++;
    }
    size_t end = o < outlen ? o : outlen - 1;
    out[end] = '\0';
    if (end == outlen - 1) /* full: cut, maybe inside a character */
        mm_utf8_trim_tail(out, end);
}

/* A JSON string of at most max - 1 bytes of s ("" for NULL), cut between
 * characters: control characters and bytes that are not UTF-8 become '?'
 * (the decoder escapes most such bytes already; this keeps json_string
 * from ever refusing a text). NULL only on ENOMEM. */
static json_t *bounded(const char *s, size_t max)
{
    char buf[URL_MAX];
    size_t bad;
    if (max > sizeof buf)
        max = sizeof buf;
    mm_strlcpy_utf8(buf, s ? s : "", max);
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
    uint64_t key = mm__keyed_str(r->dst, mm__keyed_str(r->src, variant));
    if (!mm__suppress_allow(st->sup, key, mm__detect_now(s), st->suppress))
        return;
    char url[URL_MAX], pat[64];
    redact_url(st, r->url, url, sizeof url);
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
    if (!r->path[0] || suffix_in(r->path, static_suffixes))
        return 0;
    uint64_t h = mm__keyed_str(r->path, 9); /* keyed: paths made to match cannot hide a scan */
    /* The pair's key is unkeyed on purpose: pair_slot forgets the oldest
     * of a probe run, so placement shows in the counts under pressure. */
    struct pair *e = pair_slot(st, mm__hash_str(r->dst, mm__hash_str(r->src, 11)));
    e->last = now;
    long count = 1;
    for (unsigned i = 0; i < e->n; i++) {
        unsigned q = (e->head + RING - 1 - i) % RING;
        if (!mm__within(now, e->t[q], st->window))
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

/* Keeps what read_url found for r->url (n bytes) in m; without memory for
 * the URL, m stays empty. */
static void remember_url(struct url_memo *m, const struct request *r, size_t n)
{
    if (!m->url || n > m->cap) {
        size_t cap = n < 64 ? 64 : n;
        char *p = realloc(m->url, cap);
        if (!p) {
            m->used = false;
            return;
        }
        m->url = p;
        m->cap = (uint16_t)cap;
    }
    memcpy(m->url, r->url, n);
    m->used = true;
    m->len = (uint16_t)n;
    m->in_spaced = r->in_spaced;
    m->in_compact = r->in_compact;
    m->slashed_traversal = r->slashed_traversal;
}

/* The URL memo set of url[0..n) (n below URL_MEMO_MAX). */
static inline struct url_memo *url_set(const struct web_state *st, const char *url, size_t n)
{
    return &st->url_memos[2 * (mm__hash_fast(url, n, mm_process_key.k0) % (URL_MEMOS / 2))];
}

/* The user agent memo slot of ua[0..n). */
static inline struct ua_memo *ua_slot(struct web_state *st, const char *ua, size_t n)
{
    return &st->ua_memos[mm__hash_fast(ua, n, mm_process_key.k0) % UA_MEMOS];
}

/* Asks for the URL memo set and user agent memo slot web_event will read
 * first for a direct HTTP request (struct mm_detector.prefetch_event), and
 * keeps them for it. */
static void web_event_prefetch(void *state, struct mm_sensor *s, const json_t *member)
{
    struct web_state *st = state;
    const struct mm__http_facts *hf = mm__http_facts_of(member);
    (void)s;
    if (!hf || hf->response || !hf->url)
        return; /* web_event reads requests only */
    size_t n = strnlen(hf->url, URL_MEMO_MAX);
    if (n < URL_MEMO_MAX) {
        st->ahead_url = hf->url;
        st->ahead_set = url_set(st, hf->url, n);
        __builtin_prefetch(&st->ahead_set[0]);
        __builtin_prefetch(&st->ahead_set[1]);
    }
    if (hf->user_agent) {
        st->ahead_ua = hf->user_agent;
        st->ahead_slot = ua_slot(st, hf->user_agent, strnlen(hf->user_agent, TEXT_MAX - 1));
        __builtin_prefetch(st->ahead_slot);
    }
}

/* The patterns in r->url's two forms (decoded into r unless remembered). */
static void read_url(struct web_state *st, struct request *r)
{
    size_t n = strnlen(r->url, URL_MEMO_MAX);
    struct url_memo *set = NULL, *m;
    if (n < URL_MEMO_MAX) {
        set = r->url == st->ahead_url ? st->ahead_set : url_set(st, r->url, n);
        st->ahead_url = NULL;
        for (unsigned way = 0; way < 2; way++) {
            m = &set[way];
            if (m->used && m->len == n && memcmp(m->url, r->url, n) == 0) {
                set->recent = way;
                r->in_spaced = m->in_spaced;
                r->in_compact = m->in_compact;
                r->slashed_traversal = m->slashed_traversal;
                return;
            }
        }
    }
    normalise(st, r->url, r);
    matcher_scan(&st->url_m, r->compact, r->compact_len, &r->in_compact);
    if (r->spaced == r->compact)
        r->in_spaced = r->in_compact; /* one text: one reading */
    else
        matcher_scan(&st->url_m, r->spaced, r->spaced_len, &r->in_spaced);
    r->slashed_traversal = backslash_traversal(st, r);
    if (set) {
        unsigned way = set->recent ^ 1u; /* the one used less recently */
        set->recent = way;
        remember_url(&set[way], r, n);
    }
}

/* The patterns in r->ua (may be NULL) in lower case, unless remembered. */
static void read_ua(struct web_state *st, struct request *r)
{
    char lowered[TEXT_MAX];
    const char *ua = r->ua ? r->ua : "";
    size_t n = strnlen(ua, sizeof lowered - 1);
    struct ua_memo *m = ua == st->ahead_ua ? st->ahead_slot : ua_slot(st, ua, n);
    st->ahead_ua = NULL;
    if (m->used && m->len == n && memcmp(m->ua, ua, n) == 0) {
        r->in_ua = m->in_ua;
        return;
    }
    for (size_t i = 0; i < n; i++)
        lowered[i] = st->lower_of[(unsigned char)ua[i]];
    lowered[n] = '\0';
    matcher_scan(&st->ua_m, lowered, n, &r->in_ua);
    m->used = true;
    m->len = (uint16_t)n;
    m->in_ua = r->in_ua;
    memcpy(m->ua, ua, n);
}

/* Fills what the checks read from r->url and r->ua: the URL's scheme and
 * path, and the patterns found in the URL's forms and the user agent. */
static void prepare(struct web_state *st, struct request *r)
{
    r->scheme = scheme_len(r->url);
    url_path(r, r->path, sizeof r->path);
    read_url(st, r);
    read_ua(st, r);
}

/* Reads the request's texts from the "http" object (the decoder's facts
 * when it is handing this event over, else the JSON); false for a
 * response (or without "http": no URL either). */
static bool read_request(const json_t *http, const struct mm__http_facts *hf, struct request *r)
{
    if (hf) {
        r->url = hf->url;
        r->host = hf->hostname;
        r->method = hf->method;
        r->ua = hf->user_agent;
        return !hf->response;
    }
    if (!http || json_object_get(http, "status"))
        return false;
    r->url = mm__jstr(http, "url");
    r->host = mm__jstr(http, "hostname");
    r->method = mm__jstr(http, "http_method");
    r->ua = mm__jstr(http, "http_user_agent");
    return true;
}

/* Reads the event's src_ip and dest_ip texts into r (once); false when it
 * lacks either, and then the request is not looked at at all. */
static bool read_addresses(const json_t *ev, struct request *r)
{
    if (!r->src)
        r->src = mm__event_str(ev, "src_ip");
    if (!r->dst)
        r->dst = mm__event_str(ev, "dest_ip");
    return r->src && r->dst;
}

/* Whether the request's source is a home address: from the decoder's facts
 * (its address as bytes), else by parsing src_ip, which then is read, with
 * dest_ip, before anything else (false: the request is not looked at). */
static bool source_home(const struct mm_sensor *s, const json_t *ev,
                        const struct mm__http_facts *hf, struct request *r)
{
    struct mm_addr a;
    if (hf && hf->has_src) { /* the address src_ip names, as bytes */
        r->src_home = mm_sensor_is_home(s, &hf->src);
        return true;
    }
    if (!read_addresses(ev, r))
        return false;
    r->src_home = mm_addr_parse(r->src, &a) == 0 && mm_sensor_is_home(s, &a);
    return true;
}

/* The addresses' texts are read only when a request alerts or is counted
 * for the web scan: checking a request changes nothing a later event sees
 * (the memos only remember), so an event without them still does nothing,
 * as when they were read first. */
static void web_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    struct web_state *st = state;
    const json_t *http = mm__event_get(ev, "http");
    const struct mm__http_facts *hf = mm__http_facts_of(http);
    struct request r;
    if (!read_request(http, hf, &r))
        return; /* requests only */
    const char *type = mm__event_type(ev);
    if (!type || strcmp(type, "http") != 0 || !r.url)
        return;
    r.src = r.dst = NULL;
    if (!source_home(s, ev, hf, &r))
        return;
    prepare(st, &r);
    const char *matched;
    char target[TEXT_MAX];
    unsigned variant = classify(st, &r, &matched, target, sizeof target);
    if (variant) {
        if (!read_addresses(ev, &r))
            return;
        raise_web(st, s, ev, &r, variant, matched, target, 1);
    }
    if ((!st->scan_any && r.src_home) || !read_addresses(ev, &r))
        return;
    long count = record_path(st, &r, mm__detect_now(s));
    if (count >= st->paths)
        raise_web(st, s, ev, &r, 9, "distinct-paths", NULL, count);
}

const struct mm_detector mm_detector_web_attack = {
    .name = NAME,
    .settings = settings,
    .init = web_init,
    .on_event = web_event,
    .events = "http",
    .reads_standin = true,
    .prefetch_event = web_event_prefetch,
    .free = web_free,
};
