/* SPDX-License-Identifier: Apache-2.0
 * Dated records kept in a folder: PREFIX-YYYY-MM-DD.json, then
 * PREFIX-YYYY-MM-DD-2.json, -3... for more records that day. Naming,
 * finding the newest (greatest date, then run number; other names are
 * ignored) and saving a new one without ever replacing an older one. Used
 * for the self-diagnosis results (`diagnose-`) and the five-rules records
 * (`rules-`) that `mamori` keeps for `mamori declare`. */
#ifndef MM_CORE_DATED_H
#define MM_CORE_DATED_H

#include <stdbool.h>
#include <stddef.h>

/* True when name is exactly prefix + a real date + optional "-N" (2..999,
 * no leading zero) + ".json"; date and *seq (1 without "-N") are set. */
bool mm_dated_name(const char *name, const char *prefix, char date[11], int *seq);

/* The newest record of prefix in dir, looking at scan_max entries at
 * most: *path_out (malloc'd) and its date. MM_ENOENT when there is none
 * (also when dir does not exist); the system's reason when dir cannot be
 * opened. */
int mm_dated_latest(const char *dir, const char *prefix, size_t scan_max, char **path_out,
                    char date[11]);

/* Saves text as a new record of prefix dated date (YYYY-MM-DD...) in dir,
 * made (0700) when missing; *path_out (malloc'd) names it. MM_ELIMIT when
 * per_day records of that day exist. */
int mm_dated_save(const char *dir, const char *prefix, const char *date, int per_day,
                  const char *text, char **path_out);

#endif
