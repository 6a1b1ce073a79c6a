/* SPDX-License-Identifier: Apache-2.0
 * Test support for the application decoder unit tests (test-decode-*.c):
 * runs a decoder the way the pipeline does (UDP datagrams; TCP bytes
 * appended per direction and re-presented until consumed), collects the
 * events it emits, reads seed messages from tests/fuzz/corpus/, and sweeps
 * truncations and segment splits. Also provides mm_app_event() so the
 * decoders link without the rest of the sensor. */
#ifndef MM_TEST_APP_TEST_H
#define MM_TEST_APP_TEST_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/decode/decode.h"

extern const struct mm_app_decoder mm_app_dns_udp, mm_app_dns_tcp, mm_app_tls, mm_app_http,
    mm_app_dhcp, mm_app_mdns, mm_app_nbns, mm_app_smb, mm_app_rdp;

struct app_run {
    const struct mm_app_decoder *dec;
    struct mm_packet pkt;
    struct mm_app_ctx ctx;
    void *state;
    json_t *events; /* array of every event emitted */
    uint8_t *buf[2];
    size_t len[2];
};

void app_run_init(struct app_run *r, const struct mm_app_decoder *d, uint16_t sport,
                  uint16_t dport);
void app_run_free(struct app_run *r);
/* One datagram (copied to an exact-size buffer so ASan sees over-reads). */
long app_run_udp(struct app_run *r, const uint8_t *data, size_t len);
/* TCP bytes in direction dir, fed like the pipeline: returns the first
 * negative parse result, else 0. */
long app_run_stream(struct app_run *r, int dir, const uint8_t *data, size_t len);
size_t app_count(const struct app_run *r);
/* A value by path from event i: "dns.queries.0.rrname" (numbers index arrays). */
json_t *app_get(const struct app_run *r, size_t i, const char *path);
const char *app_str(const struct app_run *r, size_t i, const char *path);
json_int_t app_int(const struct app_run *r, size_t i, const char *path);

/* Reads tests/fuzz/corpus/<target>/<name> (malloc'd; fails the test if absent). */
uint8_t *app_seed(const char *target, const char *name, size_t *len);

/* Feeds every prefix of data (UDP: as a datagram; TCP: as a stream) to a
 * fresh decoder: nothing may crash or leak, whatever is returned. */
void app_sweep_truncations(const struct mm_app_decoder *d, const uint8_t *data, size_t len,
                           uint16_t sport, uint16_t dport, int dir);
/* TCP: feeding data in two segments split at every offset, and byte by
 * byte, must give the same events as feeding it whole. */
void app_check_splits(const struct mm_app_decoder *d, const uint8_t *data, size_t len,
                      uint16_t sport, uint16_t dport, int dir);

#endif
