/* SPDX-License-Identifier: Apache-2.0
 * Error codes shared by every mamori library function: 0 on success, a
 * negative MM_E* code on failure, mm_strerror() for a message (libuv style). */
#ifndef MM_CORE_ERROR_H
#define MM_CORE_ERROR_H

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

#endif
