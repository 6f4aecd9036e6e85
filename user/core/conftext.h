/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by the parsers of vflow's line-oriented config files. */
#ifndef VFLOW_CONFTEXT_H
#define VFLOW_CONFTEXT_H

#include <stddef.h>

/* "PATH:LINE: <fmt>" into @err; returns -EINVAL. */
int conf_fail(char *err, size_t len, const char *path, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* @s without its leading and trailing white space (changed in place). */
char *conf_trim(char *s);

#endif
