/* SPDX-License-Identifier: Apache-2.0
 * Owns language selection, the translated-text catalogues (data/i18n/) and
 * mm_fill, the one filler of {name} placeholders in translated texts and
 * templates. */
#include "core/i18n.h"
#include "core/data.h"
#include "core/error.h"

#include <pthread.h>
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
    int r = 0;
    while (r == 0 && *p) {
        const char *open = strstr(p, open_mark);
        const char *close = open ? strstr(open + mark, close_mark) : NULL;
        if (!close) { /* no placeholder left: the rest as it is */
            r = fill_put(out, start, max, p, strlen(p));
            break;
        }
        r = fill_put(out, start, max, p, (size_t)(open - p));
        const char *name = open + mark;
        size_t len = (size_t)(close - name);
        size_t i = 0;
        while (i < n && (strncmp(vars[i].name, name, len) != 0 || vars[i].name[len] != '\0'))
            i++;
        if (r == 0 && i < n && vars[i].value)
            r = fill_put(out, start, max, vars[i].value, strlen(vars[i].value));
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
