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

struct mm_link_options {
    const char *enrol_code; /* --enrol CODE */
    const char *center;     /* --center URL */
    const char *name;       /* --sensor-name NAME (default: the host name) */
    bool capture;           /* -r or -i given: keep running after enrolment */
    bool allow_insecure;    /* --allow-insecure: plain http:// to a non-loopback centre */
};

/* Removes the link options from argv (compacting it, *argc updated) and
 * fills lo. Returns 0, or 2 after printing a usage error. */
int mm__link_options_take(int *argc, char **argv, struct mm_link_options *lo);

/* Enrols with lo->enrol_code at lo->center (else [uplink] center), saving
 * the key under o->state_dir (--state, else [sensor] state); the [uplink]
 * ca_file's text and allow_insecure apply. o: the settings as parsed
 * (mm__options_parse, or mm__options_parse_enrol for an enrol-only run).
 * Returns the exit code (0 success, 1 centre unreachable or code refused,
 * 2 usage). */
int mm__link_enrol(const struct mm_link_options *lo, const struct mm_sensor_options *o);

/* Starts the uplink when --center was given or STATE/uplink.conf exists
 * ([uplink] enabled = no turns it off). *out stays NULL when no uplink is
 * configured. Returns the exit code (0, 2 usage/config). */
int mm__link_start(const struct mm_link_options *lo, const struct mm_sensor_options *o,
                   struct mm_uplink **out);

/* Flushes (bounded by [uplink] flush_timeout) and stops the uplink. */
void mm__link_finish(struct mm_uplink *u, const struct mm_sensor_options *o);

/* Cleans libcurl's global state up when mm__link_enrol or mm__link_start
 * set it up (they do so once, on the main thread, only when they use
 * libcurl: a run without enrolment or uplink never sets it up). Call it
 * last, after mm__link_finish. */
void mm__link_end(void);

#endif
