/* SPDX-License-Identifier: Apache-2.0
 * The self-diagnosis other subcommands build on: where an interactive
 * `mamori diagnose` keeps its results by default, and reading the diagnosis
 * `mamori declare` and `mamori policy` use (--diagnosis FILE or DIR, else
 * the newest result kept by default). See docs/man/mamori-declare.1.md. */
#ifndef MM_CLI_DIAGNOSIS_INPUT_H
#define MM_CLI_DIAGNOSIS_INPUT_H

#include <jansson.h>

#include "assess/answers.h"
#include "cli/cli.h"

/* $XDG_DATA_HOME/mamori/diagnosis (XDG_DATA_HOME absolute), else
 * $HOME/.local/share/mamori/diagnosis; NULL when neither is set (or out of
 * memory). free() it. */
char *mm_cmd_diagnosis_dir(void);

/* The diagnosis for cmd ("declare", "policy"): path (an answers file, the
 * JSON report of `mamori diagnose`, or a history directory: its newest
 * result), else, when path is NULL, the newest result in the default
 * directory when there is one (a line on standard error says which file
 * and date; one that cannot be read is said and not used). *out is the
 * result as `mamori diagnose --format json` writes it, computed from the
 * answers, with no "date" when the file gives none; NULL when there is no
 * diagnosis. Returns 0, or MM_EXIT_INPUT / MM_EXIT_IO after the message. */
int mm_cmd_diagnosis_load(const struct mm_cli *cli, const char *cmd, const char *path,
                          json_t **out);

/* The kept diagnosis file (the newest in the default directory; the
 * directory itself when no file was found) cannot be used for reason r
 * (MM_EPARSE/MM_EINVAL: not a valid diagnosis): says so on standard error
 * for cmd, with the way out, or the reason's own next step (one next step),
 * and goes on without it. */
void mm_cmd_diagnosis_unusable(const struct mm_cli *cli, const char *cmd, const char *file, int r);

/* Every problem of an answers file (or report, history or progress file) on
 * standard error, one line each: "mamori CMD: FILE: ...". */
void mm_cmd_answers_issues_print(const struct mm_cli *cli, const char *cmd, const char *file,
                                 const struct mm_answers_issues *issues);

#endif
