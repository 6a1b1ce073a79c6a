/* SPDX-License-Identifier: Apache-2.0
 * Owns the report routes: the printable incident report
 * (/api/v1/incidents/{incident}/report, html|md|json), the monthly report
 * of a tenant (/api/v1/tenants/{tenant}/reports/monthly for its users,
 * /api/v1/reports/monthly?tenant= for the vendor), and the report style
 * sheet that the HTML pages link (the CSP forbids inline styles). */
#include "center/api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/api/desk-api.h"
#include "center/report.h"
#include "core/data.h"
#include "core/error.h"
#include "core/timefmt.h"

enum report_format { FORMAT_HTML, FORMAT_MD, FORMAT_JSON, FORMAT_PDF };

static int read_format(struct mm_request *req, bool md_allowed, enum report_format *out)
{
    const char *f = mm_req_query(req, "format");
    *out = FORMAT_HTML;
    if (!f || strcmp(f, "html") == 0)
        return 0;
    if (strcmp(f, "json") == 0)
        return *out = FORMAT_JSON, 0;
    if (strcmp(f, "pdf") == 0)
        return *out = FORMAT_PDF, 0;
    if (md_allowed && strcmp(f, "md") == 0)
        return *out = FORMAT_MD, 0;
    return mm_desk_fail(req, 400, "bad_request",
                        md_allowed ? "format must be html, md, pdf or json"
                                   : "format must be html, pdf or json");
}

int mm_desk_report_lang(struct mm_request *req, const char *tenant_lang, enum mm_lang *out)
{
    const char *l = mm_req_query(req, "lang");
    if (l) {
        if ((strcmp(l, "ja") != 0 && strcmp(l, "en") != 0) || mm_lang_parse(l, out) != 0)
            return mm_desk_fail(req, 400, "bad_request", "lang must be ja or en");
        return 0;
    }
    return mm_lang_parse(tenant_lang, out) == 0 ? 0 : (*out = MM_LANG_JA, 0);
}

/* Replies with the model as JSON, Markdown or a print-ready HTML page. */
static int reply_report(struct mm_request *req, enum report_format fmt, json_t *model,
                        enum mm_lang lang, const char *title, const char *filename,
                        int (*md_fn)(const json_t *, enum mm_lang, struct mm_buf *))
{
    struct mm_buf md, html;
    if (fmt == FORMAT_JSON)
        return mm_reply_json(req, 200, model);
    mm_buf_init(&md);
    mm_buf_init(&html);
    int r = md_fn(model, lang, &md);
    json_decref(model);
    static const char *const ext[] = {"html", "md", "json", "pdf"};
    static const char *const type[] = {"text/html; charset=utf-8", "text/markdown; charset=utf-8",
                                       "application/json", "application/pdf"};
    if (r == 0 && fmt == FORMAT_HTML)
        r = mm_report_html(md.data, lang, title, &html);
    /* A HEAD of a PDF gets GET's status and headers without the rendering
     * (seconds of cairo and Pango for a body that is dropped): no
     * Content-Length then (mm_reply_head). */
    bool head_only = fmt == FORMAT_PDF && req->method == MM_HEAD;
    if (r == 0 && head_only && !mm_report_pdf_available())
        r = MM_EUNSUPPORTED;
    else if (r == 0 && fmt == FORMAT_PDF && !head_only)
        r = mm_report_pdf(md.data, lang, title, &html);
    const struct mm_buf *b = fmt == FORMAT_MD ? &md : &html;
    if (r == 0) {
        char *disp = mm_arena_printf(&req->arena, "inline; filename=\"%s.%s\"", filename, ext[fmt]);
        r = mm_reply_header(req, "Content-Disposition", disp);
    }
    if (r == 0)
        r = head_only ? mm_reply_head(req, 200, type[fmt])
                      : mm_reply_bytes(req, 200, type[fmt], b->data, b->len);
    if (r == MM_EUNSUPPORTED)
        r = mm_desk_fail(req, 400, "bad_request", "PDF is not available in this build");
    mm_buf_free(&md);
    mm_buf_free(&html);
    return r;
}

int mm_api_incident_report(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    enum report_format fmt;
    enum mm_lang lang = MM_LANG_JA;
    json_t *model = NULL;
    int64_t id = mm_req_param(req, "incident");
    int r = mm_incident_report_model(st, &req->who.scope, id, req->now, &model);
    if (r != 0)
        return r;
    const json_t *tenant = json_object_get(model, "tenant");
    r = read_format(req, true, &fmt);
    if (r == 0)
        r = mm_desk_report_lang(req, json_string_value(json_object_get(tenant, "lang")), &lang);
    if (r != 0) {
        json_decref(model);
        return r;
    }
    char *title = mm_arena_printf(&req->arena, "%s INC-%lld",
                                  lang == MM_LANG_JA ? "セキュリティ事故の報告書"
                                                     : "Security incident report",
                                  (long long)id);
    char *file = mm_arena_printf(&req->arena, "incident-%lld", (long long)id);
    return reply_report(req, fmt, model, lang, title, file, mm_incident_report_md);
}

/* [since, until) of "YYYY-MM", or of the month of now when absent: from
 * the first local midnight of the month to that of the next, in zone z. */
static int read_month(struct mm_request *req, const struct mm_zone *z, char month[16],
                      int64_t *since, int64_t *until)
{
    const char *m = mm_req_query(req, "month");
    int y, mo;
    if (m) {
        /* the dates' rule (digits only, month 1-12) on its first day */
        char first[16];
        snprintf(first, sizeof first, "%.7s-01", m);
        if (strlen(m) != 7 || mm_zone_date_start(z, first, since) != 0)
            return mm_desk_fail(req, 400, "bad_request", "month must be YYYY-MM");
        mm_zone_local_month(z, *since / 1000000, &y, &mo);
        if (y < 2000)
            return mm_desk_fail(req, 400, "bad_request", "month must be YYYY-MM");
    } else {
        mm_zone_local_month(z, req->now / 1000000, &y, &mo);
        *since = mm_zone_day_start(z, y, mo, 1) * 1000000;
    }
    snprintf(month, 16, "%04d-%02d", y % 10000, mo % 100);
    *until = mm_zone_day_start(z, y, mo + 1, 1) * 1000000;
    return 0;
}

static int monthly(struct mm_request *req, int64_t tenant)
{
    struct mm_store *st = req->center->store;
    const struct mm_zone *zone = mm_report_zone();
    struct mm_monthly *m = calloc(1, sizeof *m);
    enum report_format fmt;
    enum mm_lang lang = MM_LANG_JA;
    char month[16] = ""; /* read by the title and file name also on an error */
    int64_t since = 0, until = 0;
    int r = m ? 0 : MM_ENOMEM;
    if (r == 0)
        r = st->ops->report_monthly(st, &req->who.scope, tenant, 0, 1, req->now, m);
    if (r == 0)
        r = read_format(req, true, &fmt);
    if (r == 0)
        r = mm_desk_report_lang(req, m->tenant_lang, &lang);
    if (r == 0)
        r = read_month(req, zone, month, &since, &until);
    if (r == 0)
        r = st->ops->report_monthly(st, &req->who.scope, tenant, since, until, req->now, m);
    json_t *model = r == 0 ? mm_monthly_model(m, month, req->now) : NULL;
    if (r == 0 &&
        (!model || json_object_set_new(model, "timezone", json_string(mm_zone_name(zone))) != 0))
        r = MM_ENOMEM;
    char month_text[48];
    mm_report_month_text(month, lang, month_text);
    char *title = mm_arena_printf(&req->arena,
                                  lang == MM_LANG_JA ? "月次セキュリティ報告（%s）"
                                                     : "Monthly security report (%s)",
                                  month_text);
    char *file = mm_arena_printf(&req->arena, "monthly-%lld-%s", (long long)tenant, month);
    free(m);
    if (r != 0) {
        json_decref(model);
        return r;
    }
    return reply_report(req, fmt, model, lang, title, file, mm_monthly_md);
}

int mm_api_tenant_monthly(struct mm_request *req)
{
    return monthly(req, mm_req_param(req, "tenant"));
}

int mm_api_report_monthly(struct mm_request *req)
{
    int64_t tenant;
    int r = mm_api_query_int(req, "tenant", 1, INT64_MAX / 2, 0, &tenant);
    if (r != 0)
        return r;
    if (tenant == 0)
        return mm_reply_error(req, 400, "missing_field", "tenant");
    return monthly(req, tenant);
}

int mm_api_report_css(struct mm_request *req)
{
    const unsigned char *css = (const unsigned char *)"";
    size_t len = 0;
    mm_data_find("css/print.css", &css, &len);
    return mm_reply_bytes(req, 200, "text/css; charset=utf-8", css, len);
}
