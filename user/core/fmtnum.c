// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The shortest round-trip text of a double (core/fmtnum.h). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/fmtnum.h"

/* Integers below this have at most 15 digits: %.15g prints them in full. */
#define INT15_LIMIT 1e15

const char *fmt_double(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
		return buf;
	}
	if (isinf(v)) {
		snprintf(buf, len, "%s", v > 0 ? "+Inf" : "-Inf");
		return buf;
	}
	/*
	 * An integer of 15 digits or fewer (counts, bucket counts: most of
	 * what vflow prints) is its own shortest form; %.15g would print it
	 * the same, and it reads back, so neither a second try nor strtod is
	 * needed (both cost a daemon that renders every interval).
	 */
	if (fabs(v) < INT15_LIMIT && v == trunc(v)) {
		snprintf(buf, len, "%.0f", v);
		return buf;
	}
	/*
	 * Every decimal of DBL_DIG (15) significant digits survives a trip
	 * through a double, and %g drops trailing zeros, so %.15g is the
	 * shortest form wherever one of 15 digits or fewer reads back;
	 * DBL_DECIMAL_DIG (17) always does.
	 */
	for (int prec = DBL_DIG; prec <= DBL_DECIMAL_DIG; prec++) {
		snprintf(buf, len, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}
