#!/usr/bin/env bash
# The container image of deploy/Dockerfile, built and run with podman, no
# registry: its base is the Debian root scripts/base-rootfs.sh made with
# debootstrap from the mirror apt uses, imported as
# localhost/vflow-base:SUITE (once: kept while that root is unchanged,
# and podman keeps the Dockerfile's apt layers, so a second run rebuilds
# only what the tree changed). The image runs vflowd --version; run
# privileged with this host's /sys, it attaches and reports the exact
# number of system calls a workload in a cgroup of its own made.
# make test-package runs this.
. "$(dirname "$0")/../lib.sh"

NAMES=("base image imported from the debootstrapped root, no registry"
       "podman build deploy/Dockerfile FROM that base"
       "the image runs vflowd --version"
       "privileged, with the host's /sys: attaches and reports a workload's exact getppid count"
       "vflowd in the container stopped cleanly on SIGINT")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, privileged container)" "${NAMES[@]}"
command -v podman >/dev/null || skip_all "podman not installed (scripts/deps.sh installs it)" "${NAMES[@]}"
command -v debootstrap >/dev/null ||
	skip_all "debootstrap not installed (scripts/deps.sh package installs it)" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
[ -x "$BUILD/tests/sysloop" ] || fail_all "$BUILD/tests/sysloop not built: make test-build" "${NAMES[@]}"

VERSION=$(cat "$ROOT/VERSION")
# workload calls: enough that a loss shows, few enough to take no time
N=20000
LABEL=org.vflow.base-stamp

ROOTFS=$("$ROOT/scripts/base-rootfs.sh" 2>"$TMP/base.err") ||
	fail_all "no base root: $(tail -3 "$TMP/base.err")" "${NAMES[@]}"
SUITE=$(cut -d' ' -f1 "$ROOTFS/../stamp")
STAMP=$(sha256sum <"$ROOTFS/../stamp" | cut -c1-16)
BASE_IMAGE=localhost/vflow-base:$SUITE
IMAGE=localhost/vflowd:test
BUILD_IMAGE=localhost/vflowd-build:test

# podman with a store of its own beside the base root (kept, so the images
# and the build's layers are too), leaving the machine's store alone
CACHE=$(dirname "$(dirname "$ROOTFS")")
PODMAN_BIN=$(type -P podman)
PODMAN_OPTS=(--root "$CACHE/podman/storage" --runroot "/run/vflow-test-podman" --storage-driver overlay
	     --cgroup-manager cgroupfs --events-backend file)
podman() { "$PODMAN_BIN" "${PODMAN_OPTS[@]}" "$@"; }
# one run at a time on that store: the tags are shared, and the prune
# below would take another build's layers
exec 8>"$CACHE/image.lock"
flock 8
# podman's default nofile and nproc limits are above what this process
# may raise them to (runc: "error setting rlimits"): limits it may set
LIMITS=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096)

# the base: the root as one layer, made again only when the root was
have=$(podman image inspect -f "{{index .Labels \"$LABEL\"}}" "$BASE_IMAGE" 2>/dev/null)
if [ "$have" != "$STAMP" ]; then
	tar -C "$ROOTFS" --numeric-owner -cf - . |
		podman import --change "LABEL $LABEL=$STAMP" --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" \
		>"$TMP/import.out" 2>&1
fi
if [ "$(podman image inspect -f "{{index .Labels \"$LABEL\"}}" "$BASE_IMAGE" 2>/dev/null)" = "$STAMP" ] &&
   [ "$(podman run --rm "${LIMITS[@]}" --network none "$BASE_IMAGE" sh -c '. /etc/os-release; echo $VERSION_CODENAME' 2>&1)" = "$SUITE" ]; then
	ok "${NAMES[0]}"
else
	fail_all "no base image: $(tail -3 "$TMP/import.out" 2>/dev/null)" "${NAMES[@]}"
fi

# apt inside the build fetches from the mirror through this host's network
build() {
	podman build "${LIMITS[@]}" --network host --build-arg BASE="$BASE_IMAGE" -f "$ROOT/deploy/Dockerfile" \
		--ignorefile "$ROOT/deploy/Dockerfile.dockerignore" "$@" "$ROOT"
}
start=$SECONDS
# the build stage tagged too: its apt layer (the compilers) then has a
# named descendant, and pruning what older runs left keeps it
if build --target build -t "$BUILD_IMAGE" >"$TMP/build.out" 2>&1 &&
   build -t "$IMAGE" >>"$TMP/build.out" 2>&1; then
	ok "${NAMES[1]}"
	diag "podman build: $((SECONDS - start)) s"
	podman image prune -f >/dev/null 2>&1
else
	fail_all "podman build failed: $(tail -5 "$TMP/build.out")" "${NAMES[@]:1}"
fi

out=$(podman run --rm "${LIMITS[@]}" --network none "$IMAGE" --version 2>&1)
if grep -q "^vflowd $VERSION" <<<"$out"; then
	ok "${NAMES[2]}"
else
	not_ok "${NAMES[2]}"
	diag "$out"
fi

CG=$(new_cgroup "vflow-test-image-$$")
NAME=vflow-test-$$
on_exit "$PODMAN_BIN ${PODMAN_OPTS[*]} rm -f -t 0 $NAME >/dev/null 2>&1"
# tracefs and BTF come with /sys; the cgroup tree is mounted again over
# the one podman mounts for the container (as deploy/daemonset.yaml
# does); no network
podman run --rm "${LIMITS[@]}" --name "$NAME" --privileged --cgroupns host --pid host --network none \
	-v /sys:/sys -v /sys/fs/cgroup:/sys/fs/cgroup "$IMAGE" --json -i 0.2 --cgroup="${CG#"$CG2"}" >"$TMP/out.jsonl" 2>"$TMP/out.err" &
RUN_PID=$!
if wait_for 60 test -s "$TMP/out.jsonl"; then
	run_in_cgroup "$CG" "$BUILD/tests/sysloop" "$N"
	podman kill --signal INT "$NAME" >/dev/null 2>&1
	wait "$RUN_PID"
	rc=$?
	got=$(python3 - "$TMP/out.jsonl" "$(stat -c %i "$CG")" <<'PY'
import json, sys
try:
    last = json.loads(open(sys.argv[1]).read().splitlines()[-1])
    ent = [e for e in last["entities"] if e["cgroup_id"] == int(sys.argv[2])]
    print(sum(r["count"] for e in ent for r in e["syscalls"] if r["name"] == "getppid"))
except Exception as e:
    print("unreadable: %s" % e)
PY
)
	if [ "$got" = "$N" ]; then
		ok "${NAMES[3]}"
	else
		not_ok "${NAMES[3]}"
		diag "getppid in the workload's cgroup: $got, want $N; $(tail -3 "$TMP/out.err")"
	fi
	if [ "$rc" -eq 0 ]; then
		ok "${NAMES[4]}"
	else
		not_ok "${NAMES[4]}"
		diag "status $rc: $(tail -3 "$TMP/out.err")"
	fi
else
	kill "$RUN_PID" 2>/dev/null
	diag "no report from the container: $(tail -5 "$TMP/out.err")"
	not_ok "${NAMES[3]}"
	not_ok "${NAMES[4]}"
fi
