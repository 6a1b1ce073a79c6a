/* SPDX-License-Identifier: Apache-2.0
 * Owns role names and the construction of storage scopes (tenant.h). */
#include "center/tenant.h"

#include <string.h>

#include "core/error.h"

static const char *const role_names[] = {"", "admin", "analyst", "owner", "staff"};

const char *mm_role_name(enum mm_role role)
{
    if ((unsigned)role >= sizeof role_names / sizeof role_names[0])
        return "";
    return role_names[role];
}

int mm_role_parse(const char *s, enum mm_role *out)
{
    *out = MM_ROLE_NONE;
    for (unsigned i = 1; s && i < sizeof role_names / sizeof role_names[0]; i++) {
        if (strcmp(s, role_names[i]) == 0) {
            *out = (enum mm_role)i;
            return 0;
        }
    }
    return MM_EINVAL;
}

bool mm_role_is_vendor(enum mm_role role)
{
    return role == MM_ROLE_ADMIN || role == MM_ROLE_ANALYST;
}

struct mm_scope mm_scope_for(enum mm_role role, int64_t tenant_id)
{
    struct mm_scope s = {.tenant_id = tenant_id, .all_tenants = false};
    if (mm_role_is_vendor(role) && tenant_id == MM_VENDOR_TENANT)
        s.all_tenants = true;
    return s;
}

struct mm_scope mm_scope_tenant(int64_t tenant_id)
{
    struct mm_scope s = {.tenant_id = tenant_id, .all_tenants = false};
    return s;
}

bool mm_scope_allows(const struct mm_scope *scope, int64_t tenant_id)
{
    return scope->all_tenants || scope->tenant_id == tenant_id;
}
