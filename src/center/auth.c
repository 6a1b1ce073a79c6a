/* SPDX-License-Identifier: Apache-2.0
 * Owns password hashing (and the process-wide count of password checks at
 * once), secret generation and hashing, enrolment codes and the login rate
 * limiter (auth.h). */
#include "center/auth.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/net.h"

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

/* ---- password checks at once: each argon2id run takes its own memory
 * (64 MiB at the interactive cost), so a process-wide count of slots bounds
 * the memory however many sign-ins arrive ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t freed; /* on CLOCK_MONOTONIC once slots are set */
    int slots, busy;      /* slots 0: no limit (the admin command, unit tests) */
    int64_t wait_usec;
} pw = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void init_freed(void)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&pw.freed, &attr);
    pthread_condattr_destroy(&attr);
}

void mm_password_slots_set(int slots, int64_t wait_usec)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_freed);
    pthread_mutex_lock(&pw.mu);
    pw.slots = slots > 0 ? slots : 1;
    pw.wait_usec = wait_usec > 0 ? wait_usec : 0;
    pthread_mutex_unlock(&pw.mu);
}

int mm_password_slots_default(int threads)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int n = cpus > 0 && cpus < threads ? (int)cpus : threads;
    return n > 0 ? n : 1;
}

static void deadline_after(int64_t usec, struct timespec *ts)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    int64_t ns = ts->tv_nsec + (usec % 1000000) * 1000;
    ts->tv_sec += (time_t)(usec / 1000000 + ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
}

/* Takes a slot: 0 (*taken says whether there was a limit to count
 * against), or MM_EAGAIN after waiting wait_usec without one coming free. */
static int slot_take(bool *taken)
{
    struct timespec until;
    int r = 0;
    *taken = false;
    pthread_mutex_lock(&pw.mu);
    if (pw.slots > 0) {
        deadline_after(pw.wait_usec, &until);
        while (pw.busy >= pw.slots && r == 0)
            if (pthread_cond_timedwait(&pw.freed, &pw.mu, &until) == ETIMEDOUT &&
                pw.busy >= pw.slots)
                r = MM_EAGAIN;
        if (r == 0) {
            pw.busy++;
            *taken = true;
        }
    }
    pthread_mutex_unlock(&pw.mu);
    return r;
}

static void slot_give(bool taken)
{
    if (!taken)
        return;
    pthread_mutex_lock(&pw.mu);
    pw.busy--;
    pthread_cond_signal(&pw.freed);
    pthread_mutex_unlock(&pw.mu);
}

int mm_password_hash(const char *password, enum mm_pwcost cost, char out[MM_PWHASH_MAX])
{
    unsigned long long ops;
    size_t mem;
    size_t len = strlen(password);
    bool taken;
    out[0] = '\0';
    if (len > PASSWORD_MAX)
        return MM_ETOOBIG;
    if (mm_auth_init() != 0)
        return MM_EIO;
    cost_limits(cost, &ops, &mem);
    if (slot_take(&taken) != 0)
        return MM_EAGAIN;
    int r = crypto_pwhash_argon2id_str(out, password, len, ops, mem) == 0 ? 0 : MM_ENOMEM;
    slot_give(taken);
    return r;
}

int mm_password_verify(const char *hash, const char *password)
{
    size_t len = strlen(password);
    bool taken;
    if (!hash || !*hash || len > PASSWORD_MAX || mm_auth_init() != 0)
        return MM_EAUTH;
    if (slot_take(&taken) != 0)
        return MM_EAGAIN;
    int r = crypto_pwhash_str_verify(hash, password, len) == 0 ? 0 : MM_EAUTH;
    slot_give(taken);
    return r;
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
    if (dummy_hash[0] && mm_password_verify(dummy_hash, password) == MM_EAGAIN)
        return MM_EAGAIN;
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

#define RL_SLOTS     4096
#define RL_KEY_MAX   320 /* "p:", an e-mail (254), '|', an address key (IPv6 /64: 43) */
#define RL_PROBE     64
#define ADDR_KEY_MAX (INET6_ADDRSTRLEN + 4) /* an address's text, or an IPv6 /64 */

struct rl_entry {
    char key[RL_KEY_MAX];
    int failures, inflight;
    int64_t window_start;
};

struct mm_ratelimit {
    pthread_mutex_t mu;
    int max_pair, max_account, max_address;
    int64_t window;
    struct rl_entry slots[RL_SLOTS];
};

int mm_ratelimit_new(int max_pair, int max_account, int max_address, int64_t window_usec,
                     struct mm_ratelimit **out)
{
    struct mm_ratelimit *rl = calloc(1, sizeof *rl);
    *out = NULL;
    if (!rl)
        return MM_ENOMEM;
    pthread_mutex_init(&rl->mu, NULL);
    rl->max_pair = max_pair;
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

/* Finds or creates the entry for key (kind "p:" account and address, "a:"
 * account from anywhere, "n:" address). When the key is new, it takes an
 * empty or idle slot of its probe sequence, else the slot whose window
 * started longest ago among those with no attempt in flight (a full table
 * must not lock everybody out). NULL only when every slot of the sequence
 * has an attempt in flight (callers then refuse the attempt: fail closed). */
static struct rl_entry *rl_lookup(struct mm_ratelimit *rl, const char *full, int64_t now)
{
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

/* The key of a source address: the client it stands for (core/net.h's
 * mm_addr_client: IPv4 as is, also when IPv4-mapped, IPv6 by its /64). */
static void address_key(const char *address, char out[ADDR_KEY_MAX])
{
    struct mm_addr a;
    char text[MM_ADDR_STRLEN];
    if (mm_addr_parse(address, &a) != 0) {
        snprintf(out, ADDR_KEY_MAX, "%s", address);
        return;
    }
    unsigned prefix = mm_addr_client(&a);
    mm_addr_format(&a, text, sizeof text);
    snprintf(out, ADDR_KEY_MAX, prefix == 64 ? "%s/64" : "%s", text);
}

/* The three keys an attempt counts against, in the order they are
 * reserved: the account from this address (its own small limit, so that
 * failures elsewhere never lock the person out here), the account from
 * anywhere (a looser limit against guessing from many addresses) and the
 * address (against trying many accounts). */
enum { RL_PAIR, RL_ACCOUNT, RL_ADDRESS, RL_KEYS };

static void attempt_keys(const char *account, const char *address, char keys[RL_KEYS][RL_KEY_MAX])
{
    char akey[ADDR_KEY_MAX];
    address_key(address, akey);
    /* an e-mail address holds no '|': the pair's key cannot be another's */
    snprintf(keys[RL_PAIR], RL_KEY_MAX, "p:%s|%s", account, akey);
    snprintf(keys[RL_ACCOUNT], RL_KEY_MAX, "a:%s", account);
    snprintf(keys[RL_ADDRESS], RL_KEY_MAX, "n:%s", akey);
}

int mm_ratelimit_begin(struct mm_ratelimit *rl, const char *account, const char *address,
                       int64_t now)
{
    char keys[RL_KEYS][RL_KEY_MAX];
    struct rl_entry *held[RL_KEYS];
    const int max[RL_KEYS] = {rl->max_pair, rl->max_account, rl->max_address};
    int n = 0;
    attempt_keys(account, address, keys);
    pthread_mutex_lock(&rl->mu);
    /* Each key is held (inflight) while the next is looked up, so that
     * lookup cannot take its (possibly fresh, idle-looking) slot. */
    for (; n < RL_KEYS; n++) {
        struct rl_entry *e = rl_lookup(rl, keys[n], now);
        if (!e || e->failures + e->inflight >= max[n])
            break;
        e->inflight++;
        held[n] = e;
    }
    if (n < RL_KEYS)
        for (int i = 0; i < n; i++)
            held[i]->inflight--;
    pthread_mutex_unlock(&rl->mu);
    return n == RL_KEYS ? 0 : MM_ELIMIT;
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

/* Ends the attempt in flight on each key: failed counts against all three;
 * a success clears only the failures of the account from this address (the
 * account's count from anywhere stays: one success somewhere must not give
 * guessers elsewhere a fresh allowance). */
static void rl_end(struct mm_ratelimit *rl, const char *account, const char *address, bool failed,
                   bool success, int64_t now)
{
    char keys[RL_KEYS][RL_KEY_MAX];
    attempt_keys(account, address, keys);
    pthread_mutex_lock(&rl->mu);
    for (int i = 0; i < RL_KEYS; i++)
        rl_finish(rl_lookup(rl, keys[i], now), failed, success && i == RL_PAIR, now);
    pthread_mutex_unlock(&rl->mu);
}

void mm_ratelimit_end(struct mm_ratelimit *rl, const char *account, const char *address,
                      bool success, int64_t now)
{
    rl_end(rl, account, address, !success, success, now);
}

void mm_ratelimit_end_result(struct mm_ratelimit *rl, const char *account, const char *address,
                             int r, int64_t now)
{
    /* A store failure or no free password check: only the attempt in
     * flight is let go (the password may not even have been checked). */
    if (MM_STORE_FAILED(r) || r == MM_EAGAIN)
        rl_end(rl, account, address, false, false, now);
    else
        rl_end(rl, account, address, r != 0, r == 0, now);
}
