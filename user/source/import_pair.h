/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * KVM events of any capture -> trap rows, paired as bpf/kvm.bpf.c pairs
 * them: per stream (a thread when the capture names one, see enum
 * import_key), a kvm_exit waits for the next kvm_entry; the last
 * hypercall, PIO or MMIO event in between annotates the exit and shares its
 * latency, and a kvm_userspace_exit is timed from its own event to the
 * entry. The readers (ftrace text, trace.dat) turn what they read into
 * struct import_record and hand each to import_pair__add.
 */
#ifndef VFLOW_IMPORT_PAIR_H
#define VFLOW_IMPORT_PAIR_H

#include <stdbool.h>
#include "core/snapshot.h"
#include "source/import.h"

enum import_what {
	IMPORT_EXIT = 0,
	IMPORT_ENTRY,
	IMPORT_USERSPACE_EXIT,
	IMPORT_ANNOTATE,	/* hypercall, PIO, MMIO: the exit in progress */
	IMPORT_OTHER,		/* understood, nothing to pair (KVM_RUN failed with an errno) */
};

/* One KVM event as a capture gives it; what it lacks is marked absent. */
struct import_record {
	enum import_what what;
	__u64 ts_ns;
	bool has_tid, has_tgid, has_cpu, has_vcpu;
	__u32 tid, tgid, cpu, vcpu;
	const char *comm;	/* NULL: none; "<...>" (ftrace's unknown comm) counts as none */
	__u32 kind;		/* exit: VMX, SVM or UNKNOWN; annotation: its trap kind */
	__u64 code;		/* exit: the reason; annotation: nr, port, gpa; user exit: KVM_EXIT_* */
	bool unknown_reason;	/* exit: the record names no reason (code KVM_EXIT_REASON_NONE) */
};

/* The KVM events an import takes: how each pairs, and where an annotation's code is. */
struct import_event_type {
	const char *name;	/* kvm:NAME */
	enum import_what what;
	__u32 kind;		/* annotations: the row kind */
	const char *text_key;	/* annotations: the printed field that holds the code (hex) */
	const char *field;	/* annotations: the record's field that holds it */
};

/* The type of event @name (@len bytes), NULL when the import does not take it. */
const struct import_event_type *import_event_type(const char *name, size_t len);

struct import_pair;

/* A pairing into @st (zeroed here); @fn gets each exit as an event, may be NULL. */
struct import_pair *import_pair__new(struct import_stats *st, import_event_fn fn, void *ctx);
/* Take one event: 0, -ENOMEM, or @fn's error. */
int import_pair__add(struct import_pair *p, const struct import_record *rec);
/*
 * End of input: open exits are lost, reasons named by no isa take the
 * capture's; *out is the sorted, merged snapshot (ts_ns = the last event).
 * 0, -ENOMEM or @fn's error.
 */
int import_pair__finish(struct import_pair *p, struct snapshot **out);
void import_pair__free(struct import_pair *p);

/* Count a line not taken, under @name where it has one (an event's name). */
void import_stats__skip(struct import_stats *st, enum import_skip why, const char *name,
			size_t name_len);

#endif
