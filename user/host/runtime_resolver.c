// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The resolver: a cache of what the runtimes said, and one worker thread
 * that asks them, so that the caller (a report, once per interval) never
 * waits on a runtime.
 *
 * An entry is PENDING until its first answer, then KNOWN or UNKNOWN. A
 * known entry is asked again after refresh_ms, an unknown one after
 * retry_ms; meanwhile the old answer is given. A refresh that finds
 * nothing keeps the known names: a container's name does not change
 * because it went away. When the cache is full the entry used least
 * recently goes (never one waiting for the worker). One worker means one
 * request at a time: a runtime that hangs delays the queue by timeout_ms
 * once, then its source is skipped for down_ms.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/runtime_internal.h"

#define NO_ENTRY	(-1)
/* the paths of struct runtime_config, copied */
#define NR_PATHS	6

enum entry_state {
	ENTRY_FREE = 0,
	ENTRY_PENDING,
	ENTRY_KNOWN,
	ENTRY_UNKNOWN,
};

struct entry {
	enum workload_runtime rt;
	char id[WORKLOAD_ID_LEN];
	enum entry_state state;
	bool queued;			/* in the queue or being looked up */
	struct runtime_names names;
	unsigned long long expires_ns;	/* ask again from then on */
	unsigned long long used_ns;	/* last asked for: eviction order */
	int next;			/* the next entry of its bucket, or the free list */
};

struct request {
	enum workload_runtime rt;
	char id[WORKLOAD_ID_LEN];
};

struct runtime_resolver {
	struct runtime_config cfg;	/* its strings are the copies below */
	char *paths[NR_PATHS];
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t worker;
	atomic_bool stop;
	struct entry *entries;		/* cfg.cache_max of them */
	int *buckets;			/* nr_buckets chains of entries */
	unsigned int nr_buckets;	/* a power of two */
	int free_head;
	struct request *queue;		/* a ring of cfg.queue_max */
	unsigned int queue_head, queue_len;
	struct runtime_health health;	/* the worker's only */
	struct runtime_stats stats;	/* under the lock */
};

/* Own copies of the configured paths; -ENOMEM if one could not be made. */
static int copy_paths(struct runtime_resolver *r, const struct runtime_config *cfg)
{
	const char *from[NR_PATHS] = { cfg->docker_socket, cfg->podman_socket, cfg->docker_root,
				       cfg->storage_graphroot, cfg->storage_runroot,
				       cfg->containerd_state };
	const char **to[NR_PATHS] = { &r->cfg.docker_socket, &r->cfg.podman_socket,
				      &r->cfg.docker_root, &r->cfg.storage_graphroot,
				      &r->cfg.storage_runroot, &r->cfg.containerd_state };

	for (int i = 0; i < NR_PATHS; i++) {
		*to[i] = NULL;
		if (!from[i])
			continue;
		r->paths[i] = strdup(from[i]);
		if (!r->paths[i])
			return -ENOMEM;
		*to[i] = r->paths[i];
	}
	return 0;
}

/* FNV-1a of the id: ids are hashes already, but a few bytes are not enough for a bad actor's. */
static unsigned int bucket_of(const struct runtime_resolver *r, enum workload_runtime rt,
			      const char *id)
{
	unsigned int h = 2166136261u ^ (unsigned int)rt;

	for (; *id; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h & (r->nr_buckets - 1);
}

static struct entry *find(struct runtime_resolver *r, enum workload_runtime rt, const char *id)
{
	for (int i = r->buckets[bucket_of(r, rt, id)]; i != NO_ENTRY; i = r->entries[i].next) {
		struct entry *e = &r->entries[i];

		if (e->rt == rt && !strcmp(e->id, id))
			return e;
	}
	return NULL;
}

static void unlink_entry(struct runtime_resolver *r, struct entry *e)
{
	int idx = (int)(e - r->entries);
	int *link = &r->buckets[bucket_of(r, e->rt, e->id)];

	while (*link != idx)
		link = &r->entries[*link].next;
	*link = e->next;
	memset(e, 0, sizeof(*e));
	e->next = r->free_head;
	r->free_head = idx;
}

/* Make room: the least recently used entry that nobody waits for. */
static bool evict_one(struct runtime_resolver *r)
{
	struct entry *victim = NULL;

	for (unsigned int i = 0; i < r->cfg.cache_max; i++) {
		struct entry *e = &r->entries[i];

		if (e->state != ENTRY_FREE && !e->queued && (!victim || e->used_ns < victim->used_ns))
			victim = e;
	}
	if (!victim)
		return false;
	unlink_entry(r, victim);
	return true;
}

static struct entry *insert(struct runtime_resolver *r, enum workload_runtime rt, const char *id)
{
	unsigned int b = bucket_of(r, rt, id);
	struct entry *e;
	int idx;

	if (r->free_head == NO_ENTRY && !evict_one(r))
		return NULL;
	idx = r->free_head;
	e = &r->entries[idx];
	r->free_head = e->next;
	e->rt = rt;
	snprintf(e->id, sizeof(e->id), "%s", id);	/* runtime_can_resolve() checked its length */
	e->next = r->buckets[b];
	r->buckets[b] = idx;
	return e;
}

/* Queue a lookup of @e for the worker; false when the queue is full. */
static bool enqueue(struct runtime_resolver *r, struct entry *e)
{
	struct request *q;

	if (r->queue_len == r->cfg.queue_max)
		return false;
	q = &r->queue[(r->queue_head + r->queue_len) % r->cfg.queue_max];
	q->rt = e->rt;
	memcpy(q->id, e->id, sizeof(q->id));
	r->queue_len++;
	e->queued = true;
	pthread_cond_signal(&r->wake);
	return true;
}

enum runtime_answer runtime_resolver__get(struct runtime_resolver *r, enum workload_runtime rt,
					  const char *id, struct runtime_names *out)
{
	enum runtime_answer ans = RUNTIME_PENDING;
	unsigned long long now = runtime_now_ns();
	struct entry *e;

	if (!r || !runtime_can_resolve(rt, id))
		return RUNTIME_UNKNOWN;
	pthread_mutex_lock(&r->lock);
	e = find(r, rt, id);
	if (!e) {
		/* a full queue: not remembered, asked for again next time */
		if (r->queue_len < r->cfg.queue_max && (e = insert(r, rt, id))) {
			e->state = ENTRY_PENDING;
			e->used_ns = now;
			enqueue(r, e);
		}
	} else {
		e->used_ns = now;
		if (e->state != ENTRY_PENDING && now >= e->expires_ns && !e->queued)
			enqueue(r, e);	/* the old answer stands meanwhile */
		if (e->state == ENTRY_KNOWN) {
			*out = e->names;
			ans = RUNTIME_KNOWN;
		} else if (e->state == ENTRY_UNKNOWN) {
			ans = RUNTIME_UNKNOWN;
		}
	}
	pthread_mutex_unlock(&r->lock);
	return ans;
}

/* The worker's answer into the cache, if its entry is still there. */
static void answer(struct runtime_resolver *r, const struct request *q, int err,
		   const struct runtime_names *names)
{
	unsigned long long now = runtime_now_ns();
	struct entry *e = find(r, q->rt, q->id);

	if (!e)
		return;
	e->queued = false;
	if (!err) {
		e->names = *names;
		e->state = ENTRY_KNOWN;
	} else if (e->state != ENTRY_KNOWN) {
		e->state = ENTRY_UNKNOWN;
	}
	e->expires_ns = now + (unsigned long long)(e->state == ENTRY_KNOWN ? r->cfg.refresh_ms :
									r->cfg.retry_ms) * NS_PER_MS;
}

static void *worker_main(void *arg)
{
	struct runtime_resolver *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct runtime_names names;
		struct request q;
		int err;

		while (!atomic_load(&r->stop) && !r->queue_len)
			pthread_cond_wait(&r->wake, &r->lock);
		if (atomic_load(&r->stop))
			break;
		q = r->queue[r->queue_head];
		r->queue_head = (r->queue_head + 1) % r->cfg.queue_max;
		r->queue_len--;
		pthread_mutex_unlock(&r->lock);
		err = runtime_resolve_with(&r->cfg, q.rt, q.id, &names, &r->health, &r->stop);
		pthread_mutex_lock(&r->lock);
		answer(r, &q, err, &names);
		r->stats.lookups++;
		r->stats.timeouts = r->health.timeouts;
		r->stats.skipped = r->health.skipped;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

static int resolver_alloc(struct runtime_resolver *r)
{
	const struct runtime_config *c = &r->cfg;

	r->nr_buckets = 1;
	while (r->nr_buckets < c->cache_max)
		r->nr_buckets <<= 1;
	r->entries = calloc(c->cache_max, sizeof(*r->entries));
	r->buckets = malloc(r->nr_buckets * sizeof(*r->buckets));
	r->queue = calloc(c->queue_max, sizeof(*r->queue));
	if (!r->entries || !r->buckets || !r->queue)
		return -ENOMEM;
	for (unsigned int i = 0; i < r->nr_buckets; i++)
		r->buckets[i] = NO_ENTRY;
	for (unsigned int i = 0; i < c->cache_max; i++)
		r->entries[i].next = i + 1 < c->cache_max ? (int)i + 1 : NO_ENTRY;
	r->free_head = 0;
	return 0;
}

static void resolver_release(struct runtime_resolver *r)
{
	for (int i = 0; i < NR_PATHS; i++)
		free(r->paths[i]);
	free(r->entries);
	free(r->buckets);
	free(r->queue);
	free(r);
}

struct runtime_resolver *runtime_resolver__new(const struct runtime_config *cfg)
{
	struct runtime_resolver *r;
	int err;

	if (!cfg || !cfg->cache_max || !cfg->queue_max || cfg->cache_max > INT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->cfg = *cfg;
	err = copy_paths(r, cfg);
	if (!err)
		err = resolver_alloc(r);
	if (!err)
		err = -pthread_mutex_init(&r->lock, NULL);
	if (!err && (err = -pthread_cond_init(&r->wake, NULL)))
		pthread_mutex_destroy(&r->lock);
	if (!err && (err = -pthread_create(&r->worker, NULL, worker_main, r))) {
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
	}
	if (err) {
		resolver_release(r);
		errno = -err;
		return NULL;
	}
	return r;
}

void runtime_resolver__free(struct runtime_resolver *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->stop, true);
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->worker, NULL);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	resolver_release(r);
}

void runtime_resolver__stats(struct runtime_resolver *r, struct runtime_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	*st = r->stats;
	st->queued = r->queue_len;
	for (unsigned int i = 0; i < r->cfg.cache_max; i++)
		st->cached += r->entries[i].state != ENTRY_FREE;
	pthread_mutex_unlock(&r->lock);
}
