// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Drives host/runtime.h for the integration tests (tests/integration/
 * runtime_names.sh) and for measuring lookups: names the containers given
 * on the command line and prints one JSON object per line.
 *
 *   runtime_resolve [OPTIONS] TARGET...
 *
 * TARGET is KIND:ID ("docker:<64 hex>") or a cgroup v2 path
 * ("/docker/<64 hex>"), read by host/workload.c as vflow reads it.
 * Every source is off unless given (or --defaults): a test asks exactly
 * the daemon or state folder it started.
 *   --docker-socket P --podman-socket P --docker-root D --graphroot D
 *   --runroot D --containerd-state D   the sources
 *   --defaults      start from the runtimes' default paths
 *   --timeout-ms N  one API request's limit (default RUNTIME_TIMEOUT_MS)
 *   --sync          runtime_resolve() here, not the resolver's worker
 *   --repeat N      with --sync: N lookups, their median and fastest
 *   --wait-ms N     how long to poll the resolver for an answer (10000)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "host/runtime.h"
#include "host/workload.h"

#define WAIT_MS_DEFAULT	10000
#define POLL_NS		(2 * 1000 * 1000)
#define NS_PER_MS	1e6
#define REPEAT_MAX	100000

struct opts {
	struct runtime_config cfg;
	bool sync;
	int repeat;
	unsigned int wait_ms;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / NS_PER_MS;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: runtime_resolve [--docker-socket P] [--podman-socket P] [--docker-root D]\n"
		   "       [--graphroot D] [--runroot D] [--containerd-state D] [--defaults]\n"
		   "       [--timeout-ms N] [--sync [--repeat N]] [--wait-ms N] KIND:ID|CGROUP-PATH...\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{ "docker-socket", required_argument, NULL, 'd' },
		{ "podman-socket", required_argument, NULL, 'p' },
		{ "docker-root", required_argument, NULL, 'D' },
		{ "graphroot", required_argument, NULL, 'g' },
		{ "runroot", required_argument, NULL, 'r' },
		{ "containerd-state", required_argument, NULL, 'c' },
		{ "defaults", no_argument, NULL, 'x' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "sync", no_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "wait-ms", required_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct runtime_config *c = &o->cfg;
	int opt;

	runtime_config_default(c);
	c->docker_socket = c->podman_socket = c->docker_root = NULL;
	c->storage_graphroot = c->storage_runroot = c->containerd_state = NULL;
	o->repeat = 1;
	o->wait_ms = WAIT_MS_DEFAULT;
	while ((opt = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
		switch (opt) {
		case 'd': c->docker_socket = optarg; break;
		case 'p': c->podman_socket = optarg; break;
		case 'D': c->docker_root = optarg; break;
		case 'g': c->storage_graphroot = optarg; break;
		case 'r': c->storage_runroot = optarg; break;
		case 'c': c->containerd_state = optarg; break;
		case 'x': {
			struct runtime_config d;

			runtime_config_default(&d);
			c->docker_socket = d.docker_socket;
			c->podman_socket = d.podman_socket;
			c->docker_root = d.docker_root;
			c->storage_graphroot = d.storage_graphroot;
			c->storage_runroot = d.storage_runroot;
			c->containerd_state = d.containerd_state;
			break;
		}
		case 't': c->timeout_ms = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 's': o->sync = true; break;
		case 'n': o->repeat = atoi(optarg); break;
		case 'w': o->wait_ms = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind == argc || o->repeat < 1 || o->repeat > REPEAT_MAX || !c->timeout_ms) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* KIND:ID or a cgroup path, as host/workload.c reads it. */
static int parse_target(const char *arg, enum workload_runtime *rt, char id[WORKLOAD_ID_LEN])
{
	const char *colon = strchr(arg, ':');
	struct workload w;

	if (arg[0] == '/') {
		if (workload_parse(arg, &w))
			return -1;
		*rt = w.runtime;
		snprintf(id, WORKLOAD_ID_LEN, "%s", w.id);
		return 0;
	}
	if (!colon)
		return -1;
	for (int i = 0; i < WORKLOAD_RT_MAX; i++) {
		const char *name = workload_runtime_name((enum workload_runtime)i);

		if (strlen(name) == (size_t)(colon - arg) && !strncmp(arg, name, strlen(name))) {
			*rt = (enum workload_runtime)i;
			snprintf(id, WORKLOAD_ID_LEN, "%s", colon + 1);
			return 0;
		}
	}
	return -1;
}

static void add_str(struct json_object *o, const char *key, const char *val)
{
	json_object_object_add(o, key, json_object_new_string(val));
}

static void add_names(struct json_object *o, enum workload_runtime rt, const struct runtime_names *n)
{
	char display[2 * RUNTIME_NAME_LEN];
	struct json_object *labels = json_object_new_object();

	add_str(o, "source", runtime_source_name(n->source));
	add_str(o, "name", n->name);
	add_str(o, "image", n->image);
	add_str(o, "pod", n->pod);
	add_str(o, "namespace", n->pod_namespace);
	add_str(o, "container", n->pod_container);
	json_object_object_add(o, "sandbox", json_object_new_boolean(n->sandbox));
	add_str(o, "display", runtime_names_display(rt, n, display, sizeof(display)));
	for (int l = 0; l < RUNTIME_LABEL_MAX; l++)
		add_str(labels, runtime_label_name((enum runtime_label)l),
			runtime_label_value(n, (enum runtime_label)l));
	json_object_object_add(o, "labels", labels);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* runtime_resolve() o->repeat times: the answer of the last, the times of all. */
static void resolve_sync(const struct opts *o, enum workload_runtime rt, const char *id,
			 struct json_object *out)
{
	double *ms = calloc((size_t)o->repeat, sizeof(*ms));
	struct runtime_names n;
	int err = 0;

	if (!ms)
		exit(1);
	for (int i = 0; i < o->repeat; i++) {
		double t0 = now_ms();

		err = runtime_resolve(&o->cfg, rt, id, &n);
		ms[i] = now_ms() - t0;
	}
	add_str(out, "answer", err ? "unknown" : "known");
	add_str(out, "error", err ? strerrorname_np(-err) : "");
	if (!err)
		add_names(out, rt, &n);
	json_object_object_add(out, "ms", json_object_new_double(ms[o->repeat - 1]));
	qsort(ms, (size_t)o->repeat, sizeof(*ms), cmp_double);
	json_object_object_add(out, "median_ms", json_object_new_double(ms[o->repeat / 2]));
	json_object_object_add(out, "min_ms", json_object_new_double(ms[0]));
	free(ms);
}

/* The resolver, asked until it answers or wait_ms passes. */
static void resolve_async(struct runtime_resolver *r, const struct opts *o,
			  enum workload_runtime rt, const char *id, struct json_object *out)
{
	static const char *const answers[] = { "pending", "known", "unknown" };
	const struct timespec poll = { 0, POLL_NS };
	double t0 = now_ms();
	enum runtime_answer a;
	struct runtime_names n;

	while ((a = runtime_resolver__get(r, rt, id, &n)) == RUNTIME_PENDING &&
	       now_ms() - t0 < o->wait_ms)
		nanosleep(&poll, NULL);
	add_str(out, "answer", answers[a]);
	if (a == RUNTIME_KNOWN)
		add_names(out, rt, &n);
	json_object_object_add(out, "ms", json_object_new_double(now_ms() - t0));
}

int main(int argc, char **argv)
{
	struct runtime_resolver *r = NULL;
	struct opts o = {};

	if (parse_args(argc, argv, &o))
		return 2;
	if (!o.sync && !(r = runtime_resolver__new(&o.cfg))) {
		perror("runtime_resolve: runtime_resolver__new");
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		struct json_object *out = json_object_new_object();
		enum workload_runtime rt;
		char id[WORKLOAD_ID_LEN];

		add_str(out, "target", argv[i]);
		if (parse_target(argv[i], &rt, id)) {
			fprintf(stderr, "runtime_resolve: %s: give KIND:ID or a cgroup path\n", argv[i]);
			json_object_put(out);
			runtime_resolver__free(r);
			return 2;
		}
		add_str(out, "runtime", workload_runtime_name(rt));
		add_str(out, "id", id);
		if (o.sync)
			resolve_sync(&o, rt, id, out);
		else
			resolve_async(r, &o, rt, id, out);
		puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
		fflush(stdout);
		json_object_put(out);
	}
	runtime_resolver__free(r);
	return 0;
}
