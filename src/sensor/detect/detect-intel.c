/* SPDX-License-Identifier: Apache-2.0
 * Detector "intel" (signature ids 9100101-9100111): traffic that matches the
 * loaded threat intelligence.
 *   1 IP address (the non-home side of each flow, once per flow, with port)
 *   2 DNS query name      3 TLS SNI        4 HTTP host     5 HTTP URL
 *   6 TLS JA3             7 TLS JA4        8 server certificate SHA-1
 *   9 a DNS answer (A/AAAA) pointing at a listed address (sinkholes, C2)
 *  10 QUIC SNI (the server name of an HTTP/3 connection)
 *  11 IP address that opened a connection to an office host (inbound: a
 *     probe from outside, such as a mass scanner's)
 * Addresses inside the home network are never matched (a feed listing
 * RFC 1918 ranges, such as a bogon list, must not flag the office itself);
 * a listed mass scanner only where it opened the connection (variant 11, or
 * 1 between two outside hosts): an address connected to or named by a DNS
 * answer is asked through mm_intel_match_ip_dest, which passes over the
 * scanner lists' entries.
 * JA3/JA4 hits carry the connection's server name and address (raised
 * whatever the name), DNS answer hits the address answered: see struct
 * hit_more.
 * The texts of an address hit (1, 9, 11) name the address contacted (or
 * the DNS answer's), then the list's entry only when it is another (a
 * range): "198.51.100.80 (198.51.100.0/24, family)", "192.0.2.66:443
 * (family)" for an entry at that address and port.
 * Suppression: one alert per (home host, indicator, variant) per
 * [detect.intel] suppress_seconds (default 3600). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/str.h"
#include "sensor/decode/dns-facts.h"
#include "sensor/decode/http-facts.h"
#include "sensor/decode/tls-facts.h"
#include "sensor/detect/detect-util.h"
#include "sensor/flow.h"
#include "sensor/intel/intel.h"
#include "sensor/sensor.h"

#define NAME         "intel"
#define SUPPRESS_MAX 65536

static const struct mm__setting settings[] = {{"suppress_seconds", 0, 7 * 86400, NULL},
                                              {NULL, 0, 0, NULL}};

static int intel_init(struct mm_sensor *s, void **state)
{
    return mm__detect_basic_init(s, NAME, settings, SUPPRESS_MAX, 3600, 7 * 86400, state);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* What a hit adds to its evidence after the eight members every hit has;
 * NULL members are left out.
 * - A TLS fingerprint hit: the connection's server name and address (sni,
 *   server): a fingerprint names the client's TLS software, which ordinary
 *   programs share; the server it talked to tells the analyst which one. A
 *   hit is raised whatever the server name: the client chooses the name it
 *   sends, and allowlists name cloud hosts (amazonaws.com, herokuapp.com,
 *   ...) where malware's servers live.
 * - A DNS answer hit (variant 9): the address answered (address), whose
 *   value is the name looked up (until session 25 the evidence named only
 *   the name and the list's entry, a range, never the address), and the
 *   name looked up (name; NULL: the answer came without one) for the
 *   texts' "{site}" only (the evidence's value holds it already). */
struct hit_more {
    const char *sni, *server, *address, *name;
};

/* Adds more's members to evidence (those that are valid UTF-8). */
static void add_more(json_t *evidence, const struct hit_more *more)
{
    const char *const keys[] = {"sni", "server", "address"};
    const char *const texts[] = {more->sni, more->server, more->address};
    for (size_t i = 0; evidence && i < 3; i++)
        if (texts[i] && mm_utf8_valid(texts[i], strlen(texts[i]), NULL))
            json_object_set_new_nocheck(evidence, keys[i], json_string(texts[i]));
}

/* The texts' "{listed}": the list's entry and the family, the entry left
 * out when it is the value the texts name already (a domain looked up as
 * listed, an address listed as itself): each fact once. Cut at a whole
 * character. */
static void listed_texts(const char *indicator, const char *value, const char *family,
                         const char *family_ja, char listed[512], char listed_ja[512])
{
    if (value && strcasecmp(value, indicator) == 0) {
        snprintf(listed, 512, "%s", family);
        snprintf(listed_ja, 512, "%s", family_ja);
    } else {
        snprintf(listed, 512, "%s, %s", indicator, family);
        snprintf(listed_ja, 512, "一覧の %s、%s", indicator, family_ja);
    }
    listed[mm_utf8_trim_tail(listed, strlen(listed))] = '\0';
    listed_ja[mm_utf8_trim_tail(listed_ja, strlen(listed_ja))] = '\0';
}

/* The texts' "{site}": a DNS answer's name looked up as its messages put
 * it after "サイト名" / "site name" (" shop.example " / " shop.example"),
 * or nothing when the answer came without one (an event from elsewhere):
 * the value is then the address, which the messages name already, as
 * "{address}" (they named it twice until session 27: "site name
 * 192.0.2.7 ... leads to 192.0.2.7"). Cut at a whole character. */
static void site_texts(const char *name, char site[512], char site_ja[512])
{
    site[0] = site_ja[0] = '\0';
    if (!name || !name[0])
        return;
    snprintf(site, 512, " %s", name);
    snprintf(site_ja, 512, " %s ", name);
    site[mm_utf8_trim_tail(site, strlen(site))] = '\0';
    site_ja[mm_utf8_trim_tail(site_ja, strlen(site_ja))] = '\0';
}

/* Alerts on hit unless the same host already alerted on it recently. The
 * placeholders and the evidence are the texts json_pack took before,
 * without its format parsing; address (NULL: value) is the address the
 * texts name ("{address}": the one contacted, a DNS answer's), which
 * "{listed}" is told from; more (may be NULL) adds a TLS fingerprint hit's
 * server or a DNS answer hit's address to the evidence. */
static void raise_hit_more(struct mm__detect_basic *st, struct mm_sensor *s, unsigned variant,
                           const struct mm__alert_at *at, const char *host, const char *value,
                           const char *address, const char *matched_on,
                           const struct mm_intel_hit *hit, const struct hit_more *more)
{
    static const char *const var_keys[] = {"src",    "indicator", "family",  "value", "family@ja",
                                           "listed", "listed@ja", "address", "site",  "site@ja"};
    static const char *const evidence_keys[] = {"matched_on", "type",      "indicator", "value",
                                                "family",     "reference", "source",    "host"};
    uint64_t key = mm__keyed_str(host, variant);
    key = mm__keyed_str(hit->indicator, key);
    if (!mm__suppress_allow(st->sup, key, mm__detect_now(s), st->window))
        return;
    const char *family = hit->family[0] ? hit->family : "unknown";
    const char *family_ja = hit->family[0] ? hit->family : "種類不明";
    char listed[512], listed_ja[512], site[512], site_ja[512];
    if (!address)
        address = value;
    listed_texts(hit->indicator, address, family, family_ja, listed, listed_ja);
    site_texts(more ? more->name : NULL, site, site_ja);
    const char *const var_texts[] = {host,   hit->indicator, family,  value, family_ja,
                                     listed, listed_ja,      address, site,  site_ja};
    const char *const evidence_texts[] = {
        matched_on,  hit->type,      hit->indicator,         value,
        hit->family, hit->reference, base_name(hit->source), host};
    struct mm__var vars[10];
    size_t n = mm__texts_var_list(var_keys, var_texts, 10, vars);
    json_t *evidence = mm__strings_object(evidence_keys, evidence_texts, 8);
    if (more)
        add_more(evidence, more);
    mm__detect_raise_texts(s, NAME, variant, at, vars, n, evidence, hit->family);
}

static void raise_hit(struct mm__detect_basic *st, struct mm_sensor *s, unsigned variant,
                      const struct mm__alert_at *at, const char *host, const char *value,
                      const char *matched_on, const struct mm_intel_hit *hit)
{
    raise_hit_more(st, s, variant, at, host, value, NULL, matched_on, hit, NULL);
}

/* raise_hit for a hit on a packet's address (variants 1, 11): address is
 * how the texts name it (with the port of an entry that has one), value,
 * the evidence's, the address alone. */
static void raise_address_hit(struct mm__detect_basic *st, struct mm_sensor *s, unsigned variant,
                              const struct mm__alert_at *at, const char *host, const char *value,
                              const char *address, const char *matched_on,
                              const struct mm_intel_hit *hit)
{
    raise_hit_more(st, s, variant, at, host, value, address, matched_on, hit, NULL);
}

/* raise_hit for a DNS answer (variant 9) to client: the texts
 * name the address answered (rdata, its canonical text: mm_addr_format,
 * whichever path read the answer) and the name looked up when there is
 * one ("{site}"), the evidence's value is the name looked up (rrname,
 * NULL: none, then the address) and its address the address answered. */
static void raise_answer_hit(struct mm__detect_basic *st, struct mm_sensor *s,
                             const struct mm__alert_at *at, const char *client, const char *rrname,
                             const char *rdata, const struct mm_intel_hit *hit)
{
    const struct hit_more more = {.address = rdata, .name = rrname};
    raise_hit_more(st, s, 9, at, client, rrname ? rrname : rdata, rdata, "dns.answer", hit, &more);
}

/* Multicast, broadcast, loopback and unspecified addresses are never remote
 * peers, whatever a bogon list says. */
static inline bool never_remote(const struct mm_addr *a)
{
    static const uint8_t zero[16];
    if (a->family == 4)
        return a->bytes[0] >= 224 || a->bytes[0] == 127 || a->bytes[0] == 0;
    return a->bytes[0] == 0xff || memcmp(a->bytes, zero, 15) == 0;
}

/* A remote address r of a packet (port: its port, 0 for a protocol
 * without) that opened the connection (opened: the flow's initiator) is
 * matched as the source of traffic, where a listed internet-wide scanner
 * (Shodan, Censys, research scanners: Maltrail's mass_scanner lists) counts;
 * one that was connected to is matched as a destination, where it does not
 * (its ranges, whole cloud ranges some of them, hold ordinary servers: see
 * mm_intel_match_ip_dest). */
static bool match_remote(const struct mm_intel *in, const struct mm_addr *r, uint16_t port,
                         bool opened, struct mm_intel_hit *hit)
{
    return opened ? mm_intel_match_ip(in, r, port, hit) : mm_intel_match_ip_dest(in, r, port, hit);
}

/* An address hit's variant: 11 when the listed address opened a
 * connection to an office host (a probe from outside, whose next step is
 * not the office host's virus scan), else 1. */
static unsigned ip_variant(bool opened, bool toward_home)
{
    return opened && toward_home ? 11 : 1;
}

/* The address a matched with port (0: none) as the texts name it, into
 * text: with its port when the list's entry names one (intel.c writes
 * "a.b.c.d:port", "[x::y]:port"), so that the entry and the address read
 * alike and are named once; the evidence keeps the address alone. */
static void address_text(const struct mm_addr *a, uint16_t port, const char *indicator,
                         char text[MM_ADDR_STRLEN + 8])
{
    char s[MM_ADDR_STRLEN];
    mm_addr_format(a, s, sizeof s);
    bool listed_port = a->family == 6 ? indicator[0] == '[' : strchr(indicator, ':') != NULL;
    if (!listed_port)
        snprintf(text, MM_ADDR_STRLEN + 8, "%s", s);
    else
        snprintf(text, MM_ADDR_STRLEN + 8, a->family == 6 ? "[%s]:%u" : "%s:%u", s, port);
}

/* The addresses of a flow's first packet (or of a flowless one). Who
 * opened the connection is the flow's initiator: a packet of a flow may
 * go the other way (a SYN-ACK seen first, the next packet after a
 * reload); a flowless packet's source opened it. */
static void check_addresses(struct mm__detect_basic *st, struct mm_sensor *s,
                            const struct mm_intel *in, const struct mm_packet *p)
{
    struct mm_intel_hit hit;
    bool src_home = mm_sensor_src_home(s, p) || never_remote(&p->src),
         dst_home = mm_sensor_dst_home(s, p) || never_remote(&p->dst);
    bool ports = p->ip_proto == 6 || p->ip_proto == 17 || p->ip_proto == 132;
    bool src_opened = !p->flow || p->dir == 0;
    const struct mm__alert_at at = {.pkt = p};
    uint16_t sport = ports ? p->sport : 0, dport = ports ? p->dport : 0;
    char a[MM_ADDR_STRLEN], b[MM_ADDR_STRLEN], named[MM_ADDR_STRLEN + 8];
    if (!dst_home && match_remote(in, &p->dst, dport, !src_opened, &hit)) {
        mm_addr_format(&p->src, a, sizeof a); /* text only for a hit (rare) */
        mm_addr_format(&p->dst, b, sizeof b);
        address_text(&p->dst, dport, hit.indicator, named);
        raise_address_hit(st, s, ip_variant(!src_opened, src_home), &at, src_home ? a : b, b, named,
                          "ip.dest", &hit);
    }
    if (!src_home && match_remote(in, &p->src, sport, src_opened, &hit)) {
        mm_addr_format(&p->src, a, sizeof a);
        mm_addr_format(&p->dst, b, sizeof b);
        address_text(&p->src, sport, hit.indicator, named);
        raise_address_hit(st, s, ip_variant(src_opened, dst_home), &at, dst_home ? b : a, a, named,
                          "ip.src", &hit);
    }
}

/* A flow's first packet (or a flowless one), when intel is loaded: the
 * flow is marked checked (not while no intel is loaded) and its addresses
 * are checked. Out of line: the later packets of a flow, most of them,
 * skip it without a stack frame. */
static __attribute__((noinline)) void check_packet(struct mm__detect_basic *st, struct mm_sensor *s,
                                                   const struct mm_packet *p)
{
    const struct mm_intel *in = mm_sensor_intel(s);
    if (!in)
        return;
    if (p->flow)
        p->flow->detector_flags |= MM__DF_INTEL_CHECKED;
    check_addresses(st, s, in, p);
}

static void intel_packet(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    /* the first packet of a flow decides for the whole flow */
    if (p->ip_version && (!p->flow || !(p->flow->detector_flags & MM__DF_INTEL_CHECKED)))
        check_packet(state, s, p);
}

static void check_domain(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev,
                         unsigned variant, const char *host, const char *name,
                         const char *matched_on)
{
    struct mm_intel_hit hit;
    const struct mm__alert_at at = {.ev = ev};
    if (name && mm_intel_match_domain(mm_sensor_intel(s), name, &hit))
        raise_hit(st, s, variant, &at, host, name, matched_on, &hit);
}

/* Answers of a response: each A/AAAA address outside the home network. */
static void on_dns_answers(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev,
                           const json_t *dns)
{
    const char *client = mm__jstr(ev, "dest_ip");
    const struct mm__alert_at at = {.ev = ev};
    struct mm_intel_hit hit;
    size_t i;
    json_t *rr;
    if (!client)
        return;
    const json_t *answers = json_object_get(dns, "answers"); /* the loop reads it twice a turn */
    json_array_foreach(answers, i, rr)
    {
        const char *type = mm__jstr(rr, "rrtype"), *rdata;
        struct mm_addr a;
        if (!type || (strcmp(type, "A") != 0 && strcmp(type, "AAAA") != 0) ||
            !(rdata = mm__jstr(rr, "rdata")) || mm_addr_parse(rdata, &a) != 0 ||
            mm_sensor_is_home(s, &a) || never_remote(&a))
            continue;
        if (!mm_intel_match_ip_dest(mm_sensor_intel(s), &a, 0, &hit))
            continue;
        /* the address's canonical text, as on_dns_facts writes it: an
         * event from elsewhere may write it otherwise ("2001:DB8:0:0::20") */
        char text[MM_ADDR_STRLEN];
        mm_addr_format(&a, text, sizeof text);
        raise_answer_hit(st, s, &at, client, mm__jstr(rr, "rrname"), text, &hit);
    }
}

/* on_dns from the decoder's facts (dns-facts.h): the answers' addresses
 * as bytes and the query names without a look-up each. The client's
 * address text is read only for an alert; an event without it alerts on
 * nothing, as on_dns's JSON path (which reads it first). */
static void on_dns_facts(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev,
                         const struct mm__dns_facts *df)
{
    const struct mm_intel *in = mm_sensor_intel(s);
    const struct mm__alert_at at = {.ev = ev};
    struct mm_intel_hit hit;
    if (df->response) {
        for (unsigned i = 0; i < df->naddrs; i++) {
            const struct mm__dns_answer *ans = &df->addrs[i];
            const char *client;
            if (mm_sensor_is_home(s, &ans->addr) || never_remote(&ans->addr) ||
                !mm_intel_match_ip_dest(in, &ans->addr, 0, &hit) ||
                !(client = mm__jstr(ev, "dest_ip")))
                continue;
            char rdata[MM_ADDR_STRLEN];
            mm_addr_format(&ans->addr, rdata, sizeof rdata);
            raise_answer_hit(st, s, &at, client, ans->rrname, rdata, &hit);
        }
        return;
    }
    for (unsigned i = 0; i < df->nqueries; i++) {
        const char *host;
        if (mm_intel_match_domain_n(in, df->qname[i], df->qlen[i], &hit) &&
            (host = mm__jstr(ev, "src_ip")))
            raise_hit(st, s, 2, &at, host, df->qname[i], "dns.query", &hit);
    }
}

static void on_dns(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev)
{
    const json_t *dns = mm__event_get(ev, "dns");
    const struct mm__dns_facts *df = mm__dns_facts_of(dns);
    if (df) {
        on_dns_facts(st, s, ev, df);
        return;
    }
    const char *type = mm__jstr(dns, "type"), *host;
    size_t i;
    json_t *q;
    if (type && (strcmp(type, "response") == 0 || strcmp(type, "answer") == 0))
        on_dns_answers(st, s, ev, dns);
    if (!type || (strcmp(type, "request") != 0 && strcmp(type, "query") != 0) ||
        !(host = mm__jstr(ev, "src_ip")))
        return;
    const json_t *queries = json_object_get(dns, "queries");
    json_array_foreach(queries, i, q)
        check_domain(st, s, ev, 2, host, mm__jstr(q, "rrname"), "dns.query");
    check_domain(st, s, ev, 2, host, mm__jstr(dns, "rrname"), "dns.query"); /* EVE v1/v2 */
}

/* The client's address text, read at the first hit only (*client: NULL
 * until then; NULL: the event has none). */
static const char *client_of(const json_t *ev, const char **client)
{
    return *client ? *client : (*client = mm__jstr(ev, "src_ip"));
}

/* A TLS event with the decoder's facts: the certificate's fingerprint, or
 * the client's server name, JA3 and JA4 without a look-up each. The
 * addresses' texts are read only for an alert; an event without src_ip
 * alerts on nothing, as on_tls's JSON path (which reads it first). */
static void on_tls_facts(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev,
                         const struct mm__tls_facts *tf)
{
    const struct mm__alert_at at = {.ev = ev};
    const struct mm_intel *in = mm_sensor_intel(s);
    struct mm_intel_hit hit;
    const char *client = NULL;
    if (tf->fingerprint) { /* the server's certificate: dest is the client */
        if (mm_intel_match_hash(in, "sha1", tf->fingerprint, &hit) && client_of(ev, &client)) {
            const char *dest = mm__jstr(ev, "dest_ip");
            raise_hit(st, s, 8, &at, dest ? dest : client, tf->fingerprint, "tls.fingerprint",
                      &hit);
        }
        return;
    }
    if (tf->sni && mm_intel_match_domain_n(in, tf->sni, tf->sni_len, &hit) &&
        client_of(ev, &client))
        raise_hit(st, s, 3, &at, client, tf->sni, "tls.sni", &hit);
    if (tf->ja3_hash && mm_intel_match_hash(in, "ja3", tf->ja3_hash, &hit) &&
        client_of(ev, &client)) {
        const struct hit_more peer = {.sni = tf->sni, .server = mm__jstr(ev, "dest_ip")};
        raise_hit_more(st, s, 6, &at, client, tf->ja3_hash, NULL, "tls.ja3.hash", &hit, &peer);
    }
    if (tf->ja4 && mm_intel_match_hash(in, "ja4", tf->ja4, &hit) && client_of(ev, &client)) {
        const struct hit_more peer = {.sni = tf->sni, .server = mm__jstr(ev, "dest_ip")};
        raise_hit_more(st, s, 7, &at, client, tf->ja4, NULL, "tls.ja4", &hit, &peer);
    }
}

static void on_tls(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev)
{
    const json_t *tls = mm__event_get(ev, "tls");
    const struct mm__tls_facts *tf = mm__tls_facts_of(tls);
    if (tf) {
        on_tls_facts(st, s, ev, tf);
        return;
    }
    const struct mm__alert_at at = {.ev = ev};
    const struct mm_intel *in = mm_sensor_intel(s);
    struct mm_intel_hit hit;
    const char *client = mm__jstr(ev, "src_ip");
    if (!client)
        return;
    const char *fp = mm__jstr(tls, "fingerprint");
    if (fp) { /* the server's certificate: sent by the server, so dest is the client */
        const char *dest = mm__jstr(ev, "dest_ip");
        if (mm_intel_match_hash(in, "sha1", fp, &hit))
            raise_hit(st, s, 8, &at, dest ? dest : client, fp, "tls.fingerprint", &hit);
        return;
    }
    const char *ja3 = mm__jstr(json_object_get(tls, "ja3"), "hash");
    const struct hit_more peer = {.sni = mm__jstr(tls, "sni"), .server = mm__jstr(ev, "dest_ip")};
    check_domain(st, s, ev, 3, client, peer.sni, "tls.sni");
    if (ja3 && mm_intel_match_hash(in, "ja3", ja3, &hit))
        raise_hit_more(st, s, 6, &at, client, ja3, NULL, "tls.ja3.hash", &hit, &peer);
    const char *ja4 = mm__jstr(tls, "ja4");
    if (ja4 && mm_intel_match_hash(in, "ja4", ja4, &hit))
        raise_hit_more(st, s, 7, &at, client, ja4, NULL, "tls.ja4", &hit, &peer);
}

/* A request's URL (variant 5) or else its host name (variant 4): host and
 * url as the event holds them, client its src_ip. */
static void check_request(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev,
                          const char *client, const char *host, const char *url)
{
    const struct mm__alert_at at = {.ev = ev};
    struct mm_intel_hit hit;
    if (mm_intel_match_url(mm_sensor_intel(s), host, url, &hit)) {
        if (!client && !(client = mm__jstr(ev, "src_ip")))
            return;
        char full[2300];
        snprintf(full, sizeof full, "%s%s", host ? host : "", url);
        raise_hit(st, s, 5, &at, client, full, "http.url", &hit);
        return;
    }
    if (!host)
        return;
    char name[256];
    size_t n;
    if (host[0] == '[') { /* a bracketed IPv6 address is kept whole */
        n = strlen(host);
    } else { /* "host:8080" names the host "host" (cut at 255 bytes) */
        n = strnlen(host, sizeof name - 1);
        const char *colon = memchr(host, ':', n);
        if (colon || host[n] != '\0') {
            if (colon)
                n = (size_t)(colon - host);
            memcpy(name, host, n);
            name[n] = '\0';
            host = name;
        }
    }
    if (mm_intel_match_domain_n(mm_sensor_intel(s), host, n, &hit) &&
        (client || (client = mm__jstr(ev, "src_ip"))))
        raise_hit(st, s, 4, &at, client, host, "http.hostname", &hit);
}

static void on_http(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev)
{
    const json_t *http = mm__event_get(ev, "http");
    const struct mm__http_facts *hf = mm__http_facts_of(http);
    if (hf) { /* the decoder's facts: a request has no status, a response no url */
        if (!hf->response && hf->url && hf->has_src)
            check_request(st, s, ev, NULL, hf->hostname, hf->url);
        return;
    }
    const char *url = mm__jstr(http, "url"), *client;
    if (!url || !(client = mm__jstr(ev, "src_ip")) || mm__jstr(http, "status"))
        return; /* requests only (a response has no URL) */
    check_request(st, s, ev, client, mm__jstr(http, "hostname"), url);
}

/* The host name check_request asks about after the URL, when it needs no
 * cutting (no port, not bracketed, below 256 bytes): its length, else 0. */
static size_t plain_host_len(const char *host)
{
    size_t n = host ? strnlen(host, 256) : 256;
    return n < 256 && host[0] != '[' && !memchr(host, ':', n) ? n : 0;
}

/* Asks for the memo slots intel_event will read first for a direct event
 * (struct mm_detector.prefetch_event): DNS query names, an HTTP request's
 * URL and host, a TLS server name and fingerprints, from the facts. */
static void intel_event_prefetch(void *state, struct mm_sensor *s, const json_t *member)
{
    const struct mm_intel *in = mm_sensor_intel(s);
    const struct mm__dns_facts *df;
    const struct mm__http_facts *hf;
    const struct mm__tls_facts *tf;
    (void)state;
    if (!in)
        return;
    if ((df = mm__dns_facts_of(member)) != NULL) {
        for (unsigned i = 0; !df->response && i < df->nqueries; i++)
            mm_intel_prefetch_domain(in, df->qname[i], df->qlen[i]);
    } else if ((hf = mm__http_facts_of(member)) != NULL) {
        if (hf->response || !hf->url || !hf->has_src)
            return;
        mm_intel_prefetch_url(in, hf->hostname, hf->url);
        size_t n = plain_host_len(hf->hostname);
        if (n)
            mm_intel_prefetch_domain(in, hf->hostname, n);
    } else if ((tf = mm__tls_facts_of(member)) != NULL) {
        if (tf->fingerprint) {
            mm_intel_prefetch_hash(in, "sha1", tf->fingerprint);
            return;
        }
        if (tf->sni)
            mm_intel_prefetch_domain(in, tf->sni, tf->sni_len);
        if (tf->ja3_hash)
            mm_intel_prefetch_hash(in, "ja3", tf->ja3_hash);
        if (tf->ja4)
            mm_intel_prefetch_hash(in, "ja4", tf->ja4);
    }
}

static void intel_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    struct mm__detect_basic *st = state;
    const char *type = mm__event_type(ev);
    if (!type || !mm_sensor_intel(s))
        return;
    if (strcmp(type, "dns") == 0)
        on_dns(st, s, ev);
    else if (strcmp(type, "tls") == 0)
        on_tls(st, s, ev);
    else if (strcmp(type, "http") == 0)
        on_http(st, s, ev);
    else if (strcmp(type, "quic") == 0) /* QUIC's ClientHello: its SNI */
        check_domain(st, s, ev, 10, mm__jstr(ev, "src_ip"),
                     mm__jstr(mm__event_get(ev, "quic"), "sni"), "quic.sni");
}

const struct mm_detector mm_detector_intel = {
    .name = NAME,
    .settings = settings,
    .init = intel_init,
    .on_packet = intel_packet,
    .on_event = intel_event,
    .events = "dns,tls,http,quic",
    .reads_standin = true,
    .prefetch_event = intel_event_prefetch,
    .free = mm__detect_basic_free,
};
