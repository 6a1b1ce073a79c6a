/* SPDX-License-Identifier: Apache-2.0
 * Owns the declaration decision: which level the inputs support, and every
 * concrete reason a level is out of reach (see declare.h). */
#include "assess/declare.h"
#include "core/error.h"
#include "core/str.h"

#include <stdio.h>
#include <string.h>

const char *mm_declare_level_name(enum mm_declare_level level)
{
    switch (level) {
    case MM_DECLARE_ONE_STAR:
        return "one-star";
    case MM_DECLARE_TWO_STAR:
        return "two-star";
    default:
        return "none";
    }
}

int mm_declare_level_parse(const char *s, enum mm_declare_level *out)
{
    if (strcmp(s, "one-star") == 0 || strcmp(s, "1") == 0)
        *out = MM_DECLARE_ONE_STAR;
    else if (strcmp(s, "two-star") == 0 || strcmp(s, "2") == 0)
        *out = MM_DECLARE_TWO_STAR;
    else
        return MM_EINVAL;
    return 0;
}

const char *mm_declare_policy_document(const json_t *p)
{
    size_t i;
    json_t *doc;
    json_array_foreach(json_object_get(p, "documents"), i, doc)
    {
        const char *s = json_string_value(doc);
        if (s && mm_str_suffix(s, "basic-policy.md"))
            return s;
    }
    return NULL;
}

int mm_declare_check_policy(const json_t *p, const char **problem)
{
    const char *ref = json_string_value(json_object_get(p, "reference"));
    *problem = NULL;
    if (!json_is_object(p) || !ref || !mm_str_prefix(ref, "POL-"))
        *problem = "reference";
    else if (!json_is_string(json_object_get(p, "organisation")))
        *problem = "organisation";
    else if (!mm_declare_policy_document(p))
        *problem = "documents";
    return *problem ? MM_EPARSE : 0;
}

static int add_reason(json_t *list, const char *code, json_t *details)
{
    json_t *r = details ? details : json_object();
    if (!r || json_object_set_new(r, "code", json_string(code)) != 0 ||
        json_array_append_new(list, r) != 0)
        return MM_ENOMEM;
    return 0;
}

static int rule_reasons(const struct mm_rules_answers *rules, json_t *list)
{
    if (!rules)
        return add_reason(list, "rules-missing", NULL);
    int r = 0;
    for (int i = 0; i < MM_RULES_COUNT && r == 0; i++)
        if (!rules->committed[i])
            r = add_reason(list, "rule-not-committed", json_pack("{s:i}", "rule", i + 1));
    return r;
}

/* Settled answers of a diagnosis item. "unknown" is not one: like
 * `mamori diagnose`, a diagnosis with a "don't know" is not complete. */
static bool answered(const json_t *item)
{
    static const char *values[] = {"done", "partly", "not", "na"};
    const char *a = json_string_value(json_object_get(item, "answer"));
    for (size_t i = 0; a && i < sizeof values / sizeof values[0]; i++)
        if (strcmp(a, values[i]) == 0)
            return true;
    return false;
}

static int diagnosis_reasons(const json_t *d, json_t *list)
{
    if (!d)
        return add_reason(list, "diagnosis-missing", NULL);
    bool have[MM_DECLARE_DIAGNOSIS_ITEMS + 1] = {false};
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(d, "items"), i, it)
    {
        json_int_t id = json_integer_value(json_object_get(it, "id"));
        if (id >= 1 && id <= MM_DECLARE_DIAGNOSIS_ITEMS && answered(it))
            have[id] = true;
    }
    json_t *missing = json_array();
    if (!missing)
        return MM_ENOMEM;
    for (int id = 1; id <= MM_DECLARE_DIAGNOSIS_ITEMS; id++)
        if (!have[id])
            json_array_append_new(missing, json_integer(id));
    if (json_array_size(missing) == 0) {
        json_decref(missing);
        return 0;
    }
    return add_reason(list, "diagnosis-incomplete", json_pack("{s:o}", "items", missing));
}

static int policy_reasons(const json_t *p, const char *org, const char *doc_missing, json_t *list)
{
    if (!p)
        return add_reason(list, "policy-missing", NULL);
    if (doc_missing)
        return add_reason(list, "policy-document-missing",
                          json_pack("{s:s}", "document", doc_missing));
    const char *porg = json_string_value(json_object_get(p, "organisation"));
    if (porg && strcmp(porg, org) != 0)
        return add_reason(list, "policy-organisation-mismatch",
                          json_pack("{s:s}", "policy_organisation", porg));
    return 0;
}

static json_t *diagnosis_summary(const json_t *d)
{
    if (!d)
        return json_null();
    json_t *s = json_pack("{s:O, s:O}", "score", json_object_get(d, "score"), "max",
                          json_object_get(d, "max"));
    static const char *copy[] = {"band", "date"};
    for (size_t i = 0; s && i < 2; i++) {
        json_t *v = json_object_get(d, copy[i]);
        if (json_is_string(v))
            json_object_set(s, copy[i], v);
    }
    return s;
}

int mm_declare_decide(const struct mm_declare_input *in, json_t **out)
{
    *out = NULL;
    json_t *one = json_array(), *two = json_array();
    json_t *dec = NULL;
    int r = MM_ENOMEM;
    if (!one || !two)
        goto out;
    if ((r = rule_reasons(in->rules, one)) != 0 ||
        (r = diagnosis_reasons(in->diagnosis, two)) != 0 ||
        (r = policy_reasons(in->policy, in->organisation, in->policy_document_missing, two)) != 0)
        goto out;
    enum mm_declare_level level = json_array_size(one)   ? MM_DECLARE_NONE
                                  : json_array_size(two) ? MM_DECLARE_ONE_STAR
                                                         : MM_DECLARE_TWO_STAR;
    enum mm_declare_level wanted = in->requested ? in->requested : MM_DECLARE_ONE_STAR;
    bool declarable = level >= wanted;
    /* A level asked for is the one declared, even when a higher one is
     * within reach ("reachable" says so). */
    enum mm_declare_level declared = in->requested && declarable ? in->requested : level;
    /* Refusals: what stops the requested level (two stars also needs one star). */
    json_t *refusals = json_deep_copy(one);
    if (refusals && wanted == MM_DECLARE_TWO_STAR)
        json_array_extend(refusals, two);
    json_t *ref = json_object_get(in->policy, "reference");
    dec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o}", "organisation",
                    in->organisation, "date", in->date, "level", mm_declare_level_name(declared),
                    "reachable", mm_declare_level_name(level), "requested",
                    in->requested ? mm_declare_level_name(in->requested) : "best", "declarable",
                    declarable, "diagnosis", diagnosis_summary(in->diagnosis), "policy",
                    ref ? json_pack("{s:O}", "reference", ref) : json_null(), "refusals", refusals,
                    "missing_for_two_star", two);
    two = NULL;
    r = dec ? 0 : MM_ENOMEM;
out:
    json_decref(one);
    json_decref(two);
    if (r == 0)
        *out = dec;
    return r;
}
