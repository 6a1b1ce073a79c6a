/* SPDX-License-Identifier: Apache-2.0
 * Check "screen-lock" (diagnosis item 14): does the desktop lock itself
 * when nobody is at the machine? Only system-wide settings can be read from
 * files: for GNOME-based desktops, the dconf keyfiles in the /etc/dconf/db/NAME.d
 * (org/gnome/desktop/screensaver lock-enabled, org/gnome/desktop/session
 * idle-delay in seconds). Explicitly off, or idle time over 15 minutes or
 * zero (never), fails; explicitly on, with the keys locked against change
 * (a locks/ file naming them), passes; otherwise each user's own settings
 * decide and they cannot be read: unknown. No desktop installed passes. */
#include "audit/audit.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DCONF_DB         "/etc/dconf/db"
#define DCONF_FILES_MAX  256
#define DCONF_FILE_MAX   (256 * 1024)
#define IDLE_MAX_SECONDS 900

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const gnome_shells[] = {"/usr/bin/gnome-shell", "/usr/bin/cinnamon-session",
                                           "/usr/bin/budgie-desktop"};
static const char *const other_desktops[] = {
    "/usr/bin/xfce4-session", "/usr/bin/startplasma-x11", "/usr/bin/startplasma-wayland",
    "/usr/bin/mate-session",  "/usr/bin/lxsession",       "/usr/bin/lxqt-session"};

struct settings {
    int lock_enabled; /* -1 unset */
    long idle_delay;  /* -1 unset */
    bool lock_locked, idle_locked;
    char lock_where[600], idle_where[600];
    const char *file; /* the file being read */
};

static int on_entry(const char *section, const char *key, const char *value, void *arg)
{
    struct settings *s = arg;
    if (!strcmp(section, "org/gnome/desktop/screensaver") && !strcmp(key, "lock-enabled")) {
        s->lock_enabled = !strcasecmp(value, "true");
        snprintf(s->lock_where, sizeof s->lock_where, "%s: [%s] %s=%s", s->file, section, key,
                 value);
    } else if (!strcmp(section, "org/gnome/desktop/session") && !strcmp(key, "idle-delay")) {
        const char *v = value;
        if (!strncmp(v, "uint32", 6))
            v += 6;
        s->idle_delay = strtol(v, NULL, 10);
        snprintf(s->idle_where, sizeof s->idle_where, "%s: [%s] %s=%s", s->file, section, key,
                 value);
    }
    return 0;
}

/* A locks file lists keys, one per line, that users may not change. */
static void read_locks(const char *text, struct settings *s)
{
    s->lock_locked |= strstr(text, "/org/gnome/desktop/screensaver/lock-enabled") != NULL;
    s->idle_locked |= strstr(text, "/org/gnome/desktop/session/idle-delay") != NULL;
}

static int read_dir(const struct mm_audit_ctx *ctx, const char *dir, bool locks, struct settings *s)
{
    char **names;
    size_t n;
    int r = mm__audit_list(ctx, dir, DCONF_FILES_MAX, &names, &n);
    if (r != 0)
        return r == MM_ENOMEM ? r : 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        char path[1024], *text;
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!locks && !strcmp(names[i], "locks")) {
            r = read_dir(ctx, path, true, s);
            continue;
        }
        if (mm__audit_read(ctx, path, DCONF_FILE_MAX, &text, &len) != 0)
            continue;
        s->file = path;
        if (locks)
            read_locks(text, s);
        else
            r = mm__audit_ini_each(text, on_entry, s);
        free(text);
    }
    mm__audit_free_names(names, n);
    return r;
}

static int read_dconf(const struct mm_audit_ctx *ctx, struct settings *s)
{
    char **names;
    size_t n;
    int r = mm__audit_list(ctx, DCONF_DB, DCONF_FILES_MAX, &names, &n);
    if (r != 0)
        return r == MM_ENOMEM ? r : 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        char path[1024];
        size_t len = strlen(names[i]);
        if (len < 3 || strcmp(names[i] + len - 2, ".d") != 0)
            continue;
        snprintf(path, sizeof path, DCONF_DB "/%s", names[i]);
        r = read_dir(ctx, path, false, s);
    }
    mm__audit_free_names(names, n);
    return r;
}

static const char *first_existing(const struct mm_audit_ctx *ctx, const char *const *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (mm__audit_exists(ctx, p[i]))
            return p[i];
    return NULL;
}

static int judge_gnome(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    struct settings s = {.lock_enabled = -1, .idle_delay = -1};
    int r = read_dconf(ctx, &s);
    if (r == 0 && s.lock_where[0])
        r = mm__audit_evidence(res, s.lock_locked ? "evidence.dconf_locked" : "evidence.fact",
                               s.lock_where);
    if (r == 0 && s.idle_where[0])
        r = mm__audit_evidence(res, s.idle_locked ? "evidence.dconf_locked" : "evidence.fact",
                               s.idle_where);
    if (r == 0 && !s.lock_where[0] && !s.idle_where[0])
        r = mm__audit_evidence(res, "evidence.no_screen_lock_setting", DCONF_DB);
    if (r != 0)
        return r;
    if (s.lock_enabled == 0)
        return mm__audit_set(res, MM_AUDIT_FAIL, "disabled");
    if (s.idle_delay == 0 || s.idle_delay > IDLE_MAX_SECONDS)
        return mm__audit_set(res, MM_AUDIT_FAIL, "too_late");
    if (s.lock_enabled == 1 && s.idle_delay > 0 && s.lock_locked && s.idle_locked)
        return mm__audit_set(res, MM_AUDIT_PASS, "enforced");
    return mm__audit_set(res, MM_AUDIT_UNKNOWN, "user_settings");
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    const char *gnome = first_existing(ctx, gnome_shells, COUNT(gnome_shells));
    if (gnome) {
        int r = mm__audit_evidence(res, "evidence.present", gnome);
        return r ? r : judge_gnome(ctx, res);
    }
    const char *other = first_existing(ctx, other_desktops, COUNT(other_desktops));
    if (other) {
        int r = mm__audit_evidence(res, "evidence.present", other);
        return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "other_desktop");
    }
    int r = mm__audit_evidence(res, "evidence.no_desktop", gnome_shells[0]);
    return r ? r : mm__audit_set(res, MM_AUDIT_PASS, "no_desktop");
}

const struct mm_check mm_check_screen_lock = {
    .id = "screen-lock",
    .items = {14},
    .run = run,
};
