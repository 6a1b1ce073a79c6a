/* SPDX-License-Identifier: Apache-2.0
 * Owns the monthly report per tenant: its model from the store's figures
 * (alerts by severity and category, incidents, desk tickets, sensor uptime,
 * the most frequent alert kinds with what they are and what they risk) and
 * its Markdown in the reader's language (data/center/report/monthly.*.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/alerts.h"
#include "center/desk.h"
#include "center/incident-json.h"
#include "center/report.h"
#include "center/vendor.h"
#include "core/error.h"

static json_t *counts_json(const struct mm_count *c, int n, const char *name)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:I}", name, c[i].key, "count", (json_int_t)c[i].count));
    return a;
}

static json_t *percent(int64_t part, int64_t whole)
{
    if (whole <= 0)
        return json_null();
    return json_real((double)(part * 1000 / whole) / 10.0);
}

static json_t *sensors_json(const struct mm_monthly *m, int64_t *seen, int64_t *total)
{
    json_t *a = json_array();
    *seen = *total = 0;
    for (int i = 0; i < m->nsensors; i++) {
        *seen += m->sensors[i].hours_seen;
        *total += m->sensors[i].hours_total;
        json_array_append_new(
            a, json_pack("{s:I, s:s, s:o}", "id", (json_int_t)m->sensors[i].id, "name",
                         m->sensors[i].name, "uptime_percent",
                         percent(m->sensors[i].hours_seen, m->sensors[i].hours_total)));
    }
    return a;
}

/* A copy of the explanation's key, or JSON null. */
static json_t *ex_text(const json_t *ex, const char *key)
{
    const json_t *v = json_object_get(ex, key);
    return v ? json_deep_copy(v) : json_null();
}

/* The most frequent alert kinds (mm_alert_kind): how many alerts and
 * devices, and their explanation's "what", "threat" and "todo" (what the
 * owner does about the kind) in both languages. The explanation's "now"
 * (the step for one alert as it happens) is left to the alert itself: a
 * month's summary advises on the kind. */
static json_t *advice_json(const struct mm_monthly *m)
{
    json_t *a = json_array();
    for (int i = 0; i < m->ntop_kinds; i++) {
        const struct mm_count *c = &m->top_kinds[i];
        const json_t *ex = mm_alert_kind_explanation(c->key);
        json_array_append_new(a,
                              json_pack("{s:s, s:I, s:I, s:o, s:o, s:o}", "kind", c->key, "count",
                                        (json_int_t)c->count, "devices", (json_int_t)c->devices,
                                        "what", ex_text(ex, "what"), "threat",
                                        ex_text(ex, "threat"), "todo", ex_text(ex, "todo")));
    }
    return a;
}

json_t *mm_monthly_model(const struct mm_monthly *m, const char *month, int64_t now)
{
    int64_t seen, total;
    json_t *sensors = sensors_json(m, &seen, &total);
    return json_pack(
        "{s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:o, "
        "s:{s:I, s:{s:I, s:I, s:I, s:I}, s:o}, s:{s:I, s:I, s:I, s:I, s:I}, "
        "s:{s:I, s:I, s:o}, s:o, s:o, s:o}",
        "report", "monthly", "tenant_id", (json_int_t)m->tenant_id, "tenant_name", m->tenant_name,
        "tenant_lang", m->tenant_lang, "month", month, "since", mm_desk_json_time(m->since),
        "until", mm_desk_json_time(m->until), "generated_at", mm_desk_json_time(now), "alerts",
        "total", (json_int_t)m->alerts_total, "by_severity", "1",
        (json_int_t)m->alerts_by_severity[1], "2", (json_int_t)m->alerts_by_severity[2], "3",
        (json_int_t)m->alerts_by_severity[3], "4", (json_int_t)m->alerts_by_severity[4],
        "by_category", counts_json(m->alert_categories, m->nalert_categories, "category"),
        "incidents", "opened", (json_int_t)m->incidents_opened, "closed",
        (json_int_t)m->incidents_closed, "remote", (json_int_t)m->incidents_remote, "onsite",
        (json_int_t)m->incidents_onsite, "sla_breaches", (json_int_t)m->incidents_breached,
        "tickets", "opened", (json_int_t)m->tickets_opened, "resolved",
        (json_int_t)m->tickets_resolved, "by_category",
        counts_json(m->ticket_categories, m->nticket_categories, "category"), "sensors", sensors,
        "uptime_percent", percent(seen, total), "advice", advice_json(m));
}

static int set_var(json_t *vars, const char *key, struct mm_buf *b)
{
    int r =
        json_object_set_new(vars, key, json_string(b->data ? b->data : "")) == 0 ? 0 : MM_ENOMEM;
    mm_buf_reset(b);
    return r;
}

static const char *field(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* English plural words for the count n named name: {{name_s}} ("" or "s")
 * and {{name_were}} ("was" or "were"); Japanese templates need none. */
static int plural_vars(json_t *vars, const char *name, json_int_t n)
{
    char key[48];
    snprintf(key, sizeof key, "%s_s", name);
    int r = json_object_set_new(vars, key, json_string(n == 1 ? "" : "s")) == 0 ? 0 : MM_ENOMEM;
    snprintf(key, sizeof key, "%s_were", name);
    if (r == 0)
        r = json_object_set_new(vars, key, json_string(n == 1 ? "was" : "were")) == 0 ? 0
                                                                                      : MM_ENOMEM;
    return r;
}

/* Integer figures at a JSON path "a.b" as text variables, with their plural
 * words. */
static int number_vars(json_t *vars, const json_t *model, struct mm_buf *b)
{
    static const char *const map[][3] = {
        {"alerts_total", "alerts", "total"},
        {"incidents_opened", "incidents", "opened"},
        {"incidents_closed", "incidents", "closed"},
        {"incidents_remote", "incidents", "remote"},
        {"incidents_onsite", "incidents", "onsite"},
        {"incidents_breached", "incidents", "sla_breaches"},
        {"tickets_opened", "tickets", "opened"},
        {"tickets_resolved", "tickets", "resolved"},
    };
    int r = 0;
    for (size_t i = 0; r == 0 && i < sizeof map / sizeof map[0]; i++) {
        const json_t *v = json_object_get(json_object_get(model, map[i][1]), map[i][2]);
        r = mm_buf_printf(b, "%lld", (long long)json_integer_value(v));
        if (r == 0)
            r = set_var(vars, map[i][0], b);
        if (r == 0)
            r = plural_vars(vars, map[i][0], json_integer_value(v));
    }
    const json_t *sev = json_object_get(json_object_get(model, "alerts"), "by_severity");
    for (int s = 1; r == 0 && s <= 4; s++) {
        char key[8], name[8];
        snprintf(key, sizeof key, "%d", s);
        snprintf(name, sizeof name, "sev%d", s);
        r = mm_buf_printf(b, "%lld", (long long)json_integer_value(json_object_get(sev, key)));
        if (r == 0)
            r = set_var(vars, name, b);
    }
    return r;
}

static int category_list(json_t *vars, const char *var, const json_t *list, bool tickets,
                         enum mm_lang lang, struct mm_buf *b)
{
    const json_t *v;
    size_t i;
    int r = mm_buf_putc(b, '\n');
    json_array_foreach(list, i, v)
    {
        const char *c = field(v, "category");
        if (r == 0)
            r = mm_buf_puts(b, "- ");
        if (r == 0)
            r = mm_report_md_escape(
                b, tickets ? mm_ticket_category_label(c, lang) : mm_alert_category_label(c, lang),
                true);
        if (r == 0)
            r = mm_buf_printf(b, lang == MM_LANG_JA ? "：%lld 件\n" : ": %lld\n",
                              (long long)json_integer_value(json_object_get(v, "count")));
    }
    if (r == 0 && json_array_size(list) == 0)
        r = mm_buf_puts(b, mm_tr("center-desk", "report.none", lang));
    return r == 0 ? set_var(vars, var, b) : r;
}

static int uptime_text(struct mm_buf *b, const json_t *pct, enum mm_lang lang)
{
    if (!json_is_number(pct))
        return mm_buf_puts(b, lang == MM_LANG_JA ? "（記録なし）" : "(no record)");
    return mm_buf_printf(b, "%.1f%%", json_number_value(pct));
}

static int sensor_vars(json_t *vars, const json_t *model, enum mm_lang lang, struct mm_buf *b)
{
    const json_t *v, *list = json_object_get(model, "sensors");
    size_t i;
    int r = uptime_text(b, json_object_get(model, "uptime_percent"), lang);
    if (r == 0)
        r = set_var(vars, "uptime", b);
    if (r == 0)
        r = mm_buf_putc(b, '\n');
    json_array_foreach(list, i, v)
    {
        if (r == 0)
            r = mm_buf_puts(b, "- ");
        if (r == 0)
            r = mm_report_md_escape(b, field(v, "name"), true);
        if (r == 0)
            r = mm_buf_puts(b, lang == MM_LANG_JA ? "：" : ": ");
        if (r == 0)
            r = uptime_text(b, json_object_get(v, "uptime_percent"), lang);
        if (r == 0)
            r = mm_buf_putc(b, '\n');
    }
    if (r == 0 && json_array_size(list) == 0)
        r = mm_buf_puts(b, mm_tr("center-desk", "monthly.no_sensor", lang));
    return r == 0 ? set_var(vars, "sensors", b) : r;
}

/* "(2 alerts, 2 devices)": the devices only when the alerts named any. */
static int advice_counts(struct mm_buf *b, const json_t *v, enum mm_lang lang)
{
    long long n = json_integer_value(json_object_get(v, "count"));
    long long d = json_integer_value(json_object_get(v, "devices"));
    if (lang == MM_LANG_JA)
        return d > 0 ? mm_buf_printf(b, "（%lld 件、機器 %lld 台）", n, d)
                     : mm_buf_printf(b, "（%lld 件）", n);
    if (d > 0)
        return mm_buf_printf(b, " (%lld alert%s, %lld device%s)", n, n == 1 ? "" : "s", d,
                             d == 1 ? "" : "s");
    return mm_buf_printf(b, " (%lld alert%s)", n, n == 1 ? "" : "s");
}

/* " → していただきたいこと：TODO" after an item, when its kind has one. */
static int advice_todo(struct mm_buf *b, const json_t *v, enum mm_lang lang)
{
    const char *todo = mm_text(json_object_get(v, "todo"), lang);
    if (!todo || !*todo)
        return 0;
    int r = mm_buf_puts(b, mm_tr("center-desk", "monthly.advice_todo", lang));
    return r == 0 ? mm_report_md_escape(b, todo, true) : r;
}

/* One item: the kind's "what" in bold, the counts, then its threat as the
 * risk to watch for and what the owner does about it. */
static int advice_item(struct mm_buf *b, const json_t *v, enum mm_lang lang)
{
    const char *what = mm_text(json_object_get(v, "what"), lang);
    const char *threat = mm_text(json_object_get(v, "threat"), lang);
    const char *stop = lang == MM_LANG_JA ? "。" : ".";
    size_t tl = strlen(threat), sl = strlen(stop);
    int r = mm_buf_puts(b, "- **");
    if (r == 0)
        r = mm_report_md_escape(b, what, true);
    if (r == 0)
        r = mm_buf_puts(b, "**");
    if (r == 0)
        r = advice_counts(b, v, lang);
    if (r == 0 && *threat) {
        r = mm_buf_puts(b, mm_tr("center-desk", "monthly.advice_threat", lang));
        if (r == 0)
            r = mm_report_md_escape(b, threat, true);
        if (r == 0 && (tl < sl || strcmp(threat + tl - sl, stop) != 0))
            r = mm_buf_puts(b, stop);
    }
    if (r == 0)
        r = advice_todo(b, v, lang);
    return r == 0 ? mm_buf_putc(b, '\n') : r;
}

static int advice_vars(json_t *vars, const json_t *model, enum mm_lang lang, struct mm_buf *b)
{
    const json_t *v, *list = json_object_get(model, "advice");
    size_t i;
    int r = 0;
    json_array_foreach(list, i, v)
    {
        if (r == 0)
            r = advice_item(b, v, lang);
    }
    if (r == 0 && json_array_size(list) > 0) {
        r = mm_buf_putc(b, '\n');
        if (r == 0)
            r = mm_buf_puts(b, mm_tr("center-desk", "monthly.advice_next", lang));
    }
    if (r == 0 && json_array_size(list) == 0)
        r = mm_buf_puts(b, mm_tr("center-desk", "monthly.no_advice", lang));
    return r == 0 ? set_var(vars, "advice", b) : r;
}

int mm_monthly_md(const json_t *model, enum mm_lang lang, struct mm_buf *out)
{
    json_t *vars = json_object();
    struct mm_buf b;
    char gen[48], month[48];
    mm_buf_init(&b);
    int r = vars ? 0 : MM_ENOMEM;
    if (r == 0)
        r = mm_report_md_escape(&b, field(model, "tenant_name"), true);
    if (r == 0)
        r = set_var(vars, "tenant_name", &b);
    mm_report_month_text(field(model, "month"), lang, month);
    if (r == 0 && (r = mm_buf_puts(&b, month)) == 0)
        r = set_var(vars, "month", &b);
    mm_report_time_text(field(model, "generated_at"), lang, gen);
    if (r == 0 && (r = mm_buf_puts(&b, gen)) == 0)
        r = set_var(vars, "generated_at", &b);
    if (r == 0)
        r = number_vars(vars, model, &b);
    if (r == 0)
        r = category_list(vars, "alert_categories",
                          json_object_get(json_object_get(model, "alerts"), "by_category"), false,
                          lang, &b);
    if (r == 0)
        r = category_list(vars, "ticket_categories",
                          json_object_get(json_object_get(model, "tickets"), "by_category"), true,
                          lang, &b);
    if (r == 0)
        r = sensor_vars(vars, model, lang, &b);
    if (r == 0)
        r = advice_vars(vars, model, lang, &b);
    if (r == 0 && (r = mm_report_time_note(lang, &b)) == 0)
        r = set_var(vars, "time_note", &b);
    if (r == 0 && (r = mm_vendor_issuer(&b, lang)) == 0)
        r = set_var(vars, "issuer", &b);
    if (r == 0)
        r = mm_report_template("monthly", lang, vars, out);
    mm_buf_free(&b);
    json_decref(vars);
    return r;
}
