/* SPDX-License-Identifier: Apache-2.0
 * Owns the per-client table (clients.h): open connections, requests in
 * flight for a client behind a trusted proxy, and buffered body bytes per
 * IPv4 address or IPv6 /64, one mutex, a linear search over at most twice
 * the server's connection limit (a few thousand compares of 16 bytes per
 * new connection). */
#include "center/clients.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/net.h"

struct client {
    struct mm_client_key key;
    int conns;
    int held; /* requests in flight forwarded for it (mm_clients_hold) */
    size_t bytes;
};

struct mm_clients {
    pthread_mutex_t lock;
    size_t cap;
    struct client *c;
};

bool mm_client_key_of(const struct sockaddr *sa, struct mm_client_key *out)
{
    struct mm_addr a;
    bool known = mm_addr_from_sockaddr(sa, &a);
    mm_client_key_of_addr(&a, out);
    return known;
}

/* IPv4 as ::ffff:a.b.c.d, IPv6 as its /64 (mm_addr_client): never equal. */
void mm_client_key_of_addr(const struct mm_addr *a, struct mm_client_key *out)
{
    struct mm_addr c = *a;
    memset(out, 0, sizeof *out);
    if (mm_addr_client(&c) == 32) {
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, c.bytes, 4);
    } else if (c.family == 6) {
        memcpy(out->b, c.bytes, 16);
    }
}

struct mm_clients *mm_clients_new(size_t cap)
{
    struct mm_clients *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->c = calloc(cap ? cap : 1, sizeof *t->c);
    if (!t->c || pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t->c);
        free(t);
        return NULL;
    }
    t->cap = cap ? cap : 1;
    return t;
}

void mm_clients_free(struct mm_clients *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t->c);
    free(t);
}

static bool in_use(const struct client *c)
{
    return c->conns > 0 || c->held > 0 || c->bytes > 0;
}

/* The slot index of k, else of a free slot (*found false), else cap. */
static size_t find(const struct mm_clients *t, const struct mm_client_key *k, bool *found)
{
    size_t free_at = t->cap;
    *found = false;
    for (size_t i = 0; i < t->cap; i++) {
        if (!in_use(&t->c[i])) {
            if (free_at == t->cap)
                free_at = i;
        } else if (memcmp(&t->c[i].key, k, sizeof *k) == 0) {
            *found = true;
            return i;
        }
    }
    return free_at;
}

bool mm_clients_may_open(struct mm_clients *t, const struct mm_client_key *k, int limit)
{
    bool found;
    pthread_mutex_lock(&t->lock);
    size_t i = find(t, k, &found);
    bool ok = found ? t->c[i].conns < limit : i < t->cap;
    pthread_mutex_unlock(&t->lock);
    return ok;
}

/* Adds 1 to the connections (conn) or held requests of k's slot. */
static size_t add(struct mm_clients *t, const struct mm_client_key *k, bool conn)
{
    bool found;
    pthread_mutex_lock(&t->lock);
    size_t i = find(t, k, &found), slot = 0;
    if (i < t->cap) {
        if (!found)
            t->c[i] = (struct client){.key = *k};
        if (conn)
            t->c[i].conns++;
        else
            t->c[i].held++;
        slot = i + 1;
    }
    pthread_mutex_unlock(&t->lock);
    return slot;
}

static void drop(struct mm_clients *t, size_t slot, bool conn)
{
    if (slot == 0 || slot > t->cap)
        return;
    pthread_mutex_lock(&t->lock);
    int *n = conn ? &t->c[slot - 1].conns : &t->c[slot - 1].held;
    if (*n > 0)
        (*n)--;
    pthread_mutex_unlock(&t->lock);
}

size_t mm_clients_open(struct mm_clients *t, const struct mm_client_key *k)
{
    return add(t, k, true);
}

void mm_clients_close(struct mm_clients *t, size_t slot)
{
    drop(t, slot, true);
}

size_t mm_clients_hold(struct mm_clients *t, const struct mm_client_key *k)
{
    return add(t, k, false);
}

void mm_clients_release(struct mm_clients *t, size_t slot)
{
    drop(t, slot, false);
}

bool mm_clients_take(struct mm_clients *t, size_t slot, size_t n, size_t share)
{
    if (slot == 0 || slot > t->cap)
        return true;
    pthread_mutex_lock(&t->lock);
    struct client *c = &t->c[slot - 1];
    bool ok = c->bytes + n <= share;
    if (ok)
        c->bytes += n;
    pthread_mutex_unlock(&t->lock);
    return ok;
}

void mm_clients_give(struct mm_clients *t, size_t slot, size_t n)
{
    if (slot == 0 || slot > t->cap)
        return;
    pthread_mutex_lock(&t->lock);
    struct client *c = &t->c[slot - 1];
    c->bytes -= n < c->bytes ? n : c->bytes;
    pthread_mutex_unlock(&t->lock);
}

size_t mm_clients_held(struct mm_clients *t, size_t slot)
{
    if (slot == 0 || slot > t->cap)
        return 0;
    pthread_mutex_lock(&t->lock);
    size_t n = t->c[slot - 1].bytes;
    pthread_mutex_unlock(&t->lock);
    return n;
}
