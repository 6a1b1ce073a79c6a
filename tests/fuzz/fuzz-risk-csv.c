/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the asset inventory of `mamori risk`: the bytes are
 * a CSV file. The first byte picks the encoding option (auto, UTF-8, CP932)
 * and whether small limits are used; the rest goes through the CSV reader,
 * the risk sheet, every output in both languages, and the error message.
 * Nothing may crash, leak or read out of bounds, whatever the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assess/risk.h"

/* Largest input looked at: the reader's own limit is 16 MiB. */
#define FUZZ_INPUT_MAX (256 * 1024)

static void render_all(const struct mm_risk_sheet *s)
{
    for (int lang = 0; lang < 2; lang++) {
        struct mm_buf b = MM_BUF_INIT;
        mm_risk_write_csv(s, (enum mm_lang)lang, lang == 1, &b);
        mm_risk_write_json(s, (enum mm_lang)lang, &b);
        mm_risk_write_text(s, (enum mm_lang)lang, &b);
        mm_risk_write_html(s, (enum mm_lang)lang, &b);
        mm_buf_free(&b);
    }
}

/* Every message the command may say for e: the one-line form and, for each
 * listed error (and each kept past the list), its reason and step. */
static void say_errors(const struct mm_risk_error *e, enum mm_lang lang)
{
    struct mm_buf b = MM_BUF_INIT;
    struct mm_risk_error one;
    size_t listed, total;
    mm_risk_error_message(e, lang, &b);
    mm_risk_error_counts(e, &listed, &total);
    for (size_t i = 0; i < listed + mm_risk_error_unlisted(e); i++) {
        mm_risk_error_nth(e, i, &one);
        mm_buf_reset(&b);
        mm_risk_error_reason(&one, lang, &b);
        mm_buf_reset(&b);
        mm_risk_error_step(&one, lang, &b);
    }
    mm_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_INPUT_MAX)
        return 0;
    struct mm_risk_options o = {
        .encoding = (enum mm_csv_encoding)(data[0] % 3),
        .accept_below = 1 + (data[0] >> 4) % 10,
        .max_rows = data[0] & 8 ? 3 : 0,
    };
    struct mm_risk_sheet *s = NULL;
    struct mm_risk_error e;
    if (mm_risk_parse(data + 1, size - 1, &o, &s, &e) == 0) {
        render_all(s);
        mm_risk_sheet_free(s);
    } else {
        for (int lang = 0; lang < 2; lang++)
            say_errors(&e, (enum mm_lang)lang);
    }
    return 0;
}
