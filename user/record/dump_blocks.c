// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The payloads of a dump's blocks (docs/DUMP.md) into struct dump: the
 * HEADER's key=value lines, the ENTITIES' tab-separated lines, the EVENTS'
 * and ROWS' records, the END's totals. Unknown keys, longer records and
 * extra fields are a newer writer's and are passed over; a block that
 * cannot be understood is reported and skipped, never fatal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/trap.h"
#include "record/dump_internal.h"
#include "record/recorder.h"

/* 1.25 GiB of decoded events: more is a damaged count, not a recorder. */
#define READ_MAX_EVENTS		(16ULL << 20)
/* The engine's aggregates never hold this many rows. */
#define READ_MAX_ROWS		(1U << 22)
/* The first capacity of the entity table. */
#define ENTS_MIN		64
/* An entity line: kind, id, type, name, path; a container's names may follow (ENT_NAMES_FIELDS). */
#define ENT_FIELDS		5
/* name, image, pod, namespace, pod container, source, sandbox */
#define ENT_NAMES_FIELDS	7
#define ENT_FIELDS_MAX		(ENT_FIELDS + ENT_NAMES_FIELDS)
/* The longest decimal __u64. */
#define U64_MAX_DIGITS		20
/* The END block's line of the events written. */
#define END_EVENTS_KEY		"events="

/*
 * @arr of *@cap elements of @size, grown for @need (above *@cap): its
 * capacity doubled, from @min, until they fit. The new array, or NULL (and
 * @arr intact) when out of memory.
 */
static void *grow(void *arr, size_t *cap, size_t need, size_t min, size_t size)
{
	size_t c = *cap ? *cap : min;
	void *p;

	while (c < need)
		c *= 2;
	p = realloc(arr, c * size);
	if (p)
		*cap = c;
	return p;
}

/* A text line of the payload at *pos, without its newline; false at the end. */
static bool next_line(const struct dump_block *b, size_t *pos, const char **line, size_t *n)
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

	if (!n || n > U64_MAX_DIGITS)
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

/* Whether key @k is @prefix and the name of recorder class @c ("sample.vm"). */
static bool class_key_is(const char *k, size_t kn, const char *prefix, int c)
{
	const char *name = trap_rec_class_name(c);
	size_t pn = strlen(prefix), cn = strlen(name);

	return kn == pn + cn && !memcmp(k, prefix, pn) && !memcmp(k + pn, name, cn);
}

static int header_key(struct dump_reader *r, struct sbuf *model, const char *k, size_t kn,
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
		if (class_key_is(k, kn, "sample.", i)) {
			if (parse_u64(v, vn, &u) && u <= UINT32_MAX)
				in->sample_period[i] = u;
			return 0;
		}
		if (class_key_is(k, kn, "slow_ns.", i)) {
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
		if (sbuf_reserve(model, vn + 1)) {
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

static int parse_header(struct dump_reader *r, const struct dump_block *b, size_t at)
{
	const size_t magic_len = strlen(DUMP_HEADER_MAGIC);
	struct dump_info *in = &r->d->info;
	struct sbuf model = { 0 };
	const char *line, *eq;
	size_t pos = 0, n;
	int err = 0;

	if (r->have_header) {
		dump_problem(r, "block %u at byte %zu: a second HEADER block: ignored", b->seq, at);
		return 0;
	}
	if (!next_line(b, &pos, &line, &n) || n < magic_len ||
	    memcmp(line, DUMP_HEADER_MAGIC, magic_len) || (n > magic_len && line[magic_len] != ' ')) {
		dump_problem(r, "block %u at byte %zu: HEADER does not start with \"" DUMP_HEADER_MAGIC
			     "\": ignored", b->seq, at);
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

static int add_entity(struct dump_reader *r, const struct dump_entity *e)
{
	struct dump *d = r->d;
	struct dump_entity *p;

	if (d->nr_ents == r->ent_cap) {
		p = grow(d->ents, &r->ent_cap, d->nr_ents + 1, ENTS_MIN, sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->ents = p;
	}
	d->ents[d->nr_ents++] = *e;
	return 0;
}

/* A container's names from the fields after the fifth; left empty when they are not all there. */
static void parse_names(struct dump_entity *e, const char *const *f, const size_t *fn)
{
	struct runtime_names *n = &e->names;

	for (int src = RUNTIME_SRC_NONE + 1; src < RUNTIME_SRC_MAX; src++)
		if (key_is(f[5], fn[5], runtime_source_name(src)))
			n->source = src;
	if (n->source == RUNTIME_SRC_NONE)
		return;	/* a source this reader does not know: no names rather than wrong ones */
	copy_str(n->name, sizeof(n->name), f[0], fn[0]);
	copy_str(n->image, sizeof(n->image), f[1], fn[1]);
	copy_str(n->pod, sizeof(n->pod), f[2], fn[2]);
	copy_str(n->pod_namespace, sizeof(n->pod_namespace), f[3], fn[3]);
	copy_str(n->pod_container, sizeof(n->pod_container), f[4], fn[4]);
	n->sandbox = key_is(f[6], fn[6], "1");
}

static int parse_entities(struct dump_reader *r, const struct dump_block *b, size_t at)
{
	unsigned long bad = 0;
	const char *line;
	size_t pos = 0, n;
	int err;

	while (next_line(b, &pos, &line, &n)) {
		const char *f[ENT_FIELDS_MAX], *end = line + n, *t;
		size_t fn[ENT_FIELDS_MAX], i;
		struct dump_entity e = { 0 };

		if (!n)
			continue;
		/* tab-separated fields; a newer writer may add more after them */
		for (i = 0, t = line; i < ENT_FIELDS_MAX; i++) {
			const char *tab = memchr(t, '\t', end - t);

			f[i] = t;
			fn[i] = (tab ? tab : end) - t;
			if (!tab) {
				i++;
				break;
			}
			t = tab + 1;
		}
		if (i < ENT_FIELDS || !parse_u64(f[1], fn[1], &e.id)) {
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
		if (e.kind == DUMP_ENT_CGROUP && i >= ENT_FIELDS_MAX)
			parse_names(&e, f + ENT_FIELDS, fn + ENT_FIELDS);
		err = add_entity(r, &e);
		if (err)
			return err;
	}
	if (bad)
		dump_problem(r, "block %u at byte %zu: %lu entity lines not understood: skipped", b->seq,
			     at, bad);
	return 0;
}

/*
 * The count and the size of the records of an EVENTS or ROWS block (@what)
 * whose payload starts with @hdr_bytes of their description; false, said,
 * when the block is too short to hold them.
 */
static bool records_head(struct dump_reader *r, const struct dump_block *b, size_t at,
			 size_t hdr_bytes, const char *what, __u32 *nr, __u32 *rs)
{
	if (b->len < hdr_bytes) {
		dump_problem(r, "block %u at byte %zu: %s block too short: skipped", b->seq, at, what);
		return false;
	}
	*nr = get_le32(b->payload);
	*rs = get_le32(b->payload + 4);
	return true;
}

static int parse_events(struct dump_reader *r, const struct dump_block *b, size_t at)
{
	struct dump *d = r->d;
	struct vflow_event *p;
	__u32 nr, rs;
	size_t i, take;

	if (!records_head(r, b, at, DUMP_EVENTS_HDR_BYTES, "events", &nr, &rs))
		return 1;
	if (rs < DUMP_EVENT_RECORD_BYTES) {
		dump_problem(r, "block %u at byte %zu: event records of %u bytes, fewer than %u: skipped",
			     b->seq, at, rs, DUMP_EVENT_RECORD_BYTES);
		return 1;
	}
	if ((__u64)nr * rs > b->len - DUMP_EVENTS_HDR_BYTES) {
		dump_problem(r, "block %u at byte %zu: %u events of %u bytes do not fit its length: skipped",
			     b->seq, at, nr, rs);
		return 1;
	}
	take = nr;
	if (d->nr_ev + take > READ_MAX_EVENTS) {
		take = READ_MAX_EVENTS - d->nr_ev;
		if (!r->said_cap)
			dump_problem(r, "more than %llu events: the rest ignored",
				     (unsigned long long)READ_MAX_EVENTS);
		r->said_cap = true;
	}
	if (d->nr_ev + take > r->ev_cap) {
		p = grow(d->ev, &r->ev_cap, d->nr_ev + take, DUMP_EVENTS_PER_BLOCK, sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->ev = p;
	}
	/* records longer than ours: a newer writer's fields after them, ignored */
	for (i = 0; i < take; i++)
		dump_event_decode(b->payload + DUMP_EVENTS_HDR_BYTES + i * (size_t)rs,
				  &d->ev[d->nr_ev++]);
	return 0;
}

static int parse_rows(struct dump_reader *r, const struct dump_block *b, size_t at)
{
	struct dump *d = r->d;
	struct trap_row *p;
	__u32 nr, rs;

	if (!records_head(r, b, at, DUMP_ROWS_HDR_BYTES, "rows", &nr, &rs))
		return 1;
	if (rs < DUMP_ROW_RECORD_BYTES || (__u64)nr * rs > b->len - DUMP_ROWS_HDR_BYTES ||
	    d->nr_rows + nr > READ_MAX_ROWS) {
		dump_problem(r, "block %u at byte %zu: %u rows of %u bytes do not fit: skipped", b->seq, at,
			     nr, rs);
		return 1;
	}
	d->rows_ts_ns = get_le64(b->payload + 8);
	d->rows_elapsed_ns = get_le64(b->payload + 16);
	if (d->nr_rows + nr > r->row_cap) {
		p = grow(d->rows, &r->row_cap, d->nr_rows + nr, DUMP_ROWS_PER_BLOCK, sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->rows = p;
	}
	for (__u32 i = 0; i < nr; i++)
		dump_row_decode(b->payload + DUMP_ROWS_HDR_BYTES + (size_t)i * rs,
				&d->rows[d->nr_rows++]);
	return 0;
}

static void parse_end(struct dump_reader *r, const struct dump_block *b)
{
	struct dump_damage *dm = &r->d->damage;
	const char *line;
	size_t pos = 0, n;
	__u64 u;

	r->have_end = true;
	while (next_line(b, &pos, &line, &n)) {
		size_t kn = strlen(END_EVENTS_KEY);

		if (n > kn && !memcmp(line, END_EVENTS_KEY, kn) && parse_u64(line + kn, n - kn, &u))
			dm->events_expected += u;
	}
}

int dump_take_block(struct dump_reader *r, const struct dump_block *b, size_t at)
{
	struct dump_damage *dm = &r->d->damage;
	int rc = 0;

	if (b->version > DUMP_FORMAT_VERSION && !r->said_newer) {
		dm->newer_version = true;
		r->said_newer = true;
		dump_problem(r, "written by format version %u, this reader knows %u: upgrade vflow; reading what it can",
			     b->version, DUMP_FORMAT_VERSION);
	}
	if (b->seq > r->next_seq) {
		if (b->seq - r->next_seq == 1)
			dump_problem(r, "block %u missing", r->next_seq);
		else
			dump_problem(r, "blocks %u-%u missing", r->next_seq, b->seq - 1);
	} else if (b->seq < r->next_seq) {
		dump_problem(r, "block %u at byte %zu: out of sequence (expected %u)", b->seq, at,
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
		dump_problem(r, "block %u at byte %zu: unknown type %u: skipped", b->seq, at, b->type);
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
