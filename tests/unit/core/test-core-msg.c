/* SPDX-License-Identifier: Apache-2.0
 * Checks the translated program messages (core/msg.h): the message
 * catalogues' "ja" and "en" texts take the same printf conversions in the
 * same order (a message text is a format), a next step asked for in Japanese
 * is there in English too (also in the content catalogues' texts: advice,
 * fixes, explanations), the language comes from --lang or
 * the environment, and the helpers print in the chosen language; the error
 * texts with a next step of their own are the ones mm_error_has_step names;
 * and mm_fill,
 * which puts the facts into a translated text by name: known and unknown
 * placeholders, {{name}} templates, values never searched again, and the
 * bound on what one fill may append (MM_ELIMIT, nothing half-written). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/data.h"
#include "core/error.h"
#include "core/i18n.h"
#include "core/log.h"
#include "core/msg.h"

/* The catalogues whose texts are printf formats. */
static const char *const format_catalogues[] = {"i18n/sensor-log.json", "i18n/center-log.json",
                                                "i18n/core-log.json", "i18n/audit.json", NULL};

/* The catalogues of program messages and errors, checked for next steps. */
static const char *const step_catalogues[] = {
    "i18n/sensor-log.json", "i18n/center-log.json", "i18n/core-log.json", "i18n/audit.json",
    "i18n/errors.json",     "i18n/center.json",     "i18n/cli.json",      NULL};

/* The content whose texts become advice and steps a person reads: every
 * {"ja", "en"} object in them, at any depth, is checked for next steps. */
static const char *const content_catalogues[] = {
    "diagnose/items.json",   "diagnose/bands.json",
    "audit/checks.json",     "rules/rules.json",
    "threats/threats.json",  "center/explanations.json",
    "risk/report.json",      "risk/columns.json",
    "sensor/detectors.json", NULL};

/* Writes the conversions of fmt ("%s", "%.*s", "%llu" ...) into out, one per
 * line; returns -1 for a conversion the messages must not use. */
static int conversions(const char *fmt, char *out, size_t len)
{
    static const char *const allowed[] = {"%s",  "%d",   "%ld",     "%lld",   "%llu",
                                          "%zu", "%.*s", "%020llu", "%.200s", "%.120s",
                                          "%lu", "%u",   NULL};
    out[0] = '\0';
    for (const char *p = strchr(fmt, '%'); p; p = strchr(p, '%')) {
        if (p[1] == '%') {
            p += 2;
            continue;
        }
        size_t n = strspn(p + 1, "0123456789.*lhz") + 2;
        char conv[16];
        snprintf(conv, sizeof conv, "%.*s", (int)n, p);
        bool ok = false;
        for (int i = 0; allowed[i]; i++)
            ok = ok || strcmp(conv, allowed[i]) == 0;
        if (!ok)
            return -1;
        snprintf(out + strlen(out), len - strlen(out), "%s\n", conv);
        p += n;
    }
    return 0;
}

/* Whether a message's two texts are fine (ja or en may be NULL: missing). */
typedef bool (*message_check)(const char *ja, const char *en);

/* Walks every message (its "ja" and "en" texts) of the catalogues, naming
 * each one ok refuses with why; returns how many it refused, and in
 * *walked how many it saw. */
static int each_message(const char *const *catalogues, message_check ok, const char *why,
                        int *walked)
{
    int failures = 0;
    *walked = 0;
    for (int c = 0; catalogues[c]; c++) {
        json_t *cat = NULL;
        assert_int_equal(mm_data_json(catalogues[c], &cat), 0);
        const char *key;
        json_t *v;
        json_object_foreach(cat, key, v)
        {
            const char *ja = json_string_value(json_object_get(v, "ja"));
            const char *en = json_string_value(json_object_get(v, "en"));
            if (!ok(ja, en)) {
                print_error("%s: %s: %s\n", catalogues[c], key, why);
                failures++;
            }
            (*walked)++;
        }
        json_decref(cat);
    }
    return failures;
}

/* Both texts there, with the same known conversions in the same order. */
static bool same_conversions(const char *ja, const char *en)
{
    char cja[256], cen[256];
    return ja && en && conversions(ja, cja, sizeof cja) == 0 &&
           conversions(en, cen, sizeof cen) == 0 && strcmp(cja, cen) == 0;
}

static void test_formats_match(void **state)
{
    (void)state;
    int checked = 0;
    int failures = each_message(format_catalogues, same_conversions,
                                "ja and en take different or unknown conversions", &checked);
    assert_true(checked > 50);
    assert_int_equal(failures, 0);
}

/* True when word occurs in text as a whole word (or phrase), any case. */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; *p; p++) {
        bool starts = p == text || !isalpha((unsigned char)p[-1]);
        if (starts && strncasecmp(p, word, n) == 0 && !isalpha((unsigned char)p[n]))
            return true;
    }
    return false;
}

/* True when one of words (NULL-terminated) occurs in text (has_word). */
static bool has_any_word(const char *text, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (has_word(text, words[i]))
            return true;
    return false;
}

/* One next step in both languages (docs/design/messages.md): a message whose
 * Japanese text asks for something ("...ください") says the same step in
 * English. English steps are imperatives ("check the URL") or say what a
 * setting must be ("must be yes or no", "needs host", "takes text or json");
 * a text with neither lost its step in translation. A message without both
 * texts is left to the other checks. */
static bool step_in_english(const char *ja, const char *en)
{
    static const char *const step_words[] = {
        "check",      "give",    "use",     "start",   "fix",      "ask",      "try",     "set",
        "make",       "move",    "remove",  "see",     "run",      "free",     "raise",   "enrol",
        "tell",       "upgrade", "build",   "leave",   "let",      "choose",   "compare", "restore",
        "reload",     "write",   "keep",    "create",  "change",   "install",  "wait",    "lower",
        "delete",     "add",     "correct", "restart", "rename",   "update",   "stop",    "put",
        "capture on", "must",    "needs",   "takes",   "expected", "separate", NULL};
    return !ja || !en || !strstr(ja, "ください") || has_any_word(en, step_words);
}

static void test_steps_in_english(void **state)
{
    (void)state;
    int walked = 0;
    int failures = each_message(step_catalogues, step_in_english,
                                "the Japanese text has a next step, the English none", &walked);
    assert_true(walked > 50);
    assert_int_equal(failures, 0);
}

/* The verbs of the content's advice and fixes, besides step_in_english's
 * ("Turn on automatic updates", "Isolate the source host", "unplug the
 * device's network cable"). "contact" and "scan" are nouns too ("a full
 * scan", "a contact"), so only "contact your" counts. */
static const char *const content_step_words[] = {
    "turn on",  "enable",   "subscribe",    "sign up",      "agree", "decide",
    "find out", "generate", "work through", "isolate",      "block", "plan",
    "look at",  "unplug",   "turn off",     "contact your", NULL};

/* Walks v for {"ja", "en"} texts (the object itself, then its members and
 * elements), naming each whose Japanese asks for a step the English lacks
 * (step_in_english, with content_step_words too); returns how many. */
static int content_steps(const char *file, const json_t *v, int *walked)
{
    int failures = 0;
    const char *ja = json_string_value(json_object_get(v, "ja"));
    const char *en = json_string_value(json_object_get(v, "en"));
    if (ja && en) {
        (*walked)++;
        if (!step_in_english(ja, en) && !has_any_word(en, content_step_words)) {
            print_error("%s: the Japanese text has a next step, the English none: %.80s\n", file,
                        en);
            failures++;
        }
    }
    const char *key;
    size_t i;
    json_t *m;
    if (json_is_object(v))
        json_object_foreach((json_t *)v, key, m) failures += content_steps(file, m, walked);
    else if (json_is_array(v))
        json_array_foreach(v, i, m) failures += content_steps(file, m, walked);
    return failures;
}

static void test_content_steps_in_english(void **state)
{
    (void)state;
    int walked = 0, failures = 0;
    for (int c = 0; content_catalogues[c]; c++) {
        json_t *doc = NULL;
        assert_int_equal(mm_data_json(content_catalogues[c], &doc), 0);
        failures += content_steps(content_catalogues[c], doc, &walked);
        json_decref(doc);
    }
    assert_true(walked > 300);
    assert_int_equal(failures, 0);
}

static void test_every_error_translated(void **state)
{
    (void)state;
    mm_msg_set_lang(MM_LANG_JA);
    for (int code = -1; strcmp(mm_errname(code), "EUNKNOWN") != 0 && code > -100; code--) {
        if (strcmp(mm_msg_strerror(code), mm_strerror(code)) == 0)
            print_error("%s has no Japanese text\n", mm_errname(code));
        assert_string_not_equal(mm_msg_strerror(code), mm_strerror(code));
    }
    mm_msg_set_lang(MM_LANG_EN);
    assert_string_equal(mm_msg_strerror(MM_ENOENT), mm_strerror(MM_ENOENT));
}

/* How many times needle occurs in s. */
static int count_of(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s, needle); p; p = strstr(p + strlen(needle), needle))
        n++;
    return n;
}

/* mm_error_has_step says which texts in errors.json carry a next step, so
 * a message adds its own only after the others: each text with a step is
 * "reason; step" / "reason。step" (one of each, the step last), and every
 * other text is a reason alone. The new file codes (ENAMETOOLONG, ELOOP,
 * EFBIG) have their own texts with a step. */
static void test_error_steps(void **state)
{
    (void)state;
    json_t *cat = NULL;
    assert_int_equal(mm_data_json("i18n/errors.json", &cat), 0);
    int failures = 0;
    for (int code = -1; strcmp(mm_errname(code), "EUNKNOWN") != 0 && code > -100; code--) {
        json_t *entry = json_object_get(cat, mm_errname(code));
        const char *en = json_string_value(json_object_get(entry, "en"));
        const char *ja = json_string_value(json_object_get(entry, "ja"));
        assert_non_null(en);
        assert_non_null(ja);
        size_t jn = strlen(ja), stop = strlen("。");
        bool ja_ends = jn >= stop && strcmp(ja + jn - stop, "。") == 0;
        bool ja_step = count_of(ja, "。") == 1 && !ja_ends;
        bool en_step = count_of(en, "; ") == 1;
        bool says = mm_error_has_step(code);
        if (says != en_step || says != ja_step || count_of(ja, "。") > 1 ||
            count_of(en, "; ") > 1) {
            print_error("%s: mm_error_has_step %d, but \"%s\" / \"%s\"\n", mm_errname(code), says,
                        en, ja);
            failures++;
        }
    }
    json_decref(cat);
    assert_int_equal(failures, 0);
    assert_true(mm_error_has_step(MM_ENOTDIR));
    assert_true(mm_error_has_step(MM_ENAMETOOLONG));
    assert_true(mm_error_has_step(MM_ELOOP));
    assert_true(mm_error_has_step(MM_EFBIG));
    assert_false(mm_error_has_step(MM_EPERM));
    assert_false(mm_error_has_step(MM_OK));
    /* a database locked by another program says so and what to do, not "database error" */
    assert_true(mm_error_has_step(MM_EDBBUSY));
    mm_msg_set_lang(MM_LANG_EN);
    assert_string_equal(mm_msg_strerror(MM_ENAMETOOLONG),
                        "the file name or the path is too long; give a shorter one");
    assert_non_null(strstr(mm_msg_strerror(MM_ELOOP), "symbolic links"));
    mm_msg_set_lang(MM_LANG_JA);
    assert_non_null(strstr(mm_msg_strerror(MM_ELOOP), "シンボリックリンク"));
    /* a file past its size limit (EFBIG) has its own text, not "input/output error" */
    assert_non_null(strstr(mm_msg_strerror(MM_EFBIG), "大きさの上限"));
}

static void test_lang_from_args(void **state)
{
    (void)state;
    char *ja[] = {"prog", "-r", "x", "--lang", "ja", NULL};
    char *eq[] = {"prog", "--lang=en", NULL};
    char *bad[] = {"prog", "--lang", "fr", NULL};
    char *after[] = {"prog", "--", "--lang", "ja", NULL};
    char *none[] = {"prog", NULL};
    setenv("LANG", "ja_JP.UTF-8", 1);
    assert_int_equal(mm_msg_lang_from_args(5, ja), 0);
    assert_int_equal(mm_msg_lang(), MM_LANG_JA);
    assert_int_equal(mm_msg_lang_from_args(2, eq), 0);
    assert_int_equal(mm_msg_lang(), MM_LANG_EN);
    assert_int_equal(mm_msg_lang_from_args(3, bad), MM_EINVAL);
    assert_int_equal(mm_msg_lang(), MM_LANG_JA); /* the environment's */
    setenv("LANG", "C.UTF-8", 1);
    assert_int_equal(mm_msg_lang_from_args(4, after), 0);
    assert_int_equal(mm_msg_lang(), MM_LANG_EN);
    assert_int_equal(mm_msg_lang_from_args(1, none), 0);
    assert_int_equal(mm_msg_lang(), MM_LANG_EN);
}

static void test_print_in_language(void **state)
{
    (void)state;
    char buf[512];
    mm_msg_set_lang(MM_LANG_EN);
    mm_msg_format(buf, sizeof buf, "sensor-log", "capture.cannot_read", "a.pcap", "gone");
    assert_string_equal(buf,
                        "cannot read capture a.pcap: gone; check the file name and that you may "
                        "read it");
    mm_msg_set_lang(MM_LANG_JA);
    mm_msg_format(buf, sizeof buf, "sensor-log", "capture.cannot_read", "a.pcap", "gone");
    assert_non_null(strstr(buf, "a.pcap を読めません: gone"));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    mm_msg_print(f, "prog", "sensor-log", "intel.reloaded", (size_t)42);
    fclose(f);
    assert_string_equal(text, "prog: 脅威情報を読み込み直しました: 42 件\n");
    free(text);
    /* a missing key shows the key, never crashes */
    mm_msg_format(buf, sizeof buf, "sensor-log", "no.such.key");
    assert_string_equal(buf, "no.such.key");
    mm_msg_set_lang(MM_LANG_EN);
}

/* mm_fill into a fresh buffer; the result, or the error's name. */
static char filled[512];
static const char *fill(const char *tmpl, const struct mm_fill_var *vars, size_t n, unsigned flags)
{
    struct mm_buf b = MM_BUF_INIT;
    int r = mm_fill(&b, MM_FILL_MAX, tmpl, vars, n, flags);
    snprintf(filled, sizeof filled, "%s", r == 0 ? mm_buf_str(&b) : mm_errname(r));
    mm_buf_free(&b);
    return filled;
}

static void test_fill(void **state)
{
    (void)state;
    const struct mm_fill_var v[] = {{"item", "3"},
                                    {"title", "パスワード"},
                                    {"item", "second"},
                                    {"none", NULL},
                                    {"self", "{item} {{item}}"}};
    assert_string_equal(fill("項目 {item}（{title}）の回答がありません", v, 5, 0),
                        "項目 3（パスワード）の回答がありません");
    /* unknown names, JSON examples and lone braces stay as written */
    assert_string_equal(fill("{x} {item} {", v, 5, 0), "{x} 3 {");
    assert_string_equal(fill("write {\"answers\": {\"1\": \"done\"}} for {item}", v, 5, 0),
                        "write {\"answers\": {\"1\": \"done\"}} for 3");
    assert_string_equal(fill("{a{item}}", v, 5, 0), "{a3}");
    assert_string_equal(fill("{ITEM}{item }{}", v, 5, 0), "{ITEM}{item }{}");
    assert_string_equal(fill("{x} {item}", v, 5, MM_FILL_DROP_UNKNOWN), " 3");
    /* a value is inserted as is, never filled again; NULL inserts nothing */
    assert_string_equal(fill("<{self}>", v, 5, 0), "<{item} {{item}}>");
    assert_string_equal(fill("<{none}>", v, 5, 0), "<>");
    assert_string_equal(fill("{item}", v, 0, 0), "{item}");
    assert_string_equal(fill("", v, 5, 0), "");
    /* {{name}} templates (mail, reports): single braces are plain text */
    assert_string_equal(fill("{{item}} {item} {{x}}.", v, 5, MM_FILL_DOUBLE), "3 {item} {{x}}.");
    assert_string_equal(
        fill("{{item}} {item} {{x}}. {{ {{title}}", v, 5, MM_FILL_DOUBLE | MM_FILL_DROP_UNKNOWN),
        "3 {item} . "); /* "{{ {{title}}" runs to the first "}}": one unknown name */
    assert_string_equal(fill("{{{item}}}", v, 5, MM_FILL_DOUBLE | MM_FILL_DROP_UNKNOWN), "}");
    assert_string_equal(fill("{{{item}}}", v, 5, MM_FILL_DOUBLE), "{3}");
}

/* A user-given name holding 「 or 」 inside the template's 「」 is quoted
 * 『』 instead (mm_ja_quote_double); the brackets of the template only. */
static void test_fill_ja_quotes(void **state)
{
    (void)state;
    assert_true(mm_ja_quote_double("「守り」商店"));
    assert_true(mm_ja_quote_double("守り」"));
    assert_false(mm_ja_quote_double("守り商店"));
    assert_false(mm_ja_quote_double("『守り』「商店」")); /* both: 「」 stays */
    assert_false(mm_ja_quote_double(NULL));
    const struct mm_fill_var v[] = {{"org", "「守り」商店"},
                                    {"plain", "守り商店"},
                                    {"white", "『守り』「商店」"},
                                    {"file", "/tmp/a」b.json"}};
    assert_string_equal(fill("組織名は「{org}」です。", v, 4, 0), "組織名は『「守り」商店』です。");
    assert_string_equal(fill("組織名は「{plain}」です。", v, 4, 0), "組織名は「守り商店」です。");
    assert_string_equal(fill("「{white}」", v, 4, 0), "「『守り』「商店」」");
    /* a command line in the quote, the value inside it; other quotes keep 「」 */
    assert_string_equal(fill("「a {file}」で「b」。「{plain}」", v, 4, 0),
                        "『a /tmp/a」b.json』で「b」。「守り商店」");
    /* the innermost quote of the template, and {{name}} templates alike */
    assert_string_equal(fill("「x「{org}」y」", v, 4, 0), "「x『「守り」商店』y」");
    assert_string_equal(fill("「{{org}}」", v, 4, MM_FILL_DOUBLE), "『「守り」商店』");
    /* no template quote: the value as it is; an unclosed one stays */
    assert_string_equal(fill("{org} と {plain}", v, 4, 0), "「守り」商店 と 守り商店");
    assert_string_equal(fill("「{org}", v, 4, 0), "「「守り」商店");
    assert_string_equal(fill("\"{org}\"", v, 4, 0), "\"「守り」商店\"");
}

static void test_fill_bound(void **state)
{
    (void)state;
    const struct mm_fill_var v[] = {{"n", "12345"}};
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_buf_puts(&b, "before|"), 0);
    /* "a 12345 b" is 9 bytes: exactly the bound is fine, and it appends */
    assert_int_equal(mm_fill(&b, 9, "a {n} b", v, 1, 0), 0);
    assert_string_equal(mm_buf_str(&b), "before|a 12345 b");
    /* one byte short: in the text after, in the value, or in the text before */
    assert_int_equal(mm_fill(&b, 8, "a {n} b", v, 1, 0), MM_ELIMIT);
    assert_int_equal(mm_fill(&b, 6, "a {n} b", v, 1, 0), MM_ELIMIT);
    assert_int_equal(mm_fill(&b, 1, "a {n} b", v, 1, 0), MM_ELIMIT);
    assert_int_equal(mm_fill(&b, 3, "{x}{n}", v, 1, 0), MM_ELIMIT); /* an unknown one counts */
    assert_string_equal(mm_buf_str(&b), "before|a 12345 b");        /* nothing half-written */
    assert_int_equal(b.len, strlen("before|a 12345 b"));
    assert_int_equal(mm_fill(&b, 0, "", v, 1, 0), 0);
    assert_int_equal(mm_fill(&b, 0, "{x}", v, 1, MM_FILL_DROP_UNKNOWN), 0);
    assert_string_equal(mm_buf_str(&b), "before|a 12345 b");
    mm_buf_free(&b);
    /* into an empty buffer, and a big text that fits MM_FILL_MAX only just */
    static char big[MM_FILL_MAX + 2];
    memset(big, 'x', sizeof big - 1);
    big[MM_FILL_MAX] = '\0';
    assert_int_equal(mm_fill(&b, 3, "{n}", v, 1, 0), MM_ELIMIT);
    assert_string_equal(mm_buf_str(&b), "");
    assert_int_equal(mm_fill(&b, MM_FILL_MAX, big, v, 1, 0), 0);
    assert_int_equal(b.len, MM_FILL_MAX);
    mm_buf_reset(&b);
    big[MM_FILL_MAX] = 'x';
    assert_int_equal(mm_fill(&b, MM_FILL_MAX, big, v, 1, 0), MM_ELIMIT);
    assert_int_equal(b.len, 0);
    mm_buf_free(&b);
}

/* True when p[0..n) is UTF-8 made of whole characters (lead bytes C2-F4
 * followed by their continuation bytes): written here rather than taken from
 * the core, so the check does not trust the code it checks. */
static bool whole_utf8(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t k = c < 0x80                 ? 1
                   : c >= 0xC2 && c <= 0xDF ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        if (k == 0 || i + k > n)
            return false;
        for (size_t j = 1; j < k; j++)
            if ((p[i + j] & 0xC0) != 0x80)
                return false;
        i += k;
    }
    return true;
}

/* The longest prefix of the valid UTF-8 text t that ends between characters
 * and is at most max bytes. */
static size_t whole_prefix(const char *t, size_t max)
{
    size_t len = strlen(t), m = max < len ? max : len;
    while (m > 0 && m < len && ((unsigned char)t[m] & 0xC0) == 0x80)
        m--;
    return m;
}

/* A Japanese message with multibyte arguments (2-, 3- and 4-byte characters
 * in the path), formatted into every buffer size from 1 to its length + 1
 * (each buffer exactly that size, so ASan sees an overrun): the text is
 * always terminated, valid UTF-8, the longest such prefix of the whole
 * message, and the return value is the whole length (how callers see a cut). */
static void test_format_cuts_between_characters(void **state)
{
    (void)state;
    const char *path = "/var/lib/mamori/監視ログ/caf\xc3\xa9/\xf0\x9f\x93\x81/eve.json";
    const char *why = "許可がありません";
    mm_msg_set_lang(MM_LANG_JA);
    char full[1024];
    int whole = mm_msg_format(full, sizeof full, "sensor-log", "sensor.eve_open", path, why);
    assert_true(whole > 0 && (size_t)whole < sizeof full);
    assert_true(whole_utf8(full, (size_t)whole));
    assert_non_null(strstr(full, path));
    for (size_t size = 1; size <= (size_t)whole + 1; size++) {
        char *buf = malloc(size);
        assert_non_null(buf);
        int n = mm_msg_format(buf, size, "sensor-log", "sensor.eve_open", path, why);
        assert_int_equal(n, whole);
        size_t got = strnlen(buf, size);
        assert_true(got < size);
        assert_int_equal(got, whole_prefix(full, size - 1));
        assert_memory_equal(buf, full, got);
        assert_true(whole_utf8(buf, got));
        free(buf);
    }
    mm_msg_set_lang(MM_LANG_EN);
}

/* A log line longer than the line writer's buffer (2048 bytes) is cut between
 * characters too: stderr is caught in a file for the check. */
static void test_log_line_cuts_between_characters(void **state)
{
    (void)state;
    char text[2 + 3 * 1000 + 1];
    memcpy(text, "xy", 2); /* 2047 bytes fit: the cut falls inside a character */
    for (int i = 0; i < 1000; i++)
        memcpy(text + 2 + 3 * i, "監", 3);
    text[sizeof text - 1] = '\0';
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    fflush(stderr);
    int saved = dup(fileno(stderr));
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), fileno(stderr)) >= 0);
    mm_log(MM_LOG_ERROR, "%s", text);
    fflush(stderr);
    assert_true(dup2(saved, fileno(stderr)) >= 0);
    close(saved);
    rewind(tmp);
    static char line[4096];
    size_t got = fread(line, 1, sizeof line - 1, tmp);
    fclose(tmp);
    line[got] = '\0';
    const char *body = strstr(line, ": error: ");
    assert_non_null(body);
    body += strlen(": error: ");
    size_t blen = strlen(body);
    assert_true(blen > 1 && body[blen - 1] == '\n');
    blen--;
    assert_true(blen < sizeof text - 1 && blen >= 2040);
    assert_memory_equal(body, text, blen);
    assert_true(whole_utf8(body, blen));
    assert_int_equal(blen, whole_prefix(text, 2047));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_match),
        cmocka_unit_test(test_steps_in_english),
        cmocka_unit_test(test_content_steps_in_english),
        cmocka_unit_test(test_every_error_translated),
        cmocka_unit_test(test_error_steps),
        cmocka_unit_test(test_lang_from_args),
        cmocka_unit_test(test_print_in_language),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_fill_ja_quotes),
        cmocka_unit_test(test_fill_bound),
        cmocka_unit_test(test_format_cuts_between_characters),
        cmocka_unit_test(test_log_line_cuts_between_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
