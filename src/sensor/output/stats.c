/* SPDX-License-Identifier: Apache-2.0
 * The "stats" EVE record, in Suricata's shape where a counter exists there
 * (capture.kernel_packets/kernel_drops, decoder.pkts/bytes/ipv4/...,
 * flow.*, tcp.*) plus mamori's defrag, event, intel, spool and device counters. Written
 * every --stats seconds (capture time offline, wall time live) and at exit;
 * it goes straight to the EVE output, not through detectors or the spool. */
#include "sensor/intel/intel.h"
#include "sensor/sensor-int.h"

#define I(v) ((json_int_t)(v))

/* IP fragment reassembly (defrag.h); all zero when it is switched off. */
static json_t *defrag_json(const struct mm_defrag *d)
{
    struct mm_defrag_stats ds = {0};
    size_t memuse = 0, pending = 0;
    if (d) {
        ds = *mm_defrag_stats(d);
        memuse = mm_defrag_memuse(d);
        pending = mm_defrag_pending(d);
    }
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "reassembled",
                     I(ds.reassembled), "timeouts", I(ds.timeouts), "overlaps", I(ds.overlaps),
                     "too_large", I(ds.too_large), "max_frags", I(ds.max_frags), "evicted",
                     I(ds.evicted), "memcap_drops", I(ds.memcap_drops), "invalid", I(ds.invalid),
                     "pending", I(pending), "memuse", I(memuse));
}

/* The device inventory: devices kept, and how often [devices] max kept
 * one out (device.h, mm_devices_counts). */
static json_t *devices_json(const struct mm_devices *d)
{
    size_t known;
    uint64_t max_drops;
    mm_devices_counts(d, &known, &max_drops);
    return json_pack("{s:I, s:I}", "known", I(known), "max_drops", I(max_drops));
}

json_t *mm__stats_json(const struct mm_sensor *s, const struct timeval *ts)
{
    const struct mm_sensor_stats *st = &s->st;
    struct mm_flow_stats fs = {0};
    size_t active = 0, memuse = 0;
    if (s->flows) {
        fs = *mm_flow_stats(s->flows);
        active = mm_flow_count(s->flows);
        memuse = mm_stream_memuse(s->flows);
    }
    int64_t uptime = s->first_sec >= 0 ? (int64_t)ts->tv_sec - s->first_sec : 0;
    json_t *stats =
        json_pack("{s:I,"
                  " s:{s:I, s:I, s:I},"
                  " s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
                  " s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
                  " s:{s:I, s:I, s:I, s:I, s:I},"
                  " s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I},"
                  " s:{s:I, s:I}}",
                  "uptime", I(uptime < 0 ? 0 : uptime),
                  /* capture */
                  "capture", "kernel_packets", I(st->kernel_packets), "kernel_drops",
                  I(st->kernel_drops), "kernel_ifdrops", I(st->kernel_ifdrops),
                  /* decoder */
                  "decoder", "pkts", I(st->pkts), "bytes", I(st->bytes), "invalid", I(st->invalid),
                  "ethernet", I(st->ethernet), "vlan", I(st->vlan), "arp", I(st->arp), "ipv4",
                  I(st->ipv4), "ipv6", I(st->ipv6), "tcp", I(st->tcp), "udp", I(st->udp), "icmpv4",
                  I(st->icmpv4), "icmpv6", I(st->icmpv6), "other_ip", I(st->other_ip), "fragments",
                  I(st->fragments), "unsupported_link", I(st->unsupported_link),
                  /* flow */
                  "flow", "total", I(fs.created), "active", I(active), "tcp", I(fs.tcp), "udp",
                  I(fs.udp), "icmp", I(fs.icmp), "timeout", I(fs.timeout), "evicted", I(fs.evicted),
                  "active_timeout", I(fs.active_timeout), "logged", I(st->flows_logged),
                  /* tcp */
                  "tcp", "reassembly_gap", I(fs.stream_gaps), "reassembly_memuse", I(memuse),
                  "memcap_hits", I(fs.stream_memcap_hits), "ooo_segments",
                  I(fs.stream_ooo_segments), "retransmits", I(fs.stream_retransmits),
                  /* events */
                  "events", "total", I(st->events), "alert", I(st->alerts), "intel_hits",
                  I(st->intel_hits), "anomaly", I(st->anomalies), "anomaly_suppressed",
                  I(st->anomalies_suppressed), "app_errors", I(st->app_errors), "spooled",
                  I(st->spooled), "spool_errors", I(st->spool_errors), "spool_dropped",
                  I(mm_spool_dropped(s->spool)), "eve_errors", I(st->eve_errors),
                  /* intel */
                  "intel", "indicators", I(st->intel_indicators), "reloads", I(st->intel_reloads));
    if (!stats ||
        json_object_set_new(json_object_get(stats, "decoder"), "pppoe",
                            json_integer(I(st->pppoe))) != 0 ||
        json_object_set_new(stats, "defrag", defrag_json(s->defrag)) != 0 ||
        json_object_set_new(stats, "devices", devices_json(s->devices)) != 0) {
        json_decref(stats);
        return NULL;
    }
    struct mm_eve_header h = {.ts = *ts, .event_type = "stats"};
    json_t *ev = mm__eve_new(&h);
    if (!ev || json_object_set_new(ev, "stats", stats) != 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

void mm__stats_write(struct mm_sensor *s, const struct timeval *ts)
{
    json_t *ev = mm__stats_json(s, ts);
    if (ev && s->eve && mm__eve_wants(s, "stats") && mm_eve_out_write(s->eve, ev) != 0)
        s->st.eve_errors++;
    json_decref(ev);
}
