#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The markdown tables of bench/syscall.sh, one set per clocksource, as
docs/PERFORMANCE.md shows them: per workload the modes' medians and ratios,
then the targets met or missed, by wall time and by CPU time.

  tables.py syscall RESULTS STATE ROUNDS CALLS OPS MODE...

RESULTS lines: "clocksource workload mode wall_ns cpu_ns ops load1"; STATE
lines: "clocksource before|after: what the machine was doing".
"""
import math
import statistics as st
import sys

# The targets (docs/PERFORMANCE.md, "Targets"): (name, workload, mode,
# reference mode or None for syscount's, limit, kind)
#   kind "ratio": added(mode) / added(reference) <= limit
TARGETS = (
    ("exact: added <= 1.10x the clock floor's", "getppid", "vflow", "clock", 1.10),
    ("exact: added <= syscount -L's / 1.5", "getppid", "vflow", "syscount", 1 / 1.5),
    ("exact: added <= syscount -L's / 1.5", "pipe", "vflow", "syscount", 1 / 1.5),
    ("sampled (default): added <= 1.20x the floor's", "getppid", "vflow-sampled", "floor", 1.20),
    ("sampled (default): added <= 1.3x floor-all's", "pipe", "vflow-sampled", "floor-all", 1.3),
)
WHAT = {
    "getppid": "%s getppid() (sysloop -t)",
    "pipe": "%s 64-byte pipe round trips between two processes (workload pipe)",
    "file": "%s open/fstat/read/close of a 64-byte file (workload file)",
}


def load(path):
    res = {}
    for line in open(path):
        f = line.split()
        if len(f) < 6:
            continue
        cs, w, m, wall, cpu, ops = f[:6]
        load1 = float(f[6]) if len(f) > 6 else math.nan
        res.setdefault(cs, {}).setdefault(w, {}).setdefault(m, []).append(
            (float(wall), float(cpu), int(ops), load1))
    return res


def med(vals, i):
    v = [x[i] for x in vals if not math.isnan(x[i])]
    return st.median(v) if v else math.nan


def fmt(v, spec="%.1f"):
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else spec % v


def workload_table(w, runs, modes, rounds, n):
    unit = "ns/syscall" if w == "getppid" else "ns/op"
    print("\n#### %s: %s, medians of %d interleaved rounds\n" % (w, WHAT.get(w, "%s ops") % n, rounds))
    print("| mode | ops per run | %s (median) | min-max | added ns | added / floor's | added / floor-all's "
          "| added / clock's | x none | CPU ns/op (median) | CPU added ns |" % unit)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    wall = {m: med(v, 0) for m, v in runs.items()}
    cpu = {m: med(v, 1) for m, v in runs.items()}
    base, cbase = wall.get("none"), cpu.get("none")

    def added(m, d=wall, b=base):
        return d[m] - b if b is not None and m in d else math.nan

    def ratio(m, ref):
        a, r = added(m), added(ref) if ref in wall else math.nan
        return "-" if m == "none" or not r or math.isnan(r) or r <= 0 else "%.2fx" % (a / r)
    for m in modes:
        if m not in runs:
            continue
        v = runs[m]
        print("| %s | %d | %.1f | %.1f-%.1f | %s | %s | %s | %s | %s | %s | %s |" % (
            m, v[0][2], wall[m], min(x[0] for x in v), max(x[0] for x in v),
            "-" if m == "none" else fmt(added(m)), ratio(m, "floor"), ratio(m, "floor-all"),
            ratio(m, "clock"), "-" if m == "none" or not base else "%.2f" % (wall[m] / base),
            fmt(cpu[m]), "-" if m == "none" else fmt(added(m, cpu, cbase))))
    missing = [m for m in modes if m not in runs]
    if missing:
        print("\nno figure for: %s (see the messages above)" % ", ".join(missing))


def target_rows(cs, data):
    rows = []
    for name, w, m, ref, limit in TARGETS:
        runs = data.get(w, {})
        got = []
        for i in (0, 1):	# wall, CPU
            if m not in runs or ref not in runs or "none" not in runs:
                got.append(math.nan)
                continue
            a = med(runs[m], i) - med(runs["none"], i)
            r = med(runs[ref], i) - med(runs["none"], i)
            # a cost that is not above none's is noise (a loaded machine): no ratio
            got.append(a / r if r > 0 and a > 0 else math.nan)
        loads = [x[3] for v in runs.values() for x in v if not math.isnan(x[3])]
        if m not in runs or ref not in runs or "none" not in runs:
            verdict = "not measured"
        elif math.isnan(got[0]):
            verdict = "inconclusive: an added cost not above none's (noise; rerun on a quiet machine)"
        elif got[0] <= limit:
            verdict = "met"
        else:
            verdict = "missed by %.2fx (%.0f %%)" % (got[0] - limit, 100 * (got[0] / limit - 1))
        rows.append("| %s | %s | %s | %s | %s | %.2fx | %s | %s |" % (
            name, w, m, "syscount -L" if ref == "syscount" else ref, fmt(got[0], "%.2fx"),
            limit, fmt(got[1], "%.2fx"), verdict + (" (load %.1f-%.1f)" % (min(loads), max(loads))
                                                     if loads else "")))
    return rows


def syscall(argv):
    results, state, rounds, calls, ops = argv[0], argv[1], int(argv[2]), argv[3], argv[4]
    modes = argv[5:]
    res = load(results)
    states = {}
    for line in open(state):
        cs, rest = line.split(" ", 1)
        states.setdefault(cs, []).append(rest.strip())
    for cs, data in res.items():
        print("\n### Clocksource %s\n" % cs)
        for s in states.get(cs, []):
            print("- %s" % s)
        for w in data:
            workload_table(w, data[w], modes, rounds, calls if w == "getppid" else ops)
        print("\n#### Targets, clocksource %s (added cost over none, medians; one interleaved run)\n" % cs)
        print("| target | workload | mode | against | measured (wall) | limit | measured (CPU time) | verdict (wall) |")
        print("| --- | --- | --- | --- | ---: | ---: | ---: | --- |")
        for row in target_rows(cs, data):
            print(row)


if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "syscall":
        sys.exit("usage: tables.py syscall RESULTS STATE ROUNDS CALLS OPS MODE...")
    syscall(sys.argv[2:])
