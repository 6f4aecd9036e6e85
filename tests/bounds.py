"""Checks of the latencies vflow reports against clocks outside vflow.

The workloads in tests/helpers print, per kind of call, "bounds NAME
lower_calls N upper_calls N lower_total_ns L upper_total_ns U lower_min_ns A
upper_max_ns B" (call_bounds.h): for each call, an interval measured on
CLOCK_MONOTONIC that lies inside what vflow times (lower) and one that
contains it (upper). vflow's total, mean and histogram for those N calls
must lie within them. A 5/4 error goes above the upper sum unless the
upper bounds add a quarter to the true latency, and a 3/4 error below the
lower sum unless the lower bounds miss a third of it: the workloads make
their calls long (tens of milliseconds) against what lies between the
bounds (clock reads, a wakeup), and each script states its margins.

Imported by the integration scripts (PYTHONPATH=tests).
"""
import json

# Slack per call between vflow's clock and the workload's. Both are
# CLOCK_MONOTONIC, but bpf_ktime_get_ns() reads the NMI-safe copy of the
# timekeeper and the vDSO its own copy, each updated at every tick from the
# same state: they agree to the rounding of the conversion, nanoseconds.
# 1 us per call is 0.01% of a millisecond call.
CLOCK_SLACK_NS = 1000

# include/vflow.h: VFLOW_HIST_SLOTS, slot i counts 2^(i-1) <= v < 2^i ns
HIST_SLOTS = 36


def hist_slot(ns):
    """vflow_hist_slot() of include/vflow.h."""
    ns = int(ns)
    return min(ns.bit_length(), HIST_SLOTS - 1) if ns > 0 else 0


def read_bounds(path, name):
    """The bounds line NAME of a helper's output, as a dict; {} if none."""
    for line in open(path):
        w = line.split()
        if len(w) >= 2 and w[0] == "bounds" and w[1] == name:
            return {k: int(v) for k, v in zip(w[2::2], w[3::2])}
    return {}


def last_report(path):
    """vflowd's last JSON report in PATH."""
    lines = open(path).read().splitlines()
    return json.loads(lines[-1]) if lines else {}


class Tap:
    """Numbered TAP lines, continuing the shell script's numbering."""

    def __init__(self, first):
        self.n = first

    def __call__(self, ok, what, got=None):
        self.n += 1
        print(("ok" if ok else "not ok") + " %d - %s%s" % (self.n, what, "" if ok else " (got %s)" % (got,)))
        return ok


def latency_checks(tap, label, row, b, timed):
    """Three checks: vflow's total, mean and histogram of the TIMED calls in
    ROW lie within the bounds B. Each asserts first that its figures exist."""
    n = b.get("lower_calls", 0)
    have = bool(row) and n > 0 and b.get("upper_calls") == n and row.get(timed) == n
    slack = n * CLOCK_SLACK_NS
    lo, hi = b.get("lower_total_ns", 0) - slack, b.get("upper_total_ns", 0) + slack
    total = row.get("total_ns", -1) if row else -1
    why = "%s %s of %s bounded calls, total %s, bounds [%s, %s]" % (
        timed, row.get(timed) if row else None, n, total, lo, hi)
    if have and total > 0 and lo > 0:
        # the margins, for whoever tunes a workload: each must stay under 1.25
        print("# %s: vflow %d ns over %d calls; vflow/lower %.3f, upper/vflow %.3f"
              % (label, total, n, total / lo, hi / total))
    tap(have and lo <= total <= hi, "%s: total within the workload's own bounds" % label, why)
    mean = row.get("mean_ns", -1) if row else -1
    mlo, mhi = (lo / n, hi / n) if n else (0, -1)
    tap(have and mlo <= mean <= mhi, "%s: mean within the workload's own bounds" % label,
        "mean %s, bounds [%.1f, %.1f]" % (mean, mlo, mhi))
    hist = row.get("hist", []) if row else []
    s_lo = hist_slot(b.get("lower_min_ns", 0) - CLOCK_SLACK_NS)
    s_hi = hist_slot(b.get("upper_max_ns", 0) + CLOCK_SLACK_NS)
    inside = sum(hist[s_lo:s_hi + 1])
    tap(have and len(hist) == HIST_SLOTS and inside == n and sum(hist) == n,
        "%s: histogram within the workload's own bounds" % label,
        "%d of %d in slots %d..%d: %s" % (inside, sum(hist), s_lo, s_hi,
                                          {i: c for i, c in enumerate(hist) if c}))
