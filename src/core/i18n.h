/* SPDX-License-Identifier: Apache-2.0
 * Languages and translated texts. Every text a person sees exists in ja and
 * en: catalogues live in data/i18n/<domain>.json as {"key": {"ja": "...",
 * "en": "..."}}, and content files hold the same {"ja","en"} objects inline. */
#ifndef MM_CORE_I18N_H
#define MM_CORE_I18N_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

enum mm_lang { MM_LANG_EN = 0, MM_LANG_JA = 1 };

/* Parses "ja" or "en" (case-insensitive; "ja_JP.UTF-8" style accepted).
 * Returns 0, or MM_EINVAL for anything else. */
int mm_lang_parse(const char *s, enum mm_lang *out);

/* The language to use: `option` when given (must be ja|en, else MM_EINVAL),
 * else LC_ALL, then LC_MESSAGES, then LANG (ja when it starts with "ja"),
 * else en. */
int mm_lang_select(const char *option, enum mm_lang *out);

/* "ja" or "en". */
const char *mm_lang_code(enum mm_lang lang);

/* Appends a span of minutes as a person says it, in days, hours and
 * minutes (the parts that are not 0): 60 "1 時間" / "1 hour", 1440 "1 日" /
 * "1 day", 90 "1 時間 30 分" / "1 hour 30 min". 0 (a time taken of 0-59
 * seconds, rounded down) and a negative span are "1 分未満" / "under 1 min",
 * never "0 分". The web UI's fmtMinutes (data/web/js/duration.js) says them
 * alike: both are tested with tests/data/minutes.json. */
int mm_minutes_text(struct mm_buf *b, int64_t minutes, enum mm_lang lang);

/* Picks the text for lang from a {"ja": "...", "en": "..."} object; falls back
 * to en, then to "" (never NULL). A plain JSON string is returned as is. */
const char *mm_text(const json_t *obj, enum mm_lang lang);

/* Looks up key in data/i18n/<domain>.json. Returns the key itself when the
 * catalogue or key is missing, so a gap shows up in output instead of crashing.
 * The returned string lives as long as the program. Thread-safe. */
const char *mm_tr(const char *domain, const char *key, enum mm_lang lang);

/* Filling the facts into a translated text. Translated texts are never used
 * as printf formats (a translation could then crash the program); they name
 * their facts instead: "項目 {item} の回答がありません". */
struct mm_fill_var {
    const char *name;  /* without the braces: "item" for {item} */
    const char *value; /* inserted as is, never searched again; NULL: nothing */
};

#define MM_FILL_DOUBLE       (1u << 0) /* placeholders are {{name}} (mail, reports), not {name} */
#define MM_FILL_DROP_UNKNOWN (1u << 1) /* an unknown placeholder becomes nothing */

/* The bound for a message or a line (a whole document passes its own). */
#define MM_FILL_MAX ((size_t)64 * 1024)

/* Whether a Japanese quote of text takes 『』 rather than 「」: when text
 * itself holds 「 or 」 (「「守り」商店」 reads as two quotes; 『「守り」商店』
 * does not), unless it holds 『 or 』 too (then no choice reads better, and
 * 「」 stays). For user-given names and values put in quotes; mm_fill applies
 * it to every 「{placeholder}」 of a template. */
bool mm_ja_quote_double(const char *text);

/* Appends tmpl to out with each placeholder whose name is one of vars[0..n)
 * replaced by that var's value (the first var of the name wins). A placeholder
 * runs from "{" (or "{{") to the first "}" (or "}}") after it. An unknown one
 * stays as written, or with MM_FILL_DROP_UNKNOWN becomes nothing; a brace that
 * is not part of a known placeholder stays too. A quote 「…」 of the
 * template in which a value filled in holds 「 or 」 (a name such as
 * 「守り」商店) is written 『…』 (mm_ja_quote_double). Appends at most max bytes.
 * Returns 0, MM_ELIMIT (the result would be longer than max) or MM_ENOMEM;
 * on an error out is as it was. */
int mm_fill(struct mm_buf *out, size_t max, const char *tmpl, const struct mm_fill_var *vars,
            size_t n, unsigned flags);

#endif
