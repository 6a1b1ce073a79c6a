/* SPDX-License-Identifier: Apache-2.0
 * Logging for the programs (the library itself never logs): one line per
 * message on stderr, "time prog[pid]: level: text". */
#ifndef MM_CORE_LOG_H
#define MM_CORE_LOG_H

#include <stdarg.h>

enum mm_log_level { MM_LOG_ERROR = 0, MM_LOG_WARN = 1, MM_LOG_INFO = 2, MM_LOG_DEBUG = 3 };

/* Sets the program name and the most detailed level written. The environment
 * variable MAMORI_LOG (error|warn|info|debug) overrides level. */
void mm_log_init(const char *prog, enum mm_log_level level);
void mm_log(enum mm_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* mm_log with a va_list (core/msg.h's mm_log_tr uses it). */
void mm_logv(enum mm_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define mm_log_error(...) mm_log(MM_LOG_ERROR, __VA_ARGS__)
#define mm_log_warn(...)  mm_log(MM_LOG_WARN, __VA_ARGS__)
#define mm_log_info(...)  mm_log(MM_LOG_INFO, __VA_ARGS__)
#define mm_log_debug(...) mm_log(MM_LOG_DEBUG, __VA_ARGS__)

#endif
