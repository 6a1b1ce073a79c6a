/* SPDX-License-Identifier: Apache-2.0
 * Owns the alert state machine, the aggregation window rule, the mapping of
 * EVE events to ingest records, and the explanation catalogue look-ups
 * (explanations and alert category names). */
#include "center/alerts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "core/data.h"
#include "core/error.h"
#include "core/str.h"
#include "core/timefmt.h"

static const char *const status_names[] = {"new", "acknowledged", "escalated", "closed"};

const char *mm_alert_status_name(enum mm_alert_status s)
{
    if ((unsigned)s >= sizeof status_names / sizeof status_names[0])
        return "";
    return status_names[s];
}

int mm_alert_status_parse(const char *s, enum mm_alert_status *out)
{
    for (unsigned i = 0; s && i < sizeof status_names / sizeof status_names[0]; i++) {
        if (strcmp(s, status_names[i]) == 0) {
            *out = (enum mm_alert_status)i;
            return 0;
        }
    }
    return MM_EINVAL;
}

bool mm_alert_transition_ok(enum mm_alert_status from, enum mm_alert_status to)
{
    switch (to) {
    case MM_ALERT_ACKNOWLEDGED:
        return from == MM_ALERT_NEW;
    case MM_ALERT_ESCALATED:
        return from == MM_ALERT_NEW || from == MM_ALERT_ACKNOWLEDGED;
    case MM_ALERT_CLOSED:
        return from != MM_ALERT_CLOSED;
    default:
        return false;
    }
}

bool mm_alert_in_window(int64_t first, int64_t last, int64_t ts, int64_t window)
{
    return ts >= first - window && ts <= last + window;
}

static const char *str_at(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

/* The device an alert is about: its MAC when the event names one, else its IP. */
static const char *alert_device(const json_t *ev)
{
    const char *mac = json_string_value(json_object_get(ev, "src_mac"));
    if (!mac)
        mac = json_string_value(json_object_get(json_object_get(ev, "ether"), "src_mac"));
    if (!mac) {
        const json_t *evid = json_object_get(json_object_get(ev, "mamori"), "evidence");
        mac = json_string_value(json_object_get(evid, "mac"));
    }
    return mac && *mac ? mac : str_at(ev, "src_ip");
}

/* An alert from another tool carries no mamori message: the English one falls
 * back to its signature, the Japanese one to the generic explanation; each
 * filled one is marked (filled_ja, filled_en), stored with the alert, so its
 * reader gets the generic next step in that language (mm_alert_now). */
void mm_ingest_alert_default_message(struct mm_ingest_alert *a)
{
    a->filled_en = !a->message_en || !*a->message_en;
    a->filled_ja = !a->message_ja || !*a->message_ja;
    if (!a->filled_en && !a->filled_ja)
        return; /* the common case on the ingest path: no catalogue look-up */
    const json_t *what = json_object_get(mm_alert_explanation(0, ""), "what");
    if (a->filled_en)
        a->message_en = a->signature && *a->signature ? a->signature : str_at(what, "en");
    if (a->filled_ja)
        a->message_ja = str_at(what, "ja");
}

static void fill_alert(const json_t *ev, struct mm_ingest_alert *a)
{
    const json_t *alert = json_object_get(ev, "alert");
    const json_t *mamori = json_object_get(ev, "mamori");
    const json_t *msg = json_object_get(mamori, "message");
    a->signature_id = json_integer_value(json_object_get(alert, "signature_id"));
    a->severity = (int)json_integer_value(json_object_get(alert, "severity"));
    a->signature = str_at(alert, "signature");
    a->category = str_at(alert, "category");
    a->detector = str_at(mamori, "detector");
    a->device = alert_device(ev);
    a->src_ip = str_at(ev, "src_ip");
    a->dest_ip = str_at(ev, "dest_ip");
    a->message_ja = str_at(msg, "ja");
    a->message_en = str_at(msg, "en");
    mm_ingest_alert_default_message(a);
}

static int64_t stat_value(const json_t *stats, const char *group, const char *key)
{
    const json_t *v = json_object_get(group ? json_object_get(stats, group) : stats, key);
    return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

int mm_ingest_event_from_json(json_t *ev, const char *line, size_t len, struct mm_ingest_event *out,
                              char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    const json_t *seq = json_object_get(ev, "seq");
    if (!json_is_integer(seq) || json_integer_value(seq) < 0) {
        snprintf(why, whylen, "missing or malformed \"seq\" (a non-negative integer)");
        return MM_EPARSE;
    }
    if (mm_time_parse(str_at(ev, "timestamp"), &out->ts) != 0) {
        snprintf(why, whylen,
                 "missing or malformed \"timestamp\" (RFC 3339, of a date and time that exist)");
        return MM_EPARSE;
    }
    out->seq = json_integer_value(seq);
    out->event_type = str_at(ev, "event_type");
    out->body = line;
    out->body_len = len;
    while (out->body_len > 0 &&
           (line[out->body_len - 1] == '\n' || line[out->body_len - 1] == '\r'))
        out->body_len--;
    out->is_alert = strcmp(out->event_type, "alert") == 0;
    if (out->is_alert)
        fill_alert(ev, &out->alert);
    const json_t *stats = json_object_get(ev, "stats");
    out->stats_backlog = out->stats_drops = -1;
    if (strcmp(out->event_type, "stats") == 0 && json_is_object(stats)) {
        out->has_stats = true;
        out->stats_backlog = stat_value(stats, "spool", "backlog");
        out->stats_drops = stat_value(stats, "capture", "kernel_drops");
        if (out->stats_drops < 0)
            out->stats_drops = stat_value(stats, NULL, "drops");
    }
    return 0;
}

static json_t *explanations;
static pthread_once_t explanations_once = PTHREAD_ONCE_INIT;

static void load_explanations(void)
{
    if (mm_data_json("center/explanations.json", &explanations) != 0)
        explanations = NULL;
}

static const json_t *explanation_table(const char *name)
{
    pthread_once(&explanations_once, load_explanations);
    return json_object_get(explanations, name);
}

/* The by_detector name detector stands for (itself or its alias), NULL when
 * none. */
static const char *detector_name(const char *name)
{
    const json_t *table = json_object_get(explanations, "by_detector");
    if (!name || !*name)
        return NULL;
    if (json_object_get(table, name))
        return name;
    const char *alias =
        json_string_value(json_object_get(json_object_get(explanations, "detector_aliases"), name));
    return alias && json_object_get(table, alias) ? alias : NULL;
}

void mm_alert_kind(int64_t signature_id, const char *detector, char *out, size_t outlen)
{
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)signature_id);
    const char *name = NULL;
    if (json_object_get(explanation_table("by_signature"), key)) {
        snprintf(out, outlen, "signature:%s", key);
        return;
    }
    name = detector_name(
        json_string_value(json_object_get(explanation_table("signature_detector"), key)));
    if (!name)
        name = detector_name(detector);
    snprintf(out, outlen, "%s", name ? name : "generic");
}

const json_t *mm_alert_kind_explanation(const char *kind)
{
    if (!explanation_table("generic"))
        return NULL;
    const json_t *e = NULL;
    if (kind && strncmp(kind, "signature:", 10) == 0)
        e = json_object_get(json_object_get(explanations, "by_signature"), kind + 10);
    else if (kind)
        e = json_object_get(json_object_get(explanations, "by_detector"), kind);
    /* Anything else (a signature from another tool) still gets plain words. */
    return e ? e : json_object_get(explanations, "generic");
}

const json_t *mm_alert_explanation(int64_t signature_id, const char *detector)
{
    char kind[MM_ALERT_KIND_MAX];
    mm_alert_kind(signature_id, detector, kind, sizeof kind);
    return mm_alert_kind_explanation(kind);
}

/* Whether a's message in lang is a mamori sensor's own (which ends with its
 * next step): not when it is empty or ingest's filler (filled_ja,
 * filled_en: another tool's alert, an older sensor's, a Suricata EVE line,
 * each language on its own: an older sensor may send only English). */
static bool has_own_message(const struct mm_alert *a, enum mm_lang lang)
{
    bool ja = lang == MM_LANG_JA;
    return *(ja ? a->message_ja : a->message_en) && !(ja ? a->filled_ja : a->filled_en);
}

const char *mm_alert_now(const struct mm_alert *a, enum mm_lang lang)
{
    const json_t *now = json_object_get(mm_alert_explanation(a->signature_id, a->detector), "now");
    if (!now && !has_own_message(a, lang))
        now = json_object_get(explanation_table("generic"), "now");
    const char *text = now ? mm_text(now, lang) : NULL;
    return text && *text ? text : NULL;
}

void mm_alert_headline(const struct mm_alert *a, enum mm_lang lang, size_t max, char *out,
                       size_t outlen)
{
    const char *msg = lang == MM_LANG_JA ? a->message_ja : a->message_en;
    size_t n = mm_first_sentence_len(msg);
    if (n == 0 || n > max || n >= outlen) {
        mm_strlcpy_utf8(out, a->signature, outlen);
        return;
    }
    memcpy(out, msg, n);
    out[n] = '\0';
}

const char *mm_alert_category_label(const char *category, enum mm_lang lang)
{
    const json_t *label =
        category ? json_object_get(explanation_table("categories"), category) : NULL;
    return label ? mm_text(label, lang) : category ? category : "";
}
