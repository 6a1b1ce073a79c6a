/* SPDX-License-Identifier: Apache-2.0
 * Intel (re)loading: building an intel set from the --intel paths, on the
 * main thread at start and on a background thread after SIGHUP, so packets
 * keep flowing while the new set is built; the pipeline swaps sets between
 * packets. */
#ifndef MM_SENSOR_RELOAD_H
#define MM_SENSOR_RELOAD_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sensor/intel/intel.h"

/* Builds and seals a set from paths; reports per file go to log (may be
 * NULL). Returns 0 or an MM_E* code. Free the set with mm_intel_free. */
int mm_intel_build(const char *const *paths, size_t n, FILE *log, struct mm_intel **out);
/* What a build under the settle rule found besides its reports. */
struct mm_intel_build_notes {
    struct mm_intel_file_report postponed; /* MM_EAGAIN: the feed not settled (its path) */
    size_t unsettled;                      /* feeds loaded as read (MM_INTEL_NOTE_UNSETTLED) */
    char unsettled_path[512];              /* the first of them */
};
/* The same under the settle rule (NULL: off; see mm_intel_settle). With
 * rule->postpone, a feed not settled ends the build: MM_EAGAIN, nothing
 * built, notes->postponed that feed's report. notes may be NULL. The
 * start's build: the report of a feed loaded as read (notes->unsettled)
 * says that it is read again by itself (the caller schedules that,
 * mm_reload_postponed); a reload's (mm_reload_start) says to send SIGHUP. */
int mm_intel_build_settled(const char *const *paths, size_t n, const struct mm_intel_settle *rule,
                           FILE *log, struct mm_intel **out, struct mm_intel_build_notes *notes);

/* How many settle times a build that is not postponed (the start's, and a
 * reload's once postponed for postpone_max) waits for feeds to settle. */
#define MM_INTEL_SETTLE_WAIT 3
/* The longest wait between the retries of a postponed reload (or the
 * settle time, if longer). */
#define MM_RELOAD_RETRY_MAX ((int64_t)60 * 1000000)
/* A reload postponed for this long (since its first postponement) is not
 * postponed again: its build waits for the feeds still being written as
 * the start does, then loads them as read (noted), so a feed appended to
 * all the time is still loaded. */
#define MM_RELOAD_POSTPONE_MAX ((int64_t)60 * 1000000)

struct mm_reload {
    pthread_t thread;
    atomic_int state; /* 0 idle, 1 running, 2 finished */
    bool thread_joined;
    const char *const *paths;
    size_t npaths;
    struct mm_intel *result;
    int rc;
    struct mm_intel_settle rule;       /* the settle rule of the build */
    struct mm_intel_build_notes notes; /* what the build found (postponed: rc MM_EAGAIN) */
    char *log_text;                    /* reports, printed by the main thread */
    size_t log_len;
    /* The settle rule of the builds (mm_reload_rule): the caller sets
     * settle_ms (0: off) and stop; postpone_max is MM_RELOAD_POSTPONE_MAX
     * when 0 (a test sets less). */
    unsigned settle_ms;
    const volatile sig_atomic_t *stop;
    int64_t postpone_max;
    /* The retries of a postponed reload (CLOCK_MONOTONIC usec; 0: none). */
    int64_t retry_at, retry_delay, postponed_since;
    bool retry_due;      /* retry_at has come: start the reload */
    char waits_for[512]; /* the feed the retry waits for */
    FILE *log;           /* where reports and messages go (NULL: stderr) */
};

/* The settle rule of a build started at now: a reload's (postponed by a
 * feed not settled, unless it has been postponed for postpone_max: then,
 * as the start's, it waits MM_INTEL_SETTLE_WAIT settle times and loads
 * such a feed as read). */
struct mm_intel_settle mm_reload_rule(const struct mm_reload *r, int64_t now, bool reload);
/* Starts a background build unless one is running (MM_EAGAIN), under the
 * settle rule (NULL: off; copied; its stop flag must outlive the build).
 * The build is the retry of a postponed reload, if one was to come. */
int mm_reload_start(struct mm_reload *r, const char *const *paths, size_t n,
                    const struct mm_intel_settle *rule);
/* When a build finished: joins it, hands over the new set (NULL on failure)
 * and returns true; *rc is its result: MM_EAGAIN for a build postponed
 * (r->notes.postponed names the feed; its reports are not printed: the
 * caller calls mm_reload_postponed). Any other result ends the
 * postponement; a build that was not postponed again after postpone_max
 * and loaded feeds as read says so in one line. */
bool mm_reload_poll(struct mm_reload *r, struct mm_intel **out, int *rc);
/* Waits for a running build to finish; then like mm_reload_poll (false when
 * none was running). */
bool mm_reload_wait(struct mm_reload *r, struct mm_intel **out, int *rc);
/* Waits for a running build and discards it. */
void mm_reload_cancel(struct mm_reload *r);

/* A reload postponed at now because feed is still being written (start:
 * the start loaded it as read): the reload is tried again a settle time
 * later, then after twice that each time it is postponed again (at most
 * MM_RELOAD_RETRY_MAX apart, or the settle time if longer); one line says
 * so. */
void mm_reload_postponed(struct mm_reload *r, int64_t now, const char *feed, bool start);
/* True when a retry is to start now (its time has come; it stays due
 * until a build starts). */
bool mm_reload_retry_due(struct mm_reload *r, int64_t now);
/* At exit, after mm_reload_wait: a postponed reload still to be tried
 * (postponed: the build just waited for was) is not done; one line says so. */
void mm_reload_dropped(struct mm_reload *r, bool postponed);

#endif
