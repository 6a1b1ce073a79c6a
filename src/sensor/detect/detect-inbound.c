/* SPDX-License-Identifier: Apache-2.0
 * Detector "inbound-service" (signature ids 9100601-9100602): a host outside
 * the home network reached RDP (1, TCP 3389) or SMB (2, TCP 445 / 139) on a
 * home host and the home host answered (SYN-ACK): the service is exposed to
 * the internet, not merely probed. Suppression: one alert per (home host,
 * variant) per [detect.inbound-service] suppress_seconds (default 3600). */
#include <stdlib.h>

#include "core/error.h"
#include "sensor/detect/detect-util.h"
#include "sensor/flow.h"
#include "sensor/sensor.h"

#define NAME "inbound-service"

static const struct mm__setting settings[] = {{"suppress_seconds", 0, 7 * 86400, NULL},
                                              {NULL, 0, 0, NULL}};

static int inbound_init(struct mm_sensor *s, void **state)
{
    return mm__detect_basic_init(s, NAME, settings, 8192, 3600, 7 * 86400, state);
}

/* A SYN-ACK: from an RDP or SMB port of a home host to the outside? Out
 * of line, so that the many other packets inbound_packet turns away cost
 * no stack frame. */
static __attribute__((noinline)) void check_answer(struct mm__detect_basic *st, struct mm_sensor *s,
                                                   const struct mm_packet *p)
{
    unsigned variant = 0;
    if (p->sport == 3389)
        variant = 1;
    else if (p->sport == 445 || p->sport == 139)
        variant = 2;
    /* the answer comes from the home server and goes to the outside client */
    if (!variant || !mm_sensor_is_home(s, &p->src) || mm_sensor_is_home(s, &p->dst))
        return;
    if (p->flow) {
        if (p->flow->detector_flags & MM__DF_INBOUND_SEEN)
            return;
        p->flow->detector_flags |= MM__DF_INBOUND_SEEN;
    }
    if (!mm__suppress_allow(st->sup, mm__keyed_addr(&p->src, variant), mm__detect_now(s),
                            st->window))
        return;
    const struct mm__alert_at at = {.pkt = p};
    /* in the texts {src} is the outside client and {dst} the home server */
    json_t *vars = json_pack("{s:o, s:o, s:i}", "src", mm__json_addr(&p->dst), "dst",
                             mm__json_addr(&p->src), "port", p->sport);
    json_t *evidence = json_pack("{s:o, s:o, s:i}", "client", mm__json_addr(&p->dst), "server",
                                 mm__json_addr(&p->src), "port", p->sport);
    mm__detect_raise(s, NAME, variant, &at, vars, evidence, NULL);
}

static void inbound_packet(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    if (p->ip_version && p->ip_proto == 6 && (p->tcp_flags & 0x12) == 0x12)
        check_answer(state, s, p);
}

const struct mm_detector mm_detector_inbound_service = {
    .name = NAME,
    .settings = settings,
    .init = inbound_init,
    .on_packet = inbound_packet,
    .packets = MM_PKT_TCP_SYNACK,
    .free = mm__detect_basic_free,
};
