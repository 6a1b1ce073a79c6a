/* SPDX-License-Identifier: Apache-2.0
 * Owns the rules for the names people give tenants and sensors, which the
 * web UI, the reports and the vendor's mails show: no control characters
 * (C0, DEL, C1) and no Unicode bidi formatting characters, which would let
 * a name hide or reorder text around it (mm_name_plain); and when two
 * tenant names count as the same (mm_tenant_name_same: ASCII letters in
 * any case and full-width ASCII forms read as their ASCII ones). */
#include <stdlib.h>
#include <string.h>

#include "center/tenant.h"
#include "core/str.h"

bool mm_name_plain(const char *s)
{
    /* byte by byte: what mm_text_control_len matches starts with an ASCII
     * or a lead byte, never with a continuation byte */
    for (; *s; s++)
        if (mm_text_control_len(s) != 0)
            return false;
    return true;
}

/* name as compared: full-width ASCII forms and the ideographic space as
 * ASCII (mm_str_fold_fullwidth), ASCII letters in lower case; NULL when
 * out of memory. */
static char *folded(const char *name)
{
    char *s = strdup(name);
    return s ? mm_str_lower(mm_str_fold_fullwidth(s)) : NULL;
}

bool mm_tenant_name_same(const char *a, const char *b)
{
    char *x = folded(a), *y = folded(b);
    bool same = !x || !y || strcmp(x, y) == 0; /* out of memory: taken, refused */
    free(x);
    free(y);
    return same;
}
