/* SPDX-License-Identifier: Apache-2.0
 * Owns the sshd_config reader shared by the ssh-* checks: keywords are
 * case-insensitive, "Keyword value" or "Keyword=value", the first value
 * obtained wins, Include (with a '*'/'?' pattern in the last path part,
 * relative to /etc/ssh) is followed in place up to a fixed depth, inside the
 * audit root only. Settings inside Match blocks are kept apart: they apply
 * only to some connections. */
#include "audit/audit-sshd.h"
#include "core/error.h"
#include "core/str.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SSHD_CONFIG    "/etc/ssh/sshd_config"
#define SSHD_FILE_MAX  (256 * 1024)
#define SSHD_DEPTH_MAX 4
#define SSHD_FILES_MAX 64

struct reader {
    const struct mm_audit_ctx *ctx;
    struct mm__sshd_setting *settings;
    size_t n;
    size_t files;
    struct mm__sshd_info *info;
};

static int read_file(struct reader *rd, const char *path, int depth, bool in_match);

/* Splits "Keyword value..." / "Keyword=value": returns the keyword, sets *rest. */
static char *split_keyword(char *line, char **rest)
{
    char *s = line;
    while (isspace((unsigned char)*s))
        s++;
    char *k = s;
    while (*s && !isspace((unsigned char)*s) && *s != '=')
        s++;
    if (*s)
        *s++ = '\0';
    while (isspace((unsigned char)*s) || *s == '=')
        s++;
    *rest = s;
    return k;
}

/* Notes the first file or folder not read for a reason the evidence gives. */
static void refuse(struct reader *rd, const char *path, int why)
{
    if (rd->info->refused)
        return;
    rd->info->refused = why;
    mm_strlcpy_utf8(rd->info->refused_path, path, sizeof rd->info->refused_path);
}

/* Follows one Include argument: a path or a pattern in its last part. */
static int include_one(struct reader *rd, const char *arg, int depth, bool in_match)
{
    char path[1024];
    snprintf(path, sizeof path, "%s%s", arg[0] == '/' ? "" : "/etc/ssh/", arg);
    char *slash = strrchr(path, '/');
    if (!strpbrk(slash, "*?["))
        return read_file(rd, path, depth + 1, in_match);
    *slash = '\0';
    char **names;
    size_t count;
    int r = mm__audit_list(rd->ctx, path[0] ? path : "/", SSHD_FILES_MAX, &names, &count);
    if (r == MM_ERANGE)
        refuse(rd, path, r);
    if (r != 0)
        return r == MM_ENOMEM ? r : 0;
    for (size_t i = 0; r == 0 && i < count; i++) {
        char file[1200];
        if (fnmatch(slash + 1, names[i], FNM_PERIOD) != 0)
            continue;
        snprintf(file, sizeof file, "%s/%s", path, names[i]);
        r = read_file(rd, file, depth + 1, in_match);
    }
    mm__audit_free_names(names, count);
    return r;
}

static int include_all(struct reader *rd, char *args, int depth, bool in_match)
{
    int r = 0;
    for (char *save = NULL, *a = strtok_r(args, " \t", &save); r == 0 && a;
         a = strtok_r(NULL, " \t", &save))
        r = include_one(rd, a, depth, in_match);
    return r;
}

/* A global setting: the first value wins. In a Match block: noted when it
 * is the weak value. */
static void take_setting(struct reader *rd, const char *path, const char *keyword, char *rest,
                         const char *line, bool in_match)
{
    for (size_t i = 0; i < rd->n; i++) {
        struct mm__sshd_setting *s = &rd->settings[i];
        if (strcasecmp(keyword, s->keyword) != 0)
            continue;
        char value[64];
        size_t len = strcspn(rest, " \t#");
        snprintf(value, sizeof value, "%.*s", (int)len, rest);
        mm_str_lower(value);
        if (in_match) {
            if (!s->match_weak && s->weak && strcmp(value, s->weak) == 0) {
                snprintf(s->match_where, sizeof s->match_where, "%.200s: %.380s", path, line);
                s->match_weak = true;
            }
            continue;
        }
        if (s->found)
            continue;
        memcpy(s->value, value, sizeof value);
        /* evidence is shortened to fit: at most 200 bytes of path, 380 of line */
        snprintf(s->where, sizeof s->where, "%.200s: %.380s", path, line);
        s->found = true;
    }
}

static int read_file(struct reader *rd, const char *path, int depth, bool in_match)
{
    if (depth > SSHD_DEPTH_MAX || rd->files >= SSHD_FILES_MAX)
        return 0;
    rd->files++;
    char *text;
    size_t len;
    int r = mm__audit_read(rd->ctx, path, SSHD_FILE_MAX, &text, &len);
    if (r == MM_ERANGE || r == MM_ENOTREG)
        refuse(rd, path, r);
    if (r != 0)
        return depth == 0 || r == MM_ENOMEM ? r : 0;
    const char *p = text;
    char line[1024], copy[1024];
    while (r == 0 && mm__audit_next_line(&p, line, sizeof line)) {
        mm_str_trim(line);
        if (!line[0] || line[0] == '#')
            continue;
        mm_strlcpy(copy, line, sizeof copy);
        char *rest, *keyword = split_keyword(copy, &rest);
        if (strcasecmp(keyword, "Match") == 0)
            rd->info->saw_match = in_match = true;
        else if (strcasecmp(keyword, "Include") == 0)
            r = include_all(rd, rest, depth, in_match);
        else
            take_setting(rd, path, keyword, rest, line, in_match);
    }
    free(text);
    return r;
}

int mm__sshd_read(const struct mm_audit_ctx *ctx, struct mm__sshd_setting *settings, size_t n,
                  struct mm__sshd_info *info)
{
    struct reader rd = {.ctx = ctx, .settings = settings, .n = n, .info = info};
    *info = (struct mm__sshd_info){0};
    for (size_t i = 0; i < n; i++) {
        settings[i].found = settings[i].match_weak = false;
        settings[i].value[0] = settings[i].where[0] = settings[i].match_where[0] = '\0';
    }
    return read_file(&rd, SSHD_CONFIG, 0, false);
}

bool mm__sshd_installed(const struct mm_audit_ctx *ctx)
{
    return mm__audit_exists(ctx, "/usr/sbin/sshd") || mm__audit_exists(ctx, SSHD_CONFIG);
}

int mm__sshd_begin(const struct mm_audit_ctx *ctx, struct mm_audit_result *res,
                   struct mm__sshd_setting *settings, size_t n, struct mm__sshd_info *info,
                   bool *decided)
{
    *decided = true;
    if (!mm__sshd_installed(ctx)) {
        int r = mm__audit_evidence(res, "evidence.missing", "/etc/ssh/sshd_config");
        return r ? r : mm__audit_set(res, MM_AUDIT_PASS, "not_installed");
    }
    int r = mm__sshd_read(ctx, settings, n, info);
    if (r == MM_ENOMEM)
        return r;
    if (r != 0) {
        r = mm__audit_evidence(res, mm__audit_read_error_key(r), "/etc/ssh/sshd_config");
        return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "not_readable");
    }
    if (info->refused) {
        r = mm__audit_evidence(res, mm__audit_read_error_key(info->refused), info->refused_path);
        return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "include_refused");
    }
    *decided = false;
    return 0;
}

int mm__sshd_match_end(struct mm_audit_result *res, const struct mm__sshd_setting *settings,
                       size_t n)
{
    bool weaker = false;
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++)
        if (settings[i].match_weak) {
            weaker = true;
            r = mm__audit_evidence(res, "evidence.sshd_match_weak", settings[i].match_where);
        }
    if (r != 0 || !weaker || res->status != MM_AUDIT_PASS)
        return r;
    return mm__audit_set(res, MM_AUDIT_UNKNOWN, "match_weaker");
}
