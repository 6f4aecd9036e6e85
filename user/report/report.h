/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-entity view of two snapshots (cumulative and this interval), and its
 * plain-text and JSON renderings. Front-ends build a report and print it.
 */
#ifndef VFLOW_REPORT_H
#define VFLOW_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "core/snapshot.h"
#include "core/trap.h"
#include "host/cgroup.h"
#include "host/workload.h"
#include "core/engine_status.h"
#include "host/vmident.h"
#include "host/sandbox.h"
#include "host/proc_cache.h"
#include "identity/identity.h"
#include "core/model.h"
#include "core/advice.h"

#define MODEL_MAX_ADVICE 4

struct model_advice {
	char id[32];
	char section[16];
	char text[256];
};

/*
 * The model over every interval since an entity (or paradigm) was first
 * seen: each interval's inputs and terms, added up (the exporter's
 * counters). An interval whose eta is unknown adds nothing, so that
 * work / (work + trap + schedule + isolation) between any two of these
 * sums is the model's eta over the intervals between them.
 */
struct model_totals {
	double work_ns;			/* C_workload */
	double oncpu_ns;
	double trap_ns, schedule_ns, isolation_ns;	/* C_trap, C_schedule, C_isolation */
	double runq_ns;			/* waiting on a run queue: beside the model, not a term */
	__u64 traps;			/* traps that count as overhead */
};

/* @sum += @add, sum by sum. */
void model_totals__add(struct model_totals *sum, const struct model_totals *add);

/* The model applied to one entity (or one paradigm) over the interval. */
struct entity_model {
	bool valid;
	struct model_inputs in;
	struct model_result res;
	double runq_ns;			/* the interval's run-queue wait; < 0: not known */
	bool has_totals;		/* the report had a ledger */
	struct model_totals totals;
	struct model_advice advice[MODEL_MAX_ADVICE];
	size_t nr_advice;
};

/* The running sums of the model per entity, kept between reports by their builder. */
struct report_ledger;
struct report_ledger *report_ledger__new(void);
void report_ledger__free(struct report_ledger *l);

struct entity {
	__u64 cgroup_id;
	bool gone;			/* the cgroup no longer exists */
	/* how its identity was learnt, when (CLOCK_MONOTONIC); IDENTITY_ORIGIN_MAX: not known */
	enum identity_origin origin;
	__u64 first_seen_ns, gone_since_ns;
	char *path;			/* owned by the report */
	struct workload wl;		/* wl.name: the entity's key, as the exporter's "entity" label */
	/* what its runtime calls the container, and its display name; NULL: nothing (owned) */
	struct runtime_names *names;
	char *display;
	struct trap_row total;		/* since start, all syscalls */
	struct trap_row delta;		/* this interval */
	/* scheduling (VFLOW_TRAP_SCHED_*): since start and this interval */
	struct trap_row oncpu, runq, d_oncpu, d_runq;
	/* run-queue pressure (PSI "some", total_ns), where the kernel has PSI */
	struct trap_row psi, d_psi;
	bool has_psi;
	struct entity_model model;
	const struct trap_row *rows;	/* its rows in the cumulative snapshot */
	size_t nr_rows;
};

/* What people see an entity as: its runtime's name ("docker:web-1") where known, else wl.name. */
const char *entity_name(const struct entity *en);

/* How a KVM trap row counts for its VM. */
enum vm_bucket {
	VM_EXITS = 0,		/* VM exits that are overhead (not idle) */
	VM_IDLE,		/* HLT / MWAIT / idle-halt exits: waiting, not overhead */
	VM_HCALL,		/* hypercalls (KVM, Xen, Hyper-V): paravirtual traps */
	VM_NOTIFY,		/* ioeventfd kicks (fast MMIO): virtio notifications */
	VM_EMUL_IO,		/* port I/O and MMIO emulated by KVM or the VMM */
	VM_USERSPACE,		/* exits out to the VMM in user space: the heavier class */
	VM_IRQ,			/* interrupt injection, Xen multicalls: counted only */
	VM_BUCKET_MAX,
};

struct vm_vcpu {
	__u32 vcpu;
	struct trap_row exits, idle;	/* cumulative */
};

/* A VM: the VMM process whose vCPU threads KVM reported. */
/* The name of the rows of exited processes summed after the TTL (owner VFLOW_OWNER_GONE). */
#define REPORT_EXITED_PROCESSES "(exited processes)"

struct vm_entity {
	__u32 pid;
	bool gone;			/* the VMM process no longer exists */
	__u64 gone_since_ns;		/* its exit, as the identity layer heard it; 0: not known */
	enum identity_origin origin;	/* how it was named; IDENTITY_ORIGIN_MAX: never */
	bool no_pid;			/* an import named it by comm, or not at all: pid is vflow's */
	struct vmident id;
	struct trap_row total[VM_BUCKET_MAX];	/* since start */
	struct trap_row delta[VM_BUCKET_MAX];	/* this interval */
	const struct trap_row **rows;	/* its KVM rows in the cumulative snapshot */
	size_t nr_rows;
	struct vm_vcpu *vcpus;
	size_t nr_vcpus;
	struct entity_model model;
};

#define SANDBOX_MAX_PIDS 16

/* A sandbox: one process, or the processes that share a sandbox name. */
struct sandbox_entity {
	struct sandbox_info info;
	bool gone;				/* none of its processes exists any more */
	__u64 gone_since_ns;			/* the last one's exit; 0: lives or not known */
	enum identity_origin origin;		/* how its first process was named; _MAX: never */
	__u32 pids[SANDBOX_MAX_PIDS];
	size_t nr_pids;
	struct trap_row total;			/* since start: count = traps */
	struct trap_row delta;			/* this interval */
	__u64 by_action[VFLOW_ACT_MAX];		/* traps per enum vflow_sys_action */
	const struct trap_row **rows;		/* its sandbox rows, busiest first */
	size_t nr_rows;
	struct entity_model model;
};

struct report {
	__u64 dt_ns;			/* length of the interval */
	__u64 elapsed_ns;		/* since the engine started */
	const struct snapshot *cum;	/* cumulative */
	const struct snapshot *delta;	/* this interval */
	struct entity *entities;	/* sorted by interval syscall rate, then total */
	size_t nr_entities;
	struct vm_entity *vms;		/* sorted by interval exit rate, then total */
	size_t nr_vms;
	struct sandbox_entity *sandboxes;	/* sorted by interval trap rate, then total */
	size_t nr_sandboxes;
	const struct engine_probe *probes;
	size_t nr_probes;
	const char *syscall_via;
	/* what the runtimes were asked for containers' names; has_names_stats false: nothing asked */
	bool has_names_stats;
	struct runtime_stats names_stats;
	/* identity events (cgroup mkdir/rmdir/rename, process exits) the kernel could not stream */
	__u64 identity_events_lost;
	bool offline;			/* from a capture: do not look processes up on this host */
	/*
	 * An import's name for a VM owner that is no pid (a comm, or "" for
	 * none), NULL for a pid; may be NULL. The import's summary as a JSON
	 * object, printed as "import"; may be NULL.
	 */
	const char *(*vm_name)(const void *ctx, __u64 owner);
	const void *vm_name_ctx;
	const char *import_json;
	struct proc_cache *procs;	/* identities of exited processes; may be NULL */
	/* the model's running sums, added to by each report built with it; may be NULL */
	struct report_ledger *ledger;
	/*
	 * Who each cgroup is, learnt before the report (identity/identity.h):
	 * when set, entities are named from it alone, and a cgroup it does
	 * not know is "cgroup:<id>"; NULL: from the resolver given to build
	 */
	const struct identity_table *ident;
	const struct model_config *model;	/* NULL: no model figures */
	const struct advice_rules *advice;	/* NULL: no advice */
	struct entity_model paradigms[VFLOW_PARADIGM_MAX];	/* each paradigm as a whole */
};

/*
 * Build the entity view of @cum and @delta (both outlive the report; @cg
 * may be NULL). Set r->offline (a capture from elsewhere), r->procs and
 * r->ident before.
 * 0 or -ENOMEM.
 */
int report__build(struct report *r, const struct snapshot *cum, const struct snapshot *delta,
		  struct cgroup_resolver *cg, __u64 dt_ns, __u64 elapsed_ns);
void report__free(struct report *r);

/* Events not recorded (sum of the loss counters), cumulative. */
__u64 report__lost(const struct report *r);

struct report_text_opts {
	size_t top;			/* entity rows at most; 0: all */
	size_t per_entity_syscalls;	/* syscall rows under each entity; 0: none */
};
void report__print_text(const struct report *r, const struct report_text_opts *o, FILE *f);
/* One JSON object on one line (schema in docs/vflowd.md). */
void report__print_json(const struct report *r, FILE *f);

/* "1.23us", "456ns", "7.8ms" into buf; "-" for TRAP_UNTIMED_NS (any ns < 0) */
const char *fmt_ns(double ns, char *buf, size_t len);

/* How a KVM trap row counts for its VM, and the bucket's name. */
enum vm_bucket vm_bucket_of(const struct trap_row *row);
const char *vm_bucket_name(enum vm_bucket b);
/* The model's C_trap over the on-CPU time, at most 1 (traps and no CPU time: 1). */
double report_trap_share(const struct entity_model *m);
#endif
