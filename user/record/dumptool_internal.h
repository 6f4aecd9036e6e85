/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the parts of dumptool (record/dumptool.h) share inside user/record:
 * which trap kinds are which, an event's names for the renderers, and the
 * text helpers of the output formats.
 */
#ifndef VFLOW_DUMPTOOL_INTERNAL_H
#define VFLOW_DUMPTOOL_INTERNAL_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "vflow.h"
#include "core/trap.h"
#include "record/dump.h"

#define NS_PER_SEC 1000000000ULL
#define NS_PER_US 1000ULL
/* Room for a name the renderers print: an entity, a trap, an annotation. */
#define NAME_LEN 96

/* The recorder class whose sampling an event went through, as a dump's reader sees it. */
enum vflow_rec_class dump_event_rec_class(const struct vflow_event *ev);
/* What a VM exit carried (hypercall, I/O, exit to the VMM), "" if nothing. */
const char *dump_event_annotation(const struct vflow_event *ev, char *buf, size_t len);
/* "sampled", "slow", "sampled,slow", "imported" or "". */
const char *dump_event_flags_name(__u16 flags);
/* comm as a C string: the kernel may fill the array to its last byte. */
void dump_event_comm(const struct vflow_event *ev, char out[sizeof(ev->comm) + 1]);

/* An event time as "2026-11-25T15:04:05.123456", local time, or the capture's own seconds. */
const char *dumptool_fmt_wall(const struct dump *d, __u64 ts_ns, char *buf, size_t len);
/* A JSON string: control characters escaped, bytes that are not UTF-8 as U+FFFD. */
void dumptool_json_str(FILE *f, const char *s);

#endif
