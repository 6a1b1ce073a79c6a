/* SPDX-License-Identifier: Apache-2.0
 * Check "apt-updates" (diagnosis item 1): were the package lists refreshed
 * recently? Without fresh lists, `apt upgrade` and unattended-upgrades do
 * not even know that security fixes exist. Looks at APT's own success stamp
 * (/var/lib/apt/periodic/update-success-stamp) and the newest file in
 * /var/lib/apt/lists; passes when the newest is at most 7 days old. */
#include "audit/audit.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

#define APT_MAX_AGE_DAYS 7
#define APT_LISTS_MAX    4096

/* The newest mtime among the list files (0 when none). */
static int newest_list(const struct mm_audit_ctx *ctx, time_t *newest, char *name, size_t nlen)
{
    char **names;
    size_t n;
    *newest = 0;
    int r = mm__audit_list(ctx, "/var/lib/apt/lists", APT_LISTS_MAX, &names, &n);
    if (r != 0)
        return r;
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        struct stat st;
        if (strcmp(names[i], "lock") == 0 || strcmp(names[i], "partial") == 0 ||
            strcmp(names[i], "auxfiles") == 0)
            continue;
        snprintf(path, sizeof path, "/var/lib/apt/lists/%s", names[i]);
        if (mm__audit_stat(ctx, path, &st) == 0 && S_ISREG(st.st_mode) && st.st_mtime > *newest) {
            *newest = st.st_mtime;
            snprintf(name, nlen, "%s", path);
        }
    }
    mm__audit_free_names(names, n);
    return 0;
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    static const char stamp[] = "/var/lib/apt/periodic/update-success-stamp";
    if (!mm__audit_exists(ctx, "/var/lib/apt") && !mm__audit_exists(ctx, "/etc/apt"))
        return mm__audit_set(res, MM_AUDIT_UNKNOWN, "no_apt");
    time_t newest = 0;
    char where[1024] = "";
    struct stat st;
    if (mm__audit_stat(ctx, stamp, &st) == 0) {
        newest = st.st_mtime;
        snprintf(where, sizeof where, "%s", stamp);
    }
    time_t lists;
    char lname[1024] = "";
    int r = newest_list(ctx, &lists, lname, sizeof lname);
    if (r == MM_ENOMEM)
        return r;
    if (r == 0 && lists > newest) {
        newest = lists;
        snprintf(where, sizeof where, "%s", lname);
    }
    if (newest == 0) {
        if ((r = mm__audit_evidence(res, "evidence.no_package_lists", "/var/lib/apt/lists")) != 0)
            return r;
        return mm__audit_set(res, MM_AUDIT_FAIL, "never");
    }
    char date[11];
    long age = mm__audit_age_days(ctx, newest);
    mm__audit_date(newest, date);
    if ((r = mm__audit_evidence(res, "evidence.dated", where, date, age)) != 0)
        return r;
    return mm__audit_set(res, age <= APT_MAX_AGE_DAYS ? MM_AUDIT_PASS : MM_AUDIT_FAIL,
                         age <= APT_MAX_AGE_DAYS ? "fresh" : "old");
}

const struct mm_check mm_check_apt_updates = {
    .id = "apt-updates",
    .items = {1},
    .run = run,
};
