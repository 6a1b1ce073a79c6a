/* SPDX-License-Identifier: Apache-2.0
 * Capture files read in place (capture-file.h): the pcap and pcapng record
 * parser and the mmap window source.
 *
 * The parser mirrors libpcap 1.10's sf-pcap.c and sf-pcapng.c wherever the
 * outcome is visible: link type mapping (LINKTYPE_RAW 101 is DLT_RAW 12),
 * snapshot adjustment, a pcap record longer than the snapshot cut to it, a
 * pcap caplen above 262144 or a pcapng caplen above the snapshot an error,
 * caplen > len accepted, pcapng time stamps through if_tsresol (powers of
 * 10 and of 2) and if_tsoffset with libpcap's integer arithmetic, a simple
 * packet block cut to the snapshot and stamped 0 + if_tsoffset, later
 * interfaces and sections held to the first interface's link type and
 * snapshot, sections in another byte order refused, unknown blocks
 * skipped. The differential test (tests/unit/sensor/test-capture-file-diff.c)
 * holds it to the installed libpcap. Only these link types are read here
 * (the ones the sensor decodes); for any other, libpcap reads the file.
 * Files in the other byte order with Linux cooked headers also go to
 * libpcap, which rewrites some pseudo-header fields in place.
 *
 * Limits: a pcapng block of at most 16 MiB (libpcap's), 65536 interfaces
 * per section (libpcap has none; ours keeps a crafted file from growing the
 * table without bound).
 *
 * The file source maps a window of the file (8 MiB by default), parses
 * records in it and moves the window when a record does not fit in what is
 * left, so a record never straddles the window's end; a record larger than
 * the window gets a window of its own size. Only one window is mapped at a
 * time, which bounds the file pages counted in the resident set. The file
 * size is taken with fstat at open and again at every move, and no window
 * reaches past it: a file that grows is read to its new end (like libpcap's
 * reads). A file truncated by another process while its pages are mapped
 * would raise SIGBUS on the next access beyond the new end; the shrink
 * guard (below) turns that into a zero page and an error at the next read.
 * The page holding the new end does not fault (it reads as zeros after the
 * end), so before a packet is handed out, every page of it and the page
 * after its record are touched, or, in a window's last page, the file's
 * size is asked again (packet_whole): a cut packet is never delivered. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "sensor/capture-file.h"

#define PCAP_MAGIC      0xa1b2c3d4u
#define PCAP_MAGIC_NSEC 0xa1b23c4du
#define PCAP_FILE_HDR   24
#define PCAP_REC_HDR    16
#define MAX_SNAPLEN     262144u /* libpcap's MAXIMUM_SNAPLEN for these link types */

#define BT_SHB           0x0a0d0d0au
#define BT_IDB           1u
#define BT_PB            2u
#define BT_SPB           3u
#define BT_EPB           6u
#define BYTE_ORDER_MAGIC 0x1a2b3c4du
#define SHB_MAX          (1024u * 1024) /* libpcap's BT_SHB_INSANE_MAX */
#define SHB_MIN          28u
#define BLOCK_MIN        12u
#define BLOCK_MAX        (16u * 1024 * 1024) /* libpcap's INITIAL_MAX_BLOCKSIZE */
#define IFACES_MAX       65536u
#define HEADER_WINDOW    (SHB_MAX + BLOCK_MAX)
#define USEC_PER_SEC     1000000u

#define OPT_ENDOFOPT 0
#define IF_TSRESOL   9
#define IF_TSOFFSET  14

enum { SCALE_NONE, SCALE_UP_DEC, SCALE_DOWN_DEC, SCALE_BIN };

static uint16_t rd16(const struct mm__capfile *cf, const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof(v));
    return cf->swapped ? __builtin_bswap16(v) : v;
}

static uint32_t rd32(const struct mm__capfile *cf, const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return cf->swapped ? __builtin_bswap32(v) : v;
}

static uint64_t rd64(const struct mm__capfile *cf, const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return cf->swapped ? __builtin_bswap64(v) : v;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return MM__CAPFILE_ERROR;
}

/* libpcap's pcap_datalink for a file's LINKTYPE_* value, for the link
 * types the sensor decodes (decode/decoders.def); -1 for the others. */
static int dlt_of_linktype(uint32_t linktype)
{
    switch (linktype) {
    case 0:   /* NULL */
    case 1:   /* ETHERNET */
    case 12:  /* DLT_RAW as some systems number it */
    case 14:  /* DLT_RAW on OpenBSD */
    case 108: /* LOOP */
    case 113: /* LINUX_SLL */
    case 228: /* IPV4 */
    case 229: /* IPV6 */
    case 276: /* LINUX_SLL2 */
        return (int)linktype;
    case 101: /* LINKTYPE_RAW */
        return 12;
    default:
        return -1;
    }
}

/* Whether we may hand out this link type's packets as they are in the
 * file: libpcap rewrites Linux cooked pseudo-headers of byte-swapped files. */
static int linktype_readable(const struct mm__capfile *cf, int dlt)
{
    return dlt >= 0 && !(cf->swapped && (dlt == 113 || dlt == 276));
}

/* libpcap 1.10's pcap_adjust_snapshot. */
static uint32_t adjust_snapshot(uint32_t snaplen)
{
    return snaplen == 0 || snaplen > INT_MAX ? MAX_SNAPLEN : snaplen;
}

/* ---- classic pcap ------------------------------------------------------ */

static int pcap_begin(struct mm__capfile *cf, const uint8_t *buf, size_t n, size_t *used)
{
    uint32_t magic;
    memcpy(&magic, buf, sizeof(magic));
    if (magic != PCAP_MAGIC && magic != PCAP_MAGIC_NSEC) {
        magic = __builtin_bswap32(magic);
        if (magic != PCAP_MAGIC && magic != PCAP_MAGIC_NSEC)
            return MM_EUNSUPPORTED;
        cf->swapped = 1;
    }
    if (n < PCAP_FILE_HDR || rd16(cf, buf + 4) != 2 || rd16(cf, buf + 6) != 4)
        return MM_EUNSUPPORTED; /* older versions swap caplen and len: libpcap */
    int dlt = dlt_of_linktype(rd32(cf, buf + 20) & 0x03ffffffu);
    if (!linktype_readable(cf, dlt))
        return MM_EUNSUPPORTED;
    cf->nsec = magic == PCAP_MAGIC_NSEC;
    cf->linktype = dlt;
    cf->snapshot = adjust_snapshot(rd32(cf, buf + 16));
    *used = PCAP_FILE_HDR;
    return 0;
}

/* A caplen beyond the snapshot (but within libpcap's maximum) is read in
 * full and handed out cut to the snapshot, as libpcap does. */
static int pcap_record(struct mm__capfile *cf, const uint8_t *p, size_t n, int at_end,
                       struct mm_capture_packet *pkt, size_t *used, char *err, size_t errlen)
{
    if (n < PCAP_REC_HDR) {
        if (n == 0 && at_end)
            return MM__CAPFILE_END;
        if (!at_end) {
            *used = PCAP_REC_HDR;
            return MM__CAPFILE_NEED;
        }
        return fail(err, errlen, "truncated record header: %zu of %u bytes", n, PCAP_REC_HDR);
    }
    uint32_t caplen = rd32(cf, p + 8);
    if (caplen > MAX_SNAPLEN)
        return fail(err, errlen, "invalid packet capture length %u, bigger than maximum of %u",
                    caplen, MAX_SNAPLEN);
    if (n - PCAP_REC_HDR < caplen) {
        if (!at_end) {
            *used = PCAP_REC_HDR + (size_t)caplen;
            return MM__CAPFILE_NEED;
        }
        return fail(err, errlen, "truncated packet: %zu of %u captured bytes", n - PCAP_REC_HDR,
                    caplen);
    }
    /* libpcap 1.10 reads the stamps as signed 32-bit fields, but its byte
     * swap makes them unsigned: 0xfffffff0 is -16 in a file of this
     * machine's byte order and 4294967280 in the other. */
    if (cf->swapped) {
        pkt->ts.tv_sec = rd32(cf, p);
        pkt->ts.tv_usec = rd32(cf, p + 4);
    } else {
        pkt->ts.tv_sec = (int32_t)rd32(cf, p);
        pkt->ts.tv_usec = (int32_t)rd32(cf, p + 4);
    }
    if (cf->nsec)
        pkt->ts.tv_usec /= 1000;
    pkt->caplen = caplen > cf->snapshot ? cf->snapshot : caplen;
    pkt->len = rd32(cf, p + 12);
    pkt->data = p + PCAP_REC_HDR;
    *used = PCAP_REC_HDR + (size_t)caplen;
    return MM__CAPFILE_PACKET;
}

/* ---- pcapng ------------------------------------------------------------ */

/* if_tsresol: 10^-v, or 2^-(v & 0x7f) when the top bit is set. */
static int tsresol_value(uint8_t v, uint64_t *tsresol, int *binary, char *err, size_t errlen)
{
    if (v & 0x80) {
        if ((v & 0x7f) > 63)
            return fail(err, errlen, "interface time stamp resolution 2^-%u is too fine", v & 0x7f);
        *binary = 1;
        *tsresol = (uint64_t)1 << (v & 0x7f);
        return 0;
    }
    if (v > 19)
        return fail(err, errlen, "interface time stamp resolution 10^-%u is too fine", v);
    *binary = 0;
    *tsresol = 1;
    for (unsigned i = 0; i < v; i++)
        *tsresol *= 10;
    return 0;
}

/* The options of an interface description that change time stamps; the
 * others are skipped. Errors where libpcap's process_idb_options has one. */
static int iface_options(struct mm__capfile *cf, const uint8_t *p, size_t n,
                         struct mm__capfile_iface *ifc, char *err, size_t errlen)
{
    int saw_resol = 0, saw_offset = 0, binary = 0;
    ifc->tsresol = USEC_PER_SEC;
    ifc->tsoffset = 0;
    while (n != 0) {
        if (n < 4)
            return fail(err, errlen, "interface description block: option header cut short");
        uint16_t code = rd16(cf, p), len = rd16(cf, p + 2);
        size_t padded = ((size_t)len + 3) / 4 * 4;
        if (n - 4 < padded)
            return fail(err, errlen, "interface description block: option %u cut short", code);
        const uint8_t *v = p + 4;
        p += 4 + padded;
        n -= 4 + padded;
        if (code == OPT_ENDOFOPT) {
            if (len != 0)
                return fail(err, errlen, "interface description block: opt_endofopt of length %u",
                            len);
            break;
        }
        if (code == IF_TSRESOL) {
            if (len != 1 || saw_resol)
                return fail(err, errlen, "interface description block: bad if_tsresol option");
            saw_resol = 1;
            if (tsresol_value(v[0], &ifc->tsresol, &binary, err, errlen) != 0)
                return MM__CAPFILE_ERROR;
        } else if (code == IF_TSOFFSET) {
            if (len != 8 || saw_offset)
                return fail(err, errlen, "interface description block: bad if_tsoffset option");
            saw_offset = 1;
            ifc->tsoffset = (int64_t)rd64(cf, v);
        }
    }
    ifc->factor = 1;
    if (ifc->tsresol == USEC_PER_SEC)
        ifc->scale = SCALE_NONE;
    else if (binary)
        ifc->scale = SCALE_BIN;
    else if (ifc->tsresol > USEC_PER_SEC) {
        ifc->scale = SCALE_DOWN_DEC;
        ifc->factor = ifc->tsresol / USEC_PER_SEC;
    } else {
        ifc->scale = SCALE_UP_DEC;
        ifc->factor = USEC_PER_SEC / ifc->tsresol;
    }
    return 0;
}

/* Appends an interface (body: the block after its 8-byte fixed part). */
static int add_iface(struct mm__capfile *cf, const uint8_t *body, size_t n, char *err,
                     size_t errlen)
{
    if (cf->nifaces == cf->ifaces_cap) {
        if (cf->ifaces_cap >= IFACES_MAX)
            return fail(err, errlen, "more than %u interfaces in one section", IFACES_MAX);
        uint32_t cap = cf->ifaces_cap ? cf->ifaces_cap * 2 : 4;
        struct mm__capfile_iface *t = realloc(cf->ifaces, cap * sizeof(*t));
        if (!t)
            return fail(err, errlen, "out of memory for interface %u", cf->nifaces);
        cf->ifaces = t;
        cf->ifaces_cap = cap;
    }
    if (iface_options(cf, body, n, &cf->ifaces[cf->nifaces], err, errlen) != 0)
        return MM__CAPFILE_ERROR;
    cf->nifaces++;
    return 0;
}

/* The common frame of every block: checks as libpcap's read_block, in its
 * order. On success *body / *blen are the block's contents between the
 * 8-byte header and the trailing length, *type its type. */
static int block_frame(struct mm__capfile *cf, const uint8_t *p, size_t n, int at_end,
                       uint32_t *type, const uint8_t **body, size_t *blen, size_t *used, char *err,
                       size_t errlen)
{
    if (n < 8) {
        if (n == 0 && at_end)
            return MM__CAPFILE_END;
        if (!at_end) {
            *used = 8;
            return MM__CAPFILE_NEED;
        }
        return fail(err, errlen, "truncated block header: %zu of 8 bytes", n);
    }
    uint32_t total = rd32(cf, p + 4);
    if (total < BLOCK_MIN)
        return fail(err, errlen, "block length %u is less than %u", total, BLOCK_MIN);
    if (total % 4 != 0)
        return fail(err, errlen, "block length %u is not a multiple of 4", total);
    if (total > BLOCK_MAX)
        return fail(err, errlen, "block length %u is more than the maximum of %u", total,
                    BLOCK_MAX);
    if (n < total) {
        if (!at_end) {
            *used = total;
            return MM__CAPFILE_NEED;
        }
        return fail(err, errlen, "truncated block: %zu of %u bytes", n, total);
    }
    uint32_t trailer = rd32(cf, p + total - 4);
    if (trailer != total)
        return fail(err, errlen, "block length %u at its start and %u at its end differ", total,
                    trailer);
    *type = rd32(cf, p);
    *body = p + 8;
    *blen = total - BLOCK_MIN;
    *used = total;
    return MM__CAPFILE_SKIP;
}

static int too_short(uint32_t type, char *err, size_t errlen)
{
    return fail(err, errlen, "block of type %u is too short", type);
}

static int pcapng_begin(struct mm__capfile *cf, const uint8_t *buf, size_t n, size_t *used)
{
    char err[256];
    uint32_t total, bom;
    if (n < 12)
        return MM_EUNSUPPORTED;
    memcpy(&total, buf + 4, 4);
    memcpy(&bom, buf + 8, 4);
    if (bom != BYTE_ORDER_MAGIC) {
        if (__builtin_bswap32(bom) != BYTE_ORDER_MAGIC)
            return MM_EUNSUPPORTED;
        cf->swapped = 1;
        total = __builtin_bswap32(total);
    }
    /* libpcap checks neither the first block's trailer nor its alignment */
    if (total < SHB_MIN || total > SHB_MAX || total > n || rd16(cf, buf + 12) != 1 ||
        (rd16(cf, buf + 14) != 0 && rd16(cf, buf + 14) != 2))
        return MM_EUNSUPPORTED;
    cf->pcapng = 1;
    cf->header_blocks = 1;
    for (size_t pos = total; pos < n;) {
        uint32_t type = 0; /* set by block_frame (initialised for -O3's warnings) */
        const uint8_t *body = NULL;
        size_t blen = 0, len = 0;
        if (block_frame(cf, buf + pos, n - pos, 0, &type, &body, &blen, &len, err, sizeof(err)) !=
            MM__CAPFILE_SKIP)
            return MM_EUNSUPPORTED; /* an error, or a first interface beyond n */
        if (type == BT_EPB || type == BT_SPB || type == BT_PB)
            return MM_EUNSUPPORTED; /* a packet before any interface */
        pos += len;
        cf->header_blocks++;
        if (type != BT_IDB)
            continue;
        if (blen < 8)
            return MM_EUNSUPPORTED;
        int dlt = dlt_of_linktype(rd16(cf, body));
        if (!linktype_readable(cf, dlt) || add_iface(cf, body + 8, blen - 8, err, sizeof(err)))
            return MM_EUNSUPPORTED;
        cf->linktype = dlt;
        cf->snapshot = adjust_snapshot(rd32(cf, body + 4));
        *used = pos;
        return 0;
    }
    return MM_EUNSUPPORTED;
}

/* A later interface: libpcap compares the first interface's DLT_ value
 * with this one's LINKTYPE_ value (so a second LINKTYPE_RAW interface is an
 * error) and the adjusted snapshots. */
static int pcapng_idb(struct mm__capfile *cf, const uint8_t *body, size_t blen, char *err,
                      size_t errlen)
{
    if (blen < 8)
        return too_short(BT_IDB, err, errlen);
    uint16_t linktype = rd16(cf, body);
    uint32_t snaplen = rd32(cf, body + 4);
    if ((int)linktype != cf->linktype)
        return fail(err, errlen, "an interface has link type %u, the first one %d", linktype,
                    cf->linktype);
    if (adjust_snapshot(snaplen) != cf->snapshot)
        return fail(err, errlen, "an interface has snapshot length %u, the first one %u", snaplen,
                    cf->snapshot);
    if (add_iface(cf, body + 8, blen - 8, err, errlen) != 0)
        return MM__CAPFILE_ERROR;
    return MM__CAPFILE_SKIP;
}

/* A new section: same byte order, major version 1, its own interfaces. */
static int pcapng_shb(struct mm__capfile *cf, const uint8_t *body, size_t blen, char *err,
                      size_t errlen)
{
    if (blen < 16)
        return too_short(BT_SHB, err, errlen);
    uint32_t bom = rd32(cf, body);
    if (bom == __builtin_bswap32(BYTE_ORDER_MAGIC))
        return fail(err, errlen, "the file has sections with different byte orders");
    if (bom != BYTE_ORDER_MAGIC)
        return fail(err, errlen, "a section header has a bad byte order magic");
    if (rd16(cf, body + 4) != 1)
        return fail(err, errlen, "unknown pcapng major version %u", rd16(cf, body + 4));
    cf->nifaces = 0;
    return MM__CAPFILE_SKIP;
}

/* libpcap's time stamp conversion, overflow of its unsigned arithmetic
 * included. */
static void pcapng_time(const struct mm__capfile_iface *ifc, uint64_t t, struct timeval *tv)
{
    uint64_t sec = t / ifc->tsresol + (uint64_t)ifc->tsoffset;
    uint64_t frac = t % ifc->tsresol;
    switch (ifc->scale) {
    case SCALE_UP_DEC:
        frac *= ifc->factor;
        break;
    case SCALE_DOWN_DEC:
        frac /= ifc->factor;
        break;
    case SCALE_BIN:
        frac = frac * USEC_PER_SEC / ifc->tsresol;
        break;
    default:
        break;
    }
    tv->tv_sec = (time_t)sec;
    tv->tv_usec = (int)frac;
}

/* Enhanced, simple and obsolete packet blocks. */
static int pcapng_packet(struct mm__capfile *cf, uint32_t type, const uint8_t *body, size_t blen,
                         struct mm_capture_packet *pkt, char *err, size_t errlen)
{
    uint32_t iface, caplen, len;
    uint64_t t;
    size_t fixed = type == BT_SPB ? 4 : 20;
    if (blen < fixed)
        return too_short(type, err, errlen);
    if (type == BT_SPB) {
        iface = 0;
        len = rd32(cf, body);
        caplen = len > cf->snapshot ? cf->snapshot : len;
        t = 0;
    } else {
        iface = type == BT_EPB ? rd32(cf, body) : rd16(cf, body);
        t = (uint64_t)rd32(cf, body + 4) << 32 | rd32(cf, body + 8);
        caplen = rd32(cf, body + 12);
        len = rd32(cf, body + 16);
    }
    if (iface >= cf->nifaces)
        return fail(err, errlen, "a packet of interface %u, which the section does not describe",
                    iface);
    if (caplen > cf->snapshot)
        return fail(err, errlen, "invalid packet capture length %u, bigger than snaplen of %u",
                    caplen, cf->snapshot);
    if (blen - fixed < caplen)
        return too_short(type, err, errlen);
    pcapng_time(&cf->ifaces[iface], t, &pkt->ts);
    pkt->caplen = caplen;
    pkt->len = len;
    pkt->data = body + fixed;
    return MM__CAPFILE_PACKET;
}

static int pcapng_record(struct mm__capfile *cf, const uint8_t *p, size_t n, int at_end,
                         struct mm_capture_packet *pkt, size_t *used, char *err, size_t errlen)
{
    uint32_t type = 0; /* set by block_frame (initialised for -O3's warnings) */
    const uint8_t *body = NULL;
    size_t blen = 0;
    int r = block_frame(cf, p, n, at_end, &type, &body, &blen, used, err, errlen);
    if (r != MM__CAPFILE_SKIP)
        return r;
    switch (type) {
    case BT_EPB:
    case BT_SPB:
    case BT_PB:
        return pcapng_packet(cf, type, body, blen, pkt, err, errlen);
    case BT_IDB:
        return pcapng_idb(cf, body, blen, err, errlen);
    case BT_SHB:
        return pcapng_shb(cf, body, blen, err, errlen);
    default:
        return MM__CAPFILE_SKIP;
    }
}

int mm__capfile_begin(struct mm__capfile *cf, const uint8_t *buf, size_t n, size_t *used)
{
    uint32_t magic;
    *used = 0;
    if (n < 4)
        return MM_EUNSUPPORTED;
    memcpy(&magic, buf, sizeof(magic));
    int r = magic == BT_SHB ? pcapng_begin(cf, buf, n, used) : pcap_begin(cf, buf, n, used);
    if (r != 0) {
        mm__capfile_free(cf);
        memset(cf, 0, sizeof(*cf));
    }
    return r;
}

int mm__capfile_record(struct mm__capfile *cf, const uint8_t *buf, size_t n, int at_end,
                       struct mm_capture_packet *pkt, size_t *used, char *err, size_t errlen)
{
    *used = 0;
    if (cf->pcapng)
        return pcapng_record(cf, buf, n, at_end, pkt, used, err, errlen);
    return pcap_record(cf, buf, n, at_end, pkt, used, err, errlen);
}

void mm__capfile_free(struct mm__capfile *cf)
{
    free(cf->ifaces);
    cf->ifaces = NULL;
    cf->nifaces = cf->ifaces_cap = 0;
}

/* ---- the source: mmap windows or a memory buffer ----------------------- */

struct mm__capsrc {
    struct mm__capfile cf;
    int fd;              /* -1: memory source */
    size_t window;       /* bytes per window */
    uint64_t size;       /* file size at the last fstat */
    const uint8_t *base; /* the mapped window (or the buffer) */
    uint64_t view_off;   /* file offset of base */
    size_t view_len;     /* bytes at base */
    uint64_t pos;        /* file offset of the next record */
    uint64_t records;    /* records (pcapng: blocks) read, for messages */
    uint64_t seen_size;  /* the largest size fstat gave */
    uint64_t zeroed_at;  /* file offset of a page the guard put zeros over, or UINT64_MAX */
    size_t probe_len;    /* view_len, or 0 once a page is zeroed (packet_whole) */
    volatile sig_atomic_t stop;
    int failed; /* an error was reported: report it again */
    char reason[384];
};

/* ---- the shrink guard --------------------------------------------------
 * The window most recently mapped is watched for SIGBUS: a fault inside it
 * means the file became shorter than the window. The handler puts an
 * anonymous zero page over the faulting page (the access then reads zeros)
 * and raises the flag, which the next record read turns into an error. A
 * fault anywhere else goes to the action there was before (a crash, or
 * the sanitizers' report). mmap in a signal handler is a plain system call
 * here (Linux), as in other programs that guard file mappings this way. */
static struct {
    const uint8_t *volatile base;
    volatile size_t len;
    volatile sig_atomic_t shrank;
    volatile uintptr_t fault_page; /* the first page zeroed since shrank was cleared */
    struct sigaction before;
    size_t page;
} guard;

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    int saved_errno = errno;
    uintptr_t at = (uintptr_t)si->si_addr, base = (uintptr_t)guard.base, page = guard.page;
    if (base && at >= base && at - base < guard.len &&
        mmap((void *)(at - at % page), page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
             0) != MAP_FAILED) {
        if (!guard.shrank)
            guard.fault_page = at - at % page;
        guard.shrank = 1;
        errno = saved_errno;
        return;
    }
    sigaction(sig, &guard.before, NULL); /* the fault repeats under it */
    errno = saved_errno;
}

/* Puts on_sigbus in place at every open: something else (a test runner)
 * may have set its own SIGBUS action since the last one. */
static void guard_install(void)
{
    struct sigaction now;
    if (sigaction(SIGBUS, NULL, &now) == 0 && (now.sa_flags & SA_SIGINFO) &&
        now.sa_sigaction == on_sigbus)
        return;
    guard.page = (size_t)sysconf(_SC_PAGESIZE);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &guard.before);
}

static void guard_watch(const uint8_t *base, size_t len)
{
    guard.len = 0;
    guard.base = base;
    guard.len = len;
}

/* Reads one byte of every page of a packet, so a page the file no longer
 * has faults now, while the guard can still withhold the packet. */
static void touch_pages(const uint8_t *p, uint32_t n)
{
    if (!n || !guard.page)
        return;
    volatile uint8_t sink = 0;
    for (uint32_t i = 0; i < n; i += (uint32_t)guard.page)
        sink ^= p[i];
    sink ^= p[n - 1];
    (void)sink;
}

static void unmap_window(struct mm__capsrc *s)
{
    if (s->fd >= 0 && s->base && guard.base == s->base)
        guard_watch(NULL, 0);
    if (s->fd >= 0 && s->base)
        munmap((void *)s->base, s->view_len);
    s->base = NULL;
    s->view_len = 0;
}

/* Maps the window holding need bytes from s->pos (or to the end of the
 * file, if it is shorter). 0, or MM_EIO with errno set. */
static int map_window(struct mm__capsrc *s, size_t need)
{
    struct stat st;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    unmap_window(s);
    if (fstat(s->fd, &st) != 0)
        return MM_EIO;
    s->size = (uint64_t)st.st_size;
    if (s->size > s->seen_size)
        s->seen_size = s->size;
    s->zeroed_at = UINT64_MAX; /* a fresh window */
    s->probe_len = 0;
    s->view_off = s->pos - s->pos % page;
    uint64_t len = s->pos - s->view_off + need;
    if (len < s->window)
        len = s->window;
    if (s->view_off >= s->size) {
        s->view_off = s->pos;
        return 0; /* nothing left: an empty view at the end */
    }
    if (len > s->size - s->view_off)
        len = s->size - s->view_off;
    if (len > SIZE_MAX)
        return MM_EIO;
    void *m = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, s->fd, (off_t)s->view_off);
    if (m == MAP_FAILED)
        return MM_EIO;
    madvise(m, (size_t)len, MADV_SEQUENTIAL);
    s->base = m;
    s->view_len = s->probe_len = (size_t)len;
    guard_watch(s->base, s->view_len);
    return 0;
}

static struct mm__capsrc *new_source(void)
{
    struct mm__capsrc *s = calloc(1, sizeof(*s));
    if (s)
        s->fd = -1;
    return s;
}

/* Parses the header in the current view; 0 or MM_EUNSUPPORTED. */
static int begin_source(struct mm__capsrc *s)
{
    size_t used;
    int r = mm__capfile_begin(&s->cf, s->base, s->view_len, &used);
    if (r == 0) {
        s->pos = used;
        s->records = s->cf.header_blocks;
    }
    return r;
}

int mm__capsrc_open_file(const char *path, size_t window, struct mm__capsrc **out)
{
    struct stat st;
    int r;
    *out = NULL;
    struct mm__capsrc *s = new_source();
    if (!s)
        return MM_ENOMEM;
    s->window = window ? window : MM__CAPSRC_WINDOW;
    guard_install();
    /* stat before open: opening a FIFO would connect its writer to us, and
     * closing it again could break that writer's pipe before libpcap opens
     * the path; O_NONBLOCK keeps a FIFO swapped in meanwhile from blocking */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        (s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 || fstat(s->fd, &st) != 0 ||
        !S_ISREG(st.st_mode)) {
        r = MM_EUNSUPPORTED; /* libpcap opens it and explains any error */
        goto out;
    }
    if (map_window(s, 0) != 0 || !s->base) {
        r = MM_EUNSUPPORTED;
        goto out;
    }
    r = begin_source(s);
    /* a pcapng section header (up to 1 MiB) and the blocks before its
     * first interface may not fit the window: one more try with room for
     * the header and one block of the largest size */
    if (r == MM_EUNSUPPORTED && s->view_len < HEADER_WINDOW && s->view_len < s->size) {
        if (map_window(s, HEADER_WINDOW) != 0)
            goto out;
        r = begin_source(s);
    }
    if (r != 0)
        goto out;
    *out = s;
    s = NULL;
out:
    mm__capsrc_close(s);
    return r;
}

int mm__capsrc_open_memory(const uint8_t *buf, size_t n, struct mm__capsrc **out)
{
    *out = NULL;
    struct mm__capsrc *s = new_source();
    if (!s)
        return MM_ENOMEM;
    s->base = buf;
    s->view_len = n;
    s->size = n;
    int r = begin_source(s);
    if (r != 0) {
        mm__capsrc_close(s);
        return r;
    }
    *out = s;
    return 0;
}

int mm__capsrc_linktype(const struct mm__capsrc *s)
{
    return s->cf.linktype;
}

/* At what looked like the end of a file: whether it has grown since the
 * last fstat (a capture still being written), and if so, a window over
 * the new bytes. libpcap's reads see such bytes too. */
static int grown(struct mm__capsrc *s)
{
    struct stat st;
    if (s->fd < 0 || fstat(s->fd, &st) != 0 || (uint64_t)st.st_size <= s->size)
        return 0;
    return map_window(s, 0) == 0;
}

/* Asks for the next record's first cache lines while the caller decodes
 * this packet: its bytes come straight from the page cache, not from a
 * buffer a copy has just warmed. */
static void prefetch_next(const struct mm__capsrc *s, size_t off)
{
    if (off + 192 <= s->view_len) {
        __builtin_prefetch(s->base + off);
        __builtin_prefetch(s->base + off + 64);
        __builtin_prefetch(s->base + off + 128);
    }
}

/* The reason for an error at the record being read: its number and byte
 * offset, then why. */
static void set_reason(struct mm__capsrc *s, const char *why)
{
    snprintf(s->reason, sizeof(s->reason), "record %llu at byte offset %llu: %s",
             (unsigned long long)s->records + 1, (unsigned long long)s->pos, why);
}

static int report(struct mm__capsrc *s, char *err, size_t errlen)
{
    s->failed = 1;
    snprintf(err, errlen, "%s", s->reason);
    return MM_CAPTURE_ERROR;
}

/* Whether the guard has seen this file become shorter than its window. */
static int shrank(const struct mm__capsrc *s)
{
    return guard.shrank && s->fd >= 0;
}

/* Reports the file cut short at the record being read. */
static int report_cut(struct mm__capsrc *s, char *err, size_t errlen)
{
    guard.shrank = 0;
    set_reason(s, "the file became shorter while it was being read "
                  "(another program truncated or rewrote it)");
    return report(s, err, errlen);
}

/* Whether the file is still at least end bytes long (fstat now; when
 * fstat fails, nothing is known to be missing). */
static int file_holds(const struct mm__capsrc *s, uint64_t end)
{
    struct stat st;
    return fstat(s->fd, &st) != 0 || (uint64_t)st.st_size >= end;
}

/* packet_whole's slow path, for a record ending at end in the window,
 * the page after it at next: a page of the record is gone (the first
 * fault lies before next), or the page after it is (the file now ends
 * before it: from then on, fstat tells for each record whether the file
 * still reaches its end, and no record may reach into the zeroed page), or
 * no page after it could be tried. */
static __attribute__((noinline)) int packet_checked(struct mm__capsrc *s, size_t end, size_t next)
{
    if (guard.shrank) {
        if (guard.fault_page < (uintptr_t)s->base + next)
            return 0;
        guard.shrank = 0;
        s->zeroed_at = s->view_off + next;
        s->probe_len = 0;
    }
    return s->view_off + end <= s->zeroed_at && file_holds(s, s->view_off + end);
}

/* Whether the packet just parsed (the record of used bytes at off in the
 * window) is still whole in the file. A cut leaves the page holding the
 * new end readable, with zeros after the end; only the pages after it
 * fault. So the packet's pages are touched, then the page after the
 * record's last byte: if neither faults, the record is whole. A record in
 * the window's last page has no page after it to try: fstat tells (a few
 * records per 8 MiB window). */
static int packet_whole(struct mm__capsrc *s, const struct mm_capture_packet *pkt, size_t off,
                        size_t used)
{
    touch_pages(pkt->data, pkt->caplen);
    size_t next = ((off + used - 1) | (guard.page - 1)) + 1; /* base is page-aligned */
    if (next < s->probe_len) {
        volatile uint8_t sink = s->base[next];
        (void)sink;
        if (!guard.shrank)
            return 1;
    }
    return packet_checked(s, off + used, next);
}

int mm__capsrc_next(struct mm__capsrc *s, struct mm_capture_packet *pkt, char *err, size_t errlen)
{
    char why[256];
    if (s->failed)
        return report(s, err, errlen);
    if (shrank(s))
        return report_cut(s, err, errlen);
    for (;;) {
        if (s->stop)
            return MM_CAPTURE_EOF;
        size_t off = (size_t)(s->pos - s->view_off), used;
        size_t avail = s->view_len > off ? s->view_len - off : 0;
        int at_end = s->view_off + s->view_len >= s->size;
        int r = mm__capfile_record(&s->cf, s->base ? s->base + off : NULL, avail, at_end, pkt,
                                   &used, why, sizeof(why));
        if (r == MM__CAPFILE_PACKET && s->fd >= 0) {
            if (!packet_whole(s, pkt, off, used))
                return report_cut(s, err, errlen);
        } else if (shrank(s)) {
            return report_cut(s, err, errlen);
        }
        switch (r) {
        case MM__CAPFILE_PACKET:
        case MM__CAPFILE_SKIP:
            s->pos += used;
            s->records++;
            if (r == MM__CAPFILE_PACKET) {
                prefetch_next(s, off + used);
                return MM_CAPTURE_PACKET;
            }
            continue;
        case MM__CAPFILE_NEED:
            if (map_window(s, used) != 0) {
                set_reason(s, strerror(errno));
                return report(s, err, errlen);
            }
            continue;
        case MM__CAPFILE_END:
            if (grown(s))
                continue;
            return MM_CAPTURE_EOF;
        default:
            if (at_end && grown(s))
                continue; /* the record may be whole now */
            if (s->fd >= 0 && !file_holds(s, s->seen_size))
                return report_cut(s, err, errlen); /* it read zeros where the cut was */
            set_reason(s, why);
            return report(s, err, errlen);
        }
    }
}

uint64_t mm__capsrc_offset(const struct mm__capsrc *s)
{
    return s->pos;
}

void mm__capsrc_stop(struct mm__capsrc *s)
{
    s->stop = 1;
}

void mm__capsrc_close(struct mm__capsrc *s)
{
    if (!s)
        return;
    unmap_window(s);
    if (s->fd >= 0)
        close(s->fd);
    mm__capfile_free(&s->cf);
    free(s);
}
