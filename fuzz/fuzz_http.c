// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The exporter's request handling, over a real socket: three http_servers on
 * 127.0.0.1 (started once), one plain; one with basic auth (alice, a bcrypt
 * hash of cost 4), headers and a rate limit; one with TLS (a certificate
 * made with GnuTLS at start), a client certificate policy and a suite list,
 * so raw bytes reach the handshake: the ClientHello reader, the suite
 * choice, the client certificate check. Each input picks a server by its
 * first byte; the rest is sent as the request, the write side shut down,
 * the reply read with a short timeout, the socket closed.
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
#include "fuzz_tls.h"

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
/* a connection queued behind the servers' limits completes well within this */
#define CONNECT_MS	(10 * 1000)
#define NR_SERVERS	3
/* many requests a second: the limit is there to be reached now and then */
#define AUTH_CONFIG_FMT	"basic_auth_users:\n  alice: %s\nhttp_server_config:\n  headers:\n" \
			"    X-Frame-Options: deny\nrate_limit:\n  interval: 1ms\n  burst: 50\n"
#define TLS_CONFIG_FMT	"tls_server_config:\n  cert_file: %s\n  key_file: %s\n" \
			"  client_auth_type: VerifyClientCertIfGiven\n  client_ca_file: %s\n" \
			"  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, " \
			"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA]\n  min_version: TLS10\n"
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

static int ports[NR_SERVERS];	/* plain, auth, TLS */
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

/* A web config file with @text, loaded (the server reads it again itself). */
static struct web_config *config(const char *name, const char *text)
{
	static struct web_config web[NR_SERVERS];
	static int n;
	char path[FUZZ_PATH_LEN], err[ERR_LEN];

	fuzz_memfd_file(name, text, path);
	if (web_config__load(path, &web[n], err, sizeof(err))) {
		fprintf(stderr, "fuzz_http: %s\n", err);
		exit(1);
	}
	return &web[n++];
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
	char *cert, *key, *text, crt_path[FUZZ_PATH_LEN], key_path[FUZZ_PATH_LEN];

	(void)argc, (void)argv;
	/* a server that closes first must not kill the client with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	reply = malloc(REPLY_MAX + 1);
	if (!reply)
		exit(1);
	ports[0] = start(NULL);
	if (asprintf(&text, AUTH_CONFIG_FMT, ALICE_HASH) < 0)
		exit(1);
	ports[1] = start(config("fuzz-auth", text));
	free(text);
	fuzz_make_cert(&cert, &key);
	fuzz_memfd_file("fuzz-cert", cert, crt_path);
	fuzz_memfd_file("fuzz-key", key, key_path);
	if (asprintf(&text, TLS_CONFIG_FMT, crt_path, key_path, crt_path) < 0)
		exit(1);
	ports[2] = start(config("fuzz-tls", text));
	free(text);
	free(cert);
	free(key);
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
	socklen_t soerr_len = sizeof(int);
	size_t sent = 0, got = 0;
	int fd, soerr = 0;
	ssize_t n;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("fuzz_http: socket");
		abort();	/* out of descriptors: the leak check's business */
	}
	/* non-blocking: a server that stops reading must not hang the fuzzer */
	fcntl(fd, F_SETFL, O_NONBLOCK);
	/*
	 * While the servers hold their connection limit (a client that half-closed
	 * waits out the idle timeout), new connections queue in the kernel: a
	 * connect may wait, and libFuzzer's timer signal may interrupt it. Only
	 * one that never completes means a server that stopped accepting.
	 */
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    (errno != EINPROGRESS && errno != EINTR)) {
		perror("fuzz_http: connect");
		abort();	/* the server died */
	}
	if (!ready(fd, POLLOUT, CONNECT_MS) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &soerr_len) ||
	    soerr) {
		fprintf(stderr, "fuzz_http: connect: %s\n", soerr ? strerror(soerr) : "no answer in 10 s");
		abort();
	}
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
	int server;
	bool auth;
	size_t got;

	if (!size || size > INPUT_MAX)
		return 0;
	server = data[0] % NR_SERVERS;
	auth = server == 1;
	got = exchange(ports[server], data + 1, size - 1);
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
