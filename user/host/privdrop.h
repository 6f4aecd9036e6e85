/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Least privilege once everything is attached: vflowd keeps only the
 * capabilities its steady state uses (docs/SECURITY.md) and can never
 * regain the others, not even through execve.
 */
#ifndef VFLOW_PRIVDROP_H
#define VFLOW_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* Does the steady state still work with the reduced set? (a BPF map read) */
typedef bool (*privdrop_check_fn)(void *ctx);

/*
 * Keep CAP_DAC_READ_SEARCH (cgroup ids -> paths by handle) and
 * CAP_SYS_PTRACE (/proc/PID/exe of other users' processes); CAP_BPF too
 * where @check fails without it (kernels before 6.5 checked it on every
 * bpf() command). Drops the rest from the effective, permitted,
 * inheritable, ambient and bounding sets, and sets no_new_privs. 0 and
 * what was kept as a capability mask in @kept, or -errno and a one-line
 * @err (the caller should stop: it may hold more than it should).
 */
int privdrop(privdrop_check_fn check, void *ctx, __u64 *kept, char *err, size_t err_len);

/* The effective set of this process, as a mask. */
__u64 privdrop_effective(void);

#endif
