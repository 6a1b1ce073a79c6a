/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the alert logic: the status state machine, the aggregation
 * window, EVE events to ingest records (seq, device by MAC then IP, stats),
 * and the explanation catalogue (every mamori detector, ja and en). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "center/alerts.h"
#include "core/data.h"
#include "core/error.h"
#include "core/eve.h"

static void test_transitions(void **state)
{
    (void)state;
    const enum mm_alert_status N = MM_ALERT_NEW, A = MM_ALERT_ACKNOWLEDGED, E = MM_ALERT_ESCALATED,
                               C = MM_ALERT_CLOSED;
    assert_true(mm_alert_transition_ok(N, A));
    assert_true(mm_alert_transition_ok(N, E));
    assert_true(mm_alert_transition_ok(A, E));
    assert_true(mm_alert_transition_ok(N, C));
    assert_true(mm_alert_transition_ok(A, C));
    assert_true(mm_alert_transition_ok(E, C));
    assert_false(mm_alert_transition_ok(A, A));
    assert_false(mm_alert_transition_ok(E, A));
    assert_false(mm_alert_transition_ok(C, A));
    assert_false(mm_alert_transition_ok(C, E));
    assert_false(mm_alert_transition_ok(C, C));
    assert_false(mm_alert_transition_ok(A, N));
    enum mm_alert_status s;
    assert_int_equal(mm_alert_status_parse("escalated", &s), 0);
    assert_int_equal(s, E);
    assert_int_equal(mm_alert_status_parse("open", &s), MM_EINVAL);
}

static void test_window(void **state)
{
    (void)state;
    assert_true(mm_alert_in_window(100, 200, 250, 60));
    assert_true(mm_alert_in_window(100, 200, 150, 60));
    assert_true(mm_alert_in_window(100, 200, 40, 60));
    assert_false(mm_alert_in_window(100, 200, 261, 60));
    assert_false(mm_alert_in_window(100, 200, 39, 60));
}

static int parse(const char *line, json_t **ev, struct mm_ingest_event *out, char *why)
{
    int r = mm_eve_parse_line(line, strlen(line), ev, why, 256);
    if (r != 0)
        return r;
    return mm_ingest_event_from_json(*ev, line, strlen(line), out, why, 256);
}

static void test_ingest_records(void **state)
{
    (void)state;
    json_t *ev = NULL;
    struct mm_ingest_event e;
    char why[256];
    const char *mac =
        "{\"timestamp\":\"2026-04-01T09:00:00.000000+0900\",\"event_type\":\"alert\","
        "\"seq\":7,\"src_ip\":\"10.0.0.9\",\"ether\":{\"src_mac\":\"00:11:22:33:44:55\"},"
        "\"alert\":{\"signature_id\":9,\"signature\":\"s\",\"severity\":1},"
        "\"mamori\":{\"detector\":\"legacy-os\",\"message\":{\"ja\":\"古い\",\"en\":\"old\"}}}\n";
    assert_int_equal(parse(mac, &ev, &e, why), 0);
    assert_true(e.is_alert);
    assert_int_equal(e.seq, 7);
    assert_string_equal(e.alert.device, "00:11:22:33:44:55");
    assert_string_equal(e.alert.detector, "legacy-os");
    assert_string_equal(e.alert.message_ja, "古い");
    assert_int_equal(e.body_len, strlen(mac) - 1);
    json_decref(ev);
    const char *ip = "{\"timestamp\":\"2026-04-01T09:00:00Z\",\"event_type\":\"alert\",\"seq\":0,"
                     "\"src_ip\":\"10.0.0.9\",\"alert\":{\"signature_id\":9,\"signature\":\"s\","
                     "\"severity\":3}}";
    assert_int_equal(parse(ip, &ev, &e, why), 0);
    assert_string_equal(e.alert.device, "10.0.0.9");
    json_decref(ev);
    const char *noseq = "{\"timestamp\":\"2026-04-01T09:00:00Z\",\"event_type\":\"dns\"}";
    assert_int_equal(parse(noseq, &ev, &e, why), MM_EPARSE);
    assert_non_null(strstr(why, "seq"));
    json_decref(ev);
    const char *stats =
        "{\"timestamp\":\"2026-04-01T09:00:00Z\",\"event_type\":\"stats\",\"seq\":3,"
        "\"stats\":{\"spool\":{\"backlog\":12},\"capture\":{\"kernel_drops\":4}}}";
    assert_int_equal(parse(stats, &ev, &e, why), 0);
    assert_true(e.has_stats);
    assert_int_equal(e.stats_backlog, 12);
    assert_int_equal(e.stats_drops, 4);
    json_decref(ev);
}

static void check_text(const json_t *t)
{
    assert_non_null(t);
    assert_true(strlen(json_string_value(json_object_get(t, "ja"))) > 0);
    assert_true(strlen(json_string_value(json_object_get(t, "en"))) > 0);
}

static void test_explanations(void **state)
{
    (void)state;
    static const char *const detectors[] = {
        "intel",           "new-device",           "legacy-os",
        "personal-device", "outbound-smb-rdp",     "inbound-rdp-smb",
        "port-scan",       "host-sweep",           "dga-dns",
        "beaconing",       "cleartext-credentials"};
    /* An unknown signature from an unknown tool still gets plain words. */
    const json_t *generic = mm_alert_explanation(123456789, "some-other-tool");
    assert_non_null(generic);
    check_text(json_object_get(generic, "what"));
    check_text(json_object_get(generic, "now"));
    for (size_t i = 0; i < sizeof detectors / sizeof detectors[0]; i++) {
        const json_t *e = mm_alert_explanation(123456789, detectors[i]);
        if (!e || e == generic)
            print_error("no explanation of its own for %s\n", detectors[i]);
        assert_non_null(e);
        assert_ptr_not_equal(e, generic);
        check_text(json_object_get(e, "what"));
        check_text(json_object_get(e, "threat"));
        /* One next step per alert: the sensor's message ends with its own
         * (data/sensor/detectors.json), so its kind's explanation says none
         * (the alert page and the mail would give two different ones). */
        if (json_object_get(e, "now"))
            print_error("%s: a next step besides the sensor message's\n", detectors[i]);
        assert_null(json_object_get(e, "now"));
    }
    /* The centre's own alert has no sensor message: its step is here. */
    check_text(json_object_get(mm_alert_explanation(MM_SIG_SENSOR_SILENT, ""), "now"));
    assert_ptr_not_equal(mm_alert_explanation(MM_SIG_SENSOR_SILENT, ""), generic);
    /* The sensor's own detector names and its two kinds of scan. */
    static const char *const sensor_names[] = {"outbound-service", "inbound-service", "scan",
                                               "suspicious-dns", "beacon"};
    for (size_t i = 0; i < sizeof sensor_names / sizeof sensor_names[0]; i++)
        assert_ptr_not_equal(mm_alert_explanation(1, sensor_names[i]), generic);
    /* Every detector of the sensor's catalogue has an explanation of its own. */
    json_t *catalogue = NULL;
    const char *name;
    json_t *entry;
    assert_int_equal(mm_data_json("sensor/detectors.json", &catalogue), 0);
    json_object_foreach(catalogue, name, entry)
    {
        if (name[0] == '_')
            continue;
        if (mm_alert_explanation(1, name) == generic)
            print_error("no explanation of its own for sensor detector %s\n", name);
        assert_ptr_not_equal(mm_alert_explanation(1, name), generic);
    }
    json_decref(catalogue);
    assert_ptr_equal(mm_alert_explanation(9100702, "scan"), mm_alert_explanation(1, "host-sweep"));
    assert_ptr_equal(mm_alert_explanation(9100701, "scan"), mm_alert_explanation(1, "port-scan"));
    assert_ptr_equal(mm_alert_explanation(123456789, "no-such-detector"), generic);
    /* A listed address probing the office from outside is not an office
     * device talking to it: advice of its own (not "disconnect the device"). */
    const json_t *inbound = mm_alert_explanation(9100111, "intel");
    assert_ptr_not_equal(inbound, mm_alert_explanation(9100101, "intel"));
    assert_ptr_equal(inbound, mm_alert_explanation(1, "intel-inbound"));
}

/* Every signature id of the sensor's catalogue (9100000 + 100 * number +
 * variant) has advice for the owner and for the IT company in ja and en,
 * and every signature_detector entry names an explanation that exists. */
/* Alert kinds group the alerts that share an explanation: the monthly
 * report's advice counts per kind, not per signature string. */
static void test_kinds(void **state)
{
    (void)state;
    static const struct {
        int64_t sig;
        const char *detector, *kind;
    } cases[] = {
        {9100101, "intel", "intel"},
        {9100105, "intel", "intel"},
        {9100111, "intel", "intel-inbound"},
        {9100701, "scan", "port-scan"},
        {9100702, "scan", "host-sweep"},
        {1, "beacon", "beaconing"},
        {1, "new-device", "new-device"},
        {MM_SIG_SENSOR_SILENT, "", "signature:9000001"},
        {123456789, "some-other-tool", "generic"},
        {123456789, "", "generic"},
    };
    char kind[MM_ALERT_KIND_MAX];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mm_alert_kind(cases[i].sig, cases[i].detector, kind, sizeof kind);
        assert_string_equal(kind, cases[i].kind);
        assert_ptr_equal(mm_alert_kind_explanation(kind),
                         mm_alert_explanation(cases[i].sig, cases[i].detector));
    }
    assert_ptr_equal(mm_alert_kind_explanation("signature:42"),
                     mm_alert_kind_explanation("generic"));
}

static void test_every_signature_advised(void **state)
{
    (void)state;
    json_t *catalogue = NULL, *explanations = NULL, *entry, *variant, *v;
    const char *name, *number, *sid;
    const json_t *generic = mm_alert_explanation(123456789, "some-other-tool");
    assert_int_equal(mm_data_json("sensor/detectors.json", &catalogue), 0);
    json_object_foreach(catalogue, name, entry)
    {
        if (name[0] == '_')
            continue;
        json_int_t base = 9100000 + 100 * json_integer_value(json_object_get(entry, "number"));
        json_object_foreach(json_object_get(entry, "variants"), number, variant)
        {
            const json_t *e = mm_alert_explanation(base + atoi(number), name);
            if (e == generic)
                print_error("no advice for %s variant %s\n", name, number);
            assert_ptr_not_equal(e, generic);
            check_text(json_object_get(e, "what"));
            assert_null(json_object_get(e, "now")); /* the message's step is the one */
            check_text(json_object_get(e, "vendor"));
        }
    }
    json_decref(catalogue);
    assert_int_equal(mm_data_json("center/explanations.json", &explanations), 0);
    json_object_foreach(json_object_get(explanations, "signature_detector"), sid, v)
    {
        if (mm_alert_explanation(1, json_string_value(v)) == generic)
            print_error("signature %s names no explanation: %s\n", sid, json_string_value(v));
        assert_ptr_not_equal(mm_alert_explanation(1, json_string_value(v)), generic);
    }
    json_decref(explanations);
}

static void test_default_message(void **state)
{
    (void)state;
    struct mm_ingest_alert a = {
        .signature = "ET POLICY something", .message_ja = "", .message_en = NULL};
    mm_ingest_alert_default_message(&a);
    assert_string_equal(a.message_en, "ET POLICY something");
    assert_true(strlen(a.message_ja) > 0);
    struct mm_ingest_alert own = {.signature = "x", .message_ja = "独自", .message_en = "own"};
    mm_ingest_alert_default_message(&own);
    assert_string_equal(own.message_ja, "独自");
    assert_string_equal(own.message_en, "own");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transitions),     cmocka_unit_test(test_window),
        cmocka_unit_test(test_ingest_records),  cmocka_unit_test(test_explanations),
        cmocka_unit_test(test_kinds),           cmocka_unit_test(test_every_signature_advised),
        cmocka_unit_test(test_default_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
