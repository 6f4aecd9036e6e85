// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Writing a dump (docs/DUMP.md): each block its own gzip member, written
 * to the caller's stdio stream as it is made, so that a damaged member
 * costs only its own block. The HEADER block's facts of this machine come
 * from user/host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/trap.h"
#include "record/dump_internal.h"
#include "record/recorder.h"
#include "host/host_facts.h"

#ifndef VFLOW_VERSION
#define VFLOW_VERSION "unknown"
#endif
#ifndef VFLOW_GIT_REV
#define VFLOW_GIT_REV "unknown"
#endif

/* Entity lines are split into blocks of about this many bytes. */
#define ENT_BLOCK_BYTES		(1U << 20)
/* deflateInit2's memLevel: zlib's default */
#define DEFLATE_MEM_LEVEL	8

static const char event_fields[] =
	"kind,trap,flags,pid,tid,cgroup_id,ts_ns,latency_ns,code,ret,sub,aux_trap,comm";

struct dump_writer {
	FILE *f;
	z_stream zs;
	__u32 seq;			/* blocks written */
	__u64 events;
	int err;			/* first error: every later call returns it */
	unsigned char zout[DUMP_ZCHUNK];
};

static int zout_flush(struct dump_writer *w)
{
	size_t n = DUMP_ZCHUNK - w->zs.avail_out;

	if (n && fwrite(w->zout, 1, n, w->f) != n)
		return errno ? -errno : -EIO;
	w->zs.next_out = w->zout;
	w->zs.avail_out = DUMP_ZCHUNK;
	return 0;
}

/* Feed @len bytes to deflate; @flush Z_FINISH ends the member. */
static int deflate_feed(struct dump_writer *w, const void *data, size_t len, int flush)
{
	const unsigned char *p = data;
	int ret, err;

	do {
		uInt piece = len > DUMP_ZIN_CHUNK ? DUMP_ZIN_CHUNK : len;
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
		sbuf_printf(sb, key "=");				\
		sbuf_put_clean(sb, info->field, sizeof(info->field), nl);	\
		sbuf_printf(sb, "\n");					\
	} while (0)

	sbuf_printf(sb, DUMP_HEADER_MAGIC " %u\n", DUMP_FORMAT_VERSION);
	STR_KEY("host", host);
	STR_KEY("kernel", kernel);
	STR_KEY("boot_id", boot_id);
	STR_KEY("clocksource", clocksource);
	STR_KEY("vflow_version", vflow_version);
	STR_KEY("trigger", trigger);
#undef STR_KEY
	sbuf_printf(sb, "created_realtime_ns=%llu\n", (unsigned long long)info->created_realtime_ns);
	sbuf_printf(sb, "mono_to_realtime_ns=%llu\n", (unsigned long long)info->mono_to_realtime_ns);
	sbuf_printf(sb, "first_ns=%llu\n", (unsigned long long)info->first_ns);
	sbuf_printf(sb, "last_ns=%llu\n", (unsigned long long)info->last_ns);
	for (i = 0; i < VFLOW_REC_MAX; i++)
		sbuf_printf(sb, "sample.%s=%u\n", trap_rec_class_name(i), info->sample_period[i]);
	for (i = 0; i < VFLOW_REC_MAX; i++)
		sbuf_printf(sb, "slow_ns.%s=%llu\n", trap_rec_class_name(i),
			    (unsigned long long)info->slow_ns[i]);
	sbuf_printf(sb, "events_received=%llu\n", (unsigned long long)info->events_received);
	sbuf_printf(sb, "events_evicted=%llu\n", (unsigned long long)info->events_evicted);
	sbuf_printf(sb, "events_dropped=%llu\n", (unsigned long long)info->events_dropped);
	sbuf_printf(sb, "event_record_bytes=%u\n", DUMP_EVENT_RECORD_BYTES);
	sbuf_printf(sb, "event_fields=%s\n", event_fields);
	if (nr_probes > DUMP_MAX_PROBES)
		nr_probes = DUMP_MAX_PROBES;
	for (i = 0; i < nr_probes; i++) {
		sbuf_printf(sb, "probe=");
		sbuf_put_clean(sb, info->probes[i], sizeof(info->probes[i]), nl);
		sbuf_printf(sb, "\n");
	}
	/* one line per model line; a final newline does not make an empty one */
	for (m = info->model; m && *m;) {
		const char *e = strchrnul(m, '\n');

		sbuf_printf(sb, "model=");
		sbuf_put_clean(sb, m, e - m, "\r");
		sbuf_printf(sb, "\n");
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
	/* a gzip wrapper, so every block is a gzip member */
	if (deflateInit2(&w->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, DUMP_GZIP_WINDOW_BITS,
			 DEFLATE_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(w);
		return -ENOMEM;
	}
	w->zs.next_out = w->zout;
	w->zs.avail_out = DUMP_ZCHUNK;
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

/* A container's names after the five fields: name, image, pod, namespace, pod container, source, sandbox. */
static void put_names(struct sbuf *sb, const struct runtime_names *n, const char *sep)
{
	const struct {
		const char *s;
		size_t len;
	} f[] = {
		{ n->name, sizeof(n->name) }, { n->image, sizeof(n->image) }, { n->pod, sizeof(n->pod) },
		{ n->pod_namespace, sizeof(n->pod_namespace) },
		{ n->pod_container, sizeof(n->pod_container) },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		sbuf_printf(sb, "\t");
		sbuf_put_clean(sb, f[i].s, f[i].len, sep);
	}
	sbuf_printf(sb, "\t%s\t%d", runtime_source_name(n->source), n->sandbox ? 1 : 0);
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
		sbuf_printf(&sb, "%s\t%llu\t", e->kind == DUMP_ENT_CGROUP ? "cgroup" : "proc",
			    (unsigned long long)e->id);
		sbuf_put_clean(&sb, e->type, sizeof(e->type), sep);
		sbuf_printf(&sb, "\t");
		sbuf_put_clean(&sb, e->name, sizeof(e->name), sep);
		sbuf_printf(&sb, "\t");
		sbuf_put_clean(&sb, e->path, sizeof(e->path), sep);
		if (e->kind == DUMP_ENT_CGROUP && e->names.source != RUNTIME_SRC_NONE)
			put_names(&sb, &e->names, sep);
		sbuf_printf(&sb, "\n");
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
	buf = malloc(DUMP_EVENTS_HDR_BYTES + (size_t)DUMP_EVENTS_PER_BLOCK * DUMP_EVENT_RECORD_BYTES);
	if (!buf)
		return w->err = -ENOMEM;
	while (done < n && !err) {
		size_t i, k = n - done;

		if (k > DUMP_EVENTS_PER_BLOCK)
			k = DUMP_EVENTS_PER_BLOCK;
		put_le32(buf, k);
		put_le32(buf + 4, DUMP_EVENT_RECORD_BYTES);
		for (i = 0; i < k; i++)
			dump_event_encode(&ev[done + i],
					  buf + DUMP_EVENTS_HDR_BYTES + i * DUMP_EVENT_RECORD_BYTES);
		err = write_block(w, DUMP_BLK_EVENTS, buf,
				  DUMP_EVENTS_HDR_BYTES + k * DUMP_EVENT_RECORD_BYTES);
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
	buf = malloc(DUMP_ROWS_HDR_BYTES + (size_t)DUMP_ROWS_PER_BLOCK * DUMP_ROW_RECORD_BYTES);
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
			dump_row_encode(&rows->rows[done + i],
					buf + DUMP_ROWS_HDR_BYTES + i * DUMP_ROW_RECORD_BYTES);
		err = write_block(w, DUMP_BLK_ROWS, buf, DUMP_ROWS_HDR_BYTES + k * DUMP_ROW_RECORD_BYTES);
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

/* ---- the header's facts of this machine ---- */

#define FIELD_SIZE(type, field) sizeof(((type *)0)->field)
/* the header's fields hold the host's facts whole */
_Static_assert(FIELD_SIZE(struct dump_info, host) == FIELD_SIZE(struct host_facts, hostname) &&
	       FIELD_SIZE(struct dump_info, kernel) == FIELD_SIZE(struct host_facts, kernel) &&
	       FIELD_SIZE(struct dump_info, boot_id) == FIELD_SIZE(struct host_facts, boot_id) &&
	       FIELD_SIZE(struct dump_info, clocksource) == FIELD_SIZE(struct host_facts, clocksource),
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
