// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include "host/privdrop.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif
#ifndef CAP_LAST_CAP
#define CAP_LAST_CAP 40
#endif
#define BIT(c) (1ULL << (c))

static int caps_get(__u64 *eff, __u64 *perm)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	*eff = d[0].effective | (__u64)d[1].effective << 32;
	*perm = d[0].permitted | (__u64)d[1].permitted << 32;
	return 0;
}

static int caps_set(__u64 eff, __u64 perm)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (__u32)eff, .permitted = (__u32)perm },
		{ .effective = (__u32)(eff >> 32), .permitted = (__u32)(perm >> 32) },
	};

	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

__u64 privdrop_effective(void)
{
	__u64 eff = 0, perm;

	caps_get(&eff, &perm);
	return eff;
}

int privdrop(privdrop_check_fn check, void *ctx, __u64 *kept, char *err, size_t err_len)
{
	__u64 eff = 0, perm = 0, keep = BIT(CAP_DAC_READ_SEARCH) | BIT(CAP_SYS_PTRACE);
	int ret = caps_get(&eff, &perm);

	if (ret) {
		snprintf(err, err_len, "cannot read capabilities: %s", strerror(-ret));
		return ret;
	}
	/* try the steady state with the reduced effective set; permitted stays */
	ret = caps_set(eff & keep, perm);
	if (!ret && check && !check(ctx))
		keep |= BIT(CAP_BPF) | (perm & BIT(CAP_BPF) ? 0 : BIT(CAP_SYS_ADMIN));
	if (!ret)
		ret = caps_set(eff, perm);
	if (ret) {
		snprintf(err, err_len, "cannot change capabilities: %s", strerror(-ret));
		return ret;
	}
	/* the bounding set first: it needs CAP_SETPCAP, which goes next */
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (!(keep & BIT(c)) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1 &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL && errno != EPERM)
			break;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	ret = caps_set(eff & keep, perm & keep);
	if (ret) {
		snprintf(err, err_len, "cannot drop capabilities: %s", strerror(-ret));
		return ret;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		snprintf(err, err_len, "cannot set no_new_privs: %s", strerror(errno));
		return -errno;
	}
	*kept = eff & keep;
	return 0;
}
