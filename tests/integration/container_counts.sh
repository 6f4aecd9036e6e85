#!/usr/bin/env bash
# A workload in its own cgroup v2 and pid/mount/uts namespaces makes exactly
# N getppid and M getpgid calls: vflowd must report exactly that for its
# cgroup and a histogram holding N. Then K calls of tuxcall, a syscall
# number no program uses (ENOSYS on every kernel): exactly K in the
# workload's cgroup and none anywhere else, so nothing leaks to another
# cgroup. Runs once through tp_btf and once through the raw_tp fallback.
. "$(dirname "$0")/../lib.sh"

N=100003
M=777
K=4099
# no program calls it (x86-64: ENOSYS, "tuxcall"): whoever has it in vflowd's report got it from this test
MARKER=tuxcall
NAMES=("tp_btf: exact getppid count" "tp_btf: exact getpgid count" "tp_btf: histogram count"
       "tp_btf: no leak into other cgroups" "tp_btf: entity is a docker container" "tp_btf: vflowd stopped cleanly"
       "raw_tp: exact getppid count" "raw_tp: exact getpgid count" "raw_tp: histogram count"
       "raw_tp: no leak into other cgroups" "raw_tp: entity is a docker container" "raw_tp: vflowd stopped cleanly")

plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups, namespaces)" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
unshare --pid --mount --uts --fork true 2>/dev/null || skip_all "unshare of pid/mount/uts namespaces refused" "${NAMES[@]}"
MARKER_NR=$(nr_of "$MARKER")	# empty where the architecture has none: the leak check is skipped
[ -x "$BUILD/tests/sysloop" ] || fail_all "$BUILD/tests/sysloop is not built: run make test-build" "${NAMES[@]}"

# A docker-style scope, so the path parser has a real layout to recognise
CID=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
SLICE="$CG2/vflow-test-$$.slice"
CG="$SLICE/docker-$CID.scope"
mkdir -p "$CG"
on_exit "remove_cgroup '$CG'; remove_cgroup '$SLICE'"
CGID=$(stat -c %i "$CG")

run_once() {
	local via=$1; shift
	local out="$TMP/$via.jsonl" t

	if ! start_vflowd "$out" -i 0.2 "$@"; then
		for t in "${NAMES[@]}"; do [[ $t == "$via: "* ]] && not_ok "$t"; done
		return
	fi
	# move into the cgroup first, then the namespaces, then the workload; the
	# shell's own getppid at start-up happens before it joins. perl makes no
	# getppid or getpgid of its own.
	sh -c 'echo $$ > "$1/cgroup.procs" && exec unshare --pid --mount --uts --fork "$2" "$3" "$4"' \
		sh "$CG" "$BUILD/tests/sysloop" "$N" "$M"
	[ -z "$MARKER_NR" ] ||
		sh -c 'echo $$ > "$1/cgroup.procs" && exec unshare --pid --mount --uts --fork perl -e "$2"' \
			sh "$CG" "syscall($MARKER_NR) for 1 .. $K"
	stop_vflowd "$via"
	python3 - "$out" "$CGID" "$N" "$M" "$K" "$MARKER" "$CID" <<'PY' >"$TMP/$via.res" 2>&1
import json, sys
out, cgid, n, m, k, marker, cid = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \
    int(sys.argv[5]), sys.argv[6], sys.argv[7]
checks = ["exact getppid count", "exact getpgid count", "histogram count", "no leak into other cgroups",
          "entity is a docker container"]
try:
    last = json.loads(open(out).read().splitlines()[-1])
    ents = {e["cgroup_id"]: e for e in last["entities"]}
except Exception as e:
    for c in checks:
        print("FAIL %s (report unreadable: %s)" % (c, e))
    sys.exit(0)
mine = ents.get(cgid, {"syscalls": []})
rows = {r["name"]: r for r in mine["syscalls"]}
gp, gpg = rows.get("getppid", {}), rows.get("getpgid", {})
def tap(ok, what, got):
    print(("PASS " if ok else "FAIL ") + what + ("" if ok else " (got %s)" % (got,)))
tap(gp.get("count") == n and gp.get("skipped") == 0, checks[0], gp.get("count"))
tap(gpg.get("count") == m, checks[1], gpg.get("count"))
tap(sum(gp.get("hist", [])) == n, checks[2], sum(gp.get("hist", [])))
# the marker: all K in the workload's cgroup, not one in any other
elsewhere = {e.get("path", c): r["count"] for c, e in ents.items() if c != cgid
             for r in e["syscalls"] if r["name"] == marker and r["count"]}
got = rows.get(marker, {}).get("count")
tap(got == k and not elsewhere, checks[3], "%s %s here, elsewhere %s" % (got, marker, elsewhere))
tap(mine.get("runtime") == "docker" and mine.get("paradigm") == "container" and mine.get("id") == cid,
    checks[4], (mine.get("runtime"), mine.get("paradigm"), mine.get("id")))
PY
	# one result per check, whatever python did
	for t in "exact getppid count" "exact getpgid count" "histogram count" "no leak into other cgroups" \
		 "entity is a docker container"; do
		if [ -z "$MARKER_NR" ] && [ "$t" = "no leak into other cgroups" ]; then
			skip "$via: $t" "$(uname -m) has no $MARKER syscall to mark the workload with"
		elif grep -qxF "PASS $t" "$TMP/$via.res"; then
			ok "$via: $t"
		else
			not_ok "$via: $t"
			diag "$(grep -F " $t" "$TMP/$via.res" || tail -3 "$TMP/$via.res")"
		fi
	done
}

run_once tp_btf
run_once raw_tp --raw-tp
