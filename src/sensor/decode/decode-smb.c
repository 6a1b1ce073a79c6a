/* SPDX-License-Identifier: Apache-2.0
 * SMB over TCP (ports 445 and 139, NetBIOS session framing): reads the
 * negotiation and, for SMBv1, the session setup, and writes "smb" events:
 *  - negotiate requests: client_dialects (SMB1 strings or SMB2 revisions),
 *    and for SMB1 "smb1_only" when no SMB 2 dialect is offered;
 *  - negotiate responses: dialect (the one chosen);
 *  - SMB1 session setup AndX requests and responses: native_os, native_lm;
 * every event has "command" (Suricata's names) and "smb1" (true for SMBv1
 * messages). Other commands are skipped. A message is buffered whole up to
 * 64 KiB; larger ones (file data) are skipped without buffering. Encrypted
 * SMB3 (transform header) is skipped. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/decode/app-util.h"

#define SMB_MSG_MAX      (64 * 1024)
#define SMB_DIALECTS_MAX 16

struct smb_state {
    uint64_t skip[2];                    /* bytes of an oversized message still to skip */
    char dialects[SMB_DIALECTS_MAX][32]; /* SMB1 negotiate request, by index */
    unsigned ndialects;
};

static json_t *smb_obj(const char *command, bool smb1)
{
    json_t *o = json_object();
    if (o) {
        json_object_set_new(o, "command", mm__app_json_str(command));
        json_object_set_new(o, "smb1", json_boolean(smb1));
    }
    return o;
}

static int smb1_negotiate(struct mm_app_ctx *ctx, struct smb_state *st, const uint8_t *m, size_t n,
                          bool reply)
{
    const uint8_t *body = m + 32;
    size_t left = n - 32;
    if (left < 1 || left < 1 + 2u * body[0] + 2)
        return MM_ETRUNC;
    uint8_t wc = body[0];
    const uint8_t *words = body + 1;
    size_t bc = mm__rd16le(body + 1 + 2 * wc);
    const uint8_t *bytes = body + 3 + 2 * wc;
    if (bc > left - 3 - 2u * wc)
        bc = left - 3 - 2u * wc;
    json_t *o = smb_obj("SMB1_COMMAND_NEGOTIATE_PROTOCOL", true);
    if (!o)
        return MM_ENOMEM;
    if (!reply) {
        json_t *arr = json_array();
        bool smb2 = false;
        st->ndialects = 0;
        for (size_t i = 0; arr && i < bc && bytes[i] == 0x02;) {
            const uint8_t *s = bytes + i + 1;
            const uint8_t *nul = memchr(s, 0, bc - i - 1);
            size_t sl = nul ? (size_t)(nul - s) : bc - i - 1;
            char text[128];
            mm__app_text(s, sl, text, sizeof text);
            if (strncmp(text, "SMB 2.", 6) == 0)
                smb2 = true;
            if (st->ndialects < SMB_DIALECTS_MAX)
                mm__app_text(s, sl, st->dialects[st->ndialects++], sizeof st->dialects[0]);
            if (json_array_size(arr) < SMB_DIALECTS_MAX)
                json_array_append_new(arr, mm__app_json_str(text));
            i += 1 + sl + 1;
        }
        if (arr)
            json_object_set_new(o, "client_dialects", arr);
        json_object_set_new(o, "smb1_only", json_boolean(!smb2));
    } else if (wc >= 1) {
        unsigned idx = mm__rd16le(words);
        if (idx < st->ndialects)
            json_object_set_new(o, "dialect", mm__app_json_str(st->dialects[idx]));
        else
            json_object_set_new(o, "dialect", mm__app_json_str("unknown"));
    }
    return mm__app_emit(ctx, "smb", o);
}

/* Reads two consecutive strings (Unicode, 2-aligned from the SMB header,
 * or OEM) starting at bytes[pos]. */
static void read_two_strings(const uint8_t *m, size_t n, size_t pos, bool unicode, char *a, char *b,
                             size_t outlen)
{
    a[0] = b[0] = '\0';
    if (unicode) {
        if (pos & 1)
            pos++;
        if (pos >= n)
            return;
        pos += mm__app_utf16le_text(m + pos, n - pos, a, outlen);
        if (pos < n)
            mm__app_utf16le_text(m + pos, n - pos, b, outlen);
    } else {
        if (pos >= n)
            return;
        const uint8_t *nul = memchr(m + pos, 0, n - pos);
        size_t l = nul ? (size_t)(nul - (m + pos)) : n - pos;
        mm__app_text(m + pos, l, a, outlen);
        pos += l + 1;
        if (pos < n) {
            nul = memchr(m + pos, 0, n - pos);
            l = nul ? (size_t)(nul - (m + pos)) : n - pos;
            mm__app_text(m + pos, l, b, outlen);
        }
    }
}

static int smb1_session_setup(struct mm_app_ctx *ctx, const uint8_t *m, size_t n, bool reply)
{
    char os[512], lm[512];
    bool unicode = mm__rd16le(m + 10) & 0x8000;
    size_t left = n - 32;
    const uint8_t *body = m + 32;
    if (left < 1 || left < 1 + 2u * body[0] + 2)
        return MM_ETRUNC;
    uint8_t wc = body[0];
    const uint8_t *w = body + 1;
    size_t bytes = 32 + 3 + 2 * (size_t)wc; /* offset of the byte block in m */
    size_t skip = 0;
    if (!reply && wc == 12)
        skip = mm__rd16le(w + 14); /* SecurityBlobLength */
    else if (!reply && wc == 13)
        skip = (size_t)mm__rd16le(w + 14) + mm__rd16le(w + 16); /* passwords */
    else if (reply && wc == 4)
        skip = mm__rd16le(w + 6);
    else if (!(reply && wc == 3))
        return 0; /* error reply or an unknown layout: nothing to read */
    size_t pos = bytes + skip;
    if (!reply && wc == 13) {
        /* AccountName and PrimaryDomain come before the OS strings */
        size_t p2 = pos;
        for (int k = 0; k < 2 && p2 < n; k++) {
            if (unicode) {
                if (p2 & 1)
                    p2++;
                while (p2 + 1 < n && (m[p2] || m[p2 + 1]))
                    p2 += 2;
                p2 += 2;
            } else {
                while (p2 < n && m[p2])
                    p2++;
                p2++;
            }
        }
        pos = p2;
    }
    read_two_strings(m, n, pos, unicode, os, lm, sizeof os);
    if (!os[0] && !lm[0])
        return 0;
    json_t *o = smb_obj("SMB1_COMMAND_SESSION_SETUP_ANDX", true);
    if (!o)
        return MM_ENOMEM;
    json_object_set_new(o, "native_os", mm__app_json_str(os));
    json_object_set_new(o, "native_lm", mm__app_json_str(lm));
    return mm__app_emit(ctx, "smb", o);
}

static int smb1_message(struct mm_app_ctx *ctx, struct smb_state *st, const uint8_t *m, size_t n)
{
    if (n < 32)
        return MM_ETRUNC;
    bool reply = m[9] & 0x80;
    switch (m[4]) {
    case 0x72:
        return smb1_negotiate(ctx, st, m, n, reply);
    case 0x73:
        return smb1_session_setup(ctx, m, n, reply);
    default:
        return 0;
    }
}

static void smb2_dialect_name(uint16_t d, char *out, size_t outlen)
{
    if (d == 0x02FF)
        snprintf(out, outlen, "2.??");
    else
        snprintf(out, outlen, "%x.%02x", (unsigned)(d >> 8), (unsigned)(d & 0xFF));
}

static int smb2_message(struct mm_app_ctx *ctx, const uint8_t *m, size_t n)
{
    char name[16];
    if (n < 64)
        return MM_ETRUNC;
    uint16_t command = mm__rd16le(m + 12);
    bool reply = mm__rd32le(m + 16) & 1;
    if (command != 0)
        return 0;
    const uint8_t *b = m + 64;
    size_t left = n - 64;
    json_t *o = smb_obj("SMB2_COMMAND_NEGOTIATE_PROTOCOL", false);
    if (!o)
        return MM_ENOMEM;
    if (!reply) {
        if (left < 36) {
            json_decref(o);
            return MM_ETRUNC;
        }
        unsigned count = mm__rd16le(b + 2);
        json_t *arr = json_array();
        for (unsigned i = 0; arr && i < count && i < SMB_DIALECTS_MAX && 36 + 2 * i + 2 <= left;
             i++) {
            smb2_dialect_name(mm__rd16le(b + 36 + 2 * i), name, sizeof name);
            json_array_append_new(arr, mm__app_json_str(name));
        }
        if (arr)
            json_object_set_new(o, "client_dialects", arr);
    } else {
        if (left < 6) {
            json_decref(o);
            return MM_ETRUNC;
        }
        if (mm__rd16le(b) == 9) { /* an error response */
            json_decref(o);
            return 0;
        }
        smb2_dialect_name(mm__rd16le(b + 4), name, sizeof name);
        json_object_set_new(o, "dialect", mm__app_json_str(name));
    }
    return mm__app_emit(ctx, "smb", o);
}

static int smb_message(struct mm_app_ctx *ctx, struct smb_state *st, const uint8_t *m, size_t n)
{
    if (n < 4)
        return MM_ETRUNC;
    if (memcmp(m, "\xffSMB", 4) == 0)
        return smb1_message(ctx, st, m, n);
    if (memcmp(m, "\xfeSMB", 4) == 0)
        return smb2_message(ctx, m, n);
    if (memcmp(m, "\xfdSMB", 4) == 0)
        return 0; /* SMB3 encrypted */
    return MM_EPARSE;
}

static long smb_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    if (!ctx->state)
        return MM_EINVAL;
    if (!*ctx->state && !(*ctx->state = calloc(1, sizeof(struct smb_state))))
        return MM_ENOMEM;
    struct smb_state *st = *ctx->state;
    uint64_t *skip = &st->skip[ctx->dir & 1];
    size_t off = 0;
    int r = 0;
    while (off < len) {
        if (*skip) {
            size_t take = *skip < len - off ? (size_t)*skip : len - off;
            *skip -= take;
            off += take;
            continue;
        }
        if (len - off < 4)
            break;
        const uint8_t *h = data + off;
        size_t mlen = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
        if (h[0] != 0x00) { /* session request/response, keep-alive: no SMB inside */
            if (h[0] != 0x81 && h[0] != 0x82 && h[0] != 0x83 && h[0] != 0x84 && h[0] != 0x85) {
                r = MM_EPARSE;
                break;
            }
            *skip = 4 + (uint64_t)mlen;
            continue;
        }
        if (mlen > SMB_MSG_MAX) {
            /* parse what is here if it is a header we care about, then skip */
            *skip = 4 + (uint64_t)mlen;
            continue;
        }
        if (len - off - 4 < mlen)
            break;
        int e = smb_message(ctx, st, h + 4, mlen);
        if (e != 0 && r == 0)
            r = e;
        off += 4 + mlen;
    }
    if (r != 0 && off == 0)
        return r;
    return (long)off;
}

static bool smb_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    (void)data;
    (void)len;
    return mm__app_port(p, 445) || mm__app_port(p, 139);
}

const struct mm_app_decoder mm_app_smb = {
    .name = "smb",
    .transport = IPPROTO_TCP,
    .probe = smb_probe,
    .parse = smb_parse,
    .state_free = free,
};
