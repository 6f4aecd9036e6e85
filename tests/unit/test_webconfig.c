// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the web config loader (exporter-toolkit's YAML), bcrypt
 * checks, the listen-address parser, and the HTTP server itself on a
 * loopback port, spoken to with plain HTTP/1.0 over a socket.
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
#include <sys/stat.h>

#include "serve/http.h"
#include "serve/webconfig.h"

/* the lowest bcrypt cost: these tests check logic, not strength */
#define BCRYPT_TEST_COST	4
#define ERR_LEN			512
#define RESPONSE_MAX		8192

static const char cert_pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
static const char key_pem[] = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

static char dir[] = "/tmp/vflow-webconfig.XXXXXX";
static char cfg[sizeof(dir) + 32];
static char alice_hash[CRYPT_OUTPUT_SIZE];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* write @fmt as the config file, load it: the return code, message in err */
static int load(struct web_config *c, char *err, const char *fmt, ...)
{
	char *text;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	assert_true(vasprintf(&text, fmt, ap) >= 0);
	va_end(ap);
	write_file(cfg, text);
	free(text);
	err[0] = '\0';
	rc = web_config__load(cfg, c, err, ERR_LEN);
	if (rc)
		print_message("# %s\n", err);
	return rc;
}

/* the message names the file and this line */
static void assert_at_line(const char *err, int line)
{
	char want[sizeof(cfg) + 16];

	snprintf(want, sizeof(want), "%s:%d: ", cfg, line);
	assert_non_null(strstr(err, want));
	assert_null(strchr(err, '\n'));
}

static char *make_hash(const char *password, char *out)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = calloc(1, sizeof(*cd));

	assert_non_null(cd);
	assert_non_null(crypt_gensalt_rn("$2b$", BCRYPT_TEST_COST, NULL, 0, salt, sizeof(salt)));
	assert_non_null(crypt_r(password, salt, cd));
	snprintf(out, CRYPT_OUTPUT_SIZE, "%s", cd->output);
	free(cd);
	return out;
}

static int setup(void **state)
{
	char path[sizeof(dir) + 32];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(cfg, sizeof(cfg), "%s/web.yml", dir);
	snprintf(path, sizeof(path), "%s/server.crt", dir);
	write_file(path, cert_pem);
	snprintf(path, sizeof(path), "%s/server.key", dir);
	write_file(path, key_pem);
	snprintf(path, sizeof(path), "%s/not-pem", dir);
	write_file(path, "just text\n");
	make_hash("secret", alice_hash);
	return 0;
}

static int teardown(void **state)
{
	char cmd[sizeof(dir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_tls_only(void **state)
{
	struct web_config c;
	char err[ERR_LEN], want[sizeof(dir) + 32];

	(void)state;
	/* key_file relative: to the config file's directory */
	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: %s/server.crt\n"
			      "  key_file: server.key\n  min_version: TLS13\n", dir), 0);
	assert_string_equal(c.cert_pem, cert_pem);
	assert_string_equal(c.key_pem, key_pem);
	snprintf(want, sizeof(want), "%s/server.key", dir);
	assert_string_equal(c.key_file, want);
	assert_int_equal(c.min_tls, 13);
	assert_int_equal(c.nr_users, 0);
	web_config__free(&c);
}

static void test_users_only(void **state)
{
	char err[ERR_LEN], bob_hash[CRYPT_OUTPUT_SIZE], *y_hash;
	struct web_config c;

	(void)state;
	/* htpasswd writes $2y$: the same algorithm, another name */
	y_hash = strdup(make_hash("hunter2", bob_hash));
	y_hash[2] = 'y';
	assert_int_equal(load(&c, err, "basic_auth_users:\n  alice: '%s'\n  bob: %s\n",
			      alice_hash, y_hash), 0);
	assert_null(c.cert_pem);
	assert_int_equal(c.nr_users, 2);
	assert_true(web_config__check(&c, "alice", "secret"));
	assert_true(web_config__check(&c, "bob", "hunter2"));
	assert_false(web_config__check(&c, "alice", "hunter2"));
	assert_false(web_config__check(&c, "alice", ""));
	assert_false(web_config__check(&c, "carol", "secret"));
	assert_false(web_config__check(&c, "", "secret"));
	assert_false(web_config__check(&c, NULL, "secret"));
	assert_false(web_config__check(&c, "alice", NULL));
	web_config__free(&c);
	free(y_hash);
}

static void test_both_and_empty(void **state)
{
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(load(&c, err, "# vflow\ntls_server_config:\n  cert_file: server.crt\n"
			      "  key_file: server.key\nbasic_auth_users:\n  alice: %s\n",
			      alice_hash), 0);
	assert_non_null(c.cert_pem);
	assert_int_equal(c.min_tls, 0);
	assert_int_equal(c.nr_users, 1);
	assert_true(web_config__check(&c, "alice", "secret"));
	web_config__free(&c);

	/* an empty file, or empty sections: plain HTTP, no auth */
	assert_int_equal(load(&c, err, ""), 0);
	assert_null(c.cert_file);
	assert_int_equal(load(&c, err, "tls_server_config:\nbasic_auth_users: ~\n"), 0);
	assert_null(c.cert_file);
	assert_int_equal(c.nr_users, 0);
	assert_false(web_config__check(&c, "alice", "secret"));
	web_config__free(&c);
}

static void test_malformed(void **state)
{
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: [oops\n"), -EINVAL);
	assert_non_null(strstr(err, "invalid YAML"));
	assert_null(strchr(err, '\n'));

	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n"
			      "  bogus: 1\n  key_file: server.key\n"), -EINVAL);
	assert_at_line(err, 3);
	assert_non_null(strstr(err, "\"bogus\""));

	assert_int_equal(load(&c, err, "basic_auth_users: {}\nhttp_server_config: {}\n"), -EINVAL);
	assert_at_line(err, 2);

	assert_int_equal(load(&c, err, "- a\n- b\n"), -EINVAL);
	assert_at_line(err, 1);

	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file:\n    a: b\n"), -EINVAL);
	assert_at_line(err, 3);
}

static void test_bad_hash(void **state)
{
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(load(&c, err, "basic_auth_users:\n  alice: %s\n  bob: secret\n",
			      alice_hash), -EINVAL);
	assert_at_line(err, 3);
	assert_non_null(strstr(err, "bcrypt"));
	/* md5-crypt, and a bcrypt with a cost bcrypt does not allow */
	assert_int_equal(load(&c, err, "basic_auth_users:\n  bob: $1$abcdefgh$abcdefghijklmnopqrstuv\n"),
			 -EINVAL);
	assert_at_line(err, 2);
	assert_int_equal(load(&c, err, "basic_auth_users:\n  bob: $2b$99%s\n", alice_hash + 6),
			 -EINVAL);
	/* one name twice; a name with a colon cannot be sent in Basic auth */
	assert_int_equal(load(&c, err, "basic_auth_users:\n  a: %s\n  a: %s\n",
			      alice_hash, alice_hash), -EINVAL);
	assert_at_line(err, 3);
	assert_int_equal(load(&c, err, "basic_auth_users:\n  'a:b': %s\n", alice_hash), -EINVAL);
}

static void test_bad_tls(void **state)
{
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(load(&c, err, "\ntls_server_config:\n  cert_file: server.crt\n"), -EINVAL);
	assert_at_line(err, 3);
	assert_non_null(strstr(err, "key_file"));

	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: missing.crt\n"
			      "  key_file: server.key\n"), -ENOENT);
	assert_at_line(err, 2);
	assert_non_null(strstr(err, "missing.crt"));

	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n"
			      "  key_file: not-pem\n"), -EINVAL);
	assert_at_line(err, 3);

	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n"
			      "  key_file: server.key\n  min_version: TLS11\n"), -EINVAL);
	assert_at_line(err, 4);

	assert_int_equal(load(&c, err, "tls_server_config:\n  min_version: TLS12\n"), -EINVAL);
	assert_at_line(err, 2);

	assert_int_equal(web_config__load("/nonexistent/web.yml", &c, err, ERR_LEN), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/web.yml"));
}

/* found by fuzz/fuzz_web_config: a FIFO or device never ends; refused, not waited on */
static void test_not_regular(void **state)
{
	char fifo[sizeof(dir) + 32], err[ERR_LEN];
	struct web_config c;

	(void)state;
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);	/* the old loader blocked in open() for good */
	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: fifo\n"
			      "  key_file: server.key\n"), -EINVAL);
	assert_at_line(err, 2);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(web_config__load(fifo, &c, err, ERR_LEN), -EINVAL);
	assert_int_equal(web_config__load("/dev/zero", &c, err, ERR_LEN), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	alarm(0);
	unlink(fifo);
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

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (http_parse_listen(bad[i], &ss, &len) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
	}
	assert_int_equal(http_parse_listen(NULL, &ss, &len), -EINVAL);
}

static char *render(void *ctx, bool openmetrics, size_t *len)
{
	char *body = strdup(openmetrics ? "# TYPE x counter\nx_total 1\n# EOF\n"
					: "# TYPE x_total counter\nx_total 1\n");

	(*(int *)ctx)++;
	*len = body ? strlen(body) : 0;
	return body;
}

/* a loopback port nobody listens on; @fd keeps it bound (not listening) */
static int free_port(int *fd)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*fd >= 0);
	assert_int_equal(bind(*fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

/* one HTTP/1.0 request; the whole response in @out */
static void request(int port, const char *req, char *out)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	size_t got = 0;
	ssize_t n;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while (got < RESPONSE_MAX - 1 && (n = read(fd, out + got, RESPONSE_MAX - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(fd);
}

static void test_server(void **state)
{
	struct http_opts o = {};
	struct http_server *s, *s2;
	struct web_config c;
	char addr[32], err[ERR_LEN], *resp = malloc(RESPONSE_MAX);
	int hold, port, calls = 0;

	(void)state;
	assert_non_null(resp);
	port = free_port(&hold);
	close(hold);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	o.listen_address = addr;
	assert_int_equal(http_server__start(&s, &o, render, &calls, err, sizeof(err)), 0);

	request(port, "GET /metrics HTTP/1.0\r\n\r\n", resp);
	assert_non_null(strstr(resp, " 200 "));
	assert_non_null(strstr(resp, "text/plain; version=0.0.4; charset=utf-8"));
	assert_non_null(strstr(resp, "\r\n\r\n# TYPE x_total counter\n"));
	request(port, "GET /metrics HTTP/1.0\r\nAccept: application/openmetrics-text;"
		"version=1.0.0,text/plain;q=0.5\r\n\r\n", resp);
	assert_non_null(strstr(resp, "application/openmetrics-text; version=1.0.0"));
	assert_non_null(strstr(resp, "# EOF\n"));
	assert_int_equal(calls, 2);
	request(port, "GET / HTTP/1.0\r\n\r\n", resp);
	assert_non_null(strstr(resp, "href=\"/metrics\""));
	request(port, "GET /nope HTTP/1.0\r\n\r\n", resp);
	assert_non_null(strstr(resp, " 404 "));
	request(port, "DELETE /metrics HTTP/1.0\r\n\r\n", resp);
	assert_non_null(strstr(resp, " 405 "));
	assert_non_null(strstr(resp, "Allow: GET, HEAD"));

	/* the port is taken now */
	assert_int_equal(http_server__start(&s2, &o, render, &calls, err, sizeof(err)), -EADDRINUSE);
	assert_non_null(strstr(err, "Address already in use"));
	assert_non_null(strstr(err, addr));
	http_server__stop(s);
	http_server__stop(NULL);

	/* basic auth: alice:secret */
	assert_int_equal(load(&c, err, "basic_auth_users:\n  alice: %s\n", alice_hash), 0);
	o.web = &c;
	assert_int_equal(http_server__start(&s, &o, render, &calls, err, sizeof(err)), 0);
	request(port, "GET /metrics HTTP/1.0\r\n\r\n", resp);
	assert_non_null(strstr(resp, " 401 "));
	assert_non_null(strstr(resp, "WWW-Authenticate: Basic realm=\"vflow\""));
	request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n", resp);
	assert_non_null(strstr(resp, " 401 "));	/* alice:wrong */
	request(port, "GET /metrics HTTP/1.0\r\nAuthorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n", resp);
	assert_non_null(strstr(resp, " 200 "));	/* alice:secret */
	http_server__stop(s);
	web_config__free(&c);
	free(resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_only),
		cmocka_unit_test(test_users_only),
		cmocka_unit_test(test_both_and_empty),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_hash),
		cmocka_unit_test(test_bad_tls),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_parse_listen),
		cmocka_unit_test(test_server),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
