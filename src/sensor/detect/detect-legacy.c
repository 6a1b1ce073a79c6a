/* SPDX-License-Identifier: Apache-2.0
 * Detector "legacy-os" (signature ids 9100301-9100304):
 *   1 a device whose OS guess is Windows XP / Server 2003 era or older
 *     (DHCP fingerprint, SMB native OS, user agent, TCP traits: see osguess.c)
 *   2 an SMB client using SMB version 1 with a server (it offers SMB1 only,
 *     or an SMB1 session setup)
 *   3 a device whose OS has reached the end of vendor support (Windows 7 era)
 *   4 an SMB server answering a client's negotiation in SMB version 1
 * Variants 1 and 3 name the device by its IP address (else its MAC) and
 * its name when it has one, in the messages and the signature. The SMB
 * alerts name the client and the server (evidence "client",
 * "server"). Suppression: once per device (variants 1, 3) or (client,
 * server) pair (variants 2 and 4 together) per [detect.legacy-os]
 * suppress_seconds (default 86400). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "sensor/detect/detect-util.h"
#include "sensor/device-facts.h"
#include "sensor/sensor.h"

#define NAME "legacy-os"

static const struct mm__setting settings[] = {{"suppress_seconds", 0, 30 * 86400, NULL},
                                              {NULL, 0, 0, NULL}};

static int legacy_init(struct mm_sensor *s, void **state)
{
    return mm__detect_basic_init(s, NAME, settings, 8192, 86400, 30 * 86400, state);
}

static void on_device(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev)
{
    const json_t *dev = mm__event_get(ev, "device");
    struct mm__device_facts spare;
    const struct mm__device_facts *f = mm__device_facts_get(dev, &spare);
    unsigned variant = f->os.legacy ? 1 : f->os.eol ? 3 : 0;
    if (!variant)
        return;
    const json_t *os = f->os.obj;
    const char *id = json_string_value(json_object_get(dev, "mac"));
    if (!id)
        id = json_string_value(json_array_get(json_object_get(dev, "ips"), 0));
    uint64_t key = mm__keyed_str(id, variant);
    key = mm__keyed_str(f->os.id, key);
    if (!mm__suppress_allow(st->sup, key, mm__detect_now(s), st->window))
        return;
    const struct mm__alert_at at = {.ev = ev};
    static const char *const keys[] = {"mac", "ips", "hostnames", "os", "evidence"};
    json_t *mac = json_object_get(dev, "mac");
    json_t *const values[] = {mac ? mac : json_null(), json_object_get(dev, "ips"),
                              (json_t *)f->hostnames, (json_t *)os,
                              json_object_get(dev, "evidence")};
    json_t *evidence = mm__object_of(keys, values, 5);
    struct mm__var vars[MM__DEVICE_VARS];
    struct mm__device_texts texts; /* {device}: its address and, when known, its name */
    size_t n = mm__device_var_list(dev, &texts, vars);
    mm__detect_raise_texts(s, NAME, variant, &at, vars, n, evidence, NULL);
}

/* Which side of an SMB event is the client: true when its sender
 * (src_ip) is. A negotiation says it (the client lists dialects, the
 * server names the one chosen); for other messages the server is the side
 * on port 445 or 139 (both: the sender is taken for the client). */
static bool sender_is_client(const struct mm_sensor *s, const json_t *ev, const json_t *smb)
{
    if (json_object_get(smb, "client_dialects"))
        return true;
    if (json_object_get(smb, "dialect"))
        return false;
    uint16_t sport, dport;
    mm_sensor_event_ports(s, ev, &sport, &dport);
    return !(sport == 445 || sport == 139) || dport == 445 || dport == 139;
}

static void on_smb(struct mm__detect_basic *st, struct mm_sensor *s, const json_t *ev)
{
    const json_t *smb = mm__event_get(ev, "smb");
    const json_t *only = json_object_get(smb, "smb1_only");
    if (!json_is_true(json_object_get(smb, "smb1")))
        return;
    if (json_object_get(smb, "client_dialects") && !json_is_true(only))
        return; /* a modern client also offering SMB1: normal, wait for the answer */
    const char *a = json_string_value(json_object_get(ev, "src_ip")),
               *b = json_string_value(json_object_get(ev, "dest_ip"));
    if (!a || !b)
        return;
    bool by_client = sender_is_client(s, ev, smb);
    const char *client = by_client ? a : b, *server = by_client ? b : a;
    /* a server answering in SMB1 offers it; else the client uses it */
    unsigned variant = json_object_get(smb, "dialect") ? 4 : 2;
    /* one alert per (client, server) and side: an SMB1-only client's offer,
     * which comes first, must not hide its server's answer in SMB1 */
    uint64_t key = mm__keyed_str(server, mm__keyed_str(client, variant));
    if (!mm__suppress_allow(st->sup, key, mm__detect_now(s), st->window))
        return;
    const struct mm__alert_at at = {.ev = ev};
    json_t *evidence = json_deep_copy(smb);
    json_object_set_new(evidence, "client", json_string(client));
    json_object_set_new(evidence, "server", json_string(server));
    mm__detect_raise(s, NAME, variant, &at,
                     json_pack("{s:s, s:s}", "client", client, "server", server), evidence, NULL);
}

static void legacy_event(void *state, struct mm_sensor *s, const json_t *ev)
{
    const char *type = mm__event_type(ev);
    if (!type)
        return;
    if (strcmp(type, "device") == 0)
        on_device(state, s, ev);
    else if (strcmp(type, "smb") == 0)
        on_smb(state, s, ev);
}

const struct mm_detector mm_detector_legacy_os = {
    .name = NAME,
    .settings = settings,
    .init = legacy_init,
    .on_event = legacy_event,
    .events = "device,smb",
    .reads_standin = true, /* "smb": the member, src_ip and dest_ip of the stand-in (and
                              the ports its alert carries: mm_sensor_event_ports) */
    .free = mm__detect_basic_free,
};
