/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A bcrypt hash for the web config tests, made with libcrypt. */
#ifndef VFLOW_TEST_BCRYPT_H
#define VFLOW_TEST_BCRYPT_H

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>

/* "$2b$" of @password at @cost into @out (CRYPT_OUTPUT_SIZE); returns @out */
static char *make_hash(const char *password, int cost, char *out)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));

	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn("$2b$", (unsigned long)cost, NULL, 0, salt, sizeof(salt)));
	assert_non_null(crypt_r(password, salt, cd));
	snprintf(out, CRYPT_OUTPUT_SIZE, "%s", cd->output);
	free(cd);
	return out;
}

#endif
