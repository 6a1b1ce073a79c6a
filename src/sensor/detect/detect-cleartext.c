/* SPDX-License-Identifier: Apache-2.0
 * Detector "cleartext-credentials" (signature ids 9101001-9101003): a user
 * name and password crossing the network without encryption:
 *   1 HTTP Basic authentication ("Authorization: Basic" in a request)
 *   2 FTP login (a USER command to TCP port 21, followed by a space or a
 *     tab, the name without the blanks around it; anonymous logins are
 *     skipped)
 *   3 Telnet login (a "login:" or "Password:" prompt from TCP port 23)
 * Each is read from the packet payload (no app decoder is needed): the
 * header or command must sit in one segment, which is how clients send
 * them. Only the user name is kept as evidence, never the password.
 * Suppression: one alert per (client, server, variant) per
 * [detect.cleartext-credentials] suppress_seconds (default 3600). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/str.h"
#include "sensor/detect/detect-util.h"
#include "sensor/flow.h"
#include "sensor/sensor.h"

#define NAME     "cleartext-credentials"
#define USER_MAX 64

static const struct mm__setting settings[] = {{"suppress_seconds", 0, 7 * 86400, NULL},
                                              {NULL, 0, 0, NULL}};

static int cleartext_init(struct mm_sensor *s, void **state)
{
    return mm__detect_basic_init(s, NAME, settings, 4096, 3600, 7 * 86400, state);
}

/* Case-insensitive search for needle (lower case) in p[0..n). */
static const uint8_t *find_ci(const uint8_t *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; k <= n && i <= n - k; i++) {
        size_t j = 0;
        while (j < k && mm_ascii_lower((char)p[i + j]) == needle[j])
            j++;
        if (j == k)
            return p + i;
    }
    return NULL;
}

/* True when the segment starts like an HTTP request ("GET /", "POST /"...).
 * Most segments start with another byte than the methods' first letters,
 * so that byte is looked at before any method is compared. */
static bool http_request_start(const uint8_t *d, size_t n)
{
#define METHOD(text)                                                                               \
    {                                                                                              \
        text, sizeof text - 1                                                                      \
    }
    static const struct {
        char text[10];
        uint8_t len;
    } methods[] = {METHOD("GET "),    METHOD("POST "),  METHOD("PUT "),     METHOD("HEAD "),
                   METHOD("DELETE "), METHOD("PATCH "), METHOD("OPTIONS "), METHOD("PROPFIND ")};
#undef METHOD
    uint8_t c = d[0];
    if (c != 'G' && c != 'P' && c != 'H' && c != 'D' && c != 'O')
        return false;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (c == (uint8_t)methods[i].text[0] && n > methods[i].len &&
            memcmp(d, methods[i].text, methods[i].len) == 0)
            return true;
    return false;
}

/* Finds the value of an "Authorization:" header line within the request
 * header (line by line with memchr, stopping at the empty line). */
static const uint8_t *authorization_value(const uint8_t *d, size_t n)
{
    static const char name[] = "authorization:";
    const uint8_t *end = d + n, *nl;
    for (const uint8_t *p = d; (nl = memchr(p, '\n', (size_t)(end - p))) != NULL; p = nl + 1) {
        const uint8_t *line = nl + 1;
        if (line >= end || *line == '\r' || *line == '\n')
            return NULL; /* end of the header */
        if ((size_t)(end - line) > sizeof name - 1 && mm_ascii_lower(*line) == 'a' &&
            find_ci(line, sizeof name - 1, name) == line)
            return line + sizeof name - 1;
    }
    return NULL;
}

static int b64_value(uint8_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes the user part ("user:password") of a Basic token into user. */
static void basic_user(const uint8_t *p, size_t n, char *user, size_t userlen)
{
    size_t o = 0;
    unsigned acc = 0, bits = 0;
    for (size_t i = 0; i < n && o + 1 < userlen; i++) {
        int v = b64_value(p[i]);
        if (v < 0)
            break;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            char c = (char)((acc >> bits) & 0xff);
            if (c == ':')
                break;
            user[o++] = isprint((unsigned char)c) ? c : '?';
        }
    }
    user[o] = '\0';
}

/* True for the blanks around an FTP argument: space and tab. */
static bool blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* Copies the argument of an FTP command line into out: from p (just after
 * "USER" and its first blank) to the line's end (CR, LF or the segment's
 * end), without the blanks around it, non-printable bytes as '?'. RFC 959
 * puts one space between the command and its argument; a client that sends
 * more, a tab instead, or blanks after the name, means the same name, and
 * servers read it so (Pure-FTPd and ProFTPD end the command word at any
 * white space, tab included, and skip the white space after it; vsftpd
 * splits at a space only). Until session 25 the name kept them ("USER  bob"
 * gave " bob", and "USER  anonymous" alerted as a login); until session 26
 * "USER<TAB>bob" was no login at all. Blanks inside the name stay. */
static void ftp_argument(const uint8_t *p, const uint8_t *end, char *out, size_t outlen)
{
    const uint8_t *eol = p;
    while (eol < end && *eol != '\r' && *eol != '\n')
        eol++;
    while (p < eol && blank(*p))
        p++;
    while (eol > p && blank(eol[-1]))
        eol--;
    size_t o = 0;
    for (; p < eol && o + 1 < outlen; p++)
        out[o++] = isprint(*p) ? (char)*p : '?';
    out[o] = '\0';
}

/* Recognises the three cases; fills user and returns the variant (0: none). */
static unsigned classify(const struct mm_packet *p, char *user, size_t userlen, bool *client_is_src)
{
    const uint8_t *d = p->payload, *end = p->payload + p->payload_len;
    size_t n = p->payload_len;
    *client_is_src = true;
    user[0] = '\0';
    if (p->dport == 21 && n > 5 && strncasecmp((const char *)d, "USER", 4) == 0 && blank(d[4])) {
        ftp_argument(d + 5, end, user, userlen);
        return strcasecmp(user, "anonymous") == 0 || strcasecmp(user, "ftp") == 0 ? 0 : 2;
    }
    if (p->sport == 23 && (find_ci(d, n, "login:") || find_ci(d, n, "password:"))) {
        *client_is_src = false;
        return 3;
    }
    if (http_request_start(d, n)) {
        const uint8_t *h = authorization_value(d, n);
        if (!h)
            return 0;
        while (h < end && (*h == ' ' || *h == '\t'))
            h++;
        if (end - h < 6 || strncasecmp((const char *)h, "basic ", 6) != 0)
            return 0;
        h += 6;
        while (h < end && *h == ' ')
            h++;
        basic_user(h, (size_t)(end - h), user, userlen);
        return 1;
    }
    return 0;
}

/* What the messages say of the user name, in the placeholders user and
 * user@ja: "(ユーザー NAME)" and " (user NAME)", or ", user NAME" in the FTP
 * message (variant 2), which names it inside its own brackets ("(FTP, user
 * NAME)"); empty when no name was seen (an FTP "USER" with none, a Basic
 * token with an empty user): left out rather than "-" / "不明" (until
 * session 24: "(user -)", "(ユーザー 不明)"). */
struct user_note {
    char en[USER_MAX + 16], ja[USER_MAX + 24];
};

static void user_note(const char *user, unsigned variant, struct user_note *out)
{
    out->en[0] = out->ja[0] = '\0';
    if (!user[0])
        return;
    snprintf(out->en, sizeof out->en, variant == 2 ? ", user %s" : " (user %s)", user);
    snprintf(out->ja, sizeof out->ja, "(ユーザー %s)", user);
}

/* A TCP segment with payload in a flow that has not alerted yet. Kept out
 * of line so that the many packets cleartext_packet turns away cost no
 * stack frame. */
static __attribute__((noinline)) void check_segment(struct mm__detect_basic *st,
                                                    struct mm_sensor *s, const struct mm_packet *p)
{
    char user[USER_MAX];
    bool client_is_src;
    unsigned variant = classify(p, user, sizeof user, &client_is_src);
    if (!variant)
        return;
    const struct mm_addr *client = client_is_src ? &p->src : &p->dst,
                         *server = client_is_src ? &p->dst : &p->src;
    uint64_t key = mm__keyed_addr(server, mm__keyed_addr(client, variant));
    if (!mm__suppress_allow(st->sup, key, mm__detect_now(s), st->window))
        return;
    if (p->flow)
        p->flow->detector_flags |= MM__DF_CLEARTEXT_SEEN;
    const struct mm__alert_at at = {.pkt = p};
    struct user_note note;
    user_note(user, variant, &note);
    json_t *vars = json_pack("{s:o, s:o, s:s, s:s}", "src", mm__json_addr(client), "dst",
                             mm__json_addr(server), "user", note.en, "user@ja", note.ja);
    json_t *evidence = json_pack("{s:s, s:o, s:o, s:i, s:s}", "protocol",
                                 variant == 1   ? "http"
                                 : variant == 2 ? "ftp"
                                                : "telnet",
                                 "client", mm__json_addr(client), "server", mm__json_addr(server),
                                 "server_port", client_is_src ? p->dport : p->sport, "user", user);
    mm__detect_raise(s, NAME, variant, &at, vars, evidence, NULL);
}

static void cleartext_packet(void *state, struct mm_sensor *s, const struct mm_packet *p)
{
    if (!p->ip_version || p->ip_proto != 6 || p->payload_len == 0 || !p->payload)
        return;
    if (p->flow && (p->flow->detector_flags & MM__DF_CLEARTEXT_SEEN))
        return; /* classify has no side effects: a flow that alerted is done */
    check_segment(state, s, p);
}

const struct mm_detector mm_detector_cleartext_credentials = {
    .name = NAME,
    .settings = settings,
    .init = cleartext_init,
    .on_packet = cleartext_packet,
    .packets = MM_PKT_TCP_DATA,
    .free = mm__detect_basic_free,
};
