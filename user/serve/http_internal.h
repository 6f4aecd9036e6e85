/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the exporter's HTTP server files share: http.c (the server and its
 * requests), http_tls.c (each TLS handshake), http_auth.c (password
 * checks), http_reload.c (the web config, watched on disk). Private to
 * user/serve.
 */
#ifndef VFLOW_HTTP_INTERNAL_H
#define VFLOW_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <microhttpd.h>
#include "serve/http.h"
#include "serve/tls_hello.h"
#include "serve/webconfig.h"

#define LOG_MSG_MAX		256

/*
 * One loaded web configuration. The server holds one reference to the
 * configuration in use; each connection holds one to the configuration
 * its handshake used, each request one while it is answered. A reload
 * swaps in a new one and the old is freed with its last user.
 */
struct http_web {
	atomic_int refs;
	struct web_config cfg;
};

struct http_auth;
struct http_reload;
struct auth_job;

/* The token bucket of rate_limit (Go's golang.org/x/time/rate.Limiter.Allow). */
struct rate_bucket {
	pthread_mutex_t lock;
	double tokens;
	uint64_t last_ns;
	bool primed;
};

struct http_server {
	struct MHD_Daemon *daemon;
	http_metrics_fn fn;
	void *ctx;
	char *path;
	char *landing;
	bool tls;			/* HTTPS: fixed for the server's life */
	/* the configuration in use (NULL: no web config): swapped by reloads */
	pthread_mutex_t web_lock;
	struct http_web *web;
	struct http_auth *auth;
	struct http_reload *reload;
	struct rate_bucket bucket;
	/* MHD's first message while starting: the reason when start fails */
	atomic_bool started;
	pthread_mutex_t log_lock;
	char start_msg[LOG_MSG_MAX];
};

/* Per connection: MHD's socket context. */
struct http_conn {
	struct http_server *srv;
	struct http_web *web;		/* what its TLS handshake uses (a reference), or NULL */
	struct tls_hello hello;		/* what the client offered */
	bool hello_seen;
	struct auth_job *job;		/* the password check of the current request, or NULL */
};

/* A reference to the configuration in use, or NULL; give it back with http_web_put(). */
struct http_web *http_web_get(struct http_server *s);
void http_web_put(struct http_web *w);	/* NULL-safe */
/* Load @path into a new configuration with one reference. */
struct http_web *http_web_load(const char *path, char *err, size_t err_len);
/* Put @w in use (the server takes the caller's reference). */
void http_web_swap(struct http_server *s, struct http_web *w);
/* "vflowd: http: MSG" on stderr, one line */
void http_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* http_addr.c: ":port" is IPv6 any (dual stack), or IPv4 any where IPv6 is off */
bool http_is_v6_any(const struct sockaddr_storage *ss);
void http_fallback_to_v4_any(struct sockaddr_storage *ss, socklen_t *len);
/* libmicrohttpd does not say why it cannot listen: bind as it does, 0 or -errno */
int http_probe_bind(const struct sockaddr_storage *ss, socklen_t len);

/* http_tls.c: set up the handshake of a new connection with @conn->web. */
int http_tls__setup(struct MHD_Connection *c, struct http_conn *conn);

/* http_reload.c: watch @s's web config files; reload within a poll period of a change. */
int http_reload__start(struct http_server *s, char *err, size_t err_len);
void http_reload__stop(struct http_server *s);

#endif
