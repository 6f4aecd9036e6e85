// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "serve/control.h"

#define CONTROL_BACKLOG 8
#define CONTROL_IO_TIMEOUT_MS 2000	/* a client that stalls is dropped */
#define CONTROL_DIR_MODE 0700
#define CONTROL_SOCK_MODE 0600

struct control_server {
	int fd, stop_pipe[2];
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct engine *e;
	control_snapshot_fn fn;
	void *ctx;
	control_dump_fn dump_fn;
	void *dump_ctx;
};

static int fail(char *err, size_t len, int ret, const char *fmt, const char *a, const char *b)
{
	snprintf(err, len, fmt, a, b);
	return ret;
}

/* write all of buf, or -errno */
static int write_all(int fd, const void *buf, size_t len)
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

static int read_all(int fd, void *buf, size_t len)
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

/* One request line, newline included; -EPROTO when longer than @len - 1. */
static int read_line(int fd, char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		int ret = read_all(fd, buf + i, 1);

		if (ret)
			return ret;
		if (buf[i] == '\n') {
			buf[i + 1] = '\0';
			return 0;
		}
	}
	return -EPROTO;
}

static void serve_dump(struct control_server *s, int c)
{
	char reply[CONTROL_REPLY_LEN];

	if (!s->dump_fn)
		snprintf(reply, sizeof(reply), "ERR this vflowd takes no dumps\n");
	else
		s->dump_fn(s->dump_ctx, reply, sizeof(reply));
	write_all(c, reply, strnlen(reply, sizeof(reply)));
}

static void serve_one(struct control_server *s, int c)
{
	struct control_hdr h = { .magic = CONTROL_MAGIC, .version = CONTROL_VERSION };
	const struct engine_probe *probes;
	char req[32];
	struct snapshot *snap;
	size_t n;

	if (read_line(c, req, sizeof(req)))
		return;
	if (!strcmp(req, CONTROL_REQUEST_DUMP)) {
		serve_dump(s, c);
		return;
	}
	if (strcmp(req, CONTROL_REQUEST))
		return;
	snap = s->fn(s->ctx);
	if (!snap)
		return;
	n = engine__probes(s->e, &probes);
	h.ts_ns = snap->ts_ns;
	h.events = snap->events;
	memcpy(h.counters, snap->counters, sizeof(h.counters));
	h.nr_rows = snap->nr_rows;
	h.nr_probes = n;
	snprintf(h.syscall_via, sizeof(h.syscall_via), "%s", engine__syscall_via(s->e));
	if (!write_all(c, &h, sizeof(h))) {
		for (size_t i = 0; i < n; i++) {
			struct control_probe p = { .live = probes[i].live };

			snprintf(p.name, sizeof(p.name), "%s", probes[i].name);
			snprintf(p.via, sizeof(p.via), "%s", probes[i].via);
			snprintf(p.why, sizeof(p.why), "%s", probes[i].why);
			if (write_all(c, &p, sizeof(p)))
				break;
		}
		write_all(c, snap->rows, snap->nr_rows * sizeof(*snap->rows));
	}
	snapshot__free(snap);
}

static void *serve(void *arg)
{
	struct control_server *s = arg;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = s->fd, .events = POLLIN }, { .fd = s->stop_pipe[0], .events = POLLIN },
		};
		int c;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		c = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		serve_one(s, c);
		close(c);
	}
	return NULL;
}

/* Is something answering on @path? (then it is not ours to replace) */
static bool socket_live(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	live = !connect(fd, (const struct sockaddr *)a, sizeof(*a));
	close(fd);
	return live;
}

int control_server__start(struct control_server **out, const char *path, struct engine *e,
			  control_snapshot_fn fn, void *ctx, char *err, size_t err_len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct control_server *s;
	char dir[sizeof(a.sun_path)], *slash;
	mode_t old;
	int ret;

	*out = NULL;
	if (strlen(path) >= sizeof(a.sun_path))
		return fail(err, err_len, -ENAMETOOLONG, "control socket path '%s' is too long%s", path, "");
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, CONTROL_DIR_MODE) && errno != EEXIST)
			return fail(err, err_len, -errno, "cannot create %s: %s: choose another --control path",
				    dir, strerror(errno));
	}
	if (socket_live(&a))
		return fail(err, err_len, -EADDRINUSE, "another vflowd answers on %s%s: stop it or choose "
			    "another --control path", path, "");
	unlink(path);	/* a stale socket from a vflowd that was killed */
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->e = e;
	s->fn = fn;
	s->ctx = ctx;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	/* owner-only from the start: no window in which others could connect */
	old = umask(0777 & ~CONTROL_SOCK_MODE);
	ret = s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) ||
	      listen(s->fd, CONTROL_BACKLOG) || pipe2(s->stop_pipe, O_CLOEXEC) ? -errno : 0;
	umask(old);
	if (!ret)
		ret = -pthread_create(&s->thread, NULL, serve, s);
	if (ret) {
		if (s->fd >= 0)
			close(s->fd);
		unlink(path);
		free(s);
		return fail(err, err_len, ret, "cannot listen on %s: %s", path, strerror(-ret));
	}
	*out = s;
	return 0;
}

void control_server__set_dump(struct control_server *s, control_dump_fn fn, void *ctx)
{
	s->dump_fn = fn;
	s->dump_ctx = ctx;
}

/* A connection to the vflowd at @path: the fd, or -errno and a one-line @err. */
static int control_connect(const char *path, char *err, size_t err_len)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(a.sun_path))
		return fail(err, err_len, -ENAMETOOLONG, "control socket path '%s' is too long%s", path, "");
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return fail(err, err_len, ret, "cannot reach vflowd at %s: %s: start it with --control",
			    path, strerror(-ret));
	}
	return fd;
}

int control_request_dump(const char *path, char *reply, size_t reply_len, char *err, size_t err_len)
{
	char line[CONTROL_REPLY_LEN];
	size_t n = 0;
	int fd, ret;

	fd = control_connect(path, err, err_len);
	if (fd < 0)
		return fd;
	ret = write_all(fd, CONTROL_REQUEST_DUMP, sizeof(CONTROL_REQUEST_DUMP) - 1);
	/* the dump is written before the answer: allow it time */
	while (!ret && n + 1 < sizeof(line)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t got;

		if (poll(&pfd, 1, CONTROL_DUMP_TIMEOUT_MS) <= 0) {
			ret = -ETIMEDOUT;
			break;
		}
		got = recv(fd, line + n, sizeof(line) - 1 - n, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += got;
	}
	close(fd);
	line[n] = '\0';
	if (ret || !n)
		return fail(err, err_len, ret ?: -EPROTO, "no answer from vflowd at %s: %s", path,
			    strerror(ret ? -ret : EPROTO));
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "OK ", 3))
		return fail(err, err_len, -EIO, "vflowd at %s: %s", path,
			    strncmp(line, "ERR ", 4) ? line : line + 4);
	snprintf(reply, reply_len, "%s", line + 3);
	return 0;
}

void control_server__stop(struct control_server *s)
{
	if (!s)
		return;
	if (write(s->stop_pipe[1], "x", 1) == 1)
		pthread_join(s->thread, NULL);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	close(s->fd);
	unlink(s->path);
	free(s);
}

int control_fetch(const char *path, struct control_reply *out, char *err, size_t err_len)
{
	struct control_hdr h = {};
	int fd, ret;

	memset(out, 0, sizeof(*out));
	fd = control_connect(path, err, err_len);
	if (fd < 0)
		return fd;
	ret = write_all(fd, CONTROL_REQUEST, sizeof(CONTROL_REQUEST) - 1);
	if (!ret)
		ret = read_all(fd, &h, sizeof(h));
	if (!ret && (h.magic != CONTROL_MAGIC || h.version != CONTROL_VERSION ||
		     h.nr_rows > CONTROL_MAX_ROWS || h.nr_probes > ENGINE_MAX_PROBES))
		ret = -EPROTO;
	for (__u32 i = 0; !ret && i < h.nr_probes; i++) {
		struct control_probe p;

		ret = read_all(fd, &p, sizeof(p));
		if (ret)
			break;
		snprintf(out->probes[i].name, sizeof(out->probes[i].name), "%.*s",
			 (int)sizeof(p.name) - 1, p.name);
		snprintf(out->via[i], sizeof(out->via[i]), "%.*s", (int)sizeof(p.via) - 1, p.via);
		snprintf(out->why[i], sizeof(out->why[i]), "%.*s", (int)sizeof(p.why) - 1, p.why);
		out->probes[i].via = out->via[i];
		out->probes[i].why = out->why[i];
		out->probes[i].live = p.live;
		out->nr_probes++;
	}
	if (!ret) {
		out->snap = snapshot__new(h.nr_rows);
		ret = out->snap ? read_all(fd, out->snap->rows, h.nr_rows * sizeof(struct trap_row)) : -ENOMEM;
	}
	close(fd);
	if (ret) {
		snapshot__free(out->snap);
		out->snap = NULL;
		return fail(err, err_len, ret, "bad answer from vflowd at %s: %s", path, strerror(-ret));
	}
	out->snap->nr_rows = h.nr_rows;
	/* the server sends them sorted; sorting again costs little and trusts less */
	snapshot__sort(out->snap);
	snapshot__merge(out->snap);
	out->snap->ts_ns = h.ts_ns;
	out->snap->events = h.events;
	memcpy(out->snap->counters, h.counters, sizeof(h.counters));
	snprintf(out->syscall_via, sizeof(out->syscall_via), "%.*s", CONTROL_VIA_LEN - 1, h.syscall_via);
	return 0;
}
