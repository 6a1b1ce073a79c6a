/* SPDX-License-Identifier: Apache-2.0
 * The crash-safe spool (format and guarantees in spool.h and
 * docs/design/eve.md): segment files of length+CRC framed records, torn
 * tail recovery on open (a read that fails is an error, never a torn tail),
 * the acked-seq file, the size bound (oldest segments dropped), write
 * failures (the first kept for the exit message; outages logged as
 * outage-log.h says), and the reader the uplink uses. A writer registers
 * itself in a process-wide table keyed by the spool directory, so a reader
 * in the same process hands out only records the writer has synced (a seq
 * handed to the centre must never be reused after a power cut). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "core/error.h"
#include "core/msg.h"
#include "core/eve.h"
#include "core/fs.h"
#include "core/str.h"
#include "sensor/output/outage-log.h"
#include "sensor/output/output.h"
#include "sensor/output/spool.h"

#define MAGIC         "MMSPOOL1"
#define MAGIC_LEN     8
#define HDR_LEN       16
#define DIR_MAX       4000
#define TEXT_KEEP_MAX (64 * 1024) /* a larger text buffer is not kept */

/* What a writer shares with readers of the same directory in this process. */
struct spool_shared {
    dev_t dev;
    ino_t ino;
    _Atomic uint64_t synced;  /* every record up to this seq is durable */
    _Atomic uint64_t corrupt; /* records readers skipped as corrupt */
    struct spool_shared *next;
};

struct mm_spool {
    char dir[DIR_MAX];
    int lock_fd, seg_fd;
    uint64_t seg_size, last_seq, recovered;
    uint64_t max_bytes, seg_max, total_bytes, dropped;
    int pending;
    char *text;                /* mm_spool_append's line of an event, reused */
    size_t text_cap, text_len; /* text_len 0: no line of the last append */
    struct spool_shared shared;
    bool registered;
    uint64_t seg_first;              /* the first seq of the segment written (or tried) */
    char failed[DIR_MAX + 32];       /* the segment file the open could not read ("": none) */
    int write_error;                 /* the first write failure since the open (0: none) */
    char write_failed[DIR_MAX + 32]; /* the segment file it was in */
    uint64_t write_lost;             /* appends lost to write failures */
    struct mm_outage_log outage;     /* failing: no record added since a write failed */
    uint64_t lost_before;            /* write_lost when the logged outage began */
};

struct mm_spool_reader {
    char dir[DIR_MAX];
    char failed[DIR_MAX + 32]; /* the file the last failed read could not read */
    uint64_t acked;
    uint64_t corrupt, corrupt_seg; /* records skipped; last segment counted */
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spool_shared *registry;

/* ---- shared helpers ------------------------------------------------------- */

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint64_t get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint32_t record_crc(const uint8_t seq_le[8], const char *payload, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, seq_le, 8);
    c = crc32(c, (const Bytef *)payload, (uInt)len);
    return (uint32_t)c;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The first seq a segment file's name gives: exactly 20 digits and
 * ".seg", read strictly (mm_str_int64), 1 to INT64_MAX as the writer
 * numbers; 0 for any other name (a stray "00000000000000000000.seg" or
 * one past the numbers the writer gives is not a segment, it would turn
 * the numbering). */
static uint64_t segment_first(const char *name)
{
    char digits[21];
    int64_t v;
    if (strlen(name) != 24 || strcmp(name + 20, ".seg") != 0)
        return 0;
    memcpy(digits, name, 20);
    digits[20] = '\0';
    return mm_str_int64(digits, 1, INT64_MAX, &v) == 0 ? (uint64_t)v : 0;
}

/* Calls visit(arg, dir_fd, name, first) for each file in dir named as a
 * segment (segment_first) followed by suffix: "" for the segments, a
 * set-aside one's (SET_ASIDE_SUFFIX); first is the seq its name gives.
 * Stops at visit's first non-zero return and returns it. A dir that does
 * not exist holds none (0); any other failure to open it is the system's
 * reason. The spool's one walk of its directory. */
typedef int (*segment_visit_fn)(void *arg, int dir_fd, const char *name, uint64_t first);

static int walk_segments(const char *dir, const char *suffix, segment_visit_fn visit, void *arg)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : mm_error_from_errno(errno);
    size_t suffix_len = strlen(suffix);
    struct dirent *e;
    int r = 0;
    while (r == 0 && (e = readdir(d)) != NULL) {
        char name[25];
        if (strlen(e->d_name) != 24 + suffix_len || strcmp(e->d_name + 24, suffix) != 0)
            continue;
        memcpy(name, e->d_name, 24);
        name[24] = '\0';
        uint64_t first = segment_first(name);
        if (first != 0) /* else not a segment: left alone */
            r = visit(arg, dirfd(d), e->d_name, first);
    }
    closedir(d);
    return r;
}

/* The first seqs list_segments gathers. */
struct seq_list {
    uint64_t *v;
    size_t n, cap;
};

static int seq_list_add(void *arg, int dir_fd, const char *name, uint64_t first)
{
    (void)dir_fd;
    (void)name;
    struct seq_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        uint64_t *nv = realloc(l->v, cap * sizeof(*nv));
        if (!nv)
            return MM_ENOMEM;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = first;
    return 0;
}

/* Lists the first seqs of the segment files in dir, sorted (free *out). */
static int list_segments(const char *dir, uint64_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    struct seq_list l = {NULL, 0, 0};
    int r = walk_segments(dir, "", seq_list_add, &l);
    if (r != 0) {
        free(l.v);
        return r;
    }
    if (l.n > 1)
        qsort(l.v, l.n, sizeof(*l.v), cmp_u64);
    *out = l.v;
    *count = l.n;
    return 0;
}

/* A segment set aside by hand: NAME.seg renamed NAME.seg.unreadable, as
 * the message for a newest segment that cannot be read says. */
#define SET_ASIDE_SUFFIX ".unreadable"

/* Raises *(uint64_t *)arg to the highest seq the set-aside segment name
 * may hold (set_aside_bound). */
static int set_aside_raise(void *arg, int dir_fd, const char *name, uint64_t first)
{
    uint64_t *bound = arg;
    struct stat st;
    if (fstatat(dir_fd, name, &st, 0) != 0)
        return mm_error_from_errno(errno);
    uint64_t last = first + (uint64_t)st.st_size / HDR_LEN;
    if (last > *bound)
        *bound = last;
    return 0;
}

/* The highest seq the segments set aside in dir may hold (0 when there are
 * none): a segment's records are consecutive seqs from its name's first,
 * each longer than a header, so first + size / HDR_LEN is above them all.
 * New events are numbered past it: the centre may have stored some of those
 * events before their acknowledgement was kept, and it drops a repeated
 * seq, so reusing their numbers would lose new events. */
static int set_aside_bound(const char *dir, uint64_t *bound)
{
    *bound = 0;
    return walk_segments(dir, SET_ASIDE_SUFFIX, set_aside_raise, bound);
}

static void segment_path(const char *dir, uint64_t first, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%020" PRIu64 ".seg", dir, first);
}

/* Writes a segment's header at fd's end. 0, or the system's reason (a
 * short write, which sets no errno, is an I/O error). */
static int write_magic(int fd)
{
    ssize_t w = write(fd, MAGIC, MAGIC_LEN);
    return w == MAGIC_LEN ? 0 : w < 0 ? mm_error_from_errno(errno) : MM_EIO;
}

/* The acked seq of dir into *out: 0 without the file (nothing acked yet),
 * else the number mm_spool_reader_ack writes ("N\n"), read strictly
 * (mm_str_int64). A file holding anything else ("+5", " 5", "-1", "5x",
 * nothing) is MM_EPARSE, one that cannot be read the system's reason: the
 * delivery position is never guessed (a number too high would skip
 * events, too low send them again). */
static int read_acked(const char *dir, uint64_t *out)
{
    char path[DIR_MAX + 16], *text = NULL;
    size_t len = 0;
    int64_t v = 0;
    *out = 0;
    snprintf(path, sizeof(path), "%s/acked", dir);
    int r = mm_file_read(path, 64, &text, &len);
    if (r == MM_ENOENT)
        return 0;
    if (r == MM_ETOOBIG)
        r = MM_EPARSE;
    if (r == 0) {
        size_t n = len > 0 && text[len - 1] == '\n' ? len - 1 : len;
        text[n] = '\0'; /* (a NUL inside ends the text early: refused too) */
        if (strlen(text) != n || mm_str_int64(text, 0, INT64_MAX, &v) != 0)
            r = MM_EPARSE;
    }
    free(text);
    if (r == 0)
        *out = (uint64_t)v;
    return r;
}

/* Reads n bytes at fd's offset off: 0, MM_ETRUNC when the file ends
 * first (a record cut short by a crash), else the system's reason for the
 * failed read (a damaged disk is MM_EIO): never taken for corruption. */
static int read_at(int fd, void *buf, size_t n, uint64_t off)
{
    ssize_t got = mm_pread_full(fd, buf, n, off);
    if (got < 0)
        return mm_error_from_errno(errno);
    return (size_t)got < n ? MM_ETRUNC : 0;
}

/* read_record's answer for a torn or corrupt record: 0 with *bad set. */
static int torn(int *bad)
{
    *bad = 1;
    return 0;
}

/* Reads one record at fd's offset off. Returns 1 with the record, 0 at a
 * clean end or an incomplete/corrupt record (*bad set for the latter), or
 * a negative code when the file could not be read (the system's reason) or
 * memory ran out: an error, never corruption, so nothing is cut or skipped
 * for it. */
static int read_record(int fd, uint64_t off, uint64_t file_size, struct mm_spool_record *rec,
                       int want_payload, int *bad)
{
    uint8_t hdr[HDR_LEN];
    *bad = 0;
    if (off == file_size)
        return 0;
    if (off + HDR_LEN > file_size)
        return torn(bad);
    int r = read_at(fd, hdr, HDR_LEN, off);
    if (r != 0)
        return r == MM_ETRUNC ? torn(bad) : r;
    uint32_t len = get_le32(hdr), crc = get_le32(hdr + 4);
    if (len == 0 || len > MM_EVE_LINE_MAX || off + HDR_LEN + len > file_size)
        return torn(bad);
    char *buf = malloc((size_t)len + 1);
    if (!buf)
        return MM_ENOMEM;
    r = read_at(fd, buf, len, off + HDR_LEN);
    if (r == 0 && record_crc(hdr + 8, buf, len) != crc)
        r = MM_ETRUNC;
    if (r != 0) {
        free(buf);
        return r == MM_ETRUNC ? torn(bad) : r;
    }
    buf[len] = '\0';
    rec->seq = get_le64(hdr + 8);
    rec->len = len;
    if (want_payload) {
        rec->json = buf;
    } else {
        rec->json = NULL;
        free(buf);
    }
    return 1;
}

static void registry_add(struct spool_shared *sh)
{
    pthread_mutex_lock(&registry_lock);
    sh->next = registry;
    registry = sh;
    pthread_mutex_unlock(&registry_lock);
}

static void registry_remove(struct spool_shared *sh)
{
    pthread_mutex_lock(&registry_lock);
    for (struct spool_shared **pp = &registry; *pp; pp = &(*pp)->next)
        if (*pp == sh) {
            *pp = sh->next;
            break;
        }
    pthread_mutex_unlock(&registry_lock);
}

/* The highest seq a reader of dir may hand out: the writer's synced seq when
 * a writer of dir runs in this process, else no limit (a writer syncs
 * everything when it closes, and on open). Adds corrupt to its counter. */
static uint64_t registry_limit(const char *dir, uint64_t corrupt)
{
    struct stat st;
    uint64_t limit = UINT64_MAX;
    if (stat(dir, &st) != 0)
        return limit;
    pthread_mutex_lock(&registry_lock);
    for (struct spool_shared *sh = registry; sh; sh = sh->next)
        if (sh->dev == st.st_dev && sh->ino == st.st_ino) {
            limit = atomic_load(&sh->synced);
            atomic_fetch_add(&sh->corrupt, corrupt);
            break;
        }
    pthread_mutex_unlock(&registry_lock);
    return limit;
}

static int64_t file_size(const char *dir, uint64_t first)
{
    char path[DIR_MAX + 32];
    struct stat st;
    segment_path(dir, first, path, sizeof(path));
    return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* ---- writer --------------------------------------------------------------- */

/* Finds the end of the intact records of segment fd (first seq first);
 * sets *end and *last. 0, or why the file could not be read (nothing is
 * cut then: a read error is not a torn tail). */
static int scan_segment(int fd, uint64_t first, uint64_t size, uint64_t *end, uint64_t *last)
{
    uint64_t off = MAGIC_LEN, prev = first - 1;
    int r;
    for (;;) {
        struct mm_spool_record rec = {0};
        int bad;
        if ((r = read_record(fd, off, size, &rec, 0, &bad)) < 0)
            return r;
        if (r == 0 || rec.seq <= prev)
            break; /* end, torn, or out of order: a corrupt tail */
        prev = rec.seq;
        off += HDR_LEN + rec.len;
    }
    *end = off;
    *last = prev;
    return 0;
}

/* True when segment fd (size bytes) starts with the header; a header cut
 * short (created, the header never made it) is not one. *r: why the file
 * could not be read, else 0. */
static bool has_magic(int fd, uint64_t size, int *r)
{
    char magic[MAGIC_LEN];
    *r = size < MAGIC_LEN ? MM_ETRUNC : read_at(fd, magic, MAGIC_LEN, 0);
    if (*r == 0)
        return memcmp(magic, MAGIC, MAGIC_LEN) == 0;
    if (*r == MM_ETRUNC)
        *r = 0;
    return false;
}

/* Validates the newest segment, truncating a torn tail, and syncs it (what
 * a killed process left in the page cache becomes durable); sets last_seq.
 * A segment that cannot be read, that cannot be opened for a reason with
 * a step of its own (a link to itself: mm_error_has_step; not a folder of
 * that name, whose "give a file" does not fit), or that holds more than a
 * header but does not start with one (MM_EPARSE: not a spool's file, its
 * bytes are not guessed at), is left as it is and named in s->failed;
 * other failures (open, repair, sync) name nothing there. */
static int recover_segment(struct mm_spool *s, uint64_t first)
{
    char path[sizeof(s->failed)];
    segment_path(s->dir, first, path, sizeof(path));
    /* O_APPEND: every write lands at the end, also after a truncation. */
    int fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        int r = mm_error_nofollow(path, errno); /* a link: MM_ESYMLINK, named */
        if (mm_error_has_step(r) && r != MM_EISDIR)
            snprintf(s->failed, sizeof(s->failed), "%s", path);
        return r;
    }
    struct stat st;
    uint64_t size, off, last;
    int r = 0;
    if (fstat(fd, &st) != 0)
        goto fail;
    size = (uint64_t)st.st_size;
    if (!has_magic(fd, size, &r)) {
        if (r != 0)
            goto unreadable;
        if (size > MAGIC_LEN) { /* records after a header that is not ours */
            r = MM_EPARSE;
            goto unreadable;
        }
        /* Created but the header never made it: rewrite the header. */
        if (ftruncate(fd, 0) != 0)
            goto fail;
        if ((r = write_magic(fd)) != 0)
            goto out;
        s->recovered += size;
        size = MAGIC_LEN;
    }
    if ((r = scan_segment(fd, first, size, &off, &last)) != 0)
        goto unreadable;
    if (off < size) {
        if (ftruncate(fd, (off_t)off) != 0)
            goto fail;
        s->recovered += size - off;
    }
    if (fsync(fd) != 0)
        goto fail;
    if (last > s->last_seq)
        s->last_seq = last;
    s->seg_fd = fd;
    s->seg_size = off;
    s->seg_first = first;
    return 0;
unreadable:
    snprintf(s->failed, sizeof(s->failed), "%s", path);
    goto out;
fail:
    r = mm_error_from_errno(errno);
out:
    close(fd);
    return r;
}

/* Sums the sizes of the segment files (for the size bound). */
static void count_bytes(struct mm_spool *s, const uint64_t *segs, size_t nsegs)
{
    s->total_bytes = 0;
    for (size_t i = 0; i < nsegs; i++) {
        int64_t sz = file_size(s->dir, segs[i]);
        if (sz > 0)
            s->total_bytes += (uint64_t)sz;
    }
}

int mm_spool_open(const char *dir, struct mm_spool **out)
{
    return mm_spool_open_noted(dir, out, NULL, 0);
}

/* Numbers new events past the segments set aside (set_aside_bound), in a
 * new segment: the newest listed one, older than a set-aside one, is left
 * as it is. */
static int number_past_set_aside(struct mm_spool *s)
{
    uint64_t bound;
    int r = set_aside_bound(s->dir, &bound);
    if (r != 0 || bound <= s->last_seq)
        return r;
    s->last_seq = bound;
    if (s->seg_fd >= 0) {
        close(s->seg_fd); /* synced by recover_segment */
        s->seg_fd = -1;
    }
    return 0;
}

int mm_spool_open_noted(const char *dir, struct mm_spool **out, char *failed, size_t failed_len)
{
    *out = NULL;
    if (failed_len > 0)
        failed[0] = '\0';
    if (strlen(dir) >= DIR_MAX)
        return MM_EINVAL;
    int r = mm_mkdir_p(dir, 0750);
    if (r != 0)
        return r;
    struct mm_spool *s = calloc(1, sizeof(*s));
    if (!s)
        return MM_ENOMEM;
    snprintf(s->dir, sizeof(s->dir), "%s", dir);
    s->seg_fd = -1;
    s->max_bytes = MM_SPOOL_MAX_BYTES_DEFAULT;
    s->seg_max = MM_SPOOL_SEGMENT_MAX;
    char path[DIR_MAX + 16];
    struct stat st;
    snprintf(path, sizeof(path), "%s/lock", dir);
    uint64_t *segs = NULL;
    size_t nsegs = 0;
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (s->lock_fd < 0) { /* an existing folder not writable, read-only, full: as it is */
        r = mm_error_nofollow(path, errno);
        if (r == MM_ESYMLINK) /* (the link is named) */
            snprintf(s->failed, sizeof(s->failed), "%s", path);
        goto out;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        r = errno == EWOULDBLOCK ? MM_EEXIST : mm_error_from_errno(errno);
        goto out;
    }
    if ((r = read_acked(dir, &s->last_seq)) != 0)
        goto out;
    if ((r = list_segments(dir, &segs, &nsegs)) != 0)
        goto out;
    if (nsegs > 0 && (r = recover_segment(s, segs[nsegs - 1])) != 0)
        goto out;
    if ((r = number_past_set_aside(s)) != 0)
        goto out;
    count_bytes(s, segs, nsegs);
    if (stat(dir, &st) != 0) {
        r = mm_error_from_errno(errno);
        goto out;
    }
    s->shared.dev = st.st_dev;
    s->shared.ino = st.st_ino;
    atomic_store(&s->shared.synced, s->last_seq);
    registry_add(&s->shared);
    s->registered = true;
out:
    free(segs);
    if (r != 0) {
        if (failed_len > 0)
            snprintf(failed, failed_len, "%s", s->failed);
        mm_spool_close(s);
        return r;
    }
    *out = s;
    return 0;
}

void mm_spool_set_max_bytes(struct mm_spool *s, uint64_t max_bytes)
{
    s->max_bytes = max_bytes;
    /* at least 8 segments fit, so dropping one frees a small part */
    uint64_t seg = max_bytes / 8;
    if (seg < 4096)
        seg = 4096;
    s->seg_max = seg < MM_SPOOL_SEGMENT_MAX ? seg : MM_SPOOL_SEGMENT_MAX;
}

/* Deletes the oldest segments (never the one being written) while the spool
 * is over max_bytes; their unacknowledged records count as dropped. */
static void enforce_max_bytes(struct mm_spool *s)
{
    uint64_t *segs = NULL;
    size_t nsegs = 0;
    if (s->total_bytes <= s->max_bytes || list_segments(s->dir, &segs, &nsegs) != 0)
        return;
    uint64_t acked;
    if (read_acked(s->dir, &acked) != 0)
        acked = 0; /* (unreadable since the open: every record dropped counts) */
    char path[DIR_MAX + 32];
    for (size_t i = 0; i + 1 < nsegs && s->total_bytes > s->max_bytes; i++) {
        int64_t sz = file_size(s->dir, segs[i]);
        segment_path(s->dir, segs[i], path, sizeof(path));
        if (unlink(path) != 0)
            continue;
        if (sz > 0)
            s->total_bytes -= (uint64_t)sz < s->total_bytes ? (uint64_t)sz : s->total_bytes;
        uint64_t from = segs[i] > acked + 1 ? segs[i] : acked + 1;
        if (segs[i + 1] > from)
            s->dropped += segs[i + 1] - from;
    }
    free(segs);
}

/* A write to the segment whose first seq is first failed with r: the first
 * failure since the open is kept (mm_spool_write_error); the first of an
 * outage is logged with the file and the system's reason (up to
 * MM_OUTAGES_LOGGED outages). The file's path is formed only for those
 * two (not for every append an outage loses). Returns r. */
static int write_failed(struct mm_spool *s, uint64_t first, int r)
{
    bool keep = s->write_error == 0, log = mm_outage_log_begin(&s->outage);
    if (!keep && !log)
        return r;
    char path[DIR_MAX + 32];
    segment_path(s->dir, first, path, sizeof(path));
    if (keep) {
        s->write_error = r;
        memcpy(s->write_failed, path, sizeof(path));
    }
    if (log) {
        s->lost_before = s->write_lost;
        mm_msg_print(stderr, "mamori-sensor", "sensor-log",
                     mm_error_has_step(r) ? "spool.write_failed_own_step" : "spool.write_failed",
                     path, mm_msg_strerror(r));
    }
    return r;
}

/* A record was added: the first after a failure ends the outage. When the
 * outage was logged and lost events, that adding works again is logged,
 * with the events lost in it. A failed sync alone loses no event it could
 * count, and a record added after it says nothing about the disk keeping
 * the records before, so it is not called a recovery (but ends the
 * outage: a later failure is logged as a new one). */
static void write_worked(struct mm_spool *s)
{
    if (!mm_outage_log_end(&s->outage) || s->write_lost == s->lost_before)
        return;
    char path[DIR_MAX + 32];
    segment_path(s->dir, s->seg_first, path, sizeof(path));
    mm_msg_print(stderr, "mamori-sensor", "sensor-log", "spool.write_recovered", path,
                 (unsigned long long)(s->write_lost - s->lost_before));
}

/* Starts the segment whose first record will be seq. */
static int new_segment(struct mm_spool *s, uint64_t seq)
{
    char path[DIR_MAX + 32];
    if (s->seg_fd >= 0) {
        if (fdatasync(s->seg_fd) != 0)
            return write_failed(s, s->seg_first, mm_error_from_errno(errno));
        close(s->seg_fd);
        s->seg_fd = -1;
        s->pending = 0;
        atomic_store(&s->shared.synced, s->last_seq);
    }
    segment_path(s->dir, seq, path, sizeof(path));
    /* O_EXCL: a new segment's name is past every segment listed (one whose
     * header could not be written is removed), so a file there (a link
     * planted by another account) is refused instead of cut and written
     * through */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0)
        return write_failed(s, seq, mm_error_nofollow(path, errno));
    int r = write_magic(fd);
    if (r == 0 && fdatasync(fd) != 0)
        r = mm_error_from_errno(errno);
    if (r == 0)
        r = mm_fsync_parent(path);
    if (r != 0) { /* (removed: the retry creates it again, O_EXCL) */
        close(fd);
        unlink(path);
        return write_failed(s, seq, r);
    }
    s->seg_fd = fd;
    s->seg_first = seq;
    s->seg_size = MAGIC_LEN;
    s->total_bytes += MAGIC_LEN;
    enforce_max_bytes(s);
    return 0;
}

/* Starts a new segment when there is none or the current one is full. */
static int segment_ready(struct mm_spool *s)
{
    if (s->seg_fd >= 0 && s->seg_size < s->seg_max)
        return 0;
    return new_segment(s, s->last_seq + 1);
}

/* Why writev(fd, iov, 2) stopped after w of its bytes. A short write sets
 * no errno, so the rest is written once more to learn it (a full disk, the
 * file size limit); the caller cuts whatever got written either way. */
static int write_failure(int fd, const struct iovec iov[2], ssize_t w)
{
    if (w < 0)
        return mm_error_from_errno(errno);
    struct iovec rest[2] = {iov[0], iov[1]}, *from = rest;
    size_t done = (size_t)w;
    if (done >= rest[0].iov_len) {
        done -= rest[0].iov_len;
        from++;
    }
    from->iov_base = (char *)from->iov_base + done;
    from->iov_len -= done;
    return writev(fd, from, (int)(rest + 2 - from)) < 0 ? mm_error_from_errno(errno) : MM_EIO;
}

/* Writes the record of the next seq with its text in one writev, so a
 * killed process leaves it whole or torn (cut on the next open). */
static int write_record(struct mm_spool *s, const char *text, size_t len)
{
    uint64_t seq = s->last_seq + 1;
    if (len > MM_EVE_LINE_MAX)
        return MM_ETOOBIG;
    uint8_t hdr[HDR_LEN];
    put_le32(hdr, (uint32_t)len);
    put_le64(hdr + 8, seq);
    put_le32(hdr + 4, record_crc(hdr + 8, text, len));
    struct iovec iov[2] = {{hdr, HDR_LEN}, {(void *)text, len}};
    ssize_t w = writev(s->seg_fd, iov, 2);
    if (w != (ssize_t)(HDR_LEN + len)) {
        int r = write_failed(s, s->seg_first, write_failure(s->seg_fd, iov, w));
        /* Cut a partial record so the file stays well-formed (the fd is
         * O_APPEND: the next record goes to the new end). If the cut fails,
         * leave that segment (its torn tail is skipped by readers) and start
         * a new one with the next record. A segment with no whole record
         * (this was its first) is removed instead: the next one has the
         * same name (last_seq + 1), which O_EXCL would refuse on every
         * append until a restart. (No test: ftruncate of a file just
         * written fails only on a broken disk.) */
        if (w >= 0 && ftruncate(s->seg_fd, (off_t)s->seg_size) != 0) {
            if (fdatasync(s->seg_fd) == 0) /* the records before are durable */
                atomic_store(&s->shared.synced, s->last_seq);
            close(s->seg_fd);
            s->seg_fd = -1;
            s->pending = 0;
            if (s->seg_size == MAGIC_LEN) {
                char path[DIR_MAX + 32];
                segment_path(s->dir, s->seg_first, path, sizeof(path));
                if (unlink(path) == 0)
                    s->total_bytes -= MAGIC_LEN;
            }
        }
        return r;
    }
    s->seg_size += (uint64_t)w;
    s->total_bytes += (uint64_t)w;
    s->last_seq = seq;
    s->pending = 1;
    write_worked(s);
    return 0;
}

/* Forgets the last append's line (a large buffer is not kept). */
static void text_reset(struct mm_spool *s)
{
    s->text_len = 0;
    if (s->text_cap > TEXT_KEEP_MAX) {
        free(s->text);
        s->text = NULL;
        s->text_cap = 0;
    }
}

int mm_spool_append(struct mm_spool *s, json_t *ev)
{
    uint64_t seq = s->last_seq + 1;
    text_reset(s);
    int r = segment_ready(s);
    if (r != 0) {
        s->write_lost++;
        return r;
    }
    if (json_object_set_new(ev, "seq", json_integer((json_int_t)seq)) != 0)
        return MM_ENOMEM;
    size_t len = 0;
    r = mm_eve_line_format(ev, &s->text, &len, &s->text_cap);
    if (r == 0 && (r = write_record(s, s->text, len - 1)) != 0) /* without the '\n' */
        s->write_lost += r != MM_ETOOBIG;
    if (r != 0) {
        json_object_del(ev, "seq");
        return r;
    }
    s->text_len = len;
    return 0;
}

uint64_t mm_spool_next_seq(const struct mm_spool *s)
{
    return s->last_seq + 1;
}

const char *mm_spool_last_line(const struct mm_spool *s, size_t *len)
{
    *len = s->text_len;
    return s->text_len ? s->text : NULL;
}

int mm_spool_append_text(struct mm_spool *s, uint64_t seq, const char *text, size_t len)
{
    text_reset(s);
    if (seq != s->last_seq + 1 || len == 0)
        return MM_EINVAL;
    int r = segment_ready(s);
    if (r == 0)
        r = write_record(s, text, len);
    s->write_lost += r != 0 && r != MM_ETOOBIG;
    return r;
}

int mm_spool_sync(struct mm_spool *s)
{
    if (!s || !s->pending || s->seg_fd < 0)
        return 0;
    if (fdatasync(s->seg_fd) != 0)
        return write_failed(s, s->seg_first, mm_error_from_errno(errno));
    s->pending = 0;
    atomic_store(&s->shared.synced, s->last_seq);
    return 0;
}

int mm_spool_pending(const struct mm_spool *s)
{
    return s && s->pending;
}

uint64_t mm_spool_last_seq(const struct mm_spool *s)
{
    return s->last_seq;
}

uint64_t mm_spool_recovered_bytes(const struct mm_spool *s)
{
    return s->recovered;
}

uint64_t mm_spool_synced_seq(const struct mm_spool *s)
{
    return atomic_load(&s->shared.synced);
}

int mm_spool_write_error(const struct mm_spool *s, const char **path, uint64_t *lost)
{
    *path = s && s->write_error ? s->write_failed : NULL;
    *lost = s ? s->write_lost : 0;
    return s ? s->write_error : 0;
}

uint64_t mm_spool_dropped(const struct mm_spool *s)
{
    return s ? s->dropped + atomic_load(&s->shared.corrupt) : 0;
}

void mm_spool_close(struct mm_spool *s)
{
    if (!s)
        return;
    mm_spool_sync(s);
    if (s->registered)
        registry_remove(&s->shared);
    if (s->seg_fd >= 0)
        close(s->seg_fd);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->text);
    free(s);
}

/* ---- reader --------------------------------------------------------------- */

int mm_spool_reader_open(const char *dir, struct mm_spool_reader **out)
{
    *out = NULL;
    if (strlen(dir) >= DIR_MAX)
        return MM_EINVAL;
    struct mm_spool_reader *r = calloc(1, sizeof(*r));
    if (!r)
        return MM_ENOMEM;
    snprintf(r->dir, sizeof(r->dir), "%s", dir);
    int rc = read_acked(dir, &r->acked);
    if (rc != 0) {
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

static int batch_push(struct mm_spool_batch *b, size_t *cap, struct mm_spool_record *rec)
{
    if (b->count == *cap) {
        size_t nc = *cap ? 2 * *cap : 32;
        struct mm_spool_record *nr = realloc(b->records, nc * sizeof(*nr));
        if (!nr)
            return MM_ENOMEM;
        b->records = nr;
        *cap = nc;
    }
    b->records[b->count++] = *rec;
    return 0;
}

struct read_state {
    size_t max_records, max_bytes, cap, bytes;
    uint64_t limit; /* synced seq: records above it wait */
    uint64_t last;  /* highest seq seen in the segment being read */
    bool bad;       /* the segment ended with a corrupt record */
    bool done;      /* a limit, the synced seq or the writer's tail ends the batch */
};

/* Appends the records of one segment after the acked seq, up to the limits. */
static int read_segment(struct mm_spool_reader *r, uint64_t first, struct read_state *rs,
                        struct mm_spool_batch *b)
{
    char path[DIR_MAX + 32];
    segment_path(r->dir, first, path, sizeof(path));
    rs->bad = false;
    rs->last = first - 1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT)
        return 0; /* dropped for the size bound */
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        /* no permission, a damaged disk...: the system's reason, and which file */
        int rc = mm_error_from_errno(errno);
        snprintf(r->failed, sizeof r->failed, "%s", path);
        if (fd >= 0)
            close(fd);
        return rc;
    }
    int rc = 0;
    uint64_t size = (uint64_t)st.st_size, off = MAGIC_LEN;
    while (b->count < rs->max_records && rs->bytes < rs->max_bytes) {
        struct mm_spool_record rec = {0};
        int bad, got = read_record(fd, off, size, &rec, 1, &bad);
        if (got < 0) {
            /* A read error (a failing disk) is not corruption: nothing is
             * skipped. The records before it go out; the next call, which
             * reads this spot first, fails with the reason. */
            rs->done = true;
            if (b->count > 0)
                goto out;
            rc = got;
            if (rc != MM_ENOMEM)
                snprintf(r->failed, sizeof r->failed, "%s", path);
            goto out;
        }
        if (got == 0) {
            rs->bad = bad;
            goto out;
        }
        if (rec.seq > rs->limit) {
            free(rec.json); /* written but not yet synced */
            rs->done = true;
            goto out;
        }
        off += HDR_LEN + rec.len;
        if (rec.seq > rs->last)
            rs->last = rec.seq;
        if (rec.seq <= r->acked || (b->count && rec.seq <= b->records[b->count - 1].seq)) {
            free(rec.json);
            continue;
        }
        if ((rc = batch_push(b, &rs->cap, &rec)) != 0) {
            free(rec.json);
            goto out;
        }
        rs->bytes += rec.len;
    }
    rs->done = true;
out:
    close(fd);
    return rc;
}

/* A segment that is not the newest ended with a corrupt record: the records
 * between it and the next segment are lost. Logged and counted once. */
static void skip_corrupt(struct mm_spool_reader *r, uint64_t first, uint64_t next_first,
                         uint64_t last)
{
    if (first <= r->corrupt_seg && r->corrupt_seg != 0)
        return;
    r->corrupt_seg = first;
    uint64_t lost = next_first > last + 1 ? next_first - 1 - last : 0;
    r->corrupt += lost;
    mm_msg_print(stderr, "mamori-sensor", "sensor-log", "spool.corrupt", (unsigned long long)first,
                 (unsigned long long)last, (unsigned long long)lost);
    registry_limit(r->dir, lost);
}

int mm_spool_reader_next(struct mm_spool_reader *r, size_t max_records, size_t max_bytes,
                         struct mm_spool_batch *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t *segs = NULL;
    size_t nsegs = 0;
    struct read_state rs = {.max_records = max_records, .max_bytes = max_bytes};
    rs.limit = registry_limit(r->dir, 0);
    r->failed[0] = '\0';
    int rc = list_segments(r->dir, &segs, &nsegs);
    if (rc != 0) {
        snprintf(r->failed, sizeof r->failed, "%s", r->dir);
        return rc;
    }
    /* Start at the last segment whose first seq is <= acked + 1. */
    size_t start = 0;
    for (size_t i = 0; i < nsegs; i++)
        if (segs[i] <= r->acked + 1)
            start = i;
    for (size_t i = start; i < nsegs && !rs.done; i++) {
        if ((rc = read_segment(r, segs[i], &rs, out)) != 0)
            break;
        if (rs.done || !rs.bad)
            continue;
        if (i + 1 == nsegs)
            break; /* the newest segment: the writer may be in the middle of it */
        skip_corrupt(r, segs[i], segs[i + 1], rs.last);
    }
    free(segs);
    if (rc != 0)
        mm_spool_batch_free(out);
    return rc;
}

int mm_spool_reader_ack(struct mm_spool_reader *r, uint64_t seq)
{
    if (seq <= r->acked)
        return 0;
    char path[DIR_MAX + 32], text[32];
    snprintf(path, sizeof(path), "%s/acked", r->dir);
    int n = snprintf(text, sizeof(text), "%" PRIu64 "\n", seq);
    int rc = mm_file_write_atomic(path, text, (size_t)n);
    if (rc != 0)
        return rc;
    r->acked = seq;
    uint64_t *segs = NULL;
    size_t nsegs = 0;
    if (list_segments(r->dir, &segs, &nsegs) != 0)
        return 0; /* the ack itself is recorded; cleanup waits */
    for (size_t i = 0; i + 1 < nsegs; i++) {
        if (segs[i + 1] - 1 > seq)
            break;
        segment_path(r->dir, segs[i], path, sizeof(path));
        unlink(path);
    }
    free(segs);
    return 0;
}

uint64_t mm_spool_reader_acked(const struct mm_spool_reader *r)
{
    return r->acked;
}

uint64_t mm_spool_reader_corrupt(const struct mm_spool_reader *r)
{
    return r->corrupt;
}

const char *mm_spool_reader_failed(const struct mm_spool_reader *r)
{
    return r->failed;
}

void mm_spool_batch_free(struct mm_spool_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->count; i++)
        free(b->records[i].json);
    free(b->records);
    b->records = NULL;
    b->count = 0;
}

void mm_spool_reader_close(struct mm_spool_reader *r)
{
    free(r);
}
