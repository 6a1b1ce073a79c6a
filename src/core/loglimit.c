/* SPDX-License-Identifier: Apache-2.0
 * Owns the rate limit of repeated log lines (loglimit.h): per key, when it
 * was last written and how many occurrences went unsaid since. */
#include "core/loglimit.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/error.h"

struct entry {
    uint64_t key;
    int64_t said_at; /* when the key's line was last written */
    uint64_t unsaid; /* occurrences not written since */
};

struct mm_log_limit {
    pthread_mutex_t mu;
    int64_t interval;
    size_t n, cap;
    struct entry *e;
};

int mm_log_limit_new(int64_t interval_usec, size_t max_keys, struct mm_log_limit **out)
{
    *out = NULL;
    if (interval_usec <= 0 || max_keys == 0)
        return MM_EINVAL;
    struct mm_log_limit *l = calloc(1, sizeof *l);
    if (!l)
        return MM_ENOMEM;
    l->e = calloc(max_keys, sizeof *l->e);
    if (!l->e) {
        free(l);
        return MM_ENOMEM;
    }
    pthread_mutex_init(&l->mu, NULL);
    l->interval = interval_usec;
    l->cap = max_keys;
    *out = l;
    return 0;
}

void mm_log_limit_free(struct mm_log_limit *l)
{
    if (!l)
        return;
    pthread_mutex_destroy(&l->mu);
    free(l->e);
    free(l);
}

static bool interval_over(const struct mm_log_limit *l, const struct entry *e, int64_t now)
{
    return now < e->said_at || now - e->said_at >= l->interval;
}

/* The entry a new key takes when the table is full: one that would let its
 * key's next occurrence pass with nothing unsaid (forgetting it changes
 * nothing), else the one written longest ago. */
static struct entry *place_for_new(struct mm_log_limit *l, int64_t now)
{
    if (l->n < l->cap)
        return &l->e[l->n++];
    struct entry *oldest = &l->e[0];
    for (size_t i = 0; i < l->n; i++) {
        struct entry *e = &l->e[i];
        if (e->unsaid == 0 && interval_over(l, e, now))
            return e;
        if (e->said_at < oldest->said_at)
            oldest = e;
    }
    return oldest;
}

bool mm_log_limit_pass(struct mm_log_limit *l, uint64_t key, int64_t now, uint64_t *unsaid)
{
    *unsaid = 0;
    if (!l)
        return true;
    pthread_mutex_lock(&l->mu);
    struct entry *e = NULL;
    for (size_t i = 0; i < l->n && !e; i++)
        if (l->e[i].key == key)
            e = &l->e[i];
    bool pass = true;
    if (!e) {
        e = place_for_new(l, now);
        *e = (struct entry){.key = key, .said_at = now};
    } else if (interval_over(l, e, now)) {
        *unsaid = e->unsaid;
        e->unsaid = 0;
        e->said_at = now;
    } else {
        e->unsaid++;
        pass = false;
    }
    pthread_mutex_unlock(&l->mu);
    return pass;
}

const char *mm_log_limit_msg(struct mm_log_limit *l, uint64_t key, int64_t now, const char *msg,
                             const char *again, uint64_t *unsaid)
{
    if (!mm_log_limit_pass(l, key, now, unsaid))
        return NULL;
    return *unsaid ? again : msg;
}
