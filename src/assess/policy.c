/* SPDX-License-Identifier: Apache-2.0
 * Owns policy generation: which chapters and sections apply to a profile,
 * rendering the templates, turning unfinished diagnosis items into rules,
 * the manifest with its content-derived reference, and the all-or-nothing
 * write of the output directory (built as DIR.partial-XXXXXX, then renamed
 * or swapped into place) (see policy.h, docs/design/policy.md). */
#include "assess/policy.h"
#include "assess/policy-items.h"
#include "assess/policy-template.h"
#include "core/data.h"
#include "core/error.h"
#include "core/fnv.h"
#include "core/fs.h"
#include "core/fs-read.h"
#include "core/hash.h"
#include "core/html.h"
#include "core/str.h"
#include "core/timefmt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TR(key, lang) mm_tr("assess-docs", key, lang)
#define PATH_MAX_LEN  4096

/* The rule set's chapters in order; a chapter with a condition is left out
 * (with a note saying why) when that template variable is false. */
static const struct chapter {
    int number;
    const char *id;
    const char *tpl;
    const char *condition;
    const char *omit_key; /* i18n key of the note when omitted */
} chapters[] = {
    {1, "organisation", "rules-01-organisation", NULL, NULL},
    {2, "human", "rules-02-human", NULL, NULL},
    {3, "assets", "rules-03-assets", NULL, NULL},
    {4, "access", "rules-04-access", NULL, NULL},
    {5, "physical", "rules-05-physical", NULL, NULL},
    {6, "it-use", "rules-06-it-use", NULL, NULL},
    {7, "it-operation", "rules-07-it-operation", NULL, NULL},
    {8, "development", "rules-08-development", NULL, NULL},
    {9, "outsourcing", "rules-09-outsourcing", NULL, NULL},
    {10, "incident", "rules-10-incident", NULL, NULL},
    {11, "my-number", "rules-11-my-number", "handles_my_number", "policy.omitted.my-number"},
};

/* Sections inside chapters that a "no" leaves out (listed in the manifest). */
static const struct {
    const char *section;
    const char *condition;
} optional_sections[] = {
    {"website", "has_website"}, {"wifi", "has_wifi"},
    {"telework", "teleworks"},  {"byod", "allows_personal_devices"},
    {"cloud", "uses_cloud"},    {"outsourcing-details", "outsources"},
};

static const char *const doc_names[MM_POLICY_DOCS] = {"basic-policy", "handbook", "rules"};

int mm_policy_render_template(const char *name, enum mm_lang lang, const json_t *vars,
                              struct mm_buf *out, char *err, size_t errlen)
{
    char path[128], why[256];
    const unsigned char *bytes;
    size_t len;
    snprintf(path, sizeof path, "policy/%s.%s.md", name, mm_lang_code(lang));
    int r = mm_data_find(path, &bytes, &len);
    if (r != 0) {
        snprintf(err, errlen, "%s: no such template", path);
        return r;
    }
    r = mm_tpl_render((const char *)bytes, len, vars, out, why, sizeof why);
    if (r != 0)
        snprintf(err, errlen, "%s: %s", path, why);
    return r;
}

/* The documents' date as people write it: "2026年11月29日" in Japanese,
 * "29 November 2026" in English (the manifest keeps YYYY-MM-DD). A date
 * not of that form is kept as given. */
static void date_text(const char *iso, enum mm_lang lang, char *out, size_t outlen)
{
    int y, m, d, n = 0;
    snprintf(out, outlen, "%s", iso);
    if (sscanf(iso, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && !iso[n] && d >= 1 && d <= 31)
        mm_date_text(y, m, d, lang, out, outlen); /* else (no month 1-12) kept as given */
}

json_t *mm_policy_vars(const struct mm_policy_request *req)
{
    json_t *vars = json_object();
    char date[64];
    date_text(req->date, req->lang, date, sizeof date);
    if (!vars || mm_profile_vars(req->profile, vars) != 0 ||
        json_object_set_new(vars, "date", json_string(date)) != 0 ||
        json_object_set_new(vars, "lang", json_string(mm_lang_code(req->lang))) != 0 ||
        json_object_set_new(vars, "has_diagnosis", json_boolean(req->diagnosis != NULL)) != 0) {
        json_decref(vars);
        return NULL;
    }
    return vars;
}

static bool var_true(const json_t *vars, const char *name)
{
    return json_is_true(json_object_get(vars, name));
}

/* An answer that leaves work to do; "done" and "na" do not. */
static bool needs_rule(const char *answer)
{
    return !answer || (strcmp(answer, "done") != 0 && strcmp(answer, "na") != 0);
}

static const char *answer_label(const char *answer, enum mm_lang lang)
{
    char key[64];
    snprintf(key, sizeof key, "policy.answer.%s", answer ? answer : "none");
    const char *s = TR(key, lang);
    return s == key ? TR("policy.answer.none", lang) : s;
}

/* Looks the answer of item id up in the diagnosis (NULL when unanswered). */
static const char *diagnosis_answer(const json_t *diagnosis, long id)
{
    const json_t *item = mm__assess_item_find(json_object_get(diagnosis, "items"), id);
    return json_string_value(json_object_get(item, "answer"));
}

/* The diagnosis item that shows whether the office has the practice: 9
 * (Wi-Fi encryption) for wifi, 23 (choosing cloud and other external
 * services) for cloud; 0 for the others. */
static long practice_item(const char *field)
{
    return strcmp(field, "wifi") == 0 ? 9 : strcmp(field, "cloud") == 0 ? 23 : 0;
}

/* What the diagnosis says of the practice of field. */
enum practice_shown {
    PRACTICE_UNSAID, /* no item for it, unanswered or "unknown", no diagnosis */
    PRACTICE_THERE,  /* done, partly or not */
    PRACTICE_NONE,   /* na: the office does not have it */
};

/* What the diagnosis says of field's practice; *answer is the item's
 * answer (NULL when unanswered or there is none). */
static enum practice_shown practice_shown(const json_t *diagnosis, const char *field,
                                          const char **answer)
{
    long item = practice_item(field);
    const char *a = item && diagnosis ? diagnosis_answer(diagnosis, item) : NULL;
    *answer = a;
    if (a && (strcmp(a, "done") == 0 || strcmp(a, "partly") == 0 || strcmp(a, "not") == 0))
        return PRACTICE_THERE;
    return a && strcmp(a, "na") == 0 ? PRACTICE_NONE : PRACTICE_UNSAID;
}

bool mm_policy_diagnosis_settles(const json_t *diagnosis, const char *field)
{
    const char *answer;
    return practice_shown(diagnosis, field, &answer) != PRACTICE_UNSAID;
}

size_t mm_policy_reconcile(struct mm_profile *p, const json_t *diagnosis,
                           struct mm_policy_adjustment *adj, size_t max)
{
    const struct {
        const char *field;
        bool *practice;
    } shown[] = {{"wifi", &p->wifi}, {"cloud", &p->cloud}};
    size_t n = 0;
    for (size_t i = 0; diagnosis && i < sizeof shown / sizeof shown[0] && n < max; i++) {
        const char *answer;
        enum practice_shown said = practice_shown(diagnosis, shown[i].field, &answer);
        if (said != (*shown[i].practice ? PRACTICE_NONE : PRACTICE_THERE))
            continue;
        adj[n++] = (struct mm_policy_adjustment){shown[i].field, practice_item(shown[i].field),
                                                 answer, said == PRACTICE_THERE};
        *shown[i].practice = true;
    }
    return n;
}

/* Appends the appendix turning every unfinished diagnosis item into a rule:
 * the item's advice (what to do) is the rule and its first step follows;
 * an item without advice (items not loaded) gets the general sentence. */
static int append_diagnosis_rules(const struct mm_policy_request *req, struct mm_buf *md,
                                  json_t *ids)
{
    enum mm_lang lang = req->lang;
    int r = mm_buf_printf(md, "\n## %s\n\n%s\n\n", TR("policy.diag.heading", lang),
                          TR("policy.diag.intro", lang));
    for (long id = 1; id <= 25 && r == 0; id++) {
        const char *answer = diagnosis_answer(req->diagnosis, id);
        if (!needs_rule(answer))
            continue;
        const json_t *item = mm__assess_item_find(req->items, id);
        const json_t *title = mm__assess_item_title(item);
        const json_t *advice = json_object_get(item, "advice");
        const json_t *what = json_object_get(advice, "what");
        const json_t *first = json_object_get(advice, "first_step");
        char fallback[128];
        snprintf(fallback, sizeof fallback, "%s %ld", TR("policy.diag.item_fallback", lang), id);
        r = mm_buf_printf(md, "### D-%02ld %s\n\n- %s%s\n- %s%s\n", id,
                          title ? mm_text(title, lang) : fallback, TR("policy.diag.current", lang),
                          answer_label(answer, lang), TR("policy.diag.rule_label", lang),
                          what ? mm_text(what, lang) : TR("policy.diag.rule", lang));
        if (r == 0 && first)
            r = mm_buf_printf(md, "- %s%s\n", TR("policy.diag.first_step", lang),
                              mm_text(first, lang));
        if (r == 0)
            r = mm_buf_printf(md, "- %s\n- %s\n- %s\n\n", TR("policy.diag.owner", lang),
                              TR("policy.diag.deadline", lang), TR("policy.diag.done_on", lang));
        if (r == 0)
            r = json_array_append_new(ids, json_integer(id)) ? MM_ENOMEM : 0;
    }
    if (r == 0 && json_array_size(ids) == 0)
        r = mm_buf_printf(md, "%s\n", TR("policy.diag.none", lang));
    return r;
}

static int append_omitted_chapter(const struct chapter *c, enum mm_lang lang, struct mm_buf *md,
                                  json_t *omitted)
{
    char title_key[64];
    snprintf(title_key, sizeof title_key, "policy.chapter.%s", c->id);
    const char *reason = TR(c->omit_key, lang);
    int r = mm_buf_printf(md, "\n## %s%s\n\n> %s\n", TR(title_key, lang),
                          TR("policy.omitted_mark", lang), reason);
    if (r == 0 && json_array_append_new(omitted, json_pack("{s:i, s:s, s:s}", "number", c->number,
                                                           "id", c->id, "reason", reason)) != 0)
        r = MM_ENOMEM;
    return r;
}

const char *mm_policy_omitted_field(const char *id)
{
    for (size_t i = 0; id && i < sizeof chapters / sizeof chapters[0]; i++)
        if (strcmp(chapters[i].id, id) == 0)
            return mm_profile_practice_of_var(chapters[i].condition);
    for (size_t i = 0; id && i < sizeof optional_sections / sizeof optional_sections[0]; i++)
        if (strcmp(optional_sections[i].section, id) == 0)
            return mm_profile_practice_of_var(optional_sections[i].condition);
    return NULL;
}

/* Appends a contents list: every "## " heading of body (chapters, omission
 * notes, the diagnosis appendix), in order. cmark gives headings no anchors,
 * so it is a plain list, which is also what reads well on paper. */
static int append_contents(const char *body, enum mm_lang lang, struct mm_buf *md)
{
    int r = mm_buf_printf(md, "\n## %s\n\n", TR("policy.contents", lang));
    for (const char *line = body; r == 0 && *line;) {
        size_t n = strcspn(line, "\n");
        if (n > 3 && strncmp(line, "## ", 3) == 0)
            r = mm_buf_printf(md, "- %.*s\n", (int)(n - 3), line + 3);
        line += n + (line[n] == '\n');
    }
    return r;
}

/* The rule set: introduction, contents, the applicable chapters, omission
 * notes and the diagnosis appendix. Fills the manifest's chapter lists. */
static int render_rules(const struct mm_policy_request *req, const json_t *vars, struct mm_buf *md,
                        json_t *manifest, char *err, size_t errlen)
{
    json_t *included = json_array(), *omitted = json_array(), *diag = json_array();
    struct mm_buf body = MM_BUF_INIT;
    int r = included && omitted && diag ? 0 : MM_ENOMEM;
    if (r == 0)
        r = mm_policy_render_template("rules-00-intro", req->lang, vars, md, err, errlen);
    for (size_t i = 0; r == 0 && i < sizeof chapters / sizeof chapters[0]; i++) {
        const struct chapter *c = &chapters[i];
        if (c->condition && !var_true(vars, c->condition)) {
            r = append_omitted_chapter(c, req->lang, &body, omitted);
            continue;
        }
        r = mm_buf_putc(&body, '\n');
        if (r == 0)
            r = mm_policy_render_template(c->tpl, req->lang, vars, &body, err, errlen);
        if (r == 0 && json_array_append_new(
                          included, json_pack("{s:i, s:s}", "number", c->number, "id", c->id)) != 0)
            r = MM_ENOMEM;
    }
    if (r == 0 && req->diagnosis)
        r = append_diagnosis_rules(req, &body, diag);
    if (r == 0)
        r = append_contents(mm_buf_str(&body), req->lang, md);
    if (r == 0)
        r = mm_buf_append(md, mm_buf_str(&body), body.len);
    if (r == 0 && (json_object_set_new(
                       manifest, "chapters",
                       json_pack("{s:O, s:O}", "included", included, "omitted", omitted)) != 0 ||
                   json_object_set(manifest, "diagnosis_rules", diag) != 0))
        r = MM_ENOMEM;
    mm_buf_free(&body);
    json_decref(included);
    json_decref(omitted);
    json_decref(diag);
    return r;
}

/* The first "# " heading of a Markdown document, for the HTML title. */
static void first_heading(const char *md, char *out, size_t outlen)
{
    const char *h = mm_str_prefix(md, "# ") ? md : strstr(md, "\n# ");
    out[0] = '\0';
    if (!h)
        return;
    h += h == md ? 2 : 3;
    size_t n = strcspn(h, "\n");
    snprintf(out, outlen, "%.*s", (int)(n < outlen ? n : outlen - 1), h);
}

static int to_html(struct mm_policy_doc *doc, enum mm_lang lang)
{
    char *body = NULL, title[256];
    struct mm_buf page = MM_BUF_INIT;
    int r = mm_markdown_to_html(doc->markdown, strlen(doc->markdown), &body);
    first_heading(doc->markdown, title, sizeof title);
    if (r == 0)
        r = mm_html_document(&page, lang, title, body, NULL);
    if (r == 0 && !(doc->html = mm_buf_take(&page)))
        r = MM_ENOMEM;
    free(body);
    mm_buf_free(&page);
    return r;
}

/* FNV-1a over all Markdown: the reference changes whenever the content
 * does. Printed in documents: its start and steps must never change. */
static unsigned long long content_hash(const struct mm_policy_output *out)
{
    uint64_t h = MM_FNV64_MAMORI_BASIS;
    for (int i = 0; i < MM_POLICY_DOCS; i++)
        h = mm_fnv1a64_str(h, out->docs[i].markdown);
    return h;
}

static int fill_manifest(const struct mm_policy_request *req, struct mm_policy_output *out,
                         const json_t *vars)
{
    char ref[64], day[9] = {0};
    for (size_t i = 0, j = 0; req->date[i] && j < 8; i++)
        if (req->date[i] != '-')
            day[j++] = req->date[i];
    snprintf(ref, sizeof ref, "POL-%s-%08llx", day, content_hash(out) & 0xffffffffULL);
    json_t *m = json_object(), *docs = json_array(), *sections = json_array(),
           *sums = json_object();
    int r = m && docs && sections && sums ? 0 : MM_ENOMEM;
    for (int i = 0; r == 0 && i < MM_POLICY_DOCS * 2; i++) {
        const struct mm_policy_doc *d = &out->docs[i / 2];
        const char *text = i % 2 ? d->html : d->markdown;
        char name[64], hex[MM_SHA256_LEN * 2 + 1];
        uint8_t sum[MM_SHA256_LEN];
        snprintf(name, sizeof name, "%s.%s", d->name, i % 2 ? "html" : "md");
        mm_sha256(text, strlen(text), sum);
        mm_hex(sum, sizeof sum, hex);
        r |= json_array_append_new(docs, json_string(name));
        r |= json_object_set_new(sums, name, json_string(hex));
    }
    for (size_t i = 0; r == 0 && i < sizeof optional_sections / sizeof optional_sections[0]; i++)
        if (!var_true(vars, optional_sections[i].condition))
            r |= json_array_append_new(sections, json_string(optional_sections[i].section));
    r |= json_object_set_new(m, "format", json_string("mamori-policy/1"));
    r |= json_object_set_new(m, "reference", json_string(ref));
    r |= json_object_set_new(m, "organisation", json_string(req->profile->name));
    r |= json_object_set_new(m, "date", json_string(req->date));
    r |= json_object_set_new(m, "lang", json_string(mm_lang_code(req->lang)));
    r |= json_object_set(m, "documents", docs);
    r |= json_object_set(m, "sha256", sums); /* to see hand edits before replacing */
    r |= json_object_set(m, "sections_omitted", sections);
    r |= json_object_set_new(m, "profile", mm_profile_to_json(req->profile));
    /* The chapter lists render_rules collected go after the fixed keys. */
    r |= json_object_update(m, out->manifest);
    json_decref(docs);
    json_decref(sections);
    json_decref(sums);
    if (r) {
        json_decref(m);
        return MM_ENOMEM;
    }
    json_decref(out->manifest);
    out->manifest = m;
    return 0;
}

int mm_policy_generate(const struct mm_policy_request *req, struct mm_policy_output *out, char *err,
                       size_t errlen)
{
    struct mm_buf md = MM_BUF_INIT;
    json_t *vars = mm_policy_vars(req);
    int r = vars ? 0 : MM_ENOMEM;
    memset(out, 0, sizeof *out);
    if (errlen)
        err[0] = '\0';
    if (r == 0 && !(out->manifest = json_object()))
        r = MM_ENOMEM;
    for (int i = 0; r == 0 && i < MM_POLICY_DOCS; i++) {
        out->docs[i].name = doc_names[i];
        mm_buf_reset(&md);
        if (strcmp(doc_names[i], "rules") == 0)
            r = render_rules(req, vars, &md, out->manifest, err, errlen);
        else
            r = mm_policy_render_template(doc_names[i], req->lang, vars, &md, err, errlen);
        if (r == 0 && !(out->docs[i].markdown = mm_buf_take(&md)))
            r = MM_ENOMEM;
        if (r == 0)
            r = to_html(&out->docs[i], req->lang);
    }
    if (r == 0)
        r = fill_manifest(req, out, vars);
    mm_buf_free(&md);
    json_decref(vars);
    if (r != 0)
        mm_policy_output_free(out);
    return r;
}

void mm_policy_output_free(struct mm_policy_output *out)
{
    if (!out)
        return;
    for (int i = 0; i < MM_POLICY_DOCS; i++) {
        free(out->docs[i].markdown);
        free(out->docs[i].html);
    }
    json_decref(out->manifest);
    memset(out, 0, sizeof *out);
}

/* Writes the documents and the manifest into tmp; on failure err names the
 * file as it would be in dir (the partial directory is no concern of the
 * reader). */
static int write_files(const struct mm_policy_output *out, const char *tmp, const char *dir,
                       char *err, size_t errlen)
{
    char path[PATH_MAX_LEN + 128];
    char *manifest = json_dumps(out->manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    int r = manifest ? 0 : MM_ENOMEM;
    for (int i = 0; r == 0 && i < MM_POLICY_DOCS * 2 + 1; i++) {
        const struct mm_policy_doc *d = &out->docs[i / 2];
        const char *data = i == MM_POLICY_DOCS * 2 ? manifest : i % 2 ? d->html : d->markdown;
        char name[64];
        if (i == MM_POLICY_DOCS * 2)
            snprintf(name, sizeof name, "policy.json");
        else
            snprintf(name, sizeof name, "%s.%s", d->name, i % 2 ? "html" : "md");
        snprintf(path, sizeof path, "%s/%s", tmp, name);
        struct mm_buf text = MM_BUF_INIT;
        r = mm_buf_printf(&text, "%s%s", data, i == MM_POLICY_DOCS * 2 ? "\n" : "");
        if (r == 0)
            r = mm_file_write_atomic(path, text.data, text.len);
        mm_buf_free(&text);
        if (r != 0)
            snprintf(err, errlen, "%s/%s", dir, name);
    }
    free(manifest);
    return r;
}

/* Whether name is one of the documents a generation writes (not policy.json). */
static bool is_document(const char *name)
{
    char want[64];
    for (int i = 0; i < MM_POLICY_DOCS; i++)
        for (int html = 0; html < 2; html++) {
            snprintf(want, sizeof want, "%s.%s", doc_names[i], html ? "html" : "md");
            if (strcmp(name, want) == 0)
                return true;
        }
    return false;
}

/* Whether name is a copy of an edited document kept by a forced run:
 * DOC.edited-YYYYMMDD.EXT or DOC.edited-YYYYMMDD-N.EXT. */
static bool is_kept_copy(const char *name)
{
    const char *e = strstr(name, ".edited-");
    char doc[64];
    size_t i = 0;
    if (!e || (size_t)(e - name) >= sizeof doc - 8)
        return false;
    for (e += 8; i < 8; i++)
        if (e[i] < '0' || e[i] > '9')
            return false;
    e += 8;
    if (*e == '-')
        for (e++; *e >= '0' && *e <= '9'; e++)
            ;
    snprintf(doc, sizeof doc, "%.*s%s", (int)(strstr(name, ".edited-") - name), name, e);
    return is_document(doc);
}

static bool is_policy_file(const char *name)
{
    return strcmp(name, "policy.json") == 0 || is_document(name) || is_kept_copy(name);
}

/* Removes the files a generation holds (old or half-built: documents,
 * manifest, kept copies) and dir itself. */
static void remove_tree_files(const char *dir)
{
    char path[PATH_MAX_LEN + 300];
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (is_policy_file(e->d_name)) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* The MM_E* code for a failed system call (mm_error_from_errno), except a
 * path through a file, which is a missing directory here: the folder that
 * should hold --out has to be made first (policy.error.out.ENOENT). */
static int errno_code(int e)
{
    return e == ENOTDIR ? MM_ENOENT : mm_error_from_errno(e);
}

/* An existing output directory may hold only documents mamori wrote, each
 * a regular file: it is replaced whole, and other files must not vanish
 * with it. A symbolic link or FIFO under a document's name is refused too:
 * the kept copies are read and copied, and must never be another file
 * (one only root may read) or a reader that waits forever. */
static int check_only_policy_files(const char *dir, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct stat st;
    int r = 0;
    if (!d)
        return errno_code(errno);
    while (r == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (is_policy_file(e->d_name) &&
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            continue;
        snprintf(err, errlen, "%s%s%s", dir, mm_str_suffix(dir, "/") ? "" : "/", e->d_name);
        r = MM_ECONFLICT;
    }
    closedir(d);
    return r;
}

/* Makes DIR.partial-XXXXXX beside dir with the mode dir has (or would
 * get) and, best effort, its group (a shared folder's setgid group). */
static int make_partial_dir(const char *dir, const struct stat *existing, char *tmp, size_t tmplen)
{
    mode_t mask = umask(0);
    umask(mask);
    snprintf(tmp, tmplen, "%s.partial-XXXXXX", dir);
    if (!mkdtemp(tmp))
        return errno_code(errno);
    if (existing && chown(tmp, (uid_t)-1, existing->st_gid) != 0) {
        /* not a member of that group: the new folder keeps ours */
    }
    if (chmod(tmp, existing ? existing->st_mode & 07777 : 0755 & ~mask) != 0) {
        int e = errno;
        rmdir(tmp);
        return errno_code(e);
    }
    return 0;
}

/* Fills info with the documents in dir that differ from the SHA-256 its
 * policy.json recorded (a missing document is not an edit). A manifest
 * without "sha256" (an earlier mamori) sets info->unchecked; no manifest
 * at all (an empty folder) says nothing. */
static void find_edited(const char *dir, struct mm_policy_write_info *info)
{
    char path[PATH_MAX_LEN + 64], *text = NULL;
    size_t text_len;
    snprintf(path, sizeof path, "%s/policy.json", dir);
    json_t *m = mm_file_read_regular_nofollow(path, 16u << 20, &text, &text_len) == 0
                    ? json_loadb(text, text_len, 0, NULL)
                    : NULL;
    free(text);
    const json_t *sums = json_object_get(m, "sha256");
    const char *name;
    json_t *want;
    if (m && !json_is_object(sums))
        info->unchecked = true;
    json_object_foreach((json_t *)sums, name, want)
    {
        char *data = NULL, hex[MM_SHA256_LEN * 2 + 1];
        uint8_t sum[MM_SHA256_LEN];
        size_t len;
        if (!is_document(name) || info->n_edited >= sizeof info->edited / sizeof info->edited[0])
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (mm_file_read_regular_nofollow(path, 64u << 20, &data, &len) != 0)
            continue;
        mm_sha256(data, len, sum);
        mm_hex(sum, sizeof sum, hex);
        free(data);
        if (!json_is_string(want) || strcmp(hex, json_string_value(want)) != 0)
            mm_strlcpy(info->edited[info->n_edited++], name, sizeof info->edited[0]);
    }
    json_decref(m);
}

/* Copies dir/name, a regular file and never through a link, to tmp/to (a
 * new file; MM_EEXIST when taken). */
static int copy_into(const char *dir, const char *name, const char *tmp, const char *to)
{
    char path[PATH_MAX_LEN + 300];
    char *data = NULL;
    size_t len;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int r = mm_file_read_regular_nofollow(path, 64u << 20, &data, &len);
    snprintf(path, sizeof path, "%s/%s", tmp, to);
    if (r == 0)
        r = mm_file_write_new(path, data, len, 0644);
    free(data);
    return r;
}

/* Puts into tmp the copies kept by earlier forced runs and a copy of each
 * edited document, DOC.edited-STAMP[-N].EXT, named in info->kept. */
static int keep_edited(const char *dir, const char *tmp, const char *stamp,
                       struct mm_policy_write_info *info, char *err, size_t errlen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int r = d ? 0 : errno_code(errno);
    while (r == 0 && (e = readdir(d)) != NULL)
        if (is_kept_copy(e->d_name) && (r = copy_into(dir, e->d_name, tmp, e->d_name)) != 0)
            snprintf(err, errlen, "%s/%s", dir, e->d_name);
    if (d)
        closedir(d);
    for (size_t i = 0; r == 0 && i < info->n_edited; i++) {
        const char *name = info->edited[i], *ext = strrchr(name, '.');
        char *to = info->kept[i];
        size_t size = sizeof info->kept[0];
        r = MM_EEXIST;
        for (int n = 1; r == MM_EEXIST && n < 100; n++) {
            if (n == 1)
                snprintf(to, size, "%.*s.edited-%s%s", (int)(ext - name), name, stamp, ext);
            else
                snprintf(to, size, "%.*s.edited-%s-%d%s", (int)(ext - name), name, stamp, n, ext);
            r = copy_into(dir, name, tmp, to);
        }
        if (r != 0)
            snprintf(err, errlen, "%s/%s", dir, name);
    }
    return r;
}

/* Puts the complete new directory tmp in place of the existing dir: one
 * renameat2(RENAME_EXCHANGE) where the file system has it, else
 * dir -> DIR.old-XXXXXX, tmp -> dir (moved back if that fails). The old
 * documents are removed afterwards; on error tmp is still the new one. */
static int swap_in(const char *tmp, const char *dir)
{
    char old[PATH_MAX_LEN + 32];
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
        remove_tree_files(tmp); /* tmp now names the old documents */
        return mm_fsync_parent(dir);
    }
    if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        return errno_code(errno);
    snprintf(old, sizeof old, "%s.old-XXXXXX", dir);
    if (!mkdtemp(old) || rename(dir, old) != 0) {
        int e = errno;
        rmdir(old);
        return errno_code(e);
    }
    if (rename(tmp, dir) != 0) {
        int e = errno;
        rename(old, dir);
        return errno_code(e);
    }
    remove_tree_files(old);
    return mm_fsync_parent(dir);
}

/* Checks an existing dir before anything is written: only mamori's files,
 * no document edited by hand unless forced (MM_ESTATE). */
static int check_existing(const char *dir, unsigned flags, struct mm_policy_write_info *info,
                          char *err, size_t errlen)
{
    int r = check_only_policy_files(dir, err, errlen);
    if (r != 0)
        return r;
    find_edited(dir, info);
    return info->n_edited && !(flags & MM_POLICY_FORCE) ? MM_ESTATE : 0;
}

int mm_policy_write(const struct mm_policy_output *out, const char *dir_arg, unsigned flags,
                    const char *stamp, struct mm_policy_write_info *info_arg, char *err,
                    size_t errlen)
{
    struct stat st;
    struct mm_policy_write_info scratch, *info = info_arg ? info_arg : &scratch;
    char tmp[PATH_MAX_LEN + 32], dir[PATH_MAX_LEN];
    bool existing;
    int r;
    memset(info, 0, sizeof *info);
    snprintf(err, errlen, "%s", dir_arg);
    if (strlen(dir_arg) + 64 > PATH_MAX_LEN)
        return MM_ETOOBIG;
    /* "out/" names the directory "out": the temporary one goes beside it. */
    mm_strlcpy(dir, dir_arg, sizeof dir);
    for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--)
        dir[n - 1] = '\0';
    existing = lstat(dir, &st) == 0;
    snprintf(err, errlen, "%s", dir);
    /* ".", ".." and "/" cannot be swapped out whole (and the shell's own
     * current directory must not vanish): a new directory is needed. */
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || strcmp(dir, "/") == 0)
        return MM_EINVAL;
    /* A link would be replaced by a folder, its target's documents removed
     * through it: the caller names the folder itself. */
    if (existing && S_ISLNK(st.st_mode))
        return MM_ESYMLINK;
    if (existing && !S_ISDIR(st.st_mode))
        return MM_EEXIST;
    if (existing && (r = check_existing(dir, flags, info, err, errlen)) != 0)
        return r;
    if ((r = make_partial_dir(dir, existing ? &st : NULL, tmp, sizeof tmp)) != 0)
        return r;
    r = write_files(out, tmp, dir, err, errlen);
    if (r == 0 && existing)
        r = keep_edited(dir, tmp, stamp ? stamp : "00000000", info, err, errlen);
    if (r == 0 && !existing && rename(tmp, dir) != 0)
        r = errno_code(errno);
    else if (r == 0 && !existing)
        r = mm_fsync_parent(dir);
    else if (r == 0)
        r = swap_in(tmp, dir);
    if (r != 0)
        remove_tree_files(tmp); /* a no-op once renamed into place */
    return r;
}
