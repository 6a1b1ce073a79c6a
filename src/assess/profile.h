/* SPDX-License-Identifier: Apache-2.0
 * The organisation profile that the policy documents and the declaration are
 * written for: identity (name, representative, address, employees, industry)
 * and the practices that decide which chapters and sections apply. Read from
 * an INI file and/or set field by field (command-line flags), then validated.
 *
 *   [organisation]                 [practices]
 *   name = ...                     my_number = yes|no
 *   representative = ...           cloud = yes|no
 *   address = ...                  website = yes|no
 *   employees = 12                 personal_devices = yes|no
 *   industry = ...                 telework = yes|no
 *                                  wifi = yes|no
 *                                  outsourcing = yes|no
 *
 * Practices not given are "no". Errors name the field (struct mm_profile_error). */
#ifndef MM_ASSESS_PROFILE_H
#define MM_ASSESS_PROFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Longest text field accepted, in bytes (UTF-8). */
#define MM_PROFILE_TEXT_MAX 300
#define MM_PROFILE_FILE_MAX (1024 * 1024) /* bytes looked at for a CP932 profile */
/* Largest employee count accepted. */
#define MM_PROFILE_EMPLOYEES_MAX 1000000L

struct mm_profile {
    char name[MM_PROFILE_TEXT_MAX + 1];
    char representative[MM_PROFILE_TEXT_MAX + 1];
    char address[MM_PROFILE_TEXT_MAX + 1];
    char industry[MM_PROFILE_TEXT_MAX + 1];
    long employees; /* -1: not given */
    bool my_number, cloud, website, personal_devices, telework, wifi, outsourcing;
    unsigned given; /* one bit per field set (INI key present, or flag): mm_profile_given */
};

enum mm_profile_problem {
    MM_PROFILE_MISSING = 1, /* a required field is absent (name) */
    MM_PROFILE_BAD_BOOL,    /* not yes/no/true/false/on/off/1/0 */
    MM_PROFILE_BAD_NUMBER,  /* employees not a whole number 0..MM_PROFILE_EMPLOYEES_MAX */
    MM_PROFILE_TOO_LONG,    /* text longer than MM_PROFILE_TEXT_MAX */
    MM_PROFILE_BAD_TEXT,    /* not UTF-8, or holds control characters */
    MM_PROFILE_UNKNOWN,     /* no such field (or wrong section in the INI file) */
    MM_PROFILE_SYNTAX,      /* INI syntax error; detail holds "file:line: ..." */
    MM_PROFILE_NOFILE,      /* the INI file cannot be read */
    MM_PROFILE_DUPLICATE,   /* a field written twice in the INI file; detail names the lines */
    MM_PROFILE_INDENTED,    /* an indented line that looks like a field (read as a continuation) */
};

struct mm_profile_error {
    enum mm_profile_problem problem;
    char field[64];   /* e.g. "employees" or "practices.wifi" */
    char detail[256]; /* the offending value or the parser's message */
    int line;         /* the file's line of the field, 0 when none (a flag, or missing) */
};

/* Clears p: empty texts, employees -1, every practice false. */
void mm_profile_init(struct mm_profile *p);

/* Sets one field by name ("name", "employees", "my_number", ...; '-' may
 * stand for '_'). Returns 0, MM_EINVAL (unknown field, bad value, too long)
 * with e filled. */
int mm_profile_set(struct mm_profile *p, const char *field, const char *value,
                   struct mm_profile_error *e);

/* Applies an INI file on top of p; a file that is not UTF-8 but decodes as
 * CP932 (Shift_JIS from Windows) is converted first, as the risk CSV reader
 * does. MM_ENOENT/MM_EIO when it cannot be read, MM_EISDIR for a folder,
 * MM_EPARSE on syntax errors, MM_EINVAL on bad fields (e filled). */
int mm_profile_load_ini(struct mm_profile *p, const char *path, struct mm_profile_error *e);

/* The same from INI text in memory (fuzzing, tests). MM_EPARSE on syntax
 * errors, MM_EINVAL on bad fields (e filled). */
int mm_profile_load_ini_string(struct mm_profile *p, const char *text, struct mm_profile_error *e);

/* Whether field ("wifi", "cloud", ...) was set by mm_profile_set, i.e. its
 * key is in the INI file or it was given as a flag, rather than being the
 * default from mm_profile_init. False for an unknown field. */
bool mm_profile_given(const struct mm_profile *p, const char *field);

/* The practices (yes/no fields: "my_number", "cloud", ... in the order of
 * the profile) that are not given, so stay "no" by default: at most max of
 * them in out. Returns how many. */
#define MM_PROFILE_PRACTICES 7
size_t mm_profile_unanswered(const struct mm_profile *p, const char **out, size_t max);

/* The practice ("my_number", "wifi", ...) whose template variable is var
 * ("handles_my_number", "has_wifi", ...), or NULL when none is. */
const char *mm_profile_practice_of_var(const char *var);

/* Checks the required fields. Returns 0 or MM_EINVAL with e filled. */
int mm_profile_validate(const struct mm_profile *p, struct mm_profile_error *e);

/* Template variables for the profile (org.*, booleans handles_my_number,
 * uses_cloud, has_website, allows_personal_devices, teleworks, has_wifi,
 * outsources, has_representative, has_address, has_industry, has_employees)
 * added to vars. Returns 0 or MM_ENOMEM. */
int mm_profile_vars(const struct mm_profile *p, json_t *vars);

/* The profile as a JSON object (for the policy manifest); NULL on ENOMEM. */
json_t *mm_profile_to_json(const struct mm_profile *p);

#endif
