/* SPDX-License-Identifier: Apache-2.0
 * Check "empty-passwords" (diagnosis item 3): does any account log in with
 * no password at all? Reads /etc/shadow (root only): an empty second field
 * means no password is asked. Locked accounts ("!", "*") are fine. Run
 * without the right to read it, the answer is unknown. */
#include "audit/audit.h"
#include "core/error.h"

#include <stdlib.h>
#include <string.h>

#define SHADOW_MAX (4 * 1024 * 1024)

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    char *text;
    size_t len;
    int r = mm__audit_read(ctx, "/etc/shadow", SHADOW_MAX, &text, &len);
    if (r == MM_ENOMEM)
        return r;
    if (r != 0) {
        r = mm__audit_evidence(
            res, r == MM_ENOENT ? "evidence.missing" : mm__audit_read_error_key(r), "/etc/shadow");
        return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "not_readable");
    }
    const char *p = text;
    char line[1024];
    size_t empty = 0, accounts = 0;
    while (r == 0 && mm__audit_next_line(&p, line, sizeof line)) {
        char *colon = strchr(line, ':');
        if (!colon || line[0] == '#')
            continue;
        accounts++;
        if (colon[1] == ':' || colon[1] == '\0') {
            *colon = '\0';
            empty++;
            r = mm__audit_evidence(res, "evidence.empty_password", "/etc/shadow", line);
        }
    }
    free(text);
    if (r == 0 && empty == 0)
        r = mm__audit_evidence(res, "evidence.no_empty_password", "/etc/shadow", accounts);
    if (r != 0)
        return r;
    return empty ? mm__audit_set(res, MM_AUDIT_FAIL, "empty")
                 : mm__audit_set(res, MM_AUDIT_PASS, "none_empty");
}

const struct mm_check mm_check_empty_passwords = {
    .id = "empty-passwords",
    .items = {3},
    .run = run,
};
