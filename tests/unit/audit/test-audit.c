/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the host checks (src/audit/): every check is run against
 * fake file trees built in a temporary directory (the audit root), for each
 * of its outcomes, so no test depends on the machine running it. Also the
 * helpers, the report, and the comparison with a self-diagnosis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "core/data.h"
#include "core/error.h"
#include "core/fs.h"
#include "../test-tmpdir.h"

#define DAY 86400
/* A fixed "now" for ages: 2026-04-01T00:00:00Z. */
#define NOW ((time_t)1775001600)

static char root[256];
static struct mm_audit_ctx ctx;
static json_t *texts;

/* ---- building fake trees ---- */

static int fresh_root(void **state)
{
    (void)state;
    if (root[0])
        (void)test_tmpdir_remove(root);
    if (test_tmpdir_make(root, sizeof root, "audit") != 0)
        return -1;
    ctx = (struct mm_audit_ctx){.root = root, .now = NOW};
    return 0;
}

static int cleanup_root(void **state)
{
    (void)state;
    (void)test_tmpdir_remove(root);
    root[0] = '\0';
    return 0;
}

static void full_path(const char *rel, char *out, size_t len)
{
    snprintf(out, len, "%s%s", root, rel);
}

static void make_dir(const char *rel)
{
    char p[1024];
    full_path(rel, p, sizeof p);
    assert_int_equal(mm_mkdir_p(p, 0755), 0);
}

/* Writes rel (creating its directories) with mtime now - age_days. */
static void put_file_aged(const char *rel, const char *content, long age_days)
{
    char p[1024];
    full_path(rel, p, sizeof p);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    assert_int_equal(mm_mkdir_p(p, 0755), 0);
    *slash = '/';
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    struct timeval tv[2] = {{NOW - age_days * DAY, 0}, {NOW - age_days * DAY, 0}};
    assert_int_equal(utimes(p, tv), 0);
}

static void put_file(const char *rel, const char *content)
{
    put_file_aged(rel, content, 0);
}

static void put_link(const char *rel, const char *target)
{
    char p[1024];
    full_path(rel, p, sizeof p);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    assert_int_equal(mm_mkdir_p(p, 0755), 0);
    *slash = '/';
    assert_int_equal(symlink(target, p), 0);
}

static void remove_file(const char *rel)
{
    char p[1024];
    full_path(rel, p, sizeof p);
    assert_int_equal(unlink(p), 0);
}

/* ---- running checks ---- */

/* The Japanese evidence of the last expect(). */
static char evidence_ja[4096];

/* Fails when an evidence line is a key missing from data/i18n/audit.json
 * (mm_tr shows it as itself). */
static void assert_no_missing_key(const char *evidence)
{
    for (const char *s = evidence; *s; s += strcspn(s, "\n") + (s[strcspn(s, "\n")] == '\n')) {
        if (strncmp(s, "evidence.", 9) == 0)
            print_error("evidence key missing from the catalogue: %s\n", s);
        assert_false(strncmp(s, "evidence.", 9) == 0);
    }
}

/* Runs check id and checks status and message key; the message must exist
 * in data/audit/checks.json in both languages. Returns the English evidence
 * (static copy) for further checks; evidence_ja holds the Japanese. */
static const char *expect(const char *id, enum mm_audit_status status, const char *message)
{
    static char evidence[4096];
    const struct mm_check *c = mm_audit_find(id);
    assert_non_null(c);
    struct mm_audit_result res;
    assert_int_equal(mm_audit_run(c, &ctx, &res), 0);
    if (res.status != status || strcmp(res.message, message) != 0)
        print_error("%s: got %s/%s, want %s/%s\nevidence:\n%s", id,
                    mm_audit_status_name(res.status), res.message, mm_audit_status_name(status),
                    message, mm_buf_str(&res.evidence[MM_LANG_EN]));
    assert_int_equal(res.status, status);
    assert_string_equal(res.message, message);
    json_t *msg = json_object_get(json_object_get(json_object_get(texts, id), "messages"), message);
    assert_non_null(json_string_value(json_object_get(msg, "ja")));
    assert_non_null(json_string_value(json_object_get(msg, "en")));
    assert_true(res.nevidence > 0 || status == MM_AUDIT_UNKNOWN);
    snprintf(evidence, sizeof evidence, "%s", mm_buf_str(&res.evidence[MM_LANG_EN]));
    snprintf(evidence_ja, sizeof evidence_ja, "%s", mm_buf_str(&res.evidence[MM_LANG_JA]));
    assert_no_missing_key(evidence);
    assert_no_missing_key(evidence_ja);
    mm_audit_result_free(&res);
    return evidence;
}

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fail_msg("\"%s\" not found in:\n%s", needle, haystack);
}

/* ---- the registry and helpers ---- */

static void test_registry_and_texts(void **state)
{
    (void)state;
    size_t n;
    const struct mm_check *const *all = mm_audit_checks(&n);
    assert_true(n >= 12);
    for (size_t i = 0; i < n; i++) {
        const json_t *t = json_object_get(texts, all[i]->id);
        assert_non_null(t);
        assert_non_null(json_string_value(json_object_get(json_object_get(t, "title"), "ja")));
        assert_non_null(json_string_value(json_object_get(json_object_get(t, "fix"), "en")));
        assert_non_null(json_object_get(json_object_get(t, "messages"), "unknown"));
        assert_true(all[i]->items[0] >= 1 && all[i]->items[0] <= 25);
        assert_ptr_equal(mm_audit_find(all[i]->id), all[i]);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(all[i]->id, all[j]->id);
    }
    assert_null(mm_audit_find("no-such-check"));
}

static void test_helpers(void **state)
{
    (void)state;
    char p[512];
    struct mm_audit_ctx c = {.root = "/tmp/x/", .now = NOW};
    assert_int_equal(mm__audit_path(&c, "/etc/shadow", p, sizeof p), 0);
    assert_string_equal(p, "/tmp/x/etc/shadow");
    c.root = "/";
    assert_int_equal(mm__audit_path(&c, "/etc/shadow", p, sizeof p), 0);
    assert_string_equal(p, "/etc/shadow");
    assert_int_equal(mm__audit_path(&c, "/etc/shadow", p, 5), MM_ETOOBIG);
    /* ".." is resolved by its letters; above the root is refused */
    assert_int_equal(mm__audit_clean("/etc/ssh/../x//./y/", p, sizeof p), 0);
    assert_string_equal(p, "/etc/x/y");
    assert_int_equal(mm__audit_clean("etc/..", p, sizeof p), 0);
    assert_string_equal(p, "/");
    assert_int_equal(mm__audit_clean("/etc/../../x", p, sizeof p), MM_ERANGE);
    assert_int_equal(mm__audit_clean("/..", p, sizeof p), MM_ERANGE);
    c.root = "/tmp/x";
    assert_int_equal(mm__audit_path(&c, "/etc/ssh/../../../y", p, sizeof p), MM_ERANGE);
    assert_int_equal(mm__audit_path(&c, "/", p, sizeof p), 0);
    assert_string_equal(p, "/tmp/x");
    c.root = "/";
    assert_int_equal(mm__audit_age_days(&c, NOW - 3 * DAY - 5), 3);
    assert_int_equal(mm__audit_age_days(&c, NOW + DAY), 0);
    char d[11];
    mm__audit_date(NOW, d);
    assert_string_equal(d, "2026-04-01");

    put_file("/d/b", "");
    put_file("/d/a", "");
    put_file("/d/c", "");
    char **names;
    size_t n;
    assert_int_equal(mm__audit_list(&ctx, "/d", 10, &names, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[2], "c");
    mm__audit_free_names(names, n);
    assert_int_equal(mm__audit_list(&ctx, "/d", 2, &names, &n), MM_ELIMIT);
    assert_int_equal(mm__audit_list(&ctx, "/nope", 2, &names, &n), MM_ENOENT);

    /* evidence: one line each, capped, in both languages with the facts verbatim */
    struct mm_audit_result res = {0};
    for (long i = 0; i < MM_AUDIT_EVIDENCE_MAX + 5; i++)
        assert_int_equal(
            mm__audit_evidence(&res, "evidence.dated", "/x\nwith break", "2026-03-31", i), 0);
    assert_int_equal(res.nevidence, MM_AUDIT_EVIDENCE_MAX + 5);
    for (int lang = 0; lang < 2; lang++) {
        size_t lines = 0;
        for (const char *s = mm_buf_str(&res.evidence[lang]); *s; s++)
            lines += *s == '\n';
        assert_int_equal(lines, MM_AUDIT_EVIDENCE_MAX);
    }
    assert_contains(mm_buf_str(&res.evidence[MM_LANG_EN]),
                    "/x with break: 2026-03-31 (0 days ago)\n");
    assert_contains(mm_buf_str(&res.evidence[MM_LANG_JA]), "/x with break: 2026-03-31（0 日前）\n");
    mm_audit_result_free(&res);
}

struct kv {
    char all[2048];
};

static int collect(const char *section, const char *key, const char *value, void *arg)
{
    struct kv *k = arg;
    size_t len = strlen(k->all);
    snprintf(k->all + len, sizeof k->all - len, "%s.%s=%s|", section, key, value);
    return 0;
}

static void test_ini_reader(void **state)
{
    (void)state;
    struct kv k = {""};
    assert_int_equal(mm__audit_ini_each("top = 1\n# c\n; c\n[ s one ]\n  a = b c  \r\nlong = x\\\n"
                                        "  y\nnovalue\n[t]\nk=\n",
                                        collect, &k),
                     0);
    assert_string_equal(k.all, ".top=1|s one.a=b c|s one.long=x  y|t.k=|");
}

/* ---- the checks ---- */

static void test_apt_updates(void **state)
{
    (void)state;
    expect("apt-updates", MM_AUDIT_UNKNOWN, "no_apt");
    make_dir("/var/lib/apt/lists/partial");
    put_file("/var/lib/apt/lists/lock", "");
    expect("apt-updates", MM_AUDIT_FAIL, "never");
    assert_contains(evidence_ja, "/var/lib/apt/lists: パッケージの一覧がありません\n");
    put_file_aged("/var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", "x", 10);
    const char *ev = expect("apt-updates", MM_AUDIT_FAIL, "old");
    assert_contains(ev, "bookworm_InRelease: 2026-03-22 (10 days ago)");
    assert_contains(evidence_ja, "bookworm_InRelease: 2026-03-22（10 日前）");
    put_file_aged("/var/lib/apt/lists/security_dists_bookworm-security_InRelease", "x", 2);
    expect("apt-updates", MM_AUDIT_PASS, "fresh");
    /* APT's success stamp counts too */
    put_file_aged("/var/lib/apt/lists/security_dists_bookworm-security_InRelease", "x", 9);
    put_file_aged("/var/lib/apt/periodic/update-success-stamp", "", 1);
    ev = expect("apt-updates", MM_AUDIT_PASS, "fresh");
    assert_contains(ev, "update-success-stamp: 2026-03-31 (1 days ago)");
}

static void test_debian_vercmp(void **state)
{
    (void)state;
    /* {a, b, sign of compare(a, b)}, cases from dpkg's own rules */
    static const struct {
        const char *a, *b;
        int sign;
    } cases[] = {
        {"1.0", "1.0", 0},
        {"1.0", "1.1", -1},
        {"1.10", "1.9", 1},
        {"1.0~rc1", "1.0", -1},
        {"1.0~rc1", "1.0~rc2", -1},
        {"1.0", "1.0+deb12u1", -1},
        {"1.0-1", "1.0-2", -1},
        {"1.0-2", "1.0-10", -1},
        {"1:1.0", "2.0", 1},
        {"0:1.0", "1.0", 0},
        {"1.0.0", "1.0", 1},
        {"1.0a", "1.0", 1},
        {"1.0a", "1.0+", -1},
        {"9.2p1-2+deb12u6", "9.2p1-2+deb12u9", -1},
        {"20230311+deb12u1", "20250419~deb12u2", -1},
        {"1.0.9-2+b6", "1.0.9-2+deb12u1", -1},
        {"2.36-9+deb12u4", "2.36-9+deb12u10", -1},
        {"1.0-1-1", "1.0-1-2", -1}, /* revision after the last '-' */
        {"007", "7", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int r = mm__audit_debian_vercmp(cases[i].a, cases[i].b);
        int back = mm__audit_debian_vercmp(cases[i].b, cases[i].a);
        if ((r > 0) - (r < 0) != cases[i].sign || (back > 0) - (back < 0) != -cases[i].sign)
            fail_msg("%s vs %s: got %d / %d, want sign %d", cases[i].a, cases[i].b, r, back,
                     cases[i].sign);
    }
}

static void test_security_updates(void **state)
{
    (void)state;
    static const char status[] = "Package: openssh-client\nStatus: install ok installed\n"
                                 "Architecture: amd64\nVersion: 1:9.2p1-2+deb12u6\n\n"
                                 "Package: libc6\nStatus: install ok installed\n"
                                 "Version: 2.36-9+deb12u10\n\n"
                                 "Package: oldtool\nStatus: deinstall ok config-files\n"
                                 "Version: 0.1\n\n"
                                 "Package: zlib1g\nStatus: hold ok installed\nVersion: 1:1.2.13\n";
    expect("security-updates", MM_AUDIT_UNKNOWN, "no_dpkg");
    put_file("/var/lib/dpkg/status", status);
    expect("security-updates", MM_AUDIT_UNKNOWN, "no_security_lists");
    put_file("/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_"
             "binary-amd64_Packages.lz4",
             "x");
    expect("security-updates", MM_AUDIT_UNKNOWN, "compressed_lists");
    /* libc6 is newer than the fix, oldtool is not installed, zlib1g matches */
    put_file("/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_"
             "binary-amd64_Packages",
             "Package: libc6\nVersion: 2.36-9+deb12u4\n\nPackage: oldtool\nVersion: 0.2\n\n"
             "Package: zlib1g\nVersion: 1:1.2.13\n");
    const char *ev = expect("security-updates", MM_AUDIT_PASS, "up_to_date");
    assert_contains(ev, "3 packages installed, 1 security lists, 0 pending");
    assert_contains(evidence_ja,
                    "入っているパッケージ 3 件、セキュリティ更新の一覧 1 件、未適用の更新 0 件");
    /* two fixes for openssh-client (and one for another architecture): one pending line */
    put_file("/var/lib/apt/lists/security.example_dists_x-security_main_binary-i386_Packages",
             "Package: openssh-client\nVersion: 1:9.2p1-2+deb12u7\n\n"
             "Package: openssh-client\nArchitecture: i386\nVersion: 1:9.2p1-2+deb12u9\n\n"
             "Package: libc6\nVersion: 2.36-9+deb12u10\n");
    ev = expect("security-updates", MM_AUDIT_FAIL, "pending");
    assert_contains(ev, "openssh-client: installed 1:9.2p1-2+deb12u6, security update "
                        "1:9.2p1-2+deb12u9\n3 packages installed, 2 security lists, 1 pending");
    assert_contains(evidence_ja,
                    "openssh-client: 入っている版 1:9.2p1-2+deb12u6、セキュリティ更新 ");
}

static void test_unattended_upgrades(void **state)
{
    (void)state;
    expect("unattended-upgrades", MM_AUDIT_UNKNOWN, "no_apt");
    make_dir("/etc/apt/apt.conf.d");
    expect("unattended-upgrades", MM_AUDIT_FAIL, "not_installed");
    put_file("/usr/bin/unattended-upgrade", "#!/usr/bin/python3\n");
    expect("unattended-upgrades", MM_AUDIT_FAIL, "disabled");
    put_file("/etc/apt/apt.conf.d/20auto-upgrades", "APT::Periodic::Update-Package-Lists \"1\";\n"
                                                    "APT::Periodic::Unattended-Upgrade \"1\";\n");
    const char *ev = expect("unattended-upgrades", MM_AUDIT_PASS, "enabled");
    assert_contains(ev, "20auto-upgrades: APT::Periodic::Unattended-Upgrade \"1\";");
    assert_contains(evidence_ja, "/usr/bin/unattended-upgrade: あります\n");
    assert_contains(evidence_ja, "20auto-upgrades: APT::Periodic::Unattended-Upgrade \"1\";");
    /* files APT ignores do not count; later files win */
    put_file("/etc/apt/apt.conf.d/99off.dpkg-old", "APT::Periodic::Unattended-Upgrade \"0\";\n");
    expect("unattended-upgrades", MM_AUDIT_PASS, "enabled");
    put_file("/etc/apt/apt.conf.d/99off", "  APT::Periodic::Unattended-Upgrade \"0\";\n");
    expect("unattended-upgrades", MM_AUDIT_FAIL, "disabled");
}

static void test_antivirus(void **state)
{
    (void)state;
    const char *ev = expect("antivirus", MM_AUDIT_FAIL, "none");
    assert_contains(ev, "no ClamAV (/usr/bin/clamscan) and no known product under /opt\n");
    assert_contains(evidence_ja,
                    "ClamAV（/usr/bin/clamscan）も、/opt の下に知っている製品もありません\n");
    put_file("/opt/eset/efs/bin/odscan", "");
    ev = expect("antivirus", MM_AUDIT_UNKNOWN, "other_product");
    assert_contains(ev, "/opt/eset: present\n");
    assert_contains(evidence_ja, "/opt/eset: あります\n");
    put_file("/usr/bin/clamscan", "");
    ev = expect("antivirus", MM_AUDIT_FAIL, "no_definitions");
    assert_contains(ev, "/var/lib/clamav: no daily.cld or daily.cvd\n");
    assert_contains(evidence_ja, "/var/lib/clamav: daily.cld も daily.cvd もありません\n");
    put_file_aged("/var/lib/clamav/daily.cvd", "", 20);
    put_file_aged("/var/lib/clamav/main.cvd", "", 1);
    ev = expect("antivirus", MM_AUDIT_FAIL, "stale");
    assert_contains(ev, "daily.cvd: 2026-03-12 (20 days ago)");
    assert_contains(evidence_ja, "daily.cvd: 2026-03-12（20 日前）");
    put_file_aged("/var/lib/clamav/daily.cld", "", 3);
    expect("antivirus", MM_AUDIT_PASS, "fresh");
}

static void test_empty_passwords(void **state)
{
    (void)state;
    expect("empty-passwords", MM_AUDIT_UNKNOWN, "not_readable");
    put_file("/etc/shadow", "root:$y$j9T$abc:19000:0:99999:7:::\n"
                            "daemon:*:19000:0:99999:7:::\n"
                            "nobody:!:19000::::::\n");
    const char *ev = expect("empty-passwords", MM_AUDIT_PASS, "none_empty");
    assert_contains(ev, "3 accounts, none without a password");
    assert_contains(evidence_ja, "/etc/shadow: アカウント 3 件、パスワードが空のものはありません");
    put_file("/etc/shadow", "root:$y$j9T$abc:19000:0:99999:7:::\n"
                            "guest::19000:0:99999:7:::\n");
    ev = expect("empty-passwords", MM_AUDIT_FAIL, "empty");
    assert_contains(ev, "account \"guest\" has an empty password");
    assert_contains(evidence_ja, "/etc/shadow: アカウント \"guest\" のパスワードが空です");
    if (geteuid() != 0) { /* root reads anything */
        char p[512];
        full_path("/etc/shadow", p, sizeof p);
        chmod(p, 0);
        expect("empty-passwords", MM_AUDIT_UNKNOWN, "not_readable");
    }
}

static void test_ssh_password_auth(void **state)
{
    (void)state;
    expect("ssh-password-auth", MM_AUDIT_PASS, "not_installed");
    /* Debian's stock file: nothing set, so OpenSSH's default (yes) applies */
    put_file("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n"
                                     "KbdInteractiveAuthentication no\nUsePAM yes\n");
    const char *ev = expect("ssh-password-auth", MM_AUDIT_FAIL, "password");
    assert_contains(ev, "PasswordAuthentication: not set (default yes)");
    assert_contains(evidence_ja, "PasswordAuthentication: 設定されていません（既定値 yes）");
    /* the first value obtained wins, includes are read in place and in order */
    put_file("/etc/ssh/sshd_config.d/50-cloud-init.conf", "PasswordAuthentication yes\n");
    put_file("/etc/ssh/sshd_config.d/90-mamori.conf", "PasswordAuthentication no\n");
    ev = expect("ssh-password-auth", MM_AUDIT_FAIL, "password");
    assert_contains(ev, "50-cloud-init.conf: PasswordAuthentication yes");
    remove_file("/etc/ssh/sshd_config.d/50-cloud-init.conf");
    expect("ssh-password-auth", MM_AUDIT_PASS, "keys_only");
    /* keyboard-interactive (default yes) with PAM still asks for a password */
    put_file("/etc/ssh/sshd_config", "passwordauthentication=no\nUsePAM yes\n");
    expect("ssh-password-auth", MM_AUDIT_FAIL, "keyboard_interactive");
    /* a Match block that turns password login back on for some users: the
     * files cannot say whether anyone matches, so no pass (unknown) */
    put_file("/etc/ssh/sshd_config", "PasswordAuthentication no\n"
                                     "ChallengeResponseAuthentication no\nUsePAM yes\n"
                                     "Match User backup\n  PasswordAuthentication yes\n");
    ev = expect("ssh-password-auth", MM_AUDIT_UNKNOWN, "match_weaker");
    assert_contains(ev, "Match blocks present");
    assert_contains(ev,
                    "Match block (conditional): /etc/ssh/sshd_config: PasswordAuthentication yes");
    assert_contains(evidence_ja, "Match ブロックがあります");
    assert_contains(
        evidence_ja,
        "Match ブロック（条件付きの設定）: /etc/ssh/sshd_config: PasswordAuthentication yes");
    /* a Match block that only tightens passes */
    put_file("/etc/ssh/sshd_config", "PasswordAuthentication no\n"
                                     "ChallengeResponseAuthentication no\nUsePAM yes\n"
                                     "Match Address 10.0.0.0/8\n  PasswordAuthentication no\n");
    expect("ssh-password-auth", MM_AUDIT_PASS, "keys_only");
    /* keyboard-interactive in a Match block (with PAM), from an included file
     * that inherits the block */
    put_file("/etc/ssh/sshd_config", "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                                     "UsePAM yes\nMatch Group staff\n"
                                     "  Include /etc/ssh/staff.conf\n");
    put_file("/etc/ssh/staff.conf", "KbdInteractiveAuthentication yes\n");
    ev = expect("ssh-password-auth", MM_AUDIT_UNKNOWN, "match_weaker");
    assert_contains(ev, "/etc/ssh/staff.conf: KbdInteractiveAuthentication yes");
    /* a global failure stays a failure */
    put_file("/etc/ssh/sshd_config", "PasswordAuthentication yes\n"
                                     "Match User bob\n  PasswordAuthentication yes\n");
    expect("ssh-password-auth", MM_AUDIT_FAIL, "password");
}

/* Files outside the root are not read, absolute links resolve inside it,
 * and a FIFO never blocks a check. */
static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "test-audit: a check waited on a FIFO\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
}

static void test_inside_root(void **state)
{
    (void)state;
    char outside[512], conf[1024], fifo[1024];
    /* a sibling of the root: <root>-outside/secret.conf says "no" */
    snprintf(outside, sizeof outside, "%s-outside", root);
    assert_int_equal(mm_mkdir_p(outside, 0755), 0);
    snprintf(conf, sizeof conf, "%s/secret.conf", outside);
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fputs("PasswordAuthentication no\nKbdInteractiveAuthentication no\n", f);
    fclose(f);
    snprintf(conf, sizeof conf, "Include ../../../%s/secret.conf\n", strrchr(outside, '/') + 1);
    put_file("/etc/ssh/sshd_config", conf);
    const char *ev = expect("ssh-password-auth", MM_AUDIT_UNKNOWN, "include_refused");
    assert_contains(ev, "/secret.conf: points outside the audited root (--root), not read");
    assert_contains(evidence_ja, "の外を指しているため、読みませんでした");
    expect("ssh-root-login", MM_AUDIT_UNKNOWN, "include_refused");
    /* the same with a pattern: the folder listed is above the root */
    snprintf(conf, sizeof conf, "Include ../../../%s/*.conf\n", strrchr(outside, '/') + 1);
    put_file("/etc/ssh/sshd_config", conf);
    expect("ssh-password-auth", MM_AUDIT_UNKNOWN, "include_refused");
    snprintf(conf, sizeof conf, "%s/secret.conf", outside);
    unlink(conf);
    rmdir(outside);
    /* ".." that stays inside is fine */
    put_file("/etc/ssh/sshd_config", "Include ../ssh/sshd_config.d/*.conf\n");
    put_file("/etc/ssh/sshd_config.d/keys.conf", "PasswordAuthentication no\n"
                                                 "KbdInteractiveAuthentication no\n");
    expect("ssh-password-auth", MM_AUDIT_PASS, "keys_only");
    /* an absolute link resolves inside the root, as on the audited machine */
    remove_file("/etc/ssh/sshd_config");
    put_link("/etc/ssh/sshd_config", "/etc/ssh/sshd_config.d/keys.conf");
    ev = expect("ssh-password-auth", MM_AUDIT_PASS, "keys_only");
    assert_contains(ev, "/etc/ssh/sshd_config: PasswordAuthentication no");

    /* FIFOs: refused at once, said so; a regression hangs, so the alarm fails it */
    signal(SIGALRM, on_alarm);
    alarm(20);
    full_path("/etc/shadow", fifo, sizeof fifo);
    make_dir("/etc");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    ev = expect("empty-passwords", MM_AUDIT_UNKNOWN, "not_readable");
    assert_contains(ev,
                    "/etc/shadow: not an ordinary file (a pipe, a device or a socket), not read");
    assert_contains(evidence_ja, "/etc/shadow: 普通のファイルではない（パイプや装置など）");
    remove_file("/etc/ssh/sshd_config");
    put_file("/etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/*.conf\n");
    full_path("/etc/ssh/sshd_config.d/fifo.conf", fifo, sizeof fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    ev = expect("ssh-password-auth", MM_AUDIT_UNKNOWN, "include_refused");
    assert_contains(ev, "/etc/ssh/sshd_config.d/fifo.conf: not an ordinary file");
    full_path("/etc/samba/smb.conf", fifo, sizeof fifo);
    make_dir("/etc/samba");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect("samba-guest", MM_AUDIT_UNKNOWN, "not_readable");
    /* every check over a tree of FIFOs ends */
    static const char *const fifos[] = {
        "/etc/ufw/ufw.conf",    "/etc/nftables.conf", "/var/lib/dpkg/status",
        "/proc/self/mountinfo", "/etc/apt/apt.conf",  "/etc/NetworkManager/system-connections/x"};
    for (size_t i = 0; i < sizeof fifos / sizeof fifos[0]; i++) {
        char dir[1024];
        full_path(fifos[i], fifo, sizeof fifo);
        snprintf(dir, sizeof dir, "%s", fifo);
        *strrchr(dir, '/') = '\0';
        assert_int_equal(mm_mkdir_p(dir, 0755), 0);
        assert_int_equal(mkfifo(fifo, 0600), 0);
    }
    struct mm_audit_report rep;
    assert_int_equal(mm_audit_report_run(&ctx, NULL, 0, &rep), 0);
    mm_audit_report_free(&rep);
    alarm(0);
}

static void test_ssh_root_login(void **state)
{
    (void)state;
    expect("ssh-root-login", MM_AUDIT_PASS, "not_installed");
    put_file("/usr/sbin/sshd", "");
    expect("ssh-root-login", MM_AUDIT_UNKNOWN, "not_readable");
    put_file("/etc/ssh/sshd_config", "# PermitRootLogin yes\n");
    const char *ev = expect("ssh-root-login", MM_AUDIT_PASS, "root_protected");
    assert_contains(ev, "default prohibit-password");
    assert_contains(evidence_ja, "PermitRootLogin: 設定されていません（既定値 prohibit-password）");
    put_file("/etc/ssh/sshd_config", "Port 22\n  PermitRootLogin   yes  # old habit\n");
    ev = expect("ssh-root-login", MM_AUDIT_FAIL, "root_password");
    assert_contains(ev, "/etc/ssh/sshd_config: PermitRootLogin   yes  # old habit");
    assert_contains(evidence_ja, "/etc/ssh/sshd_config: PermitRootLogin   yes  # old habit");
    put_file("/etc/ssh/sshd_config", "PermitRootLogin prohibit-password\nPermitRootLogin yes\n");
    expect("ssh-root-login", MM_AUDIT_PASS, "root_protected");
    /* a Match block letting root in with a password: unknown, not a pass */
    put_file("/etc/ssh/sshd_config", "PermitRootLogin no\nMatch Address 192.168.1.0/24\n"
                                     "  PermitRootLogin yes\n");
    ev = expect("ssh-root-login", MM_AUDIT_UNKNOWN, "match_weaker");
    assert_contains(ev, "Match block (conditional): /etc/ssh/sshd_config: PermitRootLogin yes");
    put_file("/etc/ssh/sshd_config", "Match User admin\n  PermitRootLogin no\n");
    expect("ssh-root-login", MM_AUDIT_PASS, "root_protected");
}

static void test_firewall(void **state)
{
    (void)state;
    const char *ev = expect("firewall", MM_AUDIT_FAIL, "none");
    assert_contains(ev, "no ufw, firewalld, nftables or iptables-persistent setup");
    assert_contains(evidence_ja,
                    "ufw・firewalld・nftables・iptables-persistent のどれも設定されていません");
    /* Debian's stock nftables.conf accepts everything */
    put_file("/etc/nftables.conf", "table inet filter {\n chain input {\n  type filter hook input "
                                   "priority filter;\n }\n}\n");
    put_link("/etc/systemd/system/sysinit.target.wants/nftables.service",
             "/lib/systemd/system/nftables.service");
    ev = expect("firewall", MM_AUDIT_FAIL, "none");
    assert_contains(ev, "accepts all input");
    assert_contains(evidence_ja,
                    "nftables.service: 有効、/etc/nftables.conf: 外からの接続をすべて受け入れます");
    put_file("/etc/nftables.conf", "table inet filter {\n chain input {\n  type filter hook input "
                                   "priority filter; policy drop;\n  ct state established accept\n"
                                   " }\n}\n");
    expect("firewall", MM_AUDIT_PASS, "active");
    fresh_root(NULL);
    put_file("/etc/ufw/ufw.conf", "# comment\nENABLED=no\nLOGLEVEL=low\n");
    ev = expect("firewall", MM_AUDIT_FAIL, "none");
    assert_contains(ev, "ENABLED=no");
    put_file("/etc/ufw/ufw.conf", "ENABLED=yes\n");
    ev = expect("firewall", MM_AUDIT_PASS, "active");
    assert_contains(evidence_ja, "/etc/ufw/ufw.conf: ENABLED=yes\n");
    fresh_root(NULL);
    put_file("/etc/iptables/rules.v4", "*filter\n:INPUT DROP [0:0]\nCOMMIT\n");
    ev = expect("firewall", MM_AUDIT_FAIL, "none");
    assert_contains(ev, "/etc/iptables/rules.v4: drops input, but netfilter-persistent.service is "
                        "not enabled");
    assert_contains(evidence_ja, "/etc/iptables/rules.v4: 外からの接続を遮断しますが、"
                                 "netfilter-persistent.service が有効になっていません");
    put_link("/etc/systemd/system/multi-user.target.wants/netfilter-persistent.service",
             "/lib/systemd/system/netfilter-persistent.service");
    expect("firewall", MM_AUDIT_PASS, "active");
    fresh_root(NULL);
    put_link("/etc/systemd/system/multi-user.target.wants/firewalld.service", "/nowhere");
    ev = expect("firewall", MM_AUDIT_PASS, "active");
    assert_contains(ev, "firewalld.service: enabled\n");
    assert_contains(evidence_ja, "firewalld.service: 有効\n");
}

static void test_samba_guest(void **state)
{
    (void)state;
    expect("samba-guest", MM_AUDIT_PASS, "not_installed");
    assert_contains(evidence_ja, "/etc/samba/smb.conf: ありません\n");
    put_file("/etc/samba/smb.conf",
             "[global]\n   workgroup = WORKGROUP\n   map to guest = bad user\n"
             "[printers]\n   guest ok = yes\n"
             "[office]\n   path = /srv/office\n   valid users = @staff\n"
             "   read only = no\n");
    const char *ev = expect("samba-guest", MM_AUDIT_PASS, "no_guest");
    assert_contains(ev, "1 shares, none open to guests");
    assert_contains(evidence_ja,
                    "/etc/samba/smb.conf: 共有 1 件、ゲストに開いているものはありません");
    put_file("/etc/samba/smb.conf", "[global]\n   workgroup = WORKGROUP\n"
                                    "[public]\n   path = /srv/public\n   Guest OK = Yes\n"
                                    "   read only = no\n"
                                    "; [old]\n"
                                    "[scans]\n   public = yes\n");
    ev = expect("samba-guest", MM_AUDIT_FAIL, "guest_share");
    assert_contains(ev, "[public] guest ok = yes, writable");
    assert_contains(ev, "[scans] guest ok = yes, read only");
    assert_contains(evidence_ja, "[public] guest ok = yes（ゲストが書き込めます）");
    assert_contains(evidence_ja, "[scans] guest ok = yes（ゲストが読めます）");
    /* guest ok in [global] applies to every share that does not say otherwise */
    put_file("/etc/samba/smb.conf", "[global]\n guest ok = yes\n writeable = yes\n"
                                    "[a]\n path = /a\n[b]\n path = /b\n guest ok = no\n");
    ev = expect("samba-guest", MM_AUDIT_FAIL, "guest_share");
    assert_contains(ev, "[a] guest ok = yes, writable");
    assert_null(strstr(ev, "[b]"));
    /* a long Japanese share name (50 characters, 150 bytes) is one share: its
     * two settings add up to "writable", and the name is shown whole */
    char conf[512], want[256];
    const char *name = "営業部共有フォルダー営業部共有フォルダー営業部共有フォルダー"
                       "営業部共有フォルダー営業部共有フォルダー";
    assert_int_equal(strlen(name), 150);
    snprintf(conf, sizeof conf, "[%s]\n guest ok = yes\n read only = no\n", name);
    put_file("/etc/samba/smb.conf", conf);
    ev = expect("samba-guest", MM_AUDIT_FAIL, "guest_share");
    snprintf(want, sizeof want, "[%s] guest ok = yes, writable", name);
    assert_contains(ev, want);
    assert_null(strstr(ev, "read only"));
    /* shares held elsewhere are not read: no pass on this file alone */
    put_file("/etc/samba/smb.conf", "[global]\n   include = /etc/samba/shares.conf\n"
                                    "[office]\n   path = /srv/office\n");
    put_file("/etc/samba/shares.conf", "[open]\n   path = /srv\n   guest ok = yes\n");
    ev = expect("samba-guest", MM_AUDIT_UNKNOWN, "shares_elsewhere");
    assert_contains(ev, "/etc/samba/smb.conf: include = /etc/samba/shares.conf (shares defined "
                        "there were not read)");
    assert_contains(evidence_ja, "/etc/samba/smb.conf: include = /etc/samba/shares.conf（ここで");
    put_file("/etc/samba/smb.conf", "[global]\n   config backend = registry\n");
    ev = expect("samba-guest", MM_AUDIT_UNKNOWN, "shares_elsewhere");
    assert_contains(ev, "config backend = registry");
    put_file("/etc/samba/smb.conf", "[global]\n   usershare max shares = 100\n"
                                    "   usershare allow guests = yes\n");
    ev = expect("samba-guest", MM_AUDIT_UNKNOWN, "shares_elsewhere");
    assert_contains(ev, "up to 100 shares of their own");
    /* usershares that cannot be open to guests (Samba's default) are fine */
    put_file("/etc/samba/smb.conf", "[global]\n   usershare max shares = 100\n");
    expect("samba-guest", MM_AUDIT_PASS, "no_guest");
    /* a guest share here fails whatever else there is */
    put_file("/etc/samba/smb.conf", "[global]\n include = /etc/samba/x.conf\n"
                                    "[pub]\n guest ok = yes\n");
    expect("samba-guest", MM_AUDIT_FAIL, "guest_share");
}

static void test_wifi_security(void **state)
{
    (void)state;
    expect("wifi-security", MM_AUDIT_UNKNOWN, "no_networkmanager");
    put_file("/etc/NetworkManager/system-connections/Wired.nmconnection",
             "[connection]\nid=Wired\ntype=ethernet\n");
    const char *ev = expect("wifi-security", MM_AUDIT_PASS, "no_wifi");
    assert_contains(ev, "no Wi-Fi connection saved");
    assert_contains(
        evidence_ja,
        "/etc/NetworkManager/system-connections: 保存された無線 LAN の接続がありません");
    put_file("/etc/NetworkManager/system-connections/Office.nmconnection",
             "[connection]\nid=Office\ntype=wifi\n[wifi]\nssid=office-5g\n"
             "[wifi-security]\nkey-mgmt=sae\npsk=secret\n");
    expect("wifi-security", MM_AUDIT_PASS, "protected");
    put_file("/etc/NetworkManager/system-connections/Cafe.nmconnection",
             "[connection]\nid=Cafe\ntype=wifi\n[wifi]\nssid=FreeCafe\n");
    put_file("/etc/NetworkManager/system-connections/Old",
             "[connection]\ntype=802-11-wireless\n[802-11-wireless]\nssid=old-ap\n"
             "[802-11-wireless-security]\nkey-mgmt=none\nwep-key0=abcde\n");
    ev = expect("wifi-security", MM_AUDIT_FAIL, "weak");
    assert_contains(ev, "ssid=FreeCafe key-mgmt=(none) (open network)");
    assert_contains(ev, "ssid=old-ap key-mgmt=none (WEP)");
    assert_contains(ev, "ssid=office-5g key-mgmt=sae\n");
    assert_contains(evidence_ja,
                    "ssid=FreeCafe key-mgmt=（なし）（暗号化されていないネットワーク）");
    assert_contains(evidence_ja, "ssid=old-ap key-mgmt=none（WEP: 簡単に破られる古い暗号）");
    assert_contains(evidence_ja, "ssid=office-5g key-mgmt=sae\n");
}

static void test_screen_lock(void **state)
{
    (void)state;
    expect("screen-lock", MM_AUDIT_PASS, "no_desktop");
    assert_contains(evidence_ja, "デスクトップ環境が見つかりません（/usr/bin/gnome-shell など）\n");
    put_file("/usr/bin/xfce4-session", "");
    expect("screen-lock", MM_AUDIT_UNKNOWN, "other_desktop");
    put_file("/usr/bin/gnome-shell", "");
    expect("screen-lock", MM_AUDIT_UNKNOWN, "user_settings");
    put_file("/etc/dconf/db/local.d/00-lock",
             "[org/gnome/desktop/screensaver]\nlock-enabled=false\n");
    expect("screen-lock", MM_AUDIT_FAIL, "disabled");
    put_file("/etc/dconf/db/local.d/00-lock", "[org/gnome/desktop/screensaver]\nlock-enabled=true\n"
                                              "[org/gnome/desktop/session]\nidle-delay=uint32 0\n");
    expect("screen-lock", MM_AUDIT_FAIL, "too_late");
    put_file("/etc/dconf/db/local.d/00-lock",
             "[org/gnome/desktop/screensaver]\nlock-enabled=true\n"
             "[org/gnome/desktop/session]\nidle-delay=uint32 300\n");
    expect("screen-lock", MM_AUDIT_UNKNOWN, "user_settings");
    put_file(
        "/etc/dconf/db/local.d/locks/screensaver",
        "/org/gnome/desktop/screensaver/lock-enabled\n/org/gnome/desktop/session/idle-delay\n");
    const char *ev = expect("screen-lock", MM_AUDIT_PASS, "enforced");
    assert_contains(ev, "idle-delay=uint32 300 (locked)");
    assert_contains(evidence_ja, "/usr/bin/gnome-shell: あります\n");
    assert_contains(evidence_ja, "idle-delay=uint32 300（全員に固定）");
}

static void test_disk_encryption(void **state)
{
    (void)state;
    expect("disk-encryption", MM_AUDIT_UNKNOWN, "no_root_device");
    /* a container: overlay root without a block device */
    put_file("/proc/self/mountinfo", "612 580 0:52 / / rw,relatime - overlay overlay rw\n");
    expect("disk-encryption", MM_AUDIT_UNKNOWN, "no_root_device");
    /* a plain disk partition */
    put_file("/proc/self/mountinfo", "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
                                     "25 22 0:21 / /proc rw - proc proc rw\n");
    make_dir("/sys/dev/block/254:1");
    const char *ev = expect("disk-encryption", MM_AUDIT_FAIL, "not_encrypted");
    assert_contains(ev, "/: ext4 on /dev/vda1 (device 254:1)");
    assert_contains(evidence_ja, "/: ext4（/dev/vda1、デバイス番号 254:1）");
    /* LVM on LUKS: root is an LVM volume whose slave is a dm-crypt device */
    put_file("/proc/self/mountinfo",
             "26 1 253:1 / / rw,relatime shared:1 - ext4 /dev/mapper/vg-root rw\n");
    put_file("/sys/dev/block/253:1/dm/uuid", "LVM-abc\n");
    make_dir("/sys/dev/block/253:1/slaves/dm-0");
    put_file("/sys/class/block/dm-0/dm/uuid", "CRYPT-LUKS2-0123456789abcdef-sda3_crypt\n");
    ev = expect("disk-encryption", MM_AUDIT_PASS, "encrypted");
    assert_contains(ev, "/sys/class/block/dm-0/dm/uuid: CRYPT-LUKS2-");
    assert_contains(evidence_ja, "/sys/class/block/dm-0/dm/uuid: CRYPT-LUKS2-");
    /* btrfs reports device 0:N; found by the mapper name instead */
    put_file("/proc/self/mountinfo",
             "30 1 0:30 /@ / rw shared:1 - btrfs /dev/mapper/cryptroot rw,subvol=/@\n");
    put_file("/sys/block/dm-7/dm/name", "cryptroot\n");
    put_file("/sys/block/dm-7/dm/uuid", "CRYPT-LUKS2-fedcba-cryptroot\n");
    expect("disk-encryption", MM_AUDIT_PASS, "encrypted");
}

/* ---- report and comparison with a diagnosis ---- */

static void test_report_and_diagnosis(void **state)
{
    (void)state;
    /* an SSH server that takes passwords, and no firewall */
    put_file("/etc/ssh/sshd_config", "PermitRootLogin yes\n");
    const char *ids[] = {"ssh-password-auth", "ssh-root-login", "firewall", "samba-guest"};
    struct mm_audit_report rep;
    assert_int_equal(mm_audit_report_run(&ctx, ids, 4, &rep), 0);
    size_t n[3];
    mm_audit_count(&rep, n);
    assert_int_equal(n[MM_AUDIT_PASS], 1);
    assert_int_equal(n[MM_AUDIT_FAIL], 3);

    /* item 3 done (contradicted by both ssh checks), 4 done (root login and
     * firewall), 1 done (no related check ran); the file is read by the CLI */
    uint64_t done = (UINT64_C(1) << 0) | (UINT64_C(1) << 2) | (UINT64_C(1) << 3);
    assert_int_equal(mm_audit_compare(&rep, done, "answers.json"), 0);
    char *s = json_dumps(rep.contradictions, JSON_COMPACT);
    assert_string_equal(s, "[{\"item\":3,\"answer\":\"done\",\"checks\":[\"ssh-password-auth\","
                           "\"ssh-root-login\"]},{\"item\":4,\"answer\":\"done\",\"checks\":["
                           "\"ssh-root-login\",\"firewall\"]}]");
    free(s);
    /* compared again (item 3 now partly): the list is replaced */
    done &= ~(UINT64_C(1) << 2);
    assert_int_equal(mm_audit_compare(&rep, done, "diagnosis.json"), 0);
    assert_int_equal(json_array_size(rep.contradictions), 1);

    struct mm_buf out = MM_BUF_INIT;
    assert_int_equal(mm_audit_write_text(&rep, MM_LANG_JA, &out), 0);
    assert_contains(mm_buf_str(&out), "合格 1 件・不合格 3 件・判定できず 0 件");
    assert_contains(mm_buf_str(&out),
                    "[不合格] SSH での root ログイン（ssh-root-login、診断項目 3、4）");
    assert_contains(mm_buf_str(&out), "根拠: /etc/ssh/sshd_config: PermitRootLogin yes");
    assert_contains(mm_buf_str(&out),
                    "項目 4「重要な情報を見られる人の制限」: 「できている」と回答され"
                    "ていますが、次のチェックが不合格です: 「SSH での root ログイン」"
                    "（ssh-root-login）、「ファイアウォール」（firewall）");
    mm_buf_reset(&out);
    assert_int_equal(mm_audit_write_json(&rep, MM_LANG_EN, &out), 0);
    json_t *doc = json_loads(mm_buf_str(&out), 0, NULL);
    assert_non_null(doc);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(doc, "summary"), "fail")),
                     3);
    json_t *first = json_array_get(json_object_get(doc, "checks"), 0);
    assert_string_equal(json_string_value(json_object_get(first, "id")), "ssh-password-auth");
    assert_string_equal(json_string_value(json_object_get(first, "status")), "fail");
    assert_string_equal(json_string_value(json_object_get(first, "message_key")), "password");
    json_t *contra = json_object_get(json_object_get(doc, "diagnosis"), "contradictions");
    assert_string_equal(json_string_value(json_object_get(json_array_get(contra, 0), "title")),
                        "Limiting who can see important information");
    json_decref(doc);
    mm_buf_free(&out);

    mm_audit_report_free(&rep);

    const char *unknown[] = {"nope"};
    assert_int_equal(mm_audit_report_run(&ctx, unknown, 1, &rep), MM_ENOENT);
    mm_audit_report_free(&rep);
}

int main(void)
{
    if (mm_data_json("audit/checks.json", &texts) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry_and_texts),
        cmocka_unit_test_setup_teardown(test_helpers, fresh_root, cleanup_root),
        cmocka_unit_test(test_ini_reader),
        cmocka_unit_test_setup_teardown(test_apt_updates, fresh_root, cleanup_root),
        cmocka_unit_test(test_debian_vercmp),
        cmocka_unit_test_setup_teardown(test_security_updates, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_unattended_upgrades, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_antivirus, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_empty_passwords, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_ssh_password_auth, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_ssh_root_login, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_firewall, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_samba_guest, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_wifi_security, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_screen_lock, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_disk_encryption, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_inside_root, fresh_root, cleanup_root),
        cmocka_unit_test_setup_teardown(test_report_and_diagnosis, fresh_root, cleanup_root),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(texts);
    return r;
}
