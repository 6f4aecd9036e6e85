/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The control socket's server: vflowd hands its snapshots to other
 * front-ends (vflowtop --attach) over a Unix socket only its owner may
 * open, so two viewers do not load the BPF programs twice. The protocol
 * is source/control_proto.h; its client is source/attach.h.
 */
#ifndef VFLOW_CONTROL_H
#define VFLOW_CONTROL_H

#include <linux/types.h>
#include <stddef.h>
#include "engine/engine.h"
#include "source/control_proto.h"

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
void control_server__stop(struct control_server *s);	/* NULL-safe; removes the socket */

/* Write a dump now; put "OK <path>\n" or "ERR <why>\n" in @reply. Called on the server's thread. */
typedef void (*control_dump_fn)(void *ctx, char *reply, size_t len);
void control_server__set_dump(struct control_server *s, control_dump_fn fn, void *ctx);

#endif
