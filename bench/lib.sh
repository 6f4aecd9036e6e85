# shellcheck shell=bash
# Shared by the benchmarks (sourced): the clocksources to run under, switching
# between them with the original always restored, and what the machine was
# doing (load average, other BPF tracers on the syscall tracepoints).
#
# CLOCKSOURCES: the clocksources to run under (default: every one in
# available_clocksource); "current" runs under the current one only.

CS_DIR=/sys/devices/system/clocksource/clocksource0
CS_ORIG=

# The clocksources to measure under, one per line.
bench_clocksources() {
	local avail
	avail=$(cat "$CS_DIR/available_clocksource" 2>/dev/null)
	if [ "${CLOCKSOURCES:-}" = current ] || [ -z "$avail" ]; then
		cat "$CS_DIR/current_clocksource" 2>/dev/null || echo unknown
		return
	fi
	local c
	for c in ${CLOCKSOURCES:-$avail}; do
		case " $avail " in
		*" $c "*) echo "$c" ;;
		*) echo "bench: clocksource '$c' is not available here ($avail)" >&2 ;;
		esac
	done
}

bench_clocksource_now() { cat "$CS_DIR/current_clocksource" 2>/dev/null || echo unknown; }

# Switch to clocksource $1; the original comes back at exit (bench_restore).
bench_clocksource_set() {
	local now
	now=$(bench_clocksource_now)
	[ -z "$CS_ORIG" ] && CS_ORIG=$now
	[ "$now" = "$1" ] && return 0
	echo "$1" >"$CS_DIR/current_clocksource" 2>/dev/null || return 1
	# the timekeeper changes clocksource on its next tick
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(bench_clocksource_now)" = "$1" ] && { sleep 0.5; return 0; }
		sleep 0.1
	done
	return 1
}

# Put the original clocksource back (call it from the EXIT trap).
bench_restore() {
	if [ -n "$CS_ORIG" ] && [ "$(bench_clocksource_now)" != "$CS_ORIG" ]; then
		echo "$CS_ORIG" >"$CS_DIR/current_clocksource" 2>/dev/null ||
			echo "bench: could not restore clocksource $CS_ORIG" >&2
	fi
}

# "load 1.23 (1 min), 2 CPUs, N other BPF programs on raw_syscalls": what else the machine does.
bench_machine_state() {
	local load others
	load=$(cut -d' ' -f1 /proc/loadavg)
	others=$(bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
try:
    progs = json.load(sys.stdin)
except ValueError:
    progs = []
print(sum(1 for p in progs if p.get("name", "").startswith(("sys_enter", "sys_exit", "floor_enter", "floor_exit"))))' 2>/dev/null)
	echo "load $load (1 min) on $(nproc) CPUs, ${others:-?} syscall programs already attached by others"
}

# The 1-minute load average as a number.
bench_load() { cut -d' ' -f1 /proc/loadavg; }
