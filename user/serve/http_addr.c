// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's listen address: "host:port", "[v6]:port" or ":port"
 * (every address), numeric hosts and "localhost" only, and why a bind
 * fails when libmicrohttpd does not say.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "serve/http_internal.h"

#define PORT_MAX		65535

static int parse_port(const char *p, in_port_t *port)
{
	unsigned long v;
	char *end;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || *end || v == 0 || v > PORT_MAX)
		return -EINVAL;
	*port = htons((uint16_t)v);
	return 0;
}

int http_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h = s;
	size_t hlen;
	in_port_t port;

	if (!s || !ss || !len)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = close - h;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		/* an unbracketed IPv6 address: which colon starts the port? */
		if (!colon || memchr(s, ':', colon - s))
			return -EINVAL;
		hlen = colon - s;
	}
	if (hlen >= sizeof(host) || parse_port(colon + 1, &port))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';

	if (s[0] == '[' || !hlen) {
		/* ":port" is every address: IPv6 any, which takes IPv4 too (dual stack) */
		if (hlen && inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		if (!hlen)
			sin6->sin6_addr = in6addr_any;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		*len = sizeof(*sin6);
		return 0;
	}
	if (!strcmp(host, "localhost"))
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -EINVAL;
	sin->sin_family = AF_INET;
	sin->sin_port = port;
	*len = sizeof(*sin);
	return 0;
}

bool http_is_v6_any(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

/* Where IPv6 is off, ":port" means every IPv4 address. */
void http_fallback_to_v4_any(struct sockaddr_storage *ss, socklen_t *len)
{
	in_port_t port = ((struct sockaddr_in6 *)ss)->sin6_port;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		close(fd);
		return;
	}
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_ANY);
	sin->sin_port = port;
	*len = sizeof(*sin);
}

/*
 * MHD does not return why it could not start: bind the address ourselves,
 * as MHD does (SO_REUSEADDR), to tell a taken port from other failures.
 */
int http_probe_bind(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1, zero = 0, rc = 0;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (http_is_v6_any(ss))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (const struct sockaddr *)ss, len))
		rc = -errno;
	close(fd);
	return rc;
}
