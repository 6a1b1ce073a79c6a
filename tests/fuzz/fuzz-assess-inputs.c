/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the files an organisation hands to `mamori rules`,
 * `declare` and `policy`. The first byte picks the surface, the rest is the
 * file:
 *   0  an organisation profile (INI), then the whole policy generation in
 *      memory with its values (Markdown escaping, template rendering, HTML);
 *   1  a five-rules answers file (JSON) and its error description;
 *   2  a diagnosis (an answers file or a diagnosis report, JSON) read as
 *      declare and policy read it, the declaration decision, and the
 *      policy appendix built from it;
 *   3  a policy manifest (JSON): shape check and declaration decision.
 * Nothing may crash, leak or read out of bounds, whatever the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assess/answers.h"
#include "assess/declare.h"
#include "assess/diagnose.h"
#include "assess/policy.h"
#include "assess/profile.h"
#include "assess/rules.h"
#include "core/buf.h"

/* Largest input looked at: far above any real profile or result. */
#define FUZZ_INPUT_MAX (256 * 1024)

static void generate(const struct mm_profile *p, const json_t *diagnosis)
{
    struct mm_policy_output out;
    char err[256];
    for (int lang = 0; lang < 2; lang++) {
        struct mm_policy_request req = {p, (enum mm_lang)lang, "2026-04-01", diagnosis, NULL};
        if (mm_policy_generate(&req, &out, err, sizeof err) == 0)
            mm_policy_output_free(&out);
    }
}

static void fuzz_profile(const char *text)
{
    struct mm_profile p;
    struct mm_profile_error e;
    mm_profile_init(&p);
    if (mm_profile_load_ini_string(&p, text, &e) == 0 && mm_profile_validate(&p, &e) == 0)
        generate(&p, NULL);
}

static void fuzz_rules(const char *text, size_t len)
{
    struct mm_rules_answers a;
    struct mm_rules_error e = {0};
    struct mm_buf msg = MM_BUF_INIT;
    json_t *root = json_loadb(text, len, 0, NULL);
    if (root && mm_rules_parse_answers(root, &a, &e) != 0)
        mm_rules_error_describe(&e, MM_LANG_JA, &msg);
    mm_buf_free(&msg);
    json_decref(root);
}

static void decide(const json_t *diagnosis, const json_t *policy)
{
    static const struct mm_rules_answers all = {{true, true, true, true, true}};
    json_t *dec = NULL;
    for (int level = MM_DECLARE_NONE; level <= MM_DECLARE_TWO_STAR; level++) {
        struct mm_declare_input in = {"守り商店",
                                      "2026-04-01",
                                      &all,
                                      diagnosis,
                                      policy,
                                      (enum mm_declare_level)level,
                                      level == MM_DECLARE_TWO_STAR ? "basic-policy.md" : NULL};
        if (mm_declare_decide(&in, &dec) == 0)
            json_decref(dec);
    }
}

/* A diagnosis as `mamori declare --diagnosis` and `mamori policy
 * --diagnosis` read it (src/assess/diagnose-read.c, mm_diag_read): the one
 * answers reader (an answers file or the JSON report of `mamori diagnose`;
 * partial too, as a progress file), its messages in both languages, then
 * the result computed from the answers, as JSON, into the declaration
 * decision and the policy appendix. */
static void fuzz_diagnosis(const char *text, size_t len)
{
    static struct mm_diag_catalogue *cat;
    struct mm_answers_spec spec;
    struct mm_answers_issues issues;
    enum mm_answer answers[MM_DIAG_ITEMS];
    if (!cat && mm_diag_catalogue_load(&cat) != 0)
        return;
    mm_diag_answers_spec(cat, &spec);
    (void)mm_answers_parse(&spec, text, len, MM_ANSWERS_PARTIAL, answers, &issues);
    if (mm_answers_parse(&spec, text, len, 0, answers, &issues) != 0) {
        for (int lang = 0; lang < 2; lang++) {
            struct mm_buf msg = MM_BUF_INIT;
            (void)mm_answers_issues_format(&issues, "f: ", (enum mm_lang)lang, &msg);
            mm_buf_free(&msg);
        }
        return;
    }
    struct mm_diag_result res;
    json_t *d = NULL;
    if (mm_diag_evaluate(cat, answers, &res) != 0 ||
        mm_diag_result_json(cat, &res, NULL, MM_LANG_JA, &d) != 0)
        return;
    struct mm_profile p;
    mm_profile_init(&p);
    strcpy(p.name, "守り商店");
    decide(d, NULL);
    generate(&p, d);
    json_decref(d);
}

static void fuzz_manifest(const char *text, size_t len)
{
    const char *problem;
    json_t *m = json_loadb(text, len, 0, NULL);
    if (m && mm_declare_check_policy(m, &problem) == 0)
        decide(NULL, m);
    json_decref(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_INPUT_MAX)
        return 0;
    char *text = malloc(size); /* NUL-terminated copy of the payload */
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    switch (data[0] % 4) {
    case 0:
        fuzz_profile(text);
        break;
    case 1:
        fuzz_rules(text, size - 1);
        break;
    case 2:
        fuzz_diagnosis(text, size - 1);
        break;
    default:
        fuzz_manifest(text, size - 1);
        break;
    }
    free(text);
    return 0;
}
