/* SPDX-License-Identifier: Apache-2.0
 * Reading the OpenSSH server configuration for the ssh-* checks: the first
 * value of a keyword in the global part of /etc/ssh/sshd_config and the files
 * it includes, as sshd itself takes it. */
#ifndef MM_AUDIT_SSHD_H
#define MM_AUDIT_SSHD_H

#include <stdbool.h>
#include <stddef.h>

#include "audit/audit.h"

struct mm__sshd_setting {
    const char *keyword; /* in: e.g. "PasswordAuthentication" */
    bool found;
    char value[64];  /* first value, lower-cased */
    char where[600]; /* "file: line" */
};

/* Fills each setting from sshd_config. Returns 0, MM_ENOENT when there is no
 * sshd_config, MM_EPERM when it cannot be read, or MM_ENOMEM. Match blocks
 * end a file's global part (their conditional settings are not applied);
 * *saw_match tells whether one was seen. */
int mm__sshd_read(const struct mm_audit_ctx *ctx, struct mm__sshd_setting *settings, size_t n,
                  bool *saw_match);

/* True when an OpenSSH server is installed (program or configuration). */
bool mm__sshd_installed(const struct mm_audit_ctx *ctx);

/* The common start of the ssh-* checks. With no SSH server installed, or a
 * configuration that cannot be read, records the evidence and the result
 * (pass "not_installed", unknown "not_readable") and sets *decided; else
 * fills settings as mm__sshd_read does. Returns 0 or MM_ENOMEM. */
int mm__sshd_begin(const struct mm_audit_ctx *ctx, struct mm_audit_result *res,
                   struct mm__sshd_setting *settings, size_t n, bool *saw_match, bool *decided);

#endif
