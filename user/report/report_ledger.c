// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The model's running sums: each report adds its interval's inputs and
 * terms to the sums of every entity and paradigm (struct model_totals),
 * which the exporter's counters carry. The sums outlive the reports (the
 * daemon keeps the ledger, as it keeps the process cache); an entity a
 * report no longer has leaves them: a removed cgroup's go where its rows
 * went, to "(removed cgroups)", so that sums over every entity only grow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/report_internal.h"

struct ledger_entry {
	enum ledger_type type;
	__u64 id;			/* cgroup id, VMM pid; 0 for sandboxes */
	char name[SANDBOX_NAME_LEN];	/* a sandbox's name; "" for the others */
	unsigned long seen;		/* the last report that had it */
	struct model_totals sums;
};

struct report_ledger {
	struct ledger_entry *e;
	size_t nr, nr_sorted, cap;	/* e[0..nr_sorted) sorted, the new ones after */
	unsigned long report;		/* reports added so far */
	struct model_totals paradigms[VFLOW_PARADIGM_MAX];
};

struct report_ledger *report_ledger__new(void)
{
	return calloc(1, sizeof(struct report_ledger));
}

void report_ledger__free(struct report_ledger *l)
{
	if (l)
		free(l->e);
	free(l);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct ledger_entry *x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return strcmp(x->name, y->name);
}

void report_ledger__begin(struct report_ledger *l)
{
	l->report++;
}

void model_totals__add(struct model_totals *sum, const struct model_totals *add)
{
	sum->work_ns += add->work_ns;
	sum->oncpu_ns += add->oncpu_ns;
	sum->trap_ns += add->trap_ns;
	sum->schedule_ns += add->schedule_ns;
	sum->isolation_ns += add->isolation_ns;
	sum->runq_ns += add->runq_ns;
	sum->traps += add->traps;
}

/* What one interval of @m adds: nothing where its eta is unknown (see struct model_totals). */
static struct model_totals interval_of(const struct entity_model *m)
{
	const struct model_result *x = &m->res;

	if (x->eta.prov == PROV_UNKNOWN)
		return (struct model_totals){};
	return (struct model_totals){
		.work_ns = x->work_ns.value, .oncpu_ns = m->in.oncpu_ns,
		.trap_ns = x->c_trap_ns.value, .schedule_ns = x->c_schedule_ns.value,
		.isolation_ns = x->c_isolation_ns.value, .runq_ns = m->runq_ns,
		.traps = m->in.traps,
	};
}

static struct ledger_entry *entry_add(struct report_ledger *l, const struct ledger_entry *key)
{
	struct ledger_entry *e;

	if (l->nr_sorted && (e = bsearch(key, l->e, l->nr_sorted, sizeof(*l->e), entry_cmp)))
		return e;
	/* a report has each entity once: a new one is not among the other new ones */
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *p = realloc(l->e, cap * sizeof(*l->e));

		if (!p)
			return NULL;
		l->e = p;
		l->cap = cap;
	}
	e = &l->e[l->nr++];
	*e = *key;
	return e;
}

int report_ledger__add(struct report_ledger *l, enum ledger_type type, __u64 id, const char *name,
		       struct entity_model *m)
{
	struct ledger_entry key = { .type = type, .id = id }, *e;
	struct model_totals add = interval_of(m);

	snprintf(key.name, sizeof(key.name), "%s", name ? name : "");
	e = entry_add(l, &key);
	if (!e)
		return -ENOMEM;
	e->seen = l->report;
	model_totals__add(&e->sums, &add);
	m->totals = e->sums;
	m->has_totals = true;
	return 0;
}

void report_ledger__paradigm(struct report_ledger *l, enum vflow_paradigm p, struct entity_model *m)
{
	struct model_totals add = interval_of(m);

	model_totals__add(&l->paradigms[p], &add);
	m->totals = l->paradigms[p];
	m->has_totals = true;
}

/*
 * The entities this report no longer has: a cgroup's rows were moved to
 * VFLOW_OWNER_GONE (the engine retired it), and so go its sums; a VM or
 * sandbox leaves with its own. Then all are sorted for the next report.
 */
int report_ledger__sweep(struct report_ledger *l, struct report *r)
{
	struct ledger_entry gone = { .type = LEDGER_CGROUP, .id = VFLOW_OWNER_GONE }, *g;
	struct model_totals retired = {};
	bool any = false;
	size_t out = 0;

	for (size_t i = 0; i < l->nr; i++) {
		if (l->e[i].seen == l->report) {
			l->e[out++] = l->e[i];
			continue;
		}
		if (l->e[i].type == LEDGER_CGROUP && l->e[i].id != VFLOW_OWNER_GONE) {
			model_totals__add(&retired, &l->e[i].sums);
			any = true;
		}
	}
	l->nr = out;
	/* none left (or none yet): e may be NULL, which qsort must not get */
	if (l->nr)
		qsort(l->e, l->nr, sizeof(*l->e), entry_cmp);
	l->nr_sorted = l->nr;
	if (!any)
		return 0;
	g = entry_add(l, &gone);
	if (!g)
		return -ENOMEM;
	g->seen = l->report;
	model_totals__add(&g->sums, &retired);
	/* this report's "(removed cgroups)" carries them already: no sum goes down meanwhile */
	for (size_t i = 0; i < r->nr_entities; i++)
		if (r->entities[i].cgroup_id == VFLOW_OWNER_GONE && r->entities[i].model.has_totals)
			r->entities[i].model.totals = g->sums;
	qsort(l->e, l->nr, sizeof(*l->e), entry_cmp);
	l->nr_sorted = l->nr;
	return 0;
}
