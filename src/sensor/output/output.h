/* SPDX-License-Identifier: Apache-2.0
 * The EVE writer: one JSON line per event to a file (rotated by size to
 * FILE.1 ... FILE.N, newest first) or to stdout ("-"). */
#ifndef MM_SENSOR_OUTPUT_H
#define MM_SENSOR_OUTPUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mm_eve_out;

/* The mode (less the umask) of the files the sensor writes: the EVE output
 * and devices.json (the network's devices, addresses and names) as the
 * spool's files: the sensor's user and its group read them, nobody else. */
#define MM_EVE_FILE_MODE 0640

/* The least [output] eve_max_bytes (other than 0) config.c accepts: more
 * than any EVE line the sensor writes in practice (a few KiB at most), so
 * a file holds many lines. A line longer than max_bytes is still written
 * whole, in a file of its own (the file then passes max_bytes). */
#define MM_EVE_MAX_BYTES_MIN 16384
/* Opens path for appending ("-": stdout). max_bytes 0 disables rotation;
 * keep is how many rotated files to keep (at least 1). */
int mm_eve_out_open(const char *path, uint64_t max_bytes, unsigned keep, struct mm_eve_out **out);
/* Writes ev as one line, rotating first when the line would pass max_bytes. */
int mm_eve_out_write(struct mm_eve_out *o, const json_t *ev);
/* Appends ev's line as mm_eve_out_write writes it (compact JSON, then
 * '\n') to the caller's buffer (*buf holds *len bytes in *cap, grown with
 * realloc; free it with free()): the spool's text of a JSON event. 0, or
 * mm_eve_out_write's error for ev (the buffer's bytes as before). */
int mm_eve_line_format(const json_t *ev, char **buf, size_t *len, size_t *cap);
/* Writes an already serialised line (ending in '\n'), with rotation. */
int mm_eve_out_write_line(struct mm_eve_out *o, const char *line, size_t len);
/* The largest reservation (a line longer than this goes through
 * mm_eve_out_write_line). */
#define MM_EVE_RESERVE_MAX (1024 * 1024)
/* Room for a line of up to n bytes (n <= MM_EVE_RESERVE_MAX) at the end of
 * the batch, to be written in place and then added with mm_eve_out_commit;
 * NULL when there is no room (memory, a closed file, n out of range). The
 * room is valid until the next call on o. */
char *mm_eve_out_reserve(struct mm_eve_out *o, size_t n);
/* Adds the first len bytes written at the last reservation (len at most
 * its n; the last byte '\n') as one line, with rotation and batching as
 * mm_eve_out_write_line. len 0 adds nothing and returns 0; len past the
 * reservation, or with no reservation open (none made, or another call on
 * o since), is MM_EINVAL. */
int mm_eve_out_commit(struct mm_eve_out *o, size_t len);
/* A line built piece by piece at the end of the batch, for events the
 * sensor writes without a json_t (eve-http.c): begin, then the pieces in
 * order, then end, with no other call on o between. The pieces give the
 * same bytes the writer gives a json_t holding those values: raw bytes as
 * they are (keys and punctuation the caller knows need no escaping), a
 * string value quoted and escaped (text that is not UTF-8 fails the line),
 * a member ,"key":"value" with sep before it, an integer, a JSON value
 * (an event's member: the same depth limit). line_end adds
 * the '\n' and the line under the rules of mm_eve_out_write_line; after
 * any failure (memory, text, a closed file) nothing of the line is kept
 * and line_end returns the error. */
void mm_eve_out_line_begin(struct mm_eve_out *o);
void mm_eve_out_raw(struct mm_eve_out *o, const char *s, size_t n);
void mm_eve_out_string(struct mm_eve_out *o, const char *s, size_t n);
void mm_eve_out_member(struct mm_eve_out *o, char sep, const char *key, size_t key_len,
                       const char *s, size_t n);
/* The same member when s is known to be valid UTF-8 (not checked again;
 * text that is not UTF-8 would be written as it is); key is plain ASCII. */
void mm_eve_out_member_valid(struct mm_eve_out *o, char sep, const char *key, size_t key_len,
                             const char *s, size_t n);
/* ,"key": before a value that is not a string */
void mm_eve_out_member_key(struct mm_eve_out *o, const char *key, size_t key_len);
void mm_eve_out_integer(struct mm_eve_out *o, json_int_t v);
/* Any JSON value, as the writer writes it as a member of an event. */
void mm_eve_out_value(struct mm_eve_out *o, const json_t *v);
int mm_eve_out_line_end(struct mm_eve_out *o);

/* A tap on the next line built piece by piece, for an event the spool
 * keeps too (sensor.c): at that line's mm_eve_out_line_end, `tail` (e.g.
 * ,"seq":N) is put before the line's closing '}' and fn is handed the
 * line's text (no '\n'); when fn fails, the line loses the tail again.
 * With `write` false the line is then dropped (fn is all that sees it).
 * The line is formed and handed to fn also when o's file is closed (the
 * line's result is then MM_EIO). `tapped` and `result` (fn's) tell what
 * happened; a line that could not be formed (memory, text that is not
 * UTF-8, a line not ending in '}') never reaches fn. The tap is used by
 * one line_end at most; any other call on o but the pieces ends it
 * unused. */
struct mm_eve_out_tap {
    const char *tail;
    size_t tail_len;
    int (*fn)(void *arg, const char *text, size_t len);
    void *arg;
    bool write;
    bool tapped; /* out: fn was called */
    int result;  /* out: fn's result */
};
void mm_eve_out_set_tap(struct mm_eve_out *o, struct mm_eve_out_tap *tap);
/* True while a tap waits for the next line's end (a line formed in a
 * reservation would end it unused: such a line is built piece by piece). */
bool mm_eve_out_tapped(const struct mm_eve_out *o);
int mm_eve_out_flush(struct mm_eve_out *o);
uint64_t mm_eve_out_rotations(const struct mm_eve_out *o);
/* The first failure to write the file since the open (0: none), the
 * system's reason (MM_ENOSPC for a full disk, MM_EIO...), and in *path the
 * file (NULL: none). Each outage (up to MM_OUTAGES_LOGGED: outage-log.h)
 * was logged when it began (output.eve_write_failed) and when writing
 * worked again; the lines of a failed write are lost, and a piece of them
 * in a regular file is cut so the file keeps whole lines. Accepts NULL. */
int mm_eve_out_write_error(const struct mm_eve_out *o, const char **path);
/* Flushes and closes; MM_EIO when buffered lines could not be written.
 * Accepts NULL. */
int mm_eve_out_close(struct mm_eve_out *o);

#endif
