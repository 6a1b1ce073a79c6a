/* SPDX-License-Identifier: Apache-2.0
 * Owns the self-diagnosis model: loading and checking the item catalogue,
 * scoring, bands, advice order, the JSON result and
 * the comparison with an earlier result. Reports are in diagnose-report.c,
 * the history directory in diagnose-history.c. */
#include "assess/diagnose.h"
#include "core/data.h"
#include "core/error.h"
#include "core/timefmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The threat catalogue ids (data/threats/) an item may name. */
static const char *const known_threats[] = {
    "ransomware",   "targeted-attack", "telework",         "supply-chain",
    "bec",          "insider",         "it-outage",        "careless-leak",
    "vuln-exploit", "fake-warning",    "account-takeover", "phishing",
};

/* Items 1-5 are part 1, 6-18 part 2, 19-25 part 3. */
static int expected_part(int id)
{
    return id <= 5 ? 1 : id <= 18 ? 2 : 3;
}

static bool threat_known(const char *id)
{
    for (size_t i = 0; id && i < sizeof known_threats / sizeof known_threats[0]; i++)
        if (strcmp(id, known_threats[i]) == 0)
            return true;
    return false;
}

static bool item_threats_valid(const json_t *threats)
{
    size_t i;
    const json_t *t;
    if (!json_is_array(threats) || json_array_size(threats) == 0)
        return false;
    json_array_foreach(threats, i, t)
    {
        if (!threat_known(json_string_value(t)))
            return false;
    }
    return true;
}

static bool item_texts_present(const json_t *item)
{
    const char *keys[] = {"title", "question", "help"};
    const char *advice_keys[] = {"what", "first_step", "why"};
    const json_t *advice = json_object_get(item, "advice");
    for (size_t i = 0; i < 3; i++) {
        if (!*mm_text(json_object_get(item, keys[i]), MM_LANG_JA) ||
            !*mm_text(json_object_get(advice, advice_keys[i]), MM_LANG_JA))
            return false;
    }
    return true;
}

/* Checks one item object and records it at its id. */
static int load_item(struct mm_diag_catalogue *cat, const json_t *item, size_t index)
{
    int id = (int)json_integer_value(json_object_get(item, "id"));
    int part = (int)json_integer_value(json_object_get(item, "part"));
    int priority = (int)json_integer_value(json_object_get(item, "priority"));
    const json_t *na = json_object_get(item, "na_allowed");
    if (id != (int)index + 1 || part != expected_part(id) || priority < 1 || priority > 10 ||
        !json_is_boolean(na) || !item_threats_valid(json_object_get(item, "threats")) ||
        !item_texts_present(item))
        return MM_EPARSE;
    if (json_is_true(na) && !*mm_text(json_object_get(item, "na_reason"), MM_LANG_JA))
        return MM_EPARSE;
    struct mm_diag_item *it = &cat->items[index];
    it->id = id;
    it->part = part;
    it->priority = priority;
    it->na_allowed = json_is_true(na);
    it->data = item;
    cat->part_max[part - 1] += 4;
    return 0;
}

static int load_items(struct mm_diag_catalogue *cat)
{
    const json_t *items = json_object_get(cat->items_doc, "items");
    const json_t *parts = json_object_get(cat->items_doc, "parts");
    if (json_array_size(items) != MM_DIAG_ITEMS || json_array_size(parts) != MM_DIAG_PARTS)
        return MM_EPARSE;
    for (size_t i = 0; i < MM_DIAG_PARTS; i++) {
        cat->parts[i] = json_array_get(parts, i);
        if (json_integer_value(json_object_get(cat->parts[i], "id")) != (json_int_t)i + 1)
            return MM_EPARSE;
    }
    for (size_t i = 0; i < MM_DIAG_ITEMS; i++) {
        int r = load_item(cat, json_array_get(items, i), i);
        if (r != 0)
            return r;
    }
    return 0;
}

/* Bands must be listed from the highest min down, the last one at -25. */
static int load_bands(struct mm_diag_catalogue *cat)
{
    const json_t *bands = json_object_get(cat->bands_doc, "bands");
    size_t n = json_array_size(bands);
    if (n == 0 || n > MM_DIAG_BANDS_MAX)
        return MM_EPARSE;
    for (size_t i = 0; i < n; i++) {
        const json_t *b = json_array_get(bands, i);
        int min = (int)json_integer_value(json_object_get(b, "min"));
        if (!json_is_string(json_object_get(b, "id")) || (i > 0 && min >= cat->bands[i - 1].min))
            return MM_EPARSE;
        cat->bands[i].min = min;
        cat->bands[i].data = b;
    }
    cat->n_bands = n;
    return cat->bands[n - 1].min <= -MM_DIAG_ITEMS ? 0 : MM_EPARSE;
}

int mm_diag_catalogue_load(struct mm_diag_catalogue **out)
{
    *out = NULL;
    struct mm_diag_catalogue *cat = calloc(1, sizeof *cat);
    int r;
    if (!cat)
        return MM_ENOMEM;
    if ((r = mm_data_json("diagnose/items.json", &cat->items_doc)) != 0)
        goto out;
    if ((r = mm_data_json("diagnose/bands.json", &cat->bands_doc)) != 0)
        goto out;
    if ((r = load_items(cat)) != 0)
        goto out;
    if ((r = load_bands(cat)) != 0)
        goto out;
    *out = cat;
    cat = NULL;
out:
    mm_diag_catalogue_free(cat);
    return r;
}

void mm_diag_catalogue_free(struct mm_diag_catalogue *cat)
{
    if (!cat)
        return;
    json_decref(cat->items_doc);
    json_decref(cat->bands_doc);
    free(cat);
}

void mm_diag_answers_spec(const struct mm_diag_catalogue *cat, struct mm_answers_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->n_items = MM_DIAG_ITEMS;
    spec->values = (1u << MM_ANSWER_DONE) | (1u << MM_ANSWER_PARTLY) | (1u << MM_ANSWER_NOT) |
                   (1u << MM_ANSWER_UNKNOWN) | (1u << MM_ANSWER_NA);
    for (size_t i = 0; i < MM_DIAG_ITEMS; i++)
        if (cat->items[i].na_allowed)
            spec->na_allowed |= UINT64_C(1) << i;
}

int mm_diag_points(enum mm_answer a)
{
    switch (a) {
    case MM_ANSWER_DONE:
    case MM_ANSWER_NA:
        return 4;
    case MM_ANSWER_PARTLY:
        return 2;
    case MM_ANSWER_UNKNOWN:
        return -1;
    default:
        return 0;
    }
}

/* Advice order: the basic part first, then the higher threat impact, then id.
 * Returns true when item a comes before item b. */
static bool advice_before(const struct mm_diag_item *a, const struct mm_diag_item *b)
{
    int a_rest = a->part != 1, b_rest = b->part != 1;
    if (a_rest != b_rest)
        return a_rest < b_rest;
    if (a->priority != b->priority)
        return a->priority > b->priority;
    return a->id < b->id;
}

/* Collects the items needing advice (partly, not, unknown) and sorts them;
 * an insertion sort is plenty for 25 items and needs no shared state. */
static void order_advice(const struct mm_diag_catalogue *cat, struct mm_diag_result *res)
{
    size_t n = 0;
    for (int id = 1; id <= MM_DIAG_ITEMS; id++) {
        enum mm_answer a = res->answers[id - 1];
        if (a != MM_ANSWER_PARTLY && a != MM_ANSWER_NOT && a != MM_ANSWER_UNKNOWN)
            continue;
        size_t at = n++;
        while (at > 0 && advice_before(&cat->items[id - 1], &cat->items[res->advice[at - 1] - 1])) {
            res->advice[at] = res->advice[at - 1];
            at--;
        }
        res->advice[at] = id;
    }
    res->n_advice = n;
}

size_t mm_diag_band_for(const struct mm_diag_catalogue *cat, int score)
{
    for (size_t i = 0; i < cat->n_bands; i++)
        if (score >= cat->bands[i].min)
            return i;
    return cat->n_bands - 1;
}

int mm_diag_evaluate(const struct mm_diag_catalogue *cat, const enum mm_answer *answers,
                     struct mm_diag_result *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < MM_DIAG_ITEMS; i++) {
        if (answers[i] < MM_ANSWER_DONE || answers[i] > MM_ANSWER_NA ||
            (answers[i] == MM_ANSWER_NA && !cat->items[i].na_allowed))
            return MM_EINVAL;
    }
    for (size_t i = 0; i < MM_DIAG_ITEMS; i++) {
        int part = cat->items[i].part - 1;
        out->answers[i] = answers[i];
        out->points[i] = mm_diag_points(answers[i]);
        out->score += out->points[i];
        out->part_score[part] += out->points[i];
        if (answers[i] == MM_ANSWER_UNKNOWN)
            out->unknown[out->n_unknown++] = (int)i + 1;
        if (answers[i] == MM_ANSWER_NA)
            out->na[out->n_na++] = (int)i + 1;
    }
    memcpy(out->part_max, cat->part_max, sizeof out->part_max);
    out->complete = out->n_unknown == 0;
    out->band = mm_diag_band_for(cat, out->score);
    order_advice(cat, out);
    mm_time_today(out->date);
    return 0;
}

const char *mm_diag_band_id(const struct mm_diag_catalogue *cat, size_t band)
{
    return band < cat->n_bands ? json_string_value(json_object_get(cat->bands[band].data, "id"))
                               : "";
}

int mm_diag_format_parse(const char *s, enum mm_diag_format *out)
{
    static const char *const names[] = {"text", "json", "md", "html"};
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum mm_diag_format)i;
            return 0;
        }
    }
    return MM_EINVAL;
}

void mm_diag_compare(const enum mm_answer *prev, int prev_score, const char *prev_date,
                     const struct mm_diag_result *now, struct mm_diag_changes *out)
{
    memset(out, 0, sizeof *out);
    out->have_previous = true;
    snprintf(out->previous_date, sizeof out->previous_date, "%s", prev_date);
    out->previous_score = prev_score;
    out->score_delta = now->score - prev_score;
    for (int i = 0; i < MM_DIAG_ITEMS; i++) {
        int before = mm_diag_points(prev[i]), after = now->points[i];
        struct mm_diag_change c = {i + 1, prev[i], now->answers[i]};
        if (prev[i] == MM_ANSWER_UNKNOWN && now->answers[i] != MM_ANSWER_UNKNOWN)
            out->clarified[out->n_clarified++] = c;
        else if (after > before)
            out->improved[out->n_improved++] = c;
        else if (after < before)
            out->regressed[out->n_regressed++] = c;
    }
}
