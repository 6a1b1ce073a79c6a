/* SPDX-License-Identifier: Apache-2.0
 * The tests' pseudo-random numbers: one xorshift64 step (Marsaglia's 13, 7,
 * 17), so a randomised test repeats the same inputs on every run. Each test
 * keeps its own state word and seed. */
#ifndef MM_TEST_RAND_H
#define MM_TEST_RAND_H

#include <stdint.h>

static inline uint64_t test_xorshift(uint64_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    return *state;
}

#endif
