// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * web_config__load(): exporter-toolkit's YAML (--web.config.file). The
 * input is written to a memfd and loaded as /proc/self/fd/N. A PEM
 * certificate and key wait at fixed descriptors, so seeds can name them
 * ("/proc/self/fd/500", "/proc/self/fd/501") and reach the TLS path; paths
 * relative to the config resolve below /proc/self/fd/ too, which is how
 * the fuzzer finds its way to stdin and other files that never end.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "serve/webconfig.h"

#define ERR_LEN		512
#define PATH_LEN	64
#define INPUT_MAX	(64 * 1024)
#define CERT_FD		500
#define KEY_FD		501
/* "$2y$04$": the cheapest bcrypt; dearer hashes would only measure crypt */
#define CHEAP_COST	"04"

/* The message is the first line the suite's report shows. */
#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_web_config: " __VA_ARGS__);		\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

static const char cert_pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
static const char key_pem[] = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

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
	(void)argc, (void)argv;
	memfd_with("fuzz-cert", cert_pem, strlen(cert_pem), CERT_FD);
	memfd_with("fuzz-key", key_pem, strlen(key_pem), KEY_FD);
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
	if (!c.cert_file != !c.key_file || !c.cert_pem != !c.cert_file ||
	    !c.key_pem != !c.key_file || (c.min_tls && c.min_tls != 12 && c.min_tls != 13))
		FAIL("inconsistent TLS settings");
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
