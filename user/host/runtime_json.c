// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Runtime JSON -> struct runtime_names, with json-c.
 *
 * The parser is strict (no trailing garbage, no trailing commas, UTF-8
 * checked), and values are copied as text, since they reach terminals and
 * exporter labels: control bytes (NUL included: JSON allows "\u0000") and
 * what is not valid UTF-8 become '?', and a value too long is cut before
 * the first character that does not fit.
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
#define UTF8_CONT_MIN		0x80	/* a continuation byte: 10xxxxxx */
#define UTF8_CONT_MAX		0xbf
#define UTF8_C1_LEAD		0xc2	/* U+0080..U+009F: 0xc2 0x80..0x9f */
#define UTF8_C1_LAST		0x9f

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

/*
 * The length of the UTF-8 sequence at @s (@n bytes left), 0 if it is not
 * one that RFC 3629 allows: json-c's check lets overlong forms through,
 * and "\ud800" escapes decode to surrogates.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = UTF8_CONT_MIN, hi = UTF8_CONT_MAX;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		lo = s[0] == 0xe0 ? 0xa0 : lo;	/* overlong */
		hi = s[0] == 0xed ? 0x9f : hi;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		lo = s[0] == 0xf0 ? 0x90 : lo;	/* overlong */
		hi = s[0] == 0xf4 ? 0x8f : hi;	/* past U+10FFFF */
	} else {
		return 0;
	}
	if (len > n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < UTF8_CONT_MIN || s[i] > UTF8_CONT_MAX)
			return 0;
	return len;
}

/* C0 controls, DEL and the C1 controls (U+0080..U+009F: 8-bit CSI for some terminals). */
static bool is_control(const unsigned char *s, size_t len)
{
	if (len == 1)
		return s[0] < ' ' || s[0] == ASCII_DEL;
	return len == 2 && s[0] == UTF8_C1_LEAD && s[1] <= UTF8_C1_LAST;
}

/*
 * Copy @n bytes into an empty field as text: a control byte or a byte
 * that starts no valid UTF-8 sequence becomes '?'; cut before the first
 * sequence that does not fit.
 */
static void fill_bytes(char *dst, size_t cap, const char *src, size_t n)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (dst[0])
		return;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_seq(s + i, n - i);

		if (!len || is_control(s + i, len)) {
			if (o + 1 >= cap)
				break;
			dst[o++] = '?';
			i += len ? len : 1;
			continue;
		}
		if (o + len >= cap)
			break;
		memcpy(dst + o, s + i, len);
		o += len;
		i += len;
	}
	dst[o] = '\0';
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
