/* SPDX-License-Identifier: Apache-2.0
 * The device inventory (device.h): one record per device on the home network,
 * keyed by MAC address (by IP for captures without link-layer addresses).
 *
 * Each record is a JSON object, the same one "device" events carry and the
 * state file stores: mac, ips, vendor (IEEE OUI), mac_random, hostnames,
 * dhcp {params, vendor_class}, user_agents, smb_native_os, tcp {ttl, window,
 * options}, evidence (one OS guess per source), os (the best guess),
 * allowlisted, first_seen, last_seen.
 *
 * Announcements: a device first seen while decoding a packet is announced
 * ("new") once that packet has been fully handled, so the event already holds
 * what the packet's DHCP/mDNS events taught. Later changes of what the device
 * is (OS guess, host names, a DHCP fingerprint or SMB native OS it had not
 * had recently, allowlist status, its first IPv4 address) are announced as
 * "changed" at once; a new IPv4 address alone is announced at most once per
 * [devices] address_change_interval of capture time, and an address the
 * device had recently (one of its last ADDR_RECENT_MAX) is no news at all,
 * so a device cycling through many addresses is not a stream of events. A
 * held-back change of a device that falls silent is announced once the
 * interval and a minute have passed (report_silent_changes, on the capture
 * clock), not kept until the device is seen again.
 * Devices loaded from the state file are never re-announced; the file keeps
 * when each was last announced, whether an address change is held back and
 * all its recent addresses, so the interval and what is news run on across
 * a restart. See docs/design/devices.md.
 *
 * The IP map holds an address only while it is in the list of the device it
 * points at (a MAC device's list keeps 8): memory stays O(devices x 8) however
 * many addresses a device uses.
 *
 * Per packet the record is not searched: struct device keeps views of what
 * a packet is compared with (SYN traits, each source's OS evidence, the last
 * address and user agent). What changes with nearly every packet (the "tcp"
 * traits of a scanner, last_seen's minute steps) is written into the record
 * when it is read (sync_record: announcements, devices.json, lookups); a
 * member the record does not have yet is added at once, so members keep the
 * order they were first set in. An event carries a copy of the record taken
 * when it is announced (record_copy). */
#include "sensor/device.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/json-pool.h"
#include "core/msg.h"
#include "core/error.h"
#include "core/eve.h"
#include "core/fnv.h"
#include "core/fs.h"
#include "core/hash.h"
#include "core/ini.h"
#include "core/str.h"
#include "core/timefmt.h"
#include "sensor/output/output.h"
#include "sensor/decode/dhcp-facts.h"
#include "sensor/decode/http-facts.h"
#include "sensor/decode/mdns-facts.h"
#include "sensor/decode/nbns-facts.h"
#include "sensor/device-facts.h"
#include "sensor/oui.h"
#include "sensor/osguess.h"
#include "sensor/sensor-int.h"
#include "sensor/sensor.h"

#define DEVICES_MAX_DEFAULT 4096
#define DEVICE_IPS_MAX      8
#define DEVICE_NAMES_MAX    8
#define DEVICE_UAS_MAX      4
#define DEVICE_TEXT_MAX     256 /* host names, user agents, native OS strings */
#define STATE_FILE_MAX      (64u * 1024 * 1024)
#define LAST_SEEN_STEP_USEC (60 * 1000000LL) /* last_seen written at most once a minute */
#define STATE_FILE          MM_DEVICES_FILE
#define SYN_SEEN_MAX        8 /* SYN trait kinds of a device remembered */
#define TIME_UNKNOWN        INT64_MIN
#define ADDR_RECENT_MAX     32   /* IPv4 addresses a device had recently: coming back is no news */
#define VALUE_RECENT_MAX    4    /* DHCP fingerprints and SMB native OS texts it had recently */
#define ADDR_INTERVAL_DEF   3600 /* [devices] address_change_interval, seconds */
#define ADDR_INTERVAL_MAX   (366L * 86400)
#define PENDING_MEMBER      "address_change_pending" /* devices.json only, never in events */
#define NO_ADDRESS_KEY      0xff /* key[0] of an "ips" element that is no formatted address */
#define ANNOUNCED_MEMBER    "last_announced"   /* devices.json only, never in events */
#define RECENT_MEMBER       "recent_addresses" /* devices.json's top level, one list per device */
/* A held-back address change of a device not seen for this long after it
 * fell due is announced without waiting for the device (see
 * report_silent_changes): a device that keeps talking announces it itself. */
#define SILENT_GRACE_USEC (60 * 1000000LL)

/* The sources of OS evidence; the record's "evidence" names them as below. */
enum source { SRC_VENDOR, SRC_DHCP, SRC_USER_AGENT, SRC_SMB, SRC_TCP, SRC_COUNT };
static const char *const source_names[SRC_COUNT] = {"vendor", "dhcp", "user_agent", "smb", "tcp"};

/* One source's evidence as the record holds it (its first element naming the
 * source), so a repeated guess is recognised without walking the JSON. */
struct source_view {
    const char *os; /* the element's "os" text (the record's); NULL: no evidence */
    json_int_t score;
};

/* The SYN traits of the record's "tcp" object (as json_integer_value and
 * json_string_value read them), or the newer ones it takes at sync_record. */
struct syn_view {
    json_int_t ttl, window;
    bool has_options; /* options is the record's text (longer texts never match a packet's) */
    char options[sizeof(((struct mm_packet *)0)->tcp_traits.options)];
};

/* One SYN kind's OS guess: mm_osguess_tcp's answer for an initial TTL and
 * options. */
struct syn_guess {
    bool used, found;
    unsigned initial_ttl;
    char options[sizeof(((struct mm_packet *)0)->tcp_traits.options)];
    struct mm_os_guess g;
};

struct device {
    uint8_t mac[6];
    bool has_mac;
    json_t *rec;
    int64_t last_seen, last_seen_written;
    int64_t last_seen_text;    /* the time the record's "last_seen" text says (TIME_UNKNOWN) */
    bool has_last_seen_member; /* the record has a "last_seen" member */
    bool last_seen_due;        /* last_seen_written is to be written at sync_record */
    uint32_t idx;              /* position in mm_devices.devs */
    uint64_t announced_sig;    /* signature of what was last announced */
    bool pending_new;          /* created, not yet announced */
    bool rec_lent; /* rec is also an announced event's "device" object, with its "action" */
    bool dirty;    /* modified since the last announcement check */
    uint64_t syn_seen[SYN_SEEN_MAX]; /* hashes of recent SYN traits looked at (0: none) */
    unsigned syn_seen_next;          /* the slot the next new hash replaces */
    /* syn_seen is to hold only the hash of syn's traits (syn_seen_settle):
     * a scanner varying the TTL of every probe moves them on every SYN, and
     * the hash is wanted only when a SYN of another kind comes. */
    bool syn_seen_lazy;
    struct source_view evidence[SRC_COUNT];
    struct syn_view syn;
    struct syn_guess syn_guesses[2]; /* a scanner alternates two probe kinds */
    unsigned syn_guess_next;         /* the entry the next new kind replaces */
    bool tcp_shaped; /* the record's "tcp" has exactly ttl, window, options (any order) */
    bool tcp_stale;  /* syn is newer than the record's "tcp" (see sync_record) */
    /* syn's kind (initial TTL syn_initial_ttl, options) has an OS guess the
     * TCP evidence holds, and syn was set by learn_syn_traits: a SYN of that
     * kind with another TTL only moves the record's traits (syn_kind_moves).
     * Cleared whenever syn or the evidence views are read anew. */
    bool syn_kind_held;
    unsigned syn_initial_ttl;
    /* The text of the device's last user agent, an element of the record's
     * "user_agents" (only a user agent of this device changes that array): the
     * same again changes nothing. */
    const char *last_ua;
    uint8_t ip_known[17];  /* an address key the IP map pointed at this device for, */
    uint64_t ip_known_gen; /* at this by_ip.gen (0: none) */
    size_t ip_slot;        /* a guess of the by_ip slot of its address (checked before use) */
    /* What is news (see maybe_changed): the IPv4 addresses (network order,
     * 0: none) and the keyed hashes of DHCP fingerprints and SMB native OS
     * texts (0: none) the device had recently, each a ring. */
    uint32_t recent_addrs[ADDR_RECENT_MAX];
    uint64_t recent_values[VALUE_RECENT_MAX];
    unsigned recent_addr_next, recent_value_next;
    bool address_news;    /* an IPv4 address it had not had recently, not yet announced */
    bool identity_news;   /* a DHCP fingerprint or SMB native OS it had not had recently */
    bool announced_ipv4;  /* its last announcement listed an IPv4 address */
    int64_t announced_at; /* capture time of its last announcement (TIME_UNKNOWN: none) */
    /* The record's "ips" as address keys (text_key), element by element,
     * so that whether an address is listed is known without formatting it:
     * an element's key is the one whose formatted text the element is (else
     * NO_ADDRESS_KEY, which no address has; nips_odd counts those). Read
     * from the record when first needed (ips_keys_valid false), then kept
     * in step by ips_add. */
    uint8_t ips_keys[DEVICE_IPS_MAX][17];
    unsigned nips_keys, nips_odd;
    bool ips_keys_valid;
    /* What the record's "os" member is and says, for the device facts
     * (device-facts.h): the member is replaced whole, by recompute_os
     * only (and read anew when the record is), and copies of the record
     * share it. */
    struct mm__device_os os_view;
    const char *vendor; /* the record's "vendor" text (set with the record, never changed) */
};

/* Open-addressing map from a 17-byte key (MAC or address) to a device index. */
struct key_slot {
    uint8_t key[17];
    bool used;
    uint32_t idx;
};

struct key_map {
    struct key_slot *slots;
    size_t cap, count;
    uint64_t seed; /* random: a sender cannot aim its MACs or addresses at one slot */
    uint64_t gen;  /* changes with every put, removal or re-pointing: a remembered lookup
                      is valid while it stays */
};

struct mm_devices {
    struct mm_sensor *s;
    char *state_path; /* NULL: not persisted */
    /* The text the last save wrote to state_path (NULL: none kept): a save
     * with the same bytes, the file still the one it wrote, writes nothing. */
    char *saved_text;
    size_t saved_len;
    struct stat saved_stat; /* the file as that save left it */
    struct device **devs;
    size_t n, cap, max;
    /* [devices] max reached: devices not recorded (each look-up of one)
     * and devices.json records not loaded; stats devices.max_drops. The
     * first time is told on stderr (full_told). */
    uint64_t dropped;
    bool full_told;
    struct key_map by_mac, by_ip;
    struct key_map by_ip_key; /* devices keyed by address: their key, never removed (by_ip may
                                 point at a MAC device that used the address since) */
    struct mm_osguess *os;
    struct mm_cidr *allow_nets;
    size_t nallow_nets;
    uint8_t (*allow_macs)[6];
    size_t nallow_macs;
    bool have_pending;
    struct device *last_by_mac; /* the device the last MAC lookup found (MACs never move) */
    int64_t address_interval;   /* usec; [devices] address_change_interval (0: each change) */
    /* Some device may hold back an address change (note_held): the
     * capture clock at or after held_late, or at or before held_early (it
     * stepped back), makes one of them silent for long enough. */
    bool any_held;
    int64_t held_late, held_early;
    const struct timeval *now; /* the sensor's capture clock (mm_sensor_now: fixed), or NULL */
    /* The sources of the last IP packets (see source_remembered): a
     * device's packets come in bursts, and whatever it is talking to sends
     * back in between. Two of each, the latest first: two home devices
     * talking to each other, or one talking to two outside hosts, take
     * turns. */
    struct home_source {
        struct device *dev; /* the device it was attributed to (NULL: none remembered) */
        uint8_t src[17];    /* the source address, as struct mm_addr */
        uint8_t mac[6];     /* the source MAC, when has_eth */
        bool has_eth;
        uint64_t ip_gen; /* by_ip.gen when the IP map gave dev the address */
    } home_source[2];
    uint8_t away_source[2][17]; /* the last sources outside the home network (family 0: none) */
};

/* A struct mm_addr is compared and copied as a 17-byte key. */
_Static_assert(sizeof(struct mm_addr) == 17, "struct mm_addr is family + 16 bytes");

/* ---- key map ----------------------------------------------------------------- */

/* The key read as two words and a byte, multiplied and folded (every packet
 * from a home device looks its MAC and address up). */
static uint32_t key_hash(const uint8_t key[17], uint64_t seed)
{
    uint64_t a, b;
    memcpy(&a, key, 8);
    memcpy(&b, key + 8, 8);
    uint64_t h =
        ((a ^ seed) * 0x9e3779b97f4a7c15ULL) ^ ((b + seed) * 0xc2b2ae3d27d4eb4fULL) ^ key[16];
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return (uint32_t)(h ^ (h >> 32));
}

static bool key_equal(const uint8_t x[17], const uint8_t y[17])
{
    uint64_t x0, x1, y0, y1;
    memcpy(&x0, x, 8);
    memcpy(&x1, x + 8, 8);
    memcpy(&y0, y, 8);
    memcpy(&y1, y + 8, 8);
    return x0 == y0 && x1 == y1 && x[16] == y[16];
}

static struct key_slot *map_slot(const struct key_map *m, const uint8_t key[17])
{
    if (m->cap == 0)
        return NULL;
    size_t j = key_hash(key, m->seed) & (m->cap - 1);
    while (m->slots[j].used && !key_equal(m->slots[j].key, key))
        j = (j + 1) & (m->cap - 1);
    return &m->slots[j];
}

static int map_put(struct key_map *m, const uint8_t key[17], uint32_t idx)
{
    m->gen++;
    if ((m->count + 1) * 2 > m->cap) {
        struct key_map bigger = {calloc(m->cap ? m->cap * 2 : 64, sizeof(struct key_slot)),
                                 m->cap ? m->cap * 2 : 64, 0, m->seed, m->gen};
        if (!bigger.slots)
            return MM_ENOMEM;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].used) {
                *map_slot(&bigger, m->slots[i].key) = m->slots[i];
                bigger.count++;
            }
        free(m->slots);
        *m = bigger;
    }
    struct key_slot *s = map_slot(m, key);
    if (!s->used) {
        memcpy(s->key, key, 17);
        s->used = true;
        m->count++;
    }
    s->idx = idx;
    return 0;
}

/* True when slot i lies cyclically in (from, to]: an entry at `to` whose
 * probe started at i may not move to `from` (linear probing). */
static bool probe_passes(size_t i, size_t from, size_t to)
{
    return from <= to ? from < i && i <= to : from < i || i <= to;
}

/* Removes the entry in slot s, moving later entries of its probe run back
 * (no tombstones: lookups stay as short as before). Changes gen, so no
 * remembered lookup says the key is still there. */
static void map_remove(struct key_map *m, struct key_slot *s)
{
    size_t mask = m->cap - 1, hole = (size_t)(s - m->slots), j = hole;
    m->gen++;
    m->count--;
    m->slots[hole].used = false;
    for (;;) {
        j = (j + 1) & mask;
        if (!m->slots[j].used)
            return;
        size_t home = key_hash(m->slots[j].key, m->seed) & mask;
        if (probe_passes(home, hole, j))
            continue; /* found from its home without passing the hole */
        m->slots[hole] = m->slots[j];
        m->slots[j].used = false;
        hole = j;
    }
}

static void mac_key(const uint8_t mac[6], uint8_t key[17])
{
    memset(key, 0, 17);
    key[0] = 'm';
    memcpy(key + 1, mac, 6);
}

static void ip_key(const struct mm_addr *a, uint8_t key[17])
{
    key[0] = a->family;
    memcpy(key + 1, a->bytes, 16);
}

static struct device *find_by_mac(const struct mm_devices *d, const uint8_t mac[6])
{
    struct device *last = d->last_by_mac;
    if (last && memcmp(last->mac, mac, 6) == 0)
        return last; /* a home device's packets often come one after another */
    uint8_t key[17];
    mac_key(mac, key);
    const struct key_slot *s = map_slot(&d->by_mac, key);
    return s && s->used ? d->devs[s->idx] : NULL;
}

static struct device *find_by_ip(const struct mm_devices *d, const struct mm_addr *a)
{
    uint8_t key[17];
    ip_key(a, key);
    const struct key_slot *s = map_slot(&d->by_ip, key);
    return s && s->used ? d->devs[s->idx] : NULL;
}

/* True when a device is keyed by the address a (it was seen without a MAC). */
static bool ip_keyed(const struct mm_devices *d, const struct mm_addr *a)
{
    uint8_t key[17];
    ip_key(a, key);
    const struct key_slot *s = map_slot(&d->by_ip_key, key);
    return s && s->used;
}

/* ---- small helpers ------------------------------------------------------------ */

static void format_mac(const uint8_t mac[6], char out[18])
{
    static const char hex[] = "0123456789abcdef"; /* as printf's "%02x:...", lower case */
    for (int i = 0; i < 6; i++) {
        out[3 * i] = hex[mac[i] >> 4];
        out[3 * i + 1] = hex[mac[i] & 15];
        out[3 * i + 2] = i < 5 ? ':' : '\0';
    }
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* "aa:bb:cc:dd:ee:ff" (or with '-'), the form DHCP events carry, read
 * without sscanf; false for any other form. */
static bool parse_mac_plain(const char *s, uint8_t mac[6])
{
    uint8_t m[6];
    for (int i = 0; i < 6; i++) {
        int hi = hex_digit(s[3 * i]), lo = hi < 0 ? -1 : hex_digit(s[3 * i + 1]);
        if (lo < 0)
            return false;
        char sep = s[3 * i + 2];
        if (i < 5 ? sep != ':' && sep != '-' : sep != '\0')
            return false;
        m[i] = (uint8_t)(hi << 4 | lo);
    }
    memcpy(mac, m, 6);
    return true;
}

static bool parse_mac(const char *s, uint8_t mac[6])
{
    if (s && parse_mac_plain(s, mac))
        return true;
    unsigned v[6];
    char sep[5], end;
    if (!s || sscanf(s, "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &v[0], &sep[0], &v[1], &sep[1], &v[2],
                     &sep[2], &v[3], &sep[3], &v[4], &sep[4], &v[5], &end) != 11)
        return false;
    for (int i = 0; i < 5; i++)
        if (sep[i] != ':' && sep[i] != '-')
            return false;
    for (int i = 0; i < 6; i++)
        mac[i] = (uint8_t)v[i];
    return true;
}

static bool usable_mac(const uint8_t mac[6])
{
    static const uint8_t zero[6];
    return !(mac[0] & 0x01) && memcmp(mac, zero, 6) != 0;
}

static void time_string(int64_t usec, char out[MM_TIMESTAMP_MAX])
{
    struct timeval tv = mm_time_from_usec(usec);
    mm__time_format(&tv, out); /* mm_time_format's text, the last seconds' remembered */
}

/* An object of the n members keys[i] (literals): values[i], each stolen (also
 * on failure), as json_pack's "{s:o, ...}" makes it without parsing a
 * format; NULL when a value is NULL (json_pack fails then too) or memory
 * runs out. */
static json_t *object_of(const char *const keys[], json_t *const values[], size_t n)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    for (size_t i = 0; i < n; i++) {
        if (ok && values[i])
            ok = json_object_set_new_nocheck(o, keys[i], values[i]) == 0;
        else {
            ok = false;
            json_decref(values[i]);
        }
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int64_t now_usec(const struct mm_devices *d)
{
    const struct timeval *tv = d->now;
    return tv ? mm_time_to_usec(tv) : 0;
}

/* Copies printable text, at most DEVICE_TEXT_MAX bytes, valid UTF-8 only. */
static bool clean_text(const char *in, char *out)
{
    size_t n = in ? strlen(in) : 0;
    if (n == 0 || n >= DEVICE_TEXT_MAX || !mm_utf8_valid(in, n, NULL))
        return false;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)in[i] < 0x20 ? '?' : in[i];
    out[n] = '\0';
    return true;
}

/* Appends s to the array unless present; keeps at most max (drops the oldest). */
static bool array_add_string(json_t *arr, const char *s, size_t max, bool nocase)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *t = json_string_value(v);
        if (t && (nocase ? strcasecmp(t, s) : strcmp(t, s)) == 0)
            return false;
    }
    if (json_array_size(arr) >= max)
        json_array_remove(arr, 0);
    json_array_append_new(arr, json_string(s));
    return true;
}

/* The array's element equal to s (borrowed), or NULL. */
static const char *array_string(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *t = json_string_value(v);
        if (t && strcmp(t, s) == 0)
            return t;
    }
    return NULL;
}

/* True when the record lists an IPv4 address. */
static bool has_ipv4(const json_t *rec)
{
    size_t i;
    json_t *v;
    const json_t *ips = json_object_get(rec, "ips");
    json_array_foreach(ips, i, v)
    {
        const char *ip = json_string_value(v);
        if (ip && !strchr(ip, ':'))
            return true;
    }
    return false;
}

/* Folds the length of text s (NULL as "") and its bytes, ASCII lower-cased
 * when lower, into c: a length before each text, so no two lists of texts
 * fold alike. */
static void fold_text(struct mm_siphash *c, const char *s, bool lower)
{
    char buf[64];
    uint64_t n = s ? strlen(s) : 0;
    mm_siphash_update(c, &n, sizeof n);
    while (n > 0) {
        size_t k = n < sizeof buf ? (size_t)n : sizeof buf;
        for (size_t i = 0; i < k; i++)
            buf[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
        mm_siphash_update(c, buf, k);
        s += k;
        n -= k;
    }
}

/* A signature of what the device is, which is announced at once when it
 * changes: the OS guess, the host names and its allowlist status. (Its
 * addresses are announced by interval, see maybe_changed; DHCP fingerprints
 * and SMB native OS texts by recent_values.) Keyed (SipHash under the
 * process key, never kept): a device cannot pick host names whose
 * signature equals its last one to change unannounced. */
static uint64_t identity_signature(const json_t *rec, bool allowlisted)
{
    struct mm_siphash c;
    size_t i;
    json_t *v;
    const json_t *hostnames = json_object_get(rec, "hostnames");
    uint8_t allow = allowlisted ? 2 : 3;
    mm_siphash_init(&c, &mm_process_key);
    fold_text(&c, json_string_value(json_object_get(json_object_get(rec, "os"), "id")), false);
    json_array_foreach(hostnames, i, v)
    {
        fold_text(&c, json_string_value(v), true);
    }
    mm_siphash_update(&c, &allow, 1);
    return mm_siphash_final(&c);
}

/* ---- allowlist ------------------------------------------------------------------ */

/* One word of [devices] allow (a MAC, an IP or a CIDR range), added to d's
 * allowlist; d NULL: only read. MM_EPARSE for a word that is none of them. */
static int allow_add(struct mm_devices *d, const char *word)
{
    uint8_t mac[6];
    struct mm_cidr c;
    if (parse_mac(word, mac)) {
        if (!d)
            return 0;
        void *p = realloc(d->allow_macs, (d->nallow_macs + 1) * sizeof *d->allow_macs);
        if (!p)
            return MM_ENOMEM;
        d->allow_macs = p;
        memcpy(d->allow_macs[d->nallow_macs++], mac, 6);
        return 0;
    }
    if (mm_cidr_parse(word, &c) == 0) {
        if (!d)
            return 0;
        void *p = realloc(d->allow_nets, (d->nallow_nets + 1) * sizeof *d->allow_nets);
        if (!p)
            return MM_ENOMEM;
        d->allow_nets = p;
        d->allow_nets[d->nallow_nets++] = c;
        return 0;
    }
    return MM_EPARSE;
}

/* Reads [devices] allow = MAC | IP | CIDR (repeatable; a line may list
 * several) into d's allowlist (d NULL: only reads them); a word it refuses
 * is copied to bad (when given). */
static int load_allowlist(struct mm_devices *d, const struct mm_ini *ini, char *bad, size_t badlen)
{
    const char *val;
    for (size_t pos = 0; mm_ini_next(ini, &pos, "devices", "allow", NULL, &val);) {
        char *copy = strdup(val), *save = NULL;
        if (!copy)
            return MM_ENOMEM;
        int r = 0;
        for (char *w = strtok_r(copy, ", \t", &save); w && r == 0;
             w = strtok_r(NULL, ", \t", &save))
            if ((r = allow_add(d, w)) == MM_EPARSE && bad)
                snprintf(bad, badlen, "%s", w);
        free(copy);
        if (r != 0)
            return r;
    }
    return 0;
}

/* [devices] max and address_change_interval: default and range. */
static const struct {
    const char *key;
    long def, min, max;
} number_settings[] = {{"max", DEVICES_MAX_DEFAULT, 1, 1000000},
                       {"address_change_interval", ADDR_INTERVAL_DEF, 0, ADDR_INTERVAL_MAX}};

int mm_devices_settings_check(const struct mm_ini *ini, const char *path, char *err, size_t errlen)
{
    long v;
    for (size_t i = 0; ini && i < sizeof number_settings / sizeof number_settings[0]; i++)
        if (mm_ini_get_int(ini, "devices", number_settings[i].key, number_settings[i].def,
                           number_settings[i].min, number_settings[i].max, &v) != 0) {
            mm_msg_format(err, errlen, "sensor-log", "config.range", path, "devices",
                          number_settings[i].key, number_settings[i].min, number_settings[i].max);
            return MM_EINVAL;
        }
    char bad[512];
    int r = ini ? load_allowlist(NULL, ini, bad, sizeof bad) : 0;
    if (r == MM_EPARSE) {
        mm_msg_format(err, errlen, "sensor-log", "config.devices_allow", path, bad);
        return MM_EINVAL;
    }
    return r;
}

static bool is_allowlisted(const struct mm_devices *d, const struct device *dev)
{
    for (size_t i = 0; dev->has_mac && i < d->nallow_macs; i++)
        if (memcmp(d->allow_macs[i], dev->mac, 6) == 0)
            return true;
    if (d->nallow_nets == 0)
        return false; /* no address can match: nothing to parse */
    size_t i;
    json_t *v;
    const json_t *ips = json_object_get(dev->rec, "ips");
    json_array_foreach(ips, i, v)
    {
        struct mm_addr a;
        if (mm_addr_parse(json_string_value(v), &a) != 0)
            continue;
        for (size_t k = 0; k < d->nallow_nets; k++)
            if (mm_cidr_contains(&d->allow_nets[k], &a))
                return true;
    }
    return false;
}

/* ---- what is news ------------------------------------------------------------------ */

/* True when h (a hash, never 0) is in the ring of n recent hashes (0: an
 * empty slot); else remembers it in slot *next, the oldest, and moves
 * *next on. */
static bool recent_hash_seen(uint64_t *ring, unsigned n, unsigned *next, uint64_t h)
{
    for (unsigned i = 0; i < n; i++)
        if (ring[i] == h)
            return true;
    ring[*next] = h;
    *next = (*next + 1) % n;
    return false;
}

/* True when the device had not used the IPv4 address a recently (it is
 * then remembered, in place of the oldest). IPv6 addresses are never news:
 * privacy addresses rotate. */
static bool address_is_news(struct device *dev, const struct mm_addr *a)
{
    uint32_t v;
    if (a->family != 4)
        return false;
    memcpy(&v, a->bytes, 4);
    for (unsigned i = 0; i < ADDR_RECENT_MAX; i++)
        if (dev->recent_addrs[i] == v)
            return false;
    dev->recent_addrs[dev->recent_addr_next] = v;
    dev->recent_addr_next = (dev->recent_addr_next + 1) % ADDR_RECENT_MAX;
    return true;
}

/* A keyed hash (never 0) of a kind letter and two texts: SipHash under
 * the process key, so a sender cannot make a new fingerprint look like a
 * remembered one. */
static uint64_t value_hash(char kind, const char *a, const char *b)
{
    struct mm_siphash c;
    mm_siphash_init(&c, &mm_process_key);
    mm_siphash_update(&c, &kind, 1);
    fold_text(&c, a, false);
    fold_text(&c, b, false);
    uint64_t h = mm_siphash_final(&c);
    return h ? h : 1;
}

/* True when the device had not shown this DHCP fingerprint ('d': params,
 * vendor class) or SMB native OS ('s') recently; it is then remembered. A
 * client alternating between two fingerprints (e.g. DHCPINFORM and
 * DHCPREQUEST lists) is news only the first time each. */
static bool value_is_news(struct device *dev, char kind, const char *a, const char *b)
{
    return !recent_hash_seen(dev->recent_values, VALUE_RECENT_MAX, &dev->recent_value_next,
                             value_hash(kind, a, b));
}

/* Remembers the DHCP fingerprint and SMB native OS a (saved) record holds,
 * so seeing them again after a restart is no news. */
static void remember_values(struct device *dev)
{
    const json_t *dhcp = json_object_get(dev->rec, "dhcp");
    const char *params = json_string_value(json_object_get(dhcp, "params")),
               *vendor = json_string_value(json_object_get(dhcp, "vendor_class")),
               *smb = json_string_value(json_object_get(dev->rec, "smb_native_os"));
    if (params || vendor)
        value_is_news(dev, 'd', params ? params : "", vendor ? vendor : "");
    if (smb)
        value_is_news(dev, 's', smb, "");
}

bool (*mm__device_direct)(struct mm_sensor *s, const struct mm_eve_header *h, json_t *rec);

/* ---- records -------------------------------------------------------------------- */

static bool own_record(struct device *dev);

/* Makes the record's "last_seen" text say last_seen_written (formatted only
 * when it says something else; known, when not NULL, is the text of the time
 * known_usec, e.g. an event's time stamp). Out of memory while an event
 * holds the record, the text stays due. */
static void write_last_seen(struct device *dev, const char *known, int64_t known_usec)
{
    char ts[MM_TIMESTAMP_MAX];
    dev->last_seen_due = false;
    if (dev->last_seen_text == dev->last_seen_written)
        return;
    if (!own_record(dev)) {
        dev->last_seen_due = true;
        return;
    }
    if (!known || known_usec != dev->last_seen_written) {
        time_string(dev->last_seen_written, ts);
        known = ts;
    }
    json_object_set_new_nocheck(dev->rec, "last_seen", json_string_nocheck(known)); /* ASCII */
    dev->last_seen_text = dev->last_seen_written;
    dev->has_last_seen_member = true;
}

/* Notes that the device was seen at t. The record's "last_seen" moves at
 * most once a minute (or when forced); the text of such a move is formatted
 * when the record is next read (sync_record), or at once when the record has
 * no "last_seen" yet (so its members keep the order they were first set in). */
static void set_last_seen(struct device *dev, int64_t t, bool force)
{
    if (t > dev->last_seen)
        dev->last_seen = t;
    if (!force && dev->last_seen - dev->last_seen_written < LAST_SEEN_STEP_USEC)
        return;
    dev->last_seen_written = dev->last_seen;
    if (force || !dev->has_last_seen_member)
        write_last_seen(dev, NULL, 0);
    else
        dev->last_seen_due = true;
}

/* Reads dev->os_view and dev->vendor from the record (a record read from
 * the state file; and "os" when it could not be set). */
static void view_os(struct device *dev)
{
    struct mm__device_facts f;
    mm__device_facts_read(dev->rec, &f);
    dev->os_view = f.os;
    dev->vendor = f.vendor;
}

/* Recomputes "os" from the evidence: the highest score wins (earliest on ties). */
static void recompute_os(struct mm_devices *d, struct device *dev)
{
    size_t i;
    json_t *e, *best = NULL;
    json_int_t best_score = -1;
    if (!own_record(dev))
        return;
    const json_t *evidence = json_object_get(dev->rec, "evidence");
    json_array_foreach(evidence, i, e)
    {
        json_int_t sc = json_integer_value(json_object_get(e, "score"));
        if (sc > best_score) {
            best_score = sc;
            best = e;
        }
    }
    struct mm_os_guess g;
    if (!best || !mm_osguess_by_id(d->os, json_string_value(json_object_get(best, "os")), &g)) {
        if (json_object_set_new(dev->rec, "os", json_null()) == 0)
            dev->os_view = (struct mm__device_os){.obj = json_null()};
        else
            view_os(dev);
        return;
    }
    static const char *const keys[] = {"id",  "name",   "name_ja",    "family", "legacy",
                                       "eol", "mobile", "confidence", "source"};
    json_t *const values[] = {json_string(g.id),
                              json_string(g.name_en),
                              json_string(g.name_ja),
                              json_string(g.family),
                              json_boolean(g.legacy),
                              json_boolean(g.eol),
                              json_boolean(g.mobile),
                              json_integer(best_score),
                              json_incref(json_object_get(best, "source"))};
    json_t *os = object_of(keys, values, sizeof keys / sizeof keys[0]); /* json_pack's object */
    if (json_object_set_new(dev->rec, "os", os) == 0) /* (it takes os, NULL too, on failure) */
        dev->os_view = (struct mm__device_os){.obj = os,
                                              .legacy = g.legacy,
                                              .eol = g.eol,
                                              .mobile = g.mobile,
                                              .id = g.id,
                                              .family = g.family,
                                              .name = g.name_en,
                                              .name_ja = g.name_ja};
    else
        view_os(dev); /* the member stays as it was */
}

/* Reads the record's evidence into dev->evidence: after every change of the
 * array (the views borrow the elements' texts). Elements have the shape
 * record_valid checks. */
static void view_evidence(struct device *dev)
{
    size_t i;
    json_t *e;
    const json_t *evidence = json_object_get(dev->rec, "evidence");
    memset(dev->evidence, 0, sizeof dev->evidence);
    dev->syn_kind_held = false;
    json_array_foreach(evidence, i, e)
    {
        const char *source = json_string_value(json_object_get(e, "source"));
        for (int k = 0; k < SRC_COUNT; k++)
            if (!dev->evidence[k].os && strcmp(source, source_names[k]) == 0) {
                dev->evidence[k].os = json_string_value(json_object_get(e, "os"));
                dev->evidence[k].score = json_integer_value(json_object_get(e, "score"));
            }
    }
}

/* True when the device's evidence from source already names g's OS with at
 * least g's score: adding g would change nothing. */
static bool evidence_holds(const struct device *dev, enum source source,
                           const struct mm_os_guess *g)
{
    const struct source_view *v = &dev->evidence[source];
    return v->os && strcmp(v->os, g->id) == 0 && v->score >= g->score;
}

/* Records one source's guess (replacing that source's earlier one). */
static void add_evidence(struct mm_devices *d, struct device *dev, enum source source,
                         const char *value, const struct mm_os_guess *g)
{
    size_t i;
    json_t *e;
    if (evidence_holds(dev, source, g) || !own_record(dev))
        return;
    json_t *ev = json_object_get(dev->rec, "evidence");
    json_array_foreach(ev, i, e)
    {
        if (strcmp(json_string_value(json_object_get(e, "source")), source_names[source]) == 0) {
            json_array_remove(ev, i);
            break;
        }
    }
    static const char *const keys[] = {"source", "value", "os", "score"};
    json_t *const values[] = {json_string(source_names[source]), json_string(value),
                              json_string(g->id), json_integer(g->score)};
    json_array_append_new(ev, object_of(keys, values, 4));
    view_evidence(dev);
    recompute_os(d, dev);
    dev->dirty = true;
}

static int device_create(struct mm_devices *d, const uint8_t *mac, const struct mm_addr *ip,
                         int64_t t, struct device **out)
{
    char ts[MM_TIMESTAMP_MAX], m[18] = "";
    uint8_t key[17];
    *out = NULL;
    if (d->n >= d->max) {
        d->dropped++;
        return MM_ELIMIT;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 64;
        struct device **a = realloc(d->devs, cap * sizeof *a);
        if (!a)
            return MM_ENOMEM;
        d->devs = a;
        d->cap = cap;
    }
    struct device *dev = calloc(1, sizeof *dev);
    if (!dev)
        return MM_ENOMEM;
    time_string(t, ts);
    if (mac) {
        memcpy(dev->mac, mac, 6);
        dev->has_mac = true;
        format_mac(mac, m);
    }
    const char *vendor = mac ? mm_oui_vendor(mac) : NULL;
    static const char *const keys[] = {"mac",         "ips",         "vendor",   "mac_random",
                                       "hostnames",   "user_agents", "evidence", "os",
                                       "allowlisted", "first_seen",  "last_seen"};
    json_t *const values[] = {mac ? json_string_nocheck(m) : json_null(), /* ASCII */
                              json_array(),
                              json_string(vendor ? vendor : ""),
                              json_boolean(mac && mm_mac_is_local(mac)),
                              json_array(),
                              json_array(),
                              json_array(),
                              json_null(),
                              json_false(),
                              json_string_nocheck(ts),
                              json_string_nocheck(ts)};
    dev->rec = object_of(keys, values, sizeof keys / sizeof keys[0]); /* json_pack's record */
    if (!dev->rec) {
        free(dev);
        return MM_ENOMEM;
    }
    dev->os_view =
        (struct mm__device_os){.obj = json_null()}; /* (the texts: the same as the record's) */
    dev->vendor = vendor ? vendor : "";
    dev->last_seen = dev->last_seen_written = dev->last_seen_text = t;
    dev->has_last_seen_member = true;
    dev->announced_at = TIME_UNKNOWN;
    if (mac)
        mac_key(mac, key);
    else
        ip_key(ip, key);
    dev->idx = (uint32_t)d->n;
    int r = map_put(mac ? &d->by_mac : &d->by_ip_key, key, dev->idx);
    if (r == 0 && !mac && (r = map_put(&d->by_ip, key, dev->idx)) != 0)
        map_remove(&d->by_ip_key, map_slot(&d->by_ip_key, key));
    if (r != 0) {
        json_decref(dev->rec);
        free(dev);
        return r;
    }
    d->devs[d->n++] = dev;
    if (!mac) {
        char s[MM_ADDR_STRLEN];
        mm_addr_format(ip, s, sizeof s);
        json_array_append_new(json_object_get(dev->rec, "ips"), json_string(s));
        address_is_news(dev, ip); /* announced with the device */
    }
    struct mm_os_guess g;
    if (vendor && mm_osguess_vendor(d->os, vendor, &g))
        add_evidence(d, dev, SRC_VENDOR, vendor, &g);
    *out = dev;
    return 0;
}

/* Takes the address text out of the IP map when the map points at dev for
 * it (an address another device used since is that device's). Devices
 * keyed by address keep their entries: one of them is the device's key, and
 * when a MAC device that used that address since lets it go, the entry
 * points at the address device again. */
static void forget_address(struct mm_devices *d, const struct device *dev, const char *text)
{
    struct mm_addr a;
    uint8_t key[17];
    if (!dev->has_mac || !text || mm_addr_parse(text, &a) != 0)
        return;
    ip_key(&a, key);
    struct key_slot *slot = map_slot(&d->by_ip, key);
    if (!(slot && slot->used && slot->idx == dev->idx))
        return;
    const struct key_slot *owner = map_slot(&d->by_ip_key, key);
    if (owner && owner->used) {
        slot->idx = owner->idx;
        d->by_ip.gen++; /* no remembered lookup still says dev */
    } else {
        map_remove(&d->by_ip, slot);
    }
}

/* The key of a's text: ip_key with the bytes an IPv4 address does not use
 * cleared, so two addresses have the same key exactly when mm_addr_format
 * writes the same text for them (it reads those bytes only). */
static void text_key(const struct mm_addr *a, uint8_t key[17])
{
    ip_key(a, key);
    if (a->family == 4)
        memset(key + 5, 0, 12);
}

/* Reads dev->ips_keys from the record's "ips": each element's text key
 * when the element is the formatted text of an address (as this file
 * writes them), else NO_ADDRESS_KEY. Stays invalid for a list longer than
 * the keys kept (never written by this file). */
static void ips_keys_read(struct device *dev)
{
    size_t i;
    json_t *v;
    const json_t *ips = json_object_get(dev->rec, "ips");
    dev->nips_keys = dev->nips_odd = 0;
    dev->ips_keys_valid = false;
    if (json_array_size(ips) > DEVICE_IPS_MAX)
        return;
    json_array_foreach(ips, i, v)
    {
        const char *text = json_string_value(v);
        char formatted[MM_ADDR_STRLEN];
        struct mm_addr a;
        uint8_t *key = dev->ips_keys[dev->nips_keys++];
        if (text && mm_addr_parse(text, &a) == 0) {
            mm_addr_format(&a, formatted, sizeof formatted);
            if (strcmp(formatted, text) == 0) {
                text_key(&a, key);
                continue;
            }
        }
        memset(key, 0, 17);
        key[0] = NO_ADDRESS_KEY;
        dev->nips_odd++;
    }
    dev->ips_keys_valid = true;
}

/* Whether the record's "ips" lists the formatted text of the address with
 * text key key: 1 yes, 0 no, -1 unknown (an element in another form, which
 * only its text can tell). Text keys are equal exactly when the texts are. */
static int ips_keys_list(struct device *dev, const uint8_t key[17])
{
    if (!dev->ips_keys_valid)
        ips_keys_read(dev);
    if (!dev->ips_keys_valid)
        return -1;
    for (unsigned i = 0; i < dev->nips_keys; i++)
        if (key_equal(dev->ips_keys[i], key))
            return 1;
    return dev->nips_odd ? -1 : 0;
}

/* Drops the first of dev->ips_keys (the record dropped its first "ips"). */
static void ips_keys_shift(struct device *dev)
{
    if (!dev->ips_keys_valid || dev->nips_keys == 0)
        return;
    if (dev->ips_keys[0][0] == NO_ADDRESS_KEY)
        dev->nips_odd--;
    memmove(dev->ips_keys[0], dev->ips_keys[1], --dev->nips_keys * 17);
}

/* Appends the address a to the device's "ips" unless its text is there;
 * true when the list changed. The oldest addresses of a full list fall out
 * of it and out of the IP map, so the map holds at most DEVICE_IPS_MAX
 * addresses of a MAC device however many it uses. */
static bool ips_add(struct mm_devices *d, struct device *dev, const struct mm_addr *a)
{
    char text[MM_ADDR_STRLEN];
    uint8_t key[17];
    if (!own_record(dev))
        return false;
    json_t *ips = json_object_get(dev->rec, "ips");
    text_key(a, key);
    int listed = a->family == 4 || a->family == 6 ? ips_keys_list(dev, key) : -1;
    if (listed == 1)
        return false; /* the common case: the address is listed */
    mm_addr_format(a, text, sizeof text);
    if (listed < 0 && array_string(ips, text))
        return false;
    while (json_array_size(ips) >= DEVICE_IPS_MAX) {
        forget_address(d, dev, json_string_value(json_array_get(ips, 0)));
        json_array_remove(ips, 0);
        ips_keys_shift(dev);
    }
    if (json_array_append_new(ips, json_string(text)) != 0 || !dev->ips_keys_valid ||
        dev->nips_keys >= DEVICE_IPS_MAX)
        dev->ips_keys_valid = false; /* read again when next needed */
    else
        memcpy(dev->ips_keys[dev->nips_keys++], key, 17);
    return true;
}

/* Slot i of m when it holds key (any index may be asked), else NULL: a
 * remembered slot is still right when it holds the same key, wherever
 * entries moved since (keys are unique in the map). */
static const struct key_slot *slot_holding(const struct key_map *m, size_t i, const uint8_t key[17])
{
    const struct key_slot *s = i < m->cap ? &m->slots[i] : NULL;
    return s && s->used && key_equal(s->key, key) ? s : NULL;
}

/* Adds an address to a device and points the IP map at it; true when the
 * map gives dev the address afterwards (false for 0.0.0.0, and out of
 * memory). */
static bool device_add_ip(struct mm_devices *d, struct device *dev, const struct mm_addr *a)
{
    uint8_t key[17];
    if (a->family == 0 || (a->family == 4 && a->bytes[0] == 0))
        return false; /* 0.0.0.0: DHCP before an address */
    ip_key(a, key);
    if (dev->ip_known_gen == d->by_ip.gen && key_equal(dev->ip_known, key))
        return true; /* the address of its last packet, and the map has not changed since */
    const struct key_slot *slot = slot_holding(&d->by_ip, dev->ip_slot, key);
    if (!slot) /* the map changed (another device's address moved): look it up */
        slot = map_slot(&d->by_ip, key);
    if (slot && slot->used && slot->idx == dev->idx) {
        dev->ip_slot = (size_t)(slot - d->by_ip.slots);
    } else { /* an address the map does not give dev (new, or another device's since) */
        if (!own_record(dev))
            return false; /* out of memory while an event holds the record: learnt at a later packet
                           */
        /* A new address changes what the device is (identity_signature)
         * only through the allowlist's ranges: without any, maybe_changed
         * need not compute the signature (the address is news by interval). */
        if (ips_add(d, dev, a) && d->nallow_nets > 0)
            dev->dirty = true;
        if (address_is_news(dev, a))
            dev->address_news = true;
        if (map_put(&d->by_ip, key, dev->idx) != 0)
            return false;
    }
    memcpy(dev->ip_known, key, sizeof key);
    dev->ip_known_gen = d->by_ip.gen;
    return true;
}

/* The record's "tcp" object: "ttl", "window" and "options" of the view, in
 * the order of like's members when like has them (a saved record's), else
 * in that order (built without json_pack). */
static json_t *syn_record(const struct syn_view *v, const json_t *like)
{
    static const char *const plain[] = {"ttl", "window", "options"};
    json_t *o = json_object();
    void *it = like ? json_object_iter((json_t *)like) : NULL;
    for (int k = 0; o && k < 3; k++) {
        const char *key = it ? json_object_iter_key(it) : plain[k];
        json_t *val = strcmp(key, "options") == 0 ? json_string(v->options)
                      : strcmp(key, "ttl") == 0   ? json_integer(v->ttl)
                                                  : json_integer(v->window);
        if (json_object_set_new_nocheck(o, key, val) != 0) {
            json_decref(o);
            o = NULL;
        }
        it = it ? json_object_iter_next((json_t *)like, it) : NULL;
    }
    return o;
}

static void syn_seen_settle(struct device *dev);

/* Reads the record's "tcp" into dev->syn and notes whether the object has
 * the shape this file writes (members in any order). */
static void view_syn(struct device *dev)
{
    const json_t *tcp = json_object_get(dev->rec, "tcp");
    const json_t *ttl = json_object_get(tcp, "ttl"), *window = json_object_get(tcp, "window"),
                 *options = json_object_get(tcp, "options");
    const char *o = json_string_value(options);
    syn_seen_settle(dev); /* (its hash is of the traits read over now) */
    memset(&dev->syn, 0, sizeof dev->syn);
    dev->syn_kind_held = false;
    dev->syn.ttl = json_integer_value(ttl);
    dev->syn.window = json_integer_value(window);
    if (o && strlen(o) < sizeof dev->syn.options) {
        strcpy(dev->syn.options, o);
        dev->syn.has_options = true;
    }
    dev->tcp_shaped = json_object_size(tcp) == 3 && json_is_integer(ttl) &&
                      json_is_integer(window) && json_is_string(options);
    dev->tcp_stale = false;
}

/* Writes dev->syn to the record's "tcp": a new object (the old one may be
 * shared with announced events) with the old one's member order when it has
 * the shape, else ttl, window, options; in the record's "tcp" place. */
static void write_syn(struct device *dev)
{
    if (!own_record(dev)) {
        dev->tcp_stale = true; /* out of memory while an event holds the record: written later */
        return;
    }
    const json_t *tcp = json_object_get(dev->rec, "tcp");
    dev->tcp_stale = false;
    dev->tcp_shaped = json_object_set_new(dev->rec, "tcp",
                                          syn_record(&dev->syn, dev->tcp_shaped ? tcp : NULL)) == 0;
    if (!dev->tcp_shaped)
        view_syn(dev); /* out of memory: the record kept its old traits */
}

/* The record takes p's SYN traits. A record that has its "tcp" gets the new
 * one when it is next read (sync_record): a scanner alternating two probe
 * kinds changes it on every SYN. A new "tcp" member is added at once, so the
 * record's members keep the order they were first set in. */
static void set_syn(struct device *dev, const struct mm_packet *p)
{
    dev->syn.ttl = p->ttl;
    dev->syn.window = p->tcp_window;
    dev->syn.has_options = true;
    memcpy(dev->syn.options, p->tcp_traits.options, sizeof dev->syn.options);
    dev->syn.options[sizeof dev->syn.options - 1] = '\0';
    if (dev->tcp_shaped)
        dev->tcp_stale = true;
    else
        write_syn(dev);
}

/* Brings the record up to date with what is kept in the struct only: called
 * before the record is read (announced, saved, looked up). False when it
 * cannot be the device's own (own_record): it must not be read as such. */
static bool sync_record(struct device *dev)
{
    if (!own_record(dev))
        return false;
    if (dev->tcp_stale)
        write_syn(dev);
    if (dev->last_seen_due)
        write_last_seen(dev, NULL, 0);
    return true;
}

/* A copy of the record (without its member skip, when not NULL).
 * The inventory changes only its arrays in place (ips, hostnames,
 * user_agents, evidence): they are copied, their elements (texts, evidence
 * objects, never changed) shared; all other members are replaced whole when
 * they change ("os", "tcp", "dhcp", texts, ...) and are shared. */
static json_t *record_copy(const json_t *rec, const char *skip)
{
    json_t *copy = json_object(), *v;
    const char *key;
    if (!copy)
        return NULL;
    json_object_foreach((json_t *)rec, key, v)
    {
        if (skip && strcmp(key, skip) == 0)
            continue;
        json_t *c = json_is_array(v) ? json_copy(v) : json_incref(v);
        if (json_object_set_new_nocheck(copy, key, c) != 0) {
            json_decref(copy);
            return NULL;
        }
    }
    return copy;
}

/* Lends the record to an announced event as its "device" object (no copy
 * per event): the record takes the event's "action" as its last member
 * until the device next uses it (own_record). False when memory ran out:
 * the event would be incomplete and must not be sent. */
static bool lend_record(struct device *dev, const char *action)
{
    if (json_object_set_new_nocheck(dev->rec, "action", json_string_nocheck(action)) != 0)
        return false;
    dev->rec_lent = true;
    return true;
}

/* Makes the record the device's own again before it is changed or read
 * for output: when an event still holds it, the device goes on with a copy
 * (without "action"; the event keeps what was announced); else "action" is
 * taken out, and any array something else still holds (an alert's
 * evidence) is replaced by a copy, since arrays change in place. Every
 * change and every read for output goes through here first. False when
 * memory for a copy runs out: the record stays lent, as it was, and the
 * caller changes nothing (what it would have written is kept for later
 * where the struct can keep it, else lost like any other allocation
 * failure); a later call tries again. */
static bool own_record(struct device *dev)
{
    json_t *v;
    const char *key;
    if (!dev->rec_lent)
        return true;
    if (dev->rec->refcount > 1) {
        json_t *copy = record_copy(dev->rec, "action");
        if (!copy)
            return false;
        json_decref(dev->rec); /* the views borrow the elements, which the copy shares */
        dev->rec = copy;
        dev->rec_lent = false;
        return true;
    }
    json_object_foreach(dev->rec, key, v)
    {
        json_t *c;
        if (!json_is_array(v) || v->refcount == 1)
            continue;
        if (!(c = json_copy(v)))
            return false; /* the arrays copied so far stay: equal, and the record's own */
        json_object_set_new_nocheck(dev->rec, key, c); /* same place in the record */
    }
    json_object_del(dev->rec, "action");
    dev->rec_lent = false;
    return true;
}

/* The record's first address (family 0: none, or a text that is none),
 * from the keys of its "ips" when they are at hand (a key is the address
 * mm_addr_parse gives for the element's text, see text_key). */
static void first_address(const struct device *dev, struct mm_addr *first)
{
    memset(first, 0, sizeof *first);
    if (dev->ips_keys_valid && dev->nips_keys > 0 && dev->ips_keys[0][0] != NO_ADDRESS_KEY) {
        memcpy(first, dev->ips_keys[0], sizeof *first);
        return;
    }
    const json_t *ips = json_object_get(dev->rec, "ips");
    if (json_array_size(ips) > 0)
        mm_addr_parse(json_string_value(json_array_get(ips, 0)), first);
}

/* has_ipv4 of the record, from the keys of its "ips" when they are at
 * hand and all are addresses (a formatted IPv4 text has no ':', an IPv6
 * one has). */
static bool device_has_ipv4(const struct device *dev)
{
    if (!dev->ips_keys_valid || dev->nips_odd)
        return has_ipv4(dev->rec);
    for (unsigned i = 0; i < dev->nips_keys; i++)
        if (dev->ips_keys[i][0] == 4)
            return true;
    return false;
}

/* Sets the record's "allowlisted" (left alone when it says so already:
 * jansson's booleans are shared, so setting the same is no change); returns
 * whether it is true now. */
static bool set_allowlisted(struct device *dev, bool allow)
{
    const json_t *cur = json_object_get(dev->rec, "allowlisted");
    if ((!json_is_boolean(cur) || json_is_true(cur) != allow) &&
        json_object_set_new(dev->rec, "allowlisted", json_boolean(allow)) != 0)
        return json_is_true(cur); /* out of memory: it says what it said */
    return allow;
}

/* Emits a "device" event for dev (action "new" or "changed"); sig is
 * identity_signature of its record. The record, with its "action", goes
 * to the sensor as it is when the sensor takes the event without an event
 * object (mm__device_direct), else as the "device" member of a JSON event
 * (mm_sensor_emit). */
static void announce(struct mm_devices *d, struct device *dev, const char *action, uint64_t sig)
{
    struct mm_addr first = {0};
    char ts[MM_TIMESTAMP_MAX];
    if (!own_record(dev)) { /* out of memory: announced at a later change or flush */
        dev->dirty = true;
        d->have_pending |= dev->pending_new;
        return;
    }
    json_t *ev;
    int64_t t = now_usec(d);
    struct mm_eve_header h = {.ts = mm_time_from_usec(t), .event_type = "device"};
    if (d->s) {
        first_address(dev, &first);
        h.src = first.family ? &first : NULL;
    }
    mm__time_format(&h.ts, ts); /* the event's time stamp */
    bool allowlisted = set_allowlisted(dev, is_allowlisted(d, dev));
    /* last_seen moves now (forced); a device announced while handling its
     * own packet was last seen at the event's time: its text is at hand */
    dev->last_seen_written = dev->last_seen;
    write_last_seen(dev, ts, t);
    sync_record(dev);
    dev->announced_sig = sig;
    dev->pending_new = dev->identity_news = dev->address_news = false;
    dev->announced_at = t;
    dev->announced_ipv4 = device_has_ipv4(dev);
    if (!d->s || !lend_record(dev, action)) /* out of memory: the event is not sent */
        return;
    /* the detectors' facts for the record while the event is handled */
    struct mm__device_facts outer, f = {.device = dev->rec,
                                        .is_new = strcmp(action, "new") == 0,
                                        .allowlisted = allowlisted,
                                        .os = dev->os_view,
                                        .hostnames = json_object_get(dev->rec, "hostnames"),
                                        .vendor = dev->vendor};
    assert(mm__device_facts_agree(&f)); /* builds without NDEBUG (tests) check each */
    mm__device_facts_publish(&f, &outer);
    if (!mm__device_direct || !mm__device_direct(d->s, &h, dev->rec)) {
        ev = mm__eve_new(&h); /* mm_eve_new's object, built faster */
        if (ev && json_object_set_nocheck(ev, "device", dev->rec) == 0)
            mm_sensor_emit(d->s, ev); /* handled now unless another event is */
        else
            json_decref(ev); /* out of memory, as when the record could not be lent */
    }
    mm__device_facts_end(&outer);
}

/* identity_signature of the device with its allowlist status as of now
 * (a new address may fall in an allowlisted range). */
static uint64_t device_signature(const struct mm_devices *d, const struct device *dev)
{
    return identity_signature(dev->rec, is_allowlisted(d, dev));
}

/* True when an address change may be announced now: the device was last
 * announced without an IPv4 address (its first one is news at once), or
 * nothing was announced for address_interval of capture time (either way:
 * captures read one after another may step back in time). */
static bool address_change_due(const struct mm_devices *d, const struct device *dev)
{
    int64_t t = now_usec(d), at = dev->announced_at;
    return d->address_interval == 0 || !dev->announced_ipv4 || at == TIME_UNKNOWN ||
           t - at >= d->address_interval || at - t >= d->address_interval;
}

/* How long after its last announcement a held-back address change of a
 * silent device is announced: the interval, then SILENT_GRACE_USEC in which
 * a device that keeps talking announces it at its own update, as always. */
static int64_t silent_span(const struct mm_devices *d)
{
    return d->address_interval + SILENT_GRACE_USEC;
}

/* Notes that dev holds back an address change, so that the sweep
 * (report_silent_changes) looks for it once it may be overdue. */
static void note_held(struct mm_devices *d, const struct device *dev)
{
    int64_t at = dev->announced_at, span = silent_span(d);
    if (!d->any_held) {
        d->any_held = true;
        d->held_late = INT64_MAX;
        d->held_early = INT64_MIN;
    }
    if (at == TIME_UNKNOWN) { /* (only when announcing ran out of memory) look at once */
        d->held_late = INT64_MIN;
        return;
    }
    if (at + span < d->held_late)
        d->held_late = at + span;
    if (at - span > d->held_early)
        d->held_early = at - span;
}

/* True when dev's held-back address change is overdue at capture time t:
 * the interval and the grace have passed since its last announcement
 * (either way, as in address_change_due) without the device announcing it
 * at an update, so the device has been silent since it fell due. */
static bool held_change_overdue(const struct mm_devices *d, const struct device *dev, int64_t t)
{
    int64_t at = dev->announced_at, span = silent_span(d);
    return at == TIME_UNKNOWN || t - at >= span || at - t >= span;
}

/* Announces the held-back address changes of devices that went silent
 * (called on the capture clock: after each packet and at each save). A
 * device that goes quiet right after a new address would otherwise keep it
 * unannounced until it is seen again, perhaps never; the event carries the
 * record as it is, and its last_seen says when the device was last seen.
 * Cheap when nothing is overdue: two comparisons. */
static void report_silent_changes(struct mm_devices *d)
{
    if (!d->any_held)
        return;
    int64_t t = now_usec(d);
    if (t < d->held_late && t > d->held_early)
        return;
    d->any_held = false;
    for (size_t i = 0; i < d->n; i++) {
        struct device *dev = d->devs[i];
        if (!dev->address_news || dev->pending_new)
            continue;
        if (!held_change_overdue(d, dev, t)) {
            note_held(d, dev);
            continue;
        }
        dev->dirty = false; /* the event carries the whole current record */
        announce(d, dev, "changed", device_signature(d, dev));
        if (dev->address_news) /* out of memory: tried again at the next packet */
            note_held(d, dev);
    }
}

/* After an update: announce "changed" at once when what the device is
 * changed; when only its addresses did, once address_change_interval has
 * passed since its last announcement (at this or a later update), with the
 * addresses it has then. A change still held back is noted for the sweep
 * of silent devices. */
static void maybe_changed(struct mm_devices *d, struct device *dev)
{
    if (dev->pending_new)
        return;
    if (dev->dirty) {
        dev->dirty = false;
        uint64_t sig = device_signature(d, dev);
        if (sig != dev->announced_sig || dev->identity_news) {
            announce(d, dev, "changed", sig);
            return;
        }
    }
    if (!dev->address_news)
        return;
    if (address_change_due(d, dev))
        announce(d, dev, "changed", dev->announced_sig);
    else
        note_held(d, dev);
}

static void flush_pending(struct mm_devices *d)
{
    if (!d->have_pending)
        return;
    d->have_pending = false;
    for (size_t i = 0; i < d->n; i++)
        if (d->devs[i]->pending_new)
            announce(d, d->devs[i], "new", device_signature(d, d->devs[i]));
}

/* The first device [devices] max keeps out: told once (a warning per
 * packet would flood the log; stats devices.max_drops counts them). */
static __attribute__((noinline, cold)) void tell_full(struct mm_devices *d)
{
    d->full_told = true;
    mm_msg_print(stderr, "mamori-sensor", "sensor-log", "devices.full", d->max);
}

/* Finds or creates the device for mac (or for ip when mac is NULL). */
static struct device *device_get(struct mm_devices *d, const uint8_t *mac, const struct mm_addr *ip)
{
    struct device *dev = mac ? find_by_mac(d, mac) : find_by_ip(d, ip);
    int64_t t = now_usec(d);
    if (dev && mac)
        d->last_by_mac = dev;
    if (dev) {
        set_last_seen(dev, t, false);
        return dev;
    }
    if (device_create(d, mac, ip, t, &dev) != 0) {
        if (d->n >= d->max && !d->full_told)
            tell_full(d);
        return NULL;
    }
    dev->pending_new = true;
    d->have_pending = true;
    return dev;
}

/* ---- learning from packets ----------------------------------------------------- */

static void learn_syn(struct mm_devices *d, struct device *dev, const struct mm_packet *p);

/* memcmp of 6 bytes without the call (two loads each side). */
static bool mac_equal(const uint8_t x[6], const uint8_t y[6])
{
    uint32_t x0, y0;
    uint16_t x1, y1;
    memcpy(&x0, x, 4);
    memcpy(&y0, y, 4);
    memcpy(&x1, x + 4, 2);
    memcpy(&y1, y + 4, 2);
    return x0 == y0 && x1 == y1;
}

/* True when p's source is that of a recent IP packet whose outcome still
 * holds: *dev is then the device the packet is attributed to, or NULL for a
 * source outside the home network (the home networks are fixed). A device
 * stays the MAC's (MACs never move) and keeps the address while the IP map
 * is unchanged (by_ip.gen), so the look-ups would find what they found
 * before and device_add_ip would learn nothing: only last_seen, the SYN
 * traits and the announcement checks are left to do. */
static bool home_source_holds(const struct mm_devices *d, const struct home_source *h,
                              const struct mm_packet *p)
{
    return h->dev && key_equal(h->src, (const uint8_t *)&p->src) && h->has_eth == p->has_eth &&
           (!p->has_eth || mac_equal(h->mac, p->src_mac)) && h->ip_gen == d->by_ip.gen;
}

static bool source_remembered(const struct mm_devices *d, const struct mm_packet *p,
                              struct device **dev)
{
    const uint8_t *src = (const uint8_t *)&p->src;
    for (unsigned i = 0; i < 2; i++)
        if (home_source_holds(d, &d->home_source[i], p)) {
            *dev = d->home_source[i].dev;
            return true;
        }
    for (unsigned i = 0; i < 2; i++)
        if (d->away_source[i][0] && key_equal(d->away_source[i], src)) {
            *dev = NULL;
            return true;
        }
    return false;
}

/* Remembers that p's source is dev's, with the IP map as it is now (the
 * latest of the two; the other is the one remembered before). */
static void remember_home_source(struct mm_devices *d, const struct mm_packet *p,
                                 struct device *dev)
{
    struct home_source *h = &d->home_source[0];
    d->home_source[1] = *h;
    h->dev = dev;
    memcpy(h->src, &p->src, sizeof h->src);
    h->has_eth = p->has_eth;
    memcpy(h->mac, p->src_mac, sizeof h->mac);
    h->ip_gen = d->by_ip.gen;
}

/* The device an IP packet comes from, found or created, with its source
 * address learnt (NULL: none, e.g. a source outside the home network).
 * Out of line, as learn_arp: most packets take source_remembered's answer,
 * and mm_devices_on_packet then saves and restores fewer registers. */
static __attribute__((noinline)) struct device *learn_source(struct mm_devices *d,
                                                             const struct mm_packet *p)
{
    struct device *dev = NULL;
    if (d->s && !mm_sensor_src_home(d->s, p)) {
        memcpy(d->away_source[1], d->away_source[0], sizeof d->away_source[1]);
        memcpy(d->away_source[0], &p->src, sizeof d->away_source[0]);
        return NULL;
    }
    if (p->has_eth && usable_mac(p->src_mac))
        dev = device_get(d, p->src_mac, NULL);
    else if (!p->has_eth)
        dev = device_get(d, NULL, &p->src);
    /* remembered only when the next look-ups would give the same (not at
     * the device limit, not out of memory) */
    if (dev && device_add_ip(d, dev, &p->src))
        remember_home_source(d, p, dev);
    return dev;
}

/* An ARP packet's sender, when its address is a home address. */
static __attribute__((noinline)) struct device *learn_arp(struct mm_devices *d,
                                                          const struct mm_packet *p)
{
    struct device *dev = NULL;
    if (p->has_eth && usable_mac(p->arp_sha) && p->arp_spa.family &&
        (!d->s || mm_sensor_is_home(d->s, &p->arp_spa)) && (dev = device_get(d, p->arp_sha, NULL)))
        device_add_ip(d, dev, &p->arp_spa);
    return dev;
}

void mm_devices_on_packet(struct mm_devices *d, const struct mm_packet *p)
{
    struct device *dev = NULL;
    if (!d)
        return;
    if (p->is_arp) {
        dev = learn_arp(d, p);
    } else if (p->ip_version) {
        if (!source_remembered(d, p, &dev))
            dev = learn_source(d, p);
        else if (dev) /* as device_get would */
            set_last_seen(dev, now_usec(d), false);
    }
    if (dev)
        learn_syn(d, dev, p);
    /* The pipeline decodes a packet's application data (DHCP, mDNS, ...)
     * before handing it here, so a device created by this packet or by its
     * events is complete now: announce it. */
    flush_pending(d);
    report_silent_changes(d);
}

/* TCP SYN traits of a device's own connections. */
/* A hash of a SYN's TTL and options (never 0). Unkeyed FNV-1a, on
 * purpose: only SYNs with the device's own MAC or address reach here, and
 * whoever can send those can already set its TCP evidence outright, so
 * options made to match remembered ones would gain nothing; a keyed hash
 * would cost about 180 instructions per SYN. */
static uint64_t syn_hash(unsigned ttl, const char *options)
{
    uint64_t h = mm_fnv1a64_str(MM_FNV64_MAMORI_BASIS ^ ttl, options);
    return h ? h : 1;
}

static uint64_t syn_traits_hash(const struct mm_packet *p)
{
    return syn_hash(p->ttl, p->tcp_traits.options);
}

/* True when traits is among the device's recent SYN traits; else
 * remembers it (a scanner alternates between a few probe kinds). Each
 * remembered kind either has no OS rule or is the one the record holds, so
 * looking at it again would change nothing. */
static bool syn_seen_recently(struct device *dev, uint64_t traits)
{
    return recent_hash_seen(dev->syn_seen, SYN_SEEN_MAX, &dev->syn_seen_next, traits);
}

/* The record now holds traits: kinds remembered before may differ from it
 * and must be looked at again when they come back. */
static void syn_seen_only(struct device *dev, uint64_t traits)
{
    memset(dev->syn_seen, 0, sizeof dev->syn_seen);
    dev->syn_seen[0] = traits;
    dev->syn_seen_next = 1;
    dev->syn_seen_lazy = false;
}

/* Does the syn_seen_only that syn_seen_lazy put off, with the hash of the
 * traits syn holds (those of the SYN that set them: its TTL, and options
 * equal to the packet's, which fit). */
static void syn_seen_settle(struct device *dev)
{
    if (dev->syn_seen_lazy)
        syn_seen_only(dev, syn_hash((unsigned)dev->syn.ttl, dev->syn.options));
}

/* True when the record (with its pending traits) holds p's TTL and options. */
static bool syn_matches_record(const struct device *dev, const struct mm_packet *p)
{
    return dev->syn.ttl == p->ttl && dev->syn.has_options &&
           strcmp(dev->syn.options, p->tcp_traits.options) == 0;
}

/* mm_osguess_tcp for p, answered from the device's last two SYN kinds when
 * p is one of them (a scanner may vary the TTL of every probe, but not the
 * initial TTL its stack starts from). */
static bool tcp_guess(struct mm_devices *d, struct device *dev, const struct mm_packet *p,
                      struct mm_os_guess *g)
{
    unsigned initial_ttl = mm_osguess_initial_ttl(p->ttl);
    if (p->ttl == 0)
        return mm_osguess_tcp(d->os, p->ttl, p->tcp_traits.options, g); /* (no answer) */
    for (unsigned k = 0; k < 2; k++) {
        const struct syn_guess *e = &dev->syn_guesses[k];
        if (e->used && e->initial_ttl == initial_ttl &&
            strcmp(e->options, p->tcp_traits.options) == 0) {
            if (e->found)
                *g = e->g;
            return e->found;
        }
    }
    struct syn_guess *e = &dev->syn_guesses[dev->syn_guess_next];
    dev->syn_guess_next ^= 1;
    e->found = mm_osguess_tcp(d->os, p->ttl, p->tcp_traits.options, g);
    e->used = true;
    e->initial_ttl = initial_ttl;
    memcpy(e->options, p->tcp_traits.options, sizeof e->options);
    e->options[sizeof e->options - 1] = '\0';
    if (e->found)
        e->g = *g;
    return e->found;
}

/* True when p is a SYN of the record's kind (syn_kind_held) with another
 * TTL, as a scanner that varies the TTL of every probe sends: the full
 * look would find its traits in no ring (the ring holds the record's
 * traits and kinds without a guess since the record took them), the same
 * guess (tcp_guess depends on the initial TTL and options only) and the
 * evidence holding it, so it would only set the record's traits. */
static bool syn_kind_moves(const struct device *dev, const struct mm_packet *p)
{
    return dev->syn_kind_held && p->ttl != dev->syn.ttl && p->ttl != 0 &&
           mm_osguess_initial_ttl(p->ttl) == dev->syn_initial_ttl &&
           strcmp(dev->syn.options, p->tcp_traits.options) == 0;
}

/* After the record took p's traits with guess g: notes whether syn_kind_moves
 * may answer for the next SYNs (not when the record kept other traits or
 * the evidence does not hold g, e.g. out of memory). */
static void note_syn_kind(struct device *dev, const struct mm_packet *p,
                          const struct mm_os_guess *g)
{
    dev->syn_kind_held = syn_matches_record(dev, p) && evidence_holds(dev, SRC_TCP, g);
    dev->syn_initial_ttl = mm_osguess_initial_ttl(p->ttl);
}

/* A SYN's traits: looked at unless seen recently; the record takes them
 * when they give an OS guess and differ from what it holds. Out of line:
 * most packets are no SYN, and mm_devices_on_packet keeps a small frame. */
static __attribute__((noinline)) void learn_syn_traits(struct mm_devices *d, struct device *dev,
                                                       const struct mm_packet *p)
{
    if (syn_kind_moves(dev, p)) { /* what the full look below would do */
        set_syn(dev, p);
        dev->syn_seen_lazy = true; /* syn_seen_only(dev, syn_traits_hash(p)) when needed */
        return;
    }
    uint64_t traits = syn_traits_hash(p);
    syn_seen_settle(dev);
    if (syn_seen_recently(dev, traits))
        return;
    struct mm_os_guess g;
    if (!syn_matches_record(dev, p) && tcp_guess(d, dev, p, &g)) {
        set_syn(dev, p);
        syn_seen_only(dev, traits);
        if (!evidence_holds(dev, SRC_TCP, &g)) { /* the text only when it is kept */
            char v[96];
            snprintf(v, sizeof v, "ttl=%u window=%u options=%s", p->ttl, p->tcp_window,
                     p->tcp_traits.options);
            add_evidence(d, dev, SRC_TCP, v, &g);
        }
        note_syn_kind(dev, p, &g);
    }
}

static void learn_syn(struct mm_devices *d, struct device *dev, const struct mm_packet *p)
{
    /* TCP SYN (not SYN-ACK): the client's stack shows in TTL and options.
     * A device repeats the same traits in every SYN (a scanner sends
     * thousands): the same traits as last time were already looked at. */
    if (p->ip_proto == 6 && (p->tcp_flags & 0x12) == 0x02 && p->tcp_traits.options[0])
        learn_syn_traits(d, dev, p);
    maybe_changed(d, dev);
}

/* ---- learning from events ------------------------------------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The device behind an event's src_ip (or dest_ip with which="dest_ip"). */
static struct device *event_device(struct mm_devices *d, const json_t *ev, const char *which)
{
    struct mm_addr a;
    const char *ip = jstr(ev, which);
    if (mm_addr_parse(ip ? ip : "", &a) != 0)
        return NULL;
    return find_by_ip(d, &a);
}

/* Writes v in decimal (at least 21 bytes of room). */
static void format_ll(long long v, char *out)
{
    if (v < 0)
        *out++ = '-';
    mm_str_u64(v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, out);
}

/* Appends the i-th number v of option 55 to out[0..*o) as dhcp_params
 * writes it ("1,15,3": a comma before all but the first, cut where
 * snprintf would cut it); false once cut. */
static bool params_append(char *out, size_t outlen, size_t *o, size_t i, long long v)
{
    char piece[32];
    piece[0] = ',';
    format_ll(v, piece + (i ? 1 : 0));
    size_t n = mm_strlcpy(out + *o, piece, outlen - *o);
    if (n >= outlen - *o)
        return false; /* cut */
    *o += n;
    return true;
}

/* DHCP option 55 as "1,15,3": from an array of numbers or a string (built
 * without snprintf, cut where snprintf would cut it). */
static void dhcp_params(const json_t *dhcp, char *out, size_t outlen)
{
    const json_t *p = json_object_get(dhcp, "params_raw");
    size_t i, o = 0;
    json_t *v;
    out[0] = '\0';
    if (!p)
        p = json_object_get(dhcp, "params");
    if (json_is_string(p)) {
        mm_strlcpy(out, json_string_value(p), outlen);
        return;
    }
    json_array_foreach(p, i, v)
    {
        if (!json_is_integer(v))
            return; /* Suricata's names ("subnet_mask") do not keep numbers */
        if (!params_append(out, outlen, &o, i, json_integer_value(v)))
            return;
    }
}

/* The same from option 55's bytes (the decoder's facts). */
static void dhcp_params_bytes(const uint8_t *p, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && params_append(out, outlen, &o, i, p[i]); i++)
        ;
}

static void learn_hostname(struct device *dev, const char *name)
{
    char clean[DEVICE_TEXT_MAX];
    if (!clean_text(name, clean))
        return;
    size_t n = strlen(clean);
    if (n > 6 && strcasecmp(clean + n - 6, ".local") == 0)
        clean[n - 6] = '\0';
    else if (n > 0 && clean[n - 1] == '.')
        clean[n - 1] = '\0';
    if (!own_record(dev))
        return;
    if (clean[0] &&
        array_add_string(json_object_get(dev->rec, "hostnames"), clean, DEVICE_NAMES_MAX, true))
        dev->dirty = true;
}

/* What on_dhcp reads of a "dhcp" event: the members' texts, from the
 * decoder's facts (the direct path, dhcp-facts.h) or from the JSON. */
struct dhcp_view {
    const struct mm__dhcp_facts *f; /* NULL: read dhcp */
    const json_t *dhcp;
    const char *client_mac, *ips[3], *type, *hostname, *fqdn, *vendor;
};

static void dhcp_view_read(const json_t *dhcp, struct dhcp_view *v)
{
    const struct mm__dhcp_facts *f = mm__dhcp_facts_of(dhcp);
    if (f) {
        *v = (struct dhcp_view){.f = f,
                                .client_mac = f->client_mac,
                                .ips = {f->assigned_ip, f->client_ip, f->requested_ip},
                                .type = f->reply ? "reply" : "request",
                                .hostname = f->hostname,
                                .fqdn = f->fqdn,
                                .vendor = f->vendor_class_identifier};
        return;
    }
    *v = (struct dhcp_view){
        .dhcp = dhcp,
        .client_mac = jstr(dhcp, "client_mac"),
        .ips = {jstr(dhcp, "assigned_ip"), jstr(dhcp, "client_ip"), jstr(dhcp, "requested_ip")},
        .type = jstr(dhcp, "type"),
        .hostname = jstr(dhcp, "hostname"),
        .fqdn = jstr(dhcp, "fqdn"),
        .vendor = jstr(dhcp, "vendor_class_identifier")};
}

/* Option 55 of the event as "1,15,3". */
static void dhcp_view_params(const struct dhcp_view *v, char *out, size_t outlen)
{
    if (v->f)
        dhcp_params_bytes(v->f->params, v->f->nparams, out, outlen);
    else
        dhcp_params(v->dhcp, out, outlen);
}

static void on_dhcp(struct mm_devices *d, const json_t *dhcp)
{
    struct dhcp_view dv;
    uint8_t mac[6];
    struct mm_addr a;
    dhcp_view_read(dhcp, &dv);
    if (!parse_mac(dv.client_mac, mac) || !usable_mac(mac))
        return;
    struct device *dev = device_get(d, mac, NULL);
    if (!dev)
        return;
    /* A DHCP client is on our segment whatever its address: learn them all
     * (assigned_ip, client_ip, requested_ip). */
    for (size_t i = 0; i < sizeof dv.ips / sizeof dv.ips[0]; i++)
        if (dv.ips[i] && mm_addr_parse(dv.ips[i], &a) == 0)
            device_add_ip(d, dev, &a);
    if (dv.type && strcmp(dv.type, "reply") == 0) {
        maybe_changed(d, dev);
        return; /* the rest of a reply describes the server */
    }
    learn_hostname(dev, dv.hostname);
    learn_hostname(dev, dv.fqdn); /* option 81 */
    char params[512], vendor[DEVICE_TEXT_MAX] = "";
    dhcp_view_params(&dv, params, sizeof params);
    clean_text(dv.vendor, vendor);
    if ((params[0] || vendor[0]) && own_record(dev)) {
        struct mm_os_guess g;
        static const char *const keys[] = {"params", "vendor_class"};
        json_t *const values[] = {json_string(params), json_string(vendor)};
        json_object_set_new(dev->rec, "dhcp", object_of(keys, values, 2));
        if (value_is_news(dev, 'd', params, vendor))
            dev->identity_news = dev->dirty = true;
        if (mm_osguess_dhcp(d->os, params[0] ? params : NULL, vendor[0] ? vendor : NULL, &g)) {
            char v[sizeof params + DEVICE_TEXT_MAX + 2];
            snprintf(v, sizeof v, "%s%s%s", params, vendor[0] ? " " : "", vendor);
            add_evidence(d, dev, SRC_DHCP, v, &g);
        }
    }
    maybe_changed(d, dev);
}

static void on_user_agent(struct mm_devices *d, const json_t *ev, const json_t *http)
{
    const struct mm__http_facts *hf = mm__http_facts_of(http); /* the decoder's, or NULL */
    const char *ua = hf ? hf->user_agent : jstr(http, "http_user_agent");
    char clean[DEVICE_TEXT_MAX];
    struct device *dev = !ua                 ? NULL
                         : hf && hf->has_src ? find_by_ip(d, &hf->src)
                                             : event_device(d, ev, "src_ip");
    if (!dev)
        return;
    if (dev->last_ua && strcmp(ua, dev->last_ua) == 0) {
        maybe_changed(d, dev); /* its last user agent again: the record has it and its guess */
        return;
    }
    if (!clean_text(ua, clean) || !own_record(dev))
        return;
    json_t *uas = json_object_get(dev->rec, "user_agents");
    array_add_string(uas, clean, DEVICE_UAS_MAX, false);
    dev->last_ua = array_string(uas, clean);
    struct mm_os_guess g;
    if (mm_osguess_user_agent(d->os, clean, &g))
        add_evidence(d, dev, SRC_USER_AGENT, clean, &g);
    maybe_changed(d, dev);
}

static void smb_native_os(struct mm_devices *d, const json_t *ev, const char *os, const char *who)
{
    char clean[DEVICE_TEXT_MAX];
    struct device *dev = event_device(d, ev, who);
    struct mm_os_guess g;
    if (!dev || !clean_text(os, clean) || !own_record(dev))
        return;
    json_object_set_new(dev->rec, "smb_native_os", json_string(clean));
    if (value_is_news(dev, 's', clean, ""))
        dev->identity_news = dev->dirty = true;
    if (mm_osguess_smb(d->os, clean, &g))
        add_evidence(d, dev, SRC_SMB, clean, &g);
    maybe_changed(d, dev);
}

/* SMB: Suricata puts the client's strings under "request" and the server's
 * under "response"; a flat native_os belongs to the sender named by
 * "direction" (to_server: the client, src_ip). */
static void on_smb(struct mm_devices *d, const json_t *ev, const json_t *smb)
{
    smb_native_os(d, ev, jstr(json_object_get(smb, "request"), "native_os"), "src_ip");
    smb_native_os(d, ev, jstr(json_object_get(smb, "response"), "native_os"), "dest_ip");
    const char *dir = jstr(smb, "direction") ? jstr(smb, "direction") : jstr(ev, "direction");
    bool from_server = dir && (strcmp(dir, "to_client") == 0 || strcmp(dir, "response") == 0);
    smb_native_os(d, ev, jstr(smb, "native_os"), from_server ? "dest_ip" : "src_ip");
    if (jstr(smb, "client_native_os"))
        smb_native_os(d, ev, jstr(smb, "client_native_os"), "src_ip");
    if (jstr(smb, "server_native_os"))
        smb_native_os(d, ev, jstr(smb, "server_native_os"), "dest_ip");
}

/* NetBIOS / LLMNR: "hostname" is set only when the sender registers its own
 * name (a query's "name" is someone else's). */
static void on_netbios(struct mm_devices *d, const json_t *ev, const json_t *obj)
{
    const struct mm__nbns_facts *f = mm__nbns_facts_of(obj); /* the direct path's */
    const char *host = f ? f->hostname : jstr(obj, "hostname");
    struct device *dev = event_device(d, ev, "src_ip");
    if (!dev || !host)
        return;
    learn_hostname(dev, host);
    maybe_changed(d, dev);
}

/* An mDNS A/AAAA record: the device holding address a, if known, is
 * named rrname. */
static void learn_mdns_record(struct mm_devices *d, const struct mm_addr *a, const char *rrname)
{
    struct device *dev = find_by_ip(d, a);
    if (!dev)
        return;
    learn_hostname(dev, rrname);
    maybe_changed(d, dev);
}

/* mDNS: A/AAAA records name the device holding the address, whoever sends
 * them (a Bonjour sleep proxy answers for sleeping Macs). The records come
 * from the decoder's facts (the direct path, mdns-facts.h) or the JSON. */
static void on_mdns(struct mm_devices *d, const json_t *obj)
{
    static const char *const sections[] = {"answers", "authorities", "additionals"};
    const struct mm__mdns_facts *f = mm__mdns_facts_of(obj);
    for (unsigned i = 0; f && i < f->naddrs; i++)
        learn_mdns_record(d, &f->addrs[i].addr, f->addrs[i].rrname);
    for (size_t k = 0; !f && k < sizeof sections / sizeof sections[0]; k++) {
        size_t i;
        json_t *v;
        const json_t *records = json_object_get(obj, sections[k]);
        json_array_foreach(records, i, v)
        {
            const char *rrtype = jstr(v, "rrtype"), *rdata = jstr(v, "rdata");
            struct mm_addr a;
            if (!rrtype || !rdata || (strcmp(rrtype, "A") != 0 && strcmp(rrtype, "AAAA") != 0) ||
                mm_addr_parse(rdata, &a) != 0)
                continue;
            learn_mdns_record(d, &a, jstr(v, "rrname"));
        }
    }
}

void mm_devices_on_typed_event(struct mm_devices *d, const json_t *ev, const char *type,
                               const json_t *member)
{
    if (!d || !type)
        return;
    switch (type[0]) { /* most events (dns, tls, flow, ...) are none of these */
    case 'd':
        if (strcmp(type, "dhcp") == 0)
            on_dhcp(d, member ? member : json_object_get(ev, "dhcp"));
        break;
    case 'h':
        if (strcmp(type, "http") == 0)
            on_user_agent(d, ev, member ? member : json_object_get(ev, "http"));
        break;
    case 's':
        if (strcmp(type, "smb") == 0)
            on_smb(d, ev, member ? member : json_object_get(ev, "smb"));
        break;
    case 'm':
        if (strcmp(type, "mdns") == 0)
            on_mdns(d, member ? member : json_object_get(ev, "mdns"));
        break;
    case 'n':
    case 'l':
        if (strcmp(type, "netbios") == 0 || strcmp(type, "llmnr") == 0)
            on_netbios(d, ev, member ? member : json_object_get(ev, type));
        break;
    default:
        break;
    }
}

void mm_devices_on_event(struct mm_devices *d, const json_t *ev)
{
    if (d)
        mm_devices_on_typed_event(d, ev, jstr(ev, "event_type"), NULL);
}

void mm_devices_tick(struct mm_devices *d)
{
    if (d)
        report_silent_changes(d);
}

void mm_devices_finish(struct mm_devices *d)
{
    if (!d)
        return;
    flush_pending(d);
    d->any_held = false;
    for (size_t i = 0; i < d->n; i++) {
        struct device *dev = d->devs[i];
        if (!dev->address_news || dev->pending_new)
            continue;
        dev->dirty = false; /* the event carries the whole current record */
        announce(d, dev, "changed", device_signature(d, dev));
    }
}

/* ---- lookups -------------------------------------------------------------------- */

const json_t *mm_devices_find_mac(const struct mm_devices *d, const uint8_t mac[6])
{
    struct device *dev = d ? find_by_mac(d, mac) : NULL;
    return dev && sync_record(dev) ? dev->rec : NULL; /* out of memory: not found */
}

void mm_devices_counts(const struct mm_devices *d, size_t *known, uint64_t *max_drops)
{
    *known = d ? d->n : 0;
    *max_drops = d ? d->dropped : 0;
}

size_t mm_devices_address_count(const struct mm_devices *d)
{
    return d ? d->by_ip.count : 0;
}

const json_t *mm_devices_find_ip(const struct mm_devices *d, const struct mm_addr *a)
{
    struct device *dev = d ? find_by_ip(d, a) : NULL;
    return dev && sync_record(dev) ? dev->rec : NULL; /* out of memory: not found */
}

/* ---- persistence ------------------------------------------------------------------ */

/* The record as devices.json keeps it, with two members of the file only
 * (see load_state): ANNOUNCED_MEMBER, when the device was last announced
 * (the address interval runs on across a restart), and PENDING_MEMBER when
 * an address change is still held back. */
static json_t *saved_record(const struct device *dev)
{
    if (!dev->address_news && dev->announced_at == TIME_UNKNOWN)
        return json_incref(dev->rec);
    json_t *copy = record_copy(dev->rec, NULL);
    if (!copy)
        return NULL;
    if (dev->announced_at != TIME_UNKNOWN) {
        char text[MM_TIMESTAMP_MAX];
        time_string(dev->announced_at, text);
        json_object_set_new(copy, ANNOUNCED_MEMBER, json_string(text));
    }
    if (dev->address_news)
        json_object_set_new(copy, PENDING_MEMBER, json_true());
    return copy;
}

/* The IPv4 addresses dev had recently (the ring of address_is_news), oldest
 * first, as texts: devices.json keeps them beside the records (RECENT_MEMBER)
 * so a restart remembers all ADDR_RECENT_MAX, not just the 8 "ips". */
static json_t *recent_addresses(const struct device *dev)
{
    json_t *arr = json_array();
    for (unsigned k = 0; arr && k < ADDR_RECENT_MAX; k++) {
        uint32_t v = dev->recent_addrs[(dev->recent_addr_next + k) % ADDR_RECENT_MAX];
        struct mm_addr a = {.family = 4};
        char text[MM_ADDR_STRLEN];
        if (v == 0)
            continue; /* an empty slot (0.0.0.0 is never remembered) */
        memcpy(a.bytes, &v, 4);
        mm_addr_format(&a, text, sizeof text);
        if (json_array_append_new(arr, json_string(text)) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

/* Remembers the saved recent addresses of a loaded device, oldest first, so
 * the ring is as it was; a list longer than the ring or anything but IPv4
 * texts is ignored (a file from elsewhere: the "ips" are remembered anyway). */
static void remember_addresses(struct device *dev, const json_t *list)
{
    size_t i;
    json_t *v;
    struct mm_addr a;
    if (!json_is_array(list) || json_array_size(list) > ADDR_RECENT_MAX)
        return;
    json_array_foreach(list, i, v)
    {
        const char *text = json_string_value(v);
        if (text && mm_addr_parse(text, &a) == 0 && a.family == 4 && a.bytes[0] != 0)
            address_is_news(dev, &a);
    }
}

/* Takes the file-only members out of a loaded record: sets dev's last
 * announcement time; returns whether an address change was held back. */
static bool take_file_members(struct device *dev)
{
    int64_t at;
    const char *text = json_string_value(json_object_get(dev->rec, ANNOUNCED_MEMBER));
    bool held = json_is_true(json_object_get(dev->rec, PENDING_MEMBER));
    dev->announced_at = text && mm_time_parse(text, &at) == 0 ? at : TIME_UNKNOWN;
    json_object_del(dev->rec, ANNOUNCED_MEMBER);
    json_object_del(dev->rec, PENDING_MEMBER);
    return held;
}

/* devices.json's text is jansson's dump with JSON_INDENT(1) |
 * JSON_PRESERVE_ORDER. It is formed here without jansson's dump (which
 * costs ~70 instructions a byte): the file's compact text from the EVE
 * writer's serialiser (mm_eve_line_format: jansson's compact dump byte for
 * byte), then indented as jansson indents (indent_compact). On any failure
 * the file is formed the old way (save_text_jansson). */
struct save_buf {
    char *p;
    size_t len, cap;
    bool err;
};

/* Room for n more bytes at b->p + b->len (NULL: out of memory, b->err). */
static inline char *save_room(struct save_buf *b, size_t n)
{
    if (__builtin_expect(b->cap - b->len >= n, 1))
        return b->p + b->len;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < n)
        cap *= 2;
    char *np = b->err ? NULL : realloc(b->p, cap);
    if (!np) {
        b->err = true;
        return NULL;
    }
    b->p = np;
    b->cap = cap;
    return b->p + b->len;
}

static inline __attribute__((always_inline)) void save_put(struct save_buf *b, const char *s,
                                                           size_t n)
{
    char *o = save_room(b, n);
    if (o) {
        memcpy(o, s, n);
        b->len += n;
    }
}

/* Appends a string literal (its bytes without the NUL). */
#define save_literal(b, lit) save_put((b), (lit), sizeof(lit) - 1)

/* The end of the JSON string text whose opening '"' is just before p (the
 * text is a serialiser's: a quote ends it unless an odd run of
 * backslashes comes before it); end when it does not end. */
static const char *string_end(const char *p, const char *end)
{
    for (;;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q)
            return end;
        const char *b = q;
        while (b > p && b[-1] == '\\')
            b--;
        if (((q - b) & 1) == 0)
            return q + 1;
        p = q + 1;
    }
}

/* The first byte at or after p, outside strings, where jansson's indented
 * dump differs from its compact one ('{', '}', '[', ']', ',' or ':'); end
 * when there is none. */
static const char *next_layout_byte(const char *p, const char *end)
{
    while (p < end) {
        char c = *p;
        if (c == '"')
            p = string_end(p + 1, end);
        else if (c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':')
            return p;
        else
            p++;
    }
    return end;
}

/* Appends a line break and the indentation of level depth. */
static void save_newline(struct save_buf *out, size_t depth)
{
    char *o = save_room(out, depth + 1);
    if (o) {
        o[0] = '\n';
        memset(o + 1, ' ', depth);
        out->len += depth + 1;
    }
}

/* Appends compact JSON text (jansson's JSON_COMPACT dump) to out as
 * jansson dumps it with JSON_INDENT(1): an element or member on a line
 * of its own, indented one space a level, ": " after a key, empty
 * containers as "[]" and "{}". The text between layout bytes (strings,
 * numbers, literals) is copied as it is. */
static void indent_compact(const char *in, size_t n, struct save_buf *out)
{
    const char *p = in, *end = in + n;
    size_t depth = 0;
    while (p < end && !out->err) {
        const char *f = next_layout_byte(p, end);
        save_put(out, p, (size_t)(f - p));
        if (f == end)
            break;
        char c = *f;
        p = f + 1;
        if ((c == '{' || c == '[') && p < end && *p == (c == '{' ? '}' : ']')) {
            save_put(out, f, 2); /* an empty container */
            p++;
        } else if (c == '{' || c == '[') {
            save_put(out, f, 1);
            save_newline(out, ++depth);
        } else if (c == '}' || c == ']') {
            save_newline(out, depth ? --depth : 0);
            save_put(out, f, 1);
        } else if (c == ',') {
            save_put(out, f, 1);
            save_newline(out, depth);
        } else {
            save_literal(out, ": ");
        }
    }
}

/* Appends dev's saved record (saved_record's members, in its order) as
 * compact text. */
static int put_saved_record(struct save_buf *b, struct device *dev)
{
    if (b->err || !sync_record(dev))
        return MM_ENOMEM;
    int r = mm_eve_line_format(dev->rec, &b->p, &b->len, &b->cap);
    if (r != 0)
        return r;
    b->len--; /* the line's '\n' */
    if (!dev->address_news && dev->announced_at == TIME_UNKNOWN)
        return 0;
    if (b->len < 2 || b->p[b->len - 1] != '}')
        return MM_EINVAL; /* not an object: the old way */
    b->len--;
    bool empty = b->p[b->len - 1] == '{';
    if (dev->announced_at != TIME_UNKNOWN) {
        char text[MM_TIMESTAMP_MAX];
        time_string(dev->announced_at, text);
        save_put(b, empty ? "\"" : ",\"", empty ? 1 : 2);
        save_literal(b, ANNOUNCED_MEMBER "\":\"");
        save_put(b, text, strlen(text));
        save_put(b, "\"", 1);
        empty = false;
    }
    if (dev->address_news) {
        save_put(b, empty ? "\"" : ",\"", empty ? 1 : 2);
        save_literal(b, PENDING_MEMBER "\":true");
    }
    save_put(b, "}", 1);
    return b->err ? MM_ENOMEM : 0;
}

/* Appends recent_addresses(dev) as compact text (IPv4 texts: no escapes). */
static void put_recent(struct save_buf *b, const struct device *dev)
{
    bool first = true;
    save_put(b, "[", 1);
    for (unsigned k = 0; k < ADDR_RECENT_MAX; k++) {
        uint32_t v = dev->recent_addrs[(dev->recent_addr_next + k) % ADDR_RECENT_MAX];
        struct mm_addr a = {.family = 4};
        char text[MM_ADDR_STRLEN];
        if (v == 0)
            continue;
        memcpy(a.bytes, &v, 4);
        mm_addr_format(&a, text, sizeof text);
        save_put(b, first ? "\"" : ",\"", first ? 1 : 2);
        save_put(b, text, strlen(text));
        save_put(b, "\"", 1);
        first = false;
    }
    save_put(b, "]", 1);
}

/* The file's text in out (save_text_jansson's bytes); 0 or an MM_E* code. */
static int save_text_fast(struct mm_devices *d, struct save_buf *out)
{
    struct save_buf b = {0};
    int r = 0;
    save_literal(&b, "{\"version\":1,\"devices\":[");
    for (size_t i = 0; r == 0 && i < d->n; i++) {
        if (i)
            save_put(&b, ",", 1);
        r = put_saved_record(&b, d->devs[i]);
    }
    save_literal(&b, "],\"" RECENT_MEMBER "\":[");
    for (size_t i = 0; r == 0 && i < d->n; i++) {
        if (i)
            save_put(&b, ",", 1);
        put_recent(&b, d->devs[i]);
    }
    save_put(&b, "]}", 2);
    if (r == 0 && b.err)
        r = MM_ENOMEM;
    if (r == 0)
        indent_compact(b.p, b.len, out);
    if (r == 0 && out->err)
        r = MM_ENOMEM;
    free(b.p);
    return r;
}

/* The file's text the old way: the saved records in a jansson tree, dumped. */
static char *save_text_jansson(struct mm_devices *d)
{
    /* The recent addresses go in a list of their own, element i for device
     * i, not into the records: an older mamori loading this file ignores
     * them (it keeps unknown record members, and would show them). */
    json_t *arr = json_array(), *recent = json_array();
    for (size_t i = 0; arr && recent && i < d->n; i++) {
        json_t *rec = sync_record(d->devs[i]) ? saved_record(d->devs[i]) : NULL;
        if (!rec || json_array_append_new(arr, rec) != 0 ||
            json_array_append_new(recent, recent_addresses(d->devs[i])) != 0) {
            json_decref(arr); /* out of memory: nothing is written */
            arr = NULL;
        }
    }
    json_t *root = NULL;
    if (arr && recent) /* ("o" takes arr, also when packing fails) */
        root = json_pack("{s:i, s:o, s:O}", "version", 1, "devices", arr, RECENT_MEMBER, recent);
    else
        json_decref(arr);
    json_decref(recent);
    char *text = root ? json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    return text;
}

/* Whether text is what the last save wrote and the file is still the one
 * it wrote: the same file (device and inode), size and modification time,
 * so one removed, replaced or rewritten by someone else meanwhile is
 * written again. */
static bool same_as_saved(const struct mm_devices *d, const char *text, size_t len)
{
    struct stat st;
    const struct stat *was = &d->saved_stat;
    return d->saved_text && d->saved_len == len && memcmp(d->saved_text, text, len) == 0 &&
           stat(d->state_path, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len &&
           mm_stat_same(&st, was, MM_STAT_FILE | MM_STAT_MTIME);
}

/* Test hook: true makes every save form its text the old way. */
bool mm__devices_save_jansson;

int mm_devices_save(struct mm_devices *d)
{
    int r = 0;
    if (!d)
        return MM_EINVAL;
    flush_pending(d);
    report_silent_changes(d); /* what is overdue is announced, not saved as held back */
    if (!d->state_path)
        return 0;
    for (size_t i = 0; i < d->n; i++)
        set_last_seen(d->devs[i], d->devs[i]->last_seen, true);
    struct save_buf fast = {0};
    if (!mm__devices_save_jansson && save_text_fast(d, &fast) == 0) {
        if (same_as_saved(d, fast.p, fast.len)) {
            free(fast.p);
            return 0;
        }
        r = mm_file_write_atomic_mode(d->state_path, fast.p, fast.len, MM_EVE_FILE_MODE);
        if (r == 0 && stat(d->state_path, &d->saved_stat) != 0)
            memset(&d->saved_stat, 0, sizeof d->saved_stat); /* cannot match: next save writes */
        free(d->saved_text);
        d->saved_text = r == 0 ? fast.p : NULL; /* kept for the next save's comparison */
        d->saved_len = r == 0 ? fast.len : 0;
        if (r != 0)
            free(fast.p);
        return r;
    }
    free(fast.p);
    free(d->saved_text); /* the old way: nothing kept, the next save writes */
    d->saved_text = NULL;
    char *text = save_text_jansson(d);
    r = text ? mm_file_write_atomic_mode(d->state_path, text, strlen(text), MM_EVE_FILE_MODE)
             : MM_ENOMEM;
    mm_json_free(text);
    return r;
}

static bool all_strings(const json_t *arr, size_t max)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr) || json_array_size(arr) > max)
        return false;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            return false;
    }
    return true;
}

/* A saved record is used only when it has the shape device.c writes. */
static bool record_valid(const json_t *rec)
{
    size_t i;
    json_t *e;
    const json_t *ev = json_object_get(rec, "evidence");
    if (!json_is_object(rec) || !all_strings(json_object_get(rec, "ips"), DEVICE_IPS_MAX) ||
        !all_strings(json_object_get(rec, "hostnames"), DEVICE_NAMES_MAX) ||
        !all_strings(json_object_get(rec, "user_agents"), DEVICE_UAS_MAX) || !json_is_array(ev) ||
        json_array_size(ev) > 8)
        return false;
    json_array_foreach(ev, i, e)
    {
        if (!json_is_string(json_object_get(e, "source")) ||
            !json_is_string(json_object_get(e, "os")) ||
            !json_is_integer(json_object_get(e, "score")))
            return false;
    }
    return true;
}

#define KEPT_NAMES 100 /* a copy's names: STEM, STEM-2 ... STEM-100 */

/* Keeps the text of d's devices.json beside it as STATE/devices.json.KIND-
 * YYYYMMDDTHHMMSSZ (-2, -3 ... when taken), its name to kept: a damaged
 * file (struct mm_devices_damage), or one holding records past [devices]
 * max; the first save replaces the file, and what it held must not go
 * without a trace. Never replaces a file (mm_file_write_new). The stamp
 * is the file's modification time, not the time of the start: a start
 * that finds the file as an earlier one left it (stopped before its first
 * save) takes the same names, and when one of them already holds the text
 * that copy is named instead of making another. */
static int keep_aside(const struct mm_devices *d, const char *kind, const char *text, size_t len,
                      char *kept, size_t keptlen)
{
    char stamp[32], stem[4300];
    struct tm tm;
    struct stat st;
    time_t when = stat(d->state_path, &st) == 0 ? st.st_mtime : time(NULL);
    if (!gmtime_r(&when, &tm)) { /* a time gmtime cannot break down */
        when = time(NULL);
        gmtime_r(&when, &tm);
    }
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if ((size_t)snprintf(stem, sizeof stem, "%s.%s-%s", d->state_path, kind, stamp) >= sizeof stem)
        return MM_ERANGE;
    return mm_file_keep_numbered(stem, "", KEPT_NAMES, text, len, 0666, kept, keptlen);
}

static int keep_damaged(const struct mm_devices *d, const char *text, size_t len,
                        struct mm_devices_damage *note)
{
    return keep_aside(d, "damaged", text, len, note->kept, sizeof note->kept);
}

/* Notes the damage of d's file (of text) and keeps the text aside; the
 * error of the copy, which note keeps too. */
static int keep_note(const struct mm_devices *d, const char *text, size_t len,
                     struct mm_devices_damage *note)
{
    snprintf(note->path, sizeof note->path, "%s", d->state_path);
    int r = keep_damaged(d, text, len, note);
    if (r != 0) {
        note->kept[0] = '\0';
        note->keep_error = r;
    }
    return r;
}

/* Loads devices.json; a missing file is an empty inventory. A damaged one
 * (not the JSON written here, or records of another shape) is kept aside
 * first (keep_damaged) and loaded as far as it goes, note says so; when it
 * cannot be kept, the load fails with that error (note->keep_error). One
 * with records past [devices] max loads the first max; the file is kept
 * aside as it was (keep_aside, unless the damaged copy is made) and the
 * warning devices.full_at_load names the copy; when it cannot be kept, the
 * load fails the same way (note->over_max). */
static int load_state(struct mm_devices *d, struct mm_devices_damage *note)
{
    char *text = NULL;
    size_t len;
    int r = mm_file_read(d->state_path, STATE_FILE_MAX, &text, &len);
    if (r == MM_ENOENT)
        return 0;
    if (r != 0)
        return r;
    json_t *root = json_loadb(text, len, 0, NULL);
    json_t *arr = json_object_get(root, "devices");
    const json_t *recent = json_object_get(root, RECENT_MEMBER);
    size_t i;
    json_t *rec;
    if (!json_is_array(arr)) {
        json_decref(root);
        note->unusable = true;
        r = keep_note(d, text, len, note);
        free(text);
        return r;
    }
    if (json_array_size(recent) != json_array_size(arr))
        recent = NULL; /* a file before the list (or edited): the "ips" are remembered */
    size_t over = 0;   /* records [devices] max keeps out */
    json_array_foreach(arr, i, rec)
    {
        uint8_t mac[6];
        struct mm_addr a = {0};
        const json_t *ips = json_object_get(rec, "ips");
        bool has_mac = parse_mac(jstr(rec, "mac"), mac);
        if (!record_valid(rec) ||
            (!has_mac && mm_addr_parse(json_string_value(json_array_get(ips, 0))
                                           ? json_string_value(json_array_get(ips, 0))
                                           : "",
                                       &a) != 0)) {
            note->left_out++;
            continue;
        }
        if (has_mac ? find_by_mac(d, mac) != NULL : ip_keyed(d, &a))
            continue; /* (a MAC device loaded before may list the address) */
        int64_t seen = 0;
        mm_time_parse(jstr(rec, "last_seen") ? jstr(rec, "last_seen") : "", &seen);
        struct device *dev;
        if ((r = device_create(d, has_mac ? mac : NULL, &a, seen, &dev)) == MM_ELIMIT) {
            over++; /* (counted in d->dropped too) */
            r = 0;
            continue;
        }
        if (r != 0)
            break;
        json_decref(dev->rec);
        dev->rec = json_deep_copy(rec);
        dev->ips_keys_valid = false; /* another "ips" */
        bool copied = dev->rec != NULL;
        if (!copied)
            dev->rec = json_object();
        view_evidence(dev); /* the views of the record created above are gone */
        view_syn(dev);
        view_os(dev);
        if (!copied) {
            r = MM_ENOMEM;
            break;
        }
        dev->last_seen_text = TIME_UNKNOWN; /* its text may be in another form */
        dev->has_last_seen_member = json_object_get(dev->rec, "last_seen") != NULL;
        bool held = take_file_members(dev);
        remember_addresses(dev, json_array_get(recent, i));
        size_t k;
        json_t *v;
        json_array_foreach(ips, k, v)
        {
            const char *text = json_string_value(v);
            if (mm_addr_parse(text ? text : "", &a) == 0)
                device_add_ip(d, dev, &a);
        }
        remember_values(dev);
        recompute_os(d, dev);
        /* announced as saved; its first update compares (the allowlist may
         * have changed since) and announces an address change held back */
        dev->announced_sig =
            identity_signature(dev->rec, json_is_true(json_object_get(dev->rec, "allowlisted")));
        dev->dirty = true;
        dev->identity_news = false;
        dev->address_news = held;
        dev->announced_ipv4 = has_ipv4(dev->rec);
        if (held) /* announced even if the device is not seen again */
            note_held(d, dev);
    }
    json_decref(root);
    if (r == 0 && note->left_out > 0)
        r = keep_note(d, text, len, note);
    if (r == 0 && over > 0) {
        /* the next save leaves them out of the file: the file as it was is
         * kept aside first (the damaged copy is that already), and named */
        char over_kept[sizeof note->kept] = "";
        const char *kept = note->kept;
        if (!kept[0]) {
            kept = over_kept;
            r = keep_aside(d, "over-max", text, len, over_kept, sizeof over_kept);
        }
        if (r == 0) {
            d->full_told = true;
            mm_msg_print(stderr, "mamori-sensor", "sensor-log", "devices.full_at_load",
                         d->state_path, over, d->max, kept);
        } else { /* the sensor does not start: the file stays as it is */
            snprintf(note->path, sizeof note->path, "%s", d->state_path);
            note->over_max = over;
            note->keep_error = r;
        }
    }
    free(text);
    return r;
}

int mm_devices_new(struct mm_sensor *s, const char *state_dir, struct mm_devices **out)
{
    struct mm_devices_damage note;
    return mm_devices_new_noted(s, state_dir, out, &note);
}

int mm_devices_new_noted(struct mm_sensor *s, const char *state_dir, struct mm_devices **out,
                         struct mm_devices_damage *note)
{
    memset(note, 0, sizeof *note);
    *out = NULL;
    struct mm_devices *d = calloc(1, sizeof *d);
    const struct mm_sensor_config *cfg = s ? mm_sensor_config(s) : NULL;
    long max = DEVICES_MAX_DEFAULT, interval = ADDR_INTERVAL_DEF;
    int r;
    if (!d)
        return MM_ENOMEM;
    d->s = s;
    d->now = s ? mm_sensor_now(s) : NULL; /* the sensor's own clock: read, not asked, per packet */
    d->by_mac.seed = mm_hash_random_key();
    d->by_ip.seed = mm_hash_random_key();
    d->by_ip_key.seed = mm_hash_random_key();
    /* a device's ip_known_gen 0 matches none */
    d->by_mac.gen = d->by_ip.gen = d->by_ip_key.gen = 1;
    long *numbers[] = {&max, &interval}; /* as number_settings */
    for (size_t i = 0; cfg && cfg->ini && i < sizeof numbers / sizeof numbers[0]; i++)
        if ((r = mm_ini_get_int(cfg->ini, "devices", number_settings[i].key, number_settings[i].def,
                                number_settings[i].min, number_settings[i].max, numbers[i])) != 0)
            goto out;
    d->max = (size_t)max;
    d->address_interval = (int64_t)interval * 1000000;
    if ((r = mm_osguess_new(&d->os)) != 0)
        goto out;
    if (cfg && (r = load_allowlist(d, cfg->ini, NULL, 0)) != 0)
        goto out;
    if (state_dir) {
        size_t n = strlen(state_dir) + sizeof STATE_FILE + 2;
        if (!(d->state_path = malloc(n))) {
            r = MM_ENOMEM;
            goto out;
        }
        snprintf(d->state_path, n, "%s/%s", state_dir, STATE_FILE);
        if ((r = load_state(d, note)) != 0)
            goto out; /* (a damaged file that could not be kept aside too) */
    }
    *out = d;
    d = NULL;
out:
    mm_devices_free(d);
    return r;
}

void mm_devices_free(struct mm_devices *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        json_decref(d->devs[i]->rec);
        free(d->devs[i]);
    }
    free(d->devs);
    free(d->by_mac.slots);
    free(d->by_ip.slots);
    free(d->by_ip_key.slots);
    mm_osguess_free(d->os);
    free(d->allow_nets);
    free(d->allow_macs);
    free(d->state_path);
    free(d->saved_text);
    free(d);
}
