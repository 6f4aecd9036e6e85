/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What every BPF object reports besides its aggregates: the counters of
 * enum vflow_counter (events not recorded, and why) and the flight
 * recorder's samples in the events ring buffer.
 *
 * Each object has its own counters map; user space sums them. The events
 * ring buffer is declared in each object too, but the engine makes them
 * one map (bpf_map__reuse_fd) so that one reader sees every sample.
 */
#ifndef VFLOW_EVENTS_BPF_H
#define VFLOW_EVENTS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vflow.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VFLOW_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VFLOW_EVENTS_RINGBUF_BYTES);
} events SEC(".maps");

/*
 * The flight recorder, per enum vflow_rec_class: 1 in rec_sample[class]
 * traps per CPU (0: none) and every trap at least rec_slow_ns[class] long
 * are streamed as events. Set by user space before load.
 */
const volatile __u32 rec_sample[VFLOW_REC_MAX] = {
	VFLOW_DEFAULT_SAMPLE_SYSCALL, VFLOW_DEFAULT_SAMPLE_VM, VFLOW_DEFAULT_SAMPLE_SANDBOX,
};
const volatile __u64 rec_slow_ns[VFLOW_REC_MAX] = {
	VFLOW_DEFAULT_SLOW_NS, VFLOW_DEFAULT_SLOW_VM_NS, VFLOW_DEFAULT_SLOW_SANDBOX_NS,
};

static __always_inline void counter_inc(__u32 idx)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += 1;
}

/*
 * Sample or slow: the flags of a trap of @class to stream, 0 to let it
 * pass. @sampled is this CPU's count of the class's traps since its last
 * sample (NULL: no sampling, only the slow bound).
 */
static __always_inline __u32 rec_flags(__u32 class, __u32 *sampled, __u64 lat)
{
	__u32 flags = 0;

	if (rec_sample[class] && sampled && ++*sampled >= rec_sample[class]) {
		*sampled = 0;
		flags = VFLOW_EVF_SAMPLED;
	}
	if (rec_slow_ns[class] && lat >= rec_slow_ns[class])
		flags |= VFLOW_EVF_SLOW;
	return flags;
}

/* Submit flags for a sample: wake the reader only when much is waiting. */
#define RINGBUF_WAKEUP(rb) \
	(bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >= VFLOW_EVENTS_WAKEUP_BYTES ? \
	 BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP)

/* Room for one event, or NULL when the ring buffer is full (counted). */
static __always_inline struct vflow_event *event_reserve(void)
{
	struct vflow_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		counter_inc(VFLOW_CNT_RINGBUF_DROP);
	return e;
}

/* Hand @e to the reader; @now: wake it at once rather than when much is waiting. */
static __always_inline void event_submit(struct vflow_event *e, bool now)
{
	bpf_ringbuf_submit(e, now ? BPF_RB_FORCE_WAKEUP : RINGBUF_WAKEUP(&events));
}

/* Stream one event of the current task. */
static __always_inline void emit_event(__u32 kind, __u32 trap, __u32 flags, __u64 code, __u64 cgid,
				       __u64 now, __u64 lat, long ret, __u32 sub)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct vflow_event *e = event_reserve();

	if (!e)
		return;
	e->kind = kind;
	e->trap = trap;
	e->flags = flags;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->cgroup_id = cgid;
	e->ts_ns = now;
	e->latency_ns = lat;
	e->code = code;
	e->ret = ret;
	e->sub = sub;
	e->aux_trap = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* a new sandbox process or VMM must be named before it exits: at once */
	event_submit(e, kind == VFLOW_EV_SANDBOX_PROC || kind == VFLOW_EV_VM_PROC);
}

#endif
