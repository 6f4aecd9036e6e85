// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The resolver against runtimes that misbehave, on real Unix sockets and
 * real files: a socket that accepts and never answers, one that drips a
 * byte at a time, ones that answer garbage (not HTTP, not JSON, endless,
 * an error status). Each lookup ends within its time limit or fails at
 * once, the state files still answer (read before the API is asked: a
 * `run --rm` container may be gone once it gave up), get() never waits,
 * an API that answers is the answer given, a source that
 * timed out is not asked again for a while, and the caches keep, retry,
 * refresh and stay within their sizes.
 *
 * Time bounds: a lookup's limit is exact (libcurl's timer); what a check
 * allows beyond it (SLACK_MS) is for this ASan build on 2 shared cores.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "host/runtime.h"
#include "fixture.h"

#define ID_WEB		"e782f72db22b50b949c921c43bb2d01260dee0769a1bba0ed97817763b07efc2"
#define ID_PLAIN	"9ccaaeade949591f59cd87bbebe40bbe63caf53a9a36ab826c94eaa9152b05e8"
#define ID_LATE		"1111111111111111111111111111111111111111111111111111111111111111"
#define TIMEOUT_MS	200
/* beyond a limit: scheduling of this ASan build on 2 cores shared with other builds */
#define SLACK_MS	2000
/* what a garbage answer may take: reading and refusing it, far below any limit */
#define LONG_TIMEOUT_MS	5000
/* a request that would outlast the test, and how often libcurl looks at the stop flag */
#define HUNG_TIMEOUT_MS	20000
#define PROGRESS_EVERY_MS	1000
#define DRIP_EVERY_MS	20
#define MAX_HELD	64
#define POLL_MS		2
#define MANY_GETS	1000
#define NR_IDS		12

enum fake_mode {
	FAKE_HANG,	/* accepts, never reads, never answers */
	FAKE_DRIP,	/* a valid status line, one byte at a time, forever */
	FAKE_NOT_HTTP,
	FAKE_NOT_JSON,
	FAKE_ENDLESS,	/* 200 with a body that never ends (past the 1 MiB limit) */
	FAKE_ERROR,	/* 500 with a JSON body */
	FAKE_ANSWER,	/* 200 with struct fake's body */
};

struct fake {
	enum fake_mode mode;
	char path[PATH_MAX];
	int listen_fd, stop_fd[2];
	int held[MAX_HELD], nr_held;
	atomic_int accepted;
	atomic_long sent;
	pthread_t thread;
	char *body;			/* FAKE_ANSWER's */
	size_t body_len;
	char gone_on_accept[PATH_MAX];	/* a file removed as a request comes: the container went */
};

#define TMP_DIR_LEN	64
static char tmp_dir[TMP_DIR_LEN];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* false once the client is gone or the test stops */
static bool send_all(struct fake *f, int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return false;
		atomic_fetch_add(&f->sent, w);
		p += w;
		n -= (size_t)w;
	}
	return true;
}

static bool stopping(struct fake *f, int timeout_ms)
{
	struct pollfd p = { f->stop_fd[0], POLLIN, 0 };

	return poll(&p, 1, timeout_ms) > 0;
}

#define SEND_LIT(f, fd, lit) send_all((f), (fd), (lit), sizeof(lit) - 1)

static void serve(struct fake *f, int fd)
{
	static const char status[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n";
	char req[4096], chunk[64 * 1024];

	if (f->mode != FAKE_HANG)
		(void)!read(fd, req, sizeof(req));
	switch (f->mode) {
	case FAKE_HANG:
		if (f->nr_held < MAX_HELD) {
			f->held[f->nr_held++] = fd;
			return;
		}
		break;
	case FAKE_DRIP:
		for (const char *p = status; !stopping(f, DRIP_EVERY_MS); p = p[1] ? p + 1 : status)
			if (!send_all(f, fd, p, 1))
				break;
		break;
	case FAKE_NOT_HTTP:
		SEND_LIT(f, fd, "\x16\x03\x01 this is no HTTP\r\n\r\n");
		break;
	case FAKE_NOT_JSON:
		SEND_LIT(f, fd, "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n<html>no</html>");
		break;
	case FAKE_ENDLESS:
		/* until the client hangs up: without a size limit, it would time out */
		memset(chunk, '[', sizeof(chunk));
		if (SEND_LIT(f, fd, status) && SEND_LIT(f, fd, "\r\n"))
			while (!stopping(f, 0) && send_all(f, fd, chunk, sizeof(chunk)))
				;
		break;
	case FAKE_ERROR:
		SEND_LIT(f, fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}");
		break;
	case FAKE_ANSWER:
		snprintf(chunk, sizeof(chunk), "%sContent-Length: %zu\r\n\r\n", status, f->body_len);
		if (send_all(f, fd, chunk, strlen(chunk)))
			send_all(f, fd, f->body, f->body_len);
		break;
	}
	close(fd);
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	for (;;) {
		struct pollfd p[2] = { { f->listen_fd, POLLIN, 0 }, { f->stop_fd[0], POLLIN, 0 } };
		int fd;

		if (poll(p, 2, -1) < 0 || p[1].revents)
			return NULL;
		fd = accept4(f->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		atomic_fetch_add(&f->accepted, 1);
		if (f->gone_on_accept[0])
			unlink(f->gone_on_accept);
		serve(f, fd);
	}
}

static struct fake *fake_start(enum fake_mode mode, const char *name)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	assert_non_null(f);
	f->mode = mode;
	snprintf(f->path, sizeof(f->path), "%s/%s.sock", tmp_dir, name);
	assert_true(strlen(f->path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, f->path);
	unlink(f->path);	/* left by a test that failed half-way */
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->listen_fd >= 0);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, MAX_HELD), 0);
	assert_int_equal(pipe2(f->stop_fd, O_CLOEXEC), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
	return f;
}

static void fake_stop(struct fake *f)
{
	(void)!write(f->stop_fd[1], "x", 1);
	pthread_join(f->thread, NULL);
	for (int i = 0; i < f->nr_held; i++)
		close(f->held[i]);
	close(f->listen_fd);
	close(f->stop_fd[0]);
	close(f->stop_fd[1]);
	unlink(f->path);
	free(f->body);
	free(f);
}

/* ---- state files ---- */

static void write_file(const char *path, const char *body, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(body, 1, len, f), len);
	fclose(f);
}

/* dockerd's state for @id: the captured config.v2.json of @fixture */
static void docker_state_add(const char *root, const char *id, const char *fixture)
{
	char path[PATH_MAX], *body;
	size_t len;

	body = fixture_read("runtime", fixture, &len);
	snprintf(path, sizeof(path), "%s/containers", root);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/containers/%s", root, id);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root, id);
	write_file(path, body, len);
	free(body);
}

static void docker_state_remove(const char *root, const char *id)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root, id);
	assert_int_equal(unlink(path), 0);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/vflow-runtime.XXXXXX");
	return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A configuration that asks only what a test gives it. */
static struct runtime_config config_none(void)
{
	struct runtime_config c;

	runtime_config_default(&c);
	c.docker_socket = c.podman_socket = c.docker_root = NULL;
	c.storage_graphroot = c.storage_runroot = c.containerd_state = NULL;
	c.timeout_ms = TIMEOUT_MS;
	return c;
}

/* ---- synchronous lookups ---- */

/* runtime_resolve() of ID_WEB: its error, and how long it took in *took_ms */
static int timed_resolve(const struct runtime_config *c, enum workload_runtime rt,
			 struct runtime_names *n, double *took_ms)
{
	double t0 = now_ms();
	int err = runtime_resolve(c, rt, ID_WEB, n);

	*took_ms = now_ms() - t0;
	return err;
}

/*
 * No answer, or a drip of one: the limit covers the whole request, not
 * each read, and it is the limit that ends it: not sooner, not much later.
 */
static void test_no_answer_times_out(void **state)
{
	static const struct {
		enum fake_mode mode;
		const char *name;
	} cases[] = { { FAKE_HANG, "hang" }, { FAKE_DRIP, "drip" } };
	struct runtime_config c = config_none();
	struct runtime_names n;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = fake_start(cases[i].mode, cases[i].name);
		double took;

		c.docker_socket = f->path;
		assert_int_equal(timed_resolve(&c, WORKLOAD_RT_DOCKER, &n, &took), -ETIMEDOUT);
		assert_int_equal(atomic_load(&f->accepted), 1);
		if (took < TIMEOUT_MS * 0.9 || took > TIMEOUT_MS + SLACK_MS)
			fail_msg("%s: the lookup took %.0f ms, its limit is %d ms", cases[i].name, took,
				 TIMEOUT_MS);
		if (cases[i].mode == FAKE_DRIP)
			assert_true(atomic_load(&f->sent) > 1);
		fake_stop(f);
	}
}

static void test_garbage_fails_cleanly(void **state)
{
	static const struct {
		enum fake_mode mode;
		const char *name;
	} cases[] = {
		{ FAKE_NOT_HTTP, "not-http" },
		{ FAKE_NOT_JSON, "not-json" },
		{ FAKE_ENDLESS, "endless" },
		{ FAKE_ERROR, "error" },
	};
	struct runtime_config c = config_none();
	struct runtime_names n;

	(void)state;
	c.timeout_ms = LONG_TIMEOUT_MS;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake *f = fake_start(cases[i].mode, cases[i].name);
		double took;
		int err;

		c.podman_socket = f->path;
		err = timed_resolve(&c, WORKLOAD_RT_PODMAN, &n, &took);
		if (err != -EBADMSG || took >= LONG_TIMEOUT_MS)
			fail_msg("%s: error %d after %.0f ms, want %d (EBADMSG) before the limit",
				 cases[i].name, err, took, -EBADMSG);
		assert_int_equal(atomic_load(&f->accepted), 1);
		fake_stop(f);
	}
}

/* The API hangs, dockerd's state answers: the name costs the limit, no more. */
static void test_hang_then_state(void **state)
{
	struct fake *f = fake_start(FAKE_HANG, "hang");
	struct runtime_config c = config_none();
	struct runtime_names n;
	double took;

	(void)state;
	docker_state_add(tmp_dir, ID_WEB, "docker_state_web-1.config.v2.json");
	c.docker_socket = f->path;
	c.docker_root = tmp_dir;
	assert_int_equal(timed_resolve(&c, WORKLOAD_RT_DOCKER, &n, &took), 0);
	assert_int_equal(n.source, RUNTIME_SRC_DOCKER_STATE);
	assert_string_equal(n.name, "web-1");
	assert_string_equal(n.pod, "shop-7d9");
	if (took > TIMEOUT_MS + SLACK_MS)
		fail_msg("took %.0f ms, the API's limit is %d ms", took, TIMEOUT_MS);
	docker_state_remove(tmp_dir, ID_WEB);
	fake_stop(f);
}

/*
 * A `run --rm` container: gone from dockerd's state by the time a hung
 * API gives up. The state was read before the API was asked: named.
 */
static void test_state_read_before_api(void **state)
{
	struct fake *f = fake_start(FAKE_HANG, "hang-gone");
	struct runtime_config c = config_none();
	struct runtime_names n;
	double took;

	(void)state;
	docker_state_add(tmp_dir, ID_WEB, "docker_state_web-1.config.v2.json");
	snprintf(f->gone_on_accept, sizeof(f->gone_on_accept), "%s/containers/%s/config.v2.json",
		 tmp_dir, ID_WEB);
	c.docker_socket = f->path;
	c.docker_root = tmp_dir;
	assert_int_equal(timed_resolve(&c, WORKLOAD_RT_DOCKER, &n, &took), 0);
	assert_int_equal(atomic_load(&f->accepted), 1);	/* the API was asked, and hung */
	assert_int_equal(access(f->gone_on_accept, F_OK), -1);
	assert_int_equal(n.source, RUNTIME_SRC_DOCKER_STATE);
	assert_string_equal(n.name, "web-1");
	fake_stop(f);
}

/* Both answer, differently: the API's answer is the one given. */
static void test_api_answer_wins(void **state)
{
	struct fake *f = fake_start(FAKE_ANSWER, "answer");
	struct runtime_config c = config_none();
	struct runtime_names n;
	double took;

	(void)state;
	f->body = fixture_read("runtime", "docker_api_plain-1.json", &f->body_len);
	docker_state_add(tmp_dir, ID_WEB, "docker_state_web-1.config.v2.json");
	c.docker_socket = f->path;
	c.docker_root = tmp_dir;
	assert_int_equal(timed_resolve(&c, WORKLOAD_RT_DOCKER, &n, &took), 0);
	assert_int_equal(n.source, RUNTIME_SRC_DOCKER_API);
	assert_string_equal(n.name, "plain-1");
	docker_state_remove(tmp_dir, ID_WEB);
	fake_stop(f);
}

/* ---- the resolver ---- */

/* get() until it answers, at most @limit_ms */
static enum runtime_answer wait_answer(struct runtime_resolver *r, const char *id,
				       struct runtime_names *n, double limit_ms)
{
	double t0 = now_ms();
	enum runtime_answer a;

	while ((a = runtime_resolver__get(r, WORKLOAD_RT_DOCKER, id, n)) == RUNTIME_PENDING &&
	       now_ms() - t0 < limit_ms)
		sleep_ms(POLL_MS);
	return a;
}

static unsigned long long lookups_of(struct runtime_resolver *r)
{
	struct runtime_stats st;

	runtime_resolver__stats(r, &st);
	return st.lookups;
}

/* wait until the worker has run more than @n lookups */
static void wait_lookups(struct runtime_resolver *r, unsigned long long n)
{
	double t0 = now_ms();

	while (lookups_of(r) <= n && now_ms() - t0 < SLACK_MS)
		sleep_ms(POLL_MS);
	assert_true(lookups_of(r) > n);
}

static void test_resolver_hung_api(void **state)
{
	struct fake *f = fake_start(FAKE_HANG, "hang");
	struct runtime_config c = config_none();
	struct runtime_resolver *r;
	struct runtime_stats st;
	struct runtime_names n;
	double t0, took;

	(void)state;
	docker_state_add(tmp_dir, ID_WEB, "docker_state_web-1.config.v2.json");
	docker_state_add(tmp_dir, ID_PLAIN, "docker_api_plain-1.json");
	c.docker_socket = f->path;
	c.docker_root = tmp_dir;
	r = runtime_resolver__new(&c);
	assert_non_null(r);

	/* while the worker waits on the API, the caller does not */
	assert_int_equal(runtime_resolver__get(r, WORKLOAD_RT_DOCKER, ID_WEB, &n), RUNTIME_PENDING);
	t0 = now_ms();
	for (int i = 0; i < MANY_GETS; i++)
		runtime_resolver__get(r, WORKLOAD_RT_DOCKER, ID_WEB, &n);
	took = now_ms() - t0;
	if (took >= TIMEOUT_MS)
		fail_msg("%d get() took %.0f ms: they waited for the worker", MANY_GETS, took);

	assert_int_equal(wait_answer(r, ID_WEB, &n, TIMEOUT_MS + SLACK_MS), RUNTIME_KNOWN);
	assert_int_equal(n.source, RUNTIME_SRC_DOCKER_STATE);
	assert_string_equal(n.name, "web-1");
	/* the API timed out once; the next container does not ask it again */
	assert_int_equal(wait_answer(r, ID_PLAIN, &n, SLACK_MS), RUNTIME_KNOWN);
	assert_string_equal(n.name, "plain-1");
	runtime_resolver__stats(r, &st);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(atomic_load(&f->accepted), 1);
	runtime_resolver__free(r);
	docker_state_remove(tmp_dir, ID_WEB);
	docker_state_remove(tmp_dir, ID_PLAIN);
	fake_stop(f);
}

/* Unknown is remembered for retry_ms, then asked again. */
static void test_resolver_retry(void **state)
{
	struct runtime_config c = config_none();
	struct runtime_resolver *r;
	struct runtime_names n;
	unsigned long long seen;

	(void)state;
	c.docker_root = tmp_dir;
	c.retry_ms = TIMEOUT_MS;
	r = runtime_resolver__new(&c);
	assert_non_null(r);
	assert_int_equal(wait_answer(r, ID_LATE, &n, SLACK_MS), RUNTIME_UNKNOWN);
	seen = lookups_of(r);
	assert_int_equal(runtime_resolver__get(r, WORKLOAD_RT_DOCKER, ID_LATE, &n), RUNTIME_UNKNOWN);
	assert_int_equal(lookups_of(r), seen);	/* answered from the cache */

	docker_state_add(tmp_dir, ID_LATE, "docker_api_plain-1.json");
	sleep_ms(TIMEOUT_MS);
	/* the old answer stands while the new lookup runs */
	assert_int_equal(runtime_resolver__get(r, WORKLOAD_RT_DOCKER, ID_LATE, &n), RUNTIME_UNKNOWN);
	wait_lookups(r, seen);
	assert_int_equal(runtime_resolver__get(r, WORKLOAD_RT_DOCKER, ID_LATE, &n), RUNTIME_KNOWN);
	assert_string_equal(n.name, "plain-1");
	runtime_resolver__free(r);
	docker_state_remove(tmp_dir, ID_LATE);
}

/* A refresh that finds nothing keeps the name: the container is gone, not renamed. */
static void test_resolver_known_outlives(void **state)
{
	struct runtime_config c = config_none();
	struct runtime_resolver *r;
	struct runtime_names n;
	unsigned long long seen;

	(void)state;
	docker_state_add(tmp_dir, ID_WEB, "docker_state_web-1.config.v2.json");
	c.docker_root = tmp_dir;
	c.refresh_ms = TIMEOUT_MS;
	r = runtime_resolver__new(&c);
	assert_non_null(r);
	assert_int_equal(wait_answer(r, ID_WEB, &n, SLACK_MS), RUNTIME_KNOWN);
	docker_state_remove(tmp_dir, ID_WEB);
	seen = lookups_of(r);
	sleep_ms(TIMEOUT_MS);
	assert_int_equal(runtime_resolver__get(r, WORKLOAD_RT_DOCKER, ID_WEB, &n), RUNTIME_KNOWN);
	wait_lookups(r, seen);	/* the refresh ran, and found nothing */
	memset(&n, 0, sizeof(n));
	assert_int_equal(runtime_resolver__get(r, WORKLOAD_RT_DOCKER, ID_WEB, &n), RUNTIME_KNOWN);
	assert_string_equal(n.name, "web-1");
	assert_string_equal(n.image, "vflow-test/rootfs:1");
	runtime_resolver__free(r);
}

/* The cache and the queue stay within their sizes, whatever is asked. */
static void test_resolver_bounds(void **state)
{
	struct fake *f = fake_start(FAKE_HANG, "hang");
	struct runtime_config c = config_none();
	struct runtime_resolver *r;
	struct runtime_stats st;
	struct runtime_names n;
	char id[NR_IDS][WORKLOAD_ID_LEN];

	(void)state;
	c.docker_socket = f->path;	/* the worker is busy with the first for TIMEOUT_MS */
	c.cache_max = 4;
	c.queue_max = 2;
	r = runtime_resolver__new(&c);
	assert_non_null(r);
	for (int i = 0; i < NR_IDS; i++) {
		snprintf(id[i], sizeof(id[i]), "%064x", i + 1);
		runtime_resolver__get(r, WORKLOAD_RT_DOCKER, id[i], &n);
		runtime_resolver__stats(r, &st);
		assert_true(st.queued <= c.queue_max);
		assert_true(st.cached <= c.cache_max);
	}
	/* every one is answered in the end, the cache still within its size */
	for (int i = 0; i < NR_IDS; i++)
		assert_int_equal(wait_answer(r, id[i], &n, TIMEOUT_MS + SLACK_MS), RUNTIME_UNKNOWN);
	runtime_resolver__stats(r, &st);
	assert_true(st.cached <= c.cache_max);
	assert_int_equal(st.queued, 0);
	runtime_resolver__free(r);
	fake_stop(f);
}

/* Stopping does not wait out a hung request. */
static void test_resolver_free_while_hung(void **state)
{
	struct fake *f = fake_start(FAKE_HANG, "hang");
	struct runtime_config c = config_none();
	struct runtime_resolver *r;
	struct runtime_names n;
	double t0, took;

	(void)state;
	c.docker_socket = f->path;
	c.timeout_ms = HUNG_TIMEOUT_MS;
	r = runtime_resolver__new(&c);
	assert_non_null(r);
	runtime_resolver__get(r, WORKLOAD_RT_DOCKER, ID_WEB, &n);
	t0 = now_ms();
	while (!atomic_load(&f->accepted) && now_ms() - t0 < SLACK_MS)
		sleep_ms(POLL_MS);
	assert_int_equal(atomic_load(&f->accepted), 1);
	t0 = now_ms();
	runtime_resolver__free(r);
	took = now_ms() - t0;
	/* libcurl calls the progress callback that sees the stop about once a second */
	if (took > PROGRESS_EVERY_MS + SLACK_MS)
		fail_msg("stopping took %.0f ms: it waited for the hung request", took);
	fake_stop(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_answer_times_out),
		cmocka_unit_test(test_garbage_fails_cleanly),
		cmocka_unit_test(test_hang_then_state),
		cmocka_unit_test(test_state_read_before_api),
		cmocka_unit_test(test_api_answer_wins),
		cmocka_unit_test(test_resolver_hung_api),
		cmocka_unit_test(test_resolver_retry),
		cmocka_unit_test(test_resolver_known_outlives),
		cmocka_unit_test(test_resolver_bounds),
		cmocka_unit_test(test_resolver_free_while_hung),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, setup, teardown);
}
