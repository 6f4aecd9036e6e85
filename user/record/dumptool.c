// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What vflowdump does with a dump, as library code: filters, the text,
 * summary, Chrome trace, CSV and info renderings, and the events put back
 * into trap rows for the overhead model. Every renderer walks the events
 * in file order (the writer writes them by ts_ns) and takes those that
 * pass the filter.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "record/dumptool.h"
#include "core/kvm_reasons.h"
#include "host/model_files.h"
#include "report/report.h"
#include "core/syscalls.h"

#define NS_PER_SEC 1000000000ULL
#define NS_PER_US 1000ULL
#define P99 0.99
#define NAME_LEN 96
#define SNAP_ROWS_MIN 1024

static const char *const rec_class_names[VFLOW_REC_MAX] = {
	[VFLOW_REC_SYSCALL] = "syscall", [VFLOW_REC_VM] = "vm", [VFLOW_REC_SANDBOX] = "sandbox",
};

static bool is_sandbox_kind(__u32 k)
{
	return k == VFLOW_TRAP_SANDBOX || k == VFLOW_TRAP_NOTIF_HANDLING || k == VFLOW_TRAP_FILTER_COST;
}

static bool is_kvm_kind(__u32 k)
{
	return k >= VFLOW_TRAP_VMEXIT_VMX && k <= VFLOW_TRAP_XEN_MC;
}

static bool is_exit_kind(__u32 k)
{
	return k == VFLOW_TRAP_VMEXIT_VMX || k == VFLOW_TRAP_VMEXIT_SVM || k == VFLOW_TRAP_VMEXIT_UNKNOWN;
}

static bool is_hcall_kind(__u32 k)
{
	return k == VFLOW_TRAP_HCALL_KVM || k == VFLOW_TRAP_HCALL_XEN || k == VFLOW_TRAP_HCALL_HV;
}

static bool is_io_kind(__u32 k)
{
	return k == VFLOW_TRAP_PIO || k == VFLOW_TRAP_MMIO || k == VFLOW_TRAP_FAST_MMIO;
}

static enum vflow_rec_class rec_class_of(__u32 trap)
{
	if (trap == VFLOW_TRAP_SYSCALL)
		return VFLOW_REC_SYSCALL;
	return is_sandbox_kind(trap) ? VFLOW_REC_SANDBOX : VFLOW_REC_VM;
}

/* ---- names ---- */

enum vflow_paradigm dump_event_paradigm(const struct dump *d, const struct vflow_event *ev)
{
	const struct dump_entity *en;

	if (ev->trap == VFLOW_TRAP_SYSCALL) {
		en = dump__entity(d, DUMP_ENT_CGROUP, ev->cgroup_id);
		if (!en || !en->type[0] || !strcmp(en->type, "host") || !strcmp(en->type, "unknown"))
			return VFLOW_PARADIGM_HOST;
		return VFLOW_PARADIGM_CONTAINER;
	}
	if (is_sandbox_kind(ev->trap))
		return VFLOW_PARADIGM_SANDBOX;
	if (is_kvm_kind(ev->trap))
		return is_hcall_kind(ev->trap) || is_hcall_kind(ev->aux_trap) ?
		       VFLOW_PARADIGM_PARAVIRT : VFLOW_PARADIGM_FULLVIRT;
	return VFLOW_PARADIGM_HOST;
}

const char *dump_event_entity(const struct dump *d, const struct vflow_event *ev, char *buf,
			      size_t len)
{
	const struct dump_entity *en;

	if (ev->trap == VFLOW_TRAP_SYSCALL) {
		en = dump__entity(d, DUMP_ENT_CGROUP, ev->cgroup_id);
		if (en && en->name[0])
			return en->name;
		snprintf(buf, len, "cgroup:%llu", (unsigned long long)ev->cgroup_id);
		return buf;
	}
	en = dump__entity(d, DUMP_ENT_PROC, ev->pid);
	if (en && en->name[0])
		return en->name;
	snprintf(buf, len, "pid:%u", ev->pid);
	return buf;
}

/* Name of a (kind, code) pair as a row would be named. */
static const char *kind_code_name(__u32 kind, __u64 code, char *buf, size_t len)
{
	char tmp[48];

	switch (kind) {
	case VFLOW_TRAP_SYSCALL:
		return syscall_name(code, buf, len);
	case VFLOW_TRAP_VMEXIT_VMX:
	case VFLOW_TRAP_VMEXIT_SVM:
	case VFLOW_TRAP_VMEXIT_UNKNOWN:
		return kvm_exit_reason_name(kind, code, buf, len);
	case VFLOW_TRAP_USERSPACE_EXIT:
		snprintf(buf, len, "userspace %s", kvm_userspace_exit_name(code, tmp, sizeof(tmp)));
		return buf;
	case VFLOW_TRAP_PIO:
		snprintf(buf, len, "pio port 0x%llx", (unsigned long long)code);
		return buf;
	case VFLOW_TRAP_MMIO:
	case VFLOW_TRAP_FAST_MMIO:
		snprintf(buf, len, "%s gpa 0x%llx", trap_kind_name(kind), (unsigned long long)code);
		return buf;
	default:
		snprintf(buf, len, "%s %llu", trap_kind_name(kind), (unsigned long long)code);
		return buf;
	}
}

const char *dump_event_trap_name(const struct vflow_event *ev, char *buf, size_t len)
{
	char nr[32];

	if (ev->trap == VFLOW_TRAP_SANDBOX) {
		snprintf(buf, len, "%s %s", syscall_name(ev->code, nr, sizeof(nr)), sys_action_name(ev->sub));
		return buf;
	}
	return kind_code_name(ev->trap, ev->code, buf, len);
}

/* What a VM exit carried (hypercall, I/O, exit to the VMM), "" if nothing. */
static const char *event_annotation(const struct vflow_event *ev, char *buf, size_t len)
{
	if (!is_exit_kind(ev->trap) || !ev->aux_trap) {
		buf[0] = '\0';
		return buf;
	}
	return kind_code_name(ev->aux_trap, (__u64)ev->ret, buf, len);
}

static const char *flags_name(__u16 flags)
{
	static const char *const names[] = { "", "sampled", "slow", "sampled,slow" };

	if (flags & VFLOW_EVF_IMPORTED)
		return "imported";
	return names[flags & (VFLOW_EVF_SAMPLED | VFLOW_EVF_SLOW)];
}

/* comm is a fixed array that the kernel may fill to the last byte */
static void event_comm(const struct vflow_event *ev, char out[sizeof(ev->comm) + 1])
{
	memcpy(out, ev->comm, sizeof(ev->comm));
	out[sizeof(ev->comm)] = '\0';
}

/* ---- filter ---- */

void dump_filter__init(struct dump_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->paradigm = -1;
}

int dump_filter_paradigm(const char *name)
{
	static const struct { const char *name; int p; } tab[] = {
		{ "container", VFLOW_PARADIGM_CONTAINER }, { "host", VFLOW_PARADIGM_HOST },
		{ "vm", VFLOW_PARADIGM_FULLVIRT }, { "fullvirt", VFLOW_PARADIGM_FULLVIRT },
		{ "paravirt", VFLOW_PARADIGM_PARAVIRT }, { "sandbox", VFLOW_PARADIGM_SANDBOX },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcasecmp(name, tab[i].name))
			return tab[i].p;
	return -1;
}

enum trap_class {
	TC_NONE = 0, TC_SYSCALL, TC_VMEXIT, TC_HYPERCALL, TC_IO, TC_IDLE, TC_USERSPACE, TC_SANDBOX,
};

static enum trap_class trap_class_of(const char *s)
{
	static const struct { const char *name; enum trap_class c; } tab[] = {
		{ "syscall", TC_SYSCALL }, { "syscalls", TC_SYSCALL },
		{ "vmexit", TC_VMEXIT }, { "vmexits", TC_VMEXIT },
		{ "hypercall", TC_HYPERCALL }, { "hypercalls", TC_HYPERCALL },
		{ "io", TC_IO }, { "idle", TC_IDLE }, { "userspace", TC_USERSPACE },
		{ "sandbox", TC_SANDBOX },
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcasecmp(s, tab[i].name))
			return tab[i].c;
	return TC_NONE;
}

static int action_of(const char *s)
{
	for (int a = VFLOW_ACT_SKIPPED; a < VFLOW_ACT_MAX; a++)
		if (!strcasecmp(s, sys_action_name(a)))
			return a;
	return -1;
}

static int kind_of(const char *s)
{
	for (int k = 0; k < VFLOW_TRAP_KIND_MAX; k++)
		if (!strcasecmp(s, trap_kind_name(k)))
			return k;
	return -1;
}

static void lower(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static void upper(char *dst, const char *src, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len && src[i]; i++)
		dst[i] = toupper((unsigned char)src[i]);
	dst[i] = '\0';
}

bool dump_filter_trap_known(const char *trap)
{
	char lo[64], up[64], buf[32];

	if (!trap || !*trap)
		return false;
	if (trap_class_of(trap) || action_of(trap) >= 0 || kind_of(trap) >= 0)
		return true;
	lower(lo, trap, sizeof(lo));
	upper(up, trap, sizeof(up));
	if (syscall_nr(lo) >= 0 || !kvm_exit_reason_code(lo, NULL, NULL) ||
	    !kvm_exit_reason_code(up, NULL, NULL))
		return true;
	for (__u64 c = 0; c < 64; c++)
		if (!strcmp(kvm_userspace_exit_name(c, buf, sizeof(buf)), up))
			return true;
	/* the names given to unknown codes: sys_N, reason_0xN */
	return (!strncmp(lo, "sys_", 4) && lo[4] && strspn(lo + 4, "0123456789") == strlen(lo + 4)) ||
	       (!strncmp(lo, "reason_0x", 9) && lo[9]);
}

static bool trap_matches(const struct vflow_event *ev, const char *t)
{
	bool is_exit = is_exit_kind(ev->trap);
	char buf[NAME_LEN], nr[32];
	int a, k;

	switch (trap_class_of(t)) {
	case TC_SYSCALL:
		return ev->trap == VFLOW_TRAP_SYSCALL;
	case TC_VMEXIT:
		return is_kvm_kind(ev->trap);
	case TC_HYPERCALL:
		return is_hcall_kind(ev->trap) || is_hcall_kind(ev->aux_trap) ||
		       (is_exit && kvm_exit_class(ev->trap, ev->code) == KVM_EXIT_CLASS_HYPERCALL);
	case TC_IO:
		return is_io_kind(ev->trap) || (is_exit && is_io_kind(ev->aux_trap)) ||
		       (is_exit && kvm_exit_class(ev->trap, ev->code) == KVM_EXIT_CLASS_IO);
	case TC_IDLE:
		return is_exit && kvm_exit_class(ev->trap, ev->code) == KVM_EXIT_CLASS_IDLE;
	case TC_USERSPACE:
		return ev->trap == VFLOW_TRAP_USERSPACE_EXIT ||
		       (is_exit && ev->aux_trap == VFLOW_TRAP_USERSPACE_EXIT);
	case TC_SANDBOX:
		return is_sandbox_kind(ev->trap);
	case TC_NONE:
		break;
	}
	a = action_of(t);
	if (a >= 0)
		return ev->trap == VFLOW_TRAP_SANDBOX && ev->sub == (__u32)a;
	k = kind_of(t);
	if (k >= 0)
		return ev->trap == (__u32)k || (is_exit && ev->aux_trap && ev->aux_trap == (__u32)k);
	/* an exact reason name */
	switch (ev->trap) {
	case VFLOW_TRAP_SYSCALL:
	case VFLOW_TRAP_SANDBOX:
		return !strcasecmp(syscall_name(ev->code, nr, sizeof(nr)), t);
	case VFLOW_TRAP_VMEXIT_VMX:
	case VFLOW_TRAP_VMEXIT_SVM:
	case VFLOW_TRAP_VMEXIT_UNKNOWN:
		if (!strcasecmp(kvm_exit_reason_name(ev->trap, ev->code, buf, sizeof(buf)), t))
			return true;
		return ev->aux_trap == VFLOW_TRAP_USERSPACE_EXIT &&
		       !strcasecmp(kvm_userspace_exit_name((__u64)ev->ret, buf, sizeof(buf)), t);
	case VFLOW_TRAP_USERSPACE_EXIT:
		return !strcasecmp(kvm_userspace_exit_name(ev->code, buf, sizeof(buf)), t);
	default:
		return false;
	}
}

static bool entity_is(const struct dump_entity *en, const char *s, __u64 num, bool is_num)
{
	if (!en)
		return false;
	if (is_num && en->id == num)
		return true;
	if (!strcmp(en->name, s) || !strcmp(en->type, s))
		return true;
	return en->kind == DUMP_ENT_CGROUP && en->path[0] && strstr(en->path, s);
}

static bool entity_matches(const struct dump *d, const struct vflow_event *ev, const char *s)
{
	char *end, buf[NAME_LEN];
	unsigned long long num;
	bool is_num;

	errno = 0;
	num = strtoull(s, &end, 10);
	is_num = !errno && end != s && !*end && isdigit((unsigned char)*s);
	if (is_num && (ev->pid == num || ev->tid == num || ev->cgroup_id == num))
		return true;
	if (entity_is(dump__entity(d, DUMP_ENT_CGROUP, ev->cgroup_id), s, num, is_num) ||
	    entity_is(dump__entity(d, DUMP_ENT_PROC, ev->pid), s, num, is_num))
		return true;
	/* the name it is shown under when the table does not know it */
	return !strcmp(dump_event_entity(d, ev, buf, sizeof(buf)), s);
}

bool dump_filter__match(const struct dump *d, const struct dump_filter *f,
			const struct vflow_event *ev)
{
	if (ev->kind != VFLOW_EV_TRAP)
		return false;
	if (!f)
		return true;
	if (f->from_ns && ev->ts_ns < f->from_ns)
		return false;
	if (f->to_ns && ev->ts_ns > f->to_ns)
		return false;
	if (f->pid && ev->pid != f->pid && ev->tid != f->pid)
		return false;
	if (f->paradigm >= 0) {
		enum vflow_paradigm p = dump_event_paradigm(d, ev);

		if ((int)p != f->paradigm &&
		    !(f->paradigm == VFLOW_PARADIGM_FULLVIRT && p == VFLOW_PARADIGM_PARAVIRT))
			return false;
	}
	if (f->trap && !trap_matches(ev, f->trap))
		return false;
	if (f->entity && !entity_matches(d, ev, f->entity))
		return false;
	return true;
}

/* ---- time ---- */

static __u64 first_ts(const struct dump *d)
{
	/* the events are in ts_ns order */
	return d->info.first_ns ? d->info.first_ns : d->nr_ev ? d->ev[0].ts_ns : 0;
}

/* ".123" -> ns; the rest of the string after the digits in *end */
static int parse_frac(const char *s, __u64 *ns, const char **end)
{
	__u64 scale = NS_PER_SEC / 10;

	*ns = 0;
	*end = s;
	if (*s != '.')
		return 0;
	s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++, scale /= 10)
		*ns += (__u64)(*s - '0') * scale;
	*end = s;
	return 0;
}

int dump_parse_time(const struct dump *d, const char *s, __u64 *ts_ns)
{
	__u64 base = first_ts(d), off = d->info.mono_to_realtime_ns, frac, wall;
	struct tm tm = {};
	const char *rest;
	bool utc = false;
	char *end;
	time_t t;
	double v;

	if (!*s)
		return -EINVAL;
	/* seconds after the first event */
	errno = 0;
	v = strtod(s, &end);
	if (!errno && end != s && !*end && isfinite(v) && v >= 0 && v < 1e9 && !strchr(s, ':')) {
		*ts_ns = base + (__u64)llround(v * 1e9);
		return 0;
	}
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!rest) {
		/* a time of day: on the (local) date of the first event */
		time_t first = (time_t)((base + off) / NS_PER_SEC);
		struct tm tod = {};

		rest = strptime(s, "%H:%M:%S", &tod);
		if (!rest)
			return -EINVAL;
		utc = rest[0] && rest[strspn(rest, ".0123456789")] == 'Z';
		if (utc ? !gmtime_r(&first, &tm) : !localtime_r(&first, &tm))
			return -EINVAL;
		tm.tm_hour = tod.tm_hour;
		tm.tm_min = tod.tm_min;
		tm.tm_sec = tod.tm_sec;
	}
	if (parse_frac(rest, &frac, &rest))
		return -EINVAL;
	if (*rest == 'Z') {
		utc = true;
		rest++;
	}
	if (*rest)
		return -EINVAL;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	if (t < 0)	/* (time_t)-1 is also the error return */
		return -EINVAL;
	wall = (__u64)t * NS_PER_SEC + frac;
	if (wall <= off)
		return -EINVAL;	/* before the dump's host booted */
	*ts_ns = wall - off;
	return 0;
}

int dump_filter__set(struct dump_filter *f, const struct dump *d, const char *key, const char *val,
		     char *err, size_t err_len)
{
	if (!strcmp(key, "entity")) {
		if (!*val)
			goto empty;
		f->entity = val;
	} else if (!strcmp(key, "paradigm")) {
		f->paradigm = dump_filter_paradigm(val);
		if (f->paradigm < 0) {
			snprintf(err, err_len, "unknown paradigm '%s': give container, host, vm, "
				 "fullvirt, paravirt or sandbox", val);
			return -EINVAL;
		}
	} else if (!strcmp(key, "trap")) {
		if (!dump_filter_trap_known(val)) {
			snprintf(err, err_len, "unknown trap '%s': give a class (syscall, vmexit, "
				 "hypercall, io, idle, userspace, sandbox), a sandbox action (errno, trap, "
				 "user_notif, ptrace, ...) or a reason name (getppid, HLT, npf)", val);
			return -EINVAL;
		}
		f->trap = val;
	} else if (!strcmp(key, "pid")) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(val, &end, 10);
		if (errno || end == val || *end || !isdigit((unsigned char)*val) || !v || v > 0xffffffffUL) {
			snprintf(err, err_len, "invalid pid '%s': give a process or thread id", val);
			return -EINVAL;
		}
		f->pid = v;
	} else if (!strcmp(key, "from") || !strcmp(key, "to")) {
		__u64 ts;

		if (!d || dump_parse_time(d, val, &ts)) {
			snprintf(err, err_len, "invalid time '%s' for --%s: give seconds after the first "
				 "event (2.5), YYYY-MM-DDTHH:MM:SS[.frac][Z] or HH:MM:SS[.frac]", val, key);
			return -EINVAL;
		}
		if (key[0] == 'f')
			f->from_ns = ts ? ts : 1;
		else
			f->to_ns = ts ? ts : 1;
	} else {
		snprintf(err, err_len, "unknown filter '%s'", key);
		return -EINVAL;
	}
	return 0;
empty:
	snprintf(err, err_len, "empty --%s: give a name", key);
	return -EINVAL;
}

/* ---- output helpers ---- */

/* "2026-11-25T15:04:05.123456", local time */
static const char *fmt_wall(const struct dump *d, __u64 ts_ns, char *buf, size_t len)
{
	__u64 wall = ts_ns + d->info.mono_to_realtime_ns;
	time_t t = (time_t)(wall / NS_PER_SEC);
	struct tm tm;
	size_t n;

	/* no clock offset (an imported capture): the capture's own clock, in seconds */
	if (!d->info.mono_to_realtime_ns) {
		snprintf(buf, len, "%llu.%06llu", (unsigned long long)(ts_ns / NS_PER_SEC),
			 (unsigned long long)(ts_ns % NS_PER_SEC / NS_PER_US));
		return buf;
	}
	if (!localtime_r(&t, &tm)) {
		snprintf(buf, len, "%llu", (unsigned long long)ts_ns);
		return buf;
	}
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06llu", (unsigned long long)(wall % NS_PER_SEC / NS_PER_US));
	return buf;
}

/* JSON string: control characters escaped, bytes that are not UTF-8 as U+FFFD */
static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		unsigned char c = *p;
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 :
			   (c & 0xf8) == 0xf0 ? 4 : 0;
		size_t k;

		if (n == 1) {
			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
			p++;
			continue;
		}
		for (k = 1; n && k < n; k++)
			if ((p[k] & 0xc0) != 0x80)
				break;
		/* overlong 2-byte forms are not UTF-8 either */
		if (!n || k < n || (n == 2 && c < 0xc2)) {
			fputs("\\ufffd", f);
			p++;
			continue;
		}
		fwrite(p, 1, n, f);
		p += n;
	}
	fputc('"', f);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled */
static void csv_field(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* ---- print ---- */

int dumptool_print(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char when[48], ebuf[NAME_LEN], tbuf[NAME_LEN], abuf[NAME_LEN], lat[32];
	char comm[sizeof(d->ev->comm) + 1], extra[NAME_LEN + 48], tid[32];

	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];

		if (!dump_filter__match(d, f, ev))
			continue;
		event_comm(ev, comm);
		snprintf(tid, sizeof(tid), "%u/%u", ev->pid, ev->tid);
		if (is_kvm_kind(ev->trap)) {
			event_annotation(ev, abuf, sizeof(abuf));
			snprintf(extra, sizeof(extra), "vcpu=%u%s%s", ev->sub, abuf[0] ? " " : "", abuf);
		} else {
			snprintf(extra, sizeof(extra), "ret=%lld", (long long)ev->ret);
		}
		fprintf(out, "%s %-24s %-15s %-15s %-9s %-22s %8s  %s%s%s\n",
			fmt_wall(d, ev->ts_ns, when, sizeof(when)), dump_event_entity(d, ev, ebuf, sizeof(ebuf)),
			tid, comm, report_paradigm_name(dump_event_paradigm(d, ev)),
			dump_event_trap_name(ev, tbuf, sizeof(tbuf)),
			ev->latency_ns ? fmt_ns(ev->latency_ns, lat, sizeof(lat)) : "-", extra,
			ev->flags ? " " : "", flags_name(ev->flags));
	}
	return 0;
}

/* ---- summary ---- */

struct sum_item {
	__u32 paradigm, trap, sub;
	__u64 code;
	__u64 lat;
};

struct sum_row {
	__u32 paradigm, trap, sub;
	__u64 code;
	__u64 samples, timed;
	__u64 min, max, p99;
	double mean;
};

struct summary {
	struct sum_row *rows;
	size_t nr_rows;
	struct sum_row total;
	__u64 flags_seen[VFLOW_REC_MAX];	/* VFLOW_EVF_* or'ed per class */
};

static int sum_item_cmp(const void *a, const void *b)
{
	const struct sum_item *x = a, *y = b;

	if (x->paradigm != y->paradigm)
		return x->paradigm < y->paradigm ? -1 : 1;
	if (x->trap != y->trap)
		return x->trap < y->trap ? -1 : 1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	if (x->code != y->code)
		return x->code < y->code ? -1 : 1;
	return x->lat < y->lat ? -1 : x->lat > y->lat;
}

static int u64_cmp(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static int sum_row_cmp(const void *a, const void *b)
{
	const struct sum_row *x = a, *y = b;

	if (x->paradigm != y->paradigm)
		return x->paradigm < y->paradigm ? -1 : 1;
	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	if (x->trap != y->trap)
		return x->trap < y->trap ? -1 : 1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

/*
 * Latency figures of @n values sorted ascending, zeros (untimed) first;
 * p99 by nearest rank over the timed ones.
 */
static void row_stats(struct sum_row *r, const __u64 *lat, size_t n)
{
	size_t z = 0, timed, k;
	double sum = 0;

	while (z < n && !lat[z])
		z++;
	timed = n - z;
	r->samples = n;
	r->timed = timed;
	if (!timed)
		return;
	for (k = z; k < n; k++)
		sum += (double)lat[k];
	r->min = lat[z];
	r->max = lat[n - 1];
	r->mean = sum / timed;
	k = (size_t)ceil(P99 * timed);
	r->p99 = lat[z + (k ? k - 1 : 0)];
}

static void summary_free(struct summary *s)
{
	free(s->rows);
}

static int summary_build(const struct dump *d, const struct dump_filter *f, struct summary *s)
{
	struct sum_item *items;
	__u64 *all;
	size_t n = 0, i, j;

	memset(s, 0, sizeof(*s));
	items = malloc((d->nr_ev ? d->nr_ev : 1) * sizeof(*items));
	all = malloc((d->nr_ev ? d->nr_ev : 1) * sizeof(*all));
	if (!items || !all) {
		free(items);
		free(all);
		return -ENOMEM;
	}
	for (i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];

		if (!dump_filter__match(d, f, ev))
			continue;
		items[n] = (struct sum_item){
			.paradigm = dump_event_paradigm(d, ev), .trap = ev->trap,
			.sub = ev->trap == VFLOW_TRAP_SANDBOX ? ev->sub : 0,
			.code = ev->code, .lat = ev->latency_ns,
		};
		all[n++] = ev->latency_ns;
		s->flags_seen[rec_class_of(ev->trap)] |= ev->flags;
	}
	qsort(items, n, sizeof(*items), sum_item_cmp);
	qsort(all, n, sizeof(*all), u64_cmp);
	row_stats(&s->total, all, n);
	s->rows = calloc(n ? n : 1, sizeof(*s->rows));
	if (!s->rows) {
		free(items);
		free(all);
		return -ENOMEM;
	}
	for (i = 0; i < n; i = j) {
		struct sum_row *r = &s->rows[s->nr_rows++];

		for (j = i + 1; j < n; j++)
			if (items[j].paradigm != items[i].paradigm || items[j].trap != items[i].trap ||
			    items[j].sub != items[i].sub || items[j].code != items[i].code)
				break;
		r->paradigm = items[i].paradigm;
		r->trap = items[i].trap;
		r->sub = items[i].sub;
		r->code = items[i].code;
		/* the run is sorted by latency: @all is free again to hold it */
		for (size_t k = i; k < j; k++)
			all[k - i] = items[k].lat;
		row_stats(r, all, j - i);
	}
	free(items);
	free(all);
	qsort(s->rows, s->nr_rows, sizeof(*s->rows), sum_row_cmp);
	return 0;
}

static const char *sum_row_name(const struct sum_row *r, char *buf, size_t len)
{
	struct vflow_event ev = { .trap = r->trap, .sub = r->sub, .code = r->code };

	return dump_event_trap_name(&ev, buf, len);
}

/* "1 in 1000 (syscall), 1 in 100 (vm)" for the classes whose samples are there */
static bool sampling_note(const struct dump *d, const struct summary *s, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int c = 0; c < VFLOW_REC_MAX; c++) {
		if (!(s->flags_seen[c] & VFLOW_EVF_SAMPLED) || !d->info.sample_period[c])
			continue;
		n += snprintf(buf + n, n < len ? len - n : 0, "%s1 in %u (%s)", n ? ", " : "",
			      d->info.sample_period[c], rec_class_names[c]);
		if (n >= len)
			break;
	}
	return buf[0];
}

static void print_stat(FILE *out, const struct sum_row *r, __u64 total)
{
	char b[4][32];

	fprintf(out, " %10llu %6.2f%%", (unsigned long long)r->samples,
		total ? 100.0 * r->samples / total : 0.0);
	if (!r->timed) {
		fprintf(out, " %9s %9s %9s %9s\n", "-", "-", "-", "-");
		return;
	}
	fprintf(out, " %9s %9s %9s %9s\n", fmt_ns(r->min, b[0], sizeof(b[0])),
		fmt_ns(r->mean, b[1], sizeof(b[1])), fmt_ns(r->max, b[2], sizeof(b[2])),
		fmt_ns(r->p99, b[3], sizeof(b[3])));
}

int dumptool_summary(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char name[NAME_LEN], note[256];
	struct summary s;

	if (summary_build(d, f, &s))
		return -ENOMEM;
	fprintf(out, "%-10s %-28s %10s %7s %9s %9s %9s %9s\n", "PARADIGM", "REASON", "SAMPLES",
		"SHARE", "MIN", "MEAN", "MAX", "P99");
	for (size_t i = 0; i < s.nr_rows; i++) {
		const struct sum_row *r = &s.rows[i];

		fprintf(out, "%-10s %-28.28s", report_paradigm_name(r->paradigm),
			sum_row_name(r, name, sizeof(name)));
		print_stat(out, r, s.total.samples);
	}
	fprintf(out, "%-10s %-28s", "total", "");
	print_stat(out, &s.total, s.total.samples);
	if (s.total.samples > s.total.timed)
		fprintf(out, "%llu events untimed: counted, not in the latency columns\n",
			(unsigned long long)(s.total.samples - s.total.timed));
	if (sampling_note(d, &s, note, sizeof(note)))
		fprintf(out, "sampled %s: counts are samples, not totals\n", note);
	summary_free(&s);
	return 0;
}

static void json_stat(FILE *out, const struct sum_row *r, __u64 total)
{
	fprintf(out, "\"samples\":%llu,\"share\":%.6f,\"timed\":%llu",
		(unsigned long long)r->samples, total ? (double)r->samples / total : 0.0,
		(unsigned long long)r->timed);
	if (r->timed)
		fprintf(out, ",\"min_ns\":%llu,\"mean_ns\":%.1f,\"max_ns\":%llu,\"p99_ns\":%llu",
			(unsigned long long)r->min, r->mean, (unsigned long long)r->max,
			(unsigned long long)r->p99);
	else
		fputs(",\"min_ns\":null,\"mean_ns\":null,\"max_ns\":null,\"p99_ns\":null", out);
}

int dumptool_summary_json(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char name[NAME_LEN];
	struct summary s;
	bool sampled = false;

	if (summary_build(d, f, &s))
		return -ENOMEM;
	fputs("{\"rows\":[", out);
	for (size_t i = 0; i < s.nr_rows; i++) {
		const struct sum_row *r = &s.rows[i];

		fprintf(out, "%s{\"paradigm\":\"%s\",\"kind\":", i ? "," : "",
			report_paradigm_name(r->paradigm));
		json_str(out, trap_kind_name(r->trap));
		fprintf(out, ",\"code\":%llu,\"reason\":", (unsigned long long)r->code);
		json_str(out, sum_row_name(r, name, sizeof(name)));
		fputc(',', out);
		json_stat(out, r, s.total.samples);
		fputc('}', out);
	}
	fputs("],\"total\":{", out);
	json_stat(out, &s.total, s.total.samples);
	fputs("},\"sample_period\":{", out);
	for (int c = 0; c < VFLOW_REC_MAX; c++) {
		fprintf(out, "%s\"%s\":%u", c ? "," : "", rec_class_names[c], d->info.sample_period[c]);
		sampled |= (s.flags_seen[c] & VFLOW_EVF_SAMPLED) && d->info.sample_period[c];
	}
	fprintf(out, "},\"counts_are_samples\":%s}\n", sampled ? "true" : "false");
	summary_free(&s);
	return 0;
}

/* ---- chrome trace ---- */

struct pid_tid {
	__u32 pid, tid;
	size_t ev;		/* the first matching event of the thread */
};

static int pid_tid_cmp(const void *a, const void *b)
{
	const struct pid_tid *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->ev < y->ev ? -1 : x->ev > y->ev;
}

static void chrome_meta(FILE *out, const struct dump *d, const struct pid_tid *pt, size_t n,
			bool *first)
{
	char ebuf[NAME_LEN], comm[sizeof(d->ev->comm) + 1], name[NAME_LEN + 32];

	for (size_t i = 0; i < n; i++) {
		const struct vflow_event *ev = &d->ev[pt[i].ev];

		event_comm(ev, comm);
		if (!i || pt[i].pid != pt[i - 1].pid) {
			const struct dump_entity *en = dump__entity(d, DUMP_ENT_PROC, pt[i].pid);

			/* a VM or sandbox has its own name; a process goes by its entity and comm */
			if (en && en->name[0])
				snprintf(name, sizeof(name), "%s", en->name);
			else
				snprintf(name, sizeof(name), "%s %s",
					 dump_event_entity(d, ev, ebuf, sizeof(ebuf)), comm);
			fprintf(out, "%s\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
				"\"args\":{\"name\":", *first ? "" : ",", pt[i].pid, pt[i].pid);
			json_str(out, name);
			fputs("}}", out);
			*first = false;
		}
		if (i && pt[i].pid == pt[i - 1].pid && pt[i].tid == pt[i - 1].tid)
			continue;
		fprintf(out, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%u,\"tid\":%u,"
			"\"args\":{\"name\":", pt[i].pid, pt[i].tid);
		json_str(out, comm);
		fputs("}}", out);
	}
}

/* µs with ns precision, exactly (a double would round large monotonic times) */
static void chrome_us(FILE *out, const char *key, __u64 ns)
{
	fprintf(out, ",\"%s\":%llu.%03llu", key, (unsigned long long)(ns / NS_PER_US),
		(unsigned long long)(ns % NS_PER_US));
}

int dumptool_chrome(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char ebuf[NAME_LEN], tbuf[NAME_LEN], abuf[NAME_LEN];
	struct pid_tid *pt;
	size_t n = 0, k;
	bool first = true;

	pt = malloc((d->nr_ev ? d->nr_ev : 1) * sizeof(*pt));
	if (!pt)
		return -ENOMEM;
	for (size_t i = 0; i < d->nr_ev; i++)
		if (dump_filter__match(d, f, &d->ev[i]))
			pt[n++] = (struct pid_tid){ .pid = d->ev[i].pid, .tid = d->ev[i].tid, .ev = i };
	qsort(pt, n, sizeof(*pt), pid_tid_cmp);
	/* one entry per thread, the first event of each */
	for (size_t i = k = 0; i < n; i++)
		if (!k || pt[i].pid != pt[k - 1].pid || pt[i].tid != pt[k - 1].tid)
			pt[k++] = pt[i];
	fputs("{\"traceEvents\":[", out);
	chrome_meta(out, d, pt, k, &first);
	free(pt);
	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];
		__u64 start;

		if (!dump_filter__match(d, f, ev))
			continue;
		fprintf(out, "%s\n{\"name\":", first ? "" : ",");
		first = false;
		json_str(out, dump_event_trap_name(ev, tbuf, sizeof(tbuf)));
		fprintf(out, ",\"cat\":\"%s\"", report_paradigm_name(dump_event_paradigm(d, ev)));
		/* ts_ns is the end of the trap: a timed one started latency_ns before */
		start = ev->latency_ns <= ev->ts_ns ? ev->ts_ns - ev->latency_ns : 0;
		if (ev->latency_ns) {
			fputs(",\"ph\":\"X\"", out);
			chrome_us(out, "ts", start);
			chrome_us(out, "dur", ev->latency_ns);
		} else {
			fputs(",\"ph\":\"i\",\"s\":\"t\"", out);
			chrome_us(out, "ts", ev->ts_ns);
		}
		fprintf(out, ",\"pid\":%u,\"tid\":%u,\"args\":{\"entity\":", ev->pid, ev->tid);
		json_str(out, dump_event_entity(d, ev, ebuf, sizeof(ebuf)));
		fprintf(out, ",\"code\":%llu,\"ret\":%lld,\"flags\":\"%s\"", (unsigned long long)ev->code,
			(long long)ev->ret, flags_name(ev->flags));
		if (is_kvm_kind(ev->trap)) {
			fprintf(out, ",\"vcpu\":%u", ev->sub);
			if (event_annotation(ev, abuf, sizeof(abuf))[0]) {
				fputs(",\"annotation\":", out);
				json_str(out, abuf);
			}
		}
		fputs("}}", out);
	}
	fputs("\n],\"displayTimeUnit\":\"ns\",\"otherData\":{\"host\":", out);
	json_str(out, d->info.host);
	fputs(",\"kernel\":", out);
	json_str(out, d->info.kernel);
	fputs(",\"trigger\":", out);
	json_str(out, d->info.trigger);
	fputs(",\"vflow_version\":", out);
	json_str(out, d->info.vflow_version);
	fputs(",\"boot_id\":", out);
	json_str(out, d->info.boot_id);
	fprintf(out, ",\"mono_to_realtime_ns\":%llu,\"clock\":\"CLOCK_MONOTONIC\"}}\n",
		(unsigned long long)d->info.mono_to_realtime_ns);
	return 0;
}

/* ---- csv ---- */

int dumptool_csv(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	char when[48], ebuf[NAME_LEN], tbuf[NAME_LEN], abuf[NAME_LEN], num[32];
	char comm[sizeof(d->ev->comm) + 1];

	fputs("time,ts_ns,latency_ns,paradigm,entity,pid,tid,comm,kind,code,trap,sub,ret,"
	      "annotation,flags\n", out);
	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];

		if (!dump_filter__match(d, f, ev))
			continue;
		event_comm(ev, comm);
		fprintf(out, "%s,%llu,%llu,%s,", fmt_wall(d, ev->ts_ns, when, sizeof(when)),
			(unsigned long long)ev->ts_ns, (unsigned long long)ev->latency_ns,
			report_paradigm_name(dump_event_paradigm(d, ev)));
		csv_field(out, dump_event_entity(d, ev, ebuf, sizeof(ebuf)));
		fprintf(out, ",%u,%u,", ev->pid, ev->tid);
		csv_field(out, comm);
		fprintf(out, ",%s,%llu,", trap_kind_name(ev->trap), (unsigned long long)ev->code);
		csv_field(out, dump_event_trap_name(ev, tbuf, sizeof(tbuf)));
		snprintf(num, sizeof(num), "%lld", (long long)ev->ret);
		fprintf(out, ",%u,%s,", ev->sub, num);
		csv_field(out, event_annotation(ev, abuf, sizeof(abuf)));
		fprintf(out, ",%s\n", flags_name(ev->flags));
	}
	return 0;
}

/* ---- info ---- */

static const char *ent_kind_name(__u32 kind)
{
	return kind == DUMP_ENT_CGROUP ? "cgroup" : kind == DUMP_ENT_PROC ? "process" : "unknown";
}

int dumptool_info(const struct dump *d, const struct dump_filter *f, FILE *out)
{
	const struct dump_info *in = &d->info;
	const struct dump_damage *dm = &d->damage;
	char b1[48], b2[48], b3[32];
	__u64 lo = 0, hi = 0;
	size_t n = 0;

	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];

		if (!dump_filter__match(d, f, ev))
			continue;
		lo = !n || ev->ts_ns < lo ? ev->ts_ns : lo;
		hi = ev->ts_ns > hi ? ev->ts_ns : hi;
		n++;
	}
	fprintf(out, "format          %u%s\n", in->version,
		dm->newer_version ? " (newer than this reader)" : "");
	fprintf(out, "host            %s\n", in->host);
	fprintf(out, "kernel          %s\n", in->kernel);
	fprintf(out, "boot id         %s\n", in->boot_id);
	fprintf(out, "clock source    %s\n", in->clocksource);
	fprintf(out, "vflow           %s\n", in->vflow_version);
	fprintf(out, "trigger         %s\n", in->trigger);
	if (in->mono_to_realtime_ns && in->created_realtime_ns > in->mono_to_realtime_ns)
		fprintf(out, "created         %s\n",
			fmt_wall(d, in->created_realtime_ns - in->mono_to_realtime_ns, b1, sizeof(b1)));
	if (in->mono_to_realtime_ns)
		fprintf(out, "clock offset    %llu ns (CLOCK_MONOTONIC + offset = wall clock)\n",
			(unsigned long long)in->mono_to_realtime_ns);
	else
		fprintf(out, "clock offset    unknown: times are the capture's own clock, in seconds\n");
	for (int c = 0; c < VFLOW_REC_MAX; c++)
		fprintf(out, "recorder        %-8s sample %s%u, slow >= %s\n", rec_class_names[c],
			in->sample_period[c] ? "1 in " : "off ", in->sample_period[c],
			in->slow_ns[c] ? fmt_ns(in->slow_ns[c], b3, sizeof(b3)) : "off");
	fprintf(out, "recorder events %llu received, %llu evicted, %llu dropped in the kernel\n",
		(unsigned long long)in->events_received, (unsigned long long)in->events_evicted,
		(unsigned long long)in->events_dropped);
	fprintf(out, "model           %s\n", in->model && in->model[0] ? "constants included" : "absent");
	fprintf(out, "probes          %zu\n", in->nr_probes);
	for (size_t i = 0; i < in->nr_probes && i < DUMP_MAX_PROBES; i++)
		fprintf(out, "  %s\n", in->probes[i]);
	fprintf(out, "entities        %zu\n", d->nr_ents);
	if (d->nr_ents)
		fprintf(out, "  %-8s %-20s %-12s %-28s %s\n", "KIND", "ID", "TYPE", "NAME", "PATH");
	for (size_t i = 0; i < d->nr_ents; i++) {
		const struct dump_entity *en = &d->ents[i];

		fprintf(out, "  %-8s %-20llu %-12s %-28s %s\n", ent_kind_name(en->kind),
			(unsigned long long)en->id, en->type, en->name, en->path);
	}
	if (d->nr_rows)
		fprintf(out, "aggregates      %zu rows, exact, over %s of tracing\n", d->nr_rows,
			fmt_ns((double)d->rows_elapsed_ns, b1, sizeof(b1)));
	else
		fprintf(out, "aggregates      none\n");
	fprintf(out, "events          %zu", d->nr_ev);
	if (d->nr_ev && in->last_ns >= in->first_ns && in->first_ns)
		fprintf(out, " from %s to %s (%s)", fmt_wall(d, in->first_ns, b1, sizeof(b1)),
			fmt_wall(d, in->last_ns, b2, sizeof(b2)),
			fmt_ns(in->last_ns - in->first_ns, b3, sizeof(b3)));
	fputc('\n', out);
	if (f && (f->entity || f->trap || f->pid || f->paradigm >= 0 || f->from_ns || f->to_ns)) {
		fprintf(out, "matching        %zu", n);
		if (n)
			fprintf(out, " from %s to %s", fmt_wall(d, lo, b1, sizeof(b1)),
				fmt_wall(d, hi, b2, sizeof(b2)));
		fputc('\n', out);
	}
	fprintf(out, "blocks          %u ok, %u bad, %llu bytes skipped, %s\n", dm->blocks_ok,
		dm->blocks_bad, (unsigned long long)dm->bytes_skipped,
		dm->truncated ? "no END block (truncated)" : "complete");
	if (dm->events_expected)
		fprintf(out, "events written  %llu, %llu lost\n", (unsigned long long)dm->events_expected,
			(unsigned long long)dm->events_lost);
	fprintf(out, "problems        %zu\n", dm->nr_problems);
	for (size_t i = 0; i < dm->nr_problems && i < DUMP_MAX_PROBLEMS; i++)
		fprintf(out, "  %s\n", dm->problems[i]);
	return 0;
}

/* ---- trap rows ---- */

struct row_buf {
	struct snapshot *s;
	size_t cap;
};

/* A row per event would not fit a big dump: fold equal keys whenever full. */
static struct trap_row *row_next(struct row_buf *b)
{
	struct snapshot *s = b->s;

	if (s->nr_rows == b->cap) {
		snapshot__sort(s);
		snapshot__merge(s);
		if (s->nr_rows * 2 > b->cap) {
			void *p = realloc(s->rows, b->cap * 2 * sizeof(*s->rows));

			if (!p)
				return NULL;
			s->rows = p;
			b->cap *= 2;
		}
	}
	memset(&s->rows[s->nr_rows], 0, sizeof(s->rows[0]));
	return &s->rows[s->nr_rows++];
}

static void row_account(struct trap_row *r, __u64 lat, __u64 w, bool untimed_skipped)
{
	if (lat) {
		r->count = w;
		r->total_ns = lat * w;
		r->hist[vflow_hist_slot(lat)] = w;
	} else if (untimed_skipped) {
		r->skipped = w;
	} else {
		r->count = w;
	}
}

struct snapshot *dumptool_snapshot(const struct dump *d, const struct dump_filter *f, bool weighted)
{
	struct row_buf b = { .cap = SNAP_ROWS_MIN };
	struct trap_row *r;

	b.s = snapshot__new(b.cap);
	if (!b.s)
		return NULL;
	for (size_t i = 0; i < d->nr_ev; i++) {
		const struct vflow_event *ev = &d->ev[i];
		__u32 period = d->info.sample_period[rec_class_of(ev->trap)];
		__u64 w = 1;

		if (!dump_filter__match(d, f, ev))
			continue;
		/* a slow event is there because it was slow: it stands for itself */
		if (weighted && (ev->flags & (VFLOW_EVF_SAMPLED | VFLOW_EVF_SLOW)) == VFLOW_EVF_SAMPLED &&
		    period)
			w = period;
		b.s->events++;
		b.s->ts_ns = ev->ts_ns > b.s->ts_ns ? ev->ts_ns : b.s->ts_ns;
		r = row_next(&b);
		if (!r)
			goto nomem;
		r->kind = ev->trap;
		if (ev->trap == VFLOW_TRAP_SYSCALL) {
			r->owner = ev->cgroup_id;
			r->code = ev->code;
			/* a syscall with no latency exited without entering */
			row_account(r, ev->latency_ns, w, true);
			continue;
		}
		r->owner = ev->pid;
		r->sub = ev->sub;
		r->code = ev->code;
		row_account(r, ev->latency_ns, w, false);
		if (!is_exit_kind(ev->trap) || !ev->aux_trap || ev->aux_trap >= VFLOW_TRAP_KIND_MAX)
			continue;
		/*
		 * As the kernel does: what the exit carried gets the exit's
		 * latency; an exit to the VMM was timed apart, which the event
		 * does not hold, so it is counted only.
		 */
		r = row_next(&b);
		if (!r)
			goto nomem;
		r->kind = ev->aux_trap;
		r->owner = ev->pid;
		r->sub = ev->sub;
		r->code = (__u64)ev->ret;
		row_account(r, ev->aux_trap == VFLOW_TRAP_USERSPACE_EXIT ? 0 : ev->latency_ns, w, false);
	}
	snapshot__sort(b.s);
	snapshot__merge(b.s);
	return b.s;
nomem:
	snapshot__free(b.s);
	return NULL;
}

/* ---- model ---- */

#define MAX_NOTES 4

struct notes {
	char text[MAX_NOTES][640];
	size_t n;
};

__attribute__((format(printf, 2, 3)))
static void note(struct notes *n, const char *fmt, ...)
{
	va_list ap;

	if (n->n >= MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(n->text[n->n++], sizeof(n->text[0]), fmt, ap);
	va_end(ap);
}

/* The dump's own constants over this host's shipped config (for the advice rules). */
static void load_model(const struct dump *d, struct model_config *mc, struct advice_rules *ar,
		       bool *have_advice, struct notes *notes)
{
	char err[512], path[] = "/tmp/vflowdump-model-XXXXXX";
	size_t len;
	FILE *f;
	int fd;

	if (model_files__load(NULL, NULL, mc, ar, have_advice, err, sizeof(err))) {
		model_config__defaults(mc);
		*have_advice = false;
		note(notes, "this host's model config did not load (%s): built-in constants", err);
	}
	if (!d->info.model || !d->info.model[0]) {
		note(notes, "the dump carries no model constants: using this host's (or the built-in) ones");
		return;
	}
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		note(notes, "cannot write the dump's model constants to a temporary file (%s): "
		     "using this host's", strerror(errno));
		return;
	}
	len = strlen(d->info.model);
	if (fwrite(d->info.model, 1, len, f) != len || fclose(f)) {
		unlink(path);
		note(notes, "cannot write the dump's model constants to a temporary file (%s): "
		     "using this host's", strerror(errno));
		return;
	}
	if (model_config__load(mc, path, err, sizeof(err))) {
		model_config__defaults(mc);
		note(notes, "the dump's model constants do not load (%s): using the built-in ones", err);
	}
	unlink(path);
}

/* The names the dump's entity table gives VMs and sandboxes (offline: "pid:N"). */
static void name_offline(struct report *r, const struct dump *d)
{
	for (size_t i = 0; i < r->nr_vms; i++) {
		const struct dump_entity *en = dump__entity(d, DUMP_ENT_PROC, r->vms[i].pid);

		if (en && en->name[0])
			snprintf(r->vms[i].id.name, sizeof(r->vms[i].id.name), "%s", en->name);
	}
	for (size_t i = 0; i < r->nr_sandboxes; i++) {
		struct sandbox_entity *sb = &r->sandboxes[i];
		const struct dump_entity *en = sb->nr_pids ?
			dump__entity(d, DUMP_ENT_PROC, sb->pids[0]) : NULL;

		if (en && en->name[0])
			snprintf(sb->info.name, sizeof(sb->info.name), "%s", en->name);
	}
}

/* Nothing filtered out? */
static bool filter_empty(const struct dump_filter *f)
{
	return !f || (!f->entity && f->paradigm < 0 && !f->trap && !f->from_ns && !f->to_ns && !f->pid);
}

/* The dump's exact aggregates as a snapshot. */
static struct snapshot *rows_snapshot(const struct dump *d)
{
	struct snapshot *s = snapshot__new(d->nr_rows);

	if (!s)
		return NULL;
	memcpy(s->rows, d->rows, d->nr_rows * sizeof(*s->rows));
	s->nr_rows = d->nr_rows;
	s->ts_ns = d->rows_ts_ns;
	s->events = d->nr_ev;
	snapshot__sort(s);
	snapshot__merge(s);
	return s;
}

int dumptool_model(const struct dump *d, const struct dump_filter *f, bool json, FILE *out)
{
	struct report r = { .offline = true };
	bool exact;
	struct cgroup_resolver cg;
	struct model_config mc;
	struct advice_rules ar = {};
	struct notes notes = {};
	bool have_advice = false;
	struct snapshot *s;
	__u64 lo, hi, span;
	char b2[32];
	int ret;

	load_model(d, &mc, &ar, &have_advice, &notes);
	exact = d->nr_rows && d->rows_elapsed_ns && filter_empty(f);
	s = exact ? rows_snapshot(d) : dumptool_snapshot(d, f, true);
	if (!s) {
		ret = -ENOMEM;
		goto out_advice;
	}
	cgroup_resolver__init_offline(&cg);
	for (size_t i = 0; i < d->nr_ents; i++)
		if (d->ents[i].kind == DUMP_ENT_CGROUP && d->ents[i].id && d->ents[i].path[0] &&
		    cgroup_resolver__set(&cg, d->ents[i].id, d->ents[i].path)) {
			ret = -ENOMEM;
			goto out_cg;
		}
	/* the rates are over the time the events cover (the filter's window) */
	lo = f && f->from_ns ? f->from_ns : d->info.first_ns;
	hi = f && f->to_ns ? f->to_ns : d->info.last_ns;
	span = hi > lo ? hi - lo : 0;
	if (exact)
		span = d->rows_elapsed_ns;
	if (span < NS_PER_US)
		span = NS_PER_US;
	if (exact)
		note(&notes, "from the exact aggregates the dump holds (%zu rows over %s of tracing), "
		     "scheduling included; filters select the sampled events instead", d->nr_rows,
		     fmt_ns(span, b2, sizeof(b2)));
	else
		note(&notes, "estimated from %llu recorded events over %s, each 1-in-N sample weighted "
		     "by N: figures are estimates, not measurements", (unsigned long long)s->events,
		     fmt_ns(span, b2, sizeof(b2)));
	r.model = &mc;
	r.advice = have_advice ? &ar : NULL;
	ret = report__build(&r, s, s, &cg, span, span);
	if (ret)
		goto out_report;
	name_offline(&r, d);
	r.syscall_via = "dump";
	if (json) {
		fprintf(out, "{\"estimated_from_samples\":%s,\"notes\":[", exact ? "false" : "true");
		for (size_t i = 0; i < notes.n; i++) {
			fputs(i ? "," : "", out);
			json_str(out, notes.text[i]);
		}
		fputs("],\"report\":", out);
		report__print_json(&r, out);
		fputs("}\n", out);
	} else {
		struct report_text_opts o = { .top = 0, .per_entity_syscalls = 5 };

		for (size_t i = 0; i < notes.n; i++)
			fprintf(out, "note: %s\n", notes.text[i]);
		report__print_text(&r, &o, out);
	}
out_report:
	report__free(&r);
out_cg:
	cgroup_resolver__free(&cg);
	snapshot__free(s);
out_advice:
	if (have_advice)
		advice_rules__free(&ar);
	return ret;
}
