// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * web_config__load(): exporter-toolkit's YAML (--web.config.file), every
 * key. The input is written to a memfd and loaded as /proc/self/fd/N. A
 * real certificate and key (made with GnuTLS at start) wait at fixed
 * descriptors, and the certificate again as a client CA, so seeds can name
 * them ("/proc/self/fd/500", 501, 502) and reach the GnuTLS objects; paths
 * relative to the config resolve below /proc/self/fd/ too, which is how
 * the fuzzer finds its way to stdin and other files that never end.
 *
 * Checked beyond "no crash": a failure has a message; a configuration that
 * loads keeps the promises the server relies on (TLS objects exactly when
 * TLS is on, a version range, known suites, allowed headers without line
 * breaks, SANs only with a policy that requires a certificate, a CA only
 * with a policy).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "serve/webconfig.h"
#include "serve/webtls.h"
#include "fuzz_tls.h"

#define ERR_LEN		512
#define PATH_LEN	64
#define INPUT_MAX	(64 * 1024)
#define CERT_FD		500
#define KEY_FD		501
#define CA_FD		502
/* "$2y$04$": the cheapest bcrypt; dearer hashes would only measure crypt */
#define CHEAP_COST	"04"

/* The message is the first line the suite's report shows. */
#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_web_config: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

static int in_fd = -1;
static char in_path[PATH_LEN];

static int memfd_with(const char *name, const void *data, size_t size, int at)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size)) {
		perror("memfd");
		exit(1);
	}
	if (at >= 0) {
		if (dup2(fd, at) < 0) {
			perror("dup2");
			exit(1);
		}
		close(fd);
		fd = at;
	}
	return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *cert_pem, *key_pem;

	(void)argc, (void)argv;
	fuzz_make_cert(&cert_pem, &key_pem);
	memfd_with("fuzz-cert", cert_pem, strlen(cert_pem), CERT_FD);
	memfd_with("fuzz-key", key_pem, strlen(key_pem), KEY_FD);
	memfd_with("fuzz-ca", cert_pem, strlen(cert_pem), CA_FD);
	free(cert_pem);
	free(key_pem);
	in_fd = memfd_with("fuzz-web-config", NULL, 0, -1);
	snprintf(in_path, sizeof(in_path), "/proc/self/fd/%d", in_fd);
	return 0;
}

static bool terminated(const char *s)
{
	return s && strlen(s) < INPUT_MAX * 2;	/* ASan stops a runaway strlen */
}

/* Hashes are "$2y$NN$...", checked by the loader. */
static bool cheap(const char *hash)
{
	return !strncmp(hash + 4, CHEAP_COST, 2);
}

static void check_tls(const struct web_config *c)
{
	if (!c->tls != !c->tls_objects || (c->tls && (!c->cert_pem || !c->key_pem)))
		FAIL("TLS on without its objects, or the other way round");
	if (c->min_tls < WEB_TLS10 || c->max_tls > WEB_TLS13 || c->min_tls > c->max_tls)
		FAIL("version range %d..%d", c->min_tls, c->max_tls);
	if (c->nr_suites > WEB_SUITES_MAX || c->nr_curves > WEB_CURVES_MAX)
		FAIL("too many suites or curves");
	for (size_t i = 0; i < c->nr_suites; i++)
		if (!web_suite_by_id(c->suites[i]))
			FAIL("unknown suite 0x%04x", c->suites[i]);
	if (c->check_sans && c->client_auth != WEB_REQUIRE_ANY_CLIENT_CERT &&
	    c->client_auth != WEB_REQUIRE_AND_VERIFY_CLIENT_CERT)
		FAIL("client_allowed_sans with %s", web_client_auth_name(c->client_auth));
	if (c->client_ca_pem && c->client_auth == WEB_NO_CLIENT_CERT)
		FAIL("a client CA without a policy");
	for (size_t i = 0; i < c->nr_allowed_sans; i++)
		if (!terminated(c->allowed_sans[i]))
			FAIL("SAN %zu unterminated", i);
	if (c->tls_objects && c->tls_objects->nr_suites > WEB_SUITES_MAX)
		FAIL("too many suites to pick from");
}

static void check_http(const struct web_config *c)
{
	if (c->nr_headers > WEB_HEADERS_MAX)
		FAIL("%zu headers", c->nr_headers);
	for (size_t i = 0; i < c->nr_headers; i++) {
		if (!c->headers[i].name || !terminated(c->headers[i].value) || !c->headers[i].value[0])
			FAIL("header %zu without a name or value", i);
		if (strpbrk(c->headers[i].value, "\r\n"))
			FAIL("header %s would break the response", c->headers[i].name);
	}
	if (c->rate_burst < 0)
		FAIL("negative burst");
	if (c->nr_users && strlen(c->dummy_hash) != WEB_BCRYPT_LEN)
		FAIL("users without a dummy hash");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct web_config c;
	char err[ERR_LEN];

	if (size > INPUT_MAX)
		return 0;
	if (ftruncate(in_fd, 0) || (size && pwrite(in_fd, data, size, 0) != (ssize_t)size))
		FAIL("cannot write the memfd: %m");
	err[0] = '\0';
	if (web_config__load(in_path, &c, err, sizeof(err))) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			FAIL("a failure without a message");
		return 0;
	}
	check_tls(&c);
	check_http(&c);
	for (size_t i = 0; i < c.nr_users; i++) {
		if (!terminated(c.users[i].name) || !terminated(c.users[i].hash))
			FAIL("user %zu without a name or hash", i);
		/* the check path, where the hash is cheap enough to run */
		if (cheap(c.users[i].hash))
			(void)web_config__check(&c, c.users[i].name, "secret");
	}
	/* an unknown user is checked against the first user's hash */
	if (!c.nr_users || cheap(c.users[0].hash))
		(void)web_config__check(&c, "nobody", "x");
	web_config__free(&c);
	return 0;
}
