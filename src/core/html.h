/* SPDX-License-Identifier: Apache-2.0
 * Documents for people: Markdown to HTML (cmark, raw HTML disabled) and a
 * complete print-ready HTML5 page (A4 print CSS from data/css/print.css). */
#ifndef MM_CORE_HTML_H
#define MM_CORE_HTML_H

#include <stddef.h>

#include "core/buf.h"
#include "core/i18n.h"

/* Converts UTF-8 Markdown to an HTML fragment. *out is malloc'd (free() it).
 * Raw HTML in the input is replaced by a comment (CMARK_OPT_SAFE semantics). */
int mm_markdown_to_html(const char *md, size_t len, char **out);

/* Appends the text inside the document's <style> element (what a
 * Content-Security-Policy hash of that style covers): a newline, the
 * shared print CSS and extra_css (NULL: none). */
int mm_html_style_text(struct mm_buf *out, const char *extra_css);

/* Appends a whole HTML5 document: <html lang>, <title> (escaped), the shared
 * print CSS, optional extra_css, and body_html as given (already HTML). */
int mm_html_document(struct mm_buf *out, enum mm_lang lang, const char *title,
                     const char *body_html, const char *extra_css);

/* The same with head_html (trusted HTML, NULL: none) at the end of <head>:
 * the centre's reports link their icon there (browsers read icons only from
 * the head). */
int mm_html_document_head(struct mm_buf *out, enum mm_lang lang, const char *title,
                          const char *head_html, const char *body_html, const char *extra_css);

#endif
