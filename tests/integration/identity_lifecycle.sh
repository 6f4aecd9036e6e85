#!/usr/bin/env bash
# Who a workload is outlives it (user/identity/, docs/IDENTITY.md). With a
# report interval far longer than the workloads:
#  - a podman-style cgroup made, used for exactly N getppid and removed
#    within one interval is named podman:<id12>, paradigm container, gone,
#    with exactly N getppid, in vflowd's JSON, in a dump (vflowdump) and in
#    vflowtop --replay of it; no row is "cgroup:<id>";
#  - one that outlives an interval keeps the same exporter labels before
#    and after its removal;
#  - the JSON says how each was learnt: mkdir (the kernel's event), walk
#    (it existed when vflowd started);
#  - real podman (runc, cgroupfs, an image imported offline from a static
#    busybox and tests/helpers/sysloop): a `podman run --rm` of N getppid
#    that ends within the interval is podman:<id12>, container, with its
#    N getppid (and the few of runc's init, which runs in its cgroup first).
# No rename: the kernel refuses to rename a cgroup v2 directory (EPERM),
# so a cgroup's path is fixed for its life (test_identity covers renames).
. "$(dirname "$0")/../lib.sh"

N=100003
INTERVAL_S=6	# longer than every workload below, on 2 busy cores
VFLOWDUMP=${VFLOWDUMP:-$BUILD/san/vflowdump}
VFLOWTOP=$BUILD/san/vflowtop
SYSLOOP=$BUILD/tests/sysloop
NAMES=("short-lived: named podman:<id12>, container, gone, exactly N getppid in the JSON"
       "short-lived: no entity named by its bare cgroup id"
       "short-lived: named in a dump, with its path"
       "short-lived: named in vflowtop --replay of the dump"
       "removed after an interval: the same exporter labels before and after"
       "removed after an interval: gone in the JSON, same name and paradigm"
       "learnt: mkdir for those made while tracing, walk for one made before"
       "podman run --rm: named podman:<id12>, container, its N getppid, after removal"
       "vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
for bin in "$VFLOWD" "$VFLOWDUMP" "$VFLOWTOP" "$SYSLOOP"; do
	[ -x "$bin" ] || fail_all "$bin is not built: run make test-build" "${NAMES[@]}"
done

hex64() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
TOP=$CG2/vflow-test-ident-$$
mkdir -p "$TOP/libpod_parent"
on_exit "find '$TOP' -depth -type d 2>/dev/null | while read -r d; do rmdir \"\$d\" 2>/dev/null; done"
PORT=$(free_port)
DUMPS=$TMP/dumps
# made before vflowd starts: learnt by the walk
WALKED=$TOP/walked-$$
mkdir "$WALKED"

start_vflowd "$TMP/out.jsonl" -i "$INTERVAL_S" --web.listen-address "127.0.0.1:$PORT" --dump-dir "$DUMPS" \
	--dump-cooldown 0 || fail_all "vflowd did not start" "${NAMES[@]}"

# run_in CG: exactly N getppid from a process in CG (sysloop execs in it)
run_in() { sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" "$3"' sh "$1" "$SYSLOOP" "$N" >/dev/null; }
# next_report: wait until vflowd has printed one more report than now
next_report() {
	local n
	n=$(wc -l <"$TMP/out.jsonl")
	wait_for $((INTERVAL_S * 3)) test "$(wc -l <"$TMP/out.jsonl")" -gt "$n"
}
scrape() { curl -s --max-time 5 "http://127.0.0.1:$PORT/metrics"; }
# the label sets of vflow_syscalls_total for entity $1, sorted
labels_of() { grep "^vflow_syscalls_total{" | grep "entity=\"$1\"" | sed 's/}.*/}/' | sort; }

# ---- a cgroup that outlives one interval, removed later -------------------
LONG_ID=$(hex64)
LONG=$TOP/libpod_parent/libpod-$LONG_ID
mkdir "$LONG"
run_in "$LONG"
run_in "$WALKED"
report_after "$(mono_ns)" $((INTERVAL_S * 4))
scrape | labels_of "podman:${LONG_ID:0:12}" >"$TMP/labels.before"

# ---- made, used and removed within one interval ---------------------------
next_report	# just after a report: the whole interval is ahead
SHORT_ID=$(hex64)
SHORT=$TOP/libpod_parent/libpod-$SHORT_ID
mkdir "$SHORT"
SHORT_CGID=$(stat -c %i "$SHORT")
run_in "$SHORT"
rmdir "$SHORT"
rmdir "$LONG"
report_after "$(mono_ns)" $((INTERVAL_S * 4))
SHORT_REPORTS=$REPORT_INDEX
scrape | labels_of "podman:${LONG_ID:0:12}" >"$TMP/labels.after"
kill -USR1 "$VFLOWD_PID"
wait_for 20 grep -q "dump (SIGUSR1) written" "$VFLOWD_OUT.err"
DUMP=$(sed -n 's/.*dump (SIGUSR1) written to \(.*\)$/\1/p' "$VFLOWD_OUT.err" | head -1)

# ---- real podman -----------------------------------------------------------
podman_short() {
	local missing=() p bin
	for p in podman runc busybox-static; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -ne 0 ]; then
		echo "skip not installed: ${missing[*]} (scripts/deps.sh installs them)"
		return
	fi
	bin=$(type -P podman)
	local opts=(--root "$TMP/podman/root" --runroot "$TMP/podman/run" --tmpdir "$TMP/podman/tmp"
		    --storage-driver overlay --cgroup-manager cgroupfs --runtime runc --events-backend file)
	mkdir -p "$TMP/rootfs/bin" "$TMP/podman/tmp"
	cp /bin/busybox "$SYSLOOP" "$TMP/rootfs/bin/"
	tar -C "$TMP/rootfs" -cf "$TMP/rootfs.tar" .
	if ! "$bin" "${opts[@]}" import "$TMP/rootfs.tar" localhost/vflow-test/ident:1 >/dev/null 2>"$TMP/pimport.err"; then
		echo "fail podman import: $(tail -1 "$TMP/pimport.err")"
		return
	fi
	next_report
	if ! "$bin" "${opts[@]}" run --rm --network=none --ulimit nofile=1024:1024 \
		--ulimit nproc=1024:1024 --cgroup-parent "/vflow-test-ident-$$/libpod_parent" \
		--cidfile "$TMP/cid" localhost/vflow-test/ident:1 /bin/sysloop "$N" \
		>/dev/null 2>"$TMP/prun.err"; then
		echo "fail podman run: $(tail -1 "$TMP/prun.err")"
		return
	fi
	report_after "$(mono_ns)" $((INTERVAL_S * 4))
	"$bin" "${opts[@]}" rmi -f localhost/vflow-test/ident:1 >/dev/null 2>&1
	echo "ran $(cat "$TMP/cid")"
}
PODMAN=$(podman_short)
kill -INT "$VFLOWD_PID"
wait "$VFLOWD_PID"
STOP_RC=$?

python3 - "$TMP/out.jsonl" "$N" "$SHORT_ID" "$SHORT_CGID" "$LONG_ID" "$SHORT_REPORTS" \
	"$TMP/labels.before" "$TMP/labels.after" "$PODMAN" "${WALKED#"$CG2"}" <<'PY' >"$TMP/res" 2>&1
import json, sys
out, n, short_id, short_cgid, long_id, short_reports, lb, la, podman, walked = sys.argv[1:]
# runc's init runs in the container's cgroup before it execs the workload,
# and makes a few getppid of its own (5 with runc 1.1 here): a bound, not a count
RUNC_INIT_GETPPID_MAX = 50
n, short_reports = int(n), int(short_reports)
reports = [json.loads(l) for l in open(out)]

def ents(r):
    return r.get("entities", [])

def getppid(e):
    return sum(s["count"] for s in e.get("syscalls", []) if s["name"] == "getppid")

def find(r, name):
    return [e for e in ents(r) if e["name"] == name]

def say(ok, what, why=""):
    print(("ok - " if ok else "not ok - ") + what)
    if not ok and why:
        print("# " + why)

# the first report taken after the short-lived one was removed
r = reports[short_reports]
e = find(r, "podman:" + short_id[:12])
say(len(e) == 1 and e[0]["paradigm"] == "container" and e[0]["runtime"] == "podman"
    and e[0]["gone"] and getppid(e[0]) == n,
    "short-lived: named podman:<id12>, container, gone, exactly N getppid in the JSON",
    json.dumps([{k: x.get(k) for k in ("name", "paradigm", "runtime", "gone")} | {"getppid": getppid(x)}
                for x in e]) + " in report %d of %d" % (short_reports, len(reports)))
bare = [x["name"] for rr in reports for x in ents(rr) if x["name"] == "cgroup:" + short_cgid]
say(not bare, "short-lived: no entity named by its bare cgroup id", "found %s" % bare)
before, after = open(lb).read(), open(la).read()
say(before != "" and before == after,
    "removed after an interval: the same exporter labels before and after",
    "before %r after %r" % (before, after))
last = reports[-1]
e = find(last, "podman:" + long_id[:12])
say(len(e) == 1 and e[0]["gone"] and e[0]["paradigm"] == "container",
    "removed after an interval: gone in the JSON, same name and paradigm", json.dumps(e)[:300])
learnt = {}
for name in ("podman:" + short_id[:12], "podman:" + long_id[:12], walked):
    e = find(last, name)
    learnt[name] = (e[0].get("learnt"), e[0].get("gone_since_ns") is not None) if e else None
say(learnt == {"podman:" + short_id[:12]: ("mkdir", True), "podman:" + long_id[:12]: ("mkdir", True),
               walked: ("walk", False)},
    "learnt: mkdir for those made while tracing, walk for one made before", repr(learnt))
what = "podman run --rm: named podman:<id12>, container, its N getppid, after removal"
if podman.startswith("skip "):
    print("skip - %s - %s" % (what, podman[5:]))
elif podman.startswith("ran "):
    cid = podman.split()[1]
    e = find(last, "podman:" + cid[:12])
    say(len(e) == 1 and e[0]["paradigm"] == "container" and e[0]["gone"]
        and n <= getppid(e[0]) <= n + RUNC_INIT_GETPPID_MAX,
        what, json.dumps([{k: x.get(k) for k in ("name", "paradigm", "gone")} | {"getppid": getppid(x)}
                          for x in e]))
else:
    say(False, what, podman)
PY
# the dump, read back: the short-lived cgroup's entity, and the replay's report of it
"$VFLOWDUMP" info "$DUMP" >"$TMP/dump.txt" 2>"$TMP/dump.err"
"$VFLOWTOP" --replay "$DUMP" --json -d 0.1 --speed 100000 >"$TMP/replay.jsonl" 2>"$TMP/replay.err"
python3 - "$TMP/dump.txt" "$TMP/replay.jsonl" "$N" "$SHORT_ID" <<'PY' >>"$TMP/res" 2>&1
import json, sys
dump, replay, n, short_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
name = "podman:" + short_id[:12]
# vflowdump info: "  cgroup   ID   TYPE   NAME   PATH" per entity
rows = [l.split() for l in open(dump) if l.startswith("  cgroup ")]
hit = [r for r in rows if len(r) >= 5 and r[3] == name]
ok = len(hit) == 1 and hit[0][2] == "podman" and hit[0][4].endswith("libpod-" + short_id)
print(("ok - " if ok else "not ok - ") + "short-lived: named in a dump, with its path")
if not ok:
    print("# cgroup entities: %s" % [r[3] for r in rows if len(r) > 3][:30])
try:
    last = [json.loads(l) for l in open(replay)][-1]
    e = [x for x in last.get("entities", []) if x["name"] == name]
    got = sum(s["count"] for x in e for s in x.get("syscalls", []) if s["name"] == "getppid")
    # the replay counts the dump's samples scaled by their period (1 in 1000): not exact
    ok = len(e) == 1 and e[0]["paradigm"] == "container" and got > 0
    print(("ok - " if ok else "not ok - ") + "short-lived: named in vflowtop --replay of the dump")
    if not ok:
        print("# %s getppid %d" % (json.dumps([x["name"] for x in e]), got))
except Exception as ex:
    print("not ok - short-lived: named in vflowtop --replay of the dump")
    print("# %r" % ex)
PY
# in the order of NAMES
for t in "${NAMES[@]:0:8}"; do
	line=$(grep -F -- "- $t" "$TMP/res" | head -1)
	case $line in
	"ok - "*) ok "$t" ;;
	"skip - "*) skip "$t" "${line##*- }" ;;
	*) not_ok "$t"; grep -A1 -F -- "- $t" "$TMP/res" | grep '^#' ;;
	esac
done
if [ "$STOP_RC" -eq 0 ]; then
	ok "vflowd stopped cleanly"
else
	not_ok "vflowd stopped cleanly"
	diag "status $STOP_RC: $(tail -5 "$VFLOWD_OUT.err")"
fi
