// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of the web config loader (exporter-toolkit's YAML, every key
 * and its refusals: one line naming the file, the line and the key), the
 * bcrypt checks, and the TLS objects a configuration builds. Certificates
 * are made by openssl in setup; the HTTP server itself is
 * tests/unit/test_http_server.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "serve/webconfig.h"
#include "test_bcrypt.h"
#include "serve/webtls.h"

/* the lowest bcrypt cost: these tests check logic, not strength */
#define BCRYPT_TEST_COST	4
#define BCRYPT_DEAR_COST	6
#define ERR_LEN			512
#define CMD_LEN			4096

static char dir[] = "/tmp/vflow-webconfig.XXXXXX";
static char cfg[sizeof(dir) + 32];
static char alice_hash[CRYPT_OUTPUT_SIZE], dear_hash[CRYPT_OUTPUT_SIZE];
static bool have_certs;

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* the file @name in the test directory, NUL-terminated, malloc'd */
static char *read_back(const char *name)
{
	char path[sizeof(dir) + 64], *buf;
	long len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
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

/* the message names the file and this line, in one line */
static void assert_at_line(const char *err, int line)
{
	char want[sizeof(cfg) + 16];

	snprintf(want, sizeof(want), "%s:%d: ", cfg, line);
	if (!strstr(err, want))
		fail_msg("\"%s\" does not start with \"%s\"", err, want);
	assert_null(strchr(err, '\n'));
}

/* refused at @line, with @word in the message */
static void assert_refused(int rc, const char *err, int line, const char *word)
{
	if (!rc)
		fail_msg("accepted, want a refusal at line %d naming \"%s\"", line, word);
	assert_at_line(err, line);
	if (!strstr(err, word))
		fail_msg("\"%s\" does not name \"%s\"", err, word);
}

/*
 * A CA, a server certificate and key (RSA) it signed, a self-signed EC
 * certificate and key, and a key that goes with neither.
 */
static bool make_certs(void)
{
	char cmd[CMD_LEN];

	if (system("command -v openssl >/dev/null 2>&1"))
		return false;
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && exec 2>openssl.log && "
		 "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca "
		 "  -keyout ca.key -out ca.crt && "
		 "openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server.key -out server.csr && "
		 "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
		 "  -out server.crt && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
		 "  -subj /CN=localhost -keyout ec.key -out ec.crt && "
		 "openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out other.key",
		 dir);
	if (system(cmd))
		fail_msg("openssl could not make the test certificates: see %s/openssl.log", dir);
	return true;
}

static int setup(void **state)
{
	char path[sizeof(dir) + 32];

	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(cfg, sizeof(cfg), "%s/web.yml", dir);
	snprintf(path, sizeof(path), "%s/not-pem", dir);
	write_file(path, "just text\n");
	make_hash("secret", BCRYPT_TEST_COST, alice_hash);
	make_hash("dear", BCRYPT_DEAR_COST, dear_hash);
	have_certs = make_certs();
	return 0;
}

static int teardown(void **state)
{
	char cmd[sizeof(dir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

#define NEED_CERTS()								\
	do {									\
		if (!have_certs) {						\
			print_message("# SKIP openssl is not installed\n");	\
			skip();							\
		}								\
	} while (0)

#define TLS_HEAD	"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"

static void test_tls_files(void **state)
{
	char err[ERR_LEN], want[sizeof(dir) + 32], *pem;
	struct web_config c;

	(void)state;
	NEED_CERTS();
	/* cert_file absolute, key_file relative: to the config file's directory */
	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: %s/server.crt\n"
			      "  key_file: server.key\n  min_version: TLS13\n", dir), 0);
	pem = read_back("server.crt");
	assert_string_equal(c.cert_pem, pem);
	free(pem);
	snprintf(want, sizeof(want), "%s/server.key", dir);
	assert_string_equal(c.key_file, want);
	assert_true(c.tls);
	assert_non_null(c.tls_objects);
	assert_int_equal(c.min_tls, WEB_TLS13);
	assert_int_equal(c.max_tls, WEB_TLS_MAX_DEFAULT);
	/* TLS 1.3 only: no suite of TLS 1.0-1.2 to pick */
	assert_int_equal(c.tls_objects->nr_suites, 0);
	assert_int_equal(c.nr_users, 0);
	web_config__free(&c);

	/* exporter-toolkit's defaults */
	assert_int_equal(load(&c, err, TLS_HEAD), 0);
	assert_int_equal(c.min_tls, WEB_TLS_MIN_DEFAULT);
	assert_int_equal(c.client_auth, WEB_NO_CLIENT_CERT);
	assert_true(c.prefer_server_suites);
	assert_true(c.http2);
	assert_int_equal(c.tls_objects->cert_request, GNUTLS_CERT_IGNORE);
	/* Go's default suites for an RSA key: the ECDHE-RSA ones, AES-GCM first */
	assert_int_equal(c.tls_objects->nr_suites, 5);
	assert_string_equal(c.tls_objects->suites[0]->go_name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	web_config__free(&c);
}

static void test_tls_inline(void **state)
{
	char err[ERR_LEN], *pem[3], *text, *p, *cert, *key, *ca;
	struct web_config c;
	size_t i, n;

	(void)state;
	NEED_CERTS();
	pem[0] = read_back("server.crt");
	pem[1] = read_back("server.key");
	pem[2] = read_back("ca.crt");
	/* YAML block scalars: each PEM line indented */
	for (i = 0; i < 3; i++) {
		for (p = pem[i], n = 0; *p; p++)
			n += *p == '\n';
		text = calloc(1, strlen(pem[i]) + 4 * n + 1);
		assert_non_null(text);
		for (p = pem[i], n = 0; *p; p++) {
			if (p == pem[i] || p[-1] == '\n')
				n += (size_t)sprintf(text + n, "    ");
			text[n++] = *p;
		}
		free(pem[i]);
		pem[i] = text;
	}
	cert = pem[0], key = pem[1], ca = pem[2];
	assert_int_equal(load(&c, err, "tls_server_config:\n  cert: |\n%s  key: |\n%s"
			      "  client_ca: |\n%s  client_auth_type: RequireAndVerifyClientCert\n",
			      cert, key, ca), 0);
	assert_null(c.cert_file);
	assert_non_null(strstr(c.cert_pem, "-----BEGIN CERTIFICATE-----\n"));
	assert_non_null(c.client_ca_pem);
	assert_int_equal(c.client_auth, WEB_REQUIRE_AND_VERIFY_CLIENT_CERT);
	assert_int_equal(c.tls_objects->cert_request, GNUTLS_CERT_REQUIRE);
	web_config__free(&c);
	/* cert_file from a file, key inline: exporter-toolkit's requireanyclientcertkeyinline */
	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n  key: |\n%s"
			      "  client_auth_type: RequireAnyClientCert\n", key), 0);
	web_config__free(&c);
	/* inline and file twins are exclusive */
	assert_refused(load(&c, err, TLS_HEAD "  cert: |\n%s", cert), err, 4, "both cert and cert_file");
	assert_refused(load(&c, err, TLS_HEAD "  client_auth_type: RequireAnyClientCert\n"
			    "  client_ca_file: ca.crt\n  client_ca: |\n%s", ca), err, 6, "client_ca");
	/* inline text that is no PEM: named at its key */
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n"
			    "  key: this is no key\n"), err, 3, "key");
	assert_refused(load(&c, err, TLS_HEAD "  client_auth_type: RequireAndVerifyClientCert\n"
			    "  client_ca: not a certificate\n"), err, 5, "client_ca");
	free(cert);
	free(key);
	free(ca);
}

static void test_client_auth(void **state)
{
	static const struct { const char *name; enum web_client_auth a; unsigned int req; } policies[] = {
		{ "NoClientCert", WEB_NO_CLIENT_CERT, GNUTLS_CERT_IGNORE },
		{ "RequestClientCert", WEB_REQUEST_CLIENT_CERT, GNUTLS_CERT_REQUEST },
		{ "RequireAnyClientCert", WEB_REQUIRE_ANY_CLIENT_CERT, GNUTLS_CERT_REQUIRE },
		{ "RequireClientCert", WEB_REQUIRE_ANY_CLIENT_CERT, GNUTLS_CERT_REQUIRE },
		{ "VerifyClientCertIfGiven", WEB_VERIFY_CLIENT_CERT_IF_GIVEN, GNUTLS_CERT_REQUEST },
		{ "RequireAndVerifyClientCert", WEB_REQUIRE_AND_VERIFY_CLIENT_CERT, GNUTLS_CERT_REQUIRE },
	};
	struct web_config c;
	char err[ERR_LEN];
	size_t i;

	(void)state;
	NEED_CERTS();
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		assert_int_equal(load(&c, err, TLS_HEAD "  client_auth_type: %s\n%s", policies[i].name,
				      policies[i].a == WEB_NO_CLIENT_CERT ? "" : "  client_ca_file: ca.crt\n"), 0);
		assert_int_equal(c.client_auth, policies[i].a);
		assert_int_equal(c.tls_objects->cert_request, policies[i].req);
		web_config__free(&c);
	}
	assert_refused(load(&c, err, TLS_HEAD "  client_auth_type: VerifyClientCert\n"), err, 4,
		       "client_auth_type");
	/* a client CA without a policy: exporter-toolkit's web_config_noAuth.bad */
	assert_refused(load(&c, err, TLS_HEAD "  client_ca_file: ca.crt\n"), err, 4, "client_auth_type");
	assert_refused(load(&c, err, TLS_HEAD "  client_auth_type: RequireAndVerifyClientCert\n"
			    "  client_ca_file: missing.crt\n"), err, 5, "missing.crt");
	assert_refused(load(&c, err, TLS_HEAD "  client_auth_type: RequireAndVerifyClientCert\n"
			    "  client_ca_file: not-pem\n"), err, 5, "client_ca_file");
	/* a verifying policy without a CA: Go's system roots, said in a warning */
	assert_int_equal(load(&c, err, TLS_HEAD "  client_auth_type: RequireAndVerifyClientCert\n"), 0);
	assert_non_null(strstr(c.warnings, "system's trust store"));
	web_config__free(&c);
	/* client_allowed_sans: only where a certificate is required */
	assert_int_equal(load(&c, err, TLS_HEAD "  client_auth_type: RequireAnyClientCert\n"
			      "  client_allowed_sans:\n    - one.example\n    - 10.0.0.1\n"), 0);
	assert_true(c.check_sans);
	assert_int_equal(c.nr_allowed_sans, 2);
	assert_string_equal(c.allowed_sans[1], "10.0.0.1");
	web_config__free(&c);
	assert_refused(load(&c, err, TLS_HEAD "  client_allowed_sans: [one]\n"), err, 4,
		       "client_allowed_sans");
	assert_refused(load(&c, err, TLS_HEAD "  client_auth_type: VerifyClientCertIfGiven\n"
			    "  client_ca_file: ca.crt\n  client_allowed_sans: [one]\n"), err, 6,
		       "RequireAnyClientCert");
	assert_refused(load(&c, err, TLS_HEAD "  client_auth_type: RequireAnyClientCert\n"
			    "  client_allowed_sans: one\n"), err, 5, "list");
}

static void test_versions(void **state)
{
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	NEED_CERTS();
	assert_int_equal(load(&c, err, TLS_HEAD "  min_version: TLS10\n  max_version: TLS11\n"), 0);
	assert_int_equal(c.min_tls, WEB_TLS10);
	assert_int_equal(c.max_tls, WEB_TLS10 + 1);
	/* Go's defaults minus the GCM and ChaCha suites, which need TLS 1.2 */
	assert_int_equal(c.tls_objects->nr_suites, 2);
	web_config__free(&c);
	/* exporter-toolkit's web_config_noAuth_wrongTLSVersion.bad */
	assert_refused(load(&c, err, TLS_HEAD "  min_version: TLS111\n"), err, 4, "TLS111");
	assert_refused(load(&c, err, TLS_HEAD "  max_version: SSL3\n"), err, 4, "max_version");
	assert_refused(load(&c, err, TLS_HEAD "  min_version: TLS13\n  max_version: TLS12\n"), err, 4,
		       "above max_version");
}

static void test_suites(void **state)
{
	const struct web_tls *t;
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	NEED_CERTS();
	/* file order kept; the ECDSA suite cannot serve an RSA key; TLS 1.3 names are Go's no-op */
	assert_int_equal(load(&c, err, TLS_HEAD "  cipher_suites:\n"
			      "    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n"
			      "    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n"
			      "    - TLS_AES_128_GCM_SHA256\n"
			      "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
			      "    - TLS_RSA_WITH_AES_128_CBC_SHA\n"
			      "  prefer_server_cipher_suites: false\n"), 0);
	assert_int_equal(c.nr_suites, 5);
	assert_false(c.prefer_server_suites);
	t = c.tls_objects;
	assert_int_equal(t->nr_suites, 3);
	assert_int_equal(t->suites[0]->id, 0xc030);
	assert_int_equal(t->suites[1]->id, 0xc02f);
	assert_int_equal(t->suites[2]->id, 0x002f);
	web_config__free(&c);
	/* an EC key keeps only the ECDSA suites */
	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: ec.crt\n  key_file: ec.key\n"), 0);
	for (size_t i = 0; i < c.tls_objects->nr_suites; i++)
		assert_non_null(strstr(c.tls_objects->suites[i]->go_name, "ECDSA"));
	assert_int_equal(c.tls_objects->nr_suites, 5);
	web_config__free(&c);
	/* exporter-toolkit's web_config_noAuth_inventedCiphers.bad; Go's insecure list too */
	assert_refused(load(&c, err, TLS_HEAD "  cipher_suites:\n"
			    "  - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA2048\n"), err, 5, "unknown cipher");
	assert_refused(load(&c, err, TLS_HEAD "  cipher_suites: [TLS_RSA_WITH_3DES_EDE_CBC_SHA]\n"),
		       err, 4, "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
	/* HTTP/2 needs an ECDHE AES-128-GCM suite (web_config_noAuth_noHTTP2Cipher.bad)... */
	assert_refused(load(&c, err, TLS_HEAD "  cipher_suites:\n    - TLS_RSA_WITH_AES_128_CBC_SHA\n"
			    "  max_version: TLS12\n"), err, 4, "http2: false");
	/* ...unless http2 is off (web_config_noAuth_noHTTP2.good) */
	assert_int_equal(load(&c, err, TLS_HEAD "  cipher_suites:\n    - TLS_RSA_WITH_AES_128_CBC_SHA\n"
			      "  max_version: TLS12\nhttp_server_config:\n  http2: false\n"), 0);
	assert_false(c.http2);
	web_config__free(&c);
	/* no suite can serve this key below TLS 1.3, and TLS 1.3 is off: nobody could connect */
	assert_refused(load(&c, err, TLS_HEAD "  cipher_suites:\n"
			    "    - TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n  max_version: TLS12\n"),
		       err, 4, "cipher_suites");
}

static void test_pick(void **state)
{
	static const uint16_t client[] = { 0xc02f, 0xc030 }, p256[] = { 23 }, p384[] = { 24 };
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	NEED_CERTS();
	assert_int_equal(load(&c, err, TLS_HEAD "  cipher_suites:\n"
			      "    - TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384\n"
			      "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n"
			      "    - TLS_RSA_WITH_AES_128_CBC_SHA\n"
			      "  curve_preferences: [CurveP256]\n"), 0);
	/* the server's order, then the client's */
	assert_int_equal(web_tls__pick(c.tls_objects, true, 12, client, 2, p256, 1), 0);
	assert_int_equal(web_tls__pick(c.tls_objects, false, 12, client, 2, p256, 1), 1);
	/* no common curve: no ECDHE, as in Go; the RSA suite if offered */
	assert_int_equal(web_tls__pick(c.tls_objects, true, 12, client, 2, p384, 1), -1);
	assert_int_equal(web_tls__pick(c.tls_objects, true, 12, (uint16_t[]){ 0xc030, 0x002f }, 2,
				       NULL, 0), 2);
	/* GCM needs TLS 1.2 */
	assert_int_equal(web_tls__pick(c.tls_objects, true, 11, client, 2, p256, 1), -1);
	assert_int_equal(web_tls__pick(c.tls_objects, true, 12, (uint16_t[]){ 0xc014 }, 1, p256, 1), -1);
	web_config__free(&c);
}

static void test_curves(void **state)
{
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	NEED_CERTS();
	/* exporter-toolkit's web_config_noAuth_allCurves.good, ML-KEM included */
	assert_int_equal(load(&c, err, TLS_HEAD "  curve_preferences:\n    - CurveP256\n    - CurveP384\n"
			      "    - CurveP521\n    - X25519\n    - X25519MLKEM768\n"), 0);
	assert_int_equal(c.nr_curves, 5);
	assert_int_equal(c.tls_objects->nr_groups, 4);
	assert_non_null(strstr(c.warnings, "X25519MLKEM768"));
	web_config__free(&c);
	assert_refused(load(&c, err, TLS_HEAD "  curve_preferences:\n  - CurveP257\n"), err, 5,
		       "unknown curve");
	assert_refused(load(&c, err, TLS_HEAD "  curve_preferences: [X25519MLKEM768]\n"), err, 4, "ML-KEM");
}

static void test_tls_keys_missing(void **state)
{
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	NEED_CERTS();
	/* "" is unset, as in Go: web_config_noAuth_certPath_empty.bad and friends */
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: \"\"\n  key_file: server.key\n"),
		       err, 1, "missing one of cert or cert_file");
	assert_refused(load(&c, err, "tls_server_config:\n  cert: \"\"\n  key_file: server.key\n"),
		       err, 1, "missing one of cert or cert_file");
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n  key: \"\"\n"),
		       err, 1, "missing one of key or key_file");
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: \"\"\n  key_file: \"\"\n"
			    "  client_auth_type: x\n"), err, 1, "cert_file");
	assert_refused(load(&c, err, "\ntls_server_config:\n  cert_file: server.crt\n"), err, 2, "key_file");
	/* missing files: named, at their line */
	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: missing.crt\n"
			      "  key_file: server.key\n"), -ENOENT);
	assert_at_line(err, 2);
	assert_non_null(strstr(err, "missing.crt"));
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n"
			    "  key_file: missing.key\n"), err, 3, "missing.key");
	/* not PEM, a key of another certificate */
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: not-pem\n  key_file: server.key\n"),
		       err, 2, "cert_file");
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n  key_file: not-pem\n"),
		       err, 3, "key_file");
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n"),
		       err, 3, "do not go together");
	/* TLS settings without a certificate: refused here (exporter-toolkit ignores them) */
	assert_refused(load(&c, err, "tls_server_config:\n  min_version: TLS12\n"), err, 2, "certificate");
	assert_refused(load(&c, err, "tls_server_config:\n  cipher_suites: [x]\n"), err, 2, "certificate");
	/* web_config_junk_key: an unknown key */
	assert_refused(load(&c, err, "tls_server_config:\n  cert_filse: server.crt\n"), err, 2, "cert_filse");
}

static void test_users(void **state)
{
	char err[ERR_LEN], bob_hash[CRYPT_OUTPUT_SIZE], *y_hash;
	unsigned long runs;
	struct web_config c;
	bool known;

	(void)state;
	/* htpasswd writes $2y$: the same algorithm, another name */
	y_hash = strdup(make_hash("hunter2", BCRYPT_TEST_COST, bob_hash));
	y_hash[2] = 'y';
	assert_int_equal(load(&c, err, "basic_auth_users:\n  alice: '%s'\n  bob: %s\n  carol: %s\n",
			      alice_hash, y_hash, dear_hash), 0);
	assert_false(c.tls);
	assert_int_equal(c.nr_users, 3);
	assert_true(web_config__check(&c, "alice", "secret"));
	assert_true(web_config__check(&c, "bob", "hunter2"));
	assert_true(web_config__check(&c, "carol", "dear"));
	assert_false(web_config__check(&c, "alice", "hunter2"));
	assert_false(web_config__check(&c, "alice", ""));
	assert_false(web_config__check(&c, NULL, "secret"));
	assert_false(web_config__check(&c, "alice", NULL));
	/* an unknown user runs a bcrypt too, of the dearest cost in the file */
	runs = web_config__bcrypt_runs();
	assert_false(web_config__check(&c, "mallory", "secret"));
	assert_false(web_config__check(&c, "", "secret"));
	assert_int_equal(web_config__bcrypt_runs() - runs, 2);
	assert_ptr_equal(web_config__hash_of(&c, "mallory", &known), c.dummy_hash);
	assert_false(known);
	assert_int_equal(strncmp(c.dummy_hash, "$2b$06$", 7), 0);
	assert_int_equal(strlen(c.dummy_hash), WEB_BCRYPT_LEN);
	web_config__free(&c);
	free(y_hash);

	/* exporter-toolkit's web_config_auth_user_list_invalid.bad: not a bcrypt hash */
	assert_refused(load(&c, err, "basic_auth_users:\n  alice: %s\n  john: doe\n", alice_hash), err, 3,
		       "bcrypt");
	assert_refused(load(&c, err, "basic_auth_users:\n  bob: $1$abcdefgh$abcdefghijklmnopqrstuv\n"),
		       err, 2, "bcrypt");
	assert_refused(load(&c, err, "basic_auth_users:\n  bob: $2b$99%s\n", alice_hash + 6), err, 2,
		       "bcrypt");
	/* one name twice; a name with a colon cannot be sent in Basic auth */
	assert_refused(load(&c, err, "basic_auth_users:\n  a: %s\n  a: %s\n", alice_hash, alice_hash),
		       err, 3, "twice");
	assert_refused(load(&c, err, "basic_auth_users:\n  'a:b': %s\n", alice_hash), err, 2, "colon");
	assert_int_equal(load(&c, err, "basic_auth_users: {}\n"), 0);
	assert_false(web_config__check(&c, "alice", "secret"));
	web_config__free(&c);
}

static void test_http_server_config(void **state)
{
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	/* exporter-toolkit's web_config_headers.good */
	assert_int_equal(load(&c, err, "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
			      "    Strict-Transport-Security: max-age=31536000; includeSubDomains\n"
			      "    X-Content-Type-Options: nosniff\n    X-XSS-Protection: 1\n"
			      "    Content-Security-Policy: \"default-src 'self'\"\n"), 0);
	assert_int_equal(c.nr_headers, 5);
	assert_string_equal(c.headers[0].name, "X-Frame-Options");
	assert_string_equal(c.headers[4].value, "default-src 'self'");
	assert_true(c.http2);
	web_config__free(&c);
	/* "Unset if blank" */
	assert_int_equal(load(&c, err, "http_server_config:\n  headers:\n    X-XSS-Protection: ''\n"), 0);
	assert_int_equal(c.nr_headers, 0);
	web_config__free(&c);
	assert_int_equal(load(&c, err, "http_server_config:\n  http2: no\n"), 0);
	assert_false(c.http2);
	web_config__free(&c);
	/* ..._extra_header.bad, ..._frame_options.bad, ..._content_type_options.bad */
	assert_refused(load(&c, err, "http_server_config:\n  headers:\n    Content-Type: foo\n"), err, 3,
		       "can not be configured");
	assert_refused(load(&c, err, "http_server_config:\n  headers:\n    X-Frame-Options: foo\n"),
		       err, 3, "invalid value for X-Frame-Options");
	assert_refused(load(&c, err, "http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n"),
		       err, 3, "nosniff");
	/* names are exact, as Go's map; a value cannot break the header line */
	assert_refused(load(&c, err, "http_server_config:\n  headers:\n    x-frame-options: deny\n"), err, 3,
		       "x-frame-options");
	assert_refused(load(&c, err, "http_server_config:\n  headers:\n    X-XSS-Protection: \"1\\r\\nX: y\"\n"),
		       err, 3, "control character");
	assert_refused(load(&c, err, "http_server_config:\n  http2: \"true\"\n"), err, 2, "http2");
	assert_refused(load(&c, err, "http_server_config:\n  http3: true\n"), err, 2, "http3");
}

static void test_rate_limit(void **state)
{
	static const struct { const char *text; uint64_t ns; } ok[] = {
		{ "\"1s\"", 1000000000ULL }, { "250ms", 250000000ULL }, { "1m30s", 90000000000ULL },
		{ "1.5h", 5400000000000ULL }, { "0", 0 }, { "2000", 2000 }, { "10us", 10000 },
	};
	/* a bare 1 is a nanosecond to Go's yaml.v2, a quoted "1" has no unit */
	static const char *const bad[] = { "-1s", "\"1\"", "1x", "s", "1.s5", "0x10s", "1e3s" };
	struct web_config c;
	char err[ERR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (load(&c, err, "rate_limit:\n  interval: %s\n  burst: 3\n", ok[i].text))
			fail_msg("interval %s refused: %s", ok[i].text, err);
		assert_int_equal(c.rate_interval_ns, ok[i].ns);
		assert_int_equal(c.rate_burst, 3);
		web_config__free(&c);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_refused(load(&c, err, "rate_limit:\n  interval: %s\n", bad[i]), err, 2, "interval");
	}
	/* burst 0 refuses every request, as in exporter-toolkit: said in a warning */
	assert_int_equal(load(&c, err, "rate_limit:\n  interval: 1s\n  burst: 0\n"), 0);
	assert_non_null(strstr(c.warnings, "burst 0"));
	web_config__free(&c);
	assert_refused(load(&c, err, "rate_limit:\n  interval: 1s\n  burst: -1\n"), err, 3, "burst");
	assert_refused(load(&c, err, "rate_limit:\n  every: 1s\n"), err, 2, "every");
}

static void test_malformed(void **state)
{
	struct web_config c;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(load(&c, err, "tls_server_config:\n  cert_file: [oops\n"), -EINVAL);
	assert_non_null(strstr(err, "invalid YAML"));
	assert_null(strchr(err, '\n'));
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: server.crt\n  bogus: 1\n"
			    "  key_file: server.key\n"), err, 3, "\"bogus\"");
	assert_refused(load(&c, err, "basic_auth_users: {}\nsomething_else: {}\n"), err, 2, "something_else");
	assert_refused(load(&c, err, "- a\n- b\n"), err, 1, "mapping");
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file:\n    a: b\n"), err, 3, "string");
	assert_refused(load(&c, err, "rate_limit: {}\nrate_limit: {}\n"), err, 2, "duplicate");
	/* empty: plain HTTP, no auth (web_config_empty) */
	assert_int_equal(load(&c, err, ""), 0);
	assert_false(c.tls);
	web_config__free(&c);
	assert_int_equal(load(&c, err, "tls_server_config:\nbasic_auth_users: ~\n"), 0);
	assert_false(c.tls);
	assert_int_equal(c.nr_users, 0);
	web_config__free(&c);
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
	assert_refused(load(&c, err, "tls_server_config:\n  cert_file: fifo\n  key_file: server.key\n"),
		       err, 2, "not a regular file");
	assert_int_equal(web_config__load(fifo, &c, err, ERR_LEN), -EINVAL);
	assert_int_equal(web_config__load("/dev/zero", &c, err, ERR_LEN), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	alarm(0);
	unlink(fifo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_files),
		cmocka_unit_test(test_tls_inline),
		cmocka_unit_test(test_client_auth),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_suites),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_curves),
		cmocka_unit_test(test_tls_keys_missing),
		cmocka_unit_test(test_users),
		cmocka_unit_test(test_http_server_config),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_not_regular),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
