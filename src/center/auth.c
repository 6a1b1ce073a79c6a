/* SPDX-License-Identifier: Apache-2.0
 * Owns password hashing, secret generation and hashing, enrolment codes and
 * the login rate limiter (auth.h). */
#include "center/auth.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"

#define PASSWORD_MAX 1024

static int sodium_status = 1;
static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static void init_sodium(void)
{
    sodium_status = sodium_init() < 0 ? -1 : 0;
}

int mm_auth_init(void)
{
    pthread_once(&sodium_once, init_sodium);
    return sodium_status == 0 ? 0 : MM_EIO;
}

int mm_pwcost_parse(const char *s, enum mm_pwcost *out)
{
    if (s && strcmp(s, "interactive") == 0)
        *out = MM_PWCOST_INTERACTIVE;
    else if (s && strcmp(s, "min") == 0)
        *out = MM_PWCOST_MIN;
    else
        return MM_EINVAL;
    return 0;
}

static void cost_limits(enum mm_pwcost cost, unsigned long long *ops, size_t *mem)
{
    if (cost == MM_PWCOST_MIN) {
        *ops = crypto_pwhash_argon2id_OPSLIMIT_MIN;
        *mem = 64 * 1024; /* a little above the minimum so hashes stay argon2id */
    } else {
        *ops = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
        *mem = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
    }
}

bool mm_password_long_enough(const char *password)
{
    size_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)password; p && *p; p++)
        chars += (*p & 0xc0) != 0x80; /* count lead bytes, not continuation bytes */
    return chars >= MM_PASSWORD_MIN_CHARS;
}

int mm_password_hash(const char *password, enum mm_pwcost cost, char out[MM_PWHASH_MAX])
{
    unsigned long long ops;
    size_t mem;
    size_t len = strlen(password);
    out[0] = '\0';
    if (len > PASSWORD_MAX)
        return MM_ETOOBIG;
    if (mm_auth_init() != 0)
        return MM_EIO;
    cost_limits(cost, &ops, &mem);
    if (crypto_pwhash_argon2id_str(out, password, len, ops, mem) != 0)
        return MM_ENOMEM;
    return 0;
}

int mm_password_verify(const char *hash, const char *password)
{
    size_t len = strlen(password);
    if (!hash || !*hash || len > PASSWORD_MAX || mm_auth_init() != 0)
        return MM_EAUTH;
    return crypto_pwhash_str_verify(hash, password, len) == 0 ? 0 : MM_EAUTH;
}

/* Set once at start-up by mm_password_dummy_init, read-only afterwards. */
static char dummy_hash[MM_PWHASH_MAX];

int mm_password_dummy_init(enum mm_pwcost cost)
{
    char pw[33];
    unsigned char raw[16];
    if (mm_auth_init() != 0)
        return MM_EIO;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(pw, sizeof pw, raw, sizeof raw);
    return mm_password_hash(pw, cost, dummy_hash);
}

int mm_password_verify_dummy(const char *password)
{
    if (dummy_hash[0])
        (void)mm_password_verify(dummy_hash, password);
    return MM_EAUTH;
}

bool mm_password_needs_rehash(const char *hash, enum mm_pwcost cost)
{
    unsigned long long ops;
    size_t mem;
    cost_limits(cost, &ops, &mem);
    return crypto_pwhash_str_needs_rehash(hash, ops, mem) != 0;
}

void mm_secret_hash(const char *secret, uint8_t out[MM_HASH_BYTES])
{
    crypto_generichash(out, MM_HASH_BYTES, (const unsigned char *)secret, strlen(secret), NULL, 0);
}

int mm_secret_new(const char *prefix, char out[MM_SECRET_MAX])
{
    unsigned char raw[32];
    size_t plen = strlen(prefix);
    if (mm_auth_init() != 0 || plen > 8)
        return MM_EIO;
    randombytes_buf(raw, sizeof raw);
    memcpy(out, prefix, plen);
    sodium_bin2base64(out + plen, MM_SECRET_MAX - plen, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    return 0;
}

static const char code_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

int mm_enrol_code_new(char out[MM_ENROL_CODE_MAX])
{
    if (mm_auth_init() != 0)
        return MM_EIO;
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i > 0 && i % 4 == 0)
            out[o++] = '-';
        out[o++] = code_alphabet[randombytes_uniform(32)];
    }
    out[o] = '\0';
    return 0;
}

int mm_enrol_code_hash(const char *code, uint8_t out[MM_HASH_BYTES])
{
    char norm[MM_ENROL_CODE_MAX];
    size_t n = 0;
    for (const char *p = code; *p; p++) {
        if (*p == '-' || *p == ' ')
            continue;
        if (n + 1 >= sizeof norm || !isalnum((unsigned char)*p))
            return MM_EINVAL;
        norm[n++] = (char)toupper((unsigned char)*p);
    }
    norm[n] = '\0';
    if (n != 16)
        return MM_EINVAL;
    mm_secret_hash(norm, out);
    return 0;
}

/* ---- rate limiter: an open-addressing table of keys, bounded in size ---- */

#define RL_SLOTS   4096
#define RL_KEY_MAX 300
#define RL_PROBE   64

struct rl_entry {
    char key[RL_KEY_MAX];
    int failures, inflight;
    int64_t window_start;
};

struct mm_ratelimit {
    pthread_mutex_t mu;
    int max_account, max_address;
    int64_t window;
    struct rl_entry slots[RL_SLOTS];
};

int mm_ratelimit_new(int max_account, int max_address, int64_t window_usec,
                     struct mm_ratelimit **out)
{
    struct mm_ratelimit *rl = calloc(1, sizeof *rl);
    *out = NULL;
    if (!rl)
        return MM_ENOMEM;
    pthread_mutex_init(&rl->mu, NULL);
    rl->max_account = max_account;
    rl->max_address = max_address;
    rl->window = window_usec;
    *out = rl;
    return 0;
}

void mm_ratelimit_free(struct mm_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

static bool entry_idle(const struct rl_entry *e, int64_t now, int64_t window)
{
    return e->inflight == 0 && (e->failures == 0 || now - e->window_start > window);
}

/* Finds or creates the entry for key (kind "a:" account, "n:" address). When
 * the key is new, it takes an empty or idle slot of its probe sequence, else
 * the slot whose window started longest ago among those with no attempt in
 * flight (a full table must not lock everybody out). NULL only when every
 * slot of the sequence has an attempt in flight (callers then refuse the
 * attempt: fail closed). */
static struct rl_entry *rl_lookup(struct mm_ratelimit *rl, const char *kind, const char *key,
                                  int64_t now)
{
    char full[RL_KEY_MAX];
    snprintf(full, sizeof full, "%s%s", kind, key);
    /* Keyed (SipHash under the process key): with a hash anyone can
     * compute, 64 account names whose keys start at a locked account's slot
     * would push its failures out as the oldest entry of a full run. */
    uint64_t h = mm_siphash(&mm_process_key, full, strlen(full));
    struct rl_entry *reuse = NULL, *oldest = NULL;
    for (int i = 0; i < RL_PROBE; i++) {
        struct rl_entry *e = &rl->slots[(h + (uint64_t)i) % RL_SLOTS];
        if (strcmp(e->key, full) == 0) {
            if (e->failures > 0 && now - e->window_start > rl->window && e->inflight == 0)
                e->failures = 0;
            return e;
        }
        if (!reuse && (e->key[0] == '\0' || entry_idle(e, now, rl->window)))
            reuse = e;
        if (e->inflight == 0 && (!oldest || e->window_start < oldest->window_start))
            oldest = e;
    }
    if (!reuse)
        reuse = oldest;
    if (reuse) {
        memset(reuse, 0, sizeof *reuse);
        snprintf(reuse->key, sizeof reuse->key, "%s", full);
    }
    return reuse;
}

/* The key of a source address: IPv4 as is (also when IPv4-mapped), IPv6 by
 * its /64, since one client usually holds a whole /64. */
static void address_key(const char *address, char out[RL_KEY_MAX])
{
    struct in6_addr a6;
    snprintf(out, RL_KEY_MAX, "%s", address);
    if (!strchr(address, ':') || inet_pton(AF_INET6, address, &a6) != 1)
        return;
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        inet_ntop(AF_INET, &a6.s6_addr[12], out, RL_KEY_MAX);
        return;
    }
    memset(&a6.s6_addr[8], 0, 8);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &a6, text, sizeof text);
    snprintf(out, RL_KEY_MAX, "%s/64", text);
}

int mm_ratelimit_begin(struct mm_ratelimit *rl, const char *account, const char *address,
                       int64_t now)
{
    int r = MM_ELIMIT;
    char akey[RL_KEY_MAX];
    address_key(address, akey);
    pthread_mutex_lock(&rl->mu);
    struct rl_entry *a = rl_lookup(rl, "a:", account, now);
    if (a && a->failures + a->inflight < rl->max_account) {
        /* Held while the address is looked up, so that lookup cannot take
         * the account's (possibly fresh, idle-looking) slot. */
        a->inflight++;
        struct rl_entry *n = rl_lookup(rl, "n:", akey, now);
        if (n && n->failures + n->inflight < rl->max_address) {
            n->inflight++;
            r = 0;
        } else {
            a->inflight--;
        }
    }
    pthread_mutex_unlock(&rl->mu);
    return r;
}

static void rl_finish(struct rl_entry *e, bool failed, bool clear, int64_t now)
{
    if (!e)
        return;
    if (e->inflight > 0)
        e->inflight--;
    if (clear)
        e->failures = 0;
    if (failed) {
        if (e->failures == 0)
            e->window_start = now;
        e->failures++;
    }
}

void mm_ratelimit_end(struct mm_ratelimit *rl, const char *account, const char *address,
                      bool success, int64_t now)
{
    char akey[RL_KEY_MAX];
    address_key(address, akey);
    pthread_mutex_lock(&rl->mu);
    rl_finish(rl_lookup(rl, "a:", account, now), !success, success, now);
    rl_finish(rl_lookup(rl, "n:", akey, now), !success, false, now);
    pthread_mutex_unlock(&rl->mu);
}

void mm_ratelimit_end_result(struct mm_ratelimit *rl, const char *account, const char *address,
                             int r, int64_t now)
{
    char akey[RL_KEY_MAX];
    if (!MM_STORE_FAILED(r)) {
        mm_ratelimit_end(rl, account, address, r == 0, now);
        return;
    }
    address_key(address, akey); /* only the attempt in flight is let go */
    pthread_mutex_lock(&rl->mu);
    rl_finish(rl_lookup(rl, "a:", account, now), false, false, now);
    rl_finish(rl_lookup(rl, "n:", akey, now), false, false, now);
    pthread_mutex_unlock(&rl->mu);
}
