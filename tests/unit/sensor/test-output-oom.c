/* SPDX-License-Identifier: Apache-2.0
 * The EVE writer (output-eve.c) when its batch cannot grow: realloc fails
 * (wrapped here, -Wl,--wrap=realloc) while `failing` is set. The whole
 * lines already in the batch then go to the file and the line being
 * written moves to the batch's front, so a line that fits in the batch's
 * room is written whichever way it comes: a reservation (flow records),
 * an already formed line (a flow record formed on the stack), a line built
 * piece by piece (typed events; also when the batch must grow in the
 * middle of the line, and through the spool's tap) and a JSON event. A
 * line too long even so is dropped whole (the caller counts it), the
 * lines before it stay, and the first such drop is logged, once; lines
 * that cannot be written when they are handed over to make room are
 * reported by the next flush. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "sensor/output/output.h"
#include "../test-tmpdir.h"

static bool failing;

void *__real_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_realloc(void *p, size_t n)
{
    return failing ? NULL : __real_realloc(p, n);
}

static char dir[128], path[200];

static int setup(void **state)
{
    return test_tmpdir_make_file(state, dir, sizeof dir, "eveoom", path, sizeof path, "eve.json");
}

static int fresh(void **state)
{
    (void)state;
    failing = false;
    unlink(path);
    return 0;
}

/* {"k":"ccc..."} and '\n': n bytes in all (n >= 10), in a buffer of n + 1. */
static char *line_of(size_t n, char c)
{
    char *b = malloc(n + 1);
    assert_non_null(b);
    memcpy(b, "{\"k\":\"", 6);
    memset(b + 6, c, n - 9);
    memcpy(b + n - 3, "\"}\n", 4);
    return b;
}

static struct mm_eve_out *open_out(void)
{
    struct mm_eve_out *o;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    return o;
}

/* The file after o is closed: exactly the lines given, in order. */
static void close_and_expect(struct mm_eve_out *o, const char *a, const char *b)
{
    failing = false;
    assert_int_equal(mm_eve_out_close(o), 0);
    char *text;
    size_t len;
    assert_int_equal(mm_file_read(path, 1 << 20, &text, &len), 0);
    size_t na = strlen(a), nb = b ? strlen(b) : 0;
    assert_int_equal(len, na + nb);
    assert_memory_equal(text, a, na);
    if (b)
        assert_memory_equal(text + na, b, nb);
    free(text);
}

/* A 3000-byte line fills most of the batch's first 4 KiB; the batch cannot
 * grow for the next. */
static struct mm_eve_out *batch_nearly_full(const char *first)
{
    struct mm_eve_out *o = open_out();
    assert_int_equal(mm_eve_out_write_line(o, first, strlen(first)), 0);
    failing = true;
    return o;
}

/* The flow record's way: room reserved in the batch, written in place. */
static void test_reservation(void **state)
{
    (void)state;
    char *a = line_of(3000, 'a'), *b = line_of(3000, 'b');
    struct mm_eve_out *o = batch_nearly_full(a);
    char *room = mm_eve_out_reserve(o, 3000);
    assert_non_null(room);
    memcpy(room, b, 3000);
    assert_int_equal(mm_eve_out_commit(o, 3000), 0);
    close_and_expect(o, a, b);
    free(a);
    free(b);
}

/* A line formed elsewhere (a flow record on the stack when the writer
 * lends no room). */
static void test_formed_line(void **state)
{
    (void)state;
    char *a = line_of(3000, 'a'), *b = line_of(3000, 'b');
    struct mm_eve_out *o = batch_nearly_full(a);
    assert_int_equal(mm_eve_out_write_line(o, b, 3000), 0);
    close_and_expect(o, a, b);
    free(a);
    free(b);
}

/* A typed event's line, piece by piece: the first pieces fit, the batch
 * must grow in the middle of the line; the line's bytes so far move to
 * the front with it. */
static void test_pieces_grow_mid_line(void **state)
{
    (void)state;
    char *a = line_of(2000, 'a');
    char text[1500];
    memset(text, 'x', sizeof text);
    text[700] = '"'; /* an escape: its own reservation, after the move */
    struct mm_eve_out *o = batch_nearly_full(a);
    mm_eve_out_line_begin(o);
    char head[1500];
    memset(head, 'h', sizeof head);
    memcpy(head, "{\"h\":\"", 6);
    head[sizeof head - 1] = '"';
    mm_eve_out_raw(o, head, sizeof head); /* fits: 3500 bytes of 4096 */
    mm_eve_out_member(o, ',', "t", 1, text, sizeof text);
    mm_eve_out_integer(o, -42);
    mm_eve_out_raw(o, "}", 1);
    assert_int_equal(mm_eve_out_line_end(o), 0);
    /* what the line must be */
    size_t n = 0;
    char *want = malloc(4000);
    assert_non_null(want);
    memcpy(want, head, sizeof head);
    n += sizeof head;
    memcpy(want + n, ",\"t\":\"", 6);
    n += 6;
    memcpy(want + n, text, 700);
    n += 700;
    memcpy(want + n, "\\\"", 2);
    n += 2;
    memcpy(want + n, text + 701, sizeof text - 701);
    n += sizeof text - 701;
    memcpy(want + n, "\"-42}\n", 7);
    close_and_expect(o, a, want);
    free(want);
    free(a);
}

static char tapped[8192];
static size_t tapped_len;

static int tap_fn(void *arg, const char *text, size_t len)
{
    (void)arg;
    assert_true(len < sizeof tapped);
    memcpy(tapped, text, len);
    tapped_len = len;
    return 0;
}

/* A spooled event's line through the tap: the tail goes in before the
 * closing brace and the tap is handed the whole line, also when the batch
 * had to make room for the line (and again for the tail). */
static void test_tapped_line(void **state)
{
    (void)state;
    char *a = line_of(2000, 'a');
    char body[2085];
    memset(body, 'y', sizeof body);
    struct mm_eve_out *o = batch_nearly_full(a);
    struct mm_eve_out_tap t = {.tail = ",\"seq\":7", .tail_len = 8, .fn = tap_fn, .write = true};
    mm_eve_out_set_tap(o, &t);
    mm_eve_out_line_begin(o);
    mm_eve_out_raw(o, "{\"b\":\"", 6);
    mm_eve_out_raw(o, body, sizeof body); /* 4093 of 4096: the tail needs room */
    mm_eve_out_raw(o, "\"}", 2);
    assert_int_equal(mm_eve_out_line_end(o), 0);
    assert_true(t.tapped);
    assert_int_equal(t.result, 0);
    char *want = malloc(2200);
    assert_non_null(want);
    size_t n = 0;
    memcpy(want, "{\"b\":\"", 6);
    n += 6;
    memcpy(want + n, body, sizeof body);
    n += sizeof body;
    memcpy(want + n, "\",\"seq\":7}\n", 12);
    n += 11;
    assert_int_equal(tapped_len, n - 1);
    assert_memory_equal(tapped, want, n - 1);
    close_and_expect(o, a, want);
    free(want);
    free(a);
}

/* A JSON event (the ordinary path). */
static void test_json_event(void **state)
{
    (void)state;
    char *a = line_of(3000, 'a');
    char text[3000];
    memset(text, 'j', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    json_t *ev = json_pack("{s:s}", "j", text);
    assert_non_null(ev);
    struct mm_eve_out *o = batch_nearly_full(a);
    assert_int_equal(mm_eve_out_write(o, ev), 0);
    json_decref(ev);
    char *want = malloc(3100);
    assert_non_null(want);
    snprintf(want, 3100, "{\"j\":\"%s\"}\n", text);
    close_and_expect(o, a, want);
    free(want);
    free(a);
}

/* A line longer than the batch can ever hold without growing: dropped
 * whole (MM_ENOMEM for the caller to count), the line before it written,
 * the writer goes on; the first drop is logged, the second not. */
static void test_too_long_dropped_logged_once(void **state)
{
    (void)state;
    char *a = line_of(3000, 'a'), *big = line_of(10000, 'z'), *c = line_of(100, 'c');
    char logpath[220];
    assert_int_equal(test_tmpdir_join(logpath, sizeof logpath, dir, "stderr"), 0);
    fflush(stderr);
    int saved = dup(2), fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, 2), 2);
    struct mm_eve_out *o = batch_nearly_full(a);
    assert_int_equal(mm_eve_out_write_line(o, big, 10000), MM_ENOMEM);
    mm_eve_out_line_begin(o);
    mm_eve_out_raw(o, big, 9999);
    assert_int_equal(mm_eve_out_line_end(o), MM_ENOMEM);
    assert_int_equal(mm_eve_out_write_line(o, c, 100), 0);
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    close(fd);
    close_and_expect(o, a, c);
    char *log;
    size_t len;
    assert_int_equal(mm_file_read(logpath, 1 << 20, &log, &len), 0);
    const char *first = strstr(log, "eve_errors");
    assert_non_null(first);
    assert_null(strstr(first + 1, "eve_errors"));
    free(log);
    free(a);
    free(big);
    free(c);
}

/* The lines handed over to make room cannot be written (/dev/full): they
 * are lost as at any hand-over, the line that needed the room goes on, and
 * the next flush reports MM_EIO for them (the sensor counts it), once. */
static void test_hand_over_fails(void **state)
{
    (void)state;
    char *a = line_of(3000, 'a'), *b = line_of(3000, 'b'), *c = line_of(100, 'c');
    struct mm_eve_out *o;
    assert_int_equal(mm_eve_out_open("/dev/full", 0, 1, &o), 0);
    assert_int_equal(mm_eve_out_write_line(o, a, 3000), 0); /* in the batch */
    failing = true;
    assert_int_equal(mm_eve_out_write_line(o, b, 3000), 0);
    failing = false;
    assert_int_equal(mm_eve_out_flush(o), MM_EIO);
    assert_int_equal(mm_eve_out_write_line(o, c, 100), 0);
    assert_int_equal(mm_eve_out_close(o), MM_ENOSPC); /* c: /dev/full, the system's reason */
    free(a);
    free(b);
    free(c);
}

/* A tapped line while the file is closed (a rotation that could not open
 * the new file) whose middle piece cannot grow the batch: the line is not
 * whole, so the tap never gets it (MM_EIO alone would mean a whole line,
 * handed to the spool) and the result is MM_ENOMEM. */
static void test_tapped_closed_file_oom(void **state)
{
    (void)state;
    char sub[200], file[240];
    assert_int_equal(test_tmpdir_join(sub, sizeof sub, dir, "closed"), 0);
    assert_int_equal(test_tmpdir_join(file, sizeof file, sub, "eve.json"), 0);
    assert_int_equal(mkdir(sub, 0700), 0);
    struct mm_eve_out *o;
    assert_int_equal(mm_eve_out_open(file, 100, 1, &o), 0);
    char *a = line_of(60, 'a'), *b = line_of(60, 'b');
    assert_int_equal(mm_eve_out_write_line(o, a, 60), 0);
    assert_int_equal(unlink(file), 0);
    assert_int_equal(rmdir(sub), 0); /* the new file cannot open */
    /* rotation: closed now, for the system's reason (the folder is gone) */
    assert_int_equal(mm_eve_out_write_line(o, b, 60), MM_ENOENT);
    char body[5000];
    memset(body, 'y', sizeof body);
    struct mm_eve_out_tap t = {.tail = ",\"seq\":7", .tail_len = 8, .fn = tap_fn, .write = true};
    mm_eve_out_set_tap(o, &t);
    mm_eve_out_line_begin(o);
    mm_eve_out_raw(o, "{\"b\":1,\"c\":\"", 13);
    failing = true;
    mm_eve_out_raw(o, body, sizeof body); /* past the batch's 4 KiB: lost */
    failing = false;
    mm_eve_out_raw(o, "\"}", 2);
    assert_int_equal(mm_eve_out_line_end(o), MM_ENOMEM);
    assert_false(t.tapped);
    mm_eve_out_close(o);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_reservation, fresh),
        cmocka_unit_test_setup(test_formed_line, fresh),
        cmocka_unit_test_setup(test_pieces_grow_mid_line, fresh),
        cmocka_unit_test_setup(test_tapped_line, fresh),
        cmocka_unit_test_setup(test_json_event, fresh),
        cmocka_unit_test_setup(test_too_long_dropped_logged_once, fresh),
        cmocka_unit_test_setup(test_hand_over_fails, fresh),
        cmocka_unit_test_setup(test_tapped_closed_file_oom, fresh),
    };
    return cmocka_run_group_tests(tests, setup, test_tmpdir_teardown);
}
