/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the declaration decision: each refusal reason, one star, two
 * stars, a requested level, the decision on a diagnosis as the commands give
 * it (computed from answers, mm_diag_result_json), and the shape check of
 * the policy manifest. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "assess/declare.h"
#include "assess/diagnose.h"
#include "core/error.h"

static const struct mm_rules_answers all_rules = {{true, true, true, true, true}};

/* A diagnosis with items 1..n answered "done" (and "complete" set when n is 25). */
static json_t *diagnosis(int answered)
{
    json_t *items = json_array();
    for (int id = 1; id <= answered; id++)
        json_array_append_new(items, json_pack("{s:i, s:i, s:s, s:i}", "id", id, "part",
                                               id <= 5    ? 1
                                               : id <= 18 ? 2
                                                          : 3,
                                               "answer", "done", "points", 4));
    return json_pack("{s:i, s:i, s:s, s:o, s:b, s:s, s:s}", "score", answered * 4, "max", 100,
                     "band", "ok", "items", items, "complete", answered == 25, "date", "2026-03-30",
                     "eligible_level", "two-star");
}

static json_t *policy(const char *org)
{
    return json_pack("{s:s, s:s, s:[s,s]}", "reference", "POL-20260401-0badc0de", "organisation",
                     org, "documents", "basic-policy.md", "rules.md");
}

static json_t *decide(const struct mm_declare_input *in)
{
    json_t *out = NULL;
    assert_int_equal(mm_declare_decide(in, &out), 0);
    assert_non_null(out);
    return out;
}

static const char *level_of(const json_t *d)
{
    return json_string_value(json_object_get(d, "level"));
}

/* The code of reason i of list (NULL when absent). */
static const char *code_at(const json_t *d, const char *list, size_t i)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(d, list), i), "code"));
}

static void test_no_rules_record(void **state)
{
    (void)state;
    struct mm_declare_input in = {"守り商店", "2026-04-01",    NULL, NULL,
                                  NULL,       MM_DECLARE_NONE, NULL};
    json_t *d = decide(&in);
    assert_string_equal(level_of(d), "none");
    assert_true(json_is_false(json_object_get(d, "declarable")));
    assert_string_equal(code_at(d, "refusals", 0), "rules-missing");
    json_decref(d);
}

static void test_rule_not_committed(void **state)
{
    (void)state;
    struct mm_rules_answers a = {{true, true, false, true, false}};
    struct mm_declare_input in = {"守り商店", "2026-04-01", &a, NULL, NULL, MM_DECLARE_NONE, NULL};
    json_t *d = decide(&in);
    assert_string_equal(level_of(d), "none");
    json_t *refusals = json_object_get(d, "refusals");
    assert_int_equal(json_array_size(refusals), 2);
    assert_string_equal(code_at(d, "refusals", 0), "rule-not-committed");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(refusals, 0), "rule")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(refusals, 1), "rule")), 5);
    json_decref(d);
}

static void test_one_star(void **state)
{
    (void)state;
    struct mm_declare_input in = {"守り商店", "2026-04-01",    &all_rules, NULL,
                                  NULL,       MM_DECLARE_NONE, NULL};
    json_t *d = decide(&in);
    assert_string_equal(level_of(d), "one-star");
    assert_true(json_is_true(json_object_get(d, "declarable")));
    assert_int_equal(json_array_size(json_object_get(d, "refusals")), 0);
    assert_string_equal(code_at(d, "missing_for_two_star", 0), "diagnosis-missing");
    assert_string_equal(code_at(d, "missing_for_two_star", 1), "policy-missing");
    assert_true(json_is_null(json_object_get(d, "diagnosis")));
    json_decref(d);
}

static void test_two_stars(void **state)
{
    (void)state;
    json_t *diag = diagnosis(25), *pol = policy("守り商店");
    struct mm_declare_input in = {"守り商店", "2026-04-01",    &all_rules, diag,
                                  pol,        MM_DECLARE_NONE, NULL};
    json_t *d = decide(&in);
    assert_string_equal(level_of(d), "two-star");
    assert_true(json_is_true(json_object_get(d, "declarable")));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "diagnosis"), "score")),
                     100);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(d, "policy"), "reference")),
        "POL-20260401-0badc0de");
    assert_int_equal(json_array_size(json_object_get(d, "missing_for_two_star")), 0);
    json_decref(d);
    json_decref(diag);
    json_decref(pol);
}

/* A manifest whose basic policy document is not there (deleted, or the
 * manifest copied alone) is no basic policy: two stars are out of reach
 * with a reason naming the file; one star is not affected. */
static void test_policy_document_missing(void **state)
{
    (void)state;
    json_t *diag = diagnosis(25), *pol = policy("守り商店");
    struct mm_declare_input in = {
        "守り商店", "2026-04-01", &all_rules, diag, pol, MM_DECLARE_NONE, "policy/basic-policy.md"};
    json_t *d = decide(&in);
    assert_string_equal(level_of(d), "one-star");
    json_t *two = json_object_get(d, "missing_for_two_star");
    assert_int_equal(json_array_size(two), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(two, 0), "code")),
                        "policy-document-missing");
    assert_string_equal(json_string_value(json_object_get(json_array_get(two, 0), "document")),
                        "policy/basic-policy.md");
    assert_string_equal(mm_declare_policy_document(pol), "basic-policy.md");
    json_decref(d);
    json_decref(diag);
    json_decref(pol);
}

/* Asking for one star when two are within reach declares one star: the
 * record shows what was asked for, "reachable" the higher level. */
static void test_requested_lower_level(void **state)
{
    (void)state;
    json_t *diag = diagnosis(25), *pol = policy("守り商店");
    struct mm_declare_input in = {"守り商店", "2026-04-01",        &all_rules, diag,
                                  pol,        MM_DECLARE_ONE_STAR, NULL};
    json_t *d = decide(&in);
    assert_string_equal(level_of(d), "one-star");
    assert_string_equal(json_string_value(json_object_get(d, "reachable")), "two-star");
    assert_true(json_is_true(json_object_get(d, "declarable")));
    json_decref(d);
    in.requested = MM_DECLARE_NONE;
    d = decide(&in);
    assert_string_equal(level_of(d), "two-star");
    assert_string_equal(json_string_value(json_object_get(d, "reachable")), "two-star");
    json_decref(d);
    json_decref(diag);
    json_decref(pol);
}

static void test_diagnosis_incomplete(void **state)
{
    (void)state;
    json_t *diag = diagnosis(22), *pol = policy("守り商店");
    /* Item 5's answer is missing too, and "unanswered" is not an answer. */
    json_object_del(json_array_get(json_object_get(diag, "items"), 4), "answer");
    json_object_set_new(json_array_get(json_object_get(diag, "items"), 6), "answer",
                        json_string("unanswered"));
    /* A "don't know" leaves the diagnosis incomplete too. */
    json_object_set_new(json_array_get(json_object_get(diag, "items"), 9), "answer",
                        json_string("unknown"));
    struct mm_declare_input in = {"守り商店", "2026-04-01",        &all_rules, diag,
                                  pol,        MM_DECLARE_TWO_STAR, NULL};
    json_t *d = decide(&in);
    assert_string_equal(level_of(d), "one-star");
    assert_true(json_is_false(json_object_get(d, "declarable")));
    assert_string_equal(code_at(d, "refusals", 0), "diagnosis-incomplete");
    json_t *items = json_object_get(json_array_get(json_object_get(d, "refusals"), 0), "items");
    assert_int_equal(json_array_size(items), 6);
    assert_int_equal(json_integer_value(json_array_get(items, 0)), 5);
    assert_int_equal(json_integer_value(json_array_get(items, 1)), 7);
    assert_int_equal(json_integer_value(json_array_get(items, 2)), 10);
    assert_int_equal(json_integer_value(json_array_get(items, 3)), 23);
    json_decref(d);
    json_decref(diag);
    /* All answered: a "complete": false in the diagnosis is not read (the
     * commands give a diagnosis computed from its answers, mm_diag_read). */
    diag = diagnosis(25);
    json_object_set_new(diag, "complete", json_false());
    in.diagnosis = diag;
    d = decide(&in);
    assert_string_equal(level_of(d), "two-star");
    assert_true(json_is_true(json_object_get(d, "declarable")));
    json_decref(d);
    json_decref(diag);
    json_decref(pol);
}

static void test_policy_missing_and_mismatch(void **state)
{
    (void)state;
    json_t *diag = diagnosis(25), *pol = policy("別の会社");
    struct mm_declare_input in = {"守り商店", "2026-04-01",        &all_rules, diag,
                                  NULL,       MM_DECLARE_TWO_STAR, NULL};
    json_t *d = decide(&in);
    assert_true(json_is_false(json_object_get(d, "declarable")));
    assert_string_equal(code_at(d, "refusals", 0), "policy-missing");
    json_decref(d);
    in.policy = pol;
    d = decide(&in);
    assert_string_equal(code_at(d, "refusals", 0), "policy-organisation-mismatch");
    json_decref(d);
    json_decref(diag);
    json_decref(pol);
}

static void test_requested_two_star_without_rules(void **state)
{
    (void)state;
    struct mm_rules_answers a = {{true, false, true, true, true}};
    struct mm_declare_input in = {"守り商店", "2026-04-01",        &a,  NULL,
                                  NULL,       MM_DECLARE_TWO_STAR, NULL};
    json_t *d = decide(&in);
    /* Both the missing rule and the two-star needs are reasons. */
    assert_int_equal(json_array_size(json_object_get(d, "refusals")), 3);
    assert_string_equal(code_at(d, "refusals", 0), "rule-not-committed");
    assert_string_equal(code_at(d, "refusals", 1), "diagnosis-missing");
    assert_string_equal(code_at(d, "refusals", 2), "policy-missing");
    assert_string_equal(json_string_value(json_object_get(d, "requested")), "two-star");
    json_decref(d);
}

/* The diagnosis as `mamori declare` gets it (mm_cmd_diagnosis_load): the
 * result mm_diag_result_json computes from the answers. All settled answers
 * ("not" and "na" too) make it complete; a "don't know" leaves that item
 * missing; the summary carries the computed score, band and date. */
static void test_computed_diagnosis(void **state)
{
    (void)state;
    struct mm_diag_catalogue *cat = NULL;
    struct mm_diag_result res;
    enum mm_answer answers[MM_DIAG_ITEMS];
    json_t *diag = NULL, *pol = policy("守り商店");
    assert_int_equal(mm_diag_catalogue_load(&cat), 0);
    for (int i = 0; i < MM_DIAG_ITEMS; i++)
        answers[i] = MM_ANSWER_DONE;
    answers[2] = MM_ANSWER_NOT;
    answers[3] = MM_ANSWER_PARTLY;
    for (int i = 0; i < MM_DIAG_ITEMS; i++)
        if (cat->items[i].na_allowed) {
            answers[i] = MM_ANSWER_NA;
            break;
        }
    assert_int_equal(mm_diag_evaluate(cat, answers, &res), 0);
    assert_int_equal(mm_diag_result_json(cat, &res, NULL, MM_LANG_EN, &diag), 0);
    struct mm_declare_input in = {"守り商店", "2026-04-01",        &all_rules, diag,
                                  pol,        MM_DECLARE_TWO_STAR, NULL};
    json_t *d = decide(&in);
    assert_string_equal(level_of(d), "two-star");
    assert_true(json_is_true(json_object_get(d, "declarable")));
    json_t *sum = json_object_get(d, "diagnosis");
    assert_int_equal(json_integer_value(json_object_get(sum, "score")), res.score);
    assert_int_equal(json_integer_value(json_object_get(sum, "max")), 100);
    assert_string_equal(json_string_value(json_object_get(sum, "band")),
                        mm_diag_band_id(cat, res.band));
    assert_string_equal(json_string_value(json_object_get(sum, "date")), res.date);
    json_decref(d);
    json_decref(diag);
    answers[6] = MM_ANSWER_UNKNOWN;
    answers[20] = MM_ANSWER_UNKNOWN;
    assert_int_equal(mm_diag_evaluate(cat, answers, &res), 0);
    assert_int_equal(mm_diag_result_json(cat, &res, NULL, MM_LANG_JA, &diag), 0);
    in.diagnosis = diag;
    d = decide(&in);
    assert_string_equal(level_of(d), "one-star");
    assert_true(json_is_false(json_object_get(d, "declarable")));
    assert_string_equal(code_at(d, "refusals", 0), "diagnosis-incomplete");
    json_t *items = json_object_get(json_array_get(json_object_get(d, "refusals"), 0), "items");
    assert_int_equal(json_array_size(items), 2);
    assert_int_equal(json_integer_value(json_array_get(items, 0)), 7);
    assert_int_equal(json_integer_value(json_array_get(items, 1)), 21);
    json_decref(d);
    json_decref(diag);
    json_decref(pol);
    mm_diag_catalogue_free(cat);
}

static void test_shape_checks(void **state)
{
    (void)state;
    const char *problem;
    json_t *pol = policy("A");
    assert_int_equal(mm_declare_check_policy(pol, &problem), 0);
    assert_null(problem);
    json_object_set_new(pol, "documents", json_pack("[s]", "handbook.md"));
    assert_int_equal(mm_declare_check_policy(pol, &problem), MM_EPARSE);
    assert_string_equal(problem, "documents");
    json_object_del(pol, "organisation");
    assert_int_equal(mm_declare_check_policy(pol, &problem), MM_EPARSE);
    assert_string_equal(problem, "organisation");
    json_object_set_new(pol, "reference", json_string("X-1"));
    assert_int_equal(mm_declare_check_policy(pol, &problem), MM_EPARSE);
    assert_string_equal(problem, "reference");
    json_decref(pol);
    enum mm_declare_level l;
    assert_int_equal(mm_declare_level_parse("two-star", &l), 0);
    assert_int_equal(l, MM_DECLARE_TWO_STAR);
    assert_int_equal(mm_declare_level_parse("three", &l), MM_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_rules_record),
        cmocka_unit_test(test_rule_not_committed),
        cmocka_unit_test(test_one_star),
        cmocka_unit_test(test_two_stars),
        cmocka_unit_test(test_diagnosis_incomplete),
        cmocka_unit_test(test_policy_missing_and_mismatch),
        cmocka_unit_test(test_requested_two_star_without_rules),
        cmocka_unit_test(test_requested_lower_level),
        cmocka_unit_test(test_policy_document_missing),
        cmocka_unit_test(test_computed_diagnosis),
        cmocka_unit_test(test_shape_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
