// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's request handling, over a real socket: two http_servers on
 * 127.0.0.1 (started once), one plain and one with basic auth (alice, a
 * bcrypt hash of cost 4). Each input picks one by its first byte; the rest
 * is sent as the request, the write side shut down, the reply read with a
 * short timeout, the socket closed.
 *
 * Checked beyond "no crash": nothing is served by the auth server to a
 * request without an Authorization header, and the process's descriptors
 * stay flat (a leaked client or server socket shows up within a few
 * thousand inputs).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "serve/http.h"
#include "serve/webconfig.h"

#define ERR_LEN		512
#define INPUT_MAX	(64 * 1024)	/* twice the server's per-connection memory */
/*
 * A reply from loopback comes within a millisecond. Silence means the
 * server waits for more of the request: libmicrohttpd 0.9.75 (epoll, edge
 * triggered) misses a FIN that arrives with the data and holds such a
 * connection, or a keep-alive one after its reply, until the idle timeout.
 * Waiting for that end of file would cost seconds per input.
 */
#define POLL_MS		50
/* once a reply came, the rest of it (pipelined requests) follows at once */
#define POLL_MORE_MS	5
#define REPLY_MAX	(256 * 1024)
#define START_TRIES	20
#define IDLE_TIMEOUT_S	2		/* bounds how long a half-sent request holds a socket */
#define MAX_CONNS	16
#define FD_CHECK_EVERY	1024		/* inputs between descriptor counts */
#define FD_SETTLE_S	5		/* the server closes its side asynchronously */
/* ours, the servers' listening and connection sockets, their poll fds */
#define FD_SLACK	(2 * (2 * MAX_CONNS) + 16)
#define METRICS_MARK	"fuzz_scrapes_total"
#define LANDING_MARK	"<h1>vflow exporter</h1>"
/* htpasswd -nbBC 4 alice secret */
#define ALICE_HASH	"$2b$04$87LPDgpKDwrOg3Kxa08qwOMStUtz.ay/vBfBjuGEwEvyjH3S6dv4a"

static const char body[] =
	"# HELP " METRICS_MARK " Scrapes served.\n"
	"# TYPE " METRICS_MARK " counter\n"
	METRICS_MARK " 1\n";

static struct web_user alice = { "alice", ALICE_HASH };
static struct web_config auth_web = { .users = &alice, .nr_users = 1 };
static int port_plain, port_auth;
static int fd_baseline;
static unsigned long inputs;
static char *reply;

static char *render(void *ctx, bool openmetrics, size_t *len)
{
	char *b = strdup(body);

	(void)ctx, (void)openmetrics;
	*len = b ? strlen(b) : 0;
	return b;
}

/* A loopback port free a moment ago (http_server__start wants a number). */
static int pick_port(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    !getsockname(fd, (struct sockaddr *)&sin, &len))
		port = ntohs(sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int start(const struct web_config *web)
{
	struct http_opts o = { .web = web, .max_connections = MAX_CONNS,
			       .timeout_s = IDLE_TIMEOUT_S };
	struct http_server *s;
	char addr[32], err[ERR_LEN] = "";

	/* another process may take the port between pick and start: retry */
	for (int i = 0; i < START_TRIES; i++) {
		int port = pick_port();

		snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
		o.listen_address = addr;
		if (port > 0 && !http_server__start(&s, &o, render, NULL, err, sizeof(err)))
			return port;	/* runs until the fuzzer exits */
	}
	fprintf(stderr, "fuzz_http: cannot start a server: %s\n", err);
	exit(1);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	/* a server that closes first must not kill the client with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	reply = malloc(REPLY_MAX + 1);
	if (!reply)
		exit(1);
	port_plain = start(NULL);
	port_auth = start(&auth_web);
	fd_baseline = count_fds();
	return 0;
}

/* Wait up to @ms for @events; false on timeout or error. */
static bool ready(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0;
}

/* One connection: send, shut the write side, read what comes back. */
static size_t exchange(int port, const uint8_t *data, size_t size)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	size_t sent = 0, got = 0;
	ssize_t n;
	int fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("fuzz_http: socket");
		abort();	/* out of descriptors: the leak check's business */
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("fuzz_http: connect");
		abort();	/* the server died */
	}
	/* non-blocking: a server that stops reading must not hang the fuzzer */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (sent < size && ready(fd, POLLOUT, POLL_MS)) {
		n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
		if (n <= 0 && errno != EAGAIN && errno != EINTR)
			break;	/* the server closed early (431, 400): fine */
		sent += n > 0 ? (size_t)n : 0;
	}
	shutdown(fd, SHUT_WR);
	while (got < REPLY_MAX && ready(fd, POLLIN, got ? POLL_MORE_MS : POLL_MS)) {
		n = recv(fd, reply + got, REPLY_MAX - got, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	reply[got] = '\0';
	/* a reset, so the server frees the connection now, not at its idle timeout */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
	close(fd);
	return got;
}

static bool has(const uint8_t *data, size_t size, const char *word)
{
	size_t n = strlen(word);

	for (size_t i = 0; i + n <= size; i++)
		if (!strncasecmp((const char *)data + i, word, n))
			return true;
	return false;
}

static void check_fds(void)
{
	int n = count_fds();

	for (int i = 0; i < FD_SETTLE_S * 10 && n > fd_baseline + FD_SLACK; i++) {
		usleep(100 * 1000);
		n = count_fds();
	}
	if (n > fd_baseline + FD_SLACK) {
		fprintf(stderr, "fuzz_http: %d descriptors open, %d at start: a socket leaks\n", n,
			fd_baseline);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool auth;
	size_t got;

	if (!size || size > INPUT_MAX)
		return 0;
	auth = data[0] & 1;
	got = exchange(auth ? port_auth : port_plain, data + 1, size - 1);
	/* the auth server serves nothing without credentials, not even the landing page */
	if (auth && got && (memmem(reply, got, METRICS_MARK, strlen(METRICS_MARK)) ||
			    memmem(reply, got, LANDING_MARK, strlen(LANDING_MARK))) &&
	    !has(data + 1, size - 1, "authorization")) {
		fprintf(stderr, "fuzz_http: served without credentials:\n%.512s\n", reply);
		abort();
	}
	if (++inputs % FD_CHECK_EVERY == 0)
		check_fds();
	return 0;
}
