/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * vflowtop in pieces: the view (a report made into filtered, sorted rows),
 * the frame (rows made into lines of text, the same for batch output and
 * the screen) and the screen (ncurses and keys). vflowtop.c ties them to
 * the engine. Only vflowtop links top_*.o, so only it needs ncurses.
 */
#ifndef VFLOW_TOP_SHARED_H
#define VFLOW_TOP_SHARED_H

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "report/report.h"

#define TOP_NAME_LEN	128
#define TOP_REASON_LEN	64
#define TOP_LINE_MAX	512	/* widest line drawn: wider terminals get blank space */
#define TOP_PROMPT_LEN	128
#define TOP_MSG_LEN	192
#define TOP_PARADIGM_ALL (-1)	/* the paradigm filter that lets everything through */

enum top_type { TOP_CGROUP = 0, TOP_VM, TOP_SANDBOX };

/* Entity table columns, in screen order: s and S walk this order. */
enum top_col {
	TOP_COL_NAME = 0,
	TOP_COL_PARADIGM,
	TOP_COL_KIND,
	TOP_COL_RATE,
	TOP_COL_REASON,
	TOP_COL_MEAN,
	TOP_COL_P99,
	TOP_COL_CPU,
	TOP_COL_RUNQ,			/* wide terminals only */
	TOP_COL_ETA,
	TOP_COL_MAX,
};

/* One row of the entity table. */
struct top_item {
	enum top_type type;
	__u64 key;			/* cgroup id, VMM pid, sandbox's first pid */
	char name[TOP_NAME_LEN];
	enum vflow_paradigm paradigm;
	bool paravirt;			/* a VM that made hypercalls or virtio kicks */
	bool gone;
	const char *kind;		/* runtime, VMM or sandbox kind */
	char reason[TOP_REASON_LEN];
	double rate;			/* traps per second over the interval */
	double mean_ns, p99_ns;		/* since the baseline; mean < 0: nothing timed */
	double cpu_pct;			/* the model's trap share of on-CPU time, % */
	double runq_ns;			/* mean run-queue wait this interval; < 0: not known */
	double eta;			/* the model's efficiency, 0..1; < 0: no figure */
	bool eta_out;			/* outside the document's band */
	const void *src;		/* its entity, vm_entity or sandbox_entity */
};

/* The traps of one paradigm, over every entity (filters do not apply). */
struct top_paradigm_sum {
	double rate;
	double cpu_pct;
	struct trap_row cum;		/* since the baseline: latency */
};

struct top_filter {
	int paradigm;			/* enum vflow_paradigm or TOP_PARADIGM_ALL */
	bool has_re;
	regex_t re;			/* on NAME */
	char re_text[TOP_PROMPT_LEN];
	pid_t pid;			/* -p; 0: none */
	char pid_cgroup[PATH_MAX];	/* the cgroup of pid, last read ("" before) */
	const char *cgroup;		/* --cgroup; NULL: none */
};

struct top_view {
	struct top_item *items;
	size_t nr_items;		/* that pass the filters */
	size_t nr_all;			/* before the filters */
	struct top_paradigm_sum par[VFLOW_PARADIGM_MAX];
};

/* One row of the drill-down: a syscall, exit reason or sandbox action. */
struct top_drow {
	const struct trap_row *row;	/* since the baseline */
	double rate;
	char name[48];
	const char *what;		/* VM: bucket; sandbox: action; else "" */
	long long id;			/* VM: vCPU; sandbox: pid; else -1 */
};

/* What does not change while vflowtop runs. */
struct top_info {
	char kernel[65];		/* uname -r */
	bool guest;			/* "hypervisor" among the CPU flags */
	size_t probes_live, probes_absent;
	int ncpus;
	bool utf8;			/* the terminal takes UTF-8: the eta is drawn */
	int batch_width;
};

enum top_screen { TOP_SCR_MAIN = 0, TOP_SCR_DETAIL, TOP_SCR_HELP };

/* What the user chose, and where the screen stands. */
struct top_state {
	double interval_s;
	bool paused;
	bool was_reset;			/* the baseline is a reset, not the start */
	enum top_col sort;
	struct top_filter filter;
	enum top_screen screen, back;	/* back: where help returns to */
	size_t sel, scroll;		/* main: selected item, first item drawn */
	enum top_type sel_type;		/* the selected entity, kept across frames */
	__u64 sel_key;
	bool sel_valid;
	size_t dsel, dscroll;		/* drill-down: selected row, first row drawn */
	bool prompting;			/* typing a filter regex */
	char prompt[TOP_PROMPT_LEN];
	size_t prompt_len;
	char msg[TOP_MSG_LEN];		/* shown in the footer until the next key */
};

/* Actions a key asks of the main loop (bits). */
#define TOP_ACT_REDRAW	0x1
#define TOP_ACT_QUIT	0x2
#define TOP_ACT_RESET	0x4
#define TOP_ACT_PAUSE	0x8	/* paused was toggled */
#define TOP_ACT_REVIEW	0x10	/* sort or filters changed: rebuild the view */

/* The command line. */
struct top_args {
	double interval_s;
	long iterations;	/* 0: until q or a signal */
	bool batch, json;
	pid_t pid;
	const char *cgroup;
	int paradigm;		/* TOP_PARADIGM_ALL or a paradigm */
	const char *attach;	/* --attach: a vflowd's control socket instead of own BPF */
	const char *replay;	/* --replay: a dump file instead of own BPF */
	double speed;		/* --speed: dump seconds per second of replay */
};

/* top_args.c: 0, or -EINVAL after one line on stderr; exits for --help and --version */
int top_args__parse(int argc, char **argv, struct top_args *a);

/* top_view.c */
int top_view__build(struct top_view *v, const struct report *r, struct top_filter *f, int ncpus);
void top_view__sort(struct top_view *v, enum top_col col);
void top_view__free(struct top_view *v);
/* The report restricted to what passes @f (for --json); free with top_report__unfilter. */
int top_report__filter(const struct report *r, struct top_filter *f, struct report *out);
void top_report__unfilter(struct report *out);
int top_filter__set_re(struct top_filter *f, const char *text, char *err, size_t err_len);
void top_filter__clear_re(struct top_filter *f);
/* The cgroup v2 path of @pid (its "0::" line); 0 or -errno. */
int top_pid_cgroup(pid_t pid, char *buf, size_t len);
const char *top_col_name(enum top_col c);
/* "all", "host", ...; the p key's order */
const char *top_paradigm_filter_name(int p);
int top_paradigm_filter_next(int p);
/* TOP_PARADIGM_ALL, a paradigm, or -2 for an unknown name */
int top_paradigm_filter_parse(const char *s);
/* total_ns over the timed traps, or -1 when none was timed */
/* Printable ASCII copy of @s, '?' for anything else (names come from /proc). */
void top_copy_name(char *dst, size_t len, const char *s);

/* top_detail.c */
int top_detail__build(const struct top_item *it, const struct report *r, struct top_drow **out,
		      size_t *nr);

/* top_frame.c: lines of text, for the screen or for stdout */
enum top_attr {
	TOP_A_NORMAL = 0,
	TOP_A_TITLE,		/* the header lines */
	TOP_A_HEADER,		/* column headers */
	TOP_A_SELECTED,
	TOP_A_DIM,		/* gone entities, footnotes */
	TOP_A_WARN,		/* paused, events lost, errors */
	TOP_A_BAR,		/* histogram bars */
	TOP_A_MAX,
};

struct top_line {
	enum top_attr attr;
	int hl_off, hl_len;	/* a span drawn in reverse video (the sort column) */
	char text[TOP_LINE_MAX];
};

struct top_frame {
	struct top_line *lines;
	size_t nr, cap;
	int width;
	bool oom;		/* a line could not be added */
};

void top_frame__reset(struct top_frame *fr, int width);
void top_frame__free(struct top_frame *fr);
struct top_line *top_frame__add(struct top_frame *fr, enum top_attr attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* @r may be NULL (no interval yet); @height 0: every row (batch) */
void top_frame__main(struct top_frame *fr, const struct top_info *info, struct top_state *st,
		     const struct report *r, const struct top_view *v, int height);
void top_frame__header(struct top_frame *fr, const struct top_info *info,
		       const struct top_state *st, const struct report *r);
void top_frame__footer(struct top_frame *fr, const struct top_state *st, const char *keys);
void top_frame__print(const struct top_frame *fr, FILE *f);
/* top_frame.c: cells */
#define TOP_PUT_RIGHT	0x1	/* right-aligned (numbers) */
#define TOP_PUT_MID	0x2	/* too long: cut in the middle ("seccomp:sec..:4242") */
int top_put(char *line, int pos, int width, const char *s, unsigned int flags);
const char *top_fmt_rate(double rate, char *buf, size_t len);
const char *top_fmt_lat(double ns, char *buf, size_t len);

/* top_detail.c */
void top_frame__detail(struct top_frame *fr, const struct top_info *info, struct top_state *st,
		       const struct report *r, const struct top_item *it,
		       const struct top_drow *rows, size_t nr, int height);
void top_frame__help(struct top_frame *fr, const struct top_info *info);

/* top_ui.c: ncurses */
int top_ui__start(char *err, size_t err_len);
void top_ui__stop(void);
void top_ui__draw(const struct top_frame *fr);
void top_ui__size(int *width, int *height);
#define TOP_NO_KEY (-1)
int top_ui__getkey(void);	/* TOP_NO_KEY when none is waiting */
unsigned int top_ui__key(struct top_state *st, int ch, const struct top_view *v, size_t nr_drows,
			 int height);
/*
 * Keep the selected entity selected in a new or re-sorted view (@find), or
 * note which one is now selected. False when it is not in the view; in the
 * drill-down it then stays the one asked for.
 */
bool top_ui__follow(struct top_state *st, const struct top_view *v, bool find);

#endif
