/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef VFLOW_MODEL_FILES_H
#define VFLOW_MODEL_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include "core/model.h"
#include "core/advice.h"

/* The document's constants with this host's TSC rate (host/tsc.c). */
void model_config__defaults(struct model_config *c);
/*
 * A model config file over @c's values: 0, or -errno with "PATH: ..." or
 * "PATH:LINE: what is wrong: what to do" in @err; @c is unchanged on error.
 */
int model_config__load(struct model_config *c, const char *path, char *err, size_t err_len);
/* An advice rules file into @rs, as advice_rules__parse: 0, or -errno with the line in @err. */
int advice_rules__load(struct advice_rules *rs, const char *path, char *err, size_t err_len);

/*
 * The model's constants and the advice rules: a file named by the caller
 * (non-NULL path) must load; the shipped defaults ($VFLOW_CONFIG_DIR,
 * ../config beside the binary, /etc/vflow) may be missing (built-in
 * constants, no advice), which is said once on stderr. 0 or -errno with a
 * one-line message in @err.
 */
int model_files__load(const char *model_path, const char *advice_path, struct model_config *mc,
		      struct advice_rules *ar, bool *have_advice, char *err, size_t err_len);

#endif
