// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "host/cgroup_cpu.h"

#define NS_PER_US 1000ULL
/* cpu.stat is ~10 lines (more with the cpu controller), cpu.pressure 2 */
#define CGROUP_FILE_MAX 1024

/* The value of "KEY VALUE" at the start of a line of @text. */
static int line_value(const char *text, const char *key, __u64 *out)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		unsigned long long v;
		char *end;

		if (strncmp(p, key, n) || p[n] != ' ')
			continue;
		errno = 0;
		v = strtoull(p + n + 1, &end, 10);
		if (errno || end == p + n + 1 || (*end && *end != '\n'))
			return -EINVAL;
		*out = v;
		return 0;
	}
	return -EINVAL;
}

int cgroup_cpu_parse_stat(const char *text, __u64 *usage_ns)
{
	__u64 us;

	if (line_value(text, "usage_usec", &us) || us > UINT64_MAX / NS_PER_US)
		return -EINVAL;
	*usage_ns = us * NS_PER_US;
	return 0;
}

/* "some avg10=0.00 avg60=0.00 avg300=0.00 total=12345" (total in us) */
int cgroup_cpu_parse_pressure(const char *text, __u64 *some_ns)
{
	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *t, *eol = strchr(p, '\n');
		unsigned long long us;
		char *end;

		if (strncmp(p, "some ", 5))
			continue;
		t = strstr(p, " total=");
		if (!t || (eol && t > eol))
			return -EINVAL;
		errno = 0;
		us = strtoull(t + 7, &end, 10);
		if (errno || end == t + 7 || (*end && *end != '\n') || us > UINT64_MAX / NS_PER_US)
			return -EINVAL;
		*some_ns = us * NS_PER_US;
		return 0;
	}
	return -EINVAL;
}

/* Read a whole small file from @fd at offset 0 into @buf (NUL-terminated). */
static int read_text(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* usage_usec of @dir's child @name, in ns; 0 when it cannot be read (removed meanwhile). */
static __u64 child_usage(int dir, const char *name)
{
	char file[NAME_MAX + sizeof("/" CGROUP_CPU_STAT)], buf[CGROUP_FILE_MAX];
	__u64 usage = 0;
	int fd;

	snprintf(file, sizeof(file), "%s/" CGROUP_CPU_STAT, name);
	fd = openat(dir, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (read_text(fd, buf, sizeof(buf)) || cgroup_cpu_parse_stat(buf, &usage))
		usage = 0;
	close(fd);
	return usage;
}

static int kid_cmp(const void *a, const void *b)
{
	const struct cgroup_cpu_kid *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

bool cgroup_cpu_has_children(DIR *dir)
{
	struct dirent *d;
	bool any = false;

	rewinddir(dir);
	while (!any && (d = readdir(dir)))
		any = d->d_type == DT_DIR && strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
	rewinddir(dir);
	return any;
}

/*
 * The children of @dir now into @k (the removed ones' last usage into
 * k->gone_ns); their usage summed into @sum. 0 or -ENOMEM.
 */
static int kids_read(DIR *dir, struct cgroup_cpu_kids *k, __u64 *sum)
{
	struct cgroup_cpu_kid *v = NULL;
	size_t n = 0, cap = 0, j = 0;
	struct dirent *d;

	*sum = 0;
	rewinddir(dir);
	while ((d = readdir(dir))) {
		if (d->d_type != DT_DIR || !strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
			continue;
		if (n == cap) {
			struct cgroup_cpu_kid *p = realloc(v, (cap = cap ? 2 * cap : 8) * sizeof(*v));

			if (!p) {
				free(v);
				return -ENOMEM;
			}
			v = p;
		}
		v[n].id = d->d_ino;
		v[n].usage_ns = child_usage(dirfd(dir), d->d_name);
		*sum += v[n++].usage_ns;
	}
	if (n)
		qsort(v, n, sizeof(*v), kid_cmp);
	/* the old ones not there any more: their last usage stays out of self */
	for (size_t i = 0; i < k->n; i++) {
		while (j < n && v[j].id < k->v[i].id)
			j++;
		if (j == n || v[j].id != k->v[i].id)
			k->gone_ns += k->v[i].usage_ns;
	}
	free(k->v);
	k->v = v;
	k->n = n;
	return 0;
}

void cgroup_cpu_kids_free(struct cgroup_cpu_kids *kids)
{
	if (kids)
		free(kids->v);
	free(kids);
}

int cgroup_cpu_read_fds(DIR *dir, int fd_stat, int fd_psi, struct cgroup_cpu_kids *kids,
			struct cgroup_cpu *out)
{
	char buf[CGROUP_FILE_MAX];
	__u64 kids_ns = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	/* children first: their usage is then at most what the parent's includes */
	if (kids && dir && kids_read(dir, kids, &kids_ns))
		return -ENOMEM;
	ret = read_text(fd_stat, buf, sizeof(buf));
	if (ret)
		return ret;
	if (cgroup_cpu_parse_stat(buf, &out->usage_ns))
		return -EINVAL;
	if (kids)
		kids_ns += kids->gone_ns;
	out->self_ns = out->usage_ns > kids_ns ? out->usage_ns - kids_ns : 0;
	out->has_psi = fd_psi >= 0 && !read_text(fd_psi, buf, sizeof(buf)) &&
		       !cgroup_cpu_parse_pressure(buf, &out->psi_some_ns);
	return 0;
}

int cgroup_cpu_read_dir(const char *dirpath, bool children, struct cgroup_cpu *out)
{
	struct cgroup_cpu_kids kids = {};
	int fd_stat, fd_psi, ret;
	DIR *dir;

	dir = opendir(dirpath);
	if (!dir)
		return errno == ENOTDIR ? -ENOENT : -errno;
	fd_stat = openat(dirfd(dir), CGROUP_CPU_STAT, O_RDONLY | O_CLOEXEC);
	if (fd_stat < 0) {
		ret = errno == ENOENT || errno == ENODEV ? -ENOENT : -errno;
		closedir(dir);
		return ret;
	}
	fd_psi = openat(dirfd(dir), CGROUP_CPU_PRESSURE, O_RDONLY | O_CLOEXEC);
	ret = cgroup_cpu_read_fds(dir, fd_stat, fd_psi, children ? &kids : NULL, out);
	free(kids.v);
	close(fd_stat);
	if (fd_psi >= 0)
		close(fd_psi);
	closedir(dir);
	return ret;
}

int cgroup_cpu_read(const char *root, const char *path, struct cgroup_cpu *out)
{
	char dirpath[PATH_MAX];

	snprintf(dirpath, sizeof(dirpath), "%s/%s", root, path);
	return cgroup_cpu_read_dir(dirpath, true, out);
}
