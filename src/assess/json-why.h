/* SPDX-License-Identifier: Apache-2.0
 * Why a JSON input file (answers, rules answers, a declaration's inputs)
 * could not be read, said in the message language: where (line and column)
 * and a short reason for each kind of jansson error, never jansson's English
 * text; a file that is not UTF-8 is found before jansson is asked. Texts:
 * data/i18n/answers.json, "json.*". */
#ifndef MM_ASSESS_JSON_WHY_H
#define MM_ASSESS_JSON_WHY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/i18n.h"

struct mm_json_why {
    int line, column; /* where, 1-based; 0 when unknown */
    int code;         /* enum json_error_code */
    bool not_utf8;    /* the file holds bytes that are not UTF-8 */
};

/* Fills w from jansson's error e for text[0..len) (what json_loadb read). */
void mm_json_why_set(struct mm_json_why *w, const json_error_t *e, const char *text, size_t len);

/* Appends "line L, column C" (「L 行目 C 列目」), or "line L" without a column. */
int mm_json_why_at(const struct mm_json_why *w, enum mm_lang lang, struct mm_buf *out);

/* Appends the short reason ("the file ends too early ..."). */
int mm_json_why_reason(const struct mm_json_why *w, enum mm_lang lang, struct mm_buf *out);

/* The step for a file that is not UTF-8 (save it again as UTF-8). */
const char *mm_json_why_utf8_step(enum mm_lang lang);

#endif
