/* SPDX-License-Identifier: Apache-2.0
 * Fuzz harness for IP fragment reassembly (src/sensor/defrag.c): the
 * packets of one input, decoded as raw IP with reassembly on, go through one
 * small table (low memory cap and datagram limit, so eviction runs), the
 * clock advancing so timeouts run; every rebuilt datagram is decoded again
 * from an exact-size copy, every witness of a datagram given up is read
 * field by field, and the run ends with mm_defrag_end, after which every
 * datagram not reassembled must have been shown exactly once: the handler's
 * calls equal the give-up counters plus the pending ones. Input: byte 0 sets
 * the clock step, then packets,
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

/* What the give-up handler saw. */
struct seen {
    uint64_t calls, with_ports;
};

/* A witness is flowless and points nowhere; reading its fields lets the
 * sanitizers check it was built from initialised memory. */
static void on_give_up(void *arg, const struct mm_packet *w)
{
    struct seen *seen = arg;
    if (w->data || w->l3 || w->l4 || w->payload || w->flow || !w->fragment ||
        (w->ip_version != 4 && w->ip_version != 6))
        abort();
    seen->calls++;
    seen->with_ports += w->sport + w->dport + w->ip_proto > 0;
}

/* Every datagram ends in exactly one counter (or pending), and each one
 * not reassembled was shown once (defrag.h, mm_defrag_on_give_up). */
static void check_shown_once(const struct mm_defrag *d, const struct seen *seen)
{
    const struct mm_defrag_stats *st = mm_defrag_stats(d);
    uint64_t given_up = st->timeouts + st->overlaps + st->too_large + st->max_frags + st->evicted +
                        st->memcap_drops + st->invalid + mm_defrag_pending(d);
    if (seen->calls != given_up)
        abort();
}

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
    struct seen seen = {0, 0};
    mm_defrag_on_give_up(d, on_give_up, &seen);
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
            struct mm_packet whole;
            if (mm_defrag_packet(d, &p, clock, &res, &whole) == 1) {
                /* an exact-size copy, so a read past the rebuilt packet shows */
                uint8_t *copy = malloc(whole.caplen);
                if (copy) {
                    memcpy(copy, whole.data, whole.caplen);
                    struct mm_packet again;
                    memset(&again, 0, sizeof(again));
                    again.data = copy;
                    again.caplen = again.len = whole.caplen;
                    (void)mm_decode_ethertype(&again, p.ip_version == 4 ? 0x0800 : 0x86dd, copy,
                                              whole.caplen);
                    free(copy);
                }
            }
        }
        free(pkt);
        mm_defrag_expire(d, clock);
        if (mm_defrag_memuse(d) > cfg.memcap || mm_defrag_pending(d) > cfg.max_datagrams)
            abort(); /* a bound was passed */
    }
    mm_defrag_end(d);
    check_shown_once(d, &seen);
    mm_defrag_end(d); /* again: shows nothing more */
    check_shown_once(d, &seen);
    mm_defrag_free(d);
    return 0;
}
