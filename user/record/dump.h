/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Post-mortem dump files (docs/DUMP.md): the flight recorder's events with
 * everything needed to read them on another machine.
 *
 * A dump is a sequence of gzip members (so `zcat` reads it); each member
 * holds exactly one block: a 24-byte block header (magic "VFBK", type,
 * format version, sequence number, payload length, CRC-32 of the payload)
 * and its payload. Blocks: HEADER (text key=value lines: host, kernel,
 * boot id, clock source, vflow version, trigger, recorder settings, probes,
 * model constants), ENTITIES (text, one line per cgroup or process),
 * EVENTS (binary little-endian records, record size given in the block),
 * ROWS (the engine's exact aggregates at dump time: every trap row, with
 * the time they cover), END (totals, so a reader knows what it missed). A damaged member is
 * skipped by scanning for the next gzip header: every intact block is read.
 */
#ifndef VFLOW_DUMP_H
#define VFLOW_DUMP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "vflow.h"
#include "core/snapshot.h"
#include "host/runtime.h"

#define DUMP_FORMAT_VERSION 1
#define DUMP_BLOCK_MAGIC 0x4b424656U		/* "VFBK" little-endian */
#define DUMP_BLOCK_HDR_BYTES 24
#define DUMP_EVENT_RECORD_BYTES 80		/* version 1's event record */
#define DUMP_EVENTS_PER_BLOCK 4096
#define DUMP_ROW_RECORD_BYTES (48 + 8 * VFLOW_HIST_SLOTS)	/* version 1's trap row */
#define DUMP_ROWS_PER_BLOCK 4096
#define DUMP_MAX_BLOCK_BYTES (64U << 20)	/* a reader refuses larger payloads */
#define DUMP_FILE_SUFFIX ".vfd"
/* A dump being written: DUMP_TMP_PREFIX "PID-XXXXXX" DUMP_TMP_SUFFIX, in its directory */
#define DUMP_TMP_PREFIX ".vflow-dump-"
#define DUMP_TMP_SUFFIX ".tmp"

enum dump_block_type {
	DUMP_BLK_HEADER = 1,
	DUMP_BLK_ENTITIES = 2,
	DUMP_BLK_EVENTS = 3,
	DUMP_BLK_END = 4,
	DUMP_BLK_ROWS = 5,
};

/* The engine's cumulative aggregates, exact (not samples). */
struct dump_rows {
	const struct trap_row *rows;
	size_t nr;
	__u64 ts_ns;			/* CLOCK_MONOTONIC when read */
	__u64 elapsed_ns;		/* the time they cover: since tracing started */
};

#define DUMP_MAX_PROBES 64
#define DUMP_MAX_PROBLEMS 32

/* Everything in the HEADER block. Strings are NUL-terminated, truncated to fit. */
struct dump_info {
	__u32 version;			/* format version of the file read; written: DUMP_FORMAT_VERSION */
	char host[64];
	char kernel[128];		/* uname -r and -v */
	char boot_id[40];		/* /proc/sys/kernel/random/boot_id */
	char clocksource[32];		/* current_clocksource */
	char vflow_version[48];
	char trigger[96];		/* "SIGUSR1", "control", "rule: ...", "shutdown", "import FILE" */
	__u64 created_realtime_ns;	/* wall clock when written */
	__u64 mono_to_realtime_ns;	/* add to an event's ts_ns (CLOCK_MONOTONIC) for wall time */
	__u64 first_ns, last_ns;	/* ts_ns range of the events (0, 0 when none) */
	__u32 sample_period[VFLOW_REC_MAX];	/* 0: sampling off for that class */
	__u64 slow_ns[VFLOW_REC_MAX];
	__u64 events_received;		/* events the recorder received since it started */
	__u64 events_evicted;		/* pushed out of the recorder by its bounds */
	__u64 events_dropped;		/* lost in the kernel: ring buffer full */
	size_t nr_probes;
	char probes[DUMP_MAX_PROBES][128];	/* "raw_syscalls:sys_enter tp_btf live" or "... absent: why" */
	char *model;			/* the model config text (model_config__save); malloc'd, may be NULL */
};

enum dump_entity_kind {
	DUMP_ENT_CGROUP = 1,		/* id: cgroup v2 id */
	DUMP_ENT_PROC = 2,		/* id: tgid */
};

struct dump_entity {
	__u32 kind;			/* enum dump_entity_kind */
	__u64 id;
	char type[24];			/* cgroup: "docker", "kubernetes", "host", ...; proc: "vm", "sandbox", "process" */
	char name[128];			/* entity / VM / sandbox / comm name */
	char path[256];			/* cgroup path, or the process's cmdline (spaces for NULs) */
	/* a container cgroup: what its runtime called it (name is then its display); source NONE: nothing */
	struct runtime_names names;
};

/* What reading found wrong; the dump is still usable when blocks_ok > 0. */
struct dump_damage {
	unsigned int blocks_ok;
	unsigned int blocks_bad;	/* checksum, length or decompression errors */
	__u64 bytes_skipped;		/* compressed bytes passed over to find the next block */
	bool truncated;			/* no END block */
	bool newer_version;		/* written by a newer format version: unknown parts ignored */
	__u64 events_expected;		/* from the END block; 0 when it is missing */
	__u64 events_lost;		/* expected - read, when known */
	size_t nr_problems;
	char problems[DUMP_MAX_PROBLEMS][160];	/* one line each, for the user */
};

struct dump {
	struct dump_info info;
	struct dump_entity *ents;
	size_t nr_ents;
	struct vflow_event *ev;		/* in file order (the writer writes them by ts_ns) */
	size_t nr_ev;
	struct trap_row *rows;		/* the aggregates (ROWS blocks), NULL when none */
	size_t nr_rows;
	__u64 rows_ts_ns, rows_elapsed_ns;
	struct dump_damage damage;
};

/* Writing: blocks go to @f as they are made. */
struct dump_writer;

/* Write the HEADER block. 0 or -errno (-ENOSPC, -EIO...). */
int dump_writer__open(struct dump_writer **out, FILE *f, const struct dump_info *info);
int dump_writer__entities(struct dump_writer *w, const struct dump_entity *ents, size_t n);
/* Events in blocks of DUMP_EVENTS_PER_BLOCK. */
int dump_writer__events(struct dump_writer *w, const struct vflow_event *ev, size_t n);
/* The aggregates, in blocks of DUMP_ROWS_PER_BLOCK. */
int dump_writer__rows(struct dump_writer *w, const struct dump_rows *rows);
/* Write the END block (blocks and events written) and free @w; does not close @f. */
int dump_writer__close(struct dump_writer *w);
/* Free without writing END (on an error path). NULL-safe. */
void dump_writer__abort(struct dump_writer *w);

/*
 * Write a whole dump into directory @dir atomically: a temporary file
 * (".vflow-dump-PID-XXXXXX.tmp"), fsync, then a rename that never replaces
 * an existing file, to "<prefix>-YYYYMMDDTHHMMSSZ[-N].vfd", then fsync of
 * the directory. The final path goes to @path_out. On error nothing is
 * left under the final name, the temporary file is removed, and @err says
 * in one line what failed and what to do. 0 or -errno.
 */
int dump_write_file(const char *dir, const char *prefix, const struct dump_info *info,
		    const struct dump_entity *ents, size_t nr_ents,
		    const struct vflow_event *ev, size_t nr_ev, const struct dump_rows *rows,
		    char *path_out, size_t path_len, char *err, size_t err_len);

/*
 * Read a dump from memory / a file. 0 when it is a vflow dump and at least
 * its readable blocks were taken (out->damage says what was not); -EINVAL
 * when it is not a vflow dump at all, -ENOMEM, or -errno of the open/read;
 * @err says why in one line. *out is set only on 0.
 */
int dump_read_mem(const void *buf, size_t len, struct dump **out, char *err, size_t err_len);
int dump_read_file(const char *path, struct dump **out, char *err, size_t err_len);
void dump__free(struct dump *d);		/* NULL-safe */

/* The entity table entry of a cgroup id / a tgid, or NULL. */
const struct dump_entity *dump__entity(const struct dump *d, enum dump_entity_kind kind, __u64 id);

/* Serialise/parse one trap row (little-endian, DUMP_ROW_RECORD_BYTES). */
void dump_row_encode(const struct trap_row *row, unsigned char *out);
void dump_row_decode(const unsigned char *in, struct trap_row *row);

/* Serialise/parse one event record (little-endian, DUMP_EVENT_RECORD_BYTES). */
void dump_event_encode(const struct vflow_event *ev, unsigned char out[DUMP_EVENT_RECORD_BYTES]);
void dump_event_decode(const unsigned char *in, struct vflow_event *ev);

struct host_facts;

/* Fill host, kernel, boot id, clock source, version and the clock offset from @h. */
void dump_info__set_host(struct dump_info *info, const struct host_facts *h);
/* The same with this machine's facts (host_facts__read). */
void dump_info__host(struct dump_info *info);

#endif
