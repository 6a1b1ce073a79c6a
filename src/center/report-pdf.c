/* SPDX-License-Identifier: Apache-2.0
 * Owns the PDF form of the reports: the report's Markdown (the small subset
 * our templates produce: # and ## headings, "- " items, "---" rules,
 * paragraphs, **bold**, backslash escapes, hard breaks) laid out with Pango
 * on A4 pages of a cairo PDF surface, in Noto Sans CJK so Japanese prints.
 * Built only when pangocairo is found (report-pdf.cmake defines
 * MM_HAVE_PDF); otherwise mm_report_pdf answers MM_EUNSUPPORTED. */
#include "center/report.h"

#include "core/error.h"

#ifndef MM_HAVE_PDF

bool mm_report_pdf_available(void)
{
    return false;
}

int mm_report_pdf(const char *md, enum mm_lang lang, const char *title, struct mm_buf *out)
{
    (void)md, (void)lang, (void)title, (void)out;
    return MM_EUNSUPPORTED;
}

#else

#include <cairo-pdf.h>
#include <pango/pangocairo.h>
#include <pthread.h>
#include <string.h>

#define PT_PER_MM   (72.0 / 25.4)
#define PAGE_W      (210.0 * PT_PER_MM)
#define PAGE_H      (297.0 * PT_PER_MM)
#define MARGIN      (20.0 * PT_PER_MM)
#define PDF_MAX     (16u * 1024 * 1024) /* a report never needs more */
#define FONT_FAMILY "Noto Sans CJK JP"

bool mm_report_pdf_available(void)
{
    return true;
}

/* Pango and fontconfig set-up is shared state (and the font map is kept):
 * one render at a time. */
static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;

enum block_kind { BLOCK_H1, BLOCK_H2, BLOCK_ITEM, BLOCK_PARA, BLOCK_RULE };

struct page {
    cairo_t *cr;
    PangoContext *pc;
    double y;
    int r;
};

static cairo_status_t write_pdf(void *closure, const unsigned char *data, unsigned int len)
{
    struct mm_buf *out = closure;
    if (out->len + len > PDF_MAX || mm_buf_append(out, data, len) != 0)
        return CAIRO_STATUS_WRITE_ERROR;
    return CAIRO_STATUS_SUCCESS;
}

/* Appends Markdown inline text as Pango markup: escapes, **bold**, and the
 * backslash escapes of mm_report_md_escape. */
static int inline_markup(struct mm_buf *b, const char *s, size_t n)
{
    bool bold = false;
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n && s[i + 1] != '\n') {
            c = s[++i];
        } else if (c == '*' && i + 1 < n && s[i + 1] == '*') {
            r = mm_buf_puts(b, bold ? "</b>" : "<b>");
            bold = !bold;
            i++;
            continue;
        }
        if ((unsigned char)c < 0x20 && c != '\n' && c != '\t')
            continue; /* not allowed in markup (XML) */
        if (c == '&')
            r = mm_buf_puts(b, "&amp;");
        else if (c == '<')
            r = mm_buf_puts(b, "&lt;");
        else if (c == '>')
            r = mm_buf_puts(b, "&gt;");
        else
            r = mm_buf_putc(b, c);
    }
    if (r == 0 && bold)
        r = mm_buf_puts(b, "</b>");
    return r;
}

static void new_page(struct page *p)
{
    cairo_show_page(p->cr);
    p->y = MARGIN;
}

static void draw_rule(struct page *p)
{
    if (p->y + 12 > PAGE_H - MARGIN)
        new_page(p);
    cairo_set_line_width(p->cr, 0.5);
    cairo_move_to(p->cr, MARGIN, p->y + 6);
    cairo_line_to(p->cr, PAGE_W - MARGIN, p->y + 6);
    cairo_stroke(p->cr);
    p->y += 12;
}

/* Lays out one block and draws it line by line, starting a new page when a
 * line does not fit. */
static void draw_block(struct page *p, enum block_kind kind, const char *markup)
{
    static const double size[] = {17, 12.5, 10, 10};
    static const double before[] = {0, 10, 1, 5};
    double indent = kind == BLOCK_ITEM ? 14 : 0;
    PangoLayout *layout = pango_layout_new(p->pc);
    PangoFontDescription *fd = pango_font_description_from_string(FONT_FAMILY);
    pango_font_description_set_size(fd, (gint)(size[kind] * PANGO_SCALE));
    if (kind == BLOCK_H1 || kind == BLOCK_H2)
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    pango_layout_set_font_description(layout, fd);
    pango_layout_set_width(layout, (int)((PAGE_W - 2 * MARGIN - indent) * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    /* Checked first: pango_layout_set_markup would warn on stderr. */
    if (pango_parse_markup(markup, -1, 0, NULL, NULL, NULL, NULL))
        pango_layout_set_markup(layout, markup, -1);
    else
        pango_layout_set_text(layout, markup, -1);
    p->y += before[kind];
    if (kind == BLOCK_ITEM) {
        cairo_move_to(p->cr, MARGIN + 4, p->y);
    }
    PangoLayoutIter *it = pango_layout_get_iter(layout);
    bool first = true;
    do {
        PangoRectangle logical;
        pango_layout_iter_get_line_extents(it, NULL, &logical);
        double h = (double)logical.height / PANGO_SCALE;
        int baseline = pango_layout_iter_get_baseline(it) - logical.y;
        if (p->y + h > PAGE_H - MARGIN)
            new_page(p);
        if (first && kind == BLOCK_ITEM) {
            cairo_move_to(p->cr, MARGIN + 3, p->y + (double)baseline / PANGO_SCALE);
            cairo_show_text(p->cr, "\xE2\x80\xA2");
        }
        cairo_move_to(p->cr, MARGIN + indent, p->y + (double)baseline / PANGO_SCALE);
        pango_cairo_show_layout_line(p->cr, pango_layout_iter_get_line_readonly(it));
        p->y += h;
        first = false;
    } while (pango_layout_iter_next_line(it));
    pango_layout_iter_free(it);
    pango_font_description_free(fd);
    g_object_unref(layout);
    p->y += kind == BLOCK_H1 ? 6 : 2;
}

/* Emits the pending paragraph (if any) and empties it. */
static int flush_para(struct page *p, struct mm_buf *para)
{
    if (para->len == 0)
        return 0;
    struct mm_buf m;
    mm_buf_init(&m);
    int r = inline_markup(&m, para->data, para->len);
    if (r == 0)
        draw_block(p, BLOCK_PARA, m.data);
    mm_buf_free(&m);
    mm_buf_reset(para);
    return r;
}

/* One Markdown line: a heading, an item or a rule is drawn at once; other
 * lines join the paragraph (a trailing double space is a hard break). */
static int draw_line(struct page *p, struct mm_buf *para, const char *line, size_t n)
{
    enum block_kind kind = BLOCK_PARA;
    size_t skip = 0;
    if (n >= 2 && memcmp(line, "# ", 2) == 0)
        kind = BLOCK_H1, skip = 2;
    else if (n >= 3 && memcmp(line, "## ", 3) == 0)
        kind = BLOCK_H2, skip = 3;
    else if (n >= 2 && memcmp(line, "- ", 2) == 0)
        kind = BLOCK_ITEM, skip = 2;
    else if (n == 3 && memcmp(line, "---", 3) == 0)
        kind = BLOCK_RULE;
    int r = 0;
    if (kind != BLOCK_PARA || n == 0)
        r = flush_para(p, para);
    if (r != 0 || n == 0)
        return r;
    if (kind == BLOCK_RULE) {
        draw_rule(p);
        return 0;
    }
    if (kind == BLOCK_PARA) {
        bool hard = n >= 2 && line[n - 1] == ' ' && line[n - 2] == ' ';
        if (para->len && para->data[para->len - 1] != '\n')
            r = mm_buf_putc(para, ' ');
        if (r == 0)
            r = mm_buf_append(para, line, hard ? n - 2 : n);
        return r == 0 && hard ? mm_buf_putc(para, '\n') : r;
    }
    struct mm_buf m;
    mm_buf_init(&m);
    r = inline_markup(&m, line + skip, n - skip);
    if (r == 0)
        draw_block(p, kind, m.data);
    mm_buf_free(&m);
    return r;
}

static int render(cairo_t *cr, const char *md)
{
    struct page p = {cr, NULL, MARGIN, 0};
    struct mm_buf para;
    /* One font map for the process (under render_lock): loading the fonts
     * is the slow part of a render. */
    static PangoFontMap *fm;
    if (!fm)
        fm = pango_cairo_font_map_new();
    p.pc = pango_font_map_create_context(fm);
    pango_cairo_update_context(cr, p.pc);
    cairo_select_font_face(cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 10);
    mm_buf_init(&para);
    int r = 0;
    for (const char *s = md; r == 0 && *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        r = draw_line(&p, &para, s, n);
        s += n + (nl ? 1 : 0);
    }
    if (r == 0)
        r = flush_para(&p, &para);
    mm_buf_free(&para);
    g_object_unref(p.pc);
    return r;
}

int mm_report_pdf(const char *md, enum mm_lang lang, const char *title, struct mm_buf *out)
{
    (void)lang;
    pthread_mutex_lock(&render_lock);
    cairo_surface_t *s = cairo_pdf_surface_create_for_stream(write_pdf, out, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "mamori-center");
    cairo_t *cr = cairo_create(s);
    int r = render(cr, md);
    cairo_destroy(cr);
    cairo_surface_finish(s);
    if (r == 0 && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
        r = MM_EIO;
    cairo_surface_destroy(s);
    pthread_mutex_unlock(&render_lock);
    return r;
}

#endif
