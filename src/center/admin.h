/* SPDX-License-Identifier: Apache-2.0
 * `mamori-center admin` subcommands (admin.c). */
#ifndef MM_CENTER_ADMIN_H
#define MM_CENTER_ADMIN_H

#include <stdbool.h>

#include "center/center.h"
#include "core/i18n.h"

/* Runs one admin subcommand (argv[0] is its first word) with cfg, checked
 * as the server's is before anything starts, and its report zone
 * (mm_center_zone_load; taken, freed here); returns the exit status: 0
 * done, 1 failed, 2 usage. */
int mm_center_admin(const struct mm_center_config *cfg, struct mm_zone *zone, int argc,
                    char **argv);

/* The language of the admin command's messages (argv: the subcommand and
 * its words, after admin's leading --data and --config): that of the
 * subcommand's --lang ja|en (the language the operator chose for the user
 * or company added, and reads) where its options are read as the
 * subcommand runs them: a subcommand that takes --lang, given once, before
 * any word the usage refuses. Else *lang as it is (the environment's:
 * mm_lang_select): a "--lang" before the subcommand, in one that does not
 * take it, or past a refused word, is not read as the option. */
void mm_center_admin_lang(int argc, char **argv, enum mm_lang *lang);

/* Whether argv[i] is there and can be a value or an argument, not the next
 * option: no value of mamori-center's options or admin's starts with "--"
 * (`user add --email --role staff` lacks the address; `--data --config F`
 * the directory, which must not become one named "--config"). */
bool mm_center_arg_is_value(int argc, char **argv, int i);

/* An option of mamori-center's command lines (the server's, admin's). */
struct mm_center_opt {
    const char *name;
    bool value; /* takes a value: the next argument (mm_center_arg_is_value) */
};

/* The one rule of every mamori-center command line (the server's options,
 * admin's leading --data and --config, an admin subcommand's): argv[i] is
 * one of the options opts[0..n) whose bit (1u << k for opts[k]) allowed
 * has, given once (given[k] marks it: an option given twice is refused,
 * the last did not win), followed by its value when it takes one. Returns
 * 0 with *which = k (its value, if any, is argv[i + 1]); MM_ENOENT when
 * argv[i] is none of those options (the caller says what it is); MM_EINVAL
 * with *why the message key (center.json) of what the usage does not
 * allow: "admin.twice", "admin.no_value". */
int mm_center_option(int argc, char **argv, int i, const struct mm_center_opt *opts, int n,
                     unsigned allowed, bool *given, int *which, const char **why);

#endif
