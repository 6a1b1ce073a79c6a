/* SPDX-License-Identifier: Apache-2.0
 * Owns the organisation profile: field table, INI loading, flag setting,
 * validation and conversion to template variables / JSON (see profile.h). */
#include "assess/profile.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/ini.h"
#include "core/msg.h"
#include "core/str.h"

#include <errno.h>
#include <iconv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum field_type { FIELD_TEXT, FIELD_COUNT, FIELD_BOOL };

struct field {
    const char *name;
    const char *section; /* INI section holding it */
    enum field_type type;
    size_t offset;
    const char *var; /* template variable for booleans */
};

#define TEXT(n)                                                                                    \
    {                                                                                              \
#n, "organisation", FIELD_TEXT, offsetof(struct mm_profile, n), NULL                       \
    }
#define BOOL(n, v)                                                                                 \
    {                                                                                              \
#n, "practices", FIELD_BOOL, offsetof(struct mm_profile, n), v                             \
    }
static const struct field fields[] = {
    TEXT(name),
    TEXT(representative),
    TEXT(address),
    {"employees", "organisation", FIELD_COUNT, offsetof(struct mm_profile, employees), NULL},
    TEXT(industry),
    BOOL(my_number, "handles_my_number"),
    BOOL(cloud, "uses_cloud"),
    BOOL(website, "has_website"),
    BOOL(personal_devices, "allows_personal_devices"),
    BOOL(telework, "teleworks"),
    BOOL(wifi, "has_wifi"),
    BOOL(outsourcing, "outsources"),
};
#undef TEXT
#undef BOOL
/* The practices follow the five organisation fields; a new yes/no field
 * must raise MM_PROFILE_PRACTICES, or it would be neither asked nor listed. */
_Static_assert(sizeof fields / sizeof fields[0] - 5 == MM_PROFILE_PRACTICES,
               "MM_PROFILE_PRACTICES counts the yes/no fields");

static int set_error(struct mm_profile_error *e, enum mm_profile_problem problem, const char *field,
                     const char *detail)
{
    e->problem = problem;
    e->line = 0;
    mm_strlcpy_utf8(e->field, field ? field : "", sizeof e->field);
    mm_strlcpy_utf8(e->detail, detail ? detail : "", sizeof e->detail);
    return problem == MM_PROFILE_SYNTAX ? MM_EPARSE : MM_EINVAL;
}

void mm_profile_init(struct mm_profile *p)
{
    memset(p, 0, sizeof *p);
    p->employees = -1;
}

static const struct field *find_field(const char *name)
{
    char norm[64];
    if (mm_strlcpy(norm, name, sizeof norm) >= sizeof norm)
        return NULL;
    for (char *c = norm; *c; c++)
        if (*c == '-')
            *c = '_';
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (strcasecmp(fields[i].name, norm) == 0)
            return &fields[i];
    return NULL;
}

/* C0, DEL, C1 and the bidi controls (mm_text_control_len): a name that
 * reorders or drives the terminal it is printed on is refused. */
static bool has_control_chars(const char *s)
{
    for (; *s; s++)
        if (mm_text_control_len(s))
            return true;
    return false;
}

/* Trims spaces at both ends, the ideographic space U+3000 (typed with a
 * Japanese input method) as well as ASCII white space. */
static char *trim_text(char *s)
{
    static const char wide[] = "\xe3\x80\x80";
    for (;;) {
        mm_str_trim(s);
        size_t n = strlen(s);
        if (strncmp(s, wide, 3) == 0)
            memmove(s, s + 3, n - 2);
        else if (n >= 3 && strcmp(s + n - 3, wide) == 0)
            s[n - 3] = '\0';
        else
            return s;
    }
}

static int set_text(char *dst, const struct field *f, const char *value, struct mm_profile_error *e)
{
    char copy[MM_PROFILE_TEXT_MAX + 2];
    if (strlen(value) > MM_PROFILE_TEXT_MAX)
        return set_error(e, MM_PROFILE_TOO_LONG, f->name, NULL);
    if (!mm_utf8_valid(value, strlen(value), NULL) || has_control_chars(value))
        return set_error(e, MM_PROFILE_BAD_TEXT, f->name, NULL);
    mm_strlcpy(copy, value, sizeof copy);
    mm_strlcpy(dst, trim_text(copy), MM_PROFILE_TEXT_MAX + 1);
    return 0;
}

/* value with full-width letters, digits and spaces folded to ASCII (a
 * Japanese input method left on types "１２" or "ｙｅｓ") and trimmed; a
 * value that does not fit in buf is "" (refused whole, not read cut). */
static const char *plain_value(const char *value, char *buf, size_t len)
{
    if (mm_strlcpy(buf, value, len) >= len)
        return "";
    return mm_str_trim(mm_str_fold_fullwidth(buf));
}

static int set_count(long *dst, const struct field *f, const char *value,
                     struct mm_profile_error *e)
{
    char *end, buf[64];
    const char *digits = plain_value(value, buf, sizeof buf);
    errno = 0;
    long n = strtol(digits, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == digits || *end != '\0' || errno != 0 || n < 0 || n > MM_PROFILE_EMPLOYEES_MAX)
        return set_error(e, MM_PROFILE_BAD_NUMBER, f->name, value);
    *dst = n;
    return 0;
}

int mm_profile_set(struct mm_profile *p, const char *field, const char *value,
                   struct mm_profile_error *e)
{
    const struct field *f = find_field(field);
    if (!f)
        return set_error(e, MM_PROFILE_UNKNOWN, field, NULL);
    char *at = (char *)p + f->offset;
    p->given |= 1u << (f - fields);
    switch (f->type) {
    case FIELD_TEXT:
        return set_text(at, f, value, e);
    case FIELD_COUNT:
        return set_count((long *)(void *)at, f, value, e);
    case FIELD_BOOL: {
        char buf[64];
        const char *v = plain_value(value, buf, sizeof buf);
        bool *flag = (bool *)(void *)at;
        if (strcmp(v, "はい") == 0)
            *flag = true;
        else if (strcmp(v, "いいえ") == 0)
            *flag = false;
        else if (mm_parse_bool(v, flag) != 0)
            return set_error(e, MM_PROFILE_BAD_BOOL, f->name, value);
        return 0;
    }
    }
    return MM_EINVAL;
}

/* A field written twice in the file (lines first and again): refused, as
 * the file would otherwise say two things and the last silently win. */
static int duplicate(struct mm_profile_error *e, const struct field *f, int first, int again)
{
    char name[64], lines[160];
    snprintf(name, sizeof name, "%s.%s", f->section, f->name);
    mm_msg_format(lines, sizeof lines, "assess-docs", "profile.duplicate_lines", first, again);
    return set_error(e, MM_PROFILE_DUPLICATE, name, lines);
}

/* The error problem for section.key (as written, each cut between
 * characters) on line of the file: MM_EINVAL. */
static int line_error(struct mm_profile_error *e, enum mm_profile_problem problem,
                      const char *section, const char *key, int line)
{
    char sec[31], k[31], name[64];
    mm_strlcpy_utf8(sec, section, sizeof sec);
    mm_strlcpy_utf8(k, key, sizeof k);
    snprintf(name, sizeof name, "%s.%s", sec, k);
    set_error(e, problem, name, NULL);
    e->line = line;
    return MM_EINVAL;
}

/* Whether section.key (on line) names a field not seen before: 0, else
 * the error (an unknown field, or one written twice). */
static int check_entry(int *seen, const char *section, const char *key, int line,
                       struct mm_profile_error *e)
{
    const struct field *f = find_field(key);
    if (!f || strcasecmp(section, f->section) != 0)
        return line_error(e, MM_PROFILE_UNKNOWN, section, key, line);
    if (seen[f - fields])
        return duplicate(e, f, seen[f - fields], line);
    seen[f - fields] = line > 0 ? line : -1;
    return 0;
}

/* Sets key to its whole value (joined), naming the key's line on an error:
 * FILE: line L: what is wrong with the field. */
static int set_field(struct mm_profile *p, const char *key, const struct mm_buf *joined, int line,
                     struct mm_profile_error *e)
{
    int r = mm_profile_set(p, key, joined->data ? joined->data : "", e);
    if (r != 0)
        e->line = line;
    return r;
}

/* Applies every entry of a loaded INI file; the first bad one stops it. A
 * value going on on indented lines ("name = Mamori" then "  Kobo Ltd") is
 * one value, its parts joined with a space, set once all parts are read. */
static int apply_ini(struct mm_profile *p, const struct mm_ini *ini, struct mm_profile_error *e)
{
    int r = 0, seen[sizeof fields / sizeof fields[0]] = {0}; /* the line of each field */
    struct mm_buf joined = MM_BUF_INIT;
    const char *key_now = NULL; /* the field whose value is being read, from line_now */
    int line_now = 0;
    for (size_t i = 0; i < mm_ini_count(ini) && r == 0; i++) {
        const char *section, *key, *value;
        int line;
        mm_ini_entry(ini, i, &section, &key, &value, &line);
        if (key_now && mm_ini_entry_continued(ini, i)) {
            /* one that looks like a field of its own ("  representative =
             * Taro" under an indented "  name = Mamori") is refused with its
             * line: joined, it would silently become part of the name */
            if (strpbrk(value, "=:"))
                r = line_error(e, MM_PROFILE_INDENTED, section, key, line);
            else
                r = mm_buf_printf(&joined, "%s%s", joined.len && *value ? " " : "", value);
            continue;
        }
        if (key_now)
            r = set_field(p, key_now, &joined, line_now, e);
        if (r == 0)
            r = check_entry(seen, section, key, line, e);
        mm_buf_reset(&joined);
        if (r == 0)
            r = mm_buf_puts(&joined, value);
        key_now = key;
        line_now = line;
    }
    if (r == 0 && key_now)
        r = set_field(p, key_now, &joined, line_now, e);
    mm_buf_free(&joined);
    return r;
}

/* The shared tail of both loaders: r and why come from mm_ini_load_*; a
 * file that cannot be read is reported (MM_PROFILE_NOFILE) when from_file. */
static int apply_loaded(struct mm_profile *p, int r, struct mm_ini *ini, const char *why,
                        bool from_file, struct mm_profile_error *e)
{
    if (r == MM_EPARSE || r == MM_ETOOBIG) /* (a line too long: named, as a syntax error) */
        return set_error(e, MM_PROFILE_SYNTAX, "", why);
    if (r != 0) {
        if (from_file)
            set_error(e, MM_PROFILE_NOFILE, "", mm_strerror(r));
        return r;
    }
    r = apply_ini(p, ini, e);
    mm_ini_free(ini);
    return r;
}

/* The file as UTF-8 when it is not UTF-8 but decodes as CP932 (Shift_JIS
 * as Windows saves it, e.g. Notepad's "ANSI" on a Japanese Windows), like
 * the risk CSV reader; NULL otherwise (read it as it is). */
static char *cp932_text(const char *path)
{
    char *raw = NULL, *utf8 = NULL;
    size_t len;
    if (strcmp(path, "-") == 0 || mm_file_read(path, MM_PROFILE_FILE_MAX, &raw, &len) != 0)
        return NULL;
    if (mm_utf8_valid(raw, len, NULL) || memchr(raw, '\0', len)) {
        free(raw);
        return NULL;
    }
    iconv_t cd = iconv_open("UTF-8", "CP932");
    size_t cap = len * 3 + 1; /* one CP932 byte never needs more than 3 UTF-8 bytes */
    utf8 = cd == (iconv_t)-1 ? NULL : malloc(cap);
    if (utf8) {
        char *in = raw, *o = utf8;
        size_t inleft = len, outleft = cap - 1;
        if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1 ||
            iconv(cd, NULL, NULL, &o, &outleft) == (size_t)-1) {
            free(utf8);
            utf8 = NULL;
        } else {
            *o = '\0';
        }
    }
    if (cd != (iconv_t)-1)
        iconv_close(cd);
    free(raw);
    return utf8;
}

int mm_profile_load_ini(struct mm_profile *p, const char *path, struct mm_profile_error *e)
{
    struct mm_ini *ini = NULL;
    char why[256];
    struct stat st;
    /* The INI reader sees a folder as an empty file ("name" missing). */
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        set_error(e, MM_PROFILE_NOFILE, "", mm_strerror(MM_EISDIR));
        return MM_EISDIR;
    }
    char *converted = cp932_text(path);
    int r = converted ? mm_ini_load_text(converted, path, &ini, why, sizeof why)
                      : mm_ini_load_file(path, &ini, why, sizeof why);
    free(converted);
    return apply_loaded(p, r, ini, why, true, e);
}

int mm_profile_load_ini_string(struct mm_profile *p, const char *text, struct mm_profile_error *e)
{
    struct mm_ini *ini = NULL;
    char why[256];
    int r = mm_ini_load_string(text, &ini, why, sizeof why);
    return apply_loaded(p, r, ini, why, false, e);
}

bool mm_profile_given(const struct mm_profile *p, const char *field)
{
    const struct field *f = find_field(field);
    return f && (p->given & (1u << (f - fields)));
}

size_t mm_profile_unanswered(const struct mm_profile *p, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0] && n < max; i++)
        if (fields[i].type == FIELD_BOOL && !(p->given & (1u << i)))
            out[n++] = fields[i].name;
    return n;
}

const char *mm_profile_practice_of_var(const char *var)
{
    for (size_t i = 0; var && i < sizeof fields / sizeof fields[0]; i++)
        if (fields[i].type == FIELD_BOOL && strcmp(fields[i].var, var) == 0)
            return fields[i].name;
    return NULL;
}

int mm_profile_validate(const struct mm_profile *p, struct mm_profile_error *e)
{
    if (p->name[0] == '\0')
        return set_error(e, MM_PROFILE_MISSING, "name", NULL);
    return 0;
}

int mm_profile_vars(const struct mm_profile *p, json_t *vars)
{
    int r = 0;
    r |= json_object_set_new(vars, "org.name", json_string(p->name));
    r |= json_object_set_new(vars, "org.representative", json_string(p->representative));
    r |= json_object_set_new(vars, "org.address", json_string(p->address));
    r |= json_object_set_new(vars, "org.industry", json_string(p->industry));
    r |= json_object_set_new(vars, "org.employees",
                             json_integer(p->employees < 0 ? 0 : p->employees));
    r |= json_object_set_new(vars, "has_representative", json_boolean(p->representative[0]));
    r |= json_object_set_new(vars, "has_address", json_boolean(p->address[0]));
    r |= json_object_set_new(vars, "has_industry", json_boolean(p->industry[0]));
    r |= json_object_set_new(vars, "has_employees", json_boolean(p->employees >= 0));
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (fields[i].type != FIELD_BOOL)
            continue;
        bool v = *(const bool *)(const void *)((const char *)p + fields[i].offset);
        r |= json_object_set_new(vars, fields[i].var, json_boolean(v));
    }
    return r ? MM_ENOMEM : 0;
}

json_t *mm_profile_to_json(const struct mm_profile *p)
{
    json_t *o = json_object();
    int r = o ? 0 : -1;
    for (size_t i = 0; o && i < sizeof fields / sizeof fields[0]; i++) {
        const void *at = (const char *)p + fields[i].offset;
        json_t *v = NULL;
        if (fields[i].type == FIELD_TEXT)
            v = json_string((const char *)at);
        else if (fields[i].type == FIELD_COUNT)
            v = *(const long *)at < 0 ? json_null() : json_integer(*(const long *)at);
        else
            v = json_boolean(*(const bool *)at);
        r |= json_object_set_new(o, fields[i].name, v);
    }
    if (r != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}
