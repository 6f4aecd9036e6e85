/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The control socket's protocol, shared by its server (serve/control.c,
 * in vflowd) and its clients (source/attach.c: vflowtop --attach, vflowd
 * --dump-request).
 *
 * Version 2, one request line per connection: the client writes
 * "SNAPSHOT\n"; the server answers struct control_hdr, then nr_probes
 * struct control_probe, then nr_rows struct trap_row, and closes. Or it
 * writes "DUMP\n": the server writes a flight-recorder dump and answers one
 * line, "OK <path>\n" or "ERR <why>\n".
 */
#ifndef VFLOW_CONTROL_PROTO_H
#define VFLOW_CONTROL_PROTO_H

#include <linux/types.h>
#include <stddef.h>
#include "core/engine_status.h"
#include "core/snapshot.h"

#define CONTROL_MAGIC 0x776c6676U	/* "vflw" */
#define CONTROL_VERSION 2	/* 2: the header carries the syscall timing period */
#define CONTROL_REQUEST "SNAPSHOT\n"
#define CONTROL_REQUEST_DUMP "DUMP\n"
#define CONTROL_REPLY_LEN 1024
#define CONTROL_DUMP_TIMEOUT_MS 30000
#define CONTROL_IO_TIMEOUT_MS 2000	/* a peer that stalls is dropped */
#define CONTROL_DEFAULT_PATH "/run/vflow/vflowd.sock"
#define CONTROL_MAX_ROWS (1U << 22)	/* a sanity bound on what a client accepts */
#define CONTROL_VIA_LEN 16
#define CONTROL_WHY_LEN 96

struct control_hdr {
	__u32 magic;
	__u32 version;
	__u64 ts_ns;
	__u64 events;
	__u64 counters[VFLOW_CNT_MAX];
	__u32 nr_rows;
	__u32 nr_probes;
	char syscall_via[CONTROL_VIA_LEN];
	__u32 time_period;	/* syscalls timed 1 in time_period (1: every one) */
	__u32 pad;
};

struct control_probe {
	char name[ENGINE_PROBE_NAME_LEN];
	char via[CONTROL_VIA_LEN];
	char why[CONTROL_WHY_LEN];
	__u32 live;
	__u32 pad;
};

/* All of @buf to the socket @fd, each wait bounded by CONTROL_IO_TIMEOUT_MS; 0 or -errno. */
int control_write_all(int fd, const void *buf, size_t len);
/* Exactly @len bytes from @fd, likewise bounded; 0, or -errno (-EPROTO: closed early). */
int control_read_all(int fd, void *buf, size_t len);
/* One request line, newline included; -EPROTO when longer than @len - 1. */
int control_read_line(int fd, char *buf, size_t len);
/* A connection to the vflowd at @path: the fd, or -errno and a one-line @err. */
int control_connect(const char *path, char *err, size_t err_len);

#endif
