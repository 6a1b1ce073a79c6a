/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the desk's rules: ticket categories, labels (the same as
 * the web UI's) and status
 * machine, who may set which ticket status, the incident state machine
 * (every pair), the SLA arithmetic and breach flags, the statistics
 * (medians, per tenant and overall), and the report helpers (Markdown
 * escaping, {{key}} templates, time texts, HTML page), and the monthly
 * report's words (alert category names, English plurals). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/alerts.h"
#include "center/desk.h"
#include "center/incident.h"
#include "center/report.h"
#include "center/stats.h"
#include "core/data.h"
#include "core/error.h"

#define S 1000000LL

static void test_categories(void **state)
{
    (void)state;
    size_t n = 0;
    while (mm_ticket_categories[n])
        n++;
    assert_int_equal(n, 6);
    for (size_t i = 0; i < n; i++) {
        const char *id = mm_ticket_categories[i];
        assert_true(mm_ticket_category_valid(id));
        /* A label exists in both languages (not the key echoed back). */
        assert_string_not_equal(mm_ticket_category_label(id, MM_LANG_JA), id);
        assert_string_not_equal(mm_ticket_category_label(id, MM_LANG_EN), id);
        assert_string_not_equal(mm_ticket_category_label(id, MM_LANG_JA),
                                mm_ticket_category_label(id, MM_LANG_EN));
    }
    assert_false(mm_ticket_category_valid("bogus"));
    assert_false(mm_ticket_category_valid(NULL));
    assert_string_equal(mm_ticket_category_label("suspicious_mail", MM_LANG_JA), "怪しいメール");
}

/* A category has one name everywhere: the web UI's form and lists
 * (ticket.cat.ID in data/web/i18n) say what the centre's reports, mails
 * and API label say (center-desk.json). */
static void test_category_names_match_ui(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        enum mm_lang lang;
    } uis[] = {{"web/i18n/ja.json", MM_LANG_JA}, {"web/i18n/en.json", MM_LANG_EN}};
    for (size_t u = 0; u < sizeof uis / sizeof uis[0]; u++) {
        json_t *ui = NULL;
        assert_int_equal(mm_data_json(uis[u].file, &ui), 0);
        for (size_t i = 0; mm_ticket_categories[i]; i++) {
            char key[64];
            snprintf(key, sizeof key, "ticket.cat.%s", mm_ticket_categories[i]);
            const char *shown = json_string_value(json_object_get(ui, key));
            const char *label = mm_ticket_category_label(mm_ticket_categories[i], uis[u].lang);
            if (!shown || strcmp(shown, label) != 0)
                print_error("%s %s: \"%s\", the centre says \"%s\"\n", uis[u].file, key,
                            shown ? shown : "(none)", label);
            assert_non_null(shown);
            assert_string_equal(shown, label);
        }
        json_decref(ui);
    }
}

static void test_ticket_machine(void **state)
{
    (void)state;
    const enum mm_ticket_status W = MM_TICKET_WAITING, R = MM_TICKET_RESOLVED, C = MM_TICKET_CLOSED;
    /* allowed[from][to] */
    static const bool allowed[4][4] = {
        {false, true, true, true},
        {true, false, true, true},
        {true, false, false, true},
        {false, false, false, false},
    };
    for (int f = 0; f < 4; f++)
        for (int t = 0; t < 4; t++)
            assert_int_equal(mm_ticket_transition_ok(f, t), allowed[f][t]);
    assert_true(mm_ticket_role_may_set(MM_ROLE_ANALYST, W));
    assert_false(mm_ticket_role_may_set(MM_ROLE_OWNER, W));
    assert_false(mm_ticket_role_may_set(MM_ROLE_STAFF, W));
    assert_true(mm_ticket_role_may_set(MM_ROLE_STAFF, R));
    assert_true(mm_ticket_role_may_set(MM_ROLE_OWNER, C));
    enum mm_ticket_status s;
    assert_int_equal(mm_ticket_status_parse("waiting", &s), 0);
    assert_int_equal(s, W);
    assert_int_equal(mm_ticket_status_parse("new", &s), MM_EINVAL);
    assert_string_equal(mm_ticket_status_name(R), "resolved");
}

static void test_incident_machine(void **state)
{
    (void)state;
    enum { T = MM_INCIDENT_TRIAGE, RM, ON, RC, CL };
    static const bool allowed[5][5] = {
        /* to: triage remote onsite recovery closed */
        {false, true, true, false, true},   /* triage */
        {false, false, true, true, false},  /* remote */
        {false, true, false, true, false},  /* onsite */
        {false, false, false, false, true}, /* recovery */
        {false, false, false, false, false} /* closed */
    };
    for (int f = T; f <= CL; f++)
        for (int t = T; t <= CL; t++)
            assert_int_equal(mm_incident_transition_ok(f, t), allowed[f][t]);
    enum mm_incident_status s;
    for (int i = T; i <= CL; i++) {
        assert_int_equal(mm_incident_status_parse(mm_incident_status_name(i), &s), 0);
        assert_int_equal(s, i);
    }
    assert_int_equal(mm_incident_status_parse("dispatch", &s), MM_EINVAL);
    assert_int_equal(mm_incident_status_parse(NULL, &s), MM_EINVAL);
}

static void test_sla(void **state)
{
    (void)state;
    struct mm_incident in;
    struct mm_sla sla = {1, 60, 1440};
    struct mm_sla_state st;
    memset(&in, 0, sizeof in);
    in.created_at = 1000 * S;
    /* Open, 59 minutes old: nothing reached, nothing breached. */
    mm_incident_sla(&in, &sla, in.created_at + 59 * 60 * S, &st);
    assert_int_equal(st.time_to_acknowledge, -1);
    assert_int_equal(st.time_to_resolve, -1);
    assert_false(st.acknowledge_breached);
    /* Still unacknowledged after 61 minutes: breached while open. */
    mm_incident_sla(&in, &sla, in.created_at + 61 * 60 * S, &st);
    assert_true(st.acknowledge_breached);
    assert_false(st.resolve_breached);
    /* Acknowledged after exactly 60 minutes: within target. */
    in.acknowledged_at = in.created_at + 60 * 60 * S;
    mm_incident_sla(&in, &sla, in.created_at + 30 * 3600 * S, &st);
    assert_int_equal(st.time_to_acknowledge, 3600);
    assert_false(st.acknowledge_breached);
    assert_true(st.resolve_breached); /* 30 h open > 24 h */
    in.resolved_at = in.created_at + 2 * 3600 * S;
    mm_incident_sla(&in, &sla, in.created_at + 30 * 3600 * S, &st);
    assert_int_equal(st.time_to_resolve, 7200);
    assert_false(st.resolve_breached);
}

static void test_median(void **state)
{
    (void)state;
    int64_t none[1] = {0}, one[] = {7}, odd[] = {9, 1, 5}, even[] = {10, 1, 4, 3};
    assert_int_equal(mm_stats_median(none, 0), -1);
    assert_int_equal(mm_stats_median(one, 1), 7);
    assert_int_equal(mm_stats_median(odd, 3), 5);
    assert_int_equal(mm_stats_median(even, 4), 3); /* (3 + 4) / 2 rounded down */
}

static void test_stats_rows(void **state)
{
    (void)state;
    struct mm_stats *s;
    const struct mm_stats_row *rows;
    struct mm_stats_row all;
    size_t n;
    assert_int_equal(mm_stats_new(&s), 0);
    struct mm_stats_tenant a = {1, "A", 4, 1}, b = {2, "B", 0, 0};
    assert_int_equal(mm_stats_add_tenant(&a, s), 0);
    assert_int_equal(mm_stats_add_tenant(&b, s), 0);
    struct mm_stats_incident inc[] = {
        {1, 0, 100 * S, 1000 * S, false},
        {1, 0, 300 * S, 0, true},
        {3, 0, 5 * S, 5 * S, true}, /* a tenant not listed: ignored */
    };
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(mm_stats_add_incident(&inc[i], s), 0);
    assert_int_equal(mm_stats_finish(s, &rows, &n, &all), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].incidents, 2);
    assert_int_equal(rows[0].onsite, 1);
    assert_int_equal(rows[0].remote, 1);
    assert_int_equal(rows[0].median_acknowledge, 200);
    assert_int_equal(rows[0].median_resolve, 1000);
    assert_int_equal(rows[0].smes_served, 1);
    assert_int_equal(rows[1].smes_served, 0);
    assert_int_equal(rows[1].median_acknowledge, -1);
    assert_int_equal(all.smes_served, 1);
    assert_int_equal(all.incidents, 2);
    assert_int_equal(all.alerts, 4);
    assert_int_equal(all.tickets, 1);
    mm_stats_free(s);
    mm_stats_free(NULL);
}

static void test_md_escape(void **state)
{
    (void)state;
    struct mm_buf b;
    mm_buf_init(&b);
    assert_int_equal(mm_report_md_escape(&b, "# <b>x</b> *y* [l](javascript:z)\n- item", false), 0);
    assert_string_equal(b.data, "\\# \\<b\\>x\\</b\\> \\*y\\* \\[l\\](javascript:z)  \n\\- item");
    mm_buf_reset(&b);
    assert_int_equal(mm_report_md_escape(&b, "a\nb|c", true), 0);
    assert_string_equal(b.data, "a b\\|c");
    mm_buf_free(&b);
    /* Escaped text renders as text, never as markup. */
    struct mm_buf html;
    mm_buf_init(&html);
    mm_buf_init(&b);
    mm_report_md_escape(&b, "<script>alert(1)</script> # not a heading", false);
    assert_int_equal(mm_report_html(b.data, MM_LANG_EN, "t", &html), 0);
    assert_null(strstr(html.data, "<script>alert"));
    assert_non_null(strstr(html.data, "&lt;script&gt;"));
    assert_non_null(strstr(html.data, "<html lang=\"en\""));
    mm_buf_free(&b);
    mm_buf_free(&html);
}

/* A digit at a line's start is not escaped (Markdown escapes punctuation
 * only: "\2024" showed its backslash); a list number's '.' or ')' is. */
static void test_md_escape_numbers(void **state)
{
    (void)state;
    struct mm_buf b, html;
    mm_buf_init(&b);
    assert_int_equal(mm_report_md_escape(&b, "2024年12月 ランサムウェア", false), 0);
    assert_string_equal(b.data, "2024年12月 ランサムウェア");
    mm_buf_reset(&b);
    assert_int_equal(mm_report_md_escape(&b, "2. x\n  10) y\n1234567890. z\n3.5 GB", false), 0);
    assert_string_equal(b.data, "2\\. x  \n  10\\) y  \n1234567890. z  \n3\\.5 GB");
    mm_buf_init(&html);
    assert_int_equal(mm_report_html(b.data, MM_LANG_EN, "t", &html), 0);
    assert_null(strstr(html.data, "<ol"));
    assert_null(strstr(html.data, "<li>"));
    assert_null(strstr(html.data, "\\"));
    assert_non_null(strstr(html.data, "2. x"));
    assert_non_null(strstr(html.data, "10) y"));
    assert_non_null(strstr(html.data, "3.5 GB"));
    mm_buf_reset(&b);
    mm_buf_free(&html);
    mm_buf_init(&html);
    assert_int_equal(mm_report_md_escape(&b, "2024年12月 ランサムウェア", false), 0);
    assert_int_equal(mm_report_html(b.data, MM_LANG_JA, "t", &html), 0);
    assert_non_null(strstr(html.data, "<p>2024年12月 ランサムウェア</p>"));
    mm_buf_free(&b);
    mm_buf_free(&html);
}

static void test_template(void **state)
{
    (void)state;
    struct mm_buf b;
    json_t *vars = json_pack("{s:s, s:s}", "title", "{{summary}} stays", "summary", "S");
    mm_buf_init(&b);
    assert_int_equal(mm_report_template("incident", MM_LANG_EN, vars, &b), 0);
    assert_non_null(strstr(b.data, "# Security incident report"));
    /* Values are inserted once, never expanded again. */
    assert_non_null(strstr(b.data, "{{summary}} stays"));
    assert_null(strstr(b.data, "{{id}}"));
    mm_buf_reset(&b);
    assert_int_equal(mm_report_template("monthly", MM_LANG_JA, vars, &b), 0);
    assert_non_null(strstr(b.data, "月次セキュリティ報告"));
    assert_int_not_equal(mm_report_template("nonesuch", MM_LANG_JA, vars, &b), 0);
    mm_buf_free(&b);
    json_decref(vars);
    char t[48];
    mm_report_time_text("2026-04-01T09:15:02Z", MM_LANG_EN, t); /* report zone: Japan */
    assert_string_equal(t, "1 April 2026 18:15 JST");
    mm_report_time_text("2026-04-01T20:15:02Z", MM_LANG_JA, t); /* Japan time: next day */
    assert_string_equal(t, "2026年4月2日 05:15");
    mm_report_time_text("garbage", MM_LANG_JA, t);
    assert_string_equal(t, "");
    mm_report_time_text(NULL, MM_LANG_EN, t);
    assert_string_equal(t, "");
}

static char *monthly_text(const struct mm_monthly *m, enum mm_lang lang)
{
    struct mm_buf b;
    json_t *model = mm_monthly_model(m, "2026-11", 1795000000LL * S);
    mm_buf_init(&b);
    assert_non_null(model);
    assert_int_equal(mm_monthly_md(model, lang, &b), 0);
    json_decref(model);
    return b.data; /* the caller frees */
}

/* The owner reads alert kinds in plain words of their language, a newer
 * sensor's category as it is, and English counts with the right number. */
static void test_monthly_words(void **state)
{
    (void)state;
    static struct mm_monthly m = {
        .tenant_id = 1,
        .tenant_name = "Example Ltd",
        .tenant_lang = "ja",
        .alerts_total = 3,
        .alert_categories = {{.key = "A Network Trojan was detected", .count = 2},
                             {.key = "Some Future Category", .count = 1}},
        .nalert_categories = 2,
        .incidents_opened = 1,
        .incidents_closed = 2,
        .incidents_remote = 1,
        .tickets_opened = 1,
    };
    char *ja = monthly_text(&m, MM_LANG_JA);
    assert_non_null(strstr(ja, "- ウイルス（マルウェア）の通信：2 件\n"));
    assert_non_null(strstr(ja, "- Some Future Category：1 件\n"));
    assert_null(strstr(ja, "Trojan"));
    assert_null(strstr(ja, "_s}}"));
    /* The month and the time made as the web UI writes them (the model keeps
     * "2026-11" and RFC 3339). */
    assert_non_null(strstr(ja, "# 月次セキュリティ報告（2026年11月）\n"));
    assert_non_null(strstr(ja, "（作成 2026年11月18日 20:06）"));
    char *en = monthly_text(&m, MM_LANG_EN);
    assert_non_null(strstr(en, "- Virus (malware) traffic: 2\n"));
    assert_non_null(strstr(en, "# Monthly security report (November 2026)\n"));
    assert_non_null(strstr(en, "(made 18 November 2026 20:06 JST)"));
    assert_non_null(strstr(en, "- Some Future Category: 1\n"));
    assert_non_null(strstr(en, "**3 alerts**"));
    assert_non_null(strstr(en, "1 incident was opened and 2 were closed. 1 was handled"));
    assert_non_null(strstr(en, "1 question was opened"));
    free(ja);
    free(en);
    m.alerts_total = 1;
    m.incidents_opened = 0;
    m.tickets_opened = 2;
    en = monthly_text(&m, MM_LANG_EN);
    assert_non_null(strstr(en, "**1 alert**"));
    assert_non_null(strstr(en, "0 incidents were opened"));
    assert_non_null(strstr(en, "2 questions were opened"));
    free(en);
    /* Every category the sensor sends has a name of its own in both languages. */
    json_t *catalogue = NULL, *entry, *variant;
    const char *name, *id;
    assert_int_equal(mm_data_json("sensor/detectors.json", &catalogue), 0);
    json_object_foreach(catalogue, name, entry)
    {
        json_object_foreach(json_object_get(entry, "variants"), id, variant)
        {
            const char *c = json_string_value(json_object_get(variant, "category"));
            if (!c)
                continue;
            assert_string_not_equal(mm_alert_category_label(c, MM_LANG_JA), c);
            assert_string_not_equal(mm_alert_category_label(c, MM_LANG_EN), c);
        }
    }
    json_decref(catalogue);
    assert_string_equal(mm_alert_category_label(NULL, MM_LANG_JA), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_categories),
        cmocka_unit_test(test_category_names_match_ui),
        cmocka_unit_test(test_ticket_machine),
        cmocka_unit_test(test_incident_machine),
        cmocka_unit_test(test_sla),
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_stats_rows),
        cmocka_unit_test(test_md_escape),
        cmocka_unit_test(test_md_escape_numbers),
        cmocka_unit_test(test_template),
        cmocka_unit_test(test_monthly_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
