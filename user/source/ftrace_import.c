// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Text captures -> struct import_record (source/import_pair.h pairs them).
 * A line is read from its timestamp outwards: the first "<sec>.<frac>:"
 * followed by an event name is the timestamp, what is after it is the
 * event, what is before it the task and CPU, read backwards from the
 * timestamp, because a comm may hold spaces, dashes and digits.
 */
#define _GNU_SOURCE	/* memrchr */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include "source/ftrace_import.h"
#include "source/import_pair.h"
#include "core/kvm_reasons.h"
#include "core/kvm_reason_history.h"

#define DIGITS			"0123456789"
#define NSEC_PER_SEC		1000000000ULL
#define TS_FRAC_DIGITS		9	/* ns resolution; captures print 6 or 9 */
#define TS_MAX_SEC_DIGITS	10	/* 10^10 s * 10^9 still fits in 64 bits */
/* irq-flags columns ("d..1.", ".N..", "dNh2"): these characters, at most this long */
#define FLAG_CHARS		".dDXbBNnpPhHsSzZ" DIGITS
#define FLAGS_MAX_LEN		8
/* perf-prof starts a line with the wall clock: "2021-12-12 16:11:10.214139" */
#define WALL_DATE_FMT		"%4u-%2u-%2u %2u:%2u:%2u%n"
#define WALL_DATE_FIELDS	6

/* What every family may have in front of the event's own text. */
struct line_head {
	bool has_tid, has_tgid, has_cpu;
	__u32 tid, tgid, cpu;
	const char *comm;	/* NULL: none */
	size_t comm_len;
	__u64 ts;
	const char *event;	/* without perf's "kvm:" */
	size_t event_len;
	const char *args;
};

static char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return (char *)p;
}

/* [start, end) without the blanks at its end. */
static const char *trim_end(const char *start, const char *end)
{
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	return end;
}

static size_t ident_len(const char *p)
{
	size_t n = 0;

	while (isalnum((unsigned char)p[n]) || p[n] == '_')
		n++;
	return n;
}

/* "key" as a whole token of @args, or NULL. */
static const char *token_find(const char *args, const char *key)
{
	size_t n = strlen(key);

	for (const char *p = strstr(args, key); p; p = strstr(p + 1, key))
		if ((p == args || isspace((unsigned char)p[-1])) && p[n] == ' ')
			return p;
	return NULL;
}

/*
 * Value of "key <number>" in @args; the number must end the token ("vcpu
 * 0," counts). false if absent or malformed.
 */
static bool field_u64(const char *args, const char *key, int base, __u64 *v)
{
	const char *p = token_find(args, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key) + 1;
	if (!isxdigit((unsigned char)*p))
		return false;
	errno = 0;
	*v = strtoull(p, &end, base);
	return !errno && !isalnum((unsigned char)*end);
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

/* "[system:]event:" after the timestamp; a line cut after the name still names it. */
static int event_parse(const char *p, struct line_head *h)
{
	size_t n;

	p = skip_space(p);
	n = ident_len(p);
	if (!n)
		return -EINVAL;
	/* perf's "kvm:kvm_exit:": no blank after the system's colon */
	if (p[n] == ':' && ident_len(p + n + 1)) {
		p += n + 1;
		n = ident_len(p);
	}
	if (p[n] != ':' && p[n] != '\0')
		return -EINVAL;
	h->event = p;
	h->event_len = n;
	h->args = p[n] ? skip_space(p + n + 1) : p + n;
	return 0;
}

/* The first token that is a timestamp followed by an event; NULL if none. */
static const char *ts_find(const char *line, struct line_head *h)
{
	for (const char *q = line; *q; q++) {
		const char *after;

		if ((q != line && !isspace((unsigned char)q[-1])) || !isdigit((unsigned char)*q))
			continue;
		after = ts_parse(q, &h->ts);
		if (after && !event_parse(after, h))
			return q;
	}
	return NULL;
}

static bool all_of(const char *start, const char *end, const char *set)
{
	for (; start < end; start++)
		if (!*start || !strchr(set, *start))
			return false;
	return true;
}

/* Start of the blank-separated token ending at @end. */
static const char *token_start(const char *start, const char *end)
{
	while (end > start && !isspace((unsigned char)end[-1]))
		end--;
	return end;
}

/* An irq-flags column: flag characters, not only digits (that is a tid). */
static bool is_flags(const char *start, const char *end)
{
	return end > start && end - start <= FLAGS_MAX_LEN && all_of(start, end, FLAG_CHARS) &&
	       !all_of(start, end, DIGITS);
}

/* Digits ending at @end, backwards; their start, or NULL if none or too big. */
static const char *num_before(const char *start, const char *end, __u32 *v)
{
	const char *d = end;
	unsigned long long n;

	while (d > start && isdigit((unsigned char)d[-1]))
		d--;
	if (d == end)
		return NULL;
	errno = 0;
	n = strtoull(d, NULL, 10);
	if (errno || n > UINT32_MAX)
		return NULL;
	*v = (__u32)n;
	return d;
}

/* The CPU column "[001]" (or perf-prof's "[---]") nearest the timestamp; NULL if none. */
static const char *cpu_find(const char *start, const char *end, struct line_head *h)
{
	for (const char *p = memrchr(start, '[', end - start); p;
	     p = p > start ? memrchr(start, '[', p - start) : NULL) {
		const char *close = memchr(p, ']', end - p);

		if (!close || (p > start && !isspace((unsigned char)p[-1])))
			continue;
		if (close + 1 < end && !isspace((unsigned char)close[1]))
			continue;
		if (all_of(p + 1, close, "-") && close > p + 1)
			return p;
		if (close > p + 1 && all_of(p + 1, close, DIGITS) && num_before(p + 1, close, &h->cpu)) {
			h->has_cpu = true;
			return p;
		}
	}
	return NULL;
}

/* "(   4240)" of record-tgid, or "(-------)" when it was not saved; *end moves before it. */
static int tgid_parse(const char *start, const char **end, struct line_head *h)
{
	const char *close = *end - 1, *open = memrchr(start, '(', close - start);

	if (!open)
		return -EINVAL;
	if (num_before(open, close, &h->tgid) == skip_space(open + 1))
		h->has_tgid = true;
	*end = trim_end(start, open);
	return 0;
}

/*
 * The task, [start, end): "comm-tid" (ftrace), "comm tid" or "comm
 * pid/tid" (perf), "tid" alone, or a comm alone; with record-tgid's
 * "(tgid)" after it, perf-prof's flags column after it.
 */
static int task_parse(const char *start, const char *end, struct line_head *h)
{
	const char *tok = token_start(start, end), *d;
	__u32 tgid;

	if (tok > start && is_flags(tok, end) && num_before(start, trim_end(start, tok), &tgid) &&
	    isdigit((unsigned char)trim_end(start, tok)[-1]))
		end = trim_end(start, tok);	/* perf-prof: "comm tid flags" */
	if (end > start && end[-1] == ')' && tgid_parse(start, &end, h))
		return -EINVAL;
	d = num_before(start, end, &h->tid);
	if (d && (d == start || d[-1] == '-' || d[-1] == '/' || isspace((unsigned char)d[-1]))) {
		h->has_tid = true;
		if (d > start && d[-1] == '/') {
			/* perf's "pid/tid" */
			const char *p = num_before(start, d - 1, &h->tgid);

			if (!p || (p > start && !isspace((unsigned char)p[-1])))
				return -EINVAL;
			h->has_tgid = true;
			d = p;
		}
		end = d > start ? trim_end(start, d - (d[-1] == '-')) : d;
	}
	/* what is left is the comm, "<...>" when ftrace did not save it */
	if (end > start) {
		h->comm = start;
		h->comm_len = end - start;
	}
	return 0;
}

/* What is in front of the timestamp: the task, the CPU, flags. */
static int prefix_parse(const char *start, const char *end, struct line_head *h)
{
	const char *cpu;

	end = trim_end(start, end);
	cpu = cpu_find(start, end, h);
	if (cpu) {
		/* ftrace's flags come after the CPU: one token at most */
		const char *close = memchr(cpu, ']', end - cpu);
		const char *after = skip_space(close + 1);

		if (after < end && !is_flags(after, end))
			return -EINVAL;
		end = trim_end(start, cpu);
	}
	return task_parse(start, end, h);
}

static int head_parse(const char *line, struct line_head *h)
{
	unsigned int f[WALL_DATE_FIELDS];
	const char *p = skip_space(line), *ts;
	int used = 0;

	memset(h, 0, sizeof(*h));
	/* perf-prof: the wall clock, then a line like ftrace's */
	if (sscanf(p, WALL_DATE_FMT, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &used) ==
	    WALL_DATE_FIELDS && used) {
		p += used;
		if (*p == '.')
			p += 1 + strspn(p + 1, DIGITS);
		p = skip_space(p);
	}
	ts = ts_find(p, h);
	if (!ts)
		return -EINVAL;
	return prefix_parse(p, ts, h);
}

/* kvm_exit: the reason (today's name, an old one, hex), the vCPU when 5.14+ gives it. */
static void exit_fields(const struct line_head *h, struct import_record *rec)
{
	const char *p = token_find(h->args, "reason"), *end;
	__u64 vcpu;

	rec->what = IMPORT_EXIT;
	if (field_u64(h->args, "vcpu", 10, &vcpu) && vcpu <= UINT32_MAX) {
		rec->has_vcpu = true;
		rec->vcpu = (__u32)vcpu;
	}
	if (p) {
		p += strlen("reason ");
		end = strstr(p, " rip ");
		if (!kvm_exit_reason_parse(p, end ? (size_t)(end - p) : strlen(p), &rec->kind,
					   &rec->code)) {
			/*
			 * A 2.6.3x name both isas printed: a kernel whose kvm_exit has
			 * a vcpu (5.14) or info1 (5.12) prints VMX in upper case.
			 */
			if ((rec->code & KVM_EXIT_REASON_AMBIGUOUS) &&
			    (rec->has_vcpu || token_find(h->args, "info1"))) {
				rec->kind = VFLOW_TRAP_VMEXIT_SVM;
				rec->code = kvm_exit_reason_resolve(rec->code, rec->kind);
			}
			return;
		}
	}
	/* cut short, or a name no kernel printed: still an exit */
	rec->kind = VFLOW_TRAP_VMEXIT_UNKNOWN;
	rec->code = KVM_EXIT_REASON_NONE;
	rec->unknown_reason = true;
}

/* "reason KVM_EXIT_IO (2)"; "restart (4)" / "error (14)" when KVM_RUN failed. */
static int userspace_exit_fields(const struct line_head *h, struct import_record *rec)
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
	else if (!strncmp(what, "error", strlen("error"))) {
		rec->what = IMPORT_OTHER;
		return 0;
	}
	rec->what = IMPORT_USERSPACE_EXIT;
	rec->code = reason;
	return 0;
}

/* The record of a KVM event line: 0 or -EINVAL. */
static int record_fill(const struct line_head *h, const struct import_event_type *ev,
		       struct import_record *rec)
{
	__u64 v = 0;

	switch (ev->what) {
	case IMPORT_EXIT:
		exit_fields(h, rec);
		return 0;
	case IMPORT_ENTRY:
		/* a kvm_entry cut before its vcpu still ends the exit */
		rec->what = IMPORT_ENTRY;
		rec->has_vcpu = field_u64(h->args, "vcpu", 10, &v) && v <= UINT32_MAX;
		rec->vcpu = (__u32)v;
		return 0;
	case IMPORT_USERSPACE_EXIT:
		return userspace_exit_fields(h, rec);
	default:
		if (!field_u64(h->args, ev->text_key, 16, &v))
			return -EINVAL;
		rec->what = IMPORT_ANNOTATE;
		rec->kind = ev->kind;
		rec->code = v;
		return 0;
	}
}

/* Lines that are not events: blank, comments, headers, lost-event markers. */
static bool line_not_event(struct import_stats *st, const char *line)
{
	const char *p = skip_space(line), *lost;
	unsigned long n;
	unsigned int cpu;
	int used = 0;

	if (!*p) {
		import_stats__skip(st, IMPORT_SKIP_BLANK, NULL, 0);
		return true;
	}
	/* '#' comments; trace-cmd report's "version = 6", "cpus=2", "CPU 1 is empty" */
	if (*p == '#' || !strncmp(p, "version = ", strlen("version = ")) ||
	    (sscanf(p, "cpus=%u%n", &cpu, &used) == 1 && !p[used]) ||
	    (sscanf(p, "CPU %u is empty%n", &cpu, &used) == 1 && !p[used])) {
		import_stats__skip(st, IMPORT_SKIP_COMMENT, NULL, 0);
		return true;
	}
	/* "CPU:1 [LOST 12 EVENTS]" of trace and trace-cmd report */
	lost = strstr(line, "[LOST ");
	if (lost && sscanf(lost, "[LOST %lu EVENTS]", &n) == 1) {
		st->lost_events += n;
		import_stats__skip(st, IMPORT_SKIP_LOST, NULL, 0);
		return true;
	}
	return false;
}

/* 0: taken or skipped (counted in st); -ENOMEM or the event callback's error. */
static int line_import(struct import_pair *p, struct import_stats *st, char *line)
{
	const struct import_event_type *ev;
	struct import_record rec = {};
	char comm[IMPORT_OWNER_NAME_LEN];
	struct line_head h;

	line[strcspn(line, "\r\n")] = '\0';
	if (line_not_event(st, line))
		return 0;
	if (head_parse(line, &h)) {
		if (!st->first_unparsed)
			st->first_unparsed = st->lines;
		import_stats__skip(st, IMPORT_SKIP_UNPARSED, NULL, 0);
		return 0;
	}
	ev = import_event_type(h.event, h.event_len);
	if (!ev) {
		import_stats__skip(st, IMPORT_SKIP_OTHER_EVENT, h.event, h.event_len);
		return 0;
	}
	if (record_fill(&h, ev, &rec)) {
		import_stats__skip(st, IMPORT_SKIP_BAD_FIELDS, h.event, h.event_len);
		return 0;
	}
	rec.ts_ns = h.ts;
	rec.has_tid = h.has_tid;
	rec.tid = h.tid;
	rec.has_tgid = h.has_tgid;
	rec.tgid = h.tgid;
	rec.has_cpu = h.has_cpu;
	rec.cpu = h.cpu;
	if (h.comm) {
		snprintf(comm, sizeof(comm), "%.*s", (int)h.comm_len, h.comm);
		rec.comm = comm;
	}
	return import_pair__add(p, &rec);
}

int ftrace_import(FILE *f, struct snapshot **out, struct import_stats *st)
{
	return ftrace_import_events(f, out, st, NULL, NULL);
}

int ftrace_import_events(FILE *f, struct snapshot **out, struct import_stats *st,
			 ftrace_event_fn fn, void *ctx)
{
	struct import_stats local = {};
	struct import_stats *s = st ? st : &local;
	struct import_pair *p = import_pair__new(s, fn, ctx);
	size_t cap = 0;
	char *line = NULL;
	int err = 0;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	s->format = "ftrace text";
	for (;;) {
		errno = 0;
		if (getline(&line, &cap, f) < 0) {
			if (ferror(f) || errno == ENOMEM)
				err = errno ? -errno : -EIO;
			break;
		}
		s->lines++;
		err = line_import(p, s, line);
		if (err)
			break;
	}
	if (!err)
		err = import_pair__finish(p, out);
	import_pair__free(p);
	free(line);
	if (!st)
		import_stats__free(&local);
	return err;
}
