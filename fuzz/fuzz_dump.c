// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: any bytes as a dump file. The reader must never crash,
 * leak or read out of bounds, and what it returns must be consistent:
 * every string terminated, every entity found again by its key.
 *
 * Input that starts with a gzip header is read as a file. Anything else is
 * taken as the decompressed block stream (what zcat prints): each block
 * gets its payload's CRC-32 and its own gzip member before the reader sees
 * it, so mutations reach the payload parsers instead of dying at a CRC.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "record/dump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static __u32 le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (__u32)p[3] << 24;
}

/* Append @len bytes as one gzip member to *out. false: out of memory. */
static bool append_member(uint8_t **out, size_t *out_len, const uint8_t *in, size_t len)
{
	z_stream zs = { 0 };
	uLong bound;
	uint8_t *p;
	bool ok;

	if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return false;
	bound = deflateBound(&zs, len);
	p = realloc(*out, *out_len + bound);
	if (!p) {
		deflateEnd(&zs);
		return false;
	}
	*out = p;
	zs.next_in = (uint8_t *)in;
	zs.avail_in = len;
	zs.next_out = p + *out_len;
	zs.avail_out = bound;
	ok = deflate(&zs, Z_FINISH) == Z_STREAM_END;
	*out_len += zs.total_out;
	deflateEnd(&zs);
	return ok;
}

/* The block stream @data as a dump file: blocks split by their length fields. */
static uint8_t *wrap_blocks(const uint8_t *data, size_t size, size_t *len)
{
	uint8_t *out = NULL, *blk = malloc(size ? size : 1);
	size_t pos = 0;

	*len = 0;
	if (!blk)
		return NULL;
	while (pos < size) {
		size_t n = size - pos, plen;
		__u32 crc;

		if (n >= DUMP_BLOCK_HDR_BYTES) {
			plen = le32(data + pos + 12);
			if (plen > n - DUMP_BLOCK_HDR_BYTES)
				plen = n - DUMP_BLOCK_HDR_BYTES;
			n = DUMP_BLOCK_HDR_BYTES + plen;
			memcpy(blk, data + pos, n);
			crc = crc32(0, blk + DUMP_BLOCK_HDR_BYTES, plen);
			blk[16] = crc;
			blk[17] = crc >> 8;
			blk[18] = crc >> 16;
			blk[19] = crc >> 24;
		} else {
			memcpy(blk, data + pos, n);
		}
		if (!append_member(&out, len, blk, n)) {
			free(out);
			free(blk);
			return NULL;
		}
		pos += n;
	}
	free(blk);
	return out;
}

static void walk(const struct dump *d)
{
	volatile __u64 sink = 0;
	size_t i;

	for (i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *e = &d->ev[i];

		sink += e->kind + e->trap + e->flags + e->pid + e->tid + e->cgroup_id + e->ts_ns +
			e->latency_ns + e->code + (__u64)e->ret + e->sub + e->aux_trap +
			strlen(e->comm);
		dump__entity(d, DUMP_ENT_CGROUP, e->cgroup_id);
		dump__entity(d, DUMP_ENT_PROC, e->pid);
	}
	for (i = 0; i < d->nr_ents; i++) {
		const struct dump_entity *e = &d->ents[i], *found;

		sink += strlen(e->type) + strlen(e->name) + strlen(e->path);
		found = dump__entity(d, e->kind, e->id);
		if (!found || found->kind != e->kind || found->id != e->id)
			abort();
	}
	if (d->info.nr_probes > DUMP_MAX_PROBES || d->damage.nr_problems > DUMP_MAX_PROBLEMS)
		abort();
	for (i = 0; i < d->info.nr_probes; i++)
		sink += strlen(d->info.probes[i]);
	for (i = 0; i < d->damage.nr_problems; i++)
		sink += strlen(d->damage.problems[i]);
	if (d->info.model)
		sink += strlen(d->info.model);
	sink += strlen(d->info.host) + strlen(d->info.kernel) + strlen(d->info.boot_id) +
		strlen(d->info.clocksource) + strlen(d->info.vflow_version) +
		strlen(d->info.trigger);
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *wrapped = NULL;
	struct dump *d;
	char err[256];
	int rc;

	if (size && data[0] != 0x1f) {
		wrapped = wrap_blocks(data, size, &size);
		if (!wrapped)
			return 0;
		data = wrapped;
	}
	rc = dump_read_mem(data, size, &d, err, sizeof(err));
	if (rc) {
		if (!memchr(err, '\0', sizeof(err)) || memchr(err, '\n', strlen(err)))
			abort();
	} else {
		walk(d);
		dump__free(d);
	}
	free(wrapped);
	return 0;
}
