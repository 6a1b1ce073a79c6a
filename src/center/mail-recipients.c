/* SPDX-License-Identifier: Apache-2.0
 * Owns the recipient lists of emergency mail: comparing two addresses
 * exactly (the local part byte for byte, the domain without regard to case)
 * and adding addresses to a comma-separated list without repeats. An
 * address is never matched as a substring of another one: with the duty
 * address soc@vendor.jp and a contact isoc@vendor.jp both get the mail. */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "center/mail.h"
#include "core/error.h"

/* Trims spaces around [p, p+n). */
static void trim(const char **p, size_t *n)
{
    while (*n > 0 && (**p == ' ' || **p == '\t'))
        (*p)++, (*n)--;
    while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
        (*n)--;
}

/* Same address: equal local parts (case kept, RFC 5321) and equal domains
 * ignoring case. a and b are [a, a+an) and [b, b+bn). */
static bool address_equal_n(const char *a, size_t an, const char *b, size_t bn)
{
    const char *at_a = memchr(a, '@', an), *at_b = memchr(b, '@', bn);
    if (!at_a || !at_b)
        return an == bn && memcmp(a, b, an) == 0;
    size_t la = (size_t)(at_a - a), lb = (size_t)(at_b - b);
    size_t da = an - la, db = bn - lb;
    return la == lb && da == db && memcmp(a, b, la) == 0 && strncasecmp(at_a, at_b, da) == 0;
}

bool mm_mail_list_next(const char **p, const char **item, size_t *n)
{
    while (*p && **p) {
        size_t len = strcspn(*p, ",");
        *item = *p;
        *n = len;
        *p += len + ((*p)[len] == ',');
        trim(item, n);
        if (*n > 0)
            return true;
    }
    return false;
}

bool mm_mail_address_equal(const char *a, const char *b)
{
    return address_equal_n(a, strlen(a), b, strlen(b));
}

bool mm_mail_recipients_have(const char *list, const char *addr)
{
    const char *p = list, *item;
    size_t an = strlen(addr), in;
    trim(&addr, &an);
    while (mm_mail_list_next(&p, &item, &in))
        if (address_equal_n(item, in, addr, an))
            return true;
    return false;
}

/* Appends [addr, addr+n) (trimmed, not empty) unless present or the list
 * would pass max bytes. */
static int add_one(struct mm_buf *list, const char *addr, size_t n, size_t max)
{
    char one[320];
    if (n >= sizeof one)
        return 0;
    memcpy(one, addr, n);
    one[n] = '\0';
    if (mm_mail_recipients_have(mm_buf_str(list), one) || list->len + n + 2 > max)
        return 0;
    return mm_buf_printf(list, "%s%s", list->len ? "," : "", one);
}

int mm_mail_recipients_add(struct mm_buf *list, const char *addrs, size_t max)
{
    const char *p = addrs, *item;
    size_t n;
    int r = 0;
    while (r == 0 && mm_mail_list_next(&p, &item, &n))
        r = add_one(list, item, n, max);
    return r;
}
