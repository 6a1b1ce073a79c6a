/* SPDX-License-Identifier: Apache-2.0
 * The direct-EVE tests' shared pieces (test-eve-direct.h): the line
 * comparison's writers and random message context; the sensor pair (open
 * with a config and an intel feed, close and compare their EVE files), the
 * packets sent to it, the shared-captures run; the file helpers. Linked
 * into test-eve-http and test-eve-dns. */
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
#include <unistd.h>

#include "../test-rand.h"
#include "pktbuild.h"
#include "sensor/capture.h"
#include "sensor/eve-app.h"
#include "sensor/intel/intel.h"
#include "test-eve-direct.h"
#include "test-intel-feed.h"

char *ed_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    b[n] = '\0';
    *len = (size_t)n;
    return b;
}

size_t ed_count_of(const char *text, const char *needle)
{
    size_t k = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p++)
        k++;
    return k;
}

/* Fails with the first differing line of the files json and direct;
 * *lines gets the number of lines of the first. */
static void expect_same_files(const char *json, const char *direct, size_t *lines)
{
    size_t na, nb;
    char *x = ed_read_file(json, &na), *y = ed_read_file(direct, &nb);
    *lines = 0;
    for (size_t i = 0; i < na; i++)
        *lines += x[i] == '\n';
    if (na != nb || memcmp(x, y, na) != 0) {
        size_t i = 0;
        while (i < na && i < nb && x[i] == y[i])
            i++;
        size_t start = i;
        while (start > 0 && x[start - 1] != '\n')
            start--;
        fail_msg("differ at byte %zu:\n JSON:   %.600s\n direct: %.600s", i, x + start, y + start);
    }
    free(x);
    free(y);
}

void ed_line_files_open(struct ed_line_files *f, const char *tag)
{
    memset(f, 0, sizeof *f);
    assert_int_equal(test_tmpdir_make(f->dir, sizeof f->dir, tag), 0);
    assert_int_equal(test_tmpdir_join(f->json, sizeof f->json, f->dir, "json"), 0);
    assert_int_equal(test_tmpdir_join(f->direct, sizeof f->direct, f->dir, "direct"), 0);
    assert_int_equal(mm_eve_out_open(f->json, 0, 1, &f->json_out), 0);
    assert_int_equal(mm_eve_out_open(f->direct, 0, 1, &f->direct_out), 0);
}

size_t ed_line_files_close_expect_same(struct ed_line_files *f)
{
    size_t lines;
    assert_int_equal(mm_eve_out_close(f->json_out), 0);
    assert_int_equal(mm_eve_out_close(f->direct_out), 0);
    f->json_out = f->direct_out = NULL;
    expect_same_files(f->json, f->direct, &lines);
    return lines;
}

void ed_line_files_remove(struct ed_line_files *f)
{
    assert_int_equal(test_tmpdir_remove(f->dir), 0);
}

/* ---- the message context ----------------------------------------------------------- */

static uint64_t draw(uint64_t *rng, uint64_t n)
{
    return test_xorshift(rng) % n;
}

static void random_addr(uint64_t *rng, struct mm_addr *a, bool v6)
{
    memset(a, 0, sizeof *a);
    a->family = v6 ? 6 : 4;
    for (int i = 0; i < (v6 ? 16 : 4); i++)
        a->bytes[i] = (uint8_t)draw(rng, 256);
    if (v6 && draw(rng, 2))
        memset(a->bytes + 2, 0, 10); /* runs of zeros: "::" */
}

void ed_random_context(uint64_t *rng, struct mm_packet *p, struct mm_flow *f, bool *with_flow,
                       uint8_t proto, int dport)
{
    static const int64_t secs[] = {0, 1775001600, 1, 253402300799, 946684799, 2147483648};
    bool v6 = draw(rng, 3) == 0;
    memset(p, 0, sizeof *p);
    memset(f, 0, sizeof *f);
    p->ts.tv_sec = (time_t)(draw(rng, 2) ? secs[draw(rng, 6)] : (int64_t)draw(rng, 4000000000ULL));
    p->ts.tv_usec = (suseconds_t)draw(rng, 1000000);
    p->num = draw(rng, 4) ? draw(rng, 1ULL << 40) : 0;
    p->ip_version = v6 ? 6 : 4;
    p->ip_proto = proto;
    random_addr(rng, &p->src, v6);
    random_addr(rng, &p->dst, v6);
    p->sport = (uint16_t)draw(rng, 65536);
    p->dport = dport == ED_ANY_PORT ? (uint16_t)draw(rng, 65536) : (uint16_t)dport;
    p->vlan_count = (uint8_t)draw(rng, 3);
    p->vlan[0] = (uint16_t)draw(rng, 4096);
    p->vlan[1] = (uint16_t)draw(rng, 4096);
    *with_flow = draw(rng, 4) != 0;
    f->id = draw(rng, 2) ? test_xorshift(rng) : draw(rng, 1000);
    if (draw(rng, 5))
        snprintf(f->community_id, sizeof f->community_id,
                 "1:%026llu==", (unsigned long long)draw(rng, 1000000000000ULL));
}

void ed_random_endpoint(uint64_t *rng, struct ed_endpoint *e, const struct ed_server *server,
                        bool v6)
{
    static const char *const v4[] = {"192.168.1.5", "192.168.1.6", "10.9.8.7", "198.51.100.7"};
    static const char *const v6s[] = {"2001:db8::5", "fd00::5", "2001:db9::7"};
    if (!server)
        mm_addr_parse(v6 ? v6s[draw(rng, 3)] : v4[draw(rng, 4)], &e->addr);
    else
        mm_addr_parse(v6 ? server->v6 : draw(rng, 3) ? server->v4 : server->v4_other, &e->addr);
    e->port = !server ? (uint16_t)(20000 + draw(rng, 40000)) : server->port;
    uint8_t mac[6] = {2, 0, 0, 0, e->addr.bytes[3], e->addr.bytes[15]};
    memcpy(e->mac, mac, 6);
}

/* ---- packets ------------------------------------------------------------------------ */

static void send_frame(struct mm_sensor *s, const struct pkt *k, double t)
{
    struct timeval ts = {.tv_sec = (time_t)t,
                         .tv_usec = (suseconds_t)((t - (double)(time_t)t) * 1e6)};
    mm__pipeline_packet(s, &ts, k->b, (uint32_t)k->len, (uint32_t)k->len, 1);
}

static uint16_t ethertype_of(const struct ed_endpoint *a)
{
    return a->addr.family == 4 ? 0x0800 : 0x86dd;
}

void ed_send_segment(struct mm_sensor *s, const struct ed_endpoint *a, const struct ed_endpoint *b,
                     uint32_t seq, uint16_t vlan, double t, const void *payload, size_t n)
{
    struct pkt k = {0};
    pk_eth(&k, a->mac, b->mac, vlan ? 0x8100 : ethertype_of(a));
    if (vlan) {
        pk_u16(&k, vlan);
        pk_u16(&k, ethertype_of(a));
    }
    size_t ip = a->addr.family == 4 ? pk_ipv4(&k, a->addr.bytes, b->addr.bytes, 6, 0)
                                    : pk_ipv6(&k, a->addr.bytes, b->addr.bytes, 6);
    pk_tcp(&k, a->port, b->port, seq, 1, 0x18, NULL, 0, (const char *)payload, n);
    if (a->addr.family == 4)
        pk_ipv4_done(&k, ip);
    else
        pk_ipv6_done(&k, ip);
    send_frame(s, &k, t);
}

void ed_send_datagram(struct mm_sensor *s, const struct ed_endpoint *a, const struct ed_endpoint *b,
                      double t, const uint8_t *payload, size_t n)
{
    struct pkt k = {0};
    pk_eth(&k, a->mac, b->mac, ethertype_of(a));
    size_t ip = a->addr.family == 4 ? pk_ipv4(&k, a->addr.bytes, b->addr.bytes, 17, 0)
                                    : pk_ipv6(&k, a->addr.bytes, b->addr.bytes, 17);
    pk_udp(&k, a->port, b->port, payload, n);
    if (a->addr.family == 4)
        pk_ipv4_done(&k, ip);
    else
        pk_ipv6_done(&k, ip);
    send_frame(s, &k, t);
}

/* ---- the sensor pair ---------------------------------------------------------------- */

static void sensor_open(struct ed_sensor_run *r, const char *dir, const char *name, const char *ini)
{
    assert_int_equal(test_tmpdir_join(r->eve, sizeof r->eve, dir, name), 0);
    char *argv[] = {"mamori-sensor",
                    "-r",
                    "none.pcap",
                    "--eve",
                    r->eve,
                    "--home-net",
                    "192.168.0.0/16,2001:db8::/32",
                    "--config",
                    (char *)ini,
                    NULL};
    memset(&r->opt, 0, sizeof r->opt);
    assert_int_equal(mm__options_parse(9, argv, false, &r->opt), 0);
    char err[256];
    assert_int_equal(mm__sensor_new(&r->opt, NULL, &r->s, err, sizeof err), 0);
}

static void sensor_close(struct ed_sensor_run *r)
{
    mm_intel_free(mm__sensor_swap_intel(r->s, NULL));
    mm__sensor_free(r->s);
    mm__options_free(&r->opt);
}

void ed_open_pair(struct ed_sensor_run runs[2], const char *dir, const char *ini, const char *feed)
{
    char path[TEST_TMPDIR_MAX];
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, "s.ini"), 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(ini, f);
    fclose(f);
    sensor_open(&runs[0], dir, "direct.json", path);
    sensor_open(&runs[1], dir, "json.json", path);
    for (size_t i = 0; i < MM__DIRECT_TYPES; i++) {
        assert_true(runs[0].s->direct->types[i].allowed);
        runs[1].s->direct->types[i].allowed = false; /* the reference: every event as JSON */
    }
    assert_true(runs[0].s->records.alerts && runs[0].s->records.devices);
    runs[1].s->records.alerts = runs[1].s->records.devices = false; /* alerts, device events too */
    for (int k = 0; k < 2; k++)
        assert_null(mm__sensor_swap_intel(runs[k].s, test_intel_from_feed(dir, feed)));
}

/* The lines of an EVE file but its stats records (they hold run times). */
static char *eve_without_stats(const char *path)
{
    size_t n;
    char *text = ed_read_file(path, &n), *out = malloc(n + 1), *o = out;
    assert_non_null(out);
    for (char *line = text, *nl; *line; line = nl + 1) {
        nl = strchr(line, '\n');
        assert_non_null(nl);
        if (!memmem(line, (size_t)(nl - line), "\"event_type\":\"stats\"", 20)) {
            memcpy(o, line, (size_t)(nl - line) + 1);
            o += nl - line + 1;
        }
    }
    *o = '\0';
    free(text);
    return out;
}

char *ed_close_pair_expect_same(struct ed_sensor_run runs[2])
{
    sensor_close(&runs[0]);
    sensor_close(&runs[1]);
    char *a = eve_without_stats(runs[0].eve), *b = eve_without_stats(runs[1].eve);
    if (strcmp(a, b) != 0) {
        size_t i = 0;
        while (a[i] == b[i])
            i++;
        while (i > 0 && a[i - 1] != '\n')
            i--;
        fail_msg("differ:\n direct: %.600s\n JSON:   %.600s", a + i, b + i);
    }
    free(b);
    unlink(runs[0].eve);
    unlink(runs[1].eve);
    return a;
}

char *ed_close_pair_checked(struct ed_sensor_run runs[2], uint64_t min_direct)
{
    print_message("%llu events the direct way\n", (unsigned long long)runs[0].s->direct->events);
    assert_true(runs[0].s->direct->events > min_direct);
    assert_int_equal(runs[1].s->direct->events, 0);
    return ed_close_pair_expect_same(runs);
}

void ed_expect_counts(const char *text, const struct ed_least *least, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ed_count_of(text, least[i].needle) <= least[i].more_than)
            fail_msg("%s: %zu times, not more than %zu", least[i].needle,
                     ed_count_of(text, least[i].needle), least[i].more_than);
}

void ed_pair_test(const struct ed_pair_test *t)
{
    char dir[TEST_TMPDIR_MAX];
    struct ed_sensor_run runs[2];
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, t->tag), 0);
    ed_open_pair(runs, dir, t->ini, t->feed);
    for (unsigned i = 0; i < t->count; i++)
        t->exchange(runs, ED_PAIR_T0 + i * t->step, t->arg);
    char *a = ed_close_pair_checked(runs, t->min_direct);
    ed_expect_counts(a, t->least, t->nleast);
    free(a);
    assert_int_equal(test_tmpdir_remove(dir), 0);
}

/* ---- the shared captures ------------------------------------------------------------ */

/* Every packet of a capture file to both sensors. */
static void feed_capture(struct ed_sensor_run runs[2], const char *path)
{
    struct mm_capture *c = NULL;
    struct mm_capture_packet pkt;
    char err[256];
    if (mm_capture_open_file(path, &c, err, sizeof err) != 0)
        return; /* a link type the sensor does not read */
    int linktype = mm_capture_linktype(c);
    while (mm_capture_next(c, &pkt, err, sizeof err) == MM_CAPTURE_PACKET)
        for (int k = 0; k < 2; k++)
            mm__pipeline_packet(runs[k].s, &pkt.ts, pkt.data, pkt.caplen, pkt.len, linktype);
    mm_capture_close(c);
}

void ed_shared_captures(const char *tag, const char *ini, const char *feed)
{
    const char *shared = getenv("MAMORI_SHARED_DIR");
    char path[1024], dir[TEST_TMPDIR_MAX];
    struct stat st;
    snprintf(path, sizeof path, "%s/pcaps", shared ? shared : "");
    DIR *d = shared && stat(path, &st) == 0 ? opendir(path) : NULL;
    if (!d) {
        print_message("skipped: no shared captures at %s (MAMORI_SHARED_DIR)\n", path);
        skip();
    }
    assert_int_equal(test_tmpdir_make(dir, sizeof dir, tag), 0);
    unsigned files = 0;
    size_t events = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!strstr(e->d_name, ".pcap"))
            continue;
        char file[1400];
        struct ed_sensor_run runs[2];
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        ed_open_pair(runs, dir, ini, feed);
        feed_capture(runs, file);
        uint64_t direct = runs[0].s->direct->events;
        free(ed_close_pair_expect_same(runs));
        files++;
        events += direct;
    }
    closedir(d);
    assert_int_equal(test_tmpdir_remove(dir), 0);
    print_message("shared: %u captures, %zu events the direct way, same lines\n", files, events);
    assert_true(files > 0 && events > 0);
}
