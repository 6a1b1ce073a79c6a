/* SPDX-License-Identifier: Apache-2.0
 * Trusted reverse proxies ([server] trusted_proxies): which TCP peers are
 * proxies whose X-Forwarded-For the centre believes, and the client address
 * such a header names. Pure functions of their inputs (no MHD, no logging):
 * http.c reads the headers and logs. */
#ifndef MM_CENTER_PROXY_H
#define MM_CENTER_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/net.h"

/* The proxies trusted: addresses and CIDR prefixes. Empty: none. */
struct mm_proxies {
    struct mm_cidr *nets;
    size_t n;
};

/* Parses a comma (or space) separated list of addresses and CIDR prefixes
 * ("127.0.0.1, ::1, 10.0.0.0/8"); NULL or "" is the empty list. out is
 * emptied on entry. MM_EPARSE for an item that is neither, MM_ENOMEM. */
int mm_proxies_parse(const char *text, struct mm_proxies *out);
/* Frees the list and empties it; accepts NULL. */
void mm_proxies_clear(struct mm_proxies *p);

/* The address of a socket address (IPv4-mapped IPv6 as IPv4, so a
 * dual-stack listener's peers match IPv4 prefixes). False for another
 * family. */
bool mm_proxies_addr_of(const struct sockaddr *sa, struct mm_addr *out);
/* Whether a is one of the trusted proxies. */
bool mm_proxies_trust(const struct mm_proxies *p, const struct mm_addr *a);

/* The most X-Forwarded-For header lines looked at (the right-most ones:
 * those the trusted proxies added). */
#define MM_FORWARDED_LINES_MAX 16

/* The client that the X-Forwarded-For header of a request from a trusted
 * proxy names: lines are the header's n values in the order they came
 * (several lines are one comma list), each item an IPv4 or IPv6 address,
 * also "[v6]", "[v6]:port" or "a.b.c.d:port". Read from the right, the
 * first item that is not itself a trusted proxy is the client (the items
 * left of it are whatever the client sent, unchecked); when every item is
 * a trusted proxy, the left-most. 0 with *out set; MM_ENOENT when there is
 * no item (no header); MM_EPARSE when an item read before the client is
 * found is not an address (then the caller takes the peer as the client). */
int mm_proxies_client(const struct mm_proxies *p, const char *const *lines, size_t n,
                      struct mm_addr *out);

/* Whether an X-Forwarded-Proto value says the client used HTTPS: "https"
 * (any case, spaces around it allowed). */
bool mm_proxies_proto_https(const char *value);

#endif
