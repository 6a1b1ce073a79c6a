/* SPDX-License-Identifier: Apache-2.0
 * Shared detector helpers (detect-util.h): detector texts from
 * data/sensor/detectors.json and the device facts they name (each known
 * fact once, an unknown one left out), alert raising, suppression,
 * counting windows, hashing. */
#include "sensor/detect/detect-util.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/data.h"
#include "core/error.h"
#include "core/fnv.h"
#include "core/hash.h"
#include "core/ini.h"
#include "core/msg.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "sensor/device-facts.h"
#include "sensor/sensor.h"

#define TEXTS_PATH "sensor/detectors.json"

static json_t *texts; /* loaded once; lives as long as the program */
static pthread_once_t texts_once = PTHREAD_ONCE_INIT;

/* A variant's texts as detectors.json holds them, read once: an alert
 * finds them by a scan of this list instead of four JSON look-ups by name
 * (and the variant number's text). The pointers are the texts' own strings. */
struct variant_texts {
    const char *detector; /* the detector's key in detectors.json */
    unsigned variant, number;
    const char *signature, *ja, *en, *category;
    json_int_t severity;
};

static struct variant_texts *variants; /* NULL: not read (then the JSON is asked) */
static size_t variant_count;

/* The variant number a key of "variants" names: its decimal text without
 * leading zeros (what the look-up by mm_str_u64's text would find); false
 * for any other key. */
static bool variant_key(const char *key, unsigned *variant)
{
    char text[MM_U64_STRLEN];
    unsigned long long v = 0;
    for (const char *k = key; *k; k++) {
        if (*k < '0' || *k > '9' || v > UINT_MAX / 10)
            return false;
        v = v * 10 + (unsigned)(*k - '0');
    }
    if (v > UINT_MAX)
        return false;
    mm_str_u64(v, text);
    *variant = (unsigned)v;
    return strcmp(text, key) == 0;
}

/* Reads the variants of every detector into the list (left NULL when
 * memory runs out: alerts then read the JSON). */
static void read_variants(void)
{
    const char *name, *key;
    json_t *d, *v;
    size_t n = 0, i = 0;
    json_object_foreach(texts, name, d) n += json_object_size(json_object_get(d, "variants"));
    struct variant_texts *list = calloc(n ? n : 1, sizeof *list);
    if (!list)
        return;
    json_object_foreach(texts, name, d)
    {
        unsigned number = (unsigned)json_integer_value(json_object_get(d, "number"));
        json_object_foreach(json_object_get(d, "variants"), key, v)
        {
            struct variant_texts *t = &list[i];
            const json_t *msg = json_object_get(v, "message");
            if (i >= n || !variant_key(key, &t->variant))
                continue;
            t->detector = name;
            t->number = number;
            t->signature = json_string_value(json_object_get(v, "signature"));
            t->ja = json_string_value(json_object_get(msg, "ja"));
            t->en = json_string_value(json_object_get(msg, "en"));
            t->category = json_string_value(json_object_get(v, "category"));
            t->severity = json_integer_value(json_object_get(v, "severity"));
            i++;
        }
    }
    variants = list;
    variant_count = i;
}

static void load_texts(void)
{
    if (mm_data_json(TEXTS_PATH, &texts) != 0)
        texts = NULL;
    read_variants();
}

/* The texts of (detector, variant) from the JSON (when the list could not
 * be made), into *out; false when detectors.json has no such variant. */
static bool variant_from_json(const char *detector, unsigned variant, struct variant_texts *out)
{
    char key[MM_U64_STRLEN];
    const json_t *d = json_object_get(texts, detector);
    mm_str_u64(variant, key);
    const json_t *v = json_object_get(json_object_get(d, "variants"), key);
    const json_t *msg = json_object_get(v, "message");
    if (!v)
        return false;
    *out = (struct variant_texts){
        .detector = detector,
        .variant = variant,
        .number = (unsigned)json_integer_value(json_object_get(d, "number")),
        .signature = json_string_value(json_object_get(v, "signature")),
        .ja = json_string_value(json_object_get(msg, "ja")),
        .en = json_string_value(json_object_get(msg, "en")),
        .category = json_string_value(json_object_get(v, "category")),
        .severity = json_integer_value(json_object_get(v, "severity")),
    };
    return true;
}

/* The texts of (detector, variant), NULL when detectors.json has none;
 * spare holds them when they come from the JSON. */
static const struct variant_texts *variant_of(const char *detector, unsigned variant,
                                              struct variant_texts *spare)
{
    pthread_once(&texts_once, load_texts);
    if (!variants)
        return variant_from_json(detector, variant, spare) ? spare : NULL;
    for (size_t i = 0; i < variant_count; i++) {
        const struct variant_texts *t = &variants[i];
        if (t->variant == variant && t->detector[0] == detector[0] &&
            strcmp(t->detector, detector) == 0)
            return t;
    }
    return NULL;
}

uint32_t mm__detect_sid(const char *detector, unsigned variant)
{
    struct variant_texts spare;
    const struct variant_texts *t = variant_of(detector, variant, &spare);
    return t && t->number ? MM_SID_BASE + 100u * t->number + variant : 0;
}

/* ---- placeholders ------------------------------------------------------------ */

/* The placeholder values of one alert as a list: a key's text, or NULL
 * for a value that is neither a string nor an integer (it still hides a
 * plain name behind a "name@lang" entry, as the look-up in the object did). */
#define VARS_MAX 32

struct var_list {
    const struct mm__var *vars;
    size_t n;
    const json_t *json; /* more than VARS_MAX members: asked by name instead */
};

/* The entry of vars named name[0..n), followed by suffix[0..k) when k > 0. */
static const struct mm__var *find_var(const struct var_list *l, const char *name, size_t n,
                                      const char *suffix, size_t k)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct mm__var *v = &l->vars[i];
        if (v->key_len == n + k && memcmp(v->key, name, n) == 0 &&
            (k == 0 || memcmp(v->key + n, suffix, k) == 0))
            return v;
    }
    return NULL;
}

/* The value of placeholder name[0..n) for lang from a JSON object (the
 * list's fallback), integers printed into num. */
static const char *json_value(const json_t *vars, const char *name, size_t n, const char *lang,
                              char num[32])
{
    char key[48]; /* "name@lang", cut to 47 bytes */
    const json_t *v = NULL;
    memcpy(key, name, n);
    key[n] = '\0';
    if (lang) { /* "os@ja" overrides "os" in the Japanese text */
        char langed[48];
        size_t k = strlen(lang);
        memcpy(langed, name, n);
        langed[n] = '@';
        if (k > sizeof langed - n - 2)
            k = sizeof langed - n - 2;
        memcpy(langed + n + 1, lang, k);
        langed[n + 1 + k] = '\0';
        v = json_object_get(vars, langed);
    }
    if (!v)
        v = json_object_get(vars, key);
    if (json_is_integer(v)) {
        snprintf(num, 32, "%lld", (long long)json_integer_value(v));
        return num;
    }
    return json_string_value(v);
}

/* The value of placeholder name[0..n) (n <= 30) for lang (NULL: none): the
 * "name@lang" entry when there is one, else the "name" entry; NULL when
 * neither holds a string or an integer. */
static const char *placeholder_value(const struct var_list *l, const char *name, size_t n,
                                     const char *lang, char num[32])
{
    if (l->json)
        return json_value(l->json, name, n, lang, num);
    const struct mm__var *v = NULL;
    if (lang) {
        char suffix[48]; /* "@lang", cut as "name@lang" is cut to 47 bytes */
        size_t k = strlen(lang);
        if (k > 46 - n)
            k = 46 - n;
        suffix[0] = '@';
        memcpy(suffix + 1, lang, k);
        v = find_var(l, name, n, suffix, k + 1);
    }
    if (!v)
        v = find_var(l, name, n, NULL, 0);
    return v ? v->text : NULL;
}

static bool format_list(const char *tmpl, const struct var_list *l, const char *lang, char *out,
                        size_t outlen)
{
    size_t o = 0;
    bool whole = true;
    if (outlen == 0)
        return false;
    const char *p = tmpl ? tmpl : "";
    while (*p && o + 1 < outlen) {
        if (*p != '{') {                                /* a run of plain text, copied whole */
            size_t n = (size_t)(strchrnul(p, '{') - p); /* strcspn of one byte cost 4x */
            if (n > outlen - 1 - o) {
                n = outlen - 1 - o;
                whole = false;
            }
            memcpy(out + o, p, n);
            o += n;
            p += n;
            continue;
        }
        const char *close = strchr(p, '}');
        char num[32];
        const char *s = close && close - p < 32
                            ? placeholder_value(l, p + 1, (size_t)(close - p - 1), lang, num)
                            : NULL;
        if (s) {
            size_t n = strlen(s);
            if (n > outlen - o - 1) {
                n = outlen - o - 1;
                whole = false;
            }
            memcpy(out + o, s, n);
            o += n;
            p = close + 1;
            continue;
        }
        out[o++] = *p++; /* not a placeholder: the '{' stays */
    }
    out[o] = '\0';
    return whole && *p == '\0';
}

/* An integer as "%lld" prints it. */
static void integer_text(json_int_t v, char num[32])
{
    if (v >= 0) {
        mm_str_u64((uint64_t)v, num);
        return;
    }
    snprintf(num, 32, "%lld", (long long)v);
}

/* The members of vars (an object, or NULL: none) as a list in vars_out,
 * integers printed into nums; an object of more than VARS_MAX members is
 * left to be asked by name. */
static struct var_list list_of(const json_t *vars, struct mm__var vars_out[VARS_MAX],
                               char nums[VARS_MAX][32])
{
    struct var_list l = {vars_out, 0, NULL};
    const char *key;
    json_t *value;
    if (json_object_size(vars) > VARS_MAX) {
        l.json = vars;
        return l;
    }
    void *it;
    for (it = json_object_iter((json_t *)vars); it && l.n < VARS_MAX;
         it = json_object_iter_next((json_t *)vars, it)) {
        struct mm__var *v = &vars_out[l.n++];
        key = json_object_iter_key(it);
        value = json_object_iter_value(it);
        v->key = key;
        v->key_len = json_object_iter_key_len(it);
        v->text = json_string_value(value);
        if (json_is_integer(value)) {
            integer_text(json_integer_value(value), nums[l.n - 1]);
            v->text = nums[l.n - 1];
        }
    }
    return l;
}

bool mm__detect_format(const char *tmpl, const json_t *vars, const char *lang, char *out,
                       size_t outlen)
{
    struct mm__var list[VARS_MAX];
    char nums[VARS_MAX][32];
    struct var_list l = list_of(vars, list, nums);
    return format_list(tmpl, &l, lang, out, outlen);
}

/* A one-element array of the text s (json_string: NULL for invalid UTF-8). */
static json_t *text_array(const char *s)
{
    json_t *arr = json_array(), *v = json_string(s);
    if (!arr || !v || json_array_append_new(arr, v) != 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

/* The alert's "metadata": {"mamori_detector": [detector]} and, when family
 * is not empty (and valid UTF-8), "malware_family": [family]; NULL when the
 * detector's name is not valid UTF-8 or memory runs out. */
static json_t *alert_metadata(const char *detector, const char *family)
{
    json_t *meta = json_object(), *names = text_array(detector);
    if (!meta || !names || json_object_set_new_nocheck(meta, "mamori_detector", names) != 0) {
        json_decref(meta);
        return NULL;
    }
    json_t *families = family && family[0] ? text_array(family) : NULL;
    if (families)
        json_object_set_new_nocheck(meta, "malware_family", families);
    return meta;
}

bool mm__detect_format_texts(const char *tmpl, const struct mm__var *vars, size_t nvars,
                             const char *lang, char *out, size_t outlen)
{
    const struct var_list l = {vars, nvars, NULL};
    return format_list(tmpl, &l, lang, out, outlen);
}

/* Raises the alert of texts t with the placeholders of l (the common part
 * of mm__detect_raise and mm__detect_raise_texts); evidence is stolen. */
static void raise_with(struct mm_sensor *s, const char *detector, const struct variant_texts *t,
                       uint32_t sid, const struct mm__alert_at *at, const struct var_list *l,
                       json_t *evidence, const char *family)
{
    char sig[512], ja[2048], en[2048];
    /* texts from detectors.json and the values' strings are valid UTF-8; a
     * text cut to its buffer may end inside a character, and is checked */
    bool whole = format_list(t->signature, l, NULL, sig, sizeof sig);
    whole &= format_list(t->ja, l, "ja", ja, sizeof ja);
    whole &= format_list(t->en, l, "en", en, sizeof en);
    json_t *meta = alert_metadata(detector, family);
    struct mm_eve_alert a = {
        .signature_id = sid,
        .signature = sig,
        .category = t->category,
        .severity = (enum mm_severity)t->severity,
        .detector = detector,
        .message_ja = ja,
        .message_en = en,
        .metadata = meta,
        .evidence = evidence,
        .texts_valid = whole,
    };
    if (at->ev)
        mm_sensor_alert_event(s, at->ev, &a);
    else if (at->pkt)
        mm_sensor_alert_packet(s, at->pkt, &a);
    else
        mm_sensor_alert_at(s, mm_sensor_now(s), at->src, at->dst, &a);
}

uint32_t mm__detect_raise(struct mm_sensor *s, const char *detector, unsigned variant,
                          const struct mm__alert_at *at, json_t *vars, json_t *evidence,
                          const char *family)
{
    struct variant_texts spare;
    const struct variant_texts *t = variant_of(detector, variant, &spare);
    uint32_t sid = 0;
    if (t && t->number) {
        struct mm__var list[VARS_MAX];
        char nums[VARS_MAX][32];
        struct var_list l = list_of(vars, list, nums);
        sid = MM_SID_BASE + 100u * t->number + variant;
        raise_with(s, detector, t, sid, at, &l, evidence, family);
        evidence = NULL; /* stolen by the alert */
    }
    json_decref(vars);
    json_decref(evidence);
    return sid;
}

uint32_t mm__detect_raise_texts(struct mm_sensor *s, const char *detector, unsigned variant,
                                const struct mm__alert_at *at, const struct mm__var *vars,
                                size_t nvars, json_t *evidence, const char *family)
{
    struct variant_texts spare;
    const struct variant_texts *t = variant_of(detector, variant, &spare);
    if (!t || !t->number) {
        json_decref(evidence);
        return 0;
    }
    uint32_t sid = MM_SID_BASE + 100u * t->number + variant;
    const struct var_list l = {vars, nvars, NULL};
    raise_with(s, detector, t, sid, at, &l, evidence, family);
    return sid;
}

/* ---- suppression ------------------------------------------------------------ */

/* A key's latest alerts, newest raised first: at[0] is the last, at[1]
 * the one before it, and so on (a key that alerted fewer times repeats its
 * first time). In time order at[0] is the latest unless the capture's time
 * stamps went back. */
#define SUPPRESS_TIMES 4
struct slot {
    uint64_t key; /* 0: empty (keys are never 0: see norm_key) */
    int64_t at[SUPPRESS_TIMES];
};

/* The table starts with SUPPRESS_FIRST_SLOTS slots and doubles whenever
 * half of them are taken, up to cap_max (at least twice the keys it keeps):
 * slots are 40 bytes, and a detector's table sized for its most keys at
 * once (the intel detector's 65,536: 5.2 MB) was mostly never used, yet
 * its few keys, hashed over all of it, touched nearly every page for the
 * first time (a page fault each; on the bench capture, 10 k asks of the
 * intel detector's table cost about 3 % of the run). */
#define SUPPRESS_FIRST_SLOTS 64

struct mm__suppress {
    struct slot *slots;
    size_t cap, cap_max, count, max;
};

static uint64_t norm_key(uint64_t k)
{
    return k ? k : 1;
}

int mm__suppress_new(size_t cap, struct mm__suppress **out)
{
    *out = NULL;
    struct mm__suppress *t = calloc(1, sizeof *t);
    size_t n = 16;
    if (!t)
        return MM_ENOMEM;
    while (n < cap * 2)
        n *= 2;
    t->cap = n < SUPPRESS_FIRST_SLOTS ? n : SUPPRESS_FIRST_SLOTS;
    t->slots = calloc(t->cap, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return MM_ENOMEM;
    }
    t->cap_max = n;
    t->max = cap;
    *out = t;
    return 0;
}

void mm__suppress_free(struct mm__suppress *t)
{
    if (!t)
        return;
    free(t->slots);
    free(t);
}

static struct slot *find_slot(struct mm__suppress *t, uint64_t key)
{
    size_t j = (size_t)(key ^ (key >> 29)) & (t->cap - 1);
    while (t->slots[j].key && t->slots[j].key != key)
        j = (j + 1) & (t->cap - 1);
    return &t->slots[j];
}

static int64_t slot_newest(const struct slot *sl)
{
    int64_t t = sl->at[0];
    for (int i = 1; i < SUPPRESS_TIMES; i++)
        t = sl->at[i] > t ? sl->at[i] : t;
    return t;
}

/* Whether an alert at t suppresses one at now: at or before now, less than
 * window before it. */
static bool within(int64_t t, int64_t now, int64_t window)
{
    return now >= t && now - t < window;
}

/* Whether one of the key's latest alerts suppresses an alert at now. With
 * time stamps that only move forward, the others lie before at[0] and only
 * it can answer yes. The others matter in a capture whose time stamps go
 * back and forth between recordings (merged, interleaved: the same scanner
 * is seen alternately in two years): each alert then lies a year after or
 * before another, and a single time would let every alternation alert
 * again, one alert per packet. Four times serve four recordings taking
 * turns (two, kept until 2026-11, served two: three recordings a year
 * apart re-alerted at every change). */
static bool slot_denies(const struct slot *sl, int64_t now, int64_t window)
{
    for (int i = 0; i < SUPPRESS_TIMES; i++)
        if (within(sl->at[i], now, window))
            return true;
    return false;
}

/* Rebuilds the table in cap slots, keeping only entries newer than cutoff
 * (all: INT64_MIN). False when out of memory (the table is unchanged). */
static bool rebuild(struct mm__suppress *t, size_t cap, int64_t cutoff)
{
    struct slot *old = t->slots;
    size_t old_cap = t->cap;
    struct slot *fresh = calloc(cap, sizeof *fresh);
    if (!fresh)
        return false;
    t->slots = fresh;
    t->cap = cap;
    t->count = 0;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key && slot_newest(&old[i]) >= cutoff) {
            *find_slot(t, old[i].key) = old[i];
            t->count++;
        }
    free(old);
    return true;
}

/* Rebuilds the table keeping only entries newer than cutoff. */
static void prune(struct mm__suppress *t, int64_t cutoff)
{
    (void)rebuild(t, t->cap, cutoff);
}

/* Doubles the slots when a new key would fill more than half of them (as
 * the full-size table, twice max, never is: see mm__suppress_new). Out of
 * memory, the table stays as it is, with longer probes (and, nearly full,
 * lets new keys through unremembered: see mm__suppress_allow). */
static void grow_for_one_more(struct mm__suppress *t)
{
    if (t->cap < t->cap_max && (t->count + 1) * 2 > t->cap)
        (void)rebuild(t, t->cap * 2, INT64_MIN);
}

/* Whether w's span stays within len with now added. */
static bool window_takes(const struct mm__window *w, int64_t now, int64_t len)
{
    return w->count > 0 && (now > w->hi ? now : w->hi) - (now < w->lo ? now : w->lo) <= len;
}

/* How far now lies from w's span (0 inside it). */
static int64_t window_distance(const struct mm__window *w, int64_t now)
{
    return now > w->hi ? now - w->hi : now < w->lo ? w->lo - now : 0;
}

long mm__window_count(struct mm__window w[2], int64_t now, int64_t len)
{
    bool t0 = window_takes(&w[0], now, len), t1 = window_takes(&w[1], now, len);
    struct mm__window *c;
    if (t0 || t1)
        c = t0 && t1 ? &w[w[1].lo > w[0].lo] : &w[t1];
    else {
        c = !w[0].count                                                 ? &w[0]
            : !w[1].count                                               ? &w[1]
            : window_distance(&w[1], now) < window_distance(&w[0], now) ? &w[1]
                                                                        : &w[0];
        c->lo = c->hi = now;
        c->count = 0;
    }
    c->lo = now < c->lo ? now : c->lo;
    c->hi = now > c->hi ? now : c->hi;
    return ++c->count;
}

bool mm__suppress_allow(struct mm__suppress *t, uint64_t key, int64_t now, int64_t window)
{
    key = norm_key(key);
    struct slot *sl = find_slot(t, key);
    if (sl->key) {
        if (slot_denies(sl, now, window))
            return false;
        memmove(sl->at + 1, sl->at, (SUPPRESS_TIMES - 1) * sizeof sl->at[0]);
        sl->at[0] = now;
        return true;
    }
    if (t->count >= t->max) {
        prune(t, now - window);
        if (t->count >= t->max) { /* forget the oldest half */
            int64_t lo = now, hi = now;
            for (size_t i = 0; i < t->cap; i++)
                if (t->slots[i].key && slot_newest(&t->slots[i]) < lo)
                    lo = slot_newest(&t->slots[i]);
            prune(t, lo + (hi - lo) / 2 + 1);
        }
    }
    /* none could be dropped (every key lies after now): the alert goes
     * out, not remembered, so the table never holds more than max keys
     * and stays at most half full (short probes for every look-up) */
    if (t->count >= t->max)
        return true;
    grow_for_one_more(t);
    if (t->count + 1 >= t->cap) /* could not grow (out of memory): a slot */
        return true;            /* must stay empty; likewise not remembered */
    sl = find_slot(t, key);     /* the table may have been rebuilt */
    sl->key = key;
    for (int i = 0; i < SUPPRESS_TIMES; i++)
        sl->at[i] = now;
    t->count++;
    return true;
}

bool mm__suppress_denies(struct mm__suppress *t, uint64_t key, int64_t now, int64_t window)
{
    const struct slot *sl = find_slot(t, norm_key(key));
    return sl->key && slot_denies(sl, now, window);
}

size_t mm__suppress_count(const struct mm__suppress *t)
{
    return t->count;
}

uint64_t mm__hash64(const void *p, size_t n, uint64_t seed)
{
    uint64_t h = mm_fnv1a64(MM_FNV64_MAMORI_BASIS ^ seed, p, n);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

uint64_t mm__keyed64(const void *p, size_t n, uint64_t chain)
{
    struct mm_siphash c;
    mm_siphash_init(&c, &mm_process_key);
    mm_siphash_update(&c, &chain, sizeof chain);
    mm_siphash_update(&c, p, n);
    return mm_siphash_final(&c);
}

uint64_t mm__keyed_str(const char *s, uint64_t chain)
{
    return mm__keyed64(s ? s : "", s ? strlen(s) : 0, chain);
}

/* An address as the 17 bytes its hashes take: family, then its bytes. */
static void addr_key(const struct mm_addr *a, uint8_t k[17])
{
    k[0] = a->family;
    memcpy(k + 1, a->bytes, 16);
}

uint64_t mm__keyed_addr(const struct mm_addr *a, uint64_t chain)
{
    uint8_t k[17];
    addr_key(a, k);
    return mm__keyed64(k, sizeof k, chain);
}

uint64_t mm__hash_str(const char *s, uint64_t seed)
{
    return mm__hash64(s ? s : "", s ? strlen(s) : 0, seed);
}

uint64_t mm__hash_addr(const struct mm_addr *a, uint64_t seed)
{
    uint8_t k[17];
    addr_key(a, k);
    return mm__hash64(k, sizeof k, seed);
}

uint64_t mm__hash_fast(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *b = p;
    uint64_t h = seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ull), w;
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            h = (h ^ b[i]) * 0x100000001b3ull;
    } else {
        for (size_t i = 0; i + 8 <= n; i += 8) {
            memcpy(&w, b + i, 8);
            h = (h ^ w) * 0xff51afd7ed558ccdull;
            h ^= h >> 32;
        }
        memcpy(&w, b + n - 8, 8); /* the last eight bytes, overlapping when n is no multiple */
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
    }
    return h ^ (h >> 29);
}

int64_t mm__detect_now(const struct mm_sensor *s)
{
    const struct timeval *tv = mm_sensor_now(s);
    return tv ? mm_time_to_usec(tv) : 0;
}

static bool word_in(const char *v, const char *words)
{
    size_t n = strlen(v);
    for (const char *w = words; w && *w;) {
        const char *bar = strchr(w, '|');
        size_t k = bar ? (size_t)(bar - w) : strlen(w);
        if (k == n && strncasecmp(w, v, n) == 0)
            return true;
        w = bar ? bar + 1 : NULL;
    }
    return false;
}

const char *mm__detect_settings_error(struct mm_sensor *s)
{
    return mm_sensor_settings_error(s);
}

/* "a|b" as "a, b" into out. */
static void words_text(const char *words, char *out, size_t len)
{
    size_t n = 0;
    for (const char *w = words; *w && n + 3 < len; w++) {
        if (*w == '|') {
            out[n++] = ',';
            out[n++] = ' ';
        } else {
            out[n++] = *w;
        }
    }
    out[n] = '\0';
}

/* The keys of settings, as "a, b, c". */
static void keys_text(const struct mm__setting *settings, char *out, size_t len)
{
    out[0] = '\0';
    for (const struct mm__setting *st = settings; st && st->key; st++)
        snprintf(out + strlen(out), len - strlen(out), "%s%s", st == settings ? "" : ", ", st->key);
}

int mm__detect_settings_check_ini(const struct mm_ini *ini, const char *path, const char *detector,
                                  const struct mm__setting *settings, char *why, size_t whylen)
{
    char section[64], allowed[256];
    snprintf(section, sizeof section, "detect.%s", detector);
    const char *key, *val;
    long v;
    why[0] = '\0';
    /* walks the whole section: every key in it is read here (and so never
     * warned about as unread), a key the detector does not take refused */
    for (size_t pos = 0; mm_ini_next(ini, &pos, section, NULL, &key, &val);) {
        const struct mm__setting *st = settings;
        while (st && st->key && strcasecmp(st->key, key) != 0)
            st++;
        if (!st || !st->key) {
            keys_text(settings, allowed, sizeof allowed);
            mm_msg_format(why, whylen, "sensor-log", "config.detect_unknown_key", path, section,
                          key, detector, allowed);
            return MM_EINVAL;
        }
        if (st->words && !word_in(val, st->words)) {
            words_text(st->words, allowed, sizeof allowed);
            mm_msg_format(why, whylen, "sensor-log", "config.detect_word", path, section, key,
                          allowed, val);
            return MM_EINVAL;
        }
        if (!st->words && mm_ini_get_int(ini, section, key, 0, st->min, st->max, &v) != 0) {
            mm_msg_format(why, whylen, "sensor-log", "config.range", path, section, key, st->min,
                          st->max);
            return MM_EINVAL;
        }
    }
    return 0;
}

int mm__detect_settings_check(struct mm_sensor *s, const char *detector,
                              const struct mm__setting *settings)
{
    const struct mm_sensor_config *cfg = mm_sensor_config(s);
    return mm__detect_settings_check_ini(cfg->ini, mm_sensor_config_name(cfg->config_path),
                                         detector, settings, mm_sensor_settings_error(s),
                                         MM_SENSOR_SETTINGS_ERROR);
}

long mm__detect_int(const struct mm_sensor *s, const char *detector, const char *key, long def,
                    long min, long max)
{
    char section[64];
    long v = def;
    const struct mm_sensor_config *cfg = mm_sensor_config(s);
    snprintf(section, sizeof section, "detect.%s", detector);
    if (!cfg || !cfg->ini || mm_ini_get_int(cfg->ini, section, key, def, min, max, &v) != 0)
        return def;
    return v;
}

bool mm__detect_word_is(const struct mm_sensor *s, const char *detector, const char *key,
                        const char *want)
{
    char section[64];
    const struct mm_sensor_config *cfg = mm_sensor_config(s);
    snprintf(section, sizeof section, "detect.%s", detector);
    const char *v = cfg && cfg->ini ? mm_ini_get(cfg->ini, section, key) : NULL;
    return v && strcasecmp(v, want) == 0;
}

json_t *mm__json_addr(const struct mm_addr *a)
{
    char s[MM_ADDR_STRLEN];
    mm_addr_format(a, s, sizeof s);
    return json_string(s);
}

json_t *mm__object_of(const char *const keys[], json_t *const values[], size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++)
        if (!values[i] || json_object_set_nocheck(o, keys[i], values[i]) != 0) {
            json_decref(o);
            o = NULL;
        }
    return o;
}

json_t *mm__strings_object(const char *const keys[], const char *const texts[], size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        json_t *v = texts[i] ? json_string(texts[i]) : NULL; /* NULL: not valid UTF-8 */
        if (!v || json_object_set_new_nocheck(o, keys[i], v) != 0) {
            json_decref(o);
            o = NULL;
        }
    }
    return o;
}

size_t mm__texts_var_list(const char *const keys[], const char *const texts[], size_t n,
                          struct mm__var out[])
{
    for (size_t i = 0; i < n; i++) {
        if (!texts[i] || !mm_utf8_valid(texts[i], strlen(texts[i]), NULL))
            return 0;
        out[i] = (struct mm__var){keys[i], strlen(keys[i]), texts[i]};
    }
    return n;
}

/* Cuts buf (cap bytes), which snprintf wrote w bytes of text into, at its
 * last whole character when the text did not fit. */
static void trim_if_cut(char *buf, size_t cap, int w)
{
    if (w > 0 && (size_t)w >= cap)
        buf[mm_utf8_trim_tail(buf, strlen(buf))] = '\0';
}

/* Appends "sep label value" to buf (cap bytes), cut at a whole character. */
static void facts_append(char *buf, size_t cap, const char *sep, const char *label,
                         const char *value)
{
    size_t n = strlen(buf);
    if (n >= cap - 1)
        return;
    int w = snprintf(buf + n, cap - n, "%s%s%s", n ? sep : "", label, value);
    trim_if_cut(buf + n, cap - n, w);
}

void mm__facts_add(struct mm__facts *out, const char *ja_label, const char *ja_value,
                   const char *en_label, const char *en_value)
{
    facts_append(out->ja, sizeof out->ja, "、", ja_label, ja_value);
    facts_append(out->en, sizeof out->en, ", ", en_label, en_value);
}

/* True for a family whose names describe a device ("Computer running …",
 * "Printer or …") and so read in lower case after "likely", with an
 * article: "likely a printer …", "likely an embedded device …". */
static bool names_a_kind(const char *family)
{
    return family && (strcmp(family, "unix") == 0 || strcmp(family, "embedded") == 0);
}

void mm__facts_add_likely_os(struct mm__facts *out, const char *ja_label,
                             const struct mm__device_os *os)
{
    char en[256];
    const char *label = "likely ";
    snprintf(en, sizeof en, "%s", os->name);
    if (names_a_kind(os->family) && en[0] >= 'A' && en[0] <= 'Z') { /* ASCII only */
        en[0] = (char)(en[0] - 'A' + 'a');
        label = strchr("aeiou", en[0]) ? "likely an " : "likely a ";
    }
    mm__facts_add(out, ja_label, os->name_ja ? os->name_ja : os->name, label, en);
}

void mm__facts_add_numbers(struct mm__facts *out, const json_t *dev)
{
    const char *mac = json_string_value(json_object_get(dev, "mac"));
    const char *ip = json_string_value(json_array_get(json_object_get(dev, "ips"), 0));
    char ja[256], en[256];
    if (!mac && !ip)
        return;
    if (mac && ip) {
        snprintf(ja, sizeof ja, "MAC アドレス %s・IP アドレス %s", mac, ip);
        snprintf(en, sizeof en, "MAC address %s, IP address %s", mac, ip);
    } else {
        snprintf(ja, sizeof ja, "%s アドレス %s", mac ? "MAC" : "IP", mac ? mac : ip);
        snprintf(en, sizeof en, "%s address %s", mac ? "MAC" : "IP", mac ? mac : ip);
    }
    mm__facts_add(out, "機器の番号 ", ja, mac && ip ? "device numbers: " : "device number: ", en);
}

/* The device's label: number (its IP address, else its MAC), then its
 * name in brackets when it has one (name NULL: none). */
static void device_label(const char *number, const char *name, struct mm__facts *out)
{
    int w = name ? snprintf(out->ja, sizeof out->ja, "%s(%s)", number, name)
                 : snprintf(out->ja, sizeof out->ja, "%s", number);
    trim_if_cut(out->ja, sizeof out->ja, w);
    w = name ? snprintf(out->en, sizeof out->en, "%s (%s)", number, name)
             : snprintf(out->en, sizeof out->en, "%s", number);
    trim_if_cut(out->en, sizeof out->en, w);
}

size_t mm__device_var_list(const json_t *dev, struct mm__device_texts *texts,
                           struct mm__var out[MM__DEVICE_VARS])
{
    struct mm__device_facts spare;
    const struct mm__device_facts *f = mm__device_facts_get(dev, &spare);
    const char *mac = json_string_value(json_object_get(dev, "mac"));
    const char *ip = json_string_value(json_array_get(json_object_get(dev, "ips"), 0));
    const char *name = json_string_value(json_array_get(f->hostnames, 0));
    const char *number = ip ? ip : mac ? mac : "";
    device_label(number, name, &texts->label);
    int w = snprintf(texts->numbers, sizeof texts->numbers, "%s%s%s", mac ? mac : "",
                     mac && ip ? " " : "", ip ? ip : "");
    trim_if_cut(texts->numbers, sizeof texts->numbers, w);
    const char *os_en = f->os.name ? f->os.name : "";
    const char *const pairs[MM__DEVICE_VARS][2] = {
        {"device", texts->label.en},
        {"device@ja", texts->label.ja},
        {"numbers", texts->numbers},
        {"who", name ? name : number},
        {"os", os_en},
        {"os@ja", f->os.name_ja ? f->os.name_ja : os_en}};
    for (size_t i = 0; i < MM__DEVICE_VARS; i++)
        out[i] = (struct mm__var){pairs[i][0], strlen(pairs[i][0]), pairs[i][1]};
    return MM__DEVICE_VARS;
}

/* ---- detector state ------------------------------------------------------ */

int mm__detect_alloc(struct mm_sensor *s, const char *detector, const struct mm__setting *settings,
                     size_t size, size_t sup_cap, void **state, struct mm__suppress **sup)
{
    *state = NULL;
    *sup = NULL;
    if (mm__detect_settings_check(s, detector, settings) != 0)
        return MM_EINVAL;
    void *st = calloc(1, size);
    if (!st)
        return MM_ENOMEM;
    int r = mm__suppress_new(sup_cap, sup);
    if (r != 0) {
        free(st);
        return r;
    }
    *state = st;
    return 0;
}

int mm__detect_basic_init(struct mm_sensor *s, const char *detector,
                          const struct mm__setting *settings, size_t sup_cap, long window_def,
                          long window_max, void **state)
{
    void *mem;
    struct mm__suppress *sup;
    int r = mm__detect_alloc(s, detector, settings, sizeof(struct mm__detect_basic), sup_cap, &mem,
                             &sup);
    if (r != 0)
        return r;
    struct mm__detect_basic *st = mem;
    st->sup = sup;
    st->window =
        mm__detect_int(s, detector, "suppress_seconds", window_def, 0, window_max) * 1000000LL;
    *state = st;
    return 0;
}

void mm__detect_basic_free(void *state)
{
    struct mm__detect_basic *st = state;
    if (st)
        mm__suppress_free(st->sup);
    free(st);
}

const char *mm__jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- the event being handed out ------------------------------------------ */

_Thread_local struct mm__event_view mm__event_view;

json_t *mm__event_get(const json_t *obj, const char *key)
{
    struct mm__event_view *v = &mm__event_view;
    if (!v->ev || !obj)
        return json_object_get(obj, key);
    for (unsigned i = 0; i < v->n; i++)
        if (v->memo[i].obj == obj &&
            (v->memo[i].key == key || (v->memo[i].by_text && v->memo[i].key[0] == key[0] &&
                                       strcmp(v->memo[i].key, key) == 0)))
            return v->memo[i].value;
    json_t *value = json_object_get(obj, key);
    if (v->n < MM__EVENT_MEMO) {
        v->memo[v->n].obj = obj;
        v->memo[v->n].key = key;
        v->memo[v->n].by_text = false;
        v->memo[v->n++].value = value;
    }
    return value;
}
