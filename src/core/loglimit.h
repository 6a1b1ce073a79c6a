/* SPDX-License-Identifier: Apache-2.0
 * The rate limit of a repeated log line: a warning that a client can cause
 * again and again (a sensor's malformed health header on every POST) is
 * written the first time for each key, then at most once per interval,
 * saying how many occurrences were not written since. Bounded: at most
 * max_keys keys (a key's entry is looked up by a scan, so keep it in the
 * thousands); a new key past that takes the place of one whose interval is
 * over with nothing unsaid, else of the one written longest ago (whose count
 * of unsaid occurrences is lost). Thread-safe. */
#ifndef MM_CORE_LOGLIMIT_H
#define MM_CORE_LOGLIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm_log_limit;

/* A limit of one line per key per interval_usec (> 0) for at most max_keys
 * keys (>= 1); MM_EINVAL otherwise, MM_ENOMEM. */
int mm_log_limit_new(int64_t interval_usec, size_t max_keys, struct mm_log_limit **out);
/* Accepts NULL. */
void mm_log_limit_free(struct mm_log_limit *l);
/* Whether the occurrence of key at now (microseconds) is to be written: the
 * key's first, and the first one interval or more after the key's last
 * written one (or before it: the clock went back). *unsaid then gets the
 * number of the key's occurrences not written since its last written one
 * (0 for the first). False otherwise: the occurrence is counted as unsaid.
 * A NULL limit lets every occurrence pass. */
bool mm_log_limit_pass(struct mm_log_limit *l, uint64_t key, int64_t now, uint64_t *unsaid);
/* The same, as the message key to write the occurrence under: msg when no
 * occurrence went unsaid since the last written one, again when *unsaid
 * did, NULL when it is not to be written. For a pair of catalogue messages
 * whose "again" one takes *unsaid (as unsigned long long) after msg's
 * arguments: the caller passes it last to both (printf ignores an argument
 * past the format's). */
const char *mm_log_limit_msg(struct mm_log_limit *l, uint64_t key, int64_t now, const char *msg,
                             const char *again, uint64_t *unsaid);

#endif
