/* SPDX-License-Identifier: Apache-2.0
 * Owns the report rendering shared by the incident report and the monthly
 * report: {{key}} templates (data/center/report/<name>.<lang>.md), Markdown
 * escaping of user text, the print-ready HTML page, and time texts in the
 * report time zone ([reports] timezone, zone.h). */
#include "center/report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/data.h"
#include "core/error.h"
#include "core/html.h"
#include "core/timefmt.h"

#define REPORT_MAX ((size_t)16 << 20) /* bytes of one report's Markdown */

int mm_report_template(const char *name, enum mm_lang lang, const json_t *vars, struct mm_buf *out)
{
    char path[128];
    const unsigned char *t;
    size_t len;
    snprintf(path, sizeof path, "center/report/%s.%s.md", name, mm_lang_code(lang));
    int r = mm_data_find(path, &t, &len);
    if (r != 0)
        return r;
    size_t n = 0;
    struct mm_fill_var *fv = calloc(json_object_size(vars) + 1, sizeof *fv);
    if (!fv)
        return MM_ENOMEM;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)vars, key, v) fv[n++] =
        (struct mm_fill_var){key, json_string_value(v)};
    r = mm_fill(out, REPORT_MAX, (const char *)t, fv, n, MM_FILL_DOUBLE | MM_FILL_DROP_UNKNOWN);
    free(fv);
    return r;
}

/* The digits at *p, which start a line; when 1 to 9 of them are followed by
 * '.' or ')' (an ordered list item's number, "2. x"), that character is
 * escaped, not a digit: Markdown escapes only punctuation, and "\\2" would
 * show its backslash. *p is left on the last character written. */
static int put_list_number(struct mm_buf *out, const char **p)
{
    const char *s = *p;
    size_t n = strspn(s, "0123456789");
    bool item = n <= 9 && (s[n] == '.' || s[n] == ')');
    int r = mm_buf_append(out, s, n);
    if (r == 0 && item)
        r = mm_buf_printf(out, "\\%c", s[n]);
    *p = s + n - 1 + (item ? 1 : 0);
    return r;
}

int mm_report_md_escape(struct mm_buf *out, const char *text, bool inline_only)
{
    int r = 0;
    bool line_start = true;
    for (const char *p = text; r == 0 && *p; p++) {
        char c = *p;
        if (c == '\r')
            continue;
        if (c == '\n') {
            r = mm_buf_puts(out, inline_only ? " " : "  \n");
            line_start = true;
            continue;
        }
        if (line_start && c >= '0' && c <= '9') {
            r = put_list_number(out, &p);
            line_start = false;
            continue;
        }
        bool lead = line_start && (c == '-' || c == '+' || c == '=');
        if (strchr("\\`*_[]<>#|~!&", c) || lead)
            r = mm_buf_putc(out, '\\');
        if (r == 0)
            r = mm_buf_putc(out, c);
        line_start = line_start && (c == ' ' || c == '\t');
    }
    return r;
}

/* The web UI's icon (data/web/favicon.svg), so a report's tab has it and the
 * browser does not ask for /favicon.ico. */
#define REPORT_ICON "<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n"

int mm_report_html(const char *md, enum mm_lang lang, const char *title, struct mm_buf *out)
{
    char *frag = NULL;
    struct mm_buf body;
    mm_buf_init(&body);
    int r = mm_markdown_to_html(md, strlen(md), &frag);
    /* The page links the print CSS, and the inline copy from
     * mm_html_document serves a saved file; the centre's
     * Content-Security-Policy allows that one inline style by its hash
     * (mm_csp), so browsers log no refusal. */
    if (r == 0)
        r = mm_buf_puts(&body, "<link rel=\"stylesheet\" href=\"/api/v1/report.css\">\n"
                               "<article class=\"mm-report\">\n");
    if (r == 0)
        r = mm_buf_puts(&body, frag);
    if (r == 0)
        r = mm_buf_puts(&body, "</article>\n");
    if (r == 0)
        r = mm_html_document_head(out, lang, title, REPORT_ICON, body.data, NULL);
    free(frag);
    mm_buf_free(&body);
    return r;
}

/* The zone of printed times: set at start-up (mm_center_open), read after. */
static const struct mm_zone *report_zone;

void mm_report_use_zone(const struct mm_zone *zone)
{
    report_zone = zone;
}

const struct mm_zone *mm_report_zone(void)
{
    return report_zone ? report_zone : mm_zone_japan();
}

/* A day as the web UI and the policy documents write it (mm_date_text);
 * YYYY-MM-DD for a month out of range. */
static int day_text(const struct tm *tm, enum mm_lang lang, char *out, size_t outlen)
{
    int y = tm->tm_year + 1900, m = tm->tm_mon + 1, d = tm->tm_mday;
    int n = mm_date_text(y, m, d, lang, out, outlen);
    return n >= 0 ? n : snprintf(out, outlen, "%04d-%02d-%02d", y, m, d);
}

void mm_report_time_text(const char *s, enum mm_lang lang, char out[48])
{
    int64_t usec;
    const char *abbr = "";
    const struct mm_zone *z = mm_report_zone();
    out[0] = '\0';
    if (!s || mm_time_parse(s, &usec) != 0)
        return;
    struct tm tm;
    if (!mm_zone_localtime(z, usec / 1000000, &tm, &abbr))
        return;
    int n = day_text(&tm, lang, out, 48);
    if (n > 0 && n < 48)
        n += snprintf(out + n, 48 - (size_t)n, " %02d:%02d", tm.tm_hour, tm.tm_min);
    /* Japanese readers of a Japan-time report need no zone after each time. */
    if (n > 0 && n < 48 && (lang != MM_LANG_JA || !mm_zone_is_japan(z)))
        snprintf(out + n, 48 - (size_t)n, " %s", abbr);
}

void mm_report_month_text(const char *month, enum mm_lang lang, char out[48])
{
    int y, m, n = 0;
    snprintf(out, 48, "%s", month ? month : "");
    if (month && sscanf(month, "%4d-%2d%n", &y, &m, &n) == 2 && !month[n])
        mm_month_text(y, m, lang, out, 48); /* else (no month 1-12) kept as given */
}

int mm_report_time_note(enum mm_lang lang, struct mm_buf *out)
{
    const struct mm_zone *z = mm_report_zone();
    if (mm_zone_is_japan(z))
        return mm_buf_puts(out, mm_tr("center-desk", "report.time_note", lang));
    const struct mm_fill_var var = {"zone", mm_zone_name(z)};
    return mm_fill(out, MM_FILL_MAX, mm_tr("center-desk", "report.time_note_zone", lang), &var, 1,
                   0);
}
