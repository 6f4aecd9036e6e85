// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowdump: read a post-mortem dump written by vflowd and show its
 * events (one line each, a per-reason summary, Chrome trace JSON, CSV),
 * what the dump says about itself, or the overhead model over them.
 * What reading found damaged goes to stderr and the exit code; the
 * command still runs on what was salvaged. docs/vflowdump.md.
 */
#include <errno.h>
#include <argp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "record/dump.h"
#include "record/dumptool.h"
#include "core/cli.h"

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

#define PROG "vflowdump"

enum { OPT_PID = 256, OPT_FROM, OPT_TO };

/* --help's groups, in order */
enum { GRP_FILTER = 1, GRP_OUTPUT };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Filters (all that are given must match):", GRP_FILTER },
	{ "entity", 'e', "NAME", 0, "entity name, type, cgroup path part, process/VM/sandbox name, "
	  "or a pid or cgroup id", GRP_FILTER },
	{ "paradigm", 'p', "NAME", 0, "container, host, vm (= fullvirt, with paravirt), paravirt, "
	  "sandbox", GRP_FILTER },
	{ "trap", 't', "CLASS|REASON", 0, "syscall, vmexit, hypercall, io, idle, userspace, sandbox, "
	  "a sandbox action (errno, trap, user_notif, ptrace, ...) or a reason name (getppid, HLT, "
	  "npf), any case", GRP_FILTER },
	{ "pid", OPT_PID, "PID", 0, "events of this process or thread", GRP_FILTER },
	{ "from", OPT_FROM, "T", 0, "seconds after the first event (2.5), or a wall-clock time: "
	  "2026-11-25T15:04:05[.frac][Z] or 15:04:05 (the dump's date); local time unless Z",
	  GRP_FILTER },
	{ "to", OPT_TO, "T", 0, "the end of the window, as --from", GRP_FILTER },

	{ NULL, 0, NULL, 0, "Output:", GRP_OUTPUT },
	{ "output", 'o', "FILE", 0, "write to FILE instead of stdout", GRP_OUTPUT },
	{ "json", 'j', NULL, 0, "summary and model as JSON", GRP_OUTPUT },

	CLI_INFO_OPTIONS,
	{},
};

/* argp's input: what is parsed, and the line to print when it fails */
struct parse {
	struct cli_parse cli;
	struct args *a;
	struct dump_filter probe;	/* checks the filters that need no dump */
	char *words[2];			/* [COMMAND] FILE */
	size_t nr_words;
};

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

/* The filter an option sets ("entity", ...), or NULL. */
static const char *filter_of(int key)
{
	switch (key) {
	case 'e': return "entity";
	case 'p': return "paradigm";
	case 't': return "trap";
	case OPT_PID: return "pid";
	case OPT_FROM: return "from";
	case OPT_TO: return "to";
	}
	return NULL;
}

static int set_filter(struct parse *p, const char *key, const char *val)
{
	/* everything but times can be checked before the file is read */
	if (strcmp(key, "from") && strcmp(key, "to") &&
	    dump_filter__set(&p->probe, NULL, key, val, p->cli.err, sizeof(p->cli.err)))
		return -EINVAL;
	return add_filter(p->a, key, val);
}

/* After the last argument: the command and the file. */
static int finish(struct parse *p)
{
	struct args *a = p->a;
	int cmd;

	if (p->nr_words == 2) {
		cmd = command_of(p->words[0]);
		if (cmd < 0)
			return cli_fail(p->cli.err, sizeof(p->cli.err), "unknown command '%s': give "
					"print, summary, chrome, csv, info or model", p->words[0]);
		a->cmd = cmd;
		a->file = p->words[1];
	} else if (p->nr_words == 1) {
		a->file = p->words[0];
		if (command_of(a->file) >= 0)
			return cli_fail(p->cli.err, sizeof(p->cli.err), "%s needs a dump file: "
					PROG " %s FILE", a->file, a->file);
	} else {
		return cli_fail(p->cli.err, sizeof(p->cli.err), "give a dump file: " PROG
				" [COMMAND] FILE (see --help)");
	}
	if (a->json && a->cmd != CMD_SUMMARY && a->cmd != CMD_MODEL)
		return cli_fail(p->cli.err, sizeof(p->cli.err), "--json is for summary and model: "
				"%s has its own format", cmd_names[a->cmd]);
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse *p = state->input;
	const char *filter = filter_of(key);

	if (filter)
		return set_filter(p, filter, arg) ? EINVAL : 0;
	switch (key) {
	case 'o':
		p->a->output = arg;
		return 0;
	case 'j':
		p->a->json = true;
		return 0;
	case ARGP_KEY_ARG:
		if (p->nr_words == 2) {
			cli_fail(p->cli.err, sizeof(p->cli.err), "unexpected argument '%s': give one "
				 "command and one file", arg);
			return EINVAL;
		}
		p->words[p->nr_words++] = arg;
		return 0;
	case ARGP_KEY_END:
		return finish(p) ? EINVAL : 0;
	}
	return cli_key(key, arg, state, &p->cli);
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "[COMMAND] FILE",
	.doc = "Show the events of a vflow post-mortem dump (a .vfd file written by vflowd).\n\n"
	       "Commands:\n"
	       "  print      one line per event (default)\n"
	       "  summary    per paradigm and reason: samples, share, min/mean/max/p99 latency\n"
	       "  chrome     Chrome trace event JSON (open in Perfetto or chrome://tracing)\n"
	       "  csv        one CSV row per event, with a header line\n"
	       "  info       the dump's own account: host, recorder, probes, entities, damage\n"
	       "  model      the overhead model over the events (estimated from the samples)"
	       "\v"
	       "Exit status: 0 clean, 1 unusable (not a dump, unreadable, write error), 2 bad usage, "
	       "3 read but damaged (problems on stderr; output from what was salvaged).\n\n"
	       "The dump format: docs/DUMP.md; this program: docs/vflowdump.md.",
};

static int parse_args(int argc, char **argv, struct args *a)
{
	struct parse p = { .cli = { .prog = PROG, .out = stdout, .errs = stderr }, .a = a };
	int ret;

	dump_filter__init(&p.probe);
	ret = cli_parse_argv(&argp, argc, argv, &p, &p.cli);
	if (ret > 0)
		exit(EXIT_CLEAN);	/* --help, --version */
	return ret;
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
