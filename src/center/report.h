/* SPDX-License-Identifier: Apache-2.0
 * The printable reports: the incident report (for the SME, its insurer and
 * the authorities) and the monthly report per tenant. Each is first a JSON
 * model (the format=json reply), then Markdown from the ja/en templates in
 * data/center/report/, then a print-ready A4 HTML page. */
#ifndef MM_CENTER_REPORT_H
#define MM_CENTER_REPORT_H

#include <jansson.h>
#include <stdint.h>

#include "center/store.h"
#include "center/zone.h"
#include "core/buf.h"
#include "core/i18n.h"

/* Fills data/center/report/<name>.<lang>.md, replacing each {{key}} with
 * the string vars[key] (inserted as is: escape user text first; a key that
 * vars lacks or holds no string for becomes nothing). At most 16 MiB:
 * MM_ELIMIT beyond. */
int mm_report_template(const char *name, enum mm_lang lang, const json_t *vars, struct mm_buf *out);
/* Appends text with Markdown's special characters escaped; line breaks kept
 * (inline: turned into spaces). */
int mm_report_md_escape(struct mm_buf *out, const char *text, bool inline_only);
/* A whole print-ready HTML page (mm_html_document) from Markdown. */
int mm_report_html(const char *md, enum mm_lang lang, const char *title, struct mm_buf *out);
/* An A4 PDF of the report's Markdown (report-pdf.c); MM_EUNSUPPORTED when
 * built without pangocairo. */
int mm_report_pdf(const char *md, enum mm_lang lang, const char *title, struct mm_buf *out);
/* Whether this build makes PDFs (mm_report_pdf answers MM_EUNSUPPORTED
 * otherwise); a HEAD of a PDF report asks this instead of rendering. */
bool mm_report_pdf_available(void);
/* The zone of printed report times: mm_center_open sets the configured one
 * ([reports] timezone) while the process has one thread; NULL (the default)
 * means Asia/Tokyo. Not for changing while requests run. */
void mm_report_use_zone(const struct mm_zone *zone);
const struct mm_zone *mm_report_zone(void);
/* The time of an RFC 3339 text for a reader, in the report zone, as the web
 * UI writes it: "2026年4月1日 18:15" in ja for Japan time, else with the
 * zone's abbreviation ("1 April 2026 18:15 JST", "1 April 2026 09:15 UTC");
 * "" for anything else. */
void mm_report_time_text(const char *rfc3339, enum mm_lang lang, char out[48]);
/* Month "YYYY-MM" as people write it: "2026年11月" / "November 2026" (kept
 * as given when not of that form). */
void mm_report_month_text(const char *month, enum mm_lang lang, char out[48]);
/* Appends the sentence saying which zone the times are in. */
int mm_report_time_note(enum mm_lang lang, struct mm_buf *out);

/* The incident report's model: tenant, incident (with SLA), dispatch,
 * timeline without internal notes, linked alerts. *out is a new reference. */
int mm_incident_report_model(struct mm_store *st, const struct mm_scope *scope, int64_t id,
                             int64_t now, json_t **out);
int mm_incident_report_md(const json_t *model, enum mm_lang lang, struct mm_buf *out);

/* The monthly report's model from the store's figures. */
json_t *mm_monthly_model(const struct mm_monthly *m, const char *month, int64_t now);
int mm_monthly_md(const json_t *model, enum mm_lang lang, struct mm_buf *out);

#endif
