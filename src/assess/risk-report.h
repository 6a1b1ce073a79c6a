/* SPDX-License-Identifier: Apache-2.0
 * Internals shared by the risk outputs (risk-report.c, risk-html.c): text
 * lookups (the {name} placeholders of translated messages are filled by
 * mm_fill, core/i18n.h). */
#ifndef MM_ASSESS_RISK_REPORT_H
#define MM_ASSESS_RISK_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "assess/risk.h"
#include "core/buf.h"
#include "core/i18n.h"

/* The header of a computed column ("importance", "likelihood", "risk",
 * "level", "decision") in lang. */
const char *mm__risk_computed_name(const char *id, enum mm_lang lang);

/* The heading of a column (input or computed, by id) in the HTML report. */
const char *mm__risk_label(const char *id, enum mm_lang lang);

/* "高" / "high" and so on; "対策する" / "treat" or "受け入れる" / "accept". */
const char *mm__risk_level_text(enum mm_risk_level level, enum mm_lang lang);
const char *mm__risk_decision_text(bool treat, enum mm_lang lang);

#endif
