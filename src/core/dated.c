/* SPDX-License-Identifier: Apache-2.0
 * Owns the dated records kept in a folder (see dated.h): their names, the
 * newest one and saving a new one beside the others. */
#include "core/dated.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/timefmt.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUFFIX ".json"

bool mm_dated_name(const char *name, const char *prefix, char date[11], int *seq)
{
    size_t plen = strlen(prefix), len = strlen(name);
    int64_t usec;
    if (len < plen + 10 + strlen(SUFFIX) || strncmp(name, prefix, plen) != 0 ||
        strcmp(name + len - strlen(SUFFIX), SUFFIX) != 0)
        return false;
    memcpy(date, name + plen, 10);
    date[10] = '\0';
    if (mm_time_parse_date(date, &usec) != 0 || date[4] != '-' || date[7] != '-')
        return false;
    const char *rest = name + plen + 10, *end = name + len - strlen(SUFFIX);
    if (rest == end) {
        *seq = 1;
        return true;
    }
    /* "-N": 2..999, no leading zero */
    if (*rest != '-' || end - rest < 2 || end - rest > 4 || rest[1] == '0')
        return false;
    int n = 0;
    for (const char *p = rest + 1; p < end; p++) {
        if (*p < '0' || *p > '9')
            return false;
        n = n * 10 + (*p - '0');
    }
    if (n < 2)
        return false;
    *seq = n;
    return true;
}

/* dir/name, with one slash however many dir ends with ("hist/" as typed). */
static char *join_path(const char *dir, const char *name)
{
    size_t dir_len = strlen(dir);
    while (dir_len > 1 && dir[dir_len - 1] == '/')
        dir_len--;
    size_t n = dir_len + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%.*s/%s", (int)dir_len, dir, name);
    return p;
}

/* Finds the newest record name of prefix in dir (empty when none). */
static int find_latest(const char *dir, const char *prefix, size_t scan_max, char *latest,
                       size_t cap, char latest_date[11])
{
    latest[0] = '\0';
    DIR *d = opendir(dir);
    if (!d) /* no folder yet is no record; else the system's reason (a file, no permission) */
        return errno == ENOENT ? 0 : mm_error_from_errno(errno);
    int best_seq = 0;
    struct dirent *e;
    for (size_t seen = 0; (e = readdir(d)) != NULL && seen < scan_max; seen++) {
        char date[11];
        int seq;
        if (!mm_dated_name(e->d_name, prefix, date, &seq) || strlen(e->d_name) >= cap)
            continue;
        int cmp = latest[0] ? strcmp(date, latest_date) : 1;
        if (cmp > 0 || (cmp == 0 && seq > best_seq)) {
            snprintf(latest, cap, "%s", e->d_name);
            memcpy(latest_date, date, 11);
            best_seq = seq;
        }
    }
    closedir(d);
    return 0;
}

int mm_dated_latest(const char *dir, const char *prefix, size_t scan_max, char **path_out,
                    char date[11])
{
    char name[256];
    *path_out = NULL;
    date[0] = '\0';
    int r = find_latest(dir, prefix, scan_max, name, sizeof name, date);
    if (r != 0)
        return r;
    if (!name[0])
        return MM_ENOENT;
    return (*path_out = join_path(dir, name)) ? 0 : MM_ENOMEM;
}

int mm_dated_save(const char *dir, const char *prefix, const char *date, int per_day,
                  const char *text, char **path_out)
{
    *path_out = NULL;
    int r = mm_mkdir_p(dir, 0700);
    if (r != 0)
        return r;
    char name[128], path[PATH_MAX];
    snprintf(name, sizeof name, "%s%.10s", prefix, date);
    char *stem = join_path(dir, name);
    if (!stem)
        return MM_ENOMEM;
    r = mm_file_write_new_numbered(stem, SUFFIX, per_day, text, strlen(text), 0666, path,
                                   sizeof path);
    free(stem);
    if (r == MM_EEXIST)
        return MM_ELIMIT;
    if (r == 0 && !(*path_out = strdup(path)))
        r = MM_ENOMEM;
    return r;
}
