/* SPDX-License-Identifier: Apache-2.0
 * `mamori audit`: runs the host checks (src/audit/) on this machine, or on
 * the tree under --root, and reports pass/fail/unknown with evidence as text
 * or JSON; with a self-diagnosis (--diagnosis: a file, or a folder of kept
 * results: its newest; without it, the newest result an interactive
 * `mamori diagnose` kept, when there is one), lists the items answered
 * "done" that a failed check contradicts (--no-diagnosis: the checks alone,
 * no diagnosis read). Exit codes: 0 no check failed, 1
 * some check failed, 2 usage, 3 invalid diagnosis file, 4 read/write
 * failure. */
#include "assess/diagnose.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "cli/cmd-common.h"
#include "cli/diagnosis-input.h"
#include "core/buf.h"
#include "core/data.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/timefmt.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TR(key)           mm_tr("audit", key, cli->lang)
#define DIAG_TR(key)      mm_tr("assess-docs", key, cli->lang) /* shared with declare */
#define MAX_CHECK_OPTIONS 32

struct audit_args {
    bool json, list, no_diagnosis;
    const char *output, *root, *diagnosis;
    const char *checks[MAX_CHECK_OPTIONS];
    size_t nchecks;
};

static int usage_error(const struct mm_cli *cli, const char *key, const char *what)
{
    return mm_cmd_usage_error(cli, "audit", what, TR(key));
}

static int add_check(const struct mm_cli *cli, struct audit_args *a, const char *id)
{
    if (!mm_audit_find(id))
        return usage_error(cli, "cli.error.check", id);
    if (a->nchecks >= MAX_CHECK_OPTIONS)
        return usage_error(cli, "cli.error.too_many_checks", NULL);
    a->checks[a->nchecks++] = id;
    return -1;
}

/* Fills a from argv. Returns -1 to go on, else the exit code. */
static int parse_args(const struct mm_cli *cli, int argc, char **argv, struct audit_args *a)
{
    static const struct option options[] = {{"format", required_argument, NULL, 'f'},
                                            {"output", required_argument, NULL, 'o'},
                                            {"root", required_argument, NULL, 'r'},
                                            {"check", required_argument, NULL, 'c'},
                                            {"list", no_argument, NULL, 'l'},
                                            {"diagnosis", required_argument, NULL, 'd'},
                                            {"no-diagnosis", no_argument, NULL, 'N'},
                                            {"help", no_argument, NULL, 'h'},
                                            {0}};
    int c, rc, fmt;
    struct stat st;
    struct mm_cmd_given given = {0};
    mm_cmd_getopt_begin();
    while ((c = getopt_long(argc, argv, ":f:o:h", options, NULL)) != -1) {
        /* each option once; --check is repeated for several checks */
        if (c != 'c' && (rc = mm_cmd_once_opt(cli, "audit", &given, options, c)) != 0)
            return rc;
        switch (c) {
        case 'h':
            printf("%s\n", TR("cli.usage"));
            return MM_EXIT_OK;
        case 'f':
            if ((fmt = mm_cmd_text_or_json(optarg)) < 0)
                return usage_error(cli, "cli.error.format", NULL);
            a->json = fmt == 1;
            break;
        case 'o':
            if ((rc = mm_cmd_output_arg(cli, "audit", optarg)) != 0)
                return rc;
            a->output = optarg;
            break;
        case 'r':
            if (stat(optarg, &st) != 0 || !S_ISDIR(st.st_mode))
                return usage_error(cli, "cli.error.root", optarg);
            a->root = optarg;
            break;
        case 'c':
            if ((rc = add_check(cli, a, optarg)) >= 0)
                return rc;
            break;
        case 'l':
            a->list = true;
            break;
        case 'd':
            a->diagnosis = optarg;
            break;
        case 'N':
            a->no_diagnosis = true;
            break;
        case ':':
            return mm_cmd_usage_error(cli, "audit", argv[optind - 1],
                                      mm_tr("cli", "error.missing_value", cli->lang));
        default:
            return usage_error(cli, "cli.error.unknown_option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error(cli, "cli.error.args", argv[optind]);
    if (a->diagnosis && a->no_diagnosis)
        return usage_error(cli, "cli.error.diagnosis_both", NULL);
    return -1;
}

/* The clock for ages: MAMORI_DATE (midnight UTC) when set, else now. */
static time_t audit_now(void)
{
    const char *pinned;
    int64_t usec;
    if (mm_time_pinned_date(&pinned, &usec) == 0 && pinned)
        return (time_t)(usec / 1000000);
    return time(NULL);
}

static int list_checks(const struct mm_cli *cli)
{
    json_t *texts = NULL;
    size_t n;
    const struct mm_check *const *all = mm_audit_checks(&n);
    mm_data_json("audit/checks.json", &texts);
    printf("%s\n", TR("cli.list_header"));
    for (size_t i = 0; i < n; i++) {
        printf("%-20s ", all[i]->id);
        for (size_t k = 0; k < MM_AUDIT_MAX_ITEMS && all[i]->items[k]; k++)
            printf(k ? ",%d" : "%d", all[i]->items[k]);
        printf("\t%s\n",
               mm_text(json_object_get(json_object_get(texts, all[i]->id), "title"), cli->lang));
    }
    json_decref(texts);
    return MM_EXIT_OK;
}

static int emit(const struct mm_cli *cli, const struct audit_args *a, const struct mm_buf *out)
{
    /* 0600: the report may list accounts without a password (read from
     * /etc/shadow by root) */
    int r = mm_cmd_write_output_mode(a->output, out, 0600);
    if (r != 0 && !a->output)
        mm_cmd_stdout_failed(cli, "audit", r);
    else if (r != 0)
        mm_cmd_write_failed(cli, "audit", a->output, r);
    if (r != 0)
        return MM_EXIT_IO;
    return MM_EXIT_OK;
}

/* The file to read for --diagnosis: the path itself, or, for a folder
 * where `mamori diagnose` keeps its results (--history, or the default
 * one), its newest result, as `mamori declare --diagnosis DIR` takes it
 * (mm_diag_resolve, with its messages), and a line says which. *file
 * (malloc'd) is the file. Returns -1 to go on, else the exit code after the
 * message. */
static int diagnosis_file(const struct mm_cli *cli, const char *path, char **file)
{
    char date[11];
    int r = mm_diag_resolve(path, file, date);
    if (r == 0) {
        if (strcmp(*file, path) != 0)
            mm_cmd_say(cli, "audit", DIAG_TR("diagnosis.using"), *file, date[0] ? date : "-", NULL);
        return -1;
    }
    if (r == MM_ENOENT)
        mm_cmd_say(cli, "audit", DIAG_TR("diagnosis.error.empty_dir"), path, NULL, NULL);
    else
        mm_cli_error(cli, "audit", "%s: %s%s%s%s", path, TR("cli.error.diagnosis"), MM_CMD_LPAREN,
                     mm_cmd_strerror(cli, r), MM_CMD_RPAREN);
    return MM_EXIT_IO;
}

/* Reads the diagnosis answers (an answers file or the JSON of mamori
 * diagnose, the reader `mamori diagnose --answers` uses; unanswered items
 * are fine). Returns 0 or an MM_E* code (*issues filled for MM_EPARSE and
 * MM_EINVAL); no message. */
static int load_answers(const char *path, unsigned flags, enum mm_answer *answers,
                        struct mm_answers_issues *issues)
{
    struct mm_diag_catalogue *cat = NULL;
    struct mm_answers_spec spec;
    int r = mm_diag_catalogue_load(&cat);
    if (r == 0) {
        mm_diag_answers_spec(cat, &spec);
        r = mm_answers_load(&spec, path, MM_ANSWERS_PARTIAL | flags, answers, issues);
    }
    mm_diag_catalogue_free(cat);
    return r;
}

/* The diagnosis given with --diagnosis. Returns -1 when read, else the exit
 * code after the message. */
static int read_diagnosis(const struct mm_cli *cli, const char *path, bool found,
                          enum mm_answer *answers)
{
    struct mm_answers_issues issues;
    int r = load_answers(path, found ? MM_ANSWERS_REGULAR : 0, answers, &issues);
    if (r == 0)
        return -1;
    if (r == MM_EPARSE || r == MM_EINVAL) { /* every problem, one per line */
        mm_cmd_answers_issues_print(cli, "audit", path, &issues);
        return MM_EXIT_INPUT;
    }
    if (mm_cmd_no_input(cli, "audit", path, r))
        return MM_EXIT_IO;
    bool input = r == MM_ETOOBIG;
    mm_cli_error(cli, "audit", "%s: %s%s%s%s", path,
                 TR(input ? "cli.error.diagnosis_format" : "cli.error.diagnosis"), MM_CMD_LPAREN,
                 mm_cmd_strerror(cli, r), MM_CMD_RPAREN);
    return input ? MM_EXIT_INPUT : MM_EXIT_IO;
}

/* Without --diagnosis: the newest result an interactive `mamori diagnose`
 * kept in the default folder, as `mamori declare` takes it without
 * --diagnosis: a line on standard error names the file and its date; none
 * kept is no comparison (the audit alone, as before); one that cannot be
 * read or is not valid is said and not used. *file (malloc'd) is the file
 * used, else NULL. */
static void read_kept_diagnosis(const struct mm_cli *cli, enum mm_answer *answers, char **file)
{
    struct mm_answers_issues issues;
    char *dir = mm_cmd_diagnosis_dir(), date[11];
    *file = NULL;
    /* the folder's newest, as mm_diag_resolve takes a folder; a missing
     * folder is nothing kept, not a file to read */
    int r = dir ? mm_diag_history_latest(dir, file, date) : MM_ENOENT;
    if (r == 0 && (r = load_answers(*file, MM_ANSWERS_REGULAR, answers, &issues)) == 0) {
        mm_cmd_say(cli, "audit", DIAG_TR("diagnosis.using"), *file, date, NULL);
    } else if (r != MM_ENOENT || *file) {
        mm_cmd_diagnosis_unusable(cli, "audit", *file ? *file : dir, r);
    }
    if (r != 0) {
        free(*file);
        *file = NULL;
    }
    free(dir);
}

int cmd_audit(const struct mm_cli *cli, int argc, char **argv)
{
    struct audit_args a = {.root = "/"};
    struct mm_audit_report rep = {0};
    struct mm_buf out = MM_BUF_INIT;
    int rc = parse_args(cli, argc, argv, &a);
    if (rc >= 0)
        return rc;
    if (a.list)
        return list_checks(cli);
    enum mm_answer answers[MM_DIAG_ITEMS];
    char *diagnosis = NULL;
    if (a.diagnosis && (rc = diagnosis_file(cli, a.diagnosis, &diagnosis)) >= 0)
        return rc;
    if (a.diagnosis &&
        (rc = read_diagnosis(cli, diagnosis, strcmp(diagnosis, a.diagnosis) != 0, answers)) >= 0)
        goto out;
    if (!a.diagnosis && !a.no_diagnosis)
        read_kept_diagnosis(cli, answers, &diagnosis);
    a.diagnosis = diagnosis;
    struct mm_audit_ctx ctx = {.root = a.root, .now = audit_now()};
    int r = mm_audit_report_run(&ctx, a.nchecks ? a.checks : NULL, a.nchecks, &rep);
    uint64_t done = 0;
    for (int i = 0; a.diagnosis && i < MM_DIAG_ITEMS; i++)
        if (answers[i] == MM_ANSWER_DONE)
            done |= UINT64_C(1) << i;
    if (r == 0 && a.diagnosis)
        r = mm_audit_compare(&rep, done, a.diagnosis);
    if (r == 0)
        r = a.json ? mm_audit_write_json(&rep, cli->lang, &out)
                   : mm_audit_write_text(&rep, cli->lang, &out);
    if (r != 0) {
        mm_cli_error(cli, "audit", "%s", mm_cmd_strerror(cli, r));
        rc = MM_EXIT_IO;
        goto out;
    }
    size_t counts[3];
    mm_audit_count(&rep, counts);
    rc = emit(cli, &a, &out);
    if (rc == MM_EXIT_OK && counts[MM_AUDIT_FAIL] > 0)
        rc = MM_EXIT_NOTMET;
out:
    free(diagnosis);
    mm_audit_report_free(&rep);
    mm_buf_free(&out);
    return rc;
}
