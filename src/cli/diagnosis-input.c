/* SPDX-License-Identifier: Apache-2.0
 * Owns the default place of the kept diagnosis results and reading the
 * diagnosis `mamori declare` and `mamori policy` build on, with the messages
 * (data/i18n/assess-docs.json, "diagnosis.*"; the one for a kept diagnosis
 * that cannot be used is `mamori audit`'s too). See diagnosis-input.h. */
#include "cli/diagnosis-input.h"
#include "assess/diagnose.h"
#include "cli/cmd-common.h"
#include "core/buf.h"
#include "core/error.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TR(key) mm_tr("assess-docs", key, cli->lang)

char *mm_cmd_diagnosis_dir(void)
{
    return mm_cmd_xdg_path("XDG_DATA_HOME", ".local/share", "mamori/diagnosis");
}

void mm_cmd_answers_issues_print(const struct mm_cli *cli, const char *cmd, const char *file,
                                 const struct mm_answers_issues *issues)
{
    struct mm_buf msg = MM_BUF_INIT;
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s %s: %s: ", cli->prog, cmd, file);
    mm_answers_issues_format(issues, prefix, cli->lang, &msg);
    fputs(mm_buf_str(&msg), stderr);
    mm_buf_free(&msg);
}

/* What is wrong with the answers in file, in one message whose step fits:
 * the file given, or a result kept in the folder given (kept). */
static void print_issues(const struct mm_cli *cli, const char *cmd, const char *file, bool kept,
                         const struct mm_answers_issues *issues)
{
    struct mm_buf msg = MM_BUF_INIT;
    char prefix[600];
    const char *step = TR(kept ? "diagnosis.step.kept" : "diagnosis.step.file");
    snprintf(prefix, sizeof prefix, "%s %s: %s: ", cli->prog, cmd, file);
    mm_answers_issues_format_step(issues, prefix, step, cli->lang, &msg);
    if (!issues->bad_json) { /* the items' lines, then which file to give */
        const struct mm_fill_var vars[] = {{"file", file}, {"step", step}};
        mm_buf_printf(&msg, "%s %s: ", cli->prog, cmd);
        mm_fill(&msg, MM_FILL_MAX, TR(kept ? "diagnosis.error.hint_kept" : "diagnosis.error.hint"),
                vars, 2, 0);
        mm_buf_putc(&msg, '\n');
    }
    fputs(mm_buf_str(&msg), stderr);
    mm_buf_free(&msg);
}

/* "FILE: the diagnosis could not be read (reason)". */
static void print_failure(const struct mm_cli *cli, const char *cmd, const char *file, int r)
{
    mm_cli_error(cli, cmd, "%s: %s%s%s%s", file, TR("diagnosis.error.read"), MM_CMD_LPAREN,
                 mm_cmd_strerror(cli, r), MM_CMD_RPAREN);
}

void mm_cmd_diagnosis_unusable(const struct mm_cli *cli, const char *cmd, const char *file, int r)
{
    static const char *const keys[2] = {"diagnosis.default_unusable",
                                        "diagnosis.default_unusable_own_step"};
    mm_cmd_kept_unusable(cli, cmd, keys, file, r);
}

int mm_cmd_diagnosis_load(const struct mm_cli *cli, const char *cmd, const char *path, json_t **out)
{
    struct mm_diag_catalogue *cat = NULL;
    struct mm_diag_result res;
    struct mm_answers_issues issues;
    char *dir = path ? NULL : mm_cmd_diagnosis_dir(), *used = NULL;
    const char *from = path ? path : dir;
    int rc = 0, r;
    *out = NULL;
    if (!from)
        goto out;
    if ((r = mm_diag_catalogue_load(&cat)) != 0) {
        mm_cli_error(cli, cmd, "%s", TR("error.content"));
        rc = MM_EXIT_IO;
        goto out;
    }
    r = mm_diag_read(cat, from, &res, &issues, &used);
    if (r == 0 && (r = mm_diag_result_json(cat, &res, NULL, cli->lang, out)) == 0) {
        if (!res.date[0])
            json_object_del(*out, "date");
        if (!path || strcmp(used, path) != 0) /* the newest of a directory: say which */
            mm_cmd_say(cli, cmd, TR("diagnosis.using"), used, res.date[0] ? res.date : "-", NULL);
        goto out;
    }
    if (!path) { /* nothing kept yet is no diagnosis; a damaged one is said, not used */
        if (r != MM_ENOENT)
            mm_cmd_diagnosis_unusable(cli, cmd, used ? used : dir, r);
        goto out;
    }
    if (r == MM_EPARSE || r == MM_EINVAL) {
        print_issues(cli, cmd, used, strcmp(used, path) != 0, &issues);
        rc = MM_EXIT_INPUT;
    } else if (r == MM_ENOENT && !used) {
        mm_cmd_say(cli, cmd, TR("diagnosis.error.empty_dir"), path, NULL, NULL);
        rc = MM_EXIT_IO;
    } else if (mm_cmd_no_input(cli, cmd, used, r)) {
        rc = MM_EXIT_IO;
    } else {
        print_failure(cli, cmd, used ? used : path, r);
        rc = r == MM_ETOOBIG ? MM_EXIT_INPUT : MM_EXIT_IO; /* over 256 KiB: as diagnose */
    }
out:
    mm_diag_catalogue_free(cat);
    free(dir);
    free(used);
    return rc;
}
