#!/usr/bin/env bash
# A workload in its own cgroup v2 and pid/mount/uts namespaces makes exactly
# N getppid and M getpgid calls: vflowd must report exactly that for its
# cgroup, nothing of it anywhere else, and a histogram holding N.
# Runs once through tp_btf and once through the raw_tp fallback.
. "$(dirname "$0")/../lib.sh"

N=100003
M=777
NAMES=("tp_btf: exact getppid count" "tp_btf: exact getpgid count" "tp_btf: histogram count"
       "tp_btf: no leak into other cgroups" "tp_btf: entity is a docker container" "tp_btf: vflowd stopped cleanly"
       "raw_tp: exact getppid count" "raw_tp: exact getpgid count" "raw_tp: histogram count"
       "raw_tp: no leak into other cgroups" "raw_tp: entity is a docker container" "raw_tp: vflowd stopped cleanly")

[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups, namespaces)" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
unshare --pid --mount --uts --fork true 2>/dev/null || skip_all "unshare of pid/mount/uts namespaces refused" "${NAMES[@]}"

# A docker-style scope, so the path parser has a real layout to recognise
CID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
SLICE="$CG2/vflow-test-$$.slice"
CG="$SLICE/docker-$CID.scope"
mkdir -p "$CG"
on_exit "remove_cgroup '$CG'; remove_cgroup '$SLICE'"
CGID=$(stat -c %i "$CG")

run_once() {
	local via=$1; shift
	local out="$TMP/$via.jsonl"

	start_vflowd "$out" -i 0.2 "$@" || { for t in 1 2 3 4 5; do not_ok "$via: vflowd started"; done; return; }
	# move into the cgroup first, then the namespaces, then the workload
	sh -c 'echo $$ > "$1/cgroup.procs" && exec unshare --pid --mount --uts --fork "$2" "$3" "$4"' \
		sh "$CG" "$BUILD/tests/sysloop" "$N" "$M"
	stop_vflowd "$via"
	python3 - "$out" "$CGID" "$N" "$M" "$via" "$CID" <<'PY' || not_ok "$via: report parsed"
import json, sys
out, cgid, n, m, via, cid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
last = json.loads(open(out).read().splitlines()[-1])
ents = {e["cgroup_id"]: e for e in last["entities"]}
mine = ents.get(cgid, {"syscalls": []})
rows = {r["name"]: r for r in mine["syscalls"]}
gp, gpg = rows.get("getppid", {}), rows.get("getpgid", {})
def tap(ok, what, got):
    print(("ok" if ok else "not ok") + " - %s: %s%s" % (via, what, "" if ok else " (got %s)" % (got,)))
tap(gp.get("count") == n and gp.get("skipped") == 0, "exact getppid count", gp.get("count"))
tap(gpg.get("count") == m, "exact getpgid count", gpg.get("count"))
tap(sum(gp.get("hist", [])) == n, "histogram count", sum(gp.get("hist", [])))
# other cgroups only see background noise (a shell's getppid at start-up)
other = sum(r["count"] for c, e in ents.items() if c != cgid for r in e["syscalls"] if r["name"] == "getppid")
tap(other < n // 100, "no leak into other cgroups", other)
tap(mine.get("runtime") == "docker" and mine.get("paradigm") == "container" and mine.get("id") == cid,
    "entity is a docker container", (mine.get("runtime"), mine.get("paradigm"), mine.get("id")))
PY
}

run_once tp_btf
run_once raw_tp --raw-tp
