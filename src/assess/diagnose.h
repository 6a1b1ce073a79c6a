/* SPDX-License-Identifier: Apache-2.0
 * The 25-item security self-diagnosis: the item catalogue (data/diagnose/),
 * scoring, bands, advice order, the JSON result, dated history and the comparison with the previous
 * run, and the text/Markdown/HTML reports. The scoring rules are in docs/design/diagnose.md. */
#ifndef MM_ASSESS_DIAGNOSE_H
#define MM_ASSESS_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "assess/answers.h"
#include "core/buf.h"
#include "core/i18n.h"

#define MM_DIAG_ITEMS            25
#define MM_DIAG_PARTS            3
#define MM_DIAG_MAX              100
#define MM_DIAG_BANDS_MAX        8
#define MM_DIAG_HISTORY_SCAN_MAX 100000 /* directory entries looked at */
#define MM_DIAG_HISTORY_PER_DAY  999    /* results kept per day */

enum mm_diag_format { MM_DIAG_TEXT = 0, MM_DIAG_JSON, MM_DIAG_MD, MM_DIAG_HTML };

struct mm_diag_item {
    int id;       /* 1..25 */
    int part;     /* 1 basic, 2 employee, 3 organisation */
    int priority; /* impact of the threats it blunts, 1..10 */
    bool na_allowed;
    const json_t *data; /* the item's object in items.json (texts, threats) */
};

struct mm_diag_band {
    int min; /* lowest score in the band */
    const json_t *data;
};

/* The embedded catalogue, checked on load (ids, parts, threat ids, texts). */
struct mm_diag_catalogue {
    json_t *items_doc, *bands_doc;
    struct mm_diag_item items[MM_DIAG_ITEMS];
    const json_t *parts[MM_DIAG_PARTS];
    int part_max[MM_DIAG_PARTS];
    struct mm_diag_band bands[MM_DIAG_BANDS_MAX];
    size_t n_bands;
};

#define MM_DIAG_ORG_MAX 300 /* bytes of the organisation's name (as the profile's) */

struct mm_diag_result {
    enum mm_answer answers[MM_DIAG_ITEMS]; /* answers[id - 1] */
    int points[MM_DIAG_ITEMS];
    int score;
    int part_score[MM_DIAG_PARTS], part_max[MM_DIAG_PARTS];
    size_t band;               /* index into catalogue bands */
    bool complete;             /* every item answered and none is "unknown" */
    int advice[MM_DIAG_ITEMS]; /* item ids, most important first */
    size_t n_advice;
    int unknown[MM_DIAG_ITEMS], na[MM_DIAG_ITEMS]; /* item ids, ascending */
    size_t n_unknown, n_na;
    char date[11];
    char org[MM_DIAG_ORG_MAX + 1]; /* organisation named in the heading; "" for none */
};

struct mm_diag_change {
    int id;
    enum mm_answer from, to;
};

/* The comparison with the previous result in a history directory. */
struct mm_diag_changes {
    bool have_previous;
    char previous_date[11];
    int previous_score, score_delta;
    struct mm_diag_change improved[MM_DIAG_ITEMS], regressed[MM_DIAG_ITEMS];
    /* Answered "don't know" before and something else now: found out, not
     * better or worse (knowing a measure is missing is no improvement). */
    struct mm_diag_change clarified[MM_DIAG_ITEMS];
    size_t n_improved, n_regressed, n_clarified;
};

/* Loads and checks the embedded catalogue. *out is freed with
 * mm_diag_catalogue_free. MM_EPARSE when the data is inconsistent. */
int mm_diag_catalogue_load(struct mm_diag_catalogue **out);
void mm_diag_catalogue_free(struct mm_diag_catalogue *cat);

/* What the answers file accepts: 25 items, "na" only where allowed. */
void mm_diag_answers_spec(const struct mm_diag_catalogue *cat, struct mm_answers_spec *spec);

/* Points for one answer: done 4, partly 2, not 0, unknown -1, na 4. */
int mm_diag_points(enum mm_answer a);

/* Scores a full set of answers (answers[id - 1]) dated today. MM_EINVAL when
 * an item is unanswered or "na" where it is not allowed. */
int mm_diag_evaluate(const struct mm_diag_catalogue *cat, const enum mm_answer *answers,
                     struct mm_diag_result *out);

/* The band index for a score (bands are checked from the top). */
size_t mm_diag_band_for(const struct mm_diag_catalogue *cat, int score);

const char *mm_diag_band_id(const struct mm_diag_catalogue *cat, size_t band);
int mm_diag_format_parse(const char *s, enum mm_diag_format *out);

/* Compares with a previous result (prev answers and score). */
void mm_diag_compare(const enum mm_answer *prev, int prev_score, const char *prev_date,
                     const struct mm_diag_result *now, struct mm_diag_changes *out);

/* The JSON result (texts in lang). changes may be NULL ("changes": null). */
int mm_diag_result_json(const struct mm_diag_catalogue *cat, const struct mm_diag_result *res,
                        const struct mm_diag_changes *changes, enum mm_lang lang, json_t **out);

/* Renders the report in any format into out (JSON pretty-printed). */
int mm_diag_render(const struct mm_diag_catalogue *cat, const struct mm_diag_result *res,
                   const struct mm_diag_changes *changes, enum mm_diag_format format,
                   enum mm_lang lang, struct mm_buf *out);

/* History: dir holds diagnose-YYYY-MM-DD.json, diagnose-YYYY-MM-DD-2.json...
 * mm_diag_history_previous fills *changes from the latest stored result,
 * read by mm_diag_read_latest, with its score computed from its answers
 * (have_previous false when dir is missing or holds none). When that file
 * cannot be used, *bad_path (free() it) names it and the error is
 * mm_diag_read_latest's (MM_EPARSE, MM_EINVAL, MM_ETOOBIG, MM_EIO...); an
 * error with *bad_path NULL is the directory's (MM_ENOTDIR, MM_EPERM,
 * MM_EIO...). */
int mm_diag_history_previous(const struct mm_diag_catalogue *cat, const char *dir,
                             const struct mm_diag_result *now, struct mm_diag_changes *changes,
                             char **bad_path);

/* The newest result in dir: *path_out (free()) and its date from the name.
 * MM_ENOENT when dir is missing or holds none; else why it cannot be read
 * (mm_error_from_errno: MM_ENOTDIR, MM_EPERM, ... MM_EIO). */
int mm_diag_history_latest(const char *dir, char **path_out, char date[11]);

/* Which file a diagnosis given as path is: path itself (also "-"), or, when
 * path is a directory, its newest result (mm_diag_history_latest) with its
 * date from the name (else date is ""). *used (free()) names the file; it
 * stays NULL on error. Returns 0; MM_ENOENT when the directory holds no
 * result; why it cannot be listed (MM_EPERM, ... MM_EIO); MM_ENOMEM. */
int mm_diag_resolve(const char *path, char **used, char date[11]);

/* Reads a diagnosis to build on (`mamori declare`, `mamori policy`): path
 * is an answers file or the JSON report of `mamori diagnose` (both read as
 * `diagnose --answers` reads them, mm_answers_load: all 25 items, 256 KiB at
 * most), or a history directory, meaning its newest result. The result is
 * computed from the answers alone (a "score" or "complete" in the file is
 * not trusted). res->date is the date of the diagnosis: a history file's
 * name, else the report's "date" when it is one, else "" (an answers file
 * has none). *used (free()) names the file read; it stays NULL when path is
 * a directory holding no result. Returns 0; MM_ENOENT (no such file, or no
 * result in the directory), MM_EPARSE or MM_EINVAL with *issues filled,
 * MM_ETOOBIG, MM_EIO, MM_ENOMEM. */
int mm_diag_read(const struct mm_diag_catalogue *cat, const char *path, struct mm_diag_result *res,
                 struct mm_answers_issues *issues, char **used);

/* mm_diag_read of dir taken as a history directory (never as a file): its
 * newest result (MM_ENOENT with *used NULL when dir is missing or holds
 * none, else why it cannot be listed: MM_ENOTDIR for a file, MM_EPERM,
 * ... MM_EIO). */
int mm_diag_read_latest(const struct mm_diag_catalogue *cat, const char *dir,
                        struct mm_diag_result *res, struct mm_answers_issues *issues, char **used);

/* Stores json_text as the next free dated name for date; *path_out (free())
 * is the file written. Creates dir when missing. */
int mm_diag_history_save(const char *dir, const char *date, const char *json_text, char **path_out);

/* Parses a history file name; returns true and the date and run number
 * (1 for no suffix) for "diagnose-YYYY-MM-DD[-N].json". */
bool mm_diag_history_name(const char *name, char date[11], int *seq);

#endif
