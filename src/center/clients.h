/* SPDX-License-Identifier: Apache-2.0
 * What each client holds of the server: its open connections and the
 * request-body bytes buffered for it, counted per client, where a client is
 * an IPv4 address or an IPv6 /64 (one home or office usually holds a whole
 * /64, as the login limiter groups them). Thread-safe. */
#ifndef MM_CENTER_CLIENTS_H
#define MM_CENTER_CLIENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

struct mm_clients;

/* The client a socket address belongs to: 16 bytes, an IPv4 address (also
 * IPv4-mapped IPv6) as ::ffff:a.b.c.d, IPv6 by its first 64 bits. False
 * for another family (then every such address is one client). */
struct mm_client_key {
    unsigned char b[16];
};
bool mm_client_key_of(const struct sockaddr *sa, struct mm_client_key *out);
/* The same for an address (core/net.h); an unset one is the "other family"
 * client. */
struct mm_addr;
void mm_client_key_of_addr(const struct mm_addr *a, struct mm_client_key *out);

/* A table for at most cap clients at once (twice the server's connection
 * limit: each client holds a connection, or a request forwarded by a
 * trusted proxy, whose connection holds the proxy's). NULL when out of
 * memory. */
struct mm_clients *mm_clients_new(size_t cap);
void mm_clients_free(struct mm_clients *t);

/* Whether the client may open another connection: it holds fewer than
 * limit (and the table has room). */
bool mm_clients_may_open(struct mm_clients *t, const struct mm_client_key *k, int limit);
/* Counts a connection opened; returns its client's slot (1 and up), 0
 * when the table is full (the connection is then not counted). */
size_t mm_clients_open(struct mm_clients *t, const struct mm_client_key *k);
/* Counts a connection of slot closed (0: none). */
void mm_clients_close(struct mm_clients *t, size_t slot);

/* Counts a request in flight for a client behind a trusted proxy (its
 * body bytes are counted in the returned slot, not the proxy's), like
 * mm_clients_open but not counted as a connection; 0 when the table is
 * full. mm_clients_release gives it back. */
size_t mm_clients_hold(struct mm_clients *t, const struct mm_client_key *k);
void mm_clients_release(struct mm_clients *t, size_t slot);

/* Takes n more buffered bytes for the client of slot when it then holds at
 * most share; false (nothing taken) past it. Slot 0 always may. */
bool mm_clients_take(struct mm_clients *t, size_t slot, size_t n, size_t share);
/* Gives back n bytes taken. */
void mm_clients_give(struct mm_clients *t, size_t slot, size_t n);
/* The bytes the client of slot holds now. */
size_t mm_clients_held(struct mm_clients *t, size_t slot);

#endif
