/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the web config loader's files share: webconfig.c (the file, the
 * root), webconfig_tls.c, webconfig_http.c, webconfig_users.c (the
 * sections). Private to user/serve.
 */
#ifndef VFLOW_WEBCONFIG_INTERNAL_H
#define VFLOW_WEBCONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>
#include "serve/webconfig.h"

/* A certificate chain or CA bundle is a few hundred KiB at most. */
#define WEB_PEM_MAX_BYTES	(1024 * 1024)

struct loader {
	const char *path;
	yaml_document_t *doc;
	struct web_config *out;
	char *err;
	size_t err_len;
};

#define for_each_pair(l, map, pair, k, v)					\
	for ((pair) = (map)->data.mapping.pairs.start;				\
	     (pair) < (map)->data.mapping.pairs.top &&				\
	     ((k) = loader_node((l), (pair)->key)) && ((v) = loader_node((l), (pair)->value)); \
	     (pair)++)

#define for_each_item(l, seq, item, v)						\
	for ((item) = (seq)->data.sequence.items.start;				\
	     (item) < (seq)->data.sequence.items.top && ((v) = loader_node((l), *(item))); \
	     (item)++)

/* "FILE:LINE: msg" (the line of @n, or 1) into the caller's buffer; returns @rc. */
int loader_fail(struct loader *l, const yaml_node_t *n, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
yaml_node_t *loader_node(struct loader *l, int idx);
/* "key:" with nothing after it, "~" or "null": as if the key were absent */
bool loader_is_null(const yaml_node_t *n);
/* The text of scalar @n, or NULL with *rc and the message set. */
const char *loader_scalar(struct loader *l, yaml_node_t *n, const char *what, int *rc);
int loader_expect_mapping(struct loader *l, yaml_node_t *n, const char *what);
int loader_expect_list(struct loader *l, yaml_node_t *n, const char *what);
/* YAML 1.1 booleans, as Go's yaml.v2 reads them: true/false, yes/no, on/off */
int loader_bool(struct loader *l, yaml_node_t *n, const char *what, bool *out);
/*
 * The keys of mapping @map (section @section, NULL for the root): each
 * one of @names (@nr of them) into keys[i] and values[i] (zeroed first);
 * an unknown or repeated key is refused, as Go's yaml.UnmarshalStrict does,
 * the message listing the valid ones. A value "key:" alone, "~" or "null"
 * is left as the key unset (values[i] NULL, keys[i] set).
 */
int loader_collect(struct loader *l, yaml_node_t *map, const char *section,
		   const char *const *names, size_t nr, yaml_node_t **keys, yaml_node_t **values);
/* @file relative to the config file's directory, as exporter-toolkit resolves it */
char *loader_resolve(const char *config, const char *file);
/* The PEM text of @file for @key (line of @n in messages); regular files only. */
int loader_read_pem(struct loader *l, yaml_node_t *n, const char *key, const char *file,
		    char **out);
/* Up to @max bytes of a regular file, NUL-terminated; -EINVAL (not regular), -EFBIG, -errno. */
int slurp(const char *file, size_t max, char **out, size_t *len);

/* tls_server_config (webconfig_tls.c), after http_server_config (http2 constrains cipher_suites) */
int load_tls(struct loader *l, yaml_node_t *key, yaml_node_t *tls);

/* http_server_config, rate_limit (webconfig_http.c); basic_auth_users (webconfig_users.c) */
int load_http(struct loader *l, yaml_node_t *http);
int load_rate_limit(struct loader *l, yaml_node_t *rate);
int load_users(struct loader *l, yaml_node_t *users);

/* append "; msg" to the config's warnings */
void loader_warn(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
