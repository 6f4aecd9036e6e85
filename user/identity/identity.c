// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The identity table: open addressing on (kind, id), linear probing,
 * backward-shift deletion, so that churn (cgroups made and removed by
 * the thousand) keeps lookups short and memory bounded.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "identity/identity.h"
#include "identity/identity_internal.h"

#define TABLE_MIN 256

static size_t slot_of(enum identity_kind kind, __u64 id, size_t cap)
{
	/* ids are inode numbers or pids: mostly sequential, so mix before masking */
	id ^= (__u64)kind << 61;
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return id & (cap - 1);
}

void identity_table__init(struct identity_table *t)
{
	memset(t, 0, sizeof(*t));
}

void identity_table__free(struct identity_table *t)
{
	for (size_t i = 0; i < t->cap; i++) {
		free(t->slots[i].path);
		free(t->slots[i].names);
		free(t->slots[i].proc);
	}
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

struct identity *slot_find(const struct identity_table *t, enum identity_kind kind, __u64 id)
{
	if (!t->cap || !id)
		return NULL;
	for (size_t i = slot_of(kind, id, t->cap); t->slots[i].id; i = (i + 1) & (t->cap - 1))
		if (t->slots[i].id == id && t->slots[i].kind == kind)
			return &t->slots[i];
	return NULL;
}

const struct identity *identity__find(const struct identity_table *t, enum identity_kind kind,
				      __u64 id)
{
	return slot_find(t, kind, id);
}

static void slot_put(struct identity *slots, size_t cap, const struct identity *in)
{
	size_t i;

	for (i = slot_of(in->kind, in->id, cap); slots[i].id; i = (i + 1) & (cap - 1))
		;
	slots[i] = *in;
}

static int table_grow(struct identity_table *t)
{
	size_t cap = t->cap ? t->cap * 2 : TABLE_MIN;
	struct identity *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t k = 0; k < t->cap; k++)
		if (t->slots[k].id)
			slot_put(n, cap, &t->slots[k]);
	free(t->slots);
	t->slots = n;
	t->cap = cap;
	return 0;
}

struct identity *slot_add(struct identity_table *t, enum identity_kind kind, __u64 id,
				 enum identity_origin origin, __u64 now_ns, bool *added)
{
	struct identity *e = slot_find(t, kind, id), in = {
		.kind = kind, .id = id, .origin = origin,
		.first_seen_ns = now_ns, .last_seen_ns = now_ns,
	};

	*added = false;
	if (e)
		return e;
	if ((t->nr + 1) * 2 > t->cap && table_grow(t))
		return NULL;
	slot_put(t->slots, t->cap, &in);
	t->nr++;
	*added = true;
	return slot_find(t, kind, id);
}

/* The path and what it says (runtime, paradigm, container id, name). */
static int set_path(struct identity *e, const char *path)
{
	char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	free(e->path);
	e->path = p;
	if (workload_parse(path, &e->wl))
		memset(&e->wl, 0, sizeof(e->wl));
	return 0;
}

int identity__cgroup_seen(struct identity_table *t, __u64 id, const char *path,
			  enum identity_origin origin, __u64 now_ns)
{
	struct identity *e;
	bool added;
	int ret;

	if (!id || !path || path[0] != '/')
		return -EINVAL;
	e = slot_add(t, IDENTITY_CGROUP, id, origin, now_ns, &added);
	if (!e)
		return -ENOMEM;
	if (now_ns > e->last_seen_ns && !e->gone)
		e->last_seen_ns = now_ns;
	if (e->path)
		return 0;	/* learnt once */
	ret = set_path(e, path);
	if (ret && added)
		identity__forget(t, IDENTITY_CGROUP, id);
	return ret;
}

int identity__cgroup_renamed(struct identity_table *t, __u64 id, const char *path, __u64 now_ns)
{
	const struct identity *known = slot_find(t, IDENTITY_CGROUP, id);
	struct identity *e;
	int ret;

	if (!known || !known->path)
		return identity__cgroup_seen(t, id, path, IDENTITY_FROM_MKDIR, now_ns);
	if (!path || path[0] != '/')
		return -EINVAL;
	e = (struct identity *)known;
	ret = set_path(e, path);
	if (!ret) {
		e->last_seen_ns = now_ns > e->last_seen_ns ? now_ns : e->last_seen_ns;
		t->renames++;
	}
	return ret;
}

int identity__cgroup_removed(struct identity_table *t, __u64 id, __u64 now_ns)
{
	struct identity *e;
	bool added;

	if (!id)
		return -EINVAL;
	e = slot_add(t, IDENTITY_CGROUP, id, IDENTITY_FROM_NOTHING, now_ns, &added);
	if (!e)
		return -ENOMEM;
	if (!e->gone) {
		e->gone = true;
		e->gone_since_ns = now_ns;
	}
	return 0;
}

int identity__set_names(struct identity_table *t, __u64 id, const struct runtime_names *n)
{
	struct identity *e = slot_find(t, IDENTITY_CGROUP, id);

	if (!e)
		return -ENOENT;
	if (n->source == RUNTIME_SRC_NONE)
		return 0;
	if (!e->names)
		e->names = malloc(sizeof(*e->names));
	if (!e->names)
		return -ENOMEM;
	*e->names = *n;
	return 0;
}

void identity__forget(struct identity_table *t, enum identity_kind kind, __u64 id)
{
	struct identity *e = slot_find(t, kind, id);
	size_t hole, i;

	if (!e)
		return;
	free(e->path);
	free(e->names);
	free(e->proc);
	hole = (size_t)(e - t->slots);
	t->slots[hole] = (struct identity){ 0 };
	t->nr--;
	/* backward shift: close the hole for entries that probed past it */
	for (i = (hole + 1) & (t->cap - 1); t->slots[i].id; i = (i + 1) & (t->cap - 1)) {
		size_t home = slot_of(t->slots[i].kind, t->slots[i].id, t->cap);

		/* movable unless its home lies cyclically in (hole, i] */
		if (hole <= i ? (home > hole && home <= i) : (home > hole || home <= i))
			continue;
		t->slots[hole] = t->slots[i];
		t->slots[i] = (struct identity){ 0 };
		hole = i;
	}
}

size_t identity__sweep_gone(struct identity_table *t, __u64 before_ns,
			    bool (*keep)(void *ctx, const struct identity *e), void *ctx)
{
	size_t n = 0;

	/*
	 * Backward-shift deletion moves a later entry into the hole: look at
	 * slot i again after a deletion. An entry wrapped round to an earlier
	 * slot is left for the next sweep.
	 */
	for (size_t i = 0; i < t->cap;) {
		const struct identity *e = &t->slots[i];

		if (e->id && e->gone && e->gone_since_ns < before_ns && !(keep && keep(ctx, e))) {
			identity__forget(t, e->kind, e->id);
			n++;
			continue;
		}
		i++;
	}
	return n;
}

const char *identity_origin_name(enum identity_origin o)
{
	static const char *const names[] = {
		[IDENTITY_FROM_MKDIR] = "mkdir",
		[IDENTITY_FROM_WALK] = "walk",
		[IDENTITY_FROM_LOOKUP] = "lookup",
		[IDENTITY_FROM_DUMP] = "dump",
		[IDENTITY_FROM_NOTHING] = "nothing",
	};

	return (unsigned int)o < IDENTITY_ORIGIN_MAX ? names[o] : "unknown";
}
