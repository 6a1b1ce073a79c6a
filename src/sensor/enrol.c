/* SPDX-License-Identifier: Apache-2.0
 * Owns mamori-sensor's enrolment and uplink options: --enrol CODE,
 * --center URL, --sensor-name NAME and --allow-insecure are taken out of argv before the
 * capture options are parsed (config.c never sees them), enrolment runs
 * before capture, and the uplink thread is configured from the command line,
 * the [uplink] section and STATE/uplink.conf; and libcurl's global state,
 * set up only by a run that enrols or starts the uplink (a run without them
 * does not pay for it). docs/design/uplink.md. */
#include "sensor/enrol.h"

#include <curl/curl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/buf.h"
#include "core/msg.h"
#include "sensor/sensor-int.h"

#define PROG "mamori-sensor"

static bool curl_ready; /* curl_global_init succeeded; cleaned up by mm__link_end */

/* Sets libcurl's global state up, once for the process: called on the main
 * thread by the enrolment and the uplink's start, before the uplink thread
 * (and any reload thread, which starts with the capture) exists. False,
 * said, when libcurl cannot be set up. */
static bool curl_setup(void)
{
    if (curl_ready)
        return true;
    CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);
    if (c != CURLE_OK) {
        mm_msg_print(stderr, PROG, "sensor-log", "link.curl_init_failed", curl_easy_strerror(c));
        return false;
    }
    curl_ready = true;
    return true;
}

void mm__link_end(void)
{
    if (curl_ready)
        curl_global_cleanup();
    curl_ready = false;
}

/* Prints the usage error key (data/i18n/sensor-log.json, one %s for arg at
 * most) and the hint to --help; returns the usage exit status. */
static int link_usage_arg(const char *key, const char *arg)
{
    mm_msg_print(stderr, PROG, "sensor-log", key, arg);
    mm_msg_print(stderr, PROG, "sensor-log", "try_help");
    return 2;
}

static int link_usage(const char *key)
{
    return link_usage_arg(key, NULL);
}

/* "--opt VALUE" or "--opt=VALUE": *value set, *used = arguments consumed. */
static bool match_opt(const char *name, int argc, char **argv, int i, const char **value, int *used)
{
    size_t n = strlen(name);
    if (strncmp(argv[i], name, n) != 0)
        return false;
    if (argv[i][n] == '=') {
        *value = argv[i] + n + 1;
        *used = 1;
        return true;
    }
    if (argv[i][n] != '\0')
        return false;
    *value = i + 1 < argc ? argv[i + 1] : NULL;
    *used = 2;
    return true;
}

static bool is_capture_opt(const char *a)
{
    return strncmp(a, "-r", 2) == 0 || strncmp(a, "-i", 2) == 0 || strncmp(a, "--read", 6) == 0 ||
           strncmp(a, "--interface", 11) == 0;
}

/* The first line of standard input, without its line end, into buf. */
static bool read_code_line(char *buf, size_t size)
{
    if (!fgets(buf, (int)size, stdin))
        return false;
    size_t n = strcspn(buf, "\r\n");
    bool whole = buf[n] != '\0' || feof(stdin);
    buf[n] = '\0';
    return whole;
}

/* Whether the capture options left in argv read standard input (-r -,
 * -r-, --read -, --read=-): it cannot carry the enrolment code too. */
static bool reads_stdin(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0)
            break;
        if (strcmp(a, "-r-") == 0 || strcmp(a, "--read=-") == 0)
            return true;
        if ((strcmp(a, "-r") == 0 || strcmp(a, "--read") == 0) && i + 1 < argc &&
            strcmp(argv[i + 1], "-") == 0)
            return true;
    }
    return false;
}

/* --enrol's value v: copied into lo->code_buf ("-": standard input's first
 * line), then its bytes in argv overwritten, so that the one-time code is
 * not left in /proc/PID/cmdline for every account of the machine to read
 * while the centre is asked (ps shows "x"s). 0, or 2 (said). */
static int take_code(struct mm_link_options *lo, char *v)
{
    size_t n = strlen(v);
    bool ok = strcmp(v, "-") == 0 ? read_code_line(lo->code_buf, sizeof lo->code_buf)
                                  : n < sizeof lo->code_buf;
    if (ok && strcmp(v, "-") != 0) {
        memcpy(lo->code_buf, v, n + 1);
        memset(v, 'x', n);
    }
    if (!ok || lo->code_buf[0] == '\0') {
        mm_msg_print(stderr, PROG, "sensor-log", "link.code_length", MM_LINK_CODE_MAX - 1);
        mm_msg_print(stderr, PROG, "sensor-log", "try_help");
        return 2;
    }
    lo->enrol_code = lo->code_buf;
    lo->code_stdin = strcmp(v, "-") == 0;
    return 0;
}

int mm__link_options_take(int *argc, char **argv, struct mm_link_options *lo)
{
    static const char *const names[] = {"--enrol", "--center", "--sensor-name"};
    bool seen[3] = {false};
    int r;
    memset(lo, 0, sizeof *lo);
    int out = 1;
    for (int i = 1; i < *argc;) {
        const char *v = NULL;
        int used = 0, which = -1;
        if (strcmp(argv[i], "--allow-insecure") == 0) {
            if (lo->allow_insecure) /* each option once, as config.c reads the others */
                return link_usage_arg("usage.twice", argv[i]);
            lo->allow_insecure = true;
            i++;
            continue;
        }
        for (int k = 0; k < 3 && which < 0; k++)
            if (match_opt(names[k], *argc, argv, i, &v, &used))
                which = k;
        if (which >= 0 && seen[which])
            return link_usage_arg("usage.twice", names[which]);
        if (which >= 0)
            seen[which] = true;
        if (which < 0) {
            const char *a = argv[i];
            if (strcmp(a, "--") != 0 && is_capture_opt(a))
                lo->capture = true;
            argv[out++] = argv[i++];
            continue;
        }
        if (!v || !*v)
            return link_usage("link.needs_value");
        if (which == 0) {
            if ((r = take_code(lo, (char *)v)) != 0)
                return r;
        } else if (which == 1)
            lo->center = v;
        else
            lo->name = v;
        i += used;
    }
    argv[out] = NULL;
    *argc = out;
    if (lo->code_stdin && reads_stdin(out, argv))
        return link_usage("link.code_stdin_capture");
    return 0;
}

int mm__link_enrol(const struct mm_link_options *lo, const struct mm_sensor_options *o)
{
    /* an installer writes the settings file first and then enrols: its
     * [uplink] center, ca_file and allow_insecure and its [sensor] state
     * apply (the command line wins) */
    const char *center = lo->center ? lo->center : o->uplink.center, *state = o->state_dir;
    char host[256] = "sensor", err[512] = "";
    struct mm_uplink_state st;
    if (!center)
        return link_usage("link.enrol_needs_center");
    if (!state)
        return link_usage("link.enrol_needs_state");
    if (!lo->name && gethostname(host, sizeof host - 1) != 0)
        snprintf(host, sizeof host, "sensor");
    if (!curl_setup())
        return 1;
    int r = mm_uplink_enrol(center, lo->enrol_code, lo->name ? lo->name : host, state,
                            o->uplink.ca_pem, o->uplink.ca_pem_len,
                            lo->allow_insecure || o->uplink.allow_insecure, &st, err, sizeof err);
    if (r != 0) {
        mm_msg_print(stderr, PROG, "sensor-log", "link.enrol_failed",
                     err[0] ? err : mm_msg_strerror(r));
        return 1;
    }
    mm_msg_print(stderr, PROG, "sensor-log", "link.enrolled", (long long)st.sensor_id, st.center,
                 state, MM_UPLINK_STATE_FILE);
    memset(&st, 0, sizeof st);
    return 0;
}

/* STATE/uplink.conf could not be read (r): missing (with --center) or
 * damaged, enrol first; a folder in its place (a name the sensor chose:
 * EISDIR's "give a file" does not fit), move it away and enrol again; not
 * a regular file of root or the sensor's user (MM_ESTATE: a device, a FIFO,
 * a hard link, another account's file), likewise; any
 * other reason (a link loop, no permission) as it is, with its own step
 * (mm_error_has_step) or the message's. */
static void state_failed(const char *state_dir, int r)
{
    const char *file = MM_UPLINK_STATE_FILE;
    if (r == MM_EISDIR)
        mm_msg_print(stderr, PROG, "sensor-log", "link.state_is_folder", state_dir, file);
    else if (r == MM_ESTATE)
        mm_msg_print(stderr, PROG, "sensor-log", "link.state_unsafe", state_dir, file);
    else if (r == MM_ENOENT || r == MM_EPARSE)
        mm_msg_print(stderr, PROG, "sensor-log", "link.not_enrolled", state_dir, file,
                     mm_msg_strerror(r));
    else
        mm_msg_print(stderr, PROG, "sensor-log",
                     mm_error_has_step(r) ? "link.state_unreadable_own_step"
                                          : "link.state_unreadable",
                     state_dir, file, mm_msg_strerror(r));
}

void mm__link_load(struct mm_link_options *lo, const struct mm_sensor_options *o)
{
    lo->state_rc = MM_ENOENT;
    /* an uplink switched off is not read at all: an unreadable uplink.conf
     * does not stop a sensor that would not use it */
    if (!o->state_dir || (!o->uplink.enabled && !lo->center))
        return;
    /* (read as root: the file may also be the account it switches to's) */
    const char *user = o->user ? o->user : o->iface ? "nobody" : NULL;
    struct passwd *pw = user && geteuid() == 0 ? getpwnam(user) : NULL;
    lo->state_rc = mm_uplink_state_load(o->state_dir, pw ? pw->pw_uid : (uid_t)-1, &lo->state);
}

void mm__link_options_wipe(struct mm_link_options *lo)
{
    mm_memzero(&lo->state, sizeof lo->state);
    mm_memzero(lo->code_buf, sizeof lo->code_buf);
}

int mm__link_start(struct mm_link_options *lo, const struct mm_sensor_options *o,
                   struct mm_uplink **out)
{
    struct mm_uplink_state *st = &lo->state;
    struct mm_uplink_config cfg = {0};
    char spool[4096];
    int r = lo->state_rc;
    *out = NULL;
    /* (what mm__link_load found is said here, once the sensor has started:
     * a spool that cannot be opened is said first) */
    if (!o->state_dir) {
        if (lo->center)
            return link_usage("link.center_needs_state");
        return 0;
    }
    if (!o->uplink.enabled && !lo->center)
        return 0;
    if (r == MM_ENOENT && !lo->center)
        return 0; /* never enrolled: spool only */
    if (r != 0) {
        state_failed(o->state_dir, r);
        return 2;
    }
    cfg.batch_max = (size_t)o->uplink.batch;
    cfg.retry_max_ms = o->uplink.retry_max_ms;
    snprintf(spool, sizeof spool, "%s/spool", o->state_dir);
    cfg.center = lo->center ? lo->center : o->uplink.center ? o->uplink.center : st->center;
    cfg.key = st->key;
    cfg.spool_dir = spool;
    cfg.event_types = o->spool_types;
    cfg.ca_pem = o->uplink.ca_pem;
    cfg.ca_pem_len = o->uplink.ca_pem_len;
    cfg.quiet = o->quiet;
    cfg.allow_insecure = o->uplink.allow_insecure || lo->allow_insecure;
    r = curl_setup() ? mm_uplink_start(&cfg, out) : MM_EUNSUPPORTED; /* (said) */
    mm__link_options_wipe(lo);
    if (r == MM_EPERM)
        return 2; /* the refused URL was explained by mm_uplink_start */
    if (r == MM_EUNSUPPORTED)
        return 1; /* libcurl not set up, or one that cannot use ca_file: likewise */
    if (r != 0) {
        mm_msg_print(stderr, PROG, "sensor-log", "link.cannot_start", mm_msg_strerror(r));
        return 1;
    }
    return 0;
}

void mm__link_finish(struct mm_uplink *u, const struct mm_sensor_options *o)
{
    long secs = o->uplink.flush_timeout;
    if (!u)
        return;
    bool all = mm_uplink_stop(u, secs * 1000);
    if (!all)
        mm_msg_print(stderr, PROG, "sensor-log", "link.flush_timeout", secs);
}
