/* SPDX-License-Identifier: Apache-2.0
 * Unit tests for the intel detector fed with events and packets directly:
 * each variant's signature id, the evidence, the family in the metadata,
 * messages that name each fact once, home addresses never matched, and
 * suppression of repeats per host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sensor/flow.h"
#include "sensor/intel/intel-int.h"
#include "test-detect-harness.h"

extern const struct mm_detector mm_detector_intel;

#define FEED                                                                                       \
    "# Reference: https://example.org/somebot\n"                                                   \
    "192.0.2.66:443\n"                                                                             \
    "198.51.100.0/24\n"                                                                            \
    "10.0.0.0/8\n"                                                                                 \
    "c2.example\n"                                                                                 \
    "dl.example.net/payload/\n"

static const char *sev_text(const json_t *a, const char *key)
{
    return json_string_value(json_object_get(json_object_get(a, "mamori"), key));
}

static void test_events(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL, FEED, NULL, &mm_detector_intel);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.5\",\"src_port\":5353,\"dest_ip\":\"192.168.1.1\","
                "\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"type\":\"request\","
                "\"queries\":[{\"rrname\":\"www.c2.example\",\"rrtype\":\"A\"}]}}");
    assert_int_equal(th_count_alerts(s, 9100102), 1);
    const json_t *a = th_alert(s, 9100102, 0);
    assert_string_equal(sev_text(a, "detector"), "intel");
    const json_t *ev = json_object_get(json_object_get(a, "mamori"), "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "indicator")), "c2.example");
    assert_string_equal(json_string_value(json_object_get(ev, "value")), "www.c2.example");
    assert_string_equal(json_string_value(json_object_get(ev, "reference")),
                        "https://example.org/somebot");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(a, "alert"), "severity")),
                     2);
    /* the same lookup again from the same host: suppressed */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:01.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.5\",\"dest_ip\":\"192.168.1.1\",\"dns\":{\"type\":"
                "\"request\",\"queries\":[{\"rrname\":\"c2.example\",\"rrtype\":\"A\"}]}}");
    assert_int_equal(th_count_alerts(s, 9100102), 1);
    /* responses are not matched (the request was) */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:01.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.1\",\"dest_ip\":\"192.168.1.6\",\"dns\":{\"type\":"
                "\"response\",\"queries\":[{\"rrname\":\"c2.example\",\"rrtype\":\"A\"}]}}");
    assert_int_equal(th_count_alerts(s, 9100102), 1);
    /* another host: a new alert */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:02.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.7\",\"dest_ip\":\"192.168.1.1\",\"dns\":{\"type\":"
                "\"request\",\"queries\":[{\"rrname\":\"c2.example\",\"rrtype\":\"A\"}]}}");
    assert_int_equal(th_count_alerts(s, 9100102), 2);
    /* TLS SNI, HTTP host and URL */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:03.000000+0000\",\"event_type\":\"tls\","
                "\"src_ip\":\"192.168.1.5\",\"dest_ip\":\"203.0.113.9\",\"tls\":{\"sni\":"
                "\"api.c2.example\",\"ja3\":{\"hash\":\"00000000000000000000000000000000\"}}}");
    assert_int_equal(th_count_alerts(s, 9100103), 1);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:04.000000+0000\",\"event_type\":\"http\","
                "\"src_ip\":\"192.168.1.5\",\"dest_ip\":\"203.0.113.10\",\"http\":{\"hostname\":"
                "\"dl.example.net\",\"url\":\"/payload/x.exe\",\"http_method\":\"GET\"}}");
    assert_int_equal(th_count_alerts(s, 9100105), 1);
    assert_int_equal(th_count_alerts(s, 9100104), 0);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(th_alert(s, 9100105, 0), "alert"), "severity")),
                     1);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:05.000000+0000\",\"event_type\":\"http\","
                "\"src_ip\":\"192.168.1.5\",\"dest_ip\":\"203.0.113.11\",\"http\":{\"hostname\":"
                "\"c2.example\",\"url\":\"/gate.php\"}}");
    assert_int_equal(th_count_alerts(s, 9100104), 1);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:05.000000+0000\",\"event_type\":\"http\","
                "\"src_ip\":\"192.168.1.6\",\"dest_ip\":\"203.0.113.11\",\"http\":{\"hostname\":"
                "\"www.c2.example:8080\",\"url\":\"/gate.php\"}}");
    assert_int_equal(th_count_alerts(s, 9100104), 2); /* the port is not part of the name */
    /* a DNS answer pointing into a listed range (the client is dest_ip) */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:06.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.1\",\"dest_ip\":\"192.168.1.8\",\"dns\":{\"type\":"
                "\"response\",\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"shop.example\","
                "\"rrtype\":\"A\"}],\"answers\":[{\"rrname\":\"shop.example\",\"rrtype\":\"A\","
                "\"ttl\":60,\"rdata\":\"198.51.100.20\"},{\"rrname\":\"shop.example\","
                "\"rrtype\":\"A\",\"ttl\":60,\"rdata\":\"203.0.113.20\"}]}}");
    assert_int_equal(th_count_alerts(s, 9100109), 1);
    const json_t *ans = th_alert(s, 9100109, 0);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(ans, "mamori"), "evidence"), "host")),
                        "192.168.1.8");
    /* a QUIC ClientHello's server name: its own sid, not the TLS one */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:07.000000+0000\",\"event_type\":\"quic\","
                "\"src_ip\":\"192.168.1.9\",\"dest_ip\":\"203.0.113.12\",\"quic\":{\"version\":"
                "\"1\",\"sni\":\"cdn.c2.example\"}}");
    assert_int_equal(th_count_alerts(s, 9100103), 1);
    assert_int_equal(th_count_alerts(s, 9100110), 1);
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_object_get(th_alert(s, 9100110, 0), "mamori"), "evidence"),
            "matched_on")),
        "quic.sni");
    assert_int_equal(th_count_alerts(s, 0), 8);
    th_free(s);
}

static void test_hashes(void **state)
{
    (void)state;
    struct mm_sensor *s =
        th_new(NULL,
               "type,value,family,reference\n"
               "ja3,0123456789abcdef0123456789abcdef,Somebot,\n"
               "ja4,t13d1516h2_8daaf6152771_b0da82dd1658,Somebot,\n"
               "sha1,00112233445566778899aabbccddeeff00112233,Somerat,https://example.org/c\n",
               NULL, &mm_detector_intel);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"tls\","
                "\"src_ip\":\"192.168.1.5\",\"dest_ip\":\"203.0.113.9\",\"tls\":{\"ja3\":{\"hash\":"
                "\"0123456789ABCDEF0123456789ABCDEF\"},\"ja4\":"
                "\"t13d1516h2_8daaf6152771_b0da82dd1658\",\"sni\":\"app.example\"}}");
    assert_int_equal(th_count_alerts(s, 9100106), 1);
    assert_int_equal(th_count_alerts(s, 9100107), 1);
    /* a fingerprint names the TLS software: the evidence names the server too */
    for (uint32_t sid = 9100106; sid <= 9100107; sid++) {
        const json_t *ev =
            json_object_get(json_object_get(th_alert(s, sid, 0), "mamori"), "evidence");
        assert_non_null(json_object_get(ev, "sni"));
        assert_non_null(json_object_get(ev, "server"));
        assert_string_equal(json_string_value(json_object_get(ev, "sni")), "app.example");
        assert_string_equal(json_string_value(json_object_get(ev, "server")), "203.0.113.9");
        /* and the messages say a shared fingerprint alone proves nothing */
        const json_t *msg =
            json_object_get(json_object_get(th_alert(s, sid, 0), "mamori"), "message");
        assert_non_null(strstr(json_string_value(json_object_get(msg, "en")), "Ordinary programs"));
        assert_non_null(strstr(json_string_value(json_object_get(msg, "ja")), "普通のソフト"));
    }
    /* the certificate comes from the server: the client is dest_ip */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:01.000000+0000\",\"event_type\":\"tls\","
                "\"src_ip\":\"203.0.113.9\",\"dest_ip\":\"192.168.1.5\",\"tls\":{\"subject\":"
                "\"CN=x\",\"fingerprint\":\"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:"
                "11:22:33\"}}");
    assert_int_equal(th_count_alerts(s, 9100108), 1);
    const json_t *a = th_alert(s, 9100108, 0);
    const json_t *meta = json_object_get(json_object_get(a, "alert"), "metadata");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(meta, "malware_family"), 0)), "Somerat");
    const json_t *msg = json_object_get(json_object_get(a, "mamori"), "message");
    assert_non_null(strstr(json_string_value(json_object_get(msg, "ja")), "Somerat"));
    assert_non_null(strstr(json_string_value(json_object_get(msg, "en")), "Somerat"));
    th_free(s);
}

/* Counts the occurrences of needle in hay. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* A headline says each fact once: a name looked up as listed names the
 * list's entry once (a name below it names both); an inbound probe names
 * its address once, then the list's range. */
static void test_texts_name_each_fact_once(void **state)
{
    (void)state;
    struct mm_packet p;
    struct mm_sensor *s = th_new(NULL, FEED, NULL, &mm_detector_intel);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.5\",\"dest_ip\":\"192.168.1.1\",\"dns\":{\"type\":"
                "\"request\",\"queries\":[{\"rrname\":\"c2.example\",\"rrtype\":\"A\"}]}}");
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.6\",\"dest_ip\":\"192.168.1.1\",\"dns\":{\"type\":"
                "\"request\",\"queries\":[{\"rrname\":\"www.c2.example\",\"rrtype\":\"A\"}]}}");
    th_ip_packet(&p, "198.51.100.77", 40000, "192.168.1.5", 22, 6, 0x02, NULL);
    th_packet(s, &p);
    assert_int_equal(th_count_alerts(s, 9100102), 2);
    const json_t *same =
        json_object_get(json_object_get(th_alert(s, 9100102, 0), "mamori"), "message");
    const json_t *below =
        json_object_get(json_object_get(th_alert(s, 9100102, 1), "mamori"), "message");
    const json_t *in =
        json_object_get(json_object_get(th_alert(s, 9100111, 0), "mamori"), "message");
    for (const char *lang = "ja"; lang; lang = strcmp(lang, "ja") == 0 ? "en" : NULL) {
        const char *m = json_string_value(json_object_get(same, lang));
        if (count_of(m, "c2.example") != 1)
            fail_msg("%s names c2.example %d times: %s", lang, count_of(m, "c2.example"), m);
        m = json_string_value(json_object_get(below, lang));
        assert_int_equal(count_of(m, "www.c2.example"), 1);
        assert_int_equal(count_of(m, "c2.example"), 2); /* the name, then the list's entry */
        m = json_string_value(json_object_get(in, lang));
        if (count_of(m, "198.51.100.77") != 1)
            fail_msg("%s names 198.51.100.77 %d times: %s", lang, count_of(m, "198.51.100.77"), m);
        assert_int_equal(count_of(m, "198.51.100.0/24"), 1);
    }
    th_free(s);
}

static void test_packets(void **state)
{
    (void)state;
    struct mm_packet p;
    struct mm_sensor *s = th_new(NULL, FEED, NULL, &mm_detector_intel);
    th_ip_packet(&p, "192.168.1.5", 50000, "192.0.2.66", 443, 6, 0x02, NULL);
    th_packet(s, &p);
    assert_int_equal(th_count_alerts(s, 9100101), 1);
    /* ip:port listed: another port does not match */
    th_ip_packet(&p, "192.168.1.6", 50000, "192.0.2.66", 80, 6, 0x02, NULL);
    th_packet(s, &p);
    assert_int_equal(th_count_alerts(s, 9100101), 1);
    /* inbound from a listed range: its own variant, whose message says
     * what a probe from outside means (not "scan the device") */
    th_ip_packet(&p, "198.51.100.77", 40000, "192.168.1.5", 22, 6, 0x02, NULL);
    th_packet(s, &p);
    assert_int_equal(th_count_alerts(s, 9100101), 1);
    assert_int_equal(th_count_alerts(s, 9100111), 1);
    const json_t *in = th_alert(s, 9100111, 0);
    const json_t *ev = json_object_get(json_object_get(in, "mamori"), "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "indicator")), "198.51.100.0/24");
    assert_string_equal(json_string_value(json_object_get(ev, "host")), "192.168.1.5");
    assert_string_equal(json_string_value(json_object_get(ev, "matched_on")), "ip.src");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(in, "alert"), "severity")),
                     3);
    const json_t *msg = json_object_get(json_object_get(in, "mamori"), "message");
    assert_non_null(strstr(json_string_value(json_object_get(msg, "en")),
                           "198.51.100.77 on the internet tried to connect to the office "
                           "device 192.168.1.5"));
    assert_null(strstr(json_string_value(json_object_get(msg, "en")), "antivirus"));
    assert_null(strstr(json_string_value(json_object_get(msg, "ja")), "ウイルス対策ソフト"));
    assert_non_null(strstr(json_string_value(json_object_get(msg, "ja")), "ルーター"));
    /* 10.0.0.0/8 is listed but home: never matched; multicast neither */
    th_ip_packet(&p, "10.1.1.1", 40000, "10.2.2.2", 445, 6, 0x02, NULL);
    th_packet(s, &p);
    th_ip_packet(&p, "192.168.1.5", 5353, "224.0.0.251", 5353, 17, 0, NULL);
    th_packet(s, &p);
    assert_int_equal(th_count_alerts(s, 0), 2);
    th_free(s);
}

/* An office PC connecting to 192.168.1.5 -> dst:port (a SYN, the first
 * packet of a flow of its own). */
static void connect_to(struct mm_sensor *s, const char *dst, uint16_t port)
{
    struct mm_packet p;
    th_ip_packet(&p, "192.168.1.5", 50000, dst, port, 6, 0x02, NULL);
    th_packet(s, &p);
}

static const char *evidence_of(const json_t *alert, const char *key)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(alert, "mamori"), "evidence"), key));
}

static const char *signature_of(const json_t *alert)
{
    return json_string_value(json_object_get(json_object_get(alert, "alert"), "signature"));
}

static const char *msg_of(const json_t *alert, const char *lang)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(alert, "mamori"), "message"), lang));
}

/* The signature and both messages of alert a name text n times each. */
static void assert_texts_name(const json_t *a, const char *text, int n)
{
    const json_t *msg = json_object_get(json_object_get(a, "mamori"), "message");
    const char *texts[] = {signature_of(a), json_string_value(json_object_get(msg, "en")),
                           json_string_value(json_object_get(msg, "ja"))};
    for (size_t i = 0; i < 3; i++)
        if (count_of(texts[i], text) != n)
            fail_msg("%s named %d times, not %d: %s", text, count_of(texts[i], text), n, texts[i]);
}

/* An address hit names the address contacted (or a DNS answer's), and
 * the list's entry after it only when the two differ (a range, not an
 * entry at the address and port): before, the connection and the DNS
 * answer named the range alone ("connection with a listed IP address
 * 198.51.100.0/24"), never the address. */
static void test_texts_name_address_contacted(void **state)
{
    (void)state;
    struct mm_packet p;
    struct mm_sensor *s = th_new(NULL,
                                 "type\tvalue\tfamily\treference\n"
                                 "cidr\t198.51.100.0/24\tSomebot\t\n"
                                 "ip:port\t192.0.2.66:443\tEmotet\t\n"
                                 "ip\t203.0.113.7\tQbot\t\n",
                                 NULL, &mm_detector_intel);
    connect_to(s, "198.51.100.80", 443);
    connect_to(s, "192.0.2.66", 443);
    connect_to(s, "203.0.113.7", 80);
    assert_int_equal(th_count_alerts(s, 9100101), 3);
    const json_t *range = th_alert(s, 9100101, 0);
    assert_string_equal(
        signature_of(range),
        "MAMORI intel: connection with a listed IP address 198.51.100.80 (198.51.100.0/24, "
        "Somebot)");
    assert_texts_name(range, "198.51.100.80", 1);
    assert_texts_name(range, "198.51.100.0/24", 1);
    assert_non_null(
        strstr(msg_of(range, "ja"), "相手 198.51.100.80(一覧の 198.51.100.0/24、Somebot)"));
    assert_string_equal(evidence_of(range, "value"), "198.51.100.80"); /* as before */
    assert_string_equal(evidence_of(range, "indicator"), "198.51.100.0/24");
    /* listed with its port: the address with that port, once */
    const json_t *port = th_alert(s, 9100101, 1);
    assert_string_equal(
        signature_of(port),
        "MAMORI intel: connection with a listed IP address 192.0.2.66:443 (Emotet)");
    assert_texts_name(port, "192.0.2.66", 1);
    assert_string_equal(evidence_of(port, "value"), "192.0.2.66");
    const json_t *exact = th_alert(s, 9100101, 2);
    assert_string_equal(signature_of(exact),
                        "MAMORI intel: connection with a listed IP address 203.0.113.7 (Qbot)");
    assert_texts_name(exact, "203.0.113.7", 1);
    /* inbound from the range */
    th_ip_packet(&p, "198.51.100.77", 40000, "192.168.1.5", 22, 6, 0x02, NULL);
    th_packet(s, &p);
    const json_t *in = th_alert(s, 9100111, 0);
    assert_string_equal(signature_of(in),
                        "MAMORI intel: inbound connection from a listed IP address 198.51.100.77 "
                        "(198.51.100.0/24, Somebot)");
    assert_texts_name(in, "198.51.100.77", 1);
    /* a DNS answer into the range: the name looked up and the address */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:06.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.1\",\"dest_ip\":\"192.168.1.8\",\"dns\":{\"type\":"
                "\"response\",\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"shop.example\","
                "\"rrtype\":\"A\"}],\"answers\":[{\"rrname\":\"shop.example\",\"rrtype\":\"A\","
                "\"ttl\":60,\"rdata\":\"198.51.100.20\"}]}}");
    const json_t *ans = th_alert(s, 9100109, 0);
    assert_string_equal(
        signature_of(ans),
        "MAMORI intel: DNS answer points to a listed address 198.51.100.20 (198.51.100.0/24, "
        "Somebot)");
    assert_texts_name(ans, "198.51.100.20", 1);
    assert_texts_name(ans, "198.51.100.0/24", 1);
    assert_non_null(strstr(msg_of(ans, "en"), "The site name shop.example looked up"));
    assert_non_null(strstr(msg_of(ans, "ja"), "サイト名 shop.example の行き先"));
    assert_string_equal(evidence_of(ans, "value"), "shop.example"); /* as before */
    th_free(s);
}

/* The same for IPv6: an entry at an address and port is written
 * "[x::y]:port" by the list (intel.c), and the texts name the address
 * contacted the same way, once; a range or an address listed alone names
 * the address without brackets or port. */
static void test_texts_name_ipv6_address_with_port(void **state)
{
    (void)state;
    struct mm_packet p;
    struct mm_sensor *s = th_new(NULL,
                                 "type\tvalue\tfamily\treference\n"
                                 "ip:port\t[2001:db8::66]:443\tEmotet\t\n"
                                 "cidr\t2001:db8:1::/48\tSomebot\t\n"
                                 "ip\t2001:db8::7\tQbot\t\n",
                                 NULL, &mm_detector_intel);
    th_ip_packet(&p, "fd00::5", 50000, "2001:db8::66", 443, 6, 0x02, NULL);
    th_packet(s, &p);
    th_ip_packet(&p, "fd00::5", 50001, "2001:db8::66", 80, 6, 0x02, NULL); /* not its port */
    th_packet(s, &p);
    th_ip_packet(&p, "fd00::5", 50002, "2001:db8:1::80", 443, 6, 0x02, NULL);
    th_packet(s, &p);
    th_ip_packet(&p, "fd00::5", 50003, "2001:db8::7", 8080, 6, 0x02, NULL);
    th_packet(s, &p);
    assert_int_equal(th_count_alerts(s, 9100101), 3);
    const json_t *port = th_alert(s, 9100101, 0);
    assert_string_equal(
        signature_of(port),
        "MAMORI intel: connection with a listed IP address [2001:db8::66]:443 (Emotet)");
    assert_texts_name(port, "2001:db8::66", 1);
    assert_texts_name(port, "[2001:db8::66]:443", 1);
    assert_string_equal(evidence_of(port, "value"), "2001:db8::66"); /* the address alone */
    assert_string_equal(evidence_of(port, "indicator"), "[2001:db8::66]:443");
    const json_t *range = th_alert(s, 9100101, 1);
    assert_string_equal(signature_of(range),
                        "MAMORI intel: connection with a listed IP address 2001:db8:1::80 "
                        "(2001:db8:1::/48, Somebot)");
    assert_texts_name(range, "[", 0);
    const json_t *exact = th_alert(s, 9100101, 2);
    assert_string_equal(signature_of(exact),
                        "MAMORI intel: connection with a listed IP address 2001:db8::7 (Qbot)");
    assert_texts_name(exact, "2001:db8::7", 1);
    assert_texts_name(exact, "8080", 0);
    th_free(s);
}

/* The evidence's members in their order, joined by commas. */
static void evidence_keys(const json_t *alert, char *out, size_t outlen)
{
    const char *key;
    json_t *v;
    size_t o = 0;
    out[0] = '\0';
    json_object_foreach(json_object_get(json_object_get(alert, "mamori"), "evidence"), key, v) o +=
        (size_t)snprintf(out + o, outlen - o, "%s%s", o ? "," : "", key);
}

/* A DNS answer hit's evidence names the address answered ("address"),
 * beside the name looked up ("value") and the list's entry: before, it
 * named the name and the entry (a range) only, never the address the
 * office device was sent to. The texts and the other variants' evidence
 * are as they were. */
static void test_answer_evidence_names_address(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL,
                                 "type\tvalue\tfamily\treference\n"
                                 "cidr\t198.51.100.0/24\tSomebot\t\n"
                                 "cidr\t2001:db8:1::/48\tSomebot\t\n",
                                 NULL, &mm_detector_intel);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:06.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.1\",\"dest_ip\":\"192.168.1.8\",\"dns\":{\"type\":"
                "\"response\",\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"shop.example\","
                "\"rrtype\":\"A\",\"ttl\":60,\"rdata\":\"198.51.100.20\"},{\"rrname\":"
                "\"shop.example\",\"rrtype\":\"AAAA\",\"ttl\":60,\"rdata\":\"2001:db8:1::20\"}]}}");
    /* an answer without its name: the value is the address, as before */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:07.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.1\",\"dest_ip\":\"192.168.1.9\",\"dns\":{\"type\":"
                "\"response\",\"answers\":[{\"rrtype\":\"A\",\"rdata\":\"198.51.100.21\"}]}}");
    connect_to(s, "198.51.100.80", 443);
    assert_int_equal(th_count_alerts(s, 9100109), 3);
    char keys[256];
    const char *const values[] = {"shop.example", "shop.example", "198.51.100.21"};
    const char *const addresses[] = {"198.51.100.20", "2001:db8:1::20", "198.51.100.21"};
    for (size_t i = 0; i < 3; i++) {
        const json_t *ans = th_alert(s, 9100109, i);
        evidence_keys(ans, keys, sizeof keys);
        assert_string_equal(keys,
                            "matched_on,type,indicator,value,family,reference,source,host,address");
        assert_string_equal(evidence_of(ans, "value"), values[i]);
        assert_string_equal(evidence_of(ans, "address"), addresses[i]);
        assert_string_equal(evidence_of(ans, "matched_on"), "dns.answer");
    }
    assert_string_equal(evidence_of(th_alert(s, 9100109, 1), "indicator"), "2001:db8:1::/48");
    assert_string_equal(
        signature_of(th_alert(s, 9100109, 0)),
        "MAMORI intel: DNS answer points to a listed address 198.51.100.20 (198.51.100.0/24, "
        "Somebot)");
    /* a connection's hit: its address is the value, no other member */
    evidence_keys(th_alert(s, 9100101, 0), keys, sizeof keys);
    assert_string_equal(keys, "matched_on,type,indicator,value,family,reference,source,host");
    th_free(s);
}

/* A DNS answer read from an event's JSON (a Suricata-style event, not the
 * sensor's own decoding) may write an IPv6 address in upper case and in
 * full: the evidence and the texts name it in its canonical text, as the
 * sensor's decoding writes it (mm_addr_format). Before, the event's text
 * was kept as written, so the same answer read two ways named two
 * addresses. An answer without its name (rrname) is said without a site
 * name, the address once ("site name 2001:db8:1::21 ... leads to
 * 2001:db8:1::21" until session 27). */
static void test_answer_address_canonical(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL,
                                 "type\tvalue\tfamily\treference\n"
                                 "cidr\t2001:db8:1::/48\tSomebot\t\n",
                                 NULL, &mm_detector_intel);
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:06.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.1\",\"dest_ip\":\"192.168.1.8\",\"dns\":{\"type\":"
                "\"response\",\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"shop.example\","
                "\"rrtype\":\"AAAA\",\"ttl\":60,\"rdata\":\"2001:DB8:1:0:0:0:0:20\"}]}}");
    /* without its name: the value is the address, canonical too */
    th_event(
        s, "{\"timestamp\":\"2026-04-01T00:00:07.000000+0000\",\"event_type\":\"dns\","
           "\"src_ip\":\"192.168.1.1\",\"dest_ip\":\"192.168.1.9\",\"dns\":{\"type\":"
           "\"response\",\"answers\":[{\"rrtype\":\"AAAA\",\"rdata\":\"2001:0DB8:0001::0021\"}]}}");
    assert_int_equal(th_count_alerts(s, 9100109), 2);
    const json_t *named = th_alert(s, 9100109, 0), *bare = th_alert(s, 9100109, 1);
    assert_string_equal(evidence_of(named, "address"), "2001:db8:1::20");
    assert_string_equal(evidence_of(named, "value"), "shop.example");
    assert_string_equal(evidence_of(bare, "address"), "2001:db8:1::21");
    assert_string_equal(evidence_of(bare, "value"), "2001:db8:1::21");
    assert_texts_name(named, "2001:db8:1::20", 1);
    assert_texts_name(named, "DB8", 0);
    assert_non_null(strstr(msg_of(named, "en"), "The site name shop.example looked up by"));
    assert_non_null(strstr(msg_of(named, "ja"), "調べたサイト名 shop.example の行き先が"));
    /* the bare answer's texts name the address once, and no site name:
     * they named it as the name and as the address until session 27 */
    assert_texts_name(bare, "2001:db8:1::21", 1);
    assert_non_null(strstr(msg_of(bare, "en"), "The site name looked up by the office device"));
    assert_non_null(strstr(msg_of(bare, "ja"), "調べたサイト名の行き先が"));
    assert_texts_name(bare, "0DB8", 0);
    th_free(s);
}

/* Mass scanners are listed as the source of their probes: as a destination
 * (an office PC connecting, a DNS answer) their entries are passed over
 * and the malware list's entry answers, at the same prefix (the scanner
 * list read first) or at a wider one; as the source they count, as the
 * most specific entry. Before, the first listing's context was kept and
 * only the most specific entry was asked: both C2 connections were quiet. */
static void test_scanner_listings(void **state)
{
    (void)state;
    struct mm_packet p;
    struct mm_flow flow;
    struct mm_sensor *s = th_new(NULL,
                                 "type\tvalue\tfamily\treference\n"
                                 "cidr\t203.0.113.0/24\tmass_scanner\t\n"
                                 "cidr\t203.0.113.0/24\tsomebot\t\n"
                                 "cidr\t198.51.100.128/25\tmass_scanner_cidr\t\n"
                                 "cidr\t198.51.100.0/24\temotet\t\n"
                                 "cidr\t192.0.2.0/24\tmass_scanner\t\n",
                                 NULL, &mm_detector_intel);
    connect_to(s, "203.0.113.9", 443);    /* same prefix, scanner list first */
    connect_to(s, "198.51.100.200", 443); /* a scanner's /25 inside a C2 /24 */
    connect_to(s, "192.0.2.10", 443);     /* a scanner only: quiet */
    assert_int_equal(th_count_alerts(s, 9100101), 2);
    assert_string_equal(evidence_of(th_alert(s, 9100101, 0), "family"), "somebot");
    assert_string_equal(evidence_of(th_alert(s, 9100101, 1), "family"), "emotet");
    assert_string_equal(evidence_of(th_alert(s, 9100101, 1), "indicator"), "198.51.100.0/24");
    /* a DNS answer pointing into the scanner's /25: the C2 /24 answers */
    th_event(s, "{\"timestamp\":\"2026-04-01T00:00:06.000000+0000\",\"event_type\":\"dns\","
                "\"src_ip\":\"192.168.1.1\",\"dest_ip\":\"192.168.1.8\",\"dns\":{\"type\":"
                "\"response\",\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"a.example\","
                "\"rrtype\":\"A\"}],\"answers\":[{\"rrname\":\"a.example\",\"rrtype\":\"A\","
                "\"ttl\":60,\"rdata\":\"198.51.100.201\"},{\"rrname\":\"a.example\","
                "\"rrtype\":\"A\",\"ttl\":60,\"rdata\":\"192.0.2.11\"}]}}");
    assert_int_equal(th_count_alerts(s, 9100109), 1);
    assert_string_equal(evidence_of(th_alert(s, 9100109, 0), "family"), "emotet");
    /* the scanners probing the office: inbound hits, the most specific entry */
    th_ip_packet(&p, "192.0.2.12", 40000, "192.168.1.5", 22, 6, 0x02, NULL);
    th_packet(s, &p);
    th_ip_packet(&p, "198.51.100.202", 40000, "192.168.1.5", 23, 6, 0x02, NULL);
    th_packet(s, &p);
    assert_int_equal(th_count_alerts(s, 9100111), 2);
    assert_string_equal(evidence_of(th_alert(s, 9100111, 0), "family"), "mass_scanner");
    assert_string_equal(evidence_of(th_alert(s, 9100111, 1), "family"), "mass_scanner_cidr");
    /* a reply first (the flow's initiator is the office PC, whose SYN was
     * not seen): the scanner-listed server is where the PC connected to */
    memset(&flow, 0, sizeof flow);
    th_ip_packet(&p, "192.0.2.13", 443, "192.168.1.6", 51000, 6, 0x12, NULL);
    p.flow = &flow;
    p.dir = 1;
    th_packet(s, &p);
    assert_int_equal(th_count_alerts(s, 0), 5);
    th_free(s);
}

/* A set that lists only value (what a reload installs). */
static struct mm_intel *set_of(const char *value)
{
    struct mm_intel *in = NULL;
    struct mm__intel_ctx ctx = {.family = "reloaded", .reference = "", .source = "new.txt"};
    const char *why;
    assert_int_equal(mm_intel_new(&in), 0);
    assert_int_equal(mm__intel_add(in, MM__IK_NONE, value, &ctx, &why), 0);
    assert_int_equal(mm_intel_seal(in), 0);
    return in;
}

static void dns_query(struct mm_sensor *s, const char *name)
{
    char ev[512];
    snprintf(ev, sizeof ev,
             "{\"timestamp\":\"2026-04-01T00:00:00.000000+0000\",\"event_type\":\"dns\","
             "\"src_ip\":\"192.168.1.5\",\"src_port\":5353,\"dest_ip\":\"192.168.1.1\","
             "\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"type\":\"request\","
             "\"queries\":[{\"rrname\":\"%s\",\"rrtype\":\"A\"}]}}",
             name);
    th_event(s, ev);
}

/* After a reload (the sensor swaps in a new set) the answers are the new
 * set's, though the old one answered the same questions just before (each
 * set remembers its own recent answers): a name listed only afterwards
 * alerts, one no longer listed stops alerting. */
static void test_reload(void **state)
{
    (void)state;
    struct mm_sensor *s =
        th_new("[detect.intel]\nsuppress_seconds = 0\n", FEED, NULL, &mm_detector_intel);
    for (int i = 0; i < 3; i++) {
        dns_query(s, "www.late.example");
        dns_query(s, "www.c2.example");
    }
    assert_int_equal(th_count_alerts(s, 9100102), 3);
    mm_intel_free(s->intel);
    s->intel = set_of("late.example");
    for (int i = 0; i < 3; i++) {
        dns_query(s, "www.late.example");
        dns_query(s, "www.c2.example");
    }
    assert_int_equal(th_count_alerts(s, 9100102), 6);
    const json_t *ev =
        json_object_get(json_object_get(th_alert(s, 9100102, 5), "mamori"), "evidence");
    assert_string_equal(json_string_value(json_object_get(ev, "indicator")), "late.example");
    assert_string_equal(json_string_value(json_object_get(ev, "family")), "reloaded");
    th_free(s);
}

/* The alert's placeholders and evidence are the feed's and the event's
 * texts (src, indicator, family, value; the evidence's eight members in
 * their order); a family that is not valid UTF-8 leaves the placeholders
 * as they are and the alert without evidence, as json_pack's failure did. */
static void test_alert_texts(void **state)
{
    (void)state;
    struct mm_sensor *s = th_new(NULL,
                                 "type,value,family,reference\n"
                                 "domain,c2.example,Somebot,https://example.org/somebot\n"
                                 "domain,bad.example,Bad\xc3\x28"
                                 "bot,https://example.org/bad\n",
                                 NULL, &mm_detector_intel);
    dns_query(s, "www.c2.example");
    dns_query(s, "www.bad.example");
    assert_int_equal(th_count_alerts(s, 9100102), 2);
    const json_t *good = th_alert(s, 9100102, 0), *bad = th_alert(s, 9100102, 1);
    assert_string_equal(signature_of(good),
                        "MAMORI intel: DNS lookup of a listed domain c2.example (Somebot)");
    const json_t *ev = json_object_get(json_object_get(good, "mamori"), "evidence");
    static const char *const keys[] = {"matched_on", "type",      "indicator", "value",
                                       "family",     "reference", "source",    "host"};
    const char *key;
    json_t *v;
    size_t i = 0;
    json_object_foreach((json_t *)ev, key, v) assert_string_equal(key, keys[i++]);
    assert_int_equal(i, 8);
    assert_string_equal(json_string_value(json_object_get(ev, "value")), "www.c2.example");
    assert_string_equal(json_string_value(json_object_get(ev, "family")), "Somebot");
    assert_string_equal(json_string_value(json_object_get(ev, "host")), "192.168.1.5");
    const json_t *message = json_object_get(json_object_get(good, "mamori"), "message");
    assert_non_null(
        strstr(json_string_value(json_object_get(message, "en")),
               "192.168.1.5 looked up www.c2.example, a site name on a list of dangerous "
               "names (c2.example, Somebot)"));
    assert_string_equal(signature_of(bad),
                        "MAMORI intel: DNS lookup of a listed domain {indicator} ({family})");
    assert_null(json_object_get(json_object_get(bad, "mamori"), "evidence"));
    th_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events),
        cmocka_unit_test(test_texts_name_each_fact_once),
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_packets),
        cmocka_unit_test(test_scanner_listings),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_alert_texts),
        cmocka_unit_test(test_texts_name_address_contacted),
        cmocka_unit_test(test_texts_name_ipv6_address_with_port),
        cmocka_unit_test(test_answer_evidence_names_address),
        cmocka_unit_test(test_answer_address_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
