// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/proc_sched.h"

#define TASK_PATH_LEN (PATH_MAX + 64)

static void add_task(const char *root, pid_t pid, const char *tid, struct proc_sched *out)
{
	char path[TASK_PATH_LEN + 288], line[128];	/* + a d_name (<= 255) */
	unsigned long long run, wait;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/task/%s/schedstat", root, (int)pid, tid);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
			out->oncpu_ns += run;
			out->runq_ns += wait;
		}
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/%d/task/%s/status", root, (int)pid, tid);
	f = fopen(path, "re");
	if (!f)
		return;	/* the thread exited meanwhile */
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "voluntary_ctxt_switches: %llu", &run) == 1)
			out->switches_vol += run;
		else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &run) == 1)
			out->switches_invol += run;
	}
	fclose(f);
}

int proc_sched_read_at(const char *proc_root, pid_t pid, struct proc_sched *out)
{
	char path[TASK_PATH_LEN];
	struct dirent *d;
	DIR *dir;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/%d/task", proc_root, (int)pid);
	dir = opendir(path);
	if (!dir)
		return errno == ESRCH ? -ENOENT : -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			add_task(proc_root, pid, d->d_name, out);
	closedir(dir);
	return 0;
}

int proc_sched_read(pid_t pid, struct proc_sched *out)
{
	return proc_sched_read_at(PROC_ROOT, pid, out);
}
