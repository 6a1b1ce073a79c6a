/* SPDX-License-Identifier: Apache-2.0
 * The program-level glue between mamori-sensor's command line and the
 * uplink (output/uplink.h): the --enrol/--center/--sensor-name/--allow-insecure options
 * (taken out of argv before the capture options are parsed), enrolment,
 * starting/stopping the uplink thread from the [uplink] settings, and
 * libcurl's global state for both. */
#ifndef MM_SENSOR_ENROL_H
#define MM_SENSOR_ENROL_H

#include <stdbool.h>

#include "sensor/output/uplink.h"

struct mm_sensor_options;

#define MM_LINK_CODE_MAX 128 /* an enrolment code's bytes, its NUL included */

struct mm_link_options {
    const char *enrol_code; /* --enrol CODE: code_buf (argv's copy is wiped), NULL without */
    const char *center;     /* --center URL */
    const char *name;       /* --sensor-name NAME (default: the host name) */
    bool capture;           /* -r or -i given: keep running after enrolment */
    bool allow_insecure;    /* --allow-insecure: plain http:// to a non-loopback centre */
    bool code_stdin;        /* --enrol -: the code came from standard input */
    char code_buf[MM_LINK_CODE_MAX];
    /* STATE/uplink.conf as mm__link_load read it (the key: wiped by
     * mm__link_start, or mm__link_options_wipe) */
    struct mm_uplink_state state;
    int state_rc; /* mm_uplink_state_load's result, said by mm__link_start */
};

/* Removes the link options from argv (compacting it, *argc updated) and
 * fills lo. The enrolment code is copied and its bytes in argv overwritten
 * (no longer in /proc/PID/cmdline); "--enrol -" reads it from the first
 * line of standard input. Returns 0, or 2 after printing a usage error. */
int mm__link_options_take(int *argc, char **argv, struct mm_link_options *lo);

/* Enrols with lo->enrol_code at lo->center (else [uplink] center), saving
 * the key under o->state_dir (--state, else [sensor] state); the [uplink]
 * ca_file's text and allow_insecure apply. o: the settings as parsed
 * (mm__options_parse, or mm__options_parse_enrol for an enrol-only run).
 * Returns the exit code (0 success, 1 centre unreachable or code refused,
 * 2 usage). */
int mm__link_enrol(const struct mm_link_options *lo, const struct mm_sensor_options *o);

/* Reads STATE/uplink.conf into lo->state ([uplink] enabled = no without
 * --center: not read), before the sensor switches to --user: the file is
 * root's alone after an enrolment as root. What it finds is said by
 * mm__link_start. */
void mm__link_load(struct mm_link_options *lo, const struct mm_sensor_options *o);

/* Starts the uplink when mm__link_load read STATE/uplink.conf.
 * *out stays NULL when no uplink is configured. Returns the exit code (0,
 * 1 cannot start, 2 usage/config). */
int mm__link_start(struct mm_link_options *lo, const struct mm_sensor_options *o,
                   struct mm_uplink **out);

/* Wipes the key mm__link_load read (when mm__link_start did not). */
void mm__link_options_wipe(struct mm_link_options *lo);

/* Flushes (bounded by [uplink] flush_timeout) and stops the uplink. */
void mm__link_finish(struct mm_uplink *u, const struct mm_sensor_options *o);

/* Cleans libcurl's global state up when mm__link_enrol or mm__link_start
 * set it up (they do so once, on the main thread, only when they use
 * libcurl: a run without enrolment or uplink never sets it up). Call it
 * last, after mm__link_finish. */
void mm__link_end(void);

#endif
