/* SPDX-License-Identifier: Apache-2.0
 * `mamori rules`: the five rules of information security with a plain
 * explanation and concrete steps. On a terminal it asks, rule by rule,
 * whether the organisation commits to (or already follows) it; otherwise
 * --answers FILE gives the answers, and without either it just explains the
 * rules. Reports whether a one-star declaration is possible and what is
 * missing; --output FILE saves the commitment record `mamori declare` reads,
 * and answers given on a terminal are kept where `mamori declare` finds them
 * without --rules (rules-input.c), unless --no-history (as for diagnose). */
#include "assess/rules.h"
#include "cli/cli.h"
#include "cli/cmd-common.h"
#include "cli/rules-input.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/timefmt.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TR(key) mm_tr("assess-docs", key, cli->lang)

enum mode { MODE_LIST, MODE_ANSWERS, MODE_INTERACTIVE };

struct opts {
    const char *answers, *output;
    bool json, no_history;
};

static void print_rule(const struct mm_cli *cli, FILE *out, const json_t *rule, bool steps)
{
    size_t i;
    json_t *step;
    fprintf(out, "%lld. %s\n", (long long)json_integer_value(json_object_get(rule, "id")),
            mm_text(json_object_get(rule, "title"), cli->lang));
    fprintf(out, "   %s\n", mm_text(json_object_get(rule, "explanation"), cli->lang));
    if (!steps)
        return;
    fprintf(out, "   %s\n", TR("rules.howto"));
    json_array_foreach(json_object_get(rule, "howto"), i, step)
        fprintf(out, "     - %s\n", mm_text(step, cli->lang));
}

static void print_missing_list(const struct mm_cli *cli, const json_t *rules, unsigned missing)
{
    for (int i = 0; i < MM_RULES_COUNT; i++)
        if (missing & (1u << i))
            printf("  - %d. %s\n", i + 1,
                   mm_text(json_object_get(json_array_get(rules, (size_t)i), "title"), cli->lang));
}

/* Prints the template key after an empty line, with {file} filled by file
 * as given and {file_arg} by the form a pasted `mamori declare --rules`
 * takes from any folder (absolute, quoted for the shell: mm_cmd_path_arg). */
static void print_with_file(const struct mm_cli *cli, const char *key, const char *file)
{
    struct mm_buf arg = MM_BUF_INIT, msg = MM_BUF_INIT;
    int r = file ? mm_cmd_path_arg(&arg, file) : 0;
    const struct mm_fill_var vars[] = {{"file", file}, {"file_arg", mm_buf_str(&arg)}};
    if (r == 0 && mm_fill(&msg, MM_FILL_MAX, TR(key), vars, file ? 2 : 0, 0) == 0)
        printf("\n%s\n", mm_buf_str(&msg));
    mm_buf_free(&arg);
    mm_buf_free(&msg);
}

/* "One star is possible" with the next step that works for this run:
 * `mamori declare` alone finds answers kept from the terminal; a file
 * (--output, else --answers) is given with --rules; answers read from
 * standard input (--answers -) are saved by giving them again with
 * --output (`declare --rules -` would need them piped again: until session
 * 25 it was the step); answers neither kept nor saved (--no-history, or
 * keeping them failed) have to be given again with --output. */
static void print_one_star_yes(const struct mm_cli *cli, const struct opts *o, bool kept)
{
    bool from_stdin = o->answers && strcmp(o->answers, "-") == 0;
    const char *file = o->output ? o->output : from_stdin ? NULL : o->answers;
    const char *key = kept            ? "rules.one_star_yes"
                      : file          ? "rules.one_star_yes_file"
                      : from_stdin    ? "rules.one_star_yes_stdin"
                      : o->no_history ? "rules.one_star_yes_not_kept"
                                      : "rules.one_star_yes_keep_failed";
    print_with_file(cli, key, file);
}

static void print_text_result(const struct mm_cli *cli, const json_t *rules,
                              const struct mm_rules_answers *a, const struct opts *o, bool kept)
{
    unsigned missing;
    bool all = mm_rules_all_committed(a, &missing);
    printf("%s\n\n", TR("rules.result_heading"));
    for (int i = 0; i < MM_RULES_COUNT; i++)
        printf("  [%s] %d. %s\n", a->committed[i] ? "x" : " ", i + 1,
               mm_text(json_object_get(json_array_get(rules, (size_t)i), "title"), cli->lang));
    if (all) {
        print_one_star_yes(cli, o, kept);
        return;
    }
    printf("\n%s\n", TR("rules.one_star_no"));
    print_missing_list(cli, rules, missing);
    printf("\n%s\n\n", TR("rules.next_steps"));
    for (int i = 0; i < MM_RULES_COUNT; i++)
        if (missing & (1u << i)) {
            print_rule(cli, stdout, json_array_get(rules, (size_t)i), true);
            putchar('\n');
        }
}

static int print_json(const struct mm_cli *cli, const json_t *rules,
                      const struct mm_rules_answers *a)
{
    unsigned missing = 0;
    bool all = a ? mm_rules_all_committed(a, &missing) : false;
    json_t *list = json_array(), *miss = json_array();
    size_t i;
    json_t *rule;
    json_array_foreach(rules, i, rule)
    {
        json_t *steps = json_array(), *step;
        size_t j;
        json_array_foreach(json_object_get(rule, "howto"), j, step)
            json_array_append_new(steps, json_string(mm_text(step, cli->lang)));
        json_array_append_new(
            list, json_pack("{s:O, s:s, s:s, s:o, s:o}", "id", json_object_get(rule, "id"), "title",
                            mm_text(json_object_get(rule, "title"), cli->lang), "explanation",
                            mm_text(json_object_get(rule, "explanation"), cli->lang), "howto",
                            steps, "committed", a ? json_boolean(a->committed[i]) : json_null()));
        if (missing & (1u << i))
            json_array_append_new(miss, json_integer((json_int_t)i + 1));
    }
    json_t *doc = json_pack("{s:s, s:o, s:b, s:o, s:o}", "lang", mm_lang_code(cli->lang), "rules",
                            list, "answered", a != NULL, "one_star_possible",
                            a ? json_boolean(all) : json_null(), "missing", miss);
    char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!s)
        return MM_ENOMEM;
    printf("%s\n", s);
    free(s);
    return 0;
}

/* One yes/no answer (1 yes, 0 no, -1 quit or end of input), asked on
 * standard error: standard output carries only the result, so --format json
 * stays parseable. One key on a terminal, as diagnose (rules-input.c). */
static int ask(const struct mm_cli *cli, bool keys)
{
    return mm_cmd_rules_ask(TR("rules.prompt"), TR("rules.prompt_again"), keys);
}

static int run_interactive(const struct mm_cli *cli, const json_t *rules,
                           struct mm_rules_answers *a)
{
    bool keys = mm_cmd_rules_keys_begin();
    int rc = MM_EXIT_OK;
    fprintf(stderr, "%s\n\n", TR("rules.interactive_intro"));
    for (int i = 0; i < MM_RULES_COUNT; i++) {
        print_rule(cli, stderr, json_array_get(rules, (size_t)i), true);
        int yes = ask(cli, keys);
        if (yes < 0) {
            fprintf(stderr, "\n%s\n", TR("rules.cancelled"));
            rc = MM_EXIT_NOTMET;
            break;
        }
        a->committed[i] = yes == 1;
        fputc('\n', stderr);
    }
    mm_cmd_rules_keys_end();
    return rc;
}

/* Prints every problem of the answers file, one "mamori rules: path: ..." line each. */
static void report_answers_error(const struct mm_cli *cli, const char *path,
                                 const struct mm_rules_error *e)
{
    struct mm_buf b = MM_BUF_INIT;
    mm_rules_error_describe(e, cli->lang, &b);
    for (const char *line = mm_buf_str(&b); *line;) {
        size_t n = strcspn(line, "\n");
        mm_cli_error(cli, "rules", "%s: %.*s", path, (int)n, line);
        line += n + (line[n] == '\n');
    }
    mm_buf_free(&b);
}

/* The commitment record as JSON text (malloc'd; NULL when out of memory). */
static char *record_text(const struct mm_rules_answers *a, const char *today)
{
    json_t *rec = mm_rules_record(a, today);
    char *s = rec ? json_dumps(rec, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(rec);
    return s;
}

static int save_record(const struct mm_cli *cli, const char *path, const struct mm_rules_answers *a)
{
    char today[11];
    mm_time_today(today);
    char *s = record_text(a, today);
    int rc = mm_cmd_save_line(cli, "rules", path, s);
    free(s);
    return rc;
}

/* Answered on the terminal: kept where `mamori declare` looks without
 * --rules. Returns 0 or the reason it was not kept (mm_cmd_rules_keep). */
static int keep_record(const struct mm_rules_answers *a, char **where)
{
    char today[11];
    mm_time_today(today);
    char *s = record_text(a, today);
    int r = mm_cmd_rules_keep(today, s, where);
    free(s);
    return r;
}

static int parse_options(const struct mm_cli *cli, int argc, char **argv, struct opts *o)
{
    static const struct option options[] = {
        {"answers", required_argument, NULL, 'a'}, {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},  {"no-history", no_argument, NULL, 'H'},
        {"help", no_argument, NULL, 'h'},          {0}};
    int c, fmt, rc;
    struct mm_cmd_given given = {0};
    mm_cmd_getopt_begin();
    while ((c = getopt_long(argc, argv, ":a:o:f:h", options, NULL)) != -1) {
        if ((rc = mm_cmd_once_opt(cli, "rules", &given, options, c)) != 0)
            return rc;
        if (c == 'h') {
            fputs(TR("rules.help"), stdout);
            return -1;
        } else if (c == 'a') {
            o->answers = optarg;
        } else if (c == 'o' && (rc = mm_cmd_output_arg(cli, "rules", optarg)) != 0) {
            return rc;
        } else if (c == 'o') {
            o->output = optarg;
        } else if (c == 'H') {
            o->no_history = true;
        } else if (c == 'f' && (fmt = mm_cmd_text_or_json(optarg)) >= 0) {
            o->json = fmt == 1;
        } else if (c == 'f') {
            return mm_cmd_usage_error(cli, "rules", NULL, TR("error.format"));
        } else {
            return mm_cmd_refused(cli, "rules", c, argc, argv);
        }
    }
    if (optind != argc)
        return mm_cmd_usage_error(cli, "rules", argv[optind], TR("error.usage"));
    return 0;
}

int cmd_rules(const struct mm_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct mm_rules_answers answers = {{false}};
    struct mm_rules_error e;
    json_t *rules = NULL;
    char *kept_where = NULL;
    int rc = parse_options(cli, argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? MM_EXIT_OK : rc;
    enum mode mode = o.answers ? MODE_ANSWERS : isatty(STDIN_FILENO) ? MODE_INTERACTIVE : MODE_LIST;
    if (o.output && mode == MODE_LIST) {
        mm_cli_error(cli, "rules", "%s", TR("rules.error.output_needs_answers"));
        return MM_EXIT_USAGE;
    }
    int r = mm_rules_load(&rules);
    if (r != 0) {
        mm_cli_error(cli, "rules", "%s: %s", TR("error.content"), mm_cmd_strerror(cli, r));
        return MM_EXIT_IO;
    }
    if (mode == MODE_ANSWERS && (r = mm_rules_read_file(o.answers, &answers, &e)) != 0) {
        if (r == MM_EPARSE)
            report_answers_error(cli, o.answers, &e);
        else if (!mm_cmd_no_input(cli, "rules", o.answers, r))
            mm_cli_error(cli, "rules", "%s: %s", o.answers, mm_cmd_strerror(cli, r));
        /* over 64 KiB is invalid input too, as for declare --rules */
        rc = r == MM_EPARSE || r == MM_ETOOBIG ? MM_EXIT_INPUT : MM_EXIT_IO;
        goto out;
    }
    if (mode == MODE_INTERACTIVE && (rc = run_interactive(cli, rules, &answers)) != 0)
        goto out;
    if (mode == MODE_LIST) {
        if (o.json) {
            rc = print_json(cli, rules, NULL) == 0 ? MM_EXIT_OK : MM_EXIT_IO;
            goto out;
        }
        printf("%s\n\n", TR("rules.heading"));
        for (size_t i = 0; i < MM_RULES_COUNT; i++) {
            print_rule(cli, stdout, json_array_get(rules, i), true);
            putchar('\n');
        }
        printf("%s\n", TR("rules.list_note"));
        goto out;
    }
    if (o.output && (rc = save_record(cli, o.output, &answers)) != 0)
        goto out;
    /* declare finds them without --rules; --no-history keeps nothing, as
     * for `mamori diagnose`. Kept before the result, whose next step
     * depends on it; said after it, as the closing line. */
    bool keep = mode == MODE_INTERACTIVE && !o.no_history;
    int kept_rc = keep ? keep_record(&answers, &kept_where) : MM_ENOENT;
    if (o.json)
        rc = print_json(cli, rules, &answers) == 0 ? MM_EXIT_OK : MM_EXIT_IO;
    else
        print_text_result(cli, rules, &answers, &o, keep && kept_rc == 0);
    if (!o.json && o.output) /* where the record went, and what reads it */
        print_with_file(cli, "rules.saved", o.output);
    if (keep) /* the saved record's line, or the text result's, gave the next
               * step; JSON on standard output gives none, so the line names
               * the --output record, which is the way when keeping failed */
        mm_cmd_rules_kept_say(cli, kept_rc, kept_where,
                              !o.json && (o.output || mm_rules_all_committed(&answers, NULL)),
                              o.json ? o.output : NULL);
    if (rc == MM_EXIT_OK && !mm_rules_all_committed(&answers, NULL))
        rc = MM_EXIT_NOTMET;
out:
    free(kept_where);
    json_decref(rules);
    return rc;
}
