/* SPDX-License-Identifier: Apache-2.0
 * The vendor's contact ([vendor] name, phone, hours of center.ini): who an
 * SME calls in an emergency, named in alert mail, reports and the owner's
 * home page. Read at start-up only (a reload leaves it for a restart). */
#ifndef MM_CENTER_VENDOR_H
#define MM_CENTER_VENDOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/i18n.h"

#define MM_VENDOR_NAME_MAX  120 /* bytes of [vendor] name (40 Japanese characters) */
#define MM_VENDOR_PHONE_MAX 40  /* bytes of [vendor] phone */
#define MM_VENDOR_HOURS_MAX 120 /* bytes of [vendor] hours */

/* Values as written (NULL or "": not set). */
struct mm_vendor {
    const char *name, *phone, *hours;
};

/* Checks one value of [vendor] (key "name", "phone" or "hours"): at most its
 * maximum in bytes, valid UTF-8, no control character (a line break would
 * break a mail or report line). Errors go to err ("FILE: [vendor] KEY ..."). */
int mm_vendor_check(const char *path, const char *key, const char *value, char *err, size_t errlen);

/* Makes v the contact in force (copied; NULL: none). Called at start-up,
 * before any thread reads it (mm_center_open). */
void mm_vendor_use(const struct mm_vendor *v);

/* Whether any of name, phone or hours is set. */
bool mm_vendor_set(void);

/* The sentence that says whom to call ("お困りのときは NAME（電話 PHONE、受付
 * HOURS）にお電話ください。"), only the parts set; nothing when none is. */
int mm_vendor_call(struct mm_buf *out, enum mm_lang lang);

/* The reports' issuer line ("発行: NAME（監視センター）　電話 PHONE"),
 * Markdown-escaped, as a paragraph of its own (after a blank line); nothing
 * when neither name nor phone is set. */
int mm_vendor_issuer(struct mm_buf *out, enum mm_lang lang);

/* {"name", "phone", "hours"} (null for a part not set), or JSON null when
 * none is set (GET /api/v1/me). */
json_t *mm_vendor_json(void);

#endif
