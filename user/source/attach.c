// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "source/attach.h"

int control_request_dump(const char *path, char *reply, size_t reply_len, char *err, size_t err_len)
{
	char line[CONTROL_REPLY_LEN];
	size_t n = 0;
	int fd, ret;

	fd = control_connect(path, err, err_len);
	if (fd < 0)
		return fd;
	ret = control_write_all(fd, CONTROL_REQUEST_DUMP, sizeof(CONTROL_REQUEST_DUMP) - 1);
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
	if (ret || !n) {
		snprintf(err, err_len, "no answer from vflowd at %s: %s", path,
			 strerror(ret ? -ret : EPROTO));
		return ret ?: -EPROTO;
	}
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(line, "OK ", 3)) {
		snprintf(err, err_len, "vflowd at %s: %s", path,
			 strncmp(line, "ERR ", 4) ? line : line + 4);
		return -EIO;
	}
	snprintf(reply, reply_len, "%s", line + 3);
	return 0;
}

int control_fetch(const char *path, struct control_reply *out, char *err, size_t err_len)
{
	struct control_hdr h = {};
	int fd, ret;

	memset(out, 0, sizeof(*out));
	fd = control_connect(path, err, err_len);
	if (fd < 0)
		return fd;
	ret = control_write_all(fd, CONTROL_REQUEST, sizeof(CONTROL_REQUEST) - 1);
	if (!ret)
		ret = control_read_all(fd, &h, sizeof(h));
	if (!ret && (h.magic != CONTROL_MAGIC || h.version != CONTROL_VERSION ||
		     h.nr_rows > CONTROL_MAX_ROWS || h.nr_probes > ENGINE_MAX_PROBES))
		ret = -EPROTO;
	for (__u32 i = 0; !ret && i < h.nr_probes; i++) {
		struct control_probe p;

		ret = control_read_all(fd, &p, sizeof(p));
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
		ret = out->snap ? control_read_all(fd, out->snap->rows, h.nr_rows * sizeof(struct trap_row)) : -ENOMEM;
	}
	close(fd);
	if (ret) {
		snapshot__free(out->snap);
		out->snap = NULL;
		snprintf(err, err_len, "bad answer from vflowd at %s: %s", path, strerror(-ret));
		return ret;
	}
	out->snap->nr_rows = h.nr_rows;
	/* the server sends them sorted; sorting again costs little and trusts less */
	snapshot__sort(out->snap);
	snapshot__merge(out->snap);
	out->snap->ts_ns = h.ts_ns;
	out->snap->events = h.events;
	out->snap->time_period = h.time_period;
	memcpy(out->snap->counters, h.counters, sizeof(h.counters));
	snprintf(out->syscall_via, sizeof(out->syscall_via), "%.*s", CONTROL_VIA_LEN - 1, h.syscall_via);
	return 0;
}
