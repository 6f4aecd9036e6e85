// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Finding and reading the model's constants and advice rules, for every
 * front-end; core/model.c and core/advice.c parse what is read here.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/model_files.h"
#include "host/tsc.h"

#define READ_CHUNK 4096

/* The whole of a file in a new buffer (free() it): 0, or -errno and in @step what failed. */
static int read_file(const char *path, char **text, size_t *len, const char **step)
{
	size_t cap = 0, n = 0, got;
	char *buf = NULL, *p;
	int ret = 0;
	FILE *f;

	*step = "open";
	f = fopen(path, "re");
	if (!f)
		return -errno;
	*step = "read";
	do {
		if (n == cap) {
			p = realloc(buf, cap + READ_CHUNK);
			if (!p) {
				ret = -ENOMEM;
				break;
			}
			buf = p;
			cap += READ_CHUNK;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (!ret && ferror(f))
		ret = errno ? -errno : -EIO;
	fclose(f);
	if (ret) {
		free(buf);
		return ret;
	}
	*text = buf;
	*len = n;
	return 0;
}

void model_config__defaults(struct model_config *c)
{
	model_config__init(c, tsc_rate_host());
}

/* A parser of a config file's text: model_config__parse, advice_rules__parse. */
typedef int (*parse_fn)(void *obj, const char *text, size_t len, const char *name, char *err,
			size_t err_len);

static int parse_model(void *c, const char *text, size_t len, const char *name, char *err,
		       size_t err_len)
{
	return model_config__parse(c, text, len, name, err, err_len);
}

static int parse_advice(void *rs, const char *text, size_t len, const char *name, char *err,
			size_t err_len)
{
	return advice_rules__parse(rs, text, len, name, err, err_len);
}

/* Read @path and parse it into @obj; a file that cannot be read: "PATH: cannot open: why: @hint". */
static int load_file(const char *path, parse_fn parse, void *obj, const char *hint, char *err,
		     size_t err_len)
{
	const char *step;
	size_t len = 0;
	char *text = NULL;
	int ret;

	ret = read_file(path, &text, &len, &step);
	if (ret) {
		snprintf(err, err_len, "%s: cannot %s: %s: %s", path, step, strerror(-ret), hint);
		return ret;
	}
	ret = parse(obj, text, len, path, err, err_len);
	free(text);
	return ret;
}

int model_config__load(struct model_config *c, const char *path, char *err, size_t err_len)
{
	return load_file(path, parse_model, c, "check the path (or leave it out to use the built-in "
			 "constants)", err, err_len);
}

int advice_rules__load(struct advice_rules *rs, const char *path, char *err, size_t err_len)
{
	return load_file(path, parse_advice, rs, "check the path", err, err_len);
}

/* Where the shipped config lives: $VFLOW_CONFIG_DIR, ../config beside the binary, /etc/vflow. */
static void config_path(char *buf, size_t len, const char *file)
{
	static const char *const rel[] = { "../config", "../../config" };
	const char *env = getenv("VFLOW_CONFIG_DIR");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env && snprintf(buf, len, "%s/%s", env, file) < (int)len)
		return;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		/* build/vflowd and build/san/vflowd both find <repo>/config */
		for (size_t i = 0; slash && i < sizeof(rel) / sizeof(rel[0]); i++)
			if (snprintf(buf, len, "%s/%s/%s", exe, rel[i], file) < (int)len &&
			    !access(buf, R_OK))
				return;
	}
	snprintf(buf, len, "/etc/vflow/%s", file);
}

/*
 * The model's constants and the advice rules: a file named on the command
 * line must load; the shipped defaults may be missing (built-in constants,
 * no advice), which is said once on stderr.
 */
int model_files__load(const char *model_path, const char *advice_path, struct model_config *mc,
		      struct advice_rules *ar, bool *have_advice, char *err, size_t err_len)
{
	char path[PATH_MAX];
	int ret;

	model_config__defaults(mc);
	if (model_path) {
		ret = model_config__load(mc, model_path, err, err_len);
		if (ret)
			return ret;
	} else {
		config_path(path, sizeof(path), "model.conf");
		if (!access(path, R_OK)) {
			ret = model_config__load(mc, path, err, err_len);
			if (ret)
				return ret;
		} else {
			fprintf(stderr, "vflow: no %s: using the document's constants built in\n", path);
		}
	}
	*have_advice = false;
	if (advice_path) {
		snprintf(path, sizeof(path), "%s", advice_path);
	} else {
		config_path(path, sizeof(path), "advice.rules");
		if (access(path, R_OK)) {
			fprintf(stderr, "vflow: no %s: no advice\n", path);
			return 0;
		}
	}
	ret = advice_rules__load(ar, path, err, err_len);
	*have_advice = !ret;
	return ret;
}

