/* SPDX-License-Identifier: Apache-2.0
 * `mamori-center` entry point: options and configuration file, the admin
 * subcommands, and the server's life: open the store (migrating it), start
 * the HTTP server (a thread per connection), the health checker and the
 * mail sender, read the settings file again on SIGHUP (the [mail] section
 * takes effect; other changes are logged as needing a restart), wait for
 * SIGTERM/SIGINT, then finish in-flight requests and close everything. */
#include <curl/curl.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "center/admin.h"
#include "center/center.h"
#include "center/health.h"
#include "center/http.h"
#include "center/mail.h"
#include "center/router.h"
#include "center/zone.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/i18n.h"
#include "core/ini.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/str.h"

#define EXIT_USAGE 2

/* The server's options; those before `admin` are read by the same rule
 * (mm_center_option), and --data and --config after it too. */
enum server_opt {
    S_DATA,
    S_LISTEN,
    S_CONFIG,
    S_TLS_CERT,
    S_TLS_KEY,
    S_THREADS,
    S_PORT_FILE,
    S_LANG,
    S_LIST_ROUTES,
    S_VERSION,
    S_HELP,
    S_H,
    S__N
};

static const struct mm_center_opt server_opts[S__N] = {
    [S_DATA] = {"--data", true},
    [S_LISTEN] = {"--listen", true},
    [S_CONFIG] = {"--config", true},
    [S_TLS_CERT] = {"--tls-cert", true},
    [S_TLS_KEY] = {"--tls-key", true},
    [S_THREADS] = {"--threads", true},
    [S_PORT_FILE] = {"--port-file", true},
    [S_LANG] = {"--lang", true},
    [S_LIST_ROUTES] = {"--list-routes", false},
    [S_VERSION] = {"--version", false},
    [S_HELP] = {"--help", false},
    [S_H] = {"-h", false},
};

#define ALL_OPTS      ((1u << S__N) - 1)
#define ADMIN_LEADING ((1u << S_DATA) | (1u << S_CONFIG)) /* `admin --data D --config F` */
/* What only the server uses: refused before `admin` (it was read and then
 * not used); --help, --version and --list-routes answer before admin runs. */
#define SERVER_ONLY                                                                                \
    ((1u << S_LISTEN) | (1u << S_TLS_CERT) | (1u << S_TLS_KEY) | (1u << S_THREADS) |               \
     (1u << S_PORT_FILE) | (1u << S_LANG))

struct options {
    const char *config, *port_file;
    bool list_routes, version, help;
    int admin_at;     /* argv index of "admin", 0 when absent */
    bool given[S__N]; /* each option once, before `admin` and after it alike */
};

static bool takes_value(const char *a)
{
    for (int i = 0; i < S__N; i++)
        if (strcmp(a, server_opts[i].name) == 0)
            return server_opts[i].value;
    return false;
}

/* `admin` takes --data and --config right after the word as well (once
 * each, counting those before the word). Returns the index of the
 * subcommand, or -1 with the option the usage does not allow there in
 * *what and why in *key. */
static int admin_leading_options(int argc, char **argv, struct options *o, const char **data,
                                 const char **what, const char **key)
{
    int i = o->admin_at + 1, k = 0, r;
    for (; i < argc; i += 2) {
        r = mm_center_option(argc, argv, i, server_opts, S__N, ADMIN_LEADING, o->given, &k, key);
        if (r == MM_ENOENT)
            break;
        if (r != 0) {
            *what = argv[i];
            return -1;
        }
        if (k == S_DATA)
            *data = argv[i + 1];
        else
            o->config = argv[i + 1];
    }
    return i;
}

/* `mamori-center admin ... --help` (or -h) anywhere after the word: the admin
 * usage, exit 0, before anything else is checked or opened. */
static bool admin_asks_help(int argc, char **argv, int admin_at)
{
    for (int i = admin_at + 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* Whether s is a value of --lang: exactly "ja" or "en", as admin's. */
static bool lang_word(const char *s)
{
    return strcmp(s, "ja") == 0 || strcmp(s, "en") == 0;
}

/* A "--lang ja|en" among argv[from..to), else lang as it is: the language
 * of admin's help (anywhere after the word: the help may name no
 * subcommand, or one that takes no --lang, so mm_center_admin_lang cannot
 * be the one to read it) and of the server's options (before `admin`: read
 * before the others, so that the main help and every message about the
 * command line are in it; scan_options refuses another value). */
static void lang_option(int argc, char **argv, int from, int to, enum mm_lang *lang)
{
    for (int i = from; i + 1 < argc && i < to; i++)
        if (strcmp(argv[i], "--lang") == 0 && lang_word(argv[i + 1]))
            mm_lang_parse(argv[i + 1], lang);
}

/* The index of the word `admin`, argc when there is none; an option's
 * value is not the word (`--data admin` names a folder). */
static int admin_word(int argc, char **argv)
{
    int i = 1;
    while (i < argc && strcmp(argv[i], "admin") != 0)
        i += takes_value(argv[i]) ? 2 : 1;
    return i < argc ? i : argc;
}

/* First pass: --config and mode flags; the config file is applied before
 * the other options so the command line wins. What the usage does not
 * allow (an unknown option, a stray argument, an option without its value
 * or given twice: the last did not win; a server option before `admin`,
 * SERVER_ONLY: it was not used) is named: the word in *what, the message's
 * key in *key. */
static int scan_options(int argc, char **argv, struct options *o, const char **what,
                        const char **key)
{
    int server_only_at = 0; /* the first option only the server uses */
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "admin") == 0) {
            o->admin_at = i;
            if (!server_only_at)
                return 0;
            *what = argv[server_only_at];
            *key = "main.server_option_admin";
            return MM_EINVAL;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            o->help = true; /* asking twice for help is still asking: as mamori and the sensor */
            continue;
        }
        int k = 0;
        int r = mm_center_option(argc, argv, i, server_opts, S__N, ALL_OPTS, o->given, &k, key);
        if (r != 0) {
            *what = argv[i];
            if (r == MM_ENOENT)
                *key = "main.not_option";
            return MM_EINVAL;
        }
        if ((SERVER_ONLY & (1u << k)) && !server_only_at)
            server_only_at = i;
        if (k == S_LANG && !lang_word(argv[i + 1])) {
            *what = argv[i];
            *key = "admin.bad_lang";
            return MM_EINVAL;
        }
        if (k == S_CONFIG)
            o->config = argv[i + 1];
        else if (k == S_PORT_FILE)
            o->port_file = argv[i + 1];
        else if (k == S_LIST_ROUTES)
            o->list_routes = true;
        else if (k == S_VERSION)
            o->version = true;
        if (server_opts[k].value)
            i++;
    }
    return 0;
}

/* Warns that the file's wrong [server] listen is replaced by --listen v,
 * once per value: *said keeps the value last warned about (heap, NULL:
 * none), so a reload with the same file does not say it again; one whose
 * listen is right again forgets it (warned again should it come back). */
static void warn_listen_replaced(const struct mm_center_config *cfg, const char *v, char **said)
{
    if (!cfg->listen_src || mm_http_listen_valid(cfg->listen)) {
        free(*said);
        *said = NULL;
        return;
    }
    if (*said && strcmp(*said, cfg->listen) == 0)
        return;
    mm_log_tr(MM_LOG_WARN, "center-log", "config.listen_replaced", cfg->listen_src, cfg->listen, v);
    free(*said);
    *said = strdup(cfg->listen); /* NULL when out of memory: said again next time */
}

/* The command line's values over the file's. A wrong --listen or --threads
 * is named (http.bad_listen, main.bad_threads), in one line. Only the value in
 * force is checked (check_settings): a wrong [server] listen that --listen
 * replaces is a warning naming the file, not an error, given once per value
 * (warn_listen_replaced with said: at start and on each reload). */
static int apply_options(int argc, char **argv, struct mm_center_config *cfg, char **said,
                         char *err, size_t errlen)
{
    err[0] = '\0';
    for (int i = 1; i < argc && strcmp(argv[i], "admin") != 0; i++) {
        if (!takes_value(argv[i]))
            continue;
        const char *k = argv[i], *v = argv[++i];
        if (strcmp(k, "--data") == 0)
            cfg->data_dir = v;
        else if (strcmp(k, "--listen") == 0) {
            if (!mm_http_listen_valid(v)) {
                mm_msg_format(err, errlen, "center-log", "http.bad_listen", v);
                return MM_EINVAL;
            }
            warn_listen_replaced(cfg, v, said);
            cfg->listen = v;
            cfg->listen_src = NULL;
        } else if (strcmp(k, "--tls-cert") == 0) {
            cfg->tls_cert = v;
            cfg->tls_cert_src = NULL;
        } else if (strcmp(k, "--tls-key") == 0) {
            cfg->tls_key = v;
            cfg->tls_key_src = NULL;
        } else if (strcmp(k, "--threads") == 0) {
            int64_t n;
            if (mm_str_int64(v, 1, 64, &n) != 0) {
                mm_msg_format(err, errlen, "center-log", "main.bad_threads", v);
                return MM_EINVAL;
            }
            cfg->threads = (int)n;
        }
    }
    return 0;
}

/* Whether a file can be made beside path now, as writing it will
 * (mm_file_write_atomic makes a temporary file there and renames it):
 * making one and removing it at once. access() was not the answer: it
 * answers for the real user, not the effective one (root's permitted
 * capabilities, not those in effect), and knows nothing of a full file
 * system or of path-based security modules. */
static int try_create_beside(const char *path)
{
    char tmp[4200];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return MM_ERANGE;
    int fd = mkstemp(tmp); /* O_CREAT|O_EXCL, mode 0600: never an existing file */
    if (fd < 0) /* a full disk, a read-only mount, no permission: as the system says it */
        return mm_error_from_errno(errno);
    close(fd);
    unlink(tmp);
    return 0;
}

/* Whether the server can write --port-file when it is up: a file name (not
 * empty, not ending in '/'), the file's directory exists and a file can be
 * made in it (try_create_beside), and the file is not a directory (else it
 * failed at the end of the start-up, exit 1, the database made). */
static int check_port_file(const char *path, char *err, size_t errlen)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    struct stat st;
    int r = 0;
    if (!*path || (slash && !slash[1])) {
        mm_msg_format(err, errlen, "center-log", "main.port_file_name", path);
        return MM_EINVAL;
    }
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(dir, sizeof dir, "%s", path);
        r = MM_EISDIR;
    } else if (stat(dir, &st) != 0) {
        r = mm_error_from_errno(errno);
    } else if (!S_ISDIR(st.st_mode)) {
        r = MM_ENOTDIR; /* a file where the directory should be */
    } else {
        r = try_create_beside(path);
    }
    if (r != 0)
        mm_msg_format(err, errlen, "center-log", "main.port_file_dir", path, dir,
                      mm_msg_strerror(r));
    return r;
}

/* The settings in force, checked before anything starts (no data
 * directory, no database, no port file), for the server and the admin
 * command alike: [mail] (mail.c), what the HTTP server takes
 * (mm_http_settings_check: listen, a TLS certificate given with its key),
 * and [reports] timezone, loaded here once (mm_center_zone_load) for
 * mm_center_open. The server (server true) also reads the files it will
 * use: the TLS certificate and key (into *tls, for mm_http_start: they are
 * not read again), [mail] ca_file (into mail->ca_pem, likewise), and checks
 * --port-file's directory. The
 * admin command serves no TLS and sends no mail: it checks only the form of
 * those, so that an operator who may not read the key, or a relative path,
 * does not stop it. A wrong value is a
 * configuration error, exit 2, named with the file it is in or the option. */
static int check_settings(const struct mm_center_config *cfg, const struct mm_ini *ini,
                          const char *path, bool server, const char *port_file,
                          struct mm_mail_config *mail, struct mm_http_tls *tls,
                          struct mm_zone **zone, char *err, size_t errlen)
{
    char what[384];
    what[0] = '\0';
    int r = mm_mail_config_load(ini, mail, what, sizeof what);
    if (r == 0 && server)
        r = mm_mail_config_check_files(mail, what, sizeof what);
    if (r != 0) {
        snprintf(err, errlen, "%s: %s", path, what); /* only a file has a [mail] */
        return r;
    }
    r = mm_http_settings_check(cfg, server ? tls : NULL, err, errlen);
    if (r == 0 && server && port_file)
        r = check_port_file(port_file, err, errlen);
    if (r == 0)
        r = mm_center_zone_load(cfg, zone, err, errlen); /* last: it samples the zone */
    if (r != 0)
        mm_http_tls_clear(tls);
    return r;
}

static int write_port_file(const char *path, int port)
{
    char text[16];
    int n = snprintf(text, sizeof text, "%d\n", port);
    return mm_file_write_atomic(path, text, (size_t)n);
}

/* Waits for SIGTERM, SIGINT or SIGHUP: blocked in every thread (the mask is
 * set before the first thread starts and inherited), taken here by the main
 * thread alone with sigwait, so nothing runs in a signal handler. */
static int wait_for_signal(const sigset_t *set)
{
    int sig = 0;
    sigwait(set, &sig);
    return sig;
}

/* What a reload (SIGHUP) works with: the settings file, the INI the server
 * started with (its settings outside [mail] stay in force until a
 * restart), the [mail] settings in force and the mail thread, and the INI
 * a reload read those settings from (their texts point into it). An INI
 * whose settings are replaced is freed at once: the mail thread that used
 * them has stopped, and GET /duty reads the duty text under the centre's
 * lock (mm_center_duty_hold), which mm_center_set_duty takes to replace
 * it. */
struct reload {
    const char *path;
    int argc; /* the command line, whose options replace settings (apply_options) */
    char **argv;
    const struct mm_ini *boot_ini;
    char *listen_said; /* the wrong [server] listen last warned about (warn_listen_replaced) */
    struct mm_center_replaced replaced[S__N]; /* by the options given (replaced_by_options) */
    size_t n_replaced;
    struct mm_mail_config *mail_cfg;
    struct mm_mail *mail;
    struct mm_ini *ini; /* mail_cfg's, when a reload read it (NULL: boot_ini's) */
};

/* What a restart with the reloaded file would refuse beyond what
 * read_settings checks: with the command line's options applied, what the
 * HTTP server takes (listen, the TLS files read and dropped at once) and
 * [reports] timezone, checked without loading it (mm_center_zone_check).
 * Logged as a warning: the file's [mail] still takes effect. */
static void warn_restart_would_fail(struct reload *rl, struct mm_center_config *cfg)
{
    struct mm_http_tls tls = {0};
    char err[2048];
    int r = apply_options(rl->argc, rl->argv, cfg, &rl->listen_said, err, sizeof err);
    if (r == 0)
        r = mm_http_settings_check(cfg, &tls, err, sizeof err);
    mm_http_tls_clear(&tls);
    if (r == 0)
        r = mm_center_zone_check(cfg, err, sizeof err);
    if (r != 0)
        mm_log_tr(MM_LOG_WARN, "center-log", "reload.restart_would_fail", err);
}

/* Reads the settings file again and checks it as the start does
 * (mm_center_config_load, [mail] with its ca_file); err names the file.
 * What only a restart would refuse is logged (warn_restart_would_fail).
 * *busy_ms: the file's [server] busy_timeout_ms (or the default). */
static int read_settings(struct reload *rl, struct mm_ini **ini, struct mm_mail_config *mail,
                         int *busy_ms, char *err, size_t errlen)
{
    struct mm_center_config cfg;
    char what[384];
    mm_center_config_defaults(&cfg);
    int r = mm_center_config_load(&cfg, rl->path, ini, err, errlen);
    if (r != 0)
        return r;
    what[0] = '\0';
    r = mm_mail_config_load(*ini, mail, what, sizeof what);
    if (r == 0)
        r = mm_mail_config_check_files(mail, what, sizeof what);
    if (r != 0) {
        snprintf(err, errlen, "%s: %s", rl->path, what);
        mm_mail_config_release(mail);
        mm_ini_free(*ini);
        *ini = NULL;
        return r;
    }
    *busy_ms = cfg.busy_timeout_ms;
    warn_restart_would_fail(rl, &cfg);
    return 0;
}

/* After next failed to start (r): says so at once, then starts the old
 * settings again unless they equal next (the same start would wait out the
 * busy timeout again, SIGTERM blocked). was_off: no thread ran before
 * (a reload that started neither), so mail coming back is said as such. */
static int restart_old_mail(struct mm_center *c, struct reload *rl, struct mm_mail_config *next,
                            int r, bool was_off)
{
    char why[512];
    mm_msg_format(why, sizeof why, "center-log", "reload.mail_why", mm_msg_strerror(r));
    mm_log_tr(MM_LOG_ERROR, "center-log", "reload.mail_new_failed", mm_msg_strerror(r));
    bool same = mm_mail_config_equal(next, rl->mail_cfg);
    mm_mail_config_release(next);
    int old = same ? r : mm_mail_start(c, rl->mail_cfg, &rl->mail);
    if (old == 0) {
        c->mail_enabled = rl->mail_cfg->enabled; /* on again after "neither" */
        mm_log_tr(MM_LOG_ERROR, "center-log", was_off ? "reload.mail_back" : "reload.failed", why);
        return r;
    }
    rl->mail = NULL; /* no mail thread at all: GET /duty says mail is off */
    c->mail_enabled = false;
    mm_log_tr(MM_LOG_ERROR, "center-log",
              mm_error_has_step(old) ? "reload.mail_none_own_step" : "reload.mail_none",
              mm_msg_strerror(old));
    return r;
}

/* The mail thread with next's settings (read from ini, taken: kept with
 * them, else freed) in place of the running ones (it finishes the mail in
 * flight first; queued mail waits in the outbox); GET /duty says the new
 * state, and the INI of the settings replaced is freed. With [mail]
 * unchanged the thread is left alone (stopping it may wait out an SMTP
 * conversation, [mail] timeout).
 * When the new thread cannot start, reload.mail_new_failed says so and the
 * old settings are started again (reload.failed, or reload.mail_back when
 * mail was off) and the error returned; when neither starts, mail is off
 * (mail_enabled, reload.mail_none) until a reload starts it, one of the same
 * settings included. */
static int replace_mail(struct mm_center *c, struct reload *rl, struct mm_mail_config *next,
                        struct mm_ini *ini)
{
    /* after a reload that started neither, the same settings are started */
    bool was_off = !rl->mail && rl->mail_cfg->enabled;
    if (!was_off && mm_mail_config_equal(next, rl->mail_cfg)) { /* the thread goes on */
        mm_mail_config_release(next);
        mm_ini_free(ini);
        mm_log_tr(MM_LOG_INFO, "center-log", "reload.mail_same");
        return 0;
    }
    mm_mail_stop(rl->mail);
    rl->mail = NULL;
    int r = mm_mail_start(c, next, &rl->mail);
    if (r != 0) {
        r = restart_old_mail(c, rl, next, r, was_off);
        mm_ini_free(ini);
        return r;
    }
    mm_mail_config_release(rl->mail_cfg);
    *rl->mail_cfg = *next;
    struct mm_ini *old = rl->ini;
    rl->ini = ini;
    mm_center_set_duty(c, rl->mail_cfg->duty); /* no request reads the old text from here */
    mm_ini_free(old);
    c->mail_enabled = rl->mail_cfg->enabled;
    if (!rl->mail_cfg->enabled)
        mm_log_tr(MM_LOG_INFO, "center-log", "reload.mail_off");
    return 0;
}

/* SIGHUP: the settings file read again. A file that cannot be read or
 * holds a wrong value is logged and changes nothing; else [mail] takes
 * effect from the next mail, then (mail started) [server] busy_timeout_ms
 * from the next write, and each other changed setting is logged as
 * needing a restart. Requests go on being served throughout. */
static void reload_settings(struct mm_center *c, struct reload *rl)
{
    struct mm_mail_config next = {0};
    struct mm_ini *ini = NULL;
    char err[2048];
    int busy_ms = 0;
    if (!rl->path) {
        mm_log_tr(MM_LOG_WARN, "center-log", "reload.no_file");
        return;
    }
    mm_log_tr(MM_LOG_INFO, "center-log", "reload.reading", rl->path);
    if (c->https)
        mm_log_tr(MM_LOG_INFO, "center-log", "reload.tls_at_start");
    if (read_settings(rl, &ini, &next, &busy_ms, err, sizeof err) != 0) {
        mm_log_tr(MM_LOG_ERROR, "center-log", "reload.failed", err);
        return;
    }
    mm_center_config_warn_unread(ini, rl->path);
    mm_center_config_log_restart_keys(rl->boot_ini, ini, rl->path, rl->replaced, rl->n_replaced);
    if (replace_mail(c, rl, &next, ini) == 0) {
        mm_center_set_busy_timeout(c, busy_ms);
        mm_log_tr(MM_LOG_INFO, "center-log", "reload.done", rl->path);
    }
}

/* The settings of the file that the options given replace (apply_options):
 * a reload says that a change to one of them is not used, even after a
 * restart. */
static void replaced_by_options(const struct options *o, struct reload *rl)
{
    static const struct {
        enum server_opt opt;
        const char *key;
    } keys[] = {{S_DATA, "data"},
                {S_LISTEN, "listen"},
                {S_TLS_CERT, "tls_cert"},
                {S_TLS_KEY, "tls_key"},
                {S_THREADS, "threads"}};
    rl->n_replaced = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (o->given[keys[i].opt])
            rl->replaced[rl->n_replaced++] =
                (struct mm_center_replaced){"server", keys[i].key, server_opts[keys[i].opt].name};
}

static void reload_free(struct reload *rl)
{
    mm_ini_free(rl->ini);
    rl->ini = NULL;
}

/* Every open connection is a socket, and a request that already holds a
 * database connection may open a spare one (the database and its WAL):
 * the soft open-file limit is raised toward what max_connections can use,
 * as far as the hard limit allows; short of it, a warning says that
 * connections near the top may be refused. */
static void raise_open_file_limit(const struct mm_center_config *cfg)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)cfg->max_connections * 3 + 64;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        struct rlimit up = rl;
        up.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
        if (up.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &up) == 0)
            rl = up;
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
        mm_log_tr(MM_LOG_WARN, "center-log", "main.nofile", (unsigned long)rl.rlim_cur,
                  cfg->max_connections, (unsigned long)want);
}

/* Runs the server with settings already checked (check_settings), with the
 * TLS texts it read (tls, taken: emptied on return): what fails here is the
 * machine (storage, the port, threads), exit 1. */
static int serve(struct mm_center_config *cfg, struct reload *rl, struct mm_http_tls *tls,
                 struct mm_zone *zone, const char *port_file)
{
    const struct mm_mail_config *mail_cfg = rl->mail_cfg;
    struct mm_center c;
    struct mm_http_server *srv = NULL;
    struct mm_health *health = NULL;
    char err[2048]; /* as long as a log line: a long path leaves room for the step */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Alert rows written once per [alerts] flush_ms and before every read,
     * not at every batch (center-storage.md); the admin command leaves them
     * alone (alert_rows_off). */
    cfg->alert_flush_usec = (int64_t)cfg->alert_flush_ms * 1000;
    if (mm_center_open(&c, cfg, zone, err, sizeof err) != 0) {
        mm_log_error("%s", err);
        mm_http_tls_clear(tls);
        return 1;
    }
    mm_center_set_duty(&c, mail_cfg->duty);
    c.mail_enabled = mail_cfg->enabled;
    int rc = 1;
    if (mm_password_dummy_init(cfg->pwcost) != 0) {
        mm_log_tr(MM_LOG_ERROR, "center-log", "main.pwhash");
        goto out;
    }
    /* Each password check holds its own argon2 memory: a bounded number at
     * once, whatever the number of sign-ins (auth.h). */
    mm_password_slots_set(mm_password_slots_default(cfg->threads),
                          (int64_t)cfg->password_wait * 1000000);
    raise_open_file_limit(cfg);
    if (mm_http_start(&c, tls, &srv, err, sizeof err) != 0) {
        mm_log_error("%s", err);
        goto out;
    }
    if (mm_health_start(&c, &health) != 0)
        goto out;
    if (mm_mail_start(&c, mail_cfg, &rl->mail) != 0) {
        mm_log_tr(MM_LOG_ERROR, "center-log", "main.mail", mm_msg("center-log", "main.mail_start"));
        goto out;
    }
    /* The port file says the server is up: written last, once every thread
     * it starts runs (a test counting the threads or their stacks from then
     * on saw the health and mail threads appear after it, under load). */
    if (port_file && write_port_file(port_file, mm_http_port(srv)) != 0) {
        mm_log_tr(MM_LOG_ERROR, "center-log", "main.port_file", port_file);
        goto out;
    }
    mm_log_tr(MM_LOG_INFO, "center-log", "main.listening", c.https ? "https" : "http", cfg->listen,
              mm_http_port(srv), cfg->data_dir);
    int sig;
    while ((sig = wait_for_signal(&set)) == SIGHUP)
        reload_settings(&c, rl);
    mm_log_tr(MM_LOG_INFO, "center-log", "main.signal", sig);
    rc = 0;
out:
    mm_http_tls_clear(tls); /* not yet taken when an earlier step failed */
    mm_http_stop(srv, cfg->shutdown_grace);
    mm_mail_stop(rl->mail);
    rl->mail = NULL;
    mm_health_stop(health);
    mm_center_close(&c);
    reload_free(rl);
    if (rc == 0)
        mm_log_tr(MM_LOG_INFO, "center-log", "main.stopped");
    return rc;
}

int main(int argc, char **argv)
{
    struct mm_center_config cfg;
    struct mm_mail_config mail_cfg = {0};
    struct mm_http_tls tls = {0};
    struct mm_ini *ini = NULL;
    struct options o;
    enum mm_lang lang = MM_LANG_EN;
    char err[2048]; /* as long as a log line: a long path leaves room for the step */
    int rc;
    /* Past RLIMIT_FSIZE (ulimit -f) a write fails with EFBIG, said as
     * MM_EFBIG with what to do, instead of the signal killing the process:
     * for the server and every admin subcommand alike. */
    signal(SIGXFSZ, SIG_IGN);
    /* SIGHUP (a reload) is taken by serve() alone: blocked from here, so one
     * sent during start-up or to an admin subcommand does not end the
     * process (serve() takes a pending one as a reload). */
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_BLOCK, &hup, NULL);
    mm_lang_select(NULL, &lang);
    /* log lines and errors in the environment's language, or in that of the
     * server's --lang (before `admin` it is refused, in the environment's) */
    if (admin_word(argc, argv) == argc)
        lang_option(argc, argv, 1, argc, &lang);
    mm_msg_set_lang(lang);
    mm_log_init("mamori-center", MM_LOG_INFO);
    mm_center_config_defaults(&cfg);
    const char *what = NULL, *key = NULL;
    if (scan_options(argc, argv, &o, &what, &key) != 0) {
        fprintf(stderr, "mamori-center: %s: %s\n%s\n", what, mm_tr("center", key, lang),
                mm_tr("center", "main.usage", lang));
        return EXIT_USAGE;
    }
    /* admin's leading --data and --config: a misuse is told after the help */
    const char *admin_data = NULL;
    int admin_args =
        o.admin_at ? admin_leading_options(argc, argv, &o, &admin_data, &what, &key) : 0;
    if (admin_args > 0) { /* admin's messages follow its subcommand's --lang ja|en */
        mm_center_admin_lang(argc - admin_args, argv + admin_args, &lang);
        mm_msg_set_lang(lang);
    }
    if (o.help) {
        printf("%s\n", mm_tr("center", "main.usage", lang));
        return 0;
    }
    if (o.version) {
        printf("mamori-center %s\n", MAMORI_VERSION);
        return 0;
    }
    if (o.list_routes) {
        mm_route_print_json(stdout);
        return 0;
    }
    if (o.admin_at && admin_asks_help(argc, argv, o.admin_at)) {
        lang_option(argc, argv, o.admin_at + 1, argc, &lang);
        printf("%s\n", mm_tr("center", "admin.usage", lang));
        return 0;
    }
    if (admin_args < 0) {
        fprintf(stderr, "mamori-center admin: %s: %s\n%s\n", what, mm_tr("center", key, lang),
                mm_tr("center", "admin.usage", lang));
        return EXIT_USAGE;
    }
    if (o.config && mm_center_config_load(&cfg, o.config, &ini, err, sizeof err) != 0) {
        fprintf(stderr, "mamori-center: %s\n", err);
        return EXIT_USAGE;
    }
    char *listen_said = NULL; /* apply_options: the server's reloads go on from it */
    if (apply_options(o.admin_at ? o.admin_at : argc, argv, &cfg, &listen_said, err, sizeof err) !=
        0) {
        if (err[0])
            fprintf(stderr, "mamori-center: %s\n", err);
        else
            fprintf(stderr, "%s\n", mm_tr("center", "main.usage", lang));
        free(listen_said);
        mm_ini_free(ini);
        return EXIT_USAGE;
    }
    if (admin_data)
        cfg.data_dir = admin_data;
    struct mm_zone *zone = NULL;
    if (!o.admin_at && (!cfg.data_dir || !*cfg.data_dir)) { /* "" names no directory */
        fprintf(stderr, "mamori-center: %s\n", mm_tr("center", "main.need_data", lang));
        rc = EXIT_USAGE;
    } else if (check_settings(&cfg, ini, o.config, !o.admin_at, o.port_file, &mail_cfg, &tls, &zone,
                              err, sizeof err) != 0) {
        /* the admin command too: a broken file is told before it is needed */
        fprintf(stderr, "mamori-center: %s\n", err);
        rc = EXIT_USAGE;
    } else {
        /* every reader of the settings file has run: what none read is told */
        mm_center_config_warn_unread(ini, o.config);
        if (o.admin_at)
            rc = mm_center_admin(&cfg, zone, argc - admin_args, argv + admin_args);
        else {
            struct reload rl = {.path = o.config,
                                .argc = argc,
                                .argv = argv,
                                .boot_ini = ini,
                                .listen_said = listen_said,
                                .mail_cfg = &mail_cfg};
            listen_said = NULL; /* rl's now */
            replaced_by_options(&o, &rl);
            /* libcurl (the mail thread's SMTP) set up once for the
             * process, before any thread starts: not at each start of the
             * mail thread, which a reload may stop and start again */
            CURLcode curl = curl_global_init(CURL_GLOBAL_DEFAULT);
            if (curl != CURLE_OK) {
                mm_log_tr(MM_LOG_ERROR, "center-log", "main.curl_init_failed",
                          curl_easy_strerror(curl));
                rc = 1;
            } else {
                rc = serve(&cfg, &rl, &tls, zone, o.port_file);
                curl_global_cleanup();
            }
            free(rl.listen_said);
        }
    }
    free(listen_said);
    mm_mail_config_release(&mail_cfg);
    mm_ini_free(ini);
    return rc;
}
