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

struct mm_intel;
struct mm_intel_settle;

/* Builds and seals a set from paths; reports per file go to log (may be
 * NULL). Returns 0 or an MM_E* code. Free the set with mm_intel_free. */
int mm_intel_build(const char *const *paths, size_t n, FILE *log, struct mm_intel **out);
/* The same under the settle rule (NULL: off; see mm_intel_settle); *kept
 * (may be NULL) gets how many files were not settled and kept from
 * rule->previous: to be loaded again later. */
int mm_intel_build_settled(const char *const *paths, size_t n, const struct mm_intel_settle *rule,
                           FILE *log, struct mm_intel **out, size_t *kept);

struct mm_reload {
    pthread_t thread;
    atomic_int state; /* 0 idle, 1 running, 2 finished */
    bool thread_joined;
    const char *const *paths;
    size_t npaths;
    struct mm_intel *result;
    int rc;
    unsigned settle_ms;              /* the settle rule's time (0: off) */
    const struct mm_intel *previous; /* the set in use: a feed not settled keeps its part */
    size_t kept;                     /* feeds the last build kept from previous */
    char *log_text;                  /* reports, printed by the main thread */
    size_t log_len;
};

/* Starts a background build unless one is running, under the settle rule
 * of settle_ms (0: off) with previous (the set in use, which must live
 * until the build is polled) as the set before. */
int mm_reload_start(struct mm_reload *r, const char *const *paths, size_t n, unsigned settle_ms,
                    const struct mm_intel *previous);
/* When a build finished: joins it, hands over the new set (NULL on failure)
 * and returns true; *rc is its result. */
bool mm_reload_poll(struct mm_reload *r, struct mm_intel **out, int *rc);
/* Waits for a running build to finish; then like mm_reload_poll (false when
 * none was running). */
bool mm_reload_wait(struct mm_reload *r, struct mm_intel **out, int *rc);
/* Waits for a running build and discards it. */
void mm_reload_cancel(struct mm_reload *r);

#endif
