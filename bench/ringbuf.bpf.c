// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Ring-buffer throughput: one SEC("syscall") program, run through
 * BPF_PROG_TEST_RUN, reserves and submits ctx->n events of
 * sizeof(struct vflow_event) into a ring buffer the size vflow uses
 * (VFLOW_EVENTS_RINGBUF_BYTES). Failed reservations (the buffer is full:
 * the consumer fell behind) are counted in a global, as vflow counts
 * VFLOW_CNT_RINGBUF_DROP. bench/ringbuf.c is the consumer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vflow.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VFLOW_EVENTS_RINGBUF_BYTES);
} events SEC(".maps");

__u64 submitted;
__u64 reserve_fail;

struct rb_args {
	__u32 n;
	__u32 pad;
};

static long produce_one(__u64 i, void *ctx)
{
	struct vflow_event *ev = bpf_ringbuf_reserve(&events, sizeof(*ev), 0);

	if (!ev) {
		__sync_fetch_and_add(&reserve_fail, 1);
		return 0;
	}
	ev->kind = 0;
	ev->code = 39;
	ev->pid = 1;
	ev->tid = (__u32)i;
	ev->cgroup_id = 1;
	ev->ts_ns = i;
	ev->latency_ns = 1000;
	ev->ret = 0;
	__builtin_memset(ev->comm, 0, sizeof(ev->comm));
	bpf_ringbuf_submit(ev, 0);
	__sync_fetch_and_add(&submitted, 1);
	return 0;
}

SEC("syscall")
int produce(struct rb_args *args)
{
	__u32 n = args->n;

	if (n > 1 << 20)
		n = 1 << 20;
	return bpf_loop(n, produce_one, NULL, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
