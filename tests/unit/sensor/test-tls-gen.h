/* SPDX-License-Identifier: Apache-2.0
 * TLS handshake generators shared by test-detect-tls-facts.c and
 * test-eve-tls.c: a byte builder with DER helpers, and ClientHellos from a
 * random plan (profiles, GREASE, shuffled extensions, server names from a
 * small pool, ALPN lists). The includer defines rnd() (its random numbers)
 * first, and may define TLS_GEN_ODD_NAMES (more server names: quotes,
 * control bytes, broken UTF-8, each followed by a comma) and
 * TLS_GEN_ALPN_KINDS (5 adds long random ALPN lists; default 4, so what a
 * plan draws stays what it was for the includer that does not). Each
 * includer keeps its own certificate and server flight generators. */
#ifndef MM_TEST_TLS_GEN_H
#define MM_TEST_TLS_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifndef TLS_GEN_ODD_NAMES
#define TLS_GEN_ODD_NAMES
#endif
#ifndef TLS_GEN_ALPN_KINDS
#define TLS_GEN_ALPN_KINDS 4
#endif

#define PICK(list) (list[rnd() % (sizeof list / sizeof list[0])])

/* ---- bytes ------------------------------------------------------------------------ */

struct msg {
    uint8_t b[32768];
    size_t n;
};

static void put8(struct msg *m, unsigned v)
{
    assert_true(m->n < sizeof m->b);
    m->b[m->n++] = (uint8_t)v;
}

static void put16(struct msg *m, unsigned v)
{
    put8(m, v >> 8);
    put8(m, v);
}

static void put_bytes(struct msg *m, const void *p, size_t n)
{
    assert_true(m->n + n <= sizeof m->b);
    memcpy(m->b + m->n, p, n);
    m->n += n;
}

/* Opens a length field of size bytes (1-3): returns where it starts. */
static size_t open_len(struct msg *m, unsigned size)
{
    size_t at = m->n;
    for (unsigned i = 0; i < size; i++)
        put8(m, 0);
    return at;
}

/* Fills the length field opened at at with the bytes written since. */
static void close_len(struct msg *m, size_t at, unsigned size)
{
    size_t len = m->n - at - size;
    for (unsigned i = 0; i < size; i++)
        m->b[at + i] = (uint8_t)(len >> (8 * (size - 1 - i)));
}

/* A DER TLV holding body[0..n). */
static void der(struct msg *m, uint8_t tag, const struct msg *body)
{
    put8(m, tag);
    if (body->n < 128) {
        put8(m, (unsigned)body->n);
    } else {
        put8(m, 0x82);
        put16(m, (unsigned)body->n);
    }
    put_bytes(m, body->b, body->n);
}

static void der_bytes(struct msg *m, uint8_t tag, const void *p, size_t n)
{
    struct msg b = {.n = 0};
    put_bytes(&b, p, n);
    der(m, tag, &b);
}

/* ---- ClientHellos --------------------------------------------------------------- */

static const uint16_t grease[] = {0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0xdada, 0xfafa};
static const uint16_t cipher_pool[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                                       0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
                                       0x0035, 0x000a, 0x00ff, 0x0005, 0x0004, 0xc009, 0xc00a};
static const char *const names[] = {"c2.example",          "api.c2.example",
                                    "API.C2.Example",      "www.example.com",
                                    "evil.test",           "good.example",
                                    "bad\x01name.example", "caf\xc3\xa9.example",
                                    "bin\xff.c2.example",  "",
                                    TLS_GEN_ODD_NAMES NULL}; /* NULL: a long name */

/* The choices of one hello; profiles repeat, so fingerprints recur. */
struct hello_plan {
    unsigned profile; /* 0-2: fixed lists; 3: random lists */
    bool grease, shuffle, no_extensions, cut;
    const char *name; /* NULL: no SNI */
    bool long_name;
    unsigned alpn; /* 0: none */
    unsigned version;
};

static void plan_hello(struct hello_plan *p)
{
    memset(p, 0, sizeof *p);
    p->profile = rnd() % 4;
    p->grease = rnd() % 2;
    p->shuffle = rnd() % 4 == 0;
    p->no_extensions = rnd() % 25 == 0;
    p->cut = rnd() % 30 == 0;
    unsigned k = rnd() % (sizeof names / sizeof names[0] + 2);
    p->long_name = k == sizeof names / sizeof names[0] - 1;
    p->name = k < sizeof names / sizeof names[0] - 1 ? names[k] : NULL;
    p->alpn = rnd() % TLS_GEN_ALPN_KINDS;
    static const unsigned versions[] = {0x0303, 0x0303, 0x0301, 0x0302};
    p->version = PICK(versions);
}

static void put_ciphers(struct msg *m, const struct hello_plan *p)
{
    size_t at = open_len(m, 2);
    if (p->grease)
        put16(m, PICK(grease));
    size_t n = p->profile < 3 ? 4 + 5 * p->profile : 1 + rnd() % 20;
    for (size_t i = 0; i < n; i++)
        put16(m, p->profile < 3 ? cipher_pool[(i * (p->profile + 3)) % 21] : PICK(cipher_pool));
    close_len(m, at, 2);
}

/* A long ALPN list: up to 24 names of 1-255 bytes, any bytes, often
 * quotes, backslashes, control bytes and UTF-8 right and broken. */
static void put_random_alpns(struct msg *m)
{
    static const char odd[] = "\"\\\x01\x1f\x7f\xc3\xa9\xff/";
    for (unsigned k = 0, n = 1 + rnd() % 24; k < n; k++) {
        unsigned len = rnd() % 8 == 0 ? 1 + rnd() % 255 : 1 + rnd() % 12;
        put8(m, len);
        for (unsigned i = 0; i < len; i++)
            put8(m, rnd() % 3 ? 'a' + rnd() % 26 : (uint8_t)odd[rnd() % (sizeof odd - 1)]);
    }
}

/* One extension of type t with its body (empty for the types not named). */
static void put_extension(struct msg *m, const struct hello_plan *p, unsigned t)
{
    put16(m, t);
    size_t at = open_len(m, 2), l;
    switch (t) {
    case 0: { /* server_name */
        char longname[400];
        const char *name = p->name;
        if (p->long_name) {
            memset(longname, 'a', sizeof longname - 12);
            strcpy(longname + sizeof longname - 12, ".c2.example");
            name = longname;
        }
        l = open_len(m, 2);
        put8(m, 0);
        size_t nl = open_len(m, 2);
        put_bytes(m, name, strlen(name));
        close_len(m, nl, 2);
        close_len(m, l, 2);
        break;
    }
    case 10: /* supported_groups */
        l = open_len(m, 2);
        if (p->grease)
            put16(m, PICK(grease));
        put16(m, 0x001d);
        put16(m, 0x0017);
        if (p->profile != 1)
            put16(m, 0x0018);
        close_len(m, l, 2);
        break;
    case 11: /* ec_point_formats */
        put8(m, 1);
        put8(m, 0);
        break;
    case 13: /* signature_algorithms */
        l = open_len(m, 2);
        put16(m, 0x0403);
        put16(m, 0x0804);
        if (p->profile != 2)
            put16(m, 0x0401);
        close_len(m, l, 2);
        break;
    case 16: { /* ALPN */
        static const char *const alpns[][2] = {
            {"h2", "http/1.1"}, {"http/1.1", NULL}, {"\x01x-", "h2"}};
        l = open_len(m, 2);
        if (p->alpn == 4) {
            put_random_alpns(m);
            close_len(m, l, 2);
            break;
        }
        for (int i = 0; i < 2 && alpns[p->alpn - 1][i]; i++) {
            const char *a = alpns[p->alpn - 1][i];
            put8(m, (unsigned)strlen(a));
            put_bytes(m, a, strlen(a));
        }
        close_len(m, l, 2);
        break;
    }
    case 43: /* supported_versions */
        l = open_len(m, 1);
        if (p->grease)
            put16(m, PICK(grease));
        put16(m, 0x0304);
        put16(m, 0x0303);
        close_len(m, l, 1);
        break;
    case 51: /* key_share: random bytes every time */
        for (int i = 0; i < 36; i++)
            put8(m, rnd());
        break;
    default: /* empty: session_ticket, extended_master_secret, GREASE ... */
        break;
    }
    close_len(m, at, 2);
}

static void put_extensions(struct msg *m, const struct hello_plan *p)
{
    unsigned types[16], n = 0;
    if (p->grease)
        types[n++] = PICK(grease);
    if (p->name || p->long_name)
        types[n++] = 0;
    types[n++] = 23;
    types[n++] = 65281;
    types[n++] = 10;
    types[n++] = 11;
    if (p->profile != 1)
        types[n++] = 35;
    if (p->alpn)
        types[n++] = 16;
    types[n++] = 13;
    if (p->profile != 2 && p->version == 0x0303)
        types[n++] = 43;
    if (p->profile == 0 || p->profile == 3)
        types[n++] = 51;
    for (unsigned i = n - 1; p->shuffle && i > 0; i--) { /* as browsers that shuffle */
        unsigned j = rnd() % (i + 1), t = types[i];
        types[i] = types[j];
        types[j] = t;
    }
    size_t at = open_len(m, 2);
    for (unsigned i = 0; i < n; i++)
        put_extension(m, p, types[i]);
    close_len(m, at, 2);
}

/* A ClientHello handshake message (type, length, body). */
static void gen_client_hello(struct msg *m, const struct hello_plan *p)
{
    put8(m, 1);
    size_t at = open_len(m, 3);
    put16(m, p->version);
    for (int i = 0; i < 32; i++)
        put8(m, rnd());
    put8(m, 32); /* session id */
    for (int i = 0; i < 32; i++)
        put8(m, rnd());
    put_ciphers(m, p);
    put8(m, 1); /* compression: null */
    put8(m, 0);
    if (!p->no_extensions)
        put_extensions(m, p);
    if (p->cut) { /* a whole message whose last field claims more than there is */
        m->n -= 5;
    }
    close_len(m, at, 3);
}

/* ---- certificates ----------------------------------------------------------------- */

static void put_name(struct msg *m, const char *cn)
{
    static const uint8_t cn_oid[] = {0x55, 0x04, 0x03}, o_oid[] = {0x55, 0x04, 0x0a};
    struct msg rdns = {.n = 0};
    const uint8_t *oids[2] = {o_oid, cn_oid};
    const char *values[2] = {"Example KK", cn};
    for (int i = 0; i < 2; i++) {
        struct msg atv = {.n = 0}, set = {.n = 0};
        der_bytes(&atv, 0x06, oids[i], 3);
        der_bytes(&atv, 0x0c, values[i], strlen(values[i]));
        der(&set, 0x30, &atv);
        der(&rdns, 0x31, &set);
    }
    der(m, 0x30, &rdns);
}

static void put_san(struct msg *tbs, const char *cn)
{
    static const uint8_t san_oid[] = {0x55, 0x1d, 0x11};
    struct msg names_ = {.n = 0}, seq = {.n = 0}, ext = {.n = 0}, exts = {.n = 0}, list = {.n = 0};
    der_bytes(&names_, 0x82, cn, strlen(cn));
    der_bytes(&names_, 0x82, "www.example.jp", 14);
    der_bytes(&names_, 0x87, "\xc0\x00\x02\x50", 4);
    der(&seq, 0x30, &names_);
    der_bytes(&ext, 0x06, san_oid, 3);
    der(&ext, 0x04, &seq);
    der(&list, 0x30, &ext);
    der(&exts, 0x30, &list);
    der(tbs, 0xa3, &exts);
}

#endif
