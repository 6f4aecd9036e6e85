// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's HTTP(S) server. libmicrohttpd does the protocol: one
 * internal thread polls every connection, so slow or idle clients cost a
 * socket each (bounded by the connection limit and the idle timeout), never
 * the scrape. Requests are answered in the first call of the access
 * handler; a request body (POST) is never read.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include "serve/http.h"

#ifndef VFLOW_VERSION
#define VFLOW_VERSION "dev"
#endif

#define PORT_MAX		65535
/* Request line and headers must fit: bigger requests get 431, not memory */
#define CONN_MEMORY_LIMIT	(32 * 1024)
#define REALM			"vflow"
#define CT_PROMETHEUS		"text/plain; version=0.0.4; charset=utf-8"
#define CT_OPENMETRICS		"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_PLAIN		"text/plain; charset=utf-8"
#define CT_HTML			"text/html; charset=utf-8"
#define OPENMETRICS_MEDIA	"application/openmetrics-text"
#define LOG_MSG_MAX		256
/* GnuTLS priorities; TLS 1.2 is the floor by default, as in exporter-toolkit */
#define TLS_PRIO_MIN12		"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define TLS_PRIO_MIN13		"NORMAL:-VERS-ALL:+VERS-TLS1.3"

struct http_server {
	struct MHD_Daemon *daemon;
	http_metrics_fn fn;
	void *ctx;
	const struct web_config *web;
	char *path;
	char *landing;
	/* MHD's first message while starting: the reason when start fails */
	atomic_bool started;
	pthread_mutex_t log_lock;
	char start_msg[LOG_MSG_MAX];
};

/*
 * How libmicrohttpd 0.9.7x begins the messages about one connection: a
 * client that went away, a malformed or oversized request, a failed TLS
 * handshake, the connection limit. They are the client's doing, and one
 * client could flood the log with them; the rest (threads, poll, resource
 * limits) are ours and get printed.
 */
static const char *const log_noise[] = {
	"Socket has been disconnected", "Connection socket is closed",
	"Connection was closed by remote", "Failed to send ", "Error processing request",
	"Received HTTP/1.1 request without", "Too large value of 'Content-Length'",
	"Failed to parse `Content-Length'", "Not enough memory in pool",
	"Server reached connection limit", "Error: received handshake",
	"Error decoding basic authentication", "Basic authentication doesn't contain",
	"Failed to push the data", "Error accepting connection", "Closing connection (",
	"Setting ",
};

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	char msg[LOG_MSG_MAX];
	size_t len, i;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	len = strlen(msg);
	while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		msg[--len] = '\0';
	if (!atomic_load(&s->started)) {
		pthread_mutex_lock(&s->log_lock);
		if (!s->start_msg[0])
			snprintf(s->start_msg, sizeof(s->start_msg), "%s", msg);
		pthread_mutex_unlock(&s->log_lock);
		return;
	}
	for (i = 0; i < sizeof(log_noise) / sizeof(log_noise[0]); i++)
		if (!strncmp(msg, log_noise[i], strlen(log_noise[i])))
			return;
	fprintf(stderr, "vflowd: http: %s\n", msg);
}

static int parse_port(const char *p, in_port_t *port)
{
	unsigned long v;
	char *end;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(p, &end, 10);
	if (errno || *end || v == 0 || v > PORT_MAX)
		return -EINVAL;
	*port = htons((uint16_t)v);
	return 0;
}

int http_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h = s;
	size_t hlen;
	in_port_t port;

	if (!s || !ss || !len)
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		h = s + 1;
		hlen = close - h;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		/* an unbracketed IPv6 address: which colon starts the port? */
		if (!colon || memchr(s, ':', colon - s))
			return -EINVAL;
		hlen = colon - s;
	}
	if (hlen >= sizeof(host) || parse_port(colon + 1, &port))
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';

	if (s[0] == '[' || !hlen) {
		/* ":port" is every address: IPv6 any, which takes IPv4 too (dual stack) */
		if (hlen && inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		if (!hlen)
			sin6->sin6_addr = in6addr_any;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		*len = sizeof(*sin6);
		return 0;
	}
	if (!strcmp(host, "localhost"))
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return -EINVAL;
	sin->sin_family = AF_INET;
	sin->sin_port = port;
	*len = sizeof(*sin);
	return 0;
}

static bool is_v6_any(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr);
}

/* Where IPv6 is off, ":port" means every IPv4 address. */
static void fallback_to_v4_any(struct sockaddr_storage *ss, socklen_t *len)
{
	in_port_t port = ((struct sockaddr_in6 *)ss)->sin6_port;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		close(fd);
		return;
	}
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_ANY);
	sin->sin_port = port;
	*len = sizeof(*sin);
}

/*
 * MHD does not return why it could not start: bind the address ourselves,
 * as MHD does (SO_REUSEADDR), to tell a taken port from other failures.
 */
static int probe_bind(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1, zero = 0, rc = 0;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (is_v6_any(ss))
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (const struct sockaddr *)ss, len))
		rc = -errno;
	close(fd);
	return rc;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *ctype,
			     const char *body, const char *hdr, const char *hdr_value)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (hdr)
		MHD_add_response_header(r, hdr, hdr_value);
	if (status == MHD_HTTP_UNAUTHORIZED)	/* adds WWW-Authenticate */
		ret = MHD_queue_basic_auth_fail_response(c, REALM, r);
	else
		ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static bool authorized(const struct http_server *s, struct MHD_Connection *c)
{
	char *user, *pass = NULL;
	bool ok;

	if (!s->web || !s->web->nr_users)
		return true;
	user = MHD_basic_auth_get_username_password(c, &pass);
	ok = user && pass && web_config__check(s->web, user, pass);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return ok;
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	bool om = accept && strstr(accept, OPENMETRICS_MEDIA);
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = 0;
	char *body;

	body = s->fn(s->ctx, om, &len);
	if (!body)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, CT_PLAIN,
			     "error rendering metrics\n", NULL, NULL);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, om ? CT_OPENMETRICS : CT_PROMETHEUS);
	/* caches between scraper and exporter must keep the two formats apart */
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct http_server *s = cls;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);

	(void)version, (void)upload_data;
	/*
	 * The first call comes with the headers; MHD closes the connection
	 * after a response queued that early, so a GET is answered on the
	 * second (the request complete) and keep-alive works for the scraper.
	 * Other methods are answered at once: their body is never read.
	 */
	if (get && !*req_cls) {
		*req_cls = s;
		return MHD_YES;
	}
	if (get && *upload_data_size) {
		*upload_data_size = 0;	/* a GET with a body: ignore it */
		return MHD_YES;
	}
	/* everything is behind auth, like exporter-toolkit: even a 404 says nothing */
	if (!authorized(s, c))
		return reply(c, MHD_HTTP_UNAUTHORIZED, CT_PLAIN, "Unauthorized\n", NULL, NULL);
	if (!get)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, CT_PLAIN, "Method Not Allowed\n",
			     MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (!strcmp(url, s->path))
		return serve_metrics(s, c);
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, CT_HTML, s->landing, NULL, NULL);
	if (!strcmp(url, "/healthz"))
		return reply(c, MHD_HTTP_OK, CT_PLAIN, "ok\n", NULL, NULL);
	return reply(c, MHD_HTTP_NOT_FOUND, CT_PLAIN, "Not Found\n", NULL, NULL);
}

/* The path goes into an attribute: escape what HTML would interpret. */
static char *render_landing(const char *path)
{
	char esc[4096], *out, *p = esc;
	const char *q;

	for (q = path; *q && p < esc + sizeof(esc) - sizeof("&quot;"); q++) {
		switch (*q) {
		case '&': p = stpcpy(p, "&amp;"); break;
		case '<': p = stpcpy(p, "&lt;"); break;
		case '>': p = stpcpy(p, "&gt;"); break;
		case '"': p = stpcpy(p, "&quot;"); break;
		default: *p++ = *q;
		}
	}
	*p = '\0';
	if (asprintf(&out,
		     "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		     "<title>vflow exporter</title></head>\n<body><h1>vflow exporter</h1>\n"
		     "<p>Version " VFLOW_VERSION "</p>\n<p><a href=\"%s\">Metrics</a></p>\n"
		     "</body></html>\n", esc) < 0)
		return NULL;
	return out;
}

static void free_server(struct http_server *s)
{
	free(s->path);
	free(s->landing);
	pthread_mutex_destroy(&s->log_lock);
	free(s);
}

int http_server__start(struct http_server **out, const struct http_opts *o,
		       http_metrics_fn fn, void *ctx, char *err, size_t err_len)
{
	const char *addr = o->listen_address ? o->listen_address : HTTP_DEFAULT_LISTEN;
	const char *path = o->telemetry_path ? o->telemetry_path : HTTP_DEFAULT_PATH;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	const struct web_config *web = o->web;
	struct MHD_OptionItem tls[4] = { { MHD_OPTION_END, 0, NULL } };
	struct sockaddr_storage ss;
	struct http_server *s;
	socklen_t sl;
	int rc;

	*out = NULL;
	if (http_parse_listen(addr, &ss, &sl)) {
		snprintf(err, err_len, "invalid listen address \"%s\": use host:port, [v6]:port "
			 "or :port with a numeric host", addr);
		return -EINVAL;
	}
	if (path[0] != '/') {
		snprintf(err, err_len, "telemetry path \"%s\" must start with /", path);
		return -EINVAL;
	}
	if (is_v6_any(&ss))
		fallback_to_v4_any(&ss, &sl);
	if (ss.ss_family == AF_INET6)
		flags |= is_v6_any(&ss) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
	if (web && web->cert_pem && web->key_pem) {
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, web->key_pem };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, web->cert_pem };
		tls[2] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0,
			web->min_tls == 13 ? TLS_PRIO_MIN13 : TLS_PRIO_MIN12 };
	}
	/* where MHD cannot keep a dead client from raising SIGPIPE, nobody wants it */
	if (MHD_is_feature_supported(MHD_FEATURE_AUTOSUPPRESS_SIGPIPE) != MHD_YES)
		signal(SIGPIPE, SIG_IGN);

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&s->log_lock, NULL);
	s->fn = fn;
	s->ctx = ctx;
	s->web = web;
	s->path = strdup(path);
	s->landing = render_landing(path);
	if (!s->path || !s->landing) {
		free_server(s);
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
		/* first, so that start-up messages already come here */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, o->max_connections ? o->max_connections
							    : HTTP_DEFAULT_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s ? o->timeout_s : HTTP_DEFAULT_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_LIMIT,
		MHD_OPTION_ARRAY, tls,
		MHD_OPTION_END);
	if (s->daemon) {
		atomic_store(&s->started, true);
		/* a warning while starting that did not stop it */
		if (s->start_msg[0])
			fprintf(stderr, "vflowd: http: %s\n", s->start_msg);
		*out = s;
		return 0;
	}

	rc = probe_bind(&ss, sl);
	if (rc == -EADDRINUSE)
		snprintf(err, err_len, "cannot listen on %s: %s: choose another --web.listen-address",
			 addr, strerror(-rc));
	else if (rc)
		snprintf(err, err_len, "cannot listen on %s: %s: check --web.listen-address",
			 addr, strerror(-rc));
	else if (flags & MHD_USE_TLS)
		snprintf(err, err_len, "cannot serve HTTPS on %s: %s: check cert_file and key_file",
			 addr, s->start_msg[0] ? s->start_msg : "TLS setup failed");
	else
		snprintf(err, err_len, "cannot start the HTTP server on %s: %s", addr,
			 s->start_msg[0] ? s->start_msg : "libmicrohttpd refused to start");
	free_server(s);
	return rc ? rc : -EINVAL;
}

void http_server__stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	free_server(s);
}
