/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef VFLOW_RETIRE_H
#define VFLOW_RETIRE_H

#include "host/cgroup.h"
#include "identity/identity.h"
#include "engine/engine.h"
#include "report/report.h"

/*
 * After a report of a live engine: the cgroups it found removed leave the
 * BPF maps (engine__retire_cgroups); those the engine has summed into
 * VFLOW_OWNER_GONE are forgotten by the identity table and the resolver,
 * and so are the identities gone before @sweep_before_ns that no entity
 * of @r shows (cgroups that never trapped), so that neither the maps nor
 * vflow's memory grow with cgroup churn. Exited processes the same way
 * (engine__retire_processes): the identity layer says which exited.
 * 0 or -ENOMEM.
 */
int retire_gone_cgroups(struct engine *e, const struct report *r, struct identity_table *ident,
			struct cgroup_resolver *cg, __u64 sweep_before_ns);

#endif
