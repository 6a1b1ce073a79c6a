/* SPDX-License-Identifier: Apache-2.0
 * Owns mm_buf, the growable NUL-terminated byte buffer. */
#include "core/buf.h"
#include "core/error.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mm_buf_init(struct mm_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void mm_buf_free(struct mm_buf *b)
{
    if (!b)
        return;
    free(b->data);
    mm_buf_init(b);
}

void mm_memzero(void *p, size_t n)
{
    if (p && n)
        explicit_bzero(p, n);
}

void mm_buf_reset(struct mm_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int mm_buf_reserve(struct mm_buf *b, size_t extra)
{
    if (extra > ((size_t)-1) / 2 - b->len)
        return MM_ETOOBIG;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return MM_ENOMEM;
    if (!b->data)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return 0;
}

int mm_buf_append(struct mm_buf *b, const void *p, size_t n)
{
    int r = mm_buf_reserve(b, n);
    if (r != 0)
        return r;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int mm_buf_puts(struct mm_buf *b, const char *s)
{
    return mm_buf_append(b, s, strlen(s));
}

int mm_buf_putc(struct mm_buf *b, char c)
{
    return mm_buf_append(b, &c, 1);
}

/* Formats into the free space first (most appends fit) and only measures
 * and grows when the text did not fit. */
int mm_buf_vprintf(struct mm_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, cp);
    va_end(cp);
    if (n < 0) {
        if (b->data)
            b->data[b->len] = '\0';
        return MM_EINVAL;
    }
    if ((size_t)n >= room) {
        int r = mm_buf_reserve(b, (size_t)n);
        if (r != 0) {
            if (b->data)
                b->data[b->len] = '\0';
            return r;
        }
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
    return 0;
}

/* Decimal digits of v, without printf. */
int mm_buf_put_uint(struct mm_buf *b, unsigned long long v)
{
    char digits[MM_U64_STRLEN];
    size_t n = mm_str_u64(v, digits);
    return mm_buf_append(b, digits, n);
}

/* Four lower-case hex digits of v. */
int mm_buf_put_hex4(struct mm_buf *b, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[4] = {hex[(v >> 12) & 15], hex[(v >> 8) & 15], hex[(v >> 4) & 15], hex[v & 15]};
    return mm_buf_append(b, tmp, sizeof tmp);
}

int mm_buf_printf(struct mm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = mm_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

int mm_buf_html_escape(struct mm_buf *b, const char *s)
{
    int r = 0;
    for (; *s && r == 0; s++) {
        switch (*s) {
        case '&':
            r = mm_buf_puts(b, "&amp;");
            break;
        case '<':
            r = mm_buf_puts(b, "&lt;");
            break;
        case '>':
            r = mm_buf_puts(b, "&gt;");
            break;
        case '"':
            r = mm_buf_puts(b, "&quot;");
            break;
        case '\'':
            r = mm_buf_puts(b, "&#39;");
            break;
        default:
            r = mm_buf_putc(b, *s);
        }
    }
    return r;
}

char *mm_buf_take(struct mm_buf *b)
{
    if (!b->data && mm_buf_reserve(b, 0) != 0)
        return NULL;
    char *p = b->data;
    mm_buf_init(b);
    return p;
}

const char *mm_buf_str(const struct mm_buf *b)
{
    return b->data ? b->data : "";
}
