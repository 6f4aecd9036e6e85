/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The flight recorder: the last N trap events, no older than T seconds
 * before the newest, kept in a fixed ring so its memory never grows. A dump
 * copies them out in time order.
 */
#ifndef VFLOW_RECORDER_H
#define VFLOW_RECORDER_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "vflow.h"

#define RECORDER_DEFAULT_EVENTS 32768
#define RECORDER_DEFAULT_SECONDS 300

struct recorder {
	struct vflow_event *ev;	/* ring of cap events; oldest at tail */
	size_t cap, tail, nr;
	__u64 window_ns;	/* 0: no time bound */
	__u64 received;		/* events added since start */
	__u64 evicted;		/* pushed out by the count or the time bound */
};

/* 0 or -ENOMEM; cap 0 is a recorder that keeps nothing (and counts). */
int recorder__init(struct recorder *r, size_t cap, __u64 window_ns);
void recorder__free(struct recorder *r);
void recorder__add(struct recorder *r, const struct vflow_event *ev);
/*
 * The events kept, sorted by ts_ns (then tid, code), in a new array (*out, free()
 * it; NULL when none). Count, or -ENOMEM.
 */
long recorder__copy(const struct recorder *r, struct vflow_event **out);


#endif
