// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tls_hello_parse() (user/serve/tls_hello.c), the reader of what a TLS
 * client offers, and web_tls__pick() (user/serve/webtls.c), the suite
 * chosen from it: the input is the body of a ClientHello. The suites to
 * pick from are those of a web config loaded once, with a certificate
 * made by GnuTLS at start.
 *
 * Checked beyond "no crash": the counts stay within their arrays, and a
 * picked suite is one the client offered and the version allows.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "serve/tls_hello.h"
#include "serve/webconfig.h"
#include "serve/webtls.h"
#include "fuzz_tls.h"

#define ERR_LEN		512
#define CONFIG_FMT	"tls_server_config:\n  cert_file: %s\n  key_file: %s\n  min_version: TLS10\n" \
			"  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, " \
			"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, " \
			"TLS_RSA_WITH_AES_128_GCM_SHA256]\n  curve_preferences: [CurveP256, X25519]\n"

#define FAIL(...)							\
	do {								\
		fprintf(stderr, "fuzz_tls_hello: " __VA_ARGS__);	\
		fputc('\n', stderr);					\
		abort();						\
	} while (0)

static struct web_config web;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *cert, *key, *text, crt[FUZZ_PATH_LEN], keyp[FUZZ_PATH_LEN], cfg[FUZZ_PATH_LEN], err[ERR_LEN];

	(void)argc, (void)argv;
	fuzz_make_cert(&cert, &key);
	fuzz_memfd_file("fuzz-cert", cert, crt);
	fuzz_memfd_file("fuzz-key", key, keyp);
	if (asprintf(&text, CONFIG_FMT, crt, keyp) < 0)
		exit(1);
	fuzz_memfd_file("fuzz-web", text, cfg);
	if (web_config__load(cfg, &web, err, sizeof(err)))
		FAIL("%s", err);
	free(text);
	free(cert);
	free(key);
	return 0;
}

static bool offered(uint16_t id, const struct tls_hello *h)
{
	for (size_t i = 0; i < h->nr_suites; i++)
		if (h->suites[i] == id)
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct web_tls *t = web.tls_objects;
	struct tls_hello h;
	int i;

	if (tls_hello_parse(data, size, &h))
		return 0;
	if (h.nr_suites > TLS_HELLO_SUITES_MAX || h.nr_groups > TLS_HELLO_GROUPS_MAX ||
	    (!h.has_groups && h.nr_groups))
		FAIL("counts beyond their arrays: %zu suites, %zu groups", h.nr_suites, h.nr_groups);
	for (int version = WEB_TLS10; version < WEB_TLS13; version++) {
		for (int order = 0; order < 2; order++) {
			i = web_tls__pick(t, order, version, h.suites, h.nr_suites,
					  h.has_groups ? h.groups : NULL, h.nr_groups);
			if (i < -1 || i >= (int)t->nr_suites)
				FAIL("picked %d of %zu", i, t->nr_suites);
			if (i >= 0 && (!offered(t->suites[i]->id, &h) || t->suites[i]->min_tls > version))
				FAIL("picked %s, not offered or not for TLS 1.%d", t->suites[i]->go_name,
				     version - WEB_TLS10);
		}
	}
	return 0;
}
