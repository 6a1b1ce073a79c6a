/* SPDX-License-Identifier: Apache-2.0
 * Owns the diagnosis history directory: dated result files
 * (diagnose-YYYY-MM-DD.json, then -2, -3... for more runs that day, named
 * and found by core/dated.c), the latest one and comparing it with a new
 * result. The latest file is
 * read by mm_diag_read_latest (diagnose-read.c), as `mamori declare` reads
 * it: the one answers reader, size-capped and fully validated. */
#include "assess/diagnose.h"
#include "core/dated.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

#define PREFIX "diagnose-"

bool mm_diag_history_name(const char *name, char date[11], int *seq)
{
    return mm_dated_name(name, PREFIX, date, seq);
}

int mm_diag_history_latest(const char *dir, char **path_out, char date[11])
{
    return mm_dated_latest(dir, PREFIX, MM_DIAG_HISTORY_SCAN_MAX, path_out, date);
}

int mm_diag_history_previous(const struct mm_diag_catalogue *cat, const char *dir,
                             const struct mm_diag_result *now, struct mm_diag_changes *changes,
                             char **bad_path)
{
    struct mm_diag_result prev;
    struct mm_answers_issues issues;
    memset(changes, 0, sizeof *changes);
    int r = mm_diag_read_latest(cat, dir, &prev, &issues, bad_path);
    if (r == MM_ENOENT && !*bad_path) /* no result in dir (or no dir) yet */
        return 0;
    if (r != 0)
        return r;
    free(*bad_path);
    *bad_path = NULL;
    mm_diag_compare(prev.answers, prev.score, prev.date, now, changes);
    return 0;
}

int mm_diag_history_save(const char *dir, const char *date, const char *json_text, char **path_out)
{
    return mm_dated_save(dir, PREFIX, date, MM_DIAG_HISTORY_PER_DAY, json_text, path_out);
}
