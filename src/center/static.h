/* SPDX-License-Identifier: Apache-2.0
 * The web UI's static files: GET and HEAD requests outside /api/ are
 * answered from the assets embedded at build time under data/web/ ("/" is
 * index.html). */
#ifndef MM_CENTER_STATIC_H
#define MM_CENTER_STATIC_H

#include <stdbool.h>

#include "center/http.h"

/* The Content-Security-Policy sent with every reply: only the centre's own
 * scripts, styles and images, plus the one inline style a report page
 * carries for its saved copy (mm_html_document's print CSS, allowed by its
 * SHA-256); no framing; forms and <base> locked down. Built once. */
const char *mm_csp(void);

/* If req names an embedded web asset, sets the reply and returns true:
 * for GET and HEAD 200 with the content type by extension, for any other
 * method 405 with "Allow: GET, HEAD". Returns false, leaving req untouched,
 * for /api/ paths and unknown files. */
bool mm_static_serve(struct mm_request *req);

#endif
