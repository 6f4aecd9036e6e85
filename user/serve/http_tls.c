// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Each TLS handshake of the exporter, on GnuTLS 3.7 under libmicrohttpd
 * 0.9.75. libmicrohttpd creates the session with its own credentials and
 * priorities; when it announces the connection (MHD_CONNECTION_NOTIFY_STARTED,
 * before the first byte is read) the session is given those of the web
 * configuration in use: so a renewed certificate, CA or policy serves the
 * next connection, while open ones finish with what they started with.
 *
 *  - the client's hello is read for its suites and groups, and a TLS
 *    1.0-1.2 handshake gets exactly the suite Go would choose
 *    (serve/webtls.h);
 *  - client_auth_type is GnuTLS's certificate request (ignore, request,
 *    require) and a verify callback that checks the chain against the
 *    client CA (Verify* policies) and client_allowed_sans; a refusal ends
 *    the handshake, so a refused client never sends a request.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include "serve/http_internal.h"
#include "serve/webtls.h"

#define IPV4_LEN	4
#define IPV6_LEN	16
/* a SAN longer than this matches no entry anyone would write */
#define SAN_MAX		1024

/* The connection a GnuTLS callback is about: libmicrohttpd's session pointer. */
static struct http_conn *conn_of(gnutls_session_t session)
{
	struct MHD_Connection *c = gnutls_session_get_ptr(session);
	const union MHD_ConnectionInfo *ci;

	ci = c ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT) : NULL;
	return ci ? ci->socket_context : NULL;
}

static int read_hello(gnutls_session_t session, unsigned int htype, unsigned int when,
		      unsigned int incoming, const gnutls_datum_t *msg)
{
	struct http_conn *conn = conn_of(session);

	(void)htype, (void)when;
	if (!conn || !incoming || !msg)
		return 0;
	/* a malformed hello: GnuTLS refuses it next, with the right alert */
	conn->hello_seen = !tls_hello_parse(msg->data, msg->size, &conn->hello);
	return 0;
}

static int version_of(gnutls_session_t session)
{
	switch (gnutls_protocol_get_version(session)) {
	case GNUTLS_TLS1_0: return WEB_TLS10;
	case GNUTLS_TLS1_1: return WEB_TLS10 + 1;
	case GNUTLS_TLS1_2: return WEB_TLS10 + 2;
	default: return WEB_TLS13;
	}
}

/* After the hello, before GnuTLS picks a suite: a TLS 1.0-1.2 one as Go would. */
static int choose_suite(gnutls_session_t session)
{
	struct http_conn *conn = conn_of(session);
	const struct web_tls *t;
	int version, i;

	if (!conn || !conn->web || !conn->hello_seen)
		return GNUTLS_E_INTERNAL_ERROR;
	version = version_of(session);
	if (version == WEB_TLS13)
		return 0;	/* Go's TLS 1.3 suites are fixed, and in the base priority */
	t = conn->web->cfg.tls_objects;
	i = web_tls__pick(t, conn->web->cfg.prefer_server_suites, version, conn->hello.suites,
			  conn->hello.nr_suites, conn->hello.has_groups ? conn->hello.groups : NULL,
			  conn->hello.nr_groups);
	if (i < 0)
		return GNUTLS_E_NO_CIPHER_SUITES;	/* a handshake_failure alert */
	return gnutls_priority_set(session, t->suite_prio[i]);
}

/* Go's x509 SAN strings: DNS names, e-mail addresses, IP addresses, URIs. */
static bool san_allowed(const struct web_config *c, const char *san, size_t len)
{
	for (size_t i = 0; i < c->nr_allowed_sans; i++)
		if (strlen(c->allowed_sans[i]) == len && !memcmp(c->allowed_sans[i], san, len))
			return true;
	return false;
}

/* IP SANs as Go prints them: dotted for IPv4 (IPv4-mapped IPv6 too), else RFC 5952 */
static size_t ip_text(const unsigned char *raw, size_t len, char *out, size_t out_len)
{
	static const unsigned char v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (len == IPV6_LEN && !memcmp(raw, v4_mapped, sizeof(v4_mapped)))
		raw += sizeof(v4_mapped), len = IPV4_LEN;
	if ((len != IPV4_LEN && len != IPV6_LEN) ||
	    !inet_ntop(len == IPV4_LEN ? AF_INET : AF_INET6, raw, out, (socklen_t)out_len))
		return 0;
	return strlen(out);
}

static bool sans_match(const struct web_config *c, const gnutls_datum_t *der)
{
	char san[SAN_MAX], ip[INET6_ADDRSTRLEN];
	gnutls_x509_crt_t crt;
	unsigned int seq, type;
	bool ok = false;
	size_t size;
	int rc;

	if (gnutls_x509_crt_init(&crt) < 0)
		return false;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return false;
	}
	for (seq = 0; !ok; seq++) {
		size = sizeof(san);
		rc = gnutls_x509_crt_get_subject_alt_name2(crt, seq, san, &size, &type, NULL);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0)
			continue;	/* too long, or unreadable: matches nothing */
		if (type == GNUTLS_SAN_IPADDRESS)
			ok = san_allowed(c, ip, ip_text((unsigned char *)san, size, ip, sizeof(ip)));
		else if (type == GNUTLS_SAN_DNSNAME || type == GNUTLS_SAN_RFC822NAME ||
			 type == GNUTLS_SAN_URI)
			ok = san_allowed(c, san, size);
	}
	gnutls_x509_crt_deinit(crt);
	return ok;
}

/* 0 lets the handshake go on; anything else ends it with bad_certificate. */
static int verify_client(gnutls_session_t session)
{
	struct http_conn *conn = conn_of(session);
	gnutls_typed_vdata_st purpose = {
		.type = GNUTLS_DT_KEY_PURPOSE_OID, .data = (void *)GNUTLS_KP_TLS_WWW_CLIENT,
	};
	const gnutls_datum_t *peers;
	const struct web_config *c;
	unsigned int nr = 0, status = 0;

	if (!conn || !conn->web)
		return -1;
	c = &conn->web->cfg;
	peers = gnutls_certificate_get_peers(session, &nr);
	if (!peers || !nr)
		return c->client_auth == WEB_REQUIRE_ANY_CLIENT_CERT ||
		       c->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT ? -1 : 0;
	/* Go: the chain to a client CA, and an extended key usage for clients (or none) */
	if ((c->client_auth == WEB_VERIFY_CLIENT_CERT_IF_GIVEN ||
	     c->client_auth == WEB_REQUIRE_AND_VERIFY_CLIENT_CERT) &&
	    (gnutls_certificate_verify_peers(session, &purpose, 1, &status) < 0 || status))
		return -1;
	if (c->check_sans && !sans_match(c, &peers[0]))
		return -1;
	return 0;
}

int http_tls__setup(struct MHD_Connection *c, struct http_conn *conn)
{
	const union MHD_ConnectionInfo *ci;
	const struct web_tls *t;
	gnutls_session_t session;
	int rc;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session || !conn->web || !conn->web->cfg.tls_objects)
		return -EINVAL;
	session = ci->tls_session;
	t = conn->web->cfg.tls_objects;
	rc = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (!rc)
		rc = gnutls_priority_set(session, t->base);
	if (rc)
		return -EINVAL;
	gnutls_certificate_server_set_request(session, t->cert_request);
	if (t->cert_request != GNUTLS_CERT_IGNORE)
		gnutls_session_set_verify_function(session, verify_client);
	gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_CLIENT_HELLO, GNUTLS_HOOK_PRE,
					   read_hello);
	gnutls_handshake_set_post_client_hello_function(session, choose_suite);
	return 0;
}
