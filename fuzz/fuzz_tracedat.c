// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the trace.dat reader's own code, record by record.
 * libtraceevent parses the kernel's format files (tests/fixtures/tracedat,
 * found through $VFLOW_FIXTURES or from the source tree), the input is a
 * sequence of records, each one byte choosing a format, one its CPU, and
 * up to RECORD_MAX bytes of its data (a length byte first), decoded by
 * tracedat_record() and paired by the import. The file container itself
 * is libtracecmd's; tests/integration/tracedat_import.sh reads real files.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>
#include "source/tracedat_import.h"
#include "source/import_pair.h"

#define FORMAT_MAX	65536
#define RECORD_MAX	256	/* past every format's last field */
#define LONG_SIZE	8
#define TS_STEP_NS	1000	/* each record a microsecond after the last */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static const char *const formats[] = {
	"kvm_exit-6.18.format", "kvm_entry-6.18.format", "kvm_userspace_exit-6.18.format",
	"kvm_pio-6.18.format", "kvm_exit-4.19.format", "kvm_exit-2.6.32.format",
	"sched_process_exec-6.18.format",
};
#define NR_FORMATS (sizeof(formats) / sizeof(formats[0]))

static struct tep_handle *teps[NR_FORMATS];
static struct tep_event *events[NR_FORMATS];

static void load(size_t i)
{
	const char *dir = getenv("VFLOW_FIXTURES");
	char path[PATH_MAX], *buf = malloc(FORMAT_MAX);
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/tracedat/%s", dir ? dir : "tests/fixtures", formats[i]);
	f = fopen(path, "r");
	if (f) {
		n = buf ? fread(buf, 1, FORMAT_MAX, f) : 0;
		fclose(f);
	}
	teps[i] = tep_alloc();
	if (!buf || !n || !teps[i]) {
		fprintf(stderr, "fuzz_tracedat: cannot read %s: run from the source tree or set "
			"VFLOW_FIXTURES\n", path);
		exit(1);
	}
	tep_set_loglevel(TEP_LOG_NONE);
	tep_set_long_size(teps[i], LONG_SIZE);
	tep_set_file_bigendian(teps[i], TEP_LITTLE_ENDIAN);
	tep_parse_format(teps[i], &events[i], buf, n, strstr(formats[i], "sched") ? "sched" : "kvm");
	free(buf);
	if (!events[i]) {
		fprintf(stderr, "fuzz_tracedat: libtraceevent cannot parse %s\n", path);
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NR_FORMATS; i++)
		load(i);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_stats st;
	struct import_pair *p = import_pair__new(&st, NULL, NULL);
	unsigned char buf[RECORD_MAX];
	struct snapshot *s = NULL;
	size_t off = 0;
	__u64 ts = 0;

	if (!p)
		return 0;
	/* a record: format, CPU, length, data */
	while (off + 3 <= size) {
		size_t fmt = data[off] % NR_FORMATS, len = data[off + 2];
		struct tep_record rec = { .cpu = data[off + 1], .data = buf, .size = RECORD_MAX };
		struct import_record ir;
		enum import_skip why;

		off += 3;
		if (len > size - off)
			len = size - off;
		memset(buf, 0, sizeof(buf));
		memcpy(buf, data + off, len);
		off += len;
		rec.ts = ts += TS_STEP_NS;
		st.lines++;
		if (tracedat_record(teps[fmt], events[fmt], &rec, &ir, &why) != 1)
			import_stats__skip(&st, why, events[fmt]->name, strlen(events[fmt]->name));
		else if (import_pair__add(p, &ir))
			break;
	}
	if (!import_pair__finish(p, &s)) {
		if (st.lines != st.events + st.skipped) {
			fprintf(stderr, "fuzz_tracedat: %lu records, %lu events, %lu skipped\n",
				st.lines, st.events, st.skipped);
			abort();
		}
		snapshot__free(s);
	}
	import_pair__free(p);
	import_stats__free(&st);
	return 0;
}
