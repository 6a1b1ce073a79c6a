/* SPDX-License-Identifier: Apache-2.0
 * Owns reading INI configuration files into an ordered entry list. */
#include "core/ini.h"
#include "core/buf.h"
#include "core/msg.h"
#include "core/error.h"
#include "core/str.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ini_entry {
    char *section, *key, *value;
    int line;
    bool continued; /* an indented line going on with the entry before (ini.h) */
    /* Reading marks (ini.h): set by the getters through a const ini (the
     * entries array itself is not const), read by mm_ini_unread. */
    bool read, section_read;
};

struct mm_ini {
    struct ini_entry *entries;
    size_t count, cap;
};

/* What the readers below hand inih, a line at a time: a file or a string;
 * line counts the lines read, long_line the one longer than the line
 * buffer and nul_line the one holding a NUL byte (0: none), where the
 * read stopped. */
struct line_reader {
    FILE *f;
    const char *s;
    int line, long_line, nul_line, max;
    bool indented;   /* the line just read starts with a space or tab */
    int header_line; /* the line of the last [section] header read */
};

/* inih's user data: the entries read so far and the reader, whose line
 * count names each entry's line (Debian's inih is built without
 * INI_HANDLER_LINENO; it calls the handler for the line just read). */
struct parse_ctx {
    struct mm_ini *ini;
    const struct line_reader *rd;
};

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    const struct parse_ctx *ctx = user;
    struct mm_ini *ini = ctx->ini;
    const int lineno = ctx->rd->line;
    if (!name) /* section header only */
        return 1;
    if (ini->count == ini->cap) {
        size_t cap = ini->cap ? ini->cap * 2 : 16;
        struct ini_entry *p = realloc(ini->entries, cap * sizeof *p);
        if (!p)
            return 0;
        ini->entries = p;
        ini->cap = cap;
    }
    struct ini_entry *e = &ini->entries[ini->count];
    e->section = strdup(section);
    e->key = strdup(name);
    e->value = strdup(value ? value : "");
    e->line = lineno;
    e->read = e->section_read = false;
    /* inih (INI_ALLOW_MULTILINE) hands an indented line after an entry to
     * the handler as another value of the same key */
    e->continued = ctx->rd->indented && ini->count > 0 &&
                   ini->entries[ini->count - 1].line > ctx->rd->header_line &&
                   strcmp(ini->entries[ini->count - 1].section, section) == 0 &&
                   strcmp(ini->entries[ini->count - 1].key, name) == 0;
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        return 0;
    }
    ini->count++;
    return 1;
}

/* fgets that notes a NUL byte in the line (*nul), which fgets' caller
 * cannot tell from the line's end (inih took "ab\0cd" as "ab"). */
static char *file_piece(FILE *f, char *str, int num, bool *nul)
{
    int n = 0, c = 0;
    while (n + 1 < num && (c = getc(f)) != EOF) {
        *nul |= c == '\0';
        str[n++] = (char)c;
        if (c == '\n')
            break;
    }
    str[n] = '\0';
    return n == 0 ? NULL : str;
}

/* The next line of r into str (num bytes, inih's INI_MAX_LINE), as fgets;
 * *nul set when it holds a NUL byte (text in memory cannot). */
static char *next_piece(struct line_reader *r, char *str, int num, bool *nul)
{
    if (r->f)
        return file_piece(r->f, str, num, nul);
    if (!*r->s)
        return NULL;
    size_t n = 0;
    while (r->s[n] && r->s[n] != '\n' && n + 1 < (size_t)num)
        n++;
    if (r->s[n] == '\n' && n + 1 < (size_t)num)
        n++;
    memcpy(str, r->s, n);
    str[n] = '\0';
    r->s += n;
    return str;
}

/* Whether a line that filled the buffer ends there: at the end of the
 * input, or before its line end (taken). */
static bool line_ends(struct line_reader *r)
{
    if (!r->f)
        return !*r->s || (*r->s == '\n' && r->s++);
    int c = getc(r->f);
    if (c != EOF && c != '\n')
        ungetc(c, r->f);
    return c == EOF || c == '\n';
}

/* inih's reader: stops (NULL) at a line longer than the buffer, which inih
 * would cut and read the rest of as a line of its own, and at a line
 * holding a NUL byte, which it would cut there. */
static char *read_line(char *str, int num, void *stream)
{
    struct line_reader *r = stream;
    bool nul = false;
    if (num > MM_INI_LINE_MAX)
        num = MM_INI_LINE_MAX;
    r->max = num - 1;
    if (r->long_line || r->nul_line || !next_piece(r, str, num, &nul))
        return NULL;
    r->line++;
    r->indented = str[0] == ' ' || str[0] == '\t';
    if (str[strspn(str, " \t")] == '[') /* inih ends a value at a header */
        r->header_line = r->line;
    if (nul) {
        r->nul_line = r->line;
        return NULL;
    }
    size_t n = strlen(str);
    if (n + 1 == (size_t)num && str[n - 1] != '\n' && !line_ends(r)) {
        r->long_line = r->line;
        return NULL;
    }
    return str;
}

static int finish(struct mm_ini *ini, int rc, const char *name, struct mm_ini **out, char *err,
                  size_t errlen, const struct line_reader *rd)
{
    if (rc == 0 && rd->long_line) {
        mm_ini_free_wiped(ini);
        mm_msg_format(err, errlen, "core-log", "ini.line_too_long", name, rd->long_line, rd->max);
        return MM_ETOOBIG;
    }
    if (rc == 0 && rd->nul_line) {
        mm_ini_free_wiped(ini);
        mm_msg_format(err, errlen, "core-log", "ini.nul", name, rd->nul_line);
        return MM_EPARSE;
    }
    if (rc == 0) {
        *out = ini;
        return 0;
    }
    mm_ini_free_wiped(ini); /* what was read may be a secret's file (uplink.conf) */
    if (rc == -1) {
        int code = mm_error_from_errno(errno); /* the reason in the message language */
        mm_msg_format(err, errlen, "core-log", "ini.io", name, mm_msg_strerror(code));
        return code;
    }
    if (rc == -2) {
        mm_msg_format(err, errlen, "core-log", "ini.nomem", name);
        return MM_ENOMEM;
    }
    mm_msg_format(err, errlen, "core-log", "ini.syntax", name, rc);
    return MM_EPARSE;
}

/* ini_parse for a file that also fails on a read error: -1 with errno
 * then, as for a file that cannot be opened. A folder opens, and its first
 * read fails (EISDIR), which ini_parse took for an empty file. */
static int parse_file(const char *path, struct mm_ini *ini, struct line_reader *rd)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    rd->f = f;
    struct parse_ctx ctx = {ini, rd};
    int rc = ini_parse_stream(read_line, rd, on_entry, &ctx);
    rd->f = NULL;
    int e = errno;
    if (rc == 0 && ferror(f))
        rc = -1;
    fclose(f);
    errno = e;
    return rc;
}

int mm_ini_load_file(const char *path, struct mm_ini **out, char *err, size_t errlen)
{
    *out = NULL;
    struct mm_ini *ini = calloc(1, sizeof *ini);
    if (!ini)
        return MM_ENOMEM;
    struct line_reader rd = {0};
    int rc = parse_file(path, ini, &rd);
    return finish(ini, rc, path, out, err, errlen, &rd);
}

int mm_ini_load_text(const char *text, const char *name, struct mm_ini **out, char *err,
                     size_t errlen)
{
    *out = NULL;
    struct mm_ini *ini = calloc(1, sizeof *ini);
    if (!ini)
        return MM_ENOMEM;
    struct line_reader rd = {.s = text};
    struct parse_ctx ctx = {ini, &rd};
    int rc = ini_parse_stream(read_line, &rd, on_entry, &ctx);
    return finish(ini, rc, name, out, err, errlen, &rd);
}

int mm_ini_load_string(const char *text, struct mm_ini **out, char *err, size_t errlen)
{
    return mm_ini_load_text(text, "<string>", out, err, errlen);
}

void mm_ini_free(struct mm_ini *ini)
{
    if (!ini)
        return;
    for (size_t i = 0; i < ini->count; i++) {
        free(ini->entries[i].section);
        free(ini->entries[i].key);
        free(ini->entries[i].value);
    }
    free(ini->entries);
    free(ini);
}

void mm_ini_free_wiped(struct mm_ini *ini)
{
    for (size_t i = 0; ini && i < ini->count; i++)
        mm_memzero(ini->entries[i].value, strlen(ini->entries[i].value));
    mm_ini_free(ini);
}

/* Whether entry e is section.key (any key when key is NULL); marks it as
 * in a section asked about, and read when it matches. */
static bool ask(struct ini_entry *e, const char *section, const char *key)
{
    if (strcasecmp(e->section, section) != 0)
        return false;
    e->section_read = true;
    if (key && strcasecmp(e->key, key) != 0)
        return false;
    e->read = true;
    return true;
}

const char *mm_ini_get(const struct mm_ini *ini, const char *section, const char *key)
{
    const char *found = NULL;
    for (size_t i = 0; ini && i < ini->count; i++)
        if (ask(&ini->entries[i], section, key))
            found = ini->entries[i].value;
    return found;
}

bool mm_ini_next(const struct mm_ini *ini, size_t *pos, const char *section, const char *key,
                 const char **key_out, const char **value)
{
    for (size_t i = *pos; ini && i < ini->count; i++) {
        struct ini_entry *e = &ini->entries[i];
        if (!ask(e, section, key))
            continue;
        if (key_out)
            *key_out = e->key;
        *value = e->value;
        *pos = i + 1;
        return true;
    }
    *pos = ini ? ini->count : 0;
    return false;
}

/* Does an entry before i belong to i's section (names compare without case)? */
static bool section_seen_before(const struct mm_ini *ini, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcasecmp(ini->entries[j].section, ini->entries[i].section) == 0)
            return true;
    return false;
}

bool mm_ini_unread(const struct mm_ini *ini, size_t *pos, const char **section, const char **key)
{
    for (size_t i = *pos; ini && i < ini->count; i++) {
        const struct ini_entry *e = &ini->entries[i];
        if (e->read || (!e->section_read && section_seen_before(ini, i)))
            continue;
        *section = e->section;
        *key = e->section_read ? e->key : NULL;
        *pos = i + 1;
        return true;
    }
    return false;
}

int mm_parse_bool(const char *s, bool *out)
{
    static const char *yes[] = {"yes", "true", "on", "1"}, *no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return MM_EPARSE;
}

int mm_ini_get_bool(const struct mm_ini *ini, const char *section, const char *key, bool def,
                    bool *out)
{
    const char *v = mm_ini_get(ini, section, key);
    *out = def;
    return v ? mm_parse_bool(v, out) : 0;
}

int mm_ini_get_int(const struct mm_ini *ini, const char *section, const char *key, long def,
                   long min, long max, long *out)
{
    const char *v = mm_ini_get(ini, section, key);
    *out = def;
    if (!v)
        return 0;
    int64_t n; /* digits only, as on a command line (strtol took "+5" and " 5") */
    if (mm_str_int64(v, min, max, &n) != 0)
        return MM_EPARSE;
    *out = (long)n;
    return 0;
}

size_t mm_ini_count(const struct mm_ini *ini)
{
    return ini ? ini->count : 0;
}

void mm_ini_entry(const struct mm_ini *ini, size_t i, const char **section, const char **key,
                  const char **value, int *line)
{
    *section = ini->entries[i].section;
    *key = ini->entries[i].key;
    *value = ini->entries[i].value;
    if (line)
        *line = ini->entries[i].line;
}

bool mm_ini_entry_continued(const struct mm_ini *ini, size_t i)
{
    return ini->entries[i].continued;
}
