#!/usr/bin/env bash
# The syscall path's other modes (docs/PERFORMANCE.md):
# - sampled timing (--syscall-timing sampled:N, sampled, budget:P%): every
#   syscall still counted exactly; about 1 in N timed, spread over the
#   syscalls of a periodic pattern rather than stuck on one of them; the
#   latency of the timed ones, and the total estimated from them
#   (mean x count), within their stated error of the workload's own
#   bounds; the output says "sampled 1/N";
# - the budget mode: the period grows when timing every syscall would cost
#   more than the budget, and stays at 1 (exact) when it would not;
# - pairing in task storage (--syscall-pairing task): counts exact, and
#   blocked syscalls' latency within the workload's own bounds.
. "$(dirname "$0")/../lib.sh"

NAMES=("sampled 1/4: vflowd stopped cleanly" "sampled 1/4: periodic pattern counted exactly"
       "sampled 1/4: each syscall of the pattern timed about 1 in 4"
       "sampled 1/4: nanosleep counted exactly" "sampled 1/4: timed nanosleeps within each call's own bounds"
       "sampled 1/4: estimated total (mean x count) within its stated error"
       "sampled 1/4: the output says sampled 1/4"
       "default sampled: vflowd stopped cleanly" "default sampled: the output says sampled 1/DEFAULT"
       "default sampled: counted exactly" "default sampled: about 1 in DEFAULT timed"
       "budget: vflowd stopped cleanly" "budget: the period grows over a syscall storm"
       "budget: counted exactly over the storm"
       "large budget: vflowd stopped cleanly" "large budget: every syscall timed"
       "task pairing: vflowd stopped cleanly" "task pairing: counted exactly" "task pairing: nanosleep paired exactly"
       "task pairing: nanosleep: total within the workload's own bounds"
       "task pairing: nanosleep: mean within the workload's own bounds"
       "task pairing: nanosleep: histogram within the workload's own bounds")
plan ${#NAMES[@]}
[ "$(id -u)" -eq 0 ] || skip_all "needs root (BPF, cgroups)" "${NAMES[@]}"
[ -n "$(cgroup2_root)" ] || skip_all "no cgroup v2 hierarchy mounted" "${NAMES[@]}"

# the default period, from the header the programs are built with
DEFAULT=$(awk '$2 == "VFLOW_DEFAULT_TIME_PERIOD" { print $3 }' "$ROOT/include/vflow.h")
[ -n "$DEFAULT" ] || fail_all "no VFLOW_DEFAULT_TIME_PERIOD in include/vflow.h" "${NAMES[@]}"
# Sleeps of 20 ms: a timed call's latency lies between the workload's own
# per-call bounds (the slack between them is clock reads and a wakeup, as
# in syscall_pairing.sh); 80 calls give ~20 timed at 1 in 4.
P=20000 SLEEPS=80 SLEEP_MS=20 N=200000 M=3000 STORM=3000000
TS=$BUILD/tests/timed_syscalls
PY_CHECKS=$TMP/checks.py
cat >"$PY_CHECKS" <<'PY'
import json, math, sys
from bounds import hist_slot, last_report, latency_checks, read_bounds

def tap(ok, what, got=None):
    """One unnumbered TAP line: tap_from numbers it."""
    print(("ok" if ok else "not ok") + " - %s%s" % (what, "" if ok else " (got %s)" % (got,)))
    return ok

def rows(rep, cg):
    for e in rep.get("entities", []):
        if e["cgroup_id"] == cg:
            return {r["name"]: r for r in e["syscalls"]}, e
    return {}, {}

def timed(r):
    return sum(r.get("hist", []))

def about(got, n, period):
    """Is GOT timed syscalls of N plausible at 1 in PERIOD? Four standard
    deviations of a binomial (the random gaps timing uses vary less than
    independent draws would), plus 4 for each CPU's first syscall, which
    is always timed, and the period's start."""
    p = 1.0 / period
    return abs(got - n * p) <= 4 * math.sqrt(n * p * (1 - p)) + 4
PY

# ---- sampled 1/4 -------------------------------------------------------------
CG_PAT=$(new_cgroup "vflow-test-pattern-$$")
CG_SLEEP=$(new_cgroup "vflow-test-ssleep-$$")
start_vflowd "$TMP/s4.jsonl" -i 0.2 --syscall-timing sampled:4 || fail_all "vflowd did not start" "${NAMES[@]}"
run_in_cgroup "$CG_PAT" taskset -c 0 "$BUILD/tests/sysloop" -p "$P"
run_in_cgroup "$CG_SLEEP" "$TS" nanosleep "$SLEEPS" "$SLEEP_MS" >"$TMP/sleep.out"
sleep 0.5
stop_vflowd "sampled 1/4"
tap_from < <(PYTHONPATH=$ROOT/tests:$TMP python3 - "$TMP/s4.jsonl" "$TMP/sleep.out" \
	"$(stat -c %i "$CG_PAT")" "$(stat -c %i "$CG_SLEEP")" "$P" "$SLEEPS" <<'PY'
import sys
from checks import *
out, sleep_out = sys.argv[1:3]
cg_pat, cg_sleep, p, sleeps = map(int, sys.argv[3:])
last = last_report(out)
pat, _ = rows(last, cg_pat)
pp, pg = pat.get("getppid", {}), pat.get("getpgid", {})
tap(pp.get("count") == 3 * p and pg.get("count") == p, "sampled 1/4: periodic pattern counted exactly",
    (pp.get("count"), pg.get("count")))
tap(pp and pg and about(timed(pp), 3 * p, 4) and about(timed(pg), p, 4),
    "sampled 1/4: each syscall of the pattern timed about 1 in 4",
    "getppid %s of %s, getpgid %s of %s" % (timed(pp), pp.get("count"), timed(pg), pg.get("count")))
sl, ent = rows(last, cg_sleep)
ns = sl.get("nanosleep", {})
b = read_bounds(sleep_out, "nanosleep")
k = timed(ns)
tap(ns.get("count") == sleeps and ns.get("skipped") == 0, "sampled 1/4: nanosleep counted exactly",
    (ns.get("count"), ns.get("skipped")))
# every timed call lies within its own bounds, so their mean and slots do
lo, hi = b.get("lower_min_ns", 0), b.get("upper_max_ns", -1)
slots = [i for i, c in enumerate(ns.get("hist", [])) if c]
tap(k >= 1 and lo - 1000 <= ns.get("mean_ns", -1) <= hi + 1000 and
    all(hist_slot(lo) <= i <= hist_slot(hi) for i in slots),
    "sampled 1/4: timed nanosleeps within each call's own bounds",
    "%d timed, mean %s, slots %s, bounds [%s, %s]" % (k, ns.get("mean_ns"), slots, lo, hi))
# The stated error (docs/PERFORMANCE.md): mean x count estimates the total
# with a standard error of count x sd / sqrt(timed); sd is at most half
# the spread of the calls' bounds. Four of those around the true total,
# which lies within [lower_total, upper_total].
est = ns.get("mean_ns", 0) * ns.get("count", 0)
err = 4 * sleeps * ((hi - lo) / 2) / math.sqrt(k) if k else float("inf")
tap(k >= 1 and b.get("lower_total_ns", 0) - err <= est <= b.get("upper_total_ns", -1) + err,
    "sampled 1/4: estimated total (mean x count) within its stated error",
    "estimate %.0f ns from %d timed, bounds [%s, %s] +- %.0f" % (
        est, k, b.get("lower_total_ns"), b.get("upper_total_ns"), err))
tap(last.get("syscall_timing") == "sampled 1/4" and ent.get("latency_provenance") == "sampled 1/4"
    and ent.get("timed") == sum(timed(r) for r in sl.values()),
    "sampled 1/4: the output says sampled 1/4",
    (last.get("syscall_timing"), ent.get("latency_provenance"), ent.get("timed")))
PY
)

# ---- the default sampled mode ----------------------------------------------------
CG_DEF=$(new_cgroup "vflow-test-sdefault-$$")
start_vflowd "$TMP/sd.jsonl" -i 0.2 --syscall-timing sampled || fail_all "vflowd did not start" "${NAMES[@]}"
run_in_cgroup "$CG_DEF" "$BUILD/tests/sysloop" "$N" "$M"
sleep 0.5
stop_vflowd "default sampled"
tap_from < <(PYTHONPATH=$ROOT/tests:$TMP python3 - "$TMP/sd.jsonl" "$(stat -c %i "$CG_DEF")" "$N" "$M" \
	"$DEFAULT" <<'PY'
import sys
from checks import *
out = sys.argv[1]
cg, n, m, period = map(int, sys.argv[2:])
last = last_report(out)
r, ent = rows(last, cg)
pp, pg = r.get("getppid", {}), r.get("getpgid", {})
label = "sampled 1/%d" % period
tap(last.get("syscall_timing") == label and ent.get("latency_provenance") == label,
    "default sampled: the output says sampled 1/DEFAULT", (last.get("syscall_timing"), label))
tap(pp.get("count") == n and pg.get("count") == m, "default sampled: counted exactly",
    (pp.get("count"), pg.get("count")))
tap(pp and about(timed(pp), n, period), "default sampled: about 1 in DEFAULT timed",
    "%s of %s at 1 in %d" % (timed(pp), pp.get("count"), period))
PY
)

# ---- budget mode -------------------------------------------------------------------
# 0.0001 % of a CPU is 1 us per second: timing every syscall of any storm
# (hundreds of thousands per second, each clock read tens of ns) costs more
CG_STORM=$(new_cgroup "vflow-test-storm-$$")
start_vflowd "$TMP/sb.jsonl" -i 0.2 --syscall-timing budget:0.0001% || fail_all "vflowd did not start" "${NAMES[@]}"
run_in_cgroup "$CG_STORM" "$BUILD/tests/sysloop" "$STORM"
sleep 0.5
stop_vflowd "budget"
tap_from < <(PYTHONPATH=$ROOT/tests:$TMP python3 - "$TMP/sb.jsonl" "$(stat -c %i "$CG_STORM")" "$STORM" <<'PY'
import json, sys
from checks import *
out = sys.argv[1]
cg, storm = map(int, sys.argv[2:])
reps = [json.loads(l) for l in open(out).read().splitlines()]
periods = [x.get("syscall_time_period", 0) for x in reps]
tap(max(periods) > 1 and any(x.get("syscall_timing") == "sampled 1/%d" % max(periods) for x in reps),
    "budget: the period grows over a syscall storm", periods)
r, _ = rows(reps[-1], cg)
tap(r.get("getppid", {}).get("count") == storm, "budget: counted exactly over the storm",
    r.get("getppid", {}).get("count"))
PY
)

# 100 % of a CPU: timing never costs that much here, so after its first
# interval (which starts at the default period) every syscall is timed
CG_BIG=$(new_cgroup "vflow-test-bigbudget-$$")
start_vflowd "$TMP/sl.jsonl" -i 0.2 --syscall-timing budget:100% || fail_all "vflowd did not start" "${NAMES[@]}"
sleep 0.5
run_in_cgroup "$CG_BIG" "$BUILD/tests/sysloop" "$N"
sleep 0.5
stop_vflowd "large budget"
tap_from < <(PYTHONPATH=$ROOT/tests:$TMP python3 - "$TMP/sl.jsonl" "$(stat -c %i "$CG_BIG")" "$N" <<'PY'
import sys
from checks import *
out = sys.argv[1]
cg, n = map(int, sys.argv[2:])
last = last_report(out)
r, _ = rows(last, cg)
pp = r.get("getppid", {})
tap(last.get("syscall_timing") == "exact" and pp.get("count") == n and timed(pp) == n,
    "large budget: every syscall timed", (last.get("syscall_timing"), pp.get("count"), timed(pp)))
PY
)

# ---- pairing in task storage ----------------------------------------------------------
# 12 sleeps of 80 ms: the margins of syscall_pairing.sh
CG_TP=$(new_cgroup "vflow-test-taskpair-$$")
CG_TSLEEP=$(new_cgroup "vflow-test-tsleep-$$")
start_vflowd "$TMP/tp.jsonl" -i 0.2 --syscall-pairing task || fail_all "vflowd did not start" "${NAMES[@]}"
run_in_cgroup "$CG_TP" "$BUILD/tests/sysloop" "$N" "$M"
run_in_cgroup "$CG_TSLEEP" "$TS" nanosleep 12 80 >"$TMP/tsleep.out"
sleep 0.5
stop_vflowd "task pairing"
tap_from < <(PYTHONPATH=$ROOT/tests:$TMP python3 - "$TMP/tp.jsonl" "$TMP/tsleep.out" \
	"$(stat -c %i "$CG_TP")" "$(stat -c %i "$CG_TSLEEP")" "$N" "$M" <<'PY'
import sys
from checks import *
out, sleep_out = sys.argv[1:3]
cg, cg_sleep, n, m = map(int, sys.argv[3:])
last = last_report(out)
r, _ = rows(last, cg)
tap(r.get("getppid", {}).get("count") == n and r.get("getpgid", {}).get("count") == m and
    timed(r.get("getppid", {})) == n, "task pairing: counted exactly",
    (r.get("getppid", {}).get("count"), r.get("getpgid", {}).get("count")))
sl, _ = rows(last, cg_sleep)
ns = sl.get("nanosleep", {})
tap(ns.get("count") == 12 and ns.get("skipped") == 0, "task pairing: nanosleep paired exactly",
    (ns.get("count"), ns.get("skipped")))
latency_checks(tap, "task pairing: nanosleep", ns, read_bounds(sleep_out, "nanosleep"), "count")
PY
)
