// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include "host/procfs.h"

#define PROC_PATH_LEN sizeof("/proc/-2147483648/cmdline")

ssize_t procfs_read(pid_t pid, const char *file, char *buf, size_t cap)
{
	char path[PROC_PATH_LEN + 16];
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
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
