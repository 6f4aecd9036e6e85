// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Empty programs for bench/testrun: what BPF_PROG_TEST_RUN accepts for
 * each program type vflow uses (and XDP, a type that accepts repeat), and
 * the empty SEC("syscall") twin of the KVM test-run program.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sys_enter")
int BPF_PROG(empty_tp_btf) { return 0; }

SEC("raw_tp/sys_enter")
int BPF_PROG(empty_raw_tp) { return 0; }

SEC("tracepoint/raw_syscalls/sys_enter")
int empty_tracepoint(void *ctx) { return 0; }

SEC("syscall")
int empty_syscall(void *ctx) { return 0; }

SEC("xdp")
int empty_xdp(struct xdp_md *ctx) { return XDP_PASS; }

char LICENSE[] SEC("license") = "Dual BSD/GPL";
