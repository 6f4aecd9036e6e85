// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The document's overhead model (section 8.2) applied to hand-computed
 * intervals of each paradigm, and the config file that holds its constants.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/model.h"
#include "host/model_files.h"

#define GHZ 1e9
#define MS 1e6		/* ns */
#define SEC 1e9		/* ns */
/* relative tolerance for figures computed in double */
#define REL_EPS 1e-12

#define assert_near(a, b) assert_true(near((a), (b)))
static bool near(double a, double b)
{
	if (fabs(a - b) <= REL_EPS * fmax(fabs(a), fabs(b)))
		return true;
	fprintf(stderr, "expected %.17g, got %.17g\n", b, a);
	return false;
}

#define assert_figure(fig, v, p)                                   \
	do {                                                       \
		assert_near((fig).value, (v));                     \
		assert_string_equal(provenance_name((fig).prov),   \
				    provenance_name(p));           \
	} while (0)

/* The document's constants with a fixed TSC rate, so tests do not depend on the host. */
static struct model_config config_at(double tsc_hz)
{
	struct model_config c;

	model_config__defaults(&c);
	c.tsc_hz = tsc_hz;
	c.tsc_prov = PROV_CALIBRATED;
	return c;
}

static void test_defaults(void **state)
{
	struct model_config c;
	const struct model_paradigm *fv, *pv, *ct, *sb, *host;

	(void)state;
	model_config__defaults(&c);
	fv = &c.p[VFLOW_PARADIGM_FULLVIRT];
	pv = &c.p[VFLOW_PARADIGM_PARAVIRT];
	ct = &c.p[VFLOW_PARADIGM_CONTAINER];
	sb = &c.p[VFLOW_PARADIGM_SANDBOX];
	host = &c.p[VFLOW_PARADIGM_HOST];
	assert_true(c.tsc_hz > 0);
	assert_true(c.tsc_prov == PROV_CALIBRATED || c.tsc_prov == PROV_MODELLED);
	if (c.tsc_prov == PROV_MODELLED)
		assert_true(c.tsc_hz == 3.0e9);
	assert_true(c.cal_context_switch_ns == 0 && c.cal_seccomp_filter_ns == 0);
	/* 7.2 / 8.2 */
	assert_true(fv->trap_cycles_lo == 1000 && fv->trap_cycles_hi == 4000);
	assert_true(fv->trap_ns_lo == 1600 && fv->trap_ns_hi == 3100);
	assert_true(fv->schedule_cycles == 1000 && fv->isolation_cycles_lo == 500 &&
		    fv->isolation_cycles_hi == 500);
	assert_true(fv->eta_lo == 0.70 && fv->eta_hi == 0.80 && fv->path_length == 5);
	assert_true(pv->trap_cycles_lo == 200 && pv->trap_cycles_hi == 400);
	assert_true(pv->trap_ns_lo == 250 && pv->trap_ns_hi == 850);
	assert_true(pv->schedule_cycles == 1000 && pv->isolation_cycles_lo == 300 &&
		    pv->isolation_cycles_hi == 300);
	assert_true(pv->eta_lo == 0.75 && pv->eta_hi == 0.85 && pv->path_length == 4);
	assert_true(ct->trap_cycles_lo == 0 && ct->trap_cycles_hi == 0 && ct->trap_ns_hi == 0);
	assert_true(ct->schedule_cycles == 500 && ct->isolation_cycles_lo == 30 &&
		    ct->isolation_cycles_hi == 150);
	assert_true(ct->eta_lo == 0.85 && ct->eta_hi == 0.95 && ct->path_length == 2);
	assert_true(sb->trap_cycles_lo == 10 && sb->trap_cycles_hi == 50);
	assert_true(sb->trap_ns_lo == 10 && sb->trap_ns_hi == 50);
	assert_true(sb->schedule_cycles == 500 && sb->isolation_cycles_lo == 10 &&
		    sb->isolation_cycles_hi == 50);
	assert_true(sb->eta_lo == 0.90 && sb->eta_hi == 0.98 && sb->path_length == 3);
	assert_true(model_eta_banded(ct) && model_eta_banded(fv) && model_eta_banded(pv) &&
		    model_eta_banded(sb));
	/* the host: the container's costs, and no band (the document gives none) */
	assert_true(host->eta_lo == 0 && host->eta_hi == 0 && !model_eta_banded(host));
	{
		struct model_paradigm like = *ct;

		like.eta_lo = like.eta_hi = 0;
		assert_memory_equal(host, &like, sizeof(*host));
	}
	assert_string_equal(provenance_name(PROV_MEASURED), "measured");
	assert_string_equal(provenance_name(PROV_CALIBRATED), "calibrated");
	assert_string_equal(provenance_name(PROV_MODELLED), "modelled");
	assert_string_equal(provenance_name(PROV_UNKNOWN), "unknown");
}

static void test_cycles_to_ns(void **state)
{
	struct model_config c = config_at(3 * GHZ);

	(void)state;
	/* 3 GHz: 3000 cycles = 3000 / 3e9 s = 1000 ns; 1000 cycles = 333.33 ns */
	assert_near(model_cycles_to_ns(&c, 3000), 1000);
	assert_near(model_cycles_to_ns(&c, 1000), 1000.0 / 3);
	/* 2.5 GHz: 1000 cycles = 400 ns; 2500 cycles = 1000 ns */
	c.tsc_hz = 2.5 * GHZ;
	assert_near(model_cycles_to_ns(&c, 1000), 400);
	assert_near(model_cycles_to_ns(&c, 2500), 1000);
	assert_true(model_cycles_to_ns(&c, 0) == 0);
}

/*
 * Full virtualisation, 1 s interval, idle (HLT) exits already left out:
 * 800 ms on CPU, 10 000 exits totalling 30 ms (measured, all in the
 * [2048, 4096) ns slot), 2 000 context switches, 10 000 isolation events.
 * At 3 GHz:
 *   f_trap      = 10 000 / 1 s                        = 10 000 /s   measured
 *   L_trap mean = 30 ms / 10 000                      = 3 000 ns    measured, in 1600..3100
 *   p50         = 2048 + 2048 * 0.5                   = 3 072 ns
 *   p99         = 2048 + 2048 * 0.99                  = 4 075.52 ns
 *   C_trap      = 30 ms                                             measured
 *   C_schedule  = 2 000 * 1000 cycles / 3 GHz         = 666 666.67 ns  modelled
 *   C_isolation = 10 000 * 500 cycles / 3 GHz         = 1 666 666.67 ns modelled
 *   C_workload  = 800 ms - 30 ms                      = 770 ms
 *   S           = 30 + 0.666667 + 1.666667 ms         = 32.333333 ms
 *   eta         = 770 / 802.333333                    = 0.959701...  modelled, above 0.80
 */
static void test_fullvirt(void **state)
{
	struct model_config c = config_at(3 * GHZ);
	__u64 hist[VFLOW_HIST_SLOTS] = { [12] = 10000 };
	struct model_inputs in = {
		.paradigm = VFLOW_PARADIGM_FULLVIRT, .interval_ns = 1 * SEC, .oncpu_ns = 800 * MS,
		.traps = 10000, .trap_ns = 30 * MS, .trap_hist = hist,
		.sched_events = 2000, .isolation_events = 10000,
	};
	struct model_result r;

	(void)state;
	model_apply(&c, &in, &r);
	assert_figure(r.f_trap, 10000, PROV_MEASURED);
	assert_figure(r.l_trap_mean_ns, 3000, PROV_MEASURED);
	assert_figure(r.l_trap_p50_ns, 3072, PROV_MEASURED);
	assert_figure(r.l_trap_p99_ns, 4075.52, PROV_MEASURED);
	assert_false(r.l_trap_out_of_band);
	assert_figure(r.c_trap_ns, 30 * MS, PROV_MEASURED);
	assert_figure(r.c_schedule_ns, 2000 * 1000 / 3.0, PROV_MODELLED);
	assert_figure(r.c_isolation_ns, 10000 * 500 / 3.0, PROV_MODELLED);
	assert_figure(r.work_ns, 770 * MS, PROV_MEASURED);
	assert_figure(r.eta, 770 * MS / (770 * MS + 30 * MS + 2e6 / 3 + 5e6 / 3), PROV_MODELLED);
	assert_near(r.eta.value, 770 / 802.3333333333334);
	assert_true(r.eta_banded);
	assert_true(r.eta_lo == 0.70 && r.eta_hi == 0.80);
	assert_true(r.eta_out_of_band);

	/*
	 * Same interval, 100 ms on CPU and 25 ms of exits (mean 2 500 ns):
	 *   eta = 75 / (75 + 25 + 0.666667 + 1.666667) = 75 / 102.333333 = 0.7329, in band
	 */
	in.oncpu_ns = 100 * MS;
	in.trap_ns = 25 * MS;
	model_apply(&c, &in, &r);
	assert_figure(r.l_trap_mean_ns, 2500, PROV_MEASURED);
	assert_near(r.eta.value, 75 / 102.33333333333333);
	assert_false(r.eta_out_of_band);

	/*
	 * Exits not timed: C_trap = 10 000 * mid(1000, 4000) = 2500 cycles
	 *   = 10 000 * 833.33 ns = 8 333 333.33 ns, modelled; nothing measured
	 *   to take out of the 800 ms:
	 *   eta = 800 / (800 + 8.333333 + 0.666667 + 1.666667) = 800 / 810.666667
	 * The histogram is gone too: p50 = p99 = the modelled mean.
	 */
	in.oncpu_ns = 800 * MS;
	in.trap_ns = -1;
	in.trap_hist = NULL;
	model_apply(&c, &in, &r);
	assert_figure(r.c_trap_ns, 10000 * 2500 / 3.0, PROV_MODELLED);
	assert_figure(r.l_trap_mean_ns, 2500 / 3.0, PROV_MODELLED);
	assert_figure(r.l_trap_p99_ns, 2500 / 3.0, PROV_MODELLED);
	assert_false(r.l_trap_out_of_band);	/* only a measured mean is judged */
	assert_near(r.eta.value, 800 / 810.6666666666666);
	assert_int_equal(r.eta.prov, PROV_MODELLED);
	assert_figure(r.work_ns, 800 * MS, PROV_MEASURED);
}

/*
 * Paravirtualisation at 2 GHz, 0.5 s interval: 400 ms on CPU, 20 000
 * hypercalls in 10 ms (measured), 1 000 context switches, 20 000 isolation
 * events.
 *   f_trap      = 20 000 / 0.5 s                 = 40 000 /s
 *   L_trap mean = 10 ms / 20 000                 = 500 ns, in 250..850
 *   C_schedule  = 1 000 * 1000 cycles / 2 GHz    = 500 000 ns   modelled
 *   C_isolation = 20 000 * 300 cycles / 2 GHz    = 3 000 000 ns modelled
 *   eta         = 390 / (390 + 10 + 0.5 + 3)     = 390 / 403.5 = 0.96654, above 0.85
 * With a calibrated context switch of 2 000 ns:
 *   C_schedule  = 1 000 * 2 000 ns               = 2 ms calibrated
 *   eta         = 390 / (390 + 10 + 2 + 3)       = 390 / 405 = 0.96296, still modelled
 * 20 ms of hypercalls: mean 1 000 ns, above 850: flagged.
 */
static void test_paravirt(void **state)
{
	struct model_config c = config_at(2 * GHZ);
	struct model_inputs in = {
		.paradigm = VFLOW_PARADIGM_PARAVIRT, .interval_ns = 0.5 * SEC, .oncpu_ns = 400 * MS,
		.traps = 20000, .trap_ns = 10 * MS, .sched_events = 1000, .isolation_events = 20000,
	};
	struct model_result r;

	(void)state;
	model_apply(&c, &in, &r);
	assert_figure(r.f_trap, 40000, PROV_MEASURED);
	assert_figure(r.l_trap_mean_ns, 500, PROV_MEASURED);
	/* no histogram: the quantiles are the mean, a model of the distribution */
	assert_figure(r.l_trap_p50_ns, 500, PROV_MODELLED);
	assert_false(r.l_trap_out_of_band);
	assert_figure(r.c_trap_ns, 10 * MS, PROV_MEASURED);
	assert_figure(r.c_schedule_ns, 500000, PROV_MODELLED);
	assert_figure(r.c_isolation_ns, 3 * MS, PROV_MODELLED);
	assert_figure(r.eta, 390 / 403.5, PROV_MODELLED);
	assert_true(r.eta_lo == 0.75 && r.eta_hi == 0.85);
	assert_true(r.eta_out_of_band);

	c.cal_context_switch_ns = 2000;
	model_apply(&c, &in, &r);
	assert_figure(r.c_schedule_ns, 2 * MS, PROV_CALIBRATED);
	assert_figure(r.eta, 390 / 405.0, PROV_MODELLED);

	in.trap_ns = 20 * MS;
	model_apply(&c, &in, &r);
	assert_figure(r.l_trap_mean_ns, 1000, PROV_MEASURED);
	assert_true(r.l_trap_out_of_band);
}

/*
 * Container at 3 GHz, 1 s: 200 ms on CPU, 50 000 syscalls in 5 ms
 * (measured, but not traps: S_trap = 0 by the document), 4 000 context
 * switches, 50 000 isolation events.
 *   C_trap      = 0                                   modelled
 *   L_trap mean = 5 ms / 50 000 = 100 ns              measured, no band (0..0): not flagged
 *   C_schedule  = 4 000 * 500 cycles / 3 GHz  = 666 666.67 ns
 *   C_isolation = 50 000 * mid(30, 150) = 90 cycles = 30 ns -> 1.5 ms
 *   C_workload  = 200 ms (syscall time is the workload's)
 *   eta         = 200 / (200 + 0.666667 + 1.5) = 200 / 202.166667 = 0.98928, above 0.95
 */
static void test_container(void **state)
{
	struct model_config c = config_at(3 * GHZ);
	struct model_inputs in = {
		.paradigm = VFLOW_PARADIGM_CONTAINER, .interval_ns = 1 * SEC, .oncpu_ns = 200 * MS,
		.traps = 50000, .trap_ns = 5 * MS, .sched_events = 4000, .isolation_events = 50000,
	};
	struct model_result r;

	(void)state;
	model_apply(&c, &in, &r);
	assert_figure(r.c_trap_ns, 0, PROV_MODELLED);
	assert_figure(r.l_trap_mean_ns, 100, PROV_MEASURED);
	assert_false(r.l_trap_out_of_band);
	assert_figure(r.c_schedule_ns, 2e6 / 3, PROV_MODELLED);
	assert_figure(r.c_isolation_ns, 1.5 * MS, PROV_MODELLED);
	assert_figure(r.eta, 200 / 202.16666666666666, PROV_MODELLED);
	assert_true(r.eta_out_of_band);

	/* the host uses the container's costs, and has no band: its eta is not judged */
	in.paradigm = VFLOW_PARADIGM_HOST;
	model_apply(&c, &in, &r);
	assert_figure(r.c_trap_ns, 0, PROV_MODELLED);
	assert_near(r.eta.value, 200 / 202.16666666666666);
	assert_false(r.eta_banded);
	assert_false(r.eta_out_of_band);
	assert_true(r.eta_lo == 0 && r.eta_hi == 0);
	/* unless the config gives it one */
	c.p[VFLOW_PARADIGM_HOST].eta_lo = 0.995;
	c.p[VFLOW_PARADIGM_HOST].eta_hi = 1;
	model_apply(&c, &in, &r);
	assert_true(r.eta_banded);
	assert_true(r.eta_out_of_band);
}

/*
 * Sandbox at 3 GHz, 1 s: 500 ms on CPU, 1 000 user-notify round trips in
 * 20 ms (measured), 100 000 syscalls through the seccomp filter, 3 000
 * context switches, 100 000 isolation events.
 *   L_trap mean = 20 ms / 1 000 = 20 000 ns        measured, above 10..50: flagged
 *   L_bpf       = mid(10, 50) = 30 ns              modelled
 *   C_trap      = 20 ms + 100 000 * 30 ns = 23 ms  modelled (weakest part)
 *   C_schedule  = 3 000 * 500 / 3 GHz = 500 000 ns
 *   C_isolation = 100 000 * mid(10, 50) = 30 cycles = 10 ns -> 1 ms
 *   C_workload  = 500 ms: the round trips are slept through, off the CPU
 *   eta         = 500 / (500 + 23 + 0.5 + 1) = 500 / 524.5 = 0.95329, in 0.90..0.98
 * With the filter calibrated at 45 ns:
 *   C_trap      = 20 ms + 100 000 * 45 ns = 24.5 ms  calibrated
 *   eta         = 500 / (500 + 24.5 + 0.5 + 1) = 500 / 526 = 0.95057
 * Round trips longer than the on-CPU time (a supervisor that takes 1 ms a
 * reply): 10 ms on CPU, 1 000 round trips in 1 s, no filter run counted:
 *   eta         = 10 / (10 + 1000 + 0.5 + 1) = 0.0098866, below the band (not 0)
 */
static void test_sandbox(void **state)
{
	struct model_config c = config_at(3 * GHZ);
	struct model_inputs in = {
		.paradigm = VFLOW_PARADIGM_SANDBOX, .interval_ns = 1 * SEC, .oncpu_ns = 500 * MS,
		.traps = 1000, .trap_ns = 20 * MS, .filtered_syscalls = 100000,
		.sched_events = 3000, .isolation_events = 100000,
	};
	struct model_result r;

	(void)state;
	model_apply(&c, &in, &r);
	assert_figure(r.f_trap, 1000, PROV_MEASURED);
	assert_figure(r.l_trap_mean_ns, 20000, PROV_MEASURED);
	assert_true(r.l_trap_out_of_band);
	assert_figure(r.c_trap_ns, 23 * MS, PROV_MODELLED);
	assert_figure(r.c_schedule_ns, 500000, PROV_MODELLED);
	assert_figure(r.c_isolation_ns, 1 * MS, PROV_MODELLED);
	assert_figure(r.work_ns, 500 * MS, PROV_MEASURED);
	assert_figure(r.eta, 500 / 524.5, PROV_MODELLED);
	assert_false(r.eta_out_of_band);

	c.cal_seccomp_filter_ns = 45;
	model_apply(&c, &in, &r);
	assert_figure(r.c_trap_ns, 24.5 * MS, PROV_CALIBRATED);
	assert_figure(r.eta, 500 / 526.0, PROV_MODELLED);
	assert_false(r.eta_out_of_band);

	c.cal_seccomp_filter_ns = 0;
	in.oncpu_ns = 10 * MS;
	in.trap_ns = 1 * SEC;
	in.filtered_syscalls = 0;
	model_apply(&c, &in, &r);
	assert_figure(r.work_ns, 10 * MS, PROV_MEASURED);
	assert_figure(r.eta, 10 / 1011.5, PROV_MODELLED);
	assert_true(r.eta_out_of_band);
}

/*
 * A sum is as weak as its weakest part; a part with no events is a
 * measured zero. Sandbox at 3 GHz, 100 ms on CPU, 10 ms of measured traps.
 */
static void test_provenance_of_sums(void **state)
{
	struct model_config c = config_at(3 * GHZ);
	struct model_inputs in = {
		.paradigm = VFLOW_PARADIGM_SANDBOX, .interval_ns = 1 * SEC, .oncpu_ns = 100 * MS,
		.traps = 100, .trap_ns = 10 * MS,
	};
	struct model_result r;

	(void)state;
	/* only measured parts: eta = 100 / (100 + 10), measured */
	model_apply(&c, &in, &r);
	assert_figure(r.c_trap_ns, 10 * MS, PROV_MEASURED);
	assert_figure(r.c_schedule_ns, 0, PROV_MEASURED);
	assert_figure(r.eta, 100 / 110.0, PROV_MEASURED);

	/* + calibrated filter (1 000 * 40 ns) and context switches (100 * 1 000 ns) */
	c.cal_seccomp_filter_ns = 40;
	c.cal_context_switch_ns = 1000;
	in.filtered_syscalls = 1000;
	in.sched_events = 100;
	model_apply(&c, &in, &r);
	assert_figure(r.c_trap_ns, 10.04 * MS, PROV_CALIBRATED);
	assert_figure(r.c_schedule_ns, 0.1 * MS, PROV_CALIBRATED);
	assert_figure(r.eta, 100 / (100 + 10.04 + 0.1), PROV_CALIBRATED);

	/* + modelled isolation (300 * 10 ns): eta becomes modelled */
	in.isolation_events = 300;
	model_apply(&c, &in, &r);
	assert_figure(r.c_isolation_ns, 3000, PROV_MODELLED);
	assert_figure(r.eta, 100 / (100 + 10.04 + 0.1 + 0.003), PROV_MODELLED);

	/* modelled filter cost with calibrated round trips: C_trap modelled */
	c.cal_seccomp_filter_ns = 0;
	model_apply(&c, &in, &r);
	assert_figure(r.c_trap_ns, 10 * MS + 1000 * 30, PROV_MODELLED);
}

static void test_zero_oncpu(void **state)
{
	struct model_config c = config_at(3 * GHZ);
	struct model_inputs in = {
		.paradigm = VFLOW_PARADIGM_FULLVIRT, .interval_ns = 1 * SEC,
		.traps = 0, .trap_ns = 0, .sched_events = 10, .isolation_events = 10,
	};
	struct model_result r;

	(void)state;
	/* nothing ran: no efficiency to judge, whatever the modelled costs */
	model_apply(&c, &in, &r);
	assert_figure(r.eta, 0, PROV_UNKNOWN);
	assert_figure(r.work_ns, 0, PROV_UNKNOWN);
	assert_figure(r.c_schedule_ns, 10 * 1000 / 3.0, PROV_MODELLED);
	assert_false(r.eta_out_of_band);
	assert_figure(r.f_trap, 0, PROV_MEASURED);
	assert_figure(r.l_trap_mean_ns, 0, PROV_MEASURED);
	assert_figure(r.l_trap_p99_ns, 0, PROV_MEASURED);
	assert_false(r.l_trap_out_of_band);
	/* trap time cannot exceed on-CPU time without making the workload negative */
	in.oncpu_ns = 1 * MS;
	in.traps = 1000;
	in.trap_ns = 2 * MS;
	model_apply(&c, &in, &r);
	assert_true(r.eta.value == 0);
	assert_int_equal(r.eta.prov, PROV_MODELLED);
	assert_true(r.eta_out_of_band);
	/* no on-CPU time measured at all (a capture): unknown, never judged; the terms stay */
	in.oncpu_ns = -1;
	model_apply(&c, &in, &r);
	assert_figure(r.eta, 0, PROV_UNKNOWN);
	assert_figure(r.work_ns, 0, PROV_UNKNOWN);
	assert_figure(r.c_trap_ns, 2 * MS, PROV_MEASURED);
	assert_figure(r.f_trap, 1000, PROV_MEASURED);
	assert_false(r.eta_out_of_band);
}

/* ---- config file ---- */

static char tmp_path[] = "/tmp/vflow_model_XXXXXX";

static int make_tmp(void **state)
{
	int fd;

	(void)state;
	strcpy(tmp_path, "/tmp/vflow_model_XXXXXX");
	fd = mkstemp(tmp_path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int remove_tmp(void **state)
{
	(void)state;
	unlink(tmp_path);
	return 0;
}

static void write_tmp(const char *text)
{
	FILE *f = fopen(tmp_path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void save_tmp(const struct model_config *c)
{
	FILE *f = fopen(tmp_path, "w");

	assert_non_null(f);
	assert_int_equal(model_config__save(c, f), 0);
	assert_int_equal(fclose(f), 0);
}

static void assert_config_equal(const struct model_config *a, const struct model_config *b)
{
	assert_true(a->tsc_hz == b->tsc_hz);
	assert_int_equal(a->tsc_prov, b->tsc_prov);
	assert_true(a->cal_context_switch_ns == b->cal_context_switch_ns);
	assert_true(a->cal_seccomp_filter_ns == b->cal_seccomp_filter_ns);
	for (int i = 0; i < VFLOW_PARADIGM_MAX; i++) {
		const struct model_paradigm *x = &a->p[i], *y = &b->p[i];

		assert_true(x->trap_cycles_lo == y->trap_cycles_lo);
		assert_true(x->trap_cycles_hi == y->trap_cycles_hi);
		assert_true(x->trap_ns_lo == y->trap_ns_lo);
		assert_true(x->trap_ns_hi == y->trap_ns_hi);
		assert_true(x->schedule_cycles == y->schedule_cycles);
		assert_true(x->isolation_cycles_lo == y->isolation_cycles_lo);
		assert_true(x->isolation_cycles_hi == y->isolation_cycles_hi);
		assert_true(x->eta_lo == y->eta_lo);
		assert_true(x->eta_hi == y->eta_hi);
		assert_int_equal(x->path_length, y->path_length);
	}
}

static void test_save_load_round_trip(void **state)
{
	struct model_config def, c, back;
	char err[512] = "";

	(void)state;
	/* the defaults, read back over a zeroed config with only the TSC set */
	model_config__defaults(&def);
	save_tmp(&def);
	memset(&back, 0, sizeof(back));
	back.tsc_hz = def.tsc_hz;
	back.tsc_prov = def.tsc_prov;
	assert_int_equal(model_config__load(&back, tmp_path, err, sizeof(err)), 0);
	assert_config_equal(&back, &def);

	/* every value changed to one that %g would round: all come back exactly */
	c = def;
	c.tsc_hz = 2896123456.789;
	c.tsc_prov = PROV_CALIBRATED;
	c.cal_context_switch_ns = 1234.5678901234567;
	c.cal_seccomp_filter_ns = 0.1;
	for (int i = 0; i < VFLOW_PARADIGM_MAX; i++) {
		struct model_paradigm *p = &c.p[i];

		p->trap_cycles_lo = 1.0 / 3 + i;
		p->trap_cycles_hi = 2.0 / 3 + 10 * i;
		p->trap_ns_lo = 0.1 * i;
		p->trap_ns_hi = 1e5 / 7 + i;
		p->schedule_cycles = 777.77777777777777 + i;
		p->isolation_cycles_lo = 3.14159265358979 * i;
		p->isolation_cycles_hi = 100.000000000001 + i;
		p->eta_lo = 0.1 + 0.01 * i;
		p->eta_hi = 0.9 + 0.01 * i;
		p->path_length = 2 + i;
	}
	save_tmp(&c);
	model_config__defaults(&back);
	assert_int_equal(model_config__load(&back, tmp_path, err, sizeof(err)), 0);
	assert_config_equal(&back, &c);

	/* a modelled TSC is not written as this host's rate: the loaded one stays */
	c.tsc_hz = 3e9;
	c.tsc_prov = PROV_MODELLED;
	save_tmp(&c);
	back = c;
	back.tsc_hz = 1e9;
	assert_int_equal(model_config__load(&back, tmp_path, err, sizeof(err)), 0);
	assert_true(back.tsc_hz == 1e9);
	assert_int_equal(back.tsc_prov, PROV_MODELLED);

	/* a rate in the file is this host's: calibrated, over a modelled fallback */
	write_tmp("tsc_hz = 2.1e9\n");
	assert_int_equal(model_config__load(&back, tmp_path, err, sizeof(err)), 0);
	assert_true(back.tsc_hz == 2.1e9);
	assert_int_equal(back.tsc_prov, PROV_CALIBRATED);
}

/* The shipped file is what save() writes, but for the host-specific TSC line. */
static void assert_shipped_is_saved(const char *path, const struct model_config *def)
{
	char *saved = NULL, *line = NULL, *next;
	size_t saved_len = 0, cap = 0;
	FILE *mem = open_memstream(&saved, &saved_len), *f = fopen(path, "r");
	const char *want;

	assert_non_null(mem);
	assert_non_null(f);
	assert_int_equal(model_config__save(def, mem), 0);
	fclose(mem);
	want = saved;
	while (getline(&line, &cap, f) > 0) {
		next = strchr(want, '\n');
		assert_non_null(next);
		if (strncmp(line, "# tsc_hz = ", 11) && strncmp(line, "tsc_hz = ", 9) &&
		    strncmp(line, want, (size_t)(next - want) + 1))
			fail_msg("%s differs from save(): \"%s\" vs \"%.*s\"", path, line,
				 (int)(next - want), want);
		want = next + 1;
	}
	assert_string_equal(want, "");
	free(line);
	free(saved);
	fclose(f);
}

static void test_shipped_config(void **state)
{
	const char *dir = getenv("VFLOW_CONFIG_DIR");
	struct model_config def, c;
	char path[4096], err[512] = "";

	(void)state;
	snprintf(path, sizeof(path), "%s/model.conf", dir ? dir : "config");
	model_config__defaults(&def);
	c = def;
	c.tsc_hz = 1.5e9;	/* left commented out: the file must not touch it */
	if (model_config__load(&c, path, err, sizeof(err)))
		fail_msg("%s", err);
	c.tsc_hz = def.tsc_hz;
	assert_config_equal(&c, &def);
	assert_shipped_is_saved(path, &def);
}

/* A bad file: -EINVAL, "FILE:LINE: ..." naming @line, and the config untouched. */
static void expect_rejected(const char *text, int line, const char *what)
{
	struct model_config c, before;
	char err[512] = "", want[600];

	model_config__defaults(&c);
	c.cal_context_switch_ns = 42;
	before = c;
	write_tmp(text);
	assert_int_equal(model_config__load(&c, tmp_path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:%d: ", tmp_path, line);
	if (strncmp(err, want, strlen(want)) || !strstr(err, what))
		fail_msg("want \"%s...%s\", got \"%s\"", want, what, err);
	/* the last ": " separates what is wrong from what to do */
	assert_non_null(strstr(err + strlen(want), ": "));
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_rejects(void **state)
{
	struct model_config c;
	char err[512] = "";

	(void)state;
	expect_rejected("# comment\n\nfullvirt.trap_cycle_lo = 10\n", 3, "unknown key");
	expect_rejected("tsc_hz = 3e9\n\n# x\nsandbox.eta_lo = 0.9\nsandbox.eta_hi = 0.9x\n", 5,
			"not a number");
	expect_rejected("paravirt.schedule_cycles =\n", 1, "not a number");
	expect_rejected("container.isolation_cycles_lo = 200\n", 1, "above");
	expect_rejected("fullvirt.trap_ns_hi = 1000\n\nfullvirt.trap_ns_lo = 500\n"
			"fullvirt.trap_ns_lo = 2000\n", 4, "duplicate");
	expect_rejected("paravirt.trap_ns_lo = 900 # above the default hi\n"
			"paravirt.eta_lo = 0.8\nparavirt.trap_ns_hi = 800\n", 3, "above");
	expect_rejected("host.eta_hi = 1.5\n", 1, "outside 0..1");
	expect_rejected("calibrated.seccomp_filter_ns = 30\ncalibrated.seccomp_filter_ns = 31\n",
			2, "duplicate");
	expect_rejected("\n\nsandbox.trap_ns_lo 10\n", 3, "missing '='");
	expect_rejected("fullvirt.schedule_cycles = -1\n", 1, "negative");
	expect_rejected("fullvirt.path_length = 2.5\n", 1, "positive integer");
	expect_rejected("fullvirt.path_length = 0\n", 1, "positive integer");
	expect_rejected("tsc_hz = 0\n", 1, "tsc_hz");
	expect_rejected("tsc_hz = nan\n", 1, "not a number");
	expect_rejected("vm.eta_lo = 0.5\n", 1, "unknown key");

	model_config__defaults(&c);
	assert_int_equal(model_config__load(&c, "/nonexistent/model.conf", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/model.conf: "));
}

/* The pure parts core holds: the constants at a given rate, and config text without a file. */
static void test_init_and_parse_text(void **state)
{
	static const char text[] = "# no newline at the end\nfullvirt.eta_lo = 0.5\r\n\n"
				   "fullvirt.eta_hi = 0.6";
	static const char nul[] = "host.eta_lo = 0.1\0junk\nhost.eta_hi = 0.2\n";
	static const char bad[] = "\n\nhost.eta_hi = 2\n";
	struct model_config c, before;
	char err[512] = "";

	(void)state;
	model_config__init(&c, 0);
	assert_true(c.tsc_hz == 3.0e9 && c.tsc_prov == PROV_MODELLED);
	model_config__init(&c, 2.5e9);
	assert_true(c.tsc_hz == 2.5e9 && c.tsc_prov == PROV_CALIBRATED);
	assert_true(c.p[VFLOW_PARADIGM_FULLVIRT].eta_lo == 0.70);
	/* the text's length counts, not a NUL: the last line has no newline */
	assert_int_equal(model_config__parse(&c, text, sizeof(text) - 1, "inline", err, sizeof(err)), 0);
	assert_true(c.p[VFLOW_PARADIGM_FULLVIRT].eta_lo == 0.5 && c.p[VFLOW_PARADIGM_FULLVIRT].eta_hi == 0.6);
	/* a NUL byte ends its line, as getline() from a file would have it; the next line counts */
	before = c;
	assert_int_equal(model_config__parse(&c, nul, sizeof(nul) - 1, "nul", err, sizeof(err)), 0);
	assert_true(c.p[VFLOW_PARADIGM_HOST].eta_lo == 0.1 && c.p[VFLOW_PARADIGM_HOST].eta_hi == 0.2);
	/* an error names the text and its line, and changes nothing */
	c = before;
	assert_int_equal(model_config__parse(&c, bad, sizeof(bad) - 1, "inline", err, sizeof(err)),
			 -EINVAL);
	assert_true(!strncmp(err, "inline:3: ", 10));
	assert_memory_equal(&c, &before, sizeof(c));
	assert_int_equal(model_config__parse(&c, "", 0, "empty", err, sizeof(err)), 0);
	assert_memory_equal(&c, &before, sizeof(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_init_and_parse_text),
		cmocka_unit_test(test_cycles_to_ns),
		cmocka_unit_test(test_fullvirt),
		cmocka_unit_test(test_paravirt),
		cmocka_unit_test(test_container),
		cmocka_unit_test(test_sandbox),
		cmocka_unit_test(test_provenance_of_sums),
		cmocka_unit_test(test_zero_oncpu),
		cmocka_unit_test_setup_teardown(test_save_load_round_trip, make_tmp, remove_tmp),
		cmocka_unit_test(test_shipped_config),
		cmocka_unit_test_setup_teardown(test_rejects, make_tmp, remove_tmp),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
