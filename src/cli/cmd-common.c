/* SPDX-License-Identifier: Apache-2.0
 * Owns the command-line plumbing shared by the subcommands (see
 * cmd-common.h): getopt reset, option choices, usage errors (an option given
 * twice, a refused one, `--output -`), filled message lines, the line for a
 * missing input file (mm_cmd_no_input), the line for a kept file that cannot
 * be used (mm_cmd_kept_unusable), output writing (and the check that standard
 * output took everything, mm_cmd_finish_stdout), JSON file input, a line and
 * the yes/no question on a terminal (mm_cmd_ask_line, mm_cmd_ask_yes_no) and
 * a word of a printed command line quoted for the shell (mm_cmd_shell_arg), a
 * path in it made absolute (mm_cmd_path_arg). */
#include "cli/cmd-common.h"
#include "assess/json-why.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/str.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *mm_cmd_strerror(const struct mm_cli *cli, int code)
{
    const char *name = mm_errname(code);
    const char *text = mm_tr("errors", name, cli->lang);
    return text == name ? mm_strerror(code) : text;
}

int mm_cmd_usage_error(const struct mm_cli *cli, const char *cmd, const char *what,
                       const char *message)
{
    if (what)
        mm_cli_error(cli, cmd, "%s: %s", what, message);
    else
        mm_cli_error(cli, cmd, "%s", message);
    return MM_EXIT_USAGE;
}

void mm_cmd_say(const struct mm_cli *cli, const char *cmd, const char *text, const char *file,
                const char *date, const char *why)
{
    const struct mm_fill_var vars[] = {{"file", file}, {"date", date}, {"why", why}};
    struct mm_buf msg = MM_BUF_INIT;
    if (mm_fill(&msg, MM_FILL_MAX, text, vars, 3, 0) == 0)
        mm_cli_error(cli, cmd, "%s", mm_buf_str(&msg));
    mm_buf_free(&msg);
}

bool mm_cmd_no_input(const struct mm_cli *cli, const char *cmd, const char *path, int r)
{
    if (r != MM_ENOENT)
        return false;
    mm_cmd_say(cli, cmd, mm_tr("cli", "error.no_input", cli->lang), path, NULL, NULL);
    return true;
}

void mm_cmd_kept_unusable(const struct mm_cli *cli, const char *cmd, const char *const keys[2],
                          const char *file, int r)
{
    const char *why = r == MM_EPARSE || r == MM_EINVAL
                          ? mm_tr("assess-docs", "diagnosis.why.invalid", cli->lang)
                          : mm_cmd_strerror(cli, r);
    mm_cmd_say(cli, cmd, mm_tr("assess-docs", keys[mm_error_has_step(r) ? 1 : 0], cli->lang), file,
               NULL, why);
}

const char *mm_cmd_refused_arg(int argc, char **argv)
{
    /* A short option refused in the middle of a group ("-Zq": Z unknown)
     * leaves optind on that group; at its end, or a long option, after it. */
    bool is_short = optopt > 0 && optopt < 256;
    const char *at = optind < argc ? argv[optind] : NULL;
    const char *before = optind >= 2 && optind - 1 < argc ? argv[optind - 1] : NULL;
    if (is_short && before && before[0] == '-' && before[1] != '-' && before[1] &&
        (unsigned char)before[strlen(before) - 1] == optopt)
        return before;
    if (is_short && at && at[0] == '-' && at[1] && at[1] != '-' && strchr(at + 1, optopt))
        return at;
    return before;
}

int mm_cmd_refused(const struct mm_cli *cli, const char *cmd, int c, int argc, char **argv)
{
    const char *text = c == ':' ? mm_tr("cli", "error.missing_value", cli->lang)
                                : mm_tr("assess-docs", "error.usage", cli->lang);
    return mm_cmd_usage_error(cli, cmd, mm_cmd_refused_arg(argc, argv), text);
}

int mm_cmd_once(const struct mm_cli *cli, const char *cmd, struct mm_cmd_given *given,
                const char *name)
{
    for (size_t i = 0; i < given->n; i++)
        if (strcmp(given->names[i], name) == 0) {
            mm_cli_error(cli, cmd, "--%s: %s", name, mm_tr("cli", "error.twice", cli->lang));
            return MM_EXIT_USAGE;
        }
    if (given->n < MM_CMD_GIVEN_MAX)
        given->names[given->n++] = name;
    return 0;
}

int mm_cmd_once_opt(const struct mm_cli *cli, const char *cmd, struct mm_cmd_given *given,
                    const struct option *options, int c)
{
    if (c == ':' || c == '?')
        return 0;
    for (const struct option *o = options; o->name; o++)
        if (o->val == c && strcmp(o->name, "help") != 0)
            return mm_cmd_once(cli, cmd, given, o->name);
    return 0;
}

int mm_cmd_output_arg(const struct mm_cli *cli, const char *cmd, const char *arg)
{
    if (!*arg)
        return mm_cmd_usage_error(cli, cmd, NULL, mm_tr("cli", "error.output_empty", cli->lang));
    if (strcmp(arg, "-") != 0)
        return 0;
    return mm_cmd_usage_error(cli, cmd, NULL, mm_tr("cli", "error.output_dash", cli->lang));
}

void mm_cmd_getopt_begin(void)
{
    optind = 1;
    opterr = 0;
}

int mm_cmd_choice(const char *arg, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(arg, names[i]) == 0)
            return (int)i;
    return -1;
}

int mm_cmd_text_or_json(const char *arg)
{
    static const char *const names[] = {"text", "json"};
    return mm_cmd_choice(arg, names, 2);
}

int mm_cmd_write_output(const char *path, const struct mm_buf *out)
{
    return mm_cmd_write_output_mode(path, out, 0666);
}

int mm_cmd_write_output_mode(const char *path, const struct mm_buf *out, mode_t mode)
{
    if (path)
        return mm_file_write_output(path, mm_buf_str(out), out->len, mode);
    errno = 0;
    if (fwrite(mm_buf_str(out), 1, out->len, stdout) != out->len || fflush(stdout) != 0)
        return mm_error_from_errno(errno); /* ENOSPC on a full disk, EPIPE, ... */
    return 0;
}

void mm_cmd_stdout_failed(const struct mm_cli *cli, const char *cmd, int r)
{
    if (r == 0) /* the reason is not known */
        mm_cli_error(cli, cmd, "%s", mm_tr("cli", "error.stdout", cli->lang));
    else
        mm_cli_error(cli, cmd, "%s%s%s%s", mm_tr("cli", "error.stdout", cli->lang), MM_CMD_LPAREN,
                     mm_cmd_strerror(cli, r), MM_CMD_RPAREN);
}

int mm_cmd_finish_stdout(const struct mm_cli *cli, const char *cmd, int rc)
{
    errno = 0;
    bool failed = fflush(stdout) != 0;
    int r = failed && errno ? mm_error_from_errno(errno) : 0; /* an earlier write's is gone */
    failed = failed || ferror(stdout);
    /* a negative result (exit 1) not delivered is no result either; an
     * error (2 and up) has been said already */
    if (!failed || (rc != MM_EXIT_OK && rc != MM_EXIT_NOTMET))
        return rc;
    mm_cmd_stdout_failed(cli, cmd, r);
    return MM_EXIT_IO;
}

const char *mm_cmd_at_line(const struct mm_cli *cli, int line, char *buf, size_t n)
{
    char num[16];
    struct mm_buf b = MM_BUF_INIT;
    snprintf(num, sizeof num, "%d", line);
    const struct mm_fill_var var = {"line", num};
    buf[0] = '\0';
    if (line > 0 &&
        mm_fill(&b, MM_FILL_MAX, mm_tr("cli", "error.at_line", cli->lang), &var, 1, 0) == 0)
        snprintf(buf, n, "%s: ", mm_buf_str(&b));
    mm_buf_free(&b);
    return buf;
}

void mm_cmd_write_failed(const struct mm_cli *cli, const char *cmd, const char *path, int r)
{
    const char *key = r == MM_ENOENT ? "error.write_no_folder" : "error.write";
    mm_cmd_say(cli, cmd, mm_tr("cli", key, cli->lang), path, NULL, mm_cmd_strerror(cli, r));
}

int mm_cmd_save_line(const struct mm_cli *cli, const char *cmd, const char *path, const char *text)
{
    struct mm_buf b = MM_BUF_INIT;
    int r = text ? mm_buf_printf(&b, "%s\n", text) : MM_ENOMEM;
    if (r == 0)
        r = mm_file_write_output(path, b.data, b.len, 0666);
    mm_buf_free(&b);
    if (r != 0)
        mm_cmd_write_failed(cli, cmd, path, r);
    return r == 0 ? 0 : MM_EXIT_IO;
}

/* "PATH: reason", or the template unreadable[0] ({file}, {why}: its next
 * step), unreadable[1] when the reason has a step of its own. */
static void print_unreadable(const struct mm_cli *cli, const char *cmd, const char *path, int r,
                             const char *const unreadable[2])
{
    const struct mm_fill_var vars[] = {{"file", path}, {"why", mm_cmd_strerror(cli, r)}};
    struct mm_buf msg = MM_BUF_INIT;
    if (mm_cmd_no_input(cli, cmd, path, r))
        return;
    if (!unreadable || r == MM_ETOOBIG ||
        mm_fill(&msg, MM_FILL_MAX, unreadable[mm_error_has_step(r) ? 1 : 0], vars, 2, 0) != 0)
        mm_cli_error(cli, cmd, "%s: %s", path, mm_cmd_strerror(cli, r));
    else
        mm_cli_error(cli, cmd, "%s", mm_buf_str(&msg));
    mm_buf_free(&msg);
}

/* "PATH: line L, column C: " and not_json's reason and step, or the file is
 * not UTF-8 and how to save it again. */
static void print_not_json(const struct mm_cli *cli, const char *cmd, const char *path,
                           const json_error_t *jerr, const char *body, size_t len,
                           const char *not_json)
{
    struct mm_json_why w;
    struct mm_buf msg = MM_BUF_INIT, why = MM_BUF_INIT;
    mm_json_why_set(&w, jerr, body, len);
    mm_buf_printf(&msg, "%s: ", path);
    if (w.line > 0 && mm_json_why_at(&w, cli->lang, &msg) == 0)
        mm_buf_puts(&msg, ": ");
    mm_json_why_reason(&w, cli->lang, &why);
    const struct mm_fill_var var = {"why", mm_buf_str(&why)};
    if (w.not_utf8)
        mm_buf_printf(&msg, "%s%s%s", mm_buf_str(&why), cli->lang == MM_LANG_JA ? "。" : "; ",
                      mm_json_why_utf8_step(cli->lang));
    else
        mm_fill(&msg, MM_FILL_MAX, not_json, &var, 1, 0);
    mm_cli_error(cli, cmd, "%s", mm_buf_str(&msg));
    mm_buf_free(&why);
    mm_buf_free(&msg);
}

int mm_cmd_read_json(const struct mm_cli *cli, const char *cmd, const char *path, size_t max,
                     const char *not_json, const char *const unreadable[2], json_t **out)
{
    char *text = NULL;
    size_t len = 0;
    json_error_t jerr;
    int r = mm_file_read(path, max, &text, &len);
    if (r != 0) {
        print_unreadable(cli, cmd, path, r, unreadable);
        return r == MM_ETOOBIG ? MM_EXIT_INPUT : MM_EXIT_IO;
    }
    const char *body = mm_utf8_skip_bom(text, &len);
    *out = json_loadb(body, len, 0, &jerr);
    if (!*out)
        print_not_json(cli, cmd, path, &jerr, body, len, not_json);
    free(text);
    return *out ? 0 : MM_EXIT_INPUT;
}

int mm_cmd_ask_line(const char *prompt, char *line, size_t size)
{
    int cut = 0;
    fprintf(stderr, "%s ", prompt);
    fflush(stderr);
    if (!fgets(line, (int)size, stdin))
        return -1;
    if (!strchr(line, '\n')) { /* a long line (or the last, unended): drop the rest */
        int c;
        while ((c = getchar()) != EOF && c != '\n')
            cut = 1;
    }
    line[strcspn(line, "\r\n")] = '\0';
    return cut;
}

int mm_cmd_ask_yes_no(const char *prompt, const char *again)
{
    char line[64];
    for (;;) {
        int r = mm_cmd_ask_line(prompt, line, sizeof line);
        if (r < 0)
            return -1;
        if (r > 0) /* a long line is no reply */
            line[0] = '\0';
        /* full-width ｙ (input method on) and spaces around it are fine */
        const char *reply = mm_str_trim(mm_str_fold_fullwidth(line));
        if (strcasecmp(reply, "y") == 0 || strcasecmp(reply, "yes") == 0 ||
            strcmp(reply, "はい") == 0)
            return 1;
        if (strcasecmp(reply, "n") == 0 || strcasecmp(reply, "no") == 0 ||
            strcmp(reply, "いいえ") == 0)
            return 0;
        if (strcasecmp(reply, "q") == 0 || strcasecmp(reply, "quit") == 0)
            return -1;
        fprintf(stderr, "%s\n", again);
    }
}

char *mm_cmd_xdg_path(const char *var, const char *home_dir, const char *name)
{
    const char *base = getenv(var), *home = getenv("HOME");
    struct mm_buf b = MM_BUF_INIT;
    int r;
    if (base && base[0] == '/')
        r = mm_buf_printf(&b, "%s/%s", base, name);
    else if (home && *home)
        r = mm_buf_printf(&b, "%s/%s/%s", home, home_dir, name);
    else
        return NULL;
    if (r != 0) {
        mm_buf_free(&b);
        return NULL;
    }
    return mm_buf_take(&b);
}

/* A word the shell takes as it is: letters, digits, "-_./:=@," and any
 * non-ASCII byte (Japanese), not starting with "=" (zsh would look it up as
 * a command). */
static bool shell_plain(const char *s)
{
    if (!*s || *s == '=')
        return false;
    for (; *s; s++)
        if (!((unsigned char)*s >= 0x80 || isalnum((unsigned char)*s) || strchr("-_./:=@,", *s)))
            return false;
    return true;
}

int mm_cmd_shell_arg(struct mm_buf *b, const char *s)
{
    if (shell_plain(s))
        return mm_buf_puts(b, s);
    int r = mm_buf_putc(b, '\'');
    for (; r == 0 && *s; s++)
        r = *s == '\'' ? mm_buf_puts(b, "'\\''") : mm_buf_putc(b, *s);
    return r ? r : mm_buf_putc(b, '\'');
}

char *mm_cmd_abs_path(const char *path)
{
    if (path[0] == '/')
        return strdup(path);
    char *real = realpath(path, NULL);
    if (real)
        return real;
    char *cwd = getcwd(NULL, 0);
    struct mm_buf b = MM_BUF_INIT;
    while (path[0] == '.' && path[1] == '/') /* "./x" is x */
        for (path += 2; *path == '/'; path++)
            ;
    int r = cwd ? mm_buf_printf(&b, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", path) : MM_ENOMEM;
    free(cwd);
    if (r != 0) {
        mm_buf_free(&b);
        return NULL;
    }
    return mm_buf_take(&b);
}

int mm_cmd_path_arg(struct mm_buf *b, const char *path)
{
    char *abs = mm_cmd_abs_path(path);
    int r = mm_cmd_shell_arg(b, abs ? abs : path);
    free(abs);
    return r;
}
