/* SPDX-License-Identifier: Apache-2.0
 * Threat intelligence: indicator sets loaded from feed files (format found by
 * content sniffing) and matched against traffic. IPs by longest prefix;
 * domains exactly and by parent domain, bounded by the registrable domain
 * (libpsl) so a listed public suffix never matches everything; URLs; JA3/JA4
 * and certificate SHA-1 fingerprints. A sealed set's indicators never
 * change (only its memos of recent answers do, see below); reloads build a
 * new set and swap it. */
#ifndef MM_SENSOR_INTEL_H
#define MM_SENSOR_INTEL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/net.h"

struct mm_intel;

/* What matched: strings owned by the intel set (valid while it lives). */
struct mm_intel_hit {
    const char *type;      /* "ip", "domain", "url", "ja3", "ja4", "sha1" */
    const char *indicator; /* the listed value (a parent domain, a CIDR, ...) */
    const char *family;    /* malware family or list name ("emotet"), may be "" */
    const char *reference; /* URL or note from the feed, may be "" */
    const char *source;    /* file the indicator came from */
};

/* A change of a feed file while it was read that cost no valid line (not
 * counted as malformed; see docs/design/intel.md, "Feed files"). */
enum mm_intel_note {
    MM_INTEL_NOTE_NONE = 0,
    MM_INTEL_NOTE_GREW,      /* grew at its end: lines from note_line on are for the next load */
    MM_INTEL_NOTE_CHANGED,   /* rewritten: lines from note_line on were read again, as it is now */
    MM_INTEL_NOTE_REPLACED,  /* another file was renamed over it: the one opened was loaded */
    MM_INTEL_NOTE_POSTPONED, /* still being written at a reload: not read, the reload postponed */
    MM_INTEL_NOTE_UNSETTLED, /* still being written after the wait: loaded as it was read */
};

/* Per-file load summary; malformed lines are counted and reported, never fatal. */
struct mm_intel_file_report {
    char path[512];
    char format[32]; /* sniffed format name */
    size_t loaded, malformed;
    int first_bad_line; /* 0: none */
    char first_bad_reason[128];
    int note;      /* enum mm_intel_note */
    int note_line; /* the line the note names (GREW, CHANGED) */
    int error;     /* 0, or the MM_E* code that ended the load at this file
                    * (the last report: a file of a directory named) */
};

int mm_intel_new(struct mm_intel **out);

/* The settle rule (docs/design/intel.md, "Feeds still being written"): a
 * feed file modified (mtime or ctime) less than ms ago may be half-written
 * (a write() sets the times before it copies its bytes), so it is not
 * taken as read. Before its read, and again when it changes while it is
 * read, such a feed is waited for until it is ms old, up to wait_until (a
 * CLOCK_MONOTONIC time in microseconds; 0: no wait; the wait ends early
 * once *stop, when stop is not NULL, is set), and then read again from its
 * start. Still not settled, a load with postpone set (a reload) fails
 * with MM_EAGAIN, the file's report (note MM_INTEL_NOTE_POSTPONED) added
 * to the reports: the caller discards the set and loads again later; one
 * without loads it as it was read (MM_INTEL_NOTE_UNSETTLED). ms 0: off
 * (the default). */
struct mm_intel_settle {
    unsigned ms;
    int64_t wait_until;
    bool postpone;
    const volatile sig_atomic_t *stop;
};
void mm_intel_settle(struct mm_intel *in, const struct mm_intel_settle *s);
/* Loads a file, or every regular file in a directory (sorted, recursive).
 * Appends a report per file to *reports (realloc'd array, count in *nreports;
 * pass NULL to skip). Fails only on I/O errors or ENOMEM. */
int mm_intel_load(struct mm_intel *in, const char *path, struct mm_intel_file_report **reports,
                  size_t *nreports);
/* Finishes loading (sorts, builds lookup structures). Call once, before matching. */
int mm_intel_seal(struct mm_intel *in);
void mm_intel_free(struct mm_intel *in);
/* The indicators in the set, each distinct one once. Adds still waiting for
 * their insert (see mm__intel_flush) are counted once the set is sealed. */
size_t mm_intel_count(const struct mm_intel *in);

/* Matching is for one thread at a time: answers (IP, name, URL and
 * fingerprint) are remembered in small memos inside the set (the sensor
 * matches from its packet thread only). */
/* The most specific entry listing a. port 0 means "any"; feeds listing
 * ip:port match that port only. */
bool mm_intel_match_ip(const struct mm_intel *in, const struct mm_addr *a, uint16_t port,
                       struct mm_intel_hit *hit);
/* The same for a as a destination (an office host connecting to it, a DNS
 * answer pointing to it): entries of mass-scanner lists (family
 * "mass_scanner..." or "mass scanner...", such as Maltrail's
 * mass_scanner.txt) are passed over, so the most specific other entry
 * answers (a scanner list names where probes come from; its ranges, whole
 * cloud ranges some of them, hold ordinary servers and C2 servers alike). */
bool mm_intel_match_ip_dest(const struct mm_intel *in, const struct mm_addr *a, uint16_t port,
                            struct mm_intel_hit *hit);
bool mm_intel_match_domain(const struct mm_intel *in, const char *name, struct mm_intel_hit *hit);
/* mm_intel_match_domain of a name whose length the caller knows already
 * (n must be strlen(name): the name still ends in its NUL). */
bool mm_intel_match_domain_n(const struct mm_intel *in, const char *name, size_t n,
                             struct mm_intel_hit *hit);
/* host and path as seen in HTTP ("Host" and request URI). */
bool mm_intel_match_url(const struct mm_intel *in, const char *host, const char *uri,
                        struct mm_intel_hit *hit);
/* Hints that the question is about to be asked (the same arguments as the
 * match): its memo slots are fetched into the cache, so the miss overlaps
 * with the caller's work until then. The answers are the same without. */
void mm_intel_prefetch_domain(const struct mm_intel *in, const char *name, size_t n);
void mm_intel_prefetch_url(const struct mm_intel *in, const char *host, const char *uri);
void mm_intel_prefetch_hash(const struct mm_intel *in, const char *kind, const char *hex);
/* kind: "ja3", "ja4" or "sha1"; hex in any case. */
bool mm_intel_match_hash(const struct mm_intel *in, const char *kind, const char *hex,
                         struct mm_intel_hit *hit);

#endif
