// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runtime names for people and for the exporter: the display name and the
 * labels, and the defaults of where the runtimes keep their sockets and
 * state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/runtime.h"

static const char *const source_names[RUNTIME_SRC_MAX] = {
	[RUNTIME_SRC_NONE] = "none",
	[RUNTIME_SRC_DOCKER_API] = "docker API",
	[RUNTIME_SRC_PODMAN_API] = "podman API",
	[RUNTIME_SRC_DOCKER_STATE] = "docker state",
	[RUNTIME_SRC_STORAGE_STATE] = "containers/storage state",
	[RUNTIME_SRC_CONTAINERD_STATE] = "containerd state",
};

static const char *const label_names[RUNTIME_LABEL_MAX] = {
	[RUNTIME_LABEL_CONTAINER] = "container",
	[RUNTIME_LABEL_IMAGE] = "image",
	[RUNTIME_LABEL_POD] = "pod",
	[RUNTIME_LABEL_NAMESPACE] = "namespace",
};

void runtime_config_default(struct runtime_config *cfg)
{
	*cfg = (struct runtime_config){
		.docker_socket = RUNTIME_DOCKER_SOCKET,
		.podman_socket = RUNTIME_PODMAN_SOCKET,
		.docker_root = RUNTIME_DOCKER_ROOT,
		.storage_graphroot = RUNTIME_STORAGE_GRAPHROOT,
		.storage_runroot = RUNTIME_STORAGE_RUNROOT,
		.containerd_state = RUNTIME_CONTAINERD_STATE,
		.timeout_ms = RUNTIME_TIMEOUT_MS,
		.refresh_ms = RUNTIME_REFRESH_MS,
		.retry_ms = RUNTIME_RETRY_MS,
		.down_ms = RUNTIME_DOWN_MS,
		.cache_max = RUNTIME_CACHE_MAX,
		.queue_max = RUNTIME_QUEUE_MAX,
	};
}

const char *runtime_source_name(enum runtime_source src)
{
	if ((unsigned int)src >= RUNTIME_SRC_MAX)
		return "unknown";
	return source_names[src];
}

/* The container's name in its pod, else the runtime's; "" for the pod's sandbox. */
static const char *container_of(const struct runtime_names *n)
{
	if (n->pod_container[0])
		return n->pod_container;
	return n->pod[0] && n->sandbox ? "" : n->name;
}

char *runtime_names_display(enum workload_runtime rt, const struct runtime_names *n, char *buf,
			    size_t len)
{
	if (!len)
		return buf;
	buf[0] = '\0';
	if (!n)
		return buf;
	if (n->pod[0]) {
		const char *ctr = container_of(n);

		snprintf(buf, len, "k8s:%s%s%s%s%s", n->pod_namespace, n->pod_namespace[0] ? "/" : "",
			 n->pod, ctr[0] ? "/" : "", ctr);
	} else if (n->name[0]) {
		snprintf(buf, len, "%s:%s", workload_runtime_name(rt), n->name);
	}
	return buf;
}

const char *runtime_label_name(enum runtime_label l)
{
	if ((unsigned int)l >= RUNTIME_LABEL_MAX)
		return "unknown";
	return label_names[l];
}

const char *runtime_label_value(const struct runtime_names *n, enum runtime_label l)
{
	if (!n)
		return "";
	switch (l) {
	case RUNTIME_LABEL_CONTAINER:
		return container_of(n);
	case RUNTIME_LABEL_IMAGE:
		return n->image;
	case RUNTIME_LABEL_POD:
		return n->pod;
	case RUNTIME_LABEL_NAMESPACE:
		return n->pod_namespace;
	default:
		return "";
	}
}

/* The keys of runtime_config_parse(), and where each value goes. */
static const char **config_path(struct runtime_config *cfg, const char *key, size_t len)
{
	static const char *const keys[] = { "docker-socket", "podman-socket", "docker-root",
					    "storage-root", "storage-runroot", "containerd-state" };
	const char **to[] = { &cfg->docker_socket, &cfg->podman_socket, &cfg->docker_root,
			      &cfg->storage_graphroot, &cfg->storage_runroot,
			      &cfg->containerd_state };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == len && !strncmp(keys[i], key, len))
			return to[i];
	return NULL;
}

int runtime_config_parse(struct runtime_config *cfg, char *spec, bool *off, char *err,
			 size_t err_len)
{
	char *save = NULL;

	*off = !strcmp(spec, "off");
	if (*off)
		return 0;
	for (char *kv = strtok_r(spec, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '='), *end;
		const char **path;
		unsigned long ms;

		path = eq ? config_path(cfg, kv, (size_t)(eq - kv)) : NULL;
		if (path) {
			*path = eq[1] ? eq + 1 : NULL;	/* KEY=: not looked at */
			continue;
		}
		if (eq && (size_t)(eq - kv) == strlen("timeout-ms") && !strncmp(kv, "timeout-ms", eq - kv)) {
			errno = 0;
			ms = strtoul(eq + 1, &end, 10);
			if (!errno && *end == '\0' && ms >= 1 && ms <= RUNTIME_TIMEOUT_MAX_MS) {
				cfg->timeout_ms = (unsigned int)ms;
				continue;
			}
		}
		snprintf(err, err_len, "--runtime: '%s' is not KEY=VALUE with KEY docker-socket, "
			 "podman-socket, docker-root, storage-root, storage-runroot, containerd-state "
			 "(a path, empty: not looked at) or timeout-ms (1 to %d), or 'off'", kv,
			 RUNTIME_TIMEOUT_MAX_MS);
		return -EINVAL;
	}
	return 0;
}
