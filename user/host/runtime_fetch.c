// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bodies for the runtime name sources: HTTP over a Unix socket with
 * libcurl (CURLOPT_UNIX_SOCKET_PATH), and the runtimes' state files.
 *
 * Every request is bounded: CURLOPT_TIMEOUT_MS covers connect, request
 * and the whole answer, so a server that accepts and never answers, or
 * drips a byte at a time, costs timeout_ms; a body past RUNTIME_BODY_MAX
 * is cut off. Only plain HTTP is spoken (no redirects, no compression).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>

#include "host/runtime_internal.h"

/* Any host name will do over a Unix socket; the runtimes ignore it. */
#define URL_PREFIX	"http://localhost"
#define URL_MAX		256
#define FIRST_ALLOC	4096
#define NS_PER_S	1000000000ULL

struct sink {
	struct runtime_body *b;
	size_t cap;
	bool too_big;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

/* Once per process: curl_global_init() may not race another thread's. */
static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_NOTHING);
}

unsigned long long runtime_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * NS_PER_S + (unsigned long long)ts.tv_nsec;
}

void runtime_body_free(struct runtime_body *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

/* Room for @need more bytes and a NUL. */
static bool body_reserve(struct runtime_body *b, size_t *cap, size_t need)
{
	size_t want = *cap ? *cap : FIRST_ALLOC;
	char *p;

	while (want < b->len + need + 1)
		want *= 2;
	if (want == *cap)
		return true;
	p = realloc(b->data, want);
	if (!p)
		return false;
	b->data = p;
	*cap = want;
	return true;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (s->b->len + n > RUNTIME_BODY_MAX) {
		s->too_big = true;
		return 0;	/* anything but n aborts the transfer */
	}
	if (!body_reserve(s->b, &s->cap, n))
		return 0;
	memcpy(s->b->data + s->b->len, p, n);
	s->b->len += n;
	s->b->data[s->b->len] = '\0';
	return n;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	const atomic_bool *stop = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	return stop && atomic_load(stop);	/* non-zero abandons the request */
}

static int curl_error(CURLcode rc, const struct sink *s)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_ABORTED_BY_CALLBACK:
		return -ECANCELED;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_WRITE_ERROR:
		return s->too_big ? -EFBIG : -ENOMEM;
	default:
		/* not HTTP, closed half-way, a bad header: garbage */
		return -EBADMSG;
	}
}

static int http_perform(CURL *c, const char *socket_path, const char *url, unsigned int timeout_ms,
			const atomic_bool *stop, struct sink *s)
{
	long status = 0;
	CURLcode rc;

	if (curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path) ||
	    curl_easy_setopt(c, CURLOPT_URL, url) ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http") ||
	    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout_ms) ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms) ||
	    /* threads: no SIGALRM (nothing to resolve on a Unix socket anyway) */
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)RUNTIME_BODY_MAX) ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, s) ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)stop))
		return -EINVAL;
	rc = curl_easy_perform(c);
	if (rc == CURLE_FILESIZE_EXCEEDED)
		return -EFBIG;
	if (rc != CURLE_OK)
		return curl_error(rc, s);
	if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) || status <= 0)
		return -EBADMSG;
	return (int)status;
}

int runtime_http_get(const char *socket_path, const char *url_path, unsigned int timeout_ms,
		     const atomic_bool *stop, struct runtime_body *b)
{
	struct sink s = { .b = b };
	char url[URL_MAX];
	struct stat st;
	CURL *c;
	int ret;

	b->data = NULL;
	b->len = 0;
	/* no service running: the common case, answered without libcurl */
	if (stat(socket_path, &st) || !S_ISSOCK(st.st_mode))
		return -ENOENT;
	if (snprintf(url, sizeof(url), "%s%s", URL_PREFIX, url_path) >= (int)sizeof(url))
		return -ENAMETOOLONG;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK)
		return -ENOMEM;
	c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	ret = http_perform(c, socket_path, url, timeout_ms, stop, &s);
	curl_easy_cleanup(c);
	if (ret >= 0 && !b->data) {
		b->data = calloc(1, 1);	/* an empty body is still a string */
		if (!b->data)
			ret = -ENOMEM;
	}
	if (ret < 0)
		runtime_body_free(b);
	return ret;
}

int runtime_read_file(const char *path, size_t max, struct runtime_body *b)
{
	size_t cap = 0;
	struct stat st;
	int fd, err = 0;

	b->data = NULL;
	b->len = 0;
	/* O_NONBLOCK: a FIFO put in place of a state file must not hang the worker */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		err = -EINVAL;
	else if ((unsigned long long)st.st_size > max)
		err = -EFBIG;
	while (!err) {
		ssize_t n;

		if (!body_reserve(b, &cap, FIRST_ALLOC)) {
			err = -ENOMEM;
			break;
		}
		b->data[b->len] = '\0';
		n = read(fd, b->data + b->len, cap - b->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : 0;
			break;
		}
		b->len += (size_t)n;
		if (b->len > max)
			err = -EFBIG;	/* it grew while read */
	}
	close(fd);
	if (err)
		runtime_body_free(b);
	return err;
}
