/* SPDX-License-Identifier: Apache-2.0
 * The `mamori` command: shared context and exit codes for its subcommands.
 * A subcommand is one cmd-NAME.c file plus one line in commands.def. */
#ifndef MM_CLI_H
#define MM_CLI_H

#include <stdio.h>

#include "core/i18n.h"

/* Exit codes, documented in docs/man/mamori.1.md. */
enum {
    MM_EXIT_OK = 0,     /* success */
    MM_EXIT_NOTMET = 1, /* ran, but the result is negative (e.g. cannot declare) */
    MM_EXIT_USAGE = 2,  /* usage error */
    MM_EXIT_INPUT = 3,  /* invalid input file (answers, CSV, profile) */
    MM_EXIT_IO = 4,     /* could not read or write a file, or out of memory */
};

struct mm_cli {
    enum mm_lang lang; /* from --lang, else LC_ALL/LC_MESSAGES/LANG, else en */
    const char *prog;  /* "mamori" */
};

/* Every subcommand: argv[0] is the subcommand name; --lang is already removed
 * from argv and applied to cli->lang. Returns an MM_EXIT_* code. */
typedef int (*mm_cli_fn)(const struct mm_cli *cli, int argc, char **argv);

#define MM_COMMAND(name, fn, summary_key, dated)                                                   \
    int fn(const struct mm_cli *cli, int argc, char **argv);
#include "cli/commands.def"
#undef MM_COMMAND

/* Prints a translated "mamori NAME: message" error to stderr. */
void mm_cli_error(const struct mm_cli *cli, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
