/* SPDX-License-Identifier: Apache-2.0
 * Detector "personal-device" (signature id 9100401): a phone or tablet on
 * the office network while the config says personal devices are not
 * allowed ([policy] personal_devices = no, the default). A device counts as
 * personal/mobile when its OS guess is iOS or Android (DHCP fingerprint,
 * user agent), its host name says so ("Lucas-iPhone", "Galaxy-S21", ...;
 * from DHCP, mDNS or NetBIOS), or its MAC vendor makes only phones and no
 * desktop OS was guessed.
 * Allowlisted devices are skipped. Suppression: once per device per
 * [detect.personal-device] suppress_seconds (default 86400).
 * A device announced without an address (a phone's first DHCP DISCOVER
 * asks for none) is held back until its address comes (the inventory
 * announces its first one at once, from the server's offer or the
 * client's request), at most MM__HOLD_SECONDS of capture time, or the end
 * of the run (detect-hold.h): the alert then names the address the owner
 * can look for, and its evidence the device's first_seen time. The
 * message lists what is known of the device (maker, MAC and IP address)
 * and leaves out what is not, rather than saying "unknown"; the signature
 * names it by its name, else its IP address, else its MAC. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/str.h"
#include "sensor/detect/detect-hold.h"
#include "sensor/detect/detect-util.h"
#include "sensor/device-facts.h"
#include "sensor/sensor.h"

#define NAME "personal-device"

/* Host-name words that name phones and tablets. */
static const char *const mobile_words[] = {"iphone", "ipad",   "android", "galaxy",
                                           "pixel",  "xperia", "aquos",   "arrows",
                                           "redmi",  "oppo",   "huawei",  "oneplus"};

/* MAC vendors that make phones and tablets only (Apple and Samsung also make
 * computers and TVs, so they are not on this list), in lower case: "OnePlus",
 * "vivo Mobile", "GUANGDONG OPPO", "Xiaomi Communications", "Motorola
 * Mobility", "Sony Mobile", "HMD Global". */
static const char *const phone_vendors[] = {
    "oneplus",           "vivo mobile", "guangdong oppo", "xiaomi communications",
    "motorola mobility", "sony mobile", "hmd global"};

#define LOWERED_MAX 256 /* texts read in lower case (longer: compared as they are) */

/* True when text holds one of the n lower-case words, ignoring ASCII case
 * (what strcasestr does in the "C" locale, which the sensor keeps): the
 * text is lowered once and searched for every word. */
static bool holds_word(const char *text, const char *const *words, size_t n)
{
    char low[LOWERED_MAX];
    size_t len = strlen(text);
    if (len >= sizeof low) {
        for (size_t k = 0; k < n; k++)
            if (strcasestr(text, words[k]))
                return true;
        return false;
    }
    mm_ascii_lower_n(low, text, len + 1);
    for (size_t k = 0; k < n; k++)
        if (strstr(low, words[k]))
            return true;
    return false;
}

static const struct mm__setting settings[] = {{"suppress_seconds", 0, 30 * 86400, NULL},
                                              {NULL, 0, 0, NULL}};

struct personal_state {
    struct mm__suppress *sup;
    int64_t window;              /* usec: [detect.personal-device] suppress_seconds */
    struct mm__device_hold held; /* devices waiting for an address */
};

static int personal_init(struct mm_sensor *s, void **state)
{
    void *mem;
    struct mm__suppress *sup;
    int r = mm__detect_alloc(s, NAME, settings, sizeof(struct personal_state), 8192, &mem, &sup);
    if (r != 0)
        return r;
    struct personal_state *st = mem;
    st->sup = sup;
    st->window = mm__detect_int(s, NAME, "suppress_seconds", 86400, 0, 30 * 86400) * 1000000LL;
    *state = st;
    return 0;
}

static void personal_free(void *state)
{
    struct personal_state *st = state;
    if (!st)
        return;
    mm__hold_clear(&st->held);
    mm__suppress_free(st->sup);
    free(st);
}

static const char *mobile_hostname(const struct mm__device_facts *f)
{
    size_t i;
    json_t *v;
    json_array_foreach(f->hostnames, i, v)
    {
        const char *name = json_string_value(v);
        if (name && holds_word(name, mobile_words, sizeof mobile_words / sizeof mobile_words[0]))
            return name;
    }
    return NULL;
}

/* The vendor counts only when no desktop OS was guessed. */
static const char *phone_vendor(const struct mm__device_facts *f)
{
    const char *vendor = f->vendor, *family = f->os.family;
    if (!vendor || (family && strcmp(family, "android") != 0 && strcmp(family, "apple") != 0))
        return NULL;
    return holds_word(vendor, phone_vendors, sizeof phone_vendors / sizeof phone_vendors[0])
               ? vendor
               : NULL;
}

/* Sets the text of the entry key (one of mm__device_var_list's) in vars. */
static void set_var(struct mm__var *vars, size_t n, const char *key, const char *text)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(vars[i].key, key) == 0)
            vars[i].text = text;
}

/* The message's "{facts}": the name when known, the OS (or why the device
 * is taken for a phone), then the maker, MAC and IP address where known. */
static void facts_of(const json_t *dev, const struct mm__device_facts *f, const char *by_name,
                     struct mm__facts *out)
{
    const char *name = by_name ? by_name : json_string_value(json_array_get(f->hostnames, 0));
    out->ja[0] = out->en[0] = '\0';
    if (name)
        mm__facts_add(out, "名前 ", name, "name ", name);
    if (f->os.mobile && f->os.name) /* in words that read on after "likely" / "推定" */
        mm__facts_add_likely_os(out, "推定 ", &f->os);
    else if (by_name) /* known by name or maker only: say so */
        mm__facts_add(out, "", "名前から見てスマートフォンかタブレット", "",
                      "a phone or tablet, going by its name");
    else
        mm__facts_add(out, "", "メーカーから見てスマートフォンかタブレット", "",
                      "a phone or tablet, going by its maker");
    if (f->vendor && f->vendor[0])
        mm__facts_add(out, "メーカー ", f->vendor, "maker ", f->vendor);
    /* the device's numbers, as the owner may find them on the router */
    mm__facts_add_numbers(out, dev);
}

/* Raises the alert for the device event ev (suppression permitting). */
static void raise_for(struct personal_state *st, struct mm_sensor *s, const json_t *ev,
                      const json_t *dev, const struct mm__device_facts *f, uint64_t key,
                      const char *by_name, const char *by_vendor)
{
    if (!mm__suppress_allow(st->sup, key, mm__detect_now(s), st->window))
        return;
    const json_t *os = f->os.obj;
    json_t *reasons = json_array();
    if (f->os.mobile)
        json_array_append_new(reasons, json_pack("{s:s, s:O}", "reason", "os_guess", "os", os));
    if (by_name)
        json_array_append_new(reasons,
                              json_pack("{s:s, s:s}", "reason", "hostname", "hostname", by_name));
    if (by_vendor)
        json_array_append_new(reasons,
                              json_pack("{s:s, s:s}", "reason", "vendor", "vendor", by_vendor));
    static const char *const keys[] = {"mac", "ips", "hostnames", "vendor", "reasons"};
    json_t *mac = json_object_get(dev, "mac");
    json_t *const values[] = {mac ? mac : json_null(), json_object_get(dev, "ips"),
                              (json_t *)f->hostnames, json_object_get(dev, "vendor"), reasons};
    json_t *evidence = mm__object_of(keys, values, 5); /* NULL without reasons, as before */
    json_decref(reasons);                              /* evidence holds its own reference */
    json_t *first_seen = json_object_get(dev, "first_seen");
    if (evidence && first_seen) /* when it appeared: a held alert comes later */
        json_object_set(evidence, "first_seen", first_seen);
    struct mm__var vars[MM__DEVICE_VARS + 2];
    struct mm__device_texts texts;
    size_t n = mm__device_var_list(dev, &texts, vars);
    if (by_name) /* the signature's {who}: the name that tells it is a phone */
        set_var(vars, n, "who", by_name);
    if (!f->os.mobile || !f->os.name) { /* known by name or maker only (the signature's {os}) */
        set_var(vars, n, "os",
                by_name ? "a phone or tablet, going by its name"
                        : "a phone or tablet, going by its maker");
        set_var(vars, n, "os@ja",
                by_name ? "名前から見てスマートフォンかタブレット"
                        : "メーカーから見てスマートフォンかタブレット");
    }
    struct mm__facts facts;
    facts_of(dev, f, by_name, &facts);
    vars[n++] = (struct mm__var){"facts", 5, facts.en};
    vars[n++] = (struct mm__var){"facts@ja", 8, facts.ja};
    const struct mm__alert_at at = {.ev = ev};
    mm__detect_raise_texts(s, NAME, 1, &at, vars, n, evidence, NULL);
}

/* Holds back the device event of dev, a device without an address
 * (detect-hold.h); false when it cannot be held or need not be (its alert
 * would be suppressed anyway): the caller raises it at once. */
static bool hold(struct personal_state *st, struct mm_sensor *s, const json_t *dev, uint64_t key)
{
    int64_t now = mm__detect_now(s);
    return !mm__suppress_denies(st->sup, key, now, st->window) &&
           mm__hold_put(&st->held, key, dev, now);
}

/* Judges the device event ev; may_hold: a device without an address may
 * be held back (not for an event that was held already). */
static void judge(struct personal_state *st, struct mm_sensor *s, const json_t *ev, bool may_hold)
{
    const json_t *dev = mm__event_get(ev, "device");
    struct mm__device_facts spare;
    const struct mm__device_facts *f = mm__device_facts_get(dev, &spare);
    uint64_t key = mm__hold_key(dev, 4);
    const char *by_name = mobile_hostname(f), *by_vendor = phone_vendor(f);
    if (f->allowlisted || (!f->os.mobile && !by_name && !by_vendor)) {
        mm__hold_drop(&st->held, key); /* no longer taken for a phone: nothing to raise */
        return;
    }
    if (may_hold && mm__hold_wants(dev) && hold(st, s, dev, key))
        return;
    mm__hold_drop(&st->held, key);
    raise_for(st, s, ev, dev, f, key, by_name, by_vendor);
}

static void personal_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    const char *type = mm__event_type(ev);
    if (!type || strcmp(type, "device") != 0 || mm_sensor_config(s)->personal_devices_allowed)
        return;
    judge(state, s, ev, true);
}

/* A held event whose time came: judged again, raised without an address. */
static void release_held(void *state, struct mm_sensor *s, const json_t *ev)
{
    judge(state, s, ev, false);
}

static void personal_tick(void *state, struct mm_sensor *s, const struct timeval *now)
{
    struct personal_state *st = state;
    mm__hold_release_due(&st->held, now, release_held, st, s);
}

static void personal_end(void *state, struct mm_sensor *s)
{
    struct personal_state *st = state;
    mm__hold_release_due(&st->held, NULL, release_held, st, s);
}

const struct mm_detector mm_detector_personal_device = {
    .name = NAME,
    .settings = settings,
    .init = personal_init,
    .on_event = personal_event,
    .events = "device",
    .on_tick = personal_tick,
    .on_end = personal_end,
    .free = personal_free,
};
