// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The shortest round-trip text of a double (core/fmtnum.h). */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "core/fmtnum.h"

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
