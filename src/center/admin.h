/* SPDX-License-Identifier: Apache-2.0
 * `mamori-center admin` subcommands (admin.c). */
#ifndef MM_CENTER_ADMIN_H
#define MM_CENTER_ADMIN_H

#include <stdbool.h>

#include "center/center.h"

/* Runs one admin subcommand (argv[0] is its first word) with cfg, checked
 * as the server's is before anything starts, and its report zone
 * (mm_center_zone_load; taken, freed here); returns the exit status: 0
 * done, 1 failed, 2 usage. */
int mm_center_admin(const struct mm_center_config *cfg, struct mm_zone *zone, int argc,
                    char **argv);

/* Whether argv[i] is there and can be a value or an argument, not the next
 * option: no value of mamori-center's options or admin's starts with "--"
 * (`user add --email --role staff` lacks the address; `--data --config F`
 * the directory, which must not become one named "--config"). */
bool mm_center_arg_is_value(int argc, char **argv, int i);

#endif
