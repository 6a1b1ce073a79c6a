/* SPDX-License-Identifier: Apache-2.0
 * Owns the incident report: its model (tenant, incident with SLA state,
 * dispatch, timeline without internal notes, linked alerts) and its
 * Markdown in the reader's language (data/center/report/incident.*.md),
 * written for the SME, its insurer and reports to the authorities. */
#include <stdlib.h>
#include <string.h>

#include "center/alerts.h"
#include "center/incident-json.h"
#include "center/incident.h"
#include "center/report.h"
#include "center/vendor.h"
#include "core/error.h"

#define REPORT_ALERTS_MAX 50

static int add_alert(int64_t id, void *arg)
{
    return json_array_append_new(arg, json_integer(id)) == 0 ? 0 : MM_ENOMEM;
}

static int add_entry(const struct mm_timeline_entry *e, void *arg)
{
    return json_array_append_new(arg, mm_json_timeline_entry(e)) == 0 ? 0 : MM_ENOMEM;
}

/* A linked alert as the report lists it: its headline in each language (as
 * the web UI shows it) beside the signature, which is meant for the vendor. */
static json_t *alert_json(const struct mm_alert *a)
{
    char ja[sizeof a->message_ja], en[sizeof a->message_en];
    mm_alert_headline(a, MM_LANG_JA, sizeof ja - 1, ja, sizeof ja);
    mm_alert_headline(a, MM_LANG_EN, sizeof en - 1, en, sizeof en);
    return json_pack("{s:I, s:s, s:{s:s, s:s}, s:i, s:I, s:s, s:o, s:o}", "id", (json_int_t)a->id,
                     "signature", a->signature, "title", "ja", ja, "en", en, "severity",
                     a->severity, "count", (json_int_t)a->count, "device", a->device, "first_seen",
                     mm_desk_json_time(a->first_seen), "last_seen",
                     mm_desk_json_time(a->last_seen));
}

/* Replaces the ids in alert_ids by short alert objects (at most 50). */
static int expand_alerts(struct mm_store *st, const struct mm_scope *scope, json_t *ids,
                         json_t **out)
{
    json_t *list = json_array(), *v;
    size_t i;
    struct mm_alert *a = malloc(sizeof *a);
    int r = a && list ? 0 : MM_ENOMEM;
    json_array_foreach(ids, i, v)
    {
        if (r != 0 || i >= REPORT_ALERTS_MAX)
            break;
        r = st->ops->alert_get(st, scope, json_integer_value(v), a);
        if (r == 0)
            r = json_array_append_new(list, alert_json(a)) == 0 ? 0 : MM_ENOMEM;
    }
    free(a);
    if (r != 0) {
        json_decref(list);
        return r;
    }
    *out = list;
    return 0;
}

int mm_incident_report_model(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                             int64_t now, json_t **out)
{
    struct mm_incident *in = calloc(1, sizeof *in);
    struct mm_tenant t;
    struct mm_sla sla;
    struct mm_dispatch d;
    json_t *m = NULL, *ids = json_array(), *timeline = json_array(), *alerts = NULL;
    *out = NULL;
    int r = in && ids && timeline ? st->ops->incident_get(st, scope, id, in) : MM_ENOMEM;
    if (r == 0)
        r = st->ops->tenant_get(st, scope, in->tenant_id, &t);
    if (r == 0)
        r = st->ops->sla_get(st, scope, in->tenant_id, &sla);
    if (r == 0)
        r = st->ops->incident_alert_ids(st, scope, id, add_alert, ids);
    if (r == 0)
        r = expand_alerts(st, scope, ids, &alerts);
    if (r == 0)
        r = st->ops->incident_timeline(st, scope, id, false, add_entry, timeline);
    int rd = r == 0 ? st->ops->incident_dispatch(st, scope, id, &d) : r;
    if (r == 0 && rd != 0 && rd != MM_ENOENT)
        r = rd;
    if (r == 0) {
        m = json_pack("{s:s, s:o, s:{s:I, s:s, s:s}, s:o, s:o, s:o, s:o}", "report", "incident",
                      "generated_at", mm_desk_json_time(now), "tenant", "id", (json_int_t)t.id,
                      "name", t.name, "lang", t.lang, "incident", mm_json_incident(in, &sla, now),
                      "dispatch", rd == 0 ? mm_json_dispatch(&d) : json_null(), "timeline",
                      timeline, "alerts", alerts);
        timeline = alerts = NULL;
        r = m ? 0 : MM_ENOMEM;
    }
    free(in);
    json_decref(ids);
    json_decref(timeline);
    json_decref(alerts);
    if (r == 0)
        *out = m;
    return r;
}

static const char *tr(const char *key, enum mm_lang lang)
{
    return mm_tr("center-desk", key, lang);
}

static const char *field(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* Sets vars[key] to a text built in b (b is reset). */
static int set_var(json_t *vars, const char *key, struct mm_buf *b)
{
    int r =
        json_object_set_new(vars, key, json_string(b->data ? b->data : "")) == 0 ? 0 : MM_ENOMEM;
    mm_buf_reset(b);
    return r;
}

static int set_text(json_t *vars, const char *key, const char *text, bool inline_only,
                    enum mm_lang lang, struct mm_buf *b)
{
    int r = *text ? mm_report_md_escape(b, text, inline_only)
                  : mm_buf_puts(b, tr("report.empty", lang));
    return r == 0 ? set_var(vars, key, b) : r;
}

/* A time, or what has not happened yet (not_yet: "まだ解決していません"). */
static int set_time(json_t *vars, const char *key, const json_t *t, const char *not_yet,
                    enum mm_lang lang, struct mm_buf *b)
{
    char s[48];
    mm_report_time_text(json_string_value(t), lang, s);
    int r = mm_buf_puts(b, *s ? s : tr(not_yet, lang));
    return r == 0 ? set_var(vars, key, b) : r;
}

/* "- Time to resolve: 12 min (within the target of 1 day)" style line: spans
 * in days, hours and minutes (mm_minutes_text), as the web UI shows them; a
 * step not reached yet says what has not happened (not_yet: "まだ解決して
 * いません") and whether the target has passed already. The sentence around
 * the two spans is the catalogue's (report.sla_*: {took}, {target}). */
static int sla_line(struct mm_buf *b, const char *label, const json_t *secs, const char *not_yet,
                    int target, bool breached, enum mm_lang lang)
{
    struct mm_buf took, goal;
    mm_buf_init(&took);
    mm_buf_init(&goal);
    bool reached = json_is_integer(secs);
    int r = reached ? mm_minutes_text(&took, json_integer_value(secs) / 60, lang)
                    : mm_buf_puts(&took, tr(not_yet, lang));
    if (r == 0)
        r = mm_minutes_text(&goal, target, lang);
    if (r == 0)
        r = mm_buf_printf(b, lang == MM_LANG_JA ? "- %s：" : "- %s: ", label);
    if (r == 0) {
        const char *key = reached ? (breached ? "report.sla_missed" : "report.sla_met")
                                  : (breached ? "report.sla_overdue" : "report.sla_pending");
        const struct mm_fill_var vars[] = {{"took", took.data}, {"target", goal.data}};
        r = mm_fill(b, MM_FILL_MAX, tr(key, lang), vars, 2, 0);
    }
    if (r == 0)
        r = mm_buf_putc(b, '\n');
    mm_buf_free(&took);
    mm_buf_free(&goal);
    return r;
}

/* The figure is the time from the incident's opening (受付) to its first step
 * out of "assessing the situation": when work on it started, the report's
 * "対応開始" / "Work started" (the web page's words too). */
static int sla_vars(json_t *vars, const json_t *sla, enum mm_lang lang, struct mm_buf *b)
{
    int r = sla_line(b, lang == MM_LANG_JA ? "対応開始までの時間" : "Time until work started",
                     json_object_get(sla, "time_to_acknowledge_s"), "report.not_acknowledged",
                     (int)json_integer_value(json_object_get(sla, "acknowledge_minutes")),
                     json_is_true(json_object_get(sla, "acknowledge_breached")), lang);
    if (r == 0)
        r = sla_line(b, lang == MM_LANG_JA ? "解決までの時間" : "Time to resolve",
                     json_object_get(sla, "time_to_resolve_s"), "report.not_resolved",
                     (int)json_integer_value(json_object_get(sla, "resolve_minutes")),
                     json_is_true(json_object_get(sla, "resolve_breached")), lang);
    return r == 0 ? set_var(vars, "sla", b) : r;
}

static int dispatch_vars(json_t *vars, const json_t *d, enum mm_lang lang, struct mm_buf *b)
{
    static const char *const keys[] = {"who", "where", "contact", "notes"};
    static const char *const ja[] = {"担当者", "場所", "連絡先", "メモ"};
    static const char *const en[] = {"Who", "Where", "Contact", "Notes"};
    char when[48];
    int r = 0;
    if (!json_is_object(d)) {
        r = mm_buf_puts(b, tr("report.no_dispatch", lang));
        return r == 0 ? set_var(vars, "dispatch", b) : r;
    }
    mm_report_time_text(field(d, "when"), lang, when);
    r = mm_buf_printf(b, lang == MM_LANG_JA ? "- **日時**：%s\n" : "- **When**: %s\n", when);
    for (int i = 0; r == 0 && i < 4; i++) {
        if (!*field(d, keys[i]))
            continue;
        r = mm_buf_printf(b, lang == MM_LANG_JA ? "- **%s**：" : "- **%s**: ",
                          lang == MM_LANG_JA ? ja[i] : en[i]);
        if (r == 0)
            r = mm_report_md_escape(b, field(d, keys[i]), true);
        if (r == 0)
            r = mm_buf_putc(b, '\n');
    }
    return r == 0 ? set_var(vars, "dispatch", b) : r;
}

/* One timeline line: time, what kind, the change, the text. */
static int timeline_line(struct mm_buf *b, const json_t *e, enum mm_lang lang)
{
    char at[48], key[48];
    mm_report_time_text(field(e, "at"), lang, at);
    snprintf(key, sizeof key, "timeline.%s", field(e, "kind"));
    int r = mm_buf_printf(b, "- %s — **%s**", at, tr(key, lang));
    if (r == 0 && *field(e, "to")) {
        snprintf(key, sizeof key, "incident.status.%s", field(e, "to"));
        r = mm_buf_printf(b, lang == MM_LANG_JA ? "：%s" : ": %s", tr(key, lang));
    }
    if (r == 0 && *field(e, "body") && strcmp(field(e, "kind"), "created") != 0) {
        r = mm_buf_puts(b, " — ");
        if (r == 0)
            r = mm_report_md_escape(b, field(e, "body"), true);
    }
    return r == 0 ? mm_buf_putc(b, '\n') : r;
}

static int list_vars(json_t *vars, const json_t *model, enum mm_lang lang, struct mm_buf *b)
{
    const json_t *v;
    size_t i;
    int r = 0;
    json_array_foreach(json_object_get(model, "timeline"), i, v)
    {
        if (r == 0)
            r = timeline_line(b, v, lang);
    }
    if (r == 0)
        r = set_var(vars, "timeline", b);
    json_array_foreach(json_object_get(model, "alerts"), i, v)
    {
        char first[48], key[16];
        mm_report_time_text(field(v, "first_seen"), lang, first);
        snprintf(key, sizeof key, "severity.%d",
                 (int)json_integer_value(json_object_get(v, "severity")));
        if (r == 0)
            r = mm_buf_printf(b, "- #%lld ",
                              (long long)json_integer_value(json_object_get(v, "id")));
        if (r == 0)
            r = mm_report_md_escape(b, mm_text(json_object_get(v, "title"), lang), true);
        if (r == 0)
            r = mm_buf_printf(b, " — %s, %s × %lld\n", tr(key, lang), first,
                              (long long)json_integer_value(json_object_get(v, "count")));
    }
    if (r == 0 && json_array_size(json_object_get(model, "alerts")) == 0)
        r = mm_buf_puts(b, tr("report.none", lang));
    return r == 0 ? set_var(vars, "alerts", b) : r;
}

/* The label texts of the incident's coded fields. */
static int label_vars(json_t *vars, const json_t *in, enum mm_lang lang, struct mm_buf *b)
{
    char key[48];
    snprintf(key, sizeof key, "severity.%d",
             (int)json_integer_value(json_object_get(in, "severity")));
    int r = mm_buf_puts(b, tr(key, lang));
    if (r == 0)
        r = set_var(vars, "severity", b);
    snprintf(key, sizeof key, "incident.source.%s", field(in, "source"));
    if (r == 0 && (r = mm_buf_puts(b, tr(key, lang))) == 0)
        r = set_var(vars, "source", b);
    snprintf(key, sizeof key, "incident.status.%s", field(in, "status"));
    if (r == 0 && (r = mm_buf_puts(b, tr(key, lang))) == 0)
        r = set_var(vars, "status", b);
    snprintf(key, sizeof key, "handling.%s", field(in, "handling"));
    if (r == 0 && (r = mm_buf_puts(b, tr(key, lang))) == 0)
        r = set_var(vars, "handling", b);
    return r;
}

/* The incident's title in the report's language (title_i18n), else as
 * stored. */
static const char *incident_title(const json_t *in, enum mm_lang lang)
{
    const json_t *t = json_object_get(in, "title_i18n");
    return t ? mm_text(t, lang) : field(in, "title");
}

int mm_incident_report_md(const json_t *model, enum mm_lang lang, struct mm_buf *out)
{
    static const char *const texts[] = {"summary", "impact", "actions", "advice"};
    const json_t *in = json_object_get(model, "incident");
    json_t *vars = json_object();
    struct mm_buf b;
    mm_buf_init(&b);
    int r = vars ? 0 : MM_ENOMEM;
    if (r == 0)
        r = set_text(vars, "tenant_name", field(json_object_get(model, "tenant"), "name"), true,
                     lang, &b);
    if (r == 0 && (r = mm_buf_printf(
                       &b, "%lld", (long long)json_integer_value(json_object_get(in, "id")))) == 0)
        r = set_var(vars, "id", &b);
    if (r == 0)
        r = set_text(vars, "title", incident_title(in, lang), true, lang, &b);
    if (r == 0)
        r = set_text(vars, "outcome", field(in, "outcome"), true, lang, &b);
    for (int i = 0; r == 0 && i < 4; i++)
        r = set_text(vars, texts[i], field(in, texts[i]), false, lang, &b);
    if (r == 0)
        r = set_time(vars, "generated_at", json_object_get(model, "generated_at"),
                     "report.not_reached", lang, &b);
    if (r == 0)
        r = set_time(vars, "created_at", json_object_get(in, "created_at"), "report.not_reached",
                     lang, &b);
    if (r == 0)
        r = set_time(vars, "acknowledged_at", json_object_get(in, "acknowledged_at"),
                     "report.not_acknowledged", lang, &b);
    if (r == 0)
        r = set_time(vars, "resolved_at", json_object_get(in, "resolved_at"), "report.not_resolved",
                     lang, &b);
    if (r == 0)
        r = label_vars(vars, in, lang, &b);
    if (r == 0)
        r = sla_vars(vars, json_object_get(in, "sla"), lang, &b);
    if (r == 0)
        r = dispatch_vars(vars, json_object_get(model, "dispatch"), lang, &b);
    if (r == 0)
        r = list_vars(vars, model, lang, &b);
    if (r == 0 && (r = mm_report_time_note(lang, &b)) == 0)
        r = set_var(vars, "time_note", &b);
    if (r == 0 && (r = mm_vendor_issuer(&b, lang)) == 0)
        r = set_var(vars, "issuer", &b);
    if (r == 0)
        r = mm_report_template("incident", lang, vars, out);
    mm_buf_free(&b);
    json_decref(vars);
    return r;
}
