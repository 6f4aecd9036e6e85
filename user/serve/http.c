// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's HTTP(S) server. libmicrohttpd does the protocol: one
 * internal thread polls every connection, so slow or idle clients cost a
 * socket each (bounded by the connection limit and the idle timeout),
 * never the scrape; a password that is not cached is checked on another
 * thread while its connection waits suspended (http_auth.c). Requests are
 * answered without reading a body. The web config in use is reloaded when
 * its files change (http_reload.c) and each TLS handshake takes the one in
 * use when it starts (http_tls.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include "serve/http_auth.h"
#include "serve/http_internal.h"

#ifndef VFLOW_VERSION
#define VFLOW_VERSION "dev"
#endif

/* Request line and headers must fit: bigger requests get 431, not memory */
#define CONN_MEMORY_LIMIT	(32 * 1024)
#define REALM			"vflow"
#define CT_PROMETHEUS		"text/plain; version=0.0.4; charset=utf-8"
#define CT_OPENMETRICS		"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define CT_PLAIN		"text/plain; charset=utf-8"
#define CT_HTML			"text/html; charset=utf-8"
#define OPENMETRICS_MEDIA	"application/openmetrics-text"
#define HEALTH_PATH		"/healthz"
/* a client told 429 (rate limit, or checks queued) may come back in a second */
#define RETRY_AFTER_S		"1"
#define NS_PER_S		1000000000ULL

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

void http_log(const char *fmt, ...)
{
	char msg[LOG_MSG_MAX * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vflowd: http: %s\n", msg);
}

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
	http_log("%s", msg);
}

struct http_web *http_web_get(struct http_server *s)
{
	struct http_web *w;

	pthread_mutex_lock(&s->web_lock);
	w = s->web;
	if (w)
		atomic_fetch_add(&w->refs, 1);
	pthread_mutex_unlock(&s->web_lock);
	return w;
}

void http_web_put(struct http_web *w)
{
	if (w && atomic_fetch_sub(&w->refs, 1) == 1) {
		web_config__free(&w->cfg);
		free(w);
	}
}

struct http_web *http_web_load(const char *path, char *err, size_t err_len)
{
	struct http_web *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (web_config__load(path, &w->cfg, err, err_len)) {
		free(w);
		return NULL;
	}
	atomic_init(&w->refs, 1);
	return w;
}

void http_web_swap(struct http_server *s, struct http_web *w)
{
	struct http_web *old;

	pthread_mutex_lock(&s->web_lock);
	old = s->web;
	s->web = w;
	pthread_mutex_unlock(&s->web_lock);
	http_web_put(old);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/*
 * rate_limit as Go's rate.Limiter.Allow: a bucket of @burst tokens, full
 * at first, one token back per interval; a request takes one or gets 429.
 */
static bool rate_allow(struct http_server *s, const struct web_config *c)
{
	struct rate_bucket *b = &s->bucket;
	uint64_t now;
	bool ok;

	if (!c->rate_interval_ns)
		return true;
	now = mono_ns();
	pthread_mutex_lock(&b->lock);
	if (!b->primed) {
		b->tokens = (double)c->rate_burst;
		b->primed = true;
	} else {
		b->tokens += (double)(now - b->last_ns) / (double)c->rate_interval_ns;
	}
	if (b->tokens > (double)c->rate_burst)
		b->tokens = (double)c->rate_burst;
	b->last_ns = now;
	ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	pthread_mutex_unlock(&b->lock);
	return ok;
}

static void notify(void *cls, struct MHD_Connection *c, void **socket_context,
		   enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	struct http_conn *conn = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		conn = calloc(1, sizeof(*conn));
		*socket_context = conn;
		if (!conn)
			return;	/* TLS: the handshake fails (no certificate); HTTP: 503 */
		conn->srv = s;
		if (s->tls && (conn->web = http_web_get(s)) && http_tls__setup(c, conn))
			http_log("cannot set up TLS for a connection: it will be refused");
		return;
	}
	if (conn) {
		http_auth__verdict(conn->job);	/* a check the shutdown failed */
		http_web_put(conn->web);
		free(conn);
	}
	*socket_context = NULL;
}

static struct http_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

/* exporter-toolkit's http_server_config.headers go on every response */
static void add_headers(struct MHD_Response *r, const struct http_web *w)
{
	for (size_t i = 0; w && i < w->cfg.nr_headers; i++)
		MHD_add_response_header(r, w->cfg.headers[i].name, w->cfg.headers[i].value);
}

static enum MHD_Result reply(struct MHD_Connection *c, const struct http_web *w, unsigned int status,
			     const char *ctype, const char *body, const char *hdr, const char *hdr_value)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (hdr)
		MHD_add_response_header(r, hdr, hdr_value);
	add_headers(r, w);
	if (status == MHD_HTTP_UNAUTHORIZED)	/* adds WWW-Authenticate */
		ret = MHD_queue_basic_auth_fail_response(c, REALM, r);
	else
		ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_metrics(struct http_server *s, struct MHD_Connection *c,
				     const struct http_web *w)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	bool om = accept && strstr(accept, OPENMETRICS_MEDIA);
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = 0;
	char *body;

	body = s->fn(s->ctx, om, &len);
	if (!body)
		return reply(c, w, MHD_HTTP_INTERNAL_SERVER_ERROR, CT_PLAIN,
			     "error rendering metrics\n", NULL, NULL);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, om ? CT_OPENMETRICS : CT_PROMETHEUS);
	/* caches between scraper and exporter must keep the two formats apart */
	MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, MHD_HTTP_HEADER_ACCEPT);
	add_headers(r, w);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* The credentials of this request, checked (cached), waiting (suspended), or the verdict. */
static enum auth_verdict authorize(struct http_server *s, struct MHD_Connection *c,
				   struct http_conn *conn, const struct http_web *w)
{
	char *user, *pass = NULL;
	enum auth_verdict v;

	if (conn && conn->job) {		/* resumed: the worker's verdict */
		v = http_auth__verdict(conn->job);
		conn->job = NULL;
		return v;
	}
	if (!w || !w->cfg.nr_users)
		return AUTH_OK;
	user = MHD_basic_auth_get_username_password(c, &pass);
	if (!user || !pass)
		v = AUTH_DENIED;		/* no credentials: no bcrypt */
	else if (!conn || !s->auth)
		v = AUTH_BUSY;
	else
		v = http_auth__check(s->auth, &w->cfg, c, user, pass, &conn->job);
	if (pass) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user)
		MHD_free(user);
	return v;
}

static enum MHD_Result route(struct http_server *s, struct MHD_Connection *c, const char *url,
			     bool get, const struct http_web *w)
{
	if (!get)
		return reply(c, w, MHD_HTTP_METHOD_NOT_ALLOWED, CT_PLAIN, "Method Not Allowed\n",
			     MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (!strcmp(url, s->path))
		return serve_metrics(s, c, w);
	if (!strcmp(url, "/"))
		return reply(c, w, MHD_HTTP_OK, CT_HTML, s->landing, NULL, NULL);
	return reply(c, w, MHD_HTTP_NOT_FOUND, CT_PLAIN, "Not Found\n", NULL, NULL);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct http_server *s = cls;
	bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
	struct http_conn *conn = conn_of(c);
	struct http_web *w;
	enum MHD_Result ret;
	bool resumed = conn && conn->job;

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
	if (*upload_data_size) {
		*upload_data_size = 0;	/* a body: ignore it */
		if (get)
			return MHD_YES;
	}
	w = http_web_get(s);
	/* the probes carry no credentials, and "ok" tells nobody anything */
	if (get && !strcmp(url, HEALTH_PATH)) {
		ret = reply(c, w, MHD_HTTP_OK, CT_PLAIN, "ok\n", NULL, NULL);
		goto out;
	}
	/* as in exporter-toolkit: the limit first, then auth, for every path */
	if (!resumed && w && !rate_allow(s, &w->cfg)) {
		ret = reply(c, w, MHD_HTTP_TOO_MANY_REQUESTS, CT_PLAIN, "Too Many Requests\n",
			    MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER_S);
		goto out;
	}
	switch (authorize(s, c, conn, w)) {
	case AUTH_PENDING:
		ret = MHD_YES;		/* suspended: called again with the verdict */
		break;
	case AUTH_BUSY:
		ret = reply(c, w, MHD_HTTP_TOO_MANY_REQUESTS, CT_PLAIN, "Too Many Requests\n",
			    MHD_HTTP_HEADER_RETRY_AFTER, RETRY_AFTER_S);
		break;
	case AUTH_DENIED:
		ret = reply(c, w, MHD_HTTP_UNAUTHORIZED, CT_PLAIN, "Unauthorized\n", NULL, NULL);
		break;
	default:
		ret = route(s, c, url, get, w);
	}
out:
	http_web_put(w);
	return ret;
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
	http_auth__free(s->auth);
	http_web_put(s->web);
	free(s->path);
	free(s->landing);
	pthread_mutex_destroy(&s->bucket.lock);
	pthread_mutex_destroy(&s->web_lock);
	pthread_mutex_destroy(&s->log_lock);
	free(s);
}

/*
 * libmicrohttpd's own credentials have no certificate: each connection is
 * given the configuration's in notify(), and one that was not is refused.
 */
static int no_certificate(gnutls_session_t session, const gnutls_datum_t *req_ca_dn, int nr_dn,
			  const gnutls_pk_algorithm_t *pk, int nr_pk, gnutls_pcert_st **pcert,
			  unsigned int *nr_pcert, gnutls_privkey_t *key)
{
	(void)session, (void)req_ca_dn, (void)nr_dn, (void)pk, (void)nr_pk, (void)pcert, (void)key;
	*nr_pcert = 0;
	return -1;
}

static struct MHD_Daemon *start_daemon(struct http_server *s, const struct http_opts *o,
				       struct sockaddr_storage *ss, unsigned int flags)
{
	struct MHD_OptionItem tls[2] = { { MHD_OPTION_END, 0, NULL }, { MHD_OPTION_END, 0, NULL } };

	if (s->tls)
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)no_certificate };
	return MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
		/* first, so that start-up messages already come here */
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)ss,
		MHD_OPTION_CONNECTION_LIMIT, o->max_connections ? o->max_connections
							    : HTTP_DEFAULT_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s ? o->timeout_s : HTTP_DEFAULT_TIMEOUT_S,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY_LIMIT,
		MHD_OPTION_NOTIFY_CONNECTION, notify, s,
		MHD_OPTION_ARRAY, tls,
		MHD_OPTION_END);
}

/* Why the daemon did not start, in one line. */
static int explain_failure(struct http_server *s, const char *addr, const struct sockaddr_storage *ss,
			   socklen_t sl, char *err, size_t err_len)
{
	int rc = http_probe_bind(ss, sl);

	if (rc == -EADDRINUSE)
		snprintf(err, err_len, "cannot listen on %s: %s: choose another --web.listen-address",
			 addr, strerror(-rc));
	else if (rc)
		snprintf(err, err_len, "cannot listen on %s: %s: check --web.listen-address",
			 addr, strerror(-rc));
	else
		snprintf(err, err_len, "cannot start the HTTP%s server on %s: %s", s->tls ? "S" : "",
			 addr, s->start_msg[0] ? s->start_msg : "libmicrohttpd refused to start");
	return rc ? rc : -EINVAL;
}

static struct http_server *new_server(const struct http_opts *o, const char *path,
				      http_metrics_fn fn, void *ctx, char *err, size_t err_len)
{
	struct http_server *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->log_lock, NULL);
	pthread_mutex_init(&s->web_lock, NULL);
	pthread_mutex_init(&s->bucket.lock, NULL);
	s->fn = fn;
	s->ctx = ctx;
	s->path = strdup(path);
	s->landing = render_landing(path);
	if (!s->path || !s->landing) {
		free_server(s);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	/* the server reads the file itself: it keeps reading it when it changes */
	if (o->web) {
		s->web = o->web->path ? http_web_load(o->web->path, err, err_len) : NULL;
		if (!s->web) {
			if (!o->web->path)
				snprintf(err, err_len, "the web config has no file to read");
			free_server(s);
			return NULL;
		}
		s->tls = s->web->cfg.tls;
		if (s->web->cfg.warnings[0])
			http_log("%s", s->web->cfg.warnings);
		int rc = http_auth__start(&s->auth);

		if (rc) {
			snprintf(err, err_len, "cannot start the password checker: %s", strerror(-rc));
			free_server(s);
			return NULL;
		}
	}
	return s;
}

int http_server__start(struct http_server **out, const struct http_opts *o,
		       http_metrics_fn fn, void *ctx, char *err, size_t err_len)
{
	const char *addr = o->listen_address ? o->listen_address : HTTP_DEFAULT_LISTEN;
	const char *path = o->telemetry_path ? o->telemetry_path : HTTP_DEFAULT_PATH;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
			     MHD_ALLOW_SUSPEND_RESUME;
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
	if (http_is_v6_any(&ss))
		http_fallback_to_v4_any(&ss, &sl);
	if (ss.ss_family == AF_INET6)
		flags |= http_is_v6_any(&ss) ? MHD_USE_DUAL_STACK : MHD_USE_IPv6;
	/* where MHD cannot keep a dead client from raising SIGPIPE, nobody wants it */
	if (MHD_is_feature_supported(MHD_FEATURE_AUTOSUPPRESS_SIGPIPE) != MHD_YES)
		signal(SIGPIPE, SIG_IGN);
	s = new_server(o, path, fn, ctx, err, err_len);
	if (!s)
		return -EINVAL;
	if (s->tls)
		flags |= MHD_USE_TLS;
	s->daemon = start_daemon(s, o, &ss, flags);
	if (!s->daemon) {
		rc = explain_failure(s, addr, &ss, sl, err, err_len);
		http_auth__stop(s->auth);
		free_server(s);
		return rc;
	}
	atomic_store(&s->started, true);
	/* a warning while starting that did not stop it */
	if (s->start_msg[0])
		http_log("%s", s->start_msg);
	if (s->web && (rc = http_reload__start(s, err, err_len))) {
		http_server__stop(s);
		return rc;
	}
	*out = s;
	return 0;
}

void http_server__stop(struct http_server *s)
{
	if (!s)
		return;
	http_reload__stop(s);
	/* the waiting checks fail and their connections resume: MHD stops none suspended */
	http_auth__stop(s->auth);
	MHD_stop_daemon(s->daemon);
	free_server(s);
}
