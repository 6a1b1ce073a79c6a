/* SPDX-License-Identifier: Apache-2.0
 * The five rules of information security (content in data/rules/rules.json)
 * and the organisation's commitment to them: parsing an answers file
 *   {"rules": {"1": true, "2": true, "3": false, "4": true, "5": true}}
 * and writing the commitment record that `mamori declare --rules` reads
 * (the record has the same "rules" object, so either file works there). */
#ifndef MM_ASSESS_RULES_H
#define MM_ASSESS_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "assess/json-why.h"
#include "core/i18n.h"

#define MM_RULES_COUNT 5
/* Largest answers/record file read. */
#define MM_RULES_FILE_MAX (64 * 1024)

struct mm_rules_answers {
    bool committed[MM_RULES_COUNT]; /* index 0 is rule 1 */
};

/* What is wrong with an answers file. Bit i of a mask is rule i+1. */
struct mm_rules_error {
    bool empty;     /* nothing but spaces (or a byte-order mark) in the file */
    bool not_json;  /* not JSON at all (why: where and why) */
    bool duplicate; /* a key written twice in one object (line: where) */
    int line;
    struct mm_json_why why; /* not_json, duplicate: where and why */
    bool no_rules_object;   /* no "rules" object */
    unsigned missing_mask;  /* rules without an entry */
    unsigned invalid_mask;  /* rules whose value is not true/false */
    unsigned twice_mask;    /* rules given as "3" and as full-width "３" */
    char unknown[128];      /* keys that name no rule, comma-separated */
};

/* The rules content: a new reference to the array of five rule objects
 * {id, title, explanation, howto: [...]} (all texts {ja,en}). MM_ENOENT when
 * the content is missing, MM_EPARSE when it is not five rules. */
int mm_rules_load(json_t **out);

/* Reads the "rules" object of root into out. Returns 0, or MM_EPARSE with e
 * describing every missing, invalid and unknown entry. */
int mm_rules_parse_answers(const json_t *root, struct mm_rules_answers *out,
                           struct mm_rules_error *e);

/* Reads path (at most MM_RULES_FILE_MAX bytes, "-" for stdin) and parses it.
 * Returns MM_ENOENT/MM_EIO/MM_ETOOBIG for read errors, MM_EPARSE as above. */
int mm_rules_read_file(const char *path, struct mm_rules_answers *out, struct mm_rules_error *e);

/* Appends one line per problem in e (each ending in '\n'), in lang, naming
 * the rules: not JSON, no "rules" object, missing, invalid, unknown keys. */
int mm_rules_error_describe(const struct mm_rules_error *e, enum mm_lang lang, struct mm_buf *out);

/* True when all five rules are committed. missing_mask (may be NULL) gets
 * the rules that are not. */
bool mm_rules_all_committed(const struct mm_rules_answers *a, unsigned *missing_mask);

/* The commitment record: {"format": "mamori-rules/1", "date", "rules": {...},
 * "one_star_possible", "missing": [ids]}. NULL on ENOMEM. */
json_t *mm_rules_record(const struct mm_rules_answers *a, const char *date);

#endif
