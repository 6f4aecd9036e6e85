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
#include "serve/control.h"
#include "record/dump.h"
#include "record/dumptool.h"
#include "host/cgroup.h"
#include "engine/engine.h"
#include "report/report.h"
#include "source/retire.h"
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
	struct engine *e;
	struct cgroup_resolver cg;
	struct proc_cache pc;
	struct snapshot *snap;		/* the latest read */
	struct snapshot *rate_ref;	/* where the next interval starts: snap, or a read at resume */
	struct snapshot *base;		/* totals since this one (r); NULL: since the engine started */
	struct snapshot *cum, *delta;	/* what the report points at; cum NULL: snap */
	struct report r;
	bool have_report;
	struct top_view v;
	struct top_drow *drows;
	size_t nr_drows;
	const struct top_item *item;	/* the drilled-into entity in v, or NULL */
	struct top_frame fr;
	struct top_info info;
	struct top_state st;
	__u64 start_ns;			/* when vflowtop started (CLOCK_MONOTONIC) */
	__u64 origin_ns;		/* where the data starts: start_ns, or the dump's first event */
	bool ui;
	struct model_config mc;		/* the overhead model's constants */
	struct advice_rules ar;
	bool have_advice;
	struct control_reply reply;	/* --attach: the last answer, and its probes */
	struct dump *dump;		/* --replay: the dump, and how far it has played */
	__u64 cursor_ns;
	struct engine_probe probes[DUMP_MAX_PROBES];
	size_t nr_probes;
};

/*
 * --replay: the dump's traps up to the cursor, as the engine would have
 * counted them (samples scaled by their period); each interval moves the
 * cursor on by interval x speed.
 */
static struct snapshot *replay_snapshot(struct app *app, bool advance)
{
	const struct dump_info *in = &app->dump->info;
	struct dump_filter f;
	struct snapshot *s;

	if (advance) {
		app->cursor_ns += (__u64)(app->st.interval_s * app->a.speed * NS_PER_SEC);
		if (app->cursor_ns >= in->last_ns) {
			app->cursor_ns = in->last_ns;
			snprintf(app->st.msg, sizeof(app->st.msg), "end of the dump");
		}
	}
	dump_filter__init(&f);
	f.to_ns = app->cursor_ns;
	s = dumptool_snapshot(app->dump, &f, true);
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	s->ts_ns = app->cursor_ns;
	s->events = 0;
	for (size_t i = 0; i < app->dump->nr_ev && app->dump->ev[i].ts_ns <= app->cursor_ns; i++)
		s->events++;
	s->counters[VFLOW_CNT_RINGBUF_DROP] = in->events_dropped;
	return s;
}

static bool replay_done(const struct app *app)
{
	return app->dump && app->cursor_ns >= app->dump->info.last_ns;
}

/* Open the dump, name its cgroups from its entity table, start at its first event. */
static int replay_open(struct app *app, char *err, size_t err_len)
{
	struct dump *d;
	int ret = dump_read_file(app->a.replay, &d, err, err_len);

	if (ret)
		return ret;
	for (size_t i = 0; i < d->damage.nr_problems; i++)
		fprintf(stderr, "vflowtop: %s: %s\n", app->a.replay, d->damage.problems[i]);
	app->dump = d;
	ret = cgroup_resolver__init_offline(&app->cg);
	for (size_t i = 0; !ret && i < d->nr_ents; i++)
		if (d->ents[i].kind == DUMP_ENT_CGROUP && d->ents[i].path[0])
			ret = cgroup_resolver__set(&app->cg, d->ents[i].id, d->ents[i].path);
	if (ret) {
		snprintf(err, err_len, "out of memory");
		return ret;
	}
	/* the dump's probes, as it recorded them: "name via live" or "name absent: why" */
	for (size_t i = 0; i < d->info.nr_probes && i < DUMP_MAX_PROBES; i++) {
		char *text = d->info.probes[i], *sp = strchr(text, ' ');
		struct engine_probe *p = &app->probes[app->nr_probes++];

		snprintf(p->name, sizeof(p->name), "%.*s", sp ? (int)(sp - text) : (int)strlen(text), text);
		p->live = sp && strstr(sp, " live");
		p->via = "replay";
		p->why = p->live ? "" : "absent when recorded";
	}
	if (!d->nr_ev) {
		snprintf(err, err_len, "%s holds no events: nothing to replay", app->a.replay);
		return -ENODATA;
	}
	app->cursor_ns = d->info.first_ns ? d->info.first_ns : d->ev[0].ts_ns;
	if (!d->info.last_ns)
		d->info.last_ns = d->ev[d->nr_ev - 1].ts_ns;
	return 0;
}

/*
 * Where snapshots come from: this process's own engine, or a running
 * vflowd's control socket (--attach).
 */
static struct snapshot *source_snapshot(struct app *app, bool advance)
{
	char err[ENGINE_ERR_LEN];

	if (app->dump)
		return replay_snapshot(app, advance);
	if (!app->a.attach)
		return engine__snapshot(app->e);
	if (control_fetch(app->a.attach, &app->reply, err, sizeof(err))) {
		snprintf(app->st.msg, sizeof(app->st.msg), "%.*s", (int)sizeof(app->st.msg) - 1, err);
		errno = EIO;
		return NULL;
	}
	return app->reply.snap;	/* the caller owns it */
}

static size_t source_probes(const struct app *app, const struct engine_probe **p)
{
	if (app->dump) {
		*p = app->probes;
		return app->nr_probes;
	}
	if (!app->a.attach)
		return engine__probes(app->e, p);
	*p = app->reply.probes;
	return app->reply.nr_probes;
}

static const char *source_via(const struct app *app)
{
	if (app->dump)
		return "replay";
	return app->a.attach ? app->reply.syscall_via : engine__syscall_via(app->e);
}

/* Wait up to @ms for ring-buffer events, or just wait when attached. */
static int source_poll(struct app *app, int ms)
{
	if (app->e)
		return engine__poll(app->e, ms);
	usleep(ms * 1000);
	return 0;
}

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
	size_t n = source_probes(app, &p);
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

/* Ring-buffer events: name new sandbox processes while they are alive. */
static void on_event(void *ctx, const struct vflow_event *ev)
{
	struct sandbox_info info;

	if (ev->kind == VFLOW_EV_SANDBOX_PROC)
		proc_cache__sandbox(ctx, ev->pid, &info);
}

/* Free the report and the snapshots only it points at. */
static void drop_report(struct app *app)
{
	if (app->have_report)
		report__free(&app->r);
	app->have_report = false;
	snapshot__free(app->delta);
	snapshot__free(app->cum);
	app->delta = app->cum = NULL;
}

static void set_rate_ref(struct app *app, struct snapshot *s)
{
	if (app->rate_ref != app->snap)
		snapshot__free(app->rate_ref);
	app->rate_ref = s;
}

/* Rebuild the view of the current report: after a new report, a key, a reset. */
static void review(struct app *app)
{
	struct top_state *st = &app->st;

	top_view__free(&app->v);
	app->item = NULL;
	if (!app->have_report)
		return;
	if (top_view__build(&app->v, &app->r, &st->filter, app->info.ncpus)) {
		snprintf(st->msg, sizeof(st->msg), "out of memory building the view");
		return;
	}
	top_view__sort(&app->v, st->sort);
	if (!top_ui__follow(st, &app->v, true) || st->screen != TOP_SCR_DETAIL)
		return;
	app->item = &app->v.items[st->sel];
	if (top_detail__build(app->item, &app->r, &app->drows, &app->nr_drows))
		snprintf(st->msg, sizeof(st->msg), "out of memory building the details");
}

/* One interval: a snapshot, its difference to the last, the report of both. */
static int tick(struct app *app)
{
	struct snapshot *cur = source_snapshot(app, true), *delta, *cum = NULL;
	struct report r = { .procs = &app->pc, .model = &app->mc, .offline = app->dump != NULL,
			     .advice = app->have_advice ? &app->ar : NULL };
	__u64 from, since;

	if (!cur) {
		snprintf(app->st.msg, sizeof(app->st.msg), "failed to read the BPF maps: %s",
			 strerror(errno));
		return -EIO;
	}
	delta = snapshot__delta(app->rate_ref, cur);
	if (app->base)
		cum = snapshot__delta(app->base, cur);
	from = app->rate_ref ? app->rate_ref->ts_ns : app->origin_ns;
	since = app->base ? app->base->ts_ns : app->origin_ns;
	if (!delta || (app->base && !cum) ||
	    report__build(&r, cum ? cum : cur, delta, &app->cg, cur->ts_ns - from, cur->ts_ns - since)) {
		report__free(&r);
		snapshot__free(delta);
		snapshot__free(cum);
		snapshot__free(cur);
		snprintf(app->st.msg, sizeof(app->st.msg), "out of memory building the report");
		return -ENOMEM;
	}
	r.nr_probes = source_probes(app, &r.probes);
	r.syscall_via = source_via(app);
	/* removed cgroups leave the maps; those summed up are forgotten */
	if (app->e && retire_gone_cgroups(app->e, &r, &app->cg))
		snprintf(app->st.msg, sizeof(app->st.msg), "out of memory retiring removed cgroups");
	/* cgroups come and go: resolve afresh next time */
	cgroup_resolver__invalidate(&app->cg);
	drop_report(app);
	set_rate_ref(app, NULL);
	snapshot__free(app->snap);
	app->snap = app->rate_ref = cur;
	app->r = r;
	app->cum = cum;
	app->delta = delta;
	app->have_report = true;
	review(app);
	return 0;
}

/* r: the latest snapshot becomes the baseline; totals show nothing until the next interval. */
static void reset(struct app *app)
{
	struct snapshot *base = app->snap ? snapshot__delta(NULL, app->snap) : source_snapshot(app, false);
	struct snapshot *cum = NULL, *delta = NULL;
	struct report r = { .procs = &app->pc, .model = &app->mc, .offline = app->dump != NULL,
			     .advice = app->have_advice ? &app->ar : NULL };

	if (!base) {
		snprintf(app->st.msg, sizeof(app->st.msg), "reset failed: %s", strerror(errno));
		return;
	}
	snapshot__free(app->base);
	app->base = base;
	app->st.was_reset = true;
	if (!app->snap)
		return;
	cum = snapshot__delta(base, app->snap);
	delta = snapshot__new(0);
	if (!cum || !delta || report__build(&r, cum, delta, &app->cg, app->r.dt_ns, 0)) {
		report__free(&r);
		snapshot__free(cum);
		snapshot__free(delta);
		drop_report(app);
		review(app);
		return;
	}
	delta->ts_ns = app->snap->ts_ns;
	r.nr_probes = source_probes(app, &r.probes);
	r.syscall_via = source_via(app);
	drop_report(app);
	app->r = r;
	app->cum = cum;
	app->delta = delta;
	app->have_report = true;
	review(app);
}

static void draw(struct app *app)
{
	const struct report *r = app->have_report ? &app->r : NULL;
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
		if (top_report__filter(&app->r, &app->st.filter, &fr)) {
			fprintf(stderr, "vflowtop: out of memory filtering the report\n");
			return;
		}
		report__print_json(&fr, stdout);
		top_report__unfilter(&fr);
		return;
	}
	top_frame__reset(&app->fr, app->info.batch_width);
	top_frame__main(&app->fr, &app->info, &app->st, &app->r, &app->v, 0);
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
			if (!app->ui && replay_done(app))
				break;
			continue;
		}
		ret = source_poll(app, st->paused || now + POLL_SLICE_MS * NS_PER_MS < last + iv ?
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
			struct snapshot *s = source_snapshot(app, false);

			if (s)
				set_rate_ref(app, s);
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
	drop_report(app);
	top_view__free(&app->v);
	free(app->drows);
	top_frame__free(&app->fr);
	set_rate_ref(app, NULL);
	snapshot__free(app->snap);
	snapshot__free(app->base);
	top_filter__clear_re(&app->st.filter);
	engine__destroy(app->e);
	dump__free(app->dump);
	proc_cache__free(&app->pc);
	cgroup_resolver__free(&app->cg);
	if (app->have_advice)
		advice_rules__free(&app->ar);
}

int main(int argc, char **argv)
{
	static struct app app = { .cg = { .root_fd = -1 } };
	char err[ENGINE_ERR_LEN] = "out of memory";
	struct engine_opts eopts = { .on_event = on_event, .ctx = &app.pc };
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
	ret = app.a.replay ? 0 : cgroup_resolver__init(&app.cg);
	if (ret) {
		cleanup(&app);
		fprintf(stderr, "vflowtop: no cgroup v2 hierarchy found (%s): mount one with "
			"'mount -t cgroup2 none /sys/fs/cgroup/unified'\n", strerror(-ret));
		return 1;
	}
	ret = proc_cache__init(&app.pc);
	if (!ret && app.a.replay) {
		ret = replay_open(&app, err, sizeof(err));
	} else if (!ret && !app.a.attach) {
		ret = engine__open(&app.e, &eopts, err, sizeof(err));
	} else if (!ret) {
		/* reach vflowd now: a wrong path is a one-line error before the screen */
		ret = control_fetch(app.a.attach, &app.reply, err, sizeof(err));
		snapshot__free(app.reply.snap);
		app.reply.snap = NULL;
	}
	if (ret) {
		fprintf(stderr, "vflowtop: %s\n", err);
		cleanup(&app);
		return 1;
	}
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
	app.origin_ns = app.dump ? app.cursor_ns : app.start_ns;
	ret = run(&app);
	top_ui__stop();
	if (ret)
		fprintf(stderr, "vflowtop: %s\n", app.st.msg);
	cleanup(&app);
	return ret ? 1 : 0;
}
