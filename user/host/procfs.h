/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef VFLOW_PROCFS_H
#define VFLOW_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

/* Up to @cap bytes of /proc/PID/@file, or -errno; a process gone reads as -ENOENT. */
ssize_t procfs_read(pid_t pid, const char *file, char *buf, size_t cap);

#endif
