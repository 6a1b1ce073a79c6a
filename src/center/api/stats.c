/* SPDX-License-Identifier: Apache-2.0
 * Owns /api/v1/stats: the vendor's statistics for a period, per tenant and
 * overall (SMEs served, alerts, tickets, incidents handled remotely or on
 * site, median times to acknowledge and to resolve). Vendor users only. */
#include "center/api/api.h"

#include "center/api/desk-api.h"
#include "center/incident-json.h"
#include "center/stats.h"
#include "core/error.h"

#define DAY_USEC (86400LL * 1000000)

static json_t *median_json(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static json_t *row_json(const struct mm_stats_row *row)
{
    json_t *j = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "smes_served", (json_int_t)row->smes_served,
        "alerts", (json_int_t)row->alerts, "incidents", (json_int_t)row->incidents, "remote",
        (json_int_t)row->remote, "onsite", (json_int_t)row->onsite, "tickets",
        (json_int_t)row->tickets, "median_acknowledge_s", median_json(row->median_acknowledge),
        "median_resolve_s", median_json(row->median_resolve));
    if (j && row->tenant_id >= 0) {
        json_object_set_new(j, "tenant_id", json_integer(row->tenant_id));
        json_object_set_new(j, "name", json_string(row->name));
    }
    return j;
}

int mm_api_stats(struct mm_request *req)
{
    struct mm_store *st = req->center->store;
    struct mm_stats *s = NULL;
    struct mm_stats_row overall;
    const struct mm_stats_row *rows;
    size_t n;
    int64_t since, until, tenant;
    int r = mm_api_query_time(req, "since", &since);
    if (r == 0)
        r = mm_api_query_time(req, "until", &until);
    if (r == 0)
        r = mm_api_query_int(req, "tenant", 1, INT64_MAX / 2, -1, &tenant);
    if (r != 0)
        return r;
    if (!until)
        until = req->now;
    if (!since)
        since = until - 30 * DAY_USEC;
    if (since >= until)
        return mm_reply_error(req, 400, "bad_request", "since must be before until");
    r = mm_stats_new(&s);
    if (r == 0)
        r = st->ops->stats_tenants(st, &req->who.scope, tenant, since, until, mm_stats_add_tenant,
                                   s);
    if (r == 0)
        r = st->ops->stats_incidents(st, &req->who.scope, tenant, since, until,
                                     mm_stats_add_incident, s);
    if (r == 0)
        r = mm_stats_finish(s, &rows, &n, &overall);
    json_t *list = json_array();
    for (size_t i = 0; r == 0 && i < n; i++)
        json_array_append_new(list, row_json(&rows[i]));
    mm_stats_free(s);
    if (r != 0) {
        json_decref(list);
        return r;
    }
    return mm_reply_json(req, 200,
                         json_pack("{s:o, s:o, s:o, s:o}", "since", mm_desk_json_time(since),
                                   "until", mm_desk_json_time(until), "overall", row_json(&overall),
                                   "tenants", list));
}
