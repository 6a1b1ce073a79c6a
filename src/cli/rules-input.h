/* SPDX-License-Identifier: Apache-2.0
 * The five-rules record other subcommands build on: where `mamori rules`
 * keeps the answers given on a terminal ($XDG_DATA_HOME/mamori/rules, as
 * `mamori diagnose` keeps its results beside it), and reading the record
 * `mamori declare` uses (--rules FILE, else the newest record kept). See
 * docs/man/mamori-rules.1.md. Also the answer to each rule on a terminal
 * (one key, as `mamori diagnose` reads its answers). */
#ifndef MM_CLI_RULES_INPUT_H
#define MM_CLI_RULES_INPUT_H

#include <stdbool.h>

#include "assess/rules.h"
#include "cli/cli.h"

/* $XDG_DATA_HOME/mamori/rules (XDG_DATA_HOME absolute), else
 * $HOME/.local/share/mamori/rules; NULL when neither is set (or out of
 * memory). free() it. */
char *mm_cmd_rules_dir(void);

/* Keeps the record text (the JSON `mamori rules --output` writes) as
 * rules-YYYY-MM-DD[-N].json in the default folder, saying nothing. Returns
 * 0 with *where the file kept, else an MM_E* code with *where the folder
 * it could not be kept in (NULL when there is none: neither HOME nor
 * XDG_DATA_HOME). free(*where). */
int mm_cmd_rules_keep(const char *date, const char *text, char **where);

/* Says on standard error how keeping went (r and where from
 * mm_cmd_rules_keep): where the record is kept, or that it is not, with
 * the way to save it by hand; without that step when step_shown (the run
 * already showed the next step that works: the --output record's, or the
 * result's) or when the reason has a step of its own (one next step).
 * saved (NULL: none) is the --output record nothing else named (--format
 * json): when keeping failed, the line says it is saved there and that
 * `mamori declare --rules saved` reads it, instead of answering again
 * (until session 25 it said to answer again, though the record was saved).
 * Never an error: the result was already shown. */
void mm_cmd_rules_kept_say(const struct mm_cli *cli, int r, const char *where, bool step_shown,
                           const char *saved);

/* The five-rules record for cmd ("declare"): path, else, when path is NULL,
 * the newest record kept in the default folder (a line on standard error
 * says which; one that cannot be read is said and not used). *found is
 * false when there is no record. Returns 0, or MM_EXIT_INPUT (invalid, or
 * over MM_RULES_FILE_MAX) / MM_EXIT_IO after the message (path given and
 * bad). */
int mm_cmd_rules_load(const struct mm_cli *cli, const char *cmd, const char *path,
                      struct mm_rules_answers *answers, bool *found);

/* Answers to the rules asked on standard error, one after the other:
 * begin() puts a terminal on standard input into key mode (answers-tty.h:
 * raw, no echo, restored on every exit path and on Ctrl-Z) and returns true;
 * false when standard input is not a terminal, and the answers are then
 * read a line at a time (mm_cmd_ask_yes_no). end() restores the terminal. */
bool mm_cmd_rules_keys_begin(void);
void mm_cmd_rules_keys_end(void);

/* Prints prompt and reads one answer: in key mode (keys true) one key, no
 * Enter needed, as `mamori diagnose` answers: y yes, n no, q or Ctrl-D quit
 * (full-width ｙ ｎ ｑ too, an input method left on), Enter alone ignored,
 * any other key says again (the again text) and waits for the next;
 * otherwise a line (y/yes/はい, n/no/いいえ, q/quit). The key pressed is
 * shown after the prompt. 1 yes, 0 no, -1 quit or end of input. */
int mm_cmd_rules_ask(const char *prompt, const char *again, bool keys);

#endif
