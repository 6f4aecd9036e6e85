/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared by the BPF objects: the trap aggregate's lookup-or-create and its
 * accounting (after libbpf-tools' maps.bpf.h).
 */
#ifndef VFLOW_TRAP_BPF_H
#define VFLOW_TRAP_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vflow.h"

static const struct vflow_trap_val trap_zero_val;

/*
 * The value of @key in the per-CPU hash @map, created zeroed if missing;
 * NULL when the map is full (the caller counts that). -EEXIST from a
 * concurrent create on another CPU is fine: this CPU's copy is zeroed.
 */
static __always_inline struct vflow_trap_val *trap_val_get(void *map, const void *key)
{
	struct vflow_trap_val *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	bpf_map_update_elem(map, key, &trap_zero_val, BPF_NOEXIST);
	return bpf_map_lookup_elem(map, key);
}

/* One timed trap of @lat ns. */
static __always_inline void trap_val_account(struct vflow_trap_val *v, __u64 lat)
{
	__u32 slot = vflow_hist_slot(lat);

	v->count += 1;
	v->total_ns += lat;
	/*
	 * vflow_hist_slot() has clamped already, so clang may drop this check
	 * as redundant and the verifier then sees an unbounded index ("R0
	 * unbounded memory access"). barrier_var() hides the value from the
	 * compiler: the check stays in the object for the verifier.
	 */
	barrier_var(slot);
	if (slot < VFLOW_HIST_SLOTS)
		v->hist[slot] += 1;
}

#endif
