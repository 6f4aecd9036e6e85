#!/usr/bin/env bash
# A minimal Debian root made by debootstrap from the mirror apt uses here,
# made once and kept: the throwaway root the Debian package is installed
# in (tests/package/deb.sh) and the base of the container image
# (tests/package/image.sh), so that nothing comes from a registry.
#   scripts/base-rootfs.sh        prints the root's directory
# The root is CACHE/SUITE-ARCH/rootfs, CACHE being $VFLOW_CACHE_DIR or
# /var/cache/vflow; it is complete once CACHE/SUITE-ARCH/stamp exists
# (written last, it names the mirror and the time it was made). Remove
# that folder to make it again. Two runs at once wait for each other.
set -euo pipefail

CACHE=${VFLOW_CACHE_DIR:-/var/cache/vflow}
# this machine's release, as its os-release names it
SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
ARCH=$(dpkg --print-architecture)
[ -n "$SUITE" ] || { echo "base-rootfs: /etc/os-release names no VERSION_CODENAME: not a Debian release" >&2; exit 1; }

# mirror: the URI apt fetches SUITE from (deb822 .sources or one-line
# .list files), VFLOW_MIRROR if set
mirror() {
	local f
	if [ -n "${VFLOW_MIRROR:-}" ]; then echo "$VFLOW_MIRROR"; return; fi
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$SUITE" '
			/^$/ { if (uri != "" && has) { print uri; exit } uri = ""; has = 0; next }
			/^URIs:/ { uri = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) has = 1 }
			END { if (uri != "" && has) print uri }' "$f"
	done
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } |
		awk -v suite="$SUITE" '$1 == "deb" { for (i = 2; i < NF; i++) if ($i !~ /^\[/ && $(i + 1) == suite) { print $i; exit } }'
}

dir=$CACHE/$SUITE-$ARCH
mkdir -p "$dir"
exec 9>"$dir/lock"
flock 9
if [ ! -f "$dir/stamp" ]; then
	url=$(mirror | sed -n 1p)
	[ -n "$url" ] || { echo "base-rootfs: no apt source for $SUITE in /etc/apt/sources.list*: set VFLOW_MIRROR" >&2; exit 1; }
	command -v debootstrap >/dev/null || { echo "base-rootfs: debootstrap missing: scripts/deps.sh package installs it" >&2; exit 1; }
	rm -rf "$dir/rootfs"
	echo "  DEBOOTSTRAP $SUITE $ARCH from $url into $dir/rootfs (once)" >&2
	if ! debootstrap --variant=minbase --arch="$ARCH" "$SUITE" "$dir/rootfs" "$url" >"$dir/debootstrap.log" 2>&1; then
		echo "base-rootfs: debootstrap failed; its last lines ($dir/debootstrap.log):" >&2
		tail -5 "$dir/debootstrap.log" >&2
		exit 1
	fi
	# apt's lists are fetched where the root is used: they age
	rm -rf "$dir/rootfs/var/cache/apt/archives/"*.deb
	echo "$SUITE $ARCH $url $(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$dir/stamp.tmp"
	mv "$dir/stamp.tmp" "$dir/stamp"
fi
echo "$dir/rootfs"
