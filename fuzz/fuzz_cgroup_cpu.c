// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cgroup files vflow reads for on-CPU time and run-queue pressure
 * (user/host/cgroup_cpu.c). The kernel writes them, but their format
 * grows lines and fields across versions, and a fixture or a foreign
 * mount may hold anything.
 *
 * Input: the texts of a cgroup's cpu.stat, its cpu.pressure and its one
 * child's cpu.stat, separated by 0x1e (ASCII RS). Each goes through its
 * parser, then all three into a fixture tree (a temporary folder) read
 * by cgroup_cpu_read(): its own time never exceeds its usage.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "host/cgroup_cpu.h"

#define SEP		0x1e
#define NR_FIELDS	3
#define INPUT_MAX	4096	/* the reader takes 1 KiB of each file: a bit more */
#define ROOT_LEN	256

#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_cgroup_cpu: " __VA_ARGS__);	\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

static char root[ROOT_LEN];

static void put(const char *rel, const char *text, size_t len)
{
	char path[ROOT_LEN + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f)
		FAIL("cannot write the fixture %s", path);
	fwrite(text, 1, len, f);
	fclose(f);
}

/* the fixture folder goes when the fuzzer exits */
static void cleanup(void)
{
	static const char *const rel[] = {
		"a/b/cpu.stat", "a/cpu.stat", "a/cpu.pressure", "a/b", "a", "",
	};
	char path[ROOT_LEN + 32];

	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, rel[i]);
		remove(path);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const files[NR_FIELDS] = { "a/cpu.stat", "a/cpu.pressure", "a/b/cpu.stat" };
	char *field[NR_FIELDS] = {}, *text;
	size_t len[NR_FIELDS] = {}, start = 0, k = 0;
	struct cgroup_cpu c;
	__u64 v;

	if (size > INPUT_MAX)
		return 0;
	if (!root[0]) {
		snprintf(root, sizeof(root), "%s/vflow-fuzz-cgcpu.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		if (!mkdtemp(root))
			FAIL("cannot make a fixture folder");
		atexit(cleanup);
	}
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i <= size && k < NR_FIELDS; i++) {
		if (i < size && data[i] != SEP)
			continue;
		text[i] = '\0';
		field[k] = text + start;
		len[k++] = i - start;
		start = i + 1;
	}
	/* the parsers see C strings (the reader's buffer is NUL-terminated too) */
	if (field[0])
		(void)cgroup_cpu_parse_stat(field[0], &v);
	if (field[1])
		(void)cgroup_cpu_parse_pressure(field[1], &v);
	{
		char dir[ROOT_LEN + 8];

		snprintf(dir, sizeof(dir), "%s/a", root);
		mkdir(dir, 0700);
		snprintf(dir, sizeof(dir), "%s/a/b", root);
		mkdir(dir, 0700);
	}
	for (k = 0; k < NR_FIELDS; k++)
		put(files[k], field[k] ? field[k] : "", field[k] ? len[k] : 0);
	if (!cgroup_cpu_read(root, "/a", &c) && c.self_ns > c.usage_ns)
		FAIL("own time %llu over usage %llu", (unsigned long long)c.self_ns,
		     (unsigned long long)c.usage_ns);
	free(text);
	return 0;
}
