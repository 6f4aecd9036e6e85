// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fmt_double: the shortest text that reads back to the same double, the
 * form Prometheus's client libraries print, against known values and
 * against a brute-force search over every precision on random doubles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <float.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/fmtnum.h"

/* random doubles tried by the round-trip test: about a second here under ASan */
#define RANDOM_DOUBLES 50000
#define SEED 16

static const char *fmt(double v)
{
	static char buf[FMT_DOUBLE_LEN];

	return fmt_double(v, buf, sizeof(buf));
}

static void test_known_values(void **state)
{
	(void)state;
	/* what %.17g prints as 1.5999999999999999e-06 */
	assert_string_equal(fmt(1.6e-6), "1.6e-06");
	assert_string_equal(fmt(1600 / 1e9), "1.6e-06");
	assert_string_equal(fmt(0.1), "0.1");
	assert_string_equal(fmt(0.85), "0.85");
	assert_string_equal(fmt(0.1 + 0.2), "0.30000000000000004");
	assert_string_equal(fmt(1.0 / 3), "0.3333333333333333");
	assert_string_equal(fmt(2.0 / 3), "0.6666666666666666");
	assert_string_equal(fmt(0), "0");
	assert_string_equal(fmt(-0.0), "-0");
	/* integers, the fast path's, up to the last with 15 digits, and the first beyond */
	assert_string_equal(fmt(3000), "3000");
	assert_string_equal(fmt(-42), "-42");
	assert_string_equal(fmt(999999999999999.0), "999999999999999");
	assert_string_equal(fmt(1e15), "1e+15");
	assert_string_equal(fmt(1), "1");
	assert_string_equal(fmt(-2.5), "-2.5");
	assert_string_equal(fmt(1e21), "1e+21");
	assert_string_equal(fmt(123456789012345680.0), "1.2345678901234568e+17");
	assert_string_equal(fmt(DBL_MAX), "1.7976931348623157e+308");
	assert_string_equal(fmt(DBL_MIN), "2.2250738585072014e-308");
	/* the exporter's log2 bucket bounds: 2^34 ns, every digit of it */
	assert_string_equal(fmt(17179869184 / 1e9), "17.179869184");
	assert_string_equal(fmt(1024 / 1e9), "1.024e-06");
	assert_string_equal(fmt(NAN), "NaN");
	assert_string_equal(fmt(INFINITY), "+Inf");
	assert_string_equal(fmt(-INFINITY), "-Inf");
}

/*
 * Significant digits of a %g text: those of its mantissa between the
 * first and the last that is not 0 ("843587754911590" has 14).
 */
static int sig_digits(const char *s)
{
	int n = 0, last = 0;
	bool lead = true;

	for (; *s && *s != 'e'; s++) {
		if (*s < '0' || *s > '9' || (lead && *s == '0'))
			continue;
		lead = false;
		n++;
		if (*s != '0')
			last = n;
	}
	return last ? last : 1;
}

/* The fewest digits of any precision 1..17 that read back. */
static int shortest_digits(double v)
{
	char buf[FMT_DOUBLE_LEN];

	for (int prec = 1; prec < DBL_DECIMAL_DIG; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return sig_digits(buf);
	}
	return DBL_DECIMAL_DIG;
}

static void test_random_round_trip(void **state)
{
	uint64_t x = SEED;
	int bad = 0;

	(void)state;
	for (int i = 0; i < RANDOM_DOUBLES && bad < 5; i++) {
		uint64_t bits;
		double v;
		const char *s;

		/* xorshift64: every bit pattern alike, so every exponent */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		bits = x;
		memcpy(&v, &bits, sizeof(v));
		if (!isfinite(v))
			continue;
		s = fmt(v);
		if (strtod(s, NULL) != v) {
			fprintf(stderr, "%a printed as %s does not read back\n", v, s);
			bad++;
		} else if (fpclassify(v) == FP_NORMAL && sig_digits(s) != shortest_digits(v)) {
			fprintf(stderr, "%a printed as %s: %d digits, %d would do\n", v, s, sig_digits(s),
				shortest_digits(v));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_random_round_trip),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
