/* SPDX-License-Identifier: Apache-2.0
 * The crash-safe spool (format and guarantees in spool.h and
 * docs/design/eve.md): segment files of length+CRC framed records, torn
 * tail recovery on open, the acked-seq file, and the reader the uplink uses. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#include "core/error.h"
#include "core/eve.h"
#include "core/fs.h"
#include "sensor/output/spool.h"

#define MAGIC     "MMSPOOL1"
#define MAGIC_LEN 8
#define HDR_LEN   16
#define DIR_MAX   4000

struct mm_spool {
    char dir[DIR_MAX];
    int lock_fd, seg_fd;
    uint64_t seg_size, last_seq, recovered;
    int pending;
};

struct mm_spool_reader {
    char dir[DIR_MAX];
    uint64_t acked;
};

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

/* Lists the first seqs of the segment files in dir, sorted (free *out). */
static int list_segments(const char *dir, uint64_t **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : MM_EIO;
    uint64_t *v = NULL;
    size_t n = 0, cap = 0;
    int r = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l != 24 || strcmp(e->d_name + 20, ".seg") != 0 || strspn(e->d_name, "0123456789") != 20)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            uint64_t *nv = realloc(v, cap * sizeof(*v));
            if (!nv) {
                r = MM_ENOMEM;
                break;
            }
            v = nv;
        }
        v[n++] = strtoull(e->d_name, NULL, 10);
    }
    closedir(d);
    if (r != 0) {
        free(v);
        return r;
    }
    if (n > 1)
        qsort(v, n, sizeof(*v), cmp_u64);
    *out = v;
    *count = n;
    return 0;
}

static void segment_path(const char *dir, uint64_t first, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%020" PRIu64 ".seg", dir, first);
}

static uint64_t read_acked(const char *dir)
{
    char path[DIR_MAX + 16], *text = NULL;
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/acked", dir);
    if (mm_file_read(path, 64, &text, &len) != 0)
        return 0;
    uint64_t v = strtoull(text, NULL, 10);
    free(text);
    return v;
}

/* Reads one record at fd's offset off. Returns 1 with the record, 0 at a
 * clean end or an incomplete/corrupt record (*bad set for the latter). */
static int read_record(int fd, uint64_t off, uint64_t file_size, struct mm_spool_record *rec,
                       int want_payload, int *bad)
{
    uint8_t hdr[HDR_LEN];
    *bad = 0;
    if (off == file_size)
        return 0;
    if (off + HDR_LEN > file_size || pread(fd, hdr, HDR_LEN, (off_t)off) != HDR_LEN) {
        *bad = 1;
        return 0;
    }
    uint32_t len = get_le32(hdr), crc = get_le32(hdr + 4);
    if (len == 0 || len > MM_EVE_LINE_MAX || off + HDR_LEN + len > file_size) {
        *bad = 1;
        return 0;
    }
    char *buf = malloc((size_t)len + 1);
    if (!buf) {
        *bad = 1;
        return 0;
    }
    if (pread(fd, buf, len, (off_t)(off + HDR_LEN)) != (ssize_t)len ||
        record_crc(hdr + 8, buf, len) != crc) {
        free(buf);
        *bad = 1;
        return 0;
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

/* ---- writer --------------------------------------------------------------- */

/* Validates the newest segment, truncating a torn tail; sets last_seq. */
static int recover_segment(struct mm_spool *s, uint64_t first)
{
    char path[DIR_MAX + 32];
    segment_path(s->dir, first, path, sizeof(path));
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return MM_EIO;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return MM_EIO;
    }
    uint64_t size = (uint64_t)st.st_size, off = MAGIC_LEN;
    char magic[MAGIC_LEN];
    if (size < MAGIC_LEN || pread(fd, magic, MAGIC_LEN, 0) != MAGIC_LEN ||
        memcmp(magic, MAGIC, MAGIC_LEN) != 0) {
        /* Created but the header never made it: rewrite the header. */
        if (ftruncate(fd, 0) != 0 || pwrite(fd, MAGIC, MAGIC_LEN, 0) != MAGIC_LEN) {
            close(fd);
            return MM_EIO;
        }
        s->recovered += size;
        size = MAGIC_LEN;
    }
    uint64_t last = first - 1;
    for (;;) {
        struct mm_spool_record rec;
        int bad;
        if (!read_record(fd, off, size, &rec, 0, &bad))
            break;
        if (rec.seq <= last)
            break; /* out of order: treat as a corrupt tail */
        last = rec.seq;
        off += HDR_LEN + rec.len;
    }
    if (off < size) {
        if (ftruncate(fd, (off_t)off) != 0 || fsync(fd) != 0) {
            close(fd);
            return MM_EIO;
        }
        s->recovered += size - off;
    }
    if (last > s->last_seq)
        s->last_seq = last;
    s->seg_fd = fd;
    s->seg_size = off;
    if (lseek(fd, 0, SEEK_END) < 0)
        return MM_EIO;
    return 0;
}

int mm_spool_open(const char *dir, struct mm_spool **out)
{
    *out = NULL;
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
    char path[DIR_MAX + 16];
    snprintf(path, sizeof(path), "%s/lock", dir);
    uint64_t *segs = NULL;
    size_t nsegs = 0;
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (s->lock_fd < 0) {
        r = MM_EIO;
        goto out;
    }
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        r = errno == EWOULDBLOCK ? MM_EEXIST : MM_EIO;
        goto out;
    }
    s->last_seq = read_acked(dir);
    if ((r = list_segments(dir, &segs, &nsegs)) != 0)
        goto out;
    if (nsegs > 0)
        r = recover_segment(s, segs[nsegs - 1]);
out:
    free(segs);
    if (r != 0) {
        mm_spool_close(s);
        return r;
    }
    *out = s;
    return 0;
}

/* Starts the segment whose first record will be seq. */
static int new_segment(struct mm_spool *s, uint64_t seq)
{
    char path[DIR_MAX + 32];
    if (s->seg_fd >= 0) {
        if (fdatasync(s->seg_fd) != 0)
            return MM_EIO;
        close(s->seg_fd);
        s->seg_fd = -1;
    }
    segment_path(s->dir, seq, path, sizeof(path));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return MM_EIO;
    if (write(fd, MAGIC, MAGIC_LEN) != MAGIC_LEN || fdatasync(fd) != 0 ||
        mm_fsync_parent(path) != 0) {
        close(fd);
        return MM_EIO;
    }
    s->seg_fd = fd;
    s->seg_size = MAGIC_LEN;
    return 0;
}

int mm_spool_append(struct mm_spool *s, json_t *ev)
{
    uint64_t seq = s->last_seq + 1;
    int r;
    if (s->seg_fd < 0 || s->seg_size >= MM_SPOOL_SEGMENT_MAX) {
        if ((r = new_segment(s, seq)) != 0)
            return r;
    }
    if (json_object_set_new(ev, "seq", json_integer((json_int_t)seq)) != 0)
        return MM_ENOMEM;
    char *text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        json_object_del(ev, "seq");
        return MM_ENOMEM;
    }
    size_t len = strlen(text);
    if (len > MM_EVE_LINE_MAX) {
        free(text);
        json_object_del(ev, "seq");
        return MM_ETOOBIG;
    }
    uint8_t hdr[HDR_LEN];
    put_le32(hdr, (uint32_t)len);
    put_le64(hdr + 8, seq);
    put_le32(hdr + 4, record_crc(hdr + 8, text, len));
    struct iovec iov[2] = {{hdr, HDR_LEN}, {text, len}};
    ssize_t w = writev(s->seg_fd, iov, 2);
    free(text);
    if (w != (ssize_t)(HDR_LEN + len)) {
        /* Cut a partial record so the file stays well-formed. */
        if (ftruncate(s->seg_fd, (off_t)s->seg_size) != 0) {
            /* recovery on the next open cuts it instead */
        }
        json_object_del(ev, "seq");
        return MM_EIO;
    }
    s->seg_size += (uint64_t)w;
    s->last_seq = seq;
    s->pending = 1;
    return 0;
}

int mm_spool_sync(struct mm_spool *s)
{
    if (!s || !s->pending || s->seg_fd < 0)
        return 0;
    if (fdatasync(s->seg_fd) != 0)
        return MM_EIO;
    s->pending = 0;
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

void mm_spool_close(struct mm_spool *s)
{
    if (!s)
        return;
    mm_spool_sync(s);
    if (s->seg_fd >= 0)
        close(s->seg_fd);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
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
    r->acked = read_acked(dir);
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

/* Appends the records of one segment after the acked seq; *done when a
 * limit or an incomplete record ends the batch. */
static int read_segment(struct mm_spool_reader *r, uint64_t first, size_t max_records,
                        size_t max_bytes, struct mm_spool_batch *b, size_t *cap, size_t *bytes,
                        int *done)
{
    char path[DIR_MAX + 32];
    segment_path(r->dir, first, path, sizeof(path));
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : MM_EIO;
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) != 0) {
        rc = MM_EIO;
        goto out;
    }
    uint64_t size = (uint64_t)st.st_size, off = MAGIC_LEN;
    while (b->count < max_records && *bytes < max_bytes) {
        struct mm_spool_record rec;
        int bad;
        if (!read_record(fd, off, size, &rec, 1, &bad)) {
            if (bad)
                *done = 1; /* being written, or torn: stop here */
            goto out;
        }
        off += HDR_LEN + rec.len;
        if (rec.seq <= r->acked || (b->count && rec.seq <= b->records[b->count - 1].seq)) {
            free(rec.json);
            continue;
        }
        if ((rc = batch_push(b, cap, &rec)) != 0) {
            free(rec.json);
            goto out;
        }
        *bytes += rec.len;
    }
    *done = 1;
out:
    close(fd);
    return rc;
}

int mm_spool_reader_next(struct mm_spool_reader *r, size_t max_records, size_t max_bytes,
                         struct mm_spool_batch *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t *segs = NULL;
    size_t nsegs = 0, cap = 0, bytes = 0;
    int rc = list_segments(r->dir, &segs, &nsegs);
    if (rc != 0)
        return rc;
    /* Start at the last segment whose first seq is <= acked + 1. */
    size_t start = 0;
    for (size_t i = 0; i < nsegs; i++)
        if (segs[i] <= r->acked + 1)
            start = i;
    int done = 0;
    for (size_t i = start; i < nsegs && !done; i++)
        if ((rc = read_segment(r, segs[i], max_records, max_bytes, out, &cap, &bytes, &done)) != 0)
            break;
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
