/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the self-diagnosis: scoring edges (all done, all unknown,
 * N/A), part maxima, band edges, answers-file errors naming the items,
 * advice order, declaration levels, JSON fields and the dated history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "assess/answers.h"
#include "assess/diagnose.h"
#include "core/error.h"
#include "core/fs.h"
#include "../test-tmpdir.h"

static struct mm_diag_catalogue *cat;

static int setup(void **state)
{
    (void)state;
    return mm_diag_catalogue_load(&cat);
}

static int teardown(void **state)
{
    (void)state;
    mm_diag_catalogue_free(cat);
    return 0;
}

static void fill(enum mm_answer *answers, enum mm_answer a)
{
    for (int i = 0; i < MM_DIAG_ITEMS; i++)
        answers[i] = a;
}

static void evaluate(const enum mm_answer *answers, struct mm_diag_result *res)
{
    assert_int_equal(mm_diag_evaluate(cat, answers, res), 0);
}

static void test_catalogue(void **state)
{
    (void)state;
    assert_int_equal(cat->part_max[0], 20);
    assert_int_equal(cat->part_max[1], 52);
    assert_int_equal(cat->part_max[2], 28);
    for (int i = 0; i < MM_DIAG_ITEMS; i++) {
        assert_int_equal(cat->items[i].id, i + 1);
        assert_int_equal(cat->items[i].part, i < 5 ? 1 : i < 18 ? 2 : 3);
    }
    /* N/A only where an item can truly not apply: Wi-Fi, partners, cloud. */
    for (int i = 0; i < MM_DIAG_ITEMS; i++)
        assert_int_equal(cat->items[i].na_allowed, i + 1 == 9 || i + 1 == 22 || i + 1 == 23);
}

static void test_all_done(void **state)
{
    (void)state;
    enum mm_answer a[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    fill(a, MM_ANSWER_DONE);
    evaluate(a, &res);
    assert_int_equal(res.score, 100);
    assert_int_equal(res.part_score[0], 20);
    assert_int_equal(res.part_score[1], 52);
    assert_int_equal(res.part_score[2], 28);
    assert_int_equal(res.part_max[0] + res.part_max[1] + res.part_max[2], MM_DIAG_MAX);
    assert_string_equal(mm_diag_band_id(cat, res.band), "full");
    assert_int_equal(res.n_advice, 0);
    assert_int_equal(res.n_unknown, 0);
    assert_true(res.complete);
    assert_string_equal(res.date, "2026-04-01");
}

static void test_all_unknown(void **state)
{
    (void)state;
    enum mm_answer a[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    fill(a, MM_ANSWER_UNKNOWN);
    evaluate(a, &res);
    assert_int_equal(res.score, -25);
    assert_int_equal(res.part_score[0], -5);
    assert_int_equal(res.part_score[1], -13);
    assert_int_equal(res.part_score[2], -7);
    assert_string_equal(mm_diag_band_id(cat, res.band), "poor");
    assert_int_equal(res.n_unknown, 25);
    assert_int_equal(res.unknown[0], 1);
    assert_int_equal(res.unknown[24], 25);
    assert_int_equal(res.n_advice, 25); /* every "don't know" gets advice too */
    assert_false(res.complete);
}

static void test_points(void **state)
{
    (void)state;
    assert_int_equal(mm_diag_points(MM_ANSWER_DONE), 4);
    assert_int_equal(mm_diag_points(MM_ANSWER_PARTLY), 2);
    assert_int_equal(mm_diag_points(MM_ANSWER_NOT), 0);
    assert_int_equal(mm_diag_points(MM_ANSWER_UNKNOWN), -1);
    assert_int_equal(mm_diag_points(MM_ANSWER_NA), 4);
    enum mm_answer a[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    fill(a, MM_ANSWER_NOT);
    evaluate(a, &res);
    assert_int_equal(res.score, 0);
    fill(a, MM_ANSWER_PARTLY);
    evaluate(a, &res);
    assert_int_equal(res.score, 50);
    assert_int_equal(res.part_score[1], 26);
}

static void test_na(void **state)
{
    (void)state;
    enum mm_answer a[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    fill(a, MM_ANSWER_DONE);
    a[9 - 1] = a[22 - 1] = a[23 - 1] = MM_ANSWER_NA;
    evaluate(a, &res);
    assert_int_equal(res.score, 100); /* N/A counts 4 */
    assert_int_equal(res.n_na, 3);
    assert_int_equal(res.na[0], 9);
    assert_int_equal(res.na[1], 22);
    assert_int_equal(res.na[2], 23);
    assert_int_equal(res.n_advice, 0); /* no advice for N/A */
    assert_int_equal(res.answers[8], MM_ANSWER_NA);
    /* N/A where the item always applies is refused by the model... */
    a[1 - 1] = MM_ANSWER_NA;
    assert_int_equal(mm_diag_evaluate(cat, a, &res), MM_EINVAL);
    /* ... and by the answers file reader, naming the item. */
    struct mm_answers_spec spec;
    struct mm_answers_issues issues;
    enum mm_answer got[MM_DIAG_ITEMS];
    mm_diag_answers_spec(cat, &spec);
    const char *doc = "{\"answers\": {\"1\": \"na\", \"2\": \"done\", \"3\": \"done\", \"4\": "
                      "\"done\", \"5\": \"done\", \"6\": \"done\", \"7\": \"done\", \"8\": "
                      "\"done\", \"9\": \"na\", \"10\": \"done\", \"11\": \"done\", \"12\": "
                      "\"done\", \"13\": \"done\", \"14\": \"na\", \"15\": \"done\", \"16\": "
                      "\"done\", \"17\": \"done\", \"18\": \"done\", \"19\": \"done\", \"20\": "
                      "\"done\", \"21\": \"done\", \"22\": \"na\", \"23\": \"na\", \"24\": "
                      "\"done\", \"25\": \"done\"}}";
    assert_int_equal(mm_answers_parse(&spec, doc, strlen(doc), 0, got, &issues), MM_EINVAL);
    assert_true(issues.na_refused == ((UINT64_C(1) << 0) | (UINT64_C(1) << 13)));
    assert_int_equal(issues.missing, 0);
    struct mm_buf msg = MM_BUF_INIT;
    assert_int_equal(mm_answers_issues_format(&issues, "f: ", MM_LANG_EN, &msg), 0);
    assert_non_null(strstr(mm_buf_str(&msg), "f: items 1, 14 cannot be \"na\""));
    mm_buf_free(&msg);
}

/* Builds answers worth exactly score (0..100): done and partly for the even
 * part, then one "not" turned into "unknown" (-1) for an odd score. */
static void answers_for_score(int score, enum mm_answer *a)
{
    int even = score + (score & 1), i = 0;
    fill(a, MM_ANSWER_NOT);
    for (; even >= 4; even -= 4)
        a[i++] = MM_ANSWER_DONE;
    if (even == 2)
        a[i++] = MM_ANSWER_PARTLY;
    if (score & 1)
        a[MM_DIAG_ITEMS - 1] = MM_ANSWER_UNKNOWN;
}

static void test_band_edges(void **state)
{
    (void)state;
    struct {
        int score;
        const char *band;
    } cases[] = {{100, "full"}, {99, "good"}, {98, "good"}, {70, "good"}, {69, "fair"},
                 {50, "fair"},  {49, "poor"}, {0, "poor"},  {-25, "poor"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(mm_diag_band_id(cat, mm_diag_band_for(cat, cases[i].score)),
                            cases[i].band);
    /* The same through real answers (99 cannot be reached: 98 is the best below 100). */
    int reachable[] = {100, 98, 70, 69, 50, 49};
    for (size_t i = 0; i < sizeof reachable / sizeof reachable[0]; i++) {
        enum mm_answer a[MM_DIAG_ITEMS];
        struct mm_diag_result res;
        answers_for_score(reachable[i], a);
        evaluate(a, &res);
        assert_int_equal(res.score, reachable[i]);
        assert_int_equal(res.band, mm_diag_band_for(cat, reachable[i]));
    }
}

static void test_answers_file_errors(void **state)
{
    (void)state;
    struct mm_answers_spec spec;
    struct mm_answers_issues issues;
    enum mm_answer got[MM_DIAG_ITEMS];
    mm_diag_answers_spec(cat, &spec);
    /* Items 3, 7 and 10-25 missing; 5 and 8 invalid; 26 and "x" unknown. */
    const char *doc = "{\"answers\": {\"1\": \"done\", \"2\": \"partly\", \"4\": \"not\", "
                      "\"5\": \"yes\", \"6\": \"unknown\", \"8\": 1, \"9\": \"na\", "
                      "\"26\": \"done\", \"x\": \"done\", \"01\": \"done\"}}";
    assert_int_equal(mm_answers_parse(&spec, doc, strlen(doc), 0, got, &issues), MM_EINVAL);
    assert_true(issues.invalid == ((UINT64_C(1) << 4) | (UINT64_C(1) << 7)));
    assert_true(issues.missing & (UINT64_C(1) << 2));
    assert_true(issues.missing & (UINT64_C(1) << 6));
    assert_false(issues.missing & (UINT64_C(1) << 4)); /* invalid, not also missing */
    assert_int_equal(issues.n_unknown_keys, 3);
    assert_int_equal(got[0], MM_ANSWER_DONE);
    assert_int_equal(got[8], MM_ANSWER_NA);
    struct mm_buf msg = MM_BUF_INIT;
    assert_int_equal(mm_answers_issues_format(&issues, "a.json: ", MM_LANG_EN, &msg), 0);
    const char *m = mm_buf_str(&msg);
    assert_non_null(strstr(m, "a.json: missing answers for items 3, 7, 10, 11, 12"));
    assert_non_null(strstr(m, "a.json: invalid answers for items 5, 8 "));
    assert_non_null(strstr(m, "no such item numbers: \"26\", \"x\", \"01\""));
    mm_buf_reset(&msg);
    assert_int_equal(mm_answers_issues_format(&issues, "", MM_LANG_JA, &msg), 0);
    assert_non_null(strstr(mm_buf_str(&msg), "項目 3, 7, 10,"));

    /* The same file is fine as saved progress, except for the bad values. */
    assert_int_equal(mm_answers_parse(&spec, doc, strlen(doc), MM_ANSWERS_PARTIAL, got, &issues),
                     MM_EINVAL);
    assert_int_equal(issues.missing, 0);
    /* The parsed document is given only when the answers are good. */
    json_t *parsed = json_true(); /* a singleton: overwritten, not leaked */
    assert_int_equal(
        mm_answers_parse_doc(&spec, doc, strlen(doc), MM_ANSWERS_PARTIAL, got, &issues, &parsed),
        MM_EINVAL);
    assert_null(parsed);
    const char *part = "{\"answers\": {\"2\": \"done\"}, \"note\": \"x\"}";
    assert_int_equal(
        mm_answers_parse_doc(&spec, part, strlen(part), MM_ANSWERS_PARTIAL, got, &issues, &parsed),
        0);
    assert_string_equal(json_string_value(json_object_get(parsed, "note")), "x");
    json_decref(parsed);

    /* Not JSON: the line is named. No "answers" object. */
    const char *bad = "{\n\"answers\": {\n\"1\": done}}";
    assert_int_equal(mm_answers_parse(&spec, bad, strlen(bad), 0, got, &issues), MM_EPARSE);
    assert_true(issues.bad_json);
    assert_int_equal(issues.json_line, 3);
    const char *noobj = "{\"answer\": {}}";
    assert_int_equal(mm_answers_parse(&spec, noobj, strlen(noobj), 0, got, &issues), MM_EPARSE);
    assert_int_equal(issues.json_line, 0);
    /* An empty answers object names every item as missing. */
    const char *empty = "{\"answers\": {}}";
    assert_int_equal(mm_answers_parse(&spec, empty, strlen(empty), 0, got, &issues), MM_EINVAL);
    assert_true(issues.missing == (UINT64_C(1) << 25) - 1);
    /* Duplicate keys are rejected, and the message says so (not just "not
     * valid JSON"). */
    const char *dup = "{\"answers\": {\"1\": \"done\",\n\"1\": \"not\"}}";
    assert_int_equal(mm_answers_parse(&spec, dup, strlen(dup), MM_ANSWERS_PARTIAL, got, &issues),
                     MM_EPARSE);
    assert_true(issues.duplicate_key);
    assert_int_equal(issues.json_line, 2);
    mm_buf_reset(&msg);
    assert_int_equal(mm_answers_issues_format(&issues, "a.json: ", MM_LANG_EN, &msg), 0);
    assert_string_equal(mm_buf_str(&msg), "a.json: line 2, column 3: an item is written twice; "
                                          "keep only one of them\n");
    mm_buf_reset(&msg);
    assert_int_equal(mm_answers_issues_format(&issues, "", MM_LANG_JA, &msg), 0);
    assert_non_null(strstr(mm_buf_str(&msg), "2 行目 3 列目: 同じ項目が 2 回書かれています"));
    /* The reason and column, in the message language (never jansson's
     * English), and a file that is not UTF-8 (CP932) is said as such. */
    mm_buf_reset(&msg);
    assert_int_equal(mm_answers_parse(&spec, bad, strlen(bad), 0, got, &issues), MM_EPARSE);
    assert_int_equal(mm_answers_issues_format(&issues, "", MM_LANG_JA, &msg), 0);
    assert_non_null(strstr(mm_buf_str(&msg), "列目: JSON として読めません（"));
    assert_null(strstr(mm_buf_str(&msg), "expected"));
    assert_non_null(strstr(mm_buf_str(&msg), "3 行目 "));
    const char *sjis = "{\"answers\": {\n\"1\": \"\x82\xc5\x82\xab\"}}";
    assert_int_equal(mm_answers_parse(&spec, sjis, strlen(sjis), 0, got, &issues), MM_EPARSE);
    assert_true(issues.json.not_utf8);
    mm_buf_reset(&msg);
    assert_int_equal(mm_answers_issues_format(&issues, "a.json: ", MM_LANG_EN, &msg), 0);
    assert_non_null(strstr(mm_buf_str(&msg),
                           "a.json: line 2, column 7: the file is not saved as "
                           "UTF-8 (perhaps as Shift_JIS); save it again as UTF-8"));
    /* An empty file (or only spaces, or only a byte-order mark) says so. */
    static const char *const empties[] = {"", " \r\n\t", "\xef\xbb\xbf"};
    for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
        assert_int_equal(mm_answers_parse(&spec, empties[i], strlen(empties[i]), 0, got, &issues),
                         MM_EPARSE);
        assert_true(issues.empty);
        mm_buf_reset(&msg);
        assert_int_equal(mm_answers_issues_format(&issues, "a.json: ", MM_LANG_EN, &msg), 0);
        assert_non_null(strstr(mm_buf_str(&msg), "a.json: the file is empty; write it as"));
    }
    /* The text is (text, len), not a C string: only spaces, with no NUL
     * after them (a file read whole), is read no further than len (the
     * ASan build catches a read past it). */
    char *spaces = malloc(3);
    assert_non_null(spaces);
    memcpy(spaces, " \n ", 3);
    assert_int_equal(mm_answers_parse(&spec, spaces, 3, 0, got, &issues), MM_EPARSE);
    assert_true(issues.empty);
    memcpy(spaces, " x ", 3);
    assert_int_equal(mm_answers_parse(&spec, spaces, 3, 0, got, &issues), MM_EPARSE);
    assert_false(issues.empty);
    free(spaces);
    /* The report of `mamori diagnose --format json` is read as answers too
     * (its "items"), with the same checks: audit --diagnosis and diagnose
     * --answers take it through this one reader. */
    const char *report = "{\"score\": 40, \"answers\": 3, \"items\": [{\"id\": 1, "
                         "\"answer\": \"done\", \"points\": 4}, {\"id\": 2, \"answer\": "
                         "\"na\"}, {\"id\": 3}, {\"id\": 4, \"answer\": \"Done\"}, "
                         "{\"id\": 64, \"answer\": \"done\"}, {\"id\": \"5\", \"answer\": "
                         "\"done\"}, {\"id\": 0, \"answer\": \"not\"}, {\"id\": 6, "
                         "\"answer\": \"not\"}, {\"id\": 6, \"answer\": \"done\"}]}";
    assert_int_equal(
        mm_answers_parse(&spec, report, strlen(report), MM_ANSWERS_PARTIAL, got, &issues),
        MM_EINVAL);
    assert_int_equal(got[0], MM_ANSWER_DONE);
    assert_int_equal(got[2], MM_ANSWER_NONE); /* no "answer": not answered */
    assert_int_equal(got[5], MM_ANSWER_NONE); /* given twice: neither kept */
    assert_true(issues.na_refused == (UINT64_C(1) << 1));
    assert_true(issues.invalid == (UINT64_C(1) << 3));
    assert_true(issues.repeated == (UINT64_C(1) << 5));
    assert_int_equal(issues.missing, 0);
    mm_buf_reset(&msg);
    assert_int_equal(mm_answers_issues_format(&issues, "d.json: ", MM_LANG_EN, &msg), 0);
    assert_string_equal(mm_buf_str(&msg),
                        "d.json: invalid answer for item 4 (use done, partly, not, unknown or "
                        "na, or the Japanese できている, 一部できている, できていない, わからない, "
                        "該当しない)\n"
                        "d.json: item 2 cannot be \"na\" (not applicable): it applies to every "
                        "organisation\n"
                        "d.json: item 6 is given more than once in \"items\"; keep only one\n"
                        "d.json: no such item numbers: \"64\", \"5\" (a string), \"0\" (the "
                        "items are numbered 1 to 25)\n");
    /* one id written as a string: named by its text, and said to be a string */
    const char *string_id = "{\"items\": [{\"id\": \"3\", \"answer\": \"done\"}]}";
    assert_int_equal(
        mm_answers_parse(&spec, string_id, strlen(string_id), MM_ANSWERS_PARTIAL, got, &issues),
        MM_EINVAL);
    mm_buf_reset(&msg);
    assert_int_equal(mm_answers_issues_format(&issues, "d.json: ", MM_LANG_EN, &msg), 0);
    assert_string_equal(mm_buf_str(&msg), "d.json: no such item number: \"3\" (a string; the items "
                                          "are numbered 1 to 25)\n");
    mm_buf_reset(&msg);
    assert_int_equal(mm_answers_issues_format(&issues, "d.json: ", MM_LANG_JA, &msg), 0);
    assert_string_equal(mm_buf_str(&msg), "d.json: \"3\" という項目番号はありません（番号が文字列に"
                                          "なっています。項目の番号は 1 から 25 までの数です）\n");
    /* in an "answers" object every key is a string: a key with quotes stays as it was shown */
    const char *quoted_key = "{\"answers\": {\"\\\"3\\\"\": \"done\"}}";
    assert_int_equal(
        mm_answers_parse(&spec, quoted_key, strlen(quoted_key), MM_ANSWERS_PARTIAL, got, &issues),
        MM_EINVAL);
    assert_string_equal(issues.unknown_keys[0], "?3?");
    assert_int_equal(issues.unknown_strings, 0);
    /* a Japanese key is shown as written (it was "???"), cut between
     * characters; control and bidi characters are '?' */
    const char *ja_key = "{\"answers\": {\"項目\": \"done\", \"a\xe2\x80\xae"
                         "b\\u001b\": \"done\", "
                         "\"とても長い項目の名前です\": \"done\"}}";
    assert_int_equal(
        mm_answers_parse(&spec, ja_key, strlen(ja_key), MM_ANSWERS_PARTIAL, got, &issues),
        MM_EINVAL);
    assert_int_equal(issues.n_unknown_keys, 3);
    assert_string_equal(issues.unknown_keys[0], "項目");
    assert_string_equal(issues.unknown_keys[1], "a?b?");
    assert_string_equal(issues.unknown_keys[2], "とても長い項目"); /* 21 of 23 bytes */
    /* full-width digits name the item, as the profile takes them; "3" and
     * "３" both: which one was meant is unclear */
    const char *wide = "{\"answers\": {\"１２\": \"done\", \"3\": \"done\", \"３\": \"not\"}}";
    assert_int_equal(mm_answers_parse(&spec, wide, strlen(wide), MM_ANSWERS_PARTIAL, got, &issues),
                     MM_EINVAL);
    assert_int_equal(got[11], MM_ANSWER_DONE);
    assert_int_equal(got[2], MM_ANSWER_NONE);
    assert_true(issues.repeated == (UINT64_C(1) << 2));
    assert_int_equal(issues.n_unknown_keys, 0);
    /* complete, an answers file must name all 25 items */
    const char *short_report = "{\"items\": [{\"id\": 1, \"answer\": \"done\"}]}";
    assert_int_equal(mm_answers_parse(&spec, short_report, strlen(short_report), 0, got, &issues),
                     MM_EINVAL);
    assert_true(issues.missing == ((UINT64_C(1) << 25) - 1) - 1);
    /* "answers" wins when a file has both; neither is a format error */
    const char *both = "{\"answers\": {\"1\": \"not\"}, \"items\": [{\"id\": 1, "
                       "\"answer\": \"done\"}]}";
    assert_int_equal(mm_answers_parse(&spec, both, strlen(both), MM_ANSWERS_PARTIAL, got, &issues),
                     0);
    assert_int_equal(got[0], MM_ANSWER_NOT);
    const char *neither = "{\"items\": {}, \"answers\": []}";
    assert_int_equal(mm_answers_parse(&spec, neither, strlen(neither), 0, got, &issues), MM_EPARSE);
    mm_buf_reset(&msg);
    assert_int_equal(mm_answers_issues_format(&issues, "", MM_LANG_EN, &msg), 0);
    assert_non_null(strstr(mm_buf_str(&msg), "the \"items\" of mamori diagnose --format json"));
    /* A file saved by Windows Notepad starts with a UTF-8 byte-order mark. */
    const char *bom = "\xef\xbb\xbf{\"answers\": {\"1\": \"done\"}}";
    assert_int_equal(mm_answers_parse(&spec, bom, strlen(bom), MM_ANSWERS_PARTIAL, got, &issues),
                     0);
    assert_int_equal(got[0], MM_ANSWER_DONE);
    mm_buf_free(&msg);
}

static void test_answers_names(void **state)
{
    (void)state;
    enum mm_answer a;
    assert_int_equal(mm_answer_parse("partly", &a), 0);
    assert_int_equal(a, MM_ANSWER_PARTLY);
    assert_int_equal(mm_answer_parse("Done", &a), MM_EINVAL);
    assert_int_equal(mm_answer_parse(NULL, &a), MM_EINVAL);
    /* the Japanese words the questionnaire shows, polite forms, full-width
     * letters and spaces around them (an owner writing the file by hand) */
    static const struct {
        const char *text;
        enum mm_answer want;
    } words[] = {{"できている", MM_ANSWER_DONE},      {"一部できている", MM_ANSWER_PARTLY},
                 {"できていない", MM_ANSWER_NOT},     {"わからない", MM_ANSWER_UNKNOWN},
                 {"該当しない", MM_ANSWER_NA},        {"できています", MM_ANSWER_DONE},
                 {"わかりません", MM_ANSWER_UNKNOWN}, {"\u3000できていない ", MM_ANSWER_NOT},
                 {"ｄｏｎｅ", MM_ANSWER_DONE}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        a = MM_ANSWER_NONE;
        assert_int_equal(mm_answer_parse(words[i].text, &a), 0);
        assert_int_equal(a, words[i].want);
    }
    assert_int_equal(mm_answer_parse("できる", &a), MM_EINVAL);
    assert_int_equal(mm_answer_parse("はい", &a), MM_EINVAL);
    assert_null(mm_answer_name(MM_ANSWER_NONE));
    enum mm_answer set[3] = {MM_ANSWER_DONE, MM_ANSWER_NONE, MM_ANSWER_NA};
    json_t *j = mm_answers_to_json(set, 3);
    char *s = json_dumps(j, JSON_COMPACT);
    assert_string_equal(s, "{\"1\":\"done\",\"3\":\"na\"}");
    free(s);
    json_decref(j);
}

static void test_advice_order(void **state)
{
    (void)state;
    enum mm_answer a[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    fill(a, MM_ANSWER_NOT);
    evaluate(a, &res);
    /* Basic part first (by impact, then id), then the rest by impact, then id. */
    const int expected[] = {1,  2,  3,  5, 4, 11, 6,  24, 20, 22, 23, 9, 10,
                            13, 19, 21, 7, 8, 25, 12, 14, 18, 15, 16, 17};
    assert_int_equal(res.n_advice, 25);
    for (size_t i = 0; i < 25; i++)
        assert_int_equal(res.advice[i], expected[i]);
    /* Only partly/not/unknown get advice; done and N/A do not. */
    fill(a, MM_ANSWER_DONE);
    a[17 - 1] = MM_ANSWER_PARTLY;
    a[4 - 1] = MM_ANSWER_UNKNOWN;
    a[11 - 1] = MM_ANSWER_NOT;
    a[9 - 1] = MM_ANSWER_NA;
    evaluate(a, &res);
    assert_int_equal(res.n_advice, 3);
    assert_int_equal(res.advice[0], 4);  /* basic first, even with a lower impact */
    assert_int_equal(res.advice[1], 11); /* impact 10 */
    assert_int_equal(res.advice[2], 17); /* impact 3 */
    assert_int_equal(res.n_unknown, 1);
    assert_int_equal(res.unknown[0], 4);
}

/* The declaration section says what mamori declare decides: one star is
 * the five-rules commitment whatever the answers (items 1-5 not done do
 * not stop it), two stars need a complete diagnosis and a basic policy. */
static void test_levels(void **state)
{
    (void)state;
    enum mm_answer a[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    struct mm_buf out = MM_BUF_INIT;
    fill(a, MM_ANSWER_NOT);
    a[12 - 1] = MM_ANSWER_UNKNOWN;
    evaluate(a, &res);
    for (int f = MM_DIAG_TEXT; f <= MM_DIAG_HTML; f++) {
        if (f == MM_DIAG_JSON)
            continue;
        mm_buf_reset(&out);
        assert_int_equal(mm_diag_render(cat, &res, NULL, f, MM_LANG_JA, &out), 0);
        const char *s = mm_buf_str(&out);
        assert_non_null(strstr(s, "mamori rules"));
        assert_non_null(strstr(s, "mamori policy"));
        assert_non_null(strstr(s, "mamori declare"));
        assert_non_null(strstr(s, "（項目: 12）"));
        assert_null(strstr(s, "まだ宣言できません"));
        assert_null(strstr(s, "項目 1〜5"));
    }
    a[12 - 1] = MM_ANSWER_NOT;
    evaluate(a, &res);
    assert_true(res.complete);
    mm_buf_reset(&out);
    assert_int_equal(mm_diag_render(cat, &res, NULL, MM_DIAG_TEXT, MM_LANG_EN, &out), 0);
    assert_non_null(strstr(mm_buf_str(&out), "this one qualifies"));
    mm_buf_free(&out);
}

static void test_json(void **state)
{
    (void)state;
    enum mm_answer a[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    json_t *j = NULL;
    fill(a, MM_ANSWER_DONE);
    a[9 - 1] = MM_ANSWER_NA;
    a[13 - 1] = MM_ANSWER_UNKNOWN;
    a[2 - 1] = MM_ANSWER_PARTLY;
    evaluate(a, &res);
    assert_int_equal(mm_diag_result_json(cat, &res, NULL, MM_LANG_JA, &j), 0);
    assert_int_equal(json_integer_value(json_object_get(j, "score")), 100 - 4 - 5 + 2);
    assert_int_equal(json_integer_value(json_object_get(j, "max")), 100);
    assert_string_equal(json_string_value(json_object_get(j, "band")), "good");
    /* No level: the diagnosis alone cannot decide one (mamori declare does). */
    assert_null(json_object_get(j, "eligible_level"));
    assert_string_equal(json_string_value(json_object_get(j, "lang")), "ja");
    assert_string_equal(json_string_value(json_object_get(j, "date")), "2026-04-01");
    assert_true(json_is_false(json_object_get(j, "complete")));
    assert_true(json_is_null(json_object_get(j, "changes")));
    json_t *parts = json_object_get(j, "parts");
    assert_int_equal(json_array_size(parts), 3);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(parts, 1), "max")), 52);
    json_t *items = json_object_get(j, "items");
    assert_int_equal(json_array_size(items), 25);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 8), "answer")),
                        "na");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 12), "points")), -1);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "unknown"), 0)), 13);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "na"), 0)), 9);
    json_t *advice = json_object_get(j, "advice");
    assert_int_equal(json_array_size(advice), 2);
    json_t *first = json_array_get(advice, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "id")), 2);
    assert_true(json_string_length(json_object_get(first, "first_step")) > 0);
    assert_true(json_array_size(json_object_get(first, "threats")) > 0);
    json_decref(j);
}

static void test_compare(void **state)
{
    (void)state;
    enum mm_answer prev[MM_DIAG_ITEMS], now[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    struct mm_diag_changes ch;
    fill(prev, MM_ANSWER_PARTLY);
    fill(now, MM_ANSWER_PARTLY);
    now[3 - 1] = MM_ANSWER_DONE;     /* improved */
    now[11 - 1] = MM_ANSWER_UNKNOWN; /* regressed */
    prev[9 - 1] = MM_ANSWER_DONE;
    now[9 - 1] = MM_ANSWER_NA; /* same points: neither */
    evaluate(now, &res);
    mm_diag_compare(prev, 52, "2026-03-01", &res, &ch);
    assert_true(ch.have_previous);
    assert_string_equal(ch.previous_date, "2026-03-01");
    assert_int_equal(ch.score_delta, res.score - 52);
    assert_int_equal(ch.n_improved, 1);
    assert_int_equal(ch.improved[0].id, 3);
    assert_int_equal(ch.improved[0].from, MM_ANSWER_PARTLY);
    assert_int_equal(ch.improved[0].to, MM_ANSWER_DONE);
    assert_int_equal(ch.n_regressed, 1);
    assert_int_equal(ch.regressed[0].id, 11);
    assert_int_equal(ch.n_clarified, 0);
}

/* "Don't know" then "not done" (points -1 -> 0) is not an improvement in
 * security: the item is found out, listed on its own, and so is any other
 * answer after "don't know". */
static void test_compare_unknown(void **state)
{
    (void)state;
    enum mm_answer prev[MM_DIAG_ITEMS], now[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    struct mm_diag_changes ch;
    struct mm_buf out = MM_BUF_INIT;
    fill(prev, MM_ANSWER_PARTLY);
    fill(now, MM_ANSWER_PARTLY);
    prev[4 - 1] = MM_ANSWER_UNKNOWN;
    now[4 - 1] = MM_ANSWER_NOT;
    prev[7 - 1] = MM_ANSWER_UNKNOWN;
    now[7 - 1] = MM_ANSWER_DONE;
    prev[8 - 1] = MM_ANSWER_UNKNOWN;
    now[8 - 1] = MM_ANSWER_UNKNOWN; /* still unknown: no change */
    evaluate(now, &res);
    mm_diag_compare(prev, 45, "2026-03-01", &res, &ch);
    assert_int_equal(ch.n_improved, 0);
    assert_int_equal(ch.n_regressed, 0);
    assert_int_equal(ch.n_clarified, 2);
    assert_int_equal(ch.clarified[0].id, 4);
    assert_int_equal(ch.clarified[0].from, MM_ANSWER_UNKNOWN);
    assert_int_equal(ch.clarified[0].to, MM_ANSWER_NOT);
    assert_int_equal(ch.clarified[1].id, 7);
    assert_int_equal(mm_diag_render(cat, &res, &ch, MM_DIAG_TEXT, MM_LANG_JA, &out), 0);
    assert_non_null(strstr(mm_buf_str(&out), "状況がわかった項目: 4."));
    assert_null(strstr(mm_buf_str(&out), "よくなった項目"));
    mm_buf_reset(&out);
    assert_int_equal(mm_diag_render(cat, &res, &ch, MM_DIAG_JSON, MM_LANG_EN, &out), 0);
    assert_non_null(strstr(mm_buf_str(&out), "\"clarified\""));
    mm_buf_free(&out);
}

static void test_history_names(void **state)
{
    (void)state;
    char date[11];
    int seq;
    assert_true(mm_diag_history_name("diagnose-2026-04-01.json", date, &seq));
    assert_string_equal(date, "2026-04-01");
    assert_int_equal(seq, 1);
    assert_true(mm_diag_history_name("diagnose-2026-04-01-12.json", date, &seq));
    assert_int_equal(seq, 12);
    assert_false(mm_diag_history_name("diagnose-2026-04-01-1.json", date, &seq));
    assert_false(mm_diag_history_name("diagnose-2026-04-01-02.json", date, &seq));
    assert_false(mm_diag_history_name("diagnose-2026-13-01.json", date, &seq));
    /* a day that does not exist names no result */
    assert_false(mm_diag_history_name("diagnose-2026-02-30.json", date, &seq));
    assert_false(mm_diag_history_name("diagnose-2026-02-29-2.json", date, &seq));
    assert_false(mm_diag_history_name("diagnose-2026-11-31.json", date, &seq));
    assert_true(mm_diag_history_name("diagnose-2028-02-29.json", date, &seq));
    assert_false(mm_diag_history_name("diagnose-2026-04-01.json~", date, &seq));
    assert_false(mm_diag_history_name("other-2026-04-01.json", date, &seq));
}

static void test_history_roundtrip(void **state)
{
    (void)state;
    char dir[64];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "diag-hist"), 0);
    enum mm_answer a[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    struct mm_diag_changes ch;
    struct mm_buf json = MM_BUF_INIT;
    char *path = NULL, *bad = NULL, sub[96];
    assert_int_equal(test_tmpdir_join(sub, sizeof sub, dir, "h"), 0); /* created on first save */

    /* Empty history: no previous result. */
    fill(a, MM_ANSWER_NOT);
    evaluate(a, &res);
    assert_int_equal(mm_diag_history_previous(cat, sub, &res, &ch, &bad), 0);
    assert_false(ch.have_previous);
    assert_int_equal(mm_diag_render(cat, &res, &ch, MM_DIAG_JSON, MM_LANG_EN, &json), 0);
    assert_int_equal(mm_diag_history_save(sub, "2026-03-01", mm_buf_str(&json), &path), 0);
    assert_non_null(strstr(path, "/h/diagnose-2026-03-01.json"));
    free(path);

    /* Two more runs on the next date: -2 disambiguates; the latest is compared. */
    a[1 - 1] = MM_ANSWER_DONE;
    evaluate(a, &res);
    mm_buf_reset(&json);
    assert_int_equal(mm_diag_render(cat, &res, NULL, MM_DIAG_JSON, MM_LANG_JA, &json), 0);
    assert_int_equal(mm_diag_history_save(sub, "2026-04-01", mm_buf_str(&json), &path), 0);
    free(path);
    a[2 - 1] = MM_ANSWER_DONE;
    evaluate(a, &res);
    mm_buf_reset(&json);
    assert_int_equal(mm_diag_render(cat, &res, NULL, MM_DIAG_JSON, MM_LANG_EN, &json), 0);
    assert_int_equal(mm_diag_history_save(sub, "2026-04-01", mm_buf_str(&json), &path), 0);
    assert_non_null(strstr(path, "/h/diagnose-2026-04-01-2.json"));
    free(path);

    a[2 - 1] = MM_ANSWER_NOT;
    a[11 - 1] = MM_ANSWER_DONE;
    evaluate(a, &res);
    assert_int_equal(mm_diag_history_previous(cat, sub, &res, &ch, &bad), 0);
    assert_true(ch.have_previous);
    assert_string_equal(ch.previous_date, "2026-04-01");
    assert_int_equal(ch.previous_score, 8);
    assert_int_equal(ch.score_delta, 0);
    assert_int_equal(ch.n_improved, 1);
    assert_int_equal(ch.improved[0].id, 11);
    assert_int_equal(ch.n_regressed, 1);
    assert_int_equal(ch.regressed[0].id, 2);

    /* A broken latest file is reported by name. */
    char broken[128];
    snprintf(broken, sizeof broken, "%s/diagnose-2026-04-02.json", sub);
    assert_int_equal(mm_file_write_atomic(broken, "{\"items\": [1, 2]}", 17), 0);
    assert_int_equal(mm_diag_history_previous(cat, sub, &res, &ch, &bad), MM_EINVAL);
    assert_string_equal(bad, broken);
    free(bad);

    /* The latest is read as an answers file (mm_diag_read_latest): its own
     * "score" and "complete" are not believed, and over 256 KiB is refused. */
    struct mm_buf lie = MM_BUF_INIT;
    assert_int_equal(mm_buf_puts(&lie, "{\"score\": 100, \"complete\": true, \"items\": ["), 0);
    for (int i = 1; i <= MM_DIAG_ITEMS; i++)
        assert_int_equal(mm_buf_printf(&lie, "%s{\"id\": %d, \"answer\": \"%s\"}",
                                       i > 1 ? ", " : "", i, i <= 3 ? "done" : "not"),
                         0);
    assert_int_equal(mm_buf_puts(&lie, "]}"), 0);
    snprintf(broken, sizeof broken, "%s/diagnose-2026-04-03.json", sub);
    assert_int_equal(mm_file_write_atomic(broken, mm_buf_str(&lie), lie.len), 0);
    assert_int_equal(mm_diag_history_previous(cat, sub, &res, &ch, &bad), 0);
    assert_null(bad);
    assert_true(ch.have_previous);
    assert_string_equal(ch.previous_date, "2026-04-03");
    assert_int_equal(ch.previous_score, 12);
    /* Padded past MM_ANSWERS_FILE_MAX (still valid JSON): too big, named. */
    while (lie.len <= MM_ANSWERS_FILE_MAX)
        assert_int_equal(mm_buf_puts(&lie, "                "), 0);
    snprintf(broken, sizeof broken, "%s/diagnose-2026-04-04.json", sub);
    assert_int_equal(mm_file_write_atomic(broken, mm_buf_str(&lie), lie.len), 0);
    assert_int_equal(mm_diag_history_previous(cat, sub, &res, &ch, &bad), MM_ETOOBIG);
    assert_string_equal(bad, broken);
    assert_false(ch.have_previous);
    free(bad);
    mm_buf_free(&lie);

    mm_buf_free(&json);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* mm_diag_read: an answers file, a report whose own score and "complete"
 * are not believed, a history directory (its newest result), an empty
 * directory, a missing file and a damaged one. */
static void test_read(void **state)
{
    (void)state;
    char dir[64], path[128], hist[96];
    struct mm_diag_result res;
    struct mm_answers_issues issues;
    char *used = NULL;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "diag-read"), 0);

    /* Answers file: computed, no date. */
    snprintf(path, sizeof path, "%s/answers.json", dir);
    struct mm_buf b = MM_BUF_INIT;
    mm_buf_puts(&b, "{\"answers\": {");
    for (int i = 1; i <= MM_DIAG_ITEMS; i++)
        mm_buf_printf(&b, "%s\"%d\": \"%s\"", i > 1 ? ", " : "", i, i == 3 ? "unknown" : "done");
    mm_buf_puts(&b, "}}");
    assert_int_equal(mm_file_write_atomic(path, mm_buf_str(&b), strlen(mm_buf_str(&b))), 0);
    assert_int_equal(mm_diag_read(cat, path, &res, &issues, &used), 0);
    assert_string_equal(used, path);
    assert_int_equal(res.score, 95);
    assert_false(res.complete);
    assert_string_equal(res.date, "");
    free(used);

    /* A report claiming 100 and complete: the answers decide; its date is kept. */
    enum mm_answer a[MM_DIAG_ITEMS];
    fill(a, MM_ANSWER_DONE);
    a[4 - 1] = MM_ANSWER_UNKNOWN;
    evaluate(a, &res);
    json_t *doc = NULL;
    assert_int_equal(mm_diag_result_json(cat, &res, NULL, MM_LANG_EN, &doc), 0);
    json_object_set_new(doc, "score", json_integer(100));
    json_object_set_new(doc, "complete", json_true());
    json_object_set_new(doc, "date", json_string("2026-02-03"));
    assert_int_equal(test_tmpdir_join(hist, sizeof hist, dir, "h"), 0);
    assert_int_equal(mkdir(hist, 0700), 0);
    snprintf(path, sizeof path, "%s/diagnose-2026-03-01.json", hist);
    assert_int_equal(json_dump_file(doc, path, 0), 0);
    assert_int_equal(mm_diag_read(cat, path, &res, &issues, &used), 0);
    assert_int_equal(res.score, 95);
    assert_false(res.complete);
    assert_string_equal(res.date, "2026-02-03");
    free(used);

    /* Its "date" only when a real YYYY-MM-DD date (one that exists: not
     * February 30, nor the 29th outside leap years); also behind a BOM and in
     * the answers shape. */
    static const char *const dates[][2] = {
        {"\"2026-13-01\"", ""},
        {"\"2026-2-3\"", ""},
        {"20260203", ""},
        {"null", ""},
        {"\"2026-02-28\"", "2026-02-28"},
        {"\"2026-02-30\"", ""},
        {"\"2025-02-29\"", ""},
        {"\"2026-04-31\"", ""},
        {"\"2024-02-29\"", "2024-02-29"},
    };
    for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
        json_t *dated = json_deep_copy(doc);
        json_object_set_new(dated, "date", json_loads(dates[i][0], JSON_DECODE_ANY, NULL));
        char *text = json_dumps(dated, JSON_COMPACT);
        struct mm_buf t = MM_BUF_INIT;
        assert_non_null(text);
        mm_buf_printf(&t, "%s%s", i == 4 ? "\xef\xbb\xbf" : "", text);
        assert_int_equal(mm_file_write_atomic(path, mm_buf_str(&t), strlen(mm_buf_str(&t))), 0);
        assert_int_equal(mm_diag_read(cat, path, &res, &issues, &used), 0);
        assert_string_equal(res.date, dates[i][1]);
        free(used);
        free(text);
        mm_buf_free(&t);
        json_decref(dated);
    }
    snprintf(path, sizeof path, "%s/answers.json", dir);
    mm_buf_reset(&b);
    mm_buf_puts(&b, "{\"date\": \"2026-01-05\", \"answers\": {");
    for (int i = 1; i <= MM_DIAG_ITEMS; i++)
        mm_buf_printf(&b, "%s\"%d\": \"done\"", i > 1 ? ", " : "", i);
    mm_buf_puts(&b, "}}");
    assert_int_equal(mm_file_write_atomic(path, mm_buf_str(&b), strlen(mm_buf_str(&b))), 0);
    assert_int_equal(mm_diag_read(cat, path, &res, &issues, &used), 0);
    assert_string_equal(res.date, "2026-01-05");
    assert_int_equal(res.score, 100);
    free(used);

    /* The directory: its newest result, dated by the file name. */
    fill(a, MM_ANSWER_NOT);
    evaluate(a, &res);
    json_decref(doc);
    assert_int_equal(mm_diag_result_json(cat, &res, NULL, MM_LANG_EN, &doc), 0);
    snprintf(path, sizeof path, "%s/diagnose-2026-03-01-2.json", hist);
    assert_int_equal(json_dump_file(doc, path, 0), 0);
    json_decref(doc);
    assert_int_equal(mm_diag_read(cat, hist, &res, &issues, &used), 0);
    assert_string_equal(used, path);
    assert_int_equal(res.score, 0);
    assert_string_equal(res.date, "2026-03-01");
    free(used);

    /* Damaged newest: the reader's issues, the file named. */
    snprintf(path, sizeof path, "%s/diagnose-2026-03-02.json", hist);
    assert_int_equal(mm_file_write_atomic(path, "{\"answers\": {\"1\": \"yes\"}}", 25), 0);
    assert_int_equal(mm_diag_read(cat, hist, &res, &issues, &used), MM_EINVAL);
    assert_string_equal(used, path);
    assert_true(issues.invalid & 1u);
    free(used);

    /* An empty directory names no file; a missing file does. */
    snprintf(path, sizeof path, "%s/empty", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(mm_diag_read(cat, path, &res, &issues, &used), MM_ENOENT);
    assert_null(used);
    snprintf(path, sizeof path, "%s/none.json", dir);
    assert_int_equal(mm_diag_read(cat, path, &res, &issues, &used), MM_ENOENT);
    assert_string_equal(used, path);
    free(used);

    mm_buf_free(&b);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* True when s holds something like "report.title": a catalogue key that
 * was not found and leaked into the output as is. */
static bool has_raw_key(const char *s)
{
    static const char *const prefixes[] = {"report.", "advice.",  "threat.", "answer.",
                                           "level.",  "changes.", "table.",  "unit."};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
        for (const char *p = strstr(s, prefixes[i]); p; p = strstr(p + 1, prefixes[i])) {
            char next = p[strlen(prefixes[i])];
            if (next >= 'a' && next <= 'z')
                return true;
        }
    }
    return false;
}

static void test_reports(void **state)
{
    (void)state;
    enum mm_answer a[MM_DIAG_ITEMS];
    struct mm_diag_result res;
    struct mm_buf out = MM_BUF_INIT;
    fill(a, MM_ANSWER_PARTLY);
    evaluate(a, &res);
    for (int f = MM_DIAG_TEXT; f <= MM_DIAG_HTML; f++) {
        for (int lang = MM_LANG_EN; lang <= MM_LANG_JA; lang++) {
            mm_buf_reset(&out);
            assert_int_equal(mm_diag_render(cat, &res, NULL, f, lang, &out), 0);
            assert_non_null(strstr(mm_buf_str(&out), "50"));
            /* No untranslated catalogue key may leak into a report. */
            assert_false(has_raw_key(mm_buf_str(&out)));
        }
    }
    mm_buf_reset(&out);
    assert_int_equal(mm_diag_render(cat, &res, NULL, MM_DIAG_HTML, MM_LANG_JA, &out), 0);
    assert_non_null(strstr(mm_buf_str(&out), "<html lang=\"ja\">"));
    assert_non_null(strstr(mm_buf_str(&out), "id=\"part-chart\""));
    mm_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_all_done),
        cmocka_unit_test(test_all_unknown),
        cmocka_unit_test(test_points),
        cmocka_unit_test(test_na),
        cmocka_unit_test(test_band_edges),
        cmocka_unit_test(test_answers_file_errors),
        cmocka_unit_test(test_answers_names),
        cmocka_unit_test(test_advice_order),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_compare_unknown),
        cmocka_unit_test(test_history_names),
        cmocka_unit_test(test_history_roundtrip),
        cmocka_unit_test(test_read),
        cmocka_unit_test(test_reports),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
