/* SPDX-License-Identifier: Apache-2.0
 * Our own reader of capture files (classic pcap and pcapng), used by
 * capture.c for `-r FILE` on a regular file instead of libpcap's stdio
 * path: the file is read into one buffer and records are parsed where they
 * lie in it, so each byte is copied once (libpcap copies twice). The reader
 * accepts only what it reads exactly as libpcap 1.10 would (same packets,
 * time stamps, lengths, link type, same point of failure); anything else
 * (an unknown magic, version or link type, a header libpcap would refuse)
 * is MM_EUNSUPPORTED and capture.c opens the file with libpcap instead.
 *
 * Two layers: the record parser (struct mm__capfile: bytes in, one record
 * out, no I/O) and the source (struct mm__capsrc: a file read into a
 * buffer, or a memory buffer for tests and the fuzz harness). */
#ifndef MM_SENSOR_CAPTURE_FILE_H
#define MM_SENSOR_CAPTURE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "sensor/capture.h"

/* Default read buffer; a record never straddles a refill (the unread tail
 * moves to the front, and the buffer grows for a record larger than it). */
#define MM__CAPSRC_BUFFER (256u * 1024)

struct mm__capfile_iface {
    uint64_t tsresol; /* time stamp units per second */
    uint64_t factor;  /* power-of-ten scale factor to or from microseconds */
    int64_t tsoffset; /* seconds added to every time stamp */
    int scale;        /* how units become microseconds (capture-file.c) */
};

/* Parser state of one file. Plain data: zero it, mm__capfile_begin fills it,
 * mm__capfile_free releases the interface table. */
struct mm__capfile {
    int pcapng;
    int swapped; /* file (pcapng: section) in the other byte order */
    int nsec;    /* pcap: nanosecond time stamps */
    int linktype;
    uint32_t snapshot;
    uint32_t header_blocks;           /* pcapng: blocks mm__capfile_begin consumed */
    struct mm__capfile_iface *ifaces; /* pcapng: interfaces of the current section */
    uint32_t nifaces, ifaces_cap;
};

enum {
    MM__CAPFILE_END = 0,    /* clean end of the file */
    MM__CAPFILE_PACKET = 1, /* a packet; *used bytes consumed */
    MM__CAPFILE_SKIP = 2,   /* a record that is not a packet; *used bytes consumed */
    MM__CAPFILE_NEED = 3,   /* the record needs *used bytes from its start */
    MM__CAPFILE_ERROR = -1, /* corrupt or truncated: reason in err */
};

/* Parses the file header from the first n bytes of the file: the pcap file
 * header, or the pcapng section header and the blocks up to and including
 * its first interface description. Returns 0 with *used set (the first
 * record starts there), or MM_EUNSUPPORTED when libpcap must read this file
 * (see the top of this file), or the n bytes do not hold the header and the
 * blocks up to the first interface: then *used > n (more bytes may do). */
int mm__capfile_begin(struct mm__capfile *cf, const uint8_t *buf, size_t n, size_t *used);

/* Parses the record starting at buf, n bytes of which are available; at_end
 * says the file ends at buf + n. Returns an MM__CAPFILE_* value; a packet's
 * data points into buf. MM__CAPFILE_NEED only when !at_end. */
int mm__capfile_record(struct mm__capfile *cf, const uint8_t *buf, size_t n, int at_end,
                       struct mm_capture_packet *pkt, size_t *used, char *err, size_t errlen);

void mm__capfile_free(struct mm__capfile *cf);

struct mm__capsrc;

/* Opens a regular file with a read buffer of bufsize bytes (0: the
 * default). MM_EUNSUPPORTED: not ours (not a regular file, cannot be read, or
 * mm__capfile_begin declined), nothing to report; read it with libpcap.
 * MM_ENOMEM / MM_EIO otherwise. */
int mm__capsrc_open_file(const char *path, size_t bufsize, struct mm__capsrc **out);
/* The same over fd, a regular file read from its offset on (standard
 * input redirected from a file: "-r - < file.pcap"), which stays open: a
 * duplicate is read (and the offset, shared, moves). When declined
 * (MM_EUNSUPPORTED: not a regular file, or not ours), fd's offset is put
 * back where it was, for libpcap to read it from there. Offsets in
 * messages and mm__capsrc_offset are the file's. */
int mm__capsrc_open_fd(int fd, size_t bufsize, struct mm__capsrc **out);
/* The same over a buffer that must outlive the source (tests, fuzzing). */
int mm__capsrc_open_memory(const uint8_t *buf, size_t n, struct mm__capsrc **out);
/* The read buffer's size now (file sources; 0 for memory ones). */
size_t mm__capsrc_buffer_size(const struct mm__capsrc *s);
int mm__capsrc_linktype(const struct mm__capsrc *s);
/* MM_CAPTURE_PACKET (data valid until the next call), MM_CAPTURE_EOF or
 * MM_CAPTURE_ERROR with a reason naming the record and its offset (and
 * again on every later call). */
int mm__capsrc_next(struct mm__capsrc *s, struct mm_capture_packet *pkt, char *err, size_t errlen);
/* The file offset of the next record. */
uint64_t mm__capsrc_offset(const struct mm__capsrc *s);
/* The file offset reading began at (not 0 for "-r - < file" at an offset). */
uint64_t mm__capsrc_origin(const struct mm__capsrc *s);
/* Makes the next mm__capsrc_next return MM_CAPTURE_EOF (signal-safe). */
void mm__capsrc_stop(struct mm__capsrc *s);
void mm__capsrc_close(struct mm__capsrc *s);

#endif
