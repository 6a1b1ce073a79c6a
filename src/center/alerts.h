/* SPDX-License-Identifier: Apache-2.0
 * Alert logic independent of storage and HTTP: the status state machine, the
 * aggregation rule, turning a parsed EVE event into an ingest record, and
 * the plain-language explanations and alert category names
 * (data/center/explanations.json). */
#ifndef MM_CENTER_ALERTS_H
#define MM_CENTER_ALERTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "center/arena.h"
#include "center/store.h"
#include "core/i18n.h"

/* The "sensor silent" alert raised by the centre itself. */
#define MM_SIG_SENSOR_SILENT 9000001

/* True when an alert may move from `from` to `to`: new → acknowledged,
 * new|acknowledged → escalated, new|acknowledged|escalated → closed. */
bool mm_alert_transition_ok(enum mm_alert_status from, enum mm_alert_status to);

/* True when an event at ts joins an alert spanning [first, last] under the
 * aggregation window (all in microseconds). */
bool mm_alert_in_window(int64_t first, int64_t last, int64_t ts, int64_t window);

/* Fills *out from a parsed, checked EVE event (mm_eve_parse_line) and its
 * original line. The event needs a top-level integer "seq" >= 0, else
 * MM_EPARSE with a reason in why. Strings in *out point into ev/line, which
 * must outlive *out. Alerts get their aggregation device: src MAC
 * ("src_mac", "ether.src_mac" or mamori.evidence.mac) when present, else src_ip. */
int mm_ingest_event_from_json(json_t *ev, const char *line, size_t len, struct mm_ingest_event *out,
                              char *why, size_t whylen);

/* The fast form of mm_eve_parse_line + mm_ingest_event_from_json for one
 * line (alerts-scan.c): no JSON tree, strings copied into arena. 0 and *out
 * when the line is accepted, exactly as the full path would; MM_EAGAIN
 * when the full path must decide (a bad line, escapes, a stats event, a
 * form the scanner leaves to jansson). */
int mm_ingest_event_scan(const char *line, size_t len, struct mm_arena *arena,
                         struct mm_ingest_event *out);

/* The kind of an alert, the explanation it gets: "signature:ID" for a
 * signature explained on its own, else the detector's name in the
 * catalogue (by its signature id, then its detector, directly or through
 * an alias; "port-scan", "intel-inbound"), else "generic". One kind groups
 * alerts the owner reads as one thing (the monthly report's advice). */
#define MM_ALERT_KIND_MAX 64
void mm_alert_kind(int64_t signature_id, const char *detector, char *out, size_t outlen);

/* The explanation of a kind (mm_alert_kind) as {"what","threat"} and, only
 * where the alert's message carries no step of its own (the centre's and
 * other tools' alerts), "now"; each {"ja","en"}; the generic one for a kind not in the catalogue;
 * NULL when the catalogue is missing. Borrowed reference, valid for the program's life. */
const json_t *mm_alert_kind_explanation(const char *kind);

/* The explanation for an alert: mm_alert_kind_explanation of its kind
 * (looked up by signature_id, then by detector). */
const json_t *mm_alert_explanation(int64_t signature_id, const char *detector);

/* The one next step shown beside alert a's message in lang: its
 * explanation's "now"; for a kind whose explanation has none (a sensor
 * detector's, whose message ends with its own step), the generic
 * explanation's "now" when a's message in lang is not the sensor's but
 * ingest's filler (filled_ja, filled_en: an older sensor, another tool's
 * EVE line); else NULL (the message says it). Valid for the program's life. */
const char *mm_alert_now(const struct mm_alert *a, enum mm_lang lang);

/* The headline of alert a in lang, as the web UI shows it: the first
 * sentence of its message in lang (mm_first_sentence_len), else its
 * signature when the message has none or the sentence is over max bytes.
 * Written into out (cut at a character boundary to fit outlen). */
void mm_alert_headline(const struct mm_alert *a, enum mm_lang lang, size_t max, char *out,
                       size_t outlen);

/* The plain name of a sensor alert category ("A Network Trojan was detected")
 * in lang; the category itself when it has none (a newer sensor's), "" for
 * NULL. Valid for the program's life or as long as category. */
const char *mm_alert_category_label(const char *category, enum mm_lang lang);

/* Fills an alert's empty messages: English from its signature, Japanese from
 * the generic explanation (alerts from tools other than the mamori sensor,
 * older sensors), and sets filled_ja and filled_en to say which it filled. */
void mm_ingest_alert_default_message(struct mm_ingest_alert *a);

#endif
