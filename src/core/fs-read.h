/* SPDX-License-Identifier: Apache-2.0
 * Reading files a program found by itself (in a folder it scans, under an
 * audit root): only regular files, opened without waiting, so a FIFO or a
 * device put where a file was expected is refused instead of hanging the
 * reader or feeding it without end. */
#ifndef MM_CORE_FS_READ_H
#define MM_CORE_FS_READ_H

#include <stddef.h>

/* Reads all of fd (opened for reading) into a new NUL-terminated buffer
 * (free() it) of at most max bytes: 0, MM_ENOTREG when fd is not a regular
 * file (nothing read), MM_EISDIR, MM_ETOOBIG, MM_ENOMEM or a read error. */
int mm_fd_read_regular(int fd, size_t max, char **out, size_t *len);

/* Opens fd (an O_PATH one) again through /proc/self/fd with flags
 * (O_NOCTTY, O_CLOEXEC added) when it is a regular file: the new fd, else
 * MM_EISDIR, MM_ESYMLINK, MM_ENOTREG or open's error (MM_ENOENT: no /proc).
 * So a device or FIFO is never opened for reading. */
int mm_fd_reopen_regular(int fd, int flags);

/* Opens path with O_PATH, then only a regular file for reading
 * (mm_fd_reopen_regular; without /proc directly with O_NONBLOCK, so a FIFO
 * does not wait for a writer) and reads it as mm_fd_read_regular does; open's errors as
 * mm_error_from_errno. */
int mm_file_read_regular(const char *path, size_t max, char **out, size_t *len);

/* As mm_file_read_regular, but a symbolic link at path is not followed
 * (MM_ESYMLINK or open's error): for names found in a folder another
 * account may write to, whose contents are copied or compared. */
int mm_file_read_regular_nofollow(const char *path, size_t max, char **out, size_t *len);

#endif
