/* SPDX-License-Identifier: Apache-2.0
 * Owns the mapping from MM_E* codes to names and messages (errors.def). */
#include "core/error.h"

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
