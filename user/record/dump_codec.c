// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The dump's encodings (docs/DUMP.md): event and trap row records,
 * little-endian and of fixed size, and what the writer and the reader
 * both use: the text buffer of the text blocks, one-line messages, the
 * time range of some events.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record/dump_internal.h"

/* The first size of a text buffer: a HEADER block's usual text fits. */
#define SBUF_MIN_BYTES 4096

/* ---- records ---- */

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

bool sbuf_reserve(struct sbuf *sb, size_t more)
{
	size_t cap;
	char *p;

	if (sb->oom)
		return false;
	if (sb->len + more + 1 <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : SBUF_MIN_BYTES;
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

void sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sbuf_reserve(sb, n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->p + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

void sbuf_put_clean(struct sbuf *sb, const char *s, size_t max, const char *bad)
{
	size_t i, n = strnlen(s, max);

	if (!sbuf_reserve(sb, n))
		return;
	for (i = 0; i < n; i++)
		sb->p[sb->len++] = strchr(bad, s[i]) ? ' ' : s[i];
	sb->p[sb->len] = '\0';
}

/* ---- shared by the writer and the reader ---- */

void dump_set_err(char *err, size_t err_len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !err_len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, err_len, fmt, ap);
	va_end(ap);
}

void dump_events_range(const struct vflow_event *ev, size_t n, __u64 *first, __u64 *last)
{
	*first = n ? ev[0].ts_ns : 0;
	*last = *first;
	for (size_t i = 1; i < n; i++) {
		if (ev[i].ts_ns < *first)
			*first = ev[i].ts_ns;
		if (ev[i].ts_ns > *last)
			*last = ev[i].ts_ns;
	}
}
