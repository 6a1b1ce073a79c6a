/* SPDX-License-Identifier: Apache-2.0
 * Packet sources: capture files (pcap and pcapng, read in order; regular
 * files in place by capture-file.c, the rest through libpcap) and live
 * interfaces over libpcap (optional BPF filter), plus dropping root
 * privileges once the device is open. */
#ifndef MM_SENSOR_CAPTURE_H
#define MM_SENSOR_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/time.h>

struct mm_capture;

struct mm_capture_packet {
    struct timeval ts;
    uint32_t caplen, len;
    const uint8_t *data;
};

/* Opens a capture file; on failure err holds libpcap's reason, except for
 * MM_EISDIR (path is a directory: err untouched). A pipe (standard input
 * "-" that is one, a FIFO) whose file header has not all come yet (a
 * FIFO's writer may not even have opened it; not waited for here, where
 * no mm_capture_wake_at is set yet): MM_EAGAIN, *out set, waited for by
 * mm_capture_open_more. */
int mm_capture_open_file(const char *path, struct mm_capture **out, char *err, size_t errlen);
/* After MM_EAGAIN from mm_capture_open_file: waits for the pipe's file
 * header as mm_capture_next waits for a record (half a second at most,
 * *at of mm_capture_wake_at, a signal: MM_EAGAIN again, for the caller to
 * do what is due meanwhile), then opens it: 0 (its link type known), or
 * MM_EIO with libpcap's reason in err. Close c either way. 0 at once for
 * a capture already open. */
int mm_capture_open_more(struct mm_capture *c, char *err, size_t errlen);
/* Opens a live interface (promiscuous, 256 KiB snap length, 32 MiB buffer)
 * and applies the BPF filter when given. */
int mm_capture_open_live(const char *iface, const char *bpf, struct mm_capture **out, char *err,
                         size_t errlen);
int mm_capture_linktype(const struct mm_capture *c);
/* libpcap's name of a link type ("EN10MB"), or "?" for one it does not know. */
const char *mm_capture_linktype_name(int linktype);

enum { MM_CAPTURE_PACKET = 1, MM_CAPTURE_TIMEOUT = 0, MM_CAPTURE_EOF = -2, MM_CAPTURE_ERROR = -1 };

/* Next packet: MM_CAPTURE_PACKET (pkt valid until the next call),
 * MM_CAPTURE_TIMEOUT (live: nothing within the read timeout; a pipe: see
 * mm_capture_wake_at), MM_CAPTURE_EOF, or MM_CAPTURE_ERROR with the reason
 * in err. */
int mm_capture_next(struct mm_capture *c, struct mm_capture_packet *pkt, char *err, size_t errlen);
/* A capture file that is a pipe (standard input "-", a FIFO) waits for its
 * next bytes at most half a second, and at most until *at when *at is not
 * 0 (a CLOCK_MONOTONIC time in microseconds, read at each wait; at must
 * outlive the capture): mm_capture_next then returns MM_CAPTURE_TIMEOUT, as
 * it does when a signal arrives meanwhile, so that an idle pipe does not
 * keep the caller from what is due. A regular file never waits (and costs
 * nothing per packet for it). at may be NULL: half a second. */
void mm_capture_wake_at(struct mm_capture *c, const int64_t *at);
/* Bytes of the file consumed so far, from where reading began (standard
 * input may start at an offset; files only; 0 when unknown). */
uint64_t mm_capture_offset(const struct mm_capture *c);
/* Kernel counters of a live capture (0 for files). */
void mm_capture_counters(struct mm_capture *c, uint64_t *received, uint64_t *dropped,
                         uint64_t *ifdropped);
/* Ends a pipe's wait in mm_capture_next (now, or the next one when none
 * is under way): it returns MM_CAPTURE_TIMEOUT (mm_capture_open_more:
 * MM_EAGAIN). stop: a pipe's file header is no longer waited for (now and
 * from here on). For signal handlers (a stop, a reload asked for),
 * async-signal-safe; any capture of the process. */
void mm_capture_wake(bool stop);
/* Makes a blocked mm_capture_next return (signal handlers may call it). */
void mm_capture_breakloop(struct mm_capture *c);
void mm_capture_close(struct mm_capture *c);

/* Switches to user (and its group), dropping supplementary groups, when
 * running as root. Returns 0 (also when not root), or MM_EPERM/MM_ENOENT
 * with the reason in err. */
int mm_privileges_drop(const char *user, char *err, size_t errlen);

#endif
