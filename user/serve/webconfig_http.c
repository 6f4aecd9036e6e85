// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * http_server_config (http2, headers: the names and values exporter-toolkit
 * allows) and rate_limit (a Go duration and a burst) of the web config.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "serve/webconfig_internal.h"

#define NS_PER_US		1000ULL
#define NS_PER_MS		1000000ULL
#define NS_PER_S		1000000000ULL
#define NS_PER_MIN		(60 * NS_PER_S)
#define NS_PER_HOUR		(60 * NS_PER_MIN)

/*
 * http_server_config.headers: the names and values exporter-toolkit
 * allows (its extraHTTPHeaders); a value list means only those values.
 */
static const struct {
	const char *name;
	const char *values[2];
} allowed_headers[WEB_HEADERS_MAX] = {
	{ "Strict-Transport-Security", { NULL } },
	{ "X-Content-Type-Options", { "nosniff", NULL } },
	{ "X-Frame-Options", { "deny", "sameorigin" } },
	{ "X-XSS-Protection", { NULL } },
	{ "Content-Security-Policy", { NULL } },
};

static int load_header(struct loader *l, yaml_node_t *k, yaml_node_t *v, struct web_config *out)
{
	const char *name, *value;
	size_t i, j;
	int rc = 0;

	if (!(name = loader_scalar(l, k, "a header name", &rc)))
		return rc;
	for (i = 0; i < WEB_HEADERS_MAX && strcmp(allowed_headers[i].name, name); i++)
		;
	if (i == WEB_HEADERS_MAX)
		return loader_fail(l, k, -EINVAL, "HTTP header \"%s\" can not be configured: use "
				   "Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
				   "X-XSS-Protection or Content-Security-Policy", name);
	for (j = 0; j < out->nr_headers; j++)
		if (out->headers[j].name == allowed_headers[i].name)
			return loader_fail(l, k, -EINVAL, "duplicate key \"%s\": keep one", name);
	if (!(value = loader_scalar(l, v, name, &rc)))
		return rc;
	if (allowed_headers[i].values[0]) {
		for (j = 0; j < 2 && allowed_headers[i].values[j]; j++)
			if (!strcmp(value, allowed_headers[i].values[j]))
				break;
		if (j == 2 || !allowed_headers[i].values[j])
			return loader_fail(l, v, -EINVAL, "invalid value for %s: \"%s\": use %s%s%s",
					   name, value, allowed_headers[i].values[0],
					   allowed_headers[i].values[1] ? " or " : "",
					   allowed_headers[i].values[1] ? allowed_headers[i].values[1] : "");
	}
	/* a line break would end the header and start another */
	for (j = 0; value[j]; j++)
		if ((unsigned char)value[j] < ' ' && value[j] != '\t')
			return loader_fail(l, v, -EINVAL, "%s has a control character: keep the value "
					   "on one line", name);
	if (!value[0])		/* "Unset if blank" */
		return 0;
	out->headers[out->nr_headers].name = allowed_headers[i].name;
	out->headers[out->nr_headers].value = strdup(value);
	if (!out->headers[out->nr_headers++].value)
		return loader_fail(l, v, -ENOMEM, "out of memory");
	return 0;
}

int load_http(struct loader *l, yaml_node_t *http)
{
	static const char *const names[] = { "http2", "headers" };
	yaml_node_t *keys[2], *values[2], *http2, *headers, *k, *v;
	struct web_config *out = l->out;
	yaml_node_pair_t *pair;
	int rc;

	if (loader_is_null(http))
		return 0;
	if ((rc = loader_expect_mapping(l, http, "http_server_config")) ||
	    (rc = loader_collect(l, http, "http_server_config", names, 2, keys, values)))
		return rc;
	http2 = values[0];
	headers = values[1];
	if (http2 && (rc = loader_bool(l, http2, "http2", &out->http2)))
		return rc;
	if (!headers)
		return 0;
	if ((rc = loader_expect_mapping(l, headers, "headers")))
		return rc;
	for_each_pair(l, headers, pair, k, v)
		if ((rc = load_header(l, k, v, out)))
			return rc;
	return 0;
}

/*
 * A Go duration ("1s", "1m30s", "1.5h", "250ms", "0"): 0, or -EINVAL.
 * Negative ones are refused: a rate_limit interval below zero is a typo.
 */
static int parse_go_duration(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ns", 1 }, { "us", NS_PER_US }, { "\u00b5s", NS_PER_US }, { "\u03bcs", NS_PER_US },
		{ "ms", NS_PER_MS }, { "s", NS_PER_S }, { "m", NS_PER_MIN }, { "h", NS_PER_HOUR },
	};
	long double total = 0;

	if (!strcmp(s, "0")) {
		*ns = 0;
		return 0;
	}
	if (*s == '+')
		s++;
	if (!*s)
		return -EINVAL;
	while (*s) {
		long double v = 0, scale = 1;
		size_t i, best = 0, best_len = 0, digits = 0;

		for (; *s >= '0' && *s <= '9'; s++, digits++)
			v = v * 10 + (*s - '0');
		if (*s == '.')
			for (s++; *s >= '0' && *s <= '9'; s++, digits++)
				v += (*s - '0') * (scale /= 10);
		if (!digits)
			return -EINVAL;
		/* the longest unit that matches: "ms" before "m" */
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t len = strlen(units[i].unit);

			if (!strncmp(s, units[i].unit, len) && len > best_len)
				best = i, best_len = len;
		}
		if (!best_len)
			return -EINVAL;
		total += v * units[best].ns;
		s += best_len;
	}
	if (total >= (long double)UINT64_MAX)
		return -EINVAL;
	*ns = (uint64_t)total;
	return 0;
}

/* yaml.v2 reads a bare integer into a time.Duration as nanoseconds */
static bool plain_integer(const yaml_node_t *n, uint64_t *out)
{
	const char *s = (const char *)n->data.scalar.value;
	char *end;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !*end && !errno;
}

int load_rate_limit(struct loader *l, yaml_node_t *rate)
{
	static const char *const names[] = { "interval", "burst" };
	yaml_node_t *keys[2], *values[2], *interval, *burst;
	struct web_config *out = l->out;
	const char *s;
	char *end;
	int rc;

	if (loader_is_null(rate))
		return 0;
	if ((rc = loader_expect_mapping(l, rate, "rate_limit")) ||
	    (rc = loader_collect(l, rate, "rate_limit", names, 2, keys, values)))
		return rc;
	interval = values[0];
	burst = values[1];
	if (interval) {
		if (!(s = loader_scalar(l, interval, "interval", &rc)))
			return rc;
		if (!plain_integer(interval, &out->rate_interval_ns) &&
		    parse_go_duration(s, &out->rate_interval_ns))
			return loader_fail(l, interval, -EINVAL, "interval \"%s\" is not a duration: "
					   "use e.g. 1s, 500ms or 0 (no limit)", s);
	}
	if (burst) {
		if (!(s = loader_scalar(l, burst, "burst", &rc)))
			return rc;
		errno = 0;
		out->rate_burst = strtol(s, &end, 10);
		if (s[0] < '0' || s[0] > '9' || *end || errno)
			return loader_fail(l, burst, -EINVAL, "burst \"%s\" is not a whole number of "
					   "requests: use 0 or more", s);
	}
	if (out->rate_interval_ns && !out->rate_burst)
		loader_warn(l, "rate_limit: burst 0 with an interval refuses every request (429), "
			    "as in exporter-toolkit");
	return 0;
}
