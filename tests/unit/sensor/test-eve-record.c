/* SPDX-License-Identifier: Apache-2.0
 * Alerts and device events without their jansson event object
 * (eve-record.c) against the JSON path they replace, byte for byte:
 *   - the alert line: random headers (ed_random_context, as the packet
 *     path fills them, or only time and addresses as mm_sensor_alert_at)
 *     and random alerts (texts with quotes, backslashes, control bytes,
 *     Japanese and 4-byte UTF-8, empty or missing; metadata and evidence
 *     absent or any JSON value) written by mm__alert_line_write into one
 *     EVE writer and as mm__eve_new + mm_eve_set_alert into another;
 *   - the device line: random headers and random device records (any
 *     member values) by mm__device_line_write and as the JSON event;
 *     crafted records as the inventory makes them (texts with quotes,
 *     backslashes, control bytes, Japanese, not UTF-8 or holding a NUL;
 *     empty lists, every OS guess of the table, allowlisted, the address
 *     change members, reals, deep nesting, a record over 16 KiB), also
 *     through the spool's tap (",\"seq\":N" last) against the event with
 *     "seq" set and the spool's text against mm_eve_line_format's;
 *   - the sensor: two sensors given the same traffic of many home devices
 *     (new MACs, address changes, user agents of old, mobile and odd
 *     systems, some with VLAN tags), one taking alerts and device events
 *     the direct way and one kept on the JSON path, must write the same
 *     EVE file (new-device, legacy-os, personal-device alerts among the
 *     lines), also when [output] event_types leaves out device events or
 *     alerts; and so for every capture in $MAMORI_SHARED_DIR/pcaps
 *     (skipped without it);
 *   - the spool: with a state directory where alerts, device events,
 *     HTTP events and flow records are spooled (written the direct way,
 *     the spool fed by the EVE writer's tap), the EVE file and the spool's
 *     segment files match those of a sensor taking none of them the direct
 *     way, also when [output] event_types leaves alerts and device events
 *     out (the spool still gets them) or leaves HTTP events or flow
 *     records out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../test-rand.h"
#include "../test-tmpdir.h"
#include "core/data.h"
#include "core/eve.h"
#include "sensor/eve-app.h"
#include "sensor/eve-record.h"
#include "sensor/flow.h"
#include "sensor/osguess.h"
#include "sensor/sensor-int.h"
#include "test-eve-direct.h"

static uint64_t rng;

static uint64_t rnd(uint64_t n)
{
    return test_xorshift(&rng) % n;
}

#define PICK(list) (list[rnd(sizeof list / sizeof list[0])])

/* ---- random texts and values ------------------------------------------------------- */

/* A text of valid UTF-8 up to max - 1 bytes: ASCII, the bytes JSON
 * escapes, Japanese (3 bytes) and 4-byte characters, in runs. */
static void gen_text(char *out, size_t max)
{
    static const char *const pieces[] = {"MAMORI ",
                                         "device ",
                                         "\"",
                                         "\\",
                                         "\n",
                                         "\t",
                                         "\x01",
                                         "\x1f",
                                         "/",
                                         "機器",
                                         "が、",
                                         "ネットワーク",
                                         "(名前不明の機器)",
                                         "\xf0\x9f\x98\x80",
                                         "\xc3\xa9",
                                         "192.168.1.5 ",
                                         "abcdefghijklmnopqrstuvwxyz0123456789",
                                         "\x7f",
                                         " "};
    size_t n = 0, want = rnd(4) == 0 ? rnd(600) : rnd(60);
    while (n < want) {
        const char *p = PICK(pieces);
        size_t k = strlen(p);
        if (n + k >= max)
            break;
        memcpy(out + n, p, k);
        n += k;
    }
    out[n] = '\0';
}

static json_t *gen_value(int depth);

static json_t *gen_object(int depth)
{
    static const char *const keys[] = {"mac", "ips", "os", "evidence", "a\"b", "キー", "x", ""};
    json_t *o = json_object();
    for (uint64_t i = rnd(6); i > 0; i--)
        json_object_set_new(o, PICK(keys), gen_value(depth + 1));
    return o;
}

/* Any JSON value (objects and arrays a few levels deep). */
static json_t *gen_value(int depth)
{
    char text[700];
    switch (rnd(depth > 3 ? 6 : 9)) {
    case 0:
        gen_text(text, sizeof text);
        return json_string(text);
    case 1:
        return json_integer((json_int_t)(test_xorshift(&rng) >> rnd(64)) * (rnd(2) ? 1 : -1));
    case 2:
        return json_real((double)rnd(100000) / 7.0);
    case 3:
        return json_boolean(rnd(2));
    case 4:
        return json_null();
    case 5:
        return json_string("");
    case 6:
    case 7:
        return gen_object(depth);
    default: {
        json_t *a = json_array();
        for (uint64_t i = rnd(5); i > 0; i--)
            json_array_append_new(a, gen_value(depth + 1));
        return a;
    }
    }
}

/* ---- the lines --------------------------------------------------------------------- */

/* A random header: of a packet and perhaps its flow (ed_random_context),
 * sometimes with an application protocol; or time and addresses only. */
static void gen_header(struct mm_eve_header *h, const char *type, struct mm_packet *p,
                       struct mm_flow *f)
{
    static const uint8_t protos[] = {6, 17, 1, 58, 132, 47};
    static const char *const apps[] = {"http", "tls", "dns", "smb"};
    bool with_flow;
    ed_random_context(&rng, p, f, &with_flow, PICK(protos), ED_ANY_PORT);
    mm__eve_header_packet(h, type, p, with_flow ? f : NULL);
    if (rnd(3) == 0)
        h->app_proto = PICK(apps);
    if (rnd(4) == 0) { /* mm_sensor_alert_at's header */
        struct mm_eve_header at = {.ts = p->ts, .event_type = type};
        at.src = rnd(3) ? &p->src : NULL;
        at.dst = rnd(3) ? &p->dst : NULL;
        *h = at;
    }
}

static void test_alert_line_equals_json(void **state)
{
    (void)state;
    static const char *const detectors[] = {"intel", "new-device", "legacy-os", "scan", "x\"y"};
    char sig[700], cat[700], ja[700], en[700];
    struct ed_line_files f;
    ed_line_files_open(&f, "eve-record-alert");
    rng = 4242;
    for (int i = 0; i < 3000; i++) {
        struct mm_packet p;
        struct mm_flow fl;
        struct mm_eve_header h;
        gen_header(&h, "alert", &p, &fl);
        gen_text(sig, sizeof sig);
        gen_text(cat, sizeof cat);
        gen_text(ja, sizeof ja);
        gen_text(en, sizeof en);
        struct mm_eve_alert a = {
            .signature_id = (uint32_t)test_xorshift(&rng),
            .signature = rnd(10) ? sig : NULL,
            .category = rnd(10) ? cat : NULL,
            .severity = (enum mm_severity)(1 + rnd(4)),
            .detector = rnd(10) ? PICK(detectors) : NULL,
            .message_ja = rnd(10) ? ja : NULL,
            .message_en = rnd(10) ? en : NULL,
            .metadata = rnd(3) ? gen_value(1) : NULL,
            .evidence = rnd(4) ? gen_value(1) : NULL,
            .texts_valid = true,
        };
        assert_int_equal(mm__alert_line_write(f.direct_out, &h, &a), 0);
        json_t *ev = mm__eve_new(&h);
        assert_non_null(ev);
        assert_int_equal(mm_eve_set_alert(ev, &a), 0); /* takes metadata and evidence */
        assert_int_equal(mm_eve_out_write(f.json_out, ev), 0);
        json_decref(ev);
    }
    assert_int_equal(ed_line_files_close_expect_same(&f), 3000);
    ed_line_files_remove(&f);
}

/* A device record: the inventory's members with values of their kind,
 * now and then another kind, another member or none. */
static json_t *gen_record(void)
{
    char text[700];
    json_t *rec = json_object(), *ips = json_array(), *names = json_array();
    if (rnd(5))
        json_object_set_new(rec, "mac", json_string("02:00:5e:10:00:01"));
    for (uint64_t i = rnd(4); i > 0; i--)
        json_array_append_new(ips, json_string(rnd(3) ? "192.168.1.5" : "2001:db8::5"));
    json_object_set_new(rec, "ips", ips);
    gen_text(text, sizeof text);
    json_object_set_new(rec, "vendor", json_string(text));
    json_object_set_new(rec, "mac_random", json_boolean(rnd(2)));
    for (uint64_t i = rnd(4); i > 0; i--) {
        gen_text(text, 64);
        json_array_append_new(names, json_string(text));
    }
    json_object_set_new(rec, "hostnames", names);
    json_object_set_new(rec, "evidence", gen_value(2));
    json_object_set_new(rec, "os", rnd(3) ? json_null() : gen_object(2));
    if (rnd(2))
        json_object_set_new(rec, "tcp",
                            json_pack("{s:i, s:i, s:s}", "ttl", (int)rnd(256), "window",
                                      (int)rnd(65536), "options", "M,N,W"));
    json_object_set_new(rec, "allowlisted", json_boolean(rnd(2)));
    json_object_set_new(rec, "first_seen", json_string("2026-04-01T00:00:00.000000+0000"));
    json_object_set_new(rec, "last_seen", json_string("2026-04-01T00:01:00.000000+0000"));
    if (rnd(4) == 0)
        json_object_set_new(rec, "other", gen_value(1));
    json_object_set_new(rec, "action", json_string(rnd(2) ? "new" : "changed"));
    return rec;
}

static void test_device_line_equals_json(void **state)
{
    (void)state;
    struct ed_line_files f;
    ed_line_files_open(&f, "eve-record-device");
    rng = 2424;
    for (int i = 0; i < 2000; i++) {
        struct mm_packet p;
        struct mm_flow fl;
        struct mm_eve_header h = {.event_type = "device"};
        gen_header(&h, "device", &p, &fl);
        if (rnd(2)) { /* as the inventory makes it: time and first address */
            struct mm_eve_header d = {.ts = p.ts, .event_type = "device", .src = h.src};
            h = d;
        }
        json_t *rec = gen_record();
        assert_int_equal(mm__device_line_write(f.direct_out, &h, rec), 0);
        json_t *ev = mm__eve_new(&h);
        assert_non_null(ev);
        assert_int_equal(json_object_set(ev, "device", rec), 0);
        assert_int_equal(mm_eve_out_write(f.json_out, ev), 0);
        json_decref(ev);
        json_decref(rec);
    }
    assert_int_equal(ed_line_files_close_expect_same(&f), 2000);
    ed_line_files_remove(&f);
}

/* ---- crafted device records ---------------------------------------------------------- */

/* Texts for the records' strings: most plain, some with what the writer
 * escapes or checks, some not UTF-8 or holding a NUL (made without
 * jansson's check: neither way writes them). */
static const struct {
    const char *s;
    size_t n; /* 0: strlen */
} crafted_texts[] = {
    {"", 0},
    {"GHIA", 0},
    {"Intel Corporate", 0},
    {"Apple, Inc.", 0},
    {"android-5f2c9a1b3e4d6f70", 0},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", 0},
    {"1,15,3,6,44,46,47,31,33,43", 0},
    {"MSFT 5.0", 0},
    {"Windows 5.1", 0},
    {"M,N,W,N,N,S", 0},
    {"~!#$%&'()*+,-./:;<=>?@[]^_`{|}", 0},
    {"del\x7f", 0},
    {"a\"b", 0},
    {"\"", 0},
    {"back\\slash", 0},
    {"\\", 0},
    {"ctl\x01x", 0},
    {"tab\there", 0},
    {"line\n", 0},
    {"\x1f", 0},
    {"\xe6\xa9\x9f\xe5\x99\xa8", 0},
    {"iPhone (\xe5\xa4\xaa\xe9\x83\x8e)", 0},
    {"caf\xc3\xa9", 0},
    {"\xf0\x9f\x98\x80 smile", 0},
    {"\xe6\xa9\x9f\"\xe5\x99\xa8", 0},
    {"\xe6\xa9\x9f\\n", 0},
    {"\xe6\xa9\x9f\x01", 0},
    {"\xff", 0},
    {"ab\xc3", 0},
    {"\xed\xa0\x80", 0},
    {"\xc0\xaf", 0},
    {"nul\0inside", 10},
    {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef01", 0},
};

#define CRAFTED_PLAIN 12 /* the first texts, all plain ASCII */

static json_t *crafted_text(bool plain)
{
    size_t i = plain ? rnd(CRAFTED_PLAIN) : rnd(sizeof crafted_texts / sizeof crafted_texts[0]);
    const char *s = crafted_texts[i].s;
    size_t n = crafted_texts[i].n ? crafted_texts[i].n : strlen(s);
    return json_stringn_nocheck(s, n);
}

static json_t *crafted_list(uint64_t max, bool plain)
{
    json_t *a = json_array();
    for (uint64_t i = rnd(max + 1); i > 0; i--)
        json_array_append_new(a, crafted_text(plain));
    return a;
}

/* The record's "os" as device.c sets it, for the table's ids. */
static json_t *crafted_os(const struct mm_osguess *t, const char *id, const char *source)
{
    struct mm_os_guess g;
    if (!mm_osguess_by_id(t, id, &g))
        return json_null();
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:b, s:I, s:s}", "id", g.id, "name", g.name_en,
                     "name_ja", g.name_ja, "family", g.family, "legacy", g.legacy, "eol", g.eol,
                     "mobile", g.mobile, "confidence", (json_int_t)rnd(101), "source", source);
}

/* A record as the inventory makes it (members in its order, some absent
 * or added later), its texts plain or not (one in four records), now and
 * then something no record holds today: a real, deep nesting, a key to
 * escape, a text of 20 kB. */
static json_t *crafted_record(const struct mm_osguess *t, const char *const *os_ids, size_t n_os)
{
    static const char *const sources[] = {"dhcp", "user_agent", "smb", "tcp", "vendor"};
    static const char *const ips[] = {"192.168.1.5", "10.0.0.17", "2001:db8::5",
                                      "fe80::edf5:240a:c8c0:8312", "255.255.255.255"};
    static const char *const actions[] = {"new", "changed", "allowed"};
    bool plain = rnd(4) != 0;
    json_t *rec = json_object();
    if (rnd(6))
        json_object_set_new(rec, "mac",
                            json_string(rnd(2) ? "cc:3d:82:1e:ee:e3" : "02:00:5e:10:00:01"));
    json_t *list = json_array();
    for (uint64_t i = rnd(9); i > 0; i--)
        json_array_append_new(list, json_string(PICK(ips)));
    json_object_set_new(rec, "ips", list);
    json_object_set_new(rec, "vendor", rnd(5) ? crafted_text(plain) : json_null());
    json_object_set_new(rec, "mac_random", json_boolean(rnd(2)));
    json_object_set_new(rec, "hostnames", crafted_list(rnd(3) ? 0 : 4, plain));
    json_object_set_new(rec, "user_agents", crafted_list(rnd(2) ? 0 : 3, plain));
    if (rnd(3) == 0) {
        json_t *dhcp = json_object();
        json_object_set_new(dhcp, "params", crafted_text(plain));
        if (rnd(2))
            json_object_set_new(dhcp, "vendor_class", crafted_text(plain));
        json_object_set_new(rec, "dhcp", dhcp);
    }
    if (rnd(5) == 0)
        json_object_set_new(rec, "smb_native_os", crafted_text(plain));
    if (rnd(2))
        json_object_set_new(rec, "tcp",
                            json_pack("{s:i, s:i, s:o}", "ttl", (int)rnd(256), "window",
                                      (int)rnd(65536), "options", crafted_text(plain)));
    json_t *evidence = json_array();
    for (uint64_t i = rnd(4); i > 0; i--)
        json_array_append_new(evidence, json_pack("{s:s, s:o, s:s, s:i}", "source", PICK(sources),
                                                  "value", crafted_text(plain), "os",
                                                  os_ids[rnd(n_os)], "score", (int)rnd(101)));
    json_object_set_new(rec, "evidence", evidence);
    json_object_set_new(rec, "os",
                        rnd(4) ? crafted_os(t, os_ids[rnd(n_os)], PICK(sources)) : json_null());
    json_object_set_new(rec, "allowlisted", json_boolean(rnd(2)));
    json_object_set_new(rec, "first_seen", json_string("2016-08-02T02:19:37.634231+0000"));
    json_object_set_new(rec, "last_seen", json_string("2016-08-02T02:19:37.634537+0000"));
    switch (rnd(24)) { /* the rare ones */
    case 0:
        json_object_set_new(rec, "address_change_pending", json_true());
        json_object_set_new(rec, "last_announced", json_string("2016-08-02T02:00:00.000000+0000"));
        break;
    case 1:
        json_object_set_new(rec, "score", json_real(0.5));
        break;
    case 2: {
        json_t *deep = json_array();
        for (int i = 0; i < 12; i++)
            deep = json_pack("[o]", deep);
        json_object_set_new(rec, "deep", deep);
        break;
    }
    case 3:
        json_object_set_new(rec, "a\"b", json_integer(-(json_int_t)rnd(1000)));
        break;
    case 4:
        json_object_set_new(rec, "\xe3\x82\xad\xe3\x83\xbc", json_object());
        break;
    case 5: {
        char *big = malloc(20000);
        assert_non_null(big);
        memset(big, 'x', 19999);
        big[19999] = '\0';
        json_object_set_new(rec, "big", json_string(big));
        free(big);
        break;
    }
    case 6:
        json_object_set_new(rec, "recent_addresses", json_pack("[s,s]", "10.0.0.1", "10.0.0.2"));
        json_object_set_new(rec, "n", json_integer(INT64_MIN));
        break;
    default:
        break;
    }
    json_object_set_new(rec, "action", json_string(PICK(actions)));
    return rec;
}

/* The ids of the OS table (all the guesses a record may carry). */
static size_t os_table_ids(const char **ids, size_t max, json_t **root)
{
    assert_int_equal(mm_data_json("sensor/os-fingerprints.json", root), 0);
    const char *id;
    json_t *v;
    size_t n = 0;
    json_object_foreach(json_object_get(*root, "os"), id, v)
    {
        if (n < max)
            ids[n++] = id;
    }
    (void)v;
    assert_true(n > 5 && n < max);
    return n;
}

/* What the tap got: the spool's text. */
struct seq_tap {
    char text[32768];
    size_t len;
};

static int seq_tap_fn(void *arg, const char *text, size_t len)
{
    struct seq_tap *t = arg;
    assert_true(len < sizeof t->text);
    memcpy(t->text, text, len);
    t->len = len;
    return 0;
}

/* Crafted records through mm__device_line_write against the JSON event
 * through mm_eve_out_write: without the tap, and with the spool's tap
 * (",\"seq\":N" last, the EVE line written or not) against the event with
 * "seq" set last, the spool's text against mm_eve_line_format's. */
static void test_device_line_crafted(void **state)
{
    (void)state;
    struct mm_osguess *table;
    assert_int_equal(mm_osguess_new(&table), 0);
    const char *ids[256];
    json_t *root;
    size_t n_os = os_table_ids(ids, 256, &root);
    struct ed_line_files plain, seq;
    ed_line_files_open(&plain, "eve-record-crafted");
    ed_line_files_open(&seq, "eve-record-crafted-seq");
    rng = 777;
    size_t written = 0, seq_written = 0, spooled = 0;
    for (int i = 0; i < 4000; i++) {
        struct mm_packet p;
        struct mm_flow fl;
        struct mm_eve_header h = {.event_type = "device"};
        gen_header(&h, "device", &p, &fl);
        if (rnd(4)) { /* as the inventory makes it */
            struct mm_eve_header d = {.ts = p.ts, .event_type = "device", .src = h.src};
            h = d;
        }
        json_t *rec = crafted_record(table, ids, n_os);
        if (i < (int)n_os) { /* every OS guess at least once, plain */
            json_object_set_new(rec, "os", crafted_os(table, ids[i], "dhcp"));
        }
        json_t *ev = mm__eve_new(&h);
        assert_non_null(ev);
        assert_int_equal(json_object_set(ev, "device", rec), 0);
        /* without the tap */
        int rd = mm__device_line_write(plain.direct_out, &h, rec);
        int rj = mm_eve_out_write(plain.json_out, ev);
        assert_int_equal(rd == 0, rj == 0);
        written += rd == 0;
        /* with the tap */
        uint64_t n = 1 + rnd(1000000);
        char tail[40];
        struct seq_tap got = {.len = 0};
        struct mm_eve_out_tap tap = {
            .tail = tail, .fn = seq_tap_fn, .arg = &got, .write = rnd(4) != 0};
        tap.tail_len = (size_t)snprintf(tail, sizeof tail, ",\"seq\":%llu", (unsigned long long)n);
        mm_eve_out_set_tap(seq.direct_out, &tap);
        rd = mm__device_line_write(seq.direct_out, &h, rec);
        mm_eve_out_set_tap(seq.direct_out, NULL);
        assert_int_equal(json_object_set_new(ev, "seq", json_integer((json_int_t)n)), 0);
        char *buf = NULL;
        size_t len = 0, cap = 0;
        int rf = mm_eve_line_format(ev, &buf, &len, &cap);
        assert_int_equal(rd == 0, rf == 0);
        assert_int_equal(tap.tapped, rf == 0);
        if (rf == 0) {
            assert_int_equal(got.len + 1, len);
            assert_memory_equal(got.text, buf, got.len);
            spooled++;
            if (tap.write) {
                assert_int_equal(mm_eve_out_write(seq.json_out, ev), 0);
                seq_written++;
            }
        }
        free(buf);
        json_decref(ev);
        json_decref(rec);
    }
    print_message("%zu of 4000 lines written (the rest refused both ways), %zu spooled\n", written,
                  spooled);
    assert_true(written > 3000 && spooled == written);
    assert_int_equal(ed_line_files_close_expect_same(&plain), written);
    assert_int_equal(ed_line_files_close_expect_same(&seq), seq_written);
    ed_line_files_remove(&plain);
    ed_line_files_remove(&seq);
    json_decref(root);
    mm_osguess_free(table);
}

/* ---- the sensor -------------------------------------------------------------------- */

static const char *const user_agents[] = {
    "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) Gecko/20100101 Firefox/52.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 15_0 like Mac OS X) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 12; Pixel 6) Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0",
    "curl/8.5.0",
    "odd \"agent\" \\ \xe6\xa9\x9f\xe5\x99\xa8",
    "Mozilla/4.0 (compatible; MSIE 5.0; Windows 98)",
};

#define HOME_DEVICES 400

/* The home devices: a MAC each (some locally administered), an IPv4 or
 * IPv6 address that changes now and then. */
static struct ed_endpoint home[HOME_DEVICES];

static void home_address(struct ed_endpoint *e, unsigned i)
{
    char text[64];
    if (rnd(5) == 0)
        snprintf(text, sizeof text, "2001:db8::%x:%x", i, (unsigned)rnd(65536));
    else
        snprintf(text, sizeof text, "192.168.%u.%u", (unsigned)rnd(256), (unsigned)(1 + rnd(254)));
    assert_int_equal(mm_addr_parse(text, &e->addr), 0);
}

static void make_home(void)
{
    for (unsigned i = 0; i < HOME_DEVICES; i++) {
        uint8_t mac[6] = {rnd(4) ? 0x00 : 0x02, 0x1b,       0x21,
                          (uint8_t)(i >> 8),    (uint8_t)i, (uint8_t)rnd(256)};
        memcpy(home[i].mac, mac, 6);
        home_address(&home[i], i);
        home[i].port = (uint16_t)(20000 + rnd(40000));
    }
}

static const struct ed_server server = {"2001:db8:ffff::80", "203.0.113.66", "192.0.2.80", 80};

/* One HTTP request from a home device (perhaps at a new address) to the
 * outside server, to both sensors. */
static void request(struct ed_sensor_run *runs, double t)
{
    char msg[600];
    unsigned i = (unsigned)rnd(HOME_DEVICES);
    struct ed_endpoint *c = &home[i], srv;
    if (rnd(8) == 0)
        home_address(c, i);
    ed_random_endpoint(&rng, &srv, &server, c->addr.family == 6);
    uint16_t vlan = rnd(6) == 0 ? (uint16_t)(1 + rnd(4000)) : 0;
    int n = snprintf(msg, sizeof msg,
                     "GET /p%u HTTP/1.1\r\nHost: h%u.example\r\nUser-Agent: %s\r\n\r\n",
                     (unsigned)rnd(1000), (unsigned)rnd(50), PICK(user_agents));
    c->port++;
    for (int k = 0; k < 2; k++)
        ed_send_segment(runs[k].s, c, &srv, 1000, vlan, t, msg, (size_t)n);
}

#define INI                                                                                        \
    "[devices]\naddress_change_interval = 0\n"                                                     \
    "[detect.legacy-os]\nsuppress_seconds = 0\n"                                                   \
    "[detect.personal-device]\nsuppress_seconds = 0\n"                                             \
    "[detect.intel]\nsuppress_seconds = 0\n"

#define FEED "evil.example\n203.0.113.66\n"

static void test_sensor_direct_equals_json(void **state)
{
    (void)state;
    char dir[TEST_TMPDIR_MAX];
    struct ed_sensor_run runs[2];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, "eve-record"), 0);
    ed_open_pair(runs, dir, INI, FEED);
    rng = 99;
    make_home();
    for (unsigned i = 0; i < 3000; i++)
        request(runs, 1775001600.0 + i * 0.5);
    const struct mm__records *direct = &runs[0].s->records, *json = &runs[1].s->records;
    print_message("%llu alerts and %llu device events the direct way\n",
                  (unsigned long long)direct->alerts_direct,
                  (unsigned long long)direct->devices_direct);
    assert_true(direct->alerts_direct > 1000);
    assert_true(direct->devices_direct > 400);
    assert_int_equal(json->alerts_direct + json->devices_direct, 0);
    char *a = ed_close_pair_checked(runs, 1000);
    static const struct ed_least least[] = {{"\"event_type\":\"device\"", 1000},
                                            {"\"action\":\"changed\"", 300},
                                            {"\"detector\":\"new-device\"", 300},
                                            {"\"detector\":\"legacy-os\"", 100},
                                            {"\"detector\":\"personal-device\"", 100},
                                            {"\"detector\":\"intel\"", 100},
                                            {"\"vlan\":[", 100}};
    ed_expect_counts(a, least, sizeof least / sizeof least[0]);
    free(a);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* [output] event_types without device events: their detectors still run
 * and their alerts are written; and without alerts. */
static void test_sensor_some_types(void **state)
{
    (void)state;
    static const char *const types[] = {"alert,http,flow", "device,http,dns"};
    for (int k = 0; k < 2; k++) {
        char dir[TEST_TMPDIR_MAX], ini[512];
        struct ed_sensor_run runs[2];
        snprintf(ini, sizeof ini, "%s[output]\nevent_types = %s\n", INI, types[k]);
        assert_int_equal(test_tmpdir_make(dir, sizeof dir, "eve-record-types"), 0);
        ed_open_pair(runs, dir, ini, FEED);
        assert_true(runs[0].s->records.alert_eve == (k == 0));
        assert_true(runs[0].s->records.device_eve == (k == 1));
        rng = 5 + (uint64_t)k;
        make_home();
        for (unsigned i = 0; i < 800; i++)
            request(runs, 1775001600.0 + i * 0.5);
        assert_true(runs[0].s->records.alerts_direct > 200);
        assert_true(runs[0].s->records.devices_direct > 100);
        char *a = ed_close_pair_checked(runs, 100);
        assert_true(ed_count_of(a, k == 0 ? "\"event_type\":\"alert\""
                                          : "\"event_type\":\"device\"") > 100);
        assert_int_equal(
            ed_count_of(a, k == 0 ? "\"event_type\":\"device\"" : "\"event_type\":\"alert\""), 0);
        free(a);
        assert_int_equal(test_tmpdir_remove(dir), 0);
    }
}

static void test_shared_captures(void **state)
{
    (void)state;
    ed_shared_captures("eve-record", INI, FEED);
}

/* ---- the spool --------------------------------------------------------------------- */

/* One sensor with its own state directory (and so its own spool); the
 * config text extra after the spool's. */
static void spool_sensor_open(struct ed_sensor_run *r, const char *dir, const char *name,
                              const char *extra)
{
    char ini[TEST_TMPDIR_MAX], state_dir[TEST_TMPDIR_MAX], sub[64];
    snprintf(sub, sizeof sub, "%s.state", name);
    assert_int_equal(test_tmpdir_join(state_dir, sizeof state_dir, dir, sub), 0);
    assert_int_equal(mkdir(state_dir, 0700), 0);
    snprintf(sub, sizeof sub, "%s.ini", name);
    assert_int_equal(test_tmpdir_join(ini, sizeof ini, dir, sub), 0);
    FILE *f = fopen(ini, "w");
    assert_non_null(f);
    fprintf(f, "%s[sensor]\nstate = %s\n[uplink]\nevent_types = alert,device,dns,http,flow\n%s",
            INI, state_dir, extra);
    fclose(f);
    snprintf(sub, sizeof sub, "%s.json", name);
    assert_int_equal(test_tmpdir_join(r->eve, sizeof r->eve, dir, sub), 0);
    char *argv[] = {"mamori-sensor",
                    "-r",
                    "none.pcap",
                    "--eve",
                    r->eve,
                    "--home-net",
                    "192.168.0.0/16,2001:db8::/32",
                    "--config",
                    ini,
                    NULL};
    memset(&r->opt, 0, sizeof r->opt);
    assert_int_equal(mm__options_parse(9, argv, false, &r->opt), 0);
    char err[256];
    assert_int_equal(mm__sensor_new(&r->opt, NULL, &r->s, err, sizeof err), 0);
}

/* The spool segments of a state directory, concatenated in name order. */
static char *spool_text(const char *dir, const char *name, size_t *len)
{
    char path[TEST_TMPDIR_MAX], sub[64], file[TEST_TMPDIR_MAX + 300];
    struct dirent **list;
    snprintf(sub, sizeof sub, "%s.state/spool", name);
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, sub), 0);
    int n = scandir(path, &list, NULL, alphasort);
    assert_true(n > 2);
    char *all = NULL;
    *len = 0;
    for (int i = 0; i < n; i++) {
        size_t k;
        snprintf(file, sizeof file, "%s/%s", path, list[i]->d_name);
        struct stat st;
        if (list[i]->d_name[0] != '.' && stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
            char *text = ed_read_file(file, &k);
            all = realloc(all, *len + k + 1);
            assert_non_null(all);
            memcpy(all + *len, text, k);
            *len += k;
            free(text);
        }
        free(list[i]);
    }
    free(list);
    return all;
}

/* Occurrences of needle in the n bytes at text (binary: the spool's). */
static size_t count_bytes(const char *text, size_t n, const char *needle)
{
    size_t k = strlen(needle), count = 0;
    for (const char *p = text; (p = memmem(p, n - (size_t)(p - text), needle, k)) != NULL; p += k)
        count++;
    return count;
}

/* The direct sensor of a spool pair takes alerts, device events, HTTP
 * events and flow records the direct way, though spooled; the other takes
 * none. */
static void spool_pair_check(struct ed_sensor_run runs[2])
{
    const struct mm__records *d = &runs[0].s->records;
    const struct mm__direct_type *http = &runs[0].s->direct->types[MM__DIRECT_HTTP];
    assert_true(d->alerts && d->devices && d->alerts_spooled && d->devices_spooled);
    assert_true(http->allowed && http->spooled);
    assert_true(runs[0].s->flow_spool_direct && !runs[0].s->flow_direct);
    runs[1].s->records.alerts = runs[1].s->records.devices = false;
    runs[1].s->flow_spool_direct = false;
    for (size_t i = 0; i < MM__DIRECT_TYPES; i++)
        runs[1].s->direct->types[i].allowed = false;
}

static void test_spool_direct_equals_json(void **state)
{
    (void)state;
    static const char *const extras[] = {"", "[output]\nevent_types = http,dns,flow\n",
                                         "[output]\nevent_types = alert,device,flow\n",
                                         "[output]\nevent_types = alert,dns\n"};
    for (size_t k = 0; k < sizeof extras / sizeof extras[0]; k++) {
        char dir[TEST_TMPDIR_MAX];
        struct ed_sensor_run runs[2];
        assert_int_equal(test_tmpdir_make(dir, sizeof dir, "eve-record-spool"), 0);
        spool_sensor_open(&runs[0], dir, "direct", extras[k]);
        spool_sensor_open(&runs[1], dir, "json", extras[k]);
        spool_pair_check(runs);
        rng = 7 + k;
        make_home();
        for (unsigned i = 0; i < 1500; i++)
            request(runs, 1775001600.0 + i * 0.5);
        assert_true(runs[0].s->records.alerts_direct > 500);
        assert_true(runs[0].s->records.devices_direct > 300);
        assert_true(runs[0].s->direct->events > 1000);
        assert_int_equal(runs[0].s->st.spooled, runs[1].s->st.spooled);
        assert_int_equal(runs[0].s->st.spool_errors + runs[1].s->st.spool_errors, 0);
        char *a = ed_close_pair_expect_same(runs);
        size_t na, nb;
        char *sa = spool_text(dir, "direct", &na), *sb = spool_text(dir, "json", &nb);
        print_message("spools of %zu and %zu bytes\n", na, nb);
        assert_true(na > 100000);
        assert_int_equal(na, nb);
        assert_memory_equal(sa, sb, na);
        /* the spool holds the four types whatever the EVE output takes */
        assert_true(count_bytes(sa, na, "\"event_type\":\"alert\"") > 500);
        assert_true(count_bytes(sa, na, "\"event_type\":\"device\"") > 300);
        assert_true(count_bytes(sa, na, "\"event_type\":\"http\"") > 1000);
        assert_true(count_bytes(sa, na, "\"event_type\":\"flow\"") > 100);
        /* and the EVE lines of spooled types carry their seq */
        assert_true(ed_count_of(a, ",\"seq\":") > (k == 0 ? 1800 : 500));
        free(sa);
        free(sb);
        free(a);
        assert_int_equal(test_tmpdir_remove(dir), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alert_line_equals_json),
        cmocka_unit_test(test_device_line_equals_json),
        cmocka_unit_test(test_device_line_crafted),
        cmocka_unit_test(test_sensor_direct_equals_json),
        cmocka_unit_test(test_sensor_some_types),
        cmocka_unit_test(test_shared_captures),
        cmocka_unit_test(test_spool_direct_equals_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
