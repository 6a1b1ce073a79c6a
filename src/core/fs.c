/* SPDX-License-Identifier: Apache-2.0
 * Owns file reading and crash-safe file writing. */
#include "core/fs.h"
#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int errno_to_mm(int e)
{
    switch (e) {
    case ENOENT:
        return MM_ENOENT;
    case EACCES:
    case EPERM:
        return MM_EPERM;
    case ENOMEM:
        return MM_ENOMEM;
    case EEXIST:
        return MM_EEXIST;
    default:
        return MM_EIO;
    }
}

int mm_file_read(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno_to_mm(errno);
    struct mm_buf b = MM_BUF_INIT;
    int r = 0;
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = errno_to_mm(errno);
            break;
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > max) {
            r = MM_ETOOBIG;
            break;
        }
        if ((r = mm_buf_append(&b, chunk, (size_t)n)) != 0)
            break;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (r != 0) {
        mm_buf_free(&b);
        return r;
    }
    *len = b.len;
    *out = mm_buf_take(&b);
    return *out ? 0 : MM_ENOMEM;
}

int mm_fsync_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return MM_ENOMEM;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return errno_to_mm(errno);
    int r = fsync(fd) == 0 ? 0 : MM_EIO;
    close(fd);
    return r;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno_to_mm(errno);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int mm_file_write_atomic(const char *path, const void *data, size_t len)
{
    struct mm_buf tmp = MM_BUF_INIT;
    int r = mm_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    if (r != 0)
        return r;
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        r = errno_to_mm(errno);
        goto out;
    }
    r = write_all(fd, data, len);
    if (r == 0 && fsync(fd) != 0)
        r = MM_EIO;
    if (close(fd) != 0 && r == 0)
        r = MM_EIO;
    if (r == 0 && rename(tmp.data, path) != 0)
        r = errno_to_mm(errno);
    if (r == 0)
        r = mm_fsync_parent(path);
    if (r != 0)
        unlink(tmp.data);
out:
    mm_buf_free(&tmp);
    return r;
}

int mm_mkdir_p(const char *dir, mode_t mode)
{
    char *copy = strdup(dir);
    if (!copy)
        return MM_ENOMEM;
    int r = 0;
    for (char *p = copy + 1; r == 0; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, mode) != 0 && errno != EEXIST)
            r = errno_to_mm(errno);
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(copy);
    return r;
}
