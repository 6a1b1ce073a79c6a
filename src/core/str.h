/* SPDX-License-Identifier: Apache-2.0
 * Small string helpers: UTF-8 validation, trimming, prefixes, decimal
 * numbers, ASCII lower case, where a message's first sentence ends. */
#ifndef MM_CORE_STR_H
#define MM_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when p[0..n) is well-formed UTF-8 (no overlongs, no surrogates). On
 * failure *bad_offset (if not NULL) gets the offset of the first bad byte. */
bool mm_utf8_valid(const char *p, size_t n, size_t *bad_offset);

/* Length of the well-formed UTF-8 sequence at p[0..left) (left >= 1): 1 for
 * an ASCII byte, 2-4 for a sequence (no overlong, no surrogate, at most
 * U+10FFFF), 0 when p does not start with one or it is cut at left. */
size_t mm_utf8_seq_len(const unsigned char *p, size_t left);

/* Length of the character at p (NUL-terminated) that must not reach a
 * terminal as it is, 0 for any other: a C0 control or DEL (1 byte), a C1
 * control U+0080-U+009F (2; U+009B is CSI on some terminals), a bidi
 * mark LRM, RLM (3) or ALM U+061C (2), embedding, override or isolate
 * U+202A-U+202E, U+2066-U+2069 (3; they reorder the text shown after
 * them). Text output replaces it (a space); the centre's names refuse it
 * (mm_name_plain). */
size_t mm_text_control_len(const char *p);

/* Cuts an incomplete UTF-8 sequence off the end of s[0..len) (what cutting
 * a longer text at len leaves of its last multibyte character), writes '\0'
 * at the new end (s has room for len + 1 bytes) and returns the new length.
 * The one cutting rule of the code base: the last lead byte (C0-FF) and the
 * continuation bytes after it go when they are fewer than its high bits
 * announce (110xxxxx 2, 1110xxxx 3, 1111xxxx 4), so a lead byte that cannot
 * start a valid sequence (C0, C1, F5-FF) left at the cut goes too. Complete
 * characters and other bytes stay (stray continuation bytes, a C0 80): text
 * that is valid UTF-8 when whole keeps its longest valid prefix. For writers
 * that truncate text to a buffer's size. */
size_t mm_utf8_trim_tail(char *s, size_t len);

/* The length in bytes of the first sentence of s, its full stop included:
 * up to the first 。, or . ! ? followed by one white space and a character
 * that is not a lower-case a-z (nor white space),
 * that is outside brackets (「」『』（）()【】［］[]〔〕) and double quotes
 * (" “”); strlen(s) when there is none. Text whose brackets or quotes never
 * close is read as if it had none. The web UI's rule for an alert's headline
 * (data/web/js/sentence.js), for the centre's titles and mail subjects. */
size_t mm_first_sentence_len(const char *s);

/* Counts code points of valid UTF-8 (display width is not attempted). */
size_t mm_utf8_len(const char *s);

/* The text after a UTF-8 byte-order mark (EF BB BF) at p, with *len
 * shortened by it; p itself when there is none. Windows Notepad and Excel
 * start UTF-8 files with one; JSON and INI readers skip it. */
static inline const char *mm_utf8_skip_bom(const char *p, size_t *len)
{
    if (*len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF) {
        *len -= 3;
        return p + 3;
    }
    return p;
}

/* Folds full-width ASCII (U+FF01..U+FF5E, what a Japanese input method
 * types while it is on: "１２", "Ｙｅｓ") to the ASCII characters and the
 * ideographic space U+3000 to a space, in place (the text only shrinks);
 * returns s. Other text is left as it is. */
char *mm_str_fold_fullwidth(char *s);

/* Trims ASCII white space at both ends, in place; returns s. */
char *mm_str_trim(char *s);

/* True when s[0..len) holds nothing but spaces, tabs and line ends (also
 * when len is 0): an "empty" file as a person sees it. */
bool mm_str_blank(const char *s, size_t len);
bool mm_str_prefix(const char *s, const char *prefix);
bool mm_str_suffix(const char *s, const char *suffix);

/* Copies at most outlen-1 bytes and always terminates; returns strlen(src).
 * For identifiers and ASCII; text a person reads goes by mm_strlcpy_utf8. */
size_t mm_strlcpy(char *out, const char *src, size_t outlen);

/* mm_strlcpy for text a person reads (messages, names, values quoted in an
 * error): when src does not fit, the copy is cut between characters by
 * mm_utf8_trim_tail's rule, never inside one. Returns strlen(src). */
size_t mm_strlcpy_utf8(char *out, const char *src, size_t outlen);

/* v in decimal into out (always terminated), without printf: hot paths
 * (EVE numbers, indicator texts). Returns the number of digits. */
#define MM_U64_STRLEN 21
size_t mm_str_u64(uint64_t v, char out[MM_U64_STRLEN]);

/* s as an index written the one canonical way, 1..max in decimal: digits
 * only, no sign, no leading zero, no space, nothing after (what mamori
 * diagnose writes as the self-diagnosis item keys "1".."25"). Returns the
 * number, or 0 when s is anything else or above max (no overflow however
 * long s is). */
int mm_str_index(const char *s, int max);

/* s as a whole number the way a person writes one on a command line or in
 * a settings file, within [min, max]: decimal digits only (leading zeros
 * allowed), a '-' before them only when min is below 0; no white space, no
 * '+', nothing after, not empty (what strtol and strtoul let through: " 5",
 * "+5", "5x" read as 5, strtoul's "-1" as the largest number). 0 with *out
 * set, or MM_EINVAL (then *out is 0), also when s is NULL or the number is
 * beyond int64_t (no overflow however long s is). */
int mm_str_int64(const char *s, int64_t min, int64_t max, int64_t *out);

/* "00" to "99" back to back: v's two digits are at mm_decimal_pairs + 2 * v
 * (0 <= v <= 99): the table of mm_str_u64 and the JA3 writer (decode-tls.c). */
extern const char mm_decimal_pairs[201];

/* ASCII lower case of c: what tolower() answers in the "C" locale, which
 * every program here keeps (none calls setlocale), without a call and a
 * locale table per byte. Bytes other than 'A'-'Z' are returned unchanged. */
static inline char mm_ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + ('a' - 'A')) : c;
}

/* dst[i] = mm_ascii_lower(src[i]) for i < n; dst may be src (in place). */
static inline void mm_ascii_lower_n(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = mm_ascii_lower(src[i]);
}

/* Lower-cases ASCII letters in place (mm_ascii_lower); returns s. */
char *mm_str_lower(char *s);

#endif
