/* SPDX-License-Identifier: Apache-2.0
 * Check "antivirus" (diagnosis item 2): is there antivirus software with
 * current definitions? For ClamAV, the age of its daily database
 * (/var/lib/clamav/daily.cld or daily.cvd, rewritten by freshclam on every
 * update) decides: at most 3 days passes. Other products are recognised by
 * their install directory; their freshness cannot be read from files, so
 * the result is unknown. No antivirus at all fails. */
#include "audit/audit.h"
#include "core/error.h"

#include <stdio.h>

#define AV_MAX_AGE_DAYS 3

static const char *const clamav_programs[] = {"/usr/bin/clamscan", "/usr/sbin/clamd",
                                              "/usr/bin/freshclam"};
static const char *const clamav_daily[] = {"/var/lib/clamav/daily.cld",
                                           "/var/lib/clamav/daily.cvd"};
/* Install directories of common commercial products for Linux. */
static const char *const other_products[] = {
    "/opt/microsoft/mdatp", "/opt/sophos-spl", "/opt/eset",     "/opt/kaspersky",
    "/opt/f-secure",        "/opt/TrendMicro", "/opt/ds_agent", "/opt/CrowdStrike"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *first_existing(const struct mm_audit_ctx *ctx, const char *const *paths,
                                  size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (mm__audit_exists(ctx, paths[i]))
            return paths[i];
    return NULL;
}

/* ClamAV is installed: judge its daily database. */
static int judge_clamav(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    time_t newest = 0;
    const char *where = NULL;
    for (size_t i = 0; i < COUNT(clamav_daily); i++) {
        struct stat st;
        if (mm__audit_stat(ctx, clamav_daily[i], &st) == 0 && st.st_mtime > newest) {
            newest = st.st_mtime;
            where = clamav_daily[i];
        }
    }
    if (!where) {
        int r = mm__audit_evidence(res, "evidence.no_clamav_definitions", "/var/lib/clamav",
                                   "daily.cld", "daily.cvd");
        return r ? r : mm__audit_set(res, MM_AUDIT_FAIL, "no_definitions");
    }
    char date[11];
    long age = mm__audit_age_days(ctx, newest);
    mm__audit_date(newest, date);
    int r = mm__audit_evidence(res, "evidence.dated", where, date, age);
    if (r != 0)
        return r;
    return age <= AV_MAX_AGE_DAYS ? mm__audit_set(res, MM_AUDIT_PASS, "fresh")
                                  : mm__audit_set(res, MM_AUDIT_FAIL, "stale");
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    const char *clam = first_existing(ctx, clamav_programs, COUNT(clamav_programs));
    if (clam || mm__audit_exists(ctx, "/var/lib/clamav")) {
        int r = mm__audit_evidence(res, "evidence.clamav", clam ? clam : "/var/lib/clamav");
        return r ? r : judge_clamav(ctx, res);
    }
    const char *other = first_existing(ctx, other_products, COUNT(other_products));
    if (other) {
        int r = mm__audit_evidence(res, "evidence.present", other);
        return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "other_product");
    }
    int r = mm__audit_evidence(res, "evidence.no_antivirus", clamav_programs[0], "/opt");
    return r ? r : mm__audit_set(res, MM_AUDIT_FAIL, "none");
}

const struct mm_check mm_check_antivirus = {
    .id = "antivirus",
    .items = {2},
    .run = run,
};
