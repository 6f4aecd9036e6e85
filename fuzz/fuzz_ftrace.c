// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target: any bytes as an ftrace text capture for ftrace_import(). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/ftrace_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_stats st;
	struct snapshot *s = NULL;
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
		if (ftrace_import(f, &s, &st) == 0)
			snapshot__free(s);
		fclose(f);
	}
	free(copy);
	return 0;
}
