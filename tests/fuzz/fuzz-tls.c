/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the application decoder mm_app_tls
 * (src/sensor/decode/); the shared body is in fuzz-app.h. Seeds:
 * tests/fuzz/corpus/tls/ (tests/sensor/gen/appgen.py). The input is also
 * read as one certificate and as one ClientHello body, twice each: the
 * per-thread memos (x509.c, decode-tls.c) answer the second time and must
 * give the first answer, and a JA3 hash must be the MD5 of its string. */
#include "core/hash.h"
#include "fuzz-app.h"
#include "sensor/decode/tls-hello.h"
#include "sensor/decode/x509.h"

extern const struct mm_app_decoder mm_app_tls;

static bool x509_same(const struct mm__x509 *a, const struct mm__x509 *b)
{
    if (strcmp(a->subject, b->subject) || strcmp(a->issuer, b->issuer) ||
        strcmp(a->serial, b->serial) || strcmp(a->notbefore, b->notbefore) ||
        strcmp(a->notafter, b->notafter) || strcmp(a->fingerprint, b->fingerprint) ||
        a->nsan != b->nsan)
        return false;
    for (size_t i = 0; i < a->nsan; i++)
        if (strcmp(a->san[i], b->san[i]))
            return false;
    return true;
}

static void check_x509_memo(const uint8_t *data, size_t size)
{
    static struct mm__x509 a, b;
    int ra = mm__x509_parse(data, size, &a), rb = mm__x509_parse(data, size, &b);
    if (ra != rb || !x509_same(&a, &b))
        abort();
}

/* The JA3 hash is the MD5 of the JA3 string (the digest memo's answer). */
static bool ja3_hash_right(json_t *hello)
{
    json_t *ja3 = json_object_get(hello, "ja3");
    const char *s = json_string_value(json_object_get(ja3, "string"));
    const char *h = json_string_value(json_object_get(ja3, "hash"));
    uint8_t d[MM_MD5_LEN];
    char hex[2 * MM_MD5_LEN + 1];
    if (!s || !h)
        return true; /* out of memory: the field is missing */
    mm_md5(s, strlen(s), d);
    mm_hex(d, sizeof d, hex);
    return strcmp(hex, h) == 0;
}

static void check_hello_memo(const uint8_t *data, size_t size)
{
    json_t *a = NULL, *b = NULL;
    int ra = mm__tls_client_hello_json(data, size, 't', &a);
    int rb = mm__tls_client_hello_json(data, size, 't', &b);
    if (ra != rb || !a != !b || (a && (!json_equal(a, b) || !ja3_hash_right(a))))
        abort();
    json_decref(a);
    json_decref(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_x509_memo(data, size);
    check_hello_memo(data, size);
    if (size > 9) /* a record holding one handshake message: its body */
        check_hello_memo(data + 9, size - 9);
    return fuzz_app_run(&mm_app_tls, 443, data, size);
}
