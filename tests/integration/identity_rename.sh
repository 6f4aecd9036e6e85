#!/usr/bin/env bash
# A renamed cgroup (docs/IDENTITY.md). cgroup v2 refuses to rename a
# cgroup directory on the kernels this was written on (EPERM): probed
# here directly, and where it is allowed the rename must be applied to the
# same entity (same id, new path, new name). On a hybrid host the v1
# hierarchies allow renames and the kernel's cgroup_rename tracepoint
# fires for them; their ids are no cgroup v2 ids (bpf_get_current_cgroup_id()
# is the v2 one), so such a rename must leave every v2 identity as it
# was: a podman-style v2 cgroup whose process sits in a v1 cgroup that is
# renamed keeps its name, and no rename is applied.
. "$(dirname "$0")/../lib.sh"

N=5003
SYSLOOP=$BUILD/tests/sysloop
NAMES=("cgroup v2 rename: the same entity, its new path and name"
       "cgroup v1 rename: no cgroup v2 identity renamed"
       "cgroup v1 rename: the v2 container keeps its name, with its N getppid"
       "vflowd stopped cleanly")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
CG2=$(cgroup2_root)
[ -n "$CG2" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"
[ -x "$SYSLOOP" ] || fail_all "$SYSLOOP is not built: run make test-build" "${NAMES[@]}"
hex64() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
TOP=$CG2/vflow-test-rename-$$
mkdir -p "$TOP/libpod_parent"
on_exit "find '$TOP' -depth -type d 2>/dev/null | while read -r d; do rmdir \"\$d\" 2>/dev/null; done"
# a v1 hierarchy (hybrid hosts): the first mount of type cgroup with a controller
V1=$(awk '$3 == "cgroup" && $2 !~ /systemd$/ { print $2; exit }' /proc/mounts)

start_vflowd "$TMP/out.jsonl" -i 0.3 || fail_all "vflowd did not start" "${NAMES[@]}"

# ---- v2: probe the rename itself --------------------------------------------
V2_OLD=$TOP/libpod_parent/libpod-$(hex64)
V2_NEW_ID=$(hex64)
mkdir "$V2_OLD"
V2_CGID=$(stat -c %i "$V2_OLD")
V2_WHY=
if ! mv "$V2_OLD" "$TOP/libpod_parent/libpod-$V2_NEW_ID" 2>"$TMP/mv.err"; then
	V2_WHY="this kernel refuses to rename a cgroup v2 directory: $(sed 's/.*: //' "$TMP/mv.err")"
	rmdir "$V2_OLD"
fi

# ---- v1: a process in a v2 container cgroup and a v1 cgroup, renamed ---------
V1_WHY=
CONT_ID=$(hex64)
CONT=$TOP/libpod_parent/libpod-$CONT_ID
mkdir "$CONT"
if [ -z "$V1" ]; then
	V1_WHY="no cgroup v1 hierarchy mounted (not a hybrid host)"
elif ! mkdir "$V1/vflow-test-rename-$$" 2>"$TMP/v1.err"; then
	V1_WHY="cannot make a cgroup in $V1: $(cat "$TMP/v1.err")"
else
	on_exit "rmdir '$V1/vflow-test-rename-$$' '$V1/vflow-test-renamed-$$' 2>/dev/null"
	# in both: the v1 cgroup first, then the v2 one, then the calls
	sh -c 'echo $$ >"$1/cgroup.procs" && echo $$ >"$2/cgroup.procs" && exec "$3" "$4"' sh \
		"$V1/vflow-test-rename-$$" "$CONT" "$SYSLOOP" "$N" >/dev/null
	if ! mv "$V1/vflow-test-rename-$$" "$V1/vflow-test-renamed-$$" 2>"$TMP/v1mv.err"; then
		V1_WHY="this kernel refuses to rename a cgroup v1 directory too: $(cat "$TMP/v1mv.err")"
	fi
fi
report_after "$(mono_ns)"

python3 - "$TMP/out.jsonl" "$V2_CGID" "$V2_NEW_ID" "$CONT_ID" "$N" "$V2_WHY" "$V1_WHY" <<'PY' | tap_from
import json, sys
out, v2_cgid, v2_new_id, cont_id, n, v2_why, v1_why = sys.argv[1:]
v2_cgid, n = int(v2_cgid), int(n)
last = {}
for line in open(out):
    try:
        last = json.loads(line)
    except ValueError:
        pass
ents = last.get("entities", [])
def check(cond, what, got):
    print(("ok - " if cond else "not ok - ") + what)
    if not cond:
        print("# got %s" % (got,))
def skip(what, why):
    print("ok - %s # SKIP %s" % (what, why))
def getppid(e):
    return sum(s["count"] for s in e.get("syscalls", []) if s["name"] == "getppid")
what = "cgroup v2 rename: the same entity, its new path and name"
if v2_why:
    skip(what, v2_why)
else:
    # no syscall was made in it: the rename count and no stale name tell
    check(last.get("cgroup_renames", 0) >= 1 and not any(e["cgroup_id"] == v2_cgid and
          e["name"] != "podman:" + v2_new_id[:12] for e in ents), what,
          {"cgroup_renames": last.get("cgroup_renames")})
if v1_why:
    skip("cgroup v1 rename: no cgroup v2 identity renamed", v1_why)
    skip("cgroup v1 rename: the v2 container keeps its name, with its N getppid", v1_why)
else:
    check(last.get("cgroup_renames") == 0 or not v2_why, "cgroup v1 rename: no cgroup v2 identity renamed",
          {"cgroup_renames": last.get("cgroup_renames")})
    e = next((x for x in ents if x["name"] == "podman:" + cont_id[:12]), {})
    check(getppid(e) == n and e.get("paradigm") == "container",
          "cgroup v1 rename: the v2 container keeps its name, with its N getppid",
          {k: e.get(k) for k in ("name", "paradigm", "learnt")} | {"getppid": getppid(e)})
PY
TAP_N=$((TAP_N + 3))
stop_vflowd
