/* SPDX-License-Identifier: Apache-2.0
 * The security policy documents generated for one organisation: the basic
 * policy, the employee handbook and the rule set in 11 chapters, in Markdown
 * and print-ready HTML, plus a policy.json manifest that `mamori declare`
 * reads. Templates are data/policy/<name>.<lang>.md (policy-template.h).
 * Generation happens in memory first; nothing touches the disk until every
 * document rendered, and a new output directory appears whole or not at all. */
#ifndef MM_ASSESS_POLICY_H
#define MM_ASSESS_POLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "assess/profile.h"
#include "core/buf.h"
#include "core/i18n.h"

#define MM_POLICY_DOCS 3

struct mm_policy_request {
    const struct mm_profile *profile; /* validated */
    enum mm_lang lang;
    const char *date;        /* YYYY-MM-DD */
    const json_t *diagnosis; /* NULL, or a diagnose --format json result */
    const json_t *items;     /* NULL, or the diagnosis items (question texts) */
};

struct mm_policy_doc {
    const char *name; /* "basic-policy", "handbook", "rules" */
    char *markdown;
    char *html;
};

struct mm_policy_output {
    struct mm_policy_doc docs[MM_POLICY_DOCS];
    json_t *manifest; /* see docs/design/policy.md */
};

/* Renders the named template (e.g. "rules-03-assets") in lang with vars and
 * appends to out. MM_ENOENT when there is no such template; template errors
 * as mm_tpl_render, with err naming the template and line. */
int mm_policy_render_template(const char *name, enum mm_lang lang, const json_t *vars,
                              struct mm_buf *out, char *err, size_t errlen);

/* The template variables for a request (profile, date, lang). New reference. */
json_t *mm_policy_vars(const struct mm_policy_request *req);

/* A disagreement between a profile practice and the self-diagnosis item
 * about it. */
struct mm_policy_adjustment {
    const char *field;  /* "wifi" or "cloud" */
    long item;          /* 9 or 23 */
    const char *answer; /* "done", "partly", "not" or "na" (borrowed from the diagnosis) */
    bool set;           /* true: the practice was turned to "yes"; false: the
                           profile's "yes" was kept although the item is "na" */
};

/* Compares the profile with the self-diagnosis items that show what the
 * office has: item 9 (Wi-Fi encryption) for wifi, item 23 (choosing cloud
 * and other external services) for cloud. Answered done, partly or not, the
 * item means the practice is there: a profile "no" is set to "yes", so that
 * its sections are kept (set true). Answered "na" (not applicable, the
 * answer for an office without it) against a profile "yes", the profile is
 * kept, and its sections with it (set false). "unknown" and no answer agree
 * with either. diagnosis is a diagnose --format json result (NULL: nothing
 * to do). Fills adj (room for max) with every disagreement and returns how
 * many there were; afterwards no practice of the two is "no" where the
 * diagnosis shows it. */
size_t mm_policy_reconcile(struct mm_profile *p, const json_t *diagnosis,
                           struct mm_policy_adjustment *adj, size_t max);

/* Whether the diagnosis answers the profile's practice field ("wifi" by
 * item 9, "cloud" by item 23, as mm_policy_reconcile reads them): done,
 * partly or not (it is there) or na (it is not). False for the other
 * practices, an item unanswered or "unknown", and a NULL diagnosis. */
bool mm_policy_diagnosis_settles(const json_t *diagnosis, const char *field);

/* The profile practice whose "yes" brings back the chapter or section id
 * the manifest names as omitted ("my-number" -> "my_number", "byod" ->
 * "personal_devices", "wifi" -> "wifi", ...): the one mapping, made from
 * the condition each chapter and section is left out by. NULL for an id
 * that no practice brings back (or NULL). */
const char *mm_policy_omitted_field(const char *id);

/* Generates every document in memory. On success out is filled (free with
 * mm_policy_output_free); on error out is left empty and err says why. */
int mm_policy_generate(const struct mm_policy_request *req, struct mm_policy_output *out, char *err,
                       size_t errlen);

/* mm_policy_write's flags: replace documents edited by hand (each edited
 * one is kept in the new directory as NAME.edited-YYYYMMDD.EXT). */
#define MM_POLICY_FORCE 1u

/* What mm_policy_write found in an existing directory. */
struct mm_policy_write_info {
    char edited[MM_POLICY_DOCS * 2][64]; /* documents changed since mamori wrote them */
    size_t n_edited;
    char kept[MM_POLICY_DOCS * 2][96]; /* with MM_POLICY_FORCE: the copies kept, in order */
    bool unchecked; /* an earlier manifest without "sha256": replaced unchecked */
};

/* Writes NAME.md, NAME.html and policy.json as the directory dir. It is
 * always built beside dir as DIR.partial-XXXXXX and then renamed into place
 * (an existing dir is swapped out whole and its documents removed; the new
 * one gets the old one's mode and, best effort, its group), so a failure
 * leaves dir as it was and no partial directory behind. The manifest's
 * "sha256" records each document's SHA-256; a document in an existing dir
 * that no longer matches it was edited by hand: without MM_POLICY_FORCE
 * nothing is written and MM_ESTATE is returned with info->edited naming
 * them; with it each is kept in the new directory as
 * NAME.edited-<stamp>.EXT (stamp "YYYYMMDD"; -2, -3... when taken), and
 * kept copies already there are carried over. An existing dir holding
 * other files is refused with MM_ECONFLICT, a symbolic link with
 * MM_ESYMLINK. Returns 0 or MM_E*
 * with err set to the path concerned, for the caller's message: dir itself
 * (MM_EEXIST: not a directory; MM_ETOOBIG: name too long; MM_EINVAL: ".",
 * ".." or "/", which cannot be replaced whole; MM_ENOENT: its
 * parent is missing; MM_EPERM: not permitted; MM_EROFS, MM_ENOSPC: a
 * read-only or full file system; MM_EIO and others), or for
 * MM_ECONFLICT dir/NAME, the first file there that mamori did not write, or
 * dir/NAME of the document that could not be written. info may be NULL. */
int mm_policy_write(const struct mm_policy_output *out, const char *dir, unsigned flags,
                    const char *stamp, struct mm_policy_write_info *info, char *err, size_t errlen);

void mm_policy_output_free(struct mm_policy_output *out);

#endif
