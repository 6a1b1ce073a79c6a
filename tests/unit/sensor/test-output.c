/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the EVE writer (output/output-eve.c): its own serialiser
 * gives exactly the bytes mm_eve_write_line gives (escapes, UTF-8, nesting,
 * numbers, key order), and rotation by size keeps whole lines, the newest
 * file first, at most the configured number of old files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/eve.h"
#include "core/fs.h"
#include "sensor/output/output.h"
#include "../test-tmpdir.h"

static char dir[128], path[192];

static int setup(void **state)
{
    return test_tmpdir_make_file(state, dir, sizeof dir, "output", path, sizeof path, "eve.json");
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

static char *slurp(const char *p)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(mm_file_read(p, 1 << 24, &text, &len), 0);
    return text;
}

/* Writes ev through the sensor's writer and appends the core writer's line
 * for it to want; frees ev. */
static void write_both(struct mm_eve_out *o, json_t *ev, struct mm_buf *want)
{
    assert_non_null(ev);
    assert_int_equal(mm_eve_out_write(o, ev), 0);
    assert_int_equal(mm_eve_write_line(ev, want), 0);
    json_decref(ev);
}

/* Closes the writer: its file holds exactly the core writer's lines. */
static void close_and_compare(struct mm_eve_out *o, struct mm_buf *want)
{
    assert_int_equal(mm_eve_out_close(o), 0);
    char *got = slurp(path);
    assert_string_equal(got, mm_buf_str(want));
    free(got);
    mm_buf_free(want);
}

static void test_same_bytes_as_core(void **state)
{
    (void)state;
    json_t *evs[] = {
        json_pack("{s:s, s:i, s:I, s:b, s:n, s:f}", "s", "plain", "i", -42, "big",
                  (json_int_t)9007199254740993LL, "t", 1, "null", "real", 0.5),
        json_pack("{s:s, s:s, s:s}", "esc", "q\" b\\ nl\n cr\r tab\t bs\b ff\f", "ctl",
                  "\x01\x1f\x7f", "utf8", "日本語 émoji \xf0\x9f\x98\x80 /slash"),
        json_pack("{s:[i, s, {s:[]}, []], s:{}, s:{s:{s:{s:i}}}}", "arr", 1, "two", "k", "empty",
                  "deep", "a", "b", "c", 3),
        json_pack("{s:s, s:i}", "ключ \"quoted\" key", "value", "", 0),
    };
    struct mm_eve_out *o;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    struct mm_buf want = MM_BUF_INIT;
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
        write_both(o, evs[i], &want);
    close_and_compare(o, &want);
}

/* Characters that need escaping at every position around the 8-byte
 * steps of the writer's plain-run scan, beside bytes that do not (space,
 * DEL, UTF-8), and at every position of keys and values of 1-20 bytes
 * (the overlapping tail words): still the core writer's bytes. */
static void test_escapes_at_every_offset(void **state)
{
    (void)state;
    const char specials[] = {'"', '\\', '\n', '\x01', '\x1f'};
    struct mm_eve_out *o;
    struct mm_buf want = MM_BUF_INIT;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    for (size_t k = 0; k < sizeof specials; k++) {
        for (size_t pos = 0; pos < 24; pos++) {
            char text[32] = "ab \x7f\xc3\xa9"
                            "cdefghijklmnopqrstuvwx";
            text[pos] = specials[k];
            json_t *ev = json_pack("{s:s}", "v", text);
            if (ev) /* else the special split a UTF-8 sequence: not a valid string */
                write_both(o, ev, &want);
        }
        for (size_t len = 1; len <= 20; len++) /* short texts: the tail words */
            for (size_t pos = 0; pos < len; pos++) {
                char text[24] = "abcdefghijklmnopqrstu";
                text[len] = '\0';
                text[pos] = specials[k];
                json_t *ev = json_pack("{s:s}", text, text + pos);
                assert_non_null(ev);
                write_both(o, ev, &want);
            }
    }
    close_and_compare(o, &want);
}

/* Every byte below 0x20, '"', '\\' and DEL, alone and inside texts of
 * 1-70 bytes (around the 16-byte steps of the vector scan and its
 * overlapping last step, the 8- and 4-byte halves of short texts) at every
 * position, as key and as value: the core writer's bytes. */
static void test_every_control_byte(void **state)
{
    (void)state;
    struct mm_eve_out *o;
    struct mm_buf want = MM_BUF_INIT;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    char text[80];
    for (int c = 0; c < 0x80; c++) {
        if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
            continue;
        for (size_t len = 1; len <= 70; len++) {
            for (size_t pos = 0; pos < len; pos += (len > 40 ? 3 : 1)) {
                for (size_t i = 0; i < len; i++)
                    text[i] = (char)('A' + i % 26);
                text[pos] = (char)c;
                json_t *ev = json_object();
                assert_int_equal(json_object_setn_new(ev, text, len, json_stringn(text, len)), 0);
                json_object_set_new(ev, "n", json_integer((json_int_t)len));
                write_both(o, ev, &want);
            }
        }
    }
    close_and_compare(o, &want);
}

/* Two-, three- and four-byte UTF-8 sequences at every position of texts
 * of 1-40 bytes and straddling the 16-byte steps: passed through as they
 * are; the same texts cut inside a sequence (not UTF-8, held unchecked)
 * are refused, as the core writer refuses them. */
static void test_utf8_at_every_offset(void **state)
{
    (void)state;
    static const char *const seqs[] = {"\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\x98\x80"};
    struct mm_eve_out *o;
    struct mm_buf want = MM_BUF_INIT, core = MM_BUF_INIT;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    char text[64];
    for (size_t k = 0; k < 3; k++) {
        size_t sl = strlen(seqs[k]);
        for (size_t len = sl; len <= 40; len++) {
            for (size_t pos = 0; pos + sl <= len; pos++) {
                memset(text, 'x', len);
                memcpy(text + pos, seqs[k], sl);
                json_t *ev = json_object();
                json_object_setn_new(ev, text, len, json_stringn(text, len));
                write_both(o, ev, &want);
                /* the sequence cut short by one byte: not UTF-8 */
                json_t *bad = json_object();
                json_object_set_new(bad, "v", json_stringn_nocheck(text, pos + sl - 1));
                if (pos + sl - 1 > 0 && mm_eve_write_line(bad, &core) != 0)
                    assert_int_not_equal(mm_eve_out_write(o, bad), 0);
                json_decref(bad);
            }
        }
    }
    close_and_compare(o, &want);
    mm_buf_free(&core);
}

/* Integers at the limits, at every power of ten and one either side and
 * of every magnitude at random, both signs: the core writer's digits. */
static void test_integer_limits(void **state)
{
    (void)state;
    struct mm_eve_out *o;
    struct mm_buf want = MM_BUF_INIT;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    json_t *ev = json_object();
    json_t *a = json_array();
    json_array_append_new(a, json_integer(INT64_MIN));
    json_array_append_new(a, json_integer(INT64_MIN + 1));
    json_array_append_new(a, json_integer(INT64_MAX));
    json_array_append_new(a, json_integer(0));
    for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10)
        for (int64_t d = -1; d <= 1; d++) {
            json_array_append_new(a, json_integer(p + d));
            json_array_append_new(a, json_integer(-(p + d)));
        }
    /* 2000 more of every magnitude (a random 64-bit value shifted right
     * by 0-63 bits), both signs */
    uint64_t x = 0x243f6a8885a308d3ULL;
    for (int i = 0; i < 2000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        json_int_t v = (json_int_t)((x >> (i % 64)) & (uint64_t)INT64_MAX);
        json_array_append_new(a, json_integer(i % 2 ? v : -v));
    }
    json_object_set_new(ev, "ints", a);
    json_object_set_new(ev, "last", json_integer(-7)); /* a member, not an element */
    write_both(o, ev, &want);
    close_and_compare(o, &want);
}

/* Lines are handed to the file a batch at a time: after mm_eve_out_flush
 * the file holds every line written so far, in order, mixed with already
 * serialised lines (mm_eve_out_write_line), also past the batch size; with
 * rotation on, no line is split and the files hold all lines in order. */
static void test_batches_and_flush(void **state)
{
    (void)state;
    struct mm_eve_out *o;
    struct mm_buf want = MM_BUF_INIT;
    /* nothing written: flush and close leave an empty file */
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    assert_int_equal(mm_eve_out_flush(o), 0);
    assert_int_equal(mm_eve_out_close(o), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    for (int i = 0; i < 3000; i++) {
        if (i % 3 == 0) {
            char line[160];
            int n = snprintf(line, sizeof line,
                             "{\"event_type\":\"flow\",\"n\":%d,\"pad\":\"%080d\"}\n", i, i);
            assert_int_equal(mm_eve_out_write_line(o, line, (size_t)n), 0);
            mm_buf_append(&want, line, (size_t)n);
        } else {
            write_both(o,
                       json_pack("{s:s,s:i,s:s}", "event_type", "x", "n", i, "pad",
                                 "0123456789012345678901234567890123456789"),
                       &want);
        }
        if (i == 1000 || i == 2999) {
            assert_int_equal(mm_eve_out_flush(o), 0);
            char *got = slurp(path);
            assert_string_equal(got, mm_buf_str(&want));
            free(got);
        }
    }
    close_and_compare(o, &want);

    /* rotation at 64 KiB with 200 KiB of lines: whole lines, all of them */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mm_eve_out_open(path, 64 * 1024, 9, &o), 0);
    struct mm_buf all = MM_BUF_INIT;
    for (int i = 0; i < 2000; i++)
        write_both(
            o,
            json_pack(
                "{s:i,s:s}", "n", i, "pad",
                "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"),
            &all);
    assert_int_equal(mm_eve_out_close(o), 0);
    struct mm_buf joined = MM_BUF_INIT;
    for (int i = 9; i >= 0; i--) {
        char p[256];
        if (i)
            snprintf(p, sizeof p, "%s.%d", path, i);
        else
            snprintf(p, sizeof p, "%s", path);
        struct stat st;
        if (stat(p, &st) != 0)
            continue;
        assert_true(st.st_size <= 64 * 1024);
        char *text = slurp(p);
        assert_true(text[0] == '{' && text[strlen(text) - 1] == '\n');
        mm_buf_append(&joined, text, strlen(text));
        free(text);
    }
    assert_string_equal(mm_buf_str(&joined), mm_buf_str(&all));
    mm_buf_free(&joined);
    mm_buf_free(&all);
}

/* ---- random events against the core writer -------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33) % n;
}

/* A random string of 0..100 bytes: mostly plain ASCII, with every byte the
 * writer escapes, DEL and multi-byte UTF-8 mixed in at random places. */
static json_t *random_string(void)
{
    static const char *const pieces[] = {"\"",   "\\",   "\n", "\r", "\t", "\b", "\f", "\x01",
                                         "\x1f", "\x7f", "é",  "日", "😀",  "/",  " "};
    char text[256];
    size_t len = 0, want = rnd(4) ? rnd(41) : rnd(101);
    while (len < want) {
        const char *piece = NULL;
        char one[2] = {(char)('a' + rnd(26)), 0};
        piece = rnd(6) == 0 ? pieces[rnd(sizeof pieces / sizeof pieces[0])] : one;
        size_t n = strlen(piece);
        memcpy(text + len, piece, n);
        len += n;
    }
    return json_stringn(text, len);
}

static json_t *random_value(int depth);

static json_t *random_object(int depth)
{
    json_t *o = json_object();
    for (unsigned i = rnd(6); i > 0; i--) {
        json_t *key = random_string();
        json_object_setn_new(o, json_string_value(key), json_string_length(key),
                             random_value(depth + 1));
        json_decref(key);
    }
    return o;
}

static json_t *random_value(int depth)
{
    switch (depth > 4 ? rnd(5) : rnd(7)) {
    case 0:
        return random_string();
    case 1:
        return json_integer((json_int_t)(rnd(3) ? rnd(100000) : 0) * (rnd(2) ? 1 : -1) *
                            (rnd(4) ? 1 : 1000000007LL));
    case 2:
        return json_boolean(rnd(2));
    case 3:
        return json_null();
    case 4:
        return random_string();
    case 5: {
        json_t *a = json_array();
        for (unsigned i = rnd(5); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1));
        return a;
    }
    default:
        return random_object(depth);
    }
}

/* 3000 random events (nested objects and arrays, keys and strings of all
 * lengths around the writer's 8-byte steps, escapes anywhere, empty
 * containers): byte for byte what the core writer gives. */
static void test_random_events(void **state)
{
    (void)state;
    struct mm_eve_out *o;
    struct mm_buf want = MM_BUF_INIT;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    /* a long string that grows sixfold by its escapes, past the line
     * buffer's first size, then one of plain text of the same length */
    char *big = malloc(50001);
    assert_non_null(big);
    memset(big, '\x01', 50000);
    big[50000] = '\0';
    json_t *long_ev = json_pack("{s:s}", "ctl", big);
    assert_non_null(long_ev);
    memset(big, 'a', 50000);
    json_object_set_new(long_ev, "plain", json_string(big));
    free(big);
    write_both(o, long_ev, &want);
    for (int i = 0; i < 3000; i++) {
        json_t *ev = random_object(0);
        json_object_set_new(ev, "event_type", json_string("random"));
        write_both(o, ev, &want);
    }
    close_and_compare(o, &want);
}

/* Edges of the JSON form: a key holding a NUL, empty containers, reals,
 * nesting past the writer's own depth limit (the core writer then answers
 * for it): byte for byte what the core writer gives. */
static void test_edge_values(void **state)
{
    (void)state;
    struct mm_eve_out *o;
    struct mm_buf want = MM_BUF_INIT;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    json_t *ev = json_object();
    assert_int_equal(json_object_setn_new(ev, "a\0b", 3, json_string("nul key")), 0);
    assert_int_equal(json_object_set_new(ev, "", json_stringn("x\0y", 3)), 0);
    json_object_set_new(ev, "eo", json_object());
    json_object_set_new(ev, "ea", json_array());
    json_object_set_new(ev, "nest", json_pack("[{},[],[{}],{s:[]}]", "k"));
    json_object_set_new(ev, "reals", json_pack("[f,f,f,f,f]", 1.5, -0.0, 1e300, 0.1, -2.5e-308));
    json_object_set_new(
        ev, "ints",
        json_pack("[I,I,I]", (json_int_t)INT64_MIN, (json_int_t)INT64_MAX, (json_int_t)0));
    write_both(o, ev, &want);
    for (int depth = 60; depth <= 70; depth++) {
        json_t *inner = json_string("deep");
        for (int d = 0; d < depth; d++)
            inner = d % 2 ? json_pack("{s:o}", "k", inner) : json_pack("[o]", inner);
        write_both(o, json_pack("{s:o}", "deep", inner), &want);
    }
    close_and_compare(o, &want);
}

/* A string or key jansson holds unchecked (json_stringn_nocheck,
 * json_object_set_new_nocheck) that is not UTF-8: the core writer refuses
 * such a string, so the sensor's writer writes no line either (the centre
 * refuses a line that is not UTF-8). For such a key jansson 2.14 writes a
 * lone '"' and goes on ({":true}, not JSON): the sensor's writer refuses it.
 * Valid UTF-8 around it still passes. */
static void test_invalid_utf8_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\xff", "a\xc0\x80", "\xed\xa0\x80x", "\xf4\x90\x80\x80", "abcdefgh\xe3\x81", "\x80"};
    struct mm_eve_out *o;
    struct mm_buf want = MM_BUF_INIT, core = MM_BUF_INIT;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int as_key = 0; as_key < 2; as_key++) {
            json_t *ev = json_pack("{s:s}", "ok", "\xe3\x81\x82 valid");
            if (as_key)
                json_object_set_new_nocheck(ev, bad[i], json_true());
            else
                json_object_set_new(ev, "text", json_stringn_nocheck(bad[i], strlen(bad[i])));
            if (!as_key)
                assert_int_not_equal(mm_eve_write_line(ev, &core), 0);
            assert_int_not_equal(mm_eve_out_write(o, ev), 0);
            json_decref(ev);
        }
    }
    write_both(o,
               json_pack("{s:s,s:s}", "ok", "\xe3\x81\x82\xf0\x9f\x98\x80 valid", "x", "\xc2\xa9"),
               &want);
    close_and_compare(o, &want);
    mm_buf_free(&core);
}

static void test_rotation(void **state)
{
    (void)state;
    struct mm_eve_out *o;
    assert_int_equal(mm_eve_out_open(path, 200, 3, &o), 0);
    /* each line is 37 or 38 bytes: 5 lines per 200-byte file, 8 files */
    for (int i = 0; i < 40; i++) {
        json_t *ev = json_pack("{s:s, s:i}", "event_type", "test-rotation", "n", i);
        assert_int_equal(mm_eve_out_write(o, ev), 0);
        json_decref(ev);
    }
    assert_int_equal(mm_eve_out_rotations(o), 7);
    assert_int_equal(mm_eve_out_close(o), 0);
    char p[256];
    struct stat st;
    for (int i = 1; i <= 3; i++) {
        snprintf(p, sizeof(p), "%s.%d", path, i);
        assert_int_equal(stat(p, &st), 0);
        assert_true(st.st_size <= 200);
    }
    snprintf(p, sizeof(p), "%s.4", path);
    assert_int_not_equal(stat(p, &st), 0); /* only 3 kept */
    char *text = slurp(path);
    assert_non_null(strstr(text, "\"n\":39}\n")); /* the newest is in FILE */
    free(text);
    snprintf(p, sizeof(p), "%s.3", path);
    text = slurp(p);
    assert_null(strstr(text, "\"n\":39}"));
    assert_true(text[strlen(text) - 1] == '\n'); /* whole lines only */
    free(text);
}

/* ---- lines written in place (reserve / commit) ---------------------------- */

/* Reserves room for a line, writes text there and commits it. */
static int reserve_commit(struct mm_eve_out *o, const char *text, size_t room)
{
    size_t n = strlen(text);
    char *p = mm_eve_out_reserve(o, room);
    assert_non_null(p);
    memcpy(p, text, n);
    return mm_eve_out_commit(o, n);
}

static void test_reserve_commit(void **state)
{
    (void)state;
    struct mm_eve_out *o;
    struct mm_buf want = MM_BUF_INIT;
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    /* out of range, no reservation, past the reservation, nothing */
    assert_null(mm_eve_out_reserve(o, 0));
    assert_null(mm_eve_out_reserve(o, MM_EVE_RESERVE_MAX + 1));
    assert_int_equal(mm_eve_out_commit(o, 1), MM_EINVAL);
    assert_non_null(mm_eve_out_reserve(o, 8));
    assert_int_equal(mm_eve_out_commit(o, 9), MM_EINVAL);
    assert_int_equal(mm_eve_out_commit(o, 0), 0);
    assert_non_null(mm_eve_out_reserve(o, 8));
    assert_int_equal(mm_eve_out_commit(o, 0), 0);
    /* another call on o ends the reservation */
    assert_non_null(mm_eve_out_reserve(o, 8));
    assert_int_equal(mm_eve_out_write_line(o, "{}\n", 3), 0);
    mm_buf_append(&want, "{}\n", 3);
    assert_int_equal(mm_eve_out_commit(o, 3), MM_EINVAL);
    assert_non_null(mm_eve_out_reserve(o, 8));
    assert_int_equal(mm_eve_out_flush(o), 0);
    assert_int_equal(mm_eve_out_commit(o, 3), MM_EINVAL);
    /* mixed with the other two ways, across several batches */
    for (int i = 0; i < 3000; i++) {
        char line[200];
        snprintf(line, sizeof line, "{\"n\":%d,\"pad\":\"%0100d\"}\n", i, i);
        if (i % 3 == 0) {
            assert_int_equal(reserve_commit(o, line, 2048), 0);
            mm_buf_append(&want, line, strlen(line));
        } else if (i % 3 == 1) {
            assert_int_equal(mm_eve_out_write_line(o, line, strlen(line)), 0);
            mm_buf_append(&want, line, strlen(line));
        } else {
            write_both(o, json_pack("{s:i}", "n", i), &want);
        }
    }
    /* a line longer than the batch */
    size_t big = 300 * 1024;
    char *huge = malloc(big + 1);
    assert_non_null(huge);
    memset(huge, 'x', big);
    huge[0] = '"';
    huge[big - 2] = '"';
    huge[big - 1] = '\n';
    huge[big] = '\0';
    assert_int_equal(reserve_commit(o, huge, big), 0);
    mm_buf_append(&want, huge, big);
    assert_int_equal(reserve_commit(o, "{}\n", 3), 0);
    mm_buf_append(&want, "{}\n", 3);
    free(huge);
    close_and_compare(o, &want);
}

/* Rotation renames files: an output that is not a regular file (a FIFO,
 * /dev/null) is never rotated, or its node would be moved away. */
static void test_no_rotation_of_fifo(void **state)
{
    (void)state;
    assert_int_equal(mkfifo(path, 0600), 0);
    int reader = open(path, O_RDONLY | O_NONBLOCK); /* lets the writer open */
    assert_true(reader >= 0);
    struct mm_eve_out *o;
    assert_int_equal(mm_eve_out_open(path, 200, 3, &o), 0);
    for (int i = 0; i < 40; i++) { /* about 1.5 KB: fits the pipe */
        json_t *ev = json_pack("{s:s, s:i}", "event_type", "test-rotation", "n", i);
        assert_int_equal(mm_eve_out_write(o, ev), 0);
        json_decref(ev);
    }
    assert_int_equal(mm_eve_out_flush(o), 0);
    assert_int_equal(mm_eve_out_rotations(o), 0);
    assert_int_equal(mm_eve_out_close(o), 0);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    char p[256], got[4096];
    snprintf(p, sizeof(p), "%s.1", path);
    assert_int_not_equal(lstat(p, &st), 0);
    ssize_t n = read(reader, got, sizeof got - 1);
    assert_true(n > 0);
    got[n] = '\0';
    assert_non_null(strstr(got, "\"n\":39}\n")); /* every line went through */
    close(reader);
    unlink(path);
}

/* Rotation by size with reserved lines: the line that would pass the limit
 * starts the new file, at every position around the boundary. */
static void test_reserve_rotation(void **state)
{
    (void)state;
    for (int first = 1; first <= 12; first++) {
        struct mm_eve_out *o;
        unlink(path);
        char p1[256], p2[256];
        snprintf(p1, sizeof p1, "%s.1", path);
        snprintf(p2, sizeof p2, "%s.2", path);
        unlink(p1);
        unlink(p2);
        assert_int_equal(mm_eve_out_open(path, 20, 1, &o), 0);
        char a[32], b[32];
        /* a: first bytes; b: 20 - first (exactly at the limit) or one more */
        memset(a, 'a', sizeof a);
        a[first - 1] = '\n';
        a[first] = '\0';
        assert_int_equal(reserve_commit(o, a, 64), 0);
        memset(b, 'b', sizeof b);
        size_t bn = (size_t)(20 - first) + (first % 2);
        b[bn - 1] = '\n';
        b[bn] = '\0';
        assert_int_equal(reserve_commit(o, b, 64), 0);
        assert_int_equal(mm_eve_out_rotations(o), first % 2 ? 1 : 0);
        assert_int_equal(mm_eve_out_close(o), 0);
        char *text = slurp(path);
        if (first % 2) {
            char *old = slurp(p1);
            assert_string_equal(old, a);
            assert_string_equal(text, b);
            free(old);
        } else {
            char both[64];
            snprintf(both, sizeof both, "%s%s", a, b);
            assert_string_equal(text, both);
        }
        free(text);
    }
}

/* A write error surfaces from the commit that hands the batch over, with
 * the system's reason (a full disk: MM_ENOSPC, was MM_EIO), and the writer
 * goes on taking lines. */
static void test_reserve_write_error(void **state)
{
    (void)state;
    struct mm_eve_out *o;
    if (mm_eve_out_open("/dev/full", 0, 1, &o) != 0)
        skip();
    char line[1024];
    memset(line, 'x', sizeof line - 2);
    line[sizeof line - 2] = '\n';
    line[sizeof line - 1] = '\0';
    int errors = 0;
    for (int i = 0; i < 200; i++)
        errors += reserve_commit(o, line, sizeof line) == MM_ENOSPC;
    assert_true(errors >= 1);
    assert_int_equal(mm_eve_out_close(o), MM_ENOSPC); /* the rest, at close */
}

/* A batch the file refuses (here the file size limit, as a full disk) after
 * another program shortened the file (logrotate's copytruncate) is cut at
 * the file's real end, where the batch began (before, it was cut at the
 * length the writer had counted: here a part of the failed batch stayed;
 * past the file's end the cut would add NUL bytes). */
static void test_cut_after_copytruncate(void **state)
{
    (void)state;
    struct mm_eve_out *o;
    char line[64];
    memset(line, 'a', sizeof line - 2);
    line[sizeof line - 2] = '\n';
    line[sizeof line - 1] = '\0';
    assert_int_equal(mm_eve_out_open(path, 0, 1, &o), 0);
    for (int i = 0; i < 10; i++) /* 630 bytes written */
        assert_int_equal(reserve_commit(o, line, sizeof line), 0);
    assert_int_equal(mm_eve_out_flush(o), 0);
    assert_int_equal(truncate(path, 0), 0); /* copytruncate */
    struct rlimit old_lim, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
    lim = old_lim;
    lim.rlim_cur = 1000; /* a batch of 20 lines (1260 bytes) gets 1000 in */
    void (*old_sig)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(reserve_commit(o, line, sizeof line), 0);
    int r = mm_eve_out_flush(o);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old_lim), 0);
    signal(SIGXFSZ, old_sig);
    assert_int_not_equal(r, 0);
    mm_eve_out_close(o);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 0); /* the failed batch cut away, nothing else */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_same_bytes_as_core, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escapes_at_every_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_control_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_at_every_offset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_integer_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batches_and_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edge_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserve_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_rotation_of_fifo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserve_rotation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserve_write_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_after_copytruncate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
