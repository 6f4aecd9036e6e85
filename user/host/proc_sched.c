// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/proc_sched.h"
#include "host/procfs.h"


static void add_task(pid_t pid, const char *tid, struct proc_sched *out)
{
	char file[NAME_MAX + sizeof("task//schedstat")], path[PATH_MAX], line[128];
	unsigned long long run, wait;
	FILE *f;

	snprintf(file, sizeof(file), "task/%s/schedstat", tid);
	f = procfs_path(path, sizeof(path), pid, file) ? NULL : fopen(path, "re");
	if (f) {
		if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
			out->oncpu_ns += run;
			out->runq_ns += wait;
		}
		fclose(f);
	}
	snprintf(file, sizeof(file), "task/%s/status", tid);
	f = procfs_path(path, sizeof(path), pid, file) ? NULL : fopen(path, "re");
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

int proc_sched_read(pid_t pid, struct proc_sched *out)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = procfs_path(path, sizeof(path), pid, "task");
	if (ret)
		return ret;
	dir = opendir(path);
	if (!dir)
		return errno == ESRCH ? -ENOENT : -errno;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			add_task(pid, d->d_name, out);
	closedir(dir);
	return 0;
}
