/* SPDX-License-Identifier: Apache-2.0
 * How the packet-level harnesses (fuzz-packet.c, fuzz-defrag.c) cut their
 * input into packets: a 2-byte big-endian length, then that many bytes (cut
 * at the end of the input), repeated. Each packet is an exact-size heap
 * copy, so ASan sees any read past its captured length. */
#ifndef MM_FUZZ_PACKETS_H
#define MM_FUZZ_PACKETS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The next packet of data[*off..size) as a malloc'd copy (free it), its
 * length in *len; NULL at the end of the input or when out of memory. */
static uint8_t *fuzz_next_packet(const uint8_t *data, size_t size, size_t *off, size_t *len)
{
    if (*off + 2 > size)
        return NULL;
    size_t n = ((size_t)data[*off] << 8) | data[*off + 1];
    *off += 2;
    if (n > size - *off)
        n = size - *off;
    uint8_t *pkt = malloc(n ? n : 1);
    if (!pkt)
        return NULL;
    memcpy(pkt, data + *off, n);
    *off += n;
    *len = n;
    return pkt;
}

#endif
