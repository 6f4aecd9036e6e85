// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ftrace text -> trap rows, paired as bpf/kvm.bpf.c pairs them: per thread,
 * a kvm_exit waits for the next kvm_entry; the last hypercall, PIO or MMIO
 * event in between annotates the exit and shares its latency, and a
 * kvm_userspace_exit is timed from its own line to the entry. Every format
 * has the same shape,
 *	<task> [CPU] [irq-flags] <seconds>.<fraction>: [kvm:]<event>: <text>
 * where <task> is "comm-tid" (trace, trace-cmd), "comm-tid (tgid)"
 * (record-tgid) or "comm pid/tid" / "comm tid" (perf script), and comm may
 * hold spaces and dashes: the task part is read backwards from "[CPU]".
 */
#define _GNU_SOURCE	/* memrchr */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include "source/ftrace_import.h"
#include "core/kvm_reasons.h"

#define DIGITS			"0123456789"
#define NSEC_PER_SEC		1000000000ULL
#define TS_FRAC_DIGITS		9	/* ns resolution; captures print 6 or 9 */
#define TS_MAX_SEC_DIGITS	10	/* 10^10 s * 10^9 still fits in 64 bits */
#define THREADS_INIT		64
#define ROWS_INIT		256

/* Per-thread state, as the BPF side's struct vflow_vcpu. */
struct thread {
	bool pending;		/* a kvm_exit waits for its kvm_entry */
	bool vcpu_known;	/* a kvm_entry named this thread's vCPU */
	__u32 tid;
	__u32 vcpu;		/* of the last kvm_entry */
	__u32 exit_kind;
	__u32 exit_vcpu;
	__u32 ann_kind;		/* 0: no annotation */
	__u64 owner;		/* VMM of the pending exit */
	__u64 exit_code;
	__u64 exit_ts;
	__u64 ann_code;
	__u64 uexit_ts;		/* 0: no exit to user space */
	__u64 uexit_code;
};

struct importer {
	struct snapshot *s;	/* rows as they come, compacted when full */
	size_t cap_rows;
	struct thread *threads;	/* sorted by tid: lookups per line, inserts per thread */
	size_t nr_threads, cap_threads;
	bool seen_vmx, seen_svm;
	struct import_stats *st;
	ftrace_event_fn on_event;	/* each exit as an event, or NULL */
	void *ctx;
};

/* What every format has in front of the event's own text. */
struct line_head {
	__u32 tid;
	__u64 owner;
	__u64 ts;
	const char *event;	/* without perf's "kvm:" */
	size_t event_len;
	const char *args;
};

enum event_class { EV_EXIT, EV_ENTRY, EV_USERSPACE_EXIT, EV_ANNOTATE };

struct event_type {
	const char *name;
	enum event_class cls;
	__u32 kind;		/* annotations: the row kind */
	const char *key;	/* annotations: the field holding the code (hex) */
};

static char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return (char *)p;
}

/*
 * Value of "key <number>" in @args, the key starting a token; the number
 * must end the token ("vcpu 0," counts). false if absent or malformed.
 */
static bool field_u64(const char *args, const char *key, int base, __u64 *v)
{
	size_t n = strlen(key);
	const char *p = args;
	char *end;

	while ((p = strstr(p, key))) {
		bool at_token = p == args || isspace((unsigned char)p[-1]);

		p += n;
		if (!at_token || *p != ' ')
			continue;
		p++;
		if (!isxdigit((unsigned char)*p))
			return false;
		errno = 0;
		*v = strtoull(p, &end, base);
		return !errno && !isalnum((unsigned char)*end);
	}
	return false;
}

/* "5142.123456:" -> ns. Integers only: a double loses ns after 104 days. */
static char *ts_parse(const char *p, __u64 *ns)
{
	const char *dot = p + strspn(p, DIGITS), *end;
	size_t sec_digits = dot - p, frac_digits;
	__u64 frac;

	if (!sec_digits || sec_digits > TS_MAX_SEC_DIGITS || *dot != '.')
		return NULL;
	end = dot + 1 + strspn(dot + 1, DIGITS);
	frac_digits = end - dot - 1;
	if (!frac_digits || frac_digits > TS_FRAC_DIGITS || *end != ':')
		return NULL;
	frac = strtoull(dot + 1, NULL, 10);
	for (; frac_digits < TS_FRAC_DIGITS; frac_digits++)
		frac *= 10;
	*ns = strtoull(p, NULL, 10) * NSEC_PER_SEC + frac;
	return (char *)end + 1;
}

/* The " [001]" CPU field: the first bracketed number after a blank. */
static char *cpu_field_find(char *line)
{
	for (char *p = strchr(line, '['); p; p = strchr(p + 1, '[')) {
		size_t n = strspn(p + 1, DIGITS);

		if (p > line && isspace((unsigned char)p[-1]) && n && p[1 + n] == ']')
			return p;
	}
	return NULL;
}

/* Digits ending at @end, backwards; their start, or NULL if none or too big. */
static char *num_before(char *start, char *end, __u64 *v, __u64 max)
{
	char *d = end;

	while (d > start && isdigit((unsigned char)d[-1]))
		d--;
	if (d == end)
		return NULL;
	errno = 0;
	*v = strtoull(d, NULL, 10);
	return errno || *v > max ? NULL : d;
}

/* The task part [start, end): tid, and the owner (tgid if shown, else tid). */
static int task_parse(char *start, char *end, struct line_head *h)
{
	__u64 tid, tgid = 0;
	bool has_tgid = false;
	char *d;

	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	if (end > start && end[-1] == ')') {
		/* record-tgid: "(   4240)", or "(-------)" when not known */
		char *open = memrchr(start, '(', end - start);

		if (!open)
			return -EINVAL;
		has_tgid = num_before(open, end - 1, &tgid, UINT32_MAX) == skip_space(open + 1);
		end = open;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
	}
	d = num_before(start, end, &tid, UINT32_MAX);
	if (!d)
		return -EINVAL;
	if (d > start && d[-1] == '/') {
		/* perf script's "pid/tid" */
		d = num_before(start, d - 1, &tgid, UINT32_MAX);
		if (!d)
			return -EINVAL;
		has_tgid = true;
		if (d == start || !isspace((unsigned char)d[-1]))
			return -EINVAL;
	}
	/* a comm before it: "comm-tid" of ftrace, "comm tid" of perf */
	if (d - start < 2 || (d[-1] != '-' && !isspace((unsigned char)d[-1])))
		return -EINVAL;
	h->tid = (__u32)tid;
	h->owner = has_tgid ? tgid : tid;
	return 0;
}

static int head_parse(char *line, struct line_head *h)
{
	char *cpu = cpu_field_find(line), *p, *q;

	if (!cpu || task_parse(line, cpu, h))
		return -EINVAL;
	p = skip_space(strchr(cpu, ']') + 1);
	q = ts_parse(p, &h->ts);
	if (!q) {
		/* irq-flags column ("d..1."), then the timestamp */
		while (*p && !isspace((unsigned char)*p))
			p++;
		q = ts_parse(skip_space(p), &h->ts);
		if (!q)
			return -EINVAL;
	}
	p = skip_space(q);
	if (!strncmp(p, "kvm:", strlen("kvm:")))
		p += strlen("kvm:");
	for (q = p; *q && *q != ':' && !isspace((unsigned char)*q); q++)
		;
	if (q == p || *q != ':')
		return -EINVAL;
	h->event = p;
	h->event_len = q - p;
	h->args = skip_space(q + 1);
	return 0;
}

static struct thread *thread_get(struct importer *im, __u32 tid)
{
	size_t lo = 0, hi = im->nr_threads, mid;
	struct thread *t;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (im->threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < im->nr_threads && im->threads[lo].tid == tid)
		return &im->threads[lo];
	if (im->nr_threads == im->cap_threads) {
		size_t cap = im->cap_threads ? 2 * im->cap_threads : THREADS_INIT;

		t = realloc(im->threads, cap * sizeof(*t));
		if (!t)
			return NULL;
		im->threads = t;
		im->cap_threads = cap;
	}
	t = &im->threads[lo];
	memmove(t + 1, t, (im->nr_threads++ - lo) * sizeof(*t));
	*t = (struct thread){ .tid = tid };
	return t;
}

/* One event of the pending exit of @t: a count with @delta ns, or a skip. */
static int row_add(struct importer *im, const struct thread *t, __u32 kind, __u64 code,
		   __u64 delta, bool paired)
{
	struct snapshot *s = im->s;
	struct trap_row *r;

	if (s->nr_rows == im->cap_rows) {
		/* fold equal keys first: memory grows with keys, not events */
		snapshot__sort(s);
		snapshot__merge(s);
		if (s->nr_rows > im->cap_rows / 2) {
			r = realloc(s->rows, 2 * im->cap_rows * sizeof(*r));
			if (!r)
				return -ENOMEM;
			s->rows = r;
			im->cap_rows *= 2;
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

/*
 * Account the pending exit of @t: entered at @now, with its annotation and
 * exit to user space; or lost (another exit, or the end), where only the
 * exit itself is counted, as skipped.
 */
static int pending_close(struct importer *im, struct thread *t, __u64 now, bool paired)
{
	int err = row_add(im, t, t->exit_kind, t->exit_code, elapsed(t->exit_ts, now), paired);

	if (!err && im->on_event) {
		/* as the BPF side streams it; a lost entry leaves it untimed */
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

		err = im->on_event(im->ctx, &ev);
	}

	if (!err && paired && t->ann_kind)
		err = row_add(im, t, t->ann_kind, t->ann_code, elapsed(t->exit_ts, now), true);
	if (!err && paired && t->uexit_ts)
		err = row_add(im, t, VFLOW_TRAP_USERSPACE_EXIT, t->uexit_code,
			      elapsed(t->uexit_ts, now), true);
	if (!paired)
		im->st->unpaired_exits++;
	t->pending = false;
	t->ann_kind = 0;
	t->uexit_ts = 0;
	return err;
}

static int ev_exit(struct importer *im, struct thread *t, const struct line_head *h)
{
	const char *p = strstr(h->args, "reason "), *end;
	__u64 vcpu, code;
	__u32 kind;
	int err;

	if (!p || (p != h->args && p[-1] != ' '))
		return -EINVAL;
	p += strlen("reason ");
	end = strstr(p, " rip ");
	if (kvm_exit_reason_parse(p, end ? (size_t)(end - p) : strlen(p), &kind, &code))
		return -EINVAL;
	/* before 5.14 kvm_exit has no vcpu: the thread's last kvm_entry names it */
	if (!field_u64(h->args, "vcpu", 10, &vcpu))
		vcpu = t->vcpu_known ? t->vcpu : 0;
	else if (vcpu > UINT32_MAX)
		return -EINVAL;
	im->seen_vmx |= kind == VFLOW_TRAP_VMEXIT_VMX;
	im->seen_svm |= kind == VFLOW_TRAP_VMEXIT_SVM;
	/* the previous exit never saw its entry */
	if (t->pending) {
		err = pending_close(im, t, 0, false);
		if (err)
			return err;
	}
	t->pending = true;
	t->exit_kind = kind;
	t->exit_code = code;
	t->exit_ts = h->ts;
	t->exit_vcpu = (__u32)vcpu;
	t->owner = h->owner;
	return 0;
}

static int ev_entry(struct importer *im, struct thread *t, const struct line_head *h)
{
	__u64 vcpu;

	if (!field_u64(h->args, "vcpu", 10, &vcpu) || vcpu > UINT32_MAX)
		return -EINVAL;
	t->vcpu = (__u32)vcpu;
	t->vcpu_known = true;
	if (!t->pending) {
		im->st->unpaired_entries++;
		return 0;
	}
	return pending_close(im, t, h->ts, true);
}

/*
 * Hypercall, PIO, MMIO: one slot per exit, the last one wins. With no exit
 * pending there is nothing to time it against (the exit is before the
 * capture): taken, not counted.
 */
static int ev_annotate(struct thread *t, const struct line_head *h, const struct event_type *ev)
{
	__u64 code;

	if (!field_u64(h->args, ev->key, 16, &code))
		return -EINVAL;
	if (t->pending) {
		t->ann_kind = ev->kind;
		/* MMIO is kept per guest page: one key per device region */
		t->ann_code = ev->kind == VFLOW_TRAP_MMIO || ev->kind == VFLOW_TRAP_FAST_MMIO ?
			      code & VFLOW_GPA_PAGE_MASK : code;
	}
	return 0;
}

/* "reason KVM_EXIT_IO (2)"; "restart (4)" / "error (14)" when KVM_RUN failed. */
static int ev_userspace_exit(struct thread *t, const struct line_head *h)
{
	const char *what, *p;
	__u64 reason;
	char *end;

	if (strncmp(h->args, "reason ", strlen("reason ")))
		return -EINVAL;
	what = h->args + strlen("reason ");
	p = strchr(what, '(');
	if (!p || !isdigit((unsigned char)p[1]))
		return -EINVAL;
	errno = 0;
	reason = strtoull(p + 1, &end, 10);
	if (errno || *end != ')')
		return -EINVAL;
	/* -EINTR: a signal, x86 has set exit_reason to KVM_EXIT_INTR */
	if (!strncmp(what, "restart", strlen("restart")))
		reason = KVM_EXIT_INTR;
	/* other errors print the errno: the reason field is not in the text */
	else if (!strncmp(what, "error", strlen("error")))
		return 0;
	if (t->pending) {
		t->uexit_ts = h->ts;
		t->uexit_code = reason;
	}
	return 0;
}

static const struct event_type event_types[] = {
	{ "kvm_exit", EV_EXIT, 0, NULL },
	{ "kvm_entry", EV_ENTRY, 0, NULL },
	{ "kvm_userspace_exit", EV_USERSPACE_EXIT, VFLOW_TRAP_USERSPACE_EXIT, NULL },
	{ "kvm_hypercall", EV_ANNOTATE, VFLOW_TRAP_HCALL_KVM, "nr" },
	{ "kvm_xen_hypercall", EV_ANNOTATE, VFLOW_TRAP_HCALL_XEN, "nr" },
	{ "kvm_hv_hypercall", EV_ANNOTATE, VFLOW_TRAP_HCALL_HV, "code" },
	{ "kvm_pio", EV_ANNOTATE, VFLOW_TRAP_PIO, "at" },
	{ "kvm_mmio", EV_ANNOTATE, VFLOW_TRAP_MMIO, "gpa" },
	{ "kvm_fast_mmio", EV_ANNOTATE, VFLOW_TRAP_FAST_MMIO, "gpa" },
};

/* 0: a KVM event, taken; -EINVAL: anything else; -ENOMEM. */
static int line_import(struct importer *im, char *line)
{
	const struct event_type *ev = NULL;
	struct line_head h;
	struct thread *t;
	int err;

	line[strcspn(line, "\r\n")] = '\0';
	if (head_parse(line, &h))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++) {
		if (strlen(event_types[i].name) == h.event_len &&
		    !strncmp(event_types[i].name, h.event, h.event_len))
			ev = &event_types[i];
	}
	if (!ev)
		return -EINVAL;
	t = thread_get(im, h.tid);
	if (!t)
		return -ENOMEM;
	switch (ev->cls) {
	case EV_EXIT:
		err = ev_exit(im, t, &h);
		break;
	case EV_ENTRY:
		err = ev_entry(im, t, &h);
		break;
	case EV_USERSPACE_EXIT:
		err = ev_userspace_exit(t, &h);
		break;
	default:
		err = ev_annotate(t, &h, ev);
	}
	if (err)
		return err;
	if (!im->st->events)
		im->st->first_ns = h.ts;
	im->st->last_ns = h.ts;
	return 0;
}

/* End of input: open exits are lost, unnamed reasons take the file's isa. */
static int import_finish(struct importer *im)
{
	__u32 isa = VFLOW_TRAP_VMEXIT_UNKNOWN;
	int err;

	for (size_t i = 0; i < im->nr_threads; i++) {
		if (im->threads[i].pending) {
			err = pending_close(im, &im->threads[i], 0, false);
			if (err)
				return err;
		}
	}
	/* a host is VMX or SVM: a hex reason has the isa of the named ones */
	if (im->seen_vmx != im->seen_svm)
		isa = im->seen_vmx ? VFLOW_TRAP_VMEXIT_VMX : VFLOW_TRAP_VMEXIT_SVM;
	for (size_t i = 0; i < im->s->nr_rows; i++) {
		if (im->s->rows[i].kind == VFLOW_TRAP_VMEXIT_UNKNOWN)
			im->s->rows[i].kind = isa;
	}
	snapshot__sort(im->s);
	snapshot__merge(im->s);
	im->s->ts_ns = im->st->last_ns;
	return 0;
}

int ftrace_import(FILE *f, struct snapshot **out, struct import_stats *st)
{
	return ftrace_import_events(f, out, st, NULL, NULL);
}

int ftrace_import_events(FILE *f, struct snapshot **out, struct import_stats *st,
			 ftrace_event_fn fn, void *ctx)
{
	struct import_stats local = {};
	struct importer im = { .cap_rows = ROWS_INIT, .on_event = fn, .ctx = ctx };
	size_t cap = 0;
	char *line = NULL;
	int err = 0;

	im.st = st ? st : &local;
	memset(im.st, 0, sizeof(*im.st));
	*out = NULL;
	im.s = snapshot__new(im.cap_rows);
	if (!im.s)
		return -ENOMEM;
	for (;;) {
		errno = 0;
		if (getline(&line, &cap, f) < 0) {
			if (ferror(f) || errno == ENOMEM)
				err = errno ? -errno : -EIO;
			break;
		}
		im.st->lines++;
		err = line_import(&im, line);
		if (err == -ENOMEM)
			break;
		if (err)
			im.st->skipped++;
		else
			im.st->events++;
		err = 0;
	}
	if (!err)
		err = import_finish(&im);
	free(im.threads);
	free(line);
	if (err)
		snapshot__free(im.s);
	else
		*out = im.s;
	return err;
}
