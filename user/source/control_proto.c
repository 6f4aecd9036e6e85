// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "source/control_proto.h"

int control_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&pfd, 1, CONTROL_IO_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

int control_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, CONTROL_IO_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPROTO;
		p += n;
		len -= n;
	}
	return 0;
}

int control_read_line(int fd, char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		int ret = control_read_all(fd, buf + i, 1);

		if (ret)
			return ret;
		if (buf[i] == '\n') {
			buf[i + 1] = '\0';
			return 0;
		}
	}
	return -EPROTO;
}

int control_connect(const char *path, char *err, size_t err_len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(err, err_len, "control socket path '%s' is too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		snprintf(err, err_len, "cannot reach vflowd at %s: %s: start it with --control", path,
			 strerror(-ret));
		return ret;
	}
	return fd;
}
