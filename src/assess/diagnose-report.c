/* SPDX-License-Identifier: Apache-2.0
 * Owns the human-readable diagnosis reports: plain text for the terminal,
 * Markdown, and a print-ready A4 HTML page with a per-part bar chart. All
 * labels come from data/i18n/diagnose.json, item texts from the catalogue. */
#include "assess/diagnose.h"
#include "core/error.h"
#include "core/html.h"
#include "core/str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A writer with a sticky error: after the first failure nothing is appended
 * and the error is reported once at the end. */
struct writer {
    struct mm_buf *b;
    enum mm_lang lang;
    int err;
};

__attribute__((format(printf, 2, 3))) static void wf(struct writer *w, const char *fmt, ...)
{
    va_list ap;
    if (w->err)
        return;
    va_start(ap, fmt);
    w->err = mm_buf_vprintf(w->b, fmt, ap);
    va_end(ap);
}

static void ws(struct writer *w, const char *s)
{
    if (!w->err)
        w->err = mm_buf_puts(w->b, s);
}

static void wh(struct writer *w, const char *s)
{
    if (!w->err)
        w->err = mm_buf_html_escape(w->b, s);
}

static const char *tr(const struct writer *w, const char *key)
{
    return mm_tr("diagnose", key, w->lang);
}

/* Appends a catalogue text with its first "%s" replaced by arg; escaped for
 * HTML when html is set. Formats from data are never passed to printf. */
static void wsub(struct writer *w, const char *fmt, const char *arg, bool html)
{
    const char *at = strstr(fmt, "%s");
    struct mm_buf tmp = MM_BUF_INIT;
    int r = at ? mm_buf_printf(&tmp, "%.*s%s%s", (int)(at - fmt), fmt, arg, at + 2)
               : mm_buf_puts(&tmp, fmt);
    if (r != 0 && !w->err)
        w->err = r;
    if (html)
        wh(w, mm_buf_str(&tmp));
    else
        ws(w, mm_buf_str(&tmp));
    mm_buf_free(&tmp);
}

static const char *answer_label(const struct writer *w, enum mm_answer a)
{
    char key[32];
    snprintf(key, sizeof key, "answer.%s", mm_answer_name(a) ? mm_answer_name(a) : "none");
    return tr(w, key);
}

static const char *item_text(const struct mm_diag_catalogue *cat, int id, const char *key,
                             enum mm_lang lang)
{
    return mm_text(json_object_get(cat->items[id - 1].data, key), lang);
}

static const char *advice_text(const struct mm_diag_catalogue *cat, int id, const char *key,
                               enum mm_lang lang)
{
    return mm_text(json_object_get(json_object_get(cat->items[id - 1].data, "advice"), key), lang);
}

static const char *part_name(const struct mm_diag_catalogue *cat, size_t i, enum mm_lang lang)
{
    return mm_text(json_object_get(cat->parts[i], "name"), lang);
}

/* Brackets around a remark: full-width in Japanese, " (" ")" in English. */
static const char *po(const struct writer *w)
{
    return w->lang == MM_LANG_JA ? "（" : " (";
}

/* The same without the leading space, after a space that is already there. */
static const char *po_tight(const struct writer *w)
{
    return w->lang == MM_LANG_JA ? "（" : "(";
}

static const char *pc(const struct writer *w)
{
    return w->lang == MM_LANG_JA ? "）" : ")";
}

static const char *list_sep(const struct writer *w)
{
    return w->lang == MM_LANG_JA ? "、" : ", ";
}

/* "1, 4, 7" (or "none") into tmp; a failure sticks to the writer. */
static void ids_text(struct writer *w, const int *ids, size_t n, struct mm_buf *tmp)
{
    int r = n == 0 ? mm_buf_puts(tmp, tr(w, "report.none")) : 0;
    for (size_t i = 0; i < n && r == 0; i++)
        r = mm_buf_printf(tmp, "%s%d", i ? ", " : "", ids[i]);
    if (r != 0 && !w->err)
        w->err = r;
}

/* The short names of the threats an item blunts, joined for the language. */
static void threats_text(struct writer *w, const struct mm_diag_catalogue *cat, int id,
                         struct mm_buf *tmp)
{
    const json_t *threats = json_object_get(cat->items[id - 1].data, "threats");
    size_t i;
    const json_t *t;
    json_array_foreach(threats, i, t)
    {
        char key[64];
        snprintf(key, sizeof key, "threat.%s", json_string_value(t));
        int r = mm_buf_printf(tmp, "%s%s", i ? list_sep(w) : "", tr(w, key));
        if (r != 0 && !w->err)
            w->err = r;
    }
}

/* The self-declaration conditions, one line each for one and two stars:
 * one star is the five-rules commitment (mamori rules), two stars need
 * this diagnosis complete and a basic policy; mamori declare decides. */
static void level_one(struct writer *w, bool html)
{
    wsub(w, tr(w, "level.one"), "", html);
}

static void level_two(struct writer *w, const struct mm_diag_result *res, bool html)
{
    struct mm_buf tmp = MM_BUF_INIT;
    ids_text(w, res->unknown, res->n_unknown, &tmp);
    wsub(w, tr(w, res->complete ? "level.two.complete" : "level.two.incomplete"), mm_buf_str(&tmp),
         html);
    mm_buf_free(&tmp);
}

static void score_delta_text(const struct mm_diag_changes *ch, char *out, size_t cap)
{
    snprintf(out, cap, "%d → %d (%s%d)", ch->previous_score, ch->previous_score + ch->score_delta,
             ch->score_delta > 0 ? "+" : "", ch->score_delta);
}

/* ---- parts the text and Markdown reports share ------------------------- */

/* The marks that make the same content plain text or Markdown. */
struct plain_style {
    const char *section;    /* before a section title */
    const char *none;       /* before "no advice" */
    const char *advice;     /* before an advice entry's number */
    const char *advice_end; /* after an advice entry's heading */
    const char *field;      /* before an advice field's label */
    const char *field_sep;  /* between the label and its text */
    const char *bullet;     /* before a line of the changes list */
    const char *list;       /* before the not-applicable / don't-know lines */
};

static const struct plain_style text_style = {.section = "\n",
                                              .none = "  ",
                                              .advice = "\n",
                                              .advice_end = "\n",
                                              .field = "   ",
                                              .field_sep = ": ",
                                              .bullet = "  ",
                                              .list = ""};
static const struct plain_style md_style = {.section = "\n## ",
                                            .none = "\n",
                                            .advice = "\n### ",
                                            .advice_end = "\n\n",
                                            .field = "- **",
                                            .field_sep = ":** ",
                                            .bullet = "- ",
                                            .list = "- "};

/* The not-applicable and don't-know item lists under the answers table. */
static void na_unknown_lists(struct writer *w, const struct plain_style *st,
                             const struct mm_diag_result *res)
{
    struct mm_buf tmp = MM_BUF_INIT;
    ids_text(w, res->na, res->n_na, &tmp);
    wf(w, "\n%s%s: %s\n", st->list, tr(w, "report.na"), mm_buf_str(&tmp));
    mm_buf_reset(&tmp);
    ids_text(w, res->unknown, res->n_unknown, &tmp);
    wf(w, "%s%s: %s\n", st->list, tr(w, "report.unknown"), mm_buf_str(&tmp));
    wf(w, "%s%s\n", st->list, tr(w, "report.points_rule"));
    mm_buf_free(&tmp);
}

static void advice_field(struct writer *w, const struct plain_style *st, const char *field,
                         const char *label_key, const char *text)
{
    wf(w, "%s%s%s%s\n", field, tr(w, label_key), st->field_sep, text);
}

/* Advice for every item not done, most important first. */
static void advice_list(struct writer *w, const struct plain_style *st,
                        const struct mm_diag_catalogue *cat, const struct mm_diag_result *res)
{
    /* In text, ten entries or more right-align their numbers (" 9.", "10.")
     * and indent the fields one more, so every field lines up under its
     * heading's text. */
    bool wide = st == &text_style && res->n_advice >= 10;
    const char *field = wide ? "    " : st->field;
    wf(w, "%s%s\n", st->section, tr(w, "report.advice"));
    if (res->n_advice == 0)
        wf(w, "%s%s\n", st->none, tr(w, "report.no_advice"));
    for (size_t i = 0; i < res->n_advice; i++) {
        int id = res->advice[i];
        char num[16];
        struct mm_buf tmp = MM_BUF_INIT;
        snprintf(num, sizeof num, "%d", id);
        wf(w, "%s%*zu. ", st->advice, wide ? 2 : 1, i + 1);
        wsub(w, tr(w, "report.item"), num, false);
        wf(w, ": %s%s", item_text(cat, id, "title", w->lang), po(w));
        wsub(w, tr(w, "report.current"), answer_label(w, res->answers[id - 1]), false);
        wf(w, "%s%s", pc(w), st->advice_end);
        advice_field(w, st, field, "advice.what", advice_text(cat, id, "what", w->lang));
        advice_field(w, st, field, "advice.first_step",
                     advice_text(cat, id, "first_step", w->lang));
        advice_field(w, st, field, "advice.why", advice_text(cat, id, "why", w->lang));
        threats_text(w, cat, id, &tmp);
        advice_field(w, st, field, "advice.threats", mm_buf_str(&tmp));
        mm_buf_free(&tmp);
    }
    if (res->n_advice)
        wf(w, "\n%s\n", tr(w, "advice.threats_more"));
}

/* One line per item whose answer changed since the previous diagnosis. */
static void change_lines(struct writer *w, const struct plain_style *st,
                         const struct mm_diag_catalogue *cat, const char *label_key,
                         const struct mm_diag_change *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wf(w, "%s%s: %d. %s%s%s → %s%s\n", st->bullet, tr(w, label_key), c[i].id,
           item_text(cat, c[i].id, "title", w->lang), po(w), answer_label(w, c[i].from),
           answer_label(w, c[i].to), pc(w));
}

/* ---- plain text ---------------------------------------------------------- */

static void text_bar(struct writer *w, int score, int max)
{
    int width = 20, fill = score <= 0 || max <= 0 ? 0 : score * width / max;
    ws(w, "[");
    for (int i = 0; i < width; i++)
        ws(w, i < fill ? "#" : ".");
    ws(w, "]");
}

/* "Organisation: NAME" + end when the result names one (text and
 * Markdown); control and bidi characters of the name become spaces. */
static void org_line(struct writer *w, const struct mm_diag_result *res, const char *end)
{
    char clean[MM_DIAG_ORG_MAX + 1];
    size_t k = 0;
    if (!res->org[0])
        return;
    for (const char *p = res->org; *p && k < MM_DIAG_ORG_MAX;) {
        size_t n = mm_text_control_len(p);
        clean[k++] = n ? ' ' : *p;
        p += n ? n : 1;
    }
    clean[k] = '\0';
    ws(w, tr(w, "report.org"));
    ws(w, ": ");
    ws(w, clean);
    ws(w, end);
}

static void text_summary(struct writer *w, const struct mm_diag_catalogue *cat,
                         const struct mm_diag_result *res)
{
    const json_t *band = cat->bands[res->band].data;
    wf(w, "%s\n", tr(w, "report.title"));
    org_line(w, res, "\n");
    wf(w, "%s: %s\n\n", tr(w, "report.date"), res->date);
    wf(w, "%s: %d / %d — %s\n%s\n\n", tr(w, "report.score"), res->score, MM_DIAG_MAX,
       mm_text(json_object_get(band, "title"), w->lang),
       mm_text(json_object_get(band, "message"), w->lang));
    wf(w, "%s\n", tr(w, "report.parts"));
    for (size_t i = 0; i < MM_DIAG_PARTS; i++) {
        const char *range = json_string_value(json_object_get(cat->parts[i], "items"));
        wf(w, "  %s%s", part_name(cat, i, w->lang), po(w));
        wsub(w, tr(w, "report.items_range"), range ? range : "", false);
        wf(w, "%s: %d / %d  ", pc(w), res->part_score[i], res->part_max[i]);
        text_bar(w, res->part_score[i], res->part_max[i]);
        ws(w, "\n");
    }
}

static void text_items(struct writer *w, const struct mm_diag_catalogue *cat,
                       const struct mm_diag_result *res)
{
    wf(w, "\n%s\n", tr(w, "report.answers"));
    for (int id = 1; id <= MM_DIAG_ITEMS; id++)
        wf(w, "  %2d. %s — %s%s%d%s%s\n", id, item_text(cat, id, "title", w->lang),
           answer_label(w, res->answers[id - 1]), po(w), res->points[id - 1], tr(w, "unit.points"),
           pc(w));
    na_unknown_lists(w, &text_style, res);
}

static void text_level(struct writer *w, const struct mm_diag_result *res)
{
    wf(w, "\n%s\n  ", tr(w, "level.title"));
    level_one(w, false);
    ws(w, "\n  ");
    level_two(w, res, false);
    wf(w, "\n  %s\n", tr(w, "level.note"));
}

static void text_changes(struct writer *w, const struct mm_diag_catalogue *cat,
                         const struct mm_diag_changes *ch)
{
    if (!ch)
        return;
    wf(w, "\n%s\n", tr(w, "changes.title"));
    if (!ch->have_previous) {
        wf(w, "  %s\n", tr(w, "changes.first"));
        return;
    }
    char delta[64];
    score_delta_text(ch, delta, sizeof delta);
    ws(w, "  ");
    wsub(w, tr(w, "changes.score"), ch->previous_date, false);
    wf(w, ": %s\n", delta);
    change_lines(w, &text_style, cat, "changes.improved", ch->improved, ch->n_improved);
    change_lines(w, &text_style, cat, "changes.regressed", ch->regressed, ch->n_regressed);
    change_lines(w, &text_style, cat, "changes.clarified", ch->clarified, ch->n_clarified);
    if (ch->n_improved + ch->n_regressed + ch->n_clarified == 0)
        wf(w, "  %s\n", tr(w, "changes.none"));
}

static void render_text(struct writer *w, const struct mm_diag_catalogue *cat,
                        const struct mm_diag_result *res, const struct mm_diag_changes *ch)
{
    text_summary(w, cat, res);
    text_items(w, cat, res);
    advice_list(w, &text_style, cat, res);
    text_level(w, res);
    text_changes(w, cat, ch);
}

/* ---- Markdown ------------------------------------------------------------ */

static void md_summary(struct writer *w, const struct mm_diag_catalogue *cat,
                       const struct mm_diag_result *res)
{
    const json_t *band = cat->bands[res->band].data;
    wf(w, "# %s\n\n", tr(w, "report.title"));
    org_line(w, res, "  \n");
    wf(w, "%s: %s\n\n", tr(w, "report.date"), res->date);
    wf(w, "## %s: %d / %d — %s\n\n%s\n\n", tr(w, "report.score"), res->score, MM_DIAG_MAX,
       mm_text(json_object_get(band, "title"), w->lang),
       mm_text(json_object_get(band, "message"), w->lang));
    wf(w, "## %s\n\n| %s | %s | %s |\n|---|---:|---:|\n", tr(w, "report.parts"),
       tr(w, "table.part"), tr(w, "table.score"), tr(w, "table.max"));
    for (size_t i = 0; i < MM_DIAG_PARTS; i++) {
        const char *range = json_string_value(json_object_get(cat->parts[i], "items"));
        wf(w, "| %s%s", part_name(cat, i, w->lang), po(w));
        wsub(w, tr(w, "report.items_range"), range ? range : "", false);
        wf(w, "%s | %d | %d |\n", pc(w), res->part_score[i], res->part_max[i]);
    }
}

static void md_items(struct writer *w, const struct mm_diag_catalogue *cat,
                     const struct mm_diag_result *res)
{
    wf(w, "\n## %s\n\n| %s | %s | %s | %s |\n|---:|---|---|---:|\n", tr(w, "report.answers"),
       tr(w, "table.no"), tr(w, "table.item"), tr(w, "table.answer"), tr(w, "table.points"));
    for (int id = 1; id <= MM_DIAG_ITEMS; id++)
        wf(w, "| %d | %s | %s | %d |\n", id, item_text(cat, id, "title", w->lang),
           answer_label(w, res->answers[id - 1]), res->points[id - 1]);
    na_unknown_lists(w, &md_style, res);
}

static void md_level_changes(struct writer *w, const struct mm_diag_catalogue *cat,
                             const struct mm_diag_result *res, const struct mm_diag_changes *ch)
{
    wf(w, "\n## %s\n\n- ", tr(w, "level.title"));
    level_one(w, false);
    ws(w, "\n- ");
    level_two(w, res, false);
    wf(w, "\n\n%s\n", tr(w, "level.note"));
    if (!ch)
        return;
    wf(w, "\n## %s\n\n", tr(w, "changes.title"));
    if (!ch->have_previous) {
        wf(w, "%s\n", tr(w, "changes.first"));
        return;
    }
    char delta[64];
    score_delta_text(ch, delta, sizeof delta);
    ws(w, "- ");
    wsub(w, tr(w, "changes.score"), ch->previous_date, false);
    wf(w, ": %s\n", delta);
    change_lines(w, &md_style, cat, "changes.improved", ch->improved, ch->n_improved);
    change_lines(w, &md_style, cat, "changes.regressed", ch->regressed, ch->n_regressed);
    change_lines(w, &md_style, cat, "changes.clarified", ch->clarified, ch->n_clarified);
    if (ch->n_improved + ch->n_regressed + ch->n_clarified == 0)
        wf(w, "- %s\n", tr(w, "changes.none"));
}

static void render_md(struct writer *w, const struct mm_diag_catalogue *cat,
                      const struct mm_diag_result *res, const struct mm_diag_changes *ch)
{
    md_summary(w, cat, res);
    md_items(w, cat, res);
    advice_list(w, &md_style, cat, res);
    md_level_changes(w, cat, res, ch);
}

/* ---- HTML ---------------------------------------------------------------- */

static const char html_css[] =
    ".diag-org { font-size: 1.25rem; font-weight: bold; margin: 0.2rem 0; }\n"
    ".diag-head { display: flex; align-items: baseline; gap: 1.2rem; }\n"
    ".diag-band { font-size: 1.2rem; font-weight: 700; }\n"
    ".chart { margin: .6rem 0 1rem; }\n"
    ".chart-row { display: grid; grid-template-columns: 62mm 1fr 22mm; gap: .6rem; "
    "align-items: center; margin: .35rem 0; }\n"
    ".chart-row .bar { height: 1.1rem; }\n"
    ".chart-row .num { text-align: right; font-variant-numeric: tabular-nums; }\n"
    ".bar > span { -webkit-print-color-adjust: exact; print-color-adjust: exact; }\n"
    ".a-done, .a-na { color: var(--accent); }\n"
    ".a-partly { color: var(--warn); font-weight: 700; }\n"
    ".a-not, .a-unknown { color: var(--bad); font-weight: 700; }\n"
    ".advice { border: 1px solid var(--line); border-radius: 4px; padding: .4rem .8rem; "
    "margin: .6rem 0; break-inside: avoid; }\n"
    ".advice h3 { margin: .2rem 0 .4rem; }\n"
    ".advice dl { margin: 0; display: grid; grid-template-columns: 34mm 1fr; gap: .2rem .6rem; }\n"
    ".advice dt { font-weight: 700; }\n"
    ".advice dd { margin: 0; }\n"
    "td.n { text-align: right; }\n";

static void html_chart(struct writer *w, const struct mm_diag_catalogue *cat,
                       const struct mm_diag_result *res)
{
    wf(w, "<h2>%s</h2>\n<div class=\"chart\" id=\"part-chart\">\n", tr(w, "report.parts"));
    for (size_t i = 0; i < MM_DIAG_PARTS; i++) {
        int score = res->part_score[i], max = res->part_max[i];
        int pct = score <= 0 || max <= 0 ? 0 : score * 100 / max;
        const char *range = json_string_value(json_object_get(cat->parts[i], "items"));
        ws(w, "<div class=\"chart-row\"><div>");
        wh(w, part_name(cat, i, w->lang));
        ws(w, " <span class=\"muted\">");
        ws(w, po_tight(w));
        wsub(w, tr(w, "report.items_range"), range ? range : "", true);
        wf(w,
           "%s</span></div><div class=\"bar\"><span style=\"width:%d%%\"></span></div>"
           "<div class=\"num\">%d / %d</div></div>\n",
           pc(w), pct, score, max);
    }
    ws(w, "</div>\n");
}

static void html_summary(struct writer *w, const struct mm_diag_catalogue *cat,
                         const struct mm_diag_result *res)
{
    const json_t *band = cat->bands[res->band].data;
    ws(w, "<h1>");
    wh(w, tr(w, "report.title"));
    ws(w, "</h1>\n");
    if (res->org[0]) {
        wf(w, "<p class=\"diag-org\" id=\"org\">%s: ", tr(w, "report.org"));
        wh(w, res->org);
        ws(w, "</p>\n");
    }
    wf(w, "<p class=\"muted\">%s: %s</p>\n", tr(w, "report.date"), res->date);
    wf(w,
       "<div class=\"diag-head\"><span class=\"score\" id=\"score\">%d / %d</span>"
       "<span class=\"diag-band\" data-band=\"%s\">",
       res->score, MM_DIAG_MAX, mm_diag_band_id(cat, res->band));
    wh(w, mm_text(json_object_get(band, "title"), w->lang));
    ws(w, "</span></div>\n<p>");
    wh(w, mm_text(json_object_get(band, "message"), w->lang));
    ws(w, "</p>\n");
}

static void html_items(struct writer *w, const struct mm_diag_catalogue *cat,
                       const struct mm_diag_result *res)
{
    wf(w,
       "<h2>%s</h2>\n<table>\n<thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr>"
       "</thead>\n<tbody>\n",
       tr(w, "report.answers"), tr(w, "table.no"), tr(w, "table.item"), tr(w, "table.answer"),
       tr(w, "table.points"));
    for (int id = 1; id <= MM_DIAG_ITEMS; id++) {
        wf(w, "<tr><td class=\"n\">%d</td><td>", id);
        wh(w, item_text(cat, id, "title", w->lang));
        wf(w, "</td><td class=\"a-%s\">", mm_answer_name(res->answers[id - 1]));
        wh(w, answer_label(w, res->answers[id - 1]));
        wf(w, "</td><td class=\"n\">%d</td></tr>\n", res->points[id - 1]);
    }
    ws(w, "</tbody>\n</table>\n");
    struct mm_buf tmp = MM_BUF_INIT;
    ids_text(w, res->na, res->n_na, &tmp);
    ws(w, "<p>");
    wh(w, tr(w, "report.points_rule"));
    ws(w, "</p>\n<p>");
    wh(w, tr(w, "report.na"));
    ws(w, ": ");
    wh(w, mm_buf_str(&tmp));
    mm_buf_reset(&tmp);
    ids_text(w, res->unknown, res->n_unknown, &tmp);
    ws(w, "</p>\n<p id=\"unknown\">");
    wh(w, tr(w, "report.unknown"));
    ws(w, ": ");
    wh(w, mm_buf_str(&tmp));
    ws(w, "</p>\n");
    mm_buf_free(&tmp);
}

static void html_advice_entry(struct writer *w, const struct mm_diag_catalogue *cat,
                              const struct mm_diag_result *res, size_t rank)
{
    static const char *const keys[] = {"what", "first_step", "why"};
    int id = res->advice[rank];
    char num[16];
    struct mm_buf tmp = MM_BUF_INIT;
    snprintf(num, sizeof num, "%d", id);
    wf(w, "<section class=\"advice\" data-item=\"%d\">\n<h3>%zu. ", id, rank + 1);
    wsub(w, tr(w, "report.item"), num, true);
    ws(w, ": ");
    wh(w, item_text(cat, id, "title", w->lang));
    wf(w, " <span class=\"a-%s\">%s", mm_answer_name(res->answers[id - 1]), po_tight(w));
    wsub(w, tr(w, "report.current"), answer_label(w, res->answers[id - 1]), true);
    wf(w, "%s</span></h3>\n<dl>\n", pc(w));
    for (size_t k = 0; k < 3; k++) {
        char key[32];
        snprintf(key, sizeof key, "advice.%s", keys[k]);
        ws(w, "<dt>");
        wh(w, tr(w, key));
        ws(w, "</dt><dd>");
        wh(w, advice_text(cat, id, keys[k], w->lang));
        ws(w, "</dd>\n");
    }
    threats_text(w, cat, id, &tmp);
    ws(w, "<dt>");
    wh(w, tr(w, "advice.threats"));
    ws(w, "</dt><dd>");
    wh(w, mm_buf_str(&tmp));
    ws(w, "</dd>\n</dl>\n</section>\n");
    mm_buf_free(&tmp);
}

static void html_advice(struct writer *w, const struct mm_diag_catalogue *cat,
                        const struct mm_diag_result *res)
{
    ws(w, "<h2 id=\"advice\">");
    wh(w, tr(w, "report.advice"));
    ws(w, "</h2>\n");
    if (res->n_advice == 0) {
        ws(w, "<p>");
        wh(w, tr(w, "report.no_advice"));
        ws(w, "</p>\n");
    }
    for (size_t i = 0; i < res->n_advice; i++)
        html_advice_entry(w, cat, res, i);
    if (res->n_advice) {
        ws(w, "<p class=\"muted\">");
        wh(w, tr(w, "advice.threats_more"));
        ws(w, "</p>\n");
    }
}

static void html_level_changes(struct writer *w, const struct mm_diag_catalogue *cat,
                               const struct mm_diag_result *res, const struct mm_diag_changes *ch)
{
    wf(w, "<h2>%s</h2>\n<ul data-complete=\"%s\">\n<li>", tr(w, "level.title"),
       res->complete ? "true" : "false");
    level_one(w, true);
    ws(w, "</li>\n<li>");
    level_two(w, res, true);
    ws(w, "</li>\n</ul>\n<p class=\"muted\">");
    wh(w, tr(w, "level.note"));
    ws(w, "</p>\n");
    if (!ch)
        return;
    wf(w, "<h2 id=\"changes\">%s</h2>\n<ul>\n", tr(w, "changes.title"));
    if (!ch->have_previous) {
        ws(w, "<li>");
        wh(w, tr(w, "changes.first"));
        ws(w, "</li>\n</ul>\n");
        return;
    }
    char delta[64];
    score_delta_text(ch, delta, sizeof delta);
    ws(w, "<li>");
    wsub(w, tr(w, "changes.score"), ch->previous_date, true);
    ws(w, ": ");
    wh(w, delta);
    ws(w, "</li>\n");
    const struct mm_diag_change *lists[] = {ch->improved, ch->regressed, ch->clarified};
    const size_t counts[] = {ch->n_improved, ch->n_regressed, ch->n_clarified};
    static const char *const labels[] = {"changes.improved", "changes.regressed",
                                         "changes.clarified"};
    for (int pass = 0; pass < 3; pass++) {
        const struct mm_diag_change *c = lists[pass];
        size_t n = counts[pass];
        for (size_t i = 0; i < n; i++) {
            wf(w, "<li>%s: %d. ", tr(w, labels[pass]), c[i].id);
            wh(w, item_text(cat, c[i].id, "title", w->lang));
            ws(w, po(w));
            wh(w, answer_label(w, c[i].from));
            ws(w, " → ");
            wh(w, answer_label(w, c[i].to));
            wf(w, "%s</li>\n", pc(w));
        }
    }
    if (ch->n_improved + ch->n_regressed + ch->n_clarified == 0)
        wf(w, "<li>%s</li>\n", tr(w, "changes.none"));
    ws(w, "</ul>\n");
}

static void render_html(struct writer *w, const struct mm_diag_catalogue *cat,
                        const struct mm_diag_result *res, const struct mm_diag_changes *ch)
{
    struct mm_buf body = MM_BUF_INIT;
    struct writer bw = {&body, w->lang, 0};
    /* First page: score, chart, declaration level, changes; then the advice. */
    html_summary(&bw, cat, res);
    html_chart(&bw, cat, res);
    html_level_changes(&bw, cat, res, ch);
    html_advice(&bw, cat, res);
    html_items(&bw, cat, res);
    if (bw.err == 0 && !w->err)
        w->err =
            mm_html_document(w->b, w->lang, tr(w, "report.title"), mm_buf_str(&body), html_css);
    else if (!w->err)
        w->err = bw.err;
    mm_buf_free(&body);
}

static void render_json(struct writer *w, const struct mm_diag_catalogue *cat,
                        const struct mm_diag_result *res, const struct mm_diag_changes *ch)
{
    json_t *j = NULL;
    int r = mm_diag_result_json(cat, res, ch, w->lang, &j);
    char *s = r == 0 ? json_dumps(j, JSON_INDENT(2)) : NULL;
    if (r == 0 && !s)
        r = MM_ENOMEM;
    if (r == 0) {
        ws(w, s);
        ws(w, "\n");
    } else if (!w->err) {
        w->err = r;
    }
    free(s);
    json_decref(j);
}

int mm_diag_render(const struct mm_diag_catalogue *cat, const struct mm_diag_result *res,
                   const struct mm_diag_changes *changes, enum mm_diag_format format,
                   enum mm_lang lang, struct mm_buf *out)
{
    struct writer w = {out, lang, 0};
    switch (format) {
    case MM_DIAG_JSON:
        render_json(&w, cat, res, changes);
        break;
    case MM_DIAG_MD:
        render_md(&w, cat, res, changes);
        break;
    case MM_DIAG_HTML:
        render_html(&w, cat, res, changes);
        break;
    default:
        render_text(&w, cat, res, changes);
        break;
    }
    return w.err;
}
