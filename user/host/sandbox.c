// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Sandbox identity from /proc, as each sandbox really looks (runsc 20221219,
 * bubblewrap 0.8, firejail 0.9.72, Chrome):
 *
 * gVisor: runsc re-execs /proc/self/exe, so comm is "exe", exe "runsc", and
 * argv[0] names the process: "runsc-sandbox ... boot --bundle=DIR ... ID",
 * "runsc-gofer ... gofer --bundle DIR ...". ptrace/systrap stubs have no
 * argv, comm "exe", exe "runsc", and runsc-sandbox or a stub as parent. The
 * "runsc do|run" CLI process is not sandboxed.
 * bwrap, firejail (and flatpak's bwrap): a launcher, its child (pid 1 of the
 * sandbox) under the same name, then the command, whose parent is that child.
 * Chromium: "chrome --type=renderer ..."; zygote children rewrite argv into
 * one space-separated string, so argv words split at spaces too. Electron
 * apps have other names but Chromium's flags.
 *
 * Precedence: what the process itself is, then a bwrap or firejail parent,
 * then a seccomp filter (mode 2, or 1: strict) of any origin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host/procfs.h"
#include "host/sandbox.h"

#define CMDLINE_MAX	(64 * 1024)	/* longer argv is parsed truncated */
#define STATUS_MAX	(16 * 1024)	/* /proc/PID/status is about 1.5 KiB */
#define COMM_BUF_LEN	32		/* TASK_COMM_LEN is 16 */
#define COMM_MAX	15		/* TASK_COMM_LEN - 1: longer names are cut */
#define SECCOMP_MODE_MAX	2	/* SECCOMP_MODE_FILTER */
#define EXE_DELETED	" (deleted)"	/* readlink of a replaced binary */
#define PID_TAIL_LEN	sizeof(":-2147483648")

/* A piece of argv or of a name: not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

/* The names a process goes by; any may be empty. */
struct ident {
	struct span argv0;	/* basename of the first argv word */
	struct span comm;
	struct span exe;	/* basename, without " (deleted)" */
	struct span parent;	/* the parent's comm */
};

static struct span span_of(const char *s)
{
	return s ? (struct span){ s, strlen(s) } : (struct span){ "", 0 };
}

static bool span_is(struct span s, const char *str)
{
	return s.len == strlen(str) && !memcmp(s.p, str, s.len);
}

static bool span_eat(struct span *s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (s->len < n || memcmp(s->p, prefix, n))
		return false;
	s->p += n;
	s->len -= n;
	return true;
}

/* The last path component: "/run/moby/abc/" -> "abc". */
static struct span span_basename(struct span s)
{
	const char *slash;

	while (s.len > 1 && s.p[s.len - 1] == '/')
		s.len--;
	slash = s.len ? memrchr(s.p, '/', s.len) : NULL;

	return slash ? (struct span){ slash + 1, s.len - (size_t)(slash + 1 - s.p) } : s;
}

/* comm is the exec'd name cut to COMM_MAX bytes ("chromium-browse"). */
static bool comm_is(struct span comm, const char *name)
{
	size_t n = strlen(name);

	n = n > COMM_MAX ? COMM_MAX : n;
	return comm.len == n && !memcmp(comm.p, name, n);
}

static bool ident_is(const struct ident *id, const char *name)
{
	return span_is(id->argv0, name) || span_is(id->exe, name) || comm_is(id->comm, name);
}

/* The argv word at *off: words end at NUL or space, a truncated last one at @len. */
static bool next_word(const char *buf, size_t len, size_t *off, struct span *w)
{
	while (*off < len && (buf[*off] == '\0' || buf[*off] == ' '))
		(*off)++;
	if (*off >= len)
		return false;
	w->p = buf + *off;
	while (*off < len && buf[*off] != '\0' && buf[*off] != ' ')
		(*off)++;
	w->len = (size_t)(buf + *off - w->p);
	return true;
}

static bool in_list(struct span s, const char *const *list)
{
	for (; *list; list++)
		if (span_is(s, *list))
			return true;
	return false;
}

/* The value of "OPT=VALUE" or "OPT VALUE" among the words after argv[0]. */
static bool find_opt(const char *buf, size_t len, const char *opt, struct span *val)
{
	struct span w;
	size_t off = 0;

	if (!next_word(buf, len, &off, &w))
		return false;
	while (next_word(buf, len, &off, &w)) {
		if (!span_eat(&w, opt))
			continue;
		if (!w.len)
			return next_word(buf, len, &off, val);
		if (span_eat(&w, "=") && w.len) {
			*val = w;
			return true;
		}
	}
	return false;
}

/* Printable ASCII only: names reach reports and terminals. */
static void sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < ' ' || (unsigned char)*s > '~')
			*s = '?';
}

static void set_role(struct sandbox_info *out, struct span role)
{
	snprintf(out->role, sizeof(out->role), "%.*s", (int)role.len, role.p);
	sanitize(out->role);
}

/* "KIND:MID:PID", any part may be left out; MID is cut so the pid fits. */
static void set_name(struct sandbox_info *out, const char *kind, struct span mid, bool with_pid,
		     pid_t pid)
{
	char tail[PID_TAIL_LEN] = "";
	size_t room = sizeof(out->name) - 1 - strlen(kind) - (*kind && mid.len);

	if (with_pid)
		snprintf(tail, sizeof(tail), "%s%d", *kind || mid.len ? ":" : "", (int)pid);
	room -= strlen(tail);
	snprintf(out->name, sizeof(out->name), "%s%s%.*s%s", kind, *kind && mid.len ? ":" : "",
		 (int)(mid.len < room ? mid.len : room), mid.p, tail);
	sanitize(out->name);
}

/* runsc subcommands: the first of these words in argv is the one run */
static const char *const runsc_cmds[] = {
	"boot", "gofer", "do", "run", "create", "start", "exec", "delete", "kill", "state", "events",
	"checkpoint", "restore", "ps", "wait", "pause", "resume", "list", "debug", "spec", "install",
	"uninstall", "help", "flags", "metric-server", "port-forward", "syscalls", "tar", NULL
};

/* "runsc", "runsc-sandbox", "runsc.amd64"; not "runscript" */
static bool is_runsc(struct span s)
{
	return span_eat(&s, "runsc") && (!s.len || strchr("-._", s.p[0]));
}

static bool gvisor(const char *buf, size_t len, const struct ident *id, pid_t pid,
		   struct sandbox_info *out)
{
	struct span w, cmd = { NULL, 0 }, last = { NULL, 0 };
	bool runsc = is_runsc(id->exe) || is_runsc(id->argv0);
	bool truncated = len && buf[len - 1] != '\0';
	size_t off = 0, words = 0;

	for (; next_word(buf, len, &off, &w); words++) {
		if (words && !cmd.p && in_list(w, runsc_cmds))
			cmd = w;
		last = w;
	}
	if (span_is(id->argv0, "runsc-sandbox") || comm_is(id->comm, "runsc-sandbox") ||
	    (runsc && span_is(cmd, "boot"))) {
		set_role(out, span_of("sandbox"));
		/* boot's one positional argument, the container id, ends argv */
		if (span_is(cmd, "boot") && !truncated && last.p != cmd.p && last.p[0] != '-') {
			set_name(out, "gvisor", last, false, pid);
			goto found;
		}
	} else if (span_is(id->argv0, "runsc-gofer") || comm_is(id->comm, "runsc-gofer") ||
		   (runsc && span_is(cmd, "gofer"))) {
		set_role(out, span_of("gofer"));
	} else {
		/* a stub: no argv, comm "exe"; exe or parent says runsc, neither says otherwise */
		if (!comm_is(id->comm, "exe") || words || (id->exe.len && !is_runsc(id->exe)) ||
		    (id->parent.len && !span_is(id->parent, "exe") &&
		     !comm_is(id->parent, "runsc-sandbox")) || (!id->exe.len && !id->parent.len))
			return false;
		set_role(out, span_of("stub"));
	}
	/* containerd and docker name the bundle directory after the container */
	if (find_opt(buf, len, "--bundle", &w) && (w = span_basename(w)).len)
		set_name(out, "gvisor", w, false, pid);
	else
		set_name(out, "gvisor", span_of(NULL), true, pid);
found:
	out->kind = SANDBOX_GVISOR;
	return true;
}

static const char *const chromium_names[] = {
	"chrome", "chromium", "chromium-browser", "google-chrome", "chrome-sandbox", "msedge",
	"brave", "opera", "vivaldi-bin", "electron", NULL
};

/* Flags of Chromium's child processes, in Electron apps too. */
static const char *const chromium_flags[] = {
	"--field-trial-handle=", "--crashpad-handler-pid=", "--renderer-client-id=",
	"--shared-files", "--mojo-platform-channel-handle=", "--service-sandbox-type=",
	"--utility-sub-type=", "--gpu-preferences=", NULL
};

static bool chromium(const char *buf, size_t len, const struct ident *id, pid_t pid,
		     struct sandbox_info *out)
{
	struct span w, type = { NULL, 0 };
	bool marked = false;
	size_t off = 0;

	for (size_t words = 0; next_word(buf, len, &off, &w); words++) {
		for (const char *const *f = chromium_flags; words && *f && !marked; f++) {
			struct span t = w;

			marked = span_eat(&t, *f);
		}
		if (words && !type.p && span_eat(&w, "--type=") && w.len)
			type = w;
	}
	if (!type.p)
		return false;
	for (const char *const *n = chromium_names; !marked && *n; n++)
		marked = ident_is(id, *n);
	if (!marked)
		return false;
	out->kind = SANDBOX_CHROMIUM;
	set_role(out, type);
	set_name(out, "chromium", (struct span){ out->role, strlen(out->role) }, true, pid);
	return true;
}

static bool launcher(const char *buf, size_t len, const struct ident *id, pid_t pid,
		     struct sandbox_info *out)
{
	struct span name;

	if (ident_is(id, "bwrap")) {
		out->kind = SANDBOX_BWRAP;
		set_name(out, "bwrap", span_of(NULL), true, pid);
	} else if (ident_is(id, "firejail")) {
		out->kind = SANDBOX_FIREJAIL;
		if (find_opt(buf, len, "--name", &name))
			set_name(out, "firejail", name, false, pid);
		else
			set_name(out, "firejail", span_of(NULL), true, pid);
	} else {
		return false;
	}
	set_role(out, span_of("launcher"));
	return true;
}

static const char *const wasm_runtimes[] = { "wasmtime", "wasmedge", "wasmer", "iwasm", NULL };

static bool wasm(const struct ident *id, pid_t pid, struct sandbox_info *out)
{
	for (const char *const *r = wasm_runtimes; *r; r++) {
		if (!ident_is(id, *r))
			continue;
		out->kind = SANDBOX_WASM;
		set_role(out, span_of("runtime"));
		set_name(out, *r, span_of(NULL), true, pid);
		return true;
	}
	return false;
}

/* The decimal value of the status line "KEY VALUE", or -1: absent, malformed, > @max. */
static long status_field(const char *status, const char *key, long max)
{
	size_t n = strlen(key);

	for (const char *l = status; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		const char *p;
		long v = 0;

		if (strncmp(l, key, n))
			continue;
		p = l + n + strspn(l + n, " \t");
		if (*p < '0' || *p > '9')
			return -1;
		for (; *p >= '0' && *p <= '9'; p++)
			if ((v = v * 10 + (*p - '0')) > max)
				return -1;
		return *p == '\n' || *p == '\0' ? v : -1;
	}
	return -1;
}

void sandbox_parse(const char *cmdline, size_t len, const char *comm, const char *status,
		   const char *exe, const char *parent_comm, pid_t pid, struct sandbox_info *out)
{
	struct ident id = { .comm = span_of(comm), .parent = span_of(parent_comm) };
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (!cmdline)
		len = 0;
	out->seccomp_mode = (int)status_field(status, "Seccomp:", SECCOMP_MODE_MAX);
	out->seccomp_filters = (int)status_field(status, "Seccomp_filters:", INT_MAX);
	if (next_word(cmdline, len, &off, &id.argv0))
		id.argv0 = span_basename(id.argv0);
	else
		id.argv0 = span_of(NULL);
	id.exe = span_basename(span_of(exe));
	if (id.exe.len > strlen(EXE_DELETED) &&
	    !memcmp(id.exe.p + id.exe.len - strlen(EXE_DELETED), EXE_DELETED, strlen(EXE_DELETED)))
		id.exe.len -= strlen(EXE_DELETED);

	if (gvisor(cmdline, len, &id, pid, out) || chromium(cmdline, len, &id, pid, out) ||
	    launcher(cmdline, len, &id, pid, out) || wasm(&id, pid, out))
		return;
	if (span_is(id.parent, "bwrap") || span_is(id.parent, "firejail")) {
		out->kind = span_is(id.parent, "bwrap") ? SANDBOX_BWRAP : SANDBOX_FIREJAIL;
		set_role(out, span_of("app"));
		set_name(out, sandbox_kind_name(out->kind), id.comm, true, pid);
	} else if (out->seccomp_mode > 0) {
		out->kind = SANDBOX_SECCOMP;
		set_name(out, "seccomp", id.comm, true, pid);
	} else {
		set_name(out, id.comm.len ? "" : "pid", id.comm, true, pid);
	}
}

/* comm of @pid, without its newline; 0 or -errno. */
static ssize_t read_comm(pid_t pid, char buf[COMM_BUF_LEN])
{
	ssize_t n = procfs_read(pid, "comm", buf, COMM_BUF_LEN - 1);

	buf[n < 0 ? 0 : n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return n < 0 ? n : 0;
}

int sandbox_read(pid_t pid, struct sandbox_info *out)
{
	char comm[COMM_BUF_LEN], pcomm[COMM_BUF_LEN], path[PATH_MAX], exe[PATH_MAX];
	char *buf, *status;
	const char *parent = NULL;
	ssize_t cmd_len, n, exe_len;
	long ppid;

	if (pid <= 0)
		return -EINVAL;
	buf = malloc(CMDLINE_MAX + STATUS_MAX + 1);
	if (!buf)
		return -ENOMEM;
	status = buf + CMDLINE_MAX;
	cmd_len = procfs_read(pid, "cmdline", buf, CMDLINE_MAX);
	n = cmd_len < 0 ? cmd_len : read_comm(pid, comm);
	if (n >= 0)
		n = procfs_read(pid, "status", status, STATUS_MAX);
	if (n < 0)
		goto out;
	status[n] = '\0';
	/* kernel threads and zombies have no exe: not an error */
	exe_len = procfs_path(path, sizeof(path), pid, "exe") ? -1 : readlink(path, exe, sizeof(exe) - 1);
	exe[exe_len > 0 ? exe_len : 0] = '\0';
	ppid = status_field(status, "PPid:", INT_MAX);
	if (ppid > 0 && !read_comm((pid_t)ppid, pcomm))
		parent = pcomm;
	sandbox_parse(buf, (size_t)cmd_len, comm, status, exe_len > 0 ? exe : NULL, parent, pid,
		      out);
	n = 0;
out:
	free(buf);
	return (int)n;
}

void sandbox_from_name(const char *name, struct sandbox_info *out)
{
	const char *colon = strchr(name, ':'), *last = strrchr(name, ':');
	struct span prefix = { name, colon ? (size_t)(colon - name) : 0 };
	/* the middle field of "<kind>:<middle>:<pid>", if the name has one */
	struct span middle = { colon ? colon + 1 : NULL, last > colon ? (size_t)(last - colon - 1) : 0 };

	memset(out, 0, sizeof(*out));
	out->seccomp_mode = -1;
	out->seccomp_filters = -1;
	snprintf(out->name, sizeof(out->name), "%s", name);
	for (int k = SANDBOX_SECCOMP; k < SANDBOX_KIND_MAX; k++)
		if (span_is(prefix, sandbox_kind_name((enum sandbox_kind)k)))
			out->kind = (enum sandbox_kind)k;
	for (const char *const *r = wasm_runtimes; *r; r++)
		if (span_is(prefix, *r))
			out->kind = SANDBOX_WASM;
	if (out->kind == SANDBOX_CHROMIUM && middle.len)
		set_role(out, middle);
	else if (out->kind == SANDBOX_BWRAP || out->kind == SANDBOX_FIREJAIL)
		set_role(out, span_of(middle.len ? "app" : "launcher"));
	else if (out->kind == SANDBOX_WASM)
		set_role(out, span_of("runtime"));
}

const char *sandbox_kind_name(enum sandbox_kind k)
{
	static const char *const names[] = {
		[SANDBOX_NONE] = "none",
		[SANDBOX_SECCOMP] = "seccomp",
		[SANDBOX_GVISOR] = "gvisor",
		[SANDBOX_BWRAP] = "bwrap",
		[SANDBOX_FIREJAIL] = "firejail",
		[SANDBOX_CHROMIUM] = "chromium",
		[SANDBOX_WASM] = "wasm",
	};

	return (unsigned int)k < SANDBOX_KIND_MAX ? names[k] : "unknown";
}
