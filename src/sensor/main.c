/* SPDX-License-Identifier: Apache-2.0
 * mamori-sensor: the passive network monitor. Parses the options, opens the
 * capture (live: then drops root), loads intel, builds the sensor context
 * and runs every packet of every -r file in order (or of the interface)
 * through the pipeline. SIGHUP reloads intel in the background; SIGINT and
 * SIGTERM stop cleanly (flows flushed, stats written, spool synced).
 *
 * Exit status: 0 success; 1 runtime failure (live capture error, out of
 * memory); 2 usage or config error; 3 a capture file could not be opened or
 * was truncated/corrupt (events before the damage are kept); 4 the EVE
 * output or the spool could not be opened or written. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/json-pool.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/timefmt.h"
#include "sensor/capture.h"
#include "sensor/decode/decode.h"
#include "sensor/enrol.h"
#include "sensor/intel/intel.h"
#include "sensor/reload.h"
#include "sensor/sensor-int.h"

#define PROG           "mamori-sensor"
#define COUNTERS_EVERY 4096
#define EXIT_RUNTIME   1
#define EXIT_USAGE     2
#define EXIT_INPUT     3
#define EXIT_OUTPUT    4

static volatile sig_atomic_t stop_requested, reload_requested;
static struct mm_capture *live_capture; /* for pcap_breakloop on a stop signal */

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
    mm_capture_breakloop(live_capture);
    mm_capture_wake(true);
}

static void on_hup(int sig)
{
    (void)sig;
    reload_requested = 1;
    mm_capture_wake(false);
}

/* SA_RESTART: a signal must not turn a blocking read of a capture file or
 * pipe into an error. */
static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* past RLIMIT_FSIZE a write fails with EFBIG (said as MM_EFBIG, with
     * what to do) instead of the signal killing the process */
    signal(SIGXFSZ, SIG_IGN);
}

struct run {
    struct mm_sensor_options opt;
    struct mm_sensor *sensor;
    struct mm_intel *intel;
    struct mm_reload reload;  /* and the retries of a postponed reload */
    struct mm_uplink *uplink; /* enrol.c; NULL without a centre */
    int exit_code;
};

/* Puts a freshly built intel set in place (between packets); a build
 * postponed (a feed not settled) leaves the set in use as it is and is
 * tried again later. */
static void reload_apply(struct run *run, struct mm_intel *fresh, int rc)
{
    if (rc == MM_EAGAIN) {
        mm_reload_postponed(&run->reload, mm_time_mono_usec(), run->reload.notes.postponed.path,
                            false);
        return;
    }
    if (rc != 0) {
        mm_msg_print(stderr, PROG, "sensor-log", "intel.reload_failed", mm_msg_strerror(rc));
        return;
    }
    mm_intel_free(mm__sensor_swap_intel(run->sensor, fresh));
    run->intel = fresh;
    run->sensor->st.intel_reloads++;
    run->sensor->st.intel_indicators = mm_intel_count(fresh);
    if (!run->opt.quiet)
        mm_msg_print(stderr, PROG, "sensor-log", "intel.reloaded", mm_intel_count(fresh));
}

/* Between packets: start a requested reload, swap in a finished one.
 * Inline in both callers (run_capture, per packet; open_file): called out
 * of line, as a function of two callers became, it cost 14 instructions a
 * packet more (callgrind, s40.pcap). */
static inline __attribute__((always_inline)) void reload_step(struct run *run)
{
    /* (a request while a build runs waits for it: the build may have read
     * the feeds before the change the request is for) */
    if (run->reload.retry_at != 0)
        mm_reload_retry_due(&run->reload, mm_time_mono_usec());
    if ((reload_requested || run->reload.retry_due) && atomic_load(&run->reload.state) == 0) {
        bool hup = reload_requested;
        reload_requested = 0;
        struct mm_intel_settle rule = mm_reload_rule(&run->reload, mm_time_mono_usec(), true);
        if (mm_reload_start(&run->reload, run->opt.intel_paths, run->opt.nintel, &rule) == 0 &&
            !run->opt.quiet)
            mm_msg_print(stderr, PROG, "sensor-log",
                         hup ? "intel.reload_start" : "intel.reload_retry");
    }
    struct mm_intel *fresh;
    int rc;
    /* the state is read here first: a call per packet for a build that is
     * nearly never done cost 16 instructions a packet */
    if (atomic_load(&run->reload.state) == 2 && mm_reload_poll(&run->reload, &fresh, &rc))
        reload_apply(run, fresh, rc);
}

static void update_counters(struct run *run, struct mm_capture *cap)
{
    struct mm_sensor_stats *st = &run->sensor->st;
    mm_capture_counters(cap, &st->kernel_packets, &st->kernel_drops, &st->kernel_ifdrops);
}

/* Runs every packet of cap through the pipeline until EOF, error or stop. */
static int run_capture(struct run *run, struct mm_capture *cap, const char *name)
{
    struct mm_capture_packet pkt;
    char err[512] = "";
    int linktype = mm_capture_linktype(cap);
    uint64_t count = 0;
    for (;;) {
        if (stop_requested)
            break;
        reload_step(run);
        if (run->uplink && run->sensor->spool)
            mm_uplink_note(run->uplink, mm_spool_last_seq(run->sensor->spool),
                           run->sensor->st.kernel_drops + mm_spool_dropped(run->sensor->spool));
        int r = mm_capture_next(cap, &pkt, err, sizeof(err));
        if (r == MM_CAPTURE_PACKET) {
            mm__pipeline_packet(run->sensor, &pkt.ts, pkt.data, pkt.caplen, pkt.len, linktype);
            if (++count % COUNTERS_EVERY == 0 && run->opt.iface)
                update_counters(run, cap);
            continue;
        }
        if (r == MM_CAPTURE_TIMEOUT) {
            /* (a pipe read by -r: nothing came in time; its flows live in
             * the capture's time, not the clock's) */
            if (!run->opt.iface)
                continue;
            struct timeval now;
            gettimeofday(&now, NULL);
            update_counters(run, cap);
            mm__pipeline_idle(run->sensor, &now);
            continue;
        }
        if (r == MM_CAPTURE_EOF)
            break;
        if (run->opt.iface) {
            mm_msg_print(stderr, PROG, "sensor-log", "capture.error", name, err);
            run->exit_code = EXIT_RUNTIME;
        } else {
            /* (a pipe has no offset to tell: 0, which no damage past the
             * header the open read can have) */
            uint64_t at = mm_capture_offset(cap);
            if (at > 0)
                mm_msg_print(stderr, PROG, "sensor-log", "capture.truncated", name,
                             (unsigned long long)count, (unsigned long long)at, err);
            else
                mm_msg_print(stderr, PROG, "sensor-log", "capture.truncated_stream", name,
                             (unsigned long long)count, err);
            run->exit_code = EXIT_INPUT;
        }
        break;
    }
    if (run->opt.iface)
        update_counters(run, cap);
    mm__sensor_flush(run->sensor);
    return 0;
}

/* A capture of a link type the decoders do not take would only be counted
 * (stats decoder.unsupported_link): refused at once, with the link type
 * and those the sensor decodes named. */
static bool link_supported(const struct mm_capture *cap, const char *name)
{
    int linktype = mm_capture_linktype(cap);
    if (mm_decode_link_supported(linktype))
        return true;
    mm_msg_print(stderr, PROG, "sensor-log", "capture.link_unsupported", name, linktype,
                 mm_capture_linktype_name(linktype));
    return false;
}

/* Opens the capture file path. A pipe's file header is waited for as its
 * records are (run_capture): a SIGHUP meanwhile reloads then and there, a
 * postponed reload is retried on time, a stop ends the wait (and the open
 * fails). */
static int open_file(struct run *run, const char *path, struct mm_capture **cap, char *err,
                     size_t errlen)
{
    int r = mm_capture_open_file(path, cap, err, errlen);
    if (r == MM_EAGAIN)
        mm_capture_wake_at(*cap, &run->reload.retry_at);
    while (r == MM_EAGAIN && !stop_requested) {
        reload_step(run);
        r = mm_capture_open_more(*cap, err, errlen);
    }
    if (r != 0) {
        mm_capture_close(*cap);
        *cap = NULL;
    }
    return r;
}

static int run_files(struct run *run)
{
    for (size_t i = 0; i < run->opt.nread && !stop_requested; i++) {
        struct mm_capture *cap = NULL;
        char err[512] = "";
        const char *path = run->opt.read_files[i];
        int r = open_file(run, path, &cap, err, sizeof(err));
        if (r != 0 && stop_requested) /* (a pipe whose header was awaited) */
            break;
        if (r != 0) {
            if (r == MM_EISDIR)
                mm_msg_print(stderr, PROG, "sensor-log", "capture.is_directory", path);
            else
                mm_msg_print(stderr, PROG, "sensor-log", "capture.cannot_read", path, err);
            run->exit_code = EXIT_INPUT;
            continue;
        }
        if (!link_supported(cap, path)) { /* as a file that cannot be read: the next one is */
            mm_capture_close(cap);
            run->exit_code = EXIT_INPUT;
            continue;
        }
        /* a pipe left idle still lets a reload's retry start on time */
        mm_capture_wake_at(cap, &run->reload.retry_at);
        run_capture(run, cap, path);
        mm_capture_close(cap);
    }
    return 0;
}

static int open_live(struct run *run, struct mm_capture **cap)
{
    char err[512] = "";
    if (mm_capture_open_live(run->opt.iface, run->opt.bpf, cap, err, sizeof(err)) != 0) {
        fprintf(stderr, PROG ": %s: %s\n", run->opt.iface, err);
        return EXIT_RUNTIME;
    }
    if (!link_supported(*cap, run->opt.iface)) {
        mm_capture_close(*cap);
        *cap = NULL;
        return EXIT_RUNTIME;
    }
    const char *user = run->opt.user ? run->opt.user : "nobody";
    if (mm_privileges_drop(user, err, sizeof(err)) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        mm_capture_close(*cap);
        *cap = NULL;
        return EXIT_RUNTIME;
    }
    return 0;
}

/* -r run as root with --user: switches to that account before anything is
 * read or written (the capture files, intel, the EVE output, the state
 * folder), as a live capture does once its device is open. Without --user
 * the run keeps the user it was started as (docs/design/sensor.md). */
static int drop_for_files(struct run *run)
{
    char err[512] = "";
    if (!run->opt.user || mm_privileges_drop(run->opt.user, err, sizeof(err)) == 0)
        return 0;
    fprintf(stderr, PROG ": %s\n", err);
    return EXIT_RUNTIME;
}

static int start(struct run *run, struct mm_capture **live)
{
    /* room for two paths (the settings file, the state directory's file),
     * each up to PATH_MAX, and a Japanese message: 512 bytes cut the
     * longest ones, Japanese ones in the middle of a character */
    char err[10240] = "";
    int r;
    if (run->opt.iface && (r = open_live(run, live)) != 0)
        return r;
    if (!run->opt.iface && (r = drop_for_files(run)) != 0)
        return r;
    live_capture = *live;
    /* a feed still being written is waited for, a few settle times at most
     * (a stop signal ends the wait: the sensor then stops at once) */
    struct mm_intel_build_notes notes;
    run->reload.settle_ms = run->opt.intel_settle_ms;
    run->reload.stop = &stop_requested;
    struct mm_intel_settle rule = mm_reload_rule(&run->reload, mm_time_mono_usec(), false);
    if (mm_intel_build_settled(run->opt.intel_paths, run->opt.nintel, &rule, stderr, &run->intel,
                               &notes) != 0) {
        mm_msg_print(stderr, PROG, "sensor-log", "intel.cannot_load");
        return EXIT_INPUT;
    }
    r = mm__sensor_new(&run->opt, run->intel, &run->sensor, err, sizeof(err));
    if (r != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return r == MM_ENOMEM                 ? EXIT_RUNTIME
               : r == MM__SENSOR_BAD_SETTINGS ? EXIT_USAGE
                                              : EXIT_OUTPUT;
    }
    run->sensor->st.intel_indicators = mm_intel_count(run->intel);
    /* a feed loaded as read, still being written: read again once settled
     * (the retry of a postponed reload; not when the wait was stopped) */
    if (notes.unsettled > 0 && !stop_requested)
        mm_reload_postponed(&run->reload, mm_time_mono_usec(), notes.unsettled_path, true);
    if (run->sensor->spool && mm_spool_recovered_bytes(run->sensor->spool) > 0)
        mm_msg_print(stderr, PROG, "sensor-log", "spool.cut",
                     (unsigned long long)mm_spool_recovered_bytes(run->sensor->spool));
    return 0;
}

int main(int argc, char **argv)
{
    struct run run;
    struct mm_link_options link;
    memset(&run, 0, sizeof(run));
    mm_json_pool_install();                  /* before any JSON value exists */
    (void)mm_msg_lang_from_args(argc, argv); /* a bad --lang is reported by config.c */
    int r = mm__link_options_take(&argc, argv, &link);
    if (r != 0)
        return r;
    /* (enrol-only: --enrol without -r/-i; the settings file is read and
     * checked as for a run, and the program exits after enrolling) */
    bool enrol_only = link.enrol_code && !link.capture;
    r = enrol_only ? mm__options_parse_enrol(argc, argv, link.allow_insecure, &run.opt)
                   : mm__options_parse(argc, argv, link.allow_insecure, &run.opt);
    if (r != 0) {
        mm__options_free(&run.opt);
        return r < 0 ? 0 : r;
    }
    /* With --enrol the settings file is checked whole before the centre is
     * asked, also when a capture follows: the detectors' sections (the
     * detectors, the one reader still to run, check them again as they
     * start), then the unknown keys (a misspelt [uplink] ca_file would show
     * only as a certificate the sensor does not trust). */
    if (link.enrol_code) {
        if ((r = mm__options_detectors_check(&run.opt)) != 0) {
            mm__options_free(&run.opt);
            return r;
        }
        mm__options_warn_unread(&run.opt);
    }
    /* (libcurl is set up by the enrolment or the uplink's start, when the
     * run has them, and cleaned up by mm__link_end) */
    if (link.enrol_code && ((r = mm__link_enrol(&link, &run.opt)) != 0 || enrol_only)) {
        mm__link_options_wipe(&link);
        mm__link_end();
        mm__options_free(&run.opt);
        return r;
    }
    install_signals();
    struct mm_capture *live = NULL;
    /* STATE/uplink.conf (root's alone after an enrolment as root) is read
     * before start() switches to --user, as [uplink] ca_file is */
    mm__link_load(&link, &run.opt);
    run.exit_code = start(&run, &live);
    if (run.exit_code == 0 && !link.enrol_code) /* every reader of the config has run */
        mm__options_warn_unread(&run.opt);
    if (run.exit_code == 0)
        run.exit_code = mm__link_start(&link, &run.opt, &run.uplink);
    if (run.exit_code == 0) {
        if (live)
            run_capture(&run, live, run.opt.iface);
        else
            run_files(&run);
    }
    if (run.sensor) {
        /* A reload asked for during the run still completes; a postponed
         * one is not tried again, and that is said. */
        struct mm_intel *fresh;
        int rc;
        bool done = mm_reload_wait(&run.reload, &fresh, &rc);
        if (done && rc != MM_EAGAIN)
            reload_apply(&run, fresh, rc);
        mm_reload_dropped(&run.reload, done && rc == MM_EAGAIN);
    }
    mm_reload_cancel(&run.reload);
    if (run.sensor) {
        if (mm__sensor_free_reporting(run.sensor, run.exit_code == 0) != 0 && run.exit_code == 0)
            run.exit_code = EXIT_OUTPUT;
    }
    mm__link_finish(run.uplink, &run.opt);
    mm__link_options_wipe(&link); /* the key read before the start, when not used */
    /* A SIGHUP not started: it came after the last packet (while the
     * sensor was finishing), or while a build ran that the end of the
     * input or a stop left no turn after. Nothing is left to check against
     * a new set (the flows are ended), so it is not built; that is said
     * (it was dropped silently). */
    if (reload_requested && run.sensor)
        mm_msg_print(stderr, PROG, "sensor-log",
                     stop_requested || run.opt.iface ? "intel.reload_not_done_stop"
                                                     : "intel.reload_not_done_ended");
    live_capture = NULL;
    mm_capture_close(live);
    mm_intel_free(run.intel);
    mm__options_free(&run.opt);
    mm__link_end();
    return run.exit_code;
}
