/* SPDX-License-Identifier: Apache-2.0
 * Owns the defanging of sensor text in emergency mail (mm_mail_defang): a
 * stolen sensor key could put a phishing link into the alert message, and
 * the mail goes out from the vendor's address. Web addresses and domain
 * names are written so no mail program makes a link of them, as security
 * alert mails commonly do: "http://" -> "hxxp://", "evil.example.com" ->
 * "evil[.]example[.]com". IP addresses, times and version numbers stay as
 * they are (docs/design/mail.md "Sensor text in the mails"). */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "center/mail.h"
#include "core/error.h"

/* The ASCII character that s starts with, as a browser reads it: ASCII as
 * is, a full-width form (U+FF01..U+FF5E, "ｈ", "：") as its ASCII one;
 * *len gets its bytes (1 or 3). 0 for another character. */
static char ascii_of(const char *s, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    *len = 1;
    if (u[0] < 0x80)
        return (char)u[0];
    *len = 3;
    if (u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x81 && u[2] <= 0xbf)
        return (char)(u[2] - 0x81 + 0x21); /* U+FF01..U+FF3F: '!'..'_' */
    if (u[0] == 0xef && u[1] == 0xbd && u[2] >= 0x80 && u[2] <= 0x9e)
        return (char)(u[2] - 0x80 + 0x60); /* U+FF40..U+FF5E: '`'..'~' */
    return 0;
}

/* The bytes of the dot s starts with, 0 for none: '.', and the three that
 * browsers' IDNA mapping also reads as one: U+FF0E "．", U+3002 "。" and
 * U+FF61 "｡" (so "evil．com" opens evil.com). */
static size_t dot_len(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == '.')
        return 1;
    if ((u[0] == 0xef && u[1] == 0xbc && u[2] == 0x8e) ||
        (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x82) ||
        (u[0] == 0xef && u[1] == 0xbd && u[2] == 0xa1))
        return 3;
    return 0;
}

/* A byte of a domain label: ASCII letter, digit, '-', '_', or any byte of
 * a non-ASCII character (internationalised names) but a dot's. */
static bool label_byte(const char *s)
{
    unsigned char c = (unsigned char)*s;
    return isalnum(c) || c == '-' || c == '_' || (c >= 0x80 && dot_len(s) == 0);
}

/* Whether s[0..n) can end a domain name: at least two bytes, starting with
 * a letter or a non-ASCII character ("com", "jp", "xn--...", "テスト"),
 * so "1.2.3.4", "v1.2" and "e.g" are not names. */
static bool top_label(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    return n >= 2 && (isalpha(c) || c >= 0x80);
}

/* Whether the character at s is an ASCII letter or digit or its full-width
 * form. */
static bool ascii_alnum(const char *s)
{
    size_t n;
    return isalnum((unsigned char)ascii_of(s, &n));
}

/* Whether the dot of dot bytes at s + i joins the labels around it: '.'
 * always; a full-width or ideographic one only between ASCII letters or
 * digits (or their full-width forms): "evil．com", but "。" ends Japanese
 * sentences ("ください。次に…" is no name). */
static bool joins(const char *s, size_t i, size_t dot)
{
    if (dot == 1)
        return true;
    bool before = (i >= 1 && isalnum((unsigned char)s[i - 1])) ||
                  (i >= 3 && (unsigned char)s[i - 3] == 0xef && ascii_alnum(s + i - 3));
    return before && ascii_alnum(s + i + dot);
}

/* The length of the dotted name starting at s (labels joined by single
 * dots, the last one a top label), 0 when s starts none. */
static size_t domain_len(const char *s)
{
    size_t i = 0, last = 0, end = 0;
    int labels = 0;
    for (;;) {
        size_t start = i;
        while (label_byte(s + i))
            i++;
        if (i == start)
            break;
        labels++;
        last = start;
        end = i;
        size_t dot = dot_len(s + i);
        if (dot == 0 || !label_byte(s + i + dot) || !joins(s, i, dot))
            break;
        i += dot;
    }
    return labels >= 2 && top_label(s + last, end - last) ? end : 0;
}

/* "http", "https", "ftp" before "://" (any case, also in full-width forms:
 * "ｈｔｔｐｓ：／／"): the defanged scheme, *len its bytes before "://". */
static const char *defanged_scheme(const char *s, size_t *len)
{
    static const struct {
        const char *scheme, *defanged;
    } schemes[] = {{"https://", "hxxps"}, {"http://", "hxxp"}, {"ftp://", "fxp"}};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        const char *want = schemes[i].scheme;
        size_t at = 0, n, k = 0;
        for (; want[k]; k++, at += n) {
            if (want[k] == ':')
                *len = at;
            if (tolower((unsigned char)ascii_of(s + at, &n)) != want[k])
                break;
        }
        if (!want[k])
            return schemes[i].defanged;
    }
    return NULL;
}

int mm_mail_defang(const char *in, struct mm_buf *out)
{
    int r = 0;
    const char *p = in ? in : "";
    bool name_start = true; /* after a byte that cannot be in a name */
    bool after_alnum = false;
    while (r == 0 && *p) {
        size_t n = 0;
        const char *scheme = after_alnum ? NULL : defanged_scheme(p, &n);
        if (scheme) { /* also right after Japanese text: "接続先http://" */
            r = mm_buf_puts(out, scheme);
            p += n;
            name_start = true; /* "://" follows */
            after_alnum = false;
            continue;
        }
        if (name_start && (n = domain_len(p)) > 0) {
            for (size_t i = 0, d; r == 0 && i < n; i += d ? d : 1)
                r = (d = dot_len(p + i)) ? mm_buf_puts(out, "[.]") : mm_buf_putc(out, p[i]);
            p += n;
            name_start = false;
            after_alnum = isalnum((unsigned char)p[-1]);
            continue;
        }
        name_start = !label_byte(p);
        after_alnum = isalnum((unsigned char)*p);
        r = mm_buf_putc(out, *p++);
    }
    return r;
}
