/* SPDX-License-Identifier: Apache-2.0
 * The event model shared by the sensor (which writes events) and the centre
 * (which ingests them): Suricata-EVE-compatible JSON objects. An event is a
 * jansson object whose keys keep Suricata's order (timestamp, flow_id,
 * event_type, src_ip, src_port, dest_ip, dest_port, proto, community_id, ...),
 * so the output reads like Suricata's and EVE tooling accepts it.
 *
 * mamori additions: event_type "device"; a top-level "mamori" object on alerts
 * holding {"detector", "message": {"ja","en"}, "evidence": {...}}; a top-level
 * "seq" (the sensor's increasing sequence number) on events sent to the centre.
 * Severity follows Suricata: 1 high, 2 medium, 3 low, 4 informational. */
#ifndef MM_CORE_EVE_H
#define MM_CORE_EVE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "core/buf.h"
#include "core/net.h"

enum mm_severity { MM_SEV_HIGH = 1, MM_SEV_MEDIUM = 2, MM_SEV_LOW = 3, MM_SEV_INFO = 4 };

/* Largest EVE line the core accepts when parsing (the centre's limit too). */
#define MM_EVE_LINE_MAX (256 * 1024)

struct mm_eve_header {
    struct timeval ts;
    const char *event_type;    /* "alert", "dns", "tls", "http", "dhcp", "flow", "device", ... */
    uint64_t flow_id;          /* 0: omitted */
    const struct mm_addr *src; /* NULL: no address fields */
    const struct mm_addr *dst;
    uint16_t src_port, dest_port; /* written when proto is TCP/UDP/SCTP */
    const char *proto;            /* "TCP", "UDP", "ICMP", "IPv6-ICMP", NULL: omitted */
    const char *community_id;     /* NULL: omitted */
    const char *app_proto;        /* NULL: omitted */
    uint64_t pcap_cnt;            /* 0: omitted */
    uint16_t vlan[2];             /* 802.1Q / QinQ ids, outer first (EVE "vlan") */
    uint8_t vlan_count;           /* 0: omitted */
};

struct mm_eve_alert {
    uint32_t signature_id;
    const char *signature; /* English one-line signature text */
    const char *category;
    enum mm_severity severity;
    const char *detector;   /* mamori detector name, e.g. "intel" */
    const char *message_ja; /* plain-language message for the SME */
    const char *message_en;
    json_t *metadata; /* optional; Suricata form {"key": ["v", ...]}; reference stolen */
    json_t *evidence; /* optional; any object; reference stolen */
    /* true: signature, category and the messages are known to be valid UTF-8
     * (texts from JSON strings, not cut), so they are not checked again;
     * false (the default): an invalid text makes mm_eve_set_alert fail */
    bool texts_valid;
};

/* Adds h's "vlan" array to ev when it has VLAN ids (Suricata writes it
 * right after event_type); 0, or -1 on ENOMEM. */
int mm_eve_add_vlan(json_t *ev, const struct mm_eve_header *h);

/* Builds a new event object from h (NULL on ENOMEM). Caller owns it. */
json_t *mm_eve_new(const struct mm_eve_header *h);

/* Adds the "alert" object and the "mamori" object to ev. Steals metadata and
 * evidence even on failure. */
int mm_eve_set_alert(json_t *ev, const struct mm_eve_alert *a);

/* Appends ev as one compact JSON line ending in '\n'. */
int mm_eve_write_line(const json_t *ev, struct mm_buf *out);

/* Parses and checks one EVE line (without or with its trailing newline): a
 * JSON object of at most MM_EVE_LINE_MAX bytes, valid UTF-8, a parseable
 * "timestamp", a non-empty "event_type", ports 0-65535 and IP address strings
 * where present, and for alerts an "alert" object with integer signature_id
 * and severity 1-4. On success *out is a new reference; on failure a reason
 * is written to why and MM_EPARSE (or MM_ETOOBIG) is returned. */
int mm_eve_parse_line(const char *line, size_t len, json_t **out, char *why, size_t whylen);

/* Community ID v1 (https://github.com/corelight/community-id-spec) of a flow,
 * written as "1:<base64>" (30 characters) into out, which needs room for
 * 31 bytes; a smaller out gets the empty text. proto is the IP protocol
 * number; ports are ICMP type/code for ICMP. */
void mm_community_id(uint16_t seed, const struct mm_addr *src, const struct mm_addr *dst,
                     uint8_t proto, uint16_t sport, uint16_t dport, char *out, size_t outlen);

/* One flow's inputs to the Community ID, as mm_community_id takes them. */
struct mm_community_id_flow {
    uint16_t seed;
    const struct mm_addr *src, *dst;
    uint8_t proto;
    uint16_t sport, dport;
};

/* The Community IDs of two flows into out[0] and out[1] (each with room for
 * 31 bytes): the texts of two mm_community_id calls, with the two SHA-1
 * blocks hashed side by side where the CPU has SHA instructions (each
 * block's rounds are a chain of dependent steps; two chains take little
 * longer than one). */
void mm_community_id_two(const struct mm_community_id_flow in[2], char *const out[2]);

#endif
