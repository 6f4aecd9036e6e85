// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A capture read once as a source (vflowd --import): one snapshot, from
 * its first event to its last, and its summary for the report. Apart from
 * source.c so that only vflowd links the capture readers.
 */
#include <stdio.h>
#include <stdlib.h>
#include "source/source.h"
#include "source/capture_import.h"

int source__open_import(struct source *s, const char *path, import_event_fn fn, void *ctx,
			char *err, size_t err_len)
{
	char *summary = NULL;
	size_t summary_len = 0;
	FILE *mf;
	int ret;

	source_init(s, SOURCE_IMPORT);
	cgroup_resolver__init_offline(&s->cg);
	ret = capture_import(path, &s->capture, &s->st, fn, ctx, err, err_len);
	if (ret)
		return ret;
	mf = open_memstream(&summary, &summary_len);
	if (mf) {
		import_stats__print_json(&s->st, mf);
		if (fclose(mf)) {
			free(summary);
			summary = NULL;
		}
	}
	s->import_json = summary;
	/* one interval: the capture's first event to its last */
	s->origin_ns = s->st.first_ns;
	s->capture->ts_ns = s->st.last_ns;
	return 0;
}

