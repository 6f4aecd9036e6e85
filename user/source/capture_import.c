// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Which reader a capture needs, and perf.data's: `perf script` in a child
 * process, its text read as any other (docs/vflowd.md says why this route).
 */
#define _GNU_SOURCE	/* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "source/capture_import.h"
#include "source/ftrace_import.h"
#include "source/tracedat_import.h"

#define PERF_BIN	"perf"
/* the longer of the two magics */
#define MAGIC_MAX	TRACEDAT_MAGIC_LEN

extern char **environ;

enum capture_kind { CAPTURE_TEXT, CAPTURE_TRACEDAT, CAPTURE_PERFDATA };

static int capture_kind(const char *path, enum capture_kind *kind, char *err, size_t err_len)
{
	char magic[MAGIC_MAX] = {};
	FILE *f = fopen(path, "re");
	size_t n;
	int e = errno;

	*kind = CAPTURE_TEXT;
	if (!f) {
		snprintf(err, err_len, "cannot open '%s': %s: give a capture (ftrace text, "
			 "trace.dat, perf.data)", path, strerror(e));
		return e ? -e : -EIO;
	}
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	if (n == TRACEDAT_MAGIC_LEN && !memcmp(magic, TRACEDAT_MAGIC, TRACEDAT_MAGIC_LEN))
		*kind = CAPTURE_TRACEDAT;
	else if (n >= PERFDATA_MAGIC_LEN && !memcmp(magic, PERFDATA_MAGIC, PERFDATA_MAGIC_LEN))
		*kind = CAPTURE_PERFDATA;
	return 0;
}

static int text_import(FILE *f, const char *path, struct snapshot **out, struct import_stats *st,
		       import_event_fn fn, void *ctx, char *err, size_t err_len)
{
	int ret = ftrace_import_events(f, out, st, fn, ctx);

	if (ret)
		snprintf(err, err_len, "failed to read '%s': %s", path, strerror(-ret));
	return ret;
}

/* `perf script -i PATH` with every field, stderr to /dev/null; its pid, the read end in *fd. */
static int perf_script_start(const char *path, pid_t *pid, int *fd)
{
	char *argv[] = { PERF_BIN, "script", "--ns", "-F", PERF_SCRIPT_FIELDS, "-i", (char *)path,
			 NULL };
	posix_spawn_file_actions_t fa;
	int p[2], ret;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	ret = posix_spawn_file_actions_init(&fa);
	if (!ret)
		ret = posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	/* its warnings ("'trace' not valid for hardware events") are not ours to show */
	if (!ret)
		ret = posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	if (!ret)
		ret = posix_spawnp(pid, PERF_BIN, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (ret) {
		close(p[0]);
		return -ret;
	}
	*fd = p[0];
	return 0;
}

static int perfdata_import(const char *path, struct snapshot **out, struct import_stats *st,
			   import_event_fn fn, void *ctx, char *err, size_t err_len)
{
	int fd = -1, status = 0, ret;
	pid_t pid = -1;
	FILE *f;

	ret = perf_script_start(path, &pid, &fd);
	if (ret) {
		snprintf(err, err_len, "cannot run `perf script` to read the perf.data '%s': %s: "
			 "install perf (Debian: linux-perf)", path, strerror(-ret));
		return ret;
	}
	f = fdopen(fd, "r");
	if (!f) {
		ret = -errno;
		close(fd);
		waitpid(pid, &status, 0);
		snprintf(err, err_len, "out of memory");
		return ret;
	}
	ret = text_import(f, path, out, st, fn, ctx, err, err_len);
	fclose(f);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (!ret) {
			snprintf(err, err_len, "`perf script -i %s` failed (status %d): run it to see why",
				 path, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			snapshot__free(*out);
			*out = NULL;
			ret = -EIO;
		}
	}
	st->format = "perf.data (perf script)";
	return ret;
}

int capture_import(const char *path, struct snapshot **out, struct import_stats *st,
		   import_event_fn fn, void *ctx, char *err, size_t err_len)
{
	enum capture_kind kind;
	FILE *f;
	int ret;

	*out = NULL;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "-"))
		return text_import(stdin, "stdin", out, st, fn, ctx, err, err_len);
	ret = capture_kind(path, &kind, err, err_len);
	if (ret)
		return ret;
	if (kind == CAPTURE_TRACEDAT)
		return tracedat_import(path, out, st, fn, ctx, err, err_len);
	if (kind == CAPTURE_PERFDATA)
		return perfdata_import(path, out, st, fn, ctx, err, err_len);
	f = fopen(path, "re");
	if (!f) {
		ret = errno ? -errno : -EIO;
		snprintf(err, err_len, "cannot open '%s': %s", path, strerror(-ret));
		return ret;
	}
	ret = text_import(f, path, out, st, fn, ctx, err, err_len);
	fclose(f);
	return ret;
}
