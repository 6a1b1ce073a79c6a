/* SPDX-License-Identifier: Apache-2.0
 * Owns the small helpers the desk's handlers share (api/desk-api.h): who
 * the caller is for the desk (vendor or SME, the author of a change) and a
 * 4xx reply that also returns MM_EPARSE. */
#include "center/api/desk-api.h"

#include "core/error.h"

bool mm_desk_is_vendor(const struct mm_request *req)
{
    return mm_role_is_vendor(req->who.user.role);
}

int mm_desk_fail(struct mm_request *req, int status, const char *code, const char *detail)
{
    mm_reply_error(req, status, code, detail);
    return MM_EPARSE;
}

struct mm_author mm_desk_author(const struct mm_request *req)
{
    struct mm_author a = {req->who.user.id, req->who.user.email, req->who.user.role};
    return a;
}
