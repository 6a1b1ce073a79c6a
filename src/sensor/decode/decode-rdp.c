/* SPDX-License-Identifier: Apache-2.0
 * RDP connection setup (TCP port 3389): the X.224 Connection Request in a
 * TPKT carries an optional "Cookie: mstshash=USER" line (the user name the
 * client typed) and an RDP negotiation request; the Connection Confirm
 * carries the protocol the server picked. Writes "rdp" events in
 * Suricata's form: {"event_type": "initial_request", "cookie": "..."} and
 * {"event_type": "initial_response", "protocol": "ssl"|"hybrid"|...}.
 * Everything after the first TPKT of each direction (TLS, encrypted RDP)
 * is consumed without parsing. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/decode/app-util.h"

#define TPKT_MAX 4096 /* a connection request or confirm is small */

struct rdp_state {
    bool done[2];
};

static const char *protocol_name(uint32_t p)
{
    switch (p) {
    case 0:
        return "rdp";
    case 1:
        return "ssl";
    case 2:
    case 3:
        return "hybrid";
    case 4:
        return "rdstls";
    case 8:
    case 10:
    case 11:
        return "hybrid_ex";
    default:
        return "unknown";
    }
}

static int connection_request(struct mm_app_ctx *ctx, const uint8_t *p, size_t n)
{
    static const char k[] = "Cookie: mstshash=";
    json_t *o = json_object();
    if (!o)
        return MM_ENOMEM;
    json_object_set_new(o, "event_type", mm__app_json_str("initial_request"));
    if (n >= sizeof k - 1 && memcmp(p, k, sizeof k - 1) == 0) {
        const uint8_t *v = p + sizeof k - 1;
        size_t vl = n - (sizeof k - 1);
        const uint8_t *cr = memchr(v, '\r', vl);
        if (cr)
            vl = (size_t)(cr - v);
        mm__app_set_text(o, "cookie", v, vl);
    }
    return mm__app_emit(ctx, "rdp", o);
}

static int connection_confirm(struct mm_app_ctx *ctx, const uint8_t *p, size_t n)
{
    json_t *o = json_object();
    if (!o)
        return MM_ENOMEM;
    json_object_set_new(o, "event_type", mm__app_json_str("initial_response"));
    if (n >= 8 && p[0] == 0x02) /* TYPE_RDP_NEG_RSP */
        json_object_set_new(o, "protocol", mm__app_json_str(protocol_name(mm__rd32le(p + 4))));
    else if (n >= 8 && p[0] == 0x03) /* TYPE_RDP_NEG_FAILURE */
        json_object_set_new(o, "error_code", json_integer(mm__rd32le(p + 4)));
    return mm__app_emit(ctx, "rdp", o);
}

static long rdp_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    if (!ctx->state)
        return MM_EINVAL;
    if (!*ctx->state && !(*ctx->state = calloc(1, sizeof(struct rdp_state))))
        return MM_ENOMEM;
    struct rdp_state *st = *ctx->state;
    bool *done = &st->done[ctx->dir & 1];
    if (*done)
        return (long)len;
    if (len < 4)
        return 0;
    size_t tlen = mm__rd16(data + 2);
    if (data[0] != 3 || tlen < 11 || tlen > TPKT_MAX) {
        *done = true;
        return MM_EPARSE;
    }
    if (len < tlen)
        return 0;
    *done = true;
    const uint8_t *x = data + 4;
    size_t li = x[0];
    if (li + 1 > tlen - 4 || li < 6)
        return MM_EPARSE;
    uint8_t code = x[1] & 0xF0;
    const uint8_t *var = x + 7; /* after LI, code, dst-ref, src-ref, class */
    size_t vlen = li + 1 - 7;
    int r = 0;
    if (code == 0xE0)
        r = connection_request(ctx, var, vlen);
    else if (code == 0xD0)
        r = connection_confirm(ctx, var, vlen);
    return r != 0 ? r : (long)len;
}

static bool rdp_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    return mm__app_port(p, 3389) && len >= 2 && data[0] == 3 && data[1] == 0;
}

const struct mm_app_decoder mm_app_rdp = {
    .name = "rdp",
    .transport = IPPROTO_TCP,
    .probe = rdp_probe,
    .parse = rdp_parse,
    .state_free = free,
};
