// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The password checks of the exporter (serve/http_auth.h says what they
 * promise). Lock order: the queue's lock, then libmicrohttpd's (a
 * connection is suspended under the queue's lock, so the worker cannot
 * resume it first); the worker never calls libmicrohttpd holding it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include "serve/http_auth.h"

#define CACHE_KEY_LEN	32	/* HMAC-SHA256 */

struct auth_job {
	struct MHD_Connection *conn;
	char *user, *password, *hash;
	bool known;
	uint8_t key[CACHE_KEY_LEN];
	enum auth_verdict verdict;
	struct auth_job *next;
};

struct http_auth {
	pthread_t worker;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct auth_job *head, *tail;
	size_t queued;
	bool stopping;
	uint8_t secret[CACHE_KEY_LEN];
	uint8_t cache[AUTH_CACHE_MAX][CACHE_KEY_LEN];
	size_t cached, next_slot;	/* a ring: the oldest success goes first */
};

static void free_job(struct auth_job *job)
{
	if (!job)
		return;
	if (job->password)
		explicit_bzero(job->password, strlen(job->password));
	free(job->password);
	free(job->user);
	free(job->hash);
	free(job);
}

/* The cache key of (user, hash, password); the NULs keep the fields apart. */
static int cache_key(const struct http_auth *a, const char *user, const char *hash,
		     const char *password, uint8_t *key)
{
	gnutls_hmac_hd_t h;

	if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, a->secret, sizeof(a->secret)) < 0)
		return -ENOMEM;
	gnutls_hmac(h, user, strlen(user) + 1);
	gnutls_hmac(h, hash, strlen(hash) + 1);
	gnutls_hmac(h, password, strlen(password) + 1);
	gnutls_hmac_deinit(h, key);
	return 0;
}

/* Under a->lock. */
static bool cache_has(const struct http_auth *a, const uint8_t *key)
{
	for (size_t i = 0; i < a->cached; i++)
		if (!memcmp(a->cache[i], key, CACHE_KEY_LEN))
			return true;
	return false;
}

static void cache_add(struct http_auth *a, const uint8_t *key)
{
	pthread_mutex_lock(&a->lock);
	if (!cache_has(a, key)) {
		memcpy(a->cache[a->next_slot], key, CACHE_KEY_LEN);
		a->next_slot = (a->next_slot + 1) % AUTH_CACHE_MAX;
		if (a->cached < AUTH_CACHE_MAX)
			a->cached++;
	}
	pthread_mutex_unlock(&a->lock);
}

static void finish(struct auth_job *job, enum auth_verdict v)
{
	struct MHD_Connection *conn = job->conn;

	/* the job belongs to the connection's thread once it is resumed */
	job->verdict = v;
	MHD_resume_connection(conn);
}

static void *work(void *arg)
{
	struct http_auth *a = arg;
	struct auth_job *job, *rest;
	bool ok;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->head && !a->stopping)
			pthread_cond_wait(&a->wake, &a->lock);
		if (a->stopping)
			break;
		job = a->head;
		a->head = job->next;
		if (!a->head)
			a->tail = NULL;
		a->queued--;
		pthread_mutex_unlock(&a->lock);

		ok = web_bcrypt_matches(job->hash, job->password) && job->known;
		explicit_bzero(job->password, strlen(job->password));
		if (ok)
			cache_add(a, job->key);
		finish(job, ok ? AUTH_OK : AUTH_DENIED);
		pthread_mutex_lock(&a->lock);
	}
	rest = a->head;
	a->head = a->tail = NULL;
	a->queued = 0;
	pthread_mutex_unlock(&a->lock);
	while (rest) {
		job = rest;
		rest = job->next;
		finish(job, AUTH_BUSY);
	}
	return NULL;
}

int http_auth__start(struct http_auth **out)
{
	struct http_auth *a = calloc(1, sizeof(*a));
	int rc;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	if (getrandom(a->secret, sizeof(a->secret), 0) != (ssize_t)sizeof(a->secret)) {
		free(a);
		return -errno;
	}
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->wake, NULL);
	rc = pthread_create(&a->worker, NULL, work, a);
	if (rc) {
		pthread_cond_destroy(&a->wake);
		pthread_mutex_destroy(&a->lock);
		free(a);
		return -rc;
	}
	*out = a;
	return 0;
}

void http_auth__stop(struct http_auth *a)
{
	bool joined;

	if (!a)
		return;
	pthread_mutex_lock(&a->lock);
	joined = a->stopping;
	a->stopping = true;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	if (!joined)
		pthread_join(a->worker, NULL);
}

void http_auth__free(struct http_auth *a)
{
	if (!a)
		return;
	http_auth__stop(a);
	pthread_cond_destroy(&a->wake);
	pthread_mutex_destroy(&a->lock);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

enum auth_verdict http_auth__check(struct http_auth *a, const struct web_config *c,
				   struct MHD_Connection *conn, const char *user,
				   const char *password, struct auth_job **out)
{
	struct auth_job *job;
	const char *hash;
	uint8_t key[CACHE_KEY_LEN];
	bool known, hit;

	*out = NULL;
	hash = web_config__hash_of(c, user, &known);
	if (!hash || cache_key(a, user, hash, password, key))
		return AUTH_DENIED;
	pthread_mutex_lock(&a->lock);
	/* only successes are cached: a flood of wrong passwords cannot push them out */
	hit = cache_has(a, key);
	pthread_mutex_unlock(&a->lock);
	if (hit)
		return AUTH_OK;
	job = calloc(1, sizeof(*job));
	if (!job || !(job->user = strdup(user)) || !(job->password = strdup(password)) ||
	    !(job->hash = strdup(hash))) {
		free_job(job);
		return AUTH_BUSY;
	}
	job->conn = conn;
	job->known = known;
	job->verdict = AUTH_BUSY;
	memcpy(job->key, key, sizeof(key));
	pthread_mutex_lock(&a->lock);
	if (a->stopping || a->queued >= AUTH_QUEUE_MAX) {
		pthread_mutex_unlock(&a->lock);
		free_job(job);
		return AUTH_BUSY;
	}
	MHD_suspend_connection(conn);
	if (a->tail)
		a->tail->next = job;
	else
		a->head = job;
	a->tail = job;
	a->queued++;
	pthread_cond_signal(&a->wake);
	pthread_mutex_unlock(&a->lock);
	*out = job;
	return AUTH_PENDING;
}

enum auth_verdict http_auth__verdict(struct auth_job *job)
{
	enum auth_verdict v = job ? job->verdict : AUTH_BUSY;

	free_job(job);
	return v;
}
