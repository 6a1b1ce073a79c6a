/* SPDX-License-Identifier: Apache-2.0
 * The time zone of the centre's reports ([reports] timezone, default
 * Asia/Tokyo): which UTC instants a month covers and how a time is printed.
 * A zone is a table of spans (from an instant on, this UTC offset and
 * abbreviation), built once when it is loaded, before any request thread
 * exists; afterwards it is only read, so request threads never touch the
 * process-wide TZ. How and why: docs/design/incidents.md, "Report time zone". */
#ifndef MM_CENTER_ZONE_H
#define MM_CENTER_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define MM_ZONE_NAME_MAX 64
#define MM_ZONE_ABBR_MAX 8

struct mm_zone;

/* Loads zone `name` ("Asia/Tokyo", "Europe/Berlin", "UTC") from the system tz
 * database (glibc, $TZDIR or /usr/share/zoneinfo). "UTC" needs no database.
 * Asia/Tokyo (or "Japan") falls back to a fixed UTC+9 "JST" when the database
 * lacks it (Japan has had no daylight saving time since 1951); *fallback is
 * then true. Other unknown names: MM_ENOENT with a message in err; a name that
 * is not a plain zone name (absolute, "..", odd characters): MM_EINVAL.
 * The name is looked up in the database once (the centre loads the zone as
 * its configuration check, before anything starts: mm_center_zone_load).
 * Sets TZ for a moment and restores it: call it only while the process has a
 * single thread (start-up). *out is freed with mm_zone_free. */
int mm_zone_load(const char *name, struct mm_zone **out, bool *fallback, char *err, size_t errlen);
void mm_zone_free(struct mm_zone *z);
/* What mm_zone_load would refuse (a name not plain, or not in the database
 * and no Japan name), told the same way, without loading: TZ untouched, so
 * safe while threads run (a reload checks the file with it). */
int mm_zone_check(const char *name, char *err, size_t errlen);

/* The built-in Japan zone (UTC+9, "JST"); never freed. */
const struct mm_zone *mm_zone_japan(void);

/* The name the zone was loaded with. */
const char *mm_zone_name(const struct mm_zone *z);
/* True for Asia/Tokyo and its alias Japan (reports then say "Japan time"). */
bool mm_zone_is_japan(const struct mm_zone *z);

/* The UTC offset (seconds east) in force at `t` (seconds since the epoch);
 * *abbr (when not NULL) gets its abbreviation ("JST", "CET", "UTC"). */
int32_t mm_zone_offset(const struct mm_zone *z, int64_t t, const char **abbr);

/* The first instant (seconds since the epoch) of the local calendar day
 * year-month-day (month 1-12, day 1-31; month 13 is January of the next
 * year): local midnight, or, where a transition skips midnight, the
 * transition. */
int64_t mm_zone_day_start(const struct mm_zone *z, int year, int month, int day);

/* A date "YYYY-MM-DD" (one that exists, mm_time_parse_date's rule) as the
 * first instant of that local day, as mm_zone_day_start, in *usec_out
 * (microseconds since the epoch). 0 or MM_EPARSE. */
int mm_zone_date_start(const struct mm_zone *z, const char *date, int64_t *usec_out);

/* The local time of t (seconds since the epoch) in *tm, and (when abbr is
 * not NULL) its abbreviation; false when t is out of gmtime_r's range. */
bool mm_zone_localtime(const struct mm_zone *z, int64_t t, struct tm *tm, const char **abbr);

/* The local calendar date of t: *year, *month (1-12). */
void mm_zone_local_month(const struct mm_zone *z, int64_t t, int *year, int *month);

#endif
