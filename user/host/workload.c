// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup v2 path -> workload identity.
 *
 * Components are walked left to right and each one that names a workload
 * (container scope, pod, machine) replaces the answer so far, so the
 * deepest wins: a container beats its pod, a pod beats the kind/k3s node
 * container around it. Components naming nothing ("container", "payload",
 * kubepods QoS levels) leave the answer alone: below a workload they are
 * sub-cgroups of its own delegated subtree. Anything malformed is not a
 * workload: a host cgroup is a better answer than an invented identity.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "host/workload.h"

#define CONTAINER_ID_HEX	64	/* sha256 in hex: docker, containerd, CRI-O, podman */
#define SHORT_ID_LEN		12	/* what `docker ps` and `crictl ps` show */
#define POD_HASH_LEN		32	/* static pods: md5 of the manifest, no dashes */
#define MACHINE_NAME_MAX	64	/* machined names are hostnames; caps lxc names too */
#define ESCAPE_LEN		4	/* systemd unit-name escape: "\xNN" */
#define ASCII_DEL		0x7f
#define HEX_LOWER		"0123456789abcdef"
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

/* Where a pod uuid has separators ('-', or '_' from the systemd driver). */
static const char pod_uuid_shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
#define POD_UUID_LEN		(sizeof(pod_uuid_shape) - 1)

_Static_assert(CONTAINER_ID_HEX < WORKLOAD_ID_LEN, "container id must fit");
_Static_assert(MACHINE_NAME_MAX < WORKLOAD_ID_LEN, "machine name must fit");
_Static_assert(sizeof(pod_uuid_shape) <= WORKLOAD_POD_LEN, "pod uid must fit");

/* A piece of the path: components are not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

struct walk {
	struct workload *w;
	struct span prev;		/* parent: "docker", "lxc", "machine.slice" */
	bool in_kubepods;		/* below a cgroupfs "kubepods", no pod yet */
	enum workload_qos qos_level;	/* cgroupfs QoS level; NONE: guaranteed */
	bool pod_open;			/* a pod was last: a container now is its */
};

/* Name prefixes of container cgroups, before "-<id>.scope" or ":<id>". */
static const struct {
	const char *prefix;
	enum workload_runtime rt;
} container_prefixes[] = {
	{ "docker", WORKLOAD_RT_DOCKER },
	{ "cri-containerd", WORKLOAD_RT_CONTAINERD },
	{ "crio", WORKLOAD_RT_CRIO },
	{ "crio-conmon", WORKLOAD_RT_CRIO },	/* its monitor: same container */
	{ "libpod", WORKLOAD_RT_PODMAN },
	{ "libpod-conmon", WORKLOAD_RT_PODMAN },
};

static const char *const runtime_names[WORKLOAD_RT_MAX] = {
	[WORKLOAD_RT_HOST] = "host",
	[WORKLOAD_RT_DOCKER] = "docker",
	[WORKLOAD_RT_CONTAINERD] = "containerd",
	[WORKLOAD_RT_CRIO] = "crio",
	[WORKLOAD_RT_PODMAN] = "podman",
	[WORKLOAD_RT_LXC] = "lxc",
	[WORKLOAD_RT_NSPAWN] = "nspawn",
	[WORKLOAD_RT_KUBEPOD] = "kubepod",
};

static const char *const qos_names[] = {
	[WORKLOAD_QOS_NONE] = "",
	[WORKLOAD_QOS_GUARANTEED] = "guaranteed",
	[WORKLOAD_QOS_BURSTABLE] = "burstable",
	[WORKLOAD_QOS_BESTEFFORT] = "besteffort",
};

static bool span_eq(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && !memcmp(s.p, lit, n);
}

/* Drop lit from the front of *s if it is there. */
static bool span_eat_prefix(struct span *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s->len < n || memcmp(s->p, lit, n))
		return false;
	s->p += n;
	s->len -= n;
	return true;
}

/* Drop lit from the end of *s if it is there. */
static bool span_eat_suffix(struct span *s, const char *lit)
{
	size_t n = strlen(lit);

	if (s->len < n || memcmp(s->p + s->len - n, lit, n))
		return false;
	s->len -= n;
	return true;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Runtimes write ids in lowercase only; anything else is not theirs. */
static bool is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Spans lie inside the NUL-terminated path: strspn stops in time. */
static bool is_container_id(struct span s)
{
	return s.len == CONTAINER_ID_HEX && strspn(s.p, HEX_LOWER) >= CONTAINER_ID_HEX;
}

/* "<prefix><sep><64 hex>" with a known prefix: the runtime, or HOST. */
static enum workload_runtime match_container(struct span c, char sep, struct span *id)
{
	size_t plen;

	if (c.len <= CONTAINER_ID_HEX)
		return WORKLOAD_RT_HOST;
	plen = c.len - CONTAINER_ID_HEX - 1;
	id->p = c.p + plen + 1;
	id->len = CONTAINER_ID_HEX;
	if (c.p[plen] != sep || !is_container_id(*id))
		return WORKLOAD_RT_HOST;
	for (size_t i = 0; i < ARRAY_SIZE(container_prefixes); i++) {
		const char *prefix = container_prefixes[i].prefix;

		if (strlen(prefix) == plen && !memcmp(c.p, prefix, plen))
			return container_prefixes[i].rt;
	}
	return WORKLOAD_RT_HOST;
}

/*
 * A pod uid: a uuid whose dashes the systemd driver turned into '_', or
 * the md5 hex kubelet gives static pods. Written to dst with dashes.
 */
static bool pod_uid_copy(struct span s, char dst[WORKLOAD_POD_LEN])
{
	if (s.len != POD_UUID_LEN && s.len != POD_HASH_LEN)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		bool sep = s.len == POD_UUID_LEN && pod_uuid_shape[i] == '-';

		if (sep ? s.p[i] != '-' && s.p[i] != '_' : !is_lower_hex(s.p[i]))
			return false;
	}
	for (size_t i = 0; i < s.len; i++)
		dst[i] = s.p[i] == '_' ? '-' : s.p[i];
	dst[s.len] = '\0';
	return true;
}

/*
 * A machine or lxc name, undoing systemd's "\xNN" unit-name escaping if
 * asked. Control bytes, '/' or NUL would make a lying display name: refuse.
 */
static bool machine_name_copy(struct span s, bool unescape, char dst[WORKLOAD_ID_LEN])
{
	char buf[WORKLOAD_ID_LEN];
	size_t i = 0, n = 0;

	while (i < s.len) {
		unsigned char c = (unsigned char)s.p[i];

		if (unescape && c == '\\') {
			int hi, lo;

			if (s.len - i < ESCAPE_LEN || s.p[i + 1] != 'x')
				return false;
			hi = hex_val(s.p[i + 2]);
			lo = hex_val(s.p[i + 3]);
			if (hi < 0 || lo < 0)
				return false;
			c = (unsigned char)(hi << 4 | lo);
			i += ESCAPE_LEN;
		} else {
			i++;
		}
		if (c <= ' ' || c >= ASCII_DEL || c == '/' || n >= MACHINE_NAME_MAX)
			return false;
		buf[n++] = (char)c;
	}
	if (!n)
		return false;
	memcpy(dst, buf, n);
	dst[n] = '\0';
	return true;
}

/* A workload component: it is the answer until a deeper one is found. */
static void walk_found(struct walk *st, enum workload_runtime rt, bool in_pod)
{
	st->w->runtime = rt;
	if (!in_pod) {
		st->w->pod_uid[0] = '\0';
		st->w->qos = WORKLOAD_QOS_NONE;
	}
	st->pod_open = rt == WORKLOAD_RT_KUBEPOD;
	st->in_kubepods = false;
	st->qos_level = WORKLOAD_QOS_NONE;
}

static void set_container(struct walk *st, enum workload_runtime rt, struct span id)
{
	memcpy(st->w->id, id.p, id.len);
	st->w->id[id.len] = '\0';
	/* Only the container right below a pod belongs to it. */
	walk_found(st, rt, st->pod_open);
}

static bool set_pod(struct walk *st, struct span uid, enum workload_qos qos)
{
	if (!pod_uid_copy(uid, st->w->pod_uid))
		return false;
	st->w->id[0] = '\0';
	walk_found(st, WORKLOAD_RT_KUBEPOD, true);
	/* No QoS level between kubepods and the pod means guaranteed. */
	st->w->qos = qos == WORKLOAD_QOS_NONE ? WORKLOAD_QOS_GUARANTEED : qos;
	return true;
}

static bool set_machine(struct walk *st, enum workload_runtime rt, struct span name,
			bool unescape)
{
	if (!machine_name_copy(name, unescape, st->w->id))
		return false;
	walk_found(st, rt, false);
	return true;
}

/*
 * kubelet's systemd driver flattens its cgroup names into slice names:
 * "[<root>-]kubepods[-burstable|-besteffort][-pod<uid_>].slice". The QoS
 * levels alone are not workloads; only the pod slice sets the answer.
 */
static void walk_kube_slice(struct walk *st, struct span c)
{
	struct span t = { NULL, 0 };
	enum workload_qos qos;

	if (!span_eat_suffix(&c, ".slice"))
		return;
	/* The "kubepods" word, after any --cgroup-root words ("kubelet-"). */
	for (size_t i = 0; i < c.len && !t.p; i++) {
		t.p = c.p + i;
		t.len = c.len - i;
		if ((i && c.p[i - 1] != '-') || !span_eat_prefix(&t, "kubepods") ||
		    (t.len && t.p[0] != '-'))
			t.p = NULL;
	}
	if (!t.p)
		return;
	if (span_eat_prefix(&t, "-burstable"))
		qos = WORKLOAD_QOS_BURSTABLE;
	else if (span_eat_prefix(&t, "-besteffort"))
		qos = WORKLOAD_QOS_BESTEFFORT;
	else
		qos = WORKLOAD_QOS_NONE;
	if (span_eat_prefix(&t, "-pod"))
		set_pod(st, t, qos);
}

/* cgroupfs driver: "kubepods[/burstable|/besteffort]/pod<uid>". */
static void walk_kube_dir(struct walk *st, struct span c)
{
	struct span t = c;

	if (span_eq(c, "kubepods")) {
		st->in_kubepods = true;
		st->qos_level = WORKLOAD_QOS_NONE;
	} else if (st->in_kubepods && span_eat_prefix(&t, "pod")) {
		set_pod(st, t, st->qos_level);
	} else if (st->in_kubepods && span_eq(c, "burstable")) {
		st->qos_level = WORKLOAD_QOS_BURSTABLE;
	} else if (st->in_kubepods && span_eq(c, "besteffort")) {
		st->qos_level = WORKLOAD_QOS_BESTEFFORT;
	}
}

/* LXC, systemd-nspawn and other machined containers, by name. */
static bool walk_machine(struct walk *st, struct span c)
{
	struct span name = c;

	/* "lxc.monitor.<name>" is the host-side monitor: it matches nothing. */
	if (span_eat_prefix(&name, "lxc.payload."))
		return set_machine(st, WORKLOAD_RT_LXC, name, false);
	/* LXC < 4 and early 4.0 put the name one level down. */
	if (span_eq(st->prev, "lxc") || span_eq(st->prev, "lxc.payload"))
		return set_machine(st, WORKLOAD_RT_LXC, c, false);
	if (span_eat_prefix(&name, "systemd-nspawn@") && span_eat_suffix(&name, ".service"))
		return set_machine(st, WORKLOAD_RT_NSPAWN, name, true);
	name = c;
	if (!span_eq(st->prev, "machine.slice") || !span_eat_prefix(&name, "machine-") ||
	    !span_eat_suffix(&name, ".scope"))
		return false;
	/* libvirt VMs ("machine-qemu\x2d1\x2dvm") stay host until VMs get a runtime. */
	c = name;
	return !span_eat_prefix(&c, "qemu\\x2d") &&
	       set_machine(st, WORKLOAD_RT_NSPAWN, name, true);
}

static void walk_component(struct walk *st, struct span c)
{
	const char *colon = memchr(c.p, ':', c.len);
	enum workload_runtime rt;
	struct span id, t = c;

	if (colon) {
		/* runc cgroupsPath "<pod slice>:<prefix>:<id>" used as a name. */
		struct span slice = { c.p, (size_t)(colon - c.p) };
		struct span rest = { colon + 1, c.len - slice.len - 1 };

		rt = match_container(rest, ':', &id);
		if (rt != WORKLOAD_RT_HOST) {
			walk_kube_slice(st, slice);
			set_container(st, rt, id);
			return;
		}
	}

	span_eat_suffix(&t, ".scope");	/* cgroupfs drivers omit it */
	rt = match_container(t, '-', &id);
	if (rt != WORKLOAD_RT_HOST) {
		set_container(st, rt, id);
	} else if (is_container_id(c) && st->pod_open) {
		/*
		 * cgroupfs driver: a bare id below a pod. containerd, CRI-O and
		 * dockershim all write it; containerd is the most common CRI.
		 */
		set_container(st, WORKLOAD_RT_CONTAINERD, c);
	} else if (is_container_id(c) && span_eq(st->prev, "docker")) {
		set_container(st, WORKLOAD_RT_DOCKER, c);
	} else if (!walk_machine(st, c)) {
		walk_kube_slice(st, c);
		walk_kube_dir(st, c);
	}
}

static void name_build(struct workload *w, const char *path)
{
	/* Machine names are short already; hex ids are shown as tools do. */
	int id_len = w->runtime == WORKLOAD_RT_LXC || w->runtime == WORKLOAD_RT_NSPAWN ?
		     MACHINE_NAME_MAX : SHORT_ID_LEN;
	size_t n;

	if (w->runtime == WORKLOAD_RT_HOST) {
		for (n = 0; n < WORKLOAD_NAME_LEN - 1 && path[n]; n++)
			w->name[n] = path[n];
		w->name[n] = '\0';
	} else if (w->pod_uid[0]) {
		snprintf(w->name, sizeof(w->name), "k8s:%s%s%.*s", w->pod_uid,
			 w->id[0] ? "/" : "", id_len, w->id);
	} else {
		snprintf(w->name, sizeof(w->name), "%s:%.*s",
			 workload_runtime_name(w->runtime), id_len, w->id);
	}
}

int workload_parse(const char *cgroup_path, struct workload *w)
{
	struct walk st = { .w = w };
	const char *p;

	if (!w)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	if (!cgroup_path || cgroup_path[0] != '/')
		return -EINVAL;

	for (p = cgroup_path; *p;) {
		struct span c = { p, strcspn(p, "/") };

		if (c.len) {	/* "//" and a trailing '/' name nothing */
			walk_component(&st, c);
			st.prev = c;
		}
		p += c.len;
		if (*p)
			p++;
	}

	w->paradigm = w->runtime == WORKLOAD_RT_HOST ? VFLOW_PARADIGM_HOST :
						       VFLOW_PARADIGM_CONTAINER;
	name_build(w, cgroup_path);
	return 0;
}

const char *workload_runtime_name(enum workload_runtime rt)
{
	if ((unsigned int)rt >= WORKLOAD_RT_MAX)
		return "unknown";
	return runtime_names[rt];
}

const char *workload_qos_name(enum workload_qos q)
{
	if ((unsigned int)q >= ARRAY_SIZE(qos_names))
		return "unknown";
	return qos_names[q];
}
