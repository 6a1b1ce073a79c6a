/* SPDX-License-Identifier: Apache-2.0
 * Owns language selection, the translated-text catalogues (data/i18n/) and
 * mm_fill, the one filler of {name} placeholders in translated texts and
 * templates, with the rule for Japanese quotation marks around what it fills
 * in (mm_ja_quote_double). */
#include "core/i18n.h"
#include "core/data.h"
#include "core/error.h"

#include <pthread.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int mm_lang_parse(const char *s, enum mm_lang *out)
{
    if (!s)
        return MM_EINVAL;
    size_t n = strcspn(s, "_.-@");
    if (n == 2 && strncasecmp(s, "ja", 2) == 0) {
        *out = MM_LANG_JA;
        return 0;
    }
    if (n == 2 && strncasecmp(s, "en", 2) == 0) {
        *out = MM_LANG_EN;
        return 0;
    }
    return MM_EINVAL;
}

int mm_lang_select(const char *option, enum mm_lang *out)
{
    if (option)
        return mm_lang_parse(option, out);
    const char *vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) {
            *out = strncasecmp(v, "ja", 2) == 0 ? MM_LANG_JA : MM_LANG_EN;
            return 0;
        }
    }
    *out = MM_LANG_EN;
    return 0;
}

const char *mm_lang_code(enum mm_lang lang)
{
    return lang == MM_LANG_JA ? "ja" : "en";
}

int mm_minutes_text(struct mm_buf *b, int64_t minutes, enum mm_lang lang)
{
    static const char *const ja[] = {"日", "時間", "分"};
    static const char *const en_one[] = {"day", "hour", "min"};
    static const char *const en_many[] = {"days", "hours", "min"};
    if (minutes <= 0)
        return mm_buf_puts(b, lang == MM_LANG_JA ? "1 分未満" : "under 1 min");
    int64_t part[3] = {minutes / 1440, minutes % 1440 / 60, minutes % 60};
    int r = 0;
    bool any = false;
    for (int i = 0; r == 0 && i < 3; i++) {
        if (part[i] == 0)
            continue;
        const char *unit = lang == MM_LANG_JA ? ja[i] : part[i] == 1 ? en_one[i] : en_many[i];
        r = mm_buf_printf(b, "%s%lld %s", any ? " " : "", (long long)part[i], unit);
        any = true;
    }
    return r;
}

const char *mm_text(const json_t *obj, enum mm_lang lang)
{
    if (json_is_string(obj))
        return json_string_value(obj);
    const char *s = json_string_value(json_object_get(obj, mm_lang_code(lang)));
    if (!s)
        s = json_string_value(json_object_get(obj, "en"));
    return s ? s : "";
}

/* Loaded catalogues, keyed by domain; kept for the life of the program. */
static json_t *catalogues;
static pthread_mutex_t catalogues_lock = PTHREAD_MUTEX_INITIALIZER;

static json_t *catalogue_get(const char *domain)
{
    pthread_mutex_lock(&catalogues_lock);
    if (!catalogues)
        catalogues = json_object();
    json_t *cat = json_object_get(catalogues, domain);
    if (!cat && catalogues) {
        char path[256];
        snprintf(path, sizeof path, "i18n/%s.json", domain);
        if (mm_data_json(path, &cat) != 0)
            cat = json_object();
        json_object_set_new(catalogues, domain, cat);
    }
    pthread_mutex_unlock(&catalogues_lock);
    return cat;
}

const char *mm_tr(const char *domain, const char *key, enum mm_lang lang)
{
    json_t *cat = catalogue_get(domain);
    json_t *entry = cat ? json_object_get(cat, key) : NULL;
    if (!entry)
        return key;
    const char *s = mm_text(entry, lang);
    return *s ? s : key;
}

/* Whether text holds 「 or 」 (corner), or 『 or 』 (white corner). */
static bool holds_corner(const char *text)
{
    return strstr(text, "「") || strstr(text, "」");
}

static bool holds_white_corner(const char *text)
{
    return strstr(text, "『") || strstr(text, "』");
}

bool mm_ja_quote_double(const char *text)
{
    return text && holds_corner(text) && !holds_white_corner(text);
}

/* The template's open 「 in out (at; SIZE_MAX: none) and what the values
 * filled in since say about its marks (mm_ja_quote_double). */
struct ja_quote {
    size_t at;
    bool nested, blocked;
};

/* The third bytes of 「 」 『 』 (E3 80 xx). */
#define JA_Q_OPEN    0x8c
#define JA_Q_CLOSE   0x8d
#define JA_Q_OPEN_2  0x8e
#define JA_Q_CLOSE_2 0x8f

/* Looks at the template text just put in out from offset from: a 「 opens
 * a quote (the innermost counts), its 」 closes it, and both become 『』
 * when a value filled in between holds 「 or 」 (mm_ja_quote_double). */
static void ja_quote_scan(struct ja_quote *q, struct mm_buf *out, size_t from)
{
    unsigned char *d = (unsigned char *)out->data;
    for (size_t i = from; i + 2 < out->len; i++) {
        if (d[i] != 0xe3 || d[i + 1] != 0x80 || (d[i + 2] != JA_Q_OPEN && d[i + 2] != JA_Q_CLOSE))
            continue;
        if (d[i + 2] == JA_Q_OPEN) {
            *q = (struct ja_quote){i, false, false};
        } else if (q->at != SIZE_MAX) {
            if (q->nested && !q->blocked) {
                d[q->at + 2] = JA_Q_OPEN_2;
                d[i + 2] = JA_Q_CLOSE_2;
            }
            q->at = SIZE_MAX;
        }
        i += 2;
    }
}

/* A value filled in while a template quote is open: the quote's values,
 * taken together, decide as mm_ja_quote_double does. */
static void ja_quote_value(struct ja_quote *q, const char *value)
{
    if (q->at == SIZE_MAX)
        return;
    q->nested |= holds_corner(value);
    q->blocked |= holds_white_corner(value);
}

/* Appends n bytes of s unless that takes the fill past max bytes. */
static int fill_put(struct mm_buf *out, size_t start, size_t max, const char *s, size_t n)
{
    if (n > max || out->len - start > max - n)
        return MM_ELIMIT;
    return mm_buf_append(out, s, n);
}

int mm_fill(struct mm_buf *out, size_t max, const char *tmpl, const struct mm_fill_var *vars,
            size_t n, unsigned flags)
{
    const bool dbl = flags & MM_FILL_DOUBLE;
    const char *open_mark = dbl ? "{{" : "{", *close_mark = dbl ? "}}" : "}";
    const size_t mark = dbl ? 2 : 1;
    const size_t start = out->len;
    const char *p = tmpl;
    struct ja_quote q = {SIZE_MAX, false, false};
    size_t from;
    int r = 0;
    while (r == 0 && *p) {
        const char *open = strstr(p, open_mark);
        const char *close = open ? strstr(open + mark, close_mark) : NULL;
        from = out->len;
        if (!close) { /* no placeholder left: the rest as it is */
            if ((r = fill_put(out, start, max, p, strlen(p))) == 0)
                ja_quote_scan(&q, out, from);
            break;
        }
        if ((r = fill_put(out, start, max, p, (size_t)(open - p))) == 0)
            ja_quote_scan(&q, out, from);
        const char *name = open + mark;
        size_t len = (size_t)(close - name);
        size_t i = 0;
        while (i < n && (strncmp(vars[i].name, name, len) != 0 || vars[i].name[len] != '\0'))
            i++;
        if (r == 0 && i < n && vars[i].value) {
            r = fill_put(out, start, max, vars[i].value, strlen(vars[i].value));
            ja_quote_value(&q, vars[i].value);
        }
        if (i < n || (flags & MM_FILL_DROP_UNKNOWN)) {
            p = close + mark;
        } else { /* not a placeholder of ours: its first brace stays, the rest is looked at again */
            if (r == 0)
                r = fill_put(out, start, max, open, 1);
            p = open + 1;
        }
    }
    if (r != 0 && out->data) { /* nothing half-written */
        out->len = start;
        out->data[start] = '\0';
    }
    return r;
}
