// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The web config on disk, watched: exporter-toolkit reads its file on
 * every request, so a renewed certificate (cert-manager updating a Secret
 * mounted in the pod) serves at once, with no signal. Here a thread looks
 * at the config file and the files it names (certificate, key, client CA)
 * every RELOAD_POLL_MS; when one changed it loads the whole configuration
 * again, off the serving thread, and puts it in use for the next
 * connection and request. The listening socket is never closed.
 *
 * A file that does not load keeps the configuration in use serving and is
 * reported once: the broken files are not read again until they change.
 * "Changed" is stat(): device, inode, size, modification and change times
 * (a Kubernetes Secret is updated by swapping a symbolic link, which stat
 * follows).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include "serve/http_internal.h"

/* a changed certificate serves within this, plus one load: well within 5 s */
#define RELOAD_POLL_MS		1000
#define NS_PER_MS		1000000L
#define MS_PER_S		1000
#define WATCHED_MAX		4	/* the config, cert_file, key_file, client_ca_file */
#define ERR_LEN			512
/*
 * A broken config may name files that do not exist yet (and so are not
 * watched): it is tried again this often, and reported again only when
 * the reason changes.
 */
#define BROKEN_RETRY_MS		10000

struct stamp {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	int err;		/* stat()'s errno: a file gone is a change too */
};

struct stamps {
	char *paths[WATCHED_MAX];
	struct stamp st[WATCHED_MAX];
	size_t nr;
};

struct http_reload {
	pthread_t thread;
	pthread_mutex_t run;	/* held while one looks or loads: the watcher, or a reload asked for */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	struct stamps in_use;	/* the files of the configuration serving */
	struct stamps broken;	/* the files that last failed to load, reported */
	bool have_broken;
	char broken_err[ERR_LEN];
	struct timespec broken_at;
};

static void stamps_free(struct stamps *s)
{
	for (size_t i = 0; i < s->nr; i++)
		free(s->paths[i]);
	memset(s, 0, sizeof(*s));
}

static void take_stamp(const char *path, struct stamp *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (stat(path, &st)) {
		out->err = errno;
		return;
	}
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	out->size = st.st_size;
	out->mtime = st.st_mtim;
	out->ctime = st.st_ctim;
}

/* The files of @c, stamped now. */
static int stamps_of(const struct web_config *c, struct stamps *out)
{
	const char *paths[WATCHED_MAX] = { c->path, c->cert_file, c->key_file, c->client_ca_file };

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < WATCHED_MAX; i++) {
		if (!paths[i])
			continue;
		if (!(out->paths[out->nr] = strdup(paths[i]))) {
			stamps_free(out);
			return -ENOMEM;
		}
		take_stamp(paths[i], &out->st[out->nr++]);
	}
	return 0;
}

static bool same_stamp(const struct stamp *a, const struct stamp *b)
{
	return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* Has any file of @s changed since it was stamped? @which: the first that did. */
static bool changed(const struct stamps *s, const char **which)
{
	struct stamp now;

	for (size_t i = 0; i < s->nr; i++) {
		take_stamp(s->paths[i], &now);
		if (!same_stamp(&now, &s->st[i])) {
			*which = s->paths[i];
			return true;
		}
	}
	return false;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * MS_PER_S + (now.tv_nsec - t->tv_nsec) / NS_PER_MS;
}

/* Keep the configuration in use; say why once (the same reason is not repeated). */
static void keep_in_use(struct http_reload *r, struct stamps *before, const char *err, bool report)
{
	stamps_free(&r->broken);
	r->broken = *before;
	r->have_broken = true;
	clock_gettime(CLOCK_MONOTONIC, &r->broken_at);
	if (!strcmp(err, r->broken_err))
		return;
	snprintf(r->broken_err, sizeof(r->broken_err), "%s", err);
	if (report)
		http_log("reload failed: %s; keeping the previous web configuration", err);
}

/*
 * Load the configuration again; in use if it loads. @why: what changed,
 * for the log; NULL when a reload was asked for (http_server__reload()),
 * which logs nothing and leaves the reason of a failure in @err.
 */
static int reload(struct http_server *s, struct http_reload *r, const char *why, char *err,
		  size_t err_len)
{
	char what[ERR_LEN];
	struct stamps before;
	struct http_web *w;

	snprintf(what, sizeof(what), "%s", why ? why : "");
	err[0] = '\0';
	/* stamped before reading: a change while it loads is seen next time */
	if (stamps_of(&s->web->cfg, &before)) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	w = http_web_load(s->web->cfg.path, err, err_len);
	if (w && w->cfg.tls != s->tls) {
		snprintf(err, err_len, "%s: switching between HTTP and HTTPS needs a restart of vflowd",
			 w->cfg.path);
		http_web_put(w);
		w = NULL;
	}
	if (!w) {
		keep_in_use(r, &before, err, why != NULL);
		return -EINVAL;
	}
	stamps_free(&before);
	stamps_free(&r->broken);
	r->have_broken = false;
	r->broken_err[0] = '\0';
	stamps_free(&r->in_use);
	if (stamps_of(&w->cfg, &r->in_use))
		memset(&r->in_use, 0, sizeof(r->in_use));
	http_web_swap(s, w);
	if (why)
		http_log("web configuration reloaded (%s changed)%s%s", what,
			 w->cfg.warnings[0] ? ": " : "", w->cfg.warnings);
	else if (w->cfg.warnings[0])
		http_log("%s", w->cfg.warnings);
	return 0;
}

/* Is there something new to load? */
static bool due(struct http_reload *r, const char **which)
{
	if (!r->have_broken)
		return changed(&r->in_use, which);
	if (changed(&r->broken, which))
		return true;
	*which = "a file it names";
	return ms_since(&r->broken_at) >= BROKEN_RETRY_MS;
}

static void *watch(void *arg)
{
	struct http_server *s = arg;
	struct http_reload *r = s->reload;
	struct timespec until;
	char err[ERR_LEN];
	const char *which;

	pthread_mutex_lock(&r->lock);
	while (!r->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += RELOAD_POLL_MS / MS_PER_S;
		until.tv_nsec += (RELOAD_POLL_MS % MS_PER_S) * NS_PER_MS;
		if (until.tv_nsec >= NS_PER_MS * MS_PER_S) {
			until.tv_sec++;
			until.tv_nsec -= NS_PER_MS * MS_PER_S;
		}
		pthread_cond_timedwait(&r->wake, &r->lock, &until);
		if (r->stopping)
			break;
		pthread_mutex_unlock(&r->lock);
		/* s->web is swapped only under r->run: reading it here needs no reference */
		pthread_mutex_lock(&r->run);
		if (due(r, &which))
			reload(s, r, which, err, sizeof(err));
		pthread_mutex_unlock(&r->run);
		pthread_mutex_lock(&r->lock);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int http_reload__start(struct http_server *s, char *err, size_t err_len)
{
	struct http_reload *r = calloc(1, sizeof(*r));
	pthread_condattr_t attr;
	int rc;

	if (!r || stamps_of(&s->web->cfg, &r->in_use)) {
		free(r);
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&r->run, NULL);
	pthread_mutex_init(&r->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->wake, &attr);
	pthread_condattr_destroy(&attr);
	s->reload = r;
	rc = pthread_create(&r->thread, NULL, watch, s);
	if (rc) {
		s->reload = NULL;
		stamps_free(&r->in_use);
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		pthread_mutex_destroy(&r->run);
		free(r);
		snprintf(err, err_len, "cannot watch the web config: %s", strerror(rc));
		return -rc;
	}
	return 0;
}

void http_reload__stop(struct http_server *s)
{
	struct http_reload *r = s->reload;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	stamps_free(&r->in_use);
	stamps_free(&r->broken);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	pthread_mutex_destroy(&r->run);
	free(r);
	s->reload = NULL;
}

int http_server__reload(struct http_server *s, char *err, size_t err_len)
{
	int rc;

	if (!s || !s->reload) {
		snprintf(err, err_len, "the exporter has no web config to reload");
		return -EINVAL;
	}
	pthread_mutex_lock(&s->reload->run);
	rc = reload(s, s->reload, NULL, err, err_len);
	pthread_mutex_unlock(&s->reload->run);
	return rc;
}
