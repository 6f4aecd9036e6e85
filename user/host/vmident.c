// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * VM names from the VMM process. The VMM's argv is the best source: it is
 * what the operator typed, or what libvirt wrote from the domain XML. The
 * libvirt machine scope comes next (libvirt shortens and filters the name
 * it puts there), "<vmm>:<pid>" last. argv is handled as (pointer, length)
 * spans, never as C strings: a truncated /proc/PID/cmdline has no final NUL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/procfs.h"
#include "host/vmident.h"

#define CMDLINE_MAX	(64 * 1024)	/* longer argv is parsed truncated */
#define CGROUP_FILE_MAX	(16 * 1024)	/* all of a v1+v2 hybrid /proc/PID/cgroup */
#define COMM_BUF_LEN	32		/* TASK_COMM_LEN is 16 */
#define COMM_MAX	15		/* TASK_COMM_LEN - 1: longer names are cut */
#define SCOPE_NAME_MAX	256		/* libvirt machine names are far shorter */
#define ESCAPE_LEN	4		/* systemd unit-name escape: "\xNN" */
#define HEX_LOWER	"0123456789abcdef"	/* systemd escapes in lower case */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* A piece of argv or of the cgroup path: not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

static bool span_eat(struct span *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (s->len < n || memcmp(s->p, prefix, n))
		return false;
	s->p += n;
	s->len -= n;
	return true;
}

static bool span_eat_suffix(struct span *s, const char *suffix)
{
	size_t n = strlen(suffix);

	if (s->len < n || memcmp(s->p + s->len - n, suffix, n))
		return false;
	s->len -= n;
	return true;
}

static struct span span_basename(struct span s)
{
	const char *slash = memrchr(s.p, '/', s.len);

	return slash ? (struct span){ slash + 1, s.len - (size_t)(slash + 1 - s.p) } : s;
}

/*
 * @s as the name: printable ASCII only (names reach reports and terminals),
 * cut to fit. qemu's ",," escape is undone when @unescape_commas. False,
 * leaving no name, when @s is empty.
 */
static bool name_put(struct vmident *out, struct span s, bool unescape_commas)
{
	size_t n = 0;

	for (size_t i = 0; i < s.len && n < VMIDENT_NAME_LEN - 1; i++) {
		char c = s.p[i];

		if (unescape_commas && c == ',' && i + 1 < s.len && s.p[i + 1] == ',')
			i++;
		out->name[n++] = c >= ' ' && c <= '~' ? c : '?';
	}
	out->name[n] = '\0';
	return n > 0;
}

/* The argument at *off; a last one without its NUL ends at @len. */
static bool next_arg(const char *buf, size_t len, size_t *off, struct span *a)
{
	const char *nul;

	if (*off >= len)
		return false;
	a->p = buf + *off;
	nul = memchr(a->p, '\0', len - *off);
	a->len = nul ? (size_t)(nul - a->p) : len - *off;
	*off += a->len + 1;
	return true;
}

/*
 * The value of the first option in argv[1..] given as "OPT VALUE" or
 * "OPT=VALUE" (@opts is NULL-terminated). An option ending a truncated
 * argv has no value.
 */
static bool find_opt(const char *buf, size_t len, const char *const *opts, struct span *val)
{
	struct span a;
	size_t off = 0;

	if (!next_arg(buf, len, &off, &a))	/* argv[0] */
		return false;
	while (next_arg(buf, len, &off, &a)) {
		for (const char *const *o = opts; *o; o++) {
			struct span v = a;

			if (!span_eat(&v, *o))
				continue;
			if (!v.len)
				return next_arg(buf, len, &off, val);
			if (span_eat(&v, "=")) {
				*val = v;
				return true;
			}
		}
	}
	return false;
}

/*
 * The raw value of @key in a comma-separated option list ("guest=web1,
 * debug-threads=on", "path=/run/ch/x.sock"). As in qemu's QemuOpts, the
 * first option may leave out its key when @implied names it, and ",," is a
 * literal comma, not a separator.
 */
static bool opts_get(struct span v, const char *key, bool implied, struct span *val)
{
	for (size_t i = 0; i < v.len; i++) {
		size_t k = i;
		bool hit = !i && implied;	/* no '=': the implied key, or a flag */

		while (k < v.len && v.p[k] != '=' && v.p[k] != ',')
			k++;
		if (k < v.len && v.p[k] == '=') {
			hit = k - i == strlen(key) && !memcmp(v.p + i, key, k - i);
			i = k + 1;
		}
		/* the value ends at the first comma not doubled */
		for (val->p = v.p + i; i < v.len; i++) {
			if (v.p[i] == ',' && (i + 1 == v.len || v.p[i + 1] != ','))
				break;
			i += v.p[i] == ',';
		}
		val->len = (size_t)(v.p + i - val->p);
		if (hit)
			return true;
	}
	return false;
}

static bool name_from_argv(const char *buf, size_t len, struct vmident *out)
{
	static const char *const qemu_opts[] = { "-name", "--name", NULL };
	static const char *const fc_opts[] = { "--id", NULL };
	static const char *const ch_opts[] = { "--api-socket", NULL };
	static const char *const lkvm_opts[] = { "--name", "-n", NULL };
	struct span v, s;

	switch (out->vmm) {
	case VMM_QEMU:
		/* "guest=NAME,debug-threads=on" (libvirt), "NAME,process=P", "NAME" */
		return find_opt(buf, len, qemu_opts, &v) && opts_get(v, "guest", true, &s) &&
		       name_put(out, s, true);
	case VMM_FIRECRACKER:
		return find_opt(buf, len, fc_opts, &v) && name_put(out, v, false);
	case VMM_CLOUD_HYPERVISOR:
		/*
		 * No name option: the API socket is per VM, and operators name
		 * it after the VM ("path=/run/ch/NAME.sock" or a bare path);
		 * "fd=N" names nothing.
		 */
		if (!find_opt(buf, len, ch_opts, &v) || !opts_get(v, "path", true, &s))
			return false;
		s = span_basename(s);
		span_eat_suffix(&s, ".sock");
		return name_put(out, s, false);
	case VMM_KVMTOOL:
		return find_opt(buf, len, lkvm_opts, &v) && name_put(out, v, false);
	default:
		/*
		 * crosvm has no name option, and its positional argument (the
		 * kernel) is often shared by many VMs: naming by it would merge
		 * them. An unknown process's flags mean nothing.
		 */
		return false;
	}
}

static int hexval(char c)
{
	const char *h = c ? strchr(HEX_LOWER, c) : NULL;

	return h ? (int)(h - HEX_LOWER) : -1;
}

/*
 * libvirt runs each QEMU domain in "machine-qemu\x2dID\x2dNAME.scope", its
 * vCPU and emulator threads in sub-cgroups below. Other machine scopes
 * (systemd-nspawn, libvirt-lxc) are containers. @name points into @buf.
 */
static bool libvirt_scope(const char *path, char buf[SCOPE_NAME_MAX], struct span *name)
{
	struct span c;
	size_t n;
	int hi, lo;

	do {
		c.p = path + strspn(path, "/");
		c.len = strcspn(c.p, "/");
		if (!c.len)
			return false;
		path = c.p + c.len;
	} while (!span_eat_suffix(&c, ".scope") || !span_eat(&c, "machine-"));

	for (n = 0; c.len && n < SCOPE_NAME_MAX; n++) {
		if (c.len >= ESCAPE_LEN && c.p[0] == '\\' && c.p[1] == 'x' &&
		    (hi = hexval(c.p[2])) >= 0 && (lo = hexval(c.p[3])) >= 0) {
			buf[n] = (char)(hi << 4 | lo);
			c.p += ESCAPE_LEN;
			c.len -= ESCAPE_LEN;
		} else {
			buf[n] = *c.p++;
			c.len--;
		}
	}
	*name = (struct span){ buf, n };
	if (!span_eat(name, "qemu-"))
		return false;
	/* libvirt >= 1.3 puts the domain id first: strip "N-" */
	n = 0;
	while (n < name->len && name->p[n] >= '0' && name->p[n] <= '9')
		n++;
	if (n && n < name->len && name->p[n] == '-') {
		name->p += n + 1;
		name->len -= n + 1;
	}
	return true;
}

/* Release builds carry suffixes: "firecracker-v1.7.0-x86_64", "lkvm-static". */
static const struct {
	const char *name;	/* ending in '-': a prefix */
	bool dash_suffix;	/* "NAME-anything" too */
	enum vmm_kind kind;
} vmm_names[] = {
	{ "qemu-system-", false, VMM_QEMU },
	{ "qemu-kvm", false, VMM_QEMU },
	{ "qemu", false, VMM_QEMU },	/* not "qemu-img" and the like */
	{ "firecracker", true, VMM_FIRECRACKER },
	{ "cloud-hypervisor", true, VMM_CLOUD_HYPERVISOR },
	{ "crosvm", false, VMM_CROSVM },
	{ "lkvm", true, VMM_KVMTOOL },
	{ "kvmtool", false, VMM_KVMTOOL },
};

/* @is_comm: the kernel cut @s at COMM_MAX bytes ("cloud-hyperviso"). */
static enum vmm_kind vmm_kind_of(struct span s, bool is_comm)
{
	for (size_t i = 0; i < ARRAY_SIZE(vmm_names); i++) {
		const char *name = vmm_names[i].name;
		size_t n = strlen(name);

		if (is_comm && s.len == COMM_MAX && n > s.len && !memcmp(s.p, name, s.len))
			return vmm_names[i].kind;
		if (s.len < n || memcmp(s.p, name, n))
			continue;
		if (s.len == n || name[n - 1] == '-' || (vmm_names[i].dash_suffix && s.p[n] == '-'))
			return vmm_names[i].kind;
	}
	return VMM_UNKNOWN;
}

void vmident_parse(const char *cmdline, size_t len, const char *comm, const char *cgroup_path,
		   pid_t pid, struct vmident *out)
{
	char scope_buf[SCOPE_NAME_MAX];
	struct span argv0, scope;
	size_t off = 0;
	bool named;

	memset(out, 0, sizeof(*out));
	if (next_arg(cmdline, len, &off, &argv0))
		out->vmm = vmm_kind_of(span_basename(argv0), false);
	/* argv[0] can be rewritten, or empty (zombie): comm is what was exec'd */
	if (out->vmm == VMM_UNKNOWN && comm)
		out->vmm = vmm_kind_of((struct span){ comm, strlen(comm) }, true);
	named = name_from_argv(cmdline, len, out);
	if (cgroup_path && libvirt_scope(cgroup_path, scope_buf, &scope)) {
		out->libvirt = true;
		/* nothing but QEMU runs in libvirt's qemu scopes */
		if (out->vmm == VMM_UNKNOWN)
			out->vmm = VMM_QEMU;
		named = named || name_put(out, scope, false);
	}
	if (named)
		return;
	if (out->vmm == VMM_UNKNOWN)
		snprintf(out->name, sizeof(out->name), "pid:%d", (int)pid);
	else
		snprintf(out->name, sizeof(out->name), "%s:%d", vmm_kind_name(out->vmm), (int)pid);
}

int vmident_read(pid_t pid, struct vmident *out)
{
	char comm[COMM_BUF_LEN], *buf, *cg, *path = NULL;
	ssize_t cmd_len, n;

	if (pid <= 0)
		return -EINVAL;
	/* argv, then "\n" + the cgroup file + NUL, so "\n0::" finds any line */
	buf = malloc(CMDLINE_MAX + CGROUP_FILE_MAX + 2);
	if (!buf)
		return -ENOMEM;
	cg = buf + CMDLINE_MAX;
	cmd_len = procfs_read(pid, "cmdline", buf, CMDLINE_MAX);
	n = cmd_len < 0 ? cmd_len : procfs_read(pid, "comm", comm, sizeof(comm) - 1);
	if (n < 0)
		goto out;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	n = procfs_read(pid, "cgroup", cg + 1, CGROUP_FILE_MAX);
	if (n == -ENOENT)
		goto out;
	/* other failures (no cgroup support) only lose the libvirt scope */
	cg[0] = '\n';
	cg[n < 0 ? 1 : n + 1] = '\0';
	path = strstr(cg, "\n0::");
	if (path) {
		path += strlen("\n0::");
		path[strcspn(path, "\n")] = '\0';
	}
	vmident_parse(buf, (size_t)cmd_len, comm, path, pid, out);
	n = 0;
out:
	free(buf);
	return (int)n;
}

/*
 * vCPU thread names: qemu "CPU N/KVM", firecracker "fc_vcpu N",
 * cloud-hypervisor "vcpuN", crosvm "crosvm_vcpuN", kvmtool "kvm-vcpu-N".
 */
static const struct {
	const char *prefix;
	const char *suffix;	/* may be cut: thread names have COMM_MAX bytes */
} vcpu_names[] = {
	{ "CPU ", "/KVM" },
	{ "fc_vcpu ", "" },
	{ "vcpu", "" },
	{ "vcpu ", "" },
	{ "crosvm_vcpu", "" },
	{ "kvm-vcpu-", "" },
};

int vmident_vcpu_index(const char *thread_name)
{
	for (size_t i = 0; thread_name && i < ARRAY_SIZE(vcpu_names); i++) {
		const char *p = thread_name, *digits, *suffix = vcpu_names[i].suffix;
		long idx = 0;

		if (strncmp(p, vcpu_names[i].prefix, strlen(vcpu_names[i].prefix)))
			continue;
		/* digits only, so "vcpu-1" is no vCPU */
		for (p = digits = p + strlen(vcpu_names[i].prefix); *p >= '0' && *p <= '9'; p++)
			if ((idx = idx * 10 + (*p - '0')) > INT_MAX)
				break;
		if (p == digits || idx > INT_MAX)
			continue;
		/* a cut suffix keeps at least its first byte: "CPU 3" is not qemu's */
		if (!strcmp(p, suffix) || (*p && !strncmp(p, suffix, strlen(p))))
			return (int)idx;
	}
	return -1;
}

const char *vmm_kind_name(enum vmm_kind k)
{
	static const char *const names[] = {
		[VMM_UNKNOWN] = "unknown",
		[VMM_QEMU] = "qemu",
		[VMM_FIRECRACKER] = "firecracker",
		[VMM_CLOUD_HYPERVISOR] = "cloud-hypervisor",
		[VMM_CROSVM] = "crosvm",
		[VMM_KVMTOOL] = "kvmtool",
	};

	if ((unsigned int)k >= ARRAY_SIZE(names))
		return "unknown";
	return names[k];
}
