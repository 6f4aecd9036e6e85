/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Basic-auth checks that hostile clients cannot make expensive:
 *
 *  - a successful check is cached, keyed on user, hash and password (an
 *    HMAC under a key drawn at start, so no password is kept), in a
 *    bounded table: a good scrape costs one bcrypt, the first time;
 *  - a check that is not cached runs on one worker thread while its
 *    connection is suspended: the thread that serves the other scrapes
 *    never waits for a bcrypt, and at most one CPU does them;
 *  - an unknown user costs what a known one does (the dummy hash);
 *  - at most AUTH_QUEUE_MAX checks wait; a request beyond is answered
 *    429 at once instead of queueing for ever.
 */
#ifndef VFLOW_HTTP_AUTH_H
#define VFLOW_HTTP_AUTH_H

#include <microhttpd.h>
#include "serve/webconfig.h"

/* waiting checks: with bcrypt cost 10 (60 ms here), half a second at most */
#define AUTH_QUEUE_MAX	8
/* cached successes; exporter-toolkit keeps 100 checks */
#define AUTH_CACHE_MAX	64

enum auth_verdict {
	AUTH_OK,
	AUTH_DENIED,
	AUTH_PENDING,	/* queued; the connection is suspended until it is checked */
	AUTH_BUSY,	/* too many checks waiting, or shutting down */
};

struct http_auth;
struct auth_job;

int http_auth__start(struct http_auth **out);
/*
 * No more checks: the waiting ones fail (AUTH_BUSY) and their connections
 * resume, and new ones are answered AUTH_BUSY. Call it before
 * MHD_stop_daemon(), which must find no connection suspended. NULL-safe.
 */
void http_auth__stop(struct http_auth *a);
void http_auth__free(struct http_auth *a);	/* stops it first; NULL-safe */

/*
 * @user:@password against @c, from the thread serving connection @conn.
 * AUTH_PENDING: @conn was suspended, and *@job is resumed with the verdict
 * (read it with http_auth__verdict()).
 */
enum auth_verdict http_auth__check(struct http_auth *a, const struct web_config *c,
				   struct MHD_Connection *conn, const char *user,
				   const char *password, struct auth_job **job);
/* The verdict of a finished @job, which is freed; NULL-safe (AUTH_BUSY). */
enum auth_verdict http_auth__verdict(struct auth_job *job);

#endif
