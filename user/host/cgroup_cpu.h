/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the kernel already counts per cgroup, read instead of traced:
 * on-CPU time (cgroup v2 cpu.stat usage_usec, in every cgroup of the
 * unified hierarchy, with or without the cpu controller) and run-queue
 * pressure (cpu.pressure, the "some" line's total: time during which at
 * least one of the cgroup's tasks was runnable but waiting; only where
 * the kernel runs with PSI).
 *
 * usage_usec counts the cgroup's subtree. A cgroup's own tasks' time (its
 * "self" time, what vflow shows per entity) is that minus its child
 * cgroups' usage; a child removed since keeps counting as it was last
 * read. Pressure is the subtree's and cannot be split.
 *
 * The parsers take text; the readers take a root directory (the cgroup2
 * mount, or a fixture tree in the tests); the cache (cgroup_cpu_cache.c)
 * keeps each cgroup's files open and re-reads them with pread(), which
 * regenerates a cgroup file's text: a few microseconds per cgroup instead
 * of an open, a read and a close of each file.
 */
#ifndef VFLOW_CGROUP_CPU_H
#define VFLOW_CGROUP_CPU_H

#include <dirent.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#define CGROUP_CPU_STAT "cpu.stat"
#define CGROUP_CPU_PRESSURE "cpu.pressure"

struct cgroup_cpu {
	__u64 usage_ns;		/* cpu.stat usage_usec, in ns: the subtree's */
	__u64 self_ns;		/* usage_ns less the child cgroups': the cgroup's own tasks' */
	__u64 psi_some_ns;	/* cpu.pressure "some ... total=", in ns; 0 without PSI */
	bool has_psi;
};

/* usage_usec of a cpu.stat text, in ns: 0, or -EINVAL (no such line). */
int cgroup_cpu_parse_stat(const char *text, __u64 *usage_ns);
/* The "some" line's total= of a cpu.pressure text, in ns: 0, or -EINVAL. */
int cgroup_cpu_parse_pressure(const char *text, __u64 *some_ns);

/* A child cgroup as last read: its id (inode) and subtree usage. */
struct cgroup_cpu_kid {
	__u64 id;
	__u64 usage_ns;
};

/* What reading a cgroup keeps of its children between reads. */
struct cgroup_cpu_kids {
	struct cgroup_cpu_kid *v;	/* sorted by id */
	size_t n;
	__u64 gone_ns;			/* last usage of children removed since: still not self */
};

/*
 * Read the cgroup whose directory is @dir (with its open cpu.stat
 * @fd_stat and cpu.pressure @fd_psi, -1: none) into @out; @kids (may be
 * NULL: no children assumed) is updated with its children. 0, or -errno
 * (-ENODEV: the cgroup was removed).
 */
int cgroup_cpu_read_fds(DIR *dir, int fd_stat, int fd_psi, struct cgroup_cpu_kids *kids,
			struct cgroup_cpu *out);
/*
 * The cgroup @path (relative, "/" for the root) under @root, once. 0;
 * -ENOENT when there is no such cgroup (or no cpu.stat); an absent or
 * unreadable cpu.pressure only leaves has_psi false.
 */
int cgroup_cpu_read(const char *root, const char *path, struct cgroup_cpu *out);
/* The cgroup directory @dirpath, its children's time taken off only if @children. */
int cgroup_cpu_read_dir(const char *dirpath, bool children, struct cgroup_cpu *out);
/* Does the directory @dir hold a child cgroup? (rewinds it) */
bool cgroup_cpu_has_children(DIR *dir);
void cgroup_cpu_kids_free(struct cgroup_cpu_kids *kids);

/* A cgroup the cache follows. */
struct cgroup_cpu_entry {
	__u64 id;		/* cgroup v2 id; 0: an empty slot */
	int fd_stat, fd_psi;	/* open files, -1: none */
	DIR *dir;		/* kept open for a cgroup with children, to list them */
	struct cgroup_cpu_kids *kids;	/* NULL: it had no child cgroups when first read */
	bool gone;		/* its files read as removed: last stays as it was */
	bool read;		/* last holds a read */
	bool based;		/* base was read at the baseline (cgroup_cpu_cache__baseline) */
	struct cgroup_cpu last;	/* the latest read */
	/* the caller's */
	struct cgroup_cpu base;	/* what counts as zero */
	__u64 activity;		/* its activity count at the latest read */
	__u64 pending;		/* its activity count now, being summed */
	__u32 gen;		/* the pass that last summed it */
};

struct cgroup_cpu_cache {
	int root_fd;		/* the cgroup2 mount */
	struct cgroup_cpu_entry *slots;	/* open addressing by id, at most half full */
	size_t nr, cap;
	size_t nr_open;		/* entries whose files stay open */
};

/* Follow the cgroups under @root (the cgroup2 mount). 0 or -errno. */
int cgroup_cpu_cache__init(struct cgroup_cpu_cache *c, const char *root);
/*
 * Every cgroup under @root now (at most @max of them): an entry each,
 * its base set to what it counts now (self time: less its children's).
 * Cgroups counted from this moment, not from when they are first read.
 * The number of cgroups read, or -errno.
 */
int cgroup_cpu_cache__baseline(struct cgroup_cpu_cache *c, const char *root, size_t max);
void cgroup_cpu_cache__free(struct cgroup_cpu_cache *c);
/* The entry of cgroup @id, created (not read) if absent; NULL on ENOMEM. */
struct cgroup_cpu_entry *cgroup_cpu_cache__get(struct cgroup_cpu_cache *c, __u64 id);
/* The entry of cgroup @id, or NULL. */
struct cgroup_cpu_entry *cgroup_cpu_cache__find(struct cgroup_cpu_cache *c, __u64 id);
/*
 * Read @e's files now into e->last (opened through the cgroup's file
 * handle: open_by_handle_at(2), CAP_DAC_READ_SEARCH; kept open for the
 * next read while fewer than a few thousand cgroups hold theirs). Whether
 * it has child cgroups is looked at the first time. 0; -ENOENT when the
 * cgroup is gone (e->gone set, e->last kept); -errno when it cannot be
 * opened (-EPERM: no CAP_DAC_READ_SEARCH).
 */
int cgroup_cpu_cache__read(struct cgroup_cpu_cache *c, struct cgroup_cpu_entry *e);
/* Close @id's files and forget it (a removed cgroup vflow no longer shows). */
void cgroup_cpu_cache__forget(struct cgroup_cpu_cache *c, __u64 id);

#endif
