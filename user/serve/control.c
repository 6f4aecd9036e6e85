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

static void serve_dump(struct control_server *s, int c)
{
	char reply[CONTROL_REPLY_LEN];

	if (!s->dump_fn)
		snprintf(reply, sizeof(reply), "ERR this vflowd takes no dumps\n");
	else
		s->dump_fn(s->dump_ctx, reply, sizeof(reply));
	control_write_all(c, reply, strnlen(reply, sizeof(reply)));
}

static void serve_one(struct control_server *s, int c)
{
	struct control_hdr h = { .magic = CONTROL_MAGIC, .version = CONTROL_VERSION };
	const struct engine_probe *probes;
	char req[32];
	struct snapshot *snap;
	size_t n;

	if (control_read_line(c, req, sizeof(req)))
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
	h.time_period = snap->time_period;
	memcpy(h.counters, snap->counters, sizeof(h.counters));
	h.nr_rows = snap->nr_rows;
	h.nr_probes = n;
	snprintf(h.syscall_via, sizeof(h.syscall_via), "%s", engine__syscall_via(s->e));
	if (!control_write_all(c, &h, sizeof(h))) {
		for (size_t i = 0; i < n; i++) {
			struct control_probe p = { .live = probes[i].live };

			snprintf(p.name, sizeof(p.name), "%s", probes[i].name);
			snprintf(p.via, sizeof(p.via), "%s", probes[i].via);
			snprintf(p.why, sizeof(p.why), "%s", probes[i].why);
			if (control_write_all(c, &p, sizeof(p)))
				break;
		}
		control_write_all(c, snap->rows, snap->nr_rows * sizeof(*snap->rows));
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

