/* SPDX-License-Identifier: Apache-2.0
 * IP addresses and CIDR prefixes for IPv4 and IPv6, in one value type so the
 * sensor (home networks, intel) and the centre (audit log) share them. */
#ifndef MM_CORE_NET_H
#define MM_CORE_NET_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define MM_ADDR_STRLEN 46

struct mm_addr {
    uint8_t family;    /* 4 or 6; 0 = unset */
    uint8_t bytes[16]; /* IPv4 in the first 4 bytes, rest zero */
};

struct mm_cidr {
    struct mm_addr addr; /* host bits cleared */
    uint8_t prefix;
};

int mm_addr_parse(const char *s, struct mm_addr *out);
void mm_addr_from_v4(const uint8_t b[4], struct mm_addr *out);
void mm_addr_from_v6(const uint8_t b[16], struct mm_addr *out);
/* Writes the canonical text form (inet_ntop's) into out (MM_ADDR_STRLEN;
 * a shorter out goes through inet_ntop itself). */
void mm_addr_format(const struct mm_addr *a, char *out, size_t outlen);
/* The same text into out (MM_ADDR_STRLEN bytes), returning its length:
 * IPv4 by mm_ipv4_text, IPv6 by mm_ipv6_text, "" for an unset address. */
size_t mm_addr_text(const struct mm_addr *a, char out[MM_ADDR_STRLEN]);
/* The IPv6 text of b exactly as inet_ntop writes it (the first longest run
 * of two or more zero words as "::", lower-case hex, ::a.b.c.d and
 * ::ffff:a.b.c.d for the compatible and mapped forms), NUL-terminated,
 * into out (MM_ADDR_STRLEN bytes), without printf. Returns its length. */
size_t mm_ipv6_text(const uint8_t b[16], char out[MM_ADDR_STRLEN]);

/* "255.255.255.255" and its NUL */
#define MM_IPV4_STRLEN 16
/* The dotted quad of b as inet_ntop writes it, NUL-terminated, into out
 * (MM_IPV4_STRLEN bytes; the bytes past the NUL may be overwritten), from
 * a table of the 256 byte texts without a division. Returns its length,
 * 7 to 15: EVE addresses, DNS answers, flow records. */
size_t mm_ipv4_text(const uint8_t b[4], char out[MM_IPV4_STRLEN]);

struct sockaddr;
/* The address of an AF_INET or AF_INET6 socket address, an IPv4-mapped
 * IPv6 one (::ffff:a.b.c.d, a dual-stack listener's IPv4 peer) as the IPv4
 * address it is. False (out unset) for another family or NULL. */
bool mm_addr_from_sockaddr(const struct sockaddr *sa, struct mm_addr *out);
/* An IPv4-mapped IPv6 address as the IPv4 address it is; others unchanged. */
void mm_addr_unmap(struct mm_addr *a);
/* The client an address stands for, in place: IPv4 as is (also when
 * IPv4-mapped), IPv6 by its /64 (the last 8 bytes cleared), since one home
 * or office usually holds a whole /64. The centre's per-client limits
 * (connections, body bytes, sign-in attempts) count by it. Returns the
 * prefix length kept: 32, 64, or 0 for an unset address. */
unsigned mm_addr_client(struct mm_addr *a);

bool mm_addr_equal(const struct mm_addr *a, const struct mm_addr *b);
/* Orders addresses: IPv4 before IPv6, then bytewise. */
int mm_addr_cmp(const struct mm_addr *a, const struct mm_addr *b);

/* Parses "a.b.c.d/n", "x::/n" or a bare address (full-length prefix). */
int mm_cidr_parse(const char *s, struct mm_cidr *out);
bool mm_cidr_contains(const struct mm_cidr *c, const struct mm_addr *a);

/* Parses a comma-separated CIDR list into a new array (free() it). */
int mm_cidr_list_parse(const char *s, struct mm_cidr **out, size_t *count);

/* RFC 1918, fc00::/7 and link-local (169.254/16, fe80::/10): the default home net. */
extern const char MM_DEFAULT_HOME_NET[];

#endif
