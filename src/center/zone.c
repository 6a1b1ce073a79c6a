/* SPDX-License-Identifier: Apache-2.0
 * Owns the report time zone table (zone.h). glibc resolves a zone only
 * through the process-wide TZ, which request threads must not change, so
 * the table is built once at start-up: with TZ briefly set to the zone,
 * localtime_r is sampled every day from 1970 to 2100 and each change of
 * offset or abbreviation is narrowed to the second by bisection; TZ is then
 * restored. Transitions closer together than a day would be merged (no zone
 * in the database has one since 1970). Outside the sampled years the nearest
 * span's offset holds. */
#include "center/zone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/msg.h"
#include "core/timefmt.h"

#define SAMPLE_FROM  0LL          /* 1970-01-01T00:00:00Z */
#define SAMPLE_UNTIL 4102444800LL /* 2100-01-01T00:00:00Z */
#define DAY          86400LL
#define SPANS_MAX    1024 /* real zones have at most ~300 changes in these years */
#define JST_OFFSET   (9 * 3600)

struct mm_zone_span {
    int64_t from; /* first second of the span; the first span starts at INT64_MIN */
    int32_t offset;
    char abbr[MM_ZONE_ABBR_MAX];
};

struct mm_zone {
    char name[MM_ZONE_NAME_MAX];
    int n;
    struct mm_zone_span *spans; /* ordered by from */
};

static struct mm_zone_span japan_span = {INT64_MIN, JST_OFFSET, "JST"};
static const struct mm_zone japan = {"Asia/Tokyo", 1, &japan_span};

const struct mm_zone *mm_zone_japan(void)
{
    return &japan;
}

const char *mm_zone_name(const struct mm_zone *z)
{
    return z->name;
}

/* Asia/Tokyo or its alias Japan. */
static bool japan_name(const char *name)
{
    return strcmp(name, "Asia/Tokyo") == 0 || strcmp(name, "Japan") == 0;
}

bool mm_zone_is_japan(const struct mm_zone *z)
{
    return japan_name(z->name);
}

void mm_zone_free(struct mm_zone *z)
{
    if (!z || z == &japan)
        return;
    free(z->spans);
    free(z);
}

/* A zone name as the tz database spells them: letters, digits, "_+-" and
 * "/" between parts; never absolute, never "." or ".." parts. */
static bool plain_zone_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= MM_ZONE_NAME_MAX || name[0] == '/' || name[len - 1] == '/')
        return false;
    for (const char *p = name; *p; p++) {
        char c = *p;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '+' || c == '-' || c == '/' || c == '.';
        if (!ok || (c == '/' && p[1] == '/'))
            return false;
        if (c == '.' && (p == name || p[-1] == '/'))
            return false; /* ".", "..", ".hidden" parts */
    }
    return true;
}

static bool database_has(const char *name)
{
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    return access(path, R_OK) == 0;
}

static struct mm_zone *zone_new(const char *name)
{
    struct mm_zone *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->spans = calloc(SPANS_MAX, sizeof *z->spans);
    if (!z->spans) {
        free(z);
        return NULL;
    }
    snprintf(z->name, sizeof z->name, "%s", name);
    return z;
}

/* Offset and abbreviation at t under the current TZ. */
static void sample(int64_t t, struct mm_zone_span *out)
{
    time_t tt = (time_t)t;
    struct tm tm;
    memset(out, 0, sizeof *out);
    out->from = t;
    if (!localtime_r(&tt, &tm))
        return;
    out->offset = (int32_t)tm.tm_gmtoff;
    snprintf(out->abbr, sizeof out->abbr, "%s", tm.tm_zone ? tm.tm_zone : "");
}

static bool same_rule(const struct mm_zone_span *a, const struct mm_zone_span *b)
{
    return a->offset == b->offset && strcmp(a->abbr, b->abbr) == 0;
}

/* The first second in (lo, hi] whose rule differs from lo's. */
static void bisect(int64_t lo, int64_t hi, struct mm_zone_span *out)
{
    struct mm_zone_span before, mid;
    sample(lo, &before);
    while (hi - lo > 1) {
        int64_t m = lo + (hi - lo) / 2;
        sample(m, &mid);
        if (same_rule(&mid, &before))
            lo = m;
        else
            hi = m;
    }
    sample(hi, out);
}

/* Fills z's spans from the current TZ. */
static int sample_zone(struct mm_zone *z)
{
    struct mm_zone_span prev, cur;
    sample(SAMPLE_FROM, &prev);
    prev.from = INT64_MIN;
    z->spans[z->n++] = prev;
    for (int64_t t = SAMPLE_FROM + DAY; t <= SAMPLE_UNTIL; t += DAY) {
        sample(t, &cur);
        if (same_rule(&cur, &prev))
            continue;
        if (z->n == SPANS_MAX)
            return MM_ERANGE;
        bisect(t - DAY, t, &cur);
        z->spans[z->n++] = cur;
        prev = cur;
    }
    return 0;
}

/* Samples zone `name` with TZ set to it, then restores TZ. */
static int sample_with_tz(struct mm_zone *z, const char *name)
{
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    char tz[MM_ZONE_NAME_MAX + 2];
    if (old && !saved)
        return MM_ENOMEM;
    snprintf(tz, sizeof tz, ":%s", name); /* ":" = a file of the database */
    int r = setenv("TZ", tz, 1) == 0 ? 0 : MM_ENOMEM;
    if (r == 0) {
        tzset();
        r = sample_zone(z);
    }
    if (saved)
        setenv("TZ", saved, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved);
    return r;
}

static int fixed_zone(const char *name, int32_t offset, const char *abbr, struct mm_zone **out)
{
    struct mm_zone *z = zone_new(name);
    if (!z)
        return MM_ENOMEM;
    z->spans[0] = (struct mm_zone_span){.from = INT64_MIN, .offset = offset};
    snprintf(z->spans[0].abbr, sizeof z->spans[0].abbr, "%s", abbr);
    z->n = 1;
    *out = z;
    return 0;
}

/* What mm_zone_check tells; *in_db says whether the database has name
 * (the one look-up; false for UTC, which needs none). */
static int check_name(const char *name, bool *in_db, char *err, size_t errlen)
{
    *in_db = false;
    if (!name || !plain_zone_name(name)) {
        mm_msg_format(err, errlen, "center-log", "zone.bad_name");
        return MM_EINVAL;
    }
    if (strcmp(name, "UTC") == 0)
        return 0;
    *in_db = database_has(name);
    if (!*in_db && !japan_name(name)) {
        mm_msg_format(err, errlen, "center-log", "zone.unknown", name);
        return MM_ENOENT;
    }
    return 0;
}

int mm_zone_check(const char *name, char *err, size_t errlen)
{
    bool in_db;
    return check_name(name, &in_db, err, errlen);
}

int mm_zone_load(const char *name, struct mm_zone **out, bool *fallback, char *err, size_t errlen)
{
    *out = NULL;
    *fallback = false;
    bool in_db;
    int r = check_name(name, &in_db, err, errlen);
    if (r != 0)
        return r;
    if (strcmp(name, "UTC") == 0)
        return fixed_zone(name, 0, "UTC", out);
    if (!in_db) { /* a Japan name: the fixed JST */
        *fallback = true;
        return fixed_zone(name, JST_OFFSET, "JST", out);
    }
    struct mm_zone *z = zone_new(name);
    if (!z)
        return MM_ENOMEM;
    r = sample_with_tz(z, name);
    if (r != 0) {
        mm_msg_format(err, errlen, "center-log", "zone.transitions", name);
        mm_zone_free(z);
        return r;
    }
    *out = z;
    return 0;
}

/* The span in force at t (binary search; spans[0] starts at INT64_MIN). */
static const struct mm_zone_span *span_at(const struct mm_zone *z, int64_t t)
{
    int lo = 0, hi = z->n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (z->spans[mid].from <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return &z->spans[lo];
}

int32_t mm_zone_offset(const struct mm_zone *z, int64_t t, const char **abbr)
{
    const struct mm_zone_span *s = span_at(z, t);
    if (abbr)
        *abbr = s->abbr;
    return s->offset;
}

/* The first instant of the local day whose midnight, read as UTC, is
 * `local` (seconds since the epoch). */
static int64_t day_start_at(const struct mm_zone *z, int64_t local)
{
    /* The offsets in force a day either side bound every candidate. */
    int32_t before = mm_zone_offset(z, local - DAY, NULL);
    int32_t after = mm_zone_offset(z, local + DAY, NULL);
    int64_t best = INT64_MAX;
    int32_t cands[2] = {before, after};
    for (int i = 0; i < 2; i++)
        if (mm_zone_offset(z, local - cands[i], NULL) == cands[i] && local - cands[i] < best)
            best = local - cands[i]; /* the earlier of two when midnight repeats */
    if (best != INT64_MAX)
        return best;
    /* Midnight was skipped: the day starts at the transition. */
    return span_at(z, local - before)->from;
}

int64_t mm_zone_day_start(const struct mm_zone *z, int year, int month, int day)
{
    /* timegm normalises month 13 to January of the next year. */
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day};
    return day_start_at(z, (int64_t)timegm(&tm));
}

int mm_zone_date_start(const struct mm_zone *z, const char *date, int64_t *usec_out)
{
    int64_t midnight_utc;
    if (mm_time_parse_date(date, &midnight_utc) != 0)
        return MM_EPARSE;
    *usec_out = day_start_at(z, midnight_utc / 1000000) * 1000000;
    return 0;
}

bool mm_zone_localtime(const struct mm_zone *z, int64_t t, struct tm *tm, const char **abbr)
{
    time_t local = (time_t)(t + mm_zone_offset(z, t, abbr));
    return gmtime_r(&local, tm) != NULL;
}

void mm_zone_local_month(const struct mm_zone *z, int64_t t, int *year, int *month)
{
    struct tm tm;
    mm_zone_localtime(z, t, &tm, NULL);
    *year = tm.tm_year + 1900;
    *month = tm.tm_mon + 1;
}
