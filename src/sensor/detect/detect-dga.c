/* SPDX-License-Identifier: Apache-2.0
 * Detector "suspicious-dns" (signature ids 9100801-9100803):
 *   1 a DNS name that looks machine-generated (DGA): the label just left of
 *     the ICANN public suffix is long (>= min_length, default 10), has high
 *     character entropy (>= 3.0 bits) and reads unlike words (few vowels, a
 *     long consonant run, or digits mixed through letters). Checked on
 *     queries and on NXDOMAIN answers.
 *   2 many NXDOMAIN answers to one client (>= nxdomain, default 20, within
 *     window_seconds, default 300).
 *   3 a possible DNS tunnel: one client querying many long, high-entropy
 *     names under one registrable domain (>= tunnel_queries, default 20,
 *     names whose part left of the registrable domain is >= tunnel_length,
 *     default 30, characters with >= 3.5 bits of entropy, within
 *     window_seconds), as iodine or dnscat do.
 * [detect.suspicious-dns] clients = home|any (home: only home clients).
 * Suppression: one alert per (client, variant) per suppress_seconds (3600).
 * At most 4096 clients are counted at once (the table restarts when full). */
#include <ctype.h>
#include <libpsl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/str.h"
#include "sensor/decode/dns-facts.h"
#include "sensor/detect/detect-util.h"
#include "sensor/sensor.h"

#define NAME       "suspicious-dns"
#define CLIENTS    4096
#define MEMOS      1024 /* names whose facts are remembered, in sets of two */
#define SUFFIXES   1024 /* public suffix list answers remembered, by suffix */
#define SUFFIX_MAX 62   /* longer suffixes are asked every time */

/* The counts keep two windows (mm__window_count): a capture whose time
 * stamps go back and forth between two recordings counts within each. */
struct client {
    struct mm_addr addr;
    bool used;
    struct mm__window nx[2];
};

/* Per (client, registrable domain) counter of long encoded names. */
struct tunnel {
    uint64_t key;
    struct mm__window w[2];
};

/* A name split around its registrable domain (by the ICANN public suffix
 * list): for "x.a.xkqwz.co.jp", lower = "x.a.xkqwz.co.jp", reg = offset of
 * "xkqwz.co.jp", label_len = 5. False for suffixes and unusable names. */
struct split {
    char lower[256];
    size_t reg, label_len;
};

/* What a name alone decides (the settings are fixed at start): whether it
 * splits (ok, reg as in struct split), whether its registrable label looks
 * machine-generated (variant 1) and whether the part left of the
 * registrable domain looks encoded (variant 3: long, high entropy). */
struct name_facts {
    bool ok, generated, encoded;
    uint8_t reg; /* names are shorter than 256 bytes */
};

/* The facts of one lower-case name, remembered: asking the public suffix
 * list costs about 3 000 instructions per label, and most names repeat
 * (queries and their answers, the same sites again and again). A name may
 * sit in either slot of its set (the one used less recently is replaced),
 * so two busy names that hash alike do not keep evicting each other. */
struct name_memo {
    bool used;
    bool recent; /* first slot of a set: which of the two was used last */
    uint8_t len;
    struct name_facts facts;
    char name[255]; /* lower case, without a final dot; len bytes, not terminated */
};

/* The public suffix list's answer for one suffix ("example.co.jp",
 * "co.jp", "jp"): a name the name memo does not hold asks it for each of
 * its suffixes, and names of one site share all but their first ones
 * ("a1.cdn.example.com", "b2.cdn.example.com"). Direct-mapped by suffix. */
struct suffix_memo {
    uint8_t len; /* 0: unused */
    bool is_public;
    char text[SUFFIX_MAX]; /* len bytes, not terminated */
};

struct dga_state {
    struct mm__suppress *sup;
    struct client *clients;
    struct tunnel *tunnels;       /* CLIENTS slots, direct-mapped by key */
    struct name_memo *memos;      /* MEMOS slots in sets of two, by name */
    struct suffix_memo *suffixes; /* SUFFIXES slots */
    size_t nclients;
    psl_ctx_t *psl_owned;
    const psl_ctx_t *psl;
    int64_t window, suppress;
    long min_length, nxdomain, tunnel_length, tunnel_queries;
    bool any_client;
    /* The last client address text parsed and whether it is a home
     * address (fixed for a run): a request and its answer, and most of a
     * client's queries, name the same client one after another. */
    char client_text[MM_ADDR_STRLEN];
    struct mm_addr client_addr;
    bool client_home;
};

static const struct mm__setting settings[] = {
    {"window_seconds", 1, 86400, NULL},  {"suppress_seconds", 0, 7 * 86400, NULL},
    {"min_length", 6, 63, NULL},         {"nxdomain", 2, 100000, NULL},
    {"clients", 0, 0, "home|any"},       {"tunnel_length", 16, 253, NULL},
    {"tunnel_queries", 2, 100000, NULL}, {NULL, 0, 0, NULL}};

static void dga_free(void *state);

static int dga_init(struct mm_sensor *s, void **state)
{
    void *mem;
    struct mm__suppress *sup;
    int r = mm__detect_alloc(s, NAME, settings, sizeof(struct dga_state), 4096, &mem, &sup);
    if (r != 0)
        return r;
    struct dga_state *st = mem;
    st->sup = sup;
    st->clients = calloc(CLIENTS, sizeof *st->clients);
    st->tunnels = calloc(CLIENTS, sizeof *st->tunnels);
    st->memos = calloc(MEMOS, sizeof *st->memos);
    st->suffixes = calloc(SUFFIXES, sizeof *st->suffixes);
    if (!st->clients || !st->tunnels || !st->memos || !st->suffixes) {
        dga_free(st);
        return MM_ENOMEM;
    }
    st->psl_owned = psl_latest(NULL);
    st->psl = st->psl_owned ? st->psl_owned : psl_builtin();
    st->window = mm__detect_int(s, NAME, "window_seconds", 300, 1, 86400) * 1000000LL;
    st->suppress = mm__detect_int(s, NAME, "suppress_seconds", 3600, 0, 7 * 86400) * 1000000LL;
    st->min_length = mm__detect_int(s, NAME, "min_length", 10, 6, 63);
    st->nxdomain = mm__detect_int(s, NAME, "nxdomain", 20, 2, 100000);
    st->tunnel_length = mm__detect_int(s, NAME, "tunnel_length", 30, 16, 253);
    st->tunnel_queries = mm__detect_int(s, NAME, "tunnel_queries", 20, 2, 100000);
    st->any_client = mm__detect_word_is(s, NAME, "clients", "any");
    *state = st;
    return 0;
}

static void dga_free(void *state)
{
    struct dga_state *st = state;
    if (!st)
        return;
    mm__suppress_free(st->sup);
    free(st->clients);
    free(st->tunnels);
    free(st->memos);
    free(st->suffixes);
    if (st->psl_owned)
        psl_free(st->psl_owned);
    free(st);
}

/* Whether the lower-case suffix p[0..n) (NUL-terminated) is an ICANN
 * public suffix: psl_is_public_suffix2's answer, which depends on the
 * text alone, remembered for suffixes of up to SUFFIX_MAX bytes. */
static bool is_public_suffix(struct dga_state *st, const char *p, size_t n)
{
    if (n == 0 || n > SUFFIX_MAX)
        return psl_is_public_suffix2(st->psl, p, PSL_TYPE_ICANN);
    struct suffix_memo *m =
        &st->suffixes[mm__hash_fast(p, n, mm_process_key.k1) % SUFFIXES]; /* keyed: not aimable */
    if (m->len == n && memcmp(m->text, p, n) == 0)
        return m->is_public;
    m->is_public = psl_is_public_suffix2(st->psl, p, PSL_TYPE_ICANN);
    m->len = (uint8_t)n;
    memcpy(m->text, p, n);
    return m->is_public;
}

/* Splits sp->lower (n bytes) by asking the public suffix list for each
 * suffix from the longest down (the first public one ends the registrable
 * label). */
static bool split_lower(struct dga_state *st, struct split *sp, size_t n)
{
    const char *prev = NULL;
    for (const char *p = sp->lower; p;) {
        if (st->psl && is_public_suffix(st, p, n - (size_t)(p - sp->lower))) {
            if (!prev || p - 1 <= prev)
                return false;
            sp->reg = (size_t)(prev - sp->lower);
            sp->label_len = (size_t)(p - 1 - prev);
            return true;
        }
        const char *dot = strchr(p, '.');
        prev = p;
        p = dot ? dot + 1 : NULL;
    }
    return false;
}

/* The label left of the ICANN public suffix ("xkqwz" for "a.xkqwz.co.jp"). */
static bool registrable_label(const struct split *sp, char *out, size_t outlen)
{
    if (sp->label_len == 0 || sp->label_len >= outlen)
        return false;
    memcpy(out, sp->lower + sp->reg, sp->label_len);
    out[sp->label_len] = '\0';
    return true;
}

/* Shannon entropy in bits per character of p[0..n), dots excluded. The
 * terms are added in the order of the byte values (the same sum to the
 * last bit every time); a bit per byte value present saves walking all
 * 256 counters. */
static double entropy_of(const char *p, size_t n)
{
    unsigned counts[256];
    uint64_t present[4] = {0, 0, 0, 0};
    size_t total = 0;
    double e = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '.')
            continue;
        uint64_t bit = 1ull << (c % 64);
        if (!(present[c / 64] & bit)) {
            present[c / 64] |= bit;
            counts[c] = 0;
        }
        counts[c]++;
        total++;
    }
    for (unsigned w = 0; w < 4; w++)
        for (uint64_t bits = present[w]; bits; bits &= bits - 1) {
            unsigned c = w * 64 + (unsigned)__builtin_ctzll(bits);
            double q = (double)counts[c] / (double)total;
            e -= q * log2(q);
        }
    return e;
}

static bool is_vowel(char c)
{
    return strchr("aeiouy", c) != NULL;
}

/* The heuristic for machine-generated labels (see the file comment). */
static bool looks_generated(const char *label, long min_length)
{
    size_t n = strlen(label), vowels = 0, digits = 0, letters = 0, run = 0, max_run = 0, mixes = 0;
    if ((long)n < min_length || strncmp(label, "xn--", 4) == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)label[i];
        if (isdigit(c)) {
            digits++;
            run = 0;
        } else if (isalpha(c)) {
            letters++;
            if (is_vowel((char)c)) {
                vowels++;
                run = 0;
            } else if (++run > max_run) {
                max_run = run;
            }
        } else {
            run = 0;
        }
        if (i > 0 && (isdigit(c) != 0) != (isdigit((unsigned char)label[i - 1]) != 0))
            mixes++;
    }
    if (entropy_of(label, n) < 3.0)
        return false;
    return (letters > 0 && (double)vowels / (double)letters < 0.2) || max_run >= 6 ||
           (digits >= 3 && letters >= 3 && mixes >= 4);
}

/* Decides the facts of sp->lower (split_lower then the two verdicts). */
static struct name_facts decide(struct dga_state *st, struct split *sp, size_t n)
{
    struct name_facts f = {.ok = split_lower(st, sp, n)};
    char label[64];
    if (!f.ok)
        return f;
    f.reg = (uint8_t)sp->reg;
    f.generated =
        registrable_label(sp, label, sizeof label) && looks_generated(label, st->min_length);
    size_t sub = sp->reg > 0 ? sp->reg - 1 : 0; /* the part left of the registrable domain */
    f.encoded = (long)sub >= st->tunnel_length && entropy_of(sp->lower, sub) >= 3.5;
    return f;
}

/* The memo set of name[0..n) as asked, before it is lower-cased (so
 * dga_event_prefetch finds it without lowering the name): a name's
 * spellings may sit in two sets, each slot compared by the lowered text,
 * whose facts are the same. */
static struct name_memo *memo_set(const struct dga_state *st, const char *name, size_t n)
{
    return &st->memos[2 * (mm__hash_fast(name, n, mm_process_key.k0) % (MEMOS / 2))];
}

/* Lower-cases name into sp->lower (without a final dot), sets sp->reg and
 * returns its facts, from the memo when the same name was seen lately
 * (sp->label_len is then not set: only decide reads it). */
static struct name_facts name_facts(struct dga_state *st, const char *name, struct split *sp)
{
    struct name_facts none = {.ok = false};
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof sp->lower)
        return none;
    struct name_memo *set = memo_set(st, name, n), *m;
    mm_ascii_lower_n(sp->lower, name, n + 1);
    if (sp->lower[n - 1] == '.')
        sp->lower[--n] = '\0';
    for (unsigned way = 0; way < 2; way++) {
        m = &set[way];
        if (m->used && m->len == n && memcmp(m->name, sp->lower, n) == 0) {
            set->recent = way;
            sp->reg = m->facts.reg;
            return m->facts;
        }
    }
    unsigned way = set->recent ^ 1u; /* the one used less recently */
    set->recent = way;
    m = &set[way];
    m->used = true;
    m->len = (uint8_t)n;
    memcpy(m->name, sp->lower, n);
    m->facts = decide(st, sp, n);
    sp->reg = m->facts.reg;
    return m->facts;
}

/* name: the value shown in the texts; example: a full query name. */
static void raise_dns(struct dga_state *st, struct mm_sensor *s, const json_t *ev,
                      const char *client, unsigned variant, const char *name, const char *example,
                      long count)
{
    struct mm_addr a;
    if (mm_addr_parse(client, &a) != 0 ||
        !mm__suppress_allow(st->sup, mm__keyed_addr(&a, variant), mm__detect_now(s), st->suppress))
        return;
    const struct mm__alert_at at = {.ev = ev};
    json_t *vars =
        json_pack("{s:s, s:s, s:I}", "src", client, "value", name, "count", (json_int_t)count);
    json_t *evidence =
        variant == 1
            ? json_pack("{s:s, s:s}", "client", client, "name", name)
            : json_pack("{s:s, s:s, s:s, s:I, s:I}", "client", client, "example", example, "domain",
                        name, variant == 2 ? "nxdomain" : "long_names", (json_int_t)count,
                        "window_seconds", (json_int_t)(st->window / 1000000));
    mm__detect_raise(s, NAME, variant, &at, vars, evidence, NULL);
}

/* Keyed: a sender cannot crowd one probe run. Which slot a client takes
 * changes no count (lookups compare addresses; the table starts over by
 * fill level, not by position). */
static struct client *client_slot(struct dga_state *st, const struct mm_addr *a)
{
    size_t j = mm__keyed_addr(a, 11) % CLIENTS;
    for (size_t k = 0; k < CLIENTS; k++, j = (j + 1) % CLIENTS) {
        struct client *c = &st->clients[j];
        if (c->used && mm_addr_equal(&c->addr, a))
            return c;
        if (!c->used) {
            if (st->nclients * 4 >= CLIENTS * 3) { /* too full: start over */
                memset(st->clients, 0, CLIENTS * sizeof *st->clients);
                st->nclients = 0;
                return client_slot(st, a);
            }
            c->used = true;
            c->addr = *a;
            st->nclients++;
            return c;
        }
    }
    return NULL;
}

static void count_nxdomain(struct dga_state *st, struct mm_sensor *s, const json_t *ev,
                           const char *client, const struct mm_addr *a, const char *name)
{
    int64_t now = mm__detect_now(s);
    struct client *c = client_slot(st, a);
    if (!c)
        return;
    long count = mm__window_count(c->nx, now, st->window);
    if (count >= st->nxdomain)
        raise_dns(st, s, ev, client, 2, name, name, count);
}

/* Counts long high-entropy names (facts.encoded) under one registrable
 * domain per client. */
static void count_tunnel(struct dga_state *st, struct mm_sensor *s, const json_t *ev,
                         const char *client, const struct mm_addr *a, const struct split *sp)
{
    const char *domain = sp->lower + sp->reg;
    /* Unkeyed on purpose: the table is direct-mapped, so which pairs share
     * a slot shows in the counts; with a random key, the alerts of two runs
     * over one capture could differ. A sender can aim at a pair's slot and
     * restart its count (it could also flood all CLIENTS slots). */
    uint64_t key = mm__hash_str(domain, mm__hash_addr(a, 13));
    key = key ? key : 1;
    struct tunnel *t = &st->tunnels[key % CLIENTS];
    int64_t now = mm__detect_now(s);
    if (t->key != key) { /* direct-mapped: a colliding pair restarts the count */
        memset(t, 0, sizeof *t);
        t->key = key;
    }
    long count = mm__window_count(t->w, now, st->window);
    if (count >= st->tunnel_queries)
        raise_dns(st, s, ev, client, 3, domain, sp->lower, count);
}

/* What dga_event needs of a DNS event: whether it is a request or an
 * NXDOMAIN answer, and its (first) query name. */
struct dns_view {
    bool request, nx;
    const char *name; /* NULL when the event names none */
};

/* Read from the decoder's facts (dns-facts.h): no look-ups by name. */
static void view_from_facts(const struct mm__dns_facts *df, struct dns_view *v)
{
    v->request = !df->response;
    v->nx = df->response && df->rcode == 3; /* NXDOMAIN */
    v->name = df->nqueries ? df->qname[0] : NULL;
}

/* Read from the JSON (events of other sources, EVE v1/v2 forms too). */
static void view_from_json(const json_t *dns, struct dns_view *v)
{
    const char *dtype = json_string_value(json_object_get(dns, "type"));
    v->request = dtype && (strcmp(dtype, "request") == 0 || strcmp(dtype, "query") == 0);
    const char *rcode = v->request ? NULL : json_string_value(json_object_get(dns, "rcode"));
    v->nx = rcode && strcmp(rcode, "NXDOMAIN") == 0;
    v->name = NULL;
    if (!v->request && !v->nx)
        return;
    v->name = json_string_value(
        json_object_get(json_array_get(json_object_get(dns, "queries"), 0), "rrname"));
    if (!v->name)
        v->name = json_string_value(json_object_get(dns, "rrname"));
}

/* Parses client into *a and tells whether it is a home address; false
 * when it is no address. */
static bool parse_client(struct dga_state *st, const struct mm_sensor *s, const char *client,
                         struct mm_addr *a, bool *home)
{
    if (client[0] && strcmp(client, st->client_text) == 0) {
        *a = st->client_addr;
        *home = st->client_home;
        return true;
    }
    if (mm_addr_parse(client, a) != 0)
        return false;
    *home = mm_sensor_is_home(s, a);
    size_t n = strlen(client);
    if (n < sizeof st->client_text) {
        memcpy(st->client_text, client, n + 1);
        st->client_addr = *a;
        st->client_home = *home;
    }
    return true;
}

/* Asks for the name memo set dga_event will read first for a direct DNS
 * event (struct mm_detector.prefetch_event). */
static void dga_event_prefetch(void *state, struct mm_sensor *s, const json_t *member)
{
    const struct dga_state *st = state;
    const struct mm__dns_facts *df = mm__dns_facts_of(member);
    (void)s;
    if (!df || (df->response && df->rcode != 3) || !df->nqueries)
        return; /* dga_event reads requests and NXDOMAIN answers only */
    size_t n = df->qlen[0];
    if (n == 0 || n >= sizeof((struct split *)NULL)->lower)
        return;
    const struct name_memo *set = memo_set(st, df->qname[0], n);
    __builtin_prefetch(&set[0]);
    __builtin_prefetch(&set[1]);
}

static void dga_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    struct dga_state *st = state;
    const char *type = mm__event_type(ev);
    const json_t *dns = mm__event_get(ev, "dns");
    if (!type || strcmp(type, "dns") != 0)
        return;
    const struct mm__dns_facts *df = mm__dns_facts_of(dns);
    struct dns_view v;
    if (df)
        view_from_facts(df, &v);
    else
        view_from_json(dns, &v);
    bool request = v.request, nx = v.nx;
    if (!request && !nx)
        return;
    const char *client = mm__event_str(ev, request ? "src_ip" : "dest_ip");
    struct mm_addr a;
    bool home;
    if (!client || !parse_client(st, s, client, &a, &home))
        return;
    if (!st->any_client && !home)
        return;
    const char *name = v.name;
    if (!name)
        return;
    struct split sp;
    struct name_facts f = name_facts(st, name, &sp);
    if (!f.ok)
        return;
    if (f.generated)
        raise_dns(st, s, ev, client, 1, name, name, 1);
    if (nx)
        count_nxdomain(st, s, ev, client, &a, name);
    if (request && f.encoded)
        count_tunnel(st, s, ev, client, &a, &sp);
}

const struct mm_detector mm_detector_suspicious_dns = {
    .name = NAME,
    .settings = settings,
    .init = dga_init,
    .on_event = dga_event,
    .events = "dns",
    .reads_standin = true,
    .prefetch_event = dga_event_prefetch,
    .free = dga_free,
};
