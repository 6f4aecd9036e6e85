/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Why the kernel refused to load a BPF object, in one line: the refused
 * program and the end of its verifier log (libbpf prints the log between
 * "-- BEGIN PROG LOAD LOG --" and "-- END PROG LOAD LOG --"), or, where
 * bpf() itself was denied, the cause among those that can be checked here
 * (capabilities and kernel.unprivileged_bpf_disabled, a seccomp filter,
 * kernel lockdown). libbpf's print callback is process-wide, and so is
 * what this keeps: load one object at a time.
 */
#ifndef VFLOW_LOAD_DIAG_H
#define VFLOW_LOAD_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <bpf/libbpf.h>

/* Meaningful lines quoted from the end of a verifier log. */
#define LOAD_DIAG_TAIL_LINES 3

/* libbpf's print callback: keeps what it says; all of it on stderr when verbose. */
int load_diag_print(enum libbpf_print_level level, const char *fmt, va_list args);
void load_diag_set_verbose(bool verbose);
/* Forget what libbpf said so far: call before each load. */
void load_diag_reset(void);
/* The program the verifier refused since the last reset, or NULL. */
const char *load_diag_refused_prog(void);
/*
 * One line (no newline) into @buf: why loading object @obj_name failed with
 * @ret (-errno), from what libbpf printed since the last reset.
 */
void load_diag_explain(char *buf, size_t len, int ret, const char *obj_name);

#endif
