// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Why the kernel refused a BPF object: see load_diag.h. */
#define _GNU_SOURCE	/* vasprintf, memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "engine/load_diag.h"

/* CAP_BPF and CAP_PERFMON appeared in 5.8; older UAPI headers lack them */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define LOG_BEGIN "-- BEGIN PROG LOAD LOG --\n"
#define LOG_END "-- END PROG LOAD LOG --"
#define LIBBPF_PREFIX "libbpf: "
/* a quoted line longer than this is cut (source lines can be long) */
#define LINE_MAX_CHARS 160
#define LINE_SEP " | "
/* how far back from the end of a log the source line is looked for */
#define SOURCE_LOOKBACK_LINES 24
#define PROG_NAME_LEN 64
#define SECCOMP_MODE_FILTER_NR 2

#define UNPRIV_BPF_SYSCTL "/proc/sys/kernel/unprivileged_bpf_disabled"
#define LOCKDOWN_FILE "/sys/kernel/security/lockdown"
#define LSM_FILE "/sys/kernel/security/lsm"

static struct {
	bool verbose;
	char prog[PROG_NAME_LEN];	/* the program the verifier refused; "" if none */
	char tail[LOAD_DIAG_TAIL_LINES * (LINE_MAX_CHARS + sizeof(LINE_SEP))];
	bool unknown_func;		/* the verifier did not know a helper */
	char first_warn[LINE_MAX_CHARS + 1];	/* libbpf's first warning, first line */
} diag;

void load_diag_set_verbose(bool verbose)
{
	diag.verbose = verbose;
}

void load_diag_reset(void)
{
	bool verbose = diag.verbose;

	memset(&diag, 0, sizeof(diag));
	diag.verbose = verbose;
}

const char *load_diag_refused_prog(void)
{
	return diag.prog[0] ? diag.prog : NULL;
}

/* Copy line [s, e) into @dst (cut at LINE_MAX_CHARS), without trailing blanks. */
static void line_copy(char *dst, size_t len, const char *s, const char *e)
{
	size_t n = e - s;

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n > LINE_MAX_CHARS)
		snprintf(dst, len, "%.*s...", LINE_MAX_CHARS - 3, s);
	else
		snprintf(dst, len, "%.*s", (int)n, s);
	/* one line of plain text: source lines carry tabs */
	for (; *dst; dst++)
		if (*dst == '\t')
			*dst = ' ';
}

static bool starts(const char *s, const char *e, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(e - s) >= n && !strncmp(s, prefix, n);
}

/* Statistics and blank lines say nothing about why a program was refused. */
static bool line_meaningless(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	return s == e || starts(s, e, "processed ") || starts(s, e, "verification time") ||
	       starts(s, e, "stack depth") || starts(s, e, "-- ");
}

/* "; code @ file.c:12" (a line of BTF line info): "file.c:12: code" into @dst. */
static bool source_line(char *dst, size_t len, const char *s, const char *e)
{
	char where[LINE_MAX_CHARS + 1], code[LINE_MAX_CHARS + 1], both[sizeof(where) + sizeof(code) + 2];
	const char *at;

	s += strlen("; ");
	for (at = e - strlen(" @ "); at >= s && strncmp(at, " @ ", strlen(" @ ")); at--)
		;
	if (at < s) {
		line_copy(dst, len, s, e);
		return true;
	}
	line_copy(where, sizeof(where), at + strlen(" @ "), e);
	while (s < at && (*s == ' ' || *s == '\t'))
		s++;
	line_copy(code, sizeof(code), s, at);
	snprintf(both, sizeof(both), "%s: %s", where, code);
	line_copy(dst, len, both, both + strlen(both));
	return true;
}

/*
 * An instruction line "12: (61) r1 = *(u32 *)(r7 +0)   ; R1=scalar()":
 * without the register states after "; ".
 */
static const char *insn_end(const char *s, const char *e)
{
	const char *p = s, *semi;

	while (p < e && *p >= '0' && *p <= '9')
		p++;
	if (p == s || p == e || *p != ':')
		return e;
	semi = memchr(p, ';', e - p);
	return semi ? semi : e;
}

/*
 * The end of log [log, end): the last two meaningful lines (the error and
 * the line before it) and the nearest source line before the error, in
 * log order.
 */
static void log_tail(const char *log, const char *end)
{
	char got[LOAD_DIAG_TAIL_LINES][LINE_MAX_CHARS + 1];
	int n = 0, insns = 0, looked = 0;
	bool have_src = false;
	const char *e = end, *s;
	size_t off = 0;

	while (e > log && n < LOAD_DIAG_TAIL_LINES && looked++ < SOURCE_LOOKBACK_LINES &&
	       (insns < LOAD_DIAG_TAIL_LINES - 1 || !have_src)) {
		if (e[-1] == '\n')
			e--;
		for (s = e; s > log && s[-1] != '\n'; s--)
			;
		if (line_meaningless(s, e)) {
			/* nothing */
		} else if (starts(s, e, "; ")) {
			if (!have_src)
				have_src = source_line(got[n++], sizeof(got[0]), s, e);
		} else if (insns < LOAD_DIAG_TAIL_LINES - 1) {
			line_copy(got[n++], sizeof(got[0]), s, insn_end(s, e));
			insns++;
			if (memmem(s, e - s, "unknown func", strlen("unknown func")))
				diag.unknown_func = true;
		}
		e = s;
	}
	/* got[] runs backwards */
	for (int i = n - 1; i >= 0 && off < sizeof(diag.tail); i--)
		off += snprintf(diag.tail + off, sizeof(diag.tail) - off, "%s%s",
				i == n - 1 ? "" : LINE_SEP, got[i]);
}

/* A formatted libbpf message: a verifier log, or a warning. */
static void diag_take(const char *msg)
{
	const char *begin = strstr(msg, LOG_BEGIN), *end, *name, *q, *nl;

	if (!strncmp(msg, LIBBPF_PREFIX, strlen(LIBBPF_PREFIX)))
		msg += strlen(LIBBPF_PREFIX);
	if (begin) {
		/* "prog 'NAME': -- BEGIN PROG LOAD LOG --\n...-- END PROG LOAD LOG --\n" */
		name = strstr(msg, "prog '");
		q = name ? strchr(name + strlen("prog '"), '\'') : NULL;
		if (name && q && q < begin) {
			name += strlen("prog '");
			snprintf(diag.prog, sizeof(diag.prog), "%.*s", (int)(q - name), name);
		} else {
			snprintf(diag.prog, sizeof(diag.prog), "(unnamed)");
		}
		begin += strlen(LOG_BEGIN);
		end = strstr(begin, LOG_END);
		diag.tail[0] = '\0';
		diag.unknown_func = false;
		log_tail(begin, end ? end : begin + strlen(begin));
		return;
	}
	if (diag.first_warn[0])
		return;
	nl = strchr(msg, '\n');
	line_copy(diag.first_warn, sizeof(diag.first_warn), msg, nl ? nl : msg + strlen(msg));
}

int load_diag_print(enum libbpf_print_level level, const char *fmt, va_list args)
{
	va_list copy;
	char *msg;
	int n;

	if (diag.verbose) {
		va_copy(copy, args);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level == LIBBPF_DEBUG)
		return 0;
	/* a verifier log can run to megabytes: format it whole, keep its end */
	if (vasprintf(&msg, fmt, args) < 0)
		return 0;
	diag_take(msg);
	n = strlen(msg);
	free(msg);
	return n;
}

/* The process's effective capabilities, bit per capability. */
static bool caps_effective(__u64 *caps)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	*caps = (__u64)data[1].effective << 32 | data[0].effective;
	return true;
}

#define CAP_BIT(c) (1ULL << (c))

/* First line of a small file into @buf, without its newline; false if unreadable. */
static bool read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = '\0';
	return ok;
}

/* "Seccomp:" of /proc/self/status: 0 none, 1 strict, 2 filter; -1 unknown. */
static int seccomp_mode(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	int mode = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp: %d", &mode) == 1)
			break;
	fclose(f);
	return mode;
}

/* The selected kernel lockdown mode ("[integrity]" in the file), or NULL where unreadable. */
static const char *lockdown_mode(char *buf, size_t len)
{
	char line[128], *a, *b;

	if (!read_line(LOCKDOWN_FILE, line, sizeof(line)))
		return NULL;
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!b)
		return NULL;
	snprintf(buf, len, "%.*s", (int)(b - a - 1), a + 1);
	return buf;
}

/* bpf() itself was denied (no verifier log): say which checked cause explains it. */
static void explain_denied(char *buf, size_t len, int ret)
{
	char lockdown[32], lsms[128], unpriv[16];
	const char *mode;
	__u64 caps = 0;

	if (!caps_effective(&caps)) {
		snprintf(buf, len, "bpf() was denied (%s) and the capabilities of this process cannot "
			 "be read (%s)", strerror(-ret), strerror(errno));
		return;
	}
	if (!(caps & (CAP_BIT(CAP_BPF) | CAP_BIT(CAP_SYS_ADMIN)))) {
		/* only callers without CAP_BPF and CAP_SYS_ADMIN are subject to the sysctl */
		bool sysctl = read_line(UNPRIV_BPF_SYSCTL, unpriv, sizeof(unpriv)) && strcmp(unpriv, "0");

		snprintf(buf, len, "bpf() was denied (%s): this process lacks CAP_BPF and CAP_SYS_ADMIN%s%s: "
			 "run it as root, or with CAP_BPF and CAP_PERFMON", strerror(-ret),
			 sysctl ? ", and kernel.unprivileged_bpf_disabled is " : "", sysctl ? unpriv : "");
		return;
	}
	if (!(caps & CAP_BIT(CAP_SYS_ADMIN)) && !(caps & CAP_BIT(CAP_PERFMON))) {
		snprintf(buf, len, "bpf() was denied (%s): tracing programs need CAP_PERFMON as well as "
			 "CAP_BPF: run it as root, or with both", strerror(-ret));
		return;
	}
	if (seccomp_mode() == SECCOMP_MODE_FILTER_NR) {
		snprintf(buf, len, "bpf() was denied (%s) although this process holds the capabilities "
			 "it needs: it runs under a seccomp filter (Seccomp: 2 in /proc/self/status) that "
			 "refuses bpf(): run it outside that filter, or allow bpf() in it", strerror(-ret));
		return;
	}
	mode = lockdown_mode(lockdown, sizeof(lockdown));
	if (!read_line(LSM_FILE, lsms, sizeof(lsms)))
		snprintf(lsms, sizeof(lsms), "unknown: %s unreadable", LSM_FILE);
	snprintf(buf, len, "bpf() was denied (%s) although this process holds the capabilities it "
		 "needs and no seccomp filter: %s%s%san LSM policy refuses it (active LSMs: %s)",
		 strerror(-ret), mode && strcmp(mode, "none") ? "kernel lockdown is '" : "",
		 mode && strcmp(mode, "none") ? mode : "",
		 mode && strcmp(mode, "none") ? "' (/sys/kernel/security/lockdown), or " : "", lsms);
}

void load_diag_explain(char *buf, size_t len, int ret, const char *obj_name)
{
	char lockdown[32];
	const char *mode;
	int n;

	if (diag.prog[0]) {
		n = snprintf(buf, len, "the kernel's verifier refused BPF program %s of %s (%s); its log "
			     "ends: %s", diag.prog, obj_name, strerror(-ret), diag.tail);
		mode = diag.unknown_func ? lockdown_mode(lockdown, sizeof(lockdown)) : NULL;
		/* lockdown takes helpers away (bpf_probe_read_kernel in confidentiality mode) */
		if (mode && strcmp(mode, "none") && n >= 0 && (size_t)n < len)
			snprintf(buf + n, len - n, "; kernel lockdown is '%s', which withholds some "
				 "BPF helpers", mode);
		return;
	}
	if (ret == -EPERM || ret == -EACCES) {
		explain_denied(buf, len, ret);
		return;
	}
	snprintf(buf, len, "failed to load the BPF object %s: %s%s%s",
		 obj_name, strerror(-ret), diag.first_warn[0] ? ": " : "", diag.first_warn);
}
