// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The four sources behind one interface (source/source.h): each kind
 * answers the same questions from its own data. The replay's and the
 * import's opening are source_replay.c and source_import.c (the import
 * links the capture readers: vflowd only).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "host/procfs.h"
#include "source/source.h"

#define NS_PER_SEC 1000000000ULL
/* "pid (comm) S": a comm is at most 16 bytes, but a task may rename itself with parentheses */
#define PROC_STAT_PREFIX_LEN 160
#define PF_EXITING 0x00000004	/* include/linux/sched.h: in do_exit() */

__u64 source__now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_SEC + (__u64)ts.tv_nsec;
}

/* A cgroup made, removed or renamed: learnt when it happens, not at report time. */
static void live_cgroup(void *ctx, const struct vflow_cgroup_event *ev)
{
	struct source *s = ctx;

	switch (ev->op) {
	case VFLOW_CGROUP_MKDIR:
		identity__cgroup_seen(&s->ident, ev->id, ev->path, IDENTITY_FROM_MKDIR, ev->ts_ns);
		/* asked now, while the runtime still knows the container */
		source__name_cgroup(s, ev->id);
		break;
	case VFLOW_CGROUP_RMDIR:
		/* its path too: one made before the walk and removed before a trap */
		identity__cgroup_seen(&s->ident, ev->id, ev->path, IDENTITY_FROM_MKDIR, ev->ts_ns);
		identity__cgroup_removed(&s->ident, ev->id, ev->ts_ns);
		break;
	case VFLOW_CGROUP_RENAME:
		identity__cgroup_renamed(&s->ident, ev->id, ev->path, ev->ts_ns);
		break;
	case VFLOW_PROC_EXIT:
		/* a process named at its first trap: its name stays, flagged gone */
		identity__process_exited(&s->ident, (__u32)ev->id, ev->ts_ns);
		break;
	}
}

/*
 * /proc/PID/stat says it is exiting or exited: PF_EXITING set (do_exit()
 * sets it before the exit tracepoint fires), a zombie, or no such process.
 */
static bool process_exited(__u32 pid)
{
	char stat[PROC_STAT_PREFIX_LEN], state;
	ssize_t n = procfs_read((pid_t)pid, "stat", stat, sizeof(stat) - 1);
	unsigned int flags;
	const char *p;

	if (n <= 0)
		return n == -ENOENT || n == -ESRCH;
	stat[n] = '\0';
	/* "pid (comm) S ppid pgrp session tty_nr tpgid flags": the last ')' ends comm */
	p = strrchr(stat, ')');
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2)
		return false;
	return state == 'Z' || state == 'X' || (flags & PF_EXITING);
}

void source__process_seen(struct source *s, __u32 pid, const struct sandbox_info *sb,
			  const struct vmident *vm, __u64 now_ns)
{
	const struct identity *known = identity__find(&s->ident, IDENTITY_PROCESS, pid);
	bool followed = known && known->proc && known->proc->exit_followed && !known->gone;

	if (identity__process_seen(&s->ident, pid, sb, vm, IDENTITY_FROM_LOOKUP, now_ns))
		return;
	/* its exit an event from now on: the report never looks for it */
	if (followed || engine__follow_process(s->e, pid))
		return;
	identity__process_exit_followed(&s->ident, pid);
	/*
	 * It may have exited between the read and the follow: then no event
	 * comes. A zombie has exited already (its exit event fired); one not
	 * there is reaped.
	 */
	if (process_exited(pid))
		identity__process_exited(&s->ident, pid, source__now_ns());
}

/* Ring-buffer events of a live engine: sandbox processes named at their first trap, traps passed on. */
static void live_event(void *ctx, const struct vflow_event *ev)
{
	struct source *s = ctx;
	struct sandbox_info info;
	struct proc_sched unused;
	const struct identity *known;

	if (ev->kind == VFLOW_EV_TRAP) {
		if (s->on_trap)
			s->on_trap(s->trap_ctx, ev);
		return;
	}
	known = identity__find(&s->ident, IDENTITY_PROCESS, ev->pid);
	if (ev->kind == VFLOW_EV_VM_PROC) {
		struct vmident vm;

		if (known && known->proc->has_vm && !known->gone)
			return;
		if (!vmident_read(ev->pid, &vm))
			source__process_seen(s, ev->pid, NULL, &vm, ev->ts_ns);
		else if (!known)
			identity__process_exited(&s->ident, ev->pid, ev->ts_ns);
		return;
	}
	if (ev->kind != VFLOW_EV_SANDBOX_PROC)
		return;
	if (!known || !known->proc->has_sandbox || known->gone) {
		if (!sandbox_read(ev->pid, &info))
			source__process_seen(s, ev->pid, &info, NULL, ev->ts_ns);
		else if (!known)	/* exited before it could be read */
			identity__process_exited(&s->ident, ev->pid, ev->ts_ns);
	}
	/* its scheduling baseline too: the model's first interval starts here */
	proc_cache__sched_delta(&s->pc, ev->pid, &unused);
}

void source_init(struct source *s, enum source_kind kind)
{
	const char *prog = s->prog ? s->prog : "vflow";

	memset(s, 0, sizeof(*s));
	s->opened = true;
	s->prog = prog;
	s->kind = kind;
	s->offline = kind == SOURCE_REPLAY || kind == SOURCE_IMPORT;
	s->cg.root_fd = -1;
	identity_table__init(&s->ident);
	pthread_mutex_init(&s->lock, NULL);
}

/* This host's cgroup2 hierarchy and a cache of what its processes are. */
static int host_names(struct source *s, char *err, size_t err_len)
{
	int ret = cgroup_resolver__init(&s->cg);

	if (ret) {
		snprintf(err, err_len, "no cgroup v2 hierarchy found (%s): mount one with "
			 "'mount -t cgroup2 none /sys/fs/cgroup/unified'", strerror(-ret));
		return ret;
	}
	ret = proc_cache__init(&s->pc);
	if (ret)
		snprintf(err, err_len, "out of memory");
	return ret;
}

int source__open_live(struct source *s, const struct engine_opts *o, char *err, size_t err_len)
{
	struct engine_opts eo = *o;
	int ret;

	source_init(s, SOURCE_LIVE);
	ret = host_names(s, err, err_len);
	if (ret)
		return ret;
	s->on_trap = o->on_event;
	s->trap_ctx = o->ctx;
	s->retire_ttl_ns = o->retire_ttl_ns ? o->retire_ttl_ns : ENGINE_DEFAULT_RETIRE_TTL_NS;
	eo.on_event = live_event;
	eo.on_cgroup = live_cgroup;
	eo.ctx = s;
	ret = engine__open(&s->e, &eo, err, err_len);
	if (ret)
		return ret;
	/* after the engine: a cgroup made meanwhile is in the walk or in an event */
	if (identity__walk_cgroups(&s->ident, s->cg.root, source__now_ns()) == -ENOMEM) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int source__open_attach(struct source *s, const char *path, char *err, size_t err_len)
{
	int ret;

	source_init(s, SOURCE_ATTACH);
	s->attach = path;
	ret = host_names(s, err, err_len);
	if (ret)
		return ret;
	/* reach vflowd now: a wrong path is a one-line error before anything starts */
	ret = control_fetch(path, &s->reply, err, err_len);
	snapshot__free(s->reply.snap);
	s->reply.snap = NULL;
	return ret;
}

int source__open_replay(struct source *s, const char *path, char *err, size_t err_len)
{
	int ret;

	source_init(s, SOURCE_REPLAY);
	ret = proc_cache__init(&s->pc);
	if (ret) {
		snprintf(err, err_len, "out of memory");
		return ret;
	}
	return source_replay__open(s, path, err, err_len);
}

void source__close(struct source *s)
{
	if (!s->opened)
		return;
	engine__destroy(s->e);
	s->e = NULL;
	snapshot__free(s->reply.snap);
	dump__free(s->dump);
	snapshot__free(s->capture);
	import_stats__free(&s->st);
	free(s->import_json);
	proc_cache__free(&s->pc);
	cgroup_resolver__free(&s->cg);
	runtime_resolver__free(s->names);
	s->names = NULL;
	identity_table__free(&s->ident);
	pthread_mutex_destroy(&s->lock);
	s->dump = NULL;
	s->capture = NULL;
	s->import_json = NULL;
	s->opened = false;
}

struct snapshot *source__live_snapshot(void *source)
{
	struct source *s = source;
	struct snapshot *snap;
	int err;

	pthread_mutex_lock(&s->lock);
	snap = engine__snapshot(s->e);
	err = errno;
	pthread_mutex_unlock(&s->lock);
	errno = err;
	return snap;
}

struct snapshot *source__snapshot(struct source *s, __u64 advance_ns)
{
	struct snapshot *snap = NULL;
	int err;

	s->msg[0] = '\0';
	switch (s->kind) {
	case SOURCE_LIVE:
		snap = source__live_snapshot(s);
		err = errno;
		if (!snap)
			snprintf(s->msg, sizeof(s->msg), "failed to read the BPF maps: %s", strerror(err));
		errno = err;
		return snap;
	case SOURCE_ATTACH:
		if (control_fetch(s->attach, &s->reply, s->msg, sizeof(s->msg))) {
			errno = EIO;
			return NULL;
		}
		snap = s->reply.snap;	/* the caller owns it */
		s->reply.snap = NULL;
		return snap;
	case SOURCE_REPLAY:
		return source_replay__snapshot(s, advance_ns);
	case SOURCE_IMPORT:
		snap = snapshot__delta(NULL, s->capture);
		if (!snap) {
			snprintf(s->msg, sizeof(s->msg), "out of memory");
			errno = ENOMEM;
		} else {
			snap->ts_ns = s->capture->ts_ns;
		}
		return snap;
	}
	errno = EINVAL;
	return NULL;
}

size_t source__probes(const struct source *s, const struct engine_probe **p)
{
	switch (s->kind) {
	case SOURCE_LIVE:
		return engine__probes(s->e, p);
	case SOURCE_ATTACH:
		*p = s->reply.probes;
		return s->reply.nr_probes;
	case SOURCE_REPLAY:
		*p = s->probes;
		return s->nr_probes;
	case SOURCE_IMPORT:
		break;
	}
	*p = NULL;
	return 0;
}

const char *source__via(const struct source *s)
{
	switch (s->kind) {
	case SOURCE_LIVE:
		return engine__syscall_via(s->e);
	case SOURCE_ATTACH:
		return s->reply.syscall_via;
	case SOURCE_REPLAY:
		return "replay";
	case SOURCE_IMPORT:
		return "import";
	}
	return "none";
}

int source__poll(struct source *s, int ms)
{
	if (s->e)
		return engine__poll(s->e, ms);
	usleep(ms * 1000);
	return 0;
}

bool source__done(const struct source *s)
{
	return (s->kind == SOURCE_REPLAY && s->cursor_ns >= s->dump->info.last_ns) ||
	       s->kind == SOURCE_IMPORT;
}

struct engine *source__engine(const struct source *s)
{
	return s->e;
}
