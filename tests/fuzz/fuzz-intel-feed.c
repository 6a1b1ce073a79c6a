/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the threat-intel feed readers (intel-feeds.c) and
 * the matchers: the input is a feed file (its format is sniffed as for a
 * real file); after sealing, every line of the input is also tried as an
 * IP, a domain, a URL and a fingerprint, so the normalisers and lookups see
 * hostile strings too. Corpus: tests/fuzz/corpus/intel-feed/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/intel/intel-int.h"
#include "sensor/intel/intel.h"

#define INPUT_MAX (256 * 1024)

static void probe_line(const struct mm_intel *in, const char *line)
{
    struct mm_intel_hit hit;
    struct mm_addr a;
    if (mm_addr_parse(line, &a) == 0)
        mm_intel_match_ip(in, &a, 443, &hit);
    mm_intel_match_domain(in, line, &hit);
    mm_intel_match_url(in, "host.example", line, &hit);
    mm_intel_match_url(in, line, "/", &hit);
    mm_intel_match_hash(in, "ja3", line, &hit);
    mm_intel_match_hash(in, "ja4", line, &hit);
    mm_intel_match_hash(in, "sha1", line, &hit);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mm_intel *in = NULL;
    struct mm_intel_file_report rep;
    if (size > INPUT_MAX || mm_intel_new(&in) != 0)
        return 0;
    char *text = malloc(size + 1), *copy = malloc(size + 1);
    if (!text || !copy)
        goto out;
    memcpy(text, data, size);
    text[size] = '\0';
    memcpy(copy, text, size + 1);
    /* the first byte picks the name: plain, allowlist */
    mm__intel_load_text(in, size && (data[0] & 1) ? "feed-whitelist.txt" : "feed.txt", text, size,
                        &rep);
    mm_intel_seal(in);
    char *save = NULL;
    int lines = 0;
    for (char *l = strtok_r(copy, "\n", &save); l && lines < 64; l = strtok_r(NULL, "\n", &save)) {
        probe_line(in, l);
        lines++;
    }
out:
    free(text);
    free(copy);
    mm_intel_free(in);
    return 0;
}
