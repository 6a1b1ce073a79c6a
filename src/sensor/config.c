/* SPDX-License-Identifier: Apache-2.0
 * mamori-sensor's command line and INI config: getopt_long over the options
 * in the man page, then the config file; an option given on the command
 * line wins over the file. Every number is range-checked. Usage errors are
 * printed here (the program's own words; the help text comes from the ja/en
 * catalogue data/i18n/sensor.json). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/i18n.h"
#include "core/msg.h"
#include "core/str.h"
#include "sensor/decode/tls-hello.h"
#include "sensor/detect/detect.h"
#include "sensor/device.h"
#include "sensor/output/uplink.h"
#include "sensor/sensor-int.h"

#define PROG "mamori-sensor"

enum {
    OPT_BPF = 256,
    OPT_USER,
    OPT_INTEL,
    OPT_EVE,
    OPT_CONFIG,
    OPT_HOME_NET,
    OPT_STATE,
    OPT_STATS,
    OPT_SEED,
    OPT_MAX_FLOWS,
    OPT_LANG,
    OPT_VERSION
};

static const struct option long_opts[] = {{"read", required_argument, NULL, 'r'},
                                          {"interface", required_argument, NULL, 'i'},
                                          {"bpf", required_argument, NULL, OPT_BPF},
                                          {"user", required_argument, NULL, OPT_USER},
                                          {"intel", required_argument, NULL, OPT_INTEL},
                                          {"eve", required_argument, NULL, OPT_EVE},
                                          {"config", required_argument, NULL, OPT_CONFIG},
                                          {"home-net", required_argument, NULL, OPT_HOME_NET},
                                          {"state", required_argument, NULL, OPT_STATE},
                                          {"stats", required_argument, NULL, OPT_STATS},
                                          {"community-id-seed", required_argument, NULL, OPT_SEED},
                                          {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
                                          {"lang", required_argument, NULL, OPT_LANG},
                                          {"quiet", no_argument, NULL, 'q'},
                                          {"help", no_argument, NULL, 'h'},
                                          {"version", no_argument, NULL, OPT_VERSION},
                                          {NULL, 0, NULL, 0}};

/* Values given on the command line, applied over the config file. */
struct cli_values {
    const char *eve, *home_net, *state, *stats, *seed, *max_flows, *lang;
    bool allow_insecure; /* --allow-insecure (enrol.c took it out of argv) */
};

/* lang_opt: a --lang seen before --help; without it the language main
 * chose from every --lang of the command line (mm_msg_lang_from_args), so
 * that "--help --lang ja" is in Japanese too. */
static void usage(FILE *out, const char *lang_opt)
{
    enum mm_lang lang = MM_LANG_EN;
    if (!lang_opt || mm_lang_select(lang_opt, &lang) != 0)
        lang = mm_msg_lang();
    fputs(mm_tr("sensor", "usage", lang), out);
    fputc('\n', out);
}

/* Prints the usage error key (from data/i18n/sensor-log.json, one %s for
 * arg at most) and the hint to --help; returns the usage exit status. */
static int bad_usage(const char *key, const char *arg)
{
    mm_msg_print(stderr, PROG, "sensor-log", key, arg);
    mm_msg_print(stderr, PROG, "sensor-log", "try_help");
    return 2;
}

/* A number on the command line: digits only, as in the settings file
 * (mm_str_int64; strtol took "+5", " 5"). */
static int parse_long(const char *s, long min, long max, long *out)
{
    int64_t v;
    if (mm_str_int64(s, min, max, &v) != 0)
        return MM_ERANGE;
    *out = (long)v;
    return 0;
}

static int push(const char ***list, size_t *n, const char *v)
{
    const char **nl = realloc(*list, (*n + 1) * sizeof(*nl));
    if (!nl)
        return MM_ENOMEM;
    nl[(*n)++] = v;
    *list = nl;
    return 0;
}

const char *const mm__eve_event_types[] = {"alert", "anomaly", "device", "dhcp",    "dns",
                                           "flow",  "http",    "mdns",   "netbios", "quic",
                                           "rdp",   "smb",     "stats",  "tls",     NULL};

int mm__eve_event_type_index(const char *name, size_t n)
{
    for (int i = 0; mm__eve_event_types[i]; i++)
        if (strlen(mm__eve_event_types[i]) == n && strncmp(mm__eve_event_types[i], name, n) == 0)
            return i;
    return -1;
}

const char *mm__list_item(const char **cursor, size_t *len)
{
    const char *p = *cursor + strspn(*cursor, " ,");
    size_t n = strcspn(p, ",");
    *cursor = p + n;
    if (n == 0)
        return NULL;
    while (n > 0 && p[n - 1] == ' ')
        n--;
    *len = n;
    return p;
}

/* The settings file's name for messages ("config" when none was given). */
static const char *config_name(const struct mm_sensor_options *o)
{
    return mm_sensor_config_name(o->config_path);
}

/* [section] event_types, a comma-separated list of types the sensor writes
 * (mm__eve_event_types): *out is a copy of it, or of def when the key is
 * absent (def NULL: *out stays NULL). A name the sensor never writes, or a
 * list of no name (empty_key says what to do instead), is a settings error:
 * 2, after the message. */
static int event_types_setting(const struct mm_sensor_options *o, const char *section,
                               const char *def, const char *empty_key, char **out)
{
    const char *list = mm_ini_get(o->ini, section, "event_types"), *cursor = list, *name;
    size_t n, names = 0;
    if (!list)
        return def && !(*out = strdup(def)) ? 1 : 0;
    while ((name = mm__list_item(&cursor, &n)) != NULL) { /* as the writer reads it */
        ++names;
        if (mm__eve_event_type_index(name, n) < 0) {
            char known[256] = "";
            for (const char *const *t = mm__eve_event_types; *t; t++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                         t == mm__eve_event_types ? "" : " ", *t);
            mm_msg_print(stderr, PROG, "sensor-log", "config.event_type", config_name(o), section,
                         (int)n, name, known);
            return 2;
        }
    }
    if (names == 0) {
        mm_msg_print(stderr, PROG, "sensor-log", empty_key, config_name(o));
        return 2;
    }
    return (*out = strdup(list)) ? 0 : 1;
}

/* A text setting: the command line's value cli when given, else [section]
 * key (NULL when absent). The key is read either way: one the command line
 * overrides is still a setting the sensor reads, never warned about as
 * unknown (mm__options_warn_unread). */
static const char *setting_text(const struct mm_sensor_options *o, const char *cli,
                                const char *section, const char *key)
{
    const char *v = mm_ini_get(o->ini, section, key);
    return cli ? cli : v;
}

/* An integer setting: command line value (of option cli_name), else
 * [section] key, else def. A bad command-line value is named with its
 * option and range; the key a command-line value overrides is read (see
 * setting_text) but not checked. */
static int setting_long(const struct mm_sensor_options *o, const char *cli, const char *cli_name,
                        const char *section, const char *key, long def, long min, long max,
                        long *out)
{
    if (cli) {
        (void)setting_text(o, cli, section, key);
        if (parse_long(cli, min, max, out) != 0) {
            mm_msg_print(stderr, PROG, "sensor-log", "usage.bad_option_number", cli_name, min, max,
                         cli);
            mm_msg_print(stderr, PROG, "sensor-log", "try_help");
            return 2;
        }
        return 0;
    }
    if (mm_ini_get_int(o->ini, section, key, def, min, max, out) != 0) {
        mm_msg_print(stderr, PROG, "sensor-log", "config.range", config_name(o), section, key, min,
                     max);
        return 2;
    }
    return 0;
}

/* A key or section the sensor does not read is most often a typo that
 * would otherwise leave a setting at its default without a word: warned
 * about (once per section for a section nothing reads), not refused. What
 * is read is what the code asked the INI reader for (ini.h: reading
 * marks), so this runs once every reader has run. */
void mm__options_warn_unread(const struct mm_sensor_options *o)
{
    const char *path = config_name(o), *sec, *key;
    for (size_t pos = 0; mm_ini_unread(o->ini, &pos, &sec, &key);) {
        if (key)
            mm_msg_print(stderr, PROG, "sensor-log", "config.unknown_key", path, sec, key);
        else
            mm_msg_print(stderr, PROG, "sensor-log", "config.unknown_section", path, sec);
    }
}

int mm__options_detectors_check(const struct mm_sensor_options *o)
{
    char why[MM_SENSOR_SETTINGS_ERROR];
    if (mm__detect_settings_check_all(o->ini, config_name(o), why, sizeof why) == 0)
        return 0;
    fprintf(stderr, PROG ": %s\n", why);
    return 2;
}

static int load_config(struct mm_sensor_options *o)
{
    char err[512] = "";
    int r;
    if (o->config_path)
        r = mm_ini_load_file(o->config_path, &o->ini, err, sizeof(err));
    else
        r = mm_ini_load_string("", &o->ini, err, sizeof(err));
    if (r != 0) {
        /* one next step: the reason's own (a folder, a link loop, a line too
         * long: the reader's text says to shorten it) or the message's */
        bool own = mm_error_has_step(r) || r == MM_ETOOBIG;
        mm_msg_print(stderr, PROG, "sensor-log",
                     own ? "config.cannot_load_own_step" : "config.cannot_load", o->config_path,
                     err[0] ? err : mm_msg_strerror(r));
        return 2;
    }
    return 0;
}

static int apply_flow_settings(struct mm_sensor_options *o, const struct cli_values *c)
{
    static const struct {
        const char *key;
        int cls;
    } timeouts[] = {{"timeout_tcp", MM_FLOW_TCP},
                    {"timeout_tcp_closed", MM_FLOW_TCP_CLOSED},
                    {"timeout_udp", MM_FLOW_UDP},
                    {"timeout_icmp", MM_FLOW_ICMP},
                    {"timeout_other", MM_FLOW_OTHER}};
    struct mm_flow_config *f = &o->flow;
    long v;
    int r;
    mm_flow_config_defaults(f);
    for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
        if ((r = setting_long(o, NULL, NULL, "flow", timeouts[i].key, f->timeout[timeouts[i].cls],
                              1, 86400 * 7, &v)) != 0)
            return r;
        f->timeout[timeouts[i].cls] = (uint32_t)v;
    }
    if ((r = setting_long(o, NULL, NULL, "flow", "active_timeout", f->active_timeout, 0, 86400 * 30,
                          &v)) != 0)
        return r;
    f->active_timeout = (uint32_t)v;
    if ((r = setting_long(o, c->max_flows, "--max-flows", "sensor", "max_flows", (long)f->max_flows,
                          1, 1L << 26, &v)) != 0)
        return r;
    f->max_flows = (size_t)v;
    if ((r = setting_long(o, c->seed, "--community-id-seed", "sensor", "community_id_seed", 0, 0,
                          65535, &v)) != 0)
        return r;
    f->community_id_seed = (uint16_t)v;
    if ((r = setting_long(o, NULL, NULL, "stream", "depth", f->stream_depth, 1024, 16L << 20,
                          &v)) != 0)
        return r;
    f->stream_depth = (uint32_t)v;
    if ((r = setting_long(o, NULL, NULL, "stream", "ooo_max", f->stream_ooo, 0, 16L << 20, &v)) !=
        0)
        return r;
    f->stream_ooo = (uint32_t)v;
    if ((r = setting_long(o, NULL, NULL, "stream", "memcap", (long)f->stream_memcap, 1L << 16,
                          1L << 34, &v)) != 0)
        return r;
    f->stream_memcap = (size_t)v;
    return 0;
}

/* [defrag]: IP fragment reassembly (defrag.h), on by default. */
static int apply_defrag_settings(struct mm_sensor_options *o)
{
    struct mm_defrag_config *d = &o->defrag;
    long v;
    int r;
    mm_defrag_config_defaults(d);
    if (mm_ini_get_bool(o->ini, "defrag", "enabled", d->enabled, &d->enabled) != 0) {
        mm_msg_print(stderr, PROG, "sensor-log", "config.bool", config_name(o), "defrag",
                     "enabled");
        return 2;
    }
    if ((r = setting_long(o, NULL, NULL, "defrag", "memcap", (long)d->memcap, 1L << 20, 1L << 32,
                          &v)) != 0)
        return r;
    d->memcap = (size_t)v;
    if ((r = setting_long(o, NULL, NULL, "defrag", "timeout_seconds", d->timeout, 1, 3600, &v)) !=
        0)
        return r;
    d->timeout = (uint32_t)v;
    if ((r = setting_long(o, NULL, NULL, "defrag", "max_datagrams", d->max_datagrams, 1, 1L << 20,
                          &v)) != 0)
        return r;
    d->max_datagrams = (uint32_t)v;
    return 0;
}

/* A home network list that does not parse: names its first item that is
 * not an address or CIDR range (or says it is empty), and where the list
 * came from (--home-net or [sensor] home_net). */
static int bad_home_net(const struct mm_sensor_options *o, const char *list, bool from_cli)
{
    char item[128] = "\"\"";
    char *copy = strdup(list ? list : ""), *save = NULL;
    struct mm_cidr one;
    for (char *tok = copy ? strtok_r(copy, ", \t", &save) : NULL; tok;
         tok = strtok_r(NULL, ", \t", &save))
        if (mm_cidr_parse(tok, &one) != 0) {
            snprintf(item, sizeof item, "%s", tok);
            break;
        }
    free(copy);
    if (!from_cli) {
        mm_msg_print(stderr, PROG, "sensor-log", "config.home_net", config_name(o), item);
        return 2;
    }
    return bad_usage("usage.bad_home_net", item);
}

/* [uplink] center as the uplink takes it (mm_uplink_url_check, and its
 * length): https://, or http:// to this machine; plain http:// to another
 * one only with [uplink] allow_insecure = yes or --allow-insecure. */
static int uplink_center(const struct mm_sensor_options *o, bool allow_insecure)
{
    const char *url = o->uplink.center;
    if (!url)
        return 0;
    int r = strlen(url) < MM_UPLINK_URL_MAX
                ? mm_uplink_url_check(url, o->uplink.allow_insecure || allow_insecure)
                : MM_EINVAL;
    if (r == MM_EPERM)
        mm_msg_print(stderr, PROG, "sensor-log", "config.uplink_center_plain", config_name(o), url);
    else if (r != 0)
        mm_msg_print(stderr, PROG, "sensor-log", "config.uplink_center", config_name(o),
                     MM_UPLINK_URL_MAX, url);
    return r == 0 ? 0 : 2;
}

/* [uplink] ca_file, when given, must be a readable file holding at least one
 * PEM certificate (mm_file_read_ca, the centre's rule for [mail] ca_file):
 * a typo would otherwise show only as "cannot deliver" once the sensor is
 * enrolled. Its text is kept (o->uplink.ca_pem) for the uplink, which never
 * opens the file: a live sensor has switched user by then, and the file may
 * be one only root can read. */
static int uplink_ca_file(struct mm_sensor_options *o)
{
    const char *path = o->uplink.ca_file;
    if (!path)
        return 0;
    char *text = NULL;
    size_t len = 0;
    int r = mm_file_read_ca(path, &text, &len);
    if (r == 0) {
        o->uplink.ca_pem = text;
        o->uplink.ca_pem_len = len;
        return 0;
    }
    if (mm_error_has_step(r)) /* the reason says what to do (a link loop, a name too long) */
        mm_msg_print(stderr, PROG, "sensor-log", "config.uplink_ca_file_own_step", config_name(o),
                     path, mm_msg_strerror(r));
    else
        mm_msg_print(stderr, PROG, "sensor-log", "config.uplink_ca_file", config_name(o), path,
                     r == MM_EPARSE ? mm_msg("sensor-log", "config.uplink_ca_file_pem")
                                    : mm_msg_strerror(r));
    return 2;
}

/* [uplink]: read and checked here, with the rest of the file, though only
 * an uplink (enrol.c, once the capture and intel are ready) uses them
 * (o->uplink), so that a bad value stops the sensor at once whether or not
 * it is enrolled, and every key has been read when mm__options_warn_unread
 * looks. */
static int uplink_settings(struct mm_sensor_options *o, bool allow_insecure)
{
    struct mm__uplink_settings *u = &o->uplink;
    const struct {
        const char *key;
        long def, min, max;
        long *out;
    } numbers[] = {{"batch", 1000, 1, 10000, &u->batch},
                   {"retry_max_ms", 60000, 10, 3600000, &u->retry_max_ms},
                   {"flush_timeout", 10, 0, 3600, &u->flush_timeout}};
    int r;
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++)
        if ((r = setting_long(o, NULL, NULL, "uplink", numbers[i].key, numbers[i].def,
                              numbers[i].min, numbers[i].max, numbers[i].out)) != 0)
            return r;
    const struct {
        const char *key;
        bool def, *out;
    } bools[] = {{"enabled", true, &u->enabled}, {"allow_insecure", false, &u->allow_insecure}};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++)
        if (mm_ini_get_bool(o->ini, "uplink", bools[i].key, bools[i].def, bools[i].out) != 0) {
            mm_msg_print(stderr, PROG, "sensor-log", "config.bool", config_name(o), "uplink",
                         bools[i].key);
            return 2;
        }
    u->center = mm_ini_get(o->ini, "uplink", "center");
    u->ca_file = mm_ini_get(o->ini, "uplink", "ca_file");
    if ((r = uplink_center(o, allow_insecure)) != 0 || (r = uplink_ca_file(o)) != 0)
        return r;
    return event_types_setting(o, "uplink", "alert,device", "config.uplink_event_types_empty",
                               &o->spool_types);
}

static int apply_settings(struct mm_sensor_options *o, const struct cli_values *c)
{
    long v;
    int r;
    if ((r = apply_flow_settings(o, c)) != 0)
        return r;
    if ((r = apply_defrag_settings(o)) != 0)
        return r;
    if ((r = setting_long(o, c->stats, "--stats", "sensor", "stats_interval", 0, 0, 86400, &v)) !=
        0)
        return r;
    o->stats_interval = v;
    if ((r = setting_long(o, NULL, NULL, "intel", "settle_ms", MM_INTEL_SETTLE_MS_DEFAULT, 0,
                          600000, &v)) != 0)
        return r;
    o->intel_settle_ms = (unsigned)v;
    if ((r = setting_long(o, NULL, NULL, "output", "eve_max_bytes", 0, 0, 1L << 40, &v)) != 0)
        return r;
    if (v > 0 && v < MM_EVE_MAX_BYTES_MIN) { /* a file or two per line: rotated away at once */
        mm_msg_print(stderr, PROG, "sensor-log", "config.eve_max_bytes", config_name(o),
                     (long)MM_EVE_MAX_BYTES_MIN, 1L << 40, v);
        return 2;
    }
    o->eve_max_bytes = (uint64_t)v;
    if ((r = setting_long(o, NULL, NULL, "output", "eve_rotate_count", 5, 1, 1000, &v)) != 0)
        return r;
    o->eve_keep = (unsigned)v;
    if ((r = setting_long(o, NULL, NULL, "spool", "max_bytes", (long)MM_SPOOL_MAX_BYTES_DEFAULT,
                          1L << 16, 1L << 44, &v)) != 0)
        return r;
    o->spool_max_bytes = (uint64_t)v;
    if ((r = setting_long(o, NULL, NULL, "anomaly", "rate", 20, 0, 100000, &v)) != 0)
        return r;
    o->anomaly_rate = (unsigned)v;
    if ((r = setting_long(o, NULL, NULL, "tls", "memcap", (long)MM_TLS_MEMCAP_DEFAULT, 1L << 16,
                          1L << 34, &v)) != 0)
        return r;
    o->tls_memcap = (size_t)v;
    o->eve_path = setting_text(o, c->eve, "output", "eve");
    o->eve_from_file = o->eve_path && !c->eve;
    if (!o->eve_path)
        o->eve_path = "-";
    o->state_dir = setting_text(o, c->state, "sensor", "state");
    o->state_from_file = o->state_dir && !c->state;
    if ((r = event_types_setting(o, "output", NULL, "config.event_types_empty", &o->eve_types)) !=
        0)
        return r;
    if ((r = uplink_settings(o, c->allow_insecure)) != 0)
        return r;
    if (mm_ini_get_bool(o->ini, "policy", "personal_devices", false,
                        &o->personal_devices_allowed) != 0) {
        mm_msg_print(stderr, PROG, "sensor-log", "config.bool", config_name(o), "policy",
                     "personal_devices");
        return 2;
    }
    /* [devices]: read by the inventory (device.c) once the sensor starts,
     * checked here with the rest of the file (before the intel is loaded) */
    char why[512];
    if ((r = mm_devices_settings_check(o->ini, config_name(o), why, sizeof why)) != 0) {
        if (r != MM_EINVAL)
            return 1;
        fprintf(stderr, PROG ": %s\n", why);
        return 2;
    }
    const char *home = setting_text(o, c->home_net, "sensor", "home_net");
    if (mm_cidr_list_parse(home ? home : MM_DEFAULT_HOME_NET, &o->home_net, &o->home_net_count) !=
            0 ||
        o->home_net_count == 0)
        return bad_home_net(o, home, c->home_net != NULL);
    return 0;
}

/* The long name of the option getopt_long returned as ch, for messages. */
static const char *option_name(int ch)
{
    for (const struct option *lo = long_opts; lo->name; lo++)
        if (lo->val == ch)
            return lo->name;
    return "?";
}

/* Each option once, but -r and --intel (the man page's "Repeat"): a second
 * one is a usage error, as mamori-center's are (the last won). */
static int once(bool *seen, int ch)
{
    if (ch == 'r' || ch == OPT_INTEL || ch == ':' || ch == '?' || ch < 0 || ch > OPT_VERSION)
        return 0;
    if (seen[ch]) {
        char name[32];
        snprintf(name, sizeof name, "--%s", option_name(ch));
        return bad_usage("usage.twice", name);
    }
    seen[ch] = true;
    return 0;
}

/* enrol_only: --enrol without -r/-i (main.c), which needs no capture. */
static int options_parse(int argc, char **argv, bool allow_insecure, bool enrol_only,
                         struct mm_sensor_options *o)
{
    struct cli_values c = {.allow_insecure = allow_insecure};
    bool seen[OPT_VERSION + 1] = {false};
    memset(o, 0, sizeof(*o));
    int ch, r;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":r:i:qhV", long_opts, NULL)) != -1) {
        if ((r = once(seen, ch)) != 0)
            return r;
        switch (ch) {
        case 'r':
            if (push(&o->read_files, &o->nread, optarg) != 0)
                return 1;
            break;
        case 'i':
            o->iface = optarg;
            break;
        case OPT_BPF:
            o->bpf = optarg;
            break;
        case OPT_USER:
            o->user = optarg;
            break;
        case OPT_INTEL:
            if (push(&o->intel_paths, &o->nintel, optarg) != 0)
                return 1;
            break;
        case OPT_EVE:
            c.eve = optarg;
            break;
        case OPT_CONFIG:
            o->config_path = optarg;
            break;
        case OPT_HOME_NET:
            c.home_net = optarg;
            break;
        case OPT_STATE:
            c.state = optarg;
            break;
        case OPT_STATS:
            c.stats = optarg;
            break;
        case OPT_SEED:
            c.seed = optarg;
            break;
        case OPT_MAX_FLOWS:
            c.max_flows = optarg;
            break;
        case OPT_LANG:
            c.lang = optarg;
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            usage(stdout, c.lang);
            return -1;
        case 'V':
        case OPT_VERSION:
            printf(PROG " %s\n", MAMORI_VERSION);
            return -1;
        case ':':
            return bad_usage("usage.needs_value", argv[optind - 1]);
        default:
            return bad_usage("usage.unknown_option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad_usage("usage.unexpected_arg", argv[optind]);
    if (!enrol_only && (o->nread == 0) == (o->iface == NULL))
        return bad_usage("usage.read_or_iface", NULL);
    if (o->bpf && !o->iface)
        return bad_usage("usage.bpf_needs_iface", NULL);
    enum mm_lang lang;
    if (c.lang && mm_lang_parse(c.lang, &lang) != 0)
        return bad_usage("usage.bad_lang", c.lang);
    if ((r = load_config(o)) != 0)
        return r;
    return apply_settings(o, &c);
}

int mm__options_parse(int argc, char **argv, bool allow_insecure, struct mm_sensor_options *o)
{
    return options_parse(argc, argv, allow_insecure, false, o);
}

int mm__options_parse_enrol(int argc, char **argv, bool allow_insecure, struct mm_sensor_options *o)
{
    return options_parse(argc, argv, allow_insecure, true, o);
}

void mm__options_free(struct mm_sensor_options *o)
{
    free(o->read_files);
    free(o->intel_paths);
    free(o->home_net);
    free(o->spool_types);
    free(o->eve_types);
    free(o->uplink.ca_pem);
    mm_ini_free(o->ini);
    memset(o, 0, sizeof(*o));
}
