/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the /proc readers (vmident, sandbox, proc_sched) look: the host's
 * /proc, or a directory tree standing for it, so a test can read a
 * process it made up from files it wrote.
 */
#ifndef VFLOW_PROCFS_H
#define VFLOW_PROCFS_H

#include <stddef.h>
#include <sys/types.h>

#define PROCFS_DEFAULT_ROOT "/proc"

/*
 * Read from @root from now on (NULL: PROCFS_DEFAULT_ROOT). The string must
 * outlive the readers; set it before they run (the setting is not locked).
 */
void procfs_set_root(const char *root);
const char *procfs_root(void);
/* "ROOT/PID/@file" in @buf; 0, or -ENAMETOOLONG when it does not fit @len. */
int procfs_path(char *buf, size_t len, pid_t pid, const char *file);
/* Up to @cap bytes of ROOT/PID/@file, or -errno; a process gone reads as -ENOENT. */
ssize_t procfs_read(pid_t pid, const char *file, char *buf, size_t cap);

#endif
