// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * basic_auth_users of the web config, and the bcrypt check. Only bcrypt
 * hashes, as in exporter-toolkit; an unknown user is checked against a
 * dummy hash of the dearest cost in the file, so a wrong name costs what
 * a wrong password does.
 */
#define _GNU_SOURCE
#include <crypt.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include "serve/webconfig_internal.h"

/* "$2y$10$" + 22 characters of salt + 31 of hash */
#define BCRYPT_PREFIX_LEN	7
#define BCRYPT_COST_MIN		4
#define BCRYPT_COST_MAX		31
#define BCRYPT_SALT_BYTES	16

static const char bcrypt_b64[] =
	"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static atomic_ulong bcrypt_runs;

static bool is_bcrypt(const char *h, int *cost)
{
	/* the length check first: it makes every index below valid */
	if (strlen(h) != WEB_BCRYPT_LEN || h[0] != '$' || h[1] != '2' ||
	    !strchr("aby", h[2]) || h[3] != '$' || h[6] != '$')
		return false;
	if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9')
		return false;
	*cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (*cost < BCRYPT_COST_MIN || *cost > BCRYPT_COST_MAX)
		return false;
	return strspn(h + BCRYPT_PREFIX_LEN, bcrypt_b64) == WEB_BCRYPT_LEN - BCRYPT_PREFIX_LEN;
}

/*
 * A well-formed bcrypt hash of @cost that no password matches: a real
 * salt (crypt_gensalt, no bcrypt run) and a random digest. Checking an
 * unknown user against it costs what a known user's check costs, and
 * loading the file costs no bcrypt.
 */
static int make_dummy_hash(char *out, int cost)
{
	unsigned char rnd[WEB_BCRYPT_LEN];
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	size_t i, len;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -errno;
	if (!crypt_gensalt_rn("$2b$", (unsigned long)cost, (const char *)rnd, BCRYPT_SALT_BYTES,
			      salt, sizeof(salt)))
		return -errno;
	len = strlen(salt);
	if (len >= WEB_BCRYPT_LEN)
		return -EINVAL;
	memcpy(out, salt, len);
	for (i = len; i < WEB_BCRYPT_LEN; i++)
		out[i] = bcrypt_b64[rnd[i] % (sizeof(bcrypt_b64) - 1)];
	out[WEB_BCRYPT_LEN] = '\0';
	return 0;
}

int load_users(struct loader *l, yaml_node_t *users)
{
	struct web_config *out = l->out;
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	const char *name, *hash;
	int rc = 0, cost, dearest = 0;
	size_t nr, i;

	if (loader_is_null(users))
		return 0;
	if ((rc = loader_expect_mapping(l, users, "basic_auth_users")))
		return rc;
	nr = users->data.mapping.pairs.top - users->data.mapping.pairs.start;
	out->users = calloc(nr ? nr : 1, sizeof(*out->users));
	if (!out->users)
		return loader_fail(l, users, -ENOMEM, "out of memory");
	for_each_pair(l, users, pair, k, v) {
		if (!(name = loader_scalar(l, k, "a user name", &rc)))
			return rc;
		/* Basic credentials are "user:password": a colon cannot be in a name */
		if (!name[0] || strchr(name, ':'))
			return loader_fail(l, k, -EINVAL, "user name \"%s\" is empty or has a colon: "
					   "rename it", name);
		for (i = 0; i < out->nr_users; i++)
			/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): a failed strdup() ends the load */
			if (!strcmp(out->users[i].name, name))
				return loader_fail(l, k, -EINVAL, "user \"%s\" is listed twice: keep one",
						   name);
		if (!(hash = loader_scalar(l, v, "a password hash", &rc)))
			return rc;
		if (!is_bcrypt(hash, &cost))
			return loader_fail(l, v, -EINVAL, "basic_auth_users: the password of \"%s\" is "
					   "not a bcrypt hash: make one with htpasswd -nBC 10 %s",
					   name, name);
		if (cost > dearest)
			dearest = cost;
		out->users[out->nr_users].name = strdup(name);
		out->users[out->nr_users].hash = strdup(hash);
		out->nr_users++;
		if (!out->users[out->nr_users - 1].name || !out->users[out->nr_users - 1].hash)
			return loader_fail(l, v, -ENOMEM, "out of memory");
	}
	if (out->nr_users && (rc = make_dummy_hash(out->dummy_hash, dearest)))
		return loader_fail(l, users, rc, "cannot read random bytes: %s", strerror(-rc));
	return 0;
}

const char *web_config__hash_of(const struct web_config *c, const char *user, bool *known)
{
	size_t i;

	*known = false;
	for (i = 0; c && user && i < c->nr_users; i++) {
		if (!strcmp(c->users[i].name, user)) {
			*known = true;
			return c->users[i].hash;
		}
	}
	return c && c->nr_users ? c->dummy_hash : NULL;
}

/* Compare without an early exit, so timing does not say how much matched. */
static bool equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return !diff;
}

bool web_bcrypt_matches(const char *hash, const char *password)
{
	struct crypt_data *cd;
	const char *res;
	bool ok;

	/* crypt_data is 32 KiB: too much for a server thread's stack */
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	atomic_fetch_add(&bcrypt_runs, 1);
	res = crypt_r(password, hash, cd);
	ok = res && res[0] != '*' && equal_ct(res, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

bool web_config__check(const struct web_config *c, const char *user, const char *password)
{
	const char *hash;
	bool known;

	if (!c || !c->nr_users || !user || !password)
		return false;
	hash = web_config__hash_of(c, user, &known);
	/* an unknown user pays the same bcrypt, against the dummy hash */
	return web_bcrypt_matches(hash, password) && known;
}

unsigned long web_config__bcrypt_runs(void)
{
	return atomic_load(&bcrypt_runs);
}
