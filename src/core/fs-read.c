/* SPDX-License-Identifier: Apache-2.0
 * Owns reading only regular files (fs-read.h): fstat before any read, so a
 * FIFO, socket or device is refused (MM_ENOTREG) and never waited on. */
#include "core/fs-read.h"
#include "core/error.h"
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

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
    return mm_fd_read_all(fd, max, out, len);
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
