// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the dump file format: round trips, zcat, damaged files
 * (cut, flipped bytes, bombs, newer versions, unknown blocks), and the
 * atomic file writer on full, read-only and wrong directories.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <zlib.h>

#include "record/dump.h"

#define ERR_LEN		512
#define NR_EV		10000
#define MAX_CUTS	32

static char dir[] = "/tmp/vflow-dump.XXXXXX";

/* A dump in memory, with the end offset of every block. */
struct mem {
	unsigned char *buf;
	size_t len;
	size_t end[MAX_CUTS];
	size_t nr_blocks;
};

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void make_info(struct dump_info *in)
{
	memset(in, 0, sizeof(*in));
	dump_info__host(in);
	snprintf(in->trigger, sizeof(in->trigger), "rule: p99 > 1ms\nfor 5s");
	in->first_ns = 1000;
	in->last_ns = 1000 + (NR_EV - 1) * 1000ULL;
	in->sample_period[VFLOW_REC_SYSCALL] = 1000;
	in->sample_period[VFLOW_REC_VM] = 100;
	in->sample_period[VFLOW_REC_SANDBOX] = 0;
	in->slow_ns[VFLOW_REC_SYSCALL] = 10000000;
	in->slow_ns[VFLOW_REC_VM] = UINT64_MAX;
	in->slow_ns[VFLOW_REC_SANDBOX] = 1;
	in->events_received = 123456789012ULL;
	in->events_evicted = 42;
	in->events_dropped = 7;
	in->nr_probes = 3;
	snprintf(in->probes[0], sizeof(in->probes[0]), "raw_syscalls:sys_enter tp_btf live");
	snprintf(in->probes[1], sizeof(in->probes[1]), "kvm:kvm_exit tp_btf live");
	snprintf(in->probes[2], sizeof(in->probes[2]), "seccomp fexit absent: no BTF");
	in->model = strdup("# model\nc_trap_ns = 120\n\nc_schedule_ns = 3000\n");
	assert_non_null(in->model);
}

static void make_events(struct vflow_event *ev, size_t n)
{
	size_t i;

	memset(ev, 0, n * sizeof(*ev));
	for (i = 0; i < n; i++) {
		struct vflow_event *e = &ev[i];

		e->kind = 1 + i % 2;
		e->trap = i % VFLOW_TRAP_KIND_MAX;
		e->flags = i % 4;
		e->pid = i * 7;
		e->tid = 0xffffffffU - i;
		e->cgroup_id = i % 3 ? i * 0x100000001ULL : UINT64_MAX;
		e->ts_ns = 1000 + i * 1000ULL;
		e->latency_ns = i % 5 ? i : UINT64_MAX;
		e->code = i % 11 ? i * 3 : 0xfedcba9876543210ULL;
		e->ret = i % 13 == 1 ? INT64_MIN : i % 13 == 2 ? INT64_MAX : -(__s64)(i % 200);
		e->sub = i % 17;
		e->aux_trap = i % 19;
		if (i % 7)
			snprintf(e->comm, sizeof(e->comm), "comm-%zu", i);
		else
			memcpy(e->comm, "abcdefghijklmno", 15);
	}
}

static void assert_event_equal(const struct vflow_event *a, const struct vflow_event *b)
{
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->trap, b->trap);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->pid, b->pid);
	assert_int_equal(a->tid, b->tid);
	assert_int_equal(a->cgroup_id, b->cgroup_id);
	assert_int_equal(a->ts_ns, b->ts_ns);
	assert_int_equal(a->latency_ns, b->latency_ns);
	assert_int_equal(a->code, b->code);
	assert_true(a->ret == b->ret);
	assert_int_equal(a->sub, b->sub);
	assert_int_equal(a->aux_trap, b->aux_trap);
	assert_memory_equal(a->comm, b->comm, sizeof(a->comm));
}

#define ENT(k, i, t, n, p) { .kind = (k), .id = (i), .type = (t), .name = (n), .path = (p) }
static const struct dump_entity ents_in[] = {
	ENT(DUMP_ENT_CGROUP, 1, "host", "/", "/"),
	ENT(DUMP_ENT_CGROUP, 7, "docker", "docker:4f3a9c2e1b7d", "/system.slice/docker-4f3a.scope"),
	ENT(DUMP_ENT_CGROUP, UINT64_MAX, "kubernetes", "pod\twith\ttabs", "/kubepods\n/x"),
	ENT(DUMP_ENT_PROC, 7, "vm", "guest1", "qemu-system-x86_64 -name guest1"),
	ENT(DUMP_ENT_PROC, 4242, "sandbox", "gVisor", "runsc --platform ptrace"),
	/* a container its runtime named: the names follow the five fields */
	{ .kind = DUMP_ENT_CGROUP, .id = 9, .type = "docker", .name = "k8s:prod/web-7d9f/nginx",
	  .path = "/docker/9e1c",
	  .names = { .name = "k8s_nginx_web", .image = "nginx:1.25\twith tab", .pod = "web-7d9f",
		     .pod_namespace = "prod", .pod_container = "nginx",
		     .source = RUNTIME_SRC_DOCKER_API } },
};
#undef ENT

#define NR_ENTS (sizeof(ents_in) / sizeof(ents_in[0]))

static void assert_no_newline(const char *s)
{
	assert_null(strchr(s, '\n'));
	assert_true(strlen(s) > 0);
}

/* The dump's problems, one of which contains @what */
static bool has_problem(const struct dump *d, const char *what)
{
	size_t i;

	for (i = 0; i < d->damage.nr_problems; i++)
		if (strstr(d->damage.problems[i], what))
			return true;
	return false;
}

static void print_problems(const struct dump *d)
{
	size_t i;

	for (i = 0; i < d->damage.nr_problems; i++)
		print_message("#   %s\n", d->damage.problems[i]);
}

/* Write a dump to memory, events in blocks of DUMP_EVENTS_PER_BLOCK, noting block ends. */
static void write_mem(struct mem *m, const struct dump_info *in, const struct vflow_event *ev,
		      size_t n)
{
	struct dump_writer *w;
	char *buf = NULL;
	size_t len = 0, done = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	m->nr_blocks = 0;
	assert_int_equal(dump_writer__open(&w, f, in), 0);
	assert_int_equal(fflush(f), 0);
	m->end[m->nr_blocks++] = len;
	assert_int_equal(dump_writer__entities(w, ents_in, NR_ENTS), 0);
	assert_int_equal(fflush(f), 0);
	m->end[m->nr_blocks++] = len;
	while (done < n) {
		size_t k = n - done < DUMP_EVENTS_PER_BLOCK ? n - done : DUMP_EVENTS_PER_BLOCK;

		assert_int_equal(dump_writer__events(w, ev + done, k), 0);
		assert_int_equal(fflush(f), 0);
		m->end[m->nr_blocks++] = len;
		done += k;
	}
	assert_int_equal(dump_writer__close(w), 0);
	assert_int_equal(fclose(f), 0);
	m->end[m->nr_blocks++] = len;
	m->buf = (unsigned char *)buf;
	m->len = len;
}

/* One block as one gzip member, with any header fields a test wants. */
static void put_block(FILE *f, __u16 type, __u16 version, __u32 seq, __u32 declared_len,
		      const void *payload, size_t len)
{
	unsigned char *in = malloc(DUMP_BLOCK_HDR_BYTES + len), *out;
	z_stream zs = { 0 };
	size_t bound;

	assert_non_null(in);
	in[0] = 'V', in[1] = 'F', in[2] = 'B', in[3] = 'K';
	in[4] = type, in[5] = type >> 8;
	in[6] = version, in[7] = version >> 8;
	for (int i = 0; i < 4; i++) {
		__u32 crc = crc32(0, payload, len);

		in[8 + i] = seq >> (8 * i);
		in[12 + i] = declared_len >> (8 * i);
		in[16 + i] = crc >> (8 * i);
		in[20 + i] = 0;
	}
	memcpy(in + DUMP_BLOCK_HDR_BYTES, payload, len);
	assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	bound = deflateBound(&zs, DUMP_BLOCK_HDR_BYTES + len);
	out = malloc(bound);
	assert_non_null(out);
	zs.next_in = in;
	zs.avail_in = DUMP_BLOCK_HDR_BYTES + len;
	zs.next_out = out;
	zs.avail_out = bound;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	assert_int_equal(fwrite(out, 1, zs.total_out, f), zs.total_out);
	deflateEnd(&zs);
	free(in);
	free(out);
}

static void put_text(FILE *f, __u16 type, __u16 version, __u32 seq, const char *text)
{
	put_block(f, type, version, seq, strlen(text), text, strlen(text));
}

/* An events payload of @n records of @rs bytes (ours, then 0xaa). */
static void put_events(FILE *f, __u16 version, __u32 seq, const struct vflow_event *ev,
		       size_t n, __u32 rs)
{
	size_t len = 8 + n * rs, i;
	unsigned char *p = malloc(len);

	assert_non_null(p);
	memset(p, 0xaa, len);
	p[0] = n, p[1] = n >> 8, p[2] = n >> 16, p[3] = n >> 24;
	p[4] = rs, p[5] = rs >> 8, p[6] = rs >> 16, p[7] = rs >> 24;
	for (i = 0; i < n; i++) {
		unsigned char rec[DUMP_EVENT_RECORD_BYTES];

		dump_event_encode(&ev[i], rec);
		memcpy(p + 8 + i * rs, rec, rs < sizeof(rec) ? rs : sizeof(rec));
	}
	put_block(f, DUMP_BLK_EVENTS, version, seq, len, p, len);
	free(p);
}

static int read_buf(const void *buf, size_t len, struct dump **d, char *err)
{
	int rc;

	err[0] = '\0';
	rc = dump_read_mem(buf, len, d, err, ERR_LEN);
	if (rc)
		print_message("# %s\n", err);
	return rc;
}

static unsigned int count_entries(const char *path, const char *substr)
{
	DIR *dp = opendir(path);
	struct dirent *de;
	unsigned int n = 0;

	assert_non_null(dp);
	while ((de = readdir(dp)))
		if (strstr(de->d_name, substr))
			n++;
	closedir(dp);
	return n;
}

static void make_subdir(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
	assert_int_equal(mkdir(out, 0755), 0);
}

/* ---- tests ---- */

static void test_record_layout(void **state)
{
	struct vflow_event ev = { 0 }, back;
	unsigned char rec[DUMP_EVENT_RECORD_BYTES];

	(void)state;
	ev.kind = 0x01020304;
	ev.trap = 0x0506;
	ev.flags = 0x0708;
	ev.pid = 0x090a0b0c;
	ev.tid = 0x0d0e0f10;
	ev.cgroup_id = 0x1112131415161718ULL;
	ev.ts_ns = 0x191a1b1c1d1e1f20ULL;
	ev.latency_ns = UINT64_MAX;
	ev.code = 0x2122232425262728ULL;
	ev.ret = -2;
	ev.sub = 0x31323334;
	ev.aux_trap = 0x35363738;
	memcpy(ev.comm, "fifteen-chars-x", 15);
	dump_event_encode(&ev, rec);
	/* little-endian, at the offsets docs/DUMP.md gives */
	assert_int_equal(rec[0], 0x04);
	assert_int_equal(rec[3], 0x01);
	assert_int_equal(rec[4], 0x06);
	assert_int_equal(rec[6], 0x08);
	assert_int_equal(rec[8], 0x0c);
	assert_int_equal(rec[12], 0x10);
	assert_int_equal(rec[16], 0x18);
	assert_int_equal(rec[23], 0x11);
	assert_int_equal(rec[24], 0x20);
	assert_int_equal(rec[32], 0xff);
	assert_int_equal(rec[40], 0x28);
	assert_int_equal(rec[48], 0xfe);
	assert_int_equal(rec[55], 0xff);
	assert_int_equal(rec[56], 0x34);
	assert_int_equal(rec[60], 0x38);
	assert_memory_equal(rec + 64, "fifteen-chars-x", 16);
	dump_event_decode(rec, &back);
	assert_event_equal(&ev, &back);
}

static void test_round_trip(void **state)
{
	struct vflow_event *ev = calloc(NR_EV, sizeof(*ev));
	char path[PATH_MAX], err[ERR_LEN];
	const struct dump_entity *e;
	struct dump_info in;
	struct dump *d;
	size_t i;

	(void)state;
	assert_non_null(ev);
	make_info(&in);
	make_events(ev, NR_EV);
	assert_int_equal(dump_write_file(dir, "rt", &in, ents_in, NR_ENTS, ev, NR_EV, NULL, path,
					 sizeof(path), err, ERR_LEN), 0);
	assert_non_null(strstr(path, "/rt-"));
	assert_int_equal(dump_read_file(path, &d, err, ERR_LEN), 0);

	assert_int_equal(d->info.version, DUMP_FORMAT_VERSION);
	assert_string_equal(d->info.host, in.host);
	assert_string_equal(d->info.kernel, in.kernel);
	assert_string_equal(d->info.boot_id, in.boot_id);
	assert_string_equal(d->info.clocksource, in.clocksource);
	assert_string_equal(d->info.vflow_version, in.vflow_version);
	/* the newline in a value became a space */
	assert_string_equal(d->info.trigger, "rule: p99 > 1ms for 5s");
	assert_int_equal(d->info.created_realtime_ns, in.created_realtime_ns);
	assert_int_equal(d->info.mono_to_realtime_ns, in.mono_to_realtime_ns);
	assert_int_equal(d->info.first_ns, in.first_ns);
	assert_int_equal(d->info.last_ns, in.last_ns);
	for (i = 0; i < VFLOW_REC_MAX; i++) {
		assert_int_equal(d->info.sample_period[i], in.sample_period[i]);
		assert_int_equal(d->info.slow_ns[i], in.slow_ns[i]);
	}
	assert_int_equal(d->info.events_received, in.events_received);
	assert_int_equal(d->info.events_evicted, in.events_evicted);
	assert_int_equal(d->info.events_dropped, in.events_dropped);
	assert_int_equal(d->info.nr_probes, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(d->info.probes[i], in.probes[i]);
	assert_string_equal(d->info.model, in.model);

	assert_int_equal(d->nr_ents, NR_ENTS);
	e = dump__entity(d, DUMP_ENT_CGROUP, 7);
	assert_non_null(e);
	assert_string_equal(e->type, "docker");
	assert_string_equal(e->name, "docker:4f3a9c2e1b7d");
	assert_string_equal(e->path, "/system.slice/docker-4f3a.scope");
	assert_int_equal(e->names.source, RUNTIME_SRC_NONE);
	e = dump__entity(d, DUMP_ENT_CGROUP, 9);
	assert_non_null(e);
	assert_string_equal(e->name, "k8s:prod/web-7d9f/nginx");
	assert_string_equal(e->path, "/docker/9e1c");
	assert_string_equal(e->names.name, "k8s_nginx_web");
	assert_string_equal(e->names.image, "nginx:1.25 with tab");
	assert_string_equal(e->names.pod, "web-7d9f");
	assert_string_equal(e->names.pod_namespace, "prod");
	assert_string_equal(e->names.pod_container, "nginx");
	assert_int_equal(e->names.source, RUNTIME_SRC_DOCKER_API);
	assert_false(e->names.sandbox);
	e = dump__entity(d, DUMP_ENT_PROC, 7);
	assert_non_null(e);
	assert_string_equal(e->type, "vm");
	assert_string_equal(e->path, "qemu-system-x86_64 -name guest1");
	e = dump__entity(d, DUMP_ENT_CGROUP, UINT64_MAX);
	assert_non_null(e);
	assert_string_equal(e->name, "pod with tabs");
	assert_string_equal(e->path, "/kubepods /x");
	assert_non_null(dump__entity(d, DUMP_ENT_PROC, 4242));
	assert_non_null(dump__entity(d, DUMP_ENT_CGROUP, 1));
	assert_null(dump__entity(d, DUMP_ENT_PROC, 1));
	assert_null(dump__entity(d, DUMP_ENT_CGROUP, 8));

	assert_int_equal(d->nr_ev, NR_EV);
	for (i = 0; i < NR_EV; i++)
		assert_event_equal(&d->ev[i], &ev[i]);
	/* header, entities, three events blocks, END */
	assert_int_equal(d->damage.blocks_ok, 6);
	assert_int_equal(d->damage.blocks_bad, 0);
	assert_int_equal(d->damage.bytes_skipped, 0);
	assert_false(d->damage.truncated);
	assert_false(d->damage.newer_version);
	assert_int_equal(d->damage.events_expected, NR_EV);
	assert_int_equal(d->damage.events_lost, 0);
	assert_int_equal(d->damage.nr_problems, 0);
	dump__free(d);
	free(in.model);
	free(ev);
}

/* Each block is a gzip member: gzip -dc gives the blocks back to back. */
static void test_zcat(void **state)
{
	struct vflow_event ev[10];
	char path[PATH_MAX], err[ERR_LEN], cmd[PATH_MAX + 32];
	unsigned char *out = malloc(1 << 20);
	size_t len = 0, off, n, blocks = 0;
	struct dump_info in;
	FILE *p;

	(void)state;
	assert_non_null(out);
	make_info(&in);
	make_events(ev, 10);
	assert_int_equal(dump_write_file(dir, "zcat", &in, ents_in, NR_ENTS, ev, 10, NULL, path,
					 sizeof(path), err, ERR_LEN), 0);
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(out + len, 1, (1 << 20) - len, p)) > 0)
		len += n;
	assert_int_equal(pclose(p), 0);
	assert_true(len > DUMP_BLOCK_HDR_BYTES);
	assert_memory_equal(out, "VFBK", 4);
	assert_memory_equal(out + DUMP_BLOCK_HDR_BYTES, "vflow-dump 1\n", 13);
	for (off = 0; off + DUMP_BLOCK_HDR_BYTES <= len; blocks++) {
		__u32 plen = out[off + 12] | out[off + 13] << 8 | out[off + 14] << 16 |
			     (__u32)out[off + 15] << 24;

		assert_memory_equal(out + off, "VFBK", 4);
		assert_int_equal(out[off + 8], blocks);
		off += DUMP_BLOCK_HDR_BYTES + plen;
	}
	assert_int_equal(off, len);
	/* header, entities, events, END */
	assert_int_equal(blocks, 4);
	free(in.model);
	free(out);
}

static void test_empty(void **state)
{
	char path[PATH_MAX], err[ERR_LEN];
	struct dump_info in = { 0 };
	struct dump *d;

	(void)state;
	dump_info__host(&in);
	assert_int_equal(dump_write_file(dir, "empty", &in, NULL, 0, NULL, 0, NULL, path, sizeof(path),
					 err, ERR_LEN), 0);
	assert_int_equal(dump_read_file(path, &d, err, ERR_LEN), 0);
	assert_int_equal(d->nr_ev, 0);
	assert_int_equal(d->nr_ents, 0);
	assert_null(d->info.model);
	assert_int_equal(d->info.nr_probes, 0);
	assert_int_equal(d->info.first_ns, 0);
	assert_int_equal(d->info.last_ns, 0);
	assert_string_equal(d->info.host, in.host);
	assert_int_equal(d->damage.blocks_ok, 2);
	assert_int_equal(d->damage.blocks_bad, 0);
	assert_false(d->damage.truncated);
	assert_int_equal(d->damage.events_expected, 0);
	assert_int_equal(d->damage.nr_problems, 0);
	assert_null(dump__entity(d, DUMP_ENT_CGROUP, 1));
	dump__free(d);
}

/* Events in complete blocks that end at or before @cut. */
static size_t events_before(const struct mem *m, size_t cut)
{
	size_t b, n = 0;

	/* blocks 2 .. nr_blocks-2 are events */
	for (b = 2; b + 1 < m->nr_blocks; b++)
		if (m->end[b] <= cut)
			n += b + 2 < m->nr_blocks ? DUMP_EVENTS_PER_BLOCK :
			     NR_EV - DUMP_EVENTS_PER_BLOCK * (m->nr_blocks - 4);
	return n;
}

static void check_cut(const struct mem *m, const struct vflow_event *ev, size_t cut)
{
	char err[ERR_LEN];
	struct dump *d;
	size_t i;
	int rc;

	err[0] = '\0';
	rc = dump_read_mem(m->buf, cut, &d, err, ERR_LEN);
	if (cut < m->end[0]) {
		/* the header is cut and nothing after it: no dump to speak of */
		assert_int_equal(rc, -EINVAL);
		assert_no_newline(err);
		return;
	}
	assert_int_equal(rc, 0);
	assert_true(d->damage.truncated);
	assert_true(has_problem(d, "truncated: no END block"));
	assert_int_equal(d->damage.events_expected, 0);
	assert_int_equal(d->nr_ev, events_before(m, cut));
	for (i = 0; i < d->nr_ev; i++)
		assert_event_equal(&d->ev[i], &ev[i]);
	assert_int_equal(d->nr_ents, cut >= m->end[1] ? NR_ENTS : 0);
	/* a cut inside a block costs exactly that block */
	for (i = 0; i < m->nr_blocks; i++)
		if (m->end[i] == cut)
			break;
	assert_int_equal(d->damage.blocks_bad, i < m->nr_blocks ? 0 : 1);
	dump__free(d);
}

static void test_truncated(void **state)
{
	struct vflow_event *ev = calloc(NR_EV, sizeof(*ev));
	struct dump_info in;
	struct mem m;
	size_t cut, b;

	(void)state;
	assert_non_null(ev);
	make_info(&in);
	make_events(ev, NR_EV);
	write_mem(&m, &in, ev, NR_EV);
	assert_int_equal(m.nr_blocks, 6);
	/* at every block end before END, inside every block, and all over */
	for (b = 0; b + 1 < m.nr_blocks; b++) {
		size_t start = b ? m.end[b - 1] : 0;

		check_cut(&m, ev, m.end[b]);
		check_cut(&m, ev, start + 1);
		check_cut(&m, ev, start + (m.end[b] - start) / 2);
		check_cut(&m, ev, m.end[b] - 1);
	}
	/* inside END too */
	check_cut(&m, ev, m.len - 1);
	check_cut(&m, ev, m.end[m.nr_blocks - 2] + 5);
	for (cut = 1; cut < m.len; cut += 397)
		check_cut(&m, ev, cut);
	free(m.buf);
	free(in.model);
	free(ev);
}

static void test_flipped_byte(void **state)
{
	struct vflow_event *ev = calloc(NR_EV, sizeof(*ev));
	char err[ERR_LEN];
	struct dump_info in;
	struct dump *d;
	struct mem m;
	size_t i;

	(void)state;
	assert_non_null(ev);
	make_info(&in);
	make_events(ev, NR_EV);
	write_mem(&m, &in, ev, NR_EV);
	/* the second events block is block 3 */
	m.buf[m.end[2] + (m.end[3] - m.end[2]) / 2] ^= 0x10;
	assert_int_equal(read_buf(m.buf, m.len, &d, err), 0);
	print_problems(d);
	assert_int_equal(d->damage.blocks_bad, 1);
	assert_int_equal(d->damage.blocks_ok, 5);
	assert_false(d->damage.truncated);
	assert_true(d->damage.bytes_skipped > 0);
	assert_true(d->damage.bytes_skipped <= m.end[3] - m.end[2]);
	assert_int_equal(d->damage.events_expected, NR_EV);
	assert_int_equal(d->damage.events_lost, DUMP_EVENTS_PER_BLOCK);
	assert_int_equal(d->nr_ev, NR_EV - DUMP_EVENTS_PER_BLOCK);
	assert_true(has_problem(d, "block 3 missing"));
	assert_true(has_problem(d, "events lost"));
	for (i = 0; i < DUMP_EVENTS_PER_BLOCK; i++)
		assert_event_equal(&d->ev[i], &ev[i]);
	for (; i < d->nr_ev; i++)
		assert_event_equal(&d->ev[i], &ev[i + DUMP_EVENTS_PER_BLOCK]);
	assert_int_equal(d->nr_ents, NR_ENTS);
	assert_string_equal(d->info.host, in.host);
	dump__free(d);

	/* a damaged header alone: the events are still there */
	m.buf[m.end[2] + (m.end[3] - m.end[2]) / 2] ^= 0x10;
	m.buf[m.end[0] / 2] ^= 0x01;
	assert_int_equal(read_buf(m.buf, m.len, &d, err), 0);
	print_problems(d);
	assert_int_equal(d->nr_ev, NR_EV);
	assert_int_equal(d->damage.blocks_bad, 1);
	assert_true(has_problem(d, "no intact HEADER"));
	/* the range comes from the events then */
	assert_int_equal(d->info.first_ns, ev[0].ts_ns);
	assert_int_equal(d->info.last_ns, ev[NR_EV - 1].ts_ns);
	dump__free(d);
	free(m.buf);
	free(in.model);
	free(ev);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_not_a_dump(void **state)
{
	char path[PATH_MAX], err[ERR_LEN], text[4096];
	struct dump *d = (struct dump *)&d;
	gzFile gz;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/plain.txt", dir);
	write_file(path, "hello, not a dump\n", 18);
	assert_int_equal(dump_read_file(path, &d, err, ERR_LEN), -EINVAL);
	assert_null(d);
	assert_no_newline(err);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a vflow dump (no gzip header at byte 0)"));

	/* gzip, but of something else */
	for (i = 0; i < sizeof(text); i++)
		text[i] = 'a' + rnd() % 26;
	snprintf(path, sizeof(path), "%s/random.gz", dir);
	gz = gzopen(path, "wb");
	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, sizeof(text)), sizeof(text));
	assert_int_equal(gzclose(gz), Z_OK);
	assert_int_equal(dump_read_file(path, &d, err, ERR_LEN), -EINVAL);
	assert_no_newline(err);
	assert_non_null(strstr(err, "not a vflow dump (gzip data, but no vflow block"));

	snprintf(path, sizeof(path), "%s/empty", dir);
	write_file(path, "", 0);
	assert_int_equal(dump_read_file(path, &d, err, ERR_LEN), -EINVAL);
	assert_non_null(strstr(err, "empty"));

	snprintf(path, sizeof(path), "%s/does-not-exist", dir);
	assert_int_equal(dump_read_file(path, &d, err, ERR_LEN), -ENOENT);
	assert_non_null(strstr(err, path));

	/* plain text then a dump: a dump, with the garbage reported */
	{
		struct vflow_event ev[3];
		struct dump_info in;
		struct mem m;
		unsigned char *buf;

		make_info(&in);
		make_events(ev, 3);
		write_mem(&m, &in, ev, 3);
		buf = malloc(m.len + 100);
		assert_non_null(buf);
		memset(buf, 'x', 100);
		memcpy(buf + 100, m.buf, m.len);
		assert_int_equal(read_buf(buf, m.len + 100, &d, err), 0);
		assert_int_equal(d->nr_ev, 3);
		assert_int_equal(d->damage.bytes_skipped, 100);
		assert_true(has_problem(d, "block at byte 0: no gzip header"));
		dump__free(d);
		free(buf);
		free(m.buf);
		free(in.model);
	}
}

static void test_newer_version(void **state)
{
	struct vflow_event ev[3];
	char *buf = NULL, err[ERR_LEN];
	size_t len = 0, i;
	struct dump *d;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	make_events(ev, 3);
	put_text(f, DUMP_BLK_HEADER, 2, 0,
		 "vflow-dump 2\nhost=future\nnew_key=anything at all\nevent_record_bytes=96\n"
		 "model=x = 1\n");
	put_events(f, 2, 1, ev, 3, 96);
	put_text(f, 7, 2, 2, "a block type of version 2\n");
	put_text(f, DUMP_BLK_END, 2, 3, "blocks=3\nevents=3\nnew_total=9\n");
	assert_int_equal(fclose(f), 0);

	assert_int_equal(read_buf(buf, len, &d, err), 0);
	print_problems(d);
	assert_true(d->damage.newer_version);
	assert_int_equal(d->info.version, 2);
	assert_string_equal(d->info.host, "future");
	assert_string_equal(d->info.model, "x = 1\n");
	assert_true(has_problem(d, "written by format version 2, this reader knows 1: upgrade vflow"));
	assert_true(has_problem(d, "unknown type 7"));
	assert_int_equal(d->nr_ev, 3);
	for (i = 0; i < 3; i++)
		assert_event_equal(&d->ev[i], &ev[i]);
	assert_int_equal(d->damage.blocks_bad, 0);
	assert_false(d->damage.truncated);
	assert_int_equal(d->damage.events_lost, 0);
	dump__free(d);
	free(buf);
}

static void test_unknown_and_bad_blocks(void **state)
{
	struct vflow_event ev[6];
	char *buf = NULL, err[ERR_LEN], *bomb;
	size_t len = 0, i;
	struct dump *d;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	make_events(ev, 6);
	bomb = calloc(1, 8 << 20);
	assert_non_null(bomb);
	put_text(f, DUMP_BLK_HEADER, 1, 0, "vflow-dump 1\nhost=h\n");
	put_text(f, 9, 1, 1, "what a future version writes\n");
	put_events(f, 1, 2, ev, 2, DUMP_EVENT_RECORD_BYTES);
	/* records shorter than version 1's: that block is bad */
	put_events(f, 1, 3, ev + 2, 2, 64);
	/* 8 MiB of zeros in a block that says 100 bytes: stopped at 101 */
	put_block(f, DUMP_BLK_EVENTS, 1, 4, 100, bomb, 8 << 20);
	/* a declared length over the limit */
	put_block(f, DUMP_BLK_EVENTS, 1, 5, DUMP_MAX_BLOCK_BYTES + 1, bomb, 16);
	put_events(f, 1, 6, ev + 4, 2, DUMP_EVENT_RECORD_BYTES);
	put_text(f, DUMP_BLK_END, 1, 7, "blocks=7\nevents=8\n");
	assert_int_equal(fclose(f), 0);
	free(bomb);

	assert_int_equal(read_buf(buf, len, &d, err), 0);
	print_problems(d);
	assert_true(has_problem(d, "unknown type 9: skipped"));
	assert_true(has_problem(d, "fewer than 80"));
	assert_true(has_problem(d, "longer than its header says"));
	assert_true(has_problem(d, "declared length over the limit"));
	assert_int_equal(d->damage.blocks_bad, 3);
	assert_int_equal(d->nr_ev, 4);
	assert_event_equal(&d->ev[0], &ev[0]);
	assert_event_equal(&d->ev[1], &ev[1]);
	assert_event_equal(&d->ev[2], &ev[4]);
	assert_event_equal(&d->ev[3], &ev[5]);
	assert_int_equal(d->damage.events_expected, 8);
	assert_int_equal(d->damage.events_lost, 4);
	assert_false(d->damage.newer_version);
	dump__free(d);
	free(buf);

	/* many problems: capped, the last slot says so */
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	put_text(f, DUMP_BLK_HEADER, 1, 0, "vflow-dump 1\n");
	for (i = 1; i <= 40; i++)
		put_text(f, 9, 1, i, "x");
	put_text(f, DUMP_BLK_END, 1, 41, "blocks=41\nevents=0\n");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(read_buf(buf, len, &d, err), 0);
	assert_int_equal(d->damage.nr_problems, DUMP_MAX_PROBLEMS);
	assert_non_null(strstr(d->damage.problems[DUMP_MAX_PROBLEMS - 1], "more problems"));
	dump__free(d);
	free(buf);

	/* a header that is not ours, and nothing else: not a dump */
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	put_text(f, DUMP_BLK_HEADER, 1, 0, "something-else 1\n");
	assert_int_equal(fclose(f), 0);
	assert_int_equal(read_buf(buf, len, &d, err), -EINVAL);
	assert_no_newline(err);
	free(buf);
}

/* A FILE whose writes fail: the writer says so, at the latest on close. */
static void test_writer_stdio_error(void **state)
{
	struct vflow_event *ev = calloc(NR_EV, sizeof(*ev));
	struct dump_writer *w;
	struct dump_info in;
	FILE *f = fopen("/dev/full", "we");
	int rc;

	(void)state;
	assert_non_null(ev);
	assert_non_null(f);
	make_info(&in);
	make_events(ev, NR_EV);
	rc = dump_writer__open(&w, f, &in);
	if (!rc) {
		rc = dump_writer__events(w, ev, NR_EV);
		if (rc)
			dump_writer__abort(w);
		else
			rc = dump_writer__close(w);
	}
	assert_int_equal(rc, -ENOSPC);
	fclose(f);
	free(in.model);
	free(ev);
}

static void stamp_name(char *out, size_t len, const char *d, const char *prefix, time_t t,
		       const char *suffix)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, len, "%s/%s-%04d%02d%02dT%02d%02d%02dZ%s.vfd", d, prefix, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, suffix);
}

static void test_write_file_names(void **state)
{
	char sub[PATH_MAX], p1[PATH_MAX], p2[PATH_MAX], err[ERR_LEN], sentinel[PATH_MAX + 64];
	struct vflow_event ev[5];
	struct dump_info in;
	struct dump *d;
	time_t now = time(NULL);
	int s;

	(void)state;
	make_info(&in);
	make_events(ev, 5);
	make_subdir(sub, sizeof(sub), "names");
	/* the plain names of the next seconds are taken: they must survive */
	for (s = 0; s < 5; s++) {
		stamp_name(sentinel, sizeof(sentinel), sub, "n", now + s, "");
		write_file(sentinel, "sentinel", 8);
	}
	assert_int_equal(dump_write_file(sub, "n", &in, NULL, 0, ev, 5, NULL, p1, sizeof(p1), err,
					 ERR_LEN), 0);
	assert_int_equal(dump_write_file(sub, "n", &in, NULL, 0, ev, 5, NULL, p2, sizeof(p2), err,
					 ERR_LEN), 0);
	print_message("# %s\n# %s\n", p1, p2);
	assert_string_not_equal(p1, p2);
	assert_non_null(strstr(p1, "Z-1.vfd"));
	assert_true(strstr(p2, "Z-1.vfd") || strstr(p2, "Z-2.vfd"));
	for (s = 0; s < 5; s++) {
		char buf[16] = { 0 };
		FILE *f;

		stamp_name(sentinel, sizeof(sentinel), sub, "n", now + s, "");
		f = fopen(sentinel, "re");
		assert_non_null(f);
		assert_int_equal(fread(buf, 1, sizeof(buf), f), 8);
		fclose(f);
		assert_string_equal(buf, "sentinel");
	}
	assert_int_equal(dump_read_file(p1, &d, err, ERR_LEN), 0);
	assert_int_equal(d->nr_ev, 5);
	dump__free(d);
	assert_int_equal(dump_read_file(p2, &d, err, ERR_LEN), 0);
	assert_int_equal(d->nr_ev, 5);
	dump__free(d);
	assert_int_equal(count_entries(sub, ".tmp"), 0);
	assert_int_equal(count_entries(sub, ".vfd"), 7);
	free(in.model);
}

static void test_write_file_errors(void **state)
{
	char path[PATH_MAX], rw[PATH_MAX], ro[PATH_MAX], err[ERR_LEN], out[PATH_MAX];
	struct vflow_event ev[5];
	struct dump_info in;
	int rc;

	(void)state;
	make_info(&in);
	make_events(ev, 5);

	/* a path that is a file */
	snprintf(path, sizeof(path), "%s/a-file", dir);
	write_file(path, "x", 1);
	rc = dump_write_file(path, "e", &in, NULL, 0, ev, 5, NULL, out, sizeof(out), err, ERR_LEN);
	print_message("# %s\n", err);
	assert_int_equal(rc, -ENOTDIR);
	assert_no_newline(err);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "--dump-dir"));

	snprintf(path, sizeof(path), "%s/missing", dir);
	rc = dump_write_file(path, "e", &in, NULL, 0, ev, 5, NULL, out, sizeof(out), err, ERR_LEN);
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(err, path));

	/* a directory nobody may create files in, root included */
	rc = dump_write_file("/proc/self", "e", &in, NULL, 0, ev, 5, NULL, out, sizeof(out), err,
			     ERR_LEN);
	print_message("# %s\n", err);
	assert_true(rc < 0);
	assert_no_newline(err);
	assert_non_null(strstr(err, "/proc/self"));

	/* a read-only bind mount */
	make_subdir(rw, sizeof(rw), "rw");
	make_subdir(ro, sizeof(ro), "ro");
	if (mount(rw, ro, NULL, MS_BIND, NULL)) {
		print_message("# no read-only bind mount (%s): that case not run\n",
			      strerror(errno));
	} else {
		if (mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) == 0) {
			rc = dump_write_file(ro, "e", &in, NULL, 0, ev, 5, NULL, out, sizeof(out), err,
					     ERR_LEN);
			print_message("# %s\n", err);
			assert_int_equal(rc, -EROFS);
			assert_non_null(strstr(err, "Read-only file system"));
			assert_non_null(strstr(err, ro));
		}
		assert_int_equal(umount2(ro, MNT_DETACH), 0);
	}
	assert_int_equal(count_entries(rw, "vflow"), 0);
	assert_int_equal(count_entries(rw, ".vfd"), 0);

	/* a bad prefix */
	rc = dump_write_file(rw, "a/b", &in, NULL, 0, ev, 5, NULL, out, sizeof(out), err, ERR_LEN);
	assert_int_equal(rc, -EINVAL);
	free(in.model);
}

static void test_write_file_enospc(void **state)
{
	struct vflow_event *ev = calloc(NR_EV, sizeof(*ev));
	char sub[PATH_MAX], err[ERR_LEN], out[PATH_MAX] = "";
	struct dump_info in;
	size_t i;
	int rc;

	(void)state;
	assert_non_null(ev);
	make_subdir(sub, sizeof(sub), "small");
	if (mount("none", sub, "tmpfs", 0, "size=64k")) {
		print_message("# cannot mount a small tmpfs: %s\n", strerror(errno));
		free(ev);
		skip();
	}
	make_info(&in);
	/* random fields: far more than 64 KiB even compressed */
	for (i = 0; i < NR_EV; i++) {
		unsigned char *p = (unsigned char *)&ev[i];
		size_t k;

		for (k = 0; k < sizeof(ev[i]); k++)
			p[k] = rnd();
		ev[i].comm[15] = '\0';
	}
	rc = dump_write_file(sub, "big", &in, ents_in, NR_ENTS, ev, NR_EV, NULL, out, sizeof(out), err,
			     ERR_LEN);
	print_message("# %s\n", err);
	assert_int_equal(rc, -ENOSPC);
	assert_no_newline(err);
	assert_non_null(strstr(err, "space"));
	assert_non_null(strstr(err, sub));
	/* no temporary file, nothing under a final name */
	assert_int_equal(count_entries(sub, "vflow"), 0);
	assert_int_equal(count_entries(sub, "big"), 0);
	assert_int_equal(umount2(sub, MNT_DETACH), 0);
	free(in.model);
	free(ev);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[sizeof(dir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* the aggregates: every field of every row back, over more than one block */
static void test_rows_round_trip(void **state)
{
	enum { NR = DUMP_ROWS_PER_BLOCK + 904 };
	struct trap_row *rows = calloc(NR, sizeof(*rows));
	struct dump_rows dr = { .rows = rows, .nr = NR, .ts_ns = 123456789, .elapsed_ns = 5000000000ULL };
	char path[PATH_MAX], err[ERR_LEN];
	struct dump_info in;
	struct dump *d;

	(void)state;
	assert_non_null(rows);
	for (size_t i = 0; i < NR; i++) {
		rows[i] = (struct trap_row){ .kind = (__u32)(i % VFLOW_TRAP_KIND_MAX), .sub = (__u32)i * 3,
					     .owner = i == 7 ? VFLOW_OWNER_GONE : i * 1000003ULL,
					     .code = i % 450, .count = i * 11, .total_ns = i * 977,
					     .skipped = i % 5 };
		for (int k = 0; k < VFLOW_HIST_SLOTS; k++)
			rows[i].hist[k] = (i + 1) * (k + 1);
	}
	make_info(&in);
	assert_int_equal(dump_write_file(dir, "rows", &in, NULL, 0, NULL, 0, &dr, path, sizeof(path),
					 err, ERR_LEN), 0);
	assert_int_equal(dump_read_file(path, &d, err, ERR_LEN), 0);
	assert_int_equal(d->nr_rows, NR);
	assert_int_equal(d->rows_ts_ns, 123456789);
	assert_int_equal(d->rows_elapsed_ns, 5000000000ULL);
	assert_int_equal(d->damage.blocks_bad, 0);
	assert_int_equal(d->damage.nr_problems, 0);
	for (size_t i = 0; i < NR; i++)
		assert_memory_equal(&d->rows[i], &rows[i], sizeof(rows[i]));
	dump__free(d);
	free(in.model);
	free(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_layout),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_rows_round_trip),
		cmocka_unit_test(test_zcat),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_flipped_byte),
		cmocka_unit_test(test_not_a_dump),
		cmocka_unit_test(test_newer_version),
		cmocka_unit_test(test_unknown_and_bad_blocks),
		cmocka_unit_test(test_writer_stdio_error),
		cmocka_unit_test(test_write_file_names),
		cmocka_unit_test(test_write_file_errors),
		cmocka_unit_test(test_write_file_enospc),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
