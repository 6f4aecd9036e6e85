/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What an import of a capture (ftrace text, trace-cmd's trace.dat, perf
 * script) tells besides its trap rows: what it read, what it skipped and
 * why, how it paired exits with entries, and the names of the VMs it found.
 */
#ifndef VFLOW_IMPORT_H
#define VFLOW_IMPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "vflow.h"

/*
 * Which field tells one vCPU's events from another's, best first: each
 * event is paired by the best its capture has.
 */
enum import_key {
	IMPORT_KEY_THREAD = 0,	/* the thread id: exact */
	IMPORT_KEY_CPU,		/* the CPU: an exit whose vCPU moved to another CPU is lost */
	IMPORT_KEY_COMM,	/* the task name: exact while each vCPU thread has its own */
	IMPORT_KEY_VCPU,	/* the records' vcpu field: exact for one VM */
	IMPORT_KEY_NONE,	/* nothing: the capture is one stream */
	IMPORT_KEY_MAX,
};

/* Why a line (or record) was not taken. */
enum import_skip {
	IMPORT_SKIP_BLANK = 0,		/* an empty line */
	IMPORT_SKIP_COMMENT,		/* '#' comments and headers ("cpus=2", "CPU 1 is empty") */
	IMPORT_SKIP_LOST,		/* the capture's own "[LOST n EVENTS]" markers */
	IMPORT_SKIP_OTHER_EVENT,	/* an event other than KVM's exits, entries, annotations */
	IMPORT_SKIP_BAD_FIELDS,		/* a KVM event whose fields do not parse */
	IMPORT_SKIP_UNPARSED,		/* no task, CPU, time and event in front */
	IMPORT_SKIP_MAX,
};

/* Skipped events by name (sched_switch, kvm_pio with no port, ...), the busiest kept. */
#define IMPORT_SKIP_NAMES	16
#define IMPORT_SKIP_NAME_LEN	48

struct import_skip_name {
	enum import_skip why;
	char name[IMPORT_SKIP_NAME_LEN];
	unsigned long count;
};

/*
 * A VM a capture names by comm only (or not at all): its rows' owner is a
 * number above any pid, given in order of appearance.
 */
#define IMPORT_OWNER_SYNTHETIC	VFLOW_OWNER_NO_PID
#define IMPORT_OWNER_NAME_LEN	64	/* a comm as the capture prints it, with room */

struct import_owner {
	__u32 owner;
	char name[IMPORT_OWNER_NAME_LEN];	/* the comm, or "" where the capture has none */
};

struct import_stats {
	const char *format;		/* "ftrace text", "trace.dat", "perf.data" */
	unsigned long lines;		/* lines (records) read */
	unsigned long events;		/* KVM events taken */
	unsigned long skipped;		/* lines not taken: the sum of skipped_by */
	unsigned long skipped_by[IMPORT_SKIP_MAX];
	struct import_skip_name names[IMPORT_SKIP_NAMES];
	size_t nr_names;
	unsigned long names_other;	/* skipped events whose name did not fit in names */
	unsigned long first_unparsed;	/* line number of the first unparsed line, 0: none */
	unsigned long lost_events;	/* events the capture says it lost, summed */
	unsigned long exits;		/* kvm_exit events, timed or not */
	unsigned long unknown_reason_exits;	/* exits whose reason the record does not name */
	unsigned long unpaired_exits;	/* a kvm_exit followed by another exit, or at the end */
	unsigned long unpaired_entries;	/* a kvm_entry with no exit before it */
	unsigned long by_key[IMPORT_KEY_MAX];	/* events paired by each key */
	__u64 first_ns, last_ns;	/* timestamps of the first and last event */
	struct import_owner *owners;	/* synthetic owners (import_stats__free) */
	size_t nr_owners;
};

/* Each VM exit as a struct vflow_event; a non-zero return stops the import with it. */
typedef int (*import_event_fn)(void *ctx, const struct vflow_event *ev);

void import_stats__free(struct import_stats *st);
/* "thread", "cpu", "comm", "vcpu", "none". */
const char *import_key_name(enum import_key k);
/* "blank", "comment", "lost", "other_event", "bad_fields", "unparsed". */
const char *import_skip_name(enum import_skip why);
/* The name of a synthetic @owner, NULL for a pid. */
const char *import_stats__owner_name(const struct import_stats *st, __u64 owner);
/* The keys that paired events, "thread" or "cpu+comm"; "none" when nothing was paired. */
const char *import_stats__keys(const struct import_stats *st, char *buf, size_t len);
/* A few lines for people: what was read, skipped and why, how exits were paired. */
void import_stats__print_text(const struct import_stats *st, const char *what, FILE *f);
/* The same as one JSON object. */
void import_stats__print_json(const struct import_stats *st, FILE *f);

#endif
