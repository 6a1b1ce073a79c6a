/* SPDX-License-Identifier: Apache-2.0
 * Unit tests of the in-place capture reader (capture-file.c) on crafted
 * bytes: classic pcap in both byte orders with micro- and nanosecond
 * stamps, a record longer than the snapshot, the header cases left to
 * libpcap (magic, version, link type), pcapng sections and interfaces with
 * if_tsresol (powers of 10 and 2) and if_tsoffset, enhanced, simple and
 * obsolete packet blocks, unknown blocks skipped, and each error a corrupt
 * or truncated file raises: the packets before it are delivered, then the
 * error names the record and its offset, and stays. Through the file
 * source too: mm_capture_open_file on a real file, its offset, "-" and
 * non-regular files left to libpcap, a file that grows while read, and
 * one that another program cuts while it is read (test_cut_*). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "sensor/capture-file.h"
#include "test-capture-file-build.h"

struct reading {
    struct mm__capsrc *s;
    struct mm_capture_packet k;
    char err[512];
};

static void open_bytes(struct reading *r, const struct cbuf *c)
{
    memset(r, 0, sizeof(*r));
    assert_int_equal(mm__capsrc_open_memory(c->b, c->n, &r->s), 0);
}

static int next(struct reading *r)
{
    r->err[0] = '\0';
    return mm__capsrc_next(r->s, &r->k, r->err, sizeof(r->err));
}

/* The next packet has these stamps, lengths and payload seed. */
static void expect_packet(struct reading *r, long long sec, long usec, uint32_t caplen,
                          uint32_t len, uint8_t seed)
{
    assert_int_equal(next(r), MM_CAPTURE_PACKET);
    assert_int_equal(r->k.ts.tv_sec, sec);
    assert_int_equal(r->k.ts.tv_usec, usec);
    assert_int_equal(r->k.caplen, caplen);
    assert_int_equal(r->k.len, len);
    for (uint32_t i = 0; i < caplen; i++)
        assert_int_equal(r->k.data[i], (uint8_t)(seed + i));
}

/* The next call fails with a reason containing want (and the one after). */
static void expect_error(struct reading *r, const char *want)
{
    assert_int_equal(next(r), MM_CAPTURE_ERROR);
    if (!strstr(r->err, want))
        fail_msg("error \"%s\" lacks \"%s\"", r->err, want);
    char first[512];
    snprintf(first, sizeof(first), "%s", r->err);
    assert_int_equal(next(r), MM_CAPTURE_ERROR);
    assert_string_equal(r->err, first);
}

static void expect_end(struct reading *r)
{
    assert_int_equal(next(r), MM_CAPTURE_EOF);
    assert_int_equal(next(r), MM_CAPTURE_EOF);
}

/* libpcap, given the same bytes, reads packets packets and then fails
 * (error) or ends cleanly. */
static void libpcap_agrees(const struct cbuf *c, unsigned packets, int error)
{
    char path[] = "/tmp/mm-test-capfile-XXXXXX", ebuf[PCAP_ERRBUF_SIZE];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(cb_write(c, path), 0);
    pcap_t *p = pcap_open_offline(path, ebuf);
    if (!p)
        fail_msg("libpcap cannot open it: %s", ebuf);
    struct pcap_pkthdr *h;
    const u_char *d;
    for (unsigned i = 0; i < packets; i++)
        assert_int_equal(pcap_next_ex(p, &h, &d), 1);
    assert_int_equal(pcap_next_ex(p, &h, &d), error ? PCAP_ERROR : PCAP_ERROR_BREAK);
    pcap_close(p);
    unlink(path);
}

static void done(struct reading *r, struct cbuf *c)
{
    mm__capsrc_close(r->s);
    cb_free(c);
}

static int declined(const struct cbuf *c)
{
    struct mm__capsrc *s = (struct mm__capsrc *)1;
    int r = mm__capsrc_open_memory(c->b, c->n, &s);
    assert_null(s);
    return r == MM_EUNSUPPORTED;
}

/* ---- classic pcap ---- */

/* Creates an empty temporary file named after the template path. */
static void make_temp_file(char *path)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
}

static void test_pcap_both_orders(void **state)
{
    (void)state;
    for (int big = 0; big <= 1; big++) {
        struct cbuf c = {.big = big};
        struct reading r;
        pcap_header(&c, 0xa1b2c3d4, 2, 4, 65535, 1);
        pcap_record(&c, 1775001600, 123456, 60, 60, 1);
        pcap_record(&c, 1775001601, 999999, 0, 64, 2);
        pcap_record(&c, 1775001602, 7, 30, 20, 3); /* caplen > len: as libpcap, kept */
        open_bytes(&r, &c);
        assert_int_equal(mm__capsrc_linktype(r.s), 1);
        assert_int_equal(mm__capsrc_offset(r.s), 24);
        expect_packet(&r, 1775001600, 123456, 60, 60, 1);
        assert_int_equal(mm__capsrc_offset(r.s), 24 + 16 + 60);
        expect_packet(&r, 1775001601, 999999, 0, 64, 2);
        expect_packet(&r, 1775001602, 7, 30, 20, 3);
        expect_end(&r);
        assert_int_equal(mm__capsrc_offset(r.s), c.n);
        done(&r, &c);
    }
}

static void test_pcap_nanoseconds(void **state)
{
    (void)state;
    for (int big = 0; big <= 1; big++) {
        struct cbuf c = {.big = big};
        struct reading r;
        pcap_header(&c, 0xa1b23c4d, 2, 4, 0, 1);
        pcap_record(&c, 1775001600, 123456789, 10, 10, 1);
        pcap_record(&c, 1775001600, 999, 10, 10, 1);
        open_bytes(&r, &c);
        expect_packet(&r, 1775001600, 123456, 10, 10, 1);
        expect_packet(&r, 1775001600, 0, 10, 10, 1);
        expect_end(&r);
        done(&r, &c);
    }
}

/* Stamps past 2^31: signed in this machine's byte order, unsigned in the
 * other (libpcap 1.10's byte swap). */
static void test_pcap_large_stamps(void **state)
{
    (void)state;
    for (int big = 0; big <= 1; big++) {
        struct cbuf c = {.big = big};
        struct reading r;
        pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, 1);
        pcap_record(&c, 0x80000001u, 0xfffffff0u, 1, 1, 0);
        open_bytes(&r, &c);
        if (big)
            expect_packet(&r, 0x80000001ll, 0xfffffff0l, 1, 1, 0);
        else
            expect_packet(&r, -2147483647ll, -16, 1, 1, 0);
        done(&r, &c);
    }
}

static void test_pcap_snapshot_cut(void **state)
{
    (void)state;
    struct cbuf c = {0};
    struct reading r;
    pcap_header(&c, 0xa1b2c3d4, 2, 4, 64, 1);
    pcap_record(&c, 1, 2, 100, 1500, 5); /* read in full, handed out cut to 64 */
    pcap_record(&c, 3, 4, 64, 64, 6);
    open_bytes(&r, &c);
    expect_packet(&r, 1, 2, 64, 1500, 5);
    assert_int_equal(mm__capsrc_offset(r.s), 24 + 16 + 100);
    expect_packet(&r, 3, 4, 64, 64, 6);
    expect_end(&r);
    libpcap_agrees(&c, 2, 0);
    done(&r, &c);
}

static void test_pcap_link_types(void **state)
{
    (void)state;
    static const struct {
        uint32_t linktype;
        int dlt; /* -1: left to libpcap */
    } cases[] = {{0, 0},     {1, 1},     {12, 12},        {14, 14},     {101, 12}, {108, 108},
                 {113, 113}, {228, 228}, {229, 229},      {276, 276},   {105, -1}, {127, -1},
                 {9, -1},    {147, -1},  {0x04000001, 1}, {0x10000, -1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct cbuf c = {0};
        pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, cases[i].linktype);
        struct mm__capsrc *s;
        int rc = mm__capsrc_open_memory(c.b, c.n, &s);
        if (cases[i].dlt < 0) {
            assert_int_equal(rc, MM_EUNSUPPORTED);
        } else {
            assert_int_equal(rc, 0);
            assert_int_equal(mm__capsrc_linktype(s), cases[i].dlt);
            mm__capsrc_close(s);
        }
        cb_free(&c);
    }
    /* Linux cooked headers in the other byte order: libpcap rewrites them */
    for (uint32_t lt = 113; lt <= 276; lt += 163) {
        struct cbuf c = {.big = 1};
        pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, lt);
        assert_true(declined(&c));
        cb_free(&c);
    }
}

static void test_pcap_headers_left_to_libpcap(void **state)
{
    (void)state;
    struct cbuf c = {0};
    pcap_header(&c, 0xa1b2cd34, 2, 4, 0, 1); /* Kuznetzov's modified format */
    assert_true(declined(&c));
    c.n = 0;
    pcap_header(&c, 0xa1b2c3d4, 2, 3, 0, 1); /* 2.3: caplen and len maybe swapped */
    assert_true(declined(&c));
    c.n = 0;
    pcap_header(&c, 0xa1b2c3d4, 543, 0, 0, 1);
    assert_true(declined(&c));
    c.n = 0;
    pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, 1);
    c.n = 23; /* a cut file header */
    assert_true(declined(&c));
    c.n = 3;
    assert_true(declined(&c));
    c.n = 0;
    cb_bytes(&c, "this is not a capture", 21);
    assert_true(declined(&c));
    cb_free(&c);
}

static void test_pcap_errors(void **state)
{
    (void)state;
    struct cbuf c = {0};
    struct reading r;
    pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, 1);
    pcap_record(&c, 1, 0, 10, 10, 1);
    size_t second = c.n;
    pcap_record(&c, 2, 0, 262145, 262145, 0); /* above libpcap's maximum */
    open_bytes(&r, &c);
    expect_packet(&r, 1, 0, 10, 10, 1);
    char want[64];
    snprintf(want, sizeof(want), "record 2 at byte offset %zu: invalid packet capture length",
             second);
    expect_error(&r, want);
    assert_int_equal(mm__capsrc_offset(r.s), second);
    libpcap_agrees(&c, 1, 1);
    mm__capsrc_close(r.s);

    c.n = second + 10; /* a cut record header */
    open_bytes(&r, &c);
    expect_packet(&r, 1, 0, 10, 10, 1);
    expect_error(&r, "truncated record header: 10 of 16 bytes");
    libpcap_agrees(&c, 1, 1);
    mm__capsrc_close(r.s);

    c.n = second;
    pcap_record(&c, 2, 0, 100, 100, 0);
    c.n -= 30; /* a cut packet */
    open_bytes(&r, &c);
    expect_packet(&r, 1, 0, 10, 10, 1);
    expect_error(&r, "truncated packet: 70 of 100 captured bytes");
    libpcap_agrees(&c, 1, 1);
    done(&r, &c);
}

/* ---- pcapng ---- */

static void test_pcapng_both_orders(void **state)
{
    (void)state;
    for (int big = 0; big <= 1; big++) {
        struct cbuf c = {.big = big};
        struct reading r;
        ng_shb(&c, 1, 0);
        ng_other(&c, 0x0bad, 5); /* unknown: skipped, also before the first interface */
        ng_idb(&c, 1, 64, -1, 0, 0);
        ng_epb(&c, 0, 1775001600123456ull, 60, 80, 1);
        ng_other(&c, 5, 24);     /* interface statistics: skipped */
        ng_spb(&c, 100, 100, 2); /* cut to the snapshot, stamp 0 */
        ng_spb(&c, 20, 20, 3);
        ng_pb(&c, 0, 1775001601000001ull, 30, 40, 4);
        open_bytes(&r, &c);
        assert_int_equal(mm__capsrc_linktype(r.s), 1);
        expect_packet(&r, 1775001600, 123456, 60, 80, 1);
        expect_packet(&r, 0, 0, 64, 100, 2);
        expect_packet(&r, 0, 0, 20, 20, 3);
        expect_packet(&r, 1775001601, 1, 30, 40, 4);
        expect_end(&r);
        libpcap_agrees(&c, 4, 0);
        assert_int_equal(mm__capsrc_offset(r.s), c.n);
        done(&r, &c);
    }
}

static void test_pcapng_time_stamps(void **state)
{
    (void)state;
    struct cbuf c = {0};
    struct reading r;
    ng_shb(&c, 1, 0);
    ng_idb(&c, 1, 0, 6, 0, 0);             /* 0: microseconds, said explicitly */
    ng_idb(&c, 1, 0, 9, 0, 0);             /* 1: nanoseconds */
    ng_idb(&c, 1, 0, 3, 1, 100);           /* 2: milliseconds, 100 s later */
    ng_idb(&c, 1, 0, 0x80 | 20, 0, 0);     /* 3: 2^-20 s */
    ng_idb(&c, 1, 0, 0, 1, -1775000000ll); /* 4: seconds, offset back */
    ng_idb(&c, 1, 0, 0x80 | 0, 0, 0);      /* 5: 2^0 s */
    ng_epb(&c, 0, 1775001600654321ull, 1, 1, 0);
    ng_epb(&c, 1, 1775001600987654321ull, 1, 1, 0);
    ng_epb(&c, 2, 1775001600123ull, 1, 1, 0);
    ng_epb(&c, 3, (1775001600ull << 20) | (1u << 19), 1, 1, 0);
    ng_epb(&c, 4, 1775001600ull, 1, 1, 0);
    ng_epb(&c, 5, 7ull, 1, 1, 0);
    ng_spb(&c, 1, 1, 0); /* interface 0: stamp 0 */
    open_bytes(&r, &c);
    expect_packet(&r, 1775001600, 654321, 1, 1, 0);
    expect_packet(&r, 1775001600, 987654, 1, 1, 0);
    expect_packet(&r, 1775001700, 123000, 1, 1, 0);
    expect_packet(&r, 1775001600, 500000, 1, 1, 0);
    expect_packet(&r, 1600, 0, 1, 1, 0);
    expect_packet(&r, 7, 0, 1, 1, 0);
    expect_packet(&r, 0, 0, 1, 1, 0);
    expect_end(&r);
    libpcap_agrees(&c, 7, 0);
    done(&r, &c);
}

static void test_pcapng_sections(void **state)
{
    (void)state;
    struct cbuf c = {0};
    struct reading r;
    ng_shb(&c, 1, 0);
    ng_idb(&c, 228, 0, -1, 0, 0);
    ng_idb(&c, 228, 0, 9, 0, 0);
    ng_epb(&c, 1, 5000000000ull, 4, 4, 1);
    ng_shb(&c, 1, 2); /* a new section: its own interfaces */
    ng_idb(&c, 228, 0, 3, 0, 0);
    ng_epb(&c, 0, 5001ull, 4, 4, 2);
    size_t bad = c.n;
    ng_epb(&c, 1, 1ull, 4, 4, 3); /* interface 1 belonged to the first section */
    open_bytes(&r, &c);
    assert_int_equal(mm__capsrc_linktype(r.s), 228);
    expect_packet(&r, 5, 0, 4, 4, 1);
    expect_packet(&r, 5, 1000, 4, 4, 2);
    char want[96];
    snprintf(want, sizeof(want), "record 8 at byte offset %zu: a packet of interface 1", bad);
    expect_error(&r, want);
    libpcap_agrees(&c, 2, 1);
    done(&r, &c);
}

/* The first section is read up to its first interface at open; what
 * libpcap refuses there is left to libpcap (which explains it). */
static void test_pcapng_headers_left_to_libpcap(void **state)
{
    (void)state;
    struct cbuf c = {0};
    ng_shb(&c, 2, 0); /* unknown version */
    ng_idb(&c, 1, 0, -1, 0, 0);
    assert_true(declined(&c));
    c.n = 0;
    ng_shb(&c, 1, 1);
    ng_idb(&c, 1, 0, -1, 0, 0);
    assert_true(declined(&c));
    c.n = 0;
    ng_shb(&c, 1, 0); /* no interface */
    ng_other(&c, 0x0bad, 4);
    assert_true(declined(&c));
    c.n = 0;
    ng_shb(&c, 1, 0); /* a packet before any interface */
    ng_epb(&c, 0, 0, 4, 4, 0);
    ng_idb(&c, 1, 0, -1, 0, 0);
    assert_true(declined(&c));
    c.n = 0;
    ng_shb(&c, 1, 0); /* a link type the sensor does not decode */
    ng_idb(&c, 105, 0, -1, 0, 0);
    assert_true(declined(&c));
    c.n = 0;
    ng_shb(&c, 1, 0); /* a bad option in the first interface */
    ng_idb(&c, 1, 0, 20, 0, 0);
    assert_true(declined(&c));
    c.n = 0;
    ng_shb(&c, 1, 0); /* a cut first interface */
    ng_idb(&c, 1, 0, -1, 0, 0);
    c.n -= 4;
    assert_true(declined(&c));
    cb_free(&c);
}

/* A file with one packet, then the block built by add, read: the packet,
 * then an error containing want. */
static void expect_block_error(void (*add)(struct cbuf *), const char *want)
{
    struct cbuf c = {0};
    struct reading r;
    ng_shb(&c, 1, 0);
    ng_idb(&c, 1, 100, -1, 0, 0);
    ng_epb(&c, 0, 0, 4, 4, 1);
    add(&c);
    open_bytes(&r, &c);
    expect_packet(&r, 0, 0, 4, 4, 1);
    expect_error(&r, want);
    libpcap_agrees(&c, 1, 1);
    done(&r, &c);
}

static void raw_block(struct cbuf *c, uint32_t type, uint32_t head, uint32_t body, uint32_t tail)
{
    cb_u32(c, type);
    cb_u32(c, head);
    cb_payload(c, body, 0);
    cb_u32(c, tail);
}

static void add_short_length(struct cbuf *c)
{
    raw_block(c, 0x0bad, 8, 0, 8);
}

static void add_unaligned(struct cbuf *c)
{
    raw_block(c, 0x0bad, 14, 2, 14);
}

static void add_trailer_mismatch(struct cbuf *c)
{
    raw_block(c, 0x0bad, 16, 4, 20);
}

static void add_huge(struct cbuf *c)
{
    raw_block(c, 0x0bad, 16 * 1024 * 1024 + 4, 4, 16);
}

static void add_cut_block(struct cbuf *c)
{
    ng_epb(c, 0, 0, 40, 40, 0);
    c->n -= 10;
}

static void add_cut_header(struct cbuf *c)
{
    cb_u32(c, 6);
    cb_u16(c, 0);
}

static void add_unknown_iface(struct cbuf *c)
{
    ng_epb(c, 3, 0, 4, 4, 0);
}

static void add_over_snapshot(struct cbuf *c)
{
    ng_epb(c, 0, 0, 101, 101, 0);
}

static void add_short_epb(struct cbuf *c)
{
    raw_block(c, 6, 28, 16, 28);
}

static void add_epb_caplen_past_block(struct cbuf *c)
{
    size_t s = ng_begin(c, 6);
    cb_u32(c, 0);
    cb_u64(c, 0);
    cb_u32(c, 50); /* caplen 50, only 8 bytes follow */
    cb_u32(c, 50);
    cb_payload(c, 8, 0);
    ng_end(c, s);
}

/* A section header whose length reads the same both ways would be huge;
 * this one has this machine's length and the other order's magic. */
static void add_other_order_section(struct cbuf *c)
{
    size_t s = ng_begin(c, 0x0a0d0d0a);
    c->big = 1;
    cb_u32(c, 0x1a2b3c4d);
    cb_u16(c, 1);
    cb_u16(c, 0);
    cb_u64(c, 0);
    c->big = 0;
    ng_end(c, s);
}

static void add_bad_magic_section(struct cbuf *c)
{
    size_t s = ng_begin(c, 0x0a0d0d0a);
    cb_u32(c, 0x12345678);
    cb_u32(c, 1);
    cb_u64(c, 0);
    ng_end(c, s);
}

static void add_version2_section(struct cbuf *c)
{
    ng_shb(c, 2, 0);
}

static void add_other_link_type(struct cbuf *c)
{
    ng_idb(c, 113, 100, -1, 0, 0);
}

static void add_other_snapshot(struct cbuf *c)
{
    ng_idb(c, 1, 200, -1, 0, 0);
}

static void add_bad_tsresol(struct cbuf *c)
{
    ng_idb(c, 1, 100, 0x80 | 64, 0, 0);
}

static void add_double_tsoffset(struct cbuf *c)
{
    size_t s = ng_begin(c, 1);
    cb_u16(c, 1);
    cb_u16(c, 0);
    cb_u32(c, 100);
    for (int i = 0; i < 2; i++) {
        cb_u16(c, 14);
        cb_u16(c, 8);
        cb_u64(c, 1);
    }
    ng_end(c, s);
}

static void add_cut_option(struct cbuf *c)
{
    size_t s = ng_begin(c, 1);
    cb_u16(c, 1);
    cb_u16(c, 0);
    cb_u32(c, 100);
    cb_u16(c, 2);
    cb_u16(c, 40); /* 40 bytes announced, none follow */
    ng_end(c, s);
}

static void add_endofopt_with_length(struct cbuf *c)
{
    size_t s = ng_begin(c, 1);
    cb_u16(c, 1);
    cb_u16(c, 0);
    cb_u32(c, 100);
    ng_opt(c, 0, "abcd", 4);
    ng_end(c, s);
}

static void test_pcapng_errors(void **state)
{
    (void)state;
    expect_block_error(add_short_length, "block length 8 is less than 12");
    expect_block_error(add_unaligned, "block length 14 is not a multiple of 4");
    expect_block_error(add_trailer_mismatch, "block length 16 at its start and 20 at its end");
    expect_block_error(add_huge, "is more than the maximum of 16777216");
    expect_block_error(add_cut_block, "truncated block: 78 of 88 bytes");
    expect_block_error(add_cut_header, "truncated block header: 6 of 8 bytes");
    expect_block_error(add_unknown_iface, "a packet of interface 3");
    expect_block_error(add_over_snapshot, "invalid packet capture length 101");
    expect_block_error(add_short_epb, "block of type 6 is too short");
    expect_block_error(add_epb_caplen_past_block, "block of type 6 is too short");
    expect_block_error(add_other_order_section, "different byte orders");
    expect_block_error(add_bad_magic_section, "bad byte order magic");
    expect_block_error(add_version2_section, "unknown pcapng major version 2");
    expect_block_error(add_other_link_type, "an interface has link type 113, the first one 1");
    expect_block_error(add_other_snapshot, "snapshot length 200");
    expect_block_error(add_bad_tsresol, "resolution 2^-64 is too fine");
    expect_block_error(add_double_tsoffset, "bad if_tsoffset option");
    expect_block_error(add_cut_option, "option 2 cut short");
    expect_block_error(add_endofopt_with_length, "opt_endofopt of length 4");
}

/* libpcap compares a later interface's LINKTYPE_ value with the first
 * one's DLT_ value: a second LINKTYPE_RAW interface is an error. */
static void test_pcapng_second_raw_interface(void **state)
{
    (void)state;
    struct cbuf c = {0};
    struct reading r;
    ng_shb(&c, 1, 0);
    ng_idb(&c, 101, 0, -1, 0, 0);
    ng_epb(&c, 0, 0, 4, 4, 1);
    ng_idb(&c, 101, 0, -1, 0, 0);
    open_bytes(&r, &c);
    assert_int_equal(mm__capsrc_linktype(r.s), 12);
    expect_packet(&r, 0, 0, 4, 4, 1);
    expect_error(&r, "an interface has link type 101, the first one 12");
    libpcap_agrees(&c, 1, 1);
    done(&r, &c);
}

static void test_interface_limit(void **state)
{
    (void)state;
    struct cbuf c = {0};
    struct reading r;
    ng_shb(&c, 1, 0);
    for (unsigned i = 0; i <= 65536; i++) {
        size_t s = ng_begin(&c, 1);
        cb_u16(&c, 1);
        cb_u16(&c, 0);
        cb_u32(&c, 0);
        ng_end(&c, s);
    }
    open_bytes(&r, &c);
    expect_error(&r, "more than 65536 interfaces in one section");
    done(&r, &c);
}

/* ---- through mm_capture_open_file ---- */

static void test_capture_api(void **state)
{
    (void)state;
    char path[] = "/tmp/mm-test-capfile-XXXXXX";
    make_temp_file(path);
    struct cbuf c = {0};
    pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, 101);
    pcap_record(&c, 1, 2, 20, 20, 1);
    pcap_record(&c, 3, 4, 20, 20, 2);
    c.n -= 5;
    assert_int_equal(cb_write(&c, path), 0);

    struct mm_capture *cap;
    struct mm_capture_packet k;
    char err[512] = "";
    assert_int_equal(mm_capture_open_file(path, &cap, err, sizeof(err)), 0);
    assert_int_equal(mm_capture_linktype(cap), 12);
    assert_int_equal(mm_capture_next(cap, &k, err, sizeof(err)), MM_CAPTURE_PACKET);
    assert_int_equal(k.caplen, 20);
    assert_int_equal(mm_capture_offset(cap), 24 + 36);
    assert_int_equal(mm_capture_next(cap, &k, err, sizeof(err)), MM_CAPTURE_ERROR);
    assert_non_null(strstr(err, "record 2 at byte offset 60: truncated packet: 15 of 20"));
    assert_int_equal(mm_capture_offset(cap), 24 + 36);
    mm_capture_close(cap);

    /* a link type the reader leaves to libpcap: still read */
    c.n = 0;
    pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, 105);
    pcap_record(&c, 1, 2, 20, 20, 1);
    assert_int_equal(cb_write(&c, path), 0);
    assert_int_equal(mm_capture_open_file(path, &cap, err, sizeof(err)), 0);
    assert_int_equal(mm_capture_linktype(cap), 105);
    assert_int_equal(mm_capture_next(cap, &k, err, sizeof(err)), MM_CAPTURE_PACKET);
    assert_int_equal(mm_capture_next(cap, &k, err, sizeof(err)), MM_CAPTURE_EOF);
    mm_capture_close(cap);

    /* stopping: the next call ends the file */
    c.n = 0;
    pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, 1);
    pcap_record(&c, 1, 2, 20, 20, 1);
    assert_int_equal(cb_write(&c, path), 0);
    assert_int_equal(mm_capture_open_file(path, &cap, err, sizeof(err)), 0);
    mm_capture_breakloop(cap);
    assert_int_equal(mm_capture_next(cap, &k, err, sizeof(err)), MM_CAPTURE_EOF);
    mm_capture_close(cap);

    /* not a regular file, or not there: libpcap's way and its reason */
    struct mm__capsrc *s;
    assert_int_equal(mm__capsrc_open_file("/dev/null", 0, &s), MM_EUNSUPPORTED);
    assert_int_equal(mm__capsrc_open_file("/nonexistent/x.pcap", 0, &s), MM_EUNSUPPORTED);
    assert_int_not_equal(mm_capture_open_file("/nonexistent/x.pcap", &cap, err, sizeof(err)), 0);
    assert_null(cap);
    /* an empty file */
    c.n = 0;
    assert_int_equal(cb_write(&c, path), 0);
    assert_int_equal(mm__capsrc_open_file(path, 0, &s), MM_EUNSUPPORTED);
    unlink(path);
    cb_free(&c);
}

/* A capture still being written: records appended after the reader saw
 * the end are read at the next call, as libpcap's reads would. */
static void test_file_grows(void **state)
{
    (void)state;
    char path[] = "/tmp/mm-test-capfile-XXXXXX";
    make_temp_file(path);
    struct cbuf c = {0};
    pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, 1);
    pcap_record(&c, 1, 0, 3000, 3000, 1);
    assert_int_equal(cb_write(&c, path), 0);
    struct mm__capsrc *s;
    struct mm_capture_packet k;
    char err[512];
    assert_int_equal(mm__capsrc_open_file(path, 4096, &s), 0);
    assert_int_equal(mm__capsrc_next(s, &k, err, sizeof(err)), MM_CAPTURE_PACKET);
    assert_int_equal(mm__capsrc_next(s, &k, err, sizeof(err)), MM_CAPTURE_EOF);
    c.n = 0;
    pcap_record(&c, 2, 0, 5000, 5000, 2); /* larger than the window */
    pcap_record(&c, 3, 0, 10, 10, 3);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(c.b, 1, c.n, f), c.n);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(mm__capsrc_next(s, &k, err, sizeof(err)), MM_CAPTURE_PACKET);
    assert_int_equal(k.ts.tv_sec, 2);
    assert_int_equal(k.caplen, 5000);
    assert_int_equal(k.data[4999], (uint8_t)(2 + 4999));
    assert_int_equal(mm__capsrc_next(s, &k, err, sizeof(err)), MM_CAPTURE_PACKET);
    assert_int_equal(k.ts.tv_sec, 3);
    assert_int_equal(mm__capsrc_next(s, &k, err, sizeof(err)), MM_CAPTURE_EOF);
    assert_int_equal(mm__capsrc_offset(s), 24 + 3016 + 5016 + 26);
    /* the buffer grew for the large record and is back to its size */
    assert_int_equal(mm__capsrc_buffer_size(s), 4096);
    mm__capsrc_close(s);
    unlink(path);
    cb_free(&c);
}

/* Reads packets first..last of a file of same-sized pcap records (caplen
 * bytes each, record i stamped i with payload seed i), each whole. */
static void expect_whole(struct mm__capsrc *s, uint32_t first, uint32_t last, uint32_t caplen)
{
    struct mm_capture_packet k;
    char err[512] = "";
    for (uint32_t i = first; i <= last; i++) {
        int r = mm__capsrc_next(s, &k, err, sizeof(err));
        if (r != MM_CAPTURE_PACKET)
            fail_msg("record %u: %d (%s)", i, r, err);
        assert_int_equal(k.ts.tv_sec, i);
        assert_int_equal(k.caplen, caplen);
        for (uint32_t b = 0; b < caplen; b++)
            if (k.data[b] != (uint8_t)(i + b))
                fail_msg("record %u byte %u: %u, not %u", i, b, k.data[b], (uint8_t)(i + b));
    }
}

/* The next call, and the one after, report the file cut at the record
 * numbered record at offset at. */
static void expect_cut(struct mm__capsrc *s, uint32_t record, uint64_t at)
{
    struct mm_capture_packet k;
    char err[512] = "", want[64];
    int r = mm__capsrc_next(s, &k, err, sizeof(err));
    if (r != MM_CAPTURE_ERROR)
        fail_msg("record %u: %d, not the cut (caplen %u, first byte %u)", record, r,
                 r == MM_CAPTURE_PACKET ? k.caplen : 0,
                 r == MM_CAPTURE_PACKET && k.caplen ? k.data[0] : 0);
    snprintf(want, sizeof(want), "record %u at byte offset %llu:", record, (unsigned long long)at);
    if (!strstr(err, want) || !strstr(err, "became shorter"))
        fail_msg("error \"%s\" lacks \"%s\" or the shrink", err, want);
    assert_int_equal(mm__capsrc_next(s, &k, err, sizeof(err)), MM_CAPTURE_ERROR);
    assert_int_equal(mm__capsrc_offset(s), at);
}

/* A file of n pcap records of caplen bytes written to path. */
static void write_records(const char *path, uint32_t n, uint32_t caplen)
{
    struct cbuf c = {0};
    pcap_header(&c, 0xa1b2c3d4, 2, 4, 0, 1);
    for (uint32_t i = 1; i <= n; i++)
        pcap_record(&c, i, 0, caplen, caplen, (uint8_t)i);
    assert_int_equal(cb_write(&c, path), 0);
    cb_free(&c);
}

/* Another program cuts the file while it is read. Reads never return
 * bytes past the file's end, so every packet handed out is whole, as it
 * was in the file; the reading ends where the reads stop, with the shrink
 * reported instead of a clean end or a damaged record. The tests below
 * cut files of records of 100 bytes (116 each, record i at
 * 24 + 116 (i - 1)) or 3000 bytes (3016 each) read with buffers of
 * 4 KiB (MM_SMALL_BUFFER) or the default. */
#define MM_SMALL_BUFFER 4096

/* Records of 3000 bytes through a 4 KiB buffer: no record after the one
 * just handed out is ever whole in the buffer, so the cut shows at the
 * first record reaching past it (record 3, 6056-9072, cut at 8192). */
static void test_file_shrinks(void **state)
{
    (void)state;
    char path[] = "/tmp/mm-test-capfile-XXXXXX";
    make_temp_file(path);
    struct mm__capsrc *s;
    write_records(path, 8, 3000);
    assert_int_equal(mm__capsrc_open_file(path, MM_SMALL_BUFFER, &s), 0);
    expect_whole(s, 1, 2, 3000);
    assert_int_equal(truncate(path, 8192), 0);
    expect_cut(s, 3, 6056);
    mm__capsrc_close(s);
    /* a new reader of the cut file sees only what is left: a cut record
     * is damage then, not a shrink */
    assert_int_equal(mm__capsrc_open_file(path, 0, &s), 0);
    expect_whole(s, 1, 2, 3000);
    struct mm_capture_packet k;
    char err[512];
    assert_int_equal(mm__capsrc_next(s, &k, err, sizeof(err)), MM_CAPTURE_ERROR);
    assert_non_null(strstr(err, "record 3 at byte offset 6056: truncated packet"));
    mm__capsrc_close(s);
    unlink(path);
}

/* The whole file (24 + 8 x 3016 = 24152 bytes) is in the default buffer
 * before the cut (at 22000, inside record 8): the 8 packets read come out
 * whole, and the end reports the shrink, not a clean end. */
static void test_cut_after_read_whole(void **state)
{
    (void)state;
    char path[] = "/tmp/mm-test-capfile-XXXXXX";
    make_temp_file(path);
    struct mm__capsrc *s;
    write_records(path, 8, 3000);
    assert_int_equal(mm__capsrc_open_file(path, 0, &s), 0);
    expect_whole(s, 1, 2, 3000);
    assert_int_equal(truncate(path, 22000), 0);
    expect_whole(s, 3, 8, 3000);
    expect_cut(s, 9, 24152);
    mm__capsrc_close(s);
    unlink(path);
}

/* Records of 100 bytes, 43 read (up to 5012; the 4 KiB buffer holds at
 * most up to 9108), then a cut beyond the bytes read: inside record 100
 * (11508-11624) or exactly at its start. Records 44-99 come out whole,
 * then the shrink at record 100. */
static void cut_beyond_read(off_t cut)
{
    char path[] = "/tmp/mm-test-capfile-XXXXXX";
    make_temp_file(path);
    struct mm__capsrc *s;
    write_records(path, 200, 100);
    assert_int_equal(mm__capsrc_open_file(path, MM_SMALL_BUFFER, &s), 0);
    expect_whole(s, 1, 43, 100);
    assert_int_equal(truncate(path, cut), 0);
    expect_whole(s, 44, 99, 100);
    expect_cut(s, 100, 11508);
    mm__capsrc_close(s);
    unlink(path);
}

static void test_cut_inside_packet(void **state)
{
    (void)state;
    cut_beyond_read(11550);
}

static void test_cut_at_record_end(void **state)
{
    (void)state;
    cut_beyond_read(11508);
}

/* A cut inside or before the bytes already read (at 6000, inside record
 * 52, or at 3000, before the next record): the records read before it
 * still come out whole and in order, then the shrink at the first record
 * the reads could not complete, which lies within one buffer of where the
 * reading stood at the cut. */
static void cut_inside_read(off_t cut)
{
    char path[] = "/tmp/mm-test-capfile-XXXXXX";
    make_temp_file(path);
    struct mm__capsrc *s;
    struct mm_capture_packet k;
    char err[512] = "";
    write_records(path, 200, 100);
    assert_int_equal(mm__capsrc_open_file(path, MM_SMALL_BUFFER, &s), 0);
    expect_whole(s, 1, 43, 100);
    uint64_t at_cut = mm__capsrc_offset(s);
    assert_int_equal(truncate(path, cut), 0);
    uint32_t i = 44;
    int r;
    while ((r = mm__capsrc_next(s, &k, err, sizeof(err))) == MM_CAPTURE_PACKET) {
        assert_int_equal(k.ts.tv_sec, i);
        assert_int_equal(k.caplen, 100);
        for (uint32_t b = 0; b < 100; b++)
            assert_int_equal(k.data[b], (uint8_t)(i + b));
        i++;
    }
    uint64_t at = 24 + 116 * (uint64_t)(i - 1);
    assert_true(at + 116 > (uint64_t)cut); /* no record whole in the cut file left out */
    assert_true(at <= at_cut + MM_SMALL_BUFFER);
    assert_int_equal(r, MM_CAPTURE_ERROR);
    char want[64];
    snprintf(want, sizeof(want), "record %u at byte offset %llu:", i, (unsigned long long)at);
    if (!strstr(err, want) || !strstr(err, "became shorter"))
        fail_msg("error \"%s\" lacks \"%s\" or the shrink", err, want);
    mm__capsrc_close(s);
    unlink(path);
}

static void test_cut_inside_read(void **state)
{
    (void)state;
    cut_inside_read(6000);
    cut_inside_read(3000);
}

/* pcapng: 40 enhanced packet blocks of 1000 bytes through a 4 KiB buffer,
 * cut inside block 30 (its data and trailing length missing) right after
 * open: the error names the shrink, not a bad block. */
static void test_cut_pcapng_block(void **state)
{
    (void)state;
    char path[] = "/tmp/mm-test-capfile-XXXXXX";
    make_temp_file(path);
    struct mm__capsrc *s;
    struct cbuf c = {0};
    ng_shb(&c, 1, 0);
    ng_idb(&c, 1, 0, -1, 0, 0);
    size_t at[41];
    for (uint32_t i = 1; i <= 40; i++) {
        at[i] = c.n;
        ng_epb(&c, 0, (uint64_t)i * 1000000u, 1000, 1000, (uint8_t)i);
    }
    assert_int_equal(cb_write(&c, path), 0);
    assert_int_equal(mm__capsrc_open_file(path, MM_SMALL_BUFFER, &s), 0);
    assert_int_equal(truncate(path, (off_t)at[30] + 20), 0);
    struct mm_capture_packet k;
    char err[512];
    for (uint32_t i = 1; i < 30; i++) {
        assert_int_equal(mm__capsrc_next(s, &k, err, sizeof(err)), MM_CAPTURE_PACKET);
        assert_int_equal(k.ts.tv_sec, i);
        assert_int_equal(k.data[999], (uint8_t)(i + 999));
    }
    expect_cut(s, 30 + 2, at[30]); /* blocks count the two header blocks */
    mm__capsrc_close(s);
    cb_free(&c);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcap_both_orders),
        cmocka_unit_test(test_pcap_nanoseconds),
        cmocka_unit_test(test_pcap_large_stamps),
        cmocka_unit_test(test_pcap_snapshot_cut),
        cmocka_unit_test(test_pcap_link_types),
        cmocka_unit_test(test_pcap_headers_left_to_libpcap),
        cmocka_unit_test(test_pcap_errors),
        cmocka_unit_test(test_pcapng_both_orders),
        cmocka_unit_test(test_pcapng_time_stamps),
        cmocka_unit_test(test_pcapng_sections),
        cmocka_unit_test(test_pcapng_headers_left_to_libpcap),
        cmocka_unit_test(test_pcapng_errors),
        cmocka_unit_test(test_pcapng_second_raw_interface),
        cmocka_unit_test(test_interface_limit),
        cmocka_unit_test(test_capture_api),
        cmocka_unit_test(test_file_grows),
        cmocka_unit_test(test_file_shrinks),
        cmocka_unit_test(test_cut_after_read_whole),
        cmocka_unit_test(test_cut_inside_packet),
        cmocka_unit_test(test_cut_at_record_end),
        cmocka_unit_test(test_cut_inside_read),
        cmocka_unit_test(test_cut_pcapng_block),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
