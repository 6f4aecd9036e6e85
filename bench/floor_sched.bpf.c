// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor for the scheduler programs: an empty program on sched_switch,
 * of the type vflow uses there (tp_btf, raw_tp where tp_btf is refused).
 * bench/suite.sh compares vflow's sched_switch programs against it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_switch")
int BPF_PROG(floor_switch_btf) { return 0; }

SEC("raw_tp/sched_switch")
int BPF_PROG(floor_switch_raw) { return 0; }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
