/* SPDX-License-Identifier: Apache-2.0
 * TLS handshake decoder (any TCP port, recognised by its record header).
 * Reads records (fragmented across segments, several per segment),
 * reassembles handshake messages across records (at most 64 KiB buffered
 * per direction), and writes two "tls" events per connection:
 *  - the client part when the ClientHello is complete: sni, client_alpns,
 *    ja3 {hash, string}, ja4;
 *  - the server part when the server's handshake is visible: version,
 *    ja3s {hash, string}, server_alpns and, from a plaintext Certificate
 *    message (TLS 1.2 and older), subject, issuerdn, serial, fingerprint,
 *    notbefore, notafter, subjectaltname of the first (server) certificate.
 * TLS 1.3 encrypts the certificate, so TLS 1.3 server parts carry no
 * certificate fields. After the interesting messages (or a
 * ChangeCipherSpec) a direction's bytes are consumed without parsing.
 * Each part is first a typed record (struct mm__tls_part, tls-hello.h);
 * the sensor's direct path (mm__tls_direct, eve-tls.c) writes its line
 * from it without a jansson object, else the "tls" object is made from it
 * (part_json, the reference the direct line is held to). The server part
 * waits in the flow's state (about 30 KiB) between ServerHello and the
 * certificate. The ClientHello parser (fields, JA3, JA4) is shared with
 * QUIC through tls-hello.h. The JA3/JA4 texts are written into stack buffers and their
 * digests come from a small per-thread memo (the same software sends the
 * same lists on every connection); x509.c keeps one of certificates. */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/str.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/memo-hash.h"
#include "sensor/decode/tls-facts.h"
#include "sensor/decode/tls-hello.h"
#include "sensor/decode/x509.h"

#define TLS_REC_MAX (16384 + 2048) /* TLSCiphertext limit */
#define TLS_HS_MAX  (64 * 1024)    /* handshake bytes buffered per direction */
/* Handshake bytes and pending server parts all flows of a thread hold at
 * once: without it, 65 536 flows of half-sent handshakes could hold 64 KiB
 * a direction each (gigabytes). Beyond it a flow's handshake is refused
 * (MM_ELIMIT: the pipeline's "tls.malformed" anomaly; the flow goes on). */
#define TLS_MEMCAP   MM_TLS_MEMCAP_DEFAULT /* [tls] memcap */
#define TLS_LIST_MAX 256                   /* ciphers, extensions, groups... kept per hello */
#define TLS_ALPN_MAX MM_TLS_ALPN_MAX
/* JA3 text: version, then four lists of at most TLS_LIST_MAX values of at
 * most 5 digits and a separator each */
#define JA3_TEXT_MAX MM_TLS_JA3_TEXT_MAX
/* JA4 hashed text: two lists of at most TLS_LIST_MAX "xxxx," and a '_' */
#define JA4_TEXT_MAX (2 + 2 * TLS_LIST_MAX * 5)
#define JA4_LEN      MM_TLS_JA4_LEN

enum { REC_CCS = 20, REC_ALERT = 21, REC_HANDSHAKE = 22, REC_APPDATA = 23, REC_HEARTBEAT = 24 };
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11, HS_SERVER_DONE = 14 };

struct tls_dir {
    uint8_t *hs; /* partial handshake messages */
    size_t hs_len;
    size_t hs_size; /* bytes allocated at hs, counted in tls_held */
    bool skip;      /* nothing more to read in this direction: consume all */
};

struct tls_state {
    struct tls_dir d[2];
    bool client_done;
    bool server_hello;
    bool server_done;
    struct mm__tls_part *server; /* server part being built, emitted once */
    size_t server_size;          /* its bytes (MM_TLS_PART_SIZE) */
};

struct u16list {
    uint16_t v[TLS_LIST_MAX];
    size_t n;
};

struct hello {
    uint16_t version;
    struct u16list ciphers, exts, groups, sigalgs, versions;
    uint8_t pf[TLS_LIST_MAX];
    size_t pf_n;
    bool has_sni;
    char sni[MM_TLS_SNI_TEXT]; /* mm__app_text of the name: valid UTF-8 */
    size_t sni_len;
    size_t nalpn; /* ALPN values kept (at most TLS_ALPN_MAX), in the message */
    const uint8_t *alpn[TLS_ALPN_MAX];
    uint8_t alpn_len[TLS_ALPN_MAX];
    const uint8_t *alpn0; /* first ALPN value (for JA4) */
    size_t alpn0_len;
    uint16_t selected_version; /* ServerHello supported_versions */
};

/* Empties h without clearing its large arrays (only their counts). */
static void hello_init(struct hello *h)
{
    h->version = 0;
    h->ciphers.n = h->exts.n = h->groups.n = h->sigalgs.n = h->versions.n = 0;
    h->pf_n = 0;
    h->has_sni = false;
    h->sni[0] = '\0';
    h->sni_len = 0;
    h->nalpn = 0;
    h->alpn0 = NULL;
    h->alpn0_len = 0;
    h->selected_version = 0;
}

static bool is_grease(uint16_t v)
{
    return (v & 0x0F0F) == 0x0A0A && (v >> 8) == (v & 0xFF);
}

static void list_add(struct u16list *l, uint16_t v)
{
    if (l->n < TLS_LIST_MAX)
        l->v[l->n++] = v;
}

static const char *version_name(uint16_t v)
{
    switch (v) {
    case 0x0200:
        return "SSLv2";
    case 0x0300:
        return "SSLv3";
    case 0x0301:
        return "TLSv1";
    case 0x0302:
        return "TLS 1.1";
    case 0x0303:
        return "TLS 1.2";
    case 0x0304:
        return "TLS 1.3";
    default:
        return "UNDETERMINED";
    }
}

/* Reads a list of 16-bit values preceded by a length of lenbytes bytes. */
static void read_u16_list(const uint8_t *p, size_t n, size_t lenbytes, struct u16list *l)
{
    struct mm__cur c;
    uint8_t l8;
    uint16_t l16, v = 0;
    size_t ll;
    mm__cur_init(&c, p, n);
    if (lenbytes == 1) {
        if (!mm__cur_u8(&c, &l8))
            return;
        ll = l8;
    } else {
        if (!mm__cur_u16(&c, &l16))
            return;
        ll = l16;
    }
    if (ll > mm__cur_left(&c))
        return;
    for (size_t i = 0; i + 1 < ll; i += 2) {
        mm__cur_u16(&c, &v);
        list_add(l, v);
    }
}

static void read_sni(const uint8_t *p, size_t n, struct hello *h)
{
    struct mm__cur c;
    uint16_t ll, nl;
    uint8_t type;
    const uint8_t *name;
    mm__cur_init(&c, p, n);
    if (!mm__cur_u16(&c, &ll) || ll > mm__cur_left(&c))
        return;
    while (mm__cur_u8(&c, &type) && mm__cur_u16(&c, &nl) && mm__cur_take(&c, nl, &name)) {
        if (type == 0) {
            h->sni_len = mm__app_text(name, nl, h->sni, sizeof h->sni);
            return;
        }
    }
}

static void read_alpn(const uint8_t *p, size_t n, struct hello *h)
{
    struct mm__cur c;
    uint16_t ll;
    uint8_t l;
    const uint8_t *v;
    mm__cur_init(&c, p, n);
    if (!mm__cur_u16(&c, &ll) || ll > mm__cur_left(&c))
        return;
    c.len = c.off + ll;
    while (mm__cur_u8(&c, &l) && mm__cur_take(&c, l, &v)) {
        if (!h->alpn0) {
            h->alpn0 = v;
            h->alpn0_len = l;
        }
        if (h->nalpn < TLS_ALPN_MAX) {
            h->alpn[h->nalpn] = v;
            h->alpn_len[h->nalpn++] = l;
        }
    }
}

static void read_extension(uint16_t type, const uint8_t *p, size_t n, struct hello *h, bool server)
{
    switch (type) {
    case 0:
        h->has_sni = true;
        if (!server)
            read_sni(p, n, h);
        break;
    case 10:
        read_u16_list(p, n, 2, &h->groups);
        break;
    case 11:
        if (n >= 1 && (size_t)p[0] + 1 <= n)
            for (size_t i = 0; i < p[0] && h->pf_n < TLS_LIST_MAX; i++)
                h->pf[h->pf_n++] = p[1 + i];
        break;
    case 13:
        read_u16_list(p, n, 2, &h->sigalgs);
        break;
    case 16:
        read_alpn(p, n, h);
        break;
    case 43:
        if (server) {
            if (n == 2)
                h->selected_version = mm__rd16(p);
        } else {
            read_u16_list(p, n, 1, &h->versions);
        }
        break;
    default:
        break;
    }
}

/* Reads the extensions block (2-byte length, then type/length/data). */
static int read_extensions(struct mm__cur *c, struct hello *h, bool server)
{
    uint16_t total, type, elen;
    const uint8_t *blk, *data;
    struct mm__cur e;
    if (mm__cur_left(c) == 0)
        return 0; /* no extensions at all */
    if (!mm__cur_u16(c, &total) || !mm__cur_take(c, total, &blk))
        return MM_EPARSE;
    mm__cur_init(&e, blk, total);
    while (mm__cur_left(&e) > 0) {
        if (!mm__cur_u16(&e, &type) || !mm__cur_u16(&e, &elen) || !mm__cur_take(&e, elen, &data))
            return MM_EPARSE;
        list_add(&h->exts, type);
        read_extension(type, data, elen, h, server);
    }
    return 0;
}

static int parse_client_hello(const uint8_t *p, size_t n, struct hello *h)
{
    struct mm__cur c;
    uint8_t sid, comp;
    uint16_t cs_len, v;
    const uint8_t *cs;
    mm__cur_init(&c, p, n);
    if (!mm__cur_u16(&c, &h->version) || !mm__cur_skip(&c, 32) || !mm__cur_u8(&c, &sid) ||
        !mm__cur_skip(&c, sid) || !mm__cur_u16(&c, &cs_len) || !mm__cur_take(&c, cs_len, &cs) ||
        (cs_len & 1) || !mm__cur_u8(&c, &comp) || !mm__cur_skip(&c, comp))
        return MM_EPARSE;
    for (size_t i = 0; i + 1 < cs_len; i += 2) {
        v = mm__rd16(cs + i);
        list_add(&h->ciphers, v);
    }
    return read_extensions(&c, h, false);
}

static int parse_server_hello(const uint8_t *p, size_t n, struct hello *h)
{
    struct mm__cur c;
    uint8_t sid, comp;
    uint16_t cipher;
    mm__cur_init(&c, p, n);
    if (!mm__cur_u16(&c, &h->version) || !mm__cur_skip(&c, 32) || !mm__cur_u8(&c, &sid) ||
        !mm__cur_skip(&c, sid) || !mm__cur_u16(&c, &cipher) || !mm__cur_u8(&c, &comp))
        return MM_EPARSE;
    (void)comp;
    list_add(&h->ciphers, cipher);
    return read_extensions(&c, h, true);
}

/* Writes v (a 16-bit value) in decimal at w; returns the end. */
static char *put_dec(char *w, unsigned v)
{
    if (v < 10) {
        *w = (char)('0' + v);
        return w + 1;
    }
    if (v < 100) {
        memcpy(w, mm_decimal_pairs + 2 * v, 2);
        return w + 2;
    }
    if (v < 1000) {
        *w = (char)('0' + v / 100);
        memcpy(w + 1, mm_decimal_pairs + 2 * (v % 100), 2);
        return w + 3;
    }
    if (v < 10000) {
        memcpy(w, mm_decimal_pairs + 2 * (v / 100), 2);
        memcpy(w + 2, mm_decimal_pairs + 2 * (v % 100), 2);
        return w + 4;
    }
    *w = (char)('0' + v / 10000);
    v %= 10000;
    memcpy(w + 1, mm_decimal_pairs + 2 * (v / 100), 2);
    memcpy(w + 3, mm_decimal_pairs + 2 * (v % 100), 2);
    return w + 5;
}

/* Writes v as four lower-case hex digits at w; returns the end. */
static char *put_hex4(char *w, unsigned v)
{
    static const char hexd[] = "0123456789abcdef";
    w[0] = hexd[(v >> 12) & 15];
    w[1] = hexd[(v >> 8) & 15];
    w[2] = hexd[(v >> 4) & 15];
    w[3] = hexd[v & 15];
    return w + 4;
}

/* Writes the non-GREASE values in decimal, joined by '-'; returns the end. */
static char *ja3_list(char *w, const uint16_t *v, size_t n)
{
    const char *start = w;
    for (size_t i = 0; i < n; i++) {
        if (is_grease(v[i]))
            continue;
        if (w != start)
            *w++ = '-';
        w = put_dec(w, v[i]);
    }
    return w;
}

/* The digests of the JA3, JA3S and JA4 texts: every connection of the same
 * client (or server) software hashes the same texts, so the last ones and
 * their hex digests are kept per thread (see memo-hash.h), one memo per
 * kind of text (unique JA3 texts, as from clients that shuffle their
 * extensions, then push out only JA3 texts). Longer texts are hashed every
 * time. Two more kinds keep answers by their inputs: whole JA4s (ja4_of)
 * and JA3 texts with their hashes (ja3_of). */
#define DIGEST_ENTRIES  64
#define DIGEST_TEXT_MAX 512

enum digest_kind {
    DIGEST_JA3,  /* MD5: 32 hex digits */
    DIGEST_JA3S, /* MD5 */
    DIGEST_JA4,  /* the first 12 hex digits of SHA-256 */
    MEMO_JA4,    /* a whole JA4 (JA4_LEN characters) by its key (struct ja4_key) */
    MEMO_JA3,    /* a JA3's MD5, its text after the key, by its key (ja3_key) */
    DIGEST_KINDS
};

struct digest_entry {
    size_t len;                 /* the input's bytes at the start of text */
    size_t extra;               /* the bytes after them (MEMO_JA3: the JA3 text) */
    char hex[JA4_LEN];          /* the answer: digest_len(kind) characters */
    char text[DIGEST_TEXT_MAX]; /* the input, then extra bytes */
};

struct digest_memo {
    uint64_t clock;
    uint64_t hash[DIGEST_ENTRIES];
    uint64_t used[DIGEST_ENTRIES]; /* the clock when last used; 0: empty */
    struct digest_entry e[DIGEST_ENTRIES];
};

/* Kept for the thread's life (reachable from its TLS, so not a leak). */
static _Thread_local struct digest_memo *digests[DIGEST_KINDS];

static size_t digest_len(enum digest_kind kind)
{
    return kind == MEMO_JA4 ? JA4_LEN : kind == DIGEST_JA4 ? 12 : 2 * MM_MD5_LEN; /* MD5 */
}

static void digest_compute(enum digest_kind kind, const char *s, size_t n, char *hex)
{
    char h[2 * MM_SHA256_LEN + 1];
    if (kind == DIGEST_JA4) {
        uint8_t d[MM_SHA256_LEN];
        mm_sha256(s, n, d);
        mm_hex(d, 6, h);
    } else {
        uint8_t d[MM_MD5_LEN];
        mm_md5(s, n, d);
        mm_hex(d, sizeof d, h);
    }
    memcpy(hex, h, digest_len(kind));
}

/* A look-up of s[0..n) in the memo of one kind: the memo (NULL: none, as
 * for inputs longer than DIGEST_TEXT_MAX or out of memory) and the input's
 * hash, kept for memo_put. */
struct memo_ask {
    struct digest_memo *m;
    uint64_t hash;
};

/* The entry remembered for s[0..n), or NULL. */
static const struct digest_entry *memo_find(enum digest_kind kind, const void *s, size_t n,
                                            struct memo_ask *a)
{
    struct digest_memo *m = digests[kind];
    if (!m && n <= DIGEST_TEXT_MAX)
        m = digests[kind] = calloc(1, sizeof *m);
    a->m = n <= DIGEST_TEXT_MAX ? m : NULL;
    if (!a->m)
        return NULL;
    a->hash = mm__memo_hash(s, n);
    for (size_t i = 0; i < DIGEST_ENTRIES; i++) {
        if (m->hash[i] != a->hash || !m->used[i])
            continue;
        if (m->e[i].len == n && memcmp(m->e[i].text, s, n) == 0) {
            m->used[i] = ++m->clock;
            return &m->e[i];
        }
        break; /* a collision: at most one whole compare per text */
    }
    return NULL;
}

/* Remembers answer (digest_len(kind) characters) and extra[0..extra_n)
 * for s[0..n) after a memo_find that missed (nothing when they do not fit). */
static void memo_put(enum digest_kind kind, const struct memo_ask *a, const void *s, size_t n,
                     const char *answer, const char *extra, size_t extra_n)
{
    struct digest_memo *m = a->m;
    if (!m || extra_n > DIGEST_TEXT_MAX - n)
        return;
    size_t v = mm__memo_victim(m->used, DIGEST_ENTRIES);
    m->hash[v] = a->hash;
    m->used[v] = ++m->clock;
    m->e[v].len = n;
    memcpy(m->e[v].hex, answer, digest_len(kind));
    memcpy(m->e[v].text, s, n);
    m->e[v].extra = extra_n;
    if (extra_n)
        memcpy(m->e[v].text + n, extra, extra_n);
}

/* Writes the hex digest of s[0..n) (digest_len(kind) digits, no NUL) at hex. */
static void digest_hex(enum digest_kind kind, const char *s, size_t n, char *hex)
{
    struct memo_ask a;
    const struct digest_entry *known = memo_find(kind, s, n, &a);
    if (known) {
        memcpy(hex, known->hex, digest_len(kind));
        return;
    }
    digest_compute(kind, s, n, hex);
    memo_put(kind, &a, s, n, hex, NULL, 0);
}

/* Sets p's JA3 (or JA3S) hash hex (32 digits) and text s[0..n) (ASCII:
 * digits, ',' and '-'). */
static void set_ja3(struct mm__tls_part *p, const char *hex, const char *s, size_t n)
{
    memcpy(p->ja3_hash, hex, 2 * MM_MD5_LEN);
    p->ja3_hash[2 * MM_MD5_LEN] = '\0';
    memcpy(p->ja3, s, n);
    p->ja3[n] = '\0';
    p->ja3_len = n;
}

/* Appends l's non-GREASE values at w[n] after their count; returns the new n. */
static size_t key_words(uint16_t *w, size_t n, const struct u16list *l)
{
    size_t at = n++;
    for (size_t i = 0; i < l->n; i++)
        if (!is_grease(l->v[i]))
            w[n++] = l->v[i];
    w[at] = (uint16_t)(n - at - 1);
    return n;
}

/* JA3's inputs as key words for MEMO_JA3, exactly what its text says: the
 * version, the ciphers, extensions and groups without GREASE (each after
 * its count) and the point formats, in the order sent. Returns the words. */
#define JA3_KEY_WORDS (1 + 4 * (1 + TLS_LIST_MAX))

static size_t ja3_key(const struct hello *h, uint16_t *w)
{
    size_t n = 0;
    w[n++] = h->version;
    n = key_words(w, n, &h->ciphers);
    n = key_words(w, n, &h->exts);
    n = key_words(w, n, &h->groups);
    w[n++] = (uint16_t)h->pf_n;
    for (size_t i = 0; i < h->pf_n; i++)
        w[n++] = h->pf[i];
    return n;
}

/* Writes the JA3 text of a ClientHello at text; returns its length. */
static size_t ja3_text(const struct hello *h, char text[JA3_TEXT_MAX])
{
    char *w = put_dec(text, h->version);
    *w++ = ',';
    w = ja3_list(w, h->ciphers.v, h->ciphers.n);
    *w++ = ',';
    w = ja3_list(w, h->exts.v, h->exts.n);
    *w++ = ',';
    w = ja3_list(w, h->groups.v, h->groups.n);
    *w++ = ',';
    for (size_t i = 0; i < h->pf_n; i++) { /* one byte each: never GREASE */
        if (i)
            *w++ = '-';
        w = put_dec(w, h->pf[i]);
    }
    return (size_t)(w - text);
}

/* The JA3 of a ClientHello into p. The same lists get text and hash from
 * the memo (MEMO_JA3) while both fit an entry with the key; a client that
 * shuffles its extensions misses, and its texts push out only JA3
 * entries. */
static void ja3_of(const struct hello *h, struct mm__tls_part *p)
{
    uint16_t key[JA3_KEY_WORDS];
    char text[JA3_TEXT_MAX], hex[2 * MM_MD5_LEN];
    struct memo_ask a;
    size_t kn = ja3_key(h, key) * sizeof key[0];
    const struct digest_entry *known = memo_find(MEMO_JA3, key, kn, &a);
    if (known) {
        set_ja3(p, known->hex, known->text + kn, known->extra);
        return;
    }
    size_t n = ja3_text(h, text);
    digest_hex(DIGEST_JA3, text, n, hex);
    memo_put(MEMO_JA3, &a, key, kn, hex, text, n);
    set_ja3(p, hex, text, n);
}

static void ja3s_of(const struct hello *h, struct mm__tls_part *p)
{
    char text[JA3_TEXT_MAX], hex[2 * MM_MD5_LEN];
    char *w = put_dec(text, h->version);
    *w++ = ',';
    w = put_dec(w, h->ciphers.n ? h->ciphers.v[0] : 0u);
    *w++ = ',';
    w = ja3_list(w, h->exts.v, h->exts.n);
    digest_hex(DIGEST_JA3S, text, (size_t)(w - text), hex);
    set_ja3(p, hex, text, (size_t)(w - text));
}

/* Writes the first 12 hex digits of SHA-256 of s[0..n), or twelve zeros
 * when empty, at out; returns the end. */
static char *ja4_hash12(const char *s, size_t n, char *out)
{
    if (n == 0)
        memcpy(out, "000000000000", 12);
    else
        digest_hex(DIGEST_JA4, s, n, out);
    return out + 12;
}

/* Sorts v[0..n) in place: the lists are short (at most TLS_LIST_MAX). */
static void sort_u16(uint16_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint16_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

/* Writes the values as hex, joined by ','; returns the end. */
static char *hex_list(char *w, const uint16_t *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            *w++ = ',';
        w = put_hex4(w, v[i]);
    }
    return w;
}

/* The version JA4 names: the highest non-GREASE supported_versions value,
 * else the hello's own. */
static uint16_t ja4_version_value(const struct hello *h)
{
    uint16_t v = h->version;
    bool have = false;
    for (size_t i = 0; i < h->versions.n; i++) {
        uint16_t x = h->versions.v[i];
        if (is_grease(x))
            continue;
        if (!have || x > v)
            v = x;
        have = true;
    }
    return v;
}

static const char *ja4_version_text(uint16_t v)
{
    switch (v) {
    case 0x0304:
        return "13";
    case 0x0303:
        return "12";
    case 0x0302:
        return "11";
    case 0x0301:
        return "10";
    case 0x0300:
        return "s3";
    case 0x0200:
        return "s2";
    default:
        return "00";
    }
}

static bool is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Writes n (at most 99) as two digits at w; returns the end. */
static char *put_count2(char *w, size_t n)
{
    if (n > 99)
        n = 99;
    w[0] = (char)('0' + n / 10);
    w[1] = (char)('0' + n % 10);
    return w + 2;
}

/* Everything a JA4 depends on, as one key for the MEMO_JA4 memo: GREASE
 * values left out (they change on every connection) and the extensions
 * sorted (JA4 sorts them; some browsers shuffle them on every connection),
 * so the same software gives the same key. The words: the head below, then
 * three lists, each after its length: ciphers (as sent), extensions
 * (sorted), signature algorithms (as sent). */
enum { KEY_TRANSPORT, KEY_VERSION, KEY_SNI, KEY_ALPN, KEY_ALPN_ENDS, KEY_SIGALGS_SENT, KEY_HEAD };

struct ja4_key {
    uint16_t w[KEY_HEAD + 3 * (1 + TLS_LIST_MAX)];
    size_t n;                              /* words used */
    const uint16_t *ciphers, *exts, *sigs; /* the lists in w */
    size_t nc, ne, ns;
};

/* Appends l's non-GREASE values after their count; returns where they start. */
static uint16_t *key_list(struct ja4_key *k, const struct u16list *l, size_t *count)
{
    size_t at = k->n;
    k->n = key_words(k->w, k->n, l);
    *count = k->w[at];
    return k->w + at + 1;
}

static void ja4_key_of(const struct hello *h, char transport, struct ja4_key *k)
{
    bool alpn = h->alpn0 && h->alpn0_len > 0;
    k->w[KEY_TRANSPORT] = (uint8_t)transport;
    k->w[KEY_VERSION] = ja4_version_value(h);
    k->w[KEY_SNI] = h->has_sni;
    k->w[KEY_ALPN] = alpn;
    k->w[KEY_ALPN_ENDS] = alpn ? (uint16_t)(h->alpn0[0] << 8 | h->alpn0[h->alpn0_len - 1]) : 0;
    k->w[KEY_SIGALGS_SENT] = h->sigalgs.n > 0; /* even if all GREASE: JA4 writes the '_' */
    k->n = KEY_HEAD;
    k->ciphers = key_list(k, &h->ciphers, &k->nc);
    uint16_t *exts = key_list(k, &h->exts, &k->ne);
    sort_u16(exts, k->ne);
    k->exts = exts;
    k->sigs = key_list(k, &h->sigalgs, &k->ns);
}

/* JA4's "a" part: transport, version, SNI, counts and ALPN; returns the end. */
static char *ja4_head(const struct ja4_key *k, char *w)
{
    static const char hexd[] = "0123456789abcdef";
    *w++ = (char)k->w[KEY_TRANSPORT];
    memcpy(w, ja4_version_text(k->w[KEY_VERSION]), 2);
    w += 2;
    *w++ = k->w[KEY_SNI] ? 'd' : 'i';
    w = put_count2(w, k->nc);
    w = put_count2(w, k->ne);
    w[0] = w[1] = '0';
    if (k->w[KEY_ALPN]) {
        uint8_t f = (uint8_t)(k->w[KEY_ALPN_ENDS] >> 8), l = (uint8_t)k->w[KEY_ALPN_ENDS];
        if (is_alnum(f) && is_alnum(l)) {
            w[0] = (char)f;
            w[1] = (char)l;
        } else {
            w[0] = hexd[f >> 4];
            w[1] = hexd[l & 0xF];
        }
    }
    return w + 2;
}

/* JA4 (FoxIO spec, technical_details/JA4.md, see docs/design/decoders.md)
 * of a key: writes JA4_LEN characters (all ASCII, no NUL) at out. */
static void ja4_compute(const struct ja4_key *k, char *out)
{
    uint16_t sorted[TLS_LIST_MAX];
    char text[JA4_TEXT_MAX];
    char *w = ja4_head(k, out);
    *w++ = '_';
    memcpy(sorted, k->ciphers, k->nc * sizeof sorted[0]);
    sort_u16(sorted, k->nc);
    char *e = hex_list(text, sorted, k->nc);
    w = ja4_hash12(text, (size_t)(e - text), w);
    *w++ = '_';
    size_t n = 0;
    for (size_t i = 0; i < k->ne; i++) /* sorted already; without SNI and ALPN */
        if (k->exts[i] != 0 && k->exts[i] != 16)
            sorted[n++] = k->exts[i];
    e = hex_list(text, sorted, n);
    if (n && k->w[KEY_SIGALGS_SENT]) {
        *e++ = '_';
        e = hex_list(e, k->sigs, k->ns);
    }
    ja4_hash12(text, (size_t)(e - text), w);
}

/* JA4 of a hello; transport is the first character: 't' (TLS over TCP) or
 * 'q' (QUIC). Writes JA4_LEN characters and a NUL into out. The same key
 * gets the JA4 from the memo: no sort of the ciphers, hex lists or
 * digests. */
static void ja4_of(const struct hello *h, char transport, char out[JA4_LEN + 1])
{
    struct ja4_key k;
    struct memo_ask a;
    ja4_key_of(h, transport, &k);
    const struct digest_entry *known = memo_find(MEMO_JA4, k.w, k.n * sizeof k.w[0], &a);
    if (known) {
        memcpy(out, known->hex, JA4_LEN);
    } else {
        ja4_compute(&k, out);
        memo_put(MEMO_JA4, &a, k.w, k.n * sizeof k.w[0], out, NULL, 0);
    }
    out[JA4_LEN] = '\0';
}

/* ---- memory held between packets, under the cap ------------------------- */

static _Thread_local size_t tls_held;
static size_t tls_memcap = TLS_MEMCAP; /* set once, before any thread decodes */

void mm__tls_set_memcap(size_t bytes)
{
    tls_memcap = bytes ? bytes : TLS_MEMCAP;
}

/* Takes room for n more bytes; false when the cap would be passed. A cap
 * lowered below what is held already refuses every new byte. */
static bool hold(size_t n)
{
    if (tls_held > tls_memcap || n > tls_memcap - tls_held)
        return false;
    tls_held += n;
    return true;
}

static void release(size_t n)
{
    tls_held -= n;
}

size_t mm__tls_held_bytes(void)
{
    return tls_held;
}

/* Gives the direction's buffer n bytes (n > 0), within the cap. */
static int hs_resize(struct tls_dir *d, size_t n)
{
    if (n > d->hs_size && !hold(n - d->hs_size))
        return MM_ELIMIT;
    uint8_t *nb = realloc(d->hs, n);
    if (!nb) {
        if (n > d->hs_size)
            release(n - d->hs_size);
        return MM_ENOMEM;
    }
    if (n < d->hs_size)
        release(d->hs_size - n);
    d->hs = nb;
    d->hs_size = n;
    return 0;
}

static void hs_free(struct tls_dir *d)
{
    free(d->hs);
    release(d->hs_size);
    d->hs = NULL;
    d->hs_size = d->hs_len = 0;
}

/* A pending server part with room for nalpn ALPN texts, counted (NULL
 * when the cap or memory says no). */
static struct mm__tls_part *server_new(struct tls_state *st, size_t nalpn)
{
    size_t size = MM_TLS_PART_SIZE(nalpn);
    if (!hold(size))
        return NULL;
    st->server = malloc(size);
    if (!st->server) {
        release(size);
        return NULL;
    }
    st->server_size = size;
    return st->server;
}

static void server_free(struct tls_state *st)
{
    if (st->server)
        release(st->server_size);
    free(st->server);
    st->server = NULL;
    st->server_size = 0;
}

static struct tls_state *tls_state_get(struct mm_app_ctx *ctx)
{
    if (!ctx->state)
        return NULL;
    if (!*ctx->state)
        *ctx->state = calloc(1, sizeof(struct tls_state));
    return *ctx->state;
}

static void tls_state_free(void *p)
{
    struct tls_state *st = p;
    if (!st)
        return;
    hs_free(&st->d[0]);
    hs_free(&st->d[1]);
    server_free(st);
    free(st);
}

/* Sets o[key] to v (a new string; NULL: none) and returns v's text, or
 * NULL when o does not hold it (jansson frees v when setting fails). */
static const char *set_text(json_t *o, const char *key, json_t *v)
{
    if (!v || json_object_set_new_nocheck(o, key, v) != 0)
        return NULL;
    return json_string_value(v);
}

/* Copies the hello's ALPN values' texts (as mm__app_json_text makes them)
 * into p. */
static void alpns_of(const struct hello *h, struct mm__tls_part *p)
{
    char scratch[MM_APP_TEXT_SCRATCH];
    p->nalpn = h->nalpn;
    for (size_t i = 0; i < h->nalpn; i++) {
        size_t n;
        const char *t = mm__app_text_view(h->alpn[i], h->alpn_len[i], scratch, &n);
        if (n >= MM_TLS_ALPN_TEXT)
            n = MM_TLS_ALPN_TEXT - 1; /* not reached: 255 bytes make at most 1020 */
        memcpy(p->alpn[i], t, n);
        p->alpn[i][n] = '\0';
        p->alpn_len[i] = n;
    }
}

/* The client part of a parsed hello (see tls-hello.h). */
static void client_part(const struct hello *h, char transport, struct mm__tls_part *p)
{
    p->server = false;
    p->has_cert = false;
    p->version = NULL;
    p->sni_len = h->sni_len;
    memcpy(p->sni, h->sni, h->sni_len);
    p->sni[h->sni_len] = '\0';
    ja3_of(h, p);
    ja4_of(h, transport, p->ja4);
    alpns_of(h, p);
}

/* {"hash", "string"} of p's JA3 (or JA3S); NULL on ENOMEM. *hash gets the
 * object's "hash" text. */
static json_t *ja3_json(const struct mm__tls_part *p, const char **hash)
{
    json_t *o = json_object();
    json_t *h = o ? json_stringn_nocheck(p->ja3_hash, 2 * MM_MD5_LEN) : NULL;
    if (!h || json_object_set_new_nocheck(o, "hash", h) != 0 ||
        json_object_set_new_nocheck(o, "string", json_stringn_nocheck(p->ja3, p->ja3_len)) != 0) {
        json_decref(o);
        return NULL;
    }
    *hash = json_string_value(h);
    return o;
}

/* o[key] = p's ALPN texts, when it has any. */
static void alpns_json(json_t *o, const char *key, const struct mm__tls_part *p)
{
    if (!p->nalpn)
        return;
    json_t *a = json_array();
    for (size_t i = 0; a && i < p->nalpn; i++)
        json_array_append_new(a, json_stringn_nocheck(p->alpn[i], p->alpn_len[i]));
    if (a)
        json_object_set_new_nocheck(o, key, a);
}

static void client_json(json_t *o, const struct mm__tls_part *p, struct mm__tls_facts *f)
{
    const char *ja3_hash = NULL;
    if (p->sni_len && (f->sni = set_text(o, "sni", json_stringn_nocheck(p->sni, p->sni_len))))
        f->sni_len = p->sni_len;
    if (json_object_set_new_nocheck(o, "ja3", ja3_json(p, &ja3_hash)) == 0)
        f->ja3_hash = ja3_hash;
    f->ja4 = set_text(o, "ja4", json_stringn_nocheck(p->ja4, JA4_LEN));
    alpns_json(o, "client_alpns", p);
}

/* o[key] = text when it is not empty (valid UTF-8 as x509.h says); returns
 * o's text or NULL. */
static const char *cert_text(json_t *o, const char *key, const char *text)
{
    return text[0] ? set_text(o, key, json_string_nocheck(text)) : NULL;
}

static void cert_json(json_t *o, const struct mm__x509 *x, struct mm__tls_facts *f)
{
    cert_text(o, "subject", x->subject);
    cert_text(o, "issuerdn", x->issuer);
    cert_text(o, "serial", x->serial);
    f->fingerprint = cert_text(o, "fingerprint", x->fingerprint);
    cert_text(o, "notbefore", x->notbefore);
    cert_text(o, "notafter", x->notafter);
    if (x->nsan) {
        json_t *san = json_array();
        for (size_t i = 0; san && i < x->nsan; i++)
            json_array_append_new(san, json_string_nocheck(x->san[i]));
        if (san)
            json_object_set_new_nocheck(o, "subjectaltname", san);
    }
}

static void server_json(json_t *o, const struct mm__tls_part *p, struct mm__tls_facts *f)
{
    const char *unused;
    json_object_set_new_nocheck(o, "version", json_string_nocheck(p->version));
    json_object_set_new_nocheck(o, "ja3s", ja3_json(p, &unused));
    alpns_json(o, "server_alpns", p);
    if (p->has_cert)
        cert_json(o, &p->cert, f);
}

/* The "tls" object of part p, as the events always held it; NULL on
 * ENOMEM. f (NULL: not wanted) gets the texts the object holds
 * (tls-facts.h). */
static json_t *part_json(const struct mm__tls_part *p, struct mm__tls_facts *f)
{
    struct mm__tls_facts unused;
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (!f)
        f = &unused;
    if (p->server)
        server_json(o, p, f);
    else
        client_json(o, p, f);
    return o;
}

void mm__tls_part_facts(const struct mm__tls_part *p, struct mm__tls_facts *f)
{
    if (p->server) {
        f->fingerprint = p->has_cert && p->cert.fingerprint[0] ? p->cert.fingerprint : NULL;
        return;
    }
    f->sni = p->sni_len ? p->sni : NULL;
    f->sni_len = p->sni_len;
    f->ja3_hash = p->ja3_hash;
    f->ja4 = p->ja4;
}

/* The thread's client part (a ClientHello's part is made and emitted in
 * one call). */
static struct mm__tls_part *client_scratch(void)
{
    static _Thread_local struct mm__tls_part part;
    return &part;
}

int mm__tls_client_hello_json(const uint8_t *p, size_t n, char ja4_transport, json_t **out)
{
    struct hello h;
    struct mm__tls_part *part = client_scratch();
    *out = NULL;
    hello_init(&h);
    int r = parse_client_hello(p, n, &h);
    if (r != 0)
        return r;
    client_part(&h, ja4_transport, part);
    return (*out = part_json(part, NULL)) ? 0 : MM_ENOMEM;
}

bool (*mm__tls_direct)(struct mm_app_ctx *ctx, const struct mm__tls_part *p);

/* Emits the event of part p: through the sensor's direct path when it
 * takes it, else as the "tls" object with the facts filled meanwhile
 * published to the readers of TLS events while the sensor handles it. The
 * object is held while published (as decode-dns.c and decode-http.c do):
 * the sensor frees the event before it handles the events queued behind
 * it, and an object made then could get the freed one's address and so
 * these facts. */
static int emit_part(struct mm_app_ctx *ctx, const struct mm__tls_part *p)
{
    if (ctx->sensor && mm__tls_direct && mm__tls_direct(ctx, p))
        return 0;
    json_t *o = part_json(p, mm__tls_facts_begin());
    if (!o)
        return MM_ENOMEM;
    json_t *held = json_incref(o);
    mm__tls_facts_publish(held);
    mm__app_emit(ctx, "tls", o);
    mm__tls_facts_end();
    json_decref(held);
    return 0;
}

static void emit_server(struct mm_app_ctx *ctx, struct tls_state *st)
{
    if (st->server_done || !st->server)
        return;
    st->server_done = true;
    emit_part(ctx, st->server);
    server_free(st);
}

static int on_client_hello(struct mm_app_ctx *ctx, struct tls_state *st, const uint8_t *p, size_t n)
{
    struct hello h;
    hello_init(&h);
    int r = parse_client_hello(p, n, &h);
    if (r == 0 && !st->client_done) {
        struct mm__tls_part *part = client_scratch();
        st->client_done = true;
        client_part(&h, 't', part);
        r = emit_part(ctx, part);
    }
    return r;
}

static int on_server_hello(struct mm_app_ctx *ctx, struct tls_state *st, const uint8_t *p, size_t n)
{
    struct hello h;
    hello_init(&h);
    int r = parse_server_hello(p, n, &h);
    if (r == 0 && !st->server_hello) {
        st->server_hello = true;
        uint16_t v = h.selected_version ? h.selected_version : h.version;
        struct mm__tls_part *part = server_new(st, h.nalpn);
        if (!part)
            return MM_ELIMIT; /* the cap (or memory) is used up: no server part */
        part->server = true;
        part->sni_len = 0;
        part->ja4[0] = '\0';
        part->has_cert = false;
        part->version = version_name(v);
        ja3s_of(&h, part);
        alpns_of(&h, part);
        if (v == 0x0304)
            emit_server(ctx, st); /* the certificate is encrypted */
    }
    return r;
}

static int on_certificate(struct mm_app_ctx *ctx, struct tls_state *st, const uint8_t *p, size_t n)
{
    struct mm__cur c;
    uint32_t total, clen;
    const uint8_t *der;
    if (!st->server || st->server_done)
        return 0;
    mm__cur_init(&c, p, n);
    if (!mm__cur_u24(&c, &total) || total > mm__cur_left(&c))
        return MM_EPARSE;
    if (total == 0)
        return 0;
    if (!mm__cur_u24(&c, &clen) || !mm__cur_take(&c, clen, &der))
        return MM_EPARSE;
    int r = mm__x509_parse(der, clen, &st->server->cert);
    st->server->has_cert = true;
    emit_server(ctx, st);
    return r;
}

static int on_handshake_message(struct mm_app_ctx *ctx, struct tls_state *st, struct tls_dir *d,
                                uint8_t type, const uint8_t *p, size_t n)
{
    int r = 0;
    switch (type) {
    case HS_CLIENT_HELLO:
        r = on_client_hello(ctx, st, p, n);
        d->skip = true;
        break;
    case HS_SERVER_HELLO:
        r = on_server_hello(ctx, st, p, n);
        if (st->server_done)
            d->skip = true;
        break;
    case HS_CERTIFICATE:
        r = on_certificate(ctx, st, p, n);
        d->skip = true;
        break;
    case HS_SERVER_DONE:
        emit_server(ctx, st);
        d->skip = true;
        break;
    default:
        break;
    }
    return r;
}

/* Keeps src[0..n) (the start of a message not complete yet) as the
 * direction's partial handshake bytes; in_hs: src points into d->hs. */
static int keep_partial(struct tls_dir *d, bool in_hs, const uint8_t *src, size_t n)
{
    if (in_hs) {
        memmove(d->hs, src, n);
    } else if (n > 0) {
        int r = hs_resize(d, n);
        if (r != 0)
            return r;
        memcpy(d->hs, src, n);
    }
    d->hs_len = n;
    return 0;
}

/* Handles every complete handshake message of a record's payload, after
 * the partial message a previous record left (only then are the bytes
 * copied: most records hold whole messages). */
static int on_handshake_record(struct mm_app_ctx *ctx, struct tls_state *st, struct tls_dir *d,
                               const uint8_t *p, size_t n)
{
    int r = 0;
    const uint8_t *buf = p;
    size_t len = n, off = 0;
    if (d->hs_len + n > TLS_HS_MAX)
        return MM_ETOOBIG;
    if (d->hs_len > 0) {
        int e = hs_resize(d, d->hs_len + n);
        if (e != 0)
            return e;
        memcpy(d->hs + d->hs_len, p, n);
        d->hs_len += n;
        buf = d->hs;
        len = d->hs_len;
    }
    while (!d->skip && len - off >= 4) {
        uint8_t type = buf[off];
        size_t mlen = (size_t)buf[off + 1] << 16 | (size_t)buf[off + 2] << 8 | buf[off + 3];
        if (mlen > TLS_HS_MAX)
            return MM_ETOOBIG;
        if (len - off - 4 < mlen)
            break;
        r = on_handshake_message(ctx, st, d, type, buf + off + 4, mlen);
        off += 4 + mlen;
        if (r != 0)
            break;
    }
    int k = keep_partial(d, buf != p, buf + off, len - off);
    return r != 0 ? r : k;
}

static int on_record(struct mm_app_ctx *ctx, struct tls_state *st, struct tls_dir *d, uint8_t type,
                     const uint8_t *p, size_t n)
{
    switch (type) {
    case REC_HANDSHAKE:
        return on_handshake_record(ctx, st, d, p, n);
    case REC_CCS:
    case REC_ALERT:
    case REC_APPDATA:
    case REC_HEARTBEAT:
        /* the rest of this direction is encrypted or over */
        if (st->server_hello)
            emit_server(ctx, st);
        d->skip = true;
        return 0;
    default:
        return MM_EPARSE;
    }
}

static void dir_stop(struct tls_dir *d)
{
    d->skip = true;
    hs_free(d);
}

static long tls_parse(struct mm_app_ctx *ctx, const uint8_t *data, size_t len)
{
    if (!ctx->state)
        return MM_EINVAL; /* the decoder needs its per-flow slot */
    struct tls_state *st = tls_state_get(ctx);
    if (!st)
        return MM_ENOMEM;
    struct tls_dir *d = &st->d[ctx->dir & 1];
    size_t off = 0;
    int r = 0;
    while (!d->skip && len - off >= 5) {
        const uint8_t *rec = data + off;
        size_t rlen = mm__rd16(rec + 3);
        if (rec[0] < REC_CCS || rec[0] > REC_HEARTBEAT || rec[1] != 3 || rlen > TLS_REC_MAX) {
            r = MM_EPARSE;
            break;
        }
        if (len - off - 5 < rlen)
            return (long)off; /* need the rest of the record */
        r = on_record(ctx, st, d, rec[0], rec + 5, rlen);
        off += 5 + rlen;
        if (r != 0)
            break;
    }
    if (d->skip || r != 0) {
        dir_stop(d);
        if (r != 0)
            return r;
        return (long)len;
    }
    return (long)off;
}

static bool tls_probe(const struct mm_packet *p, const uint8_t *data, size_t len)
{
    (void)p;
    return len >= 3 && data[0] == REC_HANDSHAKE && data[1] == 3 && data[2] <= 4;
}

const struct mm_app_decoder mm_app_tls = {
    .name = "tls",
    .transport = IPPROTO_TCP,
    .probe = tls_probe,
    .parse = tls_parse,
    .state_free = tls_state_free,
};
