#!/usr/bin/env bash
# Container names from real runtimes, started here and stopped after, each
# with its state in this test's folder: containerd and dockerd (Debian
# docker.io), containerd alone for a CRI-style bundle, podman with and
# without `podman system service`. The image is made offline: a tarball of
# a static busybox and tests/helpers/sysloop, imported. Each container is
# named the way vflow will: its cgroup v2 path (from /proc/PID/cgroup) read
# by host/workload.c, then the runtime asked through
# build/tests/runtime_resolve (host/runtime.h). Checked exactly: source,
# name, image, pod, namespace, container, display name. The cgroups live
# below /vflow-test-PID/ (--cgroup-parent), removed at the end.
# Prints the lookup times of each source (median of LOOKUPS; the ASan
# build unless RUNTIME_RESOLVE names another, docs/IDENTITY.md).
. "$(dirname "$0")/../lib.sh"

# RUNTIME_RESOLVE: another build of tests/drivers/runtime_resolve.c, to time it
RESOLVE=${RUNTIME_RESOLVE:-$BUILD/tests/runtime_resolve}
SYSLOOP=$BUILD/tests/sysloop
DOCKER_CLI=/usr/bin/docker	# docker.io's, not another on the PATH
IMAGE=vflow-test/rootfs:1
POD=shop-7d9 POD_NS=prod POD_CTR=web
POD_UID=0f2c5a36-5b2e-4c8e-9d1a-3e8f6b7a9c01
CRI_IMAGE=registry.example/shop/web:1.2
LOOKUPS=50
BUILD_KIND=${RUNTIME_RESOLVE:+"$(basename "$RUNTIME_RESOLVE")"}
BUILD_KIND=${BUILD_KIND:-ASan build}
START_S=30	# a daemon's start, on 2 busy cores
LIMIT_MS=250	# the API limit the hung-socket check uses
NAMES=("docker: API names web-1 by its cgroup path (name, image, pod labels)"
       "docker: API names a container without labels docker:plain-1"
       "docker: dockerd's state names web-1 without the API"
       "docker: a hung API socket costs its limit, then dockerd's state answers"
       "docker: a removed container is unknown to the API and the state"
       "containerd: a CRI bundle names the pod's container by its cgroup path"
       "containerd: docker's bundle in the moby namespace names nothing"
       "podman: API (podman system service) names web-1 (name, image, pod labels)"
       "podman: containers/storage names web-1 with the service stopped (name, image)"
       "podman: containers/storage adds the bundle's annotations to db-2"
       "podman: a removed container is unknown to containers/storage")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (container runtimes, cgroups)" "${NAMES[@]}"
missing=()
for p in docker.io containerd podman runc busybox-static; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] ||
	skip_all "not installed: ${missing[*]} (scripts/deps.sh installs them)" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
for bin in "$RESOLVE" "$SYSLOOP"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done

T=$TMP
CGROUP_TOP=vflow-test-$$
RESULTS=()	# one entry per check, in the order of NAMES: "ok" or a reason

# ---- helpers ---------------------------------------------------------------

. "$(dirname "$0")/../runtimes.sh"

on_exit unmount_all
on_exit remove_cgroups

log_tail() { diag "$1 log: $(tail -5 "$2" 2>/dev/null | tr '\n' ' ')"; }

# cgroup_of PID: its cgroup v2 path
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# resolve OUT ARGS...: runtime_resolve's first line into OUT
resolve() {
	local out=$1; shift
	"$RESOLVE" "$@" >"$out" 2>"$out.err" || diag "runtime_resolve: $(cat "$out.err")"
}

# expect OUT 'key=value'...: the JSON line in OUT has these values; "" or
# a reason why not
expect() {
	python3 - "$@" <<'PY'
import json, sys
path, pairs = sys.argv[1], sys.argv[2:]
try:
    got = json.loads(open(path).readline())
except Exception as e:
    print("no answer (%s)" % e)
    sys.exit(0)
bad = []
for p in pairs:
    k, v = p.split("=", 1)
    g = got.get(k)
    g = ("true" if g else "false") if isinstance(g, bool) else g
    if g != v:
        bad.append("%s is %r, want %r" % (k, g, v))
print("; ".join(bad))
PY
}

# check_resolve INDEX OUT 'key=value'...: record the result of NAMES[INDEX]
check_resolve() {
	local i=$1 out=$2 why; shift 2
	why=$(expect "$out" "$@")
	RESULTS[i]=${why:-ok}
	[ -z "$why" ] || diag "$(cat "$out")"
}

# median_of ARGS...: "<median> ms" of LOOKUPS runtime_resolve --sync
median_of() {
	"$RESOLVE" --sync --repeat "$LOOKUPS" "$@" 2>/dev/null |
		python3 -c 'import json, sys; d = json.loads(sys.stdin.readline()); print("%.2f ms (%s)" % (d["median_ms"], d["answer"]))' 2>/dev/null
}

fail_group() {	# fail_group FIRST LAST WHY
	local i
	for ((i = $1; i <= $2; i++)); do [ -n "${RESULTS[i]:-}" ] || RESULTS[i]="not run: $3"; done
}

# ---- the image: busybox and sysloop ----------------------------------------

mkdir -p "$T/rootfs/bin"
cp /bin/busybox "$SYSLOOP" "$T/rootfs/bin/"
for a in sh sleep; do ln -s busybox "$T/rootfs/bin/$a"; done
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
# the workload makes its calls, then stays for the lookups
WORKLOAD=(/bin/sh -c '/bin/sysloop 1000 && exec /bin/sleep 600')

# ---- containerd and dockerd ------------------------------------------------

start_containerd() {
	cat >"$T/containerd.toml" <<-EOF
	version = 2
	root = "$T/containerd/root"
	state = "$T/containerd/state"
	disabled_plugins = ["io.containerd.grpc.v1.cri"]
	[grpc]
	  address = "$T/containerd.sock"
	[ttrpc]
	  address = "$T/containerd.sock.ttrpc"
	EOF
	containerd --config "$T/containerd.toml" >"$T/containerd.log" 2>&1 &
	CONTAINERD_PID=$!
	on_exit "stop_pid $CONTAINERD_PID"
	wait_daemon $CONTAINERD_PID test -S "$T/containerd.sock"
}

start_dockerd() {
	echo '{}' >"$T/daemon.json"
	dockerd --config-file "$T/daemon.json" --iptables=false --bridge=none \
		--containerd="$T/containerd.sock" --data-root "$T/docker" \
		--exec-root "$T/docker-exec" --pidfile "$T/docker.pid" \
		-H "unix://$T/docker.sock" >"$T/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	on_exit "stop_pid $DOCKERD_PID"
	wait_daemon $DOCKERD_PID "$DOCKER_CLI" -H "unix://$T/docker.sock" version
}

docker() { "$DOCKER_CLI" -H "unix://$T/docker.sock" "$@"; }
ctr_k8s() { ctr -a "$T/containerd.sock" -n k8s.io "$@"; }

hung_api() {	# a socket that accepts and never answers, until stdin closes
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(8)
held = [s.accept()[0] for _ in range(8)]' "$T/hung.sock" &
	HUNG_PID=$!
	on_exit "kill $HUNG_PID; wait $HUNG_PID"
	wait_for 10 test -S "$T/hung.sock"
}

docker_checks() {
	local web plain pid path out=$T/docker.json
	if ! docker import "$T/rootfs.tar" "$IMAGE" >/dev/null 2>"$T/import.err"; then
		diag "docker import: $(cat "$T/import.err")"
		return 1
	fi
	on_exit "'$DOCKER_CLI' -H 'unix://$T/docker.sock' rm -f web-1 >/dev/null 2>&1;" \
		"'$DOCKER_CLI' -H 'unix://$T/docker.sock' rm -f plain-1 >/dev/null 2>&1"
	web=$(docker run -d --name web-1 --network=none --cgroup-parent "/$CGROUP_TOP/docker" \
		--label io.kubernetes.pod.name=$POD --label io.kubernetes.pod.namespace=$POD_NS \
		--label io.kubernetes.container.name=$POD_CTR "$IMAGE" "${WORKLOAD[@]}") &&
	plain=$(docker run -d --name plain-1 --network=none --cgroup-parent "/$CGROUP_TOP/docker" \
		"$IMAGE" "${WORKLOAD[@]}") || { log_tail dockerd "$T/dockerd.log"; return 1; }
	pid=$(docker inspect -f '{{.State.Pid}}' web-1)
	path=$(cgroup_of "$pid")
	diag "web-1: $path"

	resolve "$out" --docker-socket "$T/docker.sock" "$path"
	check_resolve 0 "$out" runtime=docker "id=$web" answer=known "source=docker API" name=web-1 \
		"image=$IMAGE" pod=$POD namespace=$POD_NS container=$POD_CTR sandbox=false \
		"display=k8s:$POD_NS/$POD/$POD_CTR"
	resolve "$out" --docker-socket "$T/docker.sock" "docker:$plain"
	check_resolve 1 "$out" answer=known "source=docker API" name=plain-1 "image=$IMAGE" \
		pod= namespace= container= display=docker:plain-1
	resolve "$out" --docker-root "$T/docker" "$path"
	check_resolve 2 "$out" answer=known "source=docker state" name=web-1 "image=$IMAGE" \
		pod=$POD namespace=$POD_NS container=$POD_CTR
	hung_api
	resolve "$out" --timeout-ms $LIMIT_MS --docker-socket "$T/hung.sock" --docker-root "$T/docker" "$path"
	check_resolve 3 "$out" answer=known "source=docker state" name=web-1
	python3 -c 'import json, sys; ms = json.loads(open(sys.argv[1]).readline())["ms"]
sys.exit(0 if ms < int(sys.argv[2]) + 2000 else 1)' "$out" $LIMIT_MS ||
		RESULTS[3]="the lookup took longer than its limit and 2 s of scheduling: $(cat "$out")"

	diag "lookup times, median of $LOOKUPS ($BUILD_KIND): docker API $(median_of \
		--docker-socket "$T/docker.sock" "$path"), docker state $(median_of \
		--docker-root "$T/docker" "$path")"
	containerd_checks "$web"
	docker rm -f plain-1 >/dev/null
	resolve "$out" --sync --docker-socket "$T/docker.sock" --docker-root "$T/docker" "docker:$plain"
	check_resolve 4 "$out" answer=unknown error=ENOENT
}

# A bundle in containerd's k8s.io namespace with the annotations its CRI
# plugin writes (there is no CRI client here: ctr sets them), in a
# cgroupfs kubelet layout
containerd_checks() {
	local docker_id=$1 cid pid path out=$T/containerd.json
	cid=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	on_exit "ctr -a '$T/containerd.sock' -n k8s.io task kill -s KILL $cid >/dev/null 2>&1; sleep 0.5; ctr -a '$T/containerd.sock' -n k8s.io task rm -f $cid >/dev/null 2>&1; ctr -a '$T/containerd.sock' -n k8s.io container rm $cid >/dev/null 2>&1"
	if ! ctr_k8s run -d --rootfs --cgroup "/$CGROUP_TOP/kubepods/besteffort/pod$POD_UID/$cid" \
		--annotation io.kubernetes.cri.container-type=container \
		--annotation io.kubernetes.cri.container-name=$POD_CTR \
		--annotation io.kubernetes.cri.sandbox-name=$POD \
		--annotation io.kubernetes.cri.sandbox-namespace=$POD_NS \
		--annotation io.kubernetes.cri.sandbox-uid=$POD_UID \
		--annotation io.kubernetes.cri.image-name=$CRI_IMAGE \
		"$T/rootfs" "$cid" "${WORKLOAD[@]}" >"$T/ctr.out" 2>&1; then
		diag "ctr run: $(cat "$T/ctr.out")"
		return 1
	fi
	pid=$(ctr_k8s task ls | awk -v id="$cid" '$1 == id { print $2 }')
	path=$(cgroup_of "$pid")
	diag "CRI-style container: $path"
	resolve "$out" --containerd-state "$T/containerd/state" "$path"
	check_resolve 5 "$out" runtime=containerd "id=$cid" answer=known "source=containerd state" \
		name= "image=$CRI_IMAGE" pod=$POD namespace=$POD_NS container=$POD_CTR \
		"display=k8s:$POD_NS/$POD/$POD_CTR"
	resolve "$out" --sync --containerd-state "$T/containerd/state" "containerd:$docker_id"
	check_resolve 6 "$out" answer=unknown error=ENOENT
	diag "lookup time, median of $LOOKUPS ($BUILD_KIND): containerd state $(median_of \
		--containerd-state "$T/containerd/state" "$path")"
}

# ---- podman ----------------------------------------------------------------

PODMAN_BIN=$(type -P podman)
PODMAN_OPTS=(--root "$T/podman/root" --runroot "$T/podman/run" --tmpdir "$T/podman/tmp"
	     --storage-driver overlay --cgroup-manager cgroupfs --runtime runc --events-backend file)
podman() { "$PODMAN_BIN" "${PODMAN_OPTS[@]}" "$@"; }

podman_checks() {
	local web db pid path out=$T/podman.json svc
	local run=(run -d --network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024
		   --cgroup-parent "/$CGROUP_TOP/libpod_parent")
	if ! podman import "$T/rootfs.tar" "localhost/$IMAGE" >/dev/null 2>"$T/import.err"; then
		diag "podman import: $(tail -3 "$T/import.err")"
		return 1
	fi
	# one at a time: podman 4.3 removes none when one of the names is gone
	on_exit "$PODMAN_BIN ${PODMAN_OPTS[*]} rm -f -t 0 web-1 >/dev/null 2>&1;" \
		"$PODMAN_BIN ${PODMAN_OPTS[*]} rm -f -t 0 db-2 >/dev/null 2>&1"
	web=$(podman "${run[@]}" --name web-1 --label io.kubernetes.pod.name=$POD \
		--label io.kubernetes.pod.namespace=$POD_NS --label io.kubernetes.container.name=$POD_CTR \
		"localhost/$IMAGE" "${WORKLOAD[@]}" 2>"$T/podman.err") &&
	db=$(podman "${run[@]}" --name db-2 --annotation io.kubernetes.pod.name=$POD \
		"localhost/$IMAGE" "${WORKLOAD[@]}" 2>>"$T/podman.err") ||
		{ diag "podman run: $(tail -3 "$T/podman.err")"; return 1; }
	pid=$(podman inspect -f '{{.State.Pid}}' web-1)
	path=$(cgroup_of "$pid")
	diag "web-1: $path"

	# the binary itself, not the function: its pid is the one to stop
	"$PODMAN_BIN" "${PODMAN_OPTS[@]}" system service --time=0 "unix://$T/podman.sock" \
		>"$T/podman-service.log" 2>&1 &
	svc=$!
	on_exit "stop_pid $svc"
	if wait_daemon $svc test -S "$T/podman.sock"; then
		resolve "$out" --podman-socket "$T/podman.sock" "$path"
		check_resolve 7 "$out" runtime=podman "id=$web" answer=known "source=podman API" \
			name=web-1 "image=localhost/$IMAGE" pod=$POD namespace=$POD_NS container=$POD_CTR \
			"display=k8s:$POD_NS/$POD/$POD_CTR"
		diag "lookup time, median of $LOOKUPS ($BUILD_KIND): podman API $(median_of \
			--podman-socket "$T/podman.sock" "$path")"
	else
		RESULTS[7]="podman system service did not listen (exited, or not within $START_S s)"
		log_tail "podman system service" "$T/podman-service.log"
	fi
	stop_pid "$svc"
	# no service now: whatever its socket left, the state answers
	resolve "$out" --podman-socket "$T/podman.sock" --graphroot "$T/podman/root" \
		--runroot "$T/podman/run" "$path"
	check_resolve 8 "$out" answer=known "source=containers/storage state" name=web-1 \
		"image=localhost/$IMAGE" pod= namespace= container= display=podman:web-1
	resolve "$out" --graphroot "$T/podman/root" --runroot "$T/podman/run" "podman:$db"
	check_resolve 9 "$out" answer=known "source=containers/storage state" name=db-2 \
		"image=localhost/$IMAGE" pod=$POD "display=k8s:$POD/db-2"
	diag "lookup time, median of $LOOKUPS ($BUILD_KIND): containers/storage state $(median_of \
		--graphroot "$T/podman/root" --runroot "$T/podman/run" "$path")"
	podman rm -f -t 0 db-2 >/dev/null 2>&1
	resolve "$out" --sync --graphroot "$T/podman/root" --runroot "$T/podman/run" "podman:$db"
	check_resolve 10 "$out" answer=unknown error=ENOENT
}

# ---- run -------------------------------------------------------------------

if ! start_containerd; then
	log_tail containerd "$T/containerd.log"
	fail_group 0 6 "containerd did not start (exited, or not within $START_S s)"
elif ! start_dockerd; then
	log_tail dockerd "$T/dockerd.log"
	fail_group 0 6 "dockerd did not start (exited, or not within $START_S s)"
elif ! docker_checks; then
	fail_group 0 6 "docker or containerd could not run the containers"
fi
fail_group 0 6 "an earlier step failed"
podman_checks || fail_group 7 10 "podman could not run the containers"
fail_group 7 10 "an earlier step failed"

for i in "${!NAMES[@]}"; do
	if [ "${RESULTS[i]}" = ok ]; then
		ok "${NAMES[i]}"
	else
		not_ok "${NAMES[i]}"
		diag "${RESULTS[i]}"
	fi
done
