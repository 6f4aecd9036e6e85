// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tls_server_config onto GnuTLS 3.7: Go's names, the credentials and the
 * priorities of one loaded configuration (serve/webtls.h says how a
 * handshake uses them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gnutls/x509.h>
#include "serve/webtls.h"

#define PRIO_MAX	1024

/* Go's tls.CipherSuites(): the names exporter-toolkit accepts, no others */
static const struct web_suite suites[] = {
	{ "TLS_AES_128_GCM_SHA256", 0x1301, NULL, "AES-128-GCM", "AEAD", WEB_TLS13 },
	{ "TLS_AES_256_GCM_SHA384", 0x1302, NULL, "AES-256-GCM", "AEAD", WEB_TLS13 },
	{ "TLS_CHACHA20_POLY1305_SHA256", 0x1303, NULL, "CHACHA20-POLY1305", "AEAD", WEB_TLS13 },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xc009, "ECDHE-ECDSA", "AES-128-CBC", "SHA1", WEB_TLS10 },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xc00a, "ECDHE-ECDSA", "AES-256-CBC", "SHA1", WEB_TLS10 },
	{ "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xc013, "ECDHE-RSA", "AES-128-CBC", "SHA1", WEB_TLS10 },
	{ "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xc014, "ECDHE-RSA", "AES-256-CBC", "SHA1", WEB_TLS10 },
	{ "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, "ECDHE-ECDSA", "AES-128-GCM", "AEAD", 12 },
	{ "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, "ECDHE-ECDSA", "AES-256-GCM", "AEAD", 12 },
	{ "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, "ECDHE-RSA", "AES-128-GCM", "AEAD", 12 },
	{ "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030, "ECDHE-RSA", "AES-256-GCM", "AEAD", 12 },
	{ "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca8, "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD", 12 },
	{ "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", 0xcca9, "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD", 12 },
	{ "TLS_RSA_WITH_AES_128_CBC_SHA", 0x002f, "RSA", "AES-128-CBC", "SHA1", WEB_TLS10 },
	{ "TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, "RSA", "AES-256-CBC", "SHA1", WEB_TLS10 },
	{ "TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009c, "RSA", "AES-128-GCM", "AEAD", 12 },
	{ "TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009d, "RSA", "AES-256-GCM", "AEAD", 12 },
};

/* Go's own order of its default TLS 1.0-1.2 suites (no RSA key exchange since Go 1.22) */
static const uint16_t default_suites[] = {
	0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014,
};

/* Go's tls.CurveID names; the ML-KEM hybrids came with Go 1.24 and 1.26 */
static const struct web_curve curves[] = {
	{ "CurveP256", 23, "GROUP-SECP256R1" },
	{ "CurveP384", 24, "GROUP-SECP384R1" },
	{ "CurveP521", 25, "GROUP-SECP521R1" },
	{ "X25519", 29, "GROUP-X25519" },
	{ "X25519MLKEM768", 0x11ec, NULL },
	{ "SecP256r1MLKEM768", 0x11eb, NULL },
	{ "SecP384r1MLKEM1024", 0x11ed, NULL },
};

/* Go's default curve preferences before the ML-KEM hybrids */
static const char *const default_curves[] = { "X25519", "CurveP256", "CurveP384", "CurveP521" };

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

const struct web_suite *web_suite_by_name(const char *go_name)
{
	for (size_t i = 0; i < ARRAY_LEN(suites); i++)
		if (!strcmp(suites[i].go_name, go_name))
			return &suites[i];
	return NULL;
}

const struct web_suite *web_suite_by_id(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_LEN(suites); i++)
		if (suites[i].id == id)
			return &suites[i];
	return NULL;
}

const struct web_curve *web_curve_by_name(const char *go_name)
{
	for (size_t i = 0; i < ARRAY_LEN(curves); i++)
		if (!strcmp(curves[i].go_name, go_name))
			return &curves[i];
	return NULL;
}

void web_tls__free(struct web_tls *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nr_suites; i++)
		if (t->suite_prio[i])
			gnutls_priority_deinit(t->suite_prio[i]);
	if (t->base)
		gnutls_priority_deinit(t->base);
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	free(t);
}

/* Record which part failed and why (@gnutls_rc: a GnuTLS error, or 0); returns -EINVAL. */
static int fail_with(enum web_tls_part *part, enum web_tls_part which, char *why, size_t len,
		     int gnutls_rc, const char *what)
{
	*part = which;
	if (gnutls_rc)
		snprintf(why, len, "%s: %s", what, gnutls_strerror(gnutls_rc));
	else
		snprintf(why, len, "%s", what);
	return gnutls_rc == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
}

/* The public key algorithm of the first certificate of @pem, or a GnuTLS error. */
static int cert_pk(const char *pem, unsigned int *pk)
{
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned int)strlen(pem) };
	gnutls_x509_crt_t *list = NULL;
	unsigned int n = 0, i;
	int rc;

	rc = gnutls_x509_crt_list_import2(&list, &n, &d, GNUTLS_X509_FMT_PEM, 0);
	if (rc < 0)
		return rc;
	rc = n ? gnutls_x509_crt_get_pk_algorithm(list[0], NULL) : GNUTLS_E_NO_CERTIFICATE_FOUND;
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	gnutls_free(list);
	if (rc < 0)
		return rc;
	*pk = (unsigned int)rc;
	return 0;
}

static int check_key(const char *pem)
{
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned int)strlen(pem) };
	gnutls_x509_privkey_t key;
	int rc;

	rc = gnutls_x509_privkey_init(&key);
	if (rc < 0)
		return rc;
	rc = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_x509_privkey_deinit(key);
	return rc;
}

static int load_credentials(struct web_config *c, struct web_tls *t, unsigned int *pk,
			    enum web_tls_part *part, char *why, size_t len)
{
	gnutls_datum_t cert = { (unsigned char *)c->cert_pem, (unsigned int)strlen(c->cert_pem) };
	gnutls_datum_t key = { (unsigned char *)c->key_pem, (unsigned int)strlen(c->key_pem) };
	int rc;

	if ((rc = gnutls_certificate_allocate_credentials(&t->cred)) < 0)
		return fail_with(part, WEB_TLS_OTHER, why, len, rc, "GnuTLS");
	if ((rc = cert_pk(c->cert_pem, pk)) < 0)
		return fail_with(part, WEB_TLS_CERT, why, len, rc, "not a PEM certificate");
	if ((rc = check_key(c->key_pem)) < 0)
		return fail_with(part, WEB_TLS_KEY, why, len, rc, "not an unencrypted PEM private key");
	rc = gnutls_certificate_set_x509_key_mem2(t->cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	if (rc < 0)
		return fail_with(part, WEB_TLS_PAIR, why, len, rc, "the certificate and key do not go together");
	if (c->client_ca_pem) {
		gnutls_datum_t ca = { (unsigned char *)c->client_ca_pem,
				      (unsigned int)strlen(c->client_ca_pem) };

		rc = gnutls_certificate_set_x509_trust_mem(t->cred, &ca, GNUTLS_X509_FMT_PEM);
		if (rc <= 0)
			return fail_with(part, WEB_TLS_CLIENT_CA, why, len,
					 rc ? rc : GNUTLS_E_NO_CERTIFICATE_FOUND,
					 "no CA certificate in it");
	} else if (c->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN ||
		   c->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT) {
		/* Go verifies against the system's roots when ClientCAs is unset */
		rc = gnutls_certificate_set_x509_system_trust(t->cred);
		snprintf(c->warnings + strlen(c->warnings), sizeof(c->warnings) - strlen(c->warnings),
			 "%s%s without client_ca_file: client certificates are verified against the "
			 "system's trust store (%d CA certificates), as Go does",
			 c->warnings[0] ? "; " : "", web_client_auth_name(c->client_auth), rc > 0 ? rc : 0);
	}
	return 0;
}

static bool key_fits(const struct web_suite *s, unsigned int pk)
{
	bool rsa = pk == GNUTLS_PK_RSA || pk == GNUTLS_PK_RSA_PSS;

	if (!strcmp(s->kx, "ECDHE-ECDSA"))
		return !rsa;
	/* RSA key exchange encrypts to the key: plain RSA only, never RSA-PSS */
	return !strcmp(s->kx, "RSA") ? pk == GNUTLS_PK_RSA : rsa;
}

/* "+NAME" once each: GnuTLS would take a repeat, but the string stays short */
static void add_once(char *prio, size_t len, const char *name)
{
	char item[64];

	snprintf(item, sizeof(item), ":+%s", name);
	if (!strstr(prio, item))
		snprintf(prio + strlen(prio), len - strlen(prio), "%s", item);
}

/* "NORMAL:-VERS-ALL:+VERS-TLS1.2:...:-GROUP-ALL:+GROUP-..." */
static void common_prio(const struct web_config *c, struct web_tls *t, char *prio, size_t len)
{
	const struct web_curve *cv;
	size_t i;

	snprintf(prio, len, "NORMAL:-VERS-ALL");
	for (int v = c->min_tls; v <= c->max_tls; v++)
		snprintf(prio + strlen(prio), len - strlen(prio), ":+VERS-TLS1.%d", v - WEB_TLS10);
	snprintf(prio + strlen(prio), len - strlen(prio), ":-GROUP-ALL");
	t->nr_groups = 0;
	for (i = 0; i < (c->nr_curves ? c->nr_curves : ARRAY_LEN(default_curves)); i++) {
		if (c->nr_curves) {
			for (cv = curves; cv < curves + ARRAY_LEN(curves) && cv->id != c->curves[i]; cv++)
				;
		} else {
			cv = web_curve_by_name(default_curves[i]);
		}
		if (cv >= curves + ARRAY_LEN(curves) || !cv->group)
			continue;
		add_once(prio, len, cv->group);
		t->groups[t->nr_groups++] = cv->id;
	}
	if (c->prefer_server_suites)
		snprintf(prio + strlen(prio), len - strlen(prio), ":%%SERVER_PRECEDENCE");
}

static int build_priorities(struct web_config *c, struct web_tls *t, unsigned int pk,
			    enum web_tls_part *part, char *why, size_t len)
{
	const uint16_t *ids = c->suites_given ? c->suites : default_suites;
	size_t nr = c->suites_given ? c->nr_suites : ARRAY_LEN(default_suites), i;
	char common[PRIO_MAX], base[PRIO_MAX], one[PRIO_MAX];
	const char *at;
	int rc;

	common_prio(c, t, common, sizeof(common));
	for (i = 0; i < nr; i++) {
		const struct web_suite *s = web_suite_by_id(ids[i]);

		/* TLS 1.0-1.2 suites, for a version range that has one of those */
		if (s && s->kx && s->min_tls <= c->max_tls && c->min_tls < WEB_TLS13 && key_fits(s, pk))
			t->suites[t->nr_suites++] = s;
	}
	/* Go's TLS 1.3 suites are fixed: cipher_suites never changes them */
	snprintf(base, sizeof(base), "%s:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305",
		 common);
	for (i = 0; i < t->nr_suites; i++)
		add_once(base, sizeof(base), t->suites[i]->cipher);
	snprintf(base + strlen(base), sizeof(base) - strlen(base), ":-MAC-ALL:+AEAD");
	for (i = 0; i < t->nr_suites; i++)
		add_once(base, sizeof(base), t->suites[i]->mac);
	snprintf(base + strlen(base), sizeof(base) - strlen(base), ":-KX-ALL");
	for (i = 0; i < t->nr_suites; i++)
		add_once(base, sizeof(base), t->suites[i]->kx);
	if (!t->nr_suites && c->max_tls < WEB_TLS13)
		return fail_with(part, WEB_TLS_SUITES, why, len, 0,
				 "no suite of cipher_suites can serve this certificate's key below TLS 1.3");
	if ((rc = gnutls_priority_init(&t->base, base, &at)) < 0)
		return fail_with(part, WEB_TLS_OTHER, why, len, rc, "GnuTLS priorities");
	for (i = 0; i < t->nr_suites; i++) {
		snprintf(one, sizeof(one), "%s:-VERS-TLS1.3:-CIPHER-ALL:+%s:-MAC-ALL:+%s:-KX-ALL:+%s",
			 common, t->suites[i]->cipher, t->suites[i]->mac, t->suites[i]->kx);
		if ((rc = gnutls_priority_init(&t->suite_prio[i], one, &at)) < 0)
			return fail_with(part, WEB_TLS_SUITES, why, len, rc, t->suites[i]->go_name);
	}
	return 0;
}

int web_tls__build(struct web_config *c, enum web_tls_part *part, char *why, size_t why_len)
{
	struct web_tls *t = calloc(1, sizeof(*t));
	unsigned int pk = 0;
	int rc;

	if (!t)
		return fail_with(part, WEB_TLS_OTHER, why, why_len, GNUTLS_E_MEMORY_ERROR, "memory");
	switch (c->client_auth) {
	case WEB_NO_CLIENT_CERT:
		t->cert_request = GNUTLS_CERT_IGNORE;
		break;
	case WEB_REQUIRE_ANY_CLIENT_CERT:
	case WEB_REQUIRE_AND_VERIFY_CLIENT_CERT:
		t->cert_request = GNUTLS_CERT_REQUIRE;
		break;
	default:
		t->cert_request = GNUTLS_CERT_REQUEST;
	}
	rc = load_credentials(c, t, &pk, part, why, why_len);
	if (!rc)
		rc = build_priorities(c, t, pk, part, why, why_len);
	if (rc) {
		web_tls__free(t);
		return rc;
	}
	c->tls_objects = t;
	return 0;
}

static bool offered(uint16_t id, const uint16_t *list, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		if (list[i] == id)
			return true;
	return false;
}

/* Can suite @i of @t serve this handshake? */
static bool usable(const struct web_tls *t, size_t i, int version, bool ecdhe_ok)
{
	return t->suites[i]->min_tls <= version &&
	       (ecdhe_ok || strncmp(t->suites[i]->kx, "ECDHE", strlen("ECDHE")));
}

int web_tls__pick(const struct web_tls *t, bool server_order, int version,
		  const uint16_t *ids, size_t nr, const uint16_t *groups, size_t nr_groups)
{
	bool ecdhe_ok = false;
	size_t i, j;

	/* Go: an ECDHE suite only with a curve both sides have */
	for (i = 0; groups && i < t->nr_groups && !ecdhe_ok; i++)
		ecdhe_ok = offered(t->groups[i], groups, nr_groups);
	if (server_order) {
		for (i = 0; i < t->nr_suites; i++)
			if (offered(t->suites[i]->id, ids, nr) && usable(t, i, version, ecdhe_ok))
				return (int)i;
		return -1;
	}
	for (j = 0; j < nr; j++)
		for (i = 0; i < t->nr_suites; i++)
			if (t->suites[i]->id == ids[j] && usable(t, i, version, ecdhe_ok))
				return (int)i;
	return -1;
}
