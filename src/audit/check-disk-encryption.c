/* SPDX-License-Identifier: Apache-2.0
 * Check "disk-encryption" (diagnosis items 13 and 18): is the root file
 * system on an encrypted (dm-crypt/LUKS) device? Then a lost or stolen
 * laptop, or a disk thrown away, gives nothing away. Finds the device of "/"
 * in /proc/self/mountinfo, then walks down the device-mapper stack in /sys
 * (dm/uuid of each device, then its slaves/) looking for a "CRYPT-" uuid, so
 * LVM on LUKS is recognised too. A root without a block device behind it
 * (containers, overlay) is unknown. */
#include "audit/audit.h"
#include "core/error.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOUNTINFO_MAX   (1024 * 1024)
#define STACK_DEPTH_MAX 8
#define SLAVES_MAX      64
#define DM_MAX          4096

struct root_dev {
    unsigned major, minor;
    char fstype[64];
    char source[256];
};

/* mountinfo: "id parent major:minor root mountpoint opts ... - fstype source opts";
 * the last line mounting "/" is the one in effect. */
static bool find_root(const char *text, struct root_dev *out)
{
    bool found = false;
    const char *p = text;
    char line[2048];
    while (mm__audit_next_line(&p, line, sizeof line)) {
        unsigned maj, min;
        char mnt[1024];
        if (sscanf(line, "%*s %*s %u:%u %*s %1023s", &maj, &min, mnt) != 3 || strcmp(mnt, "/"))
            continue;
        const char *dash = strstr(line, " - ");
        struct root_dev d = {.major = maj, .minor = min};
        if (dash && sscanf(dash + 3, "%63s %255s", d.fstype, d.source) < 1)
            continue;
        *out = d;
        found = true;
    }
    return found;
}

static int read_small(const struct mm_audit_ctx *ctx, const char *path, char *out, size_t outlen)
{
    char *text;
    size_t len;
    int r = mm__audit_read(ctx, path, 4096, &text, &len);
    if (r != 0)
        return r;
    mm_strlcpy(out, text, outlen);
    mm_str_trim(out);
    free(text);
    return 0;
}

/* Looks for a dm-crypt device at sysdir or below it. 1 found, 0 not, <0 error. */
static int crypt_below(const struct mm_audit_ctx *ctx, const char *sysdir, int depth,
                       struct mm_audit_result *res)
{
    char path[1024], uuid[256];
    if (depth > STACK_DEPTH_MAX)
        return 0;
    if ((size_t)snprintf(path, sizeof path, "%s/dm/uuid", sysdir) >= sizeof path)
        return 0; /* a /sys path this long is not a block device */
    if (read_small(ctx, path, uuid, sizeof uuid) == 0) {
        int r = mm__audit_evidence(res, "evidence.value", path, uuid);
        if (r != 0)
            return r;
        if (mm_str_prefix(uuid, "CRYPT-"))
            return 1;
    }
    char **names;
    size_t n;
    if ((size_t)snprintf(path, sizeof path, "%s/slaves", sysdir) >= sizeof path)
        return 0;
    int r = mm__audit_list(ctx, path, SLAVES_MAX, &names, &n);
    if (r != 0)
        return r == MM_ENOMEM ? r : 0;
    int found = 0;
    for (size_t i = 0; found == 0 && i < n; i++) {
        snprintf(path, sizeof path, "/sys/class/block/%s", names[i]);
        found = crypt_below(ctx, path, depth + 1, res);
    }
    mm__audit_free_names(names, n);
    return found;
}

/* The /sys directory of a device-mapper device by its name, or "". */
static int dm_by_name(const struct mm_audit_ctx *ctx, const char *name, char *out, size_t outlen)
{
    char **names;
    size_t n;
    int r = mm__audit_list(ctx, "/sys/block", DM_MAX, &names, &n);
    if (r != 0)
        return r == MM_ENOMEM ? r : 0;
    for (size_t i = 0; !out[0] && i < n; i++) {
        char path[512], dm[256];
        snprintf(path, sizeof path, "/sys/block/%s/dm/name", names[i]);
        if (read_small(ctx, path, dm, sizeof dm) == 0 && strcmp(dm, name) == 0)
            snprintf(out, outlen, "/sys/block/%s", names[i]);
    }
    mm__audit_free_names(names, n);
    return 0;
}

/* The /sys directory of the root device, or "" when there is none. */
static int sys_dir_of(const struct mm_audit_ctx *ctx, const struct root_dev *d, char *out,
                      size_t outlen)
{
    out[0] = '\0';
    if (d->major != 0) {
        snprintf(out, outlen, "/sys/dev/block/%u:%u", d->major, d->minor);
        return 0;
    }
    /* btrfs and others report device 0:N; go by the source name instead */
    if (mm_str_prefix(d->source, "/dev/mapper/"))
        return dm_by_name(ctx, d->source + strlen("/dev/mapper/"), out, outlen);
    if (mm_str_prefix(d->source, "/dev/") && !strchr(d->source + 5, '/'))
        snprintf(out, outlen, "/sys/class/block/%s", d->source + 5);
    return 0;
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    char *text;
    size_t len;
    int r = mm__audit_read(ctx, "/proc/self/mountinfo", MOUNTINFO_MAX, &text, &len);
    if (r == MM_ENOMEM)
        return r;
    struct root_dev d;
    bool found = r == 0 && find_root(text, &d);
    free(text);
    if (!found) {
        r = mm__audit_evidence(res, "evidence.no_root_mount", "/proc/self/mountinfo");
        return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "no_root_device");
    }
    char sysdir[512];
    if ((r = mm__audit_evidence(res, "evidence.root_device", d.fstype, d.source, d.major,
                                d.minor)) != 0 ||
        (r = sys_dir_of(ctx, &d, sysdir, sizeof sysdir)) != 0)
        return r;
    if (!sysdir[0] || !mm__audit_exists(ctx, sysdir))
        return mm__audit_set(res, MM_AUDIT_UNKNOWN, "no_root_device");
    r = crypt_below(ctx, sysdir, 0, res);
    if (r < 0)
        return r;
    return r ? mm__audit_set(res, MM_AUDIT_PASS, "encrypted")
             : mm__audit_set(res, MM_AUDIT_FAIL, "not_encrypted");
}

const struct mm_check mm_check_disk_encryption = {
    .id = "disk-encryption",
    .items = {13, 18},
    .run = run,
};
