/* SPDX-License-Identifier: Apache-2.0
 * Host checks (`mamori audit`): automated checks on the SME's own Linux
 * machine, so that self-diagnosis answers are verified, not just claimed.
 *
 * A check is one file src/audit/check-NAME.c defining a `const struct
 * mm_check` plus one line in checks.def. It reads files only, always through
 * the mm__audit_* helpers below, which put every absolute path under the
 * audit root (`--root DIR`, default /): tests build a fake tree in a temporary
 * directory and never depend on the real host. Checks never run programs,
 * never write, never use the network.
 *
 * Results: pass, fail or unknown (the machine gives no reliable answer, e.g.
 * a file we may not read). Evidence lines hold facts (paths, configuration
 * lines, package names, numbers, dates) exactly as found on the machine; the
 * words around them come from data/i18n/audit.json ("evidence.*", ja and en),
 * and the explanations a person reads from data/audit/checks.json in ja and
 * en, chosen by the message key the check sets. */
#ifndef MM_AUDIT_H
#define MM_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/i18n.h"

enum mm_audit_status { MM_AUDIT_PASS = 0, MM_AUDIT_FAIL = 1, MM_AUDIT_UNKNOWN = 2 };

struct mm_audit_ctx {
    const char *root; /* "/" or a directory standing for it; no trailing slash needed */
    time_t now;       /* the clock used for ages (tests pin it) */
};

#define MM_AUDIT_EVIDENCE_MAX 16 /* lines kept per check */

struct mm_audit_result {
    enum mm_audit_status status;
    const char *message;       /* key under the check's "messages" in data/audit/checks.json */
    struct mm_buf evidence[2]; /* lines ending in '\n', indexed by enum mm_lang */
    size_t nevidence;
};

#define MM_AUDIT_MAX_ITEMS 4

struct mm_check {
    const char *id;                /* "ssh-root-login": key in data/audit/checks.json */
    int items[MM_AUDIT_MAX_ITEMS]; /* related self-diagnosis items (1-25), 0-terminated */
    /* Looks at the machine under ctx->root and fills res (status, message,
     * evidence). Returns 0, or MM_ENOMEM; anything it cannot find out is
     * status unknown, not an error. */
    int (*run)(const struct mm_audit_ctx *ctx, struct mm_audit_result *res);
};

#define MM_CHECK(name) extern const struct mm_check mm_check_##name;
#include "audit/checks.def"
#undef MM_CHECK

/* All checks in checks.def order. */
const struct mm_check *const *mm_audit_checks(size_t *count);
/* The check with this id, or NULL. */
const struct mm_check *mm_audit_find(const char *id);

const char *mm_audit_status_name(enum mm_audit_status s); /* "pass", "fail", "unknown" */

/* Runs one check into res (initialised here; free with mm_audit_result_free). */
int mm_audit_run(const struct mm_check *c, const struct mm_audit_ctx *ctx,
                 struct mm_audit_result *res);
void mm_audit_result_free(struct mm_audit_result *res);

/* ---- helpers for checks: every path is absolute and read under ctx->root ---- */

/* Appends one evidence line in ja and in en: key names a printf format in
 * data/i18n/audit.json ("evidence.NAME"; both languages take the same
 * conversions, and the arguments are the facts, kept verbatim). No newline
 * needed; lines past MM_AUDIT_EVIDENCE_MAX are counted but not kept. A key
 * missing from the catalogue shows as itself (mm_tr). */
int mm__audit_evidence(struct mm_audit_result *res, const char *key, ...);
/* Sets status and message; returns 0 for `return mm__audit_set(...)`. */
int mm__audit_set(struct mm_audit_result *res, enum mm_audit_status s, const char *message);

/* path made absolute with "." and ".." resolved by their letters and
 * repeated slashes dropped ("/etc/ssh/../x" -> "/etc/x"); MM_ERANGE when it
 * climbs above "/", MM_ETOOBIG when it does not fit. */
int mm__audit_clean(const char *path, char *out, size_t outlen);
/* Builds root + path (cleaned as above) into out: MM_ERANGE for a path above
 * the root, MM_ETOOBIG when it does not fit. Only for naming a file: the
 * helpers below open files with links resolved inside the root. */
int mm__audit_path(const struct mm_audit_ctx *ctx, const char *path, char *out, size_t outlen);
/* stat() (following symlinks inside the root); 0, MM_ENOENT (also through a
 * file), MM_EPERM, MM_ERANGE (above the root), MM_ENOMEM or MM_EIO. */
int mm__audit_stat(const struct mm_audit_ctx *ctx, const char *path, struct stat *st);
bool mm__audit_exists(const struct mm_audit_ctx *ctx, const char *path);
/* lstat(): true when path exists, even as a dangling or absolute symlink. */
bool mm__audit_lexists(const struct mm_audit_ctx *ctx, const char *path);
/* Reads a whole regular file of at most max bytes (NUL-terminated; free()
 * it): MM_ENOTREG for a FIFO, device or socket (opened without waiting,
 * never read), MM_EISDIR, MM_ERANGE above the root, MM_ETOOBIG, or the
 * errors of mm__audit_stat. */
int mm__audit_read(const struct mm_audit_ctx *ctx, const char *path, size_t max, char **out,
                   size_t *len);
/* The evidence key ("%s" takes the path) saying why mm__audit_read failed
 * with r: permission_denied, not_regular, outside_root or unreadable. */
const char *mm__audit_read_error_key(int r);
/* The names in a directory (no "." or ".."), sorted bytewise, at most max
 * of them (MM_ELIMIT past that). Free with mm__audit_free_names. */
int mm__audit_list(const struct mm_audit_ctx *ctx, const char *dir, size_t max, char ***names,
                   size_t *count);
void mm__audit_free_names(char **names, size_t count);
/* True when systemd would start unit at boot: a link to it in one of the
 * usual /etc/systemd/system/<target>.wants directories. */
bool mm__audit_unit_enabled(const struct mm_audit_ctx *ctx, const char *unit);
/* Whole days between t and ctx->now (0 when t is in the future). */
long mm__audit_age_days(const struct mm_audit_ctx *ctx, time_t t);
/* YYYY-MM-DD (UTC) of t into out. */
void mm__audit_date(time_t t, char out[11]);
/* Reads the next line of text (without its end) from *p, advancing *p;
 * NULL at the end. The line is copied into buf (cut at buflen-1). */
const char *mm__audit_next_line(const char **p, char *buf, size_t buflen);
/* Longest section name mm__audit_ini_each hands over, with its '\0'; a
 * longer one is cut between characters. */
#define MM_AUDIT_INI_SECTION_MAX 256
/* Calls fn for each key=value of an INI-style text ([section] headers,
 * '#'/';' comments, a trailing '\' continues the line; keys and values
 * trimmed; section "" before the first header). Stops when fn returns
 * non-zero and returns that value. */
int mm__audit_ini_each(const char *text,
                       int (*fn)(const char *section, const char *key, const char *value,
                                 void *arg),
                       void *arg);

/* Compares two Debian package versions as dpkg does: <0, 0, >0
 * (check-security-updates.c). */
int mm__audit_debian_vercmp(const char *a, const char *b);

/* ---- reports (audit-report.c) ---- */

struct mm_audit_run {
    const struct mm_check *check;
    struct mm_audit_result result;
};

struct mm_audit_report {
    struct mm_audit_run *runs;
    size_t nruns;
    const char *root;
    char date[11];
    json_t *contradictions; /* NULL without --diagnosis; else [{item, answer, checks}] */
    const char *diagnosis_path;
};

/* Runs the given checks (all when ids is NULL) into a new report; free it
 * with mm_audit_report_free even on failure. MM_ENOENT for an unknown id. */
int mm_audit_report_run(const struct mm_audit_ctx *ctx, const char *const *ids, size_t nids,
                        struct mm_audit_report *out);
void mm_audit_report_free(struct mm_audit_report *r);

/* Compares with a self-diagnosis: bit (id - 1) of done marks item id
 * answered "done" (the caller reads the file with mm_answers_load, the
 * reader of `mamori diagnose --answers`; path is only named in the report).
 * Every such item whose related checks failed becomes a contradiction.
 * Returns 0 or MM_ENOMEM. */
int mm_audit_compare(struct mm_audit_report *r, uint64_t done, const char *path);

/* Counts of pass, fail and unknown (indexed by enum mm_audit_status). */
void mm_audit_count(const struct mm_audit_report *r, size_t counts[3]);

int mm_audit_write_text(const struct mm_audit_report *r, enum mm_lang lang, struct mm_buf *out);
int mm_audit_write_json(const struct mm_audit_report *r, enum mm_lang lang, struct mm_buf *out);

#endif
