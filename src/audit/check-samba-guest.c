/* SPDX-License-Identifier: Apache-2.0
 * Check "samba-guest" (diagnosis item 4): does a Windows file share on this
 * machine let anyone in without a password? Reads /etc/samba/smb.conf and
 * fails when a share (any section but [global] and [printers]) has
 * "guest ok" / "public" = yes, itself or inherited from [global]; the
 * evidence says whether such a share is also writable. No smb.conf passes:
 * no share to open. Shares this file does not hold are not read: where
 * there may be some (an "include" or "config file" line, the registry
 * configuration, usershares open to guests), a result that would pass is
 * unknown instead, with the line that says so. */
#include "audit/audit.h"
#include "core/error.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SMB_FILE_MAX   (1024 * 1024)
#define SMB_SHARES_MAX 256

struct share {
    char name[MM_AUDIT_INI_SECTION_MAX]; /* whole section name, as the reader gives it */
    int guest;                           /* -1 not set, 0 no, 1 yes */
    int writable;                        /* -1 not set, 0 read only, 1 writable */
};

struct smb {
    int global_guest, global_writable;
    long usershare_max;   /* "usershare max shares" (0: off, Samba's default) */
    int usershare_guests; /* "usershare allow guests" (-1 not set: no) */
    char elsewhere[512];  /* the first line pointing at shares held elsewhere */
    struct share shares[SMB_SHARES_MAX];
    size_t n;
};

static int samba_bool(const char *v)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
        return 1;
    if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
        return 0;
    return -1;
}

/* "Guest  OK" -> "guestok": Samba ignores case and spaces in parameter names. */
static void squeeze(const char *in, char *out, size_t outlen)
{
    size_t k = 0;
    for (; *in && k + 1 < outlen; in++)
        if (*in != ' ' && *in != '\t')
            out[k++] = (char)(*in >= 'A' && *in <= 'Z' ? *in + 32 : *in);
    out[k] = '\0';
}

static struct share *share_for(struct smb *s, const char *section)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcasecmp(s->shares[i].name, section) == 0)
            return &s->shares[i];
    if (s->n >= SMB_SHARES_MAX)
        return NULL;
    struct share *sh = &s->shares[s->n++];
    mm_strlcpy(sh->name, section, sizeof sh->name);
    sh->guest = sh->writable = -1;
    return sh;
}

/* Notes settings that put shares outside this file; true when key was one. */
static bool elsewhere(struct smb *s, const char *k, const char *key, const char *value)
{
    bool other = !strcmp(k, "include") || !strcmp(k, "configfile") ||
                 (!strcmp(k, "configbackend") && !strcasecmp(value, "registry")) ||
                 (!strcmp(k, "registryshares") && samba_bool(value) == 1);
    if (!strcmp(k, "usersharemaxshares"))
        s->usershare_max = strtol(value, NULL, 10);
    else if (!strcmp(k, "usershareallowguests"))
        s->usershare_guests = samba_bool(value);
    else if (!other)
        return false;
    if (other && !s->elsewhere[0])
        snprintf(s->elsewhere, sizeof s->elsewhere, "%.200s = %.300s", key, value);
    return true;
}

static int on_entry(const char *section, const char *key, const char *value, void *arg)
{
    struct smb *s = arg;
    char k[64];
    int *guest, *writable;
    squeeze(key, k, sizeof k);
    if (elsewhere(s, k, key, value))
        return 0;
    if (strcasecmp(section, "global") == 0) {
        guest = &s->global_guest;
        writable = &s->global_writable;
    } else if (section[0] && strcasecmp(section, "printers") != 0) {
        struct share *sh = share_for(s, section);
        if (!sh)
            return 0;
        guest = &sh->guest;
        writable = &sh->writable;
    } else {
        return 0;
    }
    int b = samba_bool(value);
    if (!strcmp(k, "guestok") || !strcmp(k, "public"))
        *guest = b;
    else if (!strcmp(k, "writable") || !strcmp(k, "writeable") || !strcmp(k, "writeok"))
        *writable = b;
    else if (!strcmp(k, "readonly"))
        *writable = b < 0 ? -1 : !b;
    return 0;
}

static int report(const struct smb *s, struct mm_audit_result *res)
{
    size_t open_shares = 0;
    int r = 0;
    for (size_t i = 0; r == 0 && i < s->n; i++) {
        const struct share *sh = &s->shares[i];
        int guest = sh->guest >= 0 ? sh->guest : s->global_guest;
        int writable = sh->writable >= 0 ? sh->writable : s->global_writable;
        if (guest != 1)
            continue;
        open_shares++;
        r = mm__audit_evidence(
            res, writable == 1 ? "evidence.samba_guest_writable" : "evidence.samba_guest_read_only",
            "/etc/samba/smb.conf", sh->name);
    }
    if (r == 0 && open_shares == 0)
        r = mm__audit_evidence(res, "evidence.samba_no_guest", "/etc/samba/smb.conf", s->n);
    if (r != 0 || open_shares)
        return r ? r : mm__audit_set(res, MM_AUDIT_FAIL, "guest_share");
    /* none open here: but shares held elsewhere were not read */
    if (s->elsewhere[0])
        r = mm__audit_evidence(res, "evidence.samba_elsewhere", "/etc/samba/smb.conf",
                               s->elsewhere);
    else if (s->usershare_max > 0 && s->usershare_guests == 1)
        r = mm__audit_evidence(res, "evidence.samba_usershares", "/etc/samba/smb.conf",
                               s->usershare_max);
    else
        return mm__audit_set(res, MM_AUDIT_PASS, "no_guest");
    return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "shares_elsewhere");
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    char *text;
    size_t len;
    int r = mm__audit_read(ctx, "/etc/samba/smb.conf", SMB_FILE_MAX, &text, &len);
    if (r == MM_ENOMEM)
        return r;
    if (r == MM_ENOENT) {
        r = mm__audit_evidence(res, "evidence.missing", "/etc/samba/smb.conf");
        return r ? r : mm__audit_set(res, MM_AUDIT_PASS, "not_installed");
    }
    if (r != 0) {
        r = mm__audit_evidence(res, mm__audit_read_error_key(r), "/etc/samba/smb.conf");
        return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "not_readable");
    }
    struct smb *s = calloc(1, sizeof *s);
    if (!s) {
        free(text);
        return MM_ENOMEM;
    }
    s->global_guest = s->global_writable = s->usershare_guests = -1;
    r = mm__audit_ini_each(text, on_entry, s);
    free(text);
    if (r == 0)
        r = report(s, res);
    free(s);
    return r;
}

const struct mm_check mm_check_samba_guest = {
    .id = "samba-guest",
    .items = {4},
    .run = run,
};
