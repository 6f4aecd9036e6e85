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

/*
 * A config file's text, line by line: the text is copied once, so that
 * the parsers can cut each line in place. A NUL byte ends its line's
 * string, as it would after getline().
 */
struct conf_lines {
	char *buf;
	size_t len, pos;
};

/* 0, or -ENOMEM */
int conf_lines__init(struct conf_lines *it, const char *text, size_t len);
/* The next line without its newline, or NULL after the last. */
char *conf_lines__next(struct conf_lines *it);
void conf_lines__free(struct conf_lines *it);

#endif
