/* SPDX-License-Identifier: Apache-2.0
 * A feed file read in pieces (intel-feeds.c) that its writer changes after
 * the first pass over it: cut short (curl -o truncates in place) or
 * rewritten longer. pread is wrapped (-Wl,--wrap=pread) so that the change
 * happens at a known moment: when the load's second pass asks for the
 * file's first bytes again. The line cut at the file's new (or old) end
 * must not be taken as an indicator (a cut address or name is another,
 * valid one: a false match), and the report must say the file changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/net.h"
#include "core/buf.h"
#include "core/fs.h"
#include "sensor/intel/intel-int.h"
#include "sensor/intel/intel.h"
#include "../test-tmpdir.h"

static char tmpdir[256], path[512];

/* What the wrapped pread does to the file at the second read of its
 * first bytes: nothing, cut it to cut_at bytes, or write grown over it. */
static enum { CHANGE_NONE, CHANGE_CUT, CHANGE_GROW } change;
static size_t cut_at;
static struct mm_buf grown;
static int first_reads;

ssize_t __real_pread(int fd, void *buf, size_t n, off_t offset);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t offset);

ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t offset)
{
    if (offset == 0 && ++first_reads == 2 && change != CHANGE_NONE) {
        int w = open(path, O_WRONLY | O_CLOEXEC);
        if (w < 0)
            return -1;
        if (change == CHANGE_CUT && ftruncate(w, (off_t)cut_at) != 0)
            abort();
        if (change == CHANGE_GROW &&
            (ftruncate(w, 0) != 0 || write(w, grown.data, grown.len) != (ssize_t)grown.len))
            abort();
        close(w);
    }
    return __real_pread(fd, buf, n, offset);
}

static int setup(void **state)
{
    (void)state;
    if (test_tmpdir_make(tmpdir, sizeof tmpdir, "intel-changed") != 0)
        return -1;
    return test_tmpdir_join(path, sizeof path, tmpdir, "feed.txt");
}

static int teardown(void **state)
{
    (void)state;
    mm__intel_feed_piece(0);
    mm_buf_free(&grown);
    return test_tmpdir_remove(tmpdir);
}

static void add(struct mm_buf *b, const char *s)
{
    assert_int_equal(mm_buf_append(b, s, strlen(s)), 0);
}

/* lines addresses 10.1.x.y, one a line. */
static void addresses(struct mm_buf *b, unsigned lines)
{
    for (unsigned i = 0; i < lines; i++) {
        char line[32];
        snprintf(line, sizeof line, "10.1.%u.%u\n", i / 200, 10 + i % 200);
        add(b, line);
    }
}

/* Loads path read in 64-byte pieces with change done to it after the
 * first pass; returns the sealed set. */
static struct mm_intel *load_changed(struct mm_intel_file_report *rep)
{
    struct mm_intel *in = NULL;
    struct mm_intel_file_report *reps = NULL;
    size_t n = 0;
    first_reads = 0;
    mm__intel_feed_piece(64);
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, path, &reps, &n), 0);
    mm__intel_feed_piece(0);
    change = CHANGE_NONE;
    assert_int_equal(n, 1);
    *rep = reps[0];
    free(reps);
    assert_int_equal(mm_intel_seal(in), 0);
    return in;
}

static bool listed_ip(const struct mm_intel *in, const char *text)
{
    struct mm_addr a;
    assert_int_equal(mm_addr_parse(text, &a), 0);
    return mm_intel_match_ip(in, &a, 0, NULL);
}

/* The report of a load that stopped at a change: lines 1-150 loaded, line
 * 151 not read whole. */
static void expect_changed_at_151(const struct mm_intel_file_report *rep)
{
    assert_int_equal(rep->loaded, 150);
    assert_int_equal(rep->malformed, 1);
    assert_int_equal(rep->first_bad_line, 151);
    assert_string_equal(rep->first_bad_reason, "file changed while it was read");
}

/* Cut in the middle of "10.2.3.123" (line 151): "10.2.3.12" is an address
 * too, never listed. */
static void test_cut_short(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    struct mm_intel_file_report rep;
    addresses(&text, 150);
    size_t line151 = text.len;
    add(&text, "10.2.3.123\n");
    addresses(&text, 100);
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    change = CHANGE_CUT;
    cut_at = line151 + strlen("10.2.3.12");
    struct mm_intel *in = load_changed(&rep);
    assert_false(listed_ip(in, "10.2.3.12"));
    assert_true(listed_ip(in, "10.1.0.159")); /* line 150, whole */
    expect_changed_at_151(&rep);
    mm_intel_free(in);
    mm_buf_free(&text);
}

/* Cut right after line 150's newline: every line read is whole; the
 * report still says the file ended early. */
static void test_cut_at_line_end(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    struct mm_intel_file_report rep;
    addresses(&text, 150);
    change = CHANGE_CUT;
    cut_at = text.len;
    addresses(&text, 100);
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    struct mm_intel *in = load_changed(&rep);
    expect_changed_at_151(&rep);
    mm_intel_free(in);
    mm_buf_free(&text);
}

/* Rewritten longer after the first pass: the load reads as many bytes as
 * the pass saw, which end in the middle of the new line 151
 * ("10.2.3.123" where the old file ended after "10.2.3.12"). */
static void test_grown(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    struct mm_intel_file_report rep;
    addresses(&text, 150);
    add(&text, "10.9.9.9");
    mm_buf_reset(&grown);
    addresses(&grown, 150);
    add(&grown, "10.2.3.123\n");
    addresses(&grown, 100);
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    change = CHANGE_GROW;
    struct mm_intel *in = load_changed(&rep);
    assert_false(listed_ip(in, "10.2.3.1"));
    assert_false(listed_ip(in, "10.9.9.9"));
    expect_changed_at_151(&rep);
    mm_intel_free(in);
    mm_buf_free(&text);
}

/* Unchanged, with a last line without a newline: it is read as always. */
static void test_unchanged_last_line(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    struct mm_intel_file_report rep;
    addresses(&text, 150);
    add(&text, "10.9.9.9");
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    struct mm_intel *in = load_changed(&rep);
    assert_true(listed_ip(in, "10.9.9.9"));
    assert_int_equal(rep.loaded, 151);
    assert_int_equal(rep.malformed, 0);
    mm_intel_free(in);
    mm_buf_free(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_short),
        cmocka_unit_test(test_cut_at_line_end),
        cmocka_unit_test(test_grown),
        cmocka_unit_test(test_unchanged_last_line),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
