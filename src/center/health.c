/* SPDX-License-Identifier: Apache-2.0
 * Owns the periodic silent-sensor check thread (health.h). */
#include "center/health.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "core/error.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/timefmt.h"

struct mm_health {
    struct mm_center *center;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

int mm_health_check(struct mm_center *c, int64_t now, size_t *raised)
{
    int64_t before = now - (int64_t)c->cfg.sensor_silent_after * 1000000;
    return c->store->ops->sensors_check_silent(c->store, before, now, raised);
}

static void *health_main(void *arg)
{
    struct mm_health *h = arg;
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        struct timespec until =
            mm_time_mono_deadline((int64_t)h->center->cfg.health_interval * 1000);
        while (!h->stop && pthread_cond_timedwait(&h->cv, &h->mu, &until) != ETIMEDOUT)
            ;
        if (h->stop)
            break;
        pthread_mutex_unlock(&h->mu);
        size_t raised = 0;
        int r = mm_health_check(h->center, mm_time_now_usec(), &raised);
        if (r != 0)
            mm_log_tr(MM_LOG_ERROR, "center-log", "health.failed", mm_msg_strerror(r));
        else if (raised > 0)
            mm_log_tr(MM_LOG_WARN, "center-log", "health.silent", raised);
        pthread_mutex_lock(&h->mu);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

int mm_health_start(struct mm_center *c, struct mm_health **out)
{
    struct mm_health *h = calloc(1, sizeof *h);
    pthread_condattr_t ca;
    *out = NULL;
    if (!h)
        return MM_ENOMEM;
    h->center = c;
    pthread_mutex_init(&h->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&h->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&h->thread, NULL, health_main, h) != 0) {
        pthread_mutex_destroy(&h->mu);
        pthread_cond_destroy(&h->cv);
        free(h);
        return MM_ENOMEM;
    }
    *out = h;
    return 0;
}

void mm_health_stop(struct mm_health *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}
