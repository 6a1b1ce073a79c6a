/* SPDX-License-Identifier: Apache-2.0
 * Byte builders for the capture file reader's tests (test-capture-file.c,
 * test-capture-file-diff.c): classic pcap headers and records, pcapng
 * section headers, interface descriptions with options and packet blocks,
 * in either byte order. Header-only: each test includes it once. */
#ifndef MM_TEST_CAPTURE_FILE_BUILD_H
#define MM_TEST_CAPTURE_FILE_BUILD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cbuf {
    uint8_t *b;
    size_t n, cap;
    int big; /* write big-endian (the other byte order on x86) */
};

static void cb_bytes(struct cbuf *c, const void *p, size_t n)
{
    if (c->n + n > c->cap) {
        size_t cap = c->cap ? c->cap : 256;
        while (cap < c->n + n)
            cap *= 2;
        c->b = realloc(c->b, cap);
        if (!c->b)
            abort();
        c->cap = cap;
    }
    if (n)
        memcpy(c->b + c->n, p, n);
    c->n += n;
}

static void cb_u8(struct cbuf *c, uint8_t v)
{
    cb_bytes(c, &v, 1);
}

static void cb_u16(struct cbuf *c, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    if (c->big) {
        b[0] = (uint8_t)(v >> 8);
        b[1] = (uint8_t)v;
    }
    cb_bytes(c, b, 2);
}

static void cb_u32(struct cbuf *c, uint32_t v)
{
    if (c->big) {
        cb_u16(c, (uint16_t)(v >> 16));
        cb_u16(c, (uint16_t)v);
    } else {
        cb_u16(c, (uint16_t)v);
        cb_u16(c, (uint16_t)(v >> 16));
    }
}

static void cb_u64(struct cbuf *c, uint64_t v)
{
    if (c->big) {
        cb_u32(c, (uint32_t)(v >> 32));
        cb_u32(c, (uint32_t)v);
    } else {
        cb_u32(c, (uint32_t)v);
        cb_u32(c, (uint32_t)(v >> 32));
    }
}

static void cb_pad4(struct cbuf *c)
{
    while (c->n % 4)
        cb_u8(c, 0);
}

/* A recognisable payload: byte i of packet seed is seed + i. */
static void cb_payload(struct cbuf *c, uint32_t n, uint8_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        cb_u8(c, (uint8_t)(seed + i));
}

static void cb_free(struct cbuf *c)
{
    free(c->b);
    memset(c, 0, sizeof(*c));
}

/* ---- classic pcap ---- */

static void pcap_header(struct cbuf *c, uint32_t magic, uint16_t major, uint16_t minor,
                        uint32_t snaplen, uint32_t linktype)
{
    cb_u32(c, magic);
    cb_u16(c, major);
    cb_u16(c, minor);
    cb_u32(c, 0);
    cb_u32(c, 0);
    cb_u32(c, snaplen);
    cb_u32(c, linktype);
}

static void pcap_record(struct cbuf *c, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t len,
                        uint8_t seed)
{
    cb_u32(c, sec);
    cb_u32(c, frac);
    cb_u32(c, caplen);
    cb_u32(c, len);
    cb_payload(c, caplen, seed);
}

/* ---- pcapng ---- */

/* Starts a block; returns its start for ng_end. */
static size_t ng_begin(struct cbuf *c, uint32_t type)
{
    size_t start = c->n;
    cb_u32(c, type);
    cb_u32(c, 0); /* total length, set by ng_end */
    return start;
}

/* Pads the body, writes the trailing length and patches the leading one. */
static void ng_end(struct cbuf *c, size_t start)
{
    cb_pad4(c);
    uint32_t total = (uint32_t)(c->n - start + 4);
    cb_u32(c, total);
    size_t keep = c->n;
    c->n = start + 4;
    cb_u32(c, total);
    c->n = keep;
}

static void ng_shb(struct cbuf *c, uint16_t major, uint16_t minor)
{
    size_t s = ng_begin(c, 0x0a0d0d0a);
    cb_u32(c, 0x1a2b3c4d);
    cb_u16(c, major);
    cb_u16(c, minor);
    cb_u64(c, UINT64_MAX);
    ng_end(c, s);
}

static void ng_opt(struct cbuf *c, uint16_t code, const void *v, uint16_t len)
{
    cb_u16(c, code);
    cb_u16(c, len);
    cb_bytes(c, v, len);
    cb_pad4(c);
}

/* An interface; tsresol < 0: no if_tsresol option; tsoffset used when
 * has_offset. */
static void ng_idb(struct cbuf *c, uint16_t linktype, uint32_t snaplen, int tsresol, int has_offset,
                   int64_t tsoffset)
{
    size_t s = ng_begin(c, 1);
    cb_u16(c, linktype);
    cb_u16(c, 0);
    cb_u32(c, snaplen);
    ng_opt(c, 2, "eth0", 4); /* if_name, skipped */
    if (tsresol >= 0) {
        uint8_t r = (uint8_t)tsresol;
        ng_opt(c, 9, &r, 1);
    }
    if (has_offset) {
        cb_u16(c, 14);
        cb_u16(c, 8);
        cb_u64(c, (uint64_t)tsoffset);
    }
    ng_opt(c, 0, NULL, 0);
    ng_end(c, s);
}

static void ng_epb(struct cbuf *c, uint32_t iface, uint64_t t, uint32_t caplen, uint32_t len,
                   uint8_t seed)
{
    size_t s = ng_begin(c, 6);
    cb_u32(c, iface);
    cb_u32(c, (uint32_t)(t >> 32));
    cb_u32(c, (uint32_t)t);
    cb_u32(c, caplen);
    cb_u32(c, len);
    cb_payload(c, caplen, seed);
    cb_pad4(c);
    ng_opt(c, 1, "comment", 7); /* opt_comment, skipped */
    ng_opt(c, 0, NULL, 0);
    ng_end(c, s);
}

/* Simple packet block with n bytes of data (the packet's length is len). */
static void ng_spb(struct cbuf *c, uint32_t len, uint32_t n, uint8_t seed)
{
    size_t s = ng_begin(c, 3);
    cb_u32(c, len);
    cb_payload(c, n, seed);
    ng_end(c, s);
}

/* Obsolete packet block. */
static void ng_pb(struct cbuf *c, uint16_t iface, uint64_t t, uint32_t caplen, uint32_t len,
                  uint8_t seed)
{
    size_t s = ng_begin(c, 2);
    cb_u16(c, iface);
    cb_u16(c, 0);
    cb_u32(c, (uint32_t)(t >> 32));
    cb_u32(c, (uint32_t)t);
    cb_u32(c, caplen);
    cb_u32(c, len);
    cb_payload(c, caplen, seed);
    ng_end(c, s);
}

/* A block of a type the reader does not know, with n bytes of body. */
static void ng_other(struct cbuf *c, uint32_t type, uint32_t n)
{
    size_t s = ng_begin(c, type);
    cb_payload(c, n, 0x55);
    ng_end(c, s);
}

/* Writes c to path; 0 or -1. */
static int cb_write(const struct cbuf *c, const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = c->n ? fwrite(c->b, 1, c->n, f) : 0;
    return fclose(f) == 0 && w == c->n ? 0 : -1;
}

#endif
