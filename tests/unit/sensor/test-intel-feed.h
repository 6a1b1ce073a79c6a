/* SPDX-License-Identifier: Apache-2.0
 * The sensor tests' intel set from a feed text: writes the text to
 * "<dir>/feed.txt" (replacing it) and loads and seals a new set from it,
 * failing the cmocka test on any error. One helper for test-sensor.c and
 * the direct-EVE tests (test-eve-direct.c). */
#ifndef MM_TEST_INTEL_FEED_H
#define MM_TEST_INTEL_FEED_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "../test-tmpdir.h"
#include "sensor/intel/intel.h"

/* A sealed intel set holding the indicators of feed_text (owned). */
static inline struct mm_intel *test_intel_from_feed(const char *dir, const char *feed_text)
{
    char feed[TEST_TMPDIR_MAX];
    assert_int_equal(test_tmpdir_join(feed, sizeof feed, dir, "feed.txt"), 0);
    FILE *f = fopen(feed, "w");
    assert_non_null(f);
    fputs(feed_text, f);
    fclose(f);
    struct mm_intel *in = NULL;
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm_intel_load(in, feed, NULL, NULL), 0);
    assert_int_equal(mm_intel_seal(in), 0);
    return in;
}

#endif
