/* SPDX-License-Identifier: Apache-2.0
 * Owns the threat catalogue: loading, lookup, the two-way consistency check
 * with the diagnosis items, and the text / JSON / Markdown renderings. */
#include "assess/threats.h"
#include "assess/policy-items.h"
#include "core/data.h"
#include "core/error.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TR(key, lang) mm_tr("assess-docs", key, lang)

int mm_threats_load(json_t **out)
{
    json_t *root = NULL;
    *out = NULL;
    int r = mm_data_json("threats/threats.json", &root);
    if (r != 0)
        return r;
    json_t *list = json_object_get(root, "threats");
    size_t i;
    json_t *t;
    r = json_is_array(list) ? 0 : MM_EPARSE;
    json_array_foreach(list, i, t)
    {
        if (!json_is_string(json_object_get(t, "id")) || !json_object_get(t, "title"))
            r = MM_EPARSE;
    }
    if (r == 0)
        *out = json_incref(list);
    json_decref(root);
    return r;
}

const json_t *mm_threats_find(const json_t *threats, const char *id)
{
    size_t i;
    json_t *t;
    json_array_foreach(threats, i, t)
    {
        if (strcmp(json_string_value(json_object_get(t, "id")), id) == 0)
            return t;
    }
    return NULL;
}

static bool array_has_int(const json_t *a, json_int_t v)
{
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
    {
        if (json_integer_value(x) == v)
            return true;
    }
    return false;
}

static bool array_has_string(const json_t *a, const char *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
    {
        if (json_is_string(x) && strcmp(json_string_value(x), s) == 0)
            return true;
    }
    return false;
}

size_t mm_threats_check_links(const json_t *threats, const json_t *items, struct mm_buf *problems)
{
    size_t n = 0, i, j;
    json_t *it, *x, *t;
    json_array_foreach(items, i, it)
    {
        json_int_t item_id = json_integer_value(json_object_get(it, "id"));
        json_array_foreach(mm__assess_item_threats(it), j, x)
        {
            const char *tid = json_string_value(x);
            const json_t *threat = tid ? mm_threats_find(threats, tid) : NULL;
            if (!threat) {
                mm_buf_printf(problems, "item %lld names unknown threat \"%s\"\n",
                              (long long)item_id, tid ? tid : "?");
                n++;
            } else if (!array_has_int(json_object_get(threat, "diagnosis_items"), item_id)) {
                mm_buf_printf(problems, "threat %s does not list item %lld, which names it\n", tid,
                              (long long)item_id);
                n++;
            }
        }
    }
    json_array_foreach(threats, i, t)
    {
        const char *tid = json_string_value(json_object_get(t, "id"));
        json_array_foreach(json_object_get(t, "diagnosis_items"), j, x)
        {
            const json_t *item = mm__assess_item_find(items, (long)json_integer_value(x));
            if (!item) {
                mm_buf_printf(problems, "threat %s lists unknown item %lld\n", tid,
                              (long long)json_integer_value(x));
                n++;
            } else if (!array_has_string(mm__assess_item_threats(item), tid)) {
                mm_buf_printf(problems, "threat %s lists item %lld, which does not name it\n", tid,
                              (long long)json_integer_value(x));
                n++;
            }
        }
    }
    return n;
}

static json_t *texts_in(const json_t *list, enum mm_lang lang)
{
    json_t *a = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) json_array_append_new(a, json_string(mm_text(x, lang)));
    return a;
}

/* One threat as a JSON object with the texts in lang. */
static json_t *threat_json(const json_t *t, enum mm_lang lang)
{
    return json_pack("{s:O, s:s, s:s, s:o, s:o, s:O}", "id", json_object_get(t, "id"), "title",
                     mm_text(json_object_get(t, "title"), lang), "summary",
                     mm_text(json_object_get(t, "summary"), lang), "methods",
                     texts_in(json_object_get(t, "methods"), lang), "countermeasures",
                     texts_in(json_object_get(t, "countermeasures"), lang), "diagnosis_items",
                     json_object_get(t, "diagnosis_items"));
}

static int render_json(const json_t *threats, const json_t *one, enum mm_lang lang,
                       struct mm_buf *out)
{
    json_t *doc;
    if (one) {
        doc = threat_json(one, lang);
    } else {
        json_t *list = json_array();
        size_t i;
        json_t *t;
        json_array_foreach(threats, i, t) json_array_append_new(list, threat_json(t, lang));
        doc = json_pack("{s:s, s:o}", "lang", mm_lang_code(lang), "threats", list);
    }
    char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!s)
        return MM_ENOMEM;
    int r = mm_buf_printf(out, "%s\n", s);
    free(s);
    return r;
}

static void render_list_items(struct mm_buf *out, const json_t *list, const char *bullet,
                              enum mm_lang lang)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) mm_buf_printf(out, "%s%s\n", bullet, mm_text(x, lang));
}

static void render_related(struct mm_buf *out, const json_t *t, const char *bullet,
                           enum mm_lang lang, const json_t *items)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(t, "diagnosis_items"), i, x)
    {
        long id = (long)json_integer_value(x);
        const json_t *text = mm__assess_item_title(mm__assess_item_find(items, id));
        mm_buf_printf(out, "%s%s %ld", bullet, TR("threats.item", lang), id);
        if (text)
            mm_buf_printf(out, lang == MM_LANG_JA ? "：%s" : ": %s", mm_text(text, lang));
        mm_buf_putc(out, '\n');
    }
}

static void render_one_text(struct mm_buf *out, const json_t *t, enum mm_lang lang,
                            const json_t *items)
{
    mm_buf_printf(out, "%s (%s)\n\n%s\n\n%s\n", mm_text(json_object_get(t, "title"), lang),
                  json_string_value(json_object_get(t, "id")),
                  mm_text(json_object_get(t, "summary"), lang), TR("threats.methods", lang));
    render_list_items(out, json_object_get(t, "methods"), "  - ", lang);
    mm_buf_printf(out, "\n%s\n", TR("threats.countermeasures", lang));
    render_list_items(out, json_object_get(t, "countermeasures"), "  - ", lang);
    mm_buf_printf(out, "\n%s\n", TR("threats.related", lang));
    render_related(out, t, "  - ", lang, items);
}

static void render_one_md(struct mm_buf *out, const json_t *t, const char *hashes,
                          enum mm_lang lang, const json_t *items)
{
    mm_buf_printf(
        out, "%s %s\n\n`%s`\n\n%s\n\n%s# %s\n\n", hashes,
        mm_text(json_object_get(t, "title"), lang), json_string_value(json_object_get(t, "id")),
        mm_text(json_object_get(t, "summary"), lang), hashes, TR("threats.methods", lang));
    render_list_items(out, json_object_get(t, "methods"), "- ", lang);
    mm_buf_printf(out, "\n%s# %s\n\n", hashes, TR("threats.countermeasures", lang));
    render_list_items(out, json_object_get(t, "countermeasures"), "- ", lang);
    mm_buf_printf(out, "\n%s# %s\n\n", hashes, TR("threats.related", lang));
    render_related(out, t, "- ", lang, items);
}

static void render_list_text(struct mm_buf *out, const json_t *threats, enum mm_lang lang)
{
    size_t i;
    json_t *t;
    mm_buf_printf(out, "%s\n\n", TR("threats.list_heading", lang));
    json_array_foreach(threats, i, t)
    {
        mm_buf_printf(out, "%-17s %s\n", json_string_value(json_object_get(t, "id")),
                      mm_text(json_object_get(t, "title"), lang));
        mm_buf_printf(out, "%-17s %s\n\n", "", mm_text(json_object_get(t, "summary"), lang));
    }
    mm_buf_printf(out, "%s\n", TR("threats.more", lang));
}

int mm_threats_render(const json_t *threats, const char *id, enum mm_threats_format format,
                      enum mm_lang lang, const json_t *items, struct mm_buf *out)
{
    const json_t *one = NULL;
    if (id && !(one = mm_threats_find(threats, id)))
        return MM_ENOENT;
    size_t before = out->len;
    if (format == MM_THREATS_JSON)
        return render_json(threats, one, lang, out);
    if (format == MM_THREATS_TEXT && one)
        render_one_text(out, one, lang, items);
    else if (format == MM_THREATS_TEXT)
        render_list_text(out, threats, lang);
    else if (one)
        render_one_md(out, one, "#", lang, items);
    else {
        size_t i;
        json_t *t;
        mm_buf_printf(out, "# %s\n\n", TR("threats.list_heading", lang));
        json_array_foreach(threats, i, t)
        {
            mm_buf_putc(out, '\n');
            render_one_md(out, t, "##", lang, items);
        }
    }
    return out->len > before && out->data ? 0 : MM_ENOMEM;
}
