// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The identity object (bpf/identity.bpf.c): cgroups made, removed and
 * renamed, streamed on a ring buffer of their own that the engine polls
 * with the samples' and hands to opts.on_cgroup. Optional: a kernel
 * without the cgroup tracepoints (or a test-run engine) names cgroups
 * at their first trap instead, and lists the probes as absent. The
 * exits of the processes the caller follows (engine__follow_process)
 * come on the same ring, as VFLOW_PROC_EXIT records.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "engine/engine_internal.h"
#include "engine/load_diag.h"
#include "engine/probe.h"

static int cgroup_event_cb(void *ctx, void *data, size_t size)
{
	struct engine *e = ctx;
	struct vflow_cgroup_event ev;

	if (size < sizeof(ev))
		return 0;
	/* the ring is mapped read-only: terminate a copy */
	memcpy(&ev, data, sizeof(ev));
	ev.path[sizeof(ev.path) - 1] = '\0';
	if (e->opts.on_cgroup)
		e->opts.on_cgroup(e->opts.ctx, &ev);
	return 0;
}

struct identity_prog {
	const char *category, *name;	/* the tracepoint */
	size_t prog, link;	/* offsets in struct identity_bpf */
	bool required;		/* without it, the object is not worth loading */
};

static const struct identity_prog identity_progs[] = {
	{ "cgroup", "cgroup_mkdir", offsetof(struct identity_bpf, progs.cgroup_mkdir),
	  offsetof(struct identity_bpf, links.cgroup_mkdir), true },
	{ "cgroup", "cgroup_rmdir", offsetof(struct identity_bpf, progs.cgroup_rmdir),
	  offsetof(struct identity_bpf, links.cgroup_rmdir), true },
	/* kernels before 4.19 have no cgroup_rename: a rename is then seen at the next walk */
	{ "cgroup", "cgroup_rename", offsetof(struct identity_bpf, progs.cgroup_rename),
	  offsetof(struct identity_bpf, links.cgroup_rename), false },
	/* without it, a followed process's exit is found by a kill(pid, 0) before each report */
	{ "sched", "sched_process_exit", offsetof(struct identity_bpf, progs.process_exit),
	  offsetof(struct identity_bpf, links.process_exit), false },
};

static void all_absent(struct engine *e, const char *why)
{
	char name[ENGINE_PROBE_NAME_LEN];

	for (size_t i = 0; i < ARRAY_SIZE(identity_progs); i++) {
		snprintf(name, sizeof(name), "%s:%s", identity_progs[i].category,
			 identity_progs[i].name);
		engine_probe_add(e, name, "tracepoint", false, why);
	}
}

static int identity_load(struct engine *e, bool present[])
{
	for (size_t i = 0; i < ARRAY_SIZE(identity_progs); i++) {
		struct bpf_program **p = (struct bpf_program **)((char *)e->ident +
								  identity_progs[i].prog);

		present[i] = probe_tracepoint(identity_progs[i].category, identity_progs[i].name);
		if (!present[i] && identity_progs[i].required)
			return -ENOENT;
		bpf_program__set_autoload(*p, present[i]);
	}
	load_diag_reset();
	return identity_bpf__load(e->ident);
}

void engine_identity_open(struct engine *e)
{
	bool present[ARRAY_SIZE(identity_progs)];
	char name[ENGINE_PROBE_NAME_LEN];
	int ret;

	if (!e->opts.on_cgroup || !e->rb)
		return;
	e->ident = identity_bpf__open();
	ret = e->ident ? identity_load(e, present) : -errno;
	if (!ret)
		ret = ring_buffer__add(e->rb, bpf_map__fd(e->ident->maps.cgroup_events),
				       cgroup_event_cb, e);
	if (ret) {
		identity_bpf__destroy(e->ident);
		e->ident = NULL;
		all_absent(e, ret == -ENOENT ? "tracepoint absent on this kernel: cgroups named at "
			   "their first trap" : "failed to load: cgroups named at their first trap");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(identity_progs); i++) {
		const struct identity_prog *ip = &identity_progs[i];
		struct bpf_link **link = (struct bpf_link **)((char *)e->ident + ip->link);

		snprintf(name, sizeof(name), "%s:%s", ip->category, ip->name);
		if (!present[i]) {
			engine_probe_add(e, name, "tracepoint", false, "tracepoint absent on this kernel");
			continue;
		}
		*link = bpf_program__attach(*(struct bpf_program **)((char *)e->ident + ip->prog));
		engine_probe_add(e, name, "tracepoint", *link != NULL, *link ? NULL : strerror(errno));
	}
}

bool engine__streams_cgroups(const struct engine *e)
{
	return e && e->ident;
}

bool engine__streams_exits(const struct engine *e)
{
	return e && e->ident && e->ident->links.process_exit;
}

int engine__follow_process(struct engine *e, __u32 pid)
{
	__u8 one = 1;

	if (!engine__streams_exits(e))
		return -EOPNOTSUPP;
	/* E2BIG when full: that process's exit is then looked for, not heard */
	return bpf_map_update_elem(bpf_map__fd(e->ident->maps.followed_procs), &pid, &one, BPF_ANY)
		? -errno : 0;
}

__u64 engine__cgroup_events_lost(const struct engine *e)
{
	return e->ident && e->ident->bss ? e->ident->bss->cgroup_events_lost : 0;
}
