// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The overhead model offline (vflowdump model): the report the daemon
 * would have built (report__build, the model and advice of user/core),
 * from the dump's exact aggregates or, when a filter asks for part of the
 * events, from the events weighted by their sampling; with the model
 * constants the dump was taken with.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "record/dumptool.h"
#include "record/dumptool_internal.h"
#include "host/model_files.h"
#include "report/report.h"

#define MAX_NOTES 4

struct notes {
	char text[MAX_NOTES][640];
	size_t n;
};

__attribute__((format(printf, 2, 3)))
static void note(struct notes *n, const char *fmt, ...)
{
	va_list ap;

	if (n->n >= MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(n->text[n->n++], sizeof(n->text[0]), fmt, ap);
	va_end(ap);
}

/* The dump's own constants over this host's shipped config (for the advice rules). */
static void load_model(const struct dump *d, struct model_config *mc, struct advice_rules *ar,
		       bool *have_advice, struct notes *notes)
{
	char err[512], path[] = "/tmp/vflowdump-model-XXXXXX";
	size_t len;
	FILE *f;
	int fd;

	if (model_files__load(NULL, NULL, mc, ar, have_advice, err, sizeof(err))) {
		model_config__defaults(mc);
		*have_advice = false;
		note(notes, "this host's model config did not load (%s): built-in constants", err);
	}
	if (!d->info.model || !d->info.model[0]) {
		note(notes, "the dump carries no model constants: using this host's (or the built-in) ones");
		return;
	}
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		note(notes, "cannot write the dump's model constants to a temporary file (%s): "
		     "using this host's", strerror(errno));
		return;
	}
	len = strlen(d->info.model);
	if (fwrite(d->info.model, 1, len, f) != len || fclose(f)) {
		unlink(path);
		note(notes, "cannot write the dump's model constants to a temporary file (%s): "
		     "using this host's", strerror(errno));
		return;
	}
	if (model_config__load(mc, path, err, sizeof(err))) {
		model_config__defaults(mc);
		note(notes, "the dump's model constants do not load (%s): using the built-in ones", err);
	}
	unlink(path);
}

/* The names the dump's entity table gives VMs and sandboxes (offline: "pid:N"). */
static void name_offline(struct report *r, const struct dump *d)
{
	for (size_t i = 0; i < r->nr_vms; i++) {
		const struct dump_entity *en = dump__entity(d, DUMP_ENT_PROC, r->vms[i].pid);

		if (en && en->name[0])
			snprintf(r->vms[i].id.name, sizeof(r->vms[i].id.name), "%s", en->name);
	}
	for (size_t i = 0; i < r->nr_sandboxes; i++) {
		struct sandbox_entity *sb = &r->sandboxes[i];
		const struct dump_entity *en = sb->nr_pids ?
			dump__entity(d, DUMP_ENT_PROC, sb->pids[0]) : NULL;

		if (en && en->name[0])
			snprintf(sb->info.name, sizeof(sb->info.name), "%s", en->name);
	}
}

/* The dump's exact aggregates as a snapshot. */
static struct snapshot *rows_snapshot(const struct dump *d)
{
	struct snapshot *s = snapshot__new(d->nr_rows);

	if (!s)
		return NULL;
	memcpy(s->rows, d->rows, d->nr_rows * sizeof(*s->rows));
	s->nr_rows = d->nr_rows;
	s->ts_ns = d->rows_ts_ns;
	s->events = d->nr_ev;
	snapshot__sort(s);
	snapshot__merge(s);
	return s;
}

/* The cgroup paths the dump's entity table holds. 0 or -ENOMEM. */
static int offline_cgroups(struct cgroup_resolver *cg, const struct dump *d)
{
	cgroup_resolver__init_offline(cg);
	for (size_t i = 0; i < d->nr_ents; i++)
		if (d->ents[i].kind == DUMP_ENT_CGROUP && d->ents[i].id && d->ents[i].path[0] &&
		    cgroup_resolver__set(cg, d->ents[i].id, d->ents[i].path))
			return -ENOMEM;
	return 0;
}

/* The time the rates are over: what the aggregates cover, or the events (the filter's window). */
static __u64 model_span(const struct dump *d, const struct dump_filter *f, bool exact)
{
	__u64 lo = f && f->from_ns ? f->from_ns : d->info.first_ns;
	__u64 hi = f && f->to_ns ? f->to_ns : d->info.last_ns;
	__u64 span = hi > lo ? hi - lo : 0;

	if (exact)
		span = d->rows_elapsed_ns;
	return span < NS_PER_US ? NS_PER_US : span;
}

static void print_offline(const struct report *r, const struct notes *notes, bool exact, bool json,
			  FILE *out)
{
	struct report_text_opts o = { .top = 0, .per_entity_syscalls = 5 };

	if (!json) {
		for (size_t i = 0; i < notes->n; i++)
			fprintf(out, "note: %s\n", notes->text[i]);
		report__print_text(r, &o, out);
		return;
	}
	fprintf(out, "{\"estimated_from_samples\":%s,\"notes\":[", exact ? "false" : "true");
	for (size_t i = 0; i < notes->n; i++) {
		fputs(i ? "," : "", out);
		dumptool_json_str(out, notes->text[i]);
	}
	fputs("],\"report\":", out);
	report__print_json(r, out);
	fputs("}\n", out);
}

int dumptool_model(const struct dump *d, const struct dump_filter *f, bool json, FILE *out)
{
	struct report r = { .offline = true };
	struct cgroup_resolver cg;
	struct model_config mc;
	struct advice_rules ar = {};
	struct notes notes = {};
	bool exact, have_advice = false;
	struct snapshot *s;
	char span_buf[32];
	__u64 span;
	int ret;

	load_model(d, &mc, &ar, &have_advice, &notes);
	exact = d->nr_rows && d->rows_elapsed_ns && dump_filter__empty(f);
	s = exact ? rows_snapshot(d) : dumptool_snapshot(d, f, true);
	if (!s) {
		ret = -ENOMEM;
		goto out_advice;
	}
	ret = offline_cgroups(&cg, d);
	if (ret)
		goto out_cg;
	span = model_span(d, f, exact);
	if (exact)
		note(&notes, "from the exact aggregates the dump holds (%zu rows over %s of tracing), "
		     "scheduling included; filters select the sampled events instead", d->nr_rows,
		     fmt_ns(span, span_buf, sizeof(span_buf)));
	else
		note(&notes, "estimated from %llu recorded events over %s, each 1-in-N sample weighted "
		     "by N: figures are estimates, not measurements", (unsigned long long)s->events,
		     fmt_ns(span, span_buf, sizeof(span_buf)));
	r.model = &mc;
	r.advice = have_advice ? &ar : NULL;
	ret = report__build(&r, s, s, &cg, span, span);
	if (!ret) {
		name_offline(&r, d);
		r.syscall_via = "dump";
		print_offline(&r, &notes, exact, json, out);
	}
	report__free(&r);
out_cg:
	cgroup_resolver__free(&cg);
	snapshot__free(s);
out_advice:
	if (have_advice)
		advice_rules__free(&ar);
	return ret;
}
