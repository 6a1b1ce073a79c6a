/* SPDX-License-Identifier: Apache-2.0
 * The web UI's static files: GET and HEAD requests outside /api/ are
 * answered from the assets embedded at build time under data/web/ ("/" is
 * index.html). */
#ifndef MM_CENTER_STATIC_H
#define MM_CENTER_STATIC_H

#include <stdbool.h>

#include "center/http.h"

/* The Content-Security-Policy sent with every reply: only the centre's own
 * scripts, styles and images; no framing; forms and <base> locked down. */
#define MM_CSP                                                                                     \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "                 \
    "frame-ancestors 'none'"

/* If req names an embedded web asset, sets the reply and returns true:
 * for GET and HEAD 200 with the content type by extension, for any other
 * method 405 with "Allow: GET, HEAD". Returns false, leaving req untouched,
 * for /api/ paths and unknown files. */
bool mm_static_serve(struct mm_request *req);

#endif
