// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/trap.h"
#include "record/recorder.h"

int recorder__init(struct recorder *r, size_t cap, __u64 window_ns)
{
	memset(r, 0, sizeof(*r));
	r->window_ns = window_ns;
	if (!cap)
		return 0;
	r->ev = calloc(cap, sizeof(*r->ev));
	if (!r->ev)
		return -ENOMEM;
	r->cap = cap;
	return 0;
}

void recorder__free(struct recorder *r)
{
	free(r->ev);
	r->ev = NULL;
	r->cap = r->nr = r->tail = 0;
}

static void drop_oldest(struct recorder *r)
{
	r->tail = (r->tail + 1) % r->cap;
	r->nr--;
	r->evicted++;
}

void recorder__add(struct recorder *r, const struct vflow_event *ev)
{
	r->received++;
	if (!r->cap) {
		r->evicted++;
		return;
	}
	if (r->nr == r->cap)
		drop_oldest(r);
	r->ev[(r->tail + r->nr) % r->cap] = *ev;
	r->nr++;
	/* CPUs deliver slightly out of order: age out against this event only */
	while (r->window_ns && r->nr > 1 && ev->ts_ns > r->window_ns &&
	       r->ev[r->tail].ts_ns < ev->ts_ns - r->window_ns)
		drop_oldest(r);
}

static int cmp_ts(const void *a, const void *b)
{
	const struct vflow_event *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	/* equal times: a fixed order, so two copies of the same events agree */
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->code < y->code ? -1 : x->code > y->code;
}

long recorder__copy(const struct recorder *r, struct vflow_event **out)
{
	size_t first;

	*out = NULL;
	if (!r->nr)
		return 0;
	*out = malloc(r->nr * sizeof(**out));
	if (!*out)
		return -ENOMEM;
	first = r->cap - r->tail < r->nr ? r->cap - r->tail : r->nr;
	memcpy(*out, r->ev + r->tail, first * sizeof(**out));
	memcpy(*out + first, r->ev, (r->nr - first) * sizeof(**out));
	qsort(*out, r->nr, sizeof(**out), cmp_ts);
	return (long)r->nr;
}

int parse_duration_ns(const char *s, __u64 *out)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
	};
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!*end) {
		if (v != 0)	/* a bare number is ambiguous unless it is 0 */
			return -EINVAL;
		*out = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v * units[i].ns > 1e18)
			return -EINVAL;
		*out = (__u64)(v * units[i].ns + 0.5);
		return 0;
	}
	return -EINVAL;
}

static int parse_value(const char *s, bool durations, __u64 *out)
{
	char *end;
	unsigned long long v;

	if (durations)
		return parse_duration_ns(s, out);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > 0xffffffffULL)
		return -EINVAL;
	*out = v;
	return 0;
}

int rec_parse_spec(const char *spec, bool durations, __u64 out[VFLOW_REC_MAX], char *err, size_t len)
{
	const char *what = durations ? "a duration like 10ms, 250us or 0 (off)" :
				       "a count like 1000, or 0 (off)";
	__u64 v[VFLOW_REC_MAX];
	char buf[256], *save = NULL, *tok;

	memcpy(v, out, sizeof(v));
	if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf) || !buf[0])
		goto bad;
	if (!strchr(buf, '=')) {
		__u64 all;

		if (parse_value(buf, durations, &all))
			goto bad;
		for (int c = 0; c < VFLOW_REC_MAX; c++)
			out[c] = all;
		return 0;
	}
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		int c;

		if (!eq)
			goto bad;
		*eq = '\0';
		for (c = 0; c < VFLOW_REC_MAX; c++)
			if (!strcmp(tok, trap_rec_class_name(c)))
				break;
		if (c == VFLOW_REC_MAX) {
			snprintf(err, len, "unknown class '%s' in '%s': use syscall, vm or sandbox",
				 tok, spec);
			return -EINVAL;
		}
		if (parse_value(eq + 1, durations, &v[c]))
			goto bad;
	}
	memcpy(out, v, sizeof(v));
	return 0;
bad:
	snprintf(err, len, "invalid value '%s': give %s, for every class or as "
		 "CLASS=VALUE[,CLASS=VALUE] (classes: syscall, vm, sandbox)", spec, what);
	return -EINVAL;
}
