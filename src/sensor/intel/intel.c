/* SPDX-License-Identifier: Apache-2.0
 * The threat-intel set: storage and matching for every indicator kind.
 *
 * All strings live in one arena addressed by 32-bit offsets (family, reference
 * and source names are interned, and an indicator names its three by one
 * context index, so a million indicators from a few feeds share them); an
 * IP entry's text is formatted at its first hit only. Two open-addressing
 * hash tables hold the indicators:
 *
 *  - strings: kind byte + normalised value (domain, URL "host/path", JA3,
 *    JA4, SHA-1) -> entry. Domains match exactly and then by parent domain,
 *    walking up one label at a time; a hit on a name that is an ICANN public
 *    suffix (libpsl) is ignored, so a listed "co.jp" never matches "x.co.jp".
 *  - IP prefixes: (family, prefix length, masked address, port) -> entry.
 *    Longest-prefix match probes the table once per prefix length present in
 *    the feeds, longest first (binary search on lengths is not needed: feeds
 *    use a handful of lengths), first with the port, then with port 0 (any).
 *
 * Allowlist entries (from files named *whitelist* / *allowlist*) sit in the
 * same tables with a flag: the most specific matching entry decides, and an
 * allow entry always wins over a listed one with the same key.
 *
 * Entries of mass-scanner lists (family "mass_scanner..." or "mass
 * scanner...") name the source of internet-wide probes only: a key another
 * feed lists too keeps the other feed's context, and an address asked
 * about as a destination (mm_intel_match_ip_dest) passes over them to the
 * next most specific entry.
 *
 * Loading a million indicators is bound by memory, not instructions: the
 * tables and the pool are sized ahead from the feed being read, their big
 * blocks are mappings of their own that grow without copying and are asked
 * for as huge pages (intel-mem.c), and each insert waits a few adds for its
 * slot's cache line (see "deferred inserts").
 * See docs/design/intel.md. */
#include "sensor/intel/intel-int.h"

#include <libpsl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/error.h"
#include "core/str.h"

/* ---- string arena ------------------------------------------------------- */

struct pool {
    char *data;      /* mem.p */
    size_t len, cap; /* cap: at most mem.cap and UINT32_MAX */
    struct mm__intel_block mem;
};

/* A word-at-a-time hash (every indicator, and every name a packet is matched
 * by, is hashed; a byte loop was a visible share of loading). Only slot
 * positions depend on it. From 8 bytes on, the last word is the last eight
 * bytes (overlapping the word before): no byte loop for the rest. */
static inline uint32_t hash_words(const void *data, size_t n, uint32_t seed, uint64_t set)
{
    const uint8_t *b = data;
    uint64_t h = (0x9e3779b97f4a7c15ULL ^ seed) + n, w = 0;
    if (n >= 8) {
        const uint8_t *last = b + n - 8;
        for (; b < last; b += 8) {
            memcpy(&w, b, 8);
            h = (h ^ (w | set)) * 0xff51afd7ed558ccdULL;
            h ^= h >> 32;
        }
        memcpy(&w, last, 8);
    } else {
        for (size_t i = 0; i < n; i++)
            w |= (uint64_t)b[i] << (8 * i);
    }
    h = (h ^ (w | set)) * 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return (uint32_t)h;
}

static uint32_t hash_bytes(const void *data, size_t n, uint32_t seed)
{
    return hash_words(data, n, seed, 0);
}

/* The hash of a string table key, from its kind (the key's first byte)
 * and value[0..n): for a domain name, hash_words with every byte's 0x20
 * bit set, which is what lower-casing a letter sets, so a name's hash can
 * be taken from the name as listed (see add_name_at: the lower-cased key
 * it has just stored is not read back); a name's bytes (lower-case
 * letters, digits, '-', '.', '_') all differ in their other bits. Other
 * keys are hashed as they are: a URL keeps its path's case, and with the
 * bit set the 2^k spellings of a path of k letters, all different keys,
 * shared one hash (65,536 of them in one feed took 8 s to load instead of
 * 10 ms, every insert comparing against every one before). Only slot
 * positions depend on it; keys are compared whole. */
static inline uint32_t key_hash_value(unsigned kind, const char *value, size_t n)
{
    return hash_words(value, n, kind, kind == MM__IK_DOMAIN ? 0x2020202020202020ULL : 0);
}

uint32_t mm__intel_key_hash(unsigned kind, const char *value, size_t n)
{
    return key_hash_value(kind, value, n);
}

static inline uint32_t key_hash(const char *key, size_t n)
{
    return key_hash_value((unsigned char)key[0], key + 1, n - 1);
}

/* ---- tables ------------------------------------------------------------- */

/* An indicator's family, reference and source (pool offsets). Entries name
 * one by its index: a feed gives the same three to thousands of lines.
 * scanner: the family is a mass-scanner list's (family_is_scanner). */
struct ctx_entry {
    uint32_t family, reference, source;
    bool scanner;
};

/* Context indexes fit in an entry's 31-bit field. */
#define CTX_MAX ((uint32_t)1 << 31)

struct str_entry {
    uint32_t key;      /* pool offset: kind byte + value */
    uint32_t ctx : 31; /* index into ctxs */
    uint32_t allow : 1;
};

/* An IP indicator in 16 bytes (with its address's 16 bytes and the pool
 * offset of its text, half a million IPv4 entries took 28 MB and their
 * texts 7 MB more). An IPv6 address lives in the ip6 array. The text a hit
 * shows is formatted at the entry's first hit (see ip_entry_text): it is
 * what the entry says, and only a few of a million entries ever match. */
struct ip_entry {
    uint32_t addr;     /* IPv4: the address's bytes as in memory; IPv6: index into ip6 */
    uint32_t text;     /* index + 1 into the hit texts (ip_texts); 0: not formatted yet */
    uint32_t ctx : 31; /* index into ctxs */
    uint32_t allow : 1;
    uint8_t family, prefix;
    uint16_t port;
};

/* The texts of the IP entries that were hit: fixed places in chunks that
 * never move (a hit's strings stay valid while the set lives). */
#define IP_TEXT_MAX   (MM_ADDR_STRLEN + 16)
#define IP_TEXT_CHUNK 64

struct ip_texts {
    char (**chunks)[IP_TEXT_MAX]; /* each IP_TEXT_CHUNK texts */
    size_t nchunks, used;
};

/* A slot keeps the entry's hash next to its index, so a probe that meets
 * other keys rarely touches their entries (fewer cache misses). */
struct slot {
    uint32_t idx; /* entry index + 1; 0 = empty */
    uint32_t hash;
};

/* How full a table may be: 5/8. A probe of a key not listed (the common
 * lookup) then reads about three slots on average, nearly always in the one
 * cache line; at most half full, a feed of just over a power of two keys
 * took a table twice as large (16 MB more per table for the bench feeds). */
static bool table_fits(size_t cap, size_t n)
{
    return n * 8 <= cap * 5;
}

struct table {
    struct slot *slots; /* mem.p */
    size_t cap;         /* power of two; kept at most 5/8 full */
    struct mm__intel_block mem;
};

/* The context strings an indicator keeps (indexes into intern_table.last). */
enum intern_field { IF_FAMILY, IF_REFERENCE, IF_SOURCE, IF_COUNT };

struct intern_table {
    uint32_t *slots; /* pool offset + 1 */
    size_t cap, count;
    /* each field's last answer (offset + 1), tried first: a feed repeats
     * its family, reference and source on every line */
    uint32_t last[IF_COUNT];
};

/* An IP indicator as parsed: the prefix (host bits cleared) and the port
 * (0: any). parsed: set by guess_kind when it parsed the value already. */
struct ip_value {
    struct mm_cidr cidr;
    uint16_t port;
    bool parsed;
};

/* An add whose insert waits (see "deferred inserts"). */
#define PENDING_MAX      8
#define PENDING_TEXT_MAX 64

struct pending {
    uint32_t hash, ctx;
    bool allow, is_ip;
    uint8_t len;                     /* of text */
    struct ip_value ip;              /* is_ip */
    char text[PENDING_TEXT_MAX + 1]; /* the key (not for an IP) */
};

struct mm_intel {
    uint64_t serial; /* tells this set from others in a ctx's interned */
    struct pool pool;
    struct intern_table intern;
    struct ctx_entry *ctxs;
    size_t nctxs, cap_ctxs;
    struct str_entry *strs; /* strs_mem.p */
    size_t nstrs, cap_strs;
    struct mm__intel_block strs_mem;
    struct table str_table;
    struct ip_entry *ips; /* ips_mem.p */
    size_t nips, cap_ips;
    struct mm__intel_block ips_mem;
    uint8_t (*ip6)[16]; /* the IPv6 entries' addresses */
    size_t nip6, cap_ip6;
    struct ip_texts *ip_texts; /* allocated at seal */
    struct table ip_table;
    /* The feed text block (mm__intel_text_block), until seal. */
    struct mm__intel_block text;
    bool v4_len[33], v6_len[129];
    uint8_t v4_order[33], v6_order[129]; /* present lengths, longest first */
    size_t v4_n, v6_n;
    psl_ctx_t *psl_owned;
    const psl_ctx_t *psl;
    bool sealed;
    /* The settle rule the loads of this set follow (mm_intel_settle). */
    struct mm_intel_settle settle;
    /* The feed being loaded (see mm__intel_feed_text); NULL: none. */
    const struct mm__intel_lines *feed;
    /* Adds not inserted yet: a ring of npending from pending_first. */
    struct pending pending[PENDING_MAX];
    unsigned pending_first, npending;
    /* Built at seal, per family and prefix length: a presence bitmap with
     * about 16 bits per key of that length, so the lookups of a packet's
     * addresses (one per prefix length, nearly all misses) skip the large
     * table, which does not fit in the cache; the bitmaps of the short,
     * rare prefixes are small enough to stay cached. And whether any entry
     * has a port at all. */
    uint64_t *ip_filter[2][129];
    uint8_t ip_filter_log[2][129]; /* log2 of the bitmap's size in bits */
    /* Kept by ip_insert for them: the entries per family and prefix
     * length, all and those with a port. */
    size_t ip_count[2][129], port_count[2][129];
    bool ip_any_port;
    /* Built at seal when some entry has a port: the prefix lengths of such
     * entries per family (longest first), and a presence bitmap of their
     * (family, length, masked address) without the port. An address none
     * of whose prefixes is in it gets the same answer on every port, so
     * its look-ups go through the memo as port 0: a host seen on many
     * ports (a scan, a busy server) is looked up once. NULL: no entry has
     * a port, or no memory (then every port is looked up). */
    uint64_t *port_filter;
    uint8_t port_filter_log;
    uint8_t port_order[2][129];
    size_t port_n[2];
    /* Built at seal: per IPv4 /16, bit l - 16 set when some entry of prefix
     * length l (16-32) lies in it. An IPv4 look-up skips the lengths its
     * /16 does not hold: one cached read instead of a bitmap probe per
     * length (most addresses' /16 holds none). NULL: no skipping. */
    uint32_t *v4_lens_by16;
    /* The answers for recently looked-up addresses (direct-mapped, built at
     * seal): flows come and go by the thousand with the same few remote
     * hosts, and a full lookup probes every listed prefix length. */
    struct ip_memo *ip_memo;
    /* The same for names, URLs and fingerprints (see struct name_memo). */
    struct name_memo *name_memo;
};

/* A slot is found by the address and the use asked about (any use, or as
 * a destination: see ip_lookup). An address no entry with a port
 * may cover (port_listed false) has one answer for every port, which the
 * slot gives for any port; else the slot answers for its port only. */
struct ip_memo {
    uint8_t family; /* 0: empty slot; else memo_family's */
    bool listed;    /* port_listed(addr): the answer is port's only */
    uint16_t port;  /* the port looked up (0 when not listed) */
    uint32_t entry; /* index + 1 into ips; 0: no indicator matches */
    uint8_t addr[16];
};

#define IP_MEMO_LOG 12

/* A remembered question about a name, URL or fingerprint and its answer.
 * Traffic asks about the same few hundred names thousands of times (each
 * DNS query, TLS and HTTP request of a busy office), and a full match
 * normalises the text and probes the big string table once per label or
 * path level, a cache miss each. The question is kept as asked (before
 * normalisation): its kind byte and text; questions longer than
 * NAME_MEMO_TEXT_MAX bytes are not remembered. A slot is 512 bytes (a
 * look-up reads only the lines its text spans, and memory only becomes
 * resident where slots are used). The slots are in sets of two (a
 * question may sit in either; the one used less recently is replaced):
 * with a few thousand distinct names, fingerprints and URLs passing by, a
 * busy name then rarely loses its slot to another. */
#define NAME_MEMO_SETS_LOG 11
#define NAME_MEMO_TEXT_MAX 500

struct name_memo {
    uint32_t hash;  /* hash_bytes of the text, seeded by the kind */
    uint32_t entry; /* index + 1 into strs; 0: the answer is "no match" */
    uint8_t kind;   /* enum mm__intel_kind of the question; 0: empty slot */
    uint8_t recent; /* first slot of a set: which of the two was used last */
    uint16_t len;
    char text[NAME_MEMO_TEXT_MAX];
};

/* The most indicators a growing table makes room for ahead of their adds: a
 * feed's lines may all be duplicates, so what is reserved and not used is
 * bounded (16 MB of slots per table). */
#define PRESIZE_MAX ((size_t)1 << 20)

#define IP_FILTER_LOG_MIN 9
#define IP_FILTER_LOG_MAX 25

static void ip_filters_free(struct mm_intel *in);

/* ---- string arena: adding ------------------------------------------------ */

/* The most bytes the pool makes room for ahead of their adds (see
 * pool_grow): a feed's lines may all be duplicates. */
#define POOL_AHEAD_MAX ((size_t)64 << 20)

/* Makes room for want bytes in all, and when a feed is being read, if memory
 * allows, for what its unread bytes can add too (a key is its line plus a
 * kind byte; an eighth more covers lines of 8 bytes and longer): a large
 * feed then costs a growth or two, not a doubling (and with a pool in the
 * heap, a copy) per power of two. Offsets are 32-bit: the capacity never
 * exceeds UINT32_MAX, so a string that fits can be given an offset. */
static int pool_grow(struct mm_intel *in, size_t want)
{
    struct pool *p = &in->pool;
    const struct mm__intel_lines *f = in->feed;
    uint64_t unread = f ? mm__intel_lines_unread(f) : 0;
    size_t ahead = unread < POOL_AHEAD_MAX ? (size_t)unread : POOL_AHEAD_MAX;
    if (want > UINT32_MAX)
        return MM_ELIMIT;
    ahead += ahead / 8;
    if (ahead > POOL_AHEAD_MAX)
        ahead = POOL_AHEAD_MAX;
    if (ahead > UINT32_MAX - want)
        ahead = UINT32_MAX - want;
    for (int attempt = 0; attempt < 2; attempt++, ahead = 0) {
        size_t cap = p->cap ? p->cap : 1 << 16, target = want + ahead;
        while (cap < target && cap <= UINT32_MAX / 2)
            cap *= 2;
        if (cap < target) /* past 2 GB: all that offsets can address */
            cap = UINT32_MAX;
        if (mm__intel_block_resize(&p->mem, cap) != 0)
            continue;
        p->data = p->mem.p;
        p->cap = p->mem.cap < UINT32_MAX ? p->mem.cap : UINT32_MAX; /* the block's slack too */
        return 0;
    }
    return MM_ENOMEM;
}

/* Appends s[0..n) plus NUL; *off gets its offset. Offset 0 is the empty string. */
static inline int pool_add(struct mm_intel *in, const char *s, size_t n, uint32_t *off)
{
    struct pool *p = &in->pool;
    int r;
    if (p->len + n + 1 > p->cap && (r = pool_grow(in, p->len + n + 1)) != 0)
        return r;
    mm__intel_block_ahead(&p->mem, p->len + n + 1);
    memcpy(p->data + p->len, s, n);
    p->data[p->len + n] = '\0';
    *off = (uint32_t)p->len;
    p->len += n + 1;
    return 0;
}

static uint32_t ip_filter_bit(uint32_t h, unsigned log)
{
    return (h * 2654435761u) >> (32 - log);
}

static int table_init(struct table *t, size_t cap)
{
    *t = (struct table){.cap = 0};
    if (cap > SIZE_MAX / sizeof *t->slots ||
        mm__intel_block_resize(&t->mem, cap * sizeof *t->slots))
        return MM_ENOMEM;
    t->slots = t->mem.p; /* zeroed: every slot empty */
    t->cap = cap;
    return 0;
}

static void table_free(struct table *t)
{
    mm__intel_block_free(&t->mem);
    t->slots = NULL;
    t->cap = 0;
}

struct mm__intel_block *mm__intel_text_block(struct mm_intel *in)
{
    return &in->text;
}

int mm_intel_new(struct mm_intel **out)
{
    static atomic_uint_fast64_t serials;
    *out = NULL;
    struct mm_intel *in = calloc(1, sizeof *in);
    uint32_t off;
    int r = MM_ENOMEM;
    if (!in)
        return MM_ENOMEM;
    in->serial = (uint64_t)atomic_fetch_add(&serials, 1) + 1;
    if ((r = pool_add(in, "", 0, &off)) != 0)
        goto out;
    if ((r = table_init(&in->str_table, 1024)) != 0 || (r = table_init(&in->ip_table, 1024)) != 0)
        goto out;
    in->intern.slots = calloc(256, sizeof *in->intern.slots);
    if (!in->intern.slots) {
        r = MM_ENOMEM;
        goto out;
    }
    in->intern.cap = 256;
    in->psl_owned = psl_latest(NULL);
    in->psl = in->psl_owned ? in->psl_owned : psl_builtin();
    *out = in;
    in = NULL;
    r = 0;
out:
    mm_intel_free(in);
    return r;
}

void mm_intel_free(struct mm_intel *in)
{
    if (!in)
        return;
    mm__intel_block_free(&in->pool.mem);
    mm__intel_block_free(&in->text);
    free(in->intern.slots);
    free(in->ctxs);
    mm__intel_block_free(&in->strs_mem);
    table_free(&in->str_table);
    mm__intel_block_free(&in->ips_mem);
    free(in->ip6);
    if (in->ip_texts) {
        for (size_t i = 0; i < in->ip_texts->nchunks; i++)
            free(in->ip_texts->chunks[i]);
        free(in->ip_texts->chunks);
        free(in->ip_texts);
    }
    free(in->ip_memo);
    free(in->name_memo);
    free(in->v4_lens_by16);
    ip_filters_free(in);
    table_free(&in->ip_table);
    if (in->psl_owned)
        psl_free(in->psl_owned);
    free(in);
}

size_t mm_intel_count(const struct mm_intel *in)
{
    return in ? in->nstrs + in->nips : 0;
}

static int intern_table_find(struct mm_intel *in, const char *s, size_t n, uint32_t *off);

/* Interns a short string (family, reference, source): equal strings share one
 * offset. */
static int intern(struct mm_intel *in, enum intern_field f, const char *s, uint32_t *off)
{
    uint32_t *last = &in->intern.last[f];
    *off = 0;
    if (s[0] == '\0')
        return 0;
    /* A whole-string compare needs no strlen first; a string longer than
     * the limit (stored cut) is never found here, but the table finds it. */
    if (*last && strcmp(in->pool.data + *last - 1, s) == 0) {
        *off = *last - 1;
        return 0;
    }
    size_t n = strlen(s);
    if (n > MM__INTEL_VALUE_MAX)
        n = MM__INTEL_VALUE_MAX;
    int r = intern_table_find(in, s, n, off);
    if (r == 0)
        *last = *off + 1;
    return r;
}

/* Interns the family, reference and source of ctx. */
static int intern_ctx(struct mm_intel *in, const struct mm__intel_ctx *ctx, struct ctx_entry *e)
{
    int r;
    if ((r = intern(in, IF_FAMILY, ctx->family, &e->family)) != 0 ||
        (r = intern(in, IF_REFERENCE, ctx->reference, &e->reference)) != 0)
        return r;
    return intern(in, IF_SOURCE, ctx->source, &e->source);
}

/* Whether family names a list of internet-wide scanners (Shodan, Censys,
 * research scanners): Maltrail's mass_scanner.txt and mass_scanner_cidr.txt,
 * whose family is the file's name, or a feed's family "mass scanner". */
static bool family_is_scanner(const char *family)
{
    return strncasecmp(family, "mass_scanner", 12) == 0 ||
           strncasecmp(family, "mass scanner", 12) == 0;
}

/* The index of ctx's strings in ctxs, found the long way: the strings
 * interned and compared with the last context stored (a feed line with a
 * new family or reference rarely repeats an older one, so no table is kept
 * for them). What ctx keeps is set for the next add. */
static int ctx_store(struct mm_intel *in, struct mm__intel_ctx *ctx, uint32_t *id)
{
    struct ctx_entry e = {.scanner = family_is_scanner(ctx->family)};
    int r;
    if ((r = intern_ctx(in, ctx, &e)) != 0)
        return r;
    const struct ctx_entry *last = in->nctxs ? &in->ctxs[in->nctxs - 1] : NULL;
    if (last && last->family == e.family && last->reference == e.reference &&
        last->source == e.source) {
        *id = (uint32_t)in->nctxs - 1;
    } else {
        if (in->nctxs >= CTX_MAX)
            return MM_ELIMIT;
        if (in->nctxs == in->cap_ctxs) {
            size_t cap = in->cap_ctxs ? in->cap_ctxs * 2 : 64;
            struct ctx_entry *c = realloc(in->ctxs, cap * sizeof *c);
            if (!c)
                return MM_ENOMEM;
            in->ctxs = c;
            in->cap_ctxs = cap;
        }
        in->ctxs[in->nctxs] = e;
        *id = (uint32_t)in->nctxs++;
    }
    ctx->interned.set = in->serial;
    ctx->interned.id = *id;
    ctx->interned.family = ctx->family;
    ctx->interned.reference = ctx->reference;
    ctx->interned.source = ctx->source;
    return 0;
}

/* The index of ctx's strings in ctxs: what ctx kept from the last add when
 * its pointers are unchanged (nearly every line of a feed), else ctx_store's. */
static inline int ctx_index(struct mm_intel *in, struct mm__intel_ctx *ctx, uint32_t *id)
{
    if (ctx->interned.set == in->serial && ctx->interned.family == ctx->family &&
        ctx->interned.reference == ctx->reference && ctx->interned.source == ctx->source) {
        *id = ctx->interned.id;
        return 0;
    }
    return ctx_store(in, ctx, id);
}

/* intern's table: finds or adds s[0..n). */
static int intern_table_find(struct mm_intel *in, const char *s, size_t n, uint32_t *off)
{
    struct intern_table *t = &in->intern;
    if ((t->count + 1) * 10 > t->cap * 7) {
        size_t cap = t->cap * 2;
        uint32_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return MM_ENOMEM;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i])
                continue;
            const char *k = in->pool.data + t->slots[i] - 1;
            size_t j = hash_bytes(k, strlen(k), 7) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = t->slots[i];
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    size_t j = hash_bytes(s, n, 7) & (t->cap - 1);
    while (t->slots[j]) {
        const char *k = in->pool.data + t->slots[j] - 1;
        if (strncmp(k, s, n) == 0 && k[n] == '\0') {
            *off = t->slots[j] - 1;
            return 0;
        }
        j = (j + 1) & (t->cap - 1);
    }
    int r = pool_add(in, s, n, off);
    if (r != 0)
        return r;
    t->slots[j] = *off + 1;
    t->count++;
    return 0;
}

/* ---- string indicators --------------------------------------------------- */

static const struct str_entry *str_find(const struct mm_intel *in, const char *key, size_t n,
                                        uint32_t h)
{
    size_t j = h & (in->str_table.cap - 1);
    const struct slot *sl;
    while ((sl = &in->str_table.slots[j])->idx != 0) {
        if (sl->hash == h) {
            const struct str_entry *e = &in->strs[sl->idx - 1];
            const char *k = in->pool.data + e->key;
            if (strncmp(k, key, n) == 0 && k[n] == '\0')
                return e;
        }
        j = (j + 1) & (in->str_table.cap - 1);
    }
    return NULL;
}

/* Doubles a table in place: its block keeps the slots (the kernel moves
 * its pages, nothing is copied or touched afresh; a fresh copy per
 * doubling was half of loading's page faults; the new half comes zeroed,
 * every slot empty), then every entry is taken
 * out and put back by its stored hash. The walk starts after an empty slot,
 * so it meets each run of occupied slots from its start. An entry put back
 * in the lower half lands at or before the slot it left (every slot from
 * its home to there was walked, and that one is free now), or beyond the
 * old end; an entry whose probe wraps to the start of the table lands on a
 * slot not walked yet and is simply put back once more when it is. */
static int table_grow(struct table *t)
{
    size_t old = t->cap, cap = old * 2, start = 0;
    if (cap > SIZE_MAX / sizeof *t->slots ||
        mm__intel_block_resize(&t->mem, cap * sizeof *t->slots))
        return MM_ENOMEM;
    mm__intel_block_populate(&t->mem, old * sizeof *t->slots, cap * sizeof *t->slots);
    struct slot *slots = t->slots = t->mem.p;
    t->cap = cap;
    while (slots[start].idx) /* the table was not full */
        start++;
    for (size_t k = 1; k <= old; k++) {
        size_t i = (start + k) & (old - 1);
        struct slot e = slots[i];
        if (!e.idx)
            continue;
        slots[i] = (struct slot){0, 0};
        size_t j = e.hash & (cap - 1);
        while (slots[j].idx)
            j = (j + 1) & (cap - 1);
        slots[j] = e;
    }
    return 0;
}

static void table_put(struct table *t, uint32_t hash, uint32_t idx1)
{
    size_t j = hash & (t->cap - 1);
    while (t->slots[j].idx)
        j = (j + 1) & (t->cap - 1);
    t->slots[j] = (struct slot){idx1, hash};
}

/* Moves t's entries into a fresh table of cap slots (more than twice its
 * size: cheaper than doubling in place step by step, which walks and clears
 * every intermediate size). */
static int table_move(struct table *t, size_t cap)
{
    struct table fresh;
    int r = table_init(&fresh, cap);
    if (r != 0)
        return r;
    mm__intel_block_populate(&fresh.mem, 0, cap * sizeof *fresh.slots);
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i].idx)
            table_put(&fresh, t->slots[i].hash, t->slots[i].idx);
    table_free(t);
    *t = fresh;
    return 0;
}

/* Room in t for want entries (it stays at most 5/8 full). */
static int table_room(struct table *t, size_t want)
{
    size_t cap = t->cap;
    while (!table_fits(cap, want))
        cap *= 2;
    if (cap == t->cap)
        return 0;
    return cap == t->cap * 2 ? table_grow(t) : table_move(t, cap);
}

/* The array in block b of *cap entries of size bytes with room for want;
 * NULL on ENOMEM (b is then unchanged). It at least doubles when it grows,
 * and counts what the block holds beyond that as room too. */
static void *array_room(struct mm__intel_block *b, size_t *cap, size_t size, size_t want)
{
    if (want <= *cap)
        return b->p;
    size_t c = *cap ? *cap * 2 : 1024;
    if (c < want)
        c = want;
    if (c > SIZE_MAX / size || mm__intel_block_resize(b, c * size) != 0)
        return NULL;
    *cap = b->cap / size;
    return b->p;
}

void mm__intel_feed_text(struct mm_intel *in, const struct mm__intel_lines *feed)
{
    in->feed = feed;
}

/* About how many lines of the feed are not read yet, at most PRESIZE_MAX:
 * the unread bytes at the length of the lines read so far (counting them
 * would cost as much as the growth it saves). What a table that must grow
 * makes room for besides the one entry; only sizes depend on it. 0 without
 * a feed. */
static size_t lines_to_come(const struct mm_intel *in)
{
    const struct mm__intel_lines *f = in->feed;
    uint64_t unread = f ? mm__intel_lines_unread(f) : 0, read = f ? mm__intel_lines_read(f) : 0;
    if (!f || unread == 0 || read == 0 || f->lineno <= 0)
        return 0;
    uint64_t est = unread * (uint64_t)f->lineno / read; /* < 2^29 * 2^31: feeds <= 512 MB */
    return est < PRESIZE_MAX ? (size_t)est + 1 : PRESIZE_MAX;
}

static int str_room(struct mm_intel *in, size_t want)
{
    int r = table_room(&in->str_table, want);
    struct str_entry *e = r ? NULL : array_room(&in->strs_mem, &in->cap_strs, sizeof *e, want);
    if (!e)
        return r ? r : MM_ENOMEM;
    in->strs = e;
    return 0;
}

/* Room for one more indicator in a table t holding n entries in an array
 * of cap (room: str_room or ip_room, which grow both); when the table or
 * array must grow, room for the rest of the feed too if memory allows, so a
 * large feed costs one growth instead of one per doubling. */
static inline int entries_grow(struct mm_intel *in, const struct table *t, size_t n, size_t cap,
                               int (*room)(struct mm_intel *, size_t))
{
    if (table_fits(t->cap, n + 1) && n < cap)
        return 0;
    size_t more = lines_to_come(in);
    if (more > 1 && room(in, n + more) == 0)
        return 0;
    return room(in, n + 1);
}

/* The context a key listed again keeps (old: the one it has, ctx: the new
 * listing's): the first listing's, unless that is a scanner list's and the
 * new one is not. A scanner list names where probes come from, so an
 * address a malware list names too keeps the malware list's family,
 * whichever feed was read first. */
static uint32_t kept_ctx(const struct mm_intel *in, uint32_t old, uint32_t ctx)
{
    return in->ctxs[old].scanner && !in->ctxs[ctx].scanner ? ctx : old;
}

/* Adds key (kind byte first) unless present; an allow entry replaces a listed one. */
/* key[0..n) with its hash h; ctx: its context index. */
static int str_insert(struct mm_intel *in, const char *key, size_t n, uint32_t h, uint32_t ctx,
                      bool allow)
{
    struct str_entry *old = (struct str_entry *)str_find(in, key, n, h);
    int r;
    if (old) {
        old->allow = old->allow || allow;
        old->ctx = kept_ctx(in, old->ctx, ctx);
        return 0;
    }
    if ((r = entries_grow(in, &in->str_table, in->nstrs, in->cap_strs, str_room)) != 0)
        return r;
    struct str_entry e = {.ctx = ctx, .allow = allow};
    if ((r = pool_add(in, key, n, &e.key)) != 0)
        return r;
    mm__intel_block_ahead(&in->strs_mem, (in->nstrs + 1) * sizeof e);
    in->strs[in->nstrs] = e;
    table_put(&in->str_table, h, (uint32_t)++in->nstrs);
    return 0;
}

/* ---- IP indicators -------------------------------------------------------- */

/* An IP value (address, prefix or port, brackets) is shorter than this. */
#define IP_VALUE_MAX 80

/* The first bits (any number; 64 and more: all) of 8 address bytes as a
 * mask for them as a word loaded from memory (the bytes in address order). */
static inline uint64_t prefix_mask(unsigned bits)
{
    uint64_t m = bits >= 64 ? ~0ULL : bits == 0 ? 0 : ~0ULL << (64 - bits);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    m = __builtin_bswap64(m);
#endif
    return m;
}

/* Clears the bits of addr after the first prefix bits (two word ANDs: a
 * look-up clears a key per listed prefix length, and memset's call was
 * most of that). */
static inline void ip_clear_host_bits(uint8_t addr[16], unsigned prefix)
{
    uint64_t lo, hi;
    memcpy(&lo, addr, 8);
    memcpy(&hi, addr + 8, 8);
    lo &= prefix_mask(prefix);
    hi &= prefix_mask(prefix > 64 ? prefix - 64 : 0);
    memcpy(addr, &lo, 8);
    memcpy(addr + 8, &hi, 8);
}

/* A word-at-a-time hash of an IP key (every lookup probes one per listed
 * prefix length, so a byte loop here was the lookup's main cost). */
static inline uint32_t ip_hash_words(uint64_t lo, uint64_t hi, uint8_t family, uint8_t prefix,
                                     uint16_t port)
{
    uint64_t x = lo * 0x9e3779b97f4a7c15ULL ^ hi * 0xc2b2ae3d27d4eb4fULL ^
                 ((uint64_t)family << 48 | (uint64_t)prefix << 32 | port) * 0x165667b19e3779f9ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return (uint32_t)x;
}

static uint32_t ip_hash(const uint8_t addr[16], uint8_t family, uint8_t prefix, uint16_t port)
{
    uint64_t lo, hi;
    memcpy(&lo, addr, 8);
    memcpy(&hi, addr + 8, 8);
    return ip_hash_words(lo, hi, family, prefix, port);
}

/* The 16 address bytes of entry e. */
static inline void entry_addr(const struct mm_intel *in, const struct ip_entry *e, uint8_t out[16])
{
    if (e->family == 4) {
        memset(out, 0, 16);
        memcpy(out, &e->addr, 4);
    } else {
        memcpy(out, in->ip6[e->addr], 16);
    }
}

/* ip_hash of entry e's address with port: from the entry's words, not
 * from its 16 bytes written out first (entry_addr): 4 bytes stored and read
 * back as 8 stalled each entry of seal's pass (no store forwarding). */
static inline uint32_t entry_hash(const struct mm_intel *in, const struct ip_entry *e,
                                  uint16_t port)
{
    uint64_t lo, hi = 0;
    if (e->family != 4) {
        memcpy(&lo, in->ip6[e->addr], 8);
        memcpy(&hi, in->ip6[e->addr] + 8, 8);
    } else {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        lo = e->addr; /* the 4 bytes then 4 zero bytes, read as one word */
#else
        lo = (uint64_t)e->addr << 32;
#endif
    }
    return ip_hash_words(lo, hi, e->family, e->prefix, port);
}

/* Whether entry e's address is addr (16 bytes; an IPv4 one's last 12 are
 * zero in every struct mm_addr, and in every key made of one). */
static inline bool entry_addr_is(const struct mm_intel *in, const struct ip_entry *e,
                                 const uint8_t addr[16])
{
    if (e->family != 4)
        return memcmp(in->ip6[e->addr], addr, 16) == 0;
    uint32_t lo, mid;
    uint64_t hi;
    memcpy(&lo, addr, 4);
    memcpy(&mid, addr + 4, 4);
    memcpy(&hi, addr + 8, 8);
    return lo == e->addr && (mid | hi) == 0;
}

/* The entry of this key (h: its ip_hash), or NULL. */
static const struct ip_entry *ip_find(const struct mm_intel *in, uint32_t h, const uint8_t addr[16],
                                      uint8_t family, uint8_t prefix, uint16_t port)
{
    const uint64_t *filter = in->ip_filter[family == 6][prefix];
    if (filter) {
        uint32_t bit = ip_filter_bit(h, in->ip_filter_log[family == 6][prefix]);
        if (!(filter[bit / 64] >> (bit % 64) & 1))
            return NULL;
    }
    size_t j = h & (in->ip_table.cap - 1);
    const struct slot *sl;
    while ((sl = &in->ip_table.slots[j])->idx != 0) {
        if (sl->hash == h) {
            const struct ip_entry *e = &in->ips[sl->idx - 1];
            if (e->family == family && e->prefix == prefix && e->port == port &&
                entry_addr_is(in, e, addr))
                return e;
        }
        j = (j + 1) & (in->ip_table.cap - 1);
    }
    return NULL;
}

static int ip_room(struct mm_intel *in, size_t want)
{
    int r = table_room(&in->ip_table, want);
    struct ip_entry *e = r ? NULL : array_room(&in->ips_mem, &in->cap_ips, sizeof *e, want);
    if (!e)
        return r ? r : MM_ENOMEM;
    in->ips = e;
    return 0;
}

/* Copies s to p (room checked by the caller); returns its length. */
static size_t append_text(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return n;
}

/* The listed text of an IP indicator: "a.b.c.d", "x::y/n", "[x::y]:port". */
static size_t ip_text(const struct mm_cidr *c, uint16_t port, char *text)
{
    char a[MM_ADDR_STRLEN];
    unsigned max = c->addr.family == 4 ? 32 : 128;
    size_t len = 0;
    mm_addr_format(&c->addr, a, sizeof a);
    if (port && c->addr.family == 6)
        text[len++] = '[';
    len += append_text(text + len, a);
    if (port && c->addr.family == 6)
        text[len++] = ']';
    if (port || c->prefix != max) {
        text[len++] = port ? ':' : '/';
        char digits[MM_U64_STRLEN];
        mm_str_u64(port ? port : c->prefix, digits);
        len += append_text(text + len, digits);
    }
    text[len] = '\0';
    return len;
}

/* The address of a new IPv6 entry: its index in ip6. */
static int ip6_add(struct mm_intel *in, const uint8_t addr[16], uint32_t *index)
{
    if (in->nip6 >= UINT32_MAX)
        return MM_ELIMIT;
    if (in->nip6 == in->cap_ip6) {
        size_t cap = in->cap_ip6 ? in->cap_ip6 * 2 : 256;
        uint8_t(*a)[16] = realloc(in->ip6, cap * sizeof *a);
        if (!a)
            return MM_ENOMEM;
        in->ip6 = a;
        in->cap_ip6 = cap;
    }
    memcpy(in->ip6[in->nip6], addr, 16);
    *index = (uint32_t)in->nip6++;
    return 0;
}

/* Adds v unless present (h: its ip_hash); present, it keeps kept_ctx's context. */
static int ip_insert(struct mm_intel *in, const struct ip_value *v, uint32_t h, uint32_t ctx,
                     bool allow)
{
    const struct mm_cidr *c = &v->cidr;
    uint16_t port = v->port;
    struct ip_entry *old =
        (struct ip_entry *)ip_find(in, h, c->addr.bytes, c->addr.family, c->prefix, port);
    int r;
    if (old) {
        old->allow = old->allow || allow;
        old->ctx = kept_ctx(in, old->ctx, ctx);
        return 0;
    }
    if ((r = entries_grow(in, &in->ip_table, in->nips, in->cap_ips, ip_room)) != 0)
        return r;
    struct ip_entry e = {
        .family = c->addr.family, .prefix = c->prefix, .port = port, .ctx = ctx, .allow = allow};
    if (c->addr.family == 4)
        memcpy(&e.addr, c->addr.bytes, 4);
    else if ((r = ip6_add(in, c->addr.bytes, &e.addr)) != 0)
        return r;
    mm__intel_block_ahead(&in->ips_mem, (in->nips + 1) * sizeof e);
    in->ips[in->nips] = e;
    table_put(&in->ip_table, h, (uint32_t)++in->nips);
    if (c->addr.family == 4)
        in->v4_len[c->prefix] = true;
    else
        in->v6_len[c->prefix] = true;
    in->ip_count[c->addr.family == 6][c->prefix]++;
    in->port_count[c->addr.family == 6][c->prefix] += port != 0;
    return 0;
}

/* ---- deferred inserts ------------------------------------------------------ */

/* The slot a new key hashes to is a cache miss in tables of many megabytes
 * (half of loading's time went to waiting for them). So an add works out
 * its key and hash, asks for the slot's cache line (a prefetch), and leaves
 * the insert itself for PENDING_MAX adds later (or mm__intel_flush), when
 * the line is there. Inserts keep their order: duplicates and allow flags
 * resolve as if each add inserted at once. An insert's failure (ENOMEM,
 * ELIMIT) is returned by the add or flush that made it. */
static void prefetch(const void *p)
{
#if defined(__GNUC__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

/* A key of up to PENDING_TEXT_MAX bytes (kind byte first), or an IP
 * value; longer keys are inserted at once. */
static int pending_insert(struct mm_intel *in, const struct pending *p)
{
    if (p->is_ip)
        return ip_insert(in, &p->ip, p->hash, p->ctx, p->allow);
    return str_insert(in, p->text, p->len, p->hash, p->ctx, p->allow);
}

/* Inserts the oldest waiting add and takes it out of the ring. */
static int pending_insert_oldest(struct mm_intel *in)
{
    int r = pending_insert(in, &in->pending[in->pending_first]);
    in->pending_first = (in->pending_first + 1) % PENDING_MAX;
    in->npending--;
    return r;
}

int mm__intel_flush(struct mm_intel *in)
{
    int r = 0;
    while (in->npending > 0 && r == 0)
        r = pending_insert_oldest(in);
    in->npending = 0;
    return r;
}

/* The next free pending place, after inserting the oldest if all are taken. */
static int pending_next(struct mm_intel *in, struct pending **p)
{
    int r = 0;
    if (in->npending == PENDING_MAX)
        r = pending_insert_oldest(in);
    *p = &in->pending[(in->pending_first + in->npending++) % PENDING_MAX];
    return r;
}

/* The place pending_next gives next, not taken yet (an add parses or
 * lower-cases its value straight into it: see mm__intel_add_n). */
static int pending_room(struct mm_intel *in, struct pending **p)
{
    int r = 0;
    if (in->npending == PENDING_MAX)
        r = pending_insert_oldest(in);
    *p = &in->pending[(in->pending_first + in->npending) % PENDING_MAX];
    return r;
}

/* Adds the key key[0..n) (kind byte first) from ctx. */
static int add_str(struct mm_intel *in, const char *key, size_t n, struct mm__intel_ctx *ctx)
{
    uint32_t h = key_hash(key, n), id;
    struct pending *p;
    int r;
    if ((r = ctx_index(in, ctx, &id)) != 0)
        return r;
    if (n > PENDING_TEXT_MAX) {
        if ((r = mm__intel_flush(in)) != 0)
            return r;
        return str_insert(in, key, n, h, id, ctx->allow);
    }
    prefetch(&in->str_table.slots[h & (in->str_table.cap - 1)]);
    if ((r = pending_next(in, &p)) != 0)
        return r;
    p->hash = h; /* field by field: zeroing all of text cost more than the add */
    p->ctx = id;
    p->allow = ctx->allow;
    p->is_ip = false;
    p->len = (uint8_t)n;
    memcpy(p->text, key, n);
    return 0;
}

/* Adds the IP value parsed into the pending place p (pending_room's) from
 * ctx: the place is taken. */
static int add_ip_at(struct mm_intel *in, struct pending *p, struct mm__intel_ctx *ctx)
{
    const struct mm_cidr *c = &p->ip.cidr;
    uint32_t h = ip_hash(c->addr.bytes, c->addr.family, c->prefix, p->ip.port), id;
    int r;
    if ((r = ctx_index(in, ctx, &id)) != 0)
        return r;
    prefetch(&in->ip_table.slots[h & (in->ip_table.cap - 1)]);
    p->hash = h;
    p->ctx = id;
    p->allow = ctx->allow;
    p->is_ip = true;
    p->len = 0;
    in->npending++;
    return 0;
}

/* Adds the domain name value[0..n) that norm_domain_fast took whole and
 * lower-cased into the pending place p (pending_room's) from ctx: the
 * place is taken. Its hash is taken from value as listed (key_hash_value),
 * not from the key just stored. */
static int add_name_at(struct mm_intel *in, struct pending *p, const char *value, size_t n,
                       struct mm__intel_ctx *ctx)
{
    uint32_t h = key_hash_value(MM__IK_DOMAIN, value, n), id;
    int r;
    if ((r = ctx_index(in, ctx, &id)) != 0)
        return r;
    prefetch(&in->str_table.slots[h & (in->str_table.cap - 1)]);
    p->text[0] = (char)MM__IK_DOMAIN;
    p->hash = h;
    p->ctx = id;
    p->allow = ctx->allow;
    p->is_ip = false;
    p->len = (uint8_t)(n + 1);
    in->npending++;
    return 0;
}

/* ---- normalisation ------------------------------------------------------- */

/* ASCII character classes, exactly as <ctype.h> answers them in the "C"
 * locale (no program here calls setlocale): a million indicators pass
 * through these, and the <ctype.h> calls went through the locale tables. */
static bool ascii_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool ascii_alnum(unsigned char c)
{
    return ascii_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ascii_xdigit(unsigned char c)
{
    return ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Bytes that may appear in a value parse_ip_value accepts (hex digits,
 * separators; white space and signs, which strtoul skipped or read before
 * a prefix length (signed_prefix), and every other control and non-ASCII
 * byte are counted in, to be safe): a value with any other byte is not an
 * IP. */
static const bool ip_byte[256] = {
    [0 ... ' '] = true, ['0' ... '9'] = true, ['a' ... 'f'] = true, ['A' ... 'F'] = true,
    ['-'] = true,       ['.'] = true,         ['+'] = true,         ['['] = true,
    [']'] = true,       ['/'] = true,         [':'] = true,         [0x7f ... 0xff] = true,
};

/* A host name's bytes as a domain key holds them: the DNS label bytes
 * (letters lower-cased, digits, '-' and '_') and the dot; 0 for every other
 * byte. Only '-', '.' and 0 are '.' or below. */
static const uint8_t name_key_byte[256] = {
    ['-'] = '-', ['.'] = '.', ['_'] = '_', ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3',
    ['4'] = '4', ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['A'] = 'a',
    ['B'] = 'b', ['C'] = 'c', ['D'] = 'd', ['E'] = 'e', ['F'] = 'f', ['G'] = 'g', ['H'] = 'h',
    ['I'] = 'i', ['J'] = 'j', ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o',
    ['P'] = 'p', ['Q'] = 'q', ['R'] = 'r', ['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v',
    ['W'] = 'w', ['X'] = 'x', ['Y'] = 'y', ['Z'] = 'z', ['a'] = 'a', ['b'] = 'b', ['c'] = 'c',
    ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j',
    ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q',
    ['r'] = 'r', ['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v', ['w'] = 'w', ['x'] = 'x',
    ['y'] = 'y', ['z'] = 'z',
};

#define LANES_LOW  0x0101010101010101ULL
#define LANES_HIGH 0x8080808080808080ULL

/* The top bit of each byte lane of x whose byte lies in [lo, hi] (1 <= lo,
 * hi < 0x80, every byte of x below 0x80: no sum carries into the next
 * lane). */
static inline uint64_t lanes_in(uint64_t x, unsigned lo, unsigned hi)
{
    return (x + LANES_LOW * (0x80 - lo)) & ~(x + LANES_LOW * (0x7f - hi)) & LANES_HIGH;
}

/* norm_domain_n's fast path, eight bytes at a time (the last word overlaps
 * the one before it), for a name of 8 to 63 bytes, which no label can
 * exceed: each word must hold only ASCII label bytes and dots, with no dot
 * followed by a dot (the word one byte further on tells; in[n] may be read:
 * it is the NUL or a dropped trailing dot), and the name must neither start
 * nor end with a dot. False means "look closer" (the byte loop decides),
 * never "invalid". */
static bool norm_domain_words(const char *in, size_t n, char *out)
{
    if (n < 8 || n > 63 || in[0] == '.' || in[n - 1] == '.')
        return false;
    for (size_t i = 0;; i += 8) {
        uint64_t w, next;
        if (i > n - 8)
            i = n - 8;
        memcpy(&w, in + i, 8);
        memcpy(&next, in + i + 1, 8);
        if ((w | next) & LANES_HIGH)
            return false;
        uint64_t low = w | lanes_in(w, 'A', 'Z') >> 2; /* 0x80 >> 2: 'A' | 0x20 is 'a' */
        if ((lanes_in(low, 'a', 'z') | lanes_in(low, '0', '9') | lanes_in(low, '-', '.') |
             lanes_in(low, '_', '_')) != LANES_HIGH ||
            (lanes_in(w, '.', '.') & lanes_in(next, '.', '.')) != 0)
            return false;
        memcpy(out + i, &low, 8);
        if (i == n - 8)
            break;
    }
    out[n] = '\0';
    return true;
}

#if defined(__SSE2__)
/* Each byte of x that lies in [lo, hi] as all ones (0 <= lo <= hi < 0x80;
 * exact for every byte of x, those above 0x7f too). */
static inline __m128i bytes_in(__m128i x, char lo, char hi)
{
    /* x - lo moved to the bottom of the signed range: [lo, hi] becomes
     * [-128, -128 + hi - lo], one compare instead of two and an AND */
    __m128i moved = _mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - lo)));
    return _mm_cmplt_epi8(moved, _mm_set1_epi8((char)(0x80 + hi - lo + 1)));
}

/* norm_domain_words sixteen bytes at a time (SSE2, which every x86-64 has)
 * for a name of 16 to 63 bytes: the same checks (the last block overlaps
 * the one before; in[n] may be read), the same answers, a quarter of the
 * instructions (the word path was half of adding a name). */
static bool norm_domain_vectors(const char *in, size_t n, char *out)
{
    if (n < 16 || n > 63 || in[0] == '.' || in[n - 1] == '.')
        return false;
    const __m128i dot = _mm_set1_epi8('.');
    for (size_t i = 0;; i += 16) {
        if (i > n - 16)
            i = n - 16;
        __m128i w = _mm_loadu_si128((const void *)(in + i));
        __m128i next = _mm_loadu_si128((const void *)(in + i + 1));
        if (_mm_movemask_epi8(_mm_or_si128(w, next)) != 0)
            return false; /* a byte above 0x7f */
        __m128i low = _mm_or_si128(w, _mm_and_si128(bytes_in(w, 'A', 'Z'), _mm_set1_epi8(0x20)));
        __m128i ok = _mm_or_si128(
            _mm_or_si128(bytes_in(low, 'a', 'z'), bytes_in(low, '0', '9')),
            _mm_or_si128(bytes_in(low, '-', '.'), _mm_cmpeq_epi8(low, _mm_set1_epi8('_'))));
        __m128i dots = _mm_and_si128(_mm_cmpeq_epi8(w, dot), _mm_cmpeq_epi8(next, dot));
        if (_mm_movemask_epi8(ok) != 0xffff || _mm_movemask_epi8(dots) != 0)
            return false;
        _mm_storeu_si128((void *)(out + i), low);
        if (i == n - 16)
            break;
    }
    out[n] = '\0';
    return true;
}
#endif

/* The fast paths for names of 8 to 63 bytes; false: the byte loop decides. */
static inline bool norm_domain_fast(const char *in, size_t n, char *out)
{
#if defined(__SSE2__)
    if (n >= 16)
        return norm_domain_vectors(in, n, out);
#endif
    return norm_domain_words(in, n, out);
}

/* mm__intel_norm_domain of in[0..n) (n: its length, known to the caller);
 * returns the name's length, 0 when it is not valid. */
static size_t norm_domain_n(const char *in, size_t n, char *out, size_t outlen)
{
    if (n >= 2 && in[0] == '*' && in[1] == '.')
        in += 2, n -= 2;
    else if (n >= 1 && in[0] == '.')
        in++, n--;
    if (n > 0 && in[n - 1] == '.')
        n--;
    if (n == 0 || n > MM__INTEL_NAME_MAX || n + 1 > outlen)
        return 0;
    if (norm_domain_fast(in, n, out))
        return n;
    /* one pass: each byte copied as the key holds it; a dot must end a
     * label of 1-63 bytes, and anything else not a label byte is refused */
    size_t label = 0; /* where the current label starts */
    for (size_t i = 0; i < n; i++) {
        uint8_t o = name_key_byte[(unsigned char)in[i]];
        out[i] = (char)o;
        if (o > '.' || o == '-')
            continue;
        if (o == 0 || i == label || i - label > 63)
            return 0;
        label = i + 1;
    }
    if (n == label || n - label > 63)
        return 0;
    out[n] = '\0';
    return n;
}

bool mm__intel_norm_domain(const char *in, char *out, size_t outlen)
{
    return norm_domain_n(in, strlen(in), out, outlen) != 0;
}

/* Whether 8 bytes of a URL's path hold one the byte loop below must look
 * at: a NUL or anything else up to ' ' (refused) or '#' (the path's end).
 * Exact for "any" (a borrow only runs upwards from such a byte). */
static bool path_word_stops(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t hash = x ^ (ones * '#');
    return (((x - ones * 0x21) & ~x) | ((hash - ones) & ~hash)) & high;
}

/* Copies path's bytes to out + *o up to the first byte path_word_stops
 * stops at, 8 at a time while out has room for them and one more; returns
 * where it stopped in path (the byte loop goes on from there). */
static const char *copy_path_words(const char *path, char *out, size_t *o, size_t outlen)
{
    size_t len = strlen(path), i = 0;
    for (; i + 8 <= len && *o + 8 < outlen; i += 8, *o += 8) {
        uint64_t w;
        memcpy(&w, path + i, 8);
        if (path_word_stops(w))
            break;
        memcpy(out + *o, &w, 8);
    }
    return path + i;
}

bool mm__intel_norm_url(const char *in, char *out, size_t outlen)
{
    const char *p = strstr(in, "://"), *host, *host_end, *at;
    size_t o = 0, hn;
    if (p && p - in <= 16)
        in = p + 3;
    if (outlen < 2)
        return false;
    if (in[0] == '/') { /* a path without host */
        host = host_end = in;
    } else {
        host = in;
        host_end = host + strcspn(host, "/?#");
        at = memchr(host, '@', (size_t)(host_end - host));
        while (at) { /* user info: keep what follows the last '@' */
            host = at + 1;
            at = memchr(host, '@', (size_t)(host_end - host));
        }
    }
    hn = (size_t)(host_end - host);
    if (hn > 0 && host[hn - 1] == '.')
        hn--;
    /* default ports add nothing */
    if (hn > 3 && memcmp(host + hn - 3, ":80", 3) == 0)
        hn -= 3;
    else if (hn > 4 && memcmp(host + hn - 4, ":443", 4) == 0)
        hn -= 4;
    if (hn + 2 > outlen || hn > MM__INTEL_NAME_MAX + 8)
        return false;
    for (size_t i = 0; i < hn; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c <= ' ' || c == '\\' || c >= 0x7f)
            return false;
        out[o++] = mm_ascii_lower((char)c);
    }
    const char *path = host_end;
    if (*path != '/')
        out[o++] = '/';
    for (path = copy_path_words(path, out, &o, outlen); *path && *path != '#'; path++) {
        if ((unsigned char)*path <= ' ' || o + 1 >= outlen)
            return false;
        out[o++] = *path;
    }
    out[o] = '\0';
    return true;
}

/* Lower-cases a hex or JA4 string into out, dropping ':' and spaces; checks
 * the length and alphabet for kind. */
static bool norm_hash(enum mm__intel_kind kind, const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (; *in; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == ':' || c == ' ')
            continue;
        if (o + 1 >= outlen)
            return false;
        c = (unsigned char)mm_ascii_lower((char)c);
        if (kind == MM__IK_JA4 ? !(ascii_alnum(c) || c == '_') : !ascii_xdigit(c))
            return false;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    if (kind == MM__IK_JA3)
        return o == 32;
    if (kind == MM__IK_SHA1)
        return o == 40;
    return o >= 10 && o <= 64;
}

/* ---- adding --------------------------------------------------------------- */

static bool parse_port(const char *s, uint16_t *port)
{
    char *end;
    if (!ascii_digit((unsigned char)*s))
        return false;
    unsigned long v = strtoul(s, &end, 10);
    if (*end != '\0' || v == 0 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

/* The value of the digit string s[0..n) if it is one (non-empty, digits
 * only) and at most limit: what strtoul reads from such a string. */
static bool digits_value(const char *s, size_t n, unsigned limit, unsigned *v)
{
    unsigned x = 0;
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!ascii_digit((unsigned char)s[i]))
            return false;
        x = x * 10 + (unsigned)(s[i] - '0');
        if (x > limit)
            return false;
    }
    *v = x;
    return true;
}

/* The length of the dotted quad at the start of s[0..n) by mm_addr_parse's
 * rules (four decimal parts 0-255 without leading zeros), its four bytes in
 * *word as memory holds them (the first part lowest on a little-endian
 * host); 0 when there is none. The caller checks what follows it. s[n] is a NUL
 * byte (mm__intel_add_n's values are strings of length n), which is
 * neither a digit nor a dot: the quad ends there at the latest, so no byte
 * needs a check against n first (half of this function's instructions,
 * run for every IPv4 indicator). */
static size_t v4_quad(const char *s, size_t n, uint32_t *word)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    uint32_t w = 0;
    for (int part = 0; part < 4; part++) {
        unsigned v = (unsigned)u[i] - '0', d;
        if (v > 9)
            return 0; /* no digit */
        if ((d = (unsigned)u[++i] - '0') <= 9) {
            if (v == 0)
                return 0; /* leading zero */
            v = v * 10 + d;
            if ((d = (unsigned)u[++i] - '0') <= 9) {
                v = v * 10 + d;
                if (v > 255 || (unsigned)u[++i] - '0' <= 9)
                    return 0; /* too large, or a fourth digit */
            }
        }
        w |= v << (8 * part);
        if (part < 3 && u[i++] != '.')
            return 0;
    }
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap32(w);
#endif
    *word = w;
    return i <= n ? i : 0;
}

/* The IPv4 forms nearly every feed line has: "a.b.c.d", "a.b.c.d/n" and
 * "a.b.c.d:port" with plain digits, read without copies. False means "not
 * exactly one of these" (the general parser then decides); when true, the
 * result is the general parser's. */
static bool parse_ipv4_fast(const char *s, size_t n, struct ip_value *v)
{
    uint32_t word;
    unsigned num = 32;
    size_t q = v4_quad(s, n, &word);
    if (q == 0)
        return false;
    const char *rest = s + q + 1;
    size_t rn = n - q - 1;
    v->port = 0;
    if (q < n && s[q] == '/') {
        if (!digits_value(rest, rn, 32, &num))
            return false;
    } else if (q < n && s[q] == ':') {
        unsigned port;
        if (!digits_value(rest, rn, 65535, &port) || port == 0)
            return false;
        v->port = (uint16_t)port;
    } else if (q != n) {
        return false;
    }
    /* the address bytes as two words, stored as the words ip_hash and
     * ip_clear_host_bits read back (a word read over smaller stores waits
     * for them: no store forwarding; that was a fifth of adding an IP) */
    uint64_t lo = word, hi = 0; /* the four bytes, then four zero bytes */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    lo <<= 32;
#endif
    v->cidr.addr.family = 4;
    memcpy(v->cidr.addr.bytes, &lo, 8);
    memcpy(v->cidr.addr.bytes + 8, &hi, 8);
    v->cidr.prefix = (uint8_t)num;
    if (num < 32) /* the bytes after the first four are zero already */
        ip_clear_host_bits(v->cidr.addr.bytes, num);
    return true;
}

/* Parses "a.b.c.d", "a.b.c.d/n", "x::y", "x::/n", "a.b.c.d:port",
 * "[x::y]:port" (s is n bytes long). */
static bool parse_ip_value(const char *s, size_t n, struct ip_value *v)
{
    char tmp[IP_VALUE_MAX];
    struct mm_cidr *c = &v->cidr;
    v->port = 0;
    if (n == 0 || n >= sizeof tmp)
        return false;
    if (parse_ipv4_fast(s, n, v))
        return true;
    v->port = 0;
    if (mm_cidr_parse(s, c) == 0)
        return true;
    memcpy(tmp, s, n + 1);
    if (tmp[0] == '[') {
        char *close = strchr(tmp, ']');
        if (!close || close[1] != ':' || !parse_port(close + 2, &v->port))
            return false;
        *close = '\0';
        return mm_addr_parse(tmp + 1, &c->addr) == 0 && (c->prefix = 128, c->addr.family == 6);
    }
    char *colon = strchr(tmp, ':');
    if (!colon || strchr(colon + 1, ':') || !parse_port(colon + 1, &v->port))
        return false;
    *colon = '\0';
    if (mm_addr_parse(tmp, &c->addr) != 0 || c->addr.family != 4)
        return false;
    c->prefix = 32;
    return true;
}

/* True for "digits and dots" optionally followed by "/n" or ":n": the shape
 * of an IPv4 address, CIDR or ip:port, even when the numbers are invalid. */
static bool ipv4_shaped(const char *v)
{
    size_t h = strspn(v, "0123456789.");
    if (h == 0 || !strchr(v, '.') || strchr(v, '.') > v + h)
        return false;
    if (v[h] == '\0')
        return true;
    return (v[h] == '/' || v[h] == ':') && v[h + 1] &&
           strspn(v + h + 1, "0123456789") == strlen(v + h + 1);
}

/* True for an address with a prefix length after a sign or white space
 * ("192.0.2.0/+24", "2001:db8::/ 32"): mm_cidr_parse takes digits only,
 * strtoul took these, so they are a bad IP (malformed), not a URL's path. */
static bool signed_prefix(const char *v)
{
    char addr[IP_VALUE_MAX];
    struct mm_addr a;
    const char *slash = strchr(v, '/');
    if (!slash || (size_t)(slash - v) >= sizeof addr)
        return false;
    memcpy(addr, v, (size_t)(slash - v));
    addr[slash - v] = '\0';
    const char *n = slash + 1 + strspn(slash + 1, "+- \t");
    return n > slash + 1 && *n && strspn(n, "0123456789") == strlen(n) &&
           mm_addr_parse(addr, &a) == 0;
}

/* The kind of an untyped value: a URL when it has a scheme or starts with
 * '/', an IP when it parses as one (or looks like an IPv4 with bad
 * numbers), a URL when it has a path, else a domain. Cheap tests first: the
 * common IPv4 forms (which can be neither a URL nor anything else) are
 * parsed straight away, and a value with a byte no IP has (most names, from
 * their first letter) never reaches the IP parsers. A parsed IP is left in
 * *ip (ip->parsed). */
static enum mm__intel_kind guess_kind(const char *v, size_t n, struct ip_value *ip, char *name,
                                      size_t *name_len)
{
    *name_len = 0;
    if (n < IP_VALUE_MAX && parse_ipv4_fast(v, n, ip)) {
        ip->parsed = true;
        return MM__IK_IP;
    }
    size_t ip_bytes = 0;
    while (ip_bytes < n && ip_byte[(unsigned char)v[ip_bytes]])
        ip_bytes++;
    bool ipish = ip_bytes == n;
    /* A value the name fast path takes whole (label bytes and single dots,
     * neither first nor last: no ':', no '/', nothing to strip) and that
     * is no IP is a domain, and its key is made (what norm_domain_n would
     * make of it): the two searches below are left out for most names. */
    if (!ipish && norm_domain_fast(v, n, name)) {
        *name_len = n;
        return MM__IK_DOMAIN;
    }
    if ((memchr(v, ':', n) && strstr(v, "://")) || v[0] == '/')
        return MM__IK_URL;
    if (ipish && (ip->parsed = parse_ip_value(v, n, ip)))
        return MM__IK_IP;
    if (ipish && (ipv4_shaped(v) || signed_prefix(v)))
        return MM__IK_IP;
    if (memchr(v, '/', n))
        return MM__IK_URL;
    return MM__IK_DOMAIN;
}

enum mm__intel_kind mm__intel_kind_from_word(const char *w)
{
    static const struct {
        const char *word;
        enum mm__intel_kind kind;
    } map[] = {
        {"ip", MM__IK_IP},
        {"ipv4", MM__IK_IP},
        {"ipv6", MM__IK_IP},
        {"ip:port", MM__IK_IP},
        {"cidr", MM__IK_IP},
        {"ipv4-addr", MM__IK_IP},
        {"ipv6-addr", MM__IK_IP},
        {"domain", MM__IK_DOMAIN},
        {"hostname", MM__IK_DOMAIN},
        {"host", MM__IK_DOMAIN},
        {"domain-name", MM__IK_DOMAIN},
        {"url", MM__IK_URL},
        {"ja3", MM__IK_JA3},
        {"ja3_md5", MM__IK_JA3},
        {"ja4", MM__IK_JA4},
        {"sha1", MM__IK_SHA1},
        {"sha1_hash", MM__IK_SHA1},
        {"x509-sha1", MM__IK_SHA1},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcasecmp(w, map[i].word) == 0)
            return map[i].kind;
    return MM__IK_NONE;
}

int mm__intel_add(struct mm_intel *in, enum mm__intel_kind kind, const char *value,
                  struct mm__intel_ctx *ctx, const char **why)
{
    return mm__intel_add_n(in, kind, value, strlen(value), ctx, why);
}

int mm__intel_add_n(struct mm_intel *in, enum mm__intel_kind kind, const char *value, size_t n,
                    struct mm__intel_ctx *ctx, const char **why)
{
    char key[MM__INTEL_VALUE_MAX + 2];
    struct pending *p;
    size_t kn = 0; /* a name's length when the fast path made it in p */
    int r;
    *why = "";
    if (in->sealed) {
        *why = "set already sealed";
        return MM_ESTATE;
    }
    if (n > MM__INTEL_VALUE_MAX) {
        *why = "value too long";
        return MM_EPARSE;
    }
    /* An IP, or a name the fast path takes whole (at most 63 bytes), is
     * parsed or lower-cased straight into the next pending place: no copy,
     * and no words read back over the smaller stores just made (a load
     * spanning them waits for them: no store forwarding). */
    if ((r = pending_room(in, &p)) != 0)
        return r;
    p->ip.parsed = false;
    if (kind == MM__IK_NONE)
        kind = guess_kind(value, n, &p->ip, p->text + 1, &kn);
    else if (kind == MM__IK_DOMAIN && norm_domain_fast(value, n, p->text + 1))
        kn = n; /* what norm_domain_n makes of it: nothing to strip */
    key[0] = (char)kind;
    switch (kind) {
    case MM__IK_IP:
        if (!p->ip.parsed && !parse_ip_value(value, n, &p->ip)) {
            *why = "not an IP address, CIDR or ip:port";
            return MM_EPARSE;
        }
        return add_ip_at(in, p, ctx);
    case MM__IK_DOMAIN:
        if (kn)
            return add_name_at(in, p, value, kn, ctx);
        if ((kn = norm_domain_n(value, n, key + 1, sizeof key - 1)) == 0) {
            *why = "not a valid domain name";
            return MM_EPARSE;
        }
        kn++;
        break;
    case MM__IK_URL:
        if (!mm__intel_norm_url(value, key + 1, sizeof key - 1)) {
            *why = "not a usable URL";
            return MM_EPARSE;
        }
        kn = strlen(key);
        if (key[1] == '/' && kn - 1 < 4) {
            *why = "path without host too short to be specific";
            return MM_EPARSE;
        }
        break;
    case MM__IK_JA3:
    case MM__IK_JA4:
    case MM__IK_SHA1:
        if (!norm_hash(kind, value, key + 1, sizeof key - 1)) {
            *why = "not a valid fingerprint for its type";
            return MM_EPARSE;
        }
        kn = strlen(key);
        break;
    default:
        *why = "unknown indicator type";
        return MM_EPARSE;
    }
    return add_str(in, key, kn, ctx);
}

static void ip_filters_free(struct mm_intel *in)
{
    for (int f = 0; f < 2; f++)
        for (int l = 0; l <= 128; l++) {
            free(in->ip_filter[f][l]);
            in->ip_filter[f][l] = NULL;
        }
    free(in->port_filter);
    in->port_filter = NULL;
}

/* The bit of (family, prefix, masked addr) in the port filter. */
static uint32_t port_filter_bit(const struct mm_intel *in, const uint8_t addr[16], uint8_t family,
                                uint8_t prefix)
{
    return ip_filter_bit(ip_hash(addr, family, prefix, 0), in->port_filter_log);
}

/* log2 of the size in bits of a presence bitmap for count keys (about 16
 * bits a key, within the limits). */
static uint8_t ip_filter_log_for(size_t count)
{
    unsigned log = IP_FILTER_LOG_MIN;
    while (log < IP_FILTER_LOG_MAX && ((size_t)1 << log) < 16 * count)
        log++;
    return (uint8_t)log;
}

/* A bitmap of 64 KB or more holds a key per 16 to 32 bits, so each of its
 * pages gets many: it is made resident in one call (a page fault per page
 * was most of seal's time in the kernel: 2 MB of bitmap for the bench
 * feeds' /32s). */
#define IP_FILTER_POPULATE_MIN ((size_t)64 << 10)

static uint64_t *ip_filter_new(uint8_t log)
{
    size_t bytes = ((size_t)1 << log) / 8;
    uint64_t *filter = calloc(bytes / sizeof(uint64_t), sizeof(uint64_t));
    if (filter && bytes >= IP_FILTER_POPULATE_MIN)
        mm__intel_populate(filter, bytes);
    return filter;
}

static uint32_t v4_slash16(const uint8_t *addr)
{
    return (uint32_t)addr[0] << 8 | addr[1];
}

/* Allocates the presence bitmaps, the port filter and the per-/16 length
 * masks (see struct mm_intel) from the counts ip_insert kept, all empty;
 * what memory refuses stays NULL (a length without a bitmap is looked up
 * in the table directly, no port filter means every port is looked up, no
 * masks means no skipping: slower, same answers). */
static void ip_filters_alloc(struct mm_intel *in)
{
    size_t ports = 0;
    ip_filters_free(in);
    in->port_n[0] = in->port_n[1] = 0;
    for (int f = 0; f < 2; f++)
        for (int l = 128; l >= 0; l--) {
            if (in->ip_count[f][l]) {
                in->ip_filter_log[f][l] = ip_filter_log_for(in->ip_count[f][l]);
                in->ip_filter[f][l] = ip_filter_new(in->ip_filter_log[f][l]);
            }
            if (in->port_count[f][l])
                in->port_order[f][in->port_n[f]++] = (uint8_t)l;
            ports += in->port_count[f][l];
        }
    in->ip_any_port = ports > 0;
    in->port_filter_log = ip_filter_log_for(ports);
    if (ports)
        in->port_filter = ip_filter_new(in->port_filter_log);
    free(in->v4_lens_by16);
    in->v4_lens_by16 = calloc(65536, sizeof *in->v4_lens_by16);
}

static void filter_set(uint64_t *filter, uint32_t bit)
{
    filter[bit / 64] |= 1ull << (bit % 64);
}

/* How many entries ahead ip_filters_build asks for a bitmap word. */
#define FILTER_AHEAD 16

/* The presence bitmap word of entry e and its bit in it; word is NULL
 * when e's prefix length has no bitmap. */
struct filter_bit {
    uint64_t *word, mask;
};

static struct filter_bit entry_filter_bit(const struct mm_intel *in, const struct ip_entry *e)
{
    int f = e->family == 6;
    uint64_t *filter = in->ip_filter[f][e->prefix];
    if (!filter)
        return (struct filter_bit){NULL, 0};
    uint32_t bit = ip_filter_bit(entry_hash(in, e, e->port), in->ip_filter_log[f][e->prefix]);
    return (struct filter_bit){&filter[bit / 64], 1ull << (bit % 64)};
}

/* Puts entry e, whose presence bit is b, in the bitmaps. */
static void ip_filters_add(struct mm_intel *in, const struct ip_entry *e,
                           const struct filter_bit *b)
{
    if (b->word)
        *b->word |= b->mask;
    if (e->port && in->port_filter) /* port_filter_bit's */
        filter_set(in->port_filter, ip_filter_bit(entry_hash(in, e, 0), in->port_filter_log));
    if (e->family == 4 && e->prefix >= 16 && in->v4_lens_by16)
        in->v4_lens_by16[v4_slash16((const uint8_t *)&e->addr)] |= 1u << (e->prefix - 16);
}

/* Builds what ip_filters_alloc allocated, in one pass over the entries (a
 * pass per structure read the 16 MB of the bench feeds' entries four
 * times). A key's bit lies anywhere in its bitmap (2 MB for the bench
 * feeds' half a million addresses, more than the cache keeps near): each
 * bitmap word is asked for FILTER_AHEAD entries before it is set, as the
 * inserts do with their table slots. */
static void ip_filters_build(struct mm_intel *in)
{
    struct filter_bit ahead[FILTER_AHEAD];
    ip_filters_alloc(in);
    for (size_t i = 0; i < in->nips + FILTER_AHEAD; i++) {
        if (i >= FILTER_AHEAD) /* entry i - FILTER_AHEAD: its word was asked for */
            ip_filters_add(in, &in->ips[i - FILTER_AHEAD], &ahead[i % FILTER_AHEAD]);
        if (i < in->nips) {
            ahead[i % FILTER_AHEAD] = entry_filter_bit(in, &in->ips[i]);
            if (ahead[i % FILTER_AHEAD].word)
                prefetch(ahead[i % FILTER_AHEAD].word);
        }
    }
}

/* The name memo's slots (2 MB, zeroed), on one huge page where the kernel
 * gives one on request: the slots of the few hundred busy questions lie
 * all over the 2 MB, and with 4 KB pages each ask was a TLB miss besides
 * the cache miss (perf: nearly all of memo_ask's time on its first read
 * of a slot). */
static struct name_memo *name_memo_new(void)
{
    size_t len = ((size_t)2 << NAME_MEMO_SETS_LOG) * sizeof(struct name_memo);
    void *p = NULL;
    if (posix_memalign(&p, (size_t)2 << 20, len) != 0)
        return NULL;
#if defined(MADV_HUGEPAGE)
    (void)madvise(p, len, MADV_HUGEPAGE);
#endif
    memset(p, 0, len);
    return p;
}

int mm_intel_seal(struct mm_intel *in)
{
    int r;
    if (!in)
        return MM_EINVAL;
    if ((r = mm__intel_flush(in)) != 0)
        return r;
    mm__intel_block_free(&in->text); /* no feed is read into a sealed set */
    in->v4_n = in->v6_n = 0;
    for (int l = 32; l >= 0; l--)
        if (in->v4_len[l])
            in->v4_order[in->v4_n++] = (uint8_t)l;
    for (int l = 128; l >= 0; l--)
        if (in->v6_len[l])
            in->v6_order[in->v6_n++] = (uint8_t)l;
    ip_filters_build(in);
    if (!in->ip_memo && !(in->ip_memo = calloc(1u << IP_MEMO_LOG, sizeof *in->ip_memo)))
        return MM_ENOMEM;
    if (!in->name_memo && !(in->name_memo = name_memo_new()))
        return MM_ENOMEM;
    if (!in->ip_texts && !(in->ip_texts = calloc(1, sizeof *in->ip_texts)))
        return MM_ENOMEM;
    in->sealed = true;
    return 0;
}

/* ---- matching ------------------------------------------------------------- */

static const char *S(const struct mm_intel *in, uint32_t off)
{
    return in->pool.data + off;
}

/* ---- the settle rule -------------------------------------------------------- */

void mm_intel_settle(struct mm_intel *in, const struct mm_intel_settle *s)
{
    if (in)
        in->settle = s ? *s : (struct mm_intel_settle){0};
}

const struct mm_intel_settle *mm__intel_settle_of(const struct mm_intel *in)
{
    return &in->settle;
}

/* The family, reference and source of context id. */
static void fill_ctx(const struct mm_intel *in, uint32_t id, struct mm_intel_hit *hit)
{
    const struct ctx_entry *c = &in->ctxs[id];
    hit->family = S(in, c->family);
    hit->reference = S(in, c->reference);
    hit->source = S(in, c->source);
}

static void fill_str_hit(const struct mm_intel *in, const struct str_entry *e, const char *type,
                         struct mm_intel_hit *hit)
{
    if (!hit)
        return;
    hit->type = type;
    hit->indicator = S(in, e->key) + 1;
    fill_ctx(in, e->ctx, hit);
}

/* Whether entry e (may be NULL) answers a look-up: as a destination
 * (dest), a scanner list's entry does not (a scanner is listed as the
 * source of its probes; an allow entry always answers). */
static inline bool ip_answers(const struct mm_intel *in, const struct ip_entry *e, bool dest)
{
    return e && !(dest && !e->allow && in->ctxs[e->ctx].scanner);
}

/* The most specific indicator for a (any port when port is 0), or NULL;
 * with dest, the most specific that is not a scanner list's. */
static const struct ip_entry *ip_lookup(const struct mm_intel *in, const struct mm_addr *a,
                                        uint16_t port, bool dest)
{
    const uint8_t *order = a->family == 4 ? in->v4_order : in->v6_order;
    size_t n = a->family == 4 ? in->v4_n : in->v6_n;
    uint32_t lens16 =
        a->family == 4 && in->v4_lens_by16 ? in->v4_lens_by16[v4_slash16(a->bytes)] : UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned prefix = order[i];
        uint8_t key[16];
        if (a->family == 4 && prefix >= 16 && !(lens16 >> (prefix - 16) & 1))
            continue; /* no entry of this length in the address's /16 */
        memcpy(key, a->bytes, 16);
        ip_clear_host_bits(key, prefix);
        const struct ip_entry *e = NULL;
        if (port)
            e = ip_find(in, ip_hash(key, a->family, (uint8_t)prefix, port), key, a->family,
                        (uint8_t)prefix, port);
        if (!ip_answers(in, e, dest))
            e = ip_find(in, ip_hash(key, a->family, (uint8_t)prefix, 0), key, a->family,
                        (uint8_t)prefix, 0);
        if (ip_answers(in, e, dest))
            return e;
    }
    return NULL;
}

/* Whether an entry with a port may cover a (false: none does). */
static bool port_listed(const struct mm_intel *in, const struct mm_addr *a)
{
    int f = a->family == 6;
    for (size_t i = 0; i < in->port_n[f]; i++) {
        uint8_t prefix = in->port_order[f][i], key[16];
        memcpy(key, a->bytes, 16);
        ip_clear_host_bits(key, prefix);
        uint32_t bit = port_filter_bit(in, key, a->family, prefix);
        if (in->port_filter[bit / 64] >> (bit % 64) & 1)
            return true;
    }
    return false;
}

/* A memo slot's family byte: the address's family, with MEMO_DEST added
 * for an answer about it as a destination. */
#define MEMO_DEST 0x80
static inline uint8_t memo_family(const struct mm_addr *a, bool dest)
{
    return (uint8_t)(a->family | (dest ? MEMO_DEST : 0));
}

/* ip_lookup through the memo of recent answers; port is the packet's (0
 * for none). The memo is asked before the port filter: a remembered
 * address's answer needs neither the filter's probe (a cache miss) nor,
 * when some port entry may cover it, a second one for its next port. An
 * address asked about as a destination too has a slot for that answer
 * elsewhere (dest is part of the slot's hash). */
static const struct ip_entry *ip_lookup_memo(const struct mm_intel *in, const struct mm_addr *a,
                                             uint16_t port, bool dest)
{
    /* the table's key hash of the whole address, the use as its port (top
     * bits: the table uses the low ones) */
    uint32_t h = ip_hash(a->bytes, a->family, a->family == 4 ? 32 : 128, dest);
    struct ip_memo *m = &in->ip_memo[h >> (32 - IP_MEMO_LOG)];
    uint8_t family = memo_family(a, dest);
    bool known = m->family == family && memcmp(m->addr, a->bytes, 16) == 0;
    if (known && (!m->listed || m->port == port))
        return m->entry ? &in->ips[m->entry - 1] : NULL;
    /* no entry has a port, or none covers a: every port has port 0's
     * answer; without a port filter (no memory) every port is looked up */
    bool listed = known ? m->listed : in->ip_any_port && (!in->port_filter || port_listed(in, a));
    uint16_t asked = listed ? port : 0;
    const struct ip_entry *e = ip_lookup(in, a, asked, dest);
    m->family = family;
    m->listed = listed;
    m->port = asked;
    memcpy(m->addr, a->bytes, 16);
    m->entry = e ? (uint32_t)(e - in->ips) + 1 : 0;
    return e;
}

/* A place for one more hit text in t, or NULL (no memory). */
static char *ip_text_place(struct ip_texts *t, uint32_t *index)
{
    if (t->used >= UINT32_MAX - 1)
        return NULL;
    if (t->used == t->nchunks * IP_TEXT_CHUNK) {
        char(**chunks)[IP_TEXT_MAX] = realloc(t->chunks, (t->nchunks + 1) * sizeof *chunks);
        if (!chunks)
            return NULL;
        t->chunks = chunks;
        if (!(chunks[t->nchunks] = malloc(IP_TEXT_CHUNK * IP_TEXT_MAX)))
            return NULL;
        t->nchunks++;
    }
    size_t i = t->used++;
    *index = (uint32_t)i;
    return t->chunks[i / IP_TEXT_CHUNK][i % IP_TEXT_CHUNK];
}

/* The listed text of entry e ("a.b.c.d", "x::/n", "a.b.c.d:port",
 * "[x::y]:port"), formatted at its first hit and kept in the set's hit
 * texts (matching is for one thread at a time: the set's answers may
 * change the set's memos and these texts only). Without memory for it,
 * "?" (the hit itself still stands). */
static const char *ip_entry_text(const struct mm_intel *in, const struct ip_entry *e)
{
    struct ip_texts *t = in->ip_texts;
    struct ip_entry *w = &in->ips[e - in->ips];
    if (!w->text) {
        struct mm_cidr c = {.addr.family = e->family, .prefix = e->prefix};
        uint32_t index;
        char *place = t ? ip_text_place(t, &index) : NULL;
        if (!place)
            return "?";
        entry_addr(in, e, c.addr.bytes);
        ip_text(&c, e->port, place);
        w->text = index + 1;
    }
    return t->chunks[(w->text - 1) / IP_TEXT_CHUNK][(w->text - 1) % IP_TEXT_CHUNK];
}

static inline bool ip_hit(const struct mm_intel *in, const struct ip_entry *e,
                          struct mm_intel_hit *hit)
{
    if (!e || e->allow)
        return false;
    if (hit) {
        hit->type = "ip";
        hit->indicator = ip_entry_text(in, e);
        fill_ctx(in, e->ctx, hit);
    }
    return true;
}

/* Whether addresses can be asked about a (a sealed set, IPv4 or IPv6). */
static inline bool ip_askable(const struct mm_intel *in, const struct mm_addr *a)
{
    return in && in->sealed && (a->family == 4 || a->family == 6);
}

bool mm__intel_match_ip_direct(const struct mm_intel *in, const struct mm_addr *a, uint16_t port,
                               struct mm_intel_hit *hit)
{
    return ip_askable(in, a) &&
           ip_hit(in, ip_lookup(in, a, in->ip_any_port ? port : 0, false), hit);
}

bool mm__intel_match_ip_dest_direct(const struct mm_intel *in, const struct mm_addr *a,
                                    uint16_t port, struct mm_intel_hit *hit)
{
    return ip_askable(in, a) && ip_hit(in, ip_lookup(in, a, in->ip_any_port ? port : 0, true), hit);
}

bool mm_intel_match_ip(const struct mm_intel *in, const struct mm_addr *a, uint16_t port,
                       struct mm_intel_hit *hit)
{
    return ip_askable(in, a) && ip_hit(in, ip_lookup_memo(in, a, port, false), hit);
}

bool mm_intel_match_ip_dest(const struct mm_intel *in, const struct mm_addr *a, uint16_t port,
                            struct mm_intel_hit *hit)
{
    return ip_askable(in, a) && ip_hit(in, ip_lookup_memo(in, a, port, true), hit);
}

uint32_t mm__intel_memo_hash(unsigned kind, const char *text, size_t n)
{
    return hash_bytes(text, n, (uint32_t)kind);
}

static bool memo_holds(const struct name_memo *m, uint32_t h, enum mm__intel_kind kind,
                       const char *text, size_t n)
{
    return m->hash == h && m->kind == (uint8_t)kind && m->len == n && memcmp(m->text, text, n) == 0;
}

/* The two-way memo set a question of hash h lives in. */
static inline struct name_memo *memo_set(const struct mm_intel *in, uint32_t h)
{
    return &in->name_memo[2 * (h & ((1u << NAME_MEMO_SETS_LOG) - 1))];
}

/* The memo slot for the question (kind, text[0..n)), and in *known whether
 * it holds that question's answer; when not, the slot is taken for it (its
 * answer is set by memo_answer). NULL when the question is too long. */
static struct name_memo *memo_ask(const struct mm_intel *in, enum mm__intel_kind kind,
                                  const char *text, size_t n, bool *known)
{
    *known = false;
    if (n > NAME_MEMO_TEXT_MAX || !in->name_memo)
        return NULL;
    uint32_t h = mm__intel_memo_hash(kind, text, n); /* the tests' hash too */
    struct name_memo *set = memo_set(in, h);
    for (uint8_t way = 0; way < 2; way++)
        if (memo_holds(&set[way], h, kind, text, n)) {
            set->recent = way;
            *known = true;
            return &set[way];
        }
    uint8_t way = set->recent ^ 1; /* the one used less recently */
    struct name_memo *m = &set[way];
    set->recent = way;
    m->hash = h;
    m->kind = (uint8_t)kind;
    m->len = (uint16_t)n;
    memcpy(m->text, text, n);
    m->entry = 0;
    return m;
}

/* Fetches the memo set memo_ask will read for (kind, text[0..n)): the
 * first line of both slots (hash, kind, length and the text's start).
 * Always inline: as a call of its own, GCC took it for a function without
 * effects (a prefetch has none it models) and dropped the calls. */
static inline __attribute__((always_inline)) void
memo_prefetch(const struct mm_intel *in, enum mm__intel_kind kind, const char *text, size_t n)
{
    if (!in || !in->sealed || n > NAME_MEMO_TEXT_MAX || !in->name_memo)
        return;
    uint32_t h = mm__intel_memo_hash(kind, text, n);
    const struct name_memo *set = memo_set(in, h);
    prefetch(&set[0]);
    prefetch(&set[1]);
}

static const struct str_entry *memo_entry(const struct mm_intel *in, const struct name_memo *m)
{
    return m->entry ? &in->strs[m->entry - 1] : NULL;
}

/* Keeps e (NULL: no match) as the answer of m's question; returns e. */
static const struct str_entry *memo_answer(const struct mm_intel *in, struct name_memo *m,
                                           const struct str_entry *e)
{
    if (m)
        m->entry = e ? (uint32_t)(e - in->strs) + 1 : 0;
    return e;
}

/* The listed domain entry that decides for name, or NULL (none, an
 * allowlisted one, or a listed public suffix above it). */
static const struct str_entry *domain_lookup(const struct mm_intel *in, const char *name,
                                             size_t len)
{
    char key[MM__INTEL_NAME_MAX + 2];
    key[0] = MM__IK_DOMAIN;
    if (norm_domain_n(name, len, key + 1, sizeof key - 1) == 0)
        return NULL;
    /* Walk "a.b.evil.example", "b.evil.example", ...: the most specific
     * listed name decides. */
    for (char *p = key + 1; p;) {
        size_t n = strlen(p);
        p[-1] = MM__IK_DOMAIN; /* the byte before the label becomes the kind */
        const struct str_entry *e = str_find(in, p - 1, n + 1, key_hash(p - 1, n + 1));
        if (e) {
            if (e->allow)
                return NULL;
            if (p != key + 1 && in->psl && psl_is_public_suffix2(in->psl, p, PSL_TYPE_ICANN))
                return NULL; /* a listed public suffix never matches below it */
            return e;
        }
        char *dot = strchr(p, '.');
        p = dot ? dot + 1 : NULL;
    }
    return NULL;
}

void mm_intel_prefetch_domain(const struct mm_intel *in, const char *name, size_t n)
{
    if (name)
        memo_prefetch(in, MM__IK_DOMAIN, name, n);
}

bool mm__intel_match_domain_direct(const struct mm_intel *in, const char *name,
                                   struct mm_intel_hit *hit)
{
    if (!in || !in->sealed || !name)
        return false;
    const struct str_entry *e = domain_lookup(in, name, strlen(name));
    if (e)
        fill_str_hit(in, e, "domain", hit);
    return e != NULL;
}

bool mm_intel_match_domain(const struct mm_intel *in, const char *name, struct mm_intel_hit *hit)
{
    return name && mm_intel_match_domain_n(in, name, strlen(name), hit);
}

bool mm_intel_match_domain_n(const struct mm_intel *in, const char *name, size_t n,
                             struct mm_intel_hit *hit)
{
    bool known;
    if (!in || !in->sealed || !name)
        return false;
    struct name_memo *m = memo_ask(in, MM__IK_DOMAIN, name, n, &known);
    const struct str_entry *e =
        known ? memo_entry(in, m) : memo_answer(in, m, domain_lookup(in, name, n));
    if (e)
        fill_str_hit(in, e, "domain", hit);
    return e != NULL;
}

static const struct str_entry *key_find(const struct mm_intel *in, const char *key, size_t n)
{
    return str_find(in, key, n, key_hash(key, n));
}

/* Appends s to buf[0..o) (cap bytes, the last kept for a NUL); returns the
 * new length. */
static size_t append_cut(char *buf, size_t o, size_t cap, const char *s)
{
    size_t n = strnlen(s, cap - 1 - o);
    memcpy(buf + o, s, n);
    return o + n;
}

/* The listed URL entry that decides for host and uri, or NULL (none, or an
 * allowlisted one). */
static const struct str_entry *url_lookup(const struct mm_intel *in, const char *host,
                                          const char *uri)
{
    char raw[MM__INTEL_VALUE_MAX + 1], key[MM__INTEL_VALUE_MAX + 2];
    const struct str_entry *e = NULL;
    size_t r = 0; /* raw as snprintf would write it: cut at sizeof raw - 1 bytes */
    if (!strstr(uri, "://")) {
        r = append_cut(raw, r, sizeof raw, host ? host : "");
        r = append_cut(raw, r, sizeof raw, uri[0] == '/' ? "" : "/");
    }
    raw[append_cut(raw, r, sizeof raw, uri)] = '\0';
    key[0] = MM__IK_URL;
    if (!mm__intel_norm_url(raw, key + 1, sizeof key - 1))
        return NULL;
    size_t n = strlen(key);
    char *path = strchr(key + 1, '/');
    char *query = strchr(key + 1, '?');
    /* 1: exact, 2: without the query, 3: each parent directory below the root */
    if ((e = key_find(in, key, n)) == NULL && query) {
        n = (size_t)(query - key);
        e = key_find(in, key, n);
    }
    while (!e && path) {
        char *slash = NULL;
        for (char *q = key + n - 1; q > path; q--)
            if (*q == '/' && (size_t)(q - key) + 1 < n) {
                slash = q;
                break;
            }
        if (!slash)
            break;
        n = (size_t)(slash - key) + 1;
        e = key_find(in, key, n);
    }
    /* 4: path-only entries ("/malicious-login.php"), without the query */
    if (!e && path && path != key + 1) {
        size_t pn = query ? (size_t)(query - path) : strlen(path);
        char pkey[MM__INTEL_VALUE_MAX + 2];
        pkey[0] = MM__IK_URL;
        memcpy(pkey + 1, path, pn);
        e = key_find(in, pkey, pn + 1);
    }
    return e && !e->allow ? e : NULL;
}

bool mm__intel_match_url_direct(const struct mm_intel *in, const char *host, const char *uri,
                                struct mm_intel_hit *hit)
{
    if (!in || !in->sealed || !uri || in->nstrs == 0)
        return false;
    const struct str_entry *e = url_lookup(in, host, uri);
    if (e)
        fill_str_hit(in, e, "url", hit);
    return e != NULL;
}

/* The memo question of (host, uri) in q: host, a NUL, uri (a host holds
 * no NUL, so two questions never share a text); its length, or 0 when it
 * is too long to be remembered. */
static size_t url_question(const char *host, const char *uri, char q[NAME_MEMO_TEXT_MAX])
{
    size_t hn = host ? strnlen(host, NAME_MEMO_TEXT_MAX) : 0, un = strnlen(uri, NAME_MEMO_TEXT_MAX);
    if (hn + 1 + un > NAME_MEMO_TEXT_MAX)
        return 0;
    memcpy(q, host ? host : "", hn);
    q[hn] = '\0';
    memcpy(q + hn + 1, uri, un);
    return hn + 1 + un;
}

/* The memo slot of (host, uri) (url_question). */
static struct name_memo *url_memo_ask(const struct mm_intel *in, const char *host, const char *uri,
                                      bool *known)
{
    char q[NAME_MEMO_TEXT_MAX];
    size_t n = url_question(host, uri, q);
    *known = false;
    return n ? memo_ask(in, MM__IK_URL, q, n, known) : NULL;
}

void mm_intel_prefetch_url(const struct mm_intel *in, const char *host, const char *uri)
{
    char q[NAME_MEMO_TEXT_MAX];
    size_t n = uri && in && in->nstrs ? url_question(host, uri, q) : 0;
    if (n)
        memo_prefetch(in, MM__IK_URL, q, n);
}

bool mm_intel_match_url(const struct mm_intel *in, const char *host, const char *uri,
                        struct mm_intel_hit *hit)
{
    bool known;
    if (!in || !in->sealed || !uri || in->nstrs == 0)
        return false;
    struct name_memo *m = url_memo_ask(in, host, uri, &known);
    const struct str_entry *e =
        known ? memo_entry(in, m) : memo_answer(in, m, url_lookup(in, host, uri));
    if (e)
        fill_str_hit(in, e, "url", hit);
    return e != NULL;
}

/* The kind of a fingerprint word: the words the detectors pass first,
 * then any other spelling mm__intel_kind_from_word knows. */
static enum mm__intel_kind hash_kind(const char *word)
{
    if (strcmp(word, "ja3") == 0)
        return MM__IK_JA3;
    if (strcmp(word, "ja4") == 0)
        return MM__IK_JA4;
    if (strcmp(word, "sha1") == 0)
        return MM__IK_SHA1;
    return mm__intel_kind_from_word(word);
}

/* The listed fingerprint entry of kind k for hex, or NULL (none, or an
 * allowlisted one). */
static const struct str_entry *hash_lookup(const struct mm_intel *in, enum mm__intel_kind k,
                                           const char *hex)
{
    char key[72];
    key[0] = (char)k;
    if (!norm_hash(k, hex, key + 1, sizeof key - 1))
        return NULL;
    const struct str_entry *e = key_find(in, key, strlen(key));
    return e && !e->allow ? e : NULL;
}

static const char *hash_type(enum mm__intel_kind k)
{
    return k == MM__IK_JA3 ? "ja3" : k == MM__IK_JA4 ? "ja4" : "sha1";
}

void mm_intel_prefetch_hash(const struct mm_intel *in, const char *kind, const char *hex)
{
    enum mm__intel_kind k = hash_kind(kind ? kind : "");
    if (hex && (k == MM__IK_JA3 || k == MM__IK_JA4 || k == MM__IK_SHA1))
        memo_prefetch(in, k, hex, strlen(hex));
}

bool mm__intel_match_hash_direct(const struct mm_intel *in, const char *kind, const char *hex,
                                 struct mm_intel_hit *hit)
{
    enum mm__intel_kind k = mm__intel_kind_from_word(kind ? kind : "");
    if (!in || !in->sealed || !hex || (k != MM__IK_JA3 && k != MM__IK_JA4 && k != MM__IK_SHA1))
        return false;
    const struct str_entry *e = hash_lookup(in, k, hex);
    if (e)
        fill_str_hit(in, e, hash_type(k), hit);
    return e != NULL;
}

bool mm_intel_match_hash(const struct mm_intel *in, const char *kind, const char *hex,
                         struct mm_intel_hit *hit)
{
    bool known;
    enum mm__intel_kind k = hash_kind(kind ? kind : "");
    if (!in || !in->sealed || !hex || (k != MM__IK_JA3 && k != MM__IK_JA4 && k != MM__IK_SHA1))
        return false;
    struct name_memo *m = memo_ask(in, k, hex, strlen(hex), &known);
    const struct str_entry *e =
        known ? memo_entry(in, m) : memo_answer(in, m, hash_lookup(in, k, hex));
    if (e)
        fill_str_hit(in, e, hash_type(k), hit);
    return e != NULL;
}
