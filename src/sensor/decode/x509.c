/* SPDX-License-Identifier: Apache-2.0
 * Minimal X.509 reader (see x509.h): walks Certificate -> TBSCertificate ->
 * version, serialNumber, signature, issuer, validity, subject (and the
 * subjectAltName extension) with a
 * bounds-checked DER TLV reader (definite lengths only, at most 4 length
 * bytes, single-byte tags), and formats the fields the way Suricata's EVE
 * tls record shows them, without printf. Repeated certificates are answered
 * from a per-thread memo of the last parses (see "The memo" below). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "sensor/decode/app-util.h"
#include "sensor/decode/memo-hash.h"
#include "sensor/decode/x509.h"

#define MAX_RDNS 64

struct tlv {
    uint8_t tag;
    const uint8_t *v;
    size_t len;
};

/* Reads one TLV at c; the value must fit inside the remaining bytes. */
static int der_next(struct mm__cur *c, struct tlv *t)
{
    uint8_t tag, l0;
    if (!mm__cur_u8(c, &tag) || !mm__cur_u8(c, &l0))
        return MM_ETRUNC;
    if ((tag & 0x1F) == 0x1F)
        return MM_EPARSE;
    size_t len = l0;
    if (l0 & 0x80) {
        size_t n = l0 & 0x7F;
        if (n == 0 || n > 4)
            return MM_EPARSE;
        len = 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t b;
            if (!mm__cur_u8(c, &b))
                return MM_ETRUNC;
            len = len << 8 | b;
        }
    }
    t->tag = tag;
    if (!mm__cur_take(c, len, &t->v))
        return MM_ETRUNC;
    t->len = len;
    return 0;
}

static int der_expect(struct mm__cur *c, uint8_t tag, struct tlv *t)
{
    int r = der_next(c, t);
    if (r == 0 && t->tag != tag)
        r = MM_EPARSE;
    return r;
}

/* The attribute types Suricata names, by the DER bytes of their OID. */
static const struct {
    uint8_t len;
    uint8_t oid[11];
    const char *name;
} attr_names[] = {
    {3, {0x55, 0x04, 0x03}, "CN"},
    {3, {0x55, 0x04, 0x06}, "C"},
    {3, {0x55, 0x04, 0x07}, "L"},
    {3, {0x55, 0x04, 0x08}, "ST"},
    {3, {0x55, 0x04, 0x0a}, "O"},
    {3, {0x55, 0x04, 0x0b}, "OU"},
    {3, {0x55, 0x04, 0x05}, "serialNumber"},
    {3, {0x55, 0x04, 0x09}, "street"},
    {3, {0x55, 0x04, 0x0c}, "title"},
    {3, {0x55, 0x04, 0x04}, "SN"},
    {3, {0x55, 0x04, 0x2a}, "GN"},
    {3, {0x55, 0x04, 0x0f}, "businessCategory"},
    {3, {0x55, 0x04, 0x11}, "postalCode"},
    {9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, "emailAddress"},
    {10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, "DC"},
    {10, {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, "UID"},
    {11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03}, "jurisdictionC"},
    {11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02}, "jurisdictionST"},
    {11, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01}, "jurisdictionL"},
};

/* Writes the dotted form of a DER OID (NUL-terminated; returns its length).
 * Stops, keeping what it wrote, once fewer than 25 bytes of out are left or
 * when an arc passes 32 bits before its last byte: an arc written is at most
 * 39 bits (12 digits), so ".arc" always fits the 25 bytes. */
static size_t oid_dotted(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    unsigned long v = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 24 < outlen; i++) {
        v = v << 7 | (p[i] & 0x7F);
        if (p[i] & 0x80) {
            if (v > 0xFFFFFFFFul)
                break;
            continue;
        }
        if (o == 0) {
            o = mm_str_u64(v < 80 ? v / 40 : 2, out);
            out[o++] = '.';
            o += mm_str_u64(v < 80 ? v % 40 : v - 80, out + o);
        } else {
            out[o++] = '.';
            o += mm_str_u64(v, out + o);
        }
        v = 0;
    }
    return o;
}

/* The short name of an attribute type, or its dotted OID written into buf
 * (64 bytes); *len gets the name's length. */
static const char *attr_name(const uint8_t *p, size_t n, char buf[64], size_t *len)
{
    for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++) {
        if (attr_names[i].len == n && memcmp(p, attr_names[i].oid, n) == 0) {
            *len = strlen(attr_names[i].name);
            return attr_names[i].name;
        }
    }
    *len = oid_dotted(p, n, buf, 64);
    return buf;
}

/* Text of a directory string; BMPString (UTF-16BE) is converted. */
static size_t attr_value(const struct tlv *t, char *out, size_t outlen)
{
    if (t->tag == 0x1E) {
        uint8_t le[512];
        size_t n = t->len < sizeof le ? t->len & ~(size_t)1 : sizeof le;
        for (size_t i = 0; i + 1 < n; i += 2) {
            le[i] = t->v[i + 1];
            le[i + 1] = t->v[i];
        }
        mm__app_utf16le_text(le, n, out, outlen);
        return strlen(out);
    }
    return mm__app_text(t->v, t->len, out, outlen);
}

/* Appends src[0..n) at out[*o], never filling the last byte of out[0..outlen);
 * false when it had to cut. */
static bool put_part(char *out, size_t outlen, size_t *o, const char *src, size_t n)
{
    size_t room = outlen - 1 - *o;
    bool whole = n <= room;
    if (!whole)
        n = room;
    memcpy(out + *o, src, n);
    *o += n;
    return whole;
}

/* Appends "key=value" (after ", " unless first) to out at *o; false when
 * out is full: then it holds what fits, never half a character. */
static bool put_attribute(char *out, size_t outlen, size_t *o, const char *key, size_t klen,
                          const char *value, size_t vlen)
{
    bool whole = (*o == 0 || put_part(out, outlen, o, ", ", 2)) &&
                 put_part(out, outlen, o, key, klen) && put_part(out, outlen, o, "=", 1) &&
                 put_part(out, outlen, o, value, vlen);
    out[*o] = '\0';
    if (!whole)
        *o = mm_utf8_trim_tail(out, *o);
    return whole;
}

/* Formats a Name (SEQUENCE OF RDN) as "C=US, O=Example, CN=host". */
static int format_name(const struct tlv *name, char *out, size_t outlen)
{
    struct mm__cur seq;
    size_t o = 0;
    int rdns = 0, r;
    out[0] = '\0';
    mm__cur_init(&seq, name->v, name->len);
    while (mm__cur_left(&seq) > 0) {
        struct tlv set, atv, oid, val;
        struct mm__cur sc, ac;
        if ((r = der_expect(&seq, 0x31, &set)) != 0)
            return r;
        if (++rdns > MAX_RDNS)
            return MM_EPARSE;
        mm__cur_init(&sc, set.v, set.len);
        while (mm__cur_left(&sc) > 0) {
            char keybuf[64], value[512];
            size_t klen;
            if ((r = der_expect(&sc, 0x30, &atv)) != 0)
                return r;
            mm__cur_init(&ac, atv.v, atv.len);
            if ((r = der_expect(&ac, 0x06, &oid)) != 0 || (r = der_next(&ac, &val)) != 0)
                return r;
            const char *key = attr_name(oid.v, oid.len, keybuf, &klen);
            size_t vlen = attr_value(&val, value, sizeof value);
            if (!put_attribute(out, outlen, &o, key, klen, value, vlen))
                return 0;
        }
    }
    return 0;
}

static int two(const uint8_t *p)
{
    if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Writes v (0..99) as two digits followed by sep. */
static char *put2(char *out, int v, char sep)
{
    out[0] = (char)('0' + v / 10);
    out[1] = (char)('0' + v % 10);
    out[2] = sep;
    return out + 3;
}

/* The digits of a UTCTime (YYMMDDHHMMSSZ; YY below 50 is 20YY) or
 * GeneralizedTime (YYYYMMDDHHMMSSZ) as "YYYY-MM-DDTHH:MM:SS" into out (at
 * least 20 bytes), whatever their values; MM_EPARSE when one is not a
 * digit or the value is too short. */
static int time_text(const struct tlv *t, char *out)
{
    int year, i = 0;
    const uint8_t *p = t->v;
    if (t->tag == 0x17 && t->len >= 12) {
        int yy = two(p);
        if (yy < 0)
            return MM_EPARSE;
        year = yy < 50 ? 2000 + yy : 1900 + yy;
        i = 2;
    } else if (t->tag == 0x18 && t->len >= 14) {
        int hi = two(p), lo = two(p + 2);
        if (hi < 0 || lo < 0)
            return MM_EPARSE;
        year = hi * 100 + lo;
        i = 4;
    } else {
        return MM_EPARSE;
    }
    int mo = two(p + i), d = two(p + i + 2), h = two(p + i + 4), mi = two(p + i + 6),
        s = two(p + i + 8);
    if (mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0)
        return MM_EPARSE;
    char *w = put2(out, year / 100, '\0');
    w = put2(w - 1, year % 100, '-');
    w = put2(w, mo, '-');
    w = put2(w, d, 'T');
    w = put2(w, h, ':');
    w = put2(w, mi, ':');
    put2(w, s, '\0');
    return 0;
}

/* A validity time as time_text writes it, for a time that exists by
 * mm_time_parse's rule (the text as UTC must parse: no month 13, February
 * 30, hour 24, minute 60 or second 61, and a second 60 only at a month's
 * last 23:59:60); else MM_EPARSE and out is empty (the EVE field is left
 * out). out holds at least 21 bytes. */
static int format_time(const struct tlv *t, char *out)
{
    int64_t usec;
    int r = time_text(t, out);
    if (r == 0) {
        memcpy(out + 19, "Z", 2);
        r = mm_time_parse(out, &usec);
        out[19] = '\0';
    }
    if (r != 0)
        out[0] = '\0';
    return r;
}

/* Writes p[0..n) as hex pairs joined by ':' (out holds at least 3 * n
 * bytes, or 1 when n is 0). */
static void colon_hex(const uint8_t *p, size_t n, bool upper, char *out)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *w = out;
    for (size_t i = 0; i < n; i++) {
        w[0] = digits[p[i] >> 4];
        w[1] = digits[p[i] & 0xF];
        w[2] = ':';
        w += 3;
    }
    if (w > out)
        w--;
    *w = '\0';
}

/* Reads GeneralNames: dNSName [2] and iPAddress [7] entries. */
static int read_san(const uint8_t *p, size_t n, struct mm__x509 *out)
{
    struct mm__cur c, names;
    struct tlv seq, gn;
    int r;
    mm__cur_init(&c, p, n);
    if ((r = der_expect(&c, 0x30, &seq)) != 0)
        return r;
    mm__cur_init(&names, seq.v, seq.len);
    while (mm__cur_left(&names) > 0 && out->nsan < MM_X509_SAN_MAX) {
        if ((r = der_next(&names, &gn)) != 0)
            return r;
        char *dst = out->san[out->nsan];
        if (gn.tag == 0x82) {
            mm__app_text(gn.v, gn.len, dst, sizeof out->san[0]);
            out->nsan++;
        } else if (gn.tag == 0x87 && (gn.len == 4 || gn.len == 16)) {
            inet_ntop(gn.len == 4 ? AF_INET : AF_INET6, gn.v, dst, sizeof out->san[0]);
            out->nsan++;
        }
    }
    return 0;
}

/* Walks the [3] extensions of the TBSCertificate for subjectAltName. */
static int read_extensions(const struct tlv *ext3, struct mm__x509 *out)
{
    static const uint8_t san_oid[] = {0x55, 0x1d, 0x11};
    struct mm__cur c, list, e;
    struct tlv seq, ext, oid, v;
    int r;
    mm__cur_init(&c, ext3->v, ext3->len);
    if ((r = der_expect(&c, 0x30, &seq)) != 0)
        return r;
    mm__cur_init(&list, seq.v, seq.len);
    while (mm__cur_left(&list) > 0) {
        if ((r = der_expect(&list, 0x30, &ext)) != 0)
            return r;
        mm__cur_init(&e, ext.v, ext.len);
        if ((r = der_expect(&e, 0x06, &oid)) != 0 || (r = der_next(&e, &v)) != 0)
            return r;
        if (v.tag == 0x01 && (r = der_next(&e, &v)) != 0) /* critical flag */
            return r;
        if (v.tag != 0x04)
            return MM_EPARSE;
        if (oid.len == sizeof san_oid && memcmp(oid.v, san_oid, sizeof san_oid) == 0)
            return read_san(v.v, v.len, out);
    }
    return 0;
}

/* After the subject: subjectPublicKeyInfo, optional unique ids [1] [2],
 * optional extensions [3]. */
static int read_tail(struct mm__cur *tbs, struct mm__x509 *out)
{
    struct tlv t;
    int r;
    while (mm__cur_left(tbs) > 0) {
        if ((r = der_next(tbs, &t)) != 0)
            return r;
        if (t.tag == 0xA3)
            return read_extensions(&t, out);
    }
    return 0;
}

/* Empties every field (the text buffers need only their first byte). */
static void clear(struct mm__x509 *out)
{
    out->subject[0] = out->issuer[0] = out->serial[0] = '\0';
    out->notbefore[0] = out->notafter[0] = out->fingerprint[0] = '\0';
    out->nsan = 0;
}

static int parse(const uint8_t *der, size_t len, struct mm__x509 *out)
{
    struct mm__cur c, tbs;
    struct tlv cert, tbs_tlv, t, issuer, validity, subject, nb, na;
    uint8_t sha[MM_SHA1_LEN];
    int r;
    clear(out);
    mm__cur_init(&c, der, len);
    if ((r = der_expect(&c, 0x30, &cert)) != 0)
        return r;
    mm_sha1(der, (size_t)(cert.v + cert.len - der), sha);
    colon_hex(sha, sizeof sha, false, out->fingerprint);
    mm__cur_init(&c, cert.v, cert.len);
    if ((r = der_expect(&c, 0x30, &tbs_tlv)) != 0)
        return r;
    mm__cur_init(&tbs, tbs_tlv.v, tbs_tlv.len);
    if ((r = der_next(&tbs, &t)) != 0)
        return r;
    if (t.tag == 0xA0 && (r = der_next(&tbs, &t)) != 0) /* [0] version: skip */
        return r;
    if (t.tag != 0x02)
        return MM_EPARSE;
    colon_hex(t.v, t.len > 64 ? 64 : t.len, true, out->serial);
    if ((r = der_expect(&tbs, 0x30, &t)) != 0 || (r = der_expect(&tbs, 0x30, &issuer)) != 0 ||
        (r = der_expect(&tbs, 0x30, &validity)) != 0 || (r = der_expect(&tbs, 0x30, &subject)) != 0)
        return r;
    if ((r = format_name(&issuer, out->issuer, sizeof out->issuer)) != 0 ||
        (r = format_name(&subject, out->subject, sizeof out->subject)) != 0)
        return r;
    mm__cur_init(&c, validity.v, validity.len);
    if ((r = der_next(&c, &nb)) != 0 || (r = der_next(&c, &na)) != 0)
        return r;
    /* a time that cannot be formatted leaves its field empty; the rest is
     * still read, and the certificate is reported malformed at the end */
    int bad_time = format_time(&nb, out->notbefore);
    if (format_time(&na, out->notafter) != 0)
        bad_time = MM_EPARSE;
    r = read_tail(&tbs, out);
    return r != 0 ? r : bad_time;
}

/* The memo: a server shows the same certificate on every connection, so the
 * results of the last MEMO_ENTRIES parses are kept per thread (see
 * memo-hash.h), keyed by the whole DER. Each entry is one allocation: the
 * DER, then the result's texts one after the other, NUL-terminated.
 * Certificates above MEMO_DER_MAX bytes are parsed every time. */
#define MEMO_ENTRIES 64
#define MEMO_DER_MAX (16 * 1024)
#define MEMO_TEXTS   (6 + MM_X509_SAN_MAX)

struct memo_entry {
    uint8_t *blob; /* der[0..len), then the texts */
    size_t len;
    int r;
    size_t nsan;
};

struct memo {
    uint64_t clock;
    uint64_t hash[MEMO_ENTRIES];
    uint64_t used[MEMO_ENTRIES]; /* the clock when last used; 0: empty */
    struct memo_entry e[MEMO_ENTRIES];
};

/* Kept for the thread's life (reachable from its TLS, so not a leak). */
static _Thread_local struct memo *memo;
static _Thread_local size_t memo_compares;

size_t mm__x509_memo_compares(void)
{
    return memo_compares;
}

/* The texts of a result, in the order the blob keeps them. */
static size_t result_texts(struct mm__x509 *x, char *t[MEMO_TEXTS])
{
    size_t n = 0;
    t[n++] = x->subject;
    t[n++] = x->issuer;
    t[n++] = x->serial;
    t[n++] = x->notbefore;
    t[n++] = x->notafter;
    t[n++] = x->fingerprint;
    for (size_t i = 0; i < x->nsan; i++)
        t[n++] = x->san[i];
    return n;
}

static void memo_load(const struct memo_entry *m, struct mm__x509 *out)
{
    char *t[MEMO_TEXTS];
    const char *src = (const char *)m->blob + m->len;
    out->nsan = m->nsan;
    size_t n = result_texts(out, t);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(src) + 1;
        memcpy(t[i], src, l);
        src += l;
    }
}

/* Replaces entry i by der and its result (left empty when out of memory). */
static void memo_store(size_t i, uint64_t hash, const uint8_t *der, size_t len, int r,
                       struct mm__x509 *x)
{
    struct memo_entry *m = &memo->e[i];
    char *t[MEMO_TEXTS];
    size_t lens[MEMO_TEXTS], total = len, n = result_texts(x, t);
    for (size_t k = 0; k < n; k++)
        total += (lens[k] = strlen(t[k]) + 1);
    uint8_t *blob = realloc(m->blob, total);
    if (!blob) {
        free(m->blob);
        memset(m, 0, sizeof *m);
        memo->used[i] = 0;
        return;
    }
    memcpy(blob, der, len);
    for (size_t k = 0, o = len; k < n; o += lens[k], k++)
        memcpy(blob + o, t[k], lens[k]);
    m->blob = blob;
    m->len = len;
    m->r = r;
    m->nsan = x->nsan;
    memo->hash[i] = hash;
    memo->used[i] = ++memo->clock;
}

int mm__x509_parse(const uint8_t *der, size_t len, struct mm__x509 *out)
{
    if (len == 0 || len > MEMO_DER_MAX || (!memo && !(memo = calloc(1, sizeof *memo))))
        return parse(der, len, out);
    uint64_t h = mm__memo_hash(der, len);
    for (size_t i = 0; i < MEMO_ENTRIES; i++) {
        struct memo_entry *m = &memo->e[i];
        if (memo->hash[i] != h || !memo->used[i])
            continue;
        memo_compares++;
        if (m->len == len && memcmp(m->blob, der, len) == 0) {
            memo->used[i] = ++memo->clock;
            memo_load(m, out);
            return m->r;
        }
        break; /* a collision: at most one whole compare per parse */
    }
    int r = parse(der, len, out);
    memo_store(mm__memo_victim(memo->used, MEMO_ENTRIES), h, der, len, r, out);
    return r;
}
