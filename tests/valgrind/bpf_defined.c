// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Valgrind function wrappers for libbpf's map reads, preloaded by
 * tests/integration/valgrind.sh (not part of the build).
 *
 * Memcheck 3.19 knows the bpf() commands only partly: it does not handle
 * BPF_MAP_LOOKUP_BATCH at all ("unhandled eBPF command 24"), and for a
 * lookup in a per-CPU map it marks one CPU's value as written where the
 * kernel writes one per possible CPU. Everything vflow then computes from
 * those buffers would be reported as uninitialised. After a successful
 * call these wrappers mark exactly what the kernel wrote as defined: the
 * sizes come from the map's /proc/self/fdinfo entry, as Memcheck's own do.
 */
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <valgrind/valgrind.h>
#include <valgrind/memcheck.h>

struct map_sizes {
	size_t key;
	size_t value;		/* all CPUs' values for a per-CPU map */
	size_t batch;		/* the batch cursor */
};

static int map_sizes(int fd, struct map_sizes *s)
{
	unsigned int type = 0, key = 0, value = 0;
	char path[64], line[128];
	FILE *f;
	int cpus;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "map_type: %u", &type);
		sscanf(line, "key_size: %u", &key);
		sscanf(line, "value_size: %u", &value);
	}
	fclose(f);
	if (!key && !value)
		return -1;
	s->key = key;
	s->value = value;
	s->batch = sizeof(__u32);	/* a bucket (hash) or an index (array) */
	switch (type) {
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		cpus = libbpf_num_possible_cpus();
		if (cpus <= 0)
			return -1;
		s->value = ((value + 7) & ~7U) * (size_t)cpus;
		break;
	default:
		break;
	}
	return 0;
}

static void value_defined(int fd, void *value)
{
	struct map_sizes s;

	if (value && !map_sizes(fd, &s))
		VALGRIND_MAKE_MEM_DEFINED(value, s.value);
}

int I_WRAP_SONAME_FNNAME_ZU(libbpfZdsoZd1, bpf_map_lookup_elem)(int fd, const void *key,
								 void *value);
int I_WRAP_SONAME_FNNAME_ZU(libbpfZdsoZd1, bpf_map_lookup_elem)(int fd, const void *key,
								 void *value)
{
	OrigFn fn;
	int ret;

	VALGRIND_GET_ORIG_FN(fn);
	CALL_FN_W_WWW(ret, fn, fd, key, value);
	if (!ret)
		value_defined(fd, value);
	return ret;
}

int I_WRAP_SONAME_FNNAME_ZU(libbpfZdsoZd1, bpf_map_lookup_and_delete_elem)(int fd,
									    const void *key,
									    void *value);
int I_WRAP_SONAME_FNNAME_ZU(libbpfZdsoZd1, bpf_map_lookup_and_delete_elem)(int fd,
									    const void *key,
									    void *value)
{
	OrigFn fn;
	int ret;

	VALGRIND_GET_ORIG_FN(fn);
	CALL_FN_W_WWW(ret, fn, fd, key, value);
	if (!ret)
		value_defined(fd, value);
	return ret;
}

int I_WRAP_SONAME_FNNAME_ZU(libbpfZdsoZd1, bpf_map_lookup_batch)(int fd, void *in_batch,
								  void *out_batch, void *keys,
								  void *values, __u32 *count,
								  const void *opts);
int I_WRAP_SONAME_FNNAME_ZU(libbpfZdsoZd1, bpf_map_lookup_batch)(int fd, void *in_batch,
								  void *out_batch, void *keys,
								  void *values, __u32 *count,
								  const void *opts)
{
	struct map_sizes s;
	OrigFn fn;
	int ret;

	VALGRIND_GET_ORIG_FN(fn);
	CALL_FN_W_7W(ret, fn, fd, in_batch, out_batch, keys, values, count, opts);
	/* the last batch ends with ENOENT and still returns its entries */
	if (map_sizes(fd, &s) || !count)
		return ret;
	VALGRIND_MAKE_MEM_DEFINED(count, sizeof(*count));
	if (*count) {
		VALGRIND_MAKE_MEM_DEFINED(keys, s.key * *count);
		VALGRIND_MAKE_MEM_DEFINED(values, s.value * *count);
	}
	if (out_batch)
		VALGRIND_MAKE_MEM_DEFINED(out_batch, s.batch);
	return ret;
}
