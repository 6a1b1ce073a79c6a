/* SPDX-License-Identifier: Apache-2.0
 * TCP: ports, sequence numbers, flags, window and payload. For SYN packets
 * the options are walked (bounded by the header length) into tcp_traits:
 * MSS, window scale, SACK permitted, timestamps and the option order, the
 * parts of a passive OS fingerprint. A malformed option raises an anomaly
 * but the segment is still used. */
#include <string.h>

#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

#define TCP_SYN 0x02

static void traits_add(struct mm_tcp_traits *t, size_t *n, char c)
{
    if (*n + 2 >= sizeof(t->options))
        return;
    if (*n > 0)
        t->options[(*n)++] = ',';
    t->options[(*n)++] = c;
    t->options[*n] = '\0';
}

/* Walks the options of a SYN; returns 0 or an error after the anomaly. */
static int parse_syn_options(struct mm_packet *p, const uint8_t *o, uint32_t len)
{
    struct mm_tcp_traits *t = &p->tcp_traits;
    size_t n = 0;
    t->wscale = 0xff;
    for (uint32_t i = 0; i < len;) {
        uint8_t kind = o[i];
        if (kind == 0)
            break;
        if (kind == 1) {
            traits_add(t, &n, 'N');
            i++;
            continue;
        }
        if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
            return mm__anomaly(p, "tcp", MM_ANOM_BAD_OPTION, "tcp.opt_invalid_len");
        uint8_t olen = o[i + 1];
        if (kind == 2 && olen == 4) {
            t->mss = mm__be16(o + i + 2);
            traits_add(t, &n, 'M');
        } else if (kind == 3 && olen == 3) {
            t->wscale = o[i + 2];
            traits_add(t, &n, 'W');
        } else if (kind == 4 && olen == 2) {
            t->sack_ok = true;
            traits_add(t, &n, 'S');
        } else if (kind == 8 && olen == 10) {
            t->timestamps = true;
            traits_add(t, &n, 'T');
        } else {
            traits_add(t, &n, '?');
        }
        i += olen;
    }
    return 0;
}

int mm__decode_tcp(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < 20)
        return mm__anomaly(p, "tcp", MM_ANOM_TRUNCATED, "tcp.pkt_too_small");
    uint32_t hlen = (uint32_t)(data[12] >> 4) * 4;
    if (hlen < 20)
        return mm__anomaly(p, "tcp", MM_ANOM_BAD_LENGTH, "tcp.hlen_too_small");
    if (hlen > len)
        return mm__anomaly(p, "tcp", MM_ANOM_TRUNCATED, "tcp.invalid_optlen");
    p->sport = mm__be16(data);
    p->dport = mm__be16(data + 2);
    p->tcp_seq = mm__be32(data + 4);
    p->tcp_ack = mm__be32(data + 8);
    p->tcp_flags = data[13];
    p->tcp_window = mm__be16(data + 14);
    p->payload = data + hlen;
    p->payload_len = len - hlen;
    if (p->tcp_flags & TCP_SYN)
        (void)parse_syn_options(p, data + 20, hlen - 20);
    return 0;
}
