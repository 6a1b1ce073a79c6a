/* SPDX-License-Identifier: Apache-2.0
 * The per-packet pipeline: decode, anomaly events (rate-limited), the flow
 * clock and its housekeeping (expiry, detector ticks, stats, inventory
 * saves), flow lookup, application decoders (probe on the first payload,
 * UDP datagrams, reassembled TCP streams), then the device inventory and
 * the detectors; IP fragments detour through defrag.c and only the
 * reassembled datagram takes the flow and application steps. Also the
 * flow-end handler that writes EVE flow records. */
#include <string.h>

#include "core/error.h"
#include "core/timefmt.h"
#include "sensor/decode/decode.h"
#include "sensor/defrag.h"
#include "sensor/device.h"
#include "sensor/sensor-int.h"

#define USEC               1000000LL
#define DEVICES_SAVE_EVERY 300 /* capture seconds */
#define PARSE_ROUNDS_MAX   64  /* parse() calls per segment, bounded */
#define UDP_ANOMALIES_MAX  8   /* malformed-datagram anomalies per UDP flow */

/* ---- anomalies ----------------------------------------------------------- */

static json_t *anomaly_event(const struct mm_packet *p, struct mm_flow *f, const char *type,
                             const char *event, const char *layer)
{
    struct mm_eve_header h;
    mm__eve_header_packet(&h, "anomaly", p, f);
    json_t *ev = mm__eve_new(&h);
    if (ev && json_object_set_new(ev, "anomaly",
                                  json_pack("{s:s, s:s, s:s}", "type", type, "event", event,
                                            "layer", layer)) != 0) {
        json_decref(ev);
        ev = NULL;
    }
    return ev;
}

/* At most anomaly_rate anomaly events per capture second; the rest are
 * only counted (stats: events.anomaly_suppressed). */
static bool anomaly_allowed(struct mm_sensor *s)
{
    int64_t sec = s->now.tv_sec;
    if (sec != s->anom_sec) {
        s->anom_sec = sec;
        s->anom_count = 0;
    }
    if (s->anom_count >= s->opt->anomaly_rate) {
        s->st.anomalies_suppressed++;
        return false;
    }
    s->anom_count++;
    return true;
}

static void raise_anomaly(struct mm_sensor *s, const struct mm_packet *p, struct mm_flow *f,
                          const char *type, const char *event, const char *layer)
{
    s->st.anomalies++;
    if (anomaly_allowed(s))
        mm_sensor_emit(s, anomaly_event(p, f, type, event, layer));
}

/* ---- application layer --------------------------------------------------- */

static void app_emit(struct mm_app_ctx *ctx, json_t *ev)
{
    mm_sensor_emit(ctx->sensor, ev);
}

static void app_ctx_init(struct mm_app_ctx *ctx, struct mm_sensor *s, const struct mm_packet *p,
                         struct mm_flow *f)
{
    ctx->sensor = s;
    ctx->pkt = p;
    ctx->flow = f;
    ctx->state = &f->app_state;
    ctx->dir = p->dir;
    ctx->emit = app_emit;
    ctx->emit_arg = s;
}

static void app_probe(const struct mm_packet *p, struct mm_flow *f)
{
    f->app_probed = true;
    for (size_t i = 0; i < mm_app_decoder_count; i++) {
        const struct mm_app_decoder *d = mm_app_decoders[i];
        if (d->transport == p->ip_proto && d->probe && d->probe(p, p->payload, p->payload_len)) {
            f->app = d;
            return;
        }
    }
}

static void app_malformed_anomaly(struct mm_sensor *s, const struct mm_packet *p, struct mm_flow *f)
{
    char event[64];
    s->st.app_errors++;
    snprintf(event, sizeof(event), "%s.malformed", f->app->name);
    /* event must outlive the call: mm_eve_new copies strings (json_pack s). */
    raise_anomaly(s, p, f, "applayer", event, f->app->name);
}

/* A TCP stream the decoder cannot follow: it stops for this flow. */
static void app_failed(struct mm_sensor *s, const struct mm_packet *p, struct mm_flow *f)
{
    f->app_failed = true;
    app_malformed_anomaly(s, p, f);
    mm_stream_release(s->flows, f, 0);
    mm_stream_release(s->flows, f, 1);
}

/* A malformed UDP datagram: each datagram stands alone, so decoding goes on
 * with the next one (one crafted packet must not blind the sensor to DHCP,
 * mDNS or NetBIOS on a long-lived flow); anomalies are capped per flow. */
static void app_bad_datagram(struct mm_sensor *s, const struct mm_packet *p, struct mm_flow *f)
{
    if (f->app_anomalies >= UDP_ANOMALIES_MAX) {
        s->st.app_errors++;
        return;
    }
    f->app_anomalies++;
    app_malformed_anomaly(s, p, f);
}

/* Hands the in-order bytes of direction dir to the decoder until it needs
 * more data, stops, or fails. */
static void app_feed_stream(struct mm_sensor *s, const struct mm_packet *p, struct mm_flow *f)
{
    struct mm_flow_dir *d = &f->dir[p->dir];
    struct mm_app_ctx ctx;
    app_ctx_init(&ctx, s, p, f);
    for (int round = 0; round < PARSE_ROUNDS_MAX && d->buf_len > 0 && !d->gap; round++) {
        long r = f->app->parse(&ctx, d->buf, d->buf_len);
        if (r < 0) {
            app_failed(s, p, f);
            return;
        }
        if (r == 0)
            return;
        mm_stream_consume(s->flows, f, p->dir, (uint32_t)(r > d->buf_len ? d->buf_len : r));
    }
}

static void app_packet(struct mm_sensor *s, const struct mm_packet *p, struct mm_flow *f)
{
    if (p->ip_proto != 6 && p->ip_proto != 17)
        return;
    if (!f->app_probed && p->payload_len > 0)
        app_probe(p, f);
    bool active = f->app && !f->app_failed && f->app->parse;
    if (p->ip_proto == 6) {
        mm_stream_packet_view(s->flows, f, p, active);
        if (active && f->dir[p->dir].buf_len > 0)
            app_feed_stream(s, p, f);
        mm_stream_keep(s->flows, f, p->dir); /* before p's bytes go away */
        return;
    }
    if (active && p->payload_len > 0) {
        struct mm_app_ctx ctx;
        app_ctx_init(&ctx, s, p, f);
        if (f->app->parse(&ctx, p->payload, p->payload_len) < 0)
            app_bad_datagram(s, p, f);
    }
}

/* ---- flow records -------------------------------------------------------- */

static void flags_hex(uint8_t flags, char out[3])
{
    static const char hex[] = "0123456789abcdef";
    out[0] = hex[flags >> 4];
    out[1] = hex[flags & 15];
    out[2] = '\0';
}

/* Key/value setters for the hot flow record: keys are literals and the
 * string values are ASCII we produced, so jansson's checks are skipped. */
static int put_int(json_t *o, const char *k, uint64_t v)
{
    json_t *j = json_integer((json_int_t)(v & INT64_MAX));
    return j ? json_object_set_new_nocheck(o, k, j) : -1;
}

static int put_str(json_t *o, const char *k, const char *v)
{
    json_t *j = json_string_nocheck(v);
    return j ? json_object_set_new_nocheck(o, k, j) : -1;
}

static json_t *tcp_object(const struct mm_flow *f)
{
    const struct mm__tcp_flag_name *names = mm__tcp_flag_names;
    const char *const *states = mm__tcp_state_names;
    char all[3], ts[3], tc[3];
    uint8_t fl = f->dir[0].tcp_flags | f->dir[1].tcp_flags;
    flags_hex(fl, all);
    flags_hex(f->dir[0].tcp_flags, ts);
    flags_hex(f->dir[1].tcp_flags, tc);
    json_t *o = json_object();
    if (!o)
        return NULL;
    int r = put_str(o, "tcp_flags", all) | put_str(o, "tcp_flags_ts", ts) |
            put_str(o, "tcp_flags_tc", tc);
    for (size_t i = 0; i < 8; i++)
        if (fl & names[i].bit)
            r |= json_object_set_new_nocheck(o, names[i].name, json_true());
    r |= put_str(o, "state", states[f->tcp_state % 5]);
    if (r != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *flow_object(const struct mm_flow *f, const char *reason)
{
    char start[MM_TIMESTAMP_MAX], end[MM_TIMESTAMP_MAX];
    mm__time_format(&f->start, start);
    mm__time_format(&f->last, end);
    json_t *o = json_object();
    if (!o)
        return NULL;
    int r = put_int(o, "pkts_toserver", f->dir[0].pkts) |
            put_int(o, "pkts_toclient", f->dir[1].pkts) |
            put_int(o, "bytes_toserver", f->dir[0].bytes) |
            put_int(o, "bytes_toclient", f->dir[1].bytes) | put_str(o, "start", start) |
            put_str(o, "end", end) | put_int(o, "age", mm_flow_age_seconds(f)) |
            put_str(o, "state", mm_flow_state_name(f)) | put_str(o, "reason", reason) |
            json_object_set_new_nocheck(o, "alerted", json_boolean(f->alerted));
    if (r != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *mm__flow_event(struct mm_flow *f, const char *reason)
{
    struct mm_eve_header h = {.ts = f->last,
                              .event_type = "flow",
                              .flow_id = f->id,
                              .src = &f->src,
                              .dst = &f->dst,
                              .src_port = f->sport,
                              .dest_port = f->dport,
                              .proto = mm_flow_proto_name(f->proto),
                              .community_id = mm_flow_community_id(f),
                              .app_proto = f->app ? f->app->name : NULL};
    mm__eve_header_vlan(&h, f->vlan, f->vlan_count);
    json_t *ev = mm__eve_new(&h);
    if (!ev)
        return NULL;
    json_t *fo = flow_object(f, reason);
    if (!fo || json_object_set_new_nocheck(ev, "flow", fo) != 0) {
        json_decref(ev);
        return NULL;
    }
    if (f->proto == 6) {
        json_t *to = tcp_object(f);
        if (!to || json_object_set_new_nocheck(ev, "tcp", to) != 0) {
            json_decref(ev);
            return NULL;
        }
    }
    return ev;
}

/* The longest flow record written directly (a longer one, e.g. with many
 * VLAN tags or a long reason, goes through the JSON path). */
#define FLOW_LINE_MAX 2048

/* The flow record written by eve-flow.c straight into the EVE writer's
 * batch (no copy); in a buffer of its own only when the writer has no room
 * to lend. False when the record is too long for this path. */
static bool flow_line_direct(struct mm_sensor *s, struct mm_flow *f, const char *reason)
{
    char *room = mm_eve_out_reserve(s->eve, FLOW_LINE_MAX);
    char line[FLOW_LINE_MAX];
    size_t n = mm__flow_line(f, reason, room ? room : line, FLOW_LINE_MAX);
    if (n == 0) {
        if (room)
            mm_eve_out_commit(s->eve, 0);
        return false;
    }
    s->st.events++;
    int r = room ? mm_eve_out_commit(s->eve, n) : mm_eve_out_write_line(s->eve, line, n);
    if (r != 0)
        s->st.eve_errors++;
    return true;
}

struct flow_line {
    struct mm_flow *f;
    const char *reason;
};

/* A spooled flow record's line, piece by piece for the spool's tap (a
 * line formed in a reservation would end the tap unused). */
static int write_spooled_flow(struct mm_eve_out *o, const void *arg)
{
    const struct flow_line *l = arg;
    char line[FLOW_LINE_MAX];
    size_t n = mm__flow_line(l->f, l->reason, line, sizeof line);
    if (n < 2)
        return MM_EINVAL; /* not formed: the tap stays unused */
    mm_eve_out_line_begin(o);
    mm_eve_out_raw(o, line, n - 1); /* without its '\n' */
    return mm_eve_out_line_end(o);
}

/* A spooled flow record without its JSON object: its line goes to the
 * spool (with its seq) and, when the EVE output takes flows, there too. */
static bool flow_spooled_direct(struct mm_sensor *s, struct mm_flow *f, const char *reason)
{
    struct flow_line l = {f, reason};
    if (!mm__sensor_write_spooled(s, s->eve_flow, write_spooled_flow, &l))
        return false;
    s->st.events++;
    return true;
}

/* The flow record's line straight to the EVE writer (or the spool's tap)
 * when that keeps emission order; false when it must go the JSON way. */
static bool flow_end_direct(struct mm_sensor *s, struct mm_flow *f, const char *reason)
{
    /* The direct line keeps emission order only when nothing is queued. */
    if (!s->eve || s->draining || s->qlen != 0)
        return false;
    if (s->flow_direct) {
        if (s->eve_flow)
            return flow_line_direct(s, f, reason);
        s->st.events++; /* [output] event_types leaves flow records out */
        return true;
    }
    return s->flow_spool_direct && flow_spooled_direct(s, f, reason);
}

void mm__pipeline_flow_end(void *arg, struct mm_flow *f, const char *reason)
{
    struct mm_sensor *s = arg;
    s->st.flows_logged++;
    if (!flow_end_direct(s, f, reason))
        mm_sensor_emit(s, mm__flow_event(f, reason));
    mm__detect_flow_end(s, f);
    if (f->app && f->app->state_free && f->app_state)
        f->app->state_free(f->app_state);
    f->app_state = NULL;
}

/* ---- housekeeping -------------------------------------------------------- */

/* Runs once per new second of the flow clock: expiry, detector ticks,
 * periodic stats and inventory saves. A jump of many seconds runs once. */
static void housekeeping(struct mm_sensor *s, int64_t clock)
{
    struct timeval now = mm_time_from_usec(clock); /* floor: a pre-1970 clock too */
    int64_t sec = (int64_t)now.tv_sec;
    if (sec == s->tick_sec)
        return;
    s->tick_sec = sec;
    if (s->first_sec < 0)
        s->first_sec = sec;
    mm_flow_expire(s->flows);
    if (s->defrag)
        mm_defrag_expire(s->defrag, clock);
    mm__detect_tick(s, &now);
    if (s->opt->stats_interval > 0) {
        if (s->stats_due < 0)
            s->stats_due = sec + s->opt->stats_interval;
        else if (sec >= s->stats_due) {
            mm__stats_write(s, &now);
            mm__sensor_flush(s);
            s->stats_due = sec + s->opt->stats_interval;
        }
    }
    if (s->devices_save_due < 0)
        s->devices_save_due = sec + DEVICES_SAVE_EVERY;
    else if (sec >= s->devices_save_due) {
        mm__devices_save(s);
        s->devices_save_due = sec + DEVICES_SAVE_EVERY;
    }
}

/* Capture times between the years 0 and 9999: a crafted pcapng (time
 * units of a second, 64 bits) can give any second and libpcap passes
 * microseconds on unchecked; clamped here, every later microsecond count
 * (seconds times 1,000,000) stays far inside int64_t and every time stamp
 * prints as a date. */
#define TIME_MIN_SEC (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define TIME_MAX_SEC 253402300799LL   /* 9999-12-31T23:59:59Z */

static struct timeval sane_time(const struct timeval *ts)
{
    int64_t sec = (int64_t)ts->tv_sec, usec = (int64_t)ts->tv_usec;
    if (usec < 0 || usec >= USEC) { /* carried into the seconds, as mm_time_format does */
        struct timeval carried = mm_time_from_usec(usec);
        usec = (int64_t)carried.tv_usec;
        if (sec >= TIME_MIN_SEC && sec <= TIME_MAX_SEC) /* else clamped below anyway */
            sec += (int64_t)carried.tv_sec;
    }
    if (sec < TIME_MIN_SEC) {
        sec = TIME_MIN_SEC;
        usec = 0;
    } else if (sec > TIME_MAX_SEC) {
        sec = TIME_MAX_SEC;
        usec = USEC - 1;
    }
    return (struct timeval){.tv_sec = (time_t)sec, .tv_usec = (suseconds_t)usec};
}

/* sane_time's result without its call for the usual packet, whose time
 * needs no carry and no clamp. */
static inline struct timeval packet_time(const struct timeval *ts)
{
    if (ts->tv_usec >= 0 && ts->tv_usec < USEC && ts->tv_sec >= TIME_MIN_SEC &&
        ts->tv_sec <= TIME_MAX_SEC)
        return *ts;
    return sane_time(ts);
}

void mm__pipeline_idle(struct mm_sensor *s, const struct timeval *given)
{
    struct timeval t = sane_time(given);
    const struct timeval *ts = &t;
    s->now = *ts;
    housekeeping(s, mm_flow_clock_update(s->flows, ts));
    if (s->devices) /* no packet runs the inventory's sweep for silent devices */
        mm_devices_tick(s->devices);
    mm__sensor_spool_tick(s);
}

/* ---- the packet path ----------------------------------------------------- */

static void count_packet(struct mm_sensor *s, const struct mm_packet *p)
{
    struct mm_sensor_stats *st = &s->st;
    st->ethernet += p->has_eth;
    st->vlan += p->vlan_count > 0;
    st->pppoe += p->pppoe;
    st->arp += p->is_arp;
    if (p->ip_version == 4)
        st->ipv4++;
    else if (p->ip_version == 6)
        st->ipv6++;
    if (p->fragment) {
        st->fragments++;
        st->later_fragments += !p->first_fragment;
    }
    if (!p->ip_version || (p->fragment && !p->first_fragment))
        return;
    switch (p->ip_proto) {
    case 6:
        st->tcp++;
        break;
    case 17:
        st->udp++;
        break;
    case 1:
        st->icmpv4++;
        break;
    case 58:
        st->icmpv6++;
        break;
    default:
        st->other_ip++;
    }
}

/* A decoded packet meets its flow, the application decoders, the device
 * inventory and the detectors. */
static void packet_state(struct mm_sensor *s, struct mm_packet *p)
{
    /* the addresses are final here (decoded, or rebuilt by defrag.c), so
     * the home-net answers can be noted for the callers below; the memo
     * lives only for this call */
    struct mm_home_memo home = {0, 0};
    p->home = &home;
    struct mm_flow *f = mm_flow_packet(s->flows, p);
    s->cur_flow = f;
    if (p->anomaly != MM_ANOM_NONE) /* a non-fatal one, e.g. a bad TCP option */
        raise_anomaly(s, p, f, "decode", p->anomaly_event, p->anomaly_layer);
    if (f)
        app_packet(s, p, f);
    if (p->ip_version || p->is_arp) {
        mm__devices_packet(s, p);
        mm__detect_packet(s, p);
    }
    s->cur_flow = NULL;
    p->home = NULL;
}

/* A fragment goes to defrag.c; when it completes its datagram, the rebuilt
 * packet (pcap_cnt and time of this fragment) takes the normal path, once.
 * Fragments themselves create no flow and reach neither the application
 * decoders nor the detectors, so the datagram is judged once, with its flow
 * and ports; the device inventory still learns from each (addresses, MACs).
 * A datagram defrag.c gives up instead (timeout, limits, overlap, invalid)
 * shows its first fragment to the detectors: mm__pipeline_defrag_give_up. */
static void defrag_packet(struct mm_sensor *s, const struct mm_packet *frag, int64_t clock)
{
    mm__devices_packet(s, frag);
    struct mm_defrag_result res;
    struct mm_packet p;
    int done = mm_defrag_packet(s->defrag, frag, clock, &res, &p);
    for (size_t i = 0; i < res.nanomaly; i++)
        raise_anomaly(s, frag, NULL, "decode", res.anomaly[i], res.layer[i]);
    if (done == 1)
        packet_state(s, &p);
}

/* defrag.c's give-up handler: the first fragment of a datagram that will
 * never be reassembled reaches the per-packet detectors, flowless, once, so
 * fragments that never complete (or that the table had to drop) cannot
 * hide an address from the intel and traffic detectors. */
void mm__pipeline_defrag_give_up(void *arg, const struct mm_packet *first)
{
    mm__detect_packet(arg, first);
}

/* memset(p, 0, ...) in 16-byte stores: GCC made it a `rep stos`, whose
 * start-up cost (tens of cycles) perf put at ~1.5 % of the whole run. */
typedef uint64_t zero16 __attribute__((vector_size(16), may_alias, aligned(1)));

static void packet_clear(struct mm_packet *p)
{
    char *b = (char *)p;
#pragma GCC unroll 32
    for (size_t off = 0; off + 16 <= sizeof(*p); off += 16)
        *(zero16 *)(void *)(b + off) = (zero16){0, 0};
    if (sizeof(*p) % 16)
        *(zero16 *)(void *)(b + sizeof(*p) - 16) = (zero16){0, 0};
}

void mm__pipeline_packet(struct mm_sensor *s, const struct timeval *given, const uint8_t *data,
                         uint32_t caplen, uint32_t len, int linktype)
{
    struct timeval t = packet_time(given);
    const struct timeval *ts = &t;
    struct mm_packet p;
    packet_clear(&p);
    p.data = data;
    p.caplen = caplen;
    p.len = len < caplen ? caplen : len;
    p.ts = *ts;
    p.linktype = linktype;
    p.num = ++s->st.pkts;
    s->st.bytes += p.len;
    s->now = *ts;
    p.defrag = s->defrag != NULL;

    int r = mm_decode_packet(&p);
    if (r == 0 && !(p.fragment && p.defrag))
        mm_flow_prefetch(s->flows, &p); /* loads while the clock and counters move */
    int64_t clock = mm_flow_clock_update(s->flows, ts);
    housekeeping(s, clock);
    if (r == MM_EUNSUPPORTED) {
        s->st.unsupported_link++;
        return;
    }
    count_packet(s, &p);
    if (r != 0) {
        s->st.invalid++;
        raise_anomaly(s, &p, NULL, "decode", p.anomaly_event ? p.anomaly_event : "invalid",
                      p.anomaly_layer ? p.anomaly_layer : "decoder");
        return;
    }
    if (p.fragment && p.defrag) /* held for reassembly */
        defrag_packet(s, &p, clock);
    else
        packet_state(s, &p);
    if (s->spool_sync_due)
        mm__sensor_spool_tick(s);
}
