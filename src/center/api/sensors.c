/* SPDX-License-Identifier: Apache-2.0
 * Owns /api/v1/sensors: enrolled sensors and their health (last seen, event
 * rate over the last hour, spool backlog, drops, silent). */
#include "center/api/api.h"

#include "core/error.h"

struct sensor_walk {
    struct mm_list list;
    int64_t now, silent_after;
};

static int add_sensor_json(const struct mm_sensor *s, void *arg)
{
    struct sensor_walk *w = arg;
    return mm_list_add(&w->list, mm_json_sensor(s, w->now, w->silent_after), s->id, 0);
}

int mm_api_sensor_list(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_page page;
    struct sensor_walk w = {
        .now = req->now, .silent_after = (int64_t)req->center->cfg.sensor_silent_after * 1000000};
    int64_t tenant;
    int r = mm_api_page(req, &page);
    if (r == 0)
        r = mm_api_query_int(req, "tenant", 0, INT64_MAX / 2, -1, &tenant);
    if (r != 0)
        return r;
    mm_list_init(&w.list, &page);
    r = st->ops->sensor_list(st, &req->who.scope, tenant, &page, req->now, add_sensor_json, &w);
    return mm_list_finish(req, &w.list, r);
}

int mm_api_sensor_get(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_sensor s;
    int r = st->ops->sensor_get(st, &req->who.scope, mm_req_param(req, "sensor"), req->now, &s);
    if (r != 0)
        return r;
    return mm_reply_json(
        req, 200,
        mm_json_sensor(&s, req->now, (int64_t)req->center->cfg.sensor_silent_after * 1000000));
}
