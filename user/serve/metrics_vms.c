// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The exporter's VMs: KVM traps and their latency per VM and bucket, the busiest exit reasons. */
#define _GNU_SOURCE
#include <stdlib.h>
#include "core/trap.h"
#include "serve/metrics_internal.h"

/* Every bucket before this one is timed; interrupt injection and Xen multicalls are only counted. */
#define VM_TIMED_BUCKETS VM_IRQ

/* The bucket rows of VM @i, or of "other" (i == nr_vms): counts, or histograms of the timed. */
static void vm_buckets(struct out *o, const struct report *r, size_t i,
		       const struct trap_row rows[VM_BUCKET_MAX], bool histograms)
{
	bool is_other = i == r->nr_vms;
	const char *name = is_other ? "other" : r->vms[i].id.name;
	const char *vmm = is_other ? "" : vmm_kind_name(r->vms[i].id.vmm);

	for (int b = 0; b < (histograms ? VM_TIMED_BUCKETS : VM_BUCKET_MAX); b++) {
		const char *const kv[] = { "vm", name, "vmm", vmm, "bucket", vm_bucket_name(b), NULL };

		if (histograms)
			out_histogram(o, "vflow_vm_exit_latency_seconds", kv, &rows[b]);
		else
			out_sample(o, "vflow_vm_exits_total", kv, rows[b].count);
	}
}

void metrics_render_vms(struct out *o, const struct report *r, const struct metrics_names *names)
{
	const bool *use = names->named[METRICS_VM];
	struct trap_row other[VM_BUCKET_MAX] = {};
	bool any_other = false;
	char rbuf[64];

	for (size_t i = 0; i < r->nr_vms; i++) {
		const struct vm_entity *vm = &r->vms[i];

		for (int b = 0; !use[i] && b < VM_BUCKET_MAX; b++) {
			trap_row__add(&other[b], &vm->total[b]);
			any_other = true;
		}
	}
	/* a family's samples must follow its TYPE line: one pass per family */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 0)
			out_family(o, "vflow_vm_exits_total", "counter", "KVM traps per VM and bucket.");
		else
			out_family(o, "vflow_vm_exit_latency_seconds", "histogram",
				   "KVM trap latency per VM and bucket.");
		for (size_t i = 0; i <= r->nr_vms; i++) {
			if (i == r->nr_vms ? !any_other : !use[i])
				continue;
			vm_buckets(o, r, i, i == r->nr_vms ? other : r->vms[i].total, pass == 1);
		}
	}
	out_family(o, "vflow_vm_exit_reasons_total", "counter", "VM exits per VM and reason (busiest 10).");
	for (size_t i = 0; i < r->nr_vms; i++) {
		const struct vm_entity *vm = &r->vms[i];
		size_t shown = 0;

		if (!use[i])
			continue;
		/* rows are busiest first; several vCPUs share a reason: sum them */
		for (size_t k = 0; k < vm->nr_rows && shown < TOP_PER_ENTITY; k++) {
			const struct trap_row *row = vm->rows[k];
			__u64 sum = 0;
			bool dup = false;

			if (vm_bucket_of(row) != VM_EXITS && vm_bucket_of(row) != VM_IDLE)
				continue;
			for (size_t j = 0; j < k && !dup; j++)
				dup = vm->rows[j]->kind == row->kind && vm->rows[j]->code == row->code;
			if (dup)
				continue;
			for (size_t j = k; j < vm->nr_rows; j++)
				if (vm->rows[j]->kind == row->kind && vm->rows[j]->code == row->code)
					sum += vm->rows[j]->count;
			out_sample(o, "vflow_vm_exit_reasons_total", (const char *const[]){ "vm", vm->id.name,
				   "reason", trap_name(row->kind, row->code, rbuf, sizeof(rbuf)), NULL },
				   sum);
			shown++;
		}
	}
}
