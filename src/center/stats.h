/* SPDX-License-Identifier: Apache-2.0
 * The vendor statistics as numbers: per tenant and overall SMEs served,
 * alerts, tickets, incidents handled remotely or on site, and the median
 * times to acknowledge and to resolve. Pure arithmetic over what the store
 * hands out (stats_tenants, stats_incidents); the API turns it into JSON. */
#ifndef MM_CENTER_STATS_H
#define MM_CENTER_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "center/desk-types.h"

struct mm_stats_row {
    int64_t tenant_id; /* -1: overall */
    char name[256];
    int64_t smes_served, alerts, tickets, incidents, remote, onsite;
    int64_t median_acknowledge, median_resolve; /* seconds; -1: none */
};

/* The median of n values (sorted in place); -1 when n is 0. Even counts
 * give the mean of the two middle values, rounded down. */
int64_t mm_stats_median(int64_t *v, size_t n);

struct mm_stats;
/* Collects rows for tenants and incidents; see store.h stats_*. */
int mm_stats_new(struct mm_stats **out);
void mm_stats_free(struct mm_stats *s);
int mm_stats_add_tenant(const struct mm_stats_tenant *t, void *s);
int mm_stats_add_incident(const struct mm_stats_incident *in, void *s);
/* Computes the rows (per tenant, by tenant id) and the overall row. The
 * rows stay owned by s. */
int mm_stats_finish(struct mm_stats *s, const struct mm_stats_row **rows, size_t *nrows,
                    struct mm_stats_row *overall);

#endif
