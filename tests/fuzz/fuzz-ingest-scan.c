/* SPDX-License-Identifier: Apache-2.0
 * Fuzz harness of the centre's ingest fast path (center/alerts-scan.c):
 * whenever mm_ingest_event_scan accepts a line, the full path
 * (mm_eve_parse_line + mm_ingest_event_from_json) must accept it too and
 * yield the same record. Aborts on a mismatch. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "center/alerts.h"
#include "center/arena.h"
#include "core/eve.h"

static void same(const char *a, const char *b)
{
    if (strcmp(a ? a : "", b ? b : "") != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mm_arena arena = MM_ARENA_INIT;
    struct mm_ingest_event fast, full;
    char why[256];
    json_t *ev = NULL;
    const char *line = (const char *)data;
    if (mm_ingest_event_scan(line, size, &arena, &fast) != 0) {
        mm_arena_free(&arena);
        return 0;
    }
    if (mm_eve_parse_line(line, size, &ev, why, sizeof why) != 0 ||
        mm_ingest_event_from_json(ev, line, size, &full, why, sizeof why) != 0)
        abort(); /* the fast path accepted a line the full path refuses */
    if (fast.seq != full.seq || fast.ts != full.ts || fast.body_len != full.body_len ||
        fast.is_alert != full.is_alert || fast.has_stats != full.has_stats)
        abort();
    same(fast.event_type, full.event_type);
    if (fast.is_alert) {
        if (fast.alert.signature_id != full.alert.signature_id ||
            fast.alert.severity != full.alert.severity)
            abort();
        same(fast.alert.signature, full.alert.signature);
        same(fast.alert.category, full.alert.category);
        same(fast.alert.detector, full.alert.detector);
        same(fast.alert.device, full.alert.device);
        same(fast.alert.src_ip, full.alert.src_ip);
        same(fast.alert.dest_ip, full.alert.dest_ip);
        same(fast.alert.message_ja, full.alert.message_ja);
        same(fast.alert.message_en, full.alert.message_en);
    }
    json_decref(ev);
    mm_arena_free(&arena);
    return 0;
}
