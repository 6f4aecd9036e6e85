// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The exporter's sandboxes: traps per action, timed round trips, user-notify supervisors. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include "core/trap.h"
#include "serve/metrics_internal.h"

void metrics_render_sandboxes(struct metrics *m, struct out *o, const struct report *r,
			      const struct metrics_names *names)
{
	static const __u32 timed[] = { VFLOW_ACT_USER_NOTIF, VFLOW_ACT_NOTIF_CONTINUE, VFLOW_ACT_PTRACE };
	struct trap_row per[VFLOW_ACT_MAX];
	char sup[32];

	/* two passes keep each family's samples together */
	for (int pass = 0; pass < 2; pass++) {
		struct trap_row other[VFLOW_ACT_MAX] = {};
		bool any_other = false;

		if (pass == 0)
			out_family(o, "vflow_sandbox_traps_total", "counter",
				   "Sandbox traps per sandbox and action.");
		else
			out_family(o, "vflow_sandbox_roundtrip_seconds", "histogram",
				   "Timed sandbox round trips.");
		for (size_t i = 0; i <= r->nr_sandboxes; i++) {
			bool is_other = i == r->nr_sandboxes;
			const struct sandbox_entity *sb = is_other ? NULL : &r->sandboxes[i];
			const char *name = is_other ? "other" : sb->info.name;
			const char *kind = is_other ? "" : sandbox_kind_name(sb->info.kind);

			if (!is_other) {
				memset(per, 0, sizeof(per));
				for (size_t k = 0; k < sb->nr_rows; k++)
					if (sb->rows[k]->sub < VFLOW_ACT_MAX)
						trap_row__add(&per[sb->rows[k]->sub], sb->rows[k]);
				if (!names->named[METRICS_SANDBOX][i]) {
					for (int a = 0; a < VFLOW_ACT_MAX; a++)
						trap_row__add(&other[a], &per[a]);
					any_other = true;
					continue;
				}
			} else if (!any_other) {
				continue;
			}
			for (__u32 a = VFLOW_ACT_SKIPPED; pass == 0 && a < VFLOW_ACT_MAX; a++)
				if ((is_other ? other : per)[a].count)
					out_sample(o, "vflow_sandbox_traps_total", (const char *const[]){ "sandbox",
						   name, "kind", kind, "action", sys_action_name(a), NULL },
						   (is_other ? other : per)[a].count);
			for (size_t t = 0; pass == 1 && t < sizeof(timed) / sizeof(timed[0]); t++)
				if ((is_other ? other : per)[timed[t]].count)
					out_histogram(o, "vflow_sandbox_roundtrip_seconds", (const char *const[]){
						      "sandbox", name, "kind", kind, "action",
						      sys_action_name(timed[t]), NULL },
						      &(is_other ? other : per)[timed[t]]);
		}
	}
	out_family(o, "vflow_notify_supervisor_handling_seconds", "histogram",
		   "User-notify supervisors: NOTIF_RECV to NOTIF_SEND.");
	for (size_t i = 0, n = 0; i < r->cum->nr_rows && n < m->max_entities; i++) {
		const struct trap_row *row = &r->cum->rows[i];

		if (row->kind != VFLOW_TRAP_NOTIF_HANDLING)
			continue;
		/* one series per supervisor: its targets are summed */
		if (n && row->owner == r->cum->rows[i - 1].owner)
			continue;
		struct trap_row sum = *row;

		for (size_t j = i + 1; j < r->cum->nr_rows && r->cum->rows[j].kind == row->kind &&
		     r->cum->rows[j].owner == row->owner; j++)
			trap_row__add(&sum, &r->cum->rows[j]);
		snprintf(sup, sizeof(sup), "pid:%llu", (unsigned long long)row->owner);
		out_histogram(o, "vflow_notify_supervisor_handling_seconds",
			      (const char *const[]){ "supervisor", sup, NULL }, &sum);
		n++;
	}
}
