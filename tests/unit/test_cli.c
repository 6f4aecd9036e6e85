// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The command lines' shared value parsers: numbers, whole numbers,
 * durations, per-class settings (and their text, read back), what is said
 * about an option getopt refused, --help and --version, through glibc's
 * argp itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "core/cli.h"

#define NR_CLASSES 3

static const char *const classes[NR_CLASSES] = { "syscall", "vm", "sandbox" };

static void test_numbers(void **state)
{
	char err[CLI_ERR_LEN] = "";
	double v;
	long w;

	(void)state;
	assert_int_equal(cli_parse_number("--interval", "0.5", 0.01, 86400, &v, err, sizeof(err)), 0);
	assert_true(v == 0.5);
	assert_int_equal(cli_parse_number("--interval", "1e3", 0.01, 86400, &v, err, sizeof(err)), 0);
	assert_true(v == 1000);
	/* the bounds themselves are in range */
	assert_int_equal(cli_parse_number("--top", "0", 0, 1e6, &v, err, sizeof(err)), 0);
	assert_int_equal(cli_parse_number("--top", "1000000", 0, 1e6, &v, err, sizeof(err)), 0);
	v = 7;
	assert_int_equal(cli_parse_number("--interval", "0", 0.01, 86400, &v, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "invalid value '0' for --interval: give a number from 0.01 to 86400");
	assert_true(v == 7);	/* untouched on error */
	assert_int_equal(cli_parse_number("--interval", "abc", 0.01, 86400, &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cli_parse_number("--interval", "2s", 0.01, 86400, &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cli_parse_number("--interval", "", 0.01, 86400, &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cli_parse_number("--interval", "nan", 0.01, 86400, &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cli_parse_number("--interval", "inf", 0.01, 1e300, &v, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(cli_parse_number("--interval", "1e999", 0.01, 1e300, &v, err, sizeof(err)),
			 -EINVAL);

	assert_int_equal(cli_parse_whole("--iterations", "3", 1, 1e9, &w, err, sizeof(err)), 0);
	assert_int_equal(w, 3);
	assert_int_equal(cli_parse_whole("--iterations", "2.5", 1, 1e9, &w, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "invalid value '2.5' for --iterations: give a whole number from 1 "
			    "to 1e+09");
	assert_int_equal(cli_parse_whole("--iterations", "0", 1, 1e9, &w, err, sizeof(err)), -EINVAL);
	assert_int_equal(w, 3);
}

static void test_durations(void **state)
{
	static const struct { const char *text; __u64 ns; } good[] = {
		{ "10ms", 10000000 }, { "250us", 250000 }, { "1.5s", 1500000000 }, { "800ns", 800 },
		{ "0", 0 }, { "2s", 2000000000 }, { "500us", 500000 }, { "0ms", 0 },
	};
	static const char *const bad[] = {
		"10",		/* no unit */
		"-1ms", "ms", "5min", "1e30s", "", "10 ms", "10msx", "nan", "infs",
	};
	char buf[32];
	__u64 v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 1;
		if (cli_parse_duration_ns(good[i].text, &v) || v != good[i].ns)
			fail_msg("'%s': got %llu, want %llu", good[i].text, (unsigned long long)v,
				 (unsigned long long)good[i].ns);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cli_parse_duration_ns(bad[i], &v) != -EINVAL)
			fail_msg("'%s' accepted", bad[i]);

	assert_string_equal(cli_format_duration(0, buf, sizeof(buf)), "0");
	assert_string_equal(cli_format_duration(10000000, buf, sizeof(buf)), "10ms");
	assert_string_equal(cli_format_duration(100000, buf, sizeof(buf)), "100us");
	assert_string_equal(cli_format_duration(1500000000, buf, sizeof(buf)), "1500ms");
	assert_string_equal(cli_format_duration(3000000000ULL, buf, sizeof(buf)), "3s");
	assert_string_equal(cli_format_duration(1001, buf, sizeof(buf)), "1001ns");
	/* what is written reads back to the same value */
	for (__u64 ns = 1; ns < 100000000000ULL; ns = ns * 7 + 3) {
		assert_int_equal(cli_parse_duration_ns(cli_format_duration(ns, buf, sizeof(buf)), &v), 0);
		assert_int_equal(v, ns);
	}
}

static void test_per_class(void **state)
{
	__u64 v[NR_CLASSES] = { 1000, 100, 10 }, back[NR_CLASSES] = {};
	char err[CLI_ERR_LEN], text[128];

	(void)state;
	assert_int_equal(cli_parse_per_class("7", classes, NR_CLASSES, CLI_COUNT, v, err, sizeof(err)), 0);
	assert_true(v[0] == 7 && v[1] == 7 && v[2] == 7);
	assert_int_equal(cli_parse_per_class("vm=3,sandbox=0", classes, NR_CLASSES, CLI_COUNT, v, err,
					     sizeof(err)), 0);
	assert_true(v[0] == 7 && v[1] == 3 && v[2] == 0);
	assert_int_equal(cli_parse_per_class("syscall=2ms", classes, NR_CLASSES, CLI_DURATION, v, err,
					     sizeof(err)), 0);
	assert_int_equal(v[0], 2000000);
	assert_int_equal(cli_parse_per_class("4294967295", classes, NR_CLASSES, CLI_COUNT, v, err,
					     sizeof(err)), 0);

	/* errors change nothing and say what to give */
	memcpy(back, v, sizeof(v));
	assert_int_equal(cli_parse_per_class("vm=1,disk=4", classes, NR_CLASSES, CLI_COUNT, v, err,
					     sizeof(err)), -EINVAL);
	assert_string_equal(err, "unknown class 'disk' in 'vm=1,disk=4': use syscall, vm or sandbox");
	assert_int_equal(cli_parse_per_class("vm=x", classes, NR_CLASSES, CLI_COUNT, v, err,
					     sizeof(err)), -EINVAL);
	assert_string_equal(err, "invalid value 'vm=x': give a count like 1000, or 0 (off), for every "
			    "class or as CLASS=VALUE[,CLASS=VALUE] (classes: syscall, vm, sandbox)");
	assert_int_equal(cli_parse_per_class("vm", classes, NR_CLASSES, CLI_DURATION, v, err,
					     sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "a duration like 10ms"));
	for (const char *const *s = (const char *const[]){ "", "-5", "4294967296", "=3",
							    "vm=1,,sandbox=2x", NULL }; *s; s++)
		if (cli_parse_per_class(*s, classes, NR_CLASSES, CLI_COUNT, v, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' accepted", *s);
	assert_memory_equal(v, back, sizeof(v));

	/* the text of a setting reads back to it */
	v[0] = 10000000, v[1] = 100000, v[2] = 0;
	assert_string_equal(cli_format_per_class(v, classes, NR_CLASSES, CLI_DURATION, text,
						 sizeof(text)), "syscall=10ms,vm=100us,sandbox=0");
	memset(back, 0xff, sizeof(back));
	assert_int_equal(cli_parse_per_class(text, classes, NR_CLASSES, CLI_DURATION, back, err,
					     sizeof(err)), 0);
	assert_memory_equal(v, back, sizeof(v));
	assert_string_equal(cli_format_per_class((const __u64[]){ 1000, 100, 10 }, classes, NR_CLASSES,
						 CLI_COUNT, text, sizeof(text)),
			    "syscall=1000,vm=100,sandbox=10");
}

/* ---- what getopt refused, through argp ---- */

enum { OPT_DUMP_DIR = 256, OPT_DUMP_ON, OPT_MAYBE };

static const struct argp_option options[] = {
	{ "interval", 'i', "SECONDS", 0, "every SECONDS", 0 },
	{ "every", 0, NULL, OPTION_ALIAS, NULL, 0 },
	{ "json", 'j', NULL, 0, "JSON", 0 },
	{ NULL, 0, NULL, 0, "Dumps:", 1 },
	{ "dump-dir", OPT_DUMP_DIR, "DIR", 0, "where", 1 },
	{ "dump-on", OPT_DUMP_ON, "SPEC", 0, "when", 1 },
	{ "maybe", OPT_MAYBE, "X", OPTION_ARG_OPTIONAL, "optional", 1 },
	CLI_INFO_OPTIONS,
	{},
};

struct parsed {
	struct cli_parse cli;
	int args;
	bool takes_args;
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parsed *p = state->input;

	(void)arg;
	switch (key) {
	case 'i': case 'j': case OPT_DUMP_DIR: case OPT_DUMP_ON: case OPT_MAYBE:
		return 0;
	case ARGP_KEY_ARG:
		if (!p->takes_args)
			break;
		p->args++;
		return 0;
	}
	return cli_key(key, arg, state, &p->cli);
}

static const struct argp argp = {
	.options = options, .parser = parse_opt, .doc = "Test the command line.\vMore.",
};

#define ERRS_LEN 1024

/*
 * argv from a NULL-terminated list; what cli_parse_argv() returns, what it
 * wrote to stdout in @out and to stderr in @errs
 */
static int parse_words(struct parsed *p, const char *const *words, char *out, size_t out_len,
		       char *errs)
{
	char *argv[16];
	int argc = 0, ret;

	/* fmemopen leaves the buffer as it was when nothing is written */
	out[0] = errs[0] = '\0';
	memset(p, 0, sizeof(*p));
	p->cli.prog = "prog";
	p->cli.out = fmemopen(out, out_len, "w");
	p->cli.errs = fmemopen(errs, ERRS_LEN, "w");
	assert_non_null(p->cli.out);
	assert_non_null(p->cli.errs);
	p->takes_args = true;
	argv[argc++] = "prog";
	while (*words)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	ret = cli_parse_argv(&argp, argc, argv, p, &p->cli);
	assert_int_equal(fclose(p->cli.out), 0);
	assert_int_equal(fclose(p->cli.errs), 0);
	return ret;
}

/* the message, "" when argp took it all; it is also "prog: MESSAGE" on stderr */
static const char *refusal(struct parsed *p, const char *const *words)
{
	char out[64], errs[ERRS_LEN], line[ERRS_LEN + 8];
	int ret = parse_words(p, words, out, sizeof(out), errs);

	assert_string_equal(out, "");
	assert_int_equal(ret, p->cli.err[0] ? -EINVAL : 0);
	snprintf(line, sizeof(line), "prog: %s\n", p->cli.err);
	assert_string_equal(errs, p->cli.err[0] ? line : "");
	return p->cli.err;
}

#define REFUSED(want, ...) assert_string_equal(refusal(&p, (const char *const[]){ __VA_ARGS__, NULL }), want)

static void test_refused(void **state)
{
	struct parsed p;

	(void)state;
	REFUSED("unknown option '--bogus': see prog --help", "--bogus");
	REFUSED("option '--interval' needs a value: see prog --help", "--interval");
	REFUSED("option '--inter' needs a value: see prog --help", "--inter");
	REFUSED("option '--every' needs a value: see prog --help", "-j", "--every");
	REFUSED("option '-i' needs a value: see prog --help", "-i");
	REFUSED("option '-ji' needs a value: see prog --help", "-j", "-ji");
	REFUSED("unknown option '-x': see prog --help", "-j", "-x", "a");
	REFUSED("unknown option '-jx': see prog --help", "-jx");
	/* a letter refused before the end of its group: the group, not the word before */
	REFUSED("unknown option '-xj': see prog --help", "-i", "5", "-xj");
	REFUSED("unknown option '-xj': see prog --help", "-j", "-xj");
	REFUSED("unknown option '--json=3': see prog --help", "--json=3");
	/* an abbreviation of two options */
	REFUSED("unknown option '--dump': see prog --help", "--dump", "x");
	REFUSED("unknown option '--bogus': see prog --help", "a", "--bogus", "b");
	/* what getopt takes is not refused */
	REFUSED("", "-i", "5", "--dump-d", "x", "--maybe", "-ji5", "--interval=2", "--", "-x");
	assert_int_equal(p.args, 1);
	REFUSED("", "-");
}

static void test_parse_argv(void **state)
{
	struct parsed p;
	char out[4096], errs[ERRS_LEN];

	(void)state;
	/* --help: usage, description, the options with their arguments, the text after */
	assert_int_equal(parse_words(&p, (const char *const[]){ "-j", "--help", "--bogus", NULL }, out,
				     sizeof(out), errs), CLI_HELP);
	assert_non_null(strstr(out, "Usage: prog [OPTION...]\nTest the command line.\n"));
	assert_non_null(strstr(out, "  -i, --interval=SECONDS, --every=SECONDS\n"));
	assert_non_null(strstr(out, "      --maybe[=X] "));
	assert_non_null(strstr(out, " Dumps:\n"));
	assert_non_null(strstr(out, "  -h, --help "));
	assert_non_null(strstr(out, "\nMore.\n"));
	assert_non_null(strstr(out, "\nReport bugs to the vflow project, with the output of --version.\n"));
	assert_string_equal(p.cli.err, "");
	assert_string_equal(errs, "");
	assert_int_equal(parse_words(&p, (const char *const[]){ "-V", NULL }, out, sizeof(out), errs),
			 CLI_VERSION);
	assert_true(!strncmp(out, "prog " VFLOW_VERSION " (", strlen("prog " VFLOW_VERSION " (")));
	/* what comes before -h is parsed first */
	assert_int_equal(parse_words(&p, (const char *const[]){ "--bogus", "-h", NULL }, out,
				     sizeof(out), errs), -EINVAL);
	assert_string_equal(out, "");
	assert_string_equal(errs, "prog: unknown option '--bogus': see prog --help\n");
	/* a program that takes no arguments */
	memset(&p, 0, sizeof(p));
	p.cli = (struct cli_parse){ .prog = "prog", .out = stdout, .errs = fmemopen(errs, sizeof(errs), "w") };
	assert_non_null(p.cli.errs);
	assert_int_equal(cli_parse_argv(&argp, 3, (char *[]){ "prog", "-j", "foo", NULL }, &p, &p.cli),
			 -EINVAL);
	assert_int_equal(fclose(p.cli.errs), 0);
	assert_string_equal(errs, "prog: unexpected argument 'foo': see prog --help\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_per_class),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_parse_argv),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
