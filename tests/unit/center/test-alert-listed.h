/* SPDX-License-Identifier: Apache-2.0
 * The centre's store tests' alert-list collector: the ids a list gave, as
 * "id,id,...", the last alert's (last_seen, id), of which the next page's
 * cursor is made, and how many there were. */
#ifndef MM_TEST_ALERT_LISTED_H
#define MM_TEST_ALERT_LISTED_H

#include <stdint.h>

#include "center/store.h"
#include "core/buf.h"

struct listed {
    struct mm_buf *out;
    int64_t last_seen, id;
    int n;
};

/* An alert_list callback: adds a to the struct listed at arg. */
static inline int list_one(const struct mm_alert *a, void *arg)
{
    struct listed *l = arg;
    mm_buf_printf(l->out, "%lld,", (long long)a->id);
    l->last_seen = a->last_seen;
    l->id = a->id;
    l->n++;
    return 0;
}

#endif
