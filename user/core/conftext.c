// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/conftext.h"

#define CONF_MSG_MAX 256

int conf_fail(char *err, size_t len, const char *path, size_t line, const char *fmt, ...)
{
	char msg[CONF_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err && len)
		snprintf(err, len, "%s:%zu: %s", path, line, msg);
	return -EINVAL;
}

char *conf_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int conf_lines__init(struct conf_lines *it, const char *text, size_t len)
{
	it->buf = malloc(len + 1);
	if (!it->buf)
		return -ENOMEM;
	memcpy(it->buf, text, len);
	it->buf[len] = '\0';
	it->len = len;
	it->pos = 0;
	return 0;
}

char *conf_lines__next(struct conf_lines *it)
{
	char *line = it->buf + it->pos, *nl;

	if (it->pos >= it->len)
		return NULL;
	nl = memchr(line, '\n', it->len - it->pos);
	if (nl) {
		*nl = '\0';
		it->pos = (size_t)(nl - it->buf) + 1;
	} else {
		it->pos = it->len;
	}
	return line;
}

void conf_lines__free(struct conf_lines *it)
{
	free(it->buf);
	it->buf = NULL;
}
