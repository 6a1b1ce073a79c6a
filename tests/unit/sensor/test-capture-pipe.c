/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the pipe reader for libpcap (capture-pipe.c): a
 * capture written into a real pipe in small pieces of random size (each
 * piece read before the next is written, so the reader meets every kind
 * of cut record) gives, through mm__pipe_ready and pcap_next_ex, the same
 * link type, packets (stamps, lengths, bytes) and ending (clean end, or the
 * same error after the same packets) as libpcap reading the same bytes
 * from a regular file; and libpcap never reads a byte past what
 * capture-pipe.c reckoned it would (mm__pipe_overread is 0), which is what
 * keeps the sensor out of a read that waits. Files: pcap in both byte
 * orders, versions 2.2 to 2.4 (lengths swapped or not), nanosecond and
 * Kuznetzov's magic, a caplen above the snapshot and above the maximum;
 * pcapng in both byte orders with several sections, unknown and
 * statistics blocks, simple and obsolete packet blocks, a long section
 * header; seeded mutations of them (flipped bytes, rewritten lengths,
 * cuts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sensor/capture-pipe.h"
#include "test-capture-file-build.h"
#include "../test-rand.h"
#include "../test-tmpdir.h"

#define MUTATIONS 600

static char dir[256];
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t next_random(void)
{
    return (uint32_t)(test_xorshift(&rng) >> 16);
}

struct writer {
    int fd;
    const struct cbuf *c;
    uint32_t seed;
};

/* Waits until the pipe is empty; false when its reader has closed it. */
static bool wait_taken(int fd)
{
    int left = 1;
    while (ioctl(fd, FIONREAD, &left) == 0 && left > 0) {
        struct pollfd p = {.fd = fd, .events = 0};
        if (poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP)))
            return false;
        usleep(20);
    }
    return true;
}

/* Writes c in pieces of 1 to 40 bytes (now and then a larger one), each once
 * the pipe is empty (the reader has taken the one before), then closes it. */
static void *write_pieces(void *arg)
{
    struct writer *w = arg;
    uint64_t state = w->seed | 1;
    for (size_t at = 0; at < w->c->n;) {
        size_t k = 1 + (size_t)(test_xorshift(&state) % 40);
        if (test_xorshift(&state) % 16 == 0)
            k = 1 + (size_t)(test_xorshift(&state) % 3000);
        if (k > w->c->n - at)
            k = w->c->n - at;
        ssize_t r = write(w->fd, w->c->b + at, k);
        if (r <= 0)
            break; /* (the reader gave up: EPIPE) */
        at += (size_t)r;
        if (!wait_taken(w->fd))
            break;
    }
    close(w->fd);
    return NULL;
}

struct outcome {
    int linktype, end; /* end: PCAP_ERROR_BREAK, PCAP_ERROR, or -100 when the open failed */
    unsigned packets;
    char err[PCAP_ERRBUF_SIZE];
    struct pcap_pkthdr *hdrs;
    uint8_t **data;
};

static void outcome_free(struct outcome *o)
{
    for (unsigned i = 0; i < o->packets; i++)
        free(o->data[i]);
    free(o->data);
    free(o->hdrs);
    memset(o, 0, sizeof(*o));
}

static void keep(struct outcome *o, const struct pcap_pkthdr *h, const u_char *d)
{
    o->hdrs = realloc(o->hdrs, (o->packets + 1) * sizeof(*o->hdrs));
    o->data = realloc(o->data, (o->packets + 1) * sizeof(*o->data));
    assert_non_null(o->hdrs);
    assert_non_null(o->data);
    o->hdrs[o->packets] = *h;
    o->data[o->packets] = malloc(h->caplen + 1);
    assert_non_null(o->data[o->packets]);
    memcpy(o->data[o->packets++], d, h->caplen);
}

/* Reads p to its end into o (p closed). */
static void read_all(pcap_t *p, struct mm__pipe *s, struct outcome *o)
{
    struct pcap_pkthdr *h;
    const u_char *d;
    o->linktype = pcap_datalink(p);
    for (;;) {
        if (s && !mm__pipe_ready(s, 100))
            continue;
        int r = pcap_next_ex(p, &h, &d);
        if (r != 1) {
            o->end = r;
            snprintf(o->err, sizeof(o->err), "%s", r == PCAP_ERROR ? pcap_geterr(p) : "");
            break;
        }
        keep(o, h, d);
    }
    pcap_close(p);
}

/* libpcap on the bytes in a regular file. */
static void read_file(const struct cbuf *c, struct outcome *o)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/c.cap", dir);
    assert_int_equal(cb_write(c, path), 0);
    pcap_t *p = pcap_open_offline(path, o->err);
    if (!p) {
        o->end = -100;
        return;
    }
    read_all(p, NULL, o);
}

/* The same bytes through a pipe and capture-pipe.c; *overread: its count. */
static void read_pipe(const struct cbuf *c, uint32_t seed, struct outcome *o, size_t *overread)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    struct writer w = {fds[1], c, seed};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, write_pieces, &w), 0);
    struct mm__pipe *s;
    assert_int_equal(mm__pipe_open(fds[0], &s), 0);
    pcap_t *p = pcap_fopen_offline(mm__pipe_file(s), o->err);
    if (!p) {
        o->end = -100;
    } else {
        mm__pipe_begin(s, pcap_is_swapped(p) == 1, pcap_major_version(p), pcap_minor_version(p));
        read_all(p, s, o);
    }
    *overread = mm__pipe_overread(s);
    mm__pipe_close(s); /* (the writer then sees EPIPE and stops) */
    pthread_join(t, NULL);
}

/* 0 when the pipe and the file give the same, else -1 and why. */
static int compare(const struct cbuf *c, uint32_t seed, char *why, size_t whylen, unsigned *packets)
{
    struct outcome f = {0}, q = {0};
    size_t over = 0;
    read_file(c, &f);
    read_pipe(c, seed, &q, &over);
    int rc = -1;
    if (over != 0)
        snprintf(why, whylen, "libpcap read %zu bytes past the reckoning", over);
    else if (f.end != q.end || f.packets != q.packets || strcmp(f.err, q.err) != 0 ||
             (f.end != -100 && f.linktype != q.linktype))
        snprintf(why, whylen, "file: %u packets, end %d (%s); pipe: %u packets, end %d (%s)",
                 f.packets, f.end, f.err, q.packets, q.end, q.err);
    else
        rc = 0;
    for (unsigned i = 0; rc == 0 && i < f.packets; i++) {
        const struct pcap_pkthdr *a = &f.hdrs[i], *b = &q.hdrs[i];
        if (a->ts.tv_sec != b->ts.tv_sec || a->ts.tv_usec != b->ts.tv_usec ||
            a->caplen != b->caplen || a->len != b->len ||
            memcmp(f.data[i], q.data[i], a->caplen) != 0) {
            snprintf(why, whylen, "packet %u differs", i + 1);
            rc = -1;
        }
    }
    *packets += f.packets;
    outcome_free(&f);
    outcome_free(&q);
    return rc;
}

static void assert_same(const struct cbuf *c, const char *name, unsigned *packets)
{
    char why[1024] = "";
    if (compare(c, next_random(), why, sizeof(why), packets) != 0)
        fail_msg("%s: %s", name, why);
}

static int setup(void **state)
{
    (void)state;
    return test_tmpdir_make(dir, sizeof dir, "cappipe");
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

/* ---- the crafted files ---- */

static void build_pcap(struct cbuf *c, int big, uint32_t magic, uint16_t minor, uint32_t snaplen)
{
    c->big = big;
    pcap_header(c, magic, 2, minor, snaplen, 1);
    pcap_record(c, 1775001600, 123456, 60, 60, 1);
    pcap_record(c, 1775001601, 5, 0, 0, 2);
    pcap_record(c, 1775001602, 7, 70, 40, 3); /* caplen > len: swapped in 2.3 */
    pcap_record(c, 1775001603, 9, 1500, 1500, 4);
    pcap_record(c, 1775001604, 11, 100, 1500, 5);
}

/* Kuznetzov's records: 8 more header bytes (ifindex, protocol, type). */
static void build_kuznetzov(struct cbuf *c, int big)
{
    c->big = big;
    pcap_header(c, 0xa1b2cd34, 2, 4, 65535, 1);
    for (uint32_t i = 0; i < 5; i++) {
        cb_u32(c, 1775001600 + i);
        cb_u32(c, i);
        cb_u32(c, 60 + i * 100);
        cb_u32(c, 60 + i * 100);
        cb_u32(c, 2);
        cb_u16(c, 0x0800);
        cb_u8(c, 0);
        cb_u8(c, 0);
        cb_payload(c, 60 + i * 100, (uint8_t)i);
    }
}

static void build_pcapng(struct cbuf *c, int big)
{
    c->big = big;
    ng_shb(c, 1, 0);
    ng_other(c, 0x0bad, 12);
    ng_idb(c, 1, 0, -1, 0, 0);
    ng_idb(c, 1, 0, 9, 1, -3600);
    ng_epb(c, 0, 1775001600123456ull, 60, 60, 1);
    ng_epb(c, 1, 1775001600123456789ull, 61, 80, 2);
    ng_other(c, 5, 40); /* interface statistics: read on past */
    ng_other(c, 0x0bad, 3000);
    ng_spb(c, 70, 70, 3);
    ng_pb(c, 1, 42, 30, 30, 4);
    ng_shb(c, 1, 2);
    ng_idb(c, 1, 0, 6, 0, 0);
    ng_epb(c, 0, 99, 50, 50, 5);
    ng_spb(c, 5000, 5000, 6);
    ng_other(c, 5, 40); /* the last block is not a packet */
}

static void test_crafted(void **state)
{
    (void)state;
    unsigned packets = 0;
    static const uint32_t magics[] = {0xa1b2c3d4, 0xa1b23c4d};
    static const uint16_t minors[] = {2, 3, 4};
    static const uint32_t snaplens[] = {0, 64, 65535, 262145};
    for (int big = 0; big <= 1; big++) {
        for (size_t m = 0; m < 2; m++)
            for (size_t v = 0; v < 3; v++)
                for (size_t s = 0; s < 4; s++) {
                    struct cbuf c = {0};
                    build_pcap(&c, big, magics[m], minors[v], snaplens[s]);
                    assert_same(&c, "pcap", &packets);
                    cb_free(&c);
                }
        struct cbuf c = {0};
        build_kuznetzov(&c, big);
        assert_same(&c, "kuznetzov", &packets);
        cb_free(&c);
        build_pcapng(&c, big);
        assert_same(&c, "pcapng", &packets);
        cb_free(&c);
        /* a caplen past the maximum: an error after the record header */
        c.big = big;
        pcap_header(&c, 0xa1b2c3d4, 2, 4, 65535, 1);
        pcap_record(&c, 1775001600, 1, 60, 60, 1);
        cb_u32(&c, 1775001601);
        cb_u32(&c, 0);
        cb_u32(&c, 300000);
        cb_u32(&c, 300000);
        cb_payload(&c, 100, 7);
        assert_same(&c, "huge caplen", &packets);
        cb_free(&c);
        /* a block libpcap reads past whose trailer is wrong: an error there
         * (before the first interface, and between packets) */
        for (int before_idb = 0; before_idb <= 1; before_idb++) {
            c.big = big;
            ng_shb(&c, 1, 0);
            if (!before_idb) {
                ng_idb(&c, 1, 0, -1, 0, 0);
                ng_epb(&c, 0, 1775001600000000ull, 60, 60, 1);
            }
            ng_other(&c, 5, 40);
            c.b[c.n - 1] ^= 0x40; /* the trailing length */
            if (before_idb)
                ng_idb(&c, 1, 0, -1, 0, 0);
            ng_epb(&c, 0, 1775001600000001ull, 60, 60, 2);
            assert_same(&c, "bad trailer", &packets);
            cb_free(&c);
        }
    }
    print_message("crafted: %u packets equal\n", packets);
    assert_true(packets > 100);
}

/* One to three damages: a random byte, a 32-bit field set to a telling
 * value, or a cut (as test-capture-file-diff.c). */
static void mutate(struct cbuf *c)
{
    static const uint32_t values[] = {
        0,         1,         4,          8,          11,         12,         13,
        16,        20,        28,         60,         65535,      262144,     262145,
        0x1000000, 0x1000004, 0x7fffffff, 0xffffffff, 0x0a0d0d0a, 0x1a2b3c4d, 0x4d3c2b1a,
        6,         5,         3,          2,          1};
    unsigned k = 1 + next_random() % 3;
    for (unsigned i = 0; i < k && c->n >= 4; i++) {
        unsigned what = next_random() % 3;
        size_t at = next_random() % c->n;
        if (what == 0) {
            c->b[at] ^= (uint8_t)(1u << (next_random() % 8));
        } else if (what == 1) {
            at = at / 4 * 4;
            if (at + 4 > c->n)
                at = c->n - 4;
            uint32_t v = values[next_random() % (sizeof(values) / sizeof(values[0]))];
            if (next_random() % 2)
                v = __builtin_bswap32(v);
            memcpy(c->b + at, &v, 4);
        } else {
            c->n = at;
        }
    }
}

static void test_mutations(void **state)
{
    (void)state;
    unsigned packets = 0;
    for (unsigned i = 0; i < MUTATIONS; i++) {
        struct cbuf c = {0};
        if (i % 4 == 0)
            build_pcap(&c, 0, 0xa1b2c3d4, 4, 65535);
        else if (i % 4 == 1)
            build_pcap(&c, 1, 0xa1b23c4d, 3, 128);
        else if (i % 4 == 2)
            build_kuznetzov(&c, 0);
        else
            build_pcapng(&c, i % 8 == 3);
        mutate(&c);
        char why[1024] = "";
        if (compare(&c, next_random(), why, sizeof(why), &packets) != 0) {
            char keep_path[600];
            snprintf(keep_path, sizeof(keep_path), "/tmp/mm-cappipe-mutation-%u.cap", i);
            cb_write(&c, keep_path);
            fail_msg("mutation %u (kept as %s): %s", i, keep_path, why);
        }
        cb_free(&c);
    }
    print_message("mutations: %u files, %u packets equal\n", MUTATIONS, packets);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* (a writer whose reader gave up) */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crafted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
