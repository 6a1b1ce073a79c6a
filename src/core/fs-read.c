/* SPDX-License-Identifier: Apache-2.0
 * Owns reading only regular files (fs-read.h): fstat before any read, so a
 * FIFO, socket or device is refused (MM_ENOTREG) and never waited on. */
#include "core/fs-read.h"
#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_all(int fd, size_t max, char **out, size_t *len)
{
    struct mm_buf b = MM_BUF_INIT;
    char chunk[65536];
    int r = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            r = n < 0 ? mm_error_from_errno(errno) : 0;
            break;
        }
        r = b.len + (size_t)n > max ? MM_ETOOBIG : mm_buf_append(&b, chunk, (size_t)n);
        if (r != 0)
            break;
    }
    if (r != 0) {
        mm_buf_free(&b);
        return r;
    }
    *len = b.len;
    *out = mm_buf_take(&b);
    return *out ? 0 : MM_ENOMEM;
}

int mm_fd_read_regular(int fd, size_t max, char **out, size_t *len)
{
    struct stat st;
    *out = NULL;
    *len = 0;
    if (fstat(fd, &st) != 0)
        return mm_error_from_errno(errno);
    if (S_ISDIR(st.st_mode))
        return MM_EISDIR;
    if (!S_ISREG(st.st_mode))
        return MM_ENOTREG;
    return read_all(fd, max, out, len);
}

int mm_fd_reopen_regular(int fd, int flags)
{
    struct stat st;
    char proc[64];
    if (fstat(fd, &st) != 0)
        return mm_error_from_errno(errno);
    if (S_ISDIR(st.st_mode))
        return MM_EISDIR;
    if (S_ISLNK(st.st_mode)) /* O_PATH|O_NOFOLLOW opened the link itself */
        return MM_ESYMLINK;
    if (!S_ISREG(st.st_mode))
        return MM_ENOTREG;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    int got = open(proc, flags | O_NOCTTY | O_CLOEXEC);
    return got >= 0 ? got : mm_error_from_errno(errno);
}

/* A device is never opened (its open may act: a tape rewinds, a terminal
 * becomes the controlling one): the name is opened with O_PATH, and only
 * a regular file is opened for reading, through /proc/self/fd. Without
 * /proc, opened directly (O_NOCTTY, O_NONBLOCK) and fstat'ed before any
 * read. */
static int read_opened(const char *path, int flags, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int at = open(path, O_PATH | O_CLOEXEC | flags);
    if (at < 0)
        return mm_error_from_errno(errno);
    int fd = mm_fd_reopen_regular(at, O_RDONLY | O_NONBLOCK);
    close(at);
    if (fd == MM_ENOENT) { /* no /proc */
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC | flags);
        if (fd < 0)
            return errno == ELOOP && (flags & O_NOFOLLOW) ? MM_ESYMLINK
                                                          : mm_error_from_errno(errno);
    }
    if (fd < 0)
        return fd;
    int r = mm_fd_read_regular(fd, max, out, len);
    close(fd);
    return r;
}

int mm_file_read_regular(const char *path, size_t max, char **out, size_t *len)
{
    return read_opened(path, 0, max, out, len);
}

int mm_file_read_regular_nofollow(const char *path, size_t max, char **out, size_t *len)
{
    return read_opened(path, O_NOFOLLOW, max, out, len);
}
