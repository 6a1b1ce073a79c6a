/* SPDX-License-Identifier: Apache-2.0
 * Owns the vendor statistics arithmetic: rows per tenant from the store's
 * activity counts and incidents, the overall row, and medians. */
#include "center/stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define USEC           1000000LL
#define STATS_MAX_ROWS 100000  /* tenants */
#define STATS_MAX_INC  1000000 /* incidents in one period */

struct mm_stats {
    struct mm_stats_row *rows;
    size_t nrows, caprows;
    struct mm_stats_incident *inc;
    size_t ninc, capinc;
};

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int64_t mm_stats_median(int64_t *v, size_t n)
{
    if (n == 0)
        return -1;
    qsort(v, n, sizeof *v, cmp_i64);
    if (n % 2)
        return v[n / 2];
    return (v[n / 2 - 1] + v[n / 2]) / 2;
}

int mm_stats_new(struct mm_stats **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : MM_ENOMEM;
}

void mm_stats_free(struct mm_stats *s)
{
    if (!s)
        return;
    free(s->rows);
    free(s->inc);
    free(s);
}

/* Grows *p (of *cap items of size sz) to hold one more, up to max. */
static int grow(void **p, size_t *cap, size_t n, size_t sz, size_t max)
{
    if (n < *cap)
        return 0;
    if (n >= max)
        return MM_ELIMIT;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *np = realloc(*p, ncap * sz);
    if (!np)
        return MM_ENOMEM;
    *p = np;
    *cap = ncap;
    return 0;
}

int mm_stats_add_tenant(const struct mm_stats_tenant *t, void *arg)
{
    struct mm_stats *s = arg;
    int r = grow((void **)&s->rows, &s->caprows, s->nrows, sizeof *s->rows, STATS_MAX_ROWS);
    if (r != 0)
        return r;
    struct mm_stats_row *row = &s->rows[s->nrows++];
    memset(row, 0, sizeof *row);
    row->tenant_id = t->tenant_id;
    snprintf(row->name, sizeof row->name, "%s", t->name ? t->name : "");
    row->alerts = t->alerts;
    row->tickets = t->tickets;
    return 0;
}

int mm_stats_add_incident(const struct mm_stats_incident *in, void *arg)
{
    struct mm_stats *s = arg;
    int r = grow((void **)&s->inc, &s->capinc, s->ninc, sizeof *s->inc, STATS_MAX_INC);
    if (r == 0)
        s->inc[s->ninc++] = *in;
    return r;
}

/* Fills row's incident counts and medians from the incidents of tenant
 * (-1: all); tmp holds at least s->ninc values. */
static void fill_incidents(const struct mm_stats *s, int64_t tenant, struct mm_stats_row *row,
                           int64_t *tmp)
{
    size_t n = 0;
    for (size_t i = 0; i < s->ninc; i++) {
        const struct mm_stats_incident *in = &s->inc[i];
        if (tenant >= 0 && in->tenant_id != tenant)
            continue;
        row->incidents++;
        if (in->dispatched)
            row->onsite++;
        else
            row->remote++;
        if (in->acknowledged_at)
            tmp[n++] = (in->acknowledged_at - in->created_at) / USEC;
    }
    row->median_acknowledge = mm_stats_median(tmp, n);
    n = 0;
    for (size_t i = 0; i < s->ninc; i++) {
        const struct mm_stats_incident *in = &s->inc[i];
        if ((tenant < 0 || in->tenant_id == tenant) && in->resolved_at)
            tmp[n++] = (in->resolved_at - in->created_at) / USEC;
    }
    row->median_resolve = mm_stats_median(tmp, n);
}

int mm_stats_finish(struct mm_stats *s, const struct mm_stats_row **rows, size_t *nrows,
                    struct mm_stats_row *overall)
{
    int64_t *tmp = malloc((s->ninc ? s->ninc : 1) * sizeof *tmp);
    if (!tmp)
        return MM_ENOMEM;
    memset(overall, 0, sizeof *overall);
    overall->tenant_id = -1;
    for (size_t i = 0; i < s->nrows; i++) {
        struct mm_stats_row *row = &s->rows[i];
        fill_incidents(s, row->tenant_id, row, tmp);
        row->smes_served = row->alerts > 0 || row->tickets > 0 || row->incidents > 0;
        overall->smes_served += row->smes_served;
        overall->alerts += row->alerts;
        overall->tickets += row->tickets;
    }
    /* Overall counts only incidents of the listed tenants. */
    struct mm_stats_row all;
    memset(&all, 0, sizeof all);
    size_t kept = 0;
    for (size_t i = 0; i < s->ninc; i++) {
        for (size_t j = 0; j < s->nrows; j++) {
            if (s->rows[j].tenant_id == s->inc[i].tenant_id) {
                s->inc[kept++] = s->inc[i];
                break;
            }
        }
    }
    s->ninc = kept;
    fill_incidents(s, -1, &all, tmp);
    overall->incidents = all.incidents;
    overall->remote = all.remote;
    overall->onsite = all.onsite;
    overall->median_acknowledge = all.median_acknowledge;
    overall->median_resolve = all.median_resolve;
    free(tmp);
    *rows = s->rows;
    *nrows = s->nrows;
    return 0;
}
