/* SPDX-License-Identifier: Apache-2.0
 * Error codes shared by every mamori library function: 0 on success, a
 * negative MM_E* code on failure, mm_strerror() for a message (libuv style). */
#ifndef MM_CORE_ERROR_H
#define MM_CORE_ERROR_H

#include <stdbool.h>

enum {
    MM_OK = 0,
#define MM_ERR(name, value, msg) MM_##name = (value),
#include "core/errors.def"
#undef MM_ERR
};

/* Returns a static English message for an MM_E* code (or "unknown error"). */
const char *mm_strerror(int code);

/* Returns the symbolic name ("EINVAL") for an MM_E* code, for logs and JSON. */
const char *mm_errname(int code);

/* The MM_E* code for a failed system call's errno, the one mapping every
 * file operation uses: ENOENT -> MM_ENOENT, EACCES and EPERM -> MM_EPERM,
 * ENOMEM, EEXIST, EISDIR, ENOTDIR -> theirs, ENOSPC and EDQUOT ->
 * MM_ENOSPC, EROFS -> MM_EROFS, ENAMETOOLONG -> MM_ENAMETOOLONG, ELOOP ->
 * MM_ELOOP, EFBIG -> MM_EFBIG, anything else MM_EIO (0 included). A
 * caller that means something else by one of them (a missing file and a
 * path through a file are both "not there" to the audit) says so beside
 * its call. */
int mm_error_from_errno(int e);

/* Whether the code's text for a person (data/i18n/errors.json, as
 * mm_msg_strerror gives it) ends with a next step of its own ("there is a
 * file where a directory should be; check the path"). A message that would
 * add its own step after the text uses a variant without one then, so it
 * ends with exactly one next step (docs/design/messages.md). */
bool mm_error_has_step(int code);

#endif
