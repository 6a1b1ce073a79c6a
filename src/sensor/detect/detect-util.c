/* SPDX-License-Identifier: Apache-2.0
 * Shared detector helpers (detect-util.h): detector texts from
 * data/sensor/detectors.json, alert raising, suppression, hashing. */
#include "sensor/detect/detect-util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/data.h"
#include "core/error.h"
#include "core/fnv.h"
#include "core/hash.h"
#include "core/ini.h"
#include "core/str.h"
#include "sensor/sensor.h"

#define TEXTS_PATH "sensor/detectors.json"

static json_t *texts; /* loaded once; lives as long as the program */
static pthread_once_t texts_once = PTHREAD_ONCE_INIT;

static void load_texts(void)
{
    if (mm_data_json(TEXTS_PATH, &texts) != 0)
        texts = NULL;
}

static const json_t *variant_of(const char *detector, unsigned variant, unsigned *number)
{
    char key[MM_U64_STRLEN];
    pthread_once(&texts_once, load_texts);
    const json_t *d = json_object_get(texts, detector);
    mm_str_u64(variant, key);
    *number = (unsigned)json_integer_value(json_object_get(d, "number"));
    return json_object_get(json_object_get(d, "variants"), key);
}

uint32_t mm__detect_sid(const char *detector, unsigned variant)
{
    unsigned number;
    const json_t *v = variant_of(detector, variant, &number);
    return v && number ? MM_SID_BASE + 100u * number + variant : 0;
}

/* The value of placeholder name[0..n) for lang (NULL: none): the "name@lang"
 * entry when vars has one, else the "name" entry, as text (integers
 * printed into num); NULL when vars has neither as a string or integer. */
static const char *placeholder_value(const json_t *vars, const char *name, size_t n,
                                     const char *lang, char num[32])
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

bool mm__detect_format(const char *tmpl, const json_t *vars, const char *lang, char *out,
                       size_t outlen)
{
    size_t o = 0;
    bool whole = true;
    if (outlen == 0)
        return false;
    const char *p = tmpl;
    while (*p && o + 1 < outlen) {
        if (*p != '{') { /* a run of plain text, copied whole */
            size_t n = strcspn(p, "{");
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
                            ? placeholder_value(vars, p + 1, (size_t)(close - p - 1), lang, num)
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

uint32_t mm__detect_raise(struct mm_sensor *s, const char *detector, unsigned variant,
                          const struct mm__alert_at *at, json_t *vars, json_t *evidence,
                          const char *family)
{
    unsigned number;
    const json_t *v = variant_of(detector, variant, &number);
    char sig[512], ja[2048], en[2048];
    uint32_t sid = 0;
    if (!v || !number)
        goto out;
    sid = MM_SID_BASE + 100u * number + variant;
    const json_t *msg = json_object_get(v, "message");
    /* texts from detectors.json and vars' JSON strings are valid UTF-8; a
     * text cut to its buffer may end inside a character, and is checked */
    bool whole = mm__detect_format(json_string_value(json_object_get(v, "signature")), vars, NULL,
                                   sig, sizeof sig);
    whole &=
        mm__detect_format(json_string_value(json_object_get(msg, "ja")), vars, "ja", ja, sizeof ja);
    whole &=
        mm__detect_format(json_string_value(json_object_get(msg, "en")), vars, "en", en, sizeof en);
    json_t *meta = alert_metadata(detector, family);
    struct mm_eve_alert a = {
        .signature_id = sid,
        .signature = sig,
        .category = json_string_value(json_object_get(v, "category")),
        .severity = (enum mm_severity)json_integer_value(json_object_get(v, "severity")),
        .detector = detector,
        .message_ja = ja,
        .message_en = en,
        .metadata = meta,
        .evidence = evidence,
        .texts_valid = whole,
    };
    evidence = NULL; /* stolen by the alert */
    if (at->ev)
        mm_sensor_alert_event(s, at->ev, &a);
    else if (at->pkt)
        mm_sensor_alert_packet(s, at->pkt, &a);
    else
        mm_sensor_alert_at(s, mm_sensor_now(s), at->src, at->dst, &a);
out:
    json_decref(vars);
    json_decref(evidence);
    return sid;
}

/* ---- suppression ------------------------------------------------------------ */

struct slot {
    uint64_t key; /* 0: empty (keys are never 0: see norm_key) */
    int64_t last;
};

struct mm__suppress {
    struct slot *slots;
    size_t cap, count, max;
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
    t->slots = calloc(n, sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return MM_ENOMEM;
    }
    t->cap = n;
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

/* Rebuilds the table keeping only entries newer than cutoff. */
static void prune(struct mm__suppress *t, int64_t cutoff)
{
    struct slot *old = t->slots;
    struct slot *fresh = calloc(t->cap, sizeof *fresh);
    if (!fresh)
        return;
    t->slots = fresh;
    t->count = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (old[i].key && old[i].last >= cutoff) {
            *find_slot(t, old[i].key) = old[i];
            t->count++;
        }
    free(old);
}

bool mm__suppress_allow(struct mm__suppress *t, uint64_t key, int64_t now, int64_t window)
{
    key = norm_key(key);
    struct slot *sl = find_slot(t, key);
    if (sl->key) {
        if (now - sl->last < window && now >= sl->last)
            return false;
        sl->last = now;
        return true;
    }
    if (t->count >= t->max) {
        prune(t, now - window);
        if (t->count >= t->max) { /* forget the oldest half */
            int64_t lo = now, hi = now;
            for (size_t i = 0; i < t->cap; i++)
                if (t->slots[i].key && t->slots[i].last < lo)
                    lo = t->slots[i].last;
            prune(t, lo + (hi - lo) / 2 + 1);
        }
        sl = find_slot(t, key);
    }
    sl->key = key;
    sl->last = now;
    t->count++;
    return true;
}

bool mm__suppress_denies(struct mm__suppress *t, uint64_t key, int64_t now, int64_t window)
{
    const struct slot *sl = find_slot(t, norm_key(key));
    return sl->key && now - sl->last < window && now >= sl->last;
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
    return tv ? (int64_t)tv->tv_sec * 1000000 + tv->tv_usec : 0;
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

int mm__detect_settings_check(const struct mm_sensor *s, const char *detector,
                              const struct mm__setting *settings)
{
    char section[64];
    const struct mm_sensor_config *cfg = mm_sensor_config(s);
    snprintf(section, sizeof section, "detect.%s", detector);
    for (size_t i = 0; cfg && cfg->ini && i < mm_ini_count(cfg->ini); i++) {
        const char *sec, *key, *val;
        int line;
        long v;
        mm_ini_entry(cfg->ini, i, &sec, &key, &val, &line);
        if (strcasecmp(sec, section) != 0)
            continue;
        const struct mm__setting *st = settings;
        while (st && st->key && strcasecmp(st->key, key) != 0)
            st++;
        if (!st || !st->key)
            return MM_EINVAL; /* unknown setting */
        if (st->words ? !word_in(val, st->words)
                      : mm_ini_get_int(cfg->ini, section, key, 0, st->min, st->max, &v) != 0)
            return MM_EINVAL;
    }
    return 0;
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

/* Sets key (a literal) to the text v (from a JSON string or a literal:
 * valid UTF-8) in o; false when memory runs out. */
static bool set_valid_text(json_t *o, const char *key, const char *v)
{
    json_t *j = json_string_nocheck(v);
    return j && json_object_set_new_nocheck(o, key, j) == 0;
}

json_t *mm__device_vars(const json_t *dev)
{
    const json_t *os = json_object_get(dev, "os");
    const char *mac = json_string_value(json_object_get(dev, "mac"));
    const char *ip = json_string_value(json_array_get(json_object_get(dev, "ips"), 0));
    const char *name = json_string_value(json_array_get(json_object_get(dev, "hostnames"), 0));
    const char *vendor = json_string_value(json_object_get(dev, "vendor"));
    const char *os_en = json_string_value(json_object_get(os, "name"));
    const char *os_ja = json_string_value(json_object_get(os, "name_ja"));
    bool has_vendor = vendor && vendor[0];
    const char *const pairs[][2] = {{"name", name ? name : "unnamed device"},
                                    {"name@ja", name ? name : "名前不明の機器"},
                                    {"mac", mac ? mac : "-"},
                                    {"ip", ip ? ip : "-"},
                                    {"vendor", has_vendor ? vendor : "unknown"},
                                    {"vendor@ja", has_vendor ? vendor : "不明"},
                                    {"os", os_en ? os_en : "unknown"},
                                    {"os@ja", os_ja ? os_ja : "不明"},
                                    {"ip@ja", ip ? ip : "不明"},
                                    {"mac@ja", mac ? mac : "不明"}};
    /* the texts are the record's (JSON strings) or literals: no UTF-8 check */
    json_t *vars = json_object();
    for (size_t i = 0; vars && i < sizeof pairs / sizeof pairs[0]; i++)
        if (!set_valid_text(vars, pairs[i][0], pairs[i][1])) {
            json_decref(vars);
            vars = NULL;
        }
    return vars;
}

/* ---- detector state ------------------------------------------------------ */

int mm__detect_alloc(const struct mm_sensor *s, const char *detector,
                     const struct mm__setting *settings, size_t size, size_t sup_cap, void **state,
                     struct mm__suppress **sup)
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

int mm__detect_basic_init(const struct mm_sensor *s, const char *detector,
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
        if (v->memo[i].obj == obj && v->memo[i].key == key)
            return v->memo[i].value;
    json_t *value = json_object_get(obj, key);
    if (v->n < MM__EVENT_MEMO) {
        v->memo[v->n].obj = obj;
        v->memo[v->n].key = key;
        v->memo[v->n++].value = value;
    }
    return value;
}
