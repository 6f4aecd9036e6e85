#!/usr/bin/env bash
# Install the Debian packages vflow needs to build, test and benchmark.
# Re-running it is a no-op: apt is only called for what is missing.
set -euo pipefail

pkgs=(
	make gcc clang llvm pkg-config		# build
	libbpf-dev bpftool libelf-dev zlib1g-dev	# libbpf, skeletons
	linux-libc-dev libc6-dev		# syscall table, static test helpers
	libcmocka-dev				# unit tests
	libncurses-dev				# vflowtop
	util-linux procps iproute2 python3 tmux	# integration tests (unshare, ps)
	libbpf-tools bpftrace strace linux-perf	# benchmark peers
	runsc					# gVisor, for the sandbox tests
	libmicrohttpd-dev libgnutls28-dev libyaml-dev libcrypt-dev	# exporter: HTTP, TLS, web config, bcrypt
	libcurl4-openssl-dev libjson-c-dev	# container names from the runtimes' APIs and state
	docker.io containerd podman runc busybox-static	# real runtimes for the container name tests
	prometheus curl openssl apache2-utils python3-yaml	# exporter tests
	clang-tidy cppcheck valgrind		# lint and memory checks
	help2man				# man pages from --help (checked by the tests)
	libclang-rt-dev				# libFuzzer for the fuzz targets (only recommended by clang)
	libtracecmd-dev libtraceevent-dev libtracefs-dev	# vflowd --import of trace.dat
	trace-cmd				# the trace.dat the import tests record
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages: ${missing[*]}; run as root (sudo make ...) or install them with apt-get" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
