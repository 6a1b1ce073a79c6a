/* SPDX-License-Identifier: Apache-2.0
 * Shared body of the application decoder harnesses (fuzz-dns.c ...
 * fuzz-rdp.c): runs one decoder's parse() the way the pipeline does, with
 * a context whose emit frees the event. UDP decoders get the input as one
 * datagram. TCP decoders get it twice: whole in direction 0, then in
 * direction 1 cut into segments of 1 + (size % 13) bytes appended to a
 * per-direction buffer and re-presented until consumed (exact-size copies,
 * so ASan sees any read past the end). */
#ifndef MM_FUZZ_APP_H
#define MM_FUZZ_APP_H

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/decode/decode.h"

static void fuzz_emit_free(struct mm_app_ctx *ctx, json_t *ev)
{
    (void)ctx;
    json_decref(ev);
}

/* Appends data to buf and lets the decoder consume; false once it failed. */
static bool fuzz_stream(const struct mm_app_decoder *d, struct mm_app_ctx *ctx, uint8_t **buf,
                        size_t *blen, const uint8_t *data, size_t len)
{
    uint8_t *nb = realloc(*buf, *blen + len + 1);
    if (!nb)
        return false;
    *buf = nb;
    memcpy(*buf + *blen, data, len);
    *blen += len;
    for (int round = 0; round < 64 && *blen > 0; round++) {
        uint8_t *exact = malloc(*blen);
        if (!exact)
            return false;
        memcpy(exact, *buf, *blen);
        long r = d->parse(ctx, exact, *blen);
        free(exact);
        if (r < 0)
            return false;
        if (r == 0)
            break;
        if ((size_t)r > *blen)
            abort(); /* a decoder may never consume more than it was given */
        memmove(*buf, *buf + r, *blen - (size_t)r);
        *blen -= (size_t)r;
    }
    return true;
}

static int fuzz_app_run(const struct mm_app_decoder *d, uint16_t port, const uint8_t *data,
                        size_t size)
{
    struct mm_packet p;
    void *state = NULL;
    memset(&p, 0, sizeof p);
    p.ip_version = 4;
    p.src.family = p.dst.family = 4;
    p.src.bytes[0] = 192;
    p.dst.bytes[0] = 198;
    p.ip_proto = d->transport;
    p.sport = 50000;
    p.dport = port;
    p.num = 1;
    struct mm_app_ctx ctx = {.pkt = &p, .state = &state, .emit = fuzz_emit_free};
    (void)d->probe(&p, data, size);
    if (d->transport == IPPROTO_UDP) {
        uint8_t *copy = malloc(size ? size : 1);
        if (!copy)
            return 0;
        memcpy(copy, data, size);
        d->parse(&ctx, copy, size);
        free(copy);
    } else {
        uint8_t *buf[2] = {NULL, NULL};
        size_t blen[2] = {0, 0};
        ctx.dir = 0;
        fuzz_stream(d, &ctx, &buf[0], &blen[0], data, size);
        ctx.dir = 1;
        size_t step = 1 + size % 13;
        for (size_t off = 0; off < size; off += step) {
            size_t n = size - off < step ? size - off : step;
            if (!fuzz_stream(d, &ctx, &buf[1], &blen[1], data + off, n))
                break;
        }
        free(buf[0]);
        free(buf[1]);
    }
    if (d->state_free && state)
        d->state_free(state);
    return 0;
}

#endif
