// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tls_server_config of the web config file, with exporter-toolkit's
 * meaning for each key and its refusals (a client CA without a policy,
 * client_allowed_sans with a policy that lets a client send no
 * certificate, unknown versions, ciphers and curves, a cipher list HTTP/2
 * cannot use). An empty string is an unset key, as in Go. Where vflowd
 * refuses what exporter-toolkit takes, docs/web-config.md says why.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "serve/webconfig_internal.h"
#include "serve/webtls.h"

#define WHY_MAX		256

enum tls_key {
	K_CERT, K_KEY, K_CLIENT_CA, K_CERT_FILE, K_KEY_FILE, K_CLIENT_AUTH, K_CLIENT_CA_FILE,
	K_SANS, K_MIN, K_MAX, K_SUITES, K_PREFER, K_CURVES, NR_TLS_KEYS,
};

static const char *const tls_keys[NR_TLS_KEYS] = {
	"cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file",
	"client_allowed_sans", "min_version", "max_version", "cipher_suites",
	"prefer_server_cipher_suites", "curve_preferences",
};

static const char *const client_auth_names[] = {
	[WEB_NO_CLIENT_CERT] = "NoClientCert",
	[WEB_REQUEST_CLIENT_CERT] = "RequestClientCert",
	[WEB_REQUIRE_ANY_CLIENT_CERT] = "RequireAnyClientCert",
	[WEB_VERIFY_CLIENT_CERT_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WEB_REQUIRE_AND_VERIFY_CLIENT_CERT] = "RequireAndVerifyClientCert",
};

const char *web_client_auth_name(enum web_client_auth a)
{
	return (size_t)a < sizeof(client_auth_names) / sizeof(client_auth_names[0]) ?
	       client_auth_names[a] : NULL;
}

struct tls_nodes {
	yaml_node_t *section;		/* the "tls_server_config" key: for what is missing */
	yaml_node_t *k[NR_TLS_KEYS];	/* each key, for what is wrong with its whole value */
	yaml_node_t *n[NR_TLS_KEYS];
	const char *s[NR_TLS_KEYS];	/* the string keys' text; NULL when unset or "" */
};

static bool is_string_key(enum tls_key k)
{
	return k <= K_CLIENT_CA_FILE || k == K_MIN || k == K_MAX;
}

static int collect(struct loader *l, yaml_node_t *tls, struct tls_nodes *t)
{
	int rc;

	if ((rc = loader_collect(l, tls, "tls_server_config", tls_keys, NR_TLS_KEYS, t->k, t->n)))
		return rc;
	for (int i = 0; i < NR_TLS_KEYS; i++) {
		if (!t->n[i] || !is_string_key((enum tls_key)i))
			continue;
		if (!(t->s[i] = loader_scalar(l, t->n[i], tls_keys[i], &rc)))
			return rc;
		if (!t->s[i][0])
			t->s[i] = NULL;	/* Go: "" is unset */
	}
	return 0;
}

/* One of the pair (inline, file) for @what; both is refused, neither is -ENOENT. */
static int one_of(struct loader *l, struct tls_nodes *t, enum tls_key inl,
		  enum tls_key file)
{
	if (t->s[inl] && t->s[file])
		return loader_fail(l, t->n[inl], -EINVAL, "both %s and %s are set: keep one (inline "
				   "PEM or a file)", tls_keys[inl], tls_keys[file]);
	return t->s[inl] || t->s[file] ? 0 : -ENOENT;
}

/* The PEM text of (inline @inl | file @file) into *@pem, the resolved path into *@path. */
static int read_source(struct loader *l, struct tls_nodes *t, enum tls_key inl, enum tls_key file,
		       char **path, char **pem)
{
	if (t->s[inl]) {
		*pem = strdup(t->s[inl]);
		return *pem ? 0 : loader_fail(l, t->n[inl], -ENOMEM, "out of memory");
	}
	*path = loader_resolve(l->path, t->s[file]);
	if (!*path)
		return loader_fail(l, t->n[file], -ENOMEM, "out of memory");
	return loader_read_pem(l, t->n[file], tls_keys[file], *path, pem);
}

static int parse_version(struct loader *l, struct tls_nodes *t, enum tls_key k, int *out)
{
	static const char *const names[] = { "TLS10", "TLS11", "TLS12", "TLS13" };

	if (!t->s[k])
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(t->s[k], names[i])) {
			*out = WEB_TLS10 + (int)i;
			return 0;
		}
	}
	return loader_fail(l, t->n[k], -EINVAL, "unknown TLS version \"%s\" in %s: use TLS10, TLS11, "
			   "TLS12 or TLS13", t->s[k], tls_keys[k]);
}

static int parse_client_auth(struct loader *l, struct tls_nodes *t, struct web_config *out)
{
	const char *s = t->s[K_CLIENT_AUTH];

	if (!s)
		return 0;
	/* "RequireClientCert": exporter-toolkit keeps the old name working */
	if (!strcmp(s, "RequireClientCert")) {
		out->client_auth = WEB_REQUIRE_ANY_CLIENT_CERT;
		return 0;
	}
	for (size_t i = 0; i < sizeof(client_auth_names) / sizeof(client_auth_names[0]); i++) {
		if (!strcmp(s, client_auth_names[i])) {
			out->client_auth = (enum web_client_auth)i;
			return 0;
		}
	}
	return loader_fail(l, t->n[K_CLIENT_AUTH], -EINVAL, "invalid client_auth_type \"%s\": use "
			   "NoClientCert, RequestClientCert, RequireAnyClientCert, "
			   "VerifyClientCertIfGiven or RequireAndVerifyClientCert", s);
}

static int parse_sans(struct loader *l, yaml_node_t *list, struct web_config *out)
{
	yaml_node_item_t *item;
	yaml_node_t *v;
	const char *s;
	int rc;

	if ((rc = loader_expect_list(l, list, "client_allowed_sans")))
		return rc;
	out->check_sans = true;
	out->allowed_sans = calloc((size_t)(list->data.sequence.items.top -
					    list->data.sequence.items.start) + 1, sizeof(char *));
	if (!out->allowed_sans)
		return loader_fail(l, list, -ENOMEM, "out of memory");
	for_each_item(l, list, item, v) {
		if (!(s = loader_scalar(l, v, "a client_allowed_sans entry", &rc)))
			return rc;
		if (!(out->allowed_sans[out->nr_allowed_sans++] = strdup(s)))
			return loader_fail(l, v, -ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_suites(struct loader *l, yaml_node_t *list, struct web_config *out)
{
	const struct web_suite *suite;
	yaml_node_item_t *item;
	yaml_node_t *v;
	const char *s;
	int rc;

	if ((rc = loader_expect_list(l, list, "cipher_suites")))
		return rc;
	out->suites_given = true;
	for_each_item(l, list, item, v) {
		if (!(s = loader_scalar(l, v, "a cipher suite", &rc)))
			return rc;
		if (!(suite = web_suite_by_name(s)))
			return loader_fail(l, v, -EINVAL, "unknown cipher \"%s\" in cipher_suites: use Go's "
					   "names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (Go's "
					   "insecure suites are refused, as in exporter-toolkit)", s);
		if (out->nr_suites == WEB_SUITES_MAX)
			return loader_fail(l, v, -EINVAL, "cipher_suites has over %d entries: list each "
					   "suite once", WEB_SUITES_MAX);
		out->suites[out->nr_suites++] = suite->id;
	}
	return 0;
}

static int parse_curves(struct loader *l, yaml_node_t *key, yaml_node_t *list, struct web_config *out)
{
	const struct web_curve *curve;
	yaml_node_item_t *item;
	size_t usable = 0;
	yaml_node_t *v;
	const char *s;
	int rc;

	if ((rc = loader_expect_list(l, list, "curve_preferences")))
		return rc;
	for_each_item(l, list, item, v) {
		if (!(s = loader_scalar(l, v, "a curve", &rc)))
			return rc;
		if (!(curve = web_curve_by_name(s)))
			return loader_fail(l, v, -EINVAL, "unknown curve \"%s\" in curve_preferences: use "
					   "CurveP256, CurveP384, CurveP521 or X25519", s);
		if (out->nr_curves == WEB_CURVES_MAX)
			return loader_fail(l, v, -EINVAL, "curve_preferences has over %d entries: list "
					   "each curve once", WEB_CURVES_MAX);
		if (!curve->group)
			loader_warn(l, "curve_preferences: %s is not offered: GnuTLS 3.7 has no ML-KEM "
				    "groups", s);
		else
			usable++;
		out->curves[out->nr_curves++] = curve->id;
	}
	if (out->nr_curves && !usable)
		return loader_fail(l, key, -EINVAL, "curve_preferences has only ML-KEM groups, which "
				   "GnuTLS 3.7 lacks: add X25519 or CurveP256");
	return 0;
}

/*
 * Go's HTTP/2 server refuses a TLS 1.2 suite list without an AES-128-GCM
 * ECDHE suite (golang.org/x/net/http2 ConfigureServer), so exporter-toolkit
 * does: a file node_exporter refuses is refused here too.
 */
static int check_http2(struct loader *l, struct tls_nodes *t, const struct web_config *c)
{
	size_t i;

	if (!c->http2 || !c->suites_given || c->min_tls >= WEB_TLS13)
		return 0;
	for (i = 0; i < c->nr_suites; i++)
		if (c->suites[i] == web_suite_by_name("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")->id ||
		    c->suites[i] == web_suite_by_name("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")->id)
			return 0;
	return loader_fail(l, t->k[K_SUITES], -EINVAL, "cipher_suites lacks the suite HTTP/2 requires: "
			   "add TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (or the ECDSA one), or set "
			   "http_server_config.http2: false");
}

/* The TLS settings that mean nothing without a certificate. */
static int check_plain(struct loader *l, struct tls_nodes *t)
{
	static const enum tls_key tls_only[] = { K_SANS, K_MIN, K_MAX, K_SUITES, K_PREFER, K_CURVES };

	for (size_t i = 0; i < sizeof(tls_only) / sizeof(tls_only[0]); i++)
		if (t->n[tls_only[i]])
			return loader_fail(l, t->k[tls_only[i]], -EINVAL, "%s without a certificate: "
					   "set cert_file and key_file (or cert and key) for HTTPS, or "
					   "remove %s", tls_keys[tls_only[i]], tls_keys[tls_only[i]]);
	return 0;
}

static int check_policy(struct loader *l, struct tls_nodes *t,
			const struct web_config *c)
{
	enum web_client_auth a = c->client_auth;

	if ((t->s[K_CLIENT_CA] || t->s[K_CLIENT_CA_FILE]) && a == WEB_NO_CLIENT_CERT)
		return loader_fail(l, t->n[t->s[K_CLIENT_CA] ? K_CLIENT_CA : K_CLIENT_CA_FILE], -EINVAL,
				   "a client CA without a client_auth_type: set client_auth_type "
				   "(RequireAndVerifyClientCert for mutual TLS) or remove the CA");
	if (c->check_sans && a != WEB_REQUIRE_ANY_CLIENT_CERT && a != WEB_REQUIRE_AND_VERIFY_CLIENT_CERT)
		return loader_fail(l, t->k[K_SANS], -EINVAL, "client_allowed_sans needs client_auth_type "
				   "RequireAnyClientCert or RequireAndVerifyClientCert: with %s a client "
				   "may send no certificate to match", web_client_auth_name(a));
	if (c->min_tls > c->max_tls)
		return loader_fail(l, t->n[K_MIN] ? t->n[K_MIN] : t->section, -EINVAL, "min_version TLS1%d is "
				   "above max_version TLS1%d: no client could connect",
				   c->min_tls - WEB_TLS10, c->max_tls - WEB_TLS10);
	return 0;
}

static int build(struct loader *l, struct tls_nodes *t, struct web_config *c)
{
	static const enum tls_key file_key[] = {
		[WEB_TLS_CERT] = K_CERT_FILE, [WEB_TLS_KEY] = K_KEY_FILE, [WEB_TLS_PAIR] = K_KEY_FILE,
		[WEB_TLS_CLIENT_CA] = K_CLIENT_CA_FILE, [WEB_TLS_SUITES] = K_SUITES,
		[WEB_TLS_OTHER] = NR_TLS_KEYS,
	};
	enum web_tls_part part = WEB_TLS_OTHER;
	char why[WHY_MAX] = "";
	enum tls_key k;
	int rc;

	rc = web_tls__build(c, &part, why, sizeof(why));
	if (!rc)
		return 0;
	k = file_key[part];
	if (k == NR_TLS_KEYS)
		return loader_fail(l, t->section, rc, "tls_server_config: %s", why);
	/* the inline twin when that is the one given */
	if (!t->n[k] && k != K_SUITES)
		k = k == K_CERT_FILE ? K_CERT : k == K_KEY_FILE ? K_KEY : K_CLIENT_CA;
	return loader_fail(l, k == K_SUITES ? t->k[k] : t->n[k] ? t->n[k] : t->section, rc,
			   "%s%s%s: %s%s", tls_keys[k],
			   k == K_CERT_FILE || k == K_KEY_FILE || k == K_CLIENT_CA_FILE ? " " : "",
			   k == K_CERT_FILE || k == K_KEY_FILE || k == K_CLIENT_CA_FILE ? t->s[k] : "",
			   why, part == WEB_TLS_PAIR ? ": give the private key of the certificate" : "");
}

int load_tls(struct loader *l, yaml_node_t *key, yaml_node_t *tls)
{
	struct web_config *c = l->out;
	struct tls_nodes t = { .section = key };
	int rc;

	if (loader_is_null(tls))
		return 0;
	if ((rc = loader_expect_mapping(l, tls, "tls_server_config")) || (rc = collect(l, tls, &t)))
		return rc;
	/* exporter-toolkit's IsEnabled(): any of these means HTTPS */
	c->tls = t.s[K_CERT] || t.s[K_KEY] || t.s[K_CERT_FILE] || t.s[K_KEY_FILE] ||
		 t.s[K_CLIENT_CA] || t.s[K_CLIENT_CA_FILE] || t.s[K_CLIENT_AUTH];
	if (!c->tls)
		return check_plain(l, &t);
	rc = one_of(l, &t, K_CERT, K_CERT_FILE);
	if (rc == -ENOENT)
		return loader_fail(l, key, -EINVAL, "missing one of cert or cert_file: set cert_file "
				   "(and key_file) for HTTPS");
	if (rc)
		return rc;
	rc = one_of(l, &t, K_KEY, K_KEY_FILE);
	if (rc == -ENOENT)
		return loader_fail(l, key, -EINVAL, "missing one of key or key_file: set key_file to "
				   "the certificate's private key");
	if (rc)
		return rc;
	rc = one_of(l, &t, K_CLIENT_CA, K_CLIENT_CA_FILE);
	if (rc && rc != -ENOENT)
		return rc;
	if ((rc = parse_client_auth(l, &t, c)) || (rc = parse_version(l, &t, K_MIN, &c->min_tls)) ||
	    (rc = parse_version(l, &t, K_MAX, &c->max_tls)))
		return rc;
	if ((t.n[K_SANS] && (rc = parse_sans(l, t.n[K_SANS], c))) ||
	    (t.n[K_SUITES] && (rc = parse_suites(l, t.n[K_SUITES], c))) ||
	    (t.n[K_CURVES] && (rc = parse_curves(l, t.k[K_CURVES], t.n[K_CURVES], c))) ||
	    (t.n[K_PREFER] && (rc = loader_bool(l, t.n[K_PREFER], tls_keys[K_PREFER],
						&c->prefer_server_suites))))
		return rc;
	if ((rc = check_policy(l, &t, c)) || (rc = check_http2(l, &t, c)))
		return rc;
	if ((rc = read_source(l, &t, K_CERT, K_CERT_FILE, &c->cert_file, &c->cert_pem)) ||
	    (rc = read_source(l, &t, K_KEY, K_KEY_FILE, &c->key_file, &c->key_pem)))
		return rc;
	if ((t.s[K_CLIENT_CA] || t.s[K_CLIENT_CA_FILE]) &&
	    (rc = read_source(l, &t, K_CLIENT_CA, K_CLIENT_CA_FILE, &c->client_ca_file,
			      &c->client_ca_pem)))
		return rc;
	return build(l, &t, c);
}
