// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The document's decision tree as data: config/advice.rules, its parser and evaluation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/advice.h"
#include "host/model_files.h"

#define MAX_FIRED 16
#define TEXT_LEN 1024

struct fired {
	size_t n;
	char id[MAX_FIRED][64];
	char section[MAX_FIRED][16];
	char text[MAX_FIRED][TEXT_LEN];
};

static void collect(void *ctx, const char *id, const char *section, const char *text)
{
	struct fired *f = ctx;

	assert_true(f->n < MAX_FIRED);
	snprintf(f->id[f->n], sizeof(f->id[0]), "%s", id);
	snprintf(f->section[f->n], sizeof(f->section[0]), "%s", section);
	snprintf(f->text[f->n], sizeof(f->text[0]), "%s", text);
	f->n++;
}

/* index of @id among the fired rules, or -1 */
static int fired_index(const struct fired *f, const char *id)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->id[i], id))
			return (int)i;
	return -1;
}

static void load_shipped(struct advice_rules *rs)
{
	const char *dir = getenv("VFLOW_CONFIG_DIR");
	char path[4096], err[512] = "";

	snprintf(path, sizeof(path), "%s/advice.rules", dir ? dir : "config");
	if (advice_rules__load(rs, path, err, sizeof(err)))
		fail_msg("%s", err);
}

/* An entity doing nothing remarkable: eta in the middle of its band. */
static struct advice_obs neutral(enum vflow_paradigm p)
{
	static const double band[VFLOW_PARADIGM_MAX][2] = {
		[VFLOW_PARADIGM_HOST] = { 0.85, 0.95 },
		[VFLOW_PARADIGM_FULLVIRT] = { 0.70, 0.80 },
		[VFLOW_PARADIGM_PARAVIRT] = { 0.75, 0.85 },
		[VFLOW_PARADIGM_CONTAINER] = { 0.85, 0.95 },
		[VFLOW_PARADIGM_SANDBOX] = { 0.90, 0.98 },
	};

	return (struct advice_obs){
		.paradigm = p, .eta_lo = band[p][0], .eta_hi = band[p][1],
		.eta = (band[p][0] + band[p][1]) / 2, .trap_rate = 500, .l_trap_ns = 1000,
		.top_reason = "EXTERNAL_INTERRUPT",
	};
}

struct rule_case {
	const char *id, *section;
	struct advice_obs o;
	const char *expect;	/* a piece of the expanded text */
};

static void build_cases(struct rule_case *c, size_t *n)
{
	size_t i = 0;

	c[i] = (struct rule_case){ "vm-io-exit-storm", "7.4.1", neutral(VFLOW_PARADIGM_FULLVIRT),
				   "60% of exits (50000/s) are port-I/O or MMIO" };
	c[i].o.io_exit_share = 0.6;
	c[i++].o.trap_rate = 50000;

	c[i] = (struct rule_case){ "vm-hypercall-slow", "4.5", neutral(VFLOW_PARADIGM_PARAVIRT),
				   "hypercalls are 70% of exits yet eta is 60%, "
				   "below the 75-85% band" };
	c[i].o.hypercall_share = 0.7;
	c[i++].o.eta = 0.6;

	c[i] = (struct rule_case){ "vm-eta-low", "3.5", neutral(VFLOW_PARADIGM_FULLVIRT),
				   "25% of vCPU time in EPT_VIOLATION exits: eta 60% is below the "
				   "document's 70-80% band" };
	c[i].o.eta = 0.6;
	c[i].o.trap_share = 0.25;
	c[i++].o.top_reason = "EPT_VIOLATION";

	c[i] = (struct rule_case){ "vm-idle", "3.5", neutral(VFLOW_PARADIGM_PARAVIRT),
				   "90% of exits are HLT" };
	c[i++].o.hlt_share = 0.9;

	c[i] = (struct rule_case){ "container-eta-low", "5.5", neutral(VFLOW_PARADIGM_CONTAINER),
				   "eta 70% is below the container band (85-95%)" };
	c[i++].o.eta = 0.7;

	c[i] = (struct rule_case){ "sandbox-trap-heavy", "7.3", neutral(VFLOW_PARADIGM_SANDBOX),
				   "45% of on-CPU time goes to sandbox traps (mostly openat)" };
	c[i].o.trap_share = 0.45;
	c[i++].o.top_reason = "openat";

	c[i] = (struct rule_case){ "sandbox-ptrace", "6.2", neutral(VFLOW_PARADIGM_SANDBOX),
				   "90% of traps are ptrace round trips (20000/s)" };
	c[i].o.ptrace_share = 0.9;
	c[i++].o.trap_rate = 20000;

	c[i] = (struct rule_case){ "sandbox-user-notify", "6.2", neutral(VFLOW_PARADIGM_SANDBOX),
				   "80% of traps go to a user-notify supervisor "
				   "(5000/s, 12000 ns each)" };
	c[i].o.notify_share = 0.8;
	c[i].o.trap_rate = 5000;
	c[i++].o.l_trap_ns = 12000;

	c[i] = (struct rule_case){ "sandbox-epoll", "7.4.2", neutral(VFLOW_PARADIGM_SANDBOX),
				   "40% of syscalls are epoll_*" };
	c[i++].o.epoll_share = 0.4;

	c[i] = (struct rule_case){ "sandbox-io-uring", "7.4.2", neutral(VFLOW_PARADIGM_SANDBOX),
				   "10% of syscalls are io_uring_*" };
	c[i++].o.io_uring_share = 0.1;
	*n = i;
}

#define MAX_CASES 16

static void test_shipped_rules_load(void **state)
{
	struct advice_rules rs = {};

	(void)state;
	load_shipped(&rs);
	assert_true(rs.n >= 8);
	assert_null(advice_rule__id(&rs, rs.n));
	advice_rules__free(&rs);
	assert_null(rs.r);
	assert_int_equal(rs.n, 0);
}

/* Every rule in the file has a case here, fires on it, and cites its section. */
static void test_each_rule_fires(void **state)
{
	struct rule_case cases[MAX_CASES];
	struct advice_rules rs = {};
	size_t n;

	(void)state;
	build_cases(cases, &n);
	load_shipped(&rs);
	for (size_t i = 0; i < rs.n; i++) {
		const char *id = advice_rule__id(&rs, i);
		size_t k = 0;

		while (k < n && strcmp(cases[k].id, id))
			k++;
		if (k == n)
			fail_msg("rule %s has no test case", id);
	}
	for (size_t k = 0; k < n; k++) {
		struct fired f = {};
		size_t got = advice_eval(&rs, &cases[k].o, collect, &f);
		int at = fired_index(&f, cases[k].id);

		assert_int_equal(got, f.n);
		if (at < 0)
			fail_msg("rule %s did not fire", cases[k].id);
		assert_string_equal(f.section[at], cases[k].section);
		if (!strstr(f.text[at], cases[k].expect))
			fail_msg("%s: want \"%s\" in \"%s\"", cases[k].id, cases[k].expect,
				 f.text[at]);
		assert_null(strchr(f.text[at], '{'));
	}
	advice_rules__free(&rs);
}

static void test_neutral_fires_nothing(void **state)
{
	struct advice_rules rs = {};
	struct advice_obs o;

	(void)state;
	load_shipped(&rs);
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++) {
		struct fired f = {};

		o = neutral(p);
		assert_int_equal(advice_eval(&rs, &o, collect, &f), 0);
		/* nothing ran: eta 0 is no evidence of a low efficiency */
		o.eta = 0;
		assert_int_equal(advice_eval(&rs, &o, NULL, NULL), 0);
	}
	/* a VM-only signal in a container, a sandbox-only one in a VM */
	o = neutral(VFLOW_PARADIGM_CONTAINER);
	o.io_exit_share = 0.9;
	o.hlt_share = 0.9;
	o.trap_rate = 1e6;
	assert_int_equal(advice_eval(&rs, &o, NULL, NULL), 0);
	o = neutral(VFLOW_PARADIGM_FULLVIRT);
	o.epoll_share = 0.9;
	o.notify_share = 0.9;
	assert_int_equal(advice_eval(&rs, &o, NULL, NULL), 0);
	advice_rules__free(&rs);
}

/* ---- the rules language, on files written here ---- */

static char tmp_path[] = "/tmp/vflow_advice_XXXXXX";

static int make_tmp(void **state)
{
	int fd;

	(void)state;
	strcpy(tmp_path, "/tmp/vflow_advice_XXXXXX");
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

static void test_language(void **state)
{
	struct advice_rules rs = {};
	struct advice_obs o = neutral(VFLOW_PARADIGM_PARAVIRT);
	struct fired f = {};
	char err[512] = "";

	(void)state;
	write_tmp("# metric against metric, !=, vm, placeholders\n"
		  "a | 8.2 | eta<eta_lo and paradigm != sandbox | {paradigm}: eta {eta} "
		  "({eta_pct}%) rate {trap_rate} top {top_reason}\n"
		  "b | 3.5 | paradigm == vm and trap_rate >= 1000 | fast | really\n"
		  "c | 7.4 | l_trap_ns == 1000 and eta_hi <= 0.85 and eta_lo > 0.7 | c\n");
	if (advice_rules__load(&rs, tmp_path, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(rs.n, 3);
	assert_string_equal(advice_rule__id(&rs, 1), "b");
	o.eta = 0.5;
	o.trap_rate = 123456.7;
	o.top_reason = NULL;
	assert_int_equal(advice_eval(&rs, &o, collect, &f), 3);
	assert_string_equal(f.text[0], "paravirt: eta 0.5 (50%) rate 123457 top unknown");
	/* the advice is everything after the third '|' */
	assert_string_equal(f.text[1], "fast | really");
	assert_string_equal(f.section[2], "7.4");
	o.paradigm = VFLOW_PARADIGM_SANDBOX;
	o.trap_rate = 999;
	memset(&f, 0, sizeof(f));
	assert_int_equal(advice_eval(&rs, &o, collect, &f), 1);
	assert_string_equal(f.id[0], "c");
	advice_rules__free(&rs);
}

/* A bad file: -EINVAL, "FILE:LINE: ..." with @line, and the loaded rules untouched. */
static void expect_rejected(const char *text, int line, const char *what)
{
	struct advice_rules rs = {};
	char err[512] = "", want[600];
	struct advice_rule *r;
	size_t n;

	load_shipped(&rs);
	r = rs.r;
	n = rs.n;
	write_tmp(text);
	assert_int_equal(advice_rules__load(&rs, tmp_path, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:%d: ", tmp_path, line);
	if (strncmp(err, want, strlen(want)) || !strstr(err, what))
		fail_msg("want \"%s...%s\", got \"%s\"", want, what, err);
	assert_non_null(strstr(err + strlen(want), ": "));
	assert_true(rs.r == r && rs.n == n);
	advice_rules__free(&rs);
}

static void test_rejects(void **state)
{
	struct advice_rules rs = {};
	char err[512] = "";

	(void)state;
	expect_rejected("# header\nx | 7.3 | eta < 0.5\n", 2, "4 are needed");
	expect_rejected("a | 7.3 | eta < 0.5 | ok\n\nb | 7.3 | speed > 3 | fast\n", 3,
			"unknown metric \"speed\"");
	expect_rejected("a | 7.3 | eta ~ 0.5 | x\n", 1, "no operator");
	expect_rejected("a | 7.3 | eta < abc | x\n", 1, "not a number");
	expect_rejected("a | 7.3 | eta < .x | x\n", 1, "no number");
	expect_rejected("a | 7.3 | eta < 0.5x | x\n", 1, "join terms with `and`");
	expect_rejected("a | 7.3 | eta < 0.5 or eta > 0.9 | x\n", 1, "`and`");
	expect_rejected("a | 7.3 | paradigm == docker | x\n", 1, "paradigm");
	expect_rejected("a | 7.3 | paradigm < sandbox | x\n", 1, "== or !=");
	expect_rejected("a | 7.3 | eta < paradigm | x\n", 1, "numeric metric");
	expect_rejected("a | 7.3 | eta < 0.5 | see {foo}\n", 1, "placeholder");
	expect_rejected("a | 7.3 | eta < 0.5 | see {paradigm_pct}\n", 1, "placeholder");
	expect_rejected("a | 7.3 | eta < 0.5 | see {eta\n", 1, "placeholder");
	expect_rejected("a | seven | eta < 0.5 | x\n", 1, "bad section");
	expect_rejected("a | 7.3. | eta < 0.5 | x\n", 1, "bad section");
	expect_rejected("Bad Id | 7.3 | eta < 0.5 | x\n", 1, "bad rule id");
	expect_rejected("a | 7.3 | eta < 0.5 | \n", 1, "advice is empty");
	expect_rejected("a | 7.3 | | x\n", 1, "unknown metric");
	expect_rejected("a | 7.3 | eta < 1 | x\nb | 7.3 | eta < 1 | y\n\n"
			"a | 7.4 | eta < 1 | z\n", 4, "duplicate rule id");
	expect_rejected("a | 7.3 | eta < 1 and eta < 1 and eta < 1 and eta < 1 and eta < 1 and "
			"eta < 1 and eta < 1 and eta < 1 and eta < 1 | x\n", 1, "terms");
	expect_rejected("# only comments\n\n", 2, "no rules");

	assert_int_equal(advice_rules__load(&rs, "/nonexistent/advice.rules", err, sizeof(err)),
			 -ENOENT);
	assert_null(rs.r);
}

/* Rules from text without a file: the length counts, the last line needs no newline. */
static void test_parse_text(void **state)
{
	static const char text[] = "# rules\na | 7.3 | eta < 0.5 | low\nb | 7.4 | eta > 0.9 | high";
	static const char bad[] = "a | 7.3 | eta < 0.5 | low\n\nb | 7.3 | speed > 3 | fast\n";
	struct advice_obs o = { .paradigm = VFLOW_PARADIGM_HOST, .eta = 0.95 };
	struct advice_rules rs = {};
	char err[512] = "";

	(void)state;
	assert_int_equal(advice_rules__parse(&rs, text, sizeof(text) - 1, "inline", err, sizeof(err)), 0);
	assert_int_equal(rs.n, 2);
	assert_string_equal(advice_rule__id(&rs, 1), "b");
	assert_int_equal(advice_eval(&rs, &o, NULL, NULL), 1);
	/* only the first 34 bytes, through rule a's newline: rule b is not there */
	assert_int_equal(advice_rules__parse(&rs, text, 34, "inline", err, sizeof(err)), 0);
	assert_int_equal(rs.n, 1);
	assert_int_equal(advice_rules__parse(&rs, bad, sizeof(bad) - 1, "inline", err, sizeof(err)),
			 -EINVAL);
	assert_true(!strncmp(err, "inline:3: unknown metric", 24));
	assert_int_equal(rs.n, 1);
	assert_int_equal(advice_rules__parse(&rs, "", 0, "empty", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no rules"));
	advice_rules__free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_rules_load),
		cmocka_unit_test(test_each_rule_fires),
		cmocka_unit_test(test_neutral_fires_nothing),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test_setup_teardown(test_language, make_tmp, remove_tmp),
		cmocka_unit_test_setup_teardown(test_rejects, make_tmp, remove_tmp),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
