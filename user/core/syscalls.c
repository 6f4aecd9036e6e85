// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "core/syscalls.h"
#include "syscall_names.h"

#define NR_NAMES (sizeof(syscall_names_table) / sizeof(syscall_names_table[0]))

const char *syscall_name(__u32 nr, char *buf, size_t len)
{
	if (nr < NR_NAMES && syscall_names_table[nr])
		return syscall_names_table[nr];
	snprintf(buf, len, "sys_%u", nr);
	return buf;
}

int syscall_nr(const char *name)
{
	for (size_t i = 0; i < NR_NAMES; i++)
		if (syscall_names_table[i] && !strcmp(syscall_names_table[i], name))
			return (int)i;
	return -1;
}
