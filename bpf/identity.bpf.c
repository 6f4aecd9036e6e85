// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Who an entity is, learnt when it appears: every cgroup of the cgroup v2
 * hierarchy made, removed or renamed, with its id, level and path, streamed
 * to user space (user/identity/). A cgroup made and removed within one
 * report interval is named all the same. Its own ring buffer, so that a
 * storm of trap samples never crowds out a name; a record that finds it
 * full is counted in cgroup_events_lost.
 *
 * The exit of a process user space follows (a sandbox, a VMM, a notify
 * supervisor it named at its first trap) goes on the same ring, so that
 * its name is kept as a flag "gone", not read again from a /proc that no
 * longer has it. Only followed processes are reported: the filter is in
 * the kernel, the group leader's exit of a pid not in followed_procs
 * costs one hash lookup.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "vflow.h"

/* the cgroup v2 hierarchy's id: the default root is set up first, as 0 */
#define CGROUP2_HIERARCHY_ID 0
/* __data_loc: offset in the low 16 bits, length in the high 16 */
#define DATA_LOC_OFFSET(loc) ((loc) & 0xffff)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, VFLOW_CGROUP_RINGBUF_BYTES);
} cgroup_events SEC(".maps");

/* tgid -> 1: processes whose exit user space wants to hear of (it adds them) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VFLOW_FOLLOWED_PROCS);
	__type(key, __u32);
	__type(value, __u8);
} followed_procs SEC(".maps");

__u64 cgroup_events_lost;

static __always_inline int emit(struct trace_event_raw_cgroup *ctx, __u32 op)
{
	struct vflow_cgroup_event *ev;

	if (ctx->root != CGROUP2_HIERARCHY_ID)
		return 0;	/* a cgroup v1 hierarchy: its ids are no bpf_get_current_cgroup_id() */
	ev = bpf_ringbuf_reserve(&cgroup_events, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&cgroup_events_lost, 1);
		return 0;
	}
	ev->op = op;
	ev->level = ctx->level;
	ev->id = ctx->id;
	ev->ts_ns = bpf_ktime_get_ns();
	if (bpf_probe_read_kernel_str(ev->path, sizeof(ev->path),
				      (void *)ctx + DATA_LOC_OFFSET(ctx->__data_loc_path)) < 0)
		ev->path[0] = '\0';
	/*
	 * A new cgroup wakes the reader at once: its runtime is asked for its
	 * names while it still knows the container (a short --rm one is gone
	 * within a poll slice). A removal or a rename wakes it only when a
	 * quarter of the ring waits: a wakeup is an irq_work, a self-IPI,
	 * which in a VM is an exit (17 us a record measured here, against
	 * 1.3 us without); the reader finds them when its poll times out
	 * (every 100 ms at most), and before every snapshot.
	 */
	bpf_ringbuf_submit(ev, op == VFLOW_CGROUP_MKDIR ||
			       bpf_ringbuf_query(&cgroup_events, BPF_RB_AVAIL_DATA) >=
			       VFLOW_CGROUP_RINGBUF_BYTES / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tracepoint/cgroup/cgroup_mkdir")
int cgroup_mkdir(struct trace_event_raw_cgroup *ctx)
{
	return emit(ctx, VFLOW_CGROUP_MKDIR);
}

SEC("tracepoint/cgroup/cgroup_rmdir")
int cgroup_rmdir(struct trace_event_raw_cgroup *ctx)
{
	return emit(ctx, VFLOW_CGROUP_RMDIR);
}

SEC("tracepoint/cgroup/cgroup_rename")
int cgroup_rename(struct trace_event_raw_cgroup *ctx)
{
	return emit(ctx, VFLOW_CGROUP_RENAME);
}

SEC("tracepoint/sched/sched_process_exit")
int process_exit(struct trace_event_raw_sched_process_exit *ctx)
{
	struct vflow_cgroup_event *ev;
	__u32 tgid;

	if (!ctx->group_dead)
		return 0;	/* a thread; the process lives on */
	tgid = bpf_get_current_pid_tgid() >> 32;
	if (!bpf_map_lookup_elem(&followed_procs, &tgid))
		return 0;
	/* followed once: the pid may be reused by a process nobody named */
	bpf_map_delete_elem(&followed_procs, &tgid);
	ev = bpf_ringbuf_reserve(&cgroup_events, sizeof(*ev), 0);
	if (!ev) {
		__sync_fetch_and_add(&cgroup_events_lost, 1);
		return 0;
	}
	ev->op = VFLOW_PROC_EXIT;
	ev->level = 0;
	ev->id = tgid;
	ev->ts_ns = bpf_ktime_get_ns();
	/* the exiting task is current: its comm, NUL-terminated */
	bpf_get_current_comm(ev->path, sizeof(ctx->comm));
	/*
	 * Not urgent: the exit time is in the record, and user space takes
	 * every ring's records before each snapshot. A wakeup from the exit
	 * path costs more than the rest of this program (docs/IDENTITY.md).
	 */
	bpf_ringbuf_submit(ev, BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
