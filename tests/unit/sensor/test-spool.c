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
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "sensor/output/spool.h"
#include "../test-tmpdir.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    return test_tmpdir_make(dir, sizeof dir, "spool");
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
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
    assert_int_equal(mm_spool_sync(s), 0); /* readers see only synced records */
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
    assert_int_equal(mm_spool_sync(s), 0);
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

static void append_big(struct mm_spool *s, int n)
{
    char pad[200];
    memset(pad, 'x', sizeof(pad) - 1);
    pad[sizeof(pad) - 1] = '\0';
    json_t *ev = json_pack("{s:s, s:i, s:s}", "event_type", "alert", "n", n, "pad", pad);
    assert_int_equal(mm_spool_append(s, ev), 0);
    json_decref(ev);
}

/* Total size of the segment files and their count. */
static uint64_t spool_bytes(int *nsegs)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    uint64_t total = 0;
    *nsegs = 0;
    while ((e = readdir(d)) != NULL) {
        if (!strstr(e->d_name, ".seg"))
            continue;
        char path[600];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        assert_int_equal(stat(path, &st), 0);
        total += (uint64_t)st.st_size;
        (*nsegs)++;
    }
    closedir(d);
    return total;
}

/* A writev cut short (file size limit) on a reopened segment: the partial
 * record is cut and the next one follows it directly, with no hole. */
static void test_short_write_leaves_no_hole(void **state)
{
    (void)state;
    struct mm_spool *s;
    char seg[512];
    assert_int_equal(mm_spool_open(dir, &s), 0);
    append(s, 1, 1);
    append(s, 2, 2);
    mm_spool_close(s);
    assert_int_equal(mm_spool_open(dir, &s), 0); /* the recovered segment's fd */
    segment(seg, sizeof(seg));
    struct stat st;
    assert_int_equal(stat(seg, &st), 0);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)st.st_size + 10;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    json_t *ev = json_pack("{s:s}", "event_type", "alert");
    assert_int_equal(mm_spool_append(s, ev), MM_EIO);
    assert_null(json_object_get(ev, "seq"));
    json_decref(ev);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    append(s, 3, 3);
    append(s, 4, 4);
    mm_spool_close(s);
    uint64_t seqs[16];
    size_t n;
    read_all(seqs, &n);
    assert_int_equal(n, 4);
    assert_int_equal(seqs[3], 4);
    /* and a restart keeps all four */
    assert_int_equal(mm_spool_open(dir, &s), 0);
    assert_int_equal(mm_spool_recovered_bytes(s), 0);
    assert_int_equal(mm_spool_last_seq(s), 4);
    mm_spool_close(s);
}

/* Written but not synced records stay in the spool until synced. */
static void test_reader_waits_for_sync(void **state)
{
    (void)state;
    struct mm_spool *s;
    struct mm_spool_reader *r;
    struct mm_spool_batch b;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    append(s, 1, 1);
    append(s, 2, 2);
    assert_int_equal(mm_spool_sync(s), 0);
    append(s, 3, 3);
    assert_int_equal(mm_spool_synced_seq(s), 2);
    assert_int_equal(mm_spool_reader_open(dir, &r), 0);
    assert_int_equal(mm_spool_reader_next(r, 100, 1 << 20, &b), 0);
    assert_int_equal(b.count, 2);
    for (size_t i = 0; i < b.count; i++)
        assert_true(b.records[i].seq <= mm_spool_synced_seq(s));
    mm_spool_batch_free(&b);
    assert_int_equal(mm_spool_sync(s), 0);
    assert_int_equal(mm_spool_reader_next(r, 100, 1 << 20, &b), 0);
    assert_int_equal(b.count, 3);
    mm_spool_batch_free(&b);
    /* unsynced again, across a segment change: never past the synced seq */
    mm_spool_set_max_bytes(s, 32768);
    for (int i = 4; i <= 60; i++)
        append_big(s, i);
    assert_int_equal(mm_spool_reader_next(r, 1000, 1 << 20, &b), 0);
    assert_true(b.count >= 3);
    assert_true(b.records[b.count - 1].seq <= mm_spool_synced_seq(s));
    assert_true(mm_spool_synced_seq(s) < 60);
    mm_spool_batch_free(&b);
    mm_spool_close(s); /* syncs: everything may go */
    assert_int_equal(mm_spool_reader_next(r, 1000, 1 << 20, &b), 0);
    assert_int_equal(b.count, 60);
    mm_spool_batch_free(&b);
    mm_spool_reader_close(r);
}

/* Several segments; a byte flipped in the first: its later records are
 * skipped (logged, counted once), delivery goes on with the next segment. */
static void test_corrupt_older_segment_skipped(void **state)
{
    (void)state;
    struct mm_spool *s;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    mm_spool_set_max_bytes(s, 1 << 20); /* 128 KiB segments */
    mm_spool_close(s);
    assert_int_equal(mm_spool_open(dir, &s), 0);
    mm_spool_set_max_bytes(s, 65536); /* 8 KiB segments */
    for (int i = 1; i <= 100; i++)
        append_big(s, i);
    assert_int_equal(mm_spool_sync(s), 0);
    char first[600];
    snprintf(first, sizeof(first), "%s/%020d.seg", dir, 1);
    int fd = open(first, O_RDWR);
    assert_true(fd >= 0);
    char c;
    off_t at = 8 + 3 * 260; /* inside about the 4th record */
    assert_int_equal(pread(fd, &c, 1, at), 1);
    c ^= 0x01;
    assert_int_equal(pwrite(fd, &c, 1, at), 1);
    close(fd);
    struct mm_spool_reader *r;
    struct mm_spool_batch b;
    assert_int_equal(mm_spool_reader_open(dir, &r), 0);
    assert_int_equal(mm_spool_reader_next(r, 1000, 1 << 22, &b), 0);
    assert_true(b.count > 50);
    assert_int_equal(b.records[b.count - 1].seq, 100);
    uint64_t lost = 100 - b.count;
    assert_true(lost > 0);
    assert_int_equal(mm_spool_reader_corrupt(r), lost);
    mm_spool_batch_free(&b);
    /* read again: counted once */
    assert_int_equal(mm_spool_reader_next(r, 1000, 1 << 22, &b), 0);
    mm_spool_batch_free(&b);
    assert_int_equal(mm_spool_reader_corrupt(r), lost);
    assert_int_equal(mm_spool_dropped(s), lost);
    assert_int_equal(mm_spool_reader_ack(r, 100), 0);
    mm_spool_reader_close(r);
    mm_spool_close(s);
}

/* max_bytes: the oldest segments go, counted as dropped; what stays is a
 * contiguous run ending at the newest record. */
static void test_max_bytes_drops_oldest(void **state)
{
    (void)state;
    struct mm_spool *s;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    mm_spool_set_max_bytes(s, 65536);
    for (int i = 1; i <= 1000; i++)
        append_big(s, i);
    int nsegs;
    uint64_t bytes = spool_bytes(&nsegs);
    assert_true(bytes <= 65536 + 8192 + 300);
    assert_true(nsegs >= 2);
    uint64_t dropped = mm_spool_dropped(s);
    assert_true(dropped > 0);
    mm_spool_close(s);
    uint64_t seqs[1000];
    size_t n;
    read_all(seqs, &n);
    assert_int_equal(n + dropped, 1000);
    assert_int_equal(seqs[0], dropped + 1);
    for (size_t i = 1; i < n; i++)
        assert_int_equal(seqs[i], seqs[i - 1] + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seq_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_write_leaves_no_hole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_waits_for_sync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_older_segment_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_max_bytes_drops_oldest, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
