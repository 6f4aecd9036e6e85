// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* vflowd's model constants and advice rules: loaded at start, again on SIGHUP. */
#include <stdio.h>
#include "vflowd/vflowd.h"
#include "host/model_files.h"

int model_in_use__load(struct model_in_use *m, const struct args *a)
{
	char err[ENGINE_ERR_LEN];
	int ret;

	ret = model_files__load(a->model_config, a->advice_rules, &m->mc, &m->ar, &m->have_advice,
				err, sizeof(err));
	if (ret)
		fprintf(stderr, "vflowd: %s\n", err);
	return ret;
}

void model_in_use__reload(struct model_in_use *m, const struct args *a)
{
	struct model_config nmc;
	struct advice_rules nar = {};
	bool nhave = false;
	char err[ENGINE_ERR_LEN];

	if (model_files__load(a->model_config, a->advice_rules, &nmc, &nar, &nhave, err, sizeof(err))) {
		fprintf(stderr, "vflowd: reload failed: %s; keeping the previous configuration\n", err);
		return;
	}
	/* only the main loop reads them (between intervals) */
	m->mc = nmc;
	if (m->have_advice)
		advice_rules__free(&m->ar);
	m->ar = nar;
	m->have_advice = nhave;
	fprintf(stderr, "vflowd: configuration reloaded\n");
}

const struct advice_rules *model_in_use__advice(const struct model_in_use *m)
{
	return m->have_advice ? &m->ar : NULL;
}

void model_in_use__free(struct model_in_use *m)
{
	if (m->have_advice)
		advice_rules__free(&m->ar);
	m->have_advice = false;
}
