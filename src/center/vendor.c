/* SPDX-License-Identifier: Apache-2.0
 * Owns the vendor's contact ([vendor] name, phone, hours): the check of its
 * values when the settings are read (config.c), the contact in force, and
 * the sentences that name it: whom to call in alert mail (mail-render.c),
 * the issuer line of reports, and its JSON for GET /api/v1/me. */
#include "center/vendor.h"

#include <string.h>

#include "center/report.h"
#include "core/error.h"
#include "core/msg.h"
#include "core/str.h"

/* The contact in force: copied at start-up, read only after. */
static char v_name[MM_VENDOR_NAME_MAX + 1], v_phone[MM_VENDOR_PHONE_MAX + 1],
    v_hours[MM_VENDOR_HOURS_MAX + 1];

static size_t key_max(const char *key)
{
    if (strcmp(key, "phone") == 0)
        return MM_VENDOR_PHONE_MAX;
    return MM_VENDOR_NAME_MAX; /* name and hours */
}

int mm_vendor_check(const char *path, const char *key, const char *value, char *err, size_t errlen)
{
    size_t n = strlen(value), max = key_max(key);
    if (n > max) {
        mm_msg_format(err, errlen, "center-log", "config.vendor_long", path, key, max);
        return MM_EPARSE;
    }
    if (!mm_utf8_valid(value, n, NULL)) {
        mm_msg_format(err, errlen, "center-log", "config.vendor_utf8", path, key);
        return MM_EPARSE;
    }
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p < 0x20 || *p == 0x7F) {
            mm_msg_format(err, errlen, "center-log", "config.vendor_control", path, key);
            return MM_EPARSE;
        }
    }
    return 0;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

void mm_vendor_use(const struct mm_vendor *v)
{
    copy(v_name, sizeof v_name, v ? v->name : NULL);
    copy(v_phone, sizeof v_phone, v ? v->phone : NULL);
    copy(v_hours, sizeof v_hours, v ? v->hours : NULL);
}

bool mm_vendor_set(void)
{
    return v_name[0] || v_phone[0] || v_hours[0];
}

static const char *tr(const char *key, enum mm_lang lang)
{
    return mm_tr("center-desk", key, lang);
}

/* "（電話 P、受付 H）" / " on P (H)": the parts set. */
static int call_detail(struct mm_buf *out, enum mm_lang lang)
{
    const struct mm_fill_var pv = {"phone", v_phone}, hv = {"hours", v_hours};
    bool ja = lang == MM_LANG_JA;
    int r = 0;
    if (ja && (v_phone[0] || v_hours[0]))
        r = mm_buf_puts(out, "（");
    if (r == 0 && v_phone[0])
        r = mm_fill(out, MM_FILL_MAX, tr("vendor.phone", lang), &pv, 1, 0);
    if (r == 0 && ja && v_phone[0] && v_hours[0])
        r = mm_buf_puts(out, "、");
    if (r == 0 && v_hours[0])
        r = mm_fill(out, MM_FILL_MAX, tr("vendor.hours", lang), &hv, 1, 0);
    if (r == 0 && ja && (v_phone[0] || v_hours[0]))
        r = mm_buf_puts(out, "）");
    return r;
}

int mm_vendor_call(struct mm_buf *out, enum mm_lang lang)
{
    if (!mm_vendor_set())
        return 0;
    struct mm_buf d = MM_BUF_INIT;
    int r = call_detail(&d, lang);
    struct mm_fill_var vars[] = {
        {"name", v_name[0] ? v_name : tr("vendor.default_name", lang)},
        {"detail", mm_buf_str(&d)},
    };
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, tr("vendor.call", lang), vars, 2, 0);
    mm_buf_free(&d);
    return r;
}

int mm_vendor_issuer(struct mm_buf *out, enum mm_lang lang)
{
    if (!v_name[0] && !v_phone[0])
        return 0;
    /* the line is filled in plain, then escaped as the paragraph it is */
    struct mm_buf line = MM_BUF_INIT;
    struct mm_fill_var nv = {"name", v_name}, pv = {"phone", v_phone};
    int r = mm_fill(&line, MM_FILL_MAX,
                    tr(v_name[0] ? "vendor.issuer" : "vendor.issuer_centre", lang), &nv, 1, 0);
    if (r == 0 && v_phone[0])
        r = mm_fill(&line, MM_FILL_MAX, tr("vendor.issuer_phone", lang), &pv, 1, 0);
    if (r == 0)
        r = mm_buf_puts(out, "\n\n");
    if (r == 0)
        r = mm_report_md_escape(out, mm_buf_str(&line), true);
    mm_buf_free(&line);
    return r;
}

static json_t *str_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

json_t *mm_vendor_json(void)
{
    if (!mm_vendor_set())
        return json_null();
    return json_pack("{s:o, s:o, s:o}", "name", str_or_null(v_name), "phone", str_or_null(v_phone),
                     "hours", str_or_null(v_hours));
}
