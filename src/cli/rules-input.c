/* SPDX-License-Identifier: Apache-2.0
 * Owns the default place of the kept five-rules records, keeping one, and
 * reading the record `mamori declare` builds on, with the messages
 * (data/i18n/assess-docs.json, "rules.kept*", "rules.using", ...), and
 * reading the answer to each rule on a terminal, one key at a time. See
 * rules-input.h. */
#include "cli/rules-input.h"
#include "assess/answers-tty.h"
#include "cli/cmd-common.h"
#include "core/buf.h"
#include "core/dated.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define TR(key) mm_tr("assess-docs", key, cli->lang)

#define PREFIX   "rules-"
#define SCAN_MAX 100000 /* directory entries looked at, as for the diagnosis */
#define PER_DAY  999    /* records kept per day */

char *mm_cmd_rules_dir(void)
{
    return mm_cmd_xdg_path("XDG_DATA_HOME", ".local/share", "mamori/rules");
}

int mm_cmd_rules_keep(const char *date, const char *text, char **where)
{
    char *dir = mm_cmd_rules_dir();
    *where = NULL;
    if (!dir)
        return MM_ENOENT;
    int r = text ? mm_dated_save(dir, PREFIX, date, PER_DAY, text, where) : MM_ENOMEM;
    if (r == 0)
        free(dir);
    else
        *where = dir;
    return r;
}

/* Keeping failed (r; where: the folder, NULL: none) but the record is
 * saved in saved: that file is the way to `mamori declare` (named in the
 * command as {saved_arg}: absolute, quoted for the shell), unless the
 * reason carries its own step (mm_error_has_step), which is then the one
 * next step the line ends with. */
static void say_saved_not_kept(const struct mm_cli *cli, int r, const char *where,
                               const char *saved)
{
    struct mm_buf arg = MM_BUF_INIT, msg = MM_BUF_INIT;
    int rc = mm_cmd_path_arg(&arg, saved);
    const struct mm_fill_var vars[] = {{"file", where},
                                       {"saved", saved},
                                       {"saved_arg", mm_buf_str(&arg)},
                                       {"why", mm_cmd_strerror(cli, r)}};
    const char *key = !where                 ? "rules.kept_nowhere_saved"
                      : mm_error_has_step(r) ? "rules.kept_failed_saved_own_step"
                                             : "rules.kept_failed_saved";
    if (rc == 0 && mm_fill(&msg, MM_FILL_MAX, TR(key), vars, 4, 0) == 0)
        mm_cli_error(cli, "rules", "%s", mm_buf_str(&msg));
    mm_buf_free(&arg);
    mm_buf_free(&msg);
}

void mm_cmd_rules_kept_say(const struct mm_cli *cli, int r, const char *where, bool step_shown,
                           const char *saved)
{
    if (r == 0)
        mm_cmd_say(cli, "rules", TR("rules.kept"), where, NULL, NULL);
    else if (saved)
        say_saved_not_kept(cli, r, where, saved);
    else if (!where)
        mm_cli_error(cli, "rules", "%s",
                     TR(step_shown ? "rules.kept_nowhere_own_step" : "rules.kept_nowhere"));
    else /* the reason's own step, the one shown, or ours (one next step) */
        mm_cmd_say(cli, "rules",
                   TR(step_shown || mm_error_has_step(r) ? "rules.kept_failed_own_step"
                                                         : "rules.kept_failed"),
                   where, NULL, mm_cmd_strerror(cli, r));
}

/* Prints every problem of a record that is not one, naming the file. */
static void print_record_problems(const struct mm_cli *cli, const char *cmd, const char *path,
                                  const struct mm_rules_error *e)
{
    struct mm_buf b = MM_BUF_INIT;
    mm_rules_error_describe(e, cli->lang, &b);
    for (const char *line = mm_buf_str(&b); *line;) {
        size_t n = strcspn(line, "\n");
        mm_cli_error(cli, cmd, "%s: %s: %.*s", path, TR("declare.error.rules_file"), (int)n, line);
        line += n + (line[n] == '\n');
    }
    mm_buf_free(&b);
}

/* The newest kept record, when there is one that can be read. */
static void load_kept(const struct mm_cli *cli, const char *cmd, struct mm_rules_answers *answers,
                      bool *found)
{
    struct mm_rules_error e;
    char *dir = mm_cmd_rules_dir(), *path = NULL, date[11];
    int r = dir ? mm_dated_latest(dir, PREFIX, SCAN_MAX, &path, date) : MM_ENOENT;
    if (r == 0 && (r = mm_rules_read_file(path, answers, &e)) == 0) {
        mm_cmd_say(cli, cmd, TR("rules.using"), path, date, NULL);
        *found = true;
    } else if (r != MM_ENOENT || path) { /* nothing kept yet is no record; a bad one is said */
        static const char *const keys[2] = {"rules.default_unusable",
                                            "rules.default_unusable_own_step"};
        mm_cmd_kept_unusable(cli, cmd, keys, path ? path : dir, r);
    }
    free(path);
    free(dir);
}

int mm_cmd_rules_load(const struct mm_cli *cli, const char *cmd, const char *path,
                      struct mm_rules_answers *answers, bool *found)
{
    struct mm_rules_error e;
    *found = false;
    memset(answers, 0, sizeof *answers);
    if (!path) {
        load_kept(cli, cmd, answers, found);
        return 0;
    }
    int r = mm_rules_read_file(path, answers, &e);
    if (r == MM_EPARSE) {
        print_record_problems(cli, cmd, path, &e);
        return MM_EXIT_INPUT;
    }
    if (mm_cmd_no_input(cli, cmd, path, r))
        return MM_EXIT_IO;
    if (r != 0) { /* how to make a record, unless the reason says what to do */
        mm_cmd_say(cli, cmd,
                   TR(mm_error_has_step(r) || r == MM_ETOOBIG ? "rules.error.unreadable_own_step"
                                                              : "rules.error.unreadable"),
                   path, NULL, mm_cmd_strerror(cli, r));
        /* over 64 KiB is bad input, as a too-big policy or diagnosis file */
        return r == MM_ETOOBIG ? MM_EXIT_INPUT : MM_EXIT_IO;
    }
    *found = true;
    return 0;
}

bool mm_cmd_rules_keys_begin(void)
{
    return mm_tty_raw_begin(STDIN_FILENO) == 0;
}

void mm_cmd_rules_keys_end(void)
{
    mm_tty_raw_end();
}

/* 1 yes, 0 no, -1 quit, -2 Enter (ignored), -3 any other key (MM_KEY_REDRAW is
 * handled before: it is no key the owner pressed). */
static int key_answer(const struct mm_tty_event *ev)
{
    if (ev->key == MM_KEY_EOF)
        return -1;
    if (ev->key == MM_KEY_ENTER)
        return -2;
    if (ev->key != MM_KEY_CHAR)
        return -3;
    switch (ev->ch) {
    case 'y':
    case 'Y':
        return 1;
    case 'n':
    case 'N':
        return 0;
    case 'q':
    case 'Q':
        return -1;
    default:
        return -3;
    }
}

int mm_cmd_rules_ask(const char *prompt, const char *again, bool keys)
{
    if (!keys)
        return mm_cmd_ask_yes_no(prompt, again);
    struct mm_tty_event ev;
    bool show = true;
    for (;;) {
        if (show) { /* at first, after another key, and again after Ctrl-Z and fg */
            fprintf(stderr, "%s ", prompt);
            fflush(stderr);
        }
        mm_tty_read_key(STDIN_FILENO, &ev);
        if (ev.key == MM_KEY_REDRAW) { /* continued after Ctrl-Z: not a wrong key */
            fputc('\n', stderr);
            show = true;
            continue;
        }
        int a = key_answer(&ev);
        show = a == -3;
        if (a >= -1) {
            fprintf(stderr, "%s\n", a == 1 ? "y" : a == 0 ? "n" : "q");
            return a;
        }
        if (a == -3) { /* the rest of a character an input method sent is the same key */
            tcflush(STDIN_FILENO, TCIFLUSH);
            fprintf(stderr, "\n%s\n", again);
        }
    }
}
