/* SPDX-License-Identifier: Apache-2.0
 * Differential test of the in-place capture reader (capture-file.c)
 * against the installed libpcap: for every file the reader accepts, the
 * link type and every packet (time stamp, caplen, len, bytes) equal what
 * pcap_datalink and pcap_next_ex give, and both end the same way (clean
 * end, or an error after the same packets). Files: crafted pcap and pcapng
 * in both byte orders, thousands of seeded mutations of them (flipped
 * bytes, rewritten length fields, cuts), large captures read through
 * 4 KiB buffers (records cross refills, some are larger than the buffer,
 * and so are a section header and a block before the first interface),
 * and every capture in $MAMORI_SHARED_DIR/pcaps (skipped with a message
 * when absent), each with the default buffer and a 4 KiB one.
 *
 *     test-capture-file-diff            the cmocka tests above
 *     test-capture-file-diff DIR...     every file in the directories
 *                                       (test-capture-file-generated.py
 *                                       gives it the captures the other
 *                                       tests generate) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "sensor/capture-file.h"
#include "test-capture-file-build.h"
#include "../test-rand.h"
#include "../test-tmpdir.h"

#define SMALL_BUFFER 4096
#define MUTATIONS    3000

struct tally {
    unsigned files, ours, libpcap_only, packets, errors;
};

static char dir[256];

/* Compares one file read with a buffer of bufsize bytes; 0 when the outcomes are
 * equal (or the reader leaves the file to libpcap), else -1 and why. */
static int compare_file(const char *path, size_t bufsize, struct tally *t, char *why, size_t whylen)
{
    struct mm__capsrc *s = NULL;
    char ebuf[PCAP_ERRBUF_SIZE] = "", err[512] = "";
    int rc = -1;
    t->files++;
    int r = mm__capsrc_open_file(path, bufsize, &s);
    pcap_t *p = pcap_open_offline(path, ebuf);
    if (r == MM_EUNSUPPORTED) {
        t->libpcap_only++;
        rc = 0;
        goto out;
    }
    if (r != 0 || !p) {
        snprintf(why, whylen, "%s: reader %d, libpcap %s", path, r, p ? "opens it" : ebuf);
        goto out;
    }
    t->ours++;
    if (pcap_datalink(p) != mm__capsrc_linktype(s)) {
        snprintf(why, whylen, "%s: link type %d, libpcap %d", path, mm__capsrc_linktype(s),
                 pcap_datalink(p));
        goto out;
    }
    for (unsigned n = 1;; n++) {
        struct pcap_pkthdr *h;
        const u_char *d;
        struct mm_capture_packet k;
        int a = pcap_next_ex(p, &h, &d);
        int b = mm__capsrc_next(s, &k, err, sizeof(err));
        if (a == 1 && b == MM_CAPTURE_PACKET) {
            t->packets++;
            if (h->ts.tv_sec != k.ts.tv_sec || h->ts.tv_usec != k.ts.tv_usec ||
                h->caplen != k.caplen || h->len != k.len || memcmp(d, k.data, k.caplen) != 0) {
                snprintf(
                    why, whylen,
                    "%s (buffer %zu) packet %u: libpcap %lld.%06lld %u/%u, reader "
                    "%lld.%06lld %u/%u%s",
                    path, bufsize, n, (long long)h->ts.tv_sec, (long long)h->ts.tv_usec, h->caplen,
                    h->len, (long long)k.ts.tv_sec, (long long)k.ts.tv_usec, k.caplen, k.len,
                    h->caplen == k.caplen && memcmp(d, k.data, k.caplen) ? ", bytes differ" : "");
                goto out;
            }
            continue;
        }
        if ((a == PCAP_ERROR_BREAK && b == MM_CAPTURE_EOF) ||
            (a == PCAP_ERROR && b == MM_CAPTURE_ERROR)) {
            t->errors += b == MM_CAPTURE_ERROR;
            rc = 0;
            break;
        }
        snprintf(why, whylen, "%s (buffer %zu) after %u packets: libpcap %d (%s), reader %d (%s)",
                 path, bufsize, n - 1, a, a == PCAP_ERROR ? pcap_geterr(p) : "", b,
                 b == MM_CAPTURE_ERROR ? err : "");
        goto out;
    }
out:
    if (p)
        pcap_close(p);
    mm__capsrc_close(s);
    return rc;
}

static void assert_same(const char *path, size_t bufsize, struct tally *t)
{
    char why[1024] = "";
    if (compare_file(path, bufsize, t, why, sizeof(why)) != 0)
        fail_msg("%s", why);
}

static int setup(void **state)
{
    (void)state;
    return test_tmpdir_make(dir, sizeof dir, "capdiff");
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

static void check_bytes(const struct cbuf *c, const char *name, struct tally *t)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(cb_write(c, path), 0);
    assert_same(path, 0, t);
    assert_same(path, SMALL_BUFFER, t);
}

/* ---- the crafted files ---- */

static void build_pcap(struct cbuf *c, int big, int nsec, uint32_t snaplen, uint32_t linktype)
{
    c->big = big;
    pcap_header(c, nsec ? 0xa1b23c4d : 0xa1b2c3d4, 2, 4, snaplen, linktype);
    pcap_record(c, 1775001600, nsec ? 123456789 : 123456, 60, 60, 1);
    pcap_record(c, 0x7fffffff, nsec ? 999999999 : 999999, 0, 0, 2);
    pcap_record(c, 0x80000001, 0xfffffff0, 70, 40, 3); /* caplen > len; odd stamps */
    pcap_record(c, 1775001601, 5, 100, 1500, 4);
}

static void build_pcapng(struct cbuf *c, int big, uint16_t linktype, uint32_t snaplen)
{
    c->big = big;
    ng_shb(c, 1, 0);
    ng_other(c, 0x0bad, 12);
    ng_idb(c, linktype, snaplen, -1, 0, 0);
    ng_idb(c, linktype, snaplen, 9, 1, -3600);     /* nanoseconds, an hour back */
    ng_idb(c, linktype, snaplen, 3, 1, 100);       /* milliseconds */
    ng_idb(c, linktype, snaplen, 0x80 | 20, 0, 0); /* 2^-20 s */
    ng_epb(c, 0, 1775001600123456ull, 60, 60, 1);
    ng_epb(c, 1, 1775001600123456789ull, 61, 80, 2);
    ng_epb(c, 2, 1775001600123ull, 62, 62, 3);
    ng_epb(c, 3, (1775001600ull << 20) | 777777, 63, 63, 4);
    ng_spb(c, 70, 70, 5);
    ng_pb(c, 1, 42, 30, 30, 6);
    ng_other(c, 5, 40); /* interface statistics: skipped */
    ng_shb(c, 1, 2);
    ng_idb(c, linktype, snaplen, 6, 0, 0);
    ng_epb(c, 0, 99, 50, 50, 7);
    ng_spb(c, 90, 92, 8);
}

static void test_crafted_files(void **state)
{
    (void)state;
    struct tally t = {0};
    static const uint32_t pcap_links[] = {0,   1,   12,  14,  101, 108,       113,
                                          228, 229, 276, 105, 147, 0x04000001};
    char name[64];
    for (int big = 0; big <= 1; big++)
        for (int nsec = 0; nsec <= 1; nsec++)
            for (size_t i = 0; i < sizeof(pcap_links) / sizeof(pcap_links[0]); i++) {
                struct cbuf c = {0};
                build_pcap(&c, big, nsec, 65535, pcap_links[i]);
                snprintf(name, sizeof(name), "p-%d-%d-%zu.pcap", big, nsec, i);
                check_bytes(&c, name, &t);
                cb_free(&c);
            }
    static const uint32_t snaplens[] = {0, 64, 65535, 262144, 262145, 0x80000000u};
    for (int big = 0; big <= 1; big++)
        for (size_t i = 0; i < sizeof(snaplens) / sizeof(snaplens[0]); i++) {
            struct cbuf c = {0};
            build_pcap(&c, big, 0, snaplens[i], 1);
            snprintf(name, sizeof(name), "s-%d-%zu.pcap", big, i);
            check_bytes(&c, name, &t);
            cb_free(&c);
            build_pcapng(&c, big, 1, snaplens[i]);
            snprintf(name, sizeof(name), "s-%d-%zu.pcapng", big, i);
            check_bytes(&c, name, &t);
            cb_free(&c);
        }
    for (int big = 0; big <= 1; big++)
        for (size_t i = 0; i < sizeof(pcap_links) / sizeof(pcap_links[0]); i++) {
            struct cbuf c = {0};
            build_pcapng(&c, big, (uint16_t)pcap_links[i], 0);
            snprintf(name, sizeof(name), "n-%d-%zu.pcapng", big, i);
            check_bytes(&c, name, &t);
            cb_free(&c);
        }
    print_message("crafted: %u files, %u read by the reader, %u left to libpcap, %u packets\n",
                  t.files, t.ours, t.libpcap_only, t.packets);
    assert_true(t.ours > t.files / 2);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next_random(void)
{
    return (uint32_t)(test_xorshift(&rng) >> 16);
}

/* One to three damages: a random byte, a 32-bit field set to a telling
 * value, or a cut. */
static void mutate(struct cbuf *c)
{
    static const uint32_t values[] = {
        0,          1,          4,         8,          11,         12,         13,
        16,         20,         28,        60,         64,         65535,      262144,
        262145,     0x1000000,  0x1000004, 0x7fffffff, 0x80000000, 0xffffffff, 0x0a0d0d0a,
        0x1a2b3c4d, 0x4d3c2b1a, 6,         3,          2,          1};
    unsigned k = 1 + next_random() % 3;
    for (unsigned i = 0; i < k && c->n > 0; i++) {
        unsigned what = next_random() % 4;
        size_t at = next_random() % c->n;
        if (what == 0) {
            c->b[at] ^= (uint8_t)(1u << (next_random() % 8));
        } else if (what == 1 && c->n >= 4) {
            at = at / 4 * 4;
            if (at + 4 > c->n)
                at = c->n - 4;
            uint32_t v = values[next_random() % (sizeof(values) / sizeof(values[0]))];
            if (next_random() % 2)
                v = __builtin_bswap32(v);
            memcpy(c->b + at, &v, 4);
        } else if (what == 2) {
            c->n = at;
        } else {
            c->b[at] = (uint8_t)next_random();
        }
    }
}

static void test_mutations(void **state)
{
    (void)state;
    struct tally t = {0};
    char path[512];
    /* MM_CAPDIFF_MUTATIONS / MM_CAPDIFF_SEED: longer or other runs by hand */
    const char *env = getenv("MM_CAPDIFF_MUTATIONS");
    unsigned count = env ? (unsigned)strtoul(env, NULL, 10) : MUTATIONS;
    if ((env = getenv("MM_CAPDIFF_SEED")) != NULL)
        rng = strtoull(env, NULL, 0) | 1;
    snprintf(path, sizeof(path), "%s/m.cap", dir);
    for (unsigned i = 0; i < count; i++) {
        struct cbuf c = {0};
        switch (i % 6) {
        case 0:
            build_pcap(&c, 0, 0, 65535, 1);
            break;
        case 1:
            build_pcap(&c, 1, 1, 128, 101);
            break;
        case 2:
            build_pcapng(&c, 0, 1, 0);
            break;
        case 3:
            build_pcap(&c, 0, 1, 0, 113);
            break;
        case 4:
            build_pcapng(&c, 0, 101, 262144);
            break;
        default:
            build_pcapng(&c, 1, 228, 100);
            break;
        }
        mutate(&c);
        assert_int_equal(cb_write(&c, path), 0);
        char why[1024] = "";
        if (compare_file(path, 0, &t, why, sizeof(why)) != 0) {
            char keep[600];
            snprintf(keep, sizeof(keep), "/tmp/mm-capdiff-mutation-%u.cap", i);
            cb_write(&c, keep);
            fail_msg("mutation %u (kept as %s): %s", i, keep, why);
        }
        cb_free(&c);
    }
    print_message("mutations: %u files, %u read by the reader (%u ending in an error), %u left "
                  "to libpcap, %u packets\n",
                  t.files, t.ours, t.errors, t.libpcap_only, t.packets);
    assert_true(t.ours > count / 3);
    assert_true(t.errors > count / 10);
}

/* ---- small buffers ---- */

static void test_small_buffers(void **state)
{
    (void)state;
    struct tally t = {0};
    char path[512];
    struct cbuf c = {0};
    pcap_header(&c, 0xa1b2c3d4, 2, 4, 262144, 1);
    for (uint32_t i = 0; i < 3000; i++)
        pcap_record(&c, 1775001600 + i, i, (i * 37) % 1600, 1600, (uint8_t)i);
    pcap_record(&c, 1775004600, 0, 20000, 20000, 9); /* larger than the buffer */
    pcap_record(&c, 1775004601, 0, 262144, 262144, 10);
    for (uint32_t i = 0; i < 100; i++)
        pcap_record(&c, 1775004602 + i, i, 4096 - 16 + i % 3, 5000, (uint8_t)i);
    snprintf(path, sizeof(path), "%s/big.pcap", dir);
    assert_int_equal(cb_write(&c, path), 0);
    assert_same(path, SMALL_BUFFER, &t);
    assert_same(path, 3 * SMALL_BUFFER, &t);
    assert_same(path, 0, &t);

    /* the reader's offset is the file size at the end */
    struct mm__capsrc *s;
    struct mm_capture_packet k;
    char err[512];
    assert_int_equal(mm__capsrc_open_file(path, SMALL_BUFFER, &s), 0);
    unsigned n = 0;
    while (mm__capsrc_next(s, &k, err, sizeof(err)) == MM_CAPTURE_PACKET)
        n++;
    assert_int_equal(n, 3102);
    assert_int_equal(mm__capsrc_offset(s), c.n);
    mm__capsrc_close(s);

    /* cut inside one of the last records: the packets before it, then an error */
    c.n -= 100 * 16 + 50 * 4096 + 300;
    assert_int_equal(cb_write(&c, path), 0);
    assert_same(path, SMALL_BUFFER, &t);
    cb_free(&c);

    /* pcapng: an unknown block larger than the buffer before the first
     * interface, blocks larger than the buffer, two sections */
    c.big = 1;
    ng_shb(&c, 1, 0);
    ng_other(&c, 0x0bad, 9000);
    ng_idb(&c, 1, 0, 9, 0, 0);
    for (uint32_t i = 0; i < 2000; i++)
        ng_epb(&c, 0, 1775001600000000000ull + i * 1000003ull, (i * 53) % 1600, 1600, (uint8_t)i);
    ng_epb(&c, 0, 5, 60000, 60000, 1);
    ng_spb(&c, 30000, 30000, 2);
    ng_shb(&c, 1, 0);
    ng_idb(&c, 1, 0, -1, 1, 7);
    for (uint32_t i = 0; i < 500; i++)
        ng_spb(&c, i, i, (uint8_t)i);
    snprintf(path, sizeof(path), "%s/big.pcapng", dir);
    assert_int_equal(cb_write(&c, path), 0);
    assert_same(path, SMALL_BUFFER, &t);
    assert_same(path, 0, &t);
    cb_free(&c);

    /* a section header larger than the buffer (a long comment) */
    c.n = 0;
    size_t shb = ng_begin(&c, 0x0a0d0d0a);
    cb_u32(&c, 0x1a2b3c4d);
    cb_u16(&c, 1);
    cb_u16(&c, 0);
    cb_u64(&c, UINT64_MAX); /* section length unknown */
    char comment[6000];
    memset(comment, 'x', sizeof(comment));
    ng_opt(&c, 1, comment, sizeof(comment));
    ng_opt(&c, 0, NULL, 0);
    ng_end(&c, shb);
    ng_idb(&c, 1, 0, -1, 0, 0);
    for (uint32_t i = 0; i < 50; i++)
        ng_epb(&c, 0, 1775001600000000ull + i, 100, 100, (uint8_t)i);
    snprintf(path, sizeof(path), "%s/long-shb.pcapng", dir);
    assert_int_equal(cb_write(&c, path), 0);
    assert_same(path, SMALL_BUFFER, &t);
    cb_free(&c);
    assert_int_equal(t.libpcap_only, 0);
    print_message("small buffers: %u packets compared\n", t.packets);
}

/* ---- real captures ---- */

static int compare_dir(const char *path, struct tally *t, int verbose)
{
    DIR *d = opendir(path);
    int bad = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char file[1024], why[1024] = "";
        struct stat st;
        snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
        if (e->d_name[0] == '.' || stat(file, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        unsigned before = t->ours;
        if (compare_file(file, 0, t, why, sizeof(why)) != 0 ||
            compare_file(file, SMALL_BUFFER, t, why, sizeof(why)) != 0) {
            fprintf(stderr, "MISMATCH %s\n", why);
            bad = 1;
        } else if (verbose) {
            printf("same: %s (%s)\n", file, t->ours > before ? "reader" : "libpcap reads it");
        }
    }
    closedir(d);
    return bad;
}

static void test_shared_captures(void **state)
{
    (void)state;
    const char *shared = getenv("MAMORI_SHARED_DIR");
    char path[1024];
    struct stat st;
    snprintf(path, sizeof(path), "%s/pcaps", shared ? shared : "");
    if (!shared || stat(path, &st) != 0) {
        print_message("skipped: no shared captures at %s (MAMORI_SHARED_DIR)\n", path);
        skip();
    }
    struct tally t = {0};
    assert_int_equal(compare_dir(path, &t, 0), 0);
    print_message("shared: %u readings, %u by the reader, %u packets equal\n", t.files, t.ours,
                  t.packets);
    assert_true(t.ours > 0);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        struct tally t = {0};
        int bad = 0;
        for (int i = 1; i < argc; i++)
            if (compare_dir(argv[i], &t, 1) != 0)
                bad = 1;
        printf("%u readings, %u by the reader, %u left to libpcap, %u packets equal\n", t.files,
               t.ours, t.libpcap_only, t.packets);
        return bad;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_crafted_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_small_buffers, setup, teardown),
        cmocka_unit_test(test_shared_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
