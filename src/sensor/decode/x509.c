/* SPDX-License-Identifier: Apache-2.0
 * Minimal X.509 reader (see x509.h): walks Certificate -> TBSCertificate ->
 * version, serialNumber, signature, issuer, validity, subject (and the
 * subjectAltName extension) with a
 * bounds-checked DER TLV reader (definite lengths only, at most 4 length
 * bytes, single-byte tags), and formats the fields the way Suricata's EVE
 * tls record shows them. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "sensor/decode/app-util.h"
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

static const struct {
    const char *oid; /* DER bytes as hex */
    const char *name;
} attr_names[] = {
    {"550403", "CN"},
    {"550406", "C"},
    {"550407", "L"},
    {"550408", "ST"},
    {"55040a", "O"},
    {"55040b", "OU"},
    {"550405", "serialNumber"},
    {"550409", "street"},
    {"55040c", "title"},
    {"550404", "SN"},
    {"55042a", "GN"},
    {"55040f", "businessCategory"},
    {"550411", "postalCode"},
    {"2a864886f70d010901", "emailAddress"},
    {"0992268993f22c640119", "DC"},
    {"0992268993f22c640101", "UID"},
    {"2b0601040182373c020103", "jurisdictionC"},
    {"2b0601040182373c020102", "jurisdictionST"},
    {"2b0601040182373c020101", "jurisdictionL"},
};

/* Writes the dotted form of a DER OID. */
static void oid_dotted(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    unsigned long v = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 24 < outlen; i++) {
        v = v << 7 | (p[i] & 0x7F);
        if (p[i] & 0x80) {
            if (v > 0xFFFFFFFFul)
                return;
            continue;
        }
        if (o == 0)
            o += (size_t)snprintf(out, outlen, "%lu.%lu", v < 80 ? v / 40 : 2,
                                  v < 80 ? v % 40 : v - 80);
        else
            o += (size_t)snprintf(out + o, outlen - o, ".%lu", v);
        v = 0;
    }
}

static void attr_name(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    char hex[64];
    if (n * 2 < sizeof hex) {
        mm_hex(p, n, hex);
        for (size_t i = 0; i < sizeof attr_names / sizeof attr_names[0]; i++) {
            if (strcmp(hex, attr_names[i].oid) == 0) {
                snprintf(out, outlen, "%s", attr_names[i].name);
                return;
            }
        }
    }
    oid_dotted(p, n, out, outlen);
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
            char key[64], value[512];
            if ((r = der_expect(&sc, 0x30, &atv)) != 0)
                return r;
            mm__cur_init(&ac, atv.v, atv.len);
            if ((r = der_expect(&ac, 0x06, &oid)) != 0 || (r = der_next(&ac, &val)) != 0)
                return r;
            attr_name(oid.v, oid.len, key, sizeof key);
            attr_value(&val, value, sizeof value);
            int n = snprintf(out + o, outlen - o, "%s%s=%s", o ? ", " : "", key, value);
            if (n < 0 || (size_t)n >= outlen - o) {
                /* full: keep what fits, never half a character */
                mm__utf8_cut(out, strlen(out));
                return 0;
            }
            o += (size_t)n;
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

/* UTCTime (YYMMDDHHMMSSZ) or GeneralizedTime (YYYYMMDDHHMMSSZ). */
static int format_time(const struct tlv *t, char *out, size_t outlen)
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
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 ||
        s > 60)
        return MM_EPARSE;
    snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d", year, mo, d, h, mi, s);
    return 0;
}

static void colon_hex(const uint8_t *p, size_t n, bool upper, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 4 <= outlen; i++)
        o += (size_t)snprintf(out + o, outlen - o, upper ? "%s%02X" : "%s%02x", i ? ":" : "", p[i]);
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

int mm__x509_parse(const uint8_t *der, size_t len, struct mm__x509 *out)
{
    struct mm__cur c, tbs;
    struct tlv cert, tbs_tlv, t, issuer, validity, subject, nb, na;
    uint8_t sha[MM_SHA1_LEN];
    int r;
    memset(out, 0, sizeof *out);
    mm__cur_init(&c, der, len);
    if ((r = der_expect(&c, 0x30, &cert)) != 0)
        return r;
    mm_sha1(der, (size_t)(cert.v + cert.len - der), sha);
    colon_hex(sha, sizeof sha, false, out->fingerprint, sizeof out->fingerprint);
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
    colon_hex(t.v, t.len > 64 ? 64 : t.len, true, out->serial, sizeof out->serial);
    if ((r = der_expect(&tbs, 0x30, &t)) != 0 || (r = der_expect(&tbs, 0x30, &issuer)) != 0 ||
        (r = der_expect(&tbs, 0x30, &validity)) != 0 || (r = der_expect(&tbs, 0x30, &subject)) != 0)
        return r;
    if ((r = format_name(&issuer, out->issuer, sizeof out->issuer)) != 0 ||
        (r = format_name(&subject, out->subject, sizeof out->subject)) != 0)
        return r;
    mm__cur_init(&c, validity.v, validity.len);
    if ((r = der_next(&c, &nb)) != 0 || (r = der_next(&c, &na)) != 0)
        return r;
    if ((r = format_time(&nb, out->notbefore, sizeof out->notbefore)) != 0 ||
        (r = format_time(&na, out->notafter, sizeof out->notafter)) != 0)
        return r;
    return read_tail(&tbs, out);
}
