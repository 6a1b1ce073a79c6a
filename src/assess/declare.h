/* SPDX-License-Identifier: Apache-2.0
 * The self-declaration decision. One star: all five rules committed. Two
 * stars: additionally a complete 25-item self-diagnosis (the JSON of
 * `mamori diagnose --format json`) and a generated basic policy (the
 * policy.json manifest `mamori policy` writes). The decision is a JSON
 * object so the command can print it as text or JSON:
 *
 *   {"organisation", "date", "level": "none"|"one-star"|"two-star",
 *    "requested": "best"|"one-star"|"two-star", "declarable": bool,
 *    "diagnosis": {score, max, band, date} | null, "policy": {reference} | null,
 *    "refusals": [reason...],            why the requested level is refused
 *    "missing_for_two_star": [reason...]} what two stars still need
 *
 * A reason is {"code": ...} plus details: rules-missing; rule-not-committed
 * {"rule": n}; diagnosis-missing; diagnosis-incomplete {"items": [ids]};
 * policy-missing; policy-organisation-mismatch {"policy_organisation"}.
 * diagnosis-incomplete lists the items unanswered or answered "unknown"
 * (never empty): completeness is decided from the items alone, a
 * "complete" field of the diagnosis is not read. */
#ifndef MM_ASSESS_DECLARE_H
#define MM_ASSESS_DECLARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "assess/rules.h"

/* Items of the self-diagnosis a complete diagnosis answers. */
#define MM_DECLARE_DIAGNOSIS_ITEMS 25
/* Largest diagnosis / manifest file read. */
#define MM_DECLARE_FILE_MAX (1024 * 1024)

enum mm_declare_level { MM_DECLARE_NONE = 0, MM_DECLARE_ONE_STAR = 1, MM_DECLARE_TWO_STAR = 2 };

struct mm_declare_input {
    const char *organisation;             /* required */
    const char *date;                     /* YYYY-MM-DD */
    const struct mm_rules_answers *rules; /* NULL: no rules record given */
    const json_t *diagnosis;              /* NULL: none given; else mm_diag_result_json's result */
    const json_t *policy;                 /* NULL: none given; checked by mm_declare_check_policy */
    enum mm_declare_level requested;      /* NONE: the best level reachable */
    /* The basic policy document the manifest lists, as looked for, when it
     * is not there (a reason for two stars); NULL when found or no policy. */
    const char *policy_document_missing;
};

/* The documents entry of a policy manifest naming the basic policy
 * (ends in basic-policy.md), or NULL. */
const char *mm_declare_policy_document(const json_t *p);

/* Checks the shape of a policy manifest (reference "POL-...", organisation,
 * documents naming basic-policy.md). Returns 0, or MM_EPARSE with *problem
 * naming what is wrong: "reference", "organisation" or "documents" (the
 * caller words it in the reader's language). */
int mm_declare_check_policy(const json_t *p, const char **problem);

/* Decides. On success *out is a new decision object (see above). The
 * policy must have passed mm_declare_check_policy; the diagnosis is the
 * result computed from its answers (mm_cmd_diagnosis_load, mm_diag_read and
 * mm_diag_result_json), never a file's JSON as written. MM_ENOMEM only. */
int mm_declare_decide(const struct mm_declare_input *in, json_t **out);

const char *mm_declare_level_name(enum mm_declare_level level);
/* Parses "one-star"/"two-star" (also "1"/"2"). */
int mm_declare_level_parse(const char *s, enum mm_declare_level *out);

#endif
