/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Numbers as vflow prints them for machines (the exporter's samples, the
 * JSON reports, the model config): the shortest text that reads back to
 * the same double, as Prometheus's own client libraries print a float
 * (Go's strconv.FormatFloat(v, 'g', -1, 64)): 1.6e-06, never
 * 1.5999999999999999e-06.
 */
#ifndef VFLOW_FMTNUM_H
#define VFLOW_FMTNUM_H

#include <stddef.h>

/* Room for any double fmt_double writes: sign, 17 digits, point, "e-308", NUL. */
#define FMT_DOUBLE_LEN 32

/*
 * @v into @buf as the first of %.15g, %.16g and %.17g that strtod reads
 * back to exactly @v (%.15g already drops trailing zeros: 0.85, 1e-09,
 * 17.179869184); NaN, +Inf and -Inf as the Prometheus exposition formats
 * spell them (JSON has no such numbers: callers print null). Returns @buf.
 */
const char *fmt_double(double v, char *buf, size_t len);

#endif
