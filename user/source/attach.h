/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The control socket's client (source/control_proto.h): a running
 * vflowd's snapshots, for vflowtop --attach, and dumps asked of it, for
 * vflowd --dump-request.
 */
#ifndef VFLOW_ATTACH_H
#define VFLOW_ATTACH_H

#include <stddef.h>
#include "source/control_proto.h"

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

/* Ask the vflowd at @path for a dump: 0 and its path in @reply, or -errno and a one-line @err. */
int control_request_dump(const char *path, char *reply, size_t reply_len, char *err, size_t err_len);

#endif
