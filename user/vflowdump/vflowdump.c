// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowdump: read a post-mortem dump written by vflowd and show its
 * events (one line each, a per-reason summary, Chrome trace JSON, CSV),
 * what the dump says about itself, or the overhead model over them.
 * What reading found damaged goes to stderr and the exit code; the
 * command still runs on what was salvaged. docs/vflowdump.md.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record/dump.h"
#include "record/dumptool.h"

/* exit codes: scripts tell a clean dump from a damaged one */
#define EXIT_CLEAN 0
#define EXIT_UNUSABLE 1
#define EXIT_USAGE 2
#define EXIT_DAMAGED 3

enum command { CMD_PRINT = 0, CMD_SUMMARY, CMD_CHROME, CMD_CSV, CMD_INFO, CMD_MODEL };

static const char *const cmd_names[] = {
	[CMD_PRINT] = "print", [CMD_SUMMARY] = "summary", [CMD_CHROME] = "chrome",
	[CMD_CSV] = "csv", [CMD_INFO] = "info", [CMD_MODEL] = "model",
};

/* filter options kept as given: times need the dump to mean anything */
struct filter_opt {
	const char *key, *val;
};

#define MAX_FILTER_OPTS 6

struct args {
	enum command cmd;
	const char *file;
	const char *output;	/* NULL or "-": stdout */
	bool json;
	struct filter_opt fopts[MAX_FILTER_OPTS];
	size_t nr_fopts;
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vflowdump [OPTION]... [COMMAND] FILE\n"
"Show the events of a vflow post-mortem dump (a .vfd file written by vflowd).\n"
"\n"
"Commands:\n"
"  print      one line per event (default)\n"
"  summary    per paradigm and reason: samples, share, min/mean/max/p99 latency\n"
"  chrome     Chrome trace event JSON (open in Perfetto or chrome://tracing)\n"
"  csv        one CSV row per event, with a header line\n"
"  info       what the dump says about itself: host, recorder, probes, entities, damage\n"
"  model      the overhead model over the events (estimated from the samples)\n"
"\n"
"Filters (all that are given must match):\n"
"  -e, --entity NAME        entity name, type, cgroup path part, process/VM/sandbox\n"
"                           name, or a pid or cgroup id\n"
"  -p, --paradigm NAME      container, host, vm (= fullvirt, with paravirt), paravirt, sandbox\n"
"  -t, --trap CLASS|REASON  syscall, vmexit, hypercall, io, idle, userspace, sandbox,\n"
"                           a sandbox action (errno, trap, user_notif, ptrace, ...)\n"
"                           or a reason name (getppid, HLT, npf), any case\n"
"      --pid PID            events of this process or thread\n"
"      --from T, --to T     seconds after the first event (2.5), or a wall-clock time:\n"
"                           2026-11-25T15:04:05[.frac][Z] or 15:04:05 (the dump's date);\n"
"                           local time unless Z\n"
"\n"
"Output:\n"
"  -o, --output FILE        write to FILE instead of stdout\n"
"  -j, --json               summary and model as JSON\n"
"  -V, --version            print the version and exit\n"
"  -h, --help               this help\n"
"\n"
"Exit status: 0 clean, 1 unusable (not a dump, unreadable, write error),\n"
"2 bad usage, 3 read but damaged (problems on stderr; output from what was salvaged).\n");
}

static int add_filter(struct args *a, const char *key, const char *val)
{
	for (size_t i = 0; i < a->nr_fopts; i++)
		if (!strcmp(a->fopts[i].key, key)) {
			a->fopts[i].val = val;	/* the last one given wins */
			return 0;
		}
	a->fopts[a->nr_fopts++] = (struct filter_opt){ .key = key, .val = val };
	return 0;
}

static int command_of(const char *s)
{
	for (size_t i = 0; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (!strcmp(s, cmd_names[i]))
			return (int)i;
	return -1;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	enum { OPT_PID = 256, OPT_FROM, OPT_TO };
	static const struct option longopts[] = {
		{ "entity", required_argument, NULL, 'e' },
		{ "paradigm", required_argument, NULL, 'p' },
		{ "trap", required_argument, NULL, 't' },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct dump_filter probe;
	char err[256];
	int c, cmd;

	dump_filter__init(&probe);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":e:p:t:o:jVh", longopts, NULL)) != -1) {
		const char *key = NULL;

		switch (c) {
		case 'e':
			key = "entity";
			break;
		case 'p':
			key = "paradigm";
			break;
		case 't':
			key = "trap";
			break;
		case OPT_PID:
			key = "pid";
			break;
		case OPT_FROM:
			key = "from";
			break;
		case OPT_TO:
			key = "to";
			break;
		case 'o':
			a->output = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'V':
			printf("vflowdump %s (%s)\n", VFLOW_VERSION, VFLOW_GIT_REV);
			exit(EXIT_CLEAN);
		case 'h':
			usage(stdout);
			exit(EXIT_CLEAN);
		case ':':
			fprintf(stderr, "vflowdump: option '%s' needs a value: see vflowdump --help\n",
				argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "vflowdump: unknown option '%s': see vflowdump --help\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		if (!key)
			continue;
		/* everything but times can be checked before the file is read */
		if (strcmp(key, "from") && strcmp(key, "to") &&
		    dump_filter__set(&probe, NULL, key, optarg, err, sizeof(err))) {
			fprintf(stderr, "vflowdump: %s\n", err);
			return -EINVAL;
		}
		add_filter(a, key, optarg);
	}
	if (argc - optind == 2) {
		cmd = command_of(argv[optind]);
		if (cmd < 0) {
			fprintf(stderr, "vflowdump: unknown command '%s': give print, summary, chrome, "
				"csv, info or model\n", argv[optind]);
			return -EINVAL;
		}
		a->cmd = cmd;
		a->file = argv[optind + 1];
	} else if (argc - optind == 1) {
		a->file = argv[optind];
		if (command_of(a->file) >= 0) {
			fprintf(stderr, "vflowdump: %s needs a dump file: vflowdump %s FILE\n", a->file,
				a->file);
			return -EINVAL;
		}
	} else if (argc - optind == 0) {
		fprintf(stderr, "vflowdump: give a dump file: vflowdump [COMMAND] FILE (see --help)\n");
		return -EINVAL;
	} else {
		fprintf(stderr, "vflowdump: unexpected argument '%s': give one command and one file\n",
			argv[optind + 2]);
		return -EINVAL;
	}
	if (a->json && a->cmd != CMD_SUMMARY && a->cmd != CMD_MODEL) {
		fprintf(stderr, "vflowdump: --json is for summary and model: %s has its own format\n",
			cmd_names[a->cmd]);
		return -EINVAL;
	}
	return 0;
}

static bool damaged(const struct dump *d)
{
	const struct dump_damage *dm = &d->damage;

	return dm->nr_problems || dm->blocks_bad || dm->truncated || dm->events_lost;
}

static int run(const struct args *a, const struct dump *d, const struct dump_filter *f, FILE *out)
{
	switch (a->cmd) {
	case CMD_PRINT:
		return dumptool_print(d, f, out);
	case CMD_SUMMARY:
		return a->json ? dumptool_summary_json(d, f, out) : dumptool_summary(d, f, out);
	case CMD_CHROME:
		return dumptool_chrome(d, f, out);
	case CMD_CSV:
		return dumptool_csv(d, f, out);
	case CMD_INFO:
		return dumptool_info(d, f, out);
	case CMD_MODEL:
		return dumptool_model(d, f, a->json, out);
	}
	return -EINVAL;
}

int main(int argc, char **argv)
{
	struct args a = {};
	struct dump_filter f;
	struct dump *d = NULL;
	char err[512];
	FILE *out = stdout;
	bool to_stdout;
	int ret, status;

	if (parse_args(argc, argv, &a))
		return EXIT_USAGE;
	ret = dump_read_file(a.file, &d, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vflowdump: %s\n", err);
		return EXIT_UNUSABLE;
	}
	dump_filter__init(&f);
	for (size_t i = 0; i < a.nr_fopts; i++) {
		if (dump_filter__set(&f, d, a.fopts[i].key, a.fopts[i].val, err, sizeof(err))) {
			fprintf(stderr, "vflowdump: %s\n", err);
			dump__free(d);
			return EXIT_USAGE;
		}
	}
	if (f.from_ns && f.to_ns && f.from_ns > f.to_ns) {
		fprintf(stderr, "vflowdump: --from is after --to: give a window that starts before it ends\n");
		dump__free(d);
		return EXIT_USAGE;
	}
	/* what reading found, before the output: one line each */
	for (size_t i = 0; i < d->damage.nr_problems && i < DUMP_MAX_PROBLEMS; i++)
		fprintf(stderr, "vflowdump: %s: %s\n", a.file, d->damage.problems[i]);
	status = damaged(d) ? EXIT_DAMAGED : EXIT_CLEAN;

	to_stdout = !a.output || !strcmp(a.output, "-");
	if (!to_stdout) {
		out = fopen(a.output, "we");
		if (!out) {
			fprintf(stderr, "vflowdump: cannot write '%s': %s\n", a.output, strerror(errno));
			dump__free(d);
			return EXIT_UNUSABLE;
		}
	}
	ret = run(&a, d, &f, out);
	if (ret) {
		fprintf(stderr, "vflowdump: %s failed: %s\n", cmd_names[a.cmd], strerror(-ret));
		status = EXIT_UNUSABLE;
	}
	/* a full disk shows only when the buffers go out */
	errno = 0;
	if (fflush(out) || ferror(out)) {
		fprintf(stderr, "vflowdump: writing %s failed: %s\n", to_stdout ? "stdout" : a.output,
			strerror(errno ? errno : EIO));
		status = EXIT_UNUSABLE;
	}
	if (!to_stdout && fclose(out)) {
		fprintf(stderr, "vflowdump: closing '%s' failed: %s\n", a.output, strerror(errno));
		status = EXIT_UNUSABLE;
	}
	dump__free(d);
	return status;
}
