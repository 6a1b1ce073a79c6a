/* SPDX-License-Identifier: Apache-2.0
 * `mamori version`: prints the program version. */
#include "cli/cli.h"

int cmd_version(const struct mm_cli *cli, int argc, char **argv)
{
    (void)cli;
    (void)argc;
    (void)argv;
    printf("mamori %s\n", MAMORI_VERSION);
    return MM_EXIT_OK;
}
