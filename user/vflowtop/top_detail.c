// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowtop's drill-down into one entity: its syscalls, exit reasons or
 * sandbox actions with count, mean and p99, the latency histogram of the
 * selected row as horizontal bars, and a VM's vCPUs. Also the help screen.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/trap.h"
#include "vflowtop/top_shared.h"

#define P99		0.99
#define D_WHAT_W	10	/* "user_notif"; "notif_continue" is cut */
#define D_ID_W		7	/* a pid */
#define D_COUNT_W	9
#define D_SECOND_W	8
#define D_RATE_W	9
#define D_LAT_W		8	/* "999.99us" */
#define D_MIN_NAME	10
#define D_MIN_ROWS	3	/* rows kept on screen before the histogram is cut */
#define D_FIXED_LINES	6	/* header 2, title 2, column header 1, footer 1 */
#define MAX_VCPU_LINES	8
#define HIST_LABEL_W	21	/* "[ 1.02us,  2.05us)" */
#define HIST_COUNT_W	11
#define HIST_MIN_BAR	10

static int drow_cmp(const void *a, const void *b)
{
	const struct top_drow *x = a, *y = b;
	__u64 cx = x->row->count + x->row->skipped, cy = y->row->count + y->row->skipped;

	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void drow_fill(struct top_drow *d, const struct trap_row *row, const struct report *r)
{
	const struct trap_row *dl = r->delta ? snapshot__find(r->delta, row) : NULL;
	char nbuf[sizeof(d->name)];

	d->row = row;
	d->rate = dl ? rate_per_sec(dl->count, r->dt_ns) : 0;
	/* the name may be a constant rather than nbuf */
	snprintf(d->name, sizeof(d->name), "%s", trap_name(row->kind, row->code, nbuf, sizeof(nbuf)));
	d->what = "";
	d->id = -1;
	if (row->kind == VFLOW_TRAP_SANDBOX) {
		d->what = sys_action_name(row->sub);
		d->id = row->owner;
	} else if (row->kind != VFLOW_TRAP_SYSCALL) {
		d->what = vm_bucket_name(vm_bucket_of(row));
		d->id = row->sub;
	}
}

int top_detail__build(const struct top_item *it, const struct report *r, struct top_drow **out,
		      size_t *nr)
{
	const struct entity *en = it->src;
	const struct vm_entity *vm = it->src;
	const struct sandbox_entity *sb = it->src;
	size_t n = it->type == TOP_CGROUP ? en->nr_rows : it->type == TOP_VM ? vm->nr_rows :
		   sb->nr_rows;
	struct top_drow *d = calloc(n ? n : 1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		drow_fill(&d[i], it->type == TOP_CGROUP ? &en->rows[i] : it->type == TOP_VM ?
			  vm->rows[i] : sb->rows[i], r);
	qsort(d, n, sizeof(*d), drow_cmp);
	free(*out);
	*out = d;
	*nr = n;
	return 0;
}

/* The entity itself: the second title line. */
static void detail_about(struct top_frame *fr, const struct top_item *it, const struct report *r)
{
	const struct vm_entity *vm = it->src;
	const struct sandbox_entity *sb = it->src;
	char pids[128] = "";
	size_t len = 0;

	if (it->type == TOP_CGROUP) {
		top_frame__add(fr, TOP_A_TITLE, "cgroup %s  id %llu%s",
			       ((const struct entity *)it->src)->path, (unsigned long long)it->key,
			       it->gone ? "  (gone)" : "");
	} else if (it->type == TOP_VM) {
		top_frame__add(fr, TOP_A_TITLE, "pid %u  vCPUs %zu  idle/s %.1f  hypercalls/s %.1f  "
			       "kicks/s %.1f  user exits/s %.1f%s", vm->pid, vm->nr_vcpus,
			       rate_per_sec(vm->delta[VM_IDLE].count, r->dt_ns),
			       rate_per_sec(vm->delta[VM_HCALL].count, r->dt_ns),
			       rate_per_sec(vm->delta[VM_NOTIFY].count, r->dt_ns),
			       rate_per_sec(vm->delta[VM_USERSPACE].count, r->dt_ns),
			       vm->gone ? "  (gone)" : "");
	} else {
		for (size_t i = 0; i < sb->nr_pids && len < sizeof(pids) - 1; i++)
			len += snprintf(pids + len, sizeof(pids) - len, "%s%u", i ? "," : "", sb->pids[i]);
		top_frame__add(fr, TOP_A_TITLE, "pids %s  role %s  seccomp mode %d, %d filters%s", pids,
			       sb->info.role[0] ? sb->info.role : "-", sb->info.seccomp_mode,
			       sb->info.seccomp_filters, sb->gone ? "  (gone)" : "");
	}
}

static void detail_line(struct top_frame *fr, enum top_attr attr, int name_w, bool ids,
			const char *const cells[8])
{
	static const int widths[8] = { 0, D_WHAT_W, D_ID_W, D_COUNT_W, D_SECOND_W, D_RATE_W,
				       D_LAT_W, D_LAT_W };
	char line[TOP_LINE_MAX] = "";
	int pos = 0;

	for (int c = 0; c < 8; c++) {
		if (!ids && (c == 1 || c == 2))
			continue;
		pos = top_put(line, pos, c ? widths[c] : name_w, cells[c], c >= 2 ? TOP_PUT_RIGHT : 0);
	}
	top_frame__add(fr, attr, "%s", line);
}

static void detail_rows(struct top_frame *fr, const struct top_item *it, struct top_state *st,
			const struct top_drow *rows, size_t nr, size_t vis)
{
	bool ids = it->type != TOP_CGROUP;
	int name_w = fr->width - D_COUNT_W - D_SECOND_W - D_RATE_W - 2 * D_LAT_W - 5 -
		     (ids ? D_WHAT_W + D_ID_W + 2 : 0);
	const char *head[8] = {
		it->type == TOP_VM ? "REASON" : "SYSCALL", it->type == TOP_VM ? "BUCKET" : "ACTION",
		it->type == TOP_VM ? "VCPU" : "PID", "COUNT",
		it->type == TOP_SANDBOX ? "TIMED" : "SKIPPED", "RATE/s", "MEAN", "P99",
	};

	if (name_w < D_MIN_NAME)
		name_w = D_MIN_NAME;
	detail_line(fr, TOP_A_HEADER, name_w, ids, head);
	if (st->dsel >= nr)
		st->dsel = nr ? nr - 1 : 0;
	if (st->dsel < st->dscroll)
		st->dscroll = st->dsel;
	if (vis && st->dsel >= st->dscroll + vis)
		st->dscroll = st->dsel - vis + 1;
	for (size_t i = st->dscroll; i < nr && i < st->dscroll + vis; i++) {
		const struct trap_row *row = rows[i].row;
		double mean = trap_row_mean_ns(row);
		char id[24], count[24], second[24], rate[32], m[32], p[32];
		const char *cells[8] = { rows[i].name, rows[i].what, id, count, second, rate, m, p };

		snprintf(id, sizeof(id), "%lld", rows[i].id);
		snprintf(count, sizeof(count), "%llu", (unsigned long long)row->count);
		snprintf(second, sizeof(second), "%llu", (unsigned long long)
			 (it->type == TOP_SANDBOX ? hist_count(row->hist) : row->skipped));
		top_fmt_rate(rows[i].rate, rate, sizeof(rate));
		top_fmt_lat(mean, m, sizeof(m));
		top_fmt_lat(trap_row_quantile_ns(row, P99), p, sizeof(p));
		detail_line(fr, i == st->dsel ? TOP_A_SELECTED : TOP_A_NORMAL, name_w, ids, cells);
	}
}

/* Slot bounds as "[low, high)"; the last slot has no upper bound. */
static void slot_label(unsigned int slot, char *buf, size_t len)
{
	char lo[16], hi[16];

	fmt_ns(hist_slot_low_ns(slot), lo, sizeof(lo));
	if (slot == VFLOW_HIST_SLOTS - 1)
		snprintf(hi, sizeof(hi), "inf");
	else
		fmt_ns(hist_slot_high_ns(slot), hi, sizeof(hi));
	snprintf(buf, len, "[%8s, %8s)", lo, hi);
}

/* The non-empty range of the histogram, cut to @max_lines where it holds least. */
static void histogram(struct top_frame *fr, const struct top_state *st, const struct top_drow *d,
		      size_t max_lines)
{
	const __u64 *h = d->row->hist;
	int lo = 0, hi = VFLOW_HIST_SLOTS - 1, bar_w, span;
	char label[64], cut[48], bar[TOP_LINE_MAX];
	__u64 peak = 0;

	while (lo <= hi && !h[lo])
		lo++;
	while (hi >= lo && !h[hi])
		hi--;
	if (lo > hi) {
		top_frame__add(fr, TOP_A_DIM, "%s%s%s: no latency timed", d->name, d->what[0] ? " " : "",
			       d->what);
		return;
	}
	span = hi - lo + 1;
	while (max_lines > 1 && (size_t)(hi - lo) + 1 > max_lines - 1) {
		if (h[lo] <= h[hi])
			lo++;
		else
			hi--;
	}
	snprintf(cut, sizeof(cut), ", %d outer slots not shown", span - (hi - lo + 1));
	top_frame__add(fr, TOP_A_TITLE, "latency of %s%s%s since %s: %llu timed, log2 slots%s",
		       d->name, d->what[0] ? " " : "", d->what, st->was_reset ? "reset" : "start",
		       (unsigned long long)hist_count(h), span > hi - lo + 1 ? cut : "");
	for (int i = lo; i <= hi; i++)
		peak = h[i] > peak ? h[i] : peak;
	bar_w = fr->width - HIST_LABEL_W - HIST_COUNT_W - 2;
	if (bar_w < HIST_MIN_BAR)
		bar_w = HIST_MIN_BAR;
	if (bar_w >= TOP_LINE_MAX)
		bar_w = TOP_LINE_MAX - 1;
	for (int i = lo; i <= hi && max_lines > 1; i++) {
		/* at least one mark for a non-empty slot, so no count vanishes */
		int n = peak ? (int)((double)h[i] * bar_w / (double)peak) : 0;

		if (!n && h[i])
			n = 1;
		memset(bar, '#', n);
		bar[n] = '\0';
		slot_label(i, label, sizeof(label));
		top_frame__add(fr, TOP_A_BAR, "%-*s %-*s %*llu", HIST_LABEL_W - 1, label, bar_w, bar,
			       HIST_COUNT_W - 1, (unsigned long long)h[i]);
	}
}

static void vcpus(struct top_frame *fr, const struct vm_entity *vm, size_t max)
{
	char m[32], p[32], im[32];

	top_frame__add(fr, TOP_A_HEADER, "%-6s %12s %9s %9s %12s %9s", "VCPU", "EXITS", "MEAN", "P99",
		       "IDLE EXITS", "IDLE MEAN");
	for (size_t i = 0; i < vm->nr_vcpus && i < max; i++) {
		const struct vm_vcpu *c = &vm->vcpus[i];
		top_frame__add(fr, TOP_A_NORMAL, "%-6u %12llu %9s %9s %12llu %9s", c->vcpu,
			       (unsigned long long)c->exits.count,
			       top_fmt_lat(trap_row_mean_ns(&c->exits), m, sizeof(m)),
			       top_fmt_lat(trap_row_quantile_ns(&c->exits, P99), p, sizeof(p)),
			       (unsigned long long)c->idle.count,
			       top_fmt_lat(trap_row_mean_ns(&c->idle), im, sizeof(im)));
	}
}

void top_frame__detail(struct top_frame *fr, const struct top_info *info, struct top_state *st,
		       const struct report *r, const struct top_item *it,
		       const struct top_drow *rows, size_t nr, int height)
{
	const struct vm_entity *vm = it && it->type == TOP_VM ? it->src : NULL;
	size_t vcpu_lines = vm ? 1 + (vm->nr_vcpus < MAX_VCPU_LINES ? vm->nr_vcpus : MAX_VCPU_LINES) : 0;
	size_t avail = height > D_FIXED_LINES ? height - D_FIXED_LINES : 1, vis, hist_lines;
	char rate[32];

	top_frame__header(fr, info, st, r);
	if (!it || !r) {
		top_frame__add(fr, TOP_A_TITLE, "%s", "the entity has no traps since the baseline");
	} else {
		top_frame__add(fr, TOP_A_TITLE, "%s  %s  %s  traps/s %s  top %s", it->name,
			       paradigm_name(it->paradigm), it->kind,
			       top_fmt_rate(it->rate, rate, sizeof(rate)), it->reason[0] ? it->reason : "-");
		detail_about(fr, it, r);
		/* rows first, at least a few; the histogram and vCPUs get what is left */
		vis = avail > vcpu_lines + 1 ? avail - vcpu_lines - 1 : 1;
		if (nr && st->dsel < nr) {
			const __u64 *h = rows[st->dsel].row->hist;
			size_t span = 0;

			for (int i = 0, first = -1; i < VFLOW_HIST_SLOTS; i++)
				if (h[i]) {
					first = first < 0 ? i : first;
					span = i - first + 1;
				}
			vis = avail > vcpu_lines + span + 1 + D_MIN_ROWS ?
			      avail - vcpu_lines - span - 1 : D_MIN_ROWS;
		}
		if (vis > nr)
			vis = nr;
		if (height <= 0)
			vis = nr;
		detail_rows(fr, it, st, rows, nr, vis);
		hist_lines = avail > vis + vcpu_lines ? avail - vis - vcpu_lines : 2;
		if (nr && st->dsel < nr)
			histogram(fr, st, &rows[st->dsel], hist_lines);
		if (vm)
			vcpus(fr, vm, MAX_VCPU_LINES);
	}
	while (height > 0 && fr->nr + 1 < (size_t)height && !fr->oom)
		top_frame__add(fr, TOP_A_NORMAL, "%s", "");
	top_frame__footer(fr, st, "Esc back  Up/Down select a row  q quit  h help  space pause  "
			  "r reset");
}

static const char *const help_text[] = {
	"vflowtop: traps per workload, live. Keys:",
	"  q             quit",
	"  Up/Down       select an entity (PgUp/PgDn, Home/End)",
	"  Enter         details: per syscall, exit reason or seccomp action, with",
	"                count, mean, p99 and the selected row's latency histogram",
	"  Esc/Backspace back from details",
	"  s / S         sort by the next / previous column (marked with *)",
	"  /             filter NAME with an extended regex; Esc or empty clears",
	"  p             paradigm: all, host, container, fullvirt, paravirt, sandbox",
	"  space         pause (the view freezes, tracing goes on)",
	"  r             reset: rates, totals and latencies restart from now",
	"  + / -         longer / shorter refresh interval",
	"  h or ?        this help",
	"",
	"TRAPS/s: host and container cgroups: syscalls (those seccomp or ptrace",
	"  intercepted count for their sandbox); VMs: non-idle exits; sandboxes:",
	"  seccomp and ptrace traps. paravirt: hypercalls and virtio kicks, which",
	"  are VM exits too. The p filter's paravirt shows VMs that made any.",
	"MEAN, P99: latency since the start or the last reset (log2 histogram).",
	"TRAP CPU%: time inside traps over the interval / (interval x CPUs);",
	"  a syscall that blocks (read, poll) counts its wait.",
	"",
	"Press any key to go back.",
};

void top_frame__help(struct top_frame *fr, const struct top_info *info)
{
	(void)info;
	for (size_t i = 0; i < sizeof(help_text) / sizeof(help_text[0]); i++)
		top_frame__add(fr, i ? TOP_A_NORMAL : TOP_A_TITLE, "%s", help_text[i]);
}
