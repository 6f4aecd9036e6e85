// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include "host/procfs.h"

static const char *proc_root = PROCFS_DEFAULT_ROOT;

void procfs_set_root(const char *root)
{
	proc_root = root ? root : PROCFS_DEFAULT_ROOT;
}

const char *procfs_root(void)
{
	return proc_root;
}

int procfs_path(char *buf, size_t len, pid_t pid, const char *file)
{
	int n = snprintf(buf, len, "%s/%d/%s", proc_root, (int)pid, file);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

ssize_t procfs_read(pid_t pid, const char *file, char *buf, size_t cap)
{
	char path[PATH_MAX];
	ssize_t n;
	FILE *f;
	int ret = procfs_path(path, sizeof(path), pid, file);

	if (ret)
		return ret;
	f = fopen(path, "re");
	if (!f)
		return errno == ESRCH ? -ENOENT : -errno;
	n = (ssize_t)fread(buf, 1, cap, f);
	/* a process exiting under us fails reads with ESRCH */
	if (ferror(f))
		n = errno == ESRCH ? -ENOENT : -errno;
	fclose(f);
	return n;
}
