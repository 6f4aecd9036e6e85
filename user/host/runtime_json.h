/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The JSON the runtimes keep about a container, to struct runtime_names.
 * Pure: the caller reads the body (an HTTP answer, a file). Each function
 * fills only the fields of *out that are still empty, so that two files
 * of one source (containers.json, then the bundle's config.json) add up.
 *
 * Each returns 0 when the body names the container, -ENOENT when it is
 * well-formed but names nothing (a 404 body, a bundle without Kubernetes
 * annotations, an id not in the list), -EBADMSG when it is not JSON (or
 * not valid UTF-8) or not the shape its source writes.
 */
#ifndef VFLOW_RUNTIME_JSON_H
#define VFLOW_RUNTIME_JSON_H

#include <stddef.h>
#include "host/runtime.h"

/*
 * GET /containers/{id}/json of the Docker Engine API or of Podman's
 * compatible API, and dockerd's config.v2.json (the same fields): Name,
 * Config.Image, Config.Labels (io.kubernetes.pod.name, ...).
 */
int runtime_json_inspect(const char *body, size_t len, struct runtime_names *out);

/*
 * An OCI runtime spec (a bundle's config.json): its annotations, as
 * containerd's CRI plugin (io.kubernetes.cri.*), CRI-O
 * (io.kubernetes.pod.*, io.kubernetes.cri-o.*) and podman --annotation
 * write them.
 */
int runtime_json_oci_spec(const char *body, size_t len, struct runtime_names *out);

/*
 * containers/storage's containers.json (podman, CRI-O): the entry whose
 * "id" is @id, its names and the runtime's metadata string inside it.
 */
int runtime_json_storage(const char *body, size_t len, const char *id, struct runtime_names *out);

#endif /* VFLOW_RUNTIME_JSON_H */
