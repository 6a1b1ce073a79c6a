/* SPDX-License-Identifier: Apache-2.0
 * libFuzzer harness for the threat-intel feed readers (intel-feeds.c) and
 * the matchers: the input is a feed file (its format is sniffed as for a
 * real file); after sealing, every line of the input is also tried as an
 * IP (as any address and as a destination), a domain, a URL and a
 * fingerprint, so the normalisers and lookups see hostile strings too. An
 * input whose last byte is a multiple of 8 is also loaded from a file in
 * memory (memfd) read in small pieces (16 to 264 bytes, from that byte):
 * the report and the number of indicators must be those of the whole
 * text.
 * Corpus: tests/fuzz/corpus/intel-feed/. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sensor/intel/intel-int.h"
#include "sensor/intel/intel.h"

#define INPUT_MAX (256 * 1024)

static void probe_line(const struct mm_intel *in, const char *line)
{
    struct mm_intel_hit hit;
    struct mm_addr a;
    if (mm_addr_parse(line, &a) == 0) {
        mm_intel_match_ip(in, &a, 443, &hit);
        mm_intel_match_ip_dest(in, &a, 443, &hit);
    }
    mm_intel_match_domain(in, line, &hit);
    mm_intel_match_url(in, "host.example", line, &hit);
    mm_intel_match_url(in, line, "/", &hit);
    mm_intel_match_hash(in, "ja3", line, &hit);
    mm_intel_match_hash(in, "ja4", line, &hit);
    mm_intel_match_hash(in, "sha1", line, &hit);
}

/* A set of text[0..size) loaded by mm__intel_load_text under path (text is
 * a copy: it is changed in place), its report in *rep. */
static struct mm_intel *whole(const uint8_t *data, size_t size, const char *path,
                              struct mm_intel_file_report *rep)
{
    struct mm_intel *in = NULL;
    char *text = malloc(size + 1);
    if (!text || mm_intel_new(&in) != 0) {
        free(text);
        return NULL;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    mm__intel_load_text(in, path, text, size, rep);
    free(text);
    return in;
}

static bool same_report(const struct mm_intel_file_report *a, const struct mm_intel_file_report *b)
{
    return strcmp(a->format, b->format) == 0 && a->loaded == b->loaded &&
           a->malformed == b->malformed && a->first_bad_line == b->first_bad_line &&
           strcmp(a->first_bad_reason, b->first_bad_reason) == 0;
}

/* The input as a file read in pieces against the whole text. */
static void check_pieces(const uint8_t *data, size_t size)
{
    char path[64];
    struct mm_intel_file_report ra, rb;
    struct mm_intel *a = NULL, *b = NULL;
    int fd = memfd_create("feed", MFD_CLOEXEC);
    if (fd < 0)
        return;
    if (write(fd, data, size) != (ssize_t)size)
        goto out;
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (!(b = whole(data, size, path, &rb)) || mm_intel_new(&a) != 0)
        goto out;
    mm__intel_feed_piece(16 + data[size - 1]);
    int r = mm__intel_load_file(a, path, &ra);
    mm__intel_feed_piece(0);
    if (r == 0 && (mm_intel_seal(a) != 0 || mm_intel_seal(b) != 0 || !same_report(&ra, &rb) ||
                   mm_intel_count(a) != mm_intel_count(b)))
        __builtin_trap(); /* pieces and the whole text disagree */
out:
    mm_intel_free(a);
    mm_intel_free(b);
    close(fd);
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
    if (size > 16 && data[size - 1] % 8 == 0) /* two more sets: not on every input */
        check_pieces(data, size);
    return 0;
}
