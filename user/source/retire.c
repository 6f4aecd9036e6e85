// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include "source/retire.h"

#define EXPIRED_BATCH 256

int retire_gone_cgroups(struct engine *e, const struct report *r, struct cgroup_resolver *cg)
{
	__u64 *ids, expired[EXPIRED_BATCH];
	size_t n = 0, k;
	int ret;

	if (!r->nr_entities)
		goto forget;
	ids = malloc(r->nr_entities * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < r->nr_entities; i++) {
		__u64 id = r->entities[i].cgroup_id;

		/* removed for sure, not merely unresolved this time */
		if (id != VFLOW_OWNER_GONE && cgroup_resolver__gone(cg, id))
			ids[n++] = id;
	}
	ret = n ? engine__retire_cgroups(e, ids, n) : 0;
	free(ids);
	if (ret)
		return ret;
forget:
	while ((k = engine__expired(e, expired, EXPIRED_BATCH)))
		for (size_t i = 0; i < k; i++)
			cgroup_resolver__forget(cg, expired[i]);
	return 0;
}
