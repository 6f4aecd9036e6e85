/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The source document's decision tree (sections 3.5, 4.5, 5.5, 6.2, 7.3,
 * 7.4) as data: rules read from a file (config/advice.rules) and matched
 * against what an entity was seen doing over an interval.
 *
 * One rule a line, '#' comments and blank lines skipped:
 *
 *   id | section | condition | advice
 *
 * section cites the document ("7.4.2"). condition is `term and term ...`,
 * a term `metric op value` with op one of < <= > >= == !=, value a number
 * or another metric (`eta < eta_lo`); `paradigm` compares with == or != to
 * host, fullvirt, paravirt, container, sandbox or vm (fullvirt or
 * paravirt). advice may hold {metric} (its value, %g), {metric_pct} (a
 * share as a percentage), {paradigm} and {top_reason}.
 */
#ifndef VFLOW_ADVICE_H
#define VFLOW_ADVICE_H

#include <stddef.h>
#include <linux/types.h>
#include "vflow.h"

/* What was observed of one entity; shares are fractions 0..1. */
struct advice_obs {
	enum vflow_paradigm paradigm;
	double eta, eta_lo, eta_hi;	/* model_result: eta and its band */
	double trap_share;		/* C_trap / on-CPU time */
	double io_exit_share;		/* exits that are port I/O, MMIO, EPT_MISCONFIG, NPF */
	double hlt_share;		/* exits that are HLT (idle included) */
	double hypercall_share;		/* exits that are hypercalls */
	double trap_rate;		/* traps per second */
	double l_trap_ns;		/* mean trap latency */
	double epoll_share, io_uring_share;	/* of the entity's syscalls: epoll_*, io_uring_* */
	double notify_share;		/* user-notify traps / traps */
	double ptrace_share;		/* ptrace-emulated traps / traps */
	const char *top_reason;		/* the dominant exit reason or syscall; NULL: unknown */
};

struct advice_rule;
struct advice_rules {
	struct advice_rule *r;
	size_t n;
};

/*
 * A rules file's text, @len bytes, into @rs (zeroed, or loaded before:
 * replaced). 0, or -EINVAL / -ENOMEM with "NAME:LINE: what is wrong: what
 * to do" in @err; @rs is unchanged on error. advice_rules__load() in
 * host/model_files.h reads a file.
 */
int advice_rules__parse(struct advice_rules *rs, const char *text, size_t len, const char *name,
			char *err, size_t err_len);
void advice_rules__free(struct advice_rules *rs);
/* Rule i's id, or NULL past the end. */
const char *advice_rule__id(const struct advice_rules *rs, size_t i);

/*
 * Calls fn (if not NULL) for each rule that fires, in file order, with the
 * rule id, section and the expanded text. Returns how many fired.
 */
size_t advice_eval(const struct advice_rules *rs, const struct advice_obs *o,
		   void (*fn)(void *ctx, const char *id, const char *section, const char *text),
		   void *ctx);

#endif
