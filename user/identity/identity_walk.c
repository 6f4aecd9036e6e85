// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The walk at start: every cgroup that already exists, learnt before the
 * first trap, so that one removed before the first report is still named.
 * Later cgroups come from the kernel's mkdir events.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <string.h>
#include "identity/identity.h"

#define WALK_FD_LIMIT 32

/* nftw has no user pointer: the walk runs on one thread at a time */
static struct identity_table *walk_t;
static size_t walk_root_len;
static __u64 walk_now_ns;
static int walk_err;

static int walk_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *rel = path + walk_root_len;
	int ret;

	(void)ftw;
	if (type != FTW_D)
		return 0;
	ret = identity__cgroup_seen(walk_t, st->st_ino, *rel ? rel : "/", IDENTITY_FROM_WALK,
				    walk_now_ns);
	if (ret == -ENOMEM) {
		walk_err = ret;
		return 1;
	}
	return 0;
}

int identity__walk_cgroups(struct identity_table *t, const char *root, __u64 now_ns)
{
	size_t n = strlen(root);
	int ret;

	/* "/sys/fs/cgroup/" and "/sys/fs/cgroup" give the same relative paths */
	while (n > 1 && root[n - 1] == '/')
		n--;
	walk_t = t;
	walk_root_len = n;
	walk_now_ns = now_ns;
	walk_err = 0;
	ret = nftw(root, walk_visit, WALK_FD_LIMIT, FTW_PHYS | FTW_MOUNT);
	walk_t = NULL;
	if (walk_err)
		return walk_err;
	return ret ? -errno : 0;
}
