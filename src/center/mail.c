/* SPDX-License-Identifier: Apache-2.0
 * Owns the emergency mail service of the centre: the [mail] settings and the
 * one background thread that, every poll interval, queues digests of ended
 * throttle windows, turns new alerts into outbox rows, and sends the due
 * rows one by one (claim -> SMTP -> mark). See mail.h and docs/design/mail.md. */
#include "center/mail.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "center/api/api.h"
#include "center/center.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/ini.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/timefmt.h"

#define SENDS_PER_ROUND 20

struct mm_mail {
    struct mm_mail_config cfg;
    struct mm_store *store;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    int64_t sending_id; /* row in flight, for the transfer callback */
};

struct int_setting {
    const char *key;
    long def, min, max;
    int *field;
};

/* [mail] duty: addresses as contacts take them (mm_api_email_normalise),
 * separated by commas. A wrong one would otherwise be found only when a
 * mail goes out, and the SMTP server refusing one recipient fails the
 * whole mail. */
static int check_duty(const char *duty, char *err, size_t errlen)
{
    const char *p = duty, *item;
    size_t n;
    while (mm_mail_list_next(&p, &item, &n)) {
        char one[320], norm[320];
        snprintf(one, sizeof one, "%.*s", (int)n, item);
        if (n >= sizeof one || mm_api_email_normalise(one, norm, sizeof norm) != 0) {
            mm_msg_format(err, errlen, "center-log", "mail.bad_duty", one);
            return MM_EINVAL;
        }
    }
    return 0;
}

/* The inside of [...] in a URL: an IPv6 address, with a zone id after
 * "%25" as curl takes it ("fe80::1%25eth0"; letters, digits, "-._~"). */
static bool bracketed_v6_ok(const char *in, size_t n)
{
    const char *zone = NULL;
    for (size_t i = 0; i + 3 <= n; i++)
        if (memcmp(in + i, "%25", 3) == 0) {
            zone = in + i;
            break;
        }
    size_t alen = zone ? (size_t)(zone - in) : n;
    if (zone) {
        const char *z = zone + 3, *end = in + n;
        if (z == end)
            return false;
        for (; z < end; z++)
            if (!isalnum((unsigned char)*z) && !strchr("-._~", *z))
                return false;
    }
    char a[INET6_ADDRSTRLEN];
    struct in6_addr in6;
    if (alen == 0 || alen >= sizeof a)
        return false;
    snprintf(a, sizeof a, "%.*s", (int)alen, in);
    return inet_pton(AF_INET6, a, &in6) == 1;
}

/* [mail] host as it goes into the smtp:// URL: a name (letters, digits,
 * ".-_", or non-ASCII for IDN) or an IPv6 address in brackets (with a zone
 * id after "%25": "[fe80::1%25eth0]"). A bare IPv6 address, a space or "/"
 * made the URL fail at every send. */
static bool host_ok(const char *host)
{
    size_t n = strlen(host);
    if (n > 2 && host[0] == '[' && host[n - 1] == ']')
        return bracketed_v6_ok(host + 1, n - 2);
    if (n == 0 || host[0] == '-' || host[0] == '.')
        return false;
    for (const unsigned char *p = (const unsigned char *)host; *p; p++)
        if (*p < 0x80 && !isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
            return false;
    return true;
}

/* [mail] base_url, the start of the links in the mails: http:// or
 * https:// (any case, as browsers take it), a host, no space. */
static bool base_url_ok(const char *url)
{
    const char *host;
    if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else
        return false;
    if (!*host || strchr("/?#:", *host))
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

/* [mail] ca_file, read once (mm_file_read_ca, the sensor's rule for
 * [uplink] ca_file) into cfg->ca_pem for libcurl. It used to be read here
 * (up to 64 MiB) only to see that it could be, and then by libcurl at every
 * STARTTLS: a file that was not PEM failed every send. */
static int read_ca_file(struct mm_mail_config *cfg, char *err, size_t errlen)
{
    int r = mm_file_read_ca(cfg->ca_file, &cfg->ca_pem, &cfg->ca_pem_len);
    if (r == MM_EPARSE)
        mm_msg_format(err, errlen, "center-log", "mail.ca_file_pem", cfg->ca_file);
    else if (r != 0)
        mm_msg_format(err, errlen, "center-log", "mail.bad_ca_file", cfg->ca_file,
                      mm_msg_strerror(r));
    return r;
}

int mm_mail_config_load(const struct mm_ini *ini, struct mm_mail_config *cfg, char *err,
                        size_t errlen)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->from = "mamori <mamori@localhost>";
    cfg->tls = MM_STARTTLS_TRY;
    const struct int_setting ints[] = {
        {"port", 25, 1, 65535, &cfg->port},
        {"immediate_max", 5, 1, 1000, &cfg->immediate_max},
        {"window", 600, 1, 86400, &cfg->window},
        {"poll_ms", 1000, 10, 60000, &cfg->poll_ms},
        {"retry_max", 600, 1, 86400, &cfg->retry_max},
        {"max_attempts", 20, 1, 1000, &cfg->max_attempts},
        {"timeout", 60, 1, 3600, &cfg->timeout},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        long v = ints[i].def;
        if (ini && mm_ini_get_int(ini, "mail", ints[i].key, ints[i].def, ints[i].min, ints[i].max,
                                  &v) != 0) {
            mm_msg_format(err, errlen, "center-log", "mail.bad_int", ints[i].key, ints[i].min,
                          ints[i].max);
            return MM_EPARSE;
        }
        *ints[i].field = (int)v;
    }
    if (!ini)
        return 0;
    const char *v;
    cfg->host = mm_ini_get(ini, "mail", "host");
    cfg->user = mm_ini_get(ini, "mail", "user");
    cfg->password = mm_ini_get(ini, "mail", "password");
    cfg->duty = mm_ini_get(ini, "mail", "duty");
    cfg->base_url = mm_ini_get(ini, "mail", "base_url");
    cfg->ca_file = mm_ini_get(ini, "mail", "ca_file");
    if ((v = mm_ini_get(ini, "mail", "from")))
        cfg->from = v;
    if ((v = mm_ini_get(ini, "mail", "starttls"))) {
        if (strcmp(v, "try") == 0)
            cfg->tls = MM_STARTTLS_TRY;
        else if (strcmp(v, "always") == 0)
            cfg->tls = MM_STARTTLS_ALWAYS;
        else if (strcmp(v, "never") == 0)
            cfg->tls = MM_STARTTLS_NEVER;
        else {
            mm_msg_format(err, errlen, "center-log", "mail.bad_starttls");
            return MM_EPARSE;
        }
    }
    if (mm_ini_get_bool(ini, "mail", "enabled", cfg->host != NULL, &cfg->enabled) != 0) {
        mm_msg_format(err, errlen, "center-log", "mail.bad_enabled");
        return MM_EPARSE;
    }
    if (cfg->enabled && (!cfg->host || !*cfg->host)) {
        mm_msg_format(err, errlen, "center-log", "mail.needs_host");
        return MM_EINVAL;
    }
    if (strpbrk(cfg->from, "\r\n") || !strchr(cfg->from, '@')) {
        mm_msg_format(err, errlen, "center-log", "mail.bad_from");
        return MM_EINVAL;
    }
    if (cfg->host && *cfg->host && !host_ok(cfg->host)) {
        mm_msg_format(err, errlen, "center-log", "mail.bad_host", cfg->host);
        return MM_EINVAL;
    }
    if (cfg->base_url && *cfg->base_url && !base_url_ok(cfg->base_url)) {
        mm_msg_format(err, errlen, "center-log", "mail.bad_base_url", cfg->base_url);
        return MM_EINVAL;
    }
    return check_duty(cfg->duty, err, errlen);
}

int mm_mail_config_check_files(struct mm_mail_config *cfg, char *err, size_t errlen)
{
    if (cfg->enabled && cfg->ca_file && *cfg->ca_file && !cfg->ca_pem)
        return read_ca_file(cfg, err, errlen);
    return 0;
}

void mm_mail_config_release(struct mm_mail_config *cfg)
{
    free(cfg->ca_pem);
    cfg->ca_pem = NULL;
    cfg->ca_pem_len = 0;
}

bool mm_mail_auth_needs_tls(const struct mm_mail_config *cfg)
{
    return cfg->user && *cfg->user && cfg->tls == MM_STARTTLS_TRY;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

bool mm_mail_config_equal(const struct mm_mail_config *a, const struct mm_mail_config *b)
{
    return a->enabled == b->enabled && same_text(a->host, b->host) && a->port == b->port &&
           same_text(a->user, b->user) && same_text(a->password, b->password) &&
           same_text(a->from, b->from) && a->tls == b->tls && same_text(a->duty, b->duty) &&
           same_text(a->base_url, b->base_url) && same_text(a->ca_file, b->ca_file) &&
           a->ca_pem_len == b->ca_pem_len &&
           (a->ca_pem_len == 0 || memcmp(a->ca_pem, b->ca_pem, a->ca_pem_len) == 0) &&
           a->immediate_max == b->immediate_max && a->window == b->window &&
           a->poll_ms == b->poll_ms && a->retry_max == b->retry_max &&
           a->max_attempts == b->max_attempts && a->timeout == b->timeout;
}

void mm__mail_row_free(struct mm_mail_row *row)
{
    if (!row)
        return;
    free(row->recipients);
    free(row->message);
    memset(row, 0, sizeof *row);
}

bool mm_mail_status_known(const char *status)
{
    static const char *const statuses[] = {"pending", "sending",   "transfer", "sent",
                                           "failed",  "uncertain", NULL};
    for (int i = 0; status && statuses[i]; i++)
        if (strcmp(status, statuses[i]) == 0)
            return true;
    return false;
}

/* Called by the SMTP sender when the message body is about to flow. When
 * the row cannot be marked 'transfer' (the database held past the busy
 * timeout), the body is not sent: sent with the row still 'sending', a
 * recovery (the next start of the thread: a reload or a restart) would
 * queue it again and the mail could arrive twice. */
static int on_transfer(void *arg)
{
    struct mm_mail *m = arg;
    int r = m->store->ops->mail_mark_transfer(m->store, m->sending_id);
    if (r != 0)
        mm_log_tr(MM_LOG_ERROR, "center-log", "mail.mark_failed", (long long)m->sending_id,
                  mm_msg_strerror(r));
    return r;
}

/* Sends up to SENDS_PER_ROUND due rows. */
static void send_due(struct mm_mail *m)
{
    for (int i = 0; i < SENDS_PER_ROUND; i++) {
        struct mm_mail_row row;
        char err[CURL_ERROR_SIZE + 1024] = ""; /* a TLS refusal says what to do */
        int r = m->store->ops->mail_claim(m->store, mm_time_now_usec(), &row);
        if (r == MM_ENOENT)
            return;
        if (r != 0) {
            mm_log_tr(MM_LOG_ERROR, "center-log", "mail.claim_failed", mm_msg_strerror(r));
            return;
        }
        m->sending_id = row.id;
        r = mm_mail_smtp_send(&m->cfg, row.recipients, row.message, on_transfer, m, err,
                              sizeof err);
        if (r != 0)
            mm_log_tr(MM_LOG_WARN, "center-log", "mail.attempt", (long long)row.id, row.attempts,
                      err);
        int f = m->store->ops->mail_finish(m->store, &m->cfg, row.id, row.attempts, r == 0, err,
                                           mm_time_now_usec());
        if (f != 0)
            mm_log_tr(MM_LOG_ERROR, "center-log", "mail.record_failed", (long long)row.id,
                      mm_msg_strerror(f));
        mm__mail_row_free(&row);
        pthread_mutex_lock(&m->lock);
        bool stop = m->stop;
        pthread_mutex_unlock(&m->lock);
        if (stop || r != 0)
            return;
    }
}

static void one_round(struct mm_mail *m)
{
    int n = 0;
    int r = m->store->ops->mail_digests(m->store, &m->cfg, mm_time_now_usec(), &n);
    if (r != 0)
        mm_log_tr(MM_LOG_ERROR, "center-log", "mail.digest_failed", mm_msg_strerror(r));
    r = m->store->ops->mail_scan(m->store, &m->cfg, mm_time_now_usec(), &n);
    if (r != 0)
        mm_log_tr(MM_LOG_ERROR, "center-log", "mail.scan_failed", mm_msg_strerror(r));
    send_due(m);
}

static void *mail_main(void *arg)
{
    struct mm_mail *m = arg;
    pthread_mutex_lock(&m->lock);
    while (!m->stop) {
        pthread_mutex_unlock(&m->lock);
        one_round(m);
        pthread_mutex_lock(&m->lock);
        if (m->stop)
            break;
        struct timespec ts = mm_time_mono_deadline(m->cfg.poll_ms);
        pthread_cond_timedwait(&m->wake, &m->lock, &ts);
    }
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

int mm_mail_start(struct mm_center *c, const struct mm_mail_config *cfg, struct mm_mail **out)
{
    *out = NULL;
    if (!cfg->enabled)
        return 0;
    int requeued = 0, uncertain = 0;
    int r = c->store->ops->mail_recover(c->store, mm_time_now_usec(), &requeued, &uncertain);
    if (r != 0)
        return r;
    if (requeued)
        mm_log_tr(MM_LOG_INFO, "center-log", "mail.requeued", requeued);
    if (uncertain)
        mm_log_tr(MM_LOG_WARN, "center-log", "mail.uncertain", uncertain);
    struct mm_mail *m = calloc(1, sizeof *m);
    if (!m)
        return MM_ENOMEM;
    m->cfg = *cfg;
    m->store = c->store;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&m->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&m->lock, NULL);
    if (pthread_create(&m->thread, NULL, mail_main, m) != 0) {
        pthread_cond_destroy(&m->wake);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return MM_ENOMEM;
    }
    mm_log_tr(MM_LOG_INFO, "center-log", "mail.sending_through", cfg->host, cfg->port);
    if (cfg->user && *cfg->user && cfg->tls == MM_STARTTLS_NEVER)
        mm_log_tr(MM_LOG_WARN, "center-log", "mail.auth_unencrypted");
    *out = m;
    return 0;
}

void mm_mail_stop(struct mm_mail *m)
{
    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    m->stop = true;
    pthread_cond_broadcast(&m->wake);
    pthread_mutex_unlock(&m->lock);
    pthread_join(m->thread, NULL);
    pthread_cond_destroy(&m->wake);
    pthread_mutex_destroy(&m->lock);
    free(m);
}
