// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowtop's frames: the header, the paradigm table and the entity table
 * as lines of text. Batch mode prints them; the screen draws them with
 * attributes. Building text first keeps the two outputs the same.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "core/trap.h"
#include "vflowtop/top_shared.h"

#define P99		0.99
#define FRAME_GROW	64
#define ELLIPSIS	".."
#define GAP		1	/* spaces between columns */
#define WIDE_COLS	100	/* from this width on, the fixed columns get roomier */
#define EXTRA_COLS	130	/* from this width on, RUNQ and ETA are shown */
#define NAME_SHARE	55	/* % of the free width for NAME; TOP REASON gets the rest */
#define MIN_NAME	12
#define MIN_REASON	10
#define PAR_NAME_W	10
#define PAR_NUM_W	10
#define RATE_SHORT	100000.0	/* below: one decimal */
#define RATE_LONG	10000000.0	/* from here on: millions */

void top_frame__reset(struct top_frame *fr, int width)
{
	fr->nr = 0;
	fr->oom = false;
	fr->width = width < 1 ? 1 : width >= TOP_LINE_MAX ? TOP_LINE_MAX - 1 : width;
}

void top_frame__free(struct top_frame *fr)
{
	free(fr->lines);
	memset(fr, 0, sizeof(*fr));
}

/* Cut @s to @width terminal columns: UTF-8 continuation bytes take none. */
static void cut_columns(char *s, int width)
{
	int cols = 0;

	for (; *s; s++) {
		if (((unsigned char)*s & 0xc0) == 0x80)
			continue;
		if (cols++ == width)
			break;
	}
	*s = '\0';
}

struct top_line *top_frame__add(struct top_frame *fr, enum top_attr attr, const char *fmt, ...)
{
	struct top_line *l;
	va_list ap;

	if (fr->nr == fr->cap) {
		size_t cap = fr->cap + FRAME_GROW;
		void *p = realloc(fr->lines, cap * sizeof(*fr->lines));

		if (!p) {
			fr->oom = true;
			return NULL;
		}
		fr->lines = p;
		fr->cap = cap;
	}
	l = &fr->lines[fr->nr++];
	l->attr = attr;
	l->hl_off = l->hl_len = 0;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	cut_columns(l->text, fr->width);
	return l;
}

static void pad_to(char *line, int pos)
{
	int n = strlen(line);

	if (pos >= TOP_LINE_MAX)
		pos = TOP_LINE_MAX - 1;
	if (n < pos)
		memset(line + n, ' ', pos - n);
	line[pos > n ? pos : n] = '\0';
}

/*
 * Write @s in a cell of @width columns at @pos of @line (ASCII), padded;
 * too long, it is cut with ".." where it loses least: at the front of a
 * path (the leaf names it), in the middle of a name that ends in a pid
 * (TOP_PUT_MID), at the end of anything else. Returns the next cell's
 * position.
 */
int top_put(char *line, int pos, int width, const char *s, unsigned int flags)
{
	int len = strlen(s), el = sizeof(ELLIPSIS) - 1, keep = width - el, head;
	char *cell = line + pos;

	if (width <= 0 || pos + width >= TOP_LINE_MAX)
		return pos;
	pad_to(line, pos);
	memset(cell, ' ', width);
	if (len <= width) {
		memcpy(cell + (flags & TOP_PUT_RIGHT ? width - len : 0), s, len);
	} else if (keep <= 0) {
		memcpy(cell, s, width);
	} else {
		head = s[0] == '/' ? 0 : flags & TOP_PUT_MID ? keep / 2 : keep;
		memcpy(cell, s, head);
		memcpy(cell + head, ELLIPSIS, el);
		memcpy(cell + head + el, s + len - (keep - head), keep - head);
	}
	cell[width] = '\0';
	return pos + width + GAP;
}

const char *top_fmt_rate(double rate, char *buf, size_t len)
{
	if (rate < RATE_SHORT)
		snprintf(buf, len, "%.1f", rate);
	else if (rate < RATE_LONG)
		snprintf(buf, len, "%.0f", rate);
	else
		snprintf(buf, len, "%.1fM", rate / 1e6);
	return buf;
}

/* Three significant digits, so that a latency fits 7 columns: "159ns", "61.8ms". */
const char *top_fmt_lat(double ns, char *buf, size_t len)
{
	static const struct { double div; const char *unit; } units[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" }, { 1, "ns" },
	};
	size_t u = 0;
	double v;

	if (ns < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	while (u < sizeof(units) / sizeof(units[0]) - 1 && ns < units[u].div)
		u++;
	v = ns / units[u].div;
	snprintf(buf, len, v >= 100 || u == 3 ? "%.0f%s" : v >= 10 ? "%.1f%s" : "%.2f%s", v,
		 units[u].unit);
	return buf;
}

void top_frame__header(struct top_frame *fr, const struct top_info *info,
		       const struct top_state *st, const struct report *r)
{
	unsigned long long lost = r ? report__lost(r) : 0;

	top_frame__add(fr, TOP_A_TITLE, "vflow %s  kernel %s  %s", VFLOW_VERSION, info->kernel,
		       info->guest ? "guest (hypervisor flag in /proc/cpuinfo)" : "bare metal");
	top_frame__add(fr, st->paused || lost ? TOP_A_WARN : TOP_A_TITLE,
		       "probes %zu live, %zu absent  lost %llu  interval %.3gs  since %s %.1fs%s",
		       info->probes_live, info->probes_absent, lost, st->interval_s,
		       st->was_reset ? "reset" : "start", r ? r->elapsed_ns / 1e9 : 0.0,
		       st->paused ? "  PAUSED" : "");
}

static void paradigm_table(struct top_frame *fr, const struct top_info *info,
			   const struct top_view *v, const struct report *r)
{
	const char *eta = info->utf8 ? "\xce\xb7/band" : "eta/band";
	char line[TOP_LINE_MAX], b[32], band[48];
	bool have_data = r != NULL;
	int pos = 0;

	line[0] = '\0';
	pos = top_put(line, pos, PAR_NAME_W, "PARADIGM", 0);
	pos = top_put(line, pos, PAR_NUM_W, "TRAPS/s", TOP_PUT_RIGHT);
	pos = top_put(line, pos, PAR_NUM_W, "MEAN", TOP_PUT_RIGHT);
	pos = top_put(line, pos, PAR_NUM_W, "P99", TOP_PUT_RIGHT);
	top_put(line, pos, PAR_NUM_W, "TRAP CPU%", TOP_PUT_RIGHT);
	top_frame__add(fr, TOP_A_HEADER, "%s  %s", line, eta);
	for (int p = top_paradigm_filter_next(TOP_PARADIGM_ALL); p != TOP_PARADIGM_ALL;
	     p = top_paradigm_filter_next(p)) {
		const struct top_paradigm_sum *s = &v->par[p];
		double mean = have_data ? trap_row_mean_ns(&s->cum) : TRAP_UNTIMED_NS;

		line[0] = '\0';
		pos = top_put(line, 0, PAR_NAME_W, paradigm_name(p), 0);
		pos = top_put(line, pos, PAR_NUM_W, have_data ? top_fmt_rate(s->rate, b, sizeof(b)) : "-",
			      TOP_PUT_RIGHT);
		pos = top_put(line, pos, PAR_NUM_W, top_fmt_lat(mean, b, sizeof(b)), TOP_PUT_RIGHT);
		pos = top_put(line, pos, PAR_NUM_W,
			      top_fmt_lat(have_data ? trap_row_quantile_ns(&s->cum, P99) : TRAP_UNTIMED_NS,
					  b, sizeof(b)),
			      TOP_PUT_RIGHT);
		snprintf(b, sizeof(b), "%.1f%%", s->cpu_pct);
		top_put(line, pos, PAR_NUM_W, have_data ? b : "-", TOP_PUT_RIGHT);
		/* the model's eta where the paradigm ran, against its band where it has one */
		if (have_data && r->paradigms[p].valid && r->paradigms[p].res.eta.prov != PROV_UNKNOWN) {
			const struct model_result *m = &r->paradigms[p].res;

			if (m->eta_banded)
				snprintf(band, sizeof(band), "%.1f%% / %.0f-%.0f%%%s", 100 * m->eta.value,
					 100 * m->eta_lo, 100 * m->eta_hi, m->eta_out_of_band ? " !" : "");
			else
				snprintf(band, sizeof(band), "%.1f%% / no band", 100 * m->eta.value);
		} else {
			snprintf(band, sizeof(band), "-");
		}
		top_frame__add(fr, TOP_A_NORMAL, "%s  %s", line, band);
	}
	top_frame__add(fr, TOP_A_DIM, "%s: the model's efficiency / its band (! outside; - unknown).  "
		       "TRAP CPU%%: the model's C_trap / on-CPU time", eta);
}

/* Widths of the entity columns for a terminal @width wide. */
static void entity_widths(int width, int w[TOP_COL_MAX])
{
	bool wide = width >= WIDE_COLS;
	int rest;

	w[TOP_COL_PARADIGM] = 9;		/* "container" */
	w[TOP_COL_KIND] = wide ? 11 : 7;	/* "firecracker", "seccomp" */
	w[TOP_COL_RATE] = 8;			/* "TRAPS/s*", "9999999" */
	w[TOP_COL_MEAN] = w[TOP_COL_P99] = wide ? 8 : 7;	/* "99.9ms" */
	w[TOP_COL_CPU] = 10;			/* "TRAP CPU%*" */
	/* narrower terminals keep the essentials; wide ones add these */
	w[TOP_COL_RUNQ] = width >= EXTRA_COLS ? 7 : 0;	/* "RUNQ*", "99.9ms" */
	w[TOP_COL_ETA] = width >= EXTRA_COLS ? 7 : 0;	/* "ETA*", "99.9%!" */
	rest = width - (TOP_COL_MAX - 1 - 2 * (width < EXTRA_COLS)) * GAP;
	for (int c = 0; c < TOP_COL_MAX; c++)
		if (c != TOP_COL_NAME && c != TOP_COL_REASON)
			rest -= w[c];
	w[TOP_COL_NAME] = rest * NAME_SHARE / 100;
	if (w[TOP_COL_NAME] < MIN_NAME)
		w[TOP_COL_NAME] = MIN_NAME;
	w[TOP_COL_REASON] = rest - w[TOP_COL_NAME];
	if (w[TOP_COL_REASON] < MIN_REASON)
		w[TOP_COL_REASON] = MIN_REASON;
}

static bool col_right(enum top_col c)
{
	return c == TOP_COL_RATE || c == TOP_COL_MEAN || c == TOP_COL_P99 || c == TOP_COL_CPU ||
	       c == TOP_COL_RUNQ || c == TOP_COL_ETA;
}

static void entity_header(struct top_frame *fr, const struct top_state *st, const int w[TOP_COL_MAX])
{
	char line[TOP_LINE_MAX] = "", label[32];
	int pos = 0, hl_off = 0, hl_len = 0;
	struct top_line *l;

	for (int c = 0; c < TOP_COL_MAX; c++) {
		/* the sort column: a '*' and reverse video */
		snprintf(label, sizeof(label), "%s%s", top_col_name(c), c == (int)st->sort ? "*" : "");
		if (c == (int)st->sort) {
			hl_off = pos;
			hl_len = w[c];
		}
		if (w[c])
			pos = top_put(line, pos, w[c], label, col_right(c) ? TOP_PUT_RIGHT : 0);
	}
	pad_to(line, fr->width);
	l = top_frame__add(fr, TOP_A_HEADER, "%s", line);
	if (l && hl_off < fr->width) {
		l->hl_off = hl_off;
		l->hl_len = hl_off + hl_len > fr->width ? fr->width - hl_off : hl_len;
	}
}

static void entity_row(struct top_frame *fr, const struct top_item *it, const int w[TOP_COL_MAX],
		       bool selected)
{
	char line[TOP_LINE_MAX] = "", b[32];
	int pos = 0;

	pos = top_put(line, pos, w[TOP_COL_NAME], it->name, TOP_PUT_MID);
	pos = top_put(line, pos, w[TOP_COL_PARADIGM], paradigm_name(it->paradigm), 0);
	pos = top_put(line, pos, w[TOP_COL_KIND], it->kind, 0);
	pos = top_put(line, pos, w[TOP_COL_RATE], top_fmt_rate(it->rate, b, sizeof(b)), TOP_PUT_RIGHT);
	pos = top_put(line, pos, w[TOP_COL_REASON], it->reason[0] ? it->reason : "-", 0);
	pos = top_put(line, pos, w[TOP_COL_MEAN], top_fmt_lat(it->mean_ns, b, sizeof(b)), TOP_PUT_RIGHT);
	pos = top_put(line, pos, w[TOP_COL_P99],
		      top_fmt_lat(it->mean_ns < 0 ? -1 : it->p99_ns, b, sizeof(b)), TOP_PUT_RIGHT);
	snprintf(b, sizeof(b), "%.1f%%", it->cpu_pct);
	pos = top_put(line, pos, w[TOP_COL_CPU], b, TOP_PUT_RIGHT);
	if (w[TOP_COL_RUNQ])
		pos = top_put(line, pos, w[TOP_COL_RUNQ], top_fmt_lat(it->runq_ns, b, sizeof(b)),
			      TOP_PUT_RIGHT);
	if (w[TOP_COL_ETA]) {
		if (it->eta < 0)
			snprintf(b, sizeof(b), "-");
		else
			snprintf(b, sizeof(b), "%.1f%%%s", 100 * it->eta, it->eta_out ? "!" : "");
		top_put(line, pos, w[TOP_COL_ETA], b, TOP_PUT_RIGHT);
	}
	if (selected)
		pad_to(line, fr->width);
	top_frame__add(fr, selected ? TOP_A_SELECTED : it->gone ? TOP_A_DIM : TOP_A_NORMAL, "%s", line);
}

static const char main_keys[] =
	"q quit  h help  Enter details  s/S sort  / filter  p paradigm  space pause  r reset  "
	"+/- interval";

void top_frame__footer(struct top_frame *fr, const struct top_state *st, const char *keys)
{
	struct top_line *l;

	if (st->prompting)
		l = top_frame__add(fr, TOP_A_NORMAL, "filter (regex on NAME, Esc clears): %s_", st->prompt);
	else if (st->msg[0])
		l = top_frame__add(fr, TOP_A_WARN, "%s", st->msg);
	else
		l = top_frame__add(fr, TOP_A_DIM, "%s", keys);
	/* the last column of the last line would scroll some terminals */
	if (l)
		cut_columns(l->text, fr->width - 1);
}

void top_frame__main(struct top_frame *fr, const struct top_info *info, struct top_state *st,
		     const struct report *r, const struct top_view *v, int height)
{
	const struct top_filter *f = &st->filter;
	int w[TOP_COL_MAX];
	char extra[PATH_MAX + 32] = "";
	size_t vis, end;

	top_frame__header(fr, info, st, r);
	paradigm_table(fr, info, v, r);
	if (f->pid)
		snprintf(extra, sizeof(extra), "  pid %d", (int)f->pid);
	else if (f->cgroup)
		snprintf(extra, sizeof(extra), "  cgroup %s", f->cgroup);
	top_frame__add(fr, TOP_A_TITLE, "entities %zu of %zu  sort %s  paradigm %s  filter %s%s%s%s",
		       v->nr_items, v->nr_all, top_col_name(st->sort),
		       top_paradigm_filter_name(f->paradigm), f->has_re ? "/" : "",
		       f->has_re ? f->re_text : "none", f->has_re ? "/" : "", extra);
	entity_widths(fr->width, w);
	entity_header(fr, st, w);
	/* what is left between the tables and the footer */
	vis = v->nr_items;
	if (height > 0)
		vis = (size_t)height > fr->nr + 1 ? height - fr->nr - 1 : 1;
	if (st->sel >= v->nr_items)
		st->sel = v->nr_items ? v->nr_items - 1 : 0;
	if (st->sel < st->scroll)
		st->scroll = st->sel;
	if (vis && st->sel >= st->scroll + vis)
		st->scroll = st->sel - vis + 1;
	if (st->scroll + vis > v->nr_items)
		st->scroll = v->nr_items > vis ? v->nr_items - vis : 0;
	end = st->scroll + vis < v->nr_items ? st->scroll + vis : v->nr_items;
	for (size_t i = st->scroll; i < end; i++)
		entity_row(fr, &v->items[i], w, height > 0 && i == st->sel);
	if (!v->nr_items)
		top_frame__add(fr, TOP_A_DIM, "%s", !r ? "(collecting the first interval)" :
			       v->nr_all ? "(nothing matches the filters)" : "(no traps yet)");
	if (height <= 0)
		return;
	while (fr->nr + 1 < (size_t)height && !fr->oom)
		top_frame__add(fr, TOP_A_NORMAL, "%s", "");
	top_frame__footer(fr, st, main_keys);
}

void top_frame__print(const struct top_frame *fr, FILE *f)
{
	for (size_t i = 0; i < fr->nr; i++) {
		int n = strlen(fr->lines[i].text);

		while (n && fr->lines[i].text[n - 1] == ' ')
			n--;
		fprintf(f, "%.*s\n", n, fr->lines[i].text);
	}
}
