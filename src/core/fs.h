/* SPDX-License-Identifier: Apache-2.0
 * File helpers: bounded whole-file reads (also of a file of CA
 * certificates), full reads at an offset, crash-safe atomic writes (temporary file, fsync, rename,
 * directory fsync), writes to a path a person named (devices and FIFOs written through), and
 * mkdir -p. */
#ifndef MM_CORE_FS_H
#define MM_CORE_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct stat;

/* Reads all of fd (as it is: a pipe, standard input) into a new
 * NUL-terminated buffer (free() it) of at most max bytes: 0, MM_ETOOBIG,
 * MM_ENOMEM or the read's error (mm_error_from_errno). */
int mm_fd_read_all(int fd, size_t max, char **out, size_t *len);

/* Reads a whole file of at most max bytes into a new NUL-terminated buffer.
 * On success *out (free() it) and *len are set; MM_ETOOBIG past max, else
 * the system's reason as mm_error_from_errno gives it (MM_ENOENT when
 * missing, MM_EPERM, MM_EISDIR, MM_ENOTDIR, ... MM_EIO). path "-" reads
 * stdin. */
int mm_file_read(const char *path, size_t max, char **out, size_t *len);

/* Reads n bytes of fd at offset (pread, again after EINTR and short
 * reads): the count, less than n only where the file ends, or -1 with
 * errno set when a read fails. */
ssize_t mm_pread_full(int fd, void *buf, size_t n, uint64_t offset);

/* The largest file of CA certificates mm_file_read_ca reads (Debian's whole
 * bundle, /etc/ssl/certs/ca-certificates.crt, is about 200 KiB). */
#define MM_CA_FILE_MAX ((size_t)16 << 20)

/* Whether text (len bytes) holds the armour line of a PEM certificate,
 * "-----BEGIN CERTIFICATE-----" or the old "-----BEGIN X509
 * CERTIFICATE-----" (OpenSSL and GnuTLS take both). Only the armour is
 * looked at, not the body. */
bool mm_pem_has_certificate(const char *text, size_t len);

/* Reads a file of CA certificates, as the centre's [mail] ca_file and the
 * sensor's [uplink] ca_file are read once at start and handed to libcurl
 * from memory (CURLOPT_CAINFO_BLOB): readable, at most MM_CA_FILE_MAX bytes,
 * holding at least one PEM certificate (mm_pem_has_certificate). On success
 * *out (NUL-terminated, free() it) and *len; else mm_file_read's error
 * (MM_ENOENT, MM_EPERM, MM_EISDIR, MM_ETOOBIG, ...) or MM_EPARSE when the
 * file holds no PEM certificate, and *out NULL. */
int mm_file_read_ca(const char *path, char **out, size_t *len);

/* The error of an open(2) of path with O_NOFOLLOW that failed with errno
 * err: MM_ESYMLINK when path itself is a symbolic link (refused on
 * purpose), else mm_error_from_errno(err). */
int mm_error_nofollow(const char *path, int err);

/* Replaces path with data so that a crash leaves either the old or the new
 * content, never a mix. The temporary file beside path has an unpredictable
 * name and is created with O_EXCL|O_NOFOLLOW; new files get mode 0666 less
 * the umask. A failure is the system's reason as mm_error_from_errno gives
 * it (MM_ENOSPC on a full disk, MM_EROFS, MM_EPERM, MM_ENOENT for a missing
 * directory, ...). */
int mm_file_write_atomic(const char *path, const void *data, size_t len);
/* The same with an explicit mode (e.g. 0600 for keys), still less the umask. */
int mm_file_write_atomic_mode(const char *path, const void *data, size_t len, mode_t mode);
/* Writes data to a path a person named (a command's --output): a device, a
 * FIFO or another file that is not a regular one (/dev/null) is opened and
 * written, never replaced; what this process has open, named through
 * /dev/stdout, /dev/stderr, /dev/fd/N or /proc/self/fd/N (also at the end
 * of links), is written through that descriptor at its offset, as the
 * shell's > and >> would (another process's: opened and appended to); a
 * regular file, also through symbolic links, is replaced atomically where
 * it is (the links stay links) keeping its group and its mode narrowed to
 * mode (never set-id bits; the owner is the caller); a new file is made as
 * mm_file_write_atomic_mode does, with mode less the umask. A folder, also
 * behind a link, is MM_EISDIR; a dangling link MM_ESYMLINK (its target is
 * not made). In a sticky folder everyone may write in (/tmp), what another
 * account put there is not trusted, as the kernel's fs.protected_* rules
 * (on or not): its link, also at the end of a chain of links, is
 * MM_ESYMLINK, its FIFO MM_EPERM, its file replaced as a new one. A
 * failure is mm_error_from_errno's code (MM_ENOSPC, MM_EPERM, ...). */
int mm_file_write_output(const char *path, const void *data, size_t len, mode_t mode);
/* Writes a new file at path atomically, failing with MM_EEXIST (and writing
 * nothing) when path already exists: for dated records that must never
 * overwrite each other. The name is claimed by link(); on a file system
 * without hard links (FAT, exFAT: EPERM) by renameat2(RENAME_NOREPLACE),
 * and without that by mm__file_create_excl. */
int mm_file_write_new(const char *path, const void *data, size_t len, mode_t mode);
/* mm_file_write_new's fallbacks, apart so tests can call them:
 * mm__file_claim_rename moves tmp to path unless path exists (MM_EEXIST),
 * MM_EUNSUPPORTED when the file system cannot; mm__file_create_excl creates
 * path with O_EXCL and writes and fsyncs it (MM_EEXIST when there; a file
 * left short by a failure is removed, by a crash not). */
int mm__file_claim_rename(const char *tmp, const char *path);
int mm__file_create_excl(const char *path, const void *data, size_t len, mode_t mode);
/* mm_file_write_new at the first free one of stem+suffix, stem-2+suffix, ...
 * stem-max+suffix; the name taken is copied to path (pathlen bytes).
 * MM_EEXIST when every name is taken, MM_ERANGE when a name does not fit
 * in path, else mm_file_write_new's result. */
int mm_file_write_new_numbered(const char *stem, const char *suffix, int max, const void *data,
                               size_t len, mode_t mode, char *path, size_t pathlen);
/* mm_file_write_new_numbered, unless one of those names already is a
 * regular file holding exactly data: then that name is copied to path and
 * nothing is written (a copy kept once is not kept again). */
int mm_file_keep_numbered(const char *stem, const char *suffix, int max, const void *data,
                          size_t len, mode_t mode, char *path, size_t pathlen);

/* Creates dir and its parents (mode for new ones); an existing dir is fine,
 * a file already at dir is MM_ENOTDIR (it was 0, the failure came later,
 * writing in it), an empty dir MM_ENOENT. Else mm_error_from_errno's code
 * of the mkdir that failed (MM_EPERM, MM_EROFS, MM_ENOTDIR for a file on
 * the way, MM_ENOSPC). */
int mm_mkdir_p(const char *dir, mode_t mode);

/* fsyncs the directory holding path (after a rename or create); 0 also where
 * the file system has no fsync for a directory (EINVAL, ENOSYS). */
int mm_fsync_parent(const char *path);

/* The parts of a file's state (struct stat) mm_stat_same compares. */
enum {
    MM_STAT_FILE = 1u << 0,  /* device and inode: the same file */
    MM_STAT_SIZE = 1u << 1,  /* its size */
    MM_STAT_MTIME = 1u << 2, /* its modification time, to the nanosecond */
    MM_STAT_CTIME = 1u << 3, /* its change time, to the nanosecond */
};

/* True when a and b agree in every part fields (MM_STAT_* ORed) names:
 * whether a file is still the one, and as it was, when it was last seen. */
bool mm_stat_same(const struct stat *a, const struct stat *b, unsigned fields);

#endif
