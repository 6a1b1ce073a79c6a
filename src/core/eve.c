/* SPDX-License-Identifier: Apache-2.0
 * Owns building, writing and checking EVE JSON events (see eve.h). */
#include "core/eve.h"
#include "core/error.h"
#include "core/str.h"
#include "core/timefmt.h"

#include <stdio.h>
#include <string.h>

static int set_new(json_t *obj, const char *key, json_t *val)
{
    return val && json_object_set_new(obj, key, val) == 0 ? 0 : MM_ENOMEM;
}

/* Like set_new for a key known to be valid UTF-8 (a literal). */
static int set_new_nocheck(json_t *obj, const char *key, json_t *val)
{
    return val && json_object_set_new_nocheck(obj, key, val) == 0 ? 0 : MM_ENOMEM;
}

static int has_ports(const char *proto)
{
    return proto &&
           (strcmp(proto, "TCP") == 0 || strcmp(proto, "UDP") == 0 || strcmp(proto, "SCTP") == 0);
}

int mm_eve_add_vlan(json_t *ev, const struct mm_eve_header *h)
{
    if (h->vlan_count == 0)
        return 0;
    json_t *ids = json_array();
    for (unsigned i = 0; ids && i < h->vlan_count && i < 2; i++)
        if (json_array_append_new(ids, json_integer(h->vlan[i])) != 0) {
            json_decref(ids);
            ids = NULL;
        }
    return ids ? set_new(ev, "vlan", ids) : -1;
}

static int add_endpoints(json_t *ev, const struct mm_eve_header *h)
{
    char ip[MM_ADDR_STRLEN];
    int r = 0;
    if (h->src) {
        mm_addr_format(h->src, ip, sizeof ip);
        r |= set_new(ev, "src_ip", json_string(ip));
        if (has_ports(h->proto))
            r |= set_new(ev, "src_port", json_integer(h->src_port));
    }
    if (h->dst) {
        mm_addr_format(h->dst, ip, sizeof ip);
        r |= set_new(ev, "dest_ip", json_string(ip));
        if (has_ports(h->proto))
            r |= set_new(ev, "dest_port", json_integer(h->dest_port));
    }
    return r;
}

json_t *mm_eve_new(const struct mm_eve_header *h)
{
    char ts[MM_TIMESTAMP_MAX];
    json_t *ev = json_object();
    if (!ev)
        return NULL;
    mm_time_format(&h->ts, ts, sizeof ts);
    int r = set_new(ev, "timestamp", json_string(ts));
    if (h->flow_id)
        r |= set_new(ev, "flow_id", json_integer((json_int_t)(h->flow_id & INT64_MAX)));
    if (h->pcap_cnt)
        r |= set_new(ev, "pcap_cnt", json_integer((json_int_t)h->pcap_cnt));
    r |= set_new(ev, "event_type", json_string(h->event_type ? h->event_type : "unknown"));
    r |= mm_eve_add_vlan(ev, h);
    r |= add_endpoints(ev, h);
    if (h->proto)
        r |= set_new(ev, "proto", json_string(h->proto));
    if (h->community_id)
        r |= set_new(ev, "community_id", json_string(h->community_id));
    if (h->app_proto)
        r |= set_new(ev, "app_proto", json_string(h->app_proto));
    if (r != 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

/* Sets key (a literal) to the text v ("" for NULL) in o; unless valid says
 * v is known valid UTF-8, checks it as json_pack's "s" did (an invalid text
 * fails the alert). MM_ENOMEM on failure. */
static int set_text(json_t *o, const char *key, const char *v, bool valid)
{
    v = v ? v : "";
    return set_new_nocheck(o, key, valid ? json_string_nocheck(v) : json_string(v));
}

/* The "alert" object: action, gid, signature_id, rev, signature, category,
 * severity, in Suricata's order (the order json_pack built before). */
static json_t *alert_object(const struct mm_eve_alert *a)
{
    json_t *alert = json_object();
    if (!alert)
        return NULL;
    int r = set_new_nocheck(alert, "action", json_string_nocheck("allowed"));
    r |= set_new_nocheck(alert, "gid", json_integer(1));
    r |= set_new_nocheck(alert, "signature_id", json_integer((json_int_t)a->signature_id));
    r |= set_new_nocheck(alert, "rev", json_integer(1));
    r |= set_text(alert, "signature", a->signature, a->texts_valid);
    r |= set_text(alert, "category", a->category, a->texts_valid);
    r |= set_new_nocheck(alert, "severity", json_integer((int)a->severity));
    if (r != 0) {
        json_decref(alert);
        return NULL;
    }
    return alert;
}

/* The "mamori" object: detector and message {"ja","en"}. */
static json_t *mamori_object(const struct mm_eve_alert *a)
{
    json_t *mamori = json_object(), *message = json_object();
    int r = mamori && message ? 0 : MM_ENOMEM;
    if (r == 0)
        r = set_text(mamori, "detector", a->detector, false);
    if (r == 0)
        r = set_text(message, "ja", a->message_ja, a->texts_valid);
    if (r == 0)
        r = set_text(message, "en", a->message_en, a->texts_valid);
    if (r == 0) {
        r = set_new_nocheck(mamori, "message", message);
        message = NULL;
    }
    json_decref(message);
    if (r != 0) {
        json_decref(mamori);
        return NULL;
    }
    return mamori;
}

int mm_eve_set_alert(json_t *ev, const struct mm_eve_alert *a)
{
    json_t *alert = alert_object(a);
    json_t *mamori = alert ? mamori_object(a) : NULL;
    int r = alert && mamori ? 0 : MM_ENOMEM;
    if (r == 0 && a->metadata)
        r = json_object_set_nocheck(alert, "metadata", a->metadata) == 0 ? 0 : MM_ENOMEM;
    if (r == 0 && a->evidence)
        r = json_object_set_nocheck(mamori, "evidence", a->evidence) == 0 ? 0 : MM_ENOMEM;
    if (r == 0)
        r = json_object_set(ev, "alert", alert) == 0 ? 0 : MM_ENOMEM;
    if (r == 0)
        r = json_object_set(ev, "mamori", mamori) == 0 ? 0 : MM_ENOMEM;
    json_decref(alert);
    json_decref(mamori);
    json_decref(a->metadata);
    json_decref(a->evidence);
    return r;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
    return mm_buf_append(data, buffer, size) == 0 ? 0 : -1;
}

int mm_eve_write_line(const json_t *ev, struct mm_buf *out)
{
    if (json_dump_callback(ev, dump_cb, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
        return MM_ENOMEM;
    return mm_buf_putc(out, '\n');
}

static int fail(char *why, size_t whylen, const char *msg)
{
    snprintf(why, whylen, "%s", msg);
    return MM_EPARSE;
}

static int check_port(const json_t *ev, const char *key, char *why, size_t whylen)
{
    const json_t *v = json_object_get(ev, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535) {
        snprintf(why, whylen, "%s must be an integer 0-65535", key);
        return MM_EPARSE;
    }
    return 0;
}

static int check_ip(const json_t *ev, const char *key, char *why, size_t whylen)
{
    const json_t *v = json_object_get(ev, key);
    struct mm_addr a;
    if (!v)
        return 0;
    if (!json_is_string(v) || mm_addr_parse(json_string_value(v), &a) != 0) {
        snprintf(why, whylen, "%s must be an IP address", key);
        return MM_EPARSE;
    }
    return 0;
}

static int check_alert(const json_t *ev, char *why, size_t whylen)
{
    const json_t *alert = json_object_get(ev, "alert");
    if (!json_is_object(alert))
        return fail(why, whylen, "alert event without an \"alert\" object");
    const json_t *sid = json_object_get(alert, "signature_id");
    const json_t *sev = json_object_get(alert, "severity");
    if (!json_is_integer(sid) || json_integer_value(sid) < 0)
        return fail(why, whylen, "alert.signature_id must be a non-negative integer");
    if (!json_is_integer(sev) || json_integer_value(sev) < 1 || json_integer_value(sev) > 4)
        return fail(why, whylen, "alert.severity must be an integer 1-4");
    if (!json_is_string(json_object_get(alert, "signature")))
        return fail(why, whylen, "alert.signature must be a string");
    return 0;
}

static int check_event(const json_t *ev, char *why, size_t whylen)
{
    if (!json_is_object(ev))
        return fail(why, whylen, "an event must be a JSON object");
    const char *ts = json_string_value(json_object_get(ev, "timestamp"));
    int64_t usec;
    if (!ts || mm_time_parse(ts, &usec) != 0)
        return fail(why, whylen,
                    "missing or malformed \"timestamp\" (RFC 3339, of a date and time that exist)");
    const char *type = json_string_value(json_object_get(ev, "event_type"));
    if (!type || !*type || strlen(type) > 32)
        return fail(why, whylen, "missing or malformed \"event_type\"");
    int r = check_port(ev, "src_port", why, whylen);
    if (r == 0)
        r = check_port(ev, "dest_port", why, whylen);
    if (r == 0)
        r = check_ip(ev, "src_ip", why, whylen);
    if (r == 0)
        r = check_ip(ev, "dest_ip", why, whylen);
    if (r == 0 && strcmp(type, "alert") == 0)
        r = check_alert(ev, why, whylen);
    return r;
}

int mm_eve_parse_line(const char *line, size_t len, json_t **out, char *why, size_t whylen)
{
    *out = NULL;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    if (len > MM_EVE_LINE_MAX) {
        snprintf(why, whylen, "line longer than %d bytes", MM_EVE_LINE_MAX);
        return MM_ETOOBIG;
    }
    size_t bad;
    if (!mm_utf8_valid(line, len, &bad)) {
        snprintf(why, whylen, "invalid UTF-8 at byte %zu", bad);
        return MM_EPARSE;
    }
    json_error_t err;
    json_t *ev = json_loadb(line, len, JSON_REJECT_DUPLICATES, &err);
    if (!ev) {
        snprintf(why, whylen, "invalid JSON at column %d: %s", err.column, err.text);
        return MM_EPARSE;
    }
    int r = check_event(ev, why, whylen);
    if (r != 0) {
        json_decref(ev);
        return r;
    }
    *out = ev;
    return 0;
}
