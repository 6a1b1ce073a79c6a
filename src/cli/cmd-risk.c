/* SPDX-License-Identifier: Apache-2.0
 * `mamori risk`: reads an asset inventory (CSV), computes each asset's risk
 * value and writes the result as text, CSV, JSON or HTML; `--template`
 * writes an example inventory (with a byte-order mark when it goes to a file,
 * so that Japanese Excel opens it, and the next step said after). The whole output is built in
 * memory first and written to --output by an atomic rename, so a failed run leaves no partial file.
 * Exit codes: 0 ok, 2 usage, 3 invalid input, 4 read/write failure. */
#include "assess/risk.h"
#include "cli/cli.h"
#include "cli/cmd-common.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/str.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#define TR(key) mm_tr("risk", key, cli->lang)

enum risk_format { FORMAT_TEXT, FORMAT_CSV, FORMAT_JSON, FORMAT_HTML };
enum risk_bom { BOM_DEFAULT, BOM_ON, BOM_OFF };

struct risk_args {
    enum risk_format format;
    const char *output; /* NULL: stdout */
    const char *input;
    struct mm_risk_options opt;
    enum risk_bom bom; /* BOM_DEFAULT: a mark on CSV written to a file */
    bool template;
};

static int parse_format(const char *s, enum risk_format *out)
{
    static const char *const names[] = {"text", "csv", "json", "html"}; /* enum order */
    int i = mm_cmd_choice(s, names, sizeof names / sizeof names[0]);
    if (i < 0)
        return MM_EINVAL;
    *out = (enum risk_format)i;
    return 0;
}

static int parse_accept_below(const char *s, int *out)
{
    int64_t v; /* digits only (strtol took " 5" and "+5") */
    if (mm_str_int64(s, MM_RISK_ACCEPT_BELOW_MIN, MM_RISK_ACCEPT_BELOW_MAX, &v) != 0)
        return MM_EINVAL;
    *out = (int)v;
    return 0;
}

static int usage_error(const struct mm_cli *cli, const char *key, const char *what)
{
    return mm_cmd_usage_error(cli, "risk", what, TR(key));
}

/* Fills a from argv. Returns -1 to go on, else the exit code. */
static int parse_args(const struct mm_cli *cli, int argc, char **argv, struct risk_args *a)
{
    static const struct option options[] = {{"format", required_argument, NULL, 'f'},
                                            {"output", required_argument, NULL, 'o'},
                                            {"accept-below", required_argument, NULL, 'a'},
                                            {"encoding", required_argument, NULL, 'e'},
                                            {"bom", no_argument, NULL, 'b'},
                                            {"no-bom", no_argument, NULL, 'n'},
                                            {"template", no_argument, NULL, 't'},
                                            {"help", no_argument, NULL, 'h'},
                                            {0}};
    int c, rc;
    struct mm_cmd_given given = {0};
    mm_cmd_getopt_begin();
    while ((c = getopt_long(argc, argv, ":f:o:h", options, NULL)) != -1) {
        if ((rc = mm_cmd_once_opt(cli, "risk", &given, options, c)) != 0)
            return rc;
        switch (c) {
        case 'h':
            printf("%s\n", TR("cli.usage"));
            return MM_EXIT_OK;
        case 'f':
            if (parse_format(optarg, &a->format) != 0)
                return usage_error(cli, "cli.error.format", NULL);
            break;
        case 'o':
            if ((rc = mm_cmd_output_arg(cli, "risk", optarg)) != 0)
                return rc;
            a->output = optarg;
            break;
        case 'a':
            if (parse_accept_below(optarg, &a->opt.accept_below) != 0)
                return usage_error(cli, "cli.error.accept_below", NULL);
            break;
        case 'e':
            if (mm_csv_encoding_parse(optarg, &a->opt.encoding) != 0)
                return usage_error(cli, "cli.error.encoding", NULL);
            break;
        case 'b':
        case 'n':
            if (a->bom != BOM_DEFAULT)
                return usage_error(cli, "cli.error.bom_both", NULL);
            a->bom = c == 'b' ? BOM_ON : BOM_OFF;
            break;
        case 't':
            a->template = true;
            break;
        case ':':
            return mm_cmd_usage_error(cli, "risk", argv[optind - 1],
                                      mm_tr("cli", "error.missing_value", cli->lang));
        default:
            return usage_error(cli, "cli.error.unknown_option", argv[optind - 1]);
        }
    }
    int rest = argc - optind;
    if (a->template && rest != 0)
        return usage_error(cli, "cli.error.template_input", NULL);
    if (!a->template && rest != 1)
        return usage_error(cli, rest == 0 ? "cli.error.no_input" : "cli.error.one_input", NULL);
    a->input = a->template ? NULL : argv[optind];
    return -1;
}

/* Writes the finished output: to --output (mm_cmd_write_output), else stdout. */
static int emit(const struct mm_cli *cli, const struct risk_args *a, const struct mm_buf *out)
{
    int r = mm_cmd_write_output(a->output, out);
    if (r == 0)
        return MM_EXIT_OK;
    if (a->output)
        mm_cmd_write_failed(cli, "risk", a->output, r);
    else
        mm_cmd_stdout_failed(cli, "risk", r);
    return MM_EXIT_IO;
}

/* The input file could not be read: a missing one as every command says
 * it, else "PATH: the file could not be read (reason); what to do", reason
 * and step joined as for one error of the file (the reason's own step alone
 * when it has one): checking the permission for a refusal (EACCES, EPERM),
 * copying the file elsewhere for a device error (EIO and the rest). */
static void report_unreadable(const struct mm_cli *cli, const char *path, int r)
{
    const struct mm_fill_var why = {"why", mm_cmd_strerror(cli, r)};
    struct mm_buf msg = MM_BUF_INIT;
    if (mm_cmd_no_input(cli, "risk", path, r))
        return;
    int rc = mm_fill(&msg, MM_FILL_MAX, TR("error.csv.io"), &why, 1, 0);
    if (rc == 0 && !mm_error_has_step(r))
        rc = mm_buf_printf(&msg, "%s%s", cli->lang == MM_LANG_JA ? "。" : "; ",
                           TR(r == MM_EPERM ? "step.csv.io" : "step.csv.device"));
    if (rc == 0)
        mm_cli_error(cli, "risk", "%s: %s", path, mm_buf_str(&msg));
    mm_buf_free(&msg);
}

/* "PATH: TEXT" on stderr, TEXT made by fn from e (the error's number when
 * fn fails). */
static void report_line(const struct mm_cli *cli, const char *path, int r,
                        const struct mm_risk_error *e,
                        int (*fn)(const struct mm_risk_error *, enum mm_lang, struct mm_buf *))
{
    struct mm_buf msg = MM_BUF_INIT;
    if (fn(e, cli->lang, &msg) != 0) {
        mm_buf_reset(&msg);
        mm_buf_puts(&msg, mm_cmd_strerror(cli, r));
    }
    mm_cli_error(cli, "risk", "%s: %s", path, mm_buf_str(&msg));
    mm_buf_free(&msg);
}

/* True when id is one of the n ids of said. */
static bool step_said(const char *const *said, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(said[i], id) == 0)
            return true;
    return false;
}

/* "PATH: what to do: STEP" once for each distinct step of the errors (those
 * listed, then the first of each kind found past the list), in the order
 * they first occur. */
static void report_steps(const struct mm_cli *cli, const char *path, int r,
                         const struct mm_risk_error *e, size_t listed)
{
    enum { MAX_STEPS = MM_RISK_ERRORS_MAX + MM_RISK_NKINDS + MM_CSV_NKINDS };
    const char *said[MAX_STEPS];
    size_t nsaid = 0, n = listed + mm_risk_error_unlisted(e);
    struct mm_risk_error one;
    for (size_t i = 0; i < n && nsaid < MAX_STEPS; i++) {
        mm_risk_error_nth(e, i, &one);
        const char *id = mm_risk_error_step_id(&one);
        if (id == NULL || step_said(said, nsaid, id))
            continue;
        said[nsaid++] = id;
        struct mm_buf step = MM_BUF_INIT;
        if (mm_risk_error_step(&one, cli->lang, &step) == 0)
            mm_cli_error(cli, "risk", "%s: %s%s", path, TR("error.step"), mm_buf_str(&step));
        else
            mm_cli_error(cli, "risk", "%s: %s", path, mm_cmd_strerror(cli, r));
        mm_buf_free(&step);
    }
}

/* "PATH: N more errors are not listed (...)." ("1 more error is" for one),
 * said at the end of the list like a reason; its step comes after the others. */
static void report_more(const struct mm_cli *cli, const char *path, size_t more, size_t listed)
{
    char count[24], max[24];
    snprintf(count, sizeof count, "%zu", more);
    snprintf(max, sizeof max, "%zu", listed);
    const struct mm_fill_var vars[] = {{"count", count}, {"max", max}};
    struct mm_buf msg = MM_BUF_INIT;
    const char *text = TR(more == 1 ? "error.csv.more_one" : "error.csv.more");
    if (mm_fill(&msg, MM_FILL_MAX, text, vars, 2, 0) == 0)
        mm_cli_error(cli, "risk", "%s: %s%s", path, mm_buf_str(&msg),
                     cli->lang == MM_LANG_JA ? "。" : ".");
    mm_buf_free(&msg);
}

/* One error: "PATH: where: what is wrong; what to do". Several (format
 * errors of the CSV, or problems in the rows' cells): one line each with
 * where and what (MM_RISK_ERRORS_MAX at most), how many more there are, then
 * each distinct next step once, the last one for those not listed. */
static void report_errors(const struct mm_cli *cli, const char *path, int r,
                          const struct mm_risk_error *e)
{
    size_t listed, total;
    mm_risk_error_counts(e, &listed, &total);
    if (total <= 1) {
        report_line(cli, path, r, e, mm_risk_error_message);
        return;
    }
    struct mm_risk_error one;
    for (size_t i = 0; i < listed; i++) {
        mm_risk_error_nth(e, i, &one);
        report_line(cli, path, r, &one, mm_risk_error_reason);
    }
    if (total > listed)
        report_more(cli, path, total - listed, listed);
    report_steps(cli, path, r, e, listed);
    if (total > listed)
        mm_cli_error(cli, "risk", "%s: %s%s", path, TR("error.step"), TR("step.csv.more"));
}

static int report_load_error(const struct mm_cli *cli, const char *path, int r,
                             const struct mm_risk_error *e)
{
    bool csv = e->kind == MM_RISK_ERR_CSV;
    if (csv && e->csv.kind == MM_CSV_ERR_IO) {
        report_unreadable(cli, path, r);
        return MM_EXIT_IO;
    }
    report_errors(cli, path, r, e);
    return csv && e->csv.kind == MM_CSV_ERR_NOMEM ? MM_EXIT_IO : MM_EXIT_INPUT;
}

/* Whether CSV output starts with a byte-order mark: asked for, or by
 * default when it goes to a file (Japanese Excel, opening a file by a
 * double-click, reads UTF-8 without the mark as Shift_JIS: garbage). */
static bool want_bom(const struct risk_args *a)
{
    return a->bom == BOM_ON || (a->bom == BOM_DEFAULT && a->output != NULL);
}

/* True when path needs quoting to be pasted into a shell command. */
static bool needs_shell_quotes(const char *path)
{
    return strpbrk(path, " \t\"'$`\\&;|<>()*?![]{}#~") != NULL;
}

/* Appends path as one shell word: in single quotes when it holds a byte
 * the shell treats specially (a ' inside written '\''). */
static int put_shell_word(struct mm_buf *b, const char *path)
{
    if (!needs_shell_quotes(path))
        return mm_buf_puts(b, path);
    int r = mm_buf_putc(b, '\'');
    for (const char *p = path; r == 0 && *p; p++)
        r = *p == '\'' ? mm_buf_puts(b, "'\\''") : mm_buf_putc(b, *p);
    return r == 0 ? mm_buf_putc(b, '\'') : r;
}

/* After the template was written to a file: what to do next (stdout). */
static void say_template_next(const struct mm_cli *cli, const char *path)
{
    struct mm_buf word = MM_BUF_INIT, msg = MM_BUF_INIT;
    int r = put_shell_word(&word, path);
    const struct mm_fill_var vars[] = {{"file", path}, {"arg", mm_buf_str(&word)}};
    if (r == 0)
        r = mm_fill(&msg, MM_FILL_MAX, TR("cli.template_next"), vars, 2, 0);
    if (r == 0)
        printf("%s\n", mm_buf_str(&msg));
    mm_buf_free(&word);
    mm_buf_free(&msg);
}

static int render(const struct risk_args *a, const struct mm_risk_sheet *s, enum mm_lang lang,
                  struct mm_buf *out)
{
    switch (a->format) {
    case FORMAT_CSV:
        return mm_risk_write_csv(s, lang, want_bom(a), out);
    case FORMAT_JSON:
        return mm_risk_write_json(s, lang, out);
    case FORMAT_HTML:
        return mm_risk_write_html(s, lang, out);
    default:
        return mm_risk_write_text(s, lang, out);
    }
}

int cmd_risk(const struct mm_cli *cli, int argc, char **argv)
{
    struct risk_args a = {.format = FORMAT_TEXT};
    struct mm_risk_sheet *sheet = NULL;
    struct mm_risk_error err;
    struct mm_buf out = MM_BUF_INIT;
    int rc = parse_args(cli, argc, argv, &a);
    if (rc >= 0)
        return rc;
    int r;
    if (a.template) {
        r = mm_risk_write_template(cli->lang, want_bom(&a), &out);
    } else {
        r = mm_risk_load_file(a.input, &a.opt, &sheet, &err);
        if (r != 0) {
            rc = report_load_error(cli, a.input, r, &err);
            goto out;
        }
        r = render(&a, sheet, cli->lang, &out);
    }
    if (r != 0) {
        mm_cli_error(cli, "risk", "%s", mm_cmd_strerror(cli, r));
        rc = MM_EXIT_IO;
        goto out;
    }
    rc = emit(cli, &a, &out);
    if (rc == MM_EXIT_OK && a.template && a.output)
        say_template_next(cli, a.output);
out:
    mm_risk_sheet_free(sheet);
    mm_buf_free(&out);
    return rc;
}
