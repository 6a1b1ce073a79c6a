/* SPDX-License-Identifier: Apache-2.0
 * Owns running a set of checks into a report, comparing the report with a
 * self-diagnosis (answers claimed "done" but contradicted by a failed
 * check), and writing the report as text or JSON in ja or en. Check texts
 * come from data/audit/checks.json, labels from data/i18n/audit.json, item
 * titles from data/diagnose/items.json. */
#include "audit/audit.h"
#include "core/data.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/timefmt.h"
#include "core/str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mm_audit_report_run(const struct mm_audit_ctx *ctx, const char *const *ids, size_t nids,
                        struct mm_audit_report *out)
{
    size_t nall;
    const struct mm_check *const *all = mm_audit_checks(&nall);
    size_t n = ids ? nids : nall;
    *out = (struct mm_audit_report){.root = ctx->root};
    mm_time_today(out->date);
    out->runs = calloc(n ? n : 1, sizeof *out->runs);
    if (!out->runs)
        return MM_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const struct mm_check *c = ids ? mm_audit_find(ids[i]) : all[i];
        if (!c)
            return MM_ENOENT;
        out->runs[i].check = c;
        out->nruns++;
        int r = mm_audit_run(c, ctx, &out->runs[i].result);
        if (r != 0)
            return r;
    }
    return 0;
}

void mm_audit_report_free(struct mm_audit_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nruns; i++)
        mm_audit_result_free(&r->runs[i].result);
    free(r->runs);
    json_decref(r->contradictions);
    *r = (struct mm_audit_report){0};
}

void mm_audit_count(const struct mm_audit_report *r, size_t counts[3])
{
    counts[0] = counts[1] = counts[2] = 0;
    for (size_t i = 0; i < r->nruns; i++)
        counts[r->runs[i].result.status]++;
}

/* ---- comparing with a diagnosis ---- */

static bool check_covers(const struct mm_check *c, int item)
{
    for (size_t k = 0; k < MM_AUDIT_MAX_ITEMS && c->items[k]; k++)
        if (c->items[k] == item)
            return true;
    return false;
}

/* The ids of the failed checks related to item, as a JSON array. */
static json_t *failed_checks_for(const struct mm_audit_report *r, int item)
{
    json_t *failed = json_array();
    for (size_t i = 0; failed && i < r->nruns; i++)
        if (r->runs[i].result.status == MM_AUDIT_FAIL && check_covers(r->runs[i].check, item))
            json_array_append_new(failed, json_string(r->runs[i].check->id));
    return failed;
}

/* [{item, answer, checks}] for the items answered done with failed checks. */
static json_t *contradictions_of(const struct mm_audit_report *r, uint64_t done)
{
    json_t *list = json_array();
    for (int item = 1; list && item <= 64; item++) {
        if (!(done & (UINT64_C(1) << (item - 1))))
            continue;
        json_t *failed = failed_checks_for(r, item);
        if (json_array_size(failed) > 0)
            json_array_append_new(
                list, json_pack("{s:i,s:s,s:o}", "item", item, "answer", "done", "checks", failed));
        else
            json_decref(failed);
    }
    return list;
}

int mm_audit_compare(struct mm_audit_report *r, uint64_t done, const char *path)
{
    json_decref(r->contradictions);
    r->contradictions = contradictions_of(r, done);
    r->diagnosis_path = path;
    return r->contradictions ? 0 : MM_ENOMEM;
}

/* ---- texts ---- */

struct texts {
    json_t *checks; /* data/audit/checks.json */
    json_t *items;  /* data/diagnose/items.json, may be NULL */
    enum mm_lang lang;
};

static const char *check_text(const struct texts *t, const char *id, const char *field)
{
    return mm_text(json_object_get(json_object_get(t->checks, id), field), t->lang);
}

static const char *result_text(const struct texts *t, const struct mm_audit_run *run)
{
    json_t *msgs = json_object_get(json_object_get(t->checks, run->check->id), "messages");
    const char *s = mm_text(json_object_get(msgs, run->result.message), t->lang);
    return *s ? s : run->result.message;
}

static const char *item_title(const struct texts *t, int id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(t->items, "items"), i, it)
    {
        if (json_integer_value(json_object_get(it, "id")) == id)
            return mm_text(json_object_get(it, "title"), t->lang);
    }
    return "";
}

static int texts_load(struct texts *t, enum mm_lang lang)
{
    *t = (struct texts){.lang = lang};
    int r = mm_data_json("audit/checks.json", &t->checks);
    if (r != 0)
        return r;
    if (mm_data_json("diagnose/items.json", &t->items) != 0) /* optional: titles only */
        t->items = NULL;
    return 0;
}

static void texts_free(struct texts *t)
{
    json_decref(t->checks);
    json_decref(t->items);
}

#define TR(key) mm_tr("audit", key, t->lang)

/* ---- text ---- */

static int put_items(struct mm_buf *out, const struct mm_check *c, const char *sep)
{
    int r = 0;
    for (size_t k = 0; r == 0 && k < MM_AUDIT_MAX_ITEMS && c->items[k]; k++)
        r = mm_buf_printf(out, "%s%d", k ? sep : "", c->items[k]);
    return r;
}

static int text_heading(const struct texts *t, const struct mm_audit_run *run, struct mm_buf *out)
{
    struct mm_buf items = MM_BUF_INIT;
    char key[32];
    snprintf(key, sizeof key, "status.%s", mm_audit_status_name(run->result.status));
    int r = put_items(&items, run->check, TR("text.list_separator"));
    const struct mm_fill_var vars[] = {{"status", TR(key)},
                                       {"title", check_text(t, run->check->id, "title")},
                                       {"id", run->check->id},
                                       {"items", mm_buf_str(&items)}};
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, TR("text.check"), vars, 4, 0);
    mm_buf_free(&items);
    return r;
}

static int text_run(const struct texts *t, const struct mm_audit_run *run, struct mm_buf *out)
{
    int r = text_heading(t, run, out);
    if (r == 0)
        r = mm_buf_printf(out, "\n    %s\n", result_text(t, run));
    const char *ev = mm_buf_str(&run->result.evidence[t->lang]);
    while (r == 0 && *ev) {
        size_t n = strcspn(ev, "\n");
        r = mm_buf_printf(out, "    %s %.*s\n", TR("text.evidence"), (int)n, ev);
        ev += n + (ev[n] == '\n');
    }
    if (r == 0 && run->result.status == MM_AUDIT_FAIL)
        r = mm_buf_printf(out, "    %s %s\n", TR("text.fix"), check_text(t, run->check->id, "fix"));
    return r == 0 ? mm_buf_putc(out, '\n') : r;
}

static int text_contradiction(const struct texts *t, const json_t *c, struct mm_buf *out)
{
    struct mm_buf checks = MM_BUF_INIT;
    char item[24];
    int id = (int)json_integer_value(json_object_get(c, "item")), r = 0;
    snprintf(item, sizeof item, "%d", id);
    size_t k;
    json_t *check;
    json_array_foreach(json_object_get(c, "checks"), k, check)
    {
        /* The check's title, which a person can read, with its id. */
        const char *cid = json_string_value(check);
        const struct mm_fill_var ref[] = {{"title", check_text(t, cid, "title")}, {"id", cid}};
        if (r == 0 && k)
            r = mm_buf_puts(&checks, TR("text.list_separator"));
        if (r == 0)
            r = mm_fill(&checks, MM_FILL_MAX, TR("text.check_ref"), ref, 2, 0);
    }
    const struct mm_fill_var vars[] = {
        {"item", item}, {"title", item_title(t, id)}, {"checks", mm_buf_str(&checks)}};
    if (r == 0)
        r = mm_buf_puts(out, "  ");
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, TR("text.contradiction"), vars, 3, 0);
    mm_buf_free(&checks);
    return r == 0 ? mm_buf_putc(out, '\n') : r;
}

static int text_contradictions(const struct texts *t, const struct mm_audit_report *rep,
                               struct mm_buf *out)
{
    const struct mm_fill_var vars[] = {{"file", rep->diagnosis_path}};
    int r = mm_fill(out, MM_FILL_MAX, TR("text.contradictions"), vars, 1, 0);
    if (r == 0)
        r = mm_buf_putc(out, '\n');
    if (r == 0 && json_array_size(rep->contradictions) == 0)
        r = mm_buf_printf(out, "  %s\n", TR("text.no_contradictions"));
    for (size_t i = 0; r == 0 && i < json_array_size(rep->contradictions); i++)
        r = text_contradiction(t, json_array_get(rep->contradictions, i), out);
    if (r == 0 && json_array_size(rep->contradictions) > 0) /* what to do about them */
        r = mm_buf_printf(out, "\n  %s\n", TR("text.contradictions_next"));
    return r;
}

static int text_summary(const struct texts *t, const struct mm_audit_report *rep,
                        struct mm_buf *out)
{
    size_t n[3];
    char v[3][24];
    mm_audit_count(rep, n);
    for (int i = 0; i < 3; i++)
        snprintf(v[i], sizeof v[i], "%zu", n[i]);
    const struct mm_fill_var vars[] = {{"root", rep->root},
                                       {"date", rep->date},
                                       {"pass", v[0]},
                                       {"fail", v[1]},
                                       {"unknown", v[2]}};
    int r = mm_fill(out, MM_FILL_MAX, TR("text.heading"), vars, 5, 0);
    if (r == 0)
        r = mm_buf_putc(out, '\n');
    if (r == 0)
        r = mm_fill(out, MM_FILL_MAX, TR("text.summary"), vars, 5, 0);
    return r == 0 ? mm_buf_puts(out, "\n\n") : r;
}

int mm_audit_write_text(const struct mm_audit_report *rep, enum mm_lang lang, struct mm_buf *out)
{
    struct texts tx, *t = &tx;
    int r = texts_load(t, lang);
    if (r != 0)
        return r;
    r = text_summary(t, rep, out);
    for (size_t i = 0; r == 0 && i < rep->nruns; i++)
        r = text_run(t, &rep->runs[i], out);
    if (r == 0 && rep->contradictions)
        r = text_contradictions(t, rep, out);
    texts_free(t);
    return r;
}

/* ---- JSON ---- */

static json_t *json_run(const struct texts *t, const struct mm_audit_run *run)
{
    json_t *items = json_array(), *evidence = json_array();
    for (size_t k = 0; items && k < MM_AUDIT_MAX_ITEMS && run->check->items[k]; k++)
        json_array_append_new(items, json_integer(run->check->items[k]));
    const char *ev = mm_buf_str(&run->result.evidence[t->lang]);
    while (evidence && *ev) {
        size_t n = strcspn(ev, "\n");
        json_array_append_new(evidence, json_stringn(ev, n));
        ev += n + (ev[n] == '\n');
    }
    const struct mm_check *c = run->check;
    return json_pack("{s:s,s:o,s:s,s:s,s:s,s:s,s:o,s:s}", "id", c->id, "items", items, "status",
                     mm_audit_status_name(run->result.status), "message_key", run->result.message,
                     "title", check_text(t, c->id, "title"), "message", result_text(t, run),
                     "evidence", evidence, "fix", check_text(t, c->id, "fix"));
}

static json_t *json_diagnosis(const struct texts *t, const struct mm_audit_report *rep)
{
    if (!rep->contradictions)
        return json_null();
    json_t *list = json_deep_copy(rep->contradictions);
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        int item = (int)json_integer_value(json_object_get(c, "item"));
        json_object_set_new(c, "title", json_string(item_title(t, item)));
    }
    return json_pack("{s:s,s:o}", "file", rep->diagnosis_path, "contradictions", list);
}

int mm_audit_write_json(const struct mm_audit_report *rep, enum mm_lang lang, struct mm_buf *out)
{
    struct texts tx;
    size_t n[3];
    int r = texts_load(&tx, lang);
    if (r != 0)
        return r;
    mm_audit_count(rep, n);
    json_t *checks = json_array();
    for (size_t i = 0; checks && i < rep->nruns; i++)
        json_array_append_new(checks, json_run(&tx, &rep->runs[i]));
    json_t *doc = json_pack("{s:s,s:s,s:s,s:{s:I,s:I,s:I},s:o,s:o}", "lang", mm_lang_code(lang),
                            "date", rep->date, "root", rep->root, "summary", "pass",
                            (json_int_t)n[0], "fail", (json_int_t)n[1], "unknown", (json_int_t)n[2],
                            "checks", checks, "diagnosis", json_diagnosis(&tx, rep));
    char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    r = s ? mm_buf_puts(out, s) : MM_ENOMEM;
    if (r == 0)
        r = mm_buf_putc(out, '\n');
    free(s);
    json_decref(doc);
    texts_free(&tx);
    return r;
}
