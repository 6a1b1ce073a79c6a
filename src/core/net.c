/* SPDX-License-Identifier: Apache-2.0
 * Owns IP address and CIDR parsing, formatting and matching. */
#include "core/net.h"
#include "core/error.h"
#include "core/str.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char MM_DEFAULT_HOME_NET[] =
    "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,169.254.0.0/16,fc00::/7,fe80::/10";

/* Dotted-quad IPv4 exactly as inet_pton(AF_INET) accepts it (four decimal
 * parts 0-255, no leading zeros), without its per-character overhead:
 * threat feeds bring a million of them. 1 parsed, 0 not IPv4. */
static int parse_v4(const char *s, uint8_t out[4])
{
    uint8_t b[4]; /* out is written only on success, as inet_pton does */
    for (int part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        while (*s >= '0' && *s <= '9') {
            if (digits == 1 && v == 0)
                return 0; /* leading zero */
            v = v * 10 + (unsigned)(*s++ - '0');
            if (++digits > 3 || v > 255)
                return 0;
        }
        if (digits == 0 || *s != (part == 3 ? '\0' : '.'))
            return 0;
        b[part] = (uint8_t)v;
        s++;
    }
    memcpy(out, b, 4);
    return 1;
}

int mm_addr_parse(const char *s, struct mm_addr *out)
{
    memset(out, 0, sizeof *out);
    if (parse_v4(s, out->bytes) == 1) {
        out->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, s, out->bytes) == 1) {
        out->family = 6;
        return 0;
    }
    return MM_EPARSE;
}

void mm_addr_from_v4(const uint8_t b[4], struct mm_addr *out)
{
    memset(out, 0, sizeof *out);
    out->family = 4;
    memcpy(out->bytes, b, 4);
}

void mm_addr_from_v6(const uint8_t b[16], struct mm_addr *out)
{
    out->family = 6;
    memcpy(out->bytes, b, 16);
}

/* The first, second and third digit of v's text (0 past its end) and
 * its length */
#define OCTET_C0(v)  (char)('0' + ((v) >= 100 ? (v) / 100 : (v) >= 10 ? (v) / 10 : (v)))
#define OCTET_C1(v)  (char)((v) >= 100 ? '0' + (v) / 10 % 10 : (v) >= 10 ? '0' + (v) % 10 : 0)
#define OCTET_C2(v)  (char)((v) >= 100 ? '0' + (v) % 10 : 0)
#define OCTET_LEN(v) ((v) >= 100 ? 3 : (v) >= 10 ? 2 : 1)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The text of every byte value with a '.' after it, built at compile
 * time: in the low four bytes of a word (unused places 0) in writing order
 * (little-endian), its length with the '.' (2-4) in the fifth byte. A
 * quad is four loads, four 4-byte stores and four adds, no loop. */
#define OCTET_PLACE(v, i, c) ((uint64_t)(uint8_t)((i) == OCTET_LEN(v) ? '.' : (c)) << 8 * (i))
#define OCTET(v)                                                                                   \
    OCTET_PLACE(v, 0, OCTET_C0(v)) | OCTET_PLACE(v, 1, OCTET_C1(v)) |                              \
        OCTET_PLACE(v, 2, OCTET_C2(v)) | OCTET_PLACE(v, 3, 0) |                                    \
        (uint64_t)(OCTET_LEN(v) + 1) << 32,
#define OCTETS4(v)  OCTET(v) OCTET((v) + 1) OCTET((v) + 2) OCTET((v) + 3)
#define OCTETS16(v) OCTETS4(v) OCTETS4((v) + 4) OCTETS4((v) + 8) OCTETS4((v) + 12)
#define OCTETS64(v) OCTETS16(v) OCTETS16((v) + 16) OCTETS16((v) + 32) OCTETS16((v) + 48)

static const uint64_t octet_texts[256] = {OCTETS64(0) OCTETS64(64) OCTETS64(128) OCTETS64(192)};

/* Byte b's text and '.' at p (four bytes stored: the places past them are
 * overwritten by the next byte's text, or by the NUL and past it); where
 * the next goes. */
static inline char *put_octet(char *p, uint8_t b)
{
    uint64_t t = octet_texts[b];
    uint32_t text = (uint32_t)t;
    memcpy(p, &text, 4);
    return p + (t >> 32);
}

/* Nothing is written past out + 15 (the last byte's four bytes start at
 * out + 12 at most). */
size_t mm_ipv4_text(const uint8_t b[4], char out[MM_IPV4_STRLEN])
{
    char *p = put_octet(out, b[0]);
    p = put_octet(p, b[1]);
    p = put_octet(p, b[2]);
    p = put_octet(p, b[3]);
    p[-1] = '\0';
    return (size_t)(p - 1 - out);
}
#else
/* The decimal text of every byte value, built at compile time: up to three
 * digits (unused places 0) and the digit count. */
struct octet_text {
    char digits[3];
    uint8_t len;
};

#define OCTET(v)    {{OCTET_C0(v), OCTET_C1(v), OCTET_C2(v)}, OCTET_LEN(v)},
#define OCTETS4(v)  OCTET(v) OCTET((v) + 1) OCTET((v) + 2) OCTET((v) + 3)
#define OCTETS16(v) OCTETS4(v) OCTETS4((v) + 4) OCTETS4((v) + 8) OCTETS4((v) + 12)
#define OCTETS64(v) OCTETS16(v) OCTETS16((v) + 16) OCTETS16((v) + 32) OCTETS16((v) + 48)

static const struct octet_text octet_texts[256] = {OCTETS64(0) OCTETS64(64) OCTETS64(128)
                                                       OCTETS64(192)};

/* Each byte's text from the table: three bytes stored at once (the places
 * past its digits are overwritten by the next '.' and digits, or by the
 * NUL and past it), so nothing is written past out + 15. */
size_t mm_ipv4_text(const uint8_t b[4], char out[MM_IPV4_STRLEN])
{
    char *p = out;
    for (int i = 0; i < 4; i++) {
        const struct octet_text *t = &octet_texts[b[i]];
        memcpy(p, t->digits, 3);
        p += t->len;
        *p++ = '.';
    }
    p[-1] = '\0';
    return (size_t)(p - 1 - out);
}
#endif

/* "%x" of a 16-bit word, without printf; returns the length (no NUL). */
static size_t hex_word(unsigned v, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t n = v >= 0x1000 ? 4 : v >= 0x100 ? 3 : v >= 0x10 ? 2 : 1;
    for (size_t i = n; i-- > 0; v >>= 4)
        out[i] = digits[v & 0xF];
    return n;
}

/* Where the first longest run of two or more zero words starts (-1: none)
 * and its length, as inet_ntop chooses the run written as "::". */
static int zero_run(const unsigned w[8], int *run_len)
{
    int best = -1, best_len = 0, cur_len = 0;
    for (int i = 0; i < 8; i++) {
        cur_len = w[i] == 0 ? cur_len + 1 : 0;
        if (cur_len > best_len) {
            best = i - cur_len + 1;
            best_len = cur_len;
        }
    }
    *run_len = best_len;
    return best_len >= 2 ? best : -1;
}

size_t mm_ipv6_text(const uint8_t b[16], char out[MM_ADDR_STRLEN])
{
    unsigned w[8];
    for (int i = 0; i < 8; i++)
        w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
    int run_len, run = zero_run(w, &run_len);
    char *p = out;
    for (int i = 0; i < 8; i++) {
        if (run >= 0 && i >= run && i < run + run_len) {
            if (i == run)
                *p++ = ':';
            continue;
        }
        if (i != 0)
            *p++ = ':';
        if (i == 6 && run == 0 && (run_len == 6 || (run_len == 5 && w[5] == 0xffff)))
            return (size_t)(p - out) + mm_ipv4_text(b + 12, p); /* ::a.b.c.d, ::ffff:a.b.c.d */
        p += hex_word(w[i], p);
    }
    if (run >= 0 && run + run_len == 8)
        *p++ = ':';
    *p = '\0';
    return (size_t)(p - out);
}

void mm_addr_format(const struct mm_addr *a, char *out, size_t outlen)
{
    if (a->family == 4 && outlen >= MM_IPV4_STRLEN) {
        mm_ipv4_text(a->bytes, out);
        return;
    }
    if (a->family == 6 && outlen >= MM_ADDR_STRLEN) {
        mm_ipv6_text(a->bytes, out);
        return;
    }
    if (a->family == 0 ||
        !inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, out, (socklen_t)outlen))
        snprintf(out, outlen, "%s", "");
}

size_t mm_addr_text(const struct mm_addr *a, char out[MM_ADDR_STRLEN])
{
    if (a->family == 4)
        return mm_ipv4_text(a->bytes, out);
    if (a->family == 6)
        return mm_ipv6_text(a->bytes, out);
    out[0] = '\0';
    return 0;
}

bool mm_addr_from_sockaddr(const struct sockaddr *sa, struct mm_addr *out)
{
    memset(out, 0, sizeof *out);
    if (sa && sa->sa_family == AF_INET) {
        mm_addr_from_v4((const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr, out);
        return true;
    }
    if (!sa || sa->sa_family != AF_INET6)
        return false;
    mm_addr_from_v6(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr, out);
    mm_addr_unmap(out);
    return true;
}

void mm_addr_unmap(struct mm_addr *a)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a->family == 6 && memcmp(a->bytes, mapped, sizeof mapped) == 0) {
        uint8_t b[4];
        memcpy(b, a->bytes + 12, 4);
        mm_addr_from_v4(b, a);
    }
}

unsigned mm_addr_client(struct mm_addr *a)
{
    mm_addr_unmap(a);
    if (a->family == 4)
        return 32;
    if (a->family != 6)
        return 0;
    memset(a->bytes + 8, 0, 8);
    return 64;
}

bool mm_addr_equal(const struct mm_addr *a, const struct mm_addr *b)
{
    return mm_addr_cmp(a, b) == 0;
}

int mm_addr_cmp(const struct mm_addr *a, const struct mm_addr *b)
{
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->bytes, b->bytes, 16);
}

static void clear_host_bits(struct mm_addr *a, unsigned prefix)
{
    unsigned full = prefix / 8;
    if (full >= 16)
        return;
    if (prefix % 8)
        a->bytes[full++] &= (uint8_t)(0xff << (8 - prefix % 8));
    memset(a->bytes + full, 0, 16 - full);
}

int mm_cidr_parse(const char *s, struct mm_cidr *out)
{
    char tmp[64];
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (n == 0 || n >= sizeof tmp)
        return MM_EPARSE;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (mm_addr_parse(tmp, &out->addr) != 0)
        return MM_EPARSE;
    unsigned max = out->addr.family == 4 ? 32 : 128, prefix = max;
    if (slash) {
        int64_t v; /* digits only (strtoul took "/ 8", "/+8" and "/-0") */
        if (mm_str_int64(slash + 1, 0, max, &v) != 0)
            return MM_EPARSE;
        prefix = (unsigned)v;
    }
    out->prefix = (uint8_t)prefix;
    clear_host_bits(&out->addr, prefix);
    return 0;
}

bool mm_cidr_contains(const struct mm_cidr *c, const struct mm_addr *a)
{
    if (c->addr.family != a->family)
        return false;
    struct mm_addr masked = *a;
    clear_host_bits(&masked, c->prefix);
    return memcmp(masked.bytes, c->addr.bytes, 16) == 0;
}

int mm_cidr_list_parse(const char *s, struct mm_cidr **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    char *copy = strdup(s), *save = NULL;
    if (!copy)
        return MM_ENOMEM;
    size_t cap = 8, n = 0;
    struct mm_cidr *list = malloc(cap * sizeof *list);
    int r = list ? 0 : MM_ENOMEM;
    for (char *tok = strtok_r(copy, ", \t", &save); tok && r == 0;
         tok = strtok_r(NULL, ", \t", &save)) {
        if (n == cap) {
            struct mm_cidr *p = realloc(list, (cap *= 2) * sizeof *list);
            if (!p) {
                r = MM_ENOMEM;
                break;
            }
            list = p;
        }
        r = mm_cidr_parse(tok, &list[n]);
        if (r == 0)
            n++;
    }
    free(copy);
    if (r != 0) {
        free(list);
        return r;
    }
    *out = list;
    *count = n;
    return 0;
}
