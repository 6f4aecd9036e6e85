// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The source document's overhead model (section 8.2) with its constants
 * (3.5, 4.5, 5.5, 6.5, 7.2), the config text that overrides them (read
 * from its file by user/host/model_files.c), and the model applied to
 * what was observed over an interval.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "core/conftext.h"
#include "core/fmtnum.h"
#include "core/model.h"
#include "core/snapshot.h"
#include "core/trap.h"

#define NS_PER_SEC 1e9
/* only when this host's rate cannot be read: a typical x86-64 TSC */
#define FALLBACK_TSC_HZ 3.0e9
#define P50 0.50
#define P99 0.99
/* hops of an execution path (8.1 has 2..5): more is a typo */
#define MAX_PATH_LENGTH 1000
#define ERR_MSG_MAX 256

/*
 * Where the document gives each paradigm's constants, and them; the
 * config file's keys start with the paradigm's name (core/trap.h).
 */
static const struct {
	const char *cite;
	struct model_paradigm k;
} paradigms[VFLOW_PARADIGM_MAX] = {
	/*  trap cycles  L_trap ns   sched  isolation  eta band    path (8.1) */
	/* the document has no band for native processes: their eta is shown, not judged */
	[VFLOW_PARADIGM_HOST] = { "not isolated: the container's costs; no eta band (0, 0: none)",
	{ 0, 0,       0, 0,       500,   30, 150,   0,    0,    2 } },
	/* "> 1000, typically 2000-4000" cycles; L_exit 1600-3100 ns */
	[VFLOW_PARADIGM_FULLVIRT] = { "sections 3.5, 7.2, 8.2: VM exits",
	{ 1000, 4000, 1600, 3100, 1000,  500, 500,  0.70, 0.80, 5 } },
	[VFLOW_PARADIGM_PARAVIRT] = { "sections 4.5, 7.2, 8.2: hypercalls",
	{ 200, 400,   250, 850,   1000,  300, 300,  0.75, 0.85, 4 } },
	[VFLOW_PARADIGM_CONTAINER] = { "sections 5.5, 7.2, 8.2: no traps (S_trap = 0)",
	{ 0, 0,       0, 0,       500,   30, 150,   0.85, 0.95, 2 } },
	/* 8.2: S_trap = f_filter x L_bpf, with L_bpf 10-50 ns (6.5) */
	[VFLOW_PARADIGM_SANDBOX] = { "sections 6.5, 7.2, 8.2: seccomp-BPF filter",
	{ 10, 50,     10, 50,     500,   10, 50,    0.90, 0.98, 3 } },
};

enum field_kind { FIELD_COST, FIELD_ETA, FIELD_PATH };

/* A per-paradigm key; a field marked lo is followed by its hi. */
static const struct field {
	const char *name;
	size_t off;
	enum field_kind kind;
	bool lo;
} fields[] = {
#define F(name, kind, lo) { #name, offsetof(struct model_paradigm, name), kind, lo }
	F(trap_cycles_lo, FIELD_COST, true), F(trap_cycles_hi, FIELD_COST, false),
	F(trap_ns_lo, FIELD_COST, true), F(trap_ns_hi, FIELD_COST, false),
	F(schedule_cycles, FIELD_COST, false),
	F(isolation_cycles_lo, FIELD_COST, true), F(isolation_cycles_hi, FIELD_COST, false),
	F(eta_lo, FIELD_ETA, true), F(eta_hi, FIELD_ETA, false),
	F(path_length, FIELD_PATH, false),
#undef F
};
#define NR_FIELDS (sizeof(fields) / sizeof(fields[0]))

/* Host-wide keys come first, then paradigm p's field f at GLOBAL_KEYS + p * NR_FIELDS + f. */
enum { KEY_TSC_HZ, KEY_CAL_CSW, KEY_CAL_FILTER, GLOBAL_KEYS };
static const struct {
	const char *name;
	size_t off;
} global_keys[GLOBAL_KEYS] = {
	[KEY_TSC_HZ] = { "tsc_hz", offsetof(struct model_config, tsc_hz) },
	[KEY_CAL_CSW] = { "calibrated.context_switch_ns",
			  offsetof(struct model_config, cal_context_switch_ns) },
	[KEY_CAL_FILTER] = { "calibrated.seccomp_filter_ns",
			     offsetof(struct model_config, cal_seccomp_filter_ns) },
};
#define NR_KEYS (GLOBAL_KEYS + VFLOW_PARADIGM_MAX * NR_FIELDS)

/*
 * A rate read from this host (the kernel's tsc_freq_khz, /proc/cpuinfo's
 * "cpu MHz": user/host/tsc.c) describes this machine, not the document, so
 * it counts as calibrated. Only the built-in fallback is modelled.
 */
void model_config__init(struct model_config *c, double tsc_hz)
{
	memset(c, 0, sizeof(*c));
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++)
		c->p[p] = paradigms[p].k;
	c->tsc_hz = tsc_hz > 0 ? tsc_hz : FALLBACK_TSC_HZ;
	c->tsc_prov = tsc_hz > 0 ? PROV_CALIBRATED : PROV_MODELLED;
}

/* Offset of a key's value in struct model_config, and its field (NULL: host-wide). */
static size_t key_offset(size_t key, const struct field **fp)
{
	*fp = key < GLOBAL_KEYS ? NULL : &fields[(key - GLOBAL_KEYS) % NR_FIELDS];
	if (!*fp)
		return global_keys[key].off;
	return offsetof(struct model_config, p) + (*fp)->off +
	       (key - GLOBAL_KEYS) / NR_FIELDS * sizeof(struct model_paradigm);
}

/* A key's value as a double (path_length is stored as an int). */
static double key_value(const struct model_config *c, size_t key)
{
	const struct field *f;
	const char *at = (const char *)c + key_offset(key, &f);
	double d;
	int i;

	/* members found by their offsetof(): copied, not cast */
	if (f && f->kind == FIELD_PATH) {
		memcpy(&i, at, sizeof(i));
		return i;
	}
	memcpy(&d, at, sizeof(d));
	return d;
}

static void key_set(struct model_config *c, size_t key, double v)
{
	const struct field *f;
	char *at = (char *)c + key_offset(key, &f);

	if (f && f->kind == FIELD_PATH) {
		int i = (int)v;

		memcpy(at, &i, sizeof(i));
	} else {
		memcpy(at, &v, sizeof(v));
	}
}

static void key_name(size_t key, char *buf, size_t len)
{
	if (key < GLOBAL_KEYS)
		snprintf(buf, len, "%s", global_keys[key].name);
	else
		snprintf(buf, len, "%s.%s", paradigm_name((key - GLOBAL_KEYS) / NR_FIELDS),
			 fields[(key - GLOBAL_KEYS) % NR_FIELDS].name);
}

static long find_key(const char *name)
{
	char buf[ERR_MSG_MAX];

	for (size_t k = 0; k < NR_KEYS; k++) {
		key_name(k, buf, sizeof(buf));
		if (!strcmp(name, buf))
			return (long)k;
	}
	return -1;
}

/* One `key = value` line into @c; @seen holds the line each key was set on. */
static int parse_line(struct model_config *c, char *s, size_t *seen, const char *path,
		      size_t ln, char *err, size_t len)
{
	char *eq = strchr(s, '='), *key, *val, *end;
	const struct field *f;
	double v;
	long k;

	if (!eq)
		return conf_fail(err, len, path, ln, "missing '=' in \"%s\": write `key = value`", s);
	*eq = '\0';
	key = conf_trim(s);
	val = conf_trim(eq + 1);
	k = find_key(key);
	if (k < 0)
		return conf_fail(err, len, path, ln, "unknown key \"%s\": use tsc_hz, calibrated.* or "
			    "<paradigm>.<field> as in config/model.conf", key);
	if (seen[k])
		return conf_fail(err, len, path, ln, "duplicate key \"%s\" (first set on line %zu): "
			    "keep one", key, seen[k]);
	errno = 0;
	v = strtod(val, &end);
	if (!*val || *end || errno || !isfinite(v))
		return conf_fail(err, len, path, ln, "\"%s\" is not a number: write %s = <number>",
			    val, key);
	if (v < 0)
		return conf_fail(err, len, path, ln, "%s = %s is negative: costs, rates and bands "
			    "are >= 0", key, val);
	key_offset((size_t)k, &f);
	if (k == KEY_TSC_HZ && v == 0)
		return conf_fail(err, len, path, ln, "tsc_hz = 0: give this host's TSC rate in Hz, or "
			    "comment the line out to read it from the host");
	if (f && f->kind == FIELD_ETA && v > 1)
		return conf_fail(err, len, path, ln, "%s = %s is outside 0..1: eta is a fraction "
			    "(0.75 for 75%%)", key, val);
	if (f && f->kind == FIELD_PATH && (v < 1 || v > MAX_PATH_LENGTH || v != floor(v)))
		return conf_fail(err, len, path, ln, "%s = %s is not a positive integer: give the "
			    "number of hops (section 8.1)", key, val);
	key_set(c, (size_t)k, v);
	/* a rate written for this host (by hand or --calibrate) is this host's */
	if (k == KEY_TSC_HZ)
		c->tsc_prov = PROV_CALIBRATED;
	seen[k] = ln;
	return 0;
}

/* Bands the file touched must still have lo <= hi; blame the later line. */
static int check_bands(const struct model_config *c, const size_t *seen, const char *path,
		       char *err, size_t len)
{
	char lo_name[ERR_MSG_MAX], hi_name[ERR_MSG_MAX];

	for (size_t key = GLOBAL_KEYS; key + 1 < NR_KEYS; key++) {
		size_t ln = seen[key] > seen[key + 1] ? seen[key] : seen[key + 1];
		double lo = key_value(c, key), hi = key_value(c, key + 1);

		if (!fields[(key - GLOBAL_KEYS) % NR_FIELDS].lo || !ln || lo <= hi)
			continue;
		key_name(key, lo_name, sizeof(lo_name));
		key_name(key + 1, hi_name, sizeof(hi_name));
		return conf_fail(err, len, path, ln, "%s = %g is above %s = %g: the band's low "
			    "end must not exceed its high end", lo_name, lo, hi_name, hi);
	}
	return 0;
}

int model_config__parse(struct model_config *c, const char *text, size_t len, const char *name,
			char *err, size_t err_len)
{
	struct model_config copy = *c;
	size_t seen[NR_KEYS] = {}, ln = 0;
	struct conf_lines lines;
	char *line, *hash;
	int ret;

	ret = conf_lines__init(&lines, text, len);
	if (ret) {
		snprintf(err, err_len, "%s: out of memory: try again with more", name);
		return ret;
	}
	while (!ret && (line = conf_lines__next(&lines))) {
		char *s;

		ln++;
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		s = conf_trim(line);
		if (*s)
			ret = parse_line(&copy, s, seen, name, ln, err, err_len);
	}
	conf_lines__free(&lines);
	if (!ret)
		ret = check_bands(&copy, seen, name, err, err_len);
	if (!ret)
		*c = copy;
	return ret;
}

int model_config__save(const struct model_config *c, FILE *f)
{
	char name[ERR_MSG_MAX], num[FMT_DOUBLE_LEN];

	fprintf(f,
		"# vflow model constants: the source document's overhead model (section 8.2)\n"
		"#   S(p) = S_trap + S_schedule + S_isolation\n"
		"#   eta(p) = C_workload / (C_workload + S(p))\n"
		"# with the constants of sections 3.5, 4.5, 5.5, 6.5 and 7.2 (docs/DESIGN.md).\n"
		"# `key = value`, '#' starts a comment; a key left out keeps its default.\n"
		"# *_cycles: CPU cycles per event, converted to ns at tsc_hz; trap_ns_*:\n"
		"# the L_trap band in ns; eta_*: the efficiency band (0..1; 0 and 0: no\n"
		"# band, eta shown unjudged); path_length: hops of the execution path\n"
		"# (8.1). Figures from these are `modelled`.\n");
	for (size_t key = 0; key < NR_KEYS; key++) {
		size_t p = (key - GLOBAL_KEYS) / NR_FIELDS;

		if (key == KEY_TSC_HZ)
			fprintf(f, "\n# TSC rate in Hz, for cycles <-> ns.\n");
		else if (key == KEY_CAL_CSW)
			fprintf(f, "\n# Host profile from `vflowd --calibrate` (ns per event; "
				"0: not calibrated).\n");
		else if (key >= GLOBAL_KEYS && (key - GLOBAL_KEYS) % NR_FIELDS == 0)
			fprintf(f, "\n# %s: %s\n", paradigm_name(p), paradigms[p].cite);
		key_name(key, name, sizeof(name));
		/* a fallback is not this host's rate: leave it to the next start to read */
		if (key == KEY_TSC_HZ && c->tsc_prov == PROV_MODELLED)
			fputs("# ", f);
		/* the shortest exact form: 0.85 stays "0.85", and load(save(c)) == c */
		fprintf(f, "%s = %s\n", name, fmt_double(key_value(c, key), num, sizeof(num)));
	}
	return ferror(f) ? -EIO : 0;
}

const char *provenance_name(enum provenance p)
{
	static const char *const names[] = {
		[PROV_MEASURED] = "measured",
		[PROV_CALIBRATED] = "calibrated",
		[PROV_MODELLED] = "modelled",
		[PROV_UNKNOWN] = "unknown",
	};

	return (unsigned int)p < sizeof(names) / sizeof(names[0]) ? names[p] : "unknown";
}

double model_cycles_to_ns(const struct model_config *c, double cycles)
{
	return c->tsc_hz > 0 ? cycles / c->tsc_hz * NS_PER_SEC : 0;
}

bool model_eta_banded(const struct model_paradigm *p)
{
	return p->eta_hi > 0;
}

/* The weaker of two provenances: unknown < modelled < calibrated < measured. */
static enum provenance weakest(enum provenance a, enum provenance b)
{
	return a > b ? a : b;
}

static double mid(double lo, double hi)
{
	return (lo + hi) / 2;
}

/* The middle of a band of cycles, in ns. */
static double mid_ns(const struct model_config *c, double lo_cycles, double hi_cycles)
{
	return model_cycles_to_ns(c, mid(lo_cycles, hi_cycles));
}

static struct model_figure figure(double value, enum provenance prov)
{
	return (struct model_figure){ .value = value, .prov = prov };
}

/* count x per-event cost: no events is a measured zero, whatever the cost's origin */
static struct model_figure per_event(__u64 count, double each_ns, enum provenance prov)
{
	return figure((double)count * each_ns, count ? prov : PROV_MEASURED);
}

/* Time in the counted traps: measured when timed, else the document's mid cost. */
static struct model_figure trap_time(const struct model_config *c,
				     const struct model_paradigm *p, const struct model_inputs *in)
{
	if (in->trap_ns >= 0)
		return figure(in->trap_ns, PROV_MEASURED);
	return per_event(in->traps, mid_ns(c, p->trap_cycles_lo, p->trap_cycles_hi), PROV_MODELLED);
}

static struct model_figure trap_cost(const struct model_config *c,
				     const struct model_paradigm *p, const struct model_inputs *in)
{
	struct model_figure rt, filt;

	switch (in->paradigm) {
	case VFLOW_PARADIGM_FULLVIRT:
	case VFLOW_PARADIGM_PARAVIRT:
		return trap_time(c, p, in);
	case VFLOW_PARADIGM_SANDBOX:
		/* round trips (notify, ptrace, SIGSYS) + f_filter x L_bpf (8.2) */
		rt = trap_time(c, p, in);
		if (c->cal_seccomp_filter_ns > 0)
			filt = per_event(in->filtered_syscalls, c->cal_seccomp_filter_ns,
					 PROV_CALIBRATED);
		else
			filt = per_event(in->filtered_syscalls, mid(p->trap_ns_lo, p->trap_ns_hi),
					 PROV_MODELLED);
		return figure(rt.value + filt.value, weakest(rt.prov, filt.prov));
	default:
		/*
		 * The document's S_trap = 0 for containers (and the host): their
		 * syscalls are timed, but they are the workload's, not a trap.
		 */
		return figure(0, PROV_MODELLED);
	}
}

static void trap_latency(const struct model_config *c, const struct model_paradigm *p,
			 const struct model_inputs *in, struct model_result *out)
{
	struct model_figure mean;

	if (!in->traps)
		mean = figure(0, PROV_MEASURED);
	else if (in->trap_ns >= 0)
		mean = figure(in->trap_ns / (double)in->traps, PROV_MEASURED);
	else
		mean = figure(mid_ns(c, p->trap_cycles_lo, p->trap_cycles_hi), PROV_MODELLED);
	out->l_trap_mean_ns = mean;
	if (in->trap_hist && hist_count(in->trap_hist)) {
		out->l_trap_p50_ns = figure(hist_quantile_ns(in->trap_hist, P50), PROV_MEASURED);
		out->l_trap_p99_ns = figure(hist_quantile_ns(in->trap_hist, P99), PROV_MEASURED);
	} else {
		/* no distribution: every trap is taken to cost the mean */
		out->l_trap_p50_ns = out->l_trap_p99_ns =
			figure(mean.value, in->traps ? PROV_MODELLED : PROV_MEASURED);
	}
	/* a zero band (containers) means the document gives no L_trap to compare with */
	out->l_trap_out_of_band = in->traps && mean.prov == PROV_MEASURED && p->trap_ns_hi > 0 &&
				  (mean.value < p->trap_ns_lo || mean.value > p->trap_ns_hi);
}

/*
 * Timed traps that ran on the entity's own threads, inside its on-CPU
 * time: a VM exit or a hypercall is handled on the vCPU thread (in KVM, or
 * in the VMM's user space). A sandbox's timed traps are round trips its
 * thread sleeps through (a user-notify supervisor's reply, a ptrace stop):
 * off the CPU, so not part of its on-CPU time.
 */
static bool traps_on_cpu(enum vflow_paradigm pd)
{
	return pd == VFLOW_PARADIGM_FULLVIRT || pd == VFLOW_PARADIGM_PARAVIRT;
}

/* eta = C_workload / (C_workload + S), with its band judged where it has one. */
static void efficiency(const struct model_paradigm *p, const struct model_inputs *in,
		       enum vflow_paradigm pd, struct model_result *out)
{
	double s = out->c_trap_ns.value + out->c_schedule_ns.value + out->c_isolation_ns.value;
	double work;

	/*
	 * No on-CPU time measured (a capture, a process gone before it was
	 * read), or none at all (nothing ran): no efficiency to judge. It is
	 * unknown, not zero.
	 */
	if (in->oncpu_ns <= 0) {
		out->work_ns = out->eta = figure(0, PROV_UNKNOWN);
		return;
	}
	/* modelled trap time is an estimate: the measured on-CPU time stays the workload's base */
	work = in->oncpu_ns;
	if (in->trap_ns >= 0 && traps_on_cpu(pd))
		work = fmax(0, work - in->trap_ns);
	out->work_ns = figure(work, PROV_MEASURED);
	/* work + s > 0: the on-CPU time is in work, or in C_trap where it was all traps */
	out->eta = figure(work / (work + s), weakest(out->c_trap_ns.prov,
						     weakest(out->c_schedule_ns.prov,
							     out->c_isolation_ns.prov)));
	out->eta_out_of_band = out->eta_banded && (out->eta.value < p->eta_lo ||
						   out->eta.value > p->eta_hi);
}

void model_apply(const struct model_config *c, const struct model_inputs *in,
		 struct model_result *out)
{
	enum vflow_paradigm pd = in->paradigm < VFLOW_PARADIGM_MAX ? in->paradigm
								    : VFLOW_PARADIGM_HOST;
	const struct model_paradigm *p = &c->p[pd];

	memset(out, 0, sizeof(*out));
	out->eta_lo = p->eta_lo;
	out->eta_hi = p->eta_hi;
	out->eta_banded = model_eta_banded(p);
	out->f_trap = figure(in->interval_ns > 0 ? (double)in->traps / in->interval_ns * NS_PER_SEC
						 : 0, PROV_MEASURED);
	trap_latency(c, p, in, out);
	out->c_trap_ns = trap_cost(c, p, in);
	if (c->cal_context_switch_ns > 0)
		out->c_schedule_ns = per_event(in->sched_events, c->cal_context_switch_ns,
					       PROV_CALIBRATED);
	else
		out->c_schedule_ns = per_event(in->sched_events,
					       model_cycles_to_ns(c, p->schedule_cycles),
					       PROV_MODELLED);
	out->c_isolation_ns = per_event(in->isolation_events, mid_ns(c, p->isolation_cycles_lo,
								     p->isolation_cycles_hi),
					PROV_MODELLED);
	efficiency(p, in, pd, out);
}
