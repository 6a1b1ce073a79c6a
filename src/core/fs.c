/* SPDX-License-Identifier: Apache-2.0
 * Owns file reading and crash-safe file writing: atomic replace, a write to
 * a path a person named (a device, FIFO or link is written through, not
 * replaced), and claim-once records with a fallback for file systems
 * without hard links (FAT, exFAT). */
#include "core/fs.h"
#include "core/buf.h"
#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int mm_error_nofollow(const char *path, int err)
{
    struct stat st;
    if (err == ELOOP && lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        return MM_ESYMLINK;
    return mm_error_from_errno(err);
}

ssize_t mm_pread_full(int fd, void *buf, size_t n, uint64_t offset)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = pread(fd, (char *)buf + got, n - got, (off_t)(offset + got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (ssize_t)got;
}

int mm_fd_read_all(int fd, size_t max, char **out, size_t *len)
{
    struct mm_buf b = MM_BUF_INIT;
    int r = 0;
    char chunk[65536];
    *out = NULL;
    *len = 0;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = mm_error_from_errno(errno);
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
    if (r != 0) {
        mm_buf_free(&b);
        return r;
    }
    *len = b.len;
    *out = mm_buf_take(&b);
    return *out ? 0 : MM_ENOMEM;
}

int mm_file_read(const char *path, size_t max, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mm_error_from_errno(errno);
    int r = mm_fd_read_all(fd, max, out, len);
    if (fd != STDIN_FILENO)
        close(fd);
    return r;
}

bool mm_pem_has_certificate(const char *text, size_t len)
{
    static const char cert[] = "-----BEGIN CERTIFICATE-----";
    static const char old[] = "-----BEGIN X509 CERTIFICATE-----";
    return memmem(text, len, cert, sizeof cert - 1) != NULL ||
           memmem(text, len, old, sizeof old - 1) != NULL;
}

int mm_file_read_ca(const char *path, char **out, size_t *len)
{
    int r = mm_file_read(path, MM_CA_FILE_MAX, out, len);
    if (r == 0 && !mm_pem_has_certificate(*out, *len)) {
        free(*out);
        *out = NULL;
        *len = 0;
        r = MM_EPARSE;
    }
    return r;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

bool mm_stat_same(const struct stat *a, const struct stat *b, unsigned fields)
{
    return (!(fields & MM_STAT_FILE) || (a->st_dev == b->st_dev && a->st_ino == b->st_ino)) &&
           (!(fields & MM_STAT_SIZE) || a->st_size == b->st_size) &&
           (!(fields & MM_STAT_MTIME) || same_time(&a->st_mtim, &b->st_mtim)) &&
           (!(fields & MM_STAT_CTIME) || same_time(&a->st_ctim, &b->st_ctim));
}

int mm_fsync_parent(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return MM_ENOMEM;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return mm_error_from_errno(errno);
    /* EINVAL, ENOSYS: the file system has no fsync for a directory (procfs,
     * some FUSE and network ones); the rename is done, nothing more to make sure of */
    int r = fsync(fd) == 0 || errno == EINVAL || errno == ENOSYS ? 0 : mm_error_from_errno(errno);
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
            return mm_error_from_errno(errno);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Creates a fresh temporary file beside path with an unpredictable name,
 * refusing to follow or reuse anything already there (O_EXCL|O_NOFOLLOW), so a
 * planted symlink cannot redirect the write. The name is left in tmp. */
static int open_temp_beside(const char *path, mode_t mode, struct mm_buf *tmp)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        uint64_t rnd;
        if (getrandom(&rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
            rnd = (uint64_t)getpid() * 2654435761u + (uint64_t)attempt;
        mm_buf_reset(tmp);
        int r = mm_buf_printf(tmp, "%s.tmp.%016llx", path, (unsigned long long)rnd);
        if (r != 0)
            return r;
        int fd = open(tmp->data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            return mm_error_from_errno(errno);
    }
    return MM_EEXIST;
}

/* Gives fd the group of the file like was (best effort: only one of the
 * caller's) and its permissions, narrowed to the mode asked for (a report
 * asked 0600, as audit's, never becomes readable by others because the
 * file it replaces was): never set-id bits, and no group bits when the
 * group could not be given (they would be for the caller's group). The
 * mode after the group, as chown may clear bits. The owner stays the
 * caller: root's report is not given away. */
static int take_group_and_mode(int fd, const struct stat *like, mode_t mode)
{
    mode_t keep = like->st_mode & mode & 0777;
    if (fchown(fd, (uid_t)-1, like->st_gid) != 0)
        keep &= ~(mode_t)070; /* a group the caller is not in (EPERM): the caller's */
    return fchmod(fd, keep) == 0 ? 0 : mm_error_from_errno(errno);
}

/* Writes data to a new temporary file beside path and fsyncs it; returns the
 * temporary name in tmp. With like (the file to be replaced), it is made
 * 0600 and given like's group and mode before any data is in it. */
static int write_temp_like(const char *path, const void *data, size_t len, mode_t mode,
                           const struct stat *like, struct mm_buf *tmp)
{
    int fd = open_temp_beside(path, like ? 0600 : mode, tmp);
    if (fd < 0)
        return fd;
    int r = like ? take_group_and_mode(fd, like, mode) : 0;
    if (r == 0)
        r = write_all(fd, data, len);
    /* a full disk may show only at fsync or close (delayed allocation, NFS) */
    if (r == 0 && fsync(fd) != 0)
        r = mm_error_from_errno(errno);
    if (close(fd) != 0 && r == 0)
        r = mm_error_from_errno(errno);
    if (r != 0)
        unlink(tmp->data);
    return r;
}

static int write_temp(const char *path, const void *data, size_t len, mode_t mode,
                      struct mm_buf *tmp)
{
    return write_temp_like(path, data, len, mode, NULL, tmp);
}

/* The atomic replace of path, the temporary file made like the file it
 * replaces when like is not NULL. */
static int replace_like(const char *path, const void *data, size_t len, mode_t mode,
                        const struct stat *like)
{
    struct mm_buf tmp = MM_BUF_INIT;
    int r = write_temp_like(path, data, len, mode, like, &tmp);
    if (r == 0 && rename(tmp.data, path) != 0) {
        r = mm_error_from_errno(errno);
        unlink(tmp.data);
    }
    if (r == 0)
        r = mm_fsync_parent(path);
    mm_buf_free(&tmp);
    return r;
}

int mm_file_write_atomic_mode(const char *path, const void *data, size_t len, mode_t mode)
{
    return replace_like(path, data, len, mode, NULL);
}

/* Writes data into what is open at path (a device, a FIFO): no temporary
 * file, no truncation, no rename. A FIFO's open waits for its reader as the
 * shell's would. What is opened must be the file st (checked before) and not
 * a regular one, else ESTALE's code (swapped meanwhile); a path that was no
 * link (nofollow) is not followed if it has become one. */
static int write_through(const char *path, const struct stat *st, bool nofollow, const void *data,
                         size_t len)
{
    struct stat now;
    int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0)
        return mm_error_from_errno(errno);
    int e = fstat(fd, &now) != 0 ? errno
            : now.st_dev == st->st_dev && now.st_ino == st->st_ino && !S_ISREG(now.st_mode)
                ? 0
                : ESTALE;
    if (e != 0) {
        close(fd);
        return mm_error_from_errno(e);
    }
    int r = write_all(fd, data, len);
    if (close(fd) != 0 && r == 0 && errno != EINTR)
        r = mm_error_from_errno(errno);
    return r;
}

/* Whether st, found at path (not followed), may be trusted by this process:
 * not in a sticky folder everyone may write in (/tmp), or there, owned by
 * the caller or by the folder's owner. The kernel's rule for links, FIFOs
 * and files there (fs.protected_symlinks, _fifos, _regular), so a link or
 * file another account planted in /tmp does not get root's report. */
static bool trusted_at(const char *path, const struct stat *st)
{
    char *copy = strdup(path);
    struct stat dir;
    bool got = copy && stat(dirname(copy), &dir) == 0;
    free(copy);
    if (!got)
        return false;
    bool shared = (dir.st_mode & S_ISVTX) && (dir.st_mode & S_IWOTH);
    return !shared || st->st_uid == geteuid() || st->st_uid == dir.st_uid;
}

/* The name of the regular file path leads to through links, resolved by
 * the kernel (O_PATH: its checks on links in shared folders apply) and
 * checked to be that file still (a link swapped meanwhile is no file of
 * ours); *st is that file's state. NULL with errno set (ESTALE when it
 * changed). */
static char *resolve_file(const char *path, struct stat *st)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    char proc[64], *real = NULL;
    struct stat now;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
    if (fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    real = realpath(proc, NULL); /* /proc/self/fd: the file's name */
    if (!real && errno != ENOMEM)
        real = realpath(path, NULL); /* no /proc: walked again, checked below */
    close(fd);
    if (real && (lstat(real, &now) != 0 || !mm_stat_same(&now, st, MM_STAT_FILE))) {
        free(real);
        real = NULL;
        errno = ESTALE;
    }
    return real;
}

/* The name the symbolic link at link points to, into next (a relative
 * target taken from link's folder): 0, or readlink's error code. */
static int link_next(const char *link, struct mm_buf *next)
{
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n < 0)
        return mm_error_from_errno(errno);
    target[n] = '\0';
    char *dir = strdup(link);
    mm_buf_reset(next);
    int r = !dir               ? MM_ENOMEM
            : target[0] == '/' ? mm_buf_puts(next, target)
                               : mm_buf_printf(next, "%s/%s", dirname(dir), target);
    free(dir);
    return r;
}

/* Whether every link from path on (the last part of each name; up to 40, as
 * the kernel's limit) is trusted_at where it is: 0, MM_ESYMLINK when one is
 * another account's in a shared folder, else mm_error_from_errno's code. The
 * kernel checks this itself only when fs.protected_symlinks is 1. */
static int links_trusted(const char *path)
{
    struct mm_buf cur = MM_BUF_INIT, next = MM_BUF_INIT;
    int r = mm_buf_puts(&cur, path);
    for (int hop = 0; r == 0; hop++) {
        struct stat lst;
        if (lstat(cur.data, &lst) != 0 || !S_ISLNK(lst.st_mode))
            break; /* the end: what is there (or nothing) is looked at by the caller */
        if (hop >= 40 || !trusted_at(cur.data, &lst)) {
            r = hop >= 40 ? MM_ELOOP : MM_ESYMLINK;
            break;
        }
        if ((r = link_next(cur.data, &next)) != 0)
            break;
        struct mm_buf swap = cur;
        cur = next;
        next = swap;
    }
    mm_buf_free(&cur);
    mm_buf_free(&next);
    return r;
}

/* base as a descriptor number (digits only, within int): true and *fdno. */
static bool fd_number(const char *base, int *fdno)
{
    char *end;
    errno = 0;
    long v = strtol(base, &end, 10);
    if (base[0] < '0' || base[0] > '9' || *end || errno || v > INT_MAX)
        return false;
    *fdno = (int)v;
    return true;
}

/* Whether link, a symbolic link, is one of /proc/PID/fd/N (also as
 * /proc/self/fd/N, /dev/fd/N, /proc/PID/task/TID/fd/N): the kernel's
 * "magic" links to what a process has open. *pid and *fdno say whose. */
static bool magic_link(const char *link, long *pid, int *fdno)
{
    const char *base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
    if (!fd_number(base, fdno))
        return false;
    char *copy = strdup(link), *dir = copy ? realpath(dirname(copy), NULL) : NULL;
    long tid;
    int used = 0;
    bool magic = false;
    if (dir) {
        magic =
            (sscanf(dir, "/proc/%ld/fd%n", pid, &used) == 1 && dir[used] == '\0') ||
            (sscanf(dir, "/proc/%ld/task/%ld/fd%n", pid, &tid, &used) == 2 && dir[used] == '\0');
    }
    free(copy);
    free(dir);
    return magic;
}

/* Follows the links from path (up to 40) to the first magic_link: 1 with
 * *pid and *fdno set, 0 when there is none. /dev/stdout is one such chain
 * (to /proc/self/fd/1). */
static int find_magic_link(const char *path, long *pid, int *fdno, struct mm_buf *hop)
{
    struct mm_buf next = MM_BUF_INIT;
    int r = mm_buf_puts(hop, path), found = 0;
    for (int n = 0; r == 0 && n < 40 && !found; n++) {
        struct stat lst;
        if (lstat(hop->data, &lst) != 0 || !S_ISLNK(lst.st_mode))
            break;
        if (magic_link(hop->data, pid, fdno)) {
            found = 1;
            break;
        }
        if ((r = link_next(hop->data, &next)) != 0) {
            r = r == MM_ENOMEM ? r : 0; /* an unreadable link: no magic one here */
            break;
        }
        struct mm_buf swap = *hop;
        *hop = next;
        next = swap;
    }
    mm_buf_free(&next);
    return r != 0 ? r : found;
}

/* Writes data to what a process has open, named by magic link hop: this
 * process's own fd N (/dev/stdout, /dev/fd/N) is written as it is, at its
 * offset (after what the shell or earlier output put there, and in
 * append mode for >>), as the shell's own redirection would; another
 * process's is opened and appended to, never replaced by a new file. */
static int write_to_open(const char *hop, long pid, int fdno, const void *data, size_t len)
{
    if (pid != (long)getpid()) {
        int fd = open(hop, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
            return mm_error_from_errno(errno);
        int r = write_all(fd, data, len);
        if (close(fd) != 0 && r == 0 && errno != EINTR)
            r = mm_error_from_errno(errno);
        return r;
    }
    /* only what the command was given (the shell's redirections): every
     * file mamori opens itself is close-on-exec, and must not take the
     * report (/dev/fd/3 naming an internal file) */
    int flags = fcntl(fdno, F_GETFD);
    if (flags < 0)
        return mm_error_from_errno(errno);
    if (flags & FD_CLOEXEC)
        return MM_EPERM;
    fflush(fdno == 1 ? stdout : fdno == 2 ? stderr : NULL); /* what was printed comes first */
    return write_all(fdno, data, len);
}

/* write_to_open when a link from path on is a magic_link (*done set),
 * else nothing. */
static int write_if_magic(const char *path, const void *data, size_t len, bool *done)
{
    struct mm_buf hop = MM_BUF_INIT;
    long pid = 0;
    int fdno = -1, r = find_magic_link(path, &pid, &fdno, &hop);
    *done = r == 1;
    if (r == 1)
        r = write_to_open(hop.data, pid, fdno, data, len);
    mm_buf_free(&hop);
    return r;
}

int mm_file_write_output(const char *path, const void *data, size_t len, mode_t mode)
{
    struct stat lst, st;
    if (lstat(path, &lst) != 0) /* nothing there: a new file */
        return errno == ENOENT ? replace_like(path, data, len, mode, NULL)
                               : mm_error_from_errno(errno);
    bool link = S_ISLNK(lst.st_mode);
    int r = link ? links_trusted(path) : 0;
    bool done = false;
    if (r == 0 && link)
        r = write_if_magic(path, data, len, &done);
    if (r != 0 || done)
        return r;
    if (stat(path, &st) != 0) /* a dangling link is refused: its target is not made */
        return link && errno == ENOENT ? MM_ESYMLINK : mm_error_from_errno(errno);
    if (S_ISDIR(st.st_mode))
        return MM_EISDIR; /* also behind a link: never replaced by a file */
    if (!S_ISREG(st.st_mode))
        return link || trusted_at(path, &st) ? write_through(path, &st, !link, data, len)
                                             : MM_EPERM;
    if (!link) /* the file itself (rename replaces whatever is at path then, never through it) */
        return replace_like(path, data, len, mode, trusted_at(path, &lst) ? &lst : NULL);
    /* a regular file behind links: replaced where it is, as it was (another's in /tmp: new) */
    char *real = resolve_file(path, &st);
    if (!real)
        return mm_error_from_errno(errno);
    r = S_ISREG(st.st_mode)
            ? replace_like(real, data, len, mode, trusted_at(real, &st) ? &st : NULL)
            : MM_ECONFLICT;
    free(real);
    return r;
}

int mm_file_write_atomic(const char *path, const void *data, size_t len)
{
    return mm_file_write_atomic_mode(path, data, len, 0666);
}

/* Whether a link() or renameat2() that failed with err is not had on this
 * file system (FAT and exFAT have no hard links: EPERM), so the next way is
 * to be tried. */
static bool not_supported(int err)
{
    return err == EPERM || err == EOPNOTSUPP || err == ENOSYS || err == EINVAL;
}

int mm__file_create_excl(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0)
        return mm_error_from_errno(errno);
    int r = write_all(fd, data, len);
    if (r == 0 && fsync(fd) != 0)
        r = mm_error_from_errno(errno);
    if (close(fd) != 0 && r == 0)
        r = mm_error_from_errno(errno);
    if (r != 0)
        unlink(path); /* ours (O_EXCL), and not whole */
    return r;
}

int mm__file_claim_rename(const char *tmp, const char *path)
{
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    return not_supported(errno) ? MM_EUNSUPPORTED : mm_error_from_errno(errno);
}

/* Moves the written temporary file tmp to path unless path exists
 * (MM_EEXIST): link() claims the name in one step; without hard links,
 * renameat2(RENAME_NOREPLACE); MM_EUNSUPPORTED when neither is had. tmp is gone
 * after. */
static int claim_name(const char *tmp, const char *path)
{
    int r = 0;
    if (link(tmp, path) != 0) {
        int err = errno;
        r = not_supported(err) && err != EINVAL ? mm__file_claim_rename(tmp, path)
                                                : mm_error_from_errno(err);
    }
    unlink(tmp); /* after a rename, already gone */
    return r;
}

int mm_file_write_new(const char *path, const void *data, size_t len, mode_t mode)
{
    struct mm_buf tmp = MM_BUF_INIT;
    int r = write_temp(path, data, len, mode, &tmp);
    if (r == 0)
        r = claim_name(tmp.data, path);
    if (r ==
        MM_EUNSUPPORTED) /* last: created with O_EXCL and written (a crash may leave it short) */
        r = mm__file_create_excl(path, data, len, mode);
    if (r == 0)
        r = mm_fsync_parent(path);
    mm_buf_free(&tmp);
    return r;
}

/* The seq-th numbered name (1: stem+suffix, then stem-seq+suffix) into path. */
static int numbered_name(const char *stem, const char *suffix, int seq, char *path, size_t pathlen)
{
    int n = seq == 1 ? snprintf(path, pathlen, "%s%s", stem, suffix)
                     : snprintf(path, pathlen, "%s-%d%s", stem, seq, suffix);
    return n < 0 || (size_t)n >= pathlen ? MM_ERANGE : 0;
}

int mm_file_write_new_numbered(const char *stem, const char *suffix, int max, const void *data,
                               size_t len, mode_t mode, char *path, size_t pathlen)
{
    int r = MM_EEXIST;
    for (int seq = 1; seq <= max && r == MM_EEXIST; seq++) {
        if (numbered_name(stem, suffix, seq, path, pathlen) != 0)
            return MM_ERANGE;
        /* claims the name and writes in one step: two writers never overwrite each other */
        r = mm_file_write_new(path, data, len, mode);
    }
    return r;
}

/* Whether path is a regular file holding exactly data (len bytes). */
static bool file_holds(const char *path, const void *data, size_t len)
{
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != len)
        return false;
    char *have = NULL;
    size_t n = 0;
    bool same = mm_file_read(path, len + 1, &have, &n) == 0 && n == len &&
                (len == 0 || memcmp(have, data, len) == 0);
    free(have);
    return same;
}

int mm_file_keep_numbered(const char *stem, const char *suffix, int max, const void *data,
                          size_t len, mode_t mode, char *path, size_t pathlen)
{
    for (int seq = 1; seq <= max; seq++) {
        if (numbered_name(stem, suffix, seq, path, pathlen) != 0)
            return MM_ERANGE;
        if (file_holds(path, data, len))
            return 0;
    }
    return mm_file_write_new_numbered(stem, suffix, max, data, len, mode, path, pathlen);
}

int mm_mkdir_p(const char *dir, mode_t mode)
{
    if (!*dir)
        return MM_ENOENT; /* as mkdir("") says */
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
            r = mm_error_from_errno(errno);
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(copy);
    /* what was there already may be a file: the directory is not made */
    struct stat st;
    if (r == 0 && stat(dir, &st) != 0)
        r = mm_error_from_errno(errno);
    else if (r == 0 && !S_ISDIR(st.st_mode))
        r = MM_ENOTDIR;
    return r;
}
