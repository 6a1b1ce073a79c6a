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
#include "core/timefmt.h"
#include "sensor/intel/intel.h"
#include "sensor/reload.h"

#define PROG "mamori-sensor"

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
 * line (see enum mm_intel_note); "" for none. A feed loaded as read at
 * start is read again by itself (the start schedules a retry); one loaded
 * so at a reload (postponed for a minute) waits for a SIGHUP. */
static void note_text(char *out, size_t n, const struct mm_intel_file_report *rep, bool reload)
{
    static const char *const keys[] = {
        [MM_INTEL_NOTE_GREW] = "intel.note_grew",
        [MM_INTEL_NOTE_CHANGED] = "intel.note_changed",
        [MM_INTEL_NOTE_REPLACED] = "intel.note_replaced",
        [MM_INTEL_NOTE_POSTPONED] = NULL, /* (a postponed build's reports are not printed) */
        [MM_INTEL_NOTE_UNSETTLED] = "intel.note_unsettled",
    };
    out[0] = '\0';
    if (rep->note == MM_INTEL_NOTE_UNSETTLED && reload)
        mm_msg_format(out, n, "sensor-log", "intel.note_unsettled_reload");
    else if (rep->note > MM_INTEL_NOTE_NONE && rep->note <= MM_INTEL_NOTE_UNSETTLED &&
             keys[rep->note])
        mm_msg_format(out, n, "sensor-log", keys[rep->note], rep->note_line);
}

static void print_report(FILE *log, const struct mm_intel_file_report *rep, bool reload)
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
    note_text(note, sizeof note, rep, reload);
    fprintf(log, PROG ": %s%s%s\n", line, first, note);
}

int mm_intel_build(const char *const *paths, size_t n, FILE *log, struct mm_intel **out)
{
    return mm_intel_build_settled(paths, n, NULL, log, out, NULL);
}

/* mm_intel_build_settled; reload: a reload's build (its notes say so). */
static int build_settled(const char *const *paths, size_t n, const struct mm_intel_settle *rule,
                         FILE *log, struct mm_intel **out, struct mm_intel_build_notes *notes,
                         bool reload)
{
    *out = NULL;
    if (notes)
        memset(notes, 0, sizeof *notes);
    struct mm_intel *in = NULL;
    int r = mm_intel_new(&in);
    if (r != 0)
        return r;
    mm_intel_settle(in, rule);
    for (size_t i = 0; i < n; i++) {
        struct mm_intel_file_report *reps = NULL;
        size_t nreps = 0;
        r = mm_intel_load(in, paths[i], &reps, &nreps);
        bool named = false; /* the failed file's report names it */
        for (size_t k = 0; k < nreps; k++) {
            if (reps[k].error != 0) {
                if (log)
                    mm_msg_print(log, PROG, "sensor-log", "intel.file_error", reps[k].path,
                                 mm_msg_strerror(reps[k].error));
                named = true;
                continue;
            }
            if (log)
                print_report(log, &reps[k], reload);
            if (reps[k].note == MM_INTEL_NOTE_UNSETTLED && notes && notes->unsettled++ == 0)
                snprintf(notes->unsettled_path, sizeof notes->unsettled_path, "%s", reps[k].path);
        }
        if (r == MM_EAGAIN && nreps > 0 && notes)
            notes->postponed = reps[nreps - 1];
        free(reps);
        if (r == MM_EAGAIN) { /* (a feed not settled: no message, the caller says why) */
            mm_intel_free(in);
            return r;
        }
        if (r != 0) {
            if (log && !named)
                mm_msg_print(log, PROG, "sensor-log", "intel.file_error", paths[i],
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

int mm_intel_build_settled(const char *const *paths, size_t n, const struct mm_intel_settle *rule,
                           FILE *log, struct mm_intel **out, struct mm_intel_build_notes *notes)
{
    return build_settled(paths, n, rule, log, out, notes, false);
}

static FILE *log_of(const struct mm_reload *r)
{
    return r->log ? r->log : stderr;
}

/* Seconds of usec for a message (the catalogue's formats take no %f). */
static void seconds(char *out, size_t n, int64_t usec)
{
    snprintf(out, n, "%.1f", (double)usec / 1e6);
}

/* A reload postponed for postpone_max that loaded feeds still being
 * written as read (their reports say so each): one line says why. */
static void say_forced(const struct mm_reload *r, int64_t now)
{
    char secs[32];
    seconds(secs, sizeof secs, r->postponed_since ? now - r->postponed_since : 0);
    mm_msg_print(log_of(r), PROG, "sensor-log", "intel.reload_forced", secs, r->notes.unsettled,
                 r->notes.unsettled_path);
}

struct mm_intel_settle mm_reload_rule(const struct mm_reload *r, int64_t now, bool reload)
{
    int64_t max = r->postpone_max > 0 ? r->postpone_max : MM_RELOAD_POSTPONE_MAX;
    bool postpone = reload && !(r->postponed_since != 0 && now - r->postponed_since >= max);
    struct mm_intel_settle rule = {.ms = r->settle_ms, .postpone = postpone, .stop = r->stop};
    if (!postpone)
        rule.wait_until = now + (int64_t)r->settle_ms * 1000 * MM_INTEL_SETTLE_WAIT;
    return rule;
}

void mm_reload_postponed(struct mm_reload *r, int64_t now, const char *feed, bool start)
{
    int64_t first = (int64_t)r->settle_ms * 1000;
    if (r->postponed_since == 0) {
        r->postponed_since = now;
        r->retry_delay = first;
    } else {
        r->retry_delay *= 2;
    }
    if (r->retry_delay > MM_RELOAD_RETRY_MAX)
        r->retry_delay = first > MM_RELOAD_RETRY_MAX ? first : MM_RELOAD_RETRY_MAX;
    r->retry_at = now + r->retry_delay;
    snprintf(r->waits_for, sizeof r->waits_for, "%s", feed);
    char secs[32];
    seconds(secs, sizeof secs, r->retry_delay);
    if (start)
        mm_msg_print(log_of(r), PROG, "sensor-log", "intel.start_retry", feed, secs);
    else
        mm_msg_print(log_of(r), PROG, "sensor-log", "intel.reload_postponed", feed,
                     (unsigned long)r->settle_ms, secs);
}

bool mm_reload_retry_due(struct mm_reload *r, int64_t now)
{
    if (r->retry_at != 0 && now >= r->retry_at) {
        r->retry_at = 0;
        r->retry_due = true;
    }
    return r->retry_due;
}

void mm_reload_dropped(struct mm_reload *r, bool postponed)
{
    if (postponed)
        snprintf(r->waits_for, sizeof r->waits_for, "%s", r->notes.postponed.path);
    if (postponed || r->retry_at != 0 || r->retry_due)
        mm_msg_print(log_of(r), PROG, "sensor-log", "intel.reload_dropped", r->waits_for);
    r->retry_at = r->retry_delay = r->postponed_since = 0;
    r->retry_due = false;
}

static void *reload_main(void *arg)
{
    struct mm_reload *r = arg;
    FILE *log = open_memstream(&r->log_text, &r->log_len);
    r->rc = build_settled(r->paths, r->npaths, &r->rule, log, &r->result, &r->notes, true);
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
    memset(&r->notes, 0, sizeof r->notes);
    r->result = NULL;
    r->rc = 0;
    r->log_text = NULL;
    r->log_len = 0;
    r->thread_joined = false;
    r->retry_at = 0; /* (this build is the retry) */
    r->retry_due = false;
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
        fputs(r->log_text, log_of(r));
    free(r->log_text);
    r->log_text = NULL;
    *out = r->result;
    *rc = r->rc;
    r->result = NULL;
    atomic_store(&r->state, 0);
    if (r->rc != MM_EAGAIN) {
        if (r->rc == 0 && r->notes.unsettled > 0 && r->rule.ms > 0 && !r->rule.postpone)
            say_forced(r, mm_time_mono_usec());
        r->retry_at = r->retry_delay = r->postponed_since = 0;
        r->retry_due = false;
    }
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
