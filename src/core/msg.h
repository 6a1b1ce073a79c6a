/* SPDX-License-Identifier: Apache-2.0
 * Messages a person reads on stderr (log lines, error messages, reports) in
 * the language the program chose once at start-up: --lang where the program
 * has it, else LC_ALL, LC_MESSAGES, LANG (mm_lang_select), else English.
 * The texts live in data/i18n/<domain>.json like every other text; a
 * message text is a printf format, and its "ja" and "en" forms take the same
 * conversions in the same order (tests/unit/core/test-core-msg.c checks it).
 * Machine-relevant parts (the "time prog[pid]: level:" prefix of mm_log,
 * file names, numbers, error codes) stay the same in both languages. */
#ifndef MM_CORE_MSG_H
#define MM_CORE_MSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "core/i18n.h"
#include "core/log.h"

/* Sets the language of every later message. Call it before starting threads. */
void mm_msg_set_lang(enum mm_lang lang);

/* The message language; until mm_msg_set_lang is called, the environment's
 * (mm_lang_select(NULL)). */
enum mm_lang mm_msg_lang(void);

/* Chooses the message language from "--lang X" or "--lang=X" in argv (the
 * last one wins; arguments after "--" are not options), else from the
 * environment. Returns 0, or MM_EINVAL when the value is neither ja nor en
 * (the environment's language is used then; the caller reports the error). */
int mm_msg_lang_from_args(int argc, char *const *argv);

/* The text of key in data/i18n/<domain>.json in the message language (the
 * key itself when missing, as mm_tr). Lives as long as the program. */
const char *mm_msg(const char *domain, const char *key);

/* The message for an MM_E* code in the message language (data/i18n/errors.json,
 * keyed by the symbolic name; mm_strerror's English text as a fallback). */
const char *mm_msg_strerror(int code);

/* Formats the message key with the arguments into buf (always terminated;
 * cut when too long, at the last whole UTF-8 character that fits, so a
 * Japanese text or a multibyte argument is never left half a character).
 * Returns what vsnprintf returns: the untruncated length, so a value >= len
 * still tells the caller that the text was cut. */
int mm_msg_format(char *buf, size_t len, const char *domain, const char *key, ...);
int mm_msg_vformat(char *buf, size_t len, const char *domain, const char *key, va_list ap);

/* Writes "prog: " and the formatted message and a newline to out in one
 * write (lines from several threads do not mix). */
void mm_msg_print(FILE *out, const char *prog, const char *domain, const char *key, ...);

/* mm_log with a translated message: "time prog[pid]: level: " then the text. */
void mm_log_tr(enum mm_log_level level, const char *domain, const char *key, ...);

#endif
