/* SPDX-License-Identifier: Apache-2.0
 * Owns the policy template engine: placeholders, {{#if}}/{{#unless}} blocks
 * with {{else}}, comments and standalone-line trimming (see policy-template.h). */
#include "assess/policy-template.h"
#include "core/error.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Longest variable name accepted inside a tag. */
#define TPL_NAME_MAX 64

enum tag_kind { TAG_VAR, TAG_IF, TAG_UNLESS, TAG_ELSE, TAG_END_IF, TAG_END_UNLESS, TAG_COMMENT };

struct tpl {
    const char *start, *p, *end;
    const json_t *vars;
    struct mm_buf *out;
    char *err;
    size_t errlen;
};

struct tag {
    enum tag_kind kind;
    char name[TPL_NAME_MAX + 1];
    const char *open;  /* the first '{' */
    const char *close; /* just past the closing "}}" */
};

static int line_of(const struct tpl *t, const char *at)
{
    int line = 1;
    for (const char *q = t->start; q < at; q++)
        line += *q == '\n';
    return line;
}

static int fail(struct tpl *t, const char *at, int code, const char *fmt, const char *arg)
{
    char what[160];
    snprintf(what, sizeof what, fmt, arg);
    snprintf(t->err, t->errlen, "line %d: %s", line_of(t, at), what);
    return code;
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0 || n > TPL_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
            return false;
    return true;
}

/* Parses the tag starting at open ("{{"). Fills tag or fails with MM_EPARSE. */
static int parse_tag(struct tpl *t, const char *open, struct tag *tag)
{
    const char *body = open + 2;
    const char *close = memmem(body, (size_t)(t->end - body), "}}", 2);
    if (!close)
        return fail(t, open, MM_EPARSE, "unclosed tag %s", "{{");
    tag->open = open;
    tag->close = close + 2;
    while (body < close && isspace((unsigned char)*body))
        body++;
    const char *bend = close;
    while (bend > body && isspace((unsigned char)bend[-1]))
        bend--;
    size_t n = (size_t)(bend - body);
    if (n > 0 && body[0] == '!') {
        tag->kind = TAG_COMMENT;
        tag->name[0] = '\0';
        return 0;
    }
    static const struct {
        const char *word;
        enum tag_kind kind;
        bool takes_name;
    } words[] = {{"#if", TAG_IF, true},
                 {"#unless", TAG_UNLESS, true},
                 {"else", TAG_ELSE, false},
                 {"/if", TAG_END_IF, false},
                 {"/unless", TAG_END_UNLESS, false}};
    tag->kind = TAG_VAR;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t wl = strlen(words[i].word);
        if (n >= wl && memcmp(body, words[i].word, wl) == 0 &&
            (n == wl || isspace((unsigned char)body[wl]))) {
            tag->kind = words[i].kind;
            body += wl;
            while (body < bend && isspace((unsigned char)*body))
                body++;
            n = (size_t)(bend - body);
            if (!words[i].takes_name && n == 0) {
                tag->name[0] = '\0';
                return 0;
            }
            if (!words[i].takes_name)
                return fail(t, open, MM_EPARSE, "unexpected text after {{%s}}", words[i].word);
            break;
        }
    }
    if (!valid_name(body, n)) {
        char shown[TPL_NAME_MAX + 1];
        snprintf(shown, sizeof shown, "%.*s", (int)(n > TPL_NAME_MAX ? TPL_NAME_MAX : n), body);
        return fail(t, open, MM_EPARSE, "bad name in tag {{%s}}", shown);
    }
    memcpy(tag->name, body, n);
    tag->name[n] = '\0';
    return 0;
}

/* A block tag alone on its line (only blanks around it) takes the line with it. */
static bool standalone(const struct tpl *t, const struct tag *tag, const char **line_start,
                       const char **next)
{
    if (tag->kind == TAG_VAR)
        return false;
    const char *ls = tag->open;
    while (ls > t->start && (ls[-1] == ' ' || ls[-1] == '\t'))
        ls--;
    if (ls != t->start && ls[-1] != '\n')
        return false;
    const char *q = tag->close;
    while (q < t->end && (*q == ' ' || *q == '\t'))
        q++;
    if (q < t->end && *q == '\r' && q + 1 < t->end && q[1] == '\n')
        q++;
    if (q < t->end && *q != '\n')
        return false;
    *line_start = ls;
    *next = q < t->end ? q + 1 : q;
    return true;
}

/* The character of s that would start a block where the value begins a
 * line: a leading "-" or "=" (a list item, a rule, a heading's underline),
 * or the "." or ")" after leading digits (a numbered list); leading blanks
 * skipped. NULL when there is none. */
static const char *block_marker(const char *s)
{
    while (*s == ' ')
        s++;
    if (*s == '-' || *s == '=')
        return s;
    const char *d = s;
    while (*d >= '0' && *d <= '9')
        d++;
    return d > s && (*d == '.' || *d == ')') ? d : NULL;
}

/* Appends the value s Markdown-escaped: the inline markup characters
 * everywhere, "&" before what could be an entity name ("&amp;"), "-" in
 * a run of them (the HTML would make "--" a dash), and the
 * one character that would start a block at the value's start (never a
 * backslash before a digit, which Markdown would keep visible). */
static int append_escaped(struct mm_buf *out, const char *s)
{
    static const char special[] = "\\`*_{}[]<>#+!|~";
    const char *marker = block_marker(s), *start = s;
    int r = 0;
    for (; *s && r == 0; s++) {
        /* "--" would be a dash (the HTML's smart punctuation) */
        bool dash = *s == '-' && (s[1] == '-' || (s > start && s[-1] == '-'));
        bool entity = *s == '&' && (s[1] == '#' || ((s[1] | 0x20) >= 'a' && (s[1] | 0x20) <= 'z'));
        if (*s == '\n' || *s == '\r' || *s == '\t')
            r = mm_buf_putc(out, ' ');
        else if (strchr(special, *s) || entity || dash || s == marker)
            r = mm_buf_printf(out, "\\%c", *s);
        else
            r = mm_buf_putc(out, *s);
    }
    return r;
}

static int emit_var(struct tpl *t, const struct tag *tag, bool emit)
{
    json_t *v = json_object_get(t->vars, tag->name);
    if (!v)
        return fail(t, tag->open, MM_ENOENT, "unknown placeholder {{%s}}", tag->name);
    if (!json_is_string(v) && !json_is_integer(v))
        return fail(t, tag->open, MM_EINVAL, "{{%s}} is not text", tag->name);
    if (!emit)
        return 0;
    if (json_is_integer(v))
        return mm_buf_printf(t->out, "%lld", (long long)json_integer_value(v));
    return append_escaped(t->out, json_string_value(v));
}

static int condition(struct tpl *t, const struct tag *tag, bool *value)
{
    json_t *v = json_object_get(t->vars, tag->name);
    if (!v)
        return fail(t, tag->open, MM_ENOENT, "unknown condition %s", tag->name);
    if (!json_is_boolean(v))
        return fail(t, tag->open, MM_EINVAL, "condition %s is not a boolean", tag->name);
    *value = json_is_true(v);
    if (tag->kind == TAG_UNLESS)
        *value = !*value;
    return 0;
}

static int render_seq(struct tpl *t, bool emit, int depth, const struct tag *opener,
                      bool else_allowed, bool *ended_on_else);

/* Renders the body of an {{#if}}/{{#unless}} block whose opening tag was just read. */
static int render_block(struct tpl *t, bool emit, int depth, const struct tag *opener)
{
    if (depth >= MM_TPL_MAX_DEPTH)
        return fail(t, opener->open, MM_ELIMIT, "blocks nested deeper than %s", "16");
    bool value, saw_else = false;
    int r = condition(t, opener, &value);
    if (r == 0)
        r = render_seq(t, emit && value, depth + 1, opener, true, &saw_else);
    if (r == 0 && saw_else)
        r = render_seq(t, emit && !value, depth + 1, opener, false, &saw_else);
    return r;
}

/* Renders text and tags until the end of input (opener NULL) or the tag that
 * closes opener; an {{else}} ends the sequence with *ended_on_else set. */
static int render_seq(struct tpl *t, bool emit, int depth, const struct tag *opener,
                      bool else_allowed, bool *ended_on_else)
{
    *ended_on_else = false;
    for (;;) {
        const char *open = memmem(t->p, (size_t)(t->end - t->p), "{{", 2);
        const char *text_end = open ? open : t->end;
        struct tag tag;
        const char *line_start = NULL, *next = NULL;
        int r = 0;
        if (open && (r = parse_tag(t, open, &tag)) != 0)
            return r;
        bool alone = open && standalone(t, &tag, &line_start, &next);
        if (alone)
            text_end = line_start;
        if (emit && (r = mm_buf_append(t->out, t->p, (size_t)(text_end - t->p))) != 0)
            return r;
        if (!open) {
            t->p = t->end;
            if (opener)
                return fail(t, opener->open, MM_EPARSE, "{{#%s}} is never closed",
                            opener->kind == TAG_IF ? "if" : "unless");
            return 0;
        }
        t->p = alone ? next : tag.close;
        switch (tag.kind) {
        case TAG_COMMENT:
            break;
        case TAG_VAR:
            r = emit_var(t, &tag, emit);
            break;
        case TAG_IF:
        case TAG_UNLESS:
            r = render_block(t, emit, depth, &tag);
            break;
        case TAG_ELSE:
            if (!opener || !else_allowed)
                return fail(t, tag.open, MM_EPARSE, "%s without a matching {{#if}}", "{{else}}");
            *ended_on_else = true;
            return 0;
        case TAG_END_IF:
        case TAG_END_UNLESS:
            if (!opener || (tag.kind == TAG_END_IF) != (opener->kind == TAG_IF))
                return fail(t, tag.open, MM_EPARSE, "%s does not close an open block",
                            tag.kind == TAG_END_IF ? "{{/if}}" : "{{/unless}}");
            return 0;
        }
        if (r != 0)
            return r;
    }
}

int mm_tpl_render(const char *tpl, size_t len, const json_t *vars, struct mm_buf *out, char *err,
                  size_t errlen)
{
    struct tpl t = {tpl, tpl, tpl + len, vars, out, err, errlen};
    bool ended_on_else;
    if (errlen)
        err[0] = '\0';
    if (len > MM_TPL_MAX_SIZE) {
        snprintf(err, errlen, "template larger than %d bytes", MM_TPL_MAX_SIZE);
        return MM_ETOOBIG;
    }
    if (!json_is_object(vars)) {
        snprintf(err, errlen, "no variables");
        return MM_EINVAL;
    }
    return render_seq(&t, true, 0, NULL, false, &ended_on_else);
}
