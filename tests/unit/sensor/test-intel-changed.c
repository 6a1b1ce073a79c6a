/* SPDX-License-Identifier: Apache-2.0
 * A feed file read in pieces (intel-feeds.c) that its writer changes while
 * it is read: cut short (curl -o truncates in place), rewritten longer or
 * in place with the same size, appended to (a feed that keeps growing, or
 * whose writer is still writing its last line), rewritten again and again,
 * or replaced by a rename. pread is wrapped (-Wl,--wrap=pread) so that the
 * change happens at a known moment: just before or after the read of a
 * given byte; read too (-Wl,--wrap=read), for a file read whole. A line cut or mixed from two
 * contents must never be taken as an indicator (a cut address or name is another, valid one: a
 * false match); the report says what happened (a malformed line where the load stopped, or a note
 * when no line was lost). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/net.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/msg.h"
#include "core/timefmt.h"
#include "sensor/reload.h"
#include "sensor/intel/intel-int.h"
#include "sensor/intel/intel.h"
#include "../test-tmpdir.h"

static char tmpdir[256], path[512], other[512];

/* What the wrapped pread does to the file when it is asked for the byte at
 * change_at (before that read, or after it when after is set): nothing,
 * cut it to cut_at bytes, write grown over it (truncated first), write
 * grown over its start in place (same size), append grown, rename a file
 * holding grown over it, or (again) write a new line 151 in place before
 * every read from then on. Each change in place sets a new modification
 * time, so that it is seen on any kernel (from Linux 6.13 a write after
 * an fstat always gets a new time; before, two within one clock tick
 * could share one). */
static enum {
    CHANGE_NONE,
    CHANGE_CUT,
    CHANGE_GROW,
    CHANGE_REWRITE,
    CHANGE_APPEND,
    CHANGE_RENAME,
    CHANGE_AGAIN
} change;
static bool after, starts_in; /* starts_in: a read that starts in (line151, change_at] */
static bool each;             /* once changed, the change again before every read */
static size_t change_at, cut_at, line151;
static struct mm_buf grown;
/* The feed a test loads: its set-up writes it (craft, addresses, add), the
 * load (load_checked) empties it. */
static struct mm_buf feed;
static bool changed;
static unsigned rewrites;
static uint64_t bytes_read;

/* The wrapped read: when read_path is set, the first read() of at least
 * read_min bytes first writes read_text over that file (in place,
 * truncated: its size changes), as a writer starting while it is read. */
static const char *read_path, *read_text;
static size_t read_min;

ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    if (read_path && n >= read_min) {
        int w = open(read_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (w < 0 || write(w, read_text, strlen(read_text)) != (ssize_t)strlen(read_text))
            abort();
        close(w);
        read_path = NULL;
    }
    return __real_read(fd, buf, n);
}

ssize_t __real_pread(int fd, void *buf, size_t n, off_t offset);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t offset);

static void new_time(int w)
{
    struct timespec ts[2] = {{.tv_sec = 1000000000 + (time_t)++rewrites}, {0}};
    ts[1] = ts[0];
    if (futimens(w, ts) != 0)
        abort();
}

static void change_file(void)
{
    if (change == CHANGE_RENAME) {
        if (mm_file_write_atomic(other, grown.data, grown.len) != 0 || rename(other, path) != 0)
            abort();
        return;
    }
    int w = open(path, O_WRONLY | O_CLOEXEC | (change == CHANGE_APPEND ? O_APPEND : 0));
    if (w < 0)
        abort();
    if (change == CHANGE_CUT && ftruncate(w, (off_t)cut_at) != 0)
        abort();
    if (change == CHANGE_GROW && ftruncate(w, 0) != 0)
        abort();
    if ((change == CHANGE_GROW || change == CHANGE_REWRITE || change == CHANGE_APPEND) &&
        write(w, grown.data, grown.len) != (ssize_t)grown.len)
        abort();
    if (change == CHANGE_AGAIN) { /* "10.2.3.1NN", NN new each time */
        char v[8];
        snprintf(v, sizeof v, "%02u", 10 + rewrites % 90);
        if (pwrite(w, v, 2, (off_t)line151 + 8) != 2)
            abort();
    }
    if (change != CHANGE_APPEND)
        new_time(w);
    close(w);
}

ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t offset)
{
    bool covers = starts_in ? (size_t)offset > line151 && (size_t)offset <= change_at
                            : (size_t)offset <= change_at && change_at < (size_t)offset + n;
    if (change != CHANGE_NONE &&
        ((covers && !after && !changed) || ((change == CHANGE_AGAIN || each) && changed))) {
        change_file();
        changed = true;
    }
    ssize_t got = __real_pread(fd, buf, n, offset);
    if (got > 0)
        bytes_read += (uint64_t)got;
    if (change != CHANGE_NONE && covers && after && !changed) {
        change_file();
        changed = true;
    }
    return got;
}

static int setup(void **state)
{
    (void)state;
    if (test_tmpdir_make(tmpdir, sizeof tmpdir, "intel-changed") != 0 ||
        test_tmpdir_join(other, sizeof other, tmpdir, "new.txt") != 0)
        return -1;
    return test_tmpdir_join(path, sizeof path, tmpdir, "feed.txt");
}

static int teardown(void **state)
{
    (void)state;
    mm__intel_feed_piece(0);
    mm_buf_free(&grown);
    mm_buf_free(&feed);
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

/* The crafted feed most tests use, into b (reset first): head, 150
 * addresses 10.1.x.y, line (where it starts: in line151), then tail
 * addresses more. */
static void craft(struct mm_buf *b, const char *head, const char *line, unsigned tail)
{
    mm_buf_reset(b);
    add(b, head);
    addresses(b, 150);
    line151 = b->len;
    add(b, line);
    addresses(b, tail);
}

/* Loads path read in pieces of piece bytes (0: the default, larger than
 * the test's files) with change done to it while it is read; returns the
 * sealed set. */
static struct mm_intel *load_piece(struct mm_intel_file_report *rep, size_t piece)
{
    struct mm_intel *in = NULL;
    struct mm_intel_file_report *reps = NULL;
    size_t n = 0;
    changed = false;
    rewrites = 0;
    bytes_read = 0;
    mm__intel_feed_piece(piece);
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, path, &reps, &n), 0);
    mm__intel_feed_piece(0);
    if (!starts_in)
        assert_true(change == CHANGE_NONE || changed);
    change = CHANGE_NONE;
    after = starts_in = each = false;
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

#define ANY         (-1) /* a field of struct want that is not checked */
#define NEXT        (-2) /* want.bad_line: the line after the lines loaded */
#define CHANGED_WHY "file changed while it was read"

/* What a load of feed (read in pieces of 64 bytes, or in one) must give:
 * the addresses listed and not; the report's counts (loaded within
 * (loaded, loaded_max] when loaded_max is set), first malformed line and
 * its reason (none: 0 and ""), format (NULL: not checked), note (or
 * note_or) and its line (0: not checked; within (note_line,
 * note_line_max] when that is set); the bytes read. */
struct want {
    bool one_piece;
    const char *listed[3], *unlisted[3];
    long loaded, loaded_max, malformed;
    int bad_line;
    const char *reason, *format;
    int note, note_or, note_line, note_line_max;
    uint64_t max_read;                   /* at most (0: not checked) */
    bool read_once;                      /* every byte of the feed, once */
    struct mm_intel_file_report *report; /* (not NULL) gets the report */
};

/* A load that stopped at a change: lines 1-150 loaded, line 151 not read
 * whole. */
#define CHANGED_AT_151 .loaded = 150, .malformed = 1, .bad_line = 151, .reason = CHANGED_WHY
/* A load of lines 1-150 whose file grew meanwhile: the rest is for the
 * next load, and nothing is malformed. */
#define GREW_AT_151 .loaded = 150, .note = MM_INTEL_NOTE_GREW, .note_line = 151

/* Writes feed to path and loads it with the change set up (feed is
 * emptied); checks what w says and returns the sealed set. */
static struct mm_intel *load_checked(const struct want *w)
{
    struct mm_intel_file_report rep;
    assert_int_equal(mm_file_write_atomic(path, feed.data, feed.len), 0);
    size_t len = feed.len;
    mm_buf_reset(&feed);
    struct mm_intel *in = load_piece(&rep, w->one_piece ? 0 : 64);
    for (int i = 0; i < 3; i++) {
        if (w->listed[i])
            assert_true(listed_ip(in, w->listed[i]));
        if (w->unlisted[i])
            assert_false(listed_ip(in, w->unlisted[i]));
    }
    if (w->loaded_max)
        assert_true(rep.loaded > (size_t)w->loaded && rep.loaded <= (size_t)w->loaded_max);
    else if (w->loaded != ANY)
        assert_int_equal(rep.loaded, w->loaded);
    if (w->malformed != ANY)
        assert_int_equal(rep.malformed, w->malformed);
    if (w->bad_line != ANY) {
        assert_int_equal(rep.first_bad_line,
                         w->bad_line == NEXT ? (int)rep.loaded + 1 : w->bad_line);
        assert_string_equal(rep.first_bad_reason, w->reason ? w->reason : "");
    }
    if (w->format)
        assert_string_equal(rep.format, w->format);
    if (w->note != ANY)
        assert_true(rep.note == w->note || (w->note_or && rep.note == w->note_or));
    if (w->note_line_max)
        assert_true(rep.note_line > w->note_line && rep.note_line <= w->note_line_max);
    else if (w->note_line)
        assert_int_equal(rep.note_line, w->note_line);
    if (w->max_read)
        assert_true(bytes_read <= w->max_read);
    if (w->read_once)
        assert_int_equal(bytes_read, len);
    if (w->report)
        *w->report = rep;
    return in;
}

/* load_checked, the set freed. */
static void expect_load(const struct want *w)
{
    mm_intel_free(load_checked(w));
}

/* Cut in the middle of "10.2.3.123" (line 151) before its bytes are read:
 * "10.2.3.12" is an address too, never listed; line 150 is whole. */
static void test_cut_short(void **state)
{
    (void)state;
    craft(&feed, "", "10.2.3.123\n", 100);
    change = CHANGE_CUT;
    cut_at = line151 + strlen("10.2.3.12");
    change_at = line151 + 4;
    expect_load(
        &(struct want){CHANGED_AT_151, .unlisted = {"10.2.3.12"}, .listed = {"10.1.0.159"}});
}

/* The same, cut after the read of line 151's first bytes: the bytes read
 * are no longer in the file, so they are not used. */
static void test_cut_after_read(void **state)
{
    (void)state;
    craft(&feed, "", "10.2.3.123\n", 100);
    change = CHANGE_CUT;
    after = true;
    cut_at = line151 + strlen("10.2.3.12");
    change_at = line151 + 4;
    expect_load(&(struct want){.unlisted = {"10.2.3.12", "10.2.3.123"},
                               .loaded = 64,
                               .loaded_max = 150,
                               .malformed = 1,
                               .bad_line = NEXT,
                               .reason = CHANGED_WHY});
}

/* Cut right after line 150's newline: every line read is whole; the
 * report still says the file ended early. */
static void test_cut_at_line_end(void **state)
{
    (void)state;
    addresses(&feed, 150);
    change = CHANGE_CUT;
    change_at = cut_at = feed.len;
    addresses(&feed, 100);
    expect_load(&(struct want){CHANGED_AT_151});
}

/* Rewritten longer (truncated, then written) while its last line was
 * read: the load reads as many bytes as the file had when it was opened,
 * which end in the middle of the new line 151 ("10.2.3.123" where the old
 * file ended in "10.9.9.9"): a line not whole, not loaded. Line 151's
 * first bytes were read before the change ("10.9.9.9") or after it
 * ("10.2.3.123"): read again when they differ. */
static void test_grown(void **state)
{
    (void)state;
    craft(&feed, "", "10.9.9.9", 0);
    craft(&grown, "", "10.2.3.123\n", 100);
    change = CHANGE_GROW;
    change_at = feed.len - 2;
    expect_load(&(struct want){.unlisted = {"10.2.3.1", "10.9.9.9"},
                               .loaded = 150,
                               .note = MM_INTEL_NOTE_GREW,
                               .note_or = MM_INTEL_NOTE_CHANGED,
                               .note_line = 151});
}

/* Its writer still writing line 151 ("10.2.3.12" of "10.2.3.123") when
 * the load opened it, and appending the rest while it is read: lines
 * 1-150 are loaded, the unfinished line is not (it is another address),
 * and the report notes the growth without a malformed line. */
static void test_appended_mid_line(void **state)
{
    (void)state;
    craft(&feed, "", "10.2.3.12", 0);
    mm_buf_reset(&grown);
    add(&grown, "3\n");
    addresses(&grown, 100);
    change = CHANGE_APPEND;
    change_at = line151 + 2;
    expect_load(&(struct want){GREW_AT_151, .unlisted = {"10.2.3.12"}, .listed = {"10.1.0.159"}});
}

/* A feed that keeps growing (lines appended while it is read, after its
 * first bytes were read): every line it had when opened is loaded, and
 * the report says that the lines added are for the next load; each piece
 * is read twice at most (once, and once again after the change). */
static void test_appended_lines(void **state)
{
    (void)state;
    addresses(&feed, 150);
    mm_buf_reset(&grown);
    add(&grown, "10.2.3.123\n");
    change = CHANGE_APPEND;
    after = true;
    change_at = 0;
    expect_load(&(struct want){GREW_AT_151, .listed = {"10.1.0.159"},
                               .unlisted = {"10.2.3.123"}, /* (next time) */
                               .max_read = 2 * (feed.len + grown.len)});
}

/* The same for a file read in one piece (a small file): its writer
 * appends the rest of its last line right after the load read it. */
static void test_small_appended(void **state)
{
    (void)state;
    craft(&feed, "", "10.2.3.12", 0);
    mm_buf_reset(&grown);
    add(&grown, "3\n");
    change = CHANGE_APPEND;
    after = true;
    change_at = 0;
    expect_load(&(struct want){GREW_AT_151, .one_piece = true, .unlisted = {"10.2.3.12"}});
}

/* Rewritten in place with the same size (line 151 "10.2.3.145" becomes
 * "10.2.5.167") right after the load read the piece holding line 151's
 * first bytes: the lines not taken yet are read again and agree with the
 * new content; no line mixes the two ("10.2.3.167": listed in neither). */
static void test_rewritten_same_size(void **state)
{
    (void)state;
    craft(&feed, "", "10.2.3.145\n", 100);
    craft(&grown, "", "10.2.5.167\n", 100);
    assert_int_equal(grown.len, feed.len);
    change = CHANGE_REWRITE;
    after = true;
    change_at = line151 + 1;
    expect_load(&(struct want){.listed = {"10.2.5.167"},
                               .unlisted = {"10.2.3.145", "10.2.3.167"},
                               .loaded = 251,
                               .note = MM_INTEL_NOTE_CHANGED,
                               .note_line = 64,
                               .note_line_max = 151});
}

/* The same just before a read that starts inside line 151, after
 * "10.2.3." or a part of it: those bytes, kept from the piece before, and
 * the new ones would make "10.2.3.167". A comment line of 0-63 bytes first
 * moves the pieces until such a read comes. */
static void test_rewritten_before_read(void **state)
{
    (void)state;
    struct mm_intel_file_report rep;
    bool tried = false;
    for (unsigned k = 0; k < 64 && !tried; k++) {
        char head[80] = "#";
        memset(head + 1, 'x', k);
        head[k + 1] = '\n';
        craft(&grown, head, "10.2.5.167\n", 100);
        craft(&feed, head, "10.2.3.145\n", 100);
        change = CHANGE_REWRITE;
        starts_in = true;
        change_at = line151 + 7;
        struct mm_intel *in = load_checked(
            &(struct want){.unlisted = {"10.2.3.167"}, .loaded = 251, .note = ANY, .report = &rep});
        tried = changed;
        assert_true(listed_ip(in, tried ? "10.2.5.167" : "10.2.3.145"));
        if (tried)
            assert_int_equal(rep.note, MM_INTEL_NOTE_CHANGED);
        mm_intel_free(in);
    }
    assert_true(tried);
}

/* A writer that rewrites line 151 again before every read: the bytes
 * never settle, so the load ends before them, reported as changed. */
static void test_rewritten_again(void **state)
{
    (void)state;
    craft(&feed, "", "10.2.3.145\n", 100);
    change = CHANGE_AGAIN;
    change_at = line151;
    struct mm_intel *in = load_checked(&(struct want){
        .loaded = 64, .loaded_max = 150, .malformed = 1, .bad_line = NEXT, .reason = CHANGED_WHY});
    for (unsigned i = 10; i < 100; i++) {
        char a[32];
        snprintf(a, sizeof a, "10.2.3.1%02u", i);
        assert_false(listed_ip(in, a));
    }
    mm_intel_free(in);
}

/* The same for a file read in one piece: nothing settles, nothing is
 * loaded (it is not read whole instead: that read would take it as it is). */
static void test_small_rewritten_again(void **state)
{
    (void)state;
    craft(&feed, "", "10.2.3.145\n", 0);
    change = CHANGE_AGAIN;
    change_at = line151;
    expect_load(&(struct want){.one_piece = true,
                               .unlisted = {"10.1.0.10"},
                               .malformed = 1,
                               .bad_line = 1,
                               .reason = CHANGED_WHY});
}

/* Not a change, but found the same way: a NUL byte after the first piece
 * (the file is read once) ends the text at its line; one in the first
 * piece (here: the whole file) makes it skipped as binary. */
static void test_nul_byte(void **state)
{
    (void)state;
    for (int one = 0; one < 2; one++) {
        addresses(&feed, 150);
        assert_int_equal(mm_buf_append(&feed, "10.2.3.123\0\n", 12), 0);
        addresses(&feed, 10);
        expect_load(one ? &(struct want){.one_piece = true,
                                         .format = "skipped",
                                         .bad_line = ANY,
                                         .malformed = ANY,
                                         .reason = "binary file"}
                        : &(struct want){.unlisted = {"10.2.3.123"},
                                         .loaded = 150,
                                         .malformed = 1,
                                         .bad_line = 151,
                                         .reason = "NUL byte: not text from here on"});
    }
}

/* Another file renamed over the feed while it is read: the file opened
 * is read to its end (it does not change), and the report says so. */
static void test_replaced(void **state)
{
    (void)state;
    craft(&feed, "", "10.2.3.123\n", 0);
    mm_buf_reset(&grown);
    add(&grown, "10.7.7.7\n");
    change = CHANGE_RENAME;
    after = true;
    change_at = 100;
    expect_load(&(struct want){.listed = {"10.2.3.123"},
                               .unlisted = {"10.7.7.7"},
                               .loaded = 151,
                               .note = MM_INTEL_NOTE_REPLACED});
}

/* Unchanged, with a last line without a newline: it is read as always,
 * and every byte once (no second pass over the file). */
static void test_unchanged_last_line(void **state)
{
    (void)state;
    for (int piece = 0; piece < 2; piece++) {
        craft(&feed, "", "10.9.9.9", 0);
        expect_load(&(struct want){
            .one_piece = !piece, .listed = {"10.9.9.9"}, .loaded = 151, .read_once = true});
    }
}

/* The line the sensor prints for a feed that grew while it was read, in
 * both languages: a note, no malformed line. */
static void test_report_line(void **state)
{
    (void)state;
    static const char *const want[] = {
        "mamori-sensor: intel %s: list, 150 loaded, 0 malformed (it grew while it was read: lines "
        "from 151 on "
        "are read at the next reload, SIGHUP)\n",
        "mamori-sensor: 脅威情報 %s: 形式 list、150 件を読み込み、0 行は読み取れませんでした"
        "（読み込んでいる間にファイルの後ろに書き足されました。151 行目から先は、次に SIGHUP で"
        "読み直すときに読み込みます）\n",
    };
    struct mm_buf text = {0};
    addresses(&text, 150);
    mm_buf_reset(&grown);
    add(&grown, "10.2.3.123\n");
    for (int ja = 0; ja < 2; ja++) {
        char *out = NULL, line[1024];
        size_t len = 0;
        struct mm_intel *in = NULL;
        const char *paths[] = {path};
        assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
        change = CHANGE_APPEND;
        after = true;
        change_at = 0;
        changed = false;
        mm_msg_set_lang(ja ? MM_LANG_JA : MM_LANG_EN);
        FILE *log = open_memstream(&out, &len);
        assert_non_null(log);
        mm__intel_feed_piece(64);
        assert_int_equal(mm_intel_build(paths, 1, log, &in), 0);
        mm__intel_feed_piece(0);
        fclose(log);
        assert_true(changed);
        change = CHANGE_NONE;
        after = false;
        snprintf(line, sizeof line, want[ja], path);
        assert_string_equal(out, line);
        free(out);
        mm_intel_free(in);
    }
    mm_msg_set_lang(MM_LANG_EN);
    mm_buf_free(&text);
}

/* Appended to before every read while a line of 16 KB (256 pieces) is
 * read: settle reads the line not taken yet again at each piece, 2 MB in
 * all for a file of 20 KB (quadratic: a 64 MB line took 11 s instead of
 * 0.4 s). What it reads again is bounded by a few times the file; past
 * that the load stops there, reported as changed. */
static void test_long_line_appended(void **state)
{
    (void)state;
    addresses(&feed, 100);
    add(&feed, "# ");
    for (int i = 0; i < 16384; i++)
        add(&feed, "x");
    add(&feed, "\n");
    addresses(&feed, 100);
    mm_buf_reset(&grown);
    add(&grown, "1");
    change = CHANGE_APPEND;
    each = true;
    change_at = 0;
    expect_load(&(struct want){.listed = {"10.1.0.10"},
                               .unlisted = {"10.1.0.1"}, /* a cut last line */
                               .loaded = 99,
                               .loaded_max = 200,
                               .malformed = ANY,
                               .bad_line = ANY,
                               .note = ANY,
                               .max_read = 6 * feed.len});
}

/* A JSON text on one line (maybe STIX) is read whole: only its first
 * piece is read in pieces to see that (it was read all in pieces first,
 * looking for SNIFF_LINES lines). */
static void test_json_one_line(void **state)
{
    (void)state;
    add(&feed, " [");
    for (int i = 0; i < 2000; i++)
        add(&feed, "1,");
    add(&feed, "1]");
    expect_load(&(struct want){.format = "skipped",
                               .malformed = ANY,
                               .bad_line = ANY,
                               .reason = "JSON but not a STIX bundle",
                               .max_read = 64});
}

/* Rewritten in place (same size, after the piece holding line 151's first
 * bytes was read) into a version with two lines where the old one had one
 * at its start, and a malformed line where the old one had 10.2.3.145:
 * the new version is read from its start, so the malformed line is
 * reported with its own number (153), not the old version's (152). */
static void test_reread_line_numbers(void **state)
{
    (void)state;
    craft(&grown, "#aaa\n#bbbb\n", "bad line 1\n", 100);
    craft(&feed, "#aaaaaaaaa\n", "10.2.3.145\n", 100);
    assert_int_equal(grown.len, feed.len);
    change = CHANGE_REWRITE;
    after = true;
    change_at = line151 + 1;
    expect_load(&(struct want){.unlisted = {"10.2.3.145"},
                               .loaded = 250,
                               .malformed = 1,
                               .bad_line = 153,
                               .reason = "more than one field on a list line",
                               .note = MM_INTEL_NOTE_CHANGED,
                               .note_line = 64,
                               .note_line_max = 151});
}

/* The same, rewritten before the read of the piece holding line 100's
 * first bytes (far from both changes): the bytes not taken yet read the
 * same twice (new both times), but the file did not grow, so it was
 * rewritten and is read again from its start too. */
static void test_reread_between_pieces(void **state)
{
    (void)state;
    craft(&grown, "#aaa\n#bbbb\n", "bad line 1\n", 100);
    craft(&feed, "#aaaaaaaaa\n", "10.2.3.145\n", 100);
    change = CHANGE_REWRITE;
    change_at = line151 / 2;
    expect_load(&(struct want){.unlisted = {"10.2.3.145"},
                               .loaded = 250,
                               .malformed = 1,
                               .bad_line = 153,
                               .reason = "more than one field on a list line",
                               .note = MM_INTEL_NOTE_CHANGED});
}

/* Rewritten in place longer (without truncation) after line 151's piece
 * was read: the new version is read whole, its last line too (the read
 * stopped at the old size), and the note says it was rewritten. */
static void test_reread_longer(void **state)
{
    (void)state;
    craft(&grown, "", "10.2.5.167\n", 200);
    add(&grown, "10.4.4.4\n");
    craft(&feed, "", "10.2.3.145\n", 100);
    change = CHANGE_REWRITE;
    after = true;
    change_at = line151 + 1;
    expect_load(&(struct want){.listed = {"10.2.5.167", "10.4.4.4"},
                               .unlisted = {"10.2.3.145"},
                               .loaded = 352,
                               .note = MM_INTEL_NOTE_CHANGED});
}

/* A Feodo-style CSV whose columns are swapped by a rewrite in place (same
 * size) in the middle of the load: the lines read again are read under the
 * new header, not the old one (which made "443" the address). */
static void test_reread_csv_header(void **state)
{
    (void)state;
    mm_buf_reset(&grown);
    add(&feed, "dst_ip,dst_port,malware\n");
    add(&grown, "dst_port,dst_ip,malware\n");
    for (unsigned i = 0; i < 200; i++) {
        char line[64];
        if (i == 100)
            change_at = feed.len + 1;
        snprintf(line, sizeof line, "10.1.%u.%u,443,emotet\n", i / 200, 10 + i % 200);
        add(&feed, line);
        snprintf(line, sizeof line, "443,10.1.%u.%u,emotet\n", i / 200, 10 + i % 200);
        add(&grown, line);
    }
    assert_int_equal(grown.len, feed.len);
    change = CHANGE_REWRITE;
    after = true;
    struct mm_intel *in = load_checked(
        &(struct want){.format = "feodo", .loaded = 200, .note = MM_INTEL_NOTE_CHANGED});
    struct mm_addr a;
    assert_int_equal(mm_addr_parse("10.1.0.209", &a), 0);
    assert_true(mm_intel_match_ip(in, &a, 443, NULL));
    assert_false(mm_intel_match_ip(in, &a, 80, NULL));
    mm_intel_free(in);
}

/* A Maltrail trail whose reference is rewritten (same size, in place) in
 * the middle of the load: the lines read again carry the new version's
 * reference, not the one the old version gave above them. */
static void test_reread_reference(void **state)
{
    (void)state;
    struct mm_intel_hit hit;
    struct mm_addr a;
    craft(&grown, "# Maltrail\n# Reference: https://b.example/new\n", "10.2.5.167\n", 100);
    craft(&feed, "# Maltrail\n# Reference: https://a.example/old\n", "10.2.3.145\n", 100);
    change = CHANGE_REWRITE;
    after = true;
    change_at = line151 + 1;
    struct mm_intel *in = load_checked(&(struct want){
        .format = "maltrail", .loaded = 251, .malformed = ANY, .note = MM_INTEL_NOTE_CHANGED});
    assert_int_equal(mm_addr_parse("10.2.5.167", &a), 0);
    assert_true(mm_intel_match_ip(in, &a, 0, &hit));
    assert_string_equal(hit.reference, "https://b.example/new");
    assert_string_equal(hit.family, "feed");
    mm_intel_free(in);
}

/* ---- the settle rule ---------------------------------------------------- */

/* Two contents of the same size whose lines lie at different offsets: a
 * line read partly from each is a name listed in neither. */
static void two_contents(struct mm_buf *a, struct mm_buf *b, unsigned names)
{
    mm_buf_reset(a);
    mm_buf_reset(b);
    for (unsigned i = 0; i < names; i++) {
        char line[64];
        snprintf(line, sizeof line, "a%06u.example\n", i);
        add(a, line);
        snprintf(line, sizeof line, "bb%u.test\n", i * 7);
        add(b, line);
    }
    while (b->len + 2 <= a->len) {
        add(b, a->len - b->len >= 64
                   ? "#..............................................................\n"
                   : "#\n");
    }
    while (b->len < a->len)
        add(b, "\n");
    assert_int_equal(a->len, b->len);
}

/* How many of the names in a content (two_contents) the set lists. */
static size_t listed_names(const struct mm_intel *in, const struct mm_buf *c)
{
    size_t n = 0;
    const char *p = c->data, *end = c->data + c->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        char name[64];
        size_t k = (size_t)(nl - p);
        if (k > 0 && k < sizeof name && p[0] != '#') {
            memcpy(name, p, k);
            name[k] = '\0';
            n += mm_intel_match_domain(in, name, NULL);
        }
        p = nl + 1;
    }
    return n;
}

/* A writer process that rewrites path in place, alternately with a and b
 * (one pwrite each: write() sets the times before it copies), for ms
 * milliseconds, and last with b. */
static pid_t start_writer(const struct mm_buf *a, const struct mm_buf *b, unsigned ms)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0)
        return pid;
    int w = open(path, O_WRONLY | O_CLOEXEC);
    int64_t end = mm_time_mono_usec() + (int64_t)ms * 1000;
    for (unsigned i = 0; w >= 0; i++) {
        const struct mm_buf *c = i % 2 ? a : b;
        if (pwrite(w, c->data, c->len, 0) != (ssize_t)c->len)
            _exit(1);
        if (c == b && mm_time_mono_usec() >= end)
            _exit(0);
    }
    _exit(1);
}

static volatile sig_atomic_t stop_flag;

/* Loads path under the settle rule of ms, waiting up to wait_ms (0: not at
 * all), postponed (a reload) when postpone: NULL when the load was (its
 * report in *rep, noted). */
static struct mm_intel *load_settled(struct mm_intel_file_report *rep, unsigned ms, int64_t wait_ms,
                                     bool postpone)
{
    struct mm_intel *in = NULL;
    struct mm_intel_file_report *reps = NULL;
    size_t n = 0;
    struct mm_intel_settle rule = {.ms = ms,
                                   .wait_until = wait_ms ? mm_time_mono_usec() + wait_ms * 1000 : 0,
                                   .postpone = postpone,
                                   .stop = &stop_flag};
    changed = false;
    rewrites = 0;
    assert_int_equal(mm_intel_new(&in), 0);
    mm_intel_settle(in, &rule);
    int r = mm_intel_load(in, path, &reps, &n);
    change = CHANGE_NONE;
    after = starts_in = each = false;
    assert_int_equal(n, 1);
    *rep = reps[0];
    free(reps);
    if (r == MM_EAGAIN) {
        assert_true(postpone);
        assert_int_equal(rep->note, MM_INTEL_NOTE_POSTPONED);
        assert_string_equal(rep->path, path);
        mm_intel_free(in);
        return NULL;
    }
    assert_int_equal(r, 0);
    assert_int_equal(mm_intel_seal(in), 0);
    return in;
}

/* A writer rewriting a 3 MB list in place (same size, one pwrite per
 * content) while the sensor starts: the load waits until the file has
 * not changed for the settle time and then reads it, so it holds the last
 * content exactly and no name listed in neither (without the rule, loads
 * under such a writer held such names: see docs/design/intel.md). Three
 * rounds, with the writer starting before the load and while it reads.
 * (A settle time of 300 ms: with 100 ms, a busy machine that kept the
 * writer from running for that long let the load take a torn state.) */
static void test_settle_writer(void **state)
{
    (void)state;
    struct mm_buf a = {0}, b = {0};
    struct mm_intel_file_report rep;
    two_contents(&a, &b, 200000);
    for (int round = 0; round < 3; round++) {
        assert_int_equal(mm_file_write_atomic(path, a.data, a.len), 0);
        pid_t pid = start_writer(&a, &b, 150 + 50 * (unsigned)round);
        if (round > 0)
            usleep(20000 * (useconds_t)round);
        int64_t t0 = mm_time_mono_usec();
        struct mm_intel *in = load_settled(&rep, 300, 5000, false);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        size_t from_b = listed_names(in, &b), from_a = listed_names(in, &a);
        assert_int_equal(from_b, 200000);
        assert_int_equal(mm_intel_count(in), from_a + from_b); /* nothing spliced */
        assert_int_equal(rep.malformed, 0);
        assert_true(rep.note == MM_INTEL_NOTE_NONE || rep.note == MM_INTEL_NOTE_CHANGED);
        assert_true(mm_time_mono_usec() - t0 >= 300000);
        mm_intel_free(in);
    }
    mm_buf_free(&a);
    mm_buf_free(&b);
}

/* A reload finds the feed still being written: the load is postponed
 * (MM_EAGAIN, nothing built; the caller keeps the set in use whole), and
 * once the feed has settled the load reads it. (A settle time of 300 ms:
 * with 50 ms, a busy machine that kept the test from running for that
 * long after the write let the feed settle before the reload.) */
static void test_settle_postpones(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    struct mm_intel_file_report rep;
    craft(&text, "", "10.2.3.145\n", 10);
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    struct mm_intel *before = load_settled(&rep, 300, 2000, false);
    assert_int_equal(rep.note, MM_INTEL_NOTE_NONE);
    assert_true(listed_ip(before, "10.2.3.145"));
    craft(&text, "", "10.2.5.167\n", 10);
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    assert_null(load_settled(&rep, 300, 0, true));
    usleep(350000);
    struct mm_intel *later = load_settled(&rep, 300, 0, true);
    assert_non_null(later);
    assert_int_equal(rep.note, MM_INTEL_NOTE_NONE);
    assert_true(listed_ip(later, "10.2.5.167"));
    assert_false(listed_ip(later, "10.2.3.145"));
    mm_intel_free(before);
    mm_intel_free(later);
    mm_buf_free(&text);
}

/* Rewritten while a reload reads it (the pread wrapper): the load is
 * postponed. */
static void test_settle_changed_in_reload(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    struct mm_intel_file_report rep;
    craft(&text, "", "10.2.3.145\n", 100);
    craft(&grown, "", "10.2.5.167\n", 100);
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    usleep(60000); /* settled */
    mm__intel_feed_piece(64);
    change = CHANGE_REWRITE;
    after = true;
    change_at = line151 + 1;
    struct mm_intel *in = load_settled(&rep, 50, 0, true);
    mm__intel_feed_piece(0);
    assert_true(changed);
    assert_null(in);
    mm_buf_free(&text);
}

#define BUNDLE(ip)                                                                                 \
    "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": ["                                 \
    "{\"type\": \"indicator\", \"id\": \"indicator--1\", \"pattern_type\": \"stix\","              \
    " \"pattern\": \"[ipv4-addr:value = '" ip "']\"}]}\n"

/* A JSON feed (read whole) rewritten while it is read, its size changed
 * (the read wrapper: read_whole fails): under the settle rule it is not
 * left to mm_file_read, which took the half-written bundle (nothing
 * loaded, the indicator dropped); a reload is postponed, the start waits
 * and reads the content once it has settled. */
static void test_settle_json_read_whole(void **state)
{
    (void)state;
    struct mm_intel_file_report rep;
    const char *half = "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": [{\"type\"";
    assert_int_equal(
        mm_file_write_atomic(path, BUNDLE("198.51.100.3"), strlen(BUNDLE("198.51.100.3"))), 0);
    usleep(60000); /* settled */
    read_path = path;
    read_text = half;
    read_min = strlen(BUNDLE("198.51.100.3")) + 1;
    struct mm_intel *in = load_settled(&rep, 50, 0, true);
    assert_null(read_path); /* the change happened */
    assert_null(in);
    /* the start: waits for the half bundle to settle, then reads it (a
     * JSON feed cut short: nothing loaded, and said so) */
    assert_int_equal(
        mm_file_write_atomic(path, BUNDLE("198.51.100.3"), strlen(BUNDLE("198.51.100.3"))), 0);
    usleep(60000);
    read_path = path;
    int64_t t0 = mm_time_mono_usec();
    in = load_settled(&rep, 50, 2000, false);
    assert_null(read_path);
    assert_true(mm_time_mono_usec() - t0 >=
                40000); /* it waited (file times are coarse: a few ms) */
    assert_int_equal(rep.loaded, 0);
    mm_intel_free(in);
}

/* At start-up, a feed that never settles within the wait is loaded as it
 * is read, and the report says it was still being written. */
static void test_settle_gives_up(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    struct mm_intel_file_report rep;
    craft(&text, "", "10.2.3.145\n", 10);
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    int64_t t0 = mm_time_mono_usec();
    struct mm_intel *in = load_settled(&rep, 10000, 100, false);
    int64_t took = mm_time_mono_usec() - t0;
    assert_true(took >= 100000 && took < 2000000);
    assert_int_equal(rep.note, MM_INTEL_NOTE_UNSETTLED);
    assert_int_equal(rep.loaded, 161);
    assert_true(listed_ip(in, "10.2.3.145"));
    mm_intel_free(in);
    mm_buf_free(&text);
}

/* The wait ends once the stop flag is set (a SIGTERM at start): the feed
 * is loaded as read at once, not after the whole wait. */
static void test_settle_stop(void **state)
{
    (void)state;
    struct mm_buf text = {0};
    struct mm_intel_file_report rep;
    craft(&text, "", "10.2.3.145\n", 10);
    assert_int_equal(mm_file_write_atomic(path, text.data, text.len), 0);
    stop_flag = 1;
    int64_t t0 = mm_time_mono_usec();
    struct mm_intel *in = load_settled(&rep, 10000, 5000, false);
    int64_t took = mm_time_mono_usec() - t0;
    stop_flag = 0;
    assert_true(took < 1000000);
    assert_int_equal(rep.note, MM_INTEL_NOTE_UNSETTLED);
    mm_intel_free(in);
    mm_buf_free(&text);
}

/* A reload postponed for postpone_max (a minute in the sensor, 1 ms
 * here) is not postponed again: it waits for the feed like the start
 * (three settle times: 1.2 s), then loads it as read (its report says so),
 * one line saying that the limit forced the load and how long the reload
 * had been postponed; that ends the postponement. (A settle time of 400 ms:
 * the writer keeps the feed younger than that even on a busy machine.) */
static void test_settle_postpone_max(void **state)
{
    (void)state;
    struct mm_buf a = {0}, b = {0};
    char *out = NULL, want[1024];
    size_t len = 0;
    FILE *log = open_memstream(&out, &len);
    assert_non_null(log);
    struct mm_reload r = {.settle_ms = 400, .postpone_max = 1000, .stop = &stop_flag, .log = log};
    const char *paths[] = {path};
    struct mm_intel *fresh = NULL;
    int rc;
    two_contents(&a, &b, 1000);
    assert_int_equal(mm_file_write_atomic(path, a.data, a.len), 0);
    pid_t pid = start_writer(&a, &b, 10000);
    struct mm_intel_settle rule = mm_reload_rule(&r, mm_time_mono_usec(), true);
    assert_true(rule.postpone);
    assert_int_equal(mm_reload_start(&r, paths, 1, &rule), 0);
    assert_true(mm_reload_wait(&r, &fresh, &rc));
    assert_int_equal(rc, MM_EAGAIN);
    assert_null(fresh);
    mm_reload_postponed(&r, mm_time_mono_usec(), r.notes.postponed.path, false);
    assert_true(r.retry_at != 0);
    assert_false(mm_reload_retry_due(&r, mm_time_mono_usec())); /* (in 0.4 s) */
    usleep(2000);
    rule = mm_reload_rule(&r, mm_time_mono_usec(), true);
    assert_false(rule.postpone);
    assert_int_equal(mm_reload_start(&r, paths, 1, &rule), 0);
    assert_true(mm_reload_wait(&r, &fresh, &rc));
    assert_int_equal(kill(pid, SIGKILL), 0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    assert_int_equal(rc, 0);
    assert_non_null(fresh);
    assert_int_equal(r.notes.unsettled, 1);
    assert_int_equal(r.postponed_since, 0); /* (the postponement ended) */
    assert_false(r.retry_due);
    fclose(log);
    const char *head = "mamori-sensor: intel reload postponed for ", *line = strstr(out, head);
    assert_non_null(line);
    char *rest;
    double secs = strtod(line + strlen(head), &rest);
    assert_true(secs >= 1.1); /* the wait of three settle times */
    snprintf(want, sizeof want,
             " s is not postponed again (a minute at most): feeds still being written were "
             "loaded as they were read (1; the first: %s)\n",
             path);
    assert_string_equal(rest, want);
    /* (no retry follows a reload forced so: the note asks for a SIGHUP,
     * unlike the start's) */
    assert_non_null(strstr(out, "(it was still being written after the wait at a reload "
                                "postponed for a minute: loaded as it was read, which may hold "
                                "lines its writer had cut or mixed; reload when its writer is "
                                "done, SIGHUP)\n"));
    free(out);
    mm_intel_free(fresh);
    mm_buf_free(&a);
    mm_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_short),
        cmocka_unit_test(test_cut_after_read),
        cmocka_unit_test(test_cut_at_line_end),
        cmocka_unit_test(test_grown),
        cmocka_unit_test(test_appended_mid_line),
        cmocka_unit_test(test_appended_lines),
        cmocka_unit_test(test_small_appended),
        cmocka_unit_test(test_rewritten_same_size),
        cmocka_unit_test(test_rewritten_before_read),
        cmocka_unit_test(test_rewritten_again),
        cmocka_unit_test(test_small_rewritten_again),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_replaced),
        cmocka_unit_test(test_unchanged_last_line),
        cmocka_unit_test(test_report_line),
        cmocka_unit_test(test_long_line_appended),
        cmocka_unit_test(test_json_one_line),
        cmocka_unit_test(test_reread_line_numbers),
        cmocka_unit_test(test_reread_between_pieces),
        cmocka_unit_test(test_reread_longer),
        cmocka_unit_test(test_reread_csv_header),
        cmocka_unit_test(test_reread_reference),
        cmocka_unit_test(test_settle_writer),
        cmocka_unit_test(test_settle_postpones),
        cmocka_unit_test(test_settle_changed_in_reload),
        cmocka_unit_test(test_settle_json_read_whole),
        cmocka_unit_test(test_settle_gives_up),
        cmocka_unit_test(test_settle_stop),
        cmocka_unit_test(test_settle_postpone_max),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
