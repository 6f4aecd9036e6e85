// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cipher suites and named groups of a ClientHello. Every length is
 * checked against what is left before it is used.
 */
#include <errno.h>
#include <string.h>
#include "serve/tls_hello.h"

/* legacy_version (2) + random (32) */
#define HELLO_FIXED_LEN		34
#define EXT_SUPPORTED_GROUPS	10

struct reader {
	const uint8_t *p;
	size_t left;
};

static int take(struct reader *r, size_t n, const uint8_t **at)
{
	if (r->left < n)
		return -EINVAL;
	*at = r->p;
	r->p += n;
	r->left -= n;
	return 0;
}

static int take_u8(struct reader *r, size_t *v)
{
	const uint8_t *at;

	if (take(r, 1, &at))
		return -EINVAL;
	*v = at[0];
	return 0;
}

static int take_u16(struct reader *r, size_t *v)
{
	const uint8_t *at;

	if (take(r, 2, &at))
		return -EINVAL;
	*v = (size_t)at[0] << 8 | at[1];
	return 0;
}

/* A vector of 16-bit values with a 16-bit byte length, into @out (up to @max). */
static int take_u16_list(struct reader *r, uint16_t *out, size_t max, size_t *nr)
{
	const uint8_t *at;
	size_t len, i;

	if (take_u16(r, &len) || len % 2 || take(r, len, &at))
		return -EINVAL;
	*nr = 0;
	for (i = 0; i + 1 < len && *nr < max; i += 2)
		out[(*nr)++] = (uint16_t)(at[i] << 8 | at[i + 1]);
	return 0;
}

static int parse_groups(const uint8_t *data, size_t len, struct tls_hello *out)
{
	struct reader r = { data, len };

	if (take_u16_list(&r, out->groups, TLS_HELLO_GROUPS_MAX, &out->nr_groups) || r.left)
		return -EINVAL;
	out->has_groups = true;
	return 0;
}

int tls_hello_parse(const uint8_t *msg, size_t len, struct tls_hello *out)
{
	struct reader r = { msg, len }, ext;
	const uint8_t *at;
	size_t n, type;

	memset(out, 0, sizeof(*out));
	if (!msg || take(&r, HELLO_FIXED_LEN, &at) || take_u8(&r, &n) || take(&r, n, &at))
		return -EINVAL;		/* version, random, session id */
	if (take_u16_list(&r, out->suites, TLS_HELLO_SUITES_MAX, &out->nr_suites) || !out->nr_suites)
		return -EINVAL;
	if (take_u8(&r, &n) || !n || take(&r, n, &at))
		return -EINVAL;		/* compression methods */
	if (!r.left)
		return 0;		/* no extensions (TLS 1.0-1.2 allow it) */
	if (take_u16(&r, &n) || take(&r, n, &ext.p) || r.left)
		return -EINVAL;
	ext.left = n;
	while (ext.left) {
		if (take_u16(&ext, &type) || take_u16(&ext, &n) || take(&ext, n, &at))
			return -EINVAL;
		if (type == EXT_SUPPORTED_GROUPS && parse_groups(at, n, out))
			return -EINVAL;
	}
	return 0;
}
