/* SPDX-License-Identifier: Apache-2.0
 * Configuration files in INI form (read with inih), kept as an ordered list of
 * (section, key, value) entries so repeated keys (allowlists) survive. */
#ifndef MM_CORE_INI_H
#define MM_CORE_INI_H

#include <stdbool.h>
#include <stddef.h>

struct mm_ini;

/* Loads path. On a syntax error returns MM_EPARSE and writes "FILE:LINE:
 * reason" into err; MM_ENOENT when the file is missing. */
int mm_ini_load_file(const char *path, struct mm_ini **out, char *err, size_t errlen);
int mm_ini_load_string(const char *text, struct mm_ini **out, char *err, size_t errlen);
/* Loads text read from the file name (errors name it, as mm_ini_load_file). */
int mm_ini_load_text(const char *text, const char *name, struct mm_ini **out, char *err,
                     size_t errlen);
void mm_ini_free(struct mm_ini *ini);

/* The last value of section.key, or NULL. Section "" is the part before any
 * [section] header. Names compare case-insensitively. */
const char *mm_ini_get(const struct mm_ini *ini, const char *section, const char *key);

/* Typed getters: *out = def when absent; MM_EPARSE when present but invalid
 * (bool: yes/no/true/false/on/off/1/0; int: decimal within [min, max]). */
int mm_ini_get_bool(const struct mm_ini *ini, const char *section, const char *key, bool def,
                    bool *out);
int mm_ini_get_int(const struct mm_ini *ini, const char *section, const char *key, long def,
                   long min, long max, long *out);

/* Iterates all entries in file order (line is 0: Debian's inih does not report it). */
size_t mm_ini_count(const struct mm_ini *ini);
void mm_ini_entry(const struct mm_ini *ini, size_t i, const char **section, const char **key,
                  const char **value, int *line);

/* Parses a boolean word as above. */
int mm_parse_bool(const char *s, bool *out);

#endif
