/* SPDX-License-Identifier: Apache-2.0
 * DNS name decompression (RFC 1035 section 4.1.4) for the DNS, mDNS and
 * NetBIOS decoders, with the limits that keep hostile messages harmless:
 * pointers only backwards, at most MM_DNS_MAX_JUMPS of them, at most
 * MM_DNS_NAME_WIRE_MAX bytes of labels, never a read past the message.
 * A label of printable ASCII (nearly all of them) is copied as it is; any
 * other goes through mm__app_text's escaping. */
#include <string.h>

#include "core/error.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/dns-parse.h"

/* Appends one label as text (escaped) plus the dot before it if needed. */
static int append_label(const uint8_t *lab, size_t n, char *out, size_t outlen, size_t *o)
{
    char tmp[64 * 4 + 1];
    size_t t = mm__app_text(lab, n, tmp, sizeof tmp);
    size_t need = t + (*o ? 1 : 0);
    if (*o + need >= outlen)
        return MM_EPARSE;
    if (*o)
        out[(*o)++] = '.';
    memcpy(out + *o, tmp, t);
    *o += t;
    out[*o] = '\0';
    return 0;
}

/* Copies n label bytes to w while checking them, eight at a time (the
 * last word overlapping the one before), four at a time for 4-7 bytes,
 * 1-3 bytes as one word; reads and writes only lab[0..n) and w[0..n).
 * True when all are printable ASCII. */
static bool copy_plain(const uint8_t *lab, size_t n, char *w)
{
    uint64_t bad = 0, x;
    if (n >= 8) {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&x, lab + i, 8);
            bad |= mm__unprintable8(x);
            memcpy(w + i, &x, 8);
        }
        memcpy(&x, lab + n - 8, 8);
        bad |= mm__unprintable8(x);
        memcpy(w + n - 8, &x, 8);
    } else if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, lab, 4);
        memcpy(&b, lab + n - 4, 4);
        bad |= mm__unprintable8((uint64_t)a << 32 | b);
        memcpy(w, &a, 4);
        memcpy(w + n - 4, &b, 4);
    } else { /* 1-3 bytes: first, middle and last cover them all */
        uint8_t a = lab[0], m = lab[n / 2], z = lab[n - 1];
        bad |= mm__unprintable8((uint64_t)a | (uint64_t)m << 8 | (uint64_t)z << 16 |
                                0x4141414141ULL << 24); /* 'A' fills the rest */
        w[0] = (char)a;
        w[n / 2] = (char)m;
        w[n - 1] = (char)z;
    }
    return bad == 0;
}

/* The common case of append_label: a label of printable ASCII (the bytes
 * mm__app_text keeps as they are) is copied while it is checked. False
 * (out past *o may then hold the copied bytes) when the label has another
 * byte or does not fit: append_label then writes it. */
static bool append_plain_label(const uint8_t *lab, size_t n, char *out, size_t outlen, size_t *o)
{
    size_t at = *o + (*o ? 1 : 0);
    if (at + n >= outlen || !copy_plain(lab, n, out + at))
        return false;
    if (*o)
        out[*o] = '.';
    *o = at + n;
    out[*o] = '\0';
    return true;
}

int mm__dns_name_text(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen,
                      size_t *next, size_t *textlen)
{
    size_t pos = off, o = 0, wire = 0, end = 0;
    size_t lowest = off; /* a pointer must go below every position read so far */
    int jumps = 0;
    int r;
    if (outlen == 0)
        return MM_EINVAL;
    out[0] = '\0';
    for (;;) {
        if (pos >= len)
            return MM_ETRUNC;
        uint8_t c = msg[pos];
        if ((c & 0xC0) == 0xC0) {
            if (pos + 1 >= len)
                return MM_ETRUNC;
            size_t target = (size_t)(c & 0x3F) << 8 | msg[pos + 1];
            if (!end)
                end = pos + 2;
            if (target >= lowest || ++jumps > MM_DNS_MAX_JUMPS)
                return MM_EPARSE;
            pos = lowest = target;
            continue;
        }
        if (c & 0xC0)
            return MM_EPARSE; /* 0x40 extended and 0x80 reserved label types */
        if (c == 0) {
            if (!end)
                end = pos + 1;
            break;
        }
        wire += (size_t)c + 1;
        if (wire + 1 > MM_DNS_NAME_WIRE_MAX)
            return MM_EPARSE;
        if (pos + 1 + c > len)
            return MM_ETRUNC;
        if (!append_plain_label(msg + pos + 1, c, out, outlen, &o) &&
            (r = append_label(msg + pos + 1, c, out, outlen, &o)) != 0)
            return r;
        pos += 1 + (size_t)c;
    }
    *next = end;
    *textlen = o;
    return 0;
}

int mm__dns_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen, size_t *next)
{
    size_t textlen;
    return mm__dns_name_text(msg, len, off, out, outlen, next, &textlen);
}
