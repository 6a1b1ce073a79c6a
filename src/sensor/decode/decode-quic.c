/* SPDX-License-Identifier: Apache-2.0
 * QUIC decoder (UDP, any port): the server name of QUIC connections.
 * A QUIC client opens with Initial packets whose protection keys anyone can
 * derive from the packet's Destination Connection ID (RFC 9001 §5.2; QUIC
 * v2: RFC 9369). This decoder removes the header protection (AES-128-ECB)
 * and decrypts (AES-128-GCM, via OpenSSL's libcrypto) the client's Initial
 * packets, collects their CRYPTO frames in offset order (out-of-order and
 * split frames across the first few packets, bounded), and hands the
 * complete ClientHello to the TLS decoder's parser (tls-hello.h). One
 * "quic" event per connection: version (hex, as Suricata writes it), sni,
 * ja3, ja4 (starting with "q") and client_alpns. Then the flow is ignored.
 * Limits: QUIC_CRYPTO_MAX bytes of handshake in at most QUIC_FRAGS_MAX
 * CRYPTO frames (kept as received, so memory follows the bytes sent),
 * QUIC_DATAGRAMS_MAX client datagrams, QUIC_PACKETS_MAX packets per
 * datagram, QUIC_FRAMES_MAX frames per packet; malformed Initials, and Initials whose
 * authentication tag fails, return MM_EPARSE (a "quic.malformed" anomaly). Server packets, 0-RTT,
 * Handshake and 1-RTT packets are not decrypted (their keys are secret). See
 * docs/design/decoders.md. */
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/decode-quic.h"
#include "sensor/decode/tls-hello.h"

#define QUIC_MIN_INITIAL   1200  /* client Initial datagrams are padded to this (RFC 9000 §14.1) */
#define QUIC_CID_MAX       20    /* connection ID bytes (v1, v2) */
#define QUIC_HDR_MAX       512   /* header bytes (long tokens: the packet is skipped) */
#define QUIC_CRYPTO_MAX    16384 /* CRYPTO stream bytes buffered per flow */
#define QUIC_DATAGRAMS_MAX 16    /* client datagrams looked at before giving up */
#define QUIC_PACKETS_MAX   8     /* coalesced packets read per datagram */
#define QUIC_FRAMES_MAX    1024  /* frames read per packet (a PADDING run counts once) */
#define QUIC_FRAGS_MAX     64    /* CRYPTO frames kept per flow */
#define QUIC_TAG_LEN       16
#define QUIC_SAMPLE_LEN    16

/* What differs between the versions we can decrypt. */
struct quic_version {
    uint32_t version;
    uint8_t salt[20];
    const char *key_label, *iv_label, *hp_label;
    uint8_t initial_type; /* long packet type of Initial packets */
    uint8_t retry_type;
};

static const struct quic_version quic_versions[] = {
    {MM_QUIC_V1,
     {0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
      0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a},
     "quic key",
     "quic iv",
     "quic hp",
     0,
     3},
    {MM_QUIC_V2,
     {0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
      0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9},
     "quicv2 key",
     "quicv2 iv",
     "quicv2 hp",
     1,
     0},
};

static const struct quic_version *version_find(uint32_t version)
{
    for (size_t i = 0; i < sizeof quic_versions / sizeof quic_versions[0]; i++)
        if (quic_versions[i].version == version)
            return &quic_versions[i];
    return NULL;
}

/* One CRYPTO frame's data, kept as it came: memory grows with the bytes
 * received, not with the offsets a sender claims. */
struct quic_frag {
    size_t off, len;
    uint8_t data[];
};

struct quic_state {
    bool done;          /* hello logged or given up: the rest is ignored */
    uint32_t datagrams; /* client datagrams seen */
    bool have_keys;
    uint32_t keys_version;
    uint8_t keys_dcid[QUIC_CID_MAX];
    size_t keys_dcid_len;
    struct mm__quic_keys keys;
    struct quic_frag *frags[QUIC_FRAGS_MAX]; /* CRYPTO data as received */
    size_t nfrags;
    size_t frag_bytes; /* sum of their lengths, at most QUIC_CRYPTO_MAX */
    size_t prefix;     /* stream bytes [0, prefix) are all present */
};

/* ---- key schedule and packet protection ---------------------------------- */

/* HMAC-SHA256 (RFC 2104) with the key's two padded blocks hashed once, so
 * the three Expand steps under one secret hash them once. The key schedule
 * is HKDF over this (RFC 5869) with the core's SHA-256: OpenSSL's KDF
 * interface fetched its HKDF and digest and parsed parameters at every
 * step, about 200 k instructions for one connection's keys. */
struct hmac256 {
    struct mm_sha256 in, out;
};

static void hmac256_key(struct hmac256 *h, const uint8_t *key, size_t keylen)
{
    uint8_t pad[64] = {0};
    memcpy(pad, key, keylen); /* keylen <= 32: no key is hashed first */
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] ^= 0x36;
    mm_sha256_init(&h->in);
    mm_sha256_update(&h->in, pad, sizeof pad);
    for (size_t i = 0; i < sizeof pad; i++)
        pad[i] ^= 0x36 ^ 0x5c;
    mm_sha256_init(&h->out);
    mm_sha256_update(&h->out, pad, sizeof pad);
}

static void hmac256(const struct hmac256 *h, const uint8_t *msg, size_t n,
                    uint8_t out[MM_SHA256_LEN])
{
    struct mm_sha256 c = h->in;
    uint8_t inner[MM_SHA256_LEN];
    mm_sha256_update(&c, msg, n);
    mm_sha256_final(&c, inner);
    c = h->out;
    mm_sha256_update(&c, inner, sizeof inner);
    mm_sha256_final(&c, out);
}

/* TLS 1.3 HKDF-Expand-Label(secret, label, "", outlen) (RFC 8446 §7.1),
 * outlen <= 32: one HMAC block, T(1) = HMAC(secret, info | 0x01). */
static void expand_label(const struct hmac256 *secret, const char *label, uint8_t *out,
                         size_t outlen)
{
    uint8_t info[2 + 1 + 6 + 32 + 1 + 1], t[MM_SHA256_LEN];
    size_t ll = strlen(label), n = 0; /* labels are ours, at most 10 bytes */
    info[n++] = (uint8_t)(outlen >> 8);
    info[n++] = (uint8_t)outlen;
    info[n++] = (uint8_t)(6 + ll);
    memcpy(info + n, "tls13 ", 6);
    n += 6;
    memcpy(info + n, label, ll);
    n += ll;
    info[n++] = 0; /* empty context */
    info[n++] = 1; /* HKDF-Expand's block counter */
    hmac256(secret, info, n, t);
    memcpy(out, t, outlen);
}

int mm__quic_client_keys(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                         struct mm__quic_keys *out)
{
    const struct quic_version *v = version_find(version);
    uint8_t initial[MM_SHA256_LEN], client[MM_SHA256_LEN];
    struct hmac256 h;
    memset(out, 0, sizeof *out);
    if (!v)
        return MM_EUNSUPPORTED;
    hmac256_key(&h, v->salt, sizeof v->salt); /* HKDF-Extract(salt, dcid) */
    hmac256(&h, dcid, dcid_len, initial);
    hmac256_key(&h, initial, sizeof initial);
    expand_label(&h, "client in", client, sizeof client);
    hmac256_key(&h, client, sizeof client);
    expand_label(&h, v->key_label, out->key, sizeof out->key);
    expand_label(&h, v->iv_label, out->iv, sizeof out->iv);
    expand_label(&h, v->hp_label, out->hp, sizeof out->hp);
    return 0;
}

/* The two ciphers, fetched once: EVP_aes_128_gcm() and _ecb() are fetched
 * from the provider again at every EVP_CipherInit_ex. */
static EVP_CIPHER *cipher_gcm, *cipher_ecb;
static pthread_once_t ciphers_once = PTHREAD_ONCE_INIT;

static void ciphers_fetch(void)
{
    cipher_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
    cipher_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
}

static const EVP_CIPHER *aes_gcm(void)
{
    pthread_once(&ciphers_once, ciphers_fetch);
    return cipher_gcm;
}

static const EVP_CIPHER *aes_ecb(void)
{
    pthread_once(&ciphers_once, ciphers_fetch);
    return cipher_ecb;
}

/* mask = AES-128-ECB(hp, sample) (RFC 9001 §5.4.3). */
static int hp_mask(const uint8_t hp[16], const uint8_t sample[QUIC_SAMPLE_LEN], uint8_t mask[16])
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, r = MM_EINVAL;
    if (c && EVP_EncryptInit_ex(c, aes_ecb(), NULL, hp, NULL) == 1 &&
        EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
        EVP_EncryptUpdate(c, mask, &n, sample, QUIC_SAMPLE_LEN) == 1 && n == 16)
        r = 0;
    EVP_CIPHER_CTX_free(c);
    return r;
}

/* The AEAD nonce: iv XOR the packet number (RFC 9001 §5.3). */
static void make_nonce(const uint8_t iv[12], uint64_t pn, uint8_t nonce[12])
{
    memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
}

/* AES-128-GCM with the header as associated data: decrypts (enc false,
 * checking the tag) or encrypts (writing the tag). MM_EAUTH on a bad tag. */
static int aead(bool enc, const struct mm__quic_keys *k, uint64_t pn, const uint8_t *aad,
                size_t aadlen, const uint8_t *in, size_t n, uint8_t *out, uint8_t tag[16])
{
    uint8_t nonce[12];
    int len = 0, r = MM_EINVAL;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || n > INT32_MAX || aadlen > INT32_MAX)
        goto out;
    make_nonce(k->iv, pn, nonce);
    if (EVP_CipherInit_ex(c, aes_gcm(), NULL, k->key, nonce, enc ? 1 : 0) != 1 ||
        EVP_CipherUpdate(c, NULL, &len, aad, (int)aadlen) != 1 ||
        (n && EVP_CipherUpdate(c, out, &len, in, (int)n) != 1))
        goto out;
    if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, QUIC_TAG_LEN, tag) != 1)
        goto out;
    if (EVP_CipherFinal_ex(c, out + n, &len) != 1) {
        r = enc ? MM_EINVAL : MM_EAUTH;
        goto out;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, QUIC_TAG_LEN, tag) != 1)
        goto out;
    r = 0;
out:
    EVP_CIPHER_CTX_free(c);
    return r;
}

/* ---- packet layout ------------------------------------------------------- */

/* A QUIC variable-length integer (RFC 9000 §16). */
static bool cur_varint(struct mm__cur *c, uint64_t *v)
{
    uint8_t b;
    if (!mm__cur_u8(c, &b))
        return false;
    size_t extra = ((size_t)1 << (b >> 6)) - 1;
    uint64_t x = b & 0x3f;
    if (extra > mm__cur_left(c))
        return false;
    for (size_t i = 0; i < extra; i++)
        x = x << 8 | c->p[c->off++];
    *v = x;
    return true;
}

/* One long-header packet of a known version at the start of a datagram's
 * remaining bytes. */
struct quic_pkt {
    const struct quic_version *v;
    uint8_t type;
    const uint8_t *dcid;
    size_t dcid_len;
    size_t pn_off; /* offset of the (protected) packet number */
    size_t end;    /* offset just past the packet */
};

enum { PKT_OK = 0, PKT_STOP = 1 }; /* PKT_STOP: nothing more we can read */

/* Reads the long header of d[0..len). Returns PKT_OK, PKT_STOP (a short
 * header, padding, an unknown version or a Retry: the datagram's rest is
 * not ours to read) or MM_EPARSE. */
static int read_long_header(const uint8_t *d, size_t len, struct quic_pkt *k)
{
    struct mm__cur c;
    uint8_t b0, scid_len, dcid_len;
    uint32_t version;
    uint64_t token_len = 0, length;
    const uint8_t *scid;
    mm__cur_init(&c, d, len);
    if (!mm__cur_u8(&c, &b0) || !(b0 & 0x80))
        return PKT_STOP;
    if (!mm__cur_u32(&c, &version))
        return MM_EPARSE;
    if (!(k->v = version_find(version)))
        return PKT_STOP;
    k->type = (b0 >> 4) & 3;
    if (k->type == k->v->retry_type)
        return PKT_STOP;
    if (!mm__cur_u8(&c, &dcid_len) || dcid_len > QUIC_CID_MAX ||
        !mm__cur_take(&c, dcid_len, &k->dcid) || !mm__cur_u8(&c, &scid_len) ||
        scid_len > QUIC_CID_MAX || !mm__cur_take(&c, scid_len, &scid))
        return MM_EPARSE;
    k->dcid_len = dcid_len;
    if (k->type == k->v->initial_type &&
        (!cur_varint(&c, &token_len) || token_len > mm__cur_left(&c) ||
         !mm__cur_skip(&c, (size_t)token_len)))
        return MM_EPARSE;
    if (!cur_varint(&c, &length) || length > mm__cur_left(&c))
        return MM_EPARSE;
    k->pn_off = c.off;
    k->end = c.off + (size_t)length;
    return PKT_OK;
}

/* ---- CRYPTO stream and ClientHello --------------------------------------- */

static void crypto_release(struct quic_state *st)
{
    for (size_t i = 0; i < st->nfrags; i++)
        free(st->frags[i]);
    st->nfrags = st->frag_bytes = 0;
}

/* Extends st->prefix over every fragment that starts inside it. */
static void crypto_advance(struct quic_state *st)
{
    bool moved = true;
    while (moved) {
        moved = false;
        for (size_t i = 0; i < st->nfrags; i++) {
            const struct quic_frag *f = st->frags[i];
            if (f->off <= st->prefix && f->off + f->len > st->prefix) {
                st->prefix = f->off + f->len;
                moved = true;
            }
        }
    }
}

/* Copies stream bytes [start, start + n) (all present: n <= prefix) to out. */
static void crypto_copy(const struct quic_state *st, size_t start, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < st->nfrags; i++) {
        const struct quic_frag *f = st->frags[i];
        size_t lo = f->off > start ? f->off : start;
        size_t hi = f->off + f->len < start + n ? f->off + f->len : start + n;
        if (lo < hi)
            memcpy(out + (lo - start), f->data + (lo - f->off), hi - lo);
    }
}

/* Keeps the data of a CRYPTO frame at stream offset off. Data past
 * QUIC_CRYPTO_MAX is dropped (a hello reaching there is refused later);
 * more than QUIC_FRAGS_MAX frames or QUIC_CRYPTO_MAX bytes in all is
 * MM_ELIMIT, and the connection is given up. */
static int crypto_add(struct quic_state *st, uint64_t off, const uint8_t *p, size_t n)
{
    if (off >= QUIC_CRYPTO_MAX || n == 0)
        return 0;
    if (n > QUIC_CRYPTO_MAX - off)
        n = QUIC_CRYPTO_MAX - (size_t)off;
    if (st->nfrags >= QUIC_FRAGS_MAX || n > QUIC_CRYPTO_MAX - st->frag_bytes) {
        st->done = true; /* give up on this connection */
        crypto_release(st);
        return MM_ELIMIT;
    }
    struct quic_frag *f = malloc(sizeof *f + n);
    if (!f)
        return MM_ENOMEM;
    f->off = (size_t)off;
    f->len = n;
    memcpy(f->data, p, n);
    st->frags[st->nfrags++] = f;
    st->frag_bytes += n;
    crypto_advance(st);
    return 0;
}

/* Version as Suricata writes it: lower-case hex ("1", "6b3343cf"). */
static json_t *version_json(uint32_t version)
{
    char s[12];
    snprintf(s, sizeof s, "%x", (unsigned)version);
    return json_string(s);
}

static void emit_hello(struct mm_app_ctx *ctx, uint32_t version, json_t *hello)
{
    json_t *o = json_object();
    if (!o || json_object_set_new(o, "version", version_json(version)) != 0 ||
        json_object_update(o, hello) != 0) {
        json_decref(o);
        return;
    }
    mm__app_emit(ctx, "quic", o);
}

/* Once the stream starts with a complete handshake message: parses it as a
 * ClientHello, emits the event and ends the flow's decoding. */
static int try_hello(struct mm_app_ctx *ctx, struct quic_state *st, uint32_t version)
{
    json_t *hello = NULL;
    uint8_t hs[4], *msg = NULL;
    int r = 0;
    if (st->prefix < 4)
        return 0;
    crypto_copy(st, 0, 4, hs);
    size_t mlen = (size_t)hs[1] << 16 | (size_t)hs[2] << 8 | hs[3];
    if (hs[0] != 1 /* ClientHello */ || mlen > QUIC_CRYPTO_MAX - 4)
        r = MM_EPARSE;
    else if (st->prefix < 4 + mlen)
        return 0;
    else if (!(msg = malloc(mlen ? mlen : 1)))
        r = MM_ENOMEM;
    else {
        crypto_copy(st, 4, mlen, msg);
        if ((r = mm__tls_client_hello_json(msg, mlen, 'q', &hello)) == 0)
            emit_hello(ctx, version, hello);
    }
    free(msg);
    json_decref(hello);
    st->done = true;
    crypto_release(st);
    return r;
}

/* ACK frame (types 2 and 3, RFC 9000 §19.3): skipped. */
static bool skip_ack(struct mm__cur *c, bool ecn)
{
    uint64_t v, ranges;
    if (!cur_varint(c, &v) || !cur_varint(c, &v) || !cur_varint(c, &ranges) || !cur_varint(c, &v) ||
        ranges > mm__cur_left(c))
        return false;
    for (uint64_t i = 0; i < ranges; i++)
        if (!cur_varint(c, &v) || !cur_varint(c, &v))
            return false;
    for (int i = 0; ecn && i < 3; i++)
        if (!cur_varint(c, &v))
            return false;
    return true;
}

/* The frames of a decrypted Initial packet. Only PADDING, PING, ACK,
 * CRYPTO and CONNECTION_CLOSE may appear there (RFC 9000 §12.4). */
static int read_frames(struct quic_state *st, const uint8_t *p, size_t n)
{
    struct mm__cur c;
    uint64_t type, off, len, v;
    const uint8_t *data;
    int r;
    mm__cur_init(&c, p, n);
    for (size_t frames = 0; mm__cur_left(&c) > 0; frames++) {
        if (frames >= QUIC_FRAMES_MAX || !cur_varint(&c, &type))
            return MM_EPARSE;
        switch (type) {
        case 0x00: /* PADDING: a run of zero bytes */
            while (mm__cur_left(&c) > 0 && c.p[c.off] == 0)
                c.off++;
            break;
        case 0x01: /* PING */
            break;
        case 0x02:
        case 0x03:
            if (!skip_ack(&c, type == 0x03))
                return MM_EPARSE;
            break;
        case 0x06: /* CRYPTO */
            if (!cur_varint(&c, &off) || !cur_varint(&c, &len) || len > mm__cur_left(&c) ||
                !mm__cur_take(&c, (size_t)len, &data))
                return MM_EPARSE;
            if ((r = crypto_add(st, off, data, (size_t)len)) != 0)
                return r;
            break;
        case 0x1c: /* CONNECTION_CLOSE: the client gave up */
            if (!cur_varint(&c, &v) || !cur_varint(&c, &v) || !cur_varint(&c, &len) ||
                len > mm__cur_left(&c) || !mm__cur_skip(&c, (size_t)len))
                return MM_EPARSE;
            break;
        default:
            return MM_EPARSE;
        }
    }
    return 0;
}

/* ---- Initial packets ------------------------------------------------------ */

/* Makes keys, derived from this packet's DCID, the flow's keys. */
static void adopt_keys(struct quic_state *st, const struct quic_pkt *k,
                       const struct mm__quic_keys *keys)
{
    st->keys = *keys;
    st->have_keys = true;
    st->keys_version = k->v->version;
    memcpy(st->keys_dcid, k->dcid, k->dcid_len);
    st->keys_dcid_len = k->dcid_len;
}

static bool same_dcid(const struct quic_state *st, const struct quic_pkt *k)
{
    return st->keys_dcid_len == k->dcid_len && memcmp(st->keys_dcid, k->dcid, k->dcid_len) == 0;
}

/* Removes header protection and decrypts the packet pkt[0..k->end) with
 * st->keys into plain (k->end bytes); *plain_len gets the frames' length.
 * MM_EAUTH when the tag does not match: plain then holds the decryption
 * all the same (GCM decrypts before it checks). */
static int unprotect(const struct mm__quic_keys *keys, const uint8_t *pkt, const struct quic_pkt *k,
                     uint8_t *plain, size_t *plain_len)
{
    uint8_t hdr[QUIC_HDR_MAX + 4], mask[16];
    uint64_t pn = 0;
    int r;
    if ((r = hp_mask(keys->hp, pkt + k->pn_off + 4, mask)) != 0)
        return r;
    memcpy(hdr, pkt, k->pn_off + 4);
    hdr[0] ^= mask[0] & 0x0f;
    size_t pn_len = (size_t)(hdr[0] & 3) + 1, hlen = k->pn_off + pn_len;
    for (size_t i = 0; i < pn_len; i++) {
        hdr[k->pn_off + i] ^= mask[1 + i];
        pn = pn << 8 | hdr[k->pn_off + i];
    }
    if (k->end < hlen + QUIC_TAG_LEN)
        return MM_EPARSE;
    size_t ct_len = k->end - hlen - QUIC_TAG_LEN;
    uint8_t tag[QUIC_TAG_LEN];
    memcpy(tag, pkt + k->end - QUIC_TAG_LEN, QUIC_TAG_LEN);
    r = aead(false, keys, pn, hdr, hlen, pkt + hlen, ct_len, plain, tag);
    if (r == 0 || r == MM_EAUTH)
        *plain_len = ct_len;
    return r;
}

/* After a Retry the client's Initials use keys of a new DCID: tries those
 * and adopts them when the packet authenticates; plain is left alone
 * otherwise. Returns 0 on success. */
static int unprotect_new_dcid(struct quic_state *st, const uint8_t *pkt, const struct quic_pkt *k,
                              uint8_t *plain, size_t *plain_len)
{
    struct mm__quic_keys fresh;
    size_t n = 0;
    uint8_t *tmp = malloc(k->end);
    int r = MM_ENOMEM;
    if (!tmp)
        goto out;
    if ((r = mm__quic_client_keys(k->v->version, k->dcid, k->dcid_len, &fresh)) != 0 ||
        (r = unprotect(&fresh, pkt, k, tmp, &n)) != 0)
        goto out;
    memcpy(plain, tmp, n);
    *plain_len = n;
    adopt_keys(st, k, &fresh);
out:
    free(tmp);
    return r;
}

/* One client Initial packet pkt[0..k->end). Initial keys are public, so a
 * valid tag proves nothing about the sender; a packet whose tag fails is
 * still read (as Maltrail does), and the datagram is then reported as
 * malformed even when it completed the hello. */
static int on_initial(struct mm_app_ctx *ctx, struct quic_state *st, const uint8_t *pkt,
                      const struct quic_pkt *k)
{
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    int r;
    if (k->pn_off > QUIC_HDR_MAX)
        return 0; /* a long token: not worth a copy */
    if (k->end < k->pn_off + 4 + QUIC_SAMPLE_LEN)
        return MM_EPARSE; /* no room for the header protection sample */
    if (!(plain = malloc(k->end))) {
        r = MM_ENOMEM;
        goto out;
    }
    /* later client Initials keep the first one's keys though their DCID
     * changes (RFC 9001 §5.2) */
    if (!st->have_keys || st->keys_version != k->v->version) {
        struct mm__quic_keys keys;
        if ((r = mm__quic_client_keys(k->v->version, k->dcid, k->dcid_len, &keys)) != 0)
            goto out;
        adopt_keys(st, k, &keys);
    }
    r = unprotect(&st->keys, pkt, k, plain, &plain_len);
    if (r == MM_EAUTH && !same_dcid(st, k) &&
        unprotect_new_dcid(st, pkt, k, plain, &plain_len) == 0)
        r = 0;
    if (r != 0 && r != MM_EAUTH) {
        r = MM_EPARSE;
        goto out;
    }
    bool bad_tag = r == MM_EAUTH;
    if ((r = read_frames(st, plain, plain_len)) != 0)
        goto out;
    r = try_hello(ctx, st, k->v->version);
    if (r == 0 && bad_tag)
        r = MM_EPARSE;
out:
    free(plain);
    return r;
}

static void quic_state_free(void *p)
{
    struct quic_state *st = p;
    if (!st)
        return;
    crypto_release(st);
    free(st);
}

/* A datagram: the client's Initial packets in it (coalesced packets are
 * walked by their Length fields); the server's datagrams are ignored. */
static long quic_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    struct quic_pkt k;
    int r = 0;
    if (!ctx->state)
        return MM_EINVAL; /* the decoder needs its per-flow slot */
    struct quic_state *st = *ctx->state;
    if (ctx->dir != 0 || (st && st->done))
        return 0;
    if (!st && !(st = *ctx->state = calloc(1, sizeof *st)))
        return MM_ENOMEM;
    if (++st->datagrams > QUIC_DATAGRAMS_MAX) {
        st->done = true;
        crypto_release(st);
        return 0;
    }
    size_t off = 0;
    for (int i = 0; i < QUIC_PACKETS_MAX && off < len && !st->done; i++) {
        if ((r = read_long_header(data + off, len - off, &k)) == PKT_STOP)
            break;
        if (r != 0)
            return r;
        if (k.type == k.v->initial_type && (r = on_initial(ctx, st, data + off, &k)) != 0)
            return r;
        off += k.end;
    }
    return 0;
}

/* A long-header Initial of QUIC v1 or v2 with the fixed bit set, in a
 * datagram padded as client Initials must be. */
static bool quic_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    (void)p;
    if (len < QUIC_MIN_INITIAL || (data[0] & 0xc0) != 0xc0)
        return false;
    const struct quic_version *v = version_find(mm__rd32(data + 1));
    return v && ((data[0] >> 4) & 3) == v->initial_type;
}

int mm__quic_seal_initial(uint32_t version, const uint8_t *dcid, size_t dcid_len, uint32_t pn,
                          const uint8_t *frames, size_t n, uint8_t *out, size_t cap, size_t *outlen)
{
    const struct quic_version *v = version_find(version);
    struct mm__quic_keys keys;
    uint8_t mask[16];
    size_t h = 0, length = 4 + n + QUIC_TAG_LEN;
    int r;
    *outlen = 0;
    if (!v)
        return MM_EUNSUPPORTED;
    if (dcid_len > QUIC_CID_MAX || n < QUIC_SAMPLE_LEN || length > 0x3fff ||
        cap < 1 + 4 + 1 + dcid_len + 1 + 1 + 2 + length)
        return MM_ETOOBIG;
    if ((r = mm__quic_client_keys(version, dcid, dcid_len, &keys)) != 0)
        return r;
    out[h++] = (uint8_t)(0xc0 | v->initial_type << 4 | 3); /* 4-byte packet number */
    for (int i = 3; i >= 0; i--)
        out[h++] = (uint8_t)(version >> (8 * i));
    out[h++] = (uint8_t)dcid_len;
    memcpy(out + h, dcid, dcid_len);
    h += dcid_len;
    out[h++] = 0; /* source CID */
    out[h++] = 0; /* token */
    out[h++] = (uint8_t)(0x40 | length >> 8);
    out[h++] = (uint8_t)length;
    size_t pn_off = h;
    for (int i = 3; i >= 0; i--)
        out[h++] = (uint8_t)(pn >> (8 * i));
    if ((r = aead(true, &keys, pn, out, h, frames, n, out + h, out + h + n)) != 0 ||
        (r = hp_mask(keys.hp, out + pn_off + 4, mask)) != 0)
        return r;
    out[0] ^= mask[0] & 0x0f;
    for (int i = 0; i < 4; i++)
        out[pn_off + i] ^= mask[1 + i];
    *outlen = h + n + QUIC_TAG_LEN;
    return 0;
}

const struct mm_app_decoder mm_app_quic = {
    .name = "quic",
    .transport = IPPROTO_UDP,
    .probe = quic_probe,
    .parse = quic_parse,
    .state_free = quic_state_free,
};
