/* SPDX-License-Identifier: Apache-2.0
 * PPPoE (RFC 2516), as seen on the WAN side of a router on NTT FLET'S and
 * similar access lines. Session frames (EtherType 0x8864) carry one PPP
 * frame: IPv4 (PPP protocol 0x0021) and IPv6 (0x0057) go on to the IP
 * decoders, limited to the PPPoE length field; link control (LCP, IPCP,
 * IPv6CP, authentication, ...) is marked on the packet and skipped.
 * Discovery frames (EtherType 0x8863: PADI, PADO, PADR, PADS, PADT) are
 * checked (code, length, tag list) and skipped. Both kinds set p->pppoe, so
 * the decoder statistics count them.
 *
 * The 6-byte header: ver/type (0x11), code (0 in sessions), session id,
 * payload length. A length beyond the captured bytes is an anomaly unless
 * the capture's snap length cut the packet; bytes after the declared length
 * (Ethernet padding) are ignored. Nothing past `len` is read. */
#include "sensor/decode/decode.h"
#include "sensor/decode/decode-util.h"

#define PPPOE_HDR_LEN      6
#define PPPOE_VER_TYPE     0x11
#define PPPOE_CODE_SESSION 0x00
#define PPPOE_TAG_HDR_LEN  4
#define PPPOE_MAX_TAGS     64 /* a discovery frame fits in 1484 bytes: far fewer */

#define PPP_PROTO_IPV4 0x0021
#define PPP_PROTO_IPV6 0x0057

int mm__decode_pppoe_session(struct mm_packet *p, const uint8_t *data, uint32_t len);
int mm__decode_pppoe_discovery(struct mm_packet *p, const uint8_t *data, uint32_t len);

/* Checks the common header and bounds its length field by the captured
 * bytes. On success *payload_len is the number of payload bytes after the
 * header that may be read (declared length, or fewer when snapped). */
static int pppoe_header(struct mm_packet *p, const uint8_t *data, uint32_t len,
                        uint32_t *payload_len)
{
    *payload_len = 0;
    if (len < PPPOE_HDR_LEN)
        return mm__anomaly(p, "pppoe", MM_ANOM_TRUNCATED, "pppoe.pkt_too_small");
    if (data[0] != PPPOE_VER_TYPE)
        return mm__anomaly(p, "pppoe", MM_ANOM_BAD_VERSION, "pppoe.wrong_version");
    p->pppoe = true;
    p->pppoe_session = mm__be16(data + 2);
    uint32_t plen = mm__be16(data + 4);
    if (plen > len - PPPOE_HDR_LEN) {
        if (!mm__snapped(p))
            return mm__anomaly(p, "pppoe", MM_ANOM_TRUNCATED, "pppoe.trunc_pkt");
        plen = len - PPPOE_HDR_LEN;
    }
    *payload_len = plen;
    return 0;
}

/* Reads the PPP protocol field, 2 bytes or 1 when compressed (RFC 1661
 * protocol-field compression: an odd first byte). Returns the field's size,
 * or 0 when plen cannot hold it. */
static uint32_t ppp_protocol(const uint8_t *data, uint32_t plen, uint16_t *proto)
{
    *proto = 0;
    if (plen >= 1 && (data[0] & 1)) {
        *proto = data[0];
        return 1;
    }
    if (plen < 2)
        return 0;
    *proto = mm__be16(data);
    return 2;
}

/* EtherType 0x8864: one PPP frame per PPPoE session frame. */
int mm__decode_pppoe_session(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    uint32_t plen;
    int r = pppoe_header(p, data, len, &plen);
    if (r != 0)
        return r;
    if (data[1] != PPPOE_CODE_SESSION)
        return mm__anomaly(p, "pppoe", MM_ANOM_BAD_VERSION, "pppoe.wrong_code");
    const uint8_t *ppp = data + PPPOE_HDR_LEN;
    uint16_t proto;
    uint32_t plen_field = ppp_protocol(ppp, plen, &proto);
    if (plen_field == 0) {
        if (mm__be16(data + 4) < 2) /* the sender's length leaves no room */
            return mm__anomaly(p, "pppoe", MM_ANOM_BAD_LENGTH, "pppoe.session_too_small");
        return mm__anomaly(p, "pppoe", MM_ANOM_TRUNCATED, "pppoe.trunc_pkt");
    }
    p->ppp_proto = proto;
    switch (proto) {
    case PPP_PROTO_IPV4:
        return mm_decode_ethertype(p, 0x0800, ppp + plen_field, plen - plen_field);
    case PPP_PROTO_IPV6:
        return mm_decode_ethertype(p, 0x86dd, ppp + plen_field, plen - plen_field);
    default:
        return 0; /* LCP, IPCP, IPv6CP, PAP, CHAP, ...: counted, not decoded */
    }
}

/* The discovery codes of RFC 2516 section 5. */
static bool discovery_code_known(uint8_t code)
{
    return code == 0x09     /* PADI */
           || code == 0x07  /* PADO */
           || code == 0x19  /* PADR */
           || code == 0x65  /* PADS */
           || code == 0xa7; /* PADT */
}

/* Walks the tag list (type, length, value) within plen bytes: every tag
 * must fit, and their number is capped. Trailing bytes too short for a tag
 * header are tolerated only when the capture was snapped. */
static int discovery_tags(struct mm_packet *p, const uint8_t *tags, uint32_t plen)
{
    uint32_t off = 0;
    for (int n = 0; off < plen; n++) {
        if (n >= PPPOE_MAX_TAGS)
            return mm__anomaly(p, "pppoe", MM_ANOM_TOO_DEEP, "pppoe.too_many_tags");
        if (plen - off < PPPOE_TAG_HDR_LEN)
            break;
        uint32_t tlen = mm__be16(tags + off + 2);
        if (tlen > plen - off - PPPOE_TAG_HDR_LEN)
            break;
        off += PPPOE_TAG_HDR_LEN + tlen;
    }
    if (off == plen)
        return 0;
    if (mm__snapped(p))
        return 0; /* the last tag was cut by the snap length */
    return mm__anomaly(p, "pppoe", MM_ANOM_BAD_OPTION, "pppoe.malformed_tags");
}

/* EtherType 0x8863: PADI/PADO/PADR/PADS/PADT, checked and skipped. */
int mm__decode_pppoe_discovery(struct mm_packet *p, const uint8_t *data, uint32_t len)
{
    uint32_t plen;
    int r = pppoe_header(p, data, len, &plen);
    if (r != 0)
        return r;
    if (!discovery_code_known(data[1]))
        return mm__anomaly(p, "pppoe", MM_ANOM_BAD_VERSION, "pppoe.wrong_code");
    return discovery_tags(p, data + PPPOE_HDR_LEN, plen);
}
