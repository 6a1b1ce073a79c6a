/* SPDX-License-Identifier: Apache-2.0
 * Reading the OpenSSH server configuration for the ssh-* checks: the first
 * value of a keyword in the global part of /etc/ssh/sshd_config and the files
 * it includes, as sshd itself takes it, and the values Match blocks set. */
#ifndef MM_AUDIT_SSHD_H
#define MM_AUDIT_SSHD_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/audit.h"

struct mm__sshd_setting {
    const char *keyword; /* in: e.g. "PasswordAuthentication" */
    const char *weak;    /* in: the value that opens the door ("yes"), or NULL */
    bool found;
    char value[64];  /* first value in the global part, lower-cased */
    char where[600]; /* "file: line" */
    bool match_weak; /* a Match block sets the weak value */
    char match_where[600];
};

/* What else reading found. */
struct mm__sshd_info {
    bool saw_match; /* a Match block */
    int refused;    /* 0, or why an Include was not read: MM_ERANGE, MM_ENOTREG */
    char refused_path[300];
};

/* Fills each setting from sshd_config. Returns 0, MM_ENOENT when there is no
 * sshd_config, MM_EPERM when it cannot be read, or MM_ENOMEM. A Match block
 * lasts to the next Match or the end of its file (an included file inherits
 * it); its settings are conditional, so they never count as the global value,
 * but one setting a weak value is noted (match_weak). An Include outside the
 * root or of a FIFO is not read and noted in info. */
int mm__sshd_read(const struct mm_audit_ctx *ctx, struct mm__sshd_setting *settings, size_t n,
                  struct mm__sshd_info *info);

/* True when an OpenSSH server is installed (program or configuration). */
bool mm__sshd_installed(const struct mm_audit_ctx *ctx);

/* The common start of the ssh-* checks. With no SSH server installed, or a
 * configuration that cannot be read, records the evidence and the result
 * (pass "not_installed", unknown "not_readable") and sets *decided; an
 * Include that was refused is unknown "include_refused" (its settings could
 * decide), decided too. Else fills settings as mm__sshd_read does. Returns 0
 * or MM_ENOMEM. */
int mm__sshd_begin(const struct mm_audit_ctx *ctx, struct mm_audit_result *res,
                   struct mm__sshd_setting *settings, size_t n, struct mm__sshd_info *info,
                   bool *decided);
/* The end of the ssh-* checks: when a Match block sets one of settings to its
 * weak value and the global result passes, says so (evidence per setting)
 * and makes the result unknown "match_weaker": the block's conditions (users,
 * addresses) cannot be judged from files. Returns 0 or MM_ENOMEM. */
int mm__sshd_match_end(struct mm_audit_result *res, const struct mm__sshd_setting *settings,
                       size_t n);

#endif
