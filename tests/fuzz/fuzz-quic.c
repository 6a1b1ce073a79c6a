/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the application decoder mm_app_quic
 * (src/sensor/decode/decode-quic.c). Random bytes almost never decrypt, so
 * inputs come in two forms, told apart by the first byte:
 *  - a first byte with the high bit set (a long header): the input is one
 *    client datagram, as captured (header parsing, header protection, the
 *    AEAD and the tag check);
 *  - otherwise plaintext frames: byte 0 bit 0 picks QUIC v2 over v1,
 *    byte 1 the chunk size (1 + 8 * byte), and the rest is cut into chunks,
 *    each sealed as a client Initial (mm__quic_seal_initial) and fed as its
 *    own datagram, so the frame parser, the CRYPTO reassembly and the
 *    ClientHello parser see what the fuzzer writes.
 * Seeds: tests/fuzz/corpus/quic/ (RFC 9001 A.2 packet; plaintext hellos). */
#include "fuzz-app.h"
#include "sensor/decode/decode-quic.h"

extern const struct mm_app_decoder mm_app_quic;

#define CHUNK_PAD 64 /* PADDING appended so every chunk has a sample */

static void feed_sealed(const uint8_t *data, size_t size)
{
    static const uint8_t dcid[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
    uint32_t version = (data[0] & 1) ? MM_QUIC_V2 : MM_QUIC_V1;
    size_t chunk = 1 + 8 * (size_t)data[1];
    struct mm_packet p;
    void *state = NULL;
    memset(&p, 0, sizeof p);
    p.ip_version = 4;
    p.ip_proto = IPPROTO_UDP;
    p.sport = 50000;
    p.dport = 443;
    struct mm_app_ctx ctx = {.pkt = &p, .state = &state, .emit = fuzz_emit_free};
    uint8_t frames[2048 + CHUNK_PAD], pkt[2048 + CHUNK_PAD + 64];
    uint32_t pn = 0;
    for (size_t off = 2; off < size && pn < 32; off += chunk, pn++) {
        size_t n = size - off < chunk ? size - off : chunk, plen;
        memcpy(frames, data + off, n);
        memset(frames + n, 0, CHUNK_PAD);
        if (mm__quic_seal_initial(version, dcid, sizeof dcid, pn, frames, n + CHUNK_PAD, pkt,
                                  sizeof pkt, &plen) != 0)
            break;
        uint8_t *exact = malloc(plen);
        if (!exact)
            break;
        memcpy(exact, pkt, plen);
        mm_app_quic.parse(&ctx, exact, plen);
        free(exact);
    }
    mm_app_quic.state_free(state);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0 && (data[0] & 0x80))
        return fuzz_app_run(&mm_app_quic, 443, data, size);
    if (size >= 2)
        feed_sealed(data, size);
    return 0;
}
