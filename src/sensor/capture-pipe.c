/* SPDX-License-Identifier: Apache-2.0
 * Pipes read for libpcap (capture-pipe.h). The pipe is read into one
 * buffer (256 KiB, grown for a larger record). libpcap reads a
 * fopencookie stream whose read function hands out no byte past what
 * libpcap's next call reads (the limit), so stdio, which reads ahead a
 * buffer at a time, holds nothing once that call is done: the bytes
 * libpcap has not taken are all in our buffer, where they are reckoned.
 * capture.c calls pcap_next_ex once those bytes are all buffered; what
 * libpcap 1.10 reads (savefile.c, sf-pcap.c, sf-pcapng.c):
 *
 *   open: 4 bytes of magic; pcap: the rest of its 24-byte header; pcapng:
 *     the section header block (its length checked: 28 bytes to 1 MiB),
 *     then blocks up to and with the first interface description.
 *   pcap: a record header (16 bytes; 24 for Kuznetzov's magic), then caplen
 *     bytes: caplen after libpcap's swap of the two length fields in
 *     versions before 2.3 (2.3: when caplen > len), and nothing more when
 *     caplen passes 262144 (an error: the maximum of every link type the
 *     sensor decodes; the others are refused before any record is read).
 *   pcapng: blocks, each an 8-byte header then the rest of its total length
 *     (in the first section's byte order, as libpcap reads it); nothing
 *     more after a length libpcap refuses (under 12, not a multiple of 4,
 *     over 16 MiB); blocks that are not packets (interfaces, sections,
 *     statistics, ...) are read on until a packet block (2, 3, 6). Those
 *     it reads past without keeping anything are cut out of our buffer
 *     once whole (blocks_want), so buffering up to a packet block holds
 *     at most one of them.
 *
 * Were that reckoning ever short, libpcap's read would get the rest a byte
 * at a time, waiting in the read function for each (a blocking read, as
 * libpcap's own fread did): slower to stop, never a lost byte. The file
 * header is waited for whole before libpcap's open (mm__pipe_ready, as a
 * record is: capture.c then returns to the sensor's loop between waits,
 * where a SIGHUP reloads), and again at libpcap's first read, in poll,
 * which a stop ends (the open then fails). The wake pipe and the stop are the
 * process's (signals are), the pipe made at the first open and kept. A
 * FIFO is opened without waiting for its writer (capture.c: O_NONBLOCK,
 * then cleared; poll says nothing until a writer has come). (An unbuffered stream
 * was tried: glibc reads a cookie stream of no buffer a byte at a time,
 * 8 times slower than libpcap's own stdin.) */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "sensor/capture-pipe.h"

#define PIPE_BUFFER      (256u * 1024)
#define READ_MIN         (64u * 1024) /* least room a read of the pipe is given */
#define MAX_CAPLEN       262144u
#define PCAP_REC_HDR     16u
#define KUZNETZOV_HDR    24u
#define BLOCK_MIN        12u
#define BLOCK_MAX        (16u * 1024 * 1024)
#define SHB_MIN          28u
#define SHB_MAX          (1024u * 1024)
#define PCAPNG_MAGIC     0x0a0d0d0au
#define BYTE_ORDER_MAGIC 0x1a2b3c4du
#define BT_IDB           1u
#define BT_SHB           PCAPNG_MAGIC
#define LOOKAHEAD_MAX    (2 * BLOCK_MAX) /* kept blocks buffered before a packet */

enum { LENGTHS_KEPT, LENGTHS_SWAPPED, LENGTHS_MAYBE_SWAPPED };

struct mm__pipe {
    int fd;
    FILE *file;   /* libpcap's stream; NULL once closed */
    uint8_t *buf; /* bytes read, libpcap's next at start, up to end */
    size_t cap, start, end;
    bool eof;        /* the pipe's writers are gone */
    int err;         /* a read failed: its errno */
    size_t limit;    /* bytes from start libpcap's call under way reads */
    bool opening;    /* libpcap reads the file header */
    uint8_t head[4]; /* the file's first bytes (its magic) */
    size_t served;   /* bytes handed to libpcap, up to sizeof(head) */
    size_t overread; /* bytes libpcap took past the limit (a short reckoning) */
    bool pcapng, swapped;
    size_t hdrsize; /* pcap: a record's header */
    int lengths;    /* pcap: LENGTHS_* */
};

static volatile sig_atomic_t wake_rd = -1, wake_wr = -1, stopping;
static pthread_once_t wake_once = PTHREAD_ONCE_INIT;

static void wake_init(void)
{
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0) {
        wake_rd = fds[0];
        wake_wr = fds[1];
    }
}

void mm__pipe_wake(bool stop)
{
    int fd = wake_wr, saved = errno;
    if (stop)
        stopping = 1;
    if (fd >= 0)
        (void)!write(fd, "", 1);
    errno = saved;
}

static void wake_drain(void)
{
    char sink[64];
    while (read(wake_rd, sink, sizeof(sink)) > 0)
        ;
}

static uint32_t rd32(const struct mm__pipe *s, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return s->swapped ? __builtin_bswap32(v) : v;
}

/* pcap: the bytes of the record at p (n buffered) that libpcap reads. */
static size_t pcap_want(const struct mm__pipe *s, const uint8_t *p, size_t n)
{
    if (n < s->hdrsize)
        return s->hdrsize;
    uint32_t caplen = rd32(s, p + 8), len = rd32(s, p + 12);
    if (s->lengths == LENGTHS_SWAPPED || (s->lengths == LENGTHS_MAYBE_SWAPPED && caplen > len))
        caplen = len;
    return caplen > MAX_CAPLEN ? s->hdrsize : s->hdrsize + caplen;
}

static bool packet_block(uint32_t type)
{
    return type == 2 || type == 3 || type == 6; /* obsolete, simple, enhanced packet */
}

/* Blocks libpcap keeps: sections and interfaces (it reads past the rest). */
static bool kept_block(uint32_t type)
{
    return type == BT_SHB || type == BT_IDB;
}

/* pcapng: the bytes from s->buf + from that libpcap reads up to and with
 * the next packet block (opening: or interface description), as far as
 * the buffered blocks tell. Whole blocks libpcap would read past
 * (statistics, name resolution, custom, unknown) are cut out of the
 * buffer here, so a writer cannot make it hold more than one of them; the
 * sections and interfaces wanted are bounded by LOOKAHEAD_MAX (past it,
 * libpcap gets what is buffered and reads on as the reckoning's fallback). */
static size_t blocks_want(struct mm__pipe *s, size_t from, bool opening)
{
    size_t pos = from;
    for (;;) {
        if (s->end - pos < 8)
            return pos - from + 8;
        uint32_t type = rd32(s, s->buf + pos), total = rd32(s, s->buf + pos + 4);
        if (total < BLOCK_MIN || total % 4 != 0 || total > BLOCK_MAX)
            return pos - from + 8;
        if (s->end - pos < total || packet_block(type) || (opening && type == BT_IDB))
            return pos - from + total;
        if (rd32(s, s->buf + pos + total - 4) != total) /* libpcap fails at its trailer */
            return pos - from + total;
        if (!kept_block(type) && pos == s->start) { /* libpcap's next: passed over */
            pos += total;
            from = s->start = pos;
            continue;
        }
        if (!kept_block(type)) {
            memmove(s->buf + pos, s->buf + pos + total, s->end - pos - total);
            s->end -= total;
            continue;
        }
        pos += total;
        if (pos - from > LOOKAHEAD_MAX)
            return s->end - from;
    }
}

static bool pcap_magic(uint32_t m)
{
    m = m == 0xa1b2c3d4u || m == 0xa1b2cd34u || m == 0xa1b23c4du ? m : __builtin_bswap32(m);
    return m == 0xa1b2c3d4u || m == 0xa1b2cd34u || m == 0xa1b23c4du;
}

/* The file header libpcap's open reads, from the file's first bytes (all
 * in the buffer yet), as far as they tell (the pcapng byte order goes to s->swapped). A
 * header libpcap refuses ends where libpcap stops reading it. */
static size_t header_want(struct mm__pipe *s)
{
    const uint8_t *p = s->buf;
    size_t n = s->end;
    uint32_t magic, bom;
    if (n < 4)
        return 4;
    memcpy(&magic, p, sizeof(magic));
    if (magic != PCAPNG_MAGIC)
        return pcap_magic(magic) ? 24 : 4;
    if (n < 12)
        return 12;
    memcpy(&bom, p + 8, sizeof(bom));
    if (bom != BYTE_ORDER_MAGIC && bom != __builtin_bswap32(BYTE_ORDER_MAGIC))
        return 12;
    s->swapped = bom != BYTE_ORDER_MAGIC;
    uint32_t total = rd32(s, p + 4);
    if (total < SHB_MIN || total > SHB_MAX)
        return 12;
    if (n < total)
        return total;
    return total + blocks_want(s, total, true);
}

/* The bytes from start that libpcap's next call reads: its open (until
 * mm__pipe_begin), or pcap_next_ex. */
static size_t want(struct mm__pipe *s)
{
    if (s->opening)
        return header_want(s);
    if (s->pcapng)
        return blocks_want(s, s->start, false);
    return pcap_want(s, s->buf + s->start, s->end - s->start);
}

/* Room for need bytes from start, and at least READ_MIN to read into: the
 * unread bytes move to the front, the buffer grows when it must. */
static bool room(struct mm__pipe *s, size_t need)
{
    size_t have = s->end - s->start;
    if (need < have + READ_MIN)
        need = have + READ_MIN;
    if (s->cap - s->start < need && s->start > 0) {
        memmove(s->buf, s->buf + s->start, have);
        s->start = 0;
        s->end = have;
    }
    if (s->cap - s->start >= need)
        return true;
    size_t cap = s->cap;
    while (cap < need)
        cap *= 2;
    uint8_t *b = realloc(s->buf, cap);
    if (!b)
        return false;
    s->buf = b;
    s->cap = cap;
    return true;
}

/* One read of the pipe (it blocks unless poll said it would not), with
 * room for need bytes from start. */
static void fill(struct mm__pipe *s, size_t need)
{
    if (!room(s, need)) {
        s->err = ENOMEM;
        return;
    }
    ssize_t r = read(s->fd, s->buf + s->end, s->cap - s->end);
    if (r > 0)
        s->end += (size_t)r;
    else if (r == 0)
        s->eof = true;
    else if (errno == EAGAIN) /* a descriptor handed over non-blocking */
        (void)poll(&(struct pollfd){.fd = s->fd, .events = POLLIN}, 1, -1);
    else if (errno != EINTR)
        s->err = errno;
}

/* Whether libpcap's next call may start: its bytes are all buffered (it
 * may take them: the limit), or the input has ended or failed (it may take
 * what is left, and then says so). */
static bool settle(struct mm__pipe *s, size_t need)
{
    size_t have = s->end - s->start;
    if (need <= have || s->eof || s->err != 0) {
        s->limit = need < have ? need : have;
        return true;
    }
    return false;
}

/* libpcap's open: waits for the whole file header (in poll: a FIFO's
 * writer may not have come yet, and a read would then say the end). A stop
 * (mm__pipe_wake) ends the wait: the read fails with EINTR. */
static void header_wait(struct mm__pipe *s)
{
    while (!settle(s, header_want(s))) {
        if (stopping) {
            s->err = EINTR;
            continue; /* (settled now) */
        }
        struct pollfd pfd[2] = {{.fd = s->fd, .events = POLLIN}, {.fd = wake_rd, .events = POLLIN}};
        if (poll(pfd, 2, -1) <= 0)
            continue;
        if (pfd[1].revents)
            wake_drain();
        if (pfd[0].revents)
            fill(s, header_want(s));
    }
}

static ssize_t cookie_read(void *cookie, char *out, size_t n)
{
    struct mm__pipe *s = cookie;
    if (s->opening && s->served == 0)
        header_wait(s);
    while (s->start == s->end && !s->eof && s->err == 0)
        fill(s, 0); /* (only when the reckoning above was short) */
    size_t k = s->end - s->start;
    if (k == 0 && s->err != 0) {
        errno = s->err;
        return -1;
    }
    size_t most = s->limit > 0 ? s->limit : 1; /* past the limit: a byte at a time */
    k = k < most ? k : most;
    k = k < n ? k : n;
    s->overread += s->limit > 0 ? 0 : k;
    for (size_t i = 0; s->served < sizeof(s->head) && i < k; i++)
        s->head[s->served++] = s->buf[s->start + i];
    memcpy(out, s->buf + s->start, k);
    s->start += k;
    s->limit -= s->limit >= k ? k : s->limit;
    return (ssize_t)k;
}

static int cookie_close(void *cookie)
{
    struct mm__pipe *s = cookie;
    s->file = NULL;
    return 0;
}

int mm__pipe_open(int fd, struct mm__pipe **out)
{
    pthread_once(&wake_once, wake_init);
    struct mm__pipe *s = calloc(1, sizeof(*s));
    cookie_io_functions_t io = {.read = cookie_read, .close = cookie_close};
    if (s && (s->buf = malloc(PIPE_BUFFER)) != NULL && (s->file = fopencookie(s, "rb", io))) {
        s->fd = fd;
        s->opening = true;
        s->cap = PIPE_BUFFER;
        *out = s;
        return 0;
    }
    if (s)
        free(s->buf);
    free(s);
    if (fd != STDIN_FILENO)
        close(fd);
    return MM_ENOMEM;
}

FILE *mm__pipe_file(struct mm__pipe *s)
{
    return s->file;
}

void mm__pipe_begin(struct mm__pipe *s, bool swapped, int major, int minor)
{
    uint32_t magic;
    memcpy(&magic, s->head, sizeof(magic));
    s->opening = false;
    s->swapped = swapped;
    s->pcapng = magic == PCAPNG_MAGIC;
    s->hdrsize = magic == 0xa1b2cd34u || magic == 0x34cdb2a1u ? KUZNETZOV_HDR : PCAP_REC_HDR;
    if ((major == 2 && minor < 3) || major == 543)
        s->lengths = LENGTHS_SWAPPED;
    else if (major == 2 && minor == 3)
        s->lengths = LENGTHS_MAYBE_SWAPPED;
    else
        s->lengths = LENGTHS_KEPT;
}

bool mm__pipe_ready(struct mm__pipe *s, int ms)
{
    if (settle(s, want(s)))
        return true;
    if (s->opening && stopping) /* (the open is given up: no wait) */
        return false;
    struct pollfd pfd[2] = {{.fd = s->fd, .events = POLLIN}, {.fd = wake_rd, .events = POLLIN}};
    if (poll(pfd, 2, ms) <= 0)
        return false;
    if (pfd[0].revents)
        fill(s, want(s));
    if (pfd[1].revents) {
        wake_drain();
        return false;
    }
    return settle(s, want(s));
}

size_t mm__pipe_overread(const struct mm__pipe *s)
{
    return s->overread;
}

void mm__pipe_close(struct mm__pipe *s)
{
    if (!s)
        return;
    if (s->file)
        fclose(s->file);
    if (s->fd != STDIN_FILENO)
        close(s->fd);
    free(s->buf);
    free(s);
}
