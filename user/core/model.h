/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The source document's overhead model (section 8; 3.5, 4.5, 5.5, 6.5,
 * 7.2), applied live:
 *
 *   S(p)   = S_trap(p) + S_schedule(p) + S_isolation(p)
 *   eta(p) = C_workload / (C_workload + S(p))
 *
 * Every figure carries its provenance: measured (from traced events),
 * calibrated (a micro-benchmark on this host) or modelled (a constant of
 * the document, from the config file).
 */
#ifndef VFLOW_MODEL_H
#define VFLOW_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>
#include "vflow.h"

enum provenance {
	PROV_MEASURED = 0,
	PROV_CALIBRATED,
	PROV_MODELLED,
	PROV_UNKNOWN,		/* no input to compute it from (a capture has no on-CPU time) */
};

/* The document's constants for one paradigm (defaults: the table in docs/DESIGN.md). */
struct model_paradigm {
	double trap_cycles_lo, trap_cycles_hi;		/* C_trap per trap */
	double trap_ns_lo, trap_ns_hi;			/* L_trap band (ns) */
	double schedule_cycles;				/* C_schedule per scheduling event */
	double isolation_cycles_lo, isolation_cycles_hi;/* C_isolation per event */
	double eta_lo, eta_hi;				/* efficiency band, 0..1; 0, 0: none */
	int path_length;
};

struct model_config {
	struct model_paradigm p[VFLOW_PARADIGM_MAX];	/* HOST: CONTAINER's costs, no eta band */
	double tsc_hz;					/* cycles <-> ns */
	enum provenance tsc_prov;			/* calibrated (read or measured) or modelled */
	/* host profile from `vflowd --calibrate`: 0 = not calibrated */
	double cal_context_switch_ns, cal_seccomp_filter_ns;
};

/*
 * The document's constants, with this host's TSC rate @tsc_hz (calibrated;
 * 0: unknown, a typical rate, modelled). model_config__defaults() in
 * host/model_files.h reads the rate.
 */
void model_config__init(struct model_config *c, double tsc_hz);
/*
 * A config file's text (key = value lines, '#' comments; keys as written
 * by model_config__save), @len bytes, over the current values. 0, or
 * -EINVAL / -ENOMEM with "NAME:LINE: what is wrong: what to do" in @err.
 * Nothing is changed on error. model_config__load() reads a file.
 */
int model_config__parse(struct model_config *c, const char *text, size_t len, const char *name,
			char *err, size_t err_len);
/* Write every value so that load(save(c)) == c. 0 or -errno. */
int model_config__save(const struct model_config *c, FILE *f);

/* What was observed of one entity (or one paradigm) over an interval. */
struct model_inputs {
	enum vflow_paradigm paradigm;
	double interval_ns;
	double oncpu_ns;		/* measured on-CPU time of its threads; < 0: not known */
	__u64 traps;			/* traps that count as overhead (idle excluded) */
	double trap_ns;			/* measured time in those traps; < 0: not measured */
	const __u64 *trap_hist;		/* their log2 histogram, or NULL */
	__u64 filtered_syscalls;	/* sandbox: syscalls that ran the seccomp filter */
	__u64 sched_events;		/* context switches */
	__u64 isolation_events;		/* events that pay C_isolation (syscalls, exits) */
};

struct model_figure {
	double value;
	enum provenance prov;
};

struct model_result {
	struct model_figure f_trap;	/* traps per second */
	struct model_figure l_trap_mean_ns, l_trap_p50_ns, l_trap_p99_ns;
	struct model_figure c_trap_ns, c_schedule_ns, c_isolation_ns;	/* over the interval */
	/* C_workload: on-CPU time less the timed traps that ran on it; PROV_UNKNOWN as eta */
	struct model_figure work_ns;
	/* 0..1; PROV_UNKNOWN (value 0) where no on-CPU time was measured, or none was spent */
	struct model_figure eta;
	double eta_lo, eta_hi;		/* the band of the loaded model */
	bool eta_banded;		/* it has one (the host has none unless the config sets it) */
	bool eta_out_of_band;		/* a known eta outside a band */
	bool l_trap_out_of_band;	/* measured mean outside [trap_ns_lo, trap_ns_hi] */
};

void model_apply(const struct model_config *c, const struct model_inputs *in, struct model_result *out);
/* "measured", "calibrated", "modelled", "unknown" */
const char *provenance_name(enum provenance p);
/* The paradigm has an efficiency band to judge eta against (eta_hi > 0). */
bool model_eta_banded(const struct model_paradigm *p);
double model_cycles_to_ns(const struct model_config *c, double cycles);

#endif
