/* SPDX-License-Identifier: Apache-2.0
 * Owns the language of the programs' messages on stderr and the helpers that
 * print them from the ja/en catalogues (core/msg.h). The message texts are
 * printf formats from the embedded catalogues (built into the program, never
 * read at run time), so they are as trusted as a literal format. */
#include "core/msg.h"

#include <stdatomic.h>
#include <string.h>

#include "core/error.h"
#include "core/str.h"

/* -1 until chosen: the environment decides at the first message. */
static atomic_int msg_lang = -1;

void mm_msg_set_lang(enum mm_lang lang)
{
    atomic_store(&msg_lang, (int)lang);
}

enum mm_lang mm_msg_lang(void)
{
    int l = atomic_load(&msg_lang);
    if (l < 0) {
        enum mm_lang env = MM_LANG_EN;
        (void)mm_lang_select(NULL, &env);
        l = (int)env;
        atomic_store(&msg_lang, l);
    }
    return (enum mm_lang)l;
}

/* The value of the last --lang option in argv, or NULL. */
static const char *lang_option(int argc, char *const *argv)
{
    const char *value = NULL;
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strncmp(argv[i], "--lang=", 7) == 0)
            value = argv[i] + 7;
        else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            value = argv[++i];
    }
    return value;
}

int mm_msg_lang_from_args(int argc, char *const *argv)
{
    enum mm_lang lang = MM_LANG_EN;
    const char *opt = lang_option(argc, argv);
    int r = mm_lang_select(opt, &lang);
    if (r != 0)
        (void)mm_lang_select(NULL, &lang);
    mm_msg_set_lang(lang);
    return r;
}

const char *mm_msg(const char *domain, const char *key)
{
    return mm_tr(domain, key, mm_msg_lang());
}

const char *mm_msg_strerror(int code)
{
    const char *name = mm_errname(code);
    const char *text = mm_msg("errors", name);
    return text == name ? mm_strerror(code) : text;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int mm_msg_vformat(char *buf, size_t len, const char *domain, const char *key, va_list ap)
{
    int n = vsnprintf(buf, len, mm_msg(domain, key), ap);
    if (n >= 0 && len > 0 && (size_t)n >= len)
        mm_utf8_trim_tail(buf, len - 1); /* cut between characters, not in one */
    return n;
}
#pragma GCC diagnostic pop

int mm_msg_format(char *buf, size_t len, const char *domain, const char *key, ...)
{
    va_list ap;
    va_start(ap, key);
    int n = mm_msg_vformat(buf, len, domain, key, ap);
    va_end(ap);
    return n;
}

void mm_msg_print(FILE *out, const char *prog, const char *domain, const char *key, ...)
{
    char text[2048]; /* a longer message is cut at a character boundary */
    va_list ap;
    va_start(ap, key);
    mm_msg_vformat(text, sizeof text, domain, key, ap);
    va_end(ap);
    fprintf(out, "%s: %s\n", prog, text);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
void mm_log_tr(enum mm_log_level level, const char *domain, const char *key, ...)
{
    va_list ap;
    va_start(ap, key);
    mm_logv(level, mm_msg(domain, key), ap);
    va_end(ap);
}
#pragma GCC diagnostic pop
