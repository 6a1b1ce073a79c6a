/* SPDX-License-Identifier: Apache-2.0
 * Time stamps in the EVE form Suricata writes: local time with microseconds
 * and the UTC offset, "2026-11-26T09:15:02.123456+0900". */
#ifndef MM_CORE_TIMEFMT_H
#define MM_CORE_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/time.h>

#include "core/i18n.h"

#define MM_TIMESTAMP_MAX 40

/* Writes ts as an EVE timestamp into out (at least MM_TIMESTAMP_MAX bytes),
 * local time with its offset. tv_usec outside 0-999999 is carried into the
 * seconds; a time outside the years 0-9999 prints as the epoch in UTC. */
void mm_time_format(const struct timeval *ts, char *out, size_t outlen);

/* Parses an EVE/ISO 8601 timestamp ("...T...[.ffffff](Z|+hhmm|+hh:mm)") into
 * microseconds since the epoch. Returns 0 or MM_EPARSE, also for a date or
 * time that does not exist: month 0 or 13, day 0 or past the month's end
 * (February 29 outside leap years), hour 24, minute 60, second 61, or a
 * second 60 that is not a leap second's place, the last second of a month
 * in UTC (23:59:60Z; counted on, as timegm does, to the 1st's midnight). */
int mm_time_parse(const char *s, int64_t *usec_out);

/* Parses a YYYY-MM-DD date as midnight UTC. Returns 0 or MM_EPARSE, also
 * for a date that does not exist (2026-02-30, 2026-04-31, 2026-13-01). */
int mm_time_parse_date(const char *s, int64_t *usec_out);

/* The date the environment variable MAMORI_DATE pins as "today" (tests,
 * demos, reproducible documents). 0 with *date_out NULL when it is unset or
 * empty; 0 with *date_out the value and, when usec_out is not NULL, its
 * midnight UTC in *usec_out when it is an existing YYYY-MM-DD date;
 * MM_EPARSE with *date_out the value for anything else (2026-02-30,
 * 2026/04/01, "yesterday"), which the program refuses with a message: the
 * core never prints. */
int mm_time_pinned_date(const char **date_out, int64_t *usec_out);

/* Today's date as YYYY-MM-DD in local time (for documents and histories),
 * or the date MAMORI_DATE pins (mm_time_pinned_date; a value that is no
 * date pins nothing here, its program has refused it before). */
void mm_time_today(char out[11]);

/* A day as people write it: "2026年11月29日" in Japanese, "29 November
 * 2026" in English (documents, reports). snprintf's count; -1, nothing
 * written, when m is not 1-12. */
int mm_date_text(int y, int m, int d, enum mm_lang lang, char *out, size_t outlen);

/* A month as people write it: "2026年11月", "November 2026"; as
 * mm_date_text. */
int mm_month_text(int y, int m, enum mm_lang lang, char *out, size_t outlen);

/* Microseconds since the epoch as a timeval whose tv_usec is 0-999999
 * (floor division: -1 us is -1 s + 999999 us, not 0 s - 1 us). */
struct timeval mm_time_from_usec(int64_t usec);

/* tv as microseconds since the epoch (mm_time_from_usec's inverse; a
 * tv_usec outside 0-999999 counts as it is). In the header: the sensor
 * takes every packet's time through it. */
static inline int64_t mm_time_to_usec(const struct timeval *tv)
{
    return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

/* Microseconds since the epoch, wall clock. */
int64_t mm_time_now_usec(void);

/* Microseconds on the monotonic clock (for intervals and waits). */
int64_t mm_time_mono_usec(void);

/* The monotonic clock ms milliseconds from now, normalised: the deadline
 * of a pthread_cond_timedwait on a condition whose clock is
 * CLOCK_MONOTONIC. */
struct timespec mm_time_mono_deadline(int64_t ms);

#endif
