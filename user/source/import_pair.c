// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The pairing of imported KVM events (source/import_pair.h). A stream is
 * what one key value names: a thread, a CPU, a comm, a vCPU, or the whole
 * capture. Streams and synthetic owners live in sorted arrays: one lookup
 * per event, one insert per new stream.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/import_pair.h"
#include "core/kvm_reason_history.h"

#define STREAMS_INIT	64
#define ROWS_INIT	256
#define OWNERS_INIT	16
/* ftrace prints a comm it did not save as "<...>": no name */
#define COMM_UNKNOWN	"<...>"

/* Per stream state, as the BPF side's struct vflow_vcpu per thread. */
struct stream {
	enum import_key key;
	__u64 key_val;
	bool pending;		/* a kvm_exit waits for its kvm_entry */
	bool vcpu_known;	/* an event named this stream's vCPU */
	bool exit_vcpu_given;	/* the pending exit named its vCPU itself */
	__u32 vcpu;		/* of the last event that named one */
	__u32 tid;		/* of the pending exit, 0 when the capture has none */
	__u32 exit_kind;
	__u32 exit_vcpu;
	__u32 ann_kind;		/* 0: no annotation */
	__u64 owner;		/* VMM of the pending exit */
	__u64 exit_code;
	__u64 exit_ts;
	__u64 ann_code;
	__u64 uexit_ts;		/* 0: no exit to user space */
	__u64 uexit_code;
	char comm[sizeof(((struct vflow_event *)0)->comm)];
};

/* A synthetic owner by name, for the lookup (st->owners keeps them in order). */
struct owner_ref {
	const char *name;	/* in st->owners[idx], stable once there */
	size_t idx;
};

struct import_pair {
	struct snapshot *s;	/* rows as they come, compacted when full */
	size_t cap_rows;
	struct stream *streams;	/* sorted by (key, key_val) */
	size_t nr_streams, cap_streams;
	struct owner_ref *by_name;	/* sorted by name */
	size_t cap_owners;
	bool seen_vmx, seen_svm;
	struct import_stats *st;
	import_event_fn on_event;
	void *ctx;
};

static const struct import_event_type event_types[] = {
	{ "kvm_exit", IMPORT_EXIT, 0, NULL, NULL },
	{ "kvm_entry", IMPORT_ENTRY, 0, NULL, NULL },
	{ "kvm_userspace_exit", IMPORT_USERSPACE_EXIT, VFLOW_TRAP_USERSPACE_EXIT, NULL, NULL },
	{ "kvm_hypercall", IMPORT_ANNOTATE, VFLOW_TRAP_HCALL_KVM, "nr", "nr" },
	{ "kvm_xen_hypercall", IMPORT_ANNOTATE, VFLOW_TRAP_HCALL_XEN, "nr", "nr" },
	{ "kvm_hv_hypercall", IMPORT_ANNOTATE, VFLOW_TRAP_HCALL_HV, "code", "code" },
	/* printed "pio_write at 0x3f8", recorded as port */
	{ "kvm_pio", IMPORT_ANNOTATE, VFLOW_TRAP_PIO, "at", "port" },
	{ "kvm_mmio", IMPORT_ANNOTATE, VFLOW_TRAP_MMIO, "gpa", "gpa" },
	{ "kvm_fast_mmio", IMPORT_ANNOTATE, VFLOW_TRAP_FAST_MMIO, "gpa", "gpa" },
};

const struct import_event_type *import_event_type(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
		if (strlen(event_types[i].name) == len && !strncmp(event_types[i].name, name, len))
			return &event_types[i];
	return NULL;
}

static bool comm_usable(const char *comm)
{
	return comm && *comm && strcmp(comm, COMM_UNKNOWN);
}

static int stream_cmp(const struct stream *t, enum import_key key, __u64 val)
{
	if (t->key != key)
		return t->key < key ? -1 : 1;
	return t->key_val < val ? -1 : t->key_val > val;
}

static struct stream *stream_get(struct import_pair *p, enum import_key key, __u64 val, bool add)
{
	size_t lo = 0, hi = p->nr_streams, mid;
	struct stream *t;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (stream_cmp(&p->streams[mid], key, val) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->nr_streams && !stream_cmp(&p->streams[lo], key, val))
		return &p->streams[lo];
	if (!add)
		return NULL;
	if (p->nr_streams == p->cap_streams) {
		size_t cap = p->cap_streams ? 2 * p->cap_streams : STREAMS_INIT;

		t = realloc(p->streams, cap * sizeof(*t));
		if (!t)
			return NULL;
		p->streams = t;
		p->cap_streams = cap;
	}
	t = &p->streams[lo];
	memmove(t + 1, t, (p->nr_streams++ - lo) * sizeof(*t));
	*t = (struct stream){ .key = key, .key_val = val };
	return t;
}

/* The synthetic owner named @name ("" for none), made on first sight; NULL on ENOMEM. */
static const struct import_owner *owner_get(struct import_pair *p, const char *name)
{
	struct import_stats *st = p->st;
	size_t lo = 0, hi = st->nr_owners, mid;
	struct import_owner *o;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(p->by_name[mid].name, name);
		if (!c)
			return &st->owners[p->by_name[mid].idx];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (st->nr_owners == p->cap_owners) {
		size_t cap = p->cap_owners ? 2 * p->cap_owners : OWNERS_INIT;
		struct owner_ref *r;

		o = realloc(st->owners, cap * sizeof(*o));
		if (!o)
			return NULL;
		st->owners = o;
		r = realloc(p->by_name, cap * sizeof(*r));
		if (!r)
			return NULL;
		p->by_name = r;
		p->cap_owners = cap;
		/* the names moved with the owners */
		for (size_t i = 0; i < st->nr_owners; i++)
			p->by_name[i].name = st->owners[p->by_name[i].idx].name;
	}
	o = &st->owners[st->nr_owners];
	o->owner = IMPORT_OWNER_SYNTHETIC + (__u32)st->nr_owners;
	snprintf(o->name, sizeof(o->name), "%s", name);
	memmove(&p->by_name[lo + 1], &p->by_name[lo], (st->nr_owners - lo) * sizeof(*p->by_name));
	p->by_name[lo] = (struct owner_ref){ .name = o->name, .idx = st->nr_owners++ };
	return o;
}

/* The VM of @rec: its tgid, its thread, its comm, or the capture's one nameless VM. */
static int record_owner(struct import_pair *p, const struct import_record *rec, __u64 *owner)
{
	const struct import_owner *o;

	if (rec->has_tgid || rec->has_tid) {
		*owner = rec->has_tgid ? rec->tgid : rec->tid;
		return 0;
	}
	o = owner_get(p, comm_usable(rec->comm) ? rec->comm : "");
	if (!o)
		return -ENOMEM;
	*owner = o->owner;
	return 0;
}

/* The stream of @rec: the best key it has (enum import_key). */
static int record_key(struct import_pair *p, const struct import_record *rec,
		      enum import_key *key, __u64 *val)
{
	const struct import_owner *o;

	*val = 0;
	if (rec->has_tid) {
		*key = IMPORT_KEY_THREAD;
		*val = rec->tid;
	} else if (rec->has_cpu) {
		*key = IMPORT_KEY_CPU;
		*val = rec->cpu;
	} else if (comm_usable(rec->comm)) {
		o = owner_get(p, rec->comm);
		if (!o)
			return -ENOMEM;
		*key = IMPORT_KEY_COMM;
		*val = o->owner;
	} else if (rec->has_vcpu) {
		*key = IMPORT_KEY_VCPU;
		*val = rec->vcpu;
	} else {
		*key = IMPORT_KEY_NONE;
	}
	return 0;
}

/* One event of the pending exit of @t: a count with @delta ns, or a skip. */
static int row_add(struct import_pair *p, const struct stream *t, __u32 kind, __u64 code,
		   __u64 delta, bool paired)
{
	struct snapshot *s = p->s;
	struct trap_row *r;

	if (s->nr_rows == p->cap_rows) {
		/* fold equal keys first: memory grows with keys, not events */
		snapshot__sort(s);
		snapshot__merge(s);
		if (s->nr_rows > p->cap_rows / 2) {
			r = realloc(s->rows, 2 * p->cap_rows * sizeof(*r));
			if (!r)
				return -ENOMEM;
			s->rows = r;
			p->cap_rows *= 2;
		}
	}
	r = &s->rows[s->nr_rows++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->owner = t->owner;
	r->sub = t->exit_vcpu;
	r->code = code;
	if (paired) {
		r->count = 1;
		r->total_ns = delta;
		r->hist[vflow_hist_slot(delta)] = 1;
	} else {
		r->skipped = 1;
	}
	return 0;
}

/* Time from @from to @to; an entry before its exit is a capture out of order. */
static __u64 elapsed(__u64 from, __u64 to)
{
	return to > from ? to - from : 0;
}

/* The pending exit of @t as the BPF side streams it; a lost entry leaves it untimed. */
static int event_emit(struct import_pair *p, const struct stream *t, __u64 now, bool paired)
{
	struct vflow_event ev = {
		.kind = VFLOW_EV_TRAP, .trap = t->exit_kind, .flags = VFLOW_EVF_IMPORTED,
		.pid = (__u32)t->owner, .tid = t->tid, .ts_ns = paired ? now : t->exit_ts,
		.latency_ns = paired ? elapsed(t->exit_ts, now) : 0, .code = t->exit_code,
		.sub = t->exit_vcpu,
		.aux_trap = !paired ? 0 : t->ann_kind ? t->ann_kind :
			    t->uexit_ts ? VFLOW_TRAP_USERSPACE_EXIT : 0,
		.ret = !paired ? 0 : t->ann_kind ? (__s64)t->ann_code :
		       t->uexit_ts ? (__s64)t->uexit_code : 0,
	};

	memcpy(ev.comm, t->comm, sizeof(ev.comm));
	return p->on_event(p->ctx, &ev);
}

/*
 * Account the pending exit of @t: entered at @now, with its annotation and
 * exit to user space; or lost (another exit, or the end), where only the
 * exit itself is counted, as skipped.
 */
static int pending_close(struct import_pair *p, struct stream *t, __u64 now, bool paired)
{
	int err = row_add(p, t, t->exit_kind, t->exit_code, elapsed(t->exit_ts, now), paired);

	if (!err && p->on_event)
		err = event_emit(p, t, now, paired);
	if (!err && paired && t->ann_kind)
		err = row_add(p, t, t->ann_kind, t->ann_code, elapsed(t->exit_ts, now), true);
	if (!err && paired && t->uexit_ts)
		err = row_add(p, t, VFLOW_TRAP_USERSPACE_EXIT, t->uexit_code,
			      elapsed(t->uexit_ts, now), true);
	if (!paired)
		p->st->unpaired_exits++;
	t->pending = false;
	t->ann_kind = 0;
	t->uexit_ts = 0;
	return err;
}

static int on_kvm_exit(struct import_pair *p, struct stream *t, const struct import_record *rec)
{
	__u64 owner;
	int err = record_owner(p, rec, &owner);

	if (err)
		return err;
	p->seen_vmx |= rec->kind == VFLOW_TRAP_VMEXIT_VMX;
	p->seen_svm |= rec->kind == VFLOW_TRAP_VMEXIT_SVM;
	p->st->exits++;
	p->st->unknown_reason_exits += rec->unknown_reason;
	/* the previous exit never saw its entry */
	if (t->pending) {
		err = pending_close(p, t, 0, false);
		if (err)
			return err;
	}
	t->pending = true;
	t->exit_kind = rec->kind;
	t->exit_code = rec->code;
	t->exit_ts = rec->ts_ns;
	/* before 5.14 kvm_exit has no vcpu: the stream's last kvm_entry names it */
	t->exit_vcpu_given = rec->has_vcpu;
	t->exit_vcpu = rec->has_vcpu ? rec->vcpu : t->vcpu_known ? t->vcpu : 0;
	t->tid = rec->has_tid ? rec->tid : 0;
	t->owner = owner;
	snprintf(t->comm, sizeof(t->comm), "%s", comm_usable(rec->comm) ? rec->comm : "");
	return 0;
}

static int on_kvm_entry(struct import_pair *p, struct stream *t, const struct import_record *rec)
{
	/* an exit of a capture with no vcpu in kvm_exit waits in the one nameless stream */
	if (!t->pending && rec->has_vcpu && t->key == IMPORT_KEY_VCPU) {
		struct stream *none = stream_get(p, IMPORT_KEY_NONE, 0, false);

		if (none && none->pending)
			t = none;
	}
	if (rec->has_vcpu) {
		/* another vCPU entered on this CPU or comm: the pending exit's entry was lost */
		if (t->pending && t->exit_vcpu_given && rec->vcpu != t->exit_vcpu) {
			int err = pending_close(p, t, 0, false);

			if (err)
				return err;
		}
		t->vcpu = rec->vcpu;
		t->vcpu_known = true;
	}
	if (!t->pending) {
		p->st->unpaired_entries++;
		return 0;
	}
	return pending_close(p, t, rec->ts_ns, true);
}

/*
 * Hypercall, PIO, MMIO: one slot per exit, the last one wins. With no exit
 * pending there is nothing to time it against (the exit is before the
 * capture): taken, not counted.
 */
static void on_annotate(struct stream *t, const struct import_record *rec)
{
	if (!t->pending)
		return;
	t->ann_kind = rec->kind;
	/* MMIO is kept per guest page: one key per device region */
	t->ann_code = rec->kind == VFLOW_TRAP_MMIO || rec->kind == VFLOW_TRAP_FAST_MMIO ?
		      rec->code & VFLOW_GPA_PAGE_MASK : rec->code;
}

static void on_userspace_exit(struct stream *t, const struct import_record *rec)
{
	if (!t->pending)
		return;
	t->uexit_ts = rec->ts_ns;
	t->uexit_code = rec->code;
}

int import_pair__add(struct import_pair *p, const struct import_record *rec)
{
	enum import_key key;
	struct stream *t;
	__u64 val;
	int err = record_key(p, rec, &key, &val);

	if (err)
		return err;
	t = stream_get(p, key, val, true);
	if (!t)
		return -ENOMEM;
	switch (rec->what) {
	case IMPORT_EXIT:
		err = on_kvm_exit(p, t, rec);
		break;
	case IMPORT_ENTRY:
		err = on_kvm_entry(p, t, rec);
		break;
	case IMPORT_USERSPACE_EXIT:
		on_userspace_exit(t, rec);
		break;
	case IMPORT_ANNOTATE:
		on_annotate(t, rec);
		break;
	default:
		break;
	}
	if (err)
		return err;
	if (!p->st->events)
		p->st->first_ns = rec->ts_ns;
	p->st->last_ns = rec->ts_ns;
	p->st->events++;
	p->st->by_key[key]++;
	return 0;
}

/* The code an unnamed exit takes once the capture's isa is known, or UNKNOWN's. */
static __u32 row_isa(const struct trap_row *r, __u32 isa)
{
	if (r->code == KVM_EXIT_REASON_NONE)
		return VFLOW_TRAP_VMEXIT_UNKNOWN;
	return isa;
}

int import_pair__finish(struct import_pair *p, struct snapshot **out)
{
	__u32 isa = VFLOW_TRAP_VMEXIT_UNKNOWN;
	int err;

	*out = NULL;
	for (size_t i = 0; i < p->nr_streams; i++) {
		if (p->streams[i].pending) {
			err = pending_close(p, &p->streams[i], 0, false);
			if (err)
				return err;
		}
	}
	/* a host is VMX or SVM: a hex or ambiguous reason has the isa of the named ones */
	if (p->seen_vmx != p->seen_svm)
		isa = p->seen_vmx ? VFLOW_TRAP_VMEXIT_VMX : VFLOW_TRAP_VMEXIT_SVM;
	for (size_t i = 0; isa != VFLOW_TRAP_VMEXIT_UNKNOWN && i < p->s->nr_rows; i++) {
		struct trap_row *r = &p->s->rows[i];

		if (r->kind != VFLOW_TRAP_VMEXIT_UNKNOWN)
			continue;
		r->kind = row_isa(r, isa);
		r->code = kvm_exit_reason_resolve(r->code, r->kind);
	}
	snapshot__sort(p->s);
	snapshot__merge(p->s);
	p->s->ts_ns = p->st->last_ns;
	*out = p->s;
	p->s = NULL;
	return 0;
}

struct import_pair *import_pair__new(struct import_stats *st, import_event_fn fn, void *ctx)
{
	struct import_pair *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	memset(st, 0, sizeof(*st));
	p->st = st;
	p->on_event = fn;
	p->ctx = ctx;
	p->cap_rows = ROWS_INIT;
	p->s = snapshot__new(p->cap_rows);
	if (!p->s) {
		free(p);
		return NULL;
	}
	return p;
}

void import_pair__free(struct import_pair *p)
{
	if (!p)
		return;
	snapshot__free(p->s);
	free(p->streams);
	free(p->by_name);
	free(p);
}
