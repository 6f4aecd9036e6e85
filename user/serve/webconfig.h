/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The exporter-toolkit web config file (--web.config.file): the YAML that
 * node_exporter and the other Prometheus exporters read, every key with
 * exporter-toolkit's meaning (docs/web-config.md has the table, and what
 * differs):
 *
 *   tls_server_config:	cert/cert_file, key/key_file, client_ca/client_ca_file,
 *			client_auth_type, client_allowed_sans, min_version,
 *			max_version, cipher_suites, prefer_server_cipher_suites,
 *			curve_preferences
 *   http_server_config:	http2, headers
 *   basic_auth_users:	NAME: bcrypt hash
 *   rate_limit:		interval (Go duration), burst
 *
 * Loading checks everything, the certificate and key pair and the client
 * CA included (the GnuTLS objects are built here), so a file that loads
 * serves; one that does not is refused with one line naming the file, the
 * line and the key.
 */
#ifndef VFLOW_WEBCONFIG_H
#define VFLOW_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* exporter-toolkit's client_auth_type, Go's tls.ClientAuthType */
enum web_client_auth {
	WEB_NO_CLIENT_CERT,		/* default */
	WEB_REQUEST_CLIENT_CERT,	/* asked for, never checked */
	WEB_REQUIRE_ANY_CLIENT_CERT,	/* required, not verified (SANs may be checked) */
	WEB_VERIFY_CLIENT_CERT_IF_GIVEN,	/* optional; verified when sent */
	WEB_REQUIRE_AND_VERIFY_CLIENT_CERT,	/* mutual TLS */
};

/* TLS versions as exporter-toolkit names them: TLS10 .. TLS13 */
#define WEB_TLS10		10
#define WEB_TLS13		13
#define WEB_TLS_MIN_DEFAULT	12
#define WEB_TLS_MAX_DEFAULT	13
/* Go knows 17 cipher suite names, 4 curves (7 with the ML-KEM hybrids) */
#define WEB_SUITES_MAX		32
#define WEB_CURVES_MAX		8
/* the headers exporter-toolkit lets a file set */
#define WEB_HEADERS_MAX		5
#define WEB_BCRYPT_LEN		60
#define WEB_WARNINGS_MAX	512

struct web_user {
	char *name;
	char *hash;
};

struct web_header {
	const char *name;	/* one of exporter-toolkit's five, static */
	char *value;
};

struct web_tls;		/* the GnuTLS objects: serve/webtls.h */

struct web_config {
	char *path;			/* the file loaded */

	/* tls_server_config: HTTPS when tls is set */
	bool tls;
	char *cert_file, *key_file, *client_ca_file;	/* resolved; NULL when inline or unset */
	char *cert_pem, *key_pem, *client_ca_pem;	/* the PEM text, inline or read */
	enum web_client_auth client_auth;
	char **allowed_sans;		/* client_allowed_sans, exact matches */
	size_t nr_allowed_sans;
	bool check_sans;		/* the key was given (an empty list admits nobody) */
	int min_tls, max_tls;		/* WEB_TLS10 .. WEB_TLS13 */
	uint16_t suites[WEB_SUITES_MAX];	/* IANA ids of cipher_suites, in file order */
	size_t nr_suites;
	bool suites_given;		/* else Go's default TLS 1.0-1.2 suites */
	int curves[WEB_CURVES_MAX];	/* GnuTLS group ids, in preference order */
	size_t nr_curves;		/* 0: the default X25519, P-256, P-384, P-521 */
	bool prefer_server_suites;	/* default true */
	struct web_tls *tls_objects;	/* credentials and priorities, when tls */

	/* http_server_config */
	bool http2;			/* default true; HTTP/1.1 is all vflowd speaks */
	struct web_header headers[WEB_HEADERS_MAX];
	size_t nr_headers;

	/* rate_limit: a token bucket, off when the interval is 0 */
	uint64_t rate_interval_ns;
	long rate_burst;

	/* basic_auth_users */
	struct web_user *users;
	size_t nr_users;
	/* what an unknown user is checked against: a bcrypt of the dearest cost in users */
	char dummy_hash[WEB_BCRYPT_LEN + 1];

	/* what the file asks for that is done differently here, "; " between */
	char warnings[WEB_WARNINGS_MAX];
};

/*
 * Load @path into @out (zeroed first; free it with web_config__free() on
 * success only). 0, or -EINVAL/-errno with a one-line message
 * "FILE:LINE: what is wrong, what to do" in @err.
 */
int web_config__load(const char *path, struct web_config *out, char *err, size_t err_len);
void web_config__free(struct web_config *c);

/* The hash @user's password is checked against: the dummy hash for an unknown user. */
const char *web_config__hash_of(const struct web_config *c, const char *user, bool *known);

/*
 * Does @password match @user's bcrypt hash? Runs bcrypt even for an unknown
 * user, against a hash of the same cost, so timing does not tell who
 * exists. Slow by design (tens of ms): http_auth.c caches successes and
 * runs it on a worker thread. Thread-safe. False when no users are set.
 */
bool web_config__check(const struct web_config *c, const char *user, const char *password);

/* Does @password match bcrypt @hash? One full bcrypt, counted below. */
bool web_bcrypt_matches(const char *hash, const char *password);

/* bcrypt computations run since start (for the tests). */
unsigned long web_config__bcrypt_runs(void);

/* Go's names, for messages and the tests: NULL when unknown */
const char *web_client_auth_name(enum web_client_auth a);

#endif
