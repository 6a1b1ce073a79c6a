/* SPDX-License-Identifier: Apache-2.0
 * mm_uplink_state_load clears the sensor's key from the memory it frees:
 * free is wrapped here (-Wl,--wrap=free) and, while `watching` is set,
 * every block freed by the core and the sensor code linked into this test
 * is searched for the key (malloc_usable_size bytes: the requested size
 * under ASan). Both ways out of the load are checked: a state file read,
 * and one whose syntax error comes after the key line. What libc frees
 * itself (the stdio buffer fclose frees) is not seen here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/output/uplink.h"
#include "../test-tmpdir.h"

#define KEY "mms_k3y-that-must-not-stay-in-freed-memory"

void __real_free(void *p);
void __wrap_free(void *p);

static bool watching;
static int frees_with_key, frees_seen;

void __wrap_free(void *p)
{
    if (watching && p) {
        frees_seen++;
        if (memmem(p, malloc_usable_size(p), KEY, strlen(KEY)))
            frees_with_key++;
    }
    __real_free(p);
}

static char dir[TEST_TMPDIR_MAX];

/* Writes the state file text, loads it while watching frees; the load's
 * result. */
static int load_watched(const char *text, struct mm_uplink_state *st)
{
    char path[TEST_TMPDIR_MAX + 32];
    assert_int_equal(test_tmpdir_join(path, sizeof path, dir, MM_UPLINK_STATE_FILE), 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    frees_with_key = frees_seen = 0;
    watching = true;
    int r = mm_uplink_state_load(dir, (uid_t)-1, st);
    watching = false;
    return r;
}

static void test_key_cleared_after_load(void **state)
{
    (void)state;
    struct mm_uplink_state st;
    assert_int_equal(
        load_watched("[uplink]\ncenter = http://127.0.0.1:9\nkey = " KEY "\nsensor_id = 7\n", &st),
        0);
    assert_string_equal(st.key, KEY);
    assert_true(frees_seen > 0); /* the wrap sees the ini's frees */
    assert_int_equal(frees_with_key, 0);
}

static void test_key_cleared_after_syntax_error(void **state)
{
    (void)state;
    struct mm_uplink_state st;
    assert_int_equal(load_watched("[uplink]\nkey = " KEY "\nno equals sign here\n", &st),
                     MM_EPARSE);
    assert_true(frees_seen > 0);
    assert_int_equal(frees_with_key, 0);
}

static int setup(void **state)
{
    (void)state;
    return test_tmpdir_make(dir, sizeof dir, "uplink-wipe");
}

static int teardown(void **state)
{
    (void)state;
    return test_tmpdir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_cleared_after_load),
        cmocka_unit_test(test_key_cleared_after_syntax_error),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
