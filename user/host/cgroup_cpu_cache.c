// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cgroups whose on-CPU time is followed (cgroup_cpu.h): an
 * open-addressing table by cgroup id, each entry with its files open
 * while there is room (CGROUP_CPU_MAX_OPEN), reached through the
 * cgroup's kernfs file handle so that no path is needed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/cgroup_cpu.h"

#define FILEID_KERNFS 0xfe
#define TABLE_MIN 256
/*
 * Cgroups whose files stay open (2 fds each, 3 with children); the
 * others are opened, read and closed at every read: the descriptors a
 * host with many cgroups costs stay bounded.
 */
#define CGROUP_CPU_MAX_OPEN 4096
/* nftw's open directories */
#define WALK_FD_LIMIT 32
/* deepest cgroup nesting the baseline attributes to parents (cgroup.max.depth is unbounded) */
#define WALK_DEPTH_MAX 64

int cgroup_cpu_cache__init(struct cgroup_cpu_cache *c, const char *root)
{
	memset(c, 0, sizeof(*c));
	c->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return c->root_fd < 0 ? -errno : 0;
}

/* What a read opened: the two files and, for a cgroup with children, its directory. */
struct opened {
	int fd_stat, fd_psi;
	DIR *dir;
};

static void opened_close(struct opened *o)
{
	if (o->fd_stat >= 0)
		close(o->fd_stat);
	if (o->fd_psi >= 0)
		close(o->fd_psi);
	if (o->dir)
		closedir(o->dir);
	*o = (struct opened){ .fd_stat = -1, .fd_psi = -1 };
}

static void entry_close(struct cgroup_cpu_cache *c, struct cgroup_cpu_entry *e)
{
	struct opened o = { .fd_stat = e->fd_stat, .fd_psi = e->fd_psi, .dir = e->dir };

	if (e->fd_stat >= 0)
		c->nr_open--;
	opened_close(&o);
	e->fd_stat = e->fd_psi = -1;
	e->dir = NULL;
}

static void entry_free(struct cgroup_cpu_cache *c, struct cgroup_cpu_entry *e)
{
	entry_close(c, e);
	cgroup_cpu_kids_free(e->kids);
	e->kids = NULL;
}

void cgroup_cpu_cache__free(struct cgroup_cpu_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].id)
			entry_free(c, &c->slots[i]);
	free(c->slots);
	if (c->root_fd >= 0)
		close(c->root_fd);
	memset(c, 0, sizeof(*c));
	c->root_fd = -1;
}

static size_t slot_of(__u64 id, size_t cap)
{
	/* ids are inode numbers: mostly sequential, so mix before masking */
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	id ^= id >> 33;
	return id & (cap - 1);
}

static struct cgroup_cpu_entry *entry_find(struct cgroup_cpu_cache *c, __u64 id)
{
	if (!c->cap)
		return NULL;
	for (size_t i = slot_of(id, c->cap); c->slots[i].id; i = (i + 1) & (c->cap - 1))
		if (c->slots[i].id == id)
			return &c->slots[i];
	return NULL;
}

static int table_grow(struct cgroup_cpu_cache *c)
{
	size_t cap = c->cap ? c->cap * 2 : TABLE_MIN;
	struct cgroup_cpu_entry *n = calloc(cap, sizeof(*n));

	if (!n)
		return -ENOMEM;
	for (size_t k = 0; k < c->cap; k++) {
		size_t i;

		if (!c->slots[k].id)
			continue;
		for (i = slot_of(c->slots[k].id, cap); n[i].id; i = (i + 1) & (cap - 1))
			;
		n[i] = c->slots[k];
	}
	free(c->slots);
	c->slots = n;
	c->cap = cap;
	return 0;
}

struct cgroup_cpu_entry *cgroup_cpu_cache__find(struct cgroup_cpu_cache *c, __u64 id)
{
	return id ? entry_find(c, id) : NULL;
}

struct cgroup_cpu_entry *cgroup_cpu_cache__get(struct cgroup_cpu_cache *c, __u64 id)
{
	struct cgroup_cpu_entry *e = entry_find(c, id);
	size_t i;

	if (e || !id)
		return e;
	if ((c->nr + 1) * 2 > c->cap && table_grow(c))
		return NULL;
	for (i = slot_of(id, c->cap); c->slots[i].id; i = (i + 1) & (c->cap - 1))
		;
	c->slots[i] = (struct cgroup_cpu_entry){ .id = id, .fd_stat = -1, .fd_psi = -1 };
	c->nr++;
	return &c->slots[i];
}

/*
 * Open cgroup @e's files through its kernfs file handle (the id); on its
 * first read, look for child cgroups (their time is not its own). 0 or -errno.
 */
static int files_open(struct cgroup_cpu_cache *c, struct cgroup_cpu_entry *e, struct opened *o)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh = { .handle_bytes = sizeof(__u64), .handle_type = FILEID_KERNFS }, .id = e->id };
	int dir = open_by_handle_at(c->root_fd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err;

	*o = (struct opened){ .fd_stat = -1, .fd_psi = -1 };
	if (dir < 0)
		return errno == ESTALE ? -ENOENT : -errno;
	o->fd_stat = openat(dir, CGROUP_CPU_STAT, O_RDONLY | O_CLOEXEC);
	err = errno;
	if (o->fd_stat < 0) {
		close(dir);
		return err == ENOENT || err == ENODEV ? -ENOENT : -err;
	}
	/* no PSI on this kernel: cpu.pressure is absent, has_psi stays false */
	o->fd_psi = openat(dir, CGROUP_CPU_PRESSURE, O_RDONLY | O_CLOEXEC);
	o->dir = fdopendir(dir);
	if (!o->dir) {
		close(dir);
		opened_close(o);
		return -ENOMEM;
	}
	if (!e->read && !e->kids && cgroup_cpu_has_children(o->dir)) {
		e->kids = calloc(1, sizeof(*e->kids));
		if (!e->kids) {
			opened_close(o);
			return -ENOMEM;
		}
	}
	if (!e->kids) {
		/* a leaf: its directory is not needed again */
		closedir(o->dir);
		o->dir = NULL;
	}
	return 0;
}

int cgroup_cpu_cache__read(struct cgroup_cpu_cache *c, struct cgroup_cpu_entry *e)
{
	struct opened o = { .fd_stat = e->fd_stat, .fd_psi = e->fd_psi, .dir = e->dir };
	struct cgroup_cpu now;
	int ret;

	if (e->gone)
		return -ENOENT;
	if (o.fd_stat < 0) {
		ret = files_open(c, e, &o);
		if (ret == -ENOENT)
			e->gone = true;
		if (ret)
			return ret;
	}
	ret = cgroup_cpu_read_fds(o.dir, o.fd_stat, o.fd_psi, e->kids, &now);
	if (e->fd_stat < 0 && !ret && c->nr_open < CGROUP_CPU_MAX_OPEN) {
		e->fd_stat = o.fd_stat;
		e->fd_psi = o.fd_psi;
		e->dir = o.dir;
		c->nr_open++;
	} else if (e->fd_stat < 0) {
		opened_close(&o);
	}
	if (ret == -ENODEV || ret == -ENOENT) {
		/* removed since: what it read last is all it will have */
		e->gone = true;
		entry_close(c, e);
		return -ENOENT;
	}
	if (ret)
		return ret;
	e->last = now;
	e->read = true;
	return 0;
}

void cgroup_cpu_cache__forget(struct cgroup_cpu_cache *c, __u64 id)
{
	struct cgroup_cpu_entry *e = entry_find(c, id);
	size_t hole, i;

	if (!e)
		return;
	entry_free(c, e);
	hole = (size_t)(e - c->slots);
	c->slots[hole] = (struct cgroup_cpu_entry){ 0 };
	c->nr--;
	/* backward shift: close the hole for entries that probed past it */
	for (i = (hole + 1) & (c->cap - 1); c->slots[i].id; i = (i + 1) & (c->cap - 1)) {
		size_t home = slot_of(c->slots[i].id, c->cap);

		/* movable unless its home lies cyclically in (hole, i] */
		if (hole <= i ? (home > hole && home <= i) : (home > hole || home <= i))
			continue;
		c->slots[hole] = c->slots[i];
		c->slots[i] = (struct cgroup_cpu_entry){ 0 };
		hole = i;
	}
}

/* nftw has no user pointer: the walk runs on one thread at a time */
static struct {
	struct cgroup_cpu_cache *c;
	size_t max, n;
	__u64 parent[WALK_DEPTH_MAX];	/* the cgroup at each level of the walk's path */
	int err;
} walk;

static int walk_visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct cgroup_cpu_entry *e, *p;
	struct cgroup_cpu now;

	if (type != FTW_D || walk.n >= walk.max)
		return 0;
	if (cgroup_cpu_read_dir(path, false, &now))
		return 0;	/* removed meanwhile, or not a cgroup */
	e = cgroup_cpu_cache__get(walk.c, st->st_ino);
	if (!e) {
		walk.err = -ENOMEM;
		return 1;
	}
	/* self at the baseline: its usage less its children's, taken off as they come */
	e->base = now;
	e->base.self_ns = now.usage_ns;
	e->based = true;
	walk.n++;
	if (ftw->level < WALK_DEPTH_MAX)
		walk.parent[ftw->level] = e->id;
	if (ftw->level > 0 && ftw->level <= WALK_DEPTH_MAX) {
		p = cgroup_cpu_cache__find(walk.c, walk.parent[ftw->level - 1]);
		if (p)
			p->base.self_ns = p->base.self_ns > now.usage_ns ?
					  p->base.self_ns - now.usage_ns : 0;
	}
	return 0;
}

int cgroup_cpu_cache__baseline(struct cgroup_cpu_cache *c, const char *root, size_t max)
{
	int ret;

	walk.c = c;
	walk.max = max;
	walk.n = 0;
	walk.err = 0;
	ret = nftw(root, walk_visit, WALK_FD_LIMIT, FTW_PHYS | FTW_MOUNT);
	walk.c = NULL;
	if (walk.err)
		return walk.err;
	return ret < 0 ? -errno : (int)walk.n;
}
