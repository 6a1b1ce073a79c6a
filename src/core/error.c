/* SPDX-License-Identifier: Apache-2.0
 * Owns the mapping from MM_E* codes to names and messages (errors.def), from
 * errno to codes, and which codes' texts carry a next step. */
#include "core/error.h"

#include <errno.h>

const char *mm_strerror(int code)
{
    switch (code) {
    case MM_OK:
        return "success";
#define MM_ERR(name, value, msg)                                                                   \
    case value:                                                                                    \
        return msg;
#include "core/errors.def"
#undef MM_ERR
    }
    return "unknown error";
}

const char *mm_errname(int code)
{
    switch (code) {
    case MM_OK:
        return "OK";
#define MM_ERR(name, value, msg)                                                                   \
    case value:                                                                                    \
        return #name;
#include "core/errors.def"
#undef MM_ERR
    }
    return "EUNKNOWN";
}

int mm_error_from_errno(int e)
{
    switch (e) {
    case ENOENT:
        return MM_ENOENT;
    case EACCES:
    case EPERM:
        return MM_EPERM;
    case ENOMEM:
        return MM_ENOMEM;
    case EEXIST:
        return MM_EEXIST;
    case EISDIR: /* a folder given where a file is wanted */
        return MM_EISDIR;
    case ENOTDIR: /* a file given (or in the path) where a folder is wanted */
        return MM_ENOTDIR;
    case ENOSPC:
    case EDQUOT:
        return MM_ENOSPC;
    case EROFS:
        return MM_EROFS;
    case ENAMETOOLONG:
        return MM_ENAMETOOLONG;
    case ELOOP: /* too many symbolic links, or a loop of them */
        return MM_ELOOP;
    case EFBIG: /* past the file size limit (RLIMIT_FSIZE, the file system's largest file) */
        return MM_EFBIG;
    default:
        return MM_EIO;
    }
}

bool mm_error_has_step(int code)
{
    /* the texts in errors.json written as "reason; step" (test-core-msg
     * checks this list against them) */
    switch (code) {
    case MM_EAGAIN:
    case MM_EISDIR:
    case MM_ENOSPC:
    case MM_EROFS:
    case MM_ENOTDIR:
    case MM_ENAMETOOLONG:
    case MM_ELOOP:
    case MM_EFBIG:
    case MM_EDBBUSY:
    case MM_ESYMLINK:
        return true;
    default:
        return false;
    }
}
