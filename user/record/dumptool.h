/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading a post-mortem dump (record/dump.h) the way vflowdump shows it:
 * event filters, one line per event, a per-reason summary, Chrome trace
 * JSON, CSV, the dump's own description, and its events put back into
 * trap rows for the overhead model. docs/vflowdump.md has the formats.
 */
#ifndef VFLOW_DUMPTOOL_H
#define VFLOW_DUMPTOOL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "record/dump.h"
#include "core/snapshot.h"

/* Which events a command looks at; every set dimension must match. */
struct dump_filter {
	const char *entity;	/* NULL: any (see dump_filter__match) */
	int paradigm;		/* -1 any, else enum vflow_paradigm; FULLVIRT also matches PARAVIRT ("vm") */
	const char *trap;	/* NULL: any; a class or a reason name */
	__u64 from_ns, to_ns;	/* absolute ts_ns, inclusive; 0 = open */
	__u32 pid;		/* 0: any; else the event's tgid or tid */
};

/* Nothing filtered out. */
void dump_filter__init(struct dump_filter *f);

/*
 * Set one filter dimension from its option value. @key is "entity",
 * "paradigm", "trap", "pid", "from" or "to". Times need @d (relative
 * seconds count from the dump's first event, wall-clock times go through
 * its clock offset); the others accept d == NULL. 0, or -EINVAL with a
 * one-line "what is wrong: what to give" in @err. @val must outlive @f.
 */
int dump_filter__set(struct dump_filter *f, const struct dump *d, const char *key, const char *val,
		     char *err, size_t err_len);

/* "container", "host", "vm"/"fullvirt", "paravirt", "sandbox" -> enum vflow_paradigm, or -1. */
int dump_filter_paradigm(const char *name);
/* Whether @trap is a class or a reason name dump_filter__match knows. */
bool dump_filter_trap_known(const char *trap);

/*
 * A time option -> absolute ts_ns of @d: seconds after the first event
 * ("2.5"), or wall clock "YYYY-MM-DDTHH:MM:SS[.frac][Z]" or "HH:MM:SS[.frac]"
 * (that time on the local date of the dump's first event); without Z,
 * local time. 0 or -EINVAL.
 */
int dump_parse_time(const struct dump *d, const char *s, __u64 *ts_ns);

/* Whether @f lets every event pass (NULL does). */
bool dump_filter__empty(const struct dump_filter *f);

/* Whether event @ev of @d passes @f (NULL: everything passes). */
bool dump_filter__match(const struct dump *d, const struct dump_filter *f,
			const struct vflow_event *ev);

/* The paradigm of an event: where its trap sent it. */
enum vflow_paradigm dump_event_paradigm(const struct dump *d, const struct vflow_event *ev);
/* Display name of the entity an event belongs to ("docker:4f3a..", "web1", "pid:42"). */
const char *dump_event_entity(const struct dump *d, const struct vflow_event *ev, char *buf,
			      size_t len);
/* Name of its trap: syscall, exit reason, "getpgid errno" for a sandbox trap. */
const char *dump_event_trap_name(const struct vflow_event *ev, char *buf, size_t len);

/*
 * The commands' output, for the events that pass @f. 0, or -ENOMEM;
 * write errors are left in @out for the caller's ferror/fflush/fclose.
 */
int dumptool_print(const struct dump *d, const struct dump_filter *f, FILE *out);
int dumptool_summary(const struct dump *d, const struct dump_filter *f, FILE *out);
int dumptool_summary_json(const struct dump *d, const struct dump_filter *f, FILE *out);
int dumptool_chrome(const struct dump *d, const struct dump_filter *f, FILE *out);
int dumptool_csv(const struct dump *d, const struct dump_filter *f, FILE *out);
int dumptool_info(const struct dump *d, const struct dump_filter *f, FILE *out);

/*
 * The matching events as trap rows keyed as the engine keys them
 * (syscalls: cgroup, 0, nr; VM exits and their annotation: VMM tgid,
 * vCPU, reason; sandbox: tgid, action, nr). A timed event adds to count,
 * total_ns and hist, an untimed syscall to skipped, any other untimed one
 * to count. @weighted: an event that is only its class's 1-in-N sample
 * counts N times (an estimate of all the traps). ts_ns: the last event.
 * NULL on ENOMEM.
 */
struct snapshot *dumptool_snapshot(const struct dump *d, const struct dump_filter *f,
				   bool weighted);

/*
 * The overhead model over the matching events (weighted), with the model
 * constants the dump was taken with, as the offline report's text or JSON.
 * 0 or -errno.
 */
int dumptool_model(const struct dump *d, const struct dump_filter *f, bool json, FILE *out);

#endif
