// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vflowd --calibrate: this host's trap and switch costs, and with --calibrate-out a model config. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "vflowd/vflowd.h"
#include "host/calibrate.h"
#include "host/model_files.h"

/* --calibrate: measure, print, and write a model config if asked. */
int run_calibrate(const struct args *a)
{
	struct calibration cal;
	struct model_config mc;
	char err[ENGINE_ERR_LEN], tmp[PATH_MAX];
	FILE *f;

	if (calibrate_run(&cal, err, sizeof(err))) {
		fprintf(stderr, "vflowd: calibration failed: %s\n", err);
		return 1;
	}
	calibrate_print(&cal, stdout);
	if (!a->calibrate_out)
		return 0;
	model_config__defaults(&mc);
	calibrate_apply(&cal, &mc);
	/* write beside, then rename: a reader never sees half a file */
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->calibrate_out);
	f = fopen(tmp, "we");
	if (!f || model_config__save(&mc, f) || fflush(f) || fsync(fileno(f))) {
		fprintf(stderr, "vflowd: cannot write %s: %s: choose a writable --calibrate-out\n",
			a->calibrate_out, strerror(errno));
		if (f)
			fclose(f);
		unlink(tmp);
		return 1;
	}
	fclose(f);
	if (rename(tmp, a->calibrate_out)) {
		fprintf(stderr, "vflowd: cannot write %s: %s\n", a->calibrate_out, strerror(errno));
		unlink(tmp);
		return 1;
	}
	printf("host profile written to %s (use it with --model-config)\n", a->calibrate_out);
	return 0;
}
