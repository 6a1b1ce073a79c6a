/* SPDX-License-Identifier: Apache-2.0
 * `mamori` entry point: picks the language, finds the subcommand in the
 * commands.def table and runs it (a dated one only when MAMORI_DATE, if
 * set, is a date), then makes sure standard output took what it printed. */
#include "cli/cli.h"
#include "cli/cmd-common.h"
#include "core/i18n.h"
#include "core/msg.h"
#include "core/timefmt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct command {
    const char *name;
    mm_cli_fn fn;
    const char *summary_key;
    bool dated; /* writes today's date: refuses a MAMORI_DATE that is no date */
};

static const struct command commands[] = {
#define MM_COMMAND(name, fn, summary_key, dated) {#name, fn, summary_key, dated},
#include "cli/commands.def"
#undef MM_COMMAND
};

void mm_cli_error(const struct mm_cli *cli, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s: ", cli->prog, cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void usage(const struct mm_cli *cli, FILE *out)
{
    fprintf(out, "%s\n\n", mm_tr("cli", "usage.main", cli->lang));
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name,
                mm_tr("cli", commands[i].summary_key, cli->lang));
    fprintf(out, "\n%s\n", mm_tr("cli", "usage.more", cli->lang));
}

/* Removes "--lang X" / "--lang=X" from argv; returns its value. *bad is 1
 * when the value is missing, 2 when --lang is given twice (each option once,
 * as the subcommands' are: mm_cmd_once). */
static const char *take_lang_option(int *argc, char **argv, int *bad)
{
    const char *lang = NULL;
    int out = 0;
    for (int i = 0; i < *argc; i++) {
        bool is_lang = strcmp(argv[i], "--lang") == 0 || strncmp(argv[i], "--lang=", 7) == 0;
        if (is_lang && lang) {
            *bad = 2;
            break;
        }
        if (strcmp(argv[i], "--lang") == 0) {
            if (i + 1 >= *argc) {
                *bad = 1;
                break;
            }
            lang = argv[++i];
        } else if (is_lang) {
            lang = argv[i] + 7;
        } else {
            argv[out++] = argv[i];
        }
    }
    *argc = out;
    argv[out] = NULL;
    return lang;
}

/* A MAMORI_DATE that is set but is no date (2026-02-30, "yesterday") would
 * leave the clock's date in output meant to be reproducible: refused, with
 * the value and the form expected. MM_EXIT_OK or MM_EXIT_USAGE. */
static int check_pinned_date(const struct mm_cli *cli)
{
    const char *value;
    if (mm_time_pinned_date(&value, NULL) == 0)
        return MM_EXIT_OK;
    fprintf(stderr, "%s: MAMORI_DATE=%s: %s\n", cli->prog, value,
            mm_tr("cli", "error.date_env", cli->lang));
    return MM_EXIT_USAGE;
}

/* Whether the command line asks for the command's help (which writes no date). */
static bool asks_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

static int run_command(const struct mm_cli *cli, const struct command *c, int argc, char **argv)
{
    int r = c->dated && !asks_help(argc, argv) ? check_pinned_date(cli) : MM_EXIT_OK;
    if (r != MM_EXIT_OK)
        return r;
    /* a result not taken by standard output (a full disk, a closed pipe) is a failure */
    return mm_cmd_finish_stdout(cli, c->name, c->fn(cli, argc, argv));
}

/* Standard output that is not a terminal gets a buffer that holds a whole
 * result (1 MiB), so a write that fails does so at the last flush, whose
 * errno is the reason then told (a full disk); one that failed on the way
 * would leave only "failed". A terminal keeps its line buffering. */
static void buffer_stdout(void)
{
    static char buf[(size_t)1 << 20]; /* glibc ignores the size without a buffer */
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, buf, _IOFBF, sizeof buf);
}

int main(int argc, char **argv)
{
    struct mm_cli cli = {.lang = MM_LANG_EN, .prog = "mamori"};
    buffer_stdout();
    int bad = 0;
    const char *lang = take_lang_option(&argc, argv, &bad);
    if (bad == 2) { /* which language is not settled: say it in both */
        fprintf(stderr, "mamori: --lang: %s\nmamori: --lang: %s\n",
                mm_tr("cli", "error.twice", MM_LANG_JA), mm_tr("cli", "error.twice", MM_LANG_EN));
        return MM_EXIT_USAGE;
    }
    if (bad || mm_lang_select(lang, &cli.lang) != 0) {
        /* The language is what is wrong, so say it in both. */
        fprintf(stderr, "mamori: %s\nmamori: %s\n", mm_tr("cli", "error.lang", MM_LANG_JA),
                mm_tr("cli", "error.lang", MM_LANG_EN));
        return MM_EXIT_USAGE;
    }
    mm_msg_set_lang(cli.lang); /* what core says (an INI file's error) follows --lang too */
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(&cli, argc < 2 ? stderr : stdout);
        return argc < 2 ? MM_EXIT_USAGE : MM_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(&cli, argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return run_command(&cli, &commands[i], argc - 1, argv + 1);
    fprintf(stderr, "%s: %s: %s\n", cli.prog, argv[1],
            mm_tr("cli", "error.unknown_command", cli.lang));
    usage(&cli, stderr);
    return MM_EXIT_USAGE;
}
