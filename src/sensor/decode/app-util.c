/* SPDX-License-Identifier: Apache-2.0
 * Helpers shared by the application decoders: wire bytes to safe text,
 * UTF-16LE to text, and wrapping a protocol object into an EVE event. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/str.h"
#include "sensor/decode/app-util.h"

#if defined(__SSE2__)
#include <emmintrin.h>

/* The bytes of the sixteen at p that are not printable ASCII, as a bit
 * mask (bit k: p[k]): below 0x20 (bytes from 0x80 too, as signed bytes)
 * or 0x7f. */
static inline unsigned unprintable16(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* How many bytes from p are printable ASCII (0x20-0x7e): sixteen at a
 * time where SSE2 is there (the last block overlapping the one before; the
 * first other byte is where its mask's lowest bit says), else and below 16
 * bytes eight at a time (the last word overlapping the one before; 4-7
 * bytes as two halves that may overlap), then byte by byte from the first
 * word that holds another byte. */
static size_t printable_run(const uint8_t *p, size_t n)
{
    size_t i = 0;
    uint64_t w;
#if defined(__SSE2__)
    if (n >= 16) {
        unsigned m;
        for (; i + 16 <= n; i += 16)
            if ((m = unprintable16(p + i)) != 0)
                return i + (size_t)__builtin_ctz(m);
        if (i == n || (m = unprintable16(p + n - 16)) == 0)
            return n;
        return n - 16 + (size_t)__builtin_ctz(m); /* at or past i: the bytes before were clean */
    }
#endif
    if (n >= 8) {
        for (; i + 8 <= n; i += 8) {
            memcpy(&w, p + i, 8);
            if (mm__unprintable8(w))
                break;
        }
        if (i + 8 > n) { /* all words clean: the last bytes as one more */
            memcpy(&w, p + n - 8, 8);
            if (!mm__unprintable8(w))
                return n;
        }
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        if (!mm__unprintable8((uint64_t)a << 32 | b))
            return n;
    }
    while (i < n && p[i] >= 0x20 && p[i] < 0x7F)
        i++;
    return i;
}

size_t mm__app_text(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    if (outlen == 0)
        return 0;
    for (size_t i = 0; i < n;) {
        size_t run = printable_run(p + i, n - i);
        if (run) { /* the common case: plain ASCII copied in one go */
            if (run > outlen - 1 - o)
                run = outlen - 1 - o;
            memcpy(out + o, p + i, run);
            o += run;
            i += run;
            if (o + 1 >= outlen)
                break;
            continue;
        }
        uint8_t c = p[i];
        size_t seq = c >= 0x80 ? mm_utf8_seq_len(p + i, n - i) : 0;
        if (seq) { /* printable ASCII was copied above */
            if (o + seq >= outlen)
                break;
            memcpy(out + o, p + i, seq);
            o += seq;
            i += seq;
        } else {
            if (o + 4 >= outlen)
                break;
            snprintf(out + o, 5, "\\x%02x", c);
            o += 4;
            i++;
        }
    }
    out[o] = '\0';
    return o;
}

const char *mm__app_text_view(const uint8_t *p, size_t n, char scratch[MM_APP_TEXT_SCRATCH],
                              size_t *len)
{
    if (n > MM_APP_TEXT_MAX)
        n = MM_APP_TEXT_MAX;
    if (printable_run(p, n) == n) { /* nearly every header: its bytes are the text */
        *len = n;
        return (const char *)p;
    }
    *len = mm__app_text(p, n, scratch, MM_APP_TEXT_SCRATCH);
    return scratch;
}

/* Copies p[0..n) to out while checking the bytes, sixteen at a time where
 * SSE2 is there and eight at a time else and for 8-15 bytes (the last
 * block or word overlapping the one before), four at a time for 4-7 bytes,
 * 1-3 bytes as one word; reads p[0..n) and writes out[0..n) only. True
 * when all are printable ASCII. */
static bool copy_plain(char *out, const uint8_t *p, size_t n)
{
    uint64_t bad = 0, w;
#if defined(__SSE2__)
    if (n >= 16) { /* sixteen at a time, the last block overlapping */
        for (size_t i = 0; i + 16 <= n; i += 16) {
            bad |= unprintable16(p + i);
            memcpy(out + i, p + i, 16);
        }
        bad |= unprintable16(p + n - 16);
        memcpy(out + n - 16, p + n - 16, 16);
        return bad == 0;
    }
#endif
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, p + i, 8);
            bad |= mm__unprintable8(w);
            memcpy(out + i, &w, 8);
        }
        memcpy(&w, p + n - 8, 8);
        bad |= mm__unprintable8(w);
        memcpy(out + n - 8, &w, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        bad |= mm__unprintable8((uint64_t)a << 32 | b);
        memcpy(out, &a, 4);
        memcpy(out + n - 4, &b, 4);
    } else if (n > 0) { /* first, middle and last cover them all */
        uint8_t a = p[0], m = p[n / 2], z = p[n - 1];
        bad |= mm__unprintable8((uint64_t)a | (uint64_t)m << 8 | (uint64_t)z << 16 |
                                0x4141414141ULL << 24); /* 'A' fills the rest */
        out[0] = (char)a;
        out[n / 2] = (char)m;
        out[n - 1] = (char)z;
    }
    return bad == 0;
}

size_t mm__app_text_copy(const uint8_t *p, size_t n, char scratch[MM_APP_TEXT_SCRATCH])
{
    if (n > MM_APP_TEXT_MAX)
        n = MM_APP_TEXT_MAX;
    if (copy_plain(scratch, p, n)) {
        scratch[n] = '\0';
        return n;
    }
    return mm__app_text(p, n, scratch, MM_APP_TEXT_SCRATCH);
}

json_t *mm__app_json_text(const uint8_t *p, size_t n)
{
    char buf[MM_APP_TEXT_SCRATCH];
    size_t len;
    const char *text = mm__app_text_view(p, n, buf, &len);
    /* valid UTF-8 by construction (printable ASCII, checked sequences,
     * \xNN escapes, never a cut sequence): no second check by jansson */
    return json_stringn_nocheck(text, len);
}

json_t *mm__app_json_str(const char *s)
{
    json_t *j = json_string(s);
    return j ? j : mm__app_json_text((const uint8_t *)s, strlen(s));
}

void mm__app_set_text(json_t *obj, const char *key, const uint8_t *p, size_t n)
{
    json_t *s = mm__app_json_text(p, n);
    if (s)
        json_object_set_new_nocheck(obj, key, s); /* key: a literal of the caller */
}

/* Appends code point cp as UTF-8 (or an escape when it is not printable). */
static size_t put_codepoint(uint32_t cp, char *out, size_t o, size_t outlen)
{
    if (cp < 0x20 || cp == 0x7F || (cp >= 0xD800 && cp <= 0xDFFF)) {
        if (o + 6 >= outlen)
            return o;
        snprintf(out + o, 7, "\\u%04x", (unsigned)cp);
        return o + 6;
    }
    uint8_t b[4];
    size_t k;
    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        k = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xC0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xE0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        b[0] = (uint8_t)(0xF0 | cp >> 18);
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (uint8_t)(0x80 | (cp & 0x3F));
        k = 4;
    }
    if (o + k >= outlen)
        return o;
    memcpy(out + o, b, k);
    return o + k;
}

size_t mm__app_utf16le_text(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    size_t i = 0, o = 0;
    if (outlen == 0)
        return 0;
    while (i + 1 < n) {
        uint32_t cu = mm__rd16le(p + i);
        i += 2;
        if (cu == 0)
            break;
        if (cu >= 0xD800 && cu <= 0xDBFF && i + 1 < n) {
            uint32_t lo = mm__rd16le(p + i);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                i += 2;
                cu = 0x10000 + ((cu - 0xD800) << 10) + (lo - 0xDC00);
            }
        }
        o = put_codepoint(cu, out, o, outlen);
    }
    out[o] = '\0';
    return i;
}

int mm__app_emit(struct mm_app_ctx *ctx, const char *event_type, json_t *obj)
{
    return mm__app_emit_tx(ctx, event_type, obj, -1);
}

bool (*mm__app_direct)(struct mm_app_ctx *ctx, const char *event_type, json_t *obj, int64_t tx_id);

int mm__app_emit_tx(struct mm_app_ctx *ctx, const char *event_type, json_t *obj, int64_t tx_id)
{
    if (!obj)
        return MM_ENOMEM;
    if (ctx->sensor && mm__app_direct && mm__app_direct(ctx, event_type, obj, tx_id))
        return 0;
    json_t *ev = mm_app_event(ctx, event_type);
    if (!ev) {
        json_decref(obj);
        return MM_ENOMEM;
    }
    if (tx_id >= 0)
        json_object_set_new_nocheck(ev, "tx_id", json_integer(tx_id));
    if (json_object_set_new_nocheck(ev, event_type, obj) != 0) { /* a decoder's name */
        json_decref(ev);
        return MM_ENOMEM;
    }
    if (ctx->emit)
        ctx->emit(ctx, ev);
    else
        json_decref(ev);
    return 0;
}

bool mm__app_port(const struct mm_packet *p, uint16_t port)
{
    return p && (p->sport == port || p->dport == port);
}
