/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The exporter-toolkit web config file (--web.config.file), the same YAML
 * node_exporter reads, restricted to what vflowd serves:
 *
 *   tls_server_config:
 *     cert_file: /path/server.crt	# relative paths: to the config's directory
 *     key_file: /path/server.key
 *     min_version: TLS12		# optional: TLS12 (default) or TLS13
 *   basic_auth_users:
 *     alice: $2y$10$...		# bcrypt hashes only
 */
#ifndef VFLOW_WEBCONFIG_H
#define VFLOW_WEBCONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct web_user {
	char *name;
	char *hash;
};

struct web_config {
	char *cert_file, *key_file;	/* both or neither */
	char *cert_pem, *key_pem;	/* file contents, read at load time */
	int min_tls;			/* 0 default, 12, 13 */
	struct web_user *users;
	size_t nr_users;
};

/*
 * Load @path into @out (zeroed first; free it with web_config__free() on
 * success only). 0, or -EINVAL/-errno with a one-line message
 * "FILE:LINE: what is wrong, what to do" in @err. Unknown keys are errors
 * (with their line), as are non-bcrypt hashes, a cert without a key and
 * unreadable files.
 */
int web_config__load(const char *path, struct web_config *out, char *err, size_t err_len);
void web_config__free(struct web_config *c);

/*
 * Does @password match @user's bcrypt hash? Constant-time-ish: runs bcrypt
 * (crypt_r) even for unknown users, so timing does not tell who exists.
 * Thread-safe. False when no users are configured.
 */
bool web_config__check(const struct web_config *c, const char *user, const char *password);

#endif
