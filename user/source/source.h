/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where a front-end's snapshots come from, behind one interface: this
 * process's own engine (live), a running vflowd's control socket
 * (attach), a dump played back (replay), or a capture read once
 * (import). Each gives cumulative snapshots, the probes they were taken
 * with, and the names of what they count: this host's (live, attach) or
 * the ones a dump or a capture holds. source/tick.h turns them into
 * reports.
 */
#ifndef VFLOW_SOURCE_H
#define VFLOW_SOURCE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include "core/snapshot.h"
#include "core/engine_status.h"
#include "host/cgroup.h"
#include "host/proc_cache.h"
#include "host/runtime.h"
#include "identity/identity.h"
#include "engine/engine.h"
#include "record/dump.h"
#include "source/attach.h"
#include "source/import.h"

#define SOURCE_MSG_LEN 256

enum source_kind {
	SOURCE_LIVE = 0,	/* this process's engine */
	SOURCE_ATTACH,		/* a vflowd's control socket */
	SOURCE_REPLAY,		/* a dump, played back */
	SOURCE_IMPORT,		/* a capture, read once */
};

struct source {
	const char *prog;		/* set before opening: what stderr lines start with */
	enum source_kind kind;
	bool opened;			/* an open call ran: source__close() has something to free */
	bool offline;			/* a dump or a capture: no process of it is on this host */
	__u64 origin_ns;		/* where its data starts: when tracing started, the first event */
	/*
	 * Who the entities are (identity/identity.h), learnt at first sight
	 * and kept after they go; the cgroup paths and processes they are
	 * learnt from
	 */
	struct identity_table ident;
	struct cgroup_resolver cg;
	struct proc_cache pc;
	/* containers' names from their runtimes (live, once started); NULL: none asked */
	struct runtime_resolver *names;
	char msg[SOURCE_MSG_LEN];	/* why the last snapshot failed, or a note ("end of the dump") */
	/* live */
	struct engine *e;
	__u64 retire_ttl_ns;		/* removed cgroups shown this long (engine_opts.retire_ttl_ns) */
	pthread_mutex_t lock;		/* the main loop and a control socket's thread both take snapshots */
	engine_event_fn on_trap;	/* the program's: each trap the ring buffer streams */
	void *trap_ctx;
	/* attach */
	const char *attach;
	struct control_reply reply;	/* the last answer, and its probes */
	/* replay */
	struct dump *dump;
	__u64 cursor_ns;		/* how far it has played */
	struct engine_probe probes[DUMP_MAX_PROBES];
	size_t nr_probes;
	/* import */
	struct snapshot *capture;	/* the capture's one snapshot */
	struct import_stats st;
	char *import_json;		/* the import's summary as a JSON object */
};

/*
 * Open a source; 0, or -errno with a one-line @err that says what to do.
 * Each leaves @s ready for source__close() either way (which also takes
 * a zeroed source that was never opened).
 *  live:   its engine with @o (on_event gets the traps; sandbox processes
 *          are named here) and this host's cgroup2 hierarchy;
 *  attach: the vflowd at @path, reached once now;
 *  replay: the dump at @path, from its first event;
 *  import: the capture at @path ("-": stdin); @fn gets each event.
 */
int source__open_live(struct source *s, const struct engine_opts *o, char *err, size_t err_len);
int source__open_attach(struct source *s, const char *path, char *err, size_t err_len);
int source__open_replay(struct source *s, const char *path, char *err, size_t err_len);
int source__open_import(struct source *s, const char *path, import_event_fn fn, void *ctx,
			char *err, size_t err_len);
void source__close(struct source *s);

/*
 * Ask the runtimes for containers' names from now on (source_names.c):
 * a resolver with its worker thread, which has the capabilities of the
 * caller (start it after dropping them); every container known by then
 * (the walk's) is asked at once. A source that is offline asks nothing.
 * 0 or -errno.
 */
int source__start_names(struct source *s, const struct runtime_config *cfg);
/* Cgroup @id was just learnt: ask for its names, if it is a container's. */
void source__name_cgroup(struct source *s, __u64 id);
/* Every container identity still without names: ask, or take the answer that came. */
void source__name_containers(struct source *s);

/*
 * A cumulative snapshot now, owned by the caller; a replay first moves on
 * by @advance_ns of the dump's time. NULL with errno set, and s->msg
 * saying why.
 */
struct snapshot *source__snapshot(struct source *s, __u64 advance_ns);
/* A live source's snapshot from any thread (a control socket's); NULL with errno set. */
struct snapshot *source__live_snapshot(void *source);
/* The attach points the data was taken with, and how syscalls were traced. */
size_t source__probes(const struct source *s, const struct engine_probe **p);
const char *source__via(const struct source *s);
/* Wait up to @ms for the engine's ring buffer (others just wait). Events handled, or -errno. */
int source__poll(struct source *s, int ms);
/* A replay at the end of its dump, or an import read: nothing more will come. */
bool source__done(const struct source *s);
/* The engine, where the source has one (live); NULL otherwise. */
struct engine *source__engine(const struct source *s);

/*
 * A live process seen at its trap at @now_ns, with what /proc says of it
 * now (@sb, @vm: either may be NULL): named in s->ident, its exit
 * followed by the engine where it can be.
 */
void source__process_seen(struct source *s, __u32 pid, const struct sandbox_info *sb,
			  const struct vmident *vm, __u64 now_ns);
/*
 * learn_proc.c: every process that owns a row of @cur named before the
 * report is built (and one that exited flagged gone), and its scheduling
 * over the interval read (proc_cache__sched_sample), where the source is
 * on this host: the report reads neither.
 */
void source__learn_processes(struct source *s, const struct snapshot *cur, __u64 now);

/* CLOCK_MONOTONIC in ns: the BPF programs' clock, the identities' times. */
__u64 source__now_ns(void);

/* Zero @s and set it up as @kind, keeping s->prog (each open call starts with it). */
void source_init(struct source *s, enum source_kind kind);

/* source_replay.c: the dump's side of the interface */
int source_replay__open(struct source *s, const char *path, char *err, size_t err_len);
struct snapshot *source_replay__snapshot(struct source *s, __u64 advance_ns);

#endif
