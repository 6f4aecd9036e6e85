// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The line-oriented config files: the model's constants (model.conf) and
 * the advice rules (advice.rules), through the parsers of their text;
 * every input goes to both (each stops at its first bad line), so seeds
 * stay plain files.
 *
 * Checked beyond "no crash": a loaded model survives save and reload
 * unchanged (model.h promises load(save(c)) == c), and loaded rules are
 * evaluated against a few observations to expand their placeholders.
 */
#define _GNU_SOURCE
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/advice.h"
#include "core/model.h"

#define ERR_LEN		512
/* config files are a few KiB: bigger inputs only slow the fuzzer down */
#define INPUT_MAX	(64 * 1024)

/* The message is the first line the suite's report shows. */
#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_model_config: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

#define INPUT_NAME "input"

static struct model_config defaults;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* the built-in fallback rate: the same on every machine */
	model_config__init(&defaults, 0);
	return 0;
}

static bool same_model(const struct model_config *a, const struct model_config *b)
{
	if (a->tsc_hz != b->tsc_hz || a->cal_context_switch_ns != b->cal_context_switch_ns ||
	    a->cal_seccomp_filter_ns != b->cal_seccomp_filter_ns)
		return false;
	for (int p = 0; p < VFLOW_PARADIGM_MAX; p++) {
		const struct model_paradigm *x = &a->p[p], *y = &b->p[p];

		if (x->trap_cycles_lo != y->trap_cycles_lo || x->trap_cycles_hi != y->trap_cycles_hi ||
		    x->trap_ns_lo != y->trap_ns_lo || x->trap_ns_hi != y->trap_ns_hi ||
		    x->schedule_cycles != y->schedule_cycles ||
		    x->isolation_cycles_lo != y->isolation_cycles_lo ||
		    x->isolation_cycles_hi != y->isolation_cycles_hi || x->eta_lo != y->eta_lo ||
		    x->eta_hi != y->eta_hi || x->path_length != y->path_length)
			return false;
	}
	return true;
}

static void fuzz_model(const uint8_t *data, size_t size)
{
	struct model_config c = defaults, again = defaults;
	char err[ERR_LEN], *saved = NULL;
	size_t saved_len = 0;
	FILE *f;

	if (model_config__parse(&c, (const char *)data, size, INPUT_NAME, err, sizeof(err)))
		return;
	/* what was loaded, written out and read back, is what was loaded */
	f = open_memstream(&saved, &saved_len);
	if (!f || model_config__save(&c, f) || fclose(f))
		FAIL("cannot save the model");
	if (model_config__parse(&again, saved, saved_len, "saved", err, sizeof(err)))
		FAIL("the saved model does not load: %s", err);
	free(saved);
	if (!same_model(&c, &again))
		FAIL("the model changed in save and reload");
}

static void on_advice(void *ctx, const char *id, const char *section, const char *text)
{
	/* touch every byte: ASan catches a string that is not terminated */
	*(size_t *)ctx += strlen(id) + strlen(section) + strlen(text);
}

static void fuzz_advice(const uint8_t *data, size_t size)
{
	/* quiet, busy, odd: zeros, a VM under exit storm, NaN and huge values */
	const struct advice_obs obs[] = {
		{ .paradigm = VFLOW_PARADIGM_HOST },
		{ .paradigm = VFLOW_PARADIGM_FULLVIRT, .eta = 0.5, .eta_lo = 0.7, .eta_hi = 0.8,
		  .trap_share = 0.4, .io_exit_share = 0.6, .hlt_share = 0.1,
		  .hypercall_share = 0.2, .trap_rate = 12345, .l_trap_ns = 2500,
		  .top_reason = "EPT_MISCONFIG" },
		{ .paradigm = VFLOW_PARADIGM_SANDBOX, .eta = NAN, .eta_lo = -INFINITY,
		  .eta_hi = INFINITY, .trap_share = 1e308, .trap_rate = -1e308,
		  .l_trap_ns = 1e-308, .epoll_share = 1, .io_uring_share = 1, .notify_share = 1,
		  .ptrace_share = 1, .top_reason = "" },
	};
	struct advice_rules rs = {};
	char err[ERR_LEN];
	size_t bytes = 0, fired;

	if (advice_rules__parse(&rs, (const char *)data, size, INPUT_NAME, err, sizeof(err)))
		return;
	for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++) {
		fired = advice_eval(&rs, &obs[i], on_advice, &bytes);
		if (fired > rs.n)
			FAIL("%zu rules fired of %zu", fired, rs.n);
	}
	for (size_t i = 0; i < rs.n; i++)
		if (!advice_rule__id(&rs, i))
			FAIL("rule %zu has no id", i);
	advice_rules__free(&rs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > INPUT_MAX)
		return 0;
	fuzz_model(data, size);
	fuzz_advice(data, size);
	return 0;
}
