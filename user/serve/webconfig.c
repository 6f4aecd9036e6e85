// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exporter-toolkit's web config file, loaded with libyaml's document API
 * (the whole file is small, and nodes keep their line numbers for errors):
 * the file and its root, and the helpers of the sections: tls_server_config
 * (webconfig_tls.c), http_server_config and rate_limit (webconfig_http.c),
 * basic_auth_users (webconfig_users.c). Everything is checked at load
 * time, so a bad file stops vflowd at start-up (or is kept out of a
 * running one) with one line that says where and what.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include "serve/webconfig_internal.h"
#include "serve/webtls.h"

/* exporter-toolkit configs are a few lines; a big file is the wrong one */
#define CONFIG_MAX_BYTES	(1024 * 1024)
#define ERR_MSG_MAX		512

int loader_fail(struct loader *l, const yaml_node_t *n, int rc, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->err && l->err_len)
		snprintf(l->err, l->err_len, "%s:%zu: %s", l->path,
			 n ? n->start_mark.line + 1 : 1, msg);
	return rc;
}

void loader_warn(struct loader *l, const char *fmt, ...)
{
	char *w = l->out->warnings;
	size_t used = strlen(w);
	va_list ap;

	if (used && used + 2 < sizeof(l->out->warnings))
		used += (size_t)snprintf(w + used, sizeof(l->out->warnings) - used, "; ");
	va_start(ap, fmt);
	if (used < sizeof(l->out->warnings))
		vsnprintf(w + used, sizeof(l->out->warnings) - used, fmt, ap);
	va_end(ap);
}

yaml_node_t *loader_node(struct loader *l, int idx)
{
	return yaml_document_get_node(l->doc, idx);
}

bool loader_is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !v[0] || !strcmp(v, "~") || !strcasecmp(v, "null");
}

const char *loader_scalar(struct loader *l, yaml_node_t *n, const char *what, int *rc)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE) {
		*rc = loader_fail(l, n, -EINVAL, "%s must be a string, not a %s", what,
				  n->type == YAML_MAPPING_NODE ? "mapping" : "list");
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length) {
		*rc = loader_fail(l, n, -EINVAL, "%s contains a NUL character: remove it", what);
		return NULL;
	}
	return v;
}

int loader_expect_mapping(struct loader *l, yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	return loader_fail(l, n, -EINVAL, "%s must be a mapping of keys to values", what);
}

int loader_expect_list(struct loader *l, yaml_node_t *n, const char *what)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return 0;
	return loader_fail(l, n, -EINVAL, "%s must be a list (\"- item\" lines)", what);
}

int loader_bool(struct loader *l, yaml_node_t *n, const char *what, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const char *v;
	size_t i;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return loader_fail(l, n, -EINVAL, "%s must be true or false, unquoted", what);
	v = (const char *)n->data.scalar.value;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*out = !strcasecmp(v, yes[i]);
			return 0;
		}
	}
	return loader_fail(l, n, -EINVAL, "%s is \"%s\": use true or false", what, v);
}

int loader_collect(struct loader *l, yaml_node_t *map, const char *section,
		   const char *const *names, size_t nr, yaml_node_t **keys, yaml_node_t **values)
{
	char valid[ERR_MSG_MAX / 2] = "";
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	const char *name;
	size_t i;
	int rc = 0;

	for (i = 0; i < nr; i++)
		keys[i] = values[i] = NULL;
	for_each_pair(l, map, pair, k, v) {
		if (!(name = loader_scalar(l, k, "a key", &rc)))
			return rc;
		for (i = 0; i < nr && strcmp(names[i], name); i++)
			;
		if (i < nr && keys[i])
			return loader_fail(l, k, -EINVAL, "duplicate key \"%s\": keep one", name);
		if (i < nr) {
			keys[i] = k;
			values[i] = loader_is_null(v) ? NULL : v;
			continue;
		}
		for (i = 0; i < nr; i++)
			snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid), "%s%s",
				 i ? ", " : "", names[i]);
		return loader_fail(l, k, -EINVAL, "unknown key \"%s\"%s%s: valid keys are %s", name,
				   section ? " in " : "", section ? section : "", valid);
	}
	return 0;
}

char *loader_resolve(const char *config, const char *file)
{
	const char *slash = strrchr(config, '/');
	char *out;

	if (file[0] == '/' || !slash)
		return strdup(file);
	if (asprintf(&out, "%.*s/%s", (int)(slash - config), config, file) < 0)
		return NULL;
	return out;
}

/*
 * Regular files only, opened O_NONBLOCK: a FIFO (a named pipe, or "0"
 * relative to a config under /proc/self/fd) would block the open forever
 * and a device such as /dev/zero never ends: both are refused with
 * -EINVAL, and files that block on read (/proc/kmsg) fail with -EAGAIN
 * instead of hanging.
 */
int slurp(const char *file, size_t max, char **out, size_t *len)
{
	char *buf = NULL;
	struct stat st;
	size_t n = 0;
	ssize_t r;
	int fd, rc = 0;

	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = -EINVAL;
	else if ((unsigned long long)st.st_size > max)
		rc = -EFBIG;
	else if (!(buf = malloc(max + 1)))
		rc = -ENOMEM;
	/* st_size is only a hint (0 for /proc files): the reads are bounded too */
	while (!rc && (r = read(fd, buf + n, max + 1 - n))) {
		if (r < 0 && errno != EINTR)
			rc = -errno;
		else if (r > 0 && (n += (size_t)r) > max)
			rc = -EFBIG;
	}
	close(fd);
	if (rc) {
		if (buf)
			explicit_bzero(buf, n);	/* it may have been a key */
		free(buf);
		return rc;
	}
	/* NOLINTNEXTLINE(clang-analyzer-core.NullDereference): errno is non-zero after a failed call */
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int loader_read_pem(struct loader *l, yaml_node_t *n, const char *key, const char *file, char **out)
{
	size_t len;
	char *buf;
	int rc;

	rc = slurp(file, WEB_PEM_MAX_BYTES, &buf, &len);
	if (rc == -EINVAL)
		return loader_fail(l, n, rc, "%s %s is not a regular file: point it at a PEM file",
				   key, file);
	if (rc == -EFBIG)
		return loader_fail(l, n, rc, "%s %s is over %d bytes: point it at a PEM file",
				   key, file, WEB_PEM_MAX_BYTES);
	if (rc)
		return loader_fail(l, n, rc, "cannot read %s %s: %s: check the path and its permissions",
				   key, file, strerror(-rc));
	*out = buf;
	return 0;
}

enum root_key { R_TLS, R_HTTP, R_USERS, R_RATE, NR_ROOT_KEYS };

static const char *const root_keys[NR_ROOT_KEYS] = {
	"tls_server_config", "http_server_config", "basic_auth_users", "rate_limit",
};

static int load_root(struct loader *l, yaml_node_t *root)
{
	yaml_node_t *k[NR_ROOT_KEYS], *v[NR_ROOT_KEYS];
	int rc;

	if (loader_is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return loader_fail(l, root, -EINVAL, "expected a mapping with tls_server_config, "
				   "http_server_config, basic_auth_users or rate_limit: see "
				   "exporter-toolkit's web configuration");
	if ((rc = loader_collect(l, root, NULL, root_keys, NR_ROOT_KEYS, k, v)))
		return rc;
	/* http2 constrains cipher_suites: http_server_config first */
	if (v[R_HTTP] && (rc = load_http(l, v[R_HTTP])))
		return rc;
	if (v[R_TLS] && (rc = load_tls(l, k[R_TLS], v[R_TLS])))
		return rc;
	if (v[R_USERS] && (rc = load_users(l, v[R_USERS])))
		return rc;
	if (v[R_RATE] && (rc = load_rate_limit(l, v[R_RATE])))
		return rc;
	return 0;
}

static int parse_text(struct loader *l, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int rc;

	if (!yaml_parser_initialize(&parser))
		return loader_fail(l, NULL, -ENOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		if (l->err && l->err_len)
			snprintf(l->err, l->err_len, "%s:%zu: invalid YAML: %s%s%s: fix the syntax",
				 l->path, parser.problem_mark.line + 1,
				 parser.context ? parser.context : "", parser.context ? ", " : "",
				 parser.problem ? parser.problem : "read error");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	l->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	rc = root ? load_root(l, root) : 0;	/* an empty file: no TLS, no auth */
	l->doc = NULL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

int web_config__load(const char *path, struct web_config *out, char *err, size_t err_len)
{
	struct loader l = { .path = path, .out = out, .err = err, .err_len = err_len };
	char *text;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	out->min_tls = WEB_TLS_MIN_DEFAULT;
	out->max_tls = WEB_TLS_MAX_DEFAULT;
	out->prefer_server_suites = true;
	out->http2 = true;
	rc = slurp(path, CONFIG_MAX_BYTES, &text, &len);
	if (rc) {
		if (err && err_len)
			snprintf(err, err_len, "%s: cannot open: %s: check --web.config.file", path,
				 rc == -EINVAL ? "not a regular file" :
				 rc == -EFBIG ? "too big for a web config" : strerror(-rc));
		return rc;
	}
	out->path = strdup(path);
	/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): slurp() set text */
	rc = out->path ? parse_text(&l, text, len) : loader_fail(&l, NULL, -ENOMEM, "out of memory");
	/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): slurp() set text */
	free(text);
	if (rc)
		web_config__free(out);
	return rc;
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void web_config__free(struct web_config *c)
{
	size_t i;

	if (!c)
		return;
	web_tls__free(c->tls_objects);
	free(c->path);
	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	free(c->cert_pem);
	free_secret(c->key_pem);	/* the private key should not linger in freed heap */
	free(c->client_ca_pem);
	for (i = 0; i < c->nr_allowed_sans; i++)
		free(c->allowed_sans[i]);
	free(c->allowed_sans);
	for (i = 0; i < c->nr_headers; i++)
		free(c->headers[i].value);
	for (i = 0; i < c->nr_users; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	explicit_bzero(c->dummy_hash, sizeof(c->dummy_hash));
	memset(c, 0, sizeof(*c));
}

