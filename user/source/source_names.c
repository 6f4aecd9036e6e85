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

int source__start_names(struct source *s, const struct runtime_config *cfg)
{
	if (s->names || s->offline)
		return 0;
	s->names = runtime_resolver__new(cfg);
	return s->names ? 0 : -errno;
}

/* Ask for @e's names (never blocks); given when the resolver knows them already. */
static void name_one(struct source *s, const struct identity *e)
{
	struct runtime_names n;

	if (e->names || !e->wl.id[0] || e->wl.paradigm != VFLOW_PARADIGM_CONTAINER)
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
		name_one(s, e);
}

void source__name_containers(struct source *s)
{
	if (!s->names)
		return;
	for (size_t i = 0; i < s->ident.cap; i++)
		if (s->ident.slots[i].id && s->ident.slots[i].kind == IDENTITY_CGROUP)
			name_one(s, &s->ident.slots[i]);
}
