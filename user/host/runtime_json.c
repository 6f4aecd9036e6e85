// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runtime JSON -> struct runtime_names, with json-c.
 *
 * The parser is strict (no trailing garbage, no trailing commas) and
 * validates UTF-8, so that what reaches a terminal or an exporter label is
 * text. Values are copied with control bytes (NUL included: JSON allows
 * "\u0000") replaced by '?', and cut at a UTF-8 boundary when too long.
 * A member of the wrong type counts as absent: a runtime of another
 * version may differ, and a partial answer is better than none.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <json-c/json.h>

#include "host/runtime_json.h"

/* Nesting the runtimes' files need: an OCI spec's seccomp args are ~6 deep. */
#define JSON_DEPTH		JSON_TOKENER_DEFAULT_DEPTH
#define ASCII_DEL		0x7f
#define UTF8_CONTINUATION(c)	(((unsigned char)(c) & 0xc0) == 0x80)

/*
 * Labels kubelet puts on the containers it creates (dockershim, CRI), and
 * CRI-O copies into the OCI annotations: kubernetes pkg/kubelet/types/labels.go.
 */
#define K8S_POD_NAME		"io.kubernetes.pod.name"
#define K8S_POD_NAMESPACE	"io.kubernetes.pod.namespace"
#define K8S_CONTAINER_NAME	"io.kubernetes.container.name"
/* dockershim: the sandbox is a container named "POD", typed "podsandbox" */
#define K8S_DOCKER_TYPE		"io.kubernetes.docker.type"
#define K8S_DOCKER_SANDBOX	"podsandbox"
#define K8S_SANDBOX_NAME	"POD"
/* containerd's CRI plugin: pkg/cri/annotations/annotations.go */
#define CRI_SANDBOX_NAME	"io.kubernetes.cri.sandbox-name"
#define CRI_SANDBOX_NAMESPACE	"io.kubernetes.cri.sandbox-namespace"
#define CRI_CONTAINER_NAME	"io.kubernetes.cri.container-name"
#define CRI_IMAGE_NAME		"io.kubernetes.cri.image-name"
#define CRI_CONTAINER_TYPE	"io.kubernetes.cri.container-type"
/* CRI-O: pkg/annotations (v1 names, still written) */
#define CRIO_CONTAINER_NAME	"io.kubernetes.cri-o.ContainerName"
#define CRIO_IMAGE_NAME		"io.kubernetes.cri-o.ImageName"
#define CRIO_CONTAINER_TYPE	"io.kubernetes.cri-o.ContainerType"
#define CONTAINER_TYPE_SANDBOX	"sandbox"
/* containers/storage metadata (libpod and CRI-O RuntimeContainerMetadata) */
#define META_IMAGE_NAME		"image-name"
#define META_NAME		"name"
#define META_IS_SANDBOX		"pod"	/* CRI-O: the pod's infrastructure container */

static struct json_object *parse(const char *body, size_t len)
{
	struct json_tokener *tok;
	struct json_object *obj = NULL;

	if (!body || len > INT_MAX)
		return NULL;
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	/* an object cut short is "continue": not an answer either */
	if (obj && json_tokener_get_parse_end(tok) != len) {
		json_object_put(obj);
		obj = NULL;
	}
	json_tokener_free(tok);
	return obj;
}

/* @key of @obj if it is of @type, else NULL. */
static struct json_object *member(struct json_object *obj, const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* Copy @n bytes into an empty field: control bytes made '?', cut at a UTF-8 boundary. */
static void fill_bytes(char *dst, size_t cap, const char *src, size_t n)
{
	if (dst[0])
		return;
	if (n >= cap) {
		n = cap - 1;
		while (n && UTF8_CONTINUATION(src[n]))
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c < ' ' || c == ASCII_DEL ? '?' : (char)c;
	}
	dst[n] = '\0';
}

/* A JSON string into an empty field; anything else leaves it empty. */
static void fill(char *dst, size_t cap, struct json_object *s)
{
	if (json_object_is_type(s, json_type_string))
		fill_bytes(dst, cap, json_object_get_string(s), (size_t)json_object_get_string_len(s));
}

static void fill_member(char *dst, size_t cap, struct json_object *obj, const char *key)
{
	fill(dst, cap, member(obj, key, json_type_string));
}

static bool member_is(struct json_object *obj, const char *key, const char *want)
{
	struct json_object *v = member(obj, key, json_type_string);

	return v && !strcmp(json_object_get_string(v), want);
}

/* The pod, its namespace and the container, from kubelet's labels. */
static void fill_k8s_labels(struct runtime_names *out, struct json_object *labels)
{
	fill_member(out->pod, sizeof(out->pod), labels, K8S_POD_NAME);
	fill_member(out->pod_namespace, sizeof(out->pod_namespace), labels, K8S_POD_NAMESPACE);
	if (member_is(labels, K8S_DOCKER_TYPE, K8S_DOCKER_SANDBOX) ||
	    member_is(labels, K8S_CONTAINER_NAME, K8S_SANDBOX_NAME))
		out->sandbox = true;
	else
		fill_member(out->pod_container, sizeof(out->pod_container), labels,
			    K8S_CONTAINER_NAME);
}

/* A container is named when it has a name of its own or a pod. */
static int named(const struct runtime_names *out)
{
	return out->name[0] || out->pod[0] ? 0 : -ENOENT;
}

int runtime_json_inspect(const char *body, size_t len, struct runtime_names *out)
{
	struct json_object *root = parse(body, len), *config, *name;
	int err;

	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return -EBADMSG;
	}
	name = member(root, "Name", json_type_string);
	if (name) {
		const char *s = json_object_get_string(name);
		size_t n = (size_t)json_object_get_string_len(name);

		/* the API's names are paths: "/web-1" */
		if (n && s[0] == '/')
			fill_bytes(out->name, sizeof(out->name), s + 1, n - 1);
		else
			fill_bytes(out->name, sizeof(out->name), s, n);
	}
	config = member(root, "Config", json_type_object);
	/* what the user asked for first; libpod's ImageName; the image id last */
	fill_member(out->image, sizeof(out->image), config, "Image");
	fill_member(out->image, sizeof(out->image), root, "ImageName");
	fill_member(out->image, sizeof(out->image), root, "Image");
	fill_k8s_labels(out, member(config, "Labels", json_type_object));
	err = named(out);
	json_object_put(root);
	return err;
}

int runtime_json_oci_spec(const char *body, size_t len, struct runtime_names *out)
{
	struct json_object *root = parse(body, len), *ann;
	int err;

	if (!json_object_is_type(root, json_type_object) || !member(root, "ociVersion", json_type_string)) {
		json_object_put(root);
		return -EBADMSG;
	}
	ann = member(root, "annotations", json_type_object);
	fill_member(out->pod, sizeof(out->pod), ann, CRI_SANDBOX_NAME);
	fill_member(out->pod_namespace, sizeof(out->pod_namespace), ann, CRI_SANDBOX_NAMESPACE);
	fill_member(out->image, sizeof(out->image), ann, CRI_IMAGE_NAME);
	fill_member(out->image, sizeof(out->image), ann, CRIO_IMAGE_NAME);
	fill_member(out->name, sizeof(out->name), ann, CRIO_CONTAINER_NAME);
	if (member_is(ann, CRI_CONTAINER_TYPE, CONTAINER_TYPE_SANDBOX) ||
	    member_is(ann, CRIO_CONTAINER_TYPE, CONTAINER_TYPE_SANDBOX))
		out->sandbox = true;
	else
		fill_member(out->pod_container, sizeof(out->pod_container), ann, CRI_CONTAINER_NAME);
	fill_k8s_labels(out, ann);
	err = named(out);
	json_object_put(root);
	return err;
}

/*
 * The runtime's metadata, a JSON object kept as a string in the entry.
 * Its "pod-name" is CRI-O's sandbox name ("k8s_POD_<pod>_<ns>_..."), not
 * the pod's: the pod comes from the bundle's annotations.
 */
static void fill_storage_metadata(struct runtime_names *out, struct json_object *meta_str)
{
	struct json_object *meta, *is_sandbox;

	if (!meta_str)
		return;
	meta = parse(json_object_get_string(meta_str), (size_t)json_object_get_string_len(meta_str));
	fill_member(out->name, sizeof(out->name), meta, META_NAME);
	fill_member(out->image, sizeof(out->image), meta, META_IMAGE_NAME);
	is_sandbox = member(meta, META_IS_SANDBOX, json_type_boolean);
	if (is_sandbox && json_object_get_boolean(is_sandbox))
		out->sandbox = true;
	json_object_put(meta);
}

int runtime_json_storage(const char *body, size_t len, const char *id, struct runtime_names *out)
{
	struct json_object *root = parse(body, len), *entry = NULL, *names;
	size_t n;
	int err;

	if (!json_object_is_type(root, json_type_array) || !id) {
		json_object_put(root);
		return -EBADMSG;
	}
	n = json_object_array_length(root);
	for (size_t i = 0; i < n && !entry; i++) {
		struct json_object *e = json_object_array_get_idx(root, i);

		if (member_is(e, "id", id))
			entry = e;
	}
	if (!entry) {
		json_object_put(root);
		return -ENOENT;
	}
	names = member(entry, "names", json_type_array);
	if (names && json_object_array_length(names))
		fill(out->name, sizeof(out->name), json_object_array_get_idx(names, 0));
	fill_storage_metadata(out, member(entry, "metadata", json_type_string));
	err = named(out);
	json_object_put(root);
	return err;
}
