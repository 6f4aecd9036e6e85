// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The exporter's rendering: bounded cardinality, expiry, histograms, formats. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/model_files.h"
#include "serve/metrics.h"

#define NS 1000000000ULL
#define NR_ENT 5

static struct snapshot snap;
static struct entity ents[NR_ENT];
static struct trap_row rows[NR_ENT];

/* Five host cgroups with 50, 40, 30, 20, 10 getppid calls of ~1 us. */
static void fake_report(struct report *r, bool last_gone)
{
	memset(r, 0, sizeof(*r));
	memset(ents, 0, sizeof(ents));
	for (int i = 0; i < NR_ENT; i++) {
		rows[i] = (struct trap_row){ .kind = VFLOW_TRAP_SYSCALL, .owner = 100 + i, .code = 110,
					     .count = 50 - 10 * i, .total_ns = (50 - 10 * i) * 1000ULL };
		rows[i].hist[vflow_hist_slot(1000)] = rows[i].count;
		ents[i].cgroup_id = 100 + i;
		snprintf(ents[i].wl.name, sizeof(ents[i].wl.name), "/cg%d", i);
		ents[i].total = rows[i];
		ents[i].rows = &rows[i];
		ents[i].nr_rows = 1;
	}
	ents[NR_ENT - 1].gone = last_gone;
	snap.rows = rows;
	snap.nr_rows = NR_ENT;
	r->cum = &snap;
	r->entities = ents;
	r->nr_entities = NR_ENT;
	r->syscall_via = "tp_btf";
}

static bool has(const char *body, const char *line)
{
	return strstr(body, line) != NULL;
}

static void test_cardinality_folds_into_other(void **state)
{
	struct metrics m;
	struct report r;
	size_t len;
	char *b;

	(void)state;
	assert_int_equal(metrics__init(&m, 2, 300 * NS), 0);
	fake_report(&r, false);
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 1 * NS), 0);
	b = metrics__body(&m, false, &len);
	assert_non_null(b);
	assert_true(has(b, "vflow_syscalls_total{entity=\"/cg0\",paradigm=\"host\",runtime=\"host\"} 50\n"));
	assert_true(has(b, "vflow_syscalls_total{entity=\"/cg1\",paradigm=\"host\",runtime=\"host\"} 40\n"));
	assert_false(has(b, "entity=\"/cg2\""));
	/* 30 + 20 + 10: counters stay monotonic when entities fold */
	assert_true(has(b, "vflow_syscalls_total{entity=\"other\",paradigm=\"host\",runtime=\"host\"} 60\n"));
	assert_true(has(b, "vflow_exported_entities{type=\"container\"} 2\n"));
	free(b);
	metrics__free(&m);
}

static void test_gone_and_idle_expire(void **state)
{
	struct metrics m;
	struct report r;
	size_t len;
	char *b;

	(void)state;
	assert_int_equal(metrics__init(&m, 10, 300 * NS), 0);
	fake_report(&r, true);
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 1 * NS), 0);
	b = metrics__body(&m, false, &len);
	assert_true(has(b, "entity=\"/cg4\""));	/* gone, but recently active */
	free(b);
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 400 * NS), 0);
	b = metrics__body(&m, false, &len);
	assert_false(has(b, "entity=\"/cg4\""));	/* gone and idle past the TTL */
	assert_true(has(b, "vflow_syscalls_total{entity=\"other\",paradigm=\"host\",runtime=\"host\"} 10\n"));
	free(b);
	metrics__free(&m);
}

static void test_histogram_and_openmetrics(void **state)
{
	struct metrics m;
	struct report r;
	size_t len;
	char *b;

	(void)state;
	assert_int_equal(metrics__init(&m, 10, 300 * NS), 0);
	fake_report(&r, false);
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 1 * NS), 0);
	b = metrics__body(&m, false, &len);
	/* 1000 ns lies in slot 10: [512, 1024) ns, bucket le = 1.024e-06 s */
	assert_true(has(b, "vflow_syscall_latency_seconds_bucket{entity=\"/cg0\",paradigm=\"host\",runtime=\"host\",le=\"5.12e-07\"} 0\n"));
	assert_true(has(b, "vflow_syscall_latency_seconds_bucket{entity=\"/cg0\",paradigm=\"host\",runtime=\"host\",le=\"1.024e-06\"} 50\n"));
	assert_true(has(b, "vflow_syscall_latency_seconds_bucket{entity=\"/cg0\",paradigm=\"host\",runtime=\"host\",le=\"+Inf\"} 50\n"));
	assert_true(has(b, "vflow_syscall_latency_seconds_sum{entity=\"/cg0\",paradigm=\"host\",runtime=\"host\"} 5e-05\n"));
	assert_true(has(b, "# TYPE vflow_syscalls_total counter\n"));
	free(b);
	b = metrics__body(&m, true, &len);
	assert_true(has(b, "# TYPE vflow_syscalls counter\n"));
	assert_string_equal(b + len - 6, "# EOF\n");
	free(b);
	metrics__free(&m);
}

static void test_label_escaping(void **state)
{
	struct metrics m;
	struct report r;
	size_t len;
	char *b;

	(void)state;
	assert_int_equal(metrics__init(&m, 10, 300 * NS), 0);
	fake_report(&r, false);
	snprintf(ents[0].wl.name, sizeof(ents[0].wl.name), "/a\"b\\c\nd");
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 1 * NS), 0);
	b = metrics__body(&m, false, &len);
	assert_true(has(b, "entity=\"/a\\\"b\\\\c\\nd\""));
	free(b);
	metrics__free(&m);
}

/*
 * A container its runtime named: its series keep "entity" (its id) and add
 * the names the runtime gave, no label for one it did not; the others
 * are as before.
 */
static void test_runtime_name_labels(void **state)
{
	struct runtime_names names = { .name = "web-1", .image = "localhost/shop/web:1.4",
				       .source = RUNTIME_SRC_STORAGE_STATE };
	struct metrics m;
	struct report r;
	size_t len;
	char *b;

	(void)state;
	assert_int_equal(metrics__init(&m, 10, 300 * NS), 0);
	fake_report(&r, true);
	snprintf(ents[0].wl.name, sizeof(ents[0].wl.name), "podman:371d585015de");
	ents[0].wl.runtime = WORKLOAD_RT_PODMAN;
	ents[0].wl.paradigm = VFLOW_PARADIGM_CONTAINER;
	ents[0].names = &names;
	ents[0].display = (char *)"podman:web-1";
	ents[0].model.has_totals = true;
	ents[0].model.totals.traps = 7;
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 1 * NS), 0);
	b = metrics__body(&m, false, &len);
	assert_true(has(b, "vflow_syscalls_total{entity=\"podman:371d585015de\",paradigm=\"container\","
			   "runtime=\"podman\",container=\"web-1\",image=\"localhost/shop/web:1.4\"} 50\n"));
	assert_true(has(b, "vflow_syscall_calls_total{entity=\"podman:371d585015de\",syscall=\"getppid\","
			   "container=\"web-1\",image=\"localhost/shop/web:1.4\"} 50\n"));
	assert_true(has(b, "vflow_syscall_latency_seconds_count{entity=\"podman:371d585015de\","
			   "paradigm=\"container\",runtime=\"podman\",container=\"web-1\","
			   "image=\"localhost/shop/web:1.4\"} 50\n"));
	/* the model's per-entity families too */
	assert_true(has(b, "vflow_entity_overhead_traps_total{type=\"container\",entity=\"podman:371d585015de\","
			   "paradigm=\"container\",container=\"web-1\",image=\"localhost/shop/web:1.4\"} 7\n"));
	assert_false(has(b, "pod=\""));
	assert_false(has(b, "namespace=\""));
	/* a cgroup no runtime named: the labels of before */
	assert_true(has(b, "vflow_syscalls_total{entity=\"/cg1\",paradigm=\"host\",runtime=\"host\"} 40\n"));
	free(b);
	metrics__free(&m);
}

/* The value of the sample @series ("name{labels}") in @body, or -1 if absent. */
static double sample_value(const char *body, const char *series)
{
	char key[256];
	const char *at;

	snprintf(key, sizeof(key), "\n%s ", series);
	at = strstr(body, key);
	return at ? strtod(at + strlen(key), NULL) : -1;
}

#define BAND(p, bound) "vflow_model_trap_latency_seconds{paradigm=\"" p "\",bound=\"" bound "\"}"
#define ETA_BAND(p, bound) "vflow_model_eta_band_ratio{paradigm=\"" p "\",bound=\"" bound "\"}"

/* The bands come from the loaded model: an edited model.conf shows in /metrics. */
static void test_bands_from_model(void **state)
{
	char path[] = "/tmp/vflow-test-metrics-XXXXXX", err[256];
	struct model_config mc;
	struct metrics m;
	struct report r;
	size_t len;
	FILE *f;
	char *b;
	int fd;

	(void)state;
	assert_int_equal(metrics__init(&m, 10, 300 * NS), 0);
	fake_report(&r, false);
	/* no model: no band to show */
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 1 * NS), 0);
	b = metrics__body(&m, false, &len);
	assert_false(has(b, "vflow_model_trap_latency_seconds"));
	free(b);
	/* the document's bands by default */
	model_config__defaults(&mc);
	r.model = &mc;
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 1 * NS), 0);
	b = metrics__body(&m, false, &len);
	assert_true(sample_value(b, BAND("fullvirt", "low")) == 1600 / 1e9);
	assert_true(sample_value(b, BAND("fullvirt", "high")) == 3100 / 1e9);
	assert_true(sample_value(b, BAND("paravirt", "low")) == 250 / 1e9);
	assert_true(sample_value(b, BAND("paravirt", "high")) == 850 / 1e9);
	/* the shortest form that reads back, as Prometheus's clients print: not 1.5999999999999999e-06 */
	assert_true(has(b, BAND("fullvirt", "low") " 1.6e-06\n"));
	free(b);
	/* a config file that moves them, as SIGHUP reloads it */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("fullvirt.trap_ns_lo = 1200\nfullvirt.trap_ns_hi = 4500\nparavirt.trap_ns_hi = 990\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(model_config__load(&mc, path, err, sizeof(err)), 0);
	unlink(path);
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 2 * NS), 0);
	b = metrics__body(&m, false, &len);
	assert_true(sample_value(b, BAND("fullvirt", "low")) == 1200 / 1e9);
	assert_true(sample_value(b, BAND("fullvirt", "high")) == 4500 / 1e9);
	assert_true(sample_value(b, BAND("paravirt", "low")) == 250 / 1e9);
	assert_true(sample_value(b, BAND("paravirt", "high")) == 990 / 1e9);
	/* only the VM paradigms' bands: the sandbox's is the filter's cost */
	assert_false(has(b, "vflow_model_trap_latency_seconds{paradigm=\"sandbox\""));
	/* eta bands: every paradigm's but the host's, which the document does not give */
	assert_true(has(b, ETA_BAND("container", "low") " 0.85\n"));
	assert_true(has(b, ETA_BAND("sandbox", "high") " 0.98\n"));
	assert_true(has(b, ETA_BAND("fullvirt", "low") " 0.7\n"));
	assert_false(has(b, ETA_BAND("host", "low")));
	free(b);
	/* unless the config gives the host one */
	mc.p[VFLOW_PARADIGM_HOST].eta_lo = 0.5;
	mc.p[VFLOW_PARADIGM_HOST].eta_hi = 1;
	assert_int_equal(metrics__render(&m, &r, NULL, 0, 3 * NS), 0);
	b = metrics__body(&m, false, &len);
	assert_true(has(b, ETA_BAND("host", "low") " 0.5\n"));
	assert_true(has(b, ETA_BAND("host", "high") " 1\n"));
	free(b);
	metrics__free(&m);
}

/*
 * The model's running sums of each cgroup: /cg<i> worked (i + 1) s and paid
 * 1 ms of C_schedule and 3 ms of C_isolation; /cg0 also waited 0.5 s on a
 * run queue, in 1 000 waits of ~4 us. /cg1's last eta is unknown.
 */
static void fake_model(struct report *r)
{
	for (int i = 0; i < NR_ENT; i++) {
		struct entity_model *m = &ents[i].model;

		m->valid = m->has_totals = true;
		m->totals = (struct model_totals){ .work_ns = (i + 1) * 1e9, .oncpu_ns = (i + 1) * 1e9,
						   .schedule_ns = 1e6, .isolation_ns = 3e6 };
		m->res.eta = (struct model_figure){ 0.998, PROV_MODELLED };
	}
	ents[1].model.res.eta = (struct model_figure){ 0, PROV_UNKNOWN };
	ents[0].model.totals.runq_ns = 5e8;
	ents[0].runq = (struct trap_row){ .kind = VFLOW_TRAP_SCHED_RUNQ, .count = 1000, .total_ns = 5e8 };
	ents[0].runq.hist[vflow_hist_slot(4000)] = 1000;
	r->paradigms[VFLOW_PARADIGM_HOST] = ents[0].model;
	r->paradigms[VFLOW_PARADIGM_HOST].totals.work_ns = 15e9;
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++)
		r->paradigms[p].has_totals = true;
}

#define ENTITY(name, cg) name "{type=\"container\",entity=\"" cg "\",paradigm=\"host\""

/* Render @r at @now_s and return the text body (OpenMetrics with @om). */
static char *body_of(struct metrics *m, const struct report *r, __u64 now_s, bool om)
{
	size_t len;

	assert_int_equal(metrics__render(m, r, NULL, 0, now_s * NS), 0);
	return metrics__body(m, om, &len);
}

static void test_model_counters(void **state)
{
	struct metrics m;
	struct report r;
	char *b;

	(void)state;
	assert_int_equal(metrics__init(&m, 2, 300 * NS), 0);
	fake_report(&r, false);
	/* no ledger: no running sums, no model families */
	b = body_of(&m, &r, 1, false);
	assert_false(has(b, "vflow_entity_") || has(b, "vflow_paradigm_"));
	free(b);

	fake_model(&r);
	b = body_of(&m, &r, 2, false);
	/* base units: seconds */
	assert_true(has(b, ENTITY("vflow_entity_work_seconds_total", "/cg0") "} 1\n"));
	assert_true(has(b, ENTITY("vflow_entity_oncpu_seconds_total", "/cg1") "} 2\n"));
	assert_true(has(b, ENTITY("vflow_entity_overhead_seconds_total", "/cg0") ",term=\"trap\"} 0\n"));
	assert_true(has(b, ENTITY("vflow_entity_overhead_seconds_total", "/cg0") ",term=\"schedule\"} 0.001\n"));
	assert_true(has(b, ENTITY("vflow_entity_overhead_seconds_total", "/cg0") ",term=\"isolation\"} 0.003\n"));
	assert_true(has(b, ENTITY("vflow_entity_runq_wait_seconds_total", "/cg0") "} 0.5\n"));
	/* the rest as "other", per paradigm: 3 + 4 + 5 s of work, 3 x 3 ms of isolation */
	assert_true(has(b, ENTITY("vflow_entity_work_seconds_total", "other") "} 12\n"));
	assert_true(has(b, ENTITY("vflow_entity_overhead_seconds_total", "other") ",term=\"isolation\"} 0.009\n"));
	assert_false(has(b, "entity=\"/cg2\""));
	/* the last eta with its provenance, where known; "other" has none of its own */
	assert_true(has(b, ENTITY("vflow_entity_eta_ratio", "/cg0") ",provenance=\"modelled\"} 0.998\n"));
	assert_false(has(b, ENTITY("vflow_entity_eta_ratio", "/cg1")));
	assert_false(has(b, ENTITY("vflow_entity_eta_ratio", "other")));
	/* run-queue latency: 4 us lies in [2048, 4096) ns */
	assert_true(has(b, ENTITY("vflow_entity_runq_latency_seconds_bucket", "/cg0") ",le=\"4.096e-06\"} 1000\n"));
	assert_true(has(b, ENTITY("vflow_entity_runq_latency_seconds_count", "/cg0") "} 1000\n"));
	assert_false(has(b, ENTITY("vflow_entity_runq_latency_seconds_count", "/cg1")));
	/* per paradigm, every one of them */
	assert_true(has(b, "vflow_paradigm_work_seconds_total{paradigm=\"host\"} 15\n"));
	assert_true(has(b, "vflow_paradigm_work_seconds_total{paradigm=\"sandbox\"} 0\n"));
	assert_true(has(b, "vflow_paradigm_overhead_seconds_total{paradigm=\"host\",term=\"schedule\"} 0.001\n"));
	assert_true(has(b, "vflow_paradigm_eta_ratio{paradigm=\"host\",provenance=\"modelled\"} 0.998\n"));
	assert_false(has(b, "vflow_paradigm_eta_ratio{paradigm=\"sandbox\""));
	assert_true(has(b, "# TYPE vflow_entity_work_seconds_total counter\n"));
	free(b);
	b = body_of(&m, &r, 3, true);
	assert_true(has(b, "# TYPE vflow_entity_work_seconds counter\n"));
	assert_true(has(b, "# TYPE vflow_entity_runq_latency_seconds histogram\n"));
	free(b);
	metrics__free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cardinality_folds_into_other),
		cmocka_unit_test(test_gone_and_idle_expire),
		cmocka_unit_test(test_histogram_and_openmetrics),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_runtime_name_labels),
		cmocka_unit_test(test_bands_from_model),
		cmocka_unit_test(test_model_counters),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
