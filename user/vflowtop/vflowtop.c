// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowtop: the live terminal view of vflow, in the tradition of top,
 * kvm_stat and bpftop. It opens its own engine, as vflowd does, and every
 * interval turns a snapshot into a report, the report into a view (one row
 * per cgroup, VM and sandbox) and the view into a frame: drawn with
 * ncurses, or printed as plain text (-b) or as vflowd's JSON (--json).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "host/model_files.h"
#include "source/source.h"
#include "source/tick.h"
#include "vflowtop/top_shared.h"

#define POLL_SLICE_MS		50	/* keys are read at least this often */
#define NS_PER_SEC		1000000000ULL
#define NS_PER_MS		1000000ULL
#define DEFAULT_BATCH_WIDTH	120
#define MIN_BATCH_WIDTH		80
#define CPUINFO_LINE		4096

static volatile sig_atomic_t exiting;

static void on_signal(int sig)
{
	(void)sig;
	exiting = 1;
}

struct app {
	struct top_args a;
	struct source src;		/* its engine, a vflowd's control socket, or a dump */
	struct tick t;			/* the latest report and the snapshots behind it */
	struct top_view v;
	struct top_drow *drows;
	size_t nr_drows;
	const struct top_item *item;	/* the drilled-into entity in v, or NULL */
	struct top_frame fr;
	struct top_info info;
	struct top_state st;
	__u64 start_ns;			/* when vflowtop started (CLOCK_MONOTONIC) */
	bool ui;
	struct model_config mc;		/* the overhead model's constants */
	struct advice_rules ar;
	bool have_advice;
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/* The hypervisor CPUID bit, which Linux shows as the "hypervisor" flag. */
static bool running_in_guest(void)
{
	char line[CPUINFO_LINE];
	bool guest = false;
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (!f)
		return false;
	while (!guest && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " hypervisor");

		if (!strncmp(line, "flags", 5) && p && (p[11] == ' ' || p[11] == '\n' || !p[11]))
			guest = true;
	}
	fclose(f);
	return guest;
}

static void fill_info(struct app *app)
{
	struct top_info *in = &app->info;
	const struct engine_probe *p;
	size_t n = source__probes(&app->src, &p);
	const char *cols = getenv("COLUMNS");
	struct utsname u;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	snprintf(in->kernel, sizeof(in->kernel), "%s", uname(&u) ? "unknown" : u.release);
	in->guest = running_in_guest();
	for (size_t i = 0; i < n; i++)
		*(p[i].live ? &in->probes_live : &in->probes_absent) += 1;
	in->ncpus = cpus > 0 ? cpus : 1;
	in->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	/* batch lines are as wide as COLUMNS says, as top -b does */
	in->batch_width = cols && atoi(cols) >= MIN_BATCH_WIDTH ? atoi(cols) : DEFAULT_BATCH_WIDTH;
}

/* Rebuild the view of the current report: after a new report, a key, a reset. */
static void review(struct app *app)
{
	struct top_state *st = &app->st;

	top_view__free(&app->v);
	app->item = NULL;
	if (!app->t.have_report)
		return;
	if (top_view__build(&app->v, &app->t.r, &st->filter, app->info.ncpus)) {
		snprintf(st->msg, sizeof(st->msg), "out of memory building the view");
		return;
	}
	top_view__sort(&app->v, st->sort);
	if (!top_ui__follow(st, &app->v, true) || st->screen != TOP_SCR_DETAIL)
		return;
	app->item = &app->v.items[st->sel];
	if (top_detail__build(app->item, &app->t.r, &app->drows, &app->nr_drows))
		snprintf(st->msg, sizeof(st->msg), "out of memory building the details");
}

/* One interval: a snapshot, its difference to the last, the report of both. */
static int tick(struct app *app)
{
	/* a replay moves on by the interval times its speed */
	__u64 advance = app->src.kind == SOURCE_REPLAY ?
			(__u64)(app->st.interval_s * app->a.speed * NS_PER_SEC) : 0;
	int ret = tick__next(&app->t, advance, app->st.msg, sizeof(app->st.msg));

	if (ret)
		return ret;
	if (app->t.warning[0])
		snprintf(app->st.msg, sizeof(app->st.msg), "%.*s", (int)sizeof(app->st.msg) - 1,
			 app->t.warning);
	else if (app->src.msg[0])
		snprintf(app->st.msg, sizeof(app->st.msg), "%.*s", (int)sizeof(app->st.msg) - 1,
			 app->src.msg);
	review(app);
	return 0;
}

/* r: the latest snapshot becomes the baseline; totals show nothing until the next interval. */
static void reset(struct app *app)
{
	char err[sizeof(app->st.msg)];

	if (tick__rebase(&app->t, err, sizeof(err)))
		snprintf(app->st.msg, sizeof(app->st.msg), "reset failed: %.*s",
			 (int)sizeof(app->st.msg) - 16, err);
	else
		app->st.was_reset = true;
	review(app);
}

static void draw(struct app *app)
{
	const struct report *r = app->t.have_report ? &app->t.r : NULL;
	int w, h;

	top_ui__size(&w, &h);
	top_frame__reset(&app->fr, w);
	if (app->st.screen == TOP_SCR_HELP)
		top_frame__help(&app->fr, &app->info);
	else if (app->st.screen == TOP_SCR_DETAIL)
		top_frame__detail(&app->fr, &app->info, &app->st, r, app->item, app->drows,
				  app->nr_drows, h);
	else
		top_frame__main(&app->fr, &app->info, &app->st, r, &app->v, h);
	top_ui__draw(&app->fr);
}

/* -b and --json: one frame or object per interval on stdout. */
static void print_frame(struct app *app, long frame)
{
	struct report fr;

	if (app->a.json) {
		if (top_report__filter(&app->t.r, &app->st.filter, &fr)) {
			fprintf(stderr, "vflowtop: out of memory filtering the report\n");
			return;
		}
		report__print_json(&fr, stdout);
		top_report__unfilter(&fr);
		return;
	}
	top_frame__reset(&app->fr, app->info.batch_width);
	top_frame__main(&app->fr, &app->info, &app->st, &app->t.r, &app->v, 0);
	if (frame > 1)
		putchar('\n');
	top_frame__print(&app->fr, stdout);
	fflush(stdout);
}

static unsigned int read_keys(struct app *app)
{
	unsigned int act = 0;
	int ch, w, h;

	top_ui__size(&w, &h);
	while (!(act & TOP_ACT_QUIT) && (ch = top_ui__getkey()) != TOP_NO_KEY) {
		act |= top_ui__key(&app->st, ch, &app->v, app->nr_drows, h);
		if (act & TOP_ACT_REVIEW) {
			review(app);
			act &= ~TOP_ACT_REVIEW;
		}
	}
	return act;
}

static int run(struct app *app)
{
	struct top_state *st = &app->st;
	__u64 last = app->start_ns;
	long frames = 0;
	int ret = 0;

	if (app->ui)
		draw(app);
	while (!exiting) {
		__u64 now = mono_ns(), iv = st->interval_s * NS_PER_SEC;
		unsigned int act = 0;

		if (!st->paused && now >= last + iv) {
			/* keep the beat; after a stall, start a new one rather than burst */
			last = now - (last + iv) < iv ? last + iv : now;
			if (!tick(app)) {
				frames++;
				if (!app->ui)
					print_frame(app, frames);
			} else if (!app->ui) {
				fprintf(stderr, "vflowtop: %s\n", st->msg);
				st->msg[0] = '\0';
			}
			if (app->ui)
				draw(app);
			if (app->a.iterations && frames >= app->a.iterations)
				break;
			/* a batch replay ends with its dump */
			if (!app->ui && app->src.kind == SOURCE_REPLAY && source__done(&app->src))
				break;
			continue;
		}
		ret = source__poll(&app->src, st->paused || now + POLL_SLICE_MS * NS_PER_MS < last + iv ?
				   POLL_SLICE_MS : (int)((last + iv - now) / NS_PER_MS) + 1);
		if (ret < 0) {
			snprintf(st->msg, sizeof(st->msg), "ring buffer poll failed: %s", strerror(-ret));
			break;
		}
		ret = 0;
		if (app->ui)
			act = read_keys(app);
		if (act & TOP_ACT_QUIT)
			break;
		if (act & TOP_ACT_RESET)
			reset(app);
		if ((act & TOP_ACT_PAUSE) && !st->paused) {
			/* the next interval starts now, not when the pause began */
			tick__restart(&app->t);
			last = mono_ns();
		}
		if (act & TOP_ACT_REDRAW)
			draw(app);
	}
	return ret;
}

static void cleanup(struct app *app)
{
	top_ui__stop();
	tick__free(&app->t);
	top_view__free(&app->v);
	free(app->drows);
	top_frame__free(&app->fr);
	top_filter__clear_re(&app->st.filter);
	source__close(&app->src);
	if (app->have_advice)
		advice_rules__free(&app->ar);
}

/* The source the command line names: a dump, a vflowd, or an engine of its own. */
static int open_source(struct app *app, char *err, size_t err_len)
{
	struct engine_opts eopts = {};

	app->src.prog = "vflowtop";
	if (app->a.replay)
		return source__open_replay(&app->src, app->a.replay, err, err_len);
	if (app->a.attach)
		return source__open_attach(&app->src, app->a.attach, err, err_len);
	return source__open_live(&app->src, &eopts, err, err_len);
}

/*
 * Live or attached: containers named by their runtimes, asked where they
 * keep their sockets and state by default (docs/IDENTITY.md); a replay
 * has the names its dump carries. Without a resolver they keep their ids.
 */
static void start_names(struct app *app)
{
	struct runtime_config cfg;
	int ret;

	runtime_config_default(&cfg);
	ret = source__start_names(&app->src, &cfg);
	if (ret && !app->ui)
		fprintf(stderr, "vflowtop: containers are not named by their runtimes: %s\n",
			strerror(-ret));
}

int main(int argc, char **argv)
{
	static struct app app;
	char err[ENGINE_ERR_LEN] = "out of memory";
	struct sigaction sa = { .sa_handler = on_signal };
	int ret;

	/* UTF-8 for ncursesw where the terminal has it; numbers stay C (JSON) */
	setlocale(LC_CTYPE, "");
	if (top_args__parse(argc, argv, &app.a))
		return 2;
	app.ui = !app.a.batch && !app.a.json;
	if (app.ui && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "vflowtop: not a terminal: use -b for plain text or --json\n");
		return 1;
	}
	if (model_files__load(NULL, NULL, &app.mc, &app.ar, &app.have_advice, err, sizeof(err))) {
		fprintf(stderr, "vflowtop: %s\n", err);
		return 1;
	}
	tick__init(&app.t, &app.src);
	app.t.model = &app.mc;
	app.t.advice = app.have_advice ? &app.ar : NULL;
	if (open_source(&app, err, sizeof(err))) {
		fprintf(stderr, "vflowtop: %s\n", err);
		cleanup(&app);
		return 1;
	}
	start_names(&app);
	fill_info(&app);
	app.st.interval_s = app.a.interval_s;
	app.st.sort = TOP_COL_RATE;
	app.st.filter.paradigm = app.a.paradigm;
	app.st.filter.pid = app.a.pid;
	app.st.filter.cgroup = app.a.cgroup;
	/* before the screen starts, so that ncurses leaves these to us */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (app.ui && top_ui__start(err, sizeof(err))) {
		fprintf(stderr, "vflowtop: %s\n", err);
		cleanup(&app);
		return 1;
	}
	app.start_ns = mono_ns();
	/* the data starts now, or at the dump's first event */
	if (app.src.kind != SOURCE_REPLAY)
		app.src.origin_ns = app.start_ns;
	ret = run(&app);
	top_ui__stop();
	if (ret)
		fprintf(stderr, "vflowtop: %s\n", app.st.msg);
	cleanup(&app);
	return ret ? 1 : 0;
}
