/* SPDX-License-Identifier: Apache-2.0
 * The uplink: a thread that drains the sensor's spool (spool.h reader API)
 * into the centre with POST /api/v1/events, and the one-time enrolment that
 * gives the sensor its key. Capture never waits on the network: the packet
 * loop only appends to the spool; this thread reads from the acked position,
 * sends a gzip'd batch with the sensor key, and acks the batch only after the
 * centre's 2xx reply. Failures are retried with exponential backoff and
 * jitter. See docs/design/uplink.md for the exact guarantees. */
#ifndef MM_SENSOR_UPLINK_H
#define MM_SENSOR_UPLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/ini.h"

#define MM_UPLINK_STATE_FILE "uplink.conf" /* under --state, mode 0600 */
#define MM_UPLINK_URL_MAX    512
/* The longest centre URL --enrol takes: "center = URL" is a line of
 * uplink.conf, within the settings reader's MM_INI_LINE_MAX. */
#define MM_UPLINK_ENROL_URL_MAX (MM_INI_LINE_MAX - 1 - (int)sizeof("center = "))
#define MM_UPLINK_KEY_MAX       128

/* What the uplink thread needs. Strings are copied by mm_uplink_start. */
struct mm_uplink_config {
    const char *center;      /* base URL, e.g. "http://127.0.0.1:8080" */
    const char *key;         /* the sensor key "mms_..." */
    const char *spool_dir;   /* STATE/spool */
    const char *event_types; /* comma list forwarded (others are skipped and acked) */
    /* [uplink] ca_file's PEM text (CA certificates for an HTTPS centre),
     * read with the settings, before a live sensor switches user: libcurl
     * gets it from memory and never opens the file. NULL: the system's. */
    const char *ca_pem;
    size_t ca_pem_len;
    size_t batch_max;    /* records per request (1..10000) */
    long retry_max_ms;   /* backoff cap */
    bool quiet;          /* no progress messages on stderr */
    bool allow_insecure; /* [uplink] allow_insecure: plain http:// to a non-loopback host */
};

/* Counters, readable while the thread runs. */
struct mm_uplink_stats {
    uint64_t sent_batches, accepted, duplicates, rejected, skipped, failures;
    uint64_t acked_seq;
};

/* The state file written by enrolment (STATE/uplink.conf). */
struct mm_uplink_state {
    char center[MM_UPLINK_URL_MAX];
    char key[MM_UPLINK_KEY_MAX];
    int64_t sensor_id;
};

struct mm_uplink;

/* Whether key has the form of the centre's keys: "mms_" and base64url
 * characters (A-Z a-z 0-9 - _), shorter than MM_UPLINK_KEY_MAX. */
bool mm_uplink_key_valid(const char *key);

/* 0 when url may carry the sensor key: https://, or http:// to loopback
 * (localhost, 127.0.0.0/8, ::1). Plain http:// to any other host is
 * MM_EPERM unless allow_insecure; anything else MM_EINVAL. */
int mm_uplink_url_check(const char *url, bool allow_insecure);

/* Trades the one-time code for a sensor key with POST CENTER/api/v1/enrol
 * and writes STATE/uplink.conf (mode 0600) with the URL and the key. name is
 * the sensor's display name at the centre. Errors: MM_EPERM/MM_EINVAL (URL
 * refused by mm_uplink_url_check), MM_ENET (centre not reachable), MM_EAUTH
 * (code unknown, used or expired), MM_EIO (state). A reason goes into err.
 * ca_pem (ca_len bytes; NULL: the system's): as mm_uplink_config's. */
int mm_uplink_enrol(const char *center, const char *code, const char *name, const char *state_dir,
                    const char *ca_pem, size_t ca_len, bool allow_insecure,
                    struct mm_uplink_state *out, char *err, size_t errlen);

/* Reads STATE/uplink.conf. MM_ENOENT when the sensor was never enrolled.
 * Only a regular file with one name, owned by root, this process's user or
 * user_uid (the --user account root will switch to; (uid_t)-1 for none), of
 * at most 64 KiB is read: MM_ESYMLINK for a link, MM_ESTATE for a FIFO, a
 * device, a hard link or another account's file, MM_ETOOBIG. */
int mm_uplink_state_load(const char *state_dir, uid_t user_uid, struct mm_uplink_state *out);

/* Starts the uplink thread. Like mm_uplink_enrol, it expects libcurl's
 * global state set up by the program (curl_global_init once, before any
 * thread starts: enrol.c's, just before it calls either; curl_global_cleanup
 * at its end), not here. */
int mm_uplink_start(const struct mm_uplink_config *cfg, struct mm_uplink **out);

/* Tells the uplink the writer's newest seq and the capture drop counter; the
 * backlog (newest - acked) and the drops go to the centre as the headers
 * Mamori-Spool-Backlog and Mamori-Drops. Cheap; call it as often as wanted. */
void mm_uplink_note(struct mm_uplink *u, uint64_t spool_last_seq, uint64_t drops);

void mm_uplink_stats(struct mm_uplink *u, struct mm_uplink_stats *out);

/* Stops the thread: keeps sending until the spool is drained or flush_ms
 * passed (0: stop now), then joins and frees. Returns true when everything
 * was delivered. Accepts NULL (returns true). */
bool mm_uplink_stop(struct mm_uplink *u, long flush_ms);

/* True when type is in the comma list (exact match of one item). */
bool mm_uplink_type_selected(const char *list, const char *type);

#endif
