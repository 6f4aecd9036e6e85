/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the dump's writer and reader share inside user/record: the
 * little-endian fields, a growable text buffer, one-line messages, and
 * the reader's state that its block parsers fill (docs/DUMP.md).
 */
#ifndef VFLOW_DUMP_INTERNAL_H
#define VFLOW_DUMP_INTERNAL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <zlib.h>
#include "record/dump.h"

/* Compressed data is written and read in pieces of this size. */
#define DUMP_ZCHUNK		(64U << 10)
/* zlib takes uInt lengths: feed large buffers in pieces. */
#define DUMP_ZIN_CHUNK		(1U << 30)
/* zlib's windowBits: 15, plus 16 for a gzip wrapper around each block */
#define DUMP_GZIP_WINDOW_BITS	(15 + 16)
/* An EVENTS payload starts with the number of records and their size. */
#define DUMP_EVENTS_HDR_BYTES	8
/* The first word of a HEADER payload, then the format version. */
#define DUMP_HEADER_MAGIC	"vflow-dump"
/* A ROWS payload: number, record size, then the time they were read and cover. */
#define DUMP_ROWS_HDR_BYTES	24

/* ---- little-endian fields ---- */

static inline void put_le16(unsigned char *p, __u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static inline void put_le32(unsigned char *p, __u32 v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static inline void put_le64(unsigned char *p, __u64 v)
{
	put_le32(p, v);
	put_le32(p + 4, v >> 32);
}

static inline __u16 get_le16(const unsigned char *p)
{
	return p[0] | (__u16)p[1] << 8;
}

static inline __u32 get_le32(const unsigned char *p)
{
	return get_le16(p) | (__u32)get_le16(p + 2) << 16;
}

static inline __u64 get_le64(const unsigned char *p)
{
	return get_le32(p) | (__u64)get_le32(p + 4) << 32;
}

/* ---- a growable text buffer ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;		/* an allocation failed: every later call does nothing */
};

/* Room for @more bytes and a NUL; false (and oom) when out of memory. */
bool sbuf_reserve(struct sbuf *sb, size_t more);
__attribute__((format(printf, 2, 3)))
void sbuf_printf(struct sbuf *sb, const char *fmt, ...);
/*
 * Append at most @max bytes of @s, each of the characters in @bad (line or
 * field separators of the format) turned into a space.
 */
void sbuf_put_clean(struct sbuf *sb, const char *s, size_t max, const char *bad);

/* A one-line message into @err (NULL-safe). */
__attribute__((format(printf, 3, 4)))
void dump_set_err(char *err, size_t err_len, const char *fmt, ...);

/* The ts_ns range of @ev (0, 0 when none): they need not be in order. */
void dump_events_range(const struct vflow_event *ev, size_t n, __u64 *first, __u64 *last);

/* ---- reading ---- */

struct dump_reader {
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
	bool have_header, have_end, said_newer, said_cap;
	bool bad_magic_seen;		/* a member held something, but no vflow block */
};

/* An intact block, its payload checked against its CRC. */
struct dump_block {
	__u16 type, version;
	__u32 seq, len;
	const unsigned char *payload;
};

/* One line for the user in the dump's damage report. */
__attribute__((format(printf, 2, 3)))
void dump_problem(struct dump_reader *r, const char *fmt, ...);

/*
 * An intact block found at byte @at: check its place in the sequence,
 * then take its payload into r->d. 0, or -ENOMEM.
 */
int dump_take_block(struct dump_reader *r, const struct dump_block *b, size_t at);

#endif
