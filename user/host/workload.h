/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Workload identity of a cgroup v2 path: which container runtime, pod or
 * machine owns it. Pure string parsing, so that the same answer is given
 * for a live cgroup and for one that has already been removed.
 */
#ifndef VFLOW_WORKLOAD_H
#define VFLOW_WORKLOAD_H

#include <linux/types.h>
#include "vflow.h"

enum workload_runtime {
	WORKLOAD_RT_HOST = 0,	/* anything not recognised: a host cgroup */
	WORKLOAD_RT_DOCKER,
	WORKLOAD_RT_CONTAINERD,
	WORKLOAD_RT_CRIO,
	WORKLOAD_RT_PODMAN,
	WORKLOAD_RT_LXC,
	WORKLOAD_RT_NSPAWN,	/* systemd-nspawn / machine.slice */
	WORKLOAD_RT_KUBEPOD,	/* a pod cgroup itself, or a pod-level cgroup with no container id */
	WORKLOAD_RT_MAX,
};

enum workload_qos {
	WORKLOAD_QOS_NONE = 0,
	WORKLOAD_QOS_GUARANTEED,
	WORKLOAD_QOS_BURSTABLE,
	WORKLOAD_QOS_BESTEFFORT,
};

#define WORKLOAD_ID_LEN 65	/* 64 hex + NUL */
#define WORKLOAD_POD_LEN 37	/* uuid + NUL */
#define WORKLOAD_NAME_LEN 128

struct workload {
	enum workload_runtime runtime;
	/* VFLOW_PARADIGM_CONTAINER for every container/pod runtime, else HOST */
	enum vflow_paradigm paradigm;
	enum workload_qos qos;		/* kubernetes only */
	/* full container id (or lxc/nspawn machine name), "" if none */
	char id[WORKLOAD_ID_LEN];
	/* kubernetes pod uid with dashes (the systemd driver writes '_'), "" if none */
	char pod_uid[WORKLOAD_POD_LEN];
	/*
	 * Display name: "docker:<12 hex>", "containerd:...", "crio:...",
	 * "podman:...", "lxc:<name>", "nspawn:<name>", "k8s:<pod_uid>/<12 hex>",
	 * "k8s:<pod_uid>" for a pod cgroup; the (truncated) path for the host.
	 */
	char name[WORKLOAD_NAME_LEN];
};

/*
 * Fill *w from a cgroup v2 path relative to the cgroup2 mount root ("/",
 * "/system.slice/docker-<id>.scope", ...). Never reads the filesystem.
 * Returns 0, or -EINVAL for a NULL argument or a path not starting with
 * '/'; *w (when not NULL) is then zeroed, i.e. an anonymous host cgroup.
 */
int workload_parse(const char *cgroup_path, struct workload *w);

/* "host", "docker", "containerd", "crio", "podman", "lxc", "nspawn", "kubepod" */
const char *workload_runtime_name(enum workload_runtime rt);

/* "", "guaranteed", "burstable", "besteffort" */
const char *workload_qos_name(enum workload_qos q);

#endif /* VFLOW_WORKLOAD_H */
