// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/utsname.h>
#include "host/host_facts.h"

#define NS_PER_SEC 1000000000ULL

/* The first line of a small file under @root, or "" */
static void read_line(const char *root, const char *path, char *out, size_t size)
{
	char full[PATH_MAX];
	FILE *f;

	out[0] = '\0';
	if (snprintf(full, sizeof(full), "%s%s", root ? root : "", path) >= (int)sizeof(full))
		return;
	f = fopen(full, "re");
	if (!f)
		return;
	if (fgets(out, size, f))
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/* @src into @dst of @size, cut to fit */
static void copy_cut(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts))
		return 0;
	return (__u64)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

void host_facts__read(const char *root, struct host_facts *out)
{
	struct utsname u;
	__u64 mono;

	memset(out, 0, sizeof(*out));
	if (uname(&u) == 0) {
		char kernel[sizeof(u.release) + sizeof(u.version) + 1];

		/* cut to the fields on purpose: a dump's header keeps these sizes */
		snprintf(kernel, sizeof(kernel), "%s %s", u.release, u.version);
		copy_cut(out->hostname, sizeof(out->hostname), u.nodename);
		copy_cut(out->kernel, sizeof(out->kernel), kernel);
	}
	read_line(root, HOST_FACTS_BOOT_ID_PATH, out->boot_id, sizeof(out->boot_id));
	read_line(root, HOST_FACTS_CLOCKSOURCE_PATH, out->clocksource, sizeof(out->clocksource));
	/* both clocks read back to back: the offset is good to a microsecond */
	mono = clock_ns(CLOCK_MONOTONIC);
	out->realtime_ns = clock_ns(CLOCK_REALTIME);
	out->mono_to_realtime_ns = out->realtime_ns - mono;
}
