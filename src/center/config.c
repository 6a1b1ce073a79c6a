/* SPDX-License-Identifier: Apache-2.0
 * Owns the centre's configuration defaults, the INI file reader, which
 * changed settings a reload leaves for a restart, and the opening of the
 * shared state (the data directory, store, rate limiter) from a
 * configuration. */
#include "center/center.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "center/proxy.h"
#include "center/report.h"
#include "center/vendor.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/ini.h"
#include "core/loglimit.h"
#include "core/log.h"
#include "core/msg.h"

void mm_center_config_defaults(struct mm_center_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->listen = "127.0.0.1:8080";
    cfg->threads = 4;
    cfg->sync_full = true;
    cfg->busy_timeout_ms = MM_STORE_BUSY_TIMEOUT_MS;
    cfg->pwcost = MM_PWCOST_INTERACTIVE;
    cfg->session_hours = 12;
    cfg->login_max_failures = 5;
    cfg->login_max_failures_addr = 20;
    cfg->login_max_failures_account = 100;
    cfg->password_wait = 5;
    cfg->login_window = 900;
    cfg->alert_window = 3600;
    cfg->sensor_silent_after = 900;
    cfg->health_interval = 60;
    cfg->alert_flush_ms = 1000;
    cfg->shutdown_grace = 10;
    /* an SME office behind one NAT address: several staff browsers (Chromium
     * opens up to 6 connections per host) and the sensor's uplink */
    cfg->per_ip_connections = 64;
    /* every open connection has a thread of its own (http.c) */
    cfg->max_connections = 1000;
    cfg->body_budget_mb = 256;
    /* an eighth of the budget: room for one sensor's largest batch (16 MiB,
     * inflated too), while one address cannot hold the whole budget */
    cfg->per_ip_body_mb = 32;
    /* a batch of 16 MiB takes ~13 s at 10 Mbit/s; a client that sends
     * slower than that holds a connection and its thread */
    cfg->body_timeout = 60;
    /* The deepest request measured uses ~180 KiB of stack (a JSON body
     * nested to jansson's limit of 2048 levels; a PDF report ~55 KiB, other
     * requests below 35 KiB): glibc's default 8 MiB reserved ~8 GB of
     * address space at 1000 connections. See center-bench.md. */
    cfg->thread_stack_kb = 512;
    cfg->report_timezone = "Asia/Tokyo";
}

struct int_key {
    const char *section, *key;
    long min, max;
    size_t offset;
};

#define INT_KEY(s, k, lo, hi, field)                                                               \
    {                                                                                              \
        s, k, lo, hi, offsetof(struct mm_center_config, field)                                     \
    }

static const struct int_key int_keys[] = {
    INT_KEY("server", "threads", 1, 64, threads),
    INT_KEY("server", "busy_timeout_ms", MM_BUSY_TIMEOUT_MS_MIN, 600000, busy_timeout_ms),
    INT_KEY("server", "shutdown_grace", 0, 600, shutdown_grace),
    INT_KEY("server", "max_connections", 1, 10000, max_connections),
    INT_KEY("server", "per_ip_connections", 1, 10000, per_ip_connections),
    INT_KEY("server", "body_budget_mb", 1, 65536, body_budget_mb),
    INT_KEY("server", "per_ip_body_mb", 1, 65536, per_ip_body_mb),
    INT_KEY("server", "body_timeout", 1, 3600, body_timeout),
    INT_KEY("server", "thread_stack_kb", MM_THREAD_STACK_KB_MIN, 65536, thread_stack_kb),
    INT_KEY("auth", "session_hours", 1, 24 * 30, session_hours),
    INT_KEY("auth", "login_max_failures", 1, 1000, login_max_failures),
    INT_KEY("auth", "login_max_failures_addr", 1, 100000, login_max_failures_addr),
    INT_KEY("auth", "login_max_failures_account", 1, 100000, login_max_failures_account),
    INT_KEY("auth", "password_wait", 0, 60, password_wait),
    INT_KEY("auth", "login_window", 1, 86400, login_window),
    INT_KEY("alerts", "window", 1, 7 * 86400, alert_window),
    INT_KEY("alerts", "sensor_silent_after", 1, 30 * 86400, sensor_silent_after),
    INT_KEY("alerts", "health_interval", 1, 86400, health_interval),
    INT_KEY("alerts", "flush_ms", 0, 60000, alert_flush_ms),
};

/* [vendor] name, phone and hours, each checked (mm_vendor_check). */
static int load_vendor(struct mm_center_config *cfg, const struct mm_ini *ini, const char *path,
                       char *err, size_t errlen)
{
    const char *keys[] = {"name", "phone", "hours"};
    const char **fields[] = {&cfg->vendor_name, &cfg->vendor_phone, &cfg->vendor_hours};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = mm_ini_get(ini, "vendor", keys[i]);
        int r = v ? mm_vendor_check(path, keys[i], v, err, errlen) : 0;
        if (r != 0)
            return r;
        if (v)
            *fields[i] = v;
    }
    return 0;
}

static int load_strings(struct mm_center_config *cfg, const struct mm_ini *ini, const char *path,
                        char *err, size_t errlen)
{
    const char *v;
    /* listen, tls_cert, tls_key and timezone are checked as they are in
     * force, once the command line is applied (center.h) */
    if ((v = mm_ini_get(ini, "server", "listen"))) {
        cfg->listen = v;
        cfg->listen_src = path;
    }
    if ((v = mm_ini_get(ini, "server", "tls_cert"))) {
        cfg->tls_cert = v;
        cfg->tls_cert_src = path;
    }
    if ((v = mm_ini_get(ini, "server", "tls_key"))) {
        cfg->tls_key = v;
        cfg->tls_key_src = path;
    }
    if ((v = mm_ini_get(ini, "server", "data")))
        cfg->data_dir = v;
    if ((v = mm_ini_get(ini, "reports", "timezone"))) {
        cfg->report_timezone = v;
        cfg->report_timezone_src = path;
    }
    if ((v = mm_ini_get(ini, "server", "sync"))) {
        if (strcmp(v, "full") != 0 && strcmp(v, "normal") != 0) {
            mm_msg_format(err, errlen, "center-log", "config.sync", path);
            return MM_EPARSE;
        }
        cfg->sync_full = strcmp(v, "full") == 0;
    }
    if ((v = mm_ini_get(ini, "server", "trusted_proxies"))) {
        struct mm_proxies p;
        int r = mm_proxies_parse(v, &p);
        mm_proxies_clear(&p);
        if (r != 0) {
            mm_msg_format(err, errlen, "center-log", "config.trusted_proxies", path, v);
            return r;
        }
        cfg->trusted_proxies = v;
    }
    if ((v = mm_ini_get(ini, "auth", "password_cost")) && mm_pwcost_parse(v, &cfg->pwcost) != 0) {
        mm_msg_format(err, errlen, "center-log", "config.pwcost", path);
        return MM_EPARSE;
    }
    return load_vendor(cfg, ini, path, err, errlen);
}

int mm_center_config_load(struct mm_center_config *cfg, const char *path, struct mm_ini **ini_out,
                          char *err, size_t errlen)
{
    struct mm_ini *ini = NULL;
    *ini_out = NULL;
    int r = mm_ini_load_file(path, &ini, err, errlen);
    if (r != 0) {
        if (r == MM_ENOENT)
            mm_msg_format(err, errlen, "center-log", "config.no_file", path);
        return r;
    }
    r = load_strings(cfg, ini, path, err, errlen);
    for (size_t i = 0; r == 0 && i < sizeof int_keys / sizeof int_keys[0]; i++) {
        const struct int_key *k = &int_keys[i];
        int *field = (int *)((char *)cfg + k->offset);
        long v;
        r = mm_ini_get_int(ini, k->section, k->key, *field, k->min, k->max, &v);
        if (r != 0)
            mm_msg_format(err, errlen, "center-log", "config.range", path, k->section, k->key,
                          k->min, k->max);
        else
            *field = (int)v;
    }
    if (r != 0) {
        mm_ini_free(ini);
        return r;
    }
    *ini_out = ini;
    return 0;
}

void mm_center_config_warn_unread(const struct mm_ini *ini, const char *path)
{
    const char *sec, *key;
    for (size_t pos = 0; mm_ini_unread(ini, &pos, &sec, &key);) {
        if (key)
            mm_log_tr(MM_LOG_WARN, "center-log", "config.unknown_key", path, sec, key);
        else
            mm_log_tr(MM_LOG_WARN, "center-log", "config.unknown_section", path, sec);
    }
}

/* The last value of section.key in ini (NULL when absent), without
 * marking it read (mm_ini_entry); *at is its entry's index. */
static const char *last_value(const struct mm_ini *ini, const char *section, const char *key,
                              size_t *at)
{
    const char *found = NULL, *s, *k, *v;
    int line;
    for (size_t i = 0, n = ini ? mm_ini_count(ini) : 0; i < n; i++) {
        mm_ini_entry(ini, i, &s, &k, &v, &line);
        if (strcasecmp(s, section) == 0 && strcasecmp(k, key) == 0) {
            found = v;
            *at = i;
        }
    }
    return found;
}

/* The one line for a setting a reload does not change (center.h). */
static void log_restart_key(const char *path, const char *section, const char *key,
                            const struct mm_center_replaced *replaced, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(replaced[i].section, section) == 0 &&
            strcasecmp(replaced[i].key, key) == 0) {
            mm_log_tr(MM_LOG_WARN, "center-log", "config.option_replaces", path, section, key,
                      replaced[i].option, replaced[i].option);
            return;
        }
    mm_log_tr(MM_LOG_WARN, "center-log", "config.needs_restart", path, section, key);
}

/* Whether section.key of ini is a setting some reader asked for: an entry
 * that is not one (a typo) is told once as such (mm_center_config_warn_unread),
 * not also as changed. */
static bool is_setting(const struct mm_ini *ini, const char *section, const char *key)
{
    const char *s, *k;
    for (size_t pos = 0; mm_ini_unread(ini, &pos, &s, &k);)
        if (strcasecmp(s, section) == 0 && (!k || strcasecmp(k, key) == 0))
            return false;
    return true;
}

/* Whether a reload applies section.key (center.h). */
static bool reloadable(const char *section, const char *key)
{
    return strcasecmp(section, MM_CENTER_RELOADABLE_SECTION) == 0 ||
           (strcasecmp(section, "server") == 0 && strcasecmp(key, MM_CENTER_RELOADABLE_KEY) == 0);
}

/* Logs the settings a reload does not apply (reloadable) that a holds (each once, at its last
 * entry) and b lacks or, unless only_missing, holds with another value. */
static int log_differences(const struct mm_ini *a, const struct mm_ini *b, bool only_missing,
                           const char *path, const struct mm_center_replaced *replaced,
                           size_t n_replaced)
{
    const char *s, *k, *v;
    int line, n = 0;
    for (size_t i = 0, count = a ? mm_ini_count(a) : 0; i < count; i++) {
        size_t last = 0, other_at = 0;
        mm_ini_entry(a, i, &s, &k, &v, &line);
        if (reloadable(s, k) || !last_value(a, s, k, &last) || last != i || !is_setting(a, s, k))
            continue;
        const char *other = last_value(b, s, k, &other_at);
        if (other && (only_missing || strcmp(other, v) == 0))
            continue;
        log_restart_key(path, s, k, replaced, n_replaced);
        n++;
    }
    return n;
}

int mm_center_config_log_restart_keys(const struct mm_ini *running, const struct mm_ini *next,
                                      const char *path, const struct mm_center_replaced *replaced,
                                      size_t n)
{
    /* added or changed (next's entries), then removed (running's) */
    return log_differences(next, running, false, path, replaced, n) +
           log_differences(running, next, true, path, replaced, n);
}

/* zone.c's message what (or r's) of cfg's [reports] timezone, of the file. */
static int zone_error(const struct mm_center_config *cfg, int r, const char *what, char *err,
                      size_t errlen)
{
    const char *text = what[0] ? what : mm_msg_strerror(r);
    if (cfg->report_timezone_src)
        snprintf(err, errlen, "%s: %s", cfg->report_timezone_src, text);
    else
        snprintf(err, errlen, "%s", text);
    return r;
}

int mm_center_zone_check(const struct mm_center_config *cfg, char *err, size_t errlen)
{
    char what[384];
    what[0] = '\0';
    int r = mm_zone_check(cfg->report_timezone, what, sizeof what);
    return r != 0 ? zone_error(cfg, r, what, err, errlen) : 0;
}

int mm_center_zone_load(const struct mm_center_config *cfg, struct mm_zone **out, char *err,
                        size_t errlen)
{
    char what[384];
    bool fallback = false;
    what[0] = '\0';
    int r = mm_zone_load(cfg->report_timezone, out, &fallback, what, sizeof what);
    if (r != 0)
        return zone_error(cfg, r, what, err, errlen);
    if (fallback)
        mm_log_tr(MM_LOG_WARN, "center-log", "config.tz_fallback", cfg->report_timezone);
    return 0;
}

/* The step (naming the cause) for a data directory that cannot be made, by
 * the reason; NULL for a reason without a step of its own. */
static const char *data_dir_step(int r)
{
    switch (r) {
    case MM_ENOTDIR:
        return "main.data_dir_in_way";
    case MM_EPERM:
        return "main.data_dir_perm";
    case MM_EROFS:
        return "main.data_dir_ro";
    case MM_ENOSPC:
        return "main.data_dir_space";
    default:
        return NULL;
    }
}

/* Makes the data directory when it is missing (mode 0700); one that cannot
 * be made is told with its path and one next step. A reason with a step of
 * the centre's own (naming --data) is said by that step alone; else a
 * reason whose text carries its own next step (mm_error_has_step) by that
 * text alone; any other reason as the system's text before the general
 * step. */
static int make_data_dir(const char *dir, char *err, size_t errlen)
{
    int r = mm_mkdir_p(dir, 0700);
    if (r == 0)
        return 0;
    const char *step = data_dir_step(r);
    if (step)
        mm_msg_format(err, errlen, "center-log", "main.data_dir", dir, mm_msg("center-log", step));
    else if (mm_error_has_step(r))
        mm_msg_format(err, errlen, "center-log", "main.data_dir", dir, mm_msg_strerror(r));
    else
        mm_msg_format(err, errlen, "center-log", "main.data_dir_reason", dir, mm_msg_strerror(r),
                      mm_msg("center-log", "main.data_dir_other"));
    return r;
}

int mm_center_open(struct mm_center *c, const struct mm_center_config *cfg, struct mm_zone *zone,
                   char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->duty_lock, NULL); /* destroyed by mm_center_close */
    c->cfg = *cfg;
    c->report_zone = zone; /* closed with c from here */
    mm_report_use_zone(zone);
    mm_vendor_use(&(struct mm_vendor){cfg->vendor_name, cfg->vendor_phone, cfg->vendor_hours});
    struct mm_store_config sc = {.dir = cfg->data_dir,
                                 .connections = cfg->threads + 2,
                                 .spares = cfg->threads,
                                 .sync_full = cfg->sync_full,
                                 .busy_timeout_ms = cfg->busy_timeout_ms,
                                 .alert_flush_usec = cfg->alert_flush_usec,
                                 .alert_rows_off = cfg->alert_rows_off};
    c->busy_timeout_ms = cfg->busy_timeout_ms;
    int r = make_data_dir(cfg->data_dir, err, errlen);
    if (r == 0 && (r = mm_auth_init()) != 0)
        mm_msg_format(err, errlen, "center-log", "config.sodium");
    if (r == 0)
        r = mm_store_open_sqlite(&sc, &c->store, err, errlen);
    if (r == 0)
        r = mm_ratelimit_new(cfg->login_max_failures, cfg->login_max_failures_account,
                             cfg->login_max_failures_addr, (int64_t)cfg->login_window * 1000000,
                             &c->ratelimit);
    if (r == 0)
        r = mm_log_limit_new(MM_BAD_HEADER_LOG_MINUTES * 60 * 1000000LL, MM_BAD_HEADER_LOG_KEYS,
                             &c->bad_header_log);
    if (r != 0)
        mm_center_close(c);
    return r;
}

void mm_center_set_busy_timeout(struct mm_center *c, int ms)
{
    int was = atomic_exchange(&c->busy_timeout_ms, ms);
    if (was == ms)
        return;
    mm_store_set_busy_timeout(c->store, ms);
    mm_log_tr(MM_LOG_INFO, "center-log", "config.busy_timeout", was, ms);
}

const char *mm_center_duty_hold(struct mm_center *c)
{
    pthread_mutex_lock(&c->duty_lock);
    return c->mail_duty ? c->mail_duty : "";
}

void mm_center_duty_done(struct mm_center *c)
{
    pthread_mutex_unlock(&c->duty_lock);
}

void mm_center_set_duty(struct mm_center *c, const char *duty)
{
    pthread_mutex_lock(&c->duty_lock);
    c->mail_duty = duty;
    pthread_mutex_unlock(&c->duty_lock);
}

void mm_center_close(struct mm_center *c)
{
    mm_store_close(c->store);
    mm_ratelimit_free(c->ratelimit);
    mm_log_limit_free(c->bad_header_log);
    if (c->report_zone)
        mm_report_use_zone(NULL);
    mm_zone_free(c->report_zone);
    c->store = NULL;
    c->ratelimit = NULL;
    c->bad_header_log = NULL;
    c->report_zone = NULL;
    pthread_mutex_destroy(&c->duty_lock);
}
