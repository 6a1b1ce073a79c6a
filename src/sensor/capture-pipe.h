/* SPDX-License-Identifier: Apache-2.0
 * A capture file that is not a regular file (standard input, a FIFO), read
 * for libpcap so that the sensor never waits inside libpcap for a record's
 * bytes: capture.c reads the pipe into our buffer when poll says it may,
 * and calls pcap_next_ex only once libpcap's next read lies whole in that
 * buffer (capture-pipe.c says what libpcap reads per record). libpcap
 * reads through an unbuffered stream (fopencookie) served from the buffer.
 * A signal handler wakes a wait through mm__pipe_wake (a self-pipe). */
#ifndef MM_SENSOR_CAPTURE_PIPE_H
#define MM_SENSOR_CAPTURE_PIPE_H

#include <stdbool.h>
#include <stdio.h>

struct mm__pipe;

/* A source over fd, which it owns from here on (closed by mm__pipe_close,
 * or on failure, unless it is standard input). 0, or MM_ENOMEM. */
int mm__pipe_open(int fd, struct mm__pipe **out);
/* The stream for pcap_fopen_offline (pcap_close closes it). Its first read
 * waits for the whole file header (a stop ends the wait: see
 * mm__pipe_wake). */
FILE *mm__pipe_file(struct mm__pipe *s);
/* After pcap_fopen_offline: the records start here, in the file's byte
 * order (swapped: pcap_is_swapped) and pcap version (major, minor). */
void mm__pipe_begin(struct mm__pipe *s, bool swapped, int major, int minor);
/* Whether libpcap's next pcap_next_ex (before mm__pipe_begin: its open,
 * pcap_fopen_offline) takes only buffered bytes (or the input has ended or
 * failed: libpcap then says so). When not, waits up to ms (0: not at all)
 * for the pipe, reads what it holds, and says again; false at once on
 * mm__pipe_wake (and, before mm__pipe_begin, once a stop was asked). */
bool mm__pipe_ready(struct mm__pipe *s, int ms);
/* Ends the wait of mm__pipe_ready (now or the next one); stop: also the
 * wait for a file header at open, now and from here on (the open fails).
 * Async-signal-safe; the process's every pipe. */
void mm__pipe_wake(bool stop);
/* Bytes libpcap read past what capture-pipe.c reckoned it would (each then
 * a byte at a time, waited for): 0 unless the reckoning is short (tests). */
size_t mm__pipe_overread(const struct mm__pipe *s);
void mm__pipe_close(struct mm__pipe *s);

#endif
