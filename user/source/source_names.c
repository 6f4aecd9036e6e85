// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Containers' names from their runtimes (host/runtime.h), attached to
 * their identities: asked for when the cgroup is learnt (its mkdir, the
 * walk, its first trap), while the container still exists, and taken
 * from the resolver's cache once its worker has answered. Given once,
 * a name stays with the identity after the container is gone.
 */
#include <errno.h>
#include "source/source.h"

/*
 * How long after a container's removal its names are still looked for: a
 * lookup queued while it existed has answered by then (unless the queue
 * is full of hung runtimes); asking longer would only ask the runtimes,
 * every retry_ms, about a container they no longer have.
 */
#define NAMES_AFTER_GONE_NS	(RUNTIME_REFRESH_MS * 1000000ULL)

/* Ask for @e's names (never blocks); given when the resolver knows them already. */
static void name_one(struct source *s, const struct identity *e, __u64 now_ns)
{
	struct runtime_names n;

	if (e->names || !e->wl.id[0] || e->wl.paradigm != VFLOW_PARADIGM_CONTAINER)
		return;
	if (e->gone && now_ns > e->gone_since_ns + NAMES_AFTER_GONE_NS)
		return;
	if (runtime_resolver__get(s->names, e->wl.runtime, e->wl.id, &n) == RUNTIME_KNOWN)
		identity__set_names(&s->ident, e->id, &n);
}

void source__name_cgroup(struct source *s, __u64 id)
{
	const struct identity *e;

	if (!s->names)
		return;
	e = identity__find(&s->ident, IDENTITY_CGROUP, id);
	if (e)
		name_one(s, e, source__now_ns());
}

void source__name_containers(struct source *s)
{
	__u64 now = source__now_ns();

	if (!s->names)
		return;
	for (size_t i = 0; i < s->ident.cap; i++)
		if (s->ident.slots[i].id && s->ident.slots[i].kind == IDENTITY_CGROUP)
			name_one(s, &s->ident.slots[i], now);
}

int source__start_names(struct source *s, const struct runtime_config *cfg)
{
	if (s->names || s->offline)
		return 0;
	s->names = runtime_resolver__new(cfg);
	if (!s->names)
		return -errno;
	/* the walk's containers asked now: named in the first report after */
	source__name_containers(s);
	return 0;
}
