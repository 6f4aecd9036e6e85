/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Private to the report: how report.c hands the VMs, the sandboxes and the
 * model to report_vm.c, report_sandbox.c and report_model.c, and the JSON
 * pieces they share. Nothing outside the report includes it.
 */
#ifndef VFLOW_REPORT_INTERNAL_H
#define VFLOW_REPORT_INTERNAL_H

#include <stdio.h>
#include "report/report.h"

/* The identity learnt of process @pid (its proc set), or NULL: never named. */
static inline const struct identity *report_process(const struct report *r, __u32 pid)
{
	const struct identity *id = r->ident ? identity__find(r->ident, IDENTITY_PROCESS, pid) : NULL;

	return id && id->proc ? id : NULL;
}

int report__build_vms(struct report *r);
void report__free_vms(struct report *r);
void report__print_vms_text(const struct report *r, const struct report_text_opts *o, FILE *f);
void report__print_vms_json(const struct report *r, FILE *f);

int report__build_sandboxes(struct report *r);
void report__free_sandboxes(struct report *r);
void report__print_sandboxes_text(const struct report *r, const struct report_text_opts *o, FILE *f);
void report__print_sandboxes_json(const struct report *r, FILE *f);

int report__build_model(struct report *r);

/* What a ledger keeps sums of; cgroups first. */
enum ledger_type { LEDGER_CGROUP, LEDGER_VM, LEDGER_SANDBOX };
/* A report starts adding to @l. */
void report_ledger__begin(struct report_ledger *l);
/*
 * Add @m's interval to the sums of (@type, @id, @name) and copy them into
 * m->totals. 0 or -ENOMEM.
 */
int report_ledger__add(struct report_ledger *l, enum ledger_type type, __u64 id, const char *name,
		       struct entity_model *m);
void report_ledger__paradigm(struct report_ledger *l, enum vflow_paradigm p, struct entity_model *m);
/* After the report's entities: the sums of those it no longer has leave. 0 or -ENOMEM. */
int report_ledger__sweep(struct report_ledger *l, struct report *r);

/* ,"learnt":"<origin>"|null,"gone_since_ns":<ns>|null of a process entity */
void report_json_learnt(FILE *f, enum identity_origin origin, __u64 gone_since_ns);
void report_json_model(FILE *f, const struct entity_model *m);
void report_json_str(FILE *f, const char *s);
/* A float in the shortest form that reads back exactly (core/fmtnum.h); null if not finite */
void report_json_num(FILE *f, double v);
/* "count", "skipped", "total_ns" and report_json_row_latency() of a row */
void report_json_latency(FILE *f, const struct trap_row *row);
/* ,"mean_ns","p50_ns","p99_ns" of a row's timed traps: null where none was timed */
void report_json_row_latency(FILE *f, const struct trap_row *row);

#endif
