// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include "source/retire.h"

#define EXPIRED_BATCH 256

static int cmp_id(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

struct shown {
	const __u64 *ids;	/* sorted */
	size_t n;
	const struct report *r;
};

/* A process that owns a VM's or a sandbox's rows in @r. */
static bool process_shown(const struct report *r, __u64 pid)
{
	for (size_t i = 0; i < r->nr_vms; i++)
		if (r->vms[i].pid == pid)
			return true;
	for (size_t i = 0; i < r->nr_sandboxes; i++)
		for (size_t k = 0; k < r->sandboxes[i].nr_pids; k++)
			if (r->sandboxes[i].pids[k] == pid)
				return true;
	return false;
}

/* An entity of the report: its identity names it, keep it. */
static bool shown_in_report(void *ctx, const struct identity *e)
{
	const struct shown *s = ctx;

	if (e->kind == IDENTITY_PROCESS)
		return process_shown(s->r, e->id);
	return bsearch(&e->id, s->ids, s->n, sizeof(*s->ids), cmp_id) != NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

/*
 * The processes of @r's rows that exited leave the maps; those summed
 * into GONE are forgotten. The identity layer says who exited: nothing
 * is looked up here.
 */
static int retire_gone_processes(struct engine *e, const struct report *r,
				 struct identity_table *ident)
{
	__u32 pids[EXPIRED_BATCH], *gone = NULL;
	size_t n = 0, cap = 0, k;
	int ret = 0;

	for (size_t i = 0; i < r->cum->nr_rows; i++) {
		const struct trap_row *row = &r->cum->rows[i];
		const struct identity *id;

		if (trap_kind_by_cgroup(row->kind) || row->owner >= VFLOW_OWNER_NO_PID ||
		    (n && gone[n - 1] == row->owner))
			continue;
		id = identity__find(ident, IDENTITY_PROCESS, row->owner);
		if (!id || !id->gone)
			continue;
		if (n == cap) {
			__u32 *p = realloc(gone, (cap = cap ? cap * 2 : EXPIRED_BATCH) * sizeof(*p));

			if (!p) {
				free(gone);
				return -ENOMEM;
			}
			gone = p;
		}
		gone[n++] = (__u32)row->owner;
	}
	if (n) {
		size_t u = 0;

		qsort(gone, n, sizeof(*gone), cmp_u32);
		for (size_t i = 0; i < n; i++)	/* one pid owns rows of several kinds */
			if (!u || gone[u - 1] != gone[i])
				gone[u++] = gone[i];
		ret = engine__retire_processes(e, gone, u);
	}
	free(gone);
	while (!ret && (k = engine__expired_processes(e, pids, EXPIRED_BATCH)))
		for (size_t i = 0; i < k; i++)
			/* summed into GONE: no output names it any more */
			identity__forget(ident, IDENTITY_PROCESS, pids[i]);
	return ret;
}

int retire_gone_cgroups(struct engine *e, const struct report *r, struct identity_table *ident,
			struct cgroup_resolver *cg, __u64 sweep_before_ns)
{
	__u64 *ids, *gone, expired[EXPIRED_BATCH];
	size_t n = 0, k;
	struct shown shown;
	int ret;

	ids = malloc((r->nr_entities ? r->nr_entities : 1) * 2 * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	gone = ids + (r->nr_entities ? r->nr_entities : 1);
	for (size_t i = 0; i < r->nr_entities; i++) {
		__u64 id = r->entities[i].cgroup_id;
		const struct identity *known = identity__find(ident, IDENTITY_CGROUP, id);

		ids[i] = id;
		/* removed for sure, not merely unknown */
		if (id != VFLOW_OWNER_GONE && known && known->gone)
			gone[n++] = id;
	}
	ret = n ? engine__retire_cgroups(e, gone, n) : 0;
	if (!ret) {
		/* removed long ago and in no row: made and removed without a trap counted */
		qsort(ids, r->nr_entities, sizeof(*ids), cmp_id);
		shown = (struct shown){ .ids = ids, .n = r->nr_entities, .r = r };
		identity__sweep_gone(ident, sweep_before_ns, shown_in_report, &shown);
	}
	free(ids);
	if (ret)
		return ret;
	if (retire_gone_processes(e, r, ident))
		return -ENOMEM;
	while ((k = engine__expired(e, expired, EXPIRED_BATCH)))
		for (size_t i = 0; i < k; i++) {
			/* folded into "(removed cgroups)": no output names it any more */
			identity__forget(ident, IDENTITY_CGROUP, expired[i]);
			cgroup_resolver__forget(cg, expired[i]);
		}
	return 0;
}
