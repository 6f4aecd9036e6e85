# Helpers of the tests that start real container runtimes (runtime_names.sh,
# container_names.sh), sourced after tests/lib.sh. They use CG2 (the cgroup
# v2 mount), CGROUP_TOP (the test's cgroup folder under each hierarchy), T
# (the test's folder, where the runtimes keep their state) and START_S.

# stop_pid PID: SIGTERM, then SIGKILL after 20 s; reaped
stop_pid() {
	local pid=$1 i state
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 200; i++)); do
		state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
		[ -z "$state" ] || [ "$state" = Z ] && break
		sleep 0.1
	done
	[ -z "$state" ] || [ "$state" = Z ] || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

# the cgroups the runtimes made below CGROUP_TOP, in every hierarchy; a
# container a runtime failed to stop is killed first (cgroup.kill)
remove_cgroups() {
	local top dir
	[ -d "$CG2/$CGROUP_TOP" ] && find "$CG2/$CGROUP_TOP" -depth -type d |
		while read -r dir; do remove_cgroup "$dir"; done
	for top in /sys/fs/cgroup/*/"$CGROUP_TOP"; do
		[ -d "$top" ] && find "$top" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}

# what the runtimes mounted below this test's folder, innermost first
unmount_all() {
	awk -v t="$T/" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	return 0
}

# wait_daemon PID COMMAND...: until COMMAND succeeds, START_S at most; at
# once false when the daemon PID has exited
wait_daemon() {
	local pid=$1 deadline=$((SECONDS + START_S)) state; shift
	until "$@" >/dev/null 2>&1; do
		state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)
		[ -z "$state" ] || [ "$state" = Z ] || [ $SECONDS -ge $deadline ] && return 1
		sleep 0.05
	done
}
