/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Private to the runtime_*.c files of user/host: fetching a body (HTTP
 * over a Unix socket, a state file) and the chain of sources with what the
 * resolver's worker remembers about each source's health.
 */
#ifndef VFLOW_RUNTIME_INTERNAL_H
#define VFLOW_RUNTIME_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include "host/runtime.h"

/* An inspect answer is ~5 KiB; a container may carry many labels. */
#define RUNTIME_BODY_MAX	(1024 * 1024)
/* containers.json holds every container of the host: ~0.5 KiB each. */
#define RUNTIME_FILE_MAX	(16 * 1024 * 1024)
#define NS_PER_MS		1000000ULL

struct runtime_body {
	char *data;	/* NUL-terminated, malloc'd */
	size_t len;
};

void runtime_body_free(struct runtime_body *b);

/*
 * GET @url_path ("/containers/<id>/json") from the HTTP server on Unix
 * socket @socket_path, within @timeout_ms from connect to the last byte.
 * Returns the HTTP status with the body in *b, or -ENOENT (no socket
 * there), -ECONNREFUSED (nobody listens), -ETIMEDOUT, -EFBIG (body over
 * RUNTIME_BODY_MAX), -ECANCELED (*stop was set), -EBADMSG (not HTTP).
 */
int runtime_http_get(const char *socket_path, const char *url_path, unsigned int timeout_ms,
		     const atomic_bool *stop, struct runtime_body *b);

/* A regular file of at most @max bytes into *b. 0 or -errno (-EFBIG: larger). */
int runtime_read_file(const char *path, size_t max, struct runtime_body *b);

/* When each source may be asked again: the worker's, no lock needed. */
struct runtime_health {
	unsigned long long down_until_ns[RUNTIME_SRC_MAX];
	unsigned long long timeouts;	/* requests that ran out of time */
	unsigned long long skipped;	/* sources not asked: down after a timeout */
};

/* CLOCK_MONOTONIC in ns. */
unsigned long long runtime_now_ns(void);

/*
 * runtime_resolve(), skipping the sources @health says are down and
 * marking down those that time out (@health may be NULL: ask them all),
 * abandoning a request when *stop is set (@stop may be NULL).
 */
int runtime_resolve_with(const struct runtime_config *cfg, enum workload_runtime rt,
			 const char *id, struct runtime_names *out, struct runtime_health *health,
			 const atomic_bool *stop);

/* Does @rt have sources, and is @id a container id they can be asked about? */
bool runtime_can_resolve(enum workload_runtime rt, const char *id);

#endif /* VFLOW_RUNTIME_INTERNAL_H */
