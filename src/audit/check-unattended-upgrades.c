/* SPDX-License-Identifier: Apache-2.0
 * Check "unattended-upgrades" (diagnosis item 1): are security updates
 * installed automatically? Needs the unattended-upgrades program and
 * APT::Periodic::Unattended-Upgrade set to a non-zero interval in APT's
 * configuration (/etc/apt/apt.conf, then the files of /etc/apt/apt.conf.d in name
 * order, the last setting winning, as APT reads them). */
#include "audit/audit.h"
#include "core/error.h"
#include "core/str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define APT_CONF_MAX   (256 * 1024)
#define APT_CONF_FILES 512

struct setting {
    char value[64];
    char where[600]; /* "file: line" of the last setting seen */
};

/* APT skips these names in apt.conf.d (Dir::Ignore-Files-Silently). */
static bool ignored_name(const char *name)
{
    static const char *const suffixes[] = {"~",     ".disabled", ".bak",
                                           ".save", ".orig",     ".distUpgrade"};
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return true;
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (mm_str_suffix(name, suffixes[i]))
            return true;
    return strstr(name, ".dpkg-") != NULL || strstr(name, ".ucf-") != NULL;
}

/* Finds `APT::Periodic::Unattended-Upgrade "N";` in one line. */
static bool parse_line(const char *line, char *value, size_t vlen)
{
    static const char key[] = "APT::Periodic::Unattended-Upgrade";
    while (isspace((unsigned char)*line))
        line++;
    if (strncasecmp(line, key, sizeof key - 1) != 0)
        return false;
    const char *q = strchr(line + sizeof key - 1, '"');
    const char *end = q ? strchr(q + 1, '"') : NULL;
    if (!end)
        return false;
    snprintf(value, vlen, "%.*s", (int)(end - q - 1), q + 1);
    return true;
}

static void scan_file(const struct mm_audit_ctx *ctx, const char *path, struct setting *s)
{
    char *text;
    size_t len;
    if (mm__audit_read(ctx, path, APT_CONF_MAX, &text, &len) != 0)
        return;
    const char *p = text;
    char line[512];
    while (mm__audit_next_line(&p, line, sizeof line)) {
        if (parse_line(line, s->value, sizeof s->value))
            snprintf(s->where, sizeof s->where, "%s: %s", path, mm_str_trim(line));
    }
    free(text);
}

static int scan_config(const struct mm_audit_ctx *ctx, struct setting *s)
{
    char **names;
    size_t n;
    scan_file(ctx, "/etc/apt/apt.conf", s);
    int r = mm__audit_list(ctx, "/etc/apt/apt.conf.d", APT_CONF_FILES, &names, &n);
    if (r == MM_ENOMEM)
        return r;
    if (r != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char path[1024];
        if (ignored_name(names[i]))
            continue;
        snprintf(path, sizeof path, "/etc/apt/apt.conf.d/%s", names[i]);
        scan_file(ctx, path, s);
    }
    mm__audit_free_names(names, n);
    return 0;
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    if (!mm__audit_exists(ctx, "/etc/apt"))
        return mm__audit_set(res, MM_AUDIT_UNKNOWN, "no_apt");
    struct setting s = {.value = ""};
    int r = scan_config(ctx, &s);
    if (r != 0)
        return r;
    bool installed = mm__audit_exists(ctx, "/usr/bin/unattended-upgrade");
    bool enabled = s.value[0] && strtol(s.value, NULL, 10) != 0;
    r = mm__audit_evidence(res, installed ? "evidence.present" : "evidence.missing",
                           "/usr/bin/unattended-upgrade");
    if (r == 0)
        r = s.where[0]
                ? mm__audit_evidence(res, "evidence.fact", s.where)
                : mm__audit_evidence(res, "evidence.not_set", "APT::Periodic::Unattended-Upgrade");
    if (r != 0)
        return r;
    if (!installed)
        return mm__audit_set(res, MM_AUDIT_FAIL, "not_installed");
    return enabled ? mm__audit_set(res, MM_AUDIT_PASS, "enabled")
                   : mm__audit_set(res, MM_AUDIT_FAIL, "disabled");
}

const struct mm_check mm_check_unattended_upgrades = {
    .id = "unattended-upgrades",
    .items = {1},
    .run = run,
};
