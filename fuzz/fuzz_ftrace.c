// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: any bytes as a text capture for ftrace_import_events()
 * (every family's line shape, reason names of every kernel and tool, the
 * pairing keys), and what the import promises: every line is an event or
 * a skip with its why, the exits counted are the exits in the rows, a
 * synthetic owner has a name, and every event handed out is an exit.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/ftrace_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_event(void *ctx, const struct vflow_event *ev)
{
	unsigned long *n = ctx;

	if (ev->kind != VFLOW_EV_TRAP || !(ev->flags & VFLOW_EVF_IMPORTED) ||
	    ev->comm[sizeof(ev->comm) - 1]) {
		fprintf(stderr, "fuzz_ftrace: an event that is no imported exit\n");
		abort();
	}
	(*n)++;
	return 0;
}

static void check(const struct import_stats *st, const struct snapshot *s, unsigned long events)
{
	unsigned long by_why = 0, exits = 0;

	for (int w = 0; w < IMPORT_SKIP_MAX; w++)
		by_why += st->skipped_by[w];
	for (size_t i = 0; i < s->nr_rows; i++)
		if (s->rows[i].kind >= VFLOW_TRAP_VMEXIT_VMX && s->rows[i].kind <= VFLOW_TRAP_VMEXIT_UNKNOWN)
			exits += s->rows[i].count + s->rows[i].skipped;
	for (size_t i = 0; i < st->nr_owners; i++)
		if (!import_stats__owner_name(st, st->owners[i].owner))
			abort();
	if (st->lines != st->events + st->skipped || by_why != st->skipped || exits != st->exits ||
	    events != st->exits || st->unpaired_exits > st->exits) {
		fprintf(stderr, "fuzz_ftrace: counts disagree: lines %lu events %lu skipped %lu "
			"(by why %lu) exits %lu (rows %lu, events %lu)\n", st->lines, st->events,
			st->skipped, by_why, st->exits, exits, events);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_stats st;
	struct snapshot *s = NULL;
	unsigned long events = 0;
	char *copy;
	FILE *f;

	/* fmemopen wants a writable buffer and refuses an empty one */
	if (!size)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	f = fmemopen(copy, size, "r");
	if (f) {
		if (ftrace_import_events(f, &s, &st, check_event, &events) == 0) {
			check(&st, s, events);
			snapshot__free(s);
		}
		import_stats__free(&st);
		fclose(f);
	}
	free(copy);
	return 0;
}
