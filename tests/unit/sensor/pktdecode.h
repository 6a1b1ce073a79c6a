/* SPDX-License-Identifier: Apache-2.0
 * Runs the packet decoders on a test packet the way the tests want it: on
 * a heap copy of exactly caplen bytes, so AddressSanitizer reports any read
 * past the captured length. Header-only, for the sensor's unit tests (needs
 * cmocka.h included before it). */
#ifndef MM_TEST_PKTDECODE_H
#define MM_TEST_PKTDECODE_H

#include <stdlib.h>
#include <string.h>

#include "sensor/decode/decode.h"

static inline int pk_decode(struct mm_packet *p, int linktype, const uint8_t *data, uint32_t caplen,
                            uint32_t len)
{
    uint8_t *copy = malloc(caplen ? caplen : 1);
    assert_non_null(copy);
    memcpy(copy, data, caplen);
    memset(p, 0, sizeof(*p));
    p->data = copy;
    p->caplen = caplen;
    p->len = len;
    p->linktype = linktype;
    int r = mm_decode_packet(p);
    free(copy);
    p->data = NULL; /* pointers into the copy are gone */
    p->payload = p->l4 = NULL;
    return r;
}

#endif
