// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Finding and loading the model's constants and advice rules, for every front-end. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/model_files.h"

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

