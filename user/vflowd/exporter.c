// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowd's Prometheus exporter: metrics rendered each interval (tick.c),
 * served by libmicrohttpd's thread; the web config checked before
 * anything loads, and loaded again on SIGHUP.
 */
#include <stdio.h>
#include <string.h>
#include "vflowd/vflowd.h"

#define DEFAULT_WEB_TIMEOUT_S 10

int exporter_prepare(const struct args *a, struct web_config *web, struct metrics *m,
		     char *err, size_t err_len)
{
	int ret;

	if (a->web_config) {
		ret = web_config__load(a->web_config, web, err, err_len);
		if (ret)
			return ret;
	}
	ret = metrics__init(m, a->max_entities, (__u64)(a->series_ttl_s * NS_PER_SEC));
	if (ret)
		snprintf(err, err_len, "cannot set up the metrics: %s", strerror(-ret));
	return ret;
}

int exporter_start(const struct args *a, const struct web_config *web, struct metrics *m,
		   struct http_server **http, char *err, size_t err_len)
{
	struct http_opts o = {
		.listen_address = a->listen, .telemetry_path = a->telemetry_path,
		.web = a->web_config ? web : NULL, .max_connections = a->max_connections,
		.timeout_s = DEFAULT_WEB_TIMEOUT_S,
	};

	return http_server__start(http, &o, metrics__body, m, err, err_len);
}

/*
 * SIGHUP with --web.config.file: load it again; if it loads, serve with it
 * (TLS material is handed to the server at start: a new server); if it
 * does not, or the new server cannot start, keep the old configuration.
 * Returns the configuration in use.
 */
struct web_config *reload_web(const struct args *a, struct web_config *cur,
			      struct web_config webs[2], struct metrics *m, struct http_server **http)
{
	struct web_config *next = cur == &webs[0] ? &webs[1] : &webs[0];
	struct http_server *fresh = NULL;
	char err[ENGINE_ERR_LEN];

	web_config__free(next);
	memset(next, 0, sizeof(*next));
	if (web_config__load(a->web_config, next, err, sizeof(err))) {
		fprintf(stderr, "vflowd: reload failed: %s; keeping the previous web configuration\n", err);
		web_config__free(next);
		return cur;
	}
	/* the port is taken by the running server: stop it, then start anew */
	http_server__stop(*http);
	*http = NULL;
	if (exporter_start(a, next, m, &fresh, err, sizeof(err))) {
		fprintf(stderr, "vflowd: reload failed: %s; keeping the previous web configuration\n", err);
		web_config__free(next);
		if (exporter_start(a, cur, m, http, err, sizeof(err)))
			fprintf(stderr, "vflowd: the exporter stopped: %s\n", err);
		return cur;
	}
	*http = fresh;
	web_config__free(cur);
	memset(cur, 0, sizeof(*cur));
	fprintf(stderr, "vflowd: web configuration reloaded\n");
	return next;
}
