// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's HTTP server on a loopback port, spoken to with plain
 * HTTP/1.0 over a socket: routes, /healthz without credentials, the
 * configured headers on every response, the rate limit, basic auth with
 * its cache (bcrypt runs counted) and its bounded queue, a reload asked
 * for (http_server__reload); the listen
 * address parser; the ClientHello parser the TLS side reads suites with.
 * TLS itself is tested with real clients: tests/integration/exporter_tls.sh.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "serve/http.h"
#include "serve/http_auth.h"
#include "serve/tls_hello.h"
#include "serve/webconfig.h"
#include "test_bcrypt.h"

#define ERR_LEN			512
#define RESPONSE_MAX		8192
#define BCRYPT_TEST_COST	4
/* dear enough (about 250 ms here) that a burst of requests outruns the worker */
#define BCRYPT_SLOW_COST	12
#define GOOD_SCRAPES		5
/* the queue, the one in the worker's hands, and more: some must be turned away */
#define FLOOD			(AUTH_QUEUE_MAX + 1 + 8)

static char dir[] = "/tmp/vflow-http-server.XXXXXX";
static char cfg[sizeof(dir) + 32];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(cfg, sizeof(cfg), "%s/web.yml", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[sizeof(dir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void write_config(struct web_config *c, const char *fmt, ...)
{
	char err[ERR_LEN], *text;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	assert_true(vasprintf(&text, fmt, ap) >= 0);
	va_end(ap);
	f = fopen(cfg, "we");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(text);
	if (web_config__load(cfg, c, err, sizeof(err)))
		fail_msg("%s", err);
}

static char *render(void *ctx, bool openmetrics, size_t *len)
{
	char *body = strdup(openmetrics ? "# TYPE x counter\nx_total 1\n# EOF\n"
					: "# TYPE x_total counter\nx_total 1\n");

	(*(int *)ctx)++;
	*len = body ? strlen(body) : 0;
	return body;
}

/* a loopback port nobody listens on */
static int free_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/*
 * A server on a free loopback port (its number in *@port) with the web
 * config @config (NULL: none), which it reads itself: the caller's copy is
 * freed at once.
 */
static struct http_server *start_with(struct http_opts *o, int *calls, int *port, const char *config)
{
	char addr[32], err[ERR_LEN];
	struct http_server *s;
	struct web_config c;

	*port = free_port();
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", *port);
	o->listen_address = addr;
	if (config)
		write_config(&c, "%s", config);
	o->web = config ? &c : NULL;
	if (http_server__start(&s, o, render, calls, err, sizeof(err)))
		fail_msg("%s", err);
	if (config)
		web_config__free(&c);
	o->web = NULL;
	o->listen_address = NULL;
	return s;
}

static int send_request(int port, const char *req)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

static void read_response(int fd, char *out)
{
	size_t got = 0;
	ssize_t n;

	while (got < RESPONSE_MAX - 1 && (n = read(fd, out + got, RESPONSE_MAX - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(fd);
}

/* one HTTP/1.0 request; the whole response in @out */
static void request(int port, const char *req, char *out)
{
	read_response(send_request(port, req), out);
}

static void assert_status(const char *resp, const char *status)
{
	char want[16];

	snprintf(want, sizeof(want), " %s ", status);
	if (strncmp(resp, "HTTP/1.", 7) || strncmp(resp + 8, want, strlen(want)))
		fail_msg("want HTTP %s, got: %.60s", status, resp);
}

static void test_routes(void **state)
{
	struct http_opts o = {};
	struct http_server *s, *s2;
	char addr[32], err[ERR_LEN], *resp = malloc(RESPONSE_MAX);
	int port = free_port(), calls = 0;

	(void)state;
	assert_non_null(resp);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	o.listen_address = addr;
	assert_int_equal(http_server__start(&s, &o, render, &calls, err, sizeof(err)), 0);
	request(port, "GET /metrics HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "200");
	assert_non_null(strstr(resp, "text/plain; version=0.0.4; charset=utf-8"));
	assert_non_null(strstr(resp, "\r\n\r\n# TYPE x_total counter\n"));
	request(port, "GET /metrics HTTP/1.0\r\nAccept: application/openmetrics-text;"
		"version=1.0.0,text/plain;q=0.5\r\n\r\n", resp);
	assert_non_null(strstr(resp, "application/openmetrics-text; version=1.0.0"));
	assert_non_null(strstr(resp, "# EOF\n"));
	assert_int_equal(calls, 2);
	request(port, "GET / HTTP/1.0\r\n\r\n", resp);
	assert_non_null(strstr(resp, "href=\"/metrics\""));
	request(port, "GET /healthz HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "200");
	request(port, "GET /nope HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "404");
	request(port, "DELETE /metrics HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "405");
	assert_non_null(strstr(resp, "Allow: GET, HEAD"));
	/* the port is taken now */
	assert_int_equal(http_server__start(&s2, &o, render, &calls, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "Address already in use"));
	assert_non_null(strstr(err, addr));
	http_server__stop(s);
	http_server__stop(NULL);
	free(resp);
}

static void test_auth(void **state)
{
	char config[ERR_LEN], hash[CRYPT_OUTPUT_SIZE], *resp = malloc(RESPONSE_MAX);
	struct http_opts o = {};
	struct http_server *s;
	int port, calls = 0, i;
	unsigned long runs;

	(void)state;
	assert_non_null(resp);
	snprintf(config, sizeof(config), "basic_auth_users:\n  alice: %s\nhttp_server_config:\n"
		 "  headers:\n    X-Content-Type-Options: nosniff\n",
		 make_hash("secret", BCRYPT_TEST_COST, hash));
	s = start_with(&o, &calls, &port, config);

	runs = web_config__bcrypt_runs();
	request(port, "GET /metrics HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "401");
	assert_non_null(strstr(resp, "WWW-Authenticate: Basic realm=\"vflow\""));
	assert_non_null(strstr(resp, "X-Content-Type-Options: nosniff"));
	assert_int_equal(web_config__bcrypt_runs(), runs);	/* no credentials: no bcrypt */
	/* probes carry no credentials: /healthz answers them, with the headers */
	request(port, "GET /healthz HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "200");
	assert_non_null(strstr(resp, "X-Content-Type-Options: nosniff"));
	request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n", resp);
	assert_status(resp, "401");	/* alice:wrong */
	request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic bWFsbG9yeTpzZWNyZXQ=\r\n\r\n", resp);
	assert_status(resp, "401");	/* mallory:secret, an unknown user: one bcrypt too */
	assert_int_equal(web_config__bcrypt_runs() - runs, 2);
	/* alice:secret: one bcrypt the first time, none after */
	for (i = 0; i < GOOD_SCRAPES; i++) {
		request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n", resp);
		assert_status(resp, "200");
		assert_non_null(strstr(resp, "X-Content-Type-Options: nosniff"));
	}
	assert_int_equal(web_config__bcrypt_runs() - runs, 3);
	/* the wrong password is not cached: each try costs a bcrypt, and none gets in */
	request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n", resp);
	assert_status(resp, "401");
	assert_int_equal(web_config__bcrypt_runs() - runs, 4);
	assert_int_equal(calls, GOOD_SCRAPES);
	http_server__stop(s);
	free(resp);
}

/* More checks than the queue holds: the rest are 429 at once, none get in. */
static void test_auth_queue(void **state)
{
	char config[ERR_LEN], hash[CRYPT_OUTPUT_SIZE], *resp = malloc(RESPONSE_MAX);
	int port, calls = 0, fd[FLOOD], i, busy = 0, denied = 0;
	struct http_opts o = { .max_connections = FLOOD + 4 };
	struct http_server *s;

	(void)state;
	assert_non_null(resp);
	snprintf(config, sizeof(config), "basic_auth_users:\n  alice: %s\n",
		 make_hash("secret", BCRYPT_SLOW_COST, hash));
	s = start_with(&o, &calls, &port, config);
	for (i = 0; i < FLOOD; i++)
		fd[i] = send_request(port, "GET /metrics HTTP/1.0\r\n"
				     "Authorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n");
	for (i = 0; i < FLOOD; i++) {
		read_response(fd[i], resp);
		busy += !strncmp(resp + 8, " 429 ", 5) && strstr(resp, "Retry-After: 1");
		denied += !strncmp(resp + 8, " 401 ", 5);
	}
	print_message("# %d refused at once (429), %d checked (401)\n", busy, denied);
	assert_int_equal(busy + denied, FLOOD);
	assert_true(busy > 0);
	assert_true(denied <= AUTH_QUEUE_MAX + 1 + busy);
	assert_int_equal(calls, 0);
	http_server__stop(s);
	free(resp);
}

static void test_rate_limit(void **state)
{
	char *resp = malloc(RESPONSE_MAX);
	struct http_opts o = {};
	struct http_server *s;
	int port, calls = 0;

	(void)state;
	assert_non_null(resp);
	/* two requests, then one an hour */
	s = start_with(&o, &calls, &port, "rate_limit:\n  interval: 1h\n  burst: 2\n");
	request(port, "GET /metrics HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "200");
	request(port, "GET /nope HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "404");
	request(port, "GET /metrics HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "429");
	assert_non_null(strstr(resp, "Retry-After: 1"));
	/* the probes are not limited */
	request(port, "GET /healthz HTTP/1.0\r\n\r\n", resp);
	assert_status(resp, "200");
	assert_int_equal(calls, 1);
	http_server__stop(s);
	free(resp);
}

/* http_server__reload(): the file read again now, the socket kept; a broken file kept out. */
static void test_reload(void **state)
{
	char config[ERR_LEN], err[ERR_LEN], hash[CRYPT_OUTPUT_SIZE], *resp = malloc(RESPONSE_MAX);
	struct http_opts o = {};
	struct http_server *s;
	struct web_config c;
	int port, calls = 0;
	FILE *f;

	(void)state;
	assert_non_null(resp);
	/* alice:secret */
	snprintf(config, sizeof(config), "basic_auth_users:\n  alice: %s\n",
		 make_hash("secret", BCRYPT_TEST_COST, hash));
	s = start_with(&o, &calls, &port, config);
	request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n", resp);
	assert_status(resp, "200");
	/* alice:hunter2 now */
	write_config(&c, "basic_auth_users:\n  alice: %s\n", make_hash("hunter2", BCRYPT_TEST_COST, hash));
	web_config__free(&c);
	assert_int_equal(http_server__reload(s, err, sizeof(err)), 0);
	request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic YWxpY2U6aHVudGVyMg==\r\n\r\n", resp);
	assert_status(resp, "200");
	request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n", resp);
	assert_status(resp, "401");
	/* a broken file: refused with its line, the users in use stay */
	f = fopen(cfg, "we");
	assert_non_null(f);
	fputs("basic_auth_users:\n  alice: [\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(http_server__reload(s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "web.yml:"));
	request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic YWxpY2U6aHVudGVyMg==\r\n\r\n", resp);
	assert_status(resp, "200");
	http_server__stop(s);
	/* nothing to reload without a web config */
	assert_int_equal(http_server__reload(NULL, err, sizeof(err)), -EINVAL);
	free(resp);
}

static void test_parse_listen(void **state)
{
	static const char *const bad[] = {
		"", "9477", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1:80x", "::1:9477", "[::1]9477",
		"[::1", "[127.0.0.1]:80", "example.com:80", "1.2.3:80", "[::1]:",
	};
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	size_t i;

	(void)state;
	assert_int_equal(http_parse_listen("127.0.0.1:9477", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(*sin));
	assert_int_equal(ntohs(sin->sin_port), 9477);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(http_parse_listen("localhost:65535", &ss, &len), 0);
	assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	assert_int_equal(ntohs(sin->sin_port), 65535);
	assert_int_equal(http_parse_listen("[::1]:9477", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(*sin6));
	assert_true(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	assert_int_equal(ntohs(sin6->sin6_port), 9477);
	assert_int_equal(http_parse_listen(":1", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
	assert_int_equal(ntohs(sin6->sin6_port), 1);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_parse_listen(bad[i], &ss, &len) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
	assert_int_equal(http_parse_listen(NULL, &ss, &len), -EINVAL);
}

/* A ClientHello body: TLS 1.2, a session id, two suites, supported_groups and one more extension. */
static const uint8_t hello[] = {
	0x03, 0x03,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
	2, 0xaa, 0xbb,				/* session id */
	0, 4, 0xc0, 0x2f, 0x13, 0x01,		/* cipher suites */
	1, 0,					/* compression: null */
	0, 14,					/* extensions */
	0, 10, 0, 6, 0, 4, 0, 29, 0, 23,	/* supported_groups: x25519, secp256r1 */
	0xff, 0x01, 0, 0,			/* renegotiation_info, empty */
};
/* the length of @hello without its extensions: still a valid (TLS 1.0-1.2) hello */
#define HELLO_NO_EXT	(sizeof(hello) - 16)

static void test_tls_hello(void **state)
{
	struct tls_hello h;
	uint8_t bad[sizeof(hello)];
	size_t len;

	(void)state;
	assert_int_equal(tls_hello_parse(hello, sizeof(hello), &h), 0);
	assert_int_equal(h.nr_suites, 2);
	assert_int_equal(h.suites[0], 0xc02f);
	assert_int_equal(h.suites[1], 0x1301);
	assert_true(h.has_groups);
	assert_int_equal(h.nr_groups, 2);
	assert_int_equal(h.groups[0], 29);
	assert_int_equal(h.groups[1], 23);
	assert_int_equal(tls_hello_parse(hello, HELLO_NO_EXT, &h), 0);
	assert_false(h.has_groups);
	/* every other truncation is malformed */
	for (len = 0; len < sizeof(hello); len++)
		if (len != HELLO_NO_EXT && tls_hello_parse(hello, len, &h) != -EINVAL)
			fail_msg("a hello cut at %zu bytes was accepted", len);
	/* lengths that overrun, an odd suite list, no compression method */
	memcpy(bad, hello, sizeof(bad));
	bad[34] = 40;		/* session id */
	assert_int_equal(tls_hello_parse(bad, sizeof(bad), &h), -EINVAL);
	memcpy(bad, hello, sizeof(bad));
	bad[38] = 3;		/* cipher suites */
	assert_int_equal(tls_hello_parse(bad, sizeof(bad), &h), -EINVAL);
	memcpy(bad, hello, sizeof(bad));
	bad[52] = 5;		/* the group list inside its extension */
	assert_int_equal(tls_hello_parse(bad, sizeof(bad), &h), -EINVAL);
	memcpy(bad, hello, sizeof(bad));
	bad[43] = 0;		/* compression methods */
	assert_int_equal(tls_hello_parse(bad, sizeof(bad), &h), -EINVAL);
	assert_int_equal(tls_hello_parse(NULL, 0, &h), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_auth_queue),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_tls_hello),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
