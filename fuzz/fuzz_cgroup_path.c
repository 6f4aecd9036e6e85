// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * workload_parse() on a cgroup v2 path. Paths come from the kernel (BPF
 * events, /proc/PID/cgroup), and container runtimes and users choose their
 * names: every byte but NUL is possible.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/workload.h"

/* PATH_MAX-ish paths and a little more: longer ones only repeat components */
#define PATH_BYTES_MAX	8192

/* The message is the first line the suite's report shows. */
#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_cgroup_path: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload w;
	char *path;

	if (size > PATH_BYTES_MAX)
		return 0;
	/* a heap copy of exactly size + 1 bytes: ASan sees any read past the NUL */
	path = malloc(size + 1);
	if (!path)
		return 0;
	memcpy(path, data, size);
	path[size] = '\0';
	if (!workload_parse(path, &w)) {
		/* every answer must be a terminated string */
		if (strnlen(w.id, sizeof(w.id)) == sizeof(w.id) ||
		    strnlen(w.pod_uid, sizeof(w.pod_uid)) == sizeof(w.pod_uid) ||
		    strnlen(w.name, sizeof(w.name)) == sizeof(w.name))
			FAIL("an unterminated id, pod uid or name");
		if ((unsigned int)w.runtime >= WORKLOAD_RT_MAX)
			FAIL("runtime %d out of range", (int)w.runtime);
		(void)workload_runtime_name(w.runtime);
		(void)workload_qos_name(w.qos);
	}
	free(path);
	return 0;
}
