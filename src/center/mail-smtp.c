/* SPDX-License-Identifier: Apache-2.0
 * Owns the SMTP conversation of emergency mail: one libcurl easy transfer
 * per message (smtp://host:port, STARTTLS per [mail] starttls, optional
 * AUTH), envelope sender from the From address, one RCPT per recipient. The
 * read callback tells the outbox when the message body starts to flow, which
 * is the line between "safe to resend" and "maybe delivered" (mail.md). With
 * a [mail] user the password goes only over TLS unless starttls = never. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "center/mail.h"
#include "core/error.h"
#include "core/msg.h"

#define RCPT_MAX 64

struct upload {
    const char *data;
    size_t len, off;
    bool started, refused;
    int (*on_data)(void *arg);
    void *arg;
};

/* Before the first byte of the message: on_data refusing (the outbox could
 * not record the row in transfer) aborts the transfer, so the server gets
 * no complete message: a row still 'sending' is then safe to send again. */
static size_t read_message(char *buf, size_t size, size_t n, void *arg)
{
    struct upload *u = arg;
    if (!u->started) {
        u->started = true;
        u->refused = u->on_data && u->on_data(u->arg) != 0;
    }
    if (u->refused)
        return CURL_READFUNC_ABORT;
    size_t room = size * n, left = u->len - u->off;
    size_t take = left < room ? left : room;
    memcpy(buf, u->data + u->off, take);
    u->off += take;
    return take;
}

/* "Name <a@b>" -> "<a@b>"; "a@b" -> "<a@b>". */
static void envelope_address(const char *from, char *out, size_t outlen)
{
    const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt)
        snprintf(out, outlen, "%.*s", (int)(gt - lt + 1), lt);
    else
        snprintf(out, outlen, "<%s>", from);
}

/* One RCPT entry per comma-separated recipient. */
static struct curl_slist *recipient_list(const char *recipients)
{
    struct curl_slist *list = NULL;
    const char *p = recipients;
    int n = 0;
    while (*p && n < RCPT_MAX) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ",");
        while (len > 0 && p[len - 1] == ' ')
            len--;
        if (len > 0 && len < 320) {
            char addr[330];
            snprintf(addr, sizeof addr, "<%.*s>", (int)len, p);
            struct curl_slist *nl = curl_slist_append(list, addr);
            if (!nl) {
                curl_slist_free_all(list);
                return NULL;
            }
            list = nl;
            n++;
        }
        p += strcspn(p, ",");
    }
    return list;
}

/* [mail] ca_file for the STARTTLS certificate: the text read at start
 * (cfg->ca_pem, mm_mail_config_check_files), from memory, so the file is
 * not read again at every send and what was checked is what is used. A
 * libcurl that cannot take a CA from memory (built with GnuTLS or NSS:
 * CURLE_NOT_BUILT_IN; older than 7.77: CURLE_UNKNOWN_OPTION) gets the path,
 * as before: the centre keeps its user, so it can still open the file
 * (unlike the sensor, uplink.md). */
static void set_ca(CURL *c, const struct mm_mail_config *cfg)
{
    if (cfg->ca_pem) {
        /* not copied: cfg->ca_pem outlives the transfer (mm_mail_stop first) */
        struct curl_blob blob = {
            .data = cfg->ca_pem, .len = cfg->ca_pem_len, .flags = CURL_BLOB_NOCOPY};
        if (curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob) == CURLE_OK)
            return;
    }
    if (cfg->ca_file && *cfg->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
}

/* libcurl's CURLOPT_USE_SSL for the settings. With a [mail] user, "try"
 * (the default) means TLS or nothing: someone on the path could strip
 * STARTTLS from the server's EHLO reply and read the password that followed
 * in clear (a security review). Only starttls = never, written out, sends it
 * unencrypted (mm_mail_start warns). */
static long ssl_level(const struct mm_mail_config *cfg)
{
    if (cfg->tls == MM_STARTTLS_NEVER)
        return (long)CURLUSESSL_NONE;
    if (cfg->tls == MM_STARTTLS_ALWAYS || mm_mail_auth_needs_tls(cfg))
        return (long)CURLUSESSL_ALL;
    return (long)CURLUSESSL_TRY;
}

/* The reason of a failed transfer: for TLS the settings asked for and the
 * server did not give (no STARTTLS in its reply, or it refused it), which
 * setting asked for it and what to do; else libcurl's text. */
static void failure_text(const struct mm_mail_config *cfg, CURLcode cr, const char *cerr, char *err,
                         size_t errlen)
{
    const char *why = cerr[0] ? cerr : curl_easy_strerror(cr);
    if (cr == CURLE_USE_SSL_FAILED && cfg->tls == MM_STARTTLS_ALWAYS)
        mm_msg_format(err, errlen, "center-log", "mail.tls_always_refused", why);
    else if (cr == CURLE_USE_SSL_FAILED && mm_mail_auth_needs_tls(cfg))
        mm_msg_format(err, errlen, "center-log", "mail.tls_for_auth_refused", why);
    else
        snprintf(err, errlen, "%s", why);
}

int mm_mail_smtp_send(const struct mm_mail_config *cfg, const char *recipients, const char *message,
                      int (*on_data)(void *arg), void *arg, char *err, size_t errlen)
{
    char url[512], from[330], cerr[CURL_ERROR_SIZE] = "";
    struct upload up = {.data = message, .len = strlen(message), .on_data = on_data, .arg = arg};
    struct curl_slist *rcpt = recipient_list(recipients);
    CURL *c = curl_easy_init();
    int r = MM_ENOMEM;
    if (!c || !rcpt) {
        snprintf(err, errlen, "%s", rcpt ? "out of memory" : "no valid recipient");
        r = rcpt ? MM_ENOMEM : MM_EINVAL;
        goto out;
    }
    snprintf(url, sizeof url, "smtp://%s:%d", cfg->host, cfg->port);
    envelope_address(cfg->from, from, sizeof from);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->timeout);
    curl_easy_setopt(c, CURLOPT_USE_SSL, ssl_level(cfg));
    set_ca(c, cfg);
    if (cfg->user && *cfg->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->password ? cfg->password : "");
    }
    CURLcode cr = curl_easy_perform(c);
    if (cr == CURLE_OK) {
        r = 0;
    } else if (up.refused) {
        mm_msg_format(err, errlen, "center-log", "mail.not_marked");
        r = MM_ENET;
    } else {
        failure_text(cfg, cr, cerr, err, errlen);
        r = MM_ENET;
    }
out:
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    return r;
}
