/* SPDX-License-Identifier: Apache-2.0
 * Configuration files in INI form (read with inih), kept as an ordered list of
 * (section, key, value) entries so repeated keys (allowlists) survive.
 *
 * Reading marks: mm_ini_get, the typed getters and mm_ini_next mark every
 * entry of the section.key they are asked for as read, and every entry of
 * the section as in a section that was asked about. Once a program's
 * readers have all run, mm_ini_unread lists the entries none of them asked
 * for: in a settings file, most likely a misspelt key or section. The marks
 * are the one thing a getter changes (flags inside the entries, so the
 * getters still take a const ini); an ini is read by one thread at a time. */
#ifndef MM_CORE_INI_H
#define MM_CORE_INI_H

#include <stdbool.h>
#include <stddef.h>

struct mm_ini;

/* The longest line the reader takes is MM_INI_LINE_MAX - 1 bytes before
 * its LF (a CR before the LF counts as one of them, so a CRLF line holds a
 * byte less): Debian's inih reads lines into a fixed buffer
 * of INI_MAX_LINE (200) bytes and parsed the rest of a longer line as a
 * line of its own. A longer line is refused (MM_ETOOBIG, "FILE:LINE: ..."
 * in err). */
#define MM_INI_LINE_MAX 200

/* Loads path. On a syntax error, or a line holding a NUL byte (which inih
 * would cut there), returns MM_EPARSE and writes "FILE:LINE: reason" into
 * err; MM_ENOENT when the file is missing. */
int mm_ini_load_file(const char *path, struct mm_ini **out, char *err, size_t errlen);
int mm_ini_load_string(const char *text, struct mm_ini **out, char *err, size_t errlen);
/* Loads text read from the file name (errors name it, as mm_ini_load_file). */
int mm_ini_load_text(const char *text, const char *name, struct mm_ini **out, char *err,
                     size_t errlen);
void mm_ini_free(struct mm_ini *ini);
/* mm_ini_free, after clearing every value (mm_memzero): for a file that
 * holds a secret (the sensor's uplink.conf and its key). Accepts NULL. */
void mm_ini_free_wiped(struct mm_ini *ini);

/* The last value of section.key, or NULL. Section "" is the part before any
 * [section] header. Names compare case-insensitively. Marks (above). */
const char *mm_ini_get(const struct mm_ini *ini, const char *section, const char *key);

/* Typed getters: *out = def when absent; MM_EPARSE when present but invalid
 * (bool: yes/no/true/false/on/off/1/0; int: decimal within [min, max],
 * digits only with a '-' when min is below 0: mm_str_int64). */
int mm_ini_get_bool(const struct mm_ini *ini, const char *section, const char *key, bool def,
                    bool *out);
int mm_ini_get_int(const struct mm_ini *ini, const char *section, const char *key, long def,
                   long min, long max, long *out);

/* Repeated keys: the next entry at or after *pos (start at 0) of section
 * whose key is key (any key when key is NULL), in file order. Returns
 * true with *key_out (when not NULL) and *value set and *pos moved past
 * it, false when there is none. Marks the entries it returns read, and
 * those it passes over as in a section asked about (a reader walks on
 * until false, so the whole section is, also when it has no such key). */
bool mm_ini_next(const struct mm_ini *ini, size_t *pos, const char *section, const char *key,
                 const char **key_out, const char **value);

/* What no getter has asked for, in file order: the next at or after *pos
 * (start at 0). Returns true with *section set and either *key, an entry
 * not read in a section a getter asked about, or *key NULL for a section
 * no getter asked about (named once, at its first entry, however often
 * the file opens it); false when nothing is left. */
bool mm_ini_unread(const struct mm_ini *ini, size_t *pos, const char **section, const char **key);

/* Iterates all entries in file order, with the line each is on (of a
 * value continued on indented lines, the line of its last part). Raw
 * access: marks nothing. */
size_t mm_ini_count(const struct mm_ini *ini);
void mm_ini_entry(const struct mm_ini *ini, size_t i, const char **section, const char **key,
                  const char **value, int *line);
/* Whether entry i came from an indented line going on with the entry
 * before (inih's multi-line values: "key = a" then "  b" is two entries
 * of key, "a" and "b"), not from a line naming the key again. A reader
 * of single values joins them (mamori's profile: with a space). */
bool mm_ini_entry_continued(const struct mm_ini *ini, size_t i);

/* Parses a boolean word as above. */
int mm_parse_bool(const char *s, bool *out);

#endif
