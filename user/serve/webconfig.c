// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * exporter-toolkit's web config file, loaded with libyaml's document API
 * (the whole file is small, and nodes keep their line numbers for errors).
 * Everything is checked at load time, including reading the certificate
 * and key, so a bad file stops vflowd at start-up with one line that says
 * where and what, instead of failing on the first scrape.
 */
#define _GNU_SOURCE
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <yaml.h>
#include "serve/webconfig.h"

/* A certificate chain is a few KiB; anything this big is the wrong file. */
#define PEM_MAX_BYTES		(1024 * 1024)
/* exporter-toolkit configs are a few lines; a big file is the wrong one */
#define CONFIG_MAX_BYTES	(1024 * 1024)
/* "$2y$10$" + 22 characters of salt + 31 of hash */
#define BCRYPT_LEN		60
#define BCRYPT_PREFIX_LEN	7
#define BCRYPT_COST_MIN		4
#define BCRYPT_COST_MAX		31
#define ERR_MSG_MAX		512

static const char bcrypt_b64[] =
	"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

struct loader {
	const char *path;
	yaml_document_t *doc;
	char *err;
	size_t err_len;
};

static size_t line_of(const yaml_node_t *n)
{
	return n ? n->start_mark.line + 1 : 1;
}

/* Format "FILE:LINE: msg" into the caller's buffer; returns @rc. */
static int fail(struct loader *l, const yaml_node_t *n, int rc, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->err && l->err_len)
		snprintf(l->err, l->err_len, "%s:%zu: %s", l->path, line_of(n), msg);
	return rc;
}

static yaml_node_t *node(struct loader *l, int idx)
{
	return yaml_document_get_node(l->doc, idx);
}

/* "key:" with nothing after it, "~" or "null": the section is absent. */
static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !v[0] || !strcmp(v, "~") || !strcasecmp(v, "null");
}

/* The text of scalar @n, or NULL with the error set (mapping, list, "\0"). */
static const char *scalar(struct loader *l, yaml_node_t *n, const char *what, int *rc)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE) {
		*rc = fail(l, n, -EINVAL, "%s must be a string, not a %s", what,
			   n->type == YAML_MAPPING_NODE ? "mapping" : "list");
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length) {
		*rc = fail(l, n, -EINVAL, "%s contains a NUL character: remove it", what);
		return NULL;
	}
	return v;
}

static int expect_mapping(struct loader *l, yaml_node_t *n, const char *what)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	return fail(l, n, -EINVAL, "%s must be a mapping of keys to values", what);
}

#define for_each_pair(l, map, pair, k, v)					\
	for ((pair) = (map)->data.mapping.pairs.start;				\
	     (pair) < (map)->data.mapping.pairs.top &&				\
	     ((k) = node((l), (pair)->key)) && ((v) = node((l), (pair)->value));	\
	     (pair)++)

/* Paths are relative to the config file's directory, as in exporter-toolkit. */
static char *resolve(const char *config, const char *file)
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
 * Up to @max bytes of @file, NUL-terminated, in *out. Regular files only,
 * opened O_NONBLOCK: a FIFO (a named pipe, or "0" relative to a config
 * under /proc/self/fd) would block the open forever and a device such as
 * /dev/zero never ends: both are refused with -EINVAL, and files that
 * block on read (/proc/kmsg) fail with -EAGAIN instead of hanging.
 */
static int slurp(const char *file, size_t max, char **out, size_t *len)
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

static int read_pem(struct loader *l, yaml_node_t *n, const char *key, const char *file, char **out)
{
	size_t len;
	char *buf;
	int rc;

	rc = slurp(file, PEM_MAX_BYTES, &buf, &len);
	if (rc == -EINVAL)
		return fail(l, n, rc, "%s %s is not a regular file: point it at a PEM file", key, file);
	if (rc == -EFBIG)
		return fail(l, n, rc, "%s %s is over %d bytes: point it at a PEM file",
			    key, file, PEM_MAX_BYTES);
	if (rc)
		return fail(l, n, rc, "cannot read %s %s: %s: check the path and its permissions",
			    key, file, strerror(-rc));
	/* GnuTLS would only say "base64 decoding error" on the first scrape */
	/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): slurp() returns 0 only with a buffer */
	if (!strstr(buf, "-----BEGIN ")) {
		explicit_bzero(buf, len);
		free(buf);
		return fail(l, n, -EINVAL, "%s %s is not in PEM format: convert it with openssl",
			    key, file);
	}
	*out = buf;
	return 0;
}

static int load_tls(struct loader *l, yaml_node_t *tls, struct web_config *out)
{
	yaml_node_t *k, *v, *cert_node = NULL, *key_node = NULL, *min_node = NULL;
	yaml_node_pair_t *pair;
	const char *s, *name;
	int rc = 0;

	if (is_null(tls))
		return 0;
	if ((rc = expect_mapping(l, tls, "tls_server_config")))
		return rc;
	for_each_pair(l, tls, pair, k, v) {
		yaml_node_t **slot;

		if (!(name = scalar(l, k, "a key", &rc)))
			return rc;
		if (!strcmp(name, "cert_file"))
			slot = &cert_node;
		else if (!strcmp(name, "key_file"))
			slot = &key_node;
		else if (!strcmp(name, "min_version"))
			slot = &min_node;
		else
			return fail(l, k, -EINVAL, "unknown key \"%s\" in tls_server_config: "
				    "valid keys are cert_file, key_file, min_version", name);
		if (*slot)
			return fail(l, k, -EINVAL, "duplicate key \"%s\": keep one", name);
		*slot = v;
		if (!(s = scalar(l, v, name, &rc)))
			return rc;
		if (!s[0])
			return fail(l, v, -EINVAL, "%s is empty: give a path or remove the key", name);
	}
	if (!cert_node != !key_node)
		return fail(l, tls, -EINVAL, "%s without %s: set both cert_file and key_file, "
			    "or neither for plain HTTP", cert_node ? "cert_file" : "key_file",
			    cert_node ? "key_file" : "cert_file");
	if (min_node) {
		s = (const char *)min_node->data.scalar.value;
		if (!cert_node)
			return fail(l, min_node, -EINVAL, "min_version without cert_file and key_file: "
				    "set them, or remove min_version");
		if (!strcmp(s, "TLS12"))
			out->min_tls = 12;
		else if (!strcmp(s, "TLS13"))
			out->min_tls = 13;
		else
			return fail(l, min_node, -EINVAL, "min_version \"%s\" is not supported: "
				    "use TLS12 or TLS13", s);
	}
	if (!cert_node)
		return 0;
	out->cert_file = resolve(l->path, (const char *)cert_node->data.scalar.value);
	out->key_file = resolve(l->path, (const char *)key_node->data.scalar.value);
	if (!out->cert_file || !out->key_file)
		return fail(l, tls, -ENOMEM, "out of memory");
	rc = read_pem(l, cert_node, "cert_file", out->cert_file, &out->cert_pem);
	if (!rc)
		rc = read_pem(l, key_node, "key_file", out->key_file, &out->key_pem);
	return rc;
}

static bool is_bcrypt(const char *h)
{
	int cost;

	/* the length check first: it makes every index below valid */
	if (strlen(h) != BCRYPT_LEN || h[0] != '$' || h[1] != '2' ||
	    !strchr("aby", h[2]) || h[3] != '$' || h[6] != '$')
		return false;
	if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < BCRYPT_COST_MIN || cost > BCRYPT_COST_MAX)
		return false;
	return strspn(h + BCRYPT_PREFIX_LEN, bcrypt_b64) == BCRYPT_LEN - BCRYPT_PREFIX_LEN;
}

static int load_users(struct loader *l, yaml_node_t *users, struct web_config *out)
{
	yaml_node_pair_t *pair;
	yaml_node_t *k, *v;
	const char *name, *hash;
	size_t nr, i;
	int rc = 0;

	if (is_null(users))
		return 0;
	if ((rc = expect_mapping(l, users, "basic_auth_users")))
		return rc;
	nr = users->data.mapping.pairs.top - users->data.mapping.pairs.start;
	out->users = calloc(nr ? nr : 1, sizeof(*out->users));
	if (!out->users)
		return fail(l, users, -ENOMEM, "out of memory");
	for_each_pair(l, users, pair, k, v) {
		if (!(name = scalar(l, k, "a user name", &rc)))
			return rc;
		/* Basic credentials are "user:password": a colon cannot be in a name */
		if (!name[0] || strchr(name, ':'))
			return fail(l, k, -EINVAL, "user name \"%s\" is empty or has a colon: rename it",
				    name);
		for (i = 0; i < out->nr_users; i++)
			/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): a failed strdup() ends the load */
			if (!strcmp(out->users[i].name, name))
				return fail(l, k, -EINVAL, "user \"%s\" is listed twice: keep one", name);
		if (!(hash = scalar(l, v, "a password hash", &rc)))
			return rc;
		if (!is_bcrypt(hash))
			return fail(l, v, -EINVAL, "the password of \"%s\" is not a bcrypt hash: "
				    "make one with htpasswd -nBC 10 %s", name, name);
		out->users[out->nr_users].name = strdup(name);
		out->users[out->nr_users].hash = strdup(hash);
		out->nr_users++;
		if (!out->users[out->nr_users - 1].name || !out->users[out->nr_users - 1].hash)
			return fail(l, v, -ENOMEM, "out of memory");
	}
	return 0;
}

static int load_root(struct loader *l, yaml_node_t *root, struct web_config *out)
{
	yaml_node_t *k, *v, *tls = NULL, *users = NULL;
	yaml_node_pair_t *pair;
	const char *name;
	int rc = 0;

	if (is_null(root))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return fail(l, root, -EINVAL, "expected a mapping with tls_server_config "
			    "and/or basic_auth_users: see exporter-toolkit's web configuration");
	for_each_pair(l, root, pair, k, v) {
		yaml_node_t **slot;

		if (!(name = scalar(l, k, "a key", &rc)))
			return rc;
		if (!strcmp(name, "tls_server_config"))
			slot = &tls;
		else if (!strcmp(name, "basic_auth_users"))
			slot = &users;
		else
			return fail(l, k, -EINVAL, "unknown key \"%s\": valid keys are "
				    "tls_server_config, basic_auth_users", name);
		if (*slot)
			return fail(l, k, -EINVAL, "duplicate key \"%s\": keep one", name);
		*slot = v;
	}
	if (tls && (rc = load_tls(l, tls, out)))
		return rc;
	if (users && (rc = load_users(l, users, out)))
		return rc;
	return 0;
}

int web_config__load(const char *path, struct web_config *out, char *err, size_t err_len)
{
	struct loader l = { .path = path, .err = err, .err_len = err_len };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	char *text;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = slurp(path, CONFIG_MAX_BYTES, &text, &len);
	if (rc) {
		if (err && err_len)
			snprintf(err, err_len, "%s: cannot open: %s: check --web.config.file", path,
				 rc == -EINVAL ? "not a regular file" :
				 rc == -EFBIG ? "too big for a web config" : strerror(-rc));
		return rc;
	}
	if (!yaml_parser_initialize(&parser)) {
		/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): slurp() returns 0 only with a buffer */
		free(text);
		return fail(&l, NULL, -ENOMEM, "out of memory");
	}
	/* NOLINTNEXTLINE(clang-analyzer-core.CallAndMessage): slurp() set text */
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		if (err && err_len)
			snprintf(err, err_len, "%s:%zu: invalid YAML: %s%s%s: fix the syntax", path,
				 parser.problem_mark.line + 1, parser.context ? parser.context : "",
				 parser.context ? ", " : "",
				 parser.problem ? parser.problem : "read error");
		yaml_parser_delete(&parser);
		free(text);
		return -EINVAL;
	}
	l.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	rc = root ? load_root(&l, root, out) : 0;	/* an empty file: no TLS, no auth */
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free(text);
	if (rc)
		web_config__free(out);
	return rc;
}

void web_config__free(struct web_config *c)
{
	size_t i;

	if (!c)
		return;
	free(c->cert_file);
	free(c->key_file);
	free(c->cert_pem);
	/* the private key should not linger in freed heap */
	if (c->key_pem)
		explicit_bzero(c->key_pem, strlen(c->key_pem));
	free(c->key_pem);
	for (i = 0; i < c->nr_users; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	memset(c, 0, sizeof(*c));
}

/* Compare without an early exit, so timing does not say how much matched. */
static bool equal_ct(const char *a, const char *b)
{
	/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): every loaded user has a hash */
	size_t la = strlen(a), lb = strlen(b), i;
	unsigned char diff = la != lb;

	for (i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return !diff;
}

bool web_config__check(const struct web_config *c, const char *user, const char *password)
{
	const char *hash = NULL, *res;
	struct crypt_data *cd;
	bool ok;
	size_t i;

	if (!c || !c->nr_users || !user || !password)
		return false;
	for (i = 0; i < c->nr_users; i++)
		if (!strcmp(c->users[i].name, user))
			hash = c->users[i].hash;
	/* crypt_data is 32 KiB: too much for a server thread's stack */
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	/*
	 * An unknown user still pays for one bcrypt (against the first user's
	 * hash, so with a realistic cost): the response time does not tell
	 * which names exist.
	 */
	res = crypt_r(password, hash ? hash : c->users[0].hash, cd);
	ok = res && res[0] != '*' && equal_ct(res, hash ? hash : c->users[0].hash) &&
	     hash != NULL;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}
