/* SPDX-License-Identifier: Apache-2.0
 * Intel set building for startup and SIGHUP reloads (see reload.h). The
 * background thread touches nothing but its own new set and a memory
 * stream for the reports; the main thread joins it and swaps between
 * packets, so no lock is needed on the packet path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/msg.h"
#include "sensor/intel/intel.h"
#include "sensor/reload.h"

/* A reason from the intel readers (English, fixed texts) in the message
 * language: data/i18n/sensor-log.json has "intel.why.<English text>"; a
 * reason without a translation is shown as it is. */
static const char *reason_text(const char *why)
{
    char key[160];
    snprintf(key, sizeof key, "intel.why.%s", why);
    const char *text = mm_msg("sensor-log", key);
    return strcmp(text, key) == 0 ? why : text;
}

/* The remark on a file that changed while it was read without costing a
 * line (see enum mm_intel_note); "" for none. */
static void note_text(char *out, size_t n, const struct mm_intel_file_report *rep)
{
    static const char *const keys[] = {
        [MM_INTEL_NOTE_GREW] = "intel.note_grew",
        [MM_INTEL_NOTE_CHANGED] = "intel.note_changed",
        [MM_INTEL_NOTE_REPLACED] = "intel.note_replaced",
        [MM_INTEL_NOTE_POSTPONED] = NULL, /* (a postponed build's reports are not printed) */
        [MM_INTEL_NOTE_UNSETTLED] = "intel.note_unsettled",
    };
    out[0] = '\0';
    if (rep->note > MM_INTEL_NOTE_NONE && rep->note <= MM_INTEL_NOTE_UNSETTLED && keys[rep->note])
        mm_msg_format(out, n, "sensor-log", keys[rep->note], rep->note_line);
}

static void print_report(FILE *log, const struct mm_intel_file_report *rep)
{
    char line[1024], first[512] = "", note[512];
    const char *format =
        rep->format[0] ? rep->format : mm_msg("sensor-log", "intel.unknown_format");
    mm_msg_format(line, sizeof line, "sensor-log", "intel.report", rep->path, format, rep->loaded,
                  rep->malformed);
    if (rep->first_bad_line > 0)
        mm_msg_format(first, sizeof first, "sensor-log", "intel.report_first", rep->first_bad_line,
                      reason_text(rep->first_bad_reason));
    else if (rep->first_bad_reason[0]) /* a file skipped as a whole says why */
        mm_msg_format(first, sizeof first, "sensor-log", "intel.report_why",
                      reason_text(rep->first_bad_reason));
    note_text(note, sizeof note, rep);
    fprintf(log, "mamori-sensor: %s%s%s\n", line, first, note);
}

int mm_intel_build(const char *const *paths, size_t n, FILE *log, struct mm_intel **out)
{
    return mm_intel_build_settled(paths, n, NULL, log, out, NULL);
}

int mm_intel_build_settled(const char *const *paths, size_t n, const struct mm_intel_settle *rule,
                           FILE *log, struct mm_intel **out, struct mm_intel_file_report *postponed)
{
    *out = NULL;
    struct mm_intel *in = NULL;
    int r = mm_intel_new(&in);
    if (r != 0)
        return r;
    mm_intel_settle(in, rule);
    for (size_t i = 0; i < n; i++) {
        struct mm_intel_file_report *reps = NULL;
        size_t nreps = 0;
        r = mm_intel_load(in, paths[i], &reps, &nreps);
        for (size_t k = 0; k < nreps && log; k++)
            print_report(log, &reps[k]);
        if (r == MM_EAGAIN && nreps > 0 && postponed)
            *postponed = reps[nreps - 1];
        free(reps);
        if (r == MM_EAGAIN) { /* (a feed not settled: no message, the caller says why) */
            mm_intel_free(in);
            return r;
        }
        if (r != 0) {
            if (log)
                mm_msg_print(log, "mamori-sensor", "sensor-log", "intel.file_error", paths[i],
                             mm_msg_strerror(r));
            mm_intel_free(in);
            return r;
        }
    }
    if ((r = mm_intel_seal(in)) != 0) {
        mm_intel_free(in);
        return r;
    }
    *out = in;
    return 0;
}

static void *reload_main(void *arg)
{
    struct mm_reload *r = arg;
    FILE *log = open_memstream(&r->log_text, &r->log_len);
    r->rc = mm_intel_build_settled(r->paths, r->npaths, &r->rule, log, &r->result, &r->postponed);
    if (log)
        fclose(log);
    atomic_store(&r->state, 2);
    return NULL;
}

int mm_reload_start(struct mm_reload *r, const char *const *paths, size_t n,
                    const struct mm_intel_settle *rule)
{
    if (atomic_load(&r->state) != 0)
        return MM_EAGAIN;
    r->paths = paths;
    r->npaths = n;
    r->rule = rule ? *rule : (struct mm_intel_settle){0};
    memset(&r->postponed, 0, sizeof r->postponed);
    r->result = NULL;
    r->rc = 0;
    r->log_text = NULL;
    r->log_len = 0;
    r->thread_joined = false;
    atomic_store(&r->state, 1);
    if (pthread_create(&r->thread, NULL, reload_main, r) != 0) {
        atomic_store(&r->state, 0);
        return MM_ENOMEM;
    }
    return 0;
}

bool mm_reload_poll(struct mm_reload *r, struct mm_intel **out, int *rc)
{
    if (atomic_load(&r->state) != 2)
        return false;
    if (!r->thread_joined)
        pthread_join(r->thread, NULL);
    r->thread_joined = false;
    if (r->log_text && r->rc != MM_EAGAIN) /* (a postponed build's reports are of nothing) */
        fputs(r->log_text, stderr);
    free(r->log_text);
    r->log_text = NULL;
    *out = r->result;
    *rc = r->rc;
    r->result = NULL;
    atomic_store(&r->state, 0);
    return true;
}

bool mm_reload_wait(struct mm_reload *r, struct mm_intel **out, int *rc)
{
    if (atomic_load(&r->state) == 0)
        return false;
    pthread_join(r->thread, NULL);
    atomic_store(&r->state, 2);
    r->thread_joined = true;
    return mm_reload_poll(r, out, rc);
}

void mm_reload_cancel(struct mm_reload *r)
{
    if (atomic_load(&r->state) == 0)
        return;
    pthread_join(r->thread, NULL);
    free(r->log_text);
    r->log_text = NULL;
    mm_intel_free(r->result);
    r->result = NULL;
    atomic_store(&r->state, 0);
}
