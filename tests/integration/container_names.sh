#!/usr/bin/env bash
# Containers named by their runtimes in every output of vflowd, after they
# are gone (docs/IDENTITY.md). Real runtimes, started here and stopped
# after, their state in this test's folder: podman (runc, cgroupfs) and
# dockerd with containerd (Debian docker.io). The image is made offline: a
# tarball of a static busybox and tests/helpers/sysloop, imported. vflowd
# runs as it ships, capabilities dropped, asking the runtimes through
# --runtime. For each runtime, with a report interval longer than the
# short containers:
#  - a `run --rm --name NAME` of N1 getppid, then one of N2 under the same
#    NAME: two entities named RUNTIME:NAME, paradigm container, gone, each
#    with its own count: N1 and N2 plus what runc's init makes (the same
#    few in both: their difference is exactly N2 - N1);
#  - /metrics labels the short one container="NAME", image="IMAGE" after
#    it is gone; a longer-lived one keeps the same label sets before and
#    after its removal;
#  - no other entity (the host's rows) holds its calls;
#  - a dump names it RUNTIME:NAME (vflowdump info), and so does vflowtop
#    --replay of the dump.
# A podman container running before vflowd started is learnt by the walk
# and named all the same.
# podman's API socket is one that accepts and never answers: every podman
# container is named all the same, from containers/storage, after the
# lookup's time limit (counted in the JSON's runtime_lookups.timeouts).
. "$(dirname "$0")/../lib.sh"

N1=100003
N2=150001
INTERVAL_S=6	# longer than a `run --rm` here, on 2 busy cores
START_S=30	# a daemon's start, on 2 busy cores
# runc's init runs in the container's cgroup before it execs the workload
# and makes a few getppid of its own (5 with runc 1.1 here): a bound on one
# count; the two runs' difference is exact
RUNC_INIT_GETPPID_MAX=50
# the recorder keeps the whole run's sampled events for the dump: 32768 by
# default, which the other work of a shared machine (a syscall loop of
# 500 000/s elsewhere is 500 sampled events/s) can fill before the dump,
# evicting the first containers' events; this is ~20 MiB
RECORD_EVENTS=262144
VFLOWDUMP=$BUILD/san/vflowdump
VFLOWTOP=$BUILD/san/vflowtop
SYSLOOP=$BUILD/tests/sysloop
DOCKER_CLI=/usr/bin/docker	# docker.io's, not another on the PATH
IMAGE=vflow-test/names:1
RUNTIMES=(podman docker)
CHECKS=("a --rm container shorter than an interval is named RUNTIME:NAME, container, gone, its N getppid"
	"the same name twice: two entities, each with its own count (exactly N2 - N1 apart)"
	"exporter: container and image labels after removal; a longer-lived one's labels unchanged by its removal"
	"its cgroup is never a host row, in any report"
	"named RUNTIME:NAME in a dump (vflowdump info) and in vflowtop --replay of it")
NAMES=()
for rt in "${RUNTIMES[@]}"; do for c in "${CHECKS[@]}"; do NAMES+=("$rt: $c"); done; done
NAMES+=("podman: one running before vflowd started: learnt by the walk, named by podman"
	"podman: its API socket hangs: each container named from containers/storage, the timeouts counted"
	"vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, container runtimes, cgroups)" "${NAMES[@]}"
missing=()
for p in docker.io containerd podman runc busybox-static; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] ||
	skip_all "not installed: ${missing[*]} (scripts/deps.sh installs them)" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
for bin in "$VFLOWD" "$VFLOWDUMP" "$VFLOWTOP" "$SYSLOOP"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done

T=$TMP
CGROUP_TOP=vflow-test-names-$$
declare -A RAN	# RAN[rt.what]: a container id, or "fail: why"

# ---- helpers ---------------------------------------------------------------

. "$(dirname "$0")/../runtimes.sh"

on_exit unmount_all
on_exit remove_cgroups

PODMAN_BIN=$(type -P podman)
PODMAN_OPTS=(--root "$T/podman/root" --runroot "$T/podman/run" --tmpdir "$T/podman/tmp"
	     --storage-driver overlay --cgroup-manager cgroupfs --runtime runc --events-backend file)
podman() { "$PODMAN_BIN" "${PODMAN_OPTS[@]}" "$@"; }
docker() { "$DOCKER_CLI" -H "unix://$T/docker.sock" "$@"; }

start_docker() {
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
	wait_daemon $CONTAINERD_PID test -S "$T/containerd.sock" || return 1
	echo '{}' >"$T/daemon.json"
	dockerd --config-file "$T/daemon.json" --iptables=false --bridge=none \
		--containerd="$T/containerd.sock" --data-root "$T/docker" \
		--exec-root "$T/docker-exec" --pidfile "$T/docker.pid" \
		-H "unix://$T/docker.sock" >"$T/dockerd.log" 2>&1 &
	DOCKERD_PID=$!
	on_exit "stop_pid $DOCKERD_PID"
	wait_daemon $DOCKERD_PID "$DOCKER_CLI" -H "unix://$T/docker.sock" version
}

# next_report: just after a report, so that the whole interval is ahead
next_report() { report_after "$(mono_ns)" $((INTERVAL_S * 4)); }
scrape() { curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
# the label sets of vflow_syscalls_total for entity $1, sorted
labels_of() { grep "^vflow_syscalls_total{" | grep "entity=\"$1\"" | sed 's/}.*/}/' | sort; }

# ---- the image and vflowd --------------------------------------------------

mkdir -p "$T/rootfs/bin" "$T/podman/tmp"
cp /bin/busybox "$SYSLOOP" "$T/rootfs/bin/"
for a in sh sleep; do ln -s busybox "$T/rootfs/bin/$a"; done
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .

# running before vflowd starts, making a few calls every second
PRE=vflow-pre-$$
on_exit "$PODMAN_BIN ${PODMAN_OPTS[*]} rm -f -t 0 $PRE >/dev/null 2>&1"
podman import "$T/rootfs.tar" "localhost/$IMAGE" >/dev/null 2>"$T/pre.err" &&
podman run -d --network=none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
	--cgroup-parent "/$CGROUP_TOP/libpod_parent" --name "$PRE" "localhost/$IMAGE" \
	/bin/sh -c 'while :; do /bin/sysloop 10; sleep 1; done' >"$T/pre.id" 2>>"$T/pre.err" ||
	diag "podman run $PRE: $(tail -1 "$T/pre.err")"

DOCKER_UP=1
start_docker || { DOCKER_UP=0; diag "dockerd log: $(tail -5 "$T/dockerd.log" 2>/dev/null | tr '\n' ' ')"; }

# a podman API socket that accepts and never answers (a service that hangs):
# each lookup waits its limit, then podman's state answers
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64)
held = []
while True:
    held.append(s.accept()[0])' "$T/hung.sock" &
HUNG_PID=$!
on_exit "kill $HUNG_PID; wait $HUNG_PID"
wait_for 10 test -S "$T/hung.sock" || fail_all "the hung socket did not listen" "${NAMES[@]}"

PORT=$(free_port)
# every runtime's paths in this test's folder; none of the host's
start_vflowd "$T/out.jsonl" -i "$INTERVAL_S" --web.listen-address "127.0.0.1:$PORT" \
	--dump-dir "$T/dumps" --dump-cooldown 0 --record-seconds 0 --record-events "$RECORD_EVENTS" \
	--runtime "docker-socket=$T/docker.sock,docker-root=$T/docker,podman-socket=$T/hung.sock,storage-root=$T/podman/root,storage-runroot=$T/podman/run,containerd-state=" ||
	fail_all "vflowd did not start" "${NAMES[@]}"

# ---- the containers, per runtime -------------------------------------------

# rt_cli RT ARGS...: the runtime's client
rt_cli() { local rt=$1; shift; "$rt" "$@"; }

# run_containers RT: the long-lived one, then two short ones named alike
run_containers() {
	local rt=$1 long short=vflow-short-$1-$$ img run=(run --network=none
		--cgroup-parent "/$CGROUP_TOP/$([ "$1" = podman ] && echo libpod_parent || echo docker)")
	[ "$rt" = podman ] && run+=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
	img=$([ "$rt" = podman ] && echo "localhost/$IMAGE" || echo "$IMAGE")
	RAN[$rt.image]=$img
	if ! rt_cli "$rt" import "$T/rootfs.tar" "$img" >/dev/null 2>"$T/$rt.err"; then
		RAN[$rt.long]="fail: $rt import: $(tail -1 "$T/$rt.err")"
		return
	fi
	on_exit "$rt rm -f vflow-long-$rt-$$ >/dev/null 2>&1"
	long=$(rt_cli "$rt" "${run[@]}" -d --name "vflow-long-$rt-$$" "$img" \
		/bin/sh -c "/bin/sysloop 1000 && exec /bin/sleep 600" 2>"$T/$rt.err") ||
		{ RAN[$rt.long]="fail: $rt run: $(tail -1 "$T/$rt.err")"; return; }
	RAN[$rt.long]=$long
	report_after "$(mono_ns)" $((INTERVAL_S * 4))
	scrape | labels_of "$rt:${long:0:12}" >"$T/$rt.labels.before"
	rt_cli "$rt" rm -f "vflow-long-$rt-$$" >/dev/null 2>&1
	for what in short1 short2; do
		local n=$N1
		[ $what = short2 ] && n=$N2
		next_report
		if ! rt_cli "$rt" "${run[@]}" --rm --name "$short" --cidfile "$T/$rt.$what.cid" "$img" \
			/bin/sysloop "$n" >/dev/null 2>"$T/$rt.err"; then
			RAN[$rt.$what]="fail: $rt run --rm: $(tail -1 "$T/$rt.err")"
			return
		fi
		RAN[$rt.$what]=$(cat "$T/$rt.$what.cid")
	done
	report_after "$(mono_ns)" $((INTERVAL_S * 4))
	scrape >"$T/$rt.metrics.after"
	labels_of "$rt:${long:0:12}" <"$T/$rt.metrics.after" >"$T/$rt.labels.after"
}

run_containers podman
if [ $DOCKER_UP = 1 ]; then
	run_containers docker
else
	RAN[docker.long]="fail: dockerd did not start (exited, or not within $START_S s)"
fi
kill -USR1 "$VFLOWD_PID"
wait_for 20 grep -q "dump (SIGUSR1) written" "$VFLOWD_OUT.err"
DUMP=$(sed -n 's/.*dump (SIGUSR1) written to \(.*\)$/\1/p' "$VFLOWD_OUT.err" | head -1)
kill -INT "$VFLOWD_PID"
wait "$VFLOWD_PID"
STOP_RC=$?
"$VFLOWDUMP" info "$DUMP" >"$T/dump.txt" 2>"$T/dump.err"
"$VFLOWTOP" --replay "$DUMP" --json -d 0.1 --speed 100000 >"$T/replay.jsonl" 2>"$T/replay.err"

# ---- the checks ------------------------------------------------------------

for rt in "${RUNTIMES[@]}"; do
	python3 - "$rt" "$T" "$N1" "$N2" "$RUNC_INIT_GETPPID_MAX" "$$" "$CGROUP_TOP" "${RAN[$rt.image]:-}" \
		"${RAN[$rt.long]:-}" "${RAN[$rt.short1]:-}" "${RAN[$rt.short2]:-}" <<'PY' >"$T/$rt.res" 2>&1
import json, sys
rt, T, n1, n2, slack, pid, top, image, long_id, s1, s2 = sys.argv[1:]
n1, n2, slack = int(n1), int(n2), int(slack)
checks = ["a --rm container shorter than an interval is named RUNTIME:NAME, container, gone, its N getppid",
          "the same name twice: two entities, each with its own count (exactly N2 - N1 apart)",
          "exporter: container and image labels after removal; a longer-lived one's labels unchanged by its removal",
          "its cgroup is never a host row, in any report",
          "named RUNTIME:NAME in a dump (vflowdump info) and in vflowtop --replay of it"]

def say(i, ok, why=""):
    print(("ok - " if ok else "not ok - ") + rt + ": " + checks[i])
    if not ok and why:
        print("# " + why)

fails = [x for x in (long_id, s1, s2) if not x or x.startswith("fail")]
if fails:
    for i in range(len(checks)):
        say(i, False, (fails[0] or "not run: an earlier step failed"))
    sys.exit(0)
name = "%s:vflow-short-%s-%s" % (rt, rt, pid)
last = json.loads(open(T + "/out.jsonl").readlines()[-1])

def getppid(e):
    return sum(s["count"] for s in e.get("syscalls", []) if s["name"] == "getppid")

def brief(e):
    return {k: e.get(k) for k in ("name", "entity", "paradigm", "gone", "id")} | {"getppid": getppid(e)}

by_id = {e["id"]: e for e in last["entities"] if e.get("id")}
short = [by_id.get(s1), by_id.get(s2)]
ok = all(e and e["name"] == name and e["entity"] == "%s:%s" % (rt, cid[:12])
         and e["paradigm"] == "container" and e["runtime"] == rt and e["gone"]
         and (e["names"] or {}).get("image") == image
         and n <= getppid(e) <= n + slack for e, cid, n in zip(short, (s1, s2), (n1, n2)))
say(0, ok, json.dumps([brief(e) if e else None for e in short]))
named = [e for e in last["entities"] if e["name"] == name]
ok = (len(named) == 2 and all(short) and short[0]["cgroup_id"] != short[1]["cgroup_id"]
      and getppid(short[1]) - getppid(short[0]) == n2 - n1)
say(1, ok, json.dumps([brief(e) for e in named]))

before = open("%s/%s.labels.before" % (T, rt)).read()
after = open("%s/%s.labels.after" % (T, rt)).read()
metrics = open("%s/%s.metrics.after" % (T, rt)).read().splitlines()
want = ['vflow_syscalls_total{entity="%s:%s",paradigm="container",runtime="%s",container="vflow-short-%s-%s",image="%s"}'
        % (rt, cid[:12], rt, rt, pid, image) for cid in (s1, s2)]
# the model's per-entity families name it too
want += ['vflow_entity_overhead_traps_total{type="container",entity="%s:%s",paradigm="container",container="vflow-short-%s-%s",image="%s"}'
         % (rt, cid[:12], rt, pid, image) for cid in (s1, s2)]
missing = [w for w in want if not any(l.startswith(w + " ") for l in metrics)]
ok = (not missing and before and before == after
      and 'container="vflow-long-%s-%s"' % (rt, pid) in before)
say(2, ok, "missing %s; long-lived before %r after %r" % (missing, before, after))

# the host rows are shared with whatever else runs here: what would hold the
# containers' calls is their cgroups counted as host entities ("cgroup:<id>",
# paradigm host), in any report, or a host entity below this test's cgroups
ids = {e["cgroup_id"] for e in short if e}
reports = [json.loads(l) for l in open(T + "/out.jsonl")]
host = [brief(e) for r in reports for e in r["entities"]
        if (e["cgroup_id"] in ids and e["paradigm"] != "container")
        or (e["paradigm"] != "container" and "/" + top + "/" in e["path"] + "/" and getppid(e))]
say(3, len(ids) == 2 and not host, "its cgroups %s counted elsewhere: %s" % (sorted(ids), host[:4]))

rows = [l.split() for l in open(T + "/dump.txt") if l.startswith("  cgroup ")]
in_dump = sorted(r[1] for r in rows if len(r) >= 5 and r[3] == name)
try:
    rep = [json.loads(l) for l in open(T + "/replay.jsonl")][-1]
    in_replay = [e for e in rep["entities"] if e["name"] == name and e["paradigm"] == "container"]
except Exception as ex:
    in_replay = []
    print("# replay: %r" % ex)
ok = len(in_dump) == 2 and len(in_replay) == 2
evicted = [l.strip() for l in open(T + "/dump.txt") if l.startswith("recorder events")]
say(4, ok, "in the dump: cgroups %s; in the replay: %s; %s" % (in_dump, [brief(e) for e in in_replay],
                                                              evicted))
PY
	tap_from <"$T/$rt.res"
done
# VFLOW_TEST_KEEP=DIR: what the checks read, kept for a look
[ -z "${VFLOW_TEST_KEEP:-}" ] || cp "$T"/*.jsonl "$T"/*.txt "$T"/*.err "$DUMP" "$VFLOW_TEST_KEEP"/
python3 - "$T/out.jsonl" "${RAN[podman.short1]:-}" "${RAN[podman.short2]:-}" <<'PY' >"$T/hung.res" 2>&1
import json, sys
out, s1, s2 = sys.argv[1:]
what = "podman: its API socket hangs: each container named from containers/storage, the timeouts counted"
last = json.loads(open(out).readlines()[-1])
srcs = [(e.get("names") or {}).get("source") for e in last["entities"] if e.get("id") in (s1, s2)]
look = last.get("runtime_lookups") or {}
ok = srcs == ["containers/storage state"] * 2 and look.get("timeouts", 0) >= 1
print(("ok - " if ok else "not ok - ") + what)
if not ok:
    print("# sources %s, runtime_lookups %s" % (srcs, look))
PY
python3 - "$T/out.jsonl" "$(cat "$T/pre.id" 2>/dev/null)" "$PRE" <<'PY' >"$T/pre.res" 2>&1
import json, sys
out, cid, pre = sys.argv[1:]
what = "podman: one running before vflowd started: learnt by the walk, named by podman"
last = json.loads(open(out).readlines()[-1])
e = [x for x in last["entities"] if cid and x.get("id") == cid]
ok = (len(e) == 1 and e[0]["learnt"] == "walk" and e[0]["name"] == "podman:" + pre
      and e[0]["paradigm"] == "container")
print(("ok - " if ok else "not ok - ") + what)
if not ok:
    print("# %s" % [{k: x.get(k) for k in ("name", "entity", "learnt", "names")} for x in e])
PY
tap_from <"$T/pre.res"
tap_from <"$T/hung.res"
if [ "$STOP_RC" -eq 0 ]; then
	ok "vflowd stopped cleanly"
else
	not_ok "vflowd stopped cleanly"
	diag "status $STOP_RC: $(tail -5 "$VFLOWD_OUT.err")"
fi
