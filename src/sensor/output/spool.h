/* SPDX-License-Identifier: Apache-2.0
 * The crash-safe spool: events meant for the centre, kept on disk under
 * STATE/spool until the uplink has delivered them. Each event gets a
 * top-level "seq", strictly increasing across restarts.
 *
 * Layout: STATE/spool/<first-seq, 20 digits>.seg append-only segment files
 * ("MMSPOOL1" then records: u32 length, u32 CRC-32 of seq+payload, u64 seq,
 * all little-endian, then the JSON text); STATE/spool/acked holds the last
 * seq the centre has acknowledged (replaced atomically); STATE/spool/lock
 * keeps a second writer out (flock).
 *
 * Durability: mm_spool_append() write()s the record at once, so a killed
 * process (kill -9) never loses an appended record; mm_spool_sync() makes it
 * survive power loss too (the sensor syncs at most one second after an
 * append, at file end and at exit). On open, a torn tail (a record cut by a
 * crash in the middle of a write, or failing its CRC) is truncated away, and
 * numbering continues after the last intact record: nothing intact is lost
 * and no seq is ever reused. A reader in the same process as the writer
 * only hands out synced records, so a seq the centre has seen is never
 * given to another event after a power cut. The spool is bounded by
 * max_bytes: the oldest segments are dropped (counted in
 * mm_spool_dropped). See docs/design/eve.md. */
#ifndef MM_SENSOR_SPOOL_H
#define MM_SENSOR_SPOOL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define MM_SPOOL_SEGMENT_MAX       (8u * 1024 * 1024) /* start a new segment past this */
#define MM_SPOOL_MAX_BYTES_DEFAULT (1ull << 30)       /* [spool] max_bytes */

/* ---- writer (the sensor) -------------------------------------------------- */

struct mm_spool;

/* Opens (creating) the spool in dir, recovers a torn tail. MM_EEXIST when
 * another process holds the spool; MM_EPARSE when its acked file holds
 * anything but the number mm_spool_reader_ack writes (nothing is guessed,
 * changed or deleted then; mm_spool_reader_open refuses it the same way).
 * Only files named <20 digits>.seg whose number the writer could have
 * given (1 to INT64_MAX) are segments; other files are left alone. A
 * segment that cannot be read (a failing disk: MM_EIO, ...) is an error,
 * not a torn tail: nothing is cut, and the open fails with the system's
 * reason. A segment longer than its header that does not start with the
 * header is not a spool's: MM_EPARSE, nothing cut (only a segment no longer
 * than a header, created but never written, gets its header rewritten). */
int mm_spool_open(const char *dir, struct mm_spool **out);
/* mm_spool_open, naming in failed (failed_len bytes) the segment file a
 * failed open could not read, could not open for a reason with a step of
 * its own (a link to itself: mm_error_has_step, not EISDIR), or found not
 * to be a spool's (MM_EPARSE); "" for any other failure (the folder, the
 * lock, the acked file, memory, opening or repairing a segment otherwise,
 * out of space). */
int mm_spool_open_noted(const char *dir, struct mm_spool **out, char *failed, size_t failed_len);
/* Sets ev's "seq" to the next number and appends it: its compact JSON
 * text, as the EVE writer writes it (mm_eve_line_format; the bytes of
 * jansson's JSON_COMPACT dump). On failure (memory, text that is not
 * UTF-8, too long) ev keeps no seq and the number is not used. */
int mm_spool_append(struct mm_spool *s, json_t *ev);
/* The line (the record's text and '\n', as mm_eve_out_write writes the
 * event) of the last mm_spool_append when it succeeded, valid until the
 * next call on s; else NULL. */
const char *mm_spool_last_line(const struct mm_spool *s, size_t *len);
/* The seq the next appended record gets. */
uint64_t mm_spool_next_seq(const struct mm_spool *s);
/* Appends an event already formatted (its JSON text, len bytes, no
 * newline) that holds seq, the mm_spool_next_seq it was formatted with, as
 * its last member: the same record mm_spool_append writes for that event
 * (which sets "seq" last and writes the compact text). MM_EINVAL for
 * another seq or an empty text; on failure the number is not used. */
int mm_spool_append_text(struct mm_spool *s, uint64_t seq, const char *text, size_t len);
/* fdatasync()s what was appended (no-op when nothing is pending). */
int mm_spool_sync(struct mm_spool *s);
/* True when appended records wait for mm_spool_sync. */
int mm_spool_pending(const struct mm_spool *s);
uint64_t mm_spool_last_seq(const struct mm_spool *s);
/* Bytes cut from a torn tail when the spool was opened (0: clean). */
uint64_t mm_spool_recovered_bytes(const struct mm_spool *s);
/* Every record up to this seq is durable (readers stop there). */
uint64_t mm_spool_synced_seq(const struct mm_spool *s);
/* Bounds the segment files' total size (default MM_SPOOL_MAX_BYTES_DEFAULT);
 * segments get smaller for small bounds so at least 8 fit. */
void mm_spool_set_max_bytes(struct mm_spool *s, uint64_t max_bytes);
/* Unacknowledged records lost: oldest segments dropped for max_bytes, plus
 * records readers in this process skipped as corrupt. Accepts NULL. */
uint64_t mm_spool_dropped(const struct mm_spool *s);
/* The first write failure since the open (0: none), the system's reason
 * (MM_ENOSPC for a full disk, MM_EIO, ...); *path the segment file it was
 * in (NULL: none), *lost the appends lost to write failures since the open
 * (the events not spooled). Each outage (up to MM_OUTAGES_LOGGED) is
 * logged when it begins (spool.write_failed) and, when it lost events, at
 * the first record added after it (spool.write_recovered, with the events
 * it lost). Accepts NULL. */
int mm_spool_write_error(const struct mm_spool *s, const char **path, uint64_t *lost);
/* Syncs and closes. Accepts NULL. */
void mm_spool_close(struct mm_spool *s);

/* ---- reader (the uplink) -------------------------------------------------- */

struct mm_spool_record {
    uint64_t seq;
    char *json; /* NUL-terminated event text (with its "seq") */
    size_t len;
};

struct mm_spool_batch {
    struct mm_spool_record *records;
    size_t count;
};

struct mm_spool_reader;

int mm_spool_reader_open(const char *dir, struct mm_spool_reader **out);
/* Reads up to max_records records (and about max_bytes) following the acked
 * seq, oldest first. An incomplete last record (being written) ends the
 * batch, and so does a record past the synced seq of a writer of the same
 * directory in this process. A corrupt record in an older segment is logged
 * and the rest of that segment skipped. The same records come back until
 * they are acked. A folder or segment that cannot be opened or read (a
 * failing disk) fails the call with the system's reason
 * (mm_error_from_errno: MM_EPERM, MM_ENOTDIR, MM_EIO...),
 * mm_spool_reader_failed naming it; nothing is skipped for it. A read
 * error after some records ends the batch there; the next call fails. */
int mm_spool_reader_next(struct mm_spool_reader *r, size_t max_records, size_t max_bytes,
                         struct mm_spool_batch *out);
/* Records that everything up to seq was delivered (atomic file replace) and
 * deletes segments holding only acked records (never the newest). */
int mm_spool_reader_ack(struct mm_spool_reader *r, uint64_t seq);
uint64_t mm_spool_reader_acked(const struct mm_spool_reader *r);
/* Records this reader skipped as corrupt (each counted once). */
uint64_t mm_spool_reader_corrupt(const struct mm_spool_reader *r);
/* The folder or segment file the last failed mm_spool_reader_next could
 * not read ("" after a call that did not fail that way). */
const char *mm_spool_reader_failed(const struct mm_spool_reader *r);
void mm_spool_batch_free(struct mm_spool_batch *b);
void mm_spool_reader_close(struct mm_spool_reader *r);

#endif
