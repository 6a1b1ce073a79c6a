/* SPDX-License-Identifier: Apache-2.0
 * Owns the JSON form of a diagnosis result (`--format json` and the files in
 * a history directory). Field list: docs/man/mamori-diagnose.1.md. */
#include "assess/diagnose.h"
#include "core/error.h"

/* Sets key to a new reference; remembers any failure in *failed. */
static void put(json_t *obj, const char *key, json_t *value, int *failed)
{
    if (!value || json_object_set_new(obj, key, value) != 0)
        *failed = 1;
}

static void push(json_t *arr, json_t *value, int *failed)
{
    if (!value || json_array_append_new(arr, value) != 0)
        *failed = 1;
}

/* Appends a new empty object to arr and returns it (NULL on failure). */
static json_t *push_object(json_t *arr, int *failed)
{
    json_t *o = json_object();
    push(arr, o, failed);
    return o;
}

/* The end of every list builder: a list that could not be made is a failure. */
static json_t *finish_list(json_t *arr, int *failed)
{
    if (!arr)
        *failed = 1;
    return arr;
}

static json_t *text_of(const json_t *obj, const char *key, enum mm_lang lang)
{
    return json_string(mm_text(json_object_get(obj, key), lang));
}

static json_t *id_list(const int *ids, size_t n, int *failed)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        push(arr, json_integer(ids[i]), failed);
    return finish_list(arr, failed);
}

static json_t *parts_json(const struct mm_diag_catalogue *cat, const struct mm_diag_result *res,
                          enum mm_lang lang, int *failed)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < MM_DIAG_PARTS; i++) {
        json_t *p = push_object(arr, failed);
        if (!p)
            break;
        put(p, "id", json_integer((json_int_t)i + 1), failed);
        put(p, "key", json_copy(json_object_get(cat->parts[i], "key")), failed);
        put(p, "name", text_of(cat->parts[i], "name", lang), failed);
        put(p, "score", json_integer(res->part_score[i]), failed);
        put(p, "max", json_integer(res->part_max[i]), failed);
    }
    return finish_list(arr, failed);
}

static json_t *items_json(const struct mm_diag_catalogue *cat, const struct mm_diag_result *res,
                          enum mm_lang lang, int *failed)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < MM_DIAG_ITEMS; i++) {
        const struct mm_diag_item *it = &cat->items[i];
        json_t *o = push_object(arr, failed);
        if (!o)
            break;
        put(o, "id", json_integer(it->id), failed);
        put(o, "part", json_integer(it->part), failed);
        put(o, "answer", json_string(mm_answer_name(res->answers[i])), failed);
        put(o, "points", json_integer(res->points[i]), failed);
        put(o, "title", text_of(it->data, "title", lang), failed);
    }
    return finish_list(arr, failed);
}

static json_t *advice_json(const struct mm_diag_catalogue *cat, const struct mm_diag_result *res,
                           enum mm_lang lang, int *failed)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < res->n_advice; i++) {
        const struct mm_diag_item *it = &cat->items[res->advice[i] - 1];
        const json_t *advice = json_object_get(it->data, "advice");
        json_t *o = push_object(arr, failed);
        if (!o)
            break;
        put(o, "id", json_integer(it->id), failed);
        put(o, "part", json_integer(it->part), failed);
        put(o, "answer", json_string(mm_answer_name(res->answers[it->id - 1])), failed);
        put(o, "priority", json_integer(it->priority), failed);
        put(o, "title", text_of(it->data, "title", lang), failed);
        put(o, "what", text_of(advice, "what", lang), failed);
        put(o, "first_step", text_of(advice, "first_step", lang), failed);
        put(o, "why", text_of(advice, "why", lang), failed);
        put(o, "threats", json_deep_copy(json_object_get(it->data, "threats")), failed);
    }
    return finish_list(arr, failed);
}

static json_t *change_list(const struct mm_diag_change *c, size_t n, int *failed)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++) {
        json_t *o = push_object(arr, failed);
        if (!o)
            break;
        put(o, "id", json_integer(c[i].id), failed);
        put(o, "from", json_string(mm_answer_name(c[i].from)), failed);
        put(o, "to", json_string(mm_answer_name(c[i].to)), failed);
    }
    return finish_list(arr, failed);
}

static json_t *changes_json(const struct mm_diag_changes *ch, int *failed)
{
    if (!ch || !ch->have_previous)
        return json_null();
    json_t *o = json_object();
    if (!o) {
        *failed = 1;
        return NULL;
    }
    put(o, "previous_date", json_string(ch->previous_date), failed);
    put(o, "previous_score", json_integer(ch->previous_score), failed);
    put(o, "score_delta", json_integer(ch->score_delta), failed);
    put(o, "improved", change_list(ch->improved, ch->n_improved, failed), failed);
    put(o, "regressed", change_list(ch->regressed, ch->n_regressed, failed), failed);
    put(o, "clarified", change_list(ch->clarified, ch->n_clarified, failed), failed);
    return o;
}

int mm_diag_result_json(const struct mm_diag_catalogue *cat, const struct mm_diag_result *res,
                        const struct mm_diag_changes *changes, enum mm_lang lang, json_t **out)
{
    *out = NULL;
    int failed = 0;
    json_t *o = json_object();
    if (!o)
        return MM_ENOMEM;
    const json_t *band = cat->bands[res->band].data;
    put(o, "date", json_string(res->date), &failed);
    put(o, "lang", json_string(mm_lang_code(lang)), &failed);
    put(o, "score", json_integer(res->score), &failed);
    put(o, "max", json_integer(MM_DIAG_MAX), &failed);
    put(o, "band", json_string(mm_diag_band_id(cat, res->band)), &failed);
    put(o, "band_title", text_of(band, "title", lang), &failed);
    put(o, "band_message", text_of(band, "message", lang), &failed);
    put(o, "complete", json_boolean(res->complete), &failed);
    put(o, "parts", parts_json(cat, res, lang, &failed), &failed);
    put(o, "items", items_json(cat, res, lang, &failed), &failed);
    put(o, "unknown", id_list(res->unknown, res->n_unknown, &failed), &failed);
    put(o, "na", id_list(res->na, res->n_na, &failed), &failed);
    put(o, "advice", advice_json(cat, res, lang, &failed), &failed);
    put(o, "changes", changes_json(changes, &failed), &failed);
    if (failed) {
        json_decref(o);
        return MM_ENOMEM;
    }
    *out = o;
    return 0;
}
