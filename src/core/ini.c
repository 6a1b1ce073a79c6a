/* SPDX-License-Identifier: Apache-2.0
 * Owns reading INI configuration files into an ordered entry list. */
#include "core/ini.h"
#include "core/msg.h"
#include "core/error.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ini_entry {
    char *section, *key, *value;
    int line;
};

struct mm_ini {
    struct ini_entry *entries;
    size_t count, cap;
};

/* Debian's inih is built without INI_HANDLER_LINENO, so entries carry no line. */
static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    const int lineno = 0;
    struct mm_ini *ini = user;
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
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        return 0;
    }
    ini->count++;
    return 1;
}

static int finish(struct mm_ini *ini, int rc, const char *name, struct mm_ini **out, char *err,
                  size_t errlen)
{
    if (rc == 0) {
        *out = ini;
        return 0;
    }
    mm_ini_free(ini);
    if (rc == -1) {
        int e = errno;
        mm_msg_format(err, errlen, "core-log", "ini.io", name, strerror(e));
        return e == ENOENT ? MM_ENOENT : MM_EIO;
    }
    if (rc == -2) {
        mm_msg_format(err, errlen, "core-log", "ini.nomem", name);
        return MM_ENOMEM;
    }
    mm_msg_format(err, errlen, "core-log", "ini.syntax", name, rc);
    return MM_EPARSE;
}

int mm_ini_load_file(const char *path, struct mm_ini **out, char *err, size_t errlen)
{
    *out = NULL;
    struct mm_ini *ini = calloc(1, sizeof *ini);
    if (!ini)
        return MM_ENOMEM;
    return finish(ini, ini_parse(path, on_entry, ini), path, out, err, errlen);
}

int mm_ini_load_text(const char *text, const char *name, struct mm_ini **out, char *err,
                     size_t errlen)
{
    *out = NULL;
    struct mm_ini *ini = calloc(1, sizeof *ini);
    if (!ini)
        return MM_ENOMEM;
    return finish(ini, ini_parse_string(text, on_entry, ini), name, out, err, errlen);
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

const char *mm_ini_get(const struct mm_ini *ini, const char *section, const char *key)
{
    const char *found = NULL;
    for (size_t i = 0; ini && i < ini->count; i++) {
        if (strcasecmp(ini->entries[i].section, section) == 0 &&
            strcasecmp(ini->entries[i].key, key) == 0)
            found = ini->entries[i].value;
    }
    return found;
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
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (end == v || *end != '\0' || errno != 0 || n < min || n > max)
        return MM_EPARSE;
    *out = n;
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
