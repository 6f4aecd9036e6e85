// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading a dump (docs/DUMP.md), recovering what can be: every gzip
 * member is one block; a member that does not inflate, or a block whose
 * length or checksum is wrong, costs only itself: the reader scans for the
 * next gzip header and goes on, and says in struct dump_damage what it
 * passed over. The blocks' payloads are parsed in dump_blocks.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "record/dump_internal.h"

/* A dump file larger than this is not one vflowd wrote. */
#define READ_MAX_FILE		(1ULL << 30)
/* The first buffer for a file of unknown size (a pipe). */
#define READ_FIRST_BYTES	(1U << 20)
/* RFC 1952: ID1 ID2, the compression method deflate, FLG bits that must be 0 */
#define GZIP_ID1		0x1f
#define GZIP_ID2		0x8b
#define GZIP_CM_DEFLATE		8
#define GZIP_FLG_RESERVED	0xe0
#define GZIP_HDR_BYTES		10

void dump_problem(struct dump_reader *r, const char *fmt, ...)
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
	return n >= GZIP_HDR_BYTES && p[0] == GZIP_ID1 && p[1] == GZIP_ID2 && p[2] == GZIP_CM_DEFLATE &&
	       !(p[3] & GZIP_FLG_RESERVED);
}

static size_t next_gzip(const struct dump_reader *r, size_t from)
{
	const unsigned char *p;

	while (from < r->len) {
		p = memchr(r->buf + from, GZIP_ID1, r->len - from);
		if (!p)
			return r->len;
		from = p - r->buf;
		if (gzip_start(p, r->len - from))
			return from;
		from++;
	}
	return r->len;
}

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

static bool grow_out(struct dump_reader *r, size_t limit)
{
	size_t cap = r->out_cap ? r->out_cap * 2 : DUMP_ZCHUNK;
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

static int check_block_header(struct dump_reader *r, struct dump_block *b)
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
static int read_member(struct dump_reader *r, size_t pos, struct dump_block *b, size_t *used,
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
			r->zs.avail_in = in_left > DUMP_ZIN_CHUNK ? DUMP_ZIN_CHUNK : in_left;
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

/* Walk every member; a failure resumes at the next gzip header. */
static int walk(struct dump_reader *r)
{
	struct dump_damage *dm = &r->d->damage;
	bool at_boundary = true;
	size_t pos = 0;

	while (pos < r->len) {
		struct dump_block b = { 0 };
		bool gz = gzip_start(r->buf + pos, r->len - pos);
		const char *why;
		size_t used = 0, next;
		int res;

		if (!gz) {
			res = M_ZERR;
			why = "no gzip header";
		} else {
			res = read_member(r, pos, &b, &used, &why);
			if (res < 0)
				return res;
		}
		if (res == M_OK) {
			res = dump_take_block(r, &b, pos);
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
			dump_problem(r, "%zu bytes after the END block at byte %zu: ignored", r->len - pos,
				     pos);
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
				dump_problem(r, "block at byte %zu: %s", pos, member_word(res, why));
			else
				dump_problem(r, "block at byte %zu: %s: skipped", pos, member_word(res, why));
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

static void finish(struct dump_reader *r)
{
	struct dump *d = r->d;
	struct dump_damage *dm = &d->damage;

	if (!r->have_header)
		dump_problem(r, "no intact HEADER block: host, clocks and recorder settings unknown");
	if (!r->have_end) {
		dm->truncated = true;
		dump_problem(r, "truncated: no END block; %zu events read", d->nr_ev);
	} else {
		dm->events_lost = dm->events_expected > d->nr_ev ? dm->events_expected - d->nr_ev : 0;
		if (dm->events_lost)
			dump_problem(r, "%llu of %llu events lost", (unsigned long long)dm->events_lost,
				     (unsigned long long)dm->events_expected);
	}
	if (r->more_problems)
		snprintf(dm->problems[dm->nr_problems++], sizeof(dm->problems[0]),
			 "... %lu more problems", r->more_problems);
	/* without a header, the range comes from the events themselves */
	if (!r->have_header && d->nr_ev)
		dump_events_range(d->ev, d->nr_ev, &d->info.first_ns, &d->info.last_ns);
	if (d->nr_ents)
		qsort(d->ents, d->nr_ents, sizeof(*d->ents), ent_cmp);
}

static int read_named(const void *buf, size_t len, const char *name, struct dump **out,
		      char *err, size_t err_len)
{
	struct dump_reader r = { .buf = buf, .len = len, .name = name };
	int rc;

	*out = NULL;
	if (!len) {
		dump_set_err(err, err_len, "%s is empty: not a vflow dump: give a file written by vflowd",
			     name);
		return -EINVAL;
	}
	r.d = calloc(1, sizeof(*r.d));
	if (!r.d) {
		dump_set_err(err, err_len, "%s: out of memory", name);
		return -ENOMEM;
	}
	if (inflateInit2(&r.zs, DUMP_GZIP_WINDOW_BITS) != Z_OK) {
		free(r.d);
		dump_set_err(err, err_len, "%s: out of memory", name);
		return -ENOMEM;
	}
	rc = walk(&r);
	inflateEnd(&r.zs);
	free(r.out);
	if (rc) {
		dump__free(r.d);
		dump_set_err(err, err_len, "%s: out of memory reading it", name);
		return rc;
	}
	if (!r.useful) {
		const struct dump_damage *dm = &r.d->damage;

		if (!gzip_start(buf, len))
			dump_set_err(err, err_len,
				     "%s is not a vflow dump (no gzip header at byte 0): give a file written by vflowd",
				     name);
		else if (r.bad_magic_seen && !dm->blocks_ok)
			dump_set_err(err, err_len,
				     "%s is not a vflow dump (gzip data, but no vflow block in it): give a file written by vflowd",
				     name);
		else
			dump_set_err(err, err_len, "%s: no block of the dump could be read (%s)", name,
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

/* "more than a dump can be" */
static int too_big(const char *path, char *err, size_t err_len)
{
	dump_set_err(err, err_len, "%s is more than a dump can be (1 GiB): give a file written by vflowd",
		     path);
	return -EFBIG;
}

/* A regular file's whole size, and one byte more to see its end in one pass: the first buffer. */
static int first_buffer(int fd, const char *path, unsigned char **buf, size_t *cap, char *err,
			size_t err_len)
{
	struct stat st;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return 0;
	if ((__u64)st.st_size > READ_MAX_FILE) {
		dump_set_err(err, err_len,
			     "%s is %llu bytes, more than a dump can be (1 GiB): give a file written by vflowd",
			     path, (unsigned long long)st.st_size);
		return -EFBIG;
	}
	*buf = malloc(st.st_size + 1);
	if (!*buf) {
		dump_set_err(err, err_len, "%s: out of memory reading it", path);
		return -ENOMEM;
	}
	*cap = st.st_size + 1;
	return 0;
}

/* To the end of @fd, even a file that grows or a pipe. 0, or -errno with @err said. */
static int read_all(int fd, const char *path, unsigned char **buf, size_t *len, char *err,
		    size_t err_len)
{
	size_t cap = 0;
	int rc = first_buffer(fd, path, buf, &cap, err, err_len);

	if (rc)
		return rc;
	for (;;) {
		ssize_t n;

		if (*len == cap) {
			size_t ncap = cap ? cap * 2 : READ_FIRST_BYTES;
			unsigned char *p;

			if (*len > READ_MAX_FILE)
				return too_big(path, err, err_len);
			p = realloc(*buf, ncap);
			if (!p) {
				dump_set_err(err, err_len, "%s: out of memory reading it", path);
				return -ENOMEM;
			}
			*buf = p;
			cap = ncap;
		}
		n = read(fd, *buf + *len, cap - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			dump_set_err(err, err_len, "cannot read %s: %s", path, strerror(-rc));
			return rc;
		}
		if (!n)
			break;
		*len += n;
	}
	return *len > READ_MAX_FILE ? too_big(path, err, err_len) : 0;
}

int dump_read_file(const char *path, struct dump **out, char *err, size_t err_len)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		dump_set_err(err, err_len, "cannot open %s: %s", path, strerror(-rc));
		return rc;
	}
	rc = read_all(fd, path, &buf, &len, err, err_len);
	close(fd);
	if (!rc)
		rc = read_named(buf, len, path, out, err, err_len);
	free(buf);
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
