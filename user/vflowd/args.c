// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowd's command line (glibc argp, as libbpf-tools): options grouped as
 * --help shows them, the values parsed by core/cli.c, and for
 * anything wrong one line on stderr and exit status 2. --help and
 * --version have the shape help2man reads.
 */
#define _GNU_SOURCE	/* asprintf */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vflowd/vflowd.h"
#include "core/trap.h"
#include "core/cli.h"
#include "record/flight.h"
#include "record/recorder.h"
#include "serve/control.h"
#include "serve/http.h"
#include "serve/metrics.h"

#define PROG "vflowd"
#define DEFAULT_INTERVAL_S 1.0
#define DEFAULT_TOP 20
#define DEFAULT_MAX_CONNECTIONS 64
#define DEFAULT_DUMP_COOLDOWN_S 60
#define MAX_INTERVAL_S 86400
#define MIN_INTERVAL_S 0.01
#define MAX_DURATION_S 1e9
#define MAX_ROWS 1e6
#define MAX_SLOW_MS 1e7
#define MIN_SLOW_MS 0.001
#define MAX_HTTP_CONNECTIONS 65536
#define MAX_ENTITIES 1e6
#define MAX_RECORD_EVENTS (1 << 24)
#define MAX_SECONDS 1e7		/* --record-seconds, --dump-cooldown, --web.series-ttl */
#define PARADIGM_LIST_LEN 128
#define SPEC_TEXT_LEN 128

enum {
	OPT_SLOW_MS = 256, OPT_RAW_TP, OPT_IMPORT, OPT_LISTEN, OPT_TPATH, OPT_WEBCONF, OPT_MAXCONN,
	OPT_MAXENT, OPT_TTL, OPT_MODEL, OPT_ADVICE, OPT_CALIBRATE, OPT_CALIBRATE_OUT, OPT_CONTROL,
	OPT_REC_EVENTS, OPT_REC_SECONDS, OPT_REC_SAMPLE, OPT_REC_SLOW, OPT_DUMP_DIR, OPT_DUMP_ON_SLOW,
	OPT_DUMP_COOLDOWN, OPT_DUMP_ON_EXIT, OPT_DUMP_REQUEST, OPT_KEEP_CAPS, OPT_DUMP_ON_ETA, OPT_CGROUP,
	OPT_PARADIGM, OPT_SYSCALL_TIMING, OPT_SYSCALL_PAIRING, OPT_NO_SCHED_STATS, OPT_RUNTIME,
};

/* --help's groups, in order */
enum { GRP_OUTPUT = 1, GRP_TRACING, GRP_RECORDER, GRP_SERVE, GRP_MODEL, GRP_MODES };

/* Docs with a printf conversion get their default from help_filter(). */
static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Output:", GRP_OUTPUT },
	{ "interval", 'i', "SECONDS", 0, "print every SECONDS (default %g)", GRP_OUTPUT },
	{ "duration", 'd', "SECONDS", 0, "stop after SECONDS (default: until Ctrl-C)", GRP_OUTPUT },
	{ "json", 'j', NULL, 0, "one JSON object per interval (docs/vflowd.md)", GRP_OUTPUT },
	{ "top", 'n', "N", 0, "entity rows in the table (default %d, 0: all)", GRP_OUTPUT },
	{ "syscalls", 's', "N", 0, "show the first N syscall rows of each entity", GRP_OUTPUT },
	{ "quiet", 'q', NULL, 0, "print no tables (with --web.listen-address: exporter only)",
	  GRP_OUTPUT },

	{ NULL, 0, NULL, 0, "Tracing:", GRP_TRACING },
	{ "paradigm", OPT_PARADIGM, "LIST", 0, "trace only these paradigms: container, host "
	  "(always), vm, sandbox (default: all); the others' programs are not loaded", GRP_TRACING },
	{ "cgroup", OPT_CGROUP, "PATH", 0, "trace only tasks in cgroup PATH of the cgroup2 hierarchy "
	  "and below (/system.slice/foo): filtered in the kernel, the rest of the host pays one "
	  "check per syscall", GRP_TRACING },
	{ "syscall-timing", OPT_SYSCALL_TIMING, "SPEC", 0, "exact (default: every syscall timed), "
	  "sampled (1 in %d), sampled:N (1 in N), budget:P%% (N adapts: timing costs at most P %% "
	  "of one CPU); every syscall is counted in each mode (docs/PERFORMANCE.md)", GRP_TRACING },
	{ "syscall-pairing", OPT_SYSCALL_PAIRING, "WHERE", 0, "pair sys_enter with sys_exit in "
	  "cpu, a per-CPU slot (default), or task, task storage (no sched_switch program needed "
	  "for it)", GRP_TRACING },
	{ "no-sched-stats", OPT_NO_SCHED_STATS, NULL, 0, "no per-cgroup switch counts and run-queue "
	  "wait histograms (on-CPU time and run-queue pressure still come from cgroup files)",
	  GRP_TRACING },
	{ "raw-tp", OPT_RAW_TP, NULL, 0, "attach raw_tp programs even where tp_btf works",
	  GRP_TRACING },
	{ "keep-caps", OPT_KEEP_CAPS, NULL, 0, "keep every capability (by default all but "
	  "CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE are dropped once attached: docs/SECURITY.md)",
	  GRP_TRACING },
	{ "runtime", OPT_RUNTIME, "SPEC", 0, "where containers' names are asked for: KEY=PATH,... "
	  "with KEY docker-socket, podman-socket, docker-root, storage-root, storage-runroot, "
	  "containerd-state (empty: not asked), timeout-ms=MS; 'off': no names "
	  "(default: the runtimes' own paths, docs/IDENTITY.md)", GRP_TRACING },
	{ "verbose", 'v', NULL, 0, "libbpf debug output and verifier logs", GRP_TRACING },

	{ NULL, 0, NULL, 0, "Flight recorder and dumps (docs/DUMP.md, read them with vflowdump):",
	  GRP_RECORDER },
	{ "slow-ms", OPT_SLOW_MS, "MS", 0, "record every syscall slower than MS (default %llu)",
	  GRP_RECORDER },
	{ "record-events", OPT_REC_EVENTS, "N", 0, "keep the last N trap events (default %d, 0: none)",
	  GRP_RECORDER },
	{ "record-seconds", OPT_REC_SECONDS, "T", 0, "and none older than T seconds (default %d, "
	  "0: no limit)", GRP_RECORDER },
	{ "record-sample", OPT_REC_SAMPLE, "SPEC", 0, "record 1 in N traps per CPU: N, or "
	  "CLASS=N,... with CLASS syscall, vm, sandbox (default %s; 0: off)", GRP_RECORDER },
	{ "record-slow", OPT_REC_SLOW, "SPEC", 0, "record every trap this slow: DURATION (10ms, "
	  "250us), or CLASS=DURATION,... (default %s; 0: off)", GRP_RECORDER },
	{ "dump-dir", OPT_DUMP_DIR, "DIR", 0, "where dumps go (default " FLIGHT_DEFAULT_DIR "); "
	  "SIGUSR1 or a request on --control writes one", GRP_RECORDER },
	{ "dump-on-slow", OPT_DUMP_ON_SLOW, "SPEC", 0, "rule: dump when a trap is this slow "
	  "(DURATION or CLASS=DURATION,...)", GRP_RECORDER },
	{ "dump-on-eta-below-band", OPT_DUMP_ON_ETA, NULL, 0, "rule: dump when an entity's modelled "
	  "efficiency falls below the document's band for its paradigm", GRP_RECORDER },
	{ "dump-cooldown", OPT_DUMP_COOLDOWN, "S", 0, "at most one rule dump per S seconds "
	  "(default %d)", GRP_RECORDER },
	{ "dump-on-exit", OPT_DUMP_ON_EXIT, NULL, 0, "write a dump when stopping", GRP_RECORDER },

	{ NULL, 0, NULL, 0, "Serving (the Prometheus exporter, vflowtop --attach):", GRP_SERVE },
	{ "web.listen-address", OPT_LISTEN, "ADDR", 0, "serve Prometheus metrics on ADDR (host:port, "
	  "[v6]:port; the default port is 9477: 127.0.0.1:9477)", GRP_SERVE },
	{ "web.telemetry-path", OPT_TPATH, "PATH", 0, "metrics path (default /metrics)", GRP_SERVE },
	{ "web.config.file", OPT_WEBCONF, "YAML_FILE", 0, "TLS and basic auth (exporter-toolkit format)",
	  GRP_SERVE },
	{ "web.max-connections", OPT_MAXCONN, "N", 0, "concurrent HTTP connections (default %d)",
	  GRP_SERVE },
	{ "max-entities", OPT_MAXENT, "N", 0, "containers, VMs and sandboxes exported by name, each "
	  "(default %d)", GRP_SERVE },
	{ "web.series-ttl", OPT_TTL, "SECONDS", 0, "gone and idle this long: folded into \"other\"; "
	  "removed cgroups are then summed as \"(removed cgroups)\" (default %d)", GRP_SERVE },
	{ "control", OPT_CONTROL, "PATH", 0, "serve snapshots to 'vflowtop --attach PATH' on a Unix "
	  "socket only root can open (e.g. " CONTROL_DEFAULT_PATH ")", GRP_SERVE },

	{ NULL, 0, NULL, 0, "The overhead model:", GRP_MODEL },
	{ "model-config", OPT_MODEL, "FILE", 0, "the overhead model's constants (default: "
	  "config/model.conf next to the binary, or $VFLOW_CONFIG_DIR, or /etc/vflow)", GRP_MODEL },
	{ "advice-rules", OPT_ADVICE, "FILE", 0, "advice rules (default: advice.rules beside "
	  "model.conf)", GRP_MODEL },

	{ NULL, 0, NULL, 0, "Other modes (each does one thing and exits):", GRP_MODES },
	{ "import", OPT_IMPORT, "FILE", 0, "report on the KVM events of a capture: ftrace text "
	  "(trace, trace-cmd report, perf script; - for stdin), trace-cmd's trace.dat or perf.data",
	  GRP_MODES },
	{ "calibrate", OPT_CALIBRATE, NULL, 0, "measure this host's trap and switch costs, print "
	  "them", GRP_MODES },
	{ "calibrate-out", OPT_CALIBRATE_OUT, "FILE", 0, "with --calibrate: write a model config "
	  "with them", GRP_MODES },
	{ "dump-request", OPT_DUMP_REQUEST, "SOCKET", 0, "ask the vflowd on control socket SOCKET "
	  "for a dump, print its path", GRP_MODES },

	CLI_INFO_OPTIONS,
	{},
};

/* argp's input: what is parsed, and the line to print when it fails */
struct parse {
	struct cli_parse cli;
	struct args *a;
};

/* An option's value: 0, -EINVAL with @err set, or ARGP_ERR_UNKNOWN (not this group's). */
typedef int (*set_fn)(struct args *a, int key, char *arg, char *err, size_t len);

/*
 * --paradigm LIST: which paradigms to trace besides the syscall path
 * (containers and the host, always traced): vm, sandbox.
 */
static int parse_paradigms(const char *list, struct engine_opts *o, char *err, size_t len)
{
	char buf[PARADIGM_LIST_LEN], *save = NULL, *tok;

	o->no_vm = o->no_sandbox = true;
	if (snprintf(buf, sizeof(buf), "%s", list) >= (int)sizeof(buf))
		goto bad;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "vm") || !strcmp(tok, "fullvirt") || !strcmp(tok, "paravirt"))
			o->no_vm = false;
		else if (!strcmp(tok, "sandbox"))
			o->no_sandbox = false;
		else if (strcmp(tok, "container") && strcmp(tok, "host"))
			goto bad;
	}
	return 0;
bad:
	return cli_fail(err, len, "invalid --paradigm '%s': give a list of container, host, vm, "
			"sandbox (containers and the host are always traced)", list);
}

/* The recorder's classes by name, for its per-class options. */
static const char *const *rec_classes(void)
{
	static const char *names[VFLOW_REC_MAX];

	for (int c = 0; c < VFLOW_REC_MAX; c++)
		names[c] = trap_rec_class_name(c);
	return names;
}

/* --record-sample / --record-slow / --dump-on-slow */
static int parse_spec(const char *opt, const char *s, enum cli_value_kind kind, __u64 *out,
		      char *err, size_t len)
{
	char why[CLI_ERR_LEN];

	if (!cli_parse_per_class(s, rec_classes(), VFLOW_REC_MAX, kind, out, why, sizeof(why)))
		return 0;
	return cli_fail(err, len, "%s: %s", opt, why);
}

static int set_output(struct args *a, int key, char *arg, char *err, size_t len)
{
	double v;
	int ret;

	switch (key) {
	case 'i':
		return cli_parse_number("--interval", arg, MIN_INTERVAL_S, MAX_INTERVAL_S,
					&a->interval_s, err, len);
	case 'd':
		return cli_parse_number("--duration", arg, 0, MAX_DURATION_S, &a->duration_s, err, len);
	case 'j':
		a->json = true;
		return 0;
	case 'n':
		ret = cli_parse_number("--top", arg, 0, MAX_ROWS, &v, err, len);
		if (!ret)
			a->top = v;
		return ret;
	case 's':
		ret = cli_parse_number("--syscalls", arg, 0, VFLOW_MAX_SYSCALL_NR, &v, err, len);
		if (!ret)
			a->syscalls = v;
		return ret;
	case 'q':
		a->quiet = true;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

/* --syscall-timing SPEC, --syscall-pairing cpu|task, --no-sched-stats (docs/PERFORMANCE.md) */
static int set_cost(struct args *a, int key, char *arg, char *err, size_t len)
{
	struct engine_opts *o = &a->eopts;

	switch (key) {
	case OPT_SYSCALL_TIMING:
		if (trap_timing_parse(arg, &o->time_period, &o->time_budget))
			return cli_fail(err, len, "invalid --syscall-timing '%s': give exact, sampled, "
					"sampled:N (1 <= N <= %d) or budget:P%% (0 < P <= 100)", arg,
					VFLOW_TIME_PERIOD_MAX);
		return 0;
	case OPT_SYSCALL_PAIRING:
		if (strcmp(arg, "cpu") && strcmp(arg, "task"))
			return cli_fail(err, len, "invalid --syscall-pairing '%s': give cpu or task",
					arg);
		o->pair_in_task = !strcmp(arg, "task");
		return 0;
	case OPT_NO_SCHED_STATS:
		o->no_sched_stats = true;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static int set_tracing(struct args *a, int key, char *arg, char *err, size_t len)
{
	switch (key) {
	case OPT_PARADIGM:
		return parse_paradigms(arg, &a->eopts, err, len);
	case OPT_CGROUP:
		if (arg[0] != '/')
			return cli_fail(err, len, "invalid --cgroup '%s': give a path in the cgroup2 "
					"hierarchy, as /system.slice/foo", arg);
		a->cgroup = arg;
		return 0;
	case OPT_RAW_TP:
		a->eopts.force_raw_tp = true;
		return 0;
	case OPT_KEEP_CAPS:
		a->keep_caps = true;
		return 0;
	case OPT_RUNTIME:
		return runtime_config_parse(&a->runtime, arg, &a->no_runtime_names, err, len);
	case 'v':
		a->eopts.verbose = true;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static int set_recorder(struct args *a, int key, char *arg, char *err, size_t len)
{
	__u64 spec[VFLOW_REC_MAX];
	double v;
	int ret;

	switch (key) {
	case OPT_SLOW_MS:
		ret = cli_parse_number("--slow-ms", arg, MIN_SLOW_MS, MAX_SLOW_MS, &v, err, len);
		if (!ret)
			a->eopts.rec.slow_ns[VFLOW_REC_SYSCALL] = v * NS_PER_MS;
		return ret;
	case OPT_REC_EVENTS:
		return cli_parse_number("--record-events", arg, 0, MAX_RECORD_EVENTS, &a->record_events,
					err, len);
	case OPT_REC_SECONDS:
		return cli_parse_number("--record-seconds", arg, 0, MAX_SECONDS, &a->record_seconds,
					err, len);
	case OPT_REC_SAMPLE:
		for (int k = 0; k < VFLOW_REC_MAX; k++)
			spec[k] = a->eopts.rec.sample[k];
		ret = parse_spec("--record-sample", arg, CLI_COUNT, spec, err, len);
		for (int k = 0; !ret && k < VFLOW_REC_MAX; k++)
			a->eopts.rec.sample[k] = (__u32)spec[k];
		return ret;
	case OPT_REC_SLOW:
		return parse_spec("--record-slow", arg, CLI_DURATION, a->eopts.rec.slow_ns, err, len);
	}
	return ARGP_ERR_UNKNOWN;
}

static int set_dumps(struct args *a, int key, char *arg, char *err, size_t len)
{
	switch (key) {
	case OPT_DUMP_DIR:
		a->dump_dir = arg;
		a->dump_dir_set = true;
		return 0;
	case OPT_DUMP_ON_SLOW:
		return parse_spec("--dump-on-slow", arg, CLI_DURATION, a->dump_on_slow, err, len);
	case OPT_DUMP_ON_ETA:
		a->dump_on_eta = true;
		return 0;
	case OPT_DUMP_COOLDOWN:
		return cli_parse_number("--dump-cooldown", arg, 0, MAX_SECONDS, &a->dump_cooldown_s,
					err, len);
	case OPT_DUMP_ON_EXIT:
		a->dump_on_exit = true;
		return 0;
	case OPT_DUMP_REQUEST:
		a->dump_request = arg;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static int set_serve(struct args *a, int key, char *arg, char *err, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sslen;

	switch (key) {
	case OPT_LISTEN:
		if (http_parse_listen(arg, &ss, &sslen))
			return cli_fail(err, len, "invalid --web.listen-address '%s': give host:port, "
					"[v6addr]:port or :port", arg);
		a->listen = arg;
		return 0;
	case OPT_TPATH:
		if (arg[0] != '/')
			return cli_fail(err, len, "invalid --web.telemetry-path '%s': it must start "
					"with /", arg);
		a->telemetry_path = arg;
		return 0;
	case OPT_WEBCONF:
		a->web_config = arg;
		return 0;
	case OPT_MAXCONN:
		return cli_parse_number("--web.max-connections", arg, 1, MAX_HTTP_CONNECTIONS,
					&a->max_connections, err, len);
	case OPT_MAXENT:
		return cli_parse_number("--max-entities", arg, 1, MAX_ENTITIES, &a->max_entities,
					err, len);
	case OPT_TTL:
		return cli_parse_number("--web.series-ttl", arg, 1, MAX_SECONDS, &a->series_ttl_s,
					err, len);
	case OPT_CONTROL:
		a->control = arg;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

static int set_modes(struct args *a, int key, char *arg, char *err, size_t len)
{
	(void)err, (void)len;
	switch (key) {
	case OPT_MODEL:
		a->model_config = arg;
		return 0;
	case OPT_ADVICE:
		a->advice_rules = arg;
		return 0;
	case OPT_IMPORT:
		a->import = arg;
		return 0;
	case OPT_CALIBRATE:
		a->calibrate = true;
		return 0;
	case OPT_CALIBRATE_OUT:
		a->calibrate_out = arg;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

/* After the last option: what the options say together. */
static int finish(struct args *a, char *err, size_t len)
{
	if (a->calibrate_out && !a->calibrate)
		return cli_fail(err, len, "--calibrate-out needs --calibrate");
	/* the rule sees only recorded traps: record at least those it looks for */
	for (int k = 0; k < VFLOW_REC_MAX; k++)
		if (a->dump_on_slow[k] && (!a->eopts.rec.slow_ns[k] ||
					   a->eopts.rec.slow_ns[k] > a->dump_on_slow[k]))
			a->eopts.rec.slow_ns[k] = a->dump_on_slow[k];
	return 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	static const set_fn groups[] = {
		set_output, set_tracing, set_cost, set_recorder, set_dumps, set_serve, set_modes,
	};
	struct parse *p = state->input;
	int ret;

	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		ret = groups[i](p->a, key, arg, p->cli.err, sizeof(p->cli.err));
		if (ret != ARGP_ERR_UNKNOWN)
			return ret ? EINVAL : 0;
	}
	if (key == ARGP_KEY_END)
		return finish(p->a, p->cli.err, sizeof(p->cli.err)) ? EINVAL : 0;
	return cli_key(key, arg, state, &p->cli);
}

/* The defaults --help shows, from the constants the code uses. */
static char *help_filter(int key, const char *text, void *input)
{
	struct engine_rec rec;
	char spec[SPEC_TEXT_LEN], *out = NULL;
	int n;

	(void)input;
	engine_rec__defaults(&rec);
	switch (key) {
	case 'i':
		n = asprintf(&out, text, DEFAULT_INTERVAL_S);
		break;
	case 'n':
		n = asprintf(&out, text, DEFAULT_TOP);
		break;
	case OPT_SYSCALL_TIMING:
		n = asprintf(&out, text, VFLOW_DEFAULT_TIME_PERIOD);
		break;
	case OPT_SLOW_MS:
		n = asprintf(&out, text, (unsigned long long)(rec.slow_ns[VFLOW_REC_SYSCALL] / NS_PER_MS));
		break;
	case OPT_REC_EVENTS:
		n = asprintf(&out, text, RECORDER_DEFAULT_EVENTS);
		break;
	case OPT_REC_SECONDS:
		n = asprintf(&out, text, RECORDER_DEFAULT_SECONDS);
		break;
	case OPT_REC_SAMPLE: {
		__u64 sample[VFLOW_REC_MAX];

		for (int c = 0; c < VFLOW_REC_MAX; c++)
			sample[c] = rec.sample[c];
		n = asprintf(&out, text, cli_format_per_class(sample, rec_classes(), VFLOW_REC_MAX,
							      CLI_COUNT, spec, sizeof(spec)));
		break;
	}
	case OPT_REC_SLOW:
		n = asprintf(&out, text, cli_format_per_class(rec.slow_ns, rec_classes(), VFLOW_REC_MAX,
							      CLI_DURATION, spec, sizeof(spec)));
		break;
	case OPT_DUMP_COOLDOWN:
		n = asprintf(&out, text, DEFAULT_DUMP_COOLDOWN_S);
		break;
	case OPT_MAXCONN:
		n = asprintf(&out, text, DEFAULT_MAX_CONNECTIONS);
		break;
	case OPT_MAXENT:
		n = asprintf(&out, text, METRICS_DEFAULT_MAX_ENTITIES);
		break;
	case OPT_TTL:
		n = asprintf(&out, text, METRICS_DEFAULT_TTL_S);
		break;
	default:
		return (char *)text;
	}
	/* argp frees what differs from @text */
	return n < 0 ? (char *)text : out;
}

static const struct argp argp = {
	.options = options,
	.parser = parse_opt,
	.args_doc = "\n--import=FILE\n--calibrate [--calibrate-out=FILE]\n--dump-request=SOCKET",
	.doc = "Trace how often each workload on this host traps out of its fast path."
	       "\v"
	       "SIGHUP reloads --model-config, --advice-rules and --web.config.file (a bad file "
	       "keeps the old ones); SIGUSR1 writes a dump.\n\n"
	       "The output, field by field: docs/vflowd.md; the dumps: docs/DUMP.md; the metrics: "
	       "docs/metrics.md.",
	.help_filter = help_filter,
};

int vflowd_args__parse(int argc, char **argv, struct args *a)
{
	struct parse p = { .cli = { .prog = PROG, .out = stdout, .errs = stderr }, .a = a };
	int ret;

	a->interval_s = DEFAULT_INTERVAL_S;
	a->record_events = RECORDER_DEFAULT_EVENTS;
	a->record_seconds = RECORDER_DEFAULT_SECONDS;
	a->dump_dir = FLIGHT_DEFAULT_DIR;
	a->dump_cooldown_s = DEFAULT_DUMP_COOLDOWN_S;
	engine_rec__defaults(&a->eopts.rec);
	a->eopts.rec_set = true;
	a->top = DEFAULT_TOP;
	a->max_connections = DEFAULT_MAX_CONNECTIONS;
	a->max_entities = METRICS_DEFAULT_MAX_ENTITIES;
	a->series_ttl_s = METRICS_DEFAULT_TTL_S;
	runtime_config_default(&a->runtime);
	ret = cli_parse_argv(&argp, argc, argv, &p, &p.cli);
	if (ret > 0)
		exit(0);	/* --help, --version */
	return ret;
}
