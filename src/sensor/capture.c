/* SPDX-License-Identifier: Apache-2.0
 * Packet sources. Files: a regular file in pcap or pcapng with a link type
 * the sensor decodes (standard input "-" too, when it is one) is read by
 * our own reader (capture-file.c: read() into one reused buffer, records
 * parsed where they lie, same packets as libpcap); every other file
 * (pipes, standard input that is one, other
 * link types or odd formats) through libpcap (any link type libpcap
 * knows), a pipe by way of capture-pipe.c so that libpcap never waits in a
 * read for a record's bytes (the sensor waits in poll, which a signal
 * ends). Either way a truncated or corrupt file ends with an error that
 * names what could not be read, after the packets before it. Live:
 * pcap_create/activate with a read timeout so the sensor can do its
 * housekeeping on a quiet network, kernel counters from pcap_stats.
 * Privilege drop (OpenSSH style): after the device is open,
 * setgroups/setgid/setuid to the unprivileged user and check that root
 * cannot be regained. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/msg.h"
#include "core/timefmt.h"
#include "sensor/capture-file.h"
#include "sensor/capture-pipe.h"
#include "sensor/capture.h"

#define LIVE_SNAPLEN    262144
#define LIVE_BUFFER     (32 * 1024 * 1024)
#define LIVE_TIMEOUT_MS 500
#define FILE_BUFFER     (1u << 20) /* stdio buffer for capture files */
#define PIPE_WAIT_MS    500        /* longest wait for a pipe's next bytes */

struct mm_capture {
    struct mm__capsrc *src; /* file read in place; pcap is NULL then */
    pcap_t *pcap;
    int linktype;
    int live;
    int fd;          /* live: selectable descriptor, polled with a timeout */
    char *iobuf;     /* file: the stdio buffer of libpcap's FILE, freed after pcap_close */
    uint64_t origin; /* file read by libpcap: the offset its reading began at */
    /* A pipe (not a regular file) read through libpcap (capture-pipe.h),
     * else NULL, and the time to wake at (mm_capture_wake_at). */
    struct mm__pipe *pipe;
    const int64_t *wake_at;
};

/* A regular file (not ours: see open_in_place) read through libpcap, with
 * a large stdio buffer: libpcap reads record by record through stdio,
 * whose default 4 KiB buffer makes a read(2) per few packets. */
static pcap_t *open_regular(const char *path, int fd, char *ebuf, char **iobuf, uint64_t *origin)
{
    off_t at = lseek(fd, 0, SEEK_CUR); /* standard input may be at an offset */
    *origin = at > 0 ? (uint64_t)at : 0;
    FILE *fp = fdopen(fd, "rb");
    if (!fp) {
        snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    /* glibc ignores the size unless it is given the buffer; it must outlive
     * the FILE, which pcap_close closes (mm_capture_close frees it after). */
    if ((*iobuf = malloc(FILE_BUFFER)) != NULL)
        setvbuf(fp, *iobuf, _IOFBF, FILE_BUFFER);
    pcap_t *p = pcap_fopen_offline(fp, ebuf);
    if (!p) {
        fclose(fp);
        free(*iobuf);
        *iobuf = NULL;
    }
    return p;
}

/* Anything but a regular file (a pipe, a FIFO, standard input that is
 * one): read by capture-pipe.c for libpcap, which opens it once its file
 * header has come (mm_capture_open_more). NULL: *pipe set, or on failure. */
static pcap_t *open_pipe(int fd, char *ebuf, struct mm__pipe **pipe)
{
    if (mm__pipe_open(fd, pipe) != 0)
        snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s", mm_strerror(MM_ENOMEM));
    return NULL;
}

/* A file for libpcap: a pipe (*pipe set) or a regular file (standard
 * input "-" that is one: read through a duplicate of it, with the same
 * large buffer; the open_in_place declined it and put its offset back). */
static pcap_t *open_offline(const char *path, char *ebuf, char **iobuf, uint64_t *origin,
                            struct mm__pipe **pipe)
{
    *iobuf = NULL;
    *origin = 0;
    *pipe = NULL;
    bool std_in = strcmp(path, "-") == 0;
    /* (a FIFO: not waiting here for its writer, where no signal could end
     * the wait; blocking again once open) */
    int fd = std_in ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || (!std_in && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)) {
        snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode))
        return open_pipe(fd, ebuf, pipe);
    if (std_in && (fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0)) < 0) {
        snprintf(ebuf, PCAP_ERRBUF_SIZE, "%s: %s", path, strerror(errno));
        return NULL;
    }
    return open_regular(path, fd, ebuf, iobuf, origin);
}

/* Before libpcap's next read of a pipe (its open, then each record):
 * waits for the rest of what it reads at most PIPE_WAIT_MS, and at most
 * until *wake_at. False when it did not come in time, or a signal came
 * (mm_capture_wake): the caller returns MM_CAPTURE_TIMEOUT (MM_EAGAIN at
 * the open), so that the sensor's loop can do what is due (a reload asked
 * for, the retry of a postponed one, a stop). */
static bool pipe_ready(const struct mm_capture *c)
{
    int ms = PIPE_WAIT_MS;
    if (c->wake_at && *c->wake_at != 0) {
        int64_t left = *c->wake_at - mm_time_mono_usec();
        if (left <= 0)
            ms = 0;
        else if (left < (int64_t)ms * 1000)
            ms = (int)((left + 999) / 1000);
    }
    return mm__pipe_ready(c->pipe, ms);
}

/* Our reader for a regular file it knows (see capture-file.h), standard
 * input "-" too when it is one ("-r - < file.pcap"); 0, or MM_EUNSUPPORTED
 * for libpcap to read it. */
static int open_in_place(const char *path, struct mm_capture **out)
{
    struct mm__capsrc *src;
    int r = strcmp(path, "-") == 0 ? mm__capsrc_open_fd(STDIN_FILENO, 0, &src)
                                   : mm__capsrc_open_file(path, 0, &src);
    if (r != 0)
        return MM_EUNSUPPORTED;
    struct mm_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        mm__capsrc_close(src);
        return MM_EUNSUPPORTED;
    }
    c->src = src;
    c->linktype = mm__capsrc_linktype(src);
    *out = c;
    return 0;
}

int mm_capture_open_file(const char *path, struct mm_capture **out, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    if (open_in_place(path, out) == 0)
        return 0;
    struct stat st; /* (libpcap would open it and then fail to read "dump file") */
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return MM_EISDIR;
    char *iobuf;
    uint64_t origin;
    struct mm__pipe *pipe;
    pcap_t *p = open_offline(path, ebuf, &iobuf, &origin, &pipe);
    if (!p && !pipe) {
        snprintf(err, errlen, "%s", ebuf);
        return MM_EIO;
    }
    struct mm_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        if (p)
            pcap_close(p);
        mm__pipe_close(pipe);
        free(iobuf);
        return MM_ENOMEM;
    }
    c->pcap = p;
    c->iobuf = iobuf;
    c->origin = origin;
    c->pipe = pipe;
    if (p)
        c->linktype = pcap_datalink(p);
    /* A pipe: only what has come already (no wait: the caller has not yet
     * said when it must be back, mm_capture_wake_at, e.g. a postponed
     * reload's retry); the header not all there: MM_EAGAIN, and the caller
     * waits in mm_capture_open_more. */
    static const int64_t at_once = 1; /* long past on the monotonic clock */
    c->wake_at = &at_once;
    int r = p ? 0 : mm_capture_open_more(c, err, errlen);
    c->wake_at = NULL;
    if (r != 0 && r != MM_EAGAIN) {
        mm_capture_close(c);
        return r;
    }
    *out = c;
    return r;
}

int mm_capture_open_more(struct mm_capture *c, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    if (c->pcap || c->src)
        return 0;
    if (!pipe_ready(c))
        return MM_EAGAIN;
    pcap_t *p = pcap_fopen_offline(mm__pipe_file(c->pipe), ebuf);
    if (!p) {
        snprintf(err, errlen, "%s", ebuf);
        return MM_EIO;
    }
    mm__pipe_begin(c->pipe, pcap_is_swapped(p) == 1, pcap_major_version(p), pcap_minor_version(p));
    c->pcap = p;
    c->linktype = pcap_datalink(p);
    return 0;
}

/* err: the translated text of key (data/i18n/sensor-log.json) and libpcap's
 * own (English) explanation. */
static int live_fail(pcap_t *p, const char *key, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", mm_msg("sensor-log", key), pcap_geterr(p));
    pcap_close(p);
    return MM_EIO;
}

int mm_capture_open_live(const char *iface, const char *bpf, struct mm_capture **out, char *err,
                         size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    *out = NULL;
    pcap_t *p = pcap_create(iface, ebuf);
    if (!p) {
        snprintf(err, errlen, "%s", ebuf);
        return MM_EIO;
    }
    pcap_set_snaplen(p, LIVE_SNAPLEN);
    pcap_set_promisc(p, 1);
    pcap_set_timeout(p, LIVE_TIMEOUT_MS);
    pcap_set_buffer_size(p, LIVE_BUFFER);
    int r = pcap_activate(p);
    if (r < 0)
        return live_fail(p, "capture.live_start", err, errlen);
    if (bpf) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0)
            return live_fail(p, "capture.bpf_invalid", err, errlen);
        r = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (r != 0)
            return live_fail(p, "capture.bpf_set", err, errlen);
    }
    struct mm_capture *c = calloc(1, sizeof(*c));
    if (!c) {
        pcap_close(p);
        return MM_ENOMEM;
    }
    c->pcap = p;
    c->linktype = pcap_datalink(p);
    c->live = 1;
    c->fd = pcap_get_selectable_fd(p);
    if (c->fd >= 0 && pcap_setnonblock(p, 1, ebuf) != 0)
        c->fd = -1;
    *out = c;
    return 0;
}

int mm_capture_linktype(const struct mm_capture *c)
{
    return c->linktype;
}

const char *mm_capture_linktype_name(int linktype)
{
    const char *name = pcap_datalink_val_to_name(linktype);
    return name ? name : "?";
}

/* mm_capture_next through libpcap (live capture, other files), out of line
 * so that a file read in place reaches its reader by a plain tail call: with
 * this path inline, every packet paid its frame (20 instructions a packet). */
static __attribute__((noinline)) int next_pcap(struct mm_capture *c, struct mm_capture_packet *pkt,
                                               char *err, size_t errlen)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    if (c->pipe && !pipe_ready(c))
        return MM_CAPTURE_TIMEOUT;
    int r = pcap_next_ex(c->pcap, &h, &data);
    if (r == 0 && c->live && c->fd >= 0) {
        /* Nothing buffered: wait up to the timeout (a signal ends the wait
         * early), then report a timeout so the caller can do housekeeping. */
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (poll(&pfd, 1, LIVE_TIMEOUT_MS) < 0 && errno != EINTR) {
            snprintf(err, errlen, "poll: %s", strerror(errno));
            return MM_CAPTURE_ERROR;
        }
        return MM_CAPTURE_TIMEOUT;
    }
    switch (r) {
    case 1:
        pkt->ts = h->ts;
        pkt->caplen = h->caplen;
        pkt->len = h->len;
        pkt->data = data;
        return MM_CAPTURE_PACKET;
    case 0:
        return MM_CAPTURE_TIMEOUT;
    case PCAP_ERROR_BREAK:
        return MM_CAPTURE_EOF;
    default:
        snprintf(err, errlen, "%s", pcap_geterr(c->pcap));
        return MM_CAPTURE_ERROR;
    }
}

int mm_capture_next(struct mm_capture *c, struct mm_capture_packet *pkt, char *err, size_t errlen)
{
    if (c->src)
        return mm__capsrc_next(c->src, pkt, err, errlen);
    return next_pcap(c, pkt, err, errlen);
}

uint64_t mm_capture_offset(const struct mm_capture *c)
{
    if (c->src)
        return mm__capsrc_offset(c->src) - mm__capsrc_origin(c->src);
    FILE *f = c->live || !c->pcap ? NULL : pcap_file(c->pcap);
    long off = f ? ftell(f) : -1;
    return off > 0 && (uint64_t)off > c->origin ? (uint64_t)off - c->origin : 0;
}

void mm_capture_counters(struct mm_capture *c, uint64_t *received, uint64_t *dropped,
                         uint64_t *ifdropped)
{
    struct pcap_stat st;
    *received = *dropped = *ifdropped = 0;
    if (c->live && pcap_stats(c->pcap, &st) == 0) {
        *received = st.ps_recv;
        *dropped = st.ps_drop;
        *ifdropped = st.ps_ifdrop;
    }
}

void mm_capture_wake_at(struct mm_capture *c, const int64_t *at)
{
    c->wake_at = at;
}

void mm_capture_wake(bool stop)
{
    mm__pipe_wake(stop);
}

void mm_capture_breakloop(struct mm_capture *c)
{
    if (c && c->src)
        mm__capsrc_stop(c->src);
    else if (c)
        pcap_breakloop(c->pcap);
}

void mm_capture_close(struct mm_capture *c)
{
    if (!c)
        return;
    mm__capsrc_close(c->src);
    if (c->pcap)
        pcap_close(c->pcap);
    mm__pipe_close(c->pipe); /* (after libpcap: it closes the pipe's stream) */
    free(c->iobuf);
    free(c);
}

int mm_privileges_drop(const char *user, char *err, size_t errlen)
{
    if (geteuid() != 0)
        return 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        mm_msg_format(err, errlen, "sensor-log", "privs.no_user", user);
        return MM_ENOENT;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        mm_msg_format(err, errlen, "sensor-log", "privs.cannot_switch", user);
        return MM_EPERM;
    }
    if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
        mm_msg_format(err, errlen, "sensor-log", "privs.regain", user);
        return MM_EPERM;
    }
    return 0;
}
