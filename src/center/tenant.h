/* SPDX-License-Identifier: Apache-2.0
 * Tenancy: roles, the vendor tenant (0) and the scope every tenant-scoped
 * storage operation takes. An SME caller's scope is exactly its own tenant;
 * only vendor roles (admin, analyst) get a scope spanning all tenants, and
 * only mm_scope_for() hands one out. */
#ifndef MM_CENTER_TENANT_H
#define MM_CENTER_TENANT_H

#include <stdbool.h>
#include <stdint.h>

/* The vendor running the centre is tenant 0; vendor users belong to it. */
#define MM_VENDOR_TENANT 0

enum mm_role {
    MM_ROLE_NONE = 0,
    MM_ROLE_ADMIN,   /* vendor: everything */
    MM_ROLE_ANALYST, /* vendor: read all tenants, triage alerts */
    MM_ROLE_OWNER,   /* SME: own tenant, manages its users and settings */
    MM_ROLE_STAFF,   /* SME: own tenant, read */
};

struct mm_scope {
    int64_t tenant_id; /* the tenant the caller belongs to */
    bool all_tenants;  /* vendor roles only: every tenant is visible */
};

const char *mm_role_name(enum mm_role role);
/* Parses "admin", "analyst", "owner", "staff"; MM_EINVAL otherwise. */
int mm_role_parse(const char *s, enum mm_role *out);
bool mm_role_is_vendor(enum mm_role role);

/* The scope of a caller with this role in this tenant: vendor roles see all
 * tenants, SME roles only their own. */
struct mm_scope mm_scope_for(enum mm_role role, int64_t tenant_id);
/* A scope limited to one tenant (for internal work done on its behalf). */
struct mm_scope mm_scope_tenant(int64_t tenant_id);
/* True when rows of tenant_id are visible in scope. */
bool mm_scope_allows(const struct mm_scope *scope, int64_t tenant_id);

/* names.c: true when s (UTF-8) holds no control character (C0, DEL, C1) and
 * no bidi formatting character (U+061C, U+200E/F, U+202A-202E,
 * U+2066-2069): what a tenant's or a sensor's name may hold. */
bool mm_name_plain(const char *s);
/* True when two tenant names count as the same: equal once ASCII letters are
 * read in one case and full-width ASCII forms (and the ideographic space) as
 * their ASCII ones ("ACME" = "acme" = "ＡＣＭＥ"). */
bool mm_tenant_name_same(const char *a, const char *b);

#endif
