/* SPDX-License-Identifier: Apache-2.0
 * `mamori threats [ID] [--format text|json|md]`: lists the threat catalogue
 * or shows one threat with its attack methods, countermeasures and the
 * self-diagnosis items that blunt it. */
#include "assess/policy-items.h"
#include "assess/threats.h"
#include "cli/cli.h"
#include "cli/cmd-common.h"
#include "core/buf.h"
#include "core/error.h"

#include <getopt.h>
#include <string.h>

#define TR(key) mm_tr("assess-docs", key, cli->lang)

static int parse_format(const char *s, enum mm_threats_format *out)
{
    static const char *const names[] = {"text", "json", "md"}; /* enum order */
    int i = mm_cmd_choice(s, names, sizeof names / sizeof names[0]);
    if (i < 0)
        return MM_EINVAL;
    *out = (enum mm_threats_format)i;
    return 0;
}

int cmd_threats(const struct mm_cli *cli, int argc, char **argv)
{
    static const struct option options[] = {
        {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
    enum mm_threats_format format = MM_THREATS_TEXT;
    json_t *threats = NULL, *items = NULL;
    struct mm_buf out = MM_BUF_INIT;
    int c, rc = MM_EXIT_OK;
    struct mm_cmd_given given = {0};
    mm_cmd_getopt_begin();
    while ((c = getopt_long(argc, argv, ":f:h", options, NULL)) != -1) {
        if ((rc = mm_cmd_once_opt(cli, "threats", &given, options, c)) != 0)
            return rc;
        if (c == 'h') {
            fputs(TR("threats.help"), stdout);
            return MM_EXIT_OK;
        }
        if (c == 'f' && parse_format(optarg, &format) == 0)
            continue;
        if (c == 'f')
            return mm_cmd_usage_error(cli, "threats", NULL, TR("error.format"));
        return mm_cmd_refused(cli, "threats", c, argc, argv);
    }
    if (argc - optind > 1)
        return mm_cmd_usage_error(cli, "threats", argv[optind + 1], TR("error.usage"));
    const char *id = optind < argc ? argv[optind] : NULL;
    int r = mm_threats_load(&threats);
    if (r != 0) {
        mm_cli_error(cli, "threats", "%s: %s", TR("error.content"), mm_cmd_strerror(cli, r));
        return MM_EXIT_IO;
    }
    mm__assess_items_load(&items); /* optional: adds the item texts */
    r = mm_threats_render(threats, id, format, cli->lang, items, &out);
    if (r == MM_ENOENT) {
        /* "ID: what is wrong", as every other command names what it refuses */
        mm_cli_error(cli, "threats", "%s: %s", id, TR("threats.unknown"));
        rc = MM_EXIT_USAGE;
    } else if (r != 0) {
        mm_cli_error(cli, "threats", "%s", mm_cmd_strerror(cli, r));
        rc = MM_EXIT_IO;
    } else {
        fputs(mm_buf_str(&out), stdout);
    }
    mm_buf_free(&out);
    json_decref(threats);
    json_decref(items);
    return rc;
}
