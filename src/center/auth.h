/* SPDX-License-Identifier: Apache-2.0
 * Credentials: argon2id password hashes (libsodium crypto_pwhash_str), random
 * secrets (session tokens, API tokens "mmt_", sensor keys "mms_", enrolment
 * codes) stored only as BLAKE2b-256 hashes, and the login rate limiter that
 * reserves an attempt before the password is checked so concurrent attempts
 * cannot exceed the limit; a process-wide bound on password checks at once.
 * Request authentication lives in router.c. */
#ifndef MM_CENTER_AUTH_H
#define MM_CENTER_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "center/store.h"

#define MM_PWHASH_MAX     160 /* >= crypto_pwhash_STRBYTES */
#define MM_SECRET_MAX     64  /* prefix + 43 base64url characters + NUL */
#define MM_ENROL_CODE_MAX 32

enum mm_pwcost {
    MM_PWCOST_INTERACTIVE = 0, /* libsodium's interactive limits (default) */
    MM_PWCOST_MIN,             /* the minimum limits: tests and demos only */
};

/* Initialises libsodium once; MM_EIO if it cannot. */
int mm_auth_init(void);

/* Parses "interactive" or "min". */
int mm_pwcost_parse(const char *s, enum mm_pwcost *out);

/* The fewest characters a password may have, wherever one is set (the API
 * and the admin command): what the web UI and the self-help rules ask for. */
#define MM_PASSWORD_MIN_CHARS 12

/* True when password holds at least MM_PASSWORD_MIN_CHARS characters
 * (Unicode code points of its UTF-8, not bytes: a Japanese passphrase of
 * four characters is not twelve). */
bool mm_password_long_enough(const char *password);

/* Bounds the password checks and hashings running at once in this process
 * (each argon2id run holds its own memory: 64 MiB at the interactive cost)
 * to slots (at least 1); one that finds none free waits at most wait_usec
 * (0: not at all), then fails with MM_EAGAIN. Set once at start-up, before
 * serving; without it (the admin command) there is no limit. */
void mm_password_slots_set(int slots, int64_t wait_usec);
/* The server's number of slots: the processors online, at most threads
 * (the requests working in the database at once, --threads), at least 1. */
int mm_password_slots_default(int threads);

/* Hashes a password (at most 1024 bytes) with argon2id into out; MM_EAGAIN
 * when no slot came free in time. */
int mm_password_hash(const char *password, enum mm_pwcost cost, char out[MM_PWHASH_MAX]);
/* 0 when password matches hash, MM_EAUTH otherwise (also for an empty
 * hash), MM_EAGAIN when no slot came free in time (nothing was checked). */
int mm_password_verify(const char *hash, const char *password);
/* Makes, once at start-up (before serving), the hash that logins for a
 * missing account or an account without a password are checked against. */
int mm_password_dummy_init(enum mm_pwcost cost);
/* Verifies password against that hash, so the time spent is the same as
 * for a real account; MM_EAUTH, or MM_EAGAIN as mm_password_verify. */
int mm_password_verify_dummy(const char *password);
/* True when hash was made with other parameters than cost asks for now. */
bool mm_password_needs_rehash(const char *hash, enum mm_pwcost cost);

/* BLAKE2b-256 of a secret's text, the form stored in the database. */
void mm_secret_hash(const char *secret, uint8_t out[MM_HASH_BYTES]);
/* A new random secret: prefix followed by 32 random bytes in base64url. */
int mm_secret_new(const char *prefix, char out[MM_SECRET_MAX]);
/* A new enrolment code "XXXX-XXXX-XXXX-XXXX" (base32 without 0/1/I/O, 80 bits). */
int mm_enrol_code_new(char out[MM_ENROL_CODE_MAX]);
/* Hashes a code typed by a person: case and dashes/spaces do not matter. */
int mm_enrol_code_hash(const char *code, uint8_t out[MM_HASH_BYTES]);

/* The login rate limiter: a count of failures within a sliding window plus
 * attempts in flight, for three keys: the account from the client's
 * address (IPv4, or the IPv6 /64), max_pair; the account from anywhere,
 * max_account; the address for any account, max_address. Failures from
 * one address never lock the account out at another until max_account. */
struct mm_ratelimit;

int mm_ratelimit_new(int max_pair, int max_account, int max_address, int64_t window_usec,
                     struct mm_ratelimit **out);
void mm_ratelimit_free(struct mm_ratelimit *rl);
/* Reserves one attempt for (account, address): MM_ELIMIT when any of the
 * three keys' failures plus attempts in flight reached its maximum. Every
 * successful begin must be followed by one end. */
int mm_ratelimit_begin(struct mm_ratelimit *rl, const char *account, const char *address,
                       int64_t now);
/* Ends an attempt: a failure counts against all three keys; a success
 * clears the failures of the account from this address only. */
void mm_ratelimit_end(struct mm_ratelimit *rl, const char *account, const char *address,
                      bool success, int64_t now);
/* Ends an attempt by its result r: 0 a success, a store failure (the
 * database busy or broken: the password may not even have been checked) or
 * MM_EAGAIN (no free password check) neither a success nor a failure,
 * anything else a failure. */
void mm_ratelimit_end_result(struct mm_ratelimit *rl, const char *account, const char *address,
                             int r, int64_t now);

#endif
