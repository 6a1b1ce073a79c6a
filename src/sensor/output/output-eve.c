/* SPDX-License-Identifier: Apache-2.0
 * EVE JSON lines to a file or stdout. Lines are built with mm_eve_write_line
 * into one reused buffer and written through stdio (large buffer, flushed at
 * stats time, file end and exit). Rotation by size: before a line that would
 * make the file exceed max_bytes, FILE.(N-1) -> FILE.N ... FILE -> FILE.1 and
 * a fresh FILE is opened, so no line is ever split across files. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/eve.h"
#include "sensor/output/output.h"

#define PATH_MAX_LEN 4096
#define STDIO_BUF    (256 * 1024)

struct mm_eve_out {
    FILE *fp;
    bool is_stdout;
    char path[PATH_MAX_LEN];
    uint64_t max_bytes, size, rotations;
    unsigned keep;
    struct mm_buf line;
    char *iobuf;
};

static int open_file(struct mm_eve_out *o)
{
    o->fp = fopen(o->path, "a");
    if (!o->fp)
        return MM_EIO;
    setvbuf(o->fp, o->iobuf, _IOFBF, STDIO_BUF);
    struct stat st;
    o->size = fstat(fileno(o->fp), &st) == 0 ? (uint64_t)st.st_size : 0;
    return 0;
}

int mm_eve_out_open(const char *path, uint64_t max_bytes, unsigned keep, struct mm_eve_out **out)
{
    *out = NULL;
    if (!path || strlen(path) >= PATH_MAX_LEN - 16)
        return MM_EINVAL;
    struct mm_eve_out *o = calloc(1, sizeof(*o));
    if (!o)
        return MM_ENOMEM;
    o->iobuf = malloc(STDIO_BUF);
    if (!o->iobuf) {
        free(o);
        return MM_ENOMEM;
    }
    snprintf(o->path, sizeof(o->path), "%s", path);
    o->max_bytes = max_bytes;
    o->keep = keep ? keep : 1;
    mm_buf_init(&o->line);
    int r;
    if (strcmp(path, "-") == 0) {
        o->is_stdout = true;
        o->fp = stdout;
        static char stdout_buf[STDIO_BUF]; /* must outlive every later stdout use */
        setvbuf(stdout, stdout_buf, _IOFBF, STDIO_BUF);
        r = 0;
    } else {
        r = open_file(o);
    }
    if (r != 0) {
        mm_eve_out_close(o);
        return r;
    }
    *out = o;
    return 0;
}

static int rotate(struct mm_eve_out *o)
{
    char from[PATH_MAX_LEN + 16], to[PATH_MAX_LEN + 16];
    if (fclose(o->fp) != 0) {
        o->fp = NULL;
        return MM_EIO;
    }
    o->fp = NULL;
    for (unsigned i = o->keep; i >= 1; i--) {
        if (i == 1)
            snprintf(from, sizeof(from), "%s", o->path);
        else
            snprintf(from, sizeof(from), "%s.%u", o->path, i - 1);
        snprintf(to, sizeof(to), "%s.%u", o->path, i);
        if (rename(from, to) != 0 && errno != ENOENT)
            return MM_EIO;
    }
    o->rotations++;
    return open_file(o);
}

int mm_eve_out_write(struct mm_eve_out *o, const json_t *ev)
{
    mm_buf_reset(&o->line);
    int r = mm_eve_write_line(ev, &o->line);
    if (r != 0)
        return r;
    if (!o->fp)
        return MM_EIO;
    if (!o->is_stdout && o->max_bytes && o->size > 0 && o->size + o->line.len > o->max_bytes) {
        if ((r = rotate(o)) != 0)
            return r;
    }
    if (fwrite(o->line.data, 1, o->line.len, o->fp) != o->line.len)
        return MM_EIO;
    o->size += o->line.len;
    return 0;
}

int mm_eve_out_flush(struct mm_eve_out *o)
{
    if (!o || !o->fp)
        return 0;
    return fflush(o->fp) == 0 ? 0 : MM_EIO;
}

uint64_t mm_eve_out_rotations(const struct mm_eve_out *o)
{
    return o ? o->rotations : 0;
}

void mm_eve_out_close(struct mm_eve_out *o)
{
    if (!o)
        return;
    if (o->fp) {
        fflush(o->fp);
        if (!o->is_stdout)
            fclose(o->fp);
    }
    mm_buf_free(&o->line);
    free(o->iobuf);
    free(o);
}
