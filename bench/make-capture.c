/* SPDX-License-Identifier: Apache-2.0
 * Builds the benchmark capture: the given captures (pcap or pcapng,
 * Ethernet) copied again and again into one classic pcap until it holds at
 * least TARGET bytes. Each copy rewrites the IP addresses (third byte of
 * IPv4, a low byte of IPv6, XOR the copy number) so copies are distinct
 * flows rather than repeats, and shifts time stamps so they keep moving
 * forward from copy to copy. Checksums are not fixed: neither the sensor
 * nor the tools compared check them.
 *   mm-bench-make-capture OUT TARGET_BYTES FILE...
 * The output belongs in the build directory, never in the repository. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNAPLEN 262144

/* Offset of the IP header in an Ethernet frame (after up to two VLAN tags),
 * and its EtherType; 0 when none. */
static size_t ip_offset(const u_char *d, uint32_t len, uint16_t *type)
{
    size_t off = 12;
    for (int i = 0; i < 3; i++) {
        if (off + 2 > len)
            return 0;
        uint16_t t = (uint16_t)(d[off] << 8 | d[off + 1]);
        if (t == 0x8100 || t == 0x88a8) {
            off += 4;
            continue;
        }
        *type = t;
        return off + 2;
    }
    return 0;
}

static void rewrite(u_char *d, uint32_t len, unsigned copy)
{
    uint16_t type = 0;
    size_t ip = ip_offset(d, len, &type);
    if (!ip)
        return;
    uint8_t a = (uint8_t)(copy & 0xff), b = (uint8_t)((copy >> 8) & 0x0f);
    if (type == 0x0800 && ip + 20 <= len) {
        d[ip + 12 + 2] ^= a;
        d[ip + 16 + 2] ^= a;
        d[ip + 12 + 1] ^= b;
        d[ip + 16 + 1] ^= b;
    } else if (type == 0x86dd && ip + 40 <= len) {
        d[ip + 8 + 13] ^= a;
        d[ip + 24 + 13] ^= a;
        d[ip + 8 + 12] ^= b;
        d[ip + 24 + 12] ^= b;
    }
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc < 4) {
        fprintf(stderr, "usage: mm-bench-make-capture OUT TARGET_BYTES FILE...\n");
        return 2;
    }
    unsigned long long target = strtoull(argv[2], NULL, 10), written = 24, packets = 0;
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, SNAPLEN);
    pcap_dumper_t *out = pcap_dump_open(dead, argv[1]);
    if (!out) {
        fprintf(stderr, "mm-bench-make-capture: %s\n", pcap_geterr(dead));
        return 1;
    }
    static u_char buf[SNAPLEN];
    long shift = 0;
    for (unsigned copy = 0; written < target; copy++) {
        for (int i = 3; i < argc && written < target; i++) {
            pcap_t *in = pcap_open_offline(argv[i], err);
            if (!in) {
                fprintf(stderr, "mm-bench-make-capture: %s: %s\n", argv[i], err);
                return 1;
            }
            if (pcap_datalink(in) != DLT_EN10MB) {
                pcap_close(in);
                continue;
            }
            struct pcap_pkthdr *h;
            const u_char *data;
            while (pcap_next_ex(in, &h, &data) == 1) {
                struct pcap_pkthdr oh = *h;
                uint32_t n = h->caplen < SNAPLEN ? h->caplen : SNAPLEN;
                memcpy(buf, data, n);
                oh.caplen = n;
                rewrite(buf, n, copy);
                oh.ts.tv_sec += shift;
                pcap_dump((u_char *)out, &oh, buf);
                written += 16 + n;
                packets++;
            }
            pcap_close(in);
        }
        shift += 86400;
    }
    pcap_dump_close(out);
    pcap_close(dead);
    printf("%llu packets, %llu bytes\n", packets, written);
    return 0;
}
