/* SPDX-License-Identifier: Apache-2.0
 * Owns the text of emergency mail: the templates in data/center/mail/
 * (NAME.LANG.txt whose first line is "Subject: ...", and NAME.LANG.html),
 * {{name}} substitution (mm_fill; HTML-escaped in the HTML part; the sensor's
 * text and the tenant's name defanged, mm_mail_defang), the short strings
 * in data/center/mail/strings.json, and the MIME message: RFC 2047 encoded
 * subject, Date, Message-ID, multipart/alternative with UTF-8 base64 parts. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "center/alerts.h"
#include "center/mail.h"
#include "center/report.h"
#include "center/store.h"
#include "center/vendor.h"
#include "core/data.h"
#include "core/error.h"
#include "core/hash.h"
#include "core/str.h"

#define TITLE_MAX  90 /* bytes of the subject's title */
#define VAR_MAX    24
#define PART_MAX   ((size_t)1 << 20) /* bytes of the subject, the text or the HTML */
#define WORD_BYTES 45                /* raw bytes per encoded-word: 60 base64 characters */

struct var {
    const char *name;
    const char *text; /* escaped in HTML unless html is set */
    const char *html; /* raw HTML for the HTML part, or NULL */
};

struct vars {
    struct var v[VAR_MAX];
    int n;
};

static void var_set(struct vars *vs, const char *name, const char *text, const char *html)
{
    if (vs->n < VAR_MAX)
        vs->v[vs->n++] = (struct var){name, text ? text : "", html};
}

void mm_mail_text_free(struct mm_mail_text *t)
{
    if (!t)
        return;
    free(t->subject);
    free(t->text);
    free(t->html);
    memset(t, 0, sizeof *t);
}

/* Expands {{name}} in tmpl into out (mm_fill); in the HTML part a var's
 * html, else its text escaped. Unknown names expand to nothing. */
static int expand(const char *tmpl, const struct vars *vs, bool html, struct mm_buf *out)
{
    struct mm_fill_var fv[VAR_MAX];
    struct mm_buf esc[VAR_MAX];
    int r = 0;
    for (int i = 0; i < vs->n; i++) {
        const struct var *v = &vs->v[i];
        mm_buf_init(&esc[i]);
        fv[i] = (struct mm_fill_var){v->name, html && v->html ? v->html : v->text};
        if (html && !v->html && r == 0 && (r = mm_buf_html_escape(&esc[i], v->text)) == 0)
            fv[i].value = mm_buf_str(&esc[i]);
    }
    if (r == 0)
        r = mm_fill(out, PART_MAX, tmpl, fv, (size_t)vs->n, MM_FILL_DOUBLE | MM_FILL_DROP_UNKNOWN);
    for (int i = 0; i < vs->n; i++)
        mm_buf_free(&esc[i]);
    return r;
}

/* Renders template NAME.LANG.{txt,html}; the text's first line is the subject. */
static int render(const char *name, enum mm_lang lang, const struct vars *vs,
                  struct mm_mail_text *out)
{
    char path[128];
    const unsigned char *txt, *html;
    size_t len;
    struct mm_buf s = MM_BUF_INIT, t = MM_BUF_INIT, h = MM_BUF_INIT;
    memset(out, 0, sizeof *out);
    snprintf(path, sizeof path, "center/mail/%s.%s.txt", name, mm_lang_code(lang));
    int r = mm_data_find(path, &txt, &len);
    snprintf(path, sizeof path, "center/mail/%s.%s.html", name, mm_lang_code(lang));
    if (r == 0)
        r = mm_data_find(path, &html, &len);
    if (r != 0)
        return r;
    const char *body = strstr((const char *)txt, "\n\n");
    const char *subj = (const char *)txt;
    if (strncmp(subj, "Subject: ", 9) != 0 || !body)
        return MM_EPARSE;
    char *line = strndup(subj + 9, (size_t)(strchr(subj, '\n') - subj - 9));
    if (!line)
        return MM_ENOMEM;
    r = expand(line, vs, false, &s);
    free(line);
    if (r == 0)
        r = expand(body + 2, vs, false, &t);
    if (r == 0)
        r = expand((const char *)html, vs, true, &h);
    if (r == 0) {
        out->subject = mm_buf_take(&s);
        out->text = mm_buf_take(&t);
        out->html = mm_buf_take(&h);
        if (!out->subject || !out->text || !out->html) {
            mm_mail_text_free(out);
            r = MM_ENOMEM;
        }
    }
    mm_buf_free(&s);
    mm_buf_free(&t);
    mm_buf_free(&h);
    return r;
}

/* A short string from strings.json (borrowed from the cached document). */
static const char *str_of(const char *key, enum mm_lang lang)
{
    static json_t *doc; /* loaded once, kept for the program's life */
    if (!__atomic_load_n(&doc, __ATOMIC_ACQUIRE)) {
        json_t *d = NULL;
        if (mm_data_json("center/mail/strings.json", &d) != 0)
            return "";
        json_t *expected = NULL;
        if (!__atomic_compare_exchange_n(&doc, &expected, d, false, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            json_decref(d);
    }
    const char *s = mm_text(json_object_get(doc, key), lang);
    return s ? s : "";
}

/* usec as local time of the report zone ([reports] timezone, default Japan):
 * an SME reads its mails in the same time as its monthly report. */
static void format_time(int64_t usec, char *out, size_t outlen)
{
    struct tm tm;
    mm_zone_localtime(mm_report_zone(), usec / 1000000, &tm, NULL);
    strftime(out, outlen, "%Y-%m-%d %H:%M:%S", &tm);
}

/* The name printed after the times: "日本時間" / "Japan time", else the zone's name. */
static const char *zone_label(enum mm_lang lang)
{
    const struct mm_zone *z = mm_report_zone();
    return mm_zone_is_japan(z) ? str_of("zone.japan", lang) : mm_zone_name(z);
}

/* The first sentence of s (mm_first_sentence_len: the web UI's headline),
 * without its full stop when more text follows, at most TITLE_MAX bytes, cut
 * on a UTF-8 boundary. */
static void first_sentence(const char *s, char *out, size_t outlen)
{
    size_t n = strlen(s), cut = mm_first_sentence_len(s);
    if (cut < n && cut >= 3 && memcmp(s + cut - 3, "。", 3) == 0)
        cut -= 3;
    else if (cut < n && s[cut - 1] == '.')
        cut--;
    if (cut > TITLE_MAX)
        cut = TITLE_MAX;
    while (cut > 0 && cut < n && ((unsigned char)s[cut] & 0xC0) == 0x80)
        cut--;
    if (cut >= outlen)
        cut = outlen - 1;
    memcpy(out, s, cut);
    out[cut] = '\0';
}

/* The texts of one alert for a mail. The sensor's fields (message,
 * signature, device, addresses) are defanged (mm_mail_defang): a stolen
 * sensor key must not put a working link into a mail from the vendor. */
struct alert_texts {
    const char *what, *what_title, *now, *threat;
    struct mm_buf msg, signature, device, src_ip, dest_ip; /* defanged */
    char title[TITLE_MAX + 8], first_seen[32], alert_id[24];
};

static void alert_texts_free(struct alert_texts *x)
{
    mm_buf_free(&x->msg);
    mm_buf_free(&x->signature);
    mm_buf_free(&x->device);
    mm_buf_free(&x->src_ip);
    mm_buf_free(&x->dest_ip);
}

/* The words for a severity level (1-4; anything else reads as 4). */
static const char *severity_text(int severity, enum mm_lang lang)
{
    char key[16];
    snprintf(key, sizeof key, "severity.%d", severity >= 1 && severity <= 4 ? severity : 4);
    return str_of(key, lang);
}

static int alert_texts(const struct mm_alert *a, enum mm_lang lang, struct alert_texts *x)
{
    const json_t *ex = mm_alert_explanation(a->signature_id, a->detector);
    const char *raw = lang == MM_LANG_JA ? a->message_ja : a->message_en;
    memset(x, 0, sizeof *x);
    int r = mm_mail_defang(*raw ? raw : a->signature, &x->msg);
    r |= mm_mail_defang(a->signature, &x->signature);
    r |= mm_mail_defang(a->device, &x->device);
    r |= mm_mail_defang(a->src_ip, &x->src_ip);
    r |= mm_mail_defang(a->dest_ip, &x->dest_ip);
    if (r != 0) {
        alert_texts_free(x);
        return MM_ENOMEM;
    }
    const char *msg = mm_buf_str(&x->msg);
    x->what = msg;
    /* One next step: a sensor's message ends with its own, and its kind's
     * explanation has none; an alert without one (another tool's, an older
     * sensor's, the centre's own) takes a "now" (mm_alert_now) in a section
     * of its own, per language: an older sensor's English message has its
     * step, its Japanese filler none. */
    x->now = ex ? mm_alert_now(a, lang) : str_of("no_explanation", lang);
    x->what_title = str_of(x->now ? "what.title" : "what_todo.title", lang);
    x->threat = ex ? mm_text(json_object_get(ex, "threat"), lang) : "";
    if (!*x->threat) /* no catalogue, or a kind without a threat text */
        x->threat = mm_buf_str(&x->signature);
    first_sentence(msg, x->title, sizeof x->title);
    format_time(a->first_seen, x->first_seen, sizeof x->first_seen);
    snprintf(x->alert_id, sizeof x->alert_id, "%lld", (long long)a->id);
    return 0;
}

/* The optional link line (text) and paragraph (HTML) to the web UI. A
 * base_url written with a closing slash ("https://host/") gives the same
 * link as one without: path starts with its own slash. */
static int link_vars(const char *base_url, const char *path, enum mm_lang lang, struct mm_buf *text,
                     struct mm_buf *html)
{
    if (!base_url || !*base_url)
        return 0;
    struct mm_buf url = MM_BUF_INIT;
    size_t n = strlen(base_url);
    while (n > 0 && base_url[n - 1] == '/')
        n--;
    int r = mm_buf_printf(&url, "%.*s%s", (int)n, base_url, path);
    if (r == 0)
        r = mm_buf_printf(text, "\n%s%s\n", str_of("link", lang), mm_buf_str(&url));
    if (r == 0)
        r = mm_buf_puts(html, "<p><a href=\"");
    if (r == 0)
        r = mm_buf_html_escape(html, mm_buf_str(&url));
    mm_buf_free(&url);
    if (r == 0)
        r = mm_buf_puts(html, "\">");
    if (r == 0)
        r = mm_buf_html_escape(html, str_of("link", lang));
    if (r == 0)
        r = mm_buf_puts(html, "</a></p>");
    return r;
}

/* The "what to do now" section (text and HTML), empty without a step of
 * the explanation's own (the alert's message then says it). */
static int now_vars(const char *now, enum mm_lang lang, struct mm_buf *text, struct mm_buf *html)
{
    if (!now)
        return 0;
    int r = mm_buf_printf(text, "\n%s\n%s\n", str_of("now.title_text", lang), now);
    if (r == 0)
        r = mm_buf_puts(html, "<h2>");
    if (r == 0)
        r = mm_buf_html_escape(html, str_of("now.title", lang));
    if (r == 0)
        r = mm_buf_puts(html, "</h2>\n<p>");
    if (r == 0)
        r = mm_buf_html_escape(html, now);
    if (r == 0)
        r = mm_buf_puts(html, "</p>");
    return r;
}

/* The closing advice of a mail (kind "alert" or "digest"): unplug and call
 * the IT company, or, with a [vendor] contact (vendor.h), unplug, then whom
 * to call on which number on a line of its own (a <br> in the HTML part,
 * where a line break would show as a space; each line escaped). */
static int call_var(const char *kind, enum mm_lang lang, struct mm_buf *text, struct mm_buf *html)
{
    char key[32];
    bool named = mm_vendor_set();
    snprintf(key, sizeof key, "call.%s%s", kind, named ? "_unplug" : "");
    struct mm_buf who = MM_BUF_INIT;
    int r = named ? mm_vendor_call(&who, lang) : 0;
    if (r == 0)
        r = mm_buf_puts(text, str_of(key, lang));
    if (r == 0)
        r = mm_buf_html_escape(html, str_of(key, lang));
    if (r == 0 && named)
        r = mm_buf_putc(text, '\n');
    if (r == 0 && named)
        r = mm_buf_puts(text, mm_buf_str(&who));
    if (r == 0 && named)
        r = mm_buf_puts(html, "<br>\n");
    if (r == 0 && named)
        r = mm_buf_html_escape(html, mm_buf_str(&who));
    mm_buf_free(&who);
    return r;
}

/* The alert mail (template "alert") or the severity-rise mail ("rise",
 * from_severity > 0: the level before the rise). The tenant's name is
 * defanged like the sensor's text: an SME owner chooses it (PATCH
 * /api/v1/tenants/N), and the mail goes out from the vendor's address. */
static int render_alert_mail(const char *name, const struct mm_alert *a, int from_severity,
                             const char *tenant, enum mm_lang lang, const char *base_url,
                             struct mm_mail_text *out)
{
    struct alert_texts x;
    struct vars vs = {.n = 0};
    struct mm_buf lt = MM_BUF_INIT, lh = MM_BUF_INIT, nt = MM_BUF_INIT, nh = MM_BUF_INIT;
    struct mm_buf tn = MM_BUF_INIT;
    struct mm_buf call = MM_BUF_INIT, callh = MM_BUF_INIT;
    char path[64], count[24];
    memset(out, 0, sizeof *out);
    if (alert_texts(a, lang, &x) != 0)
        return MM_ENOMEM;
    snprintf(path, sizeof path, "/alerts/%lld", (long long)a->id);
    snprintf(count, sizeof count, "%lld", (long long)a->count);
    int r = mm_mail_defang(tenant, &tn);
    if (r == 0)
        r = link_vars(base_url, path, lang, &lt, &lh);
    if (r == 0)
        r = now_vars(x.now, lang, &nt, &nh);
    if (r == 0)
        r = call_var("alert", lang, &call, &callh);
    const char *none = str_of("none", lang);
    var_set(&vs, "tenant", mm_buf_str(&tn), NULL);
    var_set(&vs, "title", x.title, NULL);
    var_set(&vs, "what_title", x.what_title, NULL);
    var_set(&vs, "what", x.what, NULL);
    var_set(&vs, "now", mm_buf_str(&nt), mm_buf_str(&nh));
    var_set(&vs, "threat", x.threat, NULL);
    var_set(&vs, "severity", severity_text(a->severity, lang), NULL);
    var_set(&vs, "from_severity", severity_text(from_severity, lang), NULL);
    var_set(&vs, "count", count, NULL);
    var_set(&vs, "device", *a->device ? mm_buf_str(&x.device) : none, NULL);
    var_set(&vs, "src_ip", *a->src_ip ? mm_buf_str(&x.src_ip) : none, NULL);
    var_set(&vs, "dest_ip", *a->dest_ip ? mm_buf_str(&x.dest_ip) : none, NULL);
    var_set(&vs, "first_seen", x.first_seen, NULL);
    var_set(&vs, "time_zone", zone_label(lang), NULL);
    var_set(&vs, "signature", mm_buf_str(&x.signature), NULL);
    var_set(&vs, "alert_id", x.alert_id, NULL);
    var_set(&vs, "link", mm_buf_str(&lt), mm_buf_str(&lh));
    var_set(&vs, "call", mm_buf_str(&call), mm_buf_str(&callh));
    if (r == 0)
        r = render(name, lang, &vs, out);
    mm_buf_free(&tn);
    mm_buf_free(&call);
    mm_buf_free(&callh);
    mm_buf_free(&lt);
    mm_buf_free(&lh);
    mm_buf_free(&nt);
    mm_buf_free(&nh);
    alert_texts_free(&x);
    return r;
}

int mm_mail_render_alert(const struct mm_alert *a, const char *tenant, enum mm_lang lang,
                         const char *base_url, struct mm_mail_text *out)
{
    return render_alert_mail("alert", a, 0, tenant, lang, base_url, out);
}

int mm_mail_render_rise(const struct mm_alert *a, int from_severity, const char *tenant,
                        enum mm_lang lang, const char *base_url, struct mm_mail_text *out)
{
    return render_alert_mail("rise", a, from_severity, tenant, lang, base_url, out);
}

/* One digest line per alert: time, device, title. */
static int digest_items(const struct mm_alert *items, size_t n, size_t count, enum mm_lang lang,
                        struct mm_buf *text, struct mm_buf *html)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < n; i++) {
        struct alert_texts x;
        if (alert_texts(&items[i], lang, &x) != 0)
            return MM_ENOMEM;
        const char *dev = mm_buf_str(*items[i].device ? &x.device : &x.src_ip);
        r = mm_buf_printf(text, "%zu. %s  %s  %s\n", i + 1, x.first_seen, dev, x.title);
        if (r == 0)
            r = mm_buf_printf(html, "<li>%s ", x.first_seen);
        if (r == 0)
            r = mm_buf_html_escape(html, dev);
        if (r == 0)
            r = mm_buf_puts(html, " ");
        if (r == 0)
            r = mm_buf_html_escape(html, x.title);
        if (r == 0)
            r = mm_buf_puts(html, "</li>\n");
        alert_texts_free(&x);
    }
    if (r == 0 && count > n)
        r = mm_buf_printf(text, "... (+%zu)\n", count - n);
    if (r == 0 && count > n)
        r = mm_buf_printf(html, "<li>... (+%zu)</li>\n", count - n);
    return r;
}

int mm_mail_render_digest(const struct mm_alert *items, size_t n, size_t count, const char *tenant,
                          enum mm_lang lang, int window_minutes, const char *base_url,
                          struct mm_mail_text *out)
{
    struct vars vs = {.n = 0};
    struct mm_buf it = MM_BUF_INIT, ih = MM_BUF_INIT, lt = MM_BUF_INIT, lh = MM_BUF_INIT;
    struct mm_buf tn = MM_BUF_INIT;
    struct mm_buf call = MM_BUF_INIT, callh = MM_BUF_INIT;
    char cnt[24], win[24];
    memset(out, 0, sizeof *out);
    snprintf(cnt, sizeof cnt, "%zu", count);
    snprintf(win, sizeof win, "%d", window_minutes);
    int r = mm_mail_defang(tenant, &tn); /* an owner names the tenant */
    if (r == 0)
        r = digest_items(items, n, count, lang, &it, &ih);
    if (r == 0)
        r = link_vars(base_url, "/alerts", lang, &lt, &lh);
    if (r == 0)
        r = call_var("digest", lang, &call, &callh);
    var_set(&vs, "tenant", mm_buf_str(&tn), NULL);
    var_set(&vs, "title", str_of("digest_title", lang), NULL);
    var_set(&vs, "count", cnt, NULL);
    var_set(&vs, "window", win, NULL);
    var_set(&vs, "items", mm_buf_str(&it), mm_buf_str(&ih));
    var_set(&vs, "link", mm_buf_str(&lt), mm_buf_str(&lh));
    var_set(&vs, "call", mm_buf_str(&call), mm_buf_str(&callh));
    if (r == 0)
        r = render("digest", lang, &vs, out);
    mm_buf_free(&tn);
    mm_buf_free(&call);
    mm_buf_free(&callh);
    mm_buf_free(&it);
    mm_buf_free(&ih);
    mm_buf_free(&lt);
    mm_buf_free(&lh);
    return r;
}

/* ---- MIME ----------------------------------------------------------------- */

static bool is_plain_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E)
            return false;
    return true;
}

int mm_mail_header_encode(struct mm_buf *out, const char *s)
{
    if (is_plain_ascii(s))
        return mm_buf_puts(out, s);
    size_t len = strlen(s), off = 0;
    int r = 0;
    while (r == 0 && off < len) {
        size_t take = len - off < WORD_BYTES ? len - off : WORD_BYTES;
        /* never split a UTF-8 sequence between two encoded-words */
        while (take > 0 && off + take < len && ((unsigned char)s[off + take] & 0xC0) == 0x80)
            take--;
        if (take == 0)
            take = 1;
        char b64[WORD_BYTES * 2];
        mm_base64((const uint8_t *)s + off, take, b64, sizeof b64);
        r = mm_buf_printf(out, "%s=?UTF-8?B?%s?=", off ? "\r\n " : "", b64);
        off += take;
    }
    return r;
}

/* Appends text as base64 in lines of 76 characters. */
static int put_base64_body(struct mm_buf *out, const char *text)
{
    size_t len = strlen(text);
    int r = 0;
    for (size_t off = 0; r == 0 && off < len; off += 57) {
        char line[80];
        size_t take = len - off < 57 ? len - off : 57;
        mm_base64((const uint8_t *)text + off, take, line, sizeof line);
        r = mm_buf_printf(out, "%s\r\n", line);
    }
    return r;
}

/* One part; its text gets canonical CRLF line ends before encoding. */
static int put_part(struct mm_buf *out, const char *boundary, const char *type, const char *body)
{
    struct mm_buf crlf = MM_BUF_INIT;
    int r = 0;
    for (const char *p = body; r == 0 && *p; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r'))
            r = mm_buf_putc(&crlf, '\r');
        if (r == 0)
            r = mm_buf_putc(&crlf, *p);
    }
    if (r == 0)
        r = mm_buf_printf(out,
                          "--%s\r\nContent-Type: %s; charset=UTF-8\r\n"
                          "Content-Transfer-Encoding: base64\r\n\r\n",
                          boundary, type);
    if (r == 0)
        r = put_base64_body(out, mm_buf_str(&crlf));
    mm_buf_free(&crlf);
    return r;
}

int mm_mail_compose(const char *from, const char *to, const struct mm_mail_text *t,
                    const char *message_id, int64_t date, char **out)
{
    struct mm_buf m = MM_BUF_INIT;
    char when[64], boundary[96];
    time_t secs = (time_t)(date / 1000000);
    struct tm tm;
    *out = NULL;
    if (strpbrk(from, "\r\n") || strpbrk(to, "\r\n") || strpbrk(message_id, "\r\n<>"))
        return MM_EINVAL;
    gmtime_r(&secs, &tm);
    /* RFC 5322 date; English names regardless of the locale */
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    snprintf(when, sizeof when, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    snprintf(boundary, sizeof boundary, "=_mamori_%.60s", message_id);
    for (char *p = boundary; *p; p++)
        if (*p == '@')
            *p = '_';
    int r = mm_buf_printf(&m, "From: %s\r\nTo: %s\r\nSubject: ", from, to);
    if (r == 0)
        r = mm_mail_header_encode(&m, t->subject);
    if (r == 0)
        r = mm_buf_printf(&m,
                          "\r\nDate: %s\r\nMessage-ID: <%s>\r\nMIME-Version: 1.0\r\n"
                          "Auto-Submitted: auto-generated\r\n"
                          "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n"
                          "This is a MIME message in plain text and HTML.\r\n",
                          when, message_id, boundary);
    if (r == 0)
        r = put_part(&m, boundary, "text/plain", t->text);
    if (r == 0)
        r = put_part(&m, boundary, "text/html", t->html);
    if (r == 0)
        r = mm_buf_printf(&m, "--%s--\r\n", boundary);
    if (r == 0 && !(*out = mm_buf_take(&m)))
        r = MM_ENOMEM;
    mm_buf_free(&m);
    return r;
}
