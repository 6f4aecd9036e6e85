// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowd: the vflow daemon. It prints the per-entity table (or one JSON
 * object per line) every interval, for a duration or until SIGINT/SIGTERM,
 * and once more on the way out so that nothing counted since the last
 * interval is lost; it serves the Prometheus exporter and vflowtop
 * --attach, and writes flight-recorder dumps. vflowd.h names the parts.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "vflowd/vflowd.h"
#include "host/cgroup.h"
#include "host/privdrop.h"

#define POLL_SLICE_MS 100

static volatile sig_atomic_t exiting;
static volatile sig_atomic_t dump_signalled;
static volatile sig_atomic_t reload_signalled;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_signalled = 1;
	else if (sig == SIGHUP)
		reload_signalled = 1;
	else
		exiting = 1;
}

/* A flag the signal handler set, cleared as it is read. */
static bool take(volatile sig_atomic_t *flag)
{
	if (!*flag)
		return false;
	*flag = 0;
	return true;
}

static bool maps_readable(void *ctx)
{
	struct snapshot *s = source__live_snapshot(ctx);

	snapshot__free(s);
	return s != NULL;
}

/* The flight recorder and the engine that feeds it (with this host's names). */
static int open_engine(struct daemon *d, struct args *a, char *err, size_t err_len)
{
	char root[PATH_MAX];
	int ret;

	ret = cgroup2_mount(root, sizeof(root));
	if (ret) {
		snprintf(err, err_len, "no cgroup v2 hierarchy found (%s): mount one with "
			 "'mount -t cgroup2 none /sys/fs/cgroup/unified'", strerror(-ret));
		return ret;
	}
	ret = recorder__init(&d->rec, (size_t)a->record_events, (__u64)(a->record_seconds * NS_PER_SEC));
	if (ret) {
		snprintf(err, err_len, "out of memory");
		return ret;
	}
	a->eopts.on_event = on_event;
	a->eopts.ctx = d;
	a->eopts.retire_ttl_ns = (__u64)(a->series_ttl_s * NS_PER_SEC);
	if (a->cgroup) {
		snprintf(d->cgroup_filter, sizeof(d->cgroup_filter), "%s%s", root, a->cgroup);
		a->eopts.cgroup_filter = d->cgroup_filter;
	}
	d->src.prog = "vflowd";
	ret = source__open_live(&d->src, &a->eopts, err, err_len);
	d->fl = (struct flight){
		.dir = a->dump_dir, .rec = &d->rec, .e = d->src.e, .cg = &d->src.cg,
		.ident = &d->src.ident, .procs = &d->src.pc, .model = &d->model.mc, .rec_cfg = a->eopts.rec,
	};
	return ret;
}

/* The exporter (with something to serve from the first scrape on) and the control socket. */
static int start_serving(struct daemon *d, char *err, size_t err_len)
{
	const struct args *a = d->a;
	int ret = 0;

	if (a->listen) {
		d->start_ns = d->src.origin_ns = mono_ns();
		daemon_tick(d, false);
		ret = exporter_start(a, &d->web, &d->mt, &d->http, err, err_len);
	}
	if (!ret && a->control) {
		ret = control_server__start(&d->ctl, a->control, d->src.e, source__live_snapshot,
					    &d->src, err, err_len);
		if (!ret)
			control_server__set_dump(d->ctl, control_dump, NULL);
	}
	return ret;
}

/* Everything up to the first interval; 0, or -errno after one line on stderr. */
static int daemon_start(struct daemon *d, struct args *a)
{
	char err[ENGINE_ERR_LEN] = "out of memory";
	__u64 kept;
	int ret = 0;

	/* before the programs load (seconds on a slow host): a SIGINT meanwhile
	 * ends the run after the first report instead of being lost (a shell
	 * starts background jobs with SIGINT ignored) */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGHUP, on_signal);
	tick__init(&d->t, &d->src);
	d->ledger = report_ledger__new();
	d->t.ledger = d->ledger;
	if (!d->ledger)
		ret = -ENOMEM;
	if (!ret && a->listen) {
		ret = exporter_prepare(a, &d->web, &d->mt, err, sizeof(err));
		d->have_metrics = !ret;
	}
	if (!ret)
		ret = open_engine(d, a, err, sizeof(err));
	if (!ret)
		ret = start_serving(d, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "vflowd: %s\n", err);
		return ret;
	}
	if (!a->keep_caps && privdrop(maps_readable, &d->src, &kept, err, sizeof(err))) {
		fprintf(stderr, "vflowd: %s: run with --keep-caps to keep them\n", err);
		return -EPERM;
	}
	/* after the drop: the resolver's worker thread has the capabilities of its creator */
	if (!a->no_runtime_names && (ret = source__start_names(&d->src, &a->runtime)))
		fprintf(stderr, "vflowd: containers are not named by their runtimes: %s\n",
			strerror(-ret));
	if (flight_clean_stale(a->dump_dir) > 0)
		fprintf(stderr, "vflowd: removed temporary files of an interrupted dump in %s\n",
			a->dump_dir);
	fprintf(stderr, "vflowd: tracing syscalls via %s; cgroup2 at %s\n",
		engine__syscall_via(d->src.e), d->src.cg.root);
	print_absent_probes(d->src.e);
	if (!a->listen)
		d->start_ns = d->src.origin_ns = mono_ns();
	return 0;
}

/* Wait (from @now) for the next interval, serving events, dumps and reloads meanwhile; 0 or -errno. */
static int wait_until(struct daemon *d, __u64 now, __u64 next)
{
	int ret;

	ret = source__poll(&d->src, (int)((next - now) / NS_PER_MS) + 1 < POLL_SLICE_MS ?
				 (int)((next - now) / NS_PER_MS) + 1 : POLL_SLICE_MS);
	if (ret < 0 && ret != -EINTR) {
		fprintf(stderr, "vflowd: ring buffer poll failed: %s\n", strerror(-ret));
		return ret;
	}
	dumps_service(d, d->t.snap, mono_ns(), take(&dump_signalled));
	if (take(&reload_signalled)) {
		model_in_use__reload(&d->model, d->a);
		if (d->a->listen && d->a->web_config)
			reload_web(d->http);
	}
	return 0;
}

/* Report every interval until the duration or a signal, then the last partial one; the exit status. */
static int daemon_run(struct daemon *d)
{
	const __u64 interval_ns = (__u64)(d->a->interval_s * NS_PER_SEC);
	__u64 next = d->start_ns + interval_ns, now;
	__u64 end = d->a->duration_s > 0 ? d->start_ns + (__u64)(d->a->duration_s * NS_PER_SEC) : 0;
	int status = 0;

	while (!exiting) {
		now = mono_ns();
		if (end && now >= end)
			break;
		if (now < next) {
			if (wait_until(d, now, next)) {
				status = 1;
				break;
			}
			continue;
		}
		daemon_tick(d, true);
		next += interval_ns;
		if (next <= now)	/* fell behind: skip, do not burst */
			next = now + interval_ns;
	}
	/* the last partial interval */
	daemon_tick(d, true);
	if (d->a->dump_on_exit) {
		char path[PATH_MAX], err[ENGINE_ERR_LEN];

		source__poll(&d->src, 0);	/* what is still in the ring buffer */
		write_dump(d, d->t.snap, "shutdown", path, sizeof(path), err, sizeof(err));
	}
	dumps_close();
	return status;
}

static void daemon_stop(struct daemon *d)
{
	control_server__stop(d->ctl);
	http_server__stop(d->http);
	if (d->have_metrics)
		metrics__free(&d->mt);
	web_config__free(&d->web);
	tick__free(&d->t);
	report_ledger__free(d->ledger);
	source__close(&d->src);
	recorder__free(&d->rec);
	model_in_use__free(&d->model);
}

int main(int argc, char **argv)
{
	struct daemon d = {};
	struct args a = {};
	int status = 1;

	if (vflowd_args__parse(argc, argv, &a))
		return 2;
	if (a.calibrate)
		return run_calibrate(&a);
	if (a.dump_request)
		return run_dump_request(a.dump_request);
	d.a = &a;
	if (model_in_use__load(&d.model, &a))
		goto out;
	if (a.import)
		status = run_import(&a, &d.model);
	else if (!daemon_start(&d, &a))
		status = daemon_run(&d);
out:
	daemon_stop(&d);
	return status;
}
