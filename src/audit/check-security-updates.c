/* SPDX-License-Identifier: Apache-2.0
 * Check "security-updates" (diagnosis item 1): are security fixes waiting
 * to be installed? Compares the installed packages (/var/lib/dpkg/status)
 * with the security archive's package lists APT has downloaded (the files
 * in /var/lib/apt/lists named like *security*_Packages): a package in an older
 * version than the security archive offers is a pending security update.
 * Versions are compared as dpkg does (epoch, upstream, revision; '~' sorts
 * before everything). Compressed lists (.lz4, .gz, .xz, as some container
 * images keep them) are not read: unknown. How fresh the lists are is the
 * apt-updates check. */
#include "audit/audit.h"
#include "core/error.h"
#include "core/str.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DPKG_STATUS  "/var/lib/dpkg/status"
#define APT_LISTS    "/var/lib/apt/lists"
#define STATUS_MAX   (64 * 1024 * 1024)
#define LIST_MAX     (128 * 1024 * 1024)
#define LISTS_MAX    4096
#define PACKAGES_MAX 200000
#define SHOWN_MAX    10

/* ---- dpkg version comparison ---- */

static int order(int c)
{
    if (isdigit(c))
        return 0;
    if (isalpha(c))
        return c;
    if (c == '~')
        return -1;
    return c ? c + 256 : 0;
}

/* dpkg's verrevcmp over [a, a_end) and [b, b_end). */
static int verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
#define AT(p, e) ((p) < (e) ? (unsigned char)*(p) : 0)
    while (a < ae || b < be) {
        int first_diff = 0;
        while ((AT(a, ae) && !isdigit(AT(a, ae))) || (AT(b, be) && !isdigit(AT(b, be)))) {
            int ac = order(AT(a, ae)), bc = order(AT(b, be));
            if (ac != bc)
                return ac - bc;
            a++;
            b++;
        }
        while (AT(a, ae) == '0')
            a++;
        while (AT(b, be) == '0')
            b++;
        while (isdigit(AT(a, ae)) && isdigit(AT(b, be))) {
            if (!first_diff)
                first_diff = AT(a, ae) - AT(b, be);
            a++;
            b++;
        }
        if (isdigit(AT(a, ae)))
            return 1;
        if (isdigit(AT(b, be)))
            return -1;
        if (first_diff)
            return first_diff;
    }
    return 0;
#undef AT
}

struct version {
    unsigned long epoch;
    const char *up, *up_end, *rev, *rev_end;
};

static void split_version(const char *v, struct version *out)
{
    const char *colon = strchr(v, ':'), *end = v + strlen(v);
    out->epoch = colon ? strtoul(v, NULL, 10) : 0;
    out->up = colon ? colon + 1 : v;
    const char *dash = strrchr(out->up, '-');
    out->up_end = dash ? dash : end;
    out->rev = dash ? dash + 1 : end;
    out->rev_end = end;
}

int mm__audit_debian_vercmp(const char *a, const char *b)
{
    struct version x, y;
    split_version(a, &x);
    split_version(b, &y);
    if (x.epoch != y.epoch)
        return x.epoch > y.epoch ? 1 : -1;
    int r = verrevcmp(x.up, x.up_end, y.up, y.up_end);
    return r ? r : verrevcmp(x.rev, x.rev_end, y.rev, y.rev_end);
}

/* ---- reading stanzas ---- */

struct pkg {
    char *name, *version;
};

struct pkgs {
    struct pkg *v;
    size_t n, cap;
};

static void pkgs_free(struct pkgs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].name);
        free(p->v[i].version);
    }
    free(p->v);
}

static int pkgs_add(struct pkgs *p, const char *name, const char *version)
{
    if (p->n >= PACKAGES_MAX)
        return MM_ELIMIT;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        struct pkg *v = realloc(p->v, cap * sizeof *v);
        if (!v)
            return MM_ENOMEM;
        p->v = v;
        p->cap = cap;
    }
    struct pkg *k = &p->v[p->n];
    k->name = strdup(name);
    k->version = strdup(version);
    if (!k->name || !k->version) {
        free(k->name);
        free(k->version);
        return MM_ENOMEM;
    }
    p->n++;
    return 0;
}

/* Calls add for each stanza with a Package and a Version; with
 * installed_only, only stanzas whose Status ends in " installed". */
static int read_stanzas(const char *text, bool installed_only, struct pkgs *out)
{
    char name[256] = "", version[256] = "", line[1024];
    bool installed = false;
    const char *p = text;
    int r = 0;
    for (;;) {
        const char *l = mm__audit_next_line(&p, line, sizeof line);
        if (!l || !line[0]) { /* end of a stanza */
            if (name[0] && version[0] && (installed || !installed_only))
                r = pkgs_add(out, name, version);
            name[0] = version[0] = '\0';
            installed = false;
            if (!l || r != 0)
                return r;
            continue;
        }
        if (!strncmp(line, "Package:", 8))
            mm_strlcpy(name, mm_str_trim(line + 8), sizeof name);
        else if (!strncmp(line, "Version:", 8))
            mm_strlcpy(version, mm_str_trim(line + 8), sizeof version);
        else if (!strncmp(line, "Status:", 7))
            installed = mm_str_suffix(mm_str_trim(line + 7), " installed");
    }
}

static int compare_pkgs(const void *a, const void *b)
{
    const struct pkg *x = a, *y = b;
    return strcmp(x->name, y->name);
}

static const struct pkg *find_pkg(const struct pkgs *p, const char *name)
{
    struct pkg key = {.name = (char *)name};
    if (p->n == 0)
        return NULL;
    return bsearch(&key, p->v, p->n, sizeof *p->v, compare_pkgs);
}

/* ---- the check ---- */

struct scan {
    struct pkgs installed, security;
    size_t lists, compressed;
};

static bool is_security_list(const char *name)
{
    return strstr(name, "security") && strstr(name, "_Packages");
}

static int read_lists(const struct mm_audit_ctx *ctx, struct scan *s, struct mm_audit_result *res)
{
    char **names;
    size_t n;
    int r = mm__audit_list(ctx, APT_LISTS, LISTS_MAX, &names, &n);
    if (r != 0)
        return r == MM_ENOMEM ? r : 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        char path[1024], *text;
        size_t len;
        if (!is_security_list(names[i]))
            continue;
        if (!mm_str_suffix(names[i], "_Packages")) {
            s->compressed++;
            continue;
        }
        snprintf(path, sizeof path, APT_LISTS "/%s", names[i]);
        r = mm__audit_read(ctx, path, LIST_MAX, &text, &len);
        if (r != 0) {
            r = r == MM_ENOMEM ? r : mm__audit_evidence(res, mm__audit_read_error_key(r), path);
            continue;
        }
        s->lists++;
        r = read_stanzas(text, false, &s->security);
        free(text);
    }
    mm__audit_free_names(names, n);
    return r;
}

static int judge(struct scan *s, struct mm_audit_result *res)
{
    size_t pending = 0;
    int r = 0;
    for (size_t i = 0; r == 0 && i < s->security.n; i++) {
        const struct pkg *fix = &s->security.v[i];
        /* sorted newest first per name: later entries of a name are older
         * fixes or the same one for another architecture */
        if (i > 0 && !strcmp(s->security.v[i - 1].name, fix->name))
            continue;
        const struct pkg *have = find_pkg(&s->installed, fix->name);
        if (!have || mm__audit_debian_vercmp(have->version, fix->version) >= 0)
            continue;
        if (pending++ < SHOWN_MAX)
            r = mm__audit_evidence(res, "evidence.security_update", fix->name, have->version,
                                   fix->version);
    }
    if (r == 0)
        r = mm__audit_evidence(res, "evidence.security_summary", s->installed.n, s->lists, pending);
    if (r != 0)
        return r;
    return pending ? mm__audit_set(res, MM_AUDIT_FAIL, "pending")
                   : mm__audit_set(res, MM_AUDIT_PASS, "up_to_date");
}

/* Sorts security entries by name, then version descending, so the first
 * entry of a name is its newest fix. */
static int compare_fixes(const void *a, const void *b)
{
    const struct pkg *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : -mm__audit_debian_vercmp(x->version, y->version);
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    struct scan s = {0};
    char *text;
    size_t len;
    int r = mm__audit_read(ctx, DPKG_STATUS, STATUS_MAX, &text, &len);
    if (r != 0) {
        r = r == MM_ENOMEM ? r
                           : mm__audit_evidence(res, "evidence.missing_or_unreadable", DPKG_STATUS);
        return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "no_dpkg");
    }
    r = read_stanzas(text, true, &s.installed);
    free(text);
    if (r == 0)
        r = read_lists(ctx, &s, res);
    if (r != 0 && r != MM_ENOMEM) {
        r = mm__audit_evidence(res, "evidence.too_many_packages");
        if (r == 0)
            r = mm__audit_set(res, MM_AUDIT_UNKNOWN, "unknown");
    } else if (r == 0 && s.lists == 0) {
        r = mm__audit_evidence(res,
                               s.compressed ? "evidence.no_uncompressed_security_list"
                                            : "evidence.no_security_list",
                               APT_LISTS);
        if (r == 0)
            r = mm__audit_set(res, MM_AUDIT_UNKNOWN,
                              s.compressed ? "compressed_lists" : "no_security_lists");
    } else if (r == 0) {
        if (s.installed.n > 0)
            qsort(s.installed.v, s.installed.n, sizeof *s.installed.v, compare_pkgs);
        if (s.security.n > 0)
            qsort(s.security.v, s.security.n, sizeof *s.security.v, compare_fixes);
        r = judge(&s, res);
    }
    pkgs_free(&s.installed);
    pkgs_free(&s.security);
    return r;
}

const struct mm_check mm_check_security_updates = {
    .id = "security-updates",
    .items = {1},
    .run = run,
};
