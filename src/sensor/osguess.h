/* SPDX-License-Identifier: Apache-2.0
 * OS guess for the device inventory: maps what a device shows on the wire
 * (DHCP option 55 order and option 60, HTTP user agent, SMB native OS, TCP
 * SYN traits, the MAC vendor) to an operating system, each with a score.
 * The rules are data (data/sensor/os-fingerprints.json); the inventory keeps
 * the best-scoring guess over all sources. See docs/design/devices.md. */
#ifndef MM_SENSOR_OSGUESS_H
#define MM_SENSOR_OSGUESS_H

#include <stdbool.h>
#include <stdint.h>

struct mm_osguess;

/* One guess; strings belong to the table (valid while it lives). */
struct mm_os_guess {
    const char *id;      /* "windows-xp", "ios", ... */
    const char *name_ja; /* for people */
    const char *name_en;
    const char *family; /* "windows", "apple", "android", "linux", "unix", "embedded" */
    bool legacy;        /* Windows XP / 2003 era and older */
    bool eol;           /* vendor support has ended */
    bool mobile;        /* phone or tablet */
    int score;          /* 0-100: how much this source is trusted */
};

/* Loads the embedded table. MM_ENOENT / MM_EPARSE when it is missing or bad. */
int mm_osguess_new(struct mm_osguess **out);
void mm_osguess_free(struct mm_osguess *t);

/* Matching is for one thread at a time: answers are remembered in a small
 * cache inside the table (the sensor asks from its packet thread only). */
/* Each returns true and fills g when a rule matches. params is the option 55
 * list as "1,15,3,..." (may be NULL), vendor the option 60 string (may be NULL). */
bool mm_osguess_dhcp(const struct mm_osguess *t, const char *params, const char *vendor,
                     struct mm_os_guess *g);
bool mm_osguess_user_agent(const struct mm_osguess *t, const char *ua, struct mm_os_guess *g);
bool mm_osguess_smb(const struct mm_osguess *t, const char *native_os, struct mm_os_guess *g);
/* ttl as observed (the initial TTL is estimated), options like "M,N,W,N,N,S".
 * The answer depends on mm_osguess_initial_ttl(ttl) and options only (a ttl
 * of 0 has none). */
bool mm_osguess_tcp(const struct mm_osguess *t, uint8_t ttl, const char *options,
                    struct mm_os_guess *g);
/* The initial TTL a packet seen with ttl was most likely sent with: 64, 128 or 255. */
unsigned mm_osguess_initial_ttl(uint8_t ttl);
bool mm_osguess_vendor(const struct mm_osguess *t, const char *vendor, struct mm_os_guess *g);
/* The description of an OS id (score 0), e.g. when reloading saved state. */
bool mm_osguess_by_id(const struct mm_osguess *t, const char *id, struct mm_os_guess *g);

#endif
