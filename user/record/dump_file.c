// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A whole dump into a directory, atomically (docs/DUMP.md): written to a
 * temporary file and made durable, then given its final name without ever
 * replacing a file, then the name made durable. A reader never sees a
 * half-written dump under a final name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "record/dump_internal.h"

/* The final name before its "-N.vfd": the prefix, then "-YYYYMMDDTHHMMSSZ". */
#define NAME_BASE_BYTES		(NAME_MAX - 16)
/* What the name keeps free of the prefix for the time stamp. */
#define NAME_STAMP_BYTES	32
/* How many "-N" suffixes to try when the name is taken. */
#define NAME_TRIES		1000

static const char *errno_hint(int e)
{
	switch (e) {
	case ENOSPC:
	case EDQUOT:
		return "free space or choose another --dump-dir";
	case EFBIG:
		return "a block would exceed 64 MiB: shorten the model text";
	case EACCES:
	case EPERM:
		return "give vflowd write access to it or choose another --dump-dir";
	case ENOENT:
	case ENOTDIR:
		return "create the directory or choose another --dump-dir";
	case EROFS:
		return "mount it read-write or choose another --dump-dir";
	case ENOMEM:
		return "free memory and retry";
	default:
		return "check the file system or choose another --dump-dir";
	}
}

static int write_all(FILE *f, const struct dump_info *info, const struct dump_entity *ents,
		     size_t nr_ents, const struct vflow_event *ev, size_t nr_ev,
		     const struct dump_rows *rows)
{
	struct dump_writer *w;
	int err;

	err = dump_writer__open(&w, f, info);
	if (err)
		return err;
	err = dump_writer__entities(w, ents, nr_ents);
	if (!err)
		err = dump_writer__events(w, ev, nr_ev);
	if (!err)
		err = dump_writer__rows(w, rows);
	if (err) {
		dump_writer__abort(w);
		return err;
	}
	return dump_writer__close(w);
}

/*
 * Give the finished temporary file its final name without ever replacing a
 * file: RENAME_NOREPLACE, or link() where the file system lacks it.
 * -1, -2, ... suffixes when the name is taken. 0 or -errno.
 */
static int publish(const char *tmp, int dfd, const char *base, char *name, size_t name_len)
{
	bool use_link = false;
	unsigned int n;

	for (n = 0; n < NAME_TRIES; n++) {
		int rc;

		if (n)
			snprintf(name, name_len, "%s-%u%s", base, n, DUMP_FILE_SUFFIX);
		else
			snprintf(name, name_len, "%s%s", base, DUMP_FILE_SUFFIX);
		if (!use_link) {
			rc = renameat2(AT_FDCWD, tmp, dfd, name, RENAME_NOREPLACE);
			if (!rc)
				return 0;
			if (errno == EINVAL || errno == ENOSYS) {
				use_link = true;
				n--;
				continue;
			}
		} else {
			rc = linkat(AT_FDCWD, tmp, dfd, name, 0);
			if (!rc) {
				unlink(tmp);
				return 0;
			}
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

/* "cannot write a dump in DIR: why: what to do" */
static int write_failed(char *err, size_t err_len, const char *dir, int rc)
{
	dump_set_err(err, err_len, "cannot write a dump in %s: %s: %s", dir, strerror(-rc),
		     errno_hint(-rc));
	return rc;
}

/* The temporary file in @dir, its path in @tmp: an open fd, or -errno with @err said. */
static int create_tmp(const char *dir, char *tmp, size_t tmp_len, char *err, size_t err_len)
{
	int fd;

	if (snprintf(tmp, tmp_len, "%s/" DUMP_TMP_PREFIX "%d-XXXXXX" DUMP_TMP_SUFFIX, dir,
		     (int)getpid()) >= (int)tmp_len) {
		dump_set_err(err, err_len,
			     "cannot write a dump in %s: path too long: choose another --dump-dir", dir);
		return -ENAMETOOLONG;
	}
	fd = mkostemps(tmp, strlen(DUMP_TMP_SUFFIX), O_CLOEXEC);
	return fd < 0 ? write_failed(err, err_len, dir, -errno) : fd;
}

/* The whole dump into @fd, on the disk when it returns 0; closes @fd. 0 or -errno. */
static int write_tmp(int fd, const struct dump_info *info, const struct dump_entity *ents,
		     size_t nr_ents, const struct vflow_event *ev, size_t nr_ev,
		     const struct dump_rows *rows)
{
	struct dump_info hdr;
	FILE *f;
	int rc;

	f = fdopen(fd, "w");
	if (!f) {
		rc = -errno;
		close(fd);
		return rc;
	}
	hdr = *info;
	if (!hdr.first_ns && !hdr.last_ns)
		dump_events_range(ev, nr_ev, &hdr.first_ns, &hdr.last_ns);
	rc = write_all(f, &hdr, ents, nr_ents, ev, nr_ev, rows);
	if (!rc && fsync(fileno(f)))
		rc = -errno;
	errno = 0;
	if (fclose(f) && !rc)
		rc = errno ? -errno : -EIO;
	return rc;
}

/*
 * Give the written @tmp its final name in @dfd, "<prefix>-<UTC time>", and
 * make the name durable. 0 and the name in @name, or -errno with @err said
 * and neither @tmp nor the name left.
 */
static int name_dump(const char *tmp, int dfd, const char *dir, const char *prefix, char *name,
		     size_t name_len, char *err, size_t err_len)
{
	char base[NAME_BASE_BYTES];
	time_t now = time(NULL);
	struct tm tm;
	int rc;

	gmtime_r(&now, &tm);
	snprintf(base, sizeof(base), "%s-%04d%02d%02dT%02d%02d%02dZ", prefix, tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	rc = publish(tmp, dfd, base, name, name_len);
	if (rc) {
		unlink(tmp);
		dump_set_err(err, err_len, "cannot name the dump %s/%s: %s: %s", dir, name,
			     strerror(-rc), errno_hint(-rc));
		return rc;
	}
	/* the new name is only durable once the directory is */
	if (fsync(dfd)) {
		rc = -errno;
		/* the name exists but may not survive a crash: undo it */
		unlinkat(dfd, name, 0);
		dump_set_err(err, err_len, "cannot write a dump in %s: fsync of the directory: %s: %s",
			     dir, strerror(-rc), errno_hint(-rc));
		return rc;
	}
	return 0;
}

int dump_write_file(const char *dir, const char *prefix, const struct dump_info *info,
		    const struct dump_entity *ents, size_t nr_ents,
		    const struct vflow_event *ev, size_t nr_ev, const struct dump_rows *rows,
		    char *path_out, size_t path_len, char *err, size_t err_len)
{
	char tmp[PATH_MAX], name[NAME_MAX + 1];
	int fd, dfd, rc;

	if (!prefix || !*prefix)
		prefix = "vflow";
	if (strchr(prefix, '/') || strlen(prefix) > NAME_BASE_BYTES - NAME_STAMP_BYTES) {
		dump_set_err(err, err_len, "bad dump name prefix \"%s\": give a plain file name",
			     prefix);
		return -EINVAL;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return write_failed(err, err_len, dir, -errno);
	fd = create_tmp(dir, tmp, sizeof(tmp), err, err_len);
	if (fd < 0) {
		close(dfd);
		return fd;
	}
	rc = write_tmp(fd, info, ents, nr_ents, ev, nr_ev, rows);
	if (rc) {
		unlink(tmp);
		write_failed(err, err_len, dir, rc);
	} else {
		rc = name_dump(tmp, dfd, dir, prefix, name, sizeof(name), err, err_len);
	}
	close(dfd);
	if (!rc && path_out && path_len)
		snprintf(path_out, path_len, "%s/%s", dir, name);
	return rc;
}
