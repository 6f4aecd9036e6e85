// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit tests of workload_parse(): one cmocka test per cgroup path, so the
 * TAP output names the layout that broke.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "host/workload.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Long-path tests: just under PATH_MAX, as a deep or hostile tree can be. */
#define LONG_PATH_LEN 4000

#define ID1 "4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970"
#define ID1_SHORT "4f797c539e6c"
#define ID2 "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d"
#define ID2_SHORT "9ec39b91f3d7"
#define ID_UPPER "9EC39B91F3D70E1BEFF50A308F77067065EA6BE0D91A3378375056CD4422CF3D"
/* kubelet uuids: dashes with cgroupfs, underscores in systemd slice names */
#define POD "5c3e2a1b-8f7d-4e6c-9b0a-1d2e3f4a5b6c"
#define POD_ "5c3e2a1b_8f7d_4e6c_9b0a_1d2e3f4a5b6c"
/* static (mirror) pods: md5 of the manifest */
#define POD_HASH "b1946ac92492d2347c6235b4d2611184"

#define HOST WORKLOAD_RT_HOST
#define DOCKER WORKLOAD_RT_DOCKER
#define CTRD WORKLOAD_RT_CONTAINERD
#define CRIO WORKLOAD_RT_CRIO
#define PODMAN WORKLOAD_RT_PODMAN
#define LXC WORKLOAD_RT_LXC
#define NSPAWN WORKLOAD_RT_NSPAWN
#define KPOD WORKLOAD_RT_KUBEPOD
#define NONE WORKLOAD_QOS_NONE
#define GUAR WORKLOAD_QOS_GUARANTEED
#define BURST WORKLOAD_QOS_BURSTABLE
#define BEST WORKLOAD_QOS_BESTEFFORT

struct row {
	const char *path;
	enum workload_runtime rt;
	enum workload_qos qos;
	const char *id;
	const char *pod;
	const char *name;	/* NULL: the path itself */
};

static const struct row rows[] = {
	/* host */
	{ "/", HOST, NONE, "", "", NULL },
	{ "/init.scope", HOST, NONE, "", "", NULL },
	{ "/system.slice/ssh.service", HOST, NONE, "", "", NULL },
	{ "/user.slice/user-1000.slice/session-2.scope", HOST, NONE, "", "", NULL },
	{ "/system.slice/containerd.service", HOST, NONE, "", "", NULL },
	{ "/system.slice/" ID1, HOST, NONE, "", "", NULL },
	{ "/system.slice/docker.service", HOST, NONE, "", "", NULL },

	/* docker */
	{ "/system.slice/docker-" ID1 ".scope", DOCKER, NONE, ID1, "", "docker:" ID1_SHORT },
	{ "/docker/" ID1, DOCKER, NONE, ID1, "", "docker:" ID1_SHORT },
	{ "//system.slice//docker-" ID1 ".scope/", DOCKER, NONE, ID1, "", "docker:" ID1_SHORT },
	{ "/user.slice/user-1000.slice/user@1000.service/docker-" ID1 ".scope",
	  DOCKER, NONE, ID1, "", "docker:" ID1_SHORT },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/docker-" ID1 ".scope",
	  DOCKER, NONE, ID1, "", "docker:" ID1_SHORT },
	{ "/docker/" ID1 "/docker/" ID2, DOCKER, NONE, ID2, "", "docker:" ID2_SHORT },
	{ "/system.slice/docker-" ID1 ".scope/init.scope", DOCKER, NONE, ID1, "",
	  "docker:" ID1_SHORT },
	/* malformed ids are not workloads */
	{ "/system.slice/docker-xyz.scope", HOST, NONE, "", "", NULL },
	{ "/system.slice/docker-" ID_UPPER ".scope", HOST, NONE, "", "", NULL },
	{ "/system.slice/docker-" ID1 "0.scope", HOST, NONE, "", "", NULL },
	{ "/system.slice/docker-4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c3842814297.scope",
	  HOST, NONE, "", "", NULL },
	{ "/system.slice/docker-" ID1 ".service", HOST, NONE, "", "", NULL },
	{ "/system.slice/dockerd-" ID1 ".scope", HOST, NONE, "", "", NULL },
	{ "/system.slice/docker_" ID1 ".scope", HOST, NONE, "", "", NULL },

	/* containerd */
	{ "/system.slice/cri-containerd-" ID1 ".scope", CTRD, NONE, ID1, "",
	  "containerd:" ID1_SHORT },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_
	  ".slice:cri-containerd:" ID1, CTRD, BURST, ID1, POD, "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods.slice/kubepods-pod" POD_ ".slice:cri-containerd:" ID1,
	  CTRD, GUAR, ID1, POD, "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods.slice/kubepods-pod" POD_ ".slice:cri-containerd:xyz", HOST, NONE, "", "",
	  NULL },
	{ "/system.slice:docker:" ID1, DOCKER, NONE, ID1, "", "docker:" ID1_SHORT },

	/* CRI-O */
	{ "/system.slice/crio-" ID1 ".scope", CRIO, NONE, ID1, "", "crio:" ID1_SHORT },
	{ "/system.slice/crio-conmon-" ID1 ".scope", CRIO, NONE, ID1, "", "crio:" ID1_SHORT },
	{ "/system.slice/crio-" ID1 ".scope/container", CRIO, NONE, ID1, "",
	  "crio:" ID1_SHORT },

	/* podman */
	{ "/machine.slice/libpod-" ID1 ".scope", PODMAN, NONE, ID1, "", "podman:" ID1_SHORT },
	{ "/machine.slice/libpod-" ID1 ".scope/container", PODMAN, NONE, ID1, "",
	  "podman:" ID1_SHORT },
	{ "/machine.slice/libpod-conmon-" ID1 ".scope", PODMAN, NONE, ID1, "",
	  "podman:" ID1_SHORT },
	{ "/libpod_parent/libpod-" ID1, PODMAN, NONE, ID1, "", "podman:" ID1_SHORT },
	{ "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID1
	  ".scope/container", PODMAN, NONE, ID1, "", "podman:" ID1_SHORT },
	{ "/machine.slice/machine-libpod_pod_" ID2 ".slice/libpod-" ID1 ".scope",
	  PODMAN, NONE, ID1, "", "podman:" ID1_SHORT },
	{ "/machine.slice/machine-libpod_pod_" ID2 ".slice", HOST, NONE, "", "", NULL },

	/* kubernetes, cgroupfs driver */
	{ "/kubepods/pod" POD "/" ID1, CTRD, GUAR, ID1, POD, "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods/burstable/pod" POD "/" ID1, CTRD, BURST, ID1, POD,
	  "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods/besteffort/pod" POD "/" ID1, CTRD, BEST, ID1, POD,
	  "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods/besteffort/pod" POD "/crio-" ID1, CRIO, BEST, ID1, POD,
	  "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods/pod" POD, KPOD, GUAR, "", POD, "k8s:" POD },
	{ "/kubepods/burstable/pod" POD, KPOD, BURST, "", POD, "k8s:" POD },
	{ "/kubepods/besteffort/pod" POD "/", KPOD, BEST, "", POD, "k8s:" POD },
	{ "/kubepods/burstable/pod" POD "/" ID1 "/sub", CTRD, BURST, ID1, POD,
	  "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods", HOST, NONE, "", "", NULL },
	{ "/kubepods/burstable", HOST, NONE, "", "", NULL },
	{ "/kubepods/burstable/podxyz/" ID1, HOST, NONE, "", "", NULL },
	{ "/kubepods/burstable/pod" POD "x/" ID1, HOST, NONE, "", "", NULL },
	{ "/other/pod" POD "/" ID1, HOST, NONE, "", "", NULL },

	/* kubernetes, systemd driver */
	{ "/kubepods.slice/kubepods-pod" POD_ ".slice/cri-containerd-" ID1 ".scope",
	  CTRD, GUAR, ID1, POD, "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_
	  ".slice/crio-" ID1 ".scope", CRIO, BURST, ID1, POD, "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_
	  ".slice/crio-conmon-" ID1 ".scope", CRIO, BURST, ID1, POD,
	  "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_
	  ".slice/docker-" ID1 ".scope", DOCKER, BEST, ID1, POD, "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_
	  ".slice/cri-containerd-" ID1 ".scope", CTRD, BEST, ID1, POD,
	  "k8s:" POD "/" ID1_SHORT },
	{ "/kubepods.slice/kubepods-pod" POD_ ".slice", KPOD, GUAR, "", POD, "k8s:" POD },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_ ".slice",
	  KPOD, BURST, "", POD, "k8s:" POD },
	{ "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" POD_ ".slice",
	  KPOD, BEST, "", POD, "k8s:" POD },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_HASH
	  ".slice/cri-containerd-" ID1 ".scope", CTRD, BURST, ID1, POD_HASH,
	  "k8s:" POD_HASH "/" ID1_SHORT },
	{ "/kubepods.slice", HOST, NONE, "", "", NULL },
	{ "/kubepods.slice/kubepods-burstable.slice", HOST, NONE, "", "", NULL },
	{ "/kubepods.slice/kubepods-besteffort.slice", HOST, NONE, "", "", NULL },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_
	  "z.slice/crio-" ID1 ".scope", CRIO, NONE, ID1, "", "crio:" ID1_SHORT },
	{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podnotauid.slice",
	  HOST, NONE, "", "", NULL },
	{ "/system.slice/notkubepods-pod" POD_ ".slice", HOST, NONE, "", "", NULL },

	/* kubernetes nested in a node container (kind, k3d) */
	{ "/system.slice/docker-" ID1 ".scope/kubepods/burstable/pod" POD "/" ID2,
	  CTRD, BURST, ID2, POD, "k8s:" POD "/" ID2_SHORT },
	{ "/system.slice/docker-" ID1 ".scope/kubepods/besteffort/pod" POD "/" ID2,
	  CTRD, BEST, ID2, POD, "k8s:" POD "/" ID2_SHORT },
	{ "/system.slice/docker-" ID1 ".scope/kubepods/pod" POD "/" ID2,
	  CTRD, GUAR, ID2, POD, "k8s:" POD "/" ID2_SHORT },
	{ "/docker/" ID1 "/kubepods/burstable/pod" POD "/cri-containerd-" ID2 ".scope",
	  CTRD, BURST, ID2, POD, "k8s:" POD "/" ID2_SHORT },
	{ "/system.slice/docker-" ID1 ".scope/kubelet.slice/kubelet-kubepods.slice/"
	  "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" POD_
	  ".slice/cri-containerd-" ID2 ".scope", CTRD, BEST, ID2, POD,
	  "k8s:" POD "/" ID2_SHORT },
	{ "/system.slice/docker-" ID1 ".scope/kubelet.slice/kubelet-kubepods.slice/"
	  "kubelet-kubepods-pod" POD_ ".slice/cri-containerd-" ID2 ".scope",
	  CTRD, GUAR, ID2, POD, "k8s:" POD "/" ID2_SHORT },
	{ "/system.slice/docker-" ID1 ".scope/kubepods/burstable/pod" POD,
	  KPOD, BURST, "", POD, "k8s:" POD },
	/* QoS levels and the node's own services stay with the node */
	{ "/system.slice/docker-" ID1 ".scope/kubepods/burstable", DOCKER, NONE, ID1, "",
	  "docker:" ID1_SHORT },
	{ "/system.slice/docker-" ID1 ".scope/system.slice/containerd.service",
	  DOCKER, NONE, ID1, "", "docker:" ID1_SHORT },
	/* docker-in-pod: the inner container no longer belongs to the pod */
	{ "/kubepods/pod" POD "/" ID1 "/docker/" ID2, DOCKER, NONE, ID2, "",
	  "docker:" ID2_SHORT },

	/* LXC */
	{ "/lxc/web1", LXC, NONE, "web1", "", "lxc:web1" },
	{ "/lxc/web1/init.scope", LXC, NONE, "web1", "", "lxc:web1" },
	{ "/lxc.payload.web1", LXC, NONE, "web1", "", "lxc:web1" },
	{ "/lxc.payload.web1/system.slice/nginx.service", LXC, NONE, "web1", "", "lxc:web1" },
	{ "/lxc.payload/web1", LXC, NONE, "web1", "", "lxc:web1" },
	{ "/lxc.monitor.web1", HOST, NONE, "", "", NULL },
	{ "/lxc", HOST, NONE, "", "", NULL },
	{ "/lxc.payload.", HOST, NONE, "", "", NULL },
	{ "/lxc.payload.db:1", LXC, NONE, "db:1", "", "lxc:db:1" },
	{ "/system.slice/getty@tty:1.service", HOST, NONE, "", "", NULL },
	{ "/lxc.payload.web1/system.slice/docker-" ID1 ".scope", DOCKER, NONE, ID1, "",
	  "docker:" ID1_SHORT },

	/* systemd-nspawn / machined */
	{ "/machine.slice/systemd-nspawn@debian.service", NSPAWN, NONE, "debian", "",
	  "nspawn:debian" },
	{ "/machine.slice/systemd-nspawn@debian.service/payload/system.slice/cron.service",
	  NSPAWN, NONE, "debian", "", "nspawn:debian" },
	{ "/machine.slice/systemd-nspawn@debian\\x2dtest.service", NSPAWN, NONE,
	  "debian-test", "", "nspawn:debian-test" },
	{ "/machine.slice/machine-debian.scope", NSPAWN, NONE, "debian", "", "nspawn:debian" },
	{ "/machine.slice/machine-debian\\x2dtest.scope", NSPAWN, NONE, "debian-test", "",
	  "nspawn:debian-test" },
	{ "/machine.slice/machine-a\\x2Db\\x2ec.scope", NSPAWN, NONE, "a-b.c", "",
	  "nspawn:a-b.c" },
	/* libvirt VMs: host until VMs get a runtime */
	{ "/machine.slice/machine-qemu\\x2d1\\x2dguest.scope", HOST, NONE, "", "", NULL },
	{ "/machine.slice/machine-qemu\\x2d1\\x2dguest.scope/libvirt/vcpu0", HOST, NONE, "",
	  "", NULL },
	/* escapes that do not make a name */
	{ "/machine.slice/machine-bad\\xZZ.scope", HOST, NONE, "", "", NULL },
	{ "/machine.slice/machine-bad\\x2.scope", HOST, NONE, "", "", NULL },
	{ "/machine.slice/machine-nul\\x00.scope", HOST, NONE, "", "", NULL },
	{ "/machine.slice/machine-sl\\x2fash.scope", HOST, NONE, "", "", NULL },
	{ "/machine.slice/machine-.scope", HOST, NONE, "", "", NULL },
	{ "/system.slice/machine-debian.scope", HOST, NONE, "", "", NULL },
	{ "/machine.slice", HOST, NONE, "", "", NULL },
};

static void check(const struct workload *w, const struct row *r)
{
	assert_int_equal(w->runtime, r->rt);
	assert_int_equal(w->paradigm, r->rt == WORKLOAD_RT_HOST ? VFLOW_PARADIGM_HOST :
								  VFLOW_PARADIGM_CONTAINER);
	assert_int_equal(w->qos, r->qos);
	assert_string_equal(w->id, r->id);
	assert_string_equal(w->pod_uid, r->pod);
	assert_string_equal(w->name, r->name ? r->name : r->path);
}

static void test_row(void **state)
{
	const struct row *r = *state;
	struct workload w;

	/* Garbage first: every field must be written, not inherited. */
	memset(&w, 0xa5, sizeof(w));
	assert_int_equal(workload_parse(r->path, &w), 0);
	check(&w, r);
}

static void test_invalid(void **state)
{
	static const struct row zero = { "", HOST, NONE, "", "", "" };
	struct workload w;

	(void)state;
	memset(&w, 0xa5, sizeof(w));
	assert_int_equal(workload_parse(NULL, &w), -EINVAL);
	check(&w, &zero);
	memset(&w, 0xa5, sizeof(w));
	assert_int_equal(workload_parse("", &w), -EINVAL);
	check(&w, &zero);
	memset(&w, 0xa5, sizeof(w));
	assert_int_equal(workload_parse("system.slice/docker-" ID1 ".scope", &w), -EINVAL);
	check(&w, &zero);
	assert_int_equal(workload_parse("/", NULL), -EINVAL);
}

static char long_path[LONG_PATH_LEN + 1];

/* "/aaaa/aaaa/.../" up to LONG_PATH_LEN - strlen(tail), then tail. */
static const char *long_path_make(const char *tail)
{
	size_t n = LONG_PATH_LEN - strlen(tail);

	for (size_t i = 0; i < n; i++)
		long_path[i] = i % 8 ? 'a' : '/';
	memcpy(long_path + n, tail, strlen(tail) + 1);
	assert_int_equal(strlen(long_path), LONG_PATH_LEN);
	return long_path;
}

static void test_long_host(void **state)
{
	char want[WORKLOAD_NAME_LEN];
	struct workload w;

	(void)state;
	long_path_make("/x.service");
	assert_int_equal(workload_parse(long_path, &w), 0);
	assert_int_equal(w.runtime, WORKLOAD_RT_HOST);
	assert_int_equal(w.paradigm, VFLOW_PARADIGM_HOST);
	memcpy(want, long_path, sizeof(want) - 1);
	want[sizeof(want) - 1] = '\0';
	assert_string_equal(w.name, want);
}

static void test_long_docker(void **state)
{
	struct workload w;

	(void)state;
	long_path_make("/system.slice/docker-" ID1 ".scope");
	assert_int_equal(workload_parse(long_path, &w), 0);
	assert_int_equal(w.runtime, WORKLOAD_RT_DOCKER);
	assert_string_equal(w.id, ID1);
	assert_string_equal(w.name, "docker:" ID1_SHORT);
}

/* One huge component of each kind must be refused, not copied. */
static void test_long_component(void **state)
{
	static const char *const prefixes[] = {
		"/system.slice/docker-", "/lxc.payload.", "/lxc/", "/kubepods/pod",
		"/machine.slice/machine-", "/machine.slice/systemd-nspawn@",
		"/kubepods.slice/kubepods-pod",
	};
	struct workload w;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);

		memset(long_path, 'a', LONG_PATH_LEN);
		long_path[LONG_PATH_LEN] = '\0';
		memcpy(long_path, prefixes[i], n);
		assert_int_equal(workload_parse(long_path, &w), 0);
		assert_int_equal(w.runtime, WORKLOAD_RT_HOST);
		assert_int_equal(strlen(w.name), WORKLOAD_NAME_LEN - 1);
	}
}

/* Names of the longest accepted length fit; one more byte does not. */
static void test_name_limit(void **state)
{
	char path[sizeof("/lxc.payload.") + WORKLOAD_ID_LEN + 1];
	struct workload w;

	(void)state;
	memset(path, 'n', sizeof(path));
	memcpy(path, "/lxc.payload.", strlen("/lxc.payload."));
	path[strlen("/lxc.payload.") + WORKLOAD_ID_LEN - 1] = '\0';
	assert_int_equal(workload_parse(path, &w), 0);
	assert_int_equal(w.runtime, WORKLOAD_RT_LXC);
	assert_int_equal(strlen(w.id), WORKLOAD_ID_LEN - 1);

	path[strlen("/lxc.payload.") + WORKLOAD_ID_LEN - 1] = 'n';
	path[strlen("/lxc.payload.") + WORKLOAD_ID_LEN] = '\0';
	assert_int_equal(workload_parse(path, &w), 0);
	assert_int_equal(w.runtime, WORKLOAD_RT_HOST);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(workload_runtime_name(WORKLOAD_RT_HOST), "host");
	assert_string_equal(workload_runtime_name(WORKLOAD_RT_DOCKER), "docker");
	assert_string_equal(workload_runtime_name(WORKLOAD_RT_CONTAINERD), "containerd");
	assert_string_equal(workload_runtime_name(WORKLOAD_RT_CRIO), "crio");
	assert_string_equal(workload_runtime_name(WORKLOAD_RT_PODMAN), "podman");
	assert_string_equal(workload_runtime_name(WORKLOAD_RT_LXC), "lxc");
	assert_string_equal(workload_runtime_name(WORKLOAD_RT_NSPAWN), "nspawn");
	assert_string_equal(workload_runtime_name(WORKLOAD_RT_KUBEPOD), "kubepod");
	assert_string_equal(workload_runtime_name(WORKLOAD_RT_MAX), "unknown");
	assert_string_equal(workload_runtime_name((enum workload_runtime)-1), "unknown");
	assert_string_equal(workload_qos_name(WORKLOAD_QOS_NONE), "");
	assert_string_equal(workload_qos_name(WORKLOAD_QOS_GUARANTEED), "guaranteed");
	assert_string_equal(workload_qos_name(WORKLOAD_QOS_BURSTABLE), "burstable");
	assert_string_equal(workload_qos_name(WORKLOAD_QOS_BESTEFFORT), "besteffort");
	assert_string_equal(workload_qos_name((enum workload_qos)42), "unknown");
}

static const struct CMUnitTest fixed_tests[] = {
	cmocka_unit_test(test_invalid),
	cmocka_unit_test(test_long_host),
	cmocka_unit_test(test_long_docker),
	cmocka_unit_test(test_long_component),
	cmocka_unit_test(test_name_limit),
	cmocka_unit_test(test_names),
};

int main(void)
{
	static struct CMUnitTest tests[ARRAY_SIZE(rows) + ARRAY_SIZE(fixed_tests)];

	cmocka_set_message_output(CM_OUTPUT_TAP);
	/* One test per row, named by its path. */
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		tests[i].name = rows[i].path;
		tests[i].test_func = test_row;
		tests[i].initial_state = (void *)&rows[i];
	}
	for (size_t i = 0; i < ARRAY_SIZE(fixed_tests); i++)
		tests[ARRAY_SIZE(rows) + i] = fixed_tests[i];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
