/* SPDX-License-Identifier: Apache-2.0
 * `mamori declare`: decides which self-declaration level the organisation may
 * make from its five-rules record, diagnosis result and policy manifest, and
 * prints the declaration record, or the concrete reasons it is refused.
 * Without --rules or --diagnosis it uses what an interactive `mamori rules`
 * or `mamori diagnose` kept (rules-input.c, diagnosis-input.c); without
 * --org or a name in --profile, the organisation --policy was made for,
 * else, on a terminal, the name it asks for. */
#include "assess/declare.h"
#include "assess/profile.h"
#include "assess/rules.h"
#include "cli/cli.h"
#include "cli/cmd-common.h"
#include "cli/profile-questions.h"
#include "cli/diagnosis-input.h"
#include "cli/rules-input.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/timefmt.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TR(key) mm_tr("assess-docs", key, cli->lang)

struct opts {
    const char *rules, *diagnosis, *policy, *org, *profile, *output;
    enum mm_declare_level level;
    bool json;
};

/* Copies tpl into out with {name} replaced by value. */
static void replace_into(struct mm_buf *out, const char *tpl, const char *name, const char *value)
{
    const struct mm_fill_var var = {name, value};
    (void)mm_fill(out, MM_FILL_MAX, tpl, &var, 1, 0);
}

/* The reason in words, in cli's language. Returns a malloc'd string. */
static char *reason_message(const struct mm_cli *cli, const json_t *reason, const json_t *rules)
{
    const char *code = json_string_value(json_object_get(reason, "code"));
    char key[96], value[512] = "";
    snprintf(key, sizeof key, "declare.reason.%s", code ? code : "?");
    const char *tpl = TR(key);
    struct mm_buf b = MM_BUF_INIT;
    if (json_object_get(reason, "rule")) {
        json_int_t n = json_integer_value(json_object_get(reason, "rule"));
        const json_t *rule = json_array_get(rules, (size_t)(n - 1));
        snprintf(value, sizeof value, "%lld", (long long)n);
        const struct mm_fill_var vars[] = {
            {"rule", value}, {"title", mm_text(json_object_get(rule, "title"), cli->lang)}};
        (void)mm_fill(&b, MM_FILL_MAX, tpl, vars, 2, 0);
    } else if (json_object_get(reason, "items")) {
        size_t i, used = 0;
        json_t *x;
        json_array_foreach(json_object_get(reason, "items"), i, x) used +=
            (size_t)snprintf(value + used, used < sizeof value ? sizeof value - used : 0, "%s%lld",
                             i ? ", " : "", (long long)json_integer_value(x));
        replace_into(&b, tpl, "items", value);
    } else if (json_object_get(reason, "document")) {
        replace_into(&b, tpl, "file", json_string_value(json_object_get(reason, "document")));
    } else if (json_object_get(reason, "policy_organisation")) {
        replace_into(&b, tpl, "org",
                     json_string_value(json_object_get(reason, "policy_organisation")));
    } else {
        mm_buf_puts(&b, tpl);
    }
    return mm_buf_take(&b);
}

/* Adds "message" to every reason of list (for JSON) and prints them (text). */
static void explain_reasons(const struct mm_cli *cli, json_t *list, const json_t *rules, bool print)
{
    size_t i;
    json_t *reason;
    json_array_foreach(list, i, reason)
    {
        char *msg = reason_message(cli, reason, rules);
        if (!msg)
            continue;
        json_object_set_new(reason, "message", json_string(msg));
        if (print)
            printf("  - %s\n", msg);
        free(msg);
    }
}

static void print_record(const struct mm_cli *cli, const json_t *dec, const json_t *rules)
{
    char key[64];
    const char *level = json_string_value(json_object_get(dec, "level"));
    json_t *diag = json_object_get(dec, "diagnosis"), *pol = json_object_get(dec, "policy");
    printf("%s\n\n", TR("declare.record_heading"));
    printf("%s %s\n", TR("declare.field.organisation"),
           json_string_value(json_object_get(dec, "organisation")));
    snprintf(key, sizeof key, "declare.level.%s", level);
    printf("%s %s\n", TR("declare.field.level"), TR(key));
    printf("%s %s\n", TR("declare.field.date"), json_string_value(json_object_get(dec, "date")));
    if (json_is_object(diag)) {
        printf("%s %lld / %lld", TR("declare.field.score"),
               (long long)json_integer_value(json_object_get(diag, "score")),
               (long long)json_integer_value(json_object_get(diag, "max")));
        if (json_object_get(diag, "date"))
            printf(cli->lang == MM_LANG_JA ? "（%s）" : " (%s)",
                   json_string_value(json_object_get(diag, "date")));
        putchar('\n');
    } else {
        printf("%s %s\n", TR("declare.field.score"), TR("declare.none"));
    }
    printf("%s %s\n", TR("declare.field.policy"),
           json_is_object(pol) ? json_string_value(json_object_get(pol, "reference"))
                               : TR("declare.policy_none"));
    snprintf(key, sizeof key, "declare.next.%s", level);
    printf("\n%s\n", TR(key));
    printf("%s\n", TR("declare.where"));
    json_t *two = json_object_get(dec, "missing_for_two_star");
    if (json_array_size(two)) {
        printf("\n%s\n", TR("declare.two_star_missing"));
        explain_reasons(cli, two, rules, true);
    }
}

static void print_refusal(const struct mm_cli *cli, json_t *dec, const json_t *rules)
{
    const char *requested = json_string_value(json_object_get(dec, "requested"));
    printf("%s\n\n%s\n",
           TR(strcmp(requested, "two-star") == 0 ? "declare.refused_two" : "declare.refused"),
           TR("declare.reasons"));
    explain_reasons(cli, json_object_get(dec, "refusals"), rules, true);
    printf("\n%s\n", TR("declare.refused_next"));
}

/* Reads the policy manifest; exit code style result: 0, MM_EXIT_IO or
 * MM_EXIT_INPUT. A file that cannot be read says where the manifest is. */
static int read_policy(const struct mm_cli *cli, const char *path, json_t **out)
{
    const char *unreadable[2] = {TR("declare.error.policy_unreadable"),
                                 TR("declare.error.policy_unreadable_own_step")};
    return mm_cmd_read_json(cli, "declare", path, MM_DECLARE_FILE_MAX,
                            TR("declare.error.policy_not_json"), unreadable, out);
}

static int parse_options(const struct mm_cli *cli, int argc, char **argv, struct opts *o)
{
    static const struct option options[] = {
        {"rules", required_argument, NULL, 'r'},   {"diagnosis", required_argument, NULL, 'd'},
        {"policy", required_argument, NULL, 'p'},  {"org", required_argument, NULL, 'n'},
        {"profile", required_argument, NULL, 'P'}, {"level", required_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},  {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},          {0}};
    int c, fmt, rc;
    struct mm_cmd_given given = {0};
    mm_cmd_getopt_begin();
    while ((c = getopt_long(argc, argv, ":r:d:p:n:P:l:f:o:h", options, NULL)) != -1) {
        if ((rc = mm_cmd_once_opt(cli, "declare", &given, options, c)) != 0)
            return rc;
        switch (c) {
        case 'h':
            fputs(TR("declare.help"), stdout);
            return -1;
        case 'r':
            o->rules = optarg;
            continue;
        case 'd':
            o->diagnosis = optarg;
            continue;
        case 'p':
            o->policy = optarg;
            continue;
        case 'n':
            o->org = optarg;
            continue;
        case 'P':
            o->profile = optarg;
            continue;
        case 'o':
            if (mm_cmd_output_arg(cli, "declare", optarg) != 0)
                return MM_EXIT_USAGE;
            o->output = optarg;
            continue;
        case 'l':
            if (mm_declare_level_parse(optarg, &o->level) == 0)
                continue;
            break;
        case 'f':
            if ((fmt = mm_cmd_text_or_json(optarg)) >= 0) {
                o->json = fmt == 1;
                continue;
            }
            mm_cli_error(cli, "declare", "%s", TR("error.format"));
            return MM_EXIT_USAGE;
        }
        if (c == 'l')
            return mm_cmd_usage_error(cli, "declare", NULL, TR("declare.error.level"));
        return mm_cmd_refused(cli, "declare", c, argc, argv);
    }
    if (optind != argc)
        return mm_cmd_usage_error(cli, "declare", argv[optind], TR("error.usage"));
    return 0;
}

/* The name can be asked: standard input and standard error (where the
 * question goes) are a terminal, as `mamori rules` asks on one, and no
 * input file is read from standard input ("-"); a script is never kept
 * waiting for an answer. */
static bool can_ask(const struct opts *o)
{
    const char *files[] = {o->rules, o->diagnosis, o->policy, o->profile};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (files[i] && strcmp(files[i], "-") == 0)
            return false;
    return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

/* The organisation name: --org, else the profile's; none is an error here
 * only when neither --policy (organisation_from_policy) nor the terminal
 * (organisation_asked) can give one once the inputs are read, so a script
 * gets the error it always got. Exit code or 0. */
static int organisation_name(const struct mm_cli *cli, const struct opts *o, struct mm_profile *p,
                             const char **name)
{
    struct mm_profile_error e = {0};
    mm_profile_init(p);
    if (o->profile) {
        int r = mm_profile_load_ini(p, o->profile, &e);
        if (r != 0 && e.problem == MM_PROFILE_NOFILE) { /* missing, unreadable, a folder */
            if (!mm_cmd_no_input(cli, "declare", o->profile, r))
                mm_cli_error(cli, "declare", "%s: %s", o->profile, mm_cmd_strerror(cli, r));
            return MM_EXIT_IO;
        }
        if (r != 0) {
            char key[64], at[64];
            snprintf(key, sizeof key, "profile.problem.%d", (int)e.problem);
            if (e.field[0])
                mm_cli_error(cli, "declare", "%s: %s%s \"%s\": %s%s%s", o->profile,
                             mm_cmd_at_line(cli, e.line, at, sizeof at), TR("profile.error.field"),
                             e.field, TR(key), e.detail[0] ? " — " : "", e.detail);
            else /* a syntax error is the file's, no field's */
                mm_cli_error(cli, "declare", "%s: %s%s%s", o->profile, TR(key),
                             e.detail[0] ? " — " : "", e.detail);
            return MM_EXIT_INPUT;
        }
    }
    /* --org is cleaned as the profile's name is (spaces around it trimmed,
     * control characters refused), so it compares equal to the name the
     * policy was generated for; a name of spaces only is no name. */
    if (o->org && mm_profile_set(p, "name", o->org, &e) != 0) {
        char key[64];
        snprintf(key, sizeof key, "profile.problem.%d", (int)e.problem);
        mm_cli_error(cli, "declare", "--org: %s", TR(key));
        return MM_EXIT_USAGE;
    }
    *name = p->name[0] ? p->name : NULL;
    if (!*name && !o->policy && !can_ask(o)) {
        mm_cli_error(cli, "declare", "%s", TR("declare.error.no_org"));
        return MM_EXIT_USAGE;
    }
    return 0;
}

/* Neither --org nor the profile named the organisation: the name the policy
 * manifest was made for (cleaned as --org is), said on standard error;
 * *name stays NULL when the manifest gives none (organisation_asked). */
static void organisation_from_policy(const struct mm_cli *cli, const struct opts *o,
                                     const json_t *pol, struct mm_profile *p, const char **name)
{
    struct mm_profile_error e = {0};
    const char *porg = json_string_value(json_object_get(pol, "organisation"));
    if (!porg || mm_profile_set(p, "name", porg, &e) != 0 || !p->name[0])
        return;
    *name = p->name;
    const struct mm_fill_var vars[] = {{"org", p->name}, {"file", o->policy}};
    struct mm_buf msg = MM_BUF_INIT;
    if (mm_fill(&msg, MM_FILL_MAX, TR("declare.org_from_policy"), vars, 2, 0) == 0)
        mm_cli_error(cli, "declare", "%s", mm_buf_str(&msg));
    mm_buf_free(&msg);
}

/* Nothing named the organisation: its name asked on a terminal, else (or
 * when none is typed) the error asking for --org. Exit code or 0. */
static int organisation_asked(const struct mm_cli *cli, const struct opts *o, struct mm_profile *p,
                              const char **name)
{
    if (can_ask(o) && mm_cmd_ask_org_name(cli, "declare", "declare.ask_org", p) == 1) {
        *name = p->name;
        return 0;
    }
    mm_cli_error(cli, "declare", "%s", TR("declare.error.no_org"));
    return MM_EXIT_USAGE;
}

static int load_inputs(const struct mm_cli *cli, const struct opts *o,
                       struct mm_rules_answers *answers, bool *have_rules, json_t **diag,
                       json_t **pol)
{
    const char *problem;
    int r;
    /* --rules FILE, else the newest record an interactive `mamori rules` kept */
    if ((r = mm_cmd_rules_load(cli, "declare", o->rules, answers, have_rules)) != 0)
        return r;
    /* --diagnosis FILE or DIR, else the newest result an interactive
     * `mamori diagnose` kept: computed from the answers either way */
    if ((r = mm_cmd_diagnosis_load(cli, "declare", o->diagnosis, diag)) != 0)
        return r;
    if (o->policy && (r = read_policy(cli, o->policy, pol)) != 0)
        return r;
    if (*pol && mm_declare_check_policy(*pol, &problem) != 0) {
        char key[64];
        snprintf(key, sizeof key, "declare.error.policy.%s", problem);
        const struct mm_fill_var var = {"problem", TR(key)};
        struct mm_buf msg = MM_BUF_INIT;
        if (mm_fill(&msg, MM_FILL_MAX, TR("declare.error.policy"), &var, 1, 0) == 0)
            mm_cli_error(cli, "declare", "%s: %s", o->policy, mm_buf_str(&msg));
        mm_buf_free(&msg);
        return MM_EXIT_INPUT;
    }
    return 0;
}

/* Where the basic policy document a manifest lists should be: next to the
 * manifest (the current directory for standard input), as mamori policy
 * writes them. Sets *missing (malloc'd) when it is not a file there. */
static int policy_document(const char *manifest, const json_t *pol, char **missing)
{
    *missing = NULL;
    const char *doc = pol ? mm_declare_policy_document(pol) : NULL;
    if (!doc)
        return 0;
    const char *slash = strcmp(manifest, "-") == 0 ? NULL : strrchr(manifest, '/');
    struct mm_buf path = MM_BUF_INIT;
    int r = doc[0] == '/' || !slash
                ? mm_buf_puts(&path, doc)
                : mm_buf_printf(&path, "%.*s/%s", (int)(slash - manifest), manifest, doc);
    struct stat st;
    if (r == 0 && (stat(mm_buf_str(&path), &st) != 0 || !S_ISREG(st.st_mode)))
        *missing = mm_buf_take(&path);
    mm_buf_free(&path);
    return r;
}

int cmd_declare(const struct mm_cli *cli, int argc, char **argv)
{
    struct opts o = {0};
    struct mm_profile profile;
    struct mm_rules_answers answers;
    json_t *diag = NULL, *pol = NULL, *dec = NULL, *rules = NULL;
    const char *org = NULL;
    bool have_rules = false;
    char today[11], *json = NULL, *doc_missing = NULL;
    int rc = parse_options(cli, argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? MM_EXIT_OK : rc;
    if ((rc = organisation_name(cli, &o, &profile, &org)) != 0 ||
        (rc = load_inputs(cli, &o, &answers, &have_rules, &diag, &pol)) != 0)
        goto out;
    if (!org && pol)
        organisation_from_policy(cli, &o, pol, &profile, &org);
    if (!org && (rc = organisation_asked(cli, &o, &profile, &org)) != 0)
        goto out;
    mm_time_today(today);
    mm_rules_load(&rules);
    if (o.policy && policy_document(o.policy, pol, &doc_missing) != 0) {
        rc = MM_EXIT_IO;
        goto out;
    }
    struct mm_declare_input in = {org,     today,      have_rules ? &answers : NULL, diag, pol,
                                  o.level, doc_missing};
    if (mm_declare_decide(&in, &dec) != 0) {
        rc = MM_EXIT_IO;
        goto out;
    }
    bool ok = json_is_true(json_object_get(dec, "declarable"));
    explain_reasons(cli, json_object_get(dec, "refusals"), rules, false);
    explain_reasons(cli, json_object_get(dec, "missing_for_two_star"), rules, false);
    json = json_dumps(dec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!json) {
        rc = MM_EXIT_IO;
        goto out;
    }
    if (o.json)
        printf("%s\n", json);
    else if (ok)
        print_record(cli, dec, rules);
    else
        print_refusal(cli, dec, rules);
    if (ok && o.output && (rc = mm_cmd_save_line(cli, "declare", o.output, json)) != 0)
        goto out;
    rc = ok ? MM_EXIT_OK : MM_EXIT_NOTMET;
out:
    free(json);
    free(doc_missing);
    json_decref(diag);
    json_decref(pol);
    json_decref(dec);
    json_decref(rules);
    return rc;
}
