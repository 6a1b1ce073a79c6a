/* SPDX-License-Identifier: Apache-2.0
 * Detector "outbound-service" (signature ids 9100501-9100504): a home host
 * opening a connection to a host outside the home network with a protocol
 * that belongs inside it:
 *   1 SMB (TCP 445, 139)   2 RDP (TCP 3389)   3 Telnet (TCP 23, 2323)
 *   4 NetBIOS (UDP 137, 138)
 * TCP counts on the home host's first segment with payload, which only a
 * connection the outside host accepted carries: real use of the service
 * always sends some (SMB's negotiation, RDP's connection request, Telnet's
 * option answers), a SYN scan (nmap) or a blocked attempt never does, and
 * a worm trying many addresses is the scan detector's host sweep. UDP
 * counts on any datagram. Suppression: one alert per (home host, variant)
 * per [detect.outbound-service] suppress_seconds (default 3600), so a worm
 * reaching thousands of addresses yields one alert. */
#include <stdlib.h>

#include "core/error.h"
#include "sensor/detect/detect-util.h"
#include "sensor/flow.h"
#include "sensor/sensor.h"

#define NAME "outbound-service"

static const struct mm__setting settings[] = {{"suppress_seconds", 0, 7 * 86400, NULL},
                                              {NULL, 0, 0, NULL}};

static int outbound_init(struct mm_sensor *s, void **state)
{
    return mm__detect_basic_init(s, NAME, settings, 8192, 3600, 7 * 86400, state);
}

static unsigned variant_of(const struct mm_packet *p)
{
    if (p->ip_proto == 6 && p->payload_len) {
        switch (p->dport) {
        case 445:
        case 139:
            return 1;
        case 3389:
            return 2;
        case 23:
        case 2323:
            return 3;
        default:
            return 0;
        }
    }
    if (p->ip_proto == 17 && (p->dport == 137 || p->dport == 138))
        return 4;
    return 0;
}

/* A packet of one of the variants: from home to the outside? Out of
 * line, so that the many other packets outbound_packet turns away cost no
 * stack frame. */
static __attribute__((noinline)) void check_service(struct mm__detect_basic *st,
                                                    struct mm_sensor *s, const struct mm_packet *p,
                                                    unsigned variant)
{
    /* a flow is judged on its first data to a service port, whoever sends
     * it: an office file copy (SMB between two home hosts) or an outside
     * host sending to an office port sends many segments, and each would
     * otherwise pay for the home checks */
    if (p->flow) {
        if (p->flow->detector_flags & MM__DF_OUTBOUND_SEEN)
            return;
        p->flow->detector_flags |= MM__DF_OUTBOUND_SEEN;
    }
    if (!mm_sensor_is_home(s, &p->src) || mm_sensor_is_home(s, &p->dst))
        return;
    /* multicast and broadcast never leave the site */
    if ((p->dst.family == 4 && (p->dst.bytes[0] >= 224 || p->dst.bytes[3] == 255)) ||
        (p->dst.family == 6 && p->dst.bytes[0] == 0xff))
        return;
    if (!mm__suppress_allow(st->sup, mm__keyed_addr(&p->src, variant), mm__detect_now(s),
                            st->window))
        return;
    const struct mm__alert_at at = {.pkt = p};
    json_t *vars = json_pack("{s:o, s:o, s:i}", "src", mm__json_addr(&p->src), "dst",
                             mm__json_addr(&p->dst), "port", p->dport);
    json_t *evidence = json_pack("{s:o, s:o, s:i, s:s}", "src_ip", mm__json_addr(&p->src),
                                 "dest_ip", mm__json_addr(&p->dst), "dest_port", p->dport, "proto",
                                 p->ip_proto == 6 ? "TCP" : "UDP");
    mm__detect_raise(s, NAME, variant, &at, vars, evidence, NULL);
}

static void outbound_packet(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    unsigned variant;
    if (p->ip_version && (variant = variant_of(p)) != 0)
        check_service(state, s, p, variant);
}

const struct mm_detector mm_detector_outbound_service = {
    .name = NAME,
    .settings = settings,
    .init = outbound_init,
    .on_packet = outbound_packet,
    .packets = MM_PKT_TCP_DATA | MM_PKT_UDP,
    .free = mm__detect_basic_free,
};
