/* SPDX-License-Identifier: Apache-2.0
 * Fuzz harness for IP fragment reassembly (src/sensor/defrag.c): the
 * packets of one input, decoded as raw IP with reassembly on, go through one
 * small table (low memory cap and datagram limit, so eviction runs), the
 * clock advancing so timeouts run; every rebuilt datagram is decoded again
 * with mm_defrag_decode. Input: byte 0 sets the clock step, then packets,
 * each a 2-byte big-endian length and the bytes (each on a heap copy of
 * exactly that length, so ASan sees any read past it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-packets.h"
#include "sensor/decode/decode.h"
#include "sensor/defrag.h"

#define PACKETS_MAX 256
#define USEC        1000000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct mm_defrag_config cfg;
    mm_defrag_config_defaults(&cfg);
    cfg.memcap = 64 * 1024; /* less than max_datagrams empty records: both limits bite */
    cfg.max_datagrams = 80;
    cfg.timeout = 5;
    struct mm_defrag *d = NULL;
    if (mm_defrag_new(&cfg, &d) != 0)
        return 0;
    int64_t clock = 0, step = (int64_t)(data[0] % 8) * USEC / 2;
    size_t off = 1;
    size_t len;
    uint8_t *pkt;
    for (int n = 0; n < PACKETS_MAX && (pkt = fuzz_next_packet(data, size, &off, &len)); n++) {
        struct mm_packet p;
        memset(&p, 0, sizeof(p));
        p.data = pkt;
        p.caplen = p.len = (uint32_t)len;
        p.linktype = 101; /* LINKTYPE_RAW */
        p.num = (uint64_t)n + 1;
        p.defrag = true;
        clock += step;
        if (mm_decode_packet(&p) == 0 && p.fragment && p.defrag) {
            struct mm_defrag_result res;
            const uint8_t *out;
            uint32_t out_len;
            if (mm_defrag_packet(d, &p, clock, &res, &out, &out_len) == 1) {
                /* an exact-size copy, so a read past the rebuilt packet shows */
                uint8_t *copy = malloc(out_len);
                if (copy) {
                    memcpy(copy, out, out_len);
                    struct mm_packet whole;
                    (void)mm_defrag_decode(&p, copy, out_len, &whole);
                    free(copy);
                }
            }
        }
        free(pkt);
        mm_defrag_expire(d, clock);
        if (mm_defrag_memuse(d) > cfg.memcap || mm_defrag_pending(d) > cfg.max_datagrams)
            abort(); /* a bound was passed */
    }
    mm_defrag_free(d);
    return 0;
}
