/* SPDX-License-Identifier: Apache-2.0
 * Small helpers shared by the packet decoders: big-endian reads (callers
 * check the length first) and raising an anomaly on the packet. */
#ifndef MM_SENSOR_DECODE_UTIL_H
#define MM_SENSOR_DECODE_UTIL_H

#include <stdint.h>

#include "core/error.h"
#include "sensor/packet.h"

static inline uint16_t mm__be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t mm__be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Records the first anomaly of the packet (later ones are ignored) and
 * returns the matching error: MM_ETRUNC for MM_ANOM_TRUNCATED, MM_EPARSE
 * otherwise. event is a static Suricata-style name ("ipv4.trunc_pkt"). */
static inline int mm__anomaly(struct mm_packet *p, const char *layer, enum mm_anomaly a,
                              const char *event)
{
    if (p->anomaly == MM_ANOM_NONE) {
        p->anomaly = a;
        p->anomaly_layer = layer;
        p->anomaly_event = event;
    }
    return a == MM_ANOM_TRUNCATED ? MM_ETRUNC : MM_EPARSE;
}

/* True when the capture cut the packet short (snap length), so a length
 * field larger than the captured bytes is expected rather than malformed. */
static inline int mm__snapped(const struct mm_packet *p)
{
    return p->caplen < p->len;
}

#endif
