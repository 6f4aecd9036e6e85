// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowd: the vflow daemon. This first front-end prints the per-entity
 * table (or one JSON object per line) every interval, for a duration or
 * until SIGINT/SIGTERM, and once more on the way out so that nothing
 * counted since the last interval is lost.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "host/cgroup.h"
#include "engine/engine.h"
#include "source/ftrace_import.h"
#include "serve/http.h"
#include "serve/metrics.h"
#include "report/report.h"
#include "serve/webconfig.h"
#include "core/model.h"
#include "core/advice.h"
#include "host/calibrate.h"
#include "host/model_files.h"
#include "serve/control.h"
#include <pthread.h>
#include "core/syscalls.h"
#include "record/flight.h"
#include "record/recorder.h"
#include "host/privdrop.h"
#include "source/retire.h"
#include "core/kvm_reasons.h"

#define DEFAULT_INTERVAL_S 1.0
#define DEFAULT_TOP 20
#define POLL_SLICE_MS 100
#define MAX_PROG_STATS 64
#define DEFAULT_MAX_CONNECTIONS 64
#define DEFAULT_WEB_TIMEOUT_S 10
#define NS_PER_SEC 1000000000ULL
#define NS_PER_MS 1000000ULL

#define TRIM_ROWS 4096		/* rows that, halved, are worth a malloc_trim */
#define DUMP_RULE_DELAY_NS (1 * NS_PER_SEC)	/* a rule's dump also holds what followed */
#define DEFAULT_DUMP_COOLDOWN_S 60

static volatile sig_atomic_t exiting;
static volatile sig_atomic_t dump_signalled;
static volatile sig_atomic_t reload_signalled;
/* the model's constants and rules, loaded once at start */
static const struct model_config *g_model;
static const struct advice_rules *g_advice;
/* the main loop and the control socket's thread both take snapshots */
static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;

static struct snapshot *locked_snapshot(void *ctx)
{
	struct snapshot *s;

	pthread_mutex_lock(&snapshot_lock);
	s = engine__snapshot(ctx);
	pthread_mutex_unlock(&snapshot_lock);
	return s;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_signalled = 1;
	else if (sig == SIGHUP)
		reload_signalled = 1;
	else
		exiting = 1;
}

/*
 * Dumps asked for on the control socket's thread are written by the main
 * loop (which owns the recorder): the request waits for its sequence number.
 */
static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dump_cond = PTHREAD_COND_INITIALIZER;
static unsigned long dump_asked, dump_answered;
static bool dump_closing;
static char dump_answer[CONTROL_REPLY_LEN];

struct args {
	double interval_s;
	double duration_s;	/* 0: until a signal */
	bool json;
	const char *import;	/* ftrace text capture to report on, "-" for stdin */
	bool quiet;		/* no table/JSON output (an exporter-only daemon) */
	const char *listen;	/* --web.listen-address: serve /metrics */
	const char *telemetry_path;
	const char *web_config;
	double max_connections;
	double max_entities;
	double series_ttl_s;
	const char *model_config;	/* NULL: the shipped default, if found */
	const char *advice_rules;
	bool calibrate;
	const char *calibrate_out;
	const char *control;		/* --control: serve snapshots to vflowtop --attach */
	size_t top;
	size_t syscalls;
	struct engine_opts eopts;
	double record_events, record_seconds;
	const char *dump_dir;
	bool dump_dir_set;		/* given: --import writes its events there too */
	bool dump_on_exit;
	__u64 dump_on_slow[VFLOW_REC_MAX];	/* the rule: a trap this slow; 0: off */
	bool dump_on_eta;			/* the rule: an entity's eta below the model's band */
	double dump_cooldown_s;
	const char *dump_request;	/* --dump-request SOCKET: ask a running vflowd, exit */
	bool keep_caps;			/* --keep-caps: do not drop capabilities after attaching */
	const char *cgroup;		/* --cgroup: trace only this subtree (in the kernel) */
};

/* What the main loop keeps besides the engine. */
struct daemon {
	const struct args *a;
	struct proc_cache pc;
	struct report_ledger *ledger;	/* the model's running sums, for the counters */
	struct recorder rec;
	struct flight fl;
	__u64 rule_due_ns;		/* a rule fired: dump at this time; 0: none */
	__u64 rule_last_ns;
	char rule_trigger[256];
	__u64 start_ns;			/* tracing started: what the aggregates cover */
};

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vflowd [OPTION]...\n"
"Trace how often each workload on this host traps out of its fast path.\n"
"\n"
"  -i, --interval SECONDS   print every SECONDS (default %.0f)\n"
"  -d, --duration SECONDS   stop after SECONDS (default: until Ctrl-C)\n"
"  -j, --json               one JSON object per interval (docs/vflowd.md)\n"
"  -n, --top N              entity rows in the table (default %d, 0: all)\n"
"  -s, --syscalls N         show the first N syscall rows of each entity\n"
"      --slow-ms MS         record every syscall slower than MS (default %llu)\n"
"Flight recorder and dumps (docs/DUMP.md, read them with vflowdump):\n"
"      --record-events N    keep the last N trap events (default %d, 0: none)\n"
"      --record-seconds T   and none older than T seconds (default %d, 0: no limit)\n"
"      --record-sample SPEC record 1 in N traps per CPU: N, or CLASS=N,... with CLASS\n"
"                           syscall, vm, sandbox (default syscall=%d,vm=%d,sandbox=%d; 0: off)\n"
"      --record-slow SPEC   record every trap this slow: DURATION, or CLASS=DURATION,...\n"
"                           (default syscall=10ms,vm=100us,sandbox=1ms; 0: off)\n"
"      --dump-dir DIR       where dumps go (default " FLIGHT_DEFAULT_DIR ");\n"
"                           SIGUSR1 or a request on --control writes one\n"
"      --dump-on-slow SPEC  rule: dump when a trap is this slow (DURATION or CLASS=DURATION,...)\n"
"      --dump-on-eta-below-band  rule: dump when an entity's modelled efficiency falls\n"
"                           below the document's band for its paradigm\n"
"      --dump-cooldown S    at most one rule dump per S seconds (default %d)\n"
"      --dump-on-exit       write a dump when stopping\n"
"      --dump-request SOCKET  ask the vflowd on control socket SOCKET for a dump, print its path\n"
"      --raw-tp             attach raw_tp programs even where tp_btf works\n"
"      --paradigm LIST      trace only these paradigms: container, host (always), vm,\n"
"                           sandbox (default: all); the others' programs are not loaded\n"
"      --cgroup PATH        trace only tasks in cgroup PATH of the cgroup2 hierarchy and\n"
"                           below (/system.slice/foo): filtered in the kernel, the rest of\n"
"                           the host pays one check per syscall\n"
"      --import FILE        report on KVM events in an ftrace text capture (trace,\n"
"                           trace-cmd report, perf script; - for stdin) and exit\n"
"  -q, --quiet              print no tables (with --web.listen-address: exporter only)\n"
"      --web.listen-address ADDR  serve Prometheus metrics on ADDR (host:port, [v6]:port;\n"
"                           the default port is 9477: 127.0.0.1:9477)\n"
"      --web.telemetry-path PATH  metrics path (default /metrics)\n"
"      --web.config.file FILE     TLS and basic auth (exporter-toolkit format)\n"
"      --web.max-connections N    concurrent HTTP connections (default 64)\n"
"      --max-entities N     containers, VMs and sandboxes exported by name, each (default 100)\n"
"      --web.series-ttl SECONDS   gone and idle this long: folded into \"other\"; removed\n"
"                           cgroups are then summed as \"(removed cgroups)\" (default 300)\n"
"      --model-config FILE  the overhead model's constants (default: config/model.conf\n"
"                           next to the binary, or $VFLOW_CONFIG_DIR, or /etc/vflow)\n"
"      --advice-rules FILE  advice rules (default: advice.rules beside model.conf)\n"
"      --control PATH       serve snapshots to 'vflowtop --attach PATH' on a Unix socket\n"
"                           only root can open (e.g. " CONTROL_DEFAULT_PATH ")\n"
"      --keep-caps          keep every capability (by default all but CAP_DAC_READ_SEARCH\n"
"                           and CAP_SYS_PTRACE are dropped once attached: docs/SECURITY.md)\n"
"  SIGHUP reloads --model-config, --advice-rules and --web.config.file (a bad file\n"
"  keeps the old ones).\n"
"      --calibrate          measure this host's trap and switch costs, print them, exit\n"
"      --calibrate-out FILE with --calibrate: write a model config with them\n"
"  -v, --verbose            libbpf debug output and verifier logs\n"
"  -V, --version            print the version and exit\n"
"  -h, --help               this help\n",
		DEFAULT_INTERVAL_S, DEFAULT_TOP, VFLOW_DEFAULT_SLOW_NS / NS_PER_MS,
		RECORDER_DEFAULT_EVENTS, RECORDER_DEFAULT_SECONDS, VFLOW_DEFAULT_SAMPLE_SYSCALL,
		VFLOW_DEFAULT_SAMPLE_VM, VFLOW_DEFAULT_SAMPLE_SANDBOX, DEFAULT_DUMP_COOLDOWN_S);
}

/* strtod with the whole string and a range: a clear one-line error otherwise */
static int parse_num(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < lo || v > hi) {
		fprintf(stderr, "vflowd: invalid value '%s' for %s: give a number from %g to %g\n",
			s, opt, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

enum { OPT_SLOW_MS = 256, OPT_RAW_TP, OPT_IMPORT, OPT_LISTEN, OPT_TPATH, OPT_WEBCONF, OPT_MAXCONN,
       OPT_MAXENT, OPT_TTL, OPT_MODEL, OPT_ADVICE, OPT_CALIBRATE, OPT_CALIBRATE_OUT, OPT_CONTROL,
       OPT_REC_EVENTS, OPT_REC_SECONDS, OPT_REC_SAMPLE, OPT_REC_SLOW, OPT_DUMP_DIR, OPT_DUMP_ON_SLOW,
       OPT_DUMP_COOLDOWN, OPT_DUMP_ON_EXIT, OPT_DUMP_REQUEST, OPT_KEEP_CAPS, OPT_DUMP_ON_ETA, OPT_CGROUP, OPT_PARADIGM };

/*
 * --paradigm LIST: which paradigms to trace besides the syscall path
 * (containers and the host, always traced): vm, sandbox.
 */
static int parse_paradigms(const char *list, struct engine_opts *o)
{
	char buf[128], *save = NULL, *tok;

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
	fprintf(stderr, "vflowd: invalid --paradigm '%s': give a list of container, host, vm, "
		"sandbox (containers and the host are always traced)\n", list);
	return -EINVAL;
}

/* --record-sample / --record-slow / --dump-on-slow */
static int parse_spec(const char *opt, const char *s, bool durations, __u64 out[VFLOW_REC_MAX])
{
	char err[300];

	if (!rec_parse_spec(s, durations, out, err, sizeof(err)))
		return 0;
	fprintf(stderr, "vflowd: %s: %s\n", opt, err);
	return -EINVAL;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "top", required_argument, NULL, 'n' },
		{ "syscalls", required_argument, NULL, 's' },
		{ "slow-ms", required_argument, NULL, OPT_SLOW_MS },
		{ "raw-tp", no_argument, NULL, OPT_RAW_TP },
		{ "import", required_argument, NULL, OPT_IMPORT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
		{ "web.telemetry-path", required_argument, NULL, OPT_TPATH },
		{ "web.config.file", required_argument, NULL, OPT_WEBCONF },
		{ "web.max-connections", required_argument, NULL, OPT_MAXCONN },
		{ "max-entities", required_argument, NULL, OPT_MAXENT },
		{ "web.series-ttl", required_argument, NULL, OPT_TTL },
		{ "model-config", required_argument, NULL, OPT_MODEL },
		{ "advice-rules", required_argument, NULL, OPT_ADVICE },
		{ "calibrate", no_argument, NULL, OPT_CALIBRATE },
		{ "calibrate-out", required_argument, NULL, OPT_CALIBRATE_OUT },
		{ "control", required_argument, NULL, OPT_CONTROL },
		{ "record-events", required_argument, NULL, OPT_REC_EVENTS },
		{ "record-seconds", required_argument, NULL, OPT_REC_SECONDS },
		{ "record-sample", required_argument, NULL, OPT_REC_SAMPLE },
		{ "record-slow", required_argument, NULL, OPT_REC_SLOW },
		{ "dump-dir", required_argument, NULL, OPT_DUMP_DIR },
		{ "dump-on-slow", required_argument, NULL, OPT_DUMP_ON_SLOW },
		{ "dump-cooldown", required_argument, NULL, OPT_DUMP_COOLDOWN },
		{ "dump-on-exit", no_argument, NULL, OPT_DUMP_ON_EXIT },
		{ "dump-request", required_argument, NULL, OPT_DUMP_REQUEST },
		{ "keep-caps", no_argument, NULL, OPT_KEEP_CAPS },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "paradigm", required_argument, NULL, OPT_PARADIGM },
		{ "dump-on-eta-below-band", no_argument, NULL, OPT_DUMP_ON_ETA },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	__u64 spec[VFLOW_REC_MAX];
	double v;
	int c;

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
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":i:d:jn:s:qvVh", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (parse_num("--interval", optarg, 0.01, 86400, &a->interval_s))
				return -EINVAL;
			break;
		case 'd':
			if (parse_num("--duration", optarg, 0, 1e9, &a->duration_s))
				return -EINVAL;
			break;
		case 'j':
			a->json = true;
			break;
		case 'n':
			if (parse_num("--top", optarg, 0, 1e6, &v))
				return -EINVAL;
			a->top = v;
			break;
		case 's':
			if (parse_num("--syscalls", optarg, 0, VFLOW_MAX_SYSCALL_NR, &v))
				return -EINVAL;
			a->syscalls = v;
			break;
		case OPT_SLOW_MS:
			if (parse_num("--slow-ms", optarg, 0.001, 1e7, &v))
				return -EINVAL;
			a->eopts.rec.slow_ns[VFLOW_REC_SYSCALL] = v * NS_PER_MS;
			break;
		case OPT_RAW_TP:
			a->eopts.force_raw_tp = true;
			break;
		case OPT_IMPORT:
			a->import = optarg;
			break;
		case 'q':
			a->quiet = true;
			break;
		case OPT_LISTEN: {
			struct sockaddr_storage ss;
			socklen_t len;

			if (http_parse_listen(optarg, &ss, &len)) {
				fprintf(stderr, "vflowd: invalid --web.listen-address '%s': give host:port, "
					"[v6addr]:port or :port\n", optarg);
				return -EINVAL;
			}
			a->listen = optarg;
			break;
		}
		case OPT_TPATH:
			if (optarg[0] != '/') {
				fprintf(stderr, "vflowd: invalid --web.telemetry-path '%s': it must start "
					"with /\n", optarg);
				return -EINVAL;
			}
			a->telemetry_path = optarg;
			break;
		case OPT_WEBCONF:
			a->web_config = optarg;
			break;
		case OPT_MAXCONN:
			if (parse_num("--web.max-connections", optarg, 1, 65536, &a->max_connections))
				return -EINVAL;
			break;
		case OPT_MAXENT:
			if (parse_num("--max-entities", optarg, 1, 1e6, &a->max_entities))
				return -EINVAL;
			break;
		case OPT_MODEL:
			a->model_config = optarg;
			break;
		case OPT_ADVICE:
			a->advice_rules = optarg;
			break;
		case OPT_CALIBRATE:
			a->calibrate = true;
			break;
		case OPT_CALIBRATE_OUT:
			a->calibrate_out = optarg;
			break;
		case OPT_CONTROL:
			a->control = optarg;
			break;
		case OPT_REC_EVENTS:
			if (parse_num("--record-events", optarg, 0, 1 << 24, &a->record_events))
				return -EINVAL;
			break;
		case OPT_REC_SECONDS:
			if (parse_num("--record-seconds", optarg, 0, 1e7, &a->record_seconds))
				return -EINVAL;
			break;
		case OPT_REC_SAMPLE:
			for (int k = 0; k < VFLOW_REC_MAX; k++)
				spec[k] = a->eopts.rec.sample[k];
			if (parse_spec("--record-sample", optarg, false, spec))
				return -EINVAL;
			for (int k = 0; k < VFLOW_REC_MAX; k++)
				a->eopts.rec.sample[k] = (__u32)spec[k];
			break;
		case OPT_REC_SLOW:
			if (parse_spec("--record-slow", optarg, true, a->eopts.rec.slow_ns))
				return -EINVAL;
			break;
		case OPT_DUMP_DIR:
			a->dump_dir = optarg;
			a->dump_dir_set = true;
			break;
		case OPT_DUMP_ON_SLOW:
			if (parse_spec("--dump-on-slow", optarg, true, a->dump_on_slow))
				return -EINVAL;
			break;
		case OPT_DUMP_COOLDOWN:
			if (parse_num("--dump-cooldown", optarg, 0, 1e7, &a->dump_cooldown_s))
				return -EINVAL;
			break;
		case OPT_DUMP_ON_EXIT:
			a->dump_on_exit = true;
			break;
		case OPT_DUMP_REQUEST:
			a->dump_request = optarg;
			break;
		case OPT_KEEP_CAPS:
			a->keep_caps = true;
			break;
		case OPT_PARADIGM:
			if (parse_paradigms(optarg, &a->eopts))
				return -EINVAL;
			break;
		case OPT_CGROUP:
			if (optarg[0] != '/') {
				fprintf(stderr, "vflowd: invalid --cgroup '%s': give a path in the cgroup2 "
					"hierarchy, as /system.slice/foo\n", optarg);
				return -EINVAL;
			}
			a->cgroup = optarg;
			break;
		case OPT_DUMP_ON_ETA:
			a->dump_on_eta = true;
			break;
		case OPT_TTL:
			if (parse_num("--web.series-ttl", optarg, 1, 1e7, &a->series_ttl_s))
				return -EINVAL;
			break;
		case 'v':
			a->eopts.verbose = true;
			break;
		case 'V':
			printf("vflowd %s (%s)\n", VFLOW_VERSION, VFLOW_GIT_REV);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			fprintf(stderr, "vflowd: option '%s' needs a value: see vflowd --help\n",
				argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "vflowd: unknown option '%s': see vflowd --help\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vflowd: unexpected argument '%s': see vflowd --help\n", argv[optind]);
		return -EINVAL;
	}
	/* the rule sees only recorded traps: record at least those it looks for */
	for (int k = 0; k < VFLOW_REC_MAX; k++)
		if (a->dump_on_slow[k] && (!a->eopts.rec.slow_ns[k] ||
					   a->eopts.rec.slow_ns[k] > a->dump_on_slow[k]))
			a->eopts.rec.slow_ns[k] = a->dump_on_slow[k];
	return 0;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static bool rule_cooling(const struct daemon *d, __u64 now)
{
	return d->rule_due_ns ||
	       (d->rule_last_ns && now - d->rule_last_ns < (__u64)(d->a->dump_cooldown_s * NS_PER_SEC));
}

/* The eta rule: the first entity whose modelled efficiency left its band arms a dump now. */
static void rule_eta(struct daemon *d, const struct report *r, __u64 now)
{
	const struct entity_model *m = NULL;
	const char *name = NULL;

	if (!d || !d->a->dump_on_eta || rule_cooling(d, now))
		return;
	for (size_t i = 0; !name && i < r->nr_entities; i++)
		if (r->entities[i].model.valid && r->entities[i].model.res.eta_out_of_band &&
		    r->entities[i].model.res.eta.value < r->entities[i].model.res.eta_lo)
			m = &r->entities[i].model, name = r->entities[i].wl.name;
	for (size_t i = 0; !name && i < r->nr_vms; i++)
		if (r->vms[i].model.valid && r->vms[i].model.res.eta_out_of_band &&
		    r->vms[i].model.res.eta.value < r->vms[i].model.res.eta_lo)
			m = &r->vms[i].model, name = r->vms[i].id.name;
	for (size_t i = 0; !name && i < r->nr_sandboxes; i++)
		if (r->sandboxes[i].model.valid && r->sandboxes[i].model.res.eta_out_of_band &&
		    r->sandboxes[i].model.res.eta.value < r->sandboxes[i].model.res.eta_lo)
			m = &r->sandboxes[i].model, name = r->sandboxes[i].info.name;
	if (!name)
		return;
	d->rule_due_ns = now;
	d->rule_last_ns = now;
	snprintf(d->rule_trigger, sizeof(d->rule_trigger), "rule: eta of %s %.4f below the band "
		 "%.3f-%.3f (%s)", name, m->res.eta.value, m->res.eta_lo, m->res.eta_hi,
		 paradigm_name(m->in.paradigm));
}

/*
 * One report to stdout in one write: whoever reads the output as it grows
 * (a pipe, `tail -f`, a test) never sees half a JSON line for long.
 */
static void print_report(const struct report *r, const struct args *a)
{
	struct report_text_opts o = { .top = a->top, .per_entity_syscalls = a->syscalls };
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		fprintf(stderr, "vflowd: out of memory printing the report\n");
		return;
	}
	if (a->json) {
		report__print_json(r, m);
	} else {
		report__print_text(r, &o, m);
		fputc('\n', m);
	}
	if (fclose(m) == 0 && fflush(stdout) == 0) {
		/* one write(2), not stdio's block-sized pieces */
		for (size_t off = 0; off < len;) {
			ssize_t n = write(STDOUT_FILENO, buf + off, len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				fprintf(stderr, "vflowd: cannot write the report: %s\n", strerror(errno));
				break;
			}
			off += (size_t)n;
		}
	}
	free(buf);
}

/* Print the interval since @prev; returns the new cumulative snapshot. */
static struct snapshot *emit(struct engine *e, struct cgroup_resolver *cg, struct daemon *d,
			     struct metrics *m, const struct args *a, struct snapshot *prev,
			     __u64 start_ns, bool print)
{
	struct snapshot *cur = locked_snapshot(e), *delta;
	struct report r = { .procs = &d->pc, .ledger = d->ledger, .model = g_model,
			    .advice = g_advice };

	if (!cur) {
		fprintf(stderr, "vflowd: failed to read the BPF maps: %s\n", strerror(errno));
		return prev;
	}
	delta = snapshot__delta(prev, cur);
	if (!delta || report__build(&r, cur, delta, cg, cur->ts_ns - (prev ? prev->ts_ns : start_ns),
				    cur->ts_ns - start_ns)) {
		fprintf(stderr, "vflowd: out of memory building the report\n");
		snapshot__free(delta);
		snapshot__free(cur);
		return prev;
	}
	r.nr_probes = engine__probes(e, &r.probes);
	r.syscall_via = engine__syscall_via(e);
	rule_eta(d, &r, cur->ts_ns);
	if (retire_gone_cgroups(e, &r, cg))
		fprintf(stderr, "vflowd: out of memory retiring removed cgroups: they stay in the maps\n");
	if (m) {
		struct prog_stat progs[MAX_PROG_STATS];
		size_t n = engine__prog_stats(e, progs, MAX_PROG_STATS);

		if (metrics__render(m, &r, progs, n, cur->ts_ns))
			fprintf(stderr, "vflowd: out of memory rendering metrics: serving the last ones\n");
	}
	if (!a->quiet && print)
		print_report(&r, a);
	report__free(&r);
	snapshot__free(delta);
	/* after a storm of short-lived cgroups, give the memory back */
	if (prev && cur->nr_rows < prev->nr_rows / 2 && prev->nr_rows > TRIM_ROWS)
		malloc_trim(0);
	snapshot__free(prev);
	/* cgroups come and go: resolve afresh next time */
	cgroup_resolver__invalidate(cg);
	return cur;
}

/* One line per probe that is not live, so nothing is missing silently. */
static void print_absent_probes(const struct engine *e)
{
	const struct engine_probe *p;
	size_t n = engine__probes(e, &p);

	for (size_t i = 0; i < n; i++)
		if (!p[i].live)
			fprintf(stderr, "vflowd: probe %s absent: %s\n", p[i].name, p[i].why);
}

/*
 * The Prometheus exporter: metrics rendered each interval, served by
 * libmicrohttpd's thread. The web config is checked before anything loads.
 */
static int exporter_prepare(const struct args *a, struct web_config *web, struct metrics *m,
			    char *err, size_t err_len)
{
	int ret;

	if (a->web_config) {
		ret = web_config__load(a->web_config, web, err, err_len);
		if (ret)
			return ret;
	}
	ret = metrics__init(m, a->max_entities, (__u64)(a->series_ttl_s * NS_PER_SEC));
	if (ret)
		snprintf(err, err_len, "cannot set up the metrics: %s", strerror(-ret));
	return ret;
}

static int exporter_start(const struct args *a, const struct web_config *web, struct metrics *m,
			  struct http_server **http, char *err, size_t err_len)
{
	struct http_opts o = {
		.listen_address = a->listen, .telemetry_path = a->telemetry_path,
		.web = a->web_config ? web : NULL, .max_connections = a->max_connections,
		.timeout_s = DEFAULT_WEB_TIMEOUT_S,
	};

	return http_server__start(http, &o, metrics__body, m, err, err_len);
}

/* --calibrate: measure, print, and write a model config if asked. */
static int run_calibrate(const struct args *a)
{
	struct calibration cal;
	struct model_config mc;
	char err[ENGINE_ERR_LEN], tmp[PATH_MAX];
	FILE *f;

	if (calibrate_run(&cal, err, sizeof(err))) {
		fprintf(stderr, "vflowd: calibration failed: %s\n", err);
		return 1;
	}
	calibrate_print(&cal, stdout);
	if (!a->calibrate_out)
		return 0;
	model_config__defaults(&mc);
	calibrate_apply(&cal, &mc);
	/* write beside, then rename: a reader never sees half a file */
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->calibrate_out);
	f = fopen(tmp, "we");
	if (!f || model_config__save(&mc, f) || fflush(f) || fsync(fileno(f))) {
		fprintf(stderr, "vflowd: cannot write %s: %s: choose a writable --calibrate-out\n",
			a->calibrate_out, strerror(errno));
		if (f)
			fclose(f);
		unlink(tmp);
		return 1;
	}
	fclose(f);
	if (rename(tmp, a->calibrate_out)) {
		fprintf(stderr, "vflowd: cannot write %s: %s\n", a->calibrate_out, strerror(errno));
		unlink(tmp);
		return 1;
	}
	printf("host profile written to %s (use it with --model-config)\n", a->calibrate_out);
	return 0;
}

/* The dump rule: a recorded trap at least this slow arms a dump (once per cooldown). */
static void rule_check(struct daemon *d, const struct vflow_event *ev)
{
	enum vflow_rec_class c = trap_rec_class(ev->trap);
	__u64 thr = d->a->dump_on_slow[c];
	char name[64], lat[32], limit[32];

	if (!thr || ev->latency_ns < thr || rule_cooling(d, ev->ts_ns))
		return;
	d->rule_due_ns = ev->ts_ns + DUMP_RULE_DELAY_NS;
	d->rule_last_ns = ev->ts_ns;
	snprintf(d->rule_trigger, sizeof(d->rule_trigger), "rule: %s %s took %s >= %s (pid %u %.16s)",
		 trap_rec_class_name(c), trap_event_name(ev, name, sizeof(name)),
		 fmt_ns(ev->latency_ns, lat, sizeof(lat)),
		 fmt_ns(thr, limit, sizeof(limit)), ev->pid, ev->comm);
}

/*
 * Ring-buffer events: traps go to the flight recorder; new sandbox
 * processes are named while they are alive.
 */
static void on_event(void *ctx, const struct vflow_event *ev)
{
	struct daemon *d = ctx;
	struct sandbox_info info;
	struct proc_sched unused;

	if (ev->kind == VFLOW_EV_TRAP) {
		recorder__add(&d->rec, ev);
		rule_check(d, ev);
		return;
	}
	if (ev->kind != VFLOW_EV_SANDBOX_PROC)
		return;
	proc_cache__sandbox(&d->pc, ev->pid, &info);
	/* its scheduling baseline too: the model's first interval starts here */
	proc_cache__sched_delta(&d->pc, ev->pid, &unused);
}

/* Write one dump; a failure is reported and changes nothing else. */
static int write_dump(struct daemon *d, const struct snapshot *last, const char *trigger,
		      char *path, size_t path_len, char *err, size_t err_len)
{
	int ret;

	d->fl.dropped = last ? last->counters[VFLOW_CNT_RINGBUF_DROP] : 0;
	/* the exact totals as of the last report, beside the samples */
	d->fl.rows = last;
	d->fl.rows_elapsed_ns = last && last->ts_ns > d->start_ns ? last->ts_ns - d->start_ns : 0;
	ret = flight_dump(&d->fl, trigger, path, path_len, err, err_len);
	if (ret)
		fprintf(stderr, "vflowd: dump (%s) failed: %s; still recording\n", trigger, err);
	else
		fprintf(stderr, "vflowd: dump (%s) written to %s\n", trigger, path);
	return ret;
}

/* Asked for on the control socket: wait for the main loop to write it. */
static void control_dump(void *ctx, char *reply, size_t len)
{
	struct timespec until;
	unsigned long mine;

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += CONTROL_DUMP_TIMEOUT_MS / 1000 - 1;
	pthread_mutex_lock(&dump_lock);
	mine = ++dump_asked;
	while (dump_answered < mine && !dump_closing)
		if (pthread_cond_timedwait(&dump_cond, &dump_lock, &until))
			break;
	if (dump_answered >= mine)
		snprintf(reply, len, "%s", dump_answer);
	else
		snprintf(reply, len, "ERR %s\n", dump_closing ? "vflowd is stopping" : "timed out");
	pthread_mutex_unlock(&dump_lock);
}

/* Dumps due now: SIGUSR1, control requests, a rule whose delay ran out. */
static void dumps_service(struct daemon *d, const struct snapshot *last, __u64 now)
{
	char path[PATH_MAX], err[ENGINE_ERR_LEN];
	unsigned long asked;
	int ret;

	if (dump_signalled) {
		dump_signalled = 0;
		write_dump(d, last, "SIGUSR1", path, sizeof(path), err, sizeof(err));
	}
	if (d->rule_due_ns && now >= d->rule_due_ns) {
		d->rule_due_ns = 0;
		write_dump(d, last, d->rule_trigger, path, sizeof(path), err, sizeof(err));
	}
	pthread_mutex_lock(&dump_lock);
	asked = dump_asked;
	pthread_mutex_unlock(&dump_lock);
	if (asked == dump_answered)
		return;
	/* one dump answers every request made before it */
	ret = write_dump(d, last, "control", path, sizeof(path), err, sizeof(err));
	pthread_mutex_lock(&dump_lock);
	if (ret)
		snprintf(dump_answer, sizeof(dump_answer), "ERR %.1000s\n", err);
	else
		snprintf(dump_answer, sizeof(dump_answer), "OK %.1000s\n", path);
	dump_answered = asked;
	pthread_cond_broadcast(&dump_cond);
	pthread_mutex_unlock(&dump_lock);
}

/* SIGHUP: the model and advice files again; any error keeps what is loaded. */
static void reload_config(const struct args *a, struct model_config *mc, struct advice_rules *ar,
			  bool *have_advice)
{
	struct model_config nmc;
	struct advice_rules nar = {};
	bool nhave = false;
	char err[ENGINE_ERR_LEN];

	if (model_files__load(a->model_config, a->advice_rules, &nmc, &nar, &nhave, err, sizeof(err))) {
		fprintf(stderr, "vflowd: reload failed: %s; keeping the previous configuration\n", err);
		return;
	}
	/* only this thread reads them (between intervals) */
	*mc = nmc;
	if (*have_advice)
		advice_rules__free(ar);
	*ar = nar;
	*have_advice = nhave;
	g_advice = nhave ? ar : NULL;
	fprintf(stderr, "vflowd: configuration reloaded\n");
}

/*
 * SIGHUP with --web.config.file: load it again; if it loads, serve with it
 * (TLS material is handed to the server at start: a new server); if it
 * does not, or the new server cannot start, keep the old configuration.
 * Returns the configuration in use.
 */
static struct web_config *reload_web(const struct args *a, struct web_config *cur,
				     struct web_config webs[2], struct metrics *m, struct http_server **http)
{
	struct web_config *next = cur == &webs[0] ? &webs[1] : &webs[0];
	struct http_server *fresh = NULL;
	char err[ENGINE_ERR_LEN];

	web_config__free(next);
	memset(next, 0, sizeof(*next));
	if (web_config__load(a->web_config, next, err, sizeof(err))) {
		fprintf(stderr, "vflowd: reload failed: %s; keeping the previous web configuration\n", err);
		web_config__free(next);
		return cur;
	}
	/* the port is taken by the running server: stop it, then start anew */
	http_server__stop(*http);
	*http = NULL;
	if (exporter_start(a, next, m, &fresh, err, sizeof(err))) {
		fprintf(stderr, "vflowd: reload failed: %s; keeping the previous web configuration\n", err);
		web_config__free(next);
		if (exporter_start(a, cur, m, http, err, sizeof(err)))
			fprintf(stderr, "vflowd: the exporter stopped: %s\n", err);
		return cur;
	}
	*http = fresh;
	web_config__free(cur);
	memset(cur, 0, sizeof(*cur));
	fprintf(stderr, "vflowd: web configuration reloaded\n");
	return next;
}

static bool maps_readable(void *ctx)
{
	struct snapshot *s = engine__snapshot(ctx);

	snapshot__free(s);
	return s != NULL;
}

/* --dump-request: ask a running vflowd for a dump. */
static int run_dump_request(const char *sock)
{
	char path[CONTROL_REPLY_LEN], err[CONTROL_REPLY_LEN + 128];

	if (control_request_dump(sock, path, sizeof(path), err, sizeof(err))) {
		fprintf(stderr, "vflowd: %s\n", err);
		return 1;
	}
	printf("%s\n", path);
	return 0;
}

/* The imported exits, for a dump of the capture. */
struct event_vec {
	struct vflow_event *ev;
	size_t nr, cap;
};

static int collect_event(void *ctx, const struct vflow_event *ev)
{
	struct event_vec *v = ctx;

	if (v->nr == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 4096;
		struct vflow_event *p = realloc(v->ev, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		v->ev = p;
		v->cap = cap;
	}
	v->ev[v->nr++] = *ev;
	return 0;
}

/* --import with --dump-dir: the capture's exits in a dump file. */
static int import_dump(const struct args *a, const struct event_vec *v)
{
	struct flight fl = { .dir = a->dump_dir, .model = g_model, .imported = true };
	char trigger[sizeof(((struct dump_info *)0)->trigger)], path[PATH_MAX], err[ENGINE_ERR_LEN];

	snprintf(trigger, sizeof(trigger), "import %s", a->import);
	if (flight_dump_events(&fl, v->ev, v->nr, trigger, path, sizeof(path), err, sizeof(err))) {
		fprintf(stderr, "vflowd: %s\n", err);
		return 1;
	}
	fprintf(stderr, "vflowd: %zu exits written to %s\n", v->nr, path);
	return 0;
}

/* --import: one report over the whole capture, from the same code as live. */
static int run_import(const struct args *a)
{
	FILE *f = strcmp(a->import, "-") ? fopen(a->import, "re") : stdin;
	struct import_stats st = {};
	struct snapshot *s = NULL;
	struct report r = { .offline = true, .model = g_model, .advice = g_advice };
	struct event_vec v = {};
	int ret;

	if (!f) {
		fprintf(stderr, "vflowd: cannot open '%s': %s: give an ftrace text capture\n",
			a->import, strerror(errno));
		return 1;
	}
	ret = ftrace_import_events(f, &s, &st, a->dump_dir_set ? collect_event : NULL, &v);
	if (f != stdin)
		fclose(f);
	if (ret) {
		fprintf(stderr, "vflowd: failed to read '%s': %s\n", a->import, strerror(-ret));
		free(v.ev);
		return 1;
	}
	if (a->dump_dir_set && import_dump(a, &v)) {
		free(v.ev);
		snapshot__free(s);
		return 1;
	}
	free(v.ev);
	fprintf(stderr, "vflowd: %s: %lu lines, %lu KVM events, %lu lines skipped, "
		"%lu exits without entry, %lu entries without exit\n", a->import, st.lines,
		st.events, st.skipped, st.unpaired_exits, st.unpaired_entries);
	if (report__build(&r, s, s, NULL, st.last_ns - st.first_ns, st.last_ns - st.first_ns)) {
		fprintf(stderr, "vflowd: out of memory building the report\n");
		snapshot__free(s);
		return 1;
	}
	r.syscall_via = "import";
	if (a->json) {
		report__print_json(&r, stdout);
	} else {
		struct report_text_opts o = { .top = a->top, .per_entity_syscalls = a->syscalls };

		report__print_text(&r, &o, stdout);
	}
	report__free(&r);
	snapshot__free(s);
	return 0;
}

int main(int argc, char **argv)
{
	struct cgroup_resolver cg = { .root_fd = -1 };
	char filter_path[PATH_MAX + 64];
	struct daemon d = {};
	struct http_server *http = NULL;
	struct control_server *ctl = NULL;
	/* two slots: a reloaded web config starts a server before the old one is freed */
	struct web_config webs[2] = {}, *web = &webs[0];
	struct metrics mt = {};
	bool have_metrics = false, have_advice = false;
	struct model_config mc;
	struct advice_rules ar = {};
	struct snapshot *prev = NULL;
	char err[ENGINE_ERR_LEN] = "out of memory";
	struct engine *e = NULL;
	__u64 start = 0, next, end;
	struct args a = {};
	int ret, status = 1;

	if (parse_args(argc, argv, &a))
		return 2;
	if (a.calibrate_out && !a.calibrate) {
		fprintf(stderr, "vflowd: --calibrate-out needs --calibrate\n");
		return 2;
	}
	if (a.calibrate)
		return run_calibrate(&a);
	if (a.dump_request)
		return run_dump_request(a.dump_request);
	d.a = &a;
	if (model_files__load(a.model_config, a.advice_rules, &mc, &ar, &have_advice, err, sizeof(err))) {
		fprintf(stderr, "vflowd: %s\n", err);
		goto cleanup;
	}
	g_model = &mc;
	g_advice = have_advice ? &ar : NULL;
	if (a.import) {
		status = run_import(&a);
		goto cleanup;
	}
	ret = cgroup_resolver__init(&cg);
	if (ret) {
		fprintf(stderr, "vflowd: no cgroup v2 hierarchy found (%s): mount one with "
			"'mount -t cgroup2 none /sys/fs/cgroup/unified'\n", strerror(-ret));
		goto cleanup;
	}
	if (a.listen) {
		ret = exporter_prepare(&a, web, &mt, err, sizeof(err));
		have_metrics = !ret;
		if (ret) {
			fprintf(stderr, "vflowd: %s\n", err);
			goto cleanup;
		}
	}
	ret = proc_cache__init(&d.pc);
	d.ledger = report_ledger__new();
	if (!ret && !d.ledger)
		ret = -ENOMEM;
	if (!ret)
		ret = recorder__init(&d.rec, (size_t)a.record_events, (__u64)(a.record_seconds * NS_PER_SEC));
	a.eopts.on_event = on_event;
	a.eopts.ctx = &d;
	a.eopts.retire_ttl_ns = (__u64)(a.series_ttl_s * NS_PER_SEC);
	if (a.cgroup) {
		snprintf(filter_path, sizeof(filter_path), "%s%s", cg.root, a.cgroup);
		a.eopts.cgroup_filter = filter_path;
	}
	if (!ret)
		ret = engine__open(&e, &a.eopts, err, sizeof(err));
	d.fl = (struct flight){
		.dir = a.dump_dir, .rec = &d.rec, .e = e, .cg = &cg, .procs = &d.pc, .model = g_model,
		.rec_cfg = a.eopts.rec,
	};
	if (!ret && a.listen) {
		/* something to serve from the first scrape on */
		start = mono_ns();
		prev = emit(e, &cg, &d, &mt, &a, prev, start, false);
		ret = exporter_start(&a, web, &mt, &http, err, sizeof(err));
	}
	if (!ret && a.control) {
		ret = control_server__start(&ctl, a.control, e, locked_snapshot, e, err, sizeof(err));
		if (!ret)
			control_server__set_dump(ctl, control_dump, NULL);
	}
	if (ret) {
		fprintf(stderr, "vflowd: %s\n", err);
		goto cleanup;
	}
	if (!a.keep_caps) {
		__u64 kept;

		if (privdrop(maps_readable, e, &kept, err, sizeof(err))) {
			fprintf(stderr, "vflowd: %s: run with --keep-caps to keep them\n", err);
			status = 1;
			goto cleanup;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGHUP, on_signal);
	if (flight_clean_stale(a.dump_dir) > 0)
		fprintf(stderr, "vflowd: removed temporary files of an interrupted dump in %s\n",
			a.dump_dir);
	fprintf(stderr, "vflowd: tracing syscalls via %s; cgroup2 at %s\n",
		engine__syscall_via(e), cg.root);
	print_absent_probes(e);

	if (!a.listen)
		start = mono_ns();
	d.start_ns = start;
	next = start + (__u64)(a.interval_s * NS_PER_SEC);
	end = a.duration_s > 0 ? start + (__u64)(a.duration_s * NS_PER_SEC) : 0;
	status = 0;
	while (!exiting) {
		__u64 now = mono_ns();

		if (end && now >= end)
			break;
		if (now >= next) {
			prev = emit(e, &cg, &d, a.listen ? &mt : NULL, &a, prev, start, true);
			next += (__u64)(a.interval_s * NS_PER_SEC);
			if (next <= now)	/* fell behind: skip, do not burst */
				next = now + (__u64)(a.interval_s * NS_PER_SEC);
			continue;
		}
		ret = engine__poll(e, (int)((next - now) / NS_PER_MS) + 1 < POLL_SLICE_MS ?
				      (int)((next - now) / NS_PER_MS) + 1 : POLL_SLICE_MS);
		if (ret < 0 && ret != -EINTR) {
			fprintf(stderr, "vflowd: ring buffer poll failed: %s\n", strerror(-ret));
			status = 1;
			break;
		}
		dumps_service(&d, prev, mono_ns());
		if (reload_signalled) {
			reload_signalled = 0;
			reload_config(&a, &mc, &ar, &have_advice);
			if (a.listen && a.web_config)
				web = reload_web(&a, web, webs, &mt, &http);
		}
	}
	/* the last partial interval */
	prev = emit(e, &cg, &d, a.listen ? &mt : NULL, &a, prev, start, true);
	if (a.dump_on_exit) {
		char path[PATH_MAX];

		engine__poll(e, 0);	/* what is still in the ring buffer */
		write_dump(&d, prev, "shutdown", path, sizeof(path), err, sizeof(err));
	}
	pthread_mutex_lock(&dump_lock);
	dump_closing = true;
	pthread_cond_broadcast(&dump_cond);
	pthread_mutex_unlock(&dump_lock);

cleanup:
	snapshot__free(prev);
	control_server__stop(ctl);
	http_server__stop(http);
	if (have_metrics)
		metrics__free(&mt);
	web_config__free(&webs[0]);
	web_config__free(&webs[1]);
	engine__destroy(e);
	recorder__free(&d.rec);
	proc_cache__free(&d.pc);
	report_ledger__free(d.ledger);
	cgroup_resolver__free(&cg);
	if (have_advice)
		advice_rules__free(&ar);
	return status;
}
