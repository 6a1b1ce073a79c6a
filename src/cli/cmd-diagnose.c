/* SPDX-License-Identifier: Apache-2.0
 * `mamori diagnose`: the 25-item self-diagnosis. Reads the answers from a
 * file (--answers) or asks them one at a time on a terminal (progress saved
 * after every answer, resumable), then prints the report (text, JSON,
 * Markdown or HTML) and optionally keeps it in a dated history. The model
 * and the reports live in src/assess/diagnose*.c; this file is the command
 * line, the interactive screen and the files. The organisation named in the
 * report's heading comes from --name or the --profile file (as for policy).
 * See docs/man/mamori-diagnose.1.md. */
#include "assess/answers-tty.h"
#include "assess/diagnose.h"
#include "assess/profile.h"
#include "cli/cli.h"
#include "cli/cmd-common.h"
#include "cli/diagnosis-input.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/str.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "diagnose"

struct diag_opts {
    const char *answers, *output, *history, *progress, *name, *profile;
    enum mm_diag_format format;
    bool resume, help, no_history;
};

static const char *tr(const struct mm_cli *cli, const char *key)
{
    return mm_tr("diagnose", key, cli->lang);
}

/* Prints a catalogue message whose first "%s" is replaced by arg. */
static void error_sub(const struct mm_cli *cli, const char *key, const char *arg)
{
    const char *fmt = tr(cli, key), *at = strstr(fmt, "%s");
    if (at)
        mm_cli_error(cli, CMD, "%.*s%s%s", (int)(at - fmt), fmt, arg, at + 2);
    else
        mm_cli_error(cli, CMD, "%s %s", fmt, arg);
}

/* A usage error whose text gives its own step (or, for one that has none,
 * arg is the pointer to --help every command ends such an error with). */
static int usage_error(const struct mm_cli *cli, const char *key, const char *arg)
{
    error_sub(cli, key, arg);
    return MM_EXIT_USAGE;
}

/* Takes the value of "--name VALUE" or "--name=VALUE"; NULL if arg is not --name. */
static const char *option_value(const char *name, int argc, char **argv, int *i, bool *missing)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static int parse_args(const struct mm_cli *cli, int argc, char **argv, struct diag_opts *o)
{
    static const char *const valued[] = {"--answers",  "--format", "--output", "--history",
                                         "--progress", "--name",   "--profile"};
    struct mm_cmd_given given = {0}; /* each option once (mm_cmd_once), --help aside */
    int rc;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        bool missing = false;
        size_t k;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            continue;
        }
        bool resume = strcmp(a, "--resume") == 0;
        if (resume || strcmp(a, "--no-history") == 0) {
            if ((rc = mm_cmd_once(cli, CMD, &given, a + 2)) != 0)
                return rc;
            if (resume)
                o->resume = true;
            else
                o->no_history = true;
            continue;
        }
        for (k = 0; k < sizeof valued / sizeof valued[0]; k++)
            if ((v = option_value(valued[k], argc, argv, &i, &missing)) != NULL || missing)
                break;
        if (missing)
            return mm_cmd_usage_error(cli, CMD, a, mm_tr("cli", "error.missing_value", cli->lang));
        if (!v)
            return mm_cmd_usage_error(cli, CMD, a, mm_tr("cli", "error.unknown_option", cli->lang));
        if ((rc = mm_cmd_once(cli, CMD, &given, valued[k] + 2)) != 0)
            return rc;
        if (k == 0)
            o->answers = v;
        else if (k == 1 && mm_diag_format_parse(v, &o->format) != 0)
            return usage_error(cli, "error.bad_format", v);
        else if (k == 2 && (rc = mm_cmd_output_arg(cli, CMD, v)) != 0)
            return rc;
        else if (k == 2)
            o->output = v;
        else if (k == 3)
            o->history = v;
        else if (k == 4)
            o->progress = v;
        else if (k == 5)
            o->name = v;
        else if (k == 6)
            o->profile = v;
    }
    if (o->history && o->no_history)
        return usage_error(cli, "error.history_conflict",
                           mm_tr("cli", "error.see_help", cli->lang));
    return MM_EXIT_OK;
}

/* The reason for r: this catalogue's errno.* text, else errors.json's. */
static const char *io_reason(const struct mm_cli *cli, int r)
{
    char errkey[48];
    snprintf(errkey, sizeof errkey, "errno.%s", mm_errname(r));
    const char *reason = tr(cli, errkey);
    return strcmp(reason, errkey) == 0 ? mm_cmd_strerror(cli, r) : reason;
}

/* "PATH（reason）" / "PATH (reason)" for a message's %s. */
static void path_reason(const struct mm_cli *cli, const char *path, int r, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s%s", path, MM_CMD_LPAREN, io_reason(cli, r), MM_CMD_RPAREN);
}

/* "PATH: the file could not be read (reason)", as risk says it (key:
 * error.read or error.write). */
static int io_error(const struct mm_cli *cli, const char *key, const char *path, int r)
{
    mm_cli_error(cli, CMD, "%s: %s%s%s%s", path, tr(cli, key), MM_CMD_LPAREN, io_reason(cli, r),
                 MM_CMD_RPAREN);
    return MM_EXIT_IO;
}

/* Prints every problem of an answers (or progress) file, one per line. */
static int input_error(const struct mm_cli *cli, const char *path,
                       const struct mm_answers_issues *issues)
{
    mm_cmd_answers_issues_print(cli, CMD, path, issues);
    return MM_EXIT_INPUT;
}

static int load_answers_file(const struct mm_cli *cli, const struct mm_diag_catalogue *cat,
                             const char *path, enum mm_answer *answers)
{
    struct mm_answers_spec spec;
    struct mm_answers_issues issues;
    mm_diag_answers_spec(cat, &spec);
    int r = mm_answers_load(&spec, path, 0, answers, &issues);
    if (r == MM_EPARSE || r == MM_EINVAL)
        return input_error(cli, path, &issues);
    if (r == MM_ETOOBIG) { /* over 256 KiB: refused for its size, as audit --diagnosis does */
        io_error(cli, "error.read", path, r);
        return MM_EXIT_INPUT;
    }
    if (mm_cmd_no_input(cli, CMD, path, r))
        return MM_EXIT_IO;
    if (r != 0)
        return io_error(cli, "error.read", path, r);
    return MM_EXIT_OK;
}

/* ---- progress file ------------------------------------------------------- */

/* $XDG_STATE_HOME/mamori/diagnose-progress.json, else ~/.local/state/... */
static char *default_progress_path(void)
{
    return mm_cmd_xdg_path("XDG_STATE_HOME", ".local/state", "mamori/diagnose-progress.json");
}

static int save_progress(const char *path, const enum mm_answer *answers, int position)
{
    json_t *doc = json_object();
    char *text = NULL, *dir = strdup(path);
    int r = doc && dir ? 0 : MM_ENOMEM;
    if (r == 0 &&
        (json_object_set_new(doc, "version", json_integer(1)) != 0 ||
         json_object_set_new(doc, "position", json_integer(position)) != 0 ||
         json_object_set_new(doc, "answers", mm_answers_to_json(answers, MM_DIAG_ITEMS)) != 0))
        r = MM_ENOMEM;
    if (r == 0 && (text = json_dumps(doc, JSON_INDENT(2))) == NULL)
        r = MM_ENOMEM;
    if (r == 0)
        r = mm_mkdir_p(dirname(dir), 0700);
    if (r == 0)
        r = mm_file_write_output(path, text, strlen(text), 0666);
    free(text);
    free(dir);
    json_decref(doc);
    return r;
}

/* Loads saved progress. Returns 0 (with *found), or an MM_EXIT_* code. */
static int load_progress(const struct mm_cli *cli, const struct mm_diag_catalogue *cat,
                         const char *path, enum mm_answer *answers, bool *found)
{
    struct mm_answers_spec spec;
    struct mm_answers_issues issues;
    *found = false;
    mm_diag_answers_spec(cat, &spec);
    int r = mm_answers_load(&spec, path, MM_ANSWERS_PARTIAL, answers, &issues);
    if (r == MM_ENOENT)
        return MM_EXIT_OK;
    if (r == MM_EPARSE || r == MM_EINVAL || r == MM_ETOOBIG) {
        /* over 256 KiB is damaged too (exit 3), as for an answers file */
        if (r == MM_ETOOBIG)
            io_error(cli, "error.read", path, r);
        else
            input_error(cli, path, &issues);
        error_sub(cli, "error.progress_bad", path);
        return MM_EXIT_INPUT;
    }
    if (r != 0)
        return io_error(cli, "error.read", path, r);
    *found = true;
    return MM_EXIT_OK;
}

/* ---- interactive screen -------------------------------------------------- */

struct session {
    const struct mm_cli *cli;
    const struct mm_diag_catalogue *cat;
    const char *progress;
    enum mm_answer answers[MM_DIAG_ITEMS];
    int pos, cursor;
    FILE *out;
};

static size_t item_options(const struct session *s, int index, enum mm_answer *opts)
{
    size_t n = 0;
    opts[n++] = MM_ANSWER_DONE;
    opts[n++] = MM_ANSWER_PARTLY;
    opts[n++] = MM_ANSWER_NOT;
    opts[n++] = MM_ANSWER_UNKNOWN;
    if (s->cat->items[index].na_allowed)
        opts[n++] = MM_ANSWER_NA;
    return n;
}

static const char *answer_label(const struct session *s, enum mm_answer a)
{
    char key[32];
    snprintf(key, sizeof key, "answer.%s", mm_answer_name(a));
    return tr(s->cli, key);
}

static void show_question(const struct session *s)
{
    const struct mm_diag_item *it = &s->cat->items[s->pos];
    enum mm_answer opts[5];
    size_t n = item_options(s, s->pos, opts);
    enum mm_lang lang = s->cli->lang;
    FILE *o = s->out;
    fputs("\033[H\033[2J", o);
    fprintf(o, "%s  [%d/%d]  %s\n\n", tr(s->cli, "ui.heading"), s->pos + 1, MM_DIAG_ITEMS,
            mm_text(json_object_get(s->cat->parts[it->part - 1], "name"), lang));
    fprintf(o, "%d. %s\n\n", it->id, mm_text(json_object_get(it->data, "question"), lang));
    fprintf(o, "  %s\n", mm_text(json_object_get(it->data, "help"), lang));
    if (it->na_allowed) {
        const char *fmt = tr(s->cli, "ui.na_when"), *at = strstr(fmt, "%s");
        const char *reason = mm_text(json_object_get(it->data, "na_reason"), lang);
        if (at)
            fprintf(o, "  %.*s%s%s\n", (int)(at - fmt), fmt, reason, at + 2);
    }
    fputs("\n", o);
    for (size_t i = 0; i < n; i++)
        fprintf(o, "%s %zu) %s%s\n", (int)i == s->cursor ? ">" : " ", i + 1,
                answer_label(s, opts[i]),
                s->answers[s->pos] == opts[i] ? tr(s->cli, "ui.current") : "");
    fprintf(o, "\n%s\n", tr(s->cli, "ui.keys"));
    fflush(o);
}

/* Places the cursor on the current answer of the item, else on the first. */
static void reset_cursor(struct session *s)
{
    enum mm_answer opts[5];
    size_t n = item_options(s, s->pos, opts);
    s->cursor = 0;
    for (size_t i = 0; i < n; i++)
        if (opts[i] == s->answers[s->pos])
            s->cursor = (int)i;
}

static int first_unanswered(const struct session *s)
{
    for (int i = 0; i < MM_DIAG_ITEMS; i++)
        if (s->answers[i] == MM_ANSWER_NONE)
            return i;
    return MM_DIAG_ITEMS;
}

/* Records an answer, saves progress and moves to the next item. */
static int choose(struct session *s, enum mm_answer a)
{
    s->answers[s->pos] = a;
    s->pos++;
    return save_progress(s->progress, s->answers, s->pos);
}

enum { ASK_DONE, ASK_QUIT, ASK_ERROR };

/* Handles one key; returns -1 to keep going (the question is drawn again,
 * which is all MM_KEY_REDRAW needs), else an ASK_* outcome. */
static int handle_key(struct session *s, const struct mm_tty_event *ev)
{
    enum mm_answer opts[5];
    int n = (int)item_options(s, s->pos, opts);
    if (ev->key == MM_KEY_EOF || (ev->key == MM_KEY_CHAR && (ev->ch == 'q' || ev->ch == 'Q')))
        return ASK_QUIT;
    if (ev->key == MM_KEY_CHAR && ev->ch >= '1' && ev->ch < '1' + n)
        return choose(s, opts[ev->ch - '1']) == 0 ? -1 : ASK_ERROR;
    if (ev->key == MM_KEY_ENTER)
        return choose(s, opts[s->cursor]) == 0 ? -1 : ASK_ERROR;
    if (ev->key == MM_KEY_UP && s->cursor > 0)
        s->cursor--;
    else if (ev->key == MM_KEY_DOWN && s->cursor + 1 < n)
        s->cursor++;
    else if ((ev->key == MM_KEY_LEFT ||
              (ev->key == MM_KEY_CHAR && (ev->ch == 'b' || ev->ch == 'B'))) &&
             s->pos > 0) {
        s->pos--;
        reset_cursor(s);
    } else if (ev->key == MM_KEY_RIGHT && s->answers[s->pos] != MM_ANSWER_NONE) {
        s->pos++;
        if (s->pos < MM_DIAG_ITEMS)
            reset_cursor(s);
    }
    return -1;
}

static int ask_loop(struct session *s)
{
    int last_pos = -1;
    for (;;) {
        if (s->pos >= MM_DIAG_ITEMS)
            return ASK_DONE;
        if (s->pos != last_pos) {
            reset_cursor(s);
            last_pos = s->pos;
        }
        show_question(s);
        struct mm_tty_event ev;
        mm_tty_read_key(STDIN_FILENO, &ev);
        int outcome = handle_key(s, &ev);
        if (outcome >= 0)
            return outcome;
    }
}

/* Asks "resume? [Y/n]"; true unless the answer is n. */
static bool ask_resume(struct session *s, size_t answered)
{
    char count[24]; /* any size_t in decimal */
    const char *fmt = tr(s->cli, "ui.resume"), *at = strstr(fmt, "%s");
    struct mm_tty_event ev;
    snprintf(count, sizeof count, "%zu", answered);
    do { /* asked again after Ctrl-Z and fg */
        if (at)
            fprintf(s->out, "%.*s%s%s", (int)(at - fmt), fmt, count, at + 2);
        else
            fputs(fmt, s->out);
        fflush(s->out);
        mm_tty_read_key(STDIN_FILENO, &ev);
    } while (ev.key == MM_KEY_REDRAW);
    fputs("\n", s->out);
    return !(ev.key == MM_KEY_CHAR && (ev.ch == 'n' || ev.ch == 'N'));
}

static size_t count_answered(const enum mm_answer *answers)
{
    size_t n = 0;
    for (size_t i = 0; i < MM_DIAG_ITEMS; i++)
        n += answers[i] != MM_ANSWER_NONE;
    return n;
}

/* Runs the questionnaire; *finished false means the person quit (progress
 * saved). When finished, *progress_out (free() it) names the progress file,
 * which the caller removes once the report is safely written. */
static int interactive(const struct mm_cli *cli, const struct mm_diag_catalogue *cat,
                       const struct diag_opts *o, enum mm_answer *answers, bool *finished,
                       char **progress_out)
{
    struct session s = {.cli = cli, .cat = cat, .out = stderr};
    char *default_path = o->progress ? NULL : default_progress_path();
    bool found = false, started_over = false;
    int rc = MM_EXIT_OK;
    *finished = false;
    s.progress = o->progress ? o->progress : default_path;
    if (!s.progress) {
        rc = usage_error(cli, "error.no_progress_path", "");
        goto out;
    }
    if ((rc = load_progress(cli, cat, s.progress, s.answers, &found)) != MM_EXIT_OK)
        goto out;
    if (mm_tty_raw_begin(STDIN_FILENO) != 0) {
        rc = io_error(cli, "error.tty", "stdin", MM_EIO);
        goto out;
    }
    /* Starting over clears the answers on the screen only: the saved ones
     * stay in the progress file until the first new answer replaces them. */
    if (found && count_answered(s.answers) > 0 && !o->resume &&
        !ask_resume(&s, count_answered(s.answers))) {
        memset(s.answers, 0, sizeof s.answers);
        started_over = true;
    }
    s.pos = first_unanswered(&s);
    int outcome = ask_loop(&s);
    mm_tty_raw_end();
    fputs("\033[H\033[2J", s.out);
    if (outcome == ASK_ERROR) {
        rc = io_error(cli, "error.write", s.progress, MM_EIO);
    } else if (outcome == ASK_QUIT && count_answered(s.answers) == 0 && started_over) {
        /* "start over", then quit before a new answer: the earlier answers
         * are what there is to continue from, so they stay saved. */
        error_sub(cli, "note.quit_kept_earlier", s.progress);
    } else if (outcome == ASK_QUIT && count_answered(s.answers) == 0) {
        /* Nothing answered: nothing to continue from, so no progress file
         * is left behind. */
        if (unlink(s.progress) != 0 && errno != ENOENT) {
            rc = io_error(cli, "error.write", s.progress, MM_EIO);
            goto out;
        }
        mm_cli_error(cli, CMD, "%s", tr(cli, "note.quit_empty"));
    } else if (outcome == ASK_QUIT) {
        int r = save_progress(s.progress, s.answers, s.pos);
        if (r != 0) {
            rc = io_error(cli, "error.write", s.progress, r);
            goto out;
        }
        error_sub(cli, "note.quit", s.progress);
    } else {
        memcpy(answers, s.answers, sizeof s.answers);
        *progress_out = strdup(s.progress);
        *finished = true;
    }
out:
    mm_tty_raw_end();
    free(default_path);
    return rc;
}

/* ---- the organisation ---------------------------------------------------- */

/* A profile or --name that cannot be used: said as policy and declare say
 * it ("FILE: profile field "x": problem — detail"). */
static void report_profile_error(const struct mm_cli *cli, const char *where,
                                 const struct mm_profile_error *e)
{
    char key[64];
    snprintf(key, sizeof key, "profile.problem.%d", (int)e->problem);
    const char *problem = mm_tr("assess-docs", key, cli->lang);
    if (e->field[0])
        mm_cli_error(cli, CMD, "%s: %s \"%s\": %s%s%s", where,
                     mm_tr("assess-docs", "profile.error.field", cli->lang), e->field, problem,
                     e->detail[0] ? " — " : "", e->detail);
    else
        mm_cli_error(cli, CMD, "%s: %s%s%s", where, problem, e->detail[0] ? " — " : "", e->detail);
}

/* The organisation's name for the heading into org: --name, else the
 * --profile file's; "" when neither is given. Returns MM_EXIT_OK or the
 * exit code after saying what is wrong. */
static int resolve_org(const struct mm_cli *cli, const struct diag_opts *o, char *org, size_t cap)
{
    struct mm_profile p;
    struct mm_profile_error e;
    org[0] = '\0';
    mm_profile_init(&p);
    memset(&e, 0, sizeof e);
    if (o->profile) {
        int r = mm_profile_load_ini(&p, o->profile, &e);
        if (r != 0 && e.problem == MM_PROFILE_NOFILE) { /* missing, unreadable, a folder */
            if (!mm_cmd_no_input(cli, CMD, o->profile, r))
                mm_cli_error(cli, CMD, "%s: %s", o->profile, mm_cmd_strerror(cli, r));
            return MM_EXIT_IO;
        }
        if (r != 0) {
            report_profile_error(cli, o->profile, &e);
            return MM_EXIT_INPUT;
        }
    }
    if (o->name && mm_profile_set(&p, "name", o->name, &e) != 0) {
        report_profile_error(cli, "--name", &(struct mm_profile_error){.problem = e.problem});
        return MM_EXIT_USAGE;
    }
    mm_strlcpy(org, p.name, cap);
    return MM_EXIT_OK;
}

/* ---- report and history -------------------------------------------------- */

static int write_report(const struct mm_cli *cli, const struct diag_opts *o,
                        const struct mm_buf *report)
{
    int r = mm_cmd_write_output(o->output, report);
    if (r != 0 && !o->output) {
        mm_cmd_stdout_failed(cli, CMD, r);
        return MM_EXIT_IO;
    }
    if (r != 0)
        mm_cmd_write_failed(cli, CMD, o->output, r);
    return r == 0 ? MM_EXIT_OK : MM_EXIT_IO;
}

/* Where the result goes: --history DIR, or for a diagnosis answered on the
 * terminal the default directory `mamori declare` and `mamori policy` read
 * (kept = true). A kept result that cannot be stored is said, not an error. */
struct history {
    const char *dir;
    bool kept;
};

static int save_history(const struct mm_cli *cli, const struct mm_diag_catalogue *cat,
                        const struct history *h, const struct mm_diag_result *res,
                        const struct mm_diag_changes *changes)
{
    struct mm_buf json = MM_BUF_INIT;
    char *path = NULL, what[1024];
    int r = mm_diag_render(cat, res, changes, MM_DIAG_JSON, cli->lang, &json);
    if (r == 0)
        r = mm_diag_history_save(h->dir, res->date, mm_buf_str(&json), &path);
    int rc = MM_EXIT_OK;
    if (r == 0) {
        error_sub(cli, h->kept ? "note.kept" : "note.history_saved", path);
    } else if (h->kept) { /* the result is shown: only declare cannot find it */
        path_reason(cli, h->dir, r, what, sizeof what); /* the reason's own step, or ours */
        error_sub(cli, mm_error_has_step(r) ? "note.kept_failed_own_step" : "note.kept_failed",
                  what);
    } else {
        rc = io_error(cli, "error.write", h->dir, r);
    }
    free(path);
    mm_buf_free(&json);
    return rc;
}

static int report(const struct mm_cli *cli, const struct mm_diag_catalogue *cat,
                  const struct diag_opts *o, const struct history *h, bool interactive,
                  const enum mm_answer *answers, const char *org)
{
    struct mm_diag_result res;
    struct mm_diag_changes changes;
    const struct mm_diag_changes *compared = NULL;
    struct mm_buf out = MM_BUF_INIT;
    char *bad = NULL, what[1024];
    int rc = MM_EXIT_OK, r;
    if (mm_diag_evaluate(cat, answers, &res) != 0)
        return MM_EXIT_INPUT; /* cannot happen: answers were validated */
    mm_strlcpy(res.org, org, sizeof res.org);
    /* The previous result is read as `mamori declare` reads it (256 KiB,
     * every check of an answers file, the score computed from the answers). */
    if (h->dir && (r = mm_diag_history_previous(cat, h->dir, &res, &changes, &bad)) != 0) {
        bool damaged = bad && (r == MM_EPARSE || r == MM_EINVAL || r == MM_ETOOBIG);
        if (h->kept) { /* shown without the comparison; this result becomes the latest */
            /* Only a file that was there and could not be read is said here; a
             * folder that cannot be opened is said once, when keeping fails. */
            if (bad) {
                path_reason(cli, bad, r == MM_EINVAL ? MM_EPARSE : r, what, sizeof what);
                error_sub(cli, "note.kept_previous_bad", what);
            }
        } else if (damaged) {
            if (r == MM_ETOOBIG) /* over 256 KiB: say why, as for the progress file */
                io_error(cli, "error.read", bad, r);
            error_sub(cli, "error.history_bad", bad);
            rc = MM_EXIT_INPUT;
            goto out;
        } else {
            rc = io_error(cli, "error.read", bad ? bad : h->dir, r);
            goto out;
        }
    } else if (h->dir) {
        compared = &changes;
    }
    if ((r = mm_diag_render(cat, &res, compared, o->format, cli->lang, &out)) != 0) {
        rc = io_error(cli, "error.write", o->output ? o->output : "stdout", r);
        goto out;
    }
    if ((rc = write_report(cli, o, &out)) != MM_EXIT_OK)
        goto out;
    /* After the questions, the screen is cleared: with --output nothing else
     * would say that it is over and where the result went. */
    if (interactive && o->output)
        error_sub(cli, "note.output_saved", o->output);
    if (h->dir)
        rc = save_history(cli, cat, h, &res, compared);
out:
    free(bad);
    mm_buf_free(&out);
    return rc;
}

int cmd_diagnose(const struct mm_cli *cli, int argc, char **argv)
{
    struct diag_opts o;
    struct mm_diag_catalogue *cat = NULL;
    enum mm_answer answers[MM_DIAG_ITEMS];
    char *progress_done = NULL, *kept_dir = NULL;
    bool finished = true;
    int rc = parse_args(cli, argc, argv, &o);
    if (rc != MM_EXIT_OK)
        return rc;
    if (o.help) {
        fputs(tr(cli, "help"), stdout);
        return MM_EXIT_OK;
    }
    char org[MM_DIAG_ORG_MAX + 1];
    if ((rc = resolve_org(cli, &o, org, sizeof org)) != MM_EXIT_OK)
        return rc;
    int r = mm_diag_catalogue_load(&cat);
    if (r != 0)
        return io_error(cli, "error.catalogue", "diagnose/items.json", r);
    if (o.answers)
        rc = load_answers_file(cli, cat, o.answers, answers);
    else if (isatty(STDIN_FILENO))
        rc = interactive(cli, cat, &o, answers, &finished, &progress_done);
    else
        rc = usage_error(cli, "error.no_tty", "");
    /* Answered on the terminal: kept where `mamori declare` looks, unless
     * --history says where or --no-history says not to. */
    struct history h = {o.history, false};
    if (rc == MM_EXIT_OK && progress_done && !o.history && !o.no_history) {
        kept_dir = mm_cmd_diagnosis_dir();
        h = (struct history){kept_dir, kept_dir != NULL};
        if (!kept_dir)
            mm_cli_error(cli, CMD, "%s", tr(cli, "note.kept_nowhere"));
    }
    if (rc == MM_EXIT_OK && finished)
        rc = report(cli, cat, &o, &h, progress_done != NULL, answers, org);
    if (rc == MM_EXIT_OK && progress_done) /* kept when the report could not be written */
        unlink(progress_done);
    free(progress_done);
    free(kept_dir);
    mm_diag_catalogue_free(cat);
    return rc;
}
