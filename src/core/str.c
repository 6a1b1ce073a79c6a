/* SPDX-License-Identifier: Apache-2.0
 * Owns the small string helpers (UTF-8 validation, trimming, the end of a
 * message's first sentence). */
#include "core/str.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "core/error.h"

/* The length of the UTF-8 sequence lead byte c starts (1 for ASCII), 0 when
 * c cannot start one (a continuation byte, C0, C1, F5-FF). */
static size_t utf8_lead_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xc2 ? 0 : c <= 0xdf ? 2 : c <= 0xef ? 3 : c <= 0xf4 ? 4 : 0;
}

size_t mm_utf8_seq_len(const unsigned char *p, size_t left)
{
    unsigned char c = p[0];
    size_t n = utf8_lead_len(c);
    if (n <= 1)
        return n;
    unsigned cp = c & (0x7fu >> n); /* the lead byte's bits: 5, 4 or 3 */
    if (n > left)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

bool mm_utf8_valid(const char *p, size_t n, size_t *bad_offset)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        size_t k = mm_utf8_seq_len(u + i, n - i);
        if (k == 0) {
            if (bad_offset)
                *bad_offset = i;
            return false;
        }
        i += k;
    }
    return true;
}

size_t mm_text_control_len(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    if (u[0] < 0x20 && u[0] != 0)
        return 1;
    if (u[0] == 0x7f)
        return 1;
    if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
        return 2;
    if (u[0] == 0xd8 && u[1] == 0x9c)
        return 2; /* U+061C ALM */
    if (u[0] != 0xe2 || u[1] == 0)
        return 0;
    if (u[1] == 0x80 && (u[2] == 0x8e || u[2] == 0x8f))
        return 3; /* U+200E LRM, U+200F RLM */
    if (u[1] == 0x80 && u[2] >= 0xaa && u[2] <= 0xae)
        return 3; /* U+202A-U+202E */
    if (u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9)
        return 3; /* U+2066-U+2069 */
    return 0;
}

size_t mm_utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

char *mm_str_fold_fullwidth(char *s)
{
    const unsigned char *in = (const unsigned char *)s;
    char *out = s;
    while (*in) {
        if (in[0] == 0xEF && (in[1] == 0xBC || in[1] == 0xBD) && in[2] >= 0x80 && in[2] <= 0xBF) {
            unsigned cp = 0xFF00u + (in[1] == 0xBD ? 0x40u : 0u) + (in[2] - 0x80u);
            if (cp >= 0xFF01 && cp <= 0xFF5E) {
                *out++ = (char)(cp - 0xFF01 + 0x21);
                in += 3;
                continue;
            }
        } else if (in[0] == 0xE3 && in[1] == 0x80 && in[2] == 0x80) {
            *out++ = ' ';
            in += 3;
            continue;
        }
        *out++ = (char)*in++;
    }
    *out = '\0';
    return s;
}

char *mm_str_trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t lead = strspn(s, " \t\r\n\f\v");
    if (lead)
        memmove(s, s + lead, n - lead + 1);
    return s;
}

bool mm_str_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

bool mm_str_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool mm_str_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The bytes a lead byte announces by its high bits: 110xxxxx 2, 1110xxxx 3,
 * 1111xxxx 4, whether or not it can start a valid sequence (C0, C1 and
 * F5-FF announce 2 and 4 too); 1 below C0 (ASCII, a continuation byte). */
static size_t utf8_announced_len(unsigned char c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

size_t mm_utf8_trim_tail(char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = 0; /* continuation bytes at the end, at most 3 */
    while (k < 3 && k < len && (p[len - 1 - k] & 0xC0) == 0x80)
        k++;
    if (k < len && utf8_announced_len(p[len - 1 - k]) > k + 1)
        len -= k + 1;
    s[len] = '\0';
    return len;
}

size_t mm_strlcpy(char *out, const char *src, size_t outlen)
{
    size_t n = strlen(src);
    if (outlen) {
        size_t k = n < outlen - 1 ? n : outlen - 1;
        memcpy(out, src, k);
        out[k] = '\0';
    }
    return n;
}

size_t mm_strlcpy_utf8(char *out, const char *src, size_t outlen)
{
    size_t n = mm_strlcpy(out, src, outlen);
    if (n >= outlen && outlen)
        mm_utf8_trim_tail(out, outlen - 1);
    return n;
}

/* Brackets a sentence stop inside of does not end the sentence. */
static const char *const SENTENCE_OPEN[] = {"「", "『", "（", "(", "【", "［", "[", "〔"};
static const char *const SENTENCE_CLOSE[] = {"」", "』", "）", ")", "】", "］", "]", "〕"};

/* The length of the string of list (n entries) that s starts with, 0 if none. */
static size_t starts_with_one(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (mm_str_prefix(s, list[i]))
            return strlen(list[i]);
    return 0;
}

/* True when s[i] is . ! ? followed by one white space and then a character
 * that is neither white space nor a lower-case letter (a capital, a digit,
 * a bracket, a placeholder's brace): "e.g. the" goes on. */
static bool latin_stop(const char *s, size_t i)
{
    unsigned char next = (unsigned char)s[i + 2];
    return s[i] && strchr(".!?", s[i]) && isspace((unsigned char)s[i + 1]) && next &&
           !isspace(next) && !(next >= 'a' && next <= 'z');
}

/* The end of the first sentence of s (past its stop), reading brackets and
 * quotes when nested; 0 when none ends; SIZE_MAX when nested and a bracket
 * or quote is still open at the end of s (the whole text is read for it). */
static size_t first_stop(const char *s, bool nested)
{
    size_t depth = 0, k, first = 0;
    bool quoted = false;
    for (size_t i = 0; s[i]; i += k ? k : 1) {
        k = 0;
        if (nested && (k = starts_with_one(s + i, SENTENCE_OPEN,
                                           sizeof SENTENCE_OPEN / sizeof *SENTENCE_OPEN)))
            depth++;
        else if (nested && (k = starts_with_one(s + i, SENTENCE_CLOSE,
                                                sizeof SENTENCE_CLOSE / sizeof *SENTENCE_CLOSE)))
            depth -= depth > 0;
        else if (nested && s[i] == '"')
            quoted = !quoted;
        else if (nested && (mm_str_prefix(s + i, "“") || mm_str_prefix(s + i, "”"))) {
            quoted = mm_str_prefix(s + i, "“");
            k = strlen("“");
        }
        if (depth || quoted || k || first)
            continue;
        if (mm_str_prefix(s + i, "。"))
            first = i + strlen("。");
        else if (latin_stop(s, i))
            first = i + 1;
        if (first && !nested)
            return first;
    }
    return nested && (depth || quoted) ? SIZE_MAX : first;
}

size_t mm_first_sentence_len(const char *s)
{
    size_t end = first_stop(s, true);
    if (end == SIZE_MAX)
        end = first_stop(s, false);
    return end ? end : strlen(s);
}

char *mm_str_lower(char *s)
{
    for (char *p = s; *p; p++)
        *p = mm_ascii_lower(*p);
    return s;
}

/* The number of decimal digits of v (1 for 0): the bit length times
 * log10(2) (1233/4096) gives the power of ten just below or at v, and one
 * comparison settles it, instead of a loop over each digit. */
static size_t decimal_digits(uint64_t v)
{
    /* clang-format off */
    static const uint64_t powers[20] = {
        1ULL, 10ULL, 100ULL, 1000ULL,
        10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
        100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
        1000000000000ULL, 10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
        10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL
    };
    /* clang-format on */
    unsigned bits = 64u - (unsigned)__builtin_clzll(v | 1);
    unsigned t = (bits * 1233u) >> 12;
    return t + (v >= powers[t]) + (v == 0);
}

const char mm_decimal_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";

int mm_str_index(const char *s, int max)
{
    if (s[0] < '1' || s[0] > '9')
        return 0;
    int n = 0;
    for (; *s; s++) {
        int d = *s - '0';
        if (*s < '0' || *s > '9' || d > max || n > (max - d) / 10)
            return 0;
        n = n * 10 + d;
    }
    return n;
}

int mm_str_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    *out = 0;
    if (!s)
        return MM_EINVAL;
    bool neg = *s == '-' && min < 0;
    const char *p = s + neg;
    /* the magnitude, up to 2^63 (INT64_MIN's) */
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (!*p)
        return MM_EINVAL;
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return MM_EINVAL;
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10)
            return MM_EINVAL;
        v = v * 10 + d;
    }
    int64_t n = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    if (n < min || n > max)
        return MM_EINVAL;
    *out = n;
    return 0;
}

size_t mm_str_u64(uint64_t v, char out[MM_U64_STRLEN])
{
    /* two digits per step from a table: half the divisions of one digit per step */
    size_t n = decimal_digits(v), i = n;
    out[n] = '\0';
    while (v >= 100) {
        unsigned two = (unsigned)(v % 100);
        v /= 100;
        out[--i] = mm_decimal_pairs[2 * two + 1];
        out[--i] = mm_decimal_pairs[2 * two];
    }
    if (v >= 10) {
        out[--i] = mm_decimal_pairs[2 * v + 1];
        out[--i] = mm_decimal_pairs[2 * v];
    } else {
        out[--i] = (char)('0' + v);
    }
    return n;
}
