/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Human names of containers, from the runtimes that run them: the name
 * and image a user gave, and for Kubernetes the pod, its namespace and the
 * container's name in the pod. The cgroup path gives only the runtime and
 * the id (host/workload.h); this asks the runtime about that id.
 *
 * Sources, best first, per runtime (docs/IDENTITY.md):
 *   docker      Docker Engine API (GET /containers/{id}/json on its socket),
 *               then dockerd's state (<data-root>/containers/<id>/config.v2.json)
 *   podman      Podman's Docker-compatible API (podman system service),
 *               then containers/storage (containers.json, the bundle's config.json)
 *   crio        containers/storage, where CRI-O keeps the same files
 *   containerd  the OCI bundle's config.json under containerd's state
 *               directory (io.kubernetes.cri.* annotations), then the
 *               others: a bare id below a pod cgroup may be any CRI's
 *
 * Looking up blocks (an HTTP request, file reads), so the program asks a
 * resolver: runtime_resolver__get() answers at once from its cache, or
 * queues the lookup for its worker thread and answers "pending". Each
 * request has a time limit; a runtime that timed out is not asked again
 * for a while, so one that hangs costs the name and nothing else.
 */
#ifndef VFLOW_RUNTIME_H
#define VFLOW_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include "host/workload.h"

/* Field sizes, NUL included. Longer values are cut at a UTF-8 boundary. */
#define RUNTIME_NAME_LEN	254	/* a pod name is a DNS subdomain: 253 */
#define RUNTIME_IMAGE_LEN	256	/* a reference: registry/path:tag, or @sha256:<64 hex> */
#define RUNTIME_K8S_NAME_LEN	64	/* a namespace or container name is a DNS label: 63 */

/* Where the paths below are by default, as the runtimes install them. */
#define RUNTIME_DOCKER_SOCKET		"/var/run/docker.sock"
#define RUNTIME_PODMAN_SOCKET		"/run/podman/podman.sock"
#define RUNTIME_DOCKER_ROOT		"/var/lib/docker"
#define RUNTIME_STORAGE_GRAPHROOT	"/var/lib/containers/storage"
#define RUNTIME_STORAGE_RUNROOT		"/run/containers/storage"
#define RUNTIME_CONTAINERD_STATE	"/run/containerd"

/* Defaults of struct runtime_config. */
#define RUNTIME_TIMEOUT_MS		250	/* one API request, connect to last byte */
#define RUNTIME_REFRESH_MS		(60 * 1000)	/* a known name is asked again after */
#define RUNTIME_RETRY_MS		(10 * 1000)	/* an unknown one is asked again after */
#define RUNTIME_DOWN_MS			(30 * 1000)	/* a source that timed out is skipped for */
#define RUNTIME_CACHE_MAX		4096	/* containers remembered */
#define RUNTIME_QUEUE_MAX		256	/* lookups waiting for the worker */

/* Which source gave an answer. */
enum runtime_source {
	RUNTIME_SRC_NONE = 0,
	RUNTIME_SRC_DOCKER_API,		/* Docker Engine API */
	RUNTIME_SRC_PODMAN_API,		/* Podman's Docker-compatible API */
	RUNTIME_SRC_DOCKER_STATE,	/* dockerd's config.v2.json */
	RUNTIME_SRC_STORAGE_STATE,	/* containers/storage: podman, CRI-O */
	RUNTIME_SRC_CONTAINERD_STATE,	/* containerd's OCI bundle */
	RUNTIME_SRC_MAX,
};

/* What a runtime says about one container; "" where it says nothing. */
struct runtime_names {
	char name[RUNTIME_NAME_LEN];		/* the runtime's name: "web-1" */
	char image[RUNTIME_IMAGE_LEN];		/* as given: "docker.io/library/nginx:1.25" */
	char pod[RUNTIME_NAME_LEN];		/* Kubernetes pod name */
	char pod_namespace[RUNTIME_K8S_NAME_LEN];
	char pod_container[RUNTIME_K8S_NAME_LEN];	/* the container's name in the pod */
	bool sandbox;				/* the pod's sandbox ("pause") container */
	enum runtime_source source;
};

/*
 * Where to look and how long to wait. A path that is NULL or "" is not
 * looked at. Strings are copied by runtime_resolver__new().
 */
struct runtime_config {
	const char *docker_socket;
	const char *podman_socket;
	const char *docker_root;
	const char *storage_graphroot;
	const char *storage_runroot;
	const char *containerd_state;
	unsigned int timeout_ms;
	unsigned int refresh_ms;
	unsigned int retry_ms;
	unsigned int down_ms;
	unsigned int cache_max;
	unsigned int queue_max;
};

/* The defaults above. */
void runtime_config_default(struct runtime_config *cfg);

/* The longest timeout_ms runtime_config_parse() takes: a report waits on none, a name on this. */
#define RUNTIME_TIMEOUT_MAX_MS		(60 * 1000)

/*
 * A command line's "KEY=VALUE,...": docker-socket, podman-socket,
 * docker-root, storage-root, storage-runroot, containerd-state (a path;
 * empty: not looked at) and timeout-ms change @cfg (its paths point into
 * @spec, which is cut at the commas); "off" sets *@off (no lookups). 0,
 * or -EINVAL with one line in @err.
 */
int runtime_config_parse(struct runtime_config *cfg, char *spec, bool *off, char *err,
			 size_t err_len);

/*
 * Ask the sources of runtime @rt about container @id (64 lowercase hex, as
 * host/workload.c parses it), in order, until one knows it. Blocks: up to
 * timeout_ms for each API source. Returns 0 (*out filled), -ENOENT (no
 * source knows it), -ETIMEDOUT (a source timed out and none knew it),
 * -EBADMSG (a source answered garbage and none knew it), -EOPNOTSUPP
 * (@rt names no container runtime: host, lxc, nspawn, a pod cgroup) or
 * -EINVAL (a malformed @id).
 */
int runtime_resolve(const struct runtime_config *cfg, enum workload_runtime rt, const char *id,
		    struct runtime_names *out);

/* The lookups of one program: a cache and a worker thread. */
struct runtime_resolver;

enum runtime_answer {
	RUNTIME_PENDING = 0,	/* being looked up: ask again later */
	RUNTIME_KNOWN,		/* *out filled */
	RUNTIME_UNKNOWN,	/* no source knows it (or @rt has none): asked again after retry_ms */
};

/*
 * Starts the worker thread. NULL (errno set) on failure. Capabilities are
 * per thread: call it after dropping them (host/privdrop.h), or the worker
 * keeps what its creator had.
 */
struct runtime_resolver *runtime_resolver__new(const struct runtime_config *cfg);

/*
 * Never blocks on a runtime. A known name is kept when the container is
 * gone: a refresh that finds nothing leaves it as it was.
 */
enum runtime_answer runtime_resolver__get(struct runtime_resolver *r, enum workload_runtime rt,
					  const char *id, struct runtime_names *out);

/* What the worker did so far, and what waits. */
struct runtime_stats {
	unsigned long long lookups;	/* lookups the worker ran */
	unsigned long long timeouts;	/* requests that ran out of time */
	unsigned long long skipped;	/* sources not asked: down after a timeout */
	unsigned int cached;		/* containers in the cache */
	unsigned int queued;		/* lookups waiting for the worker */
};

void runtime_resolver__stats(struct runtime_resolver *r, struct runtime_stats *st);

/* Stops the worker (a request in flight is abandoned) and frees everything. NULL is fine. */
void runtime_resolver__free(struct runtime_resolver *r);

/* ---- display ---- */

/* "docker API", "containerd state", ... */
const char *runtime_source_name(enum runtime_source src);

/*
 * The display name: "k8s:<namespace>/<pod>/<container>" for a pod's
 * container (its name in the pod, else the runtime's name;
 * "k8s:<namespace>/<pod>" for the pod's sandbox), else
 * "<runtime>:<name>" ("docker:web-1"); "" when @n names nothing. Writes
 * at most @len bytes, always terminated; returns @buf.
 */
char *runtime_names_display(enum workload_runtime rt, const struct runtime_names *n, char *buf,
			    size_t len);

/* Exporter labels, in this order; an empty value means "not known". */
enum runtime_label {
	RUNTIME_LABEL_CONTAINER = 0,	/* the name in the pod, else the runtime's; "" for a sandbox */
	RUNTIME_LABEL_IMAGE,
	RUNTIME_LABEL_POD,
	RUNTIME_LABEL_NAMESPACE,
	RUNTIME_LABEL_MAX,
};

/* "container", "image", "pod", "namespace" */
const char *runtime_label_name(enum runtime_label l);

/* The value of label @l for @n; never NULL. */
const char *runtime_label_value(const struct runtime_names *n, enum runtime_label l);

#endif /* VFLOW_RUNTIME_H */
