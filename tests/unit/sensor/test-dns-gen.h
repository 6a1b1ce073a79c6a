/* SPDX-License-Identifier: Apache-2.0
 * The byte writer under the DNS tests' random message builders
 * (test-decode-dns-diff.c, test-eve-dns.c): a message buffer with the
 * offsets of the names written so far (targets for compression pointers),
 * and big-endian 8-, 16- and 32-bit writes that stop silently at the end
 * of the buffer. Each test keeps its own random choices (its own generator
 * and odds), so what each one builds stays exactly as it was; only the
 * buffer's size differs: define TEST_DNS_GEN_CAP (bytes) before including. */
#ifndef MM_TEST_DNS_GEN_H
#define MM_TEST_DNS_GEN_H

#include <stddef.h>
#include <stdint.h>

#ifndef TEST_DNS_GEN_CAP
#error "define TEST_DNS_GEN_CAP (the message buffer's size) before including test-dns-gen.h"
#endif

struct gen {
    uint8_t b[TEST_DNS_GEN_CAP];
    size_t n;
    size_t names[32]; /* offsets of names written so far (pointer targets) */
    size_t nnames;
};

static inline void put8(struct gen *g, unsigned v)
{
    if (g->n < sizeof g->b)
        g->b[g->n++] = (uint8_t)v;
}

static inline void put16(struct gen *g, unsigned v)
{
    put8(g, v >> 8);
    put8(g, v);
}

static inline void put32(struct gen *g, uint32_t v)
{
    put16(g, v >> 16);
    put16(g, v & 0xFFFF);
}

#endif
