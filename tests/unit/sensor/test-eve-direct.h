/* SPDX-License-Identifier: Apache-2.0
 * What the direct-EVE tests (test-eve-{http,dns,mdns,nbns,dhcp,tls,record}.c)
 * share: two whole sensors writing into one temporary directory, the first
 * taking the direct path and the second forced onto the JSON path, given the same
 * packets (built here, or read from a capture), and their EVE files
 * compared line by line (stats records aside); the same over every capture
 * in $MAMORI_SHARED_DIR/pcaps (skipped without it); for the line
 * comparison (one message at a time), the two EVE writers and the random
 * packet and flow around a message, drawn from the test's own xorshift
 * state in the order the tests always drew them; and small file helpers. */
#ifndef MM_TEST_EVE_DIRECT_H
#define MM_TEST_EVE_DIRECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../test-tmpdir.h"
#include "core/net.h"
#include "sensor/flow.h"
#include "sensor/output/output.h"
#include "sensor/packet.h"
#include "sensor/sensor-int.h"

/* One sensor of a pair and the EVE file it writes. */
struct ed_sensor_run {
    char eve[TEST_TMPDIR_MAX];
    struct mm_sensor_options opt;
    struct mm_sensor *s;
};

/* One side of a conversation: address, port, MAC. */
struct ed_endpoint {
    struct mm_addr addr;
    uint16_t port;
    uint8_t mac[6];
};

/* The whole file at path, NUL-terminated (owned); its length in *len. */
char *ed_read_file(const char *path, size_t *len);

/* How many times needle occurs in text. */
size_t ed_count_of(const char *text, const char *needle);

/* The line comparison's two EVE writers in a fresh temporary directory:
 * the JSON path's file "json" and the direct path's "direct". */
struct ed_line_files {
    char dir[TEST_TMPDIR_MAX], json[TEST_TMPDIR_MAX], direct[TEST_TMPDIR_MAX];
    struct mm_eve_out *json_out, *direct_out;
};

/* Makes the directory (named after tag) and opens both writers. */
void ed_line_files_open(struct ed_line_files *f, const char *tag);

/* Closes both writers and fails unless the files are equal byte for byte;
 * returns how many lines they hold. The files stay for reading. */
size_t ed_line_files_close_expect_same(struct ed_line_files *f);

/* Removes the directory and the files. */
void ed_line_files_remove(struct ed_line_files *f);

/* The server side of the traffic: its IPv6 address, its IPv4 address
 * (two times in three) or the other one, and its port. */
struct ed_server {
    const char *v6, *v4, *v4_other;
    uint16_t port;
};

/* A client (server NULL: one of a few home and outside addresses, a high
 * port at random) or the server, IPv6 or IPv4; MAC from the address.
 * Draws from *rng (test_xorshift). */
void ed_random_endpoint(uint64_t *rng, struct ed_endpoint *e, const struct ed_server *server,
                        bool v6);

/* One TCP segment with payload from a to b (seq; a VLAN tag unless vlan
 * is 0) at time t (seconds), into the sensor. */
void ed_send_segment(struct mm_sensor *s, const struct ed_endpoint *a, const struct ed_endpoint *b,
                     uint32_t seq, uint16_t vlan, double t, const void *payload, size_t n);

/* One UDP datagram from a to b at time t, into the sensor. */
void ed_send_datagram(struct mm_sensor *s, const struct ed_endpoint *a, const struct ed_endpoint *b,
                      double t, const uint8_t *payload, size_t n);

/* Passed as dport to ed_random_context: a destination port at random. */
#define ED_ANY_PORT (-1)

/* The packet and (perhaps, *with_flow) flow of one message, at random from
 * *rng (test_xorshift): IPv4 or IPv6, times across the years, pcap_cnt 0,
 * VLAN tags, flow ids with the top bit, with and without a Community ID;
 * proto, and dport unless it is ED_ANY_PORT. */
void ed_random_context(uint64_t *rng, struct mm_packet *p, struct mm_flow *f, bool *with_flow,
                       uint8_t proto, int dport);

/* Two sensors writing into dir with the config text ini and the intel
 * feed text feed: runs[0] taking the direct path, runs[1] kept on the
 * JSON path (the reference), for alerts and device events too
 * (eve-record.h). */
void ed_open_pair(struct ed_sensor_run runs[2], const char *dir, const char *ini, const char *feed);

/* Closes both and fails unless their EVE files match (stats aside);
 * returns the direct one's text (owned). */
char *ed_close_pair_expect_same(struct ed_sensor_run runs[2]);

/* After a pair's run: fails unless the direct sensor wrote more than
 * min_direct events the direct way and the JSON one none; then closes and
 * compares as ed_close_pair_expect_same (the direct one's text, owned). */
char *ed_close_pair_checked(struct ed_sensor_run runs[2], uint64_t min_direct);

/* "The test means something": text holds needle more than more_than times. */
struct ed_least {
    const char *needle;
    size_t more_than;
};

/* Fails at the first entry of least[0..n) that text does not meet. */
void ed_expect_counts(const char *text, const struct ed_least *least, size_t n);

/* A pair test: a fresh pair (tag names its temporary directory; ini and
 * feed as for ed_open_pair) given count exchanges, the i-th at time
 * ED_PAIR_T0 + i * step (exchange(runs, t, arg)); then checked as
 * ed_close_pair_checked(min_direct) and, on the direct one's text, as
 * ed_expect_counts(least, nleast). The test seeds its own random state
 * before. */
#define ED_PAIR_T0 1775001600.0 /* 2026-04-01T00:00:00Z */
struct ed_pair_test {
    const char *tag, *ini, *feed;
    unsigned count;
    double step;
    void (*exchange)(struct ed_sensor_run runs[2], double t, void *arg);
    void *arg;
    uint64_t min_direct;
    const struct ed_least *least;
    size_t nleast;
};
void ed_pair_test(const struct ed_pair_test *t);

/* Every capture in $MAMORI_SHARED_DIR/pcaps through a fresh pair (ini,
 * feed as for ed_open_pair, temporary directory named after tag); skips
 * the cmocka test when there are none. */
void ed_shared_captures(const char *tag, const char *ini, const char *feed);

#endif
