/* SPDX-License-Identifier: Apache-2.0
 * Owns formatting and parsing of EVE timestamps, and the clock readings
 * (wall and monotonic) the programs share, with the date MAMORI_DATE pins. */
#include "core/timefmt.h"
#include "core/error.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ts's seconds and microseconds with tv_usec brought into 0-999999 (a
 * capture file's field reaches us unchecked: libpcap passes it on as read);
 * false when the carry would leave time_t's range. */
static bool split_time(const struct timeval *ts, time_t *sec, long *usec)
{
    struct timeval c = mm_time_from_usec((int64_t)ts->tv_usec); /* c.tv_sec: the carry */
    *usec = (long)c.tv_usec; /* printed even when the carry is out of range */
    if ((c.tv_sec > 0 && ts->tv_sec > INT64_MAX - c.tv_sec) ||
        (c.tv_sec < 0 && ts->tv_sec < INT64_MIN - c.tv_sec))
        return false;
    *sec = ts->tv_sec + c.tv_sec;
    return true;
}

/* A second outside the years 0-9999 (a four-digit year is what EVE readers
 * parse; e.g. a crafted pcapng time of 2^63-1, which struct tm cannot even
 * hold) or microseconds carrying past time_t's range print as the epoch in
 * UTC, "1970-01-01T00:00:00.uuuuuu+0000":
 * well-formed for every reader (the centre parses it), the same on every
 * call, and plainly not a real capture time. */
void mm_time_format(const struct timeval *ts, char *out, size_t outlen)
{
    struct tm tm;
    time_t t;
    long usec;
    if (!split_time(ts, &t, &usec) || !localtime_r(&t, &tm) || tm.tm_year < -1900 ||
        tm.tm_year > 9999 - 1900) {
        time_t epoch = 0;
        gmtime_r(&epoch, &tm);
    }
    char date[32], zone[8];
    strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(zone, sizeof zone, "%z", &tm);
    snprintf(out, outlen, "%s.%06ld%s", date, usec, zone);
}

static int parse_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)**p))
            return MM_EPARSE;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

static int expect(const char **p, char c)
{
    if (**p != c)
        return MM_EPARSE;
    (*p)++;
    return 0;
}

static int parse_zone(const char *p, int *offset_sec)
{
    if (*p == 'Z' && p[1] == '\0') {
        *offset_sec = 0;
        return 0;
    }
    if (*p != '+' && *p != '-')
        return MM_EPARSE;
    int sign = *p == '-' ? -1 : 1, hh, mm;
    p++;
    if (parse_digits(&p, 2, &hh) != 0)
        return MM_EPARSE;
    if (*p == ':')
        p++;
    if (parse_digits(&p, 2, &mm) != 0 || *p != '\0' || hh > 23 || mm > 59)
        return MM_EPARSE;
    *offset_sec = sign * (hh * 3600 + mm * 60);
    return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's
 * days_from_civil), for a day that exists (mm_time_parse checks). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The day of the month (1-31) of day z since 1970-01-01 (the day part of
 * Hinnant's civil_from_days). */
static int day_of_month(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    return (int)(doy - (153 * mp + 2) / 5 + 1);
}

/* The number of days of month m (1-12) of year y (proleptic Gregorian:
 * February has 29 in years divisible by 4, except centuries not divisible
 * by 400). */
static int month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return days[m - 1];
}

int mm_time_parse(const char *s, int64_t *usec_out)
{
    const char *p = s;
    int y, mo, d, h, mi, sec, off;
    if (parse_digits(&p, 4, &y) || expect(&p, '-') || parse_digits(&p, 2, &mo) || expect(&p, '-') ||
        parse_digits(&p, 2, &d) || expect(&p, 'T') || parse_digits(&p, 2, &h) || expect(&p, ':') ||
        parse_digits(&p, 2, &mi) || expect(&p, ':') || parse_digits(&p, 2, &sec))
        return MM_EPARSE;
    if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || sec > 60)
        return MM_EPARSE;
    long usec = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (digits < 6)
                usec = usec * 10 + (*p - '0');
            digits++;
            p++;
        }
        if (digits == 0)
            return MM_EPARSE;
        for (; digits < 6; digits++)
            usec *= 10;
    }
    if (parse_zone(p, &off) != 0)
        return MM_EPARSE;
    /* what timegm gives for these fields (a second 60 counts on), without
     * its normalising of a struct tm: the centre parses every event's time */
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    /* A leap second is only ever the last second of a month in UTC
     * (23:59:60Z, ITU-R TF.460): counted on, it is midnight UTC of a 1st. */
    if (sec == 60 && (t % 86400 != 0 || day_of_month(t / 86400) != 1))
        return MM_EPARSE;
    *usec_out = t * 1000000 + usec;
    return 0;
}

int mm_time_pinned_date(const char **date_out, int64_t *usec_out)
{
    /* MAMORI_DATE pins "today" so documents and golden tests are reproducible. */
    const char *pinned = getenv("MAMORI_DATE");
    int64_t usec;
    *date_out = NULL;
    if (usec_out)
        *usec_out = 0;
    if (!pinned || !*pinned)
        return 0;
    *date_out = pinned;
    if (mm_time_parse_date(pinned, &usec) != 0)
        return MM_EPARSE;
    if (usec_out)
        *usec_out = usec;
    return 0;
}

void mm_time_today(char out[11])
{
    const char *pinned;
    if (mm_time_pinned_date(&pinned, NULL) == 0 && pinned) {
        memcpy(out, pinned, 11); /* YYYY-MM-DD and its NUL */
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

int64_t mm_time_now_usec(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return mm_time_to_usec(&tv);
}

int64_t mm_time_mono_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct timespec mm_time_mono_deadline(int64_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

int mm_time_parse_date(const char *s, int64_t *usec_out)
{
    char full[32];
    if (strlen(s) != 10)
        return MM_EPARSE;
    snprintf(full, sizeof full, "%sT00:00:00Z", s);
    return mm_time_parse(full, usec_out);
}

struct timeval mm_time_from_usec(int64_t usec)
{
    int64_t sec = usec / 1000000, rem = usec % 1000000;
    if (rem < 0) {
        rem += 1000000;
        sec--;
    }
    struct timeval tv = {.tv_sec = (time_t)sec, .tv_usec = (suseconds_t)rem};
    return tv;
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};

int mm_date_text(int y, int m, int d, enum mm_lang lang, char *out, size_t outlen)
{
    if (m < 1 || m > 12)
        return -1;
    if (lang == MM_LANG_JA)
        return snprintf(out, outlen, "%d年%d月%d日", y, m, d);
    return snprintf(out, outlen, "%d %s %d", d, month_names[m - 1], y);
}

int mm_month_text(int y, int m, enum mm_lang lang, char *out, size_t outlen)
{
    if (m < 1 || m > 12)
        return -1;
    if (lang == MM_LANG_JA)
        return snprintf(out, outlen, "%d年%d月", y, m);
    return snprintf(out, outlen, "%s %d", month_names[m - 1], y);
}
