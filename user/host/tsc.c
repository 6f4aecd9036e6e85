// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* This host's TSC rate: see tsc.h. */
#include <stdio.h>
#include <stdlib.h>
#include "host/tsc.h"

#define TSC_FREQ_KHZ_PATH "/sys/devices/system/cpu/cpu0/tsc_freq_khz"
#define CPUINFO_PATH "/proc/cpuinfo"
#define HZ_PER_KHZ 1e3
#define HZ_PER_MHZ 1e6

bool tsc_rate_kernel(double *hz)
{
	FILE *f = fopen(TSC_FREQ_KHZ_PATH, "re");
	double khz;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%lf", &khz) == 1 && khz > 0;
	fclose(f);
	if (ok)
		*hz = khz * HZ_PER_KHZ;
	return ok;
}

double tsc_rate_host(void)
{
	char *line = NULL;
	size_t cap = 0;
	double hz = 0, mhz;
	FILE *f;

	if (tsc_rate_kernel(&hz))
		return hz;
	f = fopen(CPUINFO_PATH, "re");
	if (!f)
		return 0;
	while (getline(&line, &cap, f) > 0)
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1 && mhz > 0) {
			hz = mhz * HZ_PER_MHZ;
			break;
		}
	free(line);
	fclose(f);
	return hz;
}
