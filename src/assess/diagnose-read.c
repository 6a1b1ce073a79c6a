/* SPDX-License-Identifier: Apache-2.0
 * Owns reading a diagnosis that other commands build on (`mamori declare`,
 * `mamori policy`, and `mamori diagnose --history` for the comparison): an
 * answers file, the JSON report of `mamori diagnose` or a history directory
 * (its newest result), through the one answers reader (answers.c), with the
 * result computed from the answers; and which file a diagnosis given as a
 * file or folder is (mm_diag_resolve, also for `mamori audit --diagnosis`). */
#include "assess/diagnose.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/fs-read.h"
#include "core/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The report's "date" when it is a real YYYY-MM-DD date, else "". */
static void report_date(const json_t *doc, char date[11])
{
    int64_t usec;
    const char *d = json_string_value(json_object_get(doc, "date"));
    date[0] = '\0';
    if (d && strlen(d) == 10 && d[4] == '-' && d[7] == '-' && mm_time_parse_date(d, &usec) == 0)
        memcpy(date, d, 11);
}

/* Reads one file as an answers file; date is the history name's, or "". */
static int read_file(const struct mm_diag_catalogue *cat, const char *path, const char *date,
                     struct mm_diag_result *res, struct mm_answers_issues *issues)
{
    struct mm_answers_spec spec;
    enum mm_answer answers[MM_DIAG_ITEMS];
    char *text = NULL;
    size_t len = 0;
    json_t *doc = NULL;
    int r;
    mm_diag_answers_spec(cat, &spec);
    /* a file found in a history folder: a regular file only (a FIFO there
     * must not hang the command); a file named by the user may be a pipe */
    if ((r = date[0] ? mm_file_read_regular(path, MM_ANSWERS_FILE_MAX, &text, &len)
                     : mm_file_read(path, MM_ANSWERS_FILE_MAX, &text, &len)) != 0 ||
        (r = mm_answers_parse_doc(&spec, text, len, 0, answers, issues, &doc)) != 0 ||
        (r = mm_diag_evaluate(cat, answers, res)) != 0)
        goto out;
    if (date[0])
        memcpy(res->date, date, sizeof res->date);
    else
        report_date(doc, res->date);
out:
    json_decref(doc);
    free(text);
    return r;
}

int mm_diag_read_latest(const struct mm_diag_catalogue *cat, const char *dir,
                        struct mm_diag_result *res, struct mm_answers_issues *issues, char **used)
{
    char date[11] = "";
    memset(issues, 0, sizeof *issues);
    memset(res, 0, sizeof *res);
    int r = mm_diag_history_latest(dir, used, date);
    return r != 0 ? r : read_file(cat, *used, date, res, issues);
}

int mm_diag_resolve(const char *path, char **used, char date[11])
{
    struct stat st;
    *used = NULL;
    date[0] = '\0';
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return mm_diag_history_latest(path, used, date);
    return (*used = strdup(path)) ? 0 : MM_ENOMEM;
}

int mm_diag_read(const struct mm_diag_catalogue *cat, const char *path, struct mm_diag_result *res,
                 struct mm_answers_issues *issues, char **used)
{
    char date[11];
    memset(issues, 0, sizeof *issues);
    memset(res, 0, sizeof *res);
    int r = mm_diag_resolve(path, used, date);
    return r != 0 ? r : read_file(cat, *used, date, res, issues);
}
