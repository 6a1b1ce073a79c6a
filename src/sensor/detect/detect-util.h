/* SPDX-License-Identifier: Apache-2.0
 * Helpers shared by the detectors (detect-*.c): the texts and signature ids
 * from data/sensor/detectors.json, alert raising with {placeholder}
 * messages, the suppression table that keeps one infection from
 * producing thousands of identical alerts, and the counting windows
 * (mm__window_count, mm__within) of the detectors that count events over
 * time. Not a detector itself. */
#ifndef MM_SENSOR_DETECT_UTIL_H
#define MM_SENSOR_DETECT_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

#include "core/hash.h"
#include "core/net.h"
#include "sensor/detect/detect.h"

/* Where an alert is anchored: an event, a packet, or just addresses. */
struct mm__alert_at {
    const json_t *ev;                /* mm_sensor_alert_event */
    const struct mm_packet *pkt;     /* mm_sensor_alert_packet */
    const struct mm_addr *src, *dst; /* mm_sensor_alert_at (time: the capture clock) */
};

/* Raises the alert (detector, variant) described in detectors.json. vars
 * fills the {placeholders} of the signature and messages (strings or
 * integers); evidence becomes mamori.evidence; family, when not empty, goes
 * into the Suricata metadata. vars and evidence are stolen (may be NULL).
 * Returns the signature id (0 when the texts are missing). */
uint32_t mm__detect_raise(struct mm_sensor *s, const char *detector, unsigned variant,
                          const struct mm__alert_at *at, json_t *vars, json_t *evidence,
                          const char *family);

/* A placeholder's value for mm__detect_raise_texts: key ("name",
 * "name@ja") of key_len bytes and its text (valid UTF-8; NULL: none, which
 * still hides "name" behind "name@ja"). Keys are unique in a list. */
struct mm__var {
    const char *key;
    size_t key_len;
    const char *text;
};

/* mm__detect_raise with the placeholders as a list of texts instead of a
 * JSON object: the same alert without building one. vars is borrowed. */
uint32_t mm__detect_raise_texts(struct mm_sensor *s, const char *detector, unsigned variant,
                                const struct mm__alert_at *at, const struct mm__var *vars,
                                size_t nvars, json_t *evidence, const char *family);

/* mm__detect_format with the values as a list (as mm__detect_raise_texts
 * fills the texts). */
bool mm__detect_format_texts(const char *tmpl, const struct mm__var *vars, size_t nvars,
                             const char *lang, char *out, size_t outlen);

/* The signature id of (detector, variant), 0 when unknown. */
uint32_t mm__detect_sid(const char *detector, unsigned variant);

/* Expands "{name}" placeholders of tmpl from vars into out (always terminated);
 * with lang ("ja"), a "name@ja" entry wins over "name"; unknown names are
 * kept as written. Returns true when out holds the whole expansion, false
 * when it was cut to outlen (possibly inside a UTF-8 character). */
bool mm__detect_format(const char *tmpl, const json_t *vars, const char *lang, char *out,
                       size_t outlen);

/* Flags in mm_flow.detector_flags used by mamori's detectors. */
#define MM__DF_INTEL_CHECKED  (1u << 0)
#define MM__DF_OUTBOUND_SEEN  (1u << 1)
#define MM__DF_INBOUND_SEEN   (1u << 2)
#define MM__DF_CLEARTEXT_SEEN (1u << 3)
#define MM__DF_BEACON_SEEN    (1u << 4)

/* ---- counting windows ------------------------------------------------------- */

/* A count of events whose times all lie within a span of at most the
 * window's length: [lo, hi] is the span of the times counted (count 0: an
 * unused window). */
struct mm__window {
    int64_t lo, hi;
    long count;
};

/* Counts an event at now in one of a key's two windows w[0..1] of len usec
 * and returns that window's new count. The event goes to a window whose span
 * with now is at most len (the later one when both are); when neither takes
 * it, it starts a new window in an unused one, else in the one whose span
 * lies nearer to now (the same recording's expired window), so a capture
 * whose time stamps go back and forth between two recordings counts within
 * each instead of starting over at every change. With times in order this
 * counts as one window [start, start + len] that starts over at the first
 * time after it; a time a little before the start (packets a little out of
 * order) counts in it as long as the span stays within len. */
long mm__window_count(struct mm__window w[2], int64_t now, int64_t len);

/* Whether an event at t lies within len of now on either side: a time
 * after now (a later recording seen before an earlier one merged after it)
 * is as far away as one before. With times in order t <= now, and this is
 * now - t <= len. */
static inline bool mm__within(int64_t now, int64_t t, int64_t len)
{
    return now - t <= len && t - now <= len;
}

/* ---- suppression ------------------------------------------------------------ */

struct mm__suppress;

/* A table remembering, for at most cap keys, when each last alerted. */
int mm__suppress_new(size_t cap, struct mm__suppress **out);
void mm__suppress_free(struct mm__suppress *t);
/* True when key has not alerted within window_usec before now (and records
 * now as its last alert); false when the alert must be suppressed. The four
 * latest alerts of a key are kept, so a capture whose time stamps go back
 * and forth between up to four recordings suppresses within each; an alert
 * at a time before all of them (an earlier recording merged after a later
 * one) is let through and starts its own window. When the
 * table is full, entries older than the window are dropped first; if it is
 * still full, the oldest half is forgotten (an alert may then repeat early,
 * never be lost); if none can go (all lie after now), the new key's alert
 * goes out without being remembered. Which slot a key takes never changes an answer.
 *
 * Only the 64-bit key is kept, so two alerts whose keys are equal suppress
 * each other: make keys with mm__keyed_* below, never with an unkeyed hash
 * of text a sender chooses. With a keyed key, a sender who cannot read the
 * key can only guess: each alert it causes matches one of the at most cap
 * remembered keys with probability cap / 2^64 (a million alerts an hour
 * against 4096 keys: about 2^-32 per hour), so comparing the whole alert
 * key would buy nothing measurable. */
bool mm__suppress_allow(struct mm__suppress *t, uint64_t key, int64_t now_usec,
                        int64_t window_usec);
/* True when mm__suppress_allow would now return false; changes nothing. */
bool mm__suppress_denies(struct mm__suppress *t, uint64_t key, int64_t now_usec,
                         int64_t window_usec);
/* How many keys the table remembers (tests: never more than its cap, so
 * that it stays at most half full). */
size_t mm__suppress_count(const struct mm__suppress *t);

/* Keyed 64-bit hashes of bytes, a text (NULL as "") or an address, chained
 * through chain (a variant number, or the value of an earlier part):
 * SipHash-2-4 under the process key (core/hash.h). For suppression keys
 * and any other value whose equality decides something about text a
 * sender chooses. Values differ from run to run: never let them place
 * entries in a table that forgets by position, or the output would too. */
uint64_t mm__keyed64(const void *p, size_t n, uint64_t chain);
uint64_t mm__keyed_str(const char *s, uint64_t chain);
uint64_t mm__keyed_addr(const struct mm_addr *a, uint64_t chain);

/* 64-bit hash of bytes, chained through seed (FNV-1a with a final mix).
 * Unkeyed: the same values every run, so a sender can make two inputs
 * hash alike. Only for placement where the output must not depend on a
 * random key (tables that evict by position), and never as the sole
 * judge of equality for text a sender chooses (use mm__keyed_*). */
uint64_t mm__hash64(const void *p, size_t n, uint64_t seed);
uint64_t mm__hash_str(const char *s, uint64_t seed);
uint64_t mm__hash_addr(const struct mm_addr *a, uint64_t seed);

/* A quicker 64-bit hash of bytes (eight at a time) for the detectors'
 * in-memory tables, e.g. memos checked by comparing the whole key; its
 * values differ from mm__hash64's. Memos pass mm_process_key.k0 as seed,
 * so a sender cannot aim its texts at one memo slot. */
uint64_t mm__hash_fast(const void *p, size_t n, uint64_t seed);

/* Mixes the bits of x (two multiply-xorshift rounds): the scan and beacon
 * detectors' table placement, over words already xored with a random key. */
static inline uint64_t mm__mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    return x ^ (x >> 32);
}

/* ---- the event being handed out ------------------------------------------------
 * While mm__detect_event hands one event to the detectors, the thread's
 * view holds the event, its type (the dispatch's: no look-up by name) and
 * the members the detectors looked up through mm__event_get, since several
 * detectors read the same ones ("http", "dns", "device", "src_ip", ...)
 * and each look-up hashes the key. The dispatch changes nothing in the
 * event meanwhile, so a remembered member stays what the event holds. For
 * any other event (a test's harness, a detector's own objects) both read
 * the JSON. A direct event's dispatch (mm__detect_event_member) starts the
 * memo with the stand-in's protocol member, which the sensor already holds:
 * that entry's key is the type's name, compared by its text. */
#define MM__EVENT_MEMO 8

struct mm__event_view {
    const json_t *ev; /* NULL: no event being handed out */
    const char *type;
    unsigned n; /* remembered look-ups, at most MM__EVENT_MEMO */
    struct {
        const json_t *obj;
        const char *key; /* compared by address: callers pass literals */
        json_t *value;
        bool by_text; /* key compared by its text too (the dispatch's entry) */
    } memo[MM__EVENT_MEMO];
};

extern _Thread_local struct mm__event_view mm__event_view;

/* ev's "event_type" (NULL when it has none as a string). */
static inline const char *mm__event_type(const json_t *ev)
{
    if (ev && ev == mm__event_view.ev)
        return mm__event_view.type;
    return json_string_value(json_object_get(ev, "event_type"));
}

/* json_object_get(obj, key) for obj in the event being handed out (the
 * event or one of its objects), remembered for the detectors after. */
json_t *mm__event_get(const json_t *obj, const char *key);

/* The string member key of obj, as mm__jstr, through mm__event_get. */
static inline const char *mm__event_str(const json_t *obj, const char *key)
{
    return json_string_value(mm__event_get(obj, key));
}

/* Capture time of the sensor in microseconds. */
int64_t mm__detect_now(const struct mm_sensor *s);

/* A setting a detector accepts in [detect.NAME]: an integer in [min, max],
 * or, when words is set, one of the '|'-separated words ("home|any"). */
struct mm__setting {
    const char *key;
    long min, max;
    const char *words;
};

/* Checks every key of [detect.NAME] against settings (terminated by a NULL
 * key): an unknown key or a bad value is MM_EINVAL, so a typo in the config
 * stops the sensor at start instead of being ignored. */
int mm__detect_settings_check(struct mm_sensor *s, const char *detector,
                              const struct mm__setting *settings);
/* The same check of ini's [detect.NAME] (path: the settings file as
 * messages name it), for a caller without a sensor (an enrolment checks
 * the settings file before the centre is asked: mm__detect_settings_check_all);
 * the message goes to why (whylen bytes, "" when the settings are good). */
int mm__detect_settings_check_ini(const struct mm_ini *ini, const char *path, const char *detector,
                                  const struct mm__setting *settings, char *why, size_t whylen);
/* Why the last mm__detect_settings_check of s failed: the file, section and
 * key and the values allowed, in the user's language ("" when it did not);
 * kept in s (several sensors in one process each have their own). */
const char *mm__detect_settings_error(struct mm_sensor *s);

/* Reads [detect.NAME] key as an integer in [min, max] (def when absent or bad;
 * mm__detect_settings_check reports bad values first). */
long mm__detect_int(const struct mm_sensor *s, const char *detector, const char *key, long def,
                    long min, long max);

/* True when [detect.NAME] key is the word want (case-insensitive); false
 * when absent or another word. */
bool mm__detect_word_is(const struct mm_sensor *s, const char *detector, const char *key,
                        const char *want);

/* The common start of a detector: checks its settings (MM_EINVAL), then
 * allocates a zeroed state of size bytes (MM_ENOMEM) and a suppression
 * table of sup_cap entries. On success *state and *sup are set; on failure
 * nothing is left allocated. */
int mm__detect_alloc(struct mm_sensor *s, const char *detector, const struct mm__setting *settings,
                     size_t size, size_t sup_cap, void **state, struct mm__suppress **sup);

/* The state of a detector that needs only a suppression table and window. */
struct mm__detect_basic {
    struct mm__suppress *sup;
    int64_t window; /* usec: [detect.NAME] suppress_seconds */
};

/* mm__detect_alloc for a struct mm__detect_basic, window from
 * suppress_seconds (default window_def, at most window_max seconds). */
int mm__detect_basic_init(struct mm_sensor *s, const char *detector,
                          const struct mm__setting *settings, size_t sup_cap, long window_def,
                          long window_max, void **state);
void mm__detect_basic_free(void *state);

/* What a message says about a device in its "{facts}" brackets, in ja and
 * en: each fact that is known, once; one that is not is left out, never
 * "unknown". mm__facts_add appends "label value" after a separator ("、" /
 * ", "); the texts are cut at a whole character when they run long. */
struct mm__facts {
    char ja[768], en[768];
};
void mm__facts_add(struct mm__facts *out, const char *ja_label, const char *ja_value,
                   const char *en_label, const char *en_value);
/* Appends the likely OS of os (which has a name): ja_label and the Japanese
 * name; "likely " and the English name, its first letter lower-cased and
 * "a"/"an" before it when the name describes a kind of device (families
 * "unix" and "embedded": "likely a computer running Linux, …", "likely an
 * embedded device …") rather than starting with a product
 * name (Windows, macOS, iOS, Android, Linux keep their capitals). The
 * inventory's own names stay as the table has them. */
struct mm__device_os;
void mm__facts_add_likely_os(struct mm__facts *out, const char *ja_label,
                             const struct mm__device_os *os);
/* Appends the device's numbers it has: "機器の番号 MAC アドレス m・IP
 * アドレス i" / "device numbers: MAC address m, IP address i". */
void mm__facts_add_numbers(struct mm__facts *out, const json_t *device);

/* The placeholders the device detectors' texts (messages and signatures)
 * name a device record ("device" event object) by; each names only what
 * is known, never "unknown", "-" or "unnamed device":
 *   device, device@ja  its label: its IP address (else its MAC), then its
 *                      name in brackets when it has one ("192.168.1.5
 *                      (PC-01)" / "192.168.1.5(PC-01)")
 *   numbers            its MAC and IP addresses, those it has, "m i"
 *   who                its name, else its IP address, else its MAC
 *   os, os@ja          its OS guess ("" without one: the detectors that
 *                      name it raise only with one, or set it themselves)
 * The texts are the record's strings, literals or texts' own buffers. */
struct mm__device_texts {
    struct mm__facts label;
    char numbers[128];
};
#define MM__DEVICE_VARS 6
size_t mm__device_var_list(const json_t *device, struct mm__device_texts *texts,
                           struct mm__var out[MM__DEVICE_VARS]);

/* An object of the n members keys[i] (literals): values[i], each taking a
 * reference (json_pack's "O" without its format parsing); NULL when a
 * value is NULL (as json_pack fails then) or memory runs out. */
json_t *mm__object_of(const char *const keys[], json_t *const values[], size_t n);

/* An object of the n string members keys[i] (literals): texts[i], as
 * json_pack's "{s:s, ...}" makes it without parsing its format; NULL when
 * a text is NULL or not valid UTF-8 (json_pack fails then) or memory runs
 * out. */
json_t *mm__strings_object(const char *const keys[], const char *const texts[], size_t n);

/* The list of the n placeholders keys[i]: texts[i] into out, for
 * mm__detect_raise_texts: n when every text is valid UTF-8, else 0 (none,
 * as json_pack's "{s:s, ...}" of them fails and leaves no placeholders). */
size_t mm__texts_var_list(const char *const keys[], const char *const texts[], size_t n,
                          struct mm__var out[]);

/* The string value of o[key], or NULL. */
const char *mm__jstr(const json_t *o, const char *key);

/* Formats an address into a JSON string. */
json_t *mm__json_addr(const struct mm_addr *a);

#endif
