/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the file readers of `mamori audit`: the first byte
 * picks one of the files the checks read (sshd_config and an included file,
 * smb.conf, shadow, a NetworkManager connection, apt.conf and a fragment,
 * dpkg status, a security Packages list, the firewall files, mountinfo, a
 * device-mapper uuid, dconf keyfiles and locks), the rest is written as that
 * file under a temporary root holding a small, plausible machine, and every
 * check runs on that root, then one report (text or JSON, ja or en, by the
 * input's length: each report loads the texts, which is most of a run). A
 * first byte past the table compares two Debian versions split at the first
 * newline. Nothing may crash, leak, hang or read out of bounds. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"

/* Largest input looked at: the readers' own limits are 256 KiB to 4 MiB. */
#define FUZZ_INPUT_MAX (128 * 1024)

/* Each file the fuzzer may write, with what the plain machine holds there
 * (NULL: nothing, the file is removed after the run). */
static const struct {
    const char *path;
    const char *base;
} files[] = {
    {"/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication no\n"},
    {"/etc/ssh/sshd_config.d/50-fuzz.conf", NULL},
    {"/etc/samba/smb.conf", "[global]\n\tmap to guest = never\n[share]\n\tpath = /srv\n"},
    {"/etc/shadow", "root:*:19000:0:99999:7:::\n"},
    {"/etc/NetworkManager/system-connections/fuzz.nmconnection", NULL},
    {"/etc/apt/apt.conf", NULL},
    {"/etc/apt/apt.conf.d/20auto-upgrades", "APT::Periodic::Unattended-Upgrade \"1\";\n"},
    {"/var/lib/dpkg/status", "Package: openssl\nStatus: install ok installed\n"
                             "Version: 3.0.11-1~deb12u1\n\n"},
    {"/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-"
     "amd64_Packages",
     "Package: openssl\nVersion: 3.0.11-1~deb12u2\n\n"},
    {"/etc/ufw/ufw.conf", "ENABLED=no\n"},
    {"/etc/nftables.conf", NULL},
    {"/etc/iptables/rules.v4", NULL},
    {"/proc/self/mountinfo", "25 1 254:0 / / rw,relatime - ext4 /dev/mapper/root rw\n"},
    {"/sys/block/dm-0/dm/uuid", "CRYPT-LUKS2-0123-root\n"},
    {"/etc/dconf/db/local.d/00-fuzz", NULL},
    {"/etc/dconf/db/local.d/locks/fuzz", NULL},
};
#define NFILES (sizeof files / sizeof files[0])

/* Empty files and directories that make the checks look further. */
static const char *const present[] = {
    "/usr/sbin/sshd",
    "/usr/bin/unattended-upgrade",
    "/usr/bin/gnome-shell",
    "/usr/sbin/smbd",
    "/usr/bin/clamscan",
    "/sys/block/dm-0/dm/name",
    "/sys/dev/block/254:0/dm/uuid",
};

static char root[256];

static int make_parents(const char *full)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", full);
    for (char *s = dir + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return 0;
}

static void write_file(const char *path, const void *data, size_t len)
{
    char full[1024];
    snprintf(full, sizeof full, "%s%s", root, path);
    if (make_parents(full) != 0)
        abort();
    int fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len))
        abort();
    close(fd);
}

static void restore(size_t i)
{
    char full[1024];
    snprintf(full, sizeof full, "%s%s", root, files[i].path);
    if (files[i].base)
        write_file(files[i].path, files[i].base, strlen(files[i].base));
    else
        unlink(full);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* The temporary root goes when the process ends normally. */
static void cleanup(void)
{
    nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/mm-fuzz-audit-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root))
        abort();
    atexit(cleanup);
    for (size_t i = 0; i < NFILES; i++)
        restore(i);
    for (size_t i = 0; i < sizeof present / sizeof present[0]; i++)
        write_file(present[i], "root\n", 5);
}

static void run_all(size_t size)
{
    struct mm_audit_ctx ctx = {.root = root, .now = 1700000000};
    struct mm_audit_report r;
    if (mm_audit_report_run(&ctx, NULL, 0, &r) == 0) {
        struct mm_buf b = MM_BUF_INIT;
        enum mm_lang lang = (enum mm_lang)(size & 1);
        if (size & 2)
            mm_audit_write_json(&r, lang, &b);
        else
            mm_audit_write_text(&r, lang, &b);
        mm_buf_free(&b);
    }
    mm_audit_report_free(&r);
}

static void versions(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return;
    memcpy(s, data, size);
    s[size] = '\0';
    char *nl = strchr(s, '\n');
    if (nl) {
        *nl = '\0';
        int a = mm__audit_debian_vercmp(s, nl + 1), b = mm__audit_debian_vercmp(nl + 1, s);
        /* the order is antisymmetric */
        if ((a < 0 && b <= 0) || (a > 0 && b >= 0) || (a == 0 && b != 0))
            abort();
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_INPUT_MAX)
        return 0;
    if (!root[0])
        setup();
    size_t pick = data[0];
    if (pick >= NFILES) {
        versions(data + 1, size - 1);
        return 0;
    }
    write_file(files[pick].path, data + 1, size - 1);
    run_all(size);
    restore(pick);
    return 0;
}
