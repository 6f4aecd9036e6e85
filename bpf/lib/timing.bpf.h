/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sampled timing of the syscall path: every syscall is counted, and 1 in
 * sys_time_period (per CPU, on average) is timed: only those pay the two
 * clock reads. 1 (the default) times every syscall.
 *
 * A fixed 1-in-N would alias with periodic workloads (a pipe ping-pong
 * makes 4 syscalls per round trip on one CPU: with N a multiple of 4 only
 * one of them would ever be timed). The gap to the next timed syscall is
 * drawn uniformly from [1, 2N-1] (mean N) instead; the phase of the
 * timed syscalls in any period then spreads evenly (a circulant chain's
 * stationary distribution is uniform), so each syscall is timed with
 * probability 1/N whatever the pattern. Random draws cost only at the
 * timed syscalls.
 */
#ifndef VFLOW_TIMING_BPF_H
#define VFLOW_TIMING_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "lib/task_state.bpf.h"

/* Written by user space while tracing (the adaptive mode changes it): a global, not rodata. */
__u32 sys_time_period = 1;

/* Should this CPU's syscall now entering be timed? */
static __always_inline bool sys_time_this(struct cpu_slot *slot)
{
	__u32 period = sys_time_period, r;

	if (period <= 1)
		return true;
	if (slot->time_countdown > 1) {
		slot->time_countdown--;
		return false;
	}
	/* xorshift32 (Marsaglia): never 0 once seeded with an odd value */
	r = slot->time_rng ? slot->time_rng : bpf_get_prandom_u32() | 1;
	r ^= r << 13;
	r ^= r >> 17;
	r ^= r << 5;
	slot->time_rng = r;
	slot->time_countdown = 1 + r % (2 * period - 1);
	return true;
}

#endif
