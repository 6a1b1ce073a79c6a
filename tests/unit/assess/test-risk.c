/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the risk analysis (src/assess/risk*.c): the method for
 * every rating combination, reading inventories (header aliases, column
 * order, extra and computed columns, blank rows, full-width digits), the
 * stable sort, the accept threshold, every input error with its exact
 * message in English and Japanese, and the CSV/JSON/HTML/text outputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "assess/risk.h"
#include "core/data.h"
#include "core/error.h"

/* ---- the method ---- */

/* Expected values computed a second, independent way: importance as the
 * first of 3, 2, 1 that any of C/I/A reaches; likelihood from the closed
 * form max(1, threat + vulnerability - 3), which reproduces the 3x3 table
 * (threat 3: 3/2/1, threat 2: 2/1/1, threat 1: 1/1/1). */
static int expected_importance(int c, int i, int a)
{
    for (int n = 3; n >= 1; n--)
        if (c == n || i == n || a == n)
            return n;
    return 0;
}

static int expected_likelihood(int t, int v)
{
    return t + v - 3 > 1 ? t + v - 3 : 1;
}

static enum mm_risk_level expected_level(int value)
{
    switch (value) {
    case 9:
    case 6:
        return MM_RISK_HIGH;
    case 4:
        return MM_RISK_MEDIUM;
    case 3:
    case 2:
    case 1:
        return MM_RISK_LOW;
    default:
        fail_msg("impossible risk value %d", value);
        return MM_RISK_INVALID;
    }
}

/* The issue asks for "the risk table for all 81 rating combinations". We go
 * further and run every one of the 3^5 = 243 (C, I, A, threat,
 * vulnerability) combinations, which contains every 3^4 = 81 combination of
 * any four of the ratings and every one of the 27 (importance, threat,
 * vulnerability) cells of the risk table; each cell is checked against the
 * literal table below as well as against the independent formulas. */
static void test_risk_table_all_81_combinations_via_all_243_ratings(void **state)
{
    (void)state;
    /* risk[importance-1][threat-1][vulnerability-1], as the method defines it */
    static const int risk_table[3][3][3] = {
        {{1, 1, 1}, {1, 1, 2}, {1, 2, 3}},
        {{2, 2, 2}, {2, 2, 4}, {2, 4, 6}},
        {{3, 3, 3}, {3, 3, 6}, {3, 6, 9}},
    };
    int seen_cells[3][3][3] = {{{0}}};
    size_t combos = 0, per_level[4] = {0};
    for (int c = 1; c <= 3; c++)
        for (int i = 1; i <= 3; i++)
            for (int a = 1; a <= 3; a++)
                for (int t = 1; t <= 3; t++)
                    for (int v = 1; v <= 3; v++) {
                        int imp = mm_risk_importance(c, i, a);
                        int lik = mm_risk_likelihood(t, v);
                        int risk = mm_risk_value(imp, lik);
                        assert_int_equal(imp, expected_importance(c, i, a));
                        assert_int_equal(lik, expected_likelihood(t, v));
                        assert_int_equal(risk, imp * lik);
                        assert_int_equal(risk, risk_table[imp - 1][t - 1][v - 1]);
                        assert_int_equal(mm_risk_level_of(risk), expected_level(risk));
                        seen_cells[imp - 1][t - 1][v - 1]++;
                        per_level[mm_risk_level_of(risk)]++;
                        combos++;
                    }
    assert_int_equal(combos, 243);
    /* every (importance, threat, vulnerability) cell is reached: 27 cells, and
     * importance n comes from 3^3 - (n-1)^3 C/I/A triples (1, 7, 19) */
    static const int triples[3] = {1, 7, 19};
    for (int n = 0; n < 3; n++)
        for (int t = 0; t < 3; t++)
            for (int v = 0; v < 3; v++)
                assert_int_equal(seen_cells[n][t][v], triples[n]);
    /* high: (imp 2, lik 3) 7 + (imp 3, lik 2 or 3) 19*3 = 64; medium: imp 2, lik 2: 14 */
    assert_int_equal(per_level[MM_RISK_HIGH], 64);
    assert_int_equal(per_level[MM_RISK_MEDIUM], 14);
    assert_int_equal(per_level[MM_RISK_LOW], 243 - 64 - 14);
}

static void test_method_edges(void **state)
{
    (void)state;
    assert_int_equal(mm_risk_importance(0, 1, 1), 0);
    assert_int_equal(mm_risk_importance(1, 4, 1), 0);
    assert_int_equal(mm_risk_likelihood(0, 3), 0);
    assert_int_equal(mm_risk_likelihood(3, 4), 0);
    assert_int_equal(mm_risk_value(0, 3), 0);
    assert_int_equal(mm_risk_value(3, 4), 0);
    assert_int_equal(mm_risk_level_of(0), MM_RISK_INVALID);
    assert_int_equal(mm_risk_level_of(10), MM_RISK_INVALID);
    assert_string_equal(mm_risk_level_code(MM_RISK_HIGH), "high");
    assert_string_equal(mm_risk_level_code(MM_RISK_MEDIUM), "medium");
    assert_string_equal(mm_risk_level_code(MM_RISK_LOW), "low");
    assert_string_equal(mm_risk_level_code(MM_RISK_INVALID), "");
    assert_string_equal(mm_risk_col_id(MM_RISK_COL_VULNERABILITY), "vulnerability");
}

/* ---- reading inventories ---- */

#define EN_HEADER                                                                                  \
    "asset,owner,location,medium,confidentiality,integrity,availability,threat,vulnerability"

static const char small_inventory[] = EN_HEADER ",notes\n"
                                                "PC,Me,Desk,Device,1,1,1,1,1,n1\n"
                                                "List,Sales,NAS,Data,3,2,2,3,2,\"a, b\"\n"
                                                "Web,Owner,Cloud,Cloud,2,2,2,3,2,\n"
                                                "Plan,Eng,Share,Data,2,3,1,2,2,\n"
                                                "Mail,All,Cloud,Cloud,2,3,2,3,2,=1+1\n";

static struct mm_risk_sheet *parse_ok(const char *text, const struct mm_risk_options *opt)
{
    struct mm_risk_sheet *s = NULL;
    struct mm_risk_error e;
    int r = mm_risk_parse(text, strlen(text), opt, &s, &e);
    if (r != 0)
        print_error("unexpected error %d kind %d at %zu:%zu\n", r, e.kind, e.line, e.column);
    assert_int_equal(r, 0);
    return s;
}

static void assert_order(const struct mm_risk_sheet *s, const char *const *assets, size_t n)
{
    assert_int_equal(s->nrows, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(s->rows[i].text[MM_RISK_COL_ASSET], assets[i]);
}

static void test_parse_and_sort(void **state)
{
    (void)state;
    struct mm_risk_sheet *s = parse_ok(small_inventory, NULL);
    /* List and Mail tie at 6 and keep their input order */
    const char *order[] = {"List", "Mail", "Web", "Plan", "PC"};
    assert_order(s, order, 5);
    const struct mm_risk_row *list = &s->rows[0];
    assert_int_equal(list->line, 3);
    assert_int_equal(list->order, 1);
    assert_int_equal(list->importance, 3);
    assert_int_equal(list->likelihood, 2);
    assert_int_equal(list->value, 6);
    assert_int_equal(list->level, MM_RISK_HIGH);
    assert_true(list->treat);
    assert_int_equal(s->rows[2].value, 4); /* Web: medium, treated by default */
    assert_true(s->rows[2].treat);
    assert_int_equal(s->rows[3].value, 3); /* Plan: low, accepted */
    assert_false(s->rows[3].treat);
    assert_int_equal(s->accept_below, MM_RISK_DEFAULT_ACCEPT_BELOW);
    assert_int_equal(s->nextra, 1);
    struct mm_risk_counts n;
    mm_risk_count(s, &n);
    assert_int_equal(n.high, 2);
    assert_int_equal(n.medium, 1);
    assert_int_equal(n.low, 2);
    assert_int_equal(n.treat, 3);
    assert_int_equal(n.accept, 2);
    mm_risk_sheet_free(s);
    mm_risk_sheet_free(NULL);
}

static void test_accept_below(void **state)
{
    (void)state;
    int thresholds[] = {1, 2, 4, 5, 7, 10};
    size_t treated[] = {5, 4, 3, 2, 0, 0};
    for (size_t k = 0; k < 6; k++) {
        struct mm_risk_options o = {.accept_below = thresholds[k]};
        struct mm_risk_sheet *s = parse_ok(small_inventory, &o);
        struct mm_risk_counts n;
        mm_risk_count(s, &n);
        assert_int_equal(n.treat, treated[k]);
        assert_int_equal(n.accept, 5 - treated[k]);
        mm_risk_sheet_free(s);
    }
    struct mm_risk_sheet *s = (void *)1;
    struct mm_risk_error e;
    struct mm_risk_options o = {.accept_below = 11};
    assert_int_equal(mm_risk_parse(small_inventory, strlen(small_inventory), &o, &s, &e),
                     MM_EINVAL);
    assert_null(s);
    assert_int_equal(e.kind, MM_RISK_ERR_ACCEPT_BELOW);
    o.accept_below = -1;
    assert_int_equal(mm_risk_parse(small_inventory, strlen(small_inventory), &o, &s, &e),
                     MM_EINVAL);
}

static void test_japanese_headers_any_order(void **state)
{
    (void)state;
    /* full-width spaces, notes in brackets, '・' for '/', columns shuffled,
     * full-width digits, a blank row of empty cells, an extra column */
    const char *text =
        "脆弱性,\xe3\x80\x80資産名\xe3\x80\x80,管理者・利用者,機密性（1〜3）,完全性 (1-3),"
        "可用性,脅威の発生頻度,保管場所,媒体,備考\r\n"
        "３,顧客名簿,営業部,3,2,2,3,事務所,電子データ,メモ\r\n"
        ",,,,,,,,,\r\n"
        " 1 ,見積書,経理,1,2,1,1,棚,紙,\r\n";
    struct mm_risk_sheet *s = parse_ok(text, NULL);
    assert_int_equal(s->nrows, 2);
    assert_string_equal(s->rows[0].text[MM_RISK_COL_ASSET], "顧客名簿");
    assert_string_equal(s->rows[0].text[MM_RISK_COL_OWNER], "営業部");
    assert_string_equal(s->rows[0].text[MM_RISK_COL_LOCATION], "事務所");
    assert_string_equal(s->rows[0].text[MM_RISK_COL_MEDIUM], "電子データ");
    assert_int_equal(s->rows[0].rating[4], 3);
    assert_int_equal(s->rows[0].value, 9);
    assert_int_equal(s->rows[1].line, 4);
    assert_int_equal(s->rows[1].value, 2);
    assert_int_equal(s->nextra, 1);
    assert_int_equal(s->extra_field[0], 9);
    mm_risk_sheet_free(s);

    /* one-letter English aliases, upper case, and a trailing empty column */
    text = "Asset Name,Owner/User,Storage_Location,MEDIA,C,I,A,Threat Level,Vulnerability,\n"
           "x,y,z,w,1,1,3,3,3,\n";
    s = parse_ok(text, NULL);
    assert_int_equal(s->rows[0].value, 9);
    assert_int_equal(s->nextra, 0);
    mm_risk_sheet_free(s);

    /* ratings written as the levels: 低/中/高, low/medium/high in any case */
    text = "資産名,管理者,保管場所,媒体,機密性,完全性,可用性,脅威,脆弱性\n"
           "名簿,営業,NAS,電子,高,中,低, High ,MEDIUM\n"
           "棚,経理,棚,紙,low,1,２,中,高\n";
    s = parse_ok(text, NULL);
    const int want[2][5] = {{3, 2, 1, 3, 2}, {1, 1, 2, 2, 3}};
    for (size_t r = 0; r < 2; r++)
        for (size_t c = 0; c < 5; c++)
            assert_int_equal(s->rows[r].rating[c], want[r][c]);
    mm_risk_sheet_free(s);
    struct mm_risk_error e;
    s = (void *)1;
    text = "資産名,管理者,保管場所,媒体,機密性,完全性,可用性,脅威,脆弱性\n"
           "名簿,営業,NAS,電子,高い,1,1,1,1\n";
    assert_int_equal(mm_risk_parse(text, strlen(text), NULL, &s, &e), MM_EPARSE);
    assert_int_equal(e.kind, MM_RISK_ERR_RATING_NAN);
}

/* Our own CSV output read back: computed columns are dropped and computed
 * again, the extra column survives, values are unchanged. */
static void test_round_trip(void **state)
{
    (void)state;
    struct mm_risk_sheet *s = parse_ok(small_inventory, NULL);
    for (int lang = MM_LANG_EN; lang <= MM_LANG_JA; lang++) {
        struct mm_buf b = MM_BUF_INIT;
        assert_int_equal(mm_risk_write_csv(s, (enum mm_lang)lang, true, &b), 0);
        struct mm_risk_sheet *again = parse_ok(mm_buf_str(&b), NULL);
        assert_int_equal(again->nrows, s->nrows);
        assert_int_equal(again->nextra, 1);
        for (size_t i = 0; i < s->nrows; i++) {
            assert_string_equal(again->rows[i].text[0], s->rows[i].text[0]);
            assert_int_equal(again->rows[i].value, s->rows[i].value);
        }
        mm_risk_sheet_free(again);
        mm_buf_free(&b);
    }
    mm_risk_sheet_free(s);
}

/* ---- errors, with their exact messages ---- */

struct error_case {
    const char *text;
    int code;
    enum mm_risk_errkind kind;
    size_t line, column;
    const char *en, *ja;
};

static void check_error(const struct error_case *c)
{
    struct mm_risk_sheet *s = (void *)1;
    struct mm_risk_error e;
    int r = mm_risk_parse(c->text, strlen(c->text), NULL, &s, &e);
    assert_int_equal(r, c->code);
    assert_null(s);
    assert_int_equal(e.kind, c->kind);
    assert_int_equal(e.line, c->line);
    assert_int_equal(e.column, c->column);
    for (int lang = MM_LANG_EN; lang <= MM_LANG_JA; lang++) {
        struct mm_buf m = MM_BUF_INIT;
        assert_int_equal(mm_risk_error_message(&e, (enum mm_lang)lang, &m), 0);
        assert_string_equal(mm_buf_str(&m), lang == MM_LANG_EN ? c->en : c->ja);
        mm_buf_free(&m);
    }
}

static void test_errors(void **state)
{
    (void)state;
    static const struct error_case cases[] = {
        {EN_HEADER "\nPC,Me,Desk,Device,4,1,1,1,1\n", MM_ERANGE, MM_RISK_ERR_RATING_RANGE, 2, 5,
         "line 2, column 5 (confidentiality): \"4\" is out of range; "
         "enter the whole number 1, 2 or 3 in each rating cell (or low, medium, high; no "
         "decimals).",
         "2 行目 5 列目（「confidentiality」）: 「4」は範囲外です。"
         "評価の欄には 1・2・3 のどれかの整数を入れてください（低・中・高 "
         "とも書けます。小数は使えません）。"},
        {EN_HEADER "\nPC,Me,Desk,Device,1,1,1,0,1\n", MM_ERANGE, MM_RISK_ERR_RATING_RANGE, 2, 8,
         "line 2, column 8 (threat): \"0\" is out of range; "
         "enter the whole number 1, 2 or 3 in each rating cell (or low, medium, high; no "
         "decimals).",
         "2 行目 8 列目（「threat」）: 「0」は範囲外です。"
         "評価の欄には 1・2・3 のどれかの整数を入れてください（低・中・高 "
         "とも書けます。小数は使えません）。"},
        {EN_HEADER "\nPC,Me,Desk,Device,1,1,1,1,-2\n", MM_ERANGE, MM_RISK_ERR_RATING_RANGE, 2, 9,
         "line 2, column 9 (vulnerability): \"-2\" is out of range; "
         "enter the whole number 1, 2 or 3 in each rating cell (or low, medium, high; no "
         "decimals).",
         "2 行目 9 列目（「vulnerability」）: 「-2」は範囲外です。"
         "評価の欄には 1・2・3 のどれかの整数を入れてください（低・中・高 "
         "とも書けます。小数は使えません）。"},
        {EN_HEADER "\nPC,Me,Desk,Device,1,very high,1,1,1\n", MM_EPARSE, MM_RISK_ERR_RATING_NAN, 2,
         6,
         "line 2, column 6 (integrity): \"very high\" is not a rating; "
         "enter the whole number 1, 2 or 3 in each rating cell (or low, medium, high; no "
         "decimals).",
         "2 行目 6 列目（「integrity」）: 「very high」は評価として使えません。"
         "評価の欄には 1・2・3 のどれかの整数を入れてください（低・中・高 "
         "とも書けます。小数は使えません）。"},
        {EN_HEADER "\nPC,Me,Desk,Device,1,1,2.5,1,1\n", MM_EPARSE, MM_RISK_ERR_RATING_NAN, 2, 7,
         "line 2, column 7 (availability): \"2.5\" is not a rating; "
         "enter the whole number 1, 2 or 3 in each rating cell (or low, medium, high; no "
         "decimals).",
         "2 行目 7 列目（「availability」）: 「2.5」は評価として使えません。"
         "評価の欄には 1・2・3 のどれかの整数を入れてください（低・中・高 "
         "とも書けます。小数は使えません）。"},
        {EN_HEADER "\nPC,Me,Desk,Device,1,1,1.0,1,1\n", MM_EPARSE, MM_RISK_ERR_RATING_NAN, 2, 7,
         "line 2, column 7 (availability): \"1.0\" is not a rating; "
         "enter the whole number 1, 2 or 3 in each rating cell (or low, medium, high; no "
         "decimals).",
         "2 行目 7 列目（「availability」）: 「1.0」は評価として使えません。"
         "評価の欄には 1・2・3 のどれかの整数を入れてください（低・中・高 "
         "とも書けます。小数は使えません）。"},
        {EN_HEADER "\nPC,Me,Desk,Device,1,1, ,1,1\n", MM_EPARSE, MM_RISK_ERR_RATING_EMPTY, 2, 7,
         "line 2, column 7 (availability): the rating is empty; enter the whole number 1, 2 or 3 "
         "in each rating cell (or low, medium, high; no decimals).",
         "2 行目 7 列目（「availability」）: 評価が空です。"
         "評価の欄には 1・2・3 のどれかの整数を入れてください（低・中・高 "
         "とも書けます。小数は使えません）。"},
        {EN_HEADER "\n,Me,Desk,Device,1,1,1,1,1\n", MM_EPARSE, MM_RISK_ERR_EMPTY_ASSET, 2, 1,
         "line 2, column 1 (asset): the asset name is empty; name each asset, or delete the rows "
         "that are not assets.",
         "2 行目 1 列目（「asset」）: 資産名が空です。資産の名前を入れるか、資産でない行は行ごと"
         "削除してください。"},
        {EN_HEADER "\nok,Me,Desk,Device,1,1,1,1,1\n\nPC,Me,Desk\n", MM_EPARSE,
         MM_RISK_ERR_SHORT_ROW, 4, 4,
         "line 4, column 4 (medium): the row ends before the \"medium\" column; fill in the "
         "missing "
         "cells.",
         "4 行目 4 列目（「medium」）: この行は「媒体」の列まで届いていません。足りないセルに値を"
         "入れてください。"},
        {EN_HEADER "\nPC,Me,Desk,Device,1,1,1,1,1,,stray\n", MM_EPARSE, MM_RISK_ERR_EXTRA_FIELD, 2,
         11,
         "line 2, column 11: the value \"stray\" is in a column without a heading; give every "
         "column that holds values a heading, or delete those values.",
         "2 行目 11 列目: 見出しのない列に値「stray」があります。値のある列には見出しを"
         "付けるか、その値を消してください。"},
        {"asset,owner,location,medium,C,I,A,threat\nPC,Me,Desk,Device,1,1,1,1\n", MM_EPARSE,
         MM_RISK_ERR_MISSING_COLUMN, 1, 0,
         "line 1: the required column \"vulnerability\" is missing; head it with one of: "
         "vulnerability, vulnerabilities, vulnerability level, 脆弱性, 脆弱性の大きさ, "
         "脆弱性レベル",
         "1 行目: 必要な列「脆弱性」が見つかりません。見出しには次のどれかを使ってください: "
         "vulnerability、vulnerabilities、vulnerability level、脆弱性、脆弱性の大きさ、脆弱性"
         "レベル"},
        {EN_HEADER ",機密性\nPC,Me,Desk,Device,1,1,1,1,1,1\n", MM_EPARSE,
         MM_RISK_ERR_DUPLICATE_COLUMN, 1, 10,
         "line 1: the \"confidentiality\" column appears more than once (column 5 "
         "\"confidentiality\" and column 10 \"機密性\"); keep only one of them.",
         "1 行目: 「機密性」の列が重複しています（5 列目の「confidentiality」と 10 "
         "列目の「機密性」）"
         "。どちらか 1 つにしてください。"},
        /* no heading at all (a wrong file, or data on line 1): one short message */
        {"date,amount,memo\n2026-01-01,300,x\n", MM_EPARSE, MM_RISK_ERR_NO_HEADINGS, 1, 0,
         "line 1: none of the headings an asset list needs is here (is this the right file?); "
         "the first line must hold the column headings: asset, owner, location, medium, "
         "confidentiality, integrity, availability, threat, vulnerability (\"mamori risk "
         "--template\" writes an example).",
         "1 行目: 資産一覧に必要な見出しが 1 つもありません（別のファイルではありませんか）。1 "
         "行目には列の見出しとして次のものを書いてください: 資産名、管理者/利用者、保管場所、"
         "媒体、機密性、完全性、可用性、脅威、脆弱性（「mamori risk --template」でひな形を作れ"
         "ます）。"},
        {EN_HEADER "\r\n,,,,,,,,\r\n", MM_EPARSE, MM_RISK_ERR_NO_ROWS, 1, 0,
         "line 1: there are no asset rows; write one asset per line below the headings.",
         "1 行目: 資産の行がありません。見出しの下に、資産を 1 行に 1 つずつ書いてください。"},
        {EN_HEADER "\nPC,\"Me\"x,Desk,Device,1,1,1,1,1\n", MM_EPARSE, MM_RISK_ERR_CSV, 2, 2,
         "line 2, column 2 (owner): a quotation mark (\") is misplaced; a cell holding \" or a "
         "comma must be wrapped in \" as a whole, with each \" inside written twice (\"\").",
         "2 行目 2 列目（「owner」）: 引用符（\"）の使い方が正しくありません。セルの中で \" やコ"
         "ンマを使うときは、セル全体を \" で囲み、中の \" は \"\" と 2 つ重ねてください。"},
        {EN_HEADER "\nPC,Me,\"Desk\n", MM_EPARSE, MM_RISK_ERR_CSV, 2, 3,
         "line 2, column 3 (location): a cell opened with a quotation mark (\") is never closed "
         "before the end of the file; add the closing \".",
         "2 行目 3 列目（「location」）: 引用符（\"）で始まったセルが閉じられないまま、ファイルが"
         "終わっています。閉じる \" を補ってください。"},
        {EN_HEADER "\nPC,Me,Desk,\xff,1,1,1,1,1\n", MM_EENCODING, MM_RISK_ERR_CSV, 2, 4,
         "line 2, column 4 (medium): it holds bytes that are neither UTF-8 nor CP932 "
         "(Shift_JIS); save it again in Excel as \"CSV UTF-8 (Comma delimited)\".",
         "2 行目 4 列目（「medium」）: UTF-8 としても CP932（Shift_JIS）としても読めない文字が"
         "あります。Excel で「CSV UTF-8（コンマ区切り）」を選んで保存し直してください。"},
        {"", MM_EPARSE, MM_RISK_ERR_CSV, 0, 0,
         "the file is empty; put the column headings on line 1 and one asset per line below "
         "them (\"mamori risk --template\" writes an example).",
         "ファイルが空です。1 行目に列の見出しを、2 行目から資産を 1 行に 1 つずつ書いてくださ"
         "い（「mamori risk --template」でひな形を作れます）。"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_error(&cases[i]);
}

/* Every problem of every row is kept (not only the first), in the order of
 * the file; the first is the error itself; rows that are fine do not count. */
static void test_every_row_problem(void **state)
{
    (void)state;
    static const char text[] = EN_HEADER "\nPC,Me,Desk,Device,4,1,1,1,1\n"      /* line 2 */
                                         ",Me,Desk,Device,1,x,1,1,1\n"          /* line 3 */
                                         "OK,Me,Desk,Device,1,1,1,1,1\n"        /* line 4: fine */
                                         "Fax,Me\n"                             /* line 5 */
                                         "Web,Me,Cloud,Data,1,1,,1,1,,stray\n"; /* line 6 */
    static const struct {
        enum mm_risk_errkind kind;
        size_t line, column;
        const char *reason, *step;
    } want[] = {
        {MM_RISK_ERR_RATING_RANGE, 2, 5,
         "line 2, column 5 (confidentiality): \"4\" is out of range.", "step.risk.rating"},
        {MM_RISK_ERR_EMPTY_ASSET, 3, 1, "line 3, column 1 (asset): the asset name is empty.",
         "step.risk.empty_asset"},
        {MM_RISK_ERR_RATING_NAN, 3, 6, "line 3, column 6 (integrity): \"x\" is not a rating.",
         "step.risk.rating"},
        {MM_RISK_ERR_SHORT_ROW, 5, 3,
         "line 5, column 3 (location): the row ends before the \"location\" column.",
         "step.risk.short_row"},
        {MM_RISK_ERR_RATING_EMPTY, 6, 7, "line 6, column 7 (availability): the rating is empty.",
         "step.risk.rating"},
        {MM_RISK_ERR_EXTRA_FIELD, 6, 11,
         "line 6, column 11: the value \"stray\" is in a column without a heading.",
         "step.risk.extra_field"},
    };
    struct mm_risk_sheet *s = (void *)1;
    struct mm_risk_error e, one;
    assert_int_equal(mm_risk_parse(text, strlen(text), NULL, &s, &e), MM_ERANGE);
    assert_null(s);
    assert_int_equal(e.kind, MM_RISK_ERR_RATING_RANGE);
    assert_int_equal(e.line, 2);
    size_t listed, total, n = sizeof want / sizeof want[0];
    mm_risk_error_counts(&e, &listed, &total);
    assert_int_equal(listed, n);
    assert_int_equal(total, n);
    for (size_t i = 0; i < n; i++) {
        struct mm_buf m = MM_BUF_INIT;
        mm_risk_error_nth(&e, i, &one);
        assert_int_equal(one.kind, want[i].kind);
        assert_int_equal(one.line, want[i].line);
        assert_int_equal(one.column, want[i].column);
        assert_int_equal(mm_risk_error_reason(&one, MM_LANG_EN, &m), 0);
        assert_string_equal(mm_buf_str(&m), want[i].reason);
        assert_string_equal(mm_risk_error_step_id(&one), want[i].step);
        mm_buf_free(&m);
    }
    /* Japanese: the reason ends in 。, the step is a sentence of its own */
    struct mm_buf m = MM_BUF_INIT;
    mm_risk_error_nth(&e, 1, &one);
    assert_int_equal(mm_risk_error_reason(&one, MM_LANG_JA, &m), 0);
    assert_string_equal(mm_buf_str(&m), "3 行目 1 列目（「asset」）: 資産名が空です。");
    mm_buf_reset(&m);
    assert_int_equal(mm_risk_error_step(&one, MM_LANG_JA, &m), 0);
    assert_string_equal(mm_buf_str(&m),
                        "資産の名前を入れるか、資産でない行は行ごと削除してください。");
    mm_buf_free(&m);
}

/* Every problem of the heading row is kept in one reading: each duplicate
 * (with the column it repeats), then each missing column; the rows below are
 * not read; the step after the list names every missing column with its
 * accepted headings. */
static void test_every_heading_problem(void **state)
{
    (void)state;
    static const char text[] = "asset,owner,location,medium,C,I,A,name,owner\n"
                               "PC,Me,Desk,Device,9,1,1,PC,Me\n";
    static const struct {
        enum mm_risk_errkind kind;
        size_t column, other;
        enum mm_risk_col col;
        const char *reason;
    } want[] = {
        {MM_RISK_ERR_DUPLICATE_COLUMN, 8, 1, MM_RISK_COL_ASSET,
         "line 1: the \"asset\" column appears more than once (column 1 \"asset\" and column 8 "
         "\"name\")."},
        {MM_RISK_ERR_DUPLICATE_COLUMN, 9, 2, MM_RISK_COL_OWNER,
         "line 1: the \"owner\" column appears more than once (column 2 \"owner\" and column 9 "
         "\"owner\")."},
        {MM_RISK_ERR_MISSING_COLUMN, 0, 0, MM_RISK_COL_THREAT,
         "line 1: the required column \"threat\" is missing."},
        {MM_RISK_ERR_MISSING_COLUMN, 0, 0, MM_RISK_COL_VULNERABILITY,
         "line 1: the required column \"vulnerability\" is missing."},
    };
    struct mm_risk_sheet *s = (void *)1;
    struct mm_risk_error e, one;
    assert_int_equal(mm_risk_parse(text, strlen(text), NULL, &s, &e), MM_EPARSE);
    assert_null(s);
    assert_int_equal(e.kind, MM_RISK_ERR_DUPLICATE_COLUMN);
    assert_int_equal(e.other_column, 1);
    assert_int_equal(e.missing_cols, 1u << MM_RISK_COL_THREAT | 1u << MM_RISK_COL_VULNERABILITY);
    size_t listed, total, n = sizeof want / sizeof want[0];
    mm_risk_error_counts(&e, &listed, &total);
    assert_int_equal(listed, n);
    assert_int_equal(total, n);
    struct mm_buf m = MM_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        mm_risk_error_nth(&e, i, &one);
        assert_int_equal(one.kind, want[i].kind);
        assert_int_equal(one.line, 1);
        assert_int_equal(one.column, want[i].column);
        assert_int_equal(one.other_column, want[i].other);
        assert_int_equal(one.col, want[i].col);
        mm_buf_reset(&m);
        assert_int_equal(mm_risk_error_reason(&one, MM_LANG_EN, &m), 0);
        assert_string_equal(mm_buf_str(&m), want[i].reason);
    }
    /* the steps after the list: one for the duplicates, one for every
     * missing column (the same step id for both missing ones) */
    mm_risk_error_nth(&e, 0, &one);
    mm_buf_reset(&m);
    assert_int_equal(mm_risk_error_step(&one, MM_LANG_EN, &m), 0);
    assert_string_equal(mm_buf_str(&m),
                        "keep only one of each column that appears more than once.");
    struct mm_risk_error last;
    mm_risk_error_nth(&e, 2, &one);
    mm_risk_error_nth(&e, 3, &last);
    assert_string_equal(mm_risk_error_step_id(&one), mm_risk_error_step_id(&last));
    mm_buf_reset(&m);
    assert_int_equal(mm_risk_error_step(&one, MM_LANG_JA, &m), 0);
    assert_string_equal(
        mm_buf_str(&m),
        "見つからない列の見出しには、列ごとに次のどれかを使ってください。"
        "「脅威」: threat、threats、threat level、脅威、脅威の大きさ、脅威の発生頻度、脅威レベル。"
        "「脆弱性」: vulnerability、vulnerabilities、vulnerability level、脆弱性、"
        "脆弱性の大きさ、脆弱性レベル");
    mm_buf_free(&m);
}

/* A heading row with fewer than MM_RISK_MIN_HEADINGS of the nine columns is
 * not taken for an asset list: one message naming the headings it has (a
 * duplicate not among them) and the nine it needs, not a list of the missing
 * columns; with five the missing ones are listed as before. */
static void test_too_few_headings(void **state)
{
    (void)state;
    static const struct error_case one = {
        "name,kind,value\nPC,laptop,3\n",
        MM_EPARSE,
        MM_RISK_ERR_NO_HEADINGS,
        1,
        0,
        "line 1: of the nine headings an asset list needs, this line has only \"name\" for the "
        "asset column (is this the right file?); the first line must hold the column headings: "
        "asset, owner, location, medium, confidentiality, integrity, availability, threat, "
        "vulnerability (\"mamori risk --template\" writes an example).",
        "1 行目: 資産一覧に必要な 9 つの見出しのうち、この行にあるのは「name」（資産名の列）だけ"
        "です（別のファイルではありませんか）。1 行目には列の見出しとして次のものを書いてくださ"
        "い: 資産名、管理者/利用者、保管場所、媒体、機密性、完全性、可用性、脅威、脆弱性（「mamori "
        "risk --template」でひな形を作れます）。"};
    check_error(&one);
    static const char four[] = "資産名,資産,C,備考,I,脅威\nPC,PC,1,x,1,1\n";
    struct mm_risk_sheet *s = (void *)1;
    struct mm_risk_error e;
    assert_int_equal(mm_risk_parse(four, strlen(four), NULL, &s, &e), MM_EPARSE);
    assert_int_equal(e.kind, MM_RISK_ERR_NO_HEADINGS);
    assert_int_equal(e.nfound, 4);
    assert_int_equal(e.found[1].col, MM_RISK_COL_CONFIDENTIALITY);
    assert_int_equal(e.found[1].column, 3);
    assert_int_equal(e.found[3].column, 6);
    size_t listed, total;
    mm_risk_error_counts(&e, &listed, &total);
    assert_int_equal(total, 1);
    struct mm_buf m = MM_BUF_INIT;
    assert_int_equal(mm_risk_error_reason(&e, MM_LANG_JA, &m), 0);
    assert_string_equal(mm_buf_str(&m),
                        "1 行目: 資産一覧に必要な 9 つの見出しのうち、この行にあるのは「資産名」"
                        "（資産名の列）、「C」（機密性の列）、「I」（完全性の列）と「脅威」（脅威"
                        "の列）だけです（別のファイルではありませんか）。");
    mm_buf_reset(&m);
    assert_int_equal(mm_risk_error_reason(&e, MM_LANG_EN, &m), 0);
    assert_string_equal(mm_buf_str(&m),
                        "line 1: of the nine headings an asset list needs, this line has only "
                        "\"資産名\" for the asset column, \"C\" for the confidentiality column, "
                        "\"I\" for the integrity column and \"脅威\" for the threat column (is "
                        "this the right file?).");
    mm_buf_free(&m);
    static const char five[] = "asset,owner,C,I,A\nPC,Me,1,1,1\n";
    assert_int_equal(mm_risk_parse(five, strlen(five), NULL, &s, &e), MM_EPARSE);
    assert_int_equal(e.kind, MM_RISK_ERR_MISSING_COLUMN);
    mm_risk_error_counts(&e, &listed, &total);
    assert_int_equal(total, 4);
}

/* Past MM_RISK_ERRORS_MAX problems the rest are counted, not kept; an error
 * that is not about the rows is listed alone. */
static void test_row_problems_limit(void **state)
{
    (void)state;
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_buf_puts(&b, EN_HEADER "\n"), 0);
    for (int i = 0; i < 30; i++)
        assert_int_equal(mm_buf_printf(&b, "a%d,o,l,m,1,1,1,%s,1\n", i, i % 2 ? "9" : "z"), 0);
    struct mm_risk_sheet *s = NULL;
    struct mm_risk_error e, one;
    assert_int_equal(mm_risk_parse(b.data, b.len, NULL, &s, &e), MM_EPARSE);
    assert_int_equal(e.kind, MM_RISK_ERR_RATING_NAN);
    size_t listed, total;
    mm_risk_error_counts(&e, &listed, &total);
    assert_int_equal(listed, MM_RISK_ERRORS_MAX);
    assert_int_equal(total, 30);
    mm_risk_error_nth(&e, MM_RISK_ERRORS_MAX - 1, &one);
    assert_int_equal(one.line, MM_RISK_ERRORS_MAX + 1);
    assert_int_equal(one.kind, MM_RISK_ERR_RATING_RANGE);
    assert_int_equal(mm_risk_parse(EN_HEADER "\n", strlen(EN_HEADER "\n"), NULL, &s, &e),
                     MM_EPARSE);
    assert_int_equal(e.kind, MM_RISK_ERR_NO_ROWS);
    mm_risk_error_counts(&e, &listed, &total);
    assert_int_equal(listed, 1);
    assert_int_equal(total, 1);
    mm_risk_error_nth(&e, 0, &one);
    assert_int_equal(one.kind, MM_RISK_ERR_NO_ROWS);
    assert_string_equal(mm_risk_error_step_id(&one), "step.risk.no_rows");
    mm_buf_free(&b);
}

/* Problems of a kind found only past MM_RISK_ERRORS_MAX are kept once each
 * for their step: 20 empty asset names, then 5 bad ratings. */
static void test_unlisted_kinds(void **state)
{
    (void)state;
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_buf_puts(&b, EN_HEADER "\n"), 0);
    for (int i = 0; i < 25; i++)
        assert_int_equal(
            mm_buf_printf(&b, "%s,o,l,m,1,1,1,%s,1\n", i < 20 ? "" : "a", i < 20 ? "1" : "9"), 0);
    struct mm_risk_sheet *s = NULL;
    struct mm_risk_error e, one;
    assert_int_equal(mm_risk_parse(b.data, b.len, NULL, &s, &e), MM_EPARSE);
    size_t listed, total;
    mm_risk_error_counts(&e, &listed, &total);
    assert_int_equal(listed, MM_RISK_ERRORS_MAX);
    assert_int_equal(total, 25);
    assert_int_equal(mm_risk_error_unlisted(&e), 1);
    mm_risk_error_nth(&e, MM_RISK_ERRORS_MAX, &one);
    assert_int_equal(one.kind, MM_RISK_ERR_RATING_RANGE);
    assert_int_equal(one.line, 22);
    assert_string_equal(mm_risk_error_step_id(&one), "step.risk.rating");
    assert_int_equal(mm_risk_error_unlisted(&one), 0);
    mm_buf_free(&b);
}

/* True when text ends with suffix. */
static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), k = strlen(suffix);
    return n >= k && strcmp(text + n - k, suffix) == 0;
}

/* Every message of data/i18n/risk.json is a reason ("error.*": no closing
 * full stop, no next step after it) and a step of its own ("step.*"), as
 * they are said one after the other or in a list; error.csv.io and
 * error.csv.more carried their steps. */
static void test_reasons_and_steps_apart(void **state)
{
    (void)state;
    json_t *doc = NULL;
    assert_int_equal(mm_data_json("i18n/risk.json", &doc), 0);
    const char *key;
    json_t *texts;
    size_t reasons = 0;
    json_object_foreach(doc, key, texts)
    {
        if (strncmp(key, "error.", 6) != 0 || strncmp(key, "error.at.", 9) == 0 ||
            strcmp(key, "error.step") == 0)
            continue;
        const char *ja = json_string_value(json_object_get(texts, "ja"));
        const char *en = json_string_value(json_object_get(texts, "en"));
        assert_non_null(ja);
        assert_non_null(en);
        if (ends_with(ja, "。") || ends_with(en, ".") || ends_with(en, ";"))
            fail_msg("%s ends with a full stop: a reason, its step apart", key);
        const char *stop = strstr(ja, "。");
        if (stop && strstr(stop, "ください"))
            fail_msg("%s says a step after its reason: give it a step.* of its own", key);
        reasons++;
    }
    assert_true(reasons > 20);
    assert_non_null(json_object_get(doc, "step.csv.io"));
    assert_non_null(json_object_get(doc, "step.csv.more"));
    json_decref(doc);
}

/* An error that is not one of the file's (none, or the file unreadable)
 * reads as one plain sentence, with no placeholder left and one full stop. */
static void test_generic_messages(void **state)
{
    (void)state;
    struct mm_risk_error e = {0};
    struct mm_risk_sheet *s = NULL;
    struct mm_buf m = MM_BUF_INIT;
    const char *want[] = {"ファイルを読み込めませんでした。", "the file could not be read."};
    for (int lang = 0; lang < 2; lang++) {
        enum mm_lang l = lang == 0 ? MM_LANG_JA : MM_LANG_EN;
        e = (struct mm_risk_error){0};
        mm_buf_reset(&m);
        assert_int_equal(mm_risk_error_message(&e, l, &m), 0);
        assert_string_equal(mm_buf_str(&m), want[lang]);
        assert_int_not_equal(mm_risk_load_file("/nonexistent/mamori/x.csv", NULL, &s, &e), 0);
        assert_int_equal(e.kind, MM_RISK_ERR_CSV);
        assert_int_equal(e.csv.kind, MM_CSV_ERR_IO);
        mm_buf_reset(&m);
        assert_int_equal(mm_risk_error_message(&e, l, &m), 0);
        assert_string_equal(mm_buf_str(&m), want[lang]);
        mm_buf_reset(&m);
        assert_int_equal(mm_risk_error_reason(&e, l, &m), 0);
        assert_string_equal(mm_buf_str(&m), want[lang]);
        assert_null(mm_risk_error_step_id(&e));
    }
    mm_buf_free(&m);
}

static void test_limits(void **state)
{
    (void)state;
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_buf_puts(&b, EN_HEADER "\n"), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(mm_buf_printf(&b, "a%d,o,l,m,1,1,1,1,1\n", i), 0);
    struct mm_risk_options o = {.max_rows = 3};
    struct mm_risk_sheet *s = NULL;
    struct mm_risk_error e;
    assert_int_equal(mm_risk_parse(b.data, b.len, &o, &s, &e), MM_ELIMIT);
    assert_int_equal(e.line, 5);
    struct mm_buf m = MM_BUF_INIT;
    assert_int_equal(mm_risk_error_message(&e, MM_LANG_EN, &m), 0);
    assert_string_equal(mm_buf_str(&m), "line 5: too many asset rows (the limit is 3); split the "
                                        "inventory into smaller files.");
    o = (struct mm_risk_options){.max_bytes = 20};
    assert_int_equal(mm_risk_parse(b.data, b.len, &o, &s, &e), MM_ETOOBIG);
    mm_buf_reset(&m);
    assert_int_equal(mm_risk_error_message(&e, MM_LANG_EN, &m), 0);
    assert_string_equal(mm_buf_str(&m), "the file is too large (the limit is 16 MiB); split the "
                                        "inventory into smaller files.");
    mm_buf_free(&m);
    mm_buf_free(&b);
}

/* ---- outputs ---- */

static void test_csv_output(void **state)
{
    (void)state;
    struct mm_risk_sheet *s = parse_ok(small_inventory, NULL);
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_risk_write_csv(s, MM_LANG_EN, false, &b), 0);
    assert_string_equal(mm_buf_str(&b),
                        EN_HEADER ",importance,likelihood,risk,level,decision,notes\r\n"
                                  "List,Sales,NAS,Data,3,2,2,3,2,3,2,6,high,treat,\"a, b\"\r\n"
                                  "Mail,All,Cloud,Cloud,2,3,2,3,2,3,2,6,high,treat,'=1+1\r\n"
                                  "Web,Owner,Cloud,Cloud,2,2,2,3,2,2,2,4,medium,treat,\r\n"
                                  "Plan,Eng,Share,Data,2,3,1,2,2,3,1,3,low,accept,\r\n"
                                  "PC,Me,Desk,Device,1,1,1,1,1,1,1,1,low,accept,n1\r\n");
    mm_buf_reset(&b);
    assert_int_equal(mm_risk_write_csv(s, MM_LANG_JA, true, &b), 0);
    assert_true(strncmp(mm_buf_str(&b),
                        "\xef\xbb\xbf資産名,管理者/利用者,保管場所,媒体,機密性,完全性,可用性,脅威,"
                        "脆弱性,重要度,被害発生可能性,リスク値,リスクの大きさ,対応,notes\r\n"
                        "List,Sales,NAS,Data,3,2,2,3,2,3,2,6,高,対策する,\"a, b\"\r\n",
                        strlen("\xef\xbb\xbf資産名,管理者/利用者,保管場所,媒体,機密性,完全性,可"
                               "用性,脅威,脆弱性,重要度,被害発生可能性,リスク値,リスクの大きさ,対"
                               "応,notes\r\nList,Sales,NAS,Data,3,2,2,3,2,3,2,6,高,対策する,\"a, "
                               "b\"\r\n")) == 0);
    mm_buf_free(&b);
    mm_risk_sheet_free(s);
}

static void test_json_output(void **state)
{
    (void)state;
    struct mm_risk_sheet *s = parse_ok(small_inventory, NULL);
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_risk_write_json(s, MM_LANG_JA, &b), 0);
    json_error_t jerr;
    json_t *doc = json_loads(mm_buf_str(&b), 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "lang")), "ja");
    assert_string_equal(json_string_value(json_object_get(doc, "encoding")), "utf-8");
    assert_int_equal(json_integer_value(json_object_get(doc, "accept_below")), 4);
    json_t *sum = json_object_get(doc, "summary");
    assert_int_equal(json_integer_value(json_object_get(sum, "assets")), 5);
    assert_int_equal(json_integer_value(json_object_get(sum, "high")), 2);
    json_t *first = json_array_get(json_object_get(doc, "assets"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "asset")), "List");
    assert_int_equal(json_integer_value(json_object_get(first, "rank")), 1);
    assert_int_equal(json_integer_value(json_object_get(first, "line")), 3);
    assert_int_equal(json_integer_value(json_object_get(first, "confidentiality")), 3);
    assert_int_equal(json_integer_value(json_object_get(first, "risk")), 6);
    assert_string_equal(json_string_value(json_object_get(first, "level")), "high");
    assert_string_equal(json_string_value(json_object_get(first, "decision")), "treat");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(first, "extra"), "notes")), "a, b");
    json_decref(doc);
    mm_buf_free(&b);
    mm_risk_sheet_free(s);
}

static void test_html_and_text_output(void **state)
{
    (void)state;
    const char *text = EN_HEADER "\n<b>&amp;,\"two\nlines\",x,y,3,3,3,3,3\n";
    struct mm_risk_sheet *s = parse_ok(text, NULL);
    struct mm_buf b = MM_BUF_INIT;
    assert_int_equal(mm_risk_write_html(s, MM_LANG_JA, &b), 0);
    const char *html = mm_buf_str(&b);
    assert_non_null(strstr(html, "<html lang=\"ja\">"));
    assert_non_null(strstr(html, "<h1>情報資産のリスク分析</h1>"));
    assert_non_null(strstr(html, "&lt;b&gt;&amp;amp;"));
    assert_null(strstr(html, "<b>&amp;"));
    assert_non_null(strstr(html, "two<br>lines"));
    assert_non_null(strstr(html, "<tr class=\"risk-high\">"));
    assert_non_null(strstr(html, "9 高</td>"));
    assert_non_null(strstr(html, "id=\"risk-likelihood\""));
    mm_buf_reset(&b);
    assert_int_equal(mm_risk_write_text(s, MM_LANG_EN, &b), 0);
    assert_string_equal(mm_buf_str(&b),
                        "Risk analysis\n"
                        "Assets: 1 (risk high 1, medium 0, low 0); to treat 1, accepted 0\n"
                        "Assets with a risk value below 4 are accepted (no further measures for "
                        "now; the risk is taken knowingly).\n\n"
                        "risk  level  decision  asset\n"
                        "9     high   treat     <b>&amp;\n"
                        "\nThe risk value is importance (the highest of the confidentiality, "
                        "integrity and availability ratings) × likelihood (from the threat and "
                        "vulnerability ratings): 6-9 is high, 4 medium, 1-3 low.\n\n"
                        "What to do next: treat the assets marked \"treat\" from the top, each "
                        "with a person in charge and a deadline (start on the \"high\" ones this "
                        "month). The owner of the business should confirm each \"accept\" and keep "
                        "a dated record of it. \"--format html\" writes a printable report with "
                        "every rating, how the values are worked out and what to do next.\n");
    mm_risk_sheet_free(s);
    /* Control characters in a cell (an ANSI colour sequence, a bell) do not
     * reach the terminal: spaces in the text report. */
    s = parse_ok(EN_HEADER "\n\x1b[31mred\x07,x,y,z,1,1,1,1,1\n", NULL);
    mm_buf_reset(&b);
    assert_int_equal(mm_risk_write_text(s, MM_LANG_EN, &b), 0);
    assert_non_null(strstr(mm_buf_str(&b), "accept    "
                                           " [31mred \n\n"));
    assert_null(strchr(mm_buf_str(&b), '\x1b'));
    mm_risk_sheet_free(s);
    /* Nor do C1 controls (U+0080-U+009F, UTF-8 C2 80-C2 9F; U+009B is CSI
     * on some terminals): one space each. U+00A0 and other letters stay. */
    s = parse_ok(EN_HEADER "\n\xc2\x9b"
                           "31mr\xc2\x80\xc2\x9f\xc2\xa0\xc3\xa9,x,y,z,1,1,1,1,1\n",
                 NULL);
    mm_buf_reset(&b);
    assert_int_equal(mm_risk_write_text(s, MM_LANG_EN, &b), 0);
    assert_non_null(strstr(mm_buf_str(&b), "accept    "
                                           " 31mr  \xc2\xa0\xc3\xa9\n"));
    assert_null(strstr(mm_buf_str(&b), "\xc2\x9b"));
    mm_risk_sheet_free(s);
    /* Nor do bidi controls (U+202E RLO, U+2066 LRI, U+2069 PDI): they
     * would show the rest of the line reversed. U+2029 and kana stay. */
    s = parse_ok(EN_HEADER "\nfile\xe2\x80\xae"
                           "txt.exe\xe2\x81\xa6x\xe2\x81\xa9\xe3\x81\x82,x,y,z,1,1,1,1,1\n",
                 NULL);
    mm_buf_reset(&b);
    assert_int_equal(mm_risk_write_text(s, MM_LANG_EN, &b), 0);
    assert_non_null(strstr(mm_buf_str(&b), " file txt.exe x \xe3\x81\x82\n"));
    assert_null(strstr(mm_buf_str(&b), "\xe2\x80\xae"));
    mm_buf_free(&b);
    mm_risk_sheet_free(s);
}

static void test_template(void **state)
{
    (void)state;
    for (int lang = MM_LANG_EN; lang <= MM_LANG_JA; lang++) {
        struct mm_buf b = MM_BUF_INIT;
        assert_int_equal(mm_risk_write_template((enum mm_lang)lang, lang == MM_LANG_JA, &b), 0);
        const char *t = mm_buf_str(&b);
        assert_int_equal(strncmp(t, "\xef\xbb\xbf", 3) == 0, lang == MM_LANG_JA);
        /* every line break outside the data is CRLF */
        for (size_t i = 0; i < b.len; i++)
            if (t[i] == '\n')
                assert_int_equal(t[i - 1], '\r');
        struct mm_risk_sheet *s = parse_ok(t, NULL);
        struct mm_risk_counts n;
        mm_risk_count(s, &n);
        assert_int_equal(s->nrows, 9);
        assert_int_equal(n.high, 4);
        assert_int_equal(n.medium, 1);
        assert_int_equal(n.low, 4);
        assert_int_equal(s->rows[0].value, 9);
        assert_int_equal(s->nextra, 1);
        /* My Number records carry legal safeguards: the example never accepts their risk */
        size_t my_number = 0;
        for (size_t i = 0; i < s->nrows; i++) {
            const char *asset = s->rows[i].text[MM_RISK_COL_ASSET];
            if (strstr(asset, "マイナンバー") || strstr(asset, "個人番号") ||
                strstr(asset, "My Number")) {
                assert_true(s->rows[i].treat);
                assert_int_equal(s->rows[i].level, MM_RISK_HIGH);
                my_number++;
            }
        }
        assert_int_equal(my_number, 1);
        mm_risk_sheet_free(s);
        mm_buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_risk_table_all_81_combinations_via_all_243_ratings),
        cmocka_unit_test(test_method_edges),
        cmocka_unit_test(test_parse_and_sort),
        cmocka_unit_test(test_accept_below),
        cmocka_unit_test(test_japanese_headers_any_order),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_every_row_problem),
        cmocka_unit_test(test_every_heading_problem),
        cmocka_unit_test(test_too_few_headings),
        cmocka_unit_test(test_row_problems_limit),
        cmocka_unit_test(test_unlisted_kinds),
        cmocka_unit_test(test_generic_messages),
        cmocka_unit_test(test_reasons_and_steps_apart),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_csv_output),
        cmocka_unit_test(test_json_output),
        cmocka_unit_test(test_html_and_text_output),
        cmocka_unit_test(test_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
