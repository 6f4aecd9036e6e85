/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The GnuTLS side of tls_server_config: Go's cipher suite and curve names
 * mapped onto GnuTLS, and the objects one loaded configuration serves
 * with (credentials: certificate, key, client CA; priorities).
 *
 * GnuTLS priority strings name key exchanges, ciphers and MACs apart and
 * offer every suite of their product, where Go takes a list of suites. So
 * the handshake starts with a priority that holds the TLS 1.3 suites and
 * the versions, and once the client's hello is read, a TLS 1.0-1.2
 * handshake is given the priority of exactly one listed suite: the first
 * the client also offers, in the order of cipher_suites (or the client's
 * order when prefer_server_cipher_suites is false), as Go chooses.
 */
#ifndef VFLOW_WEBTLS_H
#define VFLOW_WEBTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <gnutls/gnutls.h>
#include "serve/webconfig.h"

/* A cipher suite by the name Go's crypto/tls gives it (tls.CipherSuites()). */
struct web_suite {
	const char *go_name;
	uint16_t id;			/* IANA */
	const char *kx, *cipher, *mac;	/* GnuTLS priority names; kx NULL: a TLS 1.3 suite */
	int min_tls;			/* the oldest version that has it */
};

/* A curve by Go's tls.CurveID name. */
struct web_curve {
	const char *go_name;
	uint16_t id;			/* IANA named group */
	const char *group;		/* GnuTLS priority name; NULL: GnuTLS 3.7 lacks it */
};

const struct web_suite *web_suite_by_name(const char *go_name);
const struct web_suite *web_suite_by_id(uint16_t id);
const struct web_curve *web_curve_by_name(const char *go_name);

/* What went wrong in web_tls__build(), so the loader can name the key. */
enum web_tls_part {
	WEB_TLS_CERT,
	WEB_TLS_KEY,
	WEB_TLS_PAIR,
	WEB_TLS_CLIENT_CA,
	WEB_TLS_SUITES,
	WEB_TLS_OTHER,
};

struct web_tls {
	gnutls_certificate_credentials_t cred;
	unsigned int cert_request;	/* gnutls_certificate_request_t for the policy */
	/* versions, TLS 1.3 suites, groups: what a handshake starts with */
	gnutls_priority_t base;
	/* the TLS 1.0-1.2 suites that can serve this key, in the server's order */
	const struct web_suite *suites[WEB_SUITES_MAX];
	gnutls_priority_t suite_prio[WEB_SUITES_MAX];
	size_t nr_suites;
	/* the groups offered, IANA ids: an ECDHE suite needs one the client has */
	uint16_t groups[WEB_CURVES_MAX];
	size_t nr_groups;
};

/*
 * Build @c->tls_objects from the PEM text and settings in @c. 0, or a
 * negative error with the failing part in *@part and the reason in @why.
 * Warnings (a system trust store used as client CA) go to @c->warnings.
 */
int web_tls__build(struct web_config *c, enum web_tls_part *part, char *why, size_t why_len);
void web_tls__free(struct web_tls *t);	/* NULL-safe */

/*
 * The suite of @t for a TLS 1.0-1.2 handshake at @version (WEB_TLS10..12)
 * with a client that offered @offered (@nr of them, its order) and,
 * unless @groups is NULL, these named groups: an index into @t->suites,
 * or -1 when there is none (the handshake fails, as in Go).
 */
int web_tls__pick(const struct web_tls *t, bool server_order, int version,
		  const uint16_t *offered, size_t nr, const uint16_t *groups, size_t nr_groups);

#endif
