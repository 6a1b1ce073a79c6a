/* SPDX-License-Identifier: Apache-2.0
 * Owns the trusted reverse proxies (proxy.h): the list of their addresses
 * and prefixes, and the client address their X-Forwarded-For header names,
 * read from the right so that nothing a client writes into the header can
 * stand in for the address the proxy saw. */
#include "center/proxy.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"

int mm_proxies_parse(const char *text, struct mm_proxies *out)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return 0;
    int r = mm_cidr_list_parse(text, &out->nets, &out->n);
    if (r != 0)
        return r == MM_ENOMEM ? r : MM_EPARSE;
    return 0;
}

void mm_proxies_clear(struct mm_proxies *p)
{
    if (!p)
        return;
    free(p->nets);
    memset(p, 0, sizeof *p);
}

bool mm_proxies_addr_of(const struct sockaddr *sa, struct mm_addr *out)
{
    return mm_addr_from_sockaddr(sa, out);
}

bool mm_proxies_trust(const struct mm_proxies *p, const struct mm_addr *a)
{
    for (size_t i = 0; i < p->n; i++)
        if (mm_cidr_contains(&p->nets[i], a))
            return true;
    return false;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* One item of the header, n bytes at s (spaces around it allowed): an
 * address, "[v6]", "[v6]:port" or "a.b.c.d:port". */
static int parse_item(const char *s, size_t n, struct mm_addr *out)
{
    char buf[MM_ADDR_STRLEN];
    while (n && (*s == ' ' || *s == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        size_t rest = close ? n - (size_t)(close - s) - 1 : 0;
        if (!close || (rest && (close[1] != ':' || !all_digits(close + 2, rest - 1))))
            return MM_EPARSE;
        n = (size_t)(close - s) - 1;
        s++;
    } else {
        const char *colon = memchr(s, ':', n);
        /* a.b.c.d:port: one colon after a dot (an IPv6 address has two or more) */
        if (colon && !memchr(colon + 1, ':', n - (size_t)(colon - s) - 1) && memchr(s, '.', n)) {
            if (!all_digits(colon + 1, n - (size_t)(colon - s) - 1))
                return MM_EPARSE;
            n = (size_t)(colon - s);
        }
    }
    if (n == 0 || n >= sizeof buf)
        return MM_EPARSE;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (mm_addr_parse(buf, out) != 0)
        return MM_EPARSE;
    mm_addr_unmap(out);
    return 0;
}

/* Walks one line's items from the right (see mm_proxies_client): 1 when the
 * client was found, 0 to go on with the line to the left, MM_EPARSE. */
static int walk_line(const struct mm_proxies *p, const char *line, struct mm_addr *out, bool *any)
{
    size_t end = strlen(line);
    for (;;) {
        size_t start = end;
        while (start > 0 && line[start - 1] != ',')
            start--;
        struct mm_addr a;
        if (parse_item(line + start, end - start, &a) != 0)
            return MM_EPARSE;
        *out = a;
        *any = true;
        if (!mm_proxies_trust(p, &a))
            return 1;
        if (start == 0)
            return 0;
        end = start - 1;
    }
}

int mm_proxies_client(const struct mm_proxies *p, const char *const *lines, size_t n,
                      struct mm_addr *out)
{
    struct mm_addr found = {0};
    bool any = false;
    memset(out, 0, sizeof *out);
    for (size_t i = n; i-- > 0;) {
        int r = walk_line(p, lines[i], &found, &any);
        if (r < 0)
            return r;
        if (r == 1)
            break;
    }
    if (!any)
        return MM_ENOENT;
    *out = found;
    return 0;
}

bool mm_proxies_proto_https(const char *value)
{
    if (!value)
        return false;
    value += strspn(value, " \t");
    if (strncasecmp(value, "https", 5) != 0)
        return false;
    value += 5;
    return value[strspn(value, " \t")] == '\0';
}
