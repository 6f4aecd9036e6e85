// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "core/trap.h"
#include "record/flight.h"
#include "host/workload.h"

#define FLIGHT_DIR_MODE 0700

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sort @vals and keep each value once; the new count. */
static size_t distinct(__u64 *vals, size_t n)
{
	size_t k = 0;

	qsort(vals, n, sizeof(*vals), cmp_u64);
	for (size_t i = 0; i < n; i++)
		if (!k || vals[k - 1] != vals[i])
			vals[k++] = vals[i];
	return k;
}

static void name_cgroup(struct dump_entity *d, __u64 id, const struct flight *f)
{
	const struct identity *known = f->ident ? identity__find(f->ident, IDENTITY_CGROUP, id) : NULL;
	const char *path = known ? known->path : NULL;
	struct workload w;

	if (!path && f->cg)
		path = cgroup_resolver__path(f->cg, id);

	d->kind = DUMP_ENT_CGROUP;
	d->id = id;
	if (!path || workload_parse(path, &w)) {
		snprintf(d->type, sizeof(d->type), "gone");
		snprintf(d->name, sizeof(d->name), "cgroup:%llu", (unsigned long long)id);
		return;
	}
	snprintf(d->type, sizeof(d->type), "%s", workload_runtime_name(w.runtime));
	snprintf(d->name, sizeof(d->name), "%s", w.name);
	snprintf(d->path, sizeof(d->path), "%s", path);
	/* what its runtime called it: the dump names it so after the container is gone */
	if (known && known->names && w.paradigm == VFLOW_PARADIGM_CONTAINER) {
		char display[sizeof(d->name)];

		d->names = *known->names;
		if (runtime_names_display(w.runtime, known->names, display, sizeof(display))[0])
			snprintf(d->name, sizeof(d->name), "%s", display);
	}
}

/* Encoded pid key: pid in the low 32 bits, VM/sandbox marks above. */
#define PK_VM (1ULL << 32)
#define PK_SANDBOX (1ULL << 33)

static void name_proc(struct dump_entity *d, __u64 key, const char *comm,
		      struct proc_cache *procs, const struct identity_table *ident)
{
	__u32 pid = (__u32)key;
	const struct identity *known = ident ? identity__find(ident, IDENTITY_PROCESS, pid) : NULL;
	struct sandbox_info sb;
	struct vmident vm;

	d->kind = DUMP_ENT_PROC;
	d->id = pid;
	snprintf(d->type, sizeof(d->type), "process");
	if (known && !known->proc)
		known = NULL;
	if (pid >= VFLOW_OWNER_NO_PID)
		/* an import's VM with no pid: its comm is its name */
		snprintf(d->name, sizeof(d->name), "%s", comm[0] ? comm : "(unnamed)");
	else if (comm[0])
		snprintf(d->name, sizeof(d->name), "%s:%u", comm, pid);
	else
		snprintf(d->name, sizeof(d->name), "pid:%u", pid);
	/* the identity layer's name first: kept after the process exited */
	if (known && (key & PK_VM) && known->proc->has_vm) {
		snprintf(d->type, sizeof(d->type), "vm");
		snprintf(d->name, sizeof(d->name), "%s", known->proc->vm.name);
	} else if (known && (key & PK_SANDBOX) && known->proc->has_sandbox) {
		snprintf(d->type, sizeof(d->type), "sandbox");
		snprintf(d->name, sizeof(d->name), "%s", known->proc->sandbox.name);
	} else if ((key & PK_VM) && procs && !proc_cache__vm(procs, pid, &vm)) {
		snprintf(d->type, sizeof(d->type), "vm");
		snprintf(d->name, sizeof(d->name), "%s", vm.name);
	} else if (key & PK_VM) {
		snprintf(d->type, sizeof(d->type), "vm");	/* a VMM, unnamed */
	} else if ((key & PK_SANDBOX) && procs && !proc_cache__sandbox(procs, pid, &sb)) {
		snprintf(d->type, sizeof(d->type), "sandbox");
		snprintf(d->name, sizeof(d->name), "%s", sb.name);
	}
}

struct proc_key {
	__u32 pid;
	__u32 idx;		/* an event of it, for its comm */
	__u64 marks;		/* PK_VM, PK_SANDBOX */
};

static int cmp_proc(const void *a, const void *b)
{
	const struct proc_key *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

int flight_entities(const struct flight *f, const struct vflow_event *ev, size_t n,
		    const struct snapshot *rows, struct dump_entity **out, size_t *nr_out)
{
	size_t nr = rows ? rows->nr_rows : 0, total = n + nr;
	__u64 *cgs = malloc((total ? total : 1) * sizeof(*cgs));
	struct proc_key *pk = malloc((total ? total : 1) * sizeof(*pk));
	struct dump_entity *ents = NULL;
	size_t nc = 0, np = 0, npk = 0, k = 0;
	char comm[sizeof(ev->comm) + 1];

	*out = NULL;
	*nr_out = 0;
	if (!cgs || !pk)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		cgs[nc++] = ev[i].cgroup_id;
		pk[npk++] = (struct proc_key){
			.pid = ev[i].pid, .idx = (__u32)i,
			/* what the process did decides how to look it up */
			.marks = is_kvm_kind(ev[i].trap) ? PK_VM :
				 ev[i].trap == VFLOW_TRAP_SANDBOX ? PK_SANDBOX : 0,
		};
	}
	/* the aggregates' owners: cgroups, VMMs and sandboxed processes */
	for (size_t i = 0; i < nr; i++) {
		const struct trap_row *r = &rows->rows[i];

		if (trap_kind_by_cgroup(r->kind)) {
			if (r->owner != VFLOW_OWNER_GONE)
				cgs[nc++] = r->owner;
		} else if (r->owner <= UINT32_MAX) {
			pk[npk++] = (struct proc_key){
				.pid = (__u32)r->owner, .idx = UINT32_MAX,
				.marks = is_kvm_kind(r->kind) ? PK_VM :
					 r->kind == VFLOW_TRAP_SANDBOX ? PK_SANDBOX : 0,
			};
		}
	}
	nc = distinct(cgs, nc);
	qsort(pk, npk, sizeof(*pk), cmp_proc);
	for (size_t i = 0; i < npk; i++) {
		if (np && pk[np - 1].pid == pk[i].pid) {
			pk[np - 1].marks |= pk[i].marks;
			if (pk[np - 1].idx == UINT32_MAX)	/* an event names its comm */
				pk[np - 1].idx = pk[i].idx;
		} else {
			pk[np++] = pk[i];
		}
	}
	ents = calloc(nc + np ? nc + np : 1, sizeof(*ents));
	if (!ents)
		goto oom;
	for (size_t i = 0; i < nc; i++)
		if (cgs[i])
			name_cgroup(&ents[k++], cgs[i], f);
	for (size_t i = 0; i < np; i++) {
		comm[0] = '\0';
		if (pk[i].idx != UINT32_MAX)
			snprintf(comm, sizeof(comm), "%.*s", (int)sizeof(ev->comm), ev[pk[i].idx].comm);
		name_proc(&ents[k++], pk[i].pid | pk[i].marks, comm, f->procs, f->ident);
	}
	free(cgs);
	free(pk);
	*out = ents;
	*nr_out = k;
	return 0;
oom:
	free(cgs);
	free(pk);
	return -ENOMEM;
}

static void fill_probes(struct dump_info *info, const struct engine *e)
{
	const struct engine_probe *p;
	size_t n = e ? engine__probes(e, &p) : 0;

	for (size_t i = 0; i < n && info->nr_probes < DUMP_MAX_PROBES; i++) {
		if (p[i].live)
			snprintf(info->probes[info->nr_probes++], sizeof(info->probes[0]), "%s %s live",
				 p[i].name, p[i].via);
		else
			snprintf(info->probes[info->nr_probes++], sizeof(info->probes[0]),
				 "%s absent: %s", p[i].name, p[i].why);
	}
}

static char *model_text(const struct model_config *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (!m)
		return NULL;
	f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	if (model_config__save(m, f)) {
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	return text;
}

static int ensure_dir(const char *dir, char *err, size_t err_len)
{
	char tmp[PATH_MAX];

	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp)) {
		snprintf(err, err_len, "dump directory '%s' is too long", dir);
		return -ENAMETOOLONG;
	}
	/* mkdir -p, owner-only: dumps say what every workload did */
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, FLIGHT_DIR_MODE) && errno != EEXIST)
			goto fail;
		*p = '/';
	}
	if (mkdir(tmp, FLIGHT_DIR_MODE) && errno != EEXIST)
		goto fail;
	return 0;
fail:
	snprintf(err, err_len, "cannot create the dump directory %s: %s: choose another --dump-dir",
		 tmp, strerror(errno));
	return -errno;
}

int flight_dump(const struct flight *f, const char *trigger, char *path, size_t path_len,
		char *err, size_t err_len)
{
	struct vflow_event *ev = NULL;
	long n = recorder__copy(f->rec, &ev);
	int ret;

	if (n < 0) {
		snprintf(err, err_len, "out of memory");
		return (int)n;
	}
	ret = flight_dump_events(f, ev, (size_t)n, trigger, path, path_len, err, err_len);
	free(ev);
	return ret;
}

int flight_dump_events(const struct flight *f, const struct vflow_event *ev, size_t n,
		       const char *trigger, char *path, size_t path_len, char *err, size_t err_len)
{
	struct dump_info *info = calloc(1, sizeof(*info));
	struct dump_entity *ents = NULL;
	struct dump_rows rows = {};
	size_t nr_ents = 0;
	int ret;

	if (f->rows)
		rows = (struct dump_rows){ .rows = f->rows->rows, .nr = f->rows->nr_rows,
					   .ts_ns = f->rows->ts_ns, .elapsed_ns = f->rows_elapsed_ns };
	if (!info) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	ret = flight_entities(f, ev, n, f->rows, &ents, &nr_ents);
	if (ret) {
		snprintf(err, err_len, "out of memory");
		goto out;
	}
	dump_info__host(info);
	if (f->imported) {
		/* not this host's: the capture says nothing of its host or clock */
		info->host[0] = info->kernel[0] = info->boot_id[0] = '\0';
		snprintf(info->clocksource, sizeof(info->clocksource), "trace clock");
		info->mono_to_realtime_ns = 0;
	}
	snprintf(info->trigger, sizeof(info->trigger), "%s", trigger);
	if (n) {
		info->first_ns = ev[0].ts_ns;
		info->last_ns = ev[n - 1].ts_ns;
	}
	for (int c = 0; c < VFLOW_REC_MAX; c++) {
		info->sample_period[c] = f->rec_cfg.sample[c];
		info->slow_ns[c] = f->rec_cfg.slow_ns[c];
	}
	info->events_received = f->rec ? f->rec->received : n;
	info->events_evicted = f->rec ? f->rec->evicted : 0;
	info->events_dropped = f->dropped;
	fill_probes(info, f->e);
	info->model = model_text(f->model);
	ret = ensure_dir(f->dir, err, err_len);
	if (!ret)
		ret = dump_write_file(f->dir, FLIGHT_PREFIX, info, ents, nr_ents, ev, n,
				      f->rows ? &rows : NULL, path, path_len, err, err_len);
out:
	free(info->model);
	free(info);
	free(ents);
	return ret;
}

int flight_clean_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int removed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		unsigned long pid;
		char *end;

		if (strncmp(de->d_name, DUMP_TMP_PREFIX, sizeof(DUMP_TMP_PREFIX) - 1))
			continue;
		pid = strtoul(de->d_name + sizeof(DUMP_TMP_PREFIX) - 1, &end, 10);
		if (*end != '-' || !strstr(end, DUMP_TMP_SUFFIX))
			continue;
		/* a writer that still lives may be mid-dump */
		if (pid && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if (!unlinkat(dirfd(d), de->d_name, 0))
			removed++;
	}
	closedir(d);
	return removed;
}
