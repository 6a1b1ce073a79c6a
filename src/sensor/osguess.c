/* SPDX-License-Identifier: Apache-2.0
 * OS guess rules: owns the parsed data/sensor/os-fingerprints.json and the
 * matching of each evidence source against its rule list (first match wins
 * within a source; the inventory compares scores across sources). Answers
 * are remembered in a small direct-mapped memo per source and text: the
 * same user agents and SYN options come back with nearly every packet and
 * event, and a rule walk costs thousands of instructions. */
#include "sensor/osguess.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/data.h"
#include "core/error.h"
#include "core/fnv.h"
#include "core/hash.h"
#include "core/str.h"

#define OS_TABLE      "sensor/os-fingerprints.json"
#define MEMO_SLOTS    512
#define MEMO_TEXT_MAX 240 /* longer texts are matched every time */

enum memo_kind { MEMO_TCP = 1, MEMO_UA, MEMO_SMB, MEMO_VENDOR, MEMO_DHCP };

struct memo_slot {
    uint64_t hash;
    uint8_t kind; /* 0: empty */
    bool found;
    struct mm_os_guess g;
    char text[MEMO_TEXT_MAX + 1];
};

struct mm_osguess {
    json_t *root;
    const json_t *os;       /* id -> description */
    struct memo_slot *memo; /* MEMO_SLOTS answers (mutable cache of a const table) */
    uint64_t memo_key;      /* random: a sender cannot aim its texts at one slot */
};

int mm_osguess_new(struct mm_osguess **out)
{
    *out = NULL;
    struct mm_osguess *t = calloc(1, sizeof *t);
    int r;
    if (!t)
        return MM_ENOMEM;
    if (!(t->memo = calloc(MEMO_SLOTS, sizeof *t->memo))) {
        r = MM_ENOMEM;
        goto out;
    }
    t->memo_key = mm_hash_random_key();
    if ((r = mm_data_json(OS_TABLE, &t->root)) != 0)
        goto out;
    t->os = json_object_get(t->root, "os");
    if (!json_is_object(t->os)) {
        r = MM_EPARSE;
        goto out;
    }
    *out = t;
    t = NULL;
out:
    mm_osguess_free(t);
    return r;
}

void mm_osguess_free(struct mm_osguess *t)
{
    if (!t)
        return;
    json_decref(t->root);
    free(t->memo);
    free(t);
}

/* FNV-1a from a keyed start, mixed so that the low bits (the slot) depend
 * on all of it: FNV's low bits depend only on the start's low bits. The
 * memo only saves work (a hit is confirmed by comparing the text), so a
 * keyed start is enough: colliding texts cost a look-up, never an answer. */
static uint64_t memo_hash(const struct mm_osguess *t, enum memo_kind kind, const char *text,
                          size_t n)
{
    uint64_t h = mm_fnv1a64(MM_FNV64_MAMORI_BASIS ^ t->memo_key ^ kind, text, n);
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ull;
    return h ^ (h >> 32);
}

/* Looks (kind, text) up: true, with *found (and *g when found) set, when
 * the answer is remembered; else false with *slot where to remember it
 * (NULL when text is NULL or too long to keep). */
static bool memo_recall(const struct mm_osguess *t, enum memo_kind kind, const char *text,
                        struct memo_slot **slot, bool *found, struct mm_os_guess *g)
{
    size_t n = text ? strlen(text) : MEMO_TEXT_MAX + 1;
    *slot = NULL;
    if (n > MEMO_TEXT_MAX)
        return false;
    uint64_t h = memo_hash(t, kind, text, n);
    struct memo_slot *sl = &t->memo[h % MEMO_SLOTS];
    if (sl->kind == kind && sl->hash == h && strcmp(sl->text, text) == 0) {
        *found = sl->found;
        if (sl->found)
            *g = sl->g;
        return true;
    }
    sl->kind = 0;
    sl->hash = h;
    memcpy(sl->text, text, n + 1);
    *slot = sl;
    return false;
}

static void memo_store(struct memo_slot *sl, enum memo_kind kind, bool found,
                       const struct mm_os_guess *g)
{
    if (!sl)
        return;
    sl->kind = (uint8_t)kind;
    sl->found = found;
    if (found)
        sl->g = *g;
}

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

bool mm_osguess_by_id(const struct mm_osguess *t, const char *id, struct mm_os_guess *g)
{
    const json_t *d = id ? json_object_get(t->os, id) : NULL;
    if (!json_is_object(d))
        return false;
    const json_t *name = json_object_get(d, "name");
    g->id = json_object_iter_key(json_object_iter_at((json_t *)t->os, id));
    g->name_ja = str_of(name, "ja");
    g->name_en = str_of(name, "en");
    g->family = str_of(d, "family") ? str_of(d, "family") : "";
    g->legacy = json_is_true(json_object_get(d, "legacy"));
    g->eol = json_is_true(json_object_get(d, "eol"));
    g->mobile = json_is_true(json_object_get(d, "mobile"));
    g->score = 0;
    return true;
}

/* Fills g from a matching rule. */
static bool from_rule(const struct mm_osguess *t, const json_t *rule, struct mm_os_guess *g)
{
    if (!mm_osguess_by_id(t, str_of(rule, "os"), g))
        return false;
    g->score = (int)json_integer_value(json_object_get(rule, "score"));
    return true;
}

static bool has_prefix_ci(const char *s, const char *prefix)
{
    return s && prefix && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The memo key of a DHCP guess: "<length of params>:<params>" ("-" for no
 * params), then "V<vendor>" ("-" for no vendor): one key per pair, whatever
 * the texts hold. NULL when it does not fit. */
static const char *dhcp_memo_key(const char *params, const char *vendor,
                                 char key[MEMO_TEXT_MAX + 1])
{
    size_t np = params ? strlen(params) : 0, nv = vendor ? strlen(vendor) : 0, o = 0;
    char digits[MM_U64_STRLEN];
    size_t nd = mm_str_u64(np, digits);
    if (nd + np + nv + 3 > MEMO_TEXT_MAX)
        return NULL;
    if (params) {
        memcpy(key, digits, nd);
        o = nd;
        key[o++] = ':';
        memcpy(key + o, params, np);
        o += np;
    } else {
        key[o++] = '-';
    }
    if (vendor) {
        key[o++] = 'V';
        memcpy(key + o, vendor, nv);
        o += nv;
    } else {
        key[o++] = '-';
    }
    key[o] = '\0';
    return key;
}

static bool dhcp_rules(const struct mm_osguess *t, const char *params, const char *vendor,
                       struct mm_os_guess *g);

/* The answer depends on the two texts only: memoised (a rule walk costs
 * thousands of instructions; DHCP clients repeat their requests). */
bool mm_osguess_dhcp(const struct mm_osguess *t, const char *params, const char *vendor,
                     struct mm_os_guess *g)
{
    char key[MEMO_TEXT_MAX + 1];
    struct memo_slot *sl;
    bool found;
    if (memo_recall(t, MEMO_DHCP, dhcp_memo_key(params, vendor, key), &sl, &found, g))
        return found;
    found = dhcp_rules(t, params, vendor, g);
    memo_store(sl, MEMO_DHCP, found, g);
    return found;
}

static bool dhcp_rules(const struct mm_osguess *t, const char *params, const char *vendor,
                       struct mm_os_guess *g)
{
    size_t i;
    const json_t *rule, *rules = json_object_get(t->root, "dhcp");
    json_array_foreach(rules, i, rule)
    {
        const char *p = str_of(rule, "params"), *pp = str_of(rule, "params_prefix"),
                   *vp = str_of(rule, "vendor_prefix");
        if (p && !(params && strcmp(params, p) == 0))
            continue;
        if (pp && !(params && mm_str_prefix(params, pp)))
            continue;
        if (vp && !has_prefix_ci(vendor, vp))
            continue;
        if (!p && !pp && !vp)
            continue;
        return from_rule(t, rule, g);
    }
    return false;
}

/* Rules of the form {"contains": "text", "os": ..., "score": ...}; the
 * first that matches decides, and one whose os is "" (no OS of the table)
 * decides that the text gives no guess (the Android emulator's user
 * agents, before the rule for "Android"). */
static bool match_contains(const struct mm_osguess *t, const char *list, const char *s,
                           struct mm_os_guess *g)
{
    size_t i;
    const json_t *rule, *rules = json_object_get(t->root, list);
    if (!s || !*s)
        return false;
    json_array_foreach(rules, i, rule)
    {
        const char *c = str_of(rule, "contains");
        if (c && strcasestr(s, c))
            return from_rule(t, rule, g);
    }
    return false;
}

/* match_contains through the memo. */
static bool match_contains_memo(const struct mm_osguess *t, enum memo_kind kind, const char *list,
                                const char *s, struct mm_os_guess *g)
{
    struct memo_slot *sl;
    bool found;
    if (!s || !*s)
        return false;
    if (memo_recall(t, kind, s, &sl, &found, g))
        return found;
    found = match_contains(t, list, s, g);
    memo_store(sl, kind, found, g);
    return found;
}

bool mm_osguess_user_agent(const struct mm_osguess *t, const char *ua, struct mm_os_guess *g)
{
    return match_contains_memo(t, MEMO_UA, "user_agent", ua, g);
}

bool mm_osguess_smb(const struct mm_osguess *t, const char *native_os, struct mm_os_guess *g)
{
    return match_contains_memo(t, MEMO_SMB, "smb", native_os, g);
}

bool mm_osguess_vendor(const struct mm_osguess *t, const char *vendor, struct mm_os_guess *g)
{
    return match_contains_memo(t, MEMO_VENDOR, "vendor", vendor, g);
}

/* The usual initial TTLs: 64 (Linux, macOS, iOS, Android), 128 (Windows),
 * 255 (network equipment, some embedded stacks). */
unsigned mm_osguess_initial_ttl(uint8_t ttl)
{
    return ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

static bool tcp_rules(const struct mm_osguess *t, uint8_t ttl, const char *options,
                      struct mm_os_guess *g);

/* The memo key of a SYN: "<initial TTL>/<options>" ("\x01" for no options),
 * put together without snprintf (a scanner's SYNs ask thousands of times).
 * NULL when it does not fit. */
static const char *tcp_memo_key(uint8_t ttl, const char *options, char key[MEMO_TEXT_MAX + 1])
{
    unsigned initial = mm_osguess_initial_ttl(ttl);
    const char *prefix = initial == 64 ? "64/" : initial == 128 ? "128/" : "255/";
    size_t np = strlen(prefix), no;
    if (!options)
        options = "\x01";
    no = strlen(options);
    if (np + no > MEMO_TEXT_MAX)
        return NULL;
    memcpy(key, prefix, np);
    memcpy(key + np, options, no + 1);
    return key;
}

/* The answer depends on the initial TTL and the options only: memoised. */
bool mm_osguess_tcp(const struct mm_osguess *t, uint8_t ttl, const char *options,
                    struct mm_os_guess *g)
{
    char key[MEMO_TEXT_MAX + 1];
    struct memo_slot *sl;
    bool found;
    if (ttl == 0)
        return false;
    if (memo_recall(t, MEMO_TCP, tcp_memo_key(ttl, options, key), &sl, &found, g))
        return found;
    found = tcp_rules(t, ttl, options, g);
    memo_store(sl, MEMO_TCP, found, g);
    return found;
}

static bool tcp_rules(const struct mm_osguess *t, uint8_t ttl, const char *options,
                      struct mm_os_guess *g)
{
    size_t i;
    const json_t *rule, *rules = json_object_get(t->root, "tcp");
    json_array_foreach(rules, i, rule)
    {
        const char *o = str_of(rule, "options"), *op = str_of(rule, "options_prefix");
        if ((unsigned)json_integer_value(json_object_get(rule, "ttl")) !=
            mm_osguess_initial_ttl(ttl))
            continue;
        if (o && !(options && strcmp(options, o) == 0))
            continue;
        if (op && !(options && mm_str_prefix(options, op)))
            continue;
        return from_rule(t, rule, g);
    }
    return false;
}
