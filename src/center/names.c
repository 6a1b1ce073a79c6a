/* SPDX-License-Identifier: Apache-2.0
 * Owns the rules for the names people give tenants and sensors, which the
 * web UI, the reports and the vendor's mails show: no control characters
 * (C0, DEL, C1) and no Unicode bidi formatting characters, which would let
 * a name hide or reorder text around it (mm_name_plain); and when two
 * tenant names count as the same (mm_tenant_name_same: ASCII letters in
 * any case and full-width ASCII forms read as their ASCII ones). */
#include <string.h>

#include "center/tenant.h"
#include "core/str.h"

/* The code point of the UTF-8 sequence at s (valid UTF-8, as every API
 * body is checked to be), *len its bytes. */
static unsigned code_point(const unsigned char *s, size_t *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if ((s[0] & 0xE0) == 0xC0 && s[1]) {
        *len = 2;
        return ((s[0] & 0x1Fu) << 6) | (s[1] & 0x3Fu);
    }
    if ((s[0] & 0xF0) == 0xE0 && s[1] && s[2]) {
        *len = 3;
        return ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6) | (s[2] & 0x3Fu);
    }
    *len = 1; /* a 4-byte sequence or a stray byte: stepped over byte by byte */
    return 0x10000;
}

bool mm_name_plain(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n;
    while (*p) {
        /* control characters and the bidi formatting ones, as text output's */
        if (mm_text_control_len((const char *)p) != 0)
            return false;
        code_point(p, &n);
        p += n;
    }
    return true;
}

/* The next character of s for comparing names: a full-width ASCII form
 * (U+FF01-FF5E) as its ASCII one, the ideographic space as a space, ASCII
 * letters in lower case; *s moves past it. */
static unsigned fold_next(const unsigned char **s)
{
    size_t n;
    unsigned c = code_point(*s, &n);
    if (c == 0x10000)
        c = 0x110000u + **s; /* compared byte by byte */
    *s += n;
    if (c >= 0xFF01 && c <= 0xFF5E)
        c = c - 0xFF01 + 0x21;
    else if (c == 0x3000)
        c = ' ';
    if (c >= 'A' && c <= 'Z')
        c += 'a' - 'A';
    return c;
}

bool mm_tenant_name_same(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && *q)
        if (fold_next(&p) != fold_next(&q))
            return false;
    return !*p && !*q;
}
