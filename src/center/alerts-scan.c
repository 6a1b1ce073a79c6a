/* SPDX-License-Identifier: Apache-2.0
 * Owns the fast decoding of one EVE line for ingest: the validating
 * scanner (core/jsonscan.h) checks the line and finds the fields ingest
 * needs, so no JSON tree is built for most events. It accepts a line only
 * when mm_eve_parse_line + mm_ingest_event_from_json would accept it and
 * yield the same record; everything else (bad lines, escaped strings,
 * stats events, unusual forms) goes to that full path, which decides and
 * words the rejection. tests/unit/center/test-center-ingest-scan.c checks
 * both paths agree on a corpus. */
#include <pthread.h>
#include <string.h>

#include "center/alerts.h"
#include "core/error.h"
#include "core/eve.h"
#include "core/jsonscan.h"
#include "core/net.h"
#include "core/timefmt.h"

enum {
    F_TIMESTAMP,
    F_EVENT_TYPE,
    F_SEQ,
    F_SRC_IP,
    F_DEST_IP,
    F_SRC_PORT,
    F_DEST_PORT,
    F_SIG_ID,
    F_SEVERITY,
    F_SIGNATURE,
    F_CATEGORY,
    F_DETECTOR,
    F_MSG_JA,
    F_MSG_EN,
    F_SRC_MAC,
    F_ETHER_MAC,
    F_COUNT
};

static const char *const paths[F_COUNT] = {
    "timestamp",
    "event_type",
    "seq",
    "src_ip",
    "dest_ip",
    "src_port",
    "dest_port",
    "alert.signature_id",
    "alert.severity",
    "alert.signature",
    "alert.category",
    "mamori.detector",
    "mamori.message.ja",
    "mamori.message.en",
    "src_mac",
    "ether.src_mac",
};

/* paths, split once for every scan (mm_jscan_paths_init). */
static struct mm_jscan_paths split_paths;
static int split_result;
static pthread_once_t split_once = PTHREAD_ONCE_INIT;

static void split_paths_once(void)
{
    split_result = mm_jscan_paths_init(&split_paths, paths, F_COUNT);
}

static bool is_plain_string(const struct mm_jscan_field *f)
{
    return f->type == MM_JSCAN_STRING && !f->escaped;
}

/* A copy of a string field in the arena; NULL when absent or not a string
 * (json_string_value's NULL); *ok false when it has escapes (the full path
 * must unescape it) or memory ran out. */
static const char *string_of(struct mm_arena *arena, const struct mm_jscan_field *f, bool *ok)
{
    if (f->type != MM_JSCAN_STRING)
        return NULL;
    if (f->escaped) {
        *ok = false;
        return NULL;
    }
    char *s = mm_arena_strndup(arena, f->text, f->len);
    if (!s)
        *ok = false;
    return s;
}

static bool port_ok(const struct mm_jscan_field *f)
{
    return f->type == MM_JSCAN_ABSENT ||
           (f->type == MM_JSCAN_INTEGER && f->integer >= 0 && f->integer <= 65535);
}

static bool ip_ok(const struct mm_jscan_field *f)
{
    struct mm_addr a;
    char buf[64];
    if (f->type == MM_JSCAN_ABSENT)
        return true;
    if (!is_plain_string(f) || f->len >= sizeof buf)
        return false;
    memcpy(buf, f->text, f->len);
    buf[f->len] = '\0';
    return mm_addr_parse(buf, &a) == 0;
}

/* The checks of mm_eve_parse_line's check_event and of the ingest record
 * that every event passes; false sends the line to the full path. */
static bool common_ok(const struct mm_jscan_field *f, int64_t *ts)
{
    char buf[64];
    const struct mm_jscan_field *t = &f[F_TIMESTAMP], *ty = &f[F_EVENT_TYPE];
    if (!is_plain_string(t) || t->len >= sizeof buf)
        return false;
    memcpy(buf, t->text, t->len);
    buf[t->len] = '\0';
    if (mm_time_parse(buf, ts) != 0)
        return false;
    if (!is_plain_string(ty) || ty->len == 0 || ty->len > 32)
        return false;
    if (!port_ok(&f[F_SRC_PORT]) || !port_ok(&f[F_DEST_PORT]))
        return false;
    if (!ip_ok(&f[F_SRC_IP]) || !ip_ok(&f[F_DEST_IP]))
        return false;
    return f[F_SEQ].type == MM_JSCAN_INTEGER && f[F_SEQ].integer >= 0;
}

/* check_alert's rules (the "alert" object was found through its fields). */
static bool alert_ok(const struct mm_jscan_field *f)
{
    return f[F_SIG_ID].type == MM_JSCAN_INTEGER && f[F_SIG_ID].integer >= 0 &&
           f[F_SEVERITY].type == MM_JSCAN_INTEGER && f[F_SEVERITY].integer >= 1 &&
           f[F_SEVERITY].integer <= 4 && f[F_SIGNATURE].type == MM_JSCAN_STRING;
}

/* fill_alert of alerts.c on the scanned fields. The mamori.evidence.mac
 * fallback is not scanned: an alert without src_mac or ether.src_mac that
 * has "evidence" takes the full path (see mm_ingest_event_scan). */
static bool fill_alert(struct mm_arena *arena, const struct mm_jscan_field *f,
                       struct mm_ingest_alert *a)
{
    bool ok = true;
    const char *s;
    a->signature_id = f[F_SIG_ID].integer;
    a->severity = (int)f[F_SEVERITY].integer;
    a->signature = (s = string_of(arena, &f[F_SIGNATURE], &ok)) ? s : "";
    a->category = (s = string_of(arena, &f[F_CATEGORY], &ok)) ? s : "";
    a->detector = (s = string_of(arena, &f[F_DETECTOR], &ok)) ? s : "";
    a->src_ip = (s = string_of(arena, &f[F_SRC_IP], &ok)) ? s : "";
    a->dest_ip = (s = string_of(arena, &f[F_DEST_IP], &ok)) ? s : "";
    a->message_ja = (s = string_of(arena, &f[F_MSG_JA], &ok)) ? s : "";
    a->message_en = (s = string_of(arena, &f[F_MSG_EN], &ok)) ? s : "";
    mm_ingest_alert_default_message(a);
    const char *mac = string_of(arena, &f[F_SRC_MAC], &ok);
    if (!mac)
        mac = string_of(arena, &f[F_ETHER_MAC], &ok);
    a->device = mac && *mac ? mac : a->src_ip;
    return ok;
}

/* True when the line may carry mamori.evidence (the last device fallback),
 * which the scan does not follow. */
static bool may_have_evidence(const char *line, size_t len)
{
    static const char key[] = "\"evidence\"";
    for (const char *p = line; (size_t)(line + len - p) >= sizeof key - 1; p++) {
        p = memchr(p, '"', (size_t)(line + len - p));
        if (!p || (size_t)(line + len - p) < sizeof key - 1)
            return false;
        if (memcmp(p, key, sizeof key - 1) == 0)
            return true;
    }
    return false;
}

int mm_ingest_event_scan(const char *line, size_t len, struct mm_arena *arena,
                         struct mm_ingest_event *out)
{
    struct mm_jscan_field f[F_COUNT];
    int64_t ts;
    memset(out, 0, sizeof *out);
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    /* No separate UTF-8 pass: the scanner's check is at least as strict as
     * mm_utf8_valid (and bytes past 0x7F outside strings are refused). */
    if (len > MM_EVE_LINE_MAX)
        return MM_EAGAIN;
    pthread_once(&split_once, split_paths_once);
    if (split_result != 0 || mm_jscan_object_paths(line, len, &split_paths, f) != 0 ||
        !common_ok(f, &ts))
        return MM_EAGAIN;
    const struct mm_jscan_field *ty = &f[F_EVENT_TYPE];
    bool is_alert = ty->len == 5 && memcmp(ty->text, "alert", 5) == 0;
    if (ty->len == 5 && memcmp(ty->text, "stats", 5) == 0)
        return MM_EAGAIN;
    if (is_alert && !alert_ok(f))
        return MM_EAGAIN;
    bool ok = true;
    out->seq = f[F_SEQ].integer;
    out->ts = ts;
    out->event_type = string_of(arena, ty, &ok);
    out->body = line;
    out->body_len = len;
    out->is_alert = is_alert;
    out->stats_backlog = out->stats_drops = -1;
    if (is_alert) {
        bool no_mac =
            f[F_SRC_MAC].type != MM_JSCAN_STRING && f[F_ETHER_MAC].type != MM_JSCAN_STRING;
        if (no_mac && may_have_evidence(line, len))
            return MM_EAGAIN;
        ok = ok && fill_alert(arena, f, &out->alert);
    }
    return ok && out->event_type ? 0 : MM_EAGAIN;
}
