/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The control socket: vflowd hands its snapshots to other front-ends
 * (vflowtop --attach) over a Unix socket only its owner may open, so two
 * viewers do not load the BPF programs twice.
 *
 * Protocol (version 1), one request line per connection: the client writes
 * "SNAPSHOT\n"; the server answers struct control_hdr, then nr_probes
 * struct control_probe, then nr_rows struct trap_row, and closes. Or it
 * writes "DUMP\n": the server writes a flight-recorder dump and answers one
 * line, "OK <path>\n" or "ERR <why>\n".
 */
#ifndef VFLOW_CONTROL_H
#define VFLOW_CONTROL_H

#include <linux/types.h>
#include <stddef.h>
#include "engine/engine.h"
#include "core/snapshot.h"

#define CONTROL_MAGIC 0x776c6676U	/* "vflw" */
#define CONTROL_VERSION 1
#define CONTROL_REQUEST "SNAPSHOT\n"
#define CONTROL_REQUEST_DUMP "DUMP\n"
#define CONTROL_REPLY_LEN 1024
#define CONTROL_DUMP_TIMEOUT_MS 30000
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
};

struct control_probe {
	char name[ENGINE_PROBE_NAME_LEN];
	char via[CONTROL_VIA_LEN];
	char why[CONTROL_WHY_LEN];
	__u32 live;
	__u32 pad;
};

/* A snapshot for a client: called on the server's thread; must be thread-safe. */
typedef struct snapshot *(*control_snapshot_fn)(void *ctx);

struct control_server;

/*
 * Listen on @path (its directory is created owner-only, the socket is made
 * mode 0600; a stale socket is replaced, a live one is an error). 0 or
 * -errno with a one-line message in @err.
 */
int control_server__start(struct control_server **out, const char *path, struct engine *e,
			  control_snapshot_fn fn, void *ctx, char *err, size_t err_len);
void control_server__stop(struct control_server *s);

/* Write a dump now; put "OK <path>\n" or "ERR <why>\n" in @reply. Called on the server's thread. */
typedef void (*control_dump_fn)(void *ctx, char *reply, size_t len);
void control_server__set_dump(struct control_server *s, control_dump_fn fn, void *ctx);
/* Ask the vflowd at @path for a dump: 0 and its path in @reply, or -errno and a one-line @err. */
int control_request_dump(const char *path, char *reply, size_t reply_len, char *err, size_t err_len);	/* NULL-safe; removes the socket */

/* What a client got: the snapshot and the server's probes. */
struct control_reply {
	struct snapshot *snap;
	struct engine_probe probes[ENGINE_MAX_PROBES];
	size_t nr_probes;
	char syscall_via[CONTROL_VIA_LEN];
	char via[ENGINE_MAX_PROBES][CONTROL_VIA_LEN];	/* what probes[i].via and .why point at */
	char why[ENGINE_MAX_PROBES][CONTROL_WHY_LEN];
};

/* One snapshot from the vflowd at @path. 0 or -errno with a one-line message. */
int control_fetch(const char *path, struct control_reply *out, char *err, size_t err_len);

#endif
