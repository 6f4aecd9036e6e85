// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Post-mortem dump files (docs/DUMP.md). Each block is its own gzip member,
 * so a damaged member costs only its own block: the reader scans for the
 * next gzip header and goes on. Nothing here keeps global state.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <zlib.h>
#include "record/dump.h"
#include "host/host_facts.h"

#ifndef VFLOW_VERSION
#define VFLOW_VERSION "unknown"
#endif
#ifndef VFLOW_GIT_REV
#define VFLOW_GIT_REV "unknown"
#endif

/* Compressed output is written in pieces of this size. */
#define ZCHUNK			(64U << 10)
/* Entity lines are split into blocks of about this many bytes. */
#define ENT_BLOCK_BYTES		(1U << 20)
/* A dump file larger than this is not one vflowd wrote. */
#define READ_MAX_FILE		(1ULL << 30)
/* 1.25 GiB of decoded events: more is a damaged count, not a recorder. */
#define READ_MAX_EVENTS		(16ULL << 20)
/* zlib takes uInt lengths: feed large buffers in pieces. */
#define ZIN_CHUNK		(1U << 30)

static const char event_fields[] =
	"kind,trap,flags,pid,tid,cgroup_id,ts_ns,latency_ns,code,ret,sub,aux_trap,comm";
static const char *const class_names[VFLOW_REC_MAX] = { "syscall", "vm", "sandbox" };

/* ---- little-endian helpers ---- */

static void put_le16(unsigned char *p, __u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(unsigned char *p, __u32 v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static void put_le64(unsigned char *p, __u64 v)
{
	put_le32(p, v);
	put_le32(p + 4, v >> 32);
}

static __u16 get_le16(const unsigned char *p)
{
	return p[0] | (__u16)p[1] << 8;
}

static __u32 get_le32(const unsigned char *p)
{
	return get_le16(p) | (__u32)get_le16(p + 2) << 16;
}

static __u64 get_le64(const unsigned char *p)
{
	return get_le32(p) | (__u64)get_le32(p + 4) << 32;
}

void dump_event_encode(const struct vflow_event *ev, unsigned char out[DUMP_EVENT_RECORD_BYTES])
{
	put_le32(out + 0, ev->kind);
	put_le16(out + 4, ev->trap);
	put_le16(out + 6, ev->flags);
	put_le32(out + 8, ev->pid);
	put_le32(out + 12, ev->tid);
	put_le64(out + 16, ev->cgroup_id);
	put_le64(out + 24, ev->ts_ns);
	put_le64(out + 32, ev->latency_ns);
	put_le64(out + 40, ev->code);
	put_le64(out + 48, (__u64)ev->ret);
	put_le32(out + 56, ev->sub);
	put_le32(out + 60, ev->aux_trap);
	memcpy(out + 64, ev->comm, sizeof(ev->comm));
}

void dump_row_encode(const struct trap_row *row, unsigned char *out)
{
	put_le32(out, row->kind);
	put_le32(out + 4, row->sub);
	put_le64(out + 8, row->owner);
	put_le64(out + 16, row->code);
	put_le64(out + 24, row->count);
	put_le64(out + 32, row->total_ns);
	put_le64(out + 40, row->skipped);
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		put_le64(out + 48 + 8 * i, row->hist[i]);
}

void dump_row_decode(const unsigned char *in, struct trap_row *row)
{
	row->kind = get_le32(in);
	row->sub = get_le32(in + 4);
	row->owner = get_le64(in + 8);
	row->code = get_le64(in + 16);
	row->count = get_le64(in + 24);
	row->total_ns = get_le64(in + 32);
	row->skipped = get_le64(in + 40);
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		row->hist[i] = get_le64(in + 48 + 8 * i);
}

void dump_event_decode(const unsigned char *in, struct vflow_event *ev)
{
	ev->kind = get_le32(in + 0);
	ev->trap = get_le16(in + 4);
	ev->flags = get_le16(in + 6);
	ev->pid = get_le32(in + 8);
	ev->tid = get_le32(in + 12);
	ev->cgroup_id = get_le64(in + 16);
	ev->ts_ns = get_le64(in + 24);
	ev->latency_ns = get_le64(in + 32);
	ev->code = get_le64(in + 40);
	ev->ret = (__s64)get_le64(in + 48);
	ev->sub = get_le32(in + 56);
	ev->aux_trap = get_le32(in + 60);
	memcpy(ev->comm, in + 64, sizeof(ev->comm));
	/* the reader hands out C strings */
	ev->comm[sizeof(ev->comm) - 1] = '\0';
}

/* ---- a growable text buffer ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static bool sb_reserve(struct sbuf *sb, size_t more)
{
	size_t cap;
	char *p;

	if (sb->oom)
		return false;
	if (sb->len + more + 1 <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 4096;
	while (cap < sb->len + more + 1)
		cap *= 2;
	p = realloc(sb->p, cap);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->p = p;
	sb->cap = cap;
	return true;
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sb_reserve(sb, n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->p + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

/*
 * Append at most @max bytes of @s, each of the characters in @bad (line or
 * field separators of the format) turned into a space.
 */
static void sb_put_clean(struct sbuf *sb, const char *s, size_t max, const char *bad)
{
	size_t i, n = strnlen(s, max);

	if (!sb_reserve(sb, n))
		return;
	for (i = 0; i < n; i++)
		sb->p[sb->len++] = strchr(bad, s[i]) ? ' ' : s[i];
	sb->p[sb->len] = '\0';
}

/* ---- writing ---- */

struct dump_writer {
	FILE *f;
	z_stream zs;
	__u32 seq;			/* blocks written */
	__u64 events;
	int err;			/* first error: every later call returns it */
	unsigned char zout[ZCHUNK];
};

static int zout_flush(struct dump_writer *w)
{
	size_t n = ZCHUNK - w->zs.avail_out;

	if (n && fwrite(w->zout, 1, n, w->f) != n)
		return errno ? -errno : -EIO;
	w->zs.next_out = w->zout;
	w->zs.avail_out = ZCHUNK;
	return 0;
}

/* Feed @len bytes to deflate; @flush Z_FINISH ends the member. */
static int deflate_feed(struct dump_writer *w, const void *data, size_t len, int flush)
{
	const unsigned char *p = data;
	int ret, err;

	do {
		uInt piece = len > ZIN_CHUNK ? ZIN_CHUNK : len;
		int fl = piece == len ? flush : Z_NO_FLUSH;

		w->zs.next_in = (unsigned char *)p;
		w->zs.avail_in = piece;
		p += piece;
		len -= piece;
		do {
			ret = deflate(&w->zs, fl);
			if (ret == Z_STREAM_ERROR)
				return -EINVAL;
			if (w->zs.avail_out == 0 || ret == Z_STREAM_END) {
				err = zout_flush(w);
				if (err)
					return err;
			}
		} while (w->zs.avail_in || (fl == Z_FINISH && ret != Z_STREAM_END));
	} while (len);
	return 0;
}

/* One block as one gzip member. */
static int write_block(struct dump_writer *w, enum dump_block_type type, const void *payload,
		       size_t len)
{
	unsigned char hdr[DUMP_BLOCK_HDR_BYTES];
	int err;

	if (w->err)
		return w->err;
	if (len > DUMP_MAX_BLOCK_BYTES)
		return w->err = -EFBIG;
	put_le32(hdr + 0, DUMP_BLOCK_MAGIC);
	put_le16(hdr + 4, type);
	put_le16(hdr + 6, DUMP_FORMAT_VERSION);
	put_le32(hdr + 8, w->seq);
	put_le32(hdr + 12, len);
	put_le32(hdr + 16, crc32(crc32(0, NULL, 0), payload, len));
	put_le32(hdr + 20, 0);
	if (deflateReset(&w->zs) != Z_OK)
		return w->err = -EINVAL;
	errno = 0;
	err = deflate_feed(w, hdr, sizeof(hdr), Z_NO_FLUSH);
	if (!err)
		err = deflate_feed(w, payload, len, Z_FINISH);
	if (err)
		return w->err = err;
	w->seq++;
	return 0;
}

static int header_text(struct sbuf *sb, const struct dump_info *info)
{
	const char *nl = "\n\r";
	size_t i, nr_probes = info->nr_probes;
	const char *m;

#define STR_KEY(key, field) do {					\
		sb_printf(sb, key "=");					\
		sb_put_clean(sb, info->field, sizeof(info->field), nl);	\
		sb_printf(sb, "\n");					\
	} while (0)

	sb_printf(sb, "vflow-dump %u\n", DUMP_FORMAT_VERSION);
	STR_KEY("host", host);
	STR_KEY("kernel", kernel);
	STR_KEY("boot_id", boot_id);
	STR_KEY("clocksource", clocksource);
	STR_KEY("vflow_version", vflow_version);
	STR_KEY("trigger", trigger);
#undef STR_KEY
	sb_printf(sb, "created_realtime_ns=%llu\n", (unsigned long long)info->created_realtime_ns);
	sb_printf(sb, "mono_to_realtime_ns=%llu\n", (unsigned long long)info->mono_to_realtime_ns);
	sb_printf(sb, "first_ns=%llu\n", (unsigned long long)info->first_ns);
	sb_printf(sb, "last_ns=%llu\n", (unsigned long long)info->last_ns);
	for (i = 0; i < VFLOW_REC_MAX; i++)
		sb_printf(sb, "sample.%s=%u\n", class_names[i], info->sample_period[i]);
	for (i = 0; i < VFLOW_REC_MAX; i++)
		sb_printf(sb, "slow_ns.%s=%llu\n", class_names[i],
			  (unsigned long long)info->slow_ns[i]);
	sb_printf(sb, "events_received=%llu\n", (unsigned long long)info->events_received);
	sb_printf(sb, "events_evicted=%llu\n", (unsigned long long)info->events_evicted);
	sb_printf(sb, "events_dropped=%llu\n", (unsigned long long)info->events_dropped);
	sb_printf(sb, "event_record_bytes=%u\n", DUMP_EVENT_RECORD_BYTES);
	sb_printf(sb, "event_fields=%s\n", event_fields);
	if (nr_probes > DUMP_MAX_PROBES)
		nr_probes = DUMP_MAX_PROBES;
	for (i = 0; i < nr_probes; i++) {
		sb_printf(sb, "probe=");
		sb_put_clean(sb, info->probes[i], sizeof(info->probes[i]), nl);
		sb_printf(sb, "\n");
	}
	/* one line per model line; a final newline does not make an empty one */
	for (m = info->model; m && *m;) {
		const char *e = strchrnul(m, '\n');

		sb_printf(sb, "model=");
		sb_put_clean(sb, m, e - m, "\r");
		sb_printf(sb, "\n");
		m = *e ? e + 1 : e;
	}
	return sb->oom ? -ENOMEM : 0;
}

int dump_writer__open(struct dump_writer **out, FILE *f, const struct dump_info *info)
{
	struct dump_writer *w;
	struct sbuf sb = { 0 };
	int err;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->f = f;
	/* windowBits 15 + 16: a gzip wrapper, so every block is a gzip member */
	if (deflateInit2(&w->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		free(w);
		return -ENOMEM;
	}
	w->zs.next_out = w->zout;
	w->zs.avail_out = ZCHUNK;
	err = header_text(&sb, info);
	if (!err)
		err = write_block(w, DUMP_BLK_HEADER, sb.p ? sb.p : "", sb.len);
	free(sb.p);
	if (err) {
		dump_writer__abort(w);
		return err;
	}
	*out = w;
	return 0;
}

int dump_writer__entities(struct dump_writer *w, const struct dump_entity *ents, size_t n)
{
	const char *sep = "\t\n\r";
	struct sbuf sb = { 0 };
	size_t i;
	int err = w->err;

	for (i = 0; i < n && !err; i++) {
		const struct dump_entity *e = &ents[i];

		if (e->kind != DUMP_ENT_CGROUP && e->kind != DUMP_ENT_PROC)
			continue;
		sb_printf(&sb, "%s\t%llu\t", e->kind == DUMP_ENT_CGROUP ? "cgroup" : "proc",
			  (unsigned long long)e->id);
		sb_put_clean(&sb, e->type, sizeof(e->type), sep);
		sb_printf(&sb, "\t");
		sb_put_clean(&sb, e->name, sizeof(e->name), sep);
		sb_printf(&sb, "\t");
		sb_put_clean(&sb, e->path, sizeof(e->path), sep);
		sb_printf(&sb, "\n");
		if (sb.oom)
			err = -ENOMEM;
		else if (sb.len >= ENT_BLOCK_BYTES || i + 1 == n) {
			err = write_block(w, DUMP_BLK_ENTITIES, sb.p, sb.len);
			sb.len = 0;
		}
	}
	if (!err && sb.len)
		err = write_block(w, DUMP_BLK_ENTITIES, sb.p, sb.len);
	free(sb.p);
	if (err && !w->err)
		w->err = err;
	return err;
}

int dump_writer__events(struct dump_writer *w, const struct vflow_event *ev, size_t n)
{
	unsigned char *buf;
	size_t done = 0;
	int err = w->err;

	if (err || !n)
		return err;
	buf = malloc(8 + (size_t)DUMP_EVENTS_PER_BLOCK * DUMP_EVENT_RECORD_BYTES);
	if (!buf)
		return w->err = -ENOMEM;
	while (done < n && !err) {
		size_t i, k = n - done;

		if (k > DUMP_EVENTS_PER_BLOCK)
			k = DUMP_EVENTS_PER_BLOCK;
		put_le32(buf, k);
		put_le32(buf + 4, DUMP_EVENT_RECORD_BYTES);
		for (i = 0; i < k; i++)
			dump_event_encode(&ev[done + i], buf + 8 + i * DUMP_EVENT_RECORD_BYTES);
		err = write_block(w, DUMP_BLK_EVENTS, buf, 8 + k * DUMP_EVENT_RECORD_BYTES);
		if (!err) {
			done += k;
			w->events += k;
		}
	}
	free(buf);
	return err;
}

int dump_writer__rows(struct dump_writer *w, const struct dump_rows *rows)
{
	unsigned char *buf;
	size_t done = 0;
	int err = w->err;

	if (err || !rows || !rows->nr)
		return err;
	buf = malloc(24 + (size_t)DUMP_ROWS_PER_BLOCK * DUMP_ROW_RECORD_BYTES);
	if (!buf)
		return w->err = -ENOMEM;
	while (done < rows->nr && !err) {
		size_t k = rows->nr - done;

		if (k > DUMP_ROWS_PER_BLOCK)
			k = DUMP_ROWS_PER_BLOCK;
		/* nr, record size, then what the rows cover */
		put_le32(buf, k);
		put_le32(buf + 4, DUMP_ROW_RECORD_BYTES);
		put_le64(buf + 8, rows->ts_ns);
		put_le64(buf + 16, rows->elapsed_ns);
		for (size_t i = 0; i < k; i++)
			dump_row_encode(&rows->rows[done + i], buf + 24 + i * DUMP_ROW_RECORD_BYTES);
		err = write_block(w, DUMP_BLK_ROWS, buf, 24 + k * DUMP_ROW_RECORD_BYTES);
		if (!err)
			done += k;
	}
	free(buf);
	return err;
}

int dump_writer__close(struct dump_writer *w)
{
	char text[64];
	int n, err;

	n = snprintf(text, sizeof(text), "blocks=%u\nevents=%llu\n", w->seq,
		     (unsigned long long)w->events);
	err = write_block(w, DUMP_BLK_END, text, n);
	/* stdio keeps the last piece: its write error shows only here */
	errno = 0;
	if (!err && fflush(w->f))
		err = errno ? -errno : -EIO;
	dump_writer__abort(w);
	return err;
}

void dump_writer__abort(struct dump_writer *w)
{
	if (!w)
		return;
	deflateEnd(&w->zs);
	free(w);
}

/* ---- dump_write_file ---- */

static const char *errno_hint(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return "free space or choose another --dump-dir";
	case EFBIG:
		return "a block would exceed 64 MiB: shorten the model text";
	case EACCES:
	case EPERM:
		return "give vflowd write access to it or choose another --dump-dir";
	case ENOENT:
	case ENOTDIR:
		return "create the directory or choose another --dump-dir";
	case EROFS:
		return "mount it read-write or choose another --dump-dir";
	case ENOMEM:
		return "free memory and retry";
	default:
		return "check the file system or choose another --dump-dir";
	}
}

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

/* ts range of @ev, for a caller that left first_ns and last_ns unset */
static void events_range(const struct vflow_event *ev, size_t n, __u64 *first, __u64 *last)
{
	size_t i;

	*first = n ? ev[0].ts_ns : 0;
	*last = *first;
	for (i = 1; i < n; i++) {
		if (ev[i].ts_ns < *first)
			*first = ev[i].ts_ns;
		if (ev[i].ts_ns > *last)
			*last = ev[i].ts_ns;
	}
}

static int write_all(FILE *f, const struct dump_info *info, const struct dump_entity *ents,
		     size_t nr_ents, const struct vflow_event *ev, size_t nr_ev,
		     const struct dump_rows *rows)
{
	struct dump_writer *w;
	int err;

	err = dump_writer__open(&w, f, info);
	if (err)
		return err;
	err = dump_writer__entities(w, ents, nr_ents);
	if (!err)
		err = dump_writer__events(w, ev, nr_ev);
	if (!err)
		err = dump_writer__rows(w, rows);
	if (err) {
		dump_writer__abort(w);
		return err;
	}
	return dump_writer__close(w);
}

/*
 * Give the finished temporary file its final name without ever replacing a
 * file: RENAME_NOREPLACE, or link() where the file system lacks it.
 * -1, -2, ... suffixes when the name is taken. 0 or -errno.
 */
static int publish(const char *tmp, int dfd, const char *base, char *name, size_t name_len)
{
	bool use_link = false;
	unsigned int n;

	for (n = 0; n < 1000; n++) {
		int rc;

		if (n)
			snprintf(name, name_len, "%s-%u%s", base, n, DUMP_FILE_SUFFIX);
		else
			snprintf(name, name_len, "%s%s", base, DUMP_FILE_SUFFIX);
		if (!use_link) {
			rc = renameat2(AT_FDCWD, tmp, dfd, name, RENAME_NOREPLACE);
			if (!rc)
				return 0;
			if (errno == EINVAL || errno == ENOSYS) {
				use_link = true;
				n--;
				continue;
			}
		} else {
			rc = linkat(AT_FDCWD, tmp, dfd, name, 0);
			if (!rc) {
				unlink(tmp);
				return 0;
			}
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int dump_write_file(const char *dir, const char *prefix, const struct dump_info *info,
		    const struct dump_entity *ents, size_t nr_ents,
		    const struct vflow_event *ev, size_t nr_ev, const struct dump_rows *rows,
		    char *path_out, size_t path_len, char *err, size_t err_len)
{
	char tmp[PATH_MAX], base[NAME_MAX - 16], name[NAME_MAX + 1];
	struct dump_info hdr;
	struct tm tm;
	time_t now;
	FILE *f = NULL;
	int fd, dfd, rc;

	if (!prefix || !*prefix)
		prefix = "vflow";
	if (strchr(prefix, '/') || strlen(prefix) > sizeof(base) - 32) {
		set_err(err, err_len, "bad dump name prefix \"%s\": give a plain file name", prefix);
		return -EINVAL;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = -errno;
		set_err(err, err_len, "cannot write a dump in %s: %s: %s", dir, strerror(-rc),
			errno_hint(-rc));
		return rc;
	}
	if (snprintf(tmp, sizeof(tmp), "%s/.vflow-dump-%d-XXXXXX.tmp", dir,
		     (int)getpid()) >= (int)sizeof(tmp)) {
		close(dfd);
		set_err(err, err_len, "cannot write a dump in %s: path too long: choose another --dump-dir",
			dir);
		return -ENAMETOOLONG;
	}
	fd = mkostemps(tmp, 4, O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		close(dfd);
		set_err(err, err_len, "cannot write a dump in %s: %s: %s", dir, strerror(-rc),
			errno_hint(-rc));
		return rc;
	}
	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		goto fail;
	}
	hdr = *info;
	if (!hdr.first_ns && !hdr.last_ns)
		events_range(ev, nr_ev, &hdr.first_ns, &hdr.last_ns);
	rc = write_all(f, &hdr, ents, nr_ents, ev, nr_ev, rows);
	if (!rc && fsync(fileno(f)))
		rc = -errno;
	errno = 0;
	if (fclose(f) && !rc)
		rc = errno ? -errno : -EIO;
	if (rc)
		goto fail;

	now = time(NULL);
	gmtime_r(&now, &tm);
	snprintf(base, sizeof(base), "%s-%04d%02d%02dT%02d%02d%02dZ", prefix, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	rc = publish(tmp, dfd, base, name, sizeof(name));
	if (rc) {
		unlink(tmp);
		set_err(err, err_len, "cannot name the dump %s/%s: %s: %s", dir, name, strerror(-rc),
			errno_hint(-rc));
		close(dfd);
		return rc;
	}
	/* the new name is only durable once the directory is */
	if (fsync(dfd)) {
		rc = -errno;
		/* the name exists but may not survive a crash: undo it */
		unlinkat(dfd, name, 0);
		set_err(err, err_len, "cannot write a dump in %s: fsync of the directory: %s: %s",
			dir, strerror(-rc), errno_hint(-rc));
		close(dfd);
		return rc;
	}
	close(dfd);
	if (path_out && path_len)
		snprintf(path_out, path_len, "%s/%s", dir, name);
	return 0;

fail:
	unlink(tmp);
	close(dfd);
	set_err(err, err_len, "cannot write a dump in %s: %s: %s", dir, strerror(-rc),
		errno_hint(-rc));
	return rc;
}

/* ---- reading ---- */

struct reader {
	const unsigned char *buf;
	size_t len;
	const char *name;		/* for messages */
	struct dump *d;
	z_stream zs;
	unsigned char *out;		/* one decompressed member */
	size_t out_cap;
	size_t ev_cap, ent_cap, row_cap;
	unsigned long more_problems;	/* not kept: DUMP_MAX_PROBLEMS reached */
	__u32 next_seq;
	unsigned int useful;		/* blocks that gave something */
	bool have_header, have_end, said_newer, said_cap, said_header_bad;
	bool bad_magic_seen;		/* a member held something, but no vflow block */
};

__attribute__((format(printf, 2, 3)))
static void problem(struct reader *r, const char *fmt, ...)
{
	struct dump_damage *dm = &r->d->damage;
	va_list ap;

	/* the last slot is kept for the "more problems" line */
	if (dm->nr_problems >= DUMP_MAX_PROBLEMS - 1) {
		r->more_problems++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(dm->problems[dm->nr_problems++], sizeof(dm->problems[0]), fmt, ap);
	va_end(ap);
}

static bool gzip_start(const unsigned char *p, size_t n)
{
	/* ID1 ID2 CM=deflate, no reserved FLG bits */
	return n >= 10 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8 && !(p[3] & 0xe0);
}

static size_t next_gzip(const struct reader *r, size_t from)
{
	const unsigned char *p;

	while (from < r->len) {
		p = memchr(r->buf + from, 0x1f, r->len - from);
		if (!p)
			return r->len;
		from = p - r->buf;
		if (gzip_start(p, r->len - from))
			return from;
		from++;
	}
	return r->len;
}

struct block {
	__u16 type, version;
	__u32 seq, len;
	const unsigned char *payload;
};

enum member_result {
	M_OK = 0,
	M_CUT,			/* input ended inside the member */
	M_ZERR,			/* corrupt compressed data */
	M_SHORT,		/* member ended before a block header */
	M_MAGIC,		/* not a vflow block */
	M_TOOBIG,		/* declared payload over DUMP_MAX_BLOCK_BYTES */
	M_LONG,			/* more data than declared */
	M_LENGTH,		/* less data than declared */
	M_CRC,
};

static bool grow_out(struct reader *r, size_t limit)
{
	size_t cap = r->out_cap ? r->out_cap * 2 : ZCHUNK;
	unsigned char *p;

	if (cap > limit)
		cap = limit;
	p = realloc(r->out, cap);
	if (!p)
		return false;
	r->out = p;
	r->out_cap = cap;
	return true;
}

static int check_block_header(struct reader *r, struct block *b)
{
	if (get_le32(r->out) != DUMP_BLOCK_MAGIC)
		return M_MAGIC;
	b->type = get_le16(r->out + 4);
	b->version = get_le16(r->out + 6);
	b->seq = get_le32(r->out + 8);
	b->len = get_le32(r->out + 12);
	if (b->len > DUMP_MAX_BLOCK_BYTES)
		return M_TOOBIG;
	return M_OK;
}

/*
 * Inflate the gzip member at @pos into r->out, never more than its block
 * header declares (a bomb stops there). *used: its compressed size, when it
 * ended. enum member_result, or -ENOMEM. On M_ZERR *why is zlib's word.
 */
static int read_member(struct reader *r, size_t pos, struct block *b, size_t *used,
		       const char **why)
{
	size_t have = 0, limit = DUMP_BLOCK_HDR_BYTES, in_left = r->len - pos;
	bool hdr_ok = false;
	int ret, res;

	*used = 0;
	*why = NULL;
	if (inflateReset(&r->zs) != Z_OK)
		return -ENOMEM;
	r->zs.next_in = (unsigned char *)r->buf + pos;
	r->zs.avail_in = 0;
	for (;;) {
		if (have == limit) {
			if (hdr_ok)
				return M_LONG;
			res = check_block_header(r, b);
			if (res)
				return res;
			hdr_ok = true;
			/* one byte more than declared, to see a longer member */
			limit = DUMP_BLOCK_HDR_BYTES + (size_t)b->len + 1;
		}
		if (have == r->out_cap && !grow_out(r, limit))
			return -ENOMEM;
		if (!r->zs.avail_in && in_left) {
			r->zs.avail_in = in_left > ZIN_CHUNK ? ZIN_CHUNK : in_left;
			in_left -= r->zs.avail_in;
		}
		r->zs.next_out = r->out + have;
		r->zs.avail_out = (r->out_cap < limit ? r->out_cap : limit) - have;
		ret = inflate(&r->zs, Z_NO_FLUSH);
		have = r->zs.next_out - r->out;
		if (ret == Z_STREAM_END)
			break;
		if (ret == Z_OK)
			continue;
		/* input refilled above: no more to give */
		if (ret == Z_BUF_ERROR && !r->zs.avail_in)
			return M_CUT;
		if (ret == Z_MEM_ERROR)
			return -ENOMEM;
		*why = r->zs.msg;
		return M_ZERR;
	}
	*used = (const unsigned char *)r->zs.next_in - (r->buf + pos);
	if (!hdr_ok) {
		if (have < DUMP_BLOCK_HDR_BYTES)
			return M_SHORT;
		res = check_block_header(r, b);
		if (res)
			return res;
	}
	if (have != DUMP_BLOCK_HDR_BYTES + (size_t)b->len)
		return M_LENGTH;
	b->payload = r->out + DUMP_BLOCK_HDR_BYTES;
	if (crc32(crc32(0, NULL, 0), b->payload, b->len) != get_le32(r->out + 16))
		return M_CRC;
	return M_OK;
}

static const char *member_word(int res, const char *why)
{
	switch (res) {
	case M_CUT:
		return "cut short by the end of the file";
	case M_ZERR:
		return why ? why : "corrupt compressed data";
	case M_SHORT:
		return "too short for a block header";
	case M_MAGIC:
		return "not a vflow block (bad magic)";
	case M_TOOBIG:
		return "declared length over the limit";
	case M_LONG:
		return "longer than its header says";
	case M_LENGTH:
		return "shorter than its header says";
	case M_CRC:
		return "checksum mismatch";
	default:
		return "unreadable";
	}
}

/* A text line of the payload at *pos, without its newline; false at the end. */
static bool next_line(const struct block *b, size_t *pos, const char **line, size_t *n)
{
	const char *s = (const char *)b->payload + *pos;
	const char *e;

	if (*pos >= b->len)
		return false;
	e = memchr(s, '\n', b->len - *pos);
	*line = s;
	*n = e ? (size_t)(e - s) : b->len - *pos;
	*pos += *n + (e != NULL);
	return true;
}

/* Copy @n bytes into a C string of @size, stopping at a NUL. */
static void copy_str(char *dst, size_t size, const char *src, size_t n)
{
	n = strnlen(src, n);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool parse_u64(const char *s, size_t n, __u64 *out)
{
	__u64 v = 0;
	size_t i;

	if (!n || n > 20)
		return false;
	for (i = 0; i < n; i++) {
		unsigned int dgt = (unsigned char)s[i] - '0';

		if (dgt > 9 || v > (UINT64_MAX - dgt) / 10)
			return false;
		v = v * 10 + dgt;
	}
	*out = v;
	return true;
}

static bool key_is(const char *k, size_t kn, const char *name)
{
	return strlen(name) == kn && !memcmp(k, name, kn);
}

static int header_key(struct reader *r, struct sbuf *model, const char *k, size_t kn,
		      const char *v, size_t vn)
{
	struct dump_info *in = &r->d->info;
	__u64 u;
	size_t i;

#define STR(key, field) \
	if (key_is(k, kn, key)) { copy_str(in->field, sizeof(in->field), v, vn); return 0; }
#define U64(key, field) \
	if (key_is(k, kn, key)) { if (parse_u64(v, vn, &u)) in->field = u; return 0; }
	STR("host", host);
	STR("kernel", kernel);
	STR("boot_id", boot_id);
	STR("clocksource", clocksource);
	STR("vflow_version", vflow_version);
	STR("trigger", trigger);
	U64("created_realtime_ns", created_realtime_ns);
	U64("mono_to_realtime_ns", mono_to_realtime_ns);
	U64("first_ns", first_ns);
	U64("last_ns", last_ns);
	U64("events_received", events_received);
	U64("events_evicted", events_evicted);
	U64("events_dropped", events_dropped);
#undef STR
#undef U64
	for (i = 0; i < VFLOW_REC_MAX; i++) {
		size_t cn = strlen(class_names[i]);

		if (kn == 7 + cn && !memcmp(k, "sample.", 7) && !memcmp(k + 7, class_names[i], cn)) {
			if (parse_u64(v, vn, &u) && u <= UINT32_MAX)
				in->sample_period[i] = u;
			return 0;
		}
		if (kn == 8 + cn && !memcmp(k, "slow_ns.", 8) && !memcmp(k + 8, class_names[i], cn)) {
			if (parse_u64(v, vn, &u))
				in->slow_ns[i] = u;
			return 0;
		}
	}
	if (key_is(k, kn, "probe")) {
		if (in->nr_probes < DUMP_MAX_PROBES)
			copy_str(in->probes[in->nr_probes++], sizeof(in->probes[0]), v, vn);
		return 0;
	}
	if (key_is(k, kn, "model")) {
		if (sb_reserve(model, vn + 1)) {
			memcpy(model->p + model->len, v, vn);
			model->len += vn;
			model->p[model->len++] = '\n';
			model->p[model->len] = '\0';
		}
		return model->oom ? -ENOMEM : 0;
	}
	/* unknown keys: a newer writer's, ignored */
	return 0;
}

static int parse_header(struct reader *r, const struct block *b, size_t at)
{
	struct dump_info *in = &r->d->info;
	struct sbuf model = { 0 };
	const char *line, *eq;
	size_t pos = 0, n;
	int err = 0;

	if (r->have_header) {
		problem(r, "block %u at byte %zu: a second HEADER block: ignored", b->seq, at);
		return 0;
	}
	if (!next_line(b, &pos, &line, &n) || n < 10 || memcmp(line, "vflow-dump", 10) ||
	    (n > 10 && line[10] != ' ')) {
		problem(r, "block %u at byte %zu: HEADER does not start with \"vflow-dump\": ignored",
			b->seq, at);
		return 1;
	}
	r->have_header = true;
	in->version = b->version;
	while (!err && next_line(b, &pos, &line, &n)) {
		eq = memchr(line, '=', n);
		if (eq)
			err = header_key(r, &model, line, eq - line, eq + 1, n - (eq - line) - 1);
	}
	if (err) {
		free(model.p);
		return err;
	}
	free(in->model);
	in->model = model.p;
	return 0;
}

static int add_entity(struct reader *r, const struct dump_entity *e)
{
	struct dump *d = r->d;

	if (d->nr_ents == r->ent_cap) {
		size_t cap = r->ent_cap ? r->ent_cap * 2 : 64;
		struct dump_entity *p = realloc(d->ents, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		d->ents = p;
		r->ent_cap = cap;
	}
	d->ents[d->nr_ents++] = *e;
	return 0;
}

static int parse_entities(struct reader *r, const struct block *b, size_t at)
{
	unsigned long bad = 0;
	const char *line;
	size_t pos = 0, n;
	int err;

	while (next_line(b, &pos, &line, &n)) {
		const char *f[5], *end = line + n, *t;
		size_t fn[5], i;
		struct dump_entity e = { 0 };

		if (!n)
			continue;
		/* five tab-separated fields; a newer writer may add more after them */
		for (i = 0, t = line; i < 5; i++) {
			const char *tab = memchr(t, '\t', end - t);

			f[i] = t;
			fn[i] = (tab ? tab : end) - t;
			if (!tab) {
				i++;
				break;
			}
			t = tab + 1;
		}
		if (i < 5 || !parse_u64(f[1], fn[1], &e.id)) {
			bad++;
			continue;
		}
		if (key_is(f[0], fn[0], "cgroup"))
			e.kind = DUMP_ENT_CGROUP;
		else if (key_is(f[0], fn[0], "proc"))
			e.kind = DUMP_ENT_PROC;
		else {
			bad++;
			continue;
		}
		copy_str(e.type, sizeof(e.type), f[2], fn[2]);
		copy_str(e.name, sizeof(e.name), f[3], fn[3]);
		copy_str(e.path, sizeof(e.path), f[4], fn[4]);
		err = add_entity(r, &e);
		if (err)
			return err;
	}
	if (bad)
		problem(r, "block %u at byte %zu: %lu entity lines not understood: skipped", b->seq,
			at, bad);
	return 0;
}

static int parse_events(struct reader *r, const struct block *b, size_t at)
{
	struct dump *d = r->d;
	__u32 nr, rs;
	size_t i, take;

	if (b->len < 8) {
		problem(r, "block %u at byte %zu: events block too short: skipped", b->seq, at);
		return 1;
	}
	nr = get_le32(b->payload);
	rs = get_le32(b->payload + 4);
	if (rs < DUMP_EVENT_RECORD_BYTES) {
		problem(r, "block %u at byte %zu: event records of %u bytes, fewer than %u: skipped",
			b->seq, at, rs, DUMP_EVENT_RECORD_BYTES);
		return 1;
	}
	if ((__u64)nr * rs > b->len - 8) {
		problem(r, "block %u at byte %zu: %u events of %u bytes do not fit its length: skipped",
			b->seq, at, nr, rs);
		return 1;
	}
	take = nr;
	if (d->nr_ev + take > READ_MAX_EVENTS) {
		take = READ_MAX_EVENTS - d->nr_ev;
		if (!r->said_cap)
			problem(r, "more than %llu events: the rest ignored",
				(unsigned long long)READ_MAX_EVENTS);
		r->said_cap = true;
	}
	if (d->nr_ev + take > r->ev_cap) {
		size_t cap = r->ev_cap ? r->ev_cap : DUMP_EVENTS_PER_BLOCK;
		struct vflow_event *p;

		while (cap < d->nr_ev + take)
			cap *= 2;
		p = realloc(d->ev, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->ev = p;
		r->ev_cap = cap;
	}
	/* records longer than ours: a newer writer's fields after them, ignored */
	for (i = 0; i < take; i++)
		dump_event_decode(b->payload + 8 + i * (size_t)rs, &d->ev[d->nr_ev++]);
	return 0;
}

#define READ_MAX_ROWS (1U << 22)

static int parse_rows(struct reader *r, const struct block *b, size_t at)
{
	struct dump *d = r->d;
	__u32 nr, rs;

	if (b->len < 24) {
		problem(r, "block %u at byte %zu: rows block too short: skipped", b->seq, at);
		return 1;
	}
	nr = get_le32(b->payload);
	rs = get_le32(b->payload + 4);
	if (rs < DUMP_ROW_RECORD_BYTES || (__u64)nr * rs > b->len - 24 ||
	    d->nr_rows + nr > READ_MAX_ROWS) {
		problem(r, "block %u at byte %zu: %u rows of %u bytes do not fit: skipped", b->seq, at,
			nr, rs);
		return 1;
	}
	d->rows_ts_ns = get_le64(b->payload + 8);
	d->rows_elapsed_ns = get_le64(b->payload + 16);
	if (d->nr_rows + nr > r->row_cap) {
		size_t cap = r->row_cap ? r->row_cap : DUMP_ROWS_PER_BLOCK;
		struct trap_row *p;

		while (cap < d->nr_rows + nr)
			cap *= 2;
		p = realloc(d->rows, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->rows = p;
		r->row_cap = cap;
	}
	for (__u32 i = 0; i < nr; i++)
		dump_row_decode(b->payload + 24 + (size_t)i * rs, &d->rows[d->nr_rows++]);
	return 0;
}

static void parse_end(struct reader *r, const struct block *b)
{
	struct dump_damage *dm = &r->d->damage;
	const char *line;
	size_t pos = 0, n;
	__u64 u;

	r->have_end = true;
	while (next_line(b, &pos, &line, &n)) {
		if (n > 7 && !memcmp(line, "events=", 7) && parse_u64(line + 7, n - 7, &u))
			dm->events_expected += u;
	}
}

/* An intact block: check its place in the sequence, then take its payload. */
static int take_block(struct reader *r, const struct block *b, size_t at)
{
	struct dump_damage *dm = &r->d->damage;
	int rc = 0;

	if (b->version > DUMP_FORMAT_VERSION && !r->said_newer) {
		dm->newer_version = true;
		r->said_newer = true;
		problem(r, "written by format version %u, this reader knows %u: upgrade vflow; reading what it can",
			b->version, DUMP_FORMAT_VERSION);
	}
	if (b->seq > r->next_seq) {
		if (b->seq - r->next_seq == 1)
			problem(r, "block %u missing", r->next_seq);
		else
			problem(r, "blocks %u-%u missing", r->next_seq, b->seq - 1);
	} else if (b->seq < r->next_seq) {
		problem(r, "block %u at byte %zu: out of sequence (expected %u)", b->seq, at,
			r->next_seq);
	}
	r->next_seq = b->seq + 1;

	switch (b->type) {
	case DUMP_BLK_HEADER:
		rc = parse_header(r, b, at);
		break;
	case DUMP_BLK_ENTITIES:
		rc = parse_entities(r, b, at);
		break;
	case DUMP_BLK_EVENTS:
		rc = parse_events(r, b, at);
		break;
	case DUMP_BLK_ROWS:
		rc = parse_rows(r, b, at);
		break;
	case DUMP_BLK_END:
		parse_end(r, b);
		break;
	default:
		problem(r, "block %u at byte %zu: unknown type %u: skipped", b->seq, at, b->type);
		dm->blocks_ok++;
		return 0;
	}
	if (rc < 0)
		return rc;
	if (rc > 0) {
		dm->blocks_bad++;
		return 0;
	}
	dm->blocks_ok++;
	r->useful++;
	return 0;
}

/* Walk every member; a failure resumes at the next gzip header. */
static int walk(struct reader *r)
{
	struct dump_damage *dm = &r->d->damage;
	bool at_boundary = true;
	size_t pos = 0;

	while (pos < r->len) {
		struct block b = { 0 };
		const char *why;
		size_t used = 0, next;
		int res;

		bool gz = gzip_start(r->buf + pos, r->len - pos);

		if (!gz) {
			res = M_ZERR;
			why = "no gzip header";
		} else {
			res = read_member(r, pos, &b, &used, &why);
			if (res < 0)
				return res;
		}
		if (res == M_OK) {
			res = take_block(r, &b, pos);
			if (res < 0)
				return res;
			pos += used;
			at_boundary = true;
			continue;
		}
		if (res == M_MAGIC || res == M_SHORT)
			r->bad_magic_seen = true;
		if (at_boundary && r->have_end && !gz) {
			/* padding or garbage after a complete dump: not a block */
			problem(r, "%zu bytes after the END block at byte %zu: ignored", r->len - pos, pos);
			dm->bytes_skipped += r->len - pos;
			break;
		}
		/*
		 * A failure where a block should start, or one whose block
		 * header was intact, is a bad block; a false gzip start found
		 * while scanning is only bytes passed over.
		 */
		if (at_boundary || res >= M_TOOBIG) {
			dm->blocks_bad++;
			if (res == M_CUT)
				problem(r, "block at byte %zu: %s", pos, member_word(res, why));
			else
				problem(r, "block at byte %zu: %s: skipped", pos, member_word(res, why));
		}
		/* an intact member with a bad block: the next one follows it */
		if (used && (res == M_LENGTH || res == M_CRC || res == M_SHORT || res == M_MAGIC)) {
			next = pos + used;
			at_boundary = true;
		} else {
			next = next_gzip(r, pos + 1);
			at_boundary = false;
		}
		dm->bytes_skipped += next - pos;
		pos = next;
	}
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct dump_entity *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void finish(struct reader *r)
{
	struct dump *d = r->d;
	struct dump_damage *dm = &d->damage;
	size_t i;

	if (!r->have_header)
		problem(r, "no intact HEADER block: host, clocks and recorder settings unknown");
	if (!r->have_end) {
		dm->truncated = true;
		problem(r, "truncated: no END block; %zu events read", d->nr_ev);
	} else {
		dm->events_lost = dm->events_expected > d->nr_ev ? dm->events_expected - d->nr_ev : 0;
		if (dm->events_lost)
			problem(r, "%llu of %llu events lost", (unsigned long long)dm->events_lost,
				(unsigned long long)dm->events_expected);
	}
	if (r->more_problems)
		snprintf(dm->problems[dm->nr_problems++], sizeof(dm->problems[0]),
			 "... %lu more problems", r->more_problems);
	/* without a header, the range comes from the events themselves */
	if (!r->have_header && d->nr_ev) {
		d->info.first_ns = d->info.last_ns = d->ev[0].ts_ns;
		for (i = 1; i < d->nr_ev; i++) {
			if (d->ev[i].ts_ns < d->info.first_ns)
				d->info.first_ns = d->ev[i].ts_ns;
			if (d->ev[i].ts_ns > d->info.last_ns)
				d->info.last_ns = d->ev[i].ts_ns;
		}
	}
	if (d->nr_ents)
		qsort(d->ents, d->nr_ents, sizeof(*d->ents), ent_cmp);
}

static int read_named(const void *buf, size_t len, const char *name, struct dump **out,
		      char *err, size_t err_len)
{
	struct reader r = { .buf = buf, .len = len, .name = name };
	int rc;

	*out = NULL;
	if (!len) {
		set_err(err, err_len, "%s is empty: not a vflow dump: give a file written by vflowd",
			name);
		return -EINVAL;
	}
	r.d = calloc(1, sizeof(*r.d));
	if (!r.d) {
		set_err(err, err_len, "%s: out of memory", name);
		return -ENOMEM;
	}
	if (inflateInit2(&r.zs, 15 + 16) != Z_OK) {
		free(r.d);
		set_err(err, err_len, "%s: out of memory", name);
		return -ENOMEM;
	}
	rc = walk(&r);
	inflateEnd(&r.zs);
	free(r.out);
	if (rc) {
		dump__free(r.d);
		set_err(err, err_len, "%s: out of memory reading it", name);
		return rc;
	}
	if (!r.useful) {
		const struct dump_damage *dm = &r.d->damage;

		if (!gzip_start(buf, len))
			set_err(err, err_len,
				"%s is not a vflow dump (no gzip header at byte 0): give a file written by vflowd",
				name);
		else if (r.bad_magic_seen && !dm->blocks_ok)
			set_err(err, err_len,
				"%s is not a vflow dump (gzip data, but no vflow block in it): give a file written by vflowd",
				name);
		else
			set_err(err, err_len, "%s: no block of the dump could be read (%s)", name,
				dm->nr_problems ? dm->problems[0] : "no data");
		dump__free(r.d);
		return -EINVAL;
	}
	finish(&r);
	*out = r.d;
	return 0;
}

int dump_read_mem(const void *buf, size_t len, struct dump **out, char *err, size_t err_len)
{
	return read_named(buf, len, "the data", out, err, err_len);
}

int dump_read_file(const char *path, struct dump **out, char *err, size_t err_len)
{
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		set_err(err, err_len, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((__u64)st.st_size > READ_MAX_FILE) {
			close(fd);
			set_err(err, err_len,
				"%s is %llu bytes, more than a dump can be (1 GiB): give a file written by vflowd",
				path, (unsigned long long)st.st_size);
			return -EFBIG;
		}
		/* one byte more, to see the end of the file in one pass */
		buf = malloc(st.st_size + 1);
		if (!buf) {
			close(fd);
			set_err(err, err_len, "%s: out of memory reading it", path);
			return -ENOMEM;
		}
		cap = st.st_size + 1;
	}
	/* to the end of the file, even one that grows or is a pipe */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 1 << 20;
			unsigned char *p;

			if (len > READ_MAX_FILE) {
				rc = -EFBIG;
				set_err(err, err_len,
					"%s is more than a dump can be (1 GiB): give a file written by vflowd",
					path);
				goto out;
			}
			p = realloc(buf, ncap);
			if (!p) {
				rc = -ENOMEM;
				set_err(err, err_len, "%s: out of memory reading it", path);
				goto out;
			}
			buf = p;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			set_err(err, err_len, "cannot read %s: %s", path, strerror(-rc));
			goto out;
		}
		if (!n)
			break;
		len += n;
	}
	if (len > READ_MAX_FILE) {
		rc = -EFBIG;
		set_err(err, err_len, "%s is more than a dump can be (1 GiB): give a file written by vflowd",
			path);
		goto out;
	}
	rc = read_named(buf, len, path, out, err, err_len);
out:
	free(buf);
	close(fd);
	return rc;
}

void dump__free(struct dump *d)
{
	if (!d)
		return;
	free(d->info.model);
	free(d->ents);
	free(d->ev);
	free(d->rows);
	free(d);
}

const struct dump_entity *dump__entity(const struct dump *d, enum dump_entity_kind kind, __u64 id)
{
	struct dump_entity key = { .kind = kind, .id = id };

	if (!d || !d->nr_ents)
		return NULL;
	return bsearch(&key, d->ents, d->nr_ents, sizeof(*d->ents), ent_cmp);
}

/* ---- this machine ---- */

/* the header's fields hold the host's facts whole */
_Static_assert(sizeof(((struct dump_info *)0)->host) == sizeof(((struct host_facts *)0)->hostname) &&
	       sizeof(((struct dump_info *)0)->kernel) == sizeof(((struct host_facts *)0)->kernel) &&
	       sizeof(((struct dump_info *)0)->boot_id) == sizeof(((struct host_facts *)0)->boot_id) &&
	       sizeof(((struct dump_info *)0)->clocksource) ==
	       sizeof(((struct host_facts *)0)->clocksource),
	       "struct dump_info and struct host_facts disagree on a field's size");

void dump_info__set_host(struct dump_info *info, const struct host_facts *h)
{
	memcpy(info->host, h->hostname, sizeof(info->host));
	memcpy(info->kernel, h->kernel, sizeof(info->kernel));
	memcpy(info->boot_id, h->boot_id, sizeof(info->boot_id));
	memcpy(info->clocksource, h->clocksource, sizeof(info->clocksource));
	snprintf(info->vflow_version, sizeof(info->vflow_version), "%s (%s)", VFLOW_VERSION,
		 VFLOW_GIT_REV);
	info->version = DUMP_FORMAT_VERSION;
	info->created_realtime_ns = h->realtime_ns;
	info->mono_to_realtime_ns = h->mono_to_realtime_ns;
}

void dump_info__host(struct dump_info *info)
{
	struct host_facts h;

	host_facts__read(NULL, &h);
	dump_info__set_host(info, &h);
}
