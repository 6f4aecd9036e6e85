// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The host facts a dump carries (user/host/host_facts.c): the boot id and
 * the clock source read under a root of the test's own, a missing file
 * read as "", a long line cut to its field, the name and kernel uname
 * gives, the clock offset from readings taken around the call; and the
 * dump header taking them whole (dump_info__set_host).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include "host/host_facts.h"
#include "record/dump.h"

#define NS_PER_SEC 1000000000ULL
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define BOOT_ID "0f9c3a41-6d2e-4b8a-9e57-2c1d0b7a8f63"

static char root[] = "/tmp/vflow-host-facts.XXXXXX";

/* mkdir -p of the folders of @path under the root, then the file with @text */
static void put_file(const char *path, const char *text)
{
	char full[PATH_MAX];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (char *p = full + strlen(root) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		assert_true(mkdir(full, 0700) == 0 || errno == EEXIST);
		*p = '/';
	}
	f = fopen(full, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void remove_file(const char *path)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s%s", root, path);
	assert_int_equal(unlink(full), 0);
}

static __u64 clock_ns(clockid_t id)
{
	struct timespec ts;

	assert_int_equal(clock_gettime(id, &ts), 0);
	return (__u64)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static void test_files_under_root(void **state)
{
	struct host_facts h;

	(void)state;
	put_file(HOST_FACTS_BOOT_ID_PATH, BOOT_ID "\n");
	put_file(HOST_FACTS_CLOCKSOURCE_PATH, "kvm-clock\n");
	host_facts__read(root, &h);
	assert_string_equal(h.boot_id, BOOT_ID);
	assert_string_equal(h.clocksource, "kvm-clock");

	/* a line longer than its field is cut to fit, never overflows it */
	put_file(HOST_FACTS_CLOCKSOURCE_PATH,
		 "a-clock-source-name-much-longer-than-the-field-holds\n");
	host_facts__read(root, &h);
	assert_int_equal(strlen(h.clocksource), sizeof(h.clocksource) - 1);
	assert_memory_equal(h.clocksource, "a-clock-source-name-much-longer", sizeof(h.clocksource) - 1);

	/* a file that is not there reads as "", the other one still read */
	remove_file(HOST_FACTS_CLOCKSOURCE_PATH);
	host_facts__read(root, &h);
	assert_string_equal(h.clocksource, "");
	assert_string_equal(h.boot_id, BOOT_ID);
	remove_file(HOST_FACTS_BOOT_ID_PATH);
	host_facts__read(root, &h);
	assert_string_equal(h.boot_id, "");
}

static void test_uname_and_clocks(void **state)
{
	struct host_facts h;
	struct utsname u;
	char kernel[sizeof(u.release) + sizeof(u.version) + 1];
	__u64 mono0, real0, mono1, real1;

	(void)state;
	assert_int_equal(uname(&u), 0);
	real0 = clock_ns(CLOCK_REALTIME);
	mono0 = clock_ns(CLOCK_MONOTONIC);
	host_facts__read(root, &h);
	mono1 = clock_ns(CLOCK_MONOTONIC);
	real1 = clock_ns(CLOCK_REALTIME);

	assert_string_equal(h.hostname, u.nodename);
	/* "release version", cut to the field */
	snprintf(kernel, sizeof(kernel), "%s %s", u.release, u.version);
	assert_int_equal(strlen(h.kernel), MIN(strlen(kernel), sizeof(h.kernel) - 1));
	assert_memory_equal(h.kernel, kernel, strlen(h.kernel));
	/*
	 * Orderings, not durations: each clock read inside the call lies
	 * between the test's readings around it (a wall-clock step in that
	 * instant would break the first; nothing here steps the clock).
	 */
	assert_true(real0 <= h.realtime_ns && h.realtime_ns <= real1);
	assert_true(mono0 <= h.realtime_ns - h.mono_to_realtime_ns);
	assert_true(h.realtime_ns - h.mono_to_realtime_ns <= mono1);
}

/* With no root, the real files: what the test reads from them itself. */
static void test_this_host(void **state)
{
	char boot_id[64] = "";
	struct host_facts h;
	FILE *f;

	(void)state;
	f = fopen(HOST_FACTS_BOOT_ID_PATH, "r");
	if (!f) {
		skip();
		return;
	}
	assert_non_null(fgets(boot_id, sizeof(boot_id), f));
	fclose(f);
	boot_id[strcspn(boot_id, "\n")] = '\0';
	host_facts__read(NULL, &h);
	assert_string_equal(h.boot_id, boot_id);
	assert_int_equal(strlen(h.boot_id), strlen(BOOT_ID));
}

static void test_dump_header_takes_them(void **state)
{
	struct host_facts h = {
		.hostname = "build-7", .kernel = "6.18.0 #1 SMP", .boot_id = BOOT_ID,
		.clocksource = "tsc", .realtime_ns = 1764000000123456789ULL,
		.mono_to_realtime_ns = 1763990000000000000ULL,
	};
	struct dump_info info;
	char version[sizeof(info.vflow_version)];

	(void)state;
	memset(&info, 0, sizeof(info));
	snprintf(info.trigger, sizeof(info.trigger), "SIGUSR1");
	dump_info__set_host(&info, &h);
	assert_string_equal(info.host, "build-7");
	assert_string_equal(info.kernel, "6.18.0 #1 SMP");
	assert_string_equal(info.boot_id, BOOT_ID);
	assert_string_equal(info.clocksource, "tsc");
	assert_int_equal(info.created_realtime_ns, h.realtime_ns);
	assert_int_equal(info.mono_to_realtime_ns, h.mono_to_realtime_ns);
	assert_int_equal(info.version, DUMP_FORMAT_VERSION);
	/*
	 * "VERSION (REVISION)": the revision is the one the library was
	 * built at, which an incremental build may not have rebuilt this
	 * test at, so only its place is checked
	 */
	snprintf(version, sizeof(version), "%s (", VFLOW_VERSION);
	assert_memory_equal(info.vflow_version, version, strlen(version));
	assert_true(strlen(info.vflow_version) > strlen(version) + 1);
	assert_int_equal(info.vflow_version[strlen(info.vflow_version) - 1], ')');
	/* what is not the host's stays as the caller set it */
	assert_string_equal(info.trigger, "SIGUSR1");
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(root) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files_under_root),
		cmocka_unit_test(test_uname_and_clocks),
		cmocka_unit_test(test_this_host),
		cmocka_unit_test(test_dump_header_takes_them),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
