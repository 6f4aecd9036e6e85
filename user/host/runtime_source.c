// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sources of each runtime, best first, and how each is asked.
 *
 * An API answers for a running daemon and knows everything (labels
 * included). State files are read where no daemon serves: dockerd's
 * config.v2.json has the same fields as its API; containers/storage has a
 * name and an image (labels live in libpod's BoltDB, which no C library
 * reads), plus the bundle's annotations; containerd's bundle has only
 * what its CRI plugin put in the annotations. The first source that names
 * the container wins.
 *
 * A state file behind an API is read before the API is asked: an API
 * that hangs takes its time limit, and a `run --rm` container is gone
 * from its runtime's state by then. What the file said stands when the
 * API says nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host/runtime_internal.h"
#include "host/runtime_json.h"

#define CONTAINER_ID_HEX	64	/* what host/workload.c gives every runtime here */
#define HEX_LOWER		"0123456789abcdef"
#define MAX_SOURCES		4
/* containers/storage keeps one "<driver>-containers" folder per graph driver */
#define STORAGE_DIR_SUFFIX	"-containers"
/* containerd's runtime v2 keeps a bundle per namespace and container */
#define CONTAINERD_TASKS	"io.containerd.runtime.v2.task"

static const enum runtime_source chains[WORKLOAD_RT_MAX][MAX_SOURCES] = {
	[WORKLOAD_RT_DOCKER] = { RUNTIME_SRC_DOCKER_API, RUNTIME_SRC_DOCKER_STATE },
	[WORKLOAD_RT_PODMAN] = { RUNTIME_SRC_PODMAN_API, RUNTIME_SRC_STORAGE_STATE },
	[WORKLOAD_RT_CRIO] = { RUNTIME_SRC_STORAGE_STATE },
	/*
	 * host/workload.c calls a bare id below a cgroupfs pod containerd's,
	 * but CRI-O and dockershim write the same layout: the others after.
	 */
	[WORKLOAD_RT_CONTAINERD] = { RUNTIME_SRC_CONTAINERD_STATE, RUNTIME_SRC_STORAGE_STATE,
				     RUNTIME_SRC_DOCKER_API, RUNTIME_SRC_DOCKER_STATE },
};

static bool is_set(const char *path)
{
	return path && path[0];
}

/* printf into a PATH_MAX buffer; false when it does not fit (then nothing is read). */
__attribute__((format(printf, 2, 3)))
static bool path_fmt(char path[PATH_MAX], const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, PATH_MAX, fmt, ap);
	va_end(ap);
	return n >= 0 && n < PATH_MAX;
}

bool runtime_can_resolve(enum workload_runtime rt, const char *id)
{
	if ((unsigned int)rt >= WORKLOAD_RT_MAX || chains[rt][0] == RUNTIME_SRC_NONE || !id)
		return false;
	/* also what keeps the id from walking out of a path or a URL */
	return strlen(id) == CONTAINER_ID_HEX && strspn(id, HEX_LOWER) == CONTAINER_ID_HEX;
}

/* Read @path and hand it to @parse; -ENOENT when it is not there. */
static int from_file(const char *path, size_t max, struct runtime_names *out,
		     int (*parse)(const char *, size_t, struct runtime_names *))
{
	struct runtime_body b;
	int err = runtime_read_file(path, max, &b);

	if (err)
		return err == -ENOENT || err == -ENOTDIR || err == -EACCES ? -ENOENT : -EBADMSG;
	err = parse(b.data, b.len, out);
	runtime_body_free(&b);
	return err;
}

static int from_api(const struct runtime_config *cfg, const char *socket_path, const char *id,
		    struct runtime_names *out, const atomic_bool *stop)
{
	char url[PATH_MAX];
	struct runtime_body b;
	int status, err;

	if (!is_set(socket_path))
		return -ENOENT;
	/* unversioned: the daemon's own API version, whichever it is */
	if (!path_fmt(url, "/containers/%s/json", id))
		return -ENOENT;
	status = runtime_http_get(socket_path, url, cfg->timeout_ms, stop, &b);
	if (status == -ENOENT || status == -ECONNREFUSED)
		return -ENOENT;	/* no daemon: the next source may know */
	if (status < 0)
		return status == -EFBIG ? -EBADMSG : status;
	if (status == 200)
		err = runtime_json_inspect(b.data, b.len, out);
	else
		err = status == 404 ? -ENOENT : -EBADMSG;
	runtime_body_free(&b);
	return err;
}

static int from_docker_state(const struct runtime_config *cfg, const char *id,
			     struct runtime_names *out)
{
	char path[PATH_MAX];

	if (!is_set(cfg->docker_root))
		return -ENOENT;
	if (!path_fmt(path, "%s/containers/%s/config.v2.json", cfg->docker_root, id))
		return -ENOENT;
	return from_file(path, RUNTIME_BODY_MAX, out, runtime_json_inspect);
}

/* The bundle's annotations, where CRI-O (and podman --annotation) put Kubernetes names. */
static void storage_bundle(const struct runtime_config *cfg, const char *driver_dir,
			   const char *id, struct runtime_names *out)
{
	const char *roots[] = { cfg->storage_graphroot, cfg->storage_runroot };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		if (!is_set(roots[i]) ||
		    !path_fmt(path, "%s/%s/%s/userdata/config.json", roots[i], driver_dir, id))
			continue;
		if (from_file(path, RUNTIME_BODY_MAX, out, runtime_json_oci_spec) != -ENOENT)
			return;	/* read: named or not, it is the bundle */
	}
}

/* containers.json of each graph driver's folder in the graphroot. */
static int from_storage(const struct runtime_config *cfg, const char *id, struct runtime_names *out)
{
	int err = -ENOENT;
	struct dirent *de;
	DIR *d;

	if (!is_set(cfg->storage_graphroot) || !(d = opendir(cfg->storage_graphroot)))
		return -ENOENT;
	while (err && (de = readdir(d))) {
		size_t n = strlen(de->d_name), sn = strlen(STORAGE_DIR_SUFFIX);
		struct runtime_body b;
		char path[PATH_MAX];
		int rc;

		if (n <= sn || strcmp(de->d_name + n - sn, STORAGE_DIR_SUFFIX) ||
		    !path_fmt(path, "%s/%s/containers.json", cfg->storage_graphroot, de->d_name))
			continue;
		rc = runtime_read_file(path, RUNTIME_FILE_MAX, &b);
		if (rc)
			continue;
		err = runtime_json_storage(b.data, b.len, id, out);
		runtime_body_free(&b);
		if (!err)
			storage_bundle(cfg, de->d_name, id, out);
		else if (err != -ENOENT)
			break;
	}
	closedir(d);
	return err;
}

/* The bundle in whichever containerd namespace ("k8s.io", "moby", ...) holds it. */
static int from_containerd(const struct runtime_config *cfg, const char *id,
			   struct runtime_names *out)
{
	char dir[PATH_MAX], path[PATH_MAX];
	int err = -ENOENT;
	struct dirent *de;
	DIR *d;

	if (!is_set(cfg->containerd_state) ||
	    !path_fmt(dir, "%s/%s", cfg->containerd_state, CONTAINERD_TASKS))
		return -ENOENT;
	d = opendir(dir);
	if (!d)
		return -ENOENT;
	while (err == -ENOENT && (de = readdir(d))) {
		if (de->d_name[0] == '.' || !path_fmt(path, "%s/%s/%s/config.json", dir, de->d_name, id))
			continue;
		err = from_file(path, RUNTIME_BODY_MAX, out, runtime_json_oci_spec);
	}
	closedir(d);
	return err;
}

static int ask(const struct runtime_config *cfg, enum runtime_source src, const char *id,
	       struct runtime_names *out, const atomic_bool *stop)
{
	switch (src) {
	case RUNTIME_SRC_DOCKER_API:
		return from_api(cfg, cfg->docker_socket, id, out, stop);
	case RUNTIME_SRC_PODMAN_API:
		return from_api(cfg, cfg->podman_socket, id, out, stop);
	case RUNTIME_SRC_DOCKER_STATE:
		return from_docker_state(cfg, id, out);
	case RUNTIME_SRC_STORAGE_STATE:
		return from_storage(cfg, id, out);
	case RUNTIME_SRC_CONTAINERD_STATE:
		return from_containerd(cfg, id, out);
	default:
		return -ENOENT;
	}
}

static bool is_api(enum runtime_source src)
{
	return src == RUNTIME_SRC_DOCKER_API || src == RUNTIME_SRC_PODMAN_API;
}

/* What the chain says when nobody knew: a timeout explains most, garbage next. */
static int worse(int err, int other)
{
	if (err == -ETIMEDOUT || other == -ETIMEDOUT)
		return -ETIMEDOUT;
	if (other == -ENOENT || other == -ECANCELED)
		return err;
	return err == -ENOENT ? other : err;
}

int runtime_resolve_with(const struct runtime_config *cfg, enum workload_runtime rt,
			 const char *id, struct runtime_names *out, struct runtime_health *health,
			 const atomic_bool *stop)
{
	/* the answer of a state file read ahead of an API (chain index, or -1), and its error */
	struct runtime_names early;
	int err = -ENOENT, early_at = -1, early_rc = -ENOENT;

	memset(out, 0, sizeof(*out));
	if ((unsigned int)rt >= WORKLOAD_RT_MAX || chains[rt][0] == RUNTIME_SRC_NONE)
		return -EOPNOTSUPP;
	if (!runtime_can_resolve(rt, id) || !cfg)
		return -EINVAL;
	for (int i = 0; i < MAX_SOURCES && chains[rt][i] != RUNTIME_SRC_NONE; i++) {
		enum runtime_source src = chains[rt][i];
		struct runtime_names n = { .source = src };
		int rc;

		if (stop && atomic_load(stop))
			return -ECANCELED;
		/* the first state file after this API, read now, while the container is there */
		for (int k = i + 1; early_at < 0 && is_api(src) && k < MAX_SOURCES &&
				    chains[rt][k] != RUNTIME_SRC_NONE; k++)
			if (!is_api(chains[rt][k])) {
				early = (struct runtime_names){ .source = chains[rt][k] };
				early_at = k;
				early_rc = ask(cfg, chains[rt][k], id, &early, stop);
			}
		if (i == early_at) {
			rc = early_rc;
			n = early;
		} else if (health && runtime_now_ns() < health->down_until_ns[src]) {
			health->skipped++;
			err = worse(err, -ETIMEDOUT);
			continue;
		} else {
			rc = ask(cfg, src, id, &n, stop);
		}
		if (!rc) {
			*out = n;
			return 0;
		}
		if (rc == -ETIMEDOUT && health) {
			health->timeouts++;
			health->down_until_ns[src] = runtime_now_ns() + cfg->down_ms * NS_PER_MS;
		}
		err = worse(err, rc);
	}
	return err;
}

int runtime_resolve(const struct runtime_config *cfg, enum workload_runtime rt, const char *id,
		    struct runtime_names *out)
{
	return runtime_resolve_with(cfg, rt, id, out, NULL, NULL);
}
