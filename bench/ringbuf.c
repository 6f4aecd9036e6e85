// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ringbuf [SECS [RATE...]]: ring-buffer throughput with one consumer thread.
 *
 * A producer thread (pinned to CPU 1) runs bench/ringbuf.bpf.c's
 * SEC("syscall") program through BPF_PROG_TEST_RUN; each run reserves and
 * submits a batch of struct vflow_event (at most 1024) into a ring buffer
 * of VFLOW_EVENTS_RINGBUF_BYTES, paced to RATE events/s (0: unpaced, as
 * fast as the producer goes). One consumer thread (pinned to CPU 0) counts
 * them with ring_buffer__poll(). For each rate, for SECS seconds (default
 * 1), one line:
 *   rate <target/s> produced <n> delivered <n> lost <n> secs <s> eps <delivered/s>
 * "lost" is the reservations that failed because the buffer was full.
 * Default rates: 0.5, 1, 2, 3, 4, 6, 8 M/s and 0 (unpaced). eps counts the
 * drain after the producer stops ("secs" includes it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vflow.h"
#include "ringbuf.skel.h"

#define BATCH_MAX 1024

struct rb_args {
	__u32 n;
	__u32 pad;
};

static atomic_int stop_consumer;
static __u64 delivered;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu >= sysconf(_SC_NPROCESSORS_ONLN))
		cpu = 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int on_event(void *ctx, void *data, size_t len)
{
	(void)ctx;
	(void)data;
	if (len == sizeof(struct vflow_event))
		delivered++;
	return 0;
}

static void *consumer(void *arg)
{
	struct ring_buffer *rb = arg;

	pin(0);
	while (!atomic_load(&stop_consumer))
		ring_buffer__poll(rb, 10);
	ring_buffer__consume(rb);
	return NULL;
}

static int run_batch(int fd, __u32 n)
{
	struct rb_args args = { .n = n };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &args, .ctx_size_in = sizeof(args));

	return bpf_prog_test_run_opts(fd, &opts);
}

int main(int argc, char **argv)
{
	static const double default_rates[] = { 5e5, 1e6, 2e6, 3e6, 4e6, 6e6, 8e6, 0 };
	double secs = argc > 1 ? atof(argv[1]) : 1.0;
	int nrates = argc > 2 ? argc - 2 : (int)(sizeof(default_rates) / sizeof(default_rates[0]));
	struct ringbuf_bpf *skel;
	struct ring_buffer *rb;
	int fd, err;

	if (secs <= 0 || secs > 30)
		secs = 1.0;
	skel = ringbuf_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "ringbuf: failed to load BPF object: %s\n", strerror(errno));
		return 1;
	}
	fd = bpf_program__fd(skel->progs.produce);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "ringbuf: ring_buffer__new: %s\n", strerror(errno));
		ringbuf_bpf__destroy(skel);
		return 1;
	}
	pin(1);
	for (int r = 0; r < nrates; r++) {
		double rate = argc > 2 ? atof(argv[2 + r]) : default_rates[r];
		__u64 produced0 = skel->bss->submitted, fail0 = skel->bss->reserve_fail;
		__u64 attempted = 0, produced, lost;
		pthread_t th;
		double t0, t1, t;

		delivered = 0;
		atomic_store(&stop_consumer, 0);
		if (pthread_create(&th, NULL, consumer, rb)) {
			fprintf(stderr, "ringbuf: pthread_create failed\n");
			break;
		}
		usleep(20000);
		t0 = now();
		for (t = 0; t < secs; t = now() - t0) {
			__u64 want = rate > 0 ? (__u64)(rate * t) : attempted + BATCH_MAX;

			if (want > attempted) {
				__u32 n = want - attempted > BATCH_MAX ? BATCH_MAX : want - attempted;

				err = run_batch(fd, n);
				if (err) {
					fprintf(stderr, "ringbuf: test run: %s\n", strerror(-err));
					atomic_store(&stop_consumer, 1);
					pthread_join(th, NULL);
					goto out;
				}
				attempted += n;
			} else {
				struct timespec ts = { 0, 20000 };

				nanosleep(&ts, NULL);
			}
		}
		produced = skel->bss->submitted - produced0;
		lost = skel->bss->reserve_fail - fail0;
		/* let the consumer drain what is left, at most 1 s */
		for (int i = 0; i < 1000 && *(volatile __u64 *)&delivered < produced; i++)
			usleep(1000);
		t1 = now();
		atomic_store(&stop_consumer, 1);
		pthread_join(th, NULL);
		printf("rate %.0f produced %llu delivered %llu lost %llu secs %.3f eps %.0f\n",
		       rate, (unsigned long long)produced, (unsigned long long)delivered,
		       (unsigned long long)lost, t1 - t0, delivered / (t1 - t0));
		fflush(stdout);
	}
out:
	ring_buffer__free(rb);
	ringbuf_bpf__destroy(skel);
	return 0;
}
