// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowtop's screen: ncurses, one erase + draw + refresh per frame (no
 * flicker, no escape sequences of our own), and what each key does.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>
#include "vflowtop/top_shared.h"

#define ESC_DELAY_MS	25	/* a lone Esc, not the start of an arrow key's sequence */
#define CH_ESC		27
#define CH_DEL		127
#define CH_CTRL_H	8
#define CH_CTRL_U	21
#define CH_PRINT_FIRST	0x20
#define CH_PRINT_LAST	0x7e
#define MAIN_FIXED_ROWS	12	/* lines of the main screen that are not entity rows */
#define DETAIL_FIXED	8

/* interval steps for + and -: a 1-2-5 ladder, as on a scope */
static const double interval_steps[] = { 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 60 };
#define NR_STEPS (sizeof(interval_steps) / sizeof(interval_steps[0]))

enum { PAIR_TITLE = 1, PAIR_HEADER, PAIR_WARN, PAIR_BAR, PAIR_SELECTED };

static SCREEN *screen;
static bool color;
static attr_t attrs[TOP_A_MAX];
static attr_t hl_attr;
static short hl_pair;

/* Errors and exit() paths: the terminal comes back whatever happens. */
static void ui_atexit(void)
{
	top_ui__stop();
}

static void set_attrs(void)
{
	short bg = -1;

	attrs[TOP_A_NORMAL] = A_NORMAL;
	attrs[TOP_A_TITLE] = A_BOLD;
	attrs[TOP_A_HEADER] = A_BOLD | A_UNDERLINE;
	attrs[TOP_A_SELECTED] = A_REVERSE;
	attrs[TOP_A_DIM] = A_DIM;
	attrs[TOP_A_WARN] = A_BOLD;
	attrs[TOP_A_BAR] = A_NORMAL;
	hl_attr = A_REVERSE | A_BOLD;
	hl_pair = 0;
	/* colour only where the terminal has it and the user did not opt out */
	color = has_colors() && !getenv("NO_COLOR");
	if (!color)
		return;
	start_color();
	if (use_default_colors() == ERR)
		bg = COLOR_BLACK;
	init_pair(PAIR_TITLE, COLOR_CYAN, bg);
	init_pair(PAIR_HEADER, COLOR_BLACK, COLOR_GREEN);
	init_pair(PAIR_WARN, COLOR_RED, bg);
	init_pair(PAIR_BAR, COLOR_GREEN, bg);
	init_pair(PAIR_SELECTED, COLOR_BLACK, COLOR_CYAN);
	attrs[TOP_A_TITLE] = A_BOLD | COLOR_PAIR(PAIR_TITLE);
	attrs[TOP_A_HEADER] = COLOR_PAIR(PAIR_HEADER);
	attrs[TOP_A_SELECTED] = COLOR_PAIR(PAIR_SELECTED);
	attrs[TOP_A_WARN] = A_BOLD | COLOR_PAIR(PAIR_WARN);
	attrs[TOP_A_BAR] = COLOR_PAIR(PAIR_BAR);
	hl_pair = PAIR_HEADER;
}

int top_ui__start(char *err, size_t err_len)
{
	static bool registered;
	const char *term = getenv("TERM");

	/* newterm, not initscr: a bad TERM is an error to report, not an exit */
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		snprintf(err, err_len, "cannot drive terminal type '%s': set TERM, or use -b",
			 term ? term : "");
		return -1;
	}
	if (!registered && !atexit(ui_atexit))
		registered = true;
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	set_escdelay(ESC_DELAY_MS);
	set_attrs();
	return 0;
}

void top_ui__stop(void)
{
	if (!screen)
		return;
	if (!isendwin())
		endwin();
	delscreen(screen);
	screen = NULL;
}

void top_ui__size(int *width, int *height)
{
	getmaxyx(stdscr, *height, *width);
}

int top_ui__getkey(void)
{
	int ch = getch();

	return ch == ERR ? TOP_NO_KEY : ch;
}

void top_ui__draw(const struct top_frame *fr)
{
	int rows = LINES;

	erase();
	for (size_t i = 0; i < fr->nr && (int)i < rows; i++) {
		const struct top_line *l = &fr->lines[i];

		attrset(attrs[l->attr]);
		mvaddstr(i, 0, l->text);
		if (l->hl_len > 0)
			mvchgat(i, l->hl_off, l->hl_len, hl_attr, hl_pair, NULL);
	}
	attrset(A_NORMAL);
	wnoutrefresh(stdscr);
	doupdate();
}

static void step_interval(struct top_state *st, int dir)
{
	if (dir > 0) {
		for (size_t i = 0; i < NR_STEPS; i++)
			if (interval_steps[i] > st->interval_s + 1e-9) {
				st->interval_s = interval_steps[i];
				break;
			}
	} else {
		for (size_t i = NR_STEPS; i-- > 0;)
			if (interval_steps[i] < st->interval_s - 1e-9) {
				st->interval_s = interval_steps[i];
				break;
			}
	}
	snprintf(st->msg, sizeof(st->msg), "interval %.3gs", st->interval_s);
}

static unsigned int prompt_key(struct top_state *st, int ch)
{
	char err[TOP_MSG_LEN / 2];

	switch (ch) {
	case CH_ESC:
		st->prompting = false;
		top_filter__clear_re(&st->filter);
		return TOP_ACT_REVIEW | TOP_ACT_REDRAW;
	case '\r':
	case '\n':
	case KEY_ENTER:
		st->prompting = false;
		st->prompt[st->prompt_len] = '\0';
		if (!st->prompt_len)
			top_filter__clear_re(&st->filter);
		else if (top_filter__set_re(&st->filter, st->prompt, err, sizeof(err)))
			snprintf(st->msg, sizeof(st->msg), "bad regex '%.60s': %s", st->prompt, err);
		st->sel = st->scroll = 0;
		return TOP_ACT_REVIEW | TOP_ACT_REDRAW;
	case KEY_BACKSPACE:
	case CH_DEL:
	case CH_CTRL_H:
		if (st->prompt_len)
			st->prompt[--st->prompt_len] = '\0';
		return TOP_ACT_REDRAW;
	case CH_CTRL_U:
		st->prompt_len = 0;
		st->prompt[0] = '\0';
		return TOP_ACT_REDRAW;
	default:
		if (ch >= CH_PRINT_FIRST && ch <= CH_PRINT_LAST && st->prompt_len < sizeof(st->prompt) - 1) {
			st->prompt[st->prompt_len++] = ch;
			st->prompt[st->prompt_len] = '\0';
		}
		return TOP_ACT_REDRAW;
	}
}

/* Move a selection by @delta within [0, n). */
static size_t move_sel(size_t cur, long delta, size_t n)
{
	long v = (long)cur + delta;

	if (!n || v < 0)
		return 0;
	return (size_t)v >= n ? n - 1 : (size_t)v;
}

/* Up, Down, PgUp, PgDn, Home, End: how far; 0 for other keys. */
static long motion(int ch, size_t page, size_t n)
{
	switch (ch) {
	case KEY_UP:
	case 'k':
		return -1;
	case KEY_DOWN:
	case 'j':
		return 1;
	case KEY_PPAGE:
		return -(long)page;
	case KEY_NPAGE:
		return page;
	case KEY_HOME:
		return -(long)n;
	case KEY_END:
		return n;
	default:
		return 0;
	}
}

static unsigned int detail_key(struct top_state *st, int ch, size_t nr_drows, size_t page)
{
	long d = motion(ch, page, nr_drows);

	if (d) {
		st->dsel = move_sel(st->dsel, d, nr_drows);
		return TOP_ACT_REDRAW;
	}
	switch (ch) {
	case CH_ESC:
	case KEY_BACKSPACE:
	case CH_DEL:
	case CH_CTRL_H:
	case KEY_LEFT:
		st->screen = TOP_SCR_MAIN;
		return TOP_ACT_REVIEW | TOP_ACT_REDRAW;
	default:
		return 0;
	}
}

static unsigned int main_key(struct top_state *st, int ch, const struct top_view *v, size_t page)
{
	long d = motion(ch, page, v->nr_items);

	if (d) {
		st->sel = move_sel(st->sel, d, v->nr_items);
		top_ui__follow(st, v, false);
		return TOP_ACT_REDRAW;
	}
	switch (ch) {
	case 's':
		st->sort = (st->sort + 1) % TOP_COL_MAX;
		return TOP_ACT_REVIEW | TOP_ACT_REDRAW;
	case 'S':
		st->sort = (st->sort + TOP_COL_MAX - 1) % TOP_COL_MAX;
		return TOP_ACT_REVIEW | TOP_ACT_REDRAW;
	case '/':
		st->prompting = true;
		st->prompt_len = snprintf(st->prompt, sizeof(st->prompt), "%s", st->filter.re_text);
		return TOP_ACT_REDRAW;
	case CH_ESC:
		top_filter__clear_re(&st->filter);
		return TOP_ACT_REVIEW | TOP_ACT_REDRAW;
	case 'p':
		st->filter.paradigm = top_paradigm_filter_next(st->filter.paradigm);
		st->sel = st->scroll = 0;
		st->sel_valid = false;
		return TOP_ACT_REVIEW | TOP_ACT_REDRAW;
	case '\r':
	case '\n':
	case KEY_ENTER:
	case KEY_RIGHT:
		if (!v->nr_items)
			return 0;
		top_ui__follow(st, v, false);
		st->screen = TOP_SCR_DETAIL;
		st->dsel = st->dscroll = 0;
		return TOP_ACT_REVIEW | TOP_ACT_REDRAW;
	default:
		return 0;
	}
}

unsigned int top_ui__key(struct top_state *st, int ch, const struct top_view *v, size_t nr_drows,
			 int height)
{
	size_t page;

	if (ch == KEY_RESIZE)
		return TOP_ACT_REDRAW;
	st->msg[0] = '\0';
	if (st->prompting)
		return prompt_key(st, ch);
	if (st->screen == TOP_SCR_HELP) {
		st->screen = st->back;
		return TOP_ACT_REDRAW;
	}
	switch (ch) {
	case 'q':
		return TOP_ACT_QUIT;
	case 'h':
	case '?':
		st->back = st->screen;
		st->screen = TOP_SCR_HELP;
		return TOP_ACT_REDRAW;
	case ' ':
		st->paused = !st->paused;
		return TOP_ACT_PAUSE | TOP_ACT_REDRAW;
	case 'r':
		return TOP_ACT_RESET | TOP_ACT_REDRAW;
	case '+':
	case '=':
		step_interval(st, 1);
		return TOP_ACT_REDRAW;
	case '-':
		step_interval(st, -1);
		return TOP_ACT_REDRAW;
	}
	if (st->screen == TOP_SCR_DETAIL) {
		page = height > DETAIL_FIXED ? height - DETAIL_FIXED : 1;
		return detail_key(st, ch, nr_drows, page);
	}
	page = height > MAIN_FIXED_ROWS ? height - MAIN_FIXED_ROWS : 1;
	return main_key(st, ch, v, page);
}

bool top_ui__follow(struct top_state *st, const struct top_view *v, bool find)
{
	/* after a new frame or sort: the same entity stays selected, wherever it went */
	for (size_t i = 0; find && st->sel_valid && i < v->nr_items; i++)
		if (v->items[i].type == st->sel_type && v->items[i].key == st->sel_key) {
			st->sel = i;
			return true;
		}
	if (st->sel >= v->nr_items)
		st->sel = v->nr_items ? v->nr_items - 1 : 0;
	if (find && st->sel_valid && st->screen == TOP_SCR_DETAIL)
		return false;
	st->sel_valid = v->nr_items > 0;
	if (st->sel_valid) {
		st->sel_type = v->items[st->sel].type;
		st->sel_key = v->items[st->sel].key;
	}
	return !find && st->sel_valid;
}
