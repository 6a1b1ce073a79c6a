/* SPDX-License-Identifier: Apache-2.0
 * Private helpers shared by the application decoders (decode-dns.c,
 * decode-tls.c, ...): bounds-checked big/little-endian readers over a
 * cursor, safe conversion of wire bytes into JSON strings, and the one call
 * that wraps a protocol object into an EVE event and hands it to ctx->emit.
 * Not part of the decoder contract (decode.h); mm__ names are internal. */
#ifndef MM_SENSOR_DECODE_APP_UTIL_H
#define MM_SENSOR_DECODE_APP_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/decode.h"

/* Nonzero (the top bit of each such byte, and perhaps of others) when one
 * of the eight bytes of w is not printable ASCII (0x20-0x7e): below 0x20,
 * w - 0x20.. borrows into that byte's top bit (exact for the question "any
 * byte": a borrow only runs upwards from such a byte); above 0x7e, w +
 * 0x01.. sets the top bit of 0x7f, and bytes from 0x80 have it (a carry
 * out of 0xff comes from a byte that is flagged itself). Word-at-a-time
 * tests of mm__app_text's plain runs and of DNS labels. */
static inline uint64_t mm__unprintable8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    return ((w - ones * 0x20) & ~w & high) | (((w + ones) | w) & high);
}

/* A read cursor: every read checks the remaining length first and fails
 * (returns false) instead of reading past end. */
struct mm__cur {
    const uint8_t *p;
    size_t len, off;
};

static inline void mm__cur_init(struct mm__cur *c, const uint8_t *p, size_t len)
{
    c->p = p;
    c->len = len;
    c->off = 0;
}

static inline size_t mm__cur_left(const struct mm__cur *c)
{
    return c->len - c->off;
}

static inline bool mm__cur_skip(struct mm__cur *c, size_t n)
{
    if (n > mm__cur_left(c))
        return false;
    c->off += n;
    return true;
}

static inline bool mm__cur_u8(struct mm__cur *c, uint8_t *v)
{
    if (mm__cur_left(c) < 1)
        return false;
    *v = c->p[c->off++];
    return true;
}

static inline bool mm__cur_u16(struct mm__cur *c, uint16_t *v)
{
    if (mm__cur_left(c) < 2)
        return false;
    *v = (uint16_t)(c->p[c->off] << 8 | c->p[c->off + 1]);
    c->off += 2;
    return true;
}

static inline bool mm__cur_u24(struct mm__cur *c, uint32_t *v)
{
    if (mm__cur_left(c) < 3)
        return false;
    *v = (uint32_t)c->p[c->off] << 16 | (uint32_t)c->p[c->off + 1] << 8 | c->p[c->off + 2];
    c->off += 3;
    return true;
}

static inline bool mm__cur_u32(struct mm__cur *c, uint32_t *v)
{
    if (mm__cur_left(c) < 4)
        return false;
    *v = (uint32_t)c->p[c->off] << 24 | (uint32_t)c->p[c->off + 1] << 16 |
         (uint32_t)c->p[c->off + 2] << 8 | c->p[c->off + 3];
    c->off += 4;
    return true;
}

/* Takes n bytes as a sub-slice (pointer into the data). */
static inline bool mm__cur_take(struct mm__cur *c, size_t n, const uint8_t **out)
{
    if (n > mm__cur_left(c))
        return false;
    *out = c->p + c->off;
    c->off += n;
    return true;
}

static inline uint16_t mm__rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t mm__rd32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t mm__rd16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t mm__rd32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Writes wire bytes as text into out (NUL-terminated, truncated to fit):
 * printable ASCII and well-formed UTF-8 are kept, every other byte becomes
 * "\xNN". Returns the length written. */
size_t mm__app_text(const uint8_t *p, size_t n, char *out, size_t outlen);

/* The same as a new JSON string (NULL on ENOMEM). At most 4096 input bytes
 * are kept; longer values are cut. */
json_t *mm__app_json_text(const uint8_t *p, size_t n);

/* The text mm__app_json_text makes of p[0..n), without the string: p
 * itself when its first (at most) MM_APP_TEXT_MAX bytes are all printable
 * ASCII (nearly every header), else scratch, written by mm__app_text. Its
 * length in *len; not NUL-terminated when it is p. */
#define MM_APP_TEXT_MAX     4096
#define MM_APP_TEXT_SCRATCH (MM_APP_TEXT_MAX * 4 + 1)
const char *mm__app_text_view(const uint8_t *p, size_t n, char scratch[MM_APP_TEXT_SCRATCH],
                              size_t *len);

/* The same text always in scratch, NUL-terminated (for readers that want a
 * C string); returns its length. Plain bytes are checked while they are
 * copied, in one pass. */
size_t mm__app_text_copy(const uint8_t *p, size_t n, char scratch[MM_APP_TEXT_SCRATCH]);

/* A JSON string of text we formatted from packet data (a hostname, a
 * certificate subject...): the text itself when it is valid UTF-8, else the
 * same with invalid bytes escaped as by mm__app_text, so a field never
 * vanishes because of a stray byte. NULL only on ENOMEM. Use it instead of
 * json_string() in every decoder. */
json_t *mm__app_json_str(const char *s);

/* Text of UTF-16LE bytes (SMB), via the same escaping rules; stops at a NUL
 * code unit. Returns the number of input bytes used, including the NUL. */
size_t mm__app_utf16le_text(const uint8_t *p, size_t n, char *out, size_t outlen);

/* Builds an event of event_type from ctx, adds obj under key event_type and
 * hands the event to ctx->emit. Steals obj (freed on failure). Returns 0 or
 * MM_ENOMEM. event_type is used as a key unchecked: plain ASCII (a
 * decoder's name). */
int mm__app_emit(struct mm_app_ctx *ctx, const char *event_type, json_t *obj);
/* The same, with a top-level "tx_id" (Suricata's per-flow transaction
 * number) when tx_id >= 0. */
int mm__app_emit_tx(struct mm_app_ctx *ctx, const char *event_type, json_t *obj, int64_t tx_id);

/* The sensor's direct path for application events (NULL: none; set by
 * sensor.c, eve-app.h): true when it handled ctx's event of event_type
 * with obj and tx_id itself, writing the header without a jansson object
 * (obj stolen); false to build the JSON event. Asked only when ctx->sensor
 * is set. */
extern bool (*mm__app_direct)(struct mm_app_ctx *ctx, const char *event_type, json_t *obj,
                              int64_t tx_id);

/* Sets key to the JSON text of p[0..n) in obj (ignores ENOMEM silently: the
 * field is then absent). key is used unchecked: valid UTF-8 (a literal). */
void mm__app_set_text(json_t *obj, const char *key, const uint8_t *p, size_t n);

/* True when the packet (if any) has port as source or destination port. */
bool mm__app_port(const struct mm_packet *p, uint16_t port);

#endif
