/* SPDX-License-Identifier: Apache-2.0
 * The benchmark's upper limit: a bare libpcap read loop over a capture file
 * (pcap_next_ex, touching one byte per packet), no decoding at all. Prints
 * "packets bytes". */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: mm-bench-pcap-loop FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "mm-bench-pcap-loop: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    unsigned sum = 0;
    int r;
    while ((r = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->len;
        if (h->caplen)
            sum += data[h->caplen - 1];
    }
    pcap_close(p);
    printf("%llu %llu %u\n", (unsigned long long)packets, (unsigned long long)bytes, sum & 1);
    return r == PCAP_ERROR ? 1 : 0;
}
