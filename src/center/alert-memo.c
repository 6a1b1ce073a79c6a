/* SPDX-License-Identifier: Apache-2.0
 * Owns the open-alert memo's hash table (alert-memo.h): open addressing
 * with linear probing over a power-of-two array that doubles up to twice
 * max_keys slots; a full memo is cleared rather than evicted from, which
 * only costs the look-ups the memo saves. */
#include "center/alert-memo.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"

#define FIRST_SLOTS 256

struct slot {
    uint64_t hash; /* 0: empty (hashes are forced non-zero) */
    int64_t tenant_id, signature_id;
    struct mm_alert_memo_val val;
    uint8_t device_len;
    char device[MM_ALERT_MEMO_DEVICE_MAX];
};

struct mm_alert_memo {
    struct slot *slots;
    size_t mask; /* slots - 1 */
    size_t count, max_keys;
};

static uint64_t key_hash(const struct mm_alert_memo_key *k)
{
    struct mm_siphash c;
    int64_t ids[2] = {k->tenant_id, k->signature_id};
    mm_siphash_init(&c, &mm_process_key);
    mm_siphash_update(&c, ids, sizeof ids);
    mm_siphash_update(&c, k->device, k->device_len);
    uint64_t h = mm_siphash_final(&c);
    return h ? h : 1;
}

static bool slot_is(const struct slot *s, uint64_t h, const struct mm_alert_memo_key *k)
{
    return s->hash == h && s->tenant_id == k->tenant_id && s->signature_id == k->signature_id &&
           s->device_len == k->device_len && memcmp(s->device, k->device, k->device_len) == 0;
}

/* The slot of k, or the empty slot where it would go. */
static struct slot *probe(const struct mm_alert_memo *m, uint64_t h,
                          const struct mm_alert_memo_key *k)
{
    size_t i = (size_t)h & m->mask;
    while (m->slots[i].hash != 0 && !slot_is(&m->slots[i], h, k))
        i = (i + 1) & m->mask;
    return &m->slots[i];
}

static int alloc_slots(struct mm_alert_memo *m, size_t n)
{
    struct slot *s = calloc(n, sizeof *s);
    if (!s)
        return MM_ENOMEM;
    m->slots = s;
    m->mask = n - 1;
    m->count = 0;
    return 0;
}

int mm_alert_memo_new(size_t max_keys, struct mm_alert_memo **out)
{
    *out = NULL;
    if (max_keys == 0)
        return MM_EINVAL;
    struct mm_alert_memo *m = calloc(1, sizeof *m);
    if (!m)
        return MM_ENOMEM;
    m->max_keys = max_keys;
    if (alloc_slots(m, FIRST_SLOTS) != 0) {
        free(m);
        return MM_ENOMEM;
    }
    *out = m;
    return 0;
}

void mm_alert_memo_free(struct mm_alert_memo *m)
{
    if (!m)
        return;
    free(m->slots);
    free(m);
}

void mm_alert_memo_clear(struct mm_alert_memo *m)
{
    if (m->count == 0)
        return;
    memset(m->slots, 0, (m->mask + 1) * sizeof *m->slots);
    m->count = 0;
}

size_t mm_alert_memo_count(const struct mm_alert_memo *m)
{
    return m->count;
}

const struct mm_alert_memo_val *mm_alert_memo_get(const struct mm_alert_memo *m,
                                                  const struct mm_alert_memo_key *k)
{
    if (k->device_len > MM_ALERT_MEMO_DEVICE_MAX)
        return NULL;
    struct slot *s = probe(m, key_hash(k), k);
    return s->hash ? &s->val : NULL;
}

/* Doubles the table (at most to twice max_keys slots), keeping its keys. */
struct mm_alert_memo_val *mm_alert_memo_get_mut(struct mm_alert_memo *m,
                                                const struct mm_alert_memo_key *k)
{
    if (k->device_len > MM_ALERT_MEMO_DEVICE_MAX)
        return NULL;
    struct slot *s = probe(m, key_hash(k), k);
    return s->hash ? &s->val : NULL;
}

int mm_alert_memo_full(const struct mm_alert_memo *m)
{
    return m->count >= m->max_keys;
}

int mm_alert_memo_each(struct mm_alert_memo *m, int (*fn)(struct mm_alert_memo_val *v, void *arg),
                       void *arg)
{
    for (size_t i = 0; i <= m->mask; i++) {
        if (m->slots[i].hash == 0)
            continue;
        int r = fn(&m->slots[i].val, arg);
        if (r != 0)
            return r;
    }
    return 0;
}

static int grow(struct mm_alert_memo *m)
{
    struct mm_alert_memo old = *m;
    if (alloc_slots(m, (old.mask + 1) * 2) != 0) {
        *m = old;
        return MM_ENOMEM;
    }
    for (size_t i = 0; i <= old.mask; i++) {
        const struct slot *o = &old.slots[i];
        if (o->hash == 0)
            continue;
        struct mm_alert_memo_key k = {o->tenant_id, o->signature_id, o->device, o->device_len};
        *probe(m, o->hash, &k) = *o;
        m->count++;
    }
    free(old.slots);
    return 0;
}

int mm_alert_memo_put(struct mm_alert_memo *m, const struct mm_alert_memo_key *k,
                      const struct mm_alert_memo_val *v)
{
    if (k->device_len > MM_ALERT_MEMO_DEVICE_MAX)
        return MM_EINVAL;
    uint64_t h = key_hash(k);
    struct slot *s = probe(m, h, k);
    if (s->hash == 0) {
        if (m->count >= m->max_keys) {
            mm_alert_memo_clear(m);
        } else if (2 * (m->count + 1) > m->mask + 1 && grow(m) != 0) {
            return MM_ENOMEM;
        }
        s = probe(m, h, k);
        s->hash = h;
        s->tenant_id = k->tenant_id;
        s->signature_id = k->signature_id;
        s->device_len = (uint8_t)k->device_len;
        memcpy(s->device, k->device, k->device_len);
        m->count++;
    }
    s->val = *v;
    return 0;
}
