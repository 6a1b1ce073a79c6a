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

/* A byte of a domain label: ASCII letter, digit, '-', '_', or any byte of
 * a non-ASCII character (internationalised names). */
static bool label_byte(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c >= 0x80;
}

/* Whether s[0..n) can end a domain name: at least two bytes, starting with
 * a letter or a non-ASCII character ("com", "jp", "xn--...", "テスト"),
 * so "1.2.3.4", "v1.2" and "e.g" are not names. */
static bool top_label(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    return n >= 2 && (isalpha(c) || c >= 0x80);
}

/* The length of the dotted name starting at s (labels joined by single
 * dots, the last one a top label), 0 when s starts none. */
static size_t domain_len(const char *s)
{
    size_t i = 0, last = 0, end = 0;
    int labels = 0;
    for (;;) {
        size_t start = i;
        while (label_byte((unsigned char)s[i]))
            i++;
        if (i == start)
            break;
        labels++;
        last = start;
        end = i;
        if (s[i] != '.' || !label_byte((unsigned char)s[i + 1]))
            break;
        i++;
    }
    return labels >= 2 && top_label(s + last, end - last) ? end : 0;
}

/* "http", "https", "ftp" before "://" (any case): the defanged scheme. */
static const char *defanged_scheme(const char *s, size_t *len)
{
    static const struct {
        const char *scheme, *defanged;
    } schemes[] = {{"https://", "hxxps"}, {"http://", "hxxp"}, {"ftp://", "fxp"}};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        size_t n = strlen(schemes[i].scheme);
        if (strncasecmp(s, schemes[i].scheme, n) == 0) {
            *len = n - 3;
            return schemes[i].defanged;
        }
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
            for (size_t i = 0; r == 0 && i < n; i++)
                r = p[i] == '.' ? mm_buf_puts(out, "[.]") : mm_buf_putc(out, p[i]);
            p += n;
            name_start = false;
            after_alnum = isalnum((unsigned char)p[-1]);
            continue;
        }
        name_start = !label_byte((unsigned char)*p);
        after_alnum = isalnum((unsigned char)*p);
        r = mm_buf_putc(out, *p++);
    }
    return r;
}
