/* SPDX-License-Identifier: Apache-2.0
 * Detector "personal-device" (signature id 9100401): a phone or tablet on
 * the office network while the config says personal devices are not
 * allowed ([policy] personal_devices = no, the default). A device counts as
 * personal/mobile when its OS guess is iOS or Android (DHCP fingerprint,
 * user agent), its host name says so ("Lucas-iPhone", "Galaxy-S21", ...;
 * from DHCP, mDNS or NetBIOS), or its MAC vendor makes only phones and no
 * desktop OS was guessed.
 * Allowlisted devices are skipped. Suppression: once per device per
 * [detect.personal-device] suppress_seconds (default 86400). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/str.h"
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

static int personal_init(struct mm_sensor *s, void **state)
{
    return mm__detect_basic_init(s, NAME, settings, 8192, 86400, 30 * 86400, state);
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

static void personal_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    struct mm__detect_basic *st = state;
    const char *type = mm__event_type(ev);
    if (!type || strcmp(type, "device") != 0 || mm_sensor_config(s)->personal_devices_allowed)
        return;
    const json_t *dev = mm__event_get(ev, "device");
    struct mm__device_facts spare;
    const struct mm__device_facts *f = mm__device_facts_get(dev, &spare);
    if (f->allowlisted)
        return;
    const json_t *os = f->os.obj;
    bool by_os = f->os.mobile;
    const char *by_name = mobile_hostname(f), *by_vendor = phone_vendor(f);
    if (!by_os && !by_name && !by_vendor)
        return;
    const char *id = json_string_value(json_object_get(dev, "mac"));
    if (!id)
        id = json_string_value(json_array_get(json_object_get(dev, "ips"), 0));
    if (!mm__suppress_allow(st->sup, mm__keyed_str(id, 4), mm__detect_now(s), st->window))
        return;
    json_t *reasons = json_array();
    if (by_os)
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
    struct mm__var vars[MM__DEVICE_VARS];
    size_t n = mm__device_var_list(dev, vars);
    if (by_name) {
        set_var(vars, n, "name", by_name);
        set_var(vars, n, "name@ja", by_name);
    }
    if (!by_os) { /* known by name or maker only: say so instead of "unknown", in words
                     that read on after "likely" / "推定" without brackets in brackets */
        set_var(vars, n, "os",
                by_name ? "a phone or tablet, going by its name"
                        : "a phone or tablet, going by its maker");
        set_var(vars, n, "os@ja",
                by_name ? "名前から見てスマートフォンかタブレット"
                        : "メーカーから見てスマートフォンかタブレット");
    }
    const struct mm__alert_at at = {.ev = ev};
    mm__detect_raise_texts(s, NAME, 1, &at, vars, n, evidence, NULL);
}

const struct mm_detector mm_detector_personal_device = {
    .name = NAME,
    .settings = settings,
    .init = personal_init,
    .on_event = personal_event,
    .events = "device",
    .free = mm__detect_basic_free,
};
