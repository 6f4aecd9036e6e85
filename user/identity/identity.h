/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Who an entity is: the one answer every output gives (vflowd's table and
 * JSON, the exporter, vflowtop, dumps). An identity is learnt when the
 * entity is first seen - a cgroup when it is made (cgroup:cgroup_mkdir,
 * streamed by bpf/identity.bpf.c) or found by the walk at start, else at
 * its first trap - and kept after the entity goes: its name, path,
 * runtime and paradigm never change because it was removed. "Gone" is a
 * flag and a time, not a new identity. Only a rename changes the path.
 *
 * The table does no I/O; identity_walk.c reads cgroupfs for the walk at
 * start. docs/IDENTITY.md describes the lifecycle.
 */
#ifndef VFLOW_IDENTITY_H
#define VFLOW_IDENTITY_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "host/runtime.h"
#include "host/sandbox.h"
#include "host/vmident.h"
#include "host/workload.h"

enum identity_kind {
	IDENTITY_CGROUP = 0,	/* id: the cgroup v2 id */
	IDENTITY_PROCESS,	/* id: the pid (tgid) of a sandboxed process, a VMM, a supervisor */
	IDENTITY_KIND_MAX,
};

/* How the identity was first learnt. */
enum identity_origin {
	IDENTITY_FROM_MKDIR = 0,	/* the kernel's cgroup_mkdir event */
	IDENTITY_FROM_WALK,		/* the walk of cgroupfs at start */
	IDENTITY_FROM_LOOKUP,		/* looked up at its first trap */
	IDENTITY_FROM_DUMP,		/* a dump's entity table */
	IDENTITY_FROM_NOTHING,		/* first seen removed: nothing of it remained */
	IDENTITY_ORIGIN_MAX,
};

/*
 * What /proc said of a process when it was first seen trapping (its
 * sandbox and VM identities, each read when a trap of that paradigm
 * first named it), kept after it exits.
 */
struct identity_process {
	bool has_sandbox, has_vm;
	struct sandbox_info sandbox;	/* host/sandbox.h: kind, role, name */
	struct vmident vm;		/* host/vmident.h: VMM, name */
	bool exit_followed;		/* its exit is an event (sched_process_exit), not looked for */
};

struct identity {
	enum identity_kind kind;
	__u64 id;
	enum identity_origin origin;
	char *path;			/* cgroup path below the cgroup2 root; NULL: never known */
	struct workload wl;		/* runtime, paradigm, container id and name, from the path */
	struct runtime_names *names;	/* what the runtime said; NULL: nothing (most cgroups) */
	struct identity_process *proc;	/* IDENTITY_PROCESS: what it is; NULL for a cgroup */
	__u64 first_seen_ns;		/* CLOCK_MONOTONIC */
	__u64 last_seen_ns;		/* last time it was seen existing */
	__u64 gone_since_ns;		/* removed at; 0: exists (as far as known) */
	bool gone;
};

/* Identities by (kind, id), in an open-addressing table. */
struct identity_table {
	struct identity *slots;		/* capacity a power of two, at most half full; id 0 empty */
	size_t nr, cap;
	__u64 renames;			/* cgroup_rename events applied */
};

void identity_table__init(struct identity_table *t);
void identity_table__free(struct identity_table *t);

/* The identity of (@kind, @id), or NULL when none is known. */
const struct identity *identity__find(const struct identity_table *t, enum identity_kind kind,
				      __u64 id);

/*
 * A cgroup seen existing at @path (relative to the cgroup2 root) at @now_ns.
 * Learnt once: a known cgroup keeps its path (only identity__cgroup_renamed
 * changes it); its last_seen moves on. 0, -EINVAL (id 0, a path not
 * starting with '/') or -ENOMEM.
 */
int identity__cgroup_seen(struct identity_table *t, __u64 id, const char *path,
			  enum identity_origin origin, __u64 now_ns);
/* A cgroup moved to @path (cgroup_rename): the path and the names from it change. */
int identity__cgroup_renamed(struct identity_table *t, __u64 id, const char *path, __u64 now_ns);
/*
 * A cgroup removed at @now_ns: flagged gone, named as before. One never
 * seen is recorded as gone with no path (origin NOTHING). 0 or -ENOMEM.
 */
int identity__cgroup_removed(struct identity_table *t, __u64 id, __u64 now_ns);
/*
 * The runtime's names for a container cgroup: kept once given, a later
 * empty answer changes nothing. 0, -ENOENT (no such identity) or -ENOMEM.
 */
int identity__set_names(struct identity_table *t, __u64 id, const struct runtime_names *n);
/*
 * A process seen at its first trap (or a later one of another paradigm):
 * @sb and @vm (either may be NULL) are what /proc said of it then. Each
 * is learnt once and kept: a process that exits reads as less than it
 * was. A process known gone that is seen again after its exit is a new
 * process with a reused pid: learnt afresh. 0, -EINVAL (pid 0) or -ENOMEM.
 */
int identity__process_seen(struct identity_table *t, __u32 pid, const struct sandbox_info *sb,
			   const struct vmident *vm, enum identity_origin origin, __u64 now_ns);
/*
 * @pid exited at @now_ns: flagged gone, named as before. One never seen is
 * recorded gone with nothing known (origin NOTHING). 0 or -ENOMEM.
 */
int identity__process_exited(struct identity_table *t, __u32 pid, __u64 now_ns);
/* Its exit will come as an event: no need to look for it. -ENOENT: not known. */
int identity__process_exit_followed(struct identity_table *t, __u32 pid);
/* Drop (@kind, @id): the entity left every output (its rows were folded away). */
void identity__forget(struct identity_table *t, enum identity_kind kind, __u64 id);

/*
 * Forget every identity gone before @before_ns that @keep (may be NULL)
 * does not want kept: cgroups made and removed without a trap counted
 * (a systemd unit's, say), which no output names. How many were forgotten.
 */
size_t identity__sweep_gone(struct identity_table *t, __u64 before_ns,
			    bool (*keep)(void *ctx, const struct identity *e), void *ctx);

/* "mkdir", "walk", "lookup", "dump", "nothing" */
const char *identity_origin_name(enum identity_origin o);

/*
 * Walk the cgroup2 hierarchy mounted at @root (or a tree standing for it)
 * and learn every cgroup in it as seen at @now_ns (origin WALK). 0, or
 * -errno when @root cannot be walked.
 */
int identity__walk_cgroups(struct identity_table *t, const char *root, __u64 now_ns);

#endif
