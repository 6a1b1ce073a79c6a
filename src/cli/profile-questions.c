/* SPDX-License-Identifier: Apache-2.0
 * Owns the profile questions `mamori policy` asks on a terminal and the
 * line naming the answers it assumed (see profile-questions.h). The texts
 * are assess-docs.json's policy.ask.* and policy.practice.*. */
#include "cli/profile-questions.h"
#include "assess/policy.h"
#include "cli/cmd-common.h"
#include "core/buf.h"

#include <stdio.h>

#define TR(key) mm_tr("assess-docs", key, cli->lang)

/* The text of "policy.WHAT.FIELD" ("policy.ask.wifi", ...); key holds the
 * name, which is the text when there is no translation. */
static const char *practice_text(const struct mm_cli *cli, const char *what, const char *field,
                                 char key[64])
{
    snprintf(key, 64, "policy.%s.%s", what, field);
    return mm_tr("assess-docs", key, cli->lang);
}

/* Asks one practice: 1 yes, 0 no, -1 stop asking. */
static int ask_practice(const struct mm_cli *cli, const char *field)
{
    char key[64];
    struct mm_buf prompt = MM_BUF_INIT;
    int r = mm_buf_printf(&prompt, "%s [y/n/q]", practice_text(cli, "ask", field, key));
    int yes = r == 0 ? mm_cmd_ask_yes_no(mm_buf_str(&prompt), TR("policy.ask.again")) : -1;
    mm_buf_free(&prompt);
    return yes;
}

void mm_cmd_profile_questions(const struct mm_cli *cli, struct mm_profile *p,
                              const json_t *diagnosis, bool ask, struct mm_cmd_assumed *assumed)
{
    const char *open[MM_PROFILE_PRACTICES];
    size_t n = mm_profile_unanswered(p, open, MM_PROFILE_PRACTICES);
    bool asking = ask, introduced = false;
    assumed->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (mm_policy_diagnosis_settles(diagnosis, open[i]))
            continue;
        if (asking && !introduced) {
            fprintf(stderr, "%s\n", TR("policy.ask.intro"));
            introduced = true;
        }
        int yes = asking ? ask_practice(cli, open[i]) : -1;
        struct mm_profile_error e;
        if (yes >= 0 && mm_profile_set(p, open[i], yes ? "yes" : "no", &e) == 0)
            continue;
        if (asking) /* q, the end of input: the rest stay "no" */
            fputc('\n', stderr);
        asking = false;
        assumed->fields[assumed->n++] = open[i];
    }
}

bool mm_cmd_profile_assumed_print(const struct mm_cli *cli, const struct mm_cmd_assumed *assumed)
{
    if (assumed->n == 0)
        return false;
    char key[64];
    struct mm_buf list = MM_BUF_INIT;
    int r = 0;
    for (size_t i = 0; i < assumed->n && r == 0; i++)
        r = mm_buf_printf(&list, "%s%s", i ? TR("policy.practice.separator") : "",
                          practice_text(cli, "practice", assumed->fields[i], key));
    const struct mm_fill_var vars[] = {{"list", mm_buf_str(&list)}};
    struct mm_buf msg = MM_BUF_INIT;
    if (r == 0 && mm_fill(&msg, MM_FILL_MAX, TR("policy.summary.assumed"), vars, 1, 0) == 0)
        printf("%s\n", mm_buf_str(&msg));
    mm_buf_free(&msg);
    mm_buf_free(&list);
    return true;
}

/* Asks the organisation name on the terminal, one line cleaned as --org
 * is; a name that cannot be used (too long, control characters, not
 * UTF-8) is said with the --org problem text and asked again. 1 with the
 * name in p, 0 when none was typed (an empty line, spaces only, the end
 * of input). */
int mm_cmd_ask_org_name(const struct mm_cli *cli, const char *cmd, const char *prompt_key,
                        struct mm_profile *p)
{
    char line[MM_PROFILE_TEXT_MAX * 2], key[64];
    struct mm_profile_error e = {0};
    for (;;) {
        int r = mm_cmd_ask_line(TR(prompt_key), line, sizeof line);
        if (r < 0) { /* Ctrl-D: the message starts on a line of its own */
            fputc('\n', stderr);
            return 0;
        }
        if (r == 0 && mm_profile_set(p, "name", line, &e) == 0)
            return p->name[0] != '\0';
        snprintf(key, sizeof key, "profile.problem.%d",
                 r > 0 ? (int)MM_PROFILE_TOO_LONG : (int)e.problem);
        const struct mm_fill_var var = {"problem", TR(key)};
        struct mm_buf msg = MM_BUF_INIT;
        if (mm_fill(&msg, MM_FILL_MAX, TR("declare.ask_org_again"), &var, 1, 0) == 0)
            mm_cli_error(cli, cmd, "%s", mm_buf_str(&msg));
        mm_buf_free(&msg);
    }
}
