/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the desk's reports: the text people type (incident
 * title, summary, impact, actions, advice, outcome, dispatch, timeline
 * notes, tenant name) goes into an incident report model and a monthly
 * model, then through Markdown escaping, the {{key}} templates, the HTML page
 * and (for small inputs) the PDF layout, in both languages. The input is
 * split on NUL bytes into those fields; the first byte picks options.
 * Nothing may crash, leak or read out of bounds, whatever the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "center/report.h"
#include "core/str.h"

#define FUZZ_INPUT_MAX (64 * 1024)
#define PDF_INPUT_MAX  2048
#define FIELDS         10

/* The font stack behind the PDF layout (fontconfig, cairo, Pango) keeps
 * process-wide caches until exit; LeakSanitizer is told they are not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\nleak:libcairo.so\nleak:libpango-1.0.so\n"
           "leak:libpangoft2-1.0.so\nleak:libpangocairo-1.0.so\nleak:libglib-2.0.so\n"
           "leak:libgobject-2.0.so\nleak:libharfbuzz.so\nleak:libfreetype.so\n";
}

static json_t *text(const char *f[], int i)
{
    return json_string(f[i] ? f[i] : "");
}

static json_t *incident_model(const char *f[], uint8_t opt)
{
    return json_pack(
        "{s:s, s:s, s:{s:i, s:o, s:s}, s:{s:i, s:o, s:i, s:s, s:s, s:s, s:s, s:s, s:o, s:o, "
        "s:o, s:o, s:o, s:o, s:{s:i, s:i, s:o, s:o, s:b, s:b}}, s:o, s:[{s:s, s:s, s:s, s:s, "
        "s:o, s:o, s:b}], s:[{s:i, s:o, s:i, s:i, s:s}]}",
        "report", "incident", "generated_at", "2026-04-01T00:00:00Z", "tenant", "id", 1, "name",
        text(f, 0), "lang", opt & 1 ? "ja" : "en", "incident", "id", 1, "title", text(f, 1),
        "severity", 1 + opt % 4, "status", opt & 2 ? "closed" : "onsite", "source", "alert",
        "handling", opt & 4 ? "onsite" : "remote", "created_at", "2026-04-01T00:00:00Z",
        "acknowledged_at", "2026-04-01T01:00:00Z", "summary", text(f, 2), "impact", text(f, 3),
        "actions", text(f, 4), "advice", text(f, 5), "outcome", text(f, 6), "resolved_at",
        opt & 2 ? json_string("garbage") : json_null(), "sla", "acknowledge_minutes", 60,
        "resolve_minutes", 1440, "time_to_acknowledge_s", json_integer(3600), "time_to_resolve_s",
        json_null(), "acknowledge_breached", opt & 8, "resolve_breached", opt & 16, "dispatch",
        opt & 4
            ? json_pack("{s:o, s:s, s:o, s:s, s:s}", "who", text(f, 7), "when",
                        "2026-04-02T01:00:00Z", "where", text(f, 8), "contact", "", "notes", "n")
            : json_null(),
        "timeline", "at", "2026-04-01T00:00:00Z", "kind", opt & 32 ? "status" : "bogus", "from",
        "triage", "to", "remote", "actor", text(f, 0), "body", text(f, 9), "internal", 0, "alerts",
        "id", 2, "signature", text(f, 1), "severity", 7, "count", 3, "first_seen", "x");
}

static void render(const json_t *model, bool monthly, bool pdf)
{
    for (int lang = 0; lang < 2; lang++) {
        struct mm_buf md, out;
        mm_buf_init(&md);
        mm_buf_init(&out);
        int r = monthly ? mm_monthly_md(model, (enum mm_lang)lang, &md)
                        : mm_incident_report_md(model, (enum mm_lang)lang, &md);
        if (r == 0 && md.data) {
            mm_report_html(md.data, (enum mm_lang)lang, "t", &out);
            mm_buf_reset(&out);
            if (pdf)
                mm_report_pdf(md.data, (enum mm_lang)lang, "t", &out);
        }
        mm_buf_free(&md);
        mm_buf_free(&out);
    }
}

static void monthly(const char *f[], uint8_t opt, bool pdf)
{
    struct mm_monthly *m = calloc(1, sizeof *m);
    if (!m)
        return;
    m->tenant_id = 1;
    snprintf(m->tenant_name, sizeof m->tenant_name, "%s", f[0] ? f[0] : "");
    m->nalert_categories = opt % 3;
    for (int i = 0; i < m->nalert_categories; i++)
        snprintf(m->alert_categories[i].key, sizeof m->alert_categories[i].key, "%s",
                 f[1 + i] ? f[1 + i] : "");
    m->ntop_kinds = opt & 1; /* any kind: one not in the catalogue gets the generic words */
    snprintf(m->top_kinds[0].key, sizeof m->top_kinds[0].key, "%s", f[4] ? f[4] : "");
    m->top_kinds[0].count = opt;
    m->top_kinds[0].devices = opt / 2;
    m->nsensors = 1;
    snprintf(m->sensors[0].name, sizeof m->sensors[0].name, "%s", f[5] ? f[5] : "");
    m->sensors[0].hours_total = opt;
    m->sensors[0].hours_seen = opt / 2;
    json_t *model = mm_monthly_model(m, "2026-04", 0);
    free(m);
    if (model)
        render(model, true, pdf);
    json_decref(model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t bad;
    if (size < 1 || size > FUZZ_INPUT_MAX || !mm_utf8_valid((const char *)data + 1, size - 1, &bad))
        return 0;
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, size - 1);
    copy[size - 1] = '\0';
    const char *f[FIELDS] = {0};
    size_t at = 0;
    for (int i = 0; i < FIELDS && at <= size - 1; i++) {
        f[i] = copy + at;
        at += strlen(copy + at) + 1;
    }
    bool pdf = size <= PDF_INPUT_MAX && (data[0] & 0xC0) == 0xC0; /* slow: font subsetting */
    json_t *model = incident_model(f, data[0]);
    if (model)
        render(model, false, pdf);
    json_decref(model);
    monthly(f, data[0], pdf);
    free(copy);
    return 0;
}
