/* SPDX-License-Identifier: Apache-2.0
 * Owns the check registry (checks.def), running one check, and the helpers
 * every check uses to read files under the audit root and record evidence.
 * Paths stay inside the root: ".." is resolved by its letters and a path
 * climbing above the root is refused (MM_ERANGE), and files are opened with
 * openat2(RESOLVE_IN_ROOT) so that symbolic links, absolute ones included,
 * resolve inside the root as they would on the audited machine (plain open
 * of the checked path where openat2 is missing or blocked). Only regular files are
 * read, opened without waiting (a FIFO is refused, MM_ENOTREG, never
 * waited on). */
#include "audit/audit.h"
#include "core/error.h"
#include "core/fs-read.h"
#include "core/str.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct mm_check *const all_checks[] = {
#define MM_CHECK(name) &mm_check_##name,
#include "audit/checks.def"
#undef MM_CHECK
};

const struct mm_check *const *mm_audit_checks(size_t *count)
{
    *count = sizeof all_checks / sizeof all_checks[0];
    return all_checks;
}

const struct mm_check *mm_audit_find(const char *id)
{
    for (size_t i = 0; i < sizeof all_checks / sizeof all_checks[0]; i++)
        if (strcmp(all_checks[i]->id, id) == 0)
            return all_checks[i];
    return NULL;
}

const char *mm_audit_status_name(enum mm_audit_status s)
{
    switch (s) {
    case MM_AUDIT_PASS:
        return "pass";
    case MM_AUDIT_FAIL:
        return "fail";
    default:
        return "unknown";
    }
}

int mm_audit_run(const struct mm_check *c, const struct mm_audit_ctx *ctx,
                 struct mm_audit_result *res)
{
    *res = (struct mm_audit_result){.status = MM_AUDIT_UNKNOWN, .message = "unknown"};
    mm_buf_init(&res->evidence[MM_LANG_EN]);
    mm_buf_init(&res->evidence[MM_LANG_JA]);
    return c->run(ctx, res);
}

void mm_audit_result_free(struct mm_audit_result *res)
{
    if (res) {
        mm_buf_free(&res->evidence[MM_LANG_EN]);
        mm_buf_free(&res->evidence[MM_LANG_JA]);
    }
}

/* One line in one language: the catalogue's format for key with the facts.
 * The formats are embedded in the program (never read at run time), so they
 * are as trusted as a literal; tests check that ja and en take the same
 * conversions. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int evidence_line(struct mm_buf *b, const char *key, enum mm_lang lang, va_list ap)
{
    size_t start = b->len;
    int r = mm_buf_vprintf(b, mm_tr("audit", key, lang), ap);
    /* one line each: line breaks and other control characters become spaces */
    for (size_t i = start; r == 0 && i < b->len; i++)
        if ((unsigned char)b->data[i] < 0x20)
            b->data[i] = ' ';
    return r == 0 ? mm_buf_putc(b, '\n') : r;
}
#pragma GCC diagnostic pop

int mm__audit_evidence(struct mm_audit_result *res, const char *key, ...)
{
    if (res->nevidence++ >= MM_AUDIT_EVIDENCE_MAX)
        return 0;
    va_list ap, ap2;
    va_start(ap, key);
    va_copy(ap2, ap);
    int r = evidence_line(&res->evidence[MM_LANG_EN], key, MM_LANG_EN, ap);
    if (r == 0)
        r = evidence_line(&res->evidence[MM_LANG_JA], key, MM_LANG_JA, ap2);
    va_end(ap2);
    va_end(ap);
    return r;
}

int mm__audit_set(struct mm_audit_result *res, enum mm_audit_status s, const char *message)
{
    res->status = s;
    res->message = message;
    return 0;
}

/* Root without its trailing slashes ("" for /) and its length. */
static const char *root_of(const struct mm_audit_ctx *ctx, size_t *len)
{
    const char *root = ctx->root && *ctx->root ? ctx->root : "/";
    size_t rl = strlen(root);
    while (rl > 0 && root[rl - 1] == '/')
        rl--;
    *len = rl;
    return root;
}

int mm__audit_clean(const char *path, char *out, size_t outlen)
{
    size_t n = 0;
    if (outlen < 2)
        return MM_ETOOBIG;
    while (*path) {
        size_t len = strcspn(path, "/");
        if (len == 2 && path[0] == '.' && path[1] == '.') {
            if (n == 0)
                return MM_ERANGE; /* above the root */
            while (n > 0 && out[--n] != '/')
                ;
        } else if (len > 0 && !(len == 1 && path[0] == '.')) {
            if (n + 1 + len >= outlen)
                return MM_ETOOBIG;
            out[n++] = '/';
            memcpy(out + n, path, len);
            n += len;
        }
        path += len + (path[len] == '/');
    }
    if (n == 0)
        out[n++] = '/';
    out[n] = '\0';
    return 0;
}

int mm__audit_path(const struct mm_audit_ctx *ctx, const char *path, char *out, size_t outlen)
{
    char clean[4096];
    size_t rl;
    const char *root = root_of(ctx, &rl);
    int r = mm__audit_clean(path, clean, sizeof clean);
    if (r != 0)
        return r;
    int n = snprintf(out, outlen, "%.*s%s", (int)rl, root, rl > 0 && !clean[1] ? "" : clean);
    return n < 0 || (size_t)n >= outlen ? MM_ETOOBIG : 0;
}

/* Opens path (absolute, inside the root) with flags, symbolic links resolved
 * inside the root. -1 with errno set, ERANGE for a path above the root. */
static int open_in_root(const struct mm_audit_ctx *ctx, const char *path, int flags)
{
    char clean[4096], full[4096];
    size_t rl;
    const char *root = root_of(ctx, &rl);
    int r = mm__audit_clean(path, clean, sizeof clean);
    if (r != 0) {
        errno = r == MM_ERANGE ? ERANGE : ENAMETOOLONG;
        return -1;
    }
    snprintf(full, sizeof full, "%.*s", (int)rl, root);
    int dir = open(rl ? full : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -1;
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT};
    int fd = (int)syscall(SYS_openat2, dir, clean[1] ? clean + 1 : ".", &how, sizeof how);
    /* before Linux 5.6 (ENOSYS), or blocked by a container's seccomp filter
     * (older Docker profiles answer EPERM): the checked path as it is */
    if (fd < 0 && (errno == ENOSYS || errno == EPERM))
        fd = openat(dir, clean[1] ? clean + 1 : ".", flags | O_CLOEXEC);
    int e = errno;
    close(dir);
    errno = e;
    return fd;
}

/* mm_error_from_errno, except that a path through a file is a missing one
 * here: the evidence says "missing", as for no file at all. */
static int errno_code(int e)
{
    return e == ENOTDIR ? MM_ENOENT : e == ERANGE ? MM_ERANGE : mm_error_from_errno(e);
}

/* fstat of path opened with flags (O_PATH, plus O_NOFOLLOW for lstat). */
static int stat_in_root(const struct mm_audit_ctx *ctx, const char *path, int flags,
                        struct stat *st)
{
    int fd = open_in_root(ctx, path, flags);
    if (fd < 0)
        return errno_code(errno);
    int r = fstat(fd, st) == 0 ? 0 : errno_code(errno);
    close(fd);
    return r;
}

int mm__audit_stat(const struct mm_audit_ctx *ctx, const char *path, struct stat *st)
{
    return stat_in_root(ctx, path, O_PATH, st);
}

bool mm__audit_exists(const struct mm_audit_ctx *ctx, const char *path)
{
    struct stat st;
    return mm__audit_stat(ctx, path, &st) == 0;
}

bool mm__audit_lexists(const struct mm_audit_ctx *ctx, const char *path)
{
    struct stat st;
    return stat_in_root(ctx, path, O_PATH | O_NOFOLLOW, &st) == 0;
}

int mm__audit_read(const struct mm_audit_ctx *ctx, const char *path, size_t max, char **out,
                   size_t *len)
{
    *out = NULL;
    *len = 0;
    /* only a regular file is opened for reading (a device's open may act) */
    int at = open_in_root(ctx, path, O_PATH);
    if (at < 0)
        return errno_code(errno);
    int fd = mm_fd_reopen_regular(at, O_RDONLY | O_NONBLOCK);
    close(at);
    if (fd == MM_ENOENT && (fd = open_in_root(ctx, path, O_RDONLY | O_NONBLOCK | O_NOCTTY)) < 0)
        return errno_code(errno); /* no /proc: opened, then fstat'ed before a read */
    if (fd < 0)
        return fd;
    int r = mm_fd_read_regular(fd, max, out, len);
    close(fd);
    return r;
}

const char *mm__audit_read_error_key(int r)
{
    switch (r) {
    case MM_EPERM:
        return "evidence.permission_denied";
    case MM_ENOTREG:
        return "evidence.not_regular";
    case MM_ERANGE:
        return "evidence.outside_root";
    default:
        return "evidence.unreadable";
    }
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void mm__audit_free_names(char **names, size_t count)
{
    for (size_t i = 0; names && i < count; i++)
        free(names[i]);
    free(names);
}

int mm__audit_list(const struct mm_audit_ctx *ctx, const char *dir, size_t max, char ***names,
                   size_t *count)
{
    char **list = NULL;
    size_t n = 0;
    int r = 0;
    *names = NULL;
    *count = 0;
    int fd = open_in_root(ctx, dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return errno_code(e);
    }
    list = calloc(max ? max : 1, sizeof *list);
    if (!list)
        r = MM_ENOMEM;
    struct dirent *e;
    while (r == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n >= max) {
            r = MM_ELIMIT;
            break;
        }
        if (!(list[n] = strdup(e->d_name)))
            r = MM_ENOMEM;
        else
            n++;
    }
    closedir(d);
    if (r != 0) {
        mm__audit_free_names(list, n);
        return r;
    }
    qsort(list, n, sizeof *list, compare_names);
    *names = list;
    *count = n;
    return 0;
}

bool mm__audit_unit_enabled(const struct mm_audit_ctx *ctx, const char *unit)
{
    static const char *const targets[] = {"multi-user.target", "sysinit.target", "basic.target",
                                          "network-pre.target", "graphical.target"};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "/etc/systemd/system/%s.wants/%s", targets[i], unit);
        if (mm__audit_lexists(ctx, path))
            return true;
    }
    return false;
}

long mm__audit_age_days(const struct mm_audit_ctx *ctx, time_t t)
{
    return t >= ctx->now ? 0 : (long)((ctx->now - t) / 86400);
}

void mm__audit_date(time_t t, char out[11])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) == 0)
        strcpy(out, "?");
}

const char *mm__audit_next_line(const char **p, char *buf, size_t buflen)
{
    const char *s = *p;
    if (!s || !*s)
        return NULL;
    size_t n = strcspn(s, "\n");
    size_t keep = n < buflen - 1 ? n : buflen - 1;
    memcpy(buf, s, keep);
    buf[keep] = '\0';
    if (keep > 0 && buf[keep - 1] == '\r')
        buf[keep - 1] = '\0';
    *p = s[n] ? s + n + 1 : s + n;
    return buf;
}

/* Handles one complete (joined) line of an INI-style text. */
static int ini_line(char *s, char *section, size_t seclen,
                    int (*fn)(const char *, const char *, const char *, void *), void *arg)
{
    s = mm_str_trim(s);
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (end) {
            *end = '\0';
            mm_strlcpy_utf8(section, mm_str_trim(s + 1), seclen);
        }
        return 0;
    }
    if (!*s || *s == '#' || *s == ';')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return 0;
    *eq = '\0';
    return fn(section, mm_str_trim(s), mm_str_trim(eq + 1), arg);
}

int mm__audit_ini_each(const char *text,
                       int (*fn)(const char *section, const char *key, const char *value,
                                 void *arg),
                       void *arg)
{
    char section[MM_AUDIT_INI_SECTION_MAX] = "";
    struct mm_buf line = MM_BUF_INIT;
    int r = 0;
    const char *p = text;
    while (r == 0 && *p) {
        size_t n = strcspn(p, "\n");
        r = mm_buf_append(&line, p, n);
        p += n + (p[n] == '\n');
        if (r != 0)
            break;
        /* a trailing backslash joins the next line */
        if (line.len > 0 && line.data[line.len - 1] == '\\' && *p) {
            line.data[--line.len] = '\0';
            continue;
        }
        if (line.len > 0)
            r = ini_line(line.data, section, sizeof section, fn, arg);
        mm_buf_reset(&line);
    }
    mm_buf_free(&line);
    return r;
}
