/* SPDX-License-Identifier: Apache-2.0
 * Check "ssh-password-auth" (diagnosis item 3): may people log in to the
 * SSH server with just a password? Password logins are what attackers guess
 * at all day; keys cannot be guessed. Fails when PasswordAuthentication is
 * yes (OpenSSH's default when unset), or when keyboard-interactive login
 * (KbdInteractiveAuthentication, formerly ChallengeResponseAuthentication,
 * default yes) is on together with UsePAM, which asks for the password too.
 * No SSH server installed passes: nothing to log in to. A Match block that
 * turns one of them back on for some connections makes a pass unknown. */
#include "audit/audit-sshd.h"
#include "core/error.h"

#include <string.h>

enum { PASSWORD, KBD, CHALLENGE, USEPAM, NSETTINGS };

static int note(struct mm_audit_result *res, const struct mm__sshd_setting *s, const char *dflt)
{
    if (s->found)
        return mm__audit_evidence(res, "evidence.fact", s->where);
    return mm__audit_evidence(res, "evidence.not_set_default", s->keyword, dflt);
}

static bool is_yes(const struct mm__sshd_setting *s, bool dflt)
{
    return s->found ? strcmp(s->value, "yes") == 0 : dflt;
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    struct mm__sshd_setting s[NSETTINGS] = {
        {.keyword = "PasswordAuthentication", .weak = "yes"},
        {.keyword = "KbdInteractiveAuthentication", .weak = "yes"},
        {.keyword = "ChallengeResponseAuthentication", .weak = "yes"},
        {.keyword = "UsePAM"}};
    struct mm__sshd_info info;
    bool decided;
    int r = mm__sshd_begin(ctx, res, s, NSETTINGS, &info, &decided);
    if (r != 0 || decided)
        return r;
    /* the older name counts when the newer one is absent */
    const struct mm__sshd_setting *kbd = s[KBD].found ? &s[KBD] : &s[CHALLENGE];
    if (!kbd->found)
        kbd = &s[KBD];
    bool password = is_yes(&s[PASSWORD], true);
    bool pam_prompt = is_yes(kbd, true) && is_yes(&s[USEPAM], false);
    r = note(res, &s[PASSWORD], "yes");
    if (r == 0)
        r = note(res, kbd, "yes");
    if (r == 0)
        r = note(res, &s[USEPAM], "no");
    if (r == 0 && info.saw_match)
        r = mm__audit_evidence(res, "evidence.sshd_match");
    if (r != 0)
        return r;
    if (password)
        return mm__audit_set(res, MM_AUDIT_FAIL, "password");
    if (pam_prompt)
        return mm__audit_set(res, MM_AUDIT_FAIL, "keyboard_interactive");
    mm__audit_set(res, MM_AUDIT_PASS, "keys_only");
    /* a Match block turning password or (with PAM) keyboard-interactive login back on */
    r = mm__sshd_match_end(res, &s[PASSWORD], 1);
    if (r == 0 && is_yes(&s[USEPAM], false))
        r = mm__sshd_match_end(res, &s[KBD], 2);
    return r;
}

const struct mm_check mm_check_ssh_password_auth = {
    .id = "ssh-password-auth",
    .items = {3},
    .run = run,
};
