// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The filter language of vflowdump (docs/vflowdump.md): which events a
 * command looks at, by entity, paradigm, trap class or reason name,
 * process or thread, and time window. The option values are checked here,
 * with a one-line message that says what to give.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "record/dumptool.h"
#include "record/dumptool_internal.h"
#include "core/kvm_reasons.h"
#include "core/syscalls.h"
#include "report/report.h"

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

bool dump_filter__empty(const struct dump_filter *f)
{
	return !f || (!f->entity && f->paradigm < 0 && !f->trap && !f->from_ns && !f->to_ns && !f->pid);
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
