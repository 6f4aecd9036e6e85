/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A fixture file of tests/fixtures/ (or $VFLOW_FIXTURES) for a cmocka test:
 * include it after <cmocka.h>.
 */
#ifndef VFLOW_TEST_FIXTURE_H
#define VFLOW_TEST_FIXTURE_H

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tests/fixtures/@sub/@name, whole: malloc'd, NUL-terminated, its length in *len. */
static inline char *fixture_read(const char *sub, const char *name, size_t *len)
{
	const char *dir = getenv("VFLOW_FIXTURES");
	char path[PATH_MAX], *p = NULL;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s/%s", dir ? dir : "tests/fixtures", sub, name);
	f = fopen(path, "r");
	if (!f) {
		fail_msg("%s: %s (run from the source tree or set VFLOW_FIXTURES)", path,
			 strerror(errno));
		return NULL;
	}
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) >= 0 && !fseek(f, 0, SEEK_SET))
		p = malloc((size_t)n + 1);
	if (!p)
		fail_msg("%s: cannot read it", path);
	else
		*len = fread(p, 1, (size_t)n, f);
	fclose(f);
	if (p)
		p[*len] = '\0';
	return p;
}

#endif /* VFLOW_TEST_FIXTURE_H */
