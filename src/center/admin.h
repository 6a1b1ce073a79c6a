/* SPDX-License-Identifier: Apache-2.0
 * `mamori-center admin` subcommands (admin.c). */
#ifndef MM_CENTER_ADMIN_H
#define MM_CENTER_ADMIN_H

#include "center/center.h"

/* Runs one admin subcommand (argv[0] is its first word) with cfg, checked
 * as the server's is before anything starts, and its report zone
 * (mm_center_zone_load; taken, freed here); returns the exit status: 0
 * done, 1 failed, 2 usage. */
int mm_center_admin(const struct mm_center_config *cfg, struct mm_zone *zone, int argc,
                    char **argv);

#endif
