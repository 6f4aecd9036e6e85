// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's HTTP server with a fixed metrics body, for the HTTP tests:
 *
 *   http_serve [--web.listen-address A] [--web.config.file F]
 *              [--web.telemetry-path P] [--web.max-connections N]
 *
 * Flags take "--flag value" or "--flag=value", as vflowd's do. Prints
 * "listening" once serving and runs until SIGINT or SIGTERM (exit 0); SIGHUP
 * reloads the web config ("reloaded" or "reload failed: WHY"); then
 * "bcrypt_runs N", the password hashes it computed (the auth tests count
 * them). Needs libmicrohttpd, GnuTLS, libyaml and libcrypt: link it
 * dynamically.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "serve/http.h"
#include "serve/webconfig.h"

#define ERR_LEN 512

static const char body_text[] =
	"# HELP x_total test\n"
	"# TYPE x_total counter\n"
	"x_total 1\n";
static const char body_openmetrics[] =
	"# HELP x test\n"
	"# TYPE x counter\n"
	"x_total 1\n"
	"# EOF\n";

static char *render(void *ctx, bool openmetrics, size_t *len)
{
	const char *body = openmetrics ? body_openmetrics : body_text;

	(void)ctx;
	*len = strlen(body);
	return strdup(body);
}

/* "--name value" or "--name=value": the value, advancing *i past it */
static const char *flag(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n))
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] || *i + 1 >= argc || !argv[*i + 1])
		return NULL;
	return argv[++*i];
}

static int usage(void)
{
	fprintf(stderr, "usage: http_serve [--web.listen-address A] [--web.config.file F] "
		"[--web.telemetry-path P] [--web.max-connections N]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct http_opts o = {};
	struct web_config web;
	const char *config = NULL, *v;
	struct http_server *srv;
	char err[ERR_LEN], *end;
	sigset_t mask;
	int i, rc, sig;

	for (i = 1; i < argc; i++) {
		if ((v = flag(argc, argv, &i, "--web.listen-address"))) {
			o.listen_address = v;
		} else if ((v = flag(argc, argv, &i, "--web.config.file"))) {
			config = v;
		} else if ((v = flag(argc, argv, &i, "--web.telemetry-path"))) {
			o.telemetry_path = v;
		} else if ((v = flag(argc, argv, &i, "--web.max-connections"))) {
			o.max_connections = strtoul(v, &end, 10);
			if (*end || !o.max_connections)
				return usage();
		} else {
			return usage();
		}
	}
	if (config) {
		rc = web_config__load(config, &web, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "http_serve: %s\n", err);
			return 1;
		}
		o.web = &web;
	}
	/* blocked before the server's thread exists, so only sigwait sees them */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);

	rc = http_server__start(&srv, &o, render, NULL, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "http_serve: %s\n", err);
		if (config)
			web_config__free(&web);
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	while (!sigwait(&mask, &sig) && sig == SIGHUP) {
		if (http_server__reload(srv, err, sizeof(err)))
			fprintf(stderr, "http_serve: reload failed: %s\n", err);
		else
			fprintf(stderr, "http_serve: reloaded\n");
	}
	http_server__stop(srv);
	if (config)
		web_config__free(&web);
	printf("bcrypt_runs %lu\n", web_config__bcrypt_runs());
	return 0;
}
