/* SPDX-License-Identifier: Apache-2.0
 * Intel (re)loading: building an intel set from the --intel paths, on the
 * main thread at start and on a background thread after SIGHUP, so packets
 * keep flowing while the new set is built; the pipeline swaps sets between
 * packets. */
#ifndef MM_SENSOR_RELOAD_H
#define MM_SENSOR_RELOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sensor/intel/intel.h"

/* Builds and seals a set from paths; reports per file go to log (may be
 * NULL). Returns 0 or an MM_E* code. Free the set with mm_intel_free. */
int mm_intel_build(const char *const *paths, size_t n, FILE *log, struct mm_intel **out);
/* The same under the settle rule (NULL: off; see mm_intel_settle). With
 * rule->postpone, a feed not settled ends the build: MM_EAGAIN, nothing
 * built, *postponed (may be NULL) that feed's report (its path). */
int mm_intel_build_settled(const char *const *paths, size_t n, const struct mm_intel_settle *rule,
                           FILE *log, struct mm_intel **out,
                           struct mm_intel_file_report *postponed);

struct mm_reload {
    pthread_t thread;
    atomic_int state; /* 0 idle, 1 running, 2 finished */
    bool thread_joined;
    const char *const *paths;
    size_t npaths;
    struct mm_intel *result;
    int rc;
    struct mm_intel_settle rule;           /* the settle rule of the build */
    struct mm_intel_file_report postponed; /* rc MM_EAGAIN: the feed not settled */
    char *log_text;                        /* reports, printed by the main thread */
    size_t log_len;
};

/* Starts a background build unless one is running (MM_EAGAIN), under the
 * settle rule (NULL: off; copied; its stop flag must outlive the build). */
int mm_reload_start(struct mm_reload *r, const char *const *paths, size_t n,
                    const struct mm_intel_settle *rule);
/* When a build finished: joins it, hands over the new set (NULL on failure)
 * and returns true; *rc is its result: MM_EAGAIN for a build postponed
 * (r->postponed names the feed; its reports are not printed). */
bool mm_reload_poll(struct mm_reload *r, struct mm_intel **out, int *rc);
/* Waits for a running build to finish; then like mm_reload_poll (false when
 * none was running). */
bool mm_reload_wait(struct mm_reload *r, struct mm_intel **out, int *rc);
/* Waits for a running build and discards it. */
void mm_reload_cancel(struct mm_reload *r);

#endif
