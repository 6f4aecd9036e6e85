// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A dump's clock, both ways: the times a user gives (seconds after the
 * first event, or the wall clock through the dump's monotonic-to-wall
 * offset) to the events' ts_ns, and an event's ts_ns to the wall clock.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "record/dumptool.h"
#include "record/dumptool_internal.h"

static __u64 first_ts(const struct dump *d)
{
	/* the events are in ts_ns order */
	return d->info.first_ns ? d->info.first_ns : d->nr_ev ? d->ev[0].ts_ns : 0;
}

/* ".123" -> ns; the rest of the string after the digits in *end */
static int parse_frac(const char *s, __u64 *ns, const char **end)
{
	__u64 scale = NS_PER_SEC / 10;

	*ns = 0;
	*end = s;
	if (*s != '.')
		return 0;
	s++;
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++, scale /= 10)
		*ns += (__u64)(*s - '0') * scale;
	*end = s;
	return 0;
}

int dump_parse_time(const struct dump *d, const char *s, __u64 *ts_ns)
{
	__u64 base = first_ts(d), off = d->info.mono_to_realtime_ns, frac, wall;
	struct tm tm = {};
	const char *rest;
	bool utc = false;
	char *end;
	time_t t;
	double v;

	if (!*s)
		return -EINVAL;
	/* seconds after the first event */
	errno = 0;
	v = strtod(s, &end);
	if (!errno && end != s && !*end && isfinite(v) && v >= 0 && v < 1e9 && !strchr(s, ':')) {
		*ts_ns = base + (__u64)llround(v * 1e9);
		return 0;
	}
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (!rest) {
		/* a time of day: on the (local) date of the first event */
		time_t first = (time_t)((base + off) / NS_PER_SEC);
		struct tm tod = {};

		rest = strptime(s, "%H:%M:%S", &tod);
		if (!rest)
			return -EINVAL;
		utc = rest[0] && rest[strspn(rest, ".0123456789")] == 'Z';
		if (utc ? !gmtime_r(&first, &tm) : !localtime_r(&first, &tm))
			return -EINVAL;
		tm.tm_hour = tod.tm_hour;
		tm.tm_min = tod.tm_min;
		tm.tm_sec = tod.tm_sec;
	}
	if (parse_frac(rest, &frac, &rest))
		return -EINVAL;
	if (*rest == 'Z') {
		utc = true;
		rest++;
	}
	if (*rest)
		return -EINVAL;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	if (t < 0)	/* (time_t)-1 is also the error return */
		return -EINVAL;
	wall = (__u64)t * NS_PER_SEC + frac;
	if (wall <= off)
		return -EINVAL;	/* before the dump's host booted */
	*ts_ns = wall - off;
	return 0;
}

const char *dumptool_fmt_wall(const struct dump *d, __u64 ts_ns, char *buf, size_t len)
{
	__u64 wall = ts_ns + d->info.mono_to_realtime_ns;
	time_t t = (time_t)(wall / NS_PER_SEC);
	struct tm tm;
	size_t n;

	/* no clock offset (an imported capture): the capture's own clock, in seconds */
	if (!d->info.mono_to_realtime_ns) {
		snprintf(buf, len, "%llu.%06llu", (unsigned long long)(ts_ns / NS_PER_SEC),
			 (unsigned long long)(ts_ns % NS_PER_SEC / NS_PER_US));
		return buf;
	}
	if (!localtime_r(&t, &tm)) {
		snprintf(buf, len, "%llu", (unsigned long long)ts_ns);
		return buf;
	}
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%06llu", (unsigned long long)(wall % NS_PER_SEC / NS_PER_US));
	return buf;
}
