/* SPDX-License-Identifier: Apache-2.0
 * mm_buf: a growable byte buffer that is always NUL-terminated, used to build
 * text output (reports, JSON lines, HTML) without fixed-size arrays; and
 * mm_memzero, which clears memory that held a secret. */
#ifndef MM_CORE_BUF_H
#define MM_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct mm_buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
};

#define MM_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void mm_buf_init(struct mm_buf *b);
/* Frees the storage; the buffer may be reused after mm_buf_init. Accepts NULL. */
void mm_buf_free(struct mm_buf *b);
/* Empties the buffer, keeping its storage. */
void mm_buf_reset(struct mm_buf *b);
int mm_buf_reserve(struct mm_buf *b, size_t extra);
int mm_buf_append(struct mm_buf *b, const void *p, size_t n);
int mm_buf_puts(struct mm_buf *b, const char *s);
int mm_buf_putc(struct mm_buf *b, char c);
int mm_buf_printf(struct mm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mm_buf_vprintf(struct mm_buf *b, const char *fmt, va_list ap);
/* v in decimal; v as exactly four lower-case hex digits (hot paths, no printf). */
int mm_buf_put_uint(struct mm_buf *b, unsigned long long v);
int mm_buf_put_hex4(struct mm_buf *b, unsigned v);
/* Appends s with &, <, >, " and ' escaped for HTML text and attributes. */
int mm_buf_html_escape(struct mm_buf *b, const char *s);
/* Hands the storage to the caller (free() it) and leaves the buffer empty.
 * Returns an empty allocated string when nothing was appended, NULL on ENOMEM. */
char *mm_buf_take(struct mm_buf *b);
/* Returns the contents, "" when empty (never NULL). */
const char *mm_buf_str(const struct mm_buf *b);

/* Clears n bytes at p (a secret, such as the sensor's key, before its
 * memory is freed) with stores the compiler keeps: a memset just before
 * free may be left out as a dead store. libsodium's sodium_memzero does the
 * same for the centre, which links libsodium; the core does not. */
void mm_memzero(void *p, size_t n);

#endif
