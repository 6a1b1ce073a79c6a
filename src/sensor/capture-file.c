/* SPDX-License-Identifier: Apache-2.0
 * Capture files read in place (capture-file.h): the pcap and pcapng record
 * parser and the file source that reads into one buffer.
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
 * The file source reads the file into one buffer (256 KiB by default) and
 * parses the records where they lie in it; a record never straddles a
 * refill: the unread tail moves to the buffer's front before the next
 * read, and the buffer grows for a record larger than it (and shrinks back
 * once such a record is behind); a classic pcap record that lies whole in
 * the buffer takes a short path (next_pcap_whole). The kernel's copy costs about what a
 * memory mapping's page faults, page-table work and first touches of each
 * page did, and the packets are then still in the second-level cache when
 * they are decoded (hence the small buffer).
 * A read never returns bytes past the file's end, so a packet handed out
 * was read whole. A file that grows is read to its new end (like
 * libpcap's reads); one that another program cuts ends where the reads
 * stop, with an error saying so when the file is then shorter than it was
 * at open or than the bytes read (cut_short). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#define HEADER_READ      (SHB_MAX + BLOCK_MAX)
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
    if (n < PCAP_FILE_HDR) {
        *used = PCAP_FILE_HDR;
        return MM_EUNSUPPORTED;
    }
    if (rd16(cf, buf + 4) != 2 || rd16(cf, buf + 6) != 4)
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

/* The packet of a whole record at p (caplen checked): its time stamps,
 * lengths and bytes. A caplen beyond the snapshot (but within libpcap's
 * maximum) is read in full and handed out cut to the snapshot, as libpcap
 * does. */
static inline void pcap_packet(const struct mm__capfile *cf, const uint8_t *p, uint32_t caplen,
                               struct mm_capture_packet *pkt)
{
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
}

/* The record's checks, in libpcap's order. */
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
    pcap_packet(cf, p, caplen, pkt);
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
    if (n < 12) {
        *used = 12;
        return MM_EUNSUPPORTED;
    }
    memcpy(&total, buf + 4, 4);
    memcpy(&bom, buf + 8, 4);
    if (bom != BYTE_ORDER_MAGIC) {
        if (__builtin_bswap32(bom) != BYTE_ORDER_MAGIC)
            return MM_EUNSUPPORTED;
        cf->swapped = 1;
        total = __builtin_bswap32(total);
    }
    /* libpcap checks neither the first block's trailer nor its alignment */
    if (total < SHB_MIN || total > SHB_MAX)
        return MM_EUNSUPPORTED;
    if (total > n) {
        *used = total;
        return MM_EUNSUPPORTED;
    }
    if (rd16(cf, buf + 12) != 1 || (rd16(cf, buf + 14) != 0 && rd16(cf, buf + 14) != 2))
        return MM_EUNSUPPORTED;
    cf->pcapng = 1;
    cf->header_blocks = 1;
    for (size_t pos = total; pos < n;) {
        uint32_t type = 0; /* set by block_frame (initialised for -O3's warnings) */
        const uint8_t *body = NULL;
        size_t blen = 0, len = 0;
        int r = block_frame(cf, buf + pos, n - pos, 0, &type, &body, &blen, &len, err, sizeof(err));
        if (r == MM__CAPFILE_NEED)
            *used = pos + len; /* a first interface beyond n */
        if (r != MM__CAPFILE_SKIP)
            return MM_EUNSUPPORTED;
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
    *used = n + 8; /* no interface yet: at least one more block header */
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
    if (n < 4) {
        *used = 4;
        return MM_EUNSUPPORTED;
    }
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

/* ---- the source: a file read into one buffer, or a memory buffer ------- */

struct mm__capsrc {
    struct mm__capfile cf;
    int fd;              /* -1: memory source */
    uint8_t *buf;        /* file source: the read buffer */
    size_t cap;          /* its size */
    size_t home_cap;     /* its size at open, which it returns to */
    const uint8_t *base; /* the bytes read (buf, or the memory source's bytes) */
    size_t head;         /* the next record starts at base + head */
    size_t tail;         /* the bytes read end at base + tail */
    uint64_t pos;        /* file offset of the next record (base + head) */
    uint64_t records;    /* records (pcapng: blocks) read, for messages */
    uint64_t origin;     /* file offset of the first byte read (mm__capsrc_open_fd) */
    uint64_t seen_size;  /* the file's size at open, or the offset read to, if more */
    int eof;             /* the last read returned nothing (memory: always) */
    volatile sig_atomic_t stop;
    int failed; /* an error was reported: report it again */
    char reason[384];
};

/* A buffer grown for one large record goes back to its size at open once
 * the bytes kept and the bytes needed fit that again, so one record of
 * megabytes does not hold megabytes until the file is closed. Kept as it is
 * if the smaller block cannot be had. */
static void shrink_home(struct mm__capsrc *s, size_t need)
{
    if (s->cap <= s->home_cap || need > s->home_cap || s->tail > s->home_cap)
        return;
    uint8_t *b = realloc(s->buf, s->home_cap);
    if (b) {
        s->buf = b;
        s->cap = s->home_cap;
    }
}

/* Makes the buffer hold at least need bytes from the next record on: the
 * unread tail moves to the buffer's front (a record never straddles a
 * refill), the buffer grows for a record larger than it (the parser's
 * limits bound need), then reads fill it until need bytes are there or
 * the file ends (s->eof). 0, or MM_EIO / MM_ENOMEM with errno set. */
static int refill(struct mm__capsrc *s, size_t need)
{
    size_t left = s->tail - s->head;
    memmove(s->buf, s->buf + s->head, left);
    s->head = 0;
    s->tail = left;
    shrink_home(s, need);
    if (need > s->cap) {
        uint8_t *b = realloc(s->buf, need);
        if (!b) {
            errno = ENOMEM;
            return MM_ENOMEM;
        }
        s->buf = b;
        s->cap = need;
    }
    s->base = s->buf;
    while (s->tail < need) {
        ssize_t n = read(s->fd, s->buf + s->tail, s->cap - s->tail);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return MM_EIO;
        s->eof = n == 0;
        if (n == 0)
            break;
        s->tail += (size_t)n;
    }
    uint64_t read_to = s->origin + s->pos + (s->tail - s->head);
    if (read_to > s->seen_size)
        s->seen_size = read_to;
    return 0;
}

/* Reads whatever the file holds past the bytes read so far (a capture
 * still being written grows): 1 if something came, 0 if not or on error
 * (which the caller's own reason then stands for). */
static int more(struct mm__capsrc *s)
{
    size_t had = s->tail - s->head;
    return refill(s, had + 1) == 0 && s->tail - s->head > had;
}

static struct mm__capsrc *new_source(void)
{
    struct mm__capsrc *s = calloc(1, sizeof(*s));
    if (s)
        s->fd = -1;
    return s;
}

/* Parses the header in the bytes read; 0 or MM_EUNSUPPORTED, *used as
 * mm__capfile_begin's. */
static int begin_source(struct mm__capsrc *s, size_t *used)
{
    int r = mm__capfile_begin(&s->cf, s->base, s->tail, used);
    if (r == 0) {
        s->head = *used;
        s->pos = *used;
        s->records = s->cf.header_blocks;
    }
    return r;
}

/* The rest of an open of s->fd, a regular file of st, read from offset
 * origin on. 0, or MM_EUNSUPPORTED (s is then closed by the caller). */
static int open_source(struct mm__capsrc *s, const struct stat *st, uint64_t origin, size_t bufsize)
{
    size_t used;
    posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    s->origin = origin;
    s->seen_size = (uint64_t)st->st_size;
    s->cap = bufsize ? bufsize : MM__CAPSRC_BUFFER;
    s->home_cap = s->cap;
    s->buf = malloc(s->cap);
    if (!s->buf || refill(s, s->cap) != 0)
        return MM_EUNSUPPORTED;
    int r = begin_source(s, &used);
    /* a pcapng section header (up to 1 MiB) and the blocks before its
     * first interface may not fit the buffer: one more try with room for
     * the header and one block of the largest size */
    if (r == MM_EUNSUPPORTED && used > s->tail && !s->eof && s->tail < HEADER_READ) {
        if (refill(s, HEADER_READ) != 0)
            return MM_EUNSUPPORTED;
        r = begin_source(s, &used);
    }
    return r;
}

int mm__capsrc_open_file(const char *path, size_t bufsize, struct mm__capsrc **out)
{
    struct stat st;
    int r = MM_EUNSUPPORTED; /* libpcap opens it and explains any error */
    *out = NULL;
    struct mm__capsrc *s = new_source();
    if (!s)
        return MM_ENOMEM;
    /* stat before open: opening a FIFO would connect its writer to us, and
     * closing it again could break that writer's pipe before libpcap opens
     * the path; O_NONBLOCK keeps a FIFO swapped in meanwhile from blocking */
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        (s->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 || fstat(s->fd, &st) != 0 ||
        !S_ISREG(st.st_mode))
        goto out;
    if ((r = open_source(s, &st, 0, bufsize)) != 0)
        goto out;
    *out = s;
    s = NULL;
out:
    mm__capsrc_close(s);
    return r;
}

int mm__capsrc_open_fd(int fd, size_t bufsize, struct mm__capsrc **out)
{
    struct stat st;
    int r = MM_EUNSUPPORTED;
    *out = NULL;
    off_t origin = lseek(fd, 0, SEEK_CUR);
    if (origin < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return MM_EUNSUPPORTED;
    struct mm__capsrc *s = new_source();
    if (!s)
        return MM_ENOMEM;
    /* a duplicate, which shares fd's offset: closing it leaves fd open */
    if ((s->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) >= 0 &&
        (r = open_source(s, &st, (uint64_t)origin, bufsize)) == 0) {
        *out = s;
        return 0;
    }
    mm__capsrc_close(s);
    /* declined: whoever reads fd next (libpcap) starts where we did */
    if (lseek(fd, origin, SEEK_SET) != origin)
        r = MM_EIO;
    return r;
}

int mm__capsrc_open_memory(const uint8_t *buf, size_t n, struct mm__capsrc **out)
{
    size_t used;
    *out = NULL;
    struct mm__capsrc *s = new_source();
    if (!s)
        return MM_ENOMEM;
    s->base = buf;
    s->tail = n;
    s->eof = 1;
    int r = begin_source(s, &used);
    if (r != 0) {
        mm__capsrc_close(s);
        return r;
    }
    *out = s;
    return 0;
}

size_t mm__capsrc_buffer_size(const struct mm__capsrc *s)
{
    return s->cap;
}

int mm__capsrc_linktype(const struct mm__capsrc *s)
{
    return s->cf.linktype;
}

/* The reason for an error at the record being read: its number and byte
 * offset, then why. */
static void set_reason(struct mm__capsrc *s, const char *why)
{
    snprintf(s->reason, sizeof(s->reason), "record %llu at byte offset %llu: %s",
             (unsigned long long)s->records + 1, (unsigned long long)(s->origin + s->pos), why);
}

static int report(struct mm__capsrc *s, char *err, size_t errlen)
{
    s->failed = 1;
    snprintf(err, errlen, "%s", s->reason);
    return MM_CAPTURE_ERROR;
}

/* Whether the file is now shorter than it was at open or than the bytes
 * read from it: another program cut it while it was read (when fstat
 * fails, nothing is known to be missing). */
static int cut_short(const struct mm__capsrc *s)
{
    struct stat st;
    return s->fd >= 0 && fstat(s->fd, &st) == 0 && (uint64_t)st.st_size < s->seen_size;
}

/* Reports the file cut short at the record being read. */
static int report_cut(struct mm__capsrc *s, char *err, size_t errlen)
{
    set_reason(s, "the file became shorter while it was being read "
                  "(another program truncated or rewrote it)");
    return report(s, err, errlen);
}

/* A record passed over: where the next one starts. */
static void record_done(struct mm__capsrc *s, size_t used)
{
    s->head += used;
    s->pos += used;
    s->records++;
}

/* mm__capsrc_next's general path: records of any kind, refills, the
 * file's end, errors. */
static int next_any(struct mm__capsrc *s, struct mm_capture_packet *pkt, char *err, size_t errlen)
{
    char why[256];
    if (s->failed)
        return report(s, err, errlen);
    for (;;) {
        if (s->stop)
            return MM_CAPTURE_EOF;
        size_t used;
        int r = mm__capfile_record(&s->cf, s->base + s->head, s->tail - s->head, s->eof, pkt, &used,
                                   why, sizeof(why));
        switch (r) {
        case MM__CAPFILE_PACKET:
        case MM__CAPFILE_SKIP:
            record_done(s, used);
            if (r == MM__CAPFILE_PACKET)
                return MM_CAPTURE_PACKET;
            continue;
        case MM__CAPFILE_NEED:
            if (refill(s, used) != 0) {
                set_reason(s, strerror(errno));
                return report(s, err, errlen);
            }
            continue;
        case MM__CAPFILE_END:
            if (s->fd >= 0 && more(s))
                continue;
            if (cut_short(s))
                return report_cut(s, err, errlen);
            return MM_CAPTURE_EOF;
        default:
            if (s->fd >= 0 && s->eof && more(s))
                continue; /* the record may be whole now */
            if (cut_short(s))
                return report_cut(s, err, errlen);
            set_reason(s, why);
            return report(s, err, errlen);
        }
    }
}

/* The usual classic pcap record, whole in the buffer and within the
 * limits: handed out as pcap_record and mm__capsrc_next's loop would,
 * without the loop's call to the parser and its error paths (about a third
 * of the instructions a packet took to read). False, having changed
 * nothing, for anything else (a record cut by the buffer's end, a bad
 * length, a stop, an error reported before): the loop takes it. Only for
 * classic pcap files. */
static bool next_pcap_whole(struct mm__capsrc *s, struct mm_capture_packet *pkt)
{
    const struct mm__capfile *cf = &s->cf;
    size_t n = s->tail - s->head;
    if (s->failed || s->stop || n < PCAP_REC_HDR)
        return false;
    const uint8_t *p = s->base + s->head;
    uint32_t caplen = rd32(cf, p + 8);
    if (caplen > MAX_SNAPLEN || n - PCAP_REC_HDR < caplen)
        return false;
    pcap_packet(cf, p, caplen, pkt);
    record_done(s, PCAP_REC_HDR + (size_t)caplen);
    return true;
}

/* Every packet handed out was read whole from the file (a read never
 * returns bytes past the file's end), so a cut can only show where the
 * reads stop: at the end of the bytes read, the file is asked again
 * whether it grew (read to its new end, as libpcap would) or became
 * shorter than it was (the cut, reported as such). */
int mm__capsrc_next(struct mm__capsrc *s, struct mm_capture_packet *pkt, char *err, size_t errlen)
{
    if (!s->cf.pcapng && next_pcap_whole(s, pkt))
        return MM_CAPTURE_PACKET;
    return next_any(s, pkt, err, errlen);
}

uint64_t mm__capsrc_offset(const struct mm__capsrc *s)
{
    return s->origin + s->pos;
}

uint64_t mm__capsrc_origin(const struct mm__capsrc *s)
{
    return s->origin;
}

void mm__capsrc_stop(struct mm__capsrc *s)
{
    s->stop = 1;
}

void mm__capsrc_close(struct mm__capsrc *s)
{
    if (!s)
        return;
    if (s->fd >= 0)
        close(s->fd);
    free(s->buf);
    mm__capfile_free(&s->cf);
    free(s);
}
