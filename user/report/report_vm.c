// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VMs in the report: KVM trap rows grouped by VMM process, per vCPU and per
 * reason, the way kvm_stat and `perf kvm stat` show them. Idle exits (the
 * vCPU waiting for work) are counted apart from trap cost; hypercalls and
 * virtio kicks count towards the paravirtual paradigm.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/kvm_reasons.h"
#include "report/report_internal.h"

#define P99 0.99
/* a VM of a capture that names neither its pid nor its comm */
#define VM_UNNAMED "(unnamed)"

static const char *const bucket_names[VM_BUCKET_MAX] = {
	[VM_EXITS] = "exits", [VM_IDLE] = "idle", [VM_HCALL] = "hypercall",
	[VM_NOTIFY] = "notify", [VM_EMUL_IO] = "emulated_io", [VM_USERSPACE] = "userspace",
	[VM_IRQ] = "irq",
};

const char *vm_bucket_name(enum vm_bucket b)
{
	return b < VM_BUCKET_MAX ? bucket_names[b] : "unknown";
}

enum vm_bucket vm_bucket_of(const struct trap_row *row)
{
	switch (row->kind) {
	case VFLOW_TRAP_VMEXIT_VMX:
	case VFLOW_TRAP_VMEXIT_SVM:
	case VFLOW_TRAP_VMEXIT_UNKNOWN:
		return kvm_exit_class(row->kind, row->code) == KVM_EXIT_CLASS_IDLE ? VM_IDLE : VM_EXITS;
	case VFLOW_TRAP_HCALL_KVM:
	case VFLOW_TRAP_HCALL_XEN:
	case VFLOW_TRAP_HCALL_HV:
		return VM_HCALL;
	case VFLOW_TRAP_FAST_MMIO:
		return VM_NOTIFY;
	case VFLOW_TRAP_MMIO:
	case VFLOW_TRAP_PIO:
		return VM_EMUL_IO;
	case VFLOW_TRAP_USERSPACE_EXIT:
		return VM_USERSPACE;
	default:
		return VM_IRQ;
	}
}

static bool is_kvm(const struct trap_row *row)
{
	return row->kind >= VFLOW_TRAP_VMEXIT_VMX && row->kind <= VFLOW_TRAP_XEN_MC;
}

static struct vm_entity *vm_find_or_add(struct report *r, __u32 pid, size_t *cap)
{
	const struct identity *id;
	struct vm_entity *vm;
	const char *name;

	for (size_t i = 0; i < r->nr_vms; i++)
		if (r->vms[i].pid == pid)
			return &r->vms[i];
	if (r->nr_vms == *cap) {
		size_t n = *cap ? *cap * 2 : 8;
		void *p = realloc(r->vms, n * sizeof(*r->vms));

		if (!p)
			return NULL;
		r->vms = p;
		*cap = n;
	}
	vm = &r->vms[r->nr_vms++];
	memset(vm, 0, sizeof(*vm));
	vm->pid = pid;
	id = report_process(r, pid);
	if (id && id->proc->has_vm)
		vm->id = id->proc->vm;
	/* named from what was read at its first trap; gone: it exited, or was never read */
	vm->gone = r->offline || !id || id->gone || !id->proc->has_vm;
	vm->gone_since_ns = id && id->gone ? id->gone_since_ns : 0;
	vm->origin = id ? id->origin : IDENTITY_ORIGIN_MAX;
	name = r->offline && r->vm_name ? r->vm_name(r->vm_name_ctx, pid) : NULL;
	if (name) {
		/* a capture with no pid for it: its comm, if it has one */
		vm->no_pid = true;
		snprintf(vm->id.name, sizeof(vm->id.name), "%s", *name ? name : VM_UNNAMED);
	} else if (pid == (__u32)VFLOW_OWNER_GONE) {
		snprintf(vm->id.name, sizeof(vm->id.name), "%s", REPORT_EXITED_PROCESSES);
	} else if (!id || !id->proc->has_vm) {
		snprintf(vm->id.name, sizeof(vm->id.name), "pid:%u", pid);
	}
	return vm;
}

static int vm_add_row(struct vm_entity *vm, const struct trap_row *row)
{
	enum vm_bucket b = vm_bucket_of(row);
	struct vm_vcpu *c = NULL;
	void *p;

	p = realloc(vm->rows, (vm->nr_rows + 1) * sizeof(const struct trap_row *));
	if (!p)
		return -ENOMEM;
	vm->rows = p;
	vm->rows[vm->nr_rows++] = row;
	trap_row__add(&vm->total[b], row);
	if (b != VM_EXITS && b != VM_IDLE)
		return 0;
	for (size_t i = 0; i < vm->nr_vcpus && !c; i++)
		if (vm->vcpus[i].vcpu == row->sub)
			c = &vm->vcpus[i];
	if (!c) {
		p = realloc(vm->vcpus, (vm->nr_vcpus + 1) * sizeof(*vm->vcpus));
		if (!p)
			return -ENOMEM;
		vm->vcpus = p;
		c = &vm->vcpus[vm->nr_vcpus++];
		memset(c, 0, sizeof(*c));
		c->vcpu = row->sub;
	}
	trap_row__add(b == VM_IDLE ? &c->idle : &c->exits, row);
	return 0;
}

static int vm_cmp(const void *a, const void *b)
{
	const struct vm_entity *x = a, *y = b;

	if (x->delta[VM_EXITS].count != y->delta[VM_EXITS].count)
		return x->delta[VM_EXITS].count > y->delta[VM_EXITS].count ? -1 : 1;
	if (x->total[VM_EXITS].count != y->total[VM_EXITS].count)
		return x->total[VM_EXITS].count > y->total[VM_EXITS].count ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static int row_count_cmp(const void *a, const void *b)
{
	const struct trap_row *x = *(const struct trap_row *const *)a;
	const struct trap_row *y = *(const struct trap_row *const *)b;

	if (x->count + x->skipped != y->count + y->skipped)
		return x->count + x->skipped > y->count + y->skipped ? -1 : 1;
	return 0;
}

int report__build_vms(struct report *r)
{
	size_t cap = 0;

	for (size_t i = 0; i < r->cum->nr_rows; i++) {
		const struct trap_row *row = &r->cum->rows[i];
		struct vm_entity *vm;

		if (!is_kvm(row))
			continue;
		vm = vm_find_or_add(r, row->owner, &cap);
		if (!vm || vm_add_row(vm, row))
			return -ENOMEM;
	}
	for (size_t i = 0; r->delta && i < r->delta->nr_rows; i++) {
		const struct trap_row *row = &r->delta->rows[i];

		if (!is_kvm(row))
			continue;
		for (size_t k = 0; k < r->nr_vms; k++)
			if (r->vms[k].pid == row->owner)
				trap_row__add(&r->vms[k].delta[vm_bucket_of(row)], row);
	}
	for (size_t k = 0; k < r->nr_vms; k++)
		qsort(r->vms[k].rows, r->vms[k].nr_rows, sizeof(const struct trap_row *),
		      row_count_cmp);
	if (r->nr_vms)
		qsort(r->vms, r->nr_vms, sizeof(*r->vms), vm_cmp);
	return 0;
}

void report__free_vms(struct report *r)
{
	for (size_t k = 0; k < r->nr_vms; k++) {
		free(r->vms[k].rows);
		free(r->vms[k].vcpus);
	}
	free(r->vms);
	r->vms = NULL;
	r->nr_vms = 0;
}

/* The busiest non-idle exit reason of a VM. */
static const struct trap_row *top_exit(const struct vm_entity *vm)
{
	for (size_t i = 0; i < vm->nr_rows; i++)	/* rows are sorted by count */
		if (vm_bucket_of(vm->rows[i]) == VM_EXITS)
			return vm->rows[i];
	return NULL;
}

void report__print_vms_text(const struct report *r, const struct report_text_opts *o, FILE *f)
{
	char b1[32], b2[32], name[64];

	if (!r->nr_vms)
		return;
	fprintf(f, "%-24s %-12s %10s %8s %8s %8s %8s %9s %9s  %s\n", "VM", "VMM", "EXITS/s",
		"IDLE/s", "HCALL/s", "KICK/s", "USER/s", "MEAN", "P99", "TOP EXIT");
	for (size_t i = 0; i < r->nr_vms && (!o->top || i < o->top); i++) {
		const struct vm_entity *vm = &r->vms[i];
		const struct trap_row *top = top_exit(vm), *ex = &vm->total[VM_EXITS];

		fprintf(f, "%-24.24s %-12s %10.1f %8.1f %8.1f %8.1f %8.1f %9s %9s  %s (%.0f%%)\n",
			vm->id.name, vmm_kind_name(vm->id.vmm),
			rate_per_sec(vm->delta[VM_EXITS].count, r->dt_ns),
			rate_per_sec(vm->delta[VM_IDLE].count, r->dt_ns),
			rate_per_sec(vm->delta[VM_HCALL].count, r->dt_ns),
			rate_per_sec(vm->delta[VM_NOTIFY].count, r->dt_ns),
			rate_per_sec(vm->delta[VM_USERSPACE].count, r->dt_ns),
			fmt_ns(trap_row_mean_ns(ex), b1, sizeof(b1)),
			fmt_ns(trap_row_quantile_ns(ex, P99), b2, sizeof(b2)),
			top ? trap_name(top->kind, top->code, name, sizeof(name)) : "-",
			top && ex->count ? 100.0 * top->count / ex->count : 0.0);
		for (size_t k = 0; k < vm->nr_rows && k < o->per_entity_syscalls; k++) {
			const struct trap_row *row = vm->rows[k];

			fprintf(f, "  %-22.22s %-12s %10llu %8s vcpu %-3u %8s %9s %9s\n",
				trap_name(row->kind, row->code, name, sizeof(name)),
				vm_bucket_name(vm_bucket_of(row)),
				(unsigned long long)row->count, "", row->sub, "",
				fmt_ns(trap_row_mean_ns(row), b1, sizeof(b1)),
				fmt_ns(trap_row_quantile_ns(row, P99), b2, sizeof(b2)));
		}
	}
}

static void json_kvm_row(FILE *f, const struct report *r, const struct trap_row *row)
{
	const struct trap_row *d = r->delta ? snapshot__find(r->delta, row) : NULL;
	char name[64];

	fprintf(f, "{\"kind\":\"%s\",\"vcpu\":%u,\"code\":%llu,\"name\":", trap_kind_name(row->kind),
		row->sub, (unsigned long long)row->code);
	report_json_str(f, trap_name(row->kind, row->code, name, sizeof(name)));
	fprintf(f, ",\"bucket\":\"%s\",\"paradigm\":\"%s\",", vm_bucket_name(vm_bucket_of(row)),
		paradigm_name(trap_paradigm(row->kind, row->code)));
	report_json_latency(f, row);
	fputs(",\"rate\":", f);
	report_json_num(f, d ? rate_per_sec(d->count, r->dt_ns) : 0.0);
	fputs(",\"hist\":[", f);
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)row->hist[i]);
	fputs("]}", f);
}

void report__print_vms_json(const struct report *r, FILE *f)
{
	fputs(",\"vms\":[", f);
	for (size_t i = 0; i < r->nr_vms; i++) {
		const struct vm_entity *vm = &r->vms[i];
		__u64 exits = vm->total[VM_EXITS].count;
		__u64 pv = vm->total[VM_HCALL].count + vm->total[VM_NOTIFY].count;

		if (vm->no_pid || vm->pid == (__u32)VFLOW_OWNER_GONE)
			fprintf(f, "%s{\"pid\":null,\"name\":", i ? "," : "");
		else
			fprintf(f, "%s{\"pid\":%u,\"name\":", i ? "," : "", vm->pid);
		report_json_str(f, vm->id.name);
		report_json_learnt(f, vm->origin, vm->gone_since_ns);
		fprintf(f, ",\"vmm\":\"%s\",\"libvirt\":%s,\"gone\":%s,\"paradigm\":\"fullvirt\","
			"\"paravirt_share\":", vmm_kind_name(vm->id.vmm),
			vm->id.libvirt ? "true" : "false", vm->gone ? "true" : "false");
		report_json_num(f, exits ? (double)pv / exits : 0.0);
		for (int b = 0; b < VM_BUCKET_MAX; b++) {
			fprintf(f, ",\"%s\":{", vm_bucket_name(b));
			report_json_latency(f, &vm->total[b]);
			fputs(",\"rate\":", f);
			report_json_num(f, rate_per_sec(vm->delta[b].count, r->dt_ns));
			fputc('}', f);
		}
		/* vCPU threads as the host schedules them; the guest's own scheduler is not visible */
		fputs(",\"sched_scope\":\"host half of the two-level scheduling\",\"model\":", f);
		report_json_model(f, &vm->model);
		fputs(",\"vcpus\":[", f);
		for (size_t k = 0; k < vm->nr_vcpus; k++) {
			fprintf(f, "%s{\"vcpu\":%u,\"exits\":{", k ? "," : "", vm->vcpus[k].vcpu);
			report_json_latency(f, &vm->vcpus[k].exits);
			fputs("},\"idle\":{", f);
			report_json_latency(f, &vm->vcpus[k].idle);
			fputs("}}", f);
		}
		fputs("],\"reasons\":[", f);
		for (size_t k = 0; k < vm->nr_rows; k++) {
			if (k)
				fputc(',', f);
			json_kvm_row(f, r, vm->rows[k]);
		}
		fputs("]}", f);
	}
	fputc(']', f);
}
