/* SPDX-License-Identifier: Apache-2.0
 * `mamori version`: prints the program version (--help describes it). */
#include "cli/cli.h"

#include <string.h>

int cmd_version(const struct mm_cli *cli, int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(mm_tr("cli", "version.help", cli->lang), stdout);
        return MM_EXIT_OK;
    }
    if (argc > 1) { /* no other option or argument */
        mm_cli_error(cli, "version", "%s: %s", argv[1],
                     mm_tr("cli", "error.unknown_option", cli->lang));
        return MM_EXIT_USAGE;
    }
    printf("mamori %s\n", MAMORI_VERSION);
    return MM_EXIT_OK;
}
