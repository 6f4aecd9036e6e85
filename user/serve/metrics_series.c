// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The ages of named series: when each entity's counts last changed and
 * when a report last had it, found by name through an open-addressing
 * index, so that the gone and idle fold into "other" after the TTL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "serve/metrics_internal.h"

#define INDEX_MIN 256

/* FNV-1a: series names are short and many (one per entity, every render) */
static size_t name_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void index_put(size_t *index, size_t cap, const char *name, size_t i)
{
	size_t k;

	for (k = name_hash(name) & (cap - 1); index[k]; k = (k + 1) & (cap - 1))
		;
	index[k] = i + 1;
}

/* Rebuild the name index for room for @want names (after growth or pruning). */
static int index_rebuild(struct metrics *m, size_t want)
{
	size_t cap = INDEX_MIN, *n;

	while (cap < 2 * want)
		cap *= 2;
	n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < m->nr_ages; i++)
		index_put(n, cap, m->ages[i].name, i);
	free(m->index);
	m->index = n;
	m->index_cap = cap;
	return 0;
}

static struct series_age *age_find(struct metrics *m, const char *key)
{
	size_t k;

	if (!m->index_cap)
		return NULL;
	for (k = name_hash(key) & (m->index_cap - 1); m->index[k]; k = (k + 1) & (m->index_cap - 1))
		if (!strcmp(m->ages[m->index[k] - 1].name, key))
			return &m->ages[m->index[k] - 1];
	return NULL;
}

/*
 * Note activity of series @name of entity type @type (its count @total);
 * false if it is gone and has been idle past the TTL: fold it into "other".
 */
static bool series_live(struct metrics *m, const char *type, const char *name, __u64 total,
			bool gone, __u64 now)
{
	struct series_age *a = NULL;
	char key[sizeof(a->name)];

	snprintf(key, sizeof(key), "%s:%s", type, name);
	a = age_find(m, key);
	if (!a) {
		if ((m->nr_ages + 1) * 2 > m->index_cap && index_rebuild(m, m->nr_ages + 1))
			return true;	/* export it rather than lose it */
		if (m->nr_ages == m->cap_ages) {
			size_t n = m->cap_ages ? m->cap_ages * 2 : 64;
			void *p = realloc(m->ages, n * sizeof(*m->ages));

			if (!p)
				return true;	/* export it rather than lose it */
			m->ages = p;
			m->cap_ages = n;
		}
		a = &m->ages[m->nr_ages];
		memset(a, 0, sizeof(*a));
		snprintf(a->name, sizeof(a->name), "%s", key);
		index_put(m->index, m->index_cap, a->name, m->nr_ages++);
		a->last_change_ns = now;
	}
	if (total != a->last_total) {
		a->last_total = total;
		a->last_change_ns = now;
	}
	a->seen_ns = now;
	return !(gone && now - a->last_change_ns > m->ttl_ns);
}

const char *metrics_type_name(enum metrics_type t)
{
	static const char *const names[METRICS_TYPES] = {
		[METRICS_CONTAINER] = "container", [METRICS_VM] = "vm", [METRICS_SANDBOX] = "sandbox",
	};

	return names[t];
}

/* Entity @i of type @t: its series key's prefix, name, count of activity and whether it is gone. */
static const char *entity_of(const struct report *r, enum metrics_type t, size_t i, __u64 *total,
			     bool *gone)
{
	const struct vm_entity *vm;

	switch (t) {
	case METRICS_CONTAINER:
		*total = r->entities[i].total.count + r->entities[i].total.skipped;
		*gone = r->entities[i].gone;
		return r->entities[i].wl.name;
	case METRICS_VM:
		vm = &r->vms[i];
		*total = vm->total[VM_EXITS].count + vm->total[VM_IDLE].count;
		*gone = vm->gone;
		return vm->id.name;
	default:
		*total = r->sandboxes[i].total.count;
		*gone = r->sandboxes[i].gone;
		return r->sandboxes[i].info.name;
	}
}

int metrics_names__pick(struct metrics *m, const struct report *r, __u64 now,
			struct metrics_names *n)
{
	/* the series keys' prefixes, as before the names were picked in one place */
	static const char *const key[METRICS_TYPES] = { "c", "vm", "sb" };
	const size_t count[METRICS_TYPES] = { r->nr_entities, r->nr_vms, r->nr_sandboxes };

	memset(n, 0, sizeof(*n));
	for (int t = 0; t < METRICS_TYPES; t++) {
		n->named[t] = calloc(count[t] + 1, sizeof(bool));
		if (!n->named[t]) {
			metrics_names__free(n);
			return -ENOMEM;
		}
		for (size_t i = 0; i < count[t]; i++) {
			__u64 total;
			bool gone;
			const char *name = entity_of(r, t, i, &total, &gone);

			n->named[t][i] = series_live(m, key[t], name, total, gone, now) &&
					 n->exported[t] < m->max_entities;
			n->exported[t] += n->named[t][i];
		}
	}
	return 0;
}

void metrics_names__free(struct metrics_names *n)
{
	for (int t = 0; t < METRICS_TYPES; t++)
		free(n->named[t]);
	memset(n, 0, sizeof(*n));
}

void series_prune(struct metrics *m, __u64 now)
{
	size_t out = 0;

	for (size_t i = 0; i < m->nr_ages; i++)
		if (now - m->ages[i].seen_ns <= m->ttl_ns)
			m->ages[out++] = m->ages[i];
	if (out != m->nr_ages) {
		m->nr_ages = out;
		/* positions moved; on ENOMEM the index is dropped and rebuilt on next use */
		if (index_rebuild(m, out)) {
			free(m->index);
			m->index = NULL;
			m->index_cap = 0;
		}
	}
}
