/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a record made on this machine says about the machine: its name,
 * kernel, boot, clock source, and the offset from CLOCK_MONOTONIC (the
 * events' clock) to the wall clock, so that a dump read elsewhere still
 * places its events in time (docs/DUMP.md).
 */
#ifndef VFLOW_HOST_FACTS_H
#define VFLOW_HOST_FACTS_H

#include <linux/types.h>

#define HOST_FACTS_BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"
#define HOST_FACTS_CLOCKSOURCE_PATH "/sys/devices/system/clocksource/clocksource0/current_clocksource"

struct host_facts {
	char hostname[64];		/* uname -n */
	char kernel[128];		/* uname -r and -v */
	char boot_id[40];		/* HOST_FACTS_BOOT_ID_PATH */
	char clocksource[32];		/* HOST_FACTS_CLOCKSOURCE_PATH */
	__u64 realtime_ns;		/* CLOCK_REALTIME when read */
	__u64 mono_to_realtime_ns;	/* add to a CLOCK_MONOTONIC time for the wall clock */
};

/*
 * Read them. The boot id and the clock source are read under @root (NULL:
 * the real /proc and /sys), so a test can give a tree of its own; a file
 * that cannot be read leaves its field "", a longer line is cut to fit.
 * The name, the kernel and the clocks are always this machine's.
 */
void host_facts__read(const char *root, struct host_facts *out);

#endif
