// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * cgroup v2 ids are kernfs node ids, which are also the inode numbers of the
 * cgroup directories and valid kernfs file handles (FILEID_KERNFS): the
 * fast way in is open_by_handle_at(2) on the cgroup2 mount; where that is
 * refused (no CAP_DAC_READ_SEARCH) the tree is walked once per miss.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include "host/cgroup.h"

#define FILEID_KERNFS 0xfe
#define WALK_FD_LIMIT 32

int cgroup2_mount_at(const char *mountinfo, char *root, size_t len)
{
	char line[4096], mnt[PATH_MAX], fstype[64];
	FILE *f;

	root[0] = '\0';
	f = fopen(mountinfo, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* id parent maj:min root mountpoint opts... - fstype source opts */
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 || strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(root, len, "%s", mnt);
			break;
		}
	}
	fclose(f);
	return root[0] ? 0 : -ENOENT;
}

int cgroup2_mount(char *root, size_t len)
{
	return cgroup2_mount_at(CGROUP_MOUNTINFO, root, len);
}

int cgroup_resolver__init_at(struct cgroup_resolver *r, const char *root)
{
	struct statfs fs;

	memset(r, 0, sizeof(*r));
	snprintf(r->root, sizeof(r->root), "%s", root);
	r->root_fd = open(r->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r->root_fd < 0)
		return -errno;
	/*
	 * kernfs handles only mean something on cgroup2 itself: elsewhere (a
	 * tree standing for one) a handle is stale and would read as removed
	 */
	r->by_handle = !fstatfs(r->root_fd, &fs) && fs.f_type == CGROUP2_SUPER_MAGIC;
	return 0;
}

int cgroup_resolver__init(struct cgroup_resolver *r)
{
	char root[PATH_MAX];
	int ret = cgroup2_mount(root, sizeof(root));

	if (ret) {
		memset(r, 0, sizeof(*r));
		r->root_fd = -1;
		return ret;
	}
	return cgroup_resolver__init_at(r, root);
}

int cgroup_resolver__init_offline(struct cgroup_resolver *r)
{
	memset(r, 0, sizeof(*r));
	r->root_fd = -1;
	r->offline = true;
	return 0;
}

void cgroup_resolver__free(struct cgroup_resolver *r)
{
	if (r->root_fd >= 0)
		close(r->root_fd);
	for (size_t i = 0; i < r->cap; i++)
		free(r->entries[i].path);
	free(r->entries);
	memset(r, 0, sizeof(*r));
	r->root_fd = -1;
}

__u64 cgroup_id_of_path(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

#define TABLE_MIN 256

static size_t slot_of(__u64 id, size_t cap)
{
	/* ids are inode numbers: mostly sequential, so mix before masking */
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return id & (cap - 1);
}

static struct cgroup_entry *entry_find(struct cgroup_resolver *r, __u64 id)
{
	size_t i;

	if (!r->cap)
		return NULL;
	for (i = slot_of(id, r->cap); r->entries[i].id; i = (i + 1) & (r->cap - 1))
		if (r->entries[i].id == id)
			return &r->entries[i];
	return NULL;
}

static int table_grow(struct cgroup_resolver *r)
{
	size_t cap = r->cap ? r->cap * 2 : TABLE_MIN;
	struct cgroup_entry *old = r->entries, *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t k = 0; k < r->cap; k++) {
		size_t i;

		if (!old[k].id)
			continue;
		for (i = slot_of(old[k].id, cap); n[i].id; i = (i + 1) & (cap - 1))
			;
		n[i] = old[k];
	}
	free(old);
	r->entries = n;
	r->cap = cap;
	return 0;
}

static struct cgroup_entry *entry_add(struct cgroup_resolver *r, __u64 id)
{
	struct cgroup_entry *e = entry_find(r, id);
	size_t i;

	if (e)
		return e;
	if ((r->nr + 1) * 2 > r->cap && table_grow(r))
		return NULL;
	for (i = slot_of(id, r->cap); r->entries[i].id; i = (i + 1) & (r->cap - 1))
		;
	r->entries[i] = (struct cgroup_entry){ .id = id };
	r->nr++;
	return &r->entries[i];
}

bool cgroup_resolver__gone(struct cgroup_resolver *r, __u64 id)
{
	const struct cgroup_entry *e = entry_find(r, id);

	return e && e->gone;
}

void cgroup_resolver__forget(struct cgroup_resolver *r, __u64 id)
{
	struct cgroup_entry *e = entry_find(r, id);
	size_t hole, i;

	if (!e)
		return;
	free(e->path);
	hole = (size_t)(e - r->entries);
	r->entries[hole] = (struct cgroup_entry){ 0 };
	r->nr--;
	/* backward shift: close the hole for entries that probed past it */
	for (i = (hole + 1) & (r->cap - 1); r->entries[i].id; i = (i + 1) & (r->cap - 1)) {
		size_t home = slot_of(r->entries[i].id, r->cap);

		/* movable unless its home lies cyclically in (hole, i] */
		if (hole <= i ? (home > hole && home <= i) : (home > hole || home <= i))
			continue;
		r->entries[hole] = r->entries[i];
		r->entries[i] = (struct cgroup_entry){ 0 };
		hole = i;
	}
}

/* absolute mount path -> path relative to the cgroup2 root */
static void set_rel_path(struct cgroup_resolver *r, struct cgroup_entry *e, const char *abs)
{
	size_t n = strlen(r->root);
	const char *rel = abs;

	if (!strncmp(abs, r->root, n) && (abs[n] == '/' || abs[n] == '\0'))
		rel = abs + n;
	free(e->path);
	e->path = strdup(*rel ? rel : "/");
}

static int resolve_by_handle(struct cgroup_resolver *r, struct cgroup_entry *e)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = FILEID_KERNFS }, .id = e->id };
	char link[64], abs[PATH_MAX];
	ssize_t n;
	int fd;

	fd = open_by_handle_at(r->root_fd, &h.fh, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, abs, sizeof(abs) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	abs[n] = '\0';
	set_rel_path(r, e, abs);
	return 0;
}

/* nftw has no user pointer: the walk runs on one thread at a time */
static struct cgroup_resolver *walk_r;
static struct cgroup_entry *walk_e;

static int walk_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_D && st->st_ino == walk_e->id) {
		set_rel_path(walk_r, walk_e, path);
		return 1;
	}
	return 0;
}

static int resolve_by_walk(struct cgroup_resolver *r, struct cgroup_entry *e)
{
	int ret;

	walk_r = r;
	walk_e = e;
	ret = nftw(r->root, walk_visit, WALK_FD_LIMIT, FTW_PHYS | FTW_MOUNT);
	walk_r = NULL;
	walk_e = NULL;
	return ret == 1 ? 0 : -ENOENT;
}

int cgroup_resolver__set(struct cgroup_resolver *r, __u64 id, const char *path)
{
	struct cgroup_entry *e;
	char *p;

	if (!id)
		return -EINVAL;	/* id 0 marks an empty slot */
	p = strdup(path);
	e = p ? entry_add(r, id) : NULL;
	if (!e) {
		free(p);
		return -ENOMEM;
	}
	free(e->path);
	e->path = p;
	e->gone = false;
	return 0;
}

const char *cgroup_resolver__path(struct cgroup_resolver *r, __u64 id)
{
	struct cgroup_entry *e = entry_find(r, id);
	int err;

	if (r->offline)
		return e ? e->path : NULL;
	if (e && (e->path || e->gone))
		return e->path;
	e = e ?: entry_add(r, id);
	if (!e)
		return NULL;
	err = -ENOENT;
	if (r->by_handle) {
		err = resolve_by_handle(r, e);
		if (err == -EPERM || err == -EOPNOTSUPP || err == -EINVAL)
			r->by_handle = false;
	}
	if (!r->by_handle)
		err = resolve_by_walk(r, e);
	/* a removed cgroup's handle is stale; a failed walk finds nothing */
	if (err == -ENOENT || err == -ESTALE)
		e->gone = true;
	return err ? NULL : e->path;
}

void cgroup_resolver__invalidate(struct cgroup_resolver *r)
{
	/* offline paths were given, not resolved: there is nothing to see afresh */
	if (r->offline)
		return;
	for (size_t i = 0; i < r->cap; i++) {
		free(r->entries[i].path);
		r->entries[i].path = NULL;
	}
}
