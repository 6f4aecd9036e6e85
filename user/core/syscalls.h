/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef VFLOW_SYSCALLS_H
#define VFLOW_SYSCALLS_H

#include <linux/types.h>
#include <stddef.h>

/* Name of syscall @nr on this architecture; "sys_<nr>" for unknown numbers. */
const char *syscall_name(__u32 nr, char *buf, size_t len);
/* Number of the syscall called @name, or -1. */
int syscall_nr(const char *name);

#endif
