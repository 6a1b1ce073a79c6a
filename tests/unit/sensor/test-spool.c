/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the crash-safe spool: seq continues across reopen, a torn
 * tail (cut record, bad CRC, garbage) is cut on open and its seq reused
 * only if it was never intact, the reader returns records after the acked
 * seq until acked, acks persist, and a second writer is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "sensor/output/spool.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/mm-test-spool-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void append(struct mm_spool *s, int n, uint64_t want_seq)
{
    json_t *ev = json_pack("{s:s, s:i}", "event_type", "alert", "n", n);
    assert_int_equal(mm_spool_append(s, ev), 0);
    assert_int_equal(json_integer_value(json_object_get(ev, "seq")), want_seq);
    json_decref(ev);
}

/* The single segment file's path (tests write less than one segment). */
static void segment(char *out, size_t len)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    out[0] = '\0';
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".seg"))
            snprintf(out, len, "%s/%s", dir, e->d_name);
    closedir(d);
    assert_true(out[0] != '\0');
}

static void read_all(uint64_t *seqs, size_t *n)
{
    struct mm_spool_reader *r;
    struct mm_spool_batch b;
    assert_int_equal(mm_spool_reader_open(dir, &r), 0);
    assert_int_equal(mm_spool_reader_next(r, 1000, 1 << 20, &b), 0);
    *n = b.count;
    for (size_t i = 0; i < b.count; i++) {
        seqs[i] = b.records[i].seq;
        json_t *ev = json_loads(b.records[i].json, 0, NULL);
        assert_non_null(ev);
        assert_int_equal(json_integer_value(json_object_get(ev, "seq")), b.records[i].seq);
        json_decref(ev);
    }
    mm_spool_batch_free(&b);
    mm_spool_reader_close(r);
}

static void test_seq_survives_reopen(void **state)
{
    (void)state;
    struct mm_spool *s;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    append(s, 1, 1);
    append(s, 2, 2);
    append(s, 3, 3);
    struct mm_spool *second;
    assert_int_equal(mm_spool_open(dir, &second), MM_EEXIST);
    mm_spool_close(s);
    assert_int_equal(mm_spool_open(dir, &s), 0);
    assert_int_equal(mm_spool_last_seq(s), 3);
    append(s, 4, 4);
    mm_spool_close(s);
    uint64_t seqs[16];
    size_t n;
    read_all(seqs, &n);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seqs[i], i + 1);
}

/* Damage the end of the segment in three ways; each time the intact
 * records stay and numbering continues after them. */
static void test_torn_tail(void **state)
{
    (void)state;
    struct mm_spool *s;
    char seg[512];
    assert_int_equal(mm_spool_open(dir, &s), 0);
    append(s, 1, 1);
    append(s, 2, 2);
    append(s, 3, 3);
    mm_spool_close(s);
    segment(seg, sizeof(seg));
    struct stat st;
    assert_int_equal(stat(seg, &st), 0);
    assert_int_equal(truncate(seg, st.st_size - 5), 0); /* cut record 3 */
    assert_int_equal(mm_spool_open(dir, &s), 0);
    assert_true(mm_spool_recovered_bytes(s) > 0);
    assert_int_equal(mm_spool_last_seq(s), 2);
    append(s, 30, 3);
    mm_spool_close(s);
    /* flip a byte of the last record's JSON: CRC mismatch */
    assert_int_equal(stat(seg, &st), 0);
    int fd = open(seg, O_RDWR);
    assert_true(fd >= 0);
    char c;
    assert_int_equal(pread(fd, &c, 1, st.st_size - 2), 1);
    c ^= 0x20;
    assert_int_equal(pwrite(fd, &c, 1, st.st_size - 2), 1);
    /* and append garbage */
    assert_int_equal(pwrite(fd, "garbage!", 8, st.st_size), 8);
    close(fd);
    assert_int_equal(mm_spool_open(dir, &s), 0);
    assert_int_equal(mm_spool_last_seq(s), 2);
    append(s, 31, 3);
    mm_spool_close(s);
    uint64_t seqs[16];
    size_t n;
    read_all(seqs, &n);
    assert_int_equal(n, 3);
    assert_int_equal(seqs[2], 3);
}

static void test_reader_ack(void **state)
{
    (void)state;
    struct mm_spool *s;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    for (int i = 1; i <= 5; i++)
        append(s, i, (uint64_t)i);
    struct mm_spool_reader *r;
    struct mm_spool_batch b;
    assert_int_equal(mm_spool_reader_open(dir, &r), 0);
    assert_int_equal(mm_spool_reader_next(r, 2, 1 << 20, &b), 0);
    assert_int_equal(b.count, 2);
    assert_int_equal(b.records[1].seq, 2);
    mm_spool_batch_free(&b);
    /* not acked: the same records again */
    assert_int_equal(mm_spool_reader_next(r, 2, 1 << 20, &b), 0);
    assert_int_equal(b.records[0].seq, 1);
    mm_spool_batch_free(&b);
    assert_int_equal(mm_spool_reader_ack(r, 2), 0);
    assert_int_equal(mm_spool_reader_next(r, 10, 1 << 20, &b), 0);
    assert_int_equal(b.count, 3);
    assert_int_equal(b.records[0].seq, 3);
    mm_spool_batch_free(&b);
    mm_spool_reader_close(r);
    /* the ack persists; new records follow */
    append(s, 6, 6);
    assert_int_equal(mm_spool_reader_open(dir, &r), 0);
    assert_int_equal(mm_spool_reader_acked(r), 2);
    assert_int_equal(mm_spool_reader_ack(r, 6), 0);
    assert_int_equal(mm_spool_reader_next(r, 10, 1 << 20, &b), 0);
    assert_int_equal(b.count, 0);
    mm_spool_batch_free(&b);
    mm_spool_reader_close(r);
    mm_spool_close(s);
    /* everything acked and the segments gone: numbering still continues */
    assert_int_equal(mm_spool_open(dir, &s), 0);
    assert_int_equal(mm_spool_last_seq(s), 6);
    mm_spool_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seq_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_ack, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
