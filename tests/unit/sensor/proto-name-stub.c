/* SPDX-License-Identifier: Apache-2.0
 * mm_flow_proto_name and mm_flow_community_id for the unit tests that build the device inventory
 * from source (mm-test-devices): the inventory's events start with the
 * sensor's fast header (eve-fast.c), which names a packet's protocol
 * through the flow table (flow.c). These tests have no flow table and no
 * packets in their headers; the names below are flow.c's, and a flow's
 * Community ID is its text as it stands (no flow here was made by a table,
 * so none waits for its hash). */
#include <stdint.h>

#include "sensor/flow.h"

const char *mm_flow_proto_name(uint8_t proto)
{
    switch (proto) {
    case 6:
        return "TCP";
    case 17:
        return "UDP";
    case 1:
        return "ICMP";
    case 58:
        return "IPv6-ICMP";
    case 132:
        return "SCTP";
    case 47:
        return "GRE";
    case 50:
        return "ESP";
    default:
        return "IP";
    }
}

const char *mm_flow_community_id(struct mm_flow *f)
{
    return f->community_id;
}
