/* SPDX-License-Identifier: Apache-2.0
 * Fuzz harness for the in-place capture file reader (src/sensor/
 * capture-file.c). Input: the bytes of a capture file. Read twice: from
 * memory (an exact-size heap copy, so ASan sees any read past the end) and
 * as a file (a memfd) through a 4 KiB read buffer, so records cross
 * refills and larger ones grow the buffer. Every packet's bytes are read
 * and must lie inside the input; both readings must give the same link
 * type, the same packets and the same end (clean end or the same error). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "sensor/capture-file.h"

#define PACKETS_MAX 100000
#define BUFSIZE     4096

/* A memfd holding the input, opened through /proc; NULL when the file
 * source cannot be had (then only the memory reading runs). */
static struct mm__capsrc *open_as_file(const uint8_t *data, size_t size, int *fd)
{
    char path[64];
    struct mm__capsrc *s = NULL;
    *fd = memfd_create("fuzz-capture-file", MFD_CLOEXEC);
    if (*fd < 0)
        return NULL;
    if (write(*fd, data, size) != (ssize_t)size)
        return NULL;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", *fd);
    if (mm__capsrc_open_file(path, BUFSIZE, &s) != 0)
        return NULL;
    return s;
}

static void same_packet(const struct mm_capture_packet *a, const struct mm_capture_packet *b,
                        const uint8_t *buf, size_t size)
{
    if (a->data < buf || a->caplen > size || a->data + a->caplen > buf + size)
        abort(); /* outside the input */
    unsigned sum = 0;
    for (uint32_t i = 0; i < a->caplen; i++)
        sum += a->data[i];
    if (a->ts.tv_sec != b->ts.tv_sec || a->ts.tv_usec != b->ts.tv_usec || a->caplen != b->caplen ||
        a->len != b->len || memcmp(a->data, b->data, a->caplen) != 0)
        abort();
    (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    struct mm__capsrc *mem = NULL, *file = NULL;
    int fd = -1;
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (mm__capsrc_open_memory(buf, size, &mem) != 0)
        goto out;
    file = open_as_file(data, size, &fd);
    if (file && mm__capsrc_linktype(file) != mm__capsrc_linktype(mem))
        abort();
    for (unsigned n = 0; n < PACKETS_MAX; n++) {
        struct mm_capture_packet a, b;
        char ea[512], eb[512];
        int ra = mm__capsrc_next(mem, &a, ea, sizeof(ea));
        int rb = file ? mm__capsrc_next(file, &b, eb, sizeof(eb)) : ra;
        if (ra != rb)
            abort();
        if (ra != MM_CAPTURE_PACKET) {
            if (file && ra == MM_CAPTURE_ERROR && strcmp(ea, eb) != 0)
                abort();
            if (mm__capsrc_offset(mem) > size)
                abort();
            break;
        }
        same_packet(&a, file ? &b : &a, buf, size);
    }
out:
    mm__capsrc_close(mem);
    mm__capsrc_close(file);
    if (fd >= 0)
        close(fd);
    free(buf);
    return 0;
}
