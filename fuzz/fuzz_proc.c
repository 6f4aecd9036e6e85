// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What vflow reads from /proc about other processes, whose owners choose
 * their argv, comm, exe name and cgroup: the pure parsers vmident_parse()
 * and sandbox_parse(), and the readers around them (vmident_read(),
 * sandbox_read(), proc_sched_read()), which build /proc paths from a pid
 * and have no in-memory entry point. For those, fopen(), opendir() and
 * readlink() are interposed here: while a reader runs, /proc/PID/... opens
 * the input's fields instead (fmemopen), every other path is untouched.
 *
 * Input: a selector byte, then the fields cmdline, comm, cgroup, status,
 * exe, schedstat and the parent's comm, separated by 0x1e (ASCII RS; argv
 * keeps its NULs), so one seed of real files serves every selector. A
 * missing field is a missing file (the process is gone) or a NULL argument.
 *   '0' vmident_parse(cmdline, comm, cgroup as the path) and vcpu names
 *   '1' sandbox_parse(cmdline, comm, status, exe, parent comm)
 *   '2' vmident_read, sandbox_read, proc_sched_read on /proc/4242 made of
 *       the fields (cgroup as the whole file, task/TID/status = status)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/proc_sched.h"
#include "host/sandbox.h"
#include "host/vmident.h"

#define SEP		0x1e
#define NR_FIELDS	7
#define FAKE_PID	4242
#define INPUT_MAX	(128 * 1024)	/* the readers cut argv at 64 KiB: a bit more */

/* The message is the first line the suite's report shows. */
#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_proc: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

enum { F_CMDLINE, F_COMM, F_CGROUP, F_STATUS, F_EXE, F_SCHEDSTAT, F_PARENT_COMM };

struct field {
	char *p;	/* NUL-terminated copy of exactly len bytes (+ NUL) */
	size_t len;
	bool present;
};

static struct field fields[NR_FIELDS];
static __thread bool faking;	/* only the fuzzing thread sees the fake /proc */

/* Which field stands for @path ("/proc/4242/status"), or -1: no such file. */
static int fake_file(const char *path)
{
	const char *rest;
	char *end;
	long pid;

	pid = strtol(path + strlen("/proc/"), &end, 10);
	if (end == path + strlen("/proc/") || *end != '/')
		return -1;
	rest = end + 1;
	if (pid != FAKE_PID)
		return !strcmp(rest, "comm") ? F_PARENT_COMM : -1;
	if (!strcmp(rest, "cmdline"))
		return F_CMDLINE;
	if (!strcmp(rest, "comm"))
		return F_COMM;
	if (!strcmp(rest, "cgroup"))
		return F_CGROUP;
	if (!strcmp(rest, "status"))
		return F_STATUS;
	if (!strncmp(rest, "task/", 5)) {
		const char *leaf = strrchr(rest, '/') + 1;

		if (!strcmp(leaf, "schedstat"))
			return F_SCHEDSTAT;
		if (!strcmp(leaf, "status"))
			return F_STATUS;
	}
	return -1;
}

static bool is_proc(const char *path)
{
	return faking && path && !strncmp(path, "/proc/", strlen("/proc/"));
}

FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);
	int f;

	if (!real)
		real = (FILE *(*)(const char *, const char *))dlsym(RTLD_NEXT, "fopen");
	if (!is_proc(path))
		return real(path, mode);
	f = fake_file(path);
	if (f < 0 || !fields[f].present) {
		errno = ENOENT;
		return NULL;
	}
	/* fmemopen() refuses an empty buffer */
	if (!fields[f].len)
		return real("/dev/null", "re");
	return fmemopen(fields[f].p, fields[f].len, "r");
}

DIR *opendir(const char *path)
{
	static DIR *(*real)(const char *);

	if (!real)
		real = (DIR *(*)(const char *))dlsym(RTLD_NEXT, "opendir");
	if (!is_proc(path))
		return real(path);
	/* the task list: this process's own threads, their files faked */
	if (!fields[F_SCHEDSTAT].present) {
		errno = ENOENT;
		return NULL;
	}
	return real("/proc/self/task");
}

ssize_t readlink(const char *path, char *buf, size_t len)
{
	static ssize_t (*real)(const char *, char *, size_t);
	size_t n;

	if (!real)
		real = (ssize_t (*)(const char *, char *, size_t))dlsym(RTLD_NEXT, "readlink");
	if (!is_proc(path))
		return real(path, buf, len);
	if (!fields[F_EXE].present || !fields[F_EXE].len) {
		errno = ENOENT;	/* kernel threads and zombies: no exe */
		return -1;
	}
	n = fields[F_EXE].len < len ? fields[F_EXE].len : len;
	memcpy(buf, fields[F_EXE].p, n);	/* like readlink: no NUL */
	return (ssize_t)n;
}

static void split(const uint8_t *data, size_t size)
{
	bool more = true;	/* argv, the first field, is always there */
	size_t off = 0;

	for (int i = 0; i < NR_FIELDS && more; i++) {
		const uint8_t *sep = memchr(data + off, SEP, size - off);
		size_t len = sep ? (size_t)(sep - (data + off)) : size - off;

		fields[i].p = malloc(len + 1);
		if (!fields[i].p)
			FAIL("out of memory");
		memcpy(fields[i].p, data + off, len);
		fields[i].p[len] = '\0';
		fields[i].len = len;
		fields[i].present = true;
		off += len + 1;
		more = sep != NULL;
	}
}

static void free_fields(void)
{
	for (int i = 0; i < NR_FIELDS; i++) {
		free(fields[i].p);
		fields[i] = (struct field){};
	}
}

/* The NUL-terminated field, or NULL when the input has none. */
static const char *str(int i)
{
	return fields[i].present ? fields[i].p : NULL;
}

static void check_name(const char *what, const char *name, size_t cap)
{
	size_t n = strnlen(name, cap);

	if (n == cap)
		FAIL("%s is not terminated", what);
	for (size_t i = 0; i < n; i++)
		if (name[i] < ' ' || name[i] > '~')
			FAIL("%s \"%s\" has byte 0x%02x: names reach terminals", what, name,
			     (unsigned char)name[i]);
}

static void run_vmident(void)
{
	struct vmident v;

	vmident_parse(str(F_CMDLINE), fields[F_CMDLINE].len, str(F_COMM), str(F_CGROUP),
		      FAKE_PID, &v);
	check_name("vmident name", v.name, sizeof(v.name));
	(void)vmm_kind_name(v.vmm);
	(void)vmident_vcpu_index(str(F_COMM));
	(void)vmident_vcpu_index(str(F_CGROUP));
}

static void run_sandbox(void)
{
	struct sandbox_info s;

	sandbox_parse(str(F_CMDLINE), fields[F_CMDLINE].len, str(F_COMM), str(F_STATUS),
		      str(F_EXE), str(F_PARENT_COMM), FAKE_PID, &s);
	check_name("sandbox name", s.name, sizeof(s.name));
	check_name("sandbox role", s.role, sizeof(s.role));
	if (s.seccomp_mode < -1 || s.seccomp_mode > 2 || (unsigned int)s.kind >= SANDBOX_KIND_MAX)
		FAIL("seccomp mode %d, kind %d out of range", s.seccomp_mode, (int)s.kind);
}

static void run_readers(void)
{
	struct sandbox_info s;
	struct proc_sched ps;
	struct vmident v;

	faking = true;
	if (!vmident_read(FAKE_PID, &v))
		check_name("vmident_read name", v.name, sizeof(v.name));
	if (!sandbox_read(FAKE_PID, &s))
		check_name("sandbox_read name", s.name, sizeof(s.name));
	(void)proc_sched_read(FAKE_PID, &ps);
	faking = false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size || size > INPUT_MAX)
		return 0;
	split(data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		run_vmident();
		break;
	case 1:
		run_sandbox();
		break;
	default:
		run_readers();
		break;
	}
	free_fields();
	return 0;
}
