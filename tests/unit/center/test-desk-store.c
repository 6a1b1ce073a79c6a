/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the desk's storage slots on real SQLite files: every slot
 * scoped by tenant (another tenant's ids are MM_ENOENT), vendor-only notes
 * filtered in the store, the ticket and incident state machines (MM_ESTATE),
 * escalation of an alert inside the incident's transaction (and its
 * rollback), SLA targets, the monthly figures and the statistics slots. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/auth.h"
#include "center/store.h"
#include "core/error.h"
#include "../test-tmpdir.h"

#define S 1000000LL

static char dir[256];
static const struct mm_actor actor = {.name = "test", .tenant_id = 0, .address = ""};
static const struct mm_author vendor = {1, "analyst@v.example", MM_ROLE_ANALYST};
static const struct mm_author owner = {2, "owner@a.example", MM_ROLE_OWNER};

static int setup(void **state)
{
    (void)state;
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "desk-store"), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(test_tmpdir_remove(dir), 0);
    return 0;
}

static struct mm_store *open_store(void)
{
    struct mm_store_config cfg = {.dir = dir, .connections = 2, .sync_full = false};
    struct mm_store *st = NULL;
    char err[256];
    assert_int_equal(mm_store_open_sqlite(&cfg, &st, err, sizeof err), 0);
    return st;
}

static int64_t add_tenant(struct mm_store *st, const char *name)
{
    struct mm_tenant t = {.lang = "en", .mail_severity = 2, .created_at = 1};
    snprintf(t.name, sizeof t.name, "%s", name);
    int64_t id = 0;
    assert_int_equal(st->ops->tenant_add(st, &actor, &t, &id), 0);
    return id;
}

/* One alert for tenant through a freshly enrolled sensor; returns its id. */
static int64_t add_alert(struct mm_store *st, int64_t tenant, int64_t seq, int64_t sig)
{
    char code[MM_ENROL_CODE_MAX], key[32];
    uint8_t ch[MM_HASH_BYTES], kh[MM_HASH_BYTES];
    struct mm_sensor s;
    assert_int_equal(mm_enrol_code_new(code), 0);
    assert_int_equal(mm_enrol_code_hash(code, ch), 0);
    assert_int_equal(st->ops->enrol_code_add(st, &actor, tenant, ch, 100, 200), 0);
    snprintf(key, sizeof key, "mms_%lld_%lld", (long long)tenant, (long long)seq);
    mm_secret_hash(key, kh);
    assert_int_equal(st->ops->enrol_redeem(st, "", ch, "s", kh, 150, &s), 0);
    struct mm_ingest_event e = {.seq = seq, .ts = 10 * S, .event_type = "alert", .is_alert = true};
    e.body = "{}";
    e.body_len = 2;
    e.alert.signature_id = sig;
    e.alert.severity = 1;
    e.alert.signature = "sig";
    e.alert.device = "aa:bb";
    e.stats_backlog = e.stats_drops = -1;
    struct mm_ingest_opts o = {
        .now = 1000, .alert_window = 3600 * S, .header_backlog = -1, .header_drops = -1};
    struct mm_ingest_result res;
    assert_int_equal(st->ops->events_ingest(st, &s, &e, 1, &o, &res), 0);
    struct mm_scope sc = mm_scope_tenant(tenant);
    struct mm_alert a;
    int64_t id = 0;
    for (int64_t i = 1; i < 100 && !id; i++) {
        if (st->ops->alert_get(st, &sc, i, &a) == 0 && a.signature_id == sig)
            id = a.id;
    }
    assert_true(id > 0);
    return id;
}

static int count_msg(const struct mm_ticket_message *m, void *arg)
{
    (void)m;
    (*(int *)arg)++;
    return 0;
}

static int count_ticket(const struct mm_ticket *t, void *arg)
{
    (void)t;
    (*(int *)arg)++;
    return 0;
}

static int count_entry(const struct mm_timeline_entry *e, void *arg)
{
    (void)e;
    (*(int *)arg)++;
    return 0;
}

static void test_tickets_scoped(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t a = add_tenant(st, "A"), b = add_tenant(st, "B");
    int64_t alert_a = add_alert(st, a, 1, 7), alert_b = add_alert(st, b, 1, 7);
    struct mm_scope sa = mm_scope_tenant(a), sb = mm_scope_tenant(b);
    struct mm_scope all = mm_scope_for(MM_ROLE_ANALYST, 0);
    struct mm_ticket t = {.tenant_id = a};
    strcpy(t.subject, "subject");
    strcpy(t.category, "other");
    strcpy(t.channel, "web");
    int64_t id = 0, mid = 0;
    /* A foreign alert, or a tenant outside the scope: nothing is stored. */
    assert_int_equal(st->ops->ticket_add(st, &sa, &actor, &owner, &t, "b", &alert_b, 1, 5, &id),
                     MM_ENOENT);
    assert_int_equal(st->ops->ticket_add(st, &sb, &actor, &owner, &t, "b", NULL, 0, 5, &id),
                     MM_ENOENT);
    int n = 0;
    struct mm_page page = {.limit = 10};
    assert_int_equal(st->ops->ticket_list(st, &all, -1, -1, true, &page, count_ticket, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(st->ops->ticket_add(st, &sa, &actor, &owner, &t, "b", &alert_a, 1, 5, &id), 0);
    struct mm_ticket got;
    assert_int_equal(st->ops->ticket_get(st, &sb, id, true, &got), MM_ENOENT);
    assert_int_equal(st->ops->ticket_get(st, &sa, id, false, &got), 0);
    assert_string_equal(got.opened_by_email, "");
    assert_int_equal(got.message_count, 1);
    assert_int_equal(
        st->ops->ticket_message_add(st, &sb, &actor, &vendor, id, "x", false, false, 6, &mid),
        MM_ENOENT);
    assert_int_equal(
        st->ops->ticket_message_add(st, &all, &actor, &vendor, id, "note", true, false, 6, &mid),
        0);
    n = 0;
    assert_int_equal(st->ops->ticket_messages(st, &sa, id, false, count_msg, &n), 0);
    assert_int_equal(n, 1); /* the internal note is not there for the SME */
    n = 0;
    assert_int_equal(st->ops->ticket_messages(st, &all, id, true, count_msg, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(st->ops->ticket_get(st, &sa, id, false, &got), 0);
    assert_int_equal(got.message_count, 1);
    /* Status machine, and a waiting ticket reopened by the SME's message. */
    assert_int_equal(st->ops->ticket_update(st, &all, &actor, id, MM_TICKET_WAITING, NULL, 7), 0);
    assert_int_equal(
        st->ops->ticket_message_add(st, &sa, &actor, &owner, id, "answer", false, true, 8, &mid),
        0);
    assert_int_equal(st->ops->ticket_get(st, &sa, id, false, &got), 0);
    assert_int_equal(got.status, MM_TICKET_OPEN);
    assert_int_equal(st->ops->ticket_update(st, &sb, &actor, id, MM_TICKET_CLOSED, NULL, 9),
                     MM_ENOENT);
    assert_int_equal(st->ops->ticket_update(st, &sa, &actor, id, MM_TICKET_CLOSED, NULL, 9), 0);
    assert_int_equal(st->ops->ticket_update(st, &sa, &actor, id, MM_TICKET_OPEN, NULL, 10),
                     MM_ESTATE);
    assert_int_equal(
        st->ops->ticket_message_add(st, &sa, &actor, &owner, id, "late", false, true, 11, &mid),
        MM_ESTATE);
    assert_int_equal(st->ops->ticket_link_alert(st, &sa, &actor, id, alert_b, 12), MM_ENOENT);
    assert_int_equal(st->ops->ticket_link_alert(st, &sb, &actor, id, alert_b, 12), MM_ENOENT);
    mm_store_close(st);
}

static void test_incidents_scoped(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t a = add_tenant(st, "A"), b = add_tenant(st, "B");
    int64_t alert_a = add_alert(st, a, 1, 7), alert_b = add_alert(st, b, 1, 7);
    struct mm_scope sa = mm_scope_tenant(a), sb = mm_scope_tenant(b);
    struct mm_scope all = mm_scope_for(MM_ROLE_ANALYST, 0);
    struct mm_incident *in = calloc(1, sizeof *in);
    in->tenant_id = a;
    in->severity = 2;
    strcpy(in->title, "t");
    strcpy(in->source, "alert");
    int64_t id = 0, eid = 0;
    /* An alert of another tenant fails the whole creation: no incident left. */
    assert_int_equal(st->ops->incident_add(st, &all, &actor, &vendor, in, alert_b, 100, &id),
                     MM_ENOENT);
    assert_int_equal(st->ops->incident_get(st, &all, 1, in), MM_ENOENT);
    in->tenant_id = a;
    strcpy(in->title, "t");
    strcpy(in->source, "alert");
    in->severity = 2;
    assert_int_equal(st->ops->incident_add(st, &all, &actor, &vendor, in, alert_a, 100, &id), 0);
    struct mm_alert al;
    assert_int_equal(st->ops->alert_get(st, &sa, alert_a, &al), 0);
    assert_int_equal(al.status, MM_ALERT_ESCALATED);
    assert_int_equal(al.incident_id, id);
    /* Escalating it again is a state error. */
    int64_t id2 = 0;
    assert_int_equal(st->ops->incident_add(st, &all, &actor, &vendor, in, alert_a, 100, &id2),
                     MM_ESTATE);
    assert_int_equal(st->ops->incident_get(st, &sb, id, in), MM_ENOENT);
    assert_int_equal(st->ops->incident_transition(st, &sb, &actor, &vendor, id, MM_INCIDENT_REMOTE,
                                                  NULL, NULL, NULL, 200),
                     MM_ENOENT);
    assert_int_equal(st->ops->incident_transition(st, &all, &actor, &vendor, id,
                                                  MM_INCIDENT_RECOVERY, NULL, NULL, NULL, 200),
                     MM_ESTATE);
    assert_int_equal(st->ops->incident_transition(st, &all, &actor, &vendor, id, MM_INCIDENT_REMOTE,
                                                  NULL, NULL, "call", 200 * S),
                     0);
    struct mm_dispatch d = {.at = 300};
    strcpy(d.who, "Sato");
    strcpy(d.place, "office");
    assert_int_equal(st->ops->incident_dispatch(st, &sa, id, &d), MM_ENOENT);
    strcpy(d.who, "Sato");
    strcpy(d.place, "office");
    assert_int_equal(st->ops->incident_transition(st, &all, &actor, &vendor, id, MM_INCIDENT_ONSITE,
                                                  &d, NULL, NULL, 300 * S),
                     0);
    assert_int_equal(st->ops->incident_dispatch(st, &sb, id, &d), MM_ENOENT);
    /* Another tenant's alert cannot join this incident. */
    assert_int_equal(st->ops->incident_link_alert(st, &all, &actor, &vendor, id, alert_b, 305),
                     MM_ENOENT);
    assert_int_equal(st->ops->incident_dispatch(st, &sa, id, &d), 0);
    assert_string_equal(d.who, "Sato");
    assert_int_equal(
        st->ops->incident_note_add(st, &all, &actor, &vendor, id, "secret", true, 310 * S, &eid),
        0);
    assert_int_equal(
        st->ops->incident_note_add(st, &sb, &actor, &vendor, id, "x", false, 310, &eid), MM_ENOENT);
    int n_sme = 0, n_vendor = 0;
    assert_int_equal(st->ops->incident_timeline(st, &sa, id, false, count_entry, &n_sme), 0);
    assert_int_equal(st->ops->incident_timeline(st, &all, id, true, count_entry, &n_vendor), 0);
    assert_int_equal(n_vendor, n_sme + 1);
    assert_int_equal(st->ops->incident_transition(st, &all, &actor, &vendor, id,
                                                  MM_INCIDENT_RECOVERY, NULL, NULL, NULL, 400 * S),
                     0);
    assert_int_equal(st->ops->incident_transition(st, &all, &actor, &vendor, id, MM_INCIDENT_CLOSED,
                                                  NULL, "fixed", NULL, 500 * S),
                     0);
    assert_int_equal(st->ops->incident_get(st, &sa, id, in), 0);
    assert_int_equal(in->status, MM_INCIDENT_CLOSED);
    assert_true(in->dispatched);
    assert_int_equal(in->acknowledged_at, 200 * S);
    assert_int_equal(in->resolved_at, 500 * S);
    assert_string_equal(in->outcome, "fixed");
    /* A closed incident takes no more alerts. */
    assert_int_equal(st->ops->incident_link_alert(st, &all, &actor, &vendor, id, alert_b, 600),
                     MM_ESTATE);
    /* SLA: defaults, scoped set and get. */
    struct mm_sla sla;
    assert_int_equal(st->ops->sla_get(st, &sa, a, &sla), 0);
    assert_int_equal(sla.acknowledge_minutes, 60);
    assert_int_equal(sla.resolve_minutes, 1440);
    assert_int_equal(st->ops->sla_get(st, &sa, b, &sla), MM_ENOENT);
    assert_int_equal(st->ops->sla_get(st, &all, 0, &sla), MM_ENOENT);
    struct mm_sla set = {b, 5, 10};
    assert_int_equal(st->ops->sla_set(st, &sa, &actor, &set, 700), MM_ENOENT);
    assert_int_equal(st->ops->sla_set(st, &all, &actor, &set, 700), 0);
    assert_int_equal(st->ops->sla_get(st, &sb, b, &sla), 0);
    assert_int_equal(sla.acknowledge_minutes, 5);
    free(in);
    mm_store_close(st);
}

static void test_limits(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t a = add_tenant(st, "A"), id = 0, mid = 0;
    struct mm_scope sa = mm_scope_tenant(a);
    struct mm_ticket t = {.tenant_id = a};
    strcpy(t.subject, "s");
    strcpy(t.category, "other");
    strcpy(t.channel, "web");
    assert_int_equal(st->ops->ticket_add(st, &sa, &actor, &owner, &t, "b", NULL, 0, 5, &id), 0);
    /* The first message came with the ticket. */
    for (int i = 1; i < MM_TICKET_MESSAGES_MAX; i++)
        assert_int_equal(
            st->ops->ticket_message_add(st, &sa, &actor, &owner, id, "m", false, false, 6, &mid),
            0);
    assert_int_equal(
        st->ops->ticket_message_add(st, &sa, &actor, &owner, id, "m", false, false, 6, &mid),
        MM_ELIMIT);
    mm_store_close(st);
}

static int stats_tenant(const struct mm_stats_tenant *t, void *arg)
{
    int64_t *sum = arg;
    sum[0]++;
    sum[1] += t->alerts;
    return 0;
}

static void test_reports(void **state)
{
    (void)state;
    struct mm_store *st = open_store();
    int64_t a = add_tenant(st, "A"), b = add_tenant(st, "B");
    add_alert(st, a, 1, 7);
    add_alert(st, b, 1, 8);
    struct mm_scope sa = mm_scope_tenant(a), all = mm_scope_for(MM_ROLE_ADMIN, 0);
    struct mm_monthly *m = calloc(1, sizeof *m);
    assert_int_equal(st->ops->report_monthly(st, &sa, b, 0, 100 * S, 100 * S, m), MM_ENOENT);
    assert_int_equal(st->ops->report_monthly(st, &sa, a, 0, 100 * S, 100 * S, m), 0);
    assert_string_equal(m->tenant_name, "A");
    assert_int_equal(m->alerts_total, 1);
    assert_int_equal(m->alerts_by_severity[1], 1);
    assert_int_equal(m->ntop_kinds, 1); /* signature 7, no detector: the generic kind */
    assert_string_equal(m->top_kinds[0].key, "generic");
    assert_int_equal(m->top_kinds[0].count, 1);
    assert_int_equal(m->top_kinds[0].devices, 1);
    assert_int_equal(m->nsensors, 1);
    int64_t sum[2] = {0, 0};
    assert_int_equal(st->ops->stats_tenants(st, &sa, -1, 0, 100 * S, stats_tenant, sum), 0);
    assert_int_equal(sum[0], 1); /* an SME scope sees only itself */
    sum[0] = sum[1] = 0;
    assert_int_equal(st->ops->stats_tenants(st, &all, -1, 0, 100 * S, stats_tenant, sum), 0);
    assert_int_equal(sum[0], 2);
    assert_int_equal(sum[1], 2);
    free(m);
    mm_store_close(st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tickets_scoped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents_scoped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
