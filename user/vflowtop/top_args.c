// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowtop's command line, on glibc argp as vflowd's: long and short
 * options, values parsed by core/cli.c, and for anything wrong one
 * line on stderr (exit status 2) that says what to give or ends in "see
 * vflowtop --help".
 */
#define _GNU_SOURCE	/* asprintf */
#include <argp.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vflowtop/top_shared.h"
#include "core/cli.h"

#define PROG			"vflowtop"
#define DEFAULT_INTERVAL_S	1.0
#define MIN_INTERVAL_S		0.1
#define MAX_INTERVAL_S		3600.0
#define MAX_ITERATIONS		1e9
#define DEFAULT_SPEED		1.0
#define MIN_SPEED		0.001
#define MAX_SPEED		1e6

enum { OPT_JSON = 256, OPT_CGROUP, OPT_PARADIGM, OPT_ATTACH, OPT_REPLAY, OPT_SPEED };

/* --help's groups, in order */
enum { GRP_OUTPUT = 1, GRP_FILTER, GRP_SOURCE };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Output:", GRP_OUTPUT },
	{ "delay", 'd', "SECONDS", 0, "refresh every SECONDS (default %g; + and - change it)",
	  GRP_OUTPUT },
	{ "iterations", 'n', "COUNT", 0, "exit after COUNT refreshes", GRP_OUTPUT },
	{ "batch", 'b', NULL, 0, "plain text frames on stdout, no screen (for logs)", GRP_OUTPUT },
	{ "json", OPT_JSON, NULL, 0, "one JSON object per refresh (vflowd's schema, docs/vflowd.md)",
	  GRP_OUTPUT },

	{ NULL, 0, NULL, 0, "What to show:", GRP_FILTER },
	{ "pid", 'p', "PID", 0, "only the entities that hold process PID: its cgroup, its VM or its "
	  "sandbox", GRP_FILTER },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "only cgroup PATH of the cgroup2 hierarchy "
	  "(/system.slice/foo), and the VMs and sandboxes whose processes are in it", GRP_FILTER },
	{ "paradigm", OPT_PARADIGM, "NAME", 0, "only host, container, fullvirt, paravirt or sandbox",
	  GRP_FILTER },

	{ NULL, 0, NULL, 0, "Where the data comes from (default: vflowtop loads its own BPF "
	  "programs):", GRP_SOURCE },
	{ "attach", OPT_ATTACH, "PATH", 0, "read a running vflowd (started with --control PATH) "
	  "instead of loading BPF programs again", GRP_SOURCE },
	{ "replay", OPT_REPLAY, "DUMP", 0, "play back a dump (vflowd --dump-dir, docs/DUMP.md) "
	  "instead: its sampled traps scaled to estimates, space pauses", GRP_SOURCE },
	{ "speed", OPT_SPEED, "X", 0, "replay X seconds of the dump per second (default %g)",
	  GRP_SOURCE },

	CLI_INFO_OPTIONS,
	{},
};

/* argp's input: what is parsed, and the line to print when it fails */
struct parse {
	struct cli_parse cli;
	struct top_args *a;
};

static int set_pid(struct top_args *a, const char *arg, char *err, size_t len)
{
	char cg[PATH_MAX];
	double v;

	if (cli_parse_number("--pid", arg, 1, INT32_MAX, &v, err, len))
		return -EINVAL;
	if (v != (pid_t)v || top_pid_cgroup((pid_t)v, cg, sizeof(cg)))
		return cli_fail(err, len, "no process '%s' for --pid: see " PROG " --help", arg);
	a->pid = (pid_t)v;
	return 0;
}

static int set_cgroup(struct top_args *a, char *arg, char *err, size_t len)
{
	if (arg[0] != '/')
		return cli_fail(err, len, "invalid --cgroup '%s' (a path in the cgroup2 hierarchy, as "
				"/system.slice/foo): see " PROG " --help", arg);
	a->cgroup = arg;
	/* "/a/b/" names the same cgroup as "/a/b" */
	for (size_t n = strlen(arg); n > 1 && arg[n - 1] == '/'; n--)
		arg[n - 1] = '\0';
	return 0;
}

static int set_option(struct top_args *a, int key, char *arg, char *err, size_t len)
{
	switch (key) {
	case 'd':
		return cli_parse_number("--delay", arg, MIN_INTERVAL_S, MAX_INTERVAL_S, &a->interval_s,
					err, len);
	case 'n':
		return cli_parse_whole("--iterations", arg, 1, MAX_ITERATIONS, &a->iterations, err, len);
	case 'b':
		a->batch = true;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	case 'p':
		return set_pid(a, arg, err, len);
	case OPT_CGROUP:
		return set_cgroup(a, arg, err, len);
	case OPT_PARADIGM:
		a->paradigm = top_paradigm_filter_parse(arg);
		if (a->paradigm < TOP_PARADIGM_ALL)
			return cli_fail(err, len, "unknown paradigm '%s' (host, container, fullvirt, "
					"paravirt, sandbox or all): see " PROG " --help", arg);
		return 0;
	case OPT_ATTACH:
		a->attach = arg;
		return 0;
	case OPT_REPLAY:
		a->replay = arg;
		return 0;
	case OPT_SPEED:
		return cli_parse_number("--speed", arg, MIN_SPEED, MAX_SPEED, &a->speed, err, len);
	}
	return ARGP_ERR_UNKNOWN;
}

/* After the last option: what the options say together. */
static int finish(const struct top_args *a, char *err, size_t len)
{
	if (a->attach && a->replay)
		return cli_fail(err, len, "--attach and --replay exclude each other: see " PROG " --help");
	if (a->batch && a->json)
		return cli_fail(err, len, "-b and --json exclude each other: see " PROG " --help");
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse *p = state->input;
	int ret = set_option(p->a, key, arg, p->cli.err, sizeof(p->cli.err));

	if (ret != ARGP_ERR_UNKNOWN)
		return ret ? EINVAL : 0;
	if (key == ARGP_KEY_END)
		return finish(p->a, p->cli.err, sizeof(p->cli.err)) ? EINVAL : 0;
	return cli_key(key, arg, state, &p->cli);
}

/* The defaults --help shows, from the constants the code uses. */
static char *help_filter(int key, const char *text, void *input)
{
	static const struct {
		int key;
		double value;
	} defaults[] = { { 'd', DEFAULT_INTERVAL_S }, { OPT_SPEED, DEFAULT_SPEED } };
	char *out;

	(void)input;
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (defaults[i].key == key && asprintf(&out, text, defaults[i].value) >= 0)
			return out;	/* argp frees it */
	return (char *)text;
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Live view of how often each workload on this host traps out of its fast path: "
	       "containers and host cgroups, VMs, sandboxes, and the sum per paradigm."
	       "\v"
	       "Keys: q quit, h help, Enter details, s/S sort, / filter, p paradigm, space pause, "
	       "r reset, +/- interval.\n\n"
	       "The fields: docs/vflowd.md; the dumps: docs/DUMP.md.",
	.help_filter = help_filter,
};

int top_args__parse(int argc, char **argv, struct top_args *a)
{
	struct parse p = { .cli = { .prog = PROG, .out = stdout, .errs = stderr }, .a = a };
	int ret;

	a->interval_s = DEFAULT_INTERVAL_S;
	a->paradigm = TOP_PARADIGM_ALL;
	a->speed = DEFAULT_SPEED;
	ret = cli_parse_argv(&argp, argc, argv, &p, &p.cli);
	if (ret > 0)
		exit(0);	/* --help, --version */
	return ret;
}
