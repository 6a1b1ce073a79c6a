/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the crash-safe spool: seq continues across reopen, a torn
 * tail (cut record, bad CRC, garbage) is cut on open and its seq reused
 * only if it was never intact, the reader returns records after the acked
 * seq until acked, acks persist, and a second writer is refused.
 * Records appended as formatted text (mm_spool_append_text, the sensor's
 * way for events without a JSON object) are byte for byte those
 * mm_spool_append makes of the same events (jansson's compact dump, with
 * "seq" last), across segments, and mm_spool_last_line is the JSON one's
 * line; an event jansson would dump broken is refused; and the EVE
 * writer's tap (output.h) hands the spool a line with its seq, writes it
 * to the EVE file with or without it, or not at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/eve.h"
#include "sensor/output/output.h"
#include "sensor/output/spool.h"
#include "../test-rand.h"
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

/* A closed spool of 80 big records in several 8 KiB segments (records
 * 1 to 80). */
static void write_80_in_segments(void)
{
    struct mm_spool *s;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    mm_spool_set_max_bytes(s, 65536); /* 8 KiB segments */
    for (int i = 1; i <= 80; i++)
        append_big(s, i);
    mm_spool_close(s);
}

/* The path of the newest segment: the largest name (20 digits each). */
static void newest_segment(char *path, size_t len)
{
    char name[256] = "";
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strlen(e->d_name) == 24 && strstr(e->d_name, ".seg") && strcmp(e->d_name, name) > 0)
            snprintf(name, sizeof name, "%s", e->d_name);
    closedir(d);
    snprintf(path, len, "%s/%s", dir, name);
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

/* Files may grow only `extra` bytes past path's size (a writev is cut
 * short there); *old for file_limit_restore. */
static void file_limit_past(const char *path, off_t extra, struct rlimit *old)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, old), 0);
    struct rlimit lim = *old;
    lim.rlim_cur = (rlim_t)(st.st_size + extra);
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
}

static void file_limit_restore(const struct rlimit *old)
{
    assert_int_equal(setrlimit(RLIMIT_FSIZE, old), 0);
    signal(SIGXFSZ, SIG_DFL);
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
    struct rlimit old;
    file_limit_past(seg, 10, &old);
    json_t *ev = json_pack("{s:s}", "event_type", "alert");
    assert_int_equal(mm_spool_append(s, ev), MM_EFBIG); /* the limit's own code (was MM_EIO) */
    assert_null(json_object_get(ev, "seq"));
    json_decref(ev);
    file_limit_restore(&old);
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

/* ---- records as formatted text (mm_spool_append_text) ---------------------------- */

/* Opens the spool in dir/sub. */
static struct mm_spool *open_sub(const char *sub)
{
    char path[512];
    struct mm_spool *s;
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, sub), 0);
    assert_int_equal(mm_spool_open(path, &s), 0);
    return s;
}

/* The segment files of dir/sub, names and contents, as one text. */
static char *sub_text(const char *sub, size_t *len)
{
    char path[512], file[1024];
    struct dirent **list;
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, sub), 0);
    int n = scandir(path, &list, NULL, alphasort);
    assert_true(n > 0);
    char *all = NULL;
    *len = 0;
    for (int i = 0; i < n; i++) {
        if (strstr(list[i]->d_name, ".seg")) {
            snprintf(file, sizeof file, "%s/%s", path, list[i]->d_name);
            FILE *f = fopen(file, "rb");
            assert_non_null(f);
            size_t name = strlen(list[i]->d_name);
            all = realloc(all, *len + name + MM_SPOOL_SEGMENT_MAX);
            assert_non_null(all);
            memcpy(all + *len, list[i]->d_name, name);
            *len += name;
            *len += fread(all + *len, 1, MM_SPOOL_SEGMENT_MAX, f);
            fclose(f);
        }
        free(list[i]);
    }
    free(list);
    return all;
}

/* An event's compact text with ,"seq":N put last (the line the sensor
 * forms); owned. */
static char *text_with_seq(const json_t *ev, uint64_t seq, size_t *len)
{
    char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(text);
    size_t n = strlen(text);
    char *out = malloc(n + 40);
    assert_non_null(out);
    memcpy(out, text, n - 1);
    *len = n - 1 + (size_t)sprintf(out + n - 1, ",\"seq\":%llu}", (unsigned long long)seq);
    free(text);
    return out;
}

/* A random event: Japanese, escapes, nested members, sizes up to ~3 KB. */
static json_t *random_event(uint64_t *rng)
{
    static const char *const texts[] = {"plain", "\xe6\x96\xb0\xe3\x81\x97\xe3\x81\x84",
                                        "q\"b\\c\n\x01", "\xf0\x9f\x98\x80", ""};
    json_t *ev = json_pack("{s:s, s:I}", "event_type", test_xorshift(rng) % 2 ? "alert" : "device",
                           "flow_id", (json_int_t)(test_xorshift(rng) >> 1));
    char key[16];
    for (uint64_t i = test_xorshift(rng) % 40; i > 0; i--) {
        snprintf(key, sizeof key, "k%llu", (unsigned long long)(test_xorshift(rng) % 60));
        const char *t = texts[test_xorshift(rng) % 5];
        uint64_t kind = test_xorshift(rng) % 4;
        json_object_set_new(ev, key,
                            kind == 0   ? json_pack("{s:[s,i,b,n]}", "x", t, 7, 1)
                            : kind == 1 ? json_real((double)test_xorshift(rng) / 7.0)
                                        : json_string(t));
    }
    return ev;
}

/* The same events appended as JSON and as text: the same segment files
 * (small segments, so several), the same seqs; then a restart of each
 * continues alike. */
static void test_append_text_same_records(void **state)
{
    (void)state;
    struct mm_spool *js = open_sub("json"), *tx = open_sub("text");
    mm_spool_set_max_bytes(js, 1 << 20);
    mm_spool_set_max_bytes(tx, 1 << 20);
    uint64_t rng = 11;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 600; i++) {
            json_t *ev = random_event(&rng);
            uint64_t seq = mm_spool_next_seq(tx);
            size_t len;
            char *text = text_with_seq(ev, seq, &len);
            assert_int_equal(mm_spool_append_text(tx, seq, text, len), 0);
            assert_int_equal(mm_spool_append(js, ev), 0);
            assert_int_equal(json_integer_value(json_object_get(ev, "seq")), seq);
            /* the JSON one's line: its text and '\n'; none for the text */
            size_t line_len;
            const char *line = mm_spool_last_line(js, &line_len);
            assert_non_null(line);
            assert_int_equal(line_len, len + 1);
            assert_memory_equal(line, text, len);
            assert_int_equal(line[len], '\n');
            assert_null(mm_spool_last_line(tx, &line_len));
            assert_int_equal(mm_spool_last_seq(tx), seq);
            free(text);
            json_decref(ev);
        }
        mm_spool_close(js);
        mm_spool_close(tx);
        js = open_sub("json");
        tx = open_sub("text");
    }
    mm_spool_close(js);
    mm_spool_close(tx);
    size_t na, nb;
    char *a = sub_text("json", &na), *b = sub_text("text", &nb);
    assert_true(na > 2 * 200000); /* several segments of 128 KiB */
    assert_int_equal(na, nb);
    assert_memory_equal(a, b, na);
    free(a);
    free(b);
}

/* Refused texts leave the number unused: another seq, an empty text, a
 * text past MM_EVE_LINE_MAX, a write cut short. */
static void test_append_text_refused(void **state)
{
    (void)state;
    struct mm_spool *s;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    assert_int_equal(mm_spool_next_seq(s), 1);
    assert_int_equal(mm_spool_append_text(s, 2, "{\"seq\":2}", 9), MM_EINVAL);
    assert_int_equal(mm_spool_append_text(s, 1, "", 0), MM_EINVAL);
    char *big = malloc(MM_EVE_LINE_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', MM_EVE_LINE_MAX + 1);
    assert_int_equal(mm_spool_append_text(s, 1, big, MM_EVE_LINE_MAX + 1), MM_ETOOBIG);
    free(big);
    assert_int_equal(mm_spool_append_text(s, 1, "{\"seq\":1}", 9), 0);
    char seg[512];
    segment(seg, sizeof(seg));
    struct rlimit old;
    file_limit_past(seg, 10, &old);
    assert_int_equal(mm_spool_append_text(s, 2, "{\"a\":\"0123456789\",\"seq\":2}", 27), MM_EFBIG);
    file_limit_restore(&old);
    assert_int_equal(mm_spool_next_seq(s), 2);
    assert_int_equal(mm_spool_append_text(s, 2, "{\"seq\":2}", 9), 0);
    /* an event whose key is not UTF-8 (jansson's dump would write a broken
     * text) is refused, no seq set, no line */
    json_t *ev = json_object();
    assert_int_equal(json_object_set_new_nocheck(ev, "k\xff", json_true()), 0);
    assert_int_equal(mm_spool_append(s, ev), MM_EINVAL);
    assert_null(json_object_get(ev, "seq"));
    size_t line_len;
    assert_null(mm_spool_last_line(s, &line_len));
    json_decref(ev);
    mm_spool_close(s);
    uint64_t seqs[4];
    size_t n;
    read_all(seqs, &n);
    assert_int_equal(n, 2);
    assert_int_equal(seqs[1], 2);
}

/* ---- the EVE writer's tap ---------------------------------------------------------- */

static int tap_to_spool(void *arg, const char *text, size_t len)
{
    struct mm_spool *s = arg;
    return mm_spool_append_text(s, mm_spool_next_seq(s), text, len);
}

static int tap_fails(void *arg, const char *text, size_t len)
{
    (void)arg;
    (void)text;
    (void)len;
    return MM_EIO;
}

/* One line of raw pieces with a tap of ,"seq":N (N the spool's next). */
static int tapped(struct mm_eve_out *o, struct mm_eve_out_tap *t, struct mm_spool *s,
                  const char *piece, const char *bad_string)
{
    static char tail[32];
    t->tail_len = (size_t)snprintf(tail, sizeof tail, ",\"seq\":%llu",
                                   (unsigned long long)mm_spool_next_seq(s));
    t->tail = tail;
    mm_eve_out_set_tap(o, t);
    mm_eve_out_line_begin(o);
    mm_eve_out_raw(o, piece, strlen(piece));
    if (bad_string)
        mm_eve_out_string(o, bad_string, strlen(bad_string));
    return mm_eve_out_line_end(o);
}

static void test_eve_tap(void **state)
{
    (void)state;
    char eve[512], sp[512];
    struct mm_eve_out *o;
    struct mm_spool *s;
    assert_int_equal(test_tmpdir_join(eve, sizeof eve, dir, "eve.json"), 0);
    assert_int_equal(test_tmpdir_join(sp, sizeof sp, dir, "sp"), 0);
    assert_int_equal(mm_eve_out_open(eve, 0, 1, &o), 0);
    assert_int_equal(mm_spool_open(sp, &s), 0);
    struct mm_eve_out_tap t = {.fn = tap_to_spool, .arg = s, .write = true};
    /* kept by both, with the seq */
    assert_int_equal(tapped(o, &t, s, "{\"a\":1}", NULL), 0);
    assert_true(t.tapped && t.result == 0);
    /* the spool only */
    t.write = false;
    assert_int_equal(tapped(o, &t, s, "{\"b\":2}", NULL), 0);
    assert_true(t.tapped && t.result == 0);
    /* the spool refuses: the EVE line without the seq */
    struct mm_eve_out_tap f = {.fn = tap_fails, .write = true};
    assert_int_equal(tapped(o, &f, s, "{\"c\":3}", NULL), 0);
    assert_true(f.tapped && f.result == MM_EIO);
    /* lines that cannot be formed reach neither */
    t.write = true;
    assert_int_equal(tapped(o, &t, s, "[4]", NULL), MM_EINVAL);
    assert_false(t.tapped);
    assert_int_equal(tapped(o, &t, s, "{\"d\":", "\xff}"), MM_EINVAL);
    assert_false(t.tapped);
    /* another call ends the tap unused; the next line is plain */
    mm_eve_out_set_tap(o, &t);
    json_t *ev = json_pack("{s:i}", "e", 5);
    assert_int_equal(mm_eve_out_write(o, ev), 0);
    json_decref(ev);
    mm_eve_out_line_begin(o);
    mm_eve_out_raw(o, "{\"f\":6}", 7);
    assert_int_equal(mm_eve_out_line_end(o), 0);
    assert_false(t.tapped);
    /* the spool's limit: the EVE line without the seq */
    char *big = malloc(MM_EVE_LINE_MAX + 16);
    assert_non_null(big);
    memset(big, 'x', MM_EVE_LINE_MAX + 8);
    memcpy(big, "{\"g\":\"", 6);
    strcpy(big + MM_EVE_LINE_MAX, "\"}");
    assert_int_equal(tapped(o, &t, s, big, NULL), 0);
    assert_true(t.tapped && t.result == MM_ETOOBIG);
    free(big);
    assert_int_equal(tapped(o, &t, s, "{\"h\":8}", NULL), 0);
    assert_int_equal(mm_eve_out_close(o), 0);
    mm_spool_close(s);
    /* the EVE file */
    FILE *fp = fopen(eve, "r");
    assert_non_null(fp);
    char *line = NULL;
    size_t cap = 0;
    static const char *const want[] = {
        "{\"a\":1,\"seq\":1}\n", "{\"c\":3}\n", "{\"e\":5}\n",
        "{\"f\":6}\n",           NULL,          "{\"h\":8,\"seq\":3}\n"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_true(getline(&line, &cap, fp) > 0);
        if (want[i])
            assert_string_equal(line, want[i]);
        else
            assert_int_equal(strlen(line), MM_EVE_LINE_MAX + 3);
    }
    assert_int_equal(getline(&line, &cap, fp), -1);
    free(line);
    fclose(fp);
    /* the spool */
    struct mm_spool_reader *r;
    struct mm_spool_batch b;
    assert_int_equal(mm_spool_reader_open(sp, &r), 0);
    assert_int_equal(mm_spool_reader_next(r, 100, 1 << 20, &b), 0);
    assert_int_equal(b.count, 3);
    assert_string_equal(b.records[0].json, "{\"a\":1,\"seq\":1}");
    assert_string_equal(b.records[1].json, "{\"b\":2,\"seq\":2}");
    assert_string_equal(b.records[2].json, "{\"h\":8,\"seq\":3}");
    mm_spool_batch_free(&b);
    mm_spool_reader_close(r);
}

/* Runs child(arg) in a forked process; its exit status (77: skip, with
 * what on standard output). */
static int in_child(int (*child)(const char *), const char *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child(arg));
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    return WEXITSTATUS(st);
}

/* The child of test_unreadable_segments: as another user than root (whom
 * a mode-0 file does not refuse), the reader fails on the older segment
 * with "not permitted" and names it, and the writer cannot open the spool
 * for the newest, "not permitted" too (both were MM_EIO). 0, 77 when the
 * user cannot be changed or dir is out of its reach, else the failed
 * check. */
static int unreadable_child(const char *older)
{
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
        return 77;
    if (access(dir, R_OK | W_OK | X_OK) != 0)
        return 77;
    struct mm_spool_reader *r;
    struct mm_spool_batch b;
    struct mm_spool *s;
    if (mm_spool_reader_open(dir, &r) != 0)
        return 1;
    if (mm_spool_reader_next(r, 100, 1 << 20, &b) != MM_EPERM || b.count != 0)
        return 2;
    if (strcmp(mm_spool_reader_failed(r), older) != 0)
        return 3;
    mm_spool_reader_close(r);
    if (mm_spool_open(dir, &s) != MM_EPERM)
        return 4;
    return 0;
}

/* Segment files that cannot be read are told by the system's reason and
 * path, and nothing is skipped for them: once readable, every record is
 * read. */
static void test_unreadable_segments(void **state)
{
    (void)state;
    write_80_in_segments();
    char older[600], newest[600], lock[600];
    snprintf(older, sizeof older, "%s/%020d.seg", dir, 1);
    int nsegs;
    spool_bytes(&nsegs);
    assert_true(nsegs >= 2);
    newest_segment(newest, sizeof newest);
    assert_string_not_equal(newest, older);
    snprintf(lock, sizeof lock, "%s/lock", dir);
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(chmod(lock, 0666), 0);
    assert_int_equal(chmod(older, 0), 0);
    assert_int_equal(chmod(newest, 0), 0);
    int st = in_child(unreadable_child, older);
    if (st == 77)
        printf("SKIP part: cannot run as another user than root, or %s is out of its reach: "
               "unreadable segments not tested\n",
               dir);
    else
        assert_int_equal(st, 0);
    assert_int_equal(chmod(older, 0640), 0);
    assert_int_equal(chmod(newest, 0640), 0);
    uint64_t seqs[100];
    size_t n;
    read_all(seqs, &n);
    assert_int_equal(n, 80);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seqs[i], i + 1);
}

/* Puts a folder (holding one file, so it is larger than a record header on
 * any file system) where the segment file path is, keeping the file as
 * path.kept; false when the folder is too small to be read past a header
 * (the read would then not be tried). */
static bool folder_for_segment(const char *path)
{
    char kept[700], inner[700];
    snprintf(kept, sizeof kept, "%s.kept", path);
    snprintf(inner, sizeof inner, "%s/x", path);
    assert_int_equal(rename(path, kept), 0);
    assert_int_equal(mkdir(path, 0750), 0);
    FILE *f = fopen(inner, "w");
    assert_non_null(f);
    assert_int_equal(fclose(f), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size >= 8 + 16;
}

/* Undoes folder_for_segment. */
static void segment_back(const char *path)
{
    char kept[700], inner[700];
    snprintf(kept, sizeof kept, "%s.kept", path);
    snprintf(inner, sizeof inner, "%s/x", path);
    assert_int_equal(unlink(inner), 0);
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(rename(kept, path), 0);
}

/* A segment whose read fails (pread of a folder where the segment file is:
 * EISDIR, a real failing read) is an error, not corruption: the reader
 * fails with the reason and names the file, skips nothing and counts
 * nothing lost (before, the older segment was skipped as corrupt and its
 * records counted in spool_dropped); the writer refuses to open, leaving
 * the newest segment as it is. Once the files read again, every record is
 * read. The writer half does not reach the writer's read path: it opens
 * segments O_RDWR, and open() of a folder fails there (EISDIR), which is
 * not a read failure, so no file is named (sensor.spool_open). The
 * writer's failing read is covered by the root-only sensor-spool-read-error
 * (tests/sensor/disk_test.py, EIO from a loop device). */
static void test_read_error_not_corrupt(void **state)
{
    (void)state;
    write_80_in_segments();
    char older[600], failed[700];
    snprintf(older, sizeof older, "%s/%020d.seg", dir, 1);
    if (!folder_for_segment(older)) {
        printf("SKIP part: a folder here is smaller than a record header: a failing read not "
               "tested\n");
        segment_back(older);
        return;
    }
    struct mm_spool_reader *r;
    struct mm_spool_batch b;
    assert_int_equal(mm_spool_reader_open(dir, &r), 0);
    assert_int_equal(mm_spool_reader_next(r, 1000, 1 << 22, &b), MM_EISDIR);
    assert_int_equal(b.count, 0);
    assert_string_equal(mm_spool_reader_failed(r), older);
    assert_int_equal(mm_spool_reader_corrupt(r), 0);
    mm_spool_reader_close(r);
    segment_back(older);
    /* the writer: the newest segment, which it reads to find its end */
    char newest[600];
    uint64_t seqs[100];
    size_t n;
    struct mm_spool *s;
    newest_segment(newest, sizeof newest);
    assert_true(folder_for_segment(newest));
    assert_int_equal(mm_spool_open_noted(dir, &s, failed, sizeof failed), MM_EISDIR);
    assert_null(s);
    assert_string_equal(failed, ""); /* open() failed: not a read failure */
    segment_back(newest);
    read_all(seqs, &n);
    assert_int_equal(n, 80);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(seqs[i], i + 1);
}

/* Overwrites the first bytes of segment path with text. */
static void overwrite_start(const char *path, const char *text)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static long file_length(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (long)st.st_size;
}

/* A newest segment longer than its header whose header bytes are wrong is
 * not a spool's (or its first page is damaged): the writer refuses to open
 * (MM_EPARSE), names the file and leaves it byte for byte (before, it was
 * cut to zero and given a new header, its records lost). A segment no
 * longer than the header (created, the header never made it) still gets its
 * header rewritten. */
static void test_bad_header_not_cut(void **state)
{
    (void)state;
    struct mm_spool *s;
    char seg[600], failed[700];
    assert_int_equal(mm_spool_open(dir, &s), 0);
    for (int i = 1; i <= 5; i++)
        append(s, i, (uint64_t)i);
    mm_spool_close(s);
    segment(seg, sizeof seg);
    long size = file_length(seg);
    overwrite_start(seg, "XXSPOOL1");
    assert_int_equal(mm_spool_open_noted(dir, &s, failed, sizeof failed), MM_EPARSE);
    assert_null(s);
    assert_string_equal(failed, seg);
    assert_int_equal(file_length(seg), size);
    overwrite_start(seg, "MMSPOOL1"); /* the header back: every record is there */
    uint64_t seqs[10];
    size_t n;
    read_all(seqs, &n);
    assert_int_equal(n, 5);
    /* only a header's length, wrong: rewritten */
    assert_int_equal(truncate(seg, 8), 0);
    overwrite_start(seg, "MMSPOO\n\n");
    assert_int_equal(mm_spool_open_noted(dir, &s, failed, sizeof failed), 0);
    mm_spool_close(s);
    char head[9] = "";
    FILE *f = fopen(seg, "rb");
    assert_non_null(f);
    assert_int_equal(fread(head, 1, 8, f), 8);
    assert_int_equal(fclose(f), 0);
    assert_string_equal(head, "MMSPOOL1");
}

/* The child of test_full_disk: in a mount namespace of its own, a spool on
 * a tmpfs of 32 KiB is filled; once a record does not fit, the next append
 * says the disk is full (MM_ENOSPC, was MM_EIO; the first failure may be a
 * short write, which names no reason), the records before it stay and the
 * numbering goes on after them. 0, 77 when there is no such namespace,
 * else the failed check. */
static int full_disk_child(const char *sub)
{
    if (mkdir(sub, 0700) != 0 || unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", sub, "tmpfs", 0, "size=32k") != 0)
        return 77;
    struct mm_spool *s;
    if (mm_spool_open(sub, &s) != 0)
        return 1;
    mm_spool_set_max_bytes(s, 1 << 20);
    char pad[200];
    memset(pad, 'x', sizeof pad - 1);
    pad[sizeof pad - 1] = '\0';
    int r = 0, i;
    for (i = 1; i < 1000 && r == 0; i++) {
        json_t *ev = json_pack("{s:s, s:i, s:s}", "event_type", "alert", "n", i, "pad", pad);
        r = mm_spool_append(s, ev);
        json_decref(ev);
    }
    if (r == 0)
        return 2;
    uint64_t last = mm_spool_last_seq(s);
    json_t *ev = json_pack("{s:s, s:i, s:s}", "event_type", "alert", "n", i, "pad", pad);
    r = mm_spool_append(s, ev);
    json_decref(ev);
    if (r != MM_ENOSPC) {
        fprintf(stderr, "second failure: %s\n", mm_errname(r));
        return 3;
    }
    if (mm_spool_last_seq(s) != last || last < 10)
        return 4;
    mm_spool_close(s);
    return 0;
}

static void test_full_disk(void **state)
{
    (void)state;
    char sub[600];
    snprintf(sub, sizeof sub, "%s/full", dir);
    int st = in_child(full_disk_child, sub);
    if (st == 77)
        printf("SKIP part: no mount namespace with tmpfs here (not root?): a spool on a full "
               "disk not tested\n");
    else
        assert_int_equal(st, 0);
}

/* Writes len bytes of text to dir/name (a file the test puts there). */
static void put_file(const char *name, const char *text, size_t len)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Files in the spool folder whose names only look like segments (a number
 * the writer never gives, a sign, a space) are left alone: numbering goes
 * on after the real records, which are read once each (before, a stray
 * 99999999999999999999.seg, read by strtoull, sent numbering to the end of
 * uint64_t, and 00000000000000000000.seg made its first seq - 1 wrap). */
static void test_stray_segment_names(void **state)
{
    (void)state;
    static const char *const strays[] = {
        "00000000000000000000.seg", /* seq 0: never given */
        "99999999999999999999.seg", /* past INT64_MAX (strtoull: UINT64_MAX) */
        "09223372036854775808.seg", /* INT64_MAX + 1 */
        "+0000000000000000009.seg",  " 0000000000000000009.seg", "segment- 5", "+5",
        "00000000000000000009.seg~", "0000000000000000009.seg",
    };
    struct mm_spool *s;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    for (int i = 1; i <= 3; i++)
        append(s, i, (uint64_t)i);
    mm_spool_close(s);
    for (size_t i = 0; i < sizeof strays / sizeof strays[0]; i++)
        put_file(strays[i], "MMSPOOL1", 8);
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
    /* the strays are still there, untouched */
    for (size_t i = 0; i < sizeof strays / sizeof strays[0]; i++) {
        char path[600];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, strays[i]);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, 8);
    }
}

/* The newest segment set aside by hand (renamed NAME.seg.unreadable, as the
 * message for one that cannot be read says): the spool opens, new events
 * are numbered after the highest seq that file can hold (the centre may
 * hold some of its events and drops a repeated seq) in a segment of their
 * own, the older segments and the set-aside file stay as they were, and
 * a reader hands out the older records, then the new ones. */
/* Writes 80 records in segments and sets the newest aside as the message
 * says (NAME.seg.unreadable): its paths before and after, its first seq,
 * and the highest seq it can hold (first + size / 16). */
static void set_aside_newest(char *newest, size_t newest_len, char *aside, size_t aside_len,
                             uint64_t *first, uint64_t *bound)
{
    write_80_in_segments();
    newest_segment(newest, newest_len);
    struct stat st;
    assert_int_equal(stat(newest, &st), 0);
    *first = strtoull(strrchr(newest, '/') + 1, NULL, 10);
    *bound = *first + (uint64_t)st.st_size / 16;
    assert_true(*bound > 80);
    snprintf(aside, aside_len, "%s.unreadable", newest);
    assert_int_equal(rename(newest, aside), 0);
}

static void test_set_aside_segment(void **state)
{
    (void)state;
    char newest[600], aside[700];
    uint64_t first, bound;
    set_aside_newest(newest, sizeof newest, aside, sizeof aside, &first, &bound);
    struct stat st;
    struct mm_spool *s;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    assert_int_equal(mm_spool_last_seq(s), bound);
    append(s, 1, bound + 1);
    append(s, 2, bound + 2);
    mm_spool_close(s);
    char after[600];
    newest_segment(after, sizeof after);
    assert_int_equal(strtoull(strrchr(after, '/') + 1, NULL, 10), bound + 1);
    assert_int_equal(stat(aside, &st), 0);
    /* opened again: numbering goes on after the new records */
    assert_int_equal(mm_spool_open(dir, &s), 0);
    assert_int_equal(mm_spool_last_seq(s), bound + 2);
    mm_spool_close(s);
    uint64_t seqs[128];
    size_t n;
    read_all(seqs, &n);
    assert_true(n >= 3);
    assert_int_equal(seqs[0], 1);
    assert_true(seqs[n - 3] < first);
    assert_int_equal(seqs[n - 2], bound + 1);
    assert_int_equal(seqs[n - 1], bound + 2);
}

/* The documented way back for a set-aside segment: once the disk reads it
 * again, the sensor stopped, the file is given its name back. The records
 * in it come to the reader in order, before the new ones numbered after
 * it, and the writer numbers on after the newest segment. */
static void test_set_aside_segment_put_back(void **state)
{
    (void)state;
    char newest[600], aside[700];
    uint64_t first, bound;
    set_aside_newest(newest, sizeof newest, aside, sizeof aside, &first, &bound);
    struct mm_spool *s;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    append(s, 1, bound + 1);
    mm_spool_close(s);
    assert_int_equal(rename(aside, newest), 0); /* put back */
    uint64_t seqs[128];
    size_t n;
    read_all(seqs, &n);
    assert_int_equal(n, 81);
    for (size_t i = 0; i < 80; i++)
        assert_int_equal(seqs[i], i + 1);
    assert_int_equal(seqs[80], bound + 1);
    assert_int_equal(mm_spool_open(dir, &s), 0);
    assert_int_equal(mm_spool_last_seq(s), bound + 1);
    append(s, 2, bound + 2);
    mm_spool_close(s);
}

/* An acked file holding anything but the number the reader writes ("N\n")
 * is refused by the writer and the reader alike, with nothing changed (no
 * guess: "-1" read by strtoull skipped every event and wrapped the
 * numbering, "+2" or "2x" were taken as 2, nothing as 0); once it holds a
 * number again, the records after it come, none twice. */
static void test_acked_strict(void **state)
{
    (void)state;
    static const char *const damaged[] = {
        "-1\n", "+2\n", " 2\n", "2x\n",  "2\n\n",
        "",     "\n",   "2 \n", "0x2\n", "99999999999999999999\n"};
    struct mm_spool *s;
    struct mm_spool_reader *r;
    assert_int_equal(mm_spool_open(dir, &s), 0);
    for (int i = 1; i <= 4; i++)
        append(s, i, (uint64_t)i);
    mm_spool_close(s);
    char seg[600];
    segment(seg, sizeof seg);
    struct stat before, after;
    assert_int_equal(stat(seg, &before), 0);
    for (size_t i = 0; i < sizeof damaged / sizeof damaged[0]; i++) {
        put_file("acked", damaged[i], strlen(damaged[i]));
        if (mm_spool_open(dir, &s) != MM_EPARSE)
            fail_msg("acked \"%s\" taken by the writer", damaged[i]);
        r = NULL;
        if (mm_spool_reader_open(dir, &r) != MM_EPARSE)
            fail_msg("acked \"%s\" taken by the reader", damaged[i]);
        assert_null(r);
    }
    put_file("acked",
             "2\0"
             "5",
             3); /* a NUL inside */
    assert_int_equal(mm_spool_open(dir, &s), MM_EPARSE);
    assert_int_equal(stat(seg, &after), 0);
    assert_int_equal(after.st_size, before.st_size);
    /* the number as written, with or without its newline, leading zeros too */
    static const char *const good[] = {"2\n", "2", "0002\n"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        put_file("acked", good[i], strlen(good[i]));
        uint64_t seqs[16];
        size_t n;
        read_all(seqs, &n);
        assert_int_equal(n, 2);
        assert_int_equal(seqs[0], 3);
        assert_int_equal(seqs[1], 4);
    }
    assert_int_equal(mm_spool_open(dir, &s), 0);
    append(s, 5, 5);
    mm_spool_close(s);
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
        cmocka_unit_test_setup_teardown(test_append_text_same_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_text_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_eve_tap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_error_not_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_header_not_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stray_segment_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_acked_strict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_aside_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_set_aside_segment_put_back, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
