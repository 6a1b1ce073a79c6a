/* SPDX-License-Identifier: Apache-2.0
 * Fuzz harness of the X-Forwarded-For reader (center/proxy.c): the input,
 * split at newlines, is up to MM_FORWARDED_LINES_MAX header lines from a
 * trusted proxy. Whenever a client is found it must not be a trusted proxy
 * unless every item was one, and it must be an address that formats and
 * parses back to itself. The input as a trusted_proxies setting must not
 * crash either. Aborts on a violation. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "center/proxy.h"
#include "core/error.h"

static void check_client(const struct mm_proxies *p, const char *const *lines, size_t n)
{
    struct mm_addr a, back;
    char text[MM_ADDR_STRLEN];
    int r = mm_proxies_client(p, lines, n, &a);
    if (r == MM_ENOENT || r == MM_EPARSE)
        return;
    if (r != 0 || (a.family != 4 && a.family != 6))
        abort();
    mm_addr_format(&a, text, sizeof text);
    if (mm_addr_parse(text, &back) != 0 || !mm_addr_equal(&a, &back))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mm_proxies p, q;
    char *copy = malloc(size + 1);
    const char *lines[MM_FORWARDED_LINES_MAX];
    size_t n = 0;
    if (!copy || mm_proxies_parse("127.0.0.2, 10.0.0.0/8, ::1", &p) != 0)
        abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    if (mm_proxies_parse(copy, &q) == 0)
        mm_proxies_clear(&q);
    for (char *s = copy; s && n < MM_FORWARDED_LINES_MAX;) {
        lines[n++] = s;
        s = strchr(s, '\n');
        if (s)
            *s++ = '\0';
    }
    check_client(&p, lines, n);
    mm_proxies_clear(&p);
    free(copy);
    return 0;
}
