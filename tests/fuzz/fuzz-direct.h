/* SPDX-License-Identifier: Apache-2.0
 * The two EVE writers of the typed-event harnesses (fuzz-*-direct.c): [0]
 * gets the direct path's lines, [1] the lines the writer makes of the JSON
 * event, each on its own (unlinked) temporary file; after each input the
 * two files must hold the same bytes (else abort) and are emptied for the
 * next. */
#ifndef MM_FUZZ_DIRECT_H
#define MM_FUZZ_DIRECT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sensor/output/output.h"

struct fuzz_outs {
    int fd[2]; /* memory files: [0] direct lines, [1] JSON lines */
    struct mm_eve_out *out[2];
};

/* Makes the two writers at the first input and keeps them (the process
 * ends with them): each on a temporary file, unlinked once both the writer
 * and fd hold it. A memory file's /proc/self/fd link will not do: the EVE
 * writer refuses to open a symbolic link to a regular file. */
static inline void fuzz_outs_open(struct fuzz_outs *o)
{
    for (int k = 0; k < 2; k++) {
        if (o->out[k])
            continue;
        const char *dir = getenv("TMPDIR");
        char path[4096];
        snprintf(path, sizeof path, "%s/mm-fuzz-%s-XXXXXX", dir && *dir ? dir : "/tmp",
                 k ? "json" : "direct");
        o->fd[k] = mkstemp(path);
        if (o->fd[k] < 0)
            abort();
        int rc = mm_eve_out_open(path, 0, 1, &o->out[k]);
        unlink(path);
        if (rc != 0)
            abort();
    }
}

/* The two memory files hold the same bytes; then both are emptied. */
static inline void fuzz_outs_same(struct fuzz_outs *o)
{
    off_t n[2];
    for (int k = 0; k < 2; k++) {
        mm_eve_out_flush(o->out[k]);
        n[k] = lseek(o->fd[k], 0, SEEK_END);
    }
    if (n[0] != n[1])
        abort();
    char *b[2] = {malloc((size_t)n[0] + 1), malloc((size_t)n[1] + 1)};
    for (int k = 0; k < 2; k++)
        if (!b[k] || pread(o->fd[k], b[k], (size_t)n[k], 0) != n[k] || ftruncate(o->fd[k], 0))
            abort();
    if (memcmp(b[0], b[1], (size_t)n[0]) != 0)
        abort();
    free(b[0]);
    free(b[1]);
}

#endif
