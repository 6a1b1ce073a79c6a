/* SPDX-License-Identifier: Apache-2.0
 * Owns the print-ready HTML report of the risk analysis: summary, the table
 * of assets by risk, next steps and the method (likelihood table, rating
 * scales). Long texts come from data/risk/report.json, labels from
 * data/i18n/risk.json; the page frame and A4 style from mm_html_document. */
#include "assess/risk-report.h"
#include "assess/risk.h"
#include "core/data.h"
#include "core/error.h"
#include "core/html.h"
#include "core/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Extra style for the report; the rest is data/css/print.css. The report is
 * a wide table, so it prints on landscape A4 and is as wide on screen. */
static const char risk_css[] =
    "@page { size: A4 landscape; }\n"
    "main { max-width: 267mm; }\n"
    ".risk-table { font-size: .8rem; }\n"
    ".risk-table th, .risk-table td { padding: .25rem .3rem; }\n"
    ".risk-table th.num { text-align: center; }\n"
    ".risk-table td.num { text-align: center; white-space: nowrap; }\n"
    ".risk-table td.text { min-width: 5.5em; }\n"
    "tr.risk-high td.value { background: #fee4e2; }\n"
    "tr.risk-medium td.value { background: #fef0c7; }\n"
    ".risk-summary, .risk-likelihood { width: auto; }\n"
    ".risk-summary td, .risk-likelihood td { text-align: center; min-width: 6rem; }\n"
    ".risk-likelihood caption { text-align: left; font-weight: 700; }\n"
    ".risk-scale { font-size: .85rem; }\n"
    ".risk-scale th { white-space: nowrap; }\n";

struct page {
    const json_t *texts; /* data/risk/report.json */
    enum mm_lang lang;
    struct mm_buf *out;
};

static const char *txt(const struct page *p, const char *key)
{
    return mm_text(json_object_get(p->texts, key), p->lang);
}

/* Appends s escaped, line breaks as <br>. */
static int put_text(struct mm_buf *out, const char *s)
{
    int r = 0;
    while (r == 0 && *s) {
        size_t n = strcspn(s, "\n");
        char *part = strndup(s, n);
        r = part ? mm_buf_html_escape(out, part) : MM_ENOMEM;
        free(part);
        s += n;
        if (r == 0 && *s == '\n') {
            r = mm_buf_puts(out, "<br>");
            s++;
        }
    }
    return r;
}

/* Appends a template with {n} replaced by an integer, escaped. */
static int put_with_n(struct mm_buf *out, const char *tmpl, long n)
{
    struct mm_buf tmp = MM_BUF_INIT;
    char v[24];
    snprintf(v, sizeof v, "%ld", n);
    const struct mm_fill_var vars[] = {{"n", v}};
    int r = mm_fill(&tmp, MM_FILL_MAX, tmpl, vars, 1, 0);
    if (r == 0)
        r = mm_buf_html_escape(out, mm_buf_str(&tmp));
    mm_buf_free(&tmp);
    return r;
}

static int put_heading(const struct page *p, const char *tag, const char *key)
{
    int r = mm_buf_printf(p->out, "<%s>", tag);
    if (r == 0)
        r = mm_buf_html_escape(p->out, txt(p, key));
    return r == 0 ? mm_buf_printf(p->out, "</%s>\n", tag) : r;
}

static int put_meta(const struct page *p, const struct mm_risk_sheet *s)
{
    char today[11];
    mm_time_today(today);
    struct mm_buf *o = p->out;
    int r = mm_buf_puts(o, "<p class=\"muted\">");
    if (r == 0)
        r = mm_buf_html_escape(o, txt(p, "meta.date"));
    if (r == 0)
        r = mm_buf_printf(o, ": %s%s", today, txt(p, "meta.sep"));
    if (r == 0)
        r = mm_buf_html_escape(o, txt(p, "meta.assets"));
    if (r == 0)
        r = mm_buf_printf(o, ": %zu%s", s->nrows, txt(p, "meta.sep"));
    if (r == 0)
        r = mm_buf_html_escape(o, txt(p, "meta.threshold"));
    if (r == 0)
        r = mm_buf_puts(o, ": ");
    if (r == 0)
        r = put_with_n(o, txt(p, "meta.threshold_value"), s->accept_below);
    if (r == 0)
        r = mm_buf_puts(o, "</p>\n<p>");
    if (r == 0)
        r = mm_buf_html_escape(o, txt(p, "intro"));
    return r == 0 ? mm_buf_puts(o, "</p>\n") : r;
}

static int summary_row(const struct page *p, const char *cls, const char *label, size_t n)
{
    int r = mm_buf_printf(p->out, "<tr><th%s%s%s>", cls ? " class=\"" : "", cls ? cls : "",
                          cls ? "\"" : "");
    if (r == 0)
        r = mm_buf_html_escape(p->out, label);
    return r == 0 ? mm_buf_printf(p->out, "</th><td>%zu</td></tr>\n", n) : r;
}

static int put_summary(const struct page *p, const struct mm_risk_sheet *s)
{
    struct mm_risk_counts n;
    mm_risk_count(s, &n);
    int r = put_heading(p, "h2", "summary.heading");
    if (r == 0)
        r = mm_buf_puts(p->out, "<table class=\"risk-summary\" id=\"risk-summary\">\n<tr><th>");
    if (r == 0)
        r = mm_buf_html_escape(p->out, txt(p, "summary.level"));
    if (r == 0)
        r = mm_buf_puts(p->out, "</th><th>");
    if (r == 0)
        r = mm_buf_html_escape(p->out, txt(p, "summary.count"));
    if (r == 0)
        r = mm_buf_puts(p->out, "</th></tr>\n");
    if (r == 0)
        r = summary_row(p, "high", mm__risk_level_text(MM_RISK_HIGH, p->lang), n.high);
    if (r == 0)
        r = summary_row(p, "medium", mm__risk_level_text(MM_RISK_MEDIUM, p->lang), n.medium);
    if (r == 0)
        r = summary_row(p, "low", mm__risk_level_text(MM_RISK_LOW, p->lang), n.low);
    if (r == 0)
        r = summary_row(p, NULL, txt(p, "summary.treat"), n.treat);
    if (r == 0)
        r = summary_row(p, NULL, txt(p, "summary.accept"), n.accept);
    return r == 0 ? mm_buf_puts(p->out, "</table>\n") : r;
}

static int header_cell(const struct page *p, const char *name, bool num)
{
    int r = mm_buf_puts(p->out, num ? "<th class=\"num\">" : "<th>");
    if (r == 0)
        r = mm_buf_html_escape(p->out, name);
    return r == 0 ? mm_buf_puts(p->out, "</th>") : r;
}

/* Columns: rank, the four texts, C, I, A, importance, threat, vulnerability,
 * likelihood, risk (with level), decision. */
static int table_head(const struct page *p)
{
    static const char *const numeric[] = {"confidentiality", "integrity", "availability",
                                          "importance",      "threat",    "vulnerability",
                                          "likelihood",      "risk",      "decision"};
    int r = mm_buf_puts(p->out, "<table class=\"risk-table\" id=\"risk-table\">\n<thead><tr>");
    if (r == 0)
        r = header_cell(p, txt(p, "table.rank"), true);
    for (int c = 0; r == 0 && c < MM_RISK_NTEXT; c++)
        r = header_cell(p, mm__risk_label(mm_risk_col_id((enum mm_risk_col)c), p->lang), false);
    for (size_t i = 0; r == 0 && i < sizeof numeric / sizeof numeric[0]; i++)
        r = header_cell(p, mm__risk_label(numeric[i], p->lang), true);
    return r == 0 ? mm_buf_puts(p->out, "</tr></thead>\n<tbody>\n") : r;
}

static int table_row(const struct page *p, const struct mm_risk_row *row, size_t rank)
{
    struct mm_buf *o = p->out;
    const int *v = row->rating;
    int r = mm_buf_printf(o, "<tr class=\"risk-%s\"><td class=\"num\">%zu</td>",
                          mm_risk_level_code(row->level), rank);
    for (int t = 0; r == 0 && t < MM_RISK_NTEXT; t++) {
        r = mm_buf_puts(o, "<td class=\"text\">");
        if (r == 0)
            r = put_text(o, row->text[t]);
        if (r == 0)
            r = mm_buf_puts(o, "</td>");
    }
    if (r == 0)
        r = mm_buf_printf(o,
                          "<td class=\"num\">%d</td><td class=\"num\">%d</td><td "
                          "class=\"num\">%d</td><td class=\"num\">%d</td><td "
                          "class=\"num\">%d</td><td class=\"num\">%d</td><td "
                          "class=\"num\">%d</td>",
                          v[0], v[1], v[2], row->importance, v[3], v[4], row->likelihood);
    if (r == 0)
        r = mm_buf_printf(o, "<td class=\"num value %s\">%d ", mm_risk_level_code(row->level),
                          row->value);
    if (r == 0)
        r = mm_buf_html_escape(o, mm__risk_level_text(row->level, p->lang));
    if (r == 0)
        r = mm_buf_printf(o, "</td><td class=\"num decision-%s\">",
                          row->treat ? "treat" : "accept");
    if (r == 0)
        r = mm_buf_html_escape(o, mm__risk_decision_text(row->treat, p->lang));
    return r == 0 ? mm_buf_puts(o, "</td></tr>\n") : r;
}

static int put_table(const struct page *p, const struct mm_risk_sheet *s)
{
    int r = put_heading(p, "h2", "table.heading");
    if (r == 0)
        r = table_head(p);
    for (size_t i = 0; r == 0 && i < s->nrows; i++)
        r = table_row(p, &s->rows[i], i + 1);
    return r == 0 ? mm_buf_puts(p->out, "</tbody>\n</table>\n") : r;
}

static int next_item(const struct page *p, const char *key)
{
    int r = mm_buf_puts(p->out, "<li>");
    if (r == 0)
        r = mm_buf_html_escape(p->out, txt(p, key));
    return r == 0 ? mm_buf_puts(p->out, "</li>\n") : r;
}

/* Advice for each level present, and for accepted rows. */
static int put_next_steps(const struct page *p, const struct mm_risk_sheet *s)
{
    struct mm_risk_counts n;
    mm_risk_count(s, &n);
    int r = put_heading(p, "h2", "next.heading");
    if (r == 0)
        r = mm_buf_puts(p->out, "<ul class=\"risk-next\">\n");
    if (r == 0 && n.high)
        r = next_item(p, "next.high");
    if (r == 0 && n.medium)
        r = next_item(p, "next.medium");
    if (r == 0 && n.low)
        r = next_item(p, "next.low");
    if (r == 0 && n.accept)
        r = next_item(p, "next.accept");
    return r == 0 ? mm_buf_puts(p->out, "</ul>\n") : r;
}

/* The 3x3 likelihood table, threat 3 on top as people usually draw it. */
static int put_likelihood_table(const struct page *p)
{
    struct mm_buf *o = p->out;
    int r = mm_buf_puts(o, "<table class=\"risk-likelihood\" id=\"risk-likelihood\">\n<caption>");
    if (r == 0)
        r = mm_buf_html_escape(o, txt(p, "method.likelihood"));
    if (r == 0)
        r = mm_buf_puts(o, "</caption>\n<tr><th></th>");
    for (int v = 3; r == 0 && v >= 1; v--) {
        r = mm_buf_puts(o, "<th>");
        if (r == 0)
            r = put_with_n(o, txt(p, "method.vulnerability_n"), v);
        if (r == 0)
            r = mm_buf_puts(o, "</th>");
    }
    for (int t = 3; r == 0 && t >= 1; t--) {
        r = mm_buf_puts(o, "</tr>\n<tr><th>");
        if (r == 0)
            r = put_with_n(o, txt(p, "method.threat_n"), t);
        if (r == 0)
            r = mm_buf_puts(o, "</th>");
        for (int v = 3; r == 0 && v >= 1; v--)
            r = mm_buf_printf(o, "<td>%d</td>", mm_risk_likelihood(t, v));
    }
    return r == 0 ? mm_buf_puts(o, "</tr>\n</table>\n") : r;
}

/* One row per criterion, the meaning of 1, 2 and 3. */
static int put_scales(const struct page *p)
{
    static const enum mm_risk_col cols[] = {MM_RISK_COL_CONFIDENTIALITY, MM_RISK_COL_INTEGRITY,
                                            MM_RISK_COL_AVAILABILITY, MM_RISK_COL_THREAT,
                                            MM_RISK_COL_VULNERABILITY};
    struct mm_buf *o = p->out;
    int r = put_heading(p, "h3", "method.scale");
    if (r == 0)
        r = mm_buf_puts(o, "<table class=\"risk-scale\">\n<tr><th></th>");
    for (int n = 1; r == 0 && n <= 3; n++)
        r = mm_buf_printf(o, "<th>%d</th>", n);
    for (size_t i = 0; r == 0 && i < sizeof cols / sizeof cols[0]; i++) {
        char key[48];
        snprintf(key, sizeof key, "scale.%s", mm_risk_col_id(cols[i]));
        const json_t *levels =
            json_object_get(json_object_get(p->texts, key), mm_lang_code(p->lang));
        r = mm_buf_puts(o, "</tr>\n<tr><th>");
        if (r == 0)
            r = mm_buf_html_escape(o, mm__risk_label(mm_risk_col_id(cols[i]), p->lang));
        if (r == 0)
            r = mm_buf_puts(o, "</th>");
        for (size_t n = 0; r == 0 && n < 3; n++) {
            r = mm_buf_puts(o, "<td>");
            if (r == 0)
                r = mm_buf_html_escape(o, json_string_value(json_array_get(levels, n)) ?: "");
            if (r == 0)
                r = mm_buf_puts(o, "</td>");
        }
    }
    return r == 0 ? mm_buf_puts(o, "</tr>\n</table>\n") : r;
}

static int put_method(const struct page *p)
{
    int r = put_heading(p, "h2", "method.heading");
    if (r == 0)
        r = mm_buf_puts(p->out, "<p>");
    if (r == 0)
        r = mm_buf_html_escape(p->out, txt(p, "method.text"));
    if (r == 0)
        r = mm_buf_puts(p->out, "</p>\n");
    if (r == 0)
        r = put_likelihood_table(p);
    return r == 0 ? put_scales(p) : r;
}

int mm_risk_write_html(const struct mm_risk_sheet *s, enum mm_lang lang, struct mm_buf *out)
{
    json_t *texts = NULL;
    struct mm_buf body = MM_BUF_INIT;
    int r = mm_data_json("risk/report.json", &texts);
    if (r != 0)
        goto out;
    struct page p = {.texts = texts, .lang = lang, .out = &body};
    r = put_heading(&p, "h1", "title");
    if (r == 0)
        r = put_meta(&p, s);
    if (r == 0)
        r = put_summary(&p, s);
    if (r == 0)
        r = put_table(&p, s);
    if (r == 0)
        r = put_next_steps(&p, s);
    if (r == 0)
        r = put_method(&p);
    if (r == 0)
        r = mm_html_document(out, lang, txt(&p, "title"), mm_buf_str(&body), risk_css);
out:
    mm_buf_free(&body);
    json_decref(texts);
    return r;
}
