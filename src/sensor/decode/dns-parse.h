/* SPDX-License-Identifier: Apache-2.0
 * Private DNS wire-format helpers shared by the DNS, mDNS and NetBIOS name
 * service decoders: name decompression with loop protection (dns-name.c)
 * and the whole-message parser that builds the Suricata 8 (EVE dns version
 * 3) object (decode-dns.c). */
#ifndef MM_SENSOR_DECODE_DNS_PARSE_H
#define MM_SENSOR_DECODE_DNS_PARSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MM_DNS_NAME_WIRE_MAX 255  /* RFC 1035: a name is at most 255 bytes on the wire */
#define MM_DNS_NAME_TEXT_MAX 1100 /* its text form with \xNN escapes, plus NUL */
#define MM_DNS_MAX_JUMPS     32   /* compression pointers followed per name */
#define MM_DNS_MAX_QUERIES   16   /* questions logged per message */
#define MM_DNS_MAX_RECORDS   128  /* records logged per section */

/* Reads the (possibly compressed) name at msg[off] into out as dotted text
 * ("" for the root). Pointers must point strictly backwards and at most
 * MM_DNS_MAX_JUMPS are followed; the name may not exceed
 * MM_DNS_NAME_WIRE_MAX bytes. *next gets the offset just after the name in
 * its original position. Returns 0, MM_ETRUNC (runs past len) or MM_EPARSE
 * (loop, bad label type, too long). outlen must be >= MM_DNS_NAME_TEXT_MAX. */
int mm__dns_name(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen,
                 size_t *next);
/* The same, also giving the length of the text (strlen(out)) in *textlen. */
int mm__dns_name_text(const uint8_t *msg, size_t len, size_t off, char *out, size_t outlen,
                      size_t *next, size_t *textlen);

/* Parses one DNS message into a new EVE "dns" object (version 3 layout:
 * version, type request/response, id, flags, qr/aa/tc/rd/ra/z/ad/cd,
 * opcode, rcode, queries[], answers[], authorities[], grouped; additionals[]
 * too when with_additionals). On a message that is cut short after its
 * header, *out still gets what was parsed and MM_ETRUNC/MM_EPARSE is
 * returned; on a bad header *out stays NULL. */
int mm__dns_parse_message(const uint8_t *msg, size_t len, bool with_additionals, json_t **out);

/* The name of a 4-bit rcode ("NOERROR", ...; "11" to "15" as numbers). */
const char *mm__dns_rcode_name(unsigned rcode);

/* The sensor's direct path for DNS events (NULL: none; set by sensor.c,
 * eve-dns.h): true when it handled the event of the message msg[0..len)
 * without a jansson object, the parse's result in *result; false to have
 * the decoder build the "dns" object and emit the event as before. Asked
 * only when ctx->sensor is set. */
struct mm_app_ctx;
extern bool (*mm__dns_direct)(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result);
/* The same for mDNS messages (decode-mdns.c; eve-dns.h's mDNS event). */
extern bool (*mm__mdns_direct)(struct mm_app_ctx *ctx, const uint8_t *msg, size_t len, int *result);

/* mDNS's "hostnames" (decode-mdns.c): true when name (an owner name or a
 * target) announces a host, name[0..*len) (".local" and a trailing dot cut
 * off, one label left); true for the reverse-lookup names whose PTR
 * targets are hosts (".in-addr.arpa", ".ip6.arpa"). */
bool mm__mdns_host(const char *name, size_t *len);
bool mm__mdns_reverse(const char *name);

/* The text name of an RR type ("A", "AAAA", ...; the number otherwise). */
const char *mm__dns_rrtype_name(uint16_t type, char *buf, size_t buflen);

#endif
