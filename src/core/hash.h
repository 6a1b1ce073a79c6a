/* SPDX-License-Identifier: Apache-2.0
 * Message digests the sensor needs: MD5 (JA3), SHA-1 (certificate
 * fingerprints, Community ID) and SHA-256 (JA4). Small portable
 * implementations, incremental (init/update/final) and one-shot, plus a
 * lower-case hex formatter and the random key of the sensor's hash tables.
 * Not for password storage or signatures. */
#ifndef MM_CORE_HASH_H
#define MM_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define MM_MD5_LEN    16
#define MM_SHA1_LEN   20
#define MM_SHA256_LEN 32

struct mm_md5 {
    uint32_t h[4];
    uint64_t total;
    uint8_t block[64];
    size_t used;
};

struct mm_sha1 {
    uint32_t h[5];
    uint64_t total;
    uint8_t block[64];
    size_t used;
};

struct mm_sha256 {
    uint32_t h[8];
    uint64_t total;
    uint8_t block[64];
    size_t used;
};

void mm_md5_init(struct mm_md5 *c);
void mm_md5_update(struct mm_md5 *c, const void *data, size_t len);
void mm_md5_final(struct mm_md5 *c, uint8_t out[MM_MD5_LEN]);
void mm_md5(const void *data, size_t len, uint8_t out[MM_MD5_LEN]);

void mm_sha1_init(struct mm_sha1 *c);
void mm_sha1_update(struct mm_sha1 *c, const void *data, size_t len);
void mm_sha1_final(struct mm_sha1 *c, uint8_t out[MM_SHA1_LEN]);
void mm_sha1(const void *data, size_t len, uint8_t out[MM_SHA1_LEN]);

void mm_sha256_init(struct mm_sha256 *c);
void mm_sha256_update(struct mm_sha256 *c, const void *data, size_t len);
void mm_sha256_final(struct mm_sha256 *c, uint8_t out[MM_SHA256_LEN]);
void mm_sha256(const void *data, size_t len, uint8_t out[MM_SHA256_LEN]);

/* Writes len bytes as lower-case hex plus a NUL into out (2 * len + 1 bytes). */
void mm_hex(const uint8_t *bytes, size_t len, char *out);

/* Base64 (RFC 4648, with padding) of len bytes into out; returns the number
 * of characters written (without the NUL), or 0 when outlen is too small. */
size_t mm_base64(const uint8_t *bytes, size_t len, char *out, size_t outlen);

/* A random 64-bit key for a hash table that packets fill (so a sender
 * cannot aim at one bucket); from getrandom, else from the time and an
 * address when the kernel has no entropy to give yet. */
uint64_t mm_hash_random_key(void);

/* SipHash-2-4 (Aumasson and Bernstein, 2012; libsodium's crypto_shorthash):
 * a 64-bit hash under a 128-bit secret key. Without the key, equal values
 * for two inputs cannot be made on purpose, so it may decide what an
 * attacker's text suppresses or dedups (e.g. an alert's suppression key),
 * where FNV (fnv.h) must not. Incremental (init/update/final) and one-shot;
 * values are those of the reference with the key's bytes k0, k1 read
 * little-endian. */
struct mm_sipkey {
    uint64_t k0, k1;
};

struct mm_siphash {
    uint64_t v0, v1, v2, v3;
    uint64_t tail; /* the last 0-7 bytes, little-endian */
    uint64_t total;
};

void mm_siphash_init(struct mm_siphash *c, const struct mm_sipkey *key);
void mm_siphash_update(struct mm_siphash *c, const void *data, size_t len);
uint64_t mm_siphash_final(const struct mm_siphash *c);
uint64_t mm_siphash(const struct mm_sipkey *key, const void *data, size_t len);

/* The process's random SipHash key, drawn (as mm_hash_random_key) before
 * main runs. Tests may overwrite it to show that values follow the key;
 * nothing else writes it. */
extern struct mm_sipkey mm_process_key;

#endif
