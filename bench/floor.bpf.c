// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The floor: empty programs on the tracepoints vflow uses, of the same types. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sys_enter")
int BPF_PROG(floor_enter_btf) { return 0; }

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_exit_btf) { return 0; }

SEC("raw_tp/sys_enter")
int BPF_PROG(floor_enter_raw) { return 0; }

SEC("raw_tp/sys_exit")
int BPF_PROG(floor_exit_raw) { return 0; }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
