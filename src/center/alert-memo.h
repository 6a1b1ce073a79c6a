/* SPDX-License-Identifier: Apache-2.0
 * The open-alert memo of ingest (store-sqlite-ingest.c): for each
 * aggregation key (tenant, signature id, device) it remembers the open
 * alert that the aggregation look-up ranks first (the highest last_seen,
 * then the highest id, of the key's alerts that are not closed), or that
 * the key has no open alert at all. It is only a memory: the store decides
 * when it is still true (see "open-alert memo" in store-sqlite-ingest.c)
 * and clears it otherwise. Bounded: past max_keys keys it starts empty
 * again. Keys are hashed with the process's SipHash key, so devices named
 * by a sensor cannot be aimed at one bucket. */
#ifndef MM_CENTER_ALERT_MEMO_H
#define MM_CENTER_ALERT_MEMO_H

#include <stddef.h>
#include <stdint.h>

#define MM_ALERT_MEMO_DEVICE_MAX 63 /* bytes of a device name (mm_alert's device - 1) */

/* What the memo holds for a key: id 0 when the key has no open alert.
 * first, last, last_event and severity are the alert's values with every
 * batch folded; when pending > 0 its row in the database lacks the last
 * pending events (written once per interval, store-sqlite-ingest.c, "alert
 * rows written per interval"): row_event, row_last and row_severity are
 * the row's last_event_id, last_seen and severity then (what it was last
 * written with), updated the updated_at to write. */
struct mm_alert_memo_val {
    int64_t id;
    int64_t first, last; /* first_seen, last_seen */
    int64_t last_event;  /* last_event_id, 0 for none */
    int severity;
    int64_t pending;   /* events folded since the row was written */
    int64_t row_event; /* the row's last_event_id (when pending > 0) */
    int64_t row_last;  /* the row's last_seen (when pending > 0) */
    int row_severity;  /* the row's severity (when pending > 0) */
    int64_t updated;   /* updated_at to write (when pending > 0) */
};

struct mm_alert_memo_key {
    int64_t tenant_id, signature_id;
    const char *device; /* device_len bytes, at most MM_ALERT_MEMO_DEVICE_MAX */
    size_t device_len;
};

struct mm_alert_memo;

/* A new empty memo of at most max_keys keys (>= 1). */
int mm_alert_memo_new(size_t max_keys, struct mm_alert_memo **out);
/* Accepts NULL. */
void mm_alert_memo_free(struct mm_alert_memo *m);
/* Forgets every key. */
void mm_alert_memo_clear(struct mm_alert_memo *m);
/* The number of keys held. */
size_t mm_alert_memo_count(const struct mm_alert_memo *m);
/* The value held for k, NULL when k is not known. The pointer is valid
 * until the next put or clear. */
const struct mm_alert_memo_val *mm_alert_memo_get(const struct mm_alert_memo *m,
                                                  const struct mm_alert_memo_key *k);
/* The same, for changing the value in place. */
struct mm_alert_memo_val *mm_alert_memo_get_mut(struct mm_alert_memo *m,
                                                const struct mm_alert_memo_key *k);
/* Whether putting a key not held would clear the memo (it is full). */
int mm_alert_memo_full(const struct mm_alert_memo *m);
/* Holds v for k (replacing what k had). When the memo is full it is
 * cleared first. MM_EINVAL for a device past MM_ALERT_MEMO_DEVICE_MAX,
 * MM_ENOMEM when growing fails (the memo then holds what it held, without
 * k). */
int mm_alert_memo_put(struct mm_alert_memo *m, const struct mm_alert_memo_key *k,
                      const struct mm_alert_memo_val *v);
/* Calls fn for every value held, in no order, until fn returns non-zero
 * (which is returned). fn may change the value, not the memo. */
int mm_alert_memo_each(struct mm_alert_memo *m, int (*fn)(struct mm_alert_memo_val *v, void *arg),
                       void *arg);

#endif
