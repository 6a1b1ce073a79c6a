/* SPDX-License-Identifier: Apache-2.0
 * Pieces every `mamori` subcommand (cmd-*.c) shares: getopt reset, option
 * choices such as --format, the usage error line, a filled message line,
 * the line for a kept file that cannot be used, writing a finished output
 * to --output or standard output, saving a JSON record, reading a bounded
 * JSON input file, a line or a yes/no question on the terminal, and a word of a
 * command line printed for the owner, quoted for the shell. Messages stay the
 * subcommand's own: callers pass the command name and the translated text. */
#ifndef MM_CLI_CMD_COMMON_H
#define MM_CLI_CMD_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cli/cli.h"
#include "core/buf.h"

/* The message for an MM_E* code in cli's language (data/i18n/errors.json;
 * the core's English text when there is no translation). */
const char *mm_cmd_strerror(const struct mm_cli *cli, int code);

/* A per-user path under the XDG base directories: $VAR/NAME when the
 * environment variable VAR (e.g. "XDG_DATA_HOME") holds an absolute path,
 * else $HOME/HOME_DIR/NAME (e.g. ".local/share"); NULL when neither is set
 * (or out of memory). free() it. */
char *mm_cmd_xdg_path(const char *var, const char *home_dir, const char *name);

/* Brackets around a reason after a message: full-width in Japanese. Used
 * inside a function with `cli` in scope. */
#define MM_CMD_LPAREN (cli->lang == MM_LANG_JA ? "（" : " (")
#define MM_CMD_RPAREN (cli->lang == MM_LANG_JA ? "）" : ")")

/* Prints "mamori CMD: WHAT: MESSAGE" (or "mamori CMD: MESSAGE" when what is
 * NULL) and returns MM_EXIT_USAGE. */
int mm_cmd_usage_error(const struct mm_cli *cli, const char *cmd, const char *what,
                       const char *message);

/* Prints "mamori CMD: MESSAGE" on standard error, MESSAGE being the
 * translated template text with {file}, {date} and {why} filled (NULL for
 * one it does not use). */
void mm_cmd_say(const struct mm_cli *cli, const char *cmd, const char *text, const char *file,
                const char *date, const char *why);

/* An input file that is not there (r is MM_ENOENT): prints "mamori CMD:
 * FILE: there is no such file; check the file's name and the folder it is
 * in" (cli.json error.no_input) and returns true; false, printing nothing,
 * for any other r. Every subcommand says a missing input file this way. */
bool mm_cmd_no_input(const struct mm_cli *cli, const char *cmd, const char *path, int r);

/* A file kept by default (the newest record in its folder; the folder
 * itself when no file was found) cannot be used for reason r: says so for
 * cmd, with the assess-docs message keys[0] ({file}, {why}: its next step)
 * or keys[1] when the reason has a step of its own (one next step); the
 * reason of MM_EPARSE/MM_EINVAL is "its content is not valid". The caller
 * goes on without the file. For the kept diagnosis and five-rules record. */
void mm_cmd_kept_unusable(const struct mm_cli *cli, const char *cmd, const char *const keys[2],
                          const char *file, int r);

/* The argument getopt_long has just refused (an unknown option, or one
 * missing its value): argv[optind - 1], or NULL. For the error message. */
const char *mm_cmd_refused_arg(int argc, char **argv);

/* The options given so far on one command line (mm_cmd_once); zero it
 * first. */
#define MM_CMD_GIVEN_MAX 64
struct mm_cmd_given {
    const char *names[MM_CMD_GIVEN_MAX];
    size_t n;
};

/* The rule of every mamori command line, as of mamori-center's and
 * mamori-sensor's: an option is given once (the last one won), except one
 * the usage marks repeatable (`--check ID...`), which the caller leaves out,
 * and --help. name is the long option without its "--". 0 the first time;
 * the second prints "mamori CMD: --NAME: given more than once" (cli.json
 * error.twice) and returns MM_EXIT_USAGE. */
int mm_cmd_once(const struct mm_cli *cli, const char *cmd, struct mm_cmd_given *given,
                const char *name);

/* mm_cmd_once for what getopt_long returned (c): the long option of
 * options whose value is c; 0 for anything else (':', '?', an unknown c). */
struct option;
int mm_cmd_once_opt(const struct mm_cli *cli, const char *cmd, struct mm_cmd_given *given,
                    const struct option *options, int c);

/* The usage error for an option getopt_long refused (c is '?', or ':' for a
 * missing value when the option string starts with ':'): "this option needs
 * a value" or the general "invalid command line (see --help)" (assess-docs),
 * naming the argument. Returns MM_EXIT_USAGE. */
int mm_cmd_refused(const struct mm_cli *cli, const char *cmd, int c, int argc, char **argv);

/* The value of --output: standard output already carries each command's
 * result, and "-" means standard input in every reading option, so "-" is
 * refused ("--output needs a file name (write ./- for a file named -)",
 * cli.json error.output_dash) with MM_EXIT_USAGE, and so is an empty value
 * (error.output_empty; it named no file); 0 for a file name. */
int mm_cmd_output_arg(const struct mm_cli *cli, const char *cmd, const char *arg);

/* Makes getopt_long start at argv[1] again and leave the error messages to
 * the subcommand (each reports unknown options in its own words). */
void mm_cmd_getopt_begin(void);

/* The index of arg among names[0..n), or -1: for --format and the like. */
int mm_cmd_choice(const char *arg, const char *const *names, size_t n);

/* --format text|json: 0 for text, 1 for json, -1 for anything else. */
int mm_cmd_text_or_json(const char *arg);

/* Writes out whole: to path by mm_file_write_output (a regular file replaced
 * atomically where it is, keeping its mode and group; a device or FIFO
 * written into), or to standard output (and flushes it) when path is NULL.
 * Returns 0 or the system's reason as an MM_E* code (MM_ENOSPC, ...); no
 * message. */
int mm_cmd_write_output(const char *path, const struct mm_buf *out);
/* The same, a file created with mode (less the umask): 0600 for a report
 * only its owner may read. */
int mm_cmd_write_output_mode(const char *path, const struct mm_buf *out, mode_t mode);

/* "mamori CMD: standard output (...): could not write (reason)"
 * (cli.json error.stdout and errors.json's reason for r; none when r is 0,
 * not known). */
void mm_cmd_stdout_failed(const struct mm_cli *cli, const char *cmd, int r);

/* At the end of a command that returned rc: flushes standard output and,
 * when rc is MM_EXIT_OK or MM_EXIT_NOTMET (a result) but something written
 * there was not taken (a full disk, /dev/full, a closed pipe), says so
 * (mm_cmd_stdout_failed) and returns MM_EXIT_IO; else rc. */
int mm_cmd_finish_stdout(const struct mm_cli *cli, const char *cmd, int rc);

/* "line L: " / 「L 行目: 」 in buf (of n bytes) for a message about a
 * file's line, "" when line is 0; returns buf. */
const char *mm_cmd_at_line(const struct mm_cli *cli, int line, char *buf, size_t n);

/* "mamori CMD: PATH: could not write (reason)"; a folder that does not
 * exist (MM_ENOENT) is said so, with the step to create it or choose
 * another place (cli.json error.write, error.write_no_folder). */
void mm_cmd_write_failed(const struct mm_cli *cli, const char *cmd, const char *path, int r);

/* Saves text plus a newline at path as mm_cmd_write_output does; on failure prints
 * mm_cmd_write_failed's message and returns MM_EXIT_IO, else 0. */
int mm_cmd_save_line(const struct mm_cli *cli, const char *cmd, const char *path, const char *text);

/* Prints prompt and a space on standard error and reads one line from
 * standard input into line (size bytes), without its end of line: 0, 1
 * when the line was longer (the rest is read and dropped, line holds its
 * start), -1 at the end of input. The way every question on the terminal
 * is read (mm_cmd_ask_yes_no; the organisation name `mamori declare` asks). */
int mm_cmd_ask_line(const char *prompt, char *line, size_t size);

/* Prints prompt and a space on standard error and reads one reply line
 * from standard input: 1 for yes (y, yes, はい), 0 for no (n, no, いいえ),
 * -1 for quit (q, quit) or the end of input; after anything else prints
 * again and asks once more. Full-width letters (an input method left on) and
 * spaces around the reply are fine. For the profile questions of `mamori
 * policy`, and `mamori rules` when standard input is no terminal to read
 * keys from (on one, rules answers with one key: rules-input.c). */
int mm_cmd_ask_yes_no(const char *prompt, const char *again);

/* Reads the JSON file at path (at most max bytes; "-" is standard input).
 * Returns 0 with *out set, MM_EXIT_INPUT (too big, or not JSON: then
 * "PATH: line L, column C: " and the template not_json with {why}, the
 * parser's kind of error in the message language; a file that is not UTF-8
 * says so and how to save it again) or MM_EXIT_IO, after printing why: a
 * file that cannot be read is "PATH: reason", or, when unreadable is not
 * NULL, its template [0] with {file} and {why} (the next step), [1] when the
 * reason has a step of its own (mm_error_has_step). */
int mm_cmd_read_json(const struct mm_cli *cli, const char *cmd, const char *path, size_t max,
                     const char *not_json, const char *const unreadable[2], json_t **out);

/* Appends the word s to b as a shell reads it back whole: in single quotes
 * (each "'" as '\'') when sh, bash or zsh would split or expand it (a name
 * with spaces or "!", a folder with "$"), as it is otherwise (letters,
 * digits, "-_./:=@," and Japanese). Double quotes would not stop bash's
 * history expansion of "!". For the command lines printed for the owner to
 * paste (policy's next step, rules' `mamori declare --rules`). 0 or
 * MM_ENOMEM. */
int mm_cmd_shell_arg(struct mm_buf *b, const char *s);

/* path as an absolute path, so a printed command line that names it works
 * from any folder: an absolute path as given (the owner's own spelling); a
 * relative one as the file's real path (realpath(3)) when it exists, else
 * the current folder followed by path (a leading "./" dropped). malloc'd;
 * NULL when out of memory or the current folder cannot be told. */
char *mm_cmd_abs_path(const char *path);

/* Appends path to b for a printed command line: mm_cmd_abs_path, quoted by
 * mm_cmd_shell_arg (path as given when it cannot be made absolute). The
 * files such a line names are the ones the program just wrote or read
 * (policy's --policy and --profile, rules' --rules). 0 or MM_ENOMEM. */
int mm_cmd_path_arg(struct mm_buf *b, const char *path);

#endif
