// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the runtimes keep about a container, to names: the bodies in
 * tests/fixtures/runtime (captured from real docker, podman and
 * containerd; CRI-O's written from its source, see the README there), and
 * the malformed, hostile and odd bodies a runtime of another version, or
 * something else on its socket, could give. Then the display name and the
 * exporter labels made of the names.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "host/runtime.h"
#include "host/runtime_json.h"
#include "fixture.h"

#define WEB1_PODMAN	"eee75bd088b51deee3d01d02d6be2725946c2663a893980090e8bf55bcb0fee6"
#define DB2_PODMAN	"0584bd0c5daf10d5b3cd0b5d97d23325df7db8570df966a5c8228ca644a858cb"
#define CRIO_SANDBOX	"3f6c2b8a9d1e4f507a6b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b"
#define CRIO_WEB	"9d2e7c4b1a0f8e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d"
#define ID_ZEROES	"0000000000000000000000000000000000000000000000000000000000000000"
#define IMPORTED	"vflow-test/rootfs:1"
#define DISPLAY_LEN	(2 * RUNTIME_NAME_LEN)
#define LONG_REPEAT	300	/* more than any field holds */

struct body {
	char *p;
	size_t len;
};

static struct body fixture(const char *name)
{
	struct body b = {};

	b.p = fixture_read("runtime", name, &b.len);
	return b;
}

static int parse_fixture(const char *name, int (*parse)(const char *, size_t, struct runtime_names *),
			 struct runtime_names *n)
{
	struct body b = fixture(name);
	int err;

	memset(n, 0, sizeof(*n));
	err = parse(b.p, b.len, n);
	free(b.p);
	return err;
}

static int storage_fixture(const char *name, const char *id, struct runtime_names *n)
{
	struct body b = fixture(name);
	int err;

	memset(n, 0, sizeof(*n));
	err = runtime_json_storage(b.p, b.len, id, n);
	free(b.p);
	return err;
}

static void expect_names(const struct runtime_names *n, const char *name, const char *image,
			 const char *pod, const char *ns, const char *ctr)
{
	assert_string_equal(n->name, name);
	assert_string_equal(n->image, image);
	assert_string_equal(n->pod, pod);
	assert_string_equal(n->pod_namespace, ns);
	assert_string_equal(n->pod_container, ctr);
}

static void expect_display(enum workload_runtime rt, const struct runtime_names *n, const char *want)
{
	char buf[DISPLAY_LEN];

	assert_string_equal(runtime_names_display(rt, n, buf, sizeof(buf)), want);
}

static void expect_labels(const struct runtime_names *n, const char *ctr, const char *image,
			  const char *pod, const char *ns)
{
	assert_string_equal(runtime_label_value(n, RUNTIME_LABEL_CONTAINER), ctr);
	assert_string_equal(runtime_label_value(n, RUNTIME_LABEL_IMAGE), image);
	assert_string_equal(runtime_label_value(n, RUNTIME_LABEL_POD), pod);
	assert_string_equal(runtime_label_value(n, RUNTIME_LABEL_NAMESPACE), ns);
}

/* ---- docker ---- */

static void test_docker_api(void **state)
{
	struct runtime_names n;

	(void)state;
	assert_int_equal(parse_fixture("docker_api_web-1.json", runtime_json_inspect, &n), 0);
	expect_names(&n, "web-1", IMPORTED, "shop-7d9", "prod", "web");
	assert_false(n.sandbox);
	expect_display(WORKLOAD_RT_DOCKER, &n, "k8s:prod/shop-7d9/web");
	expect_labels(&n, "web", IMPORTED, "shop-7d9", "prod");

	assert_int_equal(parse_fixture("docker_api_plain-1.json", runtime_json_inspect, &n), 0);
	expect_names(&n, "plain-1", IMPORTED, "", "", "");
	expect_display(WORKLOAD_RT_DOCKER, &n, "docker:plain-1");
	expect_labels(&n, "plain-1", IMPORTED, "", "");

	/* {"message":"No such container: ..."} */
	assert_int_equal(parse_fixture("docker_api_404.json", runtime_json_inspect, &n), -ENOENT);
	expect_names(&n, "", "", "", "", "");
}

/* dockerd's config.v2.json says what its API says */
static void test_docker_state(void **state)
{
	struct runtime_names api, disk;

	(void)state;
	assert_int_equal(parse_fixture("docker_api_web-1.json", runtime_json_inspect, &api), 0);
	assert_int_equal(parse_fixture("docker_state_web-1.config.v2.json", runtime_json_inspect, &disk),
			 0);
	assert_memory_equal(&api, &disk, sizeof(api));
}

/* ---- podman ---- */

static void test_podman_api(void **state)
{
	struct runtime_names n;

	(void)state;
	assert_int_equal(parse_fixture("podman_api_web-1.json", runtime_json_inspect, &n), 0);
	expect_names(&n, "web-1", "localhost/" IMPORTED, "shop-7d9", "prod", "web");
	assert_int_equal(parse_fixture("podman_api_404.json", runtime_json_inspect, &n), -ENOENT);
}

static void test_podman_storage(void **state)
{
	struct runtime_names n;
	struct body b;

	(void)state;
	assert_int_equal(storage_fixture("podman_storage_containers.json", WEB1_PODMAN, &n), 0);
	expect_names(&n, "web-1", "localhost/" IMPORTED, "", "", "");
	expect_display(WORKLOAD_RT_PODMAN, &n, "podman:web-1");
	assert_int_equal(storage_fixture("podman_storage_containers.json", DB2_PODMAN, &n), 0);
	expect_names(&n, "db-2", "localhost/" IMPORTED, "", "", "");
	assert_int_equal(storage_fixture("podman_storage_containers.json", ID_ZEROES, &n), -ENOENT);

	/* web-1's bundle: libpod's annotations, nothing that names it */
	memset(&n, 0, sizeof(n));
	assert_int_equal(parse_fixture("podman_storage_web-1.config.json", runtime_json_oci_spec, &n),
			 -ENOENT);
	/* db-2's: --annotation io.kubernetes.pod.name, added to what the list said */
	assert_int_equal(storage_fixture("podman_storage_containers.json", DB2_PODMAN, &n), 0);
	b = fixture("podman_storage_db-2.config.json");
	assert_int_equal(runtime_json_oci_spec(b.p, b.len, &n), 0);
	free(b.p);
	expect_names(&n, "db-2", "localhost/" IMPORTED, "shop-7d9", "", "");
	expect_display(WORKLOAD_RT_PODMAN, &n, "k8s:shop-7d9/db-2");
	expect_labels(&n, "db-2", "localhost/" IMPORTED, "shop-7d9", "");
}

/* ---- containerd, CRI-O ---- */

static void test_containerd_bundle(void **state)
{
	struct runtime_names n;

	(void)state;
	assert_int_equal(parse_fixture("containerd_cri_web.config.json", runtime_json_oci_spec, &n), 0);
	expect_names(&n, "", "registry.example/shop/web:1.2", "shop-7d9", "prod", "web");
	expect_display(WORKLOAD_RT_CONTAINERD, &n, "k8s:prod/shop-7d9/web");
	/* docker's bundle in containerd's moby namespace: no annotations */
	assert_int_equal(parse_fixture("containerd_moby_web-1.config.json", runtime_json_oci_spec, &n),
			 -ENOENT);
}

static void test_crio(void **state)
{
	struct runtime_names n;
	struct body b;

	(void)state;
	assert_int_equal(storage_fixture("crio_containers.json", CRIO_SANDBOX, &n), 0);
	assert_true(n.sandbox);
	assert_int_equal(storage_fixture("crio_containers.json", CRIO_WEB, &n), 0);
	assert_false(n.sandbox);
	b = fixture("crio_web.config.json");
	assert_int_equal(runtime_json_oci_spec(b.p, b.len, &n), 0);
	free(b.p);
	expect_names(&n, "k8s_web_shop-7d9_prod_0f2c5a36-5b2e-4c8e-9d1a-3e8f6b7a9c01_0",
		     "registry.example/shop/web:1.2", "shop-7d9", "prod", "web");
	expect_display(WORKLOAD_RT_CRIO, &n, "k8s:prod/shop-7d9/web");
}

/* The pod's sandbox: named by its pod alone, no container label. */
static void test_sandboxes(void **state)
{
	static const char cri[] = "{\"ociVersion\":\"1.0.2\",\"annotations\":{"
		"\"io.kubernetes.cri.container-type\":\"sandbox\","
		"\"io.kubernetes.cri.sandbox-name\":\"shop-7d9\","
		"\"io.kubernetes.cri.sandbox-namespace\":\"prod\"}}";
	static const char dockershim[] = "{\"Name\":\"/k8s_POD_shop-7d9_prod_0\",\"Config\":{"
		"\"Image\":\"registry.k8s.io/pause:3.9\",\"Labels\":{"
		"\"io.kubernetes.docker.type\":\"podsandbox\","
		"\"io.kubernetes.pod.name\":\"shop-7d9\","
		"\"io.kubernetes.pod.namespace\":\"prod\"}}}";
	struct runtime_names n = {};

	(void)state;
	assert_int_equal(runtime_json_oci_spec(cri, strlen(cri), &n), 0);
	assert_true(n.sandbox);
	expect_display(WORKLOAD_RT_CONTAINERD, &n, "k8s:prod/shop-7d9");
	expect_labels(&n, "", "", "shop-7d9", "prod");
	memset(&n, 0, sizeof(n));
	assert_int_equal(runtime_json_inspect(dockershim, strlen(dockershim), &n), 0);
	assert_true(n.sandbox);
	expect_display(WORKLOAD_RT_DOCKER, &n, "k8s:prod/shop-7d9");
}

/* ---- bodies that are not what a runtime writes ---- */

static int inspect_str(const char *s, struct runtime_names *n)
{
	memset(n, 0, sizeof(*n));
	return runtime_json_inspect(s, strlen(s), n);
}

static void test_malformed(void **state)
{
	static const char *const garbage[] = {
		"", " ", "{", "{\"Name\":\"/a\"", "[]", "\"x\"", "null", "42",
		"{\"Name\":\"/a\"} trailing", "{\"Name\":\"/a\",}", "{'Name':'/a'}",
		"HTTP/1.1 200 OK\r\n\r\n{}", "{\"Name\":\"/\xff\xfe\"}",	/* not UTF-8 */
		"{\"Name\":\"/a\"}{\"Name\":\"/b\"}",
	};
	static const char bad_meta[] = "[{\"id\":\"" ID_ZEROES "\",\"names\":[\"x\"],"
				       "\"metadata\":\"{not json\"}]";
	struct runtime_names n;

	(void)state;
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		if (inspect_str(garbage[i], &n) != -EBADMSG)
			fail_msg("\"%s\" was not refused as garbage", garbage[i]);
		expect_names(&n, "", "", "", "", "");
	}
	assert_int_equal(runtime_json_inspect(NULL, 0, &n), -EBADMSG);
	/* the right syntax, not the shape: nothing named */
	assert_int_equal(inspect_str("{}", &n), -ENOENT);
	assert_int_equal(inspect_str("{\"Name\":5,\"Config\":{\"Image\":[\"x\"],\"Labels\":\"y\"}}", &n),
			 -ENOENT);
	assert_int_equal(inspect_str("{\"Name\":\"/\"}", &n), -ENOENT);
	/* a label of the wrong type is left out, the rest stays */
	assert_int_equal(inspect_str("{\"Name\":\"/a\",\"Config\":{\"Labels\":{"
				     "\"io.kubernetes.pod.name\":7,\"io.kubernetes.pod.namespace\":\"ns\"}}}",
				     &n), 0);
	expect_names(&n, "a", "", "", "ns", "");
	/* an OCI spec is an object with ociVersion; a list is an array */
	memset(&n, 0, sizeof(n));
	assert_int_equal(runtime_json_oci_spec("{\"annotations\":{}}", strlen("{\"annotations\":{}}"), &n),
			 -EBADMSG);
	assert_int_equal(runtime_json_storage("{}", 2, ID_ZEROES, &n), -EBADMSG);
	assert_int_equal(runtime_json_storage("[]", 2, NULL, &n), -EBADMSG);
	/* an entry whose metadata is garbage still has its names */
	assert_int_equal(runtime_json_storage(bad_meta, strlen(bad_meta), ID_ZEROES, &n), 0);
	expect_names(&n, "x", "", "", "", "");
}

/* Values reach terminals and label values: no control bytes, no cut UTF-8. */
static void test_hostile_values(void **state)
{
	char body[8192], *p = body;
	struct runtime_names n;
	size_t len;

	(void)state;
	assert_int_equal(inspect_str("{\"Name\":\"/a\\u001b[31mb\\u0000c\\u007f\\n\"}", &n), 0);
	assert_string_equal(n.name, "a?[31mb?c??");
	/* C1 controls (8-bit CSI), overlong forms json-c lets through, surrogates */
	assert_int_equal(inspect_str("{\"Name\":\"/a\\u009b2Jb\"}", &n), 0);
	assert_string_equal(n.name, "a?2Jb");
	assert_int_equal(inspect_str("{\"Name\":\"/a\xc1\xbb\xe0\x80\xaf" "b\"}", &n), 0);
	assert_string_equal(n.name, "a?????b");
	assert_int_equal(inspect_str("{\"Name\":\"/a\\ud800b\"}", &n), 0);
	assert_string_equal(n.name, "a\xef\xbf\xbd" "b");	/* json-c: U+FFFD */
	assert_int_equal(inspect_str("{\"Name\":\"/caf\xc3\xa9 \xf0\x9f\x90\xb3\"}", &n), 0);
	assert_string_equal(n.name, "caf\xc3\xa9 \xf0\x9f\x90\xb3");
	/* 300 two-byte characters: cut before a lead byte, not inside one */
	p += sprintf(p, "{\"Name\":\"/");
	for (int i = 0; i < LONG_REPEAT; i++)
		p += sprintf(p, "\xc3\xa9");
	p += sprintf(p, "\",\"Config\":{\"Image\":\"");
	for (int i = 0; i < LONG_REPEAT; i++)
		p += sprintf(p, "ab");
	sprintf(p, "\"}}");
	assert_int_equal(inspect_str(body, &n), 0);
	len = strlen(n.name);
	assert_true(len < RUNTIME_NAME_LEN && len >= RUNTIME_NAME_LEN - 2);
	assert_int_equal(len % 2, 0);
	assert_int_equal((unsigned char)n.name[len - 2], 0xc3);
	assert_int_equal(strlen(n.image), RUNTIME_IMAGE_LEN - 1);
}

/* Two files of one source add up: what is there already is kept. */
static void test_fill_only_empty(void **state)
{
	static const char body[] = "{\"Name\":\"/other\",\"Config\":{\"Image\":\"img\"}}";
	struct runtime_names n = {};

	(void)state;
	strcpy(n.name, "kept");
	assert_int_equal(runtime_json_inspect(body, strlen(body), &n), 0);
	assert_string_equal(n.name, "kept");
	assert_string_equal(n.image, "img");
}

/* ---- display, labels, arguments ---- */

static void test_display_edges(void **state)
{
	struct runtime_names n = {};
	char small[8] = "xxxxxxx";

	(void)state;
	expect_display(WORKLOAD_RT_DOCKER, &n, "");	/* names nothing: the caller's name stands */
	expect_display(WORKLOAD_RT_DOCKER, NULL, "");
	strcpy(n.name, "web-1");
	assert_string_equal(runtime_names_display(WORKLOAD_RT_DOCKER, &n, small, sizeof(small)),
			    "docker:");
	assert_string_equal(runtime_names_display(WORKLOAD_RT_DOCKER, &n, small, 0), "docker:");
	assert_string_equal(runtime_label_value(NULL, RUNTIME_LABEL_POD), "");
	assert_string_equal(runtime_label_value(&n, RUNTIME_LABEL_MAX), "");
	assert_string_equal(runtime_label_name(RUNTIME_LABEL_CONTAINER), "container");
	assert_string_equal(runtime_label_name(RUNTIME_LABEL_IMAGE), "image");
	assert_string_equal(runtime_label_name(RUNTIME_LABEL_POD), "pod");
	assert_string_equal(runtime_label_name(RUNTIME_LABEL_NAMESPACE), "namespace");
	assert_string_equal(runtime_label_name(RUNTIME_LABEL_MAX), "unknown");
	assert_string_equal(runtime_source_name(RUNTIME_SRC_DOCKER_API), "docker API");
	assert_string_equal(runtime_source_name(RUNTIME_SRC_MAX), "unknown");
}

static void test_resolve_arguments(void **state)
{
	static const enum workload_runtime none[] = {
		WORKLOAD_RT_HOST, WORKLOAD_RT_LXC, WORKLOAD_RT_NSPAWN, WORKLOAD_RT_KUBEPOD,
		WORKLOAD_RT_MAX,
	};
	static const char *const bad_ids[] = {
		NULL, "", "abc", "../../../../etc/passwd",
		"E782F72DB22B50B949C921C43BB2D01260DEE0769A1BBA0ED97817763B07EFC2",
		ID_ZEROES "0", "%2e%2e/containers/x/json?0000000000000000000000000000000000000000",
	};
	struct runtime_config cfg;
	struct runtime_names n;

	(void)state;
	runtime_config_default(&cfg);
	assert_string_equal(cfg.docker_socket, "/var/run/docker.sock");
	assert_int_equal(cfg.timeout_ms, RUNTIME_TIMEOUT_MS);
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		assert_int_equal(runtime_resolve(&cfg, none[i], ID_ZEROES, &n), -EOPNOTSUPP);
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		assert_int_equal(runtime_resolve(&cfg, WORKLOAD_RT_DOCKER, bad_ids[i], &n), -EINVAL);
	assert_int_equal(runtime_resolve(NULL, WORKLOAD_RT_DOCKER, ID_ZEROES, &n), -EINVAL);
}

/* --runtime: paths changed or switched off, the timeout, "off", and one line for anything else. */
static void test_config_parse(void **state)
{
	char spec[] = "docker-socket=/t/docker.sock,podman-socket=,storage-root=/t/root,timeout-ms=40";
	char off[] = "off", bad_key[] = "docker-sock=/x", bad_ms[] = "timeout-ms=0", no_eq[] = "docker-root";
	struct runtime_config cfg;
	char err[512] = "";
	bool is_off = true;

	(void)state;
	runtime_config_default(&cfg);
	assert_int_equal(runtime_config_parse(&cfg, spec, &is_off, err, sizeof(err)), 0);
	assert_false(is_off);
	assert_string_equal(cfg.docker_socket, "/t/docker.sock");
	assert_null(cfg.podman_socket);		/* empty: not asked */
	assert_string_equal(cfg.storage_graphroot, "/t/root");
	assert_string_equal(cfg.docker_root, RUNTIME_DOCKER_ROOT);	/* not named: the default */
	assert_int_equal(cfg.timeout_ms, 40);
	assert_int_equal(runtime_config_parse(&cfg, off, &is_off, err, sizeof(err)), 0);
	assert_true(is_off);
	assert_int_equal(runtime_config_parse(&cfg, bad_key, &is_off, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'docker-sock=/x'"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(runtime_config_parse(&cfg, bad_ms, &is_off, err, sizeof(err)), -EINVAL);
	assert_int_equal(runtime_config_parse(&cfg, no_eq, &is_off, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docker_api),
		cmocka_unit_test(test_docker_state),
		cmocka_unit_test(test_podman_api),
		cmocka_unit_test(test_podman_storage),
		cmocka_unit_test(test_containerd_bundle),
		cmocka_unit_test(test_crio),
		cmocka_unit_test(test_sandboxes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_fill_only_empty),
		cmocka_unit_test(test_display_edges),
		cmocka_unit_test(test_resolve_arguments),
		cmocka_unit_test(test_config_parse),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
