/* SPDX-License-Identifier: Apache-2.0
 * Owns the programs' log lines on stderr. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/str.h"

static const char *log_prog = "mamori";
static enum mm_log_level log_level = MM_LOG_INFO;
static const char *level_names[] = {"error", "warn", "info", "debug"};

void mm_log_init(const char *prog, enum mm_log_level level)
{
    log_prog = prog;
    log_level = level;
    const char *env = getenv("MAMORI_LOG");
    for (int i = 0; env && i < 4; i++)
        if (strcmp(env, level_names[i]) == 0)
            log_level = (enum mm_log_level)i;
}

void mm_log(enum mm_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mm_logv(level, fmt, ap);
    va_end(ap);
}

void mm_logv(enum mm_log_level level, const char *fmt, va_list ap)
{
    if (level > log_level)
        return;
    char line[2048], stamp[32];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t t = tv.tv_sec;
    localtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    if (n >= 0 && (size_t)n >= sizeof line)
        mm_utf8_trim_tail(line, sizeof line - 1); /* never half a character */
    fprintf(stderr, "%s.%03ld %s[%ld]: %s: %s\n", stamp, (long)tv.tv_usec / 1000, log_prog,
            (long)getpid(), level_names[level], line);
}
