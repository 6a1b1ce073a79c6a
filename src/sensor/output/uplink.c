/* SPDX-License-Identifier: Apache-2.0
 * Owns the sensor's link to the centre: enrolment (code -> key, saved under
 * the state directory with mode 0600) and the uplink thread that drains the
 * spool with libcurl (POST /api/v1/events, gzip body, Bearer key), acks only
 * after a 2xx JSON ingest reply that accounts for every line sent, and backs
 * off exponentially with jitter on failure. The key only travels over HTTPS
 * unless the centre is on loopback or [uplink] allow_insecure = yes.
 * Design and guarantees: docs/design/uplink.md. */
#include "sensor/output/uplink.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "core/json-pool.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/timefmt.h"
#include "core/msg.h"
#include "core/fs.h"
#include "core/ini.h"
#include "sensor/output/spool.h"

#define PROG             "mamori-sensor: uplink"
#define BATCH_BYTES_MAX  (8u * 1024 * 1024) /* raw bytes per request (centre: 16 MiB) */
#define REPLY_MAX        (1024 * 1024)
#define IDLE_POLL_MS     200
#define BACKOFF_FIRST_MS 250
#define CONNECT_MS       3000L
#define REQUEST_MS       60000L

struct mm_uplink {
    struct mm_uplink_config cfg;
    char *center, *key, *spool_dir, *types;
    struct mm_spool_reader *reader;
    CURL *curl;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;         /* under lock */
    int64_t deadline_usec; /* monotonic; valid when stopping */
    bool drained;          /* set by the thread when an empty read follows stopping */
    _Atomic uint64_t last_seq, drops;
    _Atomic uint64_t st_batches, st_accepted, st_duplicates, st_rejected, st_skipped, st_failures,
        st_acked;
    unsigned rng;
};

bool mm_uplink_type_selected(const char *list, const char *type)
{
    size_t tl = strlen(type);
    const char *p = list;
    while (p && *p) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *last = end;
        while (last > p && last[-1] == ' ')
            last--;
        if ((size_t)(last - p) == tl && memcmp(p, type, tl) == 0)
            return true;
        p = end;
    }
    return false;
}

/* ---- the centre's URL ------------------------------------------------------ */

/* True for localhost, 127.0.0.0/8 and ::1 (host without brackets or port). */
static bool host_is_loopback(const char *host)
{
    struct in_addr v4;
    struct in6_addr v6;
    if (strcasecmp(host, "localhost") == 0)
        return true;
    if (inet_pton(AF_INET, host, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    return inet_pton(AF_INET6, host, &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

/* Copies the host of "http://HOST[:port][/...]" (IPv6 in brackets) to out. */
static int url_host(const char *rest, char *out, size_t outlen)
{
    size_t n;
    if (rest[0] == '[') {
        const char *end = strchr(rest, ']');
        if (!end)
            return MM_EINVAL;
        rest++;
        n = (size_t)(end - rest);
    } else {
        n = strcspn(rest, ":/?#");
    }
    if (n == 0 || n >= outlen || memchr(rest, '@', n))
        return MM_EINVAL;
    memcpy(out, rest, n);
    out[n] = '\0';
    return 0;
}

int mm_uplink_url_check(const char *url, bool allow_insecure)
{
    char host[256];
    if (strncasecmp(url, "https://", 8) == 0)
        return url[8] && url[8] != '/' ? 0 : MM_EINVAL;
    if (strncasecmp(url, "http://", 7) != 0 || strpbrk(url + 7, "@") ||
        url_host(url + 7, host, sizeof host) != 0)
        return MM_EINVAL;
    return allow_insecure || host_is_loopback(host) ? 0 : MM_EPERM;
}

/* Explains a refused centre URL in err. */
static void url_refusal(int r, const char *url, char *err, size_t errlen)
{
    if (r == MM_EPERM)
        mm_msg_format(err, errlen, "sensor-log", "uplink.plain_http", url);
    else
        mm_msg_format(err, errlen, "sensor-log", "uplink.bad_url", url);
}

/* ---- HTTP helpers --------------------------------------------------------- */

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    struct mm_buf *b = arg;
    size_t len = size * n;
    if (b->len + len > REPLY_MAX || mm_buf_append(b, data, len) != 0)
        return 0;
    return len;
}

/* The CA certificates of [uplink] ca_file for c's transfers, from memory
 * (libcurl keeps its own copy): the file was read with the settings, and a
 * live sensor can no longer open a file only root may read once it has
 * switched user. NULL: libcurl's default bundle. 0, MM_EUNSUPPORTED (this
 * libcurl cannot take a CA from memory: ca_unsupported) or MM_ENOMEM. */
static int set_ca(CURL *c, const char *pem, size_t len)
{
    if (!pem)
        return 0;
    struct curl_blob blob = {.data = (void *)pem, .len = len, .flags = CURL_BLOB_COPY};
    CURLcode cr = curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
    /* libcurl built with GnuTLS or NSS (Debian's libcurl4-gnutls-dev) has the
     * option but not the feature; a libcurl older than 7.77 lacks the option */
    if (cr == CURLE_NOT_BUILT_IN || cr == CURLE_UNKNOWN_OPTION)
        return MM_EUNSUPPORTED;
    return cr == CURLE_OK ? 0 : MM_ENOMEM;
}

/* The message for set_ca's MM_EUNSUPPORTED, naming the libcurl in use. */
static void ca_unsupported(char *err, size_t errlen)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    mm_msg_format(err, errlen, "sensor-log", "uplink.ca_blob_unsupported", v->version,
                  v->ssl_version ? v->ssl_version : "-");
}

/* POSTs body to url; *status gets the HTTP status (0: no reply). MM_ECERT:
 * the centre's certificate is not trusted (no or the wrong [uplink]
 * ca_file); MM_ENET: any other failure to get a reply. */
static int http_post(CURL *c, const char *url, struct curl_slist *hdrs, const void *body,
                     size_t len, long *status, struct mm_buf *reply)
{
    *status = 0;
    mm_buf_reset(reply);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, reply);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode cr = curl_easy_perform(c);
    if (cr == CURLE_PEER_FAILED_VERIFICATION)
        return MM_ECERT;
    if (cr != CURLE_OK)
        return MM_ENET;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

/* Compresses in into out as a gzip stream. */
static int gzip_buf(const struct mm_buf *in, struct mm_buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    mm_buf_reset(out);
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return MM_ENOMEM;
    size_t bound = deflateBound(&zs, in->len) + 32;
    int r = mm_buf_reserve(out, bound);
    if (r == 0) {
        zs.next_in = (Bytef *)(in->data ? in->data : "");
        zs.avail_in = (uInt)in->len;
        zs.next_out = (Bytef *)out->data;
        zs.avail_out = (uInt)bound;
        if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
            r = MM_EIO;
        else
            out->len = zs.total_out;
    }
    deflateEnd(&zs);
    return r;
}

/* ---- enrolment and the state file ----------------------------------------- */

static int write_state(const char *state_dir, const struct mm_uplink_state *st)
{
    char path[4096];
    struct mm_buf text = MM_BUF_INIT;
    int r = mm_mkdir_p(state_dir, 0750);
    if (r != 0)
        return r;
    snprintf(path, sizeof path, "%s/%s", state_dir, MM_UPLINK_STATE_FILE);
    r = mm_buf_printf(&text,
                      "# mamori-sensor: written by --enrol. The key is a secret: keep this file\n"
                      "# readable by the sensor only (mode 0600).\n"
                      "[uplink]\ncenter = %s\nkey = %s\nsensor_id = %lld\n",
                      st->center, st->key, (long long)st->sensor_id);
    if (r == 0)
        r = mm_file_write_atomic_mode(path, text.data, text.len, 0600);
    mm_memzero(text.data, text.len); /* the key */
    mm_buf_free(&text);
    return r;
}

/* Reads uplink.conf (path) into a new NUL-terminated buffer. It is read as
 * root (before start() drops to --user) from a folder the --user account
 * owns, which could put a link, /dev/zero, a FIFO or a huge file there: the
 * file itself is opened without following a link (MM_ESYMLINK) and without
 * waiting on a FIFO, and only a regular file with one name (not a hard
 * link to root's file) owned by root, this process's user or user_uid, of
 * at most MM_UPLINK_STATE_MAX bytes, is read (else MM_ESTATE, MM_ETOOBIG).
 * Only a missing file (MM_ENOENT) means "not enrolled"; any other reason
 * the caller says. */
#define MM_UPLINK_STATE_MAX ((size_t)64 << 10)
static int read_state_file(const char *path, uid_t user_uid, char **out)
{
    struct stat sb;
    *out = NULL;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return mm_error_nofollow(path, errno);
    int r = 0;
    char *text = NULL;
    if (fstat(fd, &sb) != 0)
        r = mm_error_from_errno(errno);
    else if (S_ISDIR(sb.st_mode))
        r = MM_EISDIR;
    else if (!S_ISREG(sb.st_mode) || sb.st_nlink != 1 ||
             (sb.st_uid != 0 && sb.st_uid != geteuid() && sb.st_uid != user_uid))
        r = MM_ESTATE;
    else if ((size_t)sb.st_size > MM_UPLINK_STATE_MAX)
        r = MM_ETOOBIG;
    else if (!(text = calloc(1, MM_UPLINK_STATE_MAX + 1)))
        r = MM_ENOMEM;
    else {
        ssize_t n = mm_pread_full(fd, text, MM_UPLINK_STATE_MAX + 1, 0);
        if (n < 0 || (size_t)n > MM_UPLINK_STATE_MAX) {
            r = n < 0 ? mm_error_from_errno(errno) : MM_ETOOBIG; /* grew */
            mm_memzero(text, MM_UPLINK_STATE_MAX + 1);
            free(text);
            text = NULL;
        }
    }
    close(fd);
    *out = text;
    return r;
}

int mm_uplink_state_load(const char *state_dir, uid_t user_uid, struct mm_uplink_state *out)
{
    char path[4096], err[256];
    struct mm_ini *ini = NULL;
    char *text = NULL;
    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "%s/%s", state_dir, MM_UPLINK_STATE_FILE);
    int r = read_state_file(path, user_uid, &text);
    if (r != 0)
        return r;
    r = mm_ini_load_text(text, path, &ini, err, sizeof err); /* 199-byte lines */
    mm_memzero(text, MM_UPLINK_STATE_MAX + 1);               /* the key */
    free(text);
    if (r != 0)
        return r;
    const char *center = mm_ini_get(ini, "uplink", "center");
    const char *key = mm_ini_get(ini, "uplink", "key");
    long id = 0;
    if (!center || !key || strlen(center) >= sizeof out->center || !mm_uplink_key_valid(key) ||
        mm_ini_get_int(ini, "uplink", "sensor_id", 0, 0, INT32_MAX, &id) != 0) {
        r = MM_EPARSE;
    } else {
        snprintf(out->center, sizeof out->center, "%s", center);
        snprintf(out->key, sizeof out->key, "%s", key);
        out->sensor_id = id;
    }
    mm_ini_free_wiped(ini); /* the key */
    return r;
}

/* Whether key has the form of the centre's sensor keys (mm_secret_new:
 * "mms_" and base64url characters): the key goes into uplink.conf as a line
 * and into an HTTP header, where a line end or another byte from a centre
 * (or whoever answers in its name) would add lines or headers of its own. */
bool mm_uplink_key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n <= 4 || n >= MM_UPLINK_KEY_MAX || strncmp(key, "mms_", 4) != 0)
        return false;
    for (size_t i = 4; i < n; i++) {
        char c = key[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

static int parse_enrol_reply(long status, const struct mm_buf *reply, struct mm_uplink_state *st,
                             char *err, size_t errlen)
{
    json_t *j = json_loadb(reply->data ? reply->data : "", reply->len, 0, NULL);
    int r = 0;
    if (status == 404 || status == 410) {
        mm_msg_format(err, errlen, "sensor-log", "uplink.code_refused", status);
        r = MM_EAUTH;
    } else if (status != 201 && status != 200) {
        mm_msg_format(err, errlen, "sensor-log", "uplink.http_status", status, mm_buf_str(reply));
        r = MM_ENET;
    } else {
        const char *key = json_string_value(json_object_get(j, "key"));
        json_t *id = json_object_get(j, "sensor_id");
        if (!key || strlen(key) >= sizeof st->key || !json_is_integer(id)) {
            mm_msg_format(err, errlen, "sensor-log", "uplink.bad_enrol_reply");
            r = MM_EPARSE;
        } else if (!mm_uplink_key_valid(key)) {
            mm_msg_format(err, errlen, "sensor-log", "uplink.bad_key");
            r = MM_EPARSE;
        } else {
            snprintf(st->key, sizeof st->key, "%s", key);
            st->sensor_id = json_integer_value(id);
        }
    }
    json_decref(j);
    return r;
}

int mm_uplink_enrol(const char *center, const char *code, const char *name, const char *state_dir,
                    const char *ca_pem, size_t ca_len, bool allow_insecure,
                    struct mm_uplink_state *out, char *err, size_t errlen)
{
    struct mm_uplink_state st;
    struct mm_buf reply = MM_BUF_INIT;
    struct curl_slist *hdrs = NULL;
    char url[MM_UPLINK_URL_MAX + 32];
    char *body = NULL;
    CURL *c = NULL;
    long status = 0;
    int r = MM_EINVAL;
    memset(&st, 0, sizeof st);
    memset(out, 0, sizeof *out);
    /* (the URL is a line of uplink.conf, "center = URL": one the settings
     * reader cannot read back is refused here) */
    if (strlen(center) > MM_UPLINK_ENROL_URL_MAX) {
        mm_msg_format(err, errlen, "sensor-log", "uplink.url_too_long", MM_UPLINK_ENROL_URL_MAX);
        goto out;
    }
    if ((r = mm_uplink_url_check(center, allow_insecure)) != 0) {
        url_refusal(r, center, err, errlen);
        goto out;
    }
    snprintf(st.center, sizeof st.center, "%s", center);
    size_t cl = strlen(st.center);
    while (cl > 0 && st.center[cl - 1] == '/')
        st.center[--cl] = '\0';
    snprintf(url, sizeof url, "%s/api/v1/enrol", st.center);
    json_t *req = json_pack("{s:s, s:s}", "code", code, "name", name);
    body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    r = MM_ENOMEM;
    if (!body || !(c = curl_easy_init()) ||
        !(hdrs = curl_slist_append(NULL, "Content-Type: application/json")))
        goto out;
    if ((r = set_ca(c, ca_pem, ca_len)) != 0) {
        if (r == MM_EUNSUPPORTED)
            ca_unsupported(err, errlen);
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 30000L);
    r = http_post(c, url, hdrs, body, strlen(body), &status, &reply);
    if (r != 0) {
        mm_msg_format(err, errlen, "sensor-log",
                      r == MM_ECERT ? "uplink.untrusted" : "uplink.unreachable", st.center);
        goto out;
    }
    if ((r = parse_enrol_reply(status, &reply, &st, err, errlen)) != 0)
        goto out;
    if ((r = write_state(state_dir, &st)) != 0) {
        mm_msg_format(err, errlen, "sensor-log", "uplink.cannot_write", state_dir,
                      MM_UPLINK_STATE_FILE);
        goto out;
    }
    *out = st;
out:
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    mm_json_free(body);
    mm_buf_free(&reply);
    memset(&st, 0, sizeof st);
    return r;
}

/* ---- the uplink thread ---------------------------------------------------- */

/* True once stop was asked and its flush deadline passed. */
static bool give_up(struct mm_uplink *u)
{
    pthread_mutex_lock(&u->lock);
    bool r = u->stopping && mm_time_mono_usec() >= u->deadline_usec;
    pthread_mutex_unlock(&u->lock);
    return r;
}

/* libcurl progress callback: aborts a transfer past the flush deadline. */
static int progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    return give_up(arg) ? 1 : 0;
}

/* Sleeps ms, less when a stop is asked meanwhile or the deadline comes first. */
static void nap(struct mm_uplink *u, long ms)
{
    int64_t until = mm_time_mono_usec() + (int64_t)ms * 1000;
    pthread_mutex_lock(&u->lock);
    bool was = u->stopping;
    for (;;) {
        int64_t t = until;
        if (u->stopping && u->deadline_usec < t)
            t = u->deadline_usec;
        if (mm_time_mono_usec() >= t || u->stopping != was)
            break;
        struct timespec ts = {.tv_sec = t / 1000000, .tv_nsec = (t % 1000000) * 1000};
        pthread_cond_timedwait(&u->wake, &u->lock, &ts);
    }
    pthread_mutex_unlock(&u->lock);
}

/* Exponential backoff with jitter: a random delay in [d/2, d] where d
 * doubles per consecutive failure from BACKOFF_FIRST_MS up to the cap. */
static long backoff_ms(struct mm_uplink *u, unsigned failures)
{
    long d = BACKOFF_FIRST_MS;
    for (unsigned i = 1; i < failures && d < u->cfg.retry_max_ms; i++)
        d *= 2;
    if (d > u->cfg.retry_max_ms)
        d = u->cfg.retry_max_ms;
    return d / 2 + (long)(rand_r(&u->rng) % (unsigned)(d / 2 + 1));
}

/* The batch's selected records as EVE lines; seqs[i] is the seq of line i+1. */
static int build_body(struct mm_uplink *u, const struct mm_spool_batch *b, struct mm_buf *raw,
                      uint64_t *seqs, size_t *nlines, size_t *skipped)
{
    *nlines = 0;
    *skipped = 0;
    mm_buf_reset(raw);
    for (size_t i = 0; i < b->count; i++) {
        const struct mm_spool_record *rec = &b->records[i];
        json_t *ev = json_loadb(rec->json, rec->len, 0, NULL);
        const char *type = json_string_value(json_object_get(ev, "event_type"));
        bool selected = !ev || !type || mm_uplink_type_selected(u->types, type);
        json_decref(ev);
        if (!selected) {
            (*skipped)++;
            continue;
        }
        int r = mm_buf_append(raw, rec->json, rec->len);
        if (r == 0)
            r = mm_buf_putc(raw, '\n');
        if (r != 0)
            return r;
        seqs[(*nlines)++] = rec->seq;
    }
    return 0;
}

/* True when j is the centre's ingest reply for exactly nlines lines:
 * {"accepted": A, "duplicates": D, "rejected": [...]} with A + D +
 * len(rejected) == nlines. Anything else (a proxy's or captive portal's
 * 2xx page, a truncated body) proves nothing was stored. */
static bool reply_accounts_for(const json_t *j, size_t nlines)
{
    const json_t *acc = json_object_get(j, "accepted"), *dup = json_object_get(j, "duplicates");
    const json_t *rej = json_object_get(j, "rejected");
    if (!json_is_object(j) || !json_is_integer(acc) || !json_is_integer(dup) ||
        !json_is_array(rej) || json_integer_value(acc) < 0 || json_integer_value(dup) < 0)
        return false;
    uint64_t total = (uint64_t)json_integer_value(acc) + (uint64_t)json_integer_value(dup) +
                     json_array_size(rej);
    return total == nlines;
}

/* Reads the centre's ingest reply: counts, and a log line per rejected
 * event (acknowledged anyway, so one bad event cannot block the queue).
 * MM_EPARSE when the reply does not account for every line sent. */
static int account_reply(struct mm_uplink *u, const struct mm_buf *reply, const uint64_t *seqs,
                         size_t nlines)
{
    json_t *j = json_loadb(reply->data ? reply->data : "", reply->len, 0, NULL);
    if (!reply_accounts_for(j, nlines)) {
        if (!u->cfg.quiet)
            mm_msg_print(stderr, PROG, "sensor-log", "uplink.not_ingest_reply", nlines,
                         mm_buf_str(reply));
        json_decref(j);
        return MM_EPARSE;
    }
    u->st_accepted += (uint64_t)json_integer_value(json_object_get(j, "accepted"));
    u->st_duplicates += (uint64_t)json_integer_value(json_object_get(j, "duplicates"));
    json_t *rej = json_object_get(j, "rejected"), *item;
    size_t i;
    json_array_foreach(rej, i, item)
    {
        json_int_t line = json_integer_value(json_object_get(item, "line"));
        const char *why = json_string_value(json_object_get(item, "reason"));
        u->st_rejected++;
        if (line >= 1 && (size_t)line <= nlines)
            mm_msg_print(stderr, PROG, "sensor-log", "uplink.rejected",
                         (unsigned long long)seqs[line - 1],
                         why ? why : mm_msg("sensor-log", "uplink.no_reason"));
    }
    json_decref(j);
    return 0;
}

/* Sends one batch, the spool's records up to seq top. 0: the centre stored
 * it (2xx with an ingest reply that accounts for every line); MM_ETOOBIG:
 * 413; MM_EPARSE: a 2xx that is not such a reply; MM_ENET: any other
 * failure (all but 413 retried later). */
static int send_lines(struct mm_uplink *u, const struct mm_buf *raw, const uint64_t *seqs,
                      size_t nlines, uint64_t top)
{
    struct mm_buf gz = MM_BUF_INIT, reply = MM_BUF_INIT;
    struct curl_slist *h = NULL;
    char url[MM_UPLINK_URL_MAX + 32], line[256];
    long status = 0;
    uint64_t last = atomic_load(&u->last_seq);
    int r = gzip_buf(raw, &gz);
    if (r != 0)
        goto out;
    snprintf(url, sizeof url, "%s/api/v1/events", u->center);
    h = curl_slist_append(h, "Content-Type: application/x-ndjson");
    h = curl_slist_append(h, "Content-Encoding: gzip");
    h = curl_slist_append(h, "Expect:");
    snprintf(line, sizeof line, "Authorization: Bearer %s", u->key);
    h = curl_slist_append(h, line);
    /* what still waits once this batch is stored: the centre keeps the value
     * it was sent last, and after a sensor's last batch that must be 0 */
    snprintf(line, sizeof line, "Mamori-Spool-Backlog: %llu",
             (unsigned long long)(last > top ? last - top : 0));
    h = curl_slist_append(h, line);
    snprintf(line, sizeof line, "Mamori-Drops: %llu", (unsigned long long)atomic_load(&u->drops));
    if (!(h = curl_slist_append(h, line))) {
        r = MM_ENOMEM;
        goto out;
    }
    r = http_post(u->curl, url, h, gz.data, gz.len, &status, &reply);
    if (r == 0 && status >= 200 && status < 300)
        r = account_reply(u, &reply, seqs, nlines);
    else if (r == 0 && status == 413)
        r = MM_ETOOBIG;
    else if (r == 0) {
        if (!u->cfg.quiet)
            mm_msg_print(stderr, PROG, "sensor-log", "uplink.http_status", status,
                         mm_buf_str(&reply));
        r = MM_ENET;
    }
out:
    curl_slist_free_all(h);
    mm_buf_free(&gz);
    mm_buf_free(&reply);
    return r;
}

/* Delivers one batch read from the spool and acks it on success. */
static int deliver(struct mm_uplink *u, const struct mm_spool_batch *b)
{
    struct mm_buf raw = MM_BUF_INIT;
    uint64_t *seqs = calloc(b->count, sizeof *seqs);
    size_t nlines = 0, skipped = 0;
    int r = seqs ? build_body(u, b, &raw, seqs, &nlines, &skipped) : MM_ENOMEM;
    uint64_t top = b->records[b->count - 1].seq;
    if (r == 0 && nlines > 0) {
        r = send_lines(u, &raw, seqs, nlines, top);
        if (r == 0)
            u->st_batches++;
    }
    if (r == 0 && (r = mm_spool_reader_ack(u->reader, top)) == 0) {
        atomic_store(&u->st_acked, top);
        u->st_skipped += skipped;
    }
    mm_buf_free(&raw);
    free(seqs);
    return r;
}

/* A record the centre refuses even alone (413): log it and move on. */
static void skip_oversized(struct mm_uplink *u, const struct mm_spool_batch *b)
{
    uint64_t seq = b->records[0].seq;
    mm_msg_print(stderr, PROG, "sensor-log", "uplink.too_large", (unsigned long long)seq);
    u->st_rejected++;
    if (mm_spool_reader_ack(u->reader, seq) == 0)
        atomic_store(&u->st_acked, seq);
}

/* True when the program has asked the thread to stop. */
static bool stop_asked(struct mm_uplink *u)
{
    pthread_mutex_lock(&u->lock);
    bool stop = u->stopping;
    pthread_mutex_unlock(&u->lock);
    return stop;
}

/* Marks the spool drained. Only a read that began after the stop was asked
 * proves it: the program syncs its last records before it asks, so an
 * empty read from before the ask may have missed them. */
static void mark_drained(struct mm_uplink *u)
{
    pthread_mutex_lock(&u->lock);
    u->drained = true;
    pthread_mutex_unlock(&u->lock);
}

/* The first failure of a run of them: the spool folder or file that could
 * not be read (its path and the system's reason: nothing was sent, and
 * the centre is not to blame), or the centre that could not be reached. */
static void report_failure(struct mm_uplink *u, int r, bool reading)
{
    if (reading && mm_spool_reader_failed(u->reader)[0]) /* (else memory ran out) */
        mm_msg_print(stderr, PROG, "sensor-log",
                     mm_error_has_step(r) ? "uplink.spool_unreadable_own_step"
                                          : "uplink.spool_unreadable",
                     mm_spool_reader_failed(u->reader), mm_msg_strerror(r));
    else
        mm_msg_print(stderr, PROG, "sensor-log", "uplink.retrying", u->center, mm_msg_strerror(r));
}

static void *uplink_main(void *arg)
{
    struct mm_uplink *u = arg;
    size_t batch_max = u->cfg.batch_max;
    unsigned failures = 0;
    while (!give_up(u)) {
        struct mm_spool_batch b = {0};
        bool asked_before_read = stop_asked(u);
        int r = mm_spool_reader_next(u->reader, batch_max, BATCH_BYTES_MAX, &b);
        bool reading = r != 0;
        if (r == 0 && b.count == 0) {
            mm_spool_batch_free(&b);
            if (asked_before_read) {
                mark_drained(u);
                break;
            }
            if (!stop_asked(u))
                nap(u, IDLE_POLL_MS);
            continue; /* asked meanwhile: read once more at once */
        }
        if (r == 0)
            r = deliver(u, &b);
        if (r == MM_ETOOBIG && batch_max > 1) {
            batch_max /= 2;
        } else if (r == MM_ETOOBIG) {
            skip_oversized(u, &b);
        } else if (r != 0) {
            u->st_failures++;
            failures++;
            if (failures == 1 && !u->cfg.quiet)
                report_failure(u, r, reading);
            nap(u, backoff_ms(u, failures));
        } else {
            if (failures > 0 && !u->cfg.quiet)
                mm_msg_print(stderr, PROG, "sensor-log", "uplink.delivering");
            failures = 0;
            if (batch_max < u->cfg.batch_max)
                batch_max *= 2;
        }
        mm_spool_batch_free(&b);
    }
    return NULL;
}

static void uplink_free(struct mm_uplink *u)
{
    if (!u)
        return;
    mm_spool_reader_close(u->reader);
    curl_easy_cleanup(u->curl);
    free(u->center);
    if (u->key)
        mm_memzero(u->key, strlen(u->key));
    free(u->key);
    free(u->spool_dir);
    free(u->types);
    pthread_cond_destroy(&u->wake);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

static char *dup_or_null(const char *s, bool *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = true;
    return d;
}

/* Creates the thread with every signal blocked, so SIGINT/SIGTERM/SIGHUP
 * go to the capture thread. */
static int spawn(struct mm_uplink *u)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&u->thread, NULL, uplink_main, u);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return e == 0 ? 0 : MM_ENOMEM;
}

int mm_uplink_start(const struct mm_uplink_config *cfg, struct mm_uplink **out)
{
    *out = NULL;
    if (!cfg->center || !cfg->key || !cfg->spool_dir || cfg->batch_max < 1 ||
        cfg->batch_max > 10000 || cfg->retry_max_ms < 1 || strlen(cfg->center) >= MM_UPLINK_URL_MAX)
        return MM_EINVAL;
    int checked = mm_uplink_url_check(cfg->center, cfg->allow_insecure);
    if (checked != 0) {
        char err[512];
        url_refusal(checked, cfg->center, err, sizeof err);
        fprintf(stderr, PROG ": %s\n", err);
        return checked;
    }
    struct mm_uplink *u = calloc(1, sizeof *u);
    if (!u)
        return MM_ENOMEM;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&u->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&u->lock, NULL);
    u->cfg = *cfg;
    u->cfg.ca_pem = NULL; /* (libcurl's copy is used) */
    u->rng = (unsigned)getpid() ^ (unsigned)mm_time_mono_usec();
    bool fail = false;
    u->center = dup_or_null(cfg->center, &fail);
    u->key = dup_or_null(cfg->key, &fail);
    u->spool_dir = dup_or_null(cfg->spool_dir, &fail);
    u->types = dup_or_null(cfg->event_types ? cfg->event_types : "alert,device", &fail);
    int r = fail ? MM_ENOMEM : 0;
    if (r == 0) {
        size_t n = strlen(u->center);
        while (n > 0 && u->center[n - 1] == '/')
            u->center[--n] = '\0';
        r = mm_spool_reader_open(u->spool_dir, &u->reader);
    }
    if (r == 0 && !(u->curl = curl_easy_init()))
        r = MM_ENOMEM;
    if (r == 0 && (r = set_ca(u->curl, cfg->ca_pem, cfg->ca_pem_len)) == MM_EUNSUPPORTED) {
        char err[512];
        ca_unsupported(err, sizeof err);
        fprintf(stderr, PROG ": %s\n", err);
    }
    if (r == 0) {
        curl_easy_setopt(u->curl, CURLOPT_TIMEOUT_MS, REQUEST_MS);
        curl_easy_setopt(u->curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(u->curl, CURLOPT_XFERINFOFUNCTION, progress_cb);
        curl_easy_setopt(u->curl, CURLOPT_XFERINFODATA, u);
        atomic_store(&u->st_acked, mm_spool_reader_acked(u->reader));
        r = spawn(u);
    }
    if (r != 0) {
        uplink_free(u);
        return r;
    }
    *out = u;
    return 0;
}

void mm_uplink_note(struct mm_uplink *u, uint64_t spool_last_seq, uint64_t drops)
{
    if (!u)
        return;
    atomic_store_explicit(&u->last_seq, spool_last_seq, memory_order_relaxed);
    atomic_store_explicit(&u->drops, drops, memory_order_relaxed);
}

void mm_uplink_stats(struct mm_uplink *u, struct mm_uplink_stats *out)
{
    memset(out, 0, sizeof *out);
    if (!u)
        return;
    out->sent_batches = u->st_batches;
    out->accepted = u->st_accepted;
    out->duplicates = u->st_duplicates;
    out->rejected = u->st_rejected;
    out->skipped = u->st_skipped;
    out->failures = u->st_failures;
    out->acked_seq = u->st_acked;
}

bool mm_uplink_stop(struct mm_uplink *u, long flush_ms)
{
    if (!u)
        return true;
    pthread_mutex_lock(&u->lock);
    u->stopping = true;
    u->deadline_usec = mm_time_mono_usec() + (int64_t)(flush_ms > 0 ? flush_ms : 0) * 1000;
    pthread_cond_broadcast(&u->wake);
    pthread_mutex_unlock(&u->lock);
    pthread_join(u->thread, NULL);
    bool drained = u->drained;
    uplink_free(u);
    return drained;
}
