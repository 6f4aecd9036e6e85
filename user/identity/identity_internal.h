/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The table's slots, for the files of user/identity/ that add to it. */
#ifndef VFLOW_IDENTITY_INTERNAL_H
#define VFLOW_IDENTITY_INTERNAL_H

#include "identity/identity.h"

/* The identity of (@kind, @id), or NULL; writable. */
struct identity *slot_find(const struct identity_table *t, enum identity_kind kind, __u64 id);
/* The identity of (@kind, @id), added empty (first seen @now_ns) when new; NULL on ENOMEM. */
struct identity *slot_add(struct identity_table *t, enum identity_kind kind, __u64 id,
			  enum identity_origin origin, __u64 now_ns, bool *added);

#endif
