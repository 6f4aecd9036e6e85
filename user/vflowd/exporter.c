// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vflowd's Prometheus exporter: metrics rendered each interval (tick.c),
 * served by libmicrohttpd's thread; the web config checked before
 * anything loads; the server reads it again on SIGHUP.
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
 * SIGHUP with --web.config.file: the server reads it again in place, as
 * its watch of the files does (serve/http_reload.c): the listening socket
 * stays open, open connections finish with what they began with. A file
 * that does not load keeps the configuration in use.
 */
void reload_web(struct http_server *http)
{
	char err[ENGINE_ERR_LEN];

	if (http_server__reload(http, err, sizeof(err)))
		fprintf(stderr, "vflowd: reload failed: %s; keeping the previous web configuration\n",
			err);
	else
		fprintf(stderr, "vflowd: web configuration reloaded\n");
}
