/* SPDX-License-Identifier: Apache-2.0
 * struct mm_packet: one captured packet as it moves through the decoders.
 * Each layer's decoder fills its part; later layers and detectors read it.
 * Pointers point into the captured bytes and are valid only during the
 * packet's processing. No decoder reads past data + caplen. */
#ifndef MM_SENSOR_PACKET_H
#define MM_SENSOR_PACKET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "core/net.h"

struct mm_flow;

/* Anomalies a decoder may raise on malformed input (reported as EVE
 * "anomaly" events by the pipeline, never fatal). */
enum mm_anomaly {
    MM_ANOM_NONE = 0,
    MM_ANOM_TRUNCATED,    /* header longer than the captured bytes */
    MM_ANOM_BAD_LENGTH,   /* a length field disagrees with the data */
    MM_ANOM_BAD_VERSION,  /* unexpected protocol version */
    MM_ANOM_TOO_DEEP,     /* too many nested headers (VLAN, IPv6 extensions) */
    MM_ANOM_BAD_OPTION,   /* malformed option or extension */
    MM_ANOM_APP_MALFORMED /* application-layer message could not be parsed */
};

struct mm_tcp_traits { /* SYN fingerprint parts, for the OS guess */
    uint16_t mss;
    uint8_t wscale; /* 0xff: absent */
    bool sack_ok, timestamps;
    char options[32]; /* option kinds in order, e.g. "M,N,W,N,N,T,S" */
};

/* The home-net answers already computed for one packet (see mm_packet.home):
 * bit 0 the source, bit 1 the destination. */
struct mm_home_memo {
    uint8_t known;
    uint8_t is_home;
};

struct mm_packet {
    /* capture */
    const uint8_t *data;
    uint32_t caplen, len; /* captured and original length */
    struct timeval ts;
    uint64_t num; /* 1-based packet number in the run (EVE pcap_cnt) */
    int linktype; /* DLT_* */

    /* link layer */
    bool has_eth;
    uint8_t src_mac[6], dst_mac[6];
    uint16_t vlan[2];
    uint8_t vlan_count;
    bool pppoe;             /* inside PPPoE (session or discovery frame) */
    uint16_t pppoe_session; /* its session id */
    uint16_t ppp_proto;     /* PPP protocol of a session frame (0x0021 IPv4, 0xc021 LCP, ...) */
    uint16_t ethertype;

    /* network layer */
    uint8_t ip_version; /* 0: not IP (e.g. ARP) */
    struct mm_addr src, dst;
    uint8_t ip_proto;    /* IPPROTO_* after IPv6 extension headers */
    uint8_t ttl;         /* or IPv6 hop limit */
    bool fragment;       /* part of a fragmented datagram */
    bool first_fragment; /* offset 0: transport header present */
    const uint8_t *l4;   /* transport header */
    uint32_t l4_len;
    /* fragments (set when fragment is true; see defrag.h) */
    bool defrag;          /* in: fragments stop at the IP layer for reassembly;
                             the decoder clears it for a fragment the snap length cut */
    bool frag_more;       /* more fragments follow (IPv4 MF, IPv6 M) */
    uint32_t frag_id;     /* IPv4 identification or IPv6 fragment identification */
    uint32_t frag_offset; /* in bytes */
    const uint8_t *l3;    /* the IP header */
    uint32_t frag_hlen;   /* bytes from l3 to the fragment data (IPv6: past the fragment header) */
    uint32_t frag_len;    /* fragment data bytes */
    uint32_t
        frag_nh_pos; /* IPv6: offset from l3 of the next-header byte naming the fragment header */

    /* transport layer */
    uint16_t sport, dport; /* ICMP: type and code */
    uint8_t tcp_flags;
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_window;
    struct mm_tcp_traits tcp_traits; /* filled for SYN packets */
    const uint8_t *payload;
    uint32_t payload_len;

    /* ARP (ethertype 0x0806) */
    bool is_arp;
    uint16_t arp_op;
    uint8_t arp_sha[6], arp_tha[6];
    struct mm_addr arp_spa, arp_tpa;

    /* state, set by the pipeline after decoding */
    struct mm_flow *flow;
    int dir; /* 0: initiator to responder, 1: reverse */
    /* the home-net answers for src and dst, read through mm_sensor_src_home
     * and mm_sensor_dst_home: the pipeline points this at an empty memo once
     * the addresses are final (and clears it after the packet), so each
     * answer is computed once per packet, however many detectors ask; NULL
     * (fragments, packets built by defrag.c or tests): no memo, every ask
     * computes, so a packet changed after an ask cannot get a stale answer */
    struct mm_home_memo *home;
    /* the flow key's hash, when flow_hashed (mm_flow_prefetch, taken by
     * mm_flow_packet) */
    uint32_t flow_hash;
    bool flow_hashed;

    /* first anomaly raised while decoding (MM_ANOM_NONE when clean) */
    enum mm_anomaly anomaly;
    const char *anomaly_layer; /* decoder name that raised it */
    const char *anomaly_event; /* Suricata-style event name, e.g. "ipv4.trunc_pkt" */
};

#endif
