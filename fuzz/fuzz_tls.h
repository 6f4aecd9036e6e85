/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the fuzz targets that reach the TLS side of the web config share: a
 * self-signed certificate and its key, made with GnuTLS in memory when the
 * target starts (nothing on disk, nothing downloaded; an EC P-256 key,
 * quick to make, for which the ECDHE-ECDSA suites apply), and files in
 * memfds for the web config to name.
 */
#ifndef VFLOW_FUZZ_TLS_H
#define VFLOW_FUZZ_TLS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#define FUZZ_CERT_DAYS	2
#define FUZZ_SERIAL	"\x01"
#define FUZZ_PATH_LEN	64

/* PEM text of a certificate for localhost and its key, NUL-terminated; exits on failure. */
static inline void fuzz_make_cert(char **cert_pem, char **key_pem)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t c = {}, k = {};
	time_t now = time(NULL);

	if (gnutls_x509_privkey_init(&key) ||
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					 GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) ||
	    gnutls_x509_crt_init(&crt) || gnutls_x509_crt_set_version(crt, 3) ||
	    gnutls_x509_crt_set_serial(crt, FUZZ_SERIAL, 1) ||
	    gnutls_x509_crt_set_dn(crt, "CN=localhost", NULL) ||
	    gnutls_x509_crt_set_issuer_dn(crt, "CN=localhost", NULL) ||
	    gnutls_x509_crt_set_activation_time(crt, now - 3600) ||
	    gnutls_x509_crt_set_expiration_time(crt, now + FUZZ_CERT_DAYS * 86400) ||
	    gnutls_x509_crt_set_key(crt, key) || gnutls_x509_crt_set_ca_status(crt, 1) ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) ||
	    gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c) ||
	    gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &k)) {
		fprintf(stderr, "fuzz: cannot make a test certificate with GnuTLS\n");
		exit(1);
	}
	*cert_pem = calloc(1, c.size + 1);
	*key_pem = calloc(1, k.size + 1);
	if (!*cert_pem || !*key_pem)
		exit(1);
	memcpy(*cert_pem, c.data, c.size);
	memcpy(*key_pem, k.data, k.size);
	gnutls_free(c.data);
	gnutls_free(k.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

/* @text in a memfd left open: its /proc/self/fd path in @path (FUZZ_PATH_LEN) */
static inline void fuzz_memfd_file(const char *name, const char *text, char *path)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror("fuzz: memfd");
		exit(1);
	}
	snprintf(path, FUZZ_PATH_LEN, "/proc/self/fd/%d", fd);
}

#endif
