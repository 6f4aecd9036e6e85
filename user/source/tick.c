// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include "source/tick.h"
#include "source/retire.h"

#define TRIM_ROWS 4096		/* rows that, halved, are worth a malloc_trim */

void tick__init(struct tick *t, struct source *src)
{
	memset(t, 0, sizeof(*t));
	t->src = src;
}

/* An imported VM that has no pid: the name its capture gives it. */
static const char *import_vm_name(const void *ctx, __u64 owner)
{
	return import_stats__owner_name(ctx, owner);
}

/*
 * Every cgroup that trapped, known before the report is built (which
 * then reads nothing): one the identity layer has not learnt (made
 * before the walk's reach, or no cgroup events here) is looked up now,
 * at its first trap, and one that is gone is flagged, keeping its name;
 * so are the processes that own rows (learn_proc.c). Only a source on
 * this host looks anything up.
 */
static void learn(struct tick *t, const struct snapshot *cur)
{
	struct source *s = t->src;
	__u64 now = source__now_ns();
	/* every removal is an event: a cgroup learnt stays right without a look */
	bool events = engine__streams_cgroups(s->e) && !engine__cgroup_events_lost(s->e);

	if (s->offline)
		return;
	source__learn_processes(s, cur, now);
	for (size_t i = 0; i < cur->nr_rows && cur->rows[i].kind == VFLOW_TRAP_SYSCALL; i++) {
		__u64 id = cur->rows[i].owner;
		const struct identity *known;
		const char *path;

		if (id == VFLOW_OWNER_GONE || (i && id == cur->rows[i - 1].owner))
			continue;
		known = identity__find(&s->ident, IDENTITY_CGROUP, id);
		if (known && (known->gone || (events && known->path)))
			continue;
		path = cgroup_resolver__path(&s->cg, id);
		if (path)
			identity__cgroup_seen(&s->ident, id, path, IDENTITY_FROM_LOOKUP, now);
		else if (cgroup_resolver__gone(&s->cg, id))
			identity__cgroup_removed(&s->ident, id, now);
	}
	/* names asked for at mkdir (or before) that the resolver has now */
	source__name_containers(s);
}

/*
 * A report of @cum and @delta, set up as the source needs, adding to
 * @ledger (may be NULL); 0 or -ENOMEM.
 */
static int build(struct tick *t, struct report *r, const struct snapshot *cum,
		 const struct snapshot *delta, __u64 dt_ns, __u64 elapsed_ns,
		 struct report_ledger *ledger)
{
	struct source *s = t->src;
	int ret;

	*r = (struct report){ .procs = &s->pc, .ident = &s->ident, .ledger = ledger,
			      .model = t->model, .advice = t->advice, .offline = s->offline };
	if (s->kind == SOURCE_IMPORT) {
		r->vm_name = import_vm_name;
		r->vm_name_ctx = &s->st;
		r->import_json = s->import_json;
	}
	ret = report__build(r, cum, delta, &s->cg, dt_ns, elapsed_ns);
	if (ret) {
		report__free(r);
		return ret;
	}
	r->nr_probes = source__probes(s, &r->probes);
	r->syscall_via = source__via(s);
	r->has_names_stats = s->names != NULL;
	runtime_resolver__stats(s->names, &r->names_stats);
	r->identity_events_lost = s->e ? engine__cgroup_events_lost(s->e) : 0;
	return 0;
}

/* Free the report and the snapshots only it points at. */
static void drop_report(struct tick *t)
{
	if (t->have_report)
		report__free(&t->r);
	t->have_report = false;
	snapshot__free(t->delta);
	snapshot__free(t->cum);
	t->delta = t->cum = NULL;
}

static void set_rate_ref(struct tick *t, struct snapshot *s)
{
	if (t->rate_ref != t->snap)
		snapshot__free(t->rate_ref);
	t->rate_ref = s;
}

/* A live engine: removed cgroups leave the maps; those summed up are forgotten. */
static void retire(struct tick *t, const struct report *r)
{
	struct engine *e = source__engine(t->src);
	__u64 now = source__now_ns(), ttl = t->src->retire_ttl_ns;
	int ret;

	/* a control socket's thread takes snapshots, which read the retired lists */
	pthread_mutex_lock(&t->src->lock);
	ret = e ? retire_gone_cgroups(e, r, &t->src->ident, &t->src->cg, now > ttl ? now - ttl : 0) : 0;
	pthread_mutex_unlock(&t->src->lock);
	if (ret)
		snprintf(t->warning, sizeof(t->warning),
			 "out of memory retiring removed cgroups and exited processes: they stay in the maps");
	/* cgroups come and go: resolve afresh next time */
	cgroup_resolver__invalidate(&t->src->cg);
}

int tick__next(struct tick *t, __u64 advance_ns, char *err, size_t err_len)
{
	struct snapshot *cur, *delta, *cum = NULL;
	__u64 from, since;
	struct report r;
	bool trim;

	t->warning[0] = '\0';
	/* the cgroup events so far first: what is removed before the snapshot is gone in it */
	if (t->src->e && source__poll(t->src, 0) < 0)
		snprintf(t->warning, sizeof(t->warning), "ring buffer poll failed before the report");
	cur = source__snapshot(t->src, advance_ns);
	if (!cur) {
		snprintf(err, err_len, "%s", t->src->msg[0] ? t->src->msg : strerror(errno));
		return -EIO;
	}
	learn(t, cur);
	delta = snapshot__delta(t->rate_ref, cur);
	if (t->base)
		cum = snapshot__delta(t->base, cur);
	from = t->rate_ref ? t->rate_ref->ts_ns : t->src->origin_ns;
	since = t->base ? t->base->ts_ns : t->src->origin_ns;
	if (!delta || (t->base && !cum) ||
	    build(t, &r, cum ? cum : cur, delta, cur->ts_ns - from, cur->ts_ns - since, t->ledger)) {
		snapshot__free(delta);
		snapshot__free(cum);
		snapshot__free(cur);
		snprintf(err, err_len, "out of memory building the report");
		return -ENOMEM;
	}
	retire(t, &r);
	/* after a storm of short-lived cgroups, give the memory back */
	trim = t->snap && cur->nr_rows < t->snap->nr_rows / 2 && t->snap->nr_rows > TRIM_ROWS;
	drop_report(t);
	set_rate_ref(t, NULL);
	snapshot__free(t->snap);
	t->snap = t->rate_ref = cur;
	t->r = r;
	t->cum = cum;
	t->delta = delta;
	t->have_report = true;
	if (trim)
		malloc_trim(0);
	return 0;
}

int tick__rebase(struct tick *t, char *err, size_t err_len)
{
	struct snapshot *base = t->snap ? snapshot__delta(NULL, t->snap) : source__snapshot(t->src, 0);
	struct snapshot *cum, *delta;
	struct report r;

	if (!base) {
		snprintf(err, err_len, "%s", t->src->msg[0] ? t->src->msg : strerror(errno));
		return -EIO;
	}
	snapshot__free(t->base);
	t->base = base;
	if (!t->snap)
		return 0;
	cum = snapshot__delta(base, t->snap);
	delta = snapshot__new(0);
	/* no interval passed: the running sums stay as they are */
	if (!cum || !delta || build(t, &r, cum, delta, t->r.dt_ns, 0, NULL)) {
		snapshot__free(cum);
		snapshot__free(delta);
		drop_report(t);
		snprintf(err, err_len, "out of memory building the report");
		return -ENOMEM;
	}
	delta->ts_ns = t->snap->ts_ns;
	drop_report(t);
	t->r = r;
	t->cum = cum;
	t->delta = delta;
	t->have_report = true;
	return 0;
}

void tick__restart(struct tick *t)
{
	struct snapshot *s = source__snapshot(t->src, 0);

	if (s)
		set_rate_ref(t, s);
}

void tick__free(struct tick *t)
{
	drop_report(t);
	set_rate_ref(t, NULL);
	snapshot__free(t->snap);
	snapshot__free(t->base);
	t->snap = t->base = NULL;
}
