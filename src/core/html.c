/* SPDX-License-Identifier: Apache-2.0
 * Owns Markdown rendering and the common HTML document frame. */
#include "core/html.h"
#include "core/data.h"
#include "core/error.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

/* Before 0.29 cmark's default kept raw HTML and javascript: links (it had
 * CMARK_OPT_SAFE to drop them); from 0.29 the default drops them. */
#if CMARK_VERSION < ((0 << 16) | (29 << 8))
#error "mamori needs cmark 0.29 or newer: older ones keep raw HTML and javascript: links"
#endif

int mm_markdown_to_html(const char *md, size_t len, char **out)
{
    *out = NULL;
    /* CMARK_OPT_UNSAFE is not set, so raw HTML and javascript: links are dropped. */
    char *html = cmark_markdown_to_html(md, len, CMARK_OPT_DEFAULT | CMARK_OPT_SMART);
    if (!html)
        return MM_ENOMEM;
    *out = html;
    return 0;
}

int mm_html_style_text(struct mm_buf *out, const char *extra_css)
{
    const unsigned char *css = (const unsigned char *)"";
    size_t csslen = 0;
    mm_data_find("css/print.css", &css, &csslen);
    int r = mm_buf_puts(out, "\n");
    if (r == 0)
        r = mm_buf_append(out, css, csslen);
    if (r == 0 && extra_css)
        r = mm_buf_puts(out, extra_css);
    return r;
}

int mm_html_document(struct mm_buf *out, enum mm_lang lang, const char *title,
                     const char *body_html, const char *extra_css)
{
    return mm_html_document_head(out, lang, title, NULL, body_html, extra_css);
}

int mm_html_document_head(struct mm_buf *out, enum mm_lang lang, const char *title,
                          const char *head_html, const char *body_html, const char *extra_css)
{
    int r = mm_buf_printf(out,
                          "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, "
                          "initial-scale=1\">\n<title>",
                          mm_lang_code(lang));
    if (r == 0)
        r = mm_buf_html_escape(out, title);
    if (r == 0)
        r = mm_buf_puts(out, "</title>\n<style>");
    if (r == 0)
        r = mm_html_style_text(out, extra_css);
    if (r == 0)
        r = mm_buf_puts(out, "</style>\n");
    if (r == 0 && head_html)
        r = mm_buf_puts(out, head_html);
    if (r == 0)
        r = mm_buf_puts(out, "</head>\n<body>\n<main>\n");
    if (r == 0)
        r = mm_buf_puts(out, body_html);
    if (r == 0)
        r = mm_buf_puts(out, "</main>\n</body>\n</html>\n");
    return r;
}
