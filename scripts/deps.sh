#!/usr/bin/env bash
# Install the Debian packages vflow needs to build, test and benchmark.
# Re-running it is a no-op: apt is only called for what is missing.
#   scripts/deps.sh           build, test, benchmark (make run, make test)
#   scripts/deps.sh package   and what make test-package needs besides
#   scripts/deps.sh --build   print the build's packages (debian/control's
#                             Build-Depends, tests/package/deb.sh checks)
set -euo pipefail

# what building the programs and their man pages needs
build=(
	make gcc clang llvm pkg-config		# build
	libbpf-dev bpftool libelf-dev zlib1g-dev	# libbpf, skeletons
	linux-libc-dev libc6-dev		# syscall table, static test helpers
	libncurses-dev				# vflowtop
	libmicrohttpd-dev libgnutls28-dev libyaml-dev libcrypt-dev	# exporter: HTTP, TLS, web config, bcrypt
	libcurl4-openssl-dev libjson-c-dev	# container names from the runtimes' APIs and state
	libtracecmd-dev libtraceevent-dev libtracefs-dev	# vflowd --import of trace.dat
	help2man				# man pages from --help
)

pkgs=(
	"${build[@]}"
	libcmocka-dev				# unit tests
	util-linux procps iproute2 python3 tmux	# integration tests (unshare, ps)
	libbpf-tools bpftrace strace linux-perf	# benchmark peers
	runsc					# gVisor, for the sandbox tests
	chromium				# a real seccomp-bpf sandbox: Chromium's renderers
	docker.io containerd podman runc busybox-static	# real runtimes for the container name tests
	prometheus curl openssl apache2-utils python3-yaml	# exporter tests
	clang-tidy cppcheck valgrind		# lint and memory checks
	libclang-rt-dev				# libFuzzer for the fuzz targets (only recommended by clang)
	man-db bash-completion			# man pages and completion, read as installed
	trace-cmd				# the trace.dat the import tests record
)

# make test-package: the Debian package and lintian, the throwaway root
# it is installed in and the image's base (debootstrap; podman is above)
package=(
	debhelper dpkg-dev fakeroot lintian	# dpkg-buildpackage, lintian
	build-essential				# dpkg-checkbuilddeps asks for it besides Build-Depends
	debootstrap				# the base root, from the Debian mirror
	nodejs					# the Kubernetes schema check (npm's validators)
)

case ${1:-} in
'') ;;
package) pkgs+=("${package[@]}") ;;
--build) printf '%s\n' "${build[@]}"; exit 0 ;;
*) echo "usage: scripts/deps.sh [package | --build]" >&2; exit 2 ;;
esac
# npm comes with nodejs where that is not Debian's (and then conflicts
# with Debian's npm)
if [ "${1:-}" = package ] && ! command -v npm >/dev/null; then
	pkgs+=(npm)
fi

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
