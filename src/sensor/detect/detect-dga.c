/* SPDX-License-Identifier: Apache-2.0
 * Detector "suspicious-dns" (signature ids 9100801-9100802):
 *   1 a DNS name that looks machine-generated (DGA): the label just left of
 *     the ICANN public suffix is long (>= min_length, default 10), has high
 *     character entropy (>= 3.0 bits) and reads unlike words (few vowels, a
 *     long consonant run, or digits mixed through letters). Checked on
 *     queries and on NXDOMAIN answers.
 *   2 many NXDOMAIN answers to one client (>= nxdomain, default 20, within
 *     window_seconds, default 300).
 * [detect.suspicious-dns] clients = home|any (home: only home clients).
 * Suppression: one alert per (client, variant) per suppress_seconds (3600).
 * At most 4096 clients are counted at once (the table restarts when full). */
#include <ctype.h>
#include <libpsl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/ini.h"
#include "sensor/detect/detect-util.h"
#include "sensor/sensor.h"

#define NAME    "suspicious-dns"
#define CLIENTS 4096

struct client {
    struct mm_addr addr;
    bool used;
    int64_t start;
    long count;
};

struct dga_state {
    struct mm__suppress *sup;
    struct client *clients;
    size_t nclients;
    psl_ctx_t *psl_owned;
    const psl_ctx_t *psl;
    int64_t window, suppress;
    long min_length, nxdomain;
    bool any_client;
};

static const struct mm__setting settings[] = {
    {"window_seconds", 1, 86400, NULL}, {"suppress_seconds", 0, 7 * 86400, NULL},
    {"min_length", 6, 63, NULL},        {"nxdomain", 2, 100000, NULL},
    {"clients", 0, 0, "home|any"},      {NULL, 0, 0, NULL}};

static int dga_init(struct mm_sensor *s, void **state)
{
    struct dga_state *st = calloc(1, sizeof *st);
    const struct mm_sensor_config *cfg = mm_sensor_config(s);
    const char *clients = cfg && cfg->ini ? mm_ini_get(cfg->ini, "detect." NAME, "clients") : NULL;
    int r = MM_ENOMEM;
    if (mm__detect_settings_check(s, NAME, settings) != 0) {
        free(st);
        return MM_EINVAL;
    }
    if (!st)
        return MM_ENOMEM;
    st->clients = calloc(CLIENTS, sizeof *st->clients);
    if (!st->clients || (r = mm__suppress_new(4096, &st->sup)) != 0) {
        free(st->clients);
        free(st);
        return r;
    }
    st->psl_owned = psl_latest(NULL);
    st->psl = st->psl_owned ? st->psl_owned : psl_builtin();
    st->window = mm__detect_int(s, NAME, "window_seconds", 300, 1, 86400) * 1000000LL;
    st->suppress = mm__detect_int(s, NAME, "suppress_seconds", 3600, 0, 7 * 86400) * 1000000LL;
    st->min_length = mm__detect_int(s, NAME, "min_length", 10, 6, 63);
    st->nxdomain = mm__detect_int(s, NAME, "nxdomain", 20, 2, 100000);
    st->any_client = clients && strcasecmp(clients, "any") == 0;
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
    if (st->psl_owned)
        psl_free(st->psl_owned);
    free(st);
}

/* The label left of the ICANN public suffix ("xkqwz" for "a.xkqwz.co.jp"). */
static bool registrable_label(const struct dga_state *st, const char *name, char *out,
                              size_t outlen)
{
    char buf[256];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof buf)
        return false;
    for (size_t i = 0; i <= n; i++)
        buf[i] = (char)tolower((unsigned char)name[i]);
    if (buf[n - 1] == '.')
        buf[--n] = '\0';
    const char *prev = NULL;
    for (const char *p = buf; p;) {
        if (st->psl && psl_is_public_suffix2(st->psl, p, PSL_TYPE_ICANN)) {
            if (!prev)
                return false;
            size_t len = (size_t)(p - 1 - prev);
            if (len == 0 || len >= outlen)
                return false;
            memcpy(out, prev, len);
            out[len] = '\0';
            return true;
        }
        const char *dot = strchr(p, '.');
        prev = p;
        p = dot ? dot + 1 : NULL;
    }
    return false;
}

static bool is_vowel(char c)
{
    return strchr("aeiouy", c) != NULL;
}

/* The heuristic for machine-generated labels (see the file comment). */
static bool looks_generated(const char *label, long min_length)
{
    size_t n = strlen(label), vowels = 0, digits = 0, letters = 0, run = 0, max_run = 0, mixes = 0;
    unsigned counts[256] = {0};
    if ((long)n < min_length || strncmp(label, "xn--", 4) == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)label[i];
        counts[c]++;
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
    double entropy = 0;
    for (int c = 0; c < 256; c++)
        if (counts[c]) {
            double p = (double)counts[c] / (double)n;
            entropy -= p * log2(p);
        }
    if (entropy < 3.0)
        return false;
    return (letters > 0 && (double)vowels / (double)letters < 0.2) || max_run >= 6 ||
           (digits >= 3 && letters >= 3 && mixes >= 4);
}

static void raise_dns(struct dga_state *st, struct mm_sensor *s, const json_t *ev,
                      const char *client, unsigned variant, const char *name, long count)
{
    struct mm_addr a;
    if (mm_addr_parse(client, &a) != 0 ||
        !mm__suppress_allow(st->sup, mm__hash_addr(&a, variant), mm__detect_now(s), st->suppress))
        return;
    const struct mm__alert_at at = {.ev = ev};
    json_t *vars =
        json_pack("{s:s, s:s, s:I}", "src", client, "value", name, "count", (json_int_t)count);
    json_t *evidence =
        variant == 1
            ? json_pack("{s:s, s:s}", "client", client, "name", name)
            : json_pack("{s:s, s:I, s:I, s:s}", "client", client, "nxdomain", (json_int_t)count,
                        "window_seconds", (json_int_t)(st->window / 1000000), "example", name);
    mm__detect_raise(s, NAME, variant, &at, vars, evidence, NULL);
}

static struct client *client_slot(struct dga_state *st, const struct mm_addr *a)
{
    size_t j = mm__hash_addr(a, 11) % CLIENTS;
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
                           const char *client, const char *name)
{
    struct mm_addr a;
    int64_t now = mm__detect_now(s);
    struct client *c;
    if (mm_addr_parse(client, &a) != 0 || !(c = client_slot(st, &a)))
        return;
    if (now - c->start > st->window || now < c->start) {
        c->start = now;
        c->count = 0;
    }
    if (++c->count >= st->nxdomain)
        raise_dns(st, s, ev, client, 2, name, c->count);
}

static void dga_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    struct dga_state *st = state;
    const char *type = json_string_value(json_object_get(ev, "event_type"));
    const json_t *dns = json_object_get(ev, "dns");
    if (!type || strcmp(type, "dns") != 0)
        return;
    const char *dtype = json_string_value(json_object_get(dns, "type"));
    const char *rcode = json_string_value(json_object_get(dns, "rcode"));
    bool request = dtype && (strcmp(dtype, "request") == 0 || strcmp(dtype, "query") == 0);
    bool nx = !request && rcode && strcmp(rcode, "NXDOMAIN") == 0;
    const char *client = json_string_value(json_object_get(ev, request ? "src_ip" : "dest_ip"));
    struct mm_addr a;
    if (!client || (!request && !nx) || mm_addr_parse(client, &a) != 0)
        return;
    if (!st->any_client && !mm_sensor_is_home(s, &a))
        return;
    const char *name = json_string_value(
        json_object_get(json_array_get(json_object_get(dns, "queries"), 0), "rrname"));
    if (!name)
        name = json_string_value(json_object_get(dns, "rrname"));
    if (!name)
        return;
    char label[64];
    if (registrable_label(st, name, label, sizeof label) && looks_generated(label, st->min_length))
        raise_dns(st, s, ev, client, 1, name, 1);
    if (nx)
        count_nxdomain(st, s, ev, client, name);
}

const struct mm_detector mm_detector_suspicious_dns = {
    .name = NAME,
    .init = dga_init,
    .on_event = dga_event,
    .free = dga_free,
};
