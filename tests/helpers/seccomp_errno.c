// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * seccomp_errno NR[,NR...] CMD [ARG]...: run CMD under a seccomp filter that
 * fails the given syscalls with EPERM (SECCOMP_RET_ERRNO), as a locked-down
 * host or container runtime would. Such syscalls exit without entering.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#define MAX_NRS 32

int main(int argc, char **argv)
{
	struct sock_filter f[3 + 3 * MAX_NRS + 1];
	unsigned int n = 0, nrs[MAX_NRS], k = 0;
	char *s, *end;

	if (argc < 3) {
		fprintf(stderr, "usage: seccomp_errno NR[,NR...] CMD [ARG]...\n");
		return 2;
	}
	for (s = argv[1]; *s && k < MAX_NRS; s = *end ? end + 1 : end) {
		nrs[k++] = strtoul(s, &end, 10);
		if (end == s || (*end && *end != ',')) {
			fprintf(stderr, "seccomp_errno: bad syscall list '%s'\n", argv[1]);
			return 2;
		}
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	for (unsigned int i = 0; i < k; i++) {
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	struct sock_fprog prog = { .len = n, .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		perror("seccomp_errno: seccomp");
		return 1;
	}
	execvp(argv[2], argv + 2);
	perror("seccomp_errno: exec");
	return 127;
}
