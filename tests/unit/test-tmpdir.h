/* SPDX-License-Identifier: Apache-2.0
 * The tests' temporary directories: make a fresh one named after the test
 * ("mm-test-<tag>-XXXXXX" under $TMPDIR, or /tmp when it is unset or empty),
 * join a file name to it, and remove it again with everything in it (nftw,
 * depth first, without following symbolic links; no shell). Each test keeps
 * its own path buffer: TEST_TMPDIR_MAX bytes, or fewer where the test builds
 * longer paths under it (a path that does not fit fails, never truncates). */
#ifndef MM_TEST_TMPDIR_H
#define MM_TEST_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define TEST_TMPDIR_MAX 256

/* Writes "<dir>/<name>" into out (n bytes). 0, or -1 when it does not fit. */
static inline int test_tmpdir_join(char *out, size_t n, const char *dir, const char *name)
{
    int len = snprintf(out, n, "%s/%s", dir, name);
    return len < 0 || (size_t)len >= n ? -1 : 0;
}

/* Makes a fresh, empty directory for the test called tag and writes its
 * path into dir (n bytes). 0, or -1 (dir then holds an empty string). */
static inline int test_tmpdir_make(char *dir, size_t n, const char *tag)
{
    const char *base = getenv("TMPDIR");
    char leaf[64];
    if (!base || !base[0])
        base = "/tmp";
    int len = snprintf(leaf, sizeof leaf, "mm-test-%s-XXXXXX", tag);
    if (len < 0 || (size_t)len >= sizeof leaf || test_tmpdir_join(dir, n, base, leaf) != 0 ||
        !mkdtemp(dir)) {
        if (n)
            dir[0] = '\0';
        return -1;
    }
    return 0;
}

/* A fresh directory for the test called tag (test_tmpdir_make) and the path
 * of the file called name in it (test_tmpdir_join): the usual cmocka setup
 * of a test that writes one file, which also leaves dir in *state for
 * test_tmpdir_teardown. 0, or -1. */
static inline int test_tmpdir_make_file(void **state, char *dir, size_t dn, const char *tag,
                                        char *path, size_t pn, const char *name)
{
    *state = dir;
    if (test_tmpdir_make(dir, dn, tag) != 0)
        return -1;
    return test_tmpdir_join(path, pn, dir, name);
}

static inline int test_tmpdir_remove_one(const char *path, const struct stat *st, int flag,
                                         struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes dir and everything under it. 0, or -1 when something stayed. */
static inline int test_tmpdir_remove(const char *dir)
{
    return nftw(dir, test_tmpdir_remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

/* The cmocka teardown (of a group or of one test) of test_tmpdir_make_file:
 * removes the directory its setup left in *state. */
static inline int test_tmpdir_teardown(void **state)
{
    return test_tmpdir_remove(*state);
}

#endif
