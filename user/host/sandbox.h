/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Sandbox identity of a process: which sandbox it belongs to (gVisor,
 * bubblewrap, firejail, Chromium, a WebAssembly runtime, or just a seccomp
 * filter), its role there, and a display name for reports.
 */
#ifndef VFLOW_SANDBOX_H
#define VFLOW_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#define SANDBOX_ROLE_LEN	32
#define SANDBOX_NAME_LEN	128

enum sandbox_kind {
	SANDBOX_NONE = 0,	/* no seccomp filter, not a known sandbox */
	SANDBOX_SECCOMP,	/* some seccomp filter (status "Seccomp: 2", or 1: strict), nothing more */
	SANDBOX_GVISOR,		/* runsc: sandbox (runsc-sandbox / "exe" stub processes), gofer */
	SANDBOX_BWRAP,		/* bubblewrap, flatpak */
	SANDBOX_FIREJAIL,
	SANDBOX_CHROMIUM,	/* chromium/chrome renderer, gpu, utility processes with --type= */
	SANDBOX_WASM,		/* wasmtime, wasmedge, wasmer, wamr (iwasm) */
	SANDBOX_KIND_MAX,
};

struct sandbox_info {
	enum sandbox_kind kind;
	int seccomp_mode;	/* 0 none, 1 strict, 2 filter, -1 unknown */
	int seccomp_filters;	/* "Seccomp_filters:" from status, -1 if absent */
	/* "sandbox", "gofer", "stub" (gVisor); the --type= value (Chromium:
	 * "renderer", "gpu-process", "utility", "zygote"); "launcher", "app"
	 * (bwrap, firejail); "runtime" (wasm); "" otherwise */
	char role[SANDBOX_ROLE_LEN];
	/* "gvisor:<container id or pid>", "chromium:renderer:<pid>",
	 * "bwrap:<pid>", "bwrap:<comm>:<pid>", "firejail:<--name or pid>",
	 * "wasmtime:<pid>", "seccomp:<comm>:<pid>", "<comm>:<pid>"; printable
	 * ASCII, cut to fit (the pid is kept) */
	char name[SANDBOX_NAME_LEN];
};

/*
 * Pure: from argv (NUL-separated, @len bytes, as /proc/PID/cmdline), comm,
 * the text of /proc/PID/status (may be NULL), the exe basename (may be
 * NULL), and the parent's comm (may be NULL: gVisor's stub processes are
 * children of runsc-sandbox and have comm "exe"). Precedence: what the
 * process itself is (gVisor, Chromium, a bwrap/firejail launcher, a wasm
 * runtime), then a bwrap/firejail parent, then any seccomp filter.
 */
void sandbox_parse(const char *cmdline, size_t len, const char *comm, const char *status,
		   const char *exe, const char *parent_comm, pid_t pid, struct sandbox_info *out);
/* Reads /proc/PID/{cmdline,comm,status,exe} and the parent's comm; 0 or -errno. */
int sandbox_read(pid_t pid, struct sandbox_info *out);
/*
 * Back from a name sandbox_parse made (a dump keeps the name only): the
 * kind its prefix says, and the role where the name holds it (Chromium's
 * --type, a bwrap/firejail launcher or app, a wasm runtime); a name of no
 * known prefix ("<comm>:<pid>") is SANDBOX_NONE. Seccomp fields unknown.
 */
void sandbox_from_name(const char *name, struct sandbox_info *out);
/* "none", "seccomp", "gvisor", "bwrap", "firejail", "chromium", "wasm"; "unknown" */
const char *sandbox_kind_name(enum sandbox_kind k);

#endif
