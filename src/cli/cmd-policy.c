/* SPDX-License-Identifier: Apache-2.0
 * `mamori policy`: generates the basic security policy, the employee handbook
 * and the 11-chapter rule set (Markdown + print-ready HTML) and the
 * policy.json manifest for one organisation profile into --out DIR. Yes/no
 * questions the profile leaves open are asked on a terminal, else taken as
 * "no" and named in the summary (profile-questions.c); on a terminal a
 * missing name is asked too and --out defaults to ./mamori-documents. */
#include "assess/policy-items.h"
#include "assess/policy.h"
#include "assess/profile.h"
#include "cli/cli.h"
#include "cli/cmd-common.h"
#include "cli/diagnosis-input.h"
#include "cli/profile-questions.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/timefmt.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TR(key) mm_tr("assess-docs", key, cli->lang)

/* Profile flags: --NAME VALUE sets the profile field NAME. */
static const char *const profile_flags[] = {
    "name",  "representative", "address",          "employees", "industry", "my-number",
    "cloud", "website",        "personal-devices", "telework",  "wifi",     "outsourcing",
};
#define NFLAGS (sizeof profile_flags / sizeof profile_flags[0])

struct flag_value {
    const char *field, *value;
};

struct opts {
    const char *profile, *out, *diagnosis;
    struct flag_value flags[64];
    size_t nflags;
    bool force;       /* replace documents edited by hand, keeping copies */
    bool default_out; /* no --out: DEFAULT_OUT, on a terminal */
};

/* The folder written without --out on a terminal: the same ASCII name in
 * both languages, so a script or a support call names it one way. */
#define DEFAULT_OUT "mamori-documents"

/* What a terminal run may ask (the name) or assume (the folder): standard
 * input and standard error (where questions go) are a terminal and no
 * input is read from standard input; a script keeps today's errors. */
static bool can_ask(const struct opts *o)
{
    const char *files[] = {o->profile, o->diagnosis};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (files[i] && strcmp(files[i], "-") == 0)
            return false;
    return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

static void report_profile_error(const struct mm_cli *cli, const char *where,
                                 const struct mm_profile_error *e)
{
    char key[64], at[64];
    snprintf(key, sizeof key, "profile.problem.%d", (int)e->problem);
    if (e->problem == MM_PROFILE_MISSING && strcmp(e->field, "name") == 0)
        mm_cli_error(cli, "policy", "%s%s%s", where ? where : "", where ? ": " : "",
                     TR("policy.error.no_name"));
    else if (e->field[0])
        mm_cli_error(cli, "policy", "%s%s%s%s \"%s\": %s%s%s", where ? where : "",
                     where ? ": " : "", mm_cmd_at_line(cli, where ? e->line : 0, at, sizeof at),
                     TR("profile.error.field"), e->field, TR(key), e->detail[0] ? " — " : "",
                     e->detail);
    else
        mm_cli_error(cli, "policy", "%s%s%s%s%s", where ? where : "", where ? ": " : "", TR(key),
                     e->detail[0] ? " — " : "", e->detail);
}

static int parse_options(const struct mm_cli *cli, int argc, char **argv, struct opts *o)
{
    struct option options[NFLAGS + 6];
    size_t n = 0;
    for (; n < NFLAGS; n++)
        options[n] = (struct option){profile_flags[n], required_argument, NULL, 1000 + (int)n};
    options[n++] = (struct option){"profile", required_argument, NULL, 'p'};
    options[n++] = (struct option){"out", required_argument, NULL, 'o'};
    options[n++] = (struct option){"diagnosis", required_argument, NULL, 'd'};
    options[n++] = (struct option){"force", no_argument, NULL, 'f'};
    options[n++] = (struct option){"help", no_argument, NULL, 'h'};
    options[n] = (struct option){0};
    int c, rc;
    struct mm_cmd_given given = {0};
    mm_cmd_getopt_begin();
    while ((c = getopt_long(argc, argv, ":p:o:d:h", options, NULL)) != -1) {
        if ((rc = mm_cmd_once_opt(cli, "policy", &given, options, c)) != 0)
            return rc;
        if (c == 'h') {
            fputs(TR("policy.help"), stdout);
            return -1;
        } else if (c == 'p') {
            o->profile = optarg;
        } else if (c == 'o') {
            o->out = optarg;
        } else if (c == 'd') {
            o->diagnosis = optarg;
        } else if (c == 'f') {
            o->force = true;
        } else if (c >= 1000 && c < 1000 + (int)NFLAGS &&
                   o->nflags < sizeof o->flags / sizeof o->flags[0]) {
            o->flags[o->nflags++] = (struct flag_value){profile_flags[c - 1000], optarg};
        } else {
            return mm_cmd_refused(cli, "policy", c, argc, argv);
        }
    }
    if (optind != argc)
        return mm_cmd_usage_error(cli, "policy", argv[optind], TR("error.usage"));
    if (!o->out && !can_ask(o))
        return mm_cmd_usage_error(cli, "policy", NULL, TR("policy.error.no_out"));
    if (!o->out) {
        o->out = DEFAULT_OUT;
        o->default_out = true;
    }
    return 0;
}

static int build_profile(const struct mm_cli *cli, const struct opts *o, struct mm_profile *p)
{
    struct mm_profile_error e = {0};
    int r;
    mm_profile_init(p);
    if (o->profile && (r = mm_profile_load_ini(p, o->profile, &e)) != 0) {
        if (e.problem == MM_PROFILE_NOFILE && mm_cmd_no_input(cli, "policy", o->profile, r))
            return MM_EXIT_IO;
        if (e.problem == MM_PROFILE_NOFILE) /* the library's reason is in English */
            snprintf(e.detail, sizeof e.detail, "%s", mm_cmd_strerror(cli, r));
        report_profile_error(cli, o->profile, &e);
        return e.problem == MM_PROFILE_NOFILE ? MM_EXIT_IO : MM_EXIT_INPUT;
    }
    for (size_t i = 0; i < o->nflags; i++)
        if (mm_profile_set(p, o->flags[i].field, o->flags[i].value, &e) != 0) {
            report_profile_error(cli, NULL, &e);
            return MM_EXIT_INPUT;
        }
    if (!p->name[0] && can_ask(o)) /* an empty answer: the error below */
        mm_cmd_ask_org_name(cli, "policy", "policy.ask_org", p);
    if (mm_profile_validate(p, &e) != 0) {
        report_profile_error(cli, o->profile, &e);
        return MM_EXIT_INPUT;
    }
    return 0;
}

/* Says where the profile and the diagnosis disagree (a practice turned to
 * "yes", or a "yes" kept against a "not applicable" answer) and how to make
 * the two agree ("{item}", "{title}", "{answer}" in the template). A default
 * the person never wrote is not theirs to correct: the diagnosis decides it
 * without a word (`--name X --diagnosis F`, the README's example). */
static void report_adjustments(const struct mm_cli *cli, const struct mm_profile *p,
                               const json_t *items, const struct mm_policy_adjustment *adj,
                               size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!mm_profile_given(p, adj[i].field)) /* neither in --profile nor --FIELD */
            continue;
        char key[64], item[24];
        snprintf(key, sizeof key, "policy.reconcile.%s%s", adj[i].field, adj[i].set ? "" : "_na");
        snprintf(item, sizeof item, "%ld", adj[i].item);
        const json_t *title = mm__assess_item_title(mm__assess_item_find(items, adj[i].item));
        char answer_key[64];
        snprintf(answer_key, sizeof answer_key, "policy.answer.%s", adj[i].answer);
        const struct mm_fill_var vars[] = {{"item", item},
                                           {"title", title ? mm_text(title, cli->lang) : ""},
                                           {"answer", TR(answer_key)}};
        struct mm_buf msg = MM_BUF_INIT;
        int r = mm_fill(&msg, MM_FILL_MAX, TR(key), vars, 3, 0);
        if (r == 0)
            mm_cli_error(cli, "policy", "%s", mm_buf_str(&msg));
        mm_buf_free(&msg);
    }
}

/* Prints the template key with {n} replaced by n (no newline). */
static void print_filled(const struct mm_cli *cli, const char *key, const char *n)
{
    const struct mm_fill_var vars[] = {{"n", n}};
    struct mm_buf msg = MM_BUF_INIT;
    if (mm_fill(&msg, MM_FILL_MAX, TR(key), vars, 1, 0) == 0)
        fputs(mm_buf_str(&msg), stdout);
    mm_buf_free(&msg);
}

/* The sections a "no" in the profile left out or shortened (website, wifi,
 * ...: the manifest's sections_omitted), one line each with the setting:
 * without it a profile of a name only quietly gives documents without
 * Wi-Fi, cloud or telework rules. Returns the first one's setting that is
 * known (mm_policy_omitted_field), or NULL when there is none. */
static const char *print_sections_omitted(const struct mm_cli *cli, const json_t *sections)
{
    size_t i;
    json_t *x;
    const char *field = NULL;
    if (json_array_size(sections) == 0)
        return NULL;
    printf("%s\n", TR("policy.summary.sections"));
    json_array_foreach(sections, i, x)
    {
        char key[96];
        snprintf(key, sizeof key, "policy.summary.section.%s", json_string_value(x));
        printf("  - %s\n", TR(key));
        if (!field)
            field = mm_policy_omitted_field(json_string_value(x));
    }
    return field;
}

/* The one step after everything a "no" left out (practices not answered,
 * chapters, sections): how to turn one to yes, field (the first one named)
 * as the example; with practices not answered, answering on a terminal too. */
static void print_again(const struct mm_cli *cli, const char *field, bool unanswered)
{
    char flag[48];
    size_t k = (size_t)snprintf(flag, sizeof flag, "--%s", field);
    for (size_t i = 2; i < k && i < sizeof flag; i++)
        flag[i] = flag[i] == '_' ? '-' : flag[i];
    const struct mm_fill_var vars[] = {{"field", field}, {"flag", flag}};
    struct mm_buf msg = MM_BUF_INIT;
    if (mm_fill(&msg, MM_FILL_MAX,
                TR(unanswered ? "policy.summary.again_ask" : "policy.summary.again"), vars, 2,
                0) == 0)
        printf("%s\n", mm_buf_str(&msg));
    mm_buf_free(&msg);
}

/* Whether a --FIELD flag set the organisation's name over the profile's. */
static bool name_given_by_flag(const struct opts *o)
{
    for (size_t i = 0; i < o->nflags; i++)
        if (strcmp(o->flags[i].field, "name") == 0)
            return true;
    return false;
}

/* The next step once the documents are written: the declaration, with the
 * organisation as this run had it and the policy.json just written, so the
 * owner can copy the line. Its profile file names it unless --name overrode
 * the file's name (declare would read the file's and refuse the policy made
 * for the other), else its name. The files are named by absolute paths, so
 * the line works from any folder (mm_cmd_path_arg). */
static void print_next_step(const struct mm_cli *cli, const struct opts *o,
                            const struct mm_profile *profile)
{
    struct mm_buf cmd = MM_BUF_INIT, path = MM_BUF_INIT, msg = MM_BUF_INIT;
    bool by_file = o->profile != NULL && !name_given_by_flag(o);
    int r = mm_buf_printf(&path, "%s/policy.json", o->out);
    if (r == 0)
        r = mm_buf_puts(&cmd, by_file ? "mamori declare --profile " : "mamori declare --org ");
    if (r == 0)
        r = by_file ? mm_cmd_path_arg(&cmd, o->profile) : mm_cmd_shell_arg(&cmd, profile->name);
    if (r == 0)
        r = mm_buf_puts(&cmd, " --policy ");
    if (r == 0)
        r = mm_cmd_path_arg(&cmd, mm_buf_str(&path));
    const struct mm_fill_var vars[] = {{"command", mm_buf_str(&cmd)}};
    if (r == 0 && mm_fill(&msg, MM_FILL_MAX, TR("policy.summary.next"), vars, 1, 0) == 0)
        printf("%s\n", mm_buf_str(&msg));
    mm_buf_free(&cmd);
    mm_buf_free(&path);
    mm_buf_free(&msg);
}

static void print_summary(const struct mm_cli *cli, const struct mm_policy_output *out,
                          const char *dir, const struct mm_cmd_assumed *assumed)
{
    const json_t *m = out->manifest;
    size_t i;
    json_t *x;
    printf("%s %s\n", TR("policy.summary.written"), dir);
    json_array_foreach(json_object_get(m, "documents"), i, x)
        printf("  %s/%s\n", dir, json_string_value(x));
    printf("  %s/policy.json\n", dir);
    printf("%s %s\n", TR("policy.summary.reference"),
           json_string_value(json_object_get(m, "reference")));
    /* what the "no"s left out, each with its setting, then how to bring
     * them back, said once (the note in the documents is for staff, so it
     * gives no command line) */
    const char *example = mm_cmd_profile_assumed_print(cli, assumed) ? assumed->fields[0] : NULL;
    json_array_foreach(json_object_get(json_object_get(m, "chapters"), "omitted"), i, x)
    {
        char key[96];
        const char *id = json_string_value(json_object_get(x, "id"));
        snprintf(key, sizeof key, "policy.summary.omitted.%s", id ? id : "");
        printf("%s\n", TR(key));
        if (!example) /* no example where no setting is known: never a wrong one */
            example = mm_policy_omitted_field(id);
    }
    const char *section = print_sections_omitted(cli, json_object_get(m, "sections_omitted"));
    if (!example)
        example = section;
    if (example)
        print_again(cli, example, assumed->n > 0);
    size_t n = json_array_size(json_object_get(m, "diagnosis_rules"));
    if (n) {
        char num[24];
        snprintf(num, sizeof num, "%zu", n);
        print_filled(cli, "policy.summary.diagnosis_rules", num);
        putchar('\n');
    }
}

/* The documents edited by hand (MM_ESTATE): one line each, then what
 * --force does, with the name the first one would be kept under. */
static void report_edited(const struct mm_cli *cli, const char *dir, const char *stamp,
                          const struct mm_policy_write_info *info)
{
    for (size_t i = 0; i < info->n_edited; i++)
        mm_cli_error(cli, "policy", "%s/%s: %s", dir, info->edited[i],
                     TR("policy.error.out.ESTATE"));
    const char *first = info->n_edited ? info->edited[0] : "rules.md", *ext = strrchr(first, '.');
    char example[128];
    snprintf(example, sizeof example, "%.*s.edited-%s%s", (int)(ext - first), first, stamp, ext);
    const struct mm_fill_var vars[] = {{"example", example}};
    struct mm_buf msg = MM_BUF_INIT;
    if (mm_fill(&msg, MM_FILL_MAX, TR("policy.error.edited_next"), vars, 1, 0) == 0)
        mm_cli_error(cli, "policy", "%s", mm_buf_str(&msg));
    mm_buf_free(&msg);
}

/* After a write: the copies kept of edited documents (stdout), or that an
 * earlier manifest left nothing to check edits against (stderr). */
static void report_kept(const struct mm_cli *cli, const char *dir,
                        const struct mm_policy_write_info *info)
{
    if (info->n_edited) {
        printf("%s\n", TR("policy.summary.kept"));
        for (size_t i = 0; i < info->n_edited; i++)
            printf("  %s/%s\n", dir, info->kept[i]);
    }
    if (info->unchecked)
        mm_cli_error(cli, "policy", "%s", TR("policy.note.unchecked"));
}

/* Without --out: where the documents went (its full path), and how to
 * choose another folder. */
static void print_default_out(const struct mm_cli *cli, const char *dir)
{
    char *full = realpath(dir, NULL);
    const struct mm_fill_var vars[] = {{"path", full ? full : dir}};
    struct mm_buf msg = MM_BUF_INIT;
    if (mm_fill(&msg, MM_FILL_MAX, TR("policy.summary.default_out"), vars, 1, 0) == 0)
        printf("%s\n", mm_buf_str(&msg));
    mm_buf_free(&msg);
    free(full);
}

/* "PATH: what went wrong" in the chosen language; path is the output
 * directory, or the foreign file found in it (MM_ECONFLICT). */
static void report_write_error(const struct mm_cli *cli, const char *path, int r)
{
    char key[64];
    snprintf(key, sizeof key, "policy.error.out.%s", mm_errname(r));
    const char *text = TR(key);
    if (strcmp(text, key) != 0) {
        mm_cli_error(cli, "policy", "%s: %s", path, text);
    } else {
        bool ja = cli->lang == MM_LANG_JA;
        mm_cli_error(cli, "policy", "%s: %s%s%s%s", path, TR("policy.error.out"), ja ? "（" : " (",
                     mm_cmd_strerror(cli, r), ja ? "）" : ")");
    }
    if (r == MM_ECONFLICT)
        mm_cli_error(cli, "policy", "%s", TR("policy.error.out_not_ours"));
    char *target = r == MM_ESYMLINK ? realpath(path, NULL) : NULL;
    if (target)
        mm_cli_error(cli, "policy", "%s %s", TR("policy.error.link_target"), target);
    free(target);
}

int cmd_policy(const struct mm_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct mm_profile profile;
    struct mm_policy_output out = {0};
    json_t *diag = NULL, *items = NULL;
    char today[11], stamp[9] = {0}, err[512];
    struct mm_policy_write_info written;
    int rc = parse_options(cli, argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? MM_EXIT_OK : rc;
    if ((rc = build_profile(cli, &o, &profile)) != 0 ||
        (rc = mm_cmd_diagnosis_load(cli, "policy", o.diagnosis, &diag)) != 0)
        goto out;
    struct mm_cmd_assumed assumed;
    mm_cmd_profile_questions(cli, &profile, diag, isatty(STDIN_FILENO), &assumed);
    mm_time_today(today);
    mm__assess_items_load(&items); /* optional: item texts for the diagnosis rules */
    struct mm_policy_adjustment adj[4];
    report_adjustments(cli, &profile, items, adj, mm_policy_reconcile(&profile, diag, adj, 4));
    struct mm_policy_request req = {&profile, cli->lang, today, diag, items};
    int r = mm_policy_generate(&req, &out, err, sizeof err);
    if (r != 0) {
        mm_cli_error(cli, "policy", "%s: %s", TR("policy.error.template"), err);
        rc = MM_EXIT_IO;
        goto out;
    }
    for (size_t i = 0, j = 0; today[i] && j < 8; i++)
        if (today[i] != '-')
            stamp[j++] = today[i];
    r = mm_policy_write(&out, o.out, o.force ? MM_POLICY_FORCE : 0, stamp, &written, err,
                        sizeof err);
    if (r == MM_ESTATE) {
        report_edited(cli, err, stamp, &written);
        rc = MM_EXIT_IO;
        goto out;
    } else if (r != 0) {
        report_write_error(cli, err, r);
        rc = MM_EXIT_IO;
        goto out;
    }
    print_summary(cli, &out, o.out, &assumed);
    report_kept(cli, o.out, &written);
    if (o.default_out)
        print_default_out(cli, o.out);
    print_next_step(cli, &o, &profile);
out:
    mm_policy_output_free(&out);
    json_decref(diag);
    json_decref(items);
    return rc;
}
