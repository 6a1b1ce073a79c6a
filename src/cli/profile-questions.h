/* SPDX-License-Identifier: Apache-2.0
 * The profile's yes/no questions (the practices: my_number, cloud, ...)
 * that `mamori policy` was not given: asked one by one when standard input
 * is a terminal, else taken as "no" (as they always were) and named in the
 * summary, so the owner sees which answers the documents assumed. */
#ifndef MM_CLI_PROFILE_QUESTIONS_H
#define MM_CLI_PROFILE_QUESTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "assess/profile.h"
#include "cli/cli.h"

/* The practices left "no" without an answer. */
struct mm_cmd_assumed {
    const char *fields[MM_PROFILE_PRACTICES];
    size_t n;
};

/* For every practice neither in the profile nor answered by the diagnosis
 * (wifi, cloud: mm_policy_diagnosis_settles): when ask is true, asks it on
 * standard error and reads y/n/はい/いいえ from standard input, setting the
 * answer in p; q or the end of input leaves the rest unanswered. Every
 * practice still unanswered stays "no" and is listed in assumed. */
void mm_cmd_profile_questions(const struct mm_cli *cli, struct mm_profile *p,
                              const json_t *diagnosis, bool ask, struct mm_cmd_assumed *assumed);

/* The summary line naming the assumed practices ("... taken as no: ..."),
 * on standard output, and true; nothing and false when there are none. */
bool mm_cmd_profile_assumed_print(const struct mm_cli *cli, const struct mm_cmd_assumed *assumed);

/* Asks the organisation name on the terminal (the prompt_key text, on
 * standard error), one line cleaned as a profile's name is; a name that
 * cannot be used (too long, control characters, not UTF-8) is said and
 * asked again (messages as cmd). 1 with the name in p, 0 when none was
 * typed (an empty line, spaces only, the end of input). Used by `mamori
 * declare` and `mamori policy`. */
int mm_cmd_ask_org_name(const struct mm_cli *cli, const char *cmd, const char *prompt_key,
                        struct mm_profile *p);

#endif
