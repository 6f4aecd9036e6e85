// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Other tracers on the paths calibration measures: BPF links on the
 * tracepoints a syscall, a SIGSYS and a context switch cross, and ftrace's
 * syscall events. They inflate the figures, so the table notes them.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include "host/calibrate_internal.h"

#define MAX_LINKS_SCANNED	65536	/* a bound on the walk of the kernel's link ids */
#define ENABLE_LEN		16	/* an ftrace "enable" file: "0" or "1" */
#define TP_NAME_LEN		64

/* the tracepoints a syscall, a SIGSYS and a context switch cross */
static const char *const watched_tp[CAL_WATCHED_TPS] = {
	"sys_enter", "sys_exit", "sched_switch", "sched_wakeup", "signal_generate",
};

/* bpf_link_info as the kernel lays it out (perf_event info is newer than some headers) */
struct cal_link_info {
	__u32 type, id, prog_id, pad;
	union {
		struct { __u64 tp_name; __u32 tp_name_len; } raw_tp;
		struct { __u32 type, pad; __u64 tp_name; __u32 name_len; } perf;
		__u8 space[64];
	};
};
#define CAL_PERF_EVENT_TRACEPOINT 5	/* enum bpf_perf_event_type */

static int link_info(int fd, struct cal_link_info *info)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (__u64)(uintptr_t)info;
	return syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr)) ? -errno : 0;
}

void cal_tracers_count(struct cal_tracers *t)
{
	union bpf_attr attr;
	__u32 id = 0;

	for (int guard = 0; guard < MAX_LINKS_SCANNED; guard++) {
		struct cal_link_info info;
		char name[TP_NAME_LEN] = "";
		int fd;

		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (syscall(SYS_bpf, BPF_LINK_GET_NEXT_ID, &attr, sizeof(attr)))
			break;
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.link_id = id;
		fd = syscall(SYS_bpf, BPF_LINK_GET_FD_BY_ID, &attr, sizeof(attr));
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (!link_info(fd, &info)) {
			__u32 type = info.type, ptype = info.perf.type;

			memset(&info, 0, sizeof(info));
			if (type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
				info.raw_tp.tp_name = (__u64)(uintptr_t)name;
				info.raw_tp.tp_name_len = sizeof(name);
				if (link_info(fd, &info))
					name[0] = 0;
			} else if (type == BPF_LINK_TYPE_PERF_EVENT && ptype == CAL_PERF_EVENT_TRACEPOINT) {
				info.perf.tp_name = (__u64)(uintptr_t)name;
				info.perf.name_len = sizeof(name);
				if (link_info(fd, &info))
					name[0] = 0;
			} else if (type == BPF_LINK_TYPE_TRACING) {
				t->tracing++;
			}
			name[sizeof(name) - 1] = 0;
			for (size_t i = 0; i < CAL_WATCHED_TPS; i++)
				if (!strcmp(name, watched_tp[i]))
					t->links[i]++;
		}
		close(fd);
	}
}

void cal_tracers_describe(const struct cal_tracers *a, const struct cal_tracers *b, char *buf,
			  size_t len)
{
	char tf[ENABLE_LEN] = "";
	int t = a->tracing > b->tracing ? a->tracing : b->tracing;

	buf[0] = 0;
	for (size_t i = 0; i < CAL_WATCHED_TPS; i++) {
		int n = a->links[i] > b->links[i] ? a->links[i] : b->links[i];

		if (n)
			cal_appendf(buf, len, "%s%s x%d", buf[0] ? ", " : "BPF on ", watched_tp[i], n);
	}
	if (t)
		cal_appendf(buf, len, "%s%d fentry/tp_btf link%s", buf[0] ? "; " : "", t, t > 1 ? "s" : "");
	/* ftrace (trace-cmd, perf trace) on the syscall events */
	for (const char *const *path = (const char *const[]){
		     "/sys/kernel/tracing/events/raw_syscalls/enable",
		     "/sys/kernel/debug/tracing/events/raw_syscalls/enable", NULL };
	     *path; path++) {
		if (cal_read_line(*path, tf, sizeof(tf))) {
			if (strcmp(tf, "0"))
				cal_appendf(buf, len, "%sftrace raw_syscalls events on", buf[0] ? "; " : "");
			break;
		}
	}
}
