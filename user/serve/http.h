/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The Prometheus exporter's HTTP(S) server, on libmicrohttpd: /metrics (or
 * the telemetry path), a landing page at "/", "/healthz" (for probes: no
 * credentials asked); TLS, mutual TLS, basic auth, headers and a rate
 * limit from the exporter-toolkit web config, which the server reads again
 * when its files change (docs/web-config.md).
 */
#ifndef VFLOW_HTTP_H
#define VFLOW_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "serve/webconfig.h"

#define HTTP_DEFAULT_LISTEN		"127.0.0.1:9477"
#define HTTP_DEFAULT_PATH		"/metrics"
#define HTTP_DEFAULT_MAX_CONNECTIONS	64
#define HTTP_DEFAULT_TIMEOUT_S		10

struct http_opts {
	const char *listen_address;	/* "127.0.0.1:9477" (default when NULL), "[::1]:9477", ":9477" = all addresses */
	const char *telemetry_path;	/* default "/metrics" */
	/* NULL: plain HTTP, no auth. Else the server loads web->path itself and
	 * watches it: the caller may free @web once started */
	const struct web_config *web;
	unsigned int max_connections;	/* default 64 */
	unsigned int timeout_s;		/* idle connection timeout, default 10 */
};

/*
 * Body for a scrape, malloc'd (the server frees it), or NULL on failure
 * (-> 500). @openmetrics: the scraper accepts OpenMetrics 1.0, else text
 * 0.0.4. Called from the server's thread: must be thread-safe.
 */
typedef char *(*http_metrics_fn)(void *ctx, bool openmetrics, size_t *len);

struct http_server;

/*
 * Listen and serve from a thread of libmicrohttpd's. 0, or -errno with a
 * one-line message in @err (-EADDRINUSE: "cannot listen on ADDR: Address
 * already in use: choose another --web.listen-address").
 */
int http_server__start(struct http_server **out, const struct http_opts *o,
		       http_metrics_fn fn, void *ctx, char *err, size_t err_len);
void http_server__stop(struct http_server *s);	/* NULL-safe */

/*
 * Read the web config file again now (as on SIGHUP), without closing the
 * listening socket: the next connections and requests use it. The server
 * also does this by itself within seconds of a change to the file or the
 * files it names. 0, or -errno with the one-line reason in @err; the
 * configuration in use stays.
 */
int http_server__reload(struct http_server *s, char *err, size_t err_len);

/*
 * Parse "host:port" / "[v6]:port" / ":port" (all addresses). The host is a
 * numeric address or "localhost" (no DNS: start-up must not hang on a
 * resolver). 0 or -EINVAL. For tests and the flag parser.
 */
int http_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len);

#endif
