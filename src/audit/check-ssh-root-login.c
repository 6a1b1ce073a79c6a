/* SPDX-License-Identifier: Apache-2.0
 * Check "ssh-root-login" (diagnosis items 3 and 4): may the all-powerful
 * root account log in over SSH with a password? Fails on PermitRootLogin
 * yes; OpenSSH's default when unset is prohibit-password (keys only), which
 * passes, as do no, prohibit-password, without-password and
 * forced-commands-only. No SSH server installed passes. A Match block with
 * PermitRootLogin yes makes a pass unknown. */
#include "audit/audit-sshd.h"
#include "core/error.h"

#include <string.h>

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    struct mm__sshd_setting s = {.keyword = "PermitRootLogin", .weak = "yes"};
    struct mm__sshd_info info;
    bool decided;
    int r = mm__sshd_begin(ctx, res, &s, 1, &info, &decided);
    if (r != 0 || decided)
        return r;
    r = s.found ? mm__audit_evidence(res, "evidence.fact", s.where)
                : mm__audit_evidence(res, "evidence.not_set_default", "PermitRootLogin",
                                     "prohibit-password");
    if (r == 0 && info.saw_match)
        r = mm__audit_evidence(res, "evidence.sshd_match");
    if (r != 0)
        return r;
    if (s.found && strcmp(s.value, "yes") == 0)
        return mm__audit_set(res, MM_AUDIT_FAIL, "root_password");
    mm__audit_set(res, MM_AUDIT_PASS, "root_protected");
    return mm__sshd_match_end(res, &s, 1); /* unknown when a Match block says yes */
}

const struct mm_check mm_check_ssh_root_login = {
    .id = "ssh-root-login",
    .items = {3, 4},
    .run = run,
};
