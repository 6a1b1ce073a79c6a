/* SPDX-License-Identifier: Apache-2.0
 * Internals shared by the intel set (intel.c) and the feed readers
 * (intel-feeds.c): adding one indicator of a known or guessed type, with the
 * family / reference / source of the line it came from. Not a public API. */
#ifndef MM_SENSOR_INTEL_INT_H
#define MM_SENSOR_INTEL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/intel/intel.h"

/* Indicator kinds; the value is also the first byte of the stored key. */
enum mm__intel_kind {
    MM__IK_NONE = 0,
    MM__IK_IP = 'i',
    MM__IK_DOMAIN = 'd',
    MM__IK_URL = 'u',
    MM__IK_JA3 = '3',
    MM__IK_JA4 = '4',
    MM__IK_SHA1 = 's',
};

/* Where an indicator comes from; strings are copied (interned) on add. */
struct mm__intel_ctx {
    const char *family;    /* "" when unknown */
    const char *reference; /* "" when none */
    const char *source;    /* file path */
    bool allow;            /* from an allowlist: suppresses matches */
    /* Kept by mm__intel_add (zero-initialise it): which set and context
     * number the three strings were last stored as, and the pointers they
     * had then. The next add with the same pointers reuses that number
     * instead of comparing the strings again. A reader that rewrites one of
     * the strings in place (same pointer, new text) must call
     * mm__intel_ctx_changed. */
    struct {
        uint64_t set; /* the set's serial number; 0: nothing kept */
        uint32_t id;
        const char *family, *reference, *source;
    } interned;
};

/* Forgets what ctx->interned kept (its strings were rewritten in place). */
static inline void mm__intel_ctx_changed(struct mm__intel_ctx *ctx)
{
    ctx->interned.set = 0;
}

/* Longest accepted indicator text, host name and URL (attacker-independent,
 * but feeds are untrusted input too). */
#define MM__INTEL_VALUE_MAX 2048
#define MM__INTEL_NAME_MAX  253

/* Adds value as kind (MM__IK_NONE: guess from its shape: IP, CIDR, ip:port,
 * [v6]:port, domain, URL with or without scheme, /path). Returns 0 (added or
 * duplicate), MM_EPARSE with *why set to a static reason, or MM_ENOMEM /
 * MM_ELIMIT (possibly from an earlier add's insert: see mm__intel_flush). */
int mm__intel_add(struct mm_intel *in, enum mm__intel_kind kind, const char *value,
                  struct mm__intel_ctx *ctx, const char **why);
/* The same for a value whose length n (strlen) the caller knows. */
int mm__intel_add_n(struct mm_intel *in, enum mm__intel_kind kind, const char *value, size_t n,
                    struct mm__intel_ctx *ctx, const char **why);

/* An add may leave its table insert for a few adds later (the table's
 * memory is asked for ahead); this inserts what waits. mm_intel_seal
 * flushes; so does mm__intel_load_text at the end of each feed. Returns
 * the first insert's failure (MM_ENOMEM, MM_ELIMIT). */
int mm__intel_flush(struct mm_intel *in);

/* Maps a type word ("ip", "ip:port", "cidr", "domain", "hostname", "url",
 * "ja3", "ja3_md5", "ja4", "sha1", "sha1_hash", ...) to a kind; MM__IK_NONE
 * for unknown words. */
enum mm__intel_kind mm__intel_kind_from_word(const char *word);

struct mm__intel_piece_file;

/* A feed text read line by line (the iterator of intel-feeds.c). The text
 * is either a whole feed in memory (file NULL) or the part of a large feed
 * file that is in its piece buffer (see mm__intel_load_file): then a line
 * running past end makes the iterator read the next piece, and lines
 * returned before are gone. */
struct mm__intel_lines {
    char *start, *p, *end;             /* the text, its next unread byte, its end */
    int lineno;                        /* lines read */
    size_t len;                        /* length of the line last returned */
    struct mm__intel_piece_file *file; /* NULL: the whole text is in memory */
    uint64_t before;                   /* bytes of the feed before start (pieces read earlier) */
    uint64_t after;                    /* bytes of the feed after end (not read yet) */
    unsigned pieces;                   /* pieces read after the first: changes when lines move */
};

/* The feed bytes not read yet (after p) and read already (before p). */
static inline uint64_t mm__intel_lines_unread(const struct mm__intel_lines *it)
{
    return (uint64_t)(it->end - it->p) + it->after;
}
static inline uint64_t mm__intel_lines_read(const struct mm__intel_lines *it)
{
    return it->before + (uint64_t)(it->p - it->start);
}

/* The next line of a list feed (NULL at the end), NUL-terminated in place
 * without its "\r\n" (it->len: its length), and in *plain whether it is
 * one bare indicator: not empty, without white space, '#' or a pattern
 * character (" \t\v\f\r#[]()*+\\|^$"). The text holds no NUL byte. */
char *mm__intel_next_list_line(struct mm__intel_lines *it, bool *plain);

/* Tells in which feed text is being read (the reader keeps *feed current):
 * a table or the string pool that must grow then makes room for about what
 * the unread lines can add. Call it with NULL before the text goes away. */
void mm__intel_feed_text(struct mm_intel *in, const struct mm__intel_lines *feed);

/* A large block of memory in a mapping of its own (intel-mem.c): the string
 * pool, the entry arrays, the tables' slots, the feed text. */
struct mm__intel_block {
    void *p;      /* NULL: none */
    size_t cap;   /* bytes it holds, at least what was asked for */
    size_t ready; /* its first bytes made resident ahead (mm__intel_block_ahead) */
};

/* Makes b hold at least want bytes (0: frees it), keeping its first bytes
 * (up to the smaller size) and zeroing those beyond its old size; b may
 * move. MM_ENOMEM leaves b as it was. */
int mm__intel_block_resize(struct mm__intel_block *b, size_t want);
void mm__intel_block_free(struct mm__intel_block *b);

/* Makes bytes [from, to) of b resident and writable now, in one call
 * (MADV_POPULATE_WRITE), for a part that is about to be written all over
 * (a table's slots, a feed's text): one system call instead of a page
 * fault per page, and no read of a fresh page first mapping the shared
 * zero page that the first write then replaces. Advice only: nothing
 * depends on it (no-op where unsupported and for heap blocks). */
void mm__intel_block_populate(struct mm__intel_block *b, size_t from, size_t to);

/* The same for the whole pages inside p[0..len) of memory from the heap
 * that is about to be written all over (a large presence bitmap). */
void mm__intel_populate(void *p, size_t len);

/* For a block written from its start onwards (the string pool, the entry
 * arrays): makes its bytes up to end resident, and MM__INTEL_AHEAD more,
 * unless b->ready covers them already. Its pages are then faulted in a
 * few hundred at a time instead of one by one (thousands of faults while
 * a large set loads, where the blocks start small or moved into place
 * with 4 KB pages). At most MM__INTEL_AHEAD bytes are resident beyond
 * what is written. */
#define MM__INTEL_AHEAD ((size_t)256 << 10)
void mm__intel_block_ready(struct mm__intel_block *b, size_t end);
static inline void mm__intel_block_ahead(struct mm__intel_block *b, size_t end)
{
    if (end > b->ready)
        mm__intel_block_ready(b, end);
}

/* The block the feed files of in are read into: kept from one file to the
 * next (its pages are used again instead of fresh ones being faulted in),
 * resized to each file, freed when the set is sealed or freed. */
struct mm__intel_block *mm__intel_text_block(struct mm_intel *in);

/* Feed files larger than a piece (256 KB) are read a piece at a time
 * (see intel-feeds.c); the tests set a smaller size (at least 16 bytes;
 * 0: the default) to make pieces of small files. */
void mm__intel_feed_piece(size_t bytes);

/* The settle rule in's loads follow (mm_intel_settle). */
const struct mm_intel_settle *mm__intel_settle_of(const struct mm_intel *in);

/* Reads one feed file into in; fills rep. Never fails on content. */
int mm__intel_load_file(struct mm_intel *in, const char *path, struct mm_intel_file_report *rep);

/* The same for a feed already in memory: text[0..len) followed by a NUL (it
 * is modified in place); path names it in reports and decides allowlists
 * and skipped names. Used by mm__intel_load_file and the fuzz harness. */
int mm__intel_load_text(struct mm_intel *in, const char *path, char *text, size_t len,
                        struct mm_intel_file_report *rep);

/* Normalises a host name in place into out (lower case, no trailing dot, no
 * leading "*." or "."): returns false when it is not a valid DNS name. */
bool mm__intel_norm_domain(const char *in, char *out, size_t outlen);

/* Normalises a URL ("scheme://user@Host:80/p?q#f", "host/p", "/p") into
 * "host/path?query" (host lower case, default port, user info and fragment
 * dropped; a bare host becomes "host/"). False when unusable. */
bool mm__intel_norm_url(const char *in, char *out, size_t outlen);

/* The hash the name memo files a question under (kind: enum
 * mm__intel_kind; text: the question as asked). For the test that two
 * questions with the same hash never share an answer. */
uint32_t mm__intel_memo_hash(unsigned kind, const char *text, size_t n);

/* The hash the string table files the key (kind, value[0..n)) under. For
 * the test that keys differing only in a URL's case do not share it. */
uint32_t mm__intel_key_hash(unsigned kind, const char *value, size_t n);

/* mm_intel_match_ip, mm_intel_match_ip_dest, mm_intel_match_domain,
 * mm_intel_match_url and mm_intel_match_hash without the memos of recent
 * answers (see intel.c): the same answers, always found afresh (an address
 * on its own port even when no entry with a port covers it). For the
 * differential tests. */
bool mm__intel_match_ip_direct(const struct mm_intel *in, const struct mm_addr *a, uint16_t port,
                               struct mm_intel_hit *hit);
bool mm__intel_match_ip_dest_direct(const struct mm_intel *in, const struct mm_addr *a,
                                    uint16_t port, struct mm_intel_hit *hit);
bool mm__intel_match_domain_direct(const struct mm_intel *in, const char *name,
                                   struct mm_intel_hit *hit);
bool mm__intel_match_url_direct(const struct mm_intel *in, const char *host, const char *uri,
                                struct mm_intel_hit *hit);
bool mm__intel_match_hash_direct(const struct mm_intel *in, const char *kind, const char *hex,
                                 struct mm_intel_hit *hit);

#endif
