// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sandboxes in the report: seccomp / ptrace traps grouped by sandbox (a
 * process, or the processes of one gVisor sandbox), per syscall and action,
 * and user-notify supervisors with their handling time per target.
 *
 * Sandbox rows count traps in `count`; the round trips that could be timed
 * (user-notify, ptrace) add to total_ns and hist, so the mean is over
 * hist_count(), not count.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report/report_internal.h"

#define P99 0.99

static struct sandbox_entity *sandbox_find_or_add(struct report *r, __u32 pid, size_t *cap)
{
	const struct identity *id = report_process(r, pid);
	struct sandbox_info info;
	struct sandbox_entity *sb;

	if (pid == (__u32)VFLOW_OWNER_GONE) {
		/* exited processes past the TTL, summed (engine__retire_processes) */
		memset(&info, 0, sizeof(info));
		info.kind = SANDBOX_SECCOMP;
		snprintf(info.name, sizeof(info.name), "%s", REPORT_EXITED_PROCESSES);
	} else if (id && id->proc->has_sandbox) {
		info = id->proc->sandbox;
	} else {
		memset(&info, 0, sizeof(info));
		info.kind = SANDBOX_SECCOMP;
		snprintf(info.name, sizeof(info.name), "pid:%u", pid);
	}
	/* the processes of one sandbox (gVisor's stubs) share its name */
	for (size_t i = 0; i < r->nr_sandboxes; i++) {
		sb = &r->sandboxes[i];
		if (!strcmp(sb->info.name, info.name)) {
			if (sb->nr_pids < SANDBOX_MAX_PIDS)
				sb->pids[sb->nr_pids++] = pid;
			return sb;
		}
	}
	if (r->nr_sandboxes == *cap) {
		size_t n = *cap ? *cap * 2 : 8;
		void *p = realloc(r->sandboxes, n * sizeof(*r->sandboxes));

		if (!p)
			return NULL;
		r->sandboxes = p;
		*cap = n;
	}
	sb = &r->sandboxes[r->nr_sandboxes++];
	memset(sb, 0, sizeof(*sb));
	sb->info = info;
	sb->origin = id ? id->origin : IDENTITY_ORIGIN_MAX;
	sb->pids[sb->nr_pids++] = pid;
	return sb;
}

static int row_count_cmp(const void *a, const void *b)
{
	const struct trap_row *x = *(const struct trap_row *const *)a;
	const struct trap_row *y = *(const struct trap_row *const *)b;

	return x->count != y->count ? (x->count > y->count ? -1 : 1) : 0;
}

static int sandbox_cmp(const void *a, const void *b)
{
	const struct sandbox_entity *x = a, *y = b;

	if (x->delta.count != y->delta.count)
		return x->delta.count > y->delta.count ? -1 : 1;
	return x->total.count != y->total.count ? (x->total.count > y->total.count ? -1 : 1) : 0;
}

int report__build_sandboxes(struct report *r)
{
	size_t cap = 0;
	__u32 last_pid = 0;
	struct sandbox_entity *sb = NULL;

	for (size_t i = 0; i < r->cum->nr_rows; i++) {
		const struct trap_row *row = &r->cum->rows[i];
		void *p;

		if (row->kind != VFLOW_TRAP_SANDBOX)
			continue;
		/* rows are sorted by owner within the kind: one lookup per process */
		if (!sb || row->owner != last_pid) {
			sb = sandbox_find_or_add(r, row->owner, &cap);
			if (!sb)
				return -ENOMEM;
			last_pid = row->owner;
		}
		p = realloc(sb->rows, (sb->nr_rows + 1) * sizeof(const struct trap_row *));
		if (!p)
			return -ENOMEM;
		sb->rows = p;
		sb->rows[sb->nr_rows++] = row;
		trap_row__add(&sb->total, row);
		if (row->sub < VFLOW_ACT_MAX)
			sb->by_action[row->sub] += row->count;
	}
	for (size_t i = 0; r->delta && i < r->delta->nr_rows; i++) {
		const struct trap_row *row = &r->delta->rows[i];

		if (row->kind != VFLOW_TRAP_SANDBOX)
			continue;
		for (size_t k = 0; k < r->nr_sandboxes; k++)
			for (size_t j = 0; j < r->sandboxes[k].nr_pids; j++)
				if (r->sandboxes[k].pids[j] == (__u32)row->owner)
					trap_row__add(&r->sandboxes[k].delta, row);
	}
	/* gone when every process of it is: the identity layer says, this reads nothing */
	for (size_t k = 0; k < r->nr_sandboxes; k++) {
		struct sandbox_entity *s = &r->sandboxes[k];

		s->gone = true;
		for (size_t j = 0; j < s->nr_pids && !r->offline; j++) {
			const struct identity *id = report_process(r, s->pids[j]);

			if (id && !id->gone)
				s->gone = false;
			else if (id && id->gone_since_ns > s->gone_since_ns)
				s->gone_since_ns = id->gone_since_ns;
		}
		if (!s->gone)
			s->gone_since_ns = 0;
	}
	for (size_t k = 0; k < r->nr_sandboxes; k++)
		qsort(r->sandboxes[k].rows, r->sandboxes[k].nr_rows,
		      sizeof(const struct trap_row *), row_count_cmp);
	if (r->nr_sandboxes)
		qsort(r->sandboxes, r->nr_sandboxes, sizeof(*r->sandboxes), sandbox_cmp);
	return 0;
}

void report__free_sandboxes(struct report *r)
{
	for (size_t k = 0; k < r->nr_sandboxes; k++)
		free(r->sandboxes[k].rows);
	free(r->sandboxes);
	r->sandboxes = NULL;
	r->nr_sandboxes = 0;
}

static __u32 top_action(const struct sandbox_entity *sb)
{
	__u32 best = VFLOW_ACT_SKIPPED;

	for (__u32 a = 0; a < VFLOW_ACT_MAX; a++)
		if (sb->by_action[a] > sb->by_action[best])
			best = a;
	return best;
}

void report__print_sandboxes_text(const struct report *r, const struct report_text_opts *o, FILE *f)
{
	char b1[32], b2[32], nbuf[32];

	if (!r->nr_sandboxes)
		return;
	fprintf(f, "%-28s %-9s %10s %-14s %9s %9s  %s\n", "SANDBOX", "KIND", "TRAPS/s",
		"TOP ACTION", "RT MEAN", "RT P99", "TOP SYSCALL");
	for (size_t i = 0; i < r->nr_sandboxes && (!o->top || i < o->top); i++) {
		const struct sandbox_entity *sb = &r->sandboxes[i];
		const struct trap_row *top = sb->nr_rows ? sb->rows[0] : NULL;

		fprintf(f, "%-28.28s %-9s %10.1f %-14s %9s %9s  %s\n", sb->info.name,
			sandbox_kind_name(sb->info.kind), rate_per_sec(sb->delta.count, r->dt_ns),
			sys_action_name(top_action(sb)),
			fmt_ns(trap_row_mean_ns(&sb->total), b1, sizeof(b1)),
			fmt_ns(trap_row_quantile_ns(&sb->total, P99), b2, sizeof(b2)),
			top ? trap_name(top->kind, top->code, nbuf, sizeof(nbuf)) : "-");
		for (size_t k = 0; k < sb->nr_rows && k < o->per_entity_syscalls; k++) {
			const struct trap_row *row = sb->rows[k];

			fprintf(f, "  %-26.26s %-9s %10llu %-14s %9s %9s\n",
				trap_name(row->kind, row->code, nbuf, sizeof(nbuf)), "",
				(unsigned long long)row->count, sys_action_name(row->sub),
				fmt_ns(trap_row_mean_ns(row), b1, sizeof(b1)),
				fmt_ns(trap_row_quantile_ns(row, P99), b2, sizeof(b2)));
		}
	}
}

void report_json_learnt(FILE *f, enum identity_origin origin, __u64 gone_since_ns)
{
	if (origin == IDENTITY_ORIGIN_MAX)
		fputs(",\"learnt\":null", f);
	else
		fprintf(f, ",\"learnt\":\"%s\"", identity_origin_name(origin));
	if (gone_since_ns)
		fprintf(f, ",\"gone_since_ns\":%llu", (unsigned long long)gone_since_ns);
	else
		fputs(",\"gone_since_ns\":null", f);
}

static void json_timed(FILE *f, const struct trap_row *row)
{
	fprintf(f, "\"count\":%llu,\"timed\":%llu,\"total_ns\":%llu", (unsigned long long)row->count,
		(unsigned long long)hist_count(row->hist), (unsigned long long)row->total_ns);
	report_json_row_latency(f, row);
}

static void json_hist(FILE *f, const struct trap_row *row)
{
	fputs(",\"hist\":[", f);
	for (int i = 0; i < VFLOW_HIST_SLOTS; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)row->hist[i]);
	fputc(']', f);
}

void report__print_sandboxes_json(const struct report *r, FILE *f)
{
	char nbuf[32];

	fputs(",\"sandboxes\":[", f);
	for (size_t i = 0; i < r->nr_sandboxes; i++) {
		const struct sandbox_entity *sb = &r->sandboxes[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		report_json_str(f, sb->info.name);
		fprintf(f, ",\"kind\":\"%s\",\"role\":", sandbox_kind_name(sb->info.kind));
		report_json_str(f, sb->info.role);
		fprintf(f, ",\"gone\":%s", sb->gone ? "true" : "false");
		report_json_learnt(f, sb->origin, sb->gone_since_ns);
		fputs(",\"paradigm\":\"sandbox\",\"pids\":[", f);
		/* (exited processes): their pids are gone with them */
		for (size_t k = 0; k < sb->nr_pids && sb->pids[k] != (__u32)VFLOW_OWNER_GONE; k++)
			fprintf(f, "%s%u", k ? "," : "", sb->pids[k]);
		fputs("],\"traps\":{", f);
		json_timed(f, &sb->total);
		fputs("},\"rate\":", f);
		report_json_num(f, rate_per_sec(sb->delta.count, r->dt_ns));
		fputs(",\"by_action\":{", f);
		for (__u32 a = VFLOW_ACT_SKIPPED, first = 1; a < VFLOW_ACT_MAX; a++, first = 0)
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", sys_action_name(a),
				(unsigned long long)sb->by_action[a]);
		fputs("},\"model\":", f);
		report_json_model(f, &sb->model);
		fputs(",\"syscalls\":[", f);
		for (size_t k = 0; k < sb->nr_rows; k++) {
			const struct trap_row *row = sb->rows[k];

			fprintf(f, "%s{\"pid\":%llu,\"nr\":%llu,\"name\":", k ? "," : "",
				(unsigned long long)row->owner, (unsigned long long)row->code);
			report_json_str(f, trap_name(row->kind, row->code, nbuf, sizeof(nbuf)));
			fprintf(f, ",\"action\":\"%s\",", sys_action_name(row->sub));
			json_timed(f, row);
			json_hist(f, row);
			fputc('}', f);
		}
		fputs("]}", f);
	}
	fputs("],\"supervisors\":[", f);
	for (size_t i = 0, n = 0; i < r->cum->nr_rows; i++) {
		const struct trap_row *row = &r->cum->rows[i];

		if (row->kind != VFLOW_TRAP_NOTIF_HANDLING)
			continue;
		const struct identity *id = report_process(r, (__u32)row->owner);
		char pid_name[sizeof("pid:18446744073709551615")];

		if (row->owner == VFLOW_OWNER_GONE)
			fprintf(f, "%s{\"pid\":null,\"target_pid\":null,\"name\":", n++ ? "," : "");
		else
			fprintf(f, "%s{\"pid\":%llu,\"target_pid\":%u,\"name\":", n++ ? "," : "",
				(unsigned long long)row->owner, row->sub);
		/* the supervisor as named at its first trap, kept after it exits */
		if (row->owner == VFLOW_OWNER_GONE)
			snprintf(pid_name, sizeof(pid_name), "%s", REPORT_EXITED_PROCESSES);
		else
			snprintf(pid_name, sizeof(pid_name), "pid:%llu", (unsigned long long)row->owner);
		report_json_str(f, id && id->proc->has_sandbox ? id->proc->sandbox.name : pid_name);
		fprintf(f, ",\"gone\":%s", !id || id->gone ? "true" : "false");
		report_json_learnt(f, id ? id->origin : IDENTITY_ORIGIN_MAX, id ? id->gone_since_ns : 0);
		fputc(',', f);
		json_timed(f, row);
		json_hist(f, row);
		fputc('}', f);
	}
	/* where fexit is allowed: the filters' own cost per process */
	fputs("],\"filter_cost\":[", f);
	for (size_t i = 0, n = 0; i < r->cum->nr_rows; i++) {
		const struct trap_row *row = &r->cum->rows[i];

		if (row->kind != VFLOW_TRAP_FILTER_COST)
			continue;
		fprintf(f, "%s{\"pid\":%llu,", n++ ? "," : "", (unsigned long long)row->owner);
		json_timed(f, row);
		fputc('}', f);
	}
	fputc(']', f);
}
