/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The in-kernel entity filter (vflowd --cgroup), shared by the BPF objects:
 * when filter_cgroup is set, only tasks in the cgroup in slot 0 of
 * cgroup_filter, or below it, are traced; the others pay one helper call.
 * Each object has its own copy, which user space fills alike.
 */
#ifndef VFLOW_FILTER_BPF_H
#define VFLOW_FILTER_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile bool filter_cgroup = false;

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

static __always_inline bool filtered_out(void)
{
	return filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1;
}

#endif
