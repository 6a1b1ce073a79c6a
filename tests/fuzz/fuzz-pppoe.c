/* SPDX-License-Identifier: Apache-2.0
 * Fuzz harness for the PPPoE decoder (decode-pppoe.c) and the IP/transport
 * decoders behind it. Input: byte 0 picks the frame kind and capture shape
 * (bit 0: discovery 0x8863 rather than session 0x8864; bit 1: the capture's
 * snap length cut the frame, so the original length is larger); the rest
 * is the frame after the Ethernet header, copied to a buffer of exactly its
 * size so ASan sees any read past the captured length. Half of the inputs
 * also go through the Ethernet decoder with a made-up Ethernet header, so
 * the EtherType dispatch is exercised too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/decode/decode.h"

#define ETH_HDR_LEN 14

/* Decodes one copy of the frame; with eth, behind an Ethernet header. */
static void decode_copy(const uint8_t *frame, size_t len, uint16_t type, int snapped, int eth)
{
    size_t total = len + (eth ? ETH_HDR_LEN : 0);
    uint8_t *buf = malloc(total ? total : 1);
    if (!buf)
        return;
    if (eth) {
        memset(buf, 0x02, 12);
        buf[12] = (uint8_t)(type >> 8);
        buf[13] = (uint8_t)type;
    }
    memcpy(buf + (eth ? ETH_HDR_LEN : 0), frame, len);
    struct mm_packet p;
    memset(&p, 0, sizeof(p));
    p.data = buf;
    p.caplen = (uint32_t)total;
    p.len = (uint32_t)total + (snapped ? 1500 : 0);
    p.linktype = 1;
    if (eth)
        (void)mm_decode_packet(&p);
    else
        (void)mm_decode_ethertype(&p, type, buf, (uint32_t)total);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    uint16_t type = (data[0] & 1) ? 0x8863 : 0x8864;
    int snapped = (data[0] & 2) != 0;
    decode_copy(data + 1, size - 1, type, snapped, 0);
    decode_copy(data + 1, size - 1, type, snapped, 1);
    return 0;
}
