/* SPDX-License-Identifier: Apache-2.0
 * Check "wifi-security" (diagnosis item 9): does this machine join Wi-Fi
 * networks that are open or protected only by the long-broken WEP? Reads
 * NetworkManager's saved connections (/etc/NetworkManager/system-connections,
 * keyfile format, readable by root only). A Wi-Fi connection passes with
 * key-mgmt wpa-psk, sae, wpa-eap, wpa-eap-suite-b-192 or owe; no
 * [wifi-security] section (open) or key-mgmt none / ieee8021x (WEP) fails.
 * No NetworkManager: unknown; no saved Wi-Fi network: pass. */
#include "audit/audit.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NM_DIR       "/etc/NetworkManager/system-connections"
#define NM_FILES_MAX 512
#define NM_FILE_MAX  (256 * 1024)

struct conn {
    bool wifi;
    char ssid[128];
    char key_mgmt[32];
};

struct tally {
    size_t wifi, weak, unreadable;
};

static int on_entry(const char *section, const char *key, const char *value, void *arg)
{
    struct conn *c = arg;
    if (!strcasecmp(section, "connection") && !strcasecmp(key, "type"))
        c->wifi = !strcasecmp(value, "wifi") || !strcasecmp(value, "802-11-wireless");
    else if ((!strcasecmp(section, "wifi") || !strcasecmp(section, "802-11-wireless")) &&
             !strcasecmp(key, "ssid"))
        snprintf(c->ssid, sizeof c->ssid, "%s", value);
    else if ((!strcasecmp(section, "wifi-security") ||
              !strcasecmp(section, "802-11-wireless-security")) &&
             !strcasecmp(key, "key-mgmt"))
        snprintf(c->key_mgmt, sizeof c->key_mgmt, "%s", value);
    return 0;
}

static bool strong(const char *key_mgmt)
{
    static const char *const ok[] = {"wpa-psk", "sae", "wpa-eap", "wpa-eap-suite-b-192", "owe"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!strcasecmp(key_mgmt, ok[i]))
            return true;
    return false;
}

/* The evidence format for a connection: it names the weakness, if any. */
static const char *evidence_key(const char *key_mgmt)
{
    if (!key_mgmt[0])
        return "evidence.wifi_open"; /* the format has no key-mgmt: it is empty */
    if (!strcasecmp(key_mgmt, "none") || !strcasecmp(key_mgmt, "ieee8021x"))
        return "evidence.wifi_wep";
    return strong(key_mgmt) ? "evidence.wifi" : "evidence.wifi_unrecognised";
}

/* Judges one file: adds evidence, counts Wi-Fi and weak ones. */
static int judge_file(const struct mm_audit_ctx *ctx, const char *name, struct mm_audit_result *res,
                      struct tally *t)
{
    char path[1024], *text;
    size_t len;
    snprintf(path, sizeof path, NM_DIR "/%s", name);
    int r = mm__audit_read(ctx, path, NM_FILE_MAX, &text, &len);
    if (r == MM_ENOMEM)
        return r;
    if (r != 0) {
        t->unreadable++;
        return mm__audit_evidence(res, mm__audit_read_error_key(r), path);
    }
    struct conn c = {0};
    r = mm__audit_ini_each(text, on_entry, &c);
    free(text);
    if (r != 0 || !c.wifi)
        return r;
    t->wifi++;
    t->weak += !strong(c.key_mgmt);
    return mm__audit_evidence(res, evidence_key(c.key_mgmt), path, c.ssid, c.key_mgmt);
}

static int run(const struct mm_audit_ctx *ctx, struct mm_audit_result *res)
{
    char **names;
    size_t n;
    struct tally t = {0};
    int r = mm__audit_list(ctx, NM_DIR, NM_FILES_MAX, &names, &n);
    if (r == MM_ENOMEM)
        return r;
    if (r != 0) {
        r = mm__audit_evidence(
            res, r == MM_EPERM ? "evidence.permission_denied" : "evidence.missing", NM_DIR);
        return r ? r : mm__audit_set(res, MM_AUDIT_UNKNOWN, "no_networkmanager");
    }
    for (size_t i = 0; r == 0 && i < n; i++)
        r = judge_file(ctx, names[i], res, &t);
    mm__audit_free_names(names, n);
    if (r == 0 && t.wifi == 0 && t.unreadable == 0)
        r = mm__audit_evidence(res, "evidence.no_wifi", NM_DIR);
    if (r != 0)
        return r;
    if (t.weak)
        return mm__audit_set(res, MM_AUDIT_FAIL, "weak");
    if (t.unreadable)
        return mm__audit_set(res, MM_AUDIT_UNKNOWN, "not_readable");
    return t.wifi ? mm__audit_set(res, MM_AUDIT_PASS, "protected")
                  : mm__audit_set(res, MM_AUDIT_PASS, "no_wifi");
}

const struct mm_check mm_check_wifi_security = {
    .id = "wifi-security",
    .items = {9},
    .run = run,
};
