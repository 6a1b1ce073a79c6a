/* SPDX-License-Identifier: Apache-2.0
 * The outages of one output file (writing fails, then works again) and
 * which of them are logged: the EVE file (output-eve.c) and the spool
 * (spool.c) keep one each. Only the first MM_OUTAGES_LOGGED outages of a
 * run are logged, when they begin and when they end, so that a disk on the
 * edge of full, which refuses one write and takes the next, cannot fill the
 * log. Every lost line or event is counted in stats and in the exit summary
 * all the same. */
#ifndef MM_SENSOR_OUTAGE_LOG_H
#define MM_SENSOR_OUTAGE_LOG_H

#include <stdbool.h>

#define MM_OUTAGES_LOGGED 5

/* Zero-initialised: no outage yet. */
struct mm_outage_log {
    bool failing;   /* a write failed and none worked since */
    bool logged;    /* the failing began a logged outage */
    unsigned count; /* the outages logged (MM_OUTAGES_LOGGED at most) */
};

/* A write failed: true when this begins an outage to log (the first
 * failure since writing last worked, and fewer than MM_OUTAGES_LOGGED
 * outages logged before). */
static inline bool mm_outage_log_begin(struct mm_outage_log *l)
{
    if (l->failing)
        return false;
    l->failing = true;
    l->logged = l->count < MM_OUTAGES_LOGGED;
    if (l->logged)
        l->count++;
    return l->logged;
}

/* A write worked: true when this ends an outage whose beginning was logged
 * (its recovery is logged then). */
static inline bool mm_outage_log_end(struct mm_outage_log *l)
{
    if (!l->failing)
        return false;
    l->failing = false;
    return l->logged;
}

#endif
