/* SPDX-License-Identifier: Apache-2.0
 * Differential test of feed files read in pieces (intel-feeds.c): random
 * feeds of every line format (lists with comments, CRLF, malformed and
 * very long lines, Maltrail references, CSV with a family per line,
 * Maltrail CSV, hosts, uBlock), and files that must be read whole (a NUL
 * byte late in the file, JSON after white space) are loaded from a file
 * with pieces of 16 bytes to a few KB and with the whole file in memory
 * (the default piece is larger than each file). The reports and the
 * sealed sets' answers for every value written must be the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "sensor/intel/intel-int.h"
#include "sensor/intel/intel.h"
#include "../test-tmpdir.h"

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    return test_tmpdir_make(tmpdir, sizeof tmpdir, "intel-pieces");
}

static int teardown(void **state)
{
    (void)state;
    mm__intel_feed_piece(0);
    return test_tmpdir_remove(tmpdir);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16) % n;
}

/* A feed being written, and the values it lists (one per line in values,
 * to be asked about afterwards). */
struct feed {
    struct mm_buf text, values;
};

static void add(struct mm_buf *b, const char *s)
{
    assert_int_equal(mm_buf_append(b, s, strlen(s)), 0);
}

static void addf(struct mm_buf *b, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    add(b, tmp);
}

/* A random value of any shape: IPv4, CIDR, ip:port, IPv6, domain (some
 * upper case), URL; now and then a malformed one. Also listed in values. */
static void value(struct feed *f, char *out, size_t cap)
{
    switch (rnd(8)) {
    case 0:
        snprintf(out, cap, "198.51.%u.%u", rnd(256), rnd(256));
        break;
    case 1:
        snprintf(out, cap, "203.0.%u.0/%u", rnd(256), 20 + rnd(13));
        break;
    case 2:
        snprintf(out, cap, "192.0.2.%u:%u", rnd(256), 1 + rnd(65535));
        break;
    case 3:
        snprintf(out, cap, "2001:db8::%x", rnd(65536));
        break;
    case 4:
        snprintf(out, cap, "%s%u.fam%u.example", rnd(4) ? "host" : "HoSt", rnd(5000), rnd(9));
        break;
    case 5:
        snprintf(out, cap, "http://dl%u.example.net/p/%u.exe", rnd(300), rnd(300));
        break;
    case 6:
        snprintf(out, cap, "bad%u..example", rnd(100));
        break;
    default:
        snprintf(out, cap, "sub%u.host%u.fam%u.example", rnd(9), rnd(5000), rnd(9));
        break;
    }
    addf(&f->values, "%s\n", out);
}

static const char *eol(void)
{
    return rnd(5) ? "\n" : "\r\n";
}

/* One line of a list or Maltrail trail file. */
static void list_line(struct feed *f)
{
    char v[256];
    switch (rnd(24)) {
    case 0:
        addf(&f->text, "# Reference: https://ref%u.example/%u%s", rnd(50), rnd(1000), eol());
        return;
    case 1:
        addf(&f->text, "%s", eol());
        return;
    case 2:
        value(f, v, sizeof v);
        addf(&f->text, "%s # note %u%s", v, rnd(9), eol());
        return;
    case 3:
        value(f, v, sizeof v);
        addf(&f->text, "  %s\t%s", v, eol());
        return;
    case 4:
        addf(&f->text, "(evil|bad)%u.example%s", rnd(9), eol());
        return;
    case 5:
        addf(&f->text, "two fields%u%s", rnd(9), eol());
        return;
    case 6: { /* longer than many pieces */
        size_t n = 200 + rnd(3000);
        for (size_t i = 0; i < n; i++)
            add(&f->text, i % 60 == 59 ? "." : "a");
        add(&f->text, eol());
        return;
    }
    default:
        value(f, v, sizeof v);
        addf(&f->text, "%s%s", v, eol());
        return;
    }
}

static void csv_line(struct feed *f)
{
    static const char *const types[] = {"ip", "domain", "url", "cidr", "nope"};
    char v[256];
    value(f, v, sizeof v);
    addf(&f->text, "%s,%s,fam%u,\"https://r.example/%u\"%s", types[rnd(5)], v, rnd(40), rnd(99),
         eol());
}

static void maltrail_csv_line(struct feed *f)
{
    char v[256];
    value(f, v, sizeof v);
    addf(&f->text, "%s,fam%u info,(static) ref %u%s", v, rnd(40), rnd(99), eol());
}

static void hosts_line(struct feed *f)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "h%u.hosts%u.example", rnd(9999), rnd(9));
    snprintf(b, sizeof b, "x%u.hosts.example", rnd(9999));
    addf(&f->values, "%s\n%s\n", a, b);
    addf(&f->text, "0.0.0.0 %s%s%s%s", a, rnd(3) ? "" : " ", rnd(3) ? "" : b, eol());
}

static void ublock_line(struct feed *f)
{
    char v[256];
    value(f, v, sizeof v);
    switch (rnd(6)) {
    case 0:
        addf(&f->text, "! comment %u%s", rnd(9), eol());
        break;
    case 1:
        addf(&f->text, "||%s^$third-party%s", v, eol());
        break;
    case 2:
        addf(&f->text, "*bad%u*%s", rnd(9), eol());
        break;
    default:
        addf(&f->text, "||%s^%s", v, eol());
        break;
    }
}

enum shape { S_LIST, S_MALTRAIL, S_CSV, S_MALTRAIL_CSV, S_HOSTS, S_UBLOCK, S_NUL, S_JSON, S_N };

static void make_feed(struct feed *f, enum shape shape, size_t lines)
{
    if (shape == S_MALTRAIL)
        add(&f->text, "# Copyright (c) Maltrail developers\n");
    if (shape == S_CSV)
        add(&f->text, rnd(2) ? "type,value,family,reference\n" : "# type,value,family,reference\n");
    if (shape == S_UBLOCK)
        add(&f->text, "[Adblock Plus 2.0]\n");
    if (shape == S_JSON)
        add(&f->text, "\n \t{\"type\":\"bundle\",\"objects\":[]}\n");
    for (size_t i = 0; i < lines; i++) {
        switch (shape) {
        case S_CSV:
            csv_line(f);
            break;
        case S_MALTRAIL_CSV:
            maltrail_csv_line(f);
            break;
        case S_HOSTS:
            hosts_line(f);
            break;
        case S_UBLOCK:
            ublock_line(f);
            break;
        default:
            list_line(f);
            break;
        }
    }
    if (shape == S_NUL)
        assert_int_equal(mm_buf_append(&f->text, "x\0y\n", 4), 0);
    if (rnd(2)) /* a last line without a newline */
        add(&f->text, "tail.example");
}

/* Loads path into a fresh sealed set with pieces of piece bytes (0: the
 * default, larger than the test's files: read whole). */
static struct mm_intel *load(const char *path, size_t piece, struct mm_intel_file_report *rep)
{
    struct mm_intel *in = NULL;
    struct mm_intel_file_report *reps = NULL;
    size_t n = 0;
    mm__intel_feed_piece(piece);
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, path, &reps, &n), 0);
    assert_int_equal(n, 1);
    *rep = reps[0];
    free(reps);
    assert_int_equal(mm_intel_seal(in), 0);
    mm__intel_feed_piece(0);
    return in;
}

static void same_hit(bool ma, const struct mm_intel_hit *a, bool mb, const struct mm_intel_hit *b)
{
    assert_int_equal(ma, mb);
    if (!ma)
        return;
    assert_string_equal(a->type, b->type);
    assert_string_equal(a->indicator, b->indicator);
    assert_string_equal(a->family, b->family);
    assert_string_equal(a->reference, b->reference);
    assert_string_equal(a->source, b->source);
}

/* Both sets answer every value of f alike (as an address on two ports,
 * a name and a URL's host and path). */
static void same_answers(const struct mm_intel *a, const struct mm_intel *b, const struct feed *f)
{
    char *copy = strndup(f->values.data ? f->values.data : "", f->values.len);
    char *save = NULL;
    assert_non_null(copy);
    for (char *v = strtok_r(copy, "\n", &save); v; v = strtok_r(NULL, "\n", &save)) {
        struct mm_intel_hit ha, hb;
        struct mm_addr addr;
        char host[256], *slash;
        if (mm_addr_parse(v, &addr) == 0) {
            same_hit(mm_intel_match_ip(a, &addr, 0, &ha), &ha, mm_intel_match_ip(b, &addr, 0, &hb),
                     &hb);
            same_hit(mm_intel_match_ip(a, &addr, 443, &ha), &ha,
                     mm_intel_match_ip(b, &addr, 443, &hb), &hb);
        }
        same_hit(mm_intel_match_domain(a, v, &ha), &ha, mm_intel_match_domain(b, v, &hb), &hb);
        const char *rest = strstr(v, "://") ? strstr(v, "://") + 3 : v;
        snprintf(host, sizeof host, "%s", rest);
        if ((slash = strchr(host, '/')) != NULL) {
            *slash = '\0';
            const char *path = strchr(rest, '/');
            same_hit(mm_intel_match_url(a, host, path, &ha), &ha,
                     mm_intel_match_url(b, host, path, &hb), &hb);
        }
    }
    free(copy);
}

static void same_report(const struct mm_intel_file_report *a, const struct mm_intel_file_report *b)
{
    assert_string_equal(a->path, b->path);
    assert_string_equal(a->format, b->format);
    assert_int_equal(a->loaded, b->loaded);
    assert_int_equal(a->malformed, b->malformed);
    assert_int_equal(a->first_bad_line, b->first_bad_line);
    assert_string_equal(a->first_bad_reason, b->first_bad_reason);
}

static void test_pieces_same_as_whole(void **state)
{
    (void)state;
    static const char *const names[] = {"feed.txt", "emotet.txt", "feed-whitelist.txt"};
    for (int round = 0; round < 64; round++) {
        struct feed f = {0};
        enum shape shape = (enum shape)(round % S_N);
        char path[512];
        make_feed(&f, shape, 20 + rnd(400));
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[rnd(3)]);
        assert_int_equal(mm_file_write_atomic(path, f.text.data, f.text.len), 0);
        size_t piece = rnd(4) == 0 ? 16 + rnd(48) : 64 + rnd(4096);
        struct mm_intel_file_report ra, rb;
        struct mm_intel *a = load(path, piece, &ra), *b = load(path, 0, &rb);
        if (shape == S_NUL && strcmp(ra.format, "skipped") != 0) {
            /* the NUL byte lies after the first piece (the whole file is
             * one piece and skipped as binary): the text ends before its
             * line, like the whole text cut there */
            const char *t = f.text.data, *nul = memchr(t, '\0', f.text.len);
            assert_non_null(nul);
            size_t cut = (size_t)(nul - t);
            while (cut > 0 && t[cut - 1] != '\n')
                cut--;
            int nul_line = 1;
            for (size_t i = 0; i < cut; i++)
                nul_line += t[i] == '\n';
            mm_intel_free(b);
            assert_int_equal(mm_file_write_atomic(path, t, cut), 0);
            b = load(path, 0, &rb);
            assert_string_equal(rb.format, ra.format);
            assert_int_equal(ra.loaded, rb.loaded);
            assert_int_equal(ra.malformed, rb.malformed + 1);
            if (rb.first_bad_line == 0) {
                rb.first_bad_line = nul_line;
                snprintf(rb.first_bad_reason, sizeof rb.first_bad_reason,
                         "NUL byte: not text from here on");
            }
            rb.malformed++;
        } else if (shape == S_NUL) {
            assert_string_equal(rb.format, "skipped");
        }
        same_report(&ra, &rb);
        assert_int_equal(mm_intel_count(a), mm_intel_count(b));
        same_answers(a, b, &f);
        mm_intel_free(a);
        mm_intel_free(b);
        mm_buf_free(&f.text);
        mm_buf_free(&f.values);
    }
}

/* A file of one line far longer than a piece, and of white space only. */
static void test_long_line_and_blank(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/long.txt", tmpdir);
    for (int i = 0; i < 5000; i++)
        add(&text, "ab");
    add(&text, "\n192.0.2.1\n");
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    struct mm_intel_file_report ra, rb;
    struct mm_intel *a = load(path, 16, &ra), *b = load(path, 0, &rb);
    same_report(&ra, &rb);
    assert_int_equal(ra.loaded, 1);
    assert_int_equal(ra.first_bad_line, 1);
    mm_intel_free(a);
    mm_intel_free(b);
    mm_buf_reset(&text);
    for (int i = 0; i < 300; i++)
        add(&text, " \n\t");
    add(&text, "[\"not stix\"]");
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    a = load(path, 16, &ra);
    b = load(path, 0, &rb);
    same_report(&ra, &rb);
    assert_string_equal(ra.format, "skipped");
    mm_intel_free(a);
    mm_intel_free(b);
    mm_buf_free(&text);
}

/* A file of one line 100 KB long read in pieces of 64 bytes: the pieces'
 * block grows for the line but never beyond what the file needs (about
 * its size, as when it was read whole). */
static void test_long_line_block(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    char path[512];
    struct mm_intel *in = NULL;
    struct mm_intel_file_report *reps = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/one-line.txt", tmpdir);
    for (int i = 0; i < 100000; i++)
        add(&text, "a");
    add(&text, "\n192.0.2.7");
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    mm__intel_feed_piece(64);
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, path, &reps, &n), 0);
    mm__intel_feed_piece(0);
    assert_int_equal(n, 1);
    assert_int_equal(reps[0].loaded, 1);
    assert_int_equal(reps[0].first_bad_line, 1);
    assert_string_equal(reps[0].first_bad_reason, "value too long");
    assert_true(mm__intel_text_block(in)->cap <= text.len + 64 + 4096);
    free(reps);
    mm_intel_free(in);
    mm_buf_free(&text);
}

/* CSV lines of one width, each with its own family and reference: read in
 * pieces, a line's fields lie where the line before's lay, and the set
 * must not take them for the strings it kept from that line. */
static void test_csv_same_width(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/same-width.csv", tmpdir);
    add(&text, "type,value,family,reference\n");
    for (unsigned i = 0; i < 300; i++)
        addf(&text, "domain,h%03u.example,fam%02u,ref%02u\n", i, i % 97, i % 89);
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    for (size_t piece = 16; piece <= 96; piece += 8) {
        struct mm_intel_file_report ra, rb;
        struct mm_intel *a = load(path, piece, &ra), *b = load(path, 0, &rb);
        same_report(&ra, &rb);
        assert_int_equal(ra.loaded, 300);
        for (unsigned i = 0; i < 300; i++) {
            char name[64];
            struct mm_intel_hit ha, hb;
            snprintf(name, sizeof name, "h%03u.example", i);
            same_hit(mm_intel_match_domain(a, name, &ha), &ha, mm_intel_match_domain(b, name, &hb),
                     &hb);
        }
        mm_intel_free(a);
        mm_intel_free(b);
    }
    mm_buf_free(&text);
}

/* Lines of one width ending in "\r\n", read with every piece size from 16
 * to 160 bytes: pieces end before, between and after a line's "\r" and
 * "\n" and exactly at a line's end. The last line ends in a lone "\r"
 * without a newline. Every piece size gives the whole file's report and
 * answers. */
static void test_piece_edges(void **state)
{
    (void)state;
    struct feed f = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/edges.txt", tmpdir);
    for (unsigned i = 0; i < 120; i++) {
        char v[64];
        snprintf(v, sizeof v, i % 7 == 3 ? "bad%03u..example" : "198.51.100.%03u", 100 + i);
        addf(&f.text, "%s\r\n", v);
        addf(&f.values, "%s\n", v);
    }
    add(&f.text, "last.example\r");
    add(&f.values, "last.example\n");
    assert_int_equal(mm_file_write_atomic(path, f.text.data, f.text.len), 0);
    struct mm_intel_file_report rb;
    struct mm_intel *b = load(path, 0, &rb);
    assert_int_equal(rb.loaded, 120 - 17 + 1);
    assert_int_equal(rb.first_bad_line, 4);
    for (size_t piece = 16; piece <= 160; piece++) {
        struct mm_intel_file_report ra;
        struct mm_intel *a = load(path, piece, &ra);
        same_report(&ra, &rb);
        same_answers(a, b, &f);
        mm_intel_free(a);
    }
    assert_true(mm_intel_match_domain(b, "last.example", NULL));
    mm_intel_free(b);
    mm_buf_free(&f.text);
    mm_buf_free(&f.values);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces_same_as_whole), cmocka_unit_test(test_long_line_and_blank),
        cmocka_unit_test(test_csv_same_width),       cmocka_unit_test(test_long_line_block),
        cmocka_unit_test(test_piece_edges),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
