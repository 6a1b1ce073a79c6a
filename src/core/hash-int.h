/* SPDX-License-Identifier: Apache-2.0
 * Internal to core: the SHA-1 block functions (the hardware one in
 * sha1-shani.c), for hash.c and community-id.c (one block, no buffering). */
#ifndef MM_CORE_HASH_INT_H
#define MM_CORE_HASH_INT_H

#include <stdbool.h>
#include <stdint.h>

/* True when this CPU has the SHA extensions (asked once). */
bool mm__sha1_hw_available(void);
/* One 64-byte block into h[5] with the SHA instructions. */
void mm__sha1_block_hw(uint32_t *h, const uint8_t *block);
/* Two independent blocks, each into its own state, with their rounds
 * interleaved: the same results as two mm__sha1_block_hw calls. */
void mm__sha1_blocks2_hw(uint32_t *h0, const uint8_t *block0, uint32_t *h1, const uint8_t *block1);
/* The portable block function, for tests comparing both. */
void mm__sha1_block_portable(uint32_t *h, const uint8_t *block);

#endif
