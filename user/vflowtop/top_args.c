// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowtop's command line, in vflowd's style: long and short options, and
 * for anything wrong one line that ends in "see vflowtop --help".
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vflowtop/top_shared.h"

#define DEFAULT_INTERVAL_S	1.0
#define MIN_INTERVAL_S		0.1
#define MAX_INTERVAL_S		3600.0
#define MAX_ITERATIONS		1e9

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vflowtop [OPTION]...\n"
"Live view of how often each workload on this host traps out of its fast path:\n"
"containers and host cgroups, VMs, sandboxes, and the sum per paradigm.\n"
"\n"
"  -d, --delay SECONDS      refresh every SECONDS (default %.0f; + and - change it)\n"
"  -n, --iterations COUNT   exit after COUNT refreshes\n"
"  -b, --batch              plain text frames on stdout, no screen (for logs)\n"
"      --json               one JSON object per refresh (vflowd's schema, docs/vflowd.md)\n"
"  -p, --pid PID            only the entities that hold process PID: its cgroup,\n"
"                           its VM or its sandbox\n"
"      --cgroup PATH        only cgroup PATH of the cgroup2 hierarchy (/system.slice/foo),\n"
"                           and the VMs and sandboxes whose processes are in it\n"
"      --paradigm NAME      only host, container, fullvirt, paravirt or sandbox\n"
"      --attach PATH        read a running vflowd (started with --control PATH)\n"
"                           instead of loading BPF programs again\n"
"      --replay DUMP        play back a dump (vflowd --dump-dir, docs/DUMP.md) instead:\n"
"                           its sampled traps scaled to estimates, space pauses\n"
"      --speed X            replay X seconds of the dump per second (default 1)\n"
"  -V, --version            print the version and exit\n"
"  -h, --help               this help\n"
"\n"
"Keys: q quit, h help, Enter details, s/S sort, / filter, p paradigm, space pause,\n"
"r reset, +/- interval.\n"
"Without --attach or --replay, vflowtop loads its own BPF programs.\n",
		DEFAULT_INTERVAL_S);
}

#define bad_usage(fmt, ...) \
	fprintf(stderr, "vflowtop: " fmt ": see vflowtop --help\n", ##__VA_ARGS__)

static int parse_num(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
		bad_usage("invalid value '%s' for %s (a number from %g to %g)", s, opt, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum { OPT_JSON = 256, OPT_CGROUP, OPT_PARADIGM, OPT_ATTACH, OPT_REPLAY, OPT_SPEED };

int top_args__parse(int argc, char **argv, struct top_args *a)
{
	static const struct option longopts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "batch", no_argument, NULL, 'b' },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "pid", required_argument, NULL, 'p' },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "paradigm", required_argument, NULL, OPT_PARADIGM },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	char cg[PATH_MAX];
	double v;
	int c;

	a->interval_s = DEFAULT_INTERVAL_S;
	a->paradigm = TOP_PARADIGM_ALL;
	a->speed = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:n:bp:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (parse_num("--delay", optarg, MIN_INTERVAL_S, MAX_INTERVAL_S, &a->interval_s))
				return -EINVAL;
			break;
		case 'n':
			if (parse_num("--iterations", optarg, 1, MAX_ITERATIONS, &v))
				return -EINVAL;
			if (v != (double)(long)v) {
				bad_usage("invalid value '%s' for --iterations (a whole number)", optarg);
				return -EINVAL;
			}
			a->iterations = v;
			break;
		case 'b':
			a->batch = true;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case 'p':
			if (parse_num("--pid", optarg, 1, INT32_MAX, &v))
				return -EINVAL;
			a->pid = v;
			if (v != (double)(long)v || top_pid_cgroup(a->pid, cg, sizeof(cg))) {
				bad_usage("no process '%s' for --pid", optarg);
				return -EINVAL;
			}
			break;
		case OPT_CGROUP:
			if (optarg[0] != '/') {
				bad_usage("invalid --cgroup '%s' (a path in the cgroup2 hierarchy, as "
					  "/system.slice/foo)", optarg);
				return -EINVAL;
			}
			a->cgroup = optarg;
			/* "/a/b/" names the same cgroup as "/a/b" */
			for (size_t n = strlen(optarg); n > 1 && optarg[n - 1] == '/'; n--)
				optarg[n - 1] = '\0';
			break;
		case OPT_ATTACH:
			a->attach = optarg;
			break;
		case OPT_REPLAY:
			a->replay = optarg;
			break;
		case OPT_SPEED:
			if (parse_num("--speed", optarg, 0.001, 1e6, &a->speed))
				return -EINVAL;
			break;
		case OPT_PARADIGM:
			a->paradigm = top_paradigm_filter_parse(optarg);
			if (a->paradigm < TOP_PARADIGM_ALL) {
				bad_usage("unknown paradigm '%s' (host, container, fullvirt, paravirt, "
					  "sandbox or all)", optarg);
				return -EINVAL;
			}
			break;
		case 'V':
			printf("vflowtop %s (%s)\n", VFLOW_VERSION, VFLOW_GIT_REV);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			bad_usage("option '%s' needs a value", argv[optind - 1]);
			return -EINVAL;
		default:
			bad_usage("unknown option '%s'", argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		bad_usage("unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	if (a->attach && a->replay) {
		bad_usage("--attach and --replay exclude each other");
		return -EINVAL;
	}
	if (a->batch && a->json) {
		bad_usage("-b and --json exclude each other");
		return -EINVAL;
	}
	return 0;
}
