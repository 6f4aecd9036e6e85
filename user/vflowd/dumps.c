// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowd's flight recorder at work: the ring buffer's events kept, the
 * dump rules (a trap this slow, an entity's efficiency below its band),
 * and dumps written on SIGUSR1, on a rule, or asked for on the control
 * socket (or by --dump-request).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "vflowd/vflowd.h"
#include "core/trap.h"
#include "core/syscalls.h"

#define DUMP_RULE_DELAY_NS (1 * NS_PER_SEC)	/* a rule's dump also holds what followed */

/*
 * Dumps asked for on the control socket's thread are written by the main
 * loop (which owns the recorder): the request waits for its sequence number.
 */
static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dump_cond = PTHREAD_COND_INITIALIZER;
static unsigned long dump_asked, dump_answered;
static bool dump_closing;
static char dump_answer[CONTROL_REPLY_LEN];

static bool rule_cooling(const struct daemon *d, __u64 now)
{
	return d->rule_due_ns ||
	       (d->rule_last_ns && now - d->rule_last_ns < (__u64)(d->a->dump_cooldown_s * NS_PER_SEC));
}

/* An entity's modelled efficiency below the document's band for its paradigm */
static bool eta_below_band(const struct entity_model *m)
{
	return m->valid && m->res.eta_out_of_band && m->res.eta.value < m->res.eta_lo;
}

/* The eta rule: the first entity whose modelled efficiency left its band arms a dump now. */
void rule_eta(struct daemon *d, const struct report *r, __u64 now)
{
	const struct entity_model *m = NULL;
	const char *name = NULL;

	if (!d || !d->a->dump_on_eta || rule_cooling(d, now))
		return;
	for (size_t i = 0; !name && i < r->nr_entities; i++)
		if (eta_below_band(&r->entities[i].model))
			m = &r->entities[i].model, name = entity_name(&r->entities[i]);
	for (size_t i = 0; !name && i < r->nr_vms; i++)
		if (eta_below_band(&r->vms[i].model))
			m = &r->vms[i].model, name = r->vms[i].id.name;
	for (size_t i = 0; !name && i < r->nr_sandboxes; i++)
		if (eta_below_band(&r->sandboxes[i].model))
			m = &r->sandboxes[i].model, name = r->sandboxes[i].info.name;
	if (!name)
		return;
	d->rule_due_ns = now;
	d->rule_last_ns = now;
	snprintf(d->rule_trigger, sizeof(d->rule_trigger), "rule: eta of %s %.4f below the band "
		 "%.3f-%.3f (%s)", name, m->res.eta.value, m->res.eta_lo, m->res.eta_hi,
		 paradigm_name(m->in.paradigm));
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

/* The ring buffer's traps (the source names the processes): to the flight recorder, and the rule. */
void on_event(void *ctx, const struct vflow_event *ev)
{
	struct daemon *d = ctx;

	recorder__add(&d->rec, ev);
	rule_check(d, ev);
}

/* Write one dump; a failure is reported and changes nothing else. */
int write_dump(struct daemon *d, const struct snapshot *last, const char *trigger,
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

/* Asked for on the control socket's thread: wait for the main loop to write it. */
void control_dump(void *ctx, char *reply, size_t len)
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

void dumps_service(struct daemon *d, const struct snapshot *last, __u64 now, bool signalled)
{
	char path[PATH_MAX], err[ENGINE_ERR_LEN];
	unsigned long asked;
	int ret;

	if (signalled)
		write_dump(d, last, "SIGUSR1", path, sizeof(path), err, sizeof(err));
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

void dumps_close(void)
{
	pthread_mutex_lock(&dump_lock);
	dump_closing = true;
	pthread_cond_broadcast(&dump_cond);
	pthread_mutex_unlock(&dump_lock);
}

int run_dump_request(const char *sock)
{
	char path[CONTROL_REPLY_LEN], err[CONTROL_REPLY_LEN + 128];

	if (control_request_dump(sock, path, sizeof(path), err, sizeof(err))) {
		fprintf(stderr, "vflowd: %s\n", err);
		return 1;
	}
	printf("%s\n", path);
	return 0;
}
