/* SPDX-License-Identifier: Apache-2.0
 * decode-template.c: a packet decoder to copy when adding a protocol. It is
 * compiled (so it keeps building as the interfaces change) but registered
 * nowhere, so it never runs. Application decoders follow the same rules;
 * see decode-dns.c for one and docs/design/decoders.md for their contract.
 *
 * Adding a protocol "foo" carried over UDP port 9999 or EtherType 0x88b5:
 *   1. copy this file to decode-foo.c and rename mm__decode_template;
 *   2. add one line to decoders.def, e.g.
 *        MM_ETHERTYPE_DECODER(0x88b5, mm__decode_foo)
 *      or, for a transport, MM_IPPROTO_DECODER(proto, fn); the build picks
 *      the file up by itself (the sensor's CMakeLists globs decode/);
 *   3. add unit tests (tests/unit/sensor/) with crafted packets, including
 *      the packet truncated at every offset, and seed files for the fuzz
 *      harness (tests/fuzz/corpus/packet/, tests/fuzz/make-packet-corpus.py).
 *
 * The rules:
 *   - Check the length before every read: `len` is what was captured, and
 *     nothing beyond data[len - 1] may be touched. Read multi-byte fields
 *     with mm__be16/mm__be32 after the check.
 *   - Never trust a length field from the packet: compare it with `len`
 *     first. A field larger than the captured bytes is an anomaly unless
 *     mm__snapped(p) says the capture's snap length cut the packet.
 *   - Bound every loop and every nesting (options, tags, extension headers)
 *     with a constant; a packet that exceeds it raises MM_ANOM_TOO_DEEP.
 *   - On malformed input do not guess: return mm__anomaly(p, layer, kind,
 *     "layer.event_name"); the pipeline turns it into a rate-limited EVE
 *     "anomaly" event and drops the packet. For a problem that does not
 *     stop decoding (an odd option), call mm__anomaly and return 0.
 *   - Fill only your part of struct mm_packet; pointers you store (payload)
 *     point into `data` and live as long as the packet.
 *   - No allocation, no I/O, no global state: decoders run once per packet
 *     on the hot path and in the fuzz harness. */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

#define TEMPLATE_HDR_LEN   8
#define TEMPLATE_MAX_ITEMS 16

int mm__decode_template(struct mm_packet *p, const uint8_t *data, uint32_t len);

/* A made-up header: version (1 byte), item count (1), next EtherType (2),
 * total length (4), then count items of 2 bytes each, then the payload. */
int mm__decode_template(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    if (len < TEMPLATE_HDR_LEN) /* 1. the fixed header is all there */
        return mm__anomaly(p, "template", MM_ANOM_TRUNCATED, "template.pkt_too_small");
    if (data[0] != 1) /* 2. the version we know */
        return mm__anomaly(p, "template", MM_ANOM_BAD_VERSION, "template.bad_version");
    uint32_t items = data[1];
    if (items > TEMPLATE_MAX_ITEMS) /* 3. a bounded count */
        return mm__anomaly(p, "template", MM_ANOM_TOO_DEEP, "template.too_many_items");
    uint32_t hlen = TEMPLATE_HDR_LEN + 2 * items;
    uint32_t total = mm__be32(data + 4);
    if (hlen > len) /* 4. the variable part fits */
        return mm__anomaly(p, "template", MM_ANOM_TRUNCATED, "template.trunc_items");
    if (total < hlen) /* 5. a length field consistent with itself ... */
        return mm__anomaly(p, "template", MM_ANOM_BAD_LENGTH, "template.bad_len");
    if (total > len) { /* ... and with what was captured */
        if (!mm__snapped(p))
            return mm__anomaly(p, "template", MM_ANOM_TRUNCATED, "template.trunc_pkt");
        total = len;
    }
    /* 6. hand the rest to the next layer, limited to the declared length */
    return mm_decode_ethertype(p, mm__be16(data + 2), data + hlen, total - hlen);
}
