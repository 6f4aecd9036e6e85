// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "core/engine_status.h"

static const char *const counter_names[VFLOW_CNT_MAX] = {
	[VFLOW_CNT_KEYS_FULL] = "keys_full",
	[VFLOW_CNT_TASK_STORAGE_FAIL] = "task_storage_fail",
	[VFLOW_CNT_RINGBUF_DROP] = "ringbuf_drop",
	[VFLOW_CNT_INFLIGHT_AT_START] = "inflight_at_start",
	[VFLOW_CNT_FORK_RETURN] = "fork_return",
	[VFLOW_CNT_NR_OUT_OF_RANGE] = "nr_out_of_range",
	[VFLOW_CNT_KVM_KEYS_FULL] = "kvm_keys_full",
	[VFLOW_CNT_KVM_LOST_ENTRY] = "kvm_lost_entry",
	[VFLOW_CNT_KVM_UNPAIRED_ENTRY] = "kvm_unpaired_entry",
	[VFLOW_CNT_KVM_VCPU_FULL] = "kvm_vcpu_full",
	[VFLOW_CNT_SANDBOX_KEYS_FULL] = "sandbox_keys_full",
	[VFLOW_CNT_NOTIF_UNMATCHED] = "notif_unmatched",
	[VFLOW_CNT_NOTIF_FULL] = "notif_full",
	[VFLOW_CNT_SCHED_KEYS_FULL] = "sched_keys_full",
};

const char *engine_counter_name(enum vflow_counter c)
{
	return c < VFLOW_CNT_MAX && counter_names[c] ? counter_names[c] : "unknown";
}

bool engine_counter_is_loss(enum vflow_counter c)
{
	return c == VFLOW_CNT_KEYS_FULL || c == VFLOW_CNT_TASK_STORAGE_FAIL ||
	       c == VFLOW_CNT_RINGBUF_DROP || c == VFLOW_CNT_NR_OUT_OF_RANGE ||
	       c == VFLOW_CNT_KVM_KEYS_FULL || c == VFLOW_CNT_KVM_VCPU_FULL ||
	       c == VFLOW_CNT_SANDBOX_KEYS_FULL || c == VFLOW_CNT_NOTIF_FULL ||
	       c == VFLOW_CNT_SCHED_KEYS_FULL;
}
