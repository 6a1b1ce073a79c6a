/* SPDX-License-Identifier: Apache-2.0
 * Answer files of the self-diagnosis (`mamori diagnose --answers`, its saved
 * progress and history, `mamori audit --diagnosis`): the answer values,
 * reading {"answers": {"1": "done", ...}} or the report of `mamori diagnose
 * --format json` ({"items": [{"id": 1, "answer": "done", ...}, ...]}) with
 * every bad, missing or refused item collected (not just the first), and
 * writing them back. Messages naming the items come from data/i18n/answers.json. */
#ifndef MM_ASSESS_ANSWERS_H
#define MM_ASSESS_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/i18n.h"
#include "assess/json-why.h"

enum mm_answer {
    MM_ANSWER_NONE = 0, /* not answered yet */
    MM_ANSWER_DONE,
    MM_ANSWER_PARTLY,
    MM_ANSWER_NOT,
    MM_ANSWER_UNKNOWN,
    MM_ANSWER_NA,
};

#define MM_ANSWERS_MAX_ITEMS  64           /* items are numbered 1..n, n <= 64 */
#define MM_ANSWERS_FILE_MAX   (256 * 1024) /* bytes accepted in an answers file */
#define MM_ANSWERS_KEYS_MAX   256          /* keys accepted in the answers object */
#define MM_ANSWERS_SHOWN_KEYS 8            /* unknown keys quoted in messages */

/* "done", "partly", "not", "unknown", "na"; NULL for MM_ANSWER_NONE. */
const char *mm_answer_name(enum mm_answer a);

/* Parses one of the names above, or the Japanese word the questionnaire
 * shows for it (できている, 一部できている, できていない, わからない,
 * 該当しない, and their polite forms such as できています); full-width
 * letters and spaces around the word are fine, other case is not ("Done").
 * Returns 0 or MM_EINVAL. */
int mm_answer_parse(const char *s, enum mm_answer *out);

/* What a questionnaire accepts. */
struct mm_answers_spec {
    size_t n_items;      /* items 1..n_items */
    uint64_t na_allowed; /* bit (id - 1): "na" accepted for item id */
    unsigned values;     /* bit (1u << value): value accepted at all */
};

/* Everything wrong with an answers file; bit (id - 1) marks item id. */
struct mm_answers_issues {
    bool bad_json;           /* not JSON, or no "answers" object */
    int json_line;           /* line of the JSON error, 0 if none */
    struct mm_json_why json; /* where and why it is not JSON (json_line > 0) */
    bool duplicate_key;      /* the JSON error is a key written twice (bad_json too) */
    bool empty;              /* nothing but white space (bad_json too) */
    uint64_t missing;        /* no answer (only when the file must be complete) */
    uint64_t invalid;        /* not a string, or not an accepted value */
    uint64_t na_refused;     /* "na" where the item always applies */
    uint64_t repeated;       /* an id given twice in "items" (report shape only) */
    size_t n_items;          /* items 1..n_items, for the message on unknown keys */
    size_t n_unknown_keys;
    char unknown_keys[MM_ANSWERS_SHOWN_KEYS][24]; /* printable, truncated */
    unsigned unknown_strings; /* bit i: unknown_keys[i] is an "items" id written as a string */
    bool too_many_keys;
};

/* mm_answers_parse and mm_answers_load flags (2u is answers.c's own, for a
 * report's "items") */
#define MM_ANSWERS_PARTIAL 1u /* missing items are fine (saved progress) */
/* mm_answers_load: a file the program found in a folder, read only when it
 * is a regular file (MM_ENOTREG for a FIFO, never waited on) */
#define MM_ANSWERS_REGULAR 4u

/* Parses a whole answers document: {"answers": {...}}, else a report of
 * `mamori diagnose --format json` (its "items"). Returns 0, MM_EPARSE (bad
 * JSON, or neither shape), MM_ENOMEM or MM_EINVAL, with *issues filled. */
int mm_answers_parse(const struct mm_answers_spec *spec, const char *text, size_t len,
                     unsigned flags, enum mm_answer *answers, struct mm_answers_issues *issues);
/* mm_answers_parse that, when it returns 0, also gives the parsed document
 * (*doc_out, json_decref() it) for the caller to read other fields from;
 * *doc_out is NULL on any error. */
int mm_answers_parse_doc(const struct mm_answers_spec *spec, const char *text, size_t len,
                         unsigned flags, enum mm_answer *answers, struct mm_answers_issues *issues,
                         json_t **doc_out);

/* Reads and parses a file ("-" is stdin) of at most MM_ANSWERS_FILE_MAX bytes.
 * Returns as mm_answers_parse, or a file error (MM_ENOENT, MM_ETOOBIG, MM_EIO). */
int mm_answers_load(const struct mm_answers_spec *spec, const char *path, unsigned flags,
                    enum mm_answer *answers, struct mm_answers_issues *issues);

/* Appends one line per kind of problem, naming the items ("missing answers
 * for items 3, 7"), each prefixed with prefix (e.g. the file name and ": "). */
int mm_answers_issues_format(const struct mm_answers_issues *issues, const char *prefix,
                             enum mm_lang lang, struct mm_buf *out);
/* The same, with step (NULL: write it as {"answers": ...}) as the step of a
 * file that is not JSON or has no answers (a file that is not UTF-8 always
 * takes "save it as UTF-8"). */
int mm_answers_issues_format_step(const struct mm_answers_issues *issues, const char *prefix,
                                  const char *step, enum mm_lang lang, struct mm_buf *out);

/* Returns a new object {"1": "done", ...} holding the answered items. */
json_t *mm_answers_to_json(const enum mm_answer *answers, size_t n_items);

/* Appends "3, 7, 25" for the bits of mask (items 1..64). */
int mm_answers_format_ids(uint64_t mask, struct mm_buf *out);

#endif
