/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cgroup v2 id -> path, cached. The id is the inode of the cgroup's directory. */
#ifndef VFLOW_CGROUP_H
#define VFLOW_CGROUP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <limits.h>

/* A slot of the resolver's open-addressing table; id 0 is an empty slot. */
struct cgroup_entry {
	__u64 id;
	bool gone;		/* removed: ids are not reused within a boot, so for good */
	char *path;		/* relative to the cgroup2 root ("/", "/a/b"); NULL: not resolved */
};

struct cgroup_resolver {
	char root[PATH_MAX];	/* where cgroup2 is mounted */
	int root_fd;
	bool by_handle;		/* open_by_handle_at works here */
	bool offline;		/* paths only from cgroup_resolver__set: nothing is looked up */
	struct cgroup_entry *entries;	/* capacity a power of two, at most half full */
	size_t nr, cap;
};

#define CGROUP_MOUNTINFO "/proc/self/mountinfo"

/* Where cgroup2 is mounted, from @mountinfo (a mountinfo file): 0, or -errno (-ENOENT: none). */
int cgroup2_mount_at(const char *mountinfo, char *root, size_t len);
/* The same from CGROUP_MOUNTINFO. */
int cgroup2_mount(char *root, size_t len);

/* Find the cgroup2 mount (cgroup2_mount). 0 or -errno. */
int cgroup_resolver__init(struct cgroup_resolver *r);
/*
 * The hierarchy at @root instead (a cgroup2 mount, or a directory tree
 * standing for one in a test: ids are inode numbers either way). 0 or -errno.
 */
int cgroup_resolver__init_at(struct cgroup_resolver *r, const char *root);
void cgroup_resolver__free(struct cgroup_resolver *r);
/*
 * Path of cgroup @id relative to the cgroup2 root, or NULL if no such cgroup
 * exists (any more). The string lives as long as the resolver.
 */
const char *cgroup_resolver__path(struct cgroup_resolver *r, __u64 id);
/* Forget resolved paths, so the next lookups see renames and removals (gone stays gone). */
void cgroup_resolver__invalidate(struct cgroup_resolver *r);

/*
 * Offline mode, for data from another host (a dump): no hierarchy, nothing
 * looked up here; __path returns only what __set gave (NULL otherwise) and
 * __invalidate keeps it. init: 0. set: 0, -EINVAL (id 0) or -ENOMEM.
 */
int cgroup_resolver__init_offline(struct cgroup_resolver *r);
int cgroup_resolver__set(struct cgroup_resolver *r, __u64 id, const char *path);

/* Was @id found removed (not merely unresolved) by a lookup? */
bool cgroup_resolver__gone(struct cgroup_resolver *r, __u64 id);
/* Drop what is known of @id (a removed cgroup vflow no longer shows): memory stays bounded. */
void cgroup_resolver__forget(struct cgroup_resolver *r, __u64 id);

/* cgroup v2 id of the directory at @path (its inode), or 0 on error. */
__u64 cgroup_id_of_path(const char *path);

#endif
